/* net/repl.c - replication on a connection: HELLO and the digest,
 * HEADS, batches sent in per-author order and ingested in one
 * transaction (store_node_ingest: one signature per batch), DONE and
 * SYNCED, WANT, live push (doc/protocol.md §23.5).
 *
 * Flow control: entries to send are read from the store only while less
 * than NET_WQ_HIGH bytes wait in the socket's write queue, and reading
 * starts again below NET_WQ_LOW, so a slow peer costs a bounded amount
 * of memory.  Received batches are ingested synchronously in the read
 * callback, which is the receiver's backpressure: while the store works,
 * nothing is read, and TCP slows the sender down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/entry.h"
#include "net/internal.h"
#include "store/member.h"
#include "store/repl.h"

#define THEIR_HEADS_MAX 1000000 /* authors a peer may announce */
#define NET_REMOTE_EXTRA 65536  /* authors learnt from a peer's batches */
#define RUN_BYTES (NET_FRAME_MAX - CORE_BODY_MAX - 1024)

/* --- what the peer holds ----------------------------------------------- */

/* Where author is (*found) or would go in n records of stride bytes that
 * begin with an author and are in author order. */
static size_t
find_author(const uint8_t *recs, size_t n, size_t stride,
    const uint8_t author[32], bool *found)
{
	size_t lo = 0, hi = n, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(recs + mid * stride, author, 32);
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

static size_t
frontier_find(const struct frontier *f, const uint8_t author[32], bool *found)
{
	return find_author(f->recs, f->n, 40, author, found);
}

static uint64_t
frontier_get(const struct frontier *f, const uint8_t author[32])
{
	bool found;
	size_t i = frontier_find(f, author, &found);

	return found ? net_rd64(f->recs + i * 40 + 32) : 0;
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
		if (force || net_rd64(f->recs + i * 40 + 32) < seq)
			net_wr64(f->recs + i * 40 + 32, seq);
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
	net_wr64(f->recs + i * 40 + 32, seq);
	f->n++;
	return 0;
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
		rc = net_sess_send(s, &msg);
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
net_repl_pump(struct net_sess *s)
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
		/* Coordinators' logs first: they hold the admissions, and
		 * a member's entries that arrive before its admission are
		 * refused and asked for again. */
		sent = 0;
		for (i = 0; i < 2 * count && sent == 0; i++) {
			const uint8_t *h = heads + (i % count) * STORE_HEAD_REC;

			if (net_node_is_coord(s->node, h) != (i < count))
				continue;
			mine = net_rd64(h + 32);
			theirs = frontier_get(&s->remote, h);
			if (mine <= theirs)
				continue;
			rc = send_run(s, h, theirs + 1, &sent);
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
				(void)net_sess_send(s, &b);
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

void
net_repl_pending_free(struct net_sess *s)
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

		theirs = net_rd64(r + 32);
		mine = 0;
		/* both lists are in author order: walk them together */
		while (j < count && (c = memcmp(heads + j * STORE_HEAD_REC, r,
		    32)) < 0)
			j++;
		if (j < count && memcmp(heads + j * STORE_HEAD_REC, r, 32) == 0)
			mine = net_rd64(heads + j * STORE_HEAD_REC + 32);
		if (theirs <= mine)
			continue;
		net_msg_want(&b, r, mine);
		if (net_sess_send(s, &b) == 0)
			s->wants_sent++;
	}
	core_buf_fini(&b);
	free(heads);
}

/* Ingests the batches received so far in one transaction. */
void
net_repl_flush(struct net_sess *s)
{
	struct net_node *nn = s->node;
	struct core_bundle b;
	struct store_ingest rep;
	char name[NET_NAME_LEN], why[NET_PROBLEM_MAX];
	int rc;

	if (s->nbatches == 0)
		return;
	memset(&b, 0, sizeof b);
	b.mode = CORE_BUNDLE_RECIPIENT;
	memcpy(b.from, s->peer, 32);
	b.has_net = true;
	if (store_node_network(nn->store, b.net, NULL) != 0) {
		net_repl_pending_free(s);
		return;
	}
	b.time = (uint64_t)time(NULL);
	b.nbatches = s->nbatches;
	b.batches = s->batches;
	rc = store_node_ingest(nn->store, &b, &rep);
	if (rc == 0 && rep.refused > rep.bad)
		s->refused_some = true;
	if (rc == 0 && rep.bad == 0 && (rep.gaps > 0 ||
		(rep.members_changed && s->refused_some)))
		want_missing(s);
	net_repl_pending_free(s);
	if (rc != 0) {
		net_node_err(nn, "cannot store what %s sent: %s", net_sess_who(s, name),
		    D_(dg_strerror(rc)));
		if (s->state != SESS_CLOSING)
			net_sess_close(s, rc, "cannot store the entries");
		return;
	}
	s->entries_in += rep.entries;
	if (nn->rep != NULL)
		nn->rep->received += rep.entries;
	if (rep.forks_new > 0)
		net_node_alert(nn, "fork: %s", rep.first_problem);
	if (rep.bad > 0) {
		net_node_alert(nn, "%s sent forged or broken entries and was "
		    "disconnected: %s", net_sess_who(s, name), rep.first_problem);
		if (s->state != SESS_CLOSING)
			net_sess_refuse(s, NET_ERR_BAD_ENTRIES, DG_EPROTO,
			    "forged or broken entries");
	} else if (rep.refused > 0) {
		net_node_warn(nn, dngettext("dugnad", "refused %zu entry from "
		    "%s: %s", "refused %zu entries from %s: %s", rep.refused),
		    rep.refused, net_sess_who(s, name),
		    net_node_ingest_problem(&rep, why, sizeof why));
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
	int rc;

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
		size_t cap = s->capbatches ? 2 * s->capbatches : 16;

		g = realloc(s->batches, cap * sizeof *s->batches);
		if (g == NULL)
			return DG_ENOMEM;
		s->batches = g;
		s->capbatches = cap;
	}
	/* The peer holds what it sends (the store checks the rest); the
	 * record of it is bounded, whatever authors a peer makes up. */
	rc = core_entry_decode(bt->e[bt->n - 1].hdr, bt->e[bt->n - 1].hlen,
	    &h);
	if (rc == DG_ENOMEM)
		return rc;
	if (rc == 0 && memcmp(h.author, bt->author, 32) == 0 &&
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
int
net_repl_hello(struct net_sess *s)
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
	rc = net_sess_send(s, &b);
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
		rc = net_sess_send(s, &b);
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
		tseq = net_rd64(t + 32);
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
		    net_rd64(o + 32) > 0)
			(void)frontier_set(&s->remote, o,
			    net_rd64(o + 32) - 1, true);
	}
	free(s->their_heads);
	s->their_heads = NULL;
	s->ntheir = s->captheir = 0;
	s->heads_done = true;
	s->catching_up = true;
	net_repl_pump(s);
	return 0;
}

static bool
we_hold(const struct net_sess *s, const uint8_t *author)
{
	bool found;

	(void)find_author(s->our_heads, s->nour, STORE_HEAD_REC, author,
	    &found);
	return found;
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
		net_wr64(r + 32, h->seq);
		memcpy(r + 40, h->hash, 32);
	}
	return 0;
}

int
net_repl_on_msg(struct net_sess *s, uint8_t *frame, size_t len)
{
	struct net_node *nn = s->node;
	struct net_msg m;
	struct core_buf b;
	char name[NET_NAME_LEN];
	uint8_t digest[32];
	int rc;

	rc = net_msg_decode(frame, len, &m);
	if (rc == DG_ENOMEM) { /* not the peer's fault */
		sodium_memzero(frame, len);
		free(frame);
		return rc;
	}
	if (rc != 0) {
		net_node_warn(nn, "%s sent a malformed message (%s); disconnected",
		    net_sess_who(s, name), D_(dg_strerror(rc)));
		net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO, "malformed message");
		sodium_memzero(frame, len);
		free(frame);
		return DG_EPROTO;
	}
	if (m.type != NET_BATCH && s->nbatches > 0)
		net_repl_flush(s);
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
				    net_rd64(s->our_heads +
					i * STORE_HEAD_REC + 32), true);
			s->in_sync = s->live = true;
			check_synced(s);
			net_repl_pump(s);
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
		net_repl_flush(s);
		if (s->state != SESS_OPEN)
			break;
		s->got_done = true;
		rc = store_node_digest(nn->store, digest, NULL, NULL);
		if (rc != 0)
			break;
		core_buf_init(&b);
		net_msg_synced(&b, digest);
		rc = net_sess_send(s, &b);
		core_buf_fini(&b);
		if (rc == 0)
			check_synced(s);
		break;
	case NET_SYNCED:
		s->got_synced = true;
		check_synced(s);
		break;
	case NET_ERROR:
		net_node_warn(nn, "%s refused this node: %s", net_sess_who(s, name),
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
		rc = net_join_on_request(s, &m.u.request);
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
			net_repl_pump(s);
		break;
	}
	case NET_PENDING:
		if (!s->join || !s->initiator) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "unexpected PENDING");
			rc = DG_EPROTO;
			break;
		}
		net_node_log(nn, "the request is with %s; waiting for a "
		    "coordinator to approve it", net_sess_who(s, name));
		break;
	case NET_BUNDLE:
		if (!s->join || !s->initiator) {
			net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO,
			    "unexpected BUNDLE");
			rc = DG_EPROTO;
			break;
		}
		rc = net_join_on_welcome(s, m.u.bundle.data, m.u.bundle.len,
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

