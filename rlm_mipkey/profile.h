/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * profile.h - reply profiles: how the Mobile IP keys are put in the Access-Accept, chosen
 * per client ("mipkey_profile = <name>" in clients.conf, else mobileip { default_profile }).
 *
 * One file per profile (profile_<name>.c); adding one is that file plus one line in the
 * table in mobileip.c. A profile adds attributes to *vps (a private list that goes into the
 * reply only if every profile step succeeded) and returns 0, or -1 after logging why.
 * Added by mobileip.c, not by the profiles: Mipkey-MN-HA-KeyGen-Reply / Mipkey-MN-FA-KeyGen-Reply
 * (the complete RFC 3957 extensions 43 / 41 the home agent copies into the Registration Reply,
 * so the mobile node gets its nonce: no 3GPP2, WiMAX or Cisco attribute carries them) for the
 * profiles that hand out RFC 3957 keys, and Mipkey-Skey / Mipkey-Master-Key when configured.
 */
#ifndef MIPKEY_PROFILE_H
#define MIPKEY_PROFILE_H

#include "mobileip.h"

struct mobileip_profile {
	char const	*name;
	bool		sends_master_key;	//!< k'' (Mipkey-Master-Key) is part of the profile itself
	bool		sends_keygen_replies;	//!< the profile hands out RFC 3957 keys: mobileip.c adds
						//!< Mipkey-MN-HA-/MN-FA-KeyGen-Reply (the nonce for the MN)
	int		(*reply)(REQUEST *request, VALUE_PAIR **vps, mobileip_result_t const *r);
};

extern mobileip_profile_t const mobileip_profile_mipkey;
extern mobileip_profile_t const mobileip_profile_mppe;
extern mobileip_profile_t const mobileip_profile_3gpp2;
extern mobileip_profile_t const mobileip_profile_wimax;
extern mobileip_profile_t const mobileip_profile_cisco;

/* The request's client's profile (mipkey_profile, else default_profile); NULL after logging why. */
mobileip_profile_t const *mobileip_client_profile(mobileip_inst_t const *inst, REQUEST *request);

/*
 * Helpers for profiles: add one attribute, named as in the dictionaries, to *vps.
 * Attributes marked encrypt=2 in the dictionary are salt-encrypted by the server core.
 * Return 0, or -1 (unknown attribute: the dictionary is not loaded; logged).
 */
int profile_add_octets(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint8_t const *data, size_t len);
int profile_add_string(REQUEST *request, VALUE_PAIR **vps, char const *attr, char const *value, size_t len);
int profile_add_integer(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint32_t value);
int profile_add_ipaddr(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint8_t const addr[4]);

#endif
