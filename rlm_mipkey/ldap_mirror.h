/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * ldap_mirror.h - an in-memory copy of what the LDAP backend needs per user, kept current by an
 * RFC 4533 content synchronisation (refreshAndPersist), so that requests do not wait on LDAP.
 *
 * The mirror knows nothing about attributes: backend_ldap.c opens the connection and turns an
 * entry into an ldap_mirror_user_t (the same parsing as its per-request search).
 */
#ifndef MIPKEY_LDAP_MIRROR_H
#define MIPKEY_LDAP_MIRROR_H

#include <ldap.h>
#include "backend.h"

/** What the mirror keeps per user name. Holds k: wiped when replaced, freed or copied out. */
typedef struct {
	bool		usable;			//!< one well-formed NT hash
	mipkey_key_t	key;			//!< k, the account flags' state, the AAA security association
	bool		no_expiry;		//!< flag X: the password does not expire
	bool		has_must_change;
	int64_t		must_change;		//!< seconds since 1970
	bool		last_set_zero;		//!< "must change at next logon"
} ldap_mirror_user_t;

typedef struct {
	char const	*log_prefix;
	char const	*base_dn;
	char const	*filter;		//!< which entries are users
	char const	*name_attribute;	//!< its values are the names a request is looked up by
	char const * const *attrs;		//!< attributes to ask for (NULL-terminated, name attribute included)
	uint32_t	max_stale;		//!< seconds the last state is used after the sync was lost
	/** Open and bind a connection (NULL: failed, logged). */
	LDAP		*(*connect)(void *ctx);
	/** Fill in a user from an entry of the sync session. */
	void		(*convert)(void *ctx, LDAP *ld, LDAPMessage *entry, ldap_mirror_user_t *user);
	void		*ctx;
} ldap_mirror_config_t;

typedef struct ldap_mirror ldap_mirror_t;

typedef enum {
	LDAP_MIRROR_FOUND = 0,		//!< *user filled in
	LDAP_MIRROR_NO_USER,		//!< no entry with this name
	LDAP_MIRROR_AMBIGUOUS,		//!< more than one entry has this name
	LDAP_MIRROR_NOT_IN_SYNC		//!< not loaded yet, or the sync was lost more than max_stale ago
} ldap_mirror_status_t;

/** Starts the sync thread; the configuration (and what it points to) must outlive the mirror. */
ldap_mirror_t		*ldap_mirror_start(ldap_mirror_config_t const *config);

/** Stops the thread, wipes and frees every entry. */
void			ldap_mirror_stop(ldap_mirror_t *mirror);

/** The user of this name (ASCII letters case-insensitive, like uid). Never waits on LDAP. */
ldap_mirror_status_t	ldap_mirror_get(ldap_mirror_t *mirror, char const *name, size_t len, ldap_mirror_user_t *user);

#endif
