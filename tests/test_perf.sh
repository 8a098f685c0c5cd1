#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_perf.sh - the instruction-count check (deterministic, so it can run in CI where
# timings cannot): bench/callgrind.sh -q counts, under valgrind --tool=callgrind, the
# instructions per request inside freeradius for rlm_mipkey's plain MS-CHAPv2 request and its
# Mobile IP key request, and per operation of the core (one MS-CHAPv2 verification, one Mobile
# IP derivation). Each must stay within 5% of bench/callgrind-baseline.txt (same machine
# image: Debian 12, its OpenSSL and FreeRADIUS). A change that makes a count drop by more than
# 5% is reported, so that the baseline is lowered with it:
#   bench/callgrind.sh -q -n 200 -w 30 -o bench/callgrind-baseline.txt   (after rm of the old)
# Ports: PERF_PORT (38960) to PERF_PORT + 6 (bench/lib/server.sh's sites); loopback only, a private directory.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
BASELINE=bench/callgrind-baseline.txt
TOLERANCE=5
OUT=$(mktemp /tmp/mipkey-perf.XXXXXX)
trap 'rm -f "$OUT"' EXIT

command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
	{ echo "FAIL valgrind (callgrind) is installed (tools/install-test-deps)"; exit 1; }
[ -f "$BASELINE" ] || { echo "FAIL $BASELINE exists"; exit 1; }

BENCH_PORT=${PERF_PORT:-38960} CORE_ROUNDS=300 bench/callgrind.sh -q -n 200 -w 30 -o "$OUT" | grep -v '^INSTR '
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && echo "PASS callgrind runs: every request accepted, the core's results right" ||
	echo "FAIL callgrind runs (exit status $rc)"

while read -r tag name base; do
	[ "$tag" = INSTR ] || continue
	case $name in core-prim_*) continue ;; esac	# OpenSSL's own primitives: not ours to gate
	now=$(awk -v n="$name" '$1 == "INSTR" && $2 == n { print $3 }' "$OUT")
	if [ -z "$now" ]; then
		echo "FAIL $name: measured"
		continue
	fi
	pct=$(awk -v a="$now" -v b="$base" 'BEGIN { printf "%+.1f", (a - b) * 100 / b }')
	if awk -v a="$now" -v b="$base" -v t="$TOLERANCE" 'BEGIN { exit !(a <= b * (1 + t / 100)) }'; then
		echo "PASS $name: $now instructions, baseline $base ($pct%, at most +$TOLERANCE%)"
	else
		echo "FAIL $name: $now instructions, baseline $base ($pct%, more than +$TOLERANCE%)"
	fi
	if awk -v a="$now" -v b="$base" -v t="$TOLERANCE" 'BEGIN { exit !(a < b * (1 - t / 100)) }'; then
		echo "NOTE $name is more than $TOLERANCE% below the baseline: lower $BASELINE"
	fi
done <"$BASELINE"
