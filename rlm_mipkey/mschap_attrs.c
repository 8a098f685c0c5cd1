/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mschap_attrs.c - the byte-level checks of the MS-CHAPv2 RADIUS attributes (see mschap_attrs.h).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mschap_attrs.h"

/* Field offsets, RFC 2548 2.3.2 (MS-CHAP2-Response) and 2.3.3 (MS-CHAP2-CPW). */
#define RESPONSE_IDENT		0
#define RESPONSE_PEER_CHALLENGE	2
#define RESPONSE_NT_RESPONSE	26
#define CPW_IDENT		1
#define CPW_ENCRYPTED_HASH	2
#define CPW_PEER_CHALLENGE	18
#define CPW_NT_RESPONSE		42

mschap_attrs_rc_t mschap_attrs_response(mschap_attrs_in_t const *challenge, mschap_attrs_in_t const *response,
					mschap_attrs_t *out)
{
	if (challenge->count != 1 || response->count != 1) return MSCHAP_ATTRS_COUNT;
	if (challenge->len != MSCHAPV2_CHALLENGE_LEN) return MSCHAP_ATTRS_CHALLENGE_LEN;
	if (response->len != MSCHAP_ATTRS_RESPONSE_LEN) return MSCHAP_ATTRS_RESPONSE_SIZE;

	out->ident = response->value[RESPONSE_IDENT];
	out->auth_challenge = challenge->value;
	out->peer_challenge = response->value + RESPONSE_PEER_CHALLENGE;
	out->nt_response = response->value + RESPONSE_NT_RESPONSE;
	out->encrypted_hash = NULL;
	return MSCHAP_ATTRS_OK;
}

mschap_attrs_rc_t mschap_attrs_cpw(mschap_attrs_in_t const *challenge, mschap_attrs_in_t const *cpw,
				   unsigned int n_response, mschap_attrs_t *out)
{
	if (challenge->count != 1 || cpw->count != 1 || n_response != 0) return MSCHAP_ATTRS_COUNT;
	if (challenge->len != MSCHAPV2_CHALLENGE_LEN) return MSCHAP_ATTRS_CHALLENGE_LEN;
	if (cpw->len != MSCHAP_ATTRS_CPW_LEN || cpw->value[0] != MSCHAP_ATTRS_CPW_CODE) return MSCHAP_ATTRS_CPW_FORM;

	out->ident = cpw->value[CPW_IDENT];
	out->auth_challenge = challenge->value;
	out->encrypted_hash = cpw->value + CPW_ENCRYPTED_HASH;
	out->peer_challenge = cpw->value + CPW_PEER_CHALLENGE;
	out->nt_response = cpw->value + CPW_NT_RESPONSE;
	return MSCHAP_ATTRS_OK;
}

static int hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int mschap_attrs_nt_password(uint8_t const *value, size_t len, uint8_t k[MSCHAPV2_HASH_LEN])
{
	size_t	i;
	int	hi, lo;

	if (len == MSCHAPV2_HASH_LEN) {
		memcpy(k, value, MSCHAPV2_HASH_LEN);
		return 0;
	}
	if (len != 2 * MSCHAPV2_HASH_LEN) goto bad;
	for (i = 0; i < MSCHAPV2_HASH_LEN; i++) {
		hi = hex_digit(value[2 * i]);
		lo = hex_digit(value[2 * i + 1]);
		if (hi < 0 || lo < 0) goto bad;
		k[i] = (uint8_t) (hi << 4 | lo);
	}
	return 0;

bad:
	/* A half-decoded hash is still part of a secret. */
	OPENSSL_cleanse(k, MSCHAPV2_HASH_LEN);
	return -1;
}
