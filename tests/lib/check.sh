# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# tests/lib/check.sh - one "PASS name" or "FAIL name: expected .. got .." line per check;
# FAILED counts the failures for the script's exit status.
FAILED=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; FAILED=$((FAILED + 1)); }
# check NAME EXPECTED GOT
check() {
    if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1" "expected '$2' got '$3'"; fi
}
