/* tests/tools/dg_lan.c - datagrams and sockets for the LAN discovery test
 * (tests/sh/t_lan.sh), run inside a test network namespace.
 *
 *   dg_lan flood ADDR PORT COUNT [IF]
 *       COUNT random UDP datagrams to ADDR:PORT, every other one exactly
 *       104 bytes (a beacon's size), the rest 0 to 200 bytes; send errors
 *       (ENOBUFS, ...) are counted and ignored.  Prints "sent N of COUNT".
 *   dg_lan capture IFADDR SRCADDR FILE SECONDS
 *       joins 239.255.73.73 on the interface of IPv4 address IFADDR,
 *       listens on UDP 7373 (SO_REUSEADDR) and saves to FILE the first
 *       104-byte datagram whose source is SRCADDR.  Exit 1 when none came
 *       within SECONDS.
 *   dg_lan replay FILE ADDR PORT COUNT INTERVAL_MS [IF]
 *       sends the bytes of FILE as one datagram to ADDR:PORT, COUNT times,
 *       INTERVAL_MS apart.  Prints "sent N of COUNT".
 *   dg_lan listen PORT SECONDS
 *       accepts TCP connections on PORT (IPv4 and IPv6) for SECONDS,
 *       closing each at once; says "listening on port PORT" on stderr when
 *       ready, then prints the number of connections accepted.
 *   dg_lan forge DIR IFADDR COUNT INTERVAL_MS
 *       a key holder's forgeries: opens the node in DIR (passphrase from
 *       DUGNAD_PASSPHRASE), and sends COUNT genuine-looking beacons sealed
 *       with its newest network key, each naming a made-up node id, the
 *       IPv4 address IFADDR (this host's: they pass the source check) and
 *       TCP port 7373, to the IPv4 group, INTERVAL_MS apart.  Prints
 *       "sent N of COUNT".
 *   dg_lan hold ADDR PORT N SECONDS
 *       a handshake flood of a stranger: keeps N TCP connections open to
 *       ADDR:PORT that never send a byte, opening a new one whenever the
 *       node closes one, for SECONDS.  Prints "opened N" (connections
 *       made in all).
 *   dg_lan grep FILE [--text S]... [--id ID]... [--hex HEX]...
 *       searches the raw bytes of FILE for each pattern; --id (a node or
 *       network id in text) stands for its text, its 10-character short
 *       form (both in lower and upper case), its 32 raw bytes and each
 *       8-byte quarter of them.  Prints each pattern found; exit 1 if any
 *       was found, 0 if none.
 *
 * Every datagram is sent with a TTL (hop limit) of 1: nothing leaves the
 * test segment.  IF is the IPv4 address of the interface multicast goes
 * out on (a namespace without a default route needs it); for IPv6 give
 * the scope in ADDR instead (ff02::7373%eth0).  Exit 2 on usage and
 * setup errors, with one line on stderr.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
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

#include <sodium.h>

#include "core/ident.h"
#include "net/beacon.h"
#include "store/node.h"
#include "store/repl.h"
#include "tests/tools/clock.h"

#define BEACON_LEN 104
#define BEACON_PORT 7373
#define BEACON_GROUP "239.255.73.73"
#define FLOOD_MAX_MS 60000 /* a flood stops after this, whatever COUNT */
#define FLOOD_MAX_LEN 200
#define DGRAM_MAX 65507
#define GREP_MAX ((size_t)1 << 30)
#define PATTERNS 512

#define EXIT_SETUP 2

static const char *cmd_name = "dg_lan";

_Noreturn static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* One line on stderr, exit 2. */
_Noreturn static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dg_lan: %s: ", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_SETUP);
}

_Noreturn static void
die_errno(const char *what)
{
	fprintf(
	    stderr, "dg_lan: %s: %s: %s\n", cmd_name, what, strerror(errno));
	exit(EXIT_SETUP);
}

static uint64_t
now_ms(void)
{
	return tool_ms(CLOCK_MONOTONIC);
}

static void
sleep_ms(unsigned long ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A whole decimal number in [min, max]; dies naming what on anything
 * else. */
/* Waits until fd can be read (true) or the clock reaches end (false). */
static bool
readable_until(int fd, uint64_t end)
{
	struct pollfd pfd;
	uint64_t now;

	while ((now = now_ms()) < end) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(end - now)) > 0)
			return true;
	}
	return false;
}

static unsigned long
num_arg(const char *s, unsigned long min, unsigned long max, const char *what)
{
	unsigned long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		die("%s must be a whole number", what);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		die("%s is out of range", what);
	return v;
}

/* A numeric address and port for UDP: dotted-quad IPv4, or IPv6 that may
 * carry a %scope. */
static void
udp_addr(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct addrinfo hints, *ai;
	unsigned long p;

	p = num_arg(port, 1, 65535, "PORT");
	memset(ss, 0, sizeof(*ss));
	if (strchr(host, ':') == NULL) {
		/* inet_pton: no "1.2.3" or "010.1.1.1" as getaddrinfo takes */
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			die("'%s' is not a numeric IPv4 or IPv6 address", host);
		*len = sizeof(*s4);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET6;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		die("'%s' is not a numeric IPv4 or IPv6 address", host);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = (socklen_t)ai->ai_addrlen;
	freeaddrinfo(ai);
}

/* A UDP socket to send to dst from: broadcast allowed, TTL 1, multicast
 * out of the interface of IPv4 address ifaddr when given. */
static int
send_socket(const struct sockaddr_storage *dst, const char *ifaddr)
{
	struct in_addr ia;
	int fd, one = 1, ttl = 1;

	fd = socket(dst->ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die_errno("socket");
	if (dst->ss_family == AF_INET) {
		if (setsockopt(
		        fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) != 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) !=
		        0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
		        sizeof(ttl)) != 0)
			die_errno("setsockopt");
		if (ifaddr != NULL) {
			if (inet_pton(AF_INET, ifaddr, &ia) != 1)
				die("IF '%s' is not an IPv4 address", ifaddr);
			if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ia,
			        sizeof(ia)) != 0)
				die_errno("IP_MULTICAST_IF");
		}
	} else {
		if (ifaddr != NULL)
			die("IF '%s': for IPv6 put the scope in ADDR", ifaddr);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		        sizeof(ttl)) != 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl,
		        sizeof(ttl)) != 0)
			die_errno("setsockopt");
	}
	return fd;
}

static int
cmd_flood(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t dlen;
	uint8_t buf[FLOOD_MAX_LEN];
	unsigned long count, i, sent = 0, errs = 0;
	uint64_t end;
	size_t len;
	int fd;

	if (argc != 4 && argc != 5)
		die("usage: flood ADDR PORT COUNT [IF]");
	udp_addr(argv[1], argv[2], &dst, &dlen);
	count = num_arg(argv[3], 1, 100000000UL, "COUNT");
	fd = send_socket(&dst, argc == 5 ? argv[4] : NULL);
	end = now_ms() + FLOOD_MAX_MS;
	for (i = 0; i < count; i++) {
		if ((i & 1023) == 0 && now_ms() >= end)
			break;
		len = (i & 1) == 0
		    ? BEACON_LEN
		    : (size_t)randombytes_uniform(FLOOD_MAX_LEN + 1);
		randombytes_buf(buf, len);
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst, dlen) ==
		    (ssize_t)len)
			sent++;
		else
			errs++;
	}
	close(fd);
	printf("sent %lu of %lu (%lu send errors)\n", sent, count, errs);
	return 0;
}

static int
cmd_capture(int argc, char **argv)
{
	struct sockaddr_in sa, from;
	struct in_addr src;
	struct ip_mreq mr;
	uint8_t buf[2048];
	socklen_t flen;
	uint64_t end;
	ssize_t n;
	FILE *f;
	int fd, one = 1;

	if (argc != 5)
		die("usage: capture IFADDR SRCADDR FILE SECONDS");
	memset(&mr, 0, sizeof(mr));
	if (inet_pton(AF_INET, argv[1], &mr.imr_interface) != 1)
		die("IFADDR '%s' is not an IPv4 address", argv[1]);
	if (inet_pton(AF_INET, argv[2], &src) != 1)
		die("SRCADDR '%s' is not an IPv4 address", argv[2]);
	end = now_ms() + 1000 * num_arg(argv[4], 1, 3600, "SECONDS");
	if (inet_pton(AF_INET, BEACON_GROUP, &mr.imr_multiaddr) != 1)
		die("bad group");

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die_errno("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		die_errno("SO_REUSEADDR");
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(BEACON_PORT);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die_errno("bind UDP 7373");
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0)
		die_errno("join " BEACON_GROUP);

	while (readable_until(fd, end)) {
		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&from, &flen);
		if (n != BEACON_LEN || from.sin_family != AF_INET ||
		    from.sin_addr.s_addr != src.s_addr)
			continue;
		f = fopen(argv[3], "wb");
		if (f == NULL)
			die_errno(argv[3]);
		if (fwrite(buf, 1, BEACON_LEN, f) != BEACON_LEN ||
		    fclose(f) != 0)
			die_errno(argv[3]);
		close(fd);
		printf("captured %d bytes from %s\n", BEACON_LEN, argv[2]);
		return 0;
	}
	close(fd);
	fprintf(stderr,
	    "dg_lan: capture: no %d-byte datagram from %s in %s s\n",
	    BEACON_LEN, argv[2], argv[4]);
	return 1;
}

/* Reads all of a file into a malloc'd buffer of at most max bytes. */
static uint8_t *
read_file(const char *path, size_t max, size_t *len)
{
	uint8_t *p = NULL, *q;
	size_t cap = 0, n = 0, r;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL)
		die_errno(path);
	for (;;) {
		if (n == cap) {
			if (cap >= max)
				die("%s is too big", path);
			cap = cap == 0 ? 65536 : cap * 2;
			q = realloc(p, cap);
			if (q == NULL)
				die("out of memory");
			p = q;
		}
		r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f))
		die_errno(path);
	fclose(f);
	if (n > max)
		die("%s is too big", path);
	*len = n;
	return p;
}

static int
cmd_replay(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t dlen;
	unsigned long count, interval, i, sent = 0;
	uint8_t *data;
	size_t len;
	int fd;

	if (argc != 6 && argc != 7)
		die("usage: replay FILE ADDR PORT COUNT INTERVAL_MS [IF]");
	udp_addr(argv[2], argv[3], &dst, &dlen);
	count = num_arg(argv[4], 1, 100000, "COUNT");
	interval = num_arg(argv[5], 0, 60000, "INTERVAL_MS");
	data = read_file(argv[1], DGRAM_MAX, &len);
	if (len == 0)
		die("%s is empty", argv[1]);
	fd = send_socket(&dst, argc == 7 ? argv[6] : NULL);
	for (i = 0; i < count; i++) {
		if (i > 0)
			sleep_ms(interval);
		if (sendto(fd, data, len, 0, (struct sockaddr *)&dst, dlen) ==
		    (ssize_t)len)
			sent++;
	}
	close(fd);
	free(data);
	printf("sent %lu of %lu\n", sent, count);
	return 0;
}

static int
cmd_forge(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t dlen;
	struct store_node *n = NULL;
	struct net_beacon b;
	struct in_addr ia;
	struct timespec ts;
	const char *pass = getenv("DUGNAD_PASSPHRASE");
	uint8_t psk[1][32], key[32], nonce[NET_BEACON_NONCE];
	uint8_t d[NET_BEACON_LEN];
	unsigned long count, interval, i, sent = 0;
	int fd, rc;

	if (argc != 5)
		die("usage: forge DIR IFADDR COUNT INTERVAL_MS");
	if (inet_pton(AF_INET, argv[2], &ia) != 1)
		die("'%s' is not an IPv4 address", argv[2]);
	count = num_arg(argv[3], 1, 100000, "COUNT");
	interval = num_arg(argv[4], 0, 60000, "INTERVAL_MS");
	if (pass == NULL || pass[0] == '\0')
		die("set DUGNAD_PASSPHRASE");
	rc = store_node_open(argv[1], pass, strlen(pass), 0, &n);
	if (rc != 0)
		die("cannot open %s: %s", argv[1], dg_strerror(rc));
	if (store_node_psks(n, psk, 1) != 1)
		die("%s holds no network key", argv[1]);
	store_node_close(n);
	net_beacon_key(psk[0], key);
	sodium_memzero(psk, sizeof psk);
	udp_addr(BEACON_GROUP, "7373", &dst, &dlen);
	fd = send_socket(&dst, argv[2]);
	memset(&b, 0, sizeof b);
	b.family = 4;
	b.port = BEACON_PORT;
	b.addr[10] = b.addr[11] = 0xff;
	memcpy(b.addr + 12, &ia, 4);
	for (i = 0; i < count; i++) {
		if (i > 0)
			sleep_ms(interval);
		clock_gettime(CLOCK_REALTIME, &ts);
		b.time_ms = (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000 + i;
		randombytes_buf(b.node, sizeof b.node);
		randombytes_buf(nonce, sizeof nonce);
		net_beacon_seal(&b, key, nonce, d);
		if (sendto(fd, d, sizeof d, 0, (struct sockaddr *)&dst, dlen) ==
		    (ssize_t)sizeof d)
			sent++;
	}
	sodium_memzero(key, sizeof key);
	close(fd);
	printf("sent %lu of %lu\n", sent, count);
	return 0;
}

static int
listen_socket(unsigned long port)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	int fd, one = 1, zero = 0;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd >= 0) {
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((uint16_t)port);
		s6.sin6_addr = in6addr_any;
		if (setsockopt(
		        fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		        sizeof(zero)) == 0 &&
		    bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0)
			return fd;
		close(fd);
	}
	/* no IPv6 here: IPv4 only */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die_errno("socket");
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = htons((uint16_t)port);
	s4.sin_addr.s_addr = htonl(INADDR_ANY);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&s4, sizeof(s4)) != 0)
		die_errno("bind");
	return fd;
}

static int
cmd_listen(int argc, char **argv)
{
	struct sockaddr_storage from;
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	unsigned long port, accepted = 0;
	socklen_t flen;
	uint64_t end;
	int fd, c;

	if (argc != 3)
		die("usage: listen PORT SECONDS");
	port = num_arg(argv[1], 1, 65535, "PORT");
	end = now_ms() + 1000 * num_arg(argv[2], 1, 3600, "SECONDS");
	fd = listen_socket(port);
	if (listen(fd, 64) != 0)
		die_errno("listen");
	fprintf(stderr, "listening on port %lu\n", port);
	fflush(stderr);
	while (readable_until(fd, end)) {
		flen = sizeof(from);
		c = accept(fd, (struct sockaddr *)&from, &flen);
		if (c < 0)
			continue;
		accepted++;
		if (getnameinfo((struct sockaddr *)&from, flen, host,
		        sizeof(host), serv, sizeof(serv),
		        NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			fprintf(
			    stderr, "connection from %s port %s\n", host, serv);
		close(c);
	}
	close(fd);
	printf("%lu\n", accepted);
	return 0;
}

#define HOLD_MAX 1000

/* One non-blocking connection attempt to dst; -1 when it cannot start. */
static int
hold_one(const struct sockaddr_storage *dst, socklen_t dlen)
{
	int fd = socket(dst->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)dst, dlen) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
cmd_hold(int argc, char **argv)
{
	struct sockaddr_storage dst;
	struct pollfd pfd[HOLD_MAX];
	socklen_t dlen;
	unsigned long n, i, opened = 0;
	uint64_t end, now;
	char buf[256];

	if (argc != 5)
		die("usage: hold ADDR PORT N SECONDS");
	udp_addr(argv[1], argv[2], &dst, &dlen); /* any address and port */
	n = num_arg(argv[3], 1, HOLD_MAX, "N");
	end = now_ms() + 1000 * num_arg(argv[4], 1, 3600, "SECONDS");
	for (i = 0; i < n; i++) {
		pfd[i].fd = hold_one(&dst, dlen);
		pfd[i].events = POLLIN;
		opened += pfd[i].fd >= 0;
	}
	while ((now = now_ms()) < end) {
		if (poll(pfd, n, (int)(end - now > 100 ? 100 : end - now)) < 0 &&
		    errno != EINTR)
			die_errno("poll");
		for (i = 0; i < n; i++) {
			/* closed by the node (or never made): open another */
			if (pfd[i].fd >= 0 && !(pfd[i].revents &
			    (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd >= 0 && (pfd[i].revents & POLLIN) &&
			    read(pfd[i].fd, buf, sizeof buf) > 0)
				continue; /* it said something: keep silent */
			if (pfd[i].fd >= 0)
				close(pfd[i].fd);
			pfd[i].fd = hold_one(&dst, dlen);
			pfd[i].revents = 0;
			opened += pfd[i].fd >= 0;
		}
	}
	for (i = 0; i < n; i++) {
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	}
	printf("opened %lu\n", opened);
	return 0;
}

struct pattern {
	char label[160];
	uint8_t b[128];
	size_t len;
};

struct patterns {
	struct pattern p[PATTERNS];
	size_t n;
};

static void
pat_add(struct patterns *ps, const char *label, const uint8_t *b, size_t len)
{
	struct pattern *p;

	if (ps->n == PATTERNS)
		die("too many patterns");
	if (len == 0 || len > sizeof(p->b))
		die("pattern '%s' must be 1 to 128 bytes", label);
	p = &ps->p[ps->n++];
	snprintf(p->label, sizeof(p->label), "%s", label);
	memcpy(p->b, b, len);
	p->len = len;
}

static void
pat_hex(struct patterns *ps, const char *hex)
{
	uint8_t b[128];
	size_t len, i;
	unsigned int v;
	char label[160];

	len = strlen(hex);
	if (len == 0 || len % 2 != 0 || len / 2 > sizeof(b))
		die("--hex '%s': an even number of hex digits, at most 256",
		    hex);
	for (i = 0; i < len / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
		    strchr("0123456789abcdefABCDEF", hex[2 * i]) == NULL ||
		    strchr("0123456789abcdefABCDEF", hex[2 * i + 1]) == NULL)
			die("--hex '%s': not hex", hex);
		b[i] = (uint8_t)v;
	}
	snprintf(label, sizeof(label), "hex %.140s", hex);
	pat_add(ps, label, b, len / 2);
}

/* The forms a node or network id could leak in. */
static void
pat_id(struct patterns *ps, const char *id)
{
	uint8_t pk[32];
	char text[CORE_ID_TEXT], up[CORE_ID_TEXT], label[160];
	size_t i;

	if (strlen(id) != CORE_ID_TEXT - 1 || core_ident_id_parse(id, pk) != 0)
		die("--id '%s' is not a full node or network id", id);
	core_ident_id_text(pk, text);
	for (i = 0; i < sizeof(text); i++)
		up[i] = (char)(text[i] >= 'a' && text[i] <= 'z'
		        ? text[i] - 'a' + 'A'
		        : text[i]);
	snprintf(label, sizeof(label), "id %s (text)", text);
	pat_add(ps, label, (const uint8_t *)text, CORE_ID_TEXT - 1);
	snprintf(label, sizeof(label), "id %s (short text %.10s)", text, text);
	pat_add(ps, label, (const uint8_t *)text, 10);
	snprintf(label, sizeof(label), "id %s (short text %.10s)", text, up);
	pat_add(ps, label, (const uint8_t *)up, 10);
	snprintf(label, sizeof(label), "id %s (32 raw bytes)", text);
	pat_add(ps, label, pk, sizeof(pk));
	for (i = 0; i < 4; i++) {
		snprintf(label, sizeof(label), "id %s (raw bytes %zu..%zu)",
		    text, 8 * i, 8 * i + 7);
		pat_add(ps, label, pk + 8 * i, 8);
	}
}

/* Whether needle occurs in hay (memmem is a GNU extension). */
static bool
contains(const uint8_t *hay, size_t len, const uint8_t *needle, size_t nlen)
{
	const uint8_t *p = hay, *end = hay + len;

	while ((size_t)(end - p) >= nlen) {
		p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1);
		if (p == NULL)
			return false;
		if (memcmp(p, needle, nlen) == 0)
			return true;
		p++;
	}
	return false;
}

static int
cmd_grep(int argc, char **argv)
{
	static struct patterns ps;
	char label[160];
	uint8_t *data;
	size_t len, i, found = 0;
	int a;

	if (argc < 2)
		die("%s",
		    "usage: grep FILE [--text S]... [--id ID]... [--hex "
		    "HEX]...");
	for (a = 2; a < argc; a += 2) {
		if (a + 1 >= argc)
			die("%s needs a value", argv[a]);
		if (strcmp(argv[a], "--text") == 0) {
			snprintf(
			    label, sizeof(label), "text '%.140s'", argv[a + 1]);
			pat_add(&ps, label, (const uint8_t *)argv[a + 1],
			    strlen(argv[a + 1]));
		} else if (strcmp(argv[a], "--id") == 0) {
			pat_id(&ps, argv[a + 1]);
		} else if (strcmp(argv[a], "--hex") == 0) {
			pat_hex(&ps, argv[a + 1]);
		} else {
			die("unknown option '%s' (--text, --id, --hex)",
			    argv[a]);
		}
	}
	if (ps.n == 0)
		die("no pattern given (--text, --id, --hex)");
	data = read_file(argv[1], GREP_MAX, &len);
	for (i = 0; i < ps.n; i++) {
		if (contains(data, len, ps.p[i].b, ps.p[i].len)) {
			printf("found: %s\n", ps.p[i].label);
			found++;
		}
	}
	if (found == 0)
		printf("none of %zu patterns in %zu bytes\n", ps.n, len);
	free(data);
	return found > 0 ? 1 : 0;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"flood", cmd_flood, "flood ADDR PORT COUNT [IF]"},
    {"capture", cmd_capture, "capture IFADDR SRCADDR FILE SECONDS"},
    {"replay", cmd_replay, "replay FILE ADDR PORT COUNT INTERVAL_MS [IF]"},
    {"listen", cmd_listen, "listen PORT SECONDS"},
    {"forge", cmd_forge, "forge DIR IFADDR COUNT INTERVAL_MS"},
    {"hold", cmd_hold, "hold ADDR PORT N SECONDS"},
    {"grep", cmd_grep, "grep FILE [--text S]... [--id ID]... [--hex HEX]..."},
};

static void
usage(void)
{
	size_t i;

	fprintf(stderr, "usage:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "  dg_lan %s\n", commands[i].summary);
	exit(EXIT_SETUP);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "dg_lan: libsodium cannot start\n");
		return EXIT_SETUP;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			cmd_name = commands[i].name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "dg_lan: unknown command '%s'\n", argv[1]);
	usage();
	return EXIT_SETUP;
}
