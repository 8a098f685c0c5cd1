/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * mipkey-bench.c - a load generator for MS-CHAPv2 and Mobile IP key requests.
 *
 * Many distinct users (generated, or read from an LDIF with sambaNTPassword), a fresh
 * authenticator and peer challenge for every request, plain MS-CHAPv2 or Mobile IP key
 * requests (Mipkey-Key-Request MN-HA and MN-FA), a target rate or a concurrency, a duration
 * or a count, one or more servers (round robin). At the end: req/s, latency p50/p95/p99/max,
 * accepts / rejects / timeouts, the client's own CPU per request; text, JSON or CSV.
 *
 * It shares mipkey-client's core (libmipkeycore: the NT-Response comes from the same
 * generate_nt_response_pwhash()) but not its RADIUS library: packets are built from a
 * template and signed here, one thread, non-blocking sockets, so that the client costs less
 * per request than the server it measures. --responder answers every Access-Request at once
 * with an Access-Accept: the generator's own ceiling is measured against it.
 *
 * Challenges and request authenticators come from a xorshift generator seeded from the
 * kernel: fresh per request, as a server sees them, but not secret (this is a test tool).
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "mschapv2.h"

#define RADIUS_MAX		4096
#define IDS			256
#define VENDOR_MICROSOFT	311
#define VENDOR_MIPKEY		32473	/* raddb/dictionary.mipkey */
#define MAX_SERVERS		16

typedef struct {
	char		name[64];
	size_t		name_len;
	uint8_t		nt_hash[16];
} user_t;

typedef struct {
	int		fd;
	int		server;
	int		next_id;
	int		in_flight;
	struct slot {
		bool		busy;
		double		sent;
		uint8_t		vector[16];
	} slot[IDS];
} sock_t;

typedef struct {
	char const	*secret;
	size_t		secret_len;
	bool		mip, message_authenticator;
	double		rate;		/* 0: closed loop at `concurrency` */
	int		concurrency;
	double		duration;	/* seconds; 0: until count */
	uint64_t	count;
	double		timeout;
	char const	*format;
} opts_t;

typedef struct {
	uint64_t	sent, accepts, rejects, timeouts, bad, errors;
	uint64_t	behind;		/* rate mode: sends skipped because the client fell behind */
	uint32_t	*lat;		/* microseconds, one per answer */
	size_t		nlat, lat_cap;
} stats_t;

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void) sig; stop = 1; }

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift128+: fresh, cheap, not secret */
static uint64_t rng[2];

static uint64_t rnd(void)
{
	uint64_t s1 = rng[0], s0 = rng[1];

	rng[0] = s0;
	s1 ^= s1 << 23;
	rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
	return rng[1] + s0;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n) {
		uint64_t	r = rnd();
		size_t		k = n < 8 ? n : 8;

		memcpy(p, &r, k);
		p += k;
		n -= k;
	}
}

static int fail(char const *msg)
{
	fprintf(stderr, "mipkey-bench: %s\n", msg);
	return -1;
}

/* --- users ---------------------------------------------------------------------------------- */

static user_t *users;
static size_t nusers;

static int user_add(char const *name, size_t len, uint8_t const hash[16])
{
	static size_t cap;

	if (len == 0 || len >= sizeof(users[0].name)) return fail("user name empty or longer than 63 octets");
	if (nusers == cap) {
		user_t *u = realloc(users, (cap = cap ? 2 * cap : 1024) * sizeof(*u));

		if (!u) return fail("out of memory");
		users = u;
	}
	memcpy(users[nusers].name, name, len);
	users[nusers].name[len] = '\0';
	users[nusers].name_len = len;
	memcpy(users[nusers].nt_hash, hash, 16);
	nusers++;
	return 0;
}

/* Generated user i: name PREFIXnnnnnn, password "pw-" + name. */
static int users_generate(char const *prefix, size_t n)
{
	char	name[64], pw[80];
	uint8_t	hash[16];
	size_t	i;

	for (i = 1; i <= n; i++) {
		int len = snprintf(name, sizeof(name), "%s%06zu", prefix, i);

		snprintf(pw, sizeof(pw), "pw-%s", name);
		if (nt_password_hash(pw, strlen(pw), hash) < 0) return fail("NT hash failed");
		if (user_add(name, (size_t) len, hash) < 0) return -1;
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Entries with uid and a 32-hex-digit sambaNTPassword; others are skipped. */
static int users_from_ldif(char const *path)
{
	FILE	*f = fopen(path, "r");
	char	line[1024], uid[64] = "";
	uint8_t	hash[16];
	bool	have_hash = false;
	int	i;

	if (!f) return fail("cannot open the LDIF file");
	for (;;) {
		char *l = fgets(line, sizeof(line), f);

		if (l) l[strcspn(l, "\r\n")] = '\0';
		if (!l || !*l) {	/* end of an entry */
			if (*uid && have_hash && user_add(uid, strlen(uid), hash) < 0) {
				fclose(f);
				return -1;
			}
			*uid = '\0';
			have_hash = false;
			if (!l) break;
			continue;
		}
		if (strncasecmp(l, "uid: ", 5) == 0) {
			snprintf(uid, sizeof(uid), "%s", l + 5);
		} else if (strncasecmp(l, "sambaNTPassword: ", 17) == 0 && strlen(l + 17) == 32) {
			have_hash = true;
			for (i = 0; i < 16; i++) {
				int hi = hexval(l[17 + 2 * i]), lo = hexval(l[18 + 2 * i]);

				if (hi < 0 || lo < 0) have_hash = false;
				hash[i] = (uint8_t) ((hi << 4) | (lo & 15));
			}
		}
	}
	fclose(f);
	return nusers ? 0 : fail("no entry with uid and sambaNTPassword in the LDIF file");
}

/* --gen-users: the generated users as an rlm_files users file or as LDIF (for slapadd). */
static int print_users(char const *prefix, size_t n, char const *format, char const *base)
{
	size_t i;
	int j;

	if (users_generate(prefix, n) < 0) return 1;
	for (i = 0; i < nusers; i++) {
		char hex[33];

		for (j = 0; j < 16; j++) snprintf(hex + 2 * j, 3, "%02X", users[i].nt_hash[j]);
		if (strcmp(format, "files") == 0) {
			printf("%s NT-Password := 0x%s\n", users[i].name, hex);
		} else {
			printf("dn: uid=%s,%s\nobjectClass: top\nobjectClass: inetOrgPerson\nobjectClass: sambaSamAccount\n"
			       "uid: %s\ncn: %s\nsn: %s\nsambaSID: S-1-5-21-1111111111-2222222222-3333333333-%zu\n"
			       "sambaAcctFlags: [U          ]\nsambaNTPassword: %s\n\n",
			       users[i].name, base, users[i].name, users[i].name, users[i].name, 100000 + i, hex);
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* --- packets ---------------------------------------------------------------------------------- */

static uint8_t *put_attr(uint8_t *p, uint8_t type, void const *v, size_t len)
{
	p[0] = type;
	p[1] = (uint8_t) (2 + len);
	memcpy(p + 2, v, len);
	return p + 2 + len;
}

static uint8_t *put_vsa(uint8_t *p, uint32_t vendor, uint8_t type, void const *v, size_t len)
{
	p[0] = 26;
	p[1] = (uint8_t) (8 + len);
	p[2] = (uint8_t) (vendor >> 24);
	p[3] = (uint8_t) (vendor >> 16);
	p[4] = (uint8_t) (vendor >> 8);
	p[5] = (uint8_t) vendor;
	p[6] = type;
	p[7] = (uint8_t) (2 + len);
	memcpy(p + 8, v, len);
	return p + 8 + len;
}

static uint8_t *put_vsa_int(uint8_t *p, uint32_t vendor, uint8_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };

	return put_vsa(p, vendor, type, b, 4);
}

static EVP_MD *md5;
static EVP_MAC *hmac;
static EVP_MAC_CTX *hmac_ctx;
static EVP_MD_CTX *md5_ctx;

static int hmac_md5(opts_t const *o, uint8_t const *data, size_t len, uint8_t out[16])
{
	size_t outlen = 0;

	return EVP_MAC_init(hmac_ctx, (uint8_t const *) o->secret, o->secret_len, NULL) &&
	       EVP_MAC_update(hmac_ctx, data, len) && EVP_MAC_final(hmac_ctx, out, &outlen, 16) && outlen == 16 ? 0 : -1;
}

/* RFC 2865 3: MD5(Code + Identifier + Length + RequestAuth + Attributes + Secret) */
static int response_auth(opts_t const *o, uint8_t const *pkt, size_t len, uint8_t const vector[16], uint8_t out[16])
{
	return EVP_DigestInit_ex2(md5_ctx, md5, NULL) && EVP_DigestUpdate(md5_ctx, pkt, 4) &&
	       EVP_DigestUpdate(md5_ctx, vector, 16) && EVP_DigestUpdate(md5_ctx, pkt + 20, len - 20) &&
	       EVP_DigestUpdate(md5_ctx, o->secret, o->secret_len) && EVP_DigestFinal_ex(md5_ctx, out, NULL) ? 0 : -1;
}

/* One Access-Request for user u into pkt; its request authenticator in vector. */
static ssize_t build_request(opts_t const *o, user_t const *u, uint8_t id, uint8_t *pkt, uint8_t vector[16])
{
	uint8_t	chal[16], resp[50], *p = pkt + 20, *ma = NULL;
	size_t	len;

	rnd_bytes(vector, 16);
	rnd_bytes(chal, 16);
	memset(resp, 0, sizeof(resp));
	resp[0] = id;				/* MS-CHAPv2 Ident */
	rnd_bytes(resp + 2, 16);		/* peer challenge */
	if (generate_nt_response_pwhash(chal, resp + 2, u->name, u->name_len, u->nt_hash, resp + 26) < 0) return -1;

	p = put_attr(p, 1, u->name, u->name_len);
	p = put_vsa(p, VENDOR_MICROSOFT, 11, chal, 16);		/* MS-CHAP-Challenge */
	p = put_vsa(p, VENDOR_MICROSOFT, 25, resp, 50);		/* MS-CHAP2-Response */
	if (o->mip) {
		p = put_vsa_int(p, VENDOR_MIPKEY, 2, 3);	/* Mipkey-Key-Request = MN-HA-and-MN-FA */
		p = put_vsa_int(p, VENDOR_MIPKEY, 10, 300);	/* Mipkey-MN-HA-SPI */
		p = put_vsa_int(p, VENDOR_MIPKEY, 11, 301);	/* Mipkey-MN-FA-SPI */
	}
	if (o->mip || o->message_authenticator) {
		static uint8_t const zero[16];

		ma = p + 2;
		p = put_attr(p, 80, zero, 16);			/* Message-Authenticator */
	}
	len = (size_t) (p - pkt);
	pkt[0] = 1;
	pkt[1] = id;
	pkt[2] = (uint8_t) (len >> 8);
	pkt[3] = (uint8_t) len;
	memcpy(pkt + 4, vector, 16);
	if (ma && hmac_md5(o, pkt, len, ma) < 0) return -1;
	return (ssize_t) len;
}

/* --- the run ------------------------------------------------------------------------------------ */

static int sock_open(struct sockaddr_storage const *ss, socklen_t sl)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int bufsz = 4 << 20;

	if (fd < 0) return -1;
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (connect(fd, (struct sockaddr const *) ss, sl) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int resolve(char const *arg, struct sockaddr_storage *ss, socklen_t *sl)
{
	char		host[256], *colon;
	char const	*port = "1812";
	struct addrinfo	hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL;

	snprintf(host, sizeof(host), "%s", arg);
	colon = strrchr(host, ':');
	if (colon && !strchr(colon + 1, ']') && (colon == strchr(host, ':'))) {
		*colon = '\0';
		port = colon + 1;
	}
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static void lat_add(stats_t *s, double seconds)
{
	if (s->nlat == s->lat_cap) {
		uint32_t *n = realloc(s->lat, (s->lat_cap = s->lat_cap ? 2 * s->lat_cap : 65536) * sizeof(*n));

		if (!n) return;		/* out of memory: the percentiles miss this one */
		s->lat = n;
	}
	s->lat[s->nlat++] = (uint32_t) (seconds * 1e6 + 0.5);
}

static int cmp_u32(void const *a, void const *b)
{
	uint32_t x = *(uint32_t const *) a, y = *(uint32_t const *) b;

	return x < y ? -1 : x > y;
}

static double pct(stats_t const *s, double p)
{
	size_t i;

	if (!s->nlat) return 0;
	i = (size_t) ceil(p / 100.0 * (double) s->nlat);
	if (i) i--;
	if (i >= s->nlat) i = s->nlat - 1;
	return s->lat[i] / 1000.0;
}

static void on_answer(opts_t const *o, sock_t *sk, stats_t *st, uint8_t const *pkt, ssize_t n, double t)
{
	uint8_t		want[16];
	struct slot	*sl;

	if (n < 20 || (size_t) n < (size_t) ((pkt[2] << 8) | pkt[3])) return;
	sl = &sk->slot[pkt[1]];
	if (!sl->busy) return;		/* late answer to a request already counted as timed out */
	n = (pkt[2] << 8) | pkt[3];
	if (response_auth(o, pkt, (size_t) n, sl->vector, want) < 0 || CRYPTO_memcmp(want, pkt + 4, 16) != 0) {
		st->bad++;
	} else if (pkt[0] == 2) {
		st->accepts++;
	} else if (pkt[0] == 3) {
		st->rejects++;
	} else {
		st->bad++;
	}
	lat_add(st, t - sl->sent);
	sl->busy = false;
	sk->in_flight--;
}

static int run(opts_t const *o, struct sockaddr_storage const *ss, socklen_t const *sl, int nservers, stats_t *st,
	       double *elapsed)
{
	int		per_server = (o->rate > 0 ? 1024 : o->concurrency) / nservers + 1;
	int		nsock_per = (per_server + IDS - 1) / IDS, nsock = nsock_per * nservers;
	sock_t		*socks = calloc((size_t) nsock, sizeof(*socks));
	struct pollfd	*pfd = calloc((size_t) nsock, sizeof(*pfd));
	uint8_t		pkt[RADIUS_MAX];
	double		t0, t, next_send, last_progress, deadline;
	uint64_t	in_flight = 0, last_done = 0;
	size_t		next_user = 0;
	int		i, next_sock = 0, rc = 0;
	bool		tty = isatty(STDERR_FILENO);

	if (!socks || !pfd) return fail("out of memory");
	for (i = 0; i < nsock; i++) {
		socks[i].server = i % nservers;
		socks[i].fd = sock_open(&ss[socks[i].server], sl[socks[i].server]);
		if (socks[i].fd < 0) return fail("cannot open a UDP socket to the server");
		pfd[i].fd = socks[i].fd;
		pfd[i].events = POLLIN;
	}

	t0 = now_s();
	next_send = t0;
	last_progress = t0;
	deadline = o->duration > 0 ? t0 + o->duration : 0;
	for (;;) {
		bool	sending = !stop && (!deadline || now_s() < deadline) && (!o->count || st->sent < o->count);

		/* send what is due */
		while (sending) {
			sock_t	*sk = NULL;
			ssize_t	len;
			int	k, id;

			if (o->rate > 0) {
				double late = now_s() - next_send;

				if (late < 0) break;
				/* Descheduled for a while: skip what is more than 10 ms late (counted) rather
				 * than send it in one burst the server's socket buffer would drop. */
				if (late > 0.01) {
					st->behind += (uint64_t) ((late - 0.01) * o->rate);
					next_send += late - 0.01;
				}
			} else if (in_flight >= (uint64_t) o->concurrency) {
				break;
			}
			for (k = 0; k < nsock && !sk; k++) {	/* round robin over sockets (and servers) */
				sock_t *c = &socks[(next_sock + k) % nsock];

				if (c->in_flight < IDS) sk = c;
			}
			if (!sk) break;				/* every ID of every socket in flight */
			next_sock = (int) ((sk - socks) + 1) % nsock;
			for (id = sk->next_id; sk->slot[id].busy; id = (id + 1) % IDS);
			sk->next_id = (id + 1) % IDS;
			len = build_request(o, &users[next_user], (uint8_t) id, pkt, sk->slot[id].vector);
			next_user = (next_user + 1) % nusers;
			if (len < 0) return fail("building a request failed (OpenSSL)");
			sk->slot[id].sent = now_s();
			if (send(sk->fd, pkt, (size_t) len, 0) != len) {
				st->errors++;
			} else {
				sk->slot[id].busy = true;
				sk->in_flight++;
				in_flight++;
				st->sent++;
			}
			if (o->rate > 0) next_send += 1.0 / o->rate;
			sending = (!o->count || st->sent < o->count) && (!deadline || sk->slot[id].sent < deadline);
		}
		if (!sending && in_flight == 0) break;

		/* wait for answers, or for the next send time (sub-millisecond at high rates) */
		{
			double		w = 0.05;
			struct timespec	ts;

			if (sending && o->rate > 0) {
				w = next_send - now_s();
				if (w < 0) w = 0;
				if (w > 0.05) w = 0.05;
			}
			ts.tv_sec = 0;
			ts.tv_nsec = (long) (w * 1e9);
			if (ppoll(pfd, (nfds_t) nsock, &ts, NULL) < 0 && errno != EINTR) {
				rc = fail("poll failed");
				break;
			}
		}
		t = now_s();
		for (i = 0; i < nsock; i++) {
			ssize_t n;

			/* POLLERR: an ICMP error (nothing listens there) is read, and so cleared, by recv() */
			if (!(pfd[i].revents & (POLLIN | POLLERR))) continue;
			while ((n = recv(socks[i].fd, pkt, sizeof(pkt), 0)) > 0 || (n < 0 && errno == ECONNREFUSED)) {
				if (n < 0) continue;
				int before = socks[i].in_flight;

				on_answer(o, &socks[i], st, pkt, n, t);
				in_flight -= (uint64_t) (before - socks[i].in_flight);
			}
		}
		/* timeouts: no retransmission, the request counts as timed out */
		for (i = 0; i < nsock; i++) {
			int id;

			if (!socks[i].in_flight) continue;
			for (id = 0; id < IDS; id++) {
				if (socks[i].slot[id].busy && t - socks[i].slot[id].sent > o->timeout) {
					socks[i].slot[id].busy = false;
					socks[i].in_flight--;
					in_flight--;
					st->timeouts++;
				}
			}
		}
		if (tty && t - last_progress >= 1.0) {
			uint64_t done = st->accepts + st->rejects + st->bad;

			fprintf(stderr, "\r%6.1f s  %8.0f req/s  accepts %" PRIu64 "  rejects %" PRIu64 "  timeouts %" PRIu64
				"  in flight %" PRIu64 "   ", t - t0, (double) (done - last_done) / (t - last_progress),
				st->accepts, st->rejects, st->timeouts, in_flight);
			last_done = done;
			last_progress = t;
		}
	}
	if (tty) fputc('\n', stderr);
	*elapsed = now_s() - t0;
	for (i = 0; i < nsock; i++) close(socks[i].fd);
	free(socks);
	free(pfd);
	return rc;
}

/* --responder: answers every Access-Request with an Access-Accept at once (no attribute). */
static int responder(opts_t const *o, char const *addr)
{
	struct sockaddr_storage	ss, from;
	socklen_t		sl, fl;
	uint8_t			pkt[RADIUS_MAX], vector[16];
	int			fd;

	if (resolve(addr, &ss, &sl) < 0) return fail("cannot resolve the --responder address"), 1;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *) &ss, sl) < 0) return fail("cannot bind the --responder address"), 1;
	while (!stop) {
		ssize_t n;

		fl = sizeof(from);
		n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *) &from, &fl);
		if (n < 20 || pkt[0] != 1) continue;
		memcpy(vector, pkt + 4, 16);
		pkt[0] = 2;
		pkt[2] = 0;
		pkt[3] = 20;
		if (response_auth(o, pkt, 20, vector, pkt + 4) < 0) continue;
		(void) sendto(fd, pkt, 20, 0, (struct sockaddr *) &from, fl);
	}
	close(fd);
	return 0;
}

static void report(opts_t const *o, char **servers, int nservers, stats_t *st, double elapsed)
{
	struct rusage	ru;
	uint64_t	done = st->accepts + st->rejects + st->bad;
	double		cpu, rps = elapsed > 0 ? (double) done / elapsed : 0;
	int		i;

	getrusage(RUSAGE_SELF, &ru);
	cpu = (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
	      ru.ru_stime.tv_usec / 1e6;
	qsort(st->lat, st->nlat, sizeof(st->lat[0]), cmp_u32);
	if (strcmp(o->format, "json") == 0) {
		printf("{\"servers\": [");
		for (i = 0; i < nservers; i++) printf("%s\"%s\"", i ? ", " : "", servers[i]);
		printf("], \"mode\": \"%s\", \"users\": %zu, \"rate\": %.0f, \"concurrency\": %d, \"duration_s\": %.3f, "
		       "\"sent\": %" PRIu64 ", \"accepts\": %" PRIu64 ", \"rejects\": %" PRIu64 ", \"timeouts\": %" PRIu64
		       ", \"bad\": %" PRIu64 ", \"send_errors\": %" PRIu64 ", \"behind\": %" PRIu64 ", \"req_per_s\": %.1f, \"latency_ms\": {\"p50\": %.3f, "
		       "\"p95\": %.3f, \"p99\": %.3f, \"max\": %.3f}, \"client_cpu_us_per_req\": %.2f}\n",
		       o->mip ? "mip" : "plain", nusers, o->rate, o->rate > 0 ? 0 : o->concurrency, elapsed, st->sent,
		       st->accepts, st->rejects, st->timeouts, st->bad, st->errors, st->behind, rps, pct(st, 50), pct(st, 95), pct(st, 99),
		       pct(st, 100), done ? cpu * 1e6 / (double) done : 0);
	} else if (strcmp(o->format, "csv") == 0) {
		printf("mode,users,rate,concurrency,duration_s,sent,accepts,rejects,timeouts,bad,behind,req_per_s,p50_ms,p95_ms,"
		       "p99_ms,max_ms,client_cpu_us_per_req\n");
		printf("%s,%zu,%.0f,%d,%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.1f,%.3f,%.3f,%.3f,"
		       "%.3f,%.2f\n", o->mip ? "mip" : "plain", nusers, o->rate, o->rate > 0 ? 0 : o->concurrency, elapsed,
		       st->sent, st->accepts, st->rejects, st->timeouts, st->bad, st->behind, rps, pct(st, 50), pct(st, 95),
		       pct(st, 99), pct(st, 100), done ? cpu * 1e6 / (double) done : 0);
	} else {
		printf("%s requests, %zu users, %s %.0f, %.2f s: %" PRIu64 " sent, %" PRIu64 " accepts, %" PRIu64
		       " rejects, %" PRIu64 " timeouts, %" PRIu64 " bad answers\n", o->mip ? "Mobile IP" : "MS-CHAPv2",
		       nusers, o->rate > 0 ? "rate" : "concurrency", o->rate > 0 ? o->rate : o->concurrency, elapsed,
		       st->sent, st->accepts, st->rejects, st->timeouts, st->bad);
		printf("%.1f req/s; latency ms p50 %.3f p95 %.3f p99 %.3f max %.3f; client CPU %.2f us/request\n", rps,
		       pct(st, 50), pct(st, 95), pct(st, 99), pct(st, 100), done ? cpu * 1e6 / (double) done : 0);
		if (st->behind) printf("%" PRIu64 " sends skipped: the client fell behind the rate\n", st->behind);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mipkey-bench -s SECRET [options] SERVER[:PORT]...\n"
		"       mipkey-bench --gen-users N [--prefix P] [--format files|ldif] [--base DN]\n"
		"       mipkey-bench -s SECRET --responder ADDR:PORT\n"
		"  -s, --secret S        RADIUS shared secret\n"
		"  -u, --users N         N generated users PREFIXnnnnnn, password pw-PREFIXnnnnnn (default 1000)\n"
		"      --prefix P        name prefix of generated users (default bench)\n"
		"  -l, --ldif FILE       users from an LDIF (uid, sambaNTPassword) instead\n"
		"  -m, --mode M          plain (MS-CHAPv2, the default) or mip (plus Mobile IP MN-HA and MN-FA keys)\n"
		"  -M                    add Message-Authenticator to plain requests (mip requests always have it)\n"
		"  -c, --concurrency N   requests in flight (closed loop; default 32)\n"
		"  -r, --rate R          offered requests per second instead (open loop)\n"
		"  -d, --duration S      seconds to send for (default 10 unless -n)\n"
		"  -n, --count N         requests to send\n"
		"  -t, --timeout S       seconds before a request counts as timed out (default 2; no retransmission)\n"
		"  -o, --output F        text (default), json or csv\n"
		"A progress line goes to stderr once a second when stderr is a terminal.\n");
}

int main(int argc, char **argv)
{
	static struct option const lo[] = {
		{ "secret", required_argument, NULL, 's' }, { "users", required_argument, NULL, 'u' },
		{ "prefix", required_argument, NULL, 'P' }, { "ldif", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' }, { "concurrency", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' }, { "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' }, { "timeout", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' }, { "gen-users", required_argument, NULL, 'G' },
		{ "format", required_argument, NULL, 'F' }, { "base", required_argument, NULL, 'B' },
		{ "responder", required_argument, NULL, 'R' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	opts_t			o = { .concurrency = 32, .timeout = 2, .format = "text" };
	char const		*prefix = "bench", *ldif = NULL, *fmt = "files", *base = "ou=people,dc=mipkey,dc=test";
	char const		*resp_addr = NULL, *err = NULL;
	size_t			nu = 1000, gen = 0;
	struct sockaddr_storage	ss[MAX_SERVERS];
	socklen_t		sl[MAX_SERVERS];
	OSSL_PARAM		params[2];
	stats_t			st = { 0 };
	double			elapsed = 0;
	int			c, i, nservers;

	while ((c = getopt_long(argc, argv, "s:u:l:m:Mc:r:d:n:t:o:h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o.secret = optarg; break;
		case 'u': nu = strtoul(optarg, NULL, 10); break;
		case 'P': prefix = optarg; break;
		case 'l': ldif = optarg; break;
		case 'm':
			if (strcmp(optarg, "mip") != 0 && strcmp(optarg, "plain") != 0) return usage(stderr), 2;
			o.mip = strcmp(optarg, "mip") == 0;
			break;
		case 'M': o.message_authenticator = true; break;
		case 'c': o.concurrency = atoi(optarg); break;
		case 'r': o.rate = atof(optarg); break;
		case 'd': o.duration = atof(optarg); break;
		case 'n': o.count = strtoull(optarg, NULL, 10); break;
		case 't': o.timeout = atof(optarg); break;
		case 'o': o.format = optarg; break;
		case 'G': gen = strtoul(optarg, NULL, 10); break;
		case 'F': fmt = optarg; break;
		case 'B': base = optarg; break;
		case 'R': resp_addr = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (mschapv2_crypto_init(&err) < 0) {
		fprintf(stderr, "mipkey-bench: %s\n", err);
		return 1;
	}
	if (gen) return print_users(prefix, gen, fmt, base);
	if (!o.secret || !*o.secret || (!resp_addr && optind >= argc) || o.concurrency < 1 || o.timeout <= 0 ||
	    (strcmp(o.format, "text") && strcmp(o.format, "json") && strcmp(o.format, "csv"))) {
		usage(stderr);
		return 2;
	}
	o.secret_len = strlen(o.secret);
	if (!o.duration && !o.count) o.duration = 10;

	md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	md5_ctx = EVP_MD_CTX_new();
	hmac_ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *) "MD5", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!md5 || !md5_ctx || !hmac_ctx || !EVP_MAC_CTX_set_params(hmac_ctx, params)) {
		fprintf(stderr, "mipkey-bench: OpenSSL MD5 / HMAC unavailable\n");
		return 1;
	}
	{
		/* No SA_RESTART: the responder's recvfrom() returns, so it sees stop. */
		struct sigaction sa = { .sa_handler = on_signal };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (resp_addr) return responder(&o, resp_addr);

	if (getrandom(rng, sizeof(rng), 0) != sizeof(rng)) rng[0] = (uint64_t) time(NULL) | 1;
	if ((ldif ? users_from_ldif(ldif) : users_generate(prefix, nu ? nu : 1)) < 0) return 1;
	nservers = argc - optind;
	if (nservers > MAX_SERVERS) return fail("at most 16 servers"), 2;
	for (i = 0; i < nservers; i++) {
		if (resolve(argv[optind + i], &ss[i], &sl[i]) < 0) {
			fprintf(stderr, "mipkey-bench: cannot resolve %s\n", argv[optind + i]);
			return 2;
		}
	}
	if (run(&o, ss, sl, nservers, &st, &elapsed) < 0) return 1;
	report(&o, argv + optind, nservers, &st, elapsed);
	EVP_MAC_CTX_free(hmac_ctx);
	EVP_MAC_free(hmac);
	EVP_MD_CTX_free(md5_ctx);
	EVP_MD_free(md5);
	free(st.lat);
	free(users);
	mschapv2_crypto_free();
	return (st.timeouts || st.bad || st.errors) ? 3 : 0;
}
