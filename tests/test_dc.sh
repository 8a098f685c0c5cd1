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
		RADIUS_PORT=$p RADIUS_SECRET=$SECRET RADIUS_DIR="$WORK/rad-$t" DC_DIR="$WORK/dc" TRANSPORT=$t \
			RADIUSD_PID=$(cat "$WORK/rad-$t/run/bgpid") /usr/bin/python3 tests/test_dc.py || failed=1
		echo "TIME DC tests with backend = $t: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
	else
		echo "FAIL freeradius with backend = $t started in the DC namespace"
		tail -20 "$WORK/rad-$t/log/radius.log" 2>/dev/null
		failed=1
	fi
	radiusd_stop "$WORK/rad-$t"
done
exit $failed
