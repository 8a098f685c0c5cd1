/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * replay_redis.h - the replay cache in Redis, shared by several FreeRADIUS servers.
 *
 * No FreeRADIUS dependency: hiredis, pthreads, libc. A small pool of connections (one per
 * request in flight, reused: in practice one per worker thread). One round trip per request:
 * the SETs of its keys are pipelined, each "SET <prefix><hex key> <value> NX GET PX <ttl>"
 * (Redis 7: NX and GET together), which stores the value if the key is absent and returns
 * what was there.
 *
 * When Redis cannot be reached: every connection of the pool is dropped (they went through
 * the same outage), and for retry_ms after a failed connect no request tries again (they fail
 * at once), so an outage costs one connect attempt per retry_ms, not one per request, and
 * the first request after retry_ms that finds Redis back recovers the store.
 *
 * With Sentinels, every new connection asks them (in the order given, the first that answers)
 * where the primary of master_name is, and checks with ROLE that it is a primary: after a
 * Sentinel failover the next connection goes to the promoted replica. A write refused by a
 * demoted primary (READONLY) drops the pool like any error.
 */
#ifndef MIPKEY_REPLAY_REDIS_H
#define MIPKEY_REPLAY_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay_cache.h"

typedef struct {
	char const	*host;
	uint16_t	port;
	char const	*password;	//!< NULL or "": no AUTH
	uint32_t	database;	//!< SELECT if not 0
	uint32_t	timeout_ms;	//!< connect and each round trip
	uint32_t	retry_ms;	//!< no new connect attempt sooner after a failed one
	char const	*prefix;	//!< prepended to every key
	char const	*sentinels;	//!< NULL or "": host/port above; else "host:port ..." of
					//!< Redis Sentinels, asked for the primary of master_name
	char const	*master_name;
} replay_redis_conf_t;

typedef struct replay_redis replay_redis_t;

/** What one key's SET found. */
typedef struct {
	bool	present;			//!< the key was there: stored is its value
	uint8_t	stored[REPLAY_VALUE_LEN];
	size_t	stored_len;			//!< its real length (may exceed REPLAY_VALUE_LEN)
} replay_redis_result_t;

/** Copies the configuration; connects lazily. NULL: out of memory. */
replay_redis_t *replay_redis_alloc(replay_redis_conf_t const *conf);
void replay_redis_free(replay_redis_t *r);

#define REPLAY_REDIS_MAX_KEYS	4
#define REPLAY_PREFIX_MAX	64	//!< longest key prefix

/**
 * SET NX GET PX ttl_ms of n keys (1..REPLAY_REDIS_MAX_KEYS) to value, in one round trip.
 * Returns 0 (res[i] filled), or -1 if the store could not be reached or answered an error
 * (err says why; nothing is known about which keys were stored).
 */
int replay_redis_set_nx(replay_redis_t *r, uint8_t const keys[][REPLAY_KEY_LEN], int n,
			uint8_t const value[REPLAY_VALUE_LEN], uint64_t ttl_ms, replay_redis_result_t *res,
			char *err, size_t err_len);

#endif
