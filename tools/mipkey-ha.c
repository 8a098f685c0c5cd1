/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mipkey-ha.c - mipkey-client playing the home agent.
 *
 * The home agent reads the mobile node's Registration Request (the project's parser,
 * mip_ext.h), turns it into an Access-Request, and talks to the AAA server with
 * FreeRADIUS's own client library (libfreeradius-radius from Debian): dictionaries,
 * packet allocation, encoding, signing (Message-Authenticator), sending, receiving,
 * verifying the Response Authenticator, decoding, and the RFC 2548 salt decryption of the
 * keys. Nothing of RADIUS is written by hand here. The keys the HA got are then compared
 * with the mobile node's by mipkey-client.c; the KeyGen Reply extensions go into the
 * Registration Reply for the mobile node.
 */
#include <freeradius/libradius.h>

#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mipkey-client.h"
#include "mip_ext.h"
#include "pairs.h"

static TALLOC_CTX	*ha_ctx;
static RADIUS_PACKET	*ha_request;
static RADIUS_PACKET	*ha_reply;
static bool		dict_loaded;

/* What the HA read from the Registration Request. */
typedef struct {
	char		user_name[MC_NAI_MAX + 1];
	uint8_t		challenge[MSCHAPV2_CHALLENGE_LEN];
	uint8_t		peer_challenge[MSCHAPV2_CHALLENGE_LEN];
	uint8_t		nt_response[MSCHAPV2_NT_RESPONSE_LEN];
	mip_rrq_t	rrq;
} ha_rrq_t;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int local_error(mc_ha_t *ha, char const *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ha->error, sizeof(ha->error), fmt, ap);
	va_end(ap);
	return MC_EXIT_USAGE;
}

/* Wipes the values (decrypted keys included) of a list before it is freed. */
static void wipe_vps(VALUE_PAIR *vps)
{
	VALUE_PAIR *vp;

	for (vp = vps; vp; vp = vp->next) {
		if ((vp->da->type == PW_TYPE_OCTETS || vp->da->type == PW_TYPE_STRING) && vp->vp_length &&
		    vp->vp_octets) {
			OPENSSL_cleanse((void *) vp->vp_octets, vp->vp_length);
		}
	}
}

static void free_packet(RADIUS_PACKET **p)
{
	if (!*p) return;
	wipe_vps((*p)->vps);
	if ((*p)->data && (*p)->data_len) OPENSSL_cleanse((*p)->data, (*p)->data_len);
	rad_free(p);
}

void mc_ha_cleanup(void)
{
	free_packet(&ha_reply);
	free_packet(&ha_request);
	TALLOC_FREE(ha_ctx);
	if (dict_loaded) dict_free();
	dict_loaded = false;
}

/*
 * The home agent's reading of the RRQ: the seed's MN puts the authenticator challenge in
 * the challenge extension (132) and the NT-Response in the MN-AAA authenticator; the peer
 * challenge is not sent, the HA recomputes it as MD5 of the request with that
 * authenticator zero-filled.
 */
static int read_rrq(uint8_t const *buf, size_t len, ha_rrq_t *r, mc_ha_t *ha)
{
	char const	*err = NULL;
	uint8_t		copy[MC_RRQ_MAX];
	unsigned int	md5_len = 0;
	int		ok;

	if (len > sizeof(copy)) return local_error(ha, "Registration Request longer than %zu octets", sizeof(copy));
	if (mip_rrq_parse(buf, len, &r->rrq, &err) < 0) {
		return local_error(ha, "the Registration Request does not parse: %s", err ? err : "?");
	}
	if (!r->rrq.challenge.data || r->rrq.challenge.len != MSCHAPV2_CHALLENGE_LEN) {
		return local_error(ha, "the Registration Request has no 16-octet challenge extension");
	}
	if (!r->rrq.mn_aaa_auth.present || r->rrq.mn_aaa_auth.subtype != MIP_GEN_AUTH_MN_AAA ||
	    r->rrq.mn_aaa_auth.authenticator_len != MSCHAPV2_NT_RESPONSE_LEN) {
		return local_error(ha, "the Registration Request has no MN-AAA extension with a 24-octet NT-Response");
	}
	memcpy(r->challenge, r->rrq.challenge.data, MSCHAPV2_CHALLENGE_LEN);
	memcpy(r->nt_response, r->rrq.mn_aaa_auth.authenticator, MSCHAPV2_NT_RESPONSE_LEN);

	memcpy(copy, buf, len);
	memset(copy + r->rrq.mn_aaa_auth.auth_offset, 0, r->rrq.mn_aaa_auth.authenticator_len);
	ok = EVP_Digest(copy, len, r->peer_challenge, &md5_len, EVP_md5(), NULL);
	OPENSSL_cleanse(copy, sizeof(copy));
	if (!ok || md5_len != MSCHAPV2_CHALLENGE_LEN) return local_error(ha, "MD5 failed (OpenSSL error)");

	if (r->rrq.nai.data) {
		if (r->rrq.nai.len > MC_NAI_MAX) return local_error(ha, "NAI too long");
		memcpy(r->user_name, r->rrq.nai.data, r->rrq.nai.len);
		r->user_name[r->rrq.nai.len] = '\0';
	} else {
		inet_ntop(AF_INET, r->rrq.home_address, r->user_name, sizeof(r->user_name));
	}
	return 0;
}

/* --- Access-Request --------------------------------------------------------------------------- */

/* The attribute by name, or a local error naming it. */
static DICT_ATTR const *request_da(char const *name, mc_ha_t *ha)
{
	DICT_ATTR const *da = dict_attrbyname(name);

	if (!da) local_error(ha, "attribute %s is not in the dictionaries (is dictionary.mipkey loaded?)", name);
	return da;
}

static int add_octets(RADIUS_PACKET *p, char const *name, uint8_t const *data, size_t len, mc_ha_t *ha)
{
	DICT_ATTR const *da = request_da(name, ha);

	if (!da) return -1;
	if (!pairs_add_octets(p, &p->vps, da, data, len)) {
		local_error(ha, "out of memory");
		return -1;
	}
	return 0;
}

static int add_integer(RADIUS_PACKET *p, char const *name, uint32_t value, mc_ha_t *ha)
{
	DICT_ATTR const *da = request_da(name, ha);

	if (!da) return -1;
	if (!pairs_add_integer(p, &p->vps, da, value)) {
		local_error(ha, "out of memory");
		return -1;
	}
	return 0;
}

static int add_ipaddr(RADIUS_PACKET *p, char const *name, uint8_t const addr[4], mc_ha_t *ha)
{
	DICT_ATTR const *da = request_da(name, ha);

	if (!da) return -1;
	if (!pairs_add_ipaddr(p, &p->vps, da, addr)) {
		local_error(ha, "out of memory");
		return -1;
	}
	return 0;
}

static bool addr_is_zero(uint8_t const a[4])
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

static int build_request(mc_options_t const *opt, RADIUS_PACKET *p, ha_rrq_t const *r, uint8_t const *rrq,
			 size_t rrq_len, mc_ha_t *ha)
{
	DICT_ATTR const	*da;
	uint8_t		resp[2 + MSCHAPV2_CHALLENGE_LEN + 8 + MSCHAPV2_NT_RESPONSE_LEN];
	uint8_t		zero16[16] = { 0 };

	da = request_da("User-Name", ha);
	if (!da) return -1;
	if (!pairs_add_string(p, &p->vps, da, r->user_name, strlen(r->user_name))) {
		local_error(ha, "out of memory");
		return -1;
	}

	/* RFC 2548 2.3.2 MS-CHAP2-Response: Ident, Flags, Peer-Challenge, Reserved(8), Response. */
	if (RAND_bytes(&ha->mschap_ident, 1) != 1) return local_error(ha, "RAND_bytes failed"), -1;
	memset(resp, 0, sizeof(resp));
	resp[0] = ha->mschap_ident;
	memcpy(resp + 2, r->peer_challenge, MSCHAPV2_CHALLENGE_LEN);
	memcpy(resp + 2 + MSCHAPV2_CHALLENGE_LEN + 8, r->nt_response, MSCHAPV2_NT_RESPONSE_LEN);
	if (add_octets(p, "MS-CHAP-Challenge", r->challenge, MSCHAPV2_CHALLENGE_LEN, ha) < 0 ||
	    add_octets(p, "MS-CHAP2-Response", resp, sizeof(resp), ha) < 0 ||
	    add_octets(p, "Message-Authenticator", zero16, sizeof(zero16), ha) < 0) return -1;
	if (!addr_is_zero(r->rrq.home_agent) && add_ipaddr(p, "NAS-IP-Address", r->rrq.home_agent, ha) < 0) return -1;

	if (!opt->attributes) {
		/* The whole RRQ: the server checks the peer challenge against it. */
		return add_octets(p, "Mipkey-Registration-Request", rrq, rrq_len, ha);
	}

	/* The same key requests as attributes, for an HA that does not forward the RRQ. */
	if (r->rrq.mn_ha_keygen.present || r->rrq.mn_fa_keygen.present) {
		uint32_t kind = (r->rrq.mn_ha_keygen.present ? 1 : 0) | (r->rrq.mn_fa_keygen.present ? 2 : 0);

		if (add_integer(p, "Mipkey-Key-Request", kind, ha) < 0) return -1;
		if (r->rrq.mn_ha_keygen.present &&
		    add_integer(p, "Mipkey-MN-HA-SPI", r->rrq.mn_ha_keygen.mn_spi, ha) < 0) return -1;
		if (r->rrq.mn_fa_keygen.present &&
		    add_integer(p, "Mipkey-MN-FA-SPI", r->rrq.mn_fa_keygen.mn_spi, ha) < 0) return -1;
		if (add_integer(p, "Mipkey-Requested-Lifetime", r->rrq.lifetime, ha) < 0 ||
		    add_integer(p, "Mipkey-AAA-SPI", r->rrq.mn_aaa_auth.spi, ha) < 0) return -1;
		if (!addr_is_zero(r->rrq.home_agent) &&
		    add_ipaddr(p, "Mipkey-Home-Agent-Address", r->rrq.home_agent, ha) < 0) return -1;
		if (!addr_is_zero(r->rrq.home_address) &&
		    add_ipaddr(p, "Mipkey-Home-Address", r->rrq.home_address, ha) < 0) return -1;
	}
	return 0;
}

/* --- the exchange -------------------------------------------------------------------------------- */

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static void print_vps(char const *what, RADIUS_PACKET const *p)
{
	VALUE_PAIR	*vp;
	char		buf[1024];

	fprintf(stderr, "%s\n", what);
	for (vp = p->vps; vp; vp = vp->next) {
		vp_prints(buf, sizeof(buf), vp);
		fprintf(stderr, "\t%s\n", buf);
	}
}

typedef enum { TRY_REPLY, TRY_TIMEOUT, TRY_REFUSED, TRY_ERROR } try_t;

/* One attempt: send (or resend) and wait up to the timeout for a verified reply. */
static try_t attempt(mc_options_t const *opt, RADIUS_PACKET *req, mc_ha_t *ha, char const *server)
{
	double deadline = now() + opt->timeout;

	if (rad_send(req, NULL, opt->secret) < 0) {
		if (errno == ECONNREFUSED) return TRY_REFUSED;
		local_error(ha, "cannot send to %s: %s", server, fr_strerror());
		return TRY_ERROR;
	}
	for (;;) {
		struct pollfd	pfd = { .fd = req->sockfd, .events = POLLIN };
		double		left = deadline - now();
		RADIUS_PACKET	*reply;
		int		rc;

		if (left <= 0) return TRY_TIMEOUT;
		rc = poll(&pfd, 1, (int) (left * 1000) + 1);
		if (rc < 0 && errno == EINTR) continue;
		if (rc <= 0) return rc == 0 ? TRY_TIMEOUT : TRY_ERROR;

		errno = 0;
		reply = rad_recv(ha_ctx, req->sockfd, 0);
		if (!reply) {
			if (errno == ECONNREFUSED) return TRY_REFUSED;
			continue;			/* not a RADIUS packet: keep waiting */
		}
		if (reply->id != req->id) {
			free_packet(&reply);
			continue;
		}
		if (rad_verify(reply, req, opt->secret) < 0 || rad_decode(reply, req, opt->secret) < 0) {
			if (opt->verbose) fprintf(stderr, "mipkey-client: reply from %s fails verification: %s\n",
						  server, fr_strerror());
			ha->bad_replies++;
			free_packet(&reply);
			continue;
		}
		ha_reply = reply;
		return TRY_REPLY;
	}
}

static int send_to(mc_options_t const *opt, char const *server, ha_rrq_t const *r, uint8_t const *rrq,
		   size_t rrq_len, uint8_t const vector[AUTH_VECTOR_LEN], mc_ha_t *ha)
{
	fr_ipaddr_t	dst, src;
	uint16_t	port = 0;
	int		fd, i;
	RADIUS_PACKET	*req;

	memset(&dst, 0, sizeof(dst));
	memset(&src, 0, sizeof(src));
	if (fr_pton_port(&dst, &port, server, -1, AF_UNSPEC, true) < 0) {
		return local_error(ha, "bad --server \"%s\": %s", server, fr_strerror());
	}
	if (!port) port = PW_AUTH_UDP_PORT;
	if (opt->source && fr_pton(&src, opt->source, -1, dst.af, true) < 0) {
		return local_error(ha, "bad --source \"%s\": %s", opt->source, fr_strerror());
	}
	fd = fr_socket_client_udp(opt->source ? &src : NULL, &dst, port, false);
	if (fd < 0) return local_error(ha, "cannot open a socket to %s: %s", server, fr_strerror());

	req = rad_alloc(ha_ctx, true);
	if (!req) {
		close(fd);
		return local_error(ha, "out of memory");
	}
	req->code = PW_CODE_ACCESS_REQUEST;
	req->sockfd = fd;
	req->dst_ipaddr = dst;
	req->dst_port = port;
	memcpy(req->vector, vector, sizeof(req->vector));
	if (RAND_bytes((unsigned char *) &i, sizeof(i)) != 1) {
		close(fd);
		rad_free(&req);
		return local_error(ha, "RAND_bytes failed");
	}
	req->id = i & 0xff;
	if (build_request(opt, req, r, rrq, rrq_len, ha) < 0) {
		close(fd);
		rad_free(&req);
		return MC_EXIT_USAGE;
	}
	ha_request = req;

	for (i = 1; i <= opt->retries; i++) {
		try_t t;

		if (opt->verbose) {
			char what[256];

			snprintf(what, sizeof(what), "mipkey-client: Access-Request Id %d to %s, attempt %d of %d",
				 req->id, server, i, opt->retries);
			print_vps(what, req);
		}
		t = attempt(opt, req, ha, server);
		if (t == TRY_REPLY) {
			snprintf(ha->server, sizeof(ha->server), "%s", server);
			close(fd);
			return 0;
		}
		if (t == TRY_ERROR) {
			close(fd);
			free_packet(&ha_request);
			return MC_EXIT_USAGE;
		}
		if (opt->verbose || i == opt->retries) {
			fprintf(stderr, "mipkey-client: no reply from %s (attempt %d of %d%s)\n", server, i, opt->retries,
				t == TRY_REFUSED ? ", port unreachable" : "");
		}
	}
	close(fd);
	free_packet(&ha_request);
	return MC_EXIT_NO_REPLY;
}

/* --- the reply ------------------------------------------------------------------------------------- */

static VALUE_PAIR *reply_vp(char const *name)
{
	DICT_ATTR const *da = dict_attrbyname(name);

	return da ? fr_pair_find_by_da(ha_reply->vps, da, TAG_ANY) : NULL;
}

static bool copy_octets(char const *name, uint8_t *out, size_t outsize, size_t *len)
{
	VALUE_PAIR *vp = reply_vp(name);

	if (!vp || vp->vp_length > outsize) return false;
	memcpy(out, vp->vp_octets, vp->vp_length);
	*len = vp->vp_length;
	return true;
}

static void take_key(mc_ha_key_t *k, char const *key_attr, char const *spi_attr, char const *lifetime_attr)
{
	VALUE_PAIR *vp;

	if (k->present) return;
	if (!copy_octets(key_attr, k->key, sizeof(k->key), &k->key_len)) return;
	k->present = true;
	snprintf(k->attr, sizeof(k->attr), "%s", key_attr);
	if (spi_attr && (vp = reply_vp(spi_attr))) {
		k->has_spi = true;
		k->spi = vp->vp_integer;
	}
	if (lifetime_attr && (vp = reply_vp(lifetime_attr))) {
		k->has_lifetime = true;
		k->lifetime = vp->vp_integer;
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Cisco-AVPair "mobileip:spi#N=spi <SPI> key hex <hex> ...": a Cisco HA's security association. */
static void take_cisco(mc_ha_key_t *k)
{
	DICT_ATTR const	*da = dict_attrbyname("Cisco-AVPair");
	VALUE_PAIR	*vp;

	if (k->present || !da) return;
	for (vp = ha_reply->vps; vp; vp = vp->next) {
		char const	*s, *key;
		unsigned long	spi;
		size_t		n = 0;

		if (vp->da != da || strncmp(vp->vp_strvalue, "mobileip:spi#", 13) != 0) continue;
		s = strstr(vp->vp_strvalue, "=spi ");
		key = strstr(vp->vp_strvalue, " key hex ");
		if (!s || !key) continue;
		spi = strtoul(s + 5, NULL, 10);
		for (key += 9; n < sizeof(k->key) && hexval(key[0]) >= 0 && hexval(key[1]) >= 0; key += 2) {
			k->key[n++] = (uint8_t) (hexval(key[0]) << 4 | hexval(key[1]));
		}
		if (n == 0) continue;
		k->present = true;
		k->key_len = n;
		k->has_spi = true;
		k->spi = (uint32_t) spi;
		snprintf(k->attr, sizeof(k->attr), "Cisco-AVPair");
		return;
	}
}

static void read_reply(mc_options_t const *opt, ha_rrq_t const *r, mc_ha_t *ha)
{
	VALUE_PAIR	*vp;
	DICT_ATTR const	*rm = dict_attrbyvalue(PW_REPLY_MESSAGE, 0);
	size_t		n = 0;

	ha->code = ha_reply->code;
	for (vp = ha_reply->vps; vp && rm; vp = vp->next) {
		if (vp->da != rm) continue;
		n += snprintf(ha->reply_message + n, sizeof(ha->reply_message) - n, "%s%.*s", n ? " / " : "",
			      (int) vp->vp_length, vp->vp_strvalue);
		if (n >= sizeof(ha->reply_message)) break;
	}
	vp = reply_vp("MS-CHAP-Error");
	if (vp && vp->vp_length > 1) {
		snprintf(ha->mschap_error, sizeof(ha->mschap_error), "%.*s", (int) vp->vp_length - 1,
			 (char const *) vp->vp_octets + 1);
	}
	if (ha->code != PW_CODE_ACCESS_ACCEPT) return;

	vp = reply_vp("MS-CHAP2-Success");
	if (vp && vp->vp_length == 1 + MSCHAPV2_AUTH_RESPONSE_LEN) {
		ha->has_success = true;
		ha->success_ident = vp->vp_octets[0];
		memcpy(ha->auth_response, vp->vp_octets + 1, MSCHAPV2_AUTH_RESPONSE_LEN);
	}
	ha->has_mppe_send = copy_octets("MS-MPPE-Send-Key", ha->mppe_send, sizeof(ha->mppe_send), &ha->mppe_send_len);
	ha->has_mppe_recv = copy_octets("MS-MPPE-Recv-Key", ha->mppe_recv, sizeof(ha->mppe_recv), &ha->mppe_recv_len);

	/* The MN-HA key, from whichever profile the server uses for this client. */
	take_key(&ha->mn_ha, "Mipkey-MN-HA-Key", "Mipkey-MN-HA-SPI", "Mipkey-MN-HA-Lifetime");
	take_key(&ha->mn_ha, "3GPP2-MN-HA-Shared-Key", "3GPP2-MN-HA-SPI", NULL);
	take_key(&ha->mn_ha, "WiMAX-MN-hHA-MIP4-Key", "WiMAX-MN-hHA-MIP4-SPI", NULL);
	take_cisco(&ha->mn_ha);
	take_key(&ha->mn_fa, "Mipkey-MN-FA-Key", "Mipkey-MN-FA-SPI", "Mipkey-MN-FA-Lifetime");
	take_key(&ha->mn_fa, "WiMAX-FA-RK-Key", "WiMAX-FA-RK-SPI", NULL);
	copy_octets("Mipkey-MN-HA-KeyGen-Reply", ha->mn_ha.keygen_reply, sizeof(ha->mn_ha.keygen_reply),
		    &ha->mn_ha.keygen_reply_len);
	copy_octets("Mipkey-MN-FA-KeyGen-Reply", ha->mn_fa.keygen_reply, sizeof(ha->mn_fa.keygen_reply),
		    &ha->mn_fa.keygen_reply_len);

	/* The seed's Skey: sent as such, or computed by the HA from k'' and the RRQ. */
	ha->has_skey = copy_octets("Mipkey-Skey", ha->skey, sizeof(ha->skey), &ha->skey_len);
	ha->has_master_key = copy_octets("Mipkey-Master-Key", ha->master_key, sizeof(ha->master_key),
					 &ha->master_key_len);
	if (ha->has_skey && ha->skey_len == MIP_SKEY_LEN) {
		memcpy(ha->ha_skey, ha->skey, MIP_SKEY_LEN);
		ha->ha_skey_valid = true;
		snprintf(ha->ha_skey_from, sizeof(ha->ha_skey_from), "Mipkey-Skey");
	} else if (ha->has_master_key && ha->master_key_len == MIP_SKEY_K2_LEN &&
		   mip_skey(ha->master_key, r->challenge, sizeof(r->challenge), r->nt_response, ha->ha_skey) == 0) {
		ha->ha_skey_valid = true;
		snprintf(ha->ha_skey_from, sizeof(ha->ha_skey_from), "Mipkey-Master-Key");
	}
	if (ha->ha_skey_valid && opt->rekey && mip_skey_rekey(ha->ha_skey, opt->rekey_ts, ha->ha_skey_rekey) < 0) {
		ha->ha_skey_valid = false;
	}
}

/* RFC 3344 3.4 Registration Reply, code 0, with the KeyGen Reply extensions from the AAA. */
static void build_rrp(ha_rrq_t const *r, mc_ha_t *ha)
{
	uint8_t		*p = ha->rrp;
	uint32_t	lifetime = r->rrq.lifetime;
	size_t		n = 0;

	if (ha->mn_ha.has_lifetime && ha->mn_ha.lifetime < lifetime) lifetime = ha->mn_ha.lifetime;
	if (ha->mn_fa.has_lifetime && ha->mn_fa.lifetime < lifetime) lifetime = ha->mn_fa.lifetime;
	p[n++] = MIP_TYPE_REGISTRATION_REPLY;
	p[n++] = 0;					/* registration accepted */
	p[n++] = (lifetime >> 8) & 0xff;
	p[n++] = lifetime & 0xff;
	memcpy(p + n, r->rrq.home_address, 4); n += 4;
	memcpy(p + n, r->rrq.home_agent, 4); n += 4;
	memcpy(p + n, r->rrq.identification_raw, 8); n += 8;
	if (ha->mn_ha.keygen_reply_len && n + ha->mn_ha.keygen_reply_len <= sizeof(ha->rrp)) {
		memcpy(p + n, ha->mn_ha.keygen_reply, ha->mn_ha.keygen_reply_len);
		n += ha->mn_ha.keygen_reply_len;
	}
	if (ha->mn_fa.keygen_reply_len && n + ha->mn_fa.keygen_reply_len <= sizeof(ha->rrp)) {
		memcpy(p + n, ha->mn_fa.keygen_reply, ha->mn_fa.keygen_reply_len);
		n += ha->mn_fa.keygen_reply_len;
	}
	ha->rrp_len = n;
}

static int load_dictionaries(mc_options_t const *opt, mc_ha_t *ha)
{
	char	dir[PATH_MAX], file[PATH_MAX];

	if (dict_init(opt->dict_dir, "dictionary") < 0) {
		return local_error(ha, "cannot read the FreeRADIUS dictionaries in %s: %s", opt->dict_dir, fr_strerror());
	}
	dict_loaded = true;
	snprintf(dir, sizeof(dir), "%s", opt->project_dict);
	snprintf(file, sizeof(file), "%s", opt->project_dict);
	if (dict_read(dirname(dir), basename(file)) < 0) {
		return local_error(ha, "cannot read the project dictionary %s: %s", opt->project_dict, fr_strerror());
	}
	return 0;
}

int mc_ha_dictionaries(mc_options_t const *opt, mc_ha_t *ha)
{
	if (dict_loaded) return 0;
	return load_dictionaries(opt, ha) ? -1 : 0;
}

int mc_ha_exchange(mc_options_t const *opt, uint8_t const *rrq, size_t rrq_len, mc_ha_t *ha)
{
	ha_rrq_t	r;
	int		i, rc = MC_EXIT_NO_REPLY;
	uint8_t		vector[AUTH_VECTOR_LEN];

	memset(ha, 0, sizeof(*ha));
	memset(&r, 0, sizeof(r));
	if (fr_check_lib_magic(RADIUSD_MAGIC_NUMBER) < 0) {
		return local_error(ha, "libfreeradius-radius is not the version this tool was built with: %s",
				   fr_strerror());
	}
	ha_ctx = talloc_new(NULL);
	if (!ha_ctx) return local_error(ha, "out of memory");
	if (load_dictionaries(opt, ha) != 0) return MC_EXIT_USAGE;
	if (read_rrq(rrq, rrq_len, &r, ha) != 0) return MC_EXIT_USAGE;

	/* One Request Authenticator for every server, as a home agent (and FreeRADIUS's proxy)
	 * fails over: the servers' shared replay cache tells this from a replay (replay_cache.h). */
	if (RAND_bytes(vector, sizeof(vector)) != 1) return local_error(ha, "RAND_bytes failed");
	for (i = 0; i < opt->n_servers; i++) {
		rc = send_to(opt, opt->servers[i], &r, rrq, rrq_len, vector, ha);
		if (rc != MC_EXIT_NO_REPLY) break;	/* a reply, or a local error */
	}
	if (rc == MC_EXIT_NO_REPLY) {
		OPENSSL_cleanse(&r, sizeof(r));
		return ha->bad_replies ? MC_EXIT_BAD_REPLY : MC_EXIT_NO_REPLY;
	}
	if (rc != 0) {
		OPENSSL_cleanse(&r, sizeof(r));
		return rc;
	}
	if (opt->verbose) {
		char what[256];

		snprintf(what, sizeof(what), "mipkey-client: %s Id %d from %s",
			 fr_packet_codes[ha_reply->code], ha_reply->id, ha->server);
		print_vps(what, ha_reply);
	}
	read_reply(opt, &r, ha);
	if (ha->code == PW_CODE_ACCESS_ACCEPT) build_rrp(&r, ha);
	OPENSSL_cleanse(&r, sizeof(r));
	return ha->code == PW_CODE_ACCESS_ACCEPT ? MC_EXIT_AGREE : MC_EXIT_REJECT;
}
