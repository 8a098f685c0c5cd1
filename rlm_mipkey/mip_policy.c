/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mip_policy.c - the security rules of Mobile IP key distribution (see mip_policy.h for the
 * list and the reasons).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "mip_policy.h"

#define CHALLENGE_LEN	16
#define KEYGEN_FROM_AAA	1	/* RFC 3957 8 */
#define GEN_AUTH_MN_AAA	1	/* RFC 3012 */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static mip_verdict_t decide(mip_policy_result_t *out, mip_verdict_t verdict, mip_rule_t rule, char const *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	out->verdict = verdict;
	out->rule = rule;
	return verdict;
}

static bool same_name(char const *a, size_t a_len, char const *b, size_t b_len)
{
	return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/* The authenticated name is the address in dotted form. */
static bool name_is_address(mip_subject_t const *s, uint8_t const addr[4])
{
	char dotted[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, addr, dotted, sizeof(dotted)) && same_name(s->name, s->name_len, dotted, strlen(dotted));
}

static bool framed_ip_is(mip_subject_t const *s, uint8_t const addr[4])
{
	return s->has_framed_ip && memcmp(s->framed_ip, addr, 4) == 0;
}

static void use_home_address(mip_policy_result_t *out, uint8_t const addr[4], mip_id_kind_t kind)
{
	memcpy(out->mn_id_addr, addr, 4);
	out->mn_id = out->mn_id_addr;
	out->mn_id_len = 4;
	out->id_kind = kind;
}

static mip_verdict_t refuse_home_address(mip_subject_t const *s, uint8_t const addr[4], mip_policy_result_t *out)
{
	char dotted[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, addr, dotted, sizeof(dotted))) strcpy(dotted, "?");
	return decide(out, MIP_REFUSE, MIP_RULE_HOME_ADDRESS, "the home address %s is not \"%.*s\"'s (neither the "
		      "authenticated name nor control:Framed-IP-Address): it cannot be the mobile node identifier",
		      dotted, (int) s->name_len, s->name);
}

/* Rules 1-7: the Registration Request, its binding to the proof, and its identifier. */
static mip_verdict_t check_rrq(mip_policy_conf_t const *conf, mip_subject_t const *s, mip_key_request_t const *req,
			       mip_policy_result_t *out)
{
	if (req->has_gen_auth && req->gen_auth_subtype != GEN_AUTH_MN_AAA) {
		return decide(out, MIP_REFUSE, MIP_RULE_GEN_AUTH_SUBTYPE, "Generalized Authentication extension "
			      "subtype %u in the Registration Request is not 1 (MN-AAA)", req->gen_auth_subtype);
	}
	if ((req->mn_ha || req->mn_fa) && !req->has_gen_auth) {
		return decide(out, MIP_REFUSE, MIP_RULE_MN_AAA_MISSING, "the Registration Request asks for keys "
			      "without an MN-AAA Authentication extension (36): RFC 3957 keys are asked for under "
			      "the mobile node's proof");
	}
	if (!req->rrq_md5 || CRYPTO_memcmp(req->rrq_md5, s->peer_challenge, CHALLENGE_LEN) != 0) {
		return decide(out, MIP_REFUSE, MIP_RULE_PEER_CHALLENGE, "the MS-CHAPv2 peer challenge is not the MD5 "
			      "of the Registration Request: the proof does not cover this request");
	}
	if (req->challenge_ext && (req->challenge_ext_len != CHALLENGE_LEN ||
				   CRYPTO_memcmp(req->challenge_ext, s->auth_challenge, CHALLENGE_LEN) != 0)) {
		return decide(out, MIP_REFUSE, MIP_RULE_CHALLENGE_EXT, "the Mobile-Foreign Challenge extension (132) "
			      "of the Registration Request (%zu octets) is not the MS-CHAP-Challenge",
			      req->challenge_ext_len);
	}
	if (conf->replay_timestamps && conf->replay_window) {
		/* Modulo 2^32, so it survives the NTP era roll-over of 2036. */
		int32_t skew = (int32_t) ((uint32_t) (req->identification >> 32) - s->now_ntp);
		int64_t abs_skew = skew < 0 ? -(int64_t) skew : skew;

		if (abs_skew > (int64_t) conf->replay_window) {
			return decide(out, MIP_REFUSE, MIP_RULE_REPLAY_WINDOW, "the Identification of the Registration "
				      "Request is a timestamp %" PRId64 " s %s the server's clock (replay_window %u s): "
				      "stale or replayed", abs_skew, skew < 0 ? "behind" : "ahead of",
				      conf->replay_window);
		}
		out->clock_skew = skew;
	}
	if (req->nai) {
		if (!same_name((char const *) req->nai, req->nai_len, s->name, s->name_len)) {
			return decide(out, MIP_REFUSE, MIP_RULE_NAI, "the NAI in the Registration Request is not the "
				      "authenticated User-Name \"%.*s\"", (int) s->name_len, s->name);
		}
		out->mn_id = req->nai;
		out->mn_id_len = req->nai_len;
		out->id_kind = MIP_ID_NAI;
	} else if (!req->has_home_address) {
		return decide(out, MIP_REFUSE, MIP_RULE_NO_IDENTIFIER, "the Registration Request has neither an NAI "
			      "nor a home address: no mobile node identifier");
	} else if (name_is_address(s, req->home_address)) {
		use_home_address(out, req->home_address, MIP_ID_HOME_ADDRESS_NAME);
	} else if (framed_ip_is(s, req->home_address)) {
		use_home_address(out, req->home_address, MIP_ID_HOME_ADDRESS_FRAMED);
	} else {
		return refuse_home_address(s, req->home_address, out);
	}
	if (req->mn_ha && req->mn_ha_subtype != KEYGEN_FROM_AAA) {
		return decide(out, MIP_REFUSE, MIP_RULE_KEYGEN_SUBTYPE, "MN-HA KeyGen Request subtype %u is not "
			      "supported (only 1, from AAA)", req->mn_ha_subtype);
	}
	if (req->mn_fa && req->mn_fa_subtype != KEYGEN_FROM_AAA) {
		return decide(out, MIP_REFUSE, MIP_RULE_KEYGEN_SUBTYPE, "MN-FA KeyGen Request subtype %u is not "
			      "supported (only 1, from AAA)", req->mn_fa_subtype);
	}
	return MIP_ALLOW;
}

/* Rules 6' and 8: attributes carry no proof of their own; the identity is the verified one. */
static mip_verdict_t check_attributes(mip_subject_t const *s, mip_key_request_t const *req, mip_policy_result_t *out)
{
	bool by_name, by_framed;

	if (req->user_name && !same_name(req->user_name, req->user_name_len, s->name, s->name_len)) {
		return decide(out, MIP_REFUSE, MIP_RULE_USER_NAME, "User-Name \"%.*s\" is not the authenticated name "
			      "\"%.*s\" (MS-CHAP-User-Name): no keys for another identity", (int) req->user_name_len,
			      req->user_name, (int) s->name_len, s->name);
	}
	by_name = req->has_home_address && name_is_address(s, req->home_address);
	by_framed = req->has_home_address && framed_ip_is(s, req->home_address);
	if (by_name) {
		use_home_address(out, req->home_address, MIP_ID_HOME_ADDRESS_NAME);
	} else if (by_framed && !req->user_name) {
		/* With a User-Name that is an NAI the NAI stays the identifier (RFC 3957 5 step 1). */
		use_home_address(out, req->home_address, MIP_ID_HOME_ADDRESS_FRAMED);
	} else if (req->has_home_address && !req->user_name) {
		/* No NAI from the home agent: the identifier would be an address that is not the user's. */
		return refuse_home_address(s, req->home_address, out);
	} else {
		out->mn_id = (uint8_t const *) s->name;
		out->mn_id_len = s->name_len;
		out->id_kind = MIP_ID_NAI;
	}
	return MIP_ALLOW;
}

/* Rule 10: aaa_key = ldap. */
static mip_verdict_t check_aaa_sa(mip_subject_t const *s, mip_key_request_t const *req, mip_policy_result_t *out)
{
	if (!s->sa_present) {
		return decide(out, MIP_REFUSE, MIP_RULE_AAA_SA_MISSING, "no AAA security association for \"%.*s\" "
			      "(aaa_key = ldap): %s", (int) s->name_len, s->name,
			      s->sa_problem ? s->sa_problem : "the key did not come from the ldap backend");
	}
	if (!req->has_aaa_spi) {
		return decide(out, MIP_REFUSE, MIP_RULE_AAA_SPI_MISSING, "the request names no AAA SPI (MN-AAA "
			      "extension or Mipkey-AAA-SPI): aaa_key = ldap needs one");
	}
	if (req->aaa_spi != s->sa_spi) {
		return decide(out, MIP_REFUSE, MIP_RULE_AAA_SPI_UNKNOWN, "unknown AAA SPI %u for \"%.*s\"",
			      req->aaa_spi, (int) s->name_len, s->name);
	}
	/* The association's own algorithm (MN-AAA authentication) must be one we know; the key
	 * derivation is HMAC-SHA1 whatever it is (RFC 3957 section 5). */
	if (s->sa_algorithm && s->sa_algorithm[0] && strcasecmp(s->sa_algorithm, "hmac-sha1") != 0 &&
	    strcasecmp(s->sa_algorithm, "hmac-md5") != 0) {
		return decide(out, MIP_REFUSE, MIP_RULE_AAA_ALGORITHM, "the AAA security association of \"%.*s\" has "
			      "the unknown algorithm \"%s\" (known: hmac-sha1, hmac-md5)", (int) s->name_len, s->name,
			      s->sa_algorithm);
	}
	out->aaa_spi = s->sa_spi;	/* the KeyGen Replies name the association used */
	return MIP_ALLOW;
}

mip_verdict_t mip_policy_check(mip_policy_conf_t const *conf, mip_subject_t const *subject,
			       mip_key_request_t const *req, mip_policy_result_t *out)
{
	mip_verdict_t v;

	memset(out, 0, sizeof(*out));
	out->verdict = MIP_ALLOW;
	if (!subject->name || subject->name_len == 0) {
		return decide(out, MIP_MALFORMED, MIP_RULE_NO_IDENTIFIER, "no authenticated name: no mobile node "
			      "identifier");
	}

	v = req->source == MIP_SOURCE_RRQ ? check_rrq(conf, subject, req, out) : check_attributes(subject, req, out);
	if (v != MIP_ALLOW) return v;

	if (req->requested_lifetime == 0) {
		return decide(out, MIP_REFUSE, MIP_RULE_LIFETIME, "requested lifetime 0: a deregistration gets no keys");
	}
	/* mobileip.c refuses max_lifetime 0 at start-up; a caller that did not must not hand out
	 * a key of lifetime 0 (RFC 3344: one that never expires to some home agents). */
	if (conf->max_lifetime == 0) {
		return decide(out, MIP_REFUSE, MIP_RULE_LIFETIME, "max_lifetime 0: no key may be handed out");
	}
	out->lifetime = req->requested_lifetime < conf->max_lifetime ? req->requested_lifetime : conf->max_lifetime;
	out->aaa_spi = req->has_aaa_spi ? req->aaa_spi : 0;

	if (conf->aaa_key_from_sa) return check_aaa_sa(subject, req, out);
	return MIP_ALLOW;
}
