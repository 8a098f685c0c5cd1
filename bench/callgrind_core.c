/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * callgrind_core.c - the core's operations, one function each, for valgrind --tool=callgrind
 * (bench/callgrind.sh reads the inclusive instruction count of each function and divides by
 * the rounds):
 *   op_mschapv2_verify   the server's MS-CHAPv2 work for one request, through the core:
 *                        ChallengeHash, NT-Response check, k', authenticator response, k'',
 *                        both MPPE keys;
 *   op_mip_derive        one Mobile IP derivation: two nonces, MN-HA and MN-FA keys;
 *   prim_mschapv2_verify the same computations with OpenSSL's low-level functions (no EVP,
 *   prim_mip_derive      no provider dispatch, HMAC composed from SHA1 by RFC 2104): the sum
 *                        of the primitives, the floor the core is compared with.
 * Every round's results are checked against each other and the RFC 2759 vectors, so what is
 * counted is the work of a right answer.
 *
 * usage: callgrind_core [ROUNDS]   (default 1000, after 50 rounds of warm-up)
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* the low-level functions are the point of prim_* */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/des.h>
#include <openssl/md4.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "mschapv2.h"
#include "rfc3957.h"

/* RFC 2759 section 9.2 */
static uint8_t const auth_chal[16] = { 0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
				       0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28 };
static uint8_t const peer_chal[16] = { 0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
				       0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E };
static char const user[] = "User";
static uint8_t pw_hash[16];		/* NtPasswordHash("clientPass") */
static uint8_t nt_response[24];		/* the RFC's NT-Response */
static uint8_t const mn_id[] = "mn1@example.com";

typedef struct {
	char	auth_response[MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	uint8_t	send_key[16], recv_key[16];
	int	match;
} verify_out_t;

typedef struct {
	uint8_t	nonces[32];
	uint8_t	keys[40];
} mip_out_t;

static uint8_t const magic1[39] = "Magic server to client signing constant";
static uint8_t const magic2[41] = "Pad to make it do more than one iteration";
static uint8_t const mppe_magic1[27] = "This is the MPPE Master Key";
static uint8_t const mppe_magic2[84] =
	"On the client side, this is the send key; on the server side, it is the receive key.";
static uint8_t const mppe_magic3[84] =
	"On the client side, this is the receive key; on the server side, it is the send key.";

__attribute__((noinline)) static int op_mschapv2_verify(verify_out_t *o)
{
	uint8_t ch[8], k1[16], k2[16];
	int	rc;

	rc = challenge_hash(peer_chal, auth_chal, user, 4, ch) < 0 ? -1 : 0;
	if (!rc) o->match = verify_nt_response_challenge_hash(ch, pw_hash, nt_response);
	if (!rc && (hash_nt_password_hash(pw_hash, k1) < 0 ||
		    generate_authenticator_response_challenge_hash(k1, nt_response, ch, o->auth_response) < 0 ||
		    get_master_key(k1, nt_response, k2) < 0 || mppe_server_keys(k2, o->send_key, o->recv_key) < 0)) rc = -1;
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	return rc;
}

__attribute__((noinline)) static int op_mip_derive(uint8_t const k2[16], mip_out_t *o)
{
	if (rfc3957_nonce(o->nonces, sizeof(o->nonces)) < 0) return -1;
	return rfc3957_registration_keys(k2, 16, o->nonces, 16, 2, mn_id, sizeof(mn_id) - 1, o->keys);
}

static void des7(uint8_t const clear[8], uint8_t const k7[7], uint8_t out[8])
{
	DES_cblock		k;
	DES_key_schedule	ks;
	int			i;

	k[0] = k7[0];
	for (i = 1; i < 7; i++) k[i] = (uint8_t) ((k7[i - 1] << (8 - i)) | (k7[i] >> i));
	k[7] = (uint8_t) (k7[6] << 1);
	DES_set_key_unchecked(&k, &ks);
	DES_ecb_encrypt((const_DES_cblock *) clear, (DES_cblock *) out, &ks, DES_ENCRYPT);
}

static void sha1_3(void const *a, size_t al, void const *b, size_t bl, void const *c, size_t cl, uint8_t out[20])
{
	SHA_CTX s;

	SHA1_Init(&s);
	SHA1_Update(&s, a, al);
	SHA1_Update(&s, b, bl);
	SHA1_Update(&s, c, cl);
	SHA1_Final(out, &s);
}

static void mppe_key(uint8_t const k2[16], uint8_t const *magic, uint8_t out[16])
{
	static uint8_t const pad1[40], pad2[40] = {
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2 };
	SHA_CTX s;
	uint8_t	d[20];

	SHA1_Init(&s);
	SHA1_Update(&s, k2, 16);
	SHA1_Update(&s, pad1, 40);
	SHA1_Update(&s, magic, 84);
	SHA1_Update(&s, pad2, 40);
	SHA1_Final(d, &s);
	memcpy(out, d, 16);
}

__attribute__((noinline)) static int prim_mschapv2_verify(verify_out_t *o)
{
	static char const hex[] = "0123456789ABCDEF";
	uint8_t	d[20], z[21], resp[24], k1[16], k2[16];
	int	i;

	sha1_3(peer_chal, 16, auth_chal, 16, user, 4, d);
	memcpy(z, pw_hash, 16);
	memset(z + 16, 0, 5);
	for (i = 0; i < 3; i++) des7(d, z + 7 * i, resp + 8 * i);
	o->match = CRYPTO_memcmp(resp, nt_response, 24) == 0;
	MD4(pw_hash, 16, k1);
	{
		uint8_t ch[8], a[20];

		memcpy(ch, d, 8);
		sha1_3(k1, 16, nt_response, 24, magic1, sizeof(magic1), a);
		sha1_3(a, 20, ch, 8, magic2, sizeof(magic2), a);
		o->auth_response[0] = 'S';
		o->auth_response[1] = '=';
		for (i = 0; i < 20; i++) {
			o->auth_response[2 + 2 * i] = hex[a[i] >> 4];
			o->auth_response[3 + 2 * i] = hex[a[i] & 15];
		}
		o->auth_response[42] = '\0';
	}
	sha1_3(k1, 16, nt_response, 24, mppe_magic1, sizeof(mppe_magic1), d);
	memcpy(k2, d, 16);
	mppe_key(k2, mppe_magic3, o->send_key);
	mppe_key(k2, mppe_magic2, o->recv_key);
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	return 0;
}

/* RFC 2104 HMAC-SHA1 from the SHA1 primitive, key <= 64 octets */
static void hmac_sha1(uint8_t const *key, size_t kl, uint8_t const *a, size_t al, uint8_t const *b, size_t bl,
		      uint8_t out[20])
{
	uint8_t	ipad[64], opad[64], inner[20];
	SHA_CTX	s;
	size_t	i;

	memset(ipad, 0x36, 64);
	memset(opad, 0x5c, 64);
	for (i = 0; i < kl; i++) {
		ipad[i] ^= key[i];
		opad[i] ^= key[i];
	}
	SHA1_Init(&s);
	SHA1_Update(&s, ipad, 64);
	SHA1_Update(&s, a, al);
	SHA1_Update(&s, b, bl);
	SHA1_Final(inner, &s);
	SHA1_Init(&s);
	SHA1_Update(&s, opad, 64);
	SHA1_Update(&s, inner, 20);
	SHA1_Final(out, &s);
}

__attribute__((noinline)) static int prim_mip_derive(uint8_t const k2[16], mip_out_t *o)
{
	if (RAND_bytes(o->nonces, sizeof(o->nonces)) != 1) return -1;
	hmac_sha1(k2, 16, o->nonces, 16, mn_id, sizeof(mn_id) - 1, o->keys);
	hmac_sha1(k2, 16, o->nonces + 16, 16, mn_id, sizeof(mn_id) - 1, o->keys + 20);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t const want_resp[24] = { 0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E, 0xA0, 0x8F, 0xAA, 0x39,
					       0x81, 0xCD, 0x83, 0x54, 0x42, 0x33, 0x11, 0x4A, 0x3D, 0x85, 0xD6, 0xDF };
	static uint8_t const k2[16] = { 0xFD, 0xEC, 0xE3, 0x71, 0x7A, 0x8C, 0x83, 0x8C,
					0xB3, 0x88, 0xE5, 0x27, 0xAE, 0x3C, 0xDD, 0x31 };	/* RFC 3079 3.5.3 */
	char const	*err = NULL;
	long		rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 1000, i;
	verify_out_t	a, b;
	mip_out_t	m, p;
	int		bad = 0;

	if (rounds < 1 || mschapv2_crypto_init(&err) < 0) {
		fprintf(stderr, "callgrind_core: %s\n", err ? err : "usage: callgrind_core [ROUNDS]");
		return 2;
	}
	if (nt_password_hash("clientPass", 10, pw_hash) < 0) return 2;
	memcpy(nt_response, want_resp, sizeof(nt_response));

	for (i = 0; i < rounds + 50; i++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		if (op_mschapv2_verify(&a) < 0 || prim_mschapv2_verify(&b) < 0 || a.match != 1 || b.match != 1 ||
		    strcmp(a.auth_response, "S=407A5589115FD0D6209F510FE9C04566932CDA56") != 0 ||
		    memcmp(&a, &b, sizeof(a)) != 0) bad++;
		if (op_mip_derive(k2, &m) < 0 || prim_mip_derive(k2, &p) < 0) bad++;
		/* the core's keys from the core's nonces, recomputed with the primitives */
		memcpy(p.nonces, m.nonces, sizeof(p.nonces));
		hmac_sha1(k2, 16, p.nonces, 16, mn_id, sizeof(mn_id) - 1, p.keys);
		hmac_sha1(k2, 16, p.nonces + 16, 16, mn_id, sizeof(mn_id) - 1, p.keys + 20);
		if (memcmp(m.keys, p.keys, sizeof(m.keys)) != 0) bad++;
	}
	mschapv2_crypto_free();
	printf("ROUNDS %ld (and 50 of warm-up), wrong results %d\n", rounds + 50, bad);
	return bad ? 1 : 0;
}
