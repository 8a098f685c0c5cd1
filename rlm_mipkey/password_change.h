/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * password_change.h - reading an MS-CHAPv2 Change-Password (RFC 2759 section 7) out of the
 * RADIUS attributes that carry it (RFC 2548: MS-CHAP2-CPW and the MS-CHAP-NT-Enc-PW chunks).
 */
#ifndef MIPKEY_PASSWORD_CHANGE_H
#define MIPKEY_PASSWORD_CHANGE_H

#include <freeradius/radiusd.h>
#include "backend.h"

/** True if the request carries MS-CHAP2-CPW or MS-CHAP-NT-Enc-PW: a password change. */
bool password_change_requested(REQUEST *request);

/**
 * Checks and reassembles the password change of the request: exactly one MS-CHAP-Challenge
 * (16 octets), exactly one MS-CHAP2-CPW (68 octets, code 7), no MS-CHAP2-Response, and
 * MS-CHAP-NT-Enc-PW chunks (code 6, the CPW's ident, sequence numbers 1..n each once) that
 * make exactly the 516 octets of NewPasswordEncryptedWithOldNtPasswordHash.
 *
 * @return the request's copy (talloc'd on the request, wiped when freed), or NULL after one
 *	ERROR line saying what is wrong (the module answers invalid).
 */
mipkey_cpw_t *password_change_read(REQUEST *request);

#endif
