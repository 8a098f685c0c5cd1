/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * replay.c - the replay cache of Mobile IP key requests, FreeRADIUS side (replay.h):
 * configuration, the tuples of a request, the store (local or Redis), and the outage log.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <freeradius/modules.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include "replay.h"
#include "replay_cache.h"
#include "replay_redis.h"
#include "mip_ext.h"

#define RETENTION_MAX		(7 * 86400)
#define RETENTION_NO_CLOCK	3600	/* replay_method = nonces or replay_window = 0 */
#define SECRET_MIN		16

typedef enum { STORE_NONE = 0, STORE_LOCAL, STORE_REDIS } store_kind_t;

struct replay {
	/* configuration */
	char const		*store_name;
	uint32_t		retention;
	char const		*on_unavailable;
	char const		*secret;
	uint32_t		max_entries;
	char const		*redis_server;
	uint32_t		redis_port;
	char const		*redis_password;
	uint32_t		redis_database;
	uint32_t		redis_timeout;
	uint32_t		redis_retry;
	char const		*redis_prefix;
	char const		*redis_sentinels;
	char const		*redis_master_name;

	store_kind_t		kind;
	bool			accept_when_unavailable;
	uint8_t			key[REPLAY_SECRET_MAX];
	size_t			key_len;
	uint8_t			server_id[REPLAY_SERVER_ID_LEN];
	replay_local_t		*local;
	replay_redis_t		*redis;
	char const		*log_prefix;

	/* The outage log: one line when the store goes away, one when it is back. */
	pthread_mutex_t		mutex;
	bool			mutex_ok;
	bool volatile		down;
	time_t			down_since;
	uint64_t		down_requests;
};

static const CONF_PARSER redis_config[] = {
	{ "server", FR_CONF_OFFSET(PW_TYPE_STRING, replay_t, redis_server), "127.0.0.1" },
	{ "port", FR_CONF_OFFSET(PW_TYPE_INTEGER, replay_t, redis_port), "6379" },
	{ "password", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_SECRET, replay_t, redis_password), "" },
	{ "database", FR_CONF_OFFSET(PW_TYPE_INTEGER, replay_t, redis_database), "0" },
	{ "timeout", FR_CONF_OFFSET(PW_TYPE_INTEGER, replay_t, redis_timeout), "300" },
	{ "retry_interval", FR_CONF_OFFSET(PW_TYPE_INTEGER, replay_t, redis_retry), "250" },
	{ "prefix", FR_CONF_OFFSET(PW_TYPE_STRING, replay_t, redis_prefix), "mipkey:replay:" },
	{ "sentinels", FR_CONF_OFFSET(PW_TYPE_STRING, replay_t, redis_sentinels), "" },
	{ "master_name", FR_CONF_OFFSET(PW_TYPE_STRING, replay_t, redis_master_name), "mipkey" },
	CONF_PARSER_TERMINATOR
};

static const CONF_PARSER replay_config[] = {
	{ "store", FR_CONF_OFFSET(PW_TYPE_STRING, replay_t, store_name), "local" },
	{ "retention", FR_CONF_OFFSET(PW_TYPE_INTEGER, replay_t, retention), "0" },
	{ "on_unavailable", FR_CONF_OFFSET(PW_TYPE_STRING, replay_t, on_unavailable), "fail" },
	{ "secret", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_SECRET, replay_t, secret), "" },
	{ "max_entries", FR_CONF_OFFSET(PW_TYPE_INTEGER, replay_t, max_entries), "65536" },
	{ "redis", FR_CONF_POINTER(PW_TYPE_SUBSECTION, NULL), (void const *) redis_config },
	CONF_PARSER_TERMINATOR
};

static int replay_free(replay_t *rc)
{
	replay_local_free(rc->local);
	replay_redis_free(rc->redis);
	if (rc->mutex_ok) pthread_mutex_destroy(&rc->mutex);
	OPENSSL_cleanse(rc->key, sizeof(rc->key));
	return 0;
}

int replay_instantiate(TALLOC_CTX *ctx, CONF_SECTION *cs, uint32_t replay_window, char const *log_prefix,
		       replay_t **out)
{
	replay_t	*rc;
	CONF_SECTION	*sub;
	uint32_t	minimum = replay_window ? 2 * replay_window + 1 : 0;

	*out = NULL;
	sub = cf_section_sub_find(cs, "replay_cache");
	if (!sub) {
		sub = cf_section_alloc(cs, "replay_cache", NULL);
		if (!sub) return -1;
		cf_section_add(cs, sub);
	}
	rc = talloc_zero(ctx, replay_t);
	if (!rc) return -1;
	talloc_set_destructor(rc, replay_free);
	rc->log_prefix = log_prefix;
	if (cf_section_parse(sub, rc, replay_config) < 0) return -1;

	if (strcmp(rc->store_name, "local") == 0) {
		rc->kind = STORE_LOCAL;
	} else if (strcmp(rc->store_name, "redis") == 0) {
		rc->kind = STORE_REDIS;
	} else if (strcmp(rc->store_name, "none") == 0) {
		rc->kind = STORE_NONE;
		WARN("%s: replay_cache { store = none }: a replayed key request gets fresh keys%s", log_prefix,
		     replay_window ? " within replay_window" : ", at any time (no timestamp check either)");
		*out = rc;
		return 0;
	} else {
		cf_log_err_cs(sub, "Invalid store \"%s\": use local, redis or none", rc->store_name);
		return -1;
	}
	if (strcmp(rc->on_unavailable, "fail") == 0) {
		rc->accept_when_unavailable = false;
	} else if (strcmp(rc->on_unavailable, "accept") == 0) {
		rc->accept_when_unavailable = true;
	} else {
		cf_log_err_cs(sub, "Invalid on_unavailable \"%s\": use fail or accept", rc->on_unavailable);
		return -1;
	}

	/* A repeat is caught while the key is kept: the whole span the timestamp check lets a
	 * request in (replay_window either side of the server's clock). */
	if (rc->retention == 0) rc->retention = replay_window ? minimum + 1 : RETENTION_NO_CLOCK;
	if (rc->retention < minimum || rc->retention > RETENTION_MAX) {
		cf_log_err_cs(sub, "retention %u: must be from %u (2 x replay_window + 1) to %u seconds", rc->retention,
			      minimum, RETENTION_MAX);
		return -1;
	}

	if (rc->secret[0]) {
		rc->key_len = strlen(rc->secret);
		if (rc->key_len < SECRET_MIN || rc->key_len > sizeof(rc->key)) {
			cf_log_err_cs(sub, "secret: %d to %zu characters", SECRET_MIN, sizeof(rc->key));
			return -1;
		}
		memcpy(rc->key, rc->secret, rc->key_len);
	} else if (rc->kind == STORE_REDIS) {
		cf_log_err_cs(sub, "store = redis needs a secret (the same on every server): the cache keys are an "
			      "HMAC under it");
		return -1;
	} else {
		rc->key_len = 32;	/* local: this process only */
		if (RAND_bytes(rc->key, (int) rc->key_len) != 1) return -1;
	}
	if (RAND_bytes(rc->server_id, sizeof(rc->server_id)) != 1) return -1;
	if (pthread_mutex_init(&rc->mutex, NULL) != 0) return -1;
	rc->mutex_ok = true;

	if (rc->kind == STORE_LOCAL) {
		rc->local = replay_local_alloc(rc->max_entries);
		if (!rc->local) {
			cf_log_err_cs(sub, "max_entries %u: cannot allocate the table (1 to 2^30 entries)", rc->max_entries);
			return -1;
		}
	} else {
		replay_redis_conf_t conf = {
			.host = rc->redis_server,
			.port = (uint16_t) rc->redis_port,
			.password = rc->redis_password,
			.database = rc->redis_database,
			.timeout_ms = rc->redis_timeout,
			.retry_ms = rc->redis_retry,
			.prefix = rc->redis_prefix,
			.sentinels = rc->redis_sentinels,
			.master_name = rc->redis_master_name,
		};

		if (!rc->redis_port || rc->redis_port > 65535 || !rc->redis_timeout || rc->redis_retry > 2000 ||
		    strlen(rc->redis_prefix) > REPLAY_PREFIX_MAX) {
			cf_log_err_cs(sub, "redis { }: port 1-65535, timeout > 0 ms, retry_interval at most 2000 ms, "
				      "prefix at most %d characters", REPLAY_PREFIX_MAX);
			return -1;
		}
		rc->redis = replay_redis_alloc(&conf);
		if (!rc->redis) return -1;
	}
	cf_log_module(sub, "%s: replay cache: store %s, retention %u s, on_unavailable %s", log_prefix,
		      rc->store_name, rc->retention, rc->on_unavailable);
	*out = rc;
	return 0;
}

/* Store unreachable: one log line when an outage starts, the policy for this request. */
static rlm_rcode_t unavailable(replay_t *rc, REQUEST *request, char const *why)
{
	pthread_mutex_lock(&rc->mutex);
	if (!rc->down) {
		rc->down = true;
		rc->down_since = time(NULL);
		rc->down_requests = 0;
		ERROR("%s: replay cache (%s) unavailable: %s; on_unavailable = %s: Mobile IP key requests are %s "
		      "until it is back", rc->log_prefix, rc->store_name, why, rc->on_unavailable,
		      rc->accept_when_unavailable ? "answered without the replay check" : "refused");
	}
	rc->down_requests++;
	pthread_mutex_unlock(&rc->mutex);

	RDEBUG2("Replay cache unavailable (%s): on_unavailable = %s", why, rc->on_unavailable);
	if (rc->accept_when_unavailable) return RLM_MODULE_OK;
	pair_make_reply("Reply-Message", "replay cache unavailable: Mobile IP key request not answered", T_OP_ADD);
	return RLM_MODULE_FAIL;
}

static void available(replay_t *rc)
{
	if (!rc->down) return;		/* the common case, without the lock */
	pthread_mutex_lock(&rc->mutex);
	if (rc->down) {
		rc->down = false;
		INFO("%s: replay cache (%s) available again after %ld s; %" PRIu64 " Mobile IP key requests were %s "
		     "meanwhile", rc->log_prefix, rc->store_name, (long) (time(NULL) - rc->down_since),
		     rc->down_requests, rc->accept_when_unavailable ? "answered without the check" : "refused");
	}
	pthread_mutex_unlock(&rc->mutex);
}

/*
 * Stores the n keys of a granted request under its claim. RLM_MODULE_OK with *repeated the
 * index of the first key some earlier request stored (-1: none), or the outage policy.
 */
static rlm_rcode_t remember(replay_t *rc, REQUEST *request, uint8_t const (*keys)[REPLAY_KEY_LEN], int n,
			    int *repeated)
{
	uint8_t			value[REPLAY_VALUE_LEN];
	replay_verdict_t	verdict[2] = { REPLAY_NEW, REPLAY_NEW };
	char			err[256];
	int			i;
	REQUEST			*top;

	*repeated = -1;
	/* The Request Authenticator of the packet the client sent (an inner-tunnel request's own
	 * packet is made up by the server). */
	for (top = request; top->parent; top = top->parent);
	if (replay_value(rc->key, rc->key_len, top->packet->vector, rc->server_id, value) < 0) {
		RERROR("Replay cache key derivation failed (OpenSSL error)");
		return RLM_MODULE_FAIL;
	}

	if (rc->kind == STORE_LOCAL) {
		uint64_t	now = replay_now_ms();
		uint8_t		stored[REPLAY_VALUE_LEN];

		for (i = 0; i < n; i++) {
			int r = replay_local_set_nx(rc->local, keys[i], value, now, (uint64_t) rc->retention * 1000, stored);

			if (r < 0) {
				snprintf(err, sizeof(err), "the table is full (max_entries %u live keys)", rc->max_entries);
				return unavailable(rc, request, err);
			}
			verdict[i] = replay_judge(value, r ? NULL : stored, REPLAY_VALUE_LEN);
		}
	} else {
		replay_redis_result_t res[2];

		if (replay_redis_set_nx(rc->redis, keys, n, value, (uint64_t) rc->retention * 1000, res, err,
					sizeof(err)) < 0) {
			return unavailable(rc, request, err);
		}
		for (i = 0; i < n; i++) {
			verdict[i] = replay_judge(value, res[i].present ? res[i].stored : NULL, res[i].stored_len);
		}
	}
	available(rc);

	for (i = 0; i < n; i++) {
		if (verdict[i] == REPLAY_REPEATED) {
			*repeated = i;
			return RLM_MODULE_OK;
		}
	}
	for (i = 0; i < n; i++) {
		if (verdict[i] == REPLAY_FAILOVER) {
			RDEBUG2("Replay cache: this Access-Request was first sent to another server (same Request "
				"Authenticator): the client failing over, answered");
			break;
		}
	}
	return RLM_MODULE_OK;
}

rlm_rcode_t replay_check(replay_t *rc, REQUEST *request, mipkey_auth_t const *auth,
			 VALUE_PAIR const *rrq)
{
	uint8_t		keys[2][REPLAY_KEY_LEN];
	char const	*what[2] = { "MS-CHAPv2 challenge and response", "Registration Request Identification" };
	int		n = 0, repeated;
	rlm_rcode_t	rcode;

	if (!rc || rc->kind == STORE_NONE) return RLM_MODULE_OK;

	if (replay_key_mschapv2(rc->key, rc->key_len, auth->as_sent, auth->as_sent_len, auth->auth_challenge,
				auth->nt_response, keys[n++]) < 0) goto crypto_error;
	if (rrq) {
		mip_rrq_t	parsed;
		char const	*perr = NULL;

		/* A malformed one is refused by mobileip.c after this; nothing to remember then. */
		if (mip_rrq_parse(rrq->vp_octets, rrq->vp_length, &parsed, &perr) == 0 &&
		    replay_key_rrq(rc->key, rc->key_len, parsed.nai.data, parsed.nai.len, parsed.home_address,
				   parsed.identification, keys[n++]) < 0) goto crypto_error;
	}
	rcode = remember(rc, request, (uint8_t const (*)[REPLAY_KEY_LEN]) keys, n, &repeated);
	if (rcode != RLM_MODULE_OK || repeated < 0) return rcode;

	RERROR("Mobile IP key request refused: replayed request (its %s was used within the last %u s)",
	       what[repeated], rc->retention);
	pair_make_reply("Reply-Message", "replayed request", T_OP_ADD);
	return RLM_MODULE_REJECT;

crypto_error:
	RERROR("Replay cache key derivation failed (OpenSSL error)");
	return RLM_MODULE_FAIL;
}

rlm_rcode_t replay_check_kdc(replay_t *rc, REQUEST *request, uint8_t const *nai, size_t nai_len,
			     uint8_t const home_address[4], uint64_t identification)
{
	uint8_t		key[1][REPLAY_KEY_LEN];
	int		repeated;
	rlm_rcode_t	rcode;

	if (!rc || rc->kind == STORE_NONE) return RLM_MODULE_OK;

	if (replay_key_rrq(rc->key, rc->key_len, nai, nai_len, home_address, identification, key[0]) < 0) {
		RERROR("Replay cache key derivation failed (OpenSSL error)");
		return RLM_MODULE_FAIL;
	}
	rcode = remember(rc, request, (uint8_t const (*)[REPLAY_KEY_LEN]) key, 1, &repeated);
	if (rcode != RLM_MODULE_OK) return rcode;
	return repeated < 0 ? RLM_MODULE_OK : RLM_MODULE_REJECT;
}

uint32_t replay_retention(replay_t const *rc)
{
	return (!rc || rc->kind == STORE_NONE) ? 0 : rc->retention;
}
