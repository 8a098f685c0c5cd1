/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_kdc.c - libFuzzer harness for the key distribution centre core (rlm_mipkey/kdc.c):
 * the two parsers of outside input.
 *
 * The input is tried as a Mipkey-KDC-Request (what a home agent forwards) and as an MN Key
 * Reply extension (what a mobile node receives). Neither may crash or read out of bounds.
 * A request that parses must report fields inside the input, and must not open under a key
 * it was not made with; a request rebuilt from the parsed fields with the harness's key must
 * open and give back the same NAI. An MN Key Reply that opens must hold the amount its mode
 * says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kdc.h"

static void require(int cond)
{
	if (!cond) abort();
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	static uint8_t const key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	kdc_request_t	req, again;
	kdc_mn_keys_t	mk;
	char const	*err = NULL;
	uint8_t		nai[KDC_NAI_MAX], nai2[KDC_NAI_MAX], buf[KDC_REQUEST_MAX];
	size_t		nai_len = 0, nai2_len = 0;
	ssize_t		n;
	int		rc;

	if (kdc_request_parse(data, size, &req, &err) == 0) {
		require(req.ciphertext >= data && req.tag + KDC_TAG_LEN == data + size);
		require(req.ciphertext_len >= 1 && req.ciphertext_len <= KDC_NAI_MAX);
		/* A random input opens under this key with probability 2^-128: treat it as a bug. */
		rc = kdc_request_open(key, sizeof(key), &req, nai, sizeof(nai), &nai_len);
		require(rc == 0 && nai_len == 0);

		n = kdc_request_build(key, sizeof(key), req.rrq, req.key0_spi, req.mn_ha_spi, req.mn_fa_spi, req.nonce,
				      req.ciphertext, req.ciphertext_len, buf, sizeof(buf));
		require(n == (ssize_t) size);
		require(kdc_request_parse(buf, (size_t) n, &again, &err) == 0);
		require(kdc_request_open(key, sizeof(key), &again, nai2, sizeof(nai2), &nai2_len) == 1);
		require(nai2_len == req.ciphertext_len && memcmp(nai2, req.ciphertext, nai2_len) == 0);
	} else {
		require(err != NULL);
	}

	err = NULL;
	rc = kdc_mn_keys_open(key, sizeof(key), data, size, &mk, &err);
	require(rc == -1 || rc == 0 || rc == 1);
	if (rc == -1) require(err != NULL);
	if (rc == 1) {
		require((mk.mode == KDC_MODE_STATEFUL && mk.keys_len == 2 * KDC_KEY_LEN) ||
			(mk.mode == KDC_MODE_SEMI_STATEFUL && mk.keys_len == KDC_SEED_LEN));
	}
	return 0;
}
