/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * profile_wimax.c - WiMAX Forum (vendor 24757, VSA format 1,1,c: the server core adds the
 * continuation byte) home agents of client MIPv4:
 * WiMAX-MN-hHA-MIP4-Key (10, the RFC 3957 MN-HA key, salt-encrypted), WiMAX-MN-hHA-MIP4-SPI
 * (11), WiMAX-hHA-IP-MIP4 (6) when the home agent address is known; the MN-FA key in
 * WiMAX-FA-RK-Key (14) with its SPI in WiMAX-FA-RK-SPI (61). Note: in WiMAX proper FA-RK is
 * a root key the MN-FA key is derived from; here it carries the RFC 3957 MN-FA key itself.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include "profile.h"

static int wimax_reply(REQUEST *request, VALUE_PAIR **vps, mobileip_result_t const *r)
{
	if (r->mn_ha &&
	    (profile_add_octets(request, vps, "WiMAX-MN-hHA-MIP4-Key", r->mn_ha_key, sizeof(r->mn_ha_key)) < 0 ||
	     profile_add_integer(request, vps, "WiMAX-MN-hHA-MIP4-SPI", r->mn_ha_spi) < 0)) return -1;
	if (r->has_home_agent &&
	    profile_add_ipaddr(request, vps, "WiMAX-hHA-IP-MIP4", r->home_agent) < 0) return -1;
	if (r->mn_fa &&
	    (profile_add_octets(request, vps, "WiMAX-FA-RK-Key", r->mn_fa_key, sizeof(r->mn_fa_key)) < 0 ||
	     profile_add_integer(request, vps, "WiMAX-FA-RK-SPI", r->mn_fa_spi) < 0)) return -1;
	return 0;
}

mobileip_profile_t const mobileip_profile_wimax = {
	.name			= "wimax",
	.sends_master_key	= false,
	.sends_keygen_replies	= true,
	.reply			= wimax_reply,
};
