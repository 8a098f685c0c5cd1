/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mipkey-mn.c - mipkey-client playing the mobile node.
 *
 * Everything here is what a mobile node can do with its password (or NT hash) and nothing
 * else: make up the MS-CHAPv2 authenticator challenge (a home agent cannot send one in
 * Mobile IPv4), build the Registration Request, bind the MS-CHAPv2 proof to it (peer
 * challenge = MD5 of the request with the response field zero-filled, seed 000), and,
 * once the Registration Reply is back, derive k', k'', the MPPE keys, Skey / Skey' and the
 * RFC 3957 keys from the nonces in the reply. The cryptography is the project's core
 * (libmipkeycore: mschapv2.h, rfc3957.h, mip_skey.h); this file only arranges bytes.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mipkey-client.h"
#include "mip_ext.h"
#include "wire.h"


char *mc_hex(char *out, uint8_t const *in, size_t len)
{
	static char const digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return out;
}

/* RFC 3344 5.7 timestamp replay protection: the Identification is an NTP timestamp. */
static void ntp_now(uint8_t out[8])
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	put32(out, (uint32_t) ((unsigned long) tv.tv_sec + NTP_UNIX_OFFSET));
	put32(out + 4, (uint32_t) (((uint64_t) tv.tv_usec << 32) / 1000000));
}

/* Appends a long-format (RFC 3344 1.10) extension header; returns the new length. */
static size_t put_long_ext(uint8_t *p, size_t at, uint8_t type, uint8_t subtype, uint16_t len)
{
	p[at] = type;
	p[at + 1] = subtype;
	put16(p + at + 2, len);
	return at + 4;
}

int mc_mn_register(mc_options_t const *opt, mc_mn_t *mn)
{
	uint8_t		*p = mn->rrq;
	size_t		n = 0, nai_len = 0, auth_at;
	unsigned int	md5_len = 0;
	uint8_t		zeroed[MC_RRQ_MAX];
	int		ok;

	memset(mn, 0, sizeof(*mn));

	/* Who the MN is: its NAI, else its home address (RFC 3957 5 step 1). */
	if (opt->nai) {
		nai_len = strlen(opt->nai);
		if (nai_len == 0 || nai_len > MC_NAI_MAX) {
			fprintf(stderr, "mipkey-client: the NAI must be 1 to %d octets\n", MC_NAI_MAX);
			return -1;
		}
		memcpy(mn->user_name, opt->nai, nai_len + 1);
		memcpy(mn->mn_id, opt->nai, nai_len);
		mn->mn_id_len = nai_len;
	} else {
		inet_ntop(AF_INET, opt->home_address, mn->user_name, sizeof(mn->user_name));
		memcpy(mn->mn_id, opt->home_address, 4);
		mn->mn_id_len = 4;
	}
	mn->hash_user = mschapv2_hash_username(mn->user_name, strlen(mn->user_name), &mn->hash_user_len);

	if (opt->have_nt_hash) {
		memcpy(mn->k, opt->nt_hash, sizeof(mn->k));
	} else if (nt_password_hash(opt->password, strlen(opt->password), mn->k) < 0) {
		fprintf(stderr, "mipkey-client: the password is not valid UTF-8 or longer than %d UTF-16 units\n",
			MSCHAPV2_MAX_PASSWORD_CHARS);
		return -1;
	}

	if (RAND_bytes(mn->challenge, sizeof(mn->challenge)) != 1) {
		fprintf(stderr, "mipkey-client: RAND_bytes failed\n");
		return -1;
	}
	ntp_now(mn->identification);

	/* RFC 3344 3.3 fixed header. */
	p[n++] = MIP_TYPE_REGISTRATION_REQUEST;
	p[n++] = 0;					/* flags */
	put16(p + n, (uint16_t) opt->lifetime); n += 2;
	memcpy(p + n, opt->home_address, 4); n += 4;
	memcpy(p + n, opt->home_agent, 4); n += 4;
	memcpy(p + n, opt->care_of_set ? opt->care_of : opt->home_agent, 4); n += 4;
	memcpy(p + n, mn->identification, 8); n += 8;

	/* RFC 2794 NAI extension. */
	if (nai_len) {
		p[n++] = MIP_EXT_MN_NAI;
		p[n++] = (uint8_t) nai_len;
		memcpy(p + n, opt->nai, nai_len); n += nai_len;
	}
	/* RFC 3012 challenge extension: the MS-CHAPv2 authenticator challenge, made by the MN. */
	p[n++] = MIP_EXT_MN_FA_CHALLENGE;
	p[n++] = MSCHAPV2_CHALLENGE_LEN;
	memcpy(p + n, mn->challenge, MSCHAPV2_CHALLENGE_LEN); n += MSCHAPV2_CHALLENGE_LEN;

	/* RFC 3957 6.3 / 6.1 KeyGen Requests, subtype 1 (from AAA): Length = MN SPI only. */
	if (opt->mn_ha) {
		n = put_long_ext(p, n, MIP_EXT_MN_HA_KEYGEN_REQ, RFC3957_SUBTYPE_FROM_AAA, MIP_SPI_LEN);
		put32(p + n, opt->mn_ha_spi); n += 4;
	}
	if (opt->mn_fa) {
		n = put_long_ext(p, n, MIP_EXT_MN_FA_KEYGEN_REQ, RFC3957_SUBTYPE_FROM_AAA, MIP_SPI_LEN);
		put32(p + n, opt->mn_fa_spi); n += 4;
	}

	/* RFC 3012 6 MN-AAA Authentication: SPI, then the NT-Response as the authenticator. */
	n = put_long_ext(p, n, MIP_EXT_GEN_AUTH, MIP_GEN_AUTH_MN_AAA, MIP_SPI_LEN + MSCHAPV2_NT_RESPONSE_LEN);
	put32(p + n, opt->aaa_spi); n += 4;
	auth_at = n;
	memset(p + n, 0, MSCHAPV2_NT_RESPONSE_LEN); n += MSCHAPV2_NT_RESPONSE_LEN;
	mn->rrq_len = n;

	/* Seed 000: peer challenge = MD5 of the request with the response field zero-filled. */
	memcpy(zeroed, p, n);
	ok = EVP_Digest(zeroed, n, mn->peer_challenge, &md5_len, EVP_md5(), NULL);
	OPENSSL_cleanse(zeroed, sizeof(zeroed));
	if (!ok || md5_len != MSCHAPV2_CHALLENGE_LEN) {
		fprintf(stderr, "mipkey-client: MD5 failed (OpenSSL error)\n");
		return -1;
	}
	if (generate_nt_response_pwhash(mn->challenge, mn->peer_challenge, mn->hash_user, mn->hash_user_len,
					mn->k, mn->nt_response) < 0) {
		fprintf(stderr, "mipkey-client: NT-Response computation failed (OpenSSL legacy provider?)\n");
		return -1;
	}
	memcpy(p + auth_at, mn->nt_response, MSCHAPV2_NT_RESPONSE_LEN);
	return 0;
}

/*
 * The KeyGen Reply extensions of a Registration Reply (RFC 3344 3.4 header, then
 * extensions), every length checked. Other extensions are skipped by their own format.
 */
static int read_rrp(uint8_t const *rrp, size_t len, mc_mn_keys_t *keys)
{
	size_t at = MC_RRP_HDR_LEN;

	if (len < MC_RRP_HDR_LEN || rrp[0] != MIP_TYPE_REGISTRATION_REPLY) {
		snprintf(keys->rrp_error, sizeof(keys->rrp_error), "not a Registration Reply");
		return -1;
	}
	while (at < len) {
		uint8_t		type = rrp[at];
		uint8_t const	*body;
		size_t		blen;
		bool		is_long = type == MIP_EXT_GEN_AUTH || (type >= MIP_EXT_MN_FA_KEYGEN_REQ &&
								 type <= MIP_EXT_MN_HA_KEYGEN_REP);

		if (is_long) {
			if (len - at < 4) goto truncated;
			blen = get16(rrp + at + 2);
			body = rrp + at + 4;
			if ((size_t) (len - at - 4) < blen) goto truncated;
		} else {
			if (len - at < 2) goto truncated;
			blen = rrp[at + 1];
			body = rrp + at + 2;
			if ((size_t) (len - at - 2) < blen) goto truncated;
		}

		if (type == MIP_EXT_MN_HA_KEYGEN_REP && rrp[at + 1] == RFC3957_SUBTYPE_FROM_AAA) {
			/* Lifetime(4) AAA SPI(4) HA SPI(4) Algorithm(2) Replay(2) Nonce */
			if (blen < 16 + RFC3957_NONCE_MIN_LEN || blen - 16 > sizeof(keys->mn_ha_nonce)) {
				snprintf(keys->rrp_error, sizeof(keys->rrp_error), "MN-HA KeyGen Reply of length %zu", blen);
				return -1;
			}
			keys->mn_ha = true;
			keys->mn_ha_lifetime = get32(body);
			keys->mn_ha_aaa_spi = get32(body + 4);
			keys->mn_ha_spi = get32(body + 8);
			keys->mn_ha_alg = get16(body + 12);
			keys->mn_ha_replay = get16(body + 14);
			keys->mn_ha_nonce_len = blen - 16;
			memcpy(keys->mn_ha_nonce, body + 16, keys->mn_ha_nonce_len);
		} else if (type == MIP_EXT_MN_FA_KEYGEN_REP && rrp[at + 1] == RFC3957_SUBTYPE_FROM_AAA) {
			/* Lifetime(4) AAA SPI(4) FA SPI(4) Algorithm(2) Nonce */
			if (blen < 14 + RFC3957_NONCE_MIN_LEN || blen - 14 > sizeof(keys->mn_fa_nonce)) {
				snprintf(keys->rrp_error, sizeof(keys->rrp_error), "MN-FA KeyGen Reply of length %zu", blen);
				return -1;
			}
			keys->mn_fa = true;
			keys->mn_fa_lifetime = get32(body);
			keys->mn_fa_aaa_spi = get32(body + 4);
			keys->mn_fa_spi = get32(body + 8);
			keys->mn_fa_alg = get16(body + 12);
			keys->mn_fa_nonce_len = blen - 14;
			memcpy(keys->mn_fa_nonce, body + 14, keys->mn_fa_nonce_len);
		}
		at = (size_t) (body - rrp) + blen;
	}
	return 0;

truncated:
	snprintf(keys->rrp_error, sizeof(keys->rrp_error), "extension %u at offset %zu is truncated", rrp[at], at);
	return -1;
}

int mc_mn_derive(mc_options_t const *opt, mc_mn_t const *mn, uint8_t const *rrp, size_t rrp_len,
		 mc_mn_keys_t *keys)
{
	uint8_t const	*aaa_key;
	size_t		aaa_key_len;

	memset(keys, 0, sizeof(*keys));

	if (hash_nt_password_hash(mn->k, keys->k1) < 0 ||
	    get_master_key(keys->k1, mn->nt_response, keys->k2) < 0 ||
	    generate_authenticator_response_pwhashhash(keys->k1, mn->nt_response, mn->peer_challenge,
						       mn->challenge, mn->hash_user, mn->hash_user_len,
						       keys->auth_response) < 0 ||
	    mppe_server_keys(keys->k2, keys->mppe_send, keys->mppe_recv) < 0 ||
	    mip_skey(keys->k2, mn->challenge, sizeof(mn->challenge), mn->nt_response, keys->skey) < 0 ||
	    (opt->rekey && mip_skey_rekey(keys->skey, opt->rekey_ts, keys->skey_rekey) < 0)) {
		fprintf(stderr, "mipkey-client: key derivation failed (OpenSSL error)\n");
		return -1;
	}

	if (!rrp || rrp_len == 0) {
		snprintf(keys->rrp_error, sizeof(keys->rrp_error), "no Registration Reply");
		return 0;
	}
	if (read_rrp(rrp, rrp_len, keys) < 0) return 0;

	/*
	 * RFC 3957 5: key = HMAC-SHA1(AAA key, nonce || MN identifier). The AAA key is k''
	 * (server option aaa_key = mschapv2), or the MN's provisioned AAA key (--aaa-key, for
	 * aaa_key = ldap).
	 */
	aaa_key = opt->have_aaa_key ? opt->aaa_key : keys->k2;
	aaa_key_len = opt->have_aaa_key ? opt->aaa_key_len : sizeof(keys->k2);
	if ((keys->mn_ha && rfc3957_registration_key(aaa_key, aaa_key_len, keys->mn_ha_nonce,
						     keys->mn_ha_nonce_len, mn->mn_id, mn->mn_id_len,
						     keys->mn_ha_key) < 0) ||
	    (keys->mn_fa && rfc3957_registration_key(aaa_key, aaa_key_len, keys->mn_fa_nonce,
						     keys->mn_fa_nonce_len, mn->mn_id, mn->mn_id_len,
						     keys->mn_fa_key) < 0)) {
		fprintf(stderr, "mipkey-client: RFC 3957 key derivation failed (OpenSSL error)\n");
		return -1;
	}
	return 0;
}
