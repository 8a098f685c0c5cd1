/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_ntlm_answer.c - libFuzzer harness for the reading of ntlm_auth's helper answers
 * (rlm_mipkey/ntlm_answer.c): what a Samba helper process prints, as backend_ntlm_auth.c
 * hands it over (the bytes read, NUL-terminated after them, NUL bytes inside possible).
 *
 * Input: one byte of flags, then the answer.
 *  - ntlm_answer_complete() is true exactly when a reference walk over the lines (memchr,
 *    not the module's index loop) finds a line that is just "." ended by a newline;
 *  - ntlm_answer_login() and ntlm_answer_change() give what a reference reader written here
 *    gives (the answer as a C string cut into lines; the first line decides; a value is the
 *    rest of the first line that starts with "Key: "): the same verdict, the key decoded
 *    with sscanf, the error pointing into the buffer at the same text; the key buffer is
 *    untouched unless the verdict is NTLM_LOGIN_KEY;
 *  - round trip: a well-formed answer built here (flags choose the case of each hex digit,
 *    extra lines before the key, a trailing error line) from 16 octets of the input gives
 *    those 16 octets back, unless they are all zero (then: no key).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntlm_answer.h"

#define OUT_MAX 2048	/* backend_ntlm_auth.c's OUTPUT_MAX */

static void require(int cond)
{
	if (!cond) abort();
}

static int ref_complete(uint8_t const *d, size_t n)
{
	uint8_t const	*line = d, *nl;

	while ((nl = memchr(line, '\n', n - (size_t) (line - d))) != NULL) {
		if (nl - line == 1 && line[0] == '.') return 1;
		line = nl + 1;
	}
	return 0;
}

/* The value of the first line of s (a C string) starting with "key: ", as a copy; NULL if none. */
static char *ref_value(char const *s, char const *key)
{
	char	prefix[64];
	size_t	plen = (size_t) snprintf(prefix, sizeof(prefix), "%s: ", key);

	for (;;) {
		char const *nl = strchr(s, '\n');
		size_t len = nl ? (size_t) (nl - s) : strlen(s);

		if (len >= plen && memcmp(s, prefix, plen) == 0) return strndup(s + plen, len - plen);
		if (!nl) return NULL;
		s = nl + 1;
	}
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static ntlm_answer_login_t ref_login(char const *s, uint8_t key[16], char **error)
{
	char	*v;
	size_t	i;

	if (!strncmp(s, "Authenticated: Yes\n", 19)) {
		v = ref_value(s, "User-Session-Key");
		if (!v) return NTLM_LOGIN_NO_KEY;
		if (strlen(v) != 32) goto bad;
		for (i = 0; i < 32; i++) if (!is_hex(v[i])) goto bad;
		for (i = 0; i < 16; i++) require(sscanf(v + 2 * i, "%2hhx", &key[i]) == 1);
		free(v);
		for (i = 0; i < 16; i++) if (key[i]) return NTLM_LOGIN_KEY;
		return NTLM_LOGIN_NO_KEY;
	bad:
		free(v);
		return NTLM_LOGIN_BAD_KEY;
	}
	if (!strncmp(s, "Authenticated: No\n", 18) && (*error = ref_value(s, "Authentication-Error"))) {
		return NTLM_LOGIN_ERROR;
	}
	return NTLM_LOGIN_UNEXPECTED;
}

static ntlm_answer_change_t ref_change(char const *s, char **error)
{
	if (!strncmp(s, "Password-Change: Yes\n", 21)) return NTLM_CHANGE_DONE;
	if (!strncmp(s, "Password-Change: No\n", 20) && (*error = ref_value(s, "Password-Change-Error"))) {
		return NTLM_CHANGE_REFUSED;
	}
	return NTLM_CHANGE_UNEXPECTED;
}

static void check_login(char *buf, size_t len)
{
	uint8_t			key[16], ref_key[16], before[16];
	char const		*err = NULL;
	char			*ref_err = NULL;
	ntlm_answer_login_t	want, got;

	want = ref_login(buf, ref_key, &ref_err);
	memset(key, 0xA5, sizeof(key));
	memcpy(before, key, sizeof(key));
	got = ntlm_answer_login(buf, key, &err);
	require(got == want);
	if (got == NTLM_LOGIN_KEY) require(memcmp(key, ref_key, 16) == 0);
	else require(memcmp(key, before, 16) == 0);
	if (got == NTLM_LOGIN_ERROR) {
		require(err >= buf && err < buf + len + 1 && strcmp(err, ref_err) == 0);
	}
	free(ref_err);
}

static void check_change(char *buf, size_t len)
{
	char const		*err = NULL;
	char			*ref_err = NULL;
	ntlm_answer_change_t	want, got;

	want = ref_change(buf, &ref_err);
	got = ntlm_answer_change(buf, &err);
	require(got == want);
	if (got == NTLM_CHANGE_REFUSED) require(err >= buf && err < buf + len + 1 && strcmp(err, ref_err) == 0);
	free(ref_err);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	char	buf[OUT_MAX];
	uint8_t	flags;
	size_t	n, i;

	if (size < 1) return 0;
	flags = data[0];
	data++;
	size--;
	n = size < OUT_MAX - 1 ? size : OUT_MAX - 1;

	require(ntlm_answer_complete((char const *) data, n) == ref_complete(data, n));

	/* As run() leaves it: the bytes read, then a NUL. Each reader gets its own copy, as
	 * each reads (and cuts) the answer in place. */
	memcpy(buf, data, n);
	buf[n] = '\0';
	check_login(buf, n);
	memcpy(buf, data, n);
	buf[n] = '\0';
	check_change(buf, n);

	/* Round trip: a well-formed answer around 16 octets of the input. */
	if (size >= 16) {
		uint8_t		key[16], zero[16] = { 0 };
		char const	*err = NULL;
		size_t		l = 0;
		ntlm_answer_login_t got;

		l += (size_t) snprintf(buf + l, sizeof(buf) - l, "Authenticated: Yes\n");
		if (flags & 1) l += (size_t) snprintf(buf + l, sizeof(buf) - l, "User-Session-Ke: 00\n");
		if (flags & 2) l += (size_t) snprintf(buf + l, sizeof(buf) - l, "Unix-Username: x\n");
		l += (size_t) snprintf(buf + l, sizeof(buf) - l, "User-Session-Key: ");
		for (i = 0; i < 16; i++) {
			l += (size_t) snprintf(buf + l, sizeof(buf) - l, (flags >> (i % 8)) & 1 ? "%02X" : "%02x", data[i]);
		}
		l += (size_t) snprintf(buf + l, sizeof(buf) - l, (flags & 4) ? "\nAuthentication-Error: x\n.\n" : "\n.\n");
		require(ntlm_answer_complete(buf, l));
		memset(key, 0, sizeof(key));
		got = ntlm_answer_login(buf, key, &err);
		if (memcmp(data, zero, 16) == 0) {
			require(got == NTLM_LOGIN_NO_KEY);
		} else {
			require(got == NTLM_LOGIN_KEY && memcmp(key, data, 16) == 0);
		}
	}
	return 0;
}
