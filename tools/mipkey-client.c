/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mipkey-client - check an rlm_mipkey deployment by playing the mobile node and the home
 * agent.
 *
 * The mobile node (mipkey-mn.c) builds its Registration Request and MS-CHAPv2 response
 * from the password; the home agent (mipkey-ha.c) sends the Access-Request to the AAA
 * server with FreeRADIUS's client library and decrypts the keys it gets; the mobile node
 * then derives the same keys from the password and the nonces in the Registration Reply.
 * This file parses the options, compares both sides and prints the result as a table or
 * as JSON. Exit statuses: see usage() and mipkey-client(1).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>

#include "mipkey-client.h"

#ifndef MIPKEY_INSTALLED_DICT
#  define MIPKEY_INSTALLED_DICT	"/etc/freeradius/3.0/dictionary.mipkey"
#endif
#ifndef MIPKEY_BUILD_DICT
#  define MIPKEY_BUILD_DICT	""
#endif
#ifndef MIPKEY_BUILD_BINDIR
#  define MIPKEY_BUILD_BINDIR	""
#endif
#ifndef MIPKEY_VERSION
#  define MIPKEY_VERSION	"unknown"
#endif
#define DEFAULT_DICT_DIR	"/usr/share/freeradius"
#define NTP_UNIX_OFFSET		2208988800ULL

static void usage(FILE *f)
{
	fprintf(f,
"Usage: mipkey-client --server HOST[:PORT] (--secret S | --secret-file F)\n"
"                     (--nai NAI | --home-address A) (--password PW | --password-file F | --nt-hash HEX)\n"
"                     [--mn-ha-spi N] [--mn-fa-spi N] [options]\n"
"\n"
"Plays a Mobile IPv4 mobile node and its home agent against an AAA server running rlm_mipkey:\n"
"the MN builds its Registration Request and MS-CHAPv2 response from the password, the HA sends\n"
"the Access-Request and decrypts the keys it gets back, then the MN derives the same keys from\n"
"the password alone and the nonces in the Registration Reply. Prints both sides and whether\n"
"they agree.\n"
"\n"
"The AAA server\n"
"  --server HOST[:PORT]     RADIUS authentication server (port 1812 by default). Repeat it for\n"
"                           failover: the servers are tried in the order given, with the same\n"
"                           Request Authenticator (a home agent's failover, not a replay)\n"
"  --secret S               shared secret of the home agent (the RADIUS client)\n"
"  --secret-file F          read the shared secret from the first line of F instead\n"
"  --source A               send from address A (the server picks the client entry, and with it\n"
"                           the reply profile, by the source address)\n"
"  --timeout SECONDS        wait this long for a reply to each attempt (default 3)\n"
"  --retries N              attempts per server before the next one is tried (default 3)\n"
"  --attributes             send the key requests as Mipkey-* attributes instead of forwarding\n"
"                           the Registration Request in Mipkey-Registration-Request\n"
"  --dictionary-dir DIR     FreeRADIUS dictionaries (default " DEFAULT_DICT_DIR ")\n"
"  --project-dictionary F   dictionary.mipkey (default: " MIPKEY_INSTALLED_DICT ",\n"
"                           or raddb/dictionary.mipkey when run from the build tree)\n"
"\n"
"The mobile node\n"
"  --nai NAI                the node's NAI (User-Name and RFC 3957 identifier). Without it the\n"
"                           node is known by --home-address (User-Name is the dotted address)\n"
"  --password PW            its password (UTF-8)\n"
"  --password-file F        read the password from the first line of F instead\n"
"  --nt-hash HEX            its NT hash k (32 hex digits) instead of the password\n"
"  --home-address A         home address in the Registration Request (default 0.0.0.0)\n"
"  --ha A                   home agent address (default 0.0.0.0)\n"
"  --care-of A              care-of address (default: the home agent address)\n"
"  --mn-ha-spi N            ask for an MN-HA key (RFC 3957 KeyGen Request 42) with SPI N\n"
"  --mn-fa-spi N            ask for an MN-FA key (RFC 3957 KeyGen Request 40) with SPI N\n"
"  --aaa-spi N              SPI of the MN-AAA Authentication extension (default 2, CHAP_SPI);\n"
"                           with a server on aaa_key = ldap, the SPI of the node's AAA association\n"
"  --aaa-key HEX            the node's RFC 3957 AAA key (2 to 128 hex digits), for a server on\n"
"                           aaa_key = ldap; without it the AAA key is k'' (aaa_key = mschapv2)\n"
"  --lifetime S             requested registration lifetime, 0-65535 seconds (default 1800)\n"
"  --rekey TIMESTAMP        also show Skey' = MD5(Skey || TIMESTAMP), the key of a\n"
"                           re-registration with that Identification: 0x + up to 16 hex digits,\n"
"                           a decimal number, or \"now\" (NTP time)\n"
"\n"
"Key distribution centre mode (WO 01/26322; no password: KEY0 instead)\n"
"  --kdc-spi N              the SPI of the node's KEY0; the NAI travels encrypted under KEY0,\n"
"                           the outer identity is \"@realm\"; KEY1 and KEY3 come back wrapped\n"
"  --key0-file FILE         KEY0: 32, 48 or 64 hex digits on the first line\n"
"                           (--mn-ha-spi / --mn-fa-spi name the new keys, default 0)\n"
"Keys from EAP authentication (instead of the password; docs/PROTOCOL.md section 6)\n"
"  --eap CONF               run eapol_test with this wpa_supplicant network configuration as the\n"
"                           node's EAP peer, relay it to --server with the key request added,\n"
"                           and derive the node's keys from the MSK / EMSK it printed. Needs\n"
"                           --nai (the identity the EAP method authenticates), --ha and\n"
"                           --mn-ha-spi, and for an MN-FA key --care-of (the FA) and --mn-fa-spi\n"
"  --eap-root emsk|msk      the EAP key the server derives from (its eap_keys { root }, default emsk)\n"
"  --fa-ha-spi N            also ask for an FA-HA key with SPI N (random: only checked to arrive)\n"
"  --eapol-test PATH        the eapol_test program (default: eapol_test in PATH). It gets the\n"
"                           shared secret on its command line\n"
"\n"
"Output\n"
"  --json                   one JSON object instead of the table\n"
"  -v, --verbose            show the RADIUS packets on stderr\n"
"  -h, --help               this text\n"
"  --version                the version\n"
"\n"
"Exit status: 0 Access-Accept and MN and HA agree on every key; 1 usage or local error;\n"
"2 Access-Reject; 3 no reply from any server; 4 keys disagree or a requested key is missing;\n"
"5 only replies that failed verification (wrong shared secret?).\n");
}

enum {
	OPT_SERVER = 256, OPT_SECRET, OPT_SECRET_FILE, OPT_SOURCE, OPT_TIMEOUT, OPT_RETRIES, OPT_ATTRIBUTES,
	OPT_DICT_DIR, OPT_PROJECT_DICT, OPT_NAI, OPT_PASSWORD, OPT_PASSWORD_FILE, OPT_NT_HASH, OPT_HOME_ADDRESS,
	OPT_HA, OPT_CARE_OF, OPT_MN_HA_SPI, OPT_MN_FA_SPI, OPT_AAA_SPI, OPT_AAA_KEY, OPT_LIFETIME, OPT_REKEY, OPT_JSON,
	OPT_VERSION, OPT_KDC_SPI, OPT_KEY0_FILE, OPT_EAP, OPT_EAP_ROOT, OPT_FA_HA_SPI, OPT_EAPOL_TEST
};

static struct option const long_options[] = {
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "secret", required_argument, NULL, OPT_SECRET },
	{ "secret-file", required_argument, NULL, OPT_SECRET_FILE },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "attributes", no_argument, NULL, OPT_ATTRIBUTES },
	{ "dictionary-dir", required_argument, NULL, OPT_DICT_DIR },
	{ "project-dictionary", required_argument, NULL, OPT_PROJECT_DICT },
	{ "nai", required_argument, NULL, OPT_NAI },
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "nt-hash", required_argument, NULL, OPT_NT_HASH },
	{ "home-address", required_argument, NULL, OPT_HOME_ADDRESS },
	{ "ha", required_argument, NULL, OPT_HA },
	{ "care-of", required_argument, NULL, OPT_CARE_OF },
	{ "mn-ha-spi", required_argument, NULL, OPT_MN_HA_SPI },
	{ "mn-fa-spi", required_argument, NULL, OPT_MN_FA_SPI },
	{ "aaa-spi", required_argument, NULL, OPT_AAA_SPI },
	{ "aaa-key", required_argument, NULL, OPT_AAA_KEY },
	{ "lifetime", required_argument, NULL, OPT_LIFETIME },
	{ "rekey", required_argument, NULL, OPT_REKEY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "kdc-spi", required_argument, NULL, OPT_KDC_SPI },
	{ "key0-file", required_argument, NULL, OPT_KEY0_FILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "eap", required_argument, NULL, OPT_EAP },
	{ "eap-root", required_argument, NULL, OPT_EAP_ROOT },
	{ "fa-ha-spi", required_argument, NULL, OPT_FA_HA_SPI },
	{ "eapol-test", required_argument, NULL, OPT_EAPOL_TEST },
	{ NULL, 0, NULL, 0 }
};

static int bad(char const *opt, char const *value, char const *why)
{
	fprintf(stderr, "mipkey-client: %s \"%s\": %s (see --help)\n", opt, value, why);
	return -1;
}

static int parse_u32(char const *opt, char const *s, uint32_t max, uint32_t *out)
{
	char		*end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || s[0] == '-' || v > max) return bad(opt, s, "not a number in range");
	*out = (uint32_t) v;
	return 0;
}

static int parse_addr(char const *opt, char const *s, uint8_t out[4])
{
	if (inet_pton(AF_INET, s, out) != 1) return bad(opt, s, "not an IPv4 address");
	return 0;
}

static int hex_nibble(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static void ntp_now(uint8_t out[8])
{
	struct timeval		tv;
	unsigned long long	v;
	int			i;

	gettimeofday(&tv, NULL);
	v = ((unsigned long long) tv.tv_sec + NTP_UNIX_OFFSET) << 32 | (((unsigned long long) tv.tv_usec << 32) / 1000000);
	for (i = 7; i >= 0; i--, v >>= 8) out[i] = v & 0xff;
}

static int parse_rekey(char const *s, uint8_t out[8])
{
	unsigned long long	v = 0;
	int			i;

	if (strcmp(s, "now") == 0) {
		ntp_now(out);			/* taken again after the registration */
		return 0;
	} else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		size_t len = strlen(s + 2);

		if (len == 0 || len > 16) return bad("--rekey", s, "0x and 1 to 16 hex digits");
		for (i = 2; s[i]; i++) {
			if (hex_nibble(s[i]) < 0) return bad("--rekey", s, "not hex");
			v = v << 4 | (unsigned long long) hex_nibble(s[i]);
		}
	} else {
		char *end;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno || !*s || *end || s[0] == '-') return bad("--rekey", s, "not a 64-bit number");
	}
	for (i = 7; i >= 0; i--, v >>= 8) out[i] = v & 0xff;
	return 0;
}

/* First line of a file, without the line end; malloc'd. */
static char *read_first_line(char const *opt, char const *path)
{
	FILE	*f = fopen(path, "r");
	char	buf[1024];
	size_t	len;

	if (!f) {
		fprintf(stderr, "mipkey-client: %s %s: %s\n", opt, path, strerror(errno));
		return NULL;
	}
	if (!fgets(buf, sizeof(buf), f)) buf[0] = '\0';
	fclose(f);
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	{
		char *out = strdup(buf);

		OPENSSL_cleanse(buf, sizeof(buf));
		return out;
	}
}

/* A secret given on the command line: copied, then overwritten in argv (hidden from ps). */
static char *take_secret_arg(char *arg)
{
	char *copy = strdup(arg);

	memset(arg, 'x', strlen(arg));
	return copy;
}

/* HEX (2 * min .. 2 * max digits, even) into out; *len gets the octets. Values are not echoed. */
static int parse_hex_key(char const *opt, char const *s, uint8_t *out, size_t min, size_t max, size_t *len)
{
	size_t i, n = strlen(s);

	if (n % 2 || n < 2 * min || n > 2 * max) return bad(opt, "...", "wrong number of hex digits");
	for (i = 0; i < n / 2; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0) return bad(opt, "...", "not hex");
		out[i] = (uint8_t) (hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* raddb/dictionary.mipkey when this binary runs from the build tree, else the installed one. */
static char const *default_project_dict(void)
{
	char	exe[PATH_MAX];
	ssize_t	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char	*slash;

	if (n > 0 && MIPKEY_BUILD_BINDIR[0]) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) *slash = '\0';
		if ((strcmp(exe, MIPKEY_BUILD_BINDIR) == 0 || strcmp(exe, MIPKEY_BUILD_BINDIR "/.libs") == 0) &&
		    access(MIPKEY_BUILD_DICT, R_OK) == 0) return MIPKEY_BUILD_DICT;
	}
	if (access(MIPKEY_INSTALLED_DICT, R_OK) == 0 || !MIPKEY_BUILD_DICT[0] ||
	    access(MIPKEY_BUILD_DICT, R_OK) != 0) return MIPKEY_INSTALLED_DICT;
	return MIPKEY_BUILD_DICT;
}

static int parse_options(int argc, char **argv, mc_options_t *o)
{
	int		c;
	uint32_t	v;

	memset(o, 0, sizeof(*o));
	o->dict_dir = DEFAULT_DICT_DIR;
	o->timeout = 3;
	o->retries = 3;
	o->lifetime = 1800;
	o->aaa_spi = 2;

	while ((c = getopt_long(argc, argv, "vh", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_SERVER:
			if (o->n_servers == MC_MAX_SERVERS) return bad("--server", optarg, "too many servers");
			o->servers[o->n_servers++] = optarg;
			break;
		case OPT_SECRET:
			free(o->secret);
			o->secret = take_secret_arg(optarg);
			break;
		case OPT_SECRET_FILE:
			free(o->secret);
			if (!(o->secret = read_first_line("--secret-file", optarg))) return -1;
			break;
		case OPT_SOURCE: o->source = optarg; break;
		case OPT_TIMEOUT: {
			char *end;

			o->timeout = strtod(optarg, &end);
			if (*end || !(o->timeout > 0) || o->timeout > 3600) return bad("--timeout", optarg, "seconds, > 0");
			break;
		}
		case OPT_RETRIES:
			if (parse_u32("--retries", optarg, 100, &v) < 0 || v == 0) return bad("--retries", optarg, "1 to 100");
			o->retries = (int) v;
			break;
		case OPT_ATTRIBUTES: o->attributes = true; break;
		case OPT_DICT_DIR: o->dict_dir = optarg; break;
		case OPT_PROJECT_DICT: o->project_dict = optarg; break;
		case OPT_NAI: o->nai = optarg; break;
		case OPT_PASSWORD:
			free(o->password);
			o->password = take_secret_arg(optarg);
			break;
		case OPT_PASSWORD_FILE:
			free(o->password);
			if (!(o->password = read_first_line("--password-file", optarg))) return -1;
			break;
		case OPT_NT_HASH: {
			size_t len;

			if (parse_hex_key("--nt-hash", optarg, o->nt_hash, MSCHAPV2_HASH_LEN, MSCHAPV2_HASH_LEN, &len) < 0) {
				return -1;
			}
			memset(optarg, 'x', strlen(optarg));
			o->have_nt_hash = true;
			break;
		}
		case OPT_HOME_ADDRESS:
			if (parse_addr("--home-address", optarg, o->home_address) < 0) return -1;
			break;
		case OPT_HA:
			if (parse_addr("--ha", optarg, o->home_agent) < 0) return -1;
			break;
		case OPT_CARE_OF:
			if (parse_addr("--care-of", optarg, o->care_of) < 0) return -1;
			o->care_of_set = true;
			break;
		case OPT_MN_HA_SPI:
			if (parse_u32("--mn-ha-spi", optarg, UINT32_MAX, &o->mn_ha_spi) < 0) return -1;
			o->mn_ha = true;
			break;
		case OPT_MN_FA_SPI:
			if (parse_u32("--mn-fa-spi", optarg, UINT32_MAX, &o->mn_fa_spi) < 0) return -1;
			o->mn_fa = true;
			break;
		case OPT_AAA_SPI:
			if (parse_u32("--aaa-spi", optarg, UINT32_MAX, &o->aaa_spi) < 0) return -1;
			break;
		case OPT_AAA_KEY:
			if (parse_hex_key("--aaa-key", optarg, o->aaa_key, 1, sizeof(o->aaa_key), &o->aaa_key_len) < 0) {
				return -1;
			}
			memset(optarg, 'x', strlen(optarg));
			o->have_aaa_key = true;
			break;
		case OPT_LIFETIME:
			if (parse_u32("--lifetime", optarg, 65535, &o->lifetime) < 0) return -1;
			break;
		case OPT_REKEY:
			if (parse_rekey(optarg, o->rekey_ts) < 0) return -1;
			o->rekey = true;
			o->rekey_now = strcmp(optarg, "now") == 0;
			break;
		case OPT_JSON: o->json = true; break;
		case OPT_KDC_SPI:
			if (parse_u32("--kdc-spi", optarg, UINT32_MAX, &o->kdc_spi) < 0) return -1;
			o->kdc = true;
			break;
		case OPT_KEY0_FILE: {
			char *hex = read_first_line("--key0-file", optarg);
			int rc = hex ? parse_hex_key("--key0-file", hex, o->key0, 16, 32, &o->key0_len) : -1;

			if (hex) OPENSSL_cleanse(hex, strlen(hex));
			free(hex);
			if (rc < 0) return -1;
			break;
		}
		case OPT_EAP: o->eap_conf = optarg; break;
		case OPT_EAPOL_TEST: o->eapol_test = optarg; break;
		case OPT_EAP_ROOT:
			if (strcmp(optarg, "emsk") && strcmp(optarg, "msk")) return bad("--eap-root", optarg, "emsk or msk");
			o->eap_root_msk = strcmp(optarg, "msk") == 0;
			break;
		case OPT_FA_HA_SPI:
			if (parse_u32("--fa-ha-spi", optarg, UINT32_MAX, &o->fa_ha_spi) < 0) return -1;
			o->fa_ha = true;
			break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(0);
		case OPT_VERSION: printf("mipkey-client (rlm_mipkey) %s\n", MIPKEY_VERSION); exit(0);
		default: return -1;
		}
	}
	if (optind < argc) return bad("argument", argv[optind], "unexpected");
	if (o->n_servers == 0) return bad("--server", "", "at least one is needed");
	if (!o->secret || !o->secret[0]) return bad("--secret", "", "a shared secret is needed");
	if (!o->project_dict) o->project_dict = default_project_dict();
	if (o->eap_conf) {
		if (!o->eapol_test) o->eapol_test = "eapol_test";
		if (!o->nai) return bad("--nai", "", "--eap needs the identity the EAP method authenticates");
		if (!o->mn_ha && !o->mn_fa) return bad("--eap", o->eap_conf, "ask for a key (--mn-ha-spi, --mn-fa-spi)");
		if (o->password || o->have_nt_hash) return bad("--eap", o->eap_conf, "no password: the EAP peer has it");
		if (o->json) return bad("--json", "", "not with --eap (table output only)");
		return 0;
	}
	if (!o->nai && !(o->home_address[0] | o->home_address[1] | o->home_address[2] | o->home_address[3])) {
		return bad("--nai", "", "give the node's NAI, or its --home-address");
	}
	if (o->kdc && o->json) return bad("--json", "", "not with --kdc-spi");
	if (o->kdc && o->key0_len != 16 && o->key0_len != 24 && o->key0_len != 32) {
		return bad("--key0-file", "", "--kdc-spi needs KEY0: 32, 48 or 64 hex digits");
	}
	if (!o->kdc && (o->password != NULL) == o->have_nt_hash) {
		return bad("--password", "", "give exactly one of --password, --password-file, --nt-hash");
	}
	return 0;
}

/* --- comparing and printing ---------------------------------------------------------------------- */

typedef enum { ROW_AGREE, ROW_DISAGREE, ROW_NA } row_status_t;

typedef struct {
	char const	*name;
	long long	spi;			/* -1: none */
	long long	lifetime;		/* -1: none */
	char		mn[160];		/* what the MN computed (hex, or text) */
	char		ha[160];		/* what the HA has; "" = nothing */
	char		nonce[160];
	char		ha_attr[48];
	char		note[160];
	row_status_t	status;
} row_t;

#define MAX_ROWS 8

static void wipe_rows(row_t *rows, int n)
{
	OPENSSL_cleanse(rows, sizeof(row_t) * (size_t) n);
}

static row_t *new_row(row_t *rows, int *n, char const *name)
{
	row_t *r = &rows[(*n)++];

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->spi = r->lifetime = -1;
	return r;
}

static bool bytes_equal(uint8_t const *a, size_t alen, uint8_t const *b, size_t blen)
{
	return alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}

static void key_row(row_t *rows, int *n, char const *name, uint32_t want_spi, mc_ha_key_t const *hk,
		    bool mn_has, uint32_t mn_spi, uint32_t mn_lifetime, uint8_t const *nonce, size_t nonce_len,
		    uint8_t const *mn_key, char const *rrp_error)
{
	row_t *r = new_row(rows, n, name);

	r->spi = want_spi;
	r->status = ROW_DISAGREE;
	if (hk->present) {
		mc_hex(r->ha, hk->key, hk->key_len > 64 ? 64 : hk->key_len);
		snprintf(r->ha_attr, sizeof(r->ha_attr), "%s", hk->attr);
		if (hk->has_lifetime) r->lifetime = hk->lifetime;
	}
	if (mn_has) {
		mc_hex(r->mn, mn_key, RFC3957_KEY_LEN);
		mc_hex(r->nonce, nonce, nonce_len > 64 ? 64 : nonce_len);
		if (r->lifetime < 0) r->lifetime = mn_lifetime;
	}
	if (!hk->present) {
		snprintf(r->note, sizeof(r->note), "the Access-Accept has no %s key", name);
	} else if (!mn_has) {
		snprintf(r->note, sizeof(r->note), "the MN got no %s KeyGen Reply (%s)", name,
			 rrp_error[0] ? rrp_error : "the AAA sent none");
	} else if (hk->has_spi && hk->spi != want_spi) {
		snprintf(r->note, sizeof(r->note), "the HA got SPI %u, the MN asked for %u", hk->spi, want_spi);
	} else if (mn_spi != want_spi) {
		snprintf(r->note, sizeof(r->note), "the KeyGen Reply names SPI %u, the MN asked for %u", mn_spi, want_spi);
	} else if (hk->has_lifetime && hk->lifetime != mn_lifetime) {
		snprintf(r->note, sizeof(r->note), "lifetime %u at the HA, %u in the KeyGen Reply", hk->lifetime,
			 mn_lifetime);
	} else if (!bytes_equal(hk->key, hk->key_len, mn_key, RFC3957_KEY_LEN)) {
		snprintf(r->note, sizeof(r->note), "the keys differ");
	} else {
		r->status = ROW_AGREE;
	}
}

static void plain_row(row_t *rows, int *n, char const *name, uint8_t const *mn, size_t mn_len, bool ha_has,
		      uint8_t const *ha, size_t ha_len, char const *ha_attr, char const *na_note)
{
	row_t *r = new_row(rows, n, name);

	mc_hex(r->mn, mn, mn_len);
	if (!ha_has) {
		r->status = ROW_NA;
		snprintf(r->note, sizeof(r->note), "%s", na_note);
		return;
	}
	mc_hex(r->ha, ha, ha_len > 64 ? 64 : ha_len);
	snprintf(r->ha_attr, sizeof(r->ha_attr), "%s", ha_attr);
	r->status = bytes_equal(mn, mn_len, ha, ha_len) ? ROW_AGREE : ROW_DISAGREE;
	if (r->status == ROW_DISAGREE) snprintf(r->note, sizeof(r->note), "the values differ");
}

static int compare(mc_options_t const *opt, mc_ha_t const *ha, mc_mn_keys_t const *mk, row_t *rows, int *n)
{
	row_t	*r;
	int	i;

	/* The MN checks the AAA: MS-CHAP2-Success proves the AAA knew k. */
	r = new_row(rows, n, "MS-CHAP2-Success");
	snprintf(r->mn, sizeof(r->mn), "%s", mk->auth_response);
	if (!ha->has_success) {
		r->status = ROW_DISAGREE;
		snprintf(r->note, sizeof(r->note), "the Access-Accept has no MS-CHAP2-Success");
	} else {
		snprintf(r->ha, sizeof(r->ha), "%s", ha->auth_response);
		snprintf(r->ha_attr, sizeof(r->ha_attr), "MS-CHAP2-Success");
		if (ha->success_ident != ha->mschap_ident) {
			r->status = ROW_DISAGREE;
			snprintf(r->note, sizeof(r->note), "ident %u, the request had %u", ha->success_ident, ha->mschap_ident);
		} else if (CRYPTO_memcmp(ha->auth_response, mk->auth_response, MSCHAPV2_AUTH_RESPONSE_LEN) != 0) {
			r->status = ROW_DISAGREE;
			snprintf(r->note, sizeof(r->note), "not the authenticator response the MN expects");
		} else {
			r->status = ROW_AGREE;
			snprintf(r->note, sizeof(r->note), "the AAA proved it knows the password hash");
		}
	}

	if (opt->mn_ha) {
		key_row(rows, n, "MN-HA", opt->mn_ha_spi, &ha->mn_ha, mk->mn_ha, mk->mn_ha_spi, mk->mn_ha_lifetime,
			mk->mn_ha_nonce, mk->mn_ha_nonce_len, mk->mn_ha_key, mk->rrp_error);
	}
	if (opt->mn_fa) {
		key_row(rows, n, "MN-FA", opt->mn_fa_spi, &ha->mn_fa, mk->mn_fa, mk->mn_fa_spi, mk->mn_fa_lifetime,
			mk->mn_fa_nonce, mk->mn_fa_nonce_len, mk->mn_fa_key, mk->rrp_error);
	}
	plain_row(rows, n, "MS-MPPE-Send-Key", mk->mppe_send, sizeof(mk->mppe_send), ha->has_mppe_send,
		  ha->mppe_send, ha->mppe_send_len, "MS-MPPE-Send-Key", "not sent (use_mppe = no)");
	plain_row(rows, n, "MS-MPPE-Recv-Key", mk->mppe_recv, sizeof(mk->mppe_recv), ha->has_mppe_recv,
		  ha->mppe_recv, ha->mppe_recv_len, "MS-MPPE-Recv-Key", "not sent (use_mppe = no)");
	plain_row(rows, n, "Skey", mk->skey, sizeof(mk->skey), ha->ha_skey_valid, ha->ha_skey, MIP_SKEY_LEN,
		  ha->ha_skey_from, "the HA got neither Mipkey-Skey nor Mipkey-Master-Key");
	if (opt->rekey) {
		plain_row(rows, n, "Skey'", mk->skey_rekey, sizeof(mk->skey_rekey), ha->ha_skey_valid,
			  ha->ha_skey_rekey, MIP_SKEY_LEN, ha->ha_skey_from,
			  "the HA got neither Mipkey-Skey nor Mipkey-Master-Key");
	}
	for (i = 0; i < *n; i++) if (rows[i].status == ROW_DISAGREE) return MC_EXIT_DISAGREE;
	return MC_EXIT_AGREE;
}

static char const *status_word(row_status_t s)
{
	return s == ROW_AGREE ? "yes" : s == ROW_DISAGREE ? "NO" : "n/a";
}

static void print_table(mc_options_t const *opt, mc_mn_t const *mn, mc_ha_t const *ha, row_t const *rows, int n,
			int status)
{
	char	hex[2 * MC_RRQ_MAX + 1];
	int	i;

	printf("mipkey-client: %s via %s: %s\n", mn->user_name, ha->server[0] ? ha->server : "-",
	       ha->code == 2 ? "Access-Accept" : ha->code == 3 ? "Access-Reject" : ha->code ? "unexpected reply" :
	       "no reply");
	if (ha->reply_message[0]) printf("  Reply-Message: %s\n", ha->reply_message);
	if (ha->mschap_error[0]) printf("  MS-CHAP-Error: %s\n", ha->mschap_error);
	printf("  mobile node: %s, Registration Request of %zu octets (%s)\n",
	       opt->nai ? "identified by its NAI" : "identified by its home address", mn->rrq_len,
	       opt->attributes ? "the HA sent Mipkey-* attributes" : "forwarded in Mipkey-Registration-Request");
	printf("  challenge (made by the MN)   %s\n", mc_hex(hex, mn->challenge, sizeof(mn->challenge)));
	printf("  peer challenge = MD5(RRQ)    %s\n", mc_hex(hex, mn->peer_challenge, sizeof(mn->peer_challenge)));
	printf("  NT-Response                  %s\n", mc_hex(hex, mn->nt_response, sizeof(mn->nt_response)));
	printf("  Identification (timestamp)   %s\n", mc_hex(hex, mn->identification, sizeof(mn->identification)));
	if (opt->rekey) printf("  re-registration timestamp    %s\n", mc_hex(hex, opt->rekey_ts, sizeof(opt->rekey_ts)));
	if (n == 0) {
		printf("\nMN and HA agree: no (%s)\n", ha->code == 3 ? "Access-Reject: no keys" :
		       ha->code ? "no Access-Accept: no keys" : "no reply from the AAA server");
		return;
	}

	printf("\n  %-17s %-10s %-9s %-6s %s\n", "key", "SPI", "lifetime", "agree", "value");
	for (i = 0; i < n; i++) {
		row_t const	*r = &rows[i];
		char		spi[24] = "-", life[24] = "-";

		if (r->spi >= 0) snprintf(spi, sizeof(spi), "%lld", r->spi);
		if (r->lifetime >= 0) snprintf(life, sizeof(life), "%lld", r->lifetime);
		if (r->status == ROW_AGREE) {
			printf("  %-17s %-10s %-9s %-6s %s\n", r->name, spi, life, "yes", r->mn);
		} else {
			printf("  %-17s %-10s %-9s %-6s MN %s\n", r->name, spi, life, status_word(r->status),
			       r->mn[0] ? r->mn : "-");
			if (r->status == ROW_DISAGREE) printf("  %-17s %-10s %-9s %-6s HA %s\n", "", "", "", "",
							      r->ha[0] ? r->ha : "-");
			if (r->note[0]) printf("  %-17s %-10s %-9s %-6s (%s)\n", "", "", "", "", r->note);
		}
	}
	printf("\nMN and HA agree: %s\n", status == MC_EXIT_AGREE ? "yes" : "no");
}

static void json_string(char const *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char) *s;

		if (c == '"' || c == '\\') printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f) printf("\\u%04x", c);
		else putchar(c);
	}
	putchar('"');
}

static void json_hex(char const *name, uint8_t const *p, size_t len, bool comma)
{
	char hex[2 * 256 + 1];

	printf("\"%s\": \"%s\"%s", name, mc_hex(hex, p, len > 256 ? 256 : len), comma ? ", " : "");
}

static void print_json(mc_options_t const *opt, mc_mn_t const *mn, mc_ha_t const *ha, row_t const *rows, int n,
		       int status)
{
	char	addr[INET_ADDRSTRLEN];
	int	i;

	printf("{\"server\": ");
	json_string(ha->server);
	printf(", \"reply\": \"%s\", \"reply_message\": ",
	       ha->code == 2 ? "Access-Accept" : ha->code == 3 ? "Access-Reject" : ha->code ? "other" : "none");
	json_string(ha->reply_message);
	printf(", \"ms_chap_error\": ");
	json_string(ha->mschap_error);
	printf(", \"mode\": \"%s\", \"user_name\": ", opt->attributes ? "attributes" : "registration-request");
	json_string(mn->user_name);
	printf(", \"nai\": ");
	if (opt->nai) json_string(opt->nai); else printf("null");
	inet_ntop(AF_INET, opt->home_address, addr, sizeof(addr));
	printf(", \"home_address\": \"%s\", ", addr);
	json_hex("mn_identifier", mn->mn_id, mn->mn_id_len, true);
	json_hex("challenge", mn->challenge, sizeof(mn->challenge), true);
	json_hex("peer_challenge", mn->peer_challenge, sizeof(mn->peer_challenge), true);
	json_hex("nt_response", mn->nt_response, sizeof(mn->nt_response), true);
	json_hex("identification", mn->identification, sizeof(mn->identification), true);
	json_hex("registration_request", mn->rrq, mn->rrq_len, true);
	json_hex("registration_reply", ha->rrp, ha->rrp_len, true);
	if (opt->rekey) json_hex("rekey_timestamp", opt->rekey_ts, sizeof(opt->rekey_ts), true);
	printf("\"keys\": [");
	for (i = 0; i < n; i++) {
		row_t const *r = &rows[i];

		printf("%s{\"key\": ", i ? ", " : "");
		json_string(r->name);
		if (r->spi >= 0) printf(", \"spi\": %lld", r->spi); else printf(", \"spi\": null");
		if (r->lifetime >= 0) printf(", \"lifetime\": %lld", r->lifetime); else printf(", \"lifetime\": null");
		if (r->nonce[0]) printf(", \"nonce\": \"%s\"", r->nonce);
		printf(", \"mn\": ");
		if (r->mn[0]) json_string(r->mn); else printf("null");
		printf(", \"ha\": ");
		if (r->ha[0]) json_string(r->ha); else printf("null");
		printf(", \"ha_attribute\": ");
		if (r->ha_attr[0]) json_string(r->ha_attr); else printf("null");
		printf(", \"agree\": %s, \"note\": ",
		       r->status == ROW_AGREE ? "true" : r->status == ROW_DISAGREE ? "false" : "null");
		json_string(r->note);
		printf("}");
	}
	printf("], \"agree\": %s, \"exit_status\": %d}\n", status == MC_EXIT_AGREE ? "true" : "false", status);
}

int main(int argc, char **argv)
{
	mc_options_t	opt;
	mc_mn_t		mn;
	mc_ha_t		ha;
	mc_mn_keys_t	mk;
	row_t		rows[MAX_ROWS];
	int		n = 0, status;
	char const	*err = NULL;

	memset(&mn, 0, sizeof(mn));
	memset(&ha, 0, sizeof(ha));
	memset(&mk, 0, sizeof(mk));
	if (parse_options(argc, argv, &opt) < 0) {
		status = MC_EXIT_USAGE;
		goto done;
	}
	if (opt.eap_conf) {		/* keys from EAP authentication: mipkey-eap.c */
		status = mc_eap_exchange(&opt);
		goto done;
	}
	if (mschapv2_crypto_init(&err) < 0) {
		fprintf(stderr, "mipkey-client: %s\n", err ? err : "cannot load OpenSSL's MD4 / DES");
		status = MC_EXIT_USAGE;
		goto done;
	}
	if (opt.kdc) {
		status = mc_kdc_run(&opt);
		goto done;
	}
	if (mc_mn_register(&opt, &mn) < 0) {
		status = MC_EXIT_USAGE;
		goto done;
	}
	if (opt.rekey_now) ntp_now(opt.rekey_ts);	/* a re-registration comes after the registration */

	status = mc_ha_exchange(&opt, mn.rrq, mn.rrq_len, &ha);
	if (status == MC_EXIT_USAGE) {
		fprintf(stderr, "mipkey-client: %s\n", ha.error);
		goto done;
	}
	if (status == MC_EXIT_NO_REPLY || status == MC_EXIT_BAD_REPLY) {
		fprintf(stderr, "mipkey-client: no %sreply from %s%s\n", status == MC_EXIT_BAD_REPLY ? "valid " : "",
			opt.n_servers > 1 ? "any server" : opt.servers[0],
			status == MC_EXIT_BAD_REPLY ? " (replies failed verification: wrong shared secret?)" : "");
	} else if (status == MC_EXIT_AGREE) {
		if (mc_mn_derive(&opt, &mn, ha.rrp, ha.rrp_len, &mk) < 0) {
			status = MC_EXIT_USAGE;
			goto done;
		}
		status = compare(&opt, &ha, &mk, rows, &n);
	}
	if (opt.json) {
		print_json(&opt, &mn, &ha, rows, n, status);
	} else {
		print_table(&opt, &mn, &ha, rows, n, status);
	}

done:
	fflush(stdout);
	wipe_rows(rows, MAX_ROWS);
	OPENSSL_cleanse(&mk, sizeof(mk));
	OPENSSL_cleanse(&ha, sizeof(ha));
	OPENSSL_cleanse(&mn, sizeof(mn));
	if (opt.secret) {
		OPENSSL_cleanse(opt.secret, strlen(opt.secret));
		free(opt.secret);
	}
	if (opt.password) {
		OPENSSL_cleanse(opt.password, strlen(opt.password));
		free(opt.password);
	}
	OPENSSL_cleanse(&opt, sizeof(opt));
	mc_ha_cleanup();
	mschapv2_crypto_free();
	return status;
}
