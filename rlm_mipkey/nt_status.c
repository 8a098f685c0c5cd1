/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * nt_status.c - NT status codes (MS-ERREF 2.3.1) a logon can end with: names, the
 * descriptions Samba prints for them, and what each means for an MS-CHAPv2 client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nt_status.h"

#define S(_c, _t, _cls) { NT_STATUS_##_c, "NT_STATUS_" #_c, _t, _cls }

/*
 * The user list (every class but NT_CLASS_FAIL) is deliberate and short: only a status that
 * says something about this user, this password or this account's state. The rest of the
 * table is there to name a failure in the log. The texts are MS-ERREF's descriptions exactly
 * as Samba 4.17 prints them (checked against libsamba-errors by tests/unit/test_nt_status).
 */
static nt_status_info_t const table[] = {
	/* This password, this user. */
	S(WRONG_PASSWORD, "When trying to update a password, this return status indicates that the value "
	  "provided as the current password is not correct.", NT_CLASS_WRONG_PASSWORD),
	S(NO_SUCH_USER, "The specified account does not exist.", NT_CLASS_WRONG_PASSWORD),
	S(LOGON_FAILURE, "The attempted logon is invalid. This is either due to a bad username or "
	  "authentication information.", NT_CLASS_WRONG_PASSWORD),

	/* This account's state (Samba checks these after the password, lock-out excepted). */
	S(ACCOUNT_DISABLED, "The referenced account is currently disabled and cannot be logged on to.",
	  NT_CLASS_DISABLED),
	S(ACCOUNT_EXPIRED, "The user account has expired.", NT_CLASS_DISABLED),
	S(ACCOUNT_RESTRICTION, "Indicates a referenced user name and authentication information are valid, "
	  "but some user account restriction has prevented successful authentication (such as time-of-day "
	  "restrictions).", NT_CLASS_DISABLED),
	S(INVALID_LOGON_HOURS, "The user account has time restrictions and cannot be logged onto at this time.",
	  NT_CLASS_DISABLED),
	S(INVALID_WORKSTATION, "The user account is restricted so that it cannot be used to log on from the "
	  "source workstation.", NT_CLASS_DISABLED),
	S(LOGON_TYPE_NOT_GRANTED, "A user has requested a type of logon (for example, interactive or network) "
	  "that has not been granted. An administrator has control over who can logon interactively and "
	  "through the network.", NT_CLASS_DISABLED),
	S(SMARTCARD_LOGON_REQUIRED, "Smart card logon is required and was not used.", NT_CLASS_DISABLED),
	S(ACCOUNT_LOCKED_OUT, "The user account has been automatically locked because too many invalid logon "
	  "attempts or password change attempts have been requested.", NT_CLASS_LOCKED),
	S(PASSWORD_EXPIRED, "The user account password has expired.", NT_CLASS_PASSWORD_EXPIRED),
	S(PASSWORD_MUST_CHANGE, "The user password must be changed before logging on the first time.",
	  NT_CLASS_PASSWORD_EXPIRED),

	/* Not about the user: the DC, winbindd, the machine trust, policy. Named for the log only. */
	S(OK, "The operation completed successfully.", NT_CLASS_FAIL),
	S(UNSUCCESSFUL, "{Operation Failed} The requested operation was unsuccessful.", NT_CLASS_FAIL),
	S(ACCESS_DENIED, "{Access Denied} A process has requested access to an object but has not been "
	  "granted those access rights.", NT_CLASS_FAIL),
	S(NO_LOGON_SERVERS, "No logon servers are currently available to service the logon request.",
	  NT_CLASS_FAIL),
	S(IO_TIMEOUT, "{Device Timeout} The specified I/O operation on %hs was not completed before the "
	  "time-out period expired.", NT_CLASS_FAIL),
	S(NO_SUCH_DOMAIN, "The specified domain did not exist.", NT_CLASS_FAIL),
	S(INTERNAL_ERROR, "An internal error occurred.", NT_CLASS_FAIL),
	S(NO_TRUST_LSA_SECRET, "The workstation does not have a trust secret for the primary domain in the "
	  "local LSA database.", NT_CLASS_FAIL),
	S(NO_TRUST_SAM_ACCOUNT, "The SAM database on the Windows Server does not have a computer account for "
	  "this workstation trust relationship.", NT_CLASS_FAIL),
	S(TRUSTED_DOMAIN_FAILURE, "The logon request failed because the trust relationship between the "
	  "primary domain and the trusted domain failed.", NT_CLASS_FAIL),
	S(TRUSTED_RELATIONSHIP_FAILURE, "The logon request failed because the trust relationship between this "
	  "workstation and the primary domain failed.", NT_CLASS_FAIL),
	S(NETLOGON_NOT_STARTED, "An attempt was made to logon, but the NetLogon service was not started.",
	  NT_CLASS_FAIL),
	S(NOLOGON_INTERDOMAIN_TRUST_ACCOUNT, "The account used is an interdomain trust account. Use your "
	  "global user account or local user account to access this server.", NT_CLASS_FAIL),
	S(NOLOGON_WORKSTATION_TRUST_ACCOUNT, "The account used is a computer account. Use your global user "
	  "account or local user account to access this server.", NT_CLASS_FAIL),
	S(NOLOGON_SERVER_TRUST_ACCOUNT, "The account used is a server trust account. Use your global user "
	  "account or local user account to access this server.", NT_CLASS_FAIL),
	S(DOMAIN_CONTROLLER_NOT_FOUND, "A domain controller for this domain was not found.", NT_CLASS_FAIL),
	S(NTLM_BLOCKED, "The authentication failed because NTLM was blocked.", NT_CLASS_FAIL),

	/* A password change the DC refused for the new password (dc_change_status_result: E=709). */
	S(PASSWORD_RESTRICTION, "When trying to update a password, this status indicates that some password "
	  "update rule has been violated. For example, the password might not meet length criteria.",
	  NT_CLASS_FAIL),
	S(ILL_FORMED_PASSWORD, "When trying to update a password, this return status indicates that the value "
	  "provided for the new password contains values that are not allowed in passwords.", NT_CLASS_FAIL),
};

#define NUM (sizeof(table) / sizeof(table[0]))

nt_status_info_t const *nt_status_table(size_t *count)
{
	*count = NUM;
	return table;
}

nt_status_info_t const *nt_status_info(uint32_t code)
{
	size_t i;

	for (i = 0; i < NUM; i++) if (table[i].code == code) return &table[i];
	return NULL;
}

nt_status_class_t nt_status_classify(uint32_t code)
{
	nt_status_info_t const *info = nt_status_info(code);

	return info ? info->cls : NT_CLASS_FAIL;
}

char const *nt_status_name(uint32_t code)
{
	nt_status_info_t const *info = nt_status_info(code);

	return info ? info->name : NULL;
}

char const *nt_status_class_name(nt_status_class_t cls)
{
	switch (cls) {
	case NT_CLASS_FAIL:		return "fail";
	case NT_CLASS_WRONG_PASSWORD:	return "wrong_password";
	case NT_CLASS_DISABLED:		return "disabled";
	case NT_CLASS_LOCKED:		return "locked";
	case NT_CLASS_PASSWORD_EXPIRED:	return "password_expired";
	}
	return "?";
}

bool nt_status_from_text(char const *text, size_t len, uint32_t *code)
{
	char		buf[16];
	char		*end;
	unsigned long	v;
	size_t		i;

	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' ||
			   text[len - 1] == '\n')) len--;
	if (len == 0) return false;

	for (i = 0; i < NUM; i++) {
		if ((strlen(table[i].name) == len && strncmp(table[i].name, text, len) == 0) ||
		    (strlen(table[i].text) == len && strncmp(table[i].text, text, len) == 0)) {
			*code = table[i].code;
			return true;
		}
	}

	/* Samba's text for a status it has no name for: "NT code 0x%08x". */
	if (len == 18 && strncmp(text, "NT code 0x", 10) == 0) {
		memcpy(buf, text + 10, 8);
		buf[8] = '\0';
		if (strspn(buf, "0123456789abcdefABCDEF") != 8) return false;
		v = strtoul(buf, &end, 16);
		if (*end) return false;
		*code = (uint32_t) v;
		return true;
	}
	return false;
}
