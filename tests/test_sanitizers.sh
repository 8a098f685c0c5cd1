#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_sanitizers.sh - the module built with AddressSanitizer + UBSan (a second copy of the
# tree, ./configure --enable-sanitizers, tests/lib/sanitize.sh) and loaded into freeradius with
# the runtime preloaded; then the radius, mobileip and hostile suites and a short mutation storm
# run against it.  Any sanitizer report (a file under the reports directory) is a FAIL, and so
# is a server that died.
#
# Own servers and ports: LDAP 38975, RADIUS 38970-38973 (SAN_LDAP_PORT, SAN_RADIUS_PORT).
# STORM_REQUESTS (5000) sizes the storm.  SAN_KEEP=1 keeps the build and the logs.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
PY=/usr/bin/python3
LDAP_PORT=${SAN_LDAP_PORT:-38975}
RADIUS_PORT=${SAN_RADIUS_PORT:-38970}
SECRET=mipkey-san-secret
DIR=$(mktemp -d /tmp/mipkey-san.XXXXXX)

# shellcheck source=lib/check.sh
source tests/lib/check.sh
# shellcheck source=lib/slapd.sh
source tests/lib/slapd.sh
# shellcheck source=lib/radiusd.sh
source tests/lib/radiusd.sh
# shellcheck source=lib/sanitize.sh
source tests/lib/sanitize.sh

cleanup() {
    radiusd_stop "$DIR/radiusd" >/dev/null 2>&1
    slapd_stop "$DIR/slapd" >/dev/null 2>&1
    if [[ ${SAN_KEEP:-0} = 1 ]]; then echo "kept: $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

t0=$(date +%s)
if ! sanitize_build "$DIR/san"; then
    echo "FAIL sanitizers: ASan/UBSan build of the module"; exit 1
fi
echo "TIME sanitizer build: $(( $(date +%s) - t0 )) s"
sanitize_use "$DIR/san" || { echo "FAIL sanitizers: runtime"; exit 1; }

if ! { slapd_setup "$DIR/slapd" && slapd_start "$DIR/slapd" "$LDAP_PORT" &&
       radiusd_setup "$DIR/radiusd" "$RADIUS_PORT" "$LDAP_PORT" "$SECRET" && radiusd_start "$DIR/radiusd"; }; then
    echo "FAIL sanitizers: start slapd and freeradius with the instrumented module"
    tail -20 "$DIR/radiusd/log/radius.log" 2>/dev/null
    sanitize_reports "$DIR/san"
    exit 1
fi
if grep -q libasan "/proc/$RADIUSD_PID/maps" && grep -q "$DIR/san/src/.libs/rlm_mipkey.so" "/proc/$RADIUSD_PID/maps"; then
    echo "PASS sanitizers: freeradius runs the instrumented rlm_mipkey.so with libasan loaded"
else
    echo "FAIL sanitizers: freeradius does not have the instrumented module and libasan mapped"
fi

export RADIUS_PORT RADIUS_SECRET=$SECRET RADIUS_DIR=$DIR/radiusd LDAP_DIR=$DIR/slapd LDAP_PORT
# asan_run NAME CMD... : CMD's results marked [asan]. A CMD that ends badly without a FAIL
# line of its own (killed, a traceback) still counts as a failure: the pipe would hide it.
asan_run() {
    local name=$1 s0 out rc
    shift
    s0=$(date +%s)
    out=$("$@")
    rc=$?
    sed -e "s/^PASS /PASS [asan] /" -e "s/^FAIL /FAIL [asan] /" <<<"$out"
    if [[ $rc -ne 0 ]] && ! grep -q '^FAIL ' <<<"$out"; then
        echo "FAIL [asan] $name: exited with status $rc"
    fi
    echo "TIME [asan] $name: $(( $(date +%s) - s0 )) s"
}
for suite in test_radius.py test_mobileip.py test_hostile.py; do
    [[ -f tests/$suite ]] && asan_run "$suite" "$PY" "tests/$suite"
done
[[ -f tests/storm.py ]] && asan_run storm "$PY" tests/storm.py --requests "${STORM_REQUESTS:-5000}"

if kill -0 "$RADIUSD_PID" 2>/dev/null; then
    echo "PASS sanitizers: freeradius still running after the suites"
else
    echo "FAIL sanitizers: freeradius died"; tail -20 "$DIR/radiusd/log/radius.log"
fi
radiusd_stop "$DIR/radiusd"
if sanitize_reports "$DIR/san"; then
    echo "PASS sanitizers: no ASan or UBSan report"
else
    echo "FAIL sanitizers: ASan or UBSan report (above)"
fi
echo "TIME sanitizers: $(( $(date +%s) - t0 )) s in all"
