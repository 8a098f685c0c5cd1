/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * test_policy.c - mip_policy_check(), rule by rule (the rules are listed in mip_policy.h).
 *
 * Each test starts from a request that every rule allows, breaks exactly one thing, and
 * checks the verdict and the rule that decided; then the allowed cases check what is
 * handed back (identifier, lifetime, AAA SPI).
 */
#include <arpa/inet.h>
#include <stdbool.h>

#include "unit.h"
#include "mip_policy.h"

static uint8_t const chal[16] = { 0x5b, 0x5d, 0x7c, 0x7d, 0x7b, 0x3f, 0x2f, 0x3e, 0x3c, 0x2c, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28 };
static uint8_t const peer[16] = { 0x21, 0x40, 0x23, 0x24, 0x25, 0x5e, 0x26, 0x2a, 0x28, 0x29, 0x5f, 0x2b, 0x3a, 0x33, 0x7c, 0x7e };
static uint8_t other[16];
static char const nai[] = "alice@example.net";
#define NOW	0xeeaecb21U

static mip_policy_conf_t conf;
static mip_subject_t subj;
static mip_key_request_t req;
static mip_policy_result_t res;

/* A Registration Request every rule allows: NAI = the authenticated name, bound to the proof. */
static void good_rrq(void)
{
	memset(&conf, 0, sizeof(conf));
	conf.max_lifetime = 3600;
	conf.replay_timestamps = true;
	conf.replay_window = 7;

	memset(&subj, 0, sizeof(subj));
	subj.name = nai;
	subj.name_len = strlen(nai);
	subj.auth_challenge = chal;
	subj.peer_challenge = peer;
	subj.now_ntp = NOW;

	memset(&req, 0, sizeof(req));
	req.source = MIP_SOURCE_RRQ;
	req.mn_ha = true;
	req.mn_ha_spi = 256;
	req.mn_ha_subtype = 1;
	req.has_gen_auth = true;
	req.gen_auth_subtype = 1;
	req.has_aaa_spi = true;
	req.aaa_spi = 7;
	req.rrq_md5 = peer;
	req.challenge_ext = chal;
	req.challenge_ext_len = 16;
	req.identification = (uint64_t) NOW << 32 | 0x1234;
	req.nai = (uint8_t const *) nai;
	req.nai_len = strlen(nai);
	req.requested_lifetime = 1800;
}

/* The same as attributes (User-Name = the authenticated name). */
static void good_attributes(void)
{
	good_rrq();
	memset(&req, 0, sizeof(req));
	req.source = MIP_SOURCE_ATTRIBUTES;
	req.mn_ha = true;
	req.mn_ha_spi = 256;
	req.mn_ha_subtype = 1;
	req.user_name = nai;
	req.user_name_len = strlen(nai);
	req.requested_lifetime = UINT32_MAX;
}

static void set_addr(uint8_t out[4], char const *dotted)
{
	if (inet_pton(AF_INET, dotted, out) != 1) exit(2);
}

static void expect(char const *name, mip_verdict_t verdict, mip_rule_t rule)
{
	char buf[300];
	mip_verdict_t v = mip_policy_check(&conf, &subj, &req, &res);

	snprintf(buf, sizeof(buf), "%s: verdict", name);
	check_int(buf, verdict, v);
	snprintf(buf, sizeof(buf), "%s: rule", name);
	check_int(buf, rule, res.rule);
	if (verdict != MIP_ALLOW) {
		snprintf(buf, sizeof(buf), "%s: a reason is given", name);
		check_true(buf, res.reason[0] != '\0');
	}
}

static void test_rrq_rules(void)
{
	good_rrq();
	expect("RRQ allowed", MIP_ALLOW, MIP_RULE_NONE);
	check_bytes("RRQ allowed: identifier is the NAI", (uint8_t const *) nai, strlen(nai), res.mn_id, res.mn_id_len);
	check_int("RRQ allowed: lifetime min(1800, 3600)", 1800, res.lifetime);
	check_int("RRQ allowed: AAA SPI of the MN-AAA extension", 7, res.aaa_spi);
	check_int("RRQ allowed: clock skew 0", 0, res.clock_skew);

	/* 1 */
	good_rrq();
	req.gen_auth_subtype = 2;
	expect("rule 1: Generalized Authentication subtype 2", MIP_REFUSE, MIP_RULE_GEN_AUTH_SUBTYPE);

	/* 2 */
	good_rrq();
	req.has_gen_auth = false;
	req.has_aaa_spi = false;
	expect("rule 2: KeyGen Request without MN-AAA extension", MIP_REFUSE, MIP_RULE_MN_AAA_MISSING);
	req.mn_ha = false;
	expect("rule 2: no KeyGen Request, no MN-AAA extension: allowed", MIP_ALLOW, MIP_RULE_NONE);
	good_rrq();
	req.has_gen_auth = false;
	req.mn_ha = false;
	req.mn_fa = true;
	req.mn_fa_subtype = 1;
	expect("rule 2: MN-FA KeyGen Request without MN-AAA extension", MIP_REFUSE, MIP_RULE_MN_AAA_MISSING);

	/* 3 */
	good_rrq();
	req.rrq_md5 = other;
	expect("rule 3: peer challenge is not MD5 of the RRQ", MIP_REFUSE, MIP_RULE_PEER_CHALLENGE);
	req.rrq_md5 = NULL;
	expect("rule 3: no MD5 at all", MIP_REFUSE, MIP_RULE_PEER_CHALLENGE);

	/* 4 */
	good_rrq();
	req.challenge_ext = other;
	expect("rule 4: challenge extension differs", MIP_REFUSE, MIP_RULE_CHALLENGE_EXT);
	req.challenge_ext = chal;
	req.challenge_ext_len = 15;
	expect("rule 4: challenge extension of 15 octets", MIP_REFUSE, MIP_RULE_CHALLENGE_EXT);
	req.challenge_ext = NULL;
	req.challenge_ext_len = 0;
	expect("rule 4: no challenge extension: allowed", MIP_ALLOW, MIP_RULE_NONE);

	/* 5 */
	good_rrq();
	req.identification = (uint64_t) (NOW + 7) << 32;
	expect("rule 5: timestamp 7 s ahead: allowed", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 5: clock skew +7", 7, res.clock_skew);
	req.identification = (uint64_t) (NOW - 7) << 32;
	expect("rule 5: timestamp 7 s behind: allowed", MIP_ALLOW, MIP_RULE_NONE);
	req.identification = (uint64_t) (NOW + 8) << 32;
	expect("rule 5: timestamp 8 s ahead", MIP_REFUSE, MIP_RULE_REPLAY_WINDOW);
	req.identification = (uint64_t) (NOW - 8) << 32;
	expect("rule 5: timestamp 8 s behind", MIP_REFUSE, MIP_RULE_REPLAY_WINDOW);
	req.identification = 0;
	expect("rule 5: timestamp 0 (era start)", MIP_REFUSE, MIP_RULE_REPLAY_WINDOW);
	conf.replay_window = 0;
	expect("rule 5: replay_window 0 turns it off", MIP_ALLOW, MIP_RULE_NONE);
	conf.replay_window = 7;
	conf.replay_timestamps = false;
	expect("rule 5: replay_method nonces: no clock check", MIP_ALLOW, MIP_RULE_NONE);
	/* Across the NTP era roll-over (2036): 3 s before and after 2^32 are 6 s apart. */
	good_rrq();
	subj.now_ntp = 0xfffffffdU;
	req.identification = (uint64_t) 2 << 32;
	expect("rule 5: NTP era roll-over, 5 s ahead: allowed", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 5: NTP era roll-over skew +5", 5, res.clock_skew);

	/* 6 */
	good_rrq();
	req.nai = (uint8_t const *) "mallory@example.net";
	req.nai_len = strlen("mallory@example.net");
	expect("rule 6: NAI is another user", MIP_REFUSE, MIP_RULE_NAI);
	req.nai = (uint8_t const *) nai;
	req.nai_len = strlen(nai) - 1;
	expect("rule 6: NAI is a prefix of the name", MIP_REFUSE, MIP_RULE_NAI);

	good_rrq();
	req.nai = NULL;
	req.nai_len = 0;
	expect("rule 6: neither NAI nor home address", MIP_REFUSE, MIP_RULE_NO_IDENTIFIER);
	req.has_home_address = true;
	set_addr(req.home_address, "192.0.2.77");
	expect("rule 8 (RRQ): home address not the user's", MIP_REFUSE, MIP_RULE_HOME_ADDRESS);
	subj.has_framed_ip = true;
	set_addr(subj.framed_ip, "192.0.2.77");
	expect("rule 8 (RRQ): home address = control:Framed-IP-Address", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 8 (RRQ): identifier kind framed", MIP_ID_HOME_ADDRESS_FRAMED, res.id_kind);
	check_hex("rule 8 (RRQ): identifier is the 4-octet address", "c000024d", res.mn_id, res.mn_id_len);
	subj.has_framed_ip = false;
	subj.name = "192.0.2.77";
	subj.name_len = strlen(subj.name);
	expect("rule 8 (RRQ): the authenticated name is the address", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 8 (RRQ): identifier kind name", MIP_ID_HOME_ADDRESS_NAME, res.id_kind);
	subj.name = "192.0.2.7";
	subj.name_len = strlen(subj.name);
	expect("rule 8 (RRQ): a name that is another address", MIP_REFUSE, MIP_RULE_HOME_ADDRESS);

	/* 7 */
	good_rrq();
	req.mn_ha_subtype = 2;
	expect("rule 7: MN-HA KeyGen Request subtype 2", MIP_REFUSE, MIP_RULE_KEYGEN_SUBTYPE);
	good_rrq();
	req.mn_fa = true;
	req.mn_fa_subtype = 0;
	expect("rule 7: MN-FA KeyGen Request subtype 0", MIP_REFUSE, MIP_RULE_KEYGEN_SUBTYPE);
}

static void test_attribute_rules(void)
{
	good_attributes();
	expect("attributes allowed", MIP_ALLOW, MIP_RULE_NONE);
	check_bytes("attributes allowed: identifier is the authenticated name", (uint8_t const *) nai, strlen(nai),
		    res.mn_id, res.mn_id_len);
	check_int("attributes allowed: no lifetime asked: max_lifetime", 3600, res.lifetime);
	check_int("attributes allowed: no AAA SPI: 0", 0, res.aaa_spi);

	/* The attribute path has no RRQ binding: a missing MD5 or MN-AAA changes nothing. */
	req.rrq_md5 = NULL;
	req.has_gen_auth = false;
	expect("attributes: rules 1-5 do not apply", MIP_ALLOW, MIP_RULE_NONE);

	/* 6' */
	good_attributes();
	req.user_name = "bob";
	req.user_name_len = 3;
	expect("rule 6': User-Name is another name", MIP_REFUSE, MIP_RULE_USER_NAME);
	req.user_name = NULL;
	req.user_name_len = 0;
	expect("rule 6': no User-Name (EAP): the authenticated name", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 6': identifier kind NAI", MIP_ID_NAI, res.id_kind);

	/* 8 */
	good_attributes();
	req.has_home_address = true;
	set_addr(req.home_address, "192.0.2.88");
	expect("rule 8: home address with an NAI User-Name: the NAI stays the identifier", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 8: identifier kind NAI", MIP_ID_NAI, res.id_kind);
	req.user_name = NULL;
	expect("rule 8: home address, no User-Name, not the user's", MIP_REFUSE, MIP_RULE_HOME_ADDRESS);
	subj.has_framed_ip = true;
	set_addr(subj.framed_ip, "192.0.2.88");
	expect("rule 8: home address, no User-Name, = Framed-IP-Address", MIP_ALLOW, MIP_RULE_NONE);
	check_hex("rule 8: identifier is the address", "c0000258", res.mn_id, res.mn_id_len);
	req.user_name = nai;
	req.user_name_len = strlen(nai);
	expect("rule 8: Framed-IP-Address with an NAI User-Name: the NAI", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 8: identifier kind NAI again", MIP_ID_NAI, res.id_kind);

	good_attributes();
	subj.name = "192.0.2.77";
	subj.name_len = strlen(subj.name);
	req.user_name = subj.name;
	req.user_name_len = subj.name_len;
	req.has_home_address = true;
	set_addr(req.home_address, "192.0.2.77");
	expect("rule 8: the authenticated name is the address", MIP_ALLOW, MIP_RULE_NONE);
	check_hex("rule 8: identifier is the address (name)", "c000024d", res.mn_id, res.mn_id_len);

	good_attributes();
	subj.name = NULL;
	subj.name_len = 0;
	expect("no authenticated name at all", MIP_MALFORMED, MIP_RULE_NO_IDENTIFIER);
}

static void test_common_rules(void)
{
	/* 9 */
	good_rrq();
	req.requested_lifetime = 0;
	expect("rule 9: lifetime 0 (deregistration)", MIP_REFUSE, MIP_RULE_LIFETIME);
	req.requested_lifetime = 1;
	expect("rule 9: lifetime 1", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 9: lifetime 1 kept", 1, res.lifetime);
	req.requested_lifetime = 65535;
	expect("rule 9: lifetime above max", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 9: lifetime capped at max_lifetime", 3600, res.lifetime);
	good_attributes();
	req.requested_lifetime = 0;
	expect("rule 9: attributes, lifetime 0", MIP_REFUSE, MIP_RULE_LIFETIME);
	good_rrq();
	conf.max_lifetime = 0;
	expect("rule 9: max_lifetime 0 (RRQ): no key of lifetime 0", MIP_REFUSE, MIP_RULE_LIFETIME);
	check_int("rule 9: max_lifetime 0: lifetime not set", 0, res.lifetime);
	good_attributes();
	conf.max_lifetime = 0;
	expect("rule 9: max_lifetime 0 (attributes)", MIP_REFUSE, MIP_RULE_LIFETIME);

	/* 10 */
	good_rrq();
	conf.aaa_key_from_sa = true;
	expect("rule 10: no association", MIP_REFUSE, MIP_RULE_AAA_SA_MISSING);
	subj.sa_problem = "mipkeyAAAKey is not hex";
	expect("rule 10: no association, with the backend's reason", MIP_REFUSE, MIP_RULE_AAA_SA_MISSING);
	check_true("rule 10: the backend's reason is in the refusal", strstr(res.reason, "not hex") != NULL);
	subj.sa_present = true;
	subj.sa_spi = 1000;
	subj.sa_algorithm = "hmac-sha1";
	expect("rule 10: the request's SPI 7 is not the association's 1000", MIP_REFUSE, MIP_RULE_AAA_SPI_UNKNOWN);
	req.aaa_spi = 1000;
	expect("rule 10: SPI 1000 matches", MIP_ALLOW, MIP_RULE_NONE);
	check_int("rule 10: the replies name the association's SPI", 1000, res.aaa_spi);
	subj.sa_algorithm = "HMAC-MD5";
	expect("rule 10: hmac-md5 (any case) known", MIP_ALLOW, MIP_RULE_NONE);
	subj.sa_algorithm = "";
	expect("rule 10: no algorithm stored: allowed", MIP_ALLOW, MIP_RULE_NONE);
	subj.sa_algorithm = "hmac-sha256";
	expect("rule 10: unknown algorithm", MIP_REFUSE, MIP_RULE_AAA_ALGORITHM);
	subj.sa_algorithm = "hmac-sha1";
	req.has_aaa_spi = false;
	req.has_gen_auth = false;
	req.mn_ha = false;	/* else rule 2 would decide first */
	expect("rule 10: the request names no SPI", MIP_REFUSE, MIP_RULE_AAA_SPI_MISSING);
}

int main(void)
{
	memset(other, 0xa5, sizeof(other));
	test_rrq_rules();
	test_attribute_rules();
	test_common_rules();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
