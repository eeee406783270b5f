/* net/disc.c - LAN discovery: beacons sent and heard over UDP, and the
 * members found dialled (doc/protocol.md §23.12).
 *
 * Every NET_DISC_EVERY_MS (+-25%) the node sends one sealed beacon
 * (net/beacon.h) on each interface its listener accepts connections on:
 * to the IPv4 group and the interface's broadcast address, to the IPv6
 * link-local group.  The source address is set with IP_PKTINFO /
 * IPV6_PKTINFO to the address the beacon names, so a receiver can refuse
 * one replayed from elsewhere.  Nothing is ever sent in answer to a
 * datagram: discovery cannot be used to make a node send more.
 *
 * What comes in is looked at cheapest first: its length, the rate limits
 * (per source address and in all: a flood costs a recvmsg and a compare
 * per datagram), then one AEAD open per network key held.  A member
 * found is dialled like a known peer (with the key its beacon was sealed
 * with), and forgotten when it falls silent.
 */
/* struct in6_pktinfo (RFC 3542) is a GNU extension in glibc's headers */
#define _GNU_SOURCE
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "net/beacon.h"
#include "net/internal.h"
#include "store/repl.h"

/* --- addresses ------------------------------------------------------------ */

/* The 16-byte form of a socket address (IPv4 as ::ffff:a.b.c.d). */
static void
addr16(const struct sockaddr *sa, uint8_t out[16])
{
	memset(out, 0, 16);
	if (sa->sa_family == AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

void
net_disc_addr_text(const struct sockaddr *sa, char *out, size_t cap)
{
	char host[64], ifname[IF_NAMESIZE] = "";
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	struct sockaddr_in s4;

	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memset(&s4, 0, sizeof s4);
		s4.sin_family = AF_INET;
		s4.sin_port = s6->sin6_port;
		memcpy(&s4.sin_addr, s6->sin6_addr.s6_addr + 12, 4);
		sa = (const struct sockaddr *)&s4;
	}
	if (sa->sa_family == AF_INET) {
		uv_ip4_name((const struct sockaddr_in *)sa, host, sizeof host);
		snprintf(out, cap, "%s:%u", host, (unsigned)ntohs(
		    ((const struct sockaddr_in *)sa)->sin_port));
		return;
	}
	if (sa->sa_family != AF_INET6) {
		snprintf(out, cap, "?");
		return;
	}
	uv_ip6_name(s6, host, sizeof host);
	if (s6->sin6_scope_id != 0 &&
	    if_indextoname(s6->sin6_scope_id, ifname) == NULL)
		snprintf(ifname, sizeof ifname, "%u",
		    (unsigned)s6->sin6_scope_id);
	snprintf(out, cap, "[%s%s%s]:%u", host, ifname[0] ? "%" : "", ifname,
	    (unsigned)ntohs(s6->sin6_port));
}

/* Whether the listener takes connections to address a (16 bytes) of
 * family 4 or 6: it is bound to a wildcard covering it, or to it. */
static bool
listener_takes(const struct net_node *nn, int family, const uint8_t a[16])
{
	const struct sockaddr *ls = (const struct sockaddr *)&nn->listen_ss;
	uint8_t l[16];

	if (!nn->listening)
		return false;
	if (ls->sa_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(
		&((const struct sockaddr_in6 *)ls)->sin6_addr))
		return true; /* [::] takes IPv4 too (dual-stack, see listen_on) */
	if ((family == 4) != (ls->sa_family == AF_INET))
		return false;
	if (ls->sa_family == AF_INET &&
	    ((const struct sockaddr_in *)ls)->sin_addr.s_addr == INADDR_ANY)
		return true;
	addr16(ls, l);
	return memcmp(l, a, 16) == 0;
}

static uint16_t
listen_port(const struct net_node *nn)
{
	const struct sockaddr *ls = (const struct sockaddr *)&nn->listen_ss;

	if (ls->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ls)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ls)->sin6_port);
}

/* --- sending --------------------------------------------------------------- */

/* A datagram from src (the interface's address, on interface ifindex) to
 * dst; never blocks: a full socket buffer drops this beacon. */
static bool
send_from(uv_udp_t *h, const struct sockaddr *dst, socklen_t dstlen,
    unsigned ifindex, const struct sockaddr *src, const uint8_t *p,
    size_t len)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)h, &fd) != 0)
		return false;
	memset(&m, 0, sizeof m);
	memset(&ctl, 0, sizeof ctl);
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	m.msg_name = (void *)dst;
	m.msg_namelen = dstlen;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	c = (struct cmsghdr *)ctl.b;
	if (src->sa_family == AF_INET) {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof pi);
		pi.ipi_ifindex = (int)ifindex;
		pi.ipi_spec_dst = ((const struct sockaddr_in *)src)->sin_addr;
		m.msg_controllen = CMSG_SPACE(sizeof pi);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
	} else {
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof pi);
		pi.ipi6_ifindex = ifindex;
		pi.ipi6_addr = ((const struct sockaddr_in6 *)src)->sin6_addr;
		m.msg_controllen = CMSG_SPACE(sizeof pi);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
	}
	return sendmsg(fd, &m, MSG_DONTWAIT) == (ssize_t)len;
}

/* Joins the group on interface ifindex; joining twice is harmless. */
static void
join_group(struct net_node *nn, int family, unsigned ifindex)
{
	uv_os_fd_t fd;

	if (family == AF_INET && nn->disc.has4 &&
	    uv_fileno((uv_handle_t *)&nn->disc.udp4, &fd) == 0) {
		struct ip_mreqn mr;

		memset(&mr, 0, sizeof mr);
		(void)uv_inet_pton(AF_INET, NET_DISC_GROUP4, &mr.imr_multiaddr);
		mr.imr_ifindex = (int)ifindex;
		(void)setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr);
	} else if (family == AF_INET6 && nn->disc.has6 &&
	    uv_fileno((uv_handle_t *)&nn->disc.udp6, &fd) == 0) {
		struct ipv6_mreq mr;

		memset(&mr, 0, sizeof mr);
		(void)uv_inet_pton(AF_INET6, NET_DISC_GROUP6, &mr.ipv6mr_multiaddr);
		mr.ipv6mr_interface = ifindex;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr,
		    sizeof mr);
	}
}

static uint64_t
wall_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The next clock value: Unix milliseconds, strictly increasing. */
static uint64_t
next_clock(struct net_disc *d)
{
	uint64_t now = wall_clock_ms();

	d->clock = now > d->clock ? now : d->clock + 1;
	return d->clock;
}

/* One beacon on one interface address. */
static void
beacon_on(struct net_node *nn, const struct ifaddrs *ifa, unsigned ifindex)
{
	struct net_disc *d = &nn->disc;
	struct net_beacon b;
	uint8_t dgram[NET_BEACON_LEN], nonce[NET_BEACON_NONCE];
	struct sockaddr_storage dst;
	int family = ifa->ifa_addr->sa_family;

	memset(&b, 0, sizeof b);
	b.family = family == AF_INET ? 4 : 6;
	addr16(ifa->ifa_addr, b.addr);
	if (!listener_takes(nn, b.family, b.addr))
		return;
	b.port = listen_port(nn);
	b.time_ms = next_clock(d);
	memcpy(b.node, nn->pk, 32);
	randombytes_buf(nonce, sizeof nonce);
	net_beacon_seal(&b, d->keys[0], nonce, dgram);
	memset(&dst, 0, sizeof dst);
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&dst;

		(void)uv_ip4_addr(NET_DISC_GROUP4, NET_DISC_PORT, s4);
		if ((ifa->ifa_flags & IFF_MULTICAST) &&
		    send_from(&d->udp4, (struct sockaddr *)s4, sizeof *s4,
			ifindex, ifa->ifa_addr, dgram, sizeof dgram))
			d->sent++;
		/* the same datagram to the broadcast address: Wi-Fi that drops
		 * multicast still carries it, and a receiver that hears both
		 * keeps one (the clock is not newer) */
		if ((ifa->ifa_flags & IFF_BROADCAST) && ifa->ifa_broadaddr &&
		    ifa->ifa_broadaddr->sa_family == AF_INET) {
			memcpy(s4, ifa->ifa_broadaddr, sizeof *s4);
			s4->sin_port = htons(NET_DISC_PORT);
			if (send_from(&d->udp4, (struct sockaddr *)s4, sizeof *s4,
				ifindex, ifa->ifa_addr, dgram, sizeof dgram))
				d->sent++;
		}
	} else if (ifa->ifa_flags & IFF_MULTICAST) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst;

		(void)uv_ip6_addr(NET_DISC_GROUP6, NET_DISC_PORT, s6);
		s6->sin6_scope_id = ifindex;
		if (send_from(&d->udp6, (struct sockaddr *)s6, sizeof *s6,
			ifindex, ifa->ifa_addr, dgram, sizeof dgram))
			d->sent++;
	}
}

static void
on_beacon_timer(uv_timer_t *t)
{
	struct net_node *nn = t->data;
	struct net_disc *d = &nn->disc;
	struct ifaddrs *all, *ifa;
	unsigned ifindex, n = 0;
	int family;

	/* interfaces come and go (a laptop joins the Wi-Fi after serve
	 * started): look again each time */
	if (getifaddrs(&all) == 0) {
		for (ifa = all; ifa != NULL && n < NET_DISC_IFACES;
		    ifa = ifa->ifa_next) {
			/* not loopback, and not point-to-point links (a VPN
			 * tunnel leads off the local network) */
			if (ifa->ifa_addr == NULL ||
			    !(ifa->ifa_flags & IFF_UP) ||
			    (ifa->ifa_flags & (IFF_LOOPBACK | IFF_POINTOPOINT)))
				continue;
			family = ifa->ifa_addr->sa_family;
			if (family == AF_INET6 && !IN6_IS_ADDR_LINKLOCAL(
				&((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr))
				continue;
			if ((family != AF_INET || !d->has4) &&
			    (family != AF_INET6 || !d->has6))
				continue;
			ifindex = if_nametoindex(ifa->ifa_name);
			if (ifindex == 0)
				continue;
			n++;
			if (ifa->ifa_flags & IFF_MULTICAST)
				join_group(nn, family, ifindex);
			if (d->nkeys > 0)
				beacon_on(nn, ifa, ifindex);
		}
		freeifaddrs(all);
	}
	(void)uv_timer_start(&d->timer, on_beacon_timer,
	    net_node_jitter(NET_DISC_EVERY_MS), 0);
}

/* --- hearing -------------------------------------------------------------- */

static bool
take(struct disc_bucket *b, uint64_t now, uint64_t rate, uint64_t burst)
{
	b->tokens += (now - b->at) * rate; /* thousandths a millisecond */
	if (b->tokens > burst * 1000)
		b->tokens = burst * 1000;
	b->at = now;
	if (b->tokens < 1000)
		return false;
	b->tokens -= 1000;
	return true;
}

/* Whether a datagram from a may be looked at: its source's bucket (the
 * least recently used slot is given to a new source) and the global one. */
static bool
rate_ok(struct net_disc *d, const uint8_t a[16], uint64_t now)
{
	struct disc_bucket *b = NULL, *lru = &d->src[0];
	size_t i;

	for (i = 0; i < NET_DISC_SRC_SLOTS; i++) {
		if (d->src[i].used && memcmp(d->src[i].addr, a, 16) == 0) {
			b = &d->src[i];
			break;
		}
		if (!d->src[i].used || (lru->used && d->src[i].at < lru->at))
			lru = &d->src[i];
	}
	if (b == NULL) {
		b = lru;
		memcpy(b->addr, a, 16);
		b->used = true;
		b->at = now;
		b->tokens = NET_DISC_SRC_BURST * 1000;
	}
	if (!take(b, now, NET_DISC_SRC_RATE, NET_DISC_SRC_BURST))
		return false;
	return take(&d->all, now, NET_DISC_ALL_RATE, NET_DISC_ALL_BURST);
}

static struct net_dial *
find_found(struct net_node *nn, const uint8_t node[32])
{
	struct net_dial *d;

	for (d = nn->dials; d != NULL; d = d->next) {
		if (d->discovered && memcmp(d->node, node, 32) == 0)
			return d;
	}
	return NULL;
}

static bool
is_connected(const struct net_node *nn, const uint8_t node[32])
{
	const struct net_sess *s;

	for (s = nn->sessions; s != NULL; s = s->next) {
		if (s->state == SESS_OPEN && s->has_peer &&
		    memcmp(s->peer, node, 32) == 0)
			return true;
	}
	return false;
}

/* A place for one more discovered node: a new one while there are fewer
 * than NET_DISC_FOUND_MAX, else the one heard from longest ago that has
 * no connection (made or being made); NULL when every one has. */
static struct net_dial *
found_slot(struct net_node *nn)
{
	struct net_dial *d, *old = NULL;
	size_t n = 0;

	for (d = nn->dials; d != NULL; d = d->next) {
		if (!d->discovered)
			continue;
		n++;
		if (d->sess == NULL && !is_connected(nn, d->node) &&
		    (old == NULL || d->beacon_at < old->beacon_at))
			old = d;
	}
	if (n < NET_DISC_FOUND_MAX) {
		d = calloc(1, sizeof *d);
		if (d == NULL)
			return NULL;
		d->discovered = true;
		d->next = nn->dials;
		nn->dials = d;
		return d;
	}
	if (old != NULL) {
		old->has_node = false;
		old->backoff = 0;
		old->next_try = 0;
		old->beacon_clock = 0;
	}
	return old;
}

/* Whether the dial address sa is from's address with the TCP port. */
static bool
same_place(const struct sockaddr_storage *sa, const struct sockaddr *from,
    uint16_t port)
{
	uint8_t a[16], b[16];

	if (sa->ss_family != from->sa_family)
		return false;
	addr16((const struct sockaddr *)sa, a);
	addr16(from, b);
	if (memcmp(a, b, 16) != 0)
		return false;
	if (sa->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port) == port;
	return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port) == port &&
	    ((const struct sockaddr_in6 *)sa)->sin6_scope_id ==
	    ((const struct sockaddr_in6 *)from)->sin6_scope_id;
}

/* Whether a beacon may come from a: senders beacon from IPv6 link-local
 * addresses and from IPv4 unicast ones (not 0/8, loopback, multicast or
 * reserved, which a key holder could name to make members dial
 * themselves or nowhere). */
static bool
plausible(int family, const uint8_t a[16])
{
	if (family == 6)
		return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
	return a[12] != 0 && a[12] != 127 && a[12] < 224;
}

/* Whether another discovery dial may start: at most NET_DISC_DIALS are
 * being made at once, whatever the beacons heard. */
bool
net_disc_may_dial(struct net_node *nn)
{
	const struct net_dial *d;
	size_t n = 0;

	for (d = nn->dials; d != NULL; d = d->next)
		n += d->discovered && d->sess != NULL &&
		    d->sess->state != SESS_OPEN;
	return n < NET_DISC_DIALS;
}

static void
heard(struct net_node *nn, int family, const uint8_t *p, size_t len,
    const struct sockaddr *from)
{
	struct net_disc *d = &nn->disc;
	struct net_beacon b;
	struct net_dial *f;
	uint8_t src[16];
	size_t key;
	uint64_t now = uv_now(&nn->loop), wall_ms = wall_clock_ms();
	const uint64_t skew = (uint64_t)NET_TIME_SKEW * 1000;
	char text[CORE_ADDR_TEXT_MAX + 1], name[16];
	bool here, moved;

	addr16(from, src);
	if (len != NET_BEACON_LEN || !plausible(family, src)) {
		d->ignored++;
		return;
	}
	if (!rate_ok(d, src, now)) {
		d->dropped++;
		return;
	}
	if (net_beacon_open(p, len, (const uint8_t(*)[32])d->keys, d->nkeys,
		&b, &key) != 0 || b.family != family ||
	    memcmp(b.addr, src, 16) != 0 || b.time_ms + skew < wall_ms ||
	    b.time_ms > wall_ms + skew) {
		d->ignored++;
		return;
	}
	if (memcmp(b.node, nn->pk, 32) == 0)
		return; /* our own, looped back */
	f = find_found(nn, b.node);
	here = f != NULL && same_place(&f->sa, from, b.port);
	/* clocks are compared per place: a beacon names its source address,
	 * so only this place's own beacons can be replayed here, and someone
	 * else's clock elsewhere cannot make this place's beacons look old */
	if (here && b.time_ms == f->beacon_clock)
		return; /* the broadcast copy of a multicast beacon */
	if (here && b.time_ms < f->beacon_clock) {
		d->ignored++; /* a replay */
		return;
	}
	/* Only a node this one would replicate with is worth a dial: a
	 * beacon naming anyone else (a made-up id, a revoked member, a
	 * newcomer whose admission has not arrived: it will be refused
	 * anyway) must not fill the table or start connections. */
	if (store_node_member_check(nn->store, b.node) != 0) {
		d->ignored++;
		return;
	}
	/* A node heard on two interfaces, over IPv4 and IPv6, or named in
	 * someone else's beacon keeps the place it was found at while that
	 * place is heard from (or until a connection there fails, see
	 * net_node_sess_done), and while a connection there is being made. */
	if (f != NULL && !here && (f->sa_at + NET_DISC_MOVE_MS > now ||
	    f->sess != NULL)) {
		d->received++;
		return;
	}
	if (f == NULL && (f = found_slot(nn)) == NULL) {
		d->ignored++;
		return;
	}
	moved = !here;
	d->received++;
	f->has_node = true;
	memcpy(f->node, b.node, 32);
	f->beacon_clock = b.time_ms;
	f->beacon_at = f->sa_at = now;
	f->beacon_unix = wall_ms / 1000;
	f->psk_index = key;
	if (moved) {
		/* a new place: dialled at once, whatever failed at the old */
		f->backoff = 0;
		f->next_try = 0;
		memset(&f->sa, 0, sizeof f->sa);
		memcpy(&f->sa, from, family == 4 ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6));
		if (family == 4)
			((struct sockaddr_in *)&f->sa)->sin_port = htons(b.port);
		else
			((struct sockaddr_in6 *)&f->sa)->sin6_port = htons(b.port);
		net_disc_addr_text((struct sockaddr *)&f->sa, text, sizeof text);
		snprintf(f->addr, sizeof f->addr, "%s", text);
		net_sess_short_id(b.node, name);
		net_node_log(nn, "discovered %s at %s", name, f->addr);
	}
	if (f->sess == NULL && now >= f->next_try &&
	    !is_connected(nn, f->node) && net_disc_may_dial(nn))
		net_node_dial(nn, f);
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct net_node *nn = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)nn->disc.rbuf, sizeof nn->disc.rbuf);
}

static void
on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *from, unsigned flags)
{
	struct net_node *nn = h->data;

	if (nread <= 0 || from == NULL || nn->stopping)
		return; /* nothing more now, or an error of no consequence */
	if (flags & UV_UDP_PARTIAL) {
		nn->disc.ignored++;
		return;
	}
	heard(nn, h == &nn->disc.udp4 ? 4 : 6, (const uint8_t *)buf->base,
	    (size_t)nread, from);
}

/* --- life cycle ------------------------------------------------------------ */

static int
open_udp(struct net_node *nn, uv_udp_t *h, int family)
{
	struct sockaddr_storage ss;
	int rc;

	if (family == AF_INET)
		(void)uv_ip4_addr("0.0.0.0", NET_DISC_PORT,
		    (struct sockaddr_in *)&ss);
	else
		(void)uv_ip6_addr("::", NET_DISC_PORT,
		    (struct sockaddr_in6 *)&ss);
	rc = uv_udp_init_ex(&nn->loop, h, (unsigned)family);
	if (rc != 0)
		return rc;
	h->data = nn;
	/* several nodes on one machine all hear the beacons (they are
	 * multicast or broadcast: each socket gets its copy) */
	rc = uv_udp_bind(h, (struct sockaddr *)&ss, UV_UDP_REUSEADDR |
	    (family == AF_INET6 ? UV_UDP_IPV6ONLY : 0));
	if (rc == 0 && family == AF_INET)
		rc = uv_udp_set_broadcast(h, 1);
	/* nothing leaves the link: TTL (hop limit) 1 for the multicast
	 * beacons and for the broadcast copy alike */
	if (rc == 0)
		rc = uv_udp_set_multicast_ttl(h, 1);
	if (rc == 0)
		rc = uv_udp_set_ttl(h, 1);
	if (rc == 0)
		rc = uv_udp_recv_start(h, on_alloc, on_recv);
	if (rc != 0)
		uv_close((uv_handle_t *)h, NULL);
	return rc;
}

void
net_disc_keys(struct net_node *nn)
{
	size_t i;

	if (nn->disc.keys == NULL)
		return;
	for (i = 0; i < nn->nnet; i++)
		net_beacon_key(nn->psks[i], nn->disc.keys[i]);
	nn->disc.nkeys = nn->nnet;
}

void
net_disc_start(struct net_node *nn)
{
	struct net_disc *d = &nn->disc;
	int rc4, rc6;

	d->keys = sodium_malloc(NET_PSKS * 32);
	if (d->keys == NULL) {
		net_node_warn(nn, "discovery off: out of memory");
		return;
	}
	net_disc_keys(nn);
	if (uv_timer_init(&nn->loop, &d->timer) != 0) {
		net_node_warn(nn, "discovery off: cannot start its timer");
		return;
	}
	d->timer.data = nn;
	rc4 = open_udp(nn, &d->udp4, AF_INET);
	rc6 = open_udp(nn, &d->udp6, AF_INET6);
	d->has4 = rc4 == 0;
	d->has6 = rc6 == 0;
	if (!d->has4 && !d->has6) {
		net_node_warn(nn, "discovery off: cannot use UDP port %d: %s",
		    NET_DISC_PORT, uv_strerror(rc4));
		return;
	}
	d->all.at = uv_now(&nn->loop);
	d->all.tokens = NET_DISC_ALL_BURST * 1000;
	d->on = true;
	(void)uv_timer_start(&d->timer, on_beacon_timer,
	    randombytes_uniform(1000), 0);
	if (!d->has6)
		net_node_log(nn, "discovery on UDP port %d (IPv4 only)",
		    NET_DISC_PORT);
	else if (!d->has4)
		net_node_log(nn, "discovery on UDP port %d (IPv6 only)",
		    NET_DISC_PORT);
	else
		net_node_log(nn, "discovery on UDP port %d", NET_DISC_PORT);
}

void
net_disc_tick(struct net_node *nn)
{
	struct net_dial *d, **pp;
	uint64_t now = uv_now(&nn->loop);

	for (pp = &nn->dials; (d = *pp) != NULL;) {
		if (d->discovered && d->sess == NULL &&
		    now - d->beacon_at > NET_DISC_FORGET_MS) {
			*pp = d->next;
			free(d);
			continue;
		}
		pp = &d->next;
	}
}
