/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mobileip.h - Mobile IPv4 key distribution (RFC 3957 registration keys, the seed's Skey)
 *		after a successful MS-CHAPv2 check.
 *
 * The glue (rlm_mipkey.c) calls mobileip_reply() with k'' (the RFC 3079 master key) and the
 * user's AAA security association from the backend, if any, after every successful check.
 * This file
 * reads what the mobile node asked for (the Registration Request, or the attributes),
 * computes nonces and keys, and lets the client's reply profile (profile.h) turn them into
 * reply attributes.
 */
#ifndef MIPKEY_MOBILEIP_H
#define MIPKEY_MOBILEIP_H

#include <freeradius/radiusd.h>
#include "backend.h"
#include "rfc3957.h"
#include "mip_skey.h"
#include "mip_attrs.h"

typedef struct mobileip_profile mobileip_profile_t;
struct replay;

/** Where the AAA key of RFC 3957 section 5 comes from ("aaa_key" option). */
typedef enum {
	MOBILEIP_AAA_KEY_MSCHAPV2 = 0,	//!< k'' of this MS-CHAPv2 exchange
	MOBILEIP_AAA_KEY_LDAP		//!< the user's AAA security association from the backend
} mobileip_aaa_key_t;

/** The "mobileip { }" subsection of the module configuration. */
typedef struct {
	char const			*aaa_key;		//!< "mschapv2" or "ldap"
	uint32_t			max_lifetime;
	char const			*algorithm_name;
	char const			*replay_method_name;
	bool				return_skey;
	bool				return_master_key;
	char const			*default_profile_name;
	uint32_t			replay_window;		//!< seconds, 0 = off (RRQ Identification)
	bool				require_message_authenticator;	//!< keys, Skey, k'' only to signed requests

	mobileip_aaa_key_t		aaa_key_source;
	uint16_t			algorithm;		//!< RFC3957_ALG_*
	uint16_t			replay_method;		//!< RFC3957_REPLAY_*
	mobileip_profile_t const	*default_profile;
	char const			*log_prefix;
	struct replay		*replay;		//!< replay_cache { } (replay.h)
} mobileip_inst_t;

#define MOBILEIP_MN_HA_REPLY_LEN	(RFC3957_MN_HA_REPLY_FIXED_LEN + RFC3957_NONCE_LEN)
#define MOBILEIP_MN_FA_REPLY_LEN	(RFC3957_MN_FA_REPLY_FIXED_LEN + RFC3957_NONCE_LEN)

/** Everything a reply profile may put in the Access-Accept. Wiped after use. */
typedef struct {
	bool		mn_ha;				//!< an MN-HA key was asked for and computed
	bool		mn_fa;				//!< an MN-FA key was asked for and computed
	uint32_t	mn_ha_spi;
	uint32_t	mn_fa_spi;
	uint32_t	aaa_spi;			//!< MN-AAA extension SPI, Mipkey-AAA-SPI, or 0;
							//!< aaa_key = ldap: the security association's
	uint32_t	lifetime;			//!< min(requested, max_lifetime), seconds
	uint16_t	algorithm;
	uint16_t	replay_method;
	bool		has_home_agent;
	uint8_t		home_agent[4];			//!< network order
	bool		has_home_address;
	uint8_t		home_address[4];		//!< network order

	uint8_t		mn_ha_key[RFC3957_KEY_LEN];
	uint8_t		mn_ha_nonce[RFC3957_NONCE_LEN];
	uint8_t		mn_ha_keygen_reply[MOBILEIP_MN_HA_REPLY_LEN];	//!< extension 43, complete
	size_t		mn_ha_keygen_reply_len;
	uint8_t		mn_fa_key[RFC3957_KEY_LEN];
	uint8_t		mn_fa_nonce[RFC3957_NONCE_LEN];
	uint8_t		mn_fa_keygen_reply[MOBILEIP_MN_FA_REPLY_LEN];	//!< extension 41, complete
	size_t		mn_fa_keygen_reply_len;

	uint8_t		master_key[MSCHAPV2_HASH_LEN];	//!< k''
	uint8_t		skey[MIP_SKEY_LEN];		//!< MD5(k'' || challenge || NT-Response)
	bool		return_skey;			//!< module option or client override
	bool		return_master_key;		//!< module option or client override
} mobileip_result_t;

/*
 * Parse and check the "mobileip" subsection of the module section conf (defaults if there
 * is none). *out is NULL (Mobile IP off, with a warning) when the project dictionary is
 * not loaded and there is no subsection. Returns 0, or -1 after cf_log_err.
 */
int mobileip_instantiate(TALLOC_CTX *ctx, CONF_SECTION *conf, char const *log_prefix, mobileip_inst_t **out);

/* true if the Access-Request asks for Mobile IP keys (Mipkey-Registration-Request or Mipkey-Key-Request). */
bool mobileip_requested(REQUEST *request);

/*
 * After the MS-CHAPv2 check succeeded: checks the key request, computes the keys and adds
 * the client's profile attributes to the reply, and Skey / k'' where the client is
 * configured for them (with or without a key request). Returns RLM_MODULE_NOOP when there
 * is nothing to add, RLM_MODULE_OK, or
 * RLM_MODULE_INVALID (malformed request) / RLM_MODULE_REJECT (a request that cannot be
 * granted) with a log line and a Reply-Message, or RLM_MODULE_FAIL (configuration or
 * internal error). Adds no key attribute unless it returns RLM_MODULE_OK.
 * aaa_sa: the user's AAA security association from the backend (NULL or !present: none);
 * used with aaa_key = ldap, whose requests must name its SPI. With
 * require_message_authenticator, nothing is handed out to a request without a (valid)
 * Message-Authenticator: RLM_MODULE_REJECT.
 */
rlm_rcode_t mobileip_reply(mobileip_inst_t const *inst, REQUEST *request, mipkey_auth_t const *auth,
			   uint8_t const master_key[MSCHAPV2_HASH_LEN], mipkey_aaa_sa_t const *aaa_sa);

/*
 * The attributes of the request's key request, for the front-ends of mip_attrs.c: the first
 * pair of each, its value as on the wire (integers put in network order into integers[id]);
 * a home agent or foreign agent address that is neither IPv4 nor IPv6 is left out
 * (WiMAX-RRQ-HA-IP is combo-ip). Returns how many.
 */
size_t mobileip_attrs(REQUEST *request, mip_attr_t attrs[MIP_ATTR_COUNT], uint8_t integers[MIP_ATTR_COUNT][4]);

/** Why mip_attrs.c refused the key request (rc not MIP_ATTRS_OK), as the log line and
 *  Reply-Message say it, into buf. One text for both front-ends (mobileip.c, eap_keys.c). */
void mobileip_attrs_problem(mip_attrs_rc_t rc, uint32_t detail, char *buf, size_t len);

/* The reply profile of the request's client (mipkey_profile, else default_profile); NULL: an
 * unknown name in clients.conf (logged). For eap_keys.c. */
mobileip_profile_t const *mobileip_client_profile(mobileip_inst_t const *inst, REQUEST *request);

#endif
