/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_mip.c - unit tests for rlm_mipkey/mip_ext.c, rlm_mipkey/rfc3957.c
 *		and rlm_mipkey/mip_skey.c
 *
 * Build and run (sanitizers):
 *   gcc -std=gnu11 -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined \
 *       -Irlm_mipkey -o /tmp/test_mip tests/unit/test_mip.c \
 *       rlm_mipkey/mip_ext.c rlm_mipkey/rfc3957.c rlm_mipkey/mip_skey.c \
 *       -lcrypto && /tmp/test_mip
 * and without them under valgrind:
 *   gcc -std=gnu11 -Wall -Wextra -Werror -O1 -g -Irlm_mipkey -o /tmp/test_mip_vg \
 *       tests/unit/test_mip.c rlm_mipkey/mip_ext.c rlm_mipkey/rfc3957.c \
 *       rlm_mipkey/mip_skey.c -lcrypto && \
 *   valgrind --error-exitcode=9 /tmp/test_mip_vg
 *
 * One line per check: "PASS <name>" or "FAIL <name>: expected <x> got <y>".
 *
 * Every expected crypto value was computed outside this code, with the
 * command quoted next to it (openssl 3 CLI / python3 stdlib), or is a
 * published vector (RFC 2202, RFC 1321).  Every expected message byte
 * string is assembled by hand from the RFC layouts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip_ext.h"
#include "mip_skey.h"
#include "rfc3957.h"
#include "unit.h"


/* rc must be -1 and err must contain every needle (NULL-terminated list) */
static void check_err(char const *name, int rc, char const *err, char const *needle1, char const *needle2)
{
	if (rc == -1 && err && (!needle1 || strstr(err, needle1)) && (!needle2 || strstr(err, needle2))) {
		printf("PASS %s (%s)\n", name, err);
		passed++;
		return;
	}
	printf("FAIL %s: expected -1 with \"%s\"%s%s%s, got %d \"%s\"\n", name,
	       needle1 ? needle1 : "", needle2 ? " and \"" : "", needle2 ? needle2 : "",
	       needle2 ? "\"" : "", rc, err ? err : "(null)");
	failed++;
}

/*
 *	Parse a copy of hex in a heap buffer of exactly its length, so that
 *	AddressSanitizer / valgrind catch any read past the end.
 */
static int parse_hex(char const *hex, int whole, size_t base, mip_rrq_t *out, char const **err)
{
	uint8_t	tmp[1024];
	size_t	len = unhex(hex, tmp, sizeof(tmp));
	uint8_t	*buf = malloc(len ? len : 1);
	int	rc;

	if (!buf) exit(2);
	memcpy(buf, tmp, len);
	*err = NULL;
	rc = whole ? mip_rrq_parse(buf, len, out, err) : mip_ext_parse(buf, len, base, out, err);
	free(buf);	/* out's pointers dangle now: callers only look at scalars */
	return rc;
}

/*
 *	A full Registration Request, assembled by hand:
 *
 *	off  bytes
 *	  0  01 02 0708                     RFC 3344 3.3: Type 1, flags T, Lifetime 1800
 *	  4  0a000005                       Home Address 10.0.0.5
 *	  8  0a000001                       Home Agent 10.0.0.1
 *	 12  c0000207                       Care-of Address 192.0.2.7
 *	 16  1122334455667788               Identification
 *	 24  83 0f "mn1@example.com"        RFC 2794 2 NAI, 15 bytes
 *	 41  84 10 5b5d...2628              RFC 3012 4 challenge, 16 bytes
 *	 59  2a 01 0004 00000100            RFC 3957 6.3 MN-HA KeyGen Req, subtype 1, MN SPI 0x100
 *	 67  28 01 0004 00000200            RFC 3957 6.1 MN-FA KeyGen Req, subtype 1, MN SPI 0x200
 *	 75  24 01 001c 00000003 <24 bytes> RFC 3012 5/6 MN-AAA, SPI 3, NT-Response as authenticator
 *	107  end
 */
#define FULL_HDR	"01020708 0a000005 0a000001 c0000207 1122334455667788"
#define FULL_NAI	"830f 6d6e31406578616d706c652e636f6d"
#define FULL_CHAL	"8410 5b5d7c7d7b3f2f3e3c2c602132262628"
#define FULL_HAKG	"2a010004 00000100"
#define FULL_FAKG	"28010004 00000200"
#define FULL_AAA	"2401001c 00000003 82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df"
#define FULL_EXTS	FULL_NAI " " FULL_CHAL " " FULL_HAKG " " FULL_FAKG " " FULL_AAA
#define FULL_RRQ	FULL_HDR " " FULL_EXTS
#define FULL_LEN	107

static void test_full_rrq(void)
{
	uint8_t		buf[256];
	size_t		len = unhex(FULL_RRQ, buf, sizeof(buf));
	mip_rrq_t	r;
	char const	*err = NULL;
	uint8_t const	*id;
	size_t		id_len;
	int		rc;

	check_int("full rrq length", FULL_LEN, (long long)len);

	rc = mip_rrq_parse(buf, len, &r, &err);
	check_int("full rrq parse rc", 0, rc);
	if (rc) printf("  err: %s\n", err ? err : "(null)");

	check_int("full rrq has_header", 1, r.has_header);
	check_int("full rrq type", 1, r.type);
	check_int("full rrq flags", MIP_FLAG_T, r.flags);
	check_int("full rrq lifetime", 1800, r.lifetime);
	check_hex("full rrq home address", "0a000005", r.home_address, 4);
	check_hex("full rrq home agent", "0a000001", r.home_agent, 4);
	check_hex("full rrq care-of address", "c0000207", r.care_of_address, 4);
	check_true("full rrq identification", r.identification == 0x1122334455667788ULL);
	check_true("full rrq identification_raw points into buf", r.identification_raw == buf + 16);

	check_bytes("full rrq NAI", (uint8_t const *)"mn1@example.com", 15, r.nai.data, r.nai.len);
	check_true("full rrq NAI points into buf", r.nai.data == buf + 26);
	check_int("full rrq NAI offset", 24, (long long)r.nai.offset);

	check_hex("full rrq challenge", "5b5d7c7d7b3f2f3e3c2c602132262628", r.challenge.data, r.challenge.len);
	check_true("full rrq challenge points into buf", r.challenge.data == buf + 43);
	check_int("full rrq challenge offset", 41, (long long)r.challenge.offset);

	check_int("full rrq MN-HA KeyGen present", 1, r.mn_ha_keygen.present);
	check_int("full rrq MN-HA KeyGen subtype", 1, r.mn_ha_keygen.subtype);
	check_int("full rrq MN-HA KeyGen MN SPI", 0x100, r.mn_ha_keygen.mn_spi);
	check_int("full rrq MN-HA KeyGen data_len", 0, (long long)r.mn_ha_keygen.data_len);
	check_int("full rrq MN-HA KeyGen offset", 59, (long long)r.mn_ha_keygen.offset);

	check_int("full rrq MN-FA KeyGen present", 1, r.mn_fa_keygen.present);
	check_int("full rrq MN-FA KeyGen subtype", 1, r.mn_fa_keygen.subtype);
	check_int("full rrq MN-FA KeyGen MN SPI", 0x200, r.mn_fa_keygen.mn_spi);
	check_int("full rrq MN-FA KeyGen data_len", 0, (long long)r.mn_fa_keygen.data_len);
	check_int("full rrq MN-FA KeyGen offset", 67, (long long)r.mn_fa_keygen.offset);

	check_int("full rrq MN-AAA present", 1, r.mn_aaa_auth.present);
	check_int("full rrq MN-AAA subtype", MIP_GEN_AUTH_MN_AAA, r.mn_aaa_auth.subtype);
	check_int("full rrq MN-AAA SPI", 3, r.mn_aaa_auth.spi);
	check_hex("full rrq MN-AAA authenticator",
		  "82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df",
		  r.mn_aaa_auth.authenticator, r.mn_aaa_auth.authenticator_len);
	check_true("full rrq MN-AAA authenticator points into buf", r.mn_aaa_auth.authenticator == buf + 83);
	check_int("full rrq MN-AAA offset", 75, (long long)r.mn_aaa_auth.offset);
	check_int("full rrq MN-AAA auth_offset", 83, (long long)r.mn_aaa_auth.auth_offset);

	check_int("full rrq no MN-HA auth", 0, r.mn_ha_auth.present);
	check_int("full rrq ext_count", 5, r.ext_count);
	check_int("full rrq skipped_count", 0, r.skipped_count);
	check_int("full rrq end_offset", FULL_LEN, (long long)r.end_offset);

	rc = mip_rrq_mn_identifier(&r, &id, &id_len);
	check_int("full rrq MN identifier rc", 0, rc);
	check_bytes("full rrq MN identifier is the NAI", (uint8_t const *)"mn1@example.com", 15, id, id_len);

	/* Extensions-only parse of the same bytes: offsets must agree */
	rc = mip_ext_parse(buf + MIP_RRQ_HDR_LEN, len - MIP_RRQ_HDR_LEN, MIP_RRQ_HDR_LEN, &r, &err);
	check_int("ext-only parse rc", 0, rc);
	check_int("ext-only has_header", 0, r.has_header);
	check_int("ext-only ext_count", 5, r.ext_count);
	check_int("ext-only NAI offset", 24, (long long)r.nai.offset);
	check_int("ext-only MN-AAA offset", 75, (long long)r.mn_aaa_auth.offset);
	check_int("ext-only MN-AAA auth_offset", 83, (long long)r.mn_aaa_auth.auth_offset);
	check_int("ext-only end_offset", FULL_LEN, (long long)r.end_offset);
	check_true("ext-only NAI points into blob", r.nai.data == buf + 26);
	rc = mip_rrq_mn_identifier(&r, &id, &id_len);
	check_int("ext-only MN identifier rc", 0, rc);
	check_bytes("ext-only MN identifier is the NAI", (uint8_t const *)"mn1@example.com", 15, id, id_len);
}

/*
 *	Every prefix of the full RRQ, in a heap buffer of exactly that
 *	size: must parse only at extension boundaries (24, 41, 59, 67, 75,
 *	107) with the matching number of extensions, and fail cleanly
 *	everywhere else.
 */
static void test_truncation(void)
{
	uint8_t		full[256];
	size_t		len = unhex(FULL_RRQ, full, sizeof(full));
	size_t		n;
	static size_t const boundaries[] = { 24, 41, 59, 67, 75, 107 };
	int		bad = 0;
	char		name[96];

	for (n = 0; n <= len; n++) {
		uint8_t		*buf = malloc(n ? n : 1);
		mip_rrq_t	r;
		char const	*err = NULL;
		int		rc, expect_ok = 0;
		unsigned int	expect_exts = 0, i;

		if (!buf) exit(2);
		memcpy(buf, full, n);
		for (i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]); i++) {
			if (boundaries[i] == n) {
				expect_ok = 1;
				expect_exts = i;
			}
		}
		rc = mip_rrq_parse(n ? buf : NULL, n, &r, &err);
		if (expect_ok) {
			if (rc != 0 || r.ext_count != expect_exts || r.end_offset != n) {
				printf("FAIL truncation prefix %zu: rc %d exts %u (want %u) err %s\n",
				       n, rc, r.ext_count, expect_exts, err ? err : "(null)");
				bad++;
			}
		} else if (rc != -1 || !err || !*err) {
			printf("FAIL truncation prefix %zu: rc %d, no error\n", n, rc);
			bad++;
		}
		free(buf);

		/* and the same for the extensions-only blob */
		if (n >= MIP_RRQ_HDR_LEN) {
			size_t	elen = n - MIP_RRQ_HDR_LEN;

			buf = malloc(elen ? elen : 1);
			if (!buf) exit(2);
			memcpy(buf, full + MIP_RRQ_HDR_LEN, elen);
			err = NULL;
			rc = mip_ext_parse(buf, elen, MIP_RRQ_HDR_LEN, &r, &err);
			if (expect_ok ? (rc != 0 || r.ext_count != expect_exts) : (rc != -1 || !err)) {
				printf("FAIL ext-only truncation prefix %zu: rc %d\n", elen, rc);
				bad++;
			}
			free(buf);
		}
	}
	snprintf(name, sizeof(name), "every prefix (0..%zu) of the full RRQ parses or fails cleanly", len);
	check_int(name, 0, bad);
}

static void test_malformed(void)
{
	mip_rrq_t	r;
	char const	*err;
	int		rc;

	rc = parse_hex("01020708 0a000005 0a000001 c0000207 11223344556677", 1, 0, &r, &err);
	check_err("truncated header", rc, err, "truncated", "23 of 24");

	rc = parse_hex("03000708 0a000005 0a000001 c0000207 1122334455667788", 1, 0, &r, &err);
	check_err("not a Registration Request", rc, err, "type 3", NULL);

	rc = parse_hex(FULL_HDR " 83", 1, 0, &r, &err);
	check_err("1-byte standard extension header", rc, err, "truncated extension at offset 24", NULL);

	rc = parse_hex(FULL_HDR " 2a0100", 1, 0, &r, &err);
	check_err("3-byte long extension header", rc, err, "truncated extension at offset 24", NULL);

	/* standard Length 0x20 but only 15 bytes follow */
	rc = parse_hex(FULL_HDR " 8320 6d6e31406578616d706c652e636f6d", 1, 0, &r, &err);
	check_err("standard length overflows buffer", rc, err, "length 32 overflows", NULL);

	/* long Length 0x012c = 300 with 4 bytes behind it */
	rc = parse_hex(FULL_HDR " 2a01012c 00000100", 1, 0, &r, &err);
	check_err("long length 300 overflows buffer", rc, err, "length 300 overflows buffer", NULL);

	/* long Length 0xffff */
	rc = parse_hex(FULL_HDR " 2401ffff 00000003 00", 1, 0, &r, &err);
	check_err("long length 65535 overflows buffer", rc, err, "length 65535 overflows", NULL);

	/* a skippable extension's length is checked too */
	rc = parse_hex(FULL_HDR " 9005 0102", 1, 0, &r, &err);
	check_err("skippable length overflows buffer", rc, err, "overflows", NULL);

	rc = parse_hex(FULL_HDR " 8300", 1, 0, &r, &err);
	check_err("zero-length NAI", rc, err, "zero-length NAI", NULL);

	rc = parse_hex(FULL_HDR " 8400", 1, 0, &r, &err);
	check_err("zero-length challenge", rc, err, "zero-length challenge", NULL);

	rc = parse_hex(FULL_HDR " 2a010000", 1, 0, &r, &err);
	check_err("zero-length MN-HA KeyGen Request", rc, err, "too short for MN SPI", NULL);

	rc = parse_hex(FULL_HDR " 28010003 000002", 1, 0, &r, &err);
	check_err("3-byte MN-FA KeyGen Request", rc, err, "too short for MN SPI", NULL);

	rc = parse_hex(FULL_HDR " 24010000", 1, 0, &r, &err);
	check_err("zero-length MN-AAA", rc, err, "too short for SPI", NULL);

	rc = parse_hex(FULL_HDR " 24010004 00000003", 1, 0, &r, &err);
	check_err("MN-AAA with empty authenticator", rc, err, "empty", NULL);

	rc = parse_hex(FULL_HDR " 2000", 1, 0, &r, &err);
	check_err("zero-length MN-HA auth", rc, err, "too short for SPI", NULL);

	/* a zero-length skippable extension is legal and skipped */
	rc = parse_hex(FULL_HDR " 9000 " FULL_AAA, 1, 0, &r, &err);
	check_int("zero-length skippable extension skipped rc", 0, rc);
	check_int("zero-length skippable extension skipped count", 1, r.skipped_count);

	rc = parse_hex(FULL_HDR " 1102 0000", 1, 0, &r, &err);
	check_err("unknown type 17 rejected", rc, err, "unknown non-skippable extension 17", "offset 24");

	rc = parse_hex(FULL_HDR " 00", 1, 0, &r, &err);
	check_err("unknown type 0 rejected", rc, err, "unknown non-skippable extension 0", NULL);

	/* a reply-only extension in a request is unknown */
	rc = parse_hex(FULL_HDR " 2b010004 00000e10", 1, 0, &r, &err);
	check_err("MN-HA KeyGen Reply in a request rejected", rc, err, "unknown non-skippable extension 43", NULL);

	rc = parse_hex(FULL_HDR " " FULL_NAI " c803 010203 " FULL_HAKG " " FULL_AAA, 1, 0, &r, &err);
	check_int("unknown type 200 skipped rc", 0, rc);
	check_int("unknown type 200 skipped count", 1, r.skipped_count);
	check_int("unknown type 200 ext_count", 4, r.ext_count);
	check_int("unknown type 200: MN-AAA offset after it", 24 + 17 + 5 + 8, (long long)r.mn_aaa_auth.offset);

	rc = parse_hex(FULL_HDR " " FULL_NAI " " FULL_AAA " " FULL_HAKG, 1, 0, &r, &err);
	check_err("MN-HA KeyGen Request after MN-AAA rejected", rc, err, "MN-HA KeyGen Request", "after MN-AAA");

	rc = parse_hex(FULL_HDR " " FULL_NAI " " FULL_AAA " " FULL_FAKG, 1, 0, &r, &err);
	check_err("MN-FA KeyGen Request after MN-AAA rejected", rc, err, "MN-FA KeyGen Request", "after MN-AAA");

	rc = parse_hex(FULL_HDR " " FULL_AAA " " FULL_NAI, 1, 0, &r, &err);
	check_err("NAI after MN-AAA rejected", rc, err, "NAI", "after MN-AAA");

	rc = parse_hex(FULL_HDR " " FULL_HAKG " " FULL_HAKG, 1, 0, &r, &err);
	check_err("duplicate MN-HA KeyGen Request", rc, err, "duplicate MN-HA KeyGen Request", NULL);

	rc = parse_hex(FULL_HDR " " FULL_NAI " " FULL_NAI, 1, 0, &r, &err);
	check_err("duplicate NAI", rc, err, "duplicate NAI", NULL);

	rc = parse_hex(FULL_HDR " " FULL_AAA " " FULL_AAA, 1, 0, &r, &err);
	check_err("duplicate MN-AAA", rc, err, "duplicate MN-AAA", NULL);

	rc = parse_hex(FULL_HDR " 2a010006 00000100 abcd", 1, 0, &r, &err);
	check_err("subtype 1 KeyGen Request with data rejected", rc, err, "subtype 1", NULL);

	rc = parse_hex(FULL_HDR " 2a020006 00000100 abcd", 1, 0, &r, &err);
	check_int("subtype 2 KeyGen Request with data rc", 0, rc);
	check_int("subtype 2 KeyGen Request subtype", 2, r.mn_ha_keygen.subtype);
	check_int("subtype 2 KeyGen Request data_len", 2, (long long)r.mn_ha_keygen.data_len);

	/* MN-HA auth (32): standard format, offsets recorded */
	rc = parse_hex(FULL_HDR " " FULL_NAI " 2008 00000100 01020304", 1, 0, &r, &err);
	check_int("MN-HA auth rc", 0, rc);
	check_int("MN-HA auth SPI", 0x100, r.mn_ha_auth.spi);
	check_int("MN-HA auth offset", 41, (long long)r.mn_ha_auth.offset);
	check_int("MN-HA auth auth_offset", 47, (long long)r.mn_ha_auth.auth_offset);
	check_int("MN-HA auth authenticator_len", 4, (long long)r.mn_ha_auth.authenticator_len);

	/* extensions-only: empty blob, offsets in errors count from base */
	rc = mip_ext_parse(NULL, 0, 24, &r, &err);
	check_int("empty extension blob rc", 0, rc);
	check_int("empty extension blob ext_count", 0, r.ext_count);
	check_int("empty extension blob: no MN identifier", -1,
		  mip_rrq_mn_identifier(&r, &(uint8_t const *){ NULL }, &(size_t){ 0 }));

	rc = parse_hex(FULL_NAI " 1100", 0, 24, &r, &err);
	check_err("ext-only error offset counts from base", rc, err, "extension 17 at offset 41", NULL);

	rc = parse_hex("8300", 0, (size_t)-1, &r, &err);
	check_err("ext-only base offset overflow", rc, err, "overflow", NULL);

	err = NULL;
	rc = mip_rrq_parse(NULL, 5, &r, &err);
	check_err("NULL buffer with length", rc, err, "no buffer", NULL);
}

/*
 *	RFC 3957 5: identity = home address when there is no NAI.
 */
static void test_home_address_identity(void)
{
	uint8_t		buf[128], key[RFC3957_KEY_LEN], aaa_key[20], nonce[16];
	size_t		len = unhex(FULL_HDR " " FULL_HAKG " " FULL_AAA, buf, sizeof(buf));
	mip_rrq_t	r;
	char const	*err = NULL;
	uint8_t const	*id = NULL;
	size_t		id_len = 0;
	int		rc;

	rc = mip_rrq_parse(buf, len, &r, &err);
	check_int("no-NAI rrq parse rc", 0, rc);
	check_true("no-NAI rrq has no NAI", r.nai.data == NULL);
	rc = mip_rrq_mn_identifier(&r, &id, &id_len);
	check_int("no-NAI MN identifier rc", 0, rc);
	check_hex("no-NAI MN identifier is the home address", "0a000005", id, id_len);

	/*
	 * printf 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0a000005' | xxd -r -p |
	 *   openssl mac -digest SHA1 -macopt hexkey:000102030405060708090a0b0c0d0e0f10111213 HMAC
	 */
	unhex("000102030405060708090a0b0c0d0e0f10111213", aaa_key, sizeof(aaa_key));
	unhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", nonce, sizeof(nonce));
	rc = rfc3957_registration_key(aaa_key, 20, nonce, 16, id, id_len, key);
	check_int("registration key (home address) rc", 0, rc);
	check_hex("registration key (home address)", "CBD4CD9B45A023CFD2FE69DDC73F74AA7A2EB1AF", key, 20);
}

static void test_registration_key(void)
{
	uint8_t		key[RFC3957_KEY_LEN], aaa_key[20], nonce[16];
	uint8_t		buf[256];
	size_t		len = unhex(FULL_RRQ, buf, sizeof(buf));
	mip_rrq_t	r;
	char const	*err;
	uint8_t const	*id;
	size_t		id_len;
	int		rc;

	/*
	 * RFC 2202 section 3 test case 2: HMAC-SHA1("Jefe", "what do ya want
	 * for nothing?") = effcdf6ae5eb2fa2d27416d5f184df9c259a7c79, the data
	 * split as a 16-byte nonce and a 12-byte identifier.  Also:
	 *   printf 'what do ya want for nothing?' | openssl mac -digest SHA1 -macopt key:Jefe HMAC
	 */
	rc = rfc3957_registration_key((uint8_t const *)"Jefe", 4,
				      (uint8_t const *)"what do ya want ", 16,
				      (uint8_t const *)"for nothing?", 12, key);
	check_int("registration key RFC 2202 case 2 rc", 0, rc);
	check_hex("registration key RFC 2202 case 2", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", key, 20);

	/*
	 * NAI identity, from the parsed full RRQ:
	 * printf 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf6d6e31406578616d706c652e636f6d' | xxd -r -p |
	 *   openssl mac -digest SHA1 -macopt hexkey:000102030405060708090a0b0c0d0e0f10111213 HMAC
	 * python3 -c 'import hmac,hashlib;print(hmac.new(bytes(range(20)),
	 *   bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")+b"mn1@example.com",hashlib.sha1).hexdigest())'
	 */
	unhex("000102030405060708090a0b0c0d0e0f10111213", aaa_key, sizeof(aaa_key));
	unhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", nonce, sizeof(nonce));
	rc = mip_rrq_parse(buf, len, &r, &err);
	check_int("registration key (NAI): parse rc", 0, rc);
	rc = mip_rrq_mn_identifier(&r, &id, &id_len);
	check_int("registration key (NAI): identifier rc", 0, rc);
	rc = rfc3957_registration_key(aaa_key, 20, nonce, 16, id, id_len, key);
	check_int("registration key (NAI) rc", 0, rc);
	check_hex("registration key (NAI)", "35F8346D3B1CEAE865519EEC08B62E3B8DDDD72A", key, 20);

	memset(key, 0xAA, sizeof(key));
	rc = rfc3957_registration_key(aaa_key, 20, nonce, 15, id, id_len, key);
	check_int("registration key nonce < 128 bits rejected", -1, rc);
	check_hex("registration key cleansed on failure", "0000000000000000000000000000000000000000", key, 20);
	rc = rfc3957_registration_key(aaa_key, 0, nonce, 16, id, id_len, key);
	check_int("registration key empty AAA key rejected", -1, rc);
	rc = rfc3957_registration_key(aaa_key, 20, nonce, 16, id, 0, key);
	check_int("registration key empty identifier rejected", -1, rc);

	/*
	 * Two keys under one key set-up (MN-HA, MN-FA): the NAI key above, and a second nonce
	 * "what do ya want " under the same AAA key and NAI:
	 * python3 -c 'import hmac,hashlib;print(hmac.new(bytes(range(20)),
	 *   b"what do ya want "+b"mn1@example.com",hashlib.sha1).hexdigest())'
	 */
	{
		uint8_t	nonces[32], keys[40];

		memcpy(nonces, nonce, 16);
		memcpy(nonces + 16, "what do ya want ", 16);
		rc = rfc3957_registration_keys(aaa_key, 20, nonces, 16, 2, id, id_len, keys);
		check_int("registration keys (2, one key set-up) rc", 0, rc);
		check_hex("registration keys: first = the single key", "35F8346D3B1CEAE865519EEC08B62E3B8DDDD72A", keys, 20);
		check_hex("registration keys: second", "4B2B58A214B15E13A6C8B21CD99FF24ACDA32E49", keys + 20, 20);
		/* and the context was re-keyed: a single key under another key is right afterwards */
		rc = rfc3957_registration_key((uint8_t const *)"Jefe", 4, (uint8_t const *)"what do ya want ", 16,
					      (uint8_t const *)"for nothing?", 12, key);
		check_hex("registration key after a pair: RFC 2202 case 2", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
			  key, 20);
	}
}

static void test_nonce(void)
{
	uint8_t a[RFC3957_NONCE_LEN], b[RFC3957_NONCE_LEN], big[64];

	check_int("nonce 16 bytes rc", 0, rfc3957_nonce(a, sizeof(a)));
	check_int("nonce 16 bytes again rc", 0, rfc3957_nonce(b, sizeof(b)));
	check_true("two nonces differ", memcmp(a, b, sizeof(a)) != 0);
	check_int("nonce 64 bytes rc", 0, rfc3957_nonce(big, sizeof(big)));
	check_int("nonce 15 bytes rejected", -1, rfc3957_nonce(a, 15));
	check_int("nonce NULL rejected", -1, rfc3957_nonce(NULL, 16));
}

static void test_replies(void)
{
	uint8_t	nonce[16], out[64];
	uint8_t	*big, *bignonce;
	ssize_t	n;

	unhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", nonce, sizeof(nonce));

	/*
	 * RFC 3957 6.4 figures 5 + 6, by hand:
	 *   2b            Type 43
	 *   01            Subtype 1 (from AAA)
	 *   0020          Length = 16 (subtype data w/o nonce) + 16 (nonce) = 4 (Lifetime) + 28
	 *   00000e10      Lifetime 3600
	 *   00000003      AAA SPI 3
	 *   00000100      HA SPI 0x100
	 *   0002          Algorithm Identifier 2 = HMAC-SHA1
	 *   0002          Replay Method 2 = timestamps
	 *   a0..af        Key Generation Nonce
	 */
	memset(out, 0xEE, sizeof(out));
	n = rfc3957_mn_ha_keygen_reply(out, sizeof(out), 3600, 3, 0x100,
				       RFC3957_ALG_HMAC_SHA1, RFC3957_REPLAY_TIMESTAMPS, nonce, 16);
	check_int("MN-HA KeyGen Reply length", 36, n);
	check_hex("MN-HA KeyGen Reply bytes",
		  "2b010020 00000e10 00000003 00000100 0002 0002 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
		  out, n > 0 ? (size_t)n : 0);
	check_int("MN-HA KeyGen Reply does not write past its length", 0xEE, out[36]);

	n = rfc3957_mn_ha_keygen_reply(out, 36, 0xffffffff, 0xdeadbeef, 0x01020304,
				       RFC3957_ALG_HMAC_MD5, RFC3957_REPLAY_NONCES, nonce, 16);
	check_int("MN-HA KeyGen Reply exact buffer", 36, n);
	check_hex("MN-HA KeyGen Reply other values",
		  "2b010020 ffffffff deadbeef 01020304 0001 0003 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
		  out, n > 0 ? (size_t)n : 0);

	check_int("MN-HA KeyGen Reply buffer too small", -1,
		  rfc3957_mn_ha_keygen_reply(out, 35, 3600, 3, 0x100, 2, 2, nonce, 16));
	check_int("MN-HA KeyGen Reply short nonce", -1,
		  rfc3957_mn_ha_keygen_reply(out, sizeof(out), 3600, 3, 0x100, 2, 2, nonce, 15));

	/*
	 * RFC 3957 6.2 figures 2 + 3, by hand:
	 *   29 01 001e    Type 41, Subtype 1, Length = 14 + 16 = 30 (subtype data, Lifetime included)
	 *   00000e10      Lifetime 3600
	 *   00000003      AAA SPI 3
	 *   00000200      FA SPI 0x200
	 *   0001          Algorithm Identifier 1 = HMAC-MD5
	 *   a0..af        Key Generation Nonce
	 */
	memset(out, 0xEE, sizeof(out));
	n = rfc3957_mn_fa_keygen_reply(out, sizeof(out), 3600, 3, 0x200, RFC3957_ALG_HMAC_MD5, nonce, 16);
	check_int("MN-FA KeyGen Reply length", 34, n);
	check_hex("MN-FA KeyGen Reply bytes",
		  "2901001e 00000e10 00000003 00000200 0001 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
		  out, n > 0 ? (size_t)n : 0);
	check_int("MN-FA KeyGen Reply does not write past its length", 0xEE, out[34]);
	check_int("MN-FA KeyGen Reply exact buffer", 34,
		  rfc3957_mn_fa_keygen_reply(out, 34, 3600, 3, 0x200, 1, nonce, 16));
	check_int("MN-FA KeyGen Reply buffer too small", -1,
		  rfc3957_mn_fa_keygen_reply(out, 33, 3600, 3, 0x200, 1, nonce, 16));
	check_int("MN-FA KeyGen Reply short nonce", -1,
		  rfc3957_mn_fa_keygen_reply(out, sizeof(out), 3600, 3, 0x200, 1, nonce, 15));
	check_int("MN-FA KeyGen Reply NULL out", -1,
		  rfc3957_mn_fa_keygen_reply(NULL, 64, 3600, 3, 0x200, 1, nonce, 16));

	/* 16-bit Length limits: MN-HA Length = 16 + nonce <= 65535, MN-FA = 14 + nonce */
	big = calloc(1, 70000);
	bignonce = calloc(1, 70000);
	if (!big || !bignonce) exit(2);
	n = rfc3957_mn_ha_keygen_reply(big, 70000, 1, 2, 3, 2, 2, bignonce, 65519);
	check_int("MN-HA KeyGen Reply largest nonce", 20 + 65519, n);
	check_hex("MN-HA KeyGen Reply largest Length field", "ffff", big + 2, 2);
	check_int("MN-HA KeyGen Reply nonce too long for Length", -1,
		  rfc3957_mn_ha_keygen_reply(big, 70000, 1, 2, 3, 2, 2, bignonce, 65520));
	n = rfc3957_mn_fa_keygen_reply(big, 70000, 1, 2, 3, 2, bignonce, 65521);
	check_int("MN-FA KeyGen Reply largest nonce", 18 + 65521, n);
	check_hex("MN-FA KeyGen Reply largest Length field", "ffff", big + 2, 2);
	check_int("MN-FA KeyGen Reply nonce too long for Length", -1,
		  rfc3957_mn_fa_keygen_reply(big, 70000, 1, 2, 3, 2, bignonce, 65522));
	free(big);
	free(bignonce);

	check_int("constant MISSING_MN_FA", 107, RFC3957_MISSING_MN_FA);
	check_int("constant replay timestamps", 2, RFC3957_REPLAY_TIMESTAMPS);
	check_int("constant replay nonces", 3, RFC3957_REPLAY_NONCES);
}

static void test_skey(void)
{
	uint8_t		k2[16], chal[16], ntr[24], skey[16], skey2[16], digits[80];
	uint8_t		buf[256];
	size_t		len = unhex(FULL_RRQ, buf, sizeof(buf));
	mip_rrq_t	r;
	char const	*err;
	int		rc;

	/*
	 * docs/PROTOCOL.md section 1 vectors (RFC 2759 9.2 / RFC 3079 3.5.3):
	 * printf 'FDECE3717A8C838CB388E527AE3CDD31' '5B5D7C7D7B3F2F3E3C2C602132262628' \
	 *   '82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF' | xxd -r -p | openssl dgst -md5
	 */
	unhex("FDECE3717A8C838CB388E527AE3CDD31", k2, sizeof(k2));
	unhex("5B5D7C7D7B3F2F3E3C2C602132262628", chal, sizeof(chal));
	unhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", ntr, sizeof(ntr));
	rc = mip_skey(k2, chal, 16, ntr, skey);
	check_int("Skey rc", 0, rc);
	check_hex("Skey = MD5(k'' || challenge || NT-Response)", "b01a5e263be27c7cc7a2e8af5c9a07bb", skey, 16);

	/* The same inputs taken from the parsed RRQ (challenge ext, MN-AAA authenticator) */
	rc = mip_rrq_parse(buf, len, &r, &err);
	check_int("Skey from RRQ: parse rc", 0, rc);
	rc = mip_skey(k2, r.challenge.data, r.challenge.len, r.mn_aaa_auth.authenticator, skey2);
	check_int("Skey from RRQ rc", 0, rc);
	check_bytes("Skey from RRQ", skey, 16, skey2, 16);

	/*
	 * Skey' = MD5(Skey || Identification 1122334455667788):
	 * printf 'b01a5e263be27c7cc7a2e8af5c9a07bb1122334455667788' | xxd -r -p | openssl dgst -md5
	 */
	rc = mip_skey_rekey(skey, r.identification_raw, skey2);
	check_int("Skey' rc", 0, rc);
	check_hex("Skey' = MD5(Skey || Identification)", "19a2558d679de721084347ad05879bac", skey2, 16);

	/*
	 * RFC 1321 A.5 test suite: MD5("1234567890" x 8) =
	 * 57edf4a22be3c955ac49da2e2107b67a, split 16 / 40 / 24.
	 */
	memcpy(digits, "12345678901234567890123456789012345678901234567890"
		       "123456789012345678901234567890", 80);
	rc = mip_skey(digits, digits + 16, 40, digits + 56, skey);
	check_int("Skey RFC 1321 digits rc", 0, rc);
	check_hex("Skey RFC 1321 digits", "57edf4a22be3c955ac49da2e2107b67a", skey, 16);

	/*
	 * printf '000102030405060708090a0b0c0d0e0f0102030405060708' | xxd -r -p | openssl dgst -md5
	 */
	unhex("000102030405060708090a0b0c0d0e0f", k2, sizeof(k2));
	unhex("0102030405060708", chal, 8);
	rc = mip_skey_rekey(k2, chal, skey2);
	check_int("Skey' second vector rc", 0, rc);
	check_hex("Skey' second vector", "29d7d3223c28b9deb10d7012530fbad8", skey2, 16);

	memset(skey, 0xAA, sizeof(skey));
	check_int("Skey empty challenge rejected", -1, mip_skey(k2, chal, 0, ntr, skey));
	check_hex("Skey cleansed on failure", "00000000000000000000000000000000", skey, 16);
	check_int("Skey NULL challenge rejected", -1, mip_skey(k2, NULL, 16, ntr, skey));
	check_int("Skey' NULL timestamp rejected", -1, mip_skey_rekey(k2, NULL, skey));
}

int main(void)
{
	test_full_rrq();
	test_truncation();
	test_malformed();
	test_home_address_identity();
	test_registration_key();
	test_nonce();
	test_replies();
	test_skey();

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
