/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * dc_common.h - what the domain-controller backends (winbind, ntlm_auth) share: which NT
 * domain a user is in, and what an NT status means for the client.
 */
#ifndef MIPKEY_DC_COMMON_H
#define MIPKEY_DC_COMMON_H

#include "backend.h"

#define DC_DOMAIN_MAX 256

typedef struct {
	char const	*default_domain;	//!< for names without DOMAIN\ and without a mapped realm
	CONF_SECTION	*realms;		//!< "realm = DOMAIN" pairs
	bool		report_lockout;		//!< E=647 for a locked-out account (else 691)
} dc_domain_conf_t;

/** Reads default_domain and the realms { } subsection of a DC backend's section. */
int dc_domain_conf_parse(TALLOC_CTX *ctx, CONF_SECTION *cs, dc_domain_conf_t *conf);

/**
 * The NT domain for this request: DOMAIN of "DOMAIN\user", else the mapping of the NAI's realm,
 * else default_domain, else "" (the DC's own domain). Returns -1 if it does not fit in buf.
 */
int dc_domain(dc_domain_conf_t const *conf, REQUEST *request, mipkey_auth_t const *auth, char *buf, size_t buflen);

/**
 * Maps an NT status from the DC to a result, logging it (name and hex) and why. Only the
 * statuses nt_status.c lists as being about the user, the password or the account state
 * give a reject; every other status, unknown codes included, is MIPKEY_BACKEND_DOWN.
 */
mipkey_result_t dc_nt_status_result(dc_domain_conf_t const *conf, REQUEST *request, uint32_t nt_status,
				    char const *text);

/** Maps the NT status of a refused password change (RFC 2759 section 7) to a result, logging why. */
mipkey_result_t dc_change_status_result(dc_domain_conf_t const *conf, REQUEST *request, uint32_t nt_status,
					char const *text);
/** The same for a status known only by the text a Samba tool printed (ntlm_auth's helper protocol). */
mipkey_result_t dc_nt_status_text_result(dc_domain_conf_t const *conf, REQUEST *request, char const *text,
					 size_t len);

#endif
