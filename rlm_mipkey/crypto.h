/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * crypto.h - the OpenSSL state of the whole core: one private library context
 *	      (legacy provider for MD4, DES and RC4; default provider for MD5,
 *	      SHA1, HMAC (SHA1, SHA-256), AES key wrap, AES-GCM and the DRBG),
 *	      every algorithm fetched once, and the digest, MAC and cipher
 *	      contexts of the request path kept per thread and reused.
 *
 * Pure: depends only on libc, pthreads and OpenSSL 3 libcrypto.
 * mschapv2_crypto_init() (mschapv2.h) sets it up (pthread_once, so the
 * first call may come from any thread). crypto_hmac_sha256(),
 * crypto_aes_wrap() and crypto_aes_gcm() run it themselves (kdc.c and
 * eap_mobility_keys.c, and their harnesses, never call it); every other
 * function requires it to have run: each returns -1 if it has not, if it
 * failed or if mschapv2_crypto_free() ran.
 *
 * Why per thread: EVP_MD_CTX_new() + free per digest was 7 allocations,
 * provider context set-ups and frees per MS-CHAPv2 verification. A thread
 * reuses its own contexts, so no lock is taken on the request path. Key
 * material never stays in them: each digest context is re-initialised
 * after its final, the MAC context is re-keyed with a constant key after
 * use, and the cipher context is reset (its key schedule freed, cleansed).
 */
#ifndef MIPKEY_CRYPTO_H
#define MIPKEY_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum {
	CRYPTO_MD_MD4 = 0,		/* 16 octets */
	CRYPTO_MD_MD5,		/* 16 octets */
	CRYPTO_MD_SHA1,		/* 20 octets */
	CRYPTO_MD_COUNT
} crypto_md_t;

#define CRYPTO_SHA1_LEN		20
#define CRYPTO_DES_BLOCK_LEN	8
#define CRYPTO_SHA256_LEN	32

/* One input piece of a hash: RFC concatenations are hashed without a concatenation buffer. */
typedef struct {
	void const	*data;
	size_t		len;
} crypto_piece_t;

/*
 * Hash n pieces with md. OUT: out (16 octets for MD4 and MD5, 20 for SHA1;
 * may alias an input: it is written after the final). Returns 0 or -1
 * (then out is cleansed).
 */
int crypto_digest(crypto_md_t md, crypto_piece_t const *p, size_t n, uint8_t *out);

/*
 * HMAC-SHA1 under key (key_len >= 1) of `messages` messages, each of
 * `pieces` pieces (p holds messages * pieces pieces, message by message):
 * the key is set up once for all of them. OUT: out (20 * messages).
 * Returns 0 or -1 (then out is cleansed).
 */
int crypto_hmac_sha1(uint8_t const *key, size_t key_len, crypto_piece_t const *p, size_t pieces,
		     size_t messages, uint8_t *out);

/*
 * HMAC-SHA-256 (RFC 2104, FIPS 180-4) under key (key_len >= 1) of the n
 * pieces, in order. Runs mschapv2_crypto_init() first. OUT: out (32).
 * Returns 0 or -1 (then out is cleansed).
 */
int crypto_hmac_sha256(uint8_t const *key, size_t key_len, crypto_piece_t const *p, size_t n,
		       uint8_t out[CRYPTO_SHA256_LEN]);

/*
 * AES key wrap (enc 1) or unwrap (enc 0) of in (in_len octets, one
 * update): RFC 3394, or RFC 5649 if pad, under kek (16, 24 or 32 octets).
 * Runs mschapv2_crypto_init() first. OUT: out, which must hold in_len + 16
 * octets. Returns the output length, or -1 (bad KEK length or input length,
 * an unwrap whose integrity check fails, OpenSSL error; out cleansed).
 */
ssize_t crypto_aes_wrap(int enc, bool pad, uint8_t const *kek, size_t kek_len, uint8_t const *in, size_t in_len,
			uint8_t *out);

/*
 * AES-GCM (key of 16, 24 or 32 octets) of in (in_len octets) with the
 * additional data aad; nonce_len and tag_len as the caller's format says.
 * enc 1: out = ciphertext, tag written. enc 0: out = plaintext, tag checked
 * (in constant time, inside OpenSSL). Runs mschapv2_crypto_init() first.
 * Returns 1, 0 (enc 0: the tag does not match; out cleansed) or -1 (bad
 * lengths, OpenSSL error).
 */
int crypto_aes_gcm(int enc, uint8_t const *key, size_t key_len, uint8_t const *nonce, size_t nonce_len,
		   uint8_t const *aad, size_t aad_len, uint8_t const *in, size_t in_len, uint8_t *out,
		   uint8_t *tag, size_t tag_len);

/*
 * RFC 2759 8.6 DesEncrypt, n times: block i is clear + i * clear_step (8
 * octets; clear_step 0 encrypts one block under every key) under the
 * 7-octet key at key7 + 7 * i, expanded to 8 (DES ignores the parity bits).
 * OUT: cypher (8 * n). Returns 0 or -1 (then cypher is cleansed).
 */
int crypto_des_encrypt(uint8_t const *clear, size_t clear_step, uint8_t const *key7, size_t n, uint8_t *cypher);

/*
 * RC4 (RFC 2759 8.11) of len octets under a 16-octet key. OUT: cypher (len;
 * may not alias clear). Rare (password change): a context per call.
 * Returns 0 or -1 (then cypher is cleansed).
 */
int crypto_rc4(uint8_t const *clear, size_t len, uint8_t const key[16], uint8_t *cypher);

/* len cryptographically random octets from the library context's DRBG. Returns 0 or -1. */
int crypto_random(uint8_t *out, size_t len);

/* 1 once mschapv2_crypto_init() has succeeded (and mschapv2_crypto_free() has not run), else 0. */
int crypto_ok(void);

#endif /* MIPKEY_CRYPTO_H */
