/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_ldap_values.c - libFuzzer harness for the readers of a user's LDAP entry values
 * (rlm_mipkey/ldap_values.c): sambaNTPassword, the AAA key and SPI, the Samba timestamps,
 * sambaAcctFlags, the AAA algorithm name. A directory's values are bytes with a length (no
 * NUL at the end, NUL bytes inside possible): the harness hands each reader an exact-size
 * heap copy, so a read past the value is an ASan report.
 *
 * Input: one byte (the AAA key's maximum, 1..64, and the algorithm buffer's size), one byte
 * of flags, then the value. Every reader is checked against a reference written here with
 * other means (sscanf / strtoull / strtoll on a NUL-terminated copy, memchr):
 *  - the verdict is the same, the decoded bytes and numbers are the same, and on refusal the
 *    output is untouched;
 *  - round trip: the value's first octets written as hex here (flags choose the case of each
 *    digit) are read back to the same octets, as NT hash and as AAA key; a number printed
 *    here is read back as SPI and as timestamp.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldap_values.h"

static void require(int cond)
{
	if (!cond) abort();
}

static int is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* -1, or the octets decoded one pair at a time with sscanf */
static int ref_hex(uint8_t const *v, size_t len, size_t min, size_t max, uint8_t *out)
{
	size_t	i;
	char	pair[3] = { 0 };

	if (len % 2 || len / 2 < min || len / 2 > max) return -1;
	for (i = 0; i < len; i++) if (!is_hex(v[i])) return -1;
	for (i = 0; i < len / 2; i++) {
		pair[0] = (char) v[2 * i];
		pair[1] = (char) v[2 * i + 1];
		require(sscanf(pair, "%hhx", &out[i]) == 1);
	}
	return 0;
}

static int ref_spi(uint8_t const *v, size_t len, uint32_t *spi)
{
	char			s[16];
	unsigned long long	n;
	size_t			i;

	if (len < 1 || len > 10) return -1;
	for (i = 0; i < len; i++) if (!is_digit(v[i])) return -1;
	memcpy(s, v, len);
	s[len] = '\0';
	n = strtoull(s, NULL, 10);
	if (n > UINT32_MAX) return -1;
	*spi = (uint32_t) n;
	return 0;
}

/* A timestamp: an optional '-', then 1 to 19 digits whose value is at most INT64_MAX. */
static int ref_time(uint8_t const *v, size_t len, int64_t *t)
{
	char			s[24];
	size_t			i, start = (len > 0 && v[0] == '-');
	unsigned long long	m;

	if (len - start < 1 || len - start > 19) return -1;
	for (i = start; i < len; i++) if (!is_digit(v[i])) return -1;
	memcpy(s, v + start, len - start);
	s[len - start] = '\0';
	m = strtoull(s, NULL, 10);	/* 19 digits fit an unsigned long long */
	if (m > (unsigned long long) INT64_MAX) return -1;
	*t = start ? -(int64_t) m : (int64_t) m;
	return 0;
}

/* The first of the letters in which before the first ']', by memchr on each letter. */
static char ref_flag(uint8_t const *v, size_t len, char const *which)
{
	uint8_t const	*end = memchr(v, ']', len), *first = NULL;
	size_t		n = end ? (size_t) (end - v) : len;

	for (; *which; which++) {
		uint8_t const *p = memchr(v, *which, n);

		if (p && (!first || p < first)) first = p;
	}
	return first ? (char) *first : 0;
}

static int ref_algorithm(uint8_t const *v, size_t len, size_t size)
{
	size_t i;

	if (len < 1 || len + 1 > size) return -1;
	for (i = 0; i < len; i++) if (v[i] <= 0x20 || v[i] >= 0x7f) return -1;
	return 0;
}

static void hexify(uint8_t const *in, size_t n, uint8_t flags, char *out)
{
	size_t i;

	for (i = 0; i < 2 * n; i++) {
		unsigned int nib = (i % 2) ? (in[i / 2] & 0x0f) : (in[i / 2] >> 4);

		out[i] = ((flags >> (i % 8)) & 1 ? "0123456789ABCDEF" : "0123456789abcdef")[nib];
	}
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	uint8_t		out[64], ref[64], before[64];
	size_t		max, len, out_len = 0, n;
	uint8_t		flags;
	uint32_t	spi = 0, ref_spi_v = 0;
	int64_t		t = 0, ref_t = 0;
	char		alg[66], *v;
	int		rc, want;

	if (size < 2) return 0;
	max = (size_t) (data[0] % 64) + 1;
	flags = data[1];
	len = size - 2;
	v = malloc(len ? len : 1);	/* exact size: no NUL after the value */
	require(v != NULL);
	memcpy(v, data + 2, len);
	memset(before, 0x5A, sizeof(before));

	/* NT hash */
	memcpy(out, before, sizeof(out));
	want = ref_hex((uint8_t *) v, len, 16, 16, ref);
	rc = ldap_values_nt_hash(v, len, out);
	require(rc == want);
	require(rc == 0 ? memcmp(out, ref, 16) == 0 : memcmp(out, before, sizeof(out)) == 0);

	/* AAA key of at most max octets */
	memcpy(out, before, sizeof(out));
	want = ref_hex((uint8_t *) v, len, 1, max, ref);
	rc = ldap_values_hex_key(v, len, out, max, &out_len);
	require(rc == want);
	if (rc == 0) require(out_len == len / 2 && memcmp(out, ref, out_len) == 0 && memcmp(out + out_len, before, 64 - out_len) == 0);
	else require(memcmp(out, before, sizeof(out)) == 0);

	/* SPI and timestamp */
	want = ref_spi((uint8_t *) v, len, &ref_spi_v);
	spi = 0xDEADBEEF;
	rc = ldap_values_spi(v, len, &spi);
	require(rc == want && (rc == 0 ? spi == ref_spi_v : spi == 0xDEADBEEF));
	want = ref_time((uint8_t *) v, len, &ref_t);
	t = INT64_MIN;
	rc = ldap_values_time(v, len, &t);
	require(rc == want && (rc == 0 ? t == ref_t : t == INT64_MIN));

	/* Account flags, as the backend asks them */
	require(ldap_values_acct_flag(v, len, "DL") == ref_flag((uint8_t *) v, len, "DL"));
	require(ldap_values_acct_flag(v, len, "X") == ref_flag((uint8_t *) v, len, "X"));

	/* Algorithm, into a buffer of max + 1 octets (2 .. 65) */
	memset(alg, 0x5A, sizeof(alg));
	want = ref_algorithm((uint8_t *) v, len, max + 1);
	rc = ldap_values_algorithm(v, len, alg, max + 1);
	require(rc == want);
	if (rc == 0) require(memcmp(alg, v, len) == 0 && alg[len] == '\0');
	else require(alg[0] == 0x5A);
	free(v);

	/* Round trips */
	{
		char	hex[128];
		char	num[32];

		n = len < 16 ? len : 16;
		if (n == 16) {
			hexify(data + 2, 16, flags, hex);
			require(ldap_values_nt_hash(hex, 32, out) == 0 && memcmp(out, data + 2, 16) == 0);
		}
		n = len < max ? len : max;
		if (n > 0) {
			hexify(data + 2, n, flags, hex);
			require(ldap_values_hex_key(hex, 2 * n, out, max, &out_len) == 0 && out_len == n &&
				memcmp(out, data + 2, n) == 0);
		}
		if (len >= 8) {
			uint64_t	x;
			int64_t		s;

			memcpy(&x, data + 2, 8);
			n = (size_t) snprintf(num, sizeof(num), "%" PRIu32, (uint32_t) x);
			require(ldap_values_spi(num, n, &spi) == 0 && spi == (uint32_t) x);
			s = (int64_t) (x & INT64_MAX) * ((flags & 1) ? -1 : 1);
			n = (size_t) snprintf(num, sizeof(num), "%" PRId64, s);
			require(ldap_values_time(num, n, &t) == 0 && t == s);
		}
	}
	return 0;
}
