/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * pairs.c - building attributes (see pairs.h).
 */
#include "pairs.h"

static VALUE_PAIR *new_pair(TALLOC_CTX *ctx, VALUE_PAIR **vps, DICT_ATTR const *da)
{
	VALUE_PAIR *vp = da ? fr_pair_afrom_da(ctx, da) : NULL;

	if (vp) fr_pair_add(vps, vp);
	return vp;
}

VALUE_PAIR *pairs_add_octets(TALLOC_CTX *ctx, VALUE_PAIR **vps, DICT_ATTR const *da, uint8_t const *data, size_t len)
{
	VALUE_PAIR *vp = new_pair(ctx, vps, da);

	if (vp) fr_pair_value_memcpy(vp, data, len);
	return vp;
}

VALUE_PAIR *pairs_add_string(TALLOC_CTX *ctx, VALUE_PAIR **vps, DICT_ATTR const *da, char const *value, size_t len)
{
	VALUE_PAIR *vp = new_pair(ctx, vps, da);

	if (vp) fr_pair_value_bstrncpy(vp, value, len);
	return vp;
}

VALUE_PAIR *pairs_add_integer(TALLOC_CTX *ctx, VALUE_PAIR **vps, DICT_ATTR const *da, uint32_t value)
{
	VALUE_PAIR *vp = new_pair(ctx, vps, da);

	if (vp) {
		vp->vp_integer = value;
		vp->vp_length = 4;
	}
	return vp;
}

VALUE_PAIR *pairs_add_ipaddr(TALLOC_CTX *ctx, VALUE_PAIR **vps, DICT_ATTR const *da, uint8_t const addr[4])
{
	VALUE_PAIR *vp = new_pair(ctx, vps, da);

	if (vp) {
		memcpy(&vp->vp_ipaddr, addr, 4);
		vp->vp_length = 4;
	}
	return vp;
}
