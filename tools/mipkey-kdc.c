/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mipkey-kdc.c - mipkey-client in the key distribution centre mode (--kdc-spi, --key0-file):
 * both sides of the seed 001 exchange (docs/PROTOCOL.md section 5).
 *
 * As the mobile node: the Registration Request's fixed part and the Encrypted NAI extension
 * (the NAI under KEY0's identity key, AES-GCM); afterwards it unwraps the MN Key Reply
 * extension with KEY0 (RFC 5649) and, in the semi-stateful mode, derives KEY1 and KEY3 from
 * K_SEED with the PRF. As the home agent: the Access-Request (User-Name = "@realm" only,
 * Mipkey-KDC-Request, Message-Authenticator) over libfreeradius-radius, and the keys from
 * whatever the client's reply profile sends. "MN and HA agree: yes" only when every key the
 * mobile node holds equals the home agent's.
 */
#include <freeradius/libradius.h>

#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mipkey-client.h"
#include "kdc.h"
#include "pairs.h"
#include "wire.h"

typedef struct {
	uint8_t		k_enc[KDC_KEY0_MAX], k_wrap[KDC_KEY0_MAX];
	uint8_t		rrq[KDC_RRQ_FIXED_LEN];
	uint8_t		request[KDC_REQUEST_MAX];
	size_t		request_len;
	kdc_mn_keys_t	mk;
	uint8_t		mn_key1[KDC_KEY_LEN], mn_key3[KDC_KEY_LEN], mn_key2[KDC_KEY_LEN];
	bool		mn_has_key2;			/* semi-stateful: the MN can check the FA-HA key too */
	uint8_t		ha_key1[64], ha_key2[64], ha_key3[64], ha_seed[64], mn_reply[KDC_MN_KEYS_MAX];
	size_t		ha_key1_len, ha_key2_len, ha_key3_len, ha_seed_len, mn_reply_len;
	char		ha_key1_attr[48], ha_key3_attr[48];
	char		reply_message[256];
} kdc_run_t;

static bool vp_copy(RADIUS_PACKET *p, char const *name, uint8_t *out, size_t size, size_t *len)
{
	DICT_ATTR const	*da = dict_attrbyname(name);
	VALUE_PAIR	*vp = da ? fr_pair_find_by_da(p->vps, da, TAG_ANY) : NULL;

	if (!vp || vp->vp_length > size) return false;
	memcpy(out, vp->vp_octets, vp->vp_length);
	*len = vp->vp_length;
	return true;
}

/* The HA's copy of a key: the first of the attributes (profile's first, then Mipkey-*) present. */
static void ha_key(RADIUS_PACKET *p, char const *const names[], uint8_t *out, size_t *len, char *attr)
{
	for (; *names; names++) {
		if (vp_copy(p, *names, out, 64, len)) {
			snprintf(attr, 48, "%s", *names);
			return;
		}
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Cisco-AVPair "mobileip:spi#N=spi <SPI> key hex <hex> ...". */
static void ha_key_cisco(RADIUS_PACKET *p, kdc_run_t *k)
{
	DICT_ATTR const	*da = dict_attrbyname("Cisco-AVPair");
	VALUE_PAIR	*vp;
	char const	*key;
	size_t		n = 0;

	if (k->ha_key1_len || !da) return;
	for (vp = p->vps; vp; vp = vp->next) {
		if (vp->da != da || !(key = strstr(vp->vp_strvalue, " key hex "))) continue;
		for (key += 9; n < sizeof(k->ha_key1) && hexval(key[0]) >= 0 && hexval(key[1]) >= 0; key += 2) {
			k->ha_key1[n++] = (uint8_t) (hexval(key[0]) << 4 | hexval(key[1]));
		}
		k->ha_key1_len = n;
		snprintf(k->ha_key1_attr, sizeof(k->ha_key1_attr), "Cisco-AVPair");
		return;
	}
}

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* One server: send (retries times) and wait for a verified reply. */
static RADIUS_PACKET *exchange(TALLOC_CTX *ctx, mc_options_t const *opt, char const *server, char const *realm,
			       kdc_run_t const *k, int *bad)
{
	fr_ipaddr_t	dst, src;
	uint16_t	port = 0;
	int		fd, i, id;
	RADIUS_PACKET	*req, *reply = NULL;
	uint8_t		zero16[16] = { 0 };
	char		outer[MC_NAI_MAX + 2];

	memset(&dst, 0, sizeof(dst));
	memset(&src, 0, sizeof(src));
	if (fr_pton_port(&dst, &port, server, -1, AF_UNSPEC, true) < 0) return NULL;
	if (!port) port = PW_AUTH_UDP_PORT;
	if (opt->source && fr_pton(&src, opt->source, -1, dst.af, true) < 0) return NULL;
	fd = fr_socket_client_udp(opt->source ? &src : NULL, &dst, port, false);
	if (fd < 0) return NULL;
	req = rad_alloc(ctx, true);
	if (!req || RAND_bytes(req->vector, sizeof(req->vector)) != 1 || RAND_bytes((uint8_t *) &id, sizeof(id)) != 1) {
		close(fd);
		return NULL;
	}
	req->code = PW_CODE_ACCESS_REQUEST;
	req->sockfd = fd;
	req->dst_ipaddr = dst;
	req->dst_port = port;
	req->id = id & 0xff;
	snprintf(outer, sizeof(outer), "@%s", realm);
	if (!pairs_add_string(req, &req->vps, dict_attrbyname("User-Name"), outer, strlen(outer)) ||
	    !pairs_add_octets(req, &req->vps, dict_attrbyname("Mipkey-KDC-Request"), k->request, k->request_len) ||
	    !pairs_add_octets(req, &req->vps, dict_attrbyname("Message-Authenticator"), zero16, sizeof(zero16))) {
		close(fd);
		return NULL;
	}
	for (i = 0; i < opt->retries && !reply; i++) {
		double deadline = now() + opt->timeout;

		if (rad_send(req, NULL, opt->secret) < 0) break;
		while (!reply) {
			struct pollfd	pfd = { .fd = fd, .events = POLLIN };
			double		left = deadline - now();
			RADIUS_PACKET	*r;

			if (left <= 0 || poll(&pfd, 1, (int) (left * 1000) + 1) <= 0) break;
			r = rad_recv(ctx, fd, 0);
			if (!r) continue;
			if (r->id == req->id && rad_verify(r, req, opt->secret) == 0 && rad_decode(r, req, opt->secret) == 0) {
				reply = r;
			} else {
				(*bad)++;
				rad_free(&r);
			}
		}
	}
	close(fd);
	return reply;
}

static void row(char const *name, uint32_t spi, bool has_spi, uint8_t const *mn, size_t mn_len,
		uint8_t const *ha, size_t ha_len, char const *attr, bool *all)
{
	char	mh[2 * 64 + 1], hh[2 * 64 + 1], s[16] = "-";
	bool	agree = mn_len && mn_len == ha_len && CRYPTO_memcmp(mn, ha, mn_len) == 0;

	if (has_spi) snprintf(s, sizeof(s), "%u", spi);
	*all = *all && agree;
	if (agree) {
		printf("  %-10s %-10s %-6s %s  (HA: %s)\n", name, s, "yes", mc_hex(mh, mn, mn_len), attr);
		return;
	}
	printf("  %-10s %-10s %-6s MN %s\n", name, s, "no", mn_len ? mc_hex(mh, mn, mn_len) : "-");
	printf("  %-10s %-10s %-6s HA %s  (%s)\n", "", "", "", ha_len ? mc_hex(hh, ha, ha_len > 64 ? 64 : ha_len) : "-",
	       ha_len ? attr : "not in the Access-Accept");
	OPENSSL_cleanse(hh, sizeof(hh));
}

int mc_kdc_run(mc_options_t const *opt)
{
	static char const *const key1_attrs[] = { "Mipkey-MN-HA-Key", "3GPP2-MN-HA-Shared-Key", "WiMAX-MN-hHA-MIP4-Key",
						  NULL };
	static char const *const key3_attrs[] = { "Mipkey-MN-FA-Key", "WiMAX-FA-RK-Key", NULL };
	kdc_run_t	*k;
	TALLOC_CTX	*ctx;
	RADIUS_PACKET	*reply = NULL;
	char const	*realm, *err = NULL, *server = NULL;
	char		dir[PATH_MAX], file[PATH_MAX];
	uint8_t		nonce[KDC_NONCE_LEN];
	uint64_t	ident;
	ssize_t		n;
	int		i, bad = 0, status = MC_EXIT_USAGE, opened;
	bool		all = true;

	realm = opt->nai ? strchr(opt->nai, '@') : NULL;
	if (!realm || !realm[1]) {
		fprintf(stderr, "mipkey-client: --kdc-spi needs --nai user@realm (the realm is the outer identity)\n");
		return MC_EXIT_USAGE;
	}
	realm++;
	k = calloc(1, sizeof(*k));
	ctx = talloc_new(NULL);
	if (!k || !ctx) goto done;

	/* The mobile node: its Registration Request header and its encrypted identity. */
	ident = ((uint64_t) ((uint64_t) time(NULL) + NTP_UNIX_OFFSET) << 32);
	k->rrq[0] = 1;
	put16(k->rrq + 2, (uint16_t) (opt->lifetime > 65535 ? 65535 : opt->lifetime));
	memcpy(k->rrq + 4, opt->home_address, 4);
	memcpy(k->rrq + 8, opt->home_agent, 4);
	memcpy(k->rrq + 12, opt->care_of, 4);
	if (RAND_bytes(nonce, sizeof(nonce)) != 1 || RAND_bytes(k->rrq + 20, 4) != 1) goto done;
	put32(k->rrq + 16, (uint32_t) (ident >> 32));
	if (kdc_key0_subkeys(opt->key0, opt->key0_len, k->k_enc, k->k_wrap) < 0) goto done;
	n = kdc_request_build(k->k_enc, opt->key0_len, k->rrq, opt->kdc_spi, opt->mn_ha_spi, opt->mn_fa_spi, nonce,
			      (uint8_t const *) opt->nai, strlen(opt->nai), k->request, sizeof(k->request));
	if (n < 0) {
		fprintf(stderr, "mipkey-client: cannot build the Encrypted NAI (NAI longer than %d octets?)\n", KDC_NAI_MAX);
		goto done;
	}
	k->request_len = (size_t) n;

	/* The home agent: ask the AAA server. */
	if (fr_check_lib_magic(RADIUSD_MAGIC_NUMBER) < 0 || dict_init(opt->dict_dir, "dictionary") < 0) {
		fprintf(stderr, "mipkey-client: cannot read the FreeRADIUS dictionaries: %s\n", fr_strerror());
		goto done;
	}
	snprintf(dir, sizeof(dir), "%s", opt->project_dict);
	snprintf(file, sizeof(file), "%s", opt->project_dict);
	if (dict_read(dirname(dir), basename(file)) < 0 || !dict_attrbyname("Mipkey-KDC-Request")) {
		fprintf(stderr, "mipkey-client: the project dictionary %s has no Mipkey-KDC-Request\n", opt->project_dict);
		goto done;
	}
	for (i = 0; i < opt->n_servers && !reply; i++) {
		server = opt->servers[i];
		reply = exchange(ctx, opt, server, realm, k, &bad);
	}
	printf("mipkey-client: %s (KEY0 SPI %u) via %s: %s\n", opt->nai, opt->kdc_spi, reply ? server : "-",
	       !reply ? "no reply" : reply->code == PW_CODE_ACCESS_ACCEPT ? "Access-Accept" :
	       reply->code == PW_CODE_ACCESS_REJECT ? "Access-Reject" : "unexpected reply");
	printf("  key distribution centre mode: outer identity \"@%s\", Encrypted NAI of %zu octets\n", realm,
	       strlen(opt->nai));
	if (!reply) {
		status = bad ? MC_EXIT_BAD_REPLY : MC_EXIT_NO_REPLY;
		printf("\nMN and HA agree: no (no reply from the AAA server)\n");
		goto done;
	}
	{
		size_t len = 0;
		uint8_t msg[sizeof(k->reply_message) - 1];

		if (vp_copy(reply, "Reply-Message", msg, sizeof(msg), &len)) {
			memcpy(k->reply_message, msg, len);
			printf("  Reply-Message: %s\n", k->reply_message);
		}
	}
	if (reply->code != PW_CODE_ACCESS_ACCEPT) {
		status = MC_EXIT_REJECT;
		printf("\nMN and HA agree: no (Access-Reject: no keys)\n");
		goto done;
	}
	ha_key(reply, key1_attrs, k->ha_key1, &k->ha_key1_len, k->ha_key1_attr);
	ha_key_cisco(reply, k);
	ha_key(reply, key3_attrs, k->ha_key3, &k->ha_key3_len, k->ha_key3_attr);
	vp_copy(reply, "Mipkey-FA-HA-Key", k->ha_key2, sizeof(k->ha_key2), &k->ha_key2_len);
	vp_copy(reply, "Mipkey-KDC-Seed", k->ha_seed, sizeof(k->ha_seed), &k->ha_seed_len);

	/* The mobile node again: the MN Key Reply extension the HA copies into the Registration Reply. */
	status = MC_EXIT_DISAGREE;
	if (!vp_copy(reply, "Mipkey-KDC-MN-Keys", k->mn_reply, sizeof(k->mn_reply), &k->mn_reply_len)) {
		printf("\nMN and HA agree: no (the Access-Accept has no Mipkey-KDC-MN-Keys for the mobile node)\n");
		goto done;
	}
	opened = kdc_mn_keys_open(k->k_wrap, opt->key0_len, k->mn_reply, k->mn_reply_len, &k->mk, &err);
	if (opened <= 0) {
		printf("\nMN and HA agree: no (%s)\n", opened < 0 ? err : "the wrapped keys do not unwrap under KEY0 "
		       "(RFC 5649 integrity check failed)");
		goto done;
	}
	if (k->mk.mode == KDC_MODE_STATEFUL) {
		memcpy(k->mn_key1, k->mk.keys, KDC_KEY_LEN);
		memcpy(k->mn_key3, k->mk.keys + KDC_KEY_LEN, KDC_KEY_LEN);
	} else {
		uint8_t const	*nai = (uint8_t const *) opt->nai;
		size_t		nai_len = strlen(opt->nai);

		if (kdc_prf(k->mk.keys, KDC_SEED_LEN, nai, nai_len, NULL, 0, opt->home_agent, 4, opt->home_address, 4,
			    k->mn_key1, KDC_KEY_LEN) < 0 ||
		    kdc_prf(k->mk.keys, KDC_SEED_LEN, NULL, 0, NULL, 0, opt->home_agent, 4, opt->care_of, 4,
			    k->mn_key2, KDC_KEY_LEN) < 0 ||
		    kdc_prf(k->mk.keys, KDC_SEED_LEN, nai, nai_len, NULL, 0, opt->care_of, 4, opt->home_address, 4,
			    k->mn_key3, KDC_KEY_LEN) < 0) goto done;
		k->mn_has_key2 = true;
	}
	printf("  mode %s, lifetime %u, MN Key Reply extension of %zu octets (KEY0 SPI %u)\n\n",
	       k->mk.mode == KDC_MODE_STATEFUL ? "stateful (KEY1 || KEY3 wrapped)" : "semi-stateful (K_SEED wrapped)",
	       k->mk.lifetime, k->mn_reply_len, k->mk.key0_spi);
	printf("  %-10s %-10s %-6s %s\n", "key", "SPI", "agree", "value");
	row("KEY1 MN-HA", k->mk.mn_ha_spi, true, k->mn_key1, KDC_KEY_LEN, k->ha_key1, k->ha_key1_len, k->ha_key1_attr,
	    &all);
	row("KEY3 MN-FA", k->mk.mn_fa_spi, true, k->mn_key3, KDC_KEY_LEN, k->ha_key3, k->ha_key3_len, k->ha_key3_attr,
	    &all);
	if (k->mn_has_key2) {
		row("KEY2 FA-HA", 0, false, k->mn_key2, KDC_KEY_LEN, k->ha_key2, k->ha_key2_len, "Mipkey-FA-HA-Key", &all);
		row("K_SEED", 0, false, k->mk.keys, KDC_SEED_LEN, k->ha_seed, k->ha_seed_len, "Mipkey-KDC-Seed", &all);
	}
	if (k->mk.mn_ha_spi != opt->mn_ha_spi || k->mk.mn_fa_spi != opt->mn_fa_spi || k->mk.key0_spi != opt->kdc_spi) {
		printf("  (the MN Key Reply names other SPIs than the MN sent)\n");
		all = false;
	}
	if (all) {
		printf("\nMN and HA agree: yes\n");
		status = MC_EXIT_AGREE;
	} else {
		printf("\nMN and HA agree: no\n");
	}

done:
	fflush(stdout);
	if (k) {
		OPENSSL_cleanse(k, sizeof(*k));
		free(k);
	}
	OPENSSL_cleanse(nonce, sizeof(nonce));
	if (reply) {
		VALUE_PAIR *vp;

		for (vp = reply->vps; vp; vp = vp->next) {
			if (vp->da->type == PW_TYPE_OCTETS || vp->da->type == PW_TYPE_STRING) {
				OPENSSL_cleanse((void *) vp->vp_octets, vp->vp_length);
			}
		}
	}
	talloc_free(ctx);
	return status;
}
