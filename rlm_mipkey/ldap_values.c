/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * ldap_values.c - reading the values of a user's LDAP entry (see ldap_values.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "ldap_values.h"

static bool all_hex(char const *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) if (!isxdigit((uint8_t) v[i])) return false;
	return true;
}

static uint8_t hex_value(char c)
{
	if (c >= '0' && c <= '9') return (uint8_t) (c - '0');
	return (uint8_t) (tolower((uint8_t) c) - 'a' + 10);
}

/* len / 2 octets from len hex digits, all checked by all_hex() */
static void hex_decode(char const *v, size_t len, uint8_t *out)
{
	size_t i;

	for (i = 0; i < len / 2; i++) out[i] = (uint8_t) (hex_value(v[2 * i]) << 4 | hex_value(v[2 * i + 1]));
}

int ldap_values_nt_hash(char const *v, size_t len, uint8_t out[MSCHAPV2_HASH_LEN])
{
	if (!v || len != 2 * MSCHAPV2_HASH_LEN || !all_hex(v, len)) return -1;
	hex_decode(v, len, out);
	return 0;
}

int ldap_values_hex_key(char const *v, size_t len, uint8_t *out, size_t max, size_t *out_len)
{
	if (!v || len == 0 || (len % 2) != 0 || len > 2 * max || !all_hex(v, len)) return -1;
	hex_decode(v, len, out);
	*out_len = len / 2;
	return 0;
}

int ldap_values_spi(char const *v, size_t len, uint32_t *spi)
{
	uint64_t	n = 0;
	size_t		i;

	if (!v || len == 0 || len > 10) return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9') return -1;
		n = n * 10 + (uint64_t) (v[i] - '0');
	}
	if (n > UINT32_MAX) return -1;
	*spi = (uint32_t) n;
	return 0;
}

int ldap_values_time(char const *v, size_t len, int64_t *t)
{
	int64_t	n = 0;
	size_t	i = 0;
	bool	neg = false;

	if (!v || len == 0) return -1;
	if (v[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len || len - i > 19) return -1;
	for (; i < len; i++) {
		if (v[i] < '0' || v[i] > '9') return -1;
		/* 19 digits can exceed INT64_MAX: refused rather than overflowed (undefined) */
		if (n > (INT64_MAX - (v[i] - '0')) / 10) return -1;
		n = n * 10 + (v[i] - '0');
	}
	*t = neg ? -n : n;
	return 0;
}

char ldap_values_acct_flag(char const *v, size_t len, char const *which)
{
	size_t i;

	for (i = 0; v && i < len && v[i] != ']'; i++) {
		if (v[i] && strchr(which, v[i])) return v[i];
	}
	return 0;
}

int ldap_values_algorithm(char const *v, size_t len, char *out, size_t size)
{
	size_t i;

	if (!v || len == 0 || len >= size) return -1;
	for (i = 0; i < len; i++) if (!isgraph((uint8_t) v[i])) return -1;
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}
