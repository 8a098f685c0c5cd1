/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_rfc4515.c - libFuzzer harness for LDAP filter escaping and template
 *		    expansion (rlm_mipkey/rfc4515.c).
 *
 * Input: a byte that sizes the output buffer, then template, account and
 * as-sent name separated by 0xff bytes (the names may hold NUL bytes).
 * Checked beyond ASan/UBSan:
 *  - rfc4515_check_filter_template() and rfc4515_expand_filter() agree on
 *    which templates are valid;
 *  - the expansion is read back against the template, here, independently:
 *    literal bytes are copied, "%%" gives "%", and every %u / %U value
 *    holds no unescaped '*', '(', ')' or NUL, every '\' starts a
 *    "\XX" hex escape, and unescaping it gives the value back byte for byte;
 *  - a too-small buffer gives -1 and an empty string, never a partial
 *    filter, and never a write past the buffer (exact-size heap buffer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfc4515.h"

static void require(int cond)
{
	if (!cond) abort();
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/*
 *	Reads one escaped value at *pp (ending where the next literal
 *	template byte or the end of the output is; a value can never contain
 *	an unescaped metacharacter, so the value ends exactly after as many
 *	decoded bytes as the value has).  Returns 0 if it decodes to val.
 */
static int read_value(char const **pp, char const *end, char const *val, size_t val_len)
{
	char const *p = *pp;
	size_t i;

	for (i = 0; i < val_len; i++) {
		unsigned char want = (unsigned char)val[i];

		if (p >= end) return -1;
		if (*p == '\\') {
			int h, l;

			if (end - p < 3) return -1;
			h = hexval(p[1]);
			l = hexval(p[2]);
			if (h < 0 || l < 0) return -1;
			if ((unsigned char)(h << 4 | l) != want) return -1;
			p += 3;
		} else {
			/* RFC 4515 3: these never appear unescaped in a value */
			if (*p == '*' || *p == '(' || *p == ')' || *p == '\0') return -1;
			if ((unsigned char)*p != want) return -1;
			p++;
		}
	}
	*pp = p;
	return 0;
}

static void check_expansion(char const *out, size_t out_len, char const *tmpl,
			    char const *acc, size_t acc_len, char const *sent, size_t sent_len)
{
	char const *p = out, *end = out + out_len, *t;

	for (t = tmpl; *t; t++) {
		if (*t != '%') {
			require(p < end && *p == *t);
			p++;
			continue;
		}
		t++;
		if (*t == '%') {
			require(p < end && *p == '%');
			p++;
		} else if (*t == 'u') {
			require(read_value(&p, end, acc, acc_len) == 0);
		} else {
			require(*t == 'U');
			require(read_value(&p, end, sent, sent_len) == 0);
		}
	}
	require(p == end);
}

/* Splits at the next 0xff; returns the piece, advances */
static char *piece(uint8_t const **d, size_t *n, size_t *len)
{
	uint8_t const *sep = memchr(*d, 0xff, *n);
	size_t l = sep ? (size_t)(sep - *d) : *n;
	char *s = malloc(l + 1);

	require(s != NULL);
	memcpy(s, *d, l);
	s[l] = '\0';
	*len = l;
	*d += sep ? l + 1 : l;
	*n -= sep ? l + 1 : l;
	return s;
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	char		*tmpl, *acc, *sent, *out;
	size_t		tl, al, sl, big, small;
	ssize_t		n, m;
	char const	*err = NULL;
	int		valid;
	uint8_t		sz;

	if (size < 1) return 0;
	sz = data[0];
	data++;
	size--;
	tmpl = piece(&data, &size, &tl);
	acc = piece(&data, &size, &al);
	sent = piece(&data, &size, &sl);

	valid = rfc4515_check_filter_template(tmpl, &err) == 0;
	if (!valid) require(err != NULL);

	/* Big enough for anything: every byte escaped to 3 */
	big = tl + 3 * (al + sl) * (tl / 2 + 1) + 1;
	out = malloc(big);
	require(out != NULL);
	err = NULL;
	n = rfc4515_expand_filter(out, big, tmpl, acc, al, sent, sl, &err);
	if (!valid || !tl) {
		require(n == -1 && err != NULL && out[0] == '\0');
	} else {
		require(n >= 0 && (size_t)n < big && out[n] == '\0');
		check_expansion(out, (size_t)n, tmpl, acc, al, sent, sl);
	}
	free(out);

	/* The same with an output buffer of sz bytes (exact heap size) */
	small = sz;
	out = malloc(small ? small : 1);
	require(out != NULL);
	m = rfc4515_expand_filter(out, small, tmpl, acc, al, sent, sl, &err);
	if (n < 0 || (size_t)n + 1 > small) {
		require(m == -1);
		if (small) require(out[0] == '\0');
	} else {
		require(m == n && out[m] == '\0');
		check_expansion(out, (size_t)m, tmpl, acc, al, sent, sl);
	}
	free(out);

	/* rfc4515_escape alone, exact-size buffer */
	out = malloc(small ? small : 1);
	require(out != NULL);
	m = rfc4515_escape(out, small, acc, al);
	if (m >= 0) {
		char const *p = out;

		require((size_t)m < small && out[m] == '\0');
		require(read_value(&p, out + m, acc, al) == 0 && p == out + m);
	} else if (small) {
		require(out[0] == '\0');
	}
	free(out);

	free(tmpl);
	free(acc);
	free(sent);
	return 0;
}
