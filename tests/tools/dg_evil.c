/* tests/tools/dg_evil.c - a malicious but authenticated peer, for tests.
 *
 *   dg_evil --dir DIR HOST:PORT MODE      (passphrase: DUGNAD_PASSPHRASE)
 *
 * It unlocks the member node in DIR for its key pair and handshake keys,
 * dials HOST:PORT with plain blocking sockets, completes the handshake as
 * an honest initiator, sends HELLO with a random digest, reads the
 * server's HELLO and HEADS, sends an empty HEADS, and then misbehaves as
 * MODE says:
 *
 *   forged     a BATCH of this node's own entries the server lacks, with
 *              a byte of the last entry's signature flipped
 *   chain      the same entries, the middle one's header replaced by the
 *              next one's (signatures and bodies as stored): the hash
 *              chain breaks there
 *   oversize   a frame whose length is NET_FRAME_MAX + 16 + 1, then bytes
 *   garbage    an encrypted frame whose plaintext is random (no msgpack)
 *   badcipher  a frame of 100 random bytes (does not authenticate)
 *   gap        the entries but the first: they start past the server's
 *              head (the server answers WANT and keeps the connection)
 *   heads      instead of the empty HEADS, two heads in descending author
 *              order
 *   request    a join REQUEST inside this member's session
 *   honest     the entries unmodified, then DONE; waits for SYNCED
 *
 * Then it waits up to 5 s for the server to close the connection and
 * prints one line: "closed" or "open".  Its local address and what the
 * server said go to stderr.  Exit 0 when the scenario ran, 2 on setup
 * errors (usage, store, connection, handshake, nothing to send).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/entry.h"
#include "net/msg.h"
#include "net/noise.h"
#include "store/node.h"
#include "store/repl.h"
#include "tests/tools/clock.h"

#define WIRE_MAX (NET_FRAME_MAX + 16)
#define SETUP_MS 10000 /* the handshake and the server's HELLO, HEADS */
#define CLOSE_MS 5000  /* how long the server gets to close */
#define PSKS 64

enum rd {
	RD_OK,
	RD_EOF, /* closed by the server, or reset */
	RD_TIMEOUT,
	RD_BAD, /* bad length, does not authenticate or decode */
};

struct ent {
	uint8_t hdr[CORE_HDR_MAX];
	size_t hlen;
	uint8_t sig[CORE_SIG_LEN];
	uint8_t *body; /* owned; NULL when dropped */
	size_t blen;
	uint64_t seq;
};

struct ents {
	struct ent *e;
	size_t n, cap;
	int err;
};

struct conn {
	int fd;
	struct net_cipher tx, rx;
};

static uint64_t
now_ms(void)
{
	return tool_ms(CLOCK_MONOTONIC);
}

static void
be32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Writes everything; false when the connection broke (no SIGPIPE). */
static bool
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* Reads exactly len bytes before the deadline (ms, monotonic). */
static enum rd
read_exact(int fd, uint8_t *p, size_t len, uint64_t deadline)
{
	struct pollfd pfd;
	uint64_t now;
	ssize_t r;
	int pr;

	while (len > 0) {
		now = now_ms();
		if (now >= deadline)
			return RD_TIMEOUT;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		pr = poll(&pfd, 1, (int)(deadline - now));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return RD_EOF;
		if (pr == 0)
			return RD_TIMEOUT;
		r = recv(fd, p, len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return RD_EOF;
		p += r;
		len -= (size_t)r;
	}
	return RD_OK;
}

/* A frame in the clear (the handshake): length, then want bytes. */
static enum rd
read_plain(int fd, uint8_t *out, size_t want, uint64_t deadline)
{
	uint8_t hdr[4];
	size_t len;
	enum rd r;

	if ((r = read_exact(fd, hdr, 4, deadline)) != RD_OK)
		return r;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
	    (size_t)hdr[2] << 8 | hdr[3];
	if (len != want)
		return RD_BAD;
	return read_exact(fd, out, want, deadline);
}

static bool
send_plain(int fd, const uint8_t *p, size_t len)
{
	uint8_t hdr[4];

	be32(hdr, len);
	return write_all(fd, hdr, 4) && write_all(fd, p, len);
}

/* Seals and sends a plaintext; false when sealing or the write failed. */
static bool
send_sealed(struct conn *c, const uint8_t *p, size_t len)
{
	uint8_t *w = malloc(4 + len + 16);
	bool ok;

	if (w == NULL)
		return false;
	be32(w, len + 16);
	ok = net_cipher_seal(&c->tx, p, len, w + 4) == 0 &&
	    write_all(c->fd, w, 4 + len + 16);
	free(w);
	return ok;
}

static bool
send_msg(struct conn *c, struct core_buf *b)
{
	bool ok =
	    b->err == 0 && send_sealed(c, (const uint8_t *)b->data, b->len);

	core_buf_reset(b);
	return ok;
}

/* Reads one encrypted frame and decodes it into m, which borrows *plain
 * (owned by the caller, free() after net_msg_fini). */
static enum rd
read_msg(struct conn *c, uint64_t deadline, uint8_t **plain, struct net_msg *m)
{
	uint8_t hdr[4], *wire = NULL, *p = NULL;
	size_t len;
	enum rd r;

	*plain = NULL;
	if ((r = read_exact(c->fd, hdr, 4, deadline)) != RD_OK)
		return r;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
	    (size_t)hdr[2] << 8 | hdr[3];
	if (len < 17 || len > WIRE_MAX)
		return RD_BAD;
	wire = malloc(len);
	p = malloc(len - 16);
	if (wire == NULL || p == NULL) {
		r = RD_BAD;
		goto out;
	}
	if ((r = read_exact(c->fd, wire, len, deadline)) != RD_OK)
		goto out;
	if (net_cipher_open(&c->rx, wire, len, p) != 0 ||
	    net_msg_decode(p, len - 16, m) != 0) {
		r = RD_BAD;
		goto out;
	}
	*plain = p;
	p = NULL;
out:
	free(wire);
	free(p);
	return r;
}

static void
say_error(const struct net_msg *m)
{
	if (m->type == NET_ERROR)
		fprintf(stderr, "dg_evil: the server sent ERROR %llu: %s\n",
		    (unsigned long long)m->u.error.code, m->u.error.text);
	else if (m->type == NET_WANT)
		fprintf(stderr, "dg_evil: the server sent WANT from %llu\n",
		    (unsigned long long)m->u.want.seq);
}

/* Waits up to CLOSE_MS for the server to close; reads and drops what it
 * sends meanwhile.  True when it closed. */
static bool
wait_close(struct conn *c)
{
	uint64_t deadline = now_ms() + CLOSE_MS;
	uint8_t *plain, junk[4096];
	struct net_msg m;
	enum rd r;

	for (;;) {
		memset(&m, 0, sizeof m);
		r = read_msg(c, deadline, &plain, &m);
		if (r == RD_OK) {
			say_error(&m);
			net_msg_fini(&m);
			free(plain);
			continue;
		}
		if (r == RD_EOF)
			return true;
		if (r == RD_TIMEOUT)
			return false;
		break; /* out of step with the stream: drain raw bytes */
	}
	for (;;) {
		r = read_exact(c->fd, junk, 1, deadline);
		if (r == RD_EOF)
			return true;
		if (r == RD_TIMEOUT)
			return false;
	}
}

/* --- this node's entries ------------------------------------------------ */

static int
collect(void *ctx, const struct store_entry *e, int rc)
{
	struct ents *es = ctx;
	struct ent *g;

	if (rc != 0 || e->raw_len == 0 || e->raw_len > CORE_HDR_MAX)
		return es->err = rc != 0 ? rc : DG_ECORRUPT;
	if (es->n == es->cap) {
		es->cap = es->cap ? 2 * es->cap : 16;
		g = realloc(es->e, es->cap * sizeof *g);
		if (g == NULL)
			return es->err = DG_ENOMEM;
		es->e = g;
	}
	g = &es->e[es->n];
	memset(g, 0, sizeof *g);
	memcpy(g->hdr, e->raw, e->raw_len);
	g->hlen = e->raw_len;
	memcpy(g->sig, e->sig, CORE_SIG_LEN);
	g->seq = e->hdr.seq;
	if (e->body != NULL) {
		g->body = malloc(e->body_len ? e->body_len : 1);
		if (g->body == NULL)
			return es->err = DG_ENOMEM;
		memcpy(g->body, e->body, e->body_len);
		g->blen = e->body_len;
	}
	es->n++;
	return 0;
}

static void
ents_fini(struct ents *es)
{
	size_t i;

	for (i = 0; i < es->n; i++)
		free(es->e[i].body);
	free(es->e);
	memset(es, 0, sizeof *es);
}

/* One BATCH of the entries (author: this node). */
static bool
send_batch(struct conn *c, const uint8_t author[32], const struct ents *es)
{
	struct core_buf b;
	size_t i;
	bool ok;

	core_buf_init(&b);
	net_msg_batch_begin(&b, author, es->n);
	for (i = 0; i < es->n; i++)
		net_msg_batch_entry(&b, es->e[i].hdr, es->e[i].hlen,
		    es->e[i].sig, es->e[i].body, es->e[i].blen);
	ok = send_msg(c, &b);
	core_buf_fini(&b);
	return ok;
}

/* --- setup ---------------------------------------------------------------- */

static int
dial(const char *addr)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256];
	const char *colon = strrchr(addr, ':');
	size_t hl;
	int fd = -1, one = 1;

	if (colon == NULL || colon == addr || colon[1] == '\0')
		return -1;
	hl = (size_t)(colon - addr);
	if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') {
		addr++;
		hl -= 2;
	}
	if (hl >= sizeof host)
		return -1;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		(void)setsockopt(
		    fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* Prints the local address, so a test can find this connection in the
 * server's log. */
static void
say_local(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		port = ntohs(s4->sin_port);
		fprintf(stderr, "dg_evil: local address %s:%u\n", host, port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		port = ntohs(s6->sin6_port);
		fprintf(stderr, "dg_evil: local address [%s]:%u\n", host, port);
	}
}

/* The Noise handshake as initiator; then the transport ciphers. */
static int
handshake(struct conn *c, const uint8_t pk[32], const uint8_t *sk,
    const uint8_t psk[32])
{
	struct net_noise *hs = NULL;
	uint8_t m1[NET_NOISE_MSG1], m2[NET_NOISE_MSG2], m3[NET_NOISE_MSG3];
	uint8_t peer[32];
	uint64_t deadline = now_ms() + SETUP_MS;
	enum rd r;
	int rc;

	rc = net_noise_new(1, pk, sk, psk, &hs);
	if (rc == 0)
		rc = net_noise_write1(hs, (uint64_t)time(NULL), m1);
	if (rc == 0 && !send_plain(c->fd, m1, sizeof m1))
		rc = DG_ENET;
	if (rc == 0 &&
	    (r = read_plain(c->fd, m2, sizeof m2, deadline)) != RD_OK)
		rc = r == RD_TIMEOUT ? DG_ETIMEOUT : DG_EREFUSED;
	if (rc == 0)
		rc = net_noise_read2(hs, m2, sizeof m2, peer);
	if (rc == 0)
		rc = net_noise_write3(hs, m3);
	if (rc == 0 && !send_plain(c->fd, m3, sizeof m3))
		rc = DG_ENET;
	if (rc == 0)
		rc = net_noise_split(hs, &c->tx, &c->rx, NULL);
	net_noise_free(hs);
	return rc;
}

/* HELLO with a random digest; then the server's HELLO and HEADS.  *have
 * receives the server's sequence number for author (0: none). */
static int
greet(struct conn *c, const uint8_t author[32], uint64_t *have)
{
	uint64_t deadline = now_ms() + SETUP_MS;
	uint8_t digest[32], *plain;
	struct core_buf b;
	struct net_msg m;
	bool hello = false, heads = false;
	size_t i;
	enum rd r;

	*have = 0;
	randombytes_buf(digest, sizeof digest);
	core_buf_init(&b);
	net_msg_hello(&b, digest, 0, 0);
	if (!send_msg(c, &b)) {
		core_buf_fini(&b);
		return DG_ENET;
	}
	core_buf_fini(&b);
	while (!hello || !heads) {
		memset(&m, 0, sizeof m);
		r = read_msg(c, deadline, &plain, &m);
		if (r != RD_OK) {
			fprintf(stderr,
			    "dg_evil: no HELLO and HEADS from the "
			    "server (%s)\n",
			    r == RD_TIMEOUT   ? "timed out"
			        : r == RD_EOF ? "closed"
			                      : "bad frame");
			return DG_EPROTO;
		}
		say_error(&m);
		if (m.type == NET_HELLO)
			hello = true;
		if (m.type == NET_HEADS) {
			for (i = 0; i < m.u.heads.n; i++)
				if (memcmp(m.u.heads.h[i].author, author, 32) ==
				    0)
					*have = m.u.heads.h[i].seq;
			heads = !m.u.heads.more;
		}
		if (m.type == NET_ERROR) {
			net_msg_fini(&m);
			free(plain);
			return DG_EREFUSED;
		}
		net_msg_fini(&m);
		free(plain);
	}
	return 0;
}

/* honest: waits for SYNCED, answering the server's DONE. */
static bool
wait_synced(struct conn *c)
{
	uint64_t deadline = now_ms() + SETUP_MS;
	uint8_t *plain, digest[32];
	struct core_buf b;
	struct net_msg m;
	bool synced = false;

	while (!synced) {
		memset(&m, 0, sizeof m);
		if (read_msg(c, deadline, &plain, &m) != RD_OK)
			return false;
		say_error(&m);
		if (m.type == NET_SYNCED)
			synced = true;
		if (m.type == NET_DONE) {
			/* be a polite peer: whatever it sent is "stored" */
			randombytes_buf(digest, sizeof digest);
			core_buf_init(&b);
			net_msg_synced(&b, digest);
			(void)send_msg(c, &b);
			core_buf_fini(&b);
		}
		net_msg_fini(&m);
		free(plain);
	}
	return true;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: dg_evil --dir DIR HOST:PORT MODE\n"
	    "MODE: forged chain gap oversize garbage badcipher heads request "
	    "honest\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *dir, *addr, *mode, *pass = getenv("DUGNAD_PASSPHRASE");
	struct store_node *n = NULL;
	struct conn c = {.fd = -1};
	struct ents es;
	struct core_buf b;
	uint8_t pk[32], *sk = NULL, (*psks)[32] = NULL, *junk = NULL;
	uint64_t have = 0;
	size_t npsk, mid, other, jlen;
	bool entries, ok = true;
	int rc, ret = 2;

	memset(&es, 0, sizeof es);
	if (argc != 5 || strcmp(argv[1], "--dir") != 0)
		return usage();
	dir = argv[2];
	addr = argv[3];
	mode = argv[4];
	entries = strcmp(mode, "forged") == 0 || strcmp(mode, "chain") == 0 ||
	    strcmp(mode, "honest") == 0 || strcmp(mode, "gap") == 0;
	if (!entries && strcmp(mode, "oversize") != 0 &&
	    strcmp(mode, "garbage") != 0 && strcmp(mode, "badcipher") != 0 &&
	    strcmp(mode, "heads") != 0 && strcmp(mode, "request") != 0)
		return usage();
	if (pass == NULL || pass[0] == '\0') {
		fprintf(stderr, "dg_evil: set DUGNAD_PASSPHRASE\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "dg_evil: libsodium does not start\n");
		return 2;
	}
	rc = store_node_open(dir, pass, strlen(pass), 0, &n);
	if (rc != 0) {
		fprintf(stderr, "dg_evil: cannot open %s: %s\n", dir,
		    dg_strerror(rc));
		return 2;
	}
	sk = sodium_malloc(64);
	psks = sodium_malloc(PSKS * sizeof *psks);
	if (sk == NULL || psks == NULL) {
		fprintf(stderr, "dg_evil: out of memory\n");
		goto out;
	}
	store_node_pk(n, pk);
	store_node_sk(n, sk);
	npsk = store_node_psks(n, psks, PSKS);
	if (npsk == 0) {
		fprintf(stderr, "dg_evil: %s is in no network\n", dir);
		goto out;
	}

	c.fd = dial(addr);
	if (c.fd < 0) {
		fprintf(stderr, "dg_evil: cannot connect to %s\n", addr);
		goto out;
	}
	say_local(c.fd);
	rc = handshake(&c, pk, sk, psks[0]);
	if (rc != 0) {
		fprintf(stderr, "dg_evil: the handshake failed: %s\n",
		    dg_strerror(rc));
		goto out;
	}
	rc = greet(&c, pk, &have);
	if (rc != 0)
		goto out;

	if (entries) {
		rc = store_node_run(n, pk, have + 1, NET_BATCH_MAX,
		    NET_FRAME_MAX / 2, collect, &es);
		if (rc == 0)
			rc = es.err;
		if (rc != 0) {
			fprintf(stderr, "dg_evil: cannot read the log: %s\n",
			    dg_strerror(rc));
			goto out;
		}
		if (es.n < (strcmp(mode, "chain") == 0 ||
			strcmp(mode, "gap") == 0 ? 2u : 1u)) {
			fprintf(stderr,
			    "dg_evil: the server holds this "
			    "node's log up to %llu: nothing new to send\n",
			    (unsigned long long)have);
			goto out;
		}
		fprintf(stderr, "dg_evil: sending entries %llu..%llu\n",
		    (unsigned long long)es.e[0].seq,
		    (unsigned long long)es.e[es.n - 1].seq);
	}

	/* An empty HEADS: the server thinks this peer holds nothing.
	 * Mode heads: two heads in descending author order instead. */
	core_buf_init(&b);
	if (strcmp(mode, "heads") == 0) {
		uint8_t recs[2 * 72];

		randombytes_buf(recs, sizeof recs);
		memset(recs, 0xee, 32);
		memset(recs + 72, 0x11, 32);
		net_msg_heads(&b, false, recs, 2);
	} else {
		net_msg_heads(&b, false, NULL, 0);
	}
	if (!send_msg(&c, &b)) {
		core_buf_fini(&b);
		fprintf(stderr, "dg_evil: cannot send HEADS\n");
		goto out;
	}

	/* From here on the scenario runs: a write the server cut short is
	 * one of its possible answers. */
	ret = 0;
	if (strcmp(mode, "forged") == 0) {
		es.e[es.n - 1].sig[17] ^= 0x40;
		ok = send_batch(&c, pk, &es);
	} else if (strcmp(mode, "chain") == 0) {
		mid = es.n / 2;
		if (mid == 0)
			mid = 1;
		/* the header of the next entry (or the one before) */
		other = mid + 1 < es.n ? mid + 1 : mid - 1;
		memcpy(es.e[mid].hdr, es.e[other].hdr, es.e[other].hlen);
		es.e[mid].hlen = es.e[other].hlen;
		ok = send_batch(&c, pk, &es);
	} else if (strcmp(mode, "honest") == 0) {
		ok = send_batch(&c, pk, &es);
		net_msg_simple(&b, NET_DONE);
		ok = ok && send_msg(&c, &b);
		if (ok && !wait_synced(&c))
			fprintf(stderr,
			    "dg_evil: no SYNCED from the "
			    "server\n");
		else if (ok)
			fprintf(stderr,
			    "dg_evil: the server answered "
			    "SYNCED\n");
	} else if (strcmp(mode, "gap") == 0) {
		struct ents tail = es;

		/* honest entries, but starting one past what the server
		 * holds: not forged, a gap (it answers WANT, stays open) */
		tail.e = es.e + 1;
		tail.n = es.n - 1;
		ok = send_batch(&c, pk, &tail);
	} else if (strcmp(mode, "heads") == 0) {
		ok = true; /* the HEADS above was the misbehaviour */
	} else if (strcmp(mode, "request") == 0) {
		struct core_join_request r;

		/* a join request inside a member's session */
		memset(&r, 0, sizeof r);
		memcpy(r.pk, pk, 32);
		snprintf(r.name, sizeof r.name, "Mallory");
		randombytes_buf(r.secret, sizeof r.secret);
		r.time = (uint64_t)time(NULL);
		net_msg_request(&b, &r);
		ok = send_msg(&c, &b);
	} else if (strcmp(mode, "oversize") == 0) {
		jlen = 4 + 4096;
		junk = malloc(jlen);
		if (junk != NULL) {
			be32(junk, WIRE_MAX + 1);
			randombytes_buf(junk + 4, jlen - 4);
			ok = write_all(c.fd, junk, jlen);
		}
	} else if (strcmp(mode, "garbage") == 0) {
		uint8_t p[64];

		/* 0xc1 is never valid msgpack: not one well-formed value */
		randombytes_buf(p, sizeof p);
		p[0] = 0xc1;
		ok = send_sealed(&c, p, sizeof p);
	} else { /* badcipher */
		uint8_t p[4 + 100];

		be32(p, 100);
		randombytes_buf(p + 4, 100);
		ok = write_all(c.fd, p, sizeof p);
	}
	core_buf_fini(&b);
	if (!ok)
		fprintf(stderr,
		    "dg_evil: the connection broke while "
		    "sending\n");
	printf("%s\n", wait_close(&c) ? "closed" : "open");
	fflush(stdout);
out:
	if (c.fd >= 0)
		close(c.fd);
	net_cipher_fini(&c.tx);
	net_cipher_fini(&c.rx);
	free(junk);
	ents_fini(&es);
	sodium_free(psks);
	sodium_free(sk);
	store_node_close(n);
	return ret;
}
