/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * ntlm_answer.c - reading ntlm_auth's helper protocol answers (see ntlm_answer.h):
 *
 *	Authenticated: Yes			Authenticated: No
 *	User-Session-Key: <32 hex>		Authentication-Error: <description of the NT status>
 *	.					.
 *
 *	Password-Change: Yes			Password-Change: No
 *	.					Password-Change-Error: <text>
 *						.
 */
#include <string.h>
#include <openssl/crypto.h>

#include "ntlm_answer.h"

static char const hex_digits[] = "0123456789abcdefABCDEF";

bool ntlm_answer_complete(char const *out, size_t used)
{
	size_t i;

	for (i = 0; i + 1 < used; i++) {
		if (out[i] == '.' && out[i + 1] == '\n' && (i == 0 || out[i - 1] == '\n')) return true;
	}
	return false;
}

char *ntlm_answer_value(char *out, char const *key)
{
	size_t	klen = strlen(key);
	char	*line, *nl;

	for (line = out; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (strncmp(line, key, klen) == 0 && line[klen] == ':' && line[klen + 1] == ' ') {
			if (nl) *nl = '\0';
			return line + klen + 2;
		}
	}
	return NULL;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return c - 'A' + 10;	/* only called on hex_digits */
}

ntlm_answer_login_t ntlm_answer_login(char *out, uint8_t key[MSCHAPV2_HASH_LEN], char const **error)
{
	static uint8_t const	zero[MSCHAPV2_HASH_LEN];
	uint8_t			k[MSCHAPV2_HASH_LEN];
	char			*v;
	size_t			i;

	if (strncmp(out, "Authenticated: Yes\n", 19) == 0) {
		v = ntlm_answer_value(out, "User-Session-Key");
		if (!v) return NTLM_LOGIN_NO_KEY;
		if (strlen(v) != 2 * MSCHAPV2_HASH_LEN || strspn(v, hex_digits) != 2 * MSCHAPV2_HASH_LEN) {
			return NTLM_LOGIN_BAD_KEY;
		}
		for (i = 0; i < MSCHAPV2_HASH_LEN; i++) k[i] = (uint8_t) (hex_value(v[2 * i]) << 4 | hex_value(v[2 * i + 1]));
		/* ntlm_auth leaves the line out when the key is all zero: k' = 0 would give keys anyone
		 * can compute, so an all-zero key is no key. */
		if (CRYPTO_memcmp(k, zero, sizeof(zero)) == 0) return NTLM_LOGIN_NO_KEY;
		memcpy(key, k, sizeof(k));
		OPENSSL_cleanse(k, sizeof(k));
		return NTLM_LOGIN_KEY;
	}
	if (strncmp(out, "Authenticated: No\n", 18) == 0) {
		v = ntlm_answer_value(out, "Authentication-Error");
		if (v) {
			*error = v;
			return NTLM_LOGIN_ERROR;
		}
	}
	return NTLM_LOGIN_UNEXPECTED;
}

ntlm_answer_change_t ntlm_answer_change(char *out, char const **error)
{
	char *v;

	if (strncmp(out, "Password-Change: Yes\n", 21) == 0) return NTLM_CHANGE_DONE;
	if (strncmp(out, "Password-Change: No\n", 20) == 0) {
		v = ntlm_answer_value(out, "Password-Change-Error");
		if (v) {
			*error = v;
			return NTLM_CHANGE_REFUSED;
		}
	}
	return NTLM_CHANGE_UNEXPECTED;
}
