/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_mschapv2.c - libFuzzer harness for the MS-CHAPv2 verify path
 *		     (rlm_mipkey/mschapv2.c), as rlm_mipkey.c drives it.
 *
 * Input: authenticator challenge (16), an MS-CHAP2-Response attribute
 * value (50: ident, flags, peer challenge 16, reserved 8, NT-Response 24),
 * k (16), then the user name as sent (the rest, any bytes).  Checked:
 *  - both ChallengeHash names (RFC 2759 and the seed's) are sub-strings of
 *    the name as sent, the seed's inside the RFC 2759 one, and what is
 *    stripped is exactly "DOMAIN\" / "@realm";
 *  - verify_nt_response_pwhash() on the fuzzed NT-Response says 1 exactly
 *    when it equals generate_nt_response_pwhash() for that name; the
 *    generated response verifies, and with any single byte changed does
 *    not;
 *  - the authenticator response is "S=" and 40 upper-case hex digits, and
 *    k'' and the MPPE keys derive without error, for any input.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mschapv2.h"

static void require(int cond)
{
	if (!cond) abort();
}

static void check_name(char const *name, size_t len, char const *s, size_t slen)
{
	require(s >= name && s + slen <= name + len);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	static int	crypto = -2;
	uint8_t		in[16 + 50 + 16];
	uint8_t const	*auth_chal = in, *resp = in + 16, *peer = in + 18, *nt = in + 42, *k = in + 66;
	char		*name;
	size_t		name_len, rlen, slen;
	char const	*rname, *sname;
	uint8_t		gen[MSCHAPV2_NT_RESPONSE_LEN], k2[MSCHAPV2_HASH_LEN], kk[MSCHAPV2_HASH_LEN];
	uint8_t		send[MSCHAPV2_HASH_LEN], recv[MSCHAPV2_HASH_LEN];
	char		ar[MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	int		v, i;

	(void)resp;
	if (crypto == -2) crypto = mschapv2_crypto_init(NULL);
	require(crypto == 0);

	memset(in, 0, sizeof(in));
	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	name_len = size > sizeof(in) ? size - sizeof(in) : 0;
	name = malloc(name_len ? name_len : 1);
	require(name != NULL);
	if (name_len) memcpy(name, data + sizeof(in), name_len);

	/* The two ChallengeHash names */
	rname = mschapv2_rfc2759_username(name, name_len, &rlen);
	sname = mschapv2_hash_username(name, name_len, &slen);
	check_name(name, name_len, rname, rlen);
	check_name(name, name_len, sname, slen);
	{
		char const *bs = memchr(name, '\\', name_len);

		if (bs) require(rname == bs + 1 && rlen == name_len - (size_t)(bs + 1 - name));
		else require(rname == name && rlen == name_len);
		require(sname == rname);	/* both drop the same "DOMAIN\" */
		require(slen <= rlen);
		if (slen < rlen) require(rname[slen] == '@' && !memchr(rname + slen + 1, '@', rlen - slen - 1));
		else require(!memchr(rname, '@', rlen));
	}

	/* Verify the fuzzed NT-Response, for each name */
	for (i = 0; i < 2; i++) {
		char const *u = i ? sname : rname;
		size_t ul = i ? slen : rlen;

		require(generate_nt_response_pwhash(auth_chal, peer, u, ul, k, gen) == 0);
		v = verify_nt_response_pwhash(auth_chal, peer, u, ul, k, nt);
		require(v == (memcmp(gen, nt, sizeof(gen)) == 0));
		require(verify_nt_response_pwhash(auth_chal, peer, u, ul, k, gen) == 1);
		gen[name_len % sizeof(gen)] ^= (uint8_t)(1u << (name_len % 8));
		require(verify_nt_response_pwhash(auth_chal, peer, u, ul, k, gen) == 0);
	}

	/* What an accept computes from k and the (fuzzed) response */
	require(hash_nt_password_hash(k, kk) == 0);
	require(generate_authenticator_response_pwhashhash(kk, nt, peer, auth_chal, rname, rlen, ar) == 0);
	require(ar[0] == 'S' && ar[1] == '=' && ar[MSCHAPV2_AUTH_RESPONSE_LEN] == '\0');
	for (i = 2; i < MSCHAPV2_AUTH_RESPONSE_LEN; i++) {
		require(isxdigit((unsigned char)ar[i]) && !islower((unsigned char)ar[i]));
	}
	require(get_master_key(kk, nt, k2) == 0);
	require(mppe_server_keys(k2, send, recv) == 0);

	free(name);
	return 0;
}
