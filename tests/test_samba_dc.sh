#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_samba_dc.sh - standalone check of the Samba AD DC test infrastructure
# (tests/lib/samba_dc.sh): provision, start, MS-CHAPv2 pass-through with ntlm_auth and
# libwbclient inside the DC's private mount namespace, stop, and that nothing on the
# host changed.  Prints PASS/FAIL lines and a few TIME lines; exits 1 on any FAIL.
#
#   sudo tests/test_samba_dc.sh          # KEEP=1 keeps the temp dir for inspection
#
# Needs root, samba, winbind, libwbclient-dev (for the wbc_probe part: gcc, pkg-config).

# The check lines eval single-quoted conditions on purpose:
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR

set -u
export LC_ALL=C.UTF-8

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/samba_dc.sh
source "$HERE/lib/samba_dc.sh"
PY=/usr/bin/python3
REF=$HERE/lib/mschap_ref.py

fails=0 passes=0
pass() { echo "PASS $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

if [[ $(id -u) -ne 0 ]]; then
    echo "FAIL test_samba_dc.sh must run as root (unshare, mount, nsenter)"; exit 1
fi
for t in samba samba-tool wbinfo ntlm_auth unshare nsenter mount openssl; do
    command -v "$t" >/dev/null 2>&1 || { echo "FAIL missing tool: $t"; exit 1; }
done

# What the host has under Samba's system paths (and FreeRADIUS's, slapd's), before and after
# (must not change; tests/lib/samba_dc.sh dc_host_state).
host_state() { dc_host_state; }
host_before=$(host_state)

T0=${EPOCHREALTIME/,/.}
DIR=$(mktemp -d /tmp/sdc.XXXXXX)
cleanup() {
    dc_stop "$DIR" >/dev/null 2>&1
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ref USER PASSWORD : sets CH (ChallengeHash), NTR (NT-Response), K2 (MD4(MD4(pw))).
ref() {
    local out
    out=$("$PY" "$REF" --user "$1" --password "$2" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d["challenge_hash"], d["nt_response"], d["nt_hash_hash"])') || return 1
    read -r CH NTR K2 <<<"$out"
}

# ntlm USER PASSWORD [extra ntlm_auth args] : MS-CHAPv2 via ntlm_auth in the namespace.
# Sets OUT (stdout+stderr) and RC.
ntlm() {
    local user=$1 pw=$2; shift 2
    ref "$user" "$pw" || { OUT="mschap_ref failed"; RC=99; return; }
    OUT=$(dc_exec "$DIR" ntlm_auth "$@" --request-nt-key --allow-mschapv2 \
        --username="$user" --domain="$SAMBA_DC_DOMAIN" \
        --challenge="$CH" --nt-response="$NTR" 2>&1)
    RC=$?
}

# ---------------------------------------------------------------- provision / start
if dc_provision "$DIR"; then
    pass "dc_provision (realm $SAMBA_DC_REALM, domain $SAMBA_DC_DOMAIN, fixture users)"
else
    fail "dc_provision"; exit 1
fi
echo "TIME provision ${DC_PROVISION_SECONDS} s"
check "pexpired has msDS-UserPasswordExpiryTimeComputed in the past" \
    grep -q 'pexpired: password expired' "$DIR/log/fixtures.log"

if dc_start "$DIR"; then
    pass "dc_start (samba pid $DC_PID, winbindd answers wbinfo -p and --ping-dc)"
else
    fail "dc_start"; exit 1
fi
echo "TIME start ${DC_START_SECONDS} s"

# ---------------------------------------------------------------- namespace
out=$(dc_exec "$DIR" wbinfo -p 2>&1)
check "wbinfo -p inside the namespace: $out" test "$out" = "Ping to winbindd succeeded"
out=$(dc_exec "$DIR" wbinfo --ping-dc 2>&1)
check "wbinfo --ping-dc inside the namespace" grep -q succeeded <<<"$out"
if [[ -S /run/samba/winbindd/pipe ]]; then
    echo "INFO the host runs its own winbindd; skipping the outside-namespace check"
else
    ! wbinfo -p >/dev/null 2>&1
    check "wbinfo -p outside the namespace does not reach the DC" test $? -eq 0
fi
check "dc_exec keeps the working directory" test "$(cd /tmp && dc_exec "$DIR" pwd)" = /tmp
check "inside, /run/samba is DIR/run" dc_exec "$DIR" test /run/samba -ef "$DIR/run"
check "outside, /run/samba is not DIR/run" test ! /run/samba -ef "$DIR/run"
for hd in /var/log/samba /var/cache/samba; do
    [[ -d $hd ]] || continue
    check "inside, $hd is DIR/hostmask$hd" dc_exec "$DIR" test "$hd" -ef "$DIR/hostmask$hd"
done
check "winbindd's early log.winbindd went to DIR/hostmask, not the host" \
    test -e "$DIR/hostmask/var/log/samba/log.winbindd" -o ! -d /var/log/samba

# The DC must hold no TCP/UDP socket at all (server services = winbindd).
inet=0
for p in $(_dc_ns_pids "$DIR"); do
    for fd in /proc/"$p"/fd/*; do
        l=$(readlink "$fd" 2>/dev/null) || continue
        [[ $l == socket:* ]] || continue
        ino=${l#socket:[}; ino=${ino%]}
        if awk -v i="$ino" '$10 == i { f = 1 } END { exit !f }' \
                /proc/"$p"/net/tcp /proc/"$p"/net/tcp6 /proc/"$p"/net/udp /proc/"$p"/net/udp6 \
                2>/dev/null; then
            inet=$((inet + 1))
        fi
    done
done
check "DC processes hold no TCP/UDP sockets ($inet found)" test "$inet" -eq 0

# ---------------------------------------------------------------- ntlm_auth
ntlm alice clientPass --configfile="$DIR/etc/smb.conf"
check "ntlm_auth alice: NT_KEY == MD4(MD4(UTF-16LE(pw))) $K2 [$OUT]" \
    test "$RC" -eq 0 -a "$OUT" = "NT_KEY: $K2"
ntlm alice clientPass     # the host's default smb.conf, as a module backend would run it
check "ntlm_auth alice (default smb.conf): NT_KEY ok" test "$RC" -eq 0 -a "$OUT" = "NT_KEY: $K2"
ntlm bob "$(dc_password bob)" --configfile="$DIR/etc/smb.conf"
check "ntlm_auth bob (non-ASCII password $(dc_password bob)): NT_KEY == $K2 [$OUT]" \
    test "$RC" -eq 0 -a "$OUT" = "NT_KEY: $K2"

expect_status() {  # NAME USER PASSWORD HEXCODE
    local code=$4
    ntlm "$2" "$3" --configfile="$DIR/etc/smb.conf"
    check "ntlm_auth $1 -> $code [$OUT]" eval '[[ $RC -ne 0 && ${OUT,,} == *"($code)"* ]]'
}
# ntlm_auth asks winbindd to squash NO_SUCH_USER and WRONG_PASSWORD into LOGON_FAILURE
# (WBFLAG_PAM_NT_STATUS_SQUASH); libwbclient callers get the real status (see below).
expect_status "alice wrong password" alice wrongPass 0xc000006d          # LOGON_FAILURE
expect_status "pexpired" pexpired clientPass 0xc0000071                  # PASSWORD_EXPIRED
expect_status "pmustchange" pmustchange clientPass 0xc0000224            # PASSWORD_MUST_CHANGE
expect_status "disabled1" disabled1 clientPass 0xc0000072                # ACCOUNT_DISABLED
expect_status "locked1" locked1 clientPass 0xc0000234                    # ACCOUNT_LOCKED_OUT
expect_status "unknown user" nosuchuser clientPass 0xc000006d            # LOGON_FAILURE
ntlm alice clientPass --configfile="$DIR/etc/smb.conf"
check "alice still works after the wrong-password attempt (no domain lockout)" \
    test "$RC" -eq 0 -a "$OUT" = "NT_KEY: $K2"

# ---------------------------------------------------------------- libwbclient
if command -v gcc >/dev/null && pkg-config --exists wbclient 2>/dev/null; then
    # shellcheck disable=SC2046
    if gcc -Wall -Wextra -O2 -o "$DIR/wbc_probe" "$HERE/lib/wbc_probe.c" \
            $(pkg-config --cflags --libs wbclient) 2>"$DIR/log/wbc_probe.build"; then
        pass "wbc_probe builds"
        probe() {  # USER PASSWORD [prefix command...] ; sets OUT RC
            local user=$1 pw=$2; shift 2
            ref "$user" "$pw" || { OUT="mschap_ref failed"; RC=99; return; }
            OUT=$(dc_exec "$DIR" "$@" "$DIR/wbc_probe" -u "$user" -d "$SAMBA_DC_DOMAIN" \
                -c "$CH" -r "$NTR" 2>&1)
            RC=$?
        }
        probe alice clientPass
        check "wbcCtxAuthenticateUserEx alice: WBC_ERR_SUCCESS, user_session_key == $K2" \
            eval '[[ $RC -eq 0 && $OUT == *"wbc: WBC_ERR_SUCCESS"* && $OUT == *"user_session_key: $K2"* ]]'
        probe bob "$(dc_password bob)"
        check "wbcCtxAuthenticateUserEx bob: user_session_key == $K2" \
            eval '[[ $RC -eq 0 && $OUT == *"user_session_key: $K2"* ]]'
        probe alice wrongPass
        check "wbcCtxAuthenticateUserEx wrong password: WBC_ERR_AUTH_ERROR NT_STATUS_WRONG_PASSWORD" \
            eval '[[ $RC -eq 1 && $OUT == *"NT_STATUS_WRONG_PASSWORD"* ]]'
        probe nosuchuser clientPass
        check "wbcCtxAuthenticateUserEx unknown user: NT_STATUS_NO_SUCH_USER" \
            eval '[[ $RC -eq 1 && $OUT == *"NT_STATUS_NO_SUCH_USER"* ]]'
        probe disabled1 clientPass
        check "wbcCtxAuthenticateUserEx disabled1: NT_STATUS_ACCOUNT_DISABLED" \
            eval '[[ $RC -eq 1 && $OUT == *"NT_STATUS_ACCOUNT_DISABLED"* ]]'
        probe pmustchange clientPass
        check "wbcCtxAuthenticateUserEx pmustchange: NT_STATUS_PASSWORD_MUST_CHANGE" \
            eval '[[ $RC -eq 1 && $OUT == *"NT_STATUS_PASSWORD_MUST_CHANGE"* ]]'
        probe locked1 clientPass
        check "wbcCtxAuthenticateUserEx locked1: NT_STATUS_ACCOUNT_LOCKED_OUT" \
            eval '[[ $RC -eq 1 && $OUT == *"NT_STATUS_ACCOUNT_LOCKED_OUT"* ]]'
        probe pexpired clientPass
        check "wbcCtxAuthenticateUserEx pexpired: NT_STATUS_PASSWORD_EXPIRED" \
            eval '[[ $RC -eq 1 && $OUT == *"NT_STATUS_PASSWORD_EXPIRED"* ]]'
        # The privileged pipe: a non-root process needs group winbindd_priv.
        if command -v setpriv >/dev/null && gid=$(getent group winbindd_priv | cut -d: -f3) &&
                [[ -n $gid ]]; then
            chmod 0755 "$DIR"      # let uid 65534 reach DIR/run/winbindd and the probe
            probe alice clientPass setpriv --reuid=65534 --regid=65534 --clear-groups
            check "non-root without winbindd_priv is refused (WBC_ERR_WINBIND_NOT_AVAILABLE)" \
                eval '[[ $RC -eq 2 && $OUT == *"WBC_ERR_WINBIND_NOT_AVAILABLE"* ]]'
            probe alice clientPass setpriv --reuid=65534 --regid=65534 --groups="$gid"
            check "non-root in group winbindd_priv: WBC_ERR_SUCCESS" \
                eval '[[ $RC -eq 0 && $OUT == *"user_session_key: $K2"* ]]'
            chmod 0700 "$DIR"
        fi
    else
        fail "wbc_probe does not build: $(head -c 300 "$DIR/log/wbc_probe.build")"
    fi
else
    echo "INFO gcc or libwbclient-dev missing: wbc_probe part skipped"
fi

# ---------------------------------------------------------------- stop
# A grandchild, so that bash prints no "Terminated" job notice when dc_stop ends it.
sleeper=$( (dc_exec "$DIR" sleep 300 </dev/null >/dev/null 2>&1 & echo $!) )
sleep 0.2
dcpid=$DC_PID
ns_before=$(_dc_ns_pids "$DIR" | wc -l)
dc_stop "$DIR"
check "dc_stop returns 0" test $? -eq 0
check "the dc_exec'd sleep (pid $sleeper) is gone" test ! -e "/proc/$sleeper/exe"
check "samba (pid $dcpid) is gone" test ! -e "/proc/$dcpid/exe" -o "$(readlink "/proc/$dcpid/exe" 2>/dev/null)" != /usr/sbin/samba
check "no process left in the DC namespace ($ns_before before, incl. a dc_exec'd sleep)" \
    test -z "$(_dc_ns_pids "$DIR")"
dc_stop "$DIR"
check "dc_stop is idempotent" test $? -eq 0

host_after=$(host_state)
if [[ $host_before == "$host_after" ]]; then
    pass "host /run/samba, /var/lib/samba, /var/cache/samba, /var/log/samba, /etc/samba (and freeradius, slapd paths) unchanged"
else
    fail "host Samba paths changed:"
    diff <(echo "$host_before") <(echo "$host_after") | sed 's/^/    /'
fi

T1=${EPOCHREALTIME/,/.}
echo "TIME test $(_dc_elapsed "$T0" "$T1") s"
echo "SUMMARY $passes passed, $fails failed"
[[ $fails -eq 0 ]]
