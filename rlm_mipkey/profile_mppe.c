/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * profile_mppe.c - for home agents that only understand MS-CHAPv2 / MPPE: nothing beyond
 * the MS-MPPE-Send-Key / -Recv-Key the module always sends (use_mppe), plus k'' in
 * Mipkey-Master-Key, from which the home agent derives the seed's Skey itself
 * (MD5(k'' || challenge || NT-Response), it has the challenge and the response). The
 * RFC 3957 keys are not sent: such a home agent cannot use them.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include "profile.h"

static int mppe_reply(UNUSED REQUEST *request, UNUSED VALUE_PAIR **vps, UNUSED mobileip_result_t const *r)
{
	return 0;
}

mobileip_profile_t const mobileip_profile_mppe = {
	.name			= "mppe",
	.sends_master_key	= true,
	.sends_keygen_replies	= false,
	.reply			= mppe_reply,
};
