#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/valgrind.sh - freeradius with rlm_mipkey under valgrind memcheck, driven by mixed
# traffic, then a leak check at exit. Not in tests/run (several minutes).
#
# Traffic, all through the one server under valgrind (tests/lib/radiusd.sh configuration):
#   * the end-to-end suites test_radius.py (LDAP and control-list users, right and wrong
#     passwords, disabled and locked accounts, malformed requests, slapd stopped and
#     started), test_mobileip.py (Mobile IP key requests, every reply profile, refused and
#     malformed key requests), test_client.sh (mipkey-client: RRQ and attribute modes),
#     test_aaa_sa.py (aaa_key = ldap) and test_password_change.py (RFC 2759 password changes:
#     the NT-Enc-PW reassembly, the decryption, the LDAP modify, malformed changes; last, as it
#     changes two fixture users' passwords). Under valgrind some of their timing checks may fail:
#     they are traffic here, their PASS/FAIL lines are only counted;
#   * tests/lib/loadgen.py: steady MS-CHAPv2 (LDAP and control list) and Status-Server while
#     slapd is frozen for 6 s (timeouts, the pool's exhausted and failed paths);
#   * with --dc, a Samba AD DC and a second server under valgrind with backend = winbind,
#     then ntlm_auth, each driven by loadgen (right and wrong passwords).
#
# --keep-debuginfo=yes: FreeRADIUS dlclose()s the module at exit, before valgrind's leak
# check; without it the module's frames in the allocation stacks print as "???" and a leak of
# the module could not be attributed to it.
# freeradius runs -f -s (one thread: valgrind serialises threads anyway, and the reports
# are easier to read), stopped with SIGTERM so that it frees its instance data and valgrind
# writes the leak summary. Suppressions: tests/valgrind.supp (each entry says why).
#
# Checked (PASS/FAIL): no invalid read/write, use of uninitialised values, invalid free,
# or fd/overlap error with a frame in rlm_mipkey.so; no definitely or indirectly lost block
# whose allocation stack has a frame in rlm_mipkey.so. The totals (errors, leak summary by
# category, requests, duration) are printed; --out FILE appends them to FILE.
#
# usage: flock /tmp/mipkey-suite.lock tests/valgrind.sh [--dc] [--out FILE]
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
# shellcheck source=lib/slapd.sh
source tests/lib/slapd.sh
# shellcheck source=lib/radiusd.sh
source tests/lib/radiusd.sh

DC=0 OUT=""
while [ $# -gt 0 ]; do
	case $1 in
	--dc) DC=1 ;;
	--out) OUT=$2; shift ;;
	*) echo "usage: $0 [--dc] [--out FILE]" >&2; exit 2 ;;
	esac
	shift
done
LDAP_PORT=${LDAP_PORT:-38925}
RADIUS_PORT=${RADIUS_PORT:-38920}
DC_RADIUS_PORT=${DC_RADIUS_PORT:-38950}
SECRET=mipkey-valgrind-secret
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/mvg.XXXXXX)
failed=0
T0=$(date +%s)

say() { echo "$*"; [ -n "$OUT" ] && echo "$*" >>"$OUT"; return 0; }

cleanup() {
	for d in "$WORK/radiusd" "$WORK/rad-winbind" "$WORK/rad-ntlm_auth"; do vg_stop "$d" >/dev/null 2>&1; done
	slapd_stop "$WORK/slapd" >/dev/null 2>&1
	if [ "$DC" = 1 ]; then dc_stop "$WORK/dc" >/dev/null 2>&1; fi
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# vg_start DIR [PREFIX...] : freeradius -f -s under valgrind; waits (up to 120 s) for Status-Server.
vg_start() {
	local dir=$1 port secret i
	shift
	port=$(cat "$dir/run/port") secret=$(cat "$dir/run/secret")
	/usr/sbin/freeradius -C -d "$dir/raddb" >"$dir/log/check.log" 2>&1 ||
		{ echo "configuration check failed"; tail -20 "$dir/log/check.log"; return 1; }
	"$@" valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--num-callers=40 --keep-debuginfo=yes --track-origins=yes --track-fds=yes --error-limit=no \
		--suppressions="$REPO/tests/valgrind.supp" --log-file="$dir/log/valgrind.%p.log" \
		/usr/sbin/freeradius -f -s -d "$dir/raddb" -l "$dir/log/radius.log" \
		</dev/null >>"$dir/log/stdout.log" 2>&1 &
	echo $! >"$dir/run/bgpid"
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$(cat "$dir/run/bgpid")" 2>/dev/null || { echo "freeradius under valgrind exited"; tail "$dir/log/radius.log"; return 1; }
		echo 'Message-Authenticator = 0x00' | radclient -q -r 1 -t 1 "127.0.0.1:$port" status "$secret" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "freeradius under valgrind did not answer within 120 s"; return 1
}

# vg_stop DIR : SIGTERM, then wait (up to 120 s) for valgrind's leak check to finish.
vg_stop() {
	local dir=$1 pid i
	pid=$(cat "$dir/run/bgpid" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 1200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$dir/run/bgpid"
}

# analyse NAME DIR : figures and checks from DIR/log/valgrind.*.log (the freeradius process;
# the logs of its children, ntlm_auth, are ignored: not ours).
analyse() {
	local name=$1 dir=$2 log
	# the largest: freeradius itself (a forked child of it writes a short log of its own)
	log=$(ls -S $(grep -l "/usr/sbin/freeradius -f -s" "$dir"/log/valgrind.*.log) 2>/dev/null | head -1)
	[ -n "$log" ] || { say "FAIL $name: no valgrind log"; failed=1; return; }
	"$PY" - "$name" "$log" "$REPO" >"$WORK/analyse-$name.txt" <<'EOF'
import glob, os, re, sys
name, path, repo = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path, errors="replace").read()
body = re.sub(r"^==\d+== ?", "", text, flags=re.M)
blocks = [b for b in body.split("\n\n") if b.strip()]
errkinds = ("Invalid read", "Invalid write", "uninitialised", "Invalid free", "Mismatched free",
            "overlap", "Syscall param", "Source and destination")
errors = [b for b in blocks if any(k in b.split("\n")[0] for k in errkinds)]
leaks = [b for b in blocks if re.search(r"are (definitely|indirectly|possibly) lost in loss record", b)]
# A frame of the module: in rlm_mipkey.so, or (debug info) in one of its source files.
srcs = [os.path.basename(f) for f in glob.glob(os.path.join(repo, "rlm_mipkey", "*.c"))]
frame_re = re.compile(r"rlm_mipkey\.so|\((?:" + "|".join(map(re.escape, srcs)) + r"):\d+\)")
mod = lambda b: bool(frame_re.search(b))
summary = {}
for k in ("definitely lost", "indirectly lost", "possibly lost", "still reachable", "suppressed"):
    m = re.search(k + r": ([\d,]+) bytes in ([\d,]+) blocks", body)
    summary[k] = (m.group(1), m.group(2)) if m else ("?", "?")
es = re.search(r"ERROR SUMMARY: (\d+) errors from (\d+) contexts \(suppressed: (\d+) from (\d+)\)", body)
print(f"    {name}: valgrind ERROR SUMMARY {es.group(1) if es else '?'} errors from {es.group(2) if es else '?'} contexts "
      f"(suppressed {es.group(3) if es else '?'}); memory errors with a module frame: {sum(map(mod, errors))} of {len(errors)}")
print(f"    {name}: leaks: " + ", ".join(f"{k} {v[0]} bytes in {v[1]} blocks" for k, v in summary.items()))
ml = [b for b in leaks if mod(b) and re.search(r"(definitely|indirectly) lost", b)]
print(f"    {name}: loss records definitely/indirectly lost: {sum(1 for b in leaks if re.search(r'(definitely|indirectly) lost', b))}, "
      f"with a module frame: {len(ml)}; possibly lost with a module frame: {sum(1 for b in leaks if mod(b) and 'possibly' in b)}")
def size(b):
    m = re.search(r"([\d,]+) (?:\([\d,]+ direct, [\d,]+ indirect\) )?bytes in", b)
    return int(m.group(1).replace(",", "")) if m else 0
def where(b):
    fr = re.findall(r"(?:at|by) 0x[0-9A-F]+: (\S+) \(([^)]*)\)", b)
    fr = [f"{f} ({w.split(' ')[-1]})" for f, w in fr if not re.match(r"(malloc|calloc|realloc|_talloc|talloc_|__talloc|CRYPTO_|strdup|ber_memalloc|ber_memcalloc|ber_memrealloc)", f)]
    return " < ".join(fr[:4])
dl = sorted((b for b in leaks if re.search(r"(definitely|indirectly) lost", b)), key=size, reverse=True)
print(f"    {name}: largest definitely/indirectly lost records (first frames outside the allocators):")
for b in dl[:5]:
    kind = re.search(r"are (definitely|indirectly) lost", b).group(1)
    print(f"      {size(b):>8} bytes {kind}: {where(b)}")
for b in (errors + ml)[:6]:
    print("      " + "\n      ".join(b.split("\n")[:14]))
ok_err = not any(mod(b) for b in errors)
print(("PASS" if ok_err else "FAIL") + f" {name}: no invalid access or uninitialised use in rlm_mipkey")
print(("PASS" if not ml else "FAIL") + f" {name}: no definitely or indirectly lost block allocated under rlm_mipkey")
EOF
	cat "$WORK/analyse-$name.txt"
	[ -n "$OUT" ] && cat "$WORK/analyse-$name.txt" >>"$OUT"
	grep -q "^FAIL" "$WORK/analyse-$name.txt" && failed=1
	return 0
}

say "== valgrind memcheck: freeradius -f -s with rlm_mipkey ($(date -u '+%F %T') UTC, $(valgrind --version))"
slapd_setup "$WORK/slapd" >/dev/null && slapd_start "$WORK/slapd" "$LDAP_PORT" 2>/dev/null &&
	radiusd_setup "$WORK/radiusd" "$RADIUS_PORT" "$LDAP_PORT" "$SECRET" && vg_start "$WORK/radiusd" ||
	{ say "FAIL start slapd and freeradius under valgrind"; exit 1; }
say "    server up under valgrind after $(($(date +%s) - T0)) s"

ENV=(RADIUS_PORT="$RADIUS_PORT" RADIUS_SECRET="$SECRET" RADIUS_DIR="$WORK/radiusd" LDAP_DIR="$WORK/slapd" LDAP_PORT="$LDAP_PORT")
for suite in test_radius.py test_mobileip.py test_client.sh test_aaa_sa.py test_password_change.py; do
	t=$(date +%s)
	case $suite in
	*.py) env "${ENV[@]}" "$PY" "tests/$suite" >"$WORK/$suite.log" 2>&1 ;;
	*) env "${ENV[@]}" "tests/$suite" >"$WORK/$suite.log" 2>&1 ;;
	esac
	say "    traffic: $suite: $(grep -c '^PASS' "$WORK/$suite.log") PASS, $(grep -c '^FAIL' "$WORK/$suite.log") FAIL lines (timing checks may fail under valgrind), $(($(date +%s) - t)) s"
done
EVENTS=$WORK/events
: >"$EVENTS"
"$PY" tests/lib/loadgen.py run "$WORK/load.txt" 20 "$SECRET" \
	"ldap-alice,$RADIUS_PORT,mschap,5,alice,clientPass,wrongPass" \
	"ldap-carol,$RADIUS_PORT,mschap,2,carol,carolPass,wrongPass" \
	"ldap-nobody,$RADIUS_PORT,mschap,2,nosuchuser,x,y" \
	"control,$((RADIUS_PORT + 1)),mschap,3,ctl-cleartext,ctlPass,ctlPass2" \
	"status,$RADIUS_PORT,status,1" &
LOADPID=$!
sleep 6
kill -STOP "$(cat "$WORK/slapd/run/slapd.bgpid")"
sleep 6
kill -CONT "$(cat "$WORK/slapd/run/slapd.bgpid")"
wait $LOADPID
say "    traffic: loadgen 20 s with slapd frozen 6 s: $(wc -l <"$WORK/load.txt") requests: $(awk '{ print $4 }' "$WORK/load.txt" | sort | uniq -c | tr -s ' \n' ' ')"
vg_stop "$WORK/radiusd"
say "    $(grep -c 'Login' "$WORK/radiusd/log/radius.log") requests logged (auth = yes) by the LDAP/control-list server"
analyse "ldap+control" "$WORK/radiusd"

if [ "$DC" = 1 ]; then
	# shellcheck source=lib/samba_dc.sh
	source tests/lib/samba_dc.sh
	dc_provision "$WORK/dc" >"$WORK/dc.log" 2>&1 && dc_start "$WORK/dc" >>"$WORK/dc.log" 2>&1 ||
		{ say "FAIL DC provisioned and started"; tail -20 "$WORK/dc.log"; exit 1; }
	for t in winbind ntlm_auth; do
		d="$WORK/rad-$t"
		radiusd_setup "$d" "$DC_RADIUS_PORT" 1 "$SECRET" >/dev/null &&
		sed -i -e "s|^\(\s*backend = \)ldap|\1$t|" \
		       -e "s|^\(\s*default_domain = \)\"\"|\1\"$SAMBA_DC_DOMAIN\"|" \
		       -e "s|^\(\s*\)# config_file = /etc/samba/smb.conf|\1config_file = $WORK/dc/etc/smb.conf|" \
		       "$d/raddb/mods-enabled/mipkey" &&
		vg_start "$d" nsenter --target "$(cat "$WORK/dc/run/dc.bgpid")" --mount --wd="$PWD" -- ||
			{ say "FAIL freeradius ($t) under valgrind in the DC namespace"; failed=1; continue; }
		"$PY" tests/lib/loadgen.py run "$WORK/load-$t.txt" 20 "$SECRET" \
			"$t-alice,$DC_RADIUS_PORT,mschap,3,alice,clientPass,wrongPass" \
			"$t-nobody,$DC_RADIUS_PORT,mschap,1,nosuchuser,x,y" \
			"status,$DC_RADIUS_PORT,status,1"
		say "    traffic: $t loadgen 20 s: $(wc -l <"$WORK/load-$t.txt") requests: $(awk '{ print $4 }' "$WORK/load-$t.txt" | sort | uniq -c | tr -s ' \n' ' ')"
		vg_stop "$d"
		analyse "$t" "$d"
	done
fi
say "    duration $(($(date +%s) - T0)) s"
exit $failed
