/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_eap_keys.c - eap_mobility_keys.c: HMAC-SHA-256 against RFC 4231, and the MIP4-RK,
 * FA-RK, MN-HA and MN-FA keys against a vector computed by separate code
 * (tests/lib/eap_mip_ref.py --selftest, Python's hmac and hashlib).
 */
#include "unit.h"
#include "crypto.h"
#include "eap_mobility_keys.h"

/* RFC 4231 section 4, test cases 1-4, 6, 7 (key, data, HMAC-SHA-256) */
static struct {
	char const	*key, *data, *mac;
} const rfc4231[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ NULL, "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579"
		"204669727374",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ NULL, "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b"
		"657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e"
		"6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d4143"
		"20616c676f726974686d2e",
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

static void test_hmac_sha256(void)
{
	uint8_t		key[131], data[256], mac[CRYPTO_SHA256_LEN];
	size_t		i, klen, dlen;
	char		name[64];

	for (i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		if (rfc4231[i].key) {
			klen = unhex(rfc4231[i].key, key, sizeof(key));
		} else {
			memset(key, 0xaa, sizeof(key));		/* cases 6 and 7: 131 octets of 0xaa */
			klen = sizeof(key);
		}
		dlen = unhex(rfc4231[i].data, data, sizeof(data));
		/* Split in two pieces: the pieces must hash as one concatenated message. */
		{
			crypto_piece_t pieces[] = { { data, dlen / 3 }, { data + dlen / 3, dlen - dlen / 3 } };

			int rc = crypto_hmac_sha256(key, klen, pieces, 2, mac);

			snprintf(name, sizeof(name), "HMAC-SHA-256 RFC 4231 case %zu: returns 0", i < 4 ? i + 1 : i + 2);
			check_int(name, 0, rc);
			snprintf(name, sizeof(name), "HMAC-SHA-256 RFC 4231 case %zu: MAC", i < 4 ? i + 1 : i + 2);
			check_hex(name, rfc4231[i].mac, mac, sizeof(mac));
		}
	}
}

/* Inputs of the vector: tests/lib/eap_mip_ref.py (VEC_*). */
static uint8_t const ha[4] = { 192, 0, 2, 1 };
static uint8_t const fa[4] = { 198, 51, 100, 7 };
static uint8_t const nai[] = "alice@mipkey.test";

static void test_vector(void)
{
	uint8_t		root[64], nonce[16], rk[EAP_MOBILITY_KEYS_RK_LEN], fa_rk[EAP_MOBILITY_KEYS_FA_RK_LEN], key[EAP_MOBILITY_KEYS_KEY_LEN];
	size_t		i;

	for (i = 0; i < sizeof(root); i++) root[i] = (uint8_t) i;
	for (i = 0; i < sizeof(nonce); i++) nonce[i] = (uint8_t) i;

	check_int("MIP4-RK: returns 0", 0, eap_mobility_keys_rk(root, sizeof(root), rk));
	check_hex("MIP4-RK = RFC 5295 KDF(root, \"mip4rk@rlm-mipkey\", 64)",
		  "89b40d71af7d1618563d7c7913e388352355f948e4a8bd450e2b44599a0a78a2"
		  "d66b355f24b74c5c72ca1eb968e3a210cfbd4d77b63b2b942ece7076d914180a", rk, sizeof(rk));
	check_int("FA-RK: returns 0", 0, eap_mobility_keys_fa_rk(rk, fa_rk));
	check_hex("FA-RK", "ebc227503aa0d19efd2f7676433de7075177ea297b670ed8ccf694fdca22c0e2", fa_rk, sizeof(fa_rk));
	check_int("MN-HA: returns 0", 0, eap_mobility_keys_mn_ha_key(rk, ha, 0x100, nonce, sizeof(nonce), nai, sizeof(nai) - 1, key));
	check_hex("MN-HA key", "64aa984fdd9282e4fc3f496b4a94d781f56113dd", key, sizeof(key));
	check_int("MN-FA: returns 0", 0, eap_mobility_keys_mn_fa_key(fa_rk, fa, 0x101, nonce, sizeof(nonce), nai, sizeof(nai) - 1, key));
	check_hex("MN-FA key", "3a1d36cf5417040a6707b9f66f33068d2624fbc2", key, sizeof(key));

	/* Every input changes the key: the NAI's bytes (not where they are), the SPI, the agent. */
	{
		uint8_t		other[EAP_MOBILITY_KEYS_KEY_LEN], copy[sizeof(nai)];

		memcpy(copy, nai, sizeof(nai));
		eap_mobility_keys_mn_ha_key(rk, ha, 0x100, nonce, sizeof(nonce), copy, sizeof(copy) - 1, other);
		eap_mobility_keys_mn_ha_key(rk, ha, 0x100, nonce, sizeof(nonce), nai, sizeof(nai) - 1, key);
		check_true("MN-HA: the same NAI bytes at another address give the same key",
			   memcmp(key, other, sizeof(key)) == 0);
		copy[0] = 'b';
		eap_mobility_keys_mn_ha_key(rk, ha, 0x100, nonce, sizeof(nonce), copy, sizeof(copy) - 1, other);
		check_true("MN-HA: another NAI gives another key", memcmp(key, other, sizeof(key)) != 0);
		eap_mobility_keys_mn_ha_key(rk, ha, 0x101, nonce, sizeof(nonce), nai, sizeof(nai) - 1, other);
		check_true("MN-HA: another SPI gives another key", memcmp(key, other, sizeof(key)) != 0);
		eap_mobility_keys_mn_ha_key(rk, fa, 0x100, nonce, sizeof(nonce), nai, sizeof(nai) - 1, other);
		check_true("MN-HA: another home agent gives another key", memcmp(key, other, sizeof(key)) != 0);
	}
}

static void test_bad_input(void)
{
	uint8_t		root[EAP_MOBILITY_KEYS_ROOT_MAX_LEN + 1], nonce[EAP_MOBILITY_KEYS_NONCE_MAX_LEN + 1], rk[EAP_MOBILITY_KEYS_RK_LEN];
	uint8_t		key[EAP_MOBILITY_KEYS_KEY_LEN], zero[EAP_MOBILITY_KEYS_KEY_LEN] = { 0 };

	memset(root, 0x5a, sizeof(root));
	memset(nonce, 0x11, sizeof(nonce));
	check_int("MIP4-RK: a 63-octet root is refused", -1, eap_mobility_keys_rk(root, 63, rk));
	check_int("MIP4-RK: a 257-octet root is refused", -1, eap_mobility_keys_rk(root, sizeof(root), rk));
	check_int("MIP4-RK: no root is refused", -1, eap_mobility_keys_rk(NULL, 64, rk));
	check_int("MIP4-RK: a 256-octet root is accepted", 0, eap_mobility_keys_rk(root, 256, rk));
	memset(key, 0xff, sizeof(key));
	check_int("MN-HA: a 15-octet nonce is refused", -1, eap_mobility_keys_mn_ha_key(rk, root, 1, nonce, 15, nai, 5, key));
	check_bytes("MN-HA: refused key is wiped", zero, sizeof(zero), key, sizeof(key));
	check_int("MN-HA: a 65-octet nonce is refused", -1,
		  eap_mobility_keys_mn_ha_key(rk, root, 1, nonce, sizeof(nonce), nai, 5, key));
	check_int("MN-HA: an empty NAI is refused", -1, eap_mobility_keys_mn_ha_key(rk, root, 1, nonce, 16, nai, 0, key));
	check_int("MN-HA: a 254-octet NAI is refused", -1, eap_mobility_keys_mn_ha_key(rk, root, 1, nonce, 16, root, 254, key));
	check_int("MN-FA: no address is refused", -1, eap_mobility_keys_mn_fa_key(rk, NULL, 1, nonce, 16, nai, 5, key));
	check_int("KDF: 255*32+1 octets are refused", -1, eap_mobility_keys_kdf(root, 64, "x", rk, 255 * 32 + 1));
	check_int("HMAC-SHA-256: an empty key is refused", -1, crypto_hmac_sha256(root, 0, NULL, 0, rk));
}

int main(void)
{
	test_hmac_sha256();
	test_vector();
	test_bad_input();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
