/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_utf16.c - libFuzzer harness for utf8_to_utf16le() (rlm_mipkey/mschapv2.c)
 *		  against two independent decoders.
 *
 *  1. A decoder written here from the table of well-formed UTF-8 byte
 *     sequences (Unicode 15, section 3.9, table 3-7): each lead byte
 *     range fixes the allowed range of the second byte, which is how it
 *     excludes overlongs, surrogates and code points above U+10FFFF,
 *     without computing and range-checking the code point as the module
 *     does.
 *  2. glibc iconv("UTF-16LE" from "UTF-8"), when it accepts the input
 *     (glibc and Unicode agree on validity; a disagreement with the
 *     table-3-7 decoder aborts, so that it is looked at).
 * Both must give the module's result byte for byte (or its -1), and an
 * output buffer that is too small must give -1, never a partial write
 * past it.  Then nt_password_hash() must fail exactly when the input is
 * invalid or longer than 256 UTF-16 code units.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mschapv2.h"

static void require(int cond)
{
	if (!cond) abort();
}

/* Table 3-7: returns bytes written to out (UTF-16LE), or -1 if ill-formed */
static long table37(uint8_t const *s, size_t n, uint8_t *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		uint8_t b0 = s[i];
		uint8_t lo2 = 0x80, hi2 = 0xbf;
		size_t len;
		uint32_t cp;
		size_t k;

		if (b0 <= 0x7f) {
			len = 1;
		} else if (b0 >= 0xc2 && b0 <= 0xdf) {
			len = 2;
		} else if (b0 >= 0xe0 && b0 <= 0xef) {
			len = 3;
			if (b0 == 0xe0) lo2 = 0xa0;
			if (b0 == 0xed) hi2 = 0x9f;
		} else if (b0 >= 0xf0 && b0 <= 0xf4) {
			len = 4;
			if (b0 == 0xf0) lo2 = 0x90;
			if (b0 == 0xf4) hi2 = 0x8f;
		} else {
			return -1;
		}
		if (n - i < len) return -1;
		if (len > 1 && (s[i + 1] < lo2 || s[i + 1] > hi2)) return -1;
		for (k = 2; k < len; k++) if (s[i + k] < 0x80 || s[i + k] > 0xbf) return -1;

		switch (len) {
		case 1: cp = b0; break;
		case 2: cp = (uint32_t)(b0 - 0xc0) * 64 + (s[i + 1] - 0x80); break;
		case 3: cp = ((uint32_t)(b0 - 0xe0) * 64 + (s[i + 1] - 0x80)) * 64 + (s[i + 2] - 0x80); break;
		default:
			cp = (((uint32_t)(b0 - 0xf0) * 64 + (s[i + 1] - 0x80)) * 64 + (s[i + 2] - 0x80)) * 64 +
			     (s[i + 3] - 0x80);
			break;
		}
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000, h = 0xd800 + v / 1024, l = 0xdc00 + v % 1024;

			out[o++] = (uint8_t)(h % 256); out[o++] = (uint8_t)(h / 256);
			out[o++] = (uint8_t)(l % 256); out[o++] = (uint8_t)(l / 256);
		} else {
			out[o++] = (uint8_t)(cp % 256); out[o++] = (uint8_t)(cp / 256);
		}
		i += len;
	}
	return (long)o;
}

static iconv_t cd = (iconv_t)-1;

/* glibc's answer: bytes written, or -1 if it calls the input invalid */
static long glibc(uint8_t const *s, size_t n, uint8_t *out, size_t outlen)
{
	char *in = (char *)(uintptr_t)s, *o = (char *)out;
	size_t il = n, ol = outlen;

	if (cd == (iconv_t)-1) {
		cd = iconv_open("UTF-16LE", "UTF-8");
		require(cd != (iconv_t)-1);
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &in, &il, &o, &ol) == (size_t)-1) return -1;
	return (long)(outlen - ol);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	size_t		cap = 2 * size + 4;
	uint8_t		*a = malloc(cap), *b = malloc(cap), *c = malloc(cap);
	ssize_t		got;
	long		want, ic;
	uint8_t		hash[MSCHAPV2_HASH_LEN];
	static int	crypto = -2;

	require(a && b && c);
	got = utf8_to_utf16le(a, cap, (char const *)data, size);
	want = table37(data, size, b);
	require(got == want);
	if (want >= 0) require(memcmp(a, b, (size_t)want) == 0);

	ic = glibc(data, size, c, cap);
	require((ic < 0) == (want < 0));
	if (ic >= 0) require(ic == want && memcmp(c, b, (size_t)ic) == 0);

	/* Every output size from 0 to the full one: -1 exactly when too small */
	if (want >= 0 && size < 64) {
		size_t k;

		for (k = 0; k <= (size_t)want; k++) {
			uint8_t *t = malloc(k ? k : 1);

			require(t != NULL);
			got = utf8_to_utf16le(k ? t : NULL, k, (char const *)data, size);
			require(k < (size_t)want ? got == -1 : got == want);
			free(t);
		}
	}

	/* nt_password_hash: the 256 code unit limit of RFC 2759 */
	if (crypto == -2) crypto = mschapv2_crypto_init(NULL);
	require(crypto == 0);
	require((nt_password_hash((char const *)data, size, hash) == 0) ==
		(want >= 0 && want <= 2 * MSCHAPV2_MAX_PASSWORD_CHARS));

	free(a);
	free(b);
	free(c);
	return 0;
}
