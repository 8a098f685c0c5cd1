#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/test_replay.sh - the replay cache with several servers: a throw-away slapd, two
# FreeRADIUS (A and B) with the module from the build tree, and one redis-server, all on
# loopback in a private directory; tests/test_replay.py sends the traffic, kills and restarts
# servers, and prints PASS/FAIL lines. Everything started here is stopped by PID on exit.
#
# Ports (environment): REPLAY_PORT_A (38940), REPLAY_PORT_B (38941), REPLAY_LDAP_PORT (38942),
# REPLAY_REDIS_PORT (38943), REPLAY_PORT_DROP (38944: a relay to A that drops its answers),
# REPLAY_REPLICA_PORT (38945) and REPLAY_SENTINEL_PORT (38946): a Redis replica and a Sentinel.
# KEEP_WORK=1 keeps the work directory (logs). REPLAY_ONLY=failover,outage,cost: only those
# phases after the local and redis ones.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1

export REPLAY_PORT_A=${REPLAY_PORT_A:-38940}
export REPLAY_PORT_B=${REPLAY_PORT_B:-38941}
export REPLAY_LDAP_PORT=${REPLAY_LDAP_PORT:-38942}
export REPLAY_REDIS_PORT=${REPLAY_REDIS_PORT:-38943}
export REPLAY_PORT_DROP=${REPLAY_PORT_DROP:-38944}
export REPLAY_REPLICA_PORT=${REPLAY_REPLICA_PORT:-38945}
export REPLAY_SENTINEL_PORT=${REPLAY_SENTINEL_PORT:-38946}
export REPLAY_SECRET=${REPLAY_SECRET:-replay-test-secret}

WORK=$(mktemp -d /tmp/mipkey-replay.XXXXXX)
export REPLAY_WORK=$WORK
# shellcheck source=lib/slapd.sh
source tests/lib/slapd.sh
# shellcheck source=lib/radiusd.sh
source tests/lib/radiusd.sh

# Every redis-server the script started (primary, replica, Sentinel) wrote WORK/redis/NAME.pid.
stop_redis() {
	local f pid
	for f in "$WORK"/redis/*.pid; do
		pid=$(cat "$f" 2>/dev/null) || continue
		if [[ -n $pid && -e /proc/$pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "redis"; then
			kill -9 "$pid" 2>/dev/null
		fi
	done
}

cleanup() {
	radiusd_stop "$WORK/a" >/dev/null 2>&1
	radiusd_stop "$WORK/b" >/dev/null 2>&1
	stop_redis
	slapd_stop "$WORK/slapd" >/dev/null 2>&1
	if [[ ${KEEP_WORK:-0} = 1 ]]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v redis-server >/dev/null || { echo "FAIL redis-server not installed (tools/install-test-deps)"; exit 1; }

# setup_server DIR PORT: the test configuration of tests/lib/radiusd.sh with only the site
# mipkey (on PORT) kept: the other test sites would take PORT+1..PORT+4.
setup_server() {
	local dir=$1 port=$2
	radiusd_setup "$dir" "$port" "$REPLAY_LDAP_PORT" "$REPLAY_SECRET" || return 1
	rm -f "$dir"/raddb/sites-enabled/mipkey-{control,hoa,aaa,eap-cpw} "$dir/raddb/mods-enabled/eap_cpw"
	cp "$dir/raddb/mods-enabled/mipkey" "$dir/run/mipkey.shipped"
}

if ! slapd_setup "$WORK/slapd" || ! slapd_start "$WORK/slapd" "$REPLAY_LDAP_PORT"; then
	echo "FAIL start slapd"; exit 1
fi
if ! setup_server "$WORK/a" "$REPLAY_PORT_A" || ! setup_server "$WORK/b" "$REPLAY_PORT_B"; then
	echo "FAIL set up the two freeradius"; exit 1
fi
/usr/bin/python3 ${REPLAY_SCRIPT:-tests/test_replay.py}
