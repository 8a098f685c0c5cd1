/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_password_change.c - libFuzzer harness for the server side of an MS-CHAPv2
 * Change-Password (RFC 2759 section 7): the decryption of the 516-octet block
 * (decrypt_pw_block_with_password_hash()) and the whole check
 * (mschapv2_check_password_change(), rlm_mipkey/mschapv2.c). The block, its length field
 * and the Encrypted-Hash come from the client. (fuzz_nt_enc_pw.c fuzzes how the block is
 * put together from the attributes.)
 *
 * Input: flags (1), old hash (16), then the rest.
 *  - the first 516 octets of the rest as the block (zero-padded), decrypted here with an RC4
 *    written here: the module's verdict follows the length field (even, at most 512: 0 and
 *    the last that-many octets of the 512-octet field; else 1); a block made here from a
 *    password taken from the input (RFC 2759 8.10 layout, filler, RC4) gives the password
 *    back (with flag bit 0, an odd length: refused);
 *  - the whole check: with the Encrypted-Hash computed here (8.12 / 8.13: MD4 and DES from
 *    OpenSSL's legacy provider in the default library context, not the module's private one,
 *    with the 7-to-8 octet key spreading written here and checked against RFC 2759 9.2 at
 *    start) the check answers 1, the new hash and password length; with that Encrypted-Hash
 *    one bit off, or with a length field that is not a password length, 0 and the new hash
 *    all zero.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "mschapv2.h"

#include "fuzz_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	require(mschapv2_crypto_init(NULL) == 0);
	return 0;
}

static void des(uint8_t const clear[8], uint8_t const key7[7], uint8_t out[8]);

/* The reference DES against RFC 2759 9.2: the first block of the NT-Response. */
__attribute__((constructor)) static void des_selftest(void)
{
	static uint8_t const	hash[7] = { 0x44, 0xEB, 0xBA, 0x8D, 0x53, 0x12, 0xB8 };
	static uint8_t const	chal[8] = { 0xD0, 0x2E, 0x43, 0x86, 0xBC, 0xE9, 0x12, 0x26 };
	static uint8_t const	want[8] = { 0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E };
	uint8_t			got[8];

	require(OSSL_PROVIDER_load(NULL, "legacy") != NULL && OSSL_PROVIDER_load(NULL, "default") != NULL);
	des(chal, hash, got);
	require(memcmp(got, want, 8) == 0);
}

/* ---- reference crypto ---- */

/* Not instrumented: the reference's own branches are not what the fuzzer should explore,
 * and tracing every comparison of its loops took most of the time. */
__attribute__((no_sanitize("coverage", "address"))) static void rc4(uint8_t const *key, size_t klen, uint8_t const *in, uint8_t *out, size_t len)
{
	uint8_t		s[256], t;
	unsigned int	i, j = 0;
	size_t		k;

	for (i = 0; i < 256; i++) s[i] = (uint8_t) i;
	for (i = 0; i < 256; i++) {
		j = (j + s[i] + key[i % klen]) & 0xff;
		t = s[i], s[i] = s[j], s[j] = t;
	}
	for (k = 0, i = 0, j = 0; k < len; k++) {
		i = (i + 1) & 0xff;
		j = (j + s[i]) & 0xff;
		t = s[i], s[i] = s[j], s[j] = t;
		out[k] = in[k] ^ s[(s[i] + s[j]) & 0xff];
	}
}

static void md4(uint8_t const *in, size_t len, uint8_t out[16])
{
	static EVP_MD	*md;
	unsigned int	n = 0;

	if (!md) md = EVP_MD_fetch(NULL, "MD4", NULL);
	require(md && EVP_Digest(in, len, out, &n, md, NULL) == 1 && n == 16);
}

/* RFC 2759 8.6 DesEncrypt: the 56 key bits spread over 8 octets (parity bits left 0) */
static void des(uint8_t const clear[8], uint8_t const key7[7], uint8_t out[8])
{
	static EVP_CIPHER	*c;
	EVP_CIPHER_CTX		*ctx = EVP_CIPHER_CTX_new();
	uint8_t			k[8];
	int			n = 0, m = 0, i;

	for (i = 0; i < 8; i++) {
		unsigned int bits = (i == 0 ? 0 : (unsigned int) key7[i - 1] << 8) | (i < 7 ? key7[i] : 0);

		k[i] = (uint8_t) (((bits >> (i + 1)) & 0x7f) << 1);
	}
	if (!c) c = EVP_CIPHER_fetch(NULL, "DES-ECB", NULL);
	require(c && ctx && EVP_EncryptInit_ex(ctx, c, NULL, k, NULL) == 1 && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
		EVP_EncryptUpdate(ctx, out, &n, clear, 8) == 1 && EVP_EncryptFinal_ex(ctx, out + n, &m) == 1 && n + m == 8);
	EVP_CIPHER_CTX_free(ctx);
}

/* RFC 2759 8.12 from the hashes: 8.13 NtPasswordHashEncryptedWithBlock(old hash, new hash) */
static void encrypted_hash(uint8_t const old_hash[16], uint8_t const new_hash[16], uint8_t out[16])
{
	des(old_hash, new_hash, out);
	des(old_hash + 8, new_hash + 7, out + 8);
}

/* ---- decryption and the whole check ---- */

static void check_decrypt(uint8_t const old_hash[16], uint8_t const block[516])
{
	uint8_t		clear[516], password[512], new_hash[16], eh[16], ref_new[16], zero[16] = { 0 };
	size_t		plen = 99, new_len = 99;
	uint32_t	field;
	int		rc;

	rc4(old_hash, 16, block, clear, 516);
	field = (uint32_t) clear[512] | (uint32_t) clear[513] << 8 | (uint32_t) clear[514] << 16 | (uint32_t) clear[515] << 24;
	rc = decrypt_pw_block_with_password_hash(block, old_hash, password, &plen);
	if (field > 512 || field % 2) {
		require(rc == 1 && plen == 0);
		memset(eh, 0x11, sizeof(eh));
		require(mschapv2_check_password_change(old_hash, block, eh, new_hash, &new_len) == 0 && new_len == 0 &&
			memcmp(new_hash, zero, 16) == 0);
		return;
	}
	require(rc == 0 && plen == field && memcmp(password, clear + 512 - field, field) == 0);

	md4(clear + 512 - field, field, ref_new);
	encrypted_hash(old_hash, ref_new, eh);
	require(mschapv2_check_password_change(old_hash, block, eh, new_hash, &new_len) == 1 && new_len == field &&
		memcmp(new_hash, ref_new, 16) == 0);
	eh[old_hash[0] % 16] ^= (uint8_t) (1u << (old_hash[1] % 8));
	new_len = 99;
	require(mschapv2_check_password_change(old_hash, block, eh, new_hash, &new_len) == 0 && new_len == 0 &&
		memcmp(new_hash, zero, 16) == 0);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	uint8_t		flags, old_hash[16], block[516], clear[516];
	uint8_t const	*rest;
	size_t		rest_len, n;

	if (size < 17) return 0;
	flags = data[0];
	memcpy(old_hash, data + 1, 16);
	rest = data + 17;
	rest_len = size - 17;

	/* the rest as a block as received */
	memset(block, 0, sizeof(block));
	memcpy(block, rest, rest_len < 516 ? rest_len : 516);
	check_decrypt(old_hash, block);

	/* a block made here (RFC 2759 8.10): random fill, the password at the end of the 512-octet
	 * field, its length after it (an even count of the input, or with flag 1 any count) */
	n = rest_len < 512 ? rest_len : 512;
	if (!(flags & 1)) n &= ~(size_t) 1;
	memset(clear, 0, sizeof(clear));
	for (size_t i = 0; i < 512 - n; i++) clear[i] = (uint8_t) (flags * 31 + i * 7);
	memcpy(clear + 512 - n, rest, n);
	clear[512] = (uint8_t) n;
	clear[513] = (uint8_t) (n >> 8);
	rc4(old_hash, 16, clear, block, 516);
	check_decrypt(old_hash, block);
	{
		uint8_t	password[512];
		size_t	plen = 0;
		int	rc = decrypt_pw_block_with_password_hash(block, old_hash, password, &plen);

		if (n % 2) require(rc == 1);
		else require(rc == 0 && plen == n && memcmp(password, rest, n) == 0);
	}
	return 0;
}
