/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mip_skey.h - home agent / mobile node session keys Skey and Skey'
 *		(WO 2004/049672, seed 000; docs/PROTOCOL.md section 1).
 *
 * Pure: depends only on libc and OpenSSL 3 libcrypto (MD5 from the
 * default provider).
 */
#ifndef MIP_SKEY_H
#define MIP_SKEY_H

#include <stddef.h>
#include <stdint.h>

#define MIP_SKEY_LEN		16	/* MD5 */
#define MIP_SKEY_K2_LEN		16	/* k'' = RFC 3079 MasterKey */
#define MIP_SKEY_NT_RESPONSE_LEN 24	/* RFC 2759 NT-Response */
#define MIP_SKEY_TIMESTAMP_LEN	8	/* RFC 3344 3.3 Identification */

/*
 * Seed 000 (WO 2004/049672) formula (1), Skey = hash(key material k'' +
 * random number), made concrete as in the seed's FIG. 8 text ("an MD5
 * hashing function on the key material k'', the CHAP challenge and
 * response") and docs/PROTOCOL.md section 1:
 *
 *	Skey = MD5(k'' || challenge || NT-Response)
 *
 * IN: k2 (16), challenge (challenge_len >= 1, normally the 16-byte
 * MS-CHAPv2 authenticator challenge from the RRQ), nt_response (24).
 * OUT: skey (16; cleansed on failure).  Returns 0 or -1.
 */
int mip_skey(uint8_t const k2[MIP_SKEY_K2_LEN],
	     uint8_t const *challenge, size_t challenge_len,
	     uint8_t const nt_response[MIP_SKEY_NT_RESPONSE_LEN],
	     uint8_t skey[MIP_SKEY_LEN]);

/*
 * Seed 000 formula (2), Skey' = hash(Skey + random number), with the
 * seed's "timestamp obtained from the registration request" (docs/PROTOCOL.md
 * section 1):
 *
 *	Skey' = MD5(Skey || Identification)
 *
 * timestamp is the 8 wire bytes (network order) of the Registration
 * Request's Identification field (mip_rrq_t.identification_raw).
 * OUT: out (16; cleansed on failure).  Returns 0 or -1.
 */
int mip_skey_rekey(uint8_t const skey[MIP_SKEY_LEN],
		   uint8_t const timestamp[MIP_SKEY_TIMESTAMP_LEN],
		   uint8_t out[MIP_SKEY_LEN]);

#endif /* MIP_SKEY_H */
