/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_skey.c - libFuzzer harness for Skey and Skey' (rlm_mipkey/mip_skey.c).
 *
 * Input: k'' (16), NT-Response (24), Identification (8), then a challenge
 * of any length (the rest, possibly empty).  Skey must equal an MD5 made
 * here over the concatenation (one buffer, one-shot EVP_Digest: not the
 * module's piece-by-piece path), Skey' likewise; an empty challenge or a
 * NULL argument must give -1 and an all-zero output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mip_skey.h"

static void require(int cond)
{
	if (!cond) abort();
}

static void md5(uint8_t const *in, size_t len, uint8_t out[16])
{
	unsigned int n = 0;

	require(EVP_Digest(in, len, out, &n, EVP_md5(), NULL) == 1 && n == 16);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	static uint8_t const zero[MIP_SKEY_LEN];
	uint8_t		in[16 + 24 + 8];
	uint8_t		skey[MIP_SKEY_LEN], skey2[MIP_SKEY_LEN], ref[16];
	uint8_t		*cat;
	uint8_t const	*chal;
	size_t		chal_len;
	int		rc;

	memset(in, 0, sizeof(in));
	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	chal = size > sizeof(in) ? data + sizeof(in) : data;
	chal_len = size > sizeof(in) ? size - sizeof(in) : 0;

	memset(skey, 0xaa, sizeof(skey));
	rc = mip_skey(in, chal, chal_len, in + 16, skey);
	if (!chal_len) {
		require(rc == -1 && memcmp(skey, zero, sizeof(skey)) == 0);
		return 0;
	}
	require(rc == 0);

	cat = malloc(16 + chal_len + 24);
	require(cat != NULL);
	memcpy(cat, in, 16);
	memcpy(cat + 16, chal, chal_len);
	memcpy(cat + 16 + chal_len, in + 16, 24);
	md5(cat, 16 + chal_len + 24, ref);
	require(memcmp(ref, skey, 16) == 0);
	free(cat);

	/* Skey' = MD5(Skey || Identification) */
	require(mip_skey_rekey(skey, in + 40, skey2) == 0);
	{
		uint8_t c2[24];

		memcpy(c2, skey, 16);
		memcpy(c2 + 16, in + 40, 8);
		md5(c2, sizeof(c2), ref);
		require(memcmp(ref, skey2, 16) == 0);
	}

	/* NULL arguments */
	memset(skey2, 0xaa, sizeof(skey2));
	require(mip_skey_rekey(NULL, in + 40, skey2) == -1 && memcmp(skey2, zero, 16) == 0);
	memset(skey2, 0xaa, sizeof(skey2));
	require(mip_skey(NULL, chal, chal_len, in + 16, skey2) == -1 && memcmp(skey2, zero, 16) == 0);
	require(mip_skey(in, chal, chal_len, in + 16, NULL) == -1);
	return 0;
}
