/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rlm_mipkey.c - FreeRADIUS glue of rlm_mipkey: configuration, authorize, authenticate,
 * and turning the core's results into reply attributes.
 *
 * The crypto is in mschapv2.c, the key sources are the backends (backend_*.c).
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <freeradius/radiusd.h>
#include <freeradius/modules.h>
#include <freeradius/rad_assert.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "backend.h"
#include "mschapv2.h"
#include "mobileip.h"
#include "kdc_glue.h"
#include "eap_keys.h"
#include "pairs.h"
#include "password_change.h"
#include "mschap_attrs.h"

/* Every backend the module knows; "backend = <name>" picks one. */
static mipkey_backend_t const *backends[] = {
	&mipkey_backend_ldap,
	&mipkey_backend_winbind,
	&mipkey_backend_ntlm_auth,
	NULL
};

/*
 * Which user name goes into the ChallengeHash (RFC 2759 8.2). Peers differ: Windows and
 * wpa_supplicant hash the name with a prepended "DOMAIN\" removed and "@realm" kept (the
 * RFC's name); the seed's mobile nodes also remove "@realm".
 */
typedef enum {
	HASH_NAME_AUTO = 0,		//!< local k: both names; a DC: one, by request type (default)
	HASH_NAME_RFC2759,		//!< "DOMAIN\" removed
	HASH_NAME_STRIPPED,		//!< "DOMAIN\" and "@realm" removed (the seed)
	HASH_NAME_AS_SENT		//!< exactly as sent
} hash_name_mode_t;

static FR_NAME_NUMBER const hash_name_modes[] = {
	{ "auto",	HASH_NAME_AUTO },
	{ "rfc2759",	HASH_NAME_RFC2759 },
	{ "stripped",	HASH_NAME_STRIPPED },
	{ "as_sent",	HASH_NAME_AS_SENT },
	{ NULL, -1 }
};

/* Per-client override of hash_username, in the client's clients.conf section. */
#define CLIENT_HASH_USERNAME	"mipkey_hash_username"

typedef struct {
	char const		*name;			//!< instance name, also the Auth-Type it sets
	char const		*hash_username;
	char const		*backend_name;
	bool			use_mppe;
	bool			require_encryption;
	bool			require_strong;

	hash_name_mode_t	hash_mode;
	char const		*auth_type;
	mipkey_backend_t const	*backend;
	void			*backend_inst;
	mobileip_inst_t		*mobileip;		//!< NULL: Mobile IP key distribution off
	kdc_inst_t		*kdc;			//!< NULL: key distribution centre mode off
	eap_keys_inst_t		*eap_keys;		//!< keys from EAP key material (post-auth)
	bool			crypto_ref;		//!< holds a reference on the shared crypto state
} rlm_mipkey_t;

static const CONF_PARSER module_config[] = {
	{ "hash_username", FR_CONF_OFFSET(PW_TYPE_STRING, rlm_mipkey_t, hash_username), "auto" },
	{ "backend", FR_CONF_OFFSET(PW_TYPE_STRING, rlm_mipkey_t, backend_name), "ldap" },
	{ "use_mppe", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, rlm_mipkey_t, use_mppe), "yes" },
	{ "require_encryption", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, rlm_mipkey_t, require_encryption), "no" },
	{ "require_strong", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, rlm_mipkey_t, require_strong), "no" },
	CONF_PARSER_TERMINATOR
};

/* mobileip { aaa_key = ldap } needs a backend that reads the AAA security association. */
static int check_aaa_key_source(rlm_mipkey_t const *inst, CONF_SECTION *conf)
{
	if (!inst->mobileip || inst->mobileip->aaa_key_source != MOBILEIP_AAA_KEY_LDAP) return 0;
	if (inst->backend && inst->backend->has_aaa_sa && inst->backend->has_aaa_sa(inst->backend_inst)) return 0;
	cf_log_err_cs(conf, "mobileip { aaa_key = ldap } needs backend = ldap with aaa_spi_attribute and "
		      "aaa_key_attribute set in its ldap { } subsection");
	return -1;
}

/*
 * Checks every client's mipkey_hash_username at start-up, so a typo stops the server with
 * the client named instead of failing that client's requests one by one.
 */
static int check_client_hash_modes(CONF_SECTION *cs, CONF_SECTION *conf)
{
	CONF_SECTION	*sub;
	CONF_PAIR	*cp;

	if (strcmp(cf_section_name1(cs), "client") == 0) {
		cp = cf_pair_find(cs, CLIENT_HASH_USERNAME);
		if (cp && fr_str2int(hash_name_modes, cf_pair_value(cp) ? cf_pair_value(cp) : "", -1) < 0) {
			cf_log_err_cs(conf, "client %s: invalid %s \"%s\": use auto, rfc2759, stripped or as_sent",
				      cf_section_name2(cs) ? cf_section_name2(cs) : "", CLIENT_HASH_USERNAME,
				      cf_pair_value(cp) ? cf_pair_value(cp) : "");
			return -1;
		}
		return 0;
	}
	for (sub = cf_subsection_find_next(cs, NULL, NULL); sub; sub = cf_subsection_find_next(cs, sub, NULL)) {
		if (check_client_hash_modes(sub, conf) < 0) return -1;
	}
	return 0;
}

/*
 * The MS-CHAPv2 crypto state (a private OpenSSL library context with the legacy provider and
 * the fetched algorithms) is shared by every instance and made once. The last instance to go
 * frees it: without that, the context and its providers (about 200 KB) were lost at every exit
 * (valgrind, tests/valgrind.sh). Instantiate and detach run in the main thread only. On HUP
 * the new instances are made before the old ones go, so the count never drops to 0 then.
 */
static unsigned int crypto_users;

static int mod_instantiate(CONF_SECTION *conf, void *instance)
{
	rlm_mipkey_t	*inst = instance;
	char const	*err;
	DICT_VALUE	*dv;
	CONF_SECTION	*cs;
	char		*prefix;
	int		i, rcode_mode;

	inst->name = cf_section_name2(conf);
	if (!inst->name) inst->name = cf_section_name1(conf);

	if (mschapv2_crypto_init(&err) < 0) {
		cf_log_err_cs(conf, "%s", err);
		return -1;
	}
	inst->crypto_ref = true;
	crypto_users++;

	rcode_mode = fr_str2int(hash_name_modes, inst->hash_username, -1);
	if (rcode_mode < 0) {
		cf_log_err_cs(conf, "Invalid hash_username \"%s\": use auto, rfc2759, stripped or as_sent",
			      inst->hash_username);
		return -1;
	}
	inst->hash_mode = (hash_name_mode_t) rcode_mode;
	if (check_client_hash_modes(cf_top_section(conf), conf) < 0) return -1;

	/* Auth-Type <instance name> if the site has one, else the Auth-Type MS-CHAP of EAP setups. */
	dv = dict_valbyname(PW_AUTH_TYPE, 0, inst->name);
	if (!dv) dv = dict_valbyname(PW_AUTH_TYPE, 0, "MS-CHAP");
	if (dv) {
		inst->auth_type = dv->name;
	} else {
		WARN("rlm_mipkey (%s): no \"Auth-Type %s\" section in any virtual server; authorize will not set Auth-Type",
		     inst->name, inst->name);
	}

	prefix = talloc_typed_asprintf(inst, "rlm_mipkey (%s)", inst->name);
	if (!prefix) return -1;
	if (mobileip_instantiate(inst, conf, prefix, &inst->mobileip) < 0) return -1;
	if (eap_keys_instantiate(inst, conf, prefix, inst->mobileip, &inst->eap_keys) < 0) return -1;

	if (strcmp(inst->backend_name, "none") == 0) {
		if (kdc_instantiate(inst, conf, prefix, NULL, NULL, inst->mobileip, &inst->kdc) < 0) return -1;
		return check_aaa_key_source(inst, conf);
	}

	for (i = 0; backends[i]; i++) {
		if (strcmp(backends[i]->name, inst->backend_name) == 0) inst->backend = backends[i];
	}
	if (!inst->backend) {
		cf_log_err_cs(conf, "Unknown backend \"%s\": use ldap, winbind, ntlm_auth or none", inst->backend_name);
		return -1;
	}
	cs = cf_section_sub_find(conf, inst->backend->name);
	if (!cs) {
		cf_log_err_cs(conf, "backend = %s needs a \"%s { ... }\" subsection", inst->backend->name,
			      inst->backend->name);
		return -1;
	}
	if (inst->backend->instantiate(inst, cs, prefix, &inst->backend_inst) < 0) return -1;
	if (kdc_instantiate(inst, conf, prefix, inst->backend, inst->backend_inst, inst->mobileip, &inst->kdc) < 0) return -1;
	return check_aaa_key_source(inst, conf);
}

/* The one attribute (vendor, attr) of the request, its count in *count. */
static VALUE_PAIR *find_request_attr(REQUEST *request, unsigned int vendor, unsigned int attr, int *count)
{
	vp_cursor_t	cursor;
	VALUE_PAIR	*vp, *first = NULL;

	*count = 0;
	fr_cursor_init(&cursor, &request->packet->vps);
	while ((vp = fr_cursor_next_by_num(&cursor, attr, vendor, TAG_ANY))) {
		if (!first) first = vp;
		(*count)++;
	}
	return first;
}

/* The same for vendor 311, as mschap_attrs.c takes it. */
static void find_ms_attr(REQUEST *request, unsigned int attr, mschap_attrs_in_t *in)
{
	int		count;
	VALUE_PAIR	*vp = find_request_attr(request, VENDORPEC_MICROSOFT, attr, &count);

	in->value = vp ? vp->vp_octets : NULL;
	in->len = vp ? vp->vp_length : 0;
	in->count = (unsigned int) count;
}

/* "DOMAIN\user@realm": the parts around the account name, for backends that route by them. */
static void split_name(mipkey_auth_t *auth)
{
	char const *p, *end = auth->as_sent + auth->as_sent_len;

	p = memchr(auth->as_sent, '\\', auth->as_sent_len);
	if (p) {
		auth->domain = auth->as_sent;
		auth->domain_len = (size_t) (p - auth->as_sent);
	}
	if (auth->account + auth->account_len < end && auth->account[auth->account_len] == '@') {
		auth->realm = auth->account + auth->account_len + 1;
		auth->realm_len = (size_t) (end - auth->realm);
	}
}

static rlm_rcode_t CC_HINT(nonnull) mod_authorize(void *instance, REQUEST *request)
{
	rlm_mipkey_t const	*inst = instance;
	int			n_challenge, n_response;

	/* Either attribute is enough: a half request is then logged as malformed by authenticate. */
	find_request_attr(request, VENDORPEC_MICROSOFT, PW_MSCHAP_CHALLENGE, &n_challenge);
	find_request_attr(request, VENDORPEC_MICROSOFT, PW_MSCHAP2_RESPONSE, &n_response);
	if (!n_response && !password_change_requested(request) && !(inst->kdc && kdc_requested(request)) &&
	    !(n_challenge && !fr_pair_find_by_num(request->packet->vps, PW_MSCHAP_RESPONSE,
						   VENDORPEC_MICROSOFT, TAG_ANY))) {
		return RLM_MODULE_NOOP;
	}

	if (!inst->auth_type) return RLM_MODULE_NOOP;
	if (fr_pair_find_by_num(request->config, PW_AUTH_TYPE, 0, TAG_ANY)) {
		RDEBUG2("Auth-Type already set, not setting it to %s", inst->auth_type);
		return RLM_MODULE_NOOP;
	}
	RDEBUG2("Found MS-CHAPv2 attributes, setting Auth-Type = %s", inst->auth_type);
	if (!pair_make_config("Auth-Type", inst->auth_type, T_OP_EQ)) return RLM_MODULE_FAIL;
	return RLM_MODULE_OK;
}

static int add_reply_octets(REQUEST *request, unsigned int vendor, unsigned int attr, uint8_t const *data, size_t len)
{
	return pairs_add_octets(request->reply, &request->reply->vps, dict_attrbyvalue(attr, vendor), data, len) ? 0 : -1;
}

static int add_reply_integer(REQUEST *request, unsigned int vendor, unsigned int attr, uint32_t value)
{
	return pairs_add_integer(request->reply, &request->reply->vps, dict_attrbyvalue(attr, vendor), value) ? 0 : -1;
}

/* RFC 2759 section 6 failure packet, as MS-CHAP-Error: ident, then "E=.. R=0 C=<challenge> V=3 M=..". */
static rlm_rcode_t reply_error(REQUEST *request, uint8_t ident, uint8_t const *challenge, int code,
			       char const *message, rlm_rcode_t rcode)
{
	char	buf[128];
	char	hex[2 * MSCHAPV2_CHALLENGE_LEN + 1];
	int	len;
	size_t	i;

	for (i = 0; i < MSCHAPV2_CHALLENGE_LEN; i++) snprintf(hex + 2 * i, 3, "%02X", challenge[i]);
	buf[0] = (char) ident;
	len = snprintf(buf + 1, sizeof(buf) - 1, "E=%d R=0 C=%s V=3 M=%s", code, hex, message);
	if (len < 0) return RLM_MODULE_FAIL;
	if ((size_t) len >= sizeof(buf) - 1) len = (int) sizeof(buf) - 2;	/* truncated message */
	if (add_reply_octets(request, VENDORPEC_MICROSOFT, PW_MSCHAP_ERROR, (uint8_t *) buf, 1 + (size_t) len) < 0) {
		return RLM_MODULE_FAIL;
	}
	return rcode;
}

/*
 * k from what another module already put in the control list. control:NT-Password wins over
 * control:Cleartext-Password; 0 = found, 1 = neither is there, -1 = present but unusable.
 */
static int key_from_control(REQUEST *request, uint8_t k[MSCHAPV2_HASH_LEN], char const **source)
{
	VALUE_PAIR *vp;

	vp = fr_pair_find_by_num(request->config, PW_NT_PASSWORD, 0, TAG_ANY);
	if (vp) {
		*source = "control:NT-Password";
		if (mschap_attrs_nt_password(vp->vp_octets, vp->vp_length, k) == 0) return 0;
		REDEBUG("control:NT-Password has length %zu, not 16 octets or 32 hex digits", vp->vp_length);
		return -1;
	}

	vp = fr_pair_find_by_num(request->config, PW_CLEARTEXT_PASSWORD, 0, TAG_ANY);
	if (vp) {
		*source = "control:Cleartext-Password";
		if (nt_password_hash(vp->vp_strvalue, vp->vp_length, k) < 0) {
			REDEBUG("control:Cleartext-Password is not valid UTF-8 or longer than 256 characters");
			return -1;
		}
		return 0;
	}
	return 1;
}

/* hash_username for this request: the client's mipkey_hash_username, else the module's. */
static hash_name_mode_t request_hash_mode(rlm_mipkey_t const *inst, REQUEST *request)
{
	CONF_PAIR	*cp;
	int		mode;

	if (!request->client || !request->client->cs) return inst->hash_mode;
	cp = cf_pair_find(request->client->cs, CLIENT_HASH_USERNAME);
	if (!cp || !cf_pair_value(cp)) return inst->hash_mode;
	mode = fr_str2int(hash_name_modes, cf_pair_value(cp), -1);
	if (mode < 0) {		/* a client added after start-up (dynamic clients) */
		RWDEBUG("Client %s: invalid %s \"%s\", using %s", request->client->shortname, CLIENT_HASH_USERNAME,
			cf_pair_value(cp), fr_int2str(hash_name_modes, inst->hash_mode, "?"));
		return inst->hash_mode;
	}
	return (hash_name_mode_t) mode;
}

/*
 * The names to try, in order. A locally verified response (k known) may try both names of
 * "auto"; a domain controller gets exactly one try, name[0] (each miss is a bad-password
 * count and can lock the account): the RFC 2759 name, or the seed's for a Mobile IP key
 * request, whose mobile nodes hash the name without "@realm".
 */
typedef struct {
	char const	*name[2];
	size_t		len[2];
	int		count;
	uint8_t		challenge_hash[2][MSCHAPV2_CHALLENGE_HASH_LEN];	//!< of each name, computed once
} hash_names_t;

static void hash_names(hash_name_mode_t mode, bool mobile_ip, mipkey_auth_t const *auth, hash_names_t *out)
{
	size_t		rfc_len;
	char const	*rfc = mschapv2_rfc2759_username(auth->as_sent, auth->as_sent_len, &rfc_len);

	out->count = 1;
	switch (mode) {
	case HASH_NAME_RFC2759:
		out->name[0] = rfc;
		out->len[0] = rfc_len;
		return;
	case HASH_NAME_STRIPPED:
		out->name[0] = auth->account;
		out->len[0] = auth->account_len;
		return;
	case HASH_NAME_AS_SENT:
		out->name[0] = auth->as_sent;
		out->len[0] = auth->as_sent_len;
		return;
	case HASH_NAME_AUTO:
		break;
	}

	/* auto: the likelier name first (by request type), the other one only where k is local. */
	out->name[0] = mobile_ip ? auth->account : rfc;
	out->len[0] = mobile_ip ? auth->account_len : rfc_len;
	if (rfc_len == auth->account_len) return;
	out->name[1] = mobile_ip ? rfc : auth->account;
	out->len[1] = mobile_ip ? rfc_len : auth->account_len;
	out->count = 2;
}

/* The ChallengeHash (RFC 2759 8.2) of each name, once per request. Returns 0 or -1. */
static int hash_names_challenge_hashes(mipkey_auth_t const *auth, hash_names_t *names)
{
	int i;

	for (i = 0; i < names->count; i++) {
		if (challenge_hash(auth->peer_challenge, auth->auth_challenge, names->name[i], names->len[i],
				   names->challenge_hash[i]) < 0) return -1;
	}
	return 0;
}

/*
 * Checks the NT-Response against k for each name. Every name is tried even after a match,
 * so the work done does not tell which name (or whether any) matched.
 * Returns the index of the name that matched, or -1.
 */
static int verify_with_names(mipkey_auth_t const *auth, hash_names_t const *names, uint8_t const k[MSCHAPV2_HASH_LEN])
{
	int i, match = -1;

	for (i = 0; i < names->count; i++) {
		if (verify_nt_response_challenge_hash(names->challenge_hash[i], k, auth->nt_response) == 1 &&
		    match < 0) match = i;
	}
	return match;
}

static rlm_rcode_t reply_success(rlm_mipkey_t const *inst, REQUEST *request, uint8_t ident, mipkey_auth_t const *auth,
				 uint8_t const k2[MSCHAPV2_HASH_LEN],
				 uint8_t const challenge[MSCHAPV2_CHALLENGE_HASH_LEN], mipkey_aaa_sa_t const *aaa_sa)
{
	char		success[1 + MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	uint8_t		master[MSCHAPV2_HASH_LEN], send_key[MSCHAPV2_HASH_LEN], recv_key[MSCHAPV2_HASH_LEN];
	rlm_rcode_t	rcode = RLM_MODULE_FAIL;

	success[0] = (char) ident;
	if (generate_authenticator_response_challenge_hash(k2, auth->nt_response, challenge, success + 1) < 0 ||
	    get_master_key(k2, auth->nt_response, master) < 0 ||
	    mppe_server_keys(master, send_key, recv_key) < 0) {
		REDEBUG("Key derivation failed (OpenSSL error)");
		goto done;
	}

	/* Mobile IP keys (and Skey / k'' where configured) first: a refused key request gets no
	 * MS-CHAP2-Success and no MPPE keys. */
	if (inst->mobileip) {
		rcode = mobileip_reply(inst->mobileip, request, auth, master, aaa_sa);
		if (rcode != RLM_MODULE_OK && rcode != RLM_MODULE_NOOP) goto done;
		rcode = RLM_MODULE_FAIL;
	}

	if (add_reply_octets(request, VENDORPEC_MICROSOFT, PW_MSCHAP2_SUCCESS, (uint8_t *) success,
			     1 + MSCHAPV2_AUTH_RESPONSE_LEN) < 0) goto done;

	if (inst->use_mppe) {
		/* The dictionary marks both keys encrypt=2: the server core salt-encrypts them (RFC 2548). */
		if (add_reply_octets(request, VENDORPEC_MICROSOFT, PW_MSCHAP_MPPE_SEND_KEY, send_key, sizeof(send_key)) < 0 ||
		    add_reply_octets(request, VENDORPEC_MICROSOFT, PW_MSCHAP_MPPE_RECV_KEY, recv_key, sizeof(recv_key)) < 0 ||
		    add_reply_integer(request, VENDORPEC_MICROSOFT, PW_MSCHAP_MPPE_ENCRYPTION_POLICY,
				      inst->require_encryption ? 2 : 1) < 0 ||
		    add_reply_integer(request, VENDORPEC_MICROSOFT, PW_MSCHAP_MPPE_ENCRYPTION_TYPES,
				      inst->require_strong ? 4 : 6) < 0) goto done;
	}
	rcode = RLM_MODULE_OK;

done:
	OPENSSL_cleanse(master, sizeof(master));
	OPENSSL_cleanse(send_key, sizeof(send_key));
	OPENSSL_cleanse(recv_key, sizeof(recv_key));
	return rcode;
}

/*
 * A password change (RFC 2759 section 7): the backend proves the old password, changes it,
 * and answers for the new one as lookup() would. source: where k came from if the control
 * list had it (then there is nothing to change: the password is not ours).
 */
static mipkey_result_t password_change(rlm_mipkey_t const *inst, REQUEST *request, mipkey_auth_t const *auth,
				       hash_names_t const *names, mipkey_cpw_t *cpw, char const *source, mipkey_key_t *key)
{
	int i;

	if (source) {
		OPENSSL_cleanse(key->key, sizeof(key->key));
		RERROR("MS-CHAPv2 password change for \"%.*s\" refused: the password comes from %s, which "
		       "rlm_mipkey cannot change", (int) auth->account_len, auth->account, source);
		return MIPKEY_CHANGE_UNSUPPORTED;
	}
	if (!inst->backend || !inst->backend->change_password ||
	    (inst->backend->password_change_enabled && !inst->backend->password_change_enabled(inst->backend_inst))) {
		RERROR("MS-CHAPv2 password change for \"%.*s\" refused: backend = %s %s", (int) auth->account_len,
		       auth->account, inst->backend_name,
		       inst->backend && inst->backend->change_password ? "has password_change = no" :
		       "cannot change passwords");
		return MIPKEY_CHANGE_UNSUPPORTED;
	}
	RDEBUG2("MS-CHAPv2 password change for \"%.*s\" (MS-CHAP2-CPW)", (int) auth->account_len, auth->account);
	for (i = 0; i < names->count && i < 2; i++) {
		memcpy(cpw->challenge_hash[i], names->challenge_hash[i], MSCHAPV2_CHALLENGE_HASH_LEN);
	}
	cpw->n_challenge_hash = i;
	return inst->backend->change_password(inst->backend_inst, request, auth, cpw, key);
}

static rlm_rcode_t authenticate(rlm_mipkey_t const *inst, REQUEST *request)
{
	VALUE_PAIR		*name;
	mschap_attrs_in_t	challenge, response;
	mschap_attrs_t		attrs;
	mipkey_auth_t		auth;
	mipkey_key_t		key;
	mipkey_result_t		result;
	uint8_t			k2[MSCHAPV2_HASH_LEN];
	uint8_t			ident;
	char const		*source, *hash_name = NULL;
	size_t			hash_name_len = 0;
	uint8_t const		*hash_name_challenge = NULL;
	hash_names_t		local_names;
	hash_name_mode_t	mode;
	bool			mobile_ip;
	int			rc, match;
	rlm_rcode_t		rcode;
	mipkey_cpw_t		*cpw = NULL;
	uint8_t const		*auth_challenge, *peer_challenge, *nt_response;

	/* A Change-Password carries its response in MS-CHAP2-CPW (password_change.c). */
	if (password_change_requested(request)) {
		cpw = password_change_read(request);
		if (!cpw) return RLM_MODULE_INVALID;
		ident = cpw->ident;
		auth_challenge = cpw->auth_challenge;
		peer_challenge = cpw->peer_challenge;
		nt_response = cpw->nt_response;
		goto have_response;
	}

	find_ms_attr(request, PW_MSCHAP_CHALLENGE, &challenge);
	find_ms_attr(request, PW_MSCHAP2_RESPONSE, &response);
	switch (mschap_attrs_response(&challenge, &response, &attrs)) {
	case MSCHAP_ATTRS_OK:
		break;
	case MSCHAP_ATTRS_COUNT:
		RERROR("Malformed MS-CHAPv2 request: %u MS-CHAP-Challenge and %u MS-CHAP2-Response attributes, "
		       "need exactly one of each", challenge.count, response.count);
		return RLM_MODULE_INVALID;
	case MSCHAP_ATTRS_CHALLENGE_LEN:
		RERROR("Malformed MS-CHAPv2 request: MS-CHAP-Challenge is %zu octets, must be %d",
		       challenge.len, MSCHAPV2_CHALLENGE_LEN);
		return RLM_MODULE_INVALID;
	case MSCHAP_ATTRS_RESPONSE_SIZE:
	case MSCHAP_ATTRS_CPW_FORM:	/* not from mschap_attrs_response() */
		RERROR("Malformed MS-CHAPv2 request: MS-CHAP2-Response is %zu octets, must be %d",
		       response.len, MSCHAP_ATTRS_RESPONSE_LEN);
		return RLM_MODULE_INVALID;
	}
	ident = attrs.ident;
	auth_challenge = attrs.auth_challenge;
	peer_challenge = attrs.peer_challenge;
	nt_response = attrs.nt_response;

have_response:
	/* EAP-MSCHAPv2 passes the name from inside the EAP packet as MS-CHAP-User-Name. */
	name = fr_pair_find_by_num(request->packet->vps, PW_MS_CHAP_USER_NAME, 0, TAG_ANY);
	if (!name) name = fr_pair_find_by_num(request->packet->vps, PW_USER_NAME, 0, TAG_ANY);
	if (!name || name->vp_length == 0) {
		RERROR("Malformed MS-CHAPv2 request: no User-Name");
		return RLM_MODULE_INVALID;
	}

	memset(&auth, 0, sizeof(auth));
	auth.as_sent = name->vp_strvalue;
	auth.as_sent_len = name->vp_length;
	auth.account = mschapv2_hash_username(auth.as_sent, auth.as_sent_len, &auth.account_len);
	split_name(&auth);
	/* A NUL would cut the name short in C-string APIs (winbind, a DC's domain) but not here. */
	if (memchr(auth.as_sent, '\0', auth.as_sent_len)) {
		RERROR("Malformed MS-CHAPv2 request: the user name contains a NUL byte");
		return RLM_MODULE_INVALID;
	}
	if (auth.account_len == 0) {
		RERROR("Malformed MS-CHAPv2 request: no account name in \"%.*s\"", (int) name->vp_length, name->vp_strvalue);
		return RLM_MODULE_INVALID;
	}
	auth.auth_challenge = auth_challenge;
	auth.peer_challenge = peer_challenge;
	auth.nt_response = nt_response;

	mode = request_hash_mode(inst, request);
	mobile_ip = inst->mobileip && mobileip_requested(request);
	hash_names(mode, mobile_ip, &auth, &local_names);
	if (hash_names_challenge_hashes(&auth, &local_names) < 0) return RLM_MODULE_FAIL;
	/* What a domain controller checks the response against: one name only, the likelier. */
	auth.hash_name = local_names.name[0];
	auth.hash_name_len = local_names.len[0];
	memcpy(auth.challenge_hash, local_names.challenge_hash[0], sizeof(auth.challenge_hash));

	memset(&key, 0, sizeof(key));
	rc = key_from_control(request, key.key, &source);
	if (rc < 0) {
		rcode = reply_error(request, ident, auth.auth_challenge, 691, "Authentication failed", RLM_MODULE_REJECT);
		goto done;
	}
	if (cpw) {
		result = password_change(inst, request, &auth, &local_names, cpw, rc == 0 ? source : NULL, &key);
	} else if (rc == 0) {
		RDEBUG2("Using k from %s", source);
		result = MIPKEY_OK;
		key.kind = MIPKEY_KEY_NT_HASH;
	} else if (inst->backend) {
		result = inst->backend->lookup(inst->backend_inst, request, &auth, &key);
	} else {
		REDEBUG("No control:NT-Password or control:Cleartext-Password, and backend = none");
		result = MIPKEY_NO_USER;
	}

	switch (result) {
	case MIPKEY_OK:
		break;

	case MIPKEY_NO_USER:
		/* Spend the same work as a real check, so an unknown user looks like a wrong password. */
		memset(key.key, 0, sizeof(key.key));
		verify_with_names(&auth, &local_names, key.key);
		if (cpw) {	/* and the work of a password change check */
			uint8_t	dummy[MSCHAPV2_HASH_LEN];
			size_t	dummy_len;

			(void) mschapv2_check_password_change(key.key, cpw->pw_block, cpw->encrypted_hash, dummy,
							      &dummy_len);
			OPENSSL_cleanse(dummy, sizeof(dummy));
		}
		REDEBUG("User \"%.*s\" unknown or without a usable key", (int) auth.account_len, auth.account);
		rcode = reply_error(request, ident, auth.auth_challenge, 691, "Authentication failed", RLM_MODULE_REJECT);
		goto done;

	case MIPKEY_WRONG_PASSWORD:
		REDEBUG("MS-CHAP2-Response is incorrect");
		rcode = reply_error(request, ident, auth.auth_challenge, 691, "Authentication failed", RLM_MODULE_REJECT);
		goto done;

	case MIPKEY_ACCT_DISABLED:
	case MIPKEY_ACCT_LOCKED:
	case MIPKEY_PASSWORD_EXPIRED:
		key.account_state = result;
		break;

	case MIPKEY_BACKEND_DOWN:
		rcode = RLM_MODULE_FAIL;
		goto done;

	case MIPKEY_INVALID:
		rcode = RLM_MODULE_INVALID;
		goto done;

	/* RFC 2759 section 6: 709 ERROR_CHANGING_PASSWORD */
	case MIPKEY_CHANGE_UNSUPPORTED:
		rcode = reply_error(request, ident, auth.auth_challenge, 709, "Password change is not supported",
				    RLM_MODULE_REJECT);
		goto done;

	case MIPKEY_CHANGE_REFUSED:
		rcode = reply_error(request, ident, auth.auth_challenge, 709, "Password change refused",
				    RLM_MODULE_REJECT);
		goto done;
	}

	if (key.kind == MIPKEY_KEY_NT_HASH) {
		match = verify_with_names(&auth, &local_names, key.key);
		if (match >= 0) {
			hash_name = local_names.name[match];
			hash_name_len = local_names.len[match];
			hash_name_challenge = local_names.challenge_hash[match];
		}
		if (!hash_name) {
			REDEBUG("MS-CHAP2-Response is incorrect");
			rcode = reply_error(request, ident, auth.auth_challenge, 691, "Authentication failed",
					    RLM_MODULE_REJECT);
			goto done;
		}
		if (hash_nt_password_hash(key.key, k2) < 0) {
			rcode = RLM_MODULE_FAIL;
			goto done;
		}
	} else {
		hash_name = auth.hash_name;
		hash_name_len = auth.hash_name_len;
		hash_name_challenge = auth.challenge_hash;
		memcpy(k2, key.key, sizeof(k2));
	}

	/* The account state is only told to a client that proved it knows the password. */
	switch (key.account_state) {
	case MIPKEY_ACCT_DISABLED:
		REDEBUG("Account \"%.*s\" is disabled", (int) auth.account_len, auth.account);
		rcode = reply_error(request, ident, auth.auth_challenge, 647, "Account disabled", RLM_MODULE_USERLOCK);
		goto done;
	case MIPKEY_ACCT_LOCKED:
		REDEBUG("Account \"%.*s\" is locked", (int) auth.account_len, auth.account);
		rcode = reply_error(request, ident, auth.auth_challenge, 647, "Account locked", RLM_MODULE_USERLOCK);
		goto done;
	case MIPKEY_PASSWORD_EXPIRED:
		REDEBUG("Password of \"%.*s\" has expired", (int) auth.account_len, auth.account);
		rcode = reply_error(request, ident, auth.auth_challenge, 648, "Password expired", RLM_MODULE_REJECT);
		goto done;
	default:
		break;
	}

	RDEBUG2("MS-CHAP2-Response is correct (ChallengeHash name \"%.*s\")", (int) hash_name_len, hash_name);
	rcode = reply_success(inst, request, ident, &auth, k2, hash_name_challenge, &key.aaa_sa);

done:
	OPENSSL_cleanse(&key, sizeof(key));
	OPENSSL_cleanse(k2, sizeof(k2));
	talloc_free(cpw);		/* wipes it */
	return rcode;
}

/*
 * BlastRADIUS (CVE-2024-3596): every Access-Accept and Access-Reject this module shapes is
 * signed. FreeRADIUS 3.2.1 computes a Message-Authenticator present in the reply when it
 * encodes the packet, but adds none by itself.
 */
static rlm_rcode_t CC_HINT(nonnull) mod_authenticate(void *instance, REQUEST *request)
{
	rlm_mipkey_t const *inst = instance;
	rlm_rcode_t	rcode = (inst->kdc && kdc_requested(request)) ? kdc_authenticate(inst->kdc, request)
									: authenticate(instance, request);
	VALUE_PAIR	*vp;

	if (!fr_pair_find_by_num(request->reply->vps, PW_MESSAGE_AUTHENTICATOR, 0, TAG_ANY)) {
		vp = fr_pair_afrom_num(request->reply, PW_MESSAGE_AUTHENTICATOR, 0);
		if (!vp) return RLM_MODULE_FAIL;
		fr_pair_value_memcpy(vp, (uint8_t const[AUTH_VECTOR_LEN]) { 0 }, AUTH_VECTOR_LEN);
		fr_pair_add(&request->reply->vps, vp);
	}
	return rcode;
}

/* Mobile IP keys from the key material of an accepted EAP authentication (eap_keys.c). */
static rlm_rcode_t CC_HINT(nonnull) mod_post_auth(void *instance, REQUEST *request)
{
	rlm_mipkey_t const *inst = instance;

	return eap_keys_post_auth(inst->eap_keys, inst->mobileip, request);
}

static int mod_detach(void *instance)
{
	rlm_mipkey_t *inst = instance;

	if (inst->crypto_ref) {
		inst->crypto_ref = false;
		if (--crypto_users == 0) mschapv2_crypto_free();
	}
	return 0;
}

extern module_t rlm_mipkey;
module_t rlm_mipkey = {
	.magic		= RLM_MODULE_INIT,
	.name		= "mipkey",
	.type		= RLM_TYPE_THREAD_SAFE,
	.inst_size	= sizeof(rlm_mipkey_t),
	.config		= module_config,
	.instantiate	= mod_instantiate,
	.detach		= mod_detach,
	.methods = {
		[MOD_AUTHENTICATE]	= mod_authenticate,
		[MOD_AUTHORIZE]		= mod_authorize,
		[MOD_POST_AUTH]		= mod_post_auth,
	},
};
