/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * profile_cisco.c - Cisco IOS home agents, which download a mobile node's security
 * association from AAA as a Cisco-AVPair (the syntax of "ip mobile secure host ..."):
 *
 *	mobileip:spi#0=spi <MN-HA SPI, decimal> key hex <40 hex digits> replay timestamp within 7 algorithm <alg>
 *
 * <alg> is hmac-md5 (algorithm = hmac-md5) or hmac-sha1 (algorithm = hmac-sha1; check
 * that the IOS release accepts it). 7 seconds is IOS's default timestamp window. IOS only
 * knows timestamp replay protection: replay_method = nonces fails the request. The key is
 * the 20-octet RFC 3957 MN-HA key. The MN-FA key has no place in the HA's association: not
 * sent (logged).
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <openssl/crypto.h>
#include "profile.h"

#define CISCO_REPLAY_WINDOW	7

static int cisco_reply(REQUEST *request, VALUE_PAIR **vps, mobileip_result_t const *r)
{
	char	hex[2 * RFC3957_KEY_LEN + 1];
	char	buf[256];
	int	len, rc;
	size_t	i;

	if (r->mn_fa) RWARN("Profile cisco has no attribute for the MN-FA key: not sent");
	if (!r->mn_ha) return 0;
	if (r->replay_method != RFC3957_REPLAY_TIMESTAMPS) {
		RERROR("Profile cisco: Cisco home agents only support replay_method = timestamps");
		return -1;
	}
	for (i = 0; i < sizeof(r->mn_ha_key); i++) snprintf(hex + 2 * i, 3, "%02x", r->mn_ha_key[i]);
	len = snprintf(buf, sizeof(buf), "mobileip:spi#0=spi %u key hex %s replay timestamp within %d algorithm %s",
		       r->mn_ha_spi, hex, CISCO_REPLAY_WINDOW,
		       r->algorithm == RFC3957_ALG_HMAC_MD5 ? "hmac-md5" : "hmac-sha1");
	rc = profile_add_string(request, vps, "Cisco-AVPair", buf, (size_t) len);
	OPENSSL_cleanse(hex, sizeof(hex));
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

mobileip_profile_t const mobileip_profile_cisco = {
	.name			= "cisco",
	.sends_master_key	= false,
	.sends_keygen_replies	= true,
	.reply			= cisco_reply,
};
