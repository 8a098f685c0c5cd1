/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rfc3957.h - RFC 3957 AAA Registration Keys for Mobile IPv4: Key
 *		Generation Nonces, key derivation and the KeyGen Reply
 *		extensions the home AAA server hands to the agents.
 *
 * Pure: depends only on libc and OpenSSL 3 libcrypto, through crypto.c
 * (the core's one library context: HMAC, SHA1 and the DRBG).
 * Multi-byte fields are written in network byte order; SPIs, lifetimes
 * and identifiers are passed in host byte order.
 */
#ifndef RFC3957_H
#define RFC3957_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* RFC 3957 8: extension types (non-skippable, long format) */
#define RFC3957_EXT_MN_FA_KEYGEN_REQ	40	/* 6.1 */
#define RFC3957_EXT_MN_FA_KEYGEN_REP	41	/* 6.2 */
#define RFC3957_EXT_MN_HA_KEYGEN_REQ	42	/* 6.3 */
#define RFC3957_EXT_MN_HA_KEYGEN_REP	43	/* 6.4 */

/* RFC 3957 8: "KeyGen Request/Reply from AAA" */
#define RFC3957_SUBTYPE_FROM_AAA	1

/*
 * RFC 3957 4: algorithm identifiers are the IANA "IPsec Security
 * Association Attributes", Attribute Type 5 "Authentication Algorithm"
 * values (RFC 2407 4.5; docs/PROTOCOL.md section 2).
 */
#define RFC3957_ALG_HMAC_MD5		1
#define RFC3957_ALG_HMAC_SHA1		2

/* RFC 3957 4: replay methods (0 and 1 reserved) */
#define RFC3957_REPLAY_TIMESTAMPS	2
#define RFC3957_REPLAY_NONCES		3

/* RFC 3957 7: Registration Reply code */
#define RFC3957_MISSING_MN_FA		107

/* RFC 3957 5 step 2: "a random value of at least 128 bits" */
#define RFC3957_NONCE_MIN_LEN		16
#define RFC3957_NONCE_LEN		16	/* what we generate by default */

/* RFC 3957 5: key = HMAC-SHA1(...), so 20 bytes */
#define RFC3957_KEY_LEN			20

/*
 * Encoded sizes without the nonce:
 *   MN-HA KeyGen Reply: Type, Subtype, Length(2), Lifetime(4), AAA SPI(4),
 *			 HA SPI(4), Algorithm(2), Replay Method(2)	= 20
 *   MN-FA KeyGen Reply: Type, Subtype, Length(2), Lifetime(4), AAA SPI(4),
 *			 FA SPI(4), Algorithm(2)			= 18
 */
#define RFC3957_MN_HA_REPLY_FIXED_LEN	20
#define RFC3957_MN_FA_REPLY_FIXED_LEN	18

/*
 * RFC 3957 5 step 2: fill nonce with len cryptographically random bytes
 * (the DRBG of the core's OpenSSL library context, RFC 1750 / [7]).
 * len must be >= 16; one call may fill several nonces.
 * Returns 0 or -1.
 */
int rfc3957_nonce(uint8_t *nonce, size_t len);

/*
 * RFC 3957 5, mobile node step 1 (and what the AAA server hands the
 * agents):
 *
 *	key = HMAC-SHA1(AAA-key, Key Generation Nonce || mobile node identifier)
 *
 * mn_id is the NAI bytes if the Registration Request had an NAI
 * extension, else the 4-byte Home Address in network order (see
 * mip_rrq_mn_identifier()).  IN: aaa_key (>= 1 byte), nonce (>= 16
 * bytes), mn_id (>= 1 byte).  OUT: key, 20 bytes (cleansed on failure).
 * Returns 0 or -1.
 */
int rfc3957_registration_key(uint8_t const *aaa_key, size_t aaa_key_len,
			     uint8_t const *nonce, size_t nonce_len,
			     uint8_t const *mn_id, size_t mn_id_len,
			     uint8_t key[RFC3957_KEY_LEN]);

/*
 * The same for n nonces of nonce_len octets each, back to back in nonces
 * (the MN-HA and the MN-FA key of one request: same AAA key, same mobile
 * node identifier), the AAA key set up once. OUT: keys, 20 * n octets
 * (cleansed on failure). Returns 0 or -1.
 */
int rfc3957_registration_keys(uint8_t const *aaa_key, size_t aaa_key_len,
			      uint8_t const *nonces, size_t nonce_len, size_t n,
			      uint8_t const *mn_id, size_t mn_id_len,
			      uint8_t *keys);

/*
 * RFC 3957 6.4 (figure 5) with subtype 1 data (6.4, figure 6): the MN-HA
 * AAA KeyGen Reply extension, type 43:
 *
 *	Type=43(1) Subtype=1(1) Length(2) Lifetime(4)
 *	AAA SPI(4) HA SPI(4) Algorithm Identifier(2) Replay Method(2)
 *	Key Generation Nonce(nonce_len)
 *
 * Length = subtype data + 4 (for Lifetime) = 16 + nonce_len.
 * Writes 20 + nonce_len bytes to out.  Returns that length, or -1 if
 * outlen is too small, nonce_len < 16 or the Length would not fit in 16
 * bits.
 */
ssize_t rfc3957_mn_ha_keygen_reply(uint8_t *out, size_t outlen,
				   uint32_t lifetime, uint32_t aaa_spi, uint32_t ha_spi,
				   uint16_t algorithm, uint16_t replay_method,
				   uint8_t const *nonce, size_t nonce_len);

/*
 * RFC 3957 6.2 (figure 2) with subtype 1 data (6.2, figure 3): the MN-FA
 * AAA KeyGen Reply extension, type 41:
 *
 *	Type=41(1) Subtype=1(1) Length(2)
 *	Lifetime(4) AAA SPI(4) FA SPI(4) Algorithm Identifier(2)
 *	Key Generation Nonce(nonce_len)
 *
 * Here Lifetime is part of the subtype data, and Length = subtype data
 * = 14 + nonce_len.  Writes 18 + nonce_len bytes.  Returns that length or
 * -1 (as above).
 */
ssize_t rfc3957_mn_fa_keygen_reply(uint8_t *out, size_t outlen,
				   uint32_t lifetime, uint32_t aaa_spi, uint32_t fa_spi,
				   uint16_t algorithm,
				   uint8_t const *nonce, size_t nonce_len);

#endif /* RFC3957_H */
