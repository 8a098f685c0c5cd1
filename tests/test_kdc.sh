#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_kdc.sh - the key distribution centre mode (seed 001) through the real freeradius
# and slapd. Starts its own servers on loopback: slapd on KDC_PORT (default 38950), the
# KDC sites on KDC_PORT+1 (stateful), KDC_PORT+2 (semi-stateful, KEY0 stored wrapped) and
# KDC_PORT+3 (stateful, the MN Key Reply replaced by a forged one),
# private temp directory, stopped by PID on exit. The cases and their independent
# expectations (tests/lib/kdc_ref.py) are in tests/test_kdc.py.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=lib/slapd.sh
. "$HERE/lib/slapd.sh"
# shellcheck source=lib/radiusd.sh
. "$HERE/lib/radiusd.sh"

KDC_PORT=${KDC_PORT:-38950}
LDAP_PORT=$KDC_PORT
PORT=$((KDC_PORT + 1))
PORT2=$((KDC_PORT + 2))
PORT3=$((KDC_PORT + 3))
SECRET=kdc-test-secret
# The test KEK of ldap-fixtures/kdc.ldif (SPIs 6000-6099).
KEK=9de7b5032a4785679adefef90acd0467

WORK=$(mktemp -d /tmp/mipkey-kdc.XXXXXX) || exit 1
bad=0
cleanup() {
	radiusd_stop "$WORK/radiusd" >/dev/null 2>&1
	slapd_stop "$WORK/slapd" >/dev/null 2>&1
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL $*"; exit 1; }

slapd_setup "$WORK/slapd" >/dev/null && slapd_start "$WORK/slapd" "$LDAP_PORT" || fail "start slapd"
LDAPNOINIT=1 ldapadd -x -H "ldap://127.0.0.1:$LDAP_PORT" -D "cn=admin,dc=mipkey,dc=test" -w admin-secret \
	-f "$REPO/ldap-fixtures/kdc.ldif" >"$WORK/ldapadd.log" 2>&1 || { cat "$WORK/ldapadd.log"; fail "load kdc.ldif"; }

# KEY0 is readable by the RADIUS bind DN only (ldap-fixtures/slapd.conf.in); the SPI by anyone.
key0_seen() {
	LDAPNOINIT=1 ldapsearch -x -LLL -H "ldap://127.0.0.1:$LDAP_PORT" "$@" -b "ou=people,dc=mipkey,dc=test" \
		"(uid=kdcalice)" mipkeyKDCKey mipkeyKDCSPI 2>/dev/null
}
if key0_seen | grep -q "^mipkeyKDCSPI: 5000" && ! key0_seen | grep -qi "^mipkeyKDCKey"; then
	echo "PASS LDAP: an anonymous search sees the KEY0 SPI, not KEY0"
else
	echo "FAIL LDAP: an anonymous search sees the KEY0 SPI, not KEY0"; bad=1
fi
if key0_seen -D "cn=radius,dc=mipkey,dc=test" -w radius-secret | grep -qi "^mipkeyKDCKey: 9b1f8ba7"; then
	echo "PASS LDAP: the RADIUS bind DN reads KEY0"
else
	echo "FAIL LDAP: the RADIUS bind DN reads KEY0"; bad=1
fi

D="$WORK/radiusd"
mkdir -p "$D/raddb/mods-enabled" "$D/raddb/sites-enabled" "$D/log" "$D/run" || fail "mkdir"
sed -e "s|@DIR@|$D|g" -e "s|@LIBDIR@|$RADIUSD_MODULE_DIR|g" -e "s|@SECRET@|$SECRET|g" \
	"$REPO/tests/raddb/radiusd.conf.in" >"$D/raddb/radiusd.conf" || fail "radiusd.conf"
_radiusd_profile_clients "$SECRET" >>"$D/raddb/radiusd.conf"
printf '$INCLUDE %s/raddb/dictionary.mipkey\n' "$REPO" >"$D/raddb/dictionary"
(umask 077 && echo "$KEK" >"$D/kek.hex")
sed -e "s|@LDAP_PORT@|$LDAP_PORT|g" -e "s|@DIR@|$D|g" "$REPO/tests/raddb/mod-kdc.in" >"$D/raddb/mods-enabled/mipkey_kdc"
FORGED=$(od -An -tx1 -N48 /dev/urandom | tr -d ' \n')
sed -e "s|@PORT@|$PORT|" -e "s|@PORT2@|$PORT2|" -e "s|@PORT3@|$PORT3|" -e "s|@FORGED@|$FORGED|" \
	"$REPO/tests/raddb/site-kdc.in" >"$D/raddb/sites-enabled/mipkey-kdc"
echo "$PORT" >"$D/run/port"
echo "$SECRET" >"$D/run/secret"

# Start-up errors: each stops the server with a line naming the problem.
config_error() {
	local name=$1 expr=$2 want=$3 out
	rm -rf "$WORK/cfg" && cp -r "$D/raddb" "$WORK/cfg" &&
		sed -i -e "s|$D/raddb|$WORK/cfg|g" "$WORK/cfg/radiusd.conf" && sed -i -e "$expr" "$WORK/cfg/mods-enabled/mipkey_kdc"
	# shellcheck disable=SC2086
	out=$(env ${RADIUSD_ENV:-} "$RADIUSD_BIN" -XC -d "$WORK/cfg" 2>&1)
	if [ $? -ne 0 ] && grep -q -- "$want" <<<"$out"; then echo "PASS config error: $name"
	else echo "FAIL config error: $name: expected a failed start with \"$want\""; echo "$out" | tail -3; bad=1; fi
}
config_error "kdc { } without ldap kdc_key_attribute" '0,/kdc_key_attribute = mipkeyKDCKey/s//kdc_key_attribute = ""/' \
	'kdc { } needs backend = ldap with kdc_key_attribute'
config_error "unknown mode" 's/mode = stateful/mode = stateless/' 'Invalid mode "stateless"'
printf 'not hex\n' >"$D/bad-kek.hex"
config_error "KEK file that is not an AES key" "s|$D/kek.hex|$D/bad-kek.hex|" 'the first line must be 32, 48 or 64 hex digits'
config_error "replay_window above a day" '0,/replay_window = 7/s//replay_window = 90000/' 'replay_window 90000 is more than 86400'
config_error "replay_window the replay cache does not cover" '0,/replay_window = 7/s//replay_window = 30/' \
	'replay_window 30 needs mobileip { replay_cache { retention } } of at least 61 seconds (it is 16)'

# tests/lib/fixed_rand.c: while $D/run/fixed-keys exists, the stateful KDC's KEY1-3 are its
# 60 octets (test_kdc.py's wire checks). It must come after nodeepbind.so, and after the
# sanitizer runtime when SANITIZE=1 preloads one (ASan wants to be first).
gcc -shared -fPIC -O2 -o "$WORK/nodeepbind.so" "$HERE/lib/nodeepbind.c" -ldl &&
	gcc -shared -fPIC -O2 -o "$WORK/fixed_rand.so" "$HERE/lib/fixed_rand.c" -ldl || fail "build the test shims"
case " ${RADIUSD_ENV:-} " in
*" LD_PRELOAD="*) RADIUSD_ENV=$(sed -E "s|(^\| )(LD_PRELOAD=[^ ]*)|\1\2:$WORK/fixed_rand.so|" <<<"$RADIUSD_ENV") ;;
*) RADIUSD_ENV="${RADIUSD_ENV:-} LD_PRELOAD=$WORK/nodeepbind.so:$WORK/fixed_rand.so" ;;
esac
RADIUSD_ENV+=" MIPKEY_TEST_RAND_FILE=$D/run/fixed-keys"
radiusd_start "$D" || fail "start freeradius"

RADIUS_PORT=$PORT RADIUS_SECRET=$SECRET RADIUS_DIR=$D KDC_PORT2=$PORT2 KDC_PORT3=$PORT3 /usr/bin/python3 "$HERE/test_kdc.py"
rc=$?
[ $bad = 0 ] || rc=1
if ! kill -0 "$RADIUSD_PID" 2>/dev/null; then echo "FAIL freeradius still running after the KDC suite"; rc=1; fi
exit $rc
