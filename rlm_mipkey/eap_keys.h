/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * eap_keys.h - Mobile IPv4 keys from EAP authentication (WO 2004/105340), in post-auth.
 *
 * After rlm_eap accepted an EAP method that exports keys (EAP-TLS, PEAP, TTLS: EAP-MSK and
 * EAP-EMSK in the reply; EAP-SIM: only the MSK, as MS-MPPE-Recv-Key | MS-MPPE-Send-Key),
 * a home agent's key request gets MN-HA / MN-FA keys derived from that key material
 * (eap_mobility_keys.c) and an FA-HA key, in the client's reply profile. The derivation
 * and the attributes are described in docs/PROTOCOL.md and the README.
 */
#ifndef MIPKEY_EAP_KEYS_H
#define MIPKEY_EAP_KEYS_H

#include <freeradius/radiusd.h>
#include "mobileip.h"

typedef enum {
	EAP_KEYS_ROOT_EMSK = 0,		//!< the EMSK: it never leaves the server (RFC 5295)
	EAP_KEYS_ROOT_MSK		//!< the MSK: also what the NAS gets
} eap_keys_root_t;

/** The "eap_keys { }" subsection of the module configuration. */
typedef struct {
	char const		*root_name;	//!< "emsk" or "msk"
	eap_keys_root_t		root;
	char const		*log_prefix;
} eap_keys_inst_t;

/*
 * Parse the "eap_keys" subsection of conf (defaults if there is none). *out is NULL when
 * Mobile IP is off (mobileip NULL). Returns 0, or -1 after cf_log_err.
 */
int eap_keys_instantiate(TALLOC_CTX *ctx, CONF_SECTION *conf, char const *log_prefix, mobileip_inst_t const *mobileip,
			 eap_keys_inst_t **out);

/*
 * post-auth: an Access-Accept of an EAP request that asks for Mobile IP keys gets them.
 * RLM_MODULE_NOOP: not for us (not EAP, no key request, not an Access-Accept, EAP-MSCHAPv2
 * whose keys authenticate already handed out); RLM_MODULE_OK: keys added;
 * RLM_MODULE_REJECT / RLM_MODULE_INVALID: refused, with one ERROR line, a Reply-Message,
 * and the reply's EAP-Success turned into an EAP-Failure and its keys removed;
 * RLM_MODULE_FAIL: internal error.
 */
rlm_rcode_t eap_keys_post_auth(eap_keys_inst_t const *inst, mobileip_inst_t const *mobileip, REQUEST *request);

#endif
