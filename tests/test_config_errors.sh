#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/test_config_errors.sh - configuration errors stop FreeRADIUS at start-up with a message
# naming the option (freeradius -XC on the test configuration, one mistake at a time).
# Starts no server and opens no port. One PASS/FAIL line per check.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/radiusd.sh
source "$HERE/lib/radiusd.sh"
# shellcheck source=lib/check.sh
source "$HERE/lib/check.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mipkey-config.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

# One configuration, copied for every case (ports are never opened by -C).
radiusd_setup "$WORK/base" 38999 38998 config-test-secret >/dev/null || { fail setup "radiusd_setup"; exit 1; }
MOD=raddb/mods-enabled/mipkey

# case NAME EXPECTED-MESSAGE SED-SCRIPT [FILE] : applies the edit to a fresh copy, expects
# freeradius -XC to fail and to print the message.
case_err() {
    local name=$1 want=$2 script=$3 file=${4:-$MOD} dir="$WORK/$1" out rc
    cp -a "$WORK/base" "$dir"
    # radiusd.conf names its own directory: point it at the copy.
    sed -i "s|$WORK/base|$dir|g" "$dir/raddb/radiusd.conf"
    sed -i -e "$script" "$dir/$file"
    out=$(freeradius -XC -d "$dir/raddb" 2>&1); rc=$?
    if [[ $rc -eq 0 ]]; then
        fail "$name" "expected freeradius -XC to fail got exit status 0"
    elif ! grep -qF -- "$want" <<<"$out"; then
        fail "$name" "expected the message '$want' got: $(tail -3 <<<"$out")"
    else
        pass "$name"
    fi
}

out=$(freeradius -XC -d "$WORK/base/raddb" 2>&1)
check "control: the test configuration itself is valid" 0 "$?"

case_err base-dn-missing 'Configuration item "base_dn" must have a value' '/^\s*base_dn = /d'
case_err base-dn-empty '"base_dn" must not be empty' 's/^\(\s*base_dn = \).*/\1""/'
case_err base-dn-not-a-dn 'Invalid base_dn "ou=people,,=x": not an LDAP DN' \
    's/^\(\s*base_dn = \).*/\1"ou=people,,=x"/'
case_err server-empty '"server" must not be empty' 's/^\(\s*server = \).*/\1""/'
case_err hash-username-unknown 'Invalid hash_username "either": use auto, rfc2759, stripped or as_sent' \
    's/^\(\s*hash_username = \).*/\1either/'
case_err client-hash-username-unknown \
    'client hash_as_sent: invalid mipkey_hash_username "whole": use auto, rfc2759, stripped or as_sent' \
    's/mipkey_hash_username = as_sent/mipkey_hash_username = whole/' raddb/radiusd.conf
case_err backend-unknown 'Unknown backend "sql": use ldap, winbind, ntlm_auth or none' \
    's/^\(\s*backend = \).*/\1sql/'
case_err default-profile-unknown 'Unknown default_profile "juniper"' \
    's/^\(\s*default_profile = \).*/\1juniper/'
case_err filter-template-bad 'Invalid filter' 's/^\(\s*filter = \).*/\1"(uid=%x)"/'

[[ $FAILED -eq 0 ]]
