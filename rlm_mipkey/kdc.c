/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * kdc.c - the key distribution centre's pure core (see kdc.h, docs/PROTOCOL.md section 5).
 */
#include <string.h>
#include <openssl/crypto.h>

#include "crypto.h"
#include "kdc.h"
#include "wire.h"

/* One wrap or unwrap: the whole input in one update (the wrap modes take nothing else). */
static ssize_t wrap_op(int enc, uint8_t const *kek, size_t kek_len, bool pad, uint8_t const *in, size_t in_len,
		       uint8_t *out, size_t out_size)
{
	uint8_t	buf[KDC_WRAP_MAX + 64];
	ssize_t	rc = -1, n;

	if (kek_len != 16 && kek_len != 24 && kek_len != 32) return -1;
	if (in_len > KDC_WRAP_MAX + 8 || in_len == 0) return -1;
	if (!pad && (in_len % 8 || in_len < (enc ? 16u : 24u))) return -1;
	if (!enc && (in_len % 8 || in_len < 16)) return -1;

	/* buf holds in_len + 16 octets, as crypto_aes_wrap() wants. */
	n = crypto_aes_wrap(enc, pad, kek, kek_len, in, in_len, buf);
	if (n >= 0 && (size_t) n <= out_size) {
		memcpy(out, buf, (size_t) n);
		rc = n;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

ssize_t kdc_wrap(uint8_t const *kek, size_t kek_len, bool pad, uint8_t const *in, size_t in_len,
		 uint8_t *out, size_t out_size)
{
	return wrap_op(1, kek, kek_len, pad, in, in_len, out, out_size);
}

ssize_t kdc_unwrap(uint8_t const *kek, size_t kek_len, bool pad, uint8_t const *in, size_t in_len,
		   uint8_t *out, size_t out_size)
{
	return wrap_op(0, kek, kek_len, pad, in, in_len, out, out_size);
}

int kdc_prf(uint8_t const *seed, size_t seed_len,
	    uint8_t const *nai_i, size_t nai_i_len, uint8_t const *nai_r, size_t nai_r_len,
	    uint8_t const *ip_r, size_t ip_r_len, uint8_t const *ip_i, size_t ip_i_len,
	    uint8_t *out, size_t out_len)
{
	uint8_t		buf[2 + 255 + 2 + 255 + 1 + 16 + 1 + 16], mac[CRYPTO_SHA256_LEN];
	size_t		n = 0;
	int		rc;
	crypto_piece_t	piece = { buf, 0 };

	if (nai_i_len > 255 || nai_r_len > 255 || ip_r_len > 16 || ip_i_len > 16 || out_len == 0 || out_len > 32) {
		return -1;
	}
	put16(buf + n, (uint16_t) nai_i_len); n += 2;
	if (nai_i_len) memcpy(buf + n, nai_i, nai_i_len);
	n += nai_i_len;
	put16(buf + n, (uint16_t) nai_r_len); n += 2;
	if (nai_r_len) memcpy(buf + n, nai_r, nai_r_len);
	n += nai_r_len;
	buf[n++] = (uint8_t) ip_r_len;
	memcpy(buf + n, ip_r, ip_r_len); n += ip_r_len;
	buf[n++] = (uint8_t) ip_i_len;
	memcpy(buf + n, ip_i, ip_i_len); n += ip_i_len;

	piece.len = n;
	rc = crypto_hmac_sha256(seed, seed_len, &piece, 1, mac);
	if (rc == 0) memcpy(out, mac, out_len);
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

static char const label_enc[] = "mipkey KDC identity encryption";
static char const label_wrap[] = "mipkey KDC key wrap";

int kdc_key0_subkeys(uint8_t const *key0, size_t key0_len, uint8_t *k_enc, uint8_t *k_wrap)
{
	uint8_t		a[CRYPTO_SHA256_LEN], b[CRYPTO_SHA256_LEN];
	crypto_piece_t	enc = { label_enc, sizeof(label_enc) - 1 }, wrap = { label_wrap, sizeof(label_wrap) - 1 };
	int		rc = -1;

	if (key0_len != 16 && key0_len != 24 && key0_len != 32) return -1;
	if (crypto_hmac_sha256(key0, key0_len, &enc, 1, a) == 0 && crypto_hmac_sha256(key0, key0_len, &wrap, 1, b) == 0) {
		memcpy(k_enc, a, key0_len);
		memcpy(k_wrap, b, key0_len);
		rc = 0;
	}
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	return rc;
}

int kdc_request_parse(uint8_t const *buf, size_t len, kdc_request_t *out, char const **err)
{
	uint8_t const	*ext;
	size_t		ext_len;

	memset(out, 0, sizeof(*out));
	if (len < KDC_RRQ_FIXED_LEN + 2) {
		*err = "shorter than a Registration Request header and an extension header";
		return -1;
	}
	if (len > KDC_REQUEST_MAX) {
		*err = "longer than 247 octets (one RADIUS attribute)";
		return -1;
	}
	if (buf[0] != 1) {
		*err = "not a Registration Request (type is not 1)";
		return -1;
	}
	ext = buf + KDC_RRQ_FIXED_LEN;
	if (ext[0] != KDC_EXT_ENCRYPTED_NAI) {
		*err = "the extension after the Registration Request header is not an Encrypted NAI (150)";
		return -1;
	}
	ext_len = (size_t) ext[1] + 2;
	if (ext_len != len - KDC_RRQ_FIXED_LEN) {
		*err = "the Encrypted NAI extension's length does not match the attribute";
		return -1;
	}
	if (ext_len < KDC_ENC_NAI_OVERHEAD + 1) {
		*err = "the Encrypted NAI extension is too short to hold an NAI";
		return -1;
	}
	out->rrq = buf;
	out->lifetime = get16(buf + 2);
	memcpy(out->home_address, buf + 4, 4);
	memcpy(out->home_agent, buf + 8, 4);
	memcpy(out->care_of, buf + 12, 4);
	out->identification = get64(buf + 16);
	out->key0_spi = get32(ext + 2);
	out->mn_ha_spi = get32(ext + 6);
	out->mn_fa_spi = get32(ext + 10);
	out->nonce = ext + KDC_ENC_NAI_HDR_LEN;
	out->ciphertext = out->nonce + KDC_NONCE_LEN;
	out->ciphertext_len = ext_len - KDC_ENC_NAI_OVERHEAD;
	out->tag = out->ciphertext + out->ciphertext_len;
	out->aad = buf;
	out->aad_len = KDC_RRQ_FIXED_LEN + KDC_ENC_NAI_HDR_LEN;
	return 0;
}

/* AES-GCM, 12-octet nonce, 16-octet tag. enc: tag written; !enc: tag checked (0 = mismatch). */
static int gcm(int enc, uint8_t const *key, size_t key_len, uint8_t const *nonce, uint8_t const *aad, size_t aad_len,
	       uint8_t const *in, size_t in_len, uint8_t *out, uint8_t *tag)
{
	return crypto_aes_gcm(enc, key, key_len, nonce, KDC_NONCE_LEN, aad, aad_len, in, in_len, out, tag, KDC_TAG_LEN);
}

int kdc_request_open(uint8_t const *k_enc, size_t k_len, kdc_request_t const *req,
		     uint8_t *nai, size_t nai_size, size_t *nai_len)
{
	int rc;

	*nai_len = 0;
	if (req->ciphertext_len > nai_size) return -1;
	rc = gcm(0, k_enc, k_len, req->nonce, req->aad, req->aad_len, req->ciphertext, req->ciphertext_len, nai,
		 (uint8_t *)(uintptr_t) req->tag);
	if (rc == 1) *nai_len = req->ciphertext_len;
	return rc;
}

ssize_t kdc_request_build(uint8_t const *k_enc, size_t k_len, uint8_t const rrq[KDC_RRQ_FIXED_LEN],
			  uint32_t key0_spi, uint32_t mn_ha_spi, uint32_t mn_fa_spi,
			  uint8_t const nonce[KDC_NONCE_LEN], uint8_t const *nai, size_t nai_len,
			  uint8_t *out, size_t out_size)
{
	size_t	total = KDC_RRQ_FIXED_LEN + KDC_ENC_NAI_OVERHEAD + nai_len;
	uint8_t	*ext = out + KDC_RRQ_FIXED_LEN;

	if (nai_len == 0 || nai_len > KDC_NAI_MAX || total > out_size) return -1;
	memcpy(out, rrq, KDC_RRQ_FIXED_LEN);
	ext[0] = KDC_EXT_ENCRYPTED_NAI;
	ext[1] = (uint8_t) (KDC_ENC_NAI_OVERHEAD + nai_len - 2);
	put32(ext + 2, key0_spi);
	put32(ext + 6, mn_ha_spi);
	put32(ext + 10, mn_fa_spi);
	memcpy(ext + KDC_ENC_NAI_HDR_LEN, nonce, KDC_NONCE_LEN);
	if (gcm(1, k_enc, k_len, nonce, out, KDC_RRQ_FIXED_LEN + KDC_ENC_NAI_HDR_LEN, nai, nai_len,
		ext + KDC_ENC_NAI_HDR_LEN + KDC_NONCE_LEN,
		ext + KDC_ENC_NAI_HDR_LEN + KDC_NONCE_LEN + nai_len) != 1) return -1;
	return (ssize_t) total;
}

ssize_t kdc_mn_keys_build(uint8_t const *k_wrap, size_t k_len, uint8_t mode, uint32_t key0_spi,
			  uint32_t lifetime, uint32_t mn_ha_spi, uint32_t mn_fa_spi,
			  uint8_t const *keys, size_t keys_len, uint8_t *out, size_t out_size)
{
	ssize_t w;

	if (out_size < KDC_MN_KEYS_HDR_LEN) return -1;
	if (!((mode == KDC_MODE_STATEFUL && keys_len == 2 * KDC_KEY_LEN) ||
	      (mode == KDC_MODE_SEMI_STATEFUL && keys_len == KDC_SEED_LEN))) return -1;
	w = kdc_wrap(k_wrap, k_len, true, keys, keys_len, out + KDC_MN_KEYS_HDR_LEN, out_size - KDC_MN_KEYS_HDR_LEN);
	if (w < 0) return -1;
	out[0] = KDC_EXT_MN_KEYS;
	out[1] = (uint8_t) (KDC_MN_KEYS_HDR_LEN - 2 + (size_t) w);
	out[2] = mode;
	out[3] = 0;
	put32(out + 4, key0_spi);
	put32(out + 8, lifetime);
	put32(out + 12, mn_ha_spi);
	put32(out + 16, mn_fa_spi);
	return KDC_MN_KEYS_HDR_LEN + w;
}

int kdc_mn_keys_open(uint8_t const *k_wrap, size_t k_len, uint8_t const *buf, size_t len, kdc_mn_keys_t *out,
		     char const **err)
{
	ssize_t n;
	size_t	want;

	memset(out, 0, sizeof(*out));
	if (len < KDC_MN_KEYS_HDR_LEN + 16 || buf[0] != KDC_EXT_MN_KEYS || (size_t) buf[1] + 2 != len) {
		*err = "not an MN Key Reply extension (type 151) of consistent length";
		return -1;
	}
	out->mode = buf[2];
	if (out->mode == KDC_MODE_STATEFUL) {
		want = 2 * KDC_KEY_LEN;
	} else if (out->mode == KDC_MODE_SEMI_STATEFUL) {
		want = KDC_SEED_LEN;
	} else {
		*err = "unknown mode in the MN Key Reply extension";
		return -1;
	}
	out->key0_spi = get32(buf + 4);
	out->lifetime = get32(buf + 8);
	out->mn_ha_spi = get32(buf + 12);
	out->mn_fa_spi = get32(buf + 16);
	n = kdc_unwrap(k_wrap, k_len, true, buf + KDC_MN_KEYS_HDR_LEN, len - KDC_MN_KEYS_HDR_LEN,
		       out->keys, sizeof(out->keys));
	if (n < 0 || (size_t) n != want) {
		OPENSSL_cleanse(out->keys, sizeof(out->keys));
		return 0;
	}
	out->keys_len = (size_t) n;
	return 1;
}
