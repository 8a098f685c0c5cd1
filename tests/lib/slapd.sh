# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# tests/lib/slapd.sh - throw-away OpenLDAP (slapd) instance for tests.
#
# Source this file, then:
#
#   dir=$(mktemp -d)
#   slapd_setup "$dir"          # DIR/{schema,db,run}, slapd.conf, slapadd users.ldif
#                               # and broken-hashes.ldif (no schema check: test_hostile.py)
#                               # (schema: samba.schema and ldap-fixtures/mipkey.schema)
#   slapd_start "$dir" 38911    # ldap://127.0.0.1:38911/ , waits until it answers
#   ...                         # ldapsearch -H "ldap://127.0.0.1:38911" ...
#   slapd_stop "$dir"           # kill by recorded PID (idempotent)
#
# With TLS (optional; the calls above are unchanged without it):
#
#   slapd_setup "$dir"
#   slapd_setup_tls "$dir" server.pem server.key ca.pem   # TLS* lines in slapd.conf
#   slapd_start "$dir" 38941 "ldaps://127.0.0.1:38942/"   # also listens on ldaps://
#   ...                         # ldap:// also offers StartTLS once TLS is set up
#
# How slapd is run (and why):
#   slapd is started in the FOREGROUND with "-d LEVEL" (default 256 = stats,
#   override with SLAPD_DEBUG) in the background of the calling shell, with
#   stdout/stderr appended to DIR/slapd.log and the PID taken from $! and
#   recorded in DIR/run/slapd.bgpid.  With -d slapd does not fork, so $! *is*
#   the slapd process: no race with the pidfile, and every start-up error
#   (bad config, schema, port in use, ...) ends up in DIR/slapd.log instead of
#   syslog.  The pidfile from slapd.conf (DIR/run/slapd.pid) is still written
#   and is used as a fall-back by slapd_stop.
#   No "-u/-g" is given, so slapd never tries to drop privileges; the db
#   directory only has to be writable by the user running the tests.
#   slapd listens on 127.0.0.1 only (-h ldap://127.0.0.1:PORT/).
#
# Nothing here touches /etc or system services.  LDAPNOINIT=1 is used for the
# client tools so /etc/ldap/ldap.conf and ~/.ldaprc are ignored.
#
# The functions do not change the caller's shell options (set -e/-u safe).
# After a successful slapd_start, SLAPD_PID and SLAPD_START_SECONDS are set.

SLAPD_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SLAPD_REPO_ROOT=$(cd "$SLAPD_LIB_DIR/../.." && pwd)
SLAPD_FIXTURES_DIR=${SLAPD_FIXTURES_DIR:-"$SLAPD_REPO_ROOT/ldap-fixtures"}
SLAPD_BIN=${SLAPD_BIN:-/usr/sbin/slapd}
SLAPADD_BIN=${SLAPADD_BIN:-/usr/sbin/slapadd}
SLAPD_SUFFIX="dc=mipkey,dc=test"

_slapd_err() { echo "slapd.sh: $*" >&2; }

# _slapd_pid_is_ours PID DIR : true if PID is a live (non-zombie) slapd that
# was started with DIR/slapd.conf (guards against PID reuse).
_slapd_pid_is_ours() {
    local pid=$1 dir=$2 state cmdline
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/cmdline ]] || return 1
    state=$( { sed -e 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1; } 2>/dev/null )
    [[ $state == Z ]] && return 1
    cmdline=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null )
    [[ $cmdline == *"$dir/slapd.conf"* ]]
}

# _slapd_reap PID : reap PID if it is a child of this shell (no-op otherwise).
_slapd_reap() { wait "$1" 2>/dev/null || true; }

# _slapd_port_busy PORT : true if something accepts TCP on 127.0.0.1:PORT.
_slapd_port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# _slapd_ping PORT : true if an LDAP base search of the suffix answers.
_slapd_ping() {
    LDAPNOINIT=1 ldapsearch -x -LLL -o nettimeout=1 -l 2 \
        -H "ldap://127.0.0.1:$1" -b "$SLAPD_SUFFIX" -s base 1.1 \
        >/dev/null 2>&1
}

# slapd_setup DIR
slapd_setup() {
    local dir=${1:-}
    if [[ -z $dir ]]; then _slapd_err "usage: slapd_setup DIR"; return 2; fi
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd) || return 1
    # The path goes into slapd.conf unquoted and into a sed replacement.
    if [[ $dir =~ [[:space:]\|\&\\\"\#] ]]; then
        _slapd_err "DIR '$dir' contains characters unsupported in slapd.conf paths"
        return 2
    fi
    if [[ -e $dir/db/data.mdb ]]; then
        _slapd_err "$dir/db already holds a database; use a fresh DIR"
        return 1
    fi
    mkdir -p "$dir/schema" "$dir/db" "$dir/run" || return 1
    chmod 700 "$dir/db" || return 1

    local src=${SAMBA_SCHEMA:-/usr/share/doc/samba/examples/LDAP/samba.schema}
    if [[ -r $src ]]; then
        cp "$src" "$dir/schema/samba.schema" || return 1
    elif [[ -r $src.gz ]]; then
        gzip -dc "$src.gz" >"$dir/schema/samba.schema" || return 1
    else
        _slapd_err "samba.schema not found (${src} or ${src}.gz); is the samba package installed?"
        return 1
    fi
    # The project's own schema (the Mobile IP AAA security association).
    cp "$SLAPD_FIXTURES_DIR/mipkey.schema" "$dir/schema/mipkey.schema" || return 1

    sed -e "s|@SCHEMADIR@|$dir/schema|g" \
        -e "s|@DBDIR@|$dir/db|g" \
        -e "s|@RUNDIR@|$dir/run|g" \
        "$SLAPD_FIXTURES_DIR/slapd.conf.in" >"$dir/slapd.conf" || return 1
    if grep -q '@[A-Z]*DIR@' "$dir/slapd.conf"; then
        _slapd_err "unrendered placeholder left in $dir/slapd.conf"
        return 1
    fi

    if ! "$SLAPADD_BIN" -f "$dir/slapd.conf" -l "$SLAPD_FIXTURES_DIR/users.ldif" \
            >"$dir/slapadd.log" 2>&1; then
        _slapd_err "slapadd failed; output:"
        sed 's/^/    /' "$dir/slapadd.log" >&2
        return 1
    fi
    # Entries that break the schema on purpose (a multi-valued sambaNTPassword): no schema check.
    if ! "$SLAPADD_BIN" -s -f "$dir/slapd.conf" -l "$SLAPD_FIXTURES_DIR/broken-hashes.ldif" \
            >>"$dir/slapadd.log" 2>&1; then
        _slapd_err "slapadd of broken-hashes.ldif failed; output:"
        sed 's/^/    /' "$dir/slapadd.log" >&2
        return 1
    fi
    return 0
}

# slapd_setup_tls DIR CERT KEY CA : after slapd_setup, gives slapd a server
# certificate (PEM), its private key and the CA file, by inserting the global
# TLSCertificateFile / TLSCertificateKeyFile / TLSCACertificateFile lines into
# DIR/slapd.conf before the database section.  Client certificates are not
# asked for (TLSVerifyClient stays "never").  Paths are made absolute.
slapd_setup_tls() {
    local dir=${1:-} cert=${2:-} key=${3:-} ca=${4:-} f
    if [[ -z $dir || -z $cert || -z $key || -z $ca ]]; then
        _slapd_err "usage: slapd_setup_tls DIR CERT KEY CA"; return 2
    fi
    dir=$(cd "$dir" 2>/dev/null && pwd) || { _slapd_err "no such DIR: $1"; return 1; }
    if [[ ! -w $dir/slapd.conf ]]; then
        _slapd_err "$dir/slapd.conf missing; run slapd_setup first"; return 1
    fi
    if grep -q '^TLSCertificateFile' "$dir/slapd.conf"; then
        _slapd_err "$dir/slapd.conf already has TLS settings"; return 1
    fi
    for f in cert key ca; do
        if [[ ! -r ${!f} ]]; then _slapd_err "cannot read $f file '${!f}'"; return 1; fi
        printf -v "$f" '%s' "$(cd "$(dirname "${!f}")" && pwd)/$(basename "${!f}")"
        if [[ ${!f} =~ [[:space:]\|\&\\\"\#] ]]; then
            _slapd_err "$f path '${!f}' contains characters unsupported in slapd.conf paths"
            return 1
        fi
    done
    # TLS* are global directives: they must come before the first "database" line.
    sed -i -e "0,/^database[[:space:]]/s||# TLS (slapd_setup_tls)\\
TLSCACertificateFile    $ca\\
TLSCertificateFile      $cert\\
TLSCertificateKeyFile   $key\\
\\
&|" "$dir/slapd.conf" || return 1
    if ! grep -q "^TLSCertificateKeyFile" "$dir/slapd.conf"; then
        _slapd_err "could not add the TLS lines to $dir/slapd.conf"; return 1
    fi
    return 0
}

# slapd_start DIR PORT [EXTRA_URLS] : EXTRA_URLS is a space-separated list of
# further listener URLs, e.g. "ldaps://127.0.0.1:38942/"; the readiness probe
# always uses ldap://127.0.0.1:PORT.
slapd_start() {
    local dir=${1:-} port=${2:-} extra=${3:-}
    if [[ -z $dir || ! $port =~ ^[0-9]+$ ]]; then
        _slapd_err "usage: slapd_start DIR PORT [EXTRA_URLS]"; return 2
    fi
    dir=$(cd "$dir" 2>/dev/null && pwd) || { _slapd_err "no such DIR: $1"; return 1; }
    if [[ ! -r $dir/slapd.conf ]]; then
        _slapd_err "$dir/slapd.conf missing; run slapd_setup first"; return 1
    fi
    local old
    old=$(cat "$dir/run/slapd.bgpid" 2>/dev/null)
    if [[ -n $old ]] && _slapd_pid_is_ours "$old" "$dir"; then
        _slapd_err "slapd for $dir already running (pid $old)"; return 1
    fi
    # Otherwise the readiness probe below could be answered by a stranger.
    if _slapd_port_busy "$port"; then
        _slapd_err "127.0.0.1:$port is already in use; pick another PORT"
        return 1
    fi
    local url xport
    for url in $extra; do
        if [[ $url =~ ^ldaps?://127\.0\.0\.1:([0-9]+)/?$ ]]; then
            xport=${BASH_REMATCH[1]}
            if _slapd_port_busy "$xport"; then
                _slapd_err "127.0.0.1:$xport is already in use; pick another port for $url"
                return 1
            fi
        else
            _slapd_err "extra URL '$url' must be ldap[s]://127.0.0.1:PORT/"; return 1
        fi
    done

    local t0=${EPOCHREALTIME/,/.}
    : >>"$dir/slapd.log"
    echo "=== slapd_start $(date '+%F %T') port $port${extra:+ $extra}" >>"$dir/slapd.log"
    "$SLAPD_BIN" -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/${extra:+ $extra}" \
        -n mipkey-test-slapd -d "${SLAPD_DEBUG:-256}" \
        </dev/null >>"$dir/slapd.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/run/slapd.bgpid"

    local i
    for ((i = 0; i < 200; i++)); do          # 200 x 50 ms = 10 s
        if ! _slapd_pid_is_ours "$pid" "$dir"; then
            _slapd_reap "$pid"
            _slapd_err "slapd exited during start-up; $dir/slapd.log:"
            sed 's/^/    /' "$dir/slapd.log" >&2
            rm -f "$dir/run/slapd.bgpid"
            return 1
        fi
        if _slapd_ping "$port"; then
            # shellcheck disable=SC2034  # for the caller
            SLAPD_PID=$pid
            # shellcheck disable=SC2034  # for the caller
            SLAPD_START_SECONDS=$(awk -v a="$t0" -v b="${EPOCHREALTIME/,/.}" \
                'BEGIN { printf "%.3f", b - a }')
            echo "slapd: pid $pid on ldap://127.0.0.1:$port/${extra:+ $extra} ready in ${SLAPD_START_SECONDS}s (log: $dir/slapd.log)" >&2
            return 0
        fi
        sleep 0.05
    done
    _slapd_err "slapd (pid $pid) did not answer on 127.0.0.1:$port within 10 s; $dir/slapd.log:"
    sed 's/^/    /' "$dir/slapd.log" >&2
    slapd_stop "$dir"
    return 1
}

# slapd_stop DIR : idempotent; TERM, wait up to 5 s, then KILL.
slapd_stop() {
    local dir=${1:-}
    if [[ -z $dir ]]; then _slapd_err "usage: slapd_stop DIR"; return 2; fi
    [[ -d $dir ]] || return 0
    dir=$(cd "$dir" && pwd) || return 0
    local pid f i
    for f in "$dir/run/slapd.bgpid" "$dir/run/slapd.pid"; do
        pid=$(cat "$f" 2>/dev/null) || continue
        if _slapd_pid_is_ours "$pid" "$dir"; then
            kill -TERM "$pid" 2>/dev/null
            for ((i = 0; i < 100; i++)); do  # 100 x 50 ms = 5 s
                _slapd_pid_is_ours "$pid" "$dir" || break
                sleep 0.05
            done
            if _slapd_pid_is_ours "$pid" "$dir"; then
                _slapd_err "slapd pid $pid ignored SIGTERM for 5 s; sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null
                sleep 0.1
            fi
        fi
        [[ -n $pid ]] && _slapd_reap "$pid"
    done
    rm -f "$dir/run/slapd.bgpid"
    return 0
}
