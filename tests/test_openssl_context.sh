#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_openssl_context.sh - the core takes every algorithm from its own OpenSSL library
# context (rlm_mipkey/crypto.c), whatever the process-wide OpenSSL configuration says: the
# unit tests (RFC vectors) run with an OPENSSL_CONF whose default context has only the base
# provider, so that MD5, SHA1 and HMAC cannot come from it (as under a restrictive or FIPS-only
# configuration). Before crypto.c, Skey, the RFC 3957 keys and the nonces used the default
# context, and 19 checks of test_mip failed this way.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
WORK=$(mktemp -d /tmp/mipkey-osslctx.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

cat >"$WORK/openssl.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
base = base_sect
[base_sect]
activate = 1
CNF

# The configuration bites: the default context really has no MD5 under it.
if OPENSSL_CONF="$WORK/openssl.cnf" openssl dgst -md5 /dev/null >/dev/null 2>&1; then
	echo "FAIL the test configuration takes MD5 away from the default context"
else
	echo "PASS the test configuration takes MD5 away from the default context"
fi
for t in test_core test_mip; do
	out=$(OPENSSL_CONF="$WORK/openssl.cnf" "tests/unit/$t" 2>&1)
	last=$(tail -1 <<<"$out")
	if [[ $last =~ ^([0-9]+)\ passed,\ 0\ failed$ ]] && [ "${BASH_REMATCH[1]}" -gt 100 ]; then
		echo "PASS $t with the default context restricted to the base provider: $last"
	else
		echo "FAIL $t with the default context restricted to the base provider: $last"
		grep '^FAIL' <<<"$out" | head -5
	fi
done
