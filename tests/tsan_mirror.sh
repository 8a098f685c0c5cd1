#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/tsan_mirror.sh - ThreadSanitizer on the LDAP mirror (rlm_mipkey/ldap_mirror.c: the
# RFC 4533 session thread writes the striped-rwlock table that request threads read) and on
# the LDAP connection pool's wait queue (backend_ldap.c).
#
#   tests/tsan_mirror.sh --build DIR   # copies this tree to DIR/src, builds the module there
#                                      # with -fsanitize=thread (a build: no server)
#   tests/tsan_mirror.sh DIR           # runs the servers with that module (loopback ports)
#
# The module is loaded into Debian's (uninstrumented) freeradius with gcc's libtsan preloaded
# (after tests/lib/nodeepbind.c, as for ASan: under RTLD_DEEPBIND the module would call libc's
# pthread functions, not TSan's). FreeRADIUS's own code is not instrumented, but its locks and
# thread starts are intercepted, so every access the module makes is checked against them.
# Then:
#   1. tests/test_ldap_mirror.py (its PASS/FAIL lines), MIRROR_USERS (default here 500);
#   2. a stress: slapd (syncprov) with TSAN_USERS (2000) generated entries, freeradius with
#      mirror = yes, mipkey-bench -c 32 over those users for TSAN_SECONDS (20) while ldapmodify
#      rewrites the same entries (same hash: every request must still be accepted) and adds and
#      deletes others, so readers and the session thread meet on every stripe;
#   3. the LDAP connection pool's wait (backend_ldap.c): mirror off, pool { max = 2 }, 32 in
#      flight for TSAN_POOL_SECONDS (10), every request accepted;
#   4. PASS when TSan wrote no report (DIR/reports/tsan.*), else FAIL and the reports.
# tests/tsan_mirror.supp: what is suppressed (FreeRADIUS's own hand-off and exit), and why.
# Ports: TSAN_LDAP_PORT (38990), TSAN_RADIUS_PORT (38991); test_ldap_mirror.py's own (38970-38975).
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1

if [ "${1:-}" = --build ]; then
	dir=${2:?usage: tests/tsan_mirror.sh --build DIR}
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || exit 1
	rm -rf "$dir/src" && mkdir -p "$dir/src" || exit 1
	git ls-files -co --exclude-standard | grep -v '^fuzz/corpus/' | tar -cf - -T - | tar -xf - -C "$dir/src" || exit 1
	[ -f fr-include/.version ] && cp -r fr-include "$dir/src/"
	# The module's __tsan_* references are left undefined: the preloaded runtime provides them.
	(cd "$dir/src" && autoreconf -fi && ./configure CFLAGS="-fsanitize=thread -g -O1" && make -j2 rlm_mipkey.la) \
		>"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log"; echo "FAIL TSan build ($dir/build.log)"; exit 1; }
	gcc -shared -fPIC -O2 -o "$dir/nodeepbind.so" tests/lib/nodeepbind.c -ldl || exit 1
	nm -u "$dir/src/.libs/rlm_mipkey.so" | grep -q __tsan_func_entry ||
		{ echo "FAIL $dir/src/.libs/rlm_mipkey.so is not instrumented"; exit 1; }
	echo "TSan build in $dir"
	exit 0
fi

DIR=$(cd "${1:?usage: tests/tsan_mirror.sh [--build] DIR}" && pwd) || exit 1
[ -f "$DIR/src/.libs/rlm_mipkey.so" ] || { echo "FAIL no TSan build in $DIR (tests/tsan_mirror.sh --build $DIR)"; exit 1; }
runtime=$(gcc -print-file-name=libtsan.so)
[ -e "$runtime" ] || { echo "FAIL no libtsan ($runtime)"; exit 1; }
rm -rf "$DIR/reports" && mkdir -p "$DIR/reports" || exit 1
export RADIUSD_MODULE_DIR=$DIR/src/.libs
# exitcode=0: a report must not fail radiusd -C and stop the run early; step 3 gives the verdict.
export RADIUSD_ENV="LD_PRELOAD=$DIR/nodeepbind.so:$runtime TSAN_OPTIONS=log_path=$DIR/reports/tsan:exitcode=0:suppressions=$REPO/tests/tsan_mirror.supp:history_size=7:second_deadlock_stack=1"
# shellcheck source=lib/slapd.sh
source tests/lib/slapd.sh
# shellcheck source=lib/radiusd.sh
source tests/lib/radiusd.sh

LDAP_PORT=${TSAN_LDAP_PORT:-38990}
RADIUS_PORT=${TSAN_RADIUS_PORT:-38991}
USERS=${TSAN_USERS:-2000}
SECONDS_=${TSAN_SECONDS:-20}
POOL_SECONDS=${TSAN_POOL_SECONDS:-10}
SECRET=tsan-mirror-secret
PEOPLE="ou=people,dc=mipkey,dc=test"
WORK=$(mktemp -d /tmp/mipkey-tsan.XXXXXX)
failed=0
writer=

cleanup() {
	[ -n "$writer" ] && kill "$writer" 2>/dev/null && wait "$writer" 2>/dev/null
	radiusd_stop "$WORK/radiusd" >/dev/null 2>&1
	slapd_stop "$WORK/slapd" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 32 requests in flight over the generated users for $1 seconds: sets sent, accepts, rejects, timeouts.
load() {
	local out
	out=$(tools/mipkey-bench -s "$SECRET" -l "$WORK/users.ldif" -c 32 -d "$1" -t 5 -o json "127.0.0.1:$RADIUS_PORT")
	read -r sent accepts rejects timeouts < <(echo "$out" | /usr/bin/python3 -c \
		'import json, sys; r = json.load(sys.stdin); print(r["sent"], r["accepts"], r["rejects"], r["timeouts"] + r["bad"])')
}

# 1. The mirror's end-to-end suite with the TSan module.
MIRROR_USERS=${MIRROR_USERS:-500} /usr/bin/python3 tests/test_ldap_mirror.py || failed=1

# 2. Readers and the session thread on the same entries.
tools/mipkey-bench --gen-users "$USERS" --format ldif --base "$PEOPLE" >"$WORK/users.ldif" || exit 1
if slapd_setup "$WORK/slapd" >/dev/null &&
	"$SLAPADD_BIN" -q -f "$WORK/slapd/slapd.conf" -l "$WORK/users.ldif" >"$WORK/slapadd.log" 2>&1 &&
	slapd_start "$WORK/slapd" "$LDAP_PORT" >/dev/null &&
	radiusd_setup "$WORK/radiusd" "$RADIUS_PORT" "$LDAP_PORT" "$SECRET" >/dev/null &&
	sed -i '0,/^\(\s*\)base_dn = .*/s//&\n\1mirror = yes/' "$WORK/radiusd/raddb/mods-enabled/mipkey" &&
	grep -q "^\s*mirror = yes" "$WORK/radiusd/raddb/mods-enabled/mipkey" &&
	radiusd_start "$WORK/radiusd" >/dev/null; then
	echo "PASS stress: slapd with $USERS generated users and freeradius (mirror = yes, TSan) started"
else
	echo "FAIL stress: servers not started"; tail -20 "$WORK/radiusd/log/radius.log" 2>/dev/null; exit 1
fi
for _ in $(seq 100); do grep -q "mirror in sync" "$WORK/radiusd/log/radius.log" && break; sleep 0.1; done
if grep -q "mirror in sync" "$WORK/radiusd/log/radius.log"; then
	echo "PASS stress: the mirror in sync"
else
	echo "FAIL stress: the mirror not in sync after 10 s"; failed=1
fi
# Every generated entry rewritten with its own hash (a modify: syncprov sends the whole entry,
# the mirror replaces it), and entries outside the load's users added and deleted, in a loop.
awk '/^dn: /{dn=$0} /^sambaNTPassword: /{print dn "\nchangetype: modify\nreplace: sambaNTPassword\n" $0 "\n"}' \
	"$WORK/users.ldif" >"$WORK/rewrite.ldif"
for i in $(seq 200); do
	printf 'dn: uid=churn%04d,%s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: sambaSamAccount\nuid: churn%04d\ncn: c\nsn: c\nsambaSID: S-1-5-21-1-2-3-%d\nsambaNTPassword: 00112233445566778899AABBCCDDEEFF\n\n' "$i" "$PEOPLE" "$i" $((900000 + i))
	printf 'dn: uid=churn%04d,%s\nchangetype: delete\n\n' "$i" "$PEOPLE"
done >"$WORK/churn.ldif"
(
	n=0
	while :; do
		for f in rewrite churn; do
			LDAPNOINIT=1 ldapmodify -x -H "ldap://127.0.0.1:$LDAP_PORT" -D "cn=admin,dc=mipkey,dc=test" -w admin-secret \
				-f "$WORK/$f.ldif" >/dev/null 2>&1 || exit 1
		done
		n=$((n + 1))
		echo "$n" >"$WORK/passes"
	done
) &
writer=$!
load "$SECONDS_"
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null; writer=
passes=$(cat "$WORK/passes" 2>/dev/null || echo 0)
echo "TIME stress: $sent requests in $SECONDS_ s, 32 in flight, during $passes passes of $USERS rewrites + 200 adds and deletes"
if [ "${sent:-0}" -gt 0 ] && [ "$accepts" = "$sent" ]; then
	echo "PASS stress: every request accepted while its entry was being rewritten ($accepts)"
else
	echo "FAIL stress: $accepts of $sent accepted ($rejects rejects, $timeouts timeouts or bad)"; failed=1
fi
if [ "$passes" -ge 1 ]; then
	echo "PASS stress: the directory changed during the load ($passes passes)"
else
	echo "FAIL stress: no full pass of changes during the load"; failed=1
fi
radiusd_stop "$WORK/radiusd" >/dev/null 2>&1
kill -0 "$(cat "$WORK/radiusd/run/bgpid" 2>/dev/null)" 2>/dev/null && { echo "FAIL freeradius did not stop"; failed=1; }

# 3. The busy pool (backend_ldap.c pool_get / pool_wake): mirror off, a pool of 2 connections,
#    32 requests in flight; every request waits its turn (pool_wait) and is accepted.
sed -i -e '/^\s*mirror = yes$/d' -e '0,/^\(\s*\)max = 8$/s//\1max = 2/' "$WORK/radiusd/raddb/mods-enabled/mipkey"
if ! grep -q "^\s*mirror = yes" "$WORK/radiusd/raddb/mods-enabled/mipkey" &&
	grep -q "^\s*max = 2$" "$WORK/radiusd/raddb/mods-enabled/mipkey" && radiusd_start "$WORK/radiusd" >/dev/null; then
	load "$POOL_SECONDS"
	echo "TIME pool: $sent requests in $POOL_SECONDS s, 32 in flight, pool { max = 2 }, mirror off"
	if [ "${sent:-0}" -gt 0 ] && [ "$accepts" = "$sent" ]; then
		echo "PASS pool: 32 requests in flight on 2 connections, every one accepted ($accepts)"
	else
		echo "FAIL pool: $accepts of $sent accepted ($rejects rejects, $timeouts timeouts or bad)"; failed=1
		grep -o 'Login incorrect (mipkey: [^)]*)' "$WORK/radiusd/log/radius.log" | sort | uniq -c | sort -rn | head -5
	fi
	radiusd_stop "$WORK/radiusd" >/dev/null 2>&1
else
	echo "FAIL pool: freeradius with pool { max = 2 } and mirror off not started"; failed=1
fi

# 4. TSan's verdict.
reports=$(find "$DIR/reports" -name 'tsan*' -type f)
if [ -z "$reports" ]; then
	echo "PASS no ThreadSanitizer report from any freeradius"
else
	echo "FAIL ThreadSanitizer reports: $(grep -h '^WARNING: ThreadSanitizer' $reports | sort | uniq -c | tr '\n' ';')"
	for f in $reports; do echo "== $f"; head -60 "$f"; done
	failed=1
fi
exit $failed
