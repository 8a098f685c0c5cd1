# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# bench/lib/server.sh - the FreeRADIUS the benchmarks run: one process, two virtual servers
# fed by the same rlm_files users file, so A and B see the same users and the same core:
#   port P     bench-mipkey: files, then rlm_mipkey (backend = none: k from control:NT-Password)
#   port P+1   bench-stock:  files, then Debian's stock rlm_mschap
#   port P+6   bench-accept:       files, Auth-Type Accept, no reply attribute (the core's own
#                                  cost, no authentication module: bench/run's mem-accept)
# With BENCH_STATIC_PLAIN / BENCH_STATIC_MIP (files of "Attr := value" lines: what rlm_mipkey
# answered), the limit's sites (no authentication module at all, for bench/callgrind.sh):
#   port P+4   bench-static-plain: files, Auth-Type Accept, that reply given statically
#   port P+5   bench-static-mip:   the same with the Mobile IP reply
# With LDAP (bench_server_setup ... LDAP_PORT):
#   port P+2   bench-mipkey-ldap: rlm_mipkey, backend = ldap (one search per request)
#   port P+7   bench-mipkey-ldap-lean: the same asking slapd only what stock rlm_ldap asks
#                                 (filter (uid=%u), the NT hash alone)
#   port P+3   bench-stock-ldap:  stock rlm_ldap (freeradius-ldap) + rlm_mschap, rlm_pap to turn
#                                 the hex sambaNTPassword into NT-Password (as Debian's default site)
#
#   bench_server_setup DIR PORT SECRET USERS_FILE [LDAP_PORT LDAP_BASE LDAP_BINDDN LDAP_PW]
#   bench_server_start DIR [PREFIX...]     # e.g. valgrind --tool=callgrind ...; waits for Status-Server
#   bench_server_stop DIR
# BENCH_MODULE_DIR: where rlm_mipkey.so is (default: the build tree's .libs).
# BENCH_THREADS: "-s" runs freeradius single-threaded (callgrind), else the thread pool.
# BENCH_RECV_BUFF: every listener's recv_buff (default 4194304, as the shipped site): with the
# kernel's default buffer, the open-loop runs' timeouts were datagrams the kernel dropped while
# freeradius stalled (UDP RcvbufErrors counted them one for one), for every pipeline alike.
# Both LDAP pipelines get the same connection pool: a connection per thread (32), all opened at
# start, so that no request is refused for want of a connection (with fewer connections than
# requests in flight both modules refuse the excess at once: "pool exhausted").

BENCH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_REPO=$(cd "$BENCH_LIB_DIR/../.." && pwd)
BENCH_MODULE_DIR=${BENCH_MODULE_DIR:-"$BENCH_REPO/.libs"}

bench_server_setup() {
	local dir=$1 port=$2 secret=$3 users=$4 ldap_port=${5:-} base=${6:-} binddn=${7:-} bindpw=${8:-}
	local RECV_BUFF=${BENCH_RECV_BUFF:-4194304}	# _bench_static_site, called from here, reads it too
	mkdir -p "$dir/raddb/mods-config" "$dir/log" "$dir/run" || return 1
	dir=$(cd "$dir" && pwd)
	[ -f "$BENCH_MODULE_DIR/rlm_mipkey.so" ] || { echo "bench: $BENCH_MODULE_DIR/rlm_mipkey.so not built" >&2; return 1; }
	cp "$users" "$dir/raddb/mods-config/users" || return 1
	cat >"$dir/raddb/radiusd.conf" <<CONF
prefix = /usr
exec_prefix = /usr
localstatedir = $dir
logdir = $dir/log
raddbdir = $dir/raddb
confdir = \${raddbdir}
run_dir = $dir/run
db_dir = $dir
name = mipkey-bench
libdir = $BENCH_MODULE_DIR:/usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
max_request_time = 30
cleanup_delay = 0
max_requests = 262144
hostname_lookups = no
log {
	destination = files
	file = \${logdir}/radius.log
	auth = no
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = yes
}
proxy_requests = no
client localhost {
	ipaddr = 127.0.0.1
	secret = $secret
	require_message_authenticator = no
}
thread pool {
	start_servers = 16
	max_servers = 32
	min_spare_servers = 4
	max_spare_servers = 32
	max_requests_per_server = 0
}
modules {
	files bench_files {
		filename = \${confdir}/mods-config/users
	}
	mipkey {
		backend = none
		mobileip {
			dictionary = $BENCH_REPO/raddb/dictionary.mipkey
			# One request repeated (callgrind) would be a replay; mipkey-bench sends fresh ones.
			replay_cache {
				store = ${BENCH_REPLAY_STORE:-none}
			}
		}
	}
	mschap {
		use_mppe = yes
		require_encryption = no
		require_strong = no
	}
CONF
	if [ -n "$ldap_port" ]; then
		cat >>"$dir/raddb/radiusd.conf" <<CONF
	mipkey mipkey_ldap {
		backend = ldap
		ldap {
			server = "ldap://127.0.0.1:$ldap_port"
			base_dn = "$base"
			identity = "$binddn"
			password = "$bindpw"
			pool {
				start = 32
				min = 32
				max = 32
				spare = 0
			}
		}
	}
	# What the stock pipeline asks slapd: (uid=...) and the hash alone. Not a configuration to
	# deploy (no objectClass, account-flag or expiry check): it measures what those cost.
	mipkey mipkey_ldap_lean {
		backend = ldap
		ldap {
			server = "ldap://127.0.0.1:$ldap_port"
			base_dn = "$base"
			identity = "$binddn"
			password = "$bindpw"
			filter = "(uid=%u)"
			acct_flags_attribute = ""
			pwd_must_change_attribute = ""
			pwd_last_set_attribute = ""
			pool {
				start = 32
				min = 32
				max = 32
				spare = 0
			}
		}
	}
	pap {
		normalise = yes
	}
	ldap {
		server = "127.0.0.1"
		port = $ldap_port
		identity = "$binddn"
		password = "$bindpw"
		base_dn = "$base"
		update {
			control:NT-Password := 'sambaNTPassword'
		}
		user {
			base_dn = "\${..base_dn}"
			filter = "(uid=%{%{Stripped-User-Name}:-%{User-Name}})"
		}
		pool {
			start = 32
			min = 32
			max = 32
			spare = 0
			uses = 0
			retry_delay = 1
			lifetime = 0
			idle_timeout = 0
		}
		options {
			chase_referrals = no
			rebind = no
			res_timeout = 5
			srv_timelimit = 3
			net_timeout = 1
		}
	}
CONF
	fi
	cat >>"$dir/raddb/radiusd.conf" <<CONF
}
server bench-mipkey {
	listen {
		type = auth
		recv_buff = $RECV_BUFF
		ipaddr = 127.0.0.1
		port = $port
	}
	authorize {
		bench_files
		mipkey
	}
	authenticate {
		Auth-Type mipkey {
			mipkey
		}
	}
}
server bench-stock {
	listen {
		type = auth
		recv_buff = $RECV_BUFF
		ipaddr = 127.0.0.1
		port = $((port + 1))
	}
	authorize {
		bench_files
		mschap
	}
	authenticate {
		Auth-Type MS-CHAP {
			mschap
		}
	}
}
CONF
	if [ -n "${BENCH_STATIC_PLAIN:-}" ]; then
		_bench_static_site bench-static-plain $((port + 4)) "$BENCH_STATIC_PLAIN" >>"$dir/raddb/radiusd.conf"
		_bench_static_site bench-static-mip $((port + 5)) "$BENCH_STATIC_MIP" >>"$dir/raddb/radiusd.conf"
	fi
	_bench_static_site bench-accept $((port + 6)) /dev/null >>"$dir/raddb/radiusd.conf"
	if [ -n "$ldap_port" ]; then
		cat >>"$dir/raddb/radiusd.conf" <<CONF
server bench-mipkey-ldap {
	listen {
		type = auth
		recv_buff = $RECV_BUFF
		ipaddr = 127.0.0.1
		port = $((port + 2))
	}
	authorize {
		mipkey_ldap
	}
	authenticate {
		Auth-Type mipkey_ldap {
			mipkey_ldap
		}
	}
}
server bench-mipkey-ldap-lean {
	listen {
		type = auth
		recv_buff = $RECV_BUFF
		ipaddr = 127.0.0.1
		port = $((port + 7))
	}
	authorize {
		mipkey_ldap_lean
	}
	authenticate {
		Auth-Type mipkey_ldap_lean {
			mipkey_ldap_lean
		}
	}
}
server bench-stock-ldap {
	listen {
		type = auth
		recv_buff = $RECV_BUFF
		ipaddr = 127.0.0.1
		port = $((port + 3))
	}
	authorize {
		ldap
		mschap
		pap
	}
	authenticate {
		Auth-Type MS-CHAP {
			mschap
		}
	}
}
CONF
	fi
	echo "$port" >"$dir/run/port"
	echo "$secret" >"$dir/run/secret"
}

# _bench_static_site NAME PORT REPLY_FILE: accepts every user of the users file with that reply.
_bench_static_site() {
	printf 'server %s {\n\tlisten {\n\t\ttype = auth\n\t\trecv_buff = %s\n\t\tipaddr = 127.0.0.1\n\t\tport = %s\n\t}\n' "$1" "$RECV_BUFF" "$2"
	printf '\tauthorize {\n\t\tbench_files\n\t\tupdate control {\n\t\t\t&Auth-Type := Accept\n\t\t}\n'
	if [ -s "$3" ]; then
		printf '\t\tupdate reply {\n'
		sed 's/^/\t\t\t\&/' "$3"
		printf '\t\t}\n'
	fi
	printf '\t}\n}\n'
}

# bench_server_start DIR [PREFIX...]: freeradius -f (with BENCH_THREADS=-s: single-threaded)
bench_server_start() {
	local dir=$1 port secret i pid
	shift
	port=$(cat "$dir/run/port") secret=$(cat "$dir/run/secret")
	/usr/sbin/freeradius -C -d "$dir/raddb" >"$dir/log/check.log" 2>&1 ||
		{ echo "bench: configuration check failed" >&2; tail -20 "$dir/log/check.log" >&2; return 1; }
	# shellcheck disable=SC2086
	"$@" /usr/sbin/freeradius -f ${BENCH_THREADS:-} -d "$dir/raddb" -l "$dir/log/radius.log" \
		</dev/null >>"$dir/log/stdout.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/run/bgpid"
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || { echo "bench: freeradius exited" >&2; tail -20 "$dir/log/radius.log" >&2; return 1; }
		echo 'Message-Authenticator = 0x00' | radclient -q -r 1 -t 1 "127.0.0.1:$port" status "$secret" \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "bench: freeradius did not answer on 127.0.0.1:$port" >&2
	bench_server_stop "$dir"
	return 1
}

# The PID of freeradius itself (under valgrind the started process is valgrind's, same PID).
bench_server_pid() { cat "$1/run/bgpid" 2>/dev/null; }

bench_server_stop() {
	local dir=$1 pid i
	pid=$(cat "$dir/run/bgpid" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$dir/run/bgpid"
	return 0
}
