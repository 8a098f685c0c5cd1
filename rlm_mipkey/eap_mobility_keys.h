/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * eap_mobility_keys.h - Mobile IPv4 keys from the key material of an EAP authentication
 * (seed 004: the session keys of the subscriber's authentication become the root of the
 * mobility keys), in the manner of the WiMAX MIP-RK hierarchy. Pure: OpenSSL only.
 *
 *   root     = the EMSK (default) or the MSK of the EAP method, at least 64 octets
 *   MIP4-RK  = RFC 5295 KDF(root, "mip4rk@rlm-mipkey", 64 octets), PRF HMAC-SHA-256:
 *              S = label | 0x00 | 0x00 0x40;  T1 = HMAC(root, S | 0x01),
 *              T2 = HMAC(root, T1 | S | 0x02);  MIP4-RK = T1 | T2
 *   MN-HA    = HMAC-SHA-256(MIP4-RK, "MN-HA" | 0x00 | HA address (4) | MN-HA SPI (4, big
 *              endian) | nonce | NAI), first 20 octets
 *   FA-RK    = HMAC-SHA-256(MIP4-RK, "FA-RK" | 0x00)  (32 octets)
 *   MN-FA    = HMAC-SHA-256(FA-RK, "MN-FA" | 0x00 | FA address (4) | MN-FA SPI (4, big
 *              endian) | nonce | NAI), first 20 octets
 *
 * Every field before the NAI has a fixed length, so the concatenations are unambiguous.
 * The nonce is the one of the RFC 3957 KeyGen Reply the mobile node receives, so a new
 * registration within the same EAP session still gets a fresh key. docs/PROTOCOL.md has
 * the whole derivation and a test vector.
 */
#ifndef MIPKEY_EAP_MOBILITY_KEYS_H
#define MIPKEY_EAP_MOBILITY_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EAP_MOBILITY_KEYS_ROOT_MIN_LEN	64	/* RFC 3748 7.10: MSK and EMSK are at least 64 octets */
#define EAP_MOBILITY_KEYS_ROOT_MAX_LEN	256	/* nothing exports more; a sanity bound */
#define EAP_MOBILITY_KEYS_RK_LEN		64
#define EAP_MOBILITY_KEYS_FA_RK_LEN	32
#define EAP_MOBILITY_KEYS_KEY_LEN		20	/* as RFC 3957 keys: the MN-HA / MN-FA authenticators' key */
#define EAP_MOBILITY_KEYS_NONCE_MIN_LEN	16	/* RFC 3957 4: at least 128 random bits */
#define EAP_MOBILITY_KEYS_NONCE_MAX_LEN	64
#define EAP_MOBILITY_KEYS_NAI_MAX_LEN	253	/* what one RADIUS attribute can carry */
#define EAP_MOBILITY_KEYS_MPPE_HALF_LEN	32	/* RFC 2548 / RFC 5216: MSK = Recv-Key (32) | Send-Key (32) */

/* The RFC 5295 key label of the MIP4-RK (a private label of this project). */
#define EAP_MOBILITY_KEYS_RK_LABEL	"mip4rk@rlm-mipkey"

typedef enum {
	EAP_MOBILITY_KEYS_ROOT_OK = 0,
	EAP_MOBILITY_KEYS_ROOT_LENGTH,		//!< the EMSK / MSK is not 64 to 256 octets
	EAP_MOBILITY_KEYS_ROOT_NO_EMSK,		//!< no EMSK exported
	EAP_MOBILITY_KEYS_ROOT_NO_MSK		//!< no MSK: neither EAP-MSK nor two 32-octet MPPE keys
} eap_mobility_keys_root_rc_t;

/*
 * The root key from what the EAP module left in the reply. IN key: EAP-EMSK (emsk) or EAP-MSK,
 * NULL when absent; recv, send: MS-MPPE-Recv-Key and MS-MPPE-Send-Key, NULL when absent, read
 * only for the MSK without EAP-MSK (EAP-SIM: MSK = Recv-Key | Send-Key, 32 octets each;
 * 16-octet ones are MS-CHAPv2's). OUT root[EAP_MOBILITY_KEYS_ROOT_MAX_LEN], root_len; on a
 * refusal nothing is written.
 */
eap_mobility_keys_root_rc_t eap_mobility_keys_root(uint8_t const *key, size_t key_len, bool emsk,
						   uint8_t const *recv, size_t recv_len, uint8_t const *send,
						   size_t send_len, uint8_t *root, size_t *root_len);

/*
 * RFC 5295 3.1.2 KDF with the default PRF+ (HMAC-SHA-256): S = label | 0x00 | optional
 * data (none) | length (2 octets, big endian); T1 = prf(K, S | 0x01), Tn = prf(K, T(n-1) |
 * S | n). IN key (root_len >= 1), label (NUL-terminated), out_len 1..255*32. OUT out.
 * Returns 0, or -1 (out wiped).
 */
int eap_mobility_keys_kdf(uint8_t const *key, size_t key_len, char const *label, uint8_t *out, size_t out_len);

/*
 * MIP4-RK = KDF(root, EAP_MOBILITY_KEYS_RK_LABEL, 64). IN root: the EMSK or MSK, 64 to 256 octets.
 * OUT rk[64]. Returns 0, or -1 (bad length, OpenSSL error; rk wiped).
 */
int eap_mobility_keys_rk(uint8_t const *root, size_t root_len, uint8_t rk[EAP_MOBILITY_KEYS_RK_LEN]);

/*
 * MN-HA key. IN rk (MIP4-RK), ha (home agent IPv4 address, network order), spi (MN-HA SPI),
 * nonce (16 to 64 octets), nai (1 to 253 octets). OUT key[20]. Returns 0, or -1 (wiped).
 */
int eap_mobility_keys_mn_ha_key(uint8_t const rk[EAP_MOBILITY_KEYS_RK_LEN], uint8_t const ha[4], uint32_t spi,
				uint8_t const *nonce, size_t nonce_len, uint8_t const *nai, size_t nai_len,
				uint8_t key[EAP_MOBILITY_KEYS_KEY_LEN]);

/* FA-RK. IN rk (MIP4-RK). OUT fa_rk[32]. Returns 0, or -1 (wiped). */
int eap_mobility_keys_fa_rk(uint8_t const rk[EAP_MOBILITY_KEYS_RK_LEN], uint8_t fa_rk[EAP_MOBILITY_KEYS_FA_RK_LEN]);

/*
 * MN-FA key. IN fa_rk, fa (foreign agent IPv4 address, network order), spi (MN-FA SPI),
 * nonce (16 to 64 octets), nai (1 to 253 octets). OUT key[20]. Returns 0, or -1 (wiped).
 */
int eap_mobility_keys_mn_fa_key(uint8_t const fa_rk[EAP_MOBILITY_KEYS_FA_RK_LEN], uint8_t const fa[4], uint32_t spi,
				uint8_t const *nonce, size_t nonce_len, uint8_t const *nai, size_t nai_len,
				uint8_t key[EAP_MOBILITY_KEYS_KEY_LEN]);

#endif
