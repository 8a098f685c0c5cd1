/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_nt_status.c - unit tests for rlm_mipkey/nt_status.c: the class of every listed NT
 * status, unknown codes are "fail", names, and reading a status back from the texts Samba
 * tools print. If Samba's libsamba-errors is installed, every name and description in the
 * table is compared with what that library says for the code (the texts ntlm_auth prints).
 *
 *   gcc -std=gnu11 -Wall -Wextra -Irlm_mipkey -o /tmp/t tests/unit/test_nt_status.c \
 *       rlm_mipkey/nt_status.c -ldl && /tmp/t
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "nt_status.h"
#include "unit.h"

static void expect_class(char const *what, uint32_t code, nt_status_class_t want)
{
	char name[160];

	snprintf(name, sizeof(name), "%s (0x%08X) is %s", what, code, nt_status_class_name(want));
	check_int(name, want, nt_status_classify(code));
}

static void expect_text(char const *text, uint32_t want)
{
	char		name[300];
	uint32_t	code = 0xFFFFFFFFU;
	bool		ok = nt_status_from_text(text, strlen(text), &code);

	snprintf(name, sizeof(name), "text \"%.60s%s\" -> 0x%08X", text, strlen(text) > 60 ? "..." : "", want);
	check_true(name, ok && code == want);
}

static void expect_no_text(char const *text)
{
	char		name[200];
	uint32_t	code = 0;

	snprintf(name, sizeof(name), "text \"%s\" names no status", text);
	check_true(name, !nt_status_from_text(text, strlen(text), &code));
}

/* Samba's own names and descriptions, if its library is here (NTSTATUS is one uint32_t). */
static void against_samba(void)
{
	void			*h = dlopen("libsamba-errors.so.1", RTLD_NOW);
	char const		*(*errstr)(uint32_t), *(*friendly)(uint32_t);
	nt_status_info_t const	*t;
	size_t			n, i;
	char			name[200];

	if (!h) {
		printf("INFO libsamba-errors.so.1 not found: names and texts not compared with Samba's\n");
		return;
	}
	*(void **) &errstr = dlsym(h, "nt_errstr");
	*(void **) &friendly = dlsym(h, "get_friendly_nt_error_msg");
	if (!errstr || !friendly) {
		printf("INFO libsamba-errors lacks nt_errstr / get_friendly_nt_error_msg: not compared\n");
		dlclose(h);
		return;
	}
	t = nt_status_table(&n);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "Samba names 0x%08X %s", t[i].code, t[i].name);
		check_true(name, strcmp(errstr(t[i].code), t[i].name) == 0);
		snprintf(name, sizeof(name), "Samba's description of %s is the table's", t[i].name);
		check_true(name, strcmp(friendly(t[i].code), t[i].text) == 0);
		/* and reading it back gives the code */
		expect_text(friendly(t[i].code), t[i].code);
	}
	/* An unnamed code: Samba prints "NT code 0x...", which reads back and classifies as fail. */
	expect_text(friendly(0x12345678U), 0x12345678U);
	dlclose(h);
}

int main(void)
{
	size_t			n, i;
	nt_status_info_t const	*t;

	/* This user, this password. */
	expect_class("WRONG_PASSWORD", NT_STATUS_WRONG_PASSWORD, NT_CLASS_WRONG_PASSWORD);
	expect_class("NO_SUCH_USER", NT_STATUS_NO_SUCH_USER, NT_CLASS_WRONG_PASSWORD);
	expect_class("LOGON_FAILURE", NT_STATUS_LOGON_FAILURE, NT_CLASS_WRONG_PASSWORD);
	/* This account's state. */
	expect_class("ACCOUNT_DISABLED", NT_STATUS_ACCOUNT_DISABLED, NT_CLASS_DISABLED);
	expect_class("ACCOUNT_EXPIRED", NT_STATUS_ACCOUNT_EXPIRED, NT_CLASS_DISABLED);
	expect_class("ACCOUNT_RESTRICTION", NT_STATUS_ACCOUNT_RESTRICTION, NT_CLASS_DISABLED);
	expect_class("INVALID_LOGON_HOURS", NT_STATUS_INVALID_LOGON_HOURS, NT_CLASS_DISABLED);
	expect_class("INVALID_WORKSTATION", NT_STATUS_INVALID_WORKSTATION, NT_CLASS_DISABLED);
	expect_class("LOGON_TYPE_NOT_GRANTED", NT_STATUS_LOGON_TYPE_NOT_GRANTED, NT_CLASS_DISABLED);
	expect_class("SMARTCARD_LOGON_REQUIRED", NT_STATUS_SMARTCARD_LOGON_REQUIRED, NT_CLASS_DISABLED);
	expect_class("ACCOUNT_LOCKED_OUT", NT_STATUS_ACCOUNT_LOCKED_OUT, NT_CLASS_LOCKED);
	expect_class("PASSWORD_EXPIRED", NT_STATUS_PASSWORD_EXPIRED, NT_CLASS_PASSWORD_EXPIRED);
	expect_class("PASSWORD_MUST_CHANGE", NT_STATUS_PASSWORD_MUST_CHANGE, NT_CLASS_PASSWORD_EXPIRED);

	/* Everything else fails: the trust, the DC, winbindd, policy, unknown codes. */
	expect_class("NO_TRUST_SAM_ACCOUNT", NT_STATUS_NO_TRUST_SAM_ACCOUNT, NT_CLASS_FAIL);
	expect_class("NO_TRUST_LSA_SECRET", NT_STATUS_NO_TRUST_LSA_SECRET, NT_CLASS_FAIL);
	expect_class("TRUSTED_RELATIONSHIP_FAILURE", NT_STATUS_TRUSTED_RELATIONSHIP_FAILURE, NT_CLASS_FAIL);
	expect_class("TRUSTED_DOMAIN_FAILURE", NT_STATUS_TRUSTED_DOMAIN_FAILURE, NT_CLASS_FAIL);
	expect_class("NETLOGON_NOT_STARTED", NT_STATUS_NETLOGON_NOT_STARTED, NT_CLASS_FAIL);
	expect_class("NO_LOGON_SERVERS", NT_STATUS_NO_LOGON_SERVERS, NT_CLASS_FAIL);
	expect_class("DOMAIN_CONTROLLER_NOT_FOUND", NT_STATUS_DOMAIN_CONTROLLER_NOT_FOUND, NT_CLASS_FAIL);
	expect_class("NO_SUCH_DOMAIN", NT_STATUS_NO_SUCH_DOMAIN, NT_CLASS_FAIL);
	expect_class("UNSUCCESSFUL", NT_STATUS_UNSUCCESSFUL, NT_CLASS_FAIL);
	expect_class("ACCESS_DENIED", NT_STATUS_ACCESS_DENIED, NT_CLASS_FAIL);
	expect_class("IO_TIMEOUT", NT_STATUS_IO_TIMEOUT, NT_CLASS_FAIL);
	expect_class("INTERNAL_ERROR", NT_STATUS_INTERNAL_ERROR, NT_CLASS_FAIL);
	expect_class("NTLM_BLOCKED", NT_STATUS_NTLM_BLOCKED, NT_CLASS_FAIL);
	expect_class("NOLOGON_WORKSTATION_TRUST_ACCOUNT", NT_STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT, NT_CLASS_FAIL);
	expect_class("OK (as a failure status)", NT_STATUS_OK, NT_CLASS_FAIL);
	expect_class("unknown code", 0x12345678U, NT_CLASS_FAIL);
	expect_class("unknown code", 0xC0000186U, NT_CLASS_FAIL);	/* DEVICE_PROTOCOL_ERROR, not in the table */
	expect_class("unknown code", 0xC000006BU, NT_CLASS_FAIL);	/* ILL_FORMED_PASSWORD: password change only */
	expect_class("unknown code", 0xFFFFFFFFU, NT_CLASS_FAIL);
	expect_class("unknown code", 0xC000006AU + 0x10000000U, NT_CLASS_FAIL);

	/* Names for the log; none for unknown codes. */
	check_true("name of 0xC000006A", nt_status_name(NT_STATUS_WRONG_PASSWORD) &&
		   strcmp(nt_status_name(NT_STATUS_WRONG_PASSWORD), "NT_STATUS_WRONG_PASSWORD") == 0);
	check_true("name of 0xC000018D", nt_status_name(NT_STATUS_TRUSTED_RELATIONSHIP_FAILURE) &&
		   strcmp(nt_status_name(NT_STATUS_TRUSTED_RELATIONSHIP_FAILURE),
			  "NT_STATUS_TRUSTED_RELATIONSHIP_FAILURE") == 0);
	check_true("no name for 0x12345678", nt_status_name(0x12345678U) == NULL);

	/* Every table entry: unique code, reads back from its name and from its description. */
	t = nt_status_table(&n);
	for (i = 0; i < n; i++) {
		size_t j;
		int dup = 0;

		for (j = 0; j < n; j++) if (j != i && t[j].code == t[i].code) dup = 1;
		check_true(t[i].name, !dup && strncmp(t[i].name, "NT_STATUS_", 10) == 0);
		expect_text(t[i].name, t[i].code);
		expect_text(t[i].text, t[i].code);
	}

	/* What ntlm_auth's ntlm-server-1 prints, seen against Samba 4.17 (tests/lib/SAMBA_DC.md). */
	expect_text("The referenced account is currently disabled and cannot be logged on to.\n",
		    NT_STATUS_ACCOUNT_DISABLED);
	expect_text("The specified account does not exist.  ", NT_STATUS_NO_SUCH_USER);
	expect_text("NT code 0xc0001234", 0xC0001234U);
	expect_text("NT code 0xC000018B", NT_STATUS_NO_TRUST_SAM_ACCOUNT);
	expect_no_text("Reading winbind reply failed!");
	expect_no_text("");
	expect_no_text("   ");
	expect_no_text("NT code 0x");
	expect_no_text("NT code 0xc000zz6a");
	expect_no_text("NT code 0xc000006a0");
	expect_no_text("NT_STATUS_NO_SUCH_THING");
	expect_no_text("The specified account does not exist");	/* no full stop: not the text */
	expect_no_text("nt_status_wrong_password");			/* names are case-sensitive */

	against_samba();

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
