/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * ldap_mirror.c - the LDAP mirror: an RFC 4533 refreshAndPersist session in its own thread
 * fills and updates a table of users, which requests read without asking LDAP.
 *
 * Two tables. By entryUUID (what a sync delete names): touched only by the sync thread, no
 * lock. By name (what a request looks up): a hash table whose buckets are guarded by 256
 * striped rwlocks. A request takes one stripe's read lock, copies the user out and drops it:
 * requests never wait for each other, and wait on the sync thread only while it relinks one
 * node of that stripe (never during LDAP I/O, which happens with no lock held). An RCU-like
 * pointer swap would spare the read lock's atomic, but needs a grace period before a
 * replaced node may be wiped and freed; with the copy-out made under the lock, a replaced
 * node is unreachable as soon as the write lock is released, and can be wiped at once.
 * Growing the table takes every stripe (rare: the bucket count doubles).
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <openssl/crypto.h>

#include "ldap_mirror.h"

#define STRIPES		256		//!< power of 2, at most the smallest bucket count
#define MIN_BUCKETS	1024
#define NAME_MAX_LEN	256		//!< longer uid values are not names a request can carry
#define UUID_LEN	16
#define POLL_MS		200		//!< how often the thread looks at the stop flag
#define RETRY_MAX_S	5		//!< longest wait between two connection attempts

typedef struct uuid_rec uuid_rec_t;

typedef struct name_node {
	struct name_node	*next;
	uint32_t		hash;
	uint16_t		name_len;
	ldap_mirror_user_t	user;
	char			name[];
} name_node_t;

struct uuid_rec {
	uuid_rec_t		*next;
	uint8_t			uuid[UUID_LEN];
	uint32_t		gen;		//!< last present phase (or add/modify) that named it
	uint32_t		n_names;
	uint32_t		n_alloc;	//!< size of names[]
	name_node_t		**names;	//!< this entry's nodes in the name table
};

struct ldap_mirror {
	ldap_mirror_config_t	cfg;

	/* Shared with requests. */
	pthread_rwlock_t	lock[STRIPES];
	name_node_t		**buckets;	//!< changed only with every stripe held
	size_t			mask;
	atomic_bool		in_sync;	//!< persist stage on a live connection
	atomic_bool		loaded;		//!< a refresh has completed once
	atomic_llong		lost_at_ms;	//!< CLOCK_MONOTONIC when in_sync last went false

	/* The sync thread's own. */
	pthread_t		thread;
	atomic_bool		stop;
	size_t			n_nodes;
	uuid_rec_t		**uuids;
	size_t			umask;
	size_t			n_uuids;
	uint32_t		gen;
	struct berval		cookie;
	size_t			bytes;		//!< what the tables hold, for the log line
	struct timespec		refresh_t0;
	char const		*last_error;	//!< logged once until it changes
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint8_t fold(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t) (c + 32) : c;
}

/* FNV-1a over the ASCII-folded name. */
static uint32_t name_hash(char const *name, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= fold((uint8_t) name[i]);
		h *= 16777619u;
	}
	return h;
}

static bool name_eq(char const *a, size_t alen, char const *b, size_t blen)
{
	size_t i;

	if (alen != blen) return false;
	for (i = 0; i < alen; i++) if (fold((uint8_t) a[i]) != fold((uint8_t) b[i])) return false;
	return true;
}

static pthread_rwlock_t *stripe(ldap_mirror_t *m, uint32_t hash)
{
	return &m->lock[hash & (STRIPES - 1)];
}

static void node_free(ldap_mirror_t *m, name_node_t *node)
{
	size_t size = sizeof(*node) + node->name_len;

	OPENSSL_cleanse(node, size);
	free(node);
	m->bytes -= size;
}

/* Doubles the bucket array when it holds twice as many nodes as buckets. */
static void maybe_grow(ldap_mirror_t *m)
{
	name_node_t	**nb, *n, *next;
	size_t		nmask, i;

	if (m->n_nodes < 2 * (m->mask + 1)) return;
	nmask = 2 * (m->mask + 1) - 1;
	nb = calloc(nmask + 1, sizeof(*nb));
	if (!nb) return;	/* longer chains, still correct */

	for (i = 0; i < STRIPES; i++) pthread_rwlock_wrlock(&m->lock[i]);
	for (i = 0; i <= m->mask; i++) {
		for (n = m->buckets[i]; n; n = next) {
			next = n->next;
			n->next = nb[n->hash & nmask];
			nb[n->hash & nmask] = n;
		}
	}
	free(m->buckets);
	m->bytes += (nmask - m->mask) * sizeof(*nb);
	m->buckets = nb;
	m->mask = nmask;
	for (i = 0; i < STRIPES; i++) pthread_rwlock_unlock(&m->lock[i]);
}

/* Puts NEW in the name table, in place of OLD if given (same name). */
static void node_link(ldap_mirror_t *m, name_node_t *new, name_node_t *old)
{
	pthread_rwlock_t	*l = stripe(m, new->hash);
	name_node_t		**pp;

	pthread_rwlock_wrlock(l);
	if (old) {
		for (pp = &m->buckets[old->hash & m->mask]; *pp != old; pp = &(*pp)->next);
		new->next = old->next;
		*pp = new;
	} else {
		pp = &m->buckets[new->hash & m->mask];
		new->next = *pp;
		*pp = new;
	}
	pthread_rwlock_unlock(l);
	if (old) {
		node_free(m, old);
	} else {
		m->n_nodes++;
		maybe_grow(m);
	}
}

static void node_unlink(ldap_mirror_t *m, name_node_t *old)
{
	pthread_rwlock_t	*l = stripe(m, old->hash);
	name_node_t		**pp;

	pthread_rwlock_wrlock(l);
	for (pp = &m->buckets[old->hash & m->mask]; *pp != old; pp = &(*pp)->next);
	*pp = old->next;
	pthread_rwlock_unlock(l);
	node_free(m, old);
	m->n_nodes--;
}

static size_t uuid_slot(ldap_mirror_t const *m, uint8_t const *uuid)
{
	uint64_t h;

	memcpy(&h, uuid, sizeof(h));	/* random (v1 time-based in OpenLDAP: the low time bits first) */
	return (size_t) (h ^ (h >> 29)) & m->umask;
}

static uuid_rec_t **uuid_find(ldap_mirror_t *m, uint8_t const *uuid)
{
	uuid_rec_t **pp;

	for (pp = &m->uuids[uuid_slot(m, uuid)]; *pp; pp = &(*pp)->next) {
		if (memcmp((*pp)->uuid, uuid, UUID_LEN) == 0) return pp;
	}
	return pp;
}

static void uuid_grow(ldap_mirror_t *m)
{
	uuid_rec_t	**old = m->uuids, *r, *next;
	size_t		omask = m->umask, i;

	if (m->n_uuids < 2 * (m->umask + 1)) return;
	m->uuids = calloc(2 * (omask + 1), sizeof(*m->uuids));
	if (!m->uuids) {
		m->uuids = old;
		return;
	}
	m->umask = 2 * (omask + 1) - 1;
	for (i = 0; i <= omask; i++) {
		for (r = old[i]; r; r = next) {
			next = r->next;
			r->next = m->uuids[uuid_slot(m, r->uuid)];
			m->uuids[uuid_slot(m, r->uuid)] = r;
		}
	}
	free(old);
	m->bytes += (m->umask - omask) * sizeof(*m->uuids);
}

/* Removes an entry: its names first (requests stop finding it), then the record. */
static void rec_delete(ldap_mirror_t *m, uuid_rec_t **pp)
{
	uuid_rec_t	*r = *pp;
	uint32_t	i;

	for (i = 0; i < r->n_names; i++) node_unlink(m, r->names[i]);
	*pp = r->next;
	m->bytes -= sizeof(*r) + r->n_alloc * sizeof(*r->names);
	free(r->names);
	free(r);
	m->n_uuids--;
}

/*
 * An entry added or modified: a new node per name, each swapped in for the old node of the
 * same name, so that a request never misses a user whose entry merely changed.
 */
static void rec_upsert(ldap_mirror_t *m, uint8_t const *uuid, struct berval **names, ldap_mirror_user_t const *user)
{
	uuid_rec_t	**pp = uuid_find(m, uuid), *r = *pp;
	name_node_t	**nodes = NULL, *n;
	uint32_t	count = 0, allocated, i, j;
	size_t		len;

	for (i = 0; names && names[i]; i++) count++;
	allocated = count;
	if (count) {
		nodes = calloc(count, sizeof(*nodes));
		if (!nodes) goto oom;
	}
	for (i = 0, j = 0; i < count; i++) {
		len = names[i]->bv_len;
		if (len == 0 || len > NAME_MAX_LEN) continue;
		n = malloc(sizeof(*n) + len);
		if (!n) goto oom;
		n->next = NULL;
		n->hash = name_hash(names[i]->bv_val, len);
		n->name_len = (uint16_t) len;
		n->user = *user;
		memcpy(n->name, names[i]->bv_val, len);
		m->bytes += sizeof(*n) + len;
		nodes[j++] = n;
	}
	count = j;

	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r) goto oom;
		memcpy(r->uuid, uuid, UUID_LEN);
		*pp = r;
		m->n_uuids++;
		m->bytes += sizeof(*r);
	}
	/* Old names the entry no longer has. */
	for (i = 0; i < r->n_names; i++) {
		for (j = 0; j < count; j++) {
			if (name_eq(r->names[i]->name, r->names[i]->name_len, nodes[j]->name, nodes[j]->name_len)) break;
		}
		if (j == count) {
			node_unlink(m, r->names[i]);
			r->names[i] = NULL;
		}
	}
	/* New nodes, in place of the old one of the same name where there is one. */
	for (j = 0; j < count; j++) {
		name_node_t *old = NULL;

		for (i = 0; i < r->n_names && !old; i++) {
			if (r->names[i] && name_eq(r->names[i]->name, r->names[i]->name_len, nodes[j]->name,
						   nodes[j]->name_len)) old = r->names[i];
		}
		node_link(m, nodes[j], old);
	}
	m->bytes += allocated * sizeof(*nodes);
	m->bytes -= r->n_alloc * sizeof(*r->names);
	free(r->names);
	r->names = nodes;
	r->n_names = count;
	r->n_alloc = allocated;
	r->gen = m->gen;
	uuid_grow(m);
	return;

oom:
	/* The old state stays: better than a half-applied one. The next refresh repairs it. */
	ERROR("%s: mirror: out of memory applying an entry", m->cfg.log_prefix);
	for (i = 0; nodes && i < count && nodes[i]; i++) node_free(m, nodes[i]);
	free(nodes);
}

/* The end of a present phase: entries it did not name are gone from the directory. */
static void sweep(ldap_mirror_t *m)
{
	size_t		i, removed = 0;
	uuid_rec_t	**pp;

	for (i = 0; i <= m->umask; i++) {
		for (pp = &m->uuids[i]; *pp; ) {
			if ((*pp)->gen != m->gen) {
				rec_delete(m, pp);
				removed++;
			} else {
				pp = &(*pp)->next;
			}
		}
	}
	if (removed) DEBUG2("%s: mirror: %zu entries gone from the directory", m->cfg.log_prefix, removed);
}

static void save_cookie(ldap_mirror_t *m, struct berval const *cookie)
{
	char *v;

	if (!cookie || !cookie->bv_val) return;
	v = malloc(cookie->bv_len + 1);
	if (!v) return;	/* the previous cookie is older but valid */
	memcpy(v, cookie->bv_val, cookie->bv_len);
	v[cookie->bv_len] = '\0';
	free(m->cookie.bv_val);
	m->cookie.bv_val = v;
	m->cookie.bv_len = cookie->bv_len;
}

static void set_lost(ldap_mirror_t *m)
{
	if (!atomic_load(&m->in_sync)) return;
	atomic_store(&m->lost_at_ms, now_ms());
	atomic_store(&m->in_sync, false);
}

/* A searchResultEntry: its Sync State Control says what happened to it (RFC 4533 2.3). */
static int handle_entry(ldap_mirror_t *m, LDAP *ld, LDAPMessage *msg)
{
	LDAPControl		**ctrls = NULL, *c;
	BerElement		*ber = NULL;
	ber_int_t		state;
	struct berval		uuid, cookie = { 0, NULL };
	ber_len_t		len;
	uuid_rec_t		**pp;
	int			ret = -1;

	if (ldap_get_entry_controls(ld, msg, &ctrls) != LDAP_SUCCESS ||
	    !(c = ldap_control_find(LDAP_CONTROL_SYNC_STATE, ctrls, NULL)) ||
	    !(ber = ber_init(&c->ldctl_value)) ||
	    ber_scanf(ber, "{em", &state, &uuid) == LBER_ERROR || uuid.bv_len != UUID_LEN) {
		ERROR("%s: mirror: an entry without a valid Sync State Control", m->cfg.log_prefix);
		goto done;
	}
	if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE && ber_scanf(ber, "m", &cookie) == LBER_ERROR) goto done;

	switch (state) {
	case LDAP_SYNC_PRESENT:
		pp = uuid_find(m, (uint8_t *) uuid.bv_val);
		if (*pp) (*pp)->gen = m->gen;
		break;

	case LDAP_SYNC_ADD:
	case LDAP_SYNC_MODIFY:
	{
		ldap_mirror_user_t	user;
		struct berval		**names;

		memset(&user, 0, sizeof(user));
		m->cfg.convert(m->cfg.ctx, ld, msg, &user);
		names = ldap_get_values_len(ld, msg, m->cfg.name_attribute);
		rec_upsert(m, (uint8_t *) uuid.bv_val, names, &user);
		if (names) ldap_value_free_len(names);
		OPENSSL_cleanse(&user, sizeof(user));
		if (atomic_load(&m->in_sync)) DEBUG2("%s: mirror: entry %s", m->cfg.log_prefix,
						     state == LDAP_SYNC_ADD ? "added" : "modified");
		break;
	}

	case LDAP_SYNC_DELETE:
		pp = uuid_find(m, (uint8_t *) uuid.bv_val);
		if (*pp) rec_delete(m, pp);
		if (atomic_load(&m->in_sync)) DEBUG2("%s: mirror: entry deleted", m->cfg.log_prefix);
		break;

	default:
		ERROR("%s: mirror: unknown sync state %d", m->cfg.log_prefix, (int) state);
		goto done;
	}
	save_cookie(m, &cookie);
	ret = 0;

done:
	if (ber) ber_free(ber, 1);
	ldap_controls_free(ctrls);
	return ret;
}

static void refresh_done(ldap_mirror_t *m)
{
	struct timespec	t1;
	double		secs;

	if (atomic_load(&m->in_sync)) return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double) (t1.tv_sec - m->refresh_t0.tv_sec) + (double) (t1.tv_nsec - m->refresh_t0.tv_nsec) / 1e9;
	atomic_store(&m->loaded, true);
	atomic_store(&m->in_sync, true);
	m->last_error = NULL;
	INFO("%s: mirror in sync: %zu entries, %zu names, %zu bytes of tables, refresh took %.3f s",
	     m->cfg.log_prefix, m->n_uuids, m->n_nodes, m->bytes, secs);
}

/* A Sync Info Message (RFC 4533 2.5): a new cookie, the end of a phase, or a set of UUIDs. */
static int handle_info(ldap_mirror_t *m, LDAP *ld, LDAPMessage *msg)
{
	char		*oid = NULL;
	struct berval	*data = NULL, cookie = { 0, NULL };
	BerElement	*ber = NULL;
	ber_tag_t	tag;
	ber_len_t	len;
	ber_int_t	flag;
	int		ret = -1;

	if (ldap_parse_intermediate(ld, msg, &oid, &data, NULL, 0) != LDAP_SUCCESS) goto done;
	if (!oid || strcmp(oid, LDAP_SYNC_INFO) != 0) {
		ret = 0;	/* not ours */
		goto done;
	}
	if (!data || !(ber = ber_init(data))) goto done;

	tag = ber_peek_tag(ber, &len);
	switch (tag) {
	case LDAP_TAG_SYNC_NEW_COOKIE:
		if (ber_scanf(ber, "m", &cookie) == LBER_ERROR) goto done;
		break;

	case LDAP_TAG_SYNC_REFRESH_DELETE:
	case LDAP_TAG_SYNC_REFRESH_PRESENT:
		flag = 1;	/* refreshDone DEFAULT TRUE */
		if (ber_scanf(ber, "{") == LBER_ERROR) goto done;
		if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE && ber_scanf(ber, "m", &cookie) == LBER_ERROR) goto done;
		if (ber_peek_tag(ber, &len) == LBER_BOOLEAN && ber_scanf(ber, "b", &flag) == LBER_ERROR) goto done;
		if (tag == LDAP_TAG_SYNC_REFRESH_PRESENT) {
			sweep(m);
			m->gen++;
		}
		save_cookie(m, &cookie);
		if (flag) refresh_done(m);
		ret = 0;
		goto done;

	case LDAP_TAG_SYNC_ID_SET:
	{
		BerVarray	uuids = NULL;
		uuid_rec_t	**pp;
		size_t		i;

		flag = 0;	/* refreshDeletes DEFAULT FALSE */
		if (ber_scanf(ber, "{") == LBER_ERROR) goto done;
		if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE && ber_scanf(ber, "m", &cookie) == LBER_ERROR) goto done;
		if (ber_peek_tag(ber, &len) == LBER_BOOLEAN && ber_scanf(ber, "b", &flag) == LBER_ERROR) goto done;
		if (ber_scanf(ber, "[W]", &uuids) == LBER_ERROR) goto done;
		for (i = 0; uuids && uuids[i].bv_val; i++) {
			if (uuids[i].bv_len != UUID_LEN) continue;
			pp = uuid_find(m, (uint8_t *) uuids[i].bv_val);
			if (!*pp) continue;
			if (flag) rec_delete(m, pp);
			else (*pp)->gen = m->gen;
		}
		ber_bvarray_free(uuids);
		break;
	}

	default:
		ERROR("%s: mirror: unknown Sync Info Message (tag 0x%lx)", m->cfg.log_prefix, (unsigned long) tag);
		goto done;
	}
	save_cookie(m, &cookie);
	ret = 0;

done:
	if (ret < 0) ERROR("%s: mirror: malformed Sync Info Message", m->cfg.log_prefix);
	if (ber) ber_free(ber, 1);
	ber_bvfree(data);
	ldap_memfree(oid);
	return ret;
}

static void log_error(ldap_mirror_t *m, char const *what, int rc)
{
	char const *err = ldap_err2string(rc);

	if (m->last_error == err) {
		DEBUG2("%s: mirror: %s: %s", m->cfg.log_prefix, what, err);
		return;
	}
	m->last_error = err;
	ERROR("%s: mirror: %s: %s", m->cfg.log_prefix, what, err);
}

/*
 * One sync session on LD: the search with the Sync Request Control (the cookie when there is
 * one), then entries and sync info until the connection ends or the thread is stopped.
 * Returns true if the server asked for a full reload (e-syncRefreshRequired).
 */
static bool run_session(ldap_mirror_t *m, LDAP *ld)
{
	BerElement	*ber;
	struct berval	value = { 0, NULL };
	LDAPControl	*ctrl = NULL, *ctrls[2] = { NULL, NULL };
	LDAPMessage	*msg;
	struct timeval	tv;
	int		rc, msgid, err;
	bool		reload = false;

	ber = ber_alloc_t(LBER_USE_DER);
	if (!ber) return false;
	if (m->cookie.bv_val) rc = ber_printf(ber, "{eO}", (ber_int_t) LDAP_SYNC_REFRESH_AND_PERSIST, &m->cookie);
	else rc = ber_printf(ber, "{e}", (ber_int_t) LDAP_SYNC_REFRESH_AND_PERSIST);
	if (rc < 0 || ber_flatten2(ber, &value, 0) < 0 ||
	    ldap_control_create(LDAP_CONTROL_SYNC, 1, &value, 1, &ctrl) != LDAP_SUCCESS) {
		ber_free(ber, 1);
		ERROR("%s: mirror: cannot build the Sync Request Control", m->cfg.log_prefix);
		return false;
	}
	ber_free(ber, 1);
	ctrls[0] = ctrl;

	clock_gettime(CLOCK_MONOTONIC, &m->refresh_t0);
	m->gen++;
	rc = ldap_search_ext(ld, m->cfg.base_dn, LDAP_SCOPE_SUBTREE, m->cfg.filter,
			     (char **)(uintptr_t) m->cfg.attrs, 0, ctrls, NULL, NULL, 0, &msgid);
	ldap_control_free(ctrl);
	if (rc != LDAP_SUCCESS) {
		log_error(m, "sync search failed", rc);
		return false;
	}
	if (m->cookie.bv_val) INFO("%s: mirror: sync session resumed from the last cookie", m->cfg.log_prefix);
	else DEBUG2("%s: mirror: sync session started (full refresh)", m->cfg.log_prefix);

	while (!atomic_load(&m->stop)) {
		tv = (struct timeval) { .tv_sec = 0, .tv_usec = POLL_MS * 1000 };
		msg = NULL;
		rc = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &msg);
		if (rc == 0) continue;
		if (rc < 0) {
			ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &err);
			log_error(m, "sync connection lost", err);
			break;
		}
		switch (rc) {
		case LDAP_RES_SEARCH_ENTRY:
			handle_entry(m, ld, msg);
			break;

		case LDAP_RES_INTERMEDIATE:
			handle_info(m, ld, msg);
			break;

		case LDAP_RES_SEARCH_RESULT:
			if (ldap_parse_result(ld, msg, &err, NULL, NULL, NULL, NULL, 0) != LDAP_SUCCESS) err = LDAP_OTHER;
			if (err == LDAP_SYNC_REFRESH_REQUIRED) {
				INFO("%s: mirror: the server asks for a full reload", m->cfg.log_prefix);
				reload = true;
			} else {
				/* e.g. unavailableCriticalExtension: no syncprov on this server. */
				log_error(m, "sync search ended", err);
			}
			ldap_msgfree(msg);
			return reload;

		default:	/* references: not followed, as by the per-request search */
			break;
		}
		ldap_msgfree(msg);
	}
	return false;
}

static void *mirror_thread(void *arg)
{
	ldap_mirror_t	*m = arg;
	LDAP		*ld;
	int		wait_s = 1, i, idle = 10, probes = 3, interval = 5;
	bool		reload;

	while (!atomic_load(&m->stop)) {
		reload = false;
		ld = m->cfg.connect(m->cfg.ctx);
		if (ld) {
			/* A signal (glibc's setxid broadcast while freeradius drops privileges) is no
			 * reason to drop the session; a peer that vanished (no FIN) is noticed within
			 * about 25 s. */
			ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON);
			ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &idle);
			ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &probes);
			ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &interval);
			reload = run_session(m, ld);
			ldap_unbind_ext_s(ld, NULL, NULL);
			if (atomic_load(&m->in_sync)) wait_s = 1;
		}
		set_lost(m);
		if (atomic_load(&m->stop)) break;
		if (reload) {
			free(m->cookie.bv_val);
			m->cookie = (struct berval) { 0, NULL };
			continue;
		}
		for (i = 0; i < wait_s * 1000 / POLL_MS && !atomic_load(&m->stop); i++) usleep(POLL_MS * 1000);
		if (wait_s < RETRY_MAX_S) wait_s++;
	}
	return NULL;
}

ldap_mirror_t *ldap_mirror_start(ldap_mirror_config_t const *config)
{
	ldap_mirror_t		*m;
	pthread_rwlockattr_t	attr;
	int			i;

	m = calloc(1, sizeof(*m));
	if (!m) return NULL;
	m->cfg = *config;
	m->mask = MIN_BUCKETS - 1;
	m->umask = MIN_BUCKETS - 1;
	m->buckets = calloc(MIN_BUCKETS, sizeof(*m->buckets));
	m->uuids = calloc(MIN_BUCKETS, sizeof(*m->uuids));
	if (!m->buckets || !m->uuids) goto error;
	m->bytes = sizeof(*m) + 2 * MIN_BUCKETS * sizeof(void *);
	atomic_init(&m->in_sync, false);
	atomic_init(&m->loaded, false);
	atomic_init(&m->lost_at_ms, 0);
	atomic_init(&m->stop, false);

	/* The sync thread must not starve behind a steady stream of readers. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	for (i = 0; i < STRIPES; i++) pthread_rwlock_init(&m->lock[i], &attr);
	pthread_rwlockattr_destroy(&attr);

	/*
	 *	libldap sets up its global options (and their mutex) on first use, unguarded: two
	 *	mirror threads opening their first connection at once raced there (ThreadSanitizer,
	 *	tests/tsan_mirror.sh). Done here, in the main thread, before any thread starts.
	 */
	ldap_get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &i);

	if (pthread_create(&m->thread, NULL, mirror_thread, m) != 0) {
		for (i = 0; i < STRIPES; i++) pthread_rwlock_destroy(&m->lock[i]);
		goto error;
	}
	return m;

error:
	free(m->buckets);
	free(m->uuids);
	free(m);
	return NULL;
}

void ldap_mirror_stop(ldap_mirror_t *m)
{
	size_t i;

	if (!m) return;
	atomic_store(&m->stop, true);
	pthread_join(m->thread, NULL);
	for (i = 0; i <= m->umask; i++) while (m->uuids[i]) rec_delete(m, &m->uuids[i]);
	for (i = 0; i < STRIPES; i++) pthread_rwlock_destroy(&m->lock[i]);
	free(m->buckets);
	free(m->uuids);
	free(m->cookie.bv_val);
	free(m);
}

ldap_mirror_status_t ldap_mirror_get(ldap_mirror_t *m, char const *name, size_t len, ldap_mirror_user_t *user)
{
	uint32_t		h;
	pthread_rwlock_t	*l;
	name_node_t		*n;
	int			found = 0;

	if (!atomic_load(&m->in_sync) &&
	    (!atomic_load(&m->loaded) || now_ms() - atomic_load(&m->lost_at_ms) > (long long) m->cfg.max_stale * 1000)) {
		return LDAP_MIRROR_NOT_IN_SYNC;
	}
	h = name_hash(name, len);
	l = stripe(m, h);
	pthread_rwlock_rdlock(l);
	for (n = m->buckets[h & m->mask]; n; n = n->next) {
		if (n->hash != h || !name_eq(n->name, n->name_len, name, len)) continue;
		if (found++ == 0) *user = n->user;
	}
	pthread_rwlock_unlock(l);

	if (found == 1) return LDAP_MIRROR_FOUND;
	if (found > 1) OPENSSL_cleanse(user, sizeof(*user));
	return found ? LDAP_MIRROR_AMBIGUOUS : LDAP_MIRROR_NO_USER;
}
