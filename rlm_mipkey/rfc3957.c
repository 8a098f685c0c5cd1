/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rfc3957.c - RFC 3957 Key Generation Nonces, registration key
 *		derivation and KeyGen Reply encoders.
 *
 * OpenSSL 3 EVP only: EVP_MAC "HMAC" with digest SHA1 for section 5,
 * RAND_bytes for the nonce.
 */
#include "rfc3957.h"
#include "wire.h"

#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>


/*
 *	RFC 3957 5, AAAH step 2: "a random value of at least 128 bits".
 */
int rfc3957_nonce(uint8_t *nonce, size_t len)
{
	if (!nonce || len < RFC3957_NONCE_MIN_LEN || len > INT_MAX) return -1;

	if (RAND_bytes(nonce, (int)len) != 1) {
		OPENSSL_cleanse(nonce, len);
		return -1;
	}
	return 0;
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
	EVP_MAC		*mac = NULL;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	params[2];
	char		digest[] = "SHA1";
	size_t		outlen = 0;
	int		ret = -1;

	if (!key) return -1;
	if (!aaa_key || !aaa_key_len) goto done;
	if (!nonce || nonce_len < RFC3957_NONCE_MIN_LEN) goto done;
	if (!mn_id || !mn_id_len) goto done;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac) goto done;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx) goto done;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();

	if (!EVP_MAC_init(ctx, aaa_key, aaa_key_len, params)) goto done;
	if (!EVP_MAC_update(ctx, nonce, nonce_len)) goto done;
	if (!EVP_MAC_update(ctx, mn_id, mn_id_len)) goto done;
	if (!EVP_MAC_final(ctx, key, &outlen, RFC3957_KEY_LEN)) goto done;
	if (outlen != RFC3957_KEY_LEN) goto done;
	ret = 0;

done:
	EVP_MAC_CTX_free(ctx);		/* the HMAC provider cleanses its key state */
	EVP_MAC_free(mac);
	if (ret < 0) OPENSSL_cleanse(key, RFC3957_KEY_LEN);
	return ret;
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
