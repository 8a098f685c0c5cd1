/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_mschap_cpw.c - libFuzzer harness for the MS-CHAP2-CPW check of a password change
 * (rlm_mipkey/mschap_attrs.c: mschap_attrs_cpw(), what password_change.c hands over from
 * MS-CHAP-Challenge, MS-CHAP2-CPW and the number of MS-CHAP2-Response; the NT-Enc-PW chunks
 * are fuzz_nt_enc_pw's).
 *
 * Input: counts (1: bits 0-1 challenges, 2-3 CPWs, 4-5 responses), the challenge's length (1)
 * and octets, then the CPW value (the rest); each an exact-size heap copy.
 *  - the verdict (counts first, then the challenge's length, then the CPW's length and code)
 *    equals a reference's; on OK ident, Encrypted-Hash, peer challenge and NT-Response are
 *    where a walk over RFC 2548 2.3.3's field list (code 1, ident 1, Encrypted-Hash 16, peer
 *    challenge 16, reserved 8, NT-Response 24, flags 2) puts them; a refusal leaves the
 *    output untouched;
 *  - round trip: a CPW built here from input octets (fields written one after the other)
 *    gives back each field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mschap_attrs.h"

#include "fuzz_check.h"

enum { F_CODE, F_IDENT, F_ENC_HASH, F_PEER, F_RESERVED, F_NT_RESPONSE, F_FLAGS, F_COUNT };
static size_t const cpw_fields[F_COUNT] = { 1, 1, 16, 16, 8, 24, 2 };

static void check_cpw(unsigned int n_c, uint8_t const *c, size_t c_len, unsigned int n_cpw, uint8_t const *p,
		      size_t p_len, unsigned int n_r)
{
	uint8_t			*cv = copy(c, c_len), *pv = copy(p, p_len);
	mschap_attrs_in_t	ci = { cv, c_len, n_c }, pi = { pv, p_len, n_cpw };
	mschap_attrs_t		out, before;
	mschap_attrs_rc_t	want, got;

	memset(&out, 0x5A, sizeof(out));
	before = out;
	if (n_c != 1 || n_cpw != 1 || n_r != 0) want = MSCHAP_ATTRS_COUNT;
	else if (c_len != 16) want = MSCHAP_ATTRS_CHALLENGE_LEN;
	else if (p_len != field_offset(cpw_fields, F_COUNT) || p[field_offset(cpw_fields, F_CODE)] != 7) want = MSCHAP_ATTRS_CPW_FORM;
	else want = MSCHAP_ATTRS_OK;
	got = mschap_attrs_cpw(&ci, &pi, n_r, &out);
	require(got == want);
	if (got == MSCHAP_ATTRS_OK) {
		require(out.ident == pv[field_offset(cpw_fields, F_IDENT)]);
		require(out.auth_challenge == cv);
		require(out.encrypted_hash == pv + field_offset(cpw_fields, F_ENC_HASH));
		require(out.peer_challenge == pv + field_offset(cpw_fields, F_PEER));
		require(out.nt_response == pv + field_offset(cpw_fields, F_NT_RESPONSE));
	} else {
		require(memcmp(&out, &before, sizeof(out)) == 0);
	}
	free(cv);
	free(pv);
}

/* ident, Encrypted-Hash, peer challenge and NT-Response from the input, put one after the other. */
static void check_round_trip(uint8_t const *d)
{
	uint8_t			cpw[68], chal[16];
	size_t			n = 0;
	mschap_attrs_t		out;
	mschap_attrs_in_t	ci = { chal, 16, 1 }, pi = { cpw, sizeof(cpw), 1 };

	memset(chal, 0xC3, sizeof(chal));
	cpw[n++] = 7;
	cpw[n++] = d[0];
	memcpy(cpw + n, d + 1, 16), n += 16;
	memcpy(cpw + n, d + 17, 16), n += 16;
	memset(cpw + n, 0, 8), n += 8;
	memcpy(cpw + n, d + 33, 24), n += 24;
	memset(cpw + n, 0, 2), n += 2;
	require(n == sizeof(cpw));
	require(mschap_attrs_cpw(&ci, &pi, 0, &out) == MSCHAP_ATTRS_OK);
	require(out.ident == d[0]);
	require(memcmp(out.encrypted_hash, d + 1, 16) == 0);
	require(memcmp(out.peer_challenge, d + 17, 16) == 0);
	require(memcmp(out.nt_response, d + 33, 24) == 0);
	require(memcmp(out.auth_challenge, chal, 16) == 0);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	size_t	pos = 1, c_len;

	if (size < 1) return 0;
	c_len = pos < size ? data[pos++] : 0;
	if (c_len > size - pos) c_len = size - pos;
	check_cpw(data[0] & 3, data + pos, c_len, (data[0] >> 2) & 3, data + pos + c_len, size - pos - c_len,
		  (data[0] >> 4) & 3);
	if (size - pos - c_len >= 57) check_round_trip(data + pos + c_len);
	return 0;
}
