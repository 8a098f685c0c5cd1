/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mipkey-eap.c - mipkey-client --eap: Mobile IP keys from EAP authentication, both sides.
 *
 * eapol_test (wpa_supplicant's test client, package eapoltest) plays the mobile node's EAP
 * peer and sends the Access-Requests; this file sits between it and the AAA server like the
 * home agent that relays the EAP conversation: it adds the key request (eapol_test -N), passes
 * every datagram on unchanged, and keeps the last Access-Request and its answer. It verifies
 * and decodes that answer with FreeRADIUS's client library (decrypting the keys), takes the
 * MSK and EMSK eapol_test derived on the mobile node's side from its debug output, derives
 * the mobile node's keys from them (eap_mobility_keys.c, the same derivation as the module,
 * docs/PROTOCOL.md section 6) and compares. eapol_test gets the shared secret on its command
 * line (it has no other way): run this on a machine of your own.
 */
#include <freeradius/libradius.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>

#include "mipkey-client.h"
#include "eap_mobility_keys.h"
#include "wire.h"

#define EAP_OUT_MAX	(4 * 1024 * 1024)	/* eapol_test's debug output of one run is ~200 KB */
#define EAP_KEY_LEN	64
#define UDP_MAX		4096
#define MAX_ARGS	48

typedef struct {
	uint8_t		*req[256];		/* last Access-Request per RADIUS identifier */
	size_t		req_len[256];
	uint8_t		last_req[UDP_MAX], last_rep[UDP_MAX];
	size_t		last_req_len, last_rep_len;
	char		*out;			/* eapol_test's output */
	size_t		out_len;
} eap_run_t;

/* "26:x:<hex>": one Mipkey VSA for eapol_test -N. */
static char *vsa_arg(char const *name, uint8_t const *value, size_t len)
{
	DICT_ATTR const	*da = dict_attrbyname(name);
	uint8_t		buf[4 + 2 + 16];
	char		*s, hex[2 * sizeof(buf) + 1];

	if (!da || len > 16) return NULL;
	put32(buf, da->vendor);
	buf[4] = (uint8_t) da->attr;
	buf[5] = (uint8_t) (2 + len);
	memcpy(buf + 6, value, len);
	mc_hex(hex, buf, 6 + len);
	if (asprintf(&s, "26:x:%s", hex) < 0) return NULL;
	return s;
}

static char *vsa_u32(char const *name, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	return vsa_arg(name, b, 4);
}

/* The last "<label> - hexdump(len=64): xx xx ..." of eapol_test's output; true if found. */
static bool find_hexdump(char const *out, char const *const labels[], uint8_t key[EAP_KEY_LEN])
{
	char const	*p, *hit = NULL;
	char		pat[96];
	int		i, n = 0;
	unsigned int	b;

	for (i = 0; labels[i]; i++) {
		snprintf(pat, sizeof(pat), "%s - hexdump(len=64):", labels[i]);
		for (p = out; (p = strstr(p, pat)); p++) {
			if (!hit || p > hit) hit = p + strlen(pat);
		}
	}
	if (!hit) return false;
	for (p = hit; n < EAP_KEY_LEN && sscanf(p, " %2x", &b) == 1; p += 3) key[n++] = (uint8_t) b;
	return n == EAP_KEY_LEN;
}

static char const *const msk_labels[] = {
	"EAP-PEAP: Derived key", "EAP-TTLS: Derived key", "EAP-TLS: Derived key",
	"EAP-SIM: keying material (MSK)", "EAP-AKA: keying material (MSK)", NULL
};
static char const *const emsk_labels[] = {
	"EAP-PEAP: Derived EMSK", "EAP-TTLS: Derived EMSK", "EAP-TLS: Derived EMSK", "EAP-SIM: EMSK", "EAP-AKA: EMSK", NULL
};

/* Where the AAA server is: the first --server, HOST[:PORT] (1812 by default). */
static int server_addr(char const *server, struct sockaddr_storage *ss, socklen_t *len, mc_ha_t *ha)
{
	char		host[256], *colon;
	char const	*port = "1812";
	struct addrinfo	hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *ai;

	snprintf(host, sizeof(host), "%s", server);
	colon = strrchr(host, ':');
	if (colon && !strchr(colon + 1, ']') && strchr(host, ':') == colon) {
		*colon = '\0';
		port = colon + 1;
	}
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		snprintf(ha->error, sizeof(ha->error), "cannot resolve %s", server);
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Relays until eapol_test has exited and its output is read (or the deadline passes). */
static void relay(int down, int up, int out_fd, pid_t child, double seconds, eap_run_t *run)
{
	struct sockaddr_storage	peer;
	socklen_t		peer_len = 0;
	uint8_t			buf[UDP_MAX];
	struct timeval		t0, t;
	bool			out_open = true, exited = false;
	int			status;

	gettimeofday(&t0, NULL);
	while (out_open || !exited) {
		struct pollfd	pfd[3] = { { .fd = down, .events = POLLIN }, { .fd = up, .events = POLLIN },
					   { .fd = out_open ? out_fd : -1, .events = POLLIN } };
		ssize_t		n;

		gettimeofday(&t, NULL);
		if ((t.tv_sec - t0.tv_sec) + (t.tv_usec - t0.tv_usec) / 1e6 > seconds) {
			kill(child, SIGKILL);
			seconds = 1e9;		/* the loop ends with its exit and its output closed */
		}
		if (!exited && waitpid(child, &status, WNOHANG) == child) exited = true;
		if (poll(pfd, 3, 100) < 0 && errno != EINTR) break;

		if (pfd[0].revents & POLLIN) {
			peer_len = sizeof(peer);
			n = recvfrom(down, buf, sizeof(buf), 0, (struct sockaddr *) &peer, &peer_len);
			if (n >= 20) {
				free(run->req[buf[1]]);
				run->req[buf[1]] = malloc((size_t) n);
				if (run->req[buf[1]]) {
					memcpy(run->req[buf[1]], buf, (size_t) n);
					run->req_len[buf[1]] = (size_t) n;
				}
				(void) send(up, buf, (size_t) n, 0);
			}
		}
		if (pfd[1].revents & POLLIN) {
			n = recv(up, buf, sizeof(buf), 0);
			if (n >= 20 && run->req[buf[1]]) {
				memcpy(run->last_req, run->req[buf[1]], run->req_len[buf[1]]);
				run->last_req_len = run->req_len[buf[1]];
				memcpy(run->last_rep, buf, (size_t) n);
				run->last_rep_len = (size_t) n;
				if (peer_len) (void) sendto(down, buf, (size_t) n, 0, (struct sockaddr *) &peer, peer_len);
			}
		}
		if (out_open && (pfd[2].revents & (POLLIN | POLLHUP))) {
			char	tmp[8192];
			char	*grown;

			n = read(out_fd, tmp, sizeof(tmp));
			if (n <= 0) {
				out_open = false;
			} else if (run->out_len + (size_t) n < EAP_OUT_MAX &&
				   (grown = realloc(run->out, run->out_len + (size_t) n + 1))) {
				run->out = grown;
				memcpy(run->out + run->out_len, tmp, (size_t) n);
				run->out_len += (size_t) n;
				run->out[run->out_len] = '\0';
			}
		}
	}
	if (!exited) waitpid(child, &status, 0);
}

/* Runs eapol_test through the relay. Returns an MC_EXIT_* status for the exchange. */
static int run_eapol_test(mc_options_t const *opt, eap_run_t *run, mc_ha_t *ha)
{
	struct sockaddr_storage	ss;
	struct sockaddr_in	local = { .sin_family = AF_INET };
	socklen_t		ss_len, local_len = sizeof(local);
	int			down = -1, up = -1, pipefd[2] = { -1, -1 }, i, argc = 0, rc = MC_EXIT_USAGE;
	char			*argv[MAX_ARGS], port[16], timeout[16], *vsas[12] = { NULL };
	int			nv = 0;
	pid_t			child;

	if (server_addr(opt->servers[0], &ss, &ss_len, ha) < 0) return MC_EXIT_USAGE;
	down = socket(AF_INET, SOCK_DGRAM, 0);
	up = socket(ss.ss_family, SOCK_DGRAM, 0);
	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (down < 0 || up < 0 || bind(down, (struct sockaddr *) &local, sizeof(local)) < 0 ||
	    getsockname(down, (struct sockaddr *) &local, &local_len) < 0) {
		snprintf(ha->error, sizeof(ha->error), "cannot open the relay socket: %s", strerror(errno));
		goto done;
	}
	if (opt->source) {
		struct addrinfo hints = { .ai_family = ss.ss_family, .ai_socktype = SOCK_DGRAM }, *ai;

		if (getaddrinfo(opt->source, NULL, &hints, &ai) != 0 || bind(up, ai->ai_addr, ai->ai_addrlen) < 0) {
			snprintf(ha->error, sizeof(ha->error), "cannot send from %s", opt->source);
			goto done;
		}
		freeaddrinfo(ai);
	}
	if (connect(up, (struct sockaddr *) &ss, ss_len) < 0) {
		snprintf(ha->error, sizeof(ha->error), "cannot reach %s: %s", opt->servers[0], strerror(errno));
		goto done;
	}

	/* The home agent's key request, in every Access-Request of the conversation. */
	if (opt->mn_ha && opt->mn_fa) vsas[nv++] = vsa_u32("Mipkey-Key-Request", 3);
	else if (opt->mn_fa) vsas[nv++] = vsa_u32("Mipkey-Key-Request", 2);
	else if (opt->mn_ha) vsas[nv++] = vsa_u32("Mipkey-Key-Request", 1);
	if (opt->mn_ha) {
		vsas[nv++] = vsa_u32("Mipkey-MN-HA-SPI", opt->mn_ha_spi);
		vsas[nv++] = vsa_arg("Mipkey-Home-Agent-Address", opt->home_agent, 4);
	}
	if (opt->mn_fa) {
		vsas[nv++] = vsa_u32("Mipkey-MN-FA-SPI", opt->mn_fa_spi);
		vsas[nv++] = vsa_arg("Mipkey-Foreign-Agent-Address", opt->care_of, 4);
	}
	if (opt->fa_ha) vsas[nv++] = vsa_u32("Mipkey-FA-HA-SPI", opt->fa_ha_spi);
	vsas[nv++] = vsa_u32("Mipkey-AAA-SPI", opt->aaa_spi);
	vsas[nv++] = vsa_u32("Mipkey-Requested-Lifetime", opt->lifetime);
	for (i = 0; i < nv; i++) {
		if (!vsas[i]) {
			snprintf(ha->error, sizeof(ha->error), "the project dictionary %s lacks the Mipkey EAP attributes",
				 opt->project_dict);
			goto done;
		}
	}

	snprintf(port, sizeof(port), "%u", ntohs(local.sin_port));
	snprintf(timeout, sizeof(timeout), "%d", (int) (opt->timeout * opt->retries) + 10);
	argv[argc++] = (char *) opt->eapol_test;
	argv[argc++] = "-c";
	argv[argc++] = (char *) opt->eap_conf;
	argv[argc++] = "-a";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "-p";
	argv[argc++] = port;
	argv[argc++] = "-s";
	argv[argc++] = opt->secret;
	argv[argc++] = "-r";
	argv[argc++] = "0";
	argv[argc++] = "-t";
	argv[argc++] = timeout;
	for (i = 0; i < nv; i++) {
		argv[argc++] = "-N";
		argv[argc++] = vsas[i];
	}
	argv[argc] = NULL;

	if (pipe(pipefd) < 0 || (child = fork()) < 0) {
		snprintf(ha->error, sizeof(ha->error), "cannot start %s: %s", opt->eapol_test, strerror(errno));
		goto done;
	}
	if (child == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		close(down);
		close(up);
		execvp(opt->eapol_test, argv);
		fprintf(stderr, "mipkey-client: cannot run %s: %s\n", opt->eapol_test, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	relay(down, up, pipefd[0], child, atoi(timeout) + 5, run);
	rc = run->last_rep_len ? 0 : MC_EXIT_NO_REPLY;

done:
	for (i = 0; i < nv; i++) free(vsas[i]);
	for (i = 0; i < 2; i++) if (pipefd[i] >= 0) close(pipefd[i]);
	if (down >= 0) close(down);
	if (up >= 0) close(up);
	return rc;
}

/* The home agent's view of the last answer: verified and decoded (keys decrypted). */
static int decode(mc_options_t const *opt, eap_run_t const *run, TALLOC_CTX *ctx, RADIUS_PACKET **out, mc_ha_t *ha)
{
	RADIUS_PACKET	*req = rad_alloc(ctx, false), *rep = rad_alloc(ctx, false);

	if (!req || !rep) return MC_EXIT_USAGE;
	req->code = run->last_req[0];
	req->id = run->last_req[1];
	memcpy(req->vector, run->last_req + 4, AUTH_VECTOR_LEN);
	rep->data = talloc_memdup(rep, run->last_rep, run->last_rep_len);
	rep->data_len = run->last_rep_len;
	rep->code = run->last_rep[0];
	rep->id = run->last_rep[1];
	if (!rep->data || !rad_packet_ok(rep, 0, NULL) || rad_verify(rep, req, opt->secret) < 0 ||
	    rad_decode(rep, req, opt->secret) < 0) {
		ha->bad_replies++;
		return MC_EXIT_BAD_REPLY;
	}
	*out = rep;
	ha->code = rep->code;
	return 0;
}

static VALUE_PAIR *reply_vp(RADIUS_PACKET const *rep, char const *name)
{
	DICT_ATTR const *da = dict_attrbyname(name);

	return da ? fr_pair_find_by_da(rep->vps, da, TAG_ANY) : NULL;
}

/* The first of the key attributes the reply has (whichever profile the client has). */
static VALUE_PAIR *reply_key(RADIUS_PACKET const *rep, char const *const names[], char const **which)
{
	VALUE_PAIR *vp;

	for (; *names; names++) {
		if ((vp = reply_vp(rep, *names))) {
			*which = *names;
			return vp;
		}
	}
	return NULL;
}

static char const *const mn_ha_key_attrs[] = { "Mipkey-MN-HA-Key", "3GPP2-MN-HA-Shared-Key", "WiMAX-MN-hHA-MIP4-Key", NULL };
static char const *const mn_fa_key_attrs[] = { "Mipkey-MN-FA-Key", "WiMAX-FA-RK-Key", NULL };

typedef enum { AGREE, DISAGREE, NA } verdict_t;

static void row(char const *name, verdict_t v, char const *mn, char const *ha_side, char const *note)
{
	printf("  %-20s %-5s MN %s\n", name, v == AGREE ? "yes" : v == DISAGREE ? "NO" : "n/a", mn);
	if (ha_side && *ha_side) printf("  %-20s %-5s HA %s\n", "", "", ha_side);
	if (note && *note) printf("  %-20s %-5s (%s)\n", "", "", note);
}

/*
 * One key: the MN's from the EAP key, the HA's from the reply, the nonce from the KeyGen Reply
 * (nonce_off: where the nonce starts in the extension). Returns false if they differ or one is missing.
 */
static bool compare_key(mc_options_t const *opt, RADIUS_PACKET const *rep, bool is_ha, uint8_t const rk[EAP_MOBILITY_KEYS_RK_LEN])
{
	char const	*attr = "", *name = is_ha ? "MN-HA" : "MN-FA";
	VALUE_PAIR	*key = reply_key(rep, is_ha ? mn_ha_key_attrs : mn_fa_key_attrs, &attr);
	VALUE_PAIR	*ext = reply_vp(rep, is_ha ? "Mipkey-MN-HA-KeyGen-Reply" : "Mipkey-MN-FA-KeyGen-Reply");
	size_t		nonce_off = is_ha ? 20 : 18;
	uint8_t		mine[EAP_MOBILITY_KEYS_KEY_LEN], fa_rk[EAP_MOBILITY_KEYS_FA_RK_LEN];
	char		mn_hex[2 * EAP_MOBILITY_KEYS_KEY_LEN + 1], ha_hex[2 * 64 + 1], ha_text[200];
	int		rc;
	bool		ok;

	if (!key || !ext || ext->vp_length < nonce_off + EAP_MOBILITY_KEYS_NONCE_MIN_LEN ||
	    ext->vp_length - nonce_off > EAP_MOBILITY_KEYS_NONCE_MAX_LEN) {
		row(name, DISAGREE, "-", "", !key ? "no key in the Access-Accept" : "no usable KeyGen Reply (nonce)");
		return false;
	}
	if (get32(ext->vp_octets + 12) != (is_ha ? opt->mn_ha_spi : opt->mn_fa_spi)) {
		row(name, DISAGREE, "-", "", "the KeyGen Reply names another SPI");
		return false;
	}
	if (is_ha) {
		rc = eap_mobility_keys_mn_ha_key(rk, opt->home_agent, opt->mn_ha_spi, ext->vp_octets + nonce_off,
						 ext->vp_length - nonce_off, (uint8_t const *) opt->nai, strlen(opt->nai), mine);
	} else {
		rc = eap_mobility_keys_fa_rk(rk, fa_rk);
		if (rc == 0) rc = eap_mobility_keys_mn_fa_key(fa_rk, opt->care_of, opt->mn_fa_spi, ext->vp_octets + nonce_off,
							      ext->vp_length - nonce_off, (uint8_t const *) opt->nai,
							      strlen(opt->nai), mine);
		OPENSSL_cleanse(fa_rk, sizeof(fa_rk));
	}
	if (rc < 0) {
		row(name, DISAGREE, "-", "", "derivation failed");
		return false;
	}
	ok = key->vp_length == sizeof(mine) && CRYPTO_memcmp(key->vp_octets, mine, sizeof(mine)) == 0;
	mc_hex(mn_hex, mine, sizeof(mine));
	mc_hex(ha_hex, key->vp_octets, key->vp_length < 64 ? key->vp_length : 64);
	snprintf(ha_text, sizeof(ha_text), "%s (%s)", ha_hex, attr);
	row(name, ok ? AGREE : DISAGREE, mn_hex, ha_text, "");
	OPENSSL_cleanse(mine, sizeof(mine));
	OPENSSL_cleanse(mn_hex, sizeof(mn_hex));
	OPENSSL_cleanse(ha_hex, sizeof(ha_hex));
	OPENSSL_cleanse(ha_text, sizeof(ha_text));
	return ok;
}

int mc_eap_exchange(mc_options_t const *opt)
{
	eap_run_t	run;
	mc_ha_t		ha;
	TALLOC_CTX	*ctx = talloc_init("mipkey-eap");
	RADIUS_PACKET	*rep = NULL;
	uint8_t		msk[EAP_KEY_LEN], emsk[EAP_KEY_LEN], rk[EAP_MOBILITY_KEYS_RK_LEN];
	bool		have_msk, have_emsk, agree = true;
	char const	*last;
	VALUE_PAIR	*vp;
	int		status, i;

	memset(&run, 0, sizeof(run));
	memset(&ha, 0, sizeof(ha));
	if (mc_ha_dictionaries(opt, &ha) < 0) {
		fprintf(stderr, "mipkey-client: %s\n", ha.error);
		status = MC_EXIT_USAGE;
		goto done;
	}
	status = run_eapol_test(opt, &run, &ha);
	if (status == MC_EXIT_USAGE) fprintf(stderr, "mipkey-client: %s\n", ha.error);
	if (status) goto report;
	status = decode(opt, &run, ctx, &rep, &ha);
	if (status) goto report;

	printf("mipkey-client: %s via %s (EAP, eapol_test %s): %s\n", opt->nai, opt->servers[0], opt->eap_conf,
	       fr_packet_codes[rep->code]);
	for (vp = rep->vps; vp; vp = vp->next) {
		if (vp->da->vendor == 0 && vp->da->attr == PW_REPLY_MESSAGE) {
			printf("  Reply-Message: %.*s\n", (int) vp->vp_length, vp->vp_strvalue);
		}
	}
	if (rep->code != PW_CODE_ACCESS_ACCEPT) {
		status = rep->code == PW_CODE_ACCESS_REJECT ? MC_EXIT_REJECT : MC_EXIT_BAD_REPLY;
		goto report;
	}

	/* The mobile node's side: its MSK and EMSK, as eapol_test derived them. */
	have_msk = run.out && find_hexdump(run.out, msk_labels, msk);
	have_emsk = run.out && find_hexdump(run.out, emsk_labels, emsk);
	printf("  mobile node: NAI %s, root key %s (%s)\n", opt->nai, opt->eap_root_msk ? "MSK" : "EMSK",
	       (opt->eap_root_msk ? have_msk : have_emsk) ? "from eapol_test's output" : "NOT in eapol_test's output");
	if (!(opt->eap_root_msk ? have_msk : have_emsk) ||
	    eap_mobility_keys_rk(opt->eap_root_msk ? msk : emsk, EAP_KEY_LEN, rk) < 0) {
		printf("\nMN and HA agree: no\n");
		status = MC_EXIT_DISAGREE;
		goto report;
	}
	printf("\n  %-20s %-5s value\n", "key", "agree");
	if (opt->mn_ha) agree &= compare_key(opt, rep, true, rk);
	if (opt->mn_fa) agree &= compare_key(opt, rep, false, rk);
	vp = reply_vp(rep, "Mipkey-MN-NAI");
	{
		bool same = vp && vp->vp_length == strlen(opt->nai) && memcmp(vp->vp_strvalue, opt->nai, vp->vp_length) == 0;
		char ha_nai[300];

		snprintf(ha_nai, sizeof(ha_nai), "%.*s (Mipkey-MN-NAI)", vp ? (int) vp->vp_length : 1,
			 vp ? vp->vp_strvalue : "-");
		row("NAI", same ? AGREE : DISAGREE, opt->nai, ha_nai, "");
		agree &= same;
	}
	vp = reply_vp(rep, "Mipkey-EAP-Root-Key");
	{
		bool same = vp && vp->vp_integer == (opt->eap_root_msk ? 1U : 2U);

		row("EAP root key", same ? AGREE : DISAGREE, opt->eap_root_msk ? "MSK" : "EMSK",
		    vp ? (vp->vp_integer == 1 ? "MSK" : vp->vp_integer == 2 ? "EMSK" : "?") : "-", "Mipkey-EAP-Root-Key");
		agree &= same;
	}
	if (opt->fa_ha) {
		VALUE_PAIR	*spi = reply_vp(rep, "Mipkey-FA-HA-SPI");
		bool		ok;

		vp = reply_vp(rep, "Mipkey-FA-HA-Key");
		ok = vp && vp->vp_length == EAP_MOBILITY_KEYS_KEY_LEN && spi && spi->vp_integer == opt->fa_ha_spi;
		row("FA-HA", NA, "(not known to the MN)", ok ? "20 octets (Mipkey-FA-HA-Key), SPI as asked" : "-",
		    ok ? "" : "missing");
		agree &= ok;
	}
	printf("\nMN and HA agree: %s\n", agree ? "yes" : "no");
	status = agree ? MC_EXIT_AGREE : MC_EXIT_DISAGREE;

report:
	if (status == MC_EXIT_NO_REPLY) fprintf(stderr, "mipkey-client: no reply from %s\n", opt->servers[0]);
	if (status == MC_EXIT_BAD_REPLY) fprintf(stderr, "mipkey-client: the reply from %s fails verification "
						 "(wrong shared secret?)\n", opt->servers[0]);
	last = !run.out ? NULL : strstr(run.out, "\nSUCCESS") ? "SUCCESS" : strstr(run.out, "\nFAILURE") ? "FAILURE" : NULL;
	if (opt->verbose && run.out) fputs(run.out, stderr);
	if (opt->verbose || status) fprintf(stderr, "mipkey-client: eapol_test said %s\n", last ? last : "(nothing)");

done:
	OPENSSL_cleanse(msk, sizeof(msk));
	OPENSSL_cleanse(emsk, sizeof(emsk));
	OPENSSL_cleanse(rk, sizeof(rk));
	for (i = 0; i < 256; i++) {
		if (run.req[i]) OPENSSL_cleanse(run.req[i], run.req_len[i]);
		free(run.req[i]);
	}
	OPENSSL_cleanse(run.last_req, sizeof(run.last_req));
	OPENSSL_cleanse(run.last_rep, sizeof(run.last_rep));
	if (run.out) OPENSSL_cleanse(run.out, run.out_len);
	free(run.out);
	if (rep) {
		for (vp = rep->vps; vp; vp = vp->next) {
			if ((vp->da->type == PW_TYPE_OCTETS || vp->da->type == PW_TYPE_STRING) && vp->vp_length) {
				OPENSSL_cleanse((void *) vp->vp_octets, vp->vp_length);
			}
		}
		if (rep->data) OPENSSL_cleanse(rep->data, rep->data_len);
	}
	talloc_free(ctx);
	return status;
}
