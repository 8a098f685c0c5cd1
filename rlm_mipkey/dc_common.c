/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * dc_common.c - domain routing and NT status mapping for the domain-controller backends.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include "dc_common.h"
#include "nt_status.h"

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
	char const *name = nt_status_name(nt_status);

	if (!name) name = "unknown NT status";
	if (!text) text = "";

	switch (nt_status_classify(nt_status)) {
	case NT_CLASS_WRONG_PASSWORD:
		REDEBUG("Domain controller: %s (0x%08X) %s", name, nt_status, text);
		return MIPKEY_WRONG_PASSWORD;

	/* The DC tells these only after it checked the password (Samba: authsam_account_ok runs
	 * after the password check; the test DC answers a wrong password for disabled1 with
	 * WRONG_PASSWORD), so E=647 tells nothing to a client that does not know the password. */
	case NT_CLASS_DISABLED:
		REDEBUG("Domain controller: account may not log in: %s (0x%08X) %s", name, nt_status, text);
		return MIPKEY_ACCT_DISABLED;

	case NT_CLASS_PASSWORD_EXPIRED:
		REDEBUG("Domain controller: %s (0x%08X) %s", name, nt_status, text);
		return MIPKEY_PASSWORD_EXPIRED;

	/* The DC says "locked" whether or not the password was right, so E=647 tells a prober that
	 * the account exists and is locked: report_lockout = no answers 691 instead. */
	case NT_CLASS_LOCKED:
		REDEBUG("Domain controller: account locked out: %s (0x%08X) %s", name, nt_status, text);
		return conf->report_lockout ? MIPKEY_ACCT_LOCKED : MIPKEY_WRONG_PASSWORD;

	case NT_CLASS_FAIL:
		break;
	}

	/* Not about this user: the DC, winbindd or the machine trust. Never a wrong password. */
	RERROR("Domain controller unreachable or refusing service: %s (0x%08X) %s", name, nt_status, text);
	return MIPKEY_BACKEND_DOWN;
}

mipkey_result_t dc_nt_status_text_result(dc_domain_conf_t const *conf, REQUEST *request, char const *text,
					 size_t len)
{
	uint32_t nt_status;

	if (nt_status_from_text(text, len, &nt_status)) return dc_nt_status_result(conf, request, nt_status, "");
	RERROR("Domain controller unreachable or refusing service: \"%.*s\" names no known NT status",
	       (int) len, text);
	return MIPKEY_BACKEND_DOWN;
}

/*
 * Password change (RFC 2759 section 7) at the DC: the NT status of a refused change. A wrong
 * old password is the ordinary E=691; the DC refusing the new password (its policy) is
 * MIPKEY_CHANGE_REFUSED (E=709); anything else is as for a logon.
 */
mipkey_result_t dc_change_status_result(dc_domain_conf_t const *conf, REQUEST *request, uint32_t nt_status,
					char const *text)
{
	if (nt_status == NT_STATUS_PASSWORD_RESTRICTION || nt_status == NT_STATUS_ILL_FORMED_PASSWORD ||
	    nt_status == NT_STATUS_ACCESS_DENIED) {
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
