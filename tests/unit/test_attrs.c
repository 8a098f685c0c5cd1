/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_attrs.c - unit tests for the byte-level checks of the request attributes: the
 * MS-CHAPv2 ones (rlm_mipkey/mschap_attrs.c). Expected values and offsets are written out by
 * hand here from the RFC 2548 layouts, every wrong length next to the right one.
 */
#include <stdio.h>
#include <string.h>

#include "mschap_attrs.h"
#include "unit.h"

/* A value whose octet i is i + base, so an offset off by one shows in the octets read. */
static void ramp(uint8_t *p, size_t len, uint8_t base)
{
	size_t i;

	for (i = 0; i < len; i++) p[i] = (uint8_t) (base + i);
}

static mschap_attrs_in_t in(uint8_t const *v, size_t len, unsigned int count)
{
	return (mschap_attrs_in_t){ count ? v : NULL, count ? len : 0, count };
}

static void test_response(void)
{
	uint8_t			chal[40], resp[60];
	mschap_attrs_t		a;
	mschap_attrs_in_t	c, r;
	char			name[100];
	size_t			len;

	ramp(chal, sizeof(chal), 0x10);
	ramp(resp, sizeof(resp), 0x80);
	c = in(chal, 16, 1);
	r = in(resp, 50, 1);
	check_int("ms-chap response: 16 + 50", MSCHAP_ATTRS_OK, mschap_attrs_response(&c, &r, &a));
	check_int("ms-chap response: ident is octet 0", 0x80, a.ident);
	/* peer challenge octets 2..17, reserved 18..25, NT-Response 26..49 */
	check_hex("ms-chap response: peer challenge", "82838485868788898a8b8c8d8e8f9091", a.peer_challenge, 16);
	check_hex("ms-chap response: NT-Response", "9a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1", a.nt_response, 24);
	check_hex("ms-chap response: auth challenge", "101112131415161718191a1b1c1d1e1f", a.auth_challenge, 16);
	check_true("ms-chap response: no encrypted hash", a.encrypted_hash == NULL);

	for (len = 0; len <= sizeof(chal); len++) {
		if (len == 16) continue;
		c = in(chal, len, 1);
		snprintf(name, sizeof(name), "ms-chap response: challenge of %zu octets", len);
		check_int(name, MSCHAP_ATTRS_CHALLENGE_LEN, mschap_attrs_response(&c, &r, &a));
	}
	c = in(chal, 16, 1);
	for (len = 0; len <= sizeof(resp); len++) {
		if (len == 50) continue;
		r = in(resp, len, 1);
		snprintf(name, sizeof(name), "ms-chap response: response of %zu octets", len);
		check_int(name, MSCHAP_ATTRS_RESPONSE_SIZE, mschap_attrs_response(&c, &r, &a));
	}
	/* the count is checked before any length */
	r = in(resp, 49, 1);
	c = in(chal, 15, 2);
	check_int("ms-chap response: two challenges (first of 15)", MSCHAP_ATTRS_COUNT, mschap_attrs_response(&c, &r, &a));
	r = in(resp, 50, 2);
	c = in(chal, 16, 1);
	check_int("ms-chap response: two responses", MSCHAP_ATTRS_COUNT, mschap_attrs_response(&c, &r, &a));
	r = in(resp, 50, 0);
	check_int("ms-chap response: no response", MSCHAP_ATTRS_COUNT, mschap_attrs_response(&c, &r, &a));
	r = in(resp, 50, 1);
	c = in(chal, 16, 0);
	check_int("ms-chap response: no challenge", MSCHAP_ATTRS_COUNT, mschap_attrs_response(&c, &r, &a));
	c = in(chal, 16, 1);
	check_int("ms-chap response: challenge checked before response", MSCHAP_ATTRS_CHALLENGE_LEN,
		  mschap_attrs_response(&(mschap_attrs_in_t){ chal, 17, 1 }, &(mschap_attrs_in_t){ resp, 51, 1 }, &a));
}

static void test_cpw(void)
{
	uint8_t			chal[16], cpw[80];
	mschap_attrs_t		a;
	mschap_attrs_in_t	c, p;
	char			name[100];
	size_t			len;

	ramp(chal, sizeof(chal), 0x10);
	ramp(cpw, sizeof(cpw), 0x40);
	cpw[0] = 7;
	c = in(chal, 16, 1);
	p = in(cpw, 68, 1);
	check_int("ms-chap cpw: 16 + 68, code 7", MSCHAP_ATTRS_OK, mschap_attrs_cpw(&c, &p, 0, &a));
	check_int("ms-chap cpw: ident is octet 1", 0x41, a.ident);
	/* Encrypted-Hash 2..17, peer challenge 18..33, reserved 34..41, NT-Response 42..65, flags 66..67 */
	check_hex("ms-chap cpw: encrypted hash", "42434445464748494a4b4c4d4e4f5051", a.encrypted_hash, 16);
	check_hex("ms-chap cpw: peer challenge", "52535455565758595a5b5c5d5e5f6061", a.peer_challenge, 16);
	check_hex("ms-chap cpw: NT-Response", "6a6b6c6d6e6f707172737475767778797a7b7c7d7e7f8081", a.nt_response, 24);
	check_hex("ms-chap cpw: auth challenge", "101112131415161718191a1b1c1d1e1f", a.auth_challenge, 16);

	for (len = 0; len <= sizeof(cpw); len++) {
		if (len == 68) continue;
		p = in(cpw, len, 1);
		snprintf(name, sizeof(name), "ms-chap cpw: cpw of %zu octets", len);
		check_int(name, MSCHAP_ATTRS_CPW_FORM, mschap_attrs_cpw(&c, &p, 0, &a));
	}
	p = in(cpw, 68, 1);
	for (len = 0; len <= 20; len++) {
		if (len == 16) continue;
		c = in(chal, len > 16 ? 16 : len, 1);
		c.len = len;	/* only the length is looked at before the error */
		snprintf(name, sizeof(name), "ms-chap cpw: challenge of %zu octets", len);
		check_int(name, MSCHAP_ATTRS_CHALLENGE_LEN, mschap_attrs_cpw(&c, &p, 0, &a));
	}
	c = in(chal, 16, 1);
	cpw[0] = 6;
	check_int("ms-chap cpw: code 6", MSCHAP_ATTRS_CPW_FORM, mschap_attrs_cpw(&c, &p, 0, &a));
	cpw[0] = 8;
	check_int("ms-chap cpw: code 8", MSCHAP_ATTRS_CPW_FORM, mschap_attrs_cpw(&c, &p, 0, &a));
	cpw[0] = 7;
	check_int("ms-chap cpw: with an MS-CHAP2-Response", MSCHAP_ATTRS_COUNT, mschap_attrs_cpw(&c, &p, 1, &a));
	p = in(cpw, 68, 2);
	check_int("ms-chap cpw: two cpw", MSCHAP_ATTRS_COUNT, mschap_attrs_cpw(&c, &p, 0, &a));
	p = in(cpw, 68, 0);
	check_int("ms-chap cpw: no cpw (NT-Enc-PW only)", MSCHAP_ATTRS_COUNT, mschap_attrs_cpw(&c, &p, 0, &a));
	p = in(cpw, 68, 1);
	c = in(chal, 16, 2);
	check_int("ms-chap cpw: two challenges", MSCHAP_ATTRS_COUNT, mschap_attrs_cpw(&c, &p, 0, &a));
	c = in(chal, 16, 0);
	check_int("ms-chap cpw: no challenge", MSCHAP_ATTRS_COUNT, mschap_attrs_cpw(&c, &p, 0, &a));
}

static void nt_password(char const *name, char const *value, size_t len, int want, char const *want_hex)
{
	uint8_t	k[16];
	char	n[120];

	memset(k, 0xAA, sizeof(k));
	snprintf(n, sizeof(n), "nt-password: %s", name);
	check_int(n, want, mschap_attrs_nt_password((uint8_t const *) value, len, k));
	snprintf(n, sizeof(n), "nt-password: %s: k", name);
	check_hex(n, want_hex, k, sizeof(k));
}

static void test_nt_password(void)
{
	static char const zero[] = "00000000000000000000000000000000";
	char	buf[40];
	size_t	len;

	nt_password("16 octets", "\x01\x23\x45\x67\x89\xab\xcd\xef\xfe\xdc\xba\x98\x76\x54\x32\x10", 16, 0,
		    "0123456789abcdeffedcba9876543210");
	nt_password("32 hex digits, lower case", "0123456789abcdeffedcba9876543210", 32, 0,
		    "0123456789abcdeffedcba9876543210");
	nt_password("32 hex digits, upper case", "0123456789ABCDEFFEDCBA9876543210", 32, 0,
		    "0123456789abcdeffedcba9876543210");
	nt_password("16 octets that look like hex", "0123456789abcdef", 16, 0, "30313233343536373839616263646566");
	nt_password("a g in the last digit", "0123456789abcdeffedcba987654321g", 32, -1, zero);
	nt_password("a space in the first digit", " 123456789abcdeffedcba9876543210", 32, -1, zero);
	nt_password("0x prefix", "0x23456789abcdeffedcba9876543210", 32, -1, zero);
	nt_password("a / (below 0)", "0123456789abcdeffedcba98765432/0", 32, -1, zero);
	nt_password("a : (above 9)", "0123456789abcdeffedcba98765432:0", 32, -1, zero);
	nt_password("an @ (below A)", "@123456789abcdeffedcba9876543210", 32, -1, zero);
	nt_password("a G (above F)", "G123456789abcdeffedcba9876543210", 32, -1, zero);
	nt_password("a ` (below a)", "`123456789abcdeffedcba9876543210", 32, -1, zero);
	/* FreeRADIUS's fr_hex2bin() took NUL as a digit (its table's terminator): 32 NULs read as
	 * a hash of 0x10 octets. */
	nt_password("32 NUL octets", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32, -1, zero);
	nt_password("a NUL after 31 digits", "0123456789abcdeffedcba987654321\0", 32, -1, zero);
	nt_password("octet 0xb0 as a digit", "\xb0" "123456789abcdeffedcba9876543210", 32, -1, zero);
	memset(buf, 'a', sizeof(buf));
	for (len = 0; len <= sizeof(buf); len++) {
		char n[60];

		if (len == 16 || len == 32) continue;
		snprintf(n, sizeof(n), "%zu octets", len);
		nt_password(n, buf, len, -1, zero);
	}
}

int main(void)
{
	test_response();
	test_cpw();
	test_nt_password();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
