/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_replay.c - the pure part of the replay cache (replay_cache.h): keys and claims against
 * values computed with Python's hmac module (HMAC-SHA256 of label NUL || 4-octet length ||
 * field ..., first 16 octets), the verdicts, and the local store (expiry, capacity, threads).
 */
#include <pthread.h>
#include <stdbool.h>

#include "unit.h"
#include "replay_cache.h"

static uint8_t const secret[] = "0123456789abcdef-replay-secret";
#define SECRET_LEN (sizeof(secret) - 1)

static void test_keys(void)
{
	uint8_t	ch[16], nt[24], key[REPLAY_KEY_LEN], key2[REPLAY_KEY_LEN], auth[16], value[REPLAY_VALUE_LEN];
	uint8_t	hoa[4] = { 192, 0, 2, 77 }, sid[REPLAY_SERVER_ID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	char	name[] = "alice@example.net";
	int	i;

	for (i = 0; i < 16; i++) ch[i] = (uint8_t) i;
	for (i = 0; i < 24; i++) nt[i] = (uint8_t) (100 + i);
	memset(auth, 0xa5, sizeof(auth));

	check_int("mschapv2 key: computed", 0, replay_key_mschapv2(secret, SECRET_LEN, name, strlen(name), ch, nt, key));
	check_hex("mschapv2 key = HMAC-SHA256 reference", "11e32926be98bffba91bf10f4032d5c7", key, sizeof(key));
	replay_key_mschapv2(secret, SECRET_LEN, name, strlen(name) - 1, ch, nt, key2);
	check_true("mschapv2 key: another name, another key", memcmp(key, key2, sizeof(key)) != 0);
	nt[23] ^= 1;
	replay_key_mschapv2(secret, SECRET_LEN, name, strlen(name), ch, nt, key2);
	check_true("mschapv2 key: another NT-Response, another key", memcmp(key, key2, sizeof(key)) != 0);
	nt[23] ^= 1;
	replay_key_mschapv2(secret, SECRET_LEN - 1, name, strlen(name), ch, nt, key2);
	check_true("mschapv2 key: another secret, another key", memcmp(key, key2, sizeof(key)) != 0);
	check_int("no secret: error", -1, replay_key_mschapv2(secret, 0, name, strlen(name), ch, nt, key2));

	replay_key_rrq(secret, SECRET_LEN, (uint8_t const *) name, strlen(name), hoa, 0xeeaecb2100000001ULL, key);
	check_hex("RRQ key (NAI) = HMAC-SHA256 reference", "aa1cac817df42f40517af79eb10ce496", key, sizeof(key));
	replay_key_rrq(secret, SECRET_LEN, NULL, 0, hoa, 0xeeaecb2100000001ULL, key);
	check_hex("RRQ key (home address) = HMAC-SHA256 reference", "64d305477e88a8d7efe713f18f79ad75", key, sizeof(key));
	replay_key_rrq(secret, SECRET_LEN, NULL, 0, hoa, 0xeeaecb2100000002ULL, key2);
	check_true("RRQ key: another Identification, another key", memcmp(key, key2, sizeof(key)) != 0);

	replay_value(secret, SECRET_LEN, auth, sid, value);
	check_hex("claim = HMAC-SHA256 reference, then the server id",
		  "29a868b8b72c71d0e83168613e6f150f 0102030405060708", value, sizeof(value));
}

static void test_judge(void)
{
	uint8_t mine[REPLAY_VALUE_LEN], other[REPLAY_VALUE_LEN];

	memset(mine, 0x11, sizeof(mine));
	check_int("nothing stored: new", REPLAY_NEW, replay_judge(mine, NULL, 0));
	check_int("my own value (same server): repeated", REPLAY_REPEATED, replay_judge(mine, mine, sizeof(mine)));
	memcpy(other, mine, sizeof(other));
	other[REPLAY_VALUE_LEN - 1] ^= 0xff;
	check_int("same claim, another server: failover", REPLAY_FAILOVER, replay_judge(mine, other, sizeof(other)));
	other[0] ^= 0xff;
	check_int("another claim, another server: repeated", REPLAY_REPEATED, replay_judge(mine, other, sizeof(other)));
	memcpy(other, mine, sizeof(other));
	other[0] ^= 0x01;
	other[REPLAY_VALUE_LEN - 1] ^= 0xff;
	check_int("claim differing in one bit: repeated", REPLAY_REPEATED, replay_judge(mine, other, sizeof(other)));
	check_int("stored value of another length: repeated", REPLAY_REPEATED, replay_judge(mine, mine, 5));
}

static void key_n(uint8_t key[REPLAY_KEY_LEN], uint32_t n)
{
	memset(key, 0, REPLAY_KEY_LEN);
	key[0] = (uint8_t) (n >> 24);
	key[1] = (uint8_t) (n >> 16);
	key[2] = (uint8_t) (n >> 8);
	key[3] = (uint8_t) n;
	key[15] = 0x5a;
}

static void test_local(void)
{
	replay_local_t	*t = replay_local_alloc(4);
	uint8_t		key[REPLAY_KEY_LEN], v1[REPLAY_VALUE_LEN], v2[REPLAY_VALUE_LEN], stored[REPLAY_VALUE_LEN];
	uint32_t	i;
	bool		ok;

	memset(v1, 1, sizeof(v1));
	memset(v2, 2, sizeof(v2));
	key_n(key, 7);
	check_int("local: first SET NX stores", 1, replay_local_set_nx(t, key, v1, 1000, 500, stored));
	check_int("local: second SET NX finds it", 0, replay_local_set_nx(t, key, v2, 1400, 500, stored));
	check_bytes("local: ... and returns the first value", v1, sizeof(v1), stored, sizeof(stored));
	check_int("local: still there 1 ms before it expires", 0, replay_local_set_nx(t, key, v2, 1499, 500, stored));
	check_int("local: gone when it expires: stored again", 1, replay_local_set_nx(t, key, v2, 1500, 500, stored));
	check_int("local: one live entry", 1, (long long) replay_local_count(t, 1500));

	/* Keys in one bucket (same first 4 octets) are told apart by the whole key. */
	key[15] = 0x5b;
	check_int("local: same bucket, other key: stored", 1, replay_local_set_nx(t, key, v1, 1500, 500, stored));
	for (i = 0; i < 2; i++) {
		key_n(key, 100 + i);
		replay_local_set_nx(t, key, v1, 1600, 500, stored);
	}
	key_n(key, 200);
	check_int("local: full of live keys: -1", -1, replay_local_set_nx(t, key, v1, 1700, 500, stored));
	check_int("local: room again once the oldest expired", 1, replay_local_set_nx(t, key, v1, 2000, 500, stored));
	key_n(key, 100);
	check_int("local: a key stored later is still there", 0, replay_local_set_nx(t, key, v2, 2000, 500, stored));
	check_int("local: live entries after expiry", 3, (long long) replay_local_count(t, 2050));
	replay_local_free(t);

	/* Many keys through a small ring: every one is found while live, none after. */
	t = replay_local_alloc(64);
	ok = true;
	for (i = 0; i < 10000; i++) {
		uint64_t now = 10000 + i;

		key_n(key, i * 2654435761U);
		if (replay_local_set_nx(t, key, v1, now, 50, stored) != 1) ok = false;
		if (replay_local_set_nx(t, key, v1, now + 49, 50, stored) != 0) ok = false;
	}
	check_true("local: 10000 keys through 64 entries, ttl 50 ms: each stored once, then found", ok);
	replay_local_free(t);
}

/* Threads racing on the same keys: exactly one of them stores each key. */
#define THREADS	4
#define RACE_KEYS 2000
static replay_local_t	*race_table;
static int		race_stored[THREADS];

static void *race(void *arg)
{
	int		id = (int) (intptr_t) arg;
	uint8_t		key[REPLAY_KEY_LEN], value[REPLAY_VALUE_LEN], stored[REPLAY_VALUE_LEN];
	uint32_t	i;

	memset(value, id, sizeof(value));
	for (i = 0; i < RACE_KEYS; i++) {
		key_n(key, i);
		if (replay_local_set_nx(race_table, key, value, 1, 60000, stored) == 1) race_stored[id]++;
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t	th[THREADS];
	int		i, total = 0;

	race_table = replay_local_alloc(RACE_KEYS);
	for (i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, race, (void *) (intptr_t) i);
	for (i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
	for (i = 0; i < THREADS; i++) total += race_stored[i];
	check_int("local: 4 threads x 2000 same keys: each stored exactly once", RACE_KEYS, total);
	replay_local_free(race_table);
}

int main(void)
{
	test_keys();
	test_judge();
	test_local();
	test_threads();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
