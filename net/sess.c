/* net/sess.c - one connection: the handshake, encrypted frames and the
 * replication protocol (net/node.h describes it, doc/protocol.md §23-25
 * gives the bytes).
 *
 * Frames on the wire are a 4-byte big-endian length and that many bytes:
 * the three handshake messages in the clear (they protect themselves),
 * then ChaChaPoly ciphertexts of at most NET_FRAME_MAX plaintext bytes.
 * A length out of bounds ends the connection before anything is
 * allocated for it.
 *
 * Flow control: entries to send are read from the store only while less
 * than NET_WQ_HIGH bytes wait in the socket's write queue, and reading
 * starts again below NET_WQ_LOW, so a slow peer costs a bounded amount
 * of memory.  Received batches are ingested synchronously in the read
 * callback, which is the receiver's backpressure: while the store works,
 * nothing is read, and TCP slows the sender down.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/entry.h"
#include "core/ident.h"
#include "net/internal.h"
#include "store/member.h"
#include "store/repl.h"

#define NAME_LEN (CORE_ADDR_TEXT_MAX + 20)
#define THEIR_HEADS_MAX 1000000 /* authors a peer may announce */
#define NET_REMOTE_EXTRA 65536  /* authors learnt from a peer's batches */
#define RUN_BYTES (NET_FRAME_MAX - CORE_BODY_MAX - 1024)

struct wreq {
	uv_write_t req;
	struct net_sess *s;
	size_t len;
	uint8_t data[];
};

static void on_close(uv_handle_t *h);

static uint64_t
rd64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
wr64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}
static void flush_pending(struct net_sess *s);
static void welcome_pump(struct net_sess *s);

static void
short_id(const uint8_t pk[32], char out[16])
{
	char id[CORE_ID_TEXT];

	core_ident_id_text(pk, id);
	memcpy(out, id, 10);
	out[10] = '\0';
}

/* The name of the other side for log lines: its node id once known. */
static const char *
who(struct net_sess *s, char buf[NAME_LEN])
{
	char id[16];

	if (s->has_peer) {
		short_id(s->peer, id);
		snprintf(buf, NAME_LEN, "%s (%s)", id, s->addr);
	} else {
		snprintf(buf, NAME_LEN, "%s", s->addr);
	}
	return buf;
}

/* --- what the peer holds ----------------------------------------------- */

static size_t
frontier_find(const struct frontier *f, const uint8_t author[32], bool *found)
{
	size_t lo = 0, hi = f->n, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(f->recs + mid * 40, author, 32);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t
frontier_get(const struct frontier *f, const uint8_t author[32])
{
	bool found;
	size_t i = frontier_find(f, author, &found);

	return found ? rd64(f->recs + i * 40 + 32) : 0;
}

/* Sets the peer's seq for author (raise only unless force). */
static int
frontier_set(struct frontier *f, const uint8_t author[32], uint64_t seq,
    bool force)
{
	bool found;
	size_t i = frontier_find(f, author, &found);
	uint8_t *g;

	if (found) {
		if (force || rd64(f->recs + i * 40 + 32) < seq)
			wr64(f->recs + i * 40 + 32, seq);
		return 0;
	}
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		g = realloc(f->recs, f->cap * 40);
		if (g == NULL)
			return DG_ENOMEM;
		f->recs = g;
	}
	memmove(f->recs + (i + 1) * 40, f->recs + i * 40, (f->n - i) * 40);
	memcpy(f->recs + i * 40, author, 32);
	wr64(f->recs + i * 40 + 32, seq);
	f->n++;
	return 0;
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
			welcome_pump(s);
		else
			net_sess_pump(s);
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
		return net_uv_err(rc);
	}
	s->wqueued += w->len;
	s->bytes_out += w->len;
	s->node->bytes_out += w->len;
	s->last_send = uv_now(&s->node->loop);
	return 0;
}

/* Sends a message built in b (and empties b). */
static int
send_msg(struct net_sess *s, struct core_buf *b)
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

/* --- sending entries ---------------------------------------------------- */

struct run {
	struct core_buf body;
	size_t n;
	uint64_t last;
};

static int
add_entry(void *arg, const struct store_entry *e, int rc)
{
	struct run *r = arg;

	(void)rc;
	net_msg_batch_entry(&r->body, e->raw, e->raw_len, e->sig, e->body,
	    e->body ? e->body_len : 0);
	r->n++;
	r->last = e->hdr.seq;
	return r->body.err;
}

/* Sends one batch of author from seq on; *sent gets the count. */
static int
send_run(struct net_sess *s, const uint8_t author[32], uint64_t from,
    size_t *sent)
{
	struct run r;
	struct core_buf msg;
	int rc;

	memset(&r, 0, sizeof r);
	core_buf_init(&r.body);
	core_buf_init(&msg);
	*sent = 0;
	rc = store_node_run(s->node->store, author, from, NET_BATCH_MAX,
	    RUN_BYTES, add_entry, &r);
	if (rc == 0 && r.n > 0) {
		net_msg_batch_begin(&msg, author, r.n);
		core_buf_add(&msg, r.body.data, r.body.len);
		rc = send_msg(s, &msg);
		if (rc == 0) {
			rc = frontier_set(&s->remote, author, r.last, false);
			*sent = r.n;
			s->entries_out += r.n;
		}
	}
	core_buf_fini(&r.body);
	core_buf_fini(&msg);
	return rc;
}

void
net_sess_pump(struct net_sess *s)
{
	uint8_t *heads = NULL;
	size_t i, count = 0, sent, total = 0;
	uint64_t mine, theirs;
	int rc;

	if (s->state != SESS_OPEN || !(s->heads_done || s->in_sync))
		return;
	while (s->wqueued < NET_WQ_HIGH && s->state == SESS_OPEN) {
		free(heads);
		rc = store_node_heads(s->node->store, &heads, &count);
		if (rc != 0) {
			net_sess_close(s, rc, "cannot read the store");
			break;
		}
		sent = 0;
		for (i = 0; i < count && sent == 0; i++) {
			mine = rd64(heads + i * STORE_HEAD_REC + 32);
			theirs = frontier_get(&s->remote,
			    heads + i * STORE_HEAD_REC);
			if (mine <= theirs)
				continue;
			rc = send_run(s, heads + i * STORE_HEAD_REC, theirs + 1,
			    &sent);
			if (rc != 0) {
				if (s->state != SESS_CLOSING)
					net_sess_close(s, rc, "cannot send");
				goto out;
			}
			total += sent;
		}
		if (sent == 0) {
			/* nothing left to send */
			if (s->catching_up && !s->sent_done) {
				struct core_buf b;

				core_buf_init(&b);
				net_msg_simple(&b, NET_DONE);
				s->sent_done = true;
				s->live = true;
				(void)send_msg(s, &b);
				core_buf_fini(&b);
			}
			break;
		}
	}
out:
	free(heads);
	(void)total;
}

/* --- receiving ---------------------------------------------------------- */

static void
pending_free(struct net_sess *s)
{
	size_t i;

	for (i = 0; i < s->nframes; i++) {
		sodium_memzero(s->frames[i], s->framelens[i]);
		free(s->frames[i]);
	}
	for (i = 0; i < s->nbatches; i++)
		free(s->batches[i].e);
	s->nframes = s->nbatches = 0;
	s->pend_entries = s->pend_bytes = 0;
}

/* After an import that refused a batch for starting past this node's
 * head (the peer thought it held more) or that changed the members (an
 * author refused earlier in the session may count now): for every log
 * the peer holds further than this node, tell it where this node really
 * is, and it sends from there (WANT).  Not after other refusals: an
 * author refused for good would be asked for again and again. */
static void
want_missing(struct net_sess *s)
{
	struct core_buf b;
	uint8_t *heads = NULL;
	size_t i, j = 0, count = 0;
	uint64_t theirs, mine;
	int c;

	if (store_node_heads(s->node->store, &heads, &count) != 0)
		return;
	core_buf_init(&b);
	for (i = 0; i < s->remote.n && s->state == SESS_OPEN; i++) {
		const uint8_t *r = s->remote.recs + i * 40;

		theirs = rd64(r + 32);
		mine = 0;
		/* both lists are in author order: walk them together */
		while (j < count && (c = memcmp(heads + j * STORE_HEAD_REC, r,
		    32)) < 0)
			j++;
		if (j < count && memcmp(heads + j * STORE_HEAD_REC, r, 32) == 0)
			mine = rd64(heads + j * STORE_HEAD_REC + 32);
		if (theirs <= mine)
			continue;
		net_msg_want(&b, r, mine);
		(void)send_msg(s, &b);
	}
	core_buf_fini(&b);
	free(heads);
}

/* Ingests the batches received so far in one transaction. */
static void
flush_pending(struct net_sess *s)
{
	struct net_node *nn = s->node;
	struct core_bundle b;
	struct store_ingest rep;
	char name[NAME_LEN];
	int rc;

	if (s->nbatches == 0)
		return;
	memset(&b, 0, sizeof b);
	b.mode = CORE_BUNDLE_RECIPIENT;
	memcpy(b.from, s->peer, 32);
	b.has_net = true;
	if (store_node_network(nn->store, b.net, NULL) != 0) {
		pending_free(s);
		return;
	}
	b.time = (uint64_t)time(NULL);
	b.nbatches = s->nbatches;
	b.batches = s->batches;
	rc = store_node_ingest(nn->store, &b, &rep);
	if (rc == 0 && rep.bad == 0 && (rep.gaps > 0 ||
		(rep.members_changed && rep.refused > 0)))
		want_missing(s);
	pending_free(s);
	if (rc != 0) {
		net_log(nn, "cannot store what %s sent: %s", who(s, name),
		    dg_strerror(rc));
		if (s->state != SESS_CLOSING)
			net_sess_close(s, rc, "cannot store the entries");
		return;
	}
	s->entries_in += rep.entries;
	if (nn->rep != NULL)
		nn->rep->received += rep.entries;
	if (rep.forks_new > 0)
		net_alert(nn, "fork: %s", rep.first_problem);
	if (rep.bad > 0) {
		net_alert(nn, "%s sent forged or broken entries and was "
		    "disconnected: %s", who(s, name), rep.first_problem);
		if (s->state != SESS_CLOSING)
			net_sess_refuse(s, NET_ERR_BAD_ENTRIES, DG_EPROTO,
			    "forged or broken entries");
	} else if (rep.refused > 0) {
		net_log(nn, "refused %zu entries from %s: %s", rep.refused,
		    who(s, name), rep.first_problem);
	}
	if (rep.entries > 0 || rep.members_changed)
		net_node_changed(nn);
	if (nn->cfg.progress != NULL && nn->once)
		nn->cfg.progress(nn->cfg.ctx, s->entries_in, s->expect);
}

static int
take_batch(struct net_sess *s, uint8_t *frame, size_t len,
    struct net_msg *m)
{
	struct core_bundle_batch *bt = &m->u.batch;
	struct core_hdr h;
	void *g;

	if (s->nframes == s->capframes) {
		size_t cap = s->capframes ? 2 * s->capframes : 16;

		g = realloc(s->frames, cap * sizeof *s->frames);
		if (g == NULL)
			return DG_ENOMEM;
		s->frames = g;
		g = realloc(s->framelens, cap * sizeof *s->framelens);
		if (g == NULL)
			return DG_ENOMEM;
		s->framelens = g;
		s->capframes = cap;
	}
	if (s->nbatches == s->capbatches) {
		s->capbatches = s->capbatches ? 2 * s->capbatches : 16;
		g = realloc(s->batches, s->capbatches * sizeof *s->batches);
		if (g == NULL)
			return DG_ENOMEM;
		s->batches = g;
	}
	/* The peer holds what it sends (the store checks the rest); the
	 * record of it is bounded, whatever authors a peer makes up. */
	if (core_entry_decode(bt->e[bt->n - 1].hdr, bt->e[bt->n - 1].hlen,
		&h) == 0 && memcmp(h.author, bt->author, 32) == 0 &&
	    s->remote.n < s->nour + NET_REMOTE_EXTRA &&
	    frontier_set(&s->remote, bt->author, h.seq, false) != 0)
		return DG_ENOMEM;
	s->framelens[s->nframes] = len;
	s->frames[s->nframes++] = frame;
	s->batches[s->nbatches++] = *bt;
	bt->e = NULL; /* now owned by the pending list */
	s->pend_entries += s->batches[s->nbatches - 1].n;
	s->pend_bytes += len;
	return 0;
}

static void
check_synced(struct net_sess *s)
{
	if (!s->synced_reported && (s->in_sync ||
		(s->got_done && s->got_synced))) {
		s->synced_reported = true;
		net_node_sess_synced(s->node, s);
	}
}

/* Our heads at HELLO time: what the peer holds if the digests match. */
static int
send_hello(struct net_sess *s)
{
	struct core_buf b;
	uint64_t nheads = 0, entries = 0;
	int rc;

	rc = store_node_digest(s->node->store, s->hello_digest, &nheads,
	    &entries);
	if (rc == 0) {
		free(s->our_heads);
		rc = store_node_heads(s->node->store, &s->our_heads, &s->nour);
	}
	if (rc != 0) {
		net_sess_close(s, rc, "cannot read the store");
		return rc;
	}
	core_buf_init(&b);
	net_msg_hello(&b, s->hello_digest, entries, 0);
	rc = send_msg(s, &b);
	core_buf_fini(&b);
	return rc;
}

static int
send_heads(struct net_sess *s)
{
	struct core_buf b;
	size_t off = 0, n;
	int rc = 0;

	core_buf_init(&b);
	do {
		n = s->nour - off;
		if (n > NET_HEADS_MAX)
			n = NET_HEADS_MAX;
		net_msg_heads(&b, off + n < s->nour,
		    s->our_heads ? s->our_heads + off * STORE_HEAD_REC : NULL,
		    n);
		rc = send_msg(s, &b);
		off += n;
	} while (rc == 0 && off < s->nour);
	core_buf_fini(&b);
	return rc;
}

static int
copy_hash(void *arg, const struct store_entry *e, int rc)
{
	(void)rc;
	memcpy(arg, e->hash, 32);
	return 1;
}

/* Their heads are complete: what do they lack? */
static int
heads_complete(struct net_sess *s)
{
	const uint8_t *t, *o;
	uint8_t ours[32];
	uint64_t tseq, mine;
	size_t i;
	bool found;
	int rc;

	for (i = 0; i < s->ntheir; i++) {
		t = s->their_heads + i * STORE_HEAD_REC;
		tseq = rd64(t + 32);
		rc = frontier_set(&s->remote, t, tseq, true);
		if (rc != 0)
			return rc;
		/* Their head is behind ours but is not our entry there: a
		 * fork.  Send ours from that place so they keep the proof. */
		if (tseq == 0 || store_node_head(s->node->store, t, &mine) != 0 ||
		    mine <= tseq)
			continue;
		memset(ours, 0, sizeof ours);
		if (store_node_run(s->node->store, t, tseq, 1, 1, copy_hash,
			ours) == 0 && memcmp(ours, t + 40, 32) != 0)
			(void)frontier_set(&s->remote, t, tseq - 1, true);
	}
	/* Same place, another entry: send ours so the peer sees the fork
	 * (and keeps the proof). */
	for (i = 0; i < s->nour; i++) {
		o = s->our_heads + i * STORE_HEAD_REC;
		(void)frontier_find(&s->remote, o, &found);
		if (!found)
			continue;
		t = NULL;
		for (size_t j = 0; j < s->ntheir; j++) {
			if (memcmp(s->their_heads + j * STORE_HEAD_REC, o,
				32) == 0) {
				t = s->their_heads + j * STORE_HEAD_REC;
				break;
			}
		}
		if (t != NULL && memcmp(t + 32, o + 32, 8) == 0 &&
		    memcmp(t + 40, o + 40, 32) != 0 &&
		    rd64(o + 32) > 0)
			(void)frontier_set(&s->remote, o,
			    rd64(o + 32) - 1, true);
	}
	free(s->their_heads);
	s->their_heads = NULL;
	s->ntheir = s->captheir = 0;
	s->heads_done = true;
	s->catching_up = true;
	net_sess_pump(s);
	return 0;
}

/* --- joining over the network ------------------------------------------ */

static int
send_request(struct net_sess *s)
{
	struct core_join_request req;
	struct core_buf b;
	uint8_t psk[32];
	int rc;

	rc = store_node_join_hello(s->node->store, psk, &req);
	sodium_memzero(psk, sizeof psk);
	if (rc != 0)
		return rc;
	core_buf_init(&b);
	net_msg_request(&b, &req);
	sodium_memzero(&req, sizeof req);
	rc = send_msg(s, &b);
	core_buf_fini(&b);
	return rc;
}

/* Sends pieces of the welcome while the write queue has room. */
static void
welcome_pump(struct net_sess *s)
{
	struct core_buf b;
	size_t n;

	core_buf_init(&b);
	while (s->state == SESS_OPEN && s->woff < s->wbundle.len &&
	    s->wqueued < NET_WQ_HIGH) {
		n = s->wbundle.len - s->woff;
		if (n > NET_CHUNK_MAX)
			n = NET_CHUNK_MAX;
		net_msg_bundle(&b, s->woff + n < s->wbundle.len,
		    (const uint8_t *)s->wbundle.data + s->woff, n);
		if (send_msg(s, &b) != 0)
			break;
		s->woff += n;
	}
	core_buf_fini(&b);
	if (s->woff == s->wbundle.len && s->wbundle.len > 0) {
		core_buf_fini(&s->wbundle);
		core_buf_init(&s->wbundle);
		if (s->node->welcoming == s)
			s->node->welcoming = NULL;
	}
}

/* Responder: the newcomer is a member now; send it the welcome bundle
 * (everything, sealed to its key) in pieces, once per connection.  The
 * bundle is the whole store, so one is built at a time on this node: a
 * member asking again and again (it can read the invites) costs one
 * store's worth of memory, not one per request. */
int
net_sess_welcome(struct net_sess *s)
{
	struct net_node *nn = s->node;
	size_t count = 0;
	char name[NAME_LEN];
	int rc;

	if (s->welcomed)
		return 0;
	if (nn->welcoming != NULL) {
		net_sess_refuse(s, NET_ERR_BUSY, DG_EBUSY, "another newcomer "
		    "is being welcomed; try again in a minute");
		return DG_EBUSY;
	}
	core_buf_init(&s->wbundle);
	rc = store_node_bundle(nn->store, 2, s->peer, NULL, &s->wbundle,
	    &count);
	if (rc != 0) {
		core_buf_fini(&s->wbundle);
		core_buf_init(&s->wbundle);
		return rc;
	}
	s->welcomed = true;
	s->woff = 0;
	s->join_wait = false;
	s->entries_out += count;
	nn->welcoming = s;
	net_log(nn, "welcoming %s with %zu entries", who(s, name), count);
	welcome_pump(s);
	return 0;
}

static int
on_request(struct net_sess *s, const struct core_join_request *req)
{
	struct net_node *nn = s->node;
	struct store_ingest rep;
	struct core_buf b;
	char name[NAME_LEN];
	uint8_t role = 0;
	int rc;

	if (s->got_request) {
		net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO, "a second join "
		    "request");
		return DG_EPROTO;
	}
	s->got_request = true;
	if (memcmp(req->pk, s->peer, 32) != 0) {
		net_sess_refuse(s, NET_ERR_JOIN, DG_EPROTO, "the join request is not "
		    "this node's own");
		return DG_EPROTO;
	}
	/* Only a coordinator can admit: a request left on a volunteer's
	 * node would wait for nobody. */
	if (store_node_member_check(nn->store, s->peer) != 0 &&
	    (store_node_member_role(nn->store, nn->pk, &role) != 0 ||
		role != CORE_ROLE_COORDINATOR)) {
		net_log(nn, "a newcomer at %s asked to join, but this node is "
		    "not a coordinator's", s->addr);
		net_sess_refuse(s, NET_ERR_JOIN, DG_EREFUSED, "this node "
		    "cannot admit newcomers: give a coordinator's node "
		    "address");
		return DG_EREFUSED;
	}
	memset(&rep, 0, sizeof rep);
	rc = store_node_take_request(nn->store, req, &rep);
	if (rc == DG_ESIG) {
		net_sess_refuse(s, NET_ERR_JOIN, DG_EPROTO, "the join request's "
		    "signature does not verify for this network");
		return DG_EPROTO;
	}
	if (rc != 0)
		return rc;
	if (rep.members_changed)
		net_node_changed(nn);
	if (store_node_member_check(nn->store, s->peer) == 0)
		return net_sess_welcome(s);
	if (rep.requests > 0) {
		net_log(nn, "join request from %s waits for a coordinator's "
		    "approval ('dugnad requests')", who(s, name));
		net_alert(nn, "a join request waits for approval");
		s->join_wait = true;
		core_buf_init(&b);
		net_msg_simple(&b, NET_PENDING);
		rc = send_msg(s, &b);
		core_buf_fini(&b);
		return rc;
	}
	if (rep.first_problem[0] == '\0')
		snprintf(rep.first_problem, sizeof rep.first_problem,
		    "the request could not be taken");
	net_log(nn, "refused the join request from %s: %s", who(s, name),
	    rep.first_problem);
	net_sess_refuse(s, NET_ERR_JOIN, DG_EREFUSED, rep.first_problem);
	return DG_EREFUSED;
}

/* Newcomer: a piece of the welcome bundle. */
static int
on_welcome(struct net_sess *s, const uint8_t *p, size_t len, bool more)
{
	struct net_node *nn = s->node;
	struct core_bundle *b = NULL;
	struct store_ingest rep;
	int rc;

	if (s->welcome.len + len > CORE_BUNDLE_FILE_MAX) {
		net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO, "welcome too large");
		return DG_EPROTO;
	}
	core_buf_add(&s->welcome, p, len);
	if (s->welcome.err != 0)
		return s->welcome.err;
	if (more)
		return 0;
	rc = store_node_bundle_open(nn->store, (uint8_t *)s->welcome.data,
	    s->welcome.len, &b);
	if (rc == 0)
		rc = store_node_ingest(nn->store, b, &rep);
	core_bundle_free(b);
	core_buf_fini(&s->welcome);
	if (rc != 0 || !rep.joined) {
		snprintf(s->why_text, sizeof s->why_text, "the welcome did not "
		    "make this node a member: %.120s", rc != 0 ?
		    dg_strerror(rc) : rep.first_problem);
		net_sess_close(s, DG_EPROTO, s->why_text);
		return DG_EPROTO;
	}
	s->entries_in += rep.entries;
	if (nn->rep != NULL) {
		nn->rep->received += rep.entries;
		memcpy(nn->rep->peer, s->peer, 32);
	}
	nn->done = true;
	nn->result = 0;
	net_sess_close(s, 0, "joined");
	uv_stop(&nn->loop);
	return 0;
}

/* True when author is one of the logs we hold (our_heads is in author
 * order). */
static bool
we_hold(const struct net_sess *s, const uint8_t *author)
{
	size_t lo = 0, hi = s->nour, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(s->our_heads + mid * STORE_HEAD_REC, author, 32);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* A HEADS message: authors strictly ascending across the messages (so
 * the peer cannot make the insertions quadratic), and only the heads of
 * logs this node holds are kept: nothing is sent for the others, so
 * what is kept is bounded by what this node holds. */
static int
take_heads(struct net_sess *s, const struct net_msg *m)
{
	const struct net_head *h;
	uint8_t *r;
	void *g;
	size_t i;

	s->heads_seen += m->u.heads.n;
	if (s->heads_seen > THEIR_HEADS_MAX) {
		net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO, "too many heads");
		return DG_EPROTO;
	}
	for (i = 0; i < m->u.heads.n; i++) {
		h = &m->u.heads.h[i];
		if (s->has_last_head && memcmp(h->author, s->last_head,
		    32) <= 0) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "heads out of order");
			return DG_EPROTO;
		}
		memcpy(s->last_head, h->author, 32);
		s->has_last_head = true;
		if (!we_hold(s, h->author))
			continue;
		if (s->ntheir == s->captheir) {
			s->captheir = s->captheir ? 2 * s->captheir : 64;
			g = realloc(s->their_heads,
			    s->captheir * STORE_HEAD_REC);
			if (g == NULL)
				return DG_ENOMEM;
			s->their_heads = g;
		}
		r = s->their_heads + s->ntheir++ * STORE_HEAD_REC;
		memcpy(r, h->author, 32);
		wr64(r + 32, h->seq);
		memcpy(r + 40, h->hash, 32);
	}
	return 0;
}

static int
on_msg(struct net_sess *s, uint8_t *frame, size_t len)
{
	struct net_node *nn = s->node;
	struct net_msg m;
	struct core_buf b;
	char name[NAME_LEN];
	uint8_t digest[32];
	int rc;

	rc = net_msg_decode(frame, len, &m);
	if (rc != 0) {
		net_log(nn, "%s sent a malformed message (%s); disconnected",
		    who(s, name), dg_strerror(rc));
		net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO, "malformed message");
		sodium_memzero(frame, len);
		free(frame);
		return DG_EPROTO;
	}
	if (m.type != NET_BATCH && s->nbatches > 0)
		flush_pending(s);
	if (s->state != SESS_OPEN) {
		net_msg_fini(&m);
		sodium_memzero(frame, len);
		free(frame);
		return DG_ECLOSED;
	}
	rc = 0;
	if (s->join && m.type != NET_REQUEST && m.type != NET_PENDING &&
	    m.type != NET_BUNDLE && m.type != NET_ERROR &&
	    m.type != NET_PING) {
		net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
		    "a newcomer's session carries its join only");
		net_msg_fini(&m);
		sodium_memzero(frame, len);
		free(frame);
		return DG_EPROTO;
	}
	switch (m.type) {
	case NET_HELLO:
		if (s->got_hello || m.u.hello.version != NET_VERSION) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "unexpected HELLO or version");
			rc = DG_EPROTO;
			break;
		}
		s->got_hello = true;
		s->expect = m.u.hello.heads;
		if (memcmp(m.u.hello.digest, s->hello_digest, 32) == 0) {
			/* In sync: the peer holds exactly our heads. */
			for (size_t i = 0; rc == 0 && i < s->nour; i++)
				rc = frontier_set(&s->remote,
				    s->our_heads + i * STORE_HEAD_REC,
				    rd64(s->our_heads +
					i * STORE_HEAD_REC + 32), true);
			s->in_sync = s->live = true;
			check_synced(s);
			net_sess_pump(s);
		} else {
			rc = send_heads(s);
		}
		break;
	case NET_HEADS:
		if (!s->got_hello || s->heads_done) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "unexpected HEADS");
			rc = DG_EPROTO;
			break;
		}
		rc = take_heads(s, &m);
		if (rc != 0)
			break;
		if (!m.u.heads.more)
			rc = heads_complete(s);
		break;
	case NET_BATCH:
		if (!s->got_hello) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "entries before HELLO");
			rc = DG_EPROTO;
			break;
		}
		rc = take_batch(s, frame, len, &m);
		if (rc == 0)
			frame = NULL; /* kept until ingested */
		break;
	case NET_DONE:
		flush_pending(s);
		if (s->state != SESS_OPEN)
			break;
		s->got_done = true;
		rc = store_node_digest(nn->store, digest, NULL, NULL);
		if (rc != 0)
			break;
		core_buf_init(&b);
		net_msg_synced(&b, digest);
		rc = send_msg(s, &b);
		core_buf_fini(&b);
		if (rc == 0)
			check_synced(s);
		break;
	case NET_SYNCED:
		s->got_synced = true;
		check_synced(s);
		break;
	case NET_ERROR:
		net_log(nn, "%s refused this node: %s", who(s, name),
		    m.u.error.text);
		snprintf(s->why_text, sizeof s->why_text, "%.150s",
		    m.u.error.text);
		net_sess_close(s, m.u.error.code == NET_ERR_NOT_MEMBER ?
		    DG_EREFUSED : DG_EPROTO, s->why_text);
		break;
	case NET_PING:
		break;
	case NET_REQUEST:
		if (!s->join || s->initiator || s->join_wait) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "unexpected join request");
			rc = DG_EPROTO;
			break;
		}
		rc = on_request(s, &m.u.request);
		break;
	case NET_WANT: {
		uint64_t mine = 0;

		/* Only for a log this node holds, below its head and below
		 * what the peer was thought to hold, and a bounded number of
		 * times: each one makes this node send a run again. */
		if (!s->heads_done && !s->in_sync) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "unexpected WANT");
			rc = DG_EPROTO;
			break;
		}
		/* Already sending from there, or nothing to send: nothing
		 * to do (a second WANT can cross the resend). */
		if (store_node_head(nn->store, m.u.want.author, &mine) != 0 ||
		    m.u.want.seq >= mine ||
		    m.u.want.seq >= frontier_get(&s->remote,
			m.u.want.author))
			break;
		if (++s->wants > NET_WANTS_MAX) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "too many WANTs");
			rc = DG_EPROTO;
			break;
		}
		rc = frontier_set(&s->remote, m.u.want.author, m.u.want.seq,
		    true);
		if (rc == 0)
			net_sess_pump(s);
		break;
	}
	case NET_PENDING:
		if (!s->join || !s->initiator) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "unexpected PENDING");
			rc = DG_EPROTO;
			break;
		}
		net_log(nn, "the request is with %s; waiting for a "
		    "coordinator to approve it", who(s, name));
		break;
	case NET_BUNDLE:
		if (!s->join || !s->initiator) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "unexpected BUNDLE");
			rc = DG_EPROTO;
			break;
		}
		rc = on_welcome(s, m.u.bundle.data, m.u.bundle.len,
		    m.u.bundle.more);
		break;
	}
	net_msg_fini(&m);
	if (frame != NULL)
		sodium_memzero(frame, len);
	free(frame);
	if (rc != 0 && s->state != SESS_CLOSING)
		net_sess_close(s, rc, dg_strerror(rc));
	return rc;
}

/* --- the handshake ------------------------------------------------------ */

static int
member_ok(struct net_sess *s)
{
	char name[NAME_LEN];
	int rc = store_node_member_check(s->node->store, s->peer);

	if (rc == DG_EPERM || rc == DG_ENOTFOUND) {
		s->node->refused++;
		net_alert(s->node, "refused %s: %s", who(s, name),
		    rc == DG_EPERM ? "it was revoked" :
		    "it is not a member of the network");
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
	char name[NAME_LEN];
	int rc;

	if (!s->initiator && s->hs_step == 0) {
		nnet = nn->nnet;
		npsk = nn->npsk;
		rc = npsk == 0 ? DG_ECRYPTO : net_noise_read1(s->hs, p, len,
		    (const uint8_t (*)[32])nn->psks, npsk, &which, &t);
		if (rc != 0) {
			nn->refused++;
			net_log(nn, "refused a handshake from %s: no network "
			    "key of this node opens it", s->addr);
			return DG_EREFUSED;
		}
		if (t + NET_TIME_SKEW < now || t > now + NET_TIME_SKEW) {
			nn->refused++;
			net_log(nn, "refused a handshake from %s: its clock is "
			    "off by more than %d minutes", s->addr,
			    NET_TIME_SKEW / 60);
			return DG_EREFUSED;
		}
		if (!net_node_replay_check(nn, p, t)) {
			nn->refused++;
			net_log(nn, "refused a replayed handshake from %s",
			    s->addr);
			return DG_EREFUSED;
		}
		s->join = which >= nnet;
		rc = net_noise_write2(s->hs, out);
		if (rc == 0)
			rc = send_frame(s, out, NET_NOISE_MSG2, true);
		s->hs_step = 2;
		return rc;
	}
	if (s->initiator && s->hs_step == 1) {
		rc = net_noise_read2(s->hs, p, len, s->peer);
		if (rc != 0) {
			net_log(nn, "handshake with %s failed: %s", s->addr,
			    dg_strerror(rc));
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
		net_log(nn, "connected to %s", who(s, name));
		return s->join ? send_request(s) : send_hello(s);
	}
	if (!s->initiator && s->hs_step == 2) {
		rc = net_noise_read3(s->hs, p, len, s->peer);
		if (rc != 0) {
			net_log(nn, "handshake from %s failed: %s", s->addr,
			    dg_strerror(rc));
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
			net_log(nn, "a newcomer connected from %s", s->addr);
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
		net_log(nn, "%s connected", who(s, name));
		return send_hello(s);
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
	plain = malloc(len - 16 > 0 ? len - 16 : 1);
	if (plain == NULL)
		return DG_ENOMEM;
	rc = net_cipher_open(&s->rx, p, len, plain);
	if (rc != 0) {
		free(plain);
		return DG_EPROTO;
	}
	return on_msg(s, plain, len - 16);
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
	char name[NAME_LEN];
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
			    "handshake: it is not in this network, or holds "
			    "newer keys");
		else
			net_sess_close(s, nread == UV_EOF ? DG_ECLOSED :
			    DG_ENET, "the connection was closed");
		return;
	}
	s->rlen += (size_t)nread;
	s->bytes_in += (size_t)nread;
	s->node->bytes_in += (size_t)nread;
	s->last_recv = uv_now(&s->node->loop);
	while (s->state != SESS_CLOSING && s->rlen - off >= 4) {
		len = (size_t)s->rbuf[off] << 24 | (size_t)s->rbuf[off + 1] << 16 |
		    (size_t)s->rbuf[off + 2] << 8 | s->rbuf[off + 3];
		want = s->state == SESS_HANDSHAKE ? hs_expect(s) : 0;
		if ((s->state == SESS_HANDSHAKE && len != want) ||
		    (s->state == SESS_OPEN && (len < 17 || len > NET_WIRE_MAX))) {
			net_log(s->node, "%s sent a frame of %zu bytes; "
			    "disconnected", who(s, name), len);
			net_sess_close(s, DG_EPROTO, "bad frame length");
			return;
		}
		if (s->rlen - off < 4 + len)
			break;
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
		flush_pending(s);
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
	if (uv_timer_init(&nn->loop, &s->timer) == 0) {
		s->timer.data = s;
		s->open_handles++;
	} else {
		s->state = SESS_CLOSING;
		uv_close((uv_handle_t *)&s->tcp, on_close);
		return NULL;
	}
	s->started = s->last_recv = s->last_send = uv_now(&nn->loop);
	s->next = nn->sessions;
	nn->sessions = s;
	nn->nsess++;
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
	pending_free(s);
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
		flush_pending(s);
	if (s->state == SESS_CLOSING)
		return;
	s->state = SESS_CLOSING;
	if (s->node->welcoming == s)
		s->node->welcoming = NULL;
	s->why = why;
	if (text != NULL && s->why_text[0] == '\0')
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
	if (now - s->last_recv > NET_IDLE_MS) {
		net_sess_close(s, DG_ETIMEOUT, "the peer went silent");
		return;
	}
	if (now - s->last_send > NET_PING_MS && s->wqueued == 0) {
		core_buf_init(&b);
		net_msg_simple(&b, NET_PING);
		(void)send_msg(s, &b);
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
	return rc == 0 ? 0 : net_uv_err(rc);
}

static void
peer_text(struct net_sess *s)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char host[64];
	uint16_t port = 0;

	snprintf(s->addr, sizeof s->addr, "?");
	if (uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host);
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host);
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		return;
	}
	core_addr_format(host, port, s->addr, sizeof s->addr);
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

int
net_sess_accept(struct net_node *nn, uv_stream_t *server)
{
	struct net_sess *s;
	int rc;

	s = sess_new(nn);
	if (s == NULL)
		return DG_ENOMEM;
	s->state = SESS_HANDSHAKE;
	rc = uv_accept(server, (uv_stream_t *)&s->tcp);
	if (rc != 0) {
		net_sess_close(s, net_uv_err(rc), "accept failed");
		return 0;
	}
	peer_text(s);
	if (nn->nsess > NET_SESS_MAX || handshaking(nn) > NET_HS_MAX) {
		net_log(nn, "too many connections: refused %s", s->addr);
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
