/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * dc_common.c - domain routing and NT status mapping for the domain-controller backends.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include "dc_common.h"

/* NT status codes (MS-ERREF 2.3.1) a logon can end with. */
#define NT_STATUS_UNSUCCESSFUL		0xC0000001U	/* ntlm_auth: "Reading winbind reply failed!" */
#define NT_STATUS_NO_LOGON_SERVERS	0xC000005EU
#define NT_STATUS_NO_SUCH_USER		0xC0000064U
#define NT_STATUS_WRONG_PASSWORD	0xC000006AU
#define NT_STATUS_LOGON_FAILURE		0xC000006DU
#define NT_STATUS_ACCOUNT_RESTRICTION	0xC000006EU
#define NT_STATUS_INVALID_LOGON_HOURS	0xC000006FU
#define NT_STATUS_PASSWORD_EXPIRED	0xC0000071U
#define NT_STATUS_ACCOUNT_DISABLED	0xC0000072U
#define NT_STATUS_IO_TIMEOUT		0xC00000B5U
#define NT_STATUS_ACCOUNT_EXPIRED	0xC0000193U
#define NT_STATUS_PASSWORD_MUST_CHANGE	0xC0000224U
#define NT_STATUS_ACCOUNT_LOCKED_OUT	0xC0000234U
#define NT_STATUS_TRUSTED_DOMAIN_FAILURE 0xC000018CU
#define NT_STATUS_DOMAIN_CONTROLLER_NOT_FOUND 0xC0000233U

static CONF_PARSER const domain_config[] = {
	{ "default_domain", FR_CONF_OFFSET(PW_TYPE_STRING, dc_domain_conf_t, default_domain), "" },
	{ "report_lockout", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, dc_domain_conf_t, report_lockout), "yes" },
	CONF_PARSER_TERMINATOR
};

int dc_domain_conf_parse(UNUSED TALLOC_CTX *ctx, CONF_SECTION *cs, dc_domain_conf_t *conf)
{
	CONF_ITEM *ci;

	if (cf_section_parse(cs, conf, domain_config) < 0) return -1;
	conf->realms = cf_section_sub_find(cs, "realms");
	if (!conf->realms) return 0;

	for (ci = cf_item_find_next(conf->realms, NULL); ci; ci = cf_item_find_next(conf->realms, ci)) {
		if (!cf_item_is_pair(ci) || !cf_pair_value(cf_item_to_pair(ci))) {
			cf_log_err(ci, "realms { } takes only \"realm = DOMAIN\" pairs");
			return -1;
		}
	}
	return 0;
}

int dc_domain(dc_domain_conf_t const *conf, REQUEST *request, mipkey_auth_t const *auth, char *buf, size_t buflen)
{
	CONF_ITEM	*ci;
	char		realm[DC_DOMAIN_MAX];
	char const	*domain = conf->default_domain;
	size_t		len;

	if (auth->domain) {
		if (auth->domain_len >= buflen) return -1;
		memcpy(buf, auth->domain, auth->domain_len);
		buf[auth->domain_len] = '\0';
		return 0;
	}

	if (auth->realm && conf->realms && auth->realm_len < sizeof(realm)) {
		memcpy(realm, auth->realm, auth->realm_len);
		realm[auth->realm_len] = '\0';
		for (ci = cf_item_find_next(conf->realms, NULL); ci; ci = cf_item_find_next(conf->realms, ci)) {
			CONF_PAIR *cp = cf_item_to_pair(ci);

			if (strcasecmp(cf_pair_attr(cp), realm) == 0) {
				domain = cf_pair_value(cp);
				RDEBUG2("Realm \"%s\" is NT domain \"%s\"", realm, domain);
				break;
			}
		}
	}

	len = strlen(domain);
	if (len >= buflen) return -1;
	memcpy(buf, domain, len + 1);
	return 0;
}

mipkey_result_t dc_nt_status_result(dc_domain_conf_t const *conf, REQUEST *request, uint32_t nt_status,
				    char const *text)
{
	switch (nt_status) {
	case NT_STATUS_WRONG_PASSWORD:
	case NT_STATUS_NO_SUCH_USER:
	case NT_STATUS_LOGON_FAILURE:
		REDEBUG("Domain controller: %s", text);
		return MIPKEY_WRONG_PASSWORD;

	/* Disabled is answered like a wrong password: MS-CHAP has no code a client shows for it. */
	case NT_STATUS_ACCOUNT_DISABLED:
	case NT_STATUS_ACCOUNT_EXPIRED:
	case NT_STATUS_ACCOUNT_RESTRICTION:
	case NT_STATUS_INVALID_LOGON_HOURS:
		REDEBUG("Domain controller: account may not log in: %s", text);
		return MIPKEY_WRONG_PASSWORD;

	case NT_STATUS_PASSWORD_EXPIRED:
	case NT_STATUS_PASSWORD_MUST_CHANGE:
		REDEBUG("Domain controller: %s", text);
		return MIPKEY_PASSWORD_EXPIRED;

	/* The DC says "locked" whether or not the password was right, so E=647 tells a prober that
	 * the account exists and is locked: report_lockout = no answers 691 instead. */
	case NT_STATUS_ACCOUNT_LOCKED_OUT:
		REDEBUG("Domain controller: account locked out: %s", text);
		return conf->report_lockout ? MIPKEY_ACCT_LOCKED : MIPKEY_WRONG_PASSWORD;

	case NT_STATUS_UNSUCCESSFUL:
	case NT_STATUS_NO_LOGON_SERVERS:
	case NT_STATUS_IO_TIMEOUT:
	case NT_STATUS_TRUSTED_DOMAIN_FAILURE:
	case NT_STATUS_DOMAIN_CONTROLLER_NOT_FOUND:
		RERROR("Domain controller unreachable: %s", text);
		return MIPKEY_BACKEND_DOWN;

	default:
		RERROR("Domain controller refused the logon: %s (0x%08X)", text, nt_status);
		return MIPKEY_WRONG_PASSWORD;
	}
}

/*
 * Password change (RFC 2759 section 7) at the DC: the NT status of a refused change. A wrong
 * old password is the ordinary E=691; the DC refusing the new password (its policy) is
 * MIPKEY_CHANGE_REFUSED (E=709); anything else is as for a logon.
 */
mipkey_result_t dc_change_status_result(dc_domain_conf_t const *conf, REQUEST *request, uint32_t nt_status,
					char const *text)
{
	static uint32_t const status_access_denied = 0xC0000022U;
	static uint32_t const status_password_restriction = 0xC000006CU;
	static uint32_t const status_ill_formed_password = 0xC000006BU;

	if (nt_status == status_password_restriction || nt_status == status_ill_formed_password ||
	    nt_status == status_access_denied) {
		RERROR("Domain controller refused the new password: %s (0x%08X)", text, nt_status);
		return MIPKEY_CHANGE_REFUSED;
	}
	switch (dc_nt_status_result(conf, request, nt_status, text)) {
	case MIPKEY_WRONG_PASSWORD:
		REDEBUG("Password change refused by the domain controller: the old password is wrong, or the "
			"account may not change it");
		return MIPKEY_WRONG_PASSWORD;
	case MIPKEY_BACKEND_DOWN:
		return MIPKEY_BACKEND_DOWN;
	case MIPKEY_ACCT_LOCKED:
		return MIPKEY_ACCT_LOCKED;
	default:
		RERROR("Domain controller refused the password change: %s (0x%08X)", text, nt_status);
		return MIPKEY_CHANGE_REFUSED;
	}
}
