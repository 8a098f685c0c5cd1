/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * replay_redis.c - the replay cache in Redis (replay_redis.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "replay_redis.h"

typedef struct conn {
	redisContext	*ctx;
	char		addr[280];		//!< host:port, for the error messages
	struct conn	*next;
} conn_t;

struct replay_redis {
	replay_redis_conf_t	conf;		//!< strings below are our copies
	pthread_mutex_t		mutex;
	conn_t			*idle;		//!< connections not in use
	bool			failing;	//!< the last connect attempt failed
	uint64_t		no_connect_until; //!< ms (replay_now_ms): while failing, the next attempt
};

static char *dup_or_null(char const *s)
{
	return s ? strdup(s) : NULL;
}

replay_redis_t *replay_redis_alloc(replay_redis_conf_t const *conf)
{
	replay_redis_t *r = calloc(1, sizeof(*r));

	if (!r) return NULL;
	r->conf = *conf;
	r->conf.host = dup_or_null(conf->host);
	r->conf.password = dup_or_null(conf->password && conf->password[0] ? conf->password : NULL);
	r->conf.prefix = dup_or_null(conf->prefix ? conf->prefix : "");
	r->conf.sentinels = dup_or_null(conf->sentinels && conf->sentinels[0] ? conf->sentinels : NULL);
	r->conf.master_name = dup_or_null(conf->master_name ? conf->master_name : "");
	if (!r->conf.host || !r->conf.prefix || (conf->password && conf->password[0] && !r->conf.password) ||
	    (conf->sentinels && conf->sentinels[0] && !r->conf.sentinels) || !r->conf.master_name ||
	    pthread_mutex_init(&r->mutex, NULL) != 0) {
		free((void *) r->conf.host);
		free((void *) r->conf.prefix);
		free((void *) r->conf.password);
		free((void *) r->conf.sentinels);
		free((void *) r->conf.master_name);
		free(r);
		return NULL;
	}
	return r;
}

static void conn_free(conn_t *c)
{
	if (!c) return;
	if (c->ctx) redisFree(c->ctx);
	free(c);
}

void replay_redis_free(replay_redis_t *r)
{
	conn_t *c, *next;

	if (!r) return;
	for (c = r->idle; c; c = next) {
		next = c->next;
		conn_free(c);
	}
	pthread_mutex_destroy(&r->mutex);
	if (r->conf.password) {
		OPENSSL_cleanse((void *) r->conf.password, strlen(r->conf.password));
		free((void *) r->conf.password);
	}
	free((void *) r->conf.host);
	free((void *) r->conf.prefix);
	free((void *) r->conf.sentinels);
	free((void *) r->conf.master_name);
	free(r);
}

static struct timeval tv_of(uint32_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

/* A command whose reply must be the status OK (AUTH, SELECT). */
static int expect_ok(redisContext *ctx, char const *what, char *err, size_t err_len, char const *fmt, ...)
{
	redisReply	*reply;
	va_list		ap;
	int		ok;

	va_start(ap, fmt);
	reply = redisvCommand(ctx, fmt, ap);
	va_end(ap);
	if (!reply) {
		snprintf(err, err_len, "%s: %s", what, ctx->errstr[0] ? ctx->errstr : "no reply");
		return -1;
	}
	ok = reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "OK") == 0;
	if (!ok) snprintf(err, err_len, "%s refused: %.*s", what, reply->str ? (int) reply->len : 0, reply->str ? reply->str : "");
	freeReplyObject(reply);
	return ok ? 0 : -1;
}

/*
 * The primary of master_name according to the first Sentinel of the list that answers.
 * Returns 0 with host (host_len) and port, or -1 with err.
 */
static int sentinel_primary(replay_redis_t *r, char *host, size_t host_len, int *port, char *err, size_t err_len)
{
	char const	*p = r->conf.sentinels;

	snprintf(err, err_len, "no Sentinel in \"%s\"", r->conf.sentinels);
	while (*p) {
		char		addr[256];
		char		*colon;
		size_t		n = strcspn(p, " ,");
		redisContext	*ctx;
		redisReply	*reply;

		if (n == 0 || n >= sizeof(addr)) {
			p += n ? n : 1;
			continue;
		}
		memcpy(addr, p, n);
		addr[n] = '\0';
		p += n;
		colon = strrchr(addr, ':');
		if (!colon) continue;
		*colon = '\0';
		ctx = redisConnectWithTimeout(addr, atoi(colon + 1), tv_of(r->conf.timeout_ms));
		if (!ctx || ctx->err) {
			snprintf(err, err_len, "Sentinel %s:%s: %s", addr, colon + 1, ctx ? ctx->errstr : "out of memory");
			if (ctx) redisFree(ctx);
			continue;
		}
		redisSetTimeout(ctx, tv_of(r->conf.timeout_ms));
		reply = redisCommand(ctx, "SENTINEL get-master-addr-by-name %s", r->conf.master_name);
		if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
		    reply->element[0]->type == REDIS_REPLY_STRING && reply->element[1]->type == REDIS_REPLY_STRING &&
		    reply->element[0]->len < host_len) {
			memcpy(host, reply->element[0]->str, reply->element[0]->len);
			host[reply->element[0]->len] = '\0';
			*port = atoi(reply->element[1]->str);
			freeReplyObject(reply);
			redisFree(ctx);
			return 0;
		}
		snprintf(err, err_len, "Sentinel %s:%s does not know the primary of \"%s\"", addr, colon + 1,
			 r->conf.master_name);
		if (reply) freeReplyObject(reply);
		redisFree(ctx);
	}
	return -1;
}

/* ROLE: a replica (a demoted primary, or a stale answer of a Sentinel) takes no writes. */
static int is_primary(redisContext *ctx, char *err, size_t err_len)
{
	redisReply	*reply = redisCommand(ctx, "ROLE");
	int		ok = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
			     reply->element[0]->type == REDIS_REPLY_STRING && strcmp(reply->element[0]->str, "master") == 0;

	if (!ok) snprintf(err, err_len, "the Sentinels' primary is not (or no longer) a primary");
	if (reply) freeReplyObject(reply);
	return ok;
}

static conn_t *conn_new(replay_redis_t *r, char *err, size_t err_len)
{
	conn_t		*c = calloc(1, sizeof(*c));
	char		host[256];
	int		port = r->conf.port;

	if (!c) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	snprintf(host, sizeof(host), "%s", r->conf.host);
	if (r->conf.sentinels && sentinel_primary(r, host, sizeof(host), &port, err, err_len) < 0) goto fail;
	snprintf(c->addr, sizeof(c->addr), "%s:%d", host, port);
	c->ctx = redisConnectWithTimeout(host, port, tv_of(r->conf.timeout_ms));
	if (!c->ctx || c->ctx->err) {
		snprintf(err, err_len, "connect to %s:%d: %s", host, port, c->ctx ? c->ctx->errstr : "out of memory");
		goto fail;
	}
	if (redisSetTimeout(c->ctx, tv_of(r->conf.timeout_ms)) != REDIS_OK) {
		snprintf(err, err_len, "%s: cannot set the timeout", c->addr);
		goto fail;
	}
	if (r->conf.password && expect_ok(c->ctx, "AUTH", err, err_len, "AUTH %s", r->conf.password) < 0) goto fail;
	if (r->conf.database && expect_ok(c->ctx, "SELECT", err, err_len, "SELECT %u", r->conf.database) < 0) goto fail;
	if (r->conf.sentinels && !is_primary(c->ctx, err, err_len)) goto fail;
	return c;
fail:
	conn_free(c);
	return NULL;
}

/* An idle connection, or a new one unless a connect failed less than retry_ms ago. */
static conn_t *conn_get(replay_redis_t *r, char *err, size_t err_len)
{
	conn_t		*c;
	uint64_t	now;

	pthread_mutex_lock(&r->mutex);
	c = r->idle;
	if (c) r->idle = c->next;
	now = replay_now_ms();
	if (!c && r->failing && now < r->no_connect_until) {
		pthread_mutex_unlock(&r->mutex);
		snprintf(err, err_len, "unreachable (next connect attempt in %u ms)",
			 (unsigned int) (r->no_connect_until - now));
		return NULL;
	}
	/* While Redis is down, one thread tries per retry_ms and the others fail at once instead
	 * of piling up connects. While it is up, the pool grows freely. */
	if (!c && r->failing) r->no_connect_until = now + r->conf.retry_ms;
	pthread_mutex_unlock(&r->mutex);
	if (c) return c;

	c = conn_new(r, err, err_len);
	pthread_mutex_lock(&r->mutex);
	r->failing = (c == NULL);
	if (!c) r->no_connect_until = replay_now_ms() + r->conf.retry_ms;
	pthread_mutex_unlock(&r->mutex);
	return c;
}

static void conn_put(replay_redis_t *r, conn_t *c)
{
	pthread_mutex_lock(&r->mutex);
	c->next = r->idle;
	r->idle = c;
	pthread_mutex_unlock(&r->mutex);
}

/* After an error: this connection and the idle ones went through the same outage. */
static void conn_drop_all(replay_redis_t *r, conn_t *c)
{
	conn_t *idle, *next;

	pthread_mutex_lock(&r->mutex);
	idle = r->idle;
	r->idle = NULL;
	pthread_mutex_unlock(&r->mutex);
	conn_free(c);
	for (; idle; idle = next) {
		next = idle->next;
		conn_free(idle);
	}
}

int replay_redis_set_nx(replay_redis_t *r, uint8_t const keys[][REPLAY_KEY_LEN], int n,
			uint8_t const value[REPLAY_VALUE_LEN], uint64_t ttl_ms, replay_redis_result_t *res,
			char *err, size_t err_len)
{
	static char const	digits[] = "0123456789abcdef";
	conn_t			*c;
	char			key[REPLAY_REDIS_MAX_KEYS][REPLAY_PREFIX_MAX + 2 * REPLAY_KEY_LEN];
	char			ttl[24];
	char const		*argv[7] = { "SET", NULL, (char const *) value, "NX", "GET", "PX", ttl };
	size_t			argvlen[7] = { 3, 0, REPLAY_VALUE_LEN, 2, 3, 2, 0 };
	size_t			prefix_len = strlen(r->conf.prefix);
	int			i, j;
	redisReply		*reply;

	if (n < 1 || n > REPLAY_REDIS_MAX_KEYS) {
		snprintf(err, err_len, "%d keys", n);
		return -1;
	}
	if (prefix_len > REPLAY_PREFIX_MAX) {
		snprintf(err, err_len, "prefix longer than %d", REPLAY_PREFIX_MAX);
		return -1;
	}
	c = conn_get(r, err, err_len);
	if (!c) return -1;

	/* Argument vectors rather than a format string: this runs once per key request. */
	argvlen[6] = (size_t) snprintf(ttl, sizeof(ttl), "%llu", (unsigned long long) ttl_ms);
	for (i = 0; i < n; i++) {
		memcpy(key[i], r->conf.prefix, prefix_len);
		for (j = 0; j < REPLAY_KEY_LEN; j++) {
			key[i][prefix_len + 2 * j] = digits[keys[i][j] >> 4];
			key[i][prefix_len + 2 * j + 1] = digits[keys[i][j] & 0x0f];
		}
		argv[1] = key[i];
		argvlen[1] = prefix_len + 2 * REPLAY_KEY_LEN;
		if (redisAppendCommandArgv(c->ctx, 7, argv, argvlen) != REDIS_OK) goto conn_error;
	}
	for (i = 0; i < n; i++) {
		if (redisGetReply(c->ctx, (void **) &reply) != REDIS_OK || !reply) goto conn_error;
		memset(&res[i], 0, sizeof(res[i]));
		switch (reply->type) {
		case REDIS_REPLY_NIL:		/* absent: stored */
			break;
		case REDIS_REPLY_STRING:
			res[i].present = true;
			res[i].stored_len = reply->len;
			memcpy(res[i].stored, reply->str, reply->len < REPLAY_VALUE_LEN ? reply->len : REPLAY_VALUE_LEN);
			break;
		default:
			/* e.g. a Redis older than 7.0 ("NX and GET options at the same time are not compatible") */
			snprintf(err, err_len, "%s answered %s%.*s", c->addr,
				 reply->type == REDIS_REPLY_ERROR ? "" : "an unexpected reply type ",
				 reply->type == REDIS_REPLY_ERROR ? (int) reply->len : 0, reply->str ? reply->str : "");
			freeReplyObject(reply);
			/* A demoted primary (READONLY) or a Redis too old: the next connection asks again. */
			conn_drop_all(r, c);
			return -1;
		}
		freeReplyObject(reply);
	}
	conn_put(r, c);
	return 0;

conn_error:
	snprintf(err, err_len, "%s: %s", c->addr, c->ctx->errstr[0] ? c->ctx->errstr : "I/O error");
	conn_drop_all(r, c);
	return -1;
}
