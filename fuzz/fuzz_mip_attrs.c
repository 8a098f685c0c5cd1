/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_mip_attrs.c - libFuzzer harness for the attribute front-end of a Mobile IP key request
 * (rlm_mipkey/mip_attrs.c: mip_attrs_key_request(), what mobileip.c hands over from
 * Mipkey-Key-Request, the Mipkey-* / 3GPP2 / WiMAX attributes and User-Name).
 *
 * Input: up to 24 attributes, each an id octet (mod 15: the 14 ids and one unknown), a length
 * octet (mod 33), then that many octets; each value an exact-size heap copy.
 *  - the verdict, its detail and every field of the key request and the home agent equal those
 *    of a reference written here from mip_attrs.h's rules: one pass records the first index of
 *    each id; lengths from a table (User-Name any, WiMAX home agent 4 or 16, the rest 4; the
 *    EAP front-end's foreign agent and FA-HA SPI are length-checked, then ignored);
 *    Key-Request absent = 1, else 1, 2 or 3; the MN-HA SPI the first of Mipkey, 3GPP2, WiMAX;
 *    the home agent the first of Mipkey, 3GPP2, WiMAX, if of 4 octets; lifetime absent =
 *    UINT32_MAX; User-Name pointing at its value;
 *  - whatever the verdict, the fields the attribute mode never sets stay zero.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip_attrs.h"

#include "fuzz_check.h"

#define MAX_ATTRS	24
#define N_IDS		14	/* MIP_ATTR_KEY_REQUEST .. MIP_ATTR_FA_HA_SPI */

static uint32_t be32(uint8_t const *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

typedef struct {
	mip_attrs_rc_t		rc;
	uint32_t		detail;
	mip_key_request_t	kr;
	bool			has_ha;
	uint8_t			ha[4];
} ref_t;

static void reference(mip_attr_t const *a, size_t n, ref_t *r)
{
	int		idx[N_IDS];
	size_t		i;
	uint32_t	asked = 1;
	int		spi, agent;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < N_IDS; i++) idx[i] = -1;
	for (i = 0; i < n; i++) {
		size_t	id = a[i].id, len = a[i].len;
		int	ok = id < N_IDS && (id == MIP_ATTR_USER_NAME || len == 4 ||
					     (id == MIP_ATTR_WIMAX_HOME_AGENT && len == 16));

		if (!ok) {
			r->rc = MIP_ATTRS_LENGTH;
			r->detail = (uint32_t) id;
			return;
		}
		if (idx[id] < 0) idx[id] = (int) i;
	}
	r->kr.source = MIP_SOURCE_ATTRIBUTES;
	if (idx[MIP_ATTR_KEY_REQUEST] >= 0) asked = be32(a[idx[MIP_ATTR_KEY_REQUEST]].value);
	if (asked < 1 || asked > 3) {
		r->rc = MIP_ATTRS_KEY_REQUEST;
		r->detail = asked;
		return;
	}
	r->kr.mn_ha = asked & 1;
	r->kr.mn_fa = (asked & 2) != 0;
	r->kr.mn_ha_subtype = r->kr.mn_fa_subtype = 1;
	spi = idx[MIP_ATTR_MN_HA_SPI] >= 0 ? idx[MIP_ATTR_MN_HA_SPI] :
	      idx[MIP_ATTR_3GPP2_MN_HA_SPI] >= 0 ? idx[MIP_ATTR_3GPP2_MN_HA_SPI] : idx[MIP_ATTR_WIMAX_MN_HA_SPI];
	if (r->kr.mn_ha) {
		if (spi < 0) {
			r->rc = MIP_ATTRS_NO_MN_HA_SPI;
			return;
		}
		r->kr.mn_ha_spi = be32(a[spi].value);
	}
	if (r->kr.mn_fa) {
		if (idx[MIP_ATTR_MN_FA_SPI] < 0) {
			r->rc = MIP_ATTRS_NO_MN_FA_SPI;
			return;
		}
		r->kr.mn_fa_spi = be32(a[idx[MIP_ATTR_MN_FA_SPI]].value);
	}
	agent = idx[MIP_ATTR_HOME_AGENT] >= 0 ? idx[MIP_ATTR_HOME_AGENT] :
		idx[MIP_ATTR_3GPP2_HOME_AGENT] >= 0 ? idx[MIP_ATTR_3GPP2_HOME_AGENT] : idx[MIP_ATTR_WIMAX_HOME_AGENT];
	if (agent >= 0 && a[agent].len == 4) {
		r->has_ha = true;
		memcpy(r->ha, a[agent].value, 4);
	}
	if (idx[MIP_ATTR_HOME_ADDRESS] >= 0) {
		r->kr.has_home_address = true;
		memcpy(r->kr.home_address, a[idx[MIP_ATTR_HOME_ADDRESS]].value, 4);
	}
	if (idx[MIP_ATTR_AAA_SPI] >= 0) {
		r->kr.has_aaa_spi = true;
		r->kr.aaa_spi = be32(a[idx[MIP_ATTR_AAA_SPI]].value);
	}
	r->kr.requested_lifetime = idx[MIP_ATTR_REQUESTED_LIFETIME] >= 0 ?
				   be32(a[idx[MIP_ATTR_REQUESTED_LIFETIME]].value) : UINT32_MAX;
	if (idx[MIP_ATTR_USER_NAME] >= 0) {
		r->kr.user_name = (char const *) a[idx[MIP_ATTR_USER_NAME]].value;
		r->kr.user_name_len = a[idx[MIP_ATTR_USER_NAME]].len;
	}
	r->rc = MIP_ATTRS_OK;
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	mip_attr_t		a[MAX_ATTRS];
	uint8_t			*copies[MAX_ATTRS];
	size_t			n = 0, pos = 0, i;
	ref_t			ref;
	mip_key_request_t	kr;
	bool			has_ha;
	uint8_t			ha[4];
	uint32_t		detail = 0x5A5A5A5A;
	mip_attrs_rc_t		rc;

	while (n < MAX_ATTRS && pos + 2 <= size) {
		size_t len = data[pos + 1] % 33;

		if (len > size - pos - 2) len = size - pos - 2;
		copies[n] = malloc(len ? len : 1);
		require(copies[n]);
		if (len) memcpy(copies[n], data + pos + 2, len);
		a[n] = (mip_attr_t){ (mip_attr_id_t) (data[pos] % 15), copies[n], len };
		pos += 2 + len;
		n++;
	}

	reference(a, n, &ref);
	memset(&kr, 0xEE, sizeof(kr));
	memset(ha, 0, sizeof(ha));
	has_ha = true;
	rc = mip_attrs_key_request(a, n, &kr, &has_ha, ha, &detail);
	require(rc == ref.rc);
	if (rc == MIP_ATTRS_LENGTH || rc == MIP_ATTRS_KEY_REQUEST) require(detail == ref.detail);
	else require(detail == 0x5A5A5A5A);
	if (rc == MIP_ATTRS_OK) {
		require(kr.source == ref.kr.source);
		require(kr.mn_ha == ref.kr.mn_ha && kr.mn_fa == ref.kr.mn_fa);
		require(kr.mn_ha_spi == ref.kr.mn_ha_spi && kr.mn_fa_spi == ref.kr.mn_fa_spi);
		require(kr.mn_ha_subtype == ref.kr.mn_ha_subtype && kr.mn_fa_subtype == ref.kr.mn_fa_subtype);
		require(kr.has_aaa_spi == ref.kr.has_aaa_spi && kr.aaa_spi == ref.kr.aaa_spi);
		require(kr.requested_lifetime == ref.kr.requested_lifetime);
		require(kr.has_home_address == ref.kr.has_home_address);
		require(memcmp(kr.home_address, ref.kr.home_address, 4) == 0);
		require(kr.user_name == ref.kr.user_name && kr.user_name_len == ref.kr.user_name_len);
		require(has_ha == ref.has_ha);
		require(memcmp(ha, ref.ha, 4) == 0);
	}
	/* never set by the attribute mode (the RRQ's fields), whatever the verdict */
	require(!kr.has_gen_auth && !kr.gen_auth_subtype && !kr.rrq_md5 && !kr.challenge_ext && !kr.challenge_ext_len);
	require(!kr.identification && !kr.nai && !kr.nai_len);
	for (i = 0; i < n; i++) free(copies[i]);
	return 0;
}
