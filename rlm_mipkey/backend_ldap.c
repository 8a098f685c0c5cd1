/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * backend_ldap.c - k from an LDAP directory (sambaNTPassword), over pooled libldap connections.
 *
 * One subtree search per request, asking only for the attributes used (the hash, the account
 * flags and, when configured, the Mobile IP AAA security association), with a size limit of 2
 * so that an ambiguous filter is noticed instead of picking one entry.
 */
#include <freeradius/radiusd.h>
RCSID("$Id$")

#include <ldap.h>
#include <pthread.h>
#include <time.h>
#include <openssl/crypto.h>

#include "backend.h"
#include "ldap_mirror.h"
#include "ldap_values.h"
#include "rfc4515.h"

#define FILTER_MAX 1024

/*
 * Waiting for a busy pool. FreeRADIUS 3.2's pool never waits: at its max it returns no
 * connection at once, so a burst with more LDAP requests in flight than connections failed
 * most of them against a healthy server. A request now waits up to pool_wait for a connection
 * while connections keep being taken and coming back; when none has for POOL_STALL_MS the
 * server is taken as hung and requests fail at once, as before, so that a hung server holds no more
 * threads than the pool has connections (the others keep answering what needs no LDAP).
 */
#define POOL_STALL_MS	500

typedef struct {
	pthread_mutex_t		mutex;
	pthread_cond_t		released;	//!< CLOCK_MONOTONIC
	uint64_t		generation;	//!< connections released while someone waited
	unsigned		waiters;	//!< written under mutex, read without it on release
	int64_t			last_progress_ms; //!< a connection taken or given back (monotonic; atomic)
	int64_t			stuck_since_ms;	//!< the first wait after the last progress (under mutex)
	bool			ok;		//!< mutex and condition initialised
} pool_waitq_t;

typedef struct {
	char const		*server;		//!< space-separated URI list
	char const		*identity;
	char const		*password;
	char const		*base_dn;
	char const		*filter;
	char const		*nt_hash_attribute;
	char const		*acct_flags_attribute;
	char const		*aaa_spi_attribute;	//!< "" = no AAA security association
	char const		*aaa_key_attribute;
	char const		*aaa_algorithm_attribute;
	char const		*pwd_must_change_attribute;	//!< "" = passwords never expire here
	char const		*pwd_last_set_attribute;	//!< 0 = must change; written on a change
	char const		*lm_hash_attribute;		//!< cleared on a change ("" = left alone)
	char const		*kdc_filter;			//!< KDC mode: finds the entry of a KEY0 SPI (%u)
	char const		*kdc_key_attribute;		//!< "" = KDC mode off
	char const		*kdc_name_attribute;
	bool			password_change;
	uint32_t		net_timeout;
	uint32_t		search_timeout;
	struct timeval		pool_wait;
	bool			start_tls;
	char const		*tls_ca_file;
	char const		*tls_ca_path;
	char const		*tls_certificate_file;
	char const		*tls_private_key_file;
	char const		*tls_require_cert;
	bool			mirror;
	char const		*mirror_filter;
	char const		*mirror_name_attribute;
	uint32_t		max_stale;

	int			require_cert;		//!< LDAP_OPT_X_TLS_* from tls_require_cert
	bool			fetch_aaa_sa;
	char const		*attrs[9];
	char const		*mirror_attrs[10];
	ldap_mirror_config_t	mirror_cfg;
	ldap_mirror_t		*mirror_h;		//!< mirror = yes: the table requests read first
	char const		*log_prefix;
	CONF_SECTION		*cs;			//!< the ldap { } section: holds the pool's stats
	fr_connection_pool_t	*pool;
	pool_waitq_t		*waitq;
} ldap_inst_t;

typedef struct {
	LDAP			*ld;
} ldap_conn_t;

static CONF_PARSER const tls_config[] = {
	{ "start_tls", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, ldap_inst_t, start_tls), "no" },
	{ "ca_file", FR_CONF_OFFSET(PW_TYPE_FILE_INPUT, ldap_inst_t, tls_ca_file), NULL },
	{ "ca_path", FR_CONF_OFFSET(PW_TYPE_FILE_INPUT, ldap_inst_t, tls_ca_path), NULL },
	{ "certificate_file", FR_CONF_OFFSET(PW_TYPE_FILE_INPUT, ldap_inst_t, tls_certificate_file), NULL },
	{ "private_key_file", FR_CONF_OFFSET(PW_TYPE_FILE_INPUT, ldap_inst_t, tls_private_key_file), NULL },
	{ "require_cert", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, tls_require_cert), "demand" },
	CONF_PARSER_TERMINATOR
};

static CONF_PARSER const ldap_config[] = {
	{ "server", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_REQUIRED, ldap_inst_t, server), NULL },
	{ "identity", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, identity), "" },
	{ "password", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_SECRET, ldap_inst_t, password), "" },
	{ "base_dn", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_REQUIRED | PW_TYPE_NOT_EMPTY, ldap_inst_t, base_dn), NULL },
	{ "filter", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, filter),
	  "(&(objectClass=sambaSamAccount)(uid=%u))" },
	{ "nt_hash_attribute", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_NOT_EMPTY, ldap_inst_t, nt_hash_attribute),
	  "sambaNTPassword" },
	{ "acct_flags_attribute", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, acct_flags_attribute),
	  "sambaAcctFlags" },
	{ "aaa_spi_attribute", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, aaa_spi_attribute), "" },
	{ "aaa_key_attribute", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, aaa_key_attribute), "" },
	{ "aaa_algorithm_attribute", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, aaa_algorithm_attribute), "" },
	{ "password_change", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, ldap_inst_t, password_change), "no" },
	{ "pwd_must_change_attribute", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, pwd_must_change_attribute),
	  "sambaPwdMustChange" },
	{ "pwd_last_set_attribute", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, pwd_last_set_attribute),
	  "sambaPwdLastSet" },
	{ "lm_hash_attribute", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, lm_hash_attribute), "sambaLMPassword" },
	{ "kdc_filter", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, kdc_filter), "(mipkeyKDCSPI=%u)" },
	{ "kdc_key_attribute", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, kdc_key_attribute), "" },
	{ "kdc_name_attribute", FR_CONF_OFFSET(PW_TYPE_STRING, ldap_inst_t, kdc_name_attribute), "uid" },
	{ "net_timeout", FR_CONF_OFFSET(PW_TYPE_INTEGER, ldap_inst_t, net_timeout), "5" },
	{ "timeout", FR_CONF_OFFSET(PW_TYPE_INTEGER, ldap_inst_t, search_timeout), "5" },
	{ "pool_wait", FR_CONF_OFFSET(PW_TYPE_TIMEVAL, ldap_inst_t, pool_wait), "1.0" },
	{ "tls", FR_CONF_POINTER(PW_TYPE_SUBSECTION, NULL), (void const *) tls_config },
	{ "mirror", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, ldap_inst_t, mirror), "no" },
	{ "mirror_filter", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_NOT_EMPTY, ldap_inst_t, mirror_filter),
	  "(objectClass=sambaSamAccount)" },
	{ "mirror_name_attribute", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_NOT_EMPTY, ldap_inst_t, mirror_name_attribute),
	  "uid" },
	{ "max_stale", FR_CONF_OFFSET(PW_TYPE_INTEGER, ldap_inst_t, max_stale), "300" },
	CONF_PARSER_TERMINATOR
};

static int _conn_free(ldap_conn_t *conn)
{
	if (conn->ld) ldap_unbind_ext_s(conn->ld, NULL, NULL);
	return 0;
}

/* Sets a libldap option, logging which one failed: a typo in a TLS path should say so. */
static int set_opt(ldap_inst_t const *inst, LDAP *ld, int option, void const *value, char const *what)
{
	if (ldap_set_option(ld, option, value) == LDAP_OPT_SUCCESS) return 0;
	ERROR("%s: cannot set LDAP option %s", inst->log_prefix, what);
	return -1;
}

/* libldap reports a failed TLS handshake or certificate check as "Can't contact LDAP server":
 * say where to look when TLS is in use. */
static char const *tls_hint(ldap_inst_t const *inst, int rc)
{
	if (rc != LDAP_SERVER_DOWN && rc != LDAP_CONNECT_ERROR) return "";
	if (!inst->start_tls && !strstr(inst->server, "ldaps://")) return "";
	return " (server down, or the TLS handshake or certificate check failed: see tls ca_file, ca_path, "
	       "require_cert and the name in the server's certificate)";
}

/* Seconds since a CLOCK_MONOTONIC start. */
static double elapsed_since(struct timespec const *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double) (now.tv_sec - t0->tv_sec) + (double) (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * What is left of a budget of SECONDS started at T0, as a timeval of at least MIN_MS
 * milliseconds (libldap treats a zero timeout as "none" in places: never pass it one).
 */
static struct timeval remaining(struct timespec const *t0, uint32_t seconds, long min_ms)
{
	double		left = (double) seconds - elapsed_since(t0);
	struct timeval	tv;

	if (left * 1000.0 < (double) min_ms) left = (double) min_ms / 1000.0;
	tv.tv_sec = (time_t) left;
	tv.tv_usec = (suseconds_t) ((left - (double) tv.tv_sec) * 1e6);
	return tv;
}

/*
 * libldap's synchronous calls (StartTLS, bind) wait LDAP_OPT_TIMEOUT each: set it to what is
 * left of the connection's budget before each, so that connect + StartTLS + bind together
 * take at most net_timeout against a server that accepts TCP but never answers (frozen).
 */
static int set_call_timeout(ldap_inst_t const *inst, LDAP *ld, struct timespec const *t0)
{
	struct timeval tv = remaining(t0, inst->net_timeout, 100);

	return set_opt(inst, ld, LDAP_OPT_TIMEOUT, &tv, "timeout");
}

/** Connection pool callback: connect, StartTLS if asked, bind; all within net_timeout. */
static void *mod_conn_create(TALLOC_CTX *ctx, void *instance)
{
	ldap_inst_t	*inst = instance;
	LDAP		*ld = NULL;
	ldap_conn_t	*conn;
	int		rc, v3 = LDAP_VERSION3;
	struct timeval	tv = { .tv_sec = inst->net_timeout };
	struct timespec	t0;
	struct berval	cred;

	clock_gettime(CLOCK_MONOTONIC, &t0);

	rc = ldap_initialize(&ld, inst->server);
	if (rc != LDAP_SUCCESS) {
		ERROR("%s: bad LDAP server URI \"%s\": %s", inst->log_prefix, inst->server, ldap_err2string(rc));
		return NULL;
	}

	if (set_opt(inst, ld, LDAP_OPT_PROTOCOL_VERSION, &v3, "protocol version") < 0 ||
	    set_opt(inst, ld, LDAP_OPT_NETWORK_TIMEOUT, &tv, "network timeout") < 0 ||
	    set_opt(inst, ld, LDAP_OPT_TIMEOUT, &tv, "timeout") < 0 ||
	    set_opt(inst, ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals") < 0) goto error;

	if (inst->tls_ca_file && set_opt(inst, ld, LDAP_OPT_X_TLS_CACERTFILE, inst->tls_ca_file, "tls ca_file") < 0) goto error;
	if (inst->tls_ca_path && set_opt(inst, ld, LDAP_OPT_X_TLS_CACERTDIR, inst->tls_ca_path, "tls ca_path") < 0) goto error;
	if (inst->tls_certificate_file &&
	    set_opt(inst, ld, LDAP_OPT_X_TLS_CERTFILE, inst->tls_certificate_file, "tls certificate_file") < 0) goto error;
	if (inst->tls_private_key_file &&
	    set_opt(inst, ld, LDAP_OPT_X_TLS_KEYFILE, inst->tls_private_key_file, "tls private_key_file") < 0) goto error;
	if (set_opt(inst, ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &inst->require_cert, "tls require_cert") < 0) goto error;
	{
		int is_server = 0;	/* a new TLS context makes the options above take effect */
		if (set_opt(inst, ld, LDAP_OPT_X_TLS_NEWCTX, &is_server, "tls context") < 0) goto error;
	}

	if (inst->start_tls) {
		if (set_call_timeout(inst, ld, &t0) < 0) goto error;
		rc = ldap_start_tls_s(ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			ERROR("%s: StartTLS with %s failed: %s%s", inst->log_prefix, inst->server, ldap_err2string(rc),
			      tls_hint(inst, rc));
			goto error;
		}
	}

	cred.bv_val = (char *)(uintptr_t) inst->password;
	cred.bv_len = strlen(inst->password);
	if (set_call_timeout(inst, ld, &t0) < 0) goto error;
	rc = ldap_sasl_bind_s(ld, *inst->identity ? inst->identity : NULL, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		ERROR("%s: bind to %s as \"%s\" failed: %s%s", inst->log_prefix, inst->server, inst->identity,
		      ldap_err2string(rc), tls_hint(inst, rc));
		goto error;
	}

	conn = talloc_zero(ctx, ldap_conn_t);
	if (!conn) goto error;
	conn->ld = ld;
	talloc_set_destructor(conn, _conn_free);
	return conn;

error:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

static int _inst_free(ldap_inst_t *inst)
{
	ldap_mirror_stop(inst->mirror_h);
	fr_connection_pool_free(inst->pool);
	if (inst->waitq && inst->waitq->ok) {
		pthread_cond_destroy(&inst->waitq->released);
		pthread_mutex_destroy(&inst->waitq->mutex);
	}
	return 0;
}

static bool is_set(char const *option)
{
	return option && *option;
}

/*
 * No connection from the pool: every connection busy (the pool is at its max while the
 * server may be fine, only slow or the load high) is not the same as a server that cannot
 * be reached, and the operator's remedy differs.
 *
 * FreeRADIUS 3.2's pool keeps last_failed set from a failed connection attempt until one
 * succeeds; it returns no connection either because that attempt failed (or it waits
 * retry_delay after one), or because every connection is in use and no more may be opened
 * (at max, counting the ones being opened: only the exact num == max case sets last_at_max,
 * so last_at_max alone misses a pool whose last slots are still connecting).
 */
static void log_no_connection(ldap_inst_t const *inst, REQUEST *request)
{
	fr_connection_pool_stats_t const *st = fr_connection_pool_stats(inst->cs);

	if (st && st->last_failed == 0) {
		RERROR("LDAP connection pool for %s exhausted: all connections are busy (%u open, %u in use; "
		       "raise pool { max }, or the server answers slowly)", inst->server, st->num, st->active);
		return;
	}
	RERROR("LDAP server %s unreachable: no connection could be opened (tried again every pool retry_delay)",
	       inst->server);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A connection pool as large as the thread pool lets a hung LDAP server hold every thread:
 * then nothing is answered, not even requests that need no LDAP. Say so at start-up.
 */
static void check_pool_size(ldap_inst_t const *inst, CONF_SECTION *cs)
{
	CONF_SECTION	*pool_cs = cf_section_sub_find(cs, "pool");
	CONF_SECTION	*thread_cs = cf_section_sub_find_name2(cf_top_section(cs), "thread", "pool");
	CONF_PAIR	*max, *threads;
	unsigned long	pool_max, thread_max;

	if (!pool_cs || !thread_cs) return;
	max = cf_pair_find(pool_cs, "max");
	threads = cf_pair_find(thread_cs, "max_servers");
	if (!max || !threads || !cf_pair_value(max) || !cf_pair_value(threads)) return;
	pool_max = strtoul(cf_pair_value(max), NULL, 10);
	thread_max = strtoul(cf_pair_value(threads), NULL, 10);
	if (pool_max >= thread_max) {
		WARN("%s: pool max (%lu) is not below thread pool max_servers (%lu): an LDAP server that hangs "
		     "can hold every thread, and then no request is answered, even those that need no LDAP",
		     inst->log_prefix, pool_max, thread_max);
	}
}

static int pool_waitq_init(ldap_inst_t *inst)
{
	pthread_condattr_t	attr;
	pool_waitq_t		*q;

	q = inst->waitq = talloc_zero(inst, pool_waitq_t);
	if (!q || pthread_condattr_init(&attr) != 0) return -1;
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 || pthread_cond_init(&q->released, &attr) != 0) {
		pthread_condattr_destroy(&attr);
		return -1;
	}
	pthread_condattr_destroy(&attr);
	if (pthread_mutex_init(&q->mutex, NULL) != 0) {
		pthread_cond_destroy(&q->released);
		return -1;
	}
	q->ok = true;
	return 0;
}

/* Every connection busy, none failing: worth waiting for one to come back. */
static bool pool_busy(ldap_inst_t const *inst)
{
	fr_connection_pool_stats_t const *st = fr_connection_pool_stats(inst->cs);

	return st && st->last_failed == 0;
}

static struct timespec ms_to_timespec(int64_t ms)
{
	return (struct timespec) { .tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000 };
}

/*
 * A connection, waiting for a busy pool up to pool_wait (never past the request's LDAP
 * budget, `timeout` from t0) while connections keep coming back. NULL: none (not logged).
 */
static ldap_conn_t *pool_get(ldap_inst_t const *inst, struct timespec const *t0)
{
	pool_waitq_t	*q = inst->waitq;
	ldap_conn_t	*conn = fr_connection_get(inst->pool);
	int64_t		now, deadline, until, last;
	double		wait, left;
	struct timespec	ts;
	uint64_t	seen;

	if (conn) {
		__atomic_store_n(&q->last_progress_ms, monotonic_ms(), __ATOMIC_SEQ_CST);
		return conn;
	}
	if (!pool_busy(inst)) return NULL;

	wait = (double) inst->pool_wait.tv_sec + (double) inst->pool_wait.tv_usec / 1e6;
	left = (double) inst->search_timeout - elapsed_since(t0);
	if (left < wait) wait = left;
	now = monotonic_ms();
	deadline = now + (int64_t) (wait * 1000.0);
	if (deadline <= now) return NULL;

	pthread_mutex_lock(&q->mutex);
	/* Counted before the next try, so that a release after that try wakes this thread. */
	__atomic_add_fetch(&q->waiters, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		seen = q->generation;
		pthread_mutex_unlock(&q->mutex);
		conn = fr_connection_get(inst->pool);
		pthread_mutex_lock(&q->mutex);
		if (conn) {
			__atomic_store_n(&q->last_progress_ms, monotonic_ms(), __ATOMIC_SEQ_CST);
			break;
		}
		while (q->generation == seen) {
			/* No connection taken or back for POOL_STALL_MS: a hung server, not a busy one. */
			last = __atomic_load_n(&q->last_progress_ms, __ATOMIC_SEQ_CST);
			now = monotonic_ms();
			/* Counted from the last progress, or from the first wait after it (an idle
			 * pool that a burst finds opening its connections). */
			if (q->stuck_since_ms <= last) q->stuck_since_ms = now;
			until = (last > q->stuck_since_ms ? last : q->stuck_since_ms) + POOL_STALL_MS;
			if (until > deadline) until = deadline;
			if (until <= now) goto out;
			ts = ms_to_timespec(until);
			pthread_cond_timedwait(&q->released, &q->mutex, &ts);
		}
	}
out:
	__atomic_sub_fetch(&q->waiters, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&q->mutex);
	return conn;
}

/*
 * A connection went back to the pool: wake a waiting request. A closed one does not count:
 * the waiter would open its replacement, against a server that may hang for net_timeout
 * after the wait (a request must be answered within timeout + 1 s); a new request does that.
 */
static void pool_wake(pool_waitq_t *q)
{
	__atomic_store_n(&q->last_progress_ms, monotonic_ms(), __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&q->waiters, __ATOMIC_SEQ_CST)) return;	/* the common case, without the lock */
	pthread_mutex_lock(&q->mutex);
	q->generation++;
	pthread_cond_signal(&q->released);
	pthread_mutex_unlock(&q->mutex);
}

static void pool_put(ldap_inst_t const *inst, ldap_conn_t *conn)
{
	fr_connection_release(inst->pool, conn);
	pool_wake(inst->waitq);
}


static LDAP *mirror_connect(void *ctx);
static void mirror_convert(void *ctx, LDAP *ld, LDAPMessage *entry, ldap_mirror_user_t *user);

static int ldap_instantiate(TALLOC_CTX *ctx, CONF_SECTION *cs, char const *log_prefix, void **instance)
{
	ldap_inst_t	*inst;
	char const	*err;
	static struct {
		char const	*name;
		int		value;
	} const require_cert[] = {
		{ "never", LDAP_OPT_X_TLS_NEVER }, { "allow", LDAP_OPT_X_TLS_ALLOW },
		{ "try", LDAP_OPT_X_TLS_TRY }, { "demand", LDAP_OPT_X_TLS_DEMAND },
		{ "hard", LDAP_OPT_X_TLS_HARD },
	};
	size_t		i;

	inst = talloc_zero(ctx, ldap_inst_t);
	if (!inst) return -1;
	if (cf_section_parse(cs, inst, ldap_config) < 0) return -1;

	inst->log_prefix = talloc_typed_asprintf(inst, "%s ldap", log_prefix);
	inst->cs = cs;

	/* A base_dn that is not a DN would make every search fail: say so now. */
	{
		LDAPDN dn = NULL;

		if (ldap_str2dn(inst->base_dn, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) {
			cf_log_err_cs(cs, "Invalid base_dn \"%s\": not an LDAP DN (RFC 4514)", inst->base_dn);
			return -1;
		}
		ldap_dnfree(dn);
	}

	if (rfc4515_check_filter_template(inst->filter, &err) < 0) {
		cf_log_err_cs(cs, "Invalid filter \"%s\": %s", inst->filter, err);
		return -1;
	}

	inst->require_cert = -1;
	for (i = 0; i < sizeof(require_cert) / sizeof(require_cert[0]); i++) {
		if (strcmp(inst->tls_require_cert, require_cert[i].name) == 0) inst->require_cert = require_cert[i].value;
	}
	if (inst->require_cert < 0) {
		cf_log_err_cs(cs, "Invalid tls require_cert \"%s\": use never, allow, try, demand or hard",
			      inst->tls_require_cert);
		return -1;
	}
	if ((inst->net_timeout == 0) || (inst->search_timeout == 0)) {
		cf_log_err_cs(cs, "net_timeout and timeout must be at least 1 second");
		return -1;
	}

	/* The AAA security association: SPI and key together, or neither. */
	if (is_set(inst->aaa_spi_attribute) != is_set(inst->aaa_key_attribute)) {
		cf_log_err_cs(cs, "aaa_spi_attribute and aaa_key_attribute must be set together (both empty = "
			      "no AAA security association from LDAP)");
		return -1;
	}
	if (is_set(inst->aaa_algorithm_attribute) && !is_set(inst->aaa_spi_attribute)) {
		cf_log_err_cs(cs, "aaa_algorithm_attribute needs aaa_spi_attribute and aaa_key_attribute");
		return -1;
	}
	inst->fetch_aaa_sa = is_set(inst->aaa_spi_attribute);
	if (is_set(inst->kdc_key_attribute) &&
	    (!is_set(inst->kdc_name_attribute) || rfc4515_check_filter_template(inst->kdc_filter, &err) < 0)) {
		cf_log_err_cs(cs, "kdc_key_attribute needs kdc_name_attribute and a valid kdc_filter (\"%s\")",
			      inst->kdc_filter);
		return -1;
	}

	/* The one search asks for every attribute used, and only for those. */
	i = 0;
	/* Not errors (a local ldapi:// or an IPsec link is fine), but an operator should know. */
	if (strstr(inst->server, "ldap://") && !inst->start_tls) {
		WARN("%s: %s without tls { start_tls = yes }: NT hashes will cross the network in clear",
		     inst->log_prefix, inst->server);
	}
	if (*inst->identity && !*inst->password) {
		WARN("%s: identity \"%s\" with an empty password is an unauthenticated bind (RFC 4513 5.1.2)",
		     inst->log_prefix, inst->identity);
	}

	inst->attrs[i++] = inst->nt_hash_attribute;
	if (is_set(inst->acct_flags_attribute)) inst->attrs[i++] = inst->acct_flags_attribute;
	if (is_set(inst->pwd_must_change_attribute)) inst->attrs[i++] = inst->pwd_must_change_attribute;
	if (is_set(inst->pwd_last_set_attribute)) inst->attrs[i++] = inst->pwd_last_set_attribute;
	if (inst->fetch_aaa_sa) {
		inst->attrs[i++] = inst->aaa_spi_attribute;
		inst->attrs[i++] = inst->aaa_key_attribute;
		if (is_set(inst->aaa_algorithm_attribute)) inst->attrs[i++] = inst->aaa_algorithm_attribute;
	}
	inst->attrs[i] = NULL;

	inst->pool = fr_connection_pool_module_init(cs, inst, mod_conn_create, NULL, inst->log_prefix);
	if (!inst->pool) return -1;
	check_pool_size(inst, cs);
	if (pool_waitq_init(inst) < 0) {
		cf_log_err_cs(cs, "Cannot initialise the connection pool's wait queue");
		return -1;
	}
	talloc_set_destructor(inst, _inst_free);

	/*
	 *	radiusd -C connects to nothing (nor does the pool): a mirror thread would still be
	 *	syncing when the check exits, racing libldap's exit-time destructors (ThreadSanitizer).
	 */
	if (inst->mirror && !check_config) {
		/* The same attributes as the search, and the names requests are looked up by. */
		for (i = 0; inst->attrs[i]; i++) inst->mirror_attrs[i] = inst->attrs[i];
		inst->mirror_attrs[i++] = inst->mirror_name_attribute;
		inst->mirror_attrs[i] = NULL;
		inst->mirror_cfg = (ldap_mirror_config_t) {
			.log_prefix = inst->log_prefix, .base_dn = inst->base_dn, .filter = inst->mirror_filter,
			.name_attribute = inst->mirror_name_attribute, .attrs = inst->mirror_attrs,
			.max_stale = inst->max_stale, .connect = mirror_connect, .convert = mirror_convert, .ctx = inst
		};
		INFO("%s: mirror of %s %s (users named by %s), max_stale %u s", inst->log_prefix, inst->base_dn,
		     inst->mirror_filter, inst->mirror_name_attribute, inst->max_stale);
		inst->mirror_h = ldap_mirror_start(&inst->mirror_cfg);
		if (!inst->mirror_h) {
			cf_log_err_cs(cs, "Cannot start the LDAP mirror's thread");
			return -1;
		}
	}

	*instance = inst;
	return 0;
}

/* The single value of a multi-valued result, or NULL (absent, or more than one value). */
static struct berval const *single_value(struct berval **values)
{
	return (values && values[0] && !values[1]) ? values[0] : NULL;
}

/* sambaAcctFlags: D (disabled) or L (locked) refuse the account. */
static mipkey_result_t acct_flags_state(struct berval const *flags)
{
	switch (ldap_values_acct_flag(flags->bv_val, flags->bv_len, "DL")) {
	case 'D': return MIPKEY_ACCT_DISABLED;
	case 'L': return MIPKEY_ACCT_LOCKED;
	default: return MIPKEY_OK;
	}
}

/*
 * Samba's password expiry: sambaPwdMustChange in the past, or sambaPwdLastSet 0 ("must
 * change at next logon"), unless the account flags say X (password does not expire).
 */
static bool password_expired(ldap_inst_t const *inst, REQUEST *request, LDAP *ld, LDAPMessage *entry,
			     struct berval const *flags)
{
	struct berval		**v;
	struct berval const	*sv;
	int64_t			t;
	bool			expired = false;

	if (flags && ldap_values_acct_flag(flags->bv_val, flags->bv_len, "X")) return false;
	if (is_set(inst->pwd_must_change_attribute)) {
		v = ldap_get_values_len(ld, entry, inst->pwd_must_change_attribute);
		sv = single_value(v);
		if (sv && ldap_values_time(sv->bv_val, sv->bv_len, &t) == 0 && t <= (int64_t) time(NULL)) {
			RDEBUG2("LDAP entry: %s %" PRId64 " is not in the future: the password has expired",
				inst->pwd_must_change_attribute, t);
			expired = true;
		}
		if (v) ldap_value_free_len(v);
	}
	if (!expired && is_set(inst->pwd_last_set_attribute)) {
		v = ldap_get_values_len(ld, entry, inst->pwd_last_set_attribute);
		sv = single_value(v);
		if (sv && ldap_values_time(sv->bv_val, sv->bv_len, &t) == 0 && t == 0) {
			RDEBUG2("LDAP entry: %s is 0: the password must be changed", inst->pwd_last_set_attribute);
			expired = true;
		}
		if (v) ldap_value_free_len(v);
	}
	return expired;
}

/* Wipes the values (key material in hex) before libldap frees them. */
static void free_secret_values(struct berval **values)
{
	size_t i;

	if (!values) return;
	for (i = 0; values[i]; i++) OPENSSL_cleanse(values[i]->bv_val, values[i]->bv_len);
	ldap_value_free_len(values);
}

/*
 * The entry's AAA security association, from the attributes of the same search. Not there,
 * or malformed: sa->present stays false and sa->problem says why (the module refuses
 * "aaa_key = ldap" key requests with that reason; the password check is not affected).
 */
static void get_aaa_sa(ldap_inst_t const *inst, REQUEST *request, LDAP *ld, LDAPMessage *entry, mipkey_aaa_sa_t *sa)
{
	struct berval	**spi, **key, **alg = NULL;
	struct berval const *v;

	spi = ldap_get_values_len(ld, entry, inst->aaa_spi_attribute);
	key = ldap_get_values_len(ld, entry, inst->aaa_key_attribute);
	if (is_set(inst->aaa_algorithm_attribute)) alg = ldap_get_values_len(ld, entry, inst->aaa_algorithm_attribute);

	if (!spi && !key) {
		if (request) RDEBUG2("LDAP entry has no AAA security association (%s, %s)", inst->aaa_spi_attribute,
			inst->aaa_key_attribute);
		sa->problem = "none is stored for this user";
		goto done;
	}
	v = single_value(spi);
	if (!v || ldap_values_spi(v->bv_val, v->bv_len, &sa->spi) < 0) {
		if (request) RWDEBUG("LDAP entry: %s is missing, repeated, or not a number from 0 to 4294967295",
			inst->aaa_spi_attribute);
		sa->problem = "the stored AAA SPI is missing, repeated or not a number from 0 to 4294967295";
		goto done;
	}
	v = single_value(key);
	if (!v || ldap_values_hex_key(v->bv_val, v->bv_len, sa->key, sizeof(sa->key), &sa->key_len) < 0) {
		if (request) RWDEBUG("LDAP entry: %s is missing, repeated, or not 2 to %d hex digits (an even number)",
			inst->aaa_key_attribute, 2 * MIPKEY_AAA_KEY_MAX);
		OPENSSL_cleanse(sa->key, sizeof(sa->key));
		sa->problem = "the stored AAA key is missing, repeated or not an even number of 2 to 128 hex digits";
		goto done;
	}
	if (alg) {
		v = single_value(alg);
		if (!v || ldap_values_algorithm(v->bv_val, v->bv_len, sa->algorithm, sizeof(sa->algorithm)) < 0) goto bad_alg;
	}
	sa->present = true;
	if (request) RDEBUG2("LDAP entry has an AAA security association (SPI %u, %zu-octet key, algorithm %s)", sa->spi,
		sa->key_len, sa->algorithm[0] ? sa->algorithm : "not stored");
	goto done;

bad_alg:
	if (request) RWDEBUG("LDAP entry: %s is repeated, empty, not printable or longer than %zu characters",
		inst->aaa_algorithm_attribute, sizeof(sa->algorithm) - 1);
	OPENSSL_cleanse(sa->key, sizeof(sa->key));
	sa->key_len = 0;
	sa->problem = "the stored algorithm is repeated, empty, not printable or too long";

done:
	if (spi) ldap_value_free_len(spi);
	free_secret_values(key);
	if (alg) ldap_value_free_len(alg);
}

static bool is_connection_error(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

static mipkey_result_t change_in_entry(ldap_inst_t const *inst, REQUEST *request, LDAP *ld, LDAPMessage *entry,
				       struct berval *old_value, mipkey_auth_t const *auth, mipkey_cpw_t const *cpw,
				       mipkey_key_t *out);

/*
 * One search within a request's LDAP budget (`timeout`, counted from t0), on a pooled
 * connection. *conn is NULL (logged) when no connection could be had; otherwise the caller
 * releases it and frees *res.
 */
static int search_in_budget(ldap_inst_t const *inst, REQUEST *request, char const *filter, char const * const *attrs,
			    struct timespec const *t0, ldap_conn_t **conn, LDAPMessage **res)
{
	struct timeval	tv;
	int		rc, tries;

	*res = NULL;
	*conn = pool_get(inst, t0);
	if (!*conn) {
		log_no_connection(inst, request);
		return LDAP_SERVER_DOWN;
	}
	RDEBUG2("Searching \"%s\" for %s", inst->base_dn, filter);
	for (tries = 0; ; tries++) {
		tv = remaining(t0, inst->search_timeout, 1000);
		rc = ldap_search_ext_s((*conn)->ld, inst->base_dn, LDAP_SCOPE_SUBTREE, filter,
				       (char **)(uintptr_t) attrs, 0, NULL, NULL, &tv, 2, res);
		if (!is_connection_error(rc) || tries > 0) return rc;

		/*
		 * The server went away under a pooled connection (restart): one try on another
		 * connection. Not fr_connection_reconnect(): in FreeRADIUS 3.2 it connects and binds
		 * with the pool's mutex held, so a slow or hung server would block every thread
		 * that wants a connection, for up to net_timeout.
		 */
		if (*res) ldap_msgfree(*res);
		*res = NULL;
		RDEBUG2("LDAP connection lost (%s), trying another one", ldap_err2string(rc));
		fr_connection_close(inst->pool, *conn, "connection lost");
		*conn = fr_connection_get(inst->pool);
		if (!*conn) {
			RERROR("LDAP server %s unreachable: %s", inst->server, ldap_err2string(rc));
			return rc;
		}
	}
}

/* The search (and, for a password change, the change) of ldap_lookup / ldap_change_password. */
static mipkey_result_t lookup_entry(ldap_inst_t *inst, REQUEST *request, mipkey_auth_t const *auth,
				    mipkey_cpw_t const *cpw, mipkey_key_t *out)
{
	ldap_conn_t	*conn;
	LDAPMessage	*res = NULL, *entry;
	struct berval	**hash = NULL, **flags = NULL;
	struct timeval	tv;
	struct timespec	t0;
	char		filter[FILTER_MAX];
	char const	*err;
	int		rc, count;
	mipkey_result_t	result;

	if (rfc4515_expand_filter(filter, sizeof(filter), inst->filter, auth->account, auth->account_len,
				  auth->as_sent, auth->as_sent_len, &err) < 0) {
		REDEBUG("Cannot build the LDAP filter: %s", err);
		return MIPKEY_INVALID;
	}

	/*
	 * The request's whole LDAP work (a new connection included) has one budget, `timeout`:
	 * each search gets what is left of it, at least 1 s, so a request is answered within
	 * timeout + 1 s even when the pool had to open a connection first.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = search_in_budget(inst, request, filter, inst->attrs, &t0, &conn, &res);
	if (!conn) return MIPKEY_BACKEND_DOWN;

	switch (rc) {
	case LDAP_SUCCESS:
		break;

	case LDAP_SIZELIMIT_EXCEEDED:
		REDEBUG("LDAP filter %s matches more than one entry: refusing to pick one", filter);
		result = MIPKEY_NO_USER;
		goto done;

	case LDAP_NO_SUCH_OBJECT:
		RERROR("LDAP base_dn \"%s\" does not exist", inst->base_dn);
		result = MIPKEY_NO_USER;
		goto done;

	default:
		if (rc == LDAP_TIMEOUT) {
			RERROR("LDAP server %s unreachable: no answer within timeout (%u s)", inst->server,
			       inst->search_timeout);
		} else if (is_connection_error(rc)) {
			RERROR("LDAP server %s unreachable: %s", inst->server, ldap_err2string(rc));
		} else {
			RERROR("LDAP search on %s failed: %s", inst->server, ldap_err2string(rc));
		}
		ldap_msgfree(res);
		/* A timed-out or broken connection is not put back into the pool. */
		fr_connection_close(inst->pool, conn, "search failed");
		return MIPKEY_BACKEND_DOWN;
	}

	count = ldap_count_entries(conn->ld, res);
	if (count != 1) {
		if (count > 1) REDEBUG("LDAP filter %s matches more than one entry: refusing to pick one", filter);
		else RDEBUG2("LDAP search found no entry");
		result = MIPKEY_NO_USER;
		goto done;
	}
	entry = ldap_first_entry(conn->ld, res);

	hash = ldap_get_values_len(conn->ld, entry, inst->nt_hash_attribute);
	if (!single_value(hash) || ldap_values_nt_hash(hash[0]->bv_val, hash[0]->bv_len, out->key) < 0) {
		RDEBUG2("LDAP entry has no usable %s (one value of 32 hex digits)", inst->nt_hash_attribute);
		result = MIPKEY_NO_USER;
		goto done;
	}
	out->kind = MIPKEY_KEY_NT_HASH;
	out->account_state = MIPKEY_OK;

	if (is_set(inst->acct_flags_attribute)) {
		flags = ldap_get_values_len(conn->ld, entry, inst->acct_flags_attribute);
		if (flags && flags[0]) {
			out->account_state = acct_flags_state(flags[0]);
		}
	}
	if (out->account_state == MIPKEY_OK &&
	    password_expired(inst, request, conn->ld, entry, flags ? flags[0] : NULL)) {
		out->account_state = MIPKEY_PASSWORD_EXPIRED;
	}
	if (inst->fetch_aaa_sa) get_aaa_sa(inst, request, conn->ld, entry, &out->aaa_sa);
	result = MIPKEY_OK;
	if (cpw) {
		/* The modify is a synchronous call too: what is left of the request's budget. */
		tv = remaining(&t0, inst->search_timeout, 1000);
		if (ldap_set_option(conn->ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS) {
			RERROR("Password change: cannot set the LDAP timeout");
			OPENSSL_cleanse(out->key, sizeof(out->key));
			result = MIPKEY_BACKEND_DOWN;
			goto done;
		}
		result = change_in_entry(inst, request, conn->ld, entry, hash[0], auth, cpw, out);
	}

done:
	free_secret_values(hash);
	if (flags) ldap_value_free_len(flags);
	ldap_msgfree(res);
	pool_put(inst, conn);
	return result;
}

/* What lookup_entry() decides from the entry, decided from the mirror's copy of it. */
static mipkey_result_t from_mirror(ldap_inst_t const *inst, REQUEST *request, mipkey_auth_t const *auth,
				   ldap_mirror_user_t const *user, mipkey_key_t *out)
{
	if (!user->usable) {
		RDEBUG2("LDAP mirror: the entry of \"%.*s\" has no usable %s (one value of 32 hex digits)",
			(int) auth->account_len, auth->account, inst->nt_hash_attribute);
		return MIPKEY_NO_USER;
	}
	*out = user->key;
	out->kind = MIPKEY_KEY_NT_HASH;
	if (out->account_state == MIPKEY_OK && !user->no_expiry &&
	    ((user->has_must_change && user->must_change <= (int64_t) time(NULL)) || user->last_set_zero)) {
		RDEBUG2("LDAP mirror: the password of \"%.*s\" has expired", (int) auth->account_len, auth->account);
		out->account_state = MIPKEY_PASSWORD_EXPIRED;
	}
	if (inst->fetch_aaa_sa && out->aaa_sa.present) {
		RDEBUG2("LDAP mirror: AAA security association (SPI %u, %zu-octet key, algorithm %s)", out->aaa_sa.spi,
			out->aaa_sa.key_len, out->aaa_sa.algorithm[0] ? out->aaa_sa.algorithm : "not stored");
	}
	RDEBUG2("LDAP mirror: entry of \"%.*s\" found (no LDAP request)", (int) auth->account_len, auth->account);
	return MIPKEY_OK;
}

static mipkey_result_t ldap_lookup(void *instance, REQUEST *request, mipkey_auth_t const *auth, mipkey_key_t *out)
{
	ldap_inst_t		*inst = instance;
	ldap_mirror_user_t	user;
	mipkey_result_t		result;

	if (inst->mirror_h) {
		switch (ldap_mirror_get(inst->mirror_h, auth->account, auth->account_len, &user)) {
		case LDAP_MIRROR_FOUND:
			result = from_mirror(inst, request, auth, &user, out);
			OPENSSL_cleanse(&user, sizeof(user));
			return result;

		case LDAP_MIRROR_NO_USER:
			RDEBUG2("LDAP mirror: no entry named \"%.*s\"", (int) auth->account_len, auth->account);
			return MIPKEY_NO_USER;

		case LDAP_MIRROR_AMBIGUOUS:
			REDEBUG("LDAP mirror: more than one entry has %s \"%.*s\": refusing to pick one",
				inst->mirror_name_attribute, (int) auth->account_len, auth->account);
			return MIPKEY_NO_USER;

		case LDAP_MIRROR_NOT_IN_SYNC:
			RDEBUG2("LDAP mirror not in sync (not loaded yet, or lost more than max_stale ago): searching");
			break;
		}
	}
	return lookup_entry(instance, request, auth, NULL, out);
}

/*
 * RFC 2759 section 7 against the entry found by the search: prove the old password (the
 * Encrypted-Hash, and the NT-Response made with the new one), then one modify of that
 * entry (its DN from the search result) with the module's bind: the old hash value deleted
 * and the new one added (so a concurrent change makes this one fail instead of being lost),
 * the last-set time now, the must-change time and the LM hash removed. On success out->key
 * is the new k, for the module to answer as for a login with the new password.
 */
static mipkey_result_t change_in_entry(ldap_inst_t const *inst, REQUEST *request, LDAP *ld, LDAPMessage *entry,
				       struct berval *old_value, mipkey_auth_t const *auth, mipkey_cpw_t const *cpw,
				       mipkey_key_t *out)
{
	static char const hex[] = "0123456789ABCDEF";
	uint8_t		new_hash[MSCHAPV2_HASH_LEN], response[MSCHAPV2_NT_RESPONSE_LEN];
	char		new_hex[2 * MSCHAPV2_HASH_LEN + 1], now[24];
	char		*dn = NULL;
	size_t		len, i, n = 0;
	int		rc;
	mipkey_result_t	result = MIPKEY_BACKEND_DOWN;
	struct berval	new_bv, now_bv;
	struct berval	*old_vals[] = { old_value, NULL }, *new_vals[] = { &new_bv, NULL }, *now_vals[] = { &now_bv, NULL };
	LDAPMod		mod[5], *mods[6];

	rc = mschapv2_check_password_change(out->key, cpw->pw_block, cpw->encrypted_hash, new_hash, &len);
	if (rc < 0) {
		RERROR("Password change: crypto error (OpenSSL)");
		goto done;
	}
	if (rc == 0) {
		REDEBUG("Password change: the old password is wrong (Encrypted-Hash does not match); nothing written");
		result = MIPKEY_WRONG_PASSWORD;
		goto done;
	}
	/* The NT-Response is made with the new password: the one the success reply is for. */
	for (i = 0, rc = 0; i < (size_t) cpw->n_challenge_hash && !rc; i++) {
		if (challenge_response(cpw->challenge_hash[i], new_hash, response) < 0) {
			RERROR("Password change: crypto error (OpenSSL)");
			goto done;
		}
		rc = CRYPTO_memcmp(response, cpw->nt_response, sizeof(response)) == 0;
	}
	if (!rc) {
		REDEBUG("Password change: the NT-Response is not made with the new password; nothing written");
		result = MIPKEY_WRONG_PASSWORD;
		goto done;
	}
	if (out->account_state == MIPKEY_ACCT_DISABLED || out->account_state == MIPKEY_ACCT_LOCKED) {
		REDEBUG("Password change: the account is %s; nothing written",
			out->account_state == MIPKEY_ACCT_DISABLED ? "disabled" : "locked");
		memcpy(out->key, new_hash, sizeof(out->key));
		result = MIPKEY_OK;
		goto done;
	}
	if (len == 0) {
		REDEBUG("Password change: the new password is empty; refused, nothing written");
		result = MIPKEY_CHANGE_REFUSED;
		goto done;
	}

	dn = ldap_get_dn(ld, entry);
	if (!dn) {
		RERROR("Password change: no DN in the LDAP search result");
		goto done;
	}

	for (i = 0; i < MSCHAPV2_HASH_LEN; i++) {
		new_hex[2 * i] = hex[new_hash[i] >> 4];
		new_hex[2 * i + 1] = hex[new_hash[i] & 0x0f];
	}
	new_hex[2 * MSCHAPV2_HASH_LEN] = '\0';
	new_bv = (struct berval){ .bv_val = new_hex, .bv_len = 2 * MSCHAPV2_HASH_LEN };
	snprintf(now, sizeof(now), "%" PRId64, (int64_t) time(NULL));
	now_bv = (struct berval){ .bv_val = now, .bv_len = strlen(now) };

	mod[n] = (LDAPMod){ .mod_op = LDAP_MOD_DELETE | LDAP_MOD_BVALUES,
			    .mod_type = (char *)(uintptr_t) inst->nt_hash_attribute, .mod_bvalues = old_vals };
	mods[n] = &mod[n]; n++;
	mod[n] = (LDAPMod){ .mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES,
			    .mod_type = (char *)(uintptr_t) inst->nt_hash_attribute, .mod_bvalues = new_vals };
	mods[n] = &mod[n]; n++;
	if (is_set(inst->pwd_last_set_attribute)) {
		mod[n] = (LDAPMod){ .mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES,
				    .mod_type = (char *)(uintptr_t) inst->pwd_last_set_attribute, .mod_bvalues = now_vals };
		mods[n] = &mod[n]; n++;
	}
	/* A replace without values removes the attribute, and is no error when it is absent. */
	if (is_set(inst->pwd_must_change_attribute)) {
		mod[n] = (LDAPMod){ .mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES,
				    .mod_type = (char *)(uintptr_t) inst->pwd_must_change_attribute };
		mods[n] = &mod[n]; n++;
	}
	if (is_set(inst->lm_hash_attribute)) {
		mod[n] = (LDAPMod){ .mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES,
				    .mod_type = (char *)(uintptr_t) inst->lm_hash_attribute };
		mods[n] = &mod[n]; n++;
	}
	mods[n] = NULL;

	rc = ldap_modify_ext_s(ld, dn, mods, NULL, NULL);
	switch (rc) {
	case LDAP_SUCCESS:
		RINFO("Password of \"%.*s\" changed (%s)", (int) auth->account_len, auth->account, dn);
		memcpy(out->key, new_hash, sizeof(out->key));
		if (out->account_state == MIPKEY_PASSWORD_EXPIRED) out->account_state = MIPKEY_OK;
		result = MIPKEY_OK;
		break;

	case LDAP_NO_SUCH_ATTRIBUTE:
		RERROR("Password change of \"%s\" refused: its %s changed since the search", dn, inst->nt_hash_attribute);
		result = MIPKEY_CHANGE_REFUSED;
		break;

	default:
		if (is_connection_error(rc) || rc == LDAP_TIMEOUT) {
			RERROR("LDAP server %s unreachable: %s", inst->server, ldap_err2string(rc));
			break;
		}
		/* insufficientAccess (the ACL), constraintViolation (a password policy), ... */
		RERROR("Password change of \"%s\" refused by LDAP server %s: %s", dn, inst->server, ldap_err2string(rc));
		result = MIPKEY_CHANGE_REFUSED;
		break;
	}

done:
	if (dn) ldap_memfree(dn);
	OPENSSL_cleanse(new_hash, sizeof(new_hash));
	OPENSSL_cleanse(response, sizeof(response));
	OPENSSL_cleanse(new_hex, sizeof(new_hex));
	/* On every other result the module must not use the old k as if it were the new one. */
	if (result != MIPKEY_OK) OPENSSL_cleanse(out->key, sizeof(out->key));
	return result;
}

static mipkey_result_t ldap_change_password(void *instance, REQUEST *request, mipkey_auth_t const *auth,
					    mipkey_cpw_t const *cpw, mipkey_key_t *out)
{
	return lookup_entry(instance, request, auth, cpw, out);
}

static bool ldap_password_change_enabled(void const *instance)
{
	return ((ldap_inst_t const *) instance)->password_change;
}

static bool ldap_has_aaa_sa(void const *instance)
{
	return ((ldap_inst_t const *) instance)->fetch_aaa_sa;
}

/*
 * KDC mode: the entry whose KEY0 SPI is spi (kdc_filter with %u = the SPI in decimal), its
 * KEY0 as stored (hex) and its name. The same pool and time budget as the user search.
 */
static mipkey_result_t ldap_lookup_key0(void *instance, REQUEST *request, uint32_t spi, mipkey_key0_t *out)
{
	ldap_inst_t	*inst = instance;
	ldap_conn_t	*conn;
	LDAPMessage	*res = NULL, *entry;
	struct berval	**key = NULL, **name = NULL;
	struct berval const *k, *n;
	struct timespec	t0;
	char const	*attrs[3] = { inst->kdc_key_attribute, inst->kdc_name_attribute, NULL };
	char		filter[FILTER_MAX], spi_str[16];
	char const	*err;
	int		rc;
	mipkey_result_t	result = MIPKEY_NO_USER;

	snprintf(spi_str, sizeof(spi_str), "%u", spi);
	if (rfc4515_expand_filter(filter, sizeof(filter), inst->kdc_filter, spi_str, strlen(spi_str),
				  spi_str, strlen(spi_str), &err) < 0) {
		REDEBUG("Cannot build the LDAP kdc_filter: %s", err);
		return MIPKEY_INVALID;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = search_in_budget(inst, request, filter, attrs, &t0, &conn, &res);
	if (!conn) return MIPKEY_BACKEND_DOWN;
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED && rc != LDAP_NO_SUCH_OBJECT) {
		RERROR("LDAP server %s unreachable or search failed: %s", inst->server, ldap_err2string(rc));
		ldap_msgfree(res);
		fr_connection_close(inst->pool, conn, "search failed");
		return MIPKEY_BACKEND_DOWN;
	}
	if (rc != LDAP_SUCCESS || ldap_count_entries(conn->ld, res) != 1) {
		RDEBUG2("LDAP: no single entry for %s", filter);
		goto done;
	}
	entry = ldap_first_entry(conn->ld, res);
	key = ldap_get_values_len(conn->ld, entry, inst->kdc_key_attribute);
	name = ldap_get_values_len(conn->ld, entry, inst->kdc_name_attribute);
	k = single_value(key);
	n = single_value(name);
	if (!k || ldap_values_hex_key(k->bv_val, k->bv_len, out->key, sizeof(out->key), &out->key_len) < 0) {
		RWDEBUG("LDAP entry of KEY0 SPI %u: %s is missing, repeated or not hex of at most %d digits", spi,
			inst->kdc_key_attribute, 2 * MIPKEY_KEY0_MAX);
		OPENSSL_cleanse(out->key, sizeof(out->key));
		goto done;
	}
	if (!n || !n->bv_len || n->bv_len >= sizeof(out->name) || memchr(n->bv_val, '\0', n->bv_len)) {
		RWDEBUG("LDAP entry of KEY0 SPI %u: %s is missing, repeated or unusable", spi, inst->kdc_name_attribute);
		OPENSSL_cleanse(out->key, sizeof(out->key));
		out->key_len = 0;
		goto done;
	}
	memcpy(out->name, n->bv_val, n->bv_len);
	out->name[n->bv_len] = '\0';
	out->name_len = n->bv_len;
	result = MIPKEY_OK;

done:
	free_secret_values(key);
	if (name) ldap_value_free_len(name);
	ldap_msgfree(res);
	pool_put(inst, conn);
	return result;
}

static bool ldap_has_key0(void const *instance)
{
	return is_set(((ldap_inst_t const *) instance)->kdc_key_attribute);
}

mipkey_backend_t const mipkey_backend_ldap = {
	.name		= "ldap",
	.instantiate	= ldap_instantiate,
	.lookup		= ldap_lookup,
	.has_aaa_sa	= ldap_has_aaa_sa,
	.change_password = ldap_change_password,
	.password_change_enabled = ldap_password_change_enabled,
	.lookup_key0	= ldap_lookup_key0,
	.has_key0	= ldap_has_key0,
};

/* The mirror's connection: opened and bound as a pooled one, then owned by the mirror. */
static LDAP *mirror_connect(void *ctx)
{
	ldap_conn_t	*conn = mod_conn_create(NULL, ctx);
	LDAP		*ld;

	if (!conn) return NULL;
	ld = conn->ld;
	conn->ld = NULL;
	talloc_free(conn);
	return ld;
}

/* An entry of the sync session, parsed as lookup_entry() parses a search result. */
static void mirror_convert(void *ctx, LDAP *ld, LDAPMessage *entry, ldap_mirror_user_t *user)
{
	ldap_inst_t const	*inst = ctx;
	struct berval		**v;
	struct berval const	*sv;
	int64_t			t;

	v = ldap_get_values_len(ld, entry, inst->nt_hash_attribute);
	user->usable = single_value(v) && ldap_values_nt_hash(v[0]->bv_val, v[0]->bv_len, user->key.key) == 0;
	if (!user->usable) OPENSSL_cleanse(user->key.key, sizeof(user->key.key));
	free_secret_values(v);
	user->key.kind = MIPKEY_KEY_NT_HASH;
	user->key.account_state = MIPKEY_OK;

	if (is_set(inst->acct_flags_attribute)) {
		v = ldap_get_values_len(ld, entry, inst->acct_flags_attribute);
		if (v && v[0]) {
			user->key.account_state = acct_flags_state(v[0]);
			user->no_expiry = ldap_values_acct_flag(v[0]->bv_val, v[0]->bv_len, "X") != 0;
		}
		if (v) ldap_value_free_len(v);
	}
	if (is_set(inst->pwd_must_change_attribute)) {
		v = ldap_get_values_len(ld, entry, inst->pwd_must_change_attribute);
		sv = single_value(v);
		if (sv && ldap_values_time(sv->bv_val, sv->bv_len, &t) == 0) {
			user->has_must_change = true;
			user->must_change = t;
		}
		if (v) ldap_value_free_len(v);
	}
	if (is_set(inst->pwd_last_set_attribute)) {
		v = ldap_get_values_len(ld, entry, inst->pwd_last_set_attribute);
		sv = single_value(v);
		if (sv && ldap_values_time(sv->bv_val, sv->bv_len, &t) == 0 && t == 0) user->last_set_zero = true;
		if (v) ldap_value_free_len(v);
	}
	if (inst->fetch_aaa_sa) get_aaa_sa(inst, NULL, ld, entry, &user->key.aaa_sa);
}
