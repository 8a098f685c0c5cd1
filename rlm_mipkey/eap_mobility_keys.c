/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * eap_mobility_keys.c - Mobile IPv4 keys from EAP key material (see eap_mobility_keys.h).
 *
 * Unlike FreeRADIUS's rlm_wimax, which hashes the address of its NAI pointer instead of the
 * NAI, every input here is a (pointer, length) piece whose bytes are hashed, and each step
 * has a test vector computed by separate code (tests/unit/test_eap_keys.c).
 */
#include "crypto.h"
#include "eap_mobility_keys.h"
#include "wire.h"

#include <string.h>

#include <openssl/crypto.h>

/* Labels of the steps below the MIP4-RK, each followed by one 0x00 octet. */
static uint8_t const label_mn_ha[] = "MN-HA";
static uint8_t const label_fa_rk[] = "FA-RK";
static uint8_t const label_mn_fa[] = "MN-FA";

int eap_mobility_keys_kdf(uint8_t const *key, size_t key_len, char const *label, uint8_t *out, size_t out_len)
{
	uint8_t		t[CRYPTO_SHA256_LEN], length[2], counter, zero = 0;
	size_t		done = 0, take;
	int		ret = -1;

	if (!out) return -1;
	if (!key || !key_len || !label || !out_len || out_len > 255 * CRYPTO_SHA256_LEN) goto fail;
	put16(length, (uint16_t) out_len);

	for (counter = 1; done < out_len; counter++) {
		/* T1 = prf(K, S | 0x01); Tn = prf(K, T(n-1) | S | n); S = label | 0x00 | length */
		crypto_piece_t pieces[] = {
			{ t, counter == 1 ? 0 : sizeof(t) },
			{ (uint8_t const *) label, strlen(label) },
			{ &zero, 1 },
			{ length, sizeof(length) },
			{ &counter, 1 },
		};

		if (crypto_hmac_sha256(key, key_len, pieces, sizeof(pieces) / sizeof(pieces[0]), t) < 0) goto fail;
		take = out_len - done < sizeof(t) ? out_len - done : sizeof(t);
		memcpy(out + done, t, take);
		done += take;
	}
	ret = 0;

fail:
	OPENSSL_cleanse(t, sizeof(t));
	if (ret < 0 && out && out_len && out_len <= 255 * CRYPTO_SHA256_LEN) OPENSSL_cleanse(out, out_len);
	return ret;
}

int eap_mobility_keys_rk(uint8_t const *root, size_t root_len, uint8_t rk[EAP_MOBILITY_KEYS_RK_LEN])
{
	if (!rk) return -1;
	if (!root || root_len < EAP_MOBILITY_KEYS_ROOT_MIN_LEN || root_len > EAP_MOBILITY_KEYS_ROOT_MAX_LEN) {
		OPENSSL_cleanse(rk, EAP_MOBILITY_KEYS_RK_LEN);
		return -1;
	}
	return eap_mobility_keys_kdf(root, root_len, EAP_MOBILITY_KEYS_RK_LABEL, rk, EAP_MOBILITY_KEYS_RK_LEN);
}

/* label | 0x00 | agent address | SPI | nonce | NAI, truncated to 20 octets. */
static int agent_key(uint8_t const *parent, size_t parent_len, uint8_t const *label, size_t label_len,
		     uint8_t const addr[4], uint32_t spi, uint8_t const *nonce, size_t nonce_len,
		     uint8_t const *nai, size_t nai_len, uint8_t key[EAP_MOBILITY_KEYS_KEY_LEN])
{
	uint8_t		spi_be[4], full[CRYPTO_SHA256_LEN];
	int		ret = -1;

	if (!key) return -1;
	if (!parent || !addr || !nonce || nonce_len < EAP_MOBILITY_KEYS_NONCE_MIN_LEN || nonce_len > EAP_MOBILITY_KEYS_NONCE_MAX_LEN ||
	    !nai || !nai_len || nai_len > EAP_MOBILITY_KEYS_NAI_MAX_LEN) goto done;
	put32(spi_be, spi);
	{
		crypto_piece_t pieces[] = {
			{ label, label_len + 1 },	/* with its terminating 0x00 */
			{ addr, 4 },
			{ spi_be, sizeof(spi_be) },
			{ nonce, nonce_len },
			{ nai, nai_len },
		};

		if (crypto_hmac_sha256(parent, parent_len, pieces, sizeof(pieces) / sizeof(pieces[0]), full) < 0) goto done;
	}
	memcpy(key, full, EAP_MOBILITY_KEYS_KEY_LEN);
	ret = 0;

done:
	OPENSSL_cleanse(full, sizeof(full));
	if (ret < 0) OPENSSL_cleanse(key, EAP_MOBILITY_KEYS_KEY_LEN);
	return ret;
}

int eap_mobility_keys_mn_ha_key(uint8_t const rk[EAP_MOBILITY_KEYS_RK_LEN], uint8_t const ha[4], uint32_t spi,
				uint8_t const *nonce, size_t nonce_len, uint8_t const *nai, size_t nai_len,
				uint8_t key[EAP_MOBILITY_KEYS_KEY_LEN])
{
	return agent_key(rk, EAP_MOBILITY_KEYS_RK_LEN, label_mn_ha, sizeof(label_mn_ha) - 1, ha, spi, nonce, nonce_len,
			 nai, nai_len, key);
}

int eap_mobility_keys_fa_rk(uint8_t const rk[EAP_MOBILITY_KEYS_RK_LEN], uint8_t fa_rk[EAP_MOBILITY_KEYS_FA_RK_LEN])
{
	crypto_piece_t piece = { label_fa_rk, sizeof(label_fa_rk) };	/* with its 0x00 */

	if (!fa_rk) return -1;
	if (!rk) {
		OPENSSL_cleanse(fa_rk, EAP_MOBILITY_KEYS_FA_RK_LEN);
		return -1;
	}
	return crypto_hmac_sha256(rk, EAP_MOBILITY_KEYS_RK_LEN, &piece, 1, fa_rk);
}

int eap_mobility_keys_mn_fa_key(uint8_t const fa_rk[EAP_MOBILITY_KEYS_FA_RK_LEN], uint8_t const fa[4], uint32_t spi,
				uint8_t const *nonce, size_t nonce_len, uint8_t const *nai, size_t nai_len,
				uint8_t key[EAP_MOBILITY_KEYS_KEY_LEN])
{
	return agent_key(fa_rk, EAP_MOBILITY_KEYS_FA_RK_LEN, label_mn_fa, sizeof(label_mn_fa) - 1, fa, spi, nonce, nonce_len,
			 nai, nai_len, key);
}

eap_mobility_keys_root_rc_t eap_mobility_keys_root(uint8_t const *key, size_t key_len, bool emsk,
						   uint8_t const *recv, size_t recv_len, uint8_t const *send,
						   size_t send_len, uint8_t *root, size_t *root_len)
{
	if (key) {
		if (key_len < EAP_MOBILITY_KEYS_ROOT_MIN_LEN || key_len > EAP_MOBILITY_KEYS_ROOT_MAX_LEN) {
			return EAP_MOBILITY_KEYS_ROOT_LENGTH;
		}
		memcpy(root, key, key_len);
		*root_len = key_len;
		return EAP_MOBILITY_KEYS_ROOT_OK;
	}
	if (emsk) return EAP_MOBILITY_KEYS_ROOT_NO_EMSK;
	if (!recv || !send || recv_len != EAP_MOBILITY_KEYS_MPPE_HALF_LEN || send_len != EAP_MOBILITY_KEYS_MPPE_HALF_LEN) {
		return EAP_MOBILITY_KEYS_ROOT_NO_MSK;
	}
	memcpy(root, recv, EAP_MOBILITY_KEYS_MPPE_HALF_LEN);
	memcpy(root + EAP_MOBILITY_KEYS_MPPE_HALF_LEN, send, EAP_MOBILITY_KEYS_MPPE_HALF_LEN);
	*root_len = 2 * EAP_MOBILITY_KEYS_MPPE_HALF_LEN;
	return EAP_MOBILITY_KEYS_ROOT_OK;
}
