/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * replay_cache.c - replay cache keys, claims, verdicts and the local store (replay_cache.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "replay_cache.h"

#define LABEL_MSCHAPV2	"mipkey replay mschapv2"
#define LABEL_RRQ_NAI	"mipkey replay rrq nai"
#define LABEL_RRQ_HOA	"mipkey replay rrq home address"
#define LABEL_CLAIM	"mipkey replay claim"

typedef struct {
	uint8_t const	*p;
	size_t		len;
} part_t;

/*
 * HMAC-SHA256(secret, label || len(part) || part ...), truncated to out_len. Each part is
 * preceded by its 4-octet length, so that no two different tuples hash the same input.
 */
static int keyed_hash(uint8_t const *secret, size_t secret_len, char const *label, part_t const *parts, int n,
		      uint8_t *out, size_t out_len)
{
	EVP_MAC		*mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX	*ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM	params[2];
	uint8_t		md[32], len4[4];
	size_t		md_len = 0;
	int		i, ok;

	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *) "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = ctx && secret_len > 0 && out_len <= sizeof(md) &&
	     EVP_MAC_init(ctx, secret, secret_len, params) == 1 &&
	     EVP_MAC_update(ctx, (uint8_t const *) label, strlen(label) + 1) == 1;
	for (i = 0; ok && i < n; i++) {
		len4[0] = (uint8_t) (parts[i].len >> 24);
		len4[1] = (uint8_t) (parts[i].len >> 16);
		len4[2] = (uint8_t) (parts[i].len >> 8);
		len4[3] = (uint8_t) parts[i].len;
		ok = EVP_MAC_update(ctx, len4, 4) == 1 && (parts[i].len == 0 || EVP_MAC_update(ctx, parts[i].p, parts[i].len) == 1);
	}
	ok = ok && EVP_MAC_final(ctx, md, &md_len, sizeof(md)) == 1 && md_len == sizeof(md);
	if (ok) memcpy(out, md, out_len);
	OPENSSL_cleanse(md, sizeof(md));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -1;
}

int replay_key_mschapv2(uint8_t const *secret, size_t secret_len, char const *name, size_t name_len,
			uint8_t const challenge[16], uint8_t const nt_response[24], uint8_t out[REPLAY_KEY_LEN])
{
	part_t parts[] = {
		{ (uint8_t const *) name, name_len },
		{ challenge, 16 },
		{ nt_response, 24 },
	};

	return keyed_hash(secret, secret_len, LABEL_MSCHAPV2, parts, 3, out, REPLAY_KEY_LEN);
}

int replay_key_rrq(uint8_t const *secret, size_t secret_len, uint8_t const *nai, size_t nai_len,
		   uint8_t const home_address[4], uint64_t identification, uint8_t out[REPLAY_KEY_LEN])
{
	uint8_t	id[8];
	part_t	parts[2];
	int	i;

	for (i = 7; i >= 0; i--, identification >>= 8) id[i] = (uint8_t) identification;
	parts[0].p = nai ? nai : home_address;
	parts[0].len = nai ? nai_len : 4;
	parts[1].p = id;
	parts[1].len = sizeof(id);
	return keyed_hash(secret, secret_len, nai ? LABEL_RRQ_NAI : LABEL_RRQ_HOA, parts, 2, out, REPLAY_KEY_LEN);
}

int replay_value(uint8_t const *secret, size_t secret_len, uint8_t const authenticator[REPLAY_AUTHENTICATOR_LEN],
		 uint8_t const server_id[REPLAY_SERVER_ID_LEN], uint8_t out[REPLAY_VALUE_LEN])
{
	part_t part = { authenticator, REPLAY_AUTHENTICATOR_LEN };

	if (keyed_hash(secret, secret_len, LABEL_CLAIM, &part, 1, out, REPLAY_CLAIM_LEN) < 0) return -1;
	memcpy(out + REPLAY_CLAIM_LEN, server_id, REPLAY_SERVER_ID_LEN);
	return 0;
}

replay_verdict_t replay_judge(uint8_t const mine[REPLAY_VALUE_LEN], uint8_t const *stored, size_t stored_len)
{
	if (!stored) return REPLAY_NEW;
	if (stored_len != REPLAY_VALUE_LEN) return REPLAY_REPEATED;
	if (CRYPTO_memcmp(mine, stored, REPLAY_CLAIM_LEN) != 0) return REPLAY_REPEATED;
	/* Same claim from this very server: FreeRADIUS answers a retransmission from its own
	 * duplicate cache, so this is a copy sent after that: a replay. */
	if (memcmp(mine + REPLAY_CLAIM_LEN, stored + REPLAY_CLAIM_LEN, REPLAY_SERVER_ID_LEN) == 0) return REPLAY_REPEATED;
	return REPLAY_FAILOVER;
}

char const *replay_verdict_name(replay_verdict_t v)
{
	switch (v) {
	case REPLAY_NEW: return "new";
	case REPLAY_FAILOVER: return "failover";
	case REPLAY_REPEATED: return "repeated";
	}
	return "?";
}

/* --- local store ------------------------------------------------------------------------------- */

#define NONE	UINT32_MAX

typedef struct {
	uint8_t		key[REPLAY_KEY_LEN];
	uint8_t		value[REPLAY_VALUE_LEN];
	uint64_t	expires;		//!< ms, CLOCK_MONOTONIC
	uint32_t	next;			//!< next entry of the same bucket
} entry_t;

struct replay_local {
	pthread_mutex_t	mutex;
	entry_t		*ring;			//!< oldest at (head - count) mod cap
	uint32_t	cap, head, count;
	uint32_t	*bucket;		//!< first entry of each bucket, or NONE
	uint32_t	mask;
};

replay_local_t *replay_local_alloc(size_t max_entries)
{
	replay_local_t	*t;
	size_t		nb = 1;

	if (max_entries == 0 || max_entries > (1U << 30)) return NULL;
	while (nb < max_entries) nb <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t) return NULL;
	t->ring = calloc(max_entries, sizeof(*t->ring));
	t->bucket = malloc(nb * sizeof(*t->bucket));
	if (!t->ring || !t->bucket || pthread_mutex_init(&t->mutex, NULL) != 0) {
		free(t->ring);
		free(t->bucket);
		free(t);
		return NULL;
	}
	memset(t->bucket, 0xff, nb * sizeof(*t->bucket));	/* NONE */
	t->cap = (uint32_t) max_entries;
	t->mask = (uint32_t) (nb - 1);
	return t;
}

void replay_local_free(replay_local_t *t)
{
	if (!t) return;
	pthread_mutex_destroy(&t->mutex);
	OPENSSL_cleanse(t->ring, (size_t) t->cap * sizeof(*t->ring));
	free(t->ring);
	free(t->bucket);
	free(t);
}

/* The keys are HMAC output: any 4 octets are a uniform hash. */
static uint32_t bucket_of(replay_local_t const *t, uint8_t const key[REPLAY_KEY_LEN])
{
	return ((uint32_t) key[0] << 24 | (uint32_t) key[1] << 16 | (uint32_t) key[2] << 8 | key[3]) & t->mask;
}

/* Drops the oldest entries that have expired. */
static void expire(replay_local_t *t, uint64_t now_ms)
{
	while (t->count) {
		uint32_t	oldest = (t->head + t->cap - t->count) % t->cap;
		entry_t		*e = &t->ring[oldest];
		uint32_t	*link;

		if (e->expires > now_ms) return;
		for (link = &t->bucket[bucket_of(t, e->key)]; *link != NONE && *link != oldest; link = &t->ring[*link].next);
		if (*link == oldest) *link = e->next;
		t->count--;
	}
}

int replay_local_set_nx(replay_local_t *t, uint8_t const key[REPLAY_KEY_LEN], uint8_t const value[REPLAY_VALUE_LEN],
			uint64_t now_ms, uint64_t ttl_ms, uint8_t stored[REPLAY_VALUE_LEN])
{
	uint32_t	i, b = bucket_of(t, key);
	entry_t		*e;
	int		rcode = 1;

	pthread_mutex_lock(&t->mutex);
	expire(t, now_ms);
	/* An expired entry of the same key may still be in the chain (a shorter ttl): skipped. */
	for (i = t->bucket[b]; i != NONE; i = t->ring[i].next) {
		e = &t->ring[i];
		if (e->expires > now_ms && memcmp(e->key, key, REPLAY_KEY_LEN) == 0) {
			memcpy(stored, e->value, REPLAY_VALUE_LEN);
			rcode = 0;
			goto done;
		}
	}
	if (t->count == t->cap) {
		rcode = -1;
		goto done;
	}
	i = t->head;
	e = &t->ring[i];
	memcpy(e->key, key, REPLAY_KEY_LEN);
	memcpy(e->value, value, REPLAY_VALUE_LEN);
	e->expires = now_ms + ttl_ms;
	e->next = t->bucket[b];
	t->bucket[b] = i;
	t->head = (t->head + 1) % t->cap;
	t->count++;
done:
	pthread_mutex_unlock(&t->mutex);
	return rcode;
}

size_t replay_local_count(replay_local_t *t, uint64_t now_ms)
{
	size_t n;

	pthread_mutex_lock(&t->mutex);
	expire(t, now_ms);
	n = t->count;
	pthread_mutex_unlock(&t->mutex);
	return n;
}

uint64_t replay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}
