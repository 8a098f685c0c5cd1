#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_install.sh - README's "Building and installing into an existing FreeRADIUS",
# word for word, into Debian's stock FreeRADIUS configuration with the stock "default" and
# "inner-tunnel" sites still enabled; then real clients against the installed server.
#
# The command lines are read from README.md (between <!-- install-steps --> and
# <!-- /install-steps -->), so README and test cannot drift. They run as written, as root,
# from a clean copy of the repository (its tracked files, as git clone would give them), but
# the host is not touched: everything runs in a private mount namespace where
#   /etc/freeradius/3.0    is a copy of the host's (checked to be Debian's stock one),
#   /usr/lib/freeradius, /usr/local, /var/cache/apt
#                          are overlays whose changes land in the temp dir (make install,
#                          configure's apt-get source),
#   /var/log/freeradius    is a tmpfs.
# The build needs the network (configure fetches FreeRADIUS's source package from Debian's
# mirror), so only the servers run in a private network namespace as well (plus a PID
# namespace: whatever is left dies with it), whose only interface is lo: there the stock
# default site binds *:1812/1813, the mipkey site *:1645, and slapd 127.0.0.1:389, so the
# shipped mods-available/mipkey is used unmodified (its LDAP settings are the fixtures').
# The README's "systemctl restart freeradius" is replaced by "freeradius -f", what Debian's
# systemd unit runs, with the same configuration; its PID is recorded and it is stopped by
# PID, as slapd is, also on failure.
#
# Clients: radclient (MS-CHAPv2 on 1645, expected values from tests/lib/mschap_ref.py, and
# any Access-Request on the stock 1812), eapol_test (PEAP/MSCHAPv2 and TTLS/MSCHAPv2 on 1645),
# the installed mipkey-client (Mobile IP keys on 1645). Every request has a
# Message-Authenticator. Then freeradius -XC with a second module instance, with the
# dictionary also $INCLUDEd, and without the dictionary file. At the end the host's
# /etc/freeradius, /usr/lib/freeradius, /usr/local, /var/log/freeradius are compared with
# their state before. Prints PASS/FAIL and TIME lines. Needs root, unshare, ip.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
# shellcheck source=lib/check.sh
source tests/lib/check.sh

RADDB=/etc/freeradius/3.0
MIPKEY_CLIENT_PATH=${MIPKEY_CLIENT_PATH:-/usr/local/bin/mipkey-client}
MIPKEY_PORT=1645
SECRET=testing123	# Debian's stock clients.conf: client localhost

# ---------------------------------------------------------------------------------------------
# Stage 3: inside the private network + PID namespace (PID 1 here): slapd, freeradius, clients.
# ---------------------------------------------------------------------------------------------
servers_and_clients() {
	local work=$1 rpid="" out rc
	# shellcheck source=lib/slapd.sh
	source tests/lib/slapd.sh
	stop_servers() {
		if [ -n "$rpid" ] && kill -0 "$rpid" 2>/dev/null; then
			kill "$rpid"
			for _ in $(seq 1 50); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
			kill -9 "$rpid" 2>/dev/null
		fi
		[ -n "$rpid" ] && wait "$rpid" 2>/dev/null
		slapd_stop "$work/slapd" >/dev/null 2>&1
	}
	trap stop_servers EXIT

	ip link set lo up || { fail "network namespace" "ip link set lo up failed"; return 1; }
	# freeradius writes its pidfile in /run/freeradius (systemd's RuntimeDirectory): a tmpfs here.
	mount -t tmpfs -o mode=0755 tmpfs /run && install -d -o freerad -g freerad -m 0775 /run/freeradius ||
		{ fail "private /run" "mount failed"; return 1; }

	# Besides the fixtures, 200 generated users for the burst below (tools/mipkey-bench).
	if slapd_setup "$work/slapd" >"$work/slapd-setup.log" 2>&1 &&
		tools/mipkey-bench --gen-users 200 --format ldif --base "ou=people,dc=mipkey,dc=test" >"$work/burst.ldif" &&
		"$SLAPADD_BIN" -q -f "$work/slapd/slapd.conf" -l "$work/burst.ldif" >>"$work/slapd-setup.log" 2>&1 &&
		slapd_start "$work/slapd" 389; then
		pass "slapd with the test directory on 127.0.0.1:389 (the shipped mods-available/mipkey's server)"
	else
		fail "slapd on 127.0.0.1:389" "$(tail -5 "$work/slapd/slapd.log" 2>/dev/null)"; return 1
	fi

	# README: "systemctl restart freeradius". Here: what the systemd unit runs, freeradius -f.
	freeradius -f </dev/null >"$work/freeradius.out" 2>&1 &
	rpid=$!
	for _ in $(seq 1 100); do
		kill -0 "$rpid" 2>/dev/null || break
		out=$(ss -Huln 2>/dev/null)
		if grep -q ":$MIPKEY_PORT " <<<"$out" && grep -q ":1812 " <<<"$out"; then break; fi
		sleep 0.1
	done
	if kill -0 "$rpid" 2>/dev/null && grep -q ":$MIPKEY_PORT " <<<"$out"; then
		pass "freeradius -f (instead of systemctl restart freeradius) listens on *:$MIPKEY_PORT and *:1812"
	else
		fail "freeradius -f started" "$(tail -15 "$work/freeradius.out" /var/log/freeradius/radius.log 2>/dev/null)"
		return 1
	fi

	# MS-CHAPv2 from a home agent on the mipkey port, expected values computed independently.
	RADIUS_PORT=$MIPKEY_PORT RADIUS_SECRET=$SECRET python3 - <<'EOF'
import os, sys
sys.path.insert(0, "tests/lib")
from radtest import check, counts, mschap_attrs, octets, radclient, ref_for, success_value
ref = ref_for("alice", "clientPass")
code, reply = radclient(mschap_attrs("alice", ref) + [("Message-Authenticator", "0x00")])
check("radclient MS-CHAPv2 on 1645: Access-Accept", "Access-Accept", code)
check("radclient MS-CHAPv2 on 1645: MS-CHAP2-Success", success_value(ref), octets(reply, "MS-CHAP2-Success"))
check("radclient MS-CHAPv2 on 1645: MS-MPPE-Send-Key", ref["mppe_send_key"], octets(reply, "MS-MPPE-Send-Key"))
check("radclient MS-CHAPv2 on 1645: MS-MPPE-Recv-Key", ref["mppe_recv_key"], octets(reply, "MS-MPPE-Recv-Key"))
ref = ref_for("alice", "wrongPass")
code, reply = radclient(mschap_attrs("alice", ref) + [("Message-Authenticator", "0x00")])
check("radclient MS-CHAPv2 on 1645, wrong password: Access-Reject", "Access-Reject", code)
sys.exit(1 if counts["failed"] else 0)
EOF
	[ $? -eq 0 ] || FAILED=$((FAILED + 1))

	# EAP through the mipkey_eap instance and mipkey-inner-tunnel. The server certificate is
	# Debian's self-signed snakeoil one, as in the stock eap module.
	eap_check() {
		local name=$1 method=$2 phase2=$3 conf="$work/eapol-$2.conf" log="$work/eapol-$2.log"
		printf 'network={\n\tkey_mgmt=WPA-EAP\n\teap=%s\n\tidentity="alice"\n\tanonymous_identity="anonymous"\n\tpassword="clientPass"\n\tca_cert="/etc/ssl/certs/ssl-cert-snakeoil.pem"\n\tphase1="peapver=0"\n\tphase2="%s"\n}\n' \
			"$method" "$phase2" >"$conf"
		eapol_test -c "$conf" -a 127.0.0.1 -p "$MIPKEY_PORT" -s "$SECRET" -r 0 -t 10 >"$log" 2>&1
		check "eapol_test $name on 1645: SUCCESS" SUCCESS "$(tail -n 1 "$log")"
		check "eapol_test $name on 1645: MPPE keys OK" "MPPE keys OK" "$(grep -o '^MPPE keys OK' "$log")"
	}
	eap_check PEAP/MSCHAPv2 PEAP "auth=MSCHAPV2"
	eap_check TTLS/MSCHAPv2 TTLS "auth=MSCHAPV2"

	# Mobile IP keys with the installed mipkey-client (it sends Message-Authenticator).
	out=$(command -v mipkey-client)
	# tests/test_deb.sh runs this stage too, with the package's /usr/bin/mipkey-client.
	check "mipkey-client installed in ${MIPKEY_CLIENT_PATH%/*}" "$MIPKEY_CLIENT_PATH" "$out"
	mipkey-client --server "127.0.0.1:$MIPKEY_PORT" --secret "$SECRET" --nai alice@mipkey.test \
		--password clientPass --mn-ha-spi 256 --mn-fa-spi 257 >"$work/mipkey-client.log" 2>&1
	rc=$?
	check "mipkey-client on 1645: exit status 0" 0 "$rc"
	check "mipkey-client on 1645: MN and HA agree" "MN and HA agree: yes" \
		"$(grep -o 'MN and HA agree: yes' "$work/mipkey-client.log")"
	[ "$rc" -eq 0 ] || tail -20 "$work/mipkey-client.log"

	# The shipped site's recv_buff (storms): the socket's buffer is above the kernel's default.
	local rb dflt
	rb=$(ss -Huamn "sport = :$MIPKEY_PORT" 2>/dev/null | sed -n 's/.*skmem:([^)]*,rb\([0-9]*\),.*/\1/p' | head -1)
	dflt=$(cat /proc/sys/net/core/rmem_default)
	if [ -n "$rb" ] && [ "$rb" -gt "$dflt" ]; then
		pass "the mipkey site's recv_buff is applied: receive buffer $rb bytes (kernel default $dflt)"
	else
		fail "the mipkey site's recv_buff is applied" "receive buffer ${rb:-?} bytes, kernel default $dflt"
	fi

	# A burst on a healthy directory: 32 requests in flight (Debian's 32 threads) against the
	# shipped pool of 8 connections. FreeRADIUS's pool fails a request at once when every
	# connection is busy; the module's pool_wait must carry these, none failed.
	out=$(tools/mipkey-bench -s "$SECRET" -l "$work/burst.ldif" -c 32 -d 3 -t 5 -o json "127.0.0.1:$MIPKEY_PORT")
	read -r sent accepts rejects < <(python3 -c \
		'import json, sys; r = json.load(sys.stdin); print(r["sent"], r["accepts"], r["rejects"] + r["timeouts"] + r["bad"])' \
		<<<"$out" 2>/dev/null)
	echo "TIME burst: ${sent:-0} requests in 3 s, 32 in flight, shipped pool { max = 8 }: ${rejects:-?} not accepted"
	if [ "${sent:-0}" -gt 1000 ] && [ "$accepts" = "$sent" ]; then
		pass "32 requests in flight on the shipped pool (max 8): all $sent accepted"
	else
		fail "32 requests in flight on the shipped pool (max 8)" "${accepts:-?} of ${sent:-?} accepted"
	fi

	# HUP after a configuration file changed: the server re-reads its configuration and loads
	# the virtual servers again; rlm_mipkey is not HUP-safe, so it is kept (not instantiated
	# again) and so are the attributes it read. Keys are still handed out.
	touch -d "@$(($(date +%s) + 5))" "$RADDB/sites-available/mipkey"
	kill -HUP "$rpid"
	for _ in $(seq 1 30); do grep -q 'HUP - loading modules' /var/log/freeradius/radius.log 2>/dev/null && break; sleep 0.1; done
	check "HUP with a changed file: configuration re-read" yes \
		"$(grep -q 'HUP - Re-reading configuration files' /var/log/freeradius/radius.log && echo yes || echo no)"
	mipkey-client --server "127.0.0.1:$MIPKEY_PORT" --secret "$SECRET" --nai alice@mipkey.test \
		--password clientPass --mn-ha-spi 256 >"$work/mipkey-client-hup.log" 2>&1
	rc=$?
	check "mipkey-client on 1645 after the HUP: exit 0, MN and HA agree" "0 MN and HA agree: yes" \
		"$rc $(grep -o 'MN and HA agree: yes' "$work/mipkey-client-hup.log")"

	# The stock default site still answers on 1812 (any answer: the stock users file has no user).
	out=$(printf 'User-Name = "nobody"\nUser-Password = "x"\nMessage-Authenticator = 0x00\n' |
		radclient -r 1 -t 3 127.0.0.1:1812 auth "$SECRET" 2>&1)
	check "stock default site answers on 1812" yes \
		"$(grep -qE '^Received Access-(Accept|Reject)' <<<"$out" && echo yes || echo "no: $out")"

	if kill -0 "$rpid" 2>/dev/null; then pass "freeradius still running after the clients"; else
		fail "freeradius still running after the clients" "$(tail -15 /var/log/freeradius/radius.log)"; fi
	stop_servers
	trap - EXIT
	check "freeradius stopped by PID" no "$(kill -0 "$rpid" 2>/dev/null && echo yes || echo no)"
	[ "$FAILED" -eq 0 ]
}

# ---------------------------------------------------------------------------------------------
# Stage 2: inside the private mount namespace: the README's steps, then stage 3, then -XC checks.
# ---------------------------------------------------------------------------------------------
in_mount_ns() {
	local work=$1 d m rc
	# The copy of the stock configuration over the real one, overlays, tmpfs.
	cp -a "$RADDB" "$work/raddb" && mount --bind "$work/raddb" "$RADDB" ||
		{ fail "private /etc/freeradius/3.0" "bind mount failed"; return 1; }
	for d in /usr/lib/freeradius /usr/local /var/cache/apt; do
		m=$work/overlay/$(basename "$d")
		mkdir -p "$m/upper" "$m/work" &&
			mount -t overlay overlay -o "lowerdir=$d,upperdir=$m/upper,workdir=$m/work" "$d" ||
			{ fail "overlay over $d" "mount failed"; return 1; }
	done
	mount -t tmpfs -o mode=0755,uid="$(id -u freerad)",gid="$(id -g freerad)" tmpfs /var/log/freeradius ||
		{ fail "tmpfs over /var/log/freeradius" "mount failed"; return 1; }

	# README's steps up to the systemctl line, as one bash script (stops at the first error),
	# from the clean copy of the repository.
	# At most STEPS_TIMEOUT seconds (normally about 25): configure downloads FreeRADIUS's
	# source package from Debian's mirror, and apt-get can hang on a mirror that stops answering.
	(cd "$work/src" && timeout "${STEPS_TIMEOUT:-600}" bash -e -x "$work/steps.sh") >"$work/steps.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "README install steps (tools/install-deps ... freeradius -XC) ran without error"
	elif [ "$rc" -eq 124 ]; then
		fail "README install steps" "not done after ${STEPS_TIMEOUT:-600} s (Debian's mirror not answering configure's apt-get?)"
		tail -5 "$work/steps.log"; return 1
	else
		fail "README install steps" "exit status $rc, see below"; tail -40 "$work/steps.log"; return 1
	fi
	check "make install put rlm_mipkey.so in /usr/lib/freeradius" yes \
		"$([ -f /usr/lib/freeradius/rlm_mipkey.so ] && echo yes || echo no)"
	# The copy holds the LDAP bind password: readable by root and the freerad group only.
	check "mods-available/mipkey and mods-enabled/mipkey: mode 640, enabled copy group freerad" "640 640 freerad" \
		"$(stat -c %a /etc/freeradius/3.0/mods-available/mipkey) $(stat -c '%a %G' /etc/freeradius/3.0/mods-enabled/mipkey)"
	# What freeradius -XC printed: from the traced command line on.
	sed -n '/^+ freeradius -XC/,$p' "$work/steps.log" >"$work/xc-readme.log"
	check "freeradius -XC: Configuration appears to be OK" "Configuration appears to be OK" \
		"$(grep -o 'Configuration appears to be OK' "$work/xc-readme.log")"
	check "freeradius -XC: no ERROR line" "" "$(grep -E '(^|: )ERROR' "$work/xc-readme.log" | head -3)"
	check "freeradius -XC: no WARNING line" "" "$(grep -E '(^|: )WARN' "$work/xc-readme.log" | head -3)"
	check "the module read dictionary.mipkey itself (raddb/dictionary not edited)" yes \
		"$(grep -q "loaded the dictionary $RADDB/dictionary.mipkey" "$work/xc-readme.log" && echo yes || echo no)"
	check "raddb/dictionary is still Debian's" "" "$(cmp "$RADDB/dictionary" "$work/host-dictionary" 2>&1)"

	# The servers, in their own network namespace (and PID namespace: nothing survives it).
	unshare --net --pid --fork --mount-proc -- "$0" --servers "$work" || FAILED=$((FAILED + 1))

	# freeradius -XC variations on the installed configuration (no sockets are opened).
	xc() { freeradius -XC >"$work/xc-$1.log" 2>&1; }
	sed -e 's/^mipkey {/mipkey mipkey_second {/' "$RADDB/mods-available/mipkey" >"$RADDB/mods-enabled/mipkey_second"
	xc second
	check "freeradius -XC with a second mipkey instance: OK" "Configuration appears to be OK" \
		"$(grep -o 'Configuration appears to be OK' "$work/xc-second.log")"
	check "second instance: dictionary read once" 1 "$(grep -c 'loaded the dictionary' "$work/xc-second.log")"
	rm -f "$RADDB/mods-enabled/mipkey_second"
	echo '$INCLUDE dictionary.mipkey' >>"$RADDB/dictionary"
	xc include
	check "freeradius -XC with \$INCLUDE dictionary.mipkey as well: OK" "Configuration appears to be OK" \
		"$(grep -o 'Configuration appears to be OK' "$work/xc-include.log")"
	check "with \$INCLUDE as well: no duplicate, module reads nothing" "" \
		"$(grep -iE 'duplicate|loaded the dictionary' "$work/xc-include.log" | head -3)"
	cp "$work/host-dictionary" "$RADDB/dictionary"
	mv "$RADDB/dictionary.mipkey" "$work/dictionary.mipkey.moved"
	xc missing
	check "freeradius -XC without dictionary.mipkey: refuses to start" no \
		"$(grep -q 'Configuration appears to be OK' "$work/xc-missing.log" && echo yes || echo no)"
	check "without dictionary.mipkey: the error names the \$INCLUDE line" yes \
		"$(grep -q 'not found: add "$INCLUDE dictionary.mipkey" to /etc/freeradius/3.0/dictionary,' "$work/xc-missing.log" && echo yes || echo no)"
	mv "$work/dictionary.mipkey.moved" "$RADDB/dictionary.mipkey"
	[ "$FAILED" -eq 0 ]
}

case "${1:-}" in
--servers) servers_and_clients "$2"; exit ;;
--mount-ns) in_mount_ns "$2"; exit ;;
esac

# ---------------------------------------------------------------------------------------------
# Stage 1, on the host: preconditions, the clean copy, the README's lines, the host's state.
# ---------------------------------------------------------------------------------------------
t0=$(date +%s.%N)
[ "$(id -u)" -eq 0 ] || { fail "test_install" "needs root (mount and network namespaces)"; exit 1; }
for c in unshare ip ss freeradius radclient eapol_test slapd git; do
	command -v "$c" >/dev/null || { fail "test_install" "$c not found (tools/install-test-deps)"; exit 1; }
done

# The target must be Debian's stock configuration: dpkg sees no changed file, the stock sites
# are the only ones enabled, and nothing of ours is installed there yet.
stock=$(dpkg -V freeradius-config freeradius freeradius-common 2>&1)
extra=$(find "$RADDB" -name '*mipkey*' 2>/dev/null)
sites=$(ls "$RADDB/sites-enabled" 2>/dev/null | tr '\n' ' ')
if [ -n "$stock" ] || [ -n "$extra" ] || [ "$sites" != "default inner-tunnel " ]; then
	fail "host's $RADDB is Debian's stock configuration" \
		"dpkg -V: ${stock:-clean}; mipkey files: ${extra:-none}; sites-enabled: $sites"
	exit 1
fi
pass "host's $RADDB is Debian's stock configuration (dpkg -V clean, sites-enabled: default inner-tunnel)"

WORK=$(mktemp -d /tmp/mipkey-install.XXXXXX)
cleanup() {
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What must not change on the host.
host_state() {
	{
		find /etc/freeradius /usr/lib/freeradius /usr/local /var/log/freeradius /var/cache/apt \
			-printf '%p %y %m %u %g %s %T@ %l\n' 2>&1 | sort
		find /etc/freeradius -type f -exec sha256sum {} + 2>&1 | sort
		ls -d /run/freeradius 2>&1
		sha256sum /etc/ld.so.cache 2>&1
	}
}
host_state >"$WORK/host-before"
cp "$RADDB/dictionary" "$WORK/host-dictionary"

# The README's lines between the markers, without their indentation; everything before the
# "systemctl restart freeradius" line is run, that line is replaced (see above).
awk '/<!-- install-steps -->/ { on = 1; next } /<!-- \/install-steps -->/ { on = 0 } on' README.md |
	sed -e 's/^    //' -e '/^[[:space:]]*$/d' >"$WORK/readme-steps"
if ! grep -qx 'systemctl restart freeradius' "$WORK/readme-steps" ||
   ! grep -q 'make install' "$WORK/readme-steps"; then
	fail "install steps in README.md" "no block between the markers with make install and systemctl restart freeradius"
	exit 1
fi
sed -n '/^systemctl restart freeradius$/q;p' "$WORK/readme-steps" >"$WORK/steps.sh"
pass "README install steps read ($(wc -l <"$WORK/readme-steps") lines; the systemctl line becomes freeradius -f)"

# A clean copy of the repository: the tracked files of this work tree, nothing built.
mkdir "$WORK/src"
git ls-files -z | tar --null -T - -cf - 2>/dev/null | tar -xf - -C "$WORK/src" ||
	{ fail "clean copy of the repository" "git ls-files | tar failed"; exit 1; }

unshare --mount --propagation private -- "$0" --mount-ns "$WORK"
rc=$?
[ "$rc" -eq 0 ] || FAILED=$((FAILED + 1))

# Nothing left running, nothing on the host changed.
left=""
for f in /proc/[0-9]*/cmdline; do
	[[ $(tr '\0' ' ' <"$f" 2>/dev/null) == *"$WORK"* ]] && left="$left ${f#/proc/}"
done
check "no process of the test left" "" "$left"
host_state >"$WORK/host-after"
check "host's /etc/freeradius, /usr/lib/freeradius, /usr/local, /var/log/freeradius unchanged" "" \
	"$(diff "$WORK/host-before" "$WORK/host-after" | head -5)"

echo "TIME install test $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
[ "$FAILED" -eq 0 ]
