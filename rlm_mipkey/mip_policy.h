/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mip_policy.h - the security rules of Mobile IP key distribution, in one place.
 *
 * Pure: libc and OpenSSL's CRYPTO_memcmp only, no FreeRADIUS. Both front-ends of mobileip.c
 * (a whole Registration Request, or RADIUS attributes) fill one mip_key_request_t; the glue
 * adds who was authenticated, what the directory says about the user, the clock and the
 * configuration; mip_policy_check() answers allow (with the mobile node identifier, the
 * lifetime and the AAA SPI to use) or refuse, with the reason. Nothing else decides whether
 * keys are handed out, so a reviewer reads the rules here and tests/unit/test_policy.c
 * tests them one by one.
 *
 * The rules, in the order they are checked (the first that fails decides):
 *  Registration Request (source MIP_SOURCE_RRQ):
 *   1. a Generalized Authentication extension must be MN-AAA (subtype 1);
 *   2. KeyGen Requests must sit under an MN-AAA extension (RFC 3957 4: the keys are asked
 *      for under the mobile node's proof);
 *   3. the MS-CHAPv2 peer challenge must be MD5 of the request with the MN-AAA authenticator
 *      zero-filled (the seed's construction): the proof covers this request only;
 *   4. a Mobile-Foreign Challenge extension (132) must be the MS-CHAP-Challenge;
 *   5. with replay_method = timestamps and replay_window > 0, the Identification's high 32
 *      bits (NTP seconds) must be within replay_window of the server's clock (RFC 3344 5.7);
 *   6. its NAI, if any, must be the authenticated name; without an NAI, its home address
 *      must be non-zero and proven to be the user's (rule 8);
 *   7. KeyGen Request subtypes must be 1 (from AAA).
 *  Attributes (source MIP_SOURCE_ATTRIBUTES):
 *   6'. a User-Name, if present, must be the authenticated name (under EAP the outer name
 *      may be anonymous: keys go to the verified identity, never to another);
 *   8. a home address stands for the node only if the authenticated name is that address in
 *      dotted form, or (no User-Name) control:Framed-IP-Address is that address; a home
 *      address without a User-Name that is not the user's is refused.
 *  Both:
 *   9. a requested lifetime of 0 (a deregistration) gets no keys, nor does any request
 *      when max_lifetime is 0; else min(requested, max_lifetime);
 *  10. aaa_key = ldap: the user has a well-formed AAA security association, the request
 *      names an AAA SPI, it is the association's, and its algorithm is known.
 */
#ifndef MIP_POLICY_H
#define MIP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIP_POLICY_REASON_MAX	256


typedef enum {
	MIP_SOURCE_RRQ = 0,		//!< Mipkey-Registration-Request: the node's own message
	MIP_SOURCE_ATTRIBUTES		//!< Mipkey-Key-Request / 3GPP2 / WiMAX attributes
} mip_source_t;

/** What was asked, normalised by a front-end. Addresses and challenges in network order. */
typedef struct {
	mip_source_t	source;

	bool		mn_ha;			//!< MN-HA key requested
	uint32_t	mn_ha_spi;
	uint8_t		mn_ha_subtype;		//!< RRQ: KeyGen Request subtype (attributes: 1)
	bool		mn_fa;			//!< MN-FA key requested
	uint32_t	mn_fa_spi;
	uint8_t		mn_fa_subtype;

	bool		has_aaa_spi;		//!< the request names an AAA SPI
	uint32_t	aaa_spi;
	uint32_t	requested_lifetime;	//!< attributes without one: UINT32_MAX

	/* Registration Request only */
	bool		has_gen_auth;		//!< a Generalized Authentication extension (36)
	uint8_t		gen_auth_subtype;
	uint8_t const	*rrq_md5;		//!< 16: MD5 of the RRQ, MN-AAA authenticator zeroed
	uint8_t const	*challenge_ext;		//!< extension 132's data, or NULL
	size_t		challenge_ext_len;
	uint64_t	identification;
	uint8_t const	*nai;			//!< extension 131's data, or NULL
	size_t		nai_len;

	/* attributes only */
	char const	*user_name;		//!< the request's User-Name, or NULL
	size_t		user_name_len;

	bool		has_home_address;	//!< non-zero home address given
	uint8_t		home_address[4];
} mip_key_request_t;

/** Who proved what: the MS-CHAPv2 check and what other modules said about the user. */
typedef struct {
	char const	*name;			//!< the authenticated name (as sent)
	size_t		name_len;
	uint8_t const	*auth_challenge;	//!< 16: MS-CHAP-Challenge
	uint8_t const	*peer_challenge;	//!< 16: from MS-CHAP2-Response
	bool		has_framed_ip;		//!< control:Framed-IP-Address
	uint8_t		framed_ip[4];
	uint32_t	now_ntp;		//!< the server's clock, NTP seconds (mod 2^32)

	/* aaa_key = ldap: the user's AAA security association from the backend */
	bool		sa_present;
	uint32_t	sa_spi;
	char const	*sa_algorithm;		//!< as stored; "" or NULL: not stored
	char const	*sa_problem;		//!< !sa_present: why (static text)
} mip_subject_t;

typedef struct {
	uint32_t	max_lifetime;
	bool		replay_timestamps;	//!< replay_method = timestamps
	uint32_t	replay_window;		//!< seconds, 0 = off
	bool		aaa_key_from_sa;	//!< aaa_key = ldap
} mip_policy_conf_t;

typedef enum {
	MIP_ALLOW = 0,
	MIP_REFUSE,			//!< a request that cannot be granted: Access-Reject
	MIP_MALFORMED			//!< a request that makes no sense: invalid
} mip_verdict_t;

/** Which rule decided (for tests and logs). */
typedef enum {
	MIP_RULE_NONE = 0,
	MIP_RULE_GEN_AUTH_SUBTYPE,
	MIP_RULE_MN_AAA_MISSING,
	MIP_RULE_PEER_CHALLENGE,
	MIP_RULE_CHALLENGE_EXT,
	MIP_RULE_REPLAY_WINDOW,
	MIP_RULE_NAI,
	MIP_RULE_NO_IDENTIFIER,
	MIP_RULE_USER_NAME,
	MIP_RULE_HOME_ADDRESS,
	MIP_RULE_KEYGEN_SUBTYPE,
	MIP_RULE_LIFETIME,
	MIP_RULE_AAA_SA_MISSING,
	MIP_RULE_AAA_SPI_MISSING,
	MIP_RULE_AAA_SPI_UNKNOWN,
	MIP_RULE_AAA_ALGORITHM
} mip_rule_t;

typedef enum {
	MIP_ID_NAI = 0,			//!< the RRQ's NAI, or the authenticated name
	MIP_ID_HOME_ADDRESS_NAME,	//!< the home address; the authenticated name is it
	MIP_ID_HOME_ADDRESS_FRAMED	//!< the home address; control:Framed-IP-Address is it
} mip_id_kind_t;

typedef struct {
	mip_verdict_t	verdict;
	mip_rule_t	rule;
	char		reason[MIP_POLICY_REASON_MAX];	//!< refusals: for the log and Reply-Message

	/* MIP_ALLOW: */
	mip_id_kind_t	id_kind;
	uint8_t const	*mn_id;			//!< RFC 3957 5 step 1 identifier
	size_t		mn_id_len;
	uint8_t		mn_id_addr[4];		//!< storage when it is the home address
	uint32_t	lifetime;
	uint32_t	aaa_spi;		//!< the request's, or the association's
	int32_t		clock_skew;		//!< RRQ timestamps checked: seconds ahead (+) or behind
} mip_policy_result_t;

/**
 * Applies every rule to one key request. Returns the verdict (also in out->verdict);
 * out->mn_id may point into req or subject, so they must outlive its use.
 */
mip_verdict_t mip_policy_check(mip_policy_conf_t const *conf, mip_subject_t const *subject,
			       mip_key_request_t const *req, mip_policy_result_t *out);

#endif
