/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rfc4515.h - LDAP search filter value escaping (RFC 4515 section 3) and
 *	       a minimal filter template expander.  libc only.
 */
#ifndef RFC4515_H
#define RFC4515_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Escape a value for an LDAP search filter (RFC 4515 section 3).  Only
 * '*', '(', ')', '\' and NUL are escaped (as \2a \28 \29 \5c \00); UTF-8
 * passes through.  in may contain NUL bytes.  Returns bytes written
 * excluding NUL, or -1 if out (outlen incl. NUL) is too small.
 */
ssize_t rfc4515_escape(char *out, size_t outlen, char const *in, size_t inlen);

/*
 * Expand a filter template: "%u" -> escaped `account`, "%U" -> escaped
 * `as_sent`, "%%" -> "%"; any other % sequence is an error.  Returns length
 * or -1 (bad template or too small); *err set to a short reason.
 */
ssize_t rfc4515_expand_filter(char *out, size_t outlen, char const *tmpl,
			      char const *account, size_t account_len,
			      char const *as_sent, size_t as_sent_len,
			      char const **err);

/* Validate a template once at start-up (same rules), 0 ok / -1 with *err */
int rfc4515_check_filter_template(char const *tmpl, char const **err);

#endif /* RFC4515_H */
