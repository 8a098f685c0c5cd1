#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/test_ldap_acl.sh - checks the LDAP fixture (ldap-fixtures/) and its ACLs
# against a private slapd on 127.0.0.1:${PORT:-38911}.
#
# Prints one "PASS <name>" / "FAIL <name>: expected .. got .." line per check
# and exits non-zero if any check failed.  slapd is stopped by PID on exit.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/slapd.sh
. "$HERE/lib/slapd.sh"

PORT=${PORT:-38911}
URI="ldap://127.0.0.1:$PORT"
BASE="dc=mipkey,dc=test"
PEOPLE="ou=people,$BASE"
RADIUS_DN="cn=radius,$BASE"
RADIUS_PW="radius-secret"
export LDAPNOINIT=1   # ignore /etc/ldap/ldap.conf and ~/.ldaprc

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mipkey-ldap-acl.XXXXXX") || exit 2
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    slapd_stop "$WORK"
    if [[ -n ${KEEP_WORK:-} ]]; then
        echo "work dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM

# shellcheck source=lib/check.sh
source "$HERE/lib/check.sh"

# Independent NT hash: MD4(UTF-16LE(pw)), upper-case hex.
nt_hash() {
    printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE \
        | openssl dgst -md4 -provider legacy -provider default \
        | awk '{ print toupper($NF) }'
}

# ldap_attr [ldapsearch options...] -- FILTER ATTR : print the values of ATTR
# (one per line) of the entries found under $PEOPLE; exit status of ldapsearch.
ldap_attr() {
    local opts=() filter attr out rc
    while [[ $1 != -- ]]; do opts+=("$1"); shift; done
    shift; filter=$1; attr=$2
    out=$(ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=5 -l 5 -H "$URI" \
        "${opts[@]}" -b "$PEOPLE" "$filter" "$attr" 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed -n "s/^$attr: //Ip"
    return $rc
}

# check_none NAME CMD... : CMD must succeed (exit status 0) and print nothing; a failed
# query is a failure, not an empty answer.
check_none() {
    local name=$1 out rc
    shift
    out=$("$@" 2>&1); rc=$?
    if [[ $rc -ne 0 ]]; then
        fail "$name" "expected a successful query with no result got exit status $rc: $out"
    elif [[ -n $out ]]; then
        fail "$name" "expected no result got: $out"
    else
        pass "$name"
    fi
}

# base_attr DN ATTR [ldapsearch options...] : the values of ATTR of the entry DN itself.
base_attr() {
    local dn=$1 attr=$2 out rc
    shift 2
    out=$(ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=5 -l 5 -H "$URI" "$@" -b "$dn" -s base \
        '(objectClass=*)' "$attr" 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed -n "s/^$attr:: \{0,1\}//Ip"
    return $rc
}

if ! slapd_setup "$WORK"; then
    fail slapd-setup "slapd_setup failed"; exit 1
fi
if ! slapd_start "$WORK" "$PORT"; then
    fail slapd-start "slapd did not start on port $PORT"; exit 1
fi

# 1. anonymous may see alice, but not her sambaNTPassword
out=$(ldapsearch -x -LLL -o ldif-wrap=no -l 5 -H "$URI" -b "$PEOPLE" \
      '(uid=alice)' sambaNTPassword sambaAcctFlags 2>&1); rc=$?
if [[ $rc -ne 0 ]]; then
    fail anon-alice-no-nthash "expected ldapsearch rc 0 got rc $rc: $out"
elif ! grep -q '^dn: uid=alice,' <<<"$out"; then
    fail anon-alice-no-nthash "expected alice's entry to be visible got: $out"
elif grep -qi '^sambaNTPassword' <<<"$out"; then
    fail anon-alice-no-nthash "expected no sambaNTPassword got: $(grep -i '^sambaNTPassword' <<<"$out")"
else
    pass anon-alice-no-nthash
fi
check anon-alice-flags-readable "[U          ]" \
    "$(ldap_attr -- '(uid=alice)' sambaAcctFlags)"
check_none anon-radius-userpassword-hidden base_attr "$RADIUS_DN" userPassword
check radius-reads-own-userpassword-control 1 \
    "$(base_attr "$RADIUS_DN" userPassword -D "$RADIUS_DN" -w "$RADIUS_PW" | grep -c .)"

# 2. cn=radius reads alice's hash == openssl(clientPass)
want=$(nt_hash clientPass)
check alice-expected-hash-is-rfc2759 "44EBBA8D5312B8D611474411F56989AE" "$want"
check radius-reads-alice-nthash "$want" \
    "$(ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- '(uid=alice)' sambaNTPassword)"

# 3. cn=radius reads bob's hash == independent computation (non-BMP password)
BOB_PW='Pässwörd-密码-😀'
want=$(nt_hash "$BOB_PW")
check radius-reads-bob-nthash "$want" \
    "$(ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- '(uid=bob)' sambaNTPassword)"
if [[ -x /usr/bin/python3 ]]; then
    ref=$(/usr/bin/python3 "$HERE/lib/mschap_ref.py" --user bob --password "$BOB_PW" \
          | sed -n 's/^ *"nt_hash": "\([0-9A-F]*\)".*/\1/p')
    check mschap-ref-agrees-bob "$want" "$ref"
fi

# extra: wrong password is refused; erin has no hash even for cn=radius
ldapsearch -x -LLL -l 5 -H "$URI" -D "$RADIUS_DN" -w wrong -b "$BASE" -s base 1.1 \
    >/dev/null 2>&1
check radius-wrong-password-rc49 49 "$?"
out=$(ldapsearch -x -LLL -o ldif-wrap=no -l 5 -H "$URI" -D "$RADIUS_DN" -w "$RADIUS_PW" \
      -b "$PEOPLE" '(uid=erin)' sambaNTPassword 2>&1)
if grep -q '^dn: uid=erin,' <<<"$out" && ! grep -qi '^sambaNTPassword' <<<"$out"; then
    pass erin-has-no-nthash
else
    fail erin-has-no-nthash "expected erin without sambaNTPassword got: $out"
fi

# 4. the Mobile IP AAA security association (mipkey.schema): the key like sambaNTPassword,
#    only cn=radius reads it; SPI and algorithm are world readable
ALICE_AAA_KEY=32F5FECB70568AAD8F78DF744E05D8C4C8D6D23E
out=$(ldapsearch -x -LLL -o ldif-wrap=no -l 5 -H "$URI" -b "$PEOPLE" \
      '(uid=alice)' mipkeyAAAKey mipkeyAAASPI 2>&1); rc=$?
if [[ $rc -ne 0 ]]; then
    fail anon-alice-no-aaa-key "expected ldapsearch rc 0 got rc $rc: $out"
elif ! grep -q '^dn: uid=alice,' <<<"$out"; then
    fail anon-alice-no-aaa-key "expected alice's entry to be visible got: $out"
elif grep -qi '^mipkeyAAAKey' <<<"$out"; then
    fail anon-alice-no-aaa-key "expected no mipkeyAAAKey got: $(grep -i '^mipkeyAAAKey' <<<"$out")"
else
    pass anon-alice-no-aaa-key
fi
check_none anon-no-aaa-key-by-filter ldap_attr -- "(mipkeyAAAKey=$ALICE_AAA_KEY)" uid
check radius-finds-alice-by-aaa-key alice \
    "$(ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- "(mipkeyAAAKey=$ALICE_AAA_KEY)" uid)"
check anon-alice-aaa-spi-readable 1000 "$(ldap_attr -- '(uid=alice)' mipkeyAAASPI)"
check radius-reads-alice-aaa-key "$ALICE_AAA_KEY" \
    "$(ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- '(uid=alice)' mipkeyAAAKey)"
check radius-reads-alice-aaa-algorithm hmac-sha1 \
    "$(ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- '(uid=alice)' mipkeyAAAAlgorithm)"
check radius-reads-bob-aaa-key-64-octets 128 \
    "$(ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- '(uid=bob)' mipkeyAAAKey | tr -d '\n' | wc -c)"
check_none radius-heidi-has-no-aaa-sa ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- '(uid=heidi)' mipkeyAAASPI
check radius-heidi-exists-control heidi \
    "$(ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- '(uid=heidi)' uid)"

# 5. mallory found by an RFC 4515-escaped filter, exactly one entry
out=$(ldapsearch -x -LLL -o ldif-wrap=no -l 5 -H "$URI" -b "$PEOPLE" \
      '(uid=m\2allory\28x\29\5cy)' uid 2>&1); rc=$?
n=$(grep -c '^dn::\? ' <<<"$out")
if [[ $rc -eq 0 && $n -eq 1 ]] && grep -qxF 'uid: m*llory(x)\y' <<<"$out"; then
    pass mallory-escaped-filter-one-entry
else
    fail mallory-escaped-filter-one-entry "expected 1 entry with uid m*llory(x)\\y got rc=$rc entries=$n: $out"
fi

# Password change (rlm_mipkey ldap { password_change = yes }): cn=radius may write exactly
# the NT hash, the LM hash and the expiry times; nobody else may write them.
modify() {   # modify [bind options] -- LDIF ; prints ldapmodify's exit status
    local opts=()
    while [[ $1 != -- ]]; do opts+=("$1"); shift; done
    shift
    printf '%s\n' "$1" | ldapmodify -x -o nettimeout=5 -H "$URI" "${opts[@]}" >/dev/null 2>&1
    echo $?
}
GRACE="uid=grace,$PEOPLE"
GRACE_HASH=$(nt_hash graceOld-1)
NEW_HASH=$(nt_hash 'graceNew-2')
# slapd refuses anonymous writes before the ACL (8 strongerAuthRequired); the ACL's "by *"
# clauses give any other bound DN no write access either.
check anon-cannot-write-nthash 8 "$(modify -- "dn: $GRACE
changetype: modify
replace: sambaNTPassword
sambaNTPassword: $NEW_HASH")"
check anon-cannot-write-pwdlastset 8 "$(modify -- "dn: $GRACE
changetype: modify
replace: sambaPwdLastSet
sambaPwdLastSet: 1")"
check radius-cannot-write-acct-flags 50 "$(modify -D "$RADIUS_DN" -w "$RADIUS_PW" -- "dn: $GRACE
changetype: modify
replace: sambaAcctFlags
sambaAcctFlags: [U          ]")"
check radius-cannot-write-cn 50 "$(modify -D "$RADIUS_DN" -w "$RADIUS_PW" -- "dn: $GRACE
changetype: modify
replace: cn
cn: Mallory")"
check radius-cannot-write-aaa-key 50 "$(modify -D "$RADIUS_DN" -w "$RADIUS_PW" -- "dn: uid=alice,$PEOPLE
changetype: modify
replace: mipkeyAAAKey
mipkeyAAAKey: 00")"
check radius-nthash-unchanged-after-refusals "$GRACE_HASH" \
    "$(ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- '(uid=grace)' sambaNTPassword)"
# What the module's change does: one modify, old hash value out, new in, times, LM hash removed.
check radius-writes-password-change 0 "$(modify -D "$RADIUS_DN" -w "$RADIUS_PW" -- "dn: $GRACE
changetype: modify
delete: sambaNTPassword
sambaNTPassword: $GRACE_HASH
-
add: sambaNTPassword
sambaNTPassword: $NEW_HASH
-
replace: sambaPwdLastSet
sambaPwdLastSet: 1700000000
-
replace: sambaPwdMustChange
-
replace: sambaLMPassword
-")"
check radius-wrote-new-nthash "$NEW_HASH" \
    "$(ldap_attr -D "$RADIUS_DN" -w "$RADIUS_PW" -- '(uid=grace)' sambaNTPassword)"
check anon-reads-new-pwdlastset 1700000000 "$(ldap_attr -- '(uid=grace)' sambaPwdLastSet)"
check radius-stale-old-hash-delete-fails-rc16 16 "$(modify -D "$RADIUS_DN" -w "$RADIUS_PW" -- "dn: $GRACE
changetype: modify
delete: sambaNTPassword
sambaNTPassword: $GRACE_HASH
-
add: sambaNTPassword
sambaNTPassword: $NEW_HASH")"

if [[ $FAILED -gt 0 ]]; then
    echo "$FAILED check(s) FAILED"
    exit 1
fi
echo "all checks passed"
exit 0
