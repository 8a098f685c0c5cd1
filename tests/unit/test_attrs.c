/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_attrs.c - unit tests for the byte-level checks of the request attributes: the
 * MS-CHAPv2 ones (rlm_mipkey/mschap_attrs.c) and the attribute front-end of a Mobile IP key
 * request (rlm_mipkey/mip_attrs.c: mobileip.c's and eap_keys.c's), the EAP root key
 * (eap_mobility_keys_root()). Expected values and offsets are written out by hand here
 * from the RFC 2548 layouts and mip_attrs.h, every wrong length next to the right one.
 */
#include <stdio.h>
#include <string.h>

#include "eap_mobility_keys.h"
#include "mip_attrs.h"
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

static mip_attrs_rc_t key_request(mip_attr_t const *attrs, size_t n, mip_key_request_t *kr, bool *has_ha,
				  uint8_t ha[4], uint32_t *detail)
{
	memset(kr, 0xEE, sizeof(*kr));	/* the front-end zeroes it */
	*detail = 0xDEAD;
	memset(ha, 0, 4);
	return mip_attrs_key_request(attrs, n, kr, has_ha, ha, detail);
}

static void test_mip_attrs(void)
{
	static uint8_t const one[4] = { 0, 0, 0, 1 }, two[4] = { 0, 0, 0, 2 }, three[4] = { 0, 0, 0, 3 },
			     four[4] = { 0, 0, 0, 4 }, zero[4] = { 0 }, big[4] = { 0x80, 0, 1, 0 },
			     spi_a[4] = { 0, 0, 1, 0 }, spi_b[4] = { 0, 0, 1, 1 }, spi_c[4] = { 0xff, 0xff, 0xff, 0xff },
			     ha_a[4] = { 192, 0, 2, 1 }, ha_b[4] = { 198, 51, 100, 1 }, ha6[16] = { 0x20, 0x01, 0x0d, 0xb8 },
			     hoa[4] = { 192, 0, 2, 10 }, life[4] = { 0, 0, 0x0e, 0x10 }, len5[5] = { 0 };
	mip_key_request_t	kr;
	bool			has_ha;
	uint8_t			ha[4];
	uint32_t		detail;
	char			name[100];
	mip_attr_id_t		id;

	{
		mip_attr_t a[] = {
			{ MIP_ATTR_USER_NAME, (uint8_t const *) "alice@example.net", 17 },
			{ MIP_ATTR_KEY_REQUEST, three, 4 }, { MIP_ATTR_WIMAX_MN_HA_SPI, spi_c, 4 },
			{ MIP_ATTR_MN_HA_SPI, spi_a, 4 }, { MIP_ATTR_MN_FA_SPI, spi_b, 4 },
			{ MIP_ATTR_WIMAX_HOME_AGENT, ha_b, 4 }, { MIP_ATTR_3GPP2_HOME_AGENT, ha_a, 4 },
			{ MIP_ATTR_HOME_ADDRESS, hoa, 4 }, { MIP_ATTR_AAA_SPI, two, 4 },
			{ MIP_ATTR_REQUESTED_LIFETIME, life, 4 }, { MIP_ATTR_MN_HA_SPI, spi_b, 4 },
		};

		check_int("mip attrs: both keys", MIP_ATTRS_OK, key_request(a, 11, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: both keys: source", MIP_SOURCE_ATTRIBUTES, kr.source);
		check_true("mip attrs: both keys: MN-HA and MN-FA", kr.mn_ha && kr.mn_fa);
		check_int("mip attrs: both keys: Mipkey-MN-HA-SPI before WiMAX's, the first of two", 256, kr.mn_ha_spi);
		check_int("mip attrs: both keys: MN-FA SPI", 257, kr.mn_fa_spi);
		check_int("mip attrs: both keys: subtypes 1", 0x0101, kr.mn_ha_subtype << 8 | kr.mn_fa_subtype);
		check_true("mip attrs: both keys: 3GPP2 home agent before WiMAX's", has_ha);
		check_hex("mip attrs: both keys: home agent", "c0000201", ha, 4);
		check_true("mip attrs: both keys: home address", kr.has_home_address);
		check_hex("mip attrs: both keys: home address value", "c000020a", kr.home_address, 4);
		check_true("mip attrs: both keys: AAA SPI", kr.has_aaa_spi && kr.aaa_spi == 2);
		check_int("mip attrs: both keys: lifetime", 3600, kr.requested_lifetime);
		check_true("mip attrs: both keys: User-Name",
			   kr.user_name == (char const *) a[0].value && kr.user_name_len == 17);
		check_true("mip attrs: both keys: no RRQ fields", !kr.has_gen_auth && !kr.rrq_md5 && !kr.nai && !kr.identification);
	}
	{
		mip_attr_t a[] = { { MIP_ATTR_3GPP2_MN_HA_SPI, big, 4 }, { MIP_ATTR_WIMAX_MN_HA_SPI, spi_a, 4 } };

		check_int("mip attrs: 3GPP2 SPI alone", MIP_ATTRS_OK, key_request(a, 2, &kr, &has_ha, ha, &detail));
		check_true("mip attrs: 3GPP2 SPI alone: MN-HA only", kr.mn_ha && !kr.mn_fa);
		check_int("mip attrs: 3GPP2 SPI alone: 3GPP2's before WiMAX's", 0x80000100, kr.mn_ha_spi);
		check_true("mip attrs: 3GPP2 SPI alone: nothing else",
			   !has_ha && !kr.has_home_address && !kr.has_aaa_spi && !kr.user_name);
		check_int("mip attrs: 3GPP2 SPI alone: no lifetime asked", UINT32_MAX, kr.requested_lifetime);
	}
	{
		mip_attr_t a[] = { { MIP_ATTR_WIMAX_MN_HA_SPI, spi_a, 4 }, { MIP_ATTR_WIMAX_HOME_AGENT, ha6, 16 },
				   { MIP_ATTR_HOME_ADDRESS, zero, 4 } };

		check_int("mip attrs: WiMAX, IPv6 home agent", MIP_ATTRS_OK, key_request(a, 3, &kr, &has_ha, ha, &detail));
		check_true("mip attrs: WiMAX, IPv6 home agent: none for MIPv4", !has_ha);
		check_true("mip attrs: WiMAX: a home address of 0.0.0.0 is given", kr.has_home_address);
		a[1].len = 4;
		key_request(a, 3, &kr, &has_ha, ha, &detail);
		check_true("mip attrs: WiMAX, IPv4 home agent", has_ha && memcmp(ha, ha6, 4) == 0);
		a[1].len = 8;
		check_int("mip attrs: WiMAX home agent of 8 octets", MIP_ATTRS_LENGTH,
			  key_request(a, 3, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: WiMAX home agent of 8 octets: which", MIP_ATTR_WIMAX_HOME_AGENT, detail);
	}
	{
		mip_attr_t a[] = { { MIP_ATTR_KEY_REQUEST, two, 4 }, { MIP_ATTR_MN_FA_SPI, spi_b, 4 } };

		check_int("mip attrs: MN-FA only", MIP_ATTRS_OK, key_request(a, 2, &kr, &has_ha, ha, &detail));
		check_true("mip attrs: MN-FA only: no MN-HA", !kr.mn_ha && kr.mn_fa && kr.mn_fa_spi == 257 && !kr.mn_ha_spi);
		check_int("mip attrs: MN-FA without its SPI", MIP_ATTRS_NO_MN_FA_SPI, key_request(a, 1, &kr, &has_ha, ha, &detail));
		a[1].id = MIP_ATTR_MN_HA_SPI;
		check_int("mip attrs: MN-FA with only an MN-HA SPI", MIP_ATTRS_NO_MN_FA_SPI,
			  key_request(a, 2, &kr, &has_ha, ha, &detail));
		a[0].value = one;
		check_int("mip attrs: MN-HA with its SPI", MIP_ATTRS_OK, key_request(a, 2, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: MN-HA without an SPI", MIP_ATTRS_NO_MN_HA_SPI, key_request(a, 1, &kr, &has_ha, ha, &detail));
		a[0].value = three;
		check_int("mip attrs: both without MN-HA SPI (checked first)", MIP_ATTRS_NO_MN_HA_SPI,
			  key_request(a, 1, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: both without MN-FA SPI", MIP_ATTRS_NO_MN_FA_SPI, key_request(a, 2, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: nothing at all asks MN-HA", MIP_ATTRS_NO_MN_HA_SPI, key_request(a, 0, &kr, &has_ha, ha, &detail));
		a[0].value = zero;
		check_int("mip attrs: Key-Request 0", MIP_ATTRS_KEY_REQUEST, key_request(a, 2, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: Key-Request 0: value", 0, detail);
		a[0].value = four;
		check_int("mip attrs: Key-Request 4", MIP_ATTRS_KEY_REQUEST, key_request(a, 2, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: Key-Request 4: value", 4, detail);
		a[0].value = big;
		check_int("mip attrs: Key-Request 0x80000100", MIP_ATTRS_KEY_REQUEST, key_request(a, 2, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: Key-Request 0x80000100: value", 0x80000100, detail);
		a[0].value = spi_c;
		check_int("mip attrs: Key-Request 0xffffffff", MIP_ATTRS_KEY_REQUEST, key_request(a, 2, &kr, &has_ha, ha, &detail));
	}
	{
		mip_attr_t a[] = { { MIP_ATTR_KEY_REQUEST, one, 4 }, { MIP_ATTR_MN_HA_SPI, spi_a, 4 },
				   { MIP_ATTR_KEY_REQUEST, four, 4 } };

		check_int("mip attrs: a second Key-Request does not count", MIP_ATTRS_OK,
			  key_request(a, 3, &kr, &has_ha, ha, &detail));
		a[0].value = four;
		a[2].value = one;
		check_int("mip attrs: the first Key-Request counts", MIP_ATTRS_KEY_REQUEST,
			  key_request(a, 3, &kr, &has_ha, ha, &detail));
	}
	{
		mip_attr_t a[] = { { MIP_ATTR_MN_HA_SPI, spi_a, 4 }, { MIP_ATTR_USER_NAME, (uint8_t const *) "", 0 } };

		check_int("mip attrs: empty User-Name", MIP_ATTRS_OK, key_request(a, 2, &kr, &has_ha, ha, &detail));
		check_true("mip attrs: empty User-Name: given", kr.user_name == (char const *) a[1].value && !kr.user_name_len);
	}
	/* every 4-octet attribute with 0, 3, 5 octets; the length is checked before anything else */
	for (id = MIP_ATTR_KEY_REQUEST; id < MIP_ATTR_USER_NAME; id++) {
		size_t lens[] = { 0, 3, 5 }, i;

		for (i = 0; i < 3; i++) {
			mip_attr_t a[] = { { MIP_ATTR_KEY_REQUEST, four, 4 }, { id, len5, lens[i] } };

			snprintf(name, sizeof(name), "mip attrs: id %d of %zu octets", id, lens[i]);
			check_int(name, MIP_ATTRS_LENGTH, key_request(a, 2, &kr, &has_ha, ha, &detail));
			snprintf(name, sizeof(name), "mip attrs: id %d of %zu octets: which", id, lens[i]);
			check_int(name, id, detail);
		}
	}
	{
		mip_attr_t a[] = { { MIP_ATTR_MN_HA_SPI, spi_a, 4 }, { MIP_ATTR_HOME_ADDRESS, ha6, 16 },
				   { MIP_ATTR_COUNT, spi_a, 4 } };

		check_int("mip attrs: home address of 16 octets", MIP_ATTRS_LENGTH, key_request(a, 2, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: Mipkey-Home-Agent-Address of 16 octets", MIP_ATTRS_LENGTH,
			  key_request((mip_attr_t[]){ { MIP_ATTR_HOME_AGENT, ha6, 16 } }, 1, &kr, &has_ha, ha, &detail));
		a[1].len = 4;
		check_int("mip attrs: an unknown id", MIP_ATTRS_LENGTH, key_request(a, 3, &kr, &has_ha, ha, &detail));
		check_int("mip attrs: an unknown id: which", MIP_ATTR_COUNT, detail);
	}
}

static void test_eap_attrs(void)
{
	static uint8_t const one[4] = { 0, 0, 0, 1 }, two[4] = { 0, 0, 0, 2 }, three[4] = { 0, 0, 0, 3 },
			     zero[4] = { 0 }, spi_a[4] = { 0, 0, 1, 0 }, spi_b[4] = { 0, 0, 1, 1 }, spi_c[4] = { 0, 0, 1, 0x2c },
			     ha_a[4] = { 192, 0, 2, 1 }, fa_a[4] = { 198, 51, 100, 9 }, ha6[16] = { 0x20, 1 },
			     life_big[4] = { 0, 0, 0x1c, 0x20 }, life_small[4] = { 0, 0, 2, 0x58 };
	mip_attrs_eap_request_t	r;
	uint32_t		detail;
	mip_attr_t		both[] = {
		{ MIP_ATTR_KEY_REQUEST, three, 4 }, { MIP_ATTR_MN_HA_SPI, spi_a, 4 }, { MIP_ATTR_HOME_AGENT, ha_a, 4 },
		{ MIP_ATTR_MN_FA_SPI, spi_b, 4 }, { MIP_ATTR_FOREIGN_AGENT, fa_a, 4 }, { MIP_ATTR_FA_HA_SPI, spi_c, 4 },
		{ MIP_ATTR_AAA_SPI, two, 4 }, { MIP_ATTR_REQUESTED_LIFETIME, life_small, 4 },
	};

	check_int("eap attrs: both keys", MIP_ATTRS_OK, mip_attrs_eap_key_request(both, 8, 3600, &r, &detail));
	check_true("eap attrs: both keys: MN-HA, MN-FA, FA-HA", r.mn_ha && r.mn_fa && r.fa_ha);
	check_int("eap attrs: both keys: SPIs", 256LL << 32 | 257LL << 16 | 300,
		  (long long) r.mn_ha_spi << 32 | (long long) r.mn_fa_spi << 16 | r.fa_ha_spi);
	check_hex("eap attrs: both keys: home agent", "c0000201", r.home_agent, 4);
	check_hex("eap attrs: both keys: foreign agent", "c6336409", r.foreign_agent, 4);
	check_int("eap attrs: both keys: AAA SPI", 2, r.aaa_spi);
	check_int("eap attrs: both keys: lifetime 600 of at most 3600", 600, r.lifetime);
	both[7].value = life_big;
	mip_attrs_eap_key_request(both, 8, 3600, &r, &detail);
	check_int("eap attrs: lifetime 7200 capped at 3600", 3600, r.lifetime);
	mip_attrs_eap_key_request(both, 7, 3600, &r, &detail);
	check_int("eap attrs: no lifetime: the maximum", 3600, r.lifetime);
	both[7].value = zero;
	check_int("eap attrs: lifetime 0", MIP_ATTRS_LIFETIME_ZERO, mip_attrs_eap_key_request(both, 8, 3600, &r, &detail));
	check_int("eap attrs: no foreign agent", MIP_ATTRS_NO_FOREIGN_AGENT, mip_attrs_eap_key_request(both, 4, 3600, &r, &detail));
	check_int("eap attrs: no MN-FA SPI", MIP_ATTRS_NO_MN_FA_SPI, mip_attrs_eap_key_request(both, 3, 3600, &r, &detail));
	check_int("eap attrs: no home agent", MIP_ATTRS_NO_HOME_AGENT, mip_attrs_eap_key_request(both, 2, 3600, &r, &detail));
	check_int("eap attrs: no MN-HA SPI", MIP_ATTRS_NO_MN_HA_SPI, mip_attrs_eap_key_request(both, 1, 3600, &r, &detail));
	both[0].value = (uint8_t const[4]){ 0, 0, 0, 4 };
	check_int("eap attrs: Key-Request 4", MIP_ATTRS_KEY_REQUEST, mip_attrs_eap_key_request(both, 8, 3600, &r, &detail));
	check_int("eap attrs: Key-Request 4: value", 4, detail);
	both[0].value = two;
	check_int("eap attrs: MN-FA only (no home agent needed)", MIP_ATTRS_OK,
		  mip_attrs_eap_key_request((mip_attr_t[]){ both[0], both[3], both[4] }, 3, 3600, &r, &detail));
	check_true("eap attrs: MN-FA only: no MN-HA", !r.mn_ha && r.mn_fa && !r.fa_ha && r.lifetime == 3600);
	{
		mip_attr_t a[] = { { MIP_ATTR_WIMAX_MN_HA_SPI, spi_b, 4 }, { MIP_ATTR_WIMAX_HOME_AGENT, ha6, 16 },
				   { MIP_ATTR_3GPP2_HOME_AGENT, fa_a, 4 } };

		check_int("eap attrs: WiMAX SPI alone, IPv6 home agent first of WiMAX but 3GPP2's comes first",
			  MIP_ATTRS_OK, mip_attrs_eap_key_request(a, 3, 3600, &r, &detail));
		check_true("eap attrs: WiMAX SPI alone: MN-HA", r.mn_ha && !r.mn_fa && r.mn_ha_spi == 257);
		check_hex("eap attrs: WiMAX SPI alone: 3GPP2's home agent", "c6336409", r.home_agent, 4);
		check_int("eap attrs: only an IPv6 home agent", MIP_ATTRS_NO_HOME_AGENT,
			  mip_attrs_eap_key_request(a, 2, 3600, &r, &detail));
		a[0].id = MIP_ATTR_MN_HA_SPI;
		check_int("eap attrs: Mipkey-MN-HA-SPI alone asks nothing", MIP_ATTRS_OK,
			  mip_attrs_eap_key_request(a, 2, 3600, &r, &detail));
		check_true("eap attrs: Mipkey-MN-HA-SPI alone: no key", !r.mn_ha && !r.mn_fa && !r.fa_ha);
		a[1].len = 5;
		check_int("eap attrs: WiMAX home agent of 5 octets", MIP_ATTRS_LENGTH,
			  mip_attrs_eap_key_request(a, 2, 3600, &r, &detail));
		check_int("eap attrs: WiMAX home agent of 5 octets: which", MIP_ATTR_WIMAX_HOME_AGENT, detail);
		check_int("eap attrs: foreign agent of 16 octets", MIP_ATTRS_LENGTH,
			  mip_attrs_eap_key_request((mip_attr_t[]){ { MIP_ATTR_FOREIGN_AGENT, ha6, 16 } }, 1, 3600, &r, &detail));
		check_int("eap attrs: FA-HA SPI of 3 octets", MIP_ATTRS_LENGTH,
			  mip_attrs_eap_key_request((mip_attr_t[]){ { MIP_ATTR_FA_HA_SPI, one, 3 } }, 1, 3600, &r, &detail));
		check_int("eap attrs: FA-HA SPI of 3 octets: which", MIP_ATTR_FA_HA_SPI, detail);
	}
}

static void root(char const *name, size_t key_len, bool emsk, size_t recv_len, size_t send_len, bool has_recv,
		 bool has_send, eap_mobility_keys_root_rc_t want, size_t want_len)
{
	uint8_t	key[300], recv[40], send[40], out[EAP_MOBILITY_KEYS_ROOT_MAX_LEN], want_root[64];
	size_t	out_len = 1234;
	char	n[120];
	eap_mobility_keys_root_rc_t got;

	ramp(key, sizeof(key), 1);
	ramp(recv, sizeof(recv), 0x80);
	ramp(send, sizeof(send), 0xC0);
	memset(out, 0xEE, sizeof(out));
	got = eap_mobility_keys_root(key_len ? key : NULL, key_len, emsk, has_recv ? recv : NULL, recv_len,
				     has_send ? send : NULL, send_len, out, &out_len);
	snprintf(n, sizeof(n), "eap root: %s", name);
	check_int(n, want, got);
	snprintf(n, sizeof(n), "eap root: %s: length", name);
	check_int(n, want == EAP_MOBILITY_KEYS_ROOT_OK ? (long long) want_len : 1234, (long long) out_len);
	snprintf(n, sizeof(n), "eap root: %s: octets", name);
	if (want != EAP_MOBILITY_KEYS_ROOT_OK) {
		check_true(n, out[0] == 0xEE && out[sizeof(out) - 1] == 0xEE);
	} else if (key_len) {
		check_bytes(n, key, key_len, out, out_len);
	} else {
		memcpy(want_root, recv, 32);
		memcpy(want_root + 32, send, 32);
		check_bytes(n, want_root, 64, out, out_len);
	}
}

static void test_eap_root(void)
{
	root("EMSK of 64", 64, true, 0, 0, false, false, EAP_MOBILITY_KEYS_ROOT_OK, 64);
	root("EMSK of 256", 256, true, 0, 0, false, false, EAP_MOBILITY_KEYS_ROOT_OK, 256);
	root("EMSK of 63", 63, true, 0, 0, false, false, EAP_MOBILITY_KEYS_ROOT_LENGTH, 0);
	root("EMSK of 257", 257, true, 0, 0, false, false, EAP_MOBILITY_KEYS_ROOT_LENGTH, 0);
	root("EMSK of 1", 1, true, 0, 0, false, false, EAP_MOBILITY_KEYS_ROOT_LENGTH, 0);
	root("no EMSK, MPPE keys there", 0, true, 32, 32, true, true, EAP_MOBILITY_KEYS_ROOT_NO_EMSK, 0);
	root("MSK of 64 before MPPE keys", 64, false, 32, 32, true, true, EAP_MOBILITY_KEYS_ROOT_OK, 64);
	root("MSK of 300", 300, false, 32, 32, true, true, EAP_MOBILITY_KEYS_ROOT_LENGTH, 0);
	root("MSK as MPPE 32 + 32", 0, false, 32, 32, true, true, EAP_MOBILITY_KEYS_ROOT_OK, 64);
	root("MPPE 16 + 16 (MS-CHAPv2's)", 0, false, 16, 16, true, true, EAP_MOBILITY_KEYS_ROOT_NO_MSK, 0);
	root("MPPE 31 + 32", 0, false, 31, 32, true, true, EAP_MOBILITY_KEYS_ROOT_NO_MSK, 0);
	root("MPPE 32 + 33", 0, false, 32, 33, true, true, EAP_MOBILITY_KEYS_ROOT_NO_MSK, 0);
	root("MPPE Recv only", 0, false, 32, 32, true, false, EAP_MOBILITY_KEYS_ROOT_NO_MSK, 0);
	root("MPPE Send only", 0, false, 32, 32, false, true, EAP_MOBILITY_KEYS_ROOT_NO_MSK, 0);
	root("nothing", 0, false, 0, 0, false, false, EAP_MOBILITY_KEYS_ROOT_NO_MSK, 0);
}

int main(void)
{
	test_response();
	test_cpw();
	test_nt_password();
	test_mip_attrs();
	test_eap_attrs();
	test_eap_root();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
