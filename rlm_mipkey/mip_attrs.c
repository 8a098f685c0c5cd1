/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mip_attrs.c - the attribute front-ends of a Mobile IP key request (see mip_attrs.h).
 */
#include <string.h>

#include "mip_attrs.h"
#include "rfc3957.h"
#include "wire.h"

/* The first attribute with id, or NULL. */
static mip_attr_t const *first(mip_attr_t const *attrs, size_t n, mip_attr_id_t id)
{
	size_t i;

	for (i = 0; i < n; i++) if (attrs[i].id == id) return &attrs[i];
	return NULL;
}

/* The first present of ids[0..count-1], in that order. */
static mip_attr_t const *first_of(mip_attr_t const *attrs, size_t n, mip_attr_id_t const *ids, size_t count)
{
	mip_attr_t const	*a;
	size_t			i;

	for (i = 0; i < count; i++) if ((a = first(attrs, n, ids[i]))) return a;
	return NULL;
}

static bool length_ok(mip_attr_t const *a)
{
	switch (a->id) {
	case MIP_ATTR_USER_NAME:
		return true;
	case MIP_ATTR_WIMAX_HOME_AGENT:
		return a->len == 4 || a->len == 16;
	case MIP_ATTR_COUNT:
		return false;
	default:
		return a->len == 4;
	}
}

static mip_attr_id_t const mn_ha_spi_ids[] = { MIP_ATTR_MN_HA_SPI, MIP_ATTR_3GPP2_MN_HA_SPI, MIP_ATTR_WIMAX_MN_HA_SPI };
static mip_attr_id_t const home_agent_ids[] = { MIP_ATTR_HOME_AGENT, MIP_ATTR_3GPP2_HOME_AGENT, MIP_ATTR_WIMAX_HOME_AGENT };

/* Every length; 0, or -1 with the id of the first wrong one in *detail. */
static int lengths_ok(mip_attr_t const *attrs, size_t n, uint32_t *detail)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!length_ok(&attrs[i])) {
			*detail = (uint32_t) attrs[i].id;
			return -1;
		}
	}
	return 0;
}

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

mip_attrs_rc_t mip_attrs_key_request(mip_attr_t const *attrs, size_t n, mip_key_request_t *kr,
				     bool *has_home_agent, uint8_t home_agent[4], uint32_t *detail)
{
	mip_attr_t const	*a;
	uint32_t		asked = 1;	/* a standard MN-HA SPI alone: MN-HA */

	memset(kr, 0, sizeof(*kr));
	*has_home_agent = false;
	if (lengths_ok(attrs, n, detail) < 0) return MIP_ATTRS_LENGTH;

	kr->source = MIP_SOURCE_ATTRIBUTES;
	if ((a = first(attrs, n, MIP_ATTR_KEY_REQUEST))) asked = get32(a->value);
	switch (asked) {
	case 1: kr->mn_ha = true; break;
	case 2: kr->mn_fa = true; break;
	case 3: kr->mn_ha = kr->mn_fa = true; break;
	default:
		*detail = asked;
		return MIP_ATTRS_KEY_REQUEST;
	}
	kr->mn_ha_subtype = kr->mn_fa_subtype = RFC3957_SUBTYPE_FROM_AAA;
	if (kr->mn_ha) {
		a = first_of(attrs, n, mn_ha_spi_ids, COUNT_OF(mn_ha_spi_ids));
		if (!a) return MIP_ATTRS_NO_MN_HA_SPI;
		kr->mn_ha_spi = get32(a->value);
	}
	if (kr->mn_fa) {
		a = first(attrs, n, MIP_ATTR_MN_FA_SPI);
		if (!a) return MIP_ATTRS_NO_MN_FA_SPI;
		kr->mn_fa_spi = get32(a->value);
	}

	a = first_of(attrs, n, home_agent_ids, COUNT_OF(home_agent_ids));
	if (a && a->len == 4) {
		*has_home_agent = true;
		memcpy(home_agent, a->value, 4);
	}
	if ((a = first(attrs, n, MIP_ATTR_HOME_ADDRESS))) {
		kr->has_home_address = true;
		memcpy(kr->home_address, a->value, 4);
	}
	if ((a = first(attrs, n, MIP_ATTR_AAA_SPI))) {
		kr->has_aaa_spi = true;
		kr->aaa_spi = get32(a->value);
	}
	a = first(attrs, n, MIP_ATTR_REQUESTED_LIFETIME);
	kr->requested_lifetime = a ? get32(a->value) : UINT32_MAX;
	if ((a = first(attrs, n, MIP_ATTR_USER_NAME))) {
		kr->user_name = (char const *) a->value;
		kr->user_name_len = a->len;
	}
	return MIP_ATTRS_OK;
}

mip_attrs_rc_t mip_attrs_eap_key_request(mip_attr_t const *attrs, size_t n, uint32_t max_lifetime,
					 mip_attrs_eap_request_t *out, uint32_t *detail)
{
	mip_attr_t const *a;

	memset(out, 0, sizeof(*out));
	if (lengths_ok(attrs, n, detail) < 0) return MIP_ATTRS_LENGTH;

	if ((a = first(attrs, n, MIP_ATTR_KEY_REQUEST))) {
		switch (get32(a->value)) {
		case 1: out->mn_ha = true; break;
		case 2: out->mn_fa = true; break;
		case 3: out->mn_ha = out->mn_fa = true; break;
		default:
			*detail = get32(a->value);
			return MIP_ATTRS_KEY_REQUEST;
		}
	} else if (first_of(attrs, n, mn_ha_spi_ids + 1, COUNT_OF(mn_ha_spi_ids) - 1)) {
		out->mn_ha = true;	/* a 3GPP2 / WiMAX MN-HA SPI alone asks for an MN-HA key */
	}
	if (out->mn_ha) {
		a = first_of(attrs, n, mn_ha_spi_ids, COUNT_OF(mn_ha_spi_ids));
		if (!a) return MIP_ATTRS_NO_MN_HA_SPI;
		out->mn_ha_spi = get32(a->value);
		/* The key is bound to the home agent: one home agent cannot pose as the MN to another. */
		a = first_of(attrs, n, home_agent_ids, COUNT_OF(home_agent_ids));
		if (!a || a->len != 4) return MIP_ATTRS_NO_HOME_AGENT;
		memcpy(out->home_agent, a->value, 4);
	}
	if (out->mn_fa) {
		a = first(attrs, n, MIP_ATTR_MN_FA_SPI);
		if (!a) return MIP_ATTRS_NO_MN_FA_SPI;
		out->mn_fa_spi = get32(a->value);
		a = first(attrs, n, MIP_ATTR_FOREIGN_AGENT);
		if (!a) return MIP_ATTRS_NO_FOREIGN_AGENT;
		memcpy(out->foreign_agent, a->value, 4);
	}
	if ((a = first(attrs, n, MIP_ATTR_FA_HA_SPI))) {
		out->fa_ha = true;
		out->fa_ha_spi = get32(a->value);
	}
	if ((a = first(attrs, n, MIP_ATTR_AAA_SPI))) out->aaa_spi = get32(a->value);
	a = first(attrs, n, MIP_ATTR_REQUESTED_LIFETIME);
	if (a && get32(a->value) == 0) return MIP_ATTRS_LIFETIME_ZERO;
	out->lifetime = a && get32(a->value) < max_lifetime ? get32(a->value) : max_lifetime;
	return MIP_ATTRS_OK;
}
