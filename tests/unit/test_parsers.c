/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_parsers.c - unit tests for what the backends read from outside: ntlm_auth's helper
 * answers (rlm_mipkey/ntlm_answer.c) and the values of a user's LDAP entry
 * (rlm_mipkey/ldap_values.c), the MS-CHAP-NT-Enc-PW chunks of a password change
 * (rlm_mipkey/nt_enc_pw.c). Expected values are written out by hand here.
 *
 *   gcc -std=gnu11 -Wall -Wextra -Irlm_mipkey -o /tmp/t tests/unit/test_parsers.c \
 *       rlm_mipkey/ntlm_answer.c rlm_mipkey/ldap_values.c rlm_mipkey/nt_enc_pw.c -lcrypto && /tmp/t
 */
#include <stdio.h>
#include <string.h>

#include "ldap_values.h"
#include "nt_enc_pw.h"
#include "ntlm_answer.h"
#include "unit.h"

static char const KEY_HEX[] = "0123456789abcdefFEDCBA9876543210";
static char const KEY_BIN[] = "0123456789abcdef fedcba9876543210";

static void login(char const *name, char const *answer, ntlm_answer_login_t want, char const *want_error)
{
	char		buf[512], n[200];
	uint8_t		key[MSCHAPV2_HASH_LEN];
	char const	*err = NULL;
	ntlm_answer_login_t got;

	snprintf(buf, sizeof(buf), "%s", answer);
	memset(key, 0xAA, sizeof(key));
	got = ntlm_answer_login(buf, key, &err);
	snprintf(n, sizeof(n), "ntlm_auth login answer: %s", name);
	check_int(n, want, got);
	if (want == NTLM_LOGIN_KEY) {
		snprintf(n, sizeof(n), "ntlm_auth login answer: %s: the key", name);
		check_hex(n, KEY_BIN, key, sizeof(key));
	} else {
		uint8_t untouched[MSCHAPV2_HASH_LEN];

		memset(untouched, 0xAA, sizeof(untouched));
		snprintf(n, sizeof(n), "ntlm_auth login answer: %s: key not written", name);
		check_bytes(n, untouched, sizeof(untouched), key, sizeof(key));
	}
	if (want_error) {
		snprintf(n, sizeof(n), "ntlm_auth login answer: %s: the error text", name);
		check_true(n, err && strcmp(err, want_error) == 0);
	}
}

static void change(char const *name, char const *answer, ntlm_answer_change_t want, char const *want_error)
{
	char		buf[512], n[200];
	char const	*err = NULL;

	snprintf(buf, sizeof(buf), "%s", answer);
	snprintf(n, sizeof(n), "ntlm_auth change answer: %s", name);
	check_int(n, want, ntlm_answer_change(buf, &err));
	if (want_error) {
		snprintf(n, sizeof(n), "ntlm_auth change answer: %s: the error text", name);
		check_true(n, err && strcmp(err, want_error) == 0);
	}
}

static void complete(char const *name, char const *s, int want)
{
	char n[200];

	snprintf(n, sizeof(n), "ntlm_auth answer complete: %s", name);
	check_int(n, want, ntlm_answer_complete(s, strlen(s)));
}

static void test_ntlm_answer(void)
{
	char line[200];

	complete("just a dot line", ".\n", 1);
	complete("after a line", "Authenticated: No\n.\n", 1);
	complete("dot without newline", "Authenticated: No\n.", 0);
	complete("dot inside a line", "Authentication-Error: a.\n", 0);
	complete("dot not alone", "x\n..\n", 0);
	complete("empty", "", 0);

	snprintf(line, sizeof(line), "Authenticated: Yes\nUser-Session-Key: %s\n.\n", KEY_HEX);
	login("accepted with a key (mixed case)", line, NTLM_LOGIN_KEY, NULL);
	snprintf(line, sizeof(line), "Authenticated: Yes\nOther: 1\nUser-Session-Key: %s\n.\n", KEY_HEX);
	login("key on the third line", line, NTLM_LOGIN_KEY, NULL);
	login("accepted without a key", "Authenticated: Yes\n.\n", NTLM_LOGIN_NO_KEY, NULL);
	login("all-zero key is no key", "Authenticated: Yes\nUser-Session-Key: 00000000000000000000000000000000\n.\n",
	      NTLM_LOGIN_NO_KEY, NULL);
	login("31 hex digits", "Authenticated: Yes\nUser-Session-Key: 0123456789abcdef0123456789abcde\n.\n",
	      NTLM_LOGIN_BAD_KEY, NULL);
	login("33 hex digits", "Authenticated: Yes\nUser-Session-Key: 0123456789abcdef0123456789abcdef0\n.\n",
	      NTLM_LOGIN_BAD_KEY, NULL);
	login("a non-hex digit", "Authenticated: Yes\nUser-Session-Key: 0123456789abcdef0123456789abcdeg\n.\n",
	      NTLM_LOGIN_BAD_KEY, NULL);
	login("key with a trailing blank", "Authenticated: Yes\nUser-Session-Key: 0123456789abcdef0123456789abcdef \n.\n",
	      NTLM_LOGIN_BAD_KEY, NULL);
	login("key name without blank", "Authenticated: Yes\nUser-Session-Key:0123456789abcdef0123456789abcdef\n.\n",
	      NTLM_LOGIN_NO_KEY, NULL);
	login("key name prefix only", "Authenticated: Yes\nUser-Session-Keys: 0123456789abcdef0123456789abcdef\n.\n",
	      NTLM_LOGIN_NO_KEY, NULL);
	login("refused with an error", "Authenticated: No\nAuthentication-Error: Logon failure.\n.\n",
	      NTLM_LOGIN_ERROR, "Logon failure.");
	login("refused without an error", "Authenticated: No\n.\n", NTLM_LOGIN_UNEXPECTED, NULL);
	login("refused, error as last line without newline", "Authenticated: No\nAuthentication-Error: x",
	      NTLM_LOGIN_ERROR, "x");
	login("first line not Authenticated", "User-Session-Key: 0123456789abcdef0123456789abcdef\n"
	      "Authenticated: Yes\n.\n", NTLM_LOGIN_UNEXPECTED, NULL);
	login("lower-case yes", "Authenticated: yes\n.\n", NTLM_LOGIN_UNEXPECTED, NULL);
	login("BH line", "BH NT_STATUS_ACCESS_DENIED\n.\n", NTLM_LOGIN_UNEXPECTED, NULL);
	login("empty", "", NTLM_LOGIN_UNEXPECTED, NULL);

	change("changed", "Password-Change: Yes\n.\n", NTLM_CHANGE_DONE, NULL);
	change("refused with an error", "Password-Change: No\nPassword-Change-Error: NT_STATUS_PASSWORD_RESTRICTION\n.\n",
	       NTLM_CHANGE_REFUSED, "NT_STATUS_PASSWORD_RESTRICTION");
	change("refused without an error", "Password-Change: No\n.\n", NTLM_CHANGE_UNEXPECTED, NULL);
	change("something else", "Authenticated: Yes\n.\n", NTLM_CHANGE_UNEXPECTED, NULL);
}

static void test_ldap_values(void)
{
	uint8_t		out[64], untouched[64];
	size_t		len = 0;
	uint32_t	spi = 0;
	int64_t		t = 1;
	char		alg[16];

	check_int("nt hash: 32 hex digits", 0, ldap_values_nt_hash(KEY_HEX, 32, out));
	check_hex("nt hash: the octets", KEY_BIN, out, 16);
	memset(out, 0x55, sizeof(out));
	memset(untouched, 0x55, sizeof(untouched));
	check_int("nt hash: 31 digits refused", -1, ldap_values_nt_hash(KEY_HEX, 31, out));
	check_int("nt hash: 33 digits refused", -1, ldap_values_nt_hash("0123456789abcdef0123456789abcdef0", 33, out));
	check_int("nt hash: a blank refused", -1, ldap_values_nt_hash("0123456789abcdef 123456789abcdef", 32, out));
	check_int("nt hash: a NUL refused", -1, ldap_values_nt_hash("0123456789abcdef\0" "123456789abcdef", 32, out));
	check_int("nt hash: 'x' refused", -1, ldap_values_nt_hash("0x23456789abcdef0123456789abcdef", 32, out));
	check_bytes("nt hash: refused ones write nothing", untouched, 16, out, 16);

	check_int("aaa key: 2 digits", 0, ldap_values_hex_key("A5", 2, out, 64, &len));
	check_int("aaa key: 2 digits is 1 octet", 1, (long long) len);
	check_hex("aaa key: the octet", "a5", out, 1);
	{
		char hex130[130];

		for (len = 0; len < sizeof(hex130); len++) hex130[len] = "0123456789abcdef"[len % 16];
		check_int("aaa key: 128 digits (64 octets)", 0, ldap_values_hex_key(hex130, 128, out, 64, &len));
		check_int("aaa key: 64 octets", 64, (long long) len);
		check_int("aaa key: 130 digits refused", -1, ldap_values_hex_key(hex130, 130, out, 64, &len));
		check_int("aaa key: 126 digits over max 62 refused", -1, ldap_values_hex_key(hex130, 126, out, 62, &len));
	}
	check_int("aaa key: odd count refused", -1, ldap_values_hex_key("abc", 3, out, 64, &len));
	check_int("aaa key: empty refused", -1, ldap_values_hex_key("", 0, out, 64, &len));
	check_int("aaa key: NULL refused", -1, ldap_values_hex_key(NULL, 2, out, 64, &len));
	check_int("aaa key: non-hex refused", -1, ldap_values_hex_key("zz", 2, out, 64, &len));

	check_int("spi: 0", 0, ldap_values_spi("0", 1, &spi));
	check_int("spi: 4294967295", 0, ldap_values_spi("4294967295", 10, &spi));
	check_int("spi: 4294967295 read", 4294967295LL, spi);
	check_int("spi: 0000000257 (leading zeros)", 0, ldap_values_spi("0000000257", 10, &spi));
	check_int("spi: 257 read", 257, spi);
	check_int("spi: 4294967296 refused", -1, ldap_values_spi("4294967296", 10, &spi));
	check_int("spi: 11 digits refused", -1, ldap_values_spi("00000000001", 11, &spi));
	check_int("spi: sign refused", -1, ldap_values_spi("+1", 2, &spi));
	check_int("spi: empty refused", -1, ldap_values_spi("", 0, &spi));

	check_int("time: 0", 0, ldap_values_time("0", 1, &t));
	check_int("time: 0 read", 0, t);
	check_int("time: -5", 0, ldap_values_time("-5", 2, &t));
	check_int("time: -5 read", -5, t);
	check_int("time: 18 digits", 0, ldap_values_time("999999999999999999", 18, &t));
	check_int("time: 18 digits read", 999999999999999999LL, t);
	check_int("time: -18 digits", 0, ldap_values_time("-999999999999999999", 19, &t));
	check_int("time: -18 digits read", -999999999999999999LL, t);
	check_int("time: INT64_MAX", 0, ldap_values_time("9223372036854775807", 19, &t));
	check_int("time: INT64_MAX read", INT64_MAX, t);
	check_int("time: -INT64_MAX", 0, ldap_values_time("-9223372036854775807", 20, &t));
	check_int("time: -INT64_MAX read", -INT64_MAX, t);
	check_int("time: INT64_MAX + 1 refused (would overflow)", -1, ldap_values_time("9223372036854775808", 19, &t));
	check_int("time: 19 nines refused (would overflow)", -1, ldap_values_time("9999999999999999999", 19, &t));
	check_int("time: -INT64_MAX - 1 refused", -1, ldap_values_time("-9223372036854775808", 20, &t));
	check_int("time: 20 digits refused", -1, ldap_values_time("00000000000000000001", 20, &t));
	check_int("time: '-' alone refused", -1, ldap_values_time("-", 1, &t));
	check_int("time: blank refused", -1, ldap_values_time(" 1", 2, &t));
	check_int("time: empty refused", -1, ldap_values_time("", 0, &t));

	check_int("acct flags: D", 'D', ldap_values_acct_flag("[UD         ]", 13, "DL"));
	check_int("acct flags: first of L and D", 'L', ldap_values_acct_flag("[LD]", 4, "DL"));
	check_int("acct flags: after ']' ignored", 0, ldap_values_acct_flag("[U ]D", 5, "DL"));
	check_int("acct flags: X", 'X', ldap_values_acct_flag("[UX ]", 5, "X"));
	check_int("acct flags: none", 0, ldap_values_acct_flag("[U          ]", 13, "DL"));
	check_int("acct flags: NUL is not a flag", 0, ldap_values_acct_flag("[\0U]", 4, "DL"));

	check_int("algorithm: hmac-md5", 0, ldap_values_algorithm("hmac-md5x", 8, alg, 9));
	check_true("algorithm: copied with a NUL", strcmp(alg, "hmac-md5") == 0);
	check_int("algorithm: too long for the buffer", -1, ldap_values_algorithm("hmac-md5", 8, alg, 8));
	check_int("algorithm: blank refused", -1, ldap_values_algorithm("hmac md5", 8, alg, 9));
	check_int("algorithm: empty refused", -1, ldap_values_algorithm("", 0, alg, 8));
}

/* chunks of the given data sizes and sequence numbers (0: the position + 1), code 6, ident 42 */
static nt_enc_pw_rc_t reassemble(size_t n, size_t const sizes[], unsigned int const seqs[], uint8_t block[516],
				 size_t detail[2])
{
	static uint8_t	buf[20][600];
	uint8_t const	*value[20];
	size_t		len[20], i, off = 0;

	for (i = 0; i < n; i++) {
		unsigned int seq = seqs && seqs[i] ? seqs[i] : (unsigned int) i + 1;
		size_t j;

		buf[i][0] = 6;
		buf[i][1] = 42;
		buf[i][2] = (uint8_t) (seq >> 8);
		buf[i][3] = (uint8_t) seq;
		for (j = 0; j < sizes[i]; j++) buf[i][4 + j] = (uint8_t) (off + j);	/* the block's own offsets */
		off += sizes[i];
		value[i] = buf[i];
		len[i] = 4 + sizes[i];
	}
	return nt_enc_pw_reassemble(value, len, n, 42, block, detail);
}

static void test_nt_enc_pw(void)
{
	static size_t const	three[] = { 243, 243, 30 }, sixteen_1[] = { 501, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static size_t const	seventeen[17] = { 500, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static unsigned int const reversed[] = { 3, 2, 1 }, dup[] = { 1, 2, 2 }, gap[] = { 1, 2, 4 };
	static unsigned int const zero_seq[] = { 1, 2, 0x100 };
	uint8_t		block[516], want[516];
	size_t		detail[2], i, sizes[3];
	uint8_t const	*value[2];
	size_t		len[2];
	uint8_t		bad[8] = { 6, 42, 0, 1, 0xAA, 0, 0, 0 };

	for (i = 0; i < 516; i++) want[i] = (uint8_t) i;
	check_int("nt-enc-pw: 243 + 243 + 30 in order", NT_ENC_PW_OK, reassemble(3, three, NULL, block, detail));
	check_bytes("nt-enc-pw: the block", want, 516, block, 516);
	check_int("nt-enc-pw: 16 chunks", NT_ENC_PW_OK, reassemble(16, sixteen_1, NULL, block, detail));
	check_bytes("nt-enc-pw: the block of 16 chunks", want, 516, block, 516);
	/* sent as seq 3, 2, 1: the first sent holds the block's start only if it is seq 1 */
	sizes[0] = 30;
	sizes[1] = 243;
	sizes[2] = 243;
	check_int("nt-enc-pw: out of order", NT_ENC_PW_OK, reassemble(3, sizes, reversed, block, detail));
	/* chunk data carry their offsets in the order sent: seq 1 (sent last) holds 273..515 */
	for (i = 0; i < 243; i++) want[i] = (uint8_t) (273 + i);
	for (i = 0; i < 243; i++) want[243 + i] = (uint8_t) (30 + i);
	for (i = 0; i < 30; i++) want[486 + i] = (uint8_t) i;
	check_bytes("nt-enc-pw: out of order, put in sequence order", want, 516, block, 516);
	check_int("nt-enc-pw: 17 chunks", NT_ENC_PW_TOO_MANY, reassemble(17, seventeen, NULL, block, detail));
	check_int("nt-enc-pw: seq twice", NT_ENC_PW_DUPLICATE, reassemble(3, three, dup, block, detail));
	check_int("nt-enc-pw: seq twice, which", 2, (long long) detail[0]);
	check_int("nt-enc-pw: seq 1, 2, 4", NT_ENC_PW_MISSING, reassemble(3, three, gap, block, detail));
	check_int("nt-enc-pw: seq 1, 2, 4: n", 3, (long long) detail[0]);
	check_int("nt-enc-pw: seq 1, 2, 4: missing", 3, (long long) detail[1]);
	check_int("nt-enc-pw: seq 256", NT_ENC_PW_SEQUENCE, reassemble(3, three, zero_seq, block, detail));
	check_int("nt-enc-pw: seq 256, which", 256, (long long) detail[0]);
	sizes[0] = 243;
	sizes[1] = 243;
	sizes[2] = 29;
	check_int("nt-enc-pw: 515 octets", NT_ENC_PW_LENGTH, reassemble(3, sizes, NULL, block, detail));
	check_int("nt-enc-pw: 515 octets, how many", 515, (long long) detail[0]);
	sizes[2] = 31;
	check_int("nt-enc-pw: 517 octets", NT_ENC_PW_TOO_LONG, reassemble(3, sizes, NULL, block, detail));
	sizes[2] = 0;
	check_int("nt-enc-pw: a chunk with only its header", NT_ENC_PW_SHORT, reassemble(3, sizes, NULL, block, detail));
	check_int("nt-enc-pw: its length", 4, (long long) detail[0]);
	check_int("nt-enc-pw: none", NT_ENC_PW_NONE, nt_enc_pw_reassemble(value, len, 0, 42, block, detail));
	value[0] = bad;
	len[0] = 5;
	check_int("nt-enc-pw: ident 42 as expected", NT_ENC_PW_LENGTH, nt_enc_pw_reassemble(value, len, 1, 42, block, detail));
	check_int("nt-enc-pw: ident not the CPW's", NT_ENC_PW_CODE_IDENT, nt_enc_pw_reassemble(value, len, 1, 7, block, detail));
	check_int("nt-enc-pw: ident not the CPW's: code", 6, (long long) detail[0]);
	check_int("nt-enc-pw: ident not the CPW's: ident", 42, (long long) detail[1]);
	bad[0] = 5;
	check_int("nt-enc-pw: code 5", NT_ENC_PW_CODE_IDENT, nt_enc_pw_reassemble(value, len, 1, 42, block, detail));
	check_int("nt-enc-pw: code 5: code", 5, (long long) detail[0]);
}

int main(void)
{
	test_ntlm_answer();
	test_ldap_values();
	test_nt_enc_pw();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
