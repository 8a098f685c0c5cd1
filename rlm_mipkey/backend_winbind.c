/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * backend_winbind.c - a domain controller verifies the response through winbindd
 * (libwbclient) and returns the user session key, which is k'.
 *
 * One wbcContext per pooled connection: a context is not safe to share between threads,
 * and the pool hands each request its own.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <openssl/crypto.h>
#include <wbclient.h>

#include "backend.h"
#include "dc_common.h"

typedef struct {
	dc_domain_conf_t	domains;
	bool			password_change;	//!< RFC 2759 section 7 changes passed to the DC
	char const		*log_prefix;
	fr_connection_pool_t	*pool;
} winbind_inst_t;

typedef struct {
	struct wbcContext	*ctx;
} winbind_conn_t;

static int _conn_free(winbind_conn_t *conn)
{
	if (conn->ctx) wbcCtxFree(conn->ctx);
	return 0;
}

static void *mod_conn_create(TALLOC_CTX *ctx, void *instance)
{
	winbind_inst_t	*inst = instance;
	winbind_conn_t	*conn;
	struct wbcContext *wb;

	wb = wbcCtxCreate();
	if (!wb) {
		ERROR("%s: cannot create a winbind context", inst->log_prefix);
		return NULL;
	}
	conn = talloc_zero(ctx, winbind_conn_t);
	if (!conn) {
		wbcCtxFree(wb);
		return NULL;
	}
	conn->ctx = wb;
	talloc_set_destructor(conn, _conn_free);
	return conn;
}

static int _inst_free(winbind_inst_t *inst)
{
	fr_connection_pool_free(inst->pool);
	return 0;
}

static CONF_PARSER const winbind_config[] = {
	{ "password_change", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, winbind_inst_t, password_change), "yes" },
	CONF_PARSER_TERMINATOR
};

static int winbind_instantiate(TALLOC_CTX *ctx, CONF_SECTION *cs, char const *log_prefix, void **instance)
{
	winbind_inst_t *inst;

	inst = talloc_zero(ctx, winbind_inst_t);
	if (!inst) return -1;
	if (dc_domain_conf_parse(inst, cs, &inst->domains) < 0) return -1;
	if (cf_section_parse(cs, inst, winbind_config) < 0) return -1;
	inst->log_prefix = talloc_typed_asprintf(inst, "%s winbind", log_prefix);

	inst->pool = fr_connection_pool_module_init(cs, inst, mod_conn_create, NULL, inst->log_prefix);
	if (!inst->pool) return -1;
	talloc_set_destructor(inst, _inst_free);
	*instance = inst;
	return 0;
}

static mipkey_result_t winbind_lookup(void *instance, REQUEST *request, mipkey_auth_t const *auth, mipkey_key_t *out)
{
	winbind_inst_t		*inst = instance;
	winbind_conn_t		*conn;
	struct wbcAuthUserParams params;
	struct wbcAuthUserInfo	*info = NULL;
	struct wbcAuthErrorInfo	*error = NULL;
	char			domain[DC_DOMAIN_MAX], *account;
	uint8_t			nt_response[MSCHAPV2_NT_RESPONSE_LEN];
	wbcErr			err;
	mipkey_result_t		result;

	out->kind = MIPKEY_KEY_VERIFIED;
	if (dc_domain(&inst->domains, request, auth, domain, sizeof(domain)) < 0) {
		REDEBUG("NT domain name too long");
		return MIPKEY_INVALID;
	}
	account = talloc_strndup(request, auth->account, auth->account_len);
	if (!account) return MIPKEY_BACKEND_DOWN;

	memset(&params, 0, sizeof(params));
	params.account_name = account;
	params.domain_name = domain;
	params.level = WBC_AUTH_USER_LEVEL_RESPONSE;
	/* MS-CHAPv2 is NTLM over the 8-byte ChallengeHash; the DC must be told it may be that. */
	params.parameter_control = WBC_MSV1_0_ALLOW_MSVCHAPV2 | WBC_MSV1_0_ALLOW_WORKSTATION_TRUST_ACCOUNT |
				   WBC_MSV1_0_ALLOW_SERVER_TRUST_ACCOUNT;
	memcpy(params.password.response.challenge, auth->challenge_hash, sizeof(params.password.response.challenge));
	memcpy(nt_response, auth->nt_response, sizeof(nt_response));
	params.password.response.nt_length = sizeof(nt_response);
	params.password.response.nt_data = nt_response;

	conn = fr_connection_get(inst->pool);
	if (!conn) {
		RERROR("winbind unreachable: no context available");
		talloc_free(account);
		return MIPKEY_BACKEND_DOWN;
	}

	RDEBUG2("Asking the domain controller (winbind) for %s\\%s", domain, account);
	err = wbcCtxAuthenticateUserEx(conn->ctx, &params, &info, &error);
	switch (err) {
	case WBC_ERR_SUCCESS: {
		static uint8_t const zero[sizeof(info->user_session_key)];

		/* A guest logon, or no session key, would give k' = 0: keys anyone can compute. */
		if ((info->user_flags & WBC_AUTH_USER_INFO_GUEST) ||
		    CRYPTO_memcmp(info->user_session_key, zero, sizeof(zero)) == 0) {
			REDEBUG("Domain controller accepted %s\\%s as guest or without a session key: refused",
				domain, account);
			result = MIPKEY_WRONG_PASSWORD;
			break;
		}
		memcpy(out->key, info->user_session_key, sizeof(out->key));
		out->account_state = MIPKEY_OK;
		result = MIPKEY_OK;
		break;
	}

	case WBC_ERR_AUTH_ERROR:
		result = dc_nt_status_result(&inst->domains, request, error ? error->nt_status : 0,
					     error && error->nt_string ? error->nt_string : "authentication error");
		break;

	case WBC_ERR_WINBIND_NOT_AVAILABLE:
	case WBC_ERR_DOMAIN_NOT_FOUND:
		RERROR("Domain controller unreachable (winbind): %s", wbcErrorString(err));
		result = MIPKEY_BACKEND_DOWN;
		break;

	default:
		RERROR("winbind failed: %s", wbcErrorString(err));
		result = MIPKEY_BACKEND_DOWN;
		break;
	}

	if (info) {
		OPENSSL_cleanse(info->user_session_key, sizeof(info->user_session_key));
		OPENSSL_cleanse(info->lm_session_key, sizeof(info->lm_session_key));
		wbcFreeMemory(info);
	}
	if (error) wbcFreeMemory(error);
	talloc_free(account);
	fr_connection_release(inst->pool, conn);
	return result;
}

/*
 * RFC 2759 section 7 at the DC: winbindd hands the encrypted blobs to the DC as they came
 * (SamrChangePasswordUser2: the DC proves the old password and applies its policy), then the
 * NT-Response made with the new password is checked like a login, which gives k'.
 */
static mipkey_result_t winbind_change_password(void *instance, REQUEST *request, mipkey_auth_t const *auth,
					       mipkey_cpw_t const *cpw, mipkey_key_t *out)
{
	winbind_inst_t		*inst = instance;
	winbind_conn_t		*conn;
	struct wbcChangePasswordParams params;
	struct wbcAuthErrorInfo	*error = NULL;
	struct wbcUserPasswordPolicyInfo *policy = NULL;
	enum wbcPasswordChangeRejectReason reject = WBC_PWD_CHANGE_NO_ERROR;
	char			domain[DC_DOMAIN_MAX], *account;
	uint8_t			old_enc[MSCHAPV2_HASH_LEN], new_enc[MSCHAPV2_PW_BLOCK_LEN];
	wbcErr			err;
	mipkey_result_t		result;

	if (dc_domain(&inst->domains, request, auth, domain, sizeof(domain)) < 0) {
		REDEBUG("NT domain name too long");
		return MIPKEY_INVALID;
	}
	account = talloc_strndup(request, auth->account, auth->account_len);
	if (!account) return MIPKEY_BACKEND_DOWN;

	/* libwbclient takes non-const pointers: its own copies, wiped below. */
	memcpy(old_enc, cpw->encrypted_hash, sizeof(old_enc));
	memcpy(new_enc, cpw->pw_block, sizeof(new_enc));
	memset(&params, 0, sizeof(params));
	params.account_name = account;
	params.domain_name = domain;
	params.level = WBC_CHANGE_PASSWORD_LEVEL_RESPONSE;
	params.old_password.response.old_nt_hash_enc_length = sizeof(old_enc);
	params.old_password.response.old_nt_hash_enc_data = old_enc;
	params.new_password.response.nt_length = sizeof(new_enc);
	params.new_password.response.nt_data = new_enc;

	conn = fr_connection_get(inst->pool);
	if (!conn) {
		RERROR("winbind unreachable: no context available");
		result = MIPKEY_BACKEND_DOWN;
		goto done;
	}
	RDEBUG2("Asking the domain controller (winbind) to change the password of %s\\%s", domain, account);
	err = wbcCtxChangeUserPasswordEx(conn->ctx, &params, &error, &reject, &policy);
	fr_connection_release(inst->pool, conn);

	switch (err) {
	case WBC_ERR_SUCCESS:
		RINFO("Password of %s\\%s changed at the domain controller", domain, account);
		result = winbind_lookup(instance, request, auth, out);
		break;

	case WBC_ERR_PWD_CHANGE_FAILED:
	case WBC_ERR_AUTH_ERROR:
		if (reject != WBC_PWD_CHANGE_NO_ERROR) {
			RERROR("Domain controller refused the new password of %s\\%s (reject reason %d)", domain,
			       account, (int) reject);
			result = MIPKEY_CHANGE_REFUSED;
			break;
		}
		result = dc_change_status_result(&inst->domains, request, error ? error->nt_status : 0,
						 error && error->nt_string ? error->nt_string : wbcErrorString(err));
		break;

	case WBC_ERR_WINBIND_NOT_AVAILABLE:
	case WBC_ERR_DOMAIN_NOT_FOUND:
		RERROR("Domain controller unreachable (winbind): %s", wbcErrorString(err));
		result = MIPKEY_BACKEND_DOWN;
		break;

	default:
		RERROR("winbind password change failed: %s", wbcErrorString(err));
		result = MIPKEY_BACKEND_DOWN;
		break;
	}

done:
	OPENSSL_cleanse(old_enc, sizeof(old_enc));
	OPENSSL_cleanse(new_enc, sizeof(new_enc));
	if (error) wbcFreeMemory(error);
	if (policy) wbcFreeMemory(policy);
	talloc_free(account);
	return result;
}

static bool winbind_password_change_enabled(void const *instance)
{
	return ((winbind_inst_t const *) instance)->password_change;
}

mipkey_backend_t const mipkey_backend_winbind = {
	.name		= "winbind",
	.instantiate	= winbind_instantiate,
	.lookup		= winbind_lookup,
	.change_password = winbind_change_password,
	.password_change_enabled = winbind_password_change_enabled,
	.verifies_response = true,
};
