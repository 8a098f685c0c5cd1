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
#include <inttypes.h>
#include <stdarg.h>
#include <strings.h>

#include "mobileip.h"
#include "crypto.h"
#include "profile.h"
#include "mip_ext.h"
#include "mip_attrs.h"
#include "mip_policy.h"
#include "pairs.h"
#include "replay.h"
#include "wire.h"

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

/*
 * Every attribute this file and the profiles read or write, resolved once at instantiate: a
 * request looks its names up here (a binary search, sorted at instantiate) instead of in the
 * dictionary's hash table (about 27 lookups per Mobile IP request). A name that is not in the
 * table, or was not in the dictionary then, still works (dictionary lookup); add new names
 * here to make them cheap. Written only by
 * mobileip_instantiate(), in the main thread before the workers start.
 */
typedef struct {
	char const	*name;
	DICT_ATTR const	*da;		//!< NULL: not in the dictionary (logged when a request needs it)
} attr_entry_t;

static attr_entry_t attrs[] = {
	{ "3GPP2-Home-Agent-IP-Address", NULL },
	{ "3GPP2-MN-HA-SPI", NULL },
	{ "3GPP2-MN-HA-Shared-Key", NULL },
	{ "Cisco-AVPair", NULL },
	{ "Mipkey-AAA-SPI", NULL },
	{ "Mipkey-Algorithm", NULL },
	{ "Mipkey-Home-Address", NULL },
	{ "Mipkey-Home-Agent-Address", NULL },
	{ "Mipkey-Key-Request", NULL },
	{ "Mipkey-MN-FA-Key", NULL },
	{ "Mipkey-MN-FA-KeyGen-Reply", NULL },
	{ "Mipkey-MN-FA-Lifetime", NULL },
	{ "Mipkey-MN-FA-Nonce", NULL },
	{ "Mipkey-MN-FA-SPI", NULL },
	{ "Mipkey-MN-HA-Key", NULL },
	{ "Mipkey-MN-HA-KeyGen-Reply", NULL },
	{ "Mipkey-MN-HA-Lifetime", NULL },
	{ "Mipkey-MN-HA-Nonce", NULL },
	{ "Mipkey-MN-HA-SPI", NULL },
	{ "Mipkey-Master-Key", NULL },
	{ "Mipkey-Registration-Request", NULL },
	{ "Mipkey-Replay-Method", NULL },
	{ "Mipkey-Requested-Lifetime", NULL },
	{ "Mipkey-Skey", NULL },
	{ "WiMAX-FA-RK-Key", NULL },
	{ "WiMAX-FA-RK-SPI", NULL },
	{ "WiMAX-MN-hHA-MIP4-Key", NULL },
	{ "WiMAX-MN-hHA-MIP4-SPI", NULL },
	{ "WiMAX-RRQ-HA-IP", NULL },
	{ "WiMAX-RRQ-MN-HA-SPI", NULL },
	{ "WiMAX-hHA-IP-MIP4", NULL },
};

#define ATTRS_COUNT (sizeof(attrs) / sizeof(attrs[0]))

static int attr_entry_cmp(void const *a, void const *b)
{
	return strcmp(((attr_entry_t const *) a)->name, ((attr_entry_t const *) b)->name);
}

static void attrs_resolve(void)
{
	size_t i;

	qsort(attrs, ATTRS_COUNT, sizeof(attrs[0]), attr_entry_cmp);
	for (i = 0; i < ATTRS_COUNT; i++) attrs[i].da = dict_attrbyname(attrs[i].name);
}

static DICT_ATTR const *attr_by_name(char const *name)
{
	size_t	lo = 0, hi = ATTRS_COUNT;
	int	c;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		c = strcmp(name, attrs[mid].name);
		/* Not resolved: a dictionary read after instantiate may have it now. */
		if (c == 0) return attrs[mid].da ? attrs[mid].da : dict_attrbyname(name);
		if (c < 0) hi = mid;
		else lo = mid + 1;
	}
	return dict_attrbyname(name);
}

static void asked_resolve(void);
static void front_end_resolve(void);

static mobileip_profile_t const *profile_by_name(char const *name)
{
	int i;

	for (i = 0; profiles[i]; i++) {
		if (strcmp(profiles[i]->name, name) == 0) return profiles[i];
	}
	return NULL;
}

/*
 * The project's attributes (Mipkey-*), unless raddb/dictionary already $INCLUDEs them: read
 * the file named by "dictionary" in mobileip { } (default ${confdir}/dictionary.mipkey, which
 * make install puts there), so that enabling the module needs no edit of raddb/dictionary.
 *
 * Safe in FreeRADIUS 3.2.1: modules are instantiated in the main thread, before the worker
 * threads start (radiusd.c: modules_init() before radius_event_start()) and before the
 * virtual servers are compiled, so nothing reads the dictionary concurrently, and unlang
 * compiled later can name the attributes. The server itself reads dictionary.dhcp and
 * dictionary.vqp this way (modules.c). A HUP does not instantiate this module again (it is
 * not RLM_TYPE_HUP_SAFE). A second instance, or raddb/dictionary including the file as well,
 * finds Mipkey-Registration-Request already defined and reads nothing; dict_read() skips a
 * file it has read before anyway, and identical definitions are no error.
 * Returns 1 if the attributes are defined now, 0 if the file does not exist (or "dictionary"
 * is empty), -1 on error (logged). *file_out is the file name ("" if none).
 */
static int mobileip_dictionary_load(CONF_SECTION *cs, char const *log_prefix, char const **file_out)
{
	char const	*file = NULL;
	int		rcode;

	*file_out = "";
	if (dict_attrbyname("Mipkey-Registration-Request")) return 1;

	if (cf_item_parse(cs, "dictionary", FR_ITEM_POINTER(PW_TYPE_STRING, &file),
			  "${confdir}/dictionary.mipkey") < 0) return -1;
	if (!file || !*file) return 0;			/* dictionary = "": do not load */
	*file_out = file;
	if ((access(file, F_OK) < 0) && (errno == ENOENT)) return 0;

	rcode = dict_read(get_radius_dir(), file);
	if (rcode < 0) {
		cf_log_err_cs(cs, "%s: cannot read the dictionary %s: %s", log_prefix, file, fr_strerror());
		return -1;
	}
	if (!dict_attrbyname("Mipkey-Registration-Request")) {
		cf_log_err_cs(cs, "%s: %s does not define Mipkey-Registration-Request: is it rlm_mipkey's "
			      "dictionary.mipkey?", log_prefix, file);
		return -1;
	}
	cf_log_module(cs, "%s: loaded the dictionary %s", log_prefix, file);
	return 1;
}

int mobileip_instantiate(TALLOC_CTX *ctx, CONF_SECTION *conf, char const *log_prefix, mobileip_inst_t **out)
{
	CONF_SECTION	*cs;
	mobileip_inst_t	*inst;
	bool		had_cs;
	int		loaded;
	char const	*file;

	*out = NULL;
	cs = cf_section_sub_find(conf, "mobileip");
	had_cs = (cs != NULL);
	if (!cs) {
		/* No subsection: every option at its default. */
		cs = cf_section_alloc(conf, "mobileip", NULL);
		if (!cs) return -1;
		cf_section_add(conf, cs);
	}

	loaded = mobileip_dictionary_load(cs, log_prefix, &file);
	if (loaded < 0) return -1;
	if (!loaded) {
		if (had_cs && !*file) {
			cf_log_err_cs(cs, "dictionary is \"\": add \"$INCLUDE dictionary.mipkey\" to %s/dictionary",
				      get_radius_dir());
			return -1;
		}
		if (had_cs) {
			/* Short: FreeRADIUS cuts longer log lines. */
			cf_log_err_cs(cs, "\"%s\" not found: add \"$INCLUDE dictionary.mipkey\" to %s/dictionary, "
				      "or set dictionary in mobileip { }", file, get_radius_dir());
			return -1;
		}
		WARN("%s: dictionary.mipkey is not loaded (\"%s\" does not exist): Mobile IP key distribution "
		     "is off", log_prefix, file);
		return 0;
	}
	attrs_resolve();
	asked_resolve();
	front_end_resolve();
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
	if (replay_instantiate(inst, cs, inst->replay_method == RFC3957_REPLAY_TIMESTAMPS ? inst->replay_window : 0,
				      log_prefix, &inst->replay) < 0) return -1;
	inst->default_profile = profile_by_name(inst->default_profile_name);
	if (!inst->default_profile) {
		cf_log_err_cs(cs, "Unknown default_profile \"%s\": use mipkey, mppe, 3gpp2, wimax or cisco",
			      inst->default_profile_name);
		return -1;
	}
	*out = inst;
	return 0;
}

/*
 * The dictionary's attributes of the attribute front-end, by mip_attr_id_t (User-Name is
 * matched by number). 3GPP2 (X.S0011) and WiMAX home agents send their MN-HA SPI and home
 * agent address instead of the Mipkey-* ones.
 */
static char const *const front_end_attr_names[MIP_ATTR_COUNT] = {
	[MIP_ATTR_KEY_REQUEST]		= "Mipkey-Key-Request",
	[MIP_ATTR_MN_HA_SPI]		= "Mipkey-MN-HA-SPI",
	[MIP_ATTR_3GPP2_MN_HA_SPI]	= "3GPP2-MN-HA-SPI",
	[MIP_ATTR_WIMAX_MN_HA_SPI]	= "WiMAX-RRQ-MN-HA-SPI",
	[MIP_ATTR_MN_FA_SPI]		= "Mipkey-MN-FA-SPI",
	[MIP_ATTR_HOME_AGENT]		= "Mipkey-Home-Agent-Address",
	[MIP_ATTR_3GPP2_HOME_AGENT]	= "3GPP2-Home-Agent-IP-Address",
	[MIP_ATTR_WIMAX_HOME_AGENT]	= "WiMAX-RRQ-HA-IP",
	[MIP_ATTR_HOME_ADDRESS]		= "Mipkey-Home-Address",
	[MIP_ATTR_AAA_SPI]		= "Mipkey-AAA-SPI",
	[MIP_ATTR_REQUESTED_LIFETIME]	= "Mipkey-Requested-Lifetime",
	[MIP_ATTR_USER_NAME]		= "User-Name",
	[MIP_ATTR_FOREIGN_AGENT]	= "Mipkey-Foreign-Agent-Address",
	[MIP_ATTR_FA_HA_SPI]		= "Mipkey-FA-HA-SPI",
};

/*
 * What asks for keys, found in one pass over the request (every request goes through here,
 * twice when it is accepted): the Registration Request, Mipkey-Key-Request, or a standard
 * MN-HA SPI (3GPP2, WiMAX). The attributes were resolved at instantiate.
 */
typedef struct {
	VALUE_PAIR	*blob;			//!< Mipkey-Registration-Request
	VALUE_PAIR	*key_request;		//!< Mipkey-Key-Request
	VALUE_PAIR	*std_spi;		//!< 3GPP2-MN-HA-SPI or WiMAX-RRQ-MN-HA-SPI
} asked_t;

static DICT_ATTR const *asked_da[4];		//!< the four above, in that order (std_spi twice)

static void asked_resolve(void)
{
	asked_da[0] = attr_by_name("Mipkey-Registration-Request");
	asked_da[1] = attr_by_name("Mipkey-Key-Request");
	asked_da[2] = attr_by_name(front_end_attr_names[MIP_ATTR_3GPP2_MN_HA_SPI]);
	asked_da[3] = attr_by_name(front_end_attr_names[MIP_ATTR_WIMAX_MN_HA_SPI]);
}

static bool find_asked(REQUEST *request, asked_t *a)
{
	VALUE_PAIR *vp;

	memset(a, 0, sizeof(*a));
	for (vp = request->packet->vps; vp; vp = vp->next) {
		if (!vp->da) continue;
		if (vp->da == asked_da[0]) {
			if (!a->blob) a->blob = vp;
		} else if (vp->da == asked_da[1]) {
			if (!a->key_request) a->key_request = vp;
		} else if (vp->da == asked_da[2] || vp->da == asked_da[3]) {
			if (!a->std_spi) a->std_spi = vp;
		}
	}
	return a->blob || a->key_request || a->std_spi;
}

bool mobileip_requested(REQUEST *request)
{
	asked_t a;

	return find_asked(request, &a);
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

/* The attribute by name, or an error line: the profiles name what they send. */
static DICT_ATTR const *reply_da(REQUEST *request, char const *attr)
{
	DICT_ATTR const *da = attr_by_name(attr);

	if (!da) RERROR("Attribute %s is not in the dictionary: cannot send it", attr);
	return da;
}

int profile_add_octets(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint8_t const *data, size_t len)
{
	DICT_ATTR const *da = reply_da(request, attr);

	return da && pairs_add_octets(request->reply, vps, da, data, len) ? 0 : -1;
}

int profile_add_string(REQUEST *request, VALUE_PAIR **vps, char const *attr, char const *value, size_t len)
{
	DICT_ATTR const *da = reply_da(request, attr);

	return da && pairs_add_string(request->reply, vps, da, value, len) ? 0 : -1;
}

int profile_add_integer(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint32_t value)
{
	DICT_ATTR const *da = reply_da(request, attr);

	return da && pairs_add_integer(request->reply, vps, da, value) ? 0 : -1;
}

int profile_add_ipaddr(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint8_t const addr[4])
{
	DICT_ATTR const *da = reply_da(request, attr);

	return da && pairs_add_ipaddr(request->reply, vps, da, addr) ? 0 : -1;
}

/* --- what the mobile node asked for: two front-ends, one mip_key_request_t ------------------- */

/*
 * What the front-ends keep besides the request itself (storage the request points into, and
 * what goes to the reply but decides nothing).
 */
typedef struct {
	uint8_t		rrq_md5[MSCHAPV2_CHALLENGE_LEN];	//!< MD5 of the RRQ, MN-AAA authenticator zeroed
	bool		has_home_agent;
	uint8_t		home_agent[4];
} front_end_t;

static bool addr_is_zero(uint8_t const a[4])
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

/*
 * The raw Registration Request: parsed with every length checked, and its MD5 with the MN-AAA
 * authenticator zero-filled (the seed's peer challenge). Rules: mip_policy.c.
 */
static rlm_rcode_t from_rrq(REQUEST *request, VALUE_PAIR *blob, mip_rrq_t *rrq, mip_key_request_t *kr,
			    front_end_t *fe)
{
	char const	*err = NULL;
	uint8_t		copy[RRQ_MAX_LEN];
	int		ok;

	if (mip_rrq_parse(blob->vp_octets, blob->vp_length, rrq, &err) < 0) {
		return refuse(request, RLM_MODULE_INVALID, "malformed Mipkey-Registration-Request (%zu octets): %s",
			      blob->vp_length, err ? err : "parse error");
	}
	if (blob->vp_length > sizeof(copy)) {
		return refuse(request, RLM_MODULE_INVALID, "Mipkey-Registration-Request longer than %zu octets",
			      sizeof(copy));
	}
	memcpy(copy, blob->vp_octets, blob->vp_length);
	if (rrq->mn_aaa_auth.present) memset(copy + rrq->mn_aaa_auth.auth_offset, 0, rrq->mn_aaa_auth.authenticator_len);
	ok = crypto_digest(CRYPTO_MD_MD5, &(crypto_piece_t){ copy, blob->vp_length }, 1, fe->rrq_md5) == 0;
	OPENSSL_cleanse(copy, sizeof(copy));
	if (!ok) {
		RERROR("MD5 of the Registration Request failed (OpenSSL error)");
		return RLM_MODULE_FAIL;
	}

	kr->source = MIP_SOURCE_RRQ;
	kr->rrq_md5 = fe->rrq_md5;
	kr->has_gen_auth = rrq->mn_aaa_auth.present;
	kr->gen_auth_subtype = rrq->mn_aaa_auth.subtype;
	kr->has_aaa_spi = rrq->mn_aaa_auth.present;
	kr->aaa_spi = rrq->mn_aaa_auth.spi;
	kr->challenge_ext = rrq->challenge.data;
	kr->challenge_ext_len = rrq->challenge.len;
	kr->identification = rrq->identification;
	kr->nai = rrq->nai.data;
	kr->nai_len = rrq->nai.len;
	kr->mn_ha = rrq->mn_ha_keygen.present;
	kr->mn_ha_subtype = rrq->mn_ha_keygen.subtype;
	kr->mn_ha_spi = rrq->mn_ha_keygen.mn_spi;
	kr->mn_fa = rrq->mn_fa_keygen.present;
	kr->mn_fa_subtype = rrq->mn_fa_keygen.subtype;
	kr->mn_fa_spi = rrq->mn_fa_keygen.mn_spi;
	kr->requested_lifetime = rrq->lifetime;
	kr->has_home_address = !addr_is_zero(rrq->home_address);
	memcpy(kr->home_address, rrq->home_address, 4);
	fe->has_home_agent = !addr_is_zero(rrq->home_agent);
	memcpy(fe->home_agent, rrq->home_agent, 4);
	if (!kr->mn_ha && !kr->mn_fa) RDEBUG2("Registration Request has no KeyGen Request: no RFC 3957 key");
	return RLM_MODULE_OK;
}

/* The front-ends' attributes by mip_attr_id_t, resolved at instantiate as asked_da is, so that
 * a key request looks none up by name. User-Name is matched by number. */
static DICT_ATTR const *front_end_da[MIP_ATTR_COUNT];

static void front_end_resolve(void)
{
	int i;

	for (i = 0; i < MIP_ATTR_COUNT; i++) {
		front_end_da[i] = i == MIP_ATTR_USER_NAME ? NULL : attr_by_name(front_end_attr_names[i]);
	}
}

/* The attribute's id in the front-ends, or MIP_ATTR_COUNT. */
static mip_attr_id_t front_end_attr_id(VALUE_PAIR const *vp)
{
	int i;

	if (!vp->da) return MIP_ATTR_COUNT;
	if (vp->da->vendor == 0 && vp->da->attr == PW_USER_NAME) return MIP_ATTR_USER_NAME;
	for (i = 0; i < MIP_ATTR_COUNT; i++) {
		if (front_end_da[i] && vp->da == front_end_da[i]) return (mip_attr_id_t) i;
	}
	return MIP_ATTR_COUNT;
}

void mobileip_attrs_problem(mip_attrs_rc_t rc, uint32_t detail, char *buf, size_t len)
{
	char const *text;

	switch (rc) {
	case MIP_ATTRS_LENGTH:
		snprintf(buf, len, "%s has a value of the wrong length",
			 detail < MIP_ATTR_COUNT ? front_end_attr_names[detail] : "an attribute");
		return;
	case MIP_ATTRS_KEY_REQUEST:
		snprintf(buf, len, "Mipkey-Key-Request %u is not 1 (MN-HA), 2 (MN-FA) or 3 (both)", detail);
		return;
	case MIP_ATTRS_NO_MN_HA_SPI:
		text = "MN-HA key requested without Mipkey-MN-HA-SPI";
		break;
	case MIP_ATTRS_NO_MN_FA_SPI:
		text = "MN-FA key requested without Mipkey-MN-FA-SPI";
		break;
	case MIP_ATTRS_NO_HOME_AGENT:
		text = "an MN-HA key from EAP keys needs the home agent's IPv4 address (Mipkey-Home-Agent-Address)";
		break;
	case MIP_ATTRS_NO_FOREIGN_AGENT:
		text = "an MN-FA key from EAP keys needs the foreign agent's address (Mipkey-Foreign-Agent-Address)";
		break;
	case MIP_ATTRS_LIFETIME_ZERO:
		text = "Mipkey-Requested-Lifetime is 0";
		break;
	default:
		text = "malformed key request";
		break;
	}
	snprintf(buf, len, "%s", text);
}

size_t mobileip_attrs(REQUEST *request, mip_attr_t attrs[MIP_ATTR_COUNT], uint8_t integers[MIP_ATTR_COUNT][4])
{
	bool		seen[MIP_ATTR_COUNT] = { false };
	size_t		n = 0;
	VALUE_PAIR	*vp;
	mip_attr_id_t	id;

	for (vp = request->packet->vps; vp; vp = vp->next) {
		id = front_end_attr_id(vp);
		if (id == MIP_ATTR_COUNT || seen[id]) continue;
		switch (id) {
		case MIP_ATTR_USER_NAME:
			attrs[n] = (mip_attr_t){ id, (uint8_t const *) vp->vp_strvalue, vp->vp_length };
			break;
		case MIP_ATTR_HOME_AGENT:
		case MIP_ATTR_3GPP2_HOME_AGENT:
		case MIP_ATTR_WIMAX_HOME_AGENT:
		case MIP_ATTR_HOME_ADDRESS:
		case MIP_ATTR_FOREIGN_AGENT:
			if (vp->da->type == PW_TYPE_IPV4_ADDR) {
				attrs[n] = (mip_attr_t){ id, (uint8_t const *) &vp->vp_ipaddr, 4 };
			} else if (vp->da->type == PW_TYPE_IPV6_ADDR) {
				attrs[n] = (mip_attr_t){ id, (uint8_t const *) &vp->vp_ipv6addr, 16 };
			} else {
				continue;
			}
			break;
		default:
			put32(integers[id], vp->vp_integer);
			attrs[n] = (mip_attr_t){ id, integers[id], 4 };
			break;
		}
		seen[id] = true;
		n++;
	}
	return n;
}

/* The same request as attributes (mip_attrs.c): Mipkey-Key-Request, or a standard MN-HA SPI alone. */
static rlm_rcode_t from_attributes(REQUEST *request, mip_key_request_t *kr, front_end_t *fe)
{
	mip_attr_t	attrs[MIP_ATTR_COUNT];
	uint8_t		integers[MIP_ATTR_COUNT][4];
	size_t		n = mobileip_attrs(request, attrs, integers);
	uint32_t	detail = 0;

	mip_attrs_rc_t	rc = mip_attrs_key_request(attrs, n, kr, &fe->has_home_agent, fe->home_agent, &detail);
	char		why[160];

	if (rc == MIP_ATTRS_OK) return RLM_MODULE_OK;
	mobileip_attrs_problem(rc, detail, why, sizeof(why));
	return refuse(request, RLM_MODULE_INVALID, "%s", why);
}

/* Who proved what, for mip_policy_check(). */
static void fill_subject(REQUEST *request, mipkey_auth_t const *auth, mipkey_aaa_sa_t const *sa, mip_subject_t *s)
{
	VALUE_PAIR *vp;

	s->name = auth->as_sent;
	s->name_len = auth->as_sent_len;
	s->auth_challenge = auth->auth_challenge;
	s->peer_challenge = auth->peer_challenge;
	/* Another module (files, LDAP, ...) said which address is the user's. */
	vp = fr_pair_find_by_num(request->config, PW_FRAMED_IP_ADDRESS, 0, TAG_ANY);
	if (vp && vp->da->type == PW_TYPE_IPV4_ADDR) {
		s->has_framed_ip = true;
		memcpy(s->framed_ip, &vp->vp_ipaddr, 4);
	}
	s->now_ntp = (uint32_t) ((uint64_t) time(NULL) + NTP_UNIX_OFFSET);
	if (sa && sa->present) {
		s->sa_present = true;
		s->sa_spi = sa->spi;
		s->sa_algorithm = sa->algorithm;
	} else {
		s->sa_problem = sa ? sa->problem : NULL;
	}
}

static char const *id_kind_name(mip_id_kind_t kind)
{
	switch (kind) {
	case MIP_ID_HOME_ADDRESS_NAME: return "the home address (the authenticated name)";
	case MIP_ID_HOME_ADDRESS_FRAMED: return "the home address (control:Framed-IP-Address)";
	default: return "the NAI";
	}
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

mobileip_profile_t const *mobileip_client_profile(mobileip_inst_t const *inst, REQUEST *request)
{
	return client_profile(inst, request, request->client ? request->client->cs : NULL);
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

static int compute_keys(mobileip_result_t *r, mip_policy_result_t const *pr, uint8_t const *aaa_key, size_t aaa_key_len)
{
	uint8_t	nonces[2 * RFC3957_NONCE_LEN];		/* MN-HA's then MN-FA's: one DRBG call */
	uint8_t	keys[2 * RFC3957_KEY_LEN];		/* one HMAC key set-up for both */
	size_t	n = 0;
	ssize_t	len;
	int	ret = -1;

	if (!r->mn_ha && !r->mn_fa) return 0;
	n = (r->mn_ha ? 1 : 0) + (r->mn_fa ? 1 : 0);
	if (rfc3957_nonce(nonces, n * RFC3957_NONCE_LEN) < 0 ||
	    rfc3957_registration_keys(aaa_key, aaa_key_len, nonces, RFC3957_NONCE_LEN, n, pr->mn_id, pr->mn_id_len,
				      keys) < 0) goto done;
	if (r->mn_ha) {
		memcpy(r->mn_ha_nonce, nonces, sizeof(r->mn_ha_nonce));
		memcpy(r->mn_ha_key, keys, sizeof(r->mn_ha_key));
		len = rfc3957_mn_ha_keygen_reply(r->mn_ha_keygen_reply, sizeof(r->mn_ha_keygen_reply), r->lifetime,
						 r->aaa_spi, r->mn_ha_spi, r->algorithm, r->replay_method,
						 r->mn_ha_nonce, sizeof(r->mn_ha_nonce));
		if (len < 0) goto done;
		r->mn_ha_keygen_reply_len = (size_t) len;
	}
	if (r->mn_fa) {
		memcpy(r->mn_fa_nonce, nonces + (n - 1) * RFC3957_NONCE_LEN, sizeof(r->mn_fa_nonce));
		memcpy(r->mn_fa_key, keys + (n - 1) * RFC3957_KEY_LEN, sizeof(r->mn_fa_key));
		len = rfc3957_mn_fa_keygen_reply(r->mn_fa_keygen_reply, sizeof(r->mn_fa_keygen_reply), r->lifetime,
						 r->aaa_spi, r->mn_fa_spi, r->algorithm,
						 r->mn_fa_nonce, sizeof(r->mn_fa_nonce));
		if (len < 0) goto done;
		r->mn_fa_keygen_reply_len = (size_t) len;
	}
	ret = 0;
done:
	OPENSSL_cleanse(keys, sizeof(keys));
	return ret;
}

/*
 * A key request: what was asked (front-ends), whether it is granted (mip_policy.c), then the
 * nonces and keys, and the profile's attributes in *vps.
 */
static rlm_rcode_t grant_keys(mobileip_inst_t const *inst, REQUEST *request, mipkey_auth_t const *auth,
			      mipkey_aaa_sa_t const *aaa_sa, mobileip_profile_t const *profile, VALUE_PAIR *blob,
			      VALUE_PAIR *key_request, mobileip_result_t *r, VALUE_PAIR **vps)
{
	mip_rrq_t		rrq;
	mip_key_request_t	kr;
	front_end_t		fe;
	mip_subject_t		subject;
	mip_policy_conf_t	conf = {
		.max_lifetime = inst->max_lifetime,
		.replay_timestamps = inst->replay_method == RFC3957_REPLAY_TIMESTAMPS,
		.replay_window = inst->replay_window,
		.aaa_key_from_sa = inst->aaa_key_source == MOBILEIP_AAA_KEY_LDAP,
	};
	mip_policy_result_t	pr;
	uint8_t const		*aaa_key = r->master_key;		/* aaa_key = mschapv2: k'' */
	size_t			aaa_key_len = MSCHAPV2_HASH_LEN;
	rlm_rcode_t		rcode;

	memset(&kr, 0, sizeof(kr));
	memset(&fe, 0, sizeof(fe));
	memset(&subject, 0, sizeof(subject));
	if (blob) {
		if (key_request) RDEBUG2("Mipkey-Registration-Request present: ignoring Mipkey-Key-Request");
		rcode = from_rrq(request, blob, &rrq, &kr, &fe);
	} else {
		rcode = from_attributes(request, &kr, &fe);
	}
	if (rcode != RLM_MODULE_OK) return rcode;

	fill_subject(request, auth, aaa_sa, &subject);
	switch (mip_policy_check(&conf, &subject, &kr, &pr)) {
	case MIP_ALLOW:
		break;
	case MIP_MALFORMED:
		return refuse(request, RLM_MODULE_INVALID, "%s", pr.reason);
	case MIP_REFUSE:
		return refuse(request, RLM_MODULE_REJECT, "%s", pr.reason);
	}
	if (kr.source == MIP_SOURCE_RRQ && conf.replay_timestamps && conf.replay_window) {
		RDEBUG2("Registration Request timestamp %d s from the server's clock (replay_window %u s)",
			(int) pr.clock_skew, conf.replay_window);
	}
	RDEBUG2("Mobile node identifier: %s", id_kind_name(pr.id_kind));

	r->mn_ha = kr.mn_ha;
	r->mn_ha_spi = kr.mn_ha_spi;
	r->mn_fa = kr.mn_fa;
	r->mn_fa_spi = kr.mn_fa_spi;
	r->aaa_spi = pr.aaa_spi;
	r->lifetime = pr.lifetime;
	r->algorithm = inst->algorithm;
	r->replay_method = inst->replay_method;
	r->has_home_agent = fe.has_home_agent;
	memcpy(r->home_agent, fe.home_agent, 4);
	r->has_home_address = kr.has_home_address;
	memcpy(r->home_address, kr.home_address, 4);
	if (conf.aaa_key_from_sa) {
		aaa_key = aaa_sa->key;
		aaa_key_len = aaa_sa->key_len;
		RDEBUG2("AAA key: the AAA security association SPI %u of \"%.*s\" (%zu octets)", aaa_sa->spi,
			(int) auth->account_len, auth->account, aaa_sa->key_len);
	}

	if (compute_keys(r, &pr, aaa_key, aaa_key_len) < 0) {
		RERROR("Mobile IP key derivation failed (OpenSSL error)");
		return RLM_MODULE_FAIL;
	}
	RDEBUG2("Mobile IP: MN-HA key %s (SPI %u), MN-FA key %s (SPI %u), lifetime %u, profile %s",
		r->mn_ha ? "yes" : "no", r->mn_ha_spi, r->mn_fa ? "yes" : "no", r->mn_fa_spi, r->lifetime,
		profile->name);

	if (profile->reply(request, vps, r) < 0) return RLM_MODULE_FAIL;
	if (profile->sends_keygen_replies &&
	    ((r->mn_ha && profile_add_octets(request, vps, "Mipkey-MN-HA-KeyGen-Reply", r->mn_ha_keygen_reply,
					      r->mn_ha_keygen_reply_len) < 0) ||
	     (r->mn_fa && profile_add_octets(request, vps, "Mipkey-MN-FA-KeyGen-Reply", r->mn_fa_keygen_reply,
					      r->mn_fa_keygen_reply_len) < 0))) return RLM_MODULE_FAIL;
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
	mobileip_profile_t const	*profile;
	CONF_SECTION			*client_cs = request->client ? request->client->cs : NULL;
	VALUE_PAIR			*blob, *key_request, *vps = NULL;
	asked_t				asked;
	bool				keys_requested;
	rlm_rcode_t			rcode;

	memset(&r, 0, sizeof(r));
	r.return_skey = inst->return_skey;
	r.return_master_key = inst->return_master_key;

	keys_requested = find_asked(request, &asked);
	blob = asked.blob;
	key_request = asked.key_request;

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
		rcode = grant_keys(inst, request, auth, aaa_sa, profile, blob, key_request, &r, &vps);
		if (rcode != RLM_MODULE_OK) goto done;
	}
	/* Granted, and about to go out: a repeat of this request gets nothing (replay.h). */
	rcode = replay_check(inst->replay, request, auth, blob);
	if (rcode != RLM_MODULE_OK) goto done;

	rcode = RLM_MODULE_FAIL;
	if (r.return_skey) {
		if (mip_skey(r.master_key, auth->auth_challenge, MSCHAPV2_CHALLENGE_LEN, auth->nt_response, r.skey) < 0) {
			RERROR("Skey derivation failed (OpenSSL error)");
			goto done;
		}
		if (profile_add_octets(request, &vps, "Mipkey-Skey", r.skey, sizeof(r.skey)) < 0) goto done;
	}
	if ((r.return_master_key || profile->sends_master_key) &&
	    profile_add_octets(request, &vps, "Mipkey-Master-Key", r.master_key, sizeof(r.master_key)) < 0) goto done;

	fr_pair_add(&request->reply->vps, vps);
	vps = NULL;
	rcode = RLM_MODULE_OK;

done:
	wipe_list(vps);
	fr_pair_list_free(&vps);
	OPENSSL_cleanse(&r, sizeof(r));
	return rcode;
}
