/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mobileip.c - Mobile IPv4 key distribution after a successful MS-CHAPv2 check:
 * what the mobile node asked for (its Registration Request, or attributes), RFC 3957
 * nonces and registration keys, the seed's Skey, and the client's reply profile.
 *
 * AAA key of RFC 3957 section 5 ("aaa_key" option): k'' (the RFC 3079 master key of the
 * MS-CHAPv2 exchange), or the key of the user's AAA security association that the backend
 * read with the user's entry (LDAP), which the request must name by its AAA SPI (the SPI of
 * the Registration Request's MN-AAA extension, or Mipkey-AAA-SPI). The derivation is
 * HMAC-SHA1 either way (RFC 3957 section 5). The MS-CHAPv2 response is the mobile node's proof
 * (RFC 3957 requires MN-AAA authentication before keys are handed out): the glue only
 * calls mobileip_reply() after the response was verified, so a key request without
 * MS-CHAP2-Response never gets keys.
 *
 * Every key is wiped with OPENSSL_cleanse before returning.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <freeradius/modules.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <strings.h>

#include "mobileip.h"
#include "profile.h"
#include "mip_ext.h"

/* Every reply profile; "mipkey_profile = <name>" / "default_profile = <name>" picks one. */
static mobileip_profile_t const *profiles[] = {
	&mobileip_profile_mipkey,
	&mobileip_profile_mppe,
	&mobileip_profile_3gpp2,
	&mobileip_profile_wimax,
	&mobileip_profile_cisco,
	NULL
};

/* The longest RRQ a RADIUS attribute can carry is 247 octets (VSA): room to spare. */
#define RRQ_MAX_LEN	256

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01: the Identification's timestamps (RFC 3344 5.7). */
#define NTP_UNIX_OFFSET	2208988800UL

/* Upper bound of replay_window: a day is far beyond any clock skew worth tolerating. */
#define REPLAY_WINDOW_MAX	86400

static const CONF_PARSER mobileip_config[] = {
	{ "aaa_key", FR_CONF_OFFSET(PW_TYPE_STRING, mobileip_inst_t, aaa_key), "mschapv2" },
	{ "max_lifetime", FR_CONF_OFFSET(PW_TYPE_INTEGER, mobileip_inst_t, max_lifetime), "3600" },
	{ "algorithm", FR_CONF_OFFSET(PW_TYPE_STRING, mobileip_inst_t, algorithm_name), "hmac-sha1" },
	{ "replay_method", FR_CONF_OFFSET(PW_TYPE_STRING, mobileip_inst_t, replay_method_name), "timestamps" },
	{ "return_skey", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, mobileip_inst_t, return_skey), "no" },
	{ "return_master_key", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, mobileip_inst_t, return_master_key), "no" },
	{ "default_profile", FR_CONF_OFFSET(PW_TYPE_STRING, mobileip_inst_t, default_profile_name), "mipkey" },
	{ "replay_window", FR_CONF_OFFSET(PW_TYPE_INTEGER, mobileip_inst_t, replay_window), "7" },
	{ "require_message_authenticator", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, mobileip_inst_t,
							  require_message_authenticator), "yes" },
	CONF_PARSER_TERMINATOR
};

static mobileip_profile_t const *profile_by_name(char const *name)
{
	int i;

	for (i = 0; profiles[i]; i++) {
		if (strcmp(profiles[i]->name, name) == 0) return profiles[i];
	}
	return NULL;
}

int mobileip_instantiate(TALLOC_CTX *ctx, CONF_SECTION *conf, char const *log_prefix, mobileip_inst_t **out)
{
	CONF_SECTION	*cs;
	mobileip_inst_t	*inst;

	*out = NULL;
	cs = cf_section_sub_find(conf, "mobileip");
	if (!dict_attrbyname("Mipkey-Registration-Request")) {
		if (cs) {
			cf_log_err_cs(cs, "mobileip { } needs the project dictionary: add "
				      "\"$INCLUDE dictionary.mipkey\" to raddb/dictionary");
			return -1;
		}
		WARN("%s: dictionary.mipkey is not loaded: Mobile IP key distribution is off", log_prefix);
		return 0;
	}
	if (!cs) {
		/* No subsection: every option at its default. */
		cs = cf_section_alloc(conf, "mobileip", NULL);
		if (!cs) return -1;
		cf_section_add(conf, cs);
	}

	inst = talloc_zero(ctx, mobileip_inst_t);
	if (!inst) return -1;
	inst->log_prefix = log_prefix;
	if (cf_section_parse(cs, inst, mobileip_config) < 0) return -1;

	if (strcmp(inst->aaa_key, "mschapv2") == 0) {
		inst->aaa_key_source = MOBILEIP_AAA_KEY_MSCHAPV2;
	} else if (strcmp(inst->aaa_key, "ldap") == 0) {
		/* rlm_mipkey.c checks that the backend is configured to read the association. */
		inst->aaa_key_source = MOBILEIP_AAA_KEY_LDAP;
	} else {
		cf_log_err_cs(cs, "Invalid aaa_key \"%s\": use mschapv2 (k'' of the MS-CHAPv2 exchange) or ldap "
			      "(the user's AAA security association from the ldap backend)", inst->aaa_key);
		return -1;
	}
	if (inst->max_lifetime == 0) {
		cf_log_err_cs(cs, "max_lifetime must be at least 1 second");
		return -1;
	}
	if (strcmp(inst->algorithm_name, "hmac-sha1") == 0) {
		inst->algorithm = RFC3957_ALG_HMAC_SHA1;
	} else if (strcmp(inst->algorithm_name, "hmac-md5") == 0) {
		inst->algorithm = RFC3957_ALG_HMAC_MD5;
	} else {
		cf_log_err_cs(cs, "Invalid algorithm \"%s\": use hmac-sha1 or hmac-md5", inst->algorithm_name);
		return -1;
	}
	if (strcmp(inst->replay_method_name, "timestamps") == 0) {
		inst->replay_method = RFC3957_REPLAY_TIMESTAMPS;
	} else if (strcmp(inst->replay_method_name, "nonces") == 0) {
		inst->replay_method = RFC3957_REPLAY_NONCES;
	} else {
		cf_log_err_cs(cs, "Invalid replay_method \"%s\": use timestamps or nonces", inst->replay_method_name);
		return -1;
	}
	if (inst->replay_window > REPLAY_WINDOW_MAX) {
		cf_log_err_cs(cs, "replay_window %u is more than %u seconds (0 turns the check off)",
			      inst->replay_window, REPLAY_WINDOW_MAX);
		return -1;
	}
	inst->default_profile = profile_by_name(inst->default_profile_name);
	if (!inst->default_profile) {
		cf_log_err_cs(cs, "Unknown default_profile \"%s\": use mipkey, mppe, 3gpp2, wimax or cisco",
			      inst->default_profile_name);
		return -1;
	}
	*out = inst;
	return 0;
}

static VALUE_PAIR *request_attr(REQUEST *request, char const *name)
{
	DICT_ATTR const *da = dict_attrbyname(name);

	return da ? fr_pair_find_by_da(request->packet->vps, da, TAG_ANY) : NULL;
}

/* What 3GPP2 (X.S0011) and WiMAX home agents send instead of the Mipkey-* attributes: an MN-HA
 * SPI asks for an MN-HA key, for the home agent address given beside it. */
static char const *const mn_ha_spi_attrs[] = { "Mipkey-MN-HA-SPI", "3GPP2-MN-HA-SPI", "WiMAX-RRQ-MN-HA-SPI", NULL };
static char const *const home_agent_attrs[] = { "Mipkey-Home-Agent-Address", "3GPP2-Home-Agent-IP-Address",
						"WiMAX-RRQ-HA-IP", NULL };

/* The first of names that the request carries (names[0] is the project's own). */
static VALUE_PAIR *first_request_attr(REQUEST *request, char const *const names[])
{
	VALUE_PAIR *vp;

	for (; *names; names++) if ((vp = request_attr(request, *names))) return vp;
	return NULL;
}

bool mobileip_requested(REQUEST *request)
{
	return request_attr(request, "Mipkey-Registration-Request") || request_attr(request, "Mipkey-Key-Request") ||
	       first_request_attr(request, mn_ha_spi_attrs + 1);
}

/* A refused key request: one ERROR line in the log, the same text in Reply-Message. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static rlm_rcode_t refuse(REQUEST *request, rlm_rcode_t rcode, char const *fmt, ...)
{
	char	buf[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	RERROR("Mobile IP key request refused: %s", buf);
	pair_make_reply("Reply-Message", buf, T_OP_ADD);
	return rcode;
}

/* --- helpers for the profiles (profile.h) ----------------------------------------------- */

static VALUE_PAIR *new_vp(REQUEST *request, char const *attr)
{
	DICT_ATTR const	*da = dict_attrbyname(attr);
	VALUE_PAIR	*vp;

	if (!da) {
		RERROR("Attribute %s is not in the dictionary: cannot send it", attr);
		return NULL;
	}
	vp = fr_pair_afrom_da(request->reply, da);
	if (!vp) RERROR("Out of memory");
	return vp;
}

int mobileip_add_octets(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint8_t const *data, size_t len)
{
	VALUE_PAIR *vp = new_vp(request, attr);

	if (!vp) return -1;
	fr_pair_value_memcpy(vp, data, len);
	fr_pair_add(vps, vp);
	return 0;
}

int mobileip_add_string(REQUEST *request, VALUE_PAIR **vps, char const *attr, char const *value, size_t len)
{
	VALUE_PAIR *vp = new_vp(request, attr);

	if (!vp) return -1;
	fr_pair_value_bstrncpy(vp, value, len);
	fr_pair_add(vps, vp);
	return 0;
}

int mobileip_add_integer(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint32_t value)
{
	VALUE_PAIR *vp = new_vp(request, attr);

	if (!vp) return -1;
	vp->vp_integer = value;
	vp->vp_length = 4;
	fr_pair_add(vps, vp);
	return 0;
}

int mobileip_add_ipaddr(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint8_t const addr[4])
{
	VALUE_PAIR *vp = new_vp(request, attr);

	if (!vp) return -1;
	memcpy(&vp->vp_ipaddr, addr, 4);
	vp->vp_length = 4;
	fr_pair_add(vps, vp);
	return 0;
}

/* --- what the mobile node asked for ------------------------------------------------------ */

typedef struct {
	uint8_t const	*mn_id;			//!< RFC 3957 5 step 1 identifier
	size_t		mn_id_len;
	uint8_t		mn_id_addr[4];		//!< storage when the identifier is the home address
	uint32_t	requested_lifetime;
	bool		has_aaa_spi;		//!< the request named an AAA SPI
} key_request_t;

static bool addr_is_zero(uint8_t const a[4])
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

/* How a home address was proven to be the authenticated user's (home_address_owner()). */
typedef enum {
	HOA_NOT_PROVEN = 0,
	HOA_IS_NAME,			//!< the authenticated name is the address in dotted form
	HOA_IS_FRAMED_IP		//!< control:Framed-IP-Address is the address
} hoa_proof_t;

/*
 * A home address may stand for the mobile node (RFC 3957 5 step 1, a node without an NAI)
 * only if it is proven to be the authenticated user's: the name MS-CHAPv2 verified is that
 * address in dotted form, or another module (files, LDAP, ...) put it in
 * control:Framed-IP-Address for this user. Otherwise any user could have the keys of any
 * home address computed.
 */
static hoa_proof_t home_address_owner(REQUEST *request, mipkey_auth_t const *auth, uint8_t const addr[4])
{
	char		dotted[INET_ADDRSTRLEN];
	vp_cursor_t	cursor;
	VALUE_PAIR	*vp;

	if (inet_ntop(AF_INET, addr, dotted, sizeof(dotted)) &&
	    auth->as_sent_len == strlen(dotted) && memcmp(auth->as_sent, dotted, auth->as_sent_len) == 0) {
		return HOA_IS_NAME;
	}
	for (vp = fr_cursor_init(&cursor, &request->config); vp; vp = fr_cursor_next(&cursor)) {
		if (vp->da->vendor == 0 && vp->da->attr == PW_FRAMED_IP_ADDRESS &&
		    vp->da->type == PW_TYPE_IPV4_ADDR && memcmp(&vp->vp_ipaddr, addr, 4) == 0) {
			return HOA_IS_FRAMED_IP;
		}
	}
	return HOA_NOT_PROVEN;
}

static char const *hoa_proof_name(hoa_proof_t p)
{
	return p == HOA_IS_NAME ? "the authenticated name" : "control:Framed-IP-Address";
}

/* The refusal when home_address_owner() finds no proof. */
static rlm_rcode_t refuse_home_address(REQUEST *request, mipkey_auth_t const *auth, uint8_t const addr[4])
{
	char dotted[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, addr, dotted, sizeof(dotted))) strcpy(dotted, "?");
	return refuse(request, RLM_MODULE_REJECT, "the home address %s is not \"%.*s\"'s (neither the authenticated "
		      "name nor control:Framed-IP-Address): it cannot be the mobile node identifier", dotted,
		      (int) auth->as_sent_len, auth->as_sent);
}

/*
 * RFC 3344 5.7: with timestamps, the high 32 bits of the Identification are NTP seconds
 * (since 1900). A request whose timestamp is more than replay_window seconds away from the
 * server's clock is refused: a captured Registration Request with its MS-CHAPv2 response
 * cannot be replayed later than that. (Within the window a replay needs a cache shared by the
 * servers: not done here.) The comparison is modulo 2^32, so it survives the NTP era roll-over
 * of 2036.
 */
static rlm_rcode_t check_identification(mobileip_inst_t const *inst, REQUEST *request, mip_rrq_t const *rrq)
{
	uint32_t	ts = (uint32_t) (rrq->identification >> 32);
	uint32_t	now = (uint32_t) ((uint64_t) time(NULL) + NTP_UNIX_OFFSET);
	int64_t		skew = (int32_t) (ts - now);

	if (inst->replay_window == 0 || inst->replay_method != RFC3957_REPLAY_TIMESTAMPS) return RLM_MODULE_OK;
	if (skew > (int64_t) inst->replay_window || skew < -(int64_t) inst->replay_window) {
		return refuse(request, RLM_MODULE_REJECT, "the Identification of the Registration Request is a "
			      "timestamp %" PRId64 " s %s the server's clock (replay_window %u s): stale or replayed",
			      skew < 0 ? -skew : skew, skew < 0 ? "behind" : "ahead of", inst->replay_window);
	}
	RDEBUG2("Registration Request timestamp %" PRId64 " s from the server's clock (replay_window %u s)",
		skew, inst->replay_window);
	return RLM_MODULE_OK;
}

/*
 * The raw Registration Request: parsed with every length checked, bound to the MS-CHAPv2
 * proof (peer challenge = MD5 of the RRQ with the MN-AAA authenticator zero-filled, the
 * seed's construction; a Mobile-Foreign Challenge in it must be the MS-CHAP-Challenge),
 * fresh (timestamp Identification within replay_window), and its NAI must be the name that
 * was authenticated; without an NAI, its home address must be the user's.
 */
static rlm_rcode_t from_rrq(mobileip_inst_t const *inst, REQUEST *request, VALUE_PAIR *blob,
			    mipkey_auth_t const *auth, key_request_t *kr, mobileip_result_t *r)
{
	mip_rrq_t	rrq;
	char const	*err = NULL;
	uint8_t		copy[RRQ_MAX_LEN];
	uint8_t		md5[MSCHAPV2_CHALLENGE_LEN];
	unsigned int	md5_len = 0;
	int		ok;
	rlm_rcode_t	rcode;

	if (mip_rrq_parse(blob->vp_octets, blob->vp_length, &rrq, &err) < 0) {
		return refuse(request, RLM_MODULE_INVALID, "malformed Mipkey-Registration-Request (%zu octets): %s",
			      blob->vp_length, err ? err : "parse error");
	}

	/* Only the MN-AAA authentication extension (RFC 3012 6) is the one the proof zero-fills. */
	if (rrq.mn_aaa_auth.present && rrq.mn_aaa_auth.subtype != MIP_GEN_AUTH_MN_AAA) {
		return refuse(request, RLM_MODULE_REJECT, "Generalized Authentication extension subtype %u in the "
			      "Registration Request is not 1 (MN-AAA)", rrq.mn_aaa_auth.subtype);
	}

	/* The proof covers this RRQ only if the peer challenge is its MD5. */
	if (blob->vp_length > sizeof(copy)) {
		return refuse(request, RLM_MODULE_INVALID, "Mipkey-Registration-Request longer than %zu octets",
			      sizeof(copy));
	}
	memcpy(copy, blob->vp_octets, blob->vp_length);
	if (rrq.mn_aaa_auth.present) {
		memset(copy + rrq.mn_aaa_auth.auth_offset, 0, rrq.mn_aaa_auth.authenticator_len);
	}
	ok = EVP_Digest(copy, blob->vp_length, md5, &md5_len, EVP_md5(), NULL);
	OPENSSL_cleanse(copy, sizeof(copy));
	if (!ok || md5_len != sizeof(md5)) {
		RERROR("MD5 of the Registration Request failed (OpenSSL error)");
		return RLM_MODULE_FAIL;
	}
	if (CRYPTO_memcmp(md5, auth->peer_challenge, sizeof(md5)) != 0) {
		return refuse(request, RLM_MODULE_REJECT, "the MS-CHAPv2 peer challenge is not the MD5 of the "
			      "Registration Request: the proof does not cover this request");
	}

	/* A challenge in the RRQ (RFC 3012 4) must be the one the MS-CHAPv2 proof answers. */
	if (rrq.challenge.data &&
	    (rrq.challenge.len != MSCHAPV2_CHALLENGE_LEN ||
	     CRYPTO_memcmp(rrq.challenge.data, auth->auth_challenge, MSCHAPV2_CHALLENGE_LEN) != 0)) {
		return refuse(request, RLM_MODULE_REJECT, "the Mobile-Foreign Challenge extension (132) of the "
			      "Registration Request (%zu octets) is not the MS-CHAP-Challenge", rrq.challenge.len);
	}

	rcode = check_identification(inst, request, &rrq);
	if (rcode != RLM_MODULE_OK) return rcode;

	if (rrq.nai.data) {
		if (rrq.nai.len != auth->as_sent_len || memcmp(rrq.nai.data, auth->as_sent, rrq.nai.len) != 0) {
			return refuse(request, RLM_MODULE_REJECT, "the NAI in the Registration Request is not the "
				      "authenticated User-Name \"%.*s\"", (int) auth->as_sent_len, auth->as_sent);
		}
	} else if (addr_is_zero(rrq.home_address)) {
		return refuse(request, RLM_MODULE_REJECT, "the Registration Request has neither an NAI nor a "
			      "home address: no mobile node identifier");
	} else {
		hoa_proof_t proof = home_address_owner(request, auth, rrq.home_address);

		if (proof == HOA_NOT_PROVEN) return refuse_home_address(request, auth, rrq.home_address);
		RDEBUG2("Registration Request without NAI: the home address is the identifier (%s)",
			hoa_proof_name(proof));
	}
	if (mip_rrq_mn_identifier(&rrq, &kr->mn_id, &kr->mn_id_len) < 0) {
		return refuse(request, RLM_MODULE_REJECT, "no mobile node identifier in the Registration Request");
	}
	if (kr->mn_id_len == 4 && !rrq.nai.data) {
		/* Points into the parser's structure: keep our own copy. */
		memcpy(kr->mn_id_addr, kr->mn_id, 4);
		kr->mn_id = kr->mn_id_addr;
	}

	if (rrq.mn_ha_keygen.present) {
		if (rrq.mn_ha_keygen.subtype != RFC3957_SUBTYPE_FROM_AAA) {
			return refuse(request, RLM_MODULE_REJECT, "MN-HA KeyGen Request subtype %u is not supported "
				      "(only 1, from AAA)", rrq.mn_ha_keygen.subtype);
		}
		r->mn_ha = true;
		r->mn_ha_spi = rrq.mn_ha_keygen.mn_spi;
	}
	if (rrq.mn_fa_keygen.present) {
		if (rrq.mn_fa_keygen.subtype != RFC3957_SUBTYPE_FROM_AAA) {
			return refuse(request, RLM_MODULE_REJECT, "MN-FA KeyGen Request subtype %u is not supported "
				      "(only 1, from AAA)", rrq.mn_fa_keygen.subtype);
		}
		r->mn_fa = true;
		r->mn_fa_spi = rrq.mn_fa_keygen.mn_spi;
	}
	if (!r->mn_ha && !r->mn_fa) RDEBUG2("Registration Request has no KeyGen Request: no RFC 3957 key");

	if (rrq.mn_aaa_auth.present) {
		r->aaa_spi = rrq.mn_aaa_auth.spi;
		kr->has_aaa_spi = true;
	}
	kr->requested_lifetime = rrq.lifetime;
	if (!addr_is_zero(rrq.home_agent)) {
		r->has_home_agent = true;
		memcpy(r->home_agent, rrq.home_agent, 4);
	}
	if (!addr_is_zero(rrq.home_address)) {
		r->has_home_address = true;
		memcpy(r->home_address, rrq.home_address, 4);
	}
	return RLM_MODULE_OK;
}

/*
 * The same request as attributes: Mipkey-Key-Request, or (key_request NULL) a standard MN-HA SPI
 * alone, which asks for an MN-HA key. The MN identifier is the authenticated name (the name
 * MS-CHAPv2 verified: MS-CHAP-User-Name under EAP, else User-Name), which a User-Name, if
 * present, must equal. The 4-byte home address (a mobile node without an NAI, RFC 3957 5
 * step 1) is the identifier instead when Mipkey-Home-Address is given and either the
 * authenticated name is that address in dotted form, or there is no User-Name and
 * control:Framed-IP-Address is that address; with no User-Name and an address that is not the
 * user's, the request is refused.
 */
static rlm_rcode_t from_attributes(REQUEST *request, VALUE_PAIR *key_request, mipkey_auth_t const *auth,
				   key_request_t *kr, mobileip_result_t *r)
{
	VALUE_PAIR	*vp, *user, *home;
	hoa_proof_t	proof = HOA_NOT_PROVEN;

	switch (key_request ? key_request->vp_integer : 1) {	/* a standard MN-HA SPI alone: MN-HA */
	case 1: r->mn_ha = true; break;
	case 2: r->mn_fa = true; break;
	case 3: r->mn_ha = r->mn_fa = true; break;
	default:
		return refuse(request, RLM_MODULE_INVALID, "Mipkey-Key-Request %u is not 1 (MN-HA), 2 (MN-FA) "
			      "or 3 (both)", key_request->vp_integer);
	}
	if (r->mn_ha) {
		vp = first_request_attr(request, mn_ha_spi_attrs);
		if (!vp) return refuse(request, RLM_MODULE_INVALID, "MN-HA key requested without Mipkey-MN-HA-SPI");
		r->mn_ha_spi = vp->vp_integer;
	}
	if (r->mn_fa) {
		vp = request_attr(request, "Mipkey-MN-FA-SPI");
		if (!vp) return refuse(request, RLM_MODULE_INVALID, "MN-FA key requested without Mipkey-MN-FA-SPI");
		r->mn_fa_spi = vp->vp_integer;
	}

	vp = first_request_attr(request, home_agent_attrs);
	if (vp && vp->da->type == PW_TYPE_IPV4_ADDR) {	/* WiMAX-RRQ-HA-IP may be IPv6: not for MIPv4 */
		r->has_home_agent = true;
		memcpy(r->home_agent, &vp->vp_ipaddr, 4);
	}
	home = request_attr(request, "Mipkey-Home-Address");
	if (home) {
		r->has_home_address = true;
		memcpy(r->home_address, &home->vp_ipaddr, 4);
	}
	vp = request_attr(request, "Mipkey-AAA-SPI");
	if (vp) {
		r->aaa_spi = vp->vp_integer;
		kr->has_aaa_spi = true;
	}
	vp = request_attr(request, "Mipkey-Requested-Lifetime");
	kr->requested_lifetime = vp ? vp->vp_integer : UINT32_MAX;

	if (!auth->as_sent || auth->as_sent_len == 0) {	/* the glue never calls us so */
		return refuse(request, RLM_MODULE_INVALID, "no authenticated name: no mobile node identifier");
	}
	/* Under EAP the outer User-Name may be anonymous: the keys are bound to the name that was
	 * verified, and a User-Name that says otherwise is refused rather than silently ignored. */
	user = fr_pair_find_by_num(request->packet->vps, PW_USER_NAME, 0, TAG_ANY);
	if (user && (user->vp_length != auth->as_sent_len ||
		     memcmp(user->vp_strvalue, auth->as_sent, auth->as_sent_len) != 0)) {
		return refuse(request, RLM_MODULE_REJECT, "User-Name \"%.*s\" is not the authenticated name \"%.*s\" "
			      "(MS-CHAP-User-Name): no keys for another identity", (int) user->vp_length,
			      user->vp_strvalue, (int) auth->as_sent_len, auth->as_sent);
	}
	if (home) proof = home_address_owner(request, auth, r->home_address);
	if (proof == HOA_IS_NAME || (proof == HOA_IS_FRAMED_IP && !user)) {
		/* With a User-Name that is an NAI the NAI stays the identifier (RFC 3957 5 step 1). */
		RDEBUG2("Mobile node identifier: the home address (%s)", hoa_proof_name(proof));
		memcpy(kr->mn_id_addr, r->home_address, 4);
		kr->mn_id = kr->mn_id_addr;
		kr->mn_id_len = 4;
	} else if (home && !user) {
		/* No NAI from the home agent: the identifier would be the address, which is not the user's. */
		return refuse_home_address(request, auth, r->home_address);
	} else {
		kr->mn_id = (uint8_t const *) auth->as_sent;
		kr->mn_id_len = auth->as_sent_len;
	}
	return RLM_MODULE_OK;
}

/* --- per-client choices -------------------------------------------------------------------- */

static int client_bool(REQUEST *request, CONF_SECTION *cs, char const *item, bool *value)
{
	CONF_PAIR	*cp = cs ? cf_pair_find(cs, item) : NULL;
	char const	*v;

	if (!cp) return 0;
	v = cf_pair_value(cp);
	if (v && strcmp(v, "yes") == 0) {
		*value = true;
	} else if (v && strcmp(v, "no") == 0) {
		*value = false;
	} else {
		RERROR("Client %s: %s = \"%s\" is not yes or no", request->client->shortname, item, v ? v : "");
		return -1;
	}
	return 0;
}

static mobileip_profile_t const *client_profile(mobileip_inst_t const *inst, REQUEST *request, CONF_SECTION *cs)
{
	CONF_PAIR		*cp = cs ? cf_pair_find(cs, "mipkey_profile") : NULL;
	char const		*name;
	mobileip_profile_t const *p;

	if (!cp) return inst->default_profile;
	name = cf_pair_value(cp);
	p = name ? profile_by_name(name) : NULL;
	if (!p) {
		RERROR("Client %s: unknown mipkey_profile \"%s\" (known: mipkey, mppe, 3gpp2, wimax, cisco)",
		       request->client->shortname, name ? name : "");
	}
	return p;
}

/* Wipes the values of a list that will not be sent (keys included) before it is freed. */
static void wipe_list(VALUE_PAIR *vps)
{
	VALUE_PAIR *vp;

	for (vp = vps; vp; vp = vp->next) {
		if ((vp->da->type == PW_TYPE_OCTETS || vp->da->type == PW_TYPE_STRING) && vp->vp_length) {
			OPENSSL_cleanse((void *) vp->vp_octets, vp->vp_length);
		}
	}
}

/* --- the entry point -------------------------------------------------------------------------- */

static int compute_keys(REQUEST *request, mobileip_result_t *r, key_request_t const *kr,
			uint8_t const *aaa_key, size_t aaa_key_len)
{
	ssize_t len;

	if (r->mn_ha) {
		if (rfc3957_nonce(r->mn_ha_nonce, sizeof(r->mn_ha_nonce)) < 0 ||
		    rfc3957_registration_key(aaa_key, aaa_key_len, r->mn_ha_nonce,
					     sizeof(r->mn_ha_nonce), kr->mn_id, kr->mn_id_len, r->mn_ha_key) < 0) return -1;
		len = rfc3957_mn_ha_keygen_reply(r->mn_ha_keygen_reply, sizeof(r->mn_ha_keygen_reply), r->lifetime,
						 r->aaa_spi, r->mn_ha_spi, r->algorithm, r->replay_method,
						 r->mn_ha_nonce, sizeof(r->mn_ha_nonce));
		if (len < 0) return -1;
		r->mn_ha_keygen_reply_len = (size_t) len;
	}
	if (r->mn_fa) {
		if (rfc3957_nonce(r->mn_fa_nonce, sizeof(r->mn_fa_nonce)) < 0 ||
		    rfc3957_registration_key(aaa_key, aaa_key_len, r->mn_fa_nonce,
					     sizeof(r->mn_fa_nonce), kr->mn_id, kr->mn_id_len, r->mn_fa_key) < 0) return -1;
		len = rfc3957_mn_fa_keygen_reply(r->mn_fa_keygen_reply, sizeof(r->mn_fa_keygen_reply), r->lifetime,
						 r->aaa_spi, r->mn_fa_spi, r->algorithm,
						 r->mn_fa_nonce, sizeof(r->mn_fa_nonce));
		if (len < 0) return -1;
		r->mn_fa_keygen_reply_len = (size_t) len;
	}
	return 0;
}

/*
 * aaa_key = ldap: the user's AAA security association, named by the request's AAA SPI.
 * Returns RLM_MODULE_OK, or a refusal (log line and Reply-Message).
 */
static rlm_rcode_t check_aaa_sa(REQUEST *request, mipkey_auth_t const *auth, mipkey_aaa_sa_t const *sa,
				key_request_t const *kr, mobileip_result_t *r)
{
	if (!sa || !sa->present) {
		return refuse(request, RLM_MODULE_REJECT, "no AAA security association for \"%.*s\" (aaa_key = ldap): %s",
			      (int) auth->account_len, auth->account,
			      sa && sa->problem ? sa->problem : "the key did not come from the ldap backend");
	}
	if (!kr->has_aaa_spi) {
		return refuse(request, RLM_MODULE_REJECT, "the request names no AAA SPI (MN-AAA extension or "
			      "Mipkey-AAA-SPI): aaa_key = ldap needs one");
	}
	if (r->aaa_spi != sa->spi) {
		RDEBUG2("The AAA security association of \"%.*s\" has SPI %u", (int) auth->account_len, auth->account,
			sa->spi);
		return refuse(request, RLM_MODULE_REJECT, "unknown AAA SPI %u for \"%.*s\"", r->aaa_spi,
			      (int) auth->account_len, auth->account);
	}
	/* The association's own algorithm (MN-AAA authentication) must be one the module knows;
	 * the key derivation is HMAC-SHA1 whatever it is (RFC 3957 section 5). */
	if (sa->algorithm[0] && strcasecmp(sa->algorithm, "hmac-sha1") != 0 && strcasecmp(sa->algorithm, "hmac-md5") != 0) {
		return refuse(request, RLM_MODULE_REJECT, "the AAA security association of \"%.*s\" has the unknown "
			      "algorithm \"%s\" (known: hmac-sha1, hmac-md5)", (int) auth->account_len, auth->account,
			      sa->algorithm);
	}
	RDEBUG2("AAA key: the AAA security association SPI %u of \"%.*s\" (%zu octets)", sa->spi,
		(int) auth->account_len, auth->account, sa->key_len);
	return RLM_MODULE_OK;
}

/*
 * BlastRADIUS (CVE-2024-3596): a forged Access-Accept needs a request without a valid
 * Message-Authenticator. FreeRADIUS drops a request whose Message-Authenticator is wrong, so
 * one that is present was valid. An inner-tunnel request (PEAP, TTLS) is as signed as the
 * outer request that carried it.
 */
static bool has_message_authenticator(REQUEST *request)
{
	REQUEST *r;

	for (r = request; r; r = r->parent) {
		if (r->packet && fr_pair_find_by_num(r->packet->vps, PW_MESSAGE_AUTHENTICATOR, 0, TAG_ANY)) return true;
	}
	return false;
}

rlm_rcode_t mobileip_reply(mobileip_inst_t const *inst, REQUEST *request, mipkey_auth_t const *auth,
			   uint8_t const master_key[MSCHAPV2_HASH_LEN], mipkey_aaa_sa_t const *aaa_sa)
{
	mobileip_result_t		r;
	key_request_t			kr;
	mobileip_profile_t const	*profile;
	CONF_SECTION			*client_cs = request->client ? request->client->cs : NULL;
	VALUE_PAIR			*blob, *key_request, *vps = NULL;
	bool				keys_requested;
	uint8_t const			*aaa_key = master_key;		/* aaa_key = mschapv2: k'' */
	size_t				aaa_key_len = MSCHAPV2_HASH_LEN;
	rlm_rcode_t			rcode;

	memset(&r, 0, sizeof(r));
	memset(&kr, 0, sizeof(kr));
	r.return_skey = inst->return_skey;
	r.return_master_key = inst->return_master_key;

	blob = request_attr(request, "Mipkey-Registration-Request");
	key_request = request_attr(request, "Mipkey-Key-Request");
	keys_requested = blob || key_request || first_request_attr(request, mn_ha_spi_attrs + 1);

	/* A client with a bad profile is a configuration error: its key requests fail, not reject. */
	if (client_bool(request, client_cs, "mipkey_return_skey", &r.return_skey) < 0 ||
	    client_bool(request, client_cs, "mipkey_return_master_key", &r.return_master_key) < 0) {
		return RLM_MODULE_FAIL;
	}
	profile = client_profile(inst, request, client_cs);
	if (!profile) return keys_requested ? RLM_MODULE_FAIL : RLM_MODULE_NOOP;
	/* Skey and k'' go to every accepted request of a client configured for them: the seed's
	 * home agent forwards only the challenge and the response. */
	if (!keys_requested && !r.return_skey && !r.return_master_key && !profile->sends_master_key) {
		return RLM_MODULE_NOOP;
	}
	if (inst->require_message_authenticator && !has_message_authenticator(request)) {
		return refuse(request, RLM_MODULE_REJECT, "the request has no Message-Authenticator: Mobile IP keys, "
			      "Skey and k'' are sent only to signed requests (require_message_authenticator)");
	}
	memcpy(r.master_key, master_key, sizeof(r.master_key));

	if (keys_requested) {
		if (blob) {
			if (key_request) RDEBUG2("Mipkey-Registration-Request present: ignoring Mipkey-Key-Request");
			rcode = from_rrq(inst, request, blob, auth, &kr, &r);
		} else {
			rcode = from_attributes(request, key_request, auth, &kr, &r);
		}
		if (rcode != RLM_MODULE_OK) goto done;

		if (kr.requested_lifetime == 0) {
			rcode = refuse(request, RLM_MODULE_REJECT, "requested lifetime 0: a deregistration gets no keys");
			goto done;
		}
		r.lifetime = kr.requested_lifetime < inst->max_lifetime ? kr.requested_lifetime : inst->max_lifetime;
		r.algorithm = inst->algorithm;
		r.replay_method = inst->replay_method;

		if (inst->aaa_key_source == MOBILEIP_AAA_KEY_LDAP) {
			rcode = check_aaa_sa(request, auth, aaa_sa, &kr, &r);
			if (rcode != RLM_MODULE_OK) goto done;
			aaa_key = aaa_sa->key;
			aaa_key_len = aaa_sa->key_len;
			r.aaa_spi = aaa_sa->spi;	/* the KeyGen Replies name the association used */
		}

		rcode = RLM_MODULE_FAIL;
		if (compute_keys(request, &r, &kr, aaa_key, aaa_key_len) < 0) {
			RERROR("Mobile IP key derivation failed (OpenSSL error)");
			goto done;
		}
		RDEBUG2("Mobile IP: MN-HA key %s (SPI %u), MN-FA key %s (SPI %u), lifetime %u, profile %s",
			r.mn_ha ? "yes" : "no", r.mn_ha_spi, r.mn_fa ? "yes" : "no", r.mn_fa_spi, r.lifetime,
			profile->name);

		if (profile->reply(request, &vps, &r) < 0) goto done;
		if (profile->sends_keygen_replies &&
		    ((r.mn_ha && mobileip_add_octets(request, &vps, "Mipkey-MN-HA-KeyGen-Reply", r.mn_ha_keygen_reply,
						     r.mn_ha_keygen_reply_len) < 0) ||
		     (r.mn_fa && mobileip_add_octets(request, &vps, "Mipkey-MN-FA-KeyGen-Reply", r.mn_fa_keygen_reply,
						     r.mn_fa_keygen_reply_len) < 0))) goto done;
	}

	rcode = RLM_MODULE_FAIL;
	if (r.return_skey) {
		if (mip_skey(r.master_key, auth->auth_challenge, MSCHAPV2_CHALLENGE_LEN, auth->nt_response, r.skey) < 0) {
			RERROR("Skey derivation failed (OpenSSL error)");
			goto done;
		}
		if (mobileip_add_octets(request, &vps, "Mipkey-Skey", r.skey, sizeof(r.skey)) < 0) goto done;
	}
	if ((r.return_master_key || profile->sends_master_key) &&
	    mobileip_add_octets(request, &vps, "Mipkey-Master-Key", r.master_key, sizeof(r.master_key)) < 0) goto done;

	fr_pair_add(&request->reply->vps, vps);
	vps = NULL;
	rcode = RLM_MODULE_OK;

done:
	wipe_list(vps);
	fr_pair_list_free(&vps);
	OPENSSL_cleanse(&r, sizeof(r));
	OPENSSL_cleanse(&kr, sizeof(kr));
	return rcode;
}
