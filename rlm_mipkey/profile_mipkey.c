/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * profile_mipkey.c - the project's own dictionary (dictionary.mipkey, vendor Mipkey):
 * everything RFC 3957 hands to the agents. For home agents written for rlm_mipkey.
 *
 * Per key asked for: Mipkey-MN-HA-Key / -SPI / -Nonce / -Lifetime, and the same for MN-FA
 * (mobileip.c adds Mipkey-MN-HA-/MN-FA-KeyGen-Reply, extensions 43 / 41); with either,
 * Mipkey-Algorithm and Mipkey-AAA-SPI, and Mipkey-Replay-Method with the MN-HA key (RFC 3957
 * has no replay method for MN-FA keys).
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include "profile.h"

static int mipkey_reply(REQUEST *request, VALUE_PAIR **vps, mobileip_result_t const *r)
{
	if (r->mn_ha &&
	    (profile_add_octets(request, vps, "Mipkey-MN-HA-Key", r->mn_ha_key, sizeof(r->mn_ha_key)) < 0 ||
	     profile_add_integer(request, vps, "Mipkey-MN-HA-SPI", r->mn_ha_spi) < 0 ||
	     profile_add_octets(request, vps, "Mipkey-MN-HA-Nonce", r->mn_ha_nonce, sizeof(r->mn_ha_nonce)) < 0 ||
	     profile_add_integer(request, vps, "Mipkey-MN-HA-Lifetime", r->lifetime) < 0 ||
	     profile_add_integer(request, vps, "Mipkey-Replay-Method", r->replay_method) < 0)) return -1;

	if (r->mn_fa &&
	    (profile_add_octets(request, vps, "Mipkey-MN-FA-Key", r->mn_fa_key, sizeof(r->mn_fa_key)) < 0 ||
	     profile_add_integer(request, vps, "Mipkey-MN-FA-SPI", r->mn_fa_spi) < 0 ||
	     profile_add_octets(request, vps, "Mipkey-MN-FA-Nonce", r->mn_fa_nonce, sizeof(r->mn_fa_nonce)) < 0 ||
	     profile_add_integer(request, vps, "Mipkey-MN-FA-Lifetime", r->lifetime) < 0)) return -1;

	if ((r->mn_ha || r->mn_fa) &&
	    (profile_add_integer(request, vps, "Mipkey-Algorithm", r->algorithm) < 0 ||
	     profile_add_integer(request, vps, "Mipkey-AAA-SPI", r->aaa_spi) < 0)) return -1;
	return 0;
}

mobileip_profile_t const mobileip_profile_mipkey = {
	.name			= "mipkey",
	.sends_master_key	= false,
	.sends_keygen_replies	= true,
	.reply			= mipkey_reply,
};
