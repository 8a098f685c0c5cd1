/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rfc3957.c - RFC 3957 Key Generation Nonces, registration key
 *		derivation and KeyGen Reply encoders.
 *
 * OpenSSL 3 through crypto.c (one library context, algorithms fetched once,
 * contexts reused per thread): HMAC-SHA1 for section 5, the context's DRBG
 * for the nonces. Both set up the core's crypto on first use.
 */
#include "rfc3957.h"
#include "crypto.h"
#include "mschapv2.h"
#include "wire.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>


/*
 *	RFC 3957 5, AAAH step 2: "a random value of at least 128 bits".
 */
int rfc3957_nonce(uint8_t *nonce, size_t len)
{
	if (!nonce || len < RFC3957_NONCE_MIN_LEN || len > INT_MAX) return -1;
	if (mschapv2_crypto_init(NULL) < 0) return -1;
	return crypto_random(nonce, len);
}

/*
 *	RFC 3957 5, mobile node step 1:
 *	key = HMAC-SHA1(AAA-key, {Key Generation Nonce || mobile node identifier})
 */
int rfc3957_registration_key(uint8_t const *aaa_key, size_t aaa_key_len,
			     uint8_t const *nonce, size_t nonce_len,
			     uint8_t const *mn_id, size_t mn_id_len,
			     uint8_t key[RFC3957_KEY_LEN])
{
	return rfc3957_registration_keys(aaa_key, aaa_key_len, nonce, nonce_len, 1, mn_id, mn_id_len, key);
}

/* Two keys at most per request (MN-HA, MN-FA): room for a few more, no allocation. */
#define RFC3957_MAX_KEYS	4

int rfc3957_registration_keys(uint8_t const *aaa_key, size_t aaa_key_len,
			      uint8_t const *nonces, size_t nonce_len, size_t n,
			      uint8_t const *mn_id, size_t mn_id_len,
			      uint8_t *keys)
{
	crypto_piece_t	p[2 * RFC3957_MAX_KEYS];
	size_t		i;

	if (!keys) return -1;
	if (!n || n > RFC3957_MAX_KEYS || !aaa_key || !aaa_key_len || !nonces || nonce_len < RFC3957_NONCE_MIN_LEN ||
	    !mn_id || !mn_id_len || mschapv2_crypto_init(NULL) < 0) {
		if (n <= RFC3957_MAX_KEYS) OPENSSL_cleanse(keys, RFC3957_KEY_LEN * n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		p[2 * i] = (crypto_piece_t){ nonces + i * nonce_len, nonce_len };
		p[2 * i + 1] = (crypto_piece_t){ mn_id, mn_id_len };
	}
	return crypto_hmac_sha1(aaa_key, aaa_key_len, p, 2, n, keys);
}

/*
 *	RFC 3957 6.4, figures 5 and 6 (MN-HA AAA KeyGen Reply, type 43,
 *	subtype 1).  Length = subtype data + 4 for the Lifetime.
 */
ssize_t rfc3957_mn_ha_keygen_reply(uint8_t *out, size_t outlen,
				   uint32_t lifetime, uint32_t aaa_spi, uint32_t ha_spi,
				   uint16_t algorithm, uint16_t replay_method,
				   uint8_t const *nonce, size_t nonce_len)
{
	size_t total, ext_len;

	if (!out || !nonce || nonce_len < RFC3957_NONCE_MIN_LEN) return -1;
	if (nonce_len > UINT16_MAX - (RFC3957_MN_HA_REPLY_FIXED_LEN - 4)) return -1;

	total = RFC3957_MN_HA_REPLY_FIXED_LEN + nonce_len;
	ext_len = total - 4;		/* everything after Type, Subtype, Length */
	if (outlen < total) return -1;

	out[0] = RFC3957_EXT_MN_HA_KEYGEN_REP;
	out[1] = RFC3957_SUBTYPE_FROM_AAA;
	put16(out + 2, (uint16_t)ext_len);
	put32(out + 4, lifetime);
	/* subtype 1 data, figure 6 */
	put32(out + 8, aaa_spi);
	put32(out + 12, ha_spi);
	put16(out + 16, algorithm);
	put16(out + 18, replay_method);
	memcpy(out + 20, nonce, nonce_len);

	return (ssize_t)total;
}

/*
 *	RFC 3957 6.2, figures 2 and 3 (MN-FA AAA KeyGen Reply, type 41,
 *	subtype 1).  Length = subtype data (Lifetime included).
 */
ssize_t rfc3957_mn_fa_keygen_reply(uint8_t *out, size_t outlen,
				   uint32_t lifetime, uint32_t aaa_spi, uint32_t fa_spi,
				   uint16_t algorithm,
				   uint8_t const *nonce, size_t nonce_len)
{
	size_t total, ext_len;

	if (!out || !nonce || nonce_len < RFC3957_NONCE_MIN_LEN) return -1;
	if (nonce_len > UINT16_MAX - (RFC3957_MN_FA_REPLY_FIXED_LEN - 4)) return -1;

	total = RFC3957_MN_FA_REPLY_FIXED_LEN + nonce_len;
	ext_len = total - 4;
	if (outlen < total) return -1;

	out[0] = RFC3957_EXT_MN_FA_KEYGEN_REP;
	out[1] = RFC3957_SUBTYPE_FROM_AAA;
	put16(out + 2, (uint16_t)ext_len);
	/* subtype 1 data, figure 3 */
	put32(out + 4, lifetime);
	put32(out + 8, aaa_spi);
	put32(out + 12, fa_spi);
	put16(out + 16, algorithm);
	memcpy(out + 18, nonce, nonce_len);

	return (ssize_t)total;
}
