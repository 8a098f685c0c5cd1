/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mschapv2.h - MS-CHAPv2 (RFC 2759) and MPPE key derivation (RFC 3079)
 *		primitives.
 *
 * Pure crypto: depends only on libc and OpenSSL 3 libcrypto, not on
 * FreeRADIUS; the OpenSSL state is crypto.c's.  Function names follow the RFC pseudo-code names in
 * snake_case.  All functions except mschapv2_crypto_init(),
 * mschapv2_crypto_free(), utf8_to_utf16le(), mschapv2_hash_username() and
 * mschapv2_rfc2759_username()
 * return -1 if mschapv2_crypto_init() has not succeeded.
 */
#ifndef MSCHAPV2_H
#define MSCHAPV2_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MSCHAPV2_CHALLENGE_LEN		16	/* authenticator and peer challenge */
#define MSCHAPV2_CHALLENGE_HASH_LEN	8
#define MSCHAPV2_NT_RESPONSE_LEN	24
#define MSCHAPV2_HASH_LEN		16	/* k, k', k'' and MPPE keys */
#define MSCHAPV2_AUTH_RESPONSE_LEN	42	/* "S=" + 40 upper-case hex, no NUL */
#define MSCHAPV2_MAX_PASSWORD_CHARS	256	/* UTF-16 code units, RFC 2759 */
#define MSCHAPV2_PW_BLOCK_LEN		516	/* RFC 2759 8.10 datum-516: 512 password + 4 length */
#define MSCHAPV2_MAX_PASSWORD_OCTETS	(2 * MSCHAPV2_MAX_PASSWORD_CHARS)	/* UTF-16LE, 512 */

/*
 * Load the OpenSSL "legacy" (MD4, DES, RC4) and "default" providers into a
 * private library context and fetch every algorithm of the core (crypto.c:
 * also MD5, HMAC and the DRBG for mip_skey.c and rfc3957.c).  Idempotent and
 * thread-safe.  Returns 0 on success, or -1 with *err (if err != NULL)
 * set to a static message.
 */
int mschapv2_crypto_init(char const **err);

/*
 * Release the library context and fetched algorithms.  Call once at
 * shutdown, when no other thread uses this module.  Safe to call if init
 * never ran or failed, and safe to call twice.  After it, every function
 * returns -1; init cannot be redone in the same process (pthread_once).
 */
void mschapv2_crypto_free(void);

/*
 * UTF-8 -> UTF-16LE, with surrogate pairs for code points > U+FFFF (so an
 * emoji password hashes as Windows does).  Rejects invalid UTF-8
 * (overlongs, surrogates encoded in UTF-8, > U+10FFFF, truncated
 * sequences).  Returns number of bytes written, or -1 (invalid input or
 * out too small).
 */
ssize_t utf8_to_utf16le(uint8_t *out, size_t outlen, char const *in, size_t inlen);

/* RFC 2759 8.3, password UTF-8; -1 if invalid UTF-8 or more than 256 UTF-16 units */
int nt_password_hash(char const *password, size_t len, uint8_t hash[MSCHAPV2_HASH_LEN]);

/* RFC 2759 8.4 */
int hash_nt_password_hash(uint8_t const hash[MSCHAPV2_HASH_LEN], uint8_t hashhash[MSCHAPV2_HASH_LEN]);

/* RFC 2759 8.2; username is used as given (the caller strips) */
int challenge_hash(uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
		   uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
		   char const *username, size_t username_len,
		   uint8_t out[MSCHAPV2_CHALLENGE_HASH_LEN]);

/* RFC 2759 8.5 */
int challenge_response(uint8_t const challenge[MSCHAPV2_CHALLENGE_HASH_LEN],
		       uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
		       uint8_t response[MSCHAPV2_NT_RESPONSE_LEN]);

/* RFC 2759 8.1, from the password hash k */
int generate_nt_response_pwhash(uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
				uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
				char const *username, size_t username_len,
				uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
				uint8_t response[MSCHAPV2_NT_RESPONSE_LEN]);

/* RFC 2759 8.1, from the UTF-8 cleartext password */
int generate_nt_response(uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
			 uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
			 char const *username, size_t username_len,
			 char const *password, size_t password_len,
			 uint8_t response[MSCHAPV2_NT_RESPONSE_LEN]);

/* 1 = response matches (CRYPTO_memcmp), 0 = mismatch, -1 = error */
int verify_nt_response_pwhash(uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
			      uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
			      char const *username, size_t username_len,
			      uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
			      uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN]);

/* RFC 2759 4: the same from the ChallengeHash, so a request computes it once */
int verify_nt_response_challenge_hash(uint8_t const challenge[MSCHAPV2_CHALLENGE_HASH_LEN],
				      uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
				      uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN]);

/* RFC 2759 8.7 from k' and the ChallengeHash (computed once per request); out as below */
int generate_authenticator_response_challenge_hash(uint8_t const pw_hash_hash[MSCHAPV2_HASH_LEN],
						   uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN],
						   uint8_t const challenge[MSCHAPV2_CHALLENGE_HASH_LEN],
						   char out[MSCHAPV2_AUTH_RESPONSE_LEN + 1]);

/*
 * RFC 2759 8.7, from k' (so a caller that only has the DC's user session
 * key can use it).  out gets exactly 42 chars "S=..." and a NUL (43 bytes).
 */
int generate_authenticator_response_pwhashhash(uint8_t const pw_hash_hash[MSCHAPV2_HASH_LEN],
					       uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN],
					       uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
					       uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
					       char const *username, size_t username_len,
					       char out[MSCHAPV2_AUTH_RESPONSE_LEN + 1]);

/* RFC 3079 3.4, k'' */
int get_master_key(uint8_t const pw_hash_hash[MSCHAPV2_HASH_LEN],
		   uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN],
		   uint8_t master_key[MSCHAPV2_HASH_LEN]);

/* RFC 3079 3.4; session_key_len is 8 or 16 */
int get_asymmetric_start_key(uint8_t const master_key[MSCHAPV2_HASH_LEN],
			     uint8_t *session_key, size_t session_key_len,
			     int is_send, int is_server);

/*
 * Server side convenience: MS-MPPE-Send-Key (magic 3) and
 * MS-MPPE-Recv-Key (magic 2), 16 bytes each.
 */
int mppe_server_keys(uint8_t const master_key[MSCHAPV2_HASH_LEN],
		     uint8_t send_key[MSCHAPV2_HASH_LEN],
		     uint8_t recv_key[MSCHAPV2_HASH_LEN]);

/*
 * Password change (RFC 2759 section 7, the Change-Password packet; RFC 2548
 * MS-CHAP2-CPW and MS-CHAP-NT-Enc-PW carry its fields over RADIUS).
 */

/* NtPasswordHash (RFC 2759 8.3) of a password that is already UTF-16LE: len even, at most 512 */
int nt_password_hash_utf16le(uint8_t const *password, size_t len, uint8_t hash[MSCHAPV2_HASH_LEN]);

/*
 * RFC 2759 8.10 EncryptPwBlockWithPasswordHash, server side: RC4 (8.11) is its own
 * inverse, so this decrypts NewPasswordEncryptedWithOldNtPasswordHash (8.9) with the old
 * hash and takes the new password out of the clear block.
 * IN:  pw_block (516), pw_hash (16, the old k)
 * OUT: password (512; the new password, UTF-16LE, *password_len octets at the start)
 * Returns 0, 1 if the length in the last 4 octets (little-endian) is not an even number
 * of at most 512 (a wrong old hash, or a malformed block: nothing is in password), -1 error.
 */
int decrypt_pw_block_with_password_hash(uint8_t const pw_block[MSCHAPV2_PW_BLOCK_LEN],
					uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
					uint8_t password[MSCHAPV2_MAX_PASSWORD_OCTETS], size_t *password_len);

/*
 * RFC 2759 8.13 NtPasswordHashEncryptedWithBlock: two DES blocks of pw_hash under the
 * first and second 7 octets of block.
 * IN:  pw_hash (16), block (16)
 * OUT: cypher (16)
 */
int nt_password_hash_encrypted_with_block(uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
					  uint8_t const block[MSCHAPV2_HASH_LEN],
					  uint8_t cypher[MSCHAPV2_HASH_LEN]);

/*
 * RFC 2759 8.12 OldNtPasswordHashEncryptedWithNewNtPasswordHash, from the two hashes.
 * IN:  old_hash (16), new_hash (16)
 * OUT: cypher (16) = NtPasswordHashEncryptedWithBlock(old_hash, new_hash)
 */
int old_nt_password_hash_encrypted_with_new_nt_password_hash_pwhash(uint8_t const old_hash[MSCHAPV2_HASH_LEN],
								    uint8_t const new_hash[MSCHAPV2_HASH_LEN],
								    uint8_t cypher[MSCHAPV2_HASH_LEN]);

/*
 * The server's whole check of a Change-Password (RFC 2759 section 7): decrypt the
 * new password with the old hash (8.10), hash it (8.3), and compare the peer's
 * Encrypted-Hash with OldNtPasswordHashEncryptedWithNewNtPasswordHash (8.12) in
 * constant time. A match proves the peer knows the old and the new password.
 * IN:  old_hash (16, k from the directory), pw_block (516), encrypted_hash (16, as received)
 * OUT: new_hash (16, the new k; zero unless the result is 1), *new_password_len (octets of
 *      UTF-16LE, 0 to 512: lets the caller refuse an empty password)
 * Returns 1 match, 0 mismatch (wrong old password, or a block that does not decrypt to
 * a valid length), -1 error.
 */
int mschapv2_check_password_change(uint8_t const old_hash[MSCHAPV2_HASH_LEN],
				   uint8_t const pw_block[MSCHAPV2_PW_BLOCK_LEN],
				   uint8_t const encrypted_hash[MSCHAPV2_HASH_LEN],
				   uint8_t new_hash[MSCHAPV2_HASH_LEN], size_t *new_password_len);

/*
 * The seed's name for ChallengeHash (what the Mobile IP mobile nodes hash):
 * strips a leading "DOMAIN\" and a trailing "@realm" (last '@').  Returns
 * a pointer into name and sets *out_len; never allocates.
 */
char const *mschapv2_hash_username(char const *name, size_t len, size_t *out_len);

/*
 * RFC 2759 section 8.2 name for ChallengeHash: the user name "without any
 * domain prepended", i.e. a leading "DOMAIN\" (up to the first '\')
 * removed and "@realm" kept (Windows, wpa_supplicant).  Pointer into name.
 */
char const *mschapv2_rfc2759_username(char const *name, size_t len, size_t *out_len);

#endif /* MSCHAPV2_H */
