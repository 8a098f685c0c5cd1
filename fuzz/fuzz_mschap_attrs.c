/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_mschap_attrs.c - libFuzzer harness for the MS-CHAP attribute checks of an
 * authentication (rlm_mipkey/mschap_attrs.c: mschap_attrs_response(), mschap_attrs_nt_password()),
 * what rlm_mipkey.c hands over from MS-CHAP-Challenge, MS-CHAP2-Response and control:NT-Password.
 *
 * Input: counts (1: bits 0-1 MS-CHAP-Challenge, 2-3 MS-CHAP2-Response), the challenge's length
 * (1) and octets, the response's length (1) and octets, then the NT-Password value (the rest);
 * each value is handed over as an exact-size heap copy.
 *  - the verdict (and which check failed first: counts, challenge, response) equals a
 *    reference's; on OK ident, peer challenge and NT-Response are where a walk over RFC 2548
 *    2.3.2's field list (ident 1, flags 1, peer challenge 16, reserved 8, NT-Response 24)
 *    puts them; on a refusal the output is untouched;
 *  - NT-Password: 16 octets copied, 32 characters each in 0-9a-fA-F decoded by a table
 *    lookup written here, anything else -1 with k zeroed;
 *  - round trip: 16 octets of the input printed as hex (each digit's case from the input) read
 *    back as those 16 octets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mschap_attrs.h"

#include "fuzz_check.h"

/* RFC 2548 2.3.2, in order: the reference's offsets are the running sums. */
static size_t const response_fields[] = { 1, 1, 16, 8, 24 };	/* ident, flags, peer, reserved, NT-Response */

static void check_response(unsigned int n_c, uint8_t const *c, size_t c_len, unsigned int n_r, uint8_t const *r,
			   size_t r_len)
{
	uint8_t			*cv = copy(c, c_len), *rv = copy(r, r_len);
	mschap_attrs_in_t	ci = { cv, c_len, n_c }, ri = { rv, r_len, n_r };
	mschap_attrs_t		out, before;
	mschap_attrs_rc_t	want, got;
	size_t			total = field_offset(response_fields, 5);

	memset(&out, 0x5A, sizeof(out));
	before = out;
	if (n_c != 1 || n_r != 1) want = MSCHAP_ATTRS_COUNT;
	else if (c_len != 16) want = MSCHAP_ATTRS_CHALLENGE_LEN;
	else if (r_len != total) want = MSCHAP_ATTRS_RESPONSE_SIZE;
	else want = MSCHAP_ATTRS_OK;
	got = mschap_attrs_response(&ci, &ri, &out);
	require(got == want);
	if (got == MSCHAP_ATTRS_OK) {
		require(out.ident == rv[field_offset(response_fields, 0)]);
		require(out.auth_challenge == cv);
		require(out.peer_challenge == rv + field_offset(response_fields, 2));
		require(out.nt_response == rv + field_offset(response_fields, 4));
		require(out.nt_response + 24 == rv + r_len);
		require(out.encrypted_hash == NULL);
	} else {
		require(memcmp(&out, &before, sizeof(out)) == 0);
	}
	free(cv);
	free(rv);
}

static int ref_digit(uint8_t c)
{
	static char const digits[] = "0123456789abcdef0123456789ABCDEF";
	char const *p = c ? memchr(digits, c, 32) : NULL;

	return p ? (int) ((p - digits) % 16) : -1;
}

static void check_nt_password(uint8_t const *v, size_t len)
{
	uint8_t	*value = copy(v, len), k[16], want[16];
	int	ok = 1, rc;
	size_t	i;

	memset(want, 0, sizeof(want));
	if (len == 16) {
		memcpy(want, v, 16);
	} else if (len == 32) {
		for (i = 0; i < 32 && ok; i++) {
			int d = ref_digit(v[i]);

			if (d < 0) ok = 0;
			else want[i / 2] = (uint8_t) (want[i / 2] | d << (i % 2 ? 0 : 4));
		}
		if (!ok) memset(want, 0, sizeof(want));
	} else {
		ok = 0;
	}
	memset(k, 0xA5, sizeof(k));
	rc = mschap_attrs_nt_password(value, len, k);
	require(rc == (ok ? 0 : -1));
	require(memcmp(k, want, 16) == 0);
	free(value);
}

/* 16 octets as 32 hex digits, digit i upper case when bit i of the case word is set. */
static void check_round_trip(uint8_t const octets[16], uint32_t case_bits)
{
	char	hex[33];
	uint8_t	k[16];
	size_t	i;

	for (i = 0; i < 16; i++) {
		snprintf(hex + 2 * i, 3, "%02x", octets[i]);
		if (case_bits & (1u << (2 * i))) hex[2 * i] = (char) (hex[2 * i] >= 'a' ? hex[2 * i] - 32 : hex[2 * i]);
		if (case_bits & (1u << (2 * i + 1))) hex[2 * i + 1] = (char) (hex[2 * i + 1] >= 'a' ? hex[2 * i + 1] - 32 : hex[2 * i + 1]);
	}
	require(mschap_attrs_nt_password((uint8_t const *) hex, 32, k) == 0);
	require(memcmp(k, octets, 16) == 0);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	size_t		pos = 1, c_len, r_len;
	uint8_t const	*c, *r;

	if (size < 1) return 0;
	c_len = pos < size ? data[pos++] : 0;
	if (c_len > size - pos) c_len = size - pos;
	c = data + pos;
	pos += c_len;
	r_len = pos < size ? data[pos++] : 0;
	if (r_len > size - pos) r_len = size - pos;
	r = data + pos;
	pos += r_len;

	check_response(data[0] & 3, c, c_len, (data[0] >> 2) & 3, r, r_len);
	check_nt_password(data + pos, size - pos);
	if (size - pos >= 20) {
		uint32_t case_bits = (uint32_t) data[pos + 16] << 24 | (uint32_t) data[pos + 17] << 16 |
				     (uint32_t) data[pos + 18] << 8 | data[pos + 19];

		check_round_trip(data + pos, case_bits);
	}
	return 0;
}
