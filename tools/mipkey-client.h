/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mipkey-client.h - what the three parts of mipkey-client share.
 *
 *   mipkey-client.c	options, the comparison of both sides, table and JSON output
 *   mipkey-mn.c	the mobile node: Registration Request, MS-CHAPv2 response, and the
 *			keys derived from the password (or NT hash) alone. Core + OpenSSL only.
 *   mipkey-ha.c	the home agent: reads the Registration Request, asks the AAA server
 *			with FreeRADIUS's client library (libfreeradius-radius), decrypts the
 *			keys, and builds the Registration Reply for the mobile node.
 *
 * This header has no FreeRADIUS type in it, so the mobile node part never sees the
 * RADIUS library.
 */
#ifndef MIPKEY_CLIENT_H
#define MIPKEY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mschapv2.h"
#include "rfc3957.h"
#include "mip_skey.h"

/* Exit statuses (documented in --help and the man page). */
#define MC_EXIT_AGREE		0	/* Access-Accept and MN and HA agree on every key */
#define MC_EXIT_USAGE		1	/* bad options or a local error (dictionary, crypto) */
#define MC_EXIT_REJECT		2	/* Access-Reject */
#define MC_EXIT_NO_REPLY	3	/* no reply from any server */
#define MC_EXIT_DISAGREE	4	/* keys differ, or a requested key is missing */
#define MC_EXIT_BAD_REPLY	5	/* only replies that failed verification (wrong secret?) */

#define MC_MAX_SERVERS		8
#define MC_NAI_MAX		155	/* so that the whole RRQ fits in one 247-octet VSA */
#define MC_RRQ_MAX		247
#define MC_RRP_MAX		256
#define MC_RRP_HDR_LEN		20	/* RFC 3344 3.4 */
#define MC_MN_ID_MAX		256

typedef struct {
	char const	*servers[MC_MAX_SERVERS];
	int		n_servers;
	char		*secret;		/* malloc'd, wiped at exit */
	char const	*nai;			/* NULL: identified by home address */
	char		*password;		/* malloc'd, wiped at exit; NULL with --nt-hash */
	bool		have_nt_hash;
	uint8_t		nt_hash[MSCHAPV2_HASH_LEN];
	uint8_t		home_address[4];
	uint8_t		home_agent[4];
	uint8_t		care_of[4];
	bool		care_of_set;
	bool		mn_ha;
	uint32_t	mn_ha_spi;
	bool		mn_fa;
	uint32_t	mn_fa_spi;
	uint32_t	aaa_spi;
	bool		have_aaa_key;		/* --aaa-key: RFC 3957 AAA key instead of k'' */
	uint8_t		aaa_key[64];
	size_t		aaa_key_len;
	uint32_t	lifetime;
	bool		attributes;		/* --attributes: Mipkey-* attributes, not the RRQ */
	char const	*source;		/* --source: address to send from */
	char const	*dict_dir;
	char const	*project_dict;
	double		timeout;
	int		retries;
	bool		json;
	bool		rekey;
	bool		rekey_now;		/* --rekey now: taken after the registration */
	uint8_t		rekey_ts[MIP_SKEY_TIMESTAMP_LEN];
	int		verbose;
	bool		kdc;			/* --kdc-spi: key distribution centre mode (mipkey-kdc.c) */
	uint32_t	kdc_spi;
	uint8_t		key0[32];		/* --key0-file */
	size_t		key0_len;
	char const	*eap_conf;		/* --eap: keys from EAP authentication (mipkey-eap.c) */
	char const	*eapol_test;		/* --eapol-test: the program (default eapol_test) */
	bool		eap_root_msk;		/* --eap-root msk (default emsk) */
	bool		fa_ha;			/* --fa-ha-spi given */
	uint32_t	fa_ha_spi;
} mc_options_t;

/* --- the mobile node ---------------------------------------------------------------------- */

typedef struct {
	char		user_name[MC_NAI_MAX + 1];	/* NAI, or the dotted home address */
	char const	*hash_user;			/* into user_name: ChallengeHash name */
	size_t		hash_user_len;
	uint8_t		mn_id[MC_MN_ID_MAX];		/* RFC 3957 5 step 1 identifier */
	size_t		mn_id_len;
	uint8_t		k[MSCHAPV2_HASH_LEN];		/* NtPasswordHash */
	uint8_t		challenge[MSCHAPV2_CHALLENGE_LEN];
	uint8_t		peer_challenge[MSCHAPV2_CHALLENGE_LEN];
	uint8_t		nt_response[MSCHAPV2_NT_RESPONSE_LEN];
	uint8_t		identification[8];		/* RFC 3344 timestamp, network order */
	uint8_t		rrq[MC_RRQ_MAX];
	size_t		rrq_len;
} mc_mn_t;

/* What the mobile node derives after it got the Registration Reply. */
typedef struct {
	uint8_t		k1[MSCHAPV2_HASH_LEN];		/* k' */
	uint8_t		k2[MSCHAPV2_HASH_LEN];		/* k'' */
	char		auth_response[MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	uint8_t		mppe_send[MSCHAPV2_HASH_LEN];	/* server send key (magic 3) */
	uint8_t		mppe_recv[MSCHAPV2_HASH_LEN];	/* server receive key (magic 2) */
	uint8_t		skey[MIP_SKEY_LEN];
	uint8_t		skey_rekey[MIP_SKEY_LEN];
	bool		mn_ha;				/* MN-HA KeyGen Reply seen */
	uint32_t	mn_ha_spi, mn_ha_lifetime, mn_ha_aaa_spi;
	uint16_t	mn_ha_alg, mn_ha_replay;
	uint8_t		mn_ha_nonce[64];
	size_t		mn_ha_nonce_len;
	uint8_t		mn_ha_key[RFC3957_KEY_LEN];
	bool		mn_fa;				/* MN-FA KeyGen Reply seen */
	uint32_t	mn_fa_spi, mn_fa_lifetime, mn_fa_aaa_spi;
	uint16_t	mn_fa_alg;
	uint8_t		mn_fa_nonce[64];
	size_t		mn_fa_nonce_len;
	uint8_t		mn_fa_key[RFC3957_KEY_LEN];
	char		rrp_error[128];			/* why the reply could not be read */
} mc_mn_keys_t;

/*
 * Builds the Registration Request the seed's way: NAI (131), the MS-CHAPv2 authenticator
 * challenge made up by the MN (132), KeyGen Requests (42 / 40), MN-AAA Authentication (36)
 * whose authenticator is the NT-Response; peer challenge = MD5 of the request with that
 * authenticator zero-filled. Returns 0, or -1 with a message on stderr.
 */
int mc_mn_register(mc_options_t const *opt, mc_mn_t *mn);

/*
 * From the password / NT hash alone, plus the Registration Reply (its KeyGen Reply
 * extensions carry the nonces): k', k'', the expected authenticator response, MPPE
 * keys, Skey (and Skey' with --rekey), the RFC 3957 keys. Returns 0, or -1 (crypto error;
 * a reply the MN cannot read is reported in keys->rrp_error, not as an error).
 */
int mc_mn_derive(mc_options_t const *opt, mc_mn_t const *mn, uint8_t const *rrp, size_t rrp_len,
		 mc_mn_keys_t *keys);

/* --- the home agent --------------------------------------------------------------------------- */

typedef struct {
	bool		present;
	char		attr[48];			/* the attribute it came from */
	uint8_t		key[64];
	size_t		key_len;
	bool		has_spi;
	uint32_t	spi;
	bool		has_lifetime;
	uint32_t	lifetime;
	uint8_t		keygen_reply[96];		/* the extension for the RRP, complete */
	size_t		keygen_reply_len;
} mc_ha_key_t;

typedef struct {
	int		code;				/* RADIUS code; 0 = no reply */
	char		server[128];			/* the server that answered */
	int		bad_replies;			/* replies that failed verification */
	char		reply_message[512];
	char		mschap_error[128];		/* MS-CHAP-Error text after the ident */
	char		error[256];			/* local error (exit 1) */

	bool		has_success;
	uint8_t		success_ident;
	char		auth_response[MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	bool		has_mppe_send, has_mppe_recv;
	uint8_t		mppe_send[64], mppe_recv[64];
	size_t		mppe_send_len, mppe_recv_len;
	mc_ha_key_t	mn_ha, mn_fa;
	bool		has_skey;
	uint8_t		skey[64];
	size_t		skey_len;
	bool		has_master_key;
	uint8_t		master_key[64];
	size_t		master_key_len;
	uint8_t		ha_skey[MIP_SKEY_LEN];		/* Mipkey-Skey, or computed from k'' */
	bool		ha_skey_valid;
	char		ha_skey_from[48];
	uint8_t		ha_skey_rekey[MIP_SKEY_LEN];

	uint8_t		mschap_ident;			/* ident the HA put in MS-CHAP2-Response */
	uint8_t		rrp[MC_RRP_MAX];		/* Registration Reply for the MN */
	size_t		rrp_len;
} mc_ha_t;

/*
 * Reads the MN's Registration Request (the way a home agent does: challenge from
 * extension 132, NT-Response from the MN-AAA authenticator, peer challenge = MD5 of the
 * request with the authenticator zero-filled), sends the Access-Request (servers in
 * order, --retries attempts each, --timeout seconds per attempt), verifies and decodes
 * the reply, and builds the Registration Reply. Returns an MC_EXIT_* status for the
 * exchange itself (0 = got Access-Accept); ha->error says what a local error was.
 */
int mc_ha_exchange(mc_options_t const *opt, uint8_t const *rrq, size_t rrq_len, mc_ha_t *ha);

/* Wipes the RADIUS library's copies of keys and frees what mc_ha_exchange() kept. */
void mc_ha_cleanup(void);

/* Key distribution centre mode: both sides, the comparison and the output. Returns MC_EXIT_*. */
int mc_kdc_run(mc_options_t const *opt);
/* Loads the FreeRADIUS dictionaries and dictionary.mipkey once (mc_ha_cleanup frees them). */
int mc_ha_dictionaries(mc_options_t const *opt, mc_ha_t *ha);

/* --- keys from EAP authentication (mipkey-eap.c) ------------------------------------------------ */

/*
 * --eap: runs eapol_test (the MN's EAP peer) through a relay that adds the key request, decodes
 * the answer as the home agent, derives the MN's keys from the MSK / EMSK eapol_test printed,
 * compares and prints the result. Returns an MC_EXIT_* status.
 */
int mc_eap_exchange(mc_options_t const *opt);

/* Lower-case hex of len bytes into out (2 * len + 1). */
char *mc_hex(char *out, uint8_t const *in, size_t len);

#endif /* MIPKEY_CLIENT_H */
