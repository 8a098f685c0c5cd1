/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_eap_keys.c - libFuzzer harness for what eap_keys.c reads from outside: the home
 * agent's key request attributes (rlm_mipkey/mip_attrs.c: mip_attrs_eap_key_request()), the
 * EMSK / MSK or MPPE keys the EAP module left (rlm_mipkey/eap_mobility_keys.c:
 * eap_mobility_keys_root()), and the keys derived from them for the authenticated NAI
 * (eap_mobility_keys_rk(), _mn_ha_key(), _fa_rk(), _mn_fa_key()).
 *
 * Input: flags (1: bit 0 root = EMSK, bits 1-3 key / Recv-Key / Send-Key present), the key's
 * length (2, mod 301), Recv-Key's and Send-Key's lengths (1 each, mod 40), max_lifetime (4),
 * a nonce (16), the three keys' octets, then attributes as in fuzz_mip_attrs (id mod 15, length
 * mod 33, value); the NAI is the first User-Name. Every value is an exact-size heap copy.
 *  - the request's verdict, detail and fields equal those of a reference written here from
 *    mip_attrs.h (first of each id; Key-Request 1..3, else a 3GPP2 / WiMAX SPI alone asks
 *    MN-HA; MN-HA needs an SPI and a 4-octet home agent, MN-FA its SPI and the foreign agent;
 *    lifetime 0 refused, else min(requested, max));
 *  - the root's verdict and octets equal a reference's (the key when present and 64..256
 *    octets, else for the MSK Recv-Key | Send-Key of 32 each); nothing written on refusal;
 *  - with both accepted, the MIP4-RK, MN-HA, FA-RK and MN-FA keys equal one-shot HMAC()
 *    computations over the concatenations of eap_mobility_keys.h, and fail exactly for an
 *    empty NAI.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "eap_mobility_keys.h"
#include "mip_attrs.h"

#include "fuzz_check.h"

#define MAX_ATTRS	24
#define N_IDS		14	/* MIP_ATTR_KEY_REQUEST .. MIP_ATTR_FA_HA_SPI */

static uint32_t be32(uint8_t const *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static mip_attrs_rc_t ref_request(mip_attr_t const *a, size_t n, uint32_t max, mip_attrs_eap_request_t *r,
				  uint32_t *detail)
{
	int		idx[N_IDS], spi, agent;
	size_t		i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < N_IDS; i++) idx[i] = -1;
	for (i = 0; i < n; i++) {
		size_t id = a[i].id, len = a[i].len;

		if (!(id < N_IDS && (id == MIP_ATTR_USER_NAME || len == 4 || (id == MIP_ATTR_WIMAX_HOME_AGENT && len == 16)))) {
			*detail = (uint32_t) id;
			return MIP_ATTRS_LENGTH;
		}
		if (idx[id] < 0) idx[id] = (int) i;
	}
	if (idx[MIP_ATTR_KEY_REQUEST] >= 0) {
		uint32_t v = be32(a[idx[MIP_ATTR_KEY_REQUEST]].value);

		if (v < 1 || v > 3) {
			*detail = v;
			return MIP_ATTRS_KEY_REQUEST;
		}
		r->mn_ha = v & 1;
		r->mn_fa = (v & 2) != 0;
	} else {
		r->mn_ha = idx[MIP_ATTR_3GPP2_MN_HA_SPI] >= 0 || idx[MIP_ATTR_WIMAX_MN_HA_SPI] >= 0;
	}
	spi = idx[MIP_ATTR_MN_HA_SPI] >= 0 ? idx[MIP_ATTR_MN_HA_SPI] :
	      idx[MIP_ATTR_3GPP2_MN_HA_SPI] >= 0 ? idx[MIP_ATTR_3GPP2_MN_HA_SPI] : idx[MIP_ATTR_WIMAX_MN_HA_SPI];
	agent = idx[MIP_ATTR_HOME_AGENT] >= 0 ? idx[MIP_ATTR_HOME_AGENT] :
		idx[MIP_ATTR_3GPP2_HOME_AGENT] >= 0 ? idx[MIP_ATTR_3GPP2_HOME_AGENT] : idx[MIP_ATTR_WIMAX_HOME_AGENT];
	if (r->mn_ha) {
		if (spi < 0) return MIP_ATTRS_NO_MN_HA_SPI;
		r->mn_ha_spi = be32(a[spi].value);
		if (agent < 0 || a[agent].len != 4) return MIP_ATTRS_NO_HOME_AGENT;
		memcpy(r->home_agent, a[agent].value, 4);
	}
	if (r->mn_fa) {
		if (idx[MIP_ATTR_MN_FA_SPI] < 0) return MIP_ATTRS_NO_MN_FA_SPI;
		r->mn_fa_spi = be32(a[idx[MIP_ATTR_MN_FA_SPI]].value);
		if (idx[MIP_ATTR_FOREIGN_AGENT] < 0) return MIP_ATTRS_NO_FOREIGN_AGENT;
		memcpy(r->foreign_agent, a[idx[MIP_ATTR_FOREIGN_AGENT]].value, 4);
	}
	if (idx[MIP_ATTR_FA_HA_SPI] >= 0) {
		r->fa_ha = true;
		r->fa_ha_spi = be32(a[idx[MIP_ATTR_FA_HA_SPI]].value);
	}
	if (idx[MIP_ATTR_AAA_SPI] >= 0) r->aaa_spi = be32(a[idx[MIP_ATTR_AAA_SPI]].value);
	if (idx[MIP_ATTR_REQUESTED_LIFETIME] >= 0) {
		uint32_t v = be32(a[idx[MIP_ATTR_REQUESTED_LIFETIME]].value);

		if (v == 0) return MIP_ATTRS_LIFETIME_ZERO;
		r->lifetime = v < max ? v : max;
	} else {
		r->lifetime = max;
	}
	return MIP_ATTRS_OK;
}

/* HMAC-SHA-256 of the concatenation of up to 6 pieces, one shot. */
static void ref_hmac(uint8_t const *key, size_t key_len, uint8_t const *const p[], size_t const len[], size_t n,
		     uint8_t out[32])
{
	uint8_t		buf[512];
	size_t		used = 0, i;
	unsigned int	out_len = 0;

	for (i = 0; i < n; i++) {
		require(used + len[i] <= sizeof(buf));
		memcpy(buf + used, p[i], len[i]);
		used += len[i];
	}
	require(HMAC(EVP_sha256(), key, (int) key_len, buf, used, out, &out_len) && out_len == 32);
}

static void check_keys(uint8_t const *root, size_t root_len, mip_attrs_eap_request_t const *kr, uint8_t const nonce[16],
		       uint8_t const *nai, size_t nai_len)
{
	static uint8_t const label[] = "mip4rk@rlm-mipkey", s_tail[] = { 0, 0, 64 }, one = 1, two = 2;
	uint8_t		rk[64], want_rk[64], fa_rk[32], want_fa_rk[32], key[20], full[32], spi[4];
	int		nai_ok = nai_len >= 1 && nai_len <= 253;

	/* T1 = HMAC(root, S | 1), T2 = HMAC(root, T1 | S | 2), S = label | 0 | 0x0040 */
	ref_hmac(root, root_len, (uint8_t const *const[]){ label, s_tail, &one }, (size_t const[]){ 17, 3, 1 }, 3, want_rk);
	ref_hmac(root, root_len, (uint8_t const *const[]){ want_rk, label, s_tail, &two }, (size_t const[]){ 32, 17, 3, 1 },
		 4, want_rk + 32);
	require(eap_mobility_keys_rk(root, root_len, rk) == 0);
	require(memcmp(rk, want_rk, 64) == 0);

	if (kr->mn_ha) {
		spi[0] = (uint8_t) (kr->mn_ha_spi >> 24), spi[1] = (uint8_t) (kr->mn_ha_spi >> 16);
		spi[2] = (uint8_t) (kr->mn_ha_spi >> 8), spi[3] = (uint8_t) kr->mn_ha_spi;
		memset(key, 0xA5, sizeof(key));
		require(eap_mobility_keys_mn_ha_key(rk, kr->home_agent, kr->mn_ha_spi, nonce, 16, nai, nai_len, key) ==
			(nai_ok ? 0 : -1));
		if (nai_ok) {
			ref_hmac(want_rk, 64, (uint8_t const *const[]){ (uint8_t const *) "MN-HA", kr->home_agent, spi, nonce, nai },
				 (size_t const[]){ 6, 4, 4, 16, nai_len }, 5, full);
			require(memcmp(key, full, 20) == 0);
		} else {
			require(memcmp(key, (uint8_t[20]){ 0 }, 20) == 0);
		}
	}
	if (kr->mn_fa) {
		ref_hmac(want_rk, 64, (uint8_t const *const[]){ (uint8_t const *) "FA-RK" }, (size_t const[]){ 6 }, 1, want_fa_rk);
		require(eap_mobility_keys_fa_rk(rk, fa_rk) == 0);
		require(memcmp(fa_rk, want_fa_rk, 32) == 0);
		spi[0] = (uint8_t) (kr->mn_fa_spi >> 24), spi[1] = (uint8_t) (kr->mn_fa_spi >> 16);
		spi[2] = (uint8_t) (kr->mn_fa_spi >> 8), spi[3] = (uint8_t) kr->mn_fa_spi;
		require(eap_mobility_keys_mn_fa_key(fa_rk, kr->foreign_agent, kr->mn_fa_spi, nonce, 16, nai, nai_len, key) ==
			(nai_ok ? 0 : -1));
		if (nai_ok) {
			ref_hmac(want_fa_rk, 32, (uint8_t const *const[]){ (uint8_t const *) "MN-FA", kr->foreign_agent, spi, nonce,
					nai }, (size_t const[]){ 6, 4, 4, 16, nai_len }, 5, full);
			require(memcmp(key, full, 20) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	mip_attr_t			a[MAX_ATTRS];
	uint8_t				*copies[MAX_ATTRS], *key = NULL, *recv = NULL, *send = NULL;
	uint8_t				root[EAP_MOBILITY_KEYS_ROOT_MAX_LEN], want_root[EAP_MOBILITY_KEYS_ROOT_MAX_LEN];
	uint8_t const			*nonce, *nai = (uint8_t const *) "";
	size_t				n = 0, pos, i, key_len, recv_len, send_len, root_len = 7, want_len = 0, nai_len = 0;
	mip_attrs_eap_request_t		kr, ref;
	mip_attrs_rc_t			rc, want;
	eap_mobility_keys_root_rc_t	root_rc, want_root_rc;
	uint32_t			detail = 0x5A5A5A5A, want_detail = 0x5A5A5A5A, max;
	bool				emsk, have_nai = false;

	if (size < 25) return 0;
	emsk = data[0] & 1;
	key_len = (size_t) (data[1] << 8 | data[2]) % 301;
	recv_len = data[3] % 40;
	send_len = data[4] % 40;
	max = be32(data + 5);
	nonce = data + 9;
	pos = 25;
	if (key_len > size - pos) key_len = size - pos;
	if (data[0] & 2) key = copy(data + pos, key_len);
	pos += key_len;
	if (recv_len > size - pos) recv_len = size - pos;
	if (data[0] & 4) recv = copy(data + pos, recv_len);
	pos += recv_len;
	if (send_len > size - pos) send_len = size - pos;
	if (data[0] & 8) send = copy(data + pos, send_len);
	pos += send_len;
	while (n < MAX_ATTRS && pos + 2 <= size) {
		size_t len = data[pos + 1] % 33;

		if (len > size - pos - 2) len = size - pos - 2;
		copies[n] = copy(data + pos + 2, len);
		a[n] = (mip_attr_t){ (mip_attr_id_t) (data[pos] % 15), copies[n], len };
		if (a[n].id == MIP_ATTR_USER_NAME && !have_nai) {
			nai = copies[n];
			nai_len = len;
			have_nai = true;
		}
		pos += 2 + len;
		n++;
	}

	want = ref_request(a, n, max, &ref, &want_detail);
	memset(&kr, 0xEE, sizeof(kr));
	rc = mip_attrs_eap_key_request(a, n, max, &kr, &detail);
	require(rc == want);
	require(detail == want_detail);
	if (rc == MIP_ATTRS_OK) {
		require(kr.mn_ha == ref.mn_ha && kr.mn_fa == ref.mn_fa && kr.fa_ha == ref.fa_ha);
		require(kr.mn_ha_spi == ref.mn_ha_spi && kr.mn_fa_spi == ref.mn_fa_spi && kr.fa_ha_spi == ref.fa_ha_spi);
		require(kr.aaa_spi == ref.aaa_spi && kr.lifetime == ref.lifetime);
		require(memcmp(kr.home_agent, ref.home_agent, 4) == 0 && memcmp(kr.foreign_agent, ref.foreign_agent, 4) == 0);
	}

	if (key) {
		want_root_rc = key_len >= 64 && key_len <= 256 ? EAP_MOBILITY_KEYS_ROOT_OK : EAP_MOBILITY_KEYS_ROOT_LENGTH;
		if (want_root_rc == EAP_MOBILITY_KEYS_ROOT_OK) memcpy(want_root, key, want_len = key_len);
	} else if (emsk) {
		want_root_rc = EAP_MOBILITY_KEYS_ROOT_NO_EMSK;
	} else if (recv && send && recv_len == 32 && send_len == 32) {
		want_root_rc = EAP_MOBILITY_KEYS_ROOT_OK;
		memcpy(want_root, recv, 32);
		memcpy(want_root + 32, send, 32);
		want_len = 64;
	} else {
		want_root_rc = EAP_MOBILITY_KEYS_ROOT_NO_MSK;
	}
	memset(root, 0xC3, sizeof(root));
	root_rc = eap_mobility_keys_root(key, key_len, emsk, recv, recv_len, send, send_len, root, &root_len);
	require(root_rc == want_root_rc);
	if (root_rc == EAP_MOBILITY_KEYS_ROOT_OK) {
		require(root_len == want_len && memcmp(root, want_root, want_len) == 0);
		for (i = want_len; i < sizeof(root); i++) require(root[i] == 0xC3);
		if (rc == MIP_ATTRS_OK) check_keys(root, root_len, &kr, nonce, nai, nai_len);
	} else {
		require(root_len == 7);
		for (i = 0; i < sizeof(root); i++) require(root[i] == 0xC3);
	}

	for (i = 0; i < n; i++) free(copies[i]);
	free(key);
	free(recv);
	free(send);
	return 0;
}
