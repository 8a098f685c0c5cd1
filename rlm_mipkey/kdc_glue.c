/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * kdc_glue.c - the home AAA server as key distribution centre (WO 01/26322, "seed 001"):
 * the FreeRADIUS side of kdc.c. docs/PROTOCOL.md section 5 has the formulas and layouts.
 *
 * The home agent forwards the mobile node's Registration Request header and its Encrypted
 * NAI extension (Mipkey-KDC-Request) with the outer identity "@realm" as User-Name. The
 * module finds KEY0 by the SPI in clear (backend lookup_key0), authenticates and decrypts
 * the NAI (AES-GCM, the clear fields as AAD) before anything else is looked at, checks that
 * the NAI is the entry's and in the outer realm and that the registration (NAI, Identification)
 * is not in the replay cache (replay.h), then makes KEY1 (MN-HA), KEY2 (FA-HA) and
 * KEY3 (MN-FA): random (stateful), or from a random K_SEED with the PRF (semi-stateful).
 * The home agent gets them in the client's reply profile where it has an attribute, in the
 * project's dictionary otherwise; the mobile node gets KEY1 || KEY3 (or K_SEED) wrapped
 * under KEY0 in the MN Key Reply extension. Every refusal is the same Access-Reject; the
 * reason is in the log only. Every key is wiped after use.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <strings.h>

#include "kdc_glue.h"
#include "kdc.h"
#include "profile.h"
#include "replay.h"
#include "wire.h"

/* What a refused client is told, whatever the reason: nothing to tell the reasons apart. */
#define KDC_REFUSED	"KDC registration refused"

/* Upper bound of replay_window, as for mobileip { replay_window }. */
#define KDC_REPLAY_WINDOW_MAX	86400

struct kdc_inst {
	char const		*mode_name;
	uint32_t		max_lifetime;
	uint32_t		replay_window;
	char const		*kek_file;

	bool			semi_stateful;
	uint8_t			kek[32];
	size_t			kek_len;		//!< 0: KEY0 is stored as it is
	mipkey_backend_t const	*backend;
	void			*backend_inst;
	mobileip_inst_t const	*mobileip;
	char const		*log_prefix;
};

static const CONF_PARSER kdc_config[] = {
	{ "mode", FR_CONF_OFFSET(PW_TYPE_STRING, kdc_inst_t, mode_name), "stateful" },
	{ "max_lifetime", FR_CONF_OFFSET(PW_TYPE_INTEGER, kdc_inst_t, max_lifetime), "3600" },
	{ "replay_window", FR_CONF_OFFSET(PW_TYPE_INTEGER, kdc_inst_t, replay_window), "7" },
	{ "key0_kek_file", FR_CONF_OFFSET(PW_TYPE_FILE_INPUT, kdc_inst_t, kek_file), NULL },
	CONF_PARSER_TERMINATOR
};

static int _kdc_inst_free(kdc_inst_t *inst)
{
	OPENSSL_cleanse(inst->kek, sizeof(inst->kek));
	return 0;
}

/* The KEK: 32, 48 or 64 hex digits, on the file's first line. */
static int read_kek(kdc_inst_t *inst, CONF_SECTION *cs)
{
	FILE	*fp = fopen(inst->kek_file, "r");
	char	line[160];
	size_t	len;
	int	rc = -1;

	if (!fp) {
		cf_log_err_cs(cs, "Cannot open key0_kek_file \"%s\": %s", inst->kek_file, fr_syserror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), fp)) {
		len = strcspn(line, " \t\r\n");
		if ((len == 32 || len == 48 || len == 64) && fr_hex2bin(inst->kek, sizeof(inst->kek), line, len) == len / 2) {
			inst->kek_len = len / 2;
			rc = 0;
		}
	}
	OPENSSL_cleanse(line, sizeof(line));
	fclose(fp);
	if (rc < 0) cf_log_err_cs(cs, "key0_kek_file \"%s\": the first line must be 32, 48 or 64 hex digits "
				  "(an AES key)", inst->kek_file);
	return rc;
}

int kdc_instantiate(TALLOC_CTX *ctx, CONF_SECTION *conf, char const *log_prefix, mipkey_backend_t const *backend,
		    void *backend_inst, mobileip_inst_t const *mobileip, kdc_inst_t **out)
{
	CONF_SECTION	*cs = cf_section_sub_find(conf, "kdc");
	kdc_inst_t	*inst;

	*out = NULL;
	if (!cs) return 0;
	if (!backend || !backend->lookup_key0 || !backend->has_key0 || !backend->has_key0(backend_inst)) {
		cf_log_err_cs(cs, "kdc { } needs backend = ldap with kdc_key_attribute set in its ldap { } subsection");
		return -1;
	}
	if (!mobileip) {
		cf_log_err_cs(cs, "kdc { } needs the project dictionary (dictionary.mipkey, see mobileip { dictionary })");
		return -1;
	}
	inst = talloc_zero(ctx, kdc_inst_t);
	if (!inst) return -1;
	talloc_set_destructor(inst, _kdc_inst_free);
	if (cf_section_parse(cs, inst, kdc_config) < 0) return -1;

	if (strcmp(inst->mode_name, "stateful") == 0) {
		inst->semi_stateful = false;
	} else if (strcmp(inst->mode_name, "semi-stateful") == 0) {
		inst->semi_stateful = true;
	} else {
		cf_log_err_cs(cs, "Invalid mode \"%s\": use stateful or semi-stateful", inst->mode_name);
		return -1;
	}
	if (inst->max_lifetime == 0) {
		cf_log_err_cs(cs, "max_lifetime must be at least 1 second");
		return -1;
	}
	if (inst->replay_window > KDC_REPLAY_WINDOW_MAX) {
		cf_log_err_cs(cs, "replay_window %u is more than %u seconds (0 turns the check off)",
			      inst->replay_window, KDC_REPLAY_WINDOW_MAX);
		return -1;
	}
	/* A replay the timestamp check lets in must still be in the cache. */
	if (inst->replay_window && replay_retention(mobileip->replay) &&
	    replay_retention(mobileip->replay) < 2 * inst->replay_window + 1) {
		cf_log_err_cs(cs, "replay_window %u needs mobileip { replay_cache { retention } } of at least %u "
			      "seconds (it is %u)", inst->replay_window, 2 * inst->replay_window + 1,
			      replay_retention(mobileip->replay));
		return -1;
	}
	if (inst->kek_file && *inst->kek_file && read_kek(inst, cs) < 0) return -1;
	inst->backend = backend;
	inst->backend_inst = backend_inst;
	inst->mobileip = mobileip;
	inst->log_prefix = log_prefix;
	*out = inst;
	return 0;
}

static VALUE_PAIR *request_attr(REQUEST *request, char const *name)
{
	DICT_ATTR const *da = dict_attrbyname(name);

	return da ? fr_pair_find_by_da(request->packet->vps, da, TAG_ANY) : NULL;
}

bool kdc_requested(REQUEST *request)
{
	return request_attr(request, "Mipkey-KDC-Request") != NULL;
}

/* A refusal: the reason in the log, the same Reply-Message for every reason. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static rlm_rcode_t refuse(REQUEST *request, char const *fmt, ...)
{
	char	buf[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	RERROR("KDC request refused: %s", buf);
	pair_make_reply("Reply-Message", KDC_REFUSED, T_OP_SET);
	return RLM_MODULE_REJECT;
}

/* Which keys a profile has attributes for: the project's dictionary carries the rest. */
static void profile_carries(mobileip_profile_t const *p, bool *mn_ha, bool *mn_fa)
{
	*mn_ha = *mn_fa = false;
	if (p == &mobileip_profile_3gpp2 || p == &mobileip_profile_cisco) *mn_ha = true;
	if (p == &mobileip_profile_wimax) *mn_ha = *mn_fa = true;
}

/* Everything one request holds that must be wiped. */
typedef struct {
	mipkey_key0_t		entry;
	uint8_t			key0[KDC_KEY0_MAX];
	size_t			key0_len;
	uint8_t			k_enc[KDC_KEY0_MAX];
	uint8_t			k_wrap[KDC_KEY0_MAX];
	uint8_t			nai[KDC_NAI_MAX];
	size_t			nai_len;
	uint8_t			seed[KDC_SEED_LEN];
	uint8_t			keys[3][KDC_KEY_LEN];	//!< KEY1 (MN-HA), KEY2 (FA-HA), KEY3 (MN-FA)
	uint8_t			mn_keys[KDC_MN_KEYS_MAX];
	size_t			mn_keys_len;
	mobileip_result_t	r;
} kdc_work_t;

/* KEY0 from what the backend stored: as it is, or unwrapped (RFC 3394) under the KEK. */
static int stored_key0(kdc_inst_t const *inst, REQUEST *request, uint32_t spi, kdc_work_t *w)
{
	ssize_t n;

	if (!inst->kek_len) {
		if (w->entry.key_len != 16 && w->entry.key_len != 24 && w->entry.key_len != 32) {
			RERROR("KEY0 of SPI %u is %zu octets: an AES key is 16, 24 or 32", spi, w->entry.key_len);
			return -1;
		}
		memcpy(w->key0, w->entry.key, w->entry.key_len);
		w->key0_len = w->entry.key_len;
		return 0;
	}
	n = kdc_unwrap(inst->kek, inst->kek_len, false, w->entry.key, w->entry.key_len, w->key0, sizeof(w->key0));
	if (n != 16 && n != 24 && n != 32) {
		OPENSSL_cleanse(w->key0, sizeof(w->key0));
		RERROR("KEY0 of SPI %u does not unwrap under key0_kek_file (RFC 3394 integrity check failed, or "
		       "not a 16, 24 or 32-octet key)", spi);
		return -1;
	}
	w->key0_len = (size_t) n;
	return 0;
}

/* The NAI must be "user@realm" in printable ASCII, user = the entry's name, realm = the outer realm. */
static char const *nai_problem(kdc_work_t const *w, char const *realm, size_t realm_len)
{
	uint8_t const	*at;
	size_t		i, user_len;

	for (i = 0; i < w->nai_len; i++) {
		if (w->nai[i] < 0x21 || w->nai[i] > 0x7e) return "the decrypted NAI has a non-printable octet";
	}
	at = memchr(w->nai, '@', w->nai_len);
	if (!at) return "the decrypted NAI has no realm";
	user_len = (size_t) (at - w->nai);
	if (user_len != w->entry.name_len || strncasecmp((char const *) w->nai, w->entry.name, user_len) != 0) {
		return "the decrypted NAI is not the one of KEY0's entry";
	}
	if (w->nai_len - user_len - 1 != realm_len ||
	    strncasecmp((char const *) at + 1, realm, realm_len) != 0) return "the decrypted NAI's realm is not the outer identity's";
	return NULL;
}

/* KEY1, KEY2, KEY3: random, or PRF(K_SEED, NAI_i | NAI_r | IP_r | IP_i) (docs/PROTOCOL.md 5.3). */
static int make_keys(kdc_inst_t const *inst, kdc_request_t const *req, kdc_work_t *w)
{
	if (!inst->semi_stateful) return RAND_bytes(&w->keys[0][0], sizeof(w->keys)) == 1 ? 0 : -1;

	if (RAND_bytes(w->seed, sizeof(w->seed)) != 1) return -1;
	/* MN (initiator, home address) - HA (responder, no NAI, home agent address) */
	if (kdc_prf(w->seed, sizeof(w->seed), w->nai, w->nai_len, NULL, 0, req->home_agent, 4, req->home_address, 4,
		    w->keys[0], KDC_KEY_LEN) < 0) return -1;
	/* FA (initiator, care-of address) - HA (responder) */
	if (kdc_prf(w->seed, sizeof(w->seed), NULL, 0, NULL, 0, req->home_agent, 4, req->care_of, 4,
		    w->keys[1], KDC_KEY_LEN) < 0) return -1;
	/* MN (initiator) - FA (responder, care-of address) */
	return kdc_prf(w->seed, sizeof(w->seed), w->nai, w->nai_len, NULL, 0, req->care_of, 4, req->home_address, 4,
		       w->keys[2], KDC_KEY_LEN);
}

/* The home agent's attributes: the client's profile where it has them, Mipkey-* otherwise. */
static int reply_attrs(kdc_inst_t const *inst, REQUEST *request, kdc_request_t const *req, uint32_t lifetime,
		       kdc_work_t *w, VALUE_PAIR **vps)
{
	mobileip_profile_t const	*profile = mobileip_client_profile(inst->mobileip, request);
	mobileip_result_t		*r = &w->r;
	bool				ha_in_profile, fa_in_profile;

	if (!profile) return -1;
	profile_carries(profile, &ha_in_profile, &fa_in_profile);
	r->mn_ha = ha_in_profile;
	r->mn_fa = fa_in_profile;
	r->mn_ha_spi = req->mn_ha_spi;
	r->mn_fa_spi = req->mn_fa_spi;
	r->lifetime = lifetime;
	r->algorithm = RFC3957_ALG_HMAC_SHA1;
	r->replay_method = inst->mobileip->replay_method;
	r->has_home_agent = (req->home_agent[0] | req->home_agent[1] | req->home_agent[2] | req->home_agent[3]) != 0;
	memcpy(r->home_agent, req->home_agent, 4);
	memcpy(r->mn_ha_key, w->keys[0], KDC_KEY_LEN);
	memcpy(r->mn_fa_key, w->keys[2], KDC_KEY_LEN);
	if ((ha_in_profile || fa_in_profile) && profile->reply(request, vps, r) < 0) return -1;

	if (!ha_in_profile &&
	    (profile_add_octets(request, vps, "Mipkey-MN-HA-Key", w->keys[0], KDC_KEY_LEN) < 0 ||
	     profile_add_integer(request, vps, "Mipkey-MN-HA-SPI", req->mn_ha_spi) < 0)) return -1;
	if (!fa_in_profile &&
	    (profile_add_octets(request, vps, "Mipkey-MN-FA-Key", w->keys[2], KDC_KEY_LEN) < 0 ||
	     profile_add_integer(request, vps, "Mipkey-MN-FA-SPI", req->mn_fa_spi) < 0)) return -1;
	if (profile_add_octets(request, vps, "Mipkey-FA-HA-Key", w->keys[1], KDC_KEY_LEN) < 0 ||
	    profile_add_integer(request, vps, "Mipkey-MN-HA-Lifetime", lifetime) < 0 ||
	    profile_add_integer(request, vps, "Mipkey-MN-FA-Lifetime", lifetime) < 0 ||
	    profile_add_integer(request, vps, "Mipkey-Algorithm", RFC3957_ALG_HMAC_SHA1) < 0 ||
	    profile_add_octets(request, vps, "Mipkey-KDC-MN-Keys", w->mn_keys, w->mn_keys_len) < 0) return -1;
	if (inst->semi_stateful && profile_add_octets(request, vps, "Mipkey-KDC-Seed", w->seed, sizeof(w->seed)) < 0) {
		return -1;
	}
	return 0;
}

static bool signed_request(REQUEST *request)
{
	return fr_pair_find_by_num(request->packet->vps, PW_MESSAGE_AUTHENTICATOR, 0, TAG_ANY) != NULL;
}

static void wipe_list(VALUE_PAIR *vps)
{
	VALUE_PAIR *vp;

	for (vp = vps; vp; vp = vp->next) {
		if ((vp->da->type == PW_TYPE_OCTETS || vp->da->type == PW_TYPE_STRING) && vp->vp_length) {
			OPENSSL_cleanse((void *) vp->vp_octets, vp->vp_length);
		}
	}
}

rlm_rcode_t kdc_authenticate(kdc_inst_t const *inst, REQUEST *request)
{
	VALUE_PAIR	*blob = request_attr(request, "Mipkey-KDC-Request"), *name, *vps = NULL;
	kdc_request_t	req;
	kdc_work_t	*w;
	char const	*err = NULL, *realm;
	size_t		realm_len;
	uint32_t	lifetime, now_ntp;
	int32_t		skew;
	ssize_t		n;
	int		opened;
	rlm_rcode_t	rcode = RLM_MODULE_FAIL;

	if (!blob) return RLM_MODULE_NOOP;
	if (inst->mobileip->require_message_authenticator && !signed_request(request)) {
		return refuse(request, "the request has no Message-Authenticator (require_message_authenticator)");
	}
	name = fr_pair_find_by_num(request->packet->vps, PW_USER_NAME, 0, TAG_ANY);
	if (!name || name->vp_length < 2 || name->vp_strvalue[0] != '@' ||
	    memchr(name->vp_strvalue + 1, '@', name->vp_length - 1)) {
		return refuse(request, "User-Name must be the outer identity \"@realm\" (only the realm)");
	}
	realm = name->vp_strvalue + 1;
	realm_len = name->vp_length - 1;
	if (kdc_request_parse(blob->vp_octets, blob->vp_length, &req, &err) < 0) {
		return refuse(request, "malformed Mipkey-KDC-Request (%zu octets): %s", blob->vp_length, err);
	}
	if (inst->replay_window) {
		now_ntp = (uint32_t) ((uint64_t) time(NULL) + NTP_UNIX_OFFSET);
		skew = (int32_t) ((uint32_t) (req.identification >> 32) - now_ntp);
		if (skew > (int32_t) inst->replay_window || skew < -(int32_t) inst->replay_window) {
			return refuse(request, "Registration Request timestamp %d s from the server's clock "
				      "(replay_window %u s)", (int) skew, inst->replay_window);
		}
	}
	if (req.lifetime == 0) return refuse(request, "requested lifetime 0 (a deregistration gets no keys)");
	lifetime = req.lifetime < inst->max_lifetime ? req.lifetime : inst->max_lifetime;

	w = talloc_zero(request, kdc_work_t);
	if (!w) return RLM_MODULE_FAIL;

	switch (inst->backend->lookup_key0(inst->backend_inst, request, req.key0_spi, &w->entry)) {
	case MIPKEY_OK:
		break;
	case MIPKEY_NO_USER:
	case MIPKEY_INVALID:
		/* As much work as a wrong tag: an unknown SPI should not answer sooner. */
		if (RAND_bytes(w->k_enc, 16) == 1) kdc_request_open(w->k_enc, 16, &req, w->nai, sizeof(w->nai), &w->nai_len);
		rcode = refuse(request, "unknown KEY0 SPI %u (no single entry with a usable KEY0)", req.key0_spi);
		goto done;
	default:
		goto done;	/* logged by the backend */
	}
	if (stored_key0(inst, request, req.key0_spi, w) < 0) {
		rcode = refuse(request, "KEY0 of SPI %u is unusable (see the line above)", req.key0_spi);
		goto done;
	}
	if (kdc_key0_subkeys(w->key0, w->key0_len, w->k_enc, w->k_wrap) < 0) {
		RERROR("KEY0 subkey derivation failed (OpenSSL error)");
		goto done;
	}
	opened = kdc_request_open(w->k_enc, w->key0_len, &req, w->nai, sizeof(w->nai), &w->nai_len);
	if (opened < 0) {
		RERROR("AES-GCM failed (OpenSSL error)");
		goto done;
	}
	if (!opened) {
		rcode = refuse(request, "the Encrypted NAI does not authenticate under KEY0 SPI %u (tampered, replayed "
			       "with other clear fields, or made with another key)", req.key0_spi);
		goto done;
	}
	err = nai_problem(w, realm, realm_len);
	if (err) {
		rcode = refuse(request, "%s (KEY0 SPI %u, entry \"%s\")", err, req.key0_spi, w->entry.name);
		goto done;
	}
	RDEBUG2("KDC: identity of KEY0 SPI %u authenticated (entry \"%s\"), %s mode", req.key0_spi, w->entry.name,
		inst->mode_name);
	switch (replay_check_kdc(inst->mobileip->replay, request, w->nai, w->nai_len, req.home_address,
				 req.identification)) {
	case RLM_MODULE_OK:
		break;
	case RLM_MODULE_REJECT:
		rcode = refuse(request, "replayed request (its NAI and Identification were used within the last %u s)",
			       replay_retention(inst->mobileip->replay));
		goto done;
	default:
		goto done;	/* logged by the replay cache */
	}

	if (make_keys(inst, &req, w) < 0) {
		RERROR("KDC key generation failed (OpenSSL error)");
		goto done;
	}
	if (inst->semi_stateful) {
		n = kdc_mn_keys_build(w->k_wrap, w->key0_len, KDC_MODE_SEMI_STATEFUL, req.key0_spi, lifetime,
				      req.mn_ha_spi, req.mn_fa_spi, w->seed, sizeof(w->seed), w->mn_keys, sizeof(w->mn_keys));
	} else {
		uint8_t both[2 * KDC_KEY_LEN];

		memcpy(both, w->keys[0], KDC_KEY_LEN);
		memcpy(both + KDC_KEY_LEN, w->keys[2], KDC_KEY_LEN);
		n = kdc_mn_keys_build(w->k_wrap, w->key0_len, KDC_MODE_STATEFUL, req.key0_spi, lifetime,
				      req.mn_ha_spi, req.mn_fa_spi, both, sizeof(both), w->mn_keys, sizeof(w->mn_keys));
		OPENSSL_cleanse(both, sizeof(both));
	}
	if (n < 0) {
		RERROR("AES key wrap failed (OpenSSL error)");
		goto done;
	}
	w->mn_keys_len = (size_t) n;
	if (reply_attrs(inst, request, &req, lifetime, w, &vps) < 0) goto done;
	fr_pair_add(&request->reply->vps, vps);
	vps = NULL;
	RINFO("KDC: keys for KEY0 SPI %u (MN-HA SPI %u, MN-FA SPI %u, lifetime %u, %s)", req.key0_spi, req.mn_ha_spi,
	      req.mn_fa_spi, lifetime, inst->mode_name);
	rcode = RLM_MODULE_OK;

done:
	wipe_list(vps);
	fr_pair_list_free(&vps);
	OPENSSL_cleanse(w, sizeof(*w));
	talloc_free(w);
	return rcode;
}
