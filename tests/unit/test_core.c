/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_core.c - unit tests for rlm_mipkey/mschapv2.c and rlm_mipkey/rfc4515.c
 *
 * Build and run:
 *   gcc -std=gnu11 -Wall -Wextra -Werror -O2 -Irlm_mipkey -o /tmp/test_core \
 *       tests/unit/test_core.c rlm_mipkey/mschapv2.c rlm_mipkey/rfc4515.c \
 *       -lcrypto -lpthread && /tmp/test_core
 *
 * One line per check: "PASS <name>" or "FAIL <name>: expected <hex> got <hex>".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mschapv2.h"
#include "unit.h"
#include "rfc4515.h"
#include "rfc3957.h"

static void check_str(char const *name, char const *expected, size_t elen, char const *got, size_t glen)
{
	check_bytes(name, (uint8_t const *)expected, elen, (uint8_t const *)got, glen);
}

/*
 *	RFC 2759 section 9.2 and RFC 3079 section 3.5.3
 */
static char const	rfc_user[] = "User";
static char const	rfc_pass[] = "clientPass";
static uint8_t		rfc_auth_chal[16], rfc_peer_chal[16];

static void test_rfc2759(void)
{
	uint8_t	ch[8], pwh[16], pwhh[16], resp[24], mk[16], send[16], recv[16], k8[8], k16[16];
	char	auth[MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	int	rc;

	unhex("5B5D7C7D7B3F2F3E3C2C602132262628", rfc_auth_chal, 16);
	unhex("21402324255E262A28295F2B3A337C7E", rfc_peer_chal, 16);

	rc = challenge_hash(rfc_peer_chal, rfc_auth_chal, rfc_user, 4, ch);
	check_int("rfc2759 9.2 challenge_hash rc", 0, rc);
	check_hex("rfc2759 9.2 ChallengeHash", "D02E4386BCE91226", ch, 8);

	rc = nt_password_hash(rfc_pass, strlen(rfc_pass), pwh);
	check_int("rfc2759 9.2 nt_password_hash rc", 0, rc);
	check_hex("rfc2759 9.2 PasswordHash", "44EBBA8D5312B8D611474411F56989AE", pwh, 16);

	rc = challenge_response(ch, pwh, resp);
	check_int("rfc2759 9.2 challenge_response rc", 0, rc);
	check_hex("rfc2759 9.2 ChallengeResponse", "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", resp, 24);

	memset(resp, 0, sizeof(resp));
	rc = generate_nt_response_pwhash(rfc_auth_chal, rfc_peer_chal, rfc_user, 4, pwh, resp);
	check_int("rfc2759 9.2 generate_nt_response_pwhash rc", 0, rc);
	check_hex("rfc2759 9.2 NT-Response from hash", "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", resp, 24);

	memset(resp, 0, sizeof(resp));
	rc = generate_nt_response(rfc_auth_chal, rfc_peer_chal, rfc_user, 4, rfc_pass, strlen(rfc_pass), resp);
	check_int("rfc2759 9.2 generate_nt_response rc", 0, rc);
	check_hex("rfc2759 9.2 NT-Response from password", "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", resp, 24);

	rc = hash_nt_password_hash(pwh, pwhh);
	check_int("rfc2759 9.2 hash_nt_password_hash rc", 0, rc);
	check_hex("rfc2759 9.2 PasswordHashHash", "41C00C584BD2D91C4017A2A12FA59F3F", pwhh, 16);

	memset(auth, 'X', sizeof(auth));
	rc = generate_authenticator_response_pwhashhash(pwhh, resp, rfc_peer_chal, rfc_auth_chal, rfc_user, 4, auth);
	check_int("rfc2759 9.2 generate_authenticator_response rc", 0, rc);
	check_str("rfc2759 9.2 AuthenticatorResponse (with NUL)",
		  "S=407A5589115FD0D6209F510FE9C04566932CDA56", 43, auth, 43);

	/* The server's once-per-request forms, from the ChallengeHash */
	memset(auth, 'X', sizeof(auth));
	rc = generate_authenticator_response_challenge_hash(pwhh, resp, ch, auth);
	check_int("rfc2759 9.2 generate_authenticator_response_challenge_hash rc", 0, rc);
	check_str("rfc2759 9.2 AuthenticatorResponse from the ChallengeHash",
		  "S=407A5589115FD0D6209F510FE9C04566932CDA56", 43, auth, 43);
	check_int("rfc2759 9.2 verify_nt_response_challenge_hash: match", 1,
		  verify_nt_response_challenge_hash(ch, pwh, resp));
	resp[23] ^= 1;
	check_int("rfc2759 9.2 verify_nt_response_challenge_hash: last bit flipped", 0,
		  verify_nt_response_challenge_hash(ch, pwh, resp));
	resp[23] ^= 1;

	/* RFC 3079 3.5.3 continues from the same values */
	rc = get_master_key(pwhh, resp, mk);
	check_int("rfc3079 3.5.3 get_master_key rc", 0, rc);
	check_hex("rfc3079 3.5.3 MasterKey", "FDECE3717A8C838CB388E527AE3CDD31", mk, 16);

	rc = mppe_server_keys(mk, send, recv);
	check_int("rfc3079 mppe_server_keys rc", 0, rc);
	check_hex("rfc3079 3.5.3 server MS-MPPE-Send-Key (SendStartKey128)", "8B7CDC149B993A1BA118CB153F56DCCB", send, 16);
	check_hex("rfc3079 server MS-MPPE-Recv-Key", "D5F0E9521E3EA9589645E86051C82226", recv, 16);

	/* The client's keys are the server's keys the other way round */
	rc = get_asymmetric_start_key(mk, k16, 16, 1, 0);
	check_int("rfc3079 client send start key rc", 0, rc);
	check_bytes("rfc3079 client send key equals server recv key", recv, 16, k16, 16);
	rc = get_asymmetric_start_key(mk, k16, 16, 0, 0);
	check_int("rfc3079 client recv start key rc", 0, rc);
	check_bytes("rfc3079 client recv key equals server send key", send, 16, k16, 16);

	/* 40/56 bit start keys are the first 8 bytes (RFC 3079 3.5.1 SendStartKey40) */
	rc = get_asymmetric_start_key(mk, k8, 8, 1, 1);
	check_int("rfc3079 8 byte start key rc", 0, rc);
	check_hex("rfc3079 3.5.1 SendStartKey40", "8B7CDC149B993A1B", k8, 8);

	check_int("rfc3079 start key length 12 rejected", -1, get_asymmetric_start_key(mk, k16, 12, 1, 1));
}

static void test_verify(void)
{
	uint8_t	pwh[16], resp[24], bad[24], badhash[16];

	nt_password_hash(rfc_pass, strlen(rfc_pass), pwh);
	unhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", resp, 24);

	check_int("verify_nt_response_pwhash RFC response matches",
		  1, verify_nt_response_pwhash(rfc_auth_chal, rfc_peer_chal, rfc_user, 4, pwh, resp));

	memcpy(bad, resp, 24);
	bad[23] ^= 0x01;
	check_int("verify_nt_response_pwhash last bit flipped mismatches",
		  0, verify_nt_response_pwhash(rfc_auth_chal, rfc_peer_chal, rfc_user, 4, pwh, bad));

	memcpy(bad, resp, 24);
	bad[0] ^= 0x80;
	check_int("verify_nt_response_pwhash first bit flipped mismatches",
		  0, verify_nt_response_pwhash(rfc_auth_chal, rfc_peer_chal, rfc_user, 4, pwh, bad));

	memcpy(badhash, pwh, 16);
	badhash[5] ^= 0x10;
	check_int("verify_nt_response_pwhash wrong password hash mismatches",
		  0, verify_nt_response_pwhash(rfc_auth_chal, rfc_peer_chal, rfc_user, 4, badhash, resp));

	check_int("verify_nt_response_pwhash wrong username mismatches",
		  0, verify_nt_response_pwhash(rfc_auth_chal, rfc_peer_chal, "user", 4, pwh, resp));
}

static void test_nt_hash(char const *name, char const *password, size_t len, char const *expected_hex)
{
	uint8_t	h[16];
	int	rc;
	char	label[160];

	rc = nt_password_hash(password, len, h);
	snprintf(label, sizeof(label), "%s rc", name);
	check_int(label, 0, rc);
	check_hex(name, expected_hex, h, 16);
}

static void test_nt_hash_reject(char const *name, char const *password, size_t len)
{
	uint8_t h[16];

	check_int(name, -1, nt_password_hash(password, len, h));
}

static void test_passwords(void)
{
	char	buf[600];

	/*
	 *	Expected values computed independently at authoring time with
	 *	  printf '%s' 'PASSWORD' | iconv -f UTF-8 -t UTF-16LE | \
	 *	    openssl dgst -md4 -provider legacy -provider default
	 *	(OpenSSL 3.0, glibc iconv, Debian 12).
	 */
	test_nt_hash("nt_password_hash Latin-1 range \"P\\u00e4ssw\\u00f6rd\"",
		     "P\xc3\xa4ssw\xc3\xb6rd", 10, "aed9375ba569c9f0216eea5c0c7bf463");
	test_nt_hash("nt_password_hash CJK \"\\u5bc6\\u7801\"",
		     "\xe5\xaf\x86\xe7\xa0\x81", 6, "f900556f89880c4084e3c644c6c20b9c");
	/* iconv emits the surrogate pair 3dd8 00de for U+1F600 */
	test_nt_hash("nt_password_hash emoji U+1F600 surrogate pair \"pass\\U0001F600word\"",
		     "pass\xf0\x9f\x98\x80word", 12, "aefbbc76409ac1b304353cc19e1795c6");
	test_nt_hash("nt_password_hash empty password", "", 0, "31d6cfe0d16ae931b73c59d7e0c089c0");

	/* printf 'a%.0s' $(seq 256) | iconv ... | openssl dgst -md4 ... */
	memset(buf, 'a', 257);
	test_nt_hash("nt_password_hash 256 chars accepted", buf, 256, "9118f6ce48955b5ca2be01329e7f959e");
	test_nt_hash_reject("nt_password_hash 257 chars rejected", buf, 257);

	/* 255 'a' + one emoji = 257 UTF-16 units, although only 256 code points */
	memcpy(buf + 255, "\xf0\x9f\x98\x80", 4);
	test_nt_hash_reject("nt_password_hash 255 chars + emoji (257 UTF-16 units) rejected", buf, 259);
	/* 254 'a' + one emoji = 256 UTF-16 units */
	memcpy(buf + 254, "\xf0\x9f\x98\x80", 4);
	{
		uint8_t h[16];
		check_int("nt_password_hash 254 chars + emoji (256 UTF-16 units) accepted",
			  0, nt_password_hash(buf, 258, h));
	}

	test_nt_hash_reject("nt_password_hash invalid UTF-8 truncated \\xC3", "\xc3", 1);
	test_nt_hash_reject("nt_password_hash invalid UTF-8 truncated 3-byte \\xE5\\xAF", "\xe5\xaf", 2);
	test_nt_hash_reject("nt_password_hash invalid UTF-8 overlong \\xC0\\xAF", "\xc0\xaf", 2);
	test_nt_hash_reject("nt_password_hash invalid UTF-8 overlong 3-byte \\xE0\\x80\\xAF", "\xe0\x80\xaf", 3);
	test_nt_hash_reject("nt_password_hash invalid UTF-8 encoded surrogate \\xED\\xA0\\x80", "\xed\xa0\x80", 3);
	test_nt_hash_reject("nt_password_hash invalid UTF-8 above U+10FFFF \\xF4\\x90\\x80\\x80",
			    "\xf4\x90\x80\x80", 4);
	test_nt_hash_reject("nt_password_hash invalid UTF-8 lone continuation \\x80", "a\x80", 2);
	test_nt_hash_reject("nt_password_hash invalid UTF-8 byte \\xFF", "\xff", 1);
}

static void test_utf16(void)
{
	uint8_t	out[8];

	check_int("utf8_to_utf16le emoji is 4 bytes", 4, utf8_to_utf16le(out, sizeof(out), "\xf0\x9f\x98\x80", 4));
	check_hex("utf8_to_utf16le emoji surrogate pair", "3dd800de", out, 4);
	check_int("utf8_to_utf16le U+10FFFF accepted", 4, utf8_to_utf16le(out, sizeof(out), "\xf4\x8f\xbf\xbf", 4));
	check_hex("utf8_to_utf16le U+10FFFF surrogate pair", "ffdbffdf", out, 4);
	check_int("utf8_to_utf16le output too small", -1, utf8_to_utf16le(out, 3, "\xf0\x9f\x98\x80", 4));
	check_int("utf8_to_utf16le exact output size", 4, utf8_to_utf16le(out, 4, "ab", 2));
}

/* Both ChallengeHash names: the seed's (domain and realm go) and RFC 2759 8.2's (only a
 * prepended domain goes; a realm stays). */
static void test_usernames(void)
{
	static struct {
		char const *in, *seed, *rfc2759;
	} const cases[] = {
		{ "User", "User", "User" },
		{ "DOMAIN\\User", "User", "User" },
		{ "User@realm.example", "User", "User@realm.example" },
		{ "DOM\\u@r", "u", "u@r" },
		{ "a@b@realm", "a@b", "a@b@realm" },
		{ "a\\b\\c", "b\\c", "b\\c" },
		{ "DOM\\", "", "" },
		{ "", "", "" },
	};
	char	name[128];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t		olen = 12345;
		char const	*o = mschapv2_hash_username(cases[i].in, strlen(cases[i].in), &olen);

		snprintf(name, sizeof(name), "mschapv2_hash_username \"%s\" -> \"%s\"", cases[i].in, cases[i].seed);
		check_str(name, cases[i].seed, strlen(cases[i].seed), o, olen);
		olen = 12345;
		o = mschapv2_rfc2759_username(cases[i].in, strlen(cases[i].in), &olen);
		snprintf(name, sizeof(name), "mschapv2_rfc2759_username \"%s\" -> \"%s\"", cases[i].in,
			 cases[i].rfc2759);
		check_str(name, cases[i].rfc2759, strlen(cases[i].rfc2759), o, olen);
	}
}

static void test_nai_stripping(void)
{
	static char const	nai[] = "alice@example.net";
	uint8_t			r_full[24], r_strip[24];
	char const		*u;
	size_t			ulen;
	int			rc1, rc2;

	u = mschapv2_hash_username(nai, strlen(nai), &ulen);
	rc1 = generate_nt_response(rfc_auth_chal, rfc_peer_chal, u, ulen, "secret", 6, r_strip);
	rc2 = generate_nt_response(rfc_auth_chal, rfc_peer_chal, nai, strlen(nai), "secret", 6, r_full);
	check_int("NT-Response for alice@example.net hashed as \"alice\" rc", 0, rc1 | rc2);
	check_int("NT-Response hashed as \"alice\" differs from hashed as full NAI",
		  1, memcmp(r_full, r_strip, 24) != 0);
}

static void test_rfc4515(void)
{
	char		out[256];
	ssize_t		n;
	char const	*err;
	char		name[] = "value\0with NUL";	/* sizeof - 1 = 14 bytes */

	n = rfc4515_escape(out, sizeof(out), "a*b(c)d\\e", 9);
	check_str("rfc4515_escape * ( ) \\", "a\\2ab\\28c\\29d\\5ce", 17, out, n < 0 ? 0 : (size_t)n);

	n = rfc4515_escape(out, sizeof(out), name, sizeof(name) - 1);
	check_str("rfc4515_escape embedded NUL -> \\00", "value\\00with NUL", 16, out, n < 0 ? 0 : (size_t)n);

	n = rfc4515_escape(out, sizeof(out), "P\xc3\xa4ss \xe5\xaf\x86 \xf0\x9f\x98\x80", 14);
	check_str("rfc4515_escape UTF-8 passes through", "P\xc3\xa4ss \xe5\xaf\x86 \xf0\x9f\x98\x80", 14,
		  out, n < 0 ? 0 : (size_t)n);

	check_int("rfc4515_escape too small buffer (no room for NUL)", -1, rfc4515_escape(out, 3, "abc", 3));
	check_int("rfc4515_escape too small buffer (mid escape)", -1, rfc4515_escape(out, 4, "a*", 2));
	check_int("rfc4515_escape exact buffer", 4, rfc4515_escape(out, 5, "a*", 2));

	err = NULL;
	n = rfc4515_expand_filter(out, sizeof(out), "(&(objectClass=sambaSamAccount)(uid=%u))",
				  "x*)(uid=*", 9, "unused", 6, &err);
	check_str("rfc4515_expand_filter %u injection escaped",
		  "(&(objectClass=sambaSamAccount)(uid=x\\2a\\29\\28uid=\\2a))", 55, out, n < 0 ? 0 : (size_t)n);

	n = rfc4515_expand_filter(out, sizeof(out), "(|(uid=%u)(mail=%U))", "alice", 5, "alice@ex*", 9, &err);
	check_str("rfc4515_expand_filter %u and %U", "(|(uid=alice)(mail=alice@ex\\2a))", 32,
		  out, n < 0 ? 0 : (size_t)n);

	n = rfc4515_expand_filter(out, sizeof(out), "(pct=100%%)", "", 0, "", 0, &err);
	check_str("rfc4515_expand_filter %% -> %", "(pct=100%)", 10, out, n < 0 ? 0 : (size_t)n);

	err = NULL;
	check_int("rfc4515_expand_filter %x is an error", -1,
		  rfc4515_expand_filter(out, sizeof(out), "(uid=%x)", "a", 1, "a", 1, &err));
	check_int("rfc4515_expand_filter %x sets err", 1, err != NULL);

	err = NULL;
	check_int("rfc4515_expand_filter trailing % is an error", -1,
		  rfc4515_expand_filter(out, sizeof(out), "(uid=a)%", "a", 1, "a", 1, &err));
	check_int("rfc4515_expand_filter trailing % sets err", 1, err != NULL);

	check_int("rfc4515_expand_filter too small buffer", -1,
		  rfc4515_expand_filter(out, 10, "(uid=%u)", "abcdef", 6, "", 0, &err));

	check_int("rfc4515_check_filter_template valid", 0,
		  rfc4515_check_filter_template("(&(objectClass=sambaSamAccount)(uid=%u)(x=%U)(y=%%))", &err));
	check_int("rfc4515_check_filter_template %x rejected", -1, rfc4515_check_filter_template("(uid=%x)", &err));
	check_int("rfc4515_check_filter_template trailing % rejected", -1, rfc4515_check_filter_template("(uid=%", &err));
}

/*
 *	Password change, RFC 2759 sections 7 and 8.9-8.13. The vectors were made by
 *	tests/lib/mschap_ref.py (Python, RC4/DES/MD4 from the openssl command), old password
 *	"clientPass" (k = 44EB...), the octets before the new password (i * 7 + 3) & 0xff.
 */
static char const cpw_block[] =
	"91E8DAF7ACDFDD20134EB2D8376F528CB07C3B9AE8E517119646350E2B8EAFA7A3C11936B31D56DE70854DC83751003E"
	"5641424D2E3B40BD748292EA64DF32B345D3CD0C4A512F7F4EFB86ABCDB7023F1330952FCF3739E4B441DCE011CCF3ED"
	"ACA43DC2CE3080CBE93C1B41177AC41B9AC469F532C4DAAA973569F7F8159284670608970118B4C8386D99AD73819048"
	"0FF604DE77206A3C0C47229BD580607F69617F71D2E2F947B2EA42ECD54EE556D66977C377C6EBD80E2D5B0B224C5E30"
	"C75A602E0429F821827B4EE68F746B5D655DE2A8F9D739611B36BE04A24E3E1B67404C1D9C4E93CC7558D5B7B45A822B"
	"3CE94C1A02664C92DFA33079CB8F07F5A92BC520C7B0322B51301264DE943B618656F2860FAD1748578A7719235E94C7"
	"00CD7C8D2C3FFB7365DE1AF0747360C979208790057AFD23BE56793FA966AC0D9863FA668F89A754FEB8FEF3ADCEF8A2"
	"5456AACBA9ADB2E66C80EFF5626E2D539086EF8B70F30D24D012CB6613C855C0FFD2DF5C72C0358FD225781211267320"
	"AD2728E9907D6B14ADF9772275284257DA638AC8E8F523C2BDB48FD0C79BDE18E47CED9A55F9EB4823AA0EB734027510"
	"A916F8D79A0B94357F6AB66B904EDF9B9335484111EAAE7FB1B2C2B49FBF903B0E48BD6A0EAEA844D94BF30EF97FA669"
	"C631D19B9782F5EB88D8D03A42ECB52CB62265DF35EC467F7D18E27FBC9DFB86AC343A7C";
/* new password "Neu-P\u00e4sswort-\U0001F600" as UTF-16LE (the emoji a surrogate pair) */
static char const cpw_new_utf16[] = "4E00650075002D005000E4007300730077006F00720074002D003DD800DE";
static char const cpw_block_256[] =	/* 200 "x" and 56 "\u00e9": the whole 512-octet field */
	"EAE2B3EFCBF98814500C838818314FE0BB06C2121F73F2B545F4F4CE9440027B382B90CE341B23CA13A71CF8786F3D72"
	"7D1B5B25394D45398710734ABB71FF0FFE1964D4EDB7BA8BCDF9F7BBA2A95F13580AAC67F8611C80A733DD60EE421E71"
	"770EF47A09F6351F4ADE8AB19884B917F1DE30DD65F29FEEA4674897E77B9FF89C8CE10FE6BE617CFBAF287DDC5F0DA4"
	"840C7DD600360F185F7563DBEACE4D23720B7609D5640CD35148935C1AF0589A7DB3EE2BE0306EDC7D3F3A2B7D62130C"
	"FC104976234FED5581F9BF7660EAB6F1AEE75B604E019C8588C43F04DD4053073C6A0525DB08A698563AC4C7BB247FA7"
	"D77395B2D5D089566C71919954618A09D221AC38A096671F12722334F1CA260D8D2C0B0EF83BF2EC8438B6D99C90391B"
	"9B27F575AB398E6706FC4BC03B4D5D85527A9EF8120CF8A74DC4989F76C861B123A953BE286F32A07DBA8FE3C2D0A58E"
	"1F6C93839EFB97827FF2EE759DE0C0CF4B2C2633B735B8F073F05A969C3628CC94C8867425F670CBE17759720E487E5C"
	"56ADC17177DBBEA06E3BC6F2DAF6DFBBC09962C00EE3D7E67F865F9069D562446E1675E2C37F8FDC51084E076ABC59DC"
	"93CCF03F9CFD80319D78464B5E6003A7397FF019A78C2A0B2330A224E121DC9754F295A228789CA0DBB9E30E17715A75"
	"0C1B769B1B8269EB4CD8693A4FEC2F2C2C22FBDFB3ECDD7FE018267F68451258B2363A7C";
static char const cpw_block_empty[] =	/* the empty password */
	"91E8DAF7ACDFDD20134EB2D8376F528CB07C3B9AE8E517119646350E2B8EAFA7A3C11936B31D56DE70854DC83751003E"
	"5641424D2E3B40BD748292EA64DF32B345D3CD0C4A512F7F4EFB86ABCDB7023F1330952FCF3739E4B441DCE011CCF3ED"
	"ACA43DC2CE3080CBE93C1B41177AC41B9AC469F532C4DAAA973569F7F8159284670608970118B4C8386D99AD73819048"
	"0FF604DE77206A3C0C47229BD580607F69617F71D2E2F947B2EA42ECD54EE556D66977C377C6EBD80E2D5B0B224C5E30"
	"C75A602E0429F821827B4EE68F746B5D655DE2A8F9D739611B36BE04A24E3E1B67404C1D9C4E93CC7558D5B7B45A822B"
	"3CE94C1A02664C92DFA33079CB8F07F5A92BC520C7B0322B51301264DE943B618656F2860FAD1748578A7719235E94C7"
	"00CD7C8D2C3FFB7365DE1AF0747360C979208790057AFD23BE56793FA966AC0D9863FA668F89A754FEB8FEF3ADCEF8A2"
	"5456AACBA9ADB2E66C80EFF5626E2D539086EF8B70F30D24D012CB6613C855C0FFD2DF5C72C0358FD225781211267320"
	"AD2728E9907D6B14ADF9772275284257DA638AC8E8F523C2BDB48FD0C79BDE18E47CED9A55F9EB4823AA0EB734027510"
	"A916F8D79A0B94357F6AB66B904EDF9B9335484111EAAE7FB1B2C2B49FBF903B0E48BD6A0EAEA844D94BF30EF97FA669"
	"C631AEA3CDC4CDBFFEBAE94AD19243A056B8B377F55A89BBC2CA169F66AB0EA4B2343A7C";
static char const cpw_block_odd[] =	/* length field 13 */
	"91E8DAF7ACDFDD20134EB2D8376F528CB07C3B9AE8E517119646350E2B8EAFA7A3C11936B31D56DE70854DC83751003E"
	"5641424D2E3B40BD748292EA64DF32B345D3CD0C4A512F7F4EFB86ABCDB7023F1330952FCF3739E4B441DCE011CCF3ED"
	"ACA43DC2CE3080CBE93C1B41177AC41B9AC469F532C4DAAA973569F7F8159284670608970118B4C8386D99AD73819048"
	"0FF604DE77206A3C0C47229BD580607F69617F71D2E2F947B2EA42ECD54EE556D66977C377C6EBD80E2D5B0B224C5E30"
	"C75A602E0429F821827B4EE68F746B5D655DE2A8F9D739611B36BE04A24E3E1B67404C1D9C4E93CC7558D5B7B45A822B"
	"3CE94C1A02664C92DFA33079CB8F07F5A92BC520C7B0322B51301264DE943B618656F2860FAD1748578A7719235E94C7"
	"00CD7C8D2C3FFB7365DE1AF0747360C979208790057AFD23BE56793FA966AC0D9863FA668F89A754FEB8FEF3ADCEF8A2"
	"5456AACBA9ADB2E66C80EFF5626E2D539086EF8B70F30D24D012CB6613C855C0FFD2DF5C72C0358FD225781211267320"
	"AD2728E9907D6B14ADF9772275284257DA638AC8E8F523C2BDB48FD0C79BDE18E47CED9A55F9EB4823AA0EB734027510"
	"A916F8D79A0B94357F6AB66B904EDF9B9335484111EAAE7FB1B2C2B49FBF903B0E48BD6A0EAEA844D94BF30EF97FA669"
	"C631AEA3CDC4CDBFFEBAE94AD19243A056B8B377F55A89BBC2CA169F66AB0EA4BF343A7C";
static char const cpw_block_big[] =	/* length field 514 */
	"91E8DAF7ACDFDD20134EB2D8376F528CB07C3B9AE8E517119646350E2B8EAFA7A3C11936B31D56DE70854DC83751003E"
	"5641424D2E3B40BD748292EA64DF32B345D3CD0C4A512F7F4EFB86ABCDB7023F1330952FCF3739E4B441DCE011CCF3ED"
	"ACA43DC2CE3080CBE93C1B41177AC41B9AC469F532C4DAAA973569F7F8159284670608970118B4C8386D99AD73819048"
	"0FF604DE77206A3C0C47229BD580607F69617F71D2E2F947B2EA42ECD54EE556D66977C377C6EBD80E2D5B0B224C5E30"
	"C75A602E0429F821827B4EE68F746B5D655DE2A8F9D739611B36BE04A24E3E1B67404C1D9C4E93CC7558D5B7B45A822B"
	"3CE94C1A02664C92DFA33079CB8F07F5A92BC520C7B0322B51301264DE943B618656F2860FAD1748578A7719235E94C7"
	"00CD7C8D2C3FFB7365DE1AF0747360C979208790057AFD23BE56793FA966AC0D9863FA668F89A754FEB8FEF3ADCEF8A2"
	"5456AACBA9ADB2E66C80EFF5626E2D539086EF8B70F30D24D012CB6613C855C0FFD2DF5C72C0358FD225781211267320"
	"AD2728E9907D6B14ADF9772275284257DA638AC8E8F523C2BDB48FD0C79BDE18E47CED9A55F9EB4823AA0EB734027510"
	"A916F8D79A0B94357F6AB66B904EDF9B9335484111EAAE7FB1B2C2B49FBF903B0E48BD6A0EAEA844D94BF30EF97FA669"
	"C631AEA3CDC4CDBFFEBAE94AD19243A056B8B377F55A89BBC2CA169F66AB0EA4B0363A7C";

static void test_password_change(void)
{
	uint8_t	old[16], block[MSCHAPV2_PW_BLOCK_LEN], pw[MSCHAPV2_MAX_PASSWORD_OCTETS], want[64];
	uint8_t	h[16], enc[16], newh[16], wrong[16];
	size_t	len = 99, wlen;
	int	rc;

	unhex("44EBBA8D5312B8D611474411F56989AE", old, 16);

	unhex(cpw_block, block, sizeof(block));
	rc = decrypt_pw_block_with_password_hash(block, old, pw, &len);
	check_int("8.10 decrypt_pw_block_with_password_hash rc", 0, rc);
	wlen = unhex(cpw_new_utf16, want, sizeof(want));
	check_bytes("8.10 new password out of the block (UTF-16LE, surrogate pair)", want, wlen, pw, len);

	rc = nt_password_hash_utf16le(pw, len, h);
	check_int("8.3 nt_password_hash_utf16le rc", 0, rc);
	check_hex("8.3 NT hash of the UTF-16LE new password", "6B350BF1FE97DD4DB7160632119F1FF1", h, 16);

	rc = nt_password_hash_encrypted_with_block(old, h, enc);
	check_int("8.13 nt_password_hash_encrypted_with_block rc", 0, rc);
	check_hex("8.13 NtPasswordHashEncryptedWithBlock(old k, new k)", "6BCF9BDD9BA1C639331D89A3B3A11A43", enc, 16);
	memset(enc, 0, sizeof(enc));
	rc = old_nt_password_hash_encrypted_with_new_nt_password_hash_pwhash(old, h, enc);
	check_hex("8.12 OldNtPasswordHashEncryptedWithNewNtPasswordHash", "6BCF9BDD9BA1C639331D89A3B3A11A43", enc, 16);

	rc = mschapv2_check_password_change(old, block, enc, newh, &wlen);
	check_int("check_password_change right old password: 1", 1, rc);
	check_int("check_password_change hands back the new password's length", 30, (int) wlen);
	check_hex("check_password_change hands back the new k", "6B350BF1FE97DD4DB7160632119F1FF1", newh, 16);

	enc[15] ^= 0x01;
	rc = mschapv2_check_password_change(old, block, enc, newh, &wlen);
	check_int("check_password_change Encrypted-Hash last bit flipped: 0", 0, rc);
	check_hex("check_password_change mismatch: new k zeroed", "00000000000000000000000000000000", newh, 16);
	enc[15] ^= 0x01;

	memcpy(wrong, old, 16);
	wrong[0] ^= 0x01;
	rc = mschapv2_check_password_change(wrong, block, enc, newh, &wlen);
	check_int("check_password_change wrong old hash: 0", 0, rc);

	block[3] ^= 0x01;	/* inside the fill: still decrypts to the same password */
	rc = mschapv2_check_password_change(old, block, enc, newh, &wlen);
	check_int("check_password_change fill octet changed: still 1", 1, rc);
	block[3] ^= 0x01;
	block[MSCHAPV2_PW_BLOCK_LEN - 5] ^= 0x01;	/* last octet of the password */
	rc = mschapv2_check_password_change(old, block, enc, newh, &wlen);
	check_int("check_password_change password octet changed: 0", 0, rc);

	unhex(cpw_block_256, block, sizeof(block));
	rc = decrypt_pw_block_with_password_hash(block, old, pw, &len);
	check_int("8.10 256-character password rc", 0, rc);
	check_int("8.10 256-character password is 512 octets", 512, (int) len);
	rc = nt_password_hash_utf16le(pw, len, h);
	check_hex("8.3 NT hash of the 256-character password", "6A3859662A1F31AFC3684DD4E99DFC5D", h, 16);
	unhex("375E385EC2C034AF0E722B88328D8E1C", enc, 16);
	check_int("check_password_change 256-character password: 1", 1, mschapv2_check_password_change(old, block, enc, newh, &wlen));

	unhex(cpw_block_empty, block, sizeof(block));
	len = 99;
	rc = decrypt_pw_block_with_password_hash(block, old, pw, &len);
	check_int("8.10 empty password rc", 0, rc);
	check_int("8.10 empty password length", 0, (int) len);

	unhex(cpw_block_odd, block, sizeof(block));
	len = 99;
	rc = decrypt_pw_block_with_password_hash(block, old, pw, &len);
	check_int("8.10 odd length field (13): 1", 1, rc);
	check_int("8.10 odd length field: length 0", 0, (int) len);
	check_int("check_password_change odd length field: 0", 0, mschapv2_check_password_change(old, block, enc, newh, &wlen));

	unhex(cpw_block_big, block, sizeof(block));
	rc = decrypt_pw_block_with_password_hash(block, old, pw, &len);
	check_int("8.10 length field 514 (> 512): 1", 1, rc);

	check_int("nt_password_hash_utf16le odd length: -1", -1, nt_password_hash_utf16le(pw, 3, h));
	check_int("nt_password_hash_utf16le 514 octets: -1", -1, nt_password_hash_utf16le(pw, 514, h));
}

/*
 * Each thread has its own reused contexts (crypto.c): threads working at once must each get
 * the RFC values every time, including after the contexts were re-keyed with other keys.
 */
#define THREADS		4
#define THREAD_ROUNDS	500

static void *thread_worker(void *arg)
{
	uint8_t	ch[8], pwh[16], pwhh[16], resp[24], mk[16], hmac[20];
	uint8_t	want_resp[24], want_mk[16], want_hmac[20];
	char	auth[MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	int	i, *bad = arg;

	unhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", want_resp, 24);
	unhex("FDECE3717A8C838CB388E527AE3CDD31", want_mk, 16);
	/* RFC 2202 test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?") */
	unhex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", want_hmac, 20);
	for (i = 0; i < THREAD_ROUNDS; i++) {
		if (challenge_hash(rfc_peer_chal, rfc_auth_chal, rfc_user, 4, ch) < 0 ||
		    nt_password_hash(rfc_pass, strlen(rfc_pass), pwh) < 0 ||
		    challenge_response(ch, pwh, resp) < 0 || memcmp(resp, want_resp, 24) != 0 ||
		    verify_nt_response_challenge_hash(ch, pwh, resp) != 1 ||
		    hash_nt_password_hash(pwh, pwhh) < 0 ||
		    generate_authenticator_response_challenge_hash(pwhh, resp, ch, auth) < 0 ||
		    memcmp(auth, "S=407A5589115FD0D6209F510FE9C04566932CDA56", 43) != 0 ||
		    get_master_key(pwhh, resp, mk) < 0 || memcmp(mk, want_mk, 16) != 0 ||
		    rfc3957_registration_key((uint8_t const *) "Jefe", 4, (uint8_t const *) "what do ya want ", 16,
					     (uint8_t const *) "for nothing?", 12, hmac) < 0 ||
		    memcmp(hmac, want_hmac, 20) != 0) {
			(*bad)++;
		}
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t	t[THREADS];
	int		bad[THREADS] = { 0 }, i, started = 0, total = 0;

	for (i = 0; i < THREADS; i++) {
		if (pthread_create(&t[i], NULL, thread_worker, &bad[i]) == 0) started++;
		else bad[i] = THREAD_ROUNDS;
	}
	for (i = 0; i < THREADS; i++) {
		if (i < started) pthread_join(t[i], NULL);
		total += bad[i];
	}
	check_int("4 threads x 500 rounds of RFC 2759/3079/2202 vectors at once: wrong or failed rounds", 0, total);
}

static void test_before_init(void)
{
	uint8_t h[16];

	/* Must fail cleanly, not crash, before mschapv2_crypto_init() */
	check_int("nt_password_hash before init returns -1", -1, nt_password_hash("x", 1, h));
}

int main(void)
{
	char const	*err = NULL;
	int		rc;

	test_before_init();

	/* Everything after this needs the providers: stop here if they did not load. */
	rc = mschapv2_crypto_init(&err);
	check_int("mschapv2_crypto_init succeeds", 0, rc);
	if (rc < 0) {
		printf("  (%s)\n%d passed, %d failed\n", err ? err : "?", passed, failed);
		return 1;
	}
	check_int("mschapv2_crypto_init idempotent", 0, mschapv2_crypto_init(&err));

	test_rfc2759();
	test_verify();
	test_passwords();
	test_utf16();
	test_usernames();
	test_nai_stripping();
	test_rfc4515();
	test_password_change();
	test_threads();

	mschapv2_crypto_free();
	{
		uint8_t h[16];

		check_int("nt_password_hash after mschapv2_crypto_free returns -1", -1, nt_password_hash("x", 1, h));
		check_int("mschapv2_crypto_init after free returns -1", -1, mschapv2_crypto_init(&err));
	}
	mschapv2_crypto_free();		/* second free is harmless */

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
