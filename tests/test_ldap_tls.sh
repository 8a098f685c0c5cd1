#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/test_ldap_tls.sh - the "tls { }" options of rlm_mipkey's LDAP backend against a
# private slapd that speaks TLS (ldaps:// and StartTLS), with a real FreeRADIUS per case.
#
# Makes a throw-away CA, a server certificate for 127.0.0.1 (IP SAN), a client certificate and
# a second, unrelated CA, starts slapd on ldap://127.0.0.1:$TLS_LDAP_PORT/ and
# ldaps://127.0.0.1:$TLS_LDAPS_PORT/, then one freeradius per case on 127.0.0.1:$TLS_RADIUS_PORT
# (and +1, the test site of tests/lib/radiusd.sh) and asks for alice / clientPass.
#
# Environment: TLS_LDAP_PORT (38941), TLS_LDAPS_PORT (38942), TLS_RADIUS_PORT (38943, uses 38944
# too), KEEP_WORK=1 keeps the work directory. Needs the module built (.libs/rlm_mipkey.so).
# Prints one "PASS name" / "FAIL name: expected .. got .." line per check; exits non-zero if any
# check failed. Everything started here is stopped by PID on exit.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/slapd.sh
. "$HERE/lib/slapd.sh"
# shellcheck source-path=SCRIPTDIR source=lib/radiusd.sh
. "$HERE/lib/radiusd.sh"

LDAP_PORT=${TLS_LDAP_PORT:-38941}
LDAPS_PORT=${TLS_LDAPS_PORT:-38942}
RADIUS_PORT=${TLS_RADIUS_PORT:-38943}
SECRET=mipkey-tls-test-secret
SUFFIX="dc=mipkey,dc=test"
PY=/usr/bin/python3

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mipkey-ldap-tls.XXXXXX") || exit 2
CERTS=$WORK/certs
RADIUS_DIRS=()

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    local d
    for d in "${RADIUS_DIRS[@]}"; do radiusd_stop "$d" >/dev/null 2>&1; done
    slapd_stop "$WORK/slapd" >/dev/null 2>&1
    if [[ -n ${KEEP_WORK:-} && ${KEEP_WORK:-} != 0 ]]; then
        echo "work dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM

# shellcheck source=lib/check.sh
source "$HERE/lib/check.sh"

# --- 1. certificates ------------------------------------------------------------------------
# EC P-256 keys: quick to make, and both GnuTLS (libldap, slapd on Debian) and OpenSSL take them.
mkcerts() {
    local ca_ext=(-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign")
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    mkdir -p "$CERTS" && cd "$CERTS" || return 1
    openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=mipkey LDAP TLS test CA" "${ca_ext[@]}" \
        -keyout ca.key -out ca.pem &&
    openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=mipkey LDAP TLS unrelated CA" "${ca_ext[@]}" \
        -keyout wrong-ca.key -out wrong-ca.pem &&
    printf '%s\n' "basicConstraints = critical, CA:FALSE" "keyUsage = critical, digitalSignature" \
        "extendedKeyUsage = serverAuth" "subjectAltName = IP:127.0.0.1" >server.ext &&
    openssl req "${ec[@]}" -subj "/CN=127.0.0.1" -keyout server.key -out server.csr &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile server.ext -out server.pem &&
    printf '%s\n' "basicConstraints = critical, CA:FALSE" "keyUsage = critical, digitalSignature" \
        "extendedKeyUsage = clientAuth" >client.ext &&
    openssl req "${ec[@]}" -subj "/CN=radius client" -keyout client.key -out client.csr &&
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile client.ext -out client.pem &&
    openssl verify -CAfile ca.pem server.pem client.pem &&
    mkdir -p cadir && cp ca.pem cadir/     # for tls { ca_path }
}
if (mkcerts) >"$WORK/certs.log" 2>&1; then
    pass "certificates: CA, server cert for IP 127.0.0.1, client cert, unrelated CA"
else
    fail "certificates" "openssl failed: $(tail -5 "$WORK/certs.log")"; exit 1
fi

# --- 2. slapd with TLS ----------------------------------------------------------------------
if ! slapd_setup "$WORK/slapd" ||
   ! slapd_setup_tls "$WORK/slapd" "$CERTS/server.pem" "$CERTS/server.key" "$CERTS/ca.pem" ||
   ! slapd_start "$WORK/slapd" "$LDAP_PORT" "ldaps://127.0.0.1:$LDAPS_PORT/"; then
    fail "slapd with TLS starts" "see the messages above"; exit 1
fi
pass "slapd with TLS starts on ldap://127.0.0.1:$LDAP_PORT/ and ldaps://127.0.0.1:$LDAPS_PORT/"

# tls_search CAFILE URI [ldapsearch options] : anonymous base search of the suffix, certificate
# demanded and checked against CAFILE; prints the exit status.  LDAPNOINIT would make libldap
# ignore the LDAPTLS_* variables too, so instead every configuration file is pointed at an
# empty file and HOME / the working directory at the work dir.
: >"$WORK/ldap.conf"
tls_search() {
    local ca=$1 uri=$2
    shift 2
    (cd "$WORK" && env -u LDAPNOINIT HOME="$WORK" LDAPCONF="$WORK/ldap.conf" LDAPRC="$WORK/ldap.conf" \
        LDAPTLS_CACERT="$ca" LDAPTLS_REQCERT=demand \
        ldapsearch -x -LLL -o nettimeout=3 -l 3 -H "$uri" "$@" -b "$SUFFIX" -s base 1.1 >/dev/null 2>&1)
    echo $?
}
check "ldapsearch ldaps:// with the right CA" 0 "$(tls_search "$CERTS/ca.pem" "ldaps://127.0.0.1:$LDAPS_PORT")"
check "ldapsearch ldap:// + StartTLS (-ZZ) with the right CA" 0 \
    "$(tls_search "$CERTS/ca.pem" "ldap://127.0.0.1:$LDAP_PORT" -ZZ)"
check "ldapsearch ldaps:// with the unrelated CA is refused" 255 \
    "$(tls_search "$CERTS/wrong-ca.pem" "ldaps://127.0.0.1:$LDAPS_PORT")"

# --- 3. freeradius, one per case ------------------------------------------------------------
# tls_config FILE URI START_TLS CA REQUIRE_CERT POOL_START [CERT KEY] : rewrites the
# module configuration rendered by radiusd_setup.  Only the ldap { } section is touched.
# CA is a file (-> tls { ca_file }) or a directory (-> tls { ca_path }).
tls_config() {
    local f=$1 uri=$2 st=$3 ca=$4 req=$5 start=$6 cert=${7:-} key=${8:-} ca_opt=ca_file
    [[ -d $ca ]] && ca_opt=ca_path
    sed -i -e '/^\s*ldap {/,/^\s*winbind {/{' \
        -e "s|^\(\s*server = \)\".*\"|\1\"$uri\"|" \
        -e "s|^\(\s*start_tls = \).*|\1$st|" \
        -e "s|^\(\s*\)# $ca_opt = .*|\1$ca_opt = $ca|" \
        -e "s|^\(\s*require_cert = \).*|\1$req|" \
        -e "s|^\(\s*start = \).*|\1$start|" \
        ${cert:+-e "s|^\(\s*\)# certificate_file = .*|\1certificate_file = $cert|"} \
        ${key:+-e "s|^\(\s*\)# private_key_file = .*|\1private_key_file = $key|"} \
        -e '}' "$f" || return 1
    local want
    for want in "server = \"$uri\"" "start_tls = $st" "$ca_opt = $ca" "require_cert = $req" "start = $start" \
                ${cert:+"certificate_file = $cert"} ${key:+"private_key_file = $key"}; do
        grep -qF -- "$want" "$f" || { echo "tls_config: '$want' not set in $f" >&2; return 1; }
    done
}

# new_radiusd NAME TLS_CONFIG_ARGS... : a fresh freeradius directory with that configuration.
new_radiusd() {
    local name=$1
    shift
    RDIR=$WORK/radiusd-$name
    RADIUS_DIRS+=("$RDIR")
    radiusd_setup "$RDIR" "$RADIUS_PORT" "$LDAP_PORT" "$SECRET" >/dev/null &&
        tls_config "$RDIR/raddb/mods-enabled/mipkey" "$@"
}

# mschap NAME accept|fail : one MS-CHAPv2 request for alice, checked by tests/test_ldap_tls.py.
mschap() {
    local out
    out=$("$PY" "$HERE/test_ldap_tls.py" --port "$RADIUS_PORT" --secret "$SECRET" --name "$1" --expect "$2" 2>&1)
    printf '%s\n' "$out"
    FAILED=$((FAILED + $(grep -c '^FAIL ' <<<"$out")))
    if ! grep -qE '^(PASS|FAIL) ' <<<"$out"; then fail "$1" "test_ldap_tls.py said: $out"; fi
}

status_server() {
    echo 'Message-Authenticator = 0x00' |
        radclient -q -r 1 -t 2 "127.0.0.1:$RADIUS_PORT" status "$SECRET" >/dev/null 2>&1
    echo $?
}

# log_has NAME ERE : radius.log of the current case has a line matching ERE.
log_has() {
    if grep -qE -- "$2" "$RDIR/log/radius.log"; then
        pass "$1"
    else
        fail "$1" "expected a line matching /$2/ in radius.log got: $(grep -E 'Error|ERROR' "$RDIR/log/radius.log" | tail -3)"
    fi
}

# started NAME : radiusd_start for the current case, with a PASS/FAIL line.
started() {
    if radiusd_start "$RDIR" 2>"$RDIR/start.err"; then
        pass "$1: freeradius starts"
        return 0
    fi
    fail "$1: freeradius starts" "it did not: $(tail -3 "$RDIR/log/radius.log")"
    return 1
}

LDAPS="ldaps://127.0.0.1:$LDAPS_PORT"
LDAP="ldap://127.0.0.1:$LDAP_PORT"
slapd_log_lines() { wc -l <"$WORK/slapd/slapd.log"; }

# 3a. ldaps://, right CA, require_cert = demand, pool start = 1 (refuses to start).
name="ldaps, right CA, demand"
if new_radiusd ldaps-ok "$LDAPS" no "$CERTS/ca.pem" demand 1 && started "$name"; then
    mschap "$name" accept
fi
radiusd_stop "$RDIR"

# 3b. ldap:// + StartTLS, right CA.  An Access-Accept alone would not show that TLS was used
# (slapd also answers in clear on ldap://), so slapd's log must show the StartTLS operation.
name="ldap + start_tls, right CA, demand"
mark=$(slapd_log_lines)
if new_radiusd starttls-ok "$LDAP" yes "$CERTS/ca.pem" demand 1 && started "$name"; then
    mschap "$name" accept
    # A connection accepted on the ldap:// port since this freeradius started that did
    # StartTLS, completed the TLS handshake, and bound as cn=radius with ssf > 0 (the bind ran
    # over TLS).  slapd's threads write their lines out of order (an op's STARTTLS line can
    # precede its connection's ACCEPT line, timestamps included), so facts are collected per
    # connection and judged at the end, not in line order.
    starttls_seen() {
        tail -n +"$((mark + 1))" "$WORK/slapd/slapd.log" | awk -v port="$LDAP_PORT" '
            !match($0, / conn=[0-9]+ /) { next }
            { c = substr($0, RSTART + 6, RLENGTH - 7) }
            / ACCEPT from / && index($0, "(IP=127.0.0.1:" port ")") { plain[c] = 1 }
            / op=[0-9]+ STARTTLS$/ { st[c] = 1 }
            / TLS established / { tls[c] = 1 }
            /BIND dn="cn=radius,dc=mipkey,dc=test" mech=SIMPLE .* ssf=[1-9]/ { bind[c] = 1 }
            END { for (k in plain) if (st[k] && tls[k] && bind[k]) ok = 1; print (ok ? "yes" : "no") }'
    }
    # slapd may write its log lines a little after it answered: look again for up to 3 s.
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do [ "$(starttls_seen)" = yes ] && break; sleep 0.2; done
    check "$name: slapd log shows StartTLS, TLS established and the cn=radius bind at ssf > 0 on one ldap:// connection" yes \
        "$(starttls_seen)"
fi
radiusd_stop "$RDIR"

# 3b'. tls { ca_path }: a directory holding the CA instead of ca_file.
name="ldaps, ca_path (directory with the CA), demand"
if new_radiusd ldaps-capath "$LDAPS" no "$CERTS/cadir" demand 1 && started "$name"; then
    mschap "$name" accept
fi
radiusd_stop "$RDIR"

# 3c. ldaps://, the unrelated CA, demand, pool start = 1 (refuses to start): the first pooled
# connection is opened when the module is instantiated, so freeradius refuses to start.
name="ldaps, unrelated CA, pool start = 1"
if new_radiusd ldaps-wrongca-start1 "$LDAPS" no "$CERTS/wrong-ca.pem" demand 1; then
    if radiusd_start "$RDIR" 2>"$RDIR/start.err"; then
        fail "$name: freeradius refuses to start" "it started (pid $RADIUSD_PID)"
    else
        pass "$name: freeradius refuses to start"
        log_has "$name: log says the bind failed" \
            "Error: .*ldap: bind to $LDAPS as \"cn=radius,dc=mipkey,dc=test\" failed"
        log_has "$name: log says the module could not be instantiated" \
            'Error: .*Instantiation failed for module "mipkey"'
    fi
else
    fail "$name: setup" "radiusd_setup or tls_config failed"
fi
radiusd_stop "$RDIR"

# 3d. The same with start = 0: freeradius starts, the module fails per request.
name="ldaps, unrelated CA, pool start = 0"
if new_radiusd ldaps-wrongca "$LDAPS" no "$CERTS/wrong-ca.pem" demand 0 && started "$name"; then
    mschap "$name" fail
    sleep 0.1
    log_has "$name: ERROR line 'LDAP server .. unreachable'" "ERROR: .*LDAP server $LDAPS unreachable"
    log_has "$name: log says the bind failed" "Error: .*ldap: bind to $LDAPS as .* failed"
    check "$name: freeradius still answers Status-Server" 0 "$(status_server)"
fi
radiusd_stop "$RDIR"

# 3e. StartTLS with the unrelated CA (start = 0): the module must not fall back to clear text.
name="ldap + start_tls, unrelated CA, pool start = 0"
if new_radiusd starttls-wrongca "$LDAP" yes "$CERTS/wrong-ca.pem" demand 0 && started "$name"; then
    mschap "$name" fail
    sleep 0.1
    log_has "$name: ERROR line 'LDAP server .. unreachable'" "ERROR: .*LDAP server $LDAP unreachable"
    log_has "$name: log says StartTLS failed" "Error: .*ldap: StartTLS with $LDAP failed"
    check "$name: freeradius still answers Status-Server" 0 "$(status_server)"
fi
radiusd_stop "$RDIR"

# 3f. require_cert = never is honoured: the unrelated CA is then not a reason to fail.
name="ldaps, unrelated CA, require_cert = never"
if new_radiusd ldaps-never "$LDAPS" no "$CERTS/wrong-ca.pem" never 1 && started "$name"; then
    mschap "$name" accept
fi
radiusd_stop "$RDIR"

# 3g. certificate_file / private_key_file: slapd restarted with TLSVerifyClient demand.
slapd_stop "$WORK/slapd"
sed -i -e 's|^TLSCertificateKeyFile.*|&\nTLSVerifyClient         demand|' "$WORK/slapd/slapd.conf"
if slapd_start "$WORK/slapd" "$LDAP_PORT" "ldaps://127.0.0.1:$LDAPS_PORT/" 2>"$WORK/slapd-restart.err"; then
    pass "slapd restarted with TLSVerifyClient demand"
    # libldap says "Can't contact LDAP server" (255) or "Local error" (254), depending on
    # where the handshake breaks off; both are a refusal.
    rc=$(tls_search "$CERTS/ca.pem" "ldaps://127.0.0.1:$LDAPS_PORT")
    check "ldapsearch ldaps:// without a client certificate is refused" refused \
        "$(case $rc in 254|255) echo refused ;; *) echo "exit $rc" ;; esac)"

    name="ldaps, client certificate demanded, none configured"
    if new_radiusd ldaps-nocert "$LDAPS" no "$CERTS/ca.pem" demand 0 && started "$name"; then
        mschap "$name" fail
    fi
    radiusd_stop "$RDIR"

    name="ldaps, client certificate demanded, certificate_file + private_key_file"
    if new_radiusd ldaps-cert "$LDAPS" no "$CERTS/ca.pem" demand 1 "$CERTS/client.pem" "$CERTS/client.key" &&
       started "$name"; then
        mschap "$name" accept
    fi
    radiusd_stop "$RDIR"
else
    fail "slapd restarted with TLSVerifyClient demand" "$(tail -5 "$WORK/slapd-restart.err")"
fi

if [[ $FAILED -ne 0 ]]; then
    echo "$FAILED check(s) failed; run with KEEP_WORK=1 to keep $WORK (slapd.log, radiusd-*/log/radius.log)" >&2
fi
exit $((FAILED > 0))
