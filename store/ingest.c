/* store/ingest.c - taking in entries from elsewhere (bundles now, peers
 * later) and writing bundles: the "what does the other side lack /
 * verify and ingest a batch" machinery that replication reuses.
 *
 * A batch is a run of consecutive entries of one author.  It is checked
 * as a hash chain from the entry this node already holds (or from the
 * author's first entry), and by the signature of its last entry only:
 * that signature covers the last entry's hash, which covers the previous
 * entry's hash, and so on, so one signature check authenticates the run.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/body.h"
#include "core/hlc.h"
#include "core/ident.h"
#include "core/invite.h"
#include "store/internal.h"
#include "store/member.h"

/* Marks texts for translation (xgettext finds problem()'s own);
 * net_node_ingest_problem translates them. */
#define N_(s) s

/* Keeps the first refusal as one sentence: what, by whom, from where,
 * in English (for peers), and its parts for a translation. */
static void
problem(struct store_ingest *rep, const char *what, const uint8_t *author,
    uint64_t seq)
{
	char id[CORE_ID_TEXT];

	if (rep->first_problem[0] != '\0')
		return;
	rep->first_what = what;
	memcpy(rep->first_author, author, 32);
	rep->first_seq = seq;
	core_ident_id_text(author, id);
	if (seq > 0)
		snprintf(rep->first_problem, sizeof rep->first_problem,
		    "%s (node %.10s, entry %llu)", what, id,
		    (unsigned long long)seq);
	else
		snprintf(rep->first_problem, sizeof rep->first_problem,
		    "%s (node %.10s)", what, id);
}

/* Keeps the proof of a fork: the header and signature held and the
 * conflicting one, under (author, seq). */
static int
keep_fork(struct store_txn *t, const struct store_entry *have,
    const struct core_bundle_entry *other, uint64_t seq)
{
	uint8_t key[40], val[2 * (1 + CORE_HDR_MAX + CORE_SIG_LEN)];
	size_t o = 0;

	memcpy(key, have->hdr.author, 32);
	store_be64(key + 32, seq);
	val[o++] = (uint8_t)have->raw_len;
	memcpy(val + o, have->raw, have->raw_len), o += have->raw_len;
	memcpy(val + o, have->sig, CORE_SIG_LEN), o += CORE_SIG_LEN;
	val[o++] = (uint8_t)other->hlen;
	memcpy(val + o, other->hdr, other->hlen), o += other->hlen;
	memcpy(val + o, other->sig, CORE_SIG_LEN), o += CORE_SIG_LEN;
	return store_put(t, DBI_FORKS, key, sizeof key, val, o);
}

/* The first forked sequence number of an author, or 0. */
static uint64_t
fork_at(struct store_txn *t, const uint8_t author[32])
{
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t start[40];
	uint64_t seq = 0;

	if (mdb_cursor_open(t->txn, t->db->dbi[DBI_FORKS], &c) != 0)
		return 0;
	memcpy(start, author, 32);
	memset(start + 32, 0, 8);
	k.mv_size = sizeof start;
	k.mv_data = start;
	if (mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size == 40 &&
	    memcmp(k.mv_data, author, 32) == 0)
		seq = store_get_be64((const uint8_t *)k.mv_data + 32);
	mdb_cursor_close(c);
	return seq;
}

/* --- what a peer is known to hold --------------------------------------
 *
 * DBI_LOCAL "p" || peer -> sealed list of author (32) || seq (8): the
 * entries the peer is known to hold, from bundles it sent and bundles made
 * for it.  `bundle export --since-peer` leaves those out.
 */
#define PAIR 40
#define PEER_AUTHORS_MAX 100000

static int
peer_get(struct store_node *n, struct store_txn *t, const uint8_t peer[32],
    uint8_t **list, size_t *count)
{
	uint8_t key[33];
	MDB_val v;
	size_t len = 0;
	int rc;

	*list = NULL;
	*count = 0;
	key[0] = 'p';
	memcpy(key + 1, peer, 32);
	rc = store_get(t, DBI_LOCAL, key, sizeof key, &v);
	if (rc == DG_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	rc = store_open_value(n, "local", key, sizeof key, v.mv_data,
	    v.mv_size, list, &len);
	if (rc != 0)
		return rc;
	if (len % PAIR != 0) {
		free(*list);
		*list = NULL;
		return DG_ECORRUPT;
	}
	*count = len / PAIR;
	return 0;
}

static uint64_t
peer_seq(const uint8_t *list, size_t count, const uint8_t author[32])
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (memcmp(list + i * PAIR, author, 32) == 0)
			return store_get_be64(list + i * PAIR + 32);
	}
	return 0;
}

/* Raises the peer's known seq of author to at least seq. */
static int
peer_note(uint8_t **list, size_t *count, const uint8_t author[32],
    uint64_t seq)
{
	uint8_t *g;
	size_t i;

	for (i = 0; i < *count; i++) {
		if (memcmp(*list + i * PAIR, author, 32) == 0) {
			if (store_get_be64(*list + i * PAIR + 32) < seq)
				store_be64(*list + i * PAIR + 32, seq);
			return 0;
		}
	}
	if (*count >= PEER_AUTHORS_MAX)
		return 0;
	g = realloc(*list, (*count + 1) * PAIR);
	if (g == NULL)
		return DG_ENOMEM;
	*list = g;
	memcpy(g + *count * PAIR, author, 32);
	store_be64(g + *count * PAIR + 32, seq);
	(*count)++;
	return 0;
}

static int
peer_put(struct store_node *n, struct store_txn *t, const uint8_t peer[32],
    const uint8_t *list, size_t count)
{
	uint8_t key[33], *box = NULL;
	size_t blen;
	int rc;

	key[0] = 'p';
	memcpy(key + 1, peer, 32);
	rc = store_seal(n, "local", key, sizeof key, list ? list : key,
	    count * PAIR, &box, &blen);
	if (rc == 0)
		rc = store_put(t, DBI_LOCAL, key, sizeof key, box, blen);
	free(box);
	return rc;
}

struct ref {
	struct core_hdr hdr; /* decoded when it was checked */
	const struct core_bundle_entry *be; /* in the bundle, checked */
};

struct ing {
	struct store_node *n;
	struct store_txn *t;
	const struct core_bundle *b;
	struct store_ingest *rep;
	bool *done;      /* per batch */
	bool had_net;    /* the node was in a network before the import */
	bool keys_added; /* views must be rebuilt */
	struct ref *recs; /* new record entries, applied at the end */
	size_t nrecs, caprecs;
	struct core_hdr *hdrs; /* one batch's new run, decoded */
	uint8_t (*hashes)[32]; /* and hashed */
	size_t caprun;
	bool members_changed;
	uint64_t hlc_seen;
	struct store_members keep; /* the final members, for the next one */
	bool have_keep;
	size_t keep_txn, keep_nkeys;
};

static int
note_record(struct ing *g, const struct store_entry *e,
    const struct core_bundle_entry *be)
{
	struct ref *r;

	if (g->nrecs == g->caprecs) {
		g->caprecs = g->caprecs ? g->caprecs * 2 : 64;
		r = realloc(g->recs, g->caprecs * sizeof *r);
		if (r == NULL)
			return DG_ENOMEM;
		g->recs = r;
	}
	g->recs[g->nrecs].hdr = e->hdr;
	g->recs[g->nrecs++].be = be;
	return 0;
}

/* Applies the new record entries that the final members accept. */
static int
apply_records(struct ing *g, const struct core_members *m)
{
	struct store_entry e;
	struct core_body b;
	size_t i;
	int rc = 0;

	/* The entries were checked and stored as the bundle holds them:
	 * their body is read from there, not from the store, and their
	 * header is the one decoded for the checks.  A body an erase
	 * applied here dropped belongs to an entry applied before the
	 * erase, never to one still to come. */
	for (i = 0; rc == 0 && i < g->nrecs; i++) {
		const struct core_bundle_entry *be = g->recs[i].be;

		if (!core_members_accepts(m, g->recs[i].hdr.author,
			g->recs[i].hdr.seq))
			continue;
		memset(&e, 0, sizeof e);
		e.hdr = g->recs[i].hdr;
		e.body = be->body;
		e.body_len = be->body != NULL ? be->blen : 0;
		rc = store_read_body(g->n, &e, &b);
		if (rc == 0)
			rc = store_view_apply(g->n, g->t, &e, &b);
		else if (rc != DG_ENOMEM)
			rc = 0; /* unreadable here: skipped on every node */
		core_body_fini(&b);
	}
	return rc;
}

/* Takes in one stored entry: keys addressed to this node, the views. */
static int
take(struct ing *g, const struct store_entry *e,
    const struct core_bundle_entry *be, const struct core_members *m)
{
	struct store_node *n = g->n;
	struct core_body b;
	uint8_t xpk[32], xsk[32], secret[64];
	size_t i;
	int rc;

	rc = store_index_entry(g->t, e);
	if (rc != 0)
		return rc;
	if (e->hdr.hlc > g->hlc_seen)
		g->hlc_seen = e->hdr.hlc;
	if ((e->hdr.kind == CORE_KIND_ADMIT || e->hdr.kind == CORE_KIND_REVOKE) &&
	    core_members_is_coordinator(m, e->hdr.author))
		g->members_changed = true;
	/* Applied at the end, against the final members: a later batch of
	 * this import may revoke the author, and an erase cannot be undone.
	 * The body is decoded then, once. */
	if (e->hdr.kind == CORE_KIND_RECORD ||
	    e->hdr.kind == CORE_KIND_REMOVE || e->hdr.kind == CORE_KIND_ERASE)
		return note_record(g, e, be);
	rc = store_read_body(n, e, &b);
	if (rc != 0) {
		/* Not readable here (no key for its epoch): kept, and
		 * counted once a key arrives and the views are rebuilt. */
		core_body_fini(&b);
		return rc == DG_ENOMEM ? rc : 0;
	}
	/* Keys count only from a coordinator whose entry counts: anyone
	 * else could hand this node a key it would then write with. */
	if (e->hdr.kind == CORE_KIND_KEYS &&
	    core_members_is_coordinator(m, e->hdr.author) &&
	    core_members_accepts(m, e->hdr.author, e->hdr.seq) &&
	    b.epoch < UINT32_MAX) {
		for (i = 0; i < b.nto; i++) {
			if (memcmp(b.to[i].pk, n->pk, 32) != 0)
				continue;
			if (crypto_sign_ed25519_pk_to_curve25519(xpk, n->pk) ||
			    crypto_sign_ed25519_sk_to_curve25519(xsk,
				n->secret + 32) ||
			    crypto_box_seal_open(secret, b.to[i].box,
				CORE_SEALED_LEN, xpk, xsk) != 0)
				break;
			rc = store_keys_add(n, g->t, b.epoch, b.pk, secret);
			g->keys_added = true;
			break;
		}
		sodium_memzero(xsk, sizeof xsk);
		sodium_memzero(secret, sizeof secret);
	}
	core_body_fini(&b);
	return rc;
}

/* Ingests batch i if its author is accepted; returns 1 when it was
 * handled (taken or refused for good), 0 to retry in a later round. */
static int
batch(struct ing *g, size_t i, const struct core_members *m, int last_round)
{
	const struct core_bundle_batch *bt = &g->b->batches[i];
	const struct core_member *who;
	struct store_log_run run;
	struct store_entry have, e;
	struct core_hdr h;
	uint8_t head_hash[32], prev[32], (*hh)[32];
	uint64_t head = 0, forked, limit = UINT64_MAX;
	size_t k, first, end;
	int rc;

	who = core_members_find(m, bt->author);
	if (who == NULL) {
		if (!last_round)
			return 0;
		g->rep->refused += bt->n;
		problem(g->rep, "entries by a node that is not a member were "
		    "refused", bt->author, 0);
		return 1;
	}
	/* A revoked volunteer's later entries are refused.  A revoked
	 * coordinator's are kept: one of them may be a revocation that voids
	 * the revocation (two coordinators revoking each other), and every
	 * node must see it to reach the same members.  They count for
	 * nothing (views, membership) while the revocation stands. */
	if (who->status == CORE_MEMBER_REVOKED &&
	    who->role != CORE_ROLE_COORDINATOR)
		limit = who->upto;
	forked = fork_at(g->t, bt->author);
	if (forked != 0 && forked - 1 < limit)
		limit = forked - 1;
	rc = store_log_head(g->t, bt->author, &head, head_hash);
	if (rc == DG_ENOTFOUND)
		head = 0;
	else if (rc != 0)
		return rc;
	/* Entries already held: the same (skip) or a fork (proof kept). */
	for (first = 0; first < bt->n; first++) {
		rc = core_entry_decode(bt->e[first].hdr, bt->e[first].hlen, &h);
		if (rc == DG_ENOMEM)
			return rc;
		if (rc != 0) {
			g->rep->refused += bt->n - first;
			g->rep->bad += bt->n - first;
			problem(g->rep, "a damaged entry header was refused",
			    bt->author, 0);
			return 1;
		}
		if (memcmp(h.author, bt->author, 32) != 0 || h.seq > head)
			break;
		rc = store_log_get(g->t, bt->author, h.seq, &have);
		if (rc != 0)
			return rc;
		core_entry_hash(bt->e[first].hdr, bt->e[first].hlen, prev);
		if (memcmp(prev, have.hash, 32) == 0) {
			g->rep->known++;
			continue;
		}
		/* Two entries at one place: only a signed one is a proof. */
		if (core_entry_verify(bt->e[first].hdr, bt->e[first].hlen,
			bt->author, bt->e[first].sig) != 0) {
			g->rep->refused += bt->n - first;
			g->rep->bad += bt->n - first;
			problem(g->rep, "an entry with a bad signature was "
			    "refused", bt->author, h.seq);
			return 1;
		}
		{
			uint8_t key[40];
			MDB_val v;

			/* a proof already kept is not news */
			memcpy(key, bt->author, 32);
			store_be64(key + 32, h.seq);
			if (store_get(g->t, DBI_FORKS, key, sizeof key,
				&v) != 0)
				g->rep->forks_new++;
			g->rep->forks++;
		}
		rc = keep_fork(g->t, &have, &bt->e[first], h.seq);
		if (rc != 0)
			return rc;
		g->rep->refused += bt->n - first;
		problem(g->rep, "two different entries hold one place (a fork): "
		    "the proof is kept and nothing after it is taken",
		    bt->author, h.seq);
		return 1;
	}
	if (first == bt->n)
		return 1;
	/* The new run: consecutive, chained to the head, within the limit;
	 * then one signature, the last one's.  Each header is decoded and
	 * hashed once, here, for the checks and for storing. */
	if (bt->n - first > g->caprun) {
		size_t cap = bt->n - first;
		struct core_hdr *hs = realloc(g->hdrs, cap * sizeof *hs);

		if (hs == NULL)
			return DG_ENOMEM;
		g->hdrs = hs;
		hh = realloc(g->hashes, cap * sizeof *hh);
		if (hh == NULL)
			return DG_ENOMEM;
		g->hashes = hh;
		g->caprun = cap;
	}
	memcpy(prev, head_hash, 32);
	for (end = first; end < bt->n; end++) {
		rc = core_entry_decode(bt->e[end].hdr, bt->e[end].hlen, &h);
		if (rc == DG_ENOMEM)
			return rc;
		if (rc != 0 || memcmp(h.author, bt->author, 32) != 0 ||
		    h.seq != head + 1 + (end - first) ||
		    (h.seq > 1 && memcmp(h.prev, prev, 32) != 0) ||
		    memcmp(h.net, g->n->net, 32) != 0)
			break;
		if (h.seq > limit)
			break;
		core_entry_hash(bt->e[end].hdr, bt->e[end].hlen, prev);
		g->hdrs[end - first] = h;
		memcpy(g->hashes[end - first], prev, 32);
	}
	if (end < bt->n) {
		g->rep->refused += bt->n - end;
		if (h.seq > limit && who->status == CORE_MEMBER_REVOKED)
			problem(g->rep, "entries written after the author's "
			    "revocation were refused", bt->author, h.seq);
		else if (h.seq > limit)
			problem(g->rep, "entries past the author's fork were "
			    "refused", bt->author, h.seq);
		else if (end == first && h.seq > head + 1 &&
		    memcmp(h.author, bt->author, 32) == 0 &&
		    memcmp(h.net, g->n->net, 32) == 0) {
			/* The sender thought this node held more: not a
			 * forgery, the earlier entries are missing. */
			g->rep->gaps++;
			problem(g->rep, "entries that follow entries this node "
			    "does not hold yet were refused", bt->author,
			    h.seq);
		} else {
			g->rep->bad += bt->n - end;
			problem(g->rep, "entries that do not follow the "
			    "author's hash chain were refused", bt->author,
			    h.seq);
		}
	}
	if (end == first)
		return 1;
	k = end - 1;
	if (core_entry_verify(bt->e[k].hdr, bt->e[k].hlen, bt->author,
		bt->e[k].sig) != 0) {
		g->rep->refused += end - first;
		g->rep->bad += end - first;
		problem(g->rep, "entries with a bad signature were refused",
		    bt->author, head + (end - first));
		return 1;
	}
	/* The author's head is written once, after the run (nothing in
	 * between reads it). */
	store_log_run_init(&run, bt->author);
	for (k = first; k < end; k++) {
		rc = store_log_put_decoded(g->t, bt->e[k].hdr, bt->e[k].hlen,
		    &g->hdrs[k - first], g->hashes[k - first], bt->e[k].sig,
		    bt->e[k].body, bt->e[k].blen, &run, &e);
		if (rc == 0 && who->status == CORE_MEMBER_REVOKED &&
		    e.hdr.seq > who->upto) {
			g->rep->uncounted++;
			problem(g->rep, "entries written after the author's "
			    "revocation were kept as evidence but count for "
			    "nothing", bt->author, e.hdr.seq);
		}
		if (rc == DG_ECHAIN) {
			/* a body that does not match its header's hash */
			g->rep->refused += end - k;
			g->rep->bad += end - k;
			problem(g->rep, "an entry body does not match its hash; "
			    "it and the rest were refused", bt->author,
			    head + 1 + (k - first));
			break;
		}
		if (rc != 0)
			return rc;
		g->rep->entries++;
		rc = take(g, &e, &bt->e[k], m);
		if (rc != 0)
			return rc;
	}
	rc = store_log_run_end(g->t, &run);
	return rc != 0 ? rc : 1;
}

/* Join requests: admitted at once with an approved invite, else kept
 * for a coordinator. */
static int
requests(struct ing *g)
{
	struct store_invite inv;
	struct store_request r;
	uint8_t id[32], tag[8];
	size_t i;
	int rc;

	core_invite_net_tag(g->n->net, tag);
	for (i = 0; i < g->b->nreq; i++) {
		memset(&r, 0, sizeof r);
		r.req = g->b->reqs[i];
		if (core_join_verify(&r.req, tag) != 0) {
			problem(g->rep, "a join request with a bad signature "
			    "was refused", r.req.pk, 0);
			continue;
		}
		core_invite_id(r.req.secret, id);
		rc = store_invite_in(g->n, g->t, id, (uint64_t)time(NULL), &inv);
		if (rc == DG_ENOTFOUND || rc == DG_EPERM || rc == DG_ESTATE ||
		    rc == DG_ELIMIT) {
			problem(g->rep, rc == DG_ESTATE ?
			    N_("a join request's invite has expired") :
			    rc == DG_ELIMIT ? N_("a join request's invite was "
			    "already used") : N_("a join request's invite is "
			    "not valid (unknown or cancelled)"), r.req.pk, 0);
			continue;
		}
		if (rc != 0)
			return rc;
		memcpy(r.invite, id, 32);
		r.received = (uint64_t)time(NULL);
		if (inv.approved) {
			rc = store_node_admit_in(g->n, g->t, r.req.pk, inv.role,
			    r.req.name, id);
			if (rc == DG_ESTATE) {
				problem(g->rep, "a join request from a revoked "
				    "key was refused (a revoked key never "
				    "comes back)", r.req.pk, 0);
				continue;
			}
			if (rc == DG_EEXIST || rc == DG_EPERM)
				continue;
			if (rc != 0)
				return rc;
			g->rep->admitted++;
			g->members_changed = true;
		} else {
			rc = store_request_put(g->n, g->t, &r);
			if (rc == DG_ELIMIT) {
				problem(g->rep, "too many join requests are "
				    "waiting on this node; a coordinator must "
				    "approve or deny some first", r.req.pk, 0);
				continue;
			}
			if (rc != 0)
				return rc;
			g->rep->requests++;
		}
	}
	return 0;
}

/* --- a newcomer's first bundle ----------------------------------------
 *
 * A node that has asked to join has no network yet: the bundle that
 * welcomes it must show it which network it joined.  The genesis entry
 * names the founder and, through its nonce, the network id
 * (core_body_net_id); the id's tag must be the one in the invite code
 * the newcomer typed.  The genesis body is sealed with the first epoch's
 * key, which the bundle delivers to the newcomer in a keys entry.  Keys
 * taken here are checked again once the members are known: a key that no
 * member delivered is dropped at the end (unconfirmed).
 */

struct cand {
	uint32_t epoch;
	uint8_t creator[32];
	uint8_t from[32]; /* author of the keys entry */
};

#define GENESIS_TRIES 8

static int
bootstrap(struct ing *g, struct cand **cands, size_t *ncand)
{
	struct store_node *n = g->n;
	const struct core_bundle *b = g->b;
	const struct core_bundle_entry *ge, *gens[GENESIS_TRIES];
	size_t ngen = 0;
	struct core_invite_code code;
	struct store_entry e;
	struct core_body body;
	struct core_hdr h;
	uint8_t xpk[32], xsk[32], secret[64], tag[8], net[32];
	char name[CORE_JOIN_NAME_MAX + 1];
	size_t i, k, j;
	int rc;

	rc = store_node_join_pending(n, &code, name);
	if (rc == DG_ENOTFOUND && b->mode == CORE_BUNDLE_RECIPIENT) {
		/* Admitted by id, without a code: the bundle was made for
		 * this node alone; its sender and network are shown to the
		 * user, who checks the coordinator's safety number. */
		g->rep->unvouched = true;
		rc = 0;
	} else if (rc == DG_ENOTFOUND) {
		return DG_ESTATE;
	}
	if (rc != 0)
		return rc;
	*cands = calloc(STORE_EPOCHS_MAX, sizeof **cands);
	if (*cands == NULL)
		return DG_ENOMEM;
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, n->pk) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(xsk, n->secret + 32) != 0)
		return DG_ECRYPTO;
	for (i = 0; i < b->nbatches; i++) {
		for (k = 0; k < b->batches[i].n; k++) {
			const struct core_bundle_entry *be = &b->batches[i].e[k];

			if (core_entry_decode(be->hdr, be->hlen, &h) != 0 ||
			    core_entry_verify(be->hdr, be->hlen, h.author,
				be->sig) != 0)
				continue;
			if (h.kind == CORE_KIND_GENESIS && h.seq == 1 &&
			    ngen < GENESIS_TRIES)
				gens[ngen++] = be;
			if (h.kind != CORE_KIND_KEYS || be->body == NULL ||
			    core_body_decode(h.kind, be->body, be->blen, &body))
				continue;
			for (j = 0; j < body.nto && *ncand < STORE_EPOCHS_MAX;
			     j++) {
				if (memcmp(body.to[j].pk, n->pk, 32) != 0 ||
				    crypto_box_seal_open(secret, body.to[j].box,
					CORE_SEALED_LEN, xpk, xsk) != 0)
					continue;
				rc = store_keys_add(n, g->t, body.epoch, body.pk,
				    secret);
				if (rc != 0)
					break;
				(*cands)[*ncand].epoch = body.epoch;
				memcpy((*cands)[*ncand].creator, body.pk, 32);
				memcpy((*cands)[*ncand].from, h.author, 32);
				(*ncand)++;
			}
			core_body_fini(&body);
			if (rc != 0)
				goto out;
		}
	}
	/* A bundle that delivers no key to this node does not welcome it. */
	rc = g->rep->unvouched && *ncand == 0 ? DG_ESTATE : DG_EPERM;
	if (*ncand == 0)
		goto out;
	/* The genesis that defines the network the invite (or, without
	 * one, the bundle) names; another member's log may also start with
	 * a genesis entry, which defines nothing here. */
	for (i = 0; i < ngen; i++) {
		ge = gens[i];
		if (core_entry_decode(ge->hdr, ge->hlen, &h) != 0)
			continue;
		memset(&e, 0, sizeof e);
		e.hdr = h;
		e.body = ge->body;
		e.body_len = ge->blen;
		if (store_read_body(n, &e, &body) != 0) {
			core_body_fini(&body);
			continue;
		}
		core_body_net_id(h.author, body.nonce, net);
		core_invite_net_tag(net, tag);
		if (memcmp(net, h.net, 32) == 0 &&
		    (g->rep->unvouched ?
			    b->has_net && memcmp(net, b->net, 32) == 0 :
			    memcmp(tag, code.tag, 8) == 0))
			break;
		core_body_fini(&body);
	}
	if (i == ngen)
		goto out;
	/* This is the network the invite named. */
	memcpy(n->net, net, 32);
	memcpy(n->founder, h.author, 32);
	n->has_net = 1;
	rc = store_net_put(n, g->t, body.name);
	core_body_fini(&body);
	if (rc == 0 && !g->rep->unvouched)
		rc = store_del(g->t, DBI_LOCAL, "j", 1);
	g->rep->joined = rc == 0;
out:
	sodium_memzero(xsk, sizeof xsk);
	sodium_memzero(secret, sizeof secret);
	return rc;
}

/* Drops the keys taken at bootstrap that no member delivered. */
static int
confirm(struct ing *g, const struct core_members *m, const struct cand *c,
    size_t nc)
{
	uint8_t id[36];
	size_t i;
	int rc;

	for (i = 0; i < nc; i++) {
		if (core_members_is_coordinator(m, c[i].from))
			continue;
		id[0] = (uint8_t)(c[i].epoch >> 24);
		id[1] = (uint8_t)(c[i].epoch >> 16);
		id[2] = (uint8_t)(c[i].epoch >> 8);
		id[3] = (uint8_t)c[i].epoch;
		memcpy(id + 4, c[i].creator, 32);
		rc = store_del(g->t, DBI_KEYRING, id, sizeof id);
		if (rc != 0 && rc != DG_ENOTFOUND)
			return rc;
	}
	return store_keys_load(g->n, g->t);
}

/* The sender holds at least every entry it sent. */
static int
note_sender(struct ing *g)
{
	const struct core_bundle_batch *bt;
	struct core_hdr h;
	uint8_t *list = NULL;
	size_t i, count = 0;
	int rc;

	if (g->b->mode == CORE_BUNDLE_REQUEST || !g->n->has_net)
		return 0;
	rc = peer_get(g->n, g->t, g->b->from, &list, &count);
	for (i = 0; rc == 0 && i < g->b->nbatches; i++) {
		bt = &g->b->batches[i];
		if (bt->n == 0 || core_entry_decode(bt->e[bt->n - 1].hdr,
				      bt->e[bt->n - 1].hlen, &h) != 0)
			continue;
		rc = peer_note(&list, &count, bt->author, h.seq);
	}
	if (rc == 0)
		rc = peer_put(g->n, g->t, g->b->from, list, count);
	free(list);
	return rc;
}

/* The members as the last committed ingest transaction left them, if
 * t is the write transaction right after it (nothing written between,
 * so nothing rolled back either) and the node holds the same keys (a
 * new one can make an admission readable).  Saves decrypting every
 * admission (about 3 % of the receiver's work with 1,000 members) in
 * each of a replication's transactions. */
static int
cached_members(struct ing *g, struct store_members *m)
{
	struct store_node *n = g->n;
	int hit;

	if (n->mcache == NULL)
		return 0;
	hit = g->had_net && n->has_net &&
	    n->mcache_txn == mdb_txn_id(g->t->txn) &&
	    n->mcache_nkeys == n->nkeys;
	if (hit)
		*m = *n->mcache;
	else
		store_members_fini(n->mcache);
	free(n->mcache);
	n->mcache = NULL;
	return hit;
}

static int
ingest_txn(struct store_txn *t, void *arg)
{
	struct ing *g = arg;
	struct store_members m;
	struct cand *cands = NULL;
	size_t i, ncand = 0, left;
	uint64_t hlc, taken = 0;
	int rc, progress, last = 0, round;
	bool have_m = false;

	g->t = t;
	/* A retry (the map grew) starts from the state before the first
	 * attempt: a bootstrap there changed the node in memory only. */
	if (!g->had_net) {
		g->n->has_net = 0;
		g->n->nkeys = 0;
	}
	memset(g->rep, 0, sizeof *g->rep);
	memset(g->done, 0, g->b->nbatches * sizeof *g->done);
	g->keys_added = g->members_changed = false;
	g->nrecs = 0;
	if (g->have_keep) {
		store_members_fini(&g->keep);
		g->have_keep = false;
	}
	g->hlc_seen = 0;
	if (!g->n->has_net) {
		rc = bootstrap(g, &cands, &ncand);
		if (rc != 0)
			goto out;
	} else if (!g->b->has_net || memcmp(g->b->net, g->n->net, 32) != 0) {
		if (g->b->mode != CORE_BUNDLE_REQUEST) {
			rc = DG_EPERM;
			goto out;
		}
	}
	/* Rounds: an admission in one batch lets the next round take the
	 * new member's batch; the last round refuses what is left. */
	for (round = 0;; round++) {
		if (round > 0)
			store_members_fini(&m);
		if (round > 0 || !cached_members(g, &m))
			rc = store_members_in(g->n, t, &m);
		else
			rc = 0;
		if (rc != 0)
			goto out;
		have_m = true;
		progress = 0;
		left = 0;
		for (i = 0; i < g->b->nbatches; i++) {
			if (g->done[i])
				continue;
			rc = batch(g, i, &m.list, last);
			if (rc < 0)
				break;
			if (rc == 1) {
				g->done[i] = true;
				progress = 1;
				taken += g->b->batches[i].n;
				store_progress_note(t, taken, 0);
			} else {
				left++;
			}
		}
		if (rc < 0)
			goto out;
		if (left == 0 || last)
			break;
		if (!progress)
			last = 1;
	}
	rc = requests(g);
	if (rc != 0)
		goto out;
	rc = note_sender(g);
	if (rc != 0)
		goto out;
	if (ncand > 0) {
		store_members_fini(&m);
		rc = store_members_in(g->n, t, &m);
		if (rc == 0)
			rc = confirm(g, &m.list, cands, ncand);
		if (rc != 0)
			goto out;
	}
	/* New keys make older bodies readable; a revocation can cut off
	 * entries already held.  Rebuilding the views covers both; else
	 * the new records are applied if the final members accept them. */
	if (g->keys_added || g->members_changed || ncand > 0) {
		g->rep->members_changed = true;
		rc = store_keys_heal_in(g->n, t);
		if (rc == 0)
			rc = store_reindex_in(g->n, t);
		store_members_fini(&m);
		if (rc == 0)
			rc = store_members_in(g->n, t, &m);
		if (rc == 0)
			store_keys_choose(g->n, &m.list);
	} else if (g->nrecs > 0) {
		/* Nothing stored since the last round changed the members
		 * (any change sets members_changed or keys_added): its
		 * list is the final one. */
		rc = apply_records(g, &m.list);
	}
	if (rc == 0)
		rc = store_hlc_get(t, &hlc);
	if (rc == 0 && g->hlc_seen > hlc)
		rc = store_hlc_put(t, core_hlc_observe(hlc, g->hlc_seen));
out:
	if (have_m && rc == 0 && g->had_net) {
		/* final: recomputed after any change, else the last round's */
		g->keep = m;
		g->have_keep = true;
		g->keep_txn = mdb_txn_id(t->txn) + 1;
		g->keep_nkeys = g->n->nkeys;
	} else if (have_m) {
		store_members_fini(&m);
	}
	free(cands);
	if (rc != 0 && ncand > 0) {
		g->n->has_net = 0;
		g->n->nkeys = 0;
	}
	return rc;
}

static int
reload_keys(struct store_txn *t, void *arg)
{
	return store_keys_load(arg, t);
}

int
store_node_ingest(struct store_node *n, const struct core_bundle *b,
    struct store_ingest *rep)
{
	struct ing g;
	int rc, had_net;

	memset(&g, 0, sizeof g);
	g.n = n;
	g.b = b;
	g.rep = rep;
	g.done = calloc(b->nbatches ? b->nbatches : 1, sizeof *g.done);
	if (g.done == NULL)
		return DG_ENOMEM;
	had_net = n->has_net;
	g.had_net = had_net;
	rc = store_db_write(n->db, ingest_txn, &g);
	if (rc == 0 && g.have_keep) {
		/* committed: good for the next write transaction */
		store_members_fini(n->mcache);
		free(n->mcache);
		n->mcache = malloc(sizeof *n->mcache);
		if (n->mcache != NULL) {
			*n->mcache = g.keep;
			n->mcache_txn = g.keep_txn;
			n->mcache_nkeys = g.keep_nkeys;
			g.have_keep = false;
		}
	}
	if (g.have_keep)
		store_members_fini(&g.keep);
	free(g.done);
	free(g.recs);
	free(g.hdrs);
	free(g.hashes);
	if (rc != 0 && !had_net) {
		/* Also when the commit failed after a bootstrap. */
		n->has_net = 0;
		n->nkeys = 0;
	} else if (rc != 0 && store_db_read(n->db, reload_keys, n) != 0) {
		/* Keys taken in the failed import may be in memory: never
		 * write with one the store does not hold. */
		n->nkeys = 0;
	}
	return rc;
}

/* --- writing bundles ------------------------------------------------ */

struct exp {
	struct store_node *n;
	struct core_bundle_writer *w;
	struct store_txn *t;
	size_t count;
	uint64_t total;      /* entries stored, for progress */
	const uint8_t *peer; /* --since-peer, or NULL */
	uint8_t *known;      /* what peer holds (pairs) */
	size_t nknown;
};

/* Adds one author's whole log, in runs of CORE_BUNDLE_BATCH_MAX. */
static int
export_author(void *arg, const uint8_t author[32], uint64_t head,
    const uint8_t hash[32])
{
	struct exp *x = arg;
	struct core_bundle_entry *run;
	struct store_entry *ents;
	uint64_t seq = peer_seq(x->known, x->nknown, author) + 1;
	size_t k;
	int rc = 0;

	(void)hash;
	if (seq > head)
		return 0;
	run = calloc(CORE_BUNDLE_BATCH_MAX, sizeof *run);
	ents = calloc(CORE_BUNDLE_BATCH_MAX, sizeof *ents);
	if (run == NULL || ents == NULL) {
		rc = DG_ENOMEM;
		goto out;
	}
	while (rc == 0 && seq <= head) {
		for (k = 0; k < CORE_BUNDLE_BATCH_MAX && seq <= head; k++, seq++) {
			rc = store_log_get(x->t, author, seq, &ents[k]);
			if (rc != 0)
				break;
			run[k].hdr = ents[k].raw;
			run[k].hlen = ents[k].raw_len;
			run[k].sig = ents[k].sig;
			run[k].body = ents[k].body;
			run[k].blen = ents[k].body_len;
		}
		if (rc == 0 && k > 0)
			rc = core_bundle_add_entries(x->w, author, run, k);
		x->count += k;
		store_progress_note(x->t, x->count, x->total);
	}
out:
	free(run);
	free(ents);
	return rc;
}

static int
export_txn(struct store_txn *t, void *arg)
{
	struct exp *x = arg;
	int rc;

	x->t = t;
	x->count = 0;
	x->total = x->n->db->progress != NULL ? store_entry_count(t) : 0;
	free(x->known);
	x->known = NULL;
	x->nknown = 0;
	if (x->peer != NULL) {
		rc = peer_get(x->n, t, x->peer, &x->known, &x->nknown);
		if (rc != 0)
			return rc;
	}
	return store_log_heads(t, export_author, x);
}

static int
note_head(void *arg, const uint8_t author[32], uint64_t seq,
    const uint8_t hash[32])
{
	struct exp *x = arg;

	(void)hash;
	return peer_note(&x->known, &x->nknown, author, seq);
}

/* After a bundle made for peer: it will hold everything this node has. */
static int
sent_txn(struct store_txn *t, void *arg)
{
	struct exp *x = arg;
	int rc;

	free(x->known);
	x->known = NULL;
	x->nknown = 0;
	rc = peer_get(x->n, t, x->peer, &x->known, &x->nknown);
	if (rc == 0)
		rc = store_log_heads(t, note_head, x);
	if (rc == 0)
		rc = peer_put(x->n, t, x->peer, x->known, x->nknown);
	return rc;
}

static int
export_request(struct store_node *n, struct core_buf *out)
{
	struct core_bundle_writer *w = NULL;
	struct core_invite_code code;
	struct core_join_request r;
	uint8_t id[32], key[32 + CORE_INVITE_TAG];
	char name[CORE_JOIN_NAME_MAX + 1];
	int rc;

	rc = store_node_join_pending(n, &code, name);
	if (rc == DG_ENOTFOUND)
		return DG_ESTATE;
	if (rc != 0)
		return rc;
	memset(&r, 0, sizeof r);
	memcpy(r.pk, n->pk, 32);
	memcpy(r.name, name, sizeof r.name);
	memcpy(r.secret, code.secret, sizeof r.secret);
	r.time = (uint64_t)time(NULL);
	core_join_sign(&r, code.tag, n->secret + 32);
	core_invite_id(code.secret, id);
	/* mode 3 takes the request key followed by the net tag */
	core_invite_request_key(id, key);
	memcpy(key + 32, code.tag, CORE_INVITE_TAG);
	rc = core_bundle_writer_new(out, CORE_BUNDLE_REQUEST, key, n->pk,
	    n->secret + 32, NULL, r.time, &w);
	if (rc == 0)
		rc = core_bundle_add_request(w, &r);
	if (rc == 0) {
		rc = core_bundle_finish(w);
		w = NULL;
	}
	core_bundle_writer_free(w);
	sodium_memzero(&r, sizeof r);
	sodium_memzero(key, sizeof key);
	return rc;
}

int
store_node_bundle(struct store_node *n, int mode, const uint8_t *to,
    const uint8_t *peer, struct core_buf *out, size_t *count)
{
	struct exp x;
	int rc;

	*count = 0;
	if (!n->has_net)
		return export_request(n, out);
	if (n->nkeys == 0)
		return DG_ESTATE;
	if (mode == CORE_BUNDLE_RECIPIENT && to == NULL)
		return DG_EINVAL;
	memset(&x, 0, sizeof x);
	x.n = n;
	x.peer = peer;
	if (mode == CORE_BUNDLE_RECIPIENT) {
		rc = core_bundle_writer_new(out, mode, to, n->pk, n->secret + 32,
		    n->net, (uint64_t)time(NULL), &x.w);
	} else {
		/* For the members: the file key sealed to each active member
		 * as this node knows them.  Not a network key: after a
		 * revocation the others do not have the new one yet, and the
		 * revoked member has every old one. */
		struct store_members m;
		uint8_t (*pks)[32] = NULL;
		size_t i, k = 0;

		rc = store_node_members(n, &m);
		if (rc != 0)
			return rc;
		pks = calloc(m.list.n + 1, sizeof *pks);
		for (i = 0; pks != NULL && i < m.list.n; i++) {
			if (m.list.m[i].status == CORE_MEMBER_ACTIVE)
				memcpy(pks[k++], m.list.m[i].pk, 32);
		}
		store_members_fini(&m);
		if (pks == NULL)
			return DG_ENOMEM;
		/* Never a file that some active members cannot open. */
		if (k > CORE_BUNDLE_RECIPIENTS_MAX)
			rc = DG_ELIMIT;
		else if (k == 0)
			rc = DG_EPERM;
		else
			rc = core_bundle_writer_new_to(out,
			    (const uint8_t(*)[32])pks, k, n->pk, n->secret + 32,
			    n->net, (uint64_t)time(NULL), &x.w);
		free(pks);
	}
	if (rc != 0)
		return rc;
	rc = store_db_read(n->db, export_txn, &x);
	if (rc == 0) {
		rc = core_bundle_finish(x.w);
		x.w = NULL;
	}
	core_bundle_writer_free(x.w);
	*count = x.count;
	if (rc == 0 && peer != NULL)
		rc = store_db_write(n->db, sent_txn, &x);
	free(x.known);
	return rc;
}

/* --- opening bundles ------------------------------------------------ */

struct open_ctx {
	struct store_node *n;
	const uint8_t *data;
	size_t len;
	struct core_bundle **out;
	int rc;
};

/* Mode 3: the request key of each invite of this network. */
struct try_ctx {
	struct open_ctx *c;
	struct store_txn *t;
};

static int
try_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct try_ctx *x = arg;
	struct open_ctx *c = x->c;
	struct store_entry e;
	struct core_body b;
	uint8_t key[32];
	int rc;

	if (k->mv_size != 40 || v->mv_size != 1 ||
	    *(const uint8_t *)v->mv_data != CORE_KIND_INVITE)
		return 0;
	if (store_log_get(x->t, k->mv_data,
		store_get_be64((const uint8_t *)k->mv_data + 32), &e) != 0 ||
	    store_read_body(c->n, &e, &b) != 0) {
		core_body_fini(&b);
		return 0;
	}
	core_invite_request_key(b.invite, key);
	core_body_fini(&b);
	rc = core_bundle_read(c->data, c->len, key, c->out);
	sodium_memzero(key, sizeof key);
	if (rc == DG_ECRYPTO)
		return 0; /* not this invite: try the next */
	c->rc = rc;
	return 1; /* stop */
}

static int
try_invites(struct store_txn *t, void *arg)
{
	struct try_ctx x = { arg, t };
	int rc;

	((struct open_ctx *)arg)->rc = DG_ENOTFOUND;
	rc = store_walk(t, DBI_MINDEX, NULL, 0, 0, try_one, &x);
	return rc == 1 ? 0 : rc;
}

int
store_node_bundle_open(struct store_node *n, const uint8_t *data, size_t len,
    struct core_bundle **out)
{
	struct core_bundle_info info;
	struct open_ctx c = { n, data, len, out, DG_ENOTFOUND };
	uint8_t id[8], filekey[32], tag[8];
	size_t i;
	int rc;

	*out = NULL;
	rc = core_bundle_info(data, len, &info);
	if (rc != 0)
		return rc;
	switch (info.mode) {
	case CORE_BUNDLE_NETWORK:
		for (i = 0; i < n->nkeys; i++) {
			core_bundle_key_id(n->keysec + i * 64 + 32, id);
			if (memcmp(id, info.key_id, 8) == 0)
				return core_bundle_read(data, len,
				    n->keysec + i * 64 + 32, out);
		}
		return DG_ENOTFOUND;
	case CORE_BUNDLE_RECIPIENT:
		if (core_bundle_open_sealed(&info, n->pk, n->secret + 32,
			filekey) != 0)
			return DG_ENOTFOUND;
		rc = core_bundle_read(data, len, filekey, out);
		sodium_memzero(filekey, sizeof filekey);
		return rc;
	case CORE_BUNDLE_REQUEST:
		if (!n->has_net)
			return DG_ENOTFOUND;
		core_invite_net_tag(n->net, tag);
		if (memcmp(tag, info.tag, 8) != 0)
			return DG_ENOTFOUND;
		rc = store_db_read(n->db, try_invites, &c);
		return rc != 0 ? rc : c.rc;
	}
	return DG_EDECODE;
}

struct forks_ctx {
	store_fork_fn fn;
	void *ctx;
};

static int
fork_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct forks_ctx *c = arg;

	(void)v;
	if (k->mv_size != 40)
		return DG_ECORRUPT;
	return c->fn(c->ctx, k->mv_data,
	    store_get_be64((const uint8_t *)k->mv_data + 32));
}

static int
forks_txn(struct store_txn *t, void *arg)
{
	return store_walk(t, DBI_FORKS, NULL, 0, 0, fork_one, arg);
}

int
store_node_forks(struct store_node *n, store_fork_fn fn, void *ctx)
{
	struct forks_ctx c = { fn, ctx };

	return store_db_read(n->db, forks_txn, &c);
}
