/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mip_skey.c - Skey and Skey' of WO 2004/049672 (seed 000) formulas (1)
 *		and (2), as pinned down in docs/PROTOCOL.md section 1.
 *
 * MD5 through crypto.c (one library context, a context reused per thread).
 * The inputs are hashed piece by piece, so no concatenation buffer holding
 * key material is ever built.
 */
#include "mip_skey.h"
#include "crypto.h"
#include "mschapv2.h"

#include <openssl/crypto.h>

typedef crypto_piece_t piece_t;

/*
 *	MD5 over n pieces.  OUT: out, 16 bytes (cleansed on failure).  Sets up
 *	the core's crypto on first use, so callers need not.
 */
static int md5_pieces(piece_t const *p, size_t n, uint8_t out[MIP_SKEY_LEN])
{
	if (mschapv2_crypto_init(NULL) < 0) {
		OPENSSL_cleanse(out, MIP_SKEY_LEN);
		return -1;
	}
	return crypto_digest(CRYPTO_MD_MD5, p, n, out);
}

/*
 *	Seed 000 formula (1): Skey = MD5(k'' || challenge || NT-Response)
 */
int mip_skey(uint8_t const k2[MIP_SKEY_K2_LEN],
	     uint8_t const *challenge, size_t challenge_len,
	     uint8_t const nt_response[MIP_SKEY_NT_RESPONSE_LEN],
	     uint8_t skey[MIP_SKEY_LEN])
{
	piece_t p[3];

	if (!skey) return -1;
	if (!k2 || !challenge || !challenge_len || !nt_response) {
		OPENSSL_cleanse(skey, MIP_SKEY_LEN);
		return -1;
	}

	p[0].data = k2;
	p[0].len = MIP_SKEY_K2_LEN;
	p[1].data = challenge;
	p[1].len = challenge_len;
	p[2].data = nt_response;
	p[2].len = MIP_SKEY_NT_RESPONSE_LEN;

	return md5_pieces(p, 3, skey);
}

/*
 *	Seed 000 formula (2): Skey' = MD5(Skey || Identification)
 */
int mip_skey_rekey(uint8_t const skey[MIP_SKEY_LEN],
		   uint8_t const timestamp[MIP_SKEY_TIMESTAMP_LEN],
		   uint8_t out[MIP_SKEY_LEN])
{
	piece_t p[2];

	if (!out) return -1;
	if (!skey || !timestamp) {
		OPENSSL_cleanse(out, MIP_SKEY_LEN);
		return -1;
	}

	p[0].data = skey;
	p[0].len = MIP_SKEY_LEN;
	p[1].data = timestamp;
	p[1].len = MIP_SKEY_TIMESTAMP_LEN;

	return md5_pieces(p, 2, out);
}
