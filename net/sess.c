/* net/sess.c - one connection: frames, the handshake and the life cycle
 * (net/node.h describes the protocol, doc/protocol.md §23 gives the
 * bytes).  What the messages do is in net/repl.c (replication) and
 * net/join.c (a newcomer joining over the network).
 *
 * Frames on the wire are a 4-byte big-endian length and that many bytes:
 * the three handshake messages in the clear (they protect themselves),
 * then ChaChaPoly ciphertexts of at most NET_FRAME_MAX plaintext bytes.
 * A length out of bounds ends the connection before anything is
 * allocated for it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <sodium.h>

#include "core/ident.h"
#include "net/internal.h"
#include "store/repl.h"

struct wreq {
	uv_write_t req;
	struct net_sess *s;
	size_t len;
	uint8_t data[];
};

static void on_close(uv_handle_t *h);
static size_t joining(const struct net_node *nn);

void
net_sess_short_id(const uint8_t pk[32], char out[16])
{
	char id[CORE_ID_TEXT];

	core_ident_id_text(pk, id);
	memcpy(out, id, 10);
	out[10] = '\0';
}

/* The name of the other side for log lines: its node id once known. */
const char *
net_sess_who(struct net_sess *s, char buf[NET_NAME_LEN])
{
	char id[16];

	if (s->has_peer) {
		net_sess_short_id(s->peer, id);
		snprintf(buf, NET_NAME_LEN, "%s (%s)", id, s->addr);
	} else {
		snprintf(buf, NET_NAME_LEN, "%s", s->addr);
	}
	return buf;
}

/* --- writing ------------------------------------------------------------ */

static void
on_write(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct net_sess *s = w->s;

	s->wqueued -= w->len;
	free(w);
	if (s->state == SESS_CLOSING)
		return;
	if (status < 0) {
		net_sess_close(s, DG_ENET, "the connection broke while sending");
		return;
	}
	if (s->state == SESS_OPEN && s->wqueued < NET_WQ_LOW) {
		if (s->wbundle.len > 0)
			net_join_pump(s);
		else
			net_repl_pump(s);
	}
}

static void
be32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Queues a frame: the handshake message as it is (plain), else the
 * encrypted plaintext. */
static int
send_frame(struct net_sess *s, const uint8_t *p, size_t len, bool plain)
{
	struct wreq *w;
	size_t wire = plain ? len : len + 16;
	uv_buf_t b;
	int rc;

	if (s->state == SESS_CLOSING)
		return DG_ECLOSED;
	if (!plain && len > NET_FRAME_MAX)
		return DG_ELIMIT;
	w = malloc(sizeof *w + 4 + wire);
	if (w == NULL)
		return DG_ENOMEM;
	w->s = s;
	w->len = 4 + wire;
	be32(w->data, wire);
	if (plain) {
		memcpy(w->data + 4, p, len);
	} else if ((rc = net_cipher_seal(&s->tx, p, len, w->data + 4)) != 0) {
		free(w);
		return rc;
	}
	b = uv_buf_init((char *)w->data, (unsigned)w->len);
	rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, on_write);
	if (rc != 0) {
		free(w);
		return net_node_uv_err(rc);
	}
	s->wqueued += w->len;
	s->bytes_out += w->len;
	s->node->bytes_out += w->len;
	s->last_send = uv_now(&s->node->loop);
	return 0;
}

/* Sends a message built in b (and empties b). */
int
net_sess_send(struct net_sess *s, struct core_buf *b)
{
	int rc = b->err ? b->err : send_frame(s, (uint8_t *)b->data, b->len,
	    false);

	core_buf_reset(b);
	if (rc != 0 && s->state != SESS_CLOSING)
		net_sess_close(s, rc, "cannot send");
	return rc;
}

/* Sends ERROR, then closes once it is written (net_sess_close lingers
 * for the write queue, at most NET_LINGER_MS). */
void
net_sess_refuse(struct net_sess *s, enum net_refusal code, int why,
    const char *text)
{
	struct core_buf b;

	core_buf_init(&b);
	net_msg_error(&b, code, text);
	if (b.err == 0)
		(void)send_frame(s, (uint8_t *)b.data, b.len, false);
	core_buf_fini(&b);
	s->linger = true;
	net_sess_close(s, why, text);
}

/* --- the handshake ------------------------------------------------------ */

static int
member_ok(struct net_sess *s)
{
	char name[NET_NAME_LEN];
	int rc = store_node_member_check(s->node->store, s->peer);

	if (rc == DG_EPERM) {
		s->node->refused++;
		net_node_alert_about(s->node, s->peer, false, "refused %s: "
		    "it was revoked", net_sess_who(s, name));
	} else if (rc == DG_ENOTFOUND) {
		s->node->refused++;
		net_node_alert_about(s->node, s->peer, true, "refused %s: it is "
		    "not a member of the network (or its admission has not "
		    "reached this node yet)", net_sess_who(s, name));
	} else if (rc == 0) {
		net_node_alert_clear(s->node, s->peer);
	}
	return rc;
}

static int
open_session(struct net_sess *s)
{
	int rc;

	rc = net_noise_split(s->hs, &s->tx, &s->rx, NULL);
	net_noise_free(s->hs);
	s->hs = NULL;
	if (rc != 0)
		return rc;
	s->state = SESS_OPEN;
	s->opened = uv_now(&s->node->loop);
	return 0;
}

static int
on_handshake(struct net_sess *s, const uint8_t *p, size_t len)
{
	struct net_node *nn = s->node;
	uint8_t out[NET_NOISE_MSG2];
	size_t which, npsk, nnet;
	uint64_t t, now = (uint64_t)time(NULL);
	char name[NET_NAME_LEN];
	int rc;

	if (!s->initiator && s->hs_step == 0) {
		nnet = nn->nnet;
		npsk = nn->npsk;
		rc = npsk == 0 ? DG_ECRYPTO : net_noise_read1(s->hs, p, len,
		    (const uint8_t (*)[32])nn->psks, npsk, &which, &t);
		if (rc != 0) {
			nn->refused++;
			net_node_warn(nn, "refused a handshake from %s: no network "
			    "key of this node opens it", s->addr);
			return DG_EREFUSED;
		}
		if (t + NET_TIME_SKEW < now || t > now + NET_TIME_SKEW) {
			nn->refused++;
			net_node_warn(nn, "refused a handshake from %s: its clock is "
			    "off by more than %d minutes", s->addr,
			    NET_TIME_SKEW / 60);
			return DG_EREFUSED;
		}
		if (!net_node_replay_check(nn, p, t)) {
			nn->refused++;
			net_node_warn(nn, "refused a replayed handshake from %s",
			    s->addr);
			return DG_EREFUSED;
		}
		s->join = which >= nnet;
		if (s->join && joining(nn) >= NET_JOIN_MAX) {
			net_node_warn(nn, "too many newcomers at once: refused %s",
			    s->addr);
			return DG_EBUSY;
		}
		rc = net_noise_write2(s->hs, out);
		if (rc == 0)
			rc = send_frame(s, out, NET_NOISE_MSG2, true);
		s->hs_step = 2;
		return rc;
	}
	if (s->initiator && s->hs_step == 1) {
		rc = net_noise_read2(s->hs, p, len, s->peer);
		if (rc != 0) {
			net_node_warn(nn, "handshake with %s failed: %s", s->addr,
			    D_(dg_strerror(rc)));
			return DG_EPROTO;
		}
		s->has_peer = true;
		if (memcmp(s->peer, nn->pk, 32) == 0) {
			snprintf(s->why_text, sizeof s->why_text, "%.150s is "
			    "this node itself", s->addr);
			net_sess_close(s, DG_EINVAL, s->why_text);
			return DG_EINVAL;
		}
		/* A newcomer knows no members yet: the peer proved it can
		 * read the invite, and the welcome bundle is checked
		 * against the network named in the invite code. */
		rc = s->join ? 0 : member_ok(s);
		if (rc == DG_ENOMEM) {
			net_sess_close(s, rc, "out of memory");
			return rc;
		}
		if (rc != 0) {
			snprintf(s->why_text, sizeof s->why_text, "the node "
			    "at %.150s is not a member of this network", s->addr);
			net_sess_close(s, DG_EPERM, s->why_text);
			return DG_EPERM;
		}
		rc = net_noise_write3(s->hs, out);
		if (rc == 0)
			rc = send_frame(s, out, NET_NOISE_MSG3, true);
		if (rc == 0)
			rc = open_session(s);
		s->hs_step = 3;
		if (rc != 0)
			return rc;
		net_node_log(nn, "connected to %s", net_sess_who(s, name));
		return s->join ? net_join_request(s) : net_repl_hello(s);
	}
	if (!s->initiator && s->hs_step == 2) {
		rc = net_noise_read3(s->hs, p, len, s->peer);
		if (rc != 0) {
			net_node_warn(nn, "handshake from %s failed: %s", s->addr,
			    D_(dg_strerror(rc)));
			return DG_EPROTO;
		}
		s->has_peer = true;
		s->hs_step = 3;
		rc = open_session(s);
		if (rc != 0)
			return rc;
		if (memcmp(s->peer, nn->pk, 32) == 0) {
			net_sess_close(s, DG_EINVAL, "this node itself");
			return DG_EINVAL;
		}
		if (s->join) {
			net_node_log(nn, "a newcomer connected from %s", s->addr);
			return 0; /* its REQUEST comes next */
		}
		rc = member_ok(s);
		if (rc == DG_EPERM || rc == DG_ENOTFOUND) {
			net_sess_refuse(s, NET_ERR_NOT_MEMBER, DG_EPERM,
			    rc == DG_EPERM ? "this node was revoked from the "
			    "network" : "this node is not a member of the "
			    "network");
			return DG_EPERM;
		}
		if (rc != 0)
			return rc;
		net_node_log(nn, "%s connected", net_sess_who(s, name));
		return net_repl_hello(s);
	}
	return DG_EPROTO;
}

static size_t
hs_expect(const struct net_sess *s)
{
	if (!s->initiator && s->hs_step == 0)
		return NET_NOISE_MSG1;
	if (s->initiator && s->hs_step == 1)
		return NET_NOISE_MSG2;
	if (!s->initiator && s->hs_step == 2)
		return NET_NOISE_MSG3;
	return 0;
}

/* One whole frame: p is the frame's bytes after the length. */
static int
on_frame(struct net_sess *s, const uint8_t *p, size_t len)
{
	uint8_t *plain;
	int rc;

	if (s->state == SESS_HANDSHAKE)
		return on_handshake(s, p, len);
	plain = malloc(len > 16 ? len - 16 : 1);
	if (plain == NULL)
		return DG_ENOMEM;
	rc = net_cipher_open(&s->rx, p, len, plain);
	if (rc != 0) {
		free(plain);
		return DG_EPROTO;
	}
	return net_repl_on_msg(s, plain, len - 16);
}

static void
on_alloc(uv_handle_t *h, size_t want, uv_buf_t *buf)
{
	struct net_sess *s = h->data;
	size_t need = s->rlen + 65536;
	uint8_t *g;

	(void)want;
	if (need > s->rcap) {
		g = realloc(s->rbuf, need);
		if (g == NULL) {
			*buf = uv_buf_init(NULL, 0);
			return;
		}
		s->rbuf = g;
		s->rcap = need;
	}
	*buf = uv_buf_init((char *)s->rbuf + s->rlen, 65536);
}

static void
on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct net_sess *s = st->data;
	size_t len, off = 0, want;
	enum net_frame_state fs;
	char name[NET_NAME_LEN];
	bool hs;
	int rc;

	(void)buf;
	if (s->state == SESS_CLOSING)
		return;
	if (nread == UV_ENOBUFS) {
		net_sess_close(s, DG_ENOMEM, "out of memory");
		return;
	}
	if (nread < 0) {
		if (s->state == SESS_HANDSHAKE && s->initiator &&
		    s->hs_step == 1)
			net_sess_close(s, DG_EREFUSED, "the peer closed the "
			    "handshake: it is not in this network, holds "
			    "newer keys, or its clock and this one differ");
		else
			net_sess_close(s, nread == UV_EOF ? DG_ECLOSED :
			    DG_ENET, "the connection was closed");
		return;
	}
	s->rlen += (size_t)nread;
	s->bytes_in += (size_t)nread;
	s->node->bytes_in += (size_t)nread;
	s->last_recv = uv_now(&s->node->loop);
	while (s->state != SESS_CLOSING) {
		/* A handshake message has one length (none is expected
		 * between two of ours: 0); a transport frame holds at least
		 * its tag and one byte. */
		hs = s->state == SESS_HANDSHAKE;
		want = hs ? hs_expect(s) : 0;
		fs = net_frame_next(s->rbuf + off, s->rlen - off,
		    hs ? want : 17, hs ? want : NET_WIRE_MAX, &len);
		if (fs == NET_FRAME_MORE)
			break;
		if (fs == NET_FRAME_BAD) {
			net_node_warn(s->node, "%s sent a frame of %zu bytes; "
			    "disconnected", net_sess_who(s, name), len);
			net_sess_close(s, DG_EPROTO, "bad frame length");
			return;
		}
		rc = on_frame(s, s->rbuf + off + 4, len);
		off += 4 + len;
		if (rc != 0) {
			if (s->state != SESS_CLOSING)
				net_sess_close(s, rc, dg_strerror(rc));
			return;
		}
	}
	if (s->state == SESS_CLOSING)
		return;
	memmove(s->rbuf, s->rbuf + off, s->rlen - off);
	s->rlen -= off;
	/* Ingest now unless the next frame is already arriving. */
	if (s->nbatches > 0 && (s->rlen == 0 ||
		s->pend_entries >= NET_PEND_ENTRIES ||
		s->pend_bytes >= NET_PEND_BYTES))
		net_repl_flush(s);
	/* Keep at most one frame's worth of buffer while idle. */
	if (s->rlen == 0 && s->rcap > 4 * 65536) {
		free(s->rbuf);
		s->rbuf = NULL;
		s->rcap = 0;
	}
}

/* --- life cycle ---------------------------------------------------------- */

static void
on_timer(uv_timer_t *t)
{
	net_sess_tick(t->data);
}

static struct net_sess *
sess_new(struct net_node *nn)
{
	struct net_sess *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->node = nn;
	if (uv_tcp_init(&nn->loop, &s->tcp) != 0) {
		free(s);
		return NULL;
	}
	s->tcp.data = s;
	s->open_handles = 1;
	s->started = s->last_recv = s->last_send = uv_now(&nn->loop);
	s->next = nn->sessions;
	nn->sessions = s;
	nn->nsess++;
	if (uv_timer_init(&nn->loop, &s->timer) == 0) {
		s->timer.data = s;
		s->open_handles++;
	} else {
		/* on_close takes it off the list and the count */
		s->state = SESS_CLOSING;
		s->handles_closed = true;
		uv_close((uv_handle_t *)&s->tcp, on_close);
		return NULL;
	}
	return s;
}

static void
on_close(uv_handle_t *h)
{
	struct net_sess *s = h->data, **pp;

	if (--s->open_handles > 0)
		return;
	for (pp = &s->node->sessions; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	s->node->nsess--;
	net_repl_pending_free(s);
	free(s->frames);
	free(s->framelens);
	free(s->batches);
	free(s->rbuf);
	free(s->remote.recs);
	free(s->their_heads);
	free(s->our_heads);
	core_buf_fini(&s->welcome);
	core_buf_fini(&s->wbundle);
	net_noise_free(s->hs);
	net_cipher_fini(&s->tx);
	net_cipher_fini(&s->rx);
	free(s);
}

static void
close_handles(struct net_sess *s)
{
	if (s->handles_closed)
		return;
	s->handles_closed = true;
	uv_close((uv_handle_t *)&s->tcp, on_close);
	uv_close((uv_handle_t *)&s->timer, on_close);
}

static void
on_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	close_handles(req->data);
}

void
net_sess_close(struct net_sess *s, int why, const char *text)
{
	if (s->state == SESS_CLOSING) {
		if (s->node->stopping)
			close_handles(s); /* no lingering at shutdown */
		return;
	}
	/* What an honest peer sent before it went away is kept. */
	if (s->state == SESS_OPEN && s->nbatches > 0 &&
	    (why == DG_ECLOSED || why == DG_ETIMEOUT || why == DG_ENET || why == 0))
		net_repl_flush(s);
	if (s->state == SESS_CLOSING)
		return;
	s->state = SESS_CLOSING;
	if (s->node->welcoming == s)
		s->node->welcoming = NULL;
	s->why = why;
	if (text != NULL && text != s->why_text && s->why_text[0] == '\0')
		snprintf(s->why_text, sizeof s->why_text, "%s", text);
	/* A refusal is written before the connection goes: shut the
	 * writing side down once the queue is out, then close. */
	if (s->linger && s->wqueued > 0 && !s->node->stopping) {
		(void)uv_read_stop((uv_stream_t *)&s->tcp);
		s->shut.data = s;
		if (uv_shutdown(&s->shut, (uv_stream_t *)&s->tcp,
			on_shutdown) == 0) {
			s->closing_since = uv_now(&s->node->loop);
			net_node_sess_done(s->node, s);
			return;
		}
	}
	close_handles(s);
	net_node_sess_done(s->node, s);
}

void
net_sess_tick(struct net_sess *s)
{
	uint64_t now = uv_now(&s->node->loop);
	struct core_buf b;

	if (s->state == SESS_CLOSING) {
		/* a peer that does not read the refusal is not waited for */
		if (now - s->closing_since > NET_LINGER_MS)
			close_handles(s);
		return;
	}
	if (s->state != SESS_OPEN) {
		/* a responder waits a short while for the first message:
		 * a stranger holding connections open keeps few slots */
		if (!s->initiator && s->hs_step == 0 &&
		    now - s->started > NET_MSG1_MS)
			net_sess_close(s, DG_ETIMEOUT, "no handshake");
		else if (now - s->started > NET_HS_TIMEOUT_MS)
			net_sess_close(s, DG_ETIMEOUT, "the handshake timed "
			    "out");
		return;
	}
	if (s->join && !s->initiator && !s->got_request &&
	    now - s->opened > NET_REQUEST_MS) {
		net_sess_close(s, DG_ETIMEOUT, "no join request");
		return;
	}
	if (now - s->last_recv > NET_IDLE_MS) {
		net_sess_close(s, DG_ETIMEOUT, "the peer went silent");
		return;
	}
	if (now - s->last_send > NET_PING_MS && s->wqueued == 0) {
		core_buf_init(&b);
		net_msg_simple(&b, NET_PING);
		(void)net_sess_send(s, &b);
		core_buf_fini(&b);
	}
}

static int
sess_start(struct net_sess *s)
{
	int rc;

	rc = uv_timer_start(&s->timer, on_timer, NET_TICK_MS, NET_TICK_MS);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
	return rc == 0 ? 0 : net_node_uv_err(rc);
}

static void
peer_text(struct net_sess *s)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;

	snprintf(s->addr, sizeof s->addr, "?");
	if (uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	net_disc_addr_text((struct sockaddr *)&ss, s->addr, sizeof s->addr);
	s->has_ip = true;
	memset(s->ip, 0, 16);
	if (ss.ss_family == AF_INET) {
		s->ip[10] = s->ip[11] = 0xff;
		memcpy(s->ip + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else {
		memcpy(s->ip, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	}
}

/* Newcomers' connections (responder side). */
static size_t
joining(const struct net_node *nn)
{
	const struct net_sess *s;
	size_t n = 0;

	for (s = nn->sessions; s != NULL; s = s->next) {
		if (s->join && !s->initiator && s->state != SESS_CLOSING)
			n++;
	}
	return n;
}

/* Connections that have not yet authenticated. */
static size_t
handshaking(const struct net_node *nn)
{
	const struct net_sess *s;
	size_t n = 0;

	for (s = nn->sessions; s != NULL; s = s->next) {
		if (s->state == SESS_HANDSHAKE && !s->initiator)
			n++;
	}
	return n;
}

/* Connections not being closed: those closed (a flood of them) only
 * wait for their close callbacks. */
static size_t
live(const struct net_node *nn)
{
	const struct net_sess *s;
	size_t n = 0;

	for (s = nn->sessions; s != NULL; s = s->next)
		n += s->state != SESS_CLOSING;
	return n;
}

/* Responder connections not yet authenticated from s's IP address, s
 * included: one address may not take every handshake slot. */
static size_t
from_same_ip(const struct net_node *nn, const struct net_sess *s)
{
	const struct net_sess *o;
	size_t n = 0;

	/* nodes on this machine (tests, a demo) share 127.0.0.1 or ::1:
	 * no stranger on the network can come from there */
	static const uint8_t lo6[16] = { [15] = 1 };
	static const uint8_t v4[12] = { [10] = 0xff, [11] = 0xff };

	if (!s->has_ip || (memcmp(s->ip, v4, 12) == 0 && s->ip[12] == 127) ||
	    memcmp(s->ip, lo6, 16) == 0)
		return 0;
	for (o = nn->sessions; o != NULL; o = o->next) {
		if (o->state == SESS_HANDSHAKE && !o->initiator && o->has_ip &&
		    memcmp(o->ip, s->ip, 16) == 0)
			n++;
	}
	return n;
}

/* Whether a whole msg1 (with its length) waits in the kernel for s, not
 * yet read: under a flood the loop accepts many connections before it
 * reads. */
static bool
has_input(struct net_sess *s)
{
	uv_os_fd_t fd;
	int n = 0;

	return uv_fileno((uv_handle_t *)&s->tcp, &fd) == 0 &&
	    ioctl(fd, FIONREAD, &n) == 0 && n >= 4 + NET_NOISE_MSG1;
}

/* No room for s: closes the oldest connection that has not sent msg1
 * and has no msg1 waiting to be read (a stranger holding a slot, most
 * likely), among all or (same_ip) those from s's address, so that a
 * flood of connections that say nothing does not lock a member out.
 * False when every candidate has got past msg1 (it knew a network key)
 * or has one waiting. */
static bool
make_room(struct net_node *nn, struct net_sess *s, bool same_ip)
{
	struct net_sess *o, *old = NULL;

	for (o = nn->sessions; o != NULL; o = o->next) {
		if (o == s || o->state != SESS_HANDSHAKE || o->initiator ||
		    o->hs_step != 0 || (same_ip && (!o->has_ip ||
		    memcmp(o->ip, s->ip, 16) != 0)))
			continue;
		if ((old == NULL || o->accept_seq < old->accept_seq) &&
		    !has_input(o))
			old = o;
	}
	if (old == NULL)
		return false;
	net_node_warn(nn, "every handshake slot taken: closed %s, silent "
	    "since it connected, to make room", old->addr);
	net_sess_close(old, DG_EBUSY, "made room for a newer connection");
	return true;
}

int
net_sess_accept(struct net_node *nn, uv_stream_t *server)
{
	struct net_sess *s;
	int rc;

	s = sess_new(nn);
	if (s == NULL)
		return DG_ENOMEM; /* the connection waits in libuv */
	s->state = SESS_HANDSHAKE;
	s->accept_seq = ++nn->accept_seq;
	rc = uv_accept(server, (uv_stream_t *)&s->tcp);
	if (rc != 0) {
		net_sess_close(s, net_node_uv_err(rc), "accept failed");
		return DG_ENET;
	}
	peer_text(s);
	/* one address: its oldest silent connection gives way, or the new
	 * one is refused */
	if (from_same_ip(nn, s) > NET_HS_PER_IP && !make_room(nn, s, true)) {
		net_node_warn(nn, "too many connections from one address: "
		    "refused %s", s->addr);
		net_sess_close(s, DG_EBUSY, "too many connections");
		return 0;
	}
	if ((live(nn) > NET_SESS_MAX || handshaking(nn) > NET_HS_MAX) &&
	    !make_room(nn, s, false)) {
		net_node_warn(nn, "too many connections: refused %s", s->addr);
		net_sess_close(s, DG_EBUSY, "too many connections");
		return 0;
	}
	(void)uv_tcp_nodelay(&s->tcp, 1);
	rc = net_noise_new(0, nn->pk, nn->sk, NULL, &s->hs);
	if (rc == 0)
		rc = sess_start(s);
	if (rc != 0)
		net_sess_close(s, rc, "cannot start the session");
	return 0;
}

static void
on_connect(uv_connect_t *req, int status)
{
	struct net_sess *s = req->data;
	struct net_node *nn;
	uint8_t psks[NET_PSKS][32], out[NET_NOISE_MSG1];
	size_t npsk;
	int rc;

	free(req);
	if (s->state == SESS_CLOSING)
		return;
	nn = s->node;
	if (status < 0) {
		net_sess_close(s, DG_ENET, uv_strerror(status));
		return;
	}
	s->state = SESS_HANDSHAKE;
	s->started = uv_now(&nn->loop);
	(void)uv_tcp_nodelay(&s->tcp, 1);
	if (nn->joining) {
		struct core_join_request jr;

		s->join = true;
		s->psk_index = 0;
		npsk = store_node_join_hello(nn->store, psks[0], &jr) == 0;
		sodium_memzero(&jr, sizeof jr);
	} else {
		npsk = store_node_psks(nn->store, psks, NET_PSKS);
	}
	if (npsk == 0) {
		net_sess_close(s, DG_ESTATE, "this node holds no network key");
		return;
	}
	if (s->psk_index >= npsk)
		s->psk_index = 0;
	rc = net_noise_new(1, nn->pk, nn->sk, psks[s->psk_index], &s->hs);
	sodium_memzero(psks, sizeof psks);
	if (rc == 0)
		rc = net_noise_write1(s->hs, (uint64_t)time(NULL), out);
	if (rc == 0)
		rc = sess_start(s);
	if (rc == 0)
		rc = send_frame(s, out, NET_NOISE_MSG1, true);
	s->hs_step = 1;
	if (rc != 0 && s->state != SESS_CLOSING)
		net_sess_close(s, rc, "cannot start the handshake");
}

int
net_sess_dial(struct net_node *nn, struct net_dial *d,
    const struct sockaddr *sa)
{
	struct net_sess *s;
	uv_connect_t *req;
	int rc;

	s = sess_new(nn);
	if (s == NULL)
		return DG_ENOMEM;
	s->initiator = true;
	s->state = SESS_CONNECTING;
	s->dial = d;
	s->psk_index = d->psk_index;
	d->sess = s;
	snprintf(s->addr, sizeof s->addr, "%s", d->addr);
	req = malloc(sizeof *req);
	if (req == NULL) {
		net_sess_close(s, DG_ENOMEM, "out of memory");
		return DG_ENOMEM;
	}
	req->data = s;
	rc = uv_tcp_connect(req, &s->tcp, sa, on_connect);
	if (rc != 0) {
		free(req);
		net_sess_close(s, DG_ENET, uv_strerror(rc));
		return DG_ENET;
	}
	return 0;
}

