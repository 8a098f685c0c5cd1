/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * profile_3gpp2.c - 3GPP2 (CDMA2000 packet data, vendor 5535) home agents:
 * 3GPP2-MN-HA-Shared-Key (58, the RFC 3957 MN-HA key, 20 octets, salt-encrypted),
 * 3GPP2-MN-HA-SPI (57) and 3GPP2-Home-Agent-IP-Address (7) when the home agent address is
 * known. 3GPP2 has no attribute for an MN-FA key: it is not sent (logged).
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include "profile.h"

static int p3gpp2_reply(REQUEST *request, VALUE_PAIR **vps, mobileip_result_t const *r)
{
	if (r->mn_ha &&
	    (profile_add_string(request, vps, "3GPP2-MN-HA-Shared-Key", (char const *) r->mn_ha_key,
				 sizeof(r->mn_ha_key)) < 0 ||
	     profile_add_integer(request, vps, "3GPP2-MN-HA-SPI", r->mn_ha_spi) < 0)) return -1;
	if (r->has_home_agent &&
	    profile_add_ipaddr(request, vps, "3GPP2-Home-Agent-IP-Address", r->home_agent) < 0) return -1;
	if (r->mn_fa) RWARN("Profile 3gpp2 has no attribute for the MN-FA key: not sent");
	return 0;
}

mobileip_profile_t const mobileip_profile_3gpp2 = {
	.name			= "3gpp2",
	.sends_master_key	= false,
	.sends_keygen_replies	= true,
	.reply			= p3gpp2_reply,
};
