/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mschapv2.c - MS-CHAPv2 (RFC 2759) and MPPE key derivation (RFC 3079).
 *
 * OpenSSL 3 EVP only, through crypto.c: one private library context (MD4
 * and DES are in its "legacy" provider), algorithms fetched once, contexts
 * reused per thread.
 */
#include "mschapv2.h"
#include "crypto.h"

#include <string.h>

#include <openssl/crypto.h>

#define SHA1_LEN CRYPTO_SHA1_LEN

/*
 *	The RFC magic strings are hashed without a trailing NUL, so they are
 *	declared with their exact length.  Tell newer compilers that is on
 *	purpose (GCC 15 -Wunterminated-string-initialization).
 */
#if defined(__has_attribute)
#  if __has_attribute(nonstring)
#    define NONSTRING __attribute__((nonstring))
#  endif
#endif
#ifndef NONSTRING
#  define NONSTRING
#endif

typedef crypto_piece_t piece_t;

/*
 *	UTF-8 decoding
 */
ssize_t utf8_to_utf16le(uint8_t *out, size_t outlen, char const *in, size_t inlen)
{
	uint8_t const	*p = (uint8_t const *)in;
	uint8_t const	*end = p + inlen;
	size_t		used = 0;

	if (!out && outlen) return -1;
	if (!in && inlen) return -1;

	while (p < end) {
		uint32_t	cp, min;
		size_t		n, i;

		if (p[0] < 0x80) {
			cp = p[0]; n = 1; min = 0;
		} else if ((p[0] & 0xe0) == 0xc0) {
			cp = p[0] & 0x1f; n = 2; min = 0x80;
		} else if ((p[0] & 0xf0) == 0xe0) {
			cp = p[0] & 0x0f; n = 3; min = 0x800;
		} else if ((p[0] & 0xf8) == 0xf0) {
			cp = p[0] & 0x07; n = 4; min = 0x10000;
		} else {
			return -1;	/* continuation byte as lead, or 0xF8..0xFF */
		}

		if ((size_t)(end - p) < n) return -1;	/* truncated */
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80) return -1;
			cp = (cp << 6) | (p[i] & 0x3f);
		}

		/* Each code point has exactly one valid encoding */
		if (cp < min) return -1;			/* overlong */
		if (cp >= 0xd800 && cp <= 0xdfff) return -1;	/* UTF-16 surrogate */
		if (cp > 0x10ffff) return -1;

		if (cp < 0x10000) {
			if (outlen - used < 2) return -1;
			out[used++] = cp & 0xff;
			out[used++] = cp >> 8;
		} else {
			uint32_t hi, lo;

			/* Windows stores astral characters as surrogate pairs */
			cp -= 0x10000;
			hi = 0xd800 | (cp >> 10);
			lo = 0xdc00 | (cp & 0x3ff);
			if (outlen - used < 4) return -1;
			out[used++] = hi & 0xff;
			out[used++] = hi >> 8;
			out[used++] = lo & 0xff;
			out[used++] = lo >> 8;
		}
		p += n;
	}

	return (ssize_t)used;
}

/*
 *	RFC 2759 section 8.3 NtPasswordHash.
 *	IN:  password (UTF-8, len bytes, at most 256 UTF-16 code units)
 *	OUT: hash (16 bytes) = MD4(UTF-16LE(password))
 */
int nt_password_hash(char const *password, size_t len, uint8_t hash[MSCHAPV2_HASH_LEN])
{
	uint8_t		unicode[MSCHAPV2_MAX_PASSWORD_CHARS * 2];
	ssize_t		ulen;
	piece_t		p[1];
	int		ret;

	if (!crypto_ok()) return -1;

	/* The buffer size enforces the 256 code unit limit */
	ulen = utf8_to_utf16le(unicode, sizeof(unicode), password, len);
	if (ulen < 0) {
		OPENSSL_cleanse(unicode, sizeof(unicode));
		return -1;
	}

	p[0] = (piece_t){ unicode, (size_t)ulen };
	ret = crypto_digest(CRYPTO_MD_MD4, p, 1, hash);

	OPENSSL_cleanse(unicode, sizeof(unicode));
	return ret;
}

/*
 *	RFC 2759 section 8.4 HashNtPasswordHash.
 *	IN:  hash (16 bytes)
 *	OUT: hashhash (16 bytes) = MD4(hash)
 */
int hash_nt_password_hash(uint8_t const hash[MSCHAPV2_HASH_LEN], uint8_t hashhash[MSCHAPV2_HASH_LEN])
{
	piece_t p[] = { { hash, MSCHAPV2_HASH_LEN } };

	if (!crypto_ok()) return -1;
	return crypto_digest(CRYPTO_MD_MD4, p, 1, hashhash);
}

/*
 *	RFC 2759 section 8.2 ChallengeHash.
 *	IN:  peer_challenge (16), auth_challenge (16), username (username_len,
 *	     no domain, used as given)
 *	OUT: out (8) = first 8 bytes of SHA1(peer | auth | username)
 */
int challenge_hash(uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
		   uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
		   char const *username, size_t username_len,
		   uint8_t out[MSCHAPV2_CHALLENGE_HASH_LEN])
{
	uint8_t	digest[SHA1_LEN];
	piece_t	p[] = {
		{ peer_challenge, MSCHAPV2_CHALLENGE_LEN },
		{ auth_challenge, MSCHAPV2_CHALLENGE_LEN },
		{ username, username_len }
	};

	if (!crypto_ok()) return -1;
	if (!username && username_len) return -1;

	if (crypto_digest(CRYPTO_MD_SHA1, p, 3, digest) < 0) {
		OPENSSL_cleanse(digest, sizeof(digest));
		return -1;
	}
	memcpy(out, digest, MSCHAPV2_CHALLENGE_HASH_LEN);
	OPENSSL_cleanse(digest, sizeof(digest));
	return 0;
}

/*
 *	RFC 2759 section 8.5 ChallengeResponse.
 *	IN:  challenge (8), pw_hash (16, zero-padded to 21 = 3 DES keys)
 *	OUT: response (24)
 */
int challenge_response(uint8_t const challenge[MSCHAPV2_CHALLENGE_HASH_LEN],
		       uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
		       uint8_t response[MSCHAPV2_NT_RESPONSE_LEN])
{
	uint8_t	zhash[21];
	int	ret = -1;

	if (!crypto_ok()) return -1;

	memcpy(zhash, pw_hash, MSCHAPV2_HASH_LEN);
	memset(zhash + MSCHAPV2_HASH_LEN, 0, sizeof(zhash) - MSCHAPV2_HASH_LEN);

	if (crypto_des_encrypt(challenge, 0, zhash, 3, response) < 0) goto done;
	ret = 0;

done:
	OPENSSL_cleanse(zhash, sizeof(zhash));
	if (ret < 0) OPENSSL_cleanse(response, MSCHAPV2_NT_RESPONSE_LEN);
	return ret;
}

/*
 *	RFC 2759 section 8.1 GenerateNTResponse, from the password hash.
 *	IN:  auth_challenge (16), peer_challenge (16), username (username_len),
 *	     pw_hash (16)
 *	OUT: response (24)
 */
int generate_nt_response_pwhash(uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
				uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
				char const *username, size_t username_len,
				uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
				uint8_t response[MSCHAPV2_NT_RESPONSE_LEN])
{
	uint8_t	challenge[MSCHAPV2_CHALLENGE_HASH_LEN];
	int	ret;

	if (!crypto_ok()) return -1;

	ret = challenge_hash(peer_challenge, auth_challenge, username, username_len, challenge);
	if (ret == 0) ret = challenge_response(challenge, pw_hash, response);

	OPENSSL_cleanse(challenge, sizeof(challenge));
	return ret;
}

/*
 *	RFC 2759 section 8.1 GenerateNTResponse, from the cleartext password.
 *	IN:  auth_challenge (16), peer_challenge (16), username (username_len),
 *	     password (UTF-8, password_len)
 *	OUT: response (24)
 */
int generate_nt_response(uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
			 uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
			 char const *username, size_t username_len,
			 char const *password, size_t password_len,
			 uint8_t response[MSCHAPV2_NT_RESPONSE_LEN])
{
	uint8_t	pw_hash[MSCHAPV2_HASH_LEN];
	int	ret;

	if (!crypto_ok()) return -1;

	ret = nt_password_hash(password, password_len, pw_hash);
	if (ret == 0) ret = generate_nt_response_pwhash(auth_challenge, peer_challenge,
							username, username_len, pw_hash, response);

	OPENSSL_cleanse(pw_hash, sizeof(pw_hash));
	return ret;
}

/*
 *	Server side check of a peer's NT-Response (RFC 2759 section 4), from the
 *	ChallengeHash (computed once per request by the caller).
 *	IN:  challenge (8), pw_hash (16), nt_response (24, as received)
 *	Returns 1 match, 0 mismatch, -1 error.  Constant time comparison.
 */
int verify_nt_response_challenge_hash(uint8_t const challenge[MSCHAPV2_CHALLENGE_HASH_LEN],
				      uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
				      uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN])
{
	uint8_t	expected[MSCHAPV2_NT_RESPONSE_LEN];
	int	ret;

	if (challenge_response(challenge, pw_hash, expected) < 0) {
		ret = -1;
	} else {
		ret = (CRYPTO_memcmp(expected, nt_response, sizeof(expected)) == 0) ? 1 : 0;
	}

	OPENSSL_cleanse(expected, sizeof(expected));
	return ret;
}

/*
 *	The same from the challenges and the name.
 *	IN:  auth_challenge (16), peer_challenge (16), username (username_len),
 *	     pw_hash (16), nt_response (24, as received)
 *	Returns 1 match, 0 mismatch, -1 error.
 */
int verify_nt_response_pwhash(uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
			      uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
			      char const *username, size_t username_len,
			      uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
			      uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN])
{
	uint8_t	challenge[MSCHAPV2_CHALLENGE_HASH_LEN];
	int	ret = -1;

	if (challenge_hash(peer_challenge, auth_challenge, username, username_len, challenge) == 0) {
		ret = verify_nt_response_challenge_hash(challenge, pw_hash, nt_response);
	}
	OPENSSL_cleanse(challenge, sizeof(challenge));
	return ret;
}

/* RFC 2759 section 8.7 Magic1 and Magic2 (no trailing NUL) */
static const uint8_t auth_resp_magic1[39] NONSTRING = "Magic server to client signing constant";
static const uint8_t auth_resp_magic2[41] NONSTRING = "Pad to make it do more than one iteration";

/*
 *	RFC 2759 section 8.7 GenerateAuthenticatorResponse, starting from
 *	PasswordHashHash and the ChallengeHash.
 *	IN:  pw_hash_hash (16), nt_response (24), challenge (8)
 *	OUT: out (43) = "S=" + 40 upper-case hex digits + NUL
 */
int generate_authenticator_response_challenge_hash(uint8_t const pw_hash_hash[MSCHAPV2_HASH_LEN],
						   uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN],
						   uint8_t const challenge[MSCHAPV2_CHALLENGE_HASH_LEN],
						   char out[MSCHAPV2_AUTH_RESPONSE_LEN + 1])
{
	static char const hex[] = "0123456789ABCDEF";
	uint8_t	digest[SHA1_LEN];
	int	ret = -1;
	size_t	i;
	piece_t	p1[] = {
		{ pw_hash_hash, MSCHAPV2_HASH_LEN },
		{ nt_response, MSCHAPV2_NT_RESPONSE_LEN },
		{ auth_resp_magic1, sizeof(auth_resp_magic1) }
	};
	piece_t	p2[] = {
		{ digest, SHA1_LEN },
		{ challenge, MSCHAPV2_CHALLENGE_HASH_LEN },
		{ auth_resp_magic2, sizeof(auth_resp_magic2) }
	};

	if (!crypto_ok()) return -1;

	if (crypto_digest(CRYPTO_MD_SHA1, p1, 3, digest) < 0) goto done;
	/* The output is written after the final, so it may alias an input */
	if (crypto_digest(CRYPTO_MD_SHA1, p2, 3, digest) < 0) goto done;

	out[0] = 'S';
	out[1] = '=';
	for (i = 0; i < SHA1_LEN; i++) {
		out[2 + 2 * i] = hex[digest[i] >> 4];
		out[3 + 2 * i] = hex[digest[i] & 0x0f];
	}
	out[MSCHAPV2_AUTH_RESPONSE_LEN] = '\0';
	ret = 0;

done:
	OPENSSL_cleanse(digest, sizeof(digest));
	return ret;
}

/*
 *	The same from the challenges and the name.
 *	IN:  pw_hash_hash (16), nt_response (24), peer_challenge (16),
 *	     auth_challenge (16), username (username_len)
 *	OUT: out (43)
 */
int generate_authenticator_response_pwhashhash(uint8_t const pw_hash_hash[MSCHAPV2_HASH_LEN],
					       uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN],
					       uint8_t const peer_challenge[MSCHAPV2_CHALLENGE_LEN],
					       uint8_t const auth_challenge[MSCHAPV2_CHALLENGE_LEN],
					       char const *username, size_t username_len,
					       char out[MSCHAPV2_AUTH_RESPONSE_LEN + 1])
{
	uint8_t	challenge[MSCHAPV2_CHALLENGE_HASH_LEN];
	int	ret = -1;

	if (challenge_hash(peer_challenge, auth_challenge, username, username_len, challenge) == 0) {
		ret = generate_authenticator_response_challenge_hash(pw_hash_hash, nt_response, challenge, out);
	}
	OPENSSL_cleanse(challenge, sizeof(challenge));
	return ret;
}

/* RFC 3079 section 3.4 Magic1 (no trailing NUL) */
static const uint8_t mppe_magic1[27] NONSTRING = "This is the MPPE Master Key";

/*
 *	RFC 3079 section 3.4 GetMasterKey.
 *	IN:  pw_hash_hash (16), nt_response (24)
 *	OUT: master_key (16) = first 16 bytes of SHA1(hashhash | response | Magic1)
 */
int get_master_key(uint8_t const pw_hash_hash[MSCHAPV2_HASH_LEN],
		   uint8_t const nt_response[MSCHAPV2_NT_RESPONSE_LEN],
		   uint8_t master_key[MSCHAPV2_HASH_LEN])
{
	uint8_t	digest[SHA1_LEN];
	int	ret = -1;
	piece_t	p[] = {
		{ pw_hash_hash, MSCHAPV2_HASH_LEN },
		{ nt_response, MSCHAPV2_NT_RESPONSE_LEN },
		{ mppe_magic1, sizeof(mppe_magic1) }
	};

	if (!crypto_ok()) return -1;

	if (crypto_digest(CRYPTO_MD_SHA1, p, 3, digest) == 0) {
		memcpy(master_key, digest, MSCHAPV2_HASH_LEN);
		ret = 0;
	}
	OPENSSL_cleanse(digest, sizeof(digest));
	return ret;
}

/* RFC 3079 section 3.4 Magic2, Magic3 and the SHA padding (no trailing NULs) */
static const uint8_t mppe_magic2[84] NONSTRING =
	"On the client side, this is the send key; on the server side, it is the receive key.";
static const uint8_t mppe_magic3[84] NONSTRING =
	"On the client side, this is the receive key; on the server side, it is the send key.";
static const uint8_t mppe_shspad1[40] = { 0 };
static const uint8_t mppe_shspad2[40] = {
	0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
	0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
	0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
	0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2
};

/*
 *	RFC 3079 section 3.4 GetAsymmetricStartKey.
 *	IN:  master_key (16), session_key_len (8 for 40/56 bit, 16 for 128 bit),
 *	     is_send, is_server (booleans picking Magic2 or Magic3)
 *	OUT: session_key (session_key_len)
 */
int get_asymmetric_start_key(uint8_t const master_key[MSCHAPV2_HASH_LEN],
			     uint8_t *session_key, size_t session_key_len,
			     int is_send, int is_server)
{
	uint8_t		digest[SHA1_LEN];
	uint8_t const	*s;
	int		ret = -1;
	piece_t		p[4];

	if (!crypto_ok()) return -1;
	if (session_key_len != 8 && session_key_len != 16) return -1;

	/* The client's send key is the server's receive key and vice versa */
	if (is_send) {
		s = is_server ? mppe_magic3 : mppe_magic2;
	} else {
		s = is_server ? mppe_magic2 : mppe_magic3;
	}

	p[0] = (piece_t){ master_key, MSCHAPV2_HASH_LEN };
	p[1] = (piece_t){ mppe_shspad1, sizeof(mppe_shspad1) };
	p[2] = (piece_t){ s, sizeof(mppe_magic2) };
	p[3] = (piece_t){ mppe_shspad2, sizeof(mppe_shspad2) };

	if (crypto_digest(CRYPTO_MD_SHA1, p, 4, digest) == 0) {
		memcpy(session_key, digest, session_key_len);
		ret = 0;
	}
	OPENSSL_cleanse(digest, sizeof(digest));
	return ret;
}

/*
 *	MS-MPPE-Send-Key / MS-MPPE-Recv-Key (RFC 2548) as sent by the
 *	server (RFC 3079 section 3.4, 128 bit keys).
 *	IN:  master_key (16)
 *	OUT: send_key (16, Magic3), recv_key (16, Magic2)
 */
int mppe_server_keys(uint8_t const master_key[MSCHAPV2_HASH_LEN],
		     uint8_t send_key[MSCHAPV2_HASH_LEN],
		     uint8_t recv_key[MSCHAPV2_HASH_LEN])
{
	if (get_asymmetric_start_key(master_key, send_key, MSCHAPV2_HASH_LEN, 1, 1) < 0 ||
	    get_asymmetric_start_key(master_key, recv_key, MSCHAPV2_HASH_LEN, 0, 1) < 0) {
		OPENSSL_cleanse(send_key, MSCHAPV2_HASH_LEN);
		OPENSSL_cleanse(recv_key, MSCHAPV2_HASH_LEN);
		return -1;
	}
	return 0;
}

/*
 *	NtPasswordHash (RFC 2759 section 8.3) of a password already in UTF-16LE, as a
 *	Change-Password carries it.
 *	IN:  password (len octets, even, at most 512)
 *	OUT: hash (16) = MD4(password)
 */
int nt_password_hash_utf16le(uint8_t const *password, size_t len, uint8_t hash[MSCHAPV2_HASH_LEN])
{
	piece_t p[1];

	if (!crypto_ok()) return -1;
	if ((len % 2) != 0 || len > MSCHAPV2_MAX_PASSWORD_OCTETS || (!password && len)) return -1;

	p[0] = (piece_t){ password, len };
	return crypto_digest(CRYPTO_MD_MD4, p, 1, hash);
}

/*
 *	RFC 2759 section 8.10 EncryptPwBlockWithPasswordHash, undone: RC4 under the old
 *	hash, then the password is the last PasswordLength octets of the 512-octet field.
 *	IN:  pw_block (516), pw_hash (16)
 *	OUT: password (512: *password_len octets of UTF-16LE), *password_len
 *	Returns 0, 1 bad length field, -1 error.
 */
int decrypt_pw_block_with_password_hash(uint8_t const pw_block[MSCHAPV2_PW_BLOCK_LEN],
					uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
					uint8_t password[MSCHAPV2_MAX_PASSWORD_OCTETS], size_t *password_len)
{
	uint8_t		clear[MSCHAPV2_PW_BLOCK_LEN];
	uint32_t	len;
	int		ret = -1;

	*password_len = 0;
	if (!crypto_ok()) return -1;

	if (crypto_rc4(pw_block, sizeof(clear), pw_hash, clear) < 0) goto done;

	/* PasswordLength: a ULONG after the 256 unichars, little-endian as on x86 */
	len = (uint32_t) clear[512] | ((uint32_t) clear[513] << 8) | ((uint32_t) clear[514] << 16) |
	      ((uint32_t) clear[515] << 24);
	if (len > MSCHAPV2_MAX_PASSWORD_OCTETS || (len % 2) != 0) {
		ret = 1;
		goto done;
	}
	memcpy(password, clear + MSCHAPV2_MAX_PASSWORD_OCTETS - len, len);
	*password_len = len;
	ret = 0;

done:
	OPENSSL_cleanse(clear, sizeof(clear));
	return ret;
}

/*
 *	RFC 2759 section 8.13 NtPasswordHashEncryptedWithBlock.
 *	IN:  pw_hash (16), block (16; only its first 14 octets are DES key material)
 *	OUT: cypher (16)
 */
int nt_password_hash_encrypted_with_block(uint8_t const pw_hash[MSCHAPV2_HASH_LEN],
					  uint8_t const block[MSCHAPV2_HASH_LEN],
					  uint8_t cypher[MSCHAPV2_HASH_LEN])
{
	if (!crypto_ok()) return -1;

	if (crypto_des_encrypt(pw_hash, 8, block, 2, cypher) < 0) {
		OPENSSL_cleanse(cypher, MSCHAPV2_HASH_LEN);
		return -1;
	}
	return 0;
}

/*
 *	RFC 2759 section 8.12 OldNtPasswordHashEncryptedWithNewNtPasswordHash, from the
 *	hashes (the server has k, not the old password).
 *	IN:  old_hash (16), new_hash (16)
 *	OUT: cypher (16)
 */
int old_nt_password_hash_encrypted_with_new_nt_password_hash_pwhash(uint8_t const old_hash[MSCHAPV2_HASH_LEN],
								    uint8_t const new_hash[MSCHAPV2_HASH_LEN],
								    uint8_t cypher[MSCHAPV2_HASH_LEN])
{
	return nt_password_hash_encrypted_with_block(old_hash, new_hash, cypher);
}

/*
 *	The server side of RFC 2759 section 7: is this Change-Password from someone who
 *	knows the old password?
 *	IN:  old_hash (16), pw_block (516), encrypted_hash (16)
 *	OUT: new_hash (16), *new_password_len
 *	Returns 1 yes, 0 no, -1 error.
 */
int mschapv2_check_password_change(uint8_t const old_hash[MSCHAPV2_HASH_LEN],
				   uint8_t const pw_block[MSCHAPV2_PW_BLOCK_LEN],
				   uint8_t const encrypted_hash[MSCHAPV2_HASH_LEN],
				   uint8_t new_hash[MSCHAPV2_HASH_LEN], size_t *new_password_len)
{
	uint8_t	password[MSCHAPV2_MAX_PASSWORD_OCTETS];
	uint8_t	expected[MSCHAPV2_HASH_LEN];
	size_t	len = 0;
	int	ret = -1, rc;

	memset(new_hash, 0, MSCHAPV2_HASH_LEN);
	*new_password_len = 0;
	if (!crypto_ok()) return -1;

	rc = decrypt_pw_block_with_password_hash(pw_block, old_hash, password, &len);
	if (rc != 0) {
		ret = rc > 0 ? 0 : -1;	/* a bad length is what a wrong old hash gives */
		goto done;
	}
	if (nt_password_hash_utf16le(password, len, new_hash) < 0 ||
	    old_nt_password_hash_encrypted_with_new_nt_password_hash_pwhash(old_hash, new_hash, expected) < 0) goto done;

	ret = (CRYPTO_memcmp(expected, encrypted_hash, sizeof(expected)) == 0) ? 1 : 0;
	if (ret == 1) *new_password_len = len;

done:
	if (ret != 1) OPENSSL_cleanse(new_hash, MSCHAPV2_HASH_LEN);
	OPENSSL_cleanse(password, sizeof(password));
	OPENSSL_cleanse(expected, sizeof(expected));
	return ret;
}

/*
 *	RFC 2759 section 8.2: ChallengeHash takes the user name "without any
 *	domain prepended": strip "DOMAIN\" (up to the first '\'), keep any
 *	"@realm" (Windows and wpa_supplicant hash "user@realm" whole).
 *	IN:  name (len bytes)
 *	OUT: *out_len; returns a pointer into name
 */
char const *mschapv2_rfc2759_username(char const *name, size_t len, size_t *out_len)
{
	char const *sep = name ? memchr(name, '\\', len) : NULL;

	if (!name) {
		*out_len = 0;
		return name;
	}
	if (sep) {
		len -= (size_t) (sep + 1 - name);
		name = sep + 1;
	}
	*out_len = len;
	return name;
}

/*
 *	The seed's name (WO 2004/049672): the RFC 2759 name with "@realm" (from
 *	the last '@') removed as well, what its mobile nodes hash.
 *	IN:  name (len bytes)
 *	OUT: *out_len; returns a pointer into name
 */
char const *mschapv2_hash_username(char const *name, size_t len, size_t *out_len)
{
	size_t i;

	name = mschapv2_rfc2759_username(name, len, &len);
	if (!name) {
		*out_len = 0;
		return name;
	}

	for (i = len; i > 0; i--) {
		if (name[i - 1] == '@') {
			len = i - 1;
			break;
		}
	}

	*out_len = len;
	return name;
}
