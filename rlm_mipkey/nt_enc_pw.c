/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * nt_enc_pw.c - the 516-octet encrypted password block of an MS-CHAPv2 Change-Password from
 * its MS-CHAP-NT-Enc-PW chunks (see nt_enc_pw.h).
 */
#include <string.h>

#include "nt_enc_pw.h"

nt_enc_pw_rc_t nt_enc_pw_reassemble(uint8_t const *const value[], size_t const len[], size_t n, uint8_t ident,
				    uint8_t block[MSCHAPV2_PW_BLOCK_LEN], size_t detail[2])
{
	size_t	chunk[NT_ENC_PW_MAX_CHUNKS];	/* index in value[] + 1 of each sequence number; 0 = not seen */
	size_t	i, used = 0;

	memset(chunk, 0, sizeof(chunk));
	detail[0] = detail[1] = 0;
	for (i = 0; i < n; i++) {
		unsigned int seq;

		if (i >= NT_ENC_PW_MAX_CHUNKS) return NT_ENC_PW_TOO_MANY;
		if (len[i] <= NT_ENC_PW_HDR) {
			detail[0] = len[i];
			return NT_ENC_PW_SHORT;
		}
		if (value[i][0] != NT_ENC_PW_CODE || value[i][1] != ident) {
			detail[0] = value[i][0];
			detail[1] = value[i][1];
			return NT_ENC_PW_CODE_IDENT;
		}
		seq = ((unsigned int) value[i][2] << 8) | value[i][3];
		detail[0] = seq;
		if (seq < 1 || seq > NT_ENC_PW_MAX_CHUNKS) return NT_ENC_PW_SEQUENCE;
		if (chunk[seq - 1]) return NT_ENC_PW_DUPLICATE;
		chunk[seq - 1] = i + 1;
	}
	detail[0] = 0;
	if (n == 0) return NT_ENC_PW_NONE;

	for (i = 0; i < n; i++) {
		size_t c, l;

		if (!chunk[i]) {
			detail[0] = n;
			detail[1] = i + 1;
			return NT_ENC_PW_MISSING;
		}
		c = chunk[i] - 1;
		l = len[c] - NT_ENC_PW_HDR;
		if (l > MSCHAPV2_PW_BLOCK_LEN - used) return NT_ENC_PW_TOO_LONG;
		memcpy(block + used, value[c] + NT_ENC_PW_HDR, l);
		used += l;
	}
	if (used != MSCHAPV2_PW_BLOCK_LEN) {
		detail[0] = used;
		return NT_ENC_PW_LENGTH;
	}
	return NT_ENC_PW_OK;
}
