/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * nt_enc_pw.h - putting together the 516-octet NewPasswordEncryptedWithOldNtPasswordHash of
 * an MS-CHAPv2 Change-Password (RFC 2759 section 7) from the MS-CHAP-NT-Enc-PW attributes
 * that carry it (RFC 2548: code 6, the CPW's ident, a 2-octet sequence number in network
 * order starting at 1, then a piece of the block).
 *
 * Pure C, no FreeRADIUS: password_change.c hands over the attributes' values in the order
 * they came; unit-tested (tests/unit/test_parsers.c) and fuzzed (fuzz/fuzz_password_change.c).
 */
#ifndef MIPKEY_NT_ENC_PW_H
#define MIPKEY_NT_ENC_PW_H

#include <stddef.h>
#include <stdint.h>

#include "mschapv2.h"

#define NT_ENC_PW_CODE		6
#define NT_ENC_PW_HDR		4	/* code, ident, sequence number */
#define NT_ENC_PW_MAX_CHUNKS	16	/* three of 243 octets are what clients send */

typedef enum {
	NT_ENC_PW_OK = 0,
	NT_ENC_PW_TOO_MANY,	//!< more than NT_ENC_PW_MAX_CHUNKS attributes
	NT_ENC_PW_SHORT,	//!< a chunk of NT_ENC_PW_HDR octets or less; detail[0] = its length
	NT_ENC_PW_CODE_IDENT,	//!< a chunk's code is not 6 or its ident not the CPW's; detail[0] = code, [1] = ident
	NT_ENC_PW_SEQUENCE,	//!< a sequence number outside 1..NT_ENC_PW_MAX_CHUNKS; detail[0] = it
	NT_ENC_PW_DUPLICATE,	//!< a sequence number twice; detail[0] = it
	NT_ENC_PW_NONE,		//!< no chunk at all
	NT_ENC_PW_MISSING,	//!< n chunks but sequence number detail[1] is not among them; detail[0] = n
	NT_ENC_PW_TOO_LONG,	//!< the chunks make more than 516 octets
	NT_ENC_PW_LENGTH	//!< the chunks make detail[0] octets, not 516
} nt_enc_pw_rc_t;

/**
 * Checks the n chunks (value[i], len[i], in the order received; n may be one more than
 * NT_ENC_PW_MAX_CHUNKS, to say there were too many) and puts their data together in
 * sequence order. Every chunk must carry at least one octet, so n chunks have sequence
 * numbers 1..n. The first problem found, walking the chunks in the order received and then
 * in sequence order, is returned with its detail. block is complete only for NT_ENC_PW_OK.
 */
nt_enc_pw_rc_t nt_enc_pw_reassemble(uint8_t const *const value[], size_t const len[], size_t n, uint8_t ident,
				    uint8_t block[MSCHAPV2_PW_BLOCK_LEN], size_t detail[2]);

#endif
