/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * kdc.h - the home AAA server as key distribution centre (WO 01/26322, "seed 001"): the pure
 * core, no FreeRADIUS dependency. docs/PROTOCOL.md section 5 describes every byte.
 *
 * - AES key wrap, RFC 3394 (pad = false) and RFC 5649 (pad = true), OpenSSL EVP;
 * - the PRF of the semi-stateful mode: HMAC-SHA256(K_SEED, NAI_i | NAI_r | IP_r | IP_i), each
 *   field length-prefixed;
 * - KEY0's two working keys (identity encryption, key wrap), derived with HMAC-SHA256;
 * - the Encrypted NAI extension (type 150) behind the Registration Request's fixed part:
 *   parsed with every length checked, AES-GCM with the clear fields as AAD;
 * - the MN Key Reply extension (type 151): KEY1 || KEY3 or K_SEED wrapped for the mobile node.
 */
#ifndef MIPKEY_KDC_H
#define MIPKEY_KDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KDC_KEY_LEN		20	//!< KEY1 (MN-HA), KEY2 (FA-HA), KEY3 (MN-FA): HMAC-SHA1 keys
#define KDC_SEED_LEN		32	//!< K_SEED
#define KDC_KEY0_MAX		32	//!< KEY0: an AES key, 16, 24 or 32 octets
#define KDC_NONCE_LEN		12	//!< AES-GCM nonce
#define KDC_TAG_LEN		16	//!< AES-GCM tag
#define KDC_RRQ_FIXED_LEN	24	//!< RFC 3344 3.3: the Registration Request before its extensions

#define KDC_EXT_ENCRYPTED_NAI	150	//!< skippable (128-255), standard format
#define KDC_EXT_MN_KEYS		151	//!< skippable, standard format

/* Encrypted NAI extension: type, length, KEY0 SPI, MN-HA SPI, MN-FA SPI, nonce, NAI, tag. */
#define KDC_ENC_NAI_HDR_LEN	14	//!< type .. MN-FA SPI: the extension's part of the AAD
#define KDC_ENC_NAI_OVERHEAD	(KDC_ENC_NAI_HDR_LEN + KDC_NONCE_LEN + KDC_TAG_LEN)
/* One RADIUS VSA carries at most 247 octets: RRQ fixed part + extension. */
#define KDC_REQUEST_MAX		247
#define KDC_NAI_MAX		(KDC_REQUEST_MAX - KDC_RRQ_FIXED_LEN - KDC_ENC_NAI_OVERHEAD)

/* MN Key Reply extension: type, length, mode, reserved, KEY0 SPI, lifetime, MN-HA SPI, MN-FA SPI, wrap. */
#define KDC_MN_KEYS_HDR_LEN	20
#define KDC_MODE_STATEFUL	1	//!< wrapped KEY1 || KEY3
#define KDC_MODE_SEMI_STATEFUL	2	//!< wrapped K_SEED
#define KDC_WRAP_MAX		(KDC_SEED_LEN + 16)
#define KDC_MN_KEYS_MAX		(KDC_MN_KEYS_HDR_LEN + KDC_WRAP_MAX)

/*
 * AES key wrap under kek (16, 24 or 32 octets): RFC 3394 (pad false: in_len a multiple of 8,
 * at least 16) or RFC 5649 (pad true: 1 octet or more), default initial values. Returns the
 * length written to out (in_len + 8, padded for RFC 5649), or -1 (bad lengths, OpenSSL error).
 */
ssize_t kdc_wrap(uint8_t const *kek, size_t kek_len, bool pad, uint8_t const *in, size_t in_len,
		 uint8_t *out, size_t out_size);

/* The inverse. Returns the length of the key, or -1: the integrity check failed (or bad lengths). */
ssize_t kdc_unwrap(uint8_t const *kek, size_t kek_len, bool pad, uint8_t const *in, size_t in_len,
		   uint8_t *out, size_t out_size);

/*
 * The semi-stateful PRF: the first out_len (1..32) octets of HMAC-SHA256(K_SEED,
 * len16(NAI_i) NAI_i len16(NAI_r) NAI_r len8(IP_r) IP_r len8(IP_i) IP_i). Lengths in network
 * byte order; an NAI of an agent without one is empty (length 0). Returns 0 or -1.
 */
int kdc_prf(uint8_t const *seed, size_t seed_len,
	    uint8_t const *nai_i, size_t nai_i_len, uint8_t const *nai_r, size_t nai_r_len,
	    uint8_t const *ip_r, size_t ip_r_len, uint8_t const *ip_i, size_t ip_i_len,
	    uint8_t *out, size_t out_len);

/*
 * KEY0's working keys, each as long as KEY0 (16, 24 or 32): k_enc (AES-GCM of the identity)
 * = HMAC-SHA256(KEY0, "mipkey KDC identity encryption"), k_wrap (AES key wrap of the keys for
 * the mobile node) = HMAC-SHA256(KEY0, "mipkey KDC key wrap"), truncated. Returns 0 or -1.
 */
int kdc_key0_subkeys(uint8_t const *key0, size_t key0_len, uint8_t *k_enc, uint8_t *k_wrap);

/** A KDC request (Mipkey-KDC-Request): the RRQ's fixed part, then the Encrypted NAI extension. */
typedef struct {
	uint8_t const	*rrq;			//!< KDC_RRQ_FIXED_LEN octets
	uint32_t	lifetime;		//!< RRQ Lifetime (2 octets)
	uint8_t		home_address[4];
	uint8_t		home_agent[4];
	uint8_t		care_of[4];
	uint64_t	identification;
	uint32_t	key0_spi;
	uint32_t	mn_ha_spi;
	uint32_t	mn_fa_spi;
	uint8_t const	*nonce;			//!< KDC_NONCE_LEN
	uint8_t const	*ciphertext;
	size_t		ciphertext_len;		//!< = NAI length, 1 .. KDC_NAI_MAX
	uint8_t const	*tag;			//!< KDC_TAG_LEN
	uint8_t const	*aad;			//!< RRQ fixed part and extension header, contiguous
	size_t		aad_len;
} kdc_request_t;

/* Parses buf (every length checked; nothing else may follow the extension). 0, or -1 with *err. */
int kdc_request_parse(uint8_t const *buf, size_t len, kdc_request_t *out, char const **err);

/*
 * Decrypts and authenticates the NAI with k_enc (AES-GCM, key length 16, 24 or 32). Returns
 * 1 and the NAI in nai (*nai_len), 0 if the tag does not verify (nothing written), -1 on error.
 */
int kdc_request_open(uint8_t const *k_enc, size_t k_len, kdc_request_t const *req,
		     uint8_t *nai, size_t nai_size, size_t *nai_len);

/*
 * The mobile node's side: rrq (the 24-octet fixed part) followed by the Encrypted NAI extension
 * with nai encrypted under k_enc with the given nonce. Returns the length, or -1.
 */
ssize_t kdc_request_build(uint8_t const *k_enc, size_t k_len, uint8_t const rrq[KDC_RRQ_FIXED_LEN],
			  uint32_t key0_spi, uint32_t mn_ha_spi, uint32_t mn_fa_spi,
			  uint8_t const nonce[KDC_NONCE_LEN], uint8_t const *nai, size_t nai_len,
			  uint8_t *out, size_t out_size);

/*
 * The MN Key Reply extension: mode KDC_MODE_STATEFUL (keys = KEY1 || KEY3) or
 * KDC_MODE_SEMI_STATEFUL (keys = K_SEED), wrapped with RFC 5649 under k_wrap. Returns the
 * extension's length, or -1.
 */
ssize_t kdc_mn_keys_build(uint8_t const *k_wrap, size_t k_len, uint8_t mode, uint32_t key0_spi,
			  uint32_t lifetime, uint32_t mn_ha_spi, uint32_t mn_fa_spi,
			  uint8_t const *keys, size_t keys_len, uint8_t *out, size_t out_size);

typedef struct {
	uint8_t		mode;
	uint32_t	key0_spi;
	uint32_t	lifetime;
	uint32_t	mn_ha_spi;
	uint32_t	mn_fa_spi;
	uint8_t		keys[KDC_SEED_LEN + KDC_KEY_LEN];
	size_t		keys_len;		//!< 2 * KDC_KEY_LEN (stateful) or KDC_SEED_LEN
} kdc_mn_keys_t;

/*
 * The mobile node reads the extension: 1 and the unwrapped keys, 0 if the wrap does not
 * unwrap under k_wrap (or holds the wrong amount for its mode), -1 if malformed (*err).
 */
int kdc_mn_keys_open(uint8_t const *k_wrap, size_t k_len, uint8_t const *buf, size_t len, kdc_mn_keys_t *out,
		     char const **err);

#endif
