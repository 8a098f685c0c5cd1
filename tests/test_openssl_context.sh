#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_openssl_context.sh - the core takes every algorithm from its own OpenSSL library
# context (rlm_mipkey/crypto.c), whatever the process-wide OpenSSL configuration says: the
# unit tests (RFC vectors) run with an OPENSSL_CONF whose default context has only the base
# provider, so that MD5, SHA1, SHA-256, HMAC and AES cannot come from it (as under a restrictive
# or FIPS-only configuration). Before crypto.c, Skey, the RFC 3957 keys and the nonces used the
# default context, and 19 checks of test_mip failed this way; before crypto.c held HMAC-SHA-256,
# AES key wrap and AES-GCM, 53 checks of test_kdc (the RFC 3394 / 5649 / 4231 vectors, the
# KDC's extensions) and 24 of test_eap_keys failed.
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
# Nor SHA-256 nor AES key wrap (both work without the configuration).
wrap="enc -id-aes128-wrap -K 000102030405060708090a0b0c0d0e0f -iv a6a6a6a6a6a6a6a6"
for alg in "dgst -sha256" "$wrap"; do
	name=${alg%% -K*}
	# shellcheck disable=SC2086 # alg is a command line
	if ! printf 0123456789abcdef | openssl $alg >/dev/null 2>&1; then
		echo "FAIL openssl $name works without the test configuration"
	elif printf 0123456789abcdef | OPENSSL_CONF="$WORK/openssl.cnf" openssl $alg >/dev/null 2>&1; then
		echo "FAIL the test configuration takes $name away from the default context"
	else
		echo "PASS the test configuration takes $name away from the default context"
	fi
done
# test name and the fewest passed checks that count as a run (each has more today).
for tn in test_core:100 test_mip:100 test_kdc:60 test_eap_keys:30; do
	t=${tn%:*}
	out=$(OPENSSL_CONF="$WORK/openssl.cnf" "tests/unit/$t" 2>&1)
	last=$(tail -1 <<<"$out")
	if [[ $last =~ ^([0-9]+)\ passed,\ 0\ failed$ ]] && [ "${BASH_REMATCH[1]}" -gt "${tn#*:}" ]; then
		echo "PASS $t with the default context restricted to the base provider: $last"
	else
		echo "FAIL $t with the default context restricted to the base provider: $last"
		grep '^FAIL' <<<"$out" | head -5
	fi
done
