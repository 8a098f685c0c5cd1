#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_dc.sh - rlm_mipkey's domain-controller path against a real, throw-away Samba AD
# DC: backend = winbind (libwbclient) and backend = ntlm_auth, each in its own FreeRADIUS
# running inside the DC's private mount namespace (where /run/samba is the DC's).
# Prints PASS/FAIL lines and TIME lines; everything is stopped by PID at the end.
#
# Environment: DC_RADIUS_PORT (38950; the ntlm_auth server uses +10), RADIUS_SECRET.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
# shellcheck source=lib/samba_dc.sh
source tests/lib/samba_dc.sh
# shellcheck source=lib/radiusd.sh
source tests/lib/radiusd.sh

PORT=${DC_RADIUS_PORT:-38950}
SECRET=${RADIUS_SECRET:-mipkey-dc-secret}
WORK=$(mktemp -d /tmp/mdc.XXXXXX)	# short: Unix socket paths live under it
failed=0
# The password-change tests need the DC's samr pipe (the "rpc" service, in a private network
# namespace: no port on the host). Exported: test_dc.py restarts the DC the same way.
export SAMBA_DC_RPC=1
host_before=$(dc_host_state)

cleanup() {
	radiusd_stop "$WORK/rad-winbind" >/dev/null 2>&1
	radiusd_stop "$WORK/rad-ntlm_auth" >/dev/null 2>&1
	dc_stop "$WORK/dc" >/dev/null 2>&1
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if dc_provision "$WORK/dc" && dc_start "$WORK/dc"; then
	echo "PASS DC provisioned and started"
	echo "TIME DC provisioning ${DC_PROVISION_SECONDS} s, start ${DC_START_SECONDS} s"
else
	echo "FAIL DC provisioned and started: see above"
	exit 1
fi

# FreeRADIUS enters the DC's mount namespace (not tagged as the DC's, so dc_stop can spare it).
cat >"$WORK/freeradius-in-dc" <<EOS
#!/bin/sh
exec nsenter --target "\$(cat '$WORK/dc/run/dc.bgpid')" --mount --wd="\$PWD" -- /usr/sbin/freeradius "\$@"
EOS
chmod +x "$WORK/freeradius-in-dc"

# The ntlm_auth server runs this wrapper as its "program": it records its own command line
# (the test checks that no challenge or NT-Response is on it), then does what HELPER/mode says:
# "real" (default) execs the real ntlm_auth; the other modes are fake helpers for the fault
# tests of tests/test_dc.py (no DC involved).
mkdir -p "$WORK/helper"
cat >"$WORK/helper/ntlm_auth-test" <<'EOS'
#!/bin/sh
H=$(dirname "$0")
{ tr '\0' ' ' </proc/$$/cmdline; echo; } >>"$H/cmdlines"
echo $$ >>"$H/pids"
mode=$(cat "$H/mode" 2>/dev/null || echo real)
# read_request: consume the request up to its "." line.
read_request() { while IFS= read -r l; do [ "$l" = . ] && break; done; }
case $mode in
real)		exec /usr/bin/ntlm_auth "$@" ;;
hang)		exec sleep 30 ;;					# never answers, keeps its output open
close-stdout)	read_request; exec >&- ; exec sleep 30 ;;		# closes stdout, keeps running (stdin is the same socket)
close-all)	read_request; exec >&- <&- ; exec sleep 30 ;;	# closes its socket, keeps running
partial)	read_request; printf 'Authenticated: Yes\n'; exec sleep 30 ;;
no-key)		read_request; printf 'Authenticated: Yes\n.\n' ;;
zero-key)	read_request; printf 'Authenticated: Yes\nUser-Session-Key: 00000000000000000000000000000000\n.\n' ;;
bad-key)	read_request; printf 'Authenticated: Yes\nUser-Session-Key: 41C00C58\n.\n' ;;
fast)		read_request; printf 'Authenticated: Yes\nUser-Session-Key: 41C00C584BD2D91C4017A2A12FA59F3F\n.\n' ;;
trust)		read_request; printf 'Authenticated: No\nAuthentication-Error: The logon request failed because the trust relationship between this workstation and the primary domain failed.\n.\n' ;;
unknown)	read_request; printf 'Authenticated: No\nAuthentication-Error: NT code 0xc0001234\n.\n' ;;
garbage)	read_request; printf 'Something: else\n.\n' ;;
esac
EOS
chmod 0755 "$WORK/helper/ntlm_auth-test"
echo real >"$WORK/helper/mode"

# setup_radiusd TRANSPORT PORT: the project's configuration with backend = TRANSPORT.
setup_radiusd() {
	local t=$1 port=$2 d="$WORK/rad-$1"
	radiusd_setup "$d" "$port" 1 "$SECRET" || return 1
	sed -i -e "s|^\(\s*backend = \)ldap|\1$t|" \
	       -e "s|^\(\s*default_domain = \)\"\"|\1\"$SAMBA_DC_DOMAIN\"|" \
	       -e "s|^\(\s*\)#\s*example.net = EXAMPLE|\1mipkey.test = $SAMBA_DC_DOMAIN|" \
	       -e "s|^\(\s*\)# config_file = /etc/samba/smb.conf|\1config_file = $WORK/dc/etc/smb.conf|" \
	       "$d/raddb/mods-enabled/mipkey" || return 1
	# The ntlm_auth server hides lock-outs (E=691); the winbind one reports them (E=647).
	if [ "$t" = ntlm_auth ]; then
		sed -i "/^\s*ntlm_auth {/,\$ s|^\(\s*report_lockout = \)yes|\1no|" "$d/raddb/mods-enabled/mipkey"
		grep -q "report_lockout = no" "$d/raddb/mods-enabled/mipkey" || return 1
		# The recording wrapper around the real ntlm_auth, a 2 s timeout (the fault tests
		# measure it), and threads for 24 requests in flight.
		sed -i -e "s|^\(\s*program = \)/usr/bin/ntlm_auth|\1$WORK/helper/ntlm_auth-test|" \
		       -e "/^\s*ntlm_auth {/,\$ s|^\(\s*timeout = \)5|\12|" "$d/raddb/mods-enabled/mipkey" || return 1
		grep -q "program = $WORK/helper/ntlm_auth-test" "$d/raddb/mods-enabled/mipkey" || return 1
		sed -i -e "s|^\(\s*max_servers = \).*|\132|" -e "s|^\(\s*start_servers = \).*|\124|" \
		       "$d/raddb/radiusd.conf" || return 1
	fi
	grep -q "backend = $t" "$d/raddb/mods-enabled/mipkey" || return 1
	RADIUSD_BIN="$WORK/freeradius-in-dc" radiusd_start "$d"
}

for t in winbind ntlm_auth; do
	p=$PORT
	[ "$t" = ntlm_auth ] && p=$((PORT + 10))
	if setup_radiusd "$t" "$p"; then
		echo "PASS freeradius with backend = $t started in the DC namespace"
		t0=$(date +%s.%N)
		RADIUS_PORT=$p RADIUS_SECRET=$SECRET RADIUS_DIR="$WORK/rad-$t" DC_DIR="$WORK/dc" TRANSPORT=$t HELPER_DIR="$WORK/helper" NTLM_AUTH_TIMEOUT=2 \
			RADIUSD_PID=$(cat "$WORK/rad-$t/run/bgpid") /usr/bin/python3 tests/test_dc.py || failed=1
		echo "TIME DC tests with backend = $t: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
	else
		echo "FAIL freeradius with backend = $t started in the DC namespace"
		tail -20 "$WORK/rad-$t/log/radius.log" 2>/dev/null
		failed=1
	fi
	radiusd_stop "$WORK/rad-$t"
done
dc_stop "$WORK/dc"
host_after=$(dc_host_state)
if [ "$host_before" = "$host_after" ]; then
	echo "PASS host Samba, FreeRADIUS and slapd paths unchanged (/var/log/samba, /etc/samba, /var/log/freeradius, ...)"
else
	echo "FAIL host Samba, FreeRADIUS or slapd paths changed:"
	diff <(echo "$host_before") <(echo "$host_after") | sed 's/^/    /'
	failed=1
fi
exit $failed
