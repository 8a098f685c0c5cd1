/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mschap_attrs.h - the byte-level checks of the MS-CHAPv2 RADIUS attributes (RFC 2548):
 * MS-CHAP-Challenge and MS-CHAP2-Response (rlm_mipkey.c), MS-CHAP2-CPW (password_change.c),
 * and the control:NT-Password another module may have set.
 *
 * Pure C, no FreeRADIUS: the glue finds the pairs, hands over the first value of each kind
 * with the number of them, and logs the reason this file returns. Unit-tested
 * (tests/unit/test_parsers.c) and fuzzed (fuzz/fuzz_mschap_attrs.c, fuzz/fuzz_mschap_cpw.c).
 *
 *	MS-CHAP2-Response (50):	| ident | flags | peer challenge (16) | reserved (8) | NT-Response (24) |
 *	MS-CHAP2-CPW (68):	| 7 | ident | Encrypted-Hash (16) | peer challenge (16) | reserved (8) |
 *				| NT-Response (24) | flags (2) |
 */
#ifndef MIPKEY_MSCHAP_ATTRS_H
#define MIPKEY_MSCHAP_ATTRS_H

#include <stddef.h>
#include <stdint.h>

#include "mschapv2.h"

#define MSCHAP_ATTRS_RESPONSE_LEN	50
#define MSCHAP_ATTRS_CPW_LEN		68
#define MSCHAP_ATTRS_CPW_CODE		7

/** One kind of attribute in the request: the value of the first one, and how many there are. */
typedef struct {
	uint8_t const	*value;		//!< NULL when count is 0
	size_t		len;
	unsigned int	count;
} mschap_attrs_in_t;

typedef enum {
	MSCHAP_ATTRS_OK = 0,
	MSCHAP_ATTRS_COUNT,		//!< not exactly one of each (CPW: one challenge, one CPW, no response)
	MSCHAP_ATTRS_CHALLENGE_LEN,	//!< MS-CHAP-Challenge is not 16 octets
	MSCHAP_ATTRS_RESPONSE_SIZE,	//!< MS-CHAP2-Response is not 50 octets
	MSCHAP_ATTRS_CPW_FORM		//!< MS-CHAP2-CPW is not 68 octets starting with code 7
} mschap_attrs_rc_t;

/** What an MS-CHAPv2 response is checked with: pointers into the values handed over. */
typedef struct {
	uint8_t		ident;
	uint8_t const	*auth_challenge;	//!< 16: MS-CHAP-Challenge
	uint8_t const	*peer_challenge;	//!< 16
	uint8_t const	*nt_response;		//!< 24
	uint8_t const	*encrypted_hash;	//!< 16: MS-CHAP2-CPW only, else NULL
} mschap_attrs_t;

/**
 * An authentication: exactly one MS-CHAP-Challenge of 16 octets and one MS-CHAP2-Response of
 * 50. The flags and reserved octets are not looked at. out is filled only for MSCHAP_ATTRS_OK.
 */
mschap_attrs_rc_t mschap_attrs_response(mschap_attrs_in_t const *challenge, mschap_attrs_in_t const *response,
					mschap_attrs_t *out);

/**
 * A password change: exactly one MS-CHAP-Challenge of 16 octets, one MS-CHAP2-CPW of 68
 * octets with code 7, and n_response (MS-CHAP2-Response) 0. The MS-CHAP-NT-Enc-PW chunks are
 * nt_enc_pw.c's. out is filled only for MSCHAP_ATTRS_OK.
 */
mschap_attrs_rc_t mschap_attrs_cpw(mschap_attrs_in_t const *challenge, mschap_attrs_in_t const *cpw,
				   unsigned int n_response, mschap_attrs_t *out);

/**
 * control:NT-Password as 16 octets, or as 32 hex digits (either case; some modules store
 * it so). OUT k. Returns 0, or -1 for any other length or a non-hex digit (k zeroed).
 */
int mschap_attrs_nt_password(uint8_t const *value, size_t len, uint8_t k[MSCHAPV2_HASH_LEN]);

#endif
