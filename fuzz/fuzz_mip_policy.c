/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_mip_policy.c - libFuzzer harness for the Mobile IP key policy
 *		       (rlm_mipkey/mip_policy.c, mip_policy_check()).
 *
 * The input fills a configuration, a subject (who proved what) and a key request, with
 * flags that make the interesting equalities likely (peer challenge = MD5 of the RRQ, NAI =
 * name, home address = the name in dotted form or control:Framed-IP-Address, AAA SPI = the
 * association's, timestamp near the clock), so that every rule is both passed and failed.
 * The verdict is compared with an oracle written here from the rules as mip_policy.h lists
 * them (not from the code): the same verdict and deciding rule, and on allow the same
 * identifier (kind, bytes), lifetime, AAA SPI and clock skew; a refusal has a non-empty,
 * NUL-terminated reason.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mip_policy.h"

static void require(int cond)
{
	if (!cond) abort();
}

typedef struct {
	uint8_t const *p;
	size_t n;
} cur_t;

static uint8_t u8(cur_t *c)
{
	uint8_t v = 0;

	if (c->n) { v = *c->p++; c->n--; }
	return v;
}

static uint32_t u32(cur_t *c)
{
	return (uint32_t)u8(c) << 24 | (uint32_t)u8(c) << 16 | (uint32_t)u8(c) << 8 | u8(c);
}

static void bytes(cur_t *c, uint8_t *out, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) out[i] = u8(c);
}

/* A length-prefixed string (0..63 bytes) */
static size_t str(cur_t *c, char *out)
{
	size_t len = u8(c) % 64, i;

	for (i = 0; i < len; i++) out[i] = (char)u8(c);
	return len;
}

typedef struct {
	mip_verdict_t	verdict;
	mip_rule_t	rule;
	mip_id_kind_t	kind;
	uint8_t const	*id;
	size_t		id_len;
	uint32_t	lifetime, aaa_spi;
	int32_t		skew;
} oracle_t;

static int dotted_is(char const *name, size_t len, uint8_t const a[4])
{
	char d[32];

	snprintf(d, sizeof(d), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	return strlen(d) == len && memcmp(d, name, len) == 0;
}

static int eq(void const *a, size_t al, void const *b, size_t bl)
{
	return al == bl && memcmp(a, b, al) == 0;
}

static oracle_t *refuse(oracle_t *o, mip_rule_t r)
{
	o->verdict = MIP_REFUSE;
	o->rule = r;
	return o;
}

static oracle_t *oracle(mip_policy_conf_t const *cf, mip_subject_t const *s, mip_key_request_t const *q, oracle_t *o)
{
	memset(o, 0, sizeof(*o));
	if (!s->name || !s->name_len) {
		o->verdict = MIP_MALFORMED;
		o->rule = MIP_RULE_NO_IDENTIFIER;
		return o;
	}
	if (q->source == MIP_SOURCE_RRQ) {
		if (q->has_gen_auth && q->gen_auth_subtype != 1) return refuse(o, MIP_RULE_GEN_AUTH_SUBTYPE);
		if ((q->mn_ha || q->mn_fa) && !q->has_gen_auth) return refuse(o, MIP_RULE_MN_AAA_MISSING);
		if (!q->rrq_md5 || memcmp(q->rrq_md5, s->peer_challenge, 16)) return refuse(o, MIP_RULE_PEER_CHALLENGE);
		if (q->challenge_ext && !eq(q->challenge_ext, q->challenge_ext_len, s->auth_challenge, 16)) {
			return refuse(o, MIP_RULE_CHALLENGE_EXT);
		}
		if (cf->replay_timestamps && cf->replay_window) {
			/* seconds between the NTP timestamp and the clock, the short way round 2^32 */
			uint32_t d = (uint32_t)(q->identification >> 32) - s->now_ntp;
			int64_t skew = d < 0x80000000U ? (int64_t)d : (int64_t)d - 4294967296LL;

			if ((skew < 0 ? -skew : skew) > (int64_t)cf->replay_window) return refuse(o, MIP_RULE_REPLAY_WINDOW);
			o->skew = (int32_t)skew;
		}
		if (q->nai) {
			if (!eq(q->nai, q->nai_len, s->name, s->name_len)) return refuse(o, MIP_RULE_NAI);
			o->kind = MIP_ID_NAI;
			o->id = q->nai;
			o->id_len = q->nai_len;
		} else if (!q->has_home_address) {
			return refuse(o, MIP_RULE_NO_IDENTIFIER);
		} else if (dotted_is(s->name, s->name_len, q->home_address)) {
			o->kind = MIP_ID_HOME_ADDRESS_NAME;
			o->id = q->home_address;
			o->id_len = 4;
		} else if (s->has_framed_ip && !memcmp(s->framed_ip, q->home_address, 4)) {
			o->kind = MIP_ID_HOME_ADDRESS_FRAMED;
			o->id = q->home_address;
			o->id_len = 4;
		} else {
			return refuse(o, MIP_RULE_HOME_ADDRESS);
		}
		if (q->mn_ha && q->mn_ha_subtype != 1) return refuse(o, MIP_RULE_KEYGEN_SUBTYPE);
		if (q->mn_fa && q->mn_fa_subtype != 1) return refuse(o, MIP_RULE_KEYGEN_SUBTYPE);
	} else {
		if (q->user_name && !eq(q->user_name, q->user_name_len, s->name, s->name_len)) {
			return refuse(o, MIP_RULE_USER_NAME);
		}
		if (q->has_home_address && dotted_is(s->name, s->name_len, q->home_address)) {
			o->kind = MIP_ID_HOME_ADDRESS_NAME;
			o->id = q->home_address;
			o->id_len = 4;
		} else if (q->has_home_address && !q->user_name) {
			if (!(s->has_framed_ip && !memcmp(s->framed_ip, q->home_address, 4))) {
				return refuse(o, MIP_RULE_HOME_ADDRESS);
			}
			o->kind = MIP_ID_HOME_ADDRESS_FRAMED;
			o->id = q->home_address;
			o->id_len = 4;
		} else {
			o->kind = MIP_ID_NAI;
			o->id = (uint8_t const *)s->name;
			o->id_len = s->name_len;
		}
	}
	if (!q->requested_lifetime || !cf->max_lifetime) return refuse(o, MIP_RULE_LIFETIME);
	o->lifetime = q->requested_lifetime < cf->max_lifetime ? q->requested_lifetime : cf->max_lifetime;
	o->aaa_spi = q->has_aaa_spi ? q->aaa_spi : 0;
	if (cf->aaa_key_from_sa) {
		if (!s->sa_present) return refuse(o, MIP_RULE_AAA_SA_MISSING);
		if (!q->has_aaa_spi) return refuse(o, MIP_RULE_AAA_SPI_MISSING);
		if (q->aaa_spi != s->sa_spi) return refuse(o, MIP_RULE_AAA_SPI_UNKNOWN);
		if (s->sa_algorithm && *s->sa_algorithm && strcasecmp(s->sa_algorithm, "hmac-sha1") &&
		    strcasecmp(s->sa_algorithm, "hmac-md5")) return refuse(o, MIP_RULE_AAA_ALGORITHM);
		o->aaa_spi = s->sa_spi;
	}
	o->verdict = MIP_ALLOW;
	return o;
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	cur_t			c = { data, size };
	mip_policy_conf_t	cf;
	mip_subject_t		s;
	mip_key_request_t	q;
	mip_policy_result_t	r;
	oracle_t		o;
	uint8_t			auth_chal[16], peer[16], md5[16], chal_ext[32], nai[64];
	char			name[64], user[64], alg[64];
	uint32_t		f;
	size_t			name_len, l;

	memset(&cf, 0, sizeof(cf));
	memset(&s, 0, sizeof(s));
	memset(&q, 0, sizeof(q));
	f = u32(&c);			/* flags */

	cf.max_lifetime = u32(&c);	/* 0 too: mobileip.c refuses it at start-up, the policy again */
	cf.replay_timestamps = f & 1;
	cf.replay_window = (f & 2) ? u8(&c) : u32(&c);
	cf.aaa_key_from_sa = (f >> 2) & 1;

	bytes(&c, auth_chal, 16);
	bytes(&c, peer, 16);
	s.auth_challenge = auth_chal;
	s.peer_challenge = peer;
	name_len = str(&c, name);
	if (f & (1u << 3)) {		/* the name is a dotted address */
		name_len = (size_t)snprintf(name, sizeof(name), "%u.%u.%u.%u", u8(&c), u8(&c), u8(&c), u8(&c));
	}
	s.name = (f & (1u << 4)) ? NULL : name;
	s.name_len = name_len;
	s.has_framed_ip = (f >> 5) & 1;
	bytes(&c, s.framed_ip, 4);
	s.now_ntp = u32(&c);
	s.sa_present = (f >> 6) & 1;
	s.sa_spi = u32(&c);
	l = str(&c, alg);
	alg[l] = '\0';
	if (f & (1u << 7)) strcpy(alg, (f & (1u << 8)) ? "HMAC-MD5" : "hmac-sha1");
	s.sa_algorithm = (f & (1u << 9)) ? NULL : alg;
	s.sa_problem = (f & (1u << 10)) ? NULL : "fixture problem";

	q.source = (f >> 11) & 1 ? MIP_SOURCE_ATTRIBUTES : MIP_SOURCE_RRQ;
	q.mn_ha = (f >> 12) & 1;
	q.mn_ha_spi = u32(&c);
	q.mn_ha_subtype = (f & (1u << 13)) ? 1 : u8(&c);
	q.mn_fa = (f >> 14) & 1;
	q.mn_fa_spi = u32(&c);
	q.mn_fa_subtype = (f & (1u << 15)) ? 1 : u8(&c);
	q.has_aaa_spi = (f >> 16) & 1;
	q.aaa_spi = (f & (1u << 17)) ? s.sa_spi : u32(&c);
	q.requested_lifetime = u32(&c);
	q.has_gen_auth = (f >> 18) & 1;
	q.gen_auth_subtype = (f & (1u << 19)) ? 1 : u8(&c);
	bytes(&c, md5, 16);
	if (f & (1u << 20)) memcpy(md5, peer, 16);
	q.rrq_md5 = (f & (1u << 21)) ? NULL : md5;
	if (f & (1u << 22)) {
		q.challenge_ext_len = u8(&c) % 33;
		bytes(&c, chal_ext, q.challenge_ext_len);
		if ((f & (1u << 23)) && q.challenge_ext_len == 16) memcpy(chal_ext, auth_chal, 16);
		q.challenge_ext = chal_ext;
	}
	q.identification = (uint64_t)u32(&c) << 32 | u32(&c);
	if (f & (1u << 24)) {		/* near the clock */
		int32_t d = (int8_t)u8(&c);

		q.identification = (uint64_t)(uint32_t)(s.now_ntp + (uint32_t)d) << 32 | (q.identification & 0xffffffffU);
	}
	if (f & (1u << 25)) {
		if (f & (1u << 26)) {
			memcpy(nai, name, name_len);
			q.nai_len = name_len;
		} else {
			q.nai_len = str(&c, (char *)nai);
		}
		q.nai = nai;
	}
	if (f & (1u << 27)) {
		l = (f & (1u << 28)) ? (memcpy(user, name, name_len), name_len) : str(&c, user);
		q.user_name = user;
		q.user_name_len = l;
	}
	q.has_home_address = (f >> 29) & 1;
	bytes(&c, q.home_address, 4);
	if (f & (1u << 30)) memcpy(q.home_address, s.framed_ip, 4);
	if ((f & (1u << 31)) && (f & (1u << 3))) {	/* the address the name spells */
		unsigned a, b, cc, d;

		if (sscanf(name, "%u.%u.%u.%u", &a, &b, &cc, &d) == 4) {
			q.home_address[0] = (uint8_t)a; q.home_address[1] = (uint8_t)b;
			q.home_address[2] = (uint8_t)cc; q.home_address[3] = (uint8_t)d;
		}
	}
	if (s.name == name && name_len < sizeof(name)) name[name_len] = '\0';

	require(mip_policy_check(&cf, &s, &q, &r) == r.verdict);
	oracle(&cf, &s, &q, &o);
	require(r.verdict == o.verdict);
	require(r.rule == o.rule);
	require(memchr(r.reason, '\0', sizeof(r.reason)) != NULL);
	if (r.verdict != MIP_ALLOW) {
		require(r.reason[0] != '\0');
		return 0;
	}
	require(r.rule == MIP_RULE_NONE);
	require(r.id_kind == o.kind && r.mn_id_len == o.id_len && r.mn_id_len > 0);
	require(memcmp(r.mn_id, o.id, o.id_len) == 0);
	if (o.kind == MIP_ID_NAI) require(r.mn_id == o.id);	/* points into the request or the subject */
	require(r.lifetime == o.lifetime && r.lifetime > 0 && r.lifetime <= cf.max_lifetime + 0ULL);
	require(r.aaa_spi == o.aaa_spi);
	require(r.clock_skew == o.skew);
	return 0;
}
