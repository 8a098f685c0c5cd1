#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/quiet.sh COMMAND... - runs a benchmark with the project's long libFuzzer runs
# (.../fuzz/fuzz_*) paused: SIGSTOP before, SIGCONT after, on every exit (a trap), so that a
# failed or interrupted benchmark never leaves them stopped. The caller holds the locks:
#   flock /work/heavy.lock flock /work/quiet.lock bench/quiet.sh bench/dc
set -u
FUZZERS='^[^ ]*/fuzz/fuzz_[a-z0-9_]+( |$)'
resume() { pkill -CONT -f "$FUZZERS"; }
trap resume EXIT
trap 'exit 130' INT TERM HUP
pkill -STOP -f "$FUZZERS"
"$@"
