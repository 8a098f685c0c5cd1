#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/callgrind.sh - instructions per request inside freeradius (valgrind --tool=callgrind:
# exact and repeatable on a noisy machine), for one repeated request after a warm-up:
#   mipkey-plain   rlm_mipkey, MS-CHAPv2 with MPPE keys (files: control:NT-Password)
#   mipkey-mip     the same plus Mobile IP MN-HA + MN-FA keys (Mipkey-Key-Request = 3), signed
#                  with a Message-Authenticator (the module gives keys only to signed requests)
#   mipkey-plain-ma  the plain request signed as well: what the keys add over a signed request
#   stock-plain    Debian's rlm_mschap, same users file, same request
#   static-plain   the limit's site: no authentication module, rlm_mipkey's plain reply given
#                  statically (so the core's decoding, files, reply encoding are counted)
#   static-mip     the same with rlm_mipkey's Mobile IP reply
#   accept         no authentication module and no reply attribute
#   core           the core's own operations outside freeradius (bench/callgrind_core):
#                  one MS-CHAPv2 verification, one Mobile IP derivation, and their primitives
# Prints "INSTR name value" lines (instructions per request / per operation).
#
# usage: bench/callgrind.sh [-q] [-n REQUESTS] [-w WARMUP] [-o FILE]
#   -q: quick (the CI check, tests/test_perf.sh): rlm_mipkey's two requests and the core only
# Environment: BENCH_PORT (38960: uses it and the next six ports), BENCH_MODULE_DIR (the module).
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
# shellcheck source=lib/server.sh
source bench/lib/server.sh

N=2000 W=200 OUT="" QUICK=0
while [ $# -gt 0 ]; do
	case $1 in
	-q) QUICK=1 ;;
	-n) N=$2; shift ;;
	-w) W=$2; shift ;;
	-o) OUT=$2; shift ;;
	*) echo "usage: $0 [-q] [-n REQUESTS] [-w WARMUP] [-o FILE]" >&2; exit 2 ;;
	esac
	shift
done
PORT=${BENCH_PORT:-38960}
SECRET=mipkey-bench-secret
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/mipkey-callgrind.XXXXXX)
cleanup() { bench_server_stop "$WORK/capture"; bench_server_stop "$WORK/radiusd"; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "$*"; [ -n "$OUT" ] && echo "$*" >>"$OUT"; return 0; }

# One user, its NT hash and one request, computed by the tests' independent reference.
"$PY" - "$WORK" <<'PYEOF' || exit 1
import os, sys
sys.path.insert(0, "tests/lib")
import mschap_ref
work = sys.argv[1]
ref = mschap_ref.compute("bench1", bytes.fromhex("5B5D7C7D7B3F2F3E3C2C602132262628"),
                         bytes.fromhex("21402324255E262A28295F2B3A337C7E"), password="benchPass1", ident=1)
open(f"{work}/users", "w").write(f'bench1 NT-Password := 0x{ref["nt_hash"]}\n')
plain = (f'User-Name = "bench1"\nMS-CHAP-Challenge = 0x{ref["challenge"]}\n'
         f'MS-CHAP2-Response = 0x{ref["ms_chap2_response"]}\n')
open(f"{work}/plain.req", "w").write(plain)
open(f"{work}/plain-ma.req", "w").write(plain + "Message-Authenticator = 0x00\n")
open(f"{work}/mip.req", "w").write(plain + "Mipkey-Key-Request = 3\nMipkey-MN-HA-SPI = 300\n"
                                   "Mipkey-MN-FA-SPI = 301\nMessage-Authenticator = 0x00\n")
PYEOF
mkdir -p "$WORK/dict"
printf '$INCLUDE %s/raddb/dictionary.mipkey\n' "$REPO" >"$WORK/dict/dictionary"

# The replies rlm_mipkey gives, captured from a server without valgrind, for the static sites.
if [ "$QUICK" = 0 ]; then
bench_server_setup "$WORK/capture" "$PORT" "$SECRET" "$WORK/users" || exit 1
bench_server_start "$WORK/capture" || exit 1
capture() {	# capture FILE OUT: the reply's attributes as "Attr := value" lines
	radclient -x -d "$WORK/dict" -f "$1" -r 1 -t 5 "127.0.0.1:$PORT" auth "$SECRET" 2>&1 |
		awk '/^Received Access-Accept/ { on = 1; next } on && /^\t/ { sub(/^\t/, ""); print }' |
		sed -e 's/^\([A-Za-z0-9-]*\) = /\1 := /' -e 's/^Message-Authenticator := .*/Message-Authenticator := 0x00/' >"$2"
	grep -q "^MS-CHAP2-Success := " "$2" || { echo "FAIL callgrind: no reply captured for $(basename "$1")"; cat "$2"; return 1; }
}
capture "$WORK/plain.req" "$WORK/static-plain" && capture "$WORK/mip.req" "$WORK/static-mip" || exit 1
bench_server_stop "$WORK/capture"
export BENCH_STATIC_PLAIN="$WORK/static-plain" BENCH_STATIC_MIP="$WORK/static-mip"
fi

bench_server_setup "$WORK/radiusd" "$PORT" "$SECRET" "$WORK/users" || exit 1
BENCH_THREADS=-s bench_server_start "$WORK/radiusd" valgrind --tool=callgrind --collect-atstart=yes \
	--callgrind-out-file="$WORK/cg.out" || exit 1
PID=$(bench_server_pid "$WORK/radiusd")

send() {	# send FILE PORT COUNT: COUNT copies, one at a time; every answer must be an Access-Accept
	local out
	out=$(radclient -d "$WORK/dict" -f "$1" -c "$3" -p 1 -r 1 -t 20 "127.0.0.1:$2" auth "$SECRET" 2>&1)
	if [ "$(grep -c 'Received Access-Accept' <<<"$out")" -ne "$3" ]; then
		echo "FAIL callgrind: not $3 Access-Accepts from 127.0.0.1:$2 for $(basename "$1")"
		grep -v 'Received Access-Accept\|^\s' <<<"$out" | head -5
		return 1
	fi
}

# measure NAME FILE PORT [FUNCTION...]: warm-up, zero the counters, N requests, dump; Ir of the
# dump / N, and each FUNCTION's inclusive Ir / N (as "NAME:FUNCTION").
measure() {
	local name=$1 file=$2 port=$3 dump ir f
	shift 3
	send "$file" "$port" "$W" || return 1
	callgrind_control -z "$PID" >/dev/null 2>&1 || return 1
	send "$file" "$port" "$N" || return 1
	callgrind_control -d "$PID" >/dev/null 2>&1 || return 1
	dump=$(ls -t "$WORK"/cg.out.* 2>/dev/null | head -1)
	ir=$(sed -n 's/^totals: \([0-9]*\).*/\1/p' "$dump")
	[ -n "$ir" ] || { echo "FAIL callgrind: no totals in $dump"; return 1; }
	[ -n "${KEEP_DUMPS:-}" ] && cp "$dump" "$KEEP_DUMPS/$name.callgrind"
	say "INSTR $name $((ir / N))"
	for f in "$@"; do
		ir=$(callgrind_annotate --inclusive=yes "$dump" 2>/dev/null |
			awk -v f="$f" '$0 ~ ":" f " " && $0 !~ "=>" { gsub(",", "", $1); print $1; exit }')
		[ -n "$ir" ] || { echo "FAIL callgrind: no count for $f in $name"; rm -f "$WORK"/cg.out.*; return 1; }
		say "INSTR $name:$f $((ir / N))"
	done
	rm -f "$WORK"/cg.out.*
}

rc=0
measure mipkey-plain "$WORK/plain.req" "$PORT" || rc=1
if [ "$QUICK" = 1 ]; then
	measure mipkey-mip "$WORK/mip.req" "$PORT" || rc=1
else
	# mobileip_reply: the module's whole Mobile IP work (attributes read, nonces, keys, reply pairs)
	measure mipkey-mip "$WORK/mip.req" "$PORT" mobileip_reply || rc=1
	measure mipkey-plain-ma "$WORK/plain-ma.req" "$PORT" || rc=1
	measure stock-plain "$WORK/plain.req" "$((PORT + 1))" || rc=1
	measure static-plain "$WORK/plain.req" "$((PORT + 4))" || rc=1
	measure static-mip "$WORK/mip.req" "$((PORT + 5))" || rc=1
	measure accept "$WORK/plain.req" "$((PORT + 6))" || rc=1
fi
bench_server_stop "$WORK/radiusd"

# The core alone: inclusive instructions of each op_/prim_ function over ROUNDS + 50 calls.
CORE_ROUNDS=${CORE_ROUNDS:-500}
if [ -x bench/callgrind_core ] || make -s bench/callgrind_core >"$WORK/make.log" 2>&1; then
	if valgrind --tool=callgrind --callgrind-out-file="$WORK/core.out" bench/callgrind_core "$CORE_ROUNDS" \
		>"$WORK/core.txt" 2>&1; then
		callgrind_annotate --inclusive=yes "$WORK/core.out" 2>/dev/null >"$WORK/core.ann"
		for f in op_mschapv2_verify prim_mschapv2_verify op_mip_derive prim_mip_derive; do
			ir=$(awk -v f="$f" '$0 ~ ":" f "[ .]" && $0 !~ "=>" { gsub(",", "", $1); print $1; exit }' "$WORK/core.ann")
			[ -n "$ir" ] || { echo "FAIL callgrind: no count for $f"; rc=1; continue; }
			say "INSTR core-${f} $((ir / (CORE_ROUNDS + 50)))"
		done
	else
		echo "FAIL callgrind: bench/callgrind_core"; cat "$WORK/core.txt"; rc=1
	fi
else
	echo "FAIL callgrind: make bench/callgrind_core"; tail "$WORK/make.log"; rc=1
fi
exit $rc
