/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * replay_cache.h - the pure part of the replay cache: cache keys, the claim a request leaves
 * behind, the verdict on a key already present, and the in-process ("local") store.
 *
 * Pure: libc, pthreads and OpenSSL only, no FreeRADIUS (tests/unit/test_replay.c). The
 * Redis store is replay_redis.[ch]; the glue that reads the configuration and the request
 * is replay.c.
 *
 * What is remembered, for every request that is about to get Mobile IP key material:
 *  - the MS-CHAPv2 tuple (authenticated name, MS-CHAP-Challenge, NT-Response);
 *  - with a Registration Request, its identifier and Identification (NAI if it has one,
 *    else its home address).
 * A key is HMAC-SHA256(secret, label || length-prefixed fields), the first 16 octets: the
 * store (Redis, shared by several servers) never holds a name, challenge or response in
 * clear, and without the secret a key cannot be tied to a user.
 *
 * The value stored under a key is the claim of the request that got there first:
 * HMAC-SHA256(secret, "claim" || RADIUS Request Authenticator), 16 octets, then the 8-octet
 * id of the server that stored it (random per server start). A key already present means a
 * repeated request, with one exception: the same claim from another server. That is the
 * home agent failing over: it sends the same Access-Request (same Request Authenticator, as
 * FreeRADIUS's own proxy does when it fails over) to the next server because the first one
 * did not answer - possibly after the first one stored the key and then died. Refusing that
 * would be a reject for a right password. A mobile node's Registration Request replayed to
 * a home agent always comes in a new Access-Request, with a new Request Authenticator.
 */
#ifndef MIPKEY_REPLAY_CACHE_H
#define MIPKEY_REPLAY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPLAY_KEY_LEN		16
#define REPLAY_CLAIM_LEN	16
#define REPLAY_SERVER_ID_LEN	8
#define REPLAY_VALUE_LEN	(REPLAY_CLAIM_LEN + REPLAY_SERVER_ID_LEN)
#define REPLAY_AUTHENTICATOR_LEN 16
#define REPLAY_SECRET_MAX	256

/** Key of the MS-CHAPv2 tuple. Returns 0, or -1 (OpenSSL error). */
int replay_key_mschapv2(uint8_t const *secret, size_t secret_len, char const *name, size_t name_len,
			uint8_t const challenge[16], uint8_t const nt_response[24], uint8_t out[REPLAY_KEY_LEN]);

/**
 * Key of a Registration Request: its NAI (nai != NULL) or else its home address, and its
 * 64-bit Identification. Returns 0, or -1.
 */
int replay_key_rrq(uint8_t const *secret, size_t secret_len, uint8_t const *nai, size_t nai_len,
		   uint8_t const home_address[4], uint64_t identification, uint8_t out[REPLAY_KEY_LEN]);

/** The value a request stores: its claim (from the Request Authenticator) and the server id. */
int replay_value(uint8_t const *secret, size_t secret_len, uint8_t const authenticator[REPLAY_AUTHENTICATOR_LEN],
		 uint8_t const server_id[REPLAY_SERVER_ID_LEN], uint8_t out[REPLAY_VALUE_LEN]);

typedef enum {
	REPLAY_NEW = 0,		//!< the key was not there (now it is): first use
	REPLAY_FAILOVER,	//!< same claim stored by another server: the home agent failing over
	REPLAY_REPEATED		//!< anything else: a replay
} replay_verdict_t;

/**
 * The verdict for a request whose value is mine, given what the store had under the key
 * (stored NULL: nothing, the store took mine). A stored value of the wrong length is a
 * repeat: refusing is the safe side.
 */
replay_verdict_t replay_judge(uint8_t const mine[REPLAY_VALUE_LEN], uint8_t const *stored, size_t stored_len);

char const *replay_verdict_name(replay_verdict_t v);

/* --- the local store: one table per module instance, shared by the server's threads --------- */

typedef struct replay_local replay_local_t;

/** A table for at most max_entries live keys (allocated up front). NULL: out of memory. */
replay_local_t *replay_local_alloc(size_t max_entries);
void replay_local_free(replay_local_t *t);

/**
 * SET key value NX with a time to live, like Redis: if key is absent (or expired at now_ms)
 * stores value until now_ms + ttl_ms and returns 1; if it is present copies its value into
 * stored and returns 0; -1 if the table is full of live keys (nothing stored). Entries all
 * have the same ttl in practice (one retention per instance), so they expire in the order
 * they were stored: the table is a ring, oldest first.
 */
int replay_local_set_nx(replay_local_t *t, uint8_t const key[REPLAY_KEY_LEN], uint8_t const value[REPLAY_VALUE_LEN],
			uint64_t now_ms, uint64_t ttl_ms, uint8_t stored[REPLAY_VALUE_LEN]);

/** Live entries at now_ms (tests, statistics). */
size_t replay_local_count(replay_local_t *t, uint64_t now_ms);

/** Milliseconds of CLOCK_MONOTONIC. */
uint64_t replay_now_ms(void);

#endif
