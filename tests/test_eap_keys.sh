#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_eap_keys.sh - Mobile IP keys from EAP authentication (eap_keys { }, post-auth)
# through the real freeradius, slapd and eapol_test. Starts its own servers on loopback, in a
# private temp directory, on its own ports (EAPKEYS_PORT, default 38955, and the four above):
#   PORT      the shipped "mipkey" site (eap_keys { root = emsk }): PEAP, TTLS, EAP-TLS
#   PORT+1    test site: users file (EAP-SIM triplets) + instance mipkey_msk (root = msk)
#   PORT+2    test site: users file + the shipped instance (root = emsk): EAP-SIM refused;
#             its PEAP's inner tunnel does not hand over its identity: key requests refused
#   PORT+3    the test's relay (the home agent's view of the wire), see test_eap_keys.py
#   PORT+4    slapd (the users of ldap-fixtures, for the MS-CHAPv2 inside PEAP / TTLS)
# The cases and their independent expectations are in test_eap_keys.py. Everything started
# here is stopped by PID in a trap, also on failure; the temp directory is removed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE/.." || exit 1
# shellcheck source=lib/check.sh
source tests/lib/check.sh
# shellcheck source=lib/slapd.sh
source tests/lib/slapd.sh
# shellcheck source=lib/radiusd.sh
source tests/lib/radiusd.sh

PORT=${EAPKEYS_PORT:-38955}
SECRET=eapkeys-test-secret
t0=$(date +%s.%N)
for c in freeradius eapol_test radclient slapd openssl; do
	command -v "$c" >/dev/null || { fail "test_eap_keys" "$c not found (tools/install-test-deps)"; exit 1; }
done

WORK=$(mktemp -d /tmp/mipkey-eapkeys.XXXXXX)
cleanup() {
	radiusd_stop "$WORK/radiusd" >/dev/null 2>&1
	slapd_stop "$WORK/slapd" >/dev/null 2>&1
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! { slapd_setup "$WORK/slapd" && slapd_start "$WORK/slapd" "$((PORT + 4))"; } >"$WORK/slapd-setup.log" 2>&1; then
	fail "slapd on 127.0.0.1:$((PORT + 4))" "$(tail -5 "$WORK/slapd-setup.log")"; exit 1
fi

# The shipped configuration (radiusd_setup), without radiusd.sh's other test sites: their
# ports are not ours.
R=$WORK/radiusd
if ! radiusd_setup "$R" "$PORT" "$((PORT + 4))" "$SECRET" >"$WORK/setup.log" 2>&1; then
	fail "radiusd_setup" "$(tail -5 "$WORK/setup.log")"; exit 1
fi
rm -f "$R/raddb/sites-enabled/"{mipkey-control,mipkey-hoa,mipkey-aaa,mipkey-eap-cpw} "$R/raddb/mods-enabled/"{eap_cpw,mipkey_aaa,mipkey_stripped}
# EAP-TLS: a client certificate from the test CA, its CN the EAP identity (check_cert_cn).
(
	cd "$R/certs" &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=carol@mipkey.test" -keyout client.key -out client.csr &&
	printf 'extendedKeyUsage = clientAuth\n' >client.ext &&
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile client.ext \
		-out client.pem
) >"$WORK/certs.log" 2>&1 || { fail "client certificate" "$(tail -3 "$WORK/certs.log")"; exit 1; }

# A second instance of the shipped module with eap_keys { root = msk }.
sed -e 's/^mipkey {/mipkey mipkey_msk {/' -e 's/^\(\s*root = \)emsk/\1msk/' \
	"$R/raddb/mods-enabled/mipkey" >"$R/raddb/mods-enabled/mipkey_msk"
grep -q 'root = msk' "$R/raddb/mods-enabled/mipkey_msk" || { fail "mipkey_msk instance" "root not set"; exit 1; }
# The users file with the SIM's GSM triplets (RAND, SRES, Kc), as an operator writes them.
# The simulated SIM in test_eap_keys.py answers the same RANDs with the same SRES and Kc.
cat >"$R/raddb/users.eapkeys" <<'EOF'
"1001010123456789@sim.mipkey.test"
	EAP-Sim-Rand1 := 0x101112131415161718191a1b1c1d1e1f,
	EAP-Sim-SRES1 := 0xd1d2d3d4,
	EAP-Sim-KC1 := 0xa0a1a2a3a4a5a6a7,
	EAP-Sim-Rand2 := 0x202122232425262728292a2b2c2d2e2f,
	EAP-Sim-SRES2 := 0xe1e2e3e4,
	EAP-Sim-KC2 := 0xb0b1b2b3b4b5b6b7,
	EAP-Sim-Rand3 := 0x303132333435363738393a3b3c3d3e3f,
	EAP-Sim-SRES3 := 0xf1f2f3f4,
	EAP-Sim-KC3 := 0xc0c1c2c3c4c5c6c7
EOF
cat >"$R/raddb/mods-enabled/files_eapkeys" <<'EOF'
files files_eapkeys {
	filename = ${confdir}/users.eapkeys
}
EOF
# PORT+2 uses an eap instance whose inner tunnel does not hand its identity to the outer
# request (no post-auth): key requests after PEAP must be refused there, never bound to the
# outer identity.
sed -e 's/^eap mipkey_eap {/eap mipkey_eap_noid {/' -e 's/"mipkey-inner-tunnel"/"eapkeys-inner-noid"/' \
	-e 's/inner_eap_module = mipkey_eap$/inner_eap_module = mipkey_eap_noid/' \
	"$R/raddb/mods-enabled/mipkey_eap" >"$R/raddb/mods-enabled/mipkey_eap_noid"
sed -e 's/^server mipkey-inner-tunnel {/server eapkeys-inner-noid {/' -e 's/mipkey_eap/mipkey_eap_noid/g' \
	-e '/^\tpost-auth {/,/^\t}/d' \
	"$R/raddb/sites-enabled/mipkey-inner-tunnel" >"$R/raddb/sites-enabled/eapkeys-inner-noid"
if grep -q 'Mipkey-EAP-Identity' "$R/raddb/sites-enabled/eapkeys-inner-noid" ||
   ! grep -q 'eapkeys-inner-noid' "$R/raddb/mods-enabled/mipkey_eap_noid"; then
	fail "test inner tunnel without the identity hand-over" "sed did not apply"; exit 1
fi
for n in 1 2; do
	inst=mipkey_msk eap=mipkey_eap
	[ "$n" = 2 ] && inst=mipkey eap=mipkey_eap_noid
	cat >"$R/raddb/sites-enabled/eapkeys-$n" <<EOF
server eapkeys-$n {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $((PORT + n))
	}
	authorize {
		files_eapkeys
		$eap {
			ok = return
		}
	}
	authenticate {
		$eap
	}
	post-auth {
		$inst
	}
}
EOF
done

# A bad root stops the server at start-up, naming the option.
cp "$R/raddb/mods-enabled/mipkey" "$WORK/mipkey.good"
sed -i 's/^\(\s*root = \)emsk/\1bogus/' "$R/raddb/mods-enabled/mipkey"
out=$(freeradius -XC -d "$R/raddb" 2>&1)
check "eap_keys { root = bogus }: freeradius -XC refuses the configuration" yes \
	"$(grep -q 'Invalid root "bogus": use emsk' <<<"$out" && ! grep -q 'Configuration appears to be OK' <<<"$out" && echo yes || echo "no: $(tail -3 <<<"$out")")"
cp "$WORK/mipkey.good" "$R/raddb/mods-enabled/mipkey"

if ! radiusd_start "$R" 2>"$WORK/start.log"; then
	fail "freeradius started" "$(tail -20 "$WORK/start.log")"; exit 1
fi
pass "freeradius with the shipped mipkey site (EAP-TLS, PEAP, TTLS, EAP-SIM in mipkey_eap) and the test sites"

env EAPKEYS_PORT="$PORT" RADIUS_SECRET="$SECRET" RADIUS_DIR="$R" /usr/bin/python3 tests/test_eap_keys.py || FAILED=$((FAILED + 1))

if kill -0 "$RADIUSD_PID" 2>/dev/null; then pass "freeradius still running after the cases"; else
	fail "freeradius still running after the cases" "$(tail -15 "$R/log/radius.log")"; fi
radiusd_stop "$R"
slapd_stop "$WORK/slapd" >/dev/null 2>&1
check "freeradius stopped by PID" no "$(kill -0 "$RADIUSD_PID" 2>/dev/null && echo yes || echo no)"
echo "TIME eap-keys $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
[ "$FAILED" -eq 0 ]
