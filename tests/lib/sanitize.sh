# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# tests/lib/sanitize.sh - an AddressSanitizer + UBSan build of the module, loaded into the
# distribution's (uninstrumented) freeradius.
#
#   sanitize_build DIR          # copies the source tree to DIR/src and builds it there with
#                               # ./configure --enable-sanitizers (the server headers are copied
#                               # from this tree's fr-include/, nothing is downloaded)
#   sanitize_use DIR            # points radiusd.sh at DIR/src/.libs/rlm_mipkey.so and makes
#                               # radiusd_start preload the sanitizer runtime into freeradius
#                               # (after nodeepbind.c: FreeRADIUS's RTLD_DEEPBIND is refused by
#                               # ASan), reports going to DIR/reports/; "freeradius" on PATH
#                               # becomes a wrapper that does the same
#   sanitize_reports DIR        # prints every report and returns 1 if there is any
#
# ASan's leak checker is off: FreeRADIUS 3.2.1 itself does not free everything at exit (and
# leaks in rad_tunnel_pwdecode, see issue 8); the module's leaks are valgrind's job.
# Every error is fatal (halt_on_error, -fno-sanitize-recover=undefined), so a report also
# kills the server and the suites notice it.

SANITIZE_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SANITIZE_REPO_ROOT=$(cd "$SANITIZE_LIB_DIR/../.." && pwd)

sanitize_build() {
    local dir=$1 src
    mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
    src=$dir/src
    rm -rf "$src" && mkdir -p "$src" || return 1
    # The working tree as it is (tracked and new files, not build products).
    (cd "$SANITIZE_REPO_ROOT" && git ls-files -co --exclude-standard | grep -v '^fuzz/corpus/' |
        tar -cf - -T -) | tar -xf - -C "$src" || return 1
    [[ -f $SANITIZE_REPO_ROOT/fr-include/.version ]] && cp -r "$SANITIZE_REPO_ROOT/fr-include" "$src/"
    (cd "$src" && autoreconf -fi && ./configure --enable-sanitizers && make -j2) >"$dir/build.log" 2>&1 ||
        { tail -30 "$dir/build.log" >&2; echo "sanitize.sh: sanitizer build failed ($dir/build.log)" >&2; return 1; }
    # FreeRADIUS dlopen()s modules with RTLD_DEEPBIND, which ASan refuses: a shim removes it.
    gcc -shared -fPIC -O2 -o "$dir/nodeepbind.so" "$SANITIZE_LIB_DIR/nodeepbind.c" -ldl ||
        { echo "sanitize.sh: cannot build nodeepbind.so" >&2; return 1; }
    ldd "$src/.libs/rlm_mipkey.so" | grep -q libasan ||
        { echo "sanitize.sh: $src/.libs/rlm_mipkey.so is not instrumented" >&2; return 1; }
}

sanitize_use() {
    local dir runtime
    dir=$(cd "$1" && pwd) || return 1
    mkdir -p "$dir/reports"
    # The module was built by gcc: its runtime is gcc's libasan (libubsan comes as a dependency).
    runtime=$(gcc -print-file-name=libasan.so)
    [[ -e $runtime ]] || { echo "sanitize.sh: no libasan ($runtime)" >&2; return 1; }
    RADIUSD_MODULE_DIR=$dir/src/.libs
    RADIUSD_ENV="LD_PRELOAD=$dir/nodeepbind.so:$runtime"
    RADIUSD_ENV+=" ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:log_path=$dir/reports/asan:verify_asan_link_order=0"
    RADIUSD_ENV+=" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$dir/reports/ubsan"
    export RADIUSD_MODULE_DIR RADIUSD_ENV
    # Suites that run "freeradius -C" themselves (config-errors, aaa-sa) find this one first.
    mkdir -p "$dir/bin"
    printf '#!/bin/sh\nexec env %s /usr/sbin/freeradius "$@"\n' "$RADIUSD_ENV" \
        >"$dir/bin/freeradius" && chmod +x "$dir/bin/freeradius" || return 1
    PATH=$dir/bin:$PATH
    export PATH
}

sanitize_reports() {
    local dir=$1 f found=0
    for f in "$dir"/reports/*; do
        [[ -e $f ]] || continue
        found=1
        echo "sanitizer report $f:"; head -40 "$f"
    done
    [[ $found = 0 ]]
}
