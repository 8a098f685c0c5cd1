# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# tests/lib/radiusd.sh - a throw-away FreeRADIUS for tests, configured from the project's
# own raddb/ files, with the module from the build tree.
#
#   radiusd_setup DIR PORT LDAP_PORT SECRET   # DIR/raddb, DIR/certs, DIR/log, DIR/run;
#                                             # site mipkey on PORT, test site mipkey-control on PORT+1,
#                                             # test site mipkey-hoa on PORT+2;
#                                             # test site mipkey-aaa on PORT+3 (instance mipkey_aaa:
#                                             # mobileip aaa_key = ldap);
#                                             # DIR/raddb/dictionary includes dictionary.mipkey;
#                                             # clients 127.0.0.2-7 with mipkey_profile mipkey, mppe,
#                                             # 3gpp2, wimax, cisco, nosuchprofile
#   radiusd_start DIR                         # freeradius -f, waits until Status-Server answers
#   radiusd_stop DIR                          # kill by recorded PID (idempotent)
#
# RADIUSD_ENV: "VAR=value ..." put in freeradius's environment only (tests/lib/sanitize.sh:
# the sanitizer runtime preloaded, its options); RADIUSD_MODULE_DIR: where rlm_mipkey.so is.
#
# Only the values a test must change are rewritten (listen address and port, LDAP URI, pool
# retry delay unless RADIUSD_SHIPPED_POOL=1); everything else is the example configuration an operator gets.

RADIUSD_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RADIUSD_REPO_ROOT=$(cd "$RADIUSD_LIB_DIR/../.." && pwd)
RADIUSD_BIN=${RADIUSD_BIN:-/usr/sbin/freeradius}
# Where the freshly built rlm_mipkey.so is.
RADIUSD_MODULE_DIR=${RADIUSD_MODULE_DIR:-"$RADIUSD_REPO_ROOT/.libs"}

_radiusd_err() { echo "radiusd.sh: $*" >&2; }

# _radiusd_certs DIR : a throw-away CA and server certificate for PEAP.
_radiusd_certs() {
    local d=$1/certs
    mkdir -p "$d" || return 1
    (
        cd "$d" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mipkey test CA" \
            -keyout ca.key -out ca.pem >/dev/null 2>&1 &&
        openssl req -newkey rsa:2048 -nodes -subj "/CN=radius.mipkey.test" \
            -keyout server.key -out server.csr >/dev/null 2>&1 &&
        printf 'extendedKeyUsage = serverAuth\n' >server.ext &&
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile server.ext -out server.pem >/dev/null 2>&1
    ) || { _radiusd_err "cannot make test certificates"; return 1; }
}

# _radiusd_profile_clients SECRET : 127.0.0.2-7, one mipkey_profile each (127.0.0.1 = default_profile).
_radiusd_profile_clients() {
    local secret=$1 n=2 profile
    for profile in mipkey mppe 3gpp2 wimax cisco nosuchprofile; do
        printf 'client profile_%s {\n\tipaddr = 127.0.0.%d\n\tsecret = %s\n\tmipkey_profile = %s\n' \
            "$profile" "$n" "$secret" "$profile"
        # The mppe client also gets Skey, by the per-client override.
        [[ $profile = mppe ]] && printf '\tmipkey_return_skey = yes\n'
        printf '}\n'
        n=$((n + 1))
    done
    # A client whose mobile nodes hash the name exactly as sent (per-client hash_username).
    printf 'client hash_as_sent {\n\tipaddr = 127.0.0.40\n\tsecret = %s\n\tmipkey_hash_username = as_sent\n}\n' "$secret"
}

# _radiusd_hoa_site PORT : User-Name 192.0.2.77 has the password hoaPass.
_radiusd_hoa_site() {
    cat <<EOF
server mipkey-hoa {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $1
	}
	authorize {
		if (User-Name == "192.0.2.77") {
			update control {
				Cleartext-Password := "hoaPass"
			}
		}
		mipkey
	}
	authenticate {
		Auth-Type mipkey {
			mipkey
		}
	}
}
EOF
}

# radiusd_setup DIR PORT LDAP_PORT SECRET
radiusd_setup() {
    local dir=$1 port=$2 ldap_port=$3 secret=$4
    mkdir -p "$dir/raddb/mods-enabled" "$dir/raddb/sites-enabled" "$dir/log" "$dir/run" || return 1
    dir=$(cd "$dir" && pwd)
    [[ -f $RADIUSD_MODULE_DIR/rlm_mipkey.so ]] ||
        { _radiusd_err "$RADIUSD_MODULE_DIR/rlm_mipkey.so not built"; return 1; }

    sed -e "s|@DIR@|$dir|g" -e "s|@LIBDIR@|$RADIUSD_MODULE_DIR|g" -e "s|@SECRET@|$secret|g" \
        "$RADIUSD_REPO_ROOT/tests/raddb/radiusd.conf.in" >"$dir/raddb/radiusd.conf" || return 1
    # The shipped eap instance of the mipkey sites, with the test certificates.
    sed -e "s|^\(\s*private_key_file = \).*|\1\${certdir}/server.key|" \
        -e "s|^\(\s*certificate_file = \).*|\1\${certdir}/server.pem|" \
        -e "s|^\(\s*ca_file = \).*|\1\${certdir}/ca.pem|" \
        "$RADIUSD_REPO_ROOT/raddb/mods-available/mipkey_eap" >"$dir/raddb/mods-enabled/mipkey_eap" || return 1
    grep -q 'certificate_file = ${certdir}/server.pem' "$dir/raddb/mods-enabled/mipkey_eap" ||
        { _radiusd_err "could not point mods-available/mipkey_eap at the test certificates"; return 1; }
    # RADIUSD_SHIPPED_POOL=1 keeps the shipped pool settings (tests/faults.sh measures them).
    local retry='s|^\(\s*retry_delay = \).*|\11|'
    [[ ${RADIUSD_SHIPPED_POOL:-0} = 1 ]] && retry='s|^$||'
    sed -e "s|^\(\s*server = \)\"ldap://127.0.0.1:389\"|\1\"ldap://127.0.0.1:$ldap_port\"|" \
        -e "$retry" \
        -e "s|^\(\s*password_change = \)no|\1yes|" \
        "$RADIUSD_REPO_ROOT/raddb/mods-available/mipkey" >"$dir/raddb/mods-enabled/mipkey" || return 1
    grep -q "ldap://127.0.0.1:$ldap_port" "$dir/raddb/mods-enabled/mipkey" ||
        { _radiusd_err "could not point mods-available/mipkey at the test LDAP"; return 1; }
    sed -e "s|^\(\s*ipaddr = \)\*|\1127.0.0.1|" -e "s|^\(\s*port = \)1645|\1$port|" \
        "$RADIUSD_REPO_ROOT/raddb/sites-available/mipkey" >"$dir/raddb/sites-enabled/mipkey" || return 1
    grep -q "port = $port" "$dir/raddb/sites-enabled/mipkey" ||
        { _radiusd_err "could not set the listen port"; return 1; }
    cp "$RADIUSD_REPO_ROOT/raddb/sites-available/mipkey-inner-tunnel" "$dir/raddb/sites-enabled/" || return 1
    cp "$RADIUSD_REPO_ROOT/tests/raddb/mod-stripped.in" "$dir/raddb/mods-enabled/mipkey_stripped" || return 1
    # A test-only site one port up, where the control list carries the key material.
    sed -e "s|@PORT@|$((port + 1))|" "$RADIUSD_REPO_ROOT/tests/raddb/site-control.in" \
        >"$dir/raddb/sites-enabled/mipkey-control" || return 1
    # The project's dictionary (Mipkey-*), as an operator includes it.
    printf '$INCLUDE %s/raddb/dictionary.mipkey\n' "$RADIUSD_REPO_ROOT" >"$dir/raddb/dictionary" || return 1
    # Mobile IP reply profiles, one test client each. All test traffic is on loopback: a test
    # picks a profile by the source address radclient binds to (Packet-Src-IP-Address).
    _radiusd_profile_clients "$secret" >>"$dir/raddb/radiusd.conf" || return 1
    # Test-only site two ports up: a mobile node known only by its home address (User-Name is
    # the dotted address), with its password in the control list.
    _radiusd_hoa_site "$((port + 2))" >"$dir/raddb/sites-enabled/mipkey-hoa" || return 1
    # Test-only instance and site three ports up: the AAA key from the user's AAA security
    # association in LDAP (mobileip { aaa_key = ldap }).
    sed -e "s|@LDAP_PORT@|$ldap_port|" "$RADIUSD_REPO_ROOT/tests/raddb/mod-aaa.in" \
        >"$dir/raddb/mods-enabled/mipkey_aaa" || return 1
    sed -e "s|@PORT@|$((port + 3))|" "$RADIUSD_REPO_ROOT/tests/raddb/site-aaa.in" \
        >"$dir/raddb/sites-enabled/mipkey-aaa" || return 1
    # Test-only EAP-MSCHAPv2 site four ports up (send_error = yes: password change over EAP).
    cp "$RADIUSD_REPO_ROOT/tests/raddb/mod-eap-cpw.in" "$dir/raddb/mods-enabled/eap_cpw" || return 1
    sed -e "s|@PORT@|$((port + 4))|" "$RADIUSD_REPO_ROOT/tests/raddb/site-eap-cpw.in" \
        >"$dir/raddb/sites-enabled/mipkey-eap-cpw" || return 1
    _radiusd_certs "$dir" || return 1
    echo "$port" >"$dir/run/port"
    echo "$secret" >"$dir/run/secret"
}

# radiusd_start DIR
radiusd_start() {
    local dir port secret pid i
    dir=$(cd "$1" && pwd) || return 1
    port=$(cat "$dir/run/port") secret=$(cat "$dir/run/secret")
    # shellcheck disable=SC2086
    if ! env ${RADIUSD_ENV:-} "$RADIUSD_BIN" -C -d "$dir/raddb" >"$dir/log/check.log" 2>&1; then
        _radiusd_err "configuration check failed:"; tail -20 "$dir/log/check.log" >&2; return 1
    fi
    # shellcheck disable=SC2086
    env ${RADIUSD_ENV:-} "$RADIUSD_BIN" -f -d "$dir/raddb" -l "$dir/log/radius.log" </dev/null >>"$dir/log/stdout.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/run/bgpid"
    RADIUSD_PID=$pid
    for i in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            _radiusd_err "freeradius exited at start-up:"; tail -20 "$dir/log/radius.log" >&2; return 1
        fi
        if echo 'Message-Authenticator = 0x00' |
            radclient -q -r 1 -t 0.2 "127.0.0.1:$port" status "$secret" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    _radiusd_err "freeradius did not answer on 127.0.0.1:$port"; radiusd_stop "$dir"; return 1
}

# radiusd_stop DIR
radiusd_stop() {
    local dir=$1 pid i
    pid=$(cat "$dir/run/bgpid" 2>/dev/null) || return 0
    [[ -n $pid ]] || return 0
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$dir/raddb"; then
        kill "$pid" 2>/dev/null
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    rm -f "$dir/run/bgpid"
    return 0
}
