/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rfc4515.c - LDAP search filter value escaping (RFC 4515 section 3) and a
 *	       minimal filter template expander.
 */
#include "rfc4515.h"

#include <string.h>

/*
 *	RFC 4515 section 3: in an assertion value, '*', '(', ')', '\' and
 *	NUL must be written as '\' + two hex digits.  Everything else,
 *	including UTF-8 multi-byte sequences, may appear as is.
 *	IN:  in (inlen bytes, may contain NUL)
 *	OUT: out (outlen bytes including the terminating NUL)
 */
ssize_t rfc4515_escape(char *out, size_t outlen, char const *in, size_t inlen)
{
	static char const hex[] = "0123456789abcdef";
	size_t	used = 0;
	size_t	i;

	if (!out || outlen == 0) return -1;
	if (!in && inlen) goto too_small;

	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];

		switch (c) {
		case '*':
		case '(':
		case ')':
		case '\\':
		case '\0':
			if (outlen - used < 4) goto too_small;	/* 3 + NUL */
			out[used++] = '\\';
			out[used++] = hex[c >> 4];
			out[used++] = hex[c & 0x0f];
			break;

		default:
			if (outlen - used < 2) goto too_small;	/* 1 + NUL */
			out[used++] = (char)c;
			break;
		}
	}
	out[used] = '\0';
	return (ssize_t)used;

too_small:
	out[0] = '\0';	/* never leave a half-escaped value for a careless caller */
	return -1;
}

/*
 *	Shared walker for expand (out != NULL) and check (out == NULL).
 */
static ssize_t expand(char *out, size_t outlen, char const *tmpl,
		      char const *account, size_t account_len,
		      char const *as_sent, size_t as_sent_len,
		      char const **err)
{
	char const	*p;
	size_t		used = 0;

	if (!tmpl) {
		if (err) *err = "no filter template";
		goto fail;
	}
	if (!*tmpl) {
		if (err) *err = "empty filter template";
		goto fail;
	}
	if (out && outlen == 0) {
		if (err) *err = "output buffer too small";
		return -1;
	}

	for (p = tmpl; *p; p++) {
		char const	*val;
		size_t		val_len;
		ssize_t		n;

		if (*p != '%') {
			if (out) {
				if (outlen - used < 2) goto too_small;
				out[used] = *p;
			}
			used++;
			continue;
		}

		p++;
		switch (*p) {
		case '%':
			if (out) {
				if (outlen - used < 2) goto too_small;
				out[used] = '%';
			}
			used++;
			continue;

		case 'u':
			val = account;
			val_len = account_len;
			break;

		case 'U':
			val = as_sent;
			val_len = as_sent_len;
			break;

		case '\0':
			if (err) *err = "filter template ends with a lone '%'";
			goto fail;

		default:
			if (err) *err = "unknown % sequence in filter template (only %u, %U, %% allowed)";
			goto fail;
		}

		if (!out) continue;
		n = rfc4515_escape(out + used, outlen - used, val, val_len);
		if (n < 0) goto too_small;
		used += (size_t)n;
	}

	if (out) out[used] = '\0';
	return (ssize_t)used;

too_small:
	if (err) *err = "expanded filter too long for output buffer";
fail:
	if (out && outlen) out[0] = '\0';
	return -1;
}

ssize_t rfc4515_expand_filter(char *out, size_t outlen, char const *tmpl,
			      char const *account, size_t account_len,
			      char const *as_sent, size_t as_sent_len,
			      char const **err)
{
	if (!out) {
		if (err) *err = "no output buffer";
		return -1;
	}
	return expand(out, outlen, tmpl, account, account_len, as_sent, as_sent_len, err);
}

int rfc4515_check_filter_template(char const *tmpl, char const **err)
{
	return expand(NULL, 0, tmpl, NULL, 0, NULL, 0, err) < 0 ? -1 : 0;
}
