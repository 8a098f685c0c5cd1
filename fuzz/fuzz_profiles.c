/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_profiles.c - libFuzzer harness for the reply profiles (rlm_mipkey/profile_*.c): what
 * each puts in the Access-Accept for a key request, from the values the request and the key
 * derivation gave (SPIs, lifetime, home agent address, keys, nonces).
 *
 * The profiles are compiled with the FreeRADIUS headers but linked without FreeRADIUS: this
 * file defines what they call, profile_add_octets/_string/_integer/_ipaddr (mobileip.c's
 * helpers, which make the pairs) and radlog_request/_error, and records every call.
 *
 * Input: flags, SPIs, lifetime, home agent address, keys, nonces, k'' and Skey fill a
 * mobileip_result_t field by field (bools 0/1; algorithm and replay method one of the two
 * values each that the configuration parser allows), then one octet says which helper call
 * fails (0: none).
 *  - every profile adds exactly the attributes, in the order, with the values, that its
 *    documentation lists (written out here per profile), and warns exactly when it has no
 *    place for the MN-FA key;
 *  - a failing helper call makes the profile return -1 at once (no later call);
 *  - cisco: refuses nonce replay protection with one error and no attribute; its
 *    Cisco-AVPair, read back with sscanf, has the MN-HA SPI, the 20-octet key (40 hex
 *    digits), window 7 and the algorithm's IOS name, and nothing after it;
 *  - no profile sends k'', Skey or the KeyGen-Reply extensions itself (mobileip.c does).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#include "fuzz_check.h"

#define MAX_CALLS 16

typedef struct {
	char		kind;		/* 'o' octets, 's' string, 'i' integer, 'a' address */
	char		name[48];
	uint8_t		val[256];
	size_t		len;
	uint32_t	num;
} call_t;

static call_t	got[MAX_CALLS], want[MAX_CALLS];
static size_t	n_got, n_want;
static int	fail_at;		/* 1-based helper call that fails; 0 none */
static int	warnings, errors;

static int record(char kind, char const *attr, uint8_t const *data, size_t len, uint32_t num)
{
	call_t *c;

	require(n_got < MAX_CALLS && strlen(attr) < sizeof(c->name) && len <= sizeof(c->val));
	c = &got[n_got++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	strcpy(c->name, attr);
	if (len) memcpy(c->val, data, len);
	c->len = len;
	c->num = num;
	return (int) n_got == fail_at ? -1 : 0;
}

int profile_add_octets(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint8_t const *data, size_t len)
{
	(void) request, (void) vps;
	return record('o', attr, data, len, 0);
}

int profile_add_string(REQUEST *request, VALUE_PAIR **vps, char const *attr, char const *value, size_t len)
{
	(void) request, (void) vps;
	return record('s', attr, (uint8_t const *) value, len, 0);
}

int profile_add_integer(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint32_t value)
{
	(void) request, (void) vps;
	return record('i', attr, NULL, 0, value);
}

int profile_add_ipaddr(REQUEST *request, VALUE_PAIR **vps, char const *attr, uint8_t const addr[4])
{
	(void) request, (void) vps;
	return record('a', attr, addr, 4, 0);
}

void radlog_request(log_type_t type, log_lvl_t lvl, REQUEST *request, char const *msg, ...)
{
	char	buf[512];
	va_list	ap;

	(void) lvl, (void) request;
	va_start(ap, msg);
	vsnprintf(buf, sizeof(buf), msg, ap);	/* the format and its arguments must agree (ASan, UBSan) */
	va_end(ap);
	if (type == L_DBG_WARN) warnings++;
}

void radlog_request_error(log_type_t type, log_lvl_t lvl, REQUEST *request, char const *msg, ...)
{
	char	buf[512];
	va_list	ap;

	(void) type, (void) lvl, (void) request;
	va_start(ap, msg);
	vsnprintf(buf, sizeof(buf), msg, ap);
	va_end(ap);
	errors++;
}

static void expect(char kind, char const *attr, void const *data, size_t len, uint32_t num)
{
	call_t *c;

	require(n_want < MAX_CALLS);
	c = &want[n_want++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	strcpy(c->name, attr);
	if (len) memcpy(c->val, data, len);
	c->len = len;
	c->num = num;
}

/* The Cisco-AVPair read back: what "ip mobile secure host" would read */
static void check_cisco_avpair(call_t const *c, mobileip_result_t const *r)
{
	char		text[257], spi[11], hex[41], alg[16];
	unsigned int	window;
	int		end = -1, i;
	uint8_t		key[RFC3957_KEY_LEN];

	require(c->kind == 's' && c->len < sizeof(text) && !memchr(c->val, '\0', c->len));
	memcpy(text, c->val, c->len);
	text[c->len] = '\0';
	/* digits only: a sign or a blank that %u would take must fail */
	require(sscanf(text, "mobileip:spi#0=spi %10[0-9] key hex %40[0-9a-f] replay timestamp within %u algorithm %15[a-z0-9-]%n",
		       spi, hex, &window, alg, &end) == 4);
	require(end == (int) c->len && strlen(hex) == 40);
	for (i = 0; i < RFC3957_KEY_LEN; i++) require(sscanf(hex + 2 * i, "%2hhx", &key[i]) == 1);
	require(strtoul(spi, NULL, 10) == r->mn_ha_spi && memcmp(key, r->mn_ha_key, sizeof(key)) == 0 && window == 7);
	require(strcmp(alg, r->algorithm == RFC3957_ALG_HMAC_MD5 ? "hmac-md5" : "hmac-sha1") == 0);
}

static void run(mobileip_profile_t const *p, mobileip_result_t const *r, int fail)
{
	static REQUEST	request;	/* only handed to the log calls, which are declared nonnull */
	VALUE_PAIR	*vps = NULL;
	size_t	i, stop;
	int	rc, want_rc = 0, want_warn = 0, want_err = 0, warn_last = 0;

	n_got = n_want = 0;
	warnings = errors = 0;
	fail_at = fail;

	if (!strcmp(p->name, "mipkey")) {
		require(!p->sends_master_key && p->sends_keygen_replies);
		if (r->mn_ha) {
			expect('o', "Mipkey-MN-HA-Key", r->mn_ha_key, 20, 0);
			expect('i', "Mipkey-MN-HA-SPI", NULL, 0, r->mn_ha_spi);
			expect('o', "Mipkey-MN-HA-Nonce", r->mn_ha_nonce, 16, 0);
			expect('i', "Mipkey-MN-HA-Lifetime", NULL, 0, r->lifetime);
			expect('i', "Mipkey-Replay-Method", NULL, 0, r->replay_method);
		}
		if (r->mn_fa) {
			expect('o', "Mipkey-MN-FA-Key", r->mn_fa_key, 20, 0);
			expect('i', "Mipkey-MN-FA-SPI", NULL, 0, r->mn_fa_spi);
			expect('o', "Mipkey-MN-FA-Nonce", r->mn_fa_nonce, 16, 0);
			expect('i', "Mipkey-MN-FA-Lifetime", NULL, 0, r->lifetime);
		}
		if (r->mn_ha || r->mn_fa) {
			expect('i', "Mipkey-Algorithm", NULL, 0, r->algorithm);
			expect('i', "Mipkey-AAA-SPI", NULL, 0, r->aaa_spi);
		}
	} else if (!strcmp(p->name, "mppe")) {
		require(p->sends_master_key && !p->sends_keygen_replies);
	} else if (!strcmp(p->name, "3gpp2")) {
		require(!p->sends_master_key && p->sends_keygen_replies);
		if (r->mn_ha) {
			expect('s', "3GPP2-MN-HA-Shared-Key", r->mn_ha_key, 20, 0);	/* the key's octets, NULs and all */
			expect('i', "3GPP2-MN-HA-SPI", NULL, 0, r->mn_ha_spi);
		}
		if (r->has_home_agent) expect('a', "3GPP2-Home-Agent-IP-Address", r->home_agent, 4, 0);
		want_warn = r->mn_fa;
		warn_last = 1;	/* after the attributes: not reached when one fails */
	} else if (!strcmp(p->name, "wimax")) {
		require(!p->sends_master_key && p->sends_keygen_replies);
		if (r->mn_ha) {
			expect('o', "WiMAX-MN-hHA-MIP4-Key", r->mn_ha_key, 20, 0);
			expect('i', "WiMAX-MN-hHA-MIP4-SPI", NULL, 0, r->mn_ha_spi);
		}
		if (r->has_home_agent) expect('a', "WiMAX-hHA-IP-MIP4", r->home_agent, 4, 0);
		if (r->mn_fa) {
			expect('o', "WiMAX-FA-RK-Key", r->mn_fa_key, 20, 0);
			expect('i', "WiMAX-FA-RK-SPI", NULL, 0, r->mn_fa_spi);
		}
	} else if (!strcmp(p->name, "cisco")) {
		require(!p->sends_master_key && p->sends_keygen_replies);
		want_warn = r->mn_fa;
		if (r->mn_ha && r->replay_method != RFC3957_REPLAY_TIMESTAMPS) {
			want_rc = -1;
			want_err = 1;
		} else if (r->mn_ha) {
			expect('s', "Cisco-AVPair", NULL, 0, 0);	/* its text is read back below */
		}
	} else {
		abort();	/* a profile this harness does not know: add it here */
	}

	rc = p->reply(&request, &vps, r);

	/* A failing helper call ends the profile at once, with -1. */
	stop = n_want;
	if (want_rc == 0 && fail >= 1 && (size_t) fail <= n_want) {
		want_rc = -1;
		stop = (size_t) fail;
		if (warn_last) want_warn = 0;
	}
	require(rc == want_rc && n_got == stop && warnings == want_warn && errors == want_err);
	for (i = 0; i < stop; i++) {
		require(got[i].kind == want[i].kind && strcmp(got[i].name, want[i].name) == 0);
		if (!strcmp(got[i].name, "Cisco-AVPair")) {
			check_cisco_avpair(&got[i], r);
			continue;
		}
		require(got[i].len == want[i].len && memcmp(got[i].val, want[i].val, want[i].len) == 0 &&
			got[i].num == want[i].num);
	}
}

static size_t take(uint8_t const **d, size_t *size, void *out, size_t len)
{
	size_t n = *size < len ? *size : len;

	memset(out, 0, len);
	memcpy(out, *d, n);
	*d += n;
	*size -= n;
	return n;
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	static mobileip_profile_t const *profiles[] = { &mobileip_profile_mipkey, &mobileip_profile_mppe,
		&mobileip_profile_3gpp2, &mobileip_profile_wimax, &mobileip_profile_cisco };
	mobileip_result_t	r;
	uint8_t			flags = 0, fail = 0;
	size_t			i;

	memset(&r, 0, sizeof(r));
	take(&data, &size, &flags, 1);
	r.mn_ha = flags & 1;
	r.mn_fa = (flags >> 1) & 1;
	r.has_home_agent = (flags >> 2) & 1;
	r.has_home_address = (flags >> 3) & 1;
	r.algorithm = (flags >> 4) & 1 ? RFC3957_ALG_HMAC_SHA1 : RFC3957_ALG_HMAC_MD5;
	r.replay_method = (flags >> 5) & 1 ? RFC3957_REPLAY_NONCES : RFC3957_REPLAY_TIMESTAMPS;
	r.return_skey = (flags >> 6) & 1;
	r.return_master_key = (flags >> 7) & 1;
	take(&data, &size, &r.mn_ha_spi, 4);
	take(&data, &size, &r.mn_fa_spi, 4);
	take(&data, &size, &r.aaa_spi, 4);
	take(&data, &size, &r.lifetime, 4);
	take(&data, &size, r.home_agent, 4);
	take(&data, &size, r.home_address, 4);
	take(&data, &size, r.mn_ha_key, sizeof(r.mn_ha_key));
	take(&data, &size, r.mn_fa_key, sizeof(r.mn_fa_key));
	take(&data, &size, r.mn_ha_nonce, sizeof(r.mn_ha_nonce));
	take(&data, &size, r.mn_fa_nonce, sizeof(r.mn_fa_nonce));
	take(&data, &size, r.master_key, sizeof(r.master_key));
	take(&data, &size, r.skey, sizeof(r.skey));
	take(&data, &size, &fail, 1);

	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) run(profiles[i], &r, fail % 16);
	return 0;
}
