# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# tests/lib/samba_dc.sh - throw-away Samba AD domain controller for tests
# (realm MIPKEY.TEST, NetBIOS domain MIPKEY), reachable through winbindd only.
#
# Source this file, then:
#
#   dir=$(mktemp -d)              # short absolute path (Unix socket paths live under it)
#   dc_provision "$dir"           # domain + fixture users, ~5-6 s
#   dc_start "$dir"               # samba -i -M single in a private mount namespace,
#                                 # waits until winbindd answers (30 s max)
#   dc_exec "$dir" wbinfo -p      # any command, inside the DC's namespace(s): it sees
#   dc_exec "$dir" ntlm_auth ...  # the DC's winbindd at the compiled-in /run/samba/winbindd
#   dc_stop "$dir"                # kill by recorded PID, then whatever is left in the
#                                 # namespace; idempotent
#
# Fixture users (passwords from dc_password USER; the admin password is
# $SAMBA_DC_ADMIN_PASS).  Password complexity is off, history 0, no max age:
#
#   alice        clientPass   normal (the same password as the LDAP fixture)
#   bob          Grüße-密码    normal, non-ASCII password inside the BMP
#   pexpired     clientPass   password expired: a PSO with a 2-day maximum password age
#                             and pwdLastSet 3 days ago -> NT_STATUS_PASSWORD_EXPIRED
#   pmustchange  clientPass   "must change at next logon" (pwdLastSet=0)
#                             -> NT_STATUS_PASSWORD_MUST_CHANGE
#   pwchange1    clientPass   like pmustchange; tests/test_dc.py changes its password
#   pwchange2    clientPass   (MS-CHAP2-CPW) through winbind (1) and ntlm_auth (2)
#   disabled1    clientPass   disabled -> NT_STATUS_ACCOUNT_DISABLED
#   carol        clientPass   normal, but a PSO with lockout threshold 1000, so that Samba
#                             counts her bad passwords (badPwdCount; the domain has no lockout)
#   locked1      clientPass   a PSO with lockout threshold 3; dc_start locks it the first
#                             time with 3 bad MS-CHAPv2 attempts
#                             -> NT_STATUS_ACCOUNT_LOCKED_OUT
#
# How it is run (and why), see tests/lib/SAMBA_DC.md:
#   * "server services = winbindd": no smbd, LDAP, KDC, RPC, NBT... are started, so the DC
#     opens no TCP/UDP port at all.  winbindd on a DC authenticates the DC's own domain
#     locally against sam.ldb, which is all that MS-CHAPv2 pass-through needs.
#   * libwbclient, wbinfo and ntlm_auth only look for the compiled-in
#     /run/samba/winbindd/pipe, so samba is started by "unshare -m" (private mount
#     namespace) with DIR/run bind-mounted over /run/samba.  The system's /run/samba is
#     never written.  dc_exec enters that namespace with nsenter.
#   * SAMBA_DC_NETNS=1 (before dc_start) also gives the DC a private network namespace
#     (lo only).  Not needed with the service set above; then everything that must talk
#     over the network to a process started with dc_exec must itself run with dc_exec.
#   * Every path Samba uses is under DIR (smb.conf written by provisioning from an empty
#     seed file, so /etc/samba/smb.conf is never read by samba-tool or samba).
#   * dc_stop ends the recorded samba PID, then every process still in the DC's mount
#     namespace (recognised by /proc/PID/root/run/samba being DIR/run): winbindd and its
#     children normally exit with samba, but samba-dcerpcd, which winbindd spawns on
#     demand and which is re-parented to init, and anything started with dc_exec may not.
#
# Needs root (unshare/mount/nsenter; the winbindd privileged pipe that MS-CHAPv2
# pass-through uses is root:winbindd_priv 0750).  The Samba Python modules are used
# with /usr/bin/python3 explicitly (a python3 earlier in PATH may lack them).
#
# The functions do not change the caller's shell options (set -e/-u safe).
# After dc_provision: DC_PROVISION_SECONDS; after dc_start: DC_PID, DC_START_SECONDS.

SAMBA_DC_REALM=MIPKEY.TEST
SAMBA_DC_DOMAIN=MIPKEY
SAMBA_DC_HOST=dc1
# Fixture only; this domain never leaves a temp dir.
SAMBA_DC_ADMIN_PASS='Mipkey-Fixture-Admin-1'
SAMBA_DC_PYTHON=${SAMBA_DC_PYTHON:-/usr/bin/python3}
SAMBA_DC_NETNS=${SAMBA_DC_NETNS:-0}
# SAMBA_DC_RPC=1 (before dc_provision and dc_start): also the "rpc" service, whose samr pipe
# winbindd needs to change a password (wbcChangeUserPasswordEx, ntlm_auth
# --helper-protocol=ntlm-change-password-1). It listens on TCP too, so the DC then always
# gets a private network namespace (as with SAMBA_DC_NETNS=1): still no port on the host.
SAMBA_DC_RPC=${SAMBA_DC_RPC:-0}
_dc_services() { if [[ $SAMBA_DC_RPC == 1 ]]; then echo "winbindd, rpc"; else echo winbindd; fi; }

_dc_err() { echo "samba_dc.sh: $*" >&2; }

_dc_now() { local t=${EPOCHREALTIME/,/.}; echo "$t"; }
_dc_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# dc_password USER : the fixture password of USER.
dc_password() {
    case $1 in
        alice|carol|pexpired|pmustchange|pwchange1|pwchange2|disabled1|locked1) printf '%s
' 'clientPass' ;;
        bob) printf '%s\n' 'Grüße-密码' ;;
        Administrator) printf '%s\n' "$SAMBA_DC_ADMIN_PASS" ;;
        *) _dc_err "no fixture user '$1'"; return 1 ;;
    esac
}

# _dc_abs DIR : absolute path of an existing DIR.
_dc_abs() { (cd "$1" 2>/dev/null && pwd); }

# _dc_in_ns PID DIR : PID lives in a mount namespace where /run/samba is DIR/run, i.e. in
# the DC's namespace.  (Same device and inode, seen through /proc/PID/root; bash builtin
# test, no fork.  Samba rewrites its argv and environment with setproctitle, so neither
# cmdline nor environ can identify its processes.)
_dc_in_ns() {
    [[ -d $2/run && /proc/$1/root/run/samba -ef $2/run ]]
}

# _dc_pid_is_ours PID DIR : PID is a live (non-zombie) samba binary in DIR's namespace.
_dc_pid_is_ours() {
    local pid=$1 dir=$2 stat
    [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/stat ]] || return 1
    stat=$(<"/proc/$pid/stat") 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} == Z ]] && return 1
    [[ /proc/$pid/exe -ef /usr/sbin/samba ]] || return 1
    _dc_in_ns "$pid" "$dir"
}

# _dc_ns_pids DIR : PIDs of all processes in the DC's namespace (samba, winbindd and its
# children, samba-dcerpcd and its rpcd_* workers, anything started with dc_exec).
_dc_ns_pids() {
    local dir=$1 p
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [[ $p == "$$" || $p == "$BASHPID" ]] && continue
        [[ " ${DC_STOP_KEEP:-} " == *" $p "* ]] && continue
        _dc_in_ns "$p" "$dir" && echo "$p"
    done
}

# dc_host_state : a listing of the host's Samba paths (and what FreeRADIUS and slapd would
# write outside the tests' temp dirs), to compare before and after a test: it must not change.
dc_host_state() {
    local p
    for p in /run/samba /var/lib/samba /var/cache/samba /var/log/samba /etc/samba \
            /var/log/freeradius /var/run/freeradius /etc/freeradius /var/lib/ldap /etc/ldap/slapd.d; do
        if [[ -e $p ]]; then
            find "$p" -printf '%p %y %m %u %g %s %T@\n' 2>/dev/null
        else
            echo "$p absent"
        fi
    done | LC_ALL=C sort
}

# dc_provision DIR : provision the domain and the fixture users into DIR (fresh).
dc_provision() {
    local dir=${1:-}
    if [[ -z $dir ]]; then _dc_err "usage: dc_provision DIR"; return 2; fi
    mkdir -p "$dir" || return 1
    dir=$(_dc_abs "$dir") || return 1
    # DIR goes into smb.conf unquoted and into Unix socket paths (108 bytes max, e.g.
    # DIR/state/winbindd_privileged/pipe, DIR/run/ncalrpc/np/initshutdown).
    if [[ $dir =~ [^A-Za-z0-9/._-] ]]; then
        _dc_err "DIR '$dir' may only contain [A-Za-z0-9/._-]"; return 2
    fi
    if (( ${#dir} > 60 )); then
        _dc_err "DIR '$dir' is too long for Samba's socket paths (max 60 chars)"; return 2
    fi
    if [[ -e $dir/private/sam.ldb || -e $dir/etc/smb.conf ]]; then
        _dc_err "$dir already holds a domain; use a fresh DIR"; return 1
    fi

    local t0; t0=$(_dc_now)
    mkdir -p "$dir/etc" "$dir/run/winbindd" "$dir/run/ncalrpc" "$dir/log" \
        "$dir/lib/ntp_signd" || return 1
    chmod 0755 "$dir/run" "$dir/run/winbindd" || return 1
    chmod 0750 "$dir/lib/ntp_signd" || return 1
    # An empty seed config: otherwise samba-tool loads /etc/samba/smb.conf and copies its
    # shares and settings (log file, printers, ...) into the new smb.conf.
    : >"$dir/etc/seed.conf" || return 1

    local -a opts=(
        --option="interfaces=lo"
        --option="bind interfaces only=yes"
        --option="server services=$(_dc_services)"
        --option="ntlm auth=mschapv2-and-ntlmv2-only"
        --option="pid directory=$dir/run"
        --option="ncalrpc dir=$dir/run/ncalrpc"
        --option="winbindd socket directory=$dir/run/winbindd"
        --option="ntp signd socket directory=$dir/lib/ntp_signd"
        --option="log file=$dir/log/log.%m"
        --option="logging=file"
        --option="disable spoolss=yes"
        --option="printcap name=/dev/null"
    )
    if ! samba-tool domain provision -s "$dir/etc/seed.conf" \
            --realm="$SAMBA_DC_REALM" --domain="$SAMBA_DC_DOMAIN" \
            --server-role=dc --dns-backend=NONE --use-rfc2307 \
            --host-name="$SAMBA_DC_HOST" --host-ip=127.0.0.1 \
            --adminpass="$SAMBA_DC_ADMIN_PASS" --targetdir="$dir" \
            "${opts[@]}" >"$dir/log/provision.log" 2>&1; then
        _dc_err "samba-tool domain provision failed; last lines of $dir/log/provision.log:"
        tail -n 20 "$dir/log/provision.log" | sed 's/^/    /' >&2
        return 1
    fi
    # Options provision drops because they equal its defaults, but which must not fall
    # back to anything outside DIR or start printing code.
    sed -i -e '/^\[global\]/a\
\tload printers = no\
\tprinting = bsd\
\tmax log size = 0\
\tusershare max shares = 0\
\tusershare path = '"$dir"'/state/usershares\
\tlog level = 1' "$dir/etc/smb.conf" || return 1
    local want
    for want in "lock directory = $dir" "state directory = $dir/state" \
            "cache directory = $dir/cache" "private dir = $dir/private" \
            "pid directory = $dir/run" "winbindd socket directory = $dir/run/winbindd" \
            "ntlm auth = mschapv2-and-ntlmv2-only" "server services = $(_dc_services)" \
            "load printers = no"; do
        grep -qxF "	$want" "$dir/etc/smb.conf" ||
            { _dc_err "smb.conf lacks '$want'"; return 1; }
    done
    # winbindd creates its privileged pipe dir 0750 root:root; pre-create it with group
    # winbindd_priv (when the group exists) so a non-root member of that group works too.
    mkdir -p "$dir/state/winbindd_privileged" "$dir/state/usershares" || return 1
    chmod 0750 "$dir/state/winbindd_privileged" || return 1
    if getent group winbindd_priv >/dev/null 2>&1; then
        chgrp winbindd_priv "$dir/state/winbindd_privileged" || return 1
    fi

    if ! "$SAMBA_DC_PYTHON" - "$dir/etc/smb.conf" \
            >"$dir/log/fixtures.log" 2>&1 <<'PYEOF'
# Password policy and fixture users, written straight into DIR/private/sam.ldb (the DC
# is not running).  Equivalent samba-tool commands are listed in tests/lib/SAMBA_DC.md.
import sys
import ldb
from samba.auth import system_session
from samba.dcerpc.samr import DOMAIN_PASSWORD_COMPLEX
from samba.param import LoadParm
from samba.samdb import SamDB

NEVER = -0x8000000000000000          # "never" for *PwdAge / lockout intervals
SECOND = 10 * 1000 * 1000            # 100 ns ticks

lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
base = db.domain_dn()

def replace(dn, **attrs):
    m = ldb.Message()
    m.dn = ldb.Dn(db, str(dn))
    for k, v in attrs.items():
        m[k] = ldb.MessageElement(str(v), ldb.FLAG_MOD_REPLACE, k)
    db.modify(m)

# Domain policy: no complexity, any length, no history, never expires, no lockout.
props = int(db.get_pwdProperties()) & ~DOMAIN_PASSWORD_COMPLEX
replace(base, pwdProperties=props, minPwdLength=0, pwdHistoryLength=0,
        minPwdAge=0, maxPwdAge=NEVER, lockoutThreshold=0)

users = [
    ("alice", "clientPass"),
    ("carol", "clientPass"),
    ("bob", "Gr\u00fc\u00dfe-\u5bc6\u7801"),
    ("pexpired", "clientPass"),
    ("pmustchange", "clientPass"),
    ("pwchange1", "clientPass"),
    ("pwchange2", "clientPass"),
    ("disabled1", "clientPass"),
    ("locked1", "clientPass"),
]
for name, pw in users:
    db.newuser(name, pw, force_password_change_at_next_login_req=(name in ("pmustchange", "pwchange1", "pwchange2")))
    print("user %s created" % name)
db.disable_account("(&(objectClass=user)(sAMAccountName=disabled1))")
print("user disabled1 disabled")

def user_dn(name):
    res = db.search(base, scope=ldb.SCOPE_SUBTREE,
                    expression="(&(objectClass=user)(sAMAccountName=%s))" % name, attrs=[])
    assert len(res) == 1, name
    return str(res[0].dn)

def pso(name, applies_to, max_age=NEVER, threshold=0, duration=NEVER, window=NEVER):
    m = ldb.Message()
    m.dn = ldb.Dn(db, "CN=%s,CN=Password Settings Container,CN=System,%s" % (name, base))
    vals = {
        "objectClass": "msDS-PasswordSettings",
        "msDS-PasswordSettingsPrecedence": "1",
        "msDS-PasswordReversibleEncryptionEnabled": "FALSE",
        "msDS-PasswordComplexityEnabled": "FALSE",
        "msDS-PasswordHistoryLength": "0",
        "msDS-MinimumPasswordLength": "0",
        "msDS-MinimumPasswordAge": "0",
        "msDS-MaximumPasswordAge": str(max_age),
        "msDS-LockoutThreshold": str(threshold),
        "msDS-LockoutDuration": str(duration),
        "msDS-LockoutObservationWindow": str(window),
        "msDS-PSOAppliesTo": user_dn(applies_to),
    }
    for k, v in vals.items():
        m[k] = ldb.MessageElement(v, ldb.FLAG_MOD_ADD, k)
    db.add(m)
    print("PSO %s -> %s" % (name, applies_to))

# pexpired: a PSO with a 2-day maximum password age (Samba ignores any maximum age of
# 1 day or less: msDS-UserPasswordExpiryTimeComputed stays "never") ...
DAY = 86400 * SECOND
pso("pso-expired", "pexpired", max_age=-2 * DAY)
# locked1: 3 bad attempts lock it for ~69 days (dc_start makes the attempts).
long_time = -99999 * 60 * SECOND
pso("pso-lockout", "locked1", threshold=3, duration=long_time, window=long_time)
# carol: bad passwords are counted (badPwdCount) but never lock her out.
pso("pso-count", "carol", threshold=1000, duration=long_time, window=long_time)
pexpired_dn = user_dn("pexpired")
del db

# ... and a password set 3 days ago.  The DSDB modules only let pwdLastSet be set to
# 0 or -1, so it is written into the domain partition with the module stack off
# (fine for a throw-away single DC: no replication metadata to keep consistent).
import time
raw = ldb.Ldb(lp.private_path("sam.ldb.d/DC=%s.ldb"
                              % ",DC=".join(lp.get("realm").upper().split("."))),
              options=["modules:"])
m = ldb.Message()
m.dn = ldb.Dn(raw, pexpired_dn)
three_days_ago = int((time.time() + 11644473600 - 3 * 86400) * SECOND)
m["pwdLastSet"] = ldb.MessageElement(str(three_days_ago), ldb.FLAG_MOD_REPLACE, "pwdLastSet")
raw.modify(m)
del raw
print("pexpired: pwdLastSet 3 days ago")

db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
res = db.search(base, scope=ldb.SCOPE_SUBTREE, expression="(sAMAccountName=pexpired)",
                attrs=["msDS-UserPasswordExpiryTimeComputed"])
expiry = int(res[0]["msDS-UserPasswordExpiryTimeComputed"][0])
now = int((time.time() + 11644473600) * SECOND)
assert 0 < expiry < now, "pexpired is not expired (%d, now %d)" % (expiry, now)
print("pexpired: password expired at %d (now %d)" % (expiry, now))
PYEOF
    then
        _dc_err "creating the fixture users failed; $dir/log/fixtures.log:"
        sed 's/^/    /' "$dir/log/fixtures.log" >&2
        return 1
    fi
    : >"$dir/run/lock-locked1.pending" || return 1
    local t1; t1=$(_dc_now)
    DC_PROVISION_SECONDS=$(_dc_elapsed "$t0" "$t1")
    echo "provision_seconds=$DC_PROVISION_SECONDS" >"$dir/log/provision.time"
    return 0
}

# dc_exec DIR CMD... : run CMD inside the DC's namespace(s), in the current directory.
# Returns CMD's exit status.  "dc_exec DIR cmd &" gives the PID of cmd itself (nsenter
# execs, no fork).  dc_stop also ends whatever is still running in the namespace.
dc_exec() {
    local dir=${1:-}
    if [[ -z $dir || $# -lt 2 ]]; then _dc_err "usage: dc_exec DIR CMD..."; return 2; fi
    shift
    dir=$(_dc_abs "$dir") || { _dc_err "no such DIR"; return 2; }
    local pid ns=(--mount)
    pid=$(cat "$dir/run/dc.bgpid" 2>/dev/null)
    if ! _dc_pid_is_ours "$pid" "$dir"; then
        _dc_err "the DC for $dir is not running"; return 125
    fi
    [[ -e $dir/run/dc.netns ]] && ns+=(--net)
    nsenter --target "$pid" "${ns[@]}" --wd="$PWD" -- "$@"
}

# _dc_ntlm_auth DIR USER CHALLENGEHASH NTRESPONSE : MS-CHAPv2 check via ntlm_auth.
_dc_ntlm_auth() {
    dc_exec "$1" ntlm_auth --configfile="$1/etc/smb.conf" --request-nt-key --allow-mschapv2 \
        --username="$2" --domain="$SAMBA_DC_DOMAIN" --challenge="$3" --nt-response="$4"
}

# dc_lock_account DIR USER [N] : N (default 3) MS-CHAPv2 attempts with a wrong response.
dc_lock_account() {
    local dir=$1 user=$2 n=${3:-3} i
    for ((i = 0; i < n; i++)); do
        _dc_ntlm_auth "$dir" "$user" 0011223344556677 \
            000000000000000000000000000000000000000000000000 >/dev/null 2>&1
    done
    return 0
}

# dc_start DIR : start samba in the namespace arrangement, wait until winbindd answers.
dc_start() {
    local dir=${1:-}
    if [[ -z $dir ]]; then _dc_err "usage: dc_start DIR"; return 2; fi
    dir=$(_dc_abs "$dir") || { _dc_err "no such DIR: $1"; return 1; }
    if [[ ! -r $dir/etc/smb.conf ]]; then
        _dc_err "$dir/etc/smb.conf missing; run dc_provision first"; return 1
    fi
    local old
    old=$(cat "$dir/run/dc.bgpid" 2>/dev/null)
    if [[ -n $old ]] && _dc_pid_is_ours "$old" "$dir"; then
        _dc_err "the DC for $dir is already running (pid $old)"; return 1
    fi
    local target=/run/samba unshare_ns=(-m) setup=""
    if [[ $SAMBA_DC_NETNS == 1 || $SAMBA_DC_RPC == 1 ]]; then
        unshare_ns+=(-n)
        setup="ip link set lo up && "
        : >"$dir/run/dc.netns"
    else
        rm -f "$dir/run/dc.netns"
    fi
    if [[ ! -d $target ]]; then
        # No /run/samba to mount over: give the namespace its own empty /run instead
        # (hides the rest of the host's /run from processes in the namespace only).
        setup+="mount -n -t tmpfs -o mode=0755 samba-dc-run /run && mkdir /run/samba && "
    fi
    # mount -n: do not write /run/mount/utab on the host.
    setup+="mount -n --bind '$dir/run' /run/samba && "
    # winbindd (spawned by samba as "winbindd --foreground") opens its compiled-in default
    # log file /var/log/samba/log.winbindd before it reads smb.conf's "log file"; anything
    # else run in the namespace may do the same with its own log.* or cache files. Inside
    # the namespace, Samba's log and cache directories are private directories under DIR.
    local hostdir
    for hostdir in /var/log/samba /var/cache/samba; do
        [[ -d $hostdir ]] || continue
        mkdir -p "$dir/hostmask$hostdir" || return 1
        setup+="mount -n --bind '$dir/hostmask$hostdir' '$hostdir' && "
    done

    local t0; t0=$(_dc_now)
    : >>"$dir/log/samba.out"
    echo "=== dc_start $(date '+%F %T')" >>"$dir/log/samba.out"
    # The subshell, unshare and sh all exec: $! is the samba root process itself.
    (
        exec unshare "${unshare_ns[@]}" --propagation private -- /bin/sh -c "${setup}exec samba -i -M single -s '$dir/etc/smb.conf'"
    ) </dev/null >>"$dir/log/samba.out" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/run/dc.bgpid"

    local i ok=0
    for ((i = 0; i < 300; i++)); do          # 300 x 0.1 s = 30 s
        if [[ ! -d /proc/$pid ]] || [[ $(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null |
                cut -d' ' -f1) == Z ]]; then
            wait "$pid" 2>/dev/null
            _dc_err "samba exited during start-up; last lines of $dir/log/samba.out:"
            tail -n 20 "$dir/log/samba.out" | sed 's/^/    /' >&2
            dc_stop "$dir"
            return 1
        fi
        if _dc_pid_is_ours "$pid" "$dir" &&
                dc_exec "$dir" wbinfo -p >/dev/null 2>&1 &&
                dc_exec "$dir" wbinfo --ping-dc >/dev/null 2>&1; then
            ok=1; break
        fi
        sleep 0.1
    done
    if (( ! ok )); then
        _dc_err "winbindd did not answer within 30 s; last lines of $dir/log/samba.out:"
        tail -n 20 "$dir/log/samba.out" | sed 's/^/    /' >&2
        dc_stop "$dir"
        return 1
    fi
    local t1; t1=$(_dc_now)
    # shellcheck disable=SC2034  # for the caller
    DC_PID=$pid
    DC_START_SECONDS=$(_dc_elapsed "$t0" "$t1")
    echo "start_seconds=$DC_START_SECONDS" >"$dir/log/start.time"

    if [[ -e $dir/run/lock-locked1.pending ]]; then
        dc_lock_account "$dir" locked1 3
        rm -f "$dir/run/lock-locked1.pending"
    fi
    return 0
}

# dc_stop DIR : end the DC and everything in its namespace.  Idempotent.
# dc_stop DIR : stops the DC and everything left in its namespace, except the PIDs in
# DC_STOP_KEEP (e.g. a FreeRADIUS that must live through a DC outage; the namespace lives
# on with it, and a DC started again under the same DIR is seen there through the bind mount).
dc_stop() {
    local dir=${1:-}
    if [[ -z $dir ]]; then _dc_err "usage: dc_stop DIR"; return 2; fi
    dir=$(_dc_abs "$dir") || return 0
    local pid i
    pid=$(cat "$dir/run/dc.bgpid" 2>/dev/null)
    if _dc_pid_is_ours "$pid" "$dir"; then
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 50; i++)); do      # 5 s
            _dc_pid_is_ours "$pid" "$dir" || break
            sleep 0.1
        done
        _dc_pid_is_ours "$pid" "$dir" && kill -KILL "$pid" 2>/dev/null
    fi
    # Reap it if it is our child (never waits for a live process).
    if [[ $pid =~ ^[0-9]+$ ]] && ! _dc_pid_is_ours "$pid" "$dir"; then
        wait "$pid" 2>/dev/null
    fi
    # winbindd (and its domain children) exit with samba; samba-dcerpcd, spawned on demand
    # and re-parented to init, and anything from dc_exec may not.
    local left
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        left=$(_dc_ns_pids "$dir")
        [[ -z $left ]] && break
        if (( i == 1 )); then
            # shellcheck disable=SC2086
            kill -TERM $left 2>/dev/null
        elif (( i == 15 )); then
            # shellcheck disable=SC2086
            kill -KILL $left 2>/dev/null
        fi
        sleep 0.1
    done
    rm -f "$dir/run/dc.bgpid"
    left=$(_dc_ns_pids "$dir")
    if [[ -n $left ]]; then
        _dc_err "processes in the DC namespace of $dir still alive: $left"; return 1
    fi
    return 0
}
