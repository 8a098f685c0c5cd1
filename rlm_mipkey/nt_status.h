/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * nt_status.h - what an NT status from a domain controller means for an MS-CHAPv2 client.
 *
 * Pure C, no FreeRADIUS: unit-tested on its own (tests/unit/test_nt_status.c).
 *
 * Only an explicit list of statuses is about "this user, this password or this account's
 * state"; everything else (the DC, winbindd, the machine trust, unknown codes) is a failure
 * of the backend, answered with module fail and never as a wrong password.
 */
#ifndef MIPKEY_NT_STATUS_H
#define MIPKEY_NT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	NT_CLASS_FAIL = 0,		//!< not about the user (DC, trust, winbind, unknown): module fail
	NT_CLASS_WRONG_PASSWORD,	//!< wrong password, unknown user, logon failure: E=691
	NT_CLASS_DISABLED,		//!< disabled, expired or restricted account: E=647
	NT_CLASS_LOCKED,		//!< locked out: E=647 (or 691, report_lockout = no)
	NT_CLASS_PASSWORD_EXPIRED	//!< password expired or must be changed: E=648
} nt_status_class_t;

#define NT_STATUS_OK				0x00000000U
#define NT_STATUS_UNSUCCESSFUL			0xC0000001U
#define NT_STATUS_ACCESS_DENIED			0xC0000022U
#define NT_STATUS_NO_LOGON_SERVERS		0xC000005EU
#define NT_STATUS_NO_SUCH_USER			0xC0000064U
#define NT_STATUS_WRONG_PASSWORD		0xC000006AU
#define NT_STATUS_ILL_FORMED_PASSWORD		0xC000006BU
#define NT_STATUS_PASSWORD_RESTRICTION		0xC000006CU
#define NT_STATUS_LOGON_FAILURE			0xC000006DU
#define NT_STATUS_ACCOUNT_RESTRICTION		0xC000006EU
#define NT_STATUS_INVALID_LOGON_HOURS		0xC000006FU
#define NT_STATUS_INVALID_WORKSTATION		0xC0000070U
#define NT_STATUS_PASSWORD_EXPIRED		0xC0000071U
#define NT_STATUS_ACCOUNT_DISABLED		0xC0000072U
#define NT_STATUS_IO_TIMEOUT			0xC00000B5U
#define NT_STATUS_NO_SUCH_DOMAIN		0xC00000DFU
#define NT_STATUS_INTERNAL_ERROR		0xC00000E5U
#define NT_STATUS_LOGON_TYPE_NOT_GRANTED	0xC000015BU
#define NT_STATUS_NO_TRUST_LSA_SECRET		0xC000018AU
#define NT_STATUS_NO_TRUST_SAM_ACCOUNT		0xC000018BU
#define NT_STATUS_TRUSTED_DOMAIN_FAILURE	0xC000018CU
#define NT_STATUS_TRUSTED_RELATIONSHIP_FAILURE	0xC000018DU
#define NT_STATUS_NETLOGON_NOT_STARTED		0xC0000192U
#define NT_STATUS_ACCOUNT_EXPIRED		0xC0000193U
#define NT_STATUS_NOLOGON_INTERDOMAIN_TRUST_ACCOUNT 0xC0000198U
#define NT_STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT 0xC0000199U
#define NT_STATUS_NOLOGON_SERVER_TRUST_ACCOUNT	0xC000019AU
#define NT_STATUS_PASSWORD_MUST_CHANGE		0xC0000224U
#define NT_STATUS_DOMAIN_CONTROLLER_NOT_FOUND	0xC0000233U
#define NT_STATUS_ACCOUNT_LOCKED_OUT		0xC0000234U
#define NT_STATUS_SMARTCARD_LOGON_REQUIRED	0xC00002FAU
#define NT_STATUS_NTLM_BLOCKED			0xC0000418U

/** One entry of the table: the value, Samba's name and the description Samba prints. */
typedef struct {
	uint32_t		code;
	char const		*name;		//!< "NT_STATUS_WRONG_PASSWORD"
	char const		*text;		//!< MS-ERREF description, as ntlm_auth prints it
	nt_status_class_t	cls;
} nt_status_info_t;

/** The class of a status. Anything not in the user list, unknown codes included, is NT_CLASS_FAIL. */
nt_status_class_t nt_status_classify(uint32_t code);

/** "NT_STATUS_..." for a status in the table, else NULL. */
char const *nt_status_name(uint32_t code);

/** The table entry of a status, or NULL. */
nt_status_info_t const *nt_status_info(uint32_t code);

/** Short name of a class, for logs and tests ("fail", "wrong_password", ...). */
char const *nt_status_class_name(nt_status_class_t cls);

/**
 * The status behind a text a Samba tool printed for it: an "NT_STATUS_..." name, "NT code
 * 0x...", or the description of a status in the table (what ntlm_auth's ntlm-server-1
 * helper protocol prints after "Authentication-Error: "). Trailing white space is ignored.
 * Returns false if the text names no status (then the caller must treat it as a failure).
 */
bool nt_status_from_text(char const *text, size_t len, uint32_t *code);

/** The whole table (for tests). */
nt_status_info_t const *nt_status_table(size_t *count);

#endif
