/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_rfc3957.c - libFuzzer harness for the RFC 3957 KeyGen Reply encoders
 *		    and the registration key (rlm_mipkey/rfc3957.c).
 *
 * Fields come from the input (lifetime, SPIs, algorithm, replay method,
 * nonce of any length, output buffer size).  Each encoded extension is
 *  - decoded here field by field, from RFC 3957 6.2 / 6.4 (figures 2, 3,
 *    5, 6), and compared with the fields it was built from;
 *  - parsed back with the project's own parser (mip_ext.c): a KeyGen Reply
 *    has exactly the long framing of the KeyGen Request of the same
 *    direction (Type, Subtype, Length(2), 4 bytes, rest), so with its Type
 *    byte changed 41 -> 40 / 43 -> 42 (and a subtype other than 1) the
 *    parser must find one extension covering the whole encoding, whose
 *    "MN SPI" is the first 4 bytes after Length and whose data is the
 *    rest; unchanged, a reply in a request must be refused (RFC 3344 1.8).
 * The registration key is compared with a one-shot OpenSSL HMAC over the
 * concatenated input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mip_ext.h"
#include "rfc3957.h"

static void require(int cond)
{
	if (!cond) abort();
}

static uint32_t rd32(uint8_t const *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint16_t rd16(uint8_t const *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

typedef struct {
	uint8_t const *p;
	size_t n;
} cursor_t;

static uint32_t take32(cursor_t *c)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 8;
		if (c->n) { v |= *c->p++; c->n--; }
	}
	return v;
}

static void check_parse_back(uint8_t *enc, size_t len, uint8_t req_type)
{
	mip_rrq_t	r;
	char const	*err = NULL;
	uint8_t		reply_type = enc[0];
	mip_keygen_req_t const *k;

	/* As sent: a reply extension in a request is an unknown non-skippable type */
	require(mip_ext_parse(enc, len, MIP_RRQ_HDR_LEN, &r, &err) == -1);
	require(err && strstr(err, "unknown non-skippable"));

	enc[0] = req_type;
	enc[1] = 2;	/* not "from AAA": subtype data allowed */
	err = NULL;
	require(mip_ext_parse(enc, len, MIP_RRQ_HDR_LEN, &r, &err) == 0);
	k = req_type == MIP_EXT_MN_HA_KEYGEN_REQ ? &r.mn_ha_keygen : &r.mn_fa_keygen;
	require(r.ext_count == 1 && r.end_offset == MIP_RRQ_HDR_LEN + len);
	require(k->present && k->offset == MIP_RRQ_HDR_LEN && k->subtype == 2);
	require(k->mn_spi == rd32(enc + 4));
	require(k->data_len == len - 8 && k->data == enc + 8);
	enc[0] = reply_type;
	enc[1] = RFC3957_SUBTYPE_FROM_AAA;
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	cursor_t	c = { data, size };
	uint32_t	lifetime, aaa_spi, agent_spi, algrep, outsel;
	uint16_t	alg, replay;
	uint8_t const	*nonce;
	size_t		nonce_len, outlen;
	uint8_t		*out;
	ssize_t		n;

	lifetime = take32(&c);
	aaa_spi = take32(&c);
	agent_spi = take32(&c);
	algrep = take32(&c);
	outsel = take32(&c);
	alg = (uint16_t)(algrep >> 16);
	replay = (uint16_t)algrep;
	nonce = c.p;
	nonce_len = c.n;
	/* Output buffer: mostly big enough, sometimes a byte or more short */
	outlen = RFC3957_MN_HA_REPLY_FIXED_LEN + nonce_len;
	if (outsel & 1) outlen -= (outsel >> 1) % (outlen + 1);
	out = malloc(outlen ? outlen : 1);
	require(out != NULL);

	/* MN-HA KeyGen Reply, RFC 3957 6.4 figures 5 and 6 */
	n = rfc3957_mn_ha_keygen_reply(out, outlen, lifetime, aaa_spi, agent_spi, alg, replay, nonce, nonce_len);
	if (nonce_len < RFC3957_NONCE_MIN_LEN || outlen < RFC3957_MN_HA_REPLY_FIXED_LEN + nonce_len ||
	    nonce_len > 65535 - 16) {
		require(n == -1);
	} else {
		require(n == (ssize_t)(RFC3957_MN_HA_REPLY_FIXED_LEN + nonce_len));
		require(out[0] == 43 && out[1] == 1);
		require(rd16(out + 2) == 16 + nonce_len);
		require(rd32(out + 4) == lifetime && rd32(out + 8) == aaa_spi && rd32(out + 12) == agent_spi);
		require(rd16(out + 16) == alg && rd16(out + 18) == replay);
		require(memcmp(out + 20, nonce, nonce_len) == 0);
		check_parse_back(out, (size_t)n, MIP_EXT_MN_HA_KEYGEN_REQ);
	}

	/* MN-FA KeyGen Reply, RFC 3957 6.2 figures 2 and 3 */
	if (outsel & 1) outlen = outlen > 2 ? outlen - 2 : 0;
	else outlen = RFC3957_MN_FA_REPLY_FIXED_LEN + nonce_len;
	n = rfc3957_mn_fa_keygen_reply(out, outlen, lifetime, aaa_spi, agent_spi, alg, nonce, nonce_len);
	if (nonce_len < RFC3957_NONCE_MIN_LEN || outlen < RFC3957_MN_FA_REPLY_FIXED_LEN + nonce_len ||
	    nonce_len > 65535 - 14) {
		require(n == -1);
	} else {
		require(n == (ssize_t)(RFC3957_MN_FA_REPLY_FIXED_LEN + nonce_len));
		require(out[0] == 41 && out[1] == 1);
		require(rd16(out + 2) == 14 + nonce_len);
		require(rd32(out + 4) == lifetime && rd32(out + 8) == aaa_spi && rd32(out + 12) == agent_spi);
		require(rd16(out + 16) == alg);
		require(memcmp(out + 18, nonce, nonce_len) == 0);
		check_parse_back(out, (size_t)n, MIP_EXT_MN_FA_KEYGEN_REQ);
	}
	free(out);

	/*
	 *	Registration key: the first bytes of the nonce part are the AAA
	 *	key (length from outsel), then the nonce, then the identifier.
	 */
	{
		size_t		klen = (outsel >> 8) % 65, nlen, ilen;
		uint8_t		key[RFC3957_KEY_LEN], ref[EVP_MAX_MD_SIZE];
		unsigned int	rlen = 0;
		uint8_t		*cat;
		int		rc;

		if (klen > nonce_len) klen = nonce_len;
		nlen = (outsel >> 16) % 40;
		if (nlen > nonce_len - klen) nlen = nonce_len - klen;
		ilen = nonce_len - klen - nlen;
		rc = rfc3957_registration_key(nonce, klen, nonce + klen, nlen, nonce + klen + nlen, ilen, key);
		if (!klen || nlen < RFC3957_NONCE_MIN_LEN || !ilen) {
			static uint8_t const zero[RFC3957_KEY_LEN];

			require(rc == -1 && memcmp(key, zero, sizeof(key)) == 0);
		} else {
			require(rc == 0);
			cat = malloc(nlen + ilen);
			require(cat != NULL);
			memcpy(cat, nonce + klen, nlen + ilen);
			require(HMAC(EVP_sha1(), nonce, (int)klen, cat, nlen + ilen, ref, &rlen) != NULL);
			require(rlen == RFC3957_KEY_LEN && memcmp(ref, key, RFC3957_KEY_LEN) == 0);
			free(cat);
		}
	}
	return 0;
}
