/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * backend.h - where the module gets the key material of a user.
 *
 * One small interface for every key source. A backend either hands back k (the NT hash)
 * and lets the module verify the NT-Response, or verifies the response itself (a domain
 * controller) and hands back k'. Adding a backend is one new file plus one line in
 * the table in rlm_mipkey.c.
 */
#ifndef MIPKEY_BACKEND_H
#define MIPKEY_BACKEND_H

#include <freeradius/radiusd.h>
#include "mschapv2.h"

typedef enum {
	MIPKEY_OK = 0,			//!< key filled in
	MIPKEY_NO_USER,			//!< no such user, or no usable key: looks like a wrong password
	MIPKEY_WRONG_PASSWORD,		//!< a verifying backend rejected the response
	MIPKEY_ACCT_DISABLED,
	MIPKEY_ACCT_LOCKED,
	MIPKEY_PASSWORD_EXPIRED,
	MIPKEY_BACKEND_DOWN,		//!< the backend could not be asked: module fail, not reject
	MIPKEY_INVALID,			//!< the request cannot be served (e.g. a name the backend refuses)
	MIPKEY_CHANGE_REFUSED,		//!< password change: the old password is right, but the change was
					//!< refused (policy, an empty password, the directory said no)
	MIPKEY_CHANGE_UNSUPPORTED	//!< password change: not possible here (no backend that can, switched
					//!< off, or k came from the control list)
} mipkey_result_t;

/** What the module knows about the request when it asks a backend. */
typedef struct {
	char const	*account;	//!< name without DOMAIN\ and @realm
	size_t		account_len;
	char const	*as_sent;	//!< name as the client sent it
	size_t		as_sent_len;
	char const	*hash_name;	//!< the one ChallengeHash name a verifying backend uses
	size_t		hash_name_len;
	char const	*domain;	//!< the "DOMAIN" of "DOMAIN\user", or NULL
	size_t		domain_len;
	char const	*realm;		//!< the "realm" of "user@realm", or NULL
	size_t		realm_len;
	uint8_t		challenge_hash[MSCHAPV2_CHALLENGE_HASH_LEN];	//!< of hash_name: what a DC checks
	uint8_t const	*auth_challenge;	//!< MSCHAPV2_CHALLENGE_LEN
	uint8_t const	*peer_challenge;	//!< MSCHAPV2_CHALLENGE_LEN
	uint8_t const	*nt_response;		//!< MSCHAPV2_NT_RESPONSE_LEN
} mipkey_auth_t;

typedef enum {
	MIPKEY_KEY_NT_HASH = 0,		//!< key is k: the module verifies the NT-Response
	MIPKEY_KEY_VERIFIED		//!< key is k' from a backend that verified the response
} mipkey_key_kind_t;

#define MIPKEY_AAA_KEY_MAX	64	//!< longest AAA key, octets
#define MIPKEY_AAA_ALG_MAX	32	//!< longest algorithm name, with the NUL

/**
 * The mobile node's AAA security association (RFC 3957: the one its AAA SPI names), for
 * "mobileip { aaa_key = ldap }". Only backends that store one fill it in.
 */
typedef struct {
	bool		present;			//!< SPI and key found and well formed
	uint32_t	spi;
	uint8_t		key[MIPKEY_AAA_KEY_MAX];
	size_t		key_len;			//!< 1 .. MIPKEY_AAA_KEY_MAX
	char		algorithm[MIPKEY_AAA_ALG_MAX];	//!< as stored; "" = not stored
	char const	*problem;			//!< !present: why not (static text, no secret)
} mipkey_aaa_sa_t;

#define MIPKEY_KEY0_MAX		64	//!< longest KEY0 as stored (a wrapped 32-octet key is 40)
#define MIPKEY_KEY0_NAME_MAX	256

/**
 * KDC mode (kdc.h): the entry whose KEY0 an SPI names. Wiped by the module after use.
 */
typedef struct {
	uint8_t		key[MIPKEY_KEY0_MAX];		//!< as stored (hex decoded): KEY0, or its wrap
	size_t		key_len;
	char		name[MIPKEY_KEY0_NAME_MAX];	//!< the entry's name (kdc_name_attribute), NUL-terminated
	size_t		name_len;
} mipkey_key0_t;

/** What a backend hands back. Wiped by the module after use. */
typedef struct {
	mipkey_key_kind_t kind;
	uint8_t		key[MSCHAPV2_HASH_LEN];
	mipkey_result_t	account_state;	//!< MIPKEY_OK, or why the account may not log in;
					//!< only told to a client that proved the password
	mipkey_aaa_sa_t	aaa_sa;		//!< optional: the AAA security association
} mipkey_key_t;

/**
 * An MS-CHAPv2 Change-Password (RFC 2759 section 7), as read from MS-CHAP2-CPW and the
 * MS-CHAP-NT-Enc-PW chunks (password_change.c). Wiped when freed.
 */
typedef struct {
	uint8_t		ident;
	uint8_t		auth_challenge[MSCHAPV2_CHALLENGE_LEN];	//!< MS-CHAP-Challenge
	uint8_t		encrypted_hash[MSCHAPV2_HASH_LEN];	//!< OldNtPasswordHashEncryptedWithNewNtPasswordHash
	uint8_t		peer_challenge[MSCHAPV2_CHALLENGE_LEN];
	uint8_t		nt_response[MSCHAPV2_NT_RESPONSE_LEN];	//!< made with the NEW password
	uint8_t		pw_block[MSCHAPV2_PW_BLOCK_LEN];	//!< NewPasswordEncryptedWithOldNtPasswordHash
	/** Where k is local: the ChallengeHash of each name the NT-Response may be made with
	 *  (the module's hash_username choice), for a backend to check it before it writes. */
	uint8_t		challenge_hash[2][MSCHAPV2_CHALLENGE_HASH_LEN];
	int		n_challenge_hash;
} mipkey_cpw_t;

typedef struct {
	char const	*name;		//!< value of the "backend" option and name of its subsection
	/** Parse the backend's subsection and open what it needs; errors go to cf_log_err. */
	int		(*instantiate)(TALLOC_CTX *ctx, CONF_SECTION *cs, char const *log_prefix, void **instance);
	/** Fetch k (or verify and fetch k'). */
	mipkey_result_t	(*lookup)(void *instance, REQUEST *request, mipkey_auth_t const *auth, mipkey_key_t *out);
	/** Optional: true if lookup() fills in out->aaa_sa (the instance is configured to). */
	bool		(*has_aaa_sa)(void const *instance);
	/**
	 * Optional: change the password (RFC 2759 section 7) if the old one is proven, then do
	 * what lookup() does for auth, whose NT-Response is the one made with the new password
	 * (k of the new password, or k' from a DC that verified it). MIPKEY_WRONG_PASSWORD: the
	 * old password is wrong and nothing was changed. A disabled or locked account is not
	 * changed: its state comes back in out->account_state, as from lookup().
	 */
	mipkey_result_t	(*change_password)(void *instance, REQUEST *request, mipkey_auth_t const *auth,
					   mipkey_cpw_t const *cpw, mipkey_key_t *out);
	/** Optional: false if this instance is configured not to change passwords. */
	bool		(*password_change_enabled)(void const *instance);
	/**
	 * Optional (KDC mode): the one entry whose KEY0 SPI is spi. MIPKEY_NO_USER: none, more
	 * than one, or no usable key or name; MIPKEY_BACKEND_DOWN: could not ask.
	 */
	mipkey_result_t	(*lookup_key0)(void *instance, REQUEST *request, uint32_t spi, mipkey_key0_t *out);
	/** Optional: true if lookup_key0() is configured (kdc_key_attribute set). */
	bool		(*has_key0)(void const *instance);
	/** The backend verifies the response itself (a domain controller): every try with a
	 *  wrong ChallengeHash name counts as a bad password there, so it gets exactly one. */
	bool		verifies_response;
} mipkey_backend_t;

extern mipkey_backend_t const mipkey_backend_ldap;
extern mipkey_backend_t const mipkey_backend_winbind;
extern mipkey_backend_t const mipkey_backend_ntlm_auth;

#endif
