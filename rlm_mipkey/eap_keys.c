/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * eap_keys.c - Mobile IPv4 keys from EAP authentication, in post-auth (see eap_keys.h).
 *
 * Where FreeRADIUS 3.2.1 leaves the EAP key material by post-auth (read in its source):
 *   - EAP-TLS, PEAP, TTLS (libeap eaptls_gen_mppe_keys): EAP-MSK and EAP-EMSK, 64 octets each,
 *     internal attributes of the reply (never sent), and MS-MPPE-Recv-Key = MSK[0..31],
 *     MS-MPPE-Send-Key = MSK[32..63];
 *   - EAP-SIM (rlm_eap_sim eap_sim_sendsuccess): only MS-MPPE-Recv-Key | MS-MPPE-Send-Key,
 *     the MSK; the EMSK it computes is not exported.
 * The server core salt-encrypts the MPPE keys when it sends the packet, so they are plain here.
 *
 * The NAI the keys are bound to is the identity the EAP method authenticated: the request's
 * User-Name, except for the tunnelled methods (PEAP, TTLS, FAST), whose outer identity may
 * be anonymous: there it is session-state:Mipkey-EAP-Identity, which the inner tunnel sets
 * from its User-Name (sites-available/mipkey-inner-tunnel); without it the request is
 * refused, never served with the outer name.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <openssl/crypto.h>

#include "eap_keys.h"
#include "eap_mobility_keys.h"
#include "profile.h"

/* EAP method types (IANA), those that matter here. */
#define EAP_TYPE_TLS		13
#define EAP_TYPE_SIM		18
#define EAP_TYPE_TTLS		21
#define EAP_TYPE_PEAP		25
#define EAP_TYPE_MSCHAPV2	26
#define EAP_TYPE_FAST		43

#define EAP_CODE_SUCCESS	3
#define EAP_CODE_FAILURE	4

static const CONF_PARSER eap_keys_config[] = {
	{ "root", FR_CONF_OFFSET(PW_TYPE_STRING, eap_keys_inst_t, root_name), "emsk" },
	CONF_PARSER_TERMINATOR
};

/* Attributes this file needs beyond the ones mobileip.c checks: an older dictionary.mipkey lacks them. */
static char const *const needed_attrs[] = {
	"Mipkey-Foreign-Agent-Address", "Mipkey-FA-HA-SPI", "Mipkey-FA-HA-Key", "Mipkey-MN-NAI",
	"Mipkey-EAP-Root-Key", "Mipkey-EAP-Identity", NULL
};

int eap_keys_instantiate(TALLOC_CTX *ctx, CONF_SECTION *conf, char const *log_prefix, mobileip_inst_t const *mobileip,
			 eap_keys_inst_t **out)
{
	CONF_SECTION	*cs = cf_section_sub_find(conf, "eap_keys");
	eap_keys_inst_t	*inst;
	int		i;

	*out = NULL;
	if (!mobileip) {
		if (!cs) return 0;
		cf_log_err_cs(cs, "eap_keys { } needs Mobile IP key distribution: dictionary.mipkey is not loaded");
		return -1;
	}
	if (!cs) {
		cs = cf_section_alloc(conf, "eap_keys", NULL);
		if (!cs) return -1;
		cf_section_add(conf, cs);
	}
	inst = talloc_zero(ctx, eap_keys_inst_t);
	if (!inst) return -1;
	inst->log_prefix = log_prefix;
	if (cf_section_parse(cs, inst, eap_keys_config) < 0) return -1;
	if (strcmp(inst->root_name, "emsk") == 0) {
		inst->root = EAP_KEYS_ROOT_EMSK;
	} else if (strcmp(inst->root_name, "msk") == 0) {
		inst->root = EAP_KEYS_ROOT_MSK;
	} else {
		cf_log_err_cs(cs, "Invalid root \"%s\": use emsk (the EMSK, which stays in the server) or msk "
			      "(the MSK, which the NAS gets too; needed for EAP-SIM)", inst->root_name);
		return -1;
	}
	for (i = 0; needed_attrs[i]; i++) {
		if (!dict_attrbyname(needed_attrs[i])) {
			cf_log_err_cs(cs, "%s is not in the dictionary: install rlm_mipkey's current dictionary.mipkey",
				      needed_attrs[i]);
			return -1;
		}
	}
	*out = inst;
	return 0;
}

static VALUE_PAIR *request_attr(REQUEST *request, char const *name)
{
	DICT_ATTR const *da = dict_attrbyname(name);

	return da ? fr_pair_find_by_da(request->packet->vps, da, TAG_ANY) : NULL;
}

/* The first of names the request carries: the project's own attribute first, then 3GPP2's, WiMAX's. */
static VALUE_PAIR *first_request_attr(REQUEST *request, char const *const names[])
{
	VALUE_PAIR *vp;

	for (; *names; names++) if ((vp = request_attr(request, *names))) return vp;
	return NULL;
}

static char const *const mn_ha_spi_attrs[] = { "Mipkey-MN-HA-SPI", "3GPP2-MN-HA-SPI", "WiMAX-RRQ-MN-HA-SPI", NULL };

static char const *eap_type_name(unsigned int type)
{
	switch (type) {
	case EAP_TYPE_TLS: return "EAP-TLS";
	case EAP_TYPE_SIM: return "EAP-SIM";
	case EAP_TYPE_TTLS: return "TTLS";
	case EAP_TYPE_PEAP: return "PEAP";
	case EAP_TYPE_FAST: return "EAP-FAST";
	default: return "EAP";
	}
}

/* A key attribute of the reply that must not go out with an Access-Reject. */
static bool is_key_attr(DICT_ATTR const *da, unsigned int mipkey_vendor)
{
	if (mipkey_vendor && da->vendor == mipkey_vendor) return true;
	if (da->vendor == VENDORPEC_MICROSOFT) {
		return da->attr == PW_MSCHAP_MPPE_SEND_KEY || da->attr == PW_MSCHAP_MPPE_RECV_KEY;
	}
	return da->vendor == 0 && (da->attr == PW_EAP_MSK || da->attr == PW_EAP_EMSK);
}

/*
 * Takes the keys out of the reply (wiped) and makes its EAP-Success an EAP-Failure, so that
 * the supplicant and the NAS see the Access-Reject that post-auth's result turns it into.
 */
static void strip_reply(REQUEST *request)
{
	VALUE_PAIR	*vp, **link = &request->reply->vps;
	DICT_ATTR const	*mipkey = dict_attrbyname("Mipkey-MN-HA-Key");

	while ((vp = *link)) {
		if (is_key_attr(vp->da, mipkey ? mipkey->vendor : 0)) {
			*link = vp->next;
			vp->next = NULL;
			if (vp->vp_length && (vp->da->type == PW_TYPE_OCTETS || vp->da->type == PW_TYPE_STRING)) {
				OPENSSL_cleanse((void *) vp->vp_octets, vp->vp_length);
			}
			talloc_free(vp);
			continue;
		}
		if (vp->da->vendor == 0 && vp->da->attr == PW_EAP_MESSAGE && vp->vp_length >= 4 &&
		    vp->vp_octets[0] == EAP_CODE_SUCCESS) {
			uint8_t failure[4] = { EAP_CODE_FAILURE, vp->vp_octets[1], 0, 4 };

			fr_pair_value_memcpy(vp, failure, sizeof(failure));
		}
		link = &vp->next;
	}
}

/* A refused key request: one ERROR line, the reason in Reply-Message, the reply stripped. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static rlm_rcode_t refuse(REQUEST *request, rlm_rcode_t rcode, char const *fmt, ...)
{
	char		buf[256];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	RERROR("Mobile IP key request refused: %s", buf);
	strip_reply(request);
	pair_make_reply("Reply-Message", buf, T_OP_ADD);
	return rcode;
}

/* The root key (eap_mobility_keys.c): into root (64 to 256 octets); 0, or -1 with *why set. */
static int root_key(eap_keys_inst_t const *inst, REQUEST *request, uint8_t *root, size_t *root_len, char const **why)
{
	bool		emsk = inst->root == EAP_KEYS_ROOT_EMSK;
	VALUE_PAIR	*vp, *recv, *send;

	vp = fr_pair_find_by_num(request->reply->vps, emsk ? PW_EAP_EMSK : PW_EAP_MSK, 0, TAG_ANY);
	recv = fr_pair_find_by_num(request->reply->vps, PW_MSCHAP_MPPE_RECV_KEY, VENDORPEC_MICROSOFT, TAG_ANY);
	send = fr_pair_find_by_num(request->reply->vps, PW_MSCHAP_MPPE_SEND_KEY, VENDORPEC_MICROSOFT, TAG_ANY);
	switch (eap_mobility_keys_root(vp ? vp->vp_octets : NULL, vp ? vp->vp_length : 0, emsk,
				       recv ? recv->vp_octets : NULL, recv ? recv->vp_length : 0,
				       send ? send->vp_octets : NULL, send ? send->vp_length : 0, root, root_len)) {
	case EAP_MOBILITY_KEYS_ROOT_OK:
		return 0;
	case EAP_MOBILITY_KEYS_ROOT_LENGTH:
		*why = "the EAP method's key is not 64 to 256 octets";
		break;
	case EAP_MOBILITY_KEYS_ROOT_NO_EMSK:
		*why = "the EAP method exported no EMSK (EAP-SIM in FreeRADIUS 3.2 exports only the MSK: "
		       "eap_keys { root = msk })";
		break;
	case EAP_MOBILITY_KEYS_ROOT_NO_MSK:
		*why = "the EAP method exported no MSK";
		break;
	}
	return -1;
}

/* What the home agent asked for (mip_attrs.c). */
static rlm_rcode_t read_request(mobileip_inst_t const *mip, REQUEST *request, mip_attrs_eap_request_t *kr)
{
	mip_attr_t	attrs[MIP_ATTR_COUNT];
	uint8_t		integers[MIP_ATTR_COUNT][4];
	size_t		n = mobileip_attrs(request, attrs, integers);
	uint32_t	detail = 0;

	mip_attrs_rc_t	rc = mip_attrs_eap_key_request(attrs, n, mip->max_lifetime, kr, &detail);
	char		why[160];

	if (rc == MIP_ATTRS_OK) return RLM_MODULE_OK;
	mobileip_attrs_problem(rc, detail, why, sizeof(why));
	return refuse(request, RLM_MODULE_INVALID, "%s", why);
}

/* The authenticated identity (see the top of this file); NULL with a refusal logged. */
static VALUE_PAIR *authenticated_nai(REQUEST *request, unsigned int eap_type)
{
	DICT_ATTR const	*da = dict_attrbyname("Mipkey-EAP-Identity");
	VALUE_PAIR	*vp = da ? fr_pair_find_by_da(request->state, da, TAG_ANY) : NULL;

	if (vp) return vp;
	if (eap_type == EAP_TYPE_PEAP || eap_type == EAP_TYPE_TTLS || eap_type == EAP_TYPE_FAST) {
		refuse(request, RLM_MODULE_REJECT, "%s is tunnelled and session-state:Mipkey-EAP-Identity is not set: the "
		       "inner tunnel must set it (sites-available/mipkey-inner-tunnel, post-auth)",
		       eap_type_name(eap_type));
		return NULL;
	}
	vp = fr_pair_find_by_num(request->packet->vps, PW_USER_NAME, 0, TAG_ANY);
	if (!vp) refuse(request, RLM_MODULE_INVALID, "no User-Name");
	return vp;
}

static int compute(mobileip_inst_t const *mip, mip_attrs_eap_request_t const *kr, uint8_t const *root, size_t root_len,
		   VALUE_PAIR const *nai, mobileip_result_t *r, uint8_t *fa_ha_key)
{
	uint8_t		rk[EAP_MOBILITY_KEYS_RK_LEN], fa_rk[EAP_MOBILITY_KEYS_FA_RK_LEN];
	ssize_t		len;
	int		ret = -1;

	r->mn_ha = kr->mn_ha;
	r->mn_ha_spi = kr->mn_ha_spi;
	r->mn_fa = kr->mn_fa;
	r->mn_fa_spi = kr->mn_fa_spi;
	r->aaa_spi = kr->aaa_spi;
	r->lifetime = kr->lifetime;
	r->algorithm = mip->algorithm;
	r->replay_method = mip->replay_method;
	r->has_home_agent = kr->mn_ha;
	memcpy(r->home_agent, kr->home_agent, 4);

	if (eap_mobility_keys_rk(root, root_len, rk) < 0) goto done;
	if (r->mn_ha) {
		if (rfc3957_nonce(r->mn_ha_nonce, sizeof(r->mn_ha_nonce)) < 0 ||
		    eap_mobility_keys_mn_ha_key(rk, kr->home_agent, kr->mn_ha_spi, r->mn_ha_nonce, sizeof(r->mn_ha_nonce),
						(uint8_t const *) nai->vp_strvalue, nai->vp_length, r->mn_ha_key) < 0) goto done;
		len = rfc3957_mn_ha_keygen_reply(r->mn_ha_keygen_reply, sizeof(r->mn_ha_keygen_reply), r->lifetime,
						 r->aaa_spi, r->mn_ha_spi, r->algorithm, r->replay_method,
						 r->mn_ha_nonce, sizeof(r->mn_ha_nonce));
		if (len < 0) goto done;
		r->mn_ha_keygen_reply_len = (size_t) len;
	}
	if (r->mn_fa) {
		if (eap_mobility_keys_fa_rk(rk, fa_rk) < 0 || rfc3957_nonce(r->mn_fa_nonce, sizeof(r->mn_fa_nonce)) < 0 ||
		    eap_mobility_keys_mn_fa_key(fa_rk, kr->foreign_agent, kr->mn_fa_spi, r->mn_fa_nonce, sizeof(r->mn_fa_nonce),
						(uint8_t const *) nai->vp_strvalue, nai->vp_length, r->mn_fa_key) < 0) goto done;
		len = rfc3957_mn_fa_keygen_reply(r->mn_fa_keygen_reply, sizeof(r->mn_fa_keygen_reply), r->lifetime,
						 r->aaa_spi, r->mn_fa_spi, r->algorithm, r->mn_fa_nonce,
						 sizeof(r->mn_fa_nonce));
		if (len < 0) goto done;
		r->mn_fa_keygen_reply_len = (size_t) len;
	}
	/* Random, not from the EAP keys: the mobile node must not be able to derive the FA-HA key. */
	if (kr->fa_ha && rfc3957_nonce(fa_ha_key, EAP_MOBILITY_KEYS_KEY_LEN) < 0) goto done;
	ret = 0;

done:
	OPENSSL_cleanse(rk, sizeof(rk));
	OPENSSL_cleanse(fa_rk, sizeof(fa_rk));
	return ret;
}

/* The profile's attributes, the KeyGen Replies, the FA-HA key and the NAI, into *vps. */
static int reply_attrs(REQUEST *request, mobileip_profile_t const *profile, eap_keys_inst_t const *inst,
		       mip_attrs_eap_request_t const *kr, mobileip_result_t const *r, uint8_t const *fa_ha_key,
		       VALUE_PAIR const *nai, VALUE_PAIR **vps)
{
	if (profile->reply(request, vps, r) < 0) return -1;
	if (!profile->sends_keygen_replies && (r->mn_ha || r->mn_fa)) {
		RWARN("Profile %s carries no Mobile IP keys: none sent", profile->name);
	}
	if (profile->sends_keygen_replies &&
	    ((r->mn_ha && profile_add_octets(request, vps, "Mipkey-MN-HA-KeyGen-Reply", r->mn_ha_keygen_reply,
					      r->mn_ha_keygen_reply_len) < 0) ||
	     (r->mn_fa && profile_add_octets(request, vps, "Mipkey-MN-FA-KeyGen-Reply", r->mn_fa_keygen_reply,
					      r->mn_fa_keygen_reply_len) < 0))) return -1;
	if (kr->fa_ha &&
	    (profile_add_octets(request, vps, "Mipkey-FA-HA-Key", fa_ha_key, EAP_MOBILITY_KEYS_KEY_LEN) < 0 ||
	     profile_add_integer(request, vps, "Mipkey-FA-HA-SPI", kr->fa_ha_spi) < 0)) return -1;
	if (profile_add_string(request, vps, "Mipkey-MN-NAI", nai->vp_strvalue, nai->vp_length) < 0 ||
	    profile_add_integer(request, vps, "Mipkey-EAP-Root-Key", inst->root == EAP_KEYS_ROOT_EMSK ? 2 : 1) < 0) {
		return -1;
	}
	return 0;
}

rlm_rcode_t eap_keys_post_auth(eap_keys_inst_t const *inst, mobileip_inst_t const *mip, REQUEST *request)
{
	VALUE_PAIR		*key_request, *vp, *nai, *vps = NULL;
	unsigned int		eap_type;
	mip_attrs_eap_request_t	kr;
	mobileip_result_t	r;
	mobileip_profile_t const *profile;
	uint8_t			root[EAP_MOBILITY_KEYS_ROOT_MAX_LEN], fa_ha_key[EAP_MOBILITY_KEYS_KEY_LEN];
	size_t			root_len = 0;
	char const		*why = NULL;
	rlm_rcode_t		rcode;

	if (!inst || !mip || !request->reply || request->reply->code != PW_CODE_ACCESS_ACCEPT) return RLM_MODULE_NOOP;
	if (!fr_pair_find_by_num(request->packet->vps, PW_EAP_MESSAGE, 0, TAG_ANY)) return RLM_MODULE_NOOP;
	key_request = request_attr(request, "Mipkey-Key-Request");
	if (!key_request && !first_request_attr(request, mn_ha_spi_attrs + 1) && !request_attr(request, "Mipkey-FA-HA-SPI") &&
	    !request_attr(request, "Mipkey-Registration-Request")) return RLM_MODULE_NOOP;

	vp = fr_pair_find_by_num(request->packet->vps, PW_EAP_TYPE, 0, TAG_ANY);
	eap_type = vp ? vp->vp_integer : 0;
	/* EAP-MSCHAPv2 on its own: authenticate already handed out the MS-CHAPv2 keys. */
	if (eap_type == EAP_TYPE_MSCHAPV2) return RLM_MODULE_NOOP;
	if (request_attr(request, "Mipkey-Registration-Request")) {
		return refuse(request, RLM_MODULE_INVALID, "Mipkey-Registration-Request is for MS-CHAPv2; with EAP "
			      "the key request is made of attributes (Mipkey-Key-Request, ...)");
	}

	memset(&kr, 0, sizeof(kr));
	memset(&r, 0, sizeof(r));
	rcode = read_request(mip, request, &kr);
	if (rcode != RLM_MODULE_OK) return rcode;
	if (root_key(inst, request, root, &root_len, &why) < 0) {
		rcode = refuse(request, RLM_MODULE_REJECT, "%s after %s", why, eap_type_name(eap_type));
		goto done;
	}
	nai = authenticated_nai(request, eap_type);
	if (!nai) {
		rcode = RLM_MODULE_REJECT;
		goto done;
	}
	if (nai->vp_length == 0 || nai->vp_length > EAP_MOBILITY_KEYS_NAI_MAX_LEN) {
		rcode = refuse(request, RLM_MODULE_INVALID, "the authenticated identity is %zu octets (1 to %d)",
			       nai->vp_length, EAP_MOBILITY_KEYS_NAI_MAX_LEN);
		goto done;
	}
	profile = mobileip_client_profile(mip, request);
	if (!profile) {
		rcode = RLM_MODULE_FAIL;
		goto done;
	}
	rcode = RLM_MODULE_FAIL;
	if (compute(mip, &kr, root, root_len, nai, &r, fa_ha_key) < 0) {
		RERROR("Mobile IP key derivation from EAP keys failed (OpenSSL error)");
		goto done;
	}
	RDEBUG2("Mobile IP keys from the %s of %s for \"%.*s\": MN-HA %s (SPI %u), MN-FA %s (SPI %u), FA-HA %s "
		"(SPI %u), lifetime %u, profile %s", inst->root == EAP_KEYS_ROOT_EMSK ? "EMSK" : "MSK",
		eap_type_name(eap_type), (int) nai->vp_length, nai->vp_strvalue, r.mn_ha ? "yes" : "no", r.mn_ha_spi,
		r.mn_fa ? "yes" : "no", r.mn_fa_spi, kr.fa_ha ? "yes" : "no", kr.fa_ha_spi, r.lifetime, profile->name);
	if (reply_attrs(request, profile, inst, &kr, &r, fa_ha_key, nai, &vps) < 0) goto done;
	fr_pair_add(&request->reply->vps, vps);
	vps = NULL;
	rcode = RLM_MODULE_OK;

done:
	if (rcode == RLM_MODULE_FAIL) strip_reply(request);
	for (vp = vps; vp; vp = vp->next) {
		if (vp->vp_length && (vp->da->type == PW_TYPE_OCTETS || vp->da->type == PW_TYPE_STRING)) {
			OPENSSL_cleanse((void *) vp->vp_octets, vp->vp_length);
		}
	}
	fr_pair_list_free(&vps);
	OPENSSL_cleanse(root, sizeof(root));
	OPENSSL_cleanse(fa_ha_key, sizeof(fa_ha_key));
	OPENSSL_cleanse(&r, sizeof(r));
	return rcode;
}
