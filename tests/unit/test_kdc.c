/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_kdc.c - the key distribution centre core (kdc.c): AES key wrap against RFC 3394
 * section 4 and RFC 5649 section 6, HMAC-SHA256 against RFC 4231, the PRF, the Encrypted NAI
 * and MN Key Reply extensions against tests/lib/kdc_ref.py (a separate implementation).
 */
#include "unit.h"
#include "crypto.h"
#include "kdc.h"

static void check_wrap(char const *name, char const *kek_hex, bool pad, char const *key_hex, char const *wrapped_hex)
{
	uint8_t	kek[32], key[64], wrapped[80], out[80];
	size_t	kek_len = unhex(kek_hex, kek, sizeof(kek)), key_len = unhex(key_hex, key, sizeof(key));
	size_t	w_len = unhex(wrapped_hex, wrapped, sizeof(wrapped));
	ssize_t	n;
	char	label[160];

	n = kdc_wrap(kek, kek_len, pad, key, key_len, out, sizeof(out));
	snprintf(label, sizeof(label), "%s: wrap", name);
	check_bytes(label, wrapped, w_len, n < 0 ? NULL : out, n < 0 ? 0 : (size_t) n);

	n = kdc_unwrap(kek, kek_len, pad, wrapped, w_len, out, sizeof(out));
	snprintf(label, sizeof(label), "%s: unwrap", name);
	check_bytes(label, key, key_len, n < 0 ? NULL : out, n < 0 ? 0 : (size_t) n);

	wrapped[w_len / 2] ^= 0x01;
	n = kdc_unwrap(kek, kek_len, pad, wrapped, w_len, out, sizeof(out));
	snprintf(label, sizeof(label), "%s: one bit flipped does not unwrap", name);
	check_int(label, -1, n);
}

static void test_wrap(void)
{
	/* RFC 3394 section 4.1 - 4.6 */
	check_wrap("RFC 3394 4.1 128-bit key, 128-bit KEK", "000102030405060708090A0B0C0D0E0F", false,
		   "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
	check_wrap("RFC 3394 4.2 128-bit key, 192-bit KEK", "000102030405060708090A0B0C0D0E0F1011121314151617", false,
		   "00112233445566778899AABBCCDDEEFF", "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D");
	check_wrap("RFC 3394 4.3 128-bit key, 256-bit KEK",
		   "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", false,
		   "00112233445566778899AABBCCDDEEFF", "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7");
	check_wrap("RFC 3394 4.4 192-bit key, 192-bit KEK", "000102030405060708090A0B0C0D0E0F1011121314151617", false,
		   "00112233445566778899AABBCCDDEEFF0001020304050607",
		   "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2");
	check_wrap("RFC 3394 4.5 192-bit key, 256-bit KEK",
		   "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", false,
		   "00112233445566778899AABBCCDDEEFF0001020304050607",
		   "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1");
	check_wrap("RFC 3394 4.6 256-bit key, 256-bit KEK",
		   "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", false,
		   "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
		   "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");
	/* RFC 5649 section 6 */
	check_wrap("RFC 5649 6 20-octet key", "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", true,
		   "c37b7e6492584340bed12207808941155068f738",
		   "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
	check_wrap("RFC 5649 6 7-octet key", "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", true,
		   "466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f");

	{
		uint8_t kek[16] = { 0 }, in[24] = { 0 }, out[64];

		check_int("RFC 3394 refuses 12 octets", -1, kdc_wrap(kek, 16, false, in, 12, out, sizeof(out)));
		check_int("wrap refuses a 20-octet KEK", -1, kdc_wrap(kek, 20, true, in, 16, out, sizeof(out)));
		check_int("wrap refuses a short output buffer", -1, kdc_wrap(kek, 16, true, in, 16, out, 16));
		check_int("unwrap refuses 12 octets", -1, kdc_unwrap(kek, 16, true, in, 12, out, sizeof(out)));
		check_int("unwrap of zeros fails", -1, kdc_unwrap(kek, 16, false, in, 24, out, sizeof(out)));
	}
}

/* The one HMAC-SHA256 of the core (crypto.c), over one piece. */
static void hmac_sha256(uint8_t const *key, size_t key_len, uint8_t const *data, size_t len, uint8_t out[32])
{
	crypto_piece_t piece = { data, len };

	if (crypto_hmac_sha256(key, key_len, &piece, 1, out) < 0) memset(out, 0, 32);
}

static void test_hmac_prf(void)
{
	uint8_t	key[131], data[160], out[32], seed[32];
	size_t	i;

	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, (uint8_t const *) "Hi There", 8, out);
	check_hex("RFC 4231 4.2 HMAC-SHA256", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", out, 32);
	hmac_sha256((uint8_t const *) "Jefe", 4, (uint8_t const *) "what do ya want for nothing?", 28, out);
	check_hex("RFC 4231 4.3 HMAC-SHA256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", out, 32);
	memset(key, 0xaa, 131);
	hmac_sha256(key, 131, (uint8_t const *) "Test Using Larger Than Block-Size Key - Hash Key First", 54, out);
	check_hex("RFC 4231 4.7 HMAC-SHA256 (131-octet key)",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", out, 32);
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	hmac_sha256(key, 20, data, 50, out);
	check_hex("RFC 4231 4.4 HMAC-SHA256", "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", out, 32);

	for (i = 0; i < sizeof(seed); i++) seed[i] = (uint8_t) i;
	memset(out, 0, sizeof(out));
	kdc_prf(seed, 32, (uint8_t const *) "alice@example.net", 17, NULL, 0, (uint8_t const[]) { 192, 0, 2, 1 }, 4,
		(uint8_t const[]) { 192, 0, 2, 10 }, 4, out, 20);
	check_hex("PRF(K_SEED, alice@example.net | '' | 192.0.2.1 | 192.0.2.10) = kdc_ref.py",
		  "3fc0f17b4df59ec9bcc5c1ce0e78c41ee1ac9c5a", out, 20);
	check_int("PRF refuses 33 octets of output", -1,
		  kdc_prf(seed, 32, NULL, 0, NULL, 0, NULL, 0, NULL, 0, out, 33));
	check_int("PRF refuses a 256-octet NAI", -1,
		  kdc_prf(seed, 32, data, 256, NULL, 0, NULL, 0, NULL, 0, out, 20));
}

static uint8_t const rrq_fixed[KDC_RRQ_FIXED_LEN] = {
	0x01, 0x00, 0x07, 0x08, 192, 0, 2, 10, 192, 0, 2, 1, 198, 51, 100, 9,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};

#define REQ_HEX	"01000708c000020ac0000201c63364090123456789abcdef9639000003e80000010000000101000102030405060708090a0b" \
		"ee53431c75167c765439799849c9e3175112c3a69521277e4fce60e439770169a1"

static void test_request(void)
{
	uint8_t		key0[16], k_enc[16], k_wrap[16], nonce[KDC_NONCE_LEN], buf[300], nai[KDC_NAI_MAX];
	size_t		i, nai_len = 0, len;
	ssize_t		n;
	kdc_request_t	req;
	char const	*err = NULL;

	for (i = 0; i < sizeof(key0); i++) key0[i] = (uint8_t) i;
	for (i = 0; i < sizeof(nonce); i++) nonce[i] = (uint8_t) i;
	check_int("KEY0 subkeys", 0, kdc_key0_subkeys(key0, 16, k_enc, k_wrap));
	check_hex("k_enc = kdc_ref.py", "9af17ec6107e31ce2da33f28b422b1a8", k_enc, 16);
	check_hex("k_wrap = kdc_ref.py", "bc55b6ce72d826e06d132dd271b20a51", k_wrap, 16);
	check_int("KEY0 of 20 octets refused", -1, kdc_key0_subkeys(key0, 20, k_enc, k_wrap));

	n = kdc_request_build(k_enc, 16, rrq_fixed, 1000, 256, 257, nonce, (uint8_t const *) "alice@example.net", 17,
			      buf, sizeof(buf));
	check_hex("KDC request (RRQ fixed part + Encrypted NAI, AES-128-GCM) = kdc_ref.py", REQ_HEX,
		  buf, n < 0 ? 0 : (size_t) n);
	len = (size_t) n;

	check_int("parse", 0, kdc_request_parse(buf, len, &req, &err));
	check_int("parse: KEY0 SPI", 1000, req.key0_spi);
	check_int("parse: MN-HA SPI", 256, req.mn_ha_spi);
	check_int("parse: MN-FA SPI", 257, req.mn_fa_spi);
	check_int("parse: lifetime", 1800, req.lifetime);
	check_int("parse: care-of", 9, req.care_of[3]);
	check_int("parse: identification", (long long) 0x0123456789abcdefULL, (long long) req.identification);
	check_int("open: tag verifies", 1, kdc_request_open(k_enc, 16, &req, nai, sizeof(nai), &nai_len));
	check_bytes("open: the NAI", (uint8_t const *) "alice@example.net", 17, nai, nai_len);
	check_int("open with k_wrap instead of k_enc fails", 0, kdc_request_open(k_wrap, 16, &req, nai, sizeof(nai), &nai_len));
	check_int("open: nothing returned on failure", 0, (long long) nai_len);

	/* Every octet is covered: ciphertext, tag, nonce, each SPI, the RRQ header (AAD). */
	{
		static size_t const at[] = { 0 + 12, 24 + 2, 24 + 6, 24 + 10, 24 + 14, 24 + 26, 24 + 26 + 17 };
		static char const *const what[] = { "care-of address (AAD)", "KEY0 SPI", "MN-HA SPI", "MN-FA SPI",
						    "nonce", "ciphertext", "tag" };
		char label[96];

		for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			buf[at[i]] ^= 0x80;
			kdc_request_parse(buf, len, &req, &err);
			snprintf(label, sizeof(label), "tampered %s: does not open", what[i]);
			check_int(label, 0, kdc_request_open(k_enc, 16, &req, nai, sizeof(nai), &nai_len));
			buf[at[i]] ^= 0x80;
		}
	}

	{
		/* 24 + 257 octets: consistent lengths, but an NAI of 215 octets does not fit the limit. */
		uint8_t big[KDC_RRQ_FIXED_LEN + 257];

		memset(big, 0x41, sizeof(big));
		memcpy(big, buf, KDC_RRQ_FIXED_LEN + 2);
		big[25] = 255;
		check_int("parse: longer than 247 octets refused", -1, kdc_request_parse(big, sizeof(big), &req, &err));
	}
	check_int("parse: too short", -1, kdc_request_parse(buf, 25, &req, &err));
	check_int("parse: length one short", -1, kdc_request_parse(buf, len - 1, &req, &err));
	buf[0] = 3;
	check_int("parse: not a Registration Request", -1, kdc_request_parse(buf, len, &req, &err));
	buf[0] = 1;
	buf[24] = 131;
	check_int("parse: not extension 150", -1, kdc_request_parse(buf, len, &req, &err));
	buf[24] = 150;
	buf[25] = 40;
	check_int("parse: no room for an NAI", -1, kdc_request_parse(buf, 24 + 42, &req, &err));
	check_int("build: NAI too long", -1, kdc_request_build(k_enc, 16, rrq_fixed, 1, 2, 3, nonce, nai,
							       KDC_NAI_MAX + 1, buf, sizeof(buf)));
	check_int("build: empty NAI", -1, kdc_request_build(k_enc, 16, rrq_fixed, 1, 2, 3, nonce, nai, 0, buf, sizeof(buf)));
}

#define MN_KEYS_HEX "97420100000003e8000007080000010000000101151e999806911c1ae7973b26fbda8a77f0e289e5736bb2824becdd" \
		    "b9569f5cf85aa9f357543d0e2bd294c9a1a80e7753"

static void test_mn_keys(void)
{
	uint8_t		k_wrap[16], keys[40], buf[KDC_MN_KEYS_MAX];
	kdc_mn_keys_t	mk;
	char const	*err = NULL;
	ssize_t		n;
	size_t		i;

	unhex("bc55b6ce72d826e06d132dd271b20a51", k_wrap, sizeof(k_wrap));
	for (i = 0; i < sizeof(keys); i++) keys[i] = (uint8_t) i;
	n = kdc_mn_keys_build(k_wrap, 16, KDC_MODE_STATEFUL, 1000, 1800, 256, 257, keys, 40, buf, sizeof(buf));
	check_hex("MN Key Reply (stateful, RFC 5649 wrap of KEY1 || KEY3) = kdc_ref.py", MN_KEYS_HEX,
		  buf, n < 0 ? 0 : (size_t) n);
	check_int("MN Key Reply opens", 1, kdc_mn_keys_open(k_wrap, 16, buf, (size_t) n, &mk, &err));
	check_bytes("MN Key Reply: KEY1 || KEY3", keys, 40, mk.keys, mk.keys_len);
	check_int("MN Key Reply: lifetime", 1800, mk.lifetime);
	check_int("MN Key Reply: MN-FA SPI", 257, mk.mn_fa_spi);
	buf[30] ^= 1;
	check_int("MN Key Reply tampered: does not unwrap", 0, kdc_mn_keys_open(k_wrap, 16, buf, (size_t) n, &mk, &err));
	buf[30] ^= 1;
	k_wrap[0] ^= 1;
	check_int("MN Key Reply under another KEY0: does not unwrap", 0,
		  kdc_mn_keys_open(k_wrap, 16, buf, (size_t) n, &mk, &err));
	buf[2] = KDC_MODE_SEMI_STATEFUL;
	k_wrap[0] ^= 1;
	check_int("MN Key Reply: 40 octets where K_SEED (32) belongs: refused", 0,
		  kdc_mn_keys_open(k_wrap, 16, buf, (size_t) n, &mk, &err));
	buf[2] = 9;
	check_int("MN Key Reply: unknown mode malformed", -1, kdc_mn_keys_open(k_wrap, 16, buf, (size_t) n, &mk, &err));
	check_int("MN Key Reply: length mismatch malformed", -1,
		  kdc_mn_keys_open(k_wrap, 16, buf, (size_t) n - 1, &mk, &err));
	check_int("build: stateful needs 40 octets", -1,
		  kdc_mn_keys_build(k_wrap, 16, KDC_MODE_STATEFUL, 1, 2, 3, 4, keys, 32, buf, sizeof(buf)));
	n = kdc_mn_keys_build(k_wrap, 16, KDC_MODE_SEMI_STATEFUL, 1, 2, 3, 4, keys, 32, buf, sizeof(buf));
	check_int("semi-stateful MN Key Reply: 20 + 40 octets", 60, n);
	check_int("semi-stateful opens", 1, kdc_mn_keys_open(k_wrap, 16, buf, (size_t) n, &mk, &err));
	check_bytes("semi-stateful: K_SEED", keys, 32, mk.keys, mk.keys_len);
}

int main(void)
{
	test_wrap();
	test_hmac_prf();
	test_request();
	test_mn_keys();

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
