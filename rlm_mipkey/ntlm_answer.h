/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * ntlm_answer.h - reading the answers of Samba's ntlm_auth helper protocols "ntlm-server-1"
 * (login) and "ntlm-change-password-1" (password change): "Key: value" lines ended by a line
 * that is just ".".
 *
 * Pure C, no FreeRADIUS: what backend_ntlm_auth.c reads from the helper's output, kept here
 * so that it is unit-tested (tests/unit/test_parsers.c) and fuzzed (fuzz/fuzz_ntlm_answer.c).
 */
#ifndef MIPKEY_NTLM_ANSWER_H
#define MIPKEY_NTLM_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mschapv2.h"

/** True once out[0..used) holds a line that is just ".": the answer is complete. */
bool ntlm_answer_complete(char const *out, size_t used);

/**
 * The value of the first line "key: value" of the NUL-terminated answer out; that line's
 * newline is overwritten with a NUL so the value is a string. NULL if there is no such line.
 */
char *ntlm_answer_value(char *out, char const *key);

typedef enum {
	NTLM_LOGIN_KEY = 0,	//!< "Authenticated: Yes" with a User-Session-Key of 32 hex digits, not all zero
	NTLM_LOGIN_NO_KEY,	//!< "Authenticated: Yes" without that line, or with an all-zero key
	NTLM_LOGIN_BAD_KEY,	//!< "Authenticated: Yes" with a User-Session-Key that is not 32 hex digits
	NTLM_LOGIN_ERROR,	//!< "Authenticated: No" with an Authentication-Error (*error points to it)
	NTLM_LOGIN_UNEXPECTED	//!< anything else
} ntlm_answer_login_t;

/**
 * Reads a complete, NUL-terminated ntlm-server-1 answer (modified in place: see
 * ntlm_answer_value()). key is written only for NTLM_LOGIN_KEY (k', the user session key),
 * *error only for NTLM_LOGIN_ERROR (the description of the NT status, NUL-terminated in out).
 */
ntlm_answer_login_t ntlm_answer_login(char *out, uint8_t key[MSCHAPV2_HASH_LEN], char const **error);

typedef enum {
	NTLM_CHANGE_DONE = 0,	//!< "Password-Change: Yes"
	NTLM_CHANGE_REFUSED,	//!< "Password-Change: No" with a Password-Change-Error (*error)
	NTLM_CHANGE_UNEXPECTED	//!< anything else
} ntlm_answer_change_t;

/** Reads a complete ntlm-change-password-1 answer, like ntlm_answer_login(). */
ntlm_answer_change_t ntlm_answer_change(char *out, char const **error);

#endif
