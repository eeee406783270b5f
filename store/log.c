#include "store/log.h"

#include <string.h>

#include "store/internal.h"

#define KEY_LEN (CORE_KEY_LEN + 8)

static void
entry_key(uint8_t key[KEY_LEN], const uint8_t author[CORE_KEY_LEN],
    uint64_t seq)
{
	memcpy(key, author, CORE_KEY_LEN);
	store_be64(key + CORE_KEY_LEN, seq);
}

/* Heads: author -> seq (8, big endian) || entry hash (32) || HLC (8). */
#define HEAD_LEN (8 + CORE_KEY_LEN + 8)

static int
head_get(struct store_txn *t, const uint8_t author[CORE_KEY_LEN],
    uint64_t *seq, uint8_t hash[CORE_KEY_LEN], uint64_t *hlc)
{
	MDB_val v;
	int rc;

	rc = store_get(t, DBI_HEADS, author, CORE_KEY_LEN, &v);
	if (rc != 0)
		return rc;
	if (v.mv_size != HEAD_LEN)
		return DG_ECORRUPT;
	*seq = store_get_be64(v.mv_data);
	memcpy(hash, (const uint8_t *)v.mv_data + 8, CORE_KEY_LEN);
	*hlc = store_get_be64((const uint8_t *)v.mv_data + 8 + CORE_KEY_LEN);
	return 0;
}

int
store_log_head(struct store_txn *t, const uint8_t author[CORE_KEY_LEN],
    uint64_t *seq, uint8_t hash[CORE_KEY_LEN])
{
	uint64_t hlc;

	return head_get(t, author, seq, hash, &hlc);
}

/* Stored value: header length (1 byte), header, signature. */
static int
parse_value(const MDB_val *v, struct store_entry *e)
{
	const uint8_t *p = v->mv_data;
	size_t hl;

	memset(e, 0, sizeof *e);
	if (v->mv_size < 1)
		return DG_ECORRUPT;
	hl = p[0];
	if (hl == 0 || hl > CORE_HDR_MAX || v->mv_size != 1 + hl + CORE_SIG_LEN)
		return DG_ECORRUPT;
	memcpy(e->raw, p + 1, hl);
	e->raw_len = hl;
	memcpy(e->sig, p + 1 + hl, CORE_SIG_LEN);
	core_entry_hash(e->raw, hl, e->hash);
	return core_entry_decode(e->raw, hl, &e->hdr);
}

static void
attach_body(struct store_txn *t, const uint8_t key[KEY_LEN],
    struct store_entry *e)
{
	MDB_val b;

	if (store_get(t, DBI_BODIES, key, KEY_LEN, &b) == 0) {
		e->body = b.mv_data;
		e->body_len = b.mv_size;
	}
}

int
store_log_get(struct store_txn *t, const uint8_t author[CORE_KEY_LEN],
    uint64_t seq, struct store_entry *e)
{
	uint8_t key[KEY_LEN];
	MDB_val v;
	int rc;

	entry_key(key, author, seq);
	rc = store_get(t, DBI_ENTRIES, key, KEY_LEN, &v);
	if (rc != 0)
		return rc;
	rc = parse_value(&v, e);
	if (rc != 0)
		return rc == DG_ENOMEM ? rc : DG_ECORRUPT;
	attach_body(t, key, e);
	return 0;
}

static int
head_put(struct store_txn *t, const uint8_t author[CORE_KEY_LEN],
    uint64_t seq, const uint8_t hash[CORE_KEY_LEN], uint64_t hlc)
{
	uint8_t hv[HEAD_LEN];

	store_be64(hv, seq);
	memcpy(hv + 8, hash, CORE_KEY_LEN);
	store_be64(hv + 8 + CORE_KEY_LEN, hlc);
	return store_put(t, DBI_HEADS, author, CORE_KEY_LEN, hv, sizeof hv);
}

/* Stores x (header decoded, hash and signature filled in) after the
 * checks that need the store: its place, the chain, the body.  With a
 * run, the author's head is kept there (read from the store the first
 * time) and written by store_log_run_end, not after every entry. */
static int
put_entry(struct store_txn *t, struct store_entry *x, const uint8_t *body,
    size_t blen, struct store_log_run *run)
{
	uint8_t key[KEY_LEN], head_hash[CORE_KEY_LEN], bh[CORE_KEY_LEN];
	uint8_t val[1 + CORE_HDR_MAX + CORE_SIG_LEN];
	uint64_t head = 0, head_hlc = 0;
	size_t hlen = x->raw_len;
	MDB_val old;
	int rc;

	entry_key(key, x->hdr.author, x->hdr.seq);
	if (run != NULL && memcmp(run->author, x->hdr.author, CORE_KEY_LEN))
		return DG_EINVAL; /* a run is one author's */
	if (run != NULL && run->loaded) {
		head = run->seq;
		memcpy(head_hash, run->hash, CORE_KEY_LEN);
		head_hlc = run->hlc;
		rc = 0;
	} else {
		rc = head_get(t, x->hdr.author, &head, head_hash, &head_hlc);
	}
	if (rc == DG_ENOTFOUND)
		head = 0;
	else if (rc != 0)
		return rc;
	if (run != NULL && !run->loaded) {
		run->seq = head;
		memcpy(run->hash, head_hash, CORE_KEY_LEN);
		run->hlc = head_hlc;
		run->loaded = true;
	}
	/* Held already (the same, or a fork)?  Only places up to the head
	 * can be: past it the put below refuses to overwrite. */
	rc = x->hdr.seq <= head ?
	    store_get(t, DBI_ENTRIES, key, KEY_LEN, &old) : DG_ENOTFOUND;
	if (rc == 0) {
		struct store_entry have;

		rc = parse_value(&old, &have);
		if (rc != 0)
			return rc == DG_ENOMEM ? rc : DG_ECORRUPT;
		return memcmp(have.hash, x->hash, CORE_KEY_LEN) == 0 ?
		    DG_EEXIST : DG_EFORK;
	}
	if (rc != DG_ENOTFOUND)
		return rc;
	if (x->hdr.seq != head + 1)
		return DG_ECHAIN;
	if (head > 0 && memcmp(x->hdr.prev, head_hash, CORE_KEY_LEN) != 0)
		return DG_ECHAIN;
	/* An author's clock only moves forward, so no two of its entries
	 * share a merge stamp. */
	if (head > 0 && x->hdr.hlc <= head_hlc)
		return DG_ECHAIN;
	if (body != NULL) {
		if (blen != x->hdr.body_len)
			return DG_ECHAIN;
		core_entry_body_hash(body, blen, bh);
		if (memcmp(bh, x->hdr.body_hash, CORE_KEY_LEN) != 0)
			return DG_ECHAIN;
	}

	val[0] = (uint8_t)hlen;
	memcpy(val + 1, x->raw, hlen);
	memcpy(val + 1 + hlen, x->sig, CORE_SIG_LEN);
	rc = store_put_new(t, DBI_ENTRIES, key, KEY_LEN, val,
	    1 + hlen + CORE_SIG_LEN);
	if (rc == DG_EEXIST)
		rc = DG_ECORRUPT; /* an entry past its author's head */
	if (rc == 0 && body != NULL)
		rc = store_put(t, DBI_BODIES, key, KEY_LEN, body, blen);
	if (rc != 0)
		return rc;
	if (run != NULL) {
		run->seq = x->hdr.seq;
		memcpy(run->hash, x->hash, CORE_KEY_LEN);
		run->hlc = x->hdr.hlc;
		run->dirty = true;
	} else {
		rc = head_put(t, x->hdr.author, x->hdr.seq, x->hash,
		    x->hdr.hlc);
		if (rc != 0)
			return rc;
	}
	x->body = body;
	x->body_len = body ? blen : 0;
	return 0;
}

int
store_log_put(struct store_txn *t, const uint8_t *hdr, size_t hlen,
    const uint8_t sig[CORE_SIG_LEN], const uint8_t *body, size_t blen,
    unsigned flags, struct store_entry *e)
{
	struct store_entry tmp, *x = e ? e : &tmp;
	int rc;

	if (hlen == 0 || hlen > CORE_HDR_MAX)
		return DG_ELIMIT;
	memset(x, 0, sizeof *x);
	rc = core_entry_decode(hdr, hlen, &x->hdr);
	if (rc != 0)
		return rc;
	memcpy(x->raw, hdr, hlen);
	x->raw_len = hlen;
	memcpy(x->sig, sig, CORE_SIG_LEN);
	core_entry_hash(hdr, hlen, x->hash);

	/* The signature first: only a signed entry can prove a fork. */
	if (!(flags & STORE_LOG_SIGNED)) {
		rc = core_entry_verify(hdr, hlen, x->hdr.author, sig);
		if (rc != 0)
			return rc;
	}
	return put_entry(t, x, body, blen, NULL);
}

int
store_log_put_decoded(struct store_txn *t, const uint8_t *hdr, size_t hlen,
    const struct core_hdr *h, const uint8_t hash[CORE_KEY_LEN],
    const uint8_t sig[CORE_SIG_LEN], const uint8_t *body, size_t blen,
    struct store_log_run *run, struct store_entry *e)
{
	if (hlen == 0 || hlen > CORE_HDR_MAX)
		return DG_ELIMIT;
	memset(e, 0, sizeof *e);
	e->hdr = *h;
	memcpy(e->raw, hdr, hlen);
	e->raw_len = hlen;
	memcpy(e->sig, sig, CORE_SIG_LEN);
	memcpy(e->hash, hash, CORE_KEY_LEN);
	return put_entry(t, e, body, blen, run);
}

void
store_log_run_init(struct store_log_run *run,
    const uint8_t author[CORE_KEY_LEN])
{
	memset(run, 0, sizeof *run);
	memcpy(run->author, author, CORE_KEY_LEN);
}

int
store_log_run_end(struct store_txn *t, struct store_log_run *run)
{
	int rc;

	if (!run->dirty)
		return 0;
	rc = head_put(t, run->author, run->seq, run->hash, run->hlc);
	if (rc == 0)
		run->dirty = false;
	return rc;
}

int
store_log_drop_body(struct store_txn *t, const uint8_t author[CORE_KEY_LEN],
    uint64_t seq)
{
	uint8_t key[KEY_LEN];
	int rc;

	entry_key(key, author, seq);
	rc = store_del(t, DBI_BODIES, key, KEY_LEN);
	return rc == DG_ENOTFOUND ? 0 : rc;
}

int
store_log_each(struct store_txn *t, const uint8_t *author, store_log_fn fn,
    void *ctx)
{
	uint8_t start[KEY_LEN];
	struct store_entry e;
	MDB_cursor *c;
	MDB_val k, v;
	MDB_cursor_op op = MDB_SET_RANGE;
	bool progress = author == NULL && t->db->progress != NULL;
	uint64_t done = 0, total = 0;
	int rc, erc;

	rc = mdb_cursor_open(t->txn, t->db->dbi[DBI_ENTRIES], &c);
	if (rc != 0)
		return store_err(rc);
	if (progress)
		total = store_entry_count(t);
	memset(start, 0, sizeof start);
	if (author != NULL)
		memcpy(start, author, CORE_KEY_LEN);
	k.mv_size = sizeof start;
	k.mv_data = start;
	for (;;) {
		rc = mdb_cursor_get(c, &k, &v, op);
		op = MDB_NEXT;
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = store_err(rc);
			break;
		}
		if (k.mv_size != KEY_LEN) {
			rc = DG_ECORRUPT;
			break;
		}
		if (author != NULL && memcmp(k.mv_data, author, CORE_KEY_LEN))
			break;
		erc = parse_value(&v, &e);
		if (erc == DG_ENOMEM) {
			rc = erc; /* not a problem of the entry */
			break;
		}
		if (erc != 0) {
			memset(&e, 0, sizeof e);
			memcpy(e.hdr.author, k.mv_data, CORE_KEY_LEN);
			e.hdr.seq = store_get_be64(
			    (const uint8_t *)k.mv_data + CORE_KEY_LEN);
		} else {
			attach_body(t, k.mv_data, &e);
		}
		rc = fn(ctx, &e, erc);
		if (rc != 0)
			break;
		if (progress && ++done % STORE_PROGRESS_STEP == 0)
			store_progress_note(t, done, total);
	}
	mdb_cursor_close(c);
	if (progress && rc == 0)
		store_progress_note(t, done, total);
	return rc;
}

void
store_progress_note(struct store_txn *t, uint64_t done, uint64_t total)
{
	if (t->db->progress != NULL)
		t->db->progress(t->db->progress_ctx, done, total);
}

uint64_t
store_entry_count(struct store_txn *t)
{
	MDB_stat st;

	if (mdb_stat(t->txn, t->db->dbi[DBI_ENTRIES], &st) != 0)
		return 0;
	return st.ms_entries;
}

struct heads_walk {
	store_head_fn fn;
	void *ctx;
};

static int
head_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct heads_walk *w = arg;

	if (k->mv_size != CORE_KEY_LEN || v->mv_size != HEAD_LEN)
		return DG_ECORRUPT;
	return w->fn(w->ctx, k->mv_data, store_get_be64(v->mv_data),
	    (const uint8_t *)v->mv_data + 8);
}

int
store_log_heads(struct store_txn *t, store_head_fn fn, void *ctx)
{
	struct heads_walk w = { fn, ctx };

	return store_walk(t, DBI_HEADS, NULL, 0, 0, head_one, &w);
}

struct verify_ctx {
	const uint8_t *net;
	store_problem_fn fn;
	void *ctx;
	uint64_t checked, problems;
	uint8_t author[CORE_KEY_LEN]; /* author of the previous entry */
	uint64_t seq, hlc;
	uint8_t hash[CORE_KEY_LEN];
	int have;
};

static int
report(struct verify_ctx *v, const uint8_t *author, uint64_t seq, int code,
    const char *what)
{
	struct store_problem p;

	memcpy(p.author, author, CORE_KEY_LEN);
	p.seq = seq;
	p.code = code;
	p.what = what;
	v->problems++;
	return v->fn ? v->fn(v->ctx, &p) : 0;
}

static int
verify_one(void *ctx, const struct store_entry *e, int erc)
{
	struct verify_ctx *v = ctx;
	const struct core_hdr *h = &e->hdr;
	uint8_t bh[CORE_KEY_LEN];
	int same, rc = 0;

	v->checked++;
	if (erc != 0) {
		v->have = 0;
		return report(v, h->author, h->seq, DG_EDECODE,
		    "entry header is damaged");
	}
	same = v->have && memcmp(v->author, h->author, CORE_KEY_LEN) == 0;
	if (core_entry_verify(e->raw, e->raw_len, h->author, e->sig) != 0)
		rc = report(v, h->author, h->seq, DG_ESIG,
		    "signature does not verify");
	if (rc == 0 && v->net != NULL &&
	    memcmp(h->net, v->net, CORE_KEY_LEN) != 0)
		rc = report(v, h->author, h->seq, DG_ECHAIN,
		    "entry belongs to another network");
	if (rc == 0 && !same && h->seq != 1)
		rc = report(v, h->author, h->seq, DG_ECHAIN,
		    "log does not start at entry 1");
	if (rc == 0 && same && h->seq != v->seq + 1)
		rc = report(v, h->author, h->seq, DG_ECHAIN,
		    "gap in the sequence numbers");
	if (rc == 0 && same && h->seq == v->seq + 1 &&
	    memcmp(h->prev, v->hash, CORE_KEY_LEN) != 0)
		rc = report(v, h->author, h->seq, DG_ECHAIN,
		    "previous-entry hash does not match");
	if (rc == 0 && same && h->hlc <= v->hlc)
		rc = report(v, h->author, h->seq, DG_ECHAIN,
		    "clock goes backwards");
	if (rc == 0 && e->body != NULL) {
		core_entry_body_hash(e->body, e->body_len, bh);
		if (e->body_len != h->body_len ||
		    memcmp(bh, h->body_hash, CORE_KEY_LEN) != 0)
			rc = report(v, h->author, h->seq, DG_ECHAIN,
			    "body does not match its hash");
	}
	memcpy(v->author, h->author, CORE_KEY_LEN);
	v->seq = h->seq;
	memcpy(v->hash, e->hash, CORE_KEY_LEN);
	v->hlc = h->hlc;
	v->have = 1;
	return rc;
}

struct heads_ctx {
	struct store_txn *t;
	struct verify_ctx *v;
};

static int
verify_head(void *ctx, const uint8_t author[CORE_KEY_LEN], uint64_t seq,
    const uint8_t hash[CORE_KEY_LEN])
{
	struct heads_ctx *h = ctx;
	struct store_entry e;
	uint8_t key[KEY_LEN], next[KEY_LEN];
	MDB_val v;
	int rc = store_log_get(h->t, author, seq, &e);

	if (rc == DG_ENOMEM)
		return rc;
	if (rc != 0 || memcmp(e.hash, hash, CORE_KEY_LEN) != 0)
		return report(h->v, author, seq, DG_ECORRUPT,
		    "head does not match the last entry");
	entry_key(key, author, seq + 1);
	memcpy(next, key, KEY_LEN);
	if (store_get(h->t, DBI_ENTRIES, next, KEY_LEN, &v) == 0)
		return report(h->v, author, seq + 1, DG_ECORRUPT,
		    "entries beyond the head");
	return 0;
}

int
store_log_verify(struct store_txn *t, const uint8_t *net,
    store_problem_fn fn, void *ctx, uint64_t *checked, uint64_t *problems)
{
	struct verify_ctx v;
	struct heads_ctx hc = { t, &v };
	int rc;

	memset(&v, 0, sizeof v);
	v.net = net;
	v.fn = fn;
	v.ctx = ctx;
	rc = store_log_each(t, NULL, verify_one, &v);
	if (rc == 0)
		rc = store_log_heads(t, verify_head, &hc);
	*checked = v.checked;
	*problems = v.problems;
	return rc;
}

struct walk_ctx {
	store_log_fn fn;
	void *ctx;
};

static int
walk_txn(struct store_txn *t, void *arg)
{
	struct walk_ctx *w = arg;

	return store_log_each(t, NULL, w->fn, w->ctx);
}

int
store_log_walk(struct store_db *db, store_log_fn fn, void *ctx)
{
	struct walk_ctx w = { fn, ctx };

	return store_db_read(db, walk_txn, &w);
}

struct check_ctx {
	const uint8_t *net;
	store_problem_fn fn;
	void *ctx;
	uint64_t *checked, *problems;
};

static int
check_txn(struct store_txn *t, void *arg)
{
	struct check_ctx *c = arg;

	return store_log_verify(t, c->net, c->fn, c->ctx, c->checked,
	    c->problems);
}

int
store_log_check(struct store_db *db, const uint8_t *net,
    store_problem_fn fn, void *ctx, uint64_t *checked, uint64_t *problems)
{
	struct check_ctx c = { net, fn, ctx, checked, problems };

	return store_db_read(db, check_txn, &c);
}

int
store_index_entry(struct store_txn *t, const struct store_entry *e)
{
	uint8_t key[KEY_LEN];

	switch (e->hdr.kind) {
	case CORE_KIND_GENESIS:
	case CORE_KIND_KEYS:
	case CORE_KIND_ADMIT:
	case CORE_KIND_REVOKE:
	case CORE_KIND_INVITE:
	case CORE_KIND_UNINVITE:
		entry_key(key, e->hdr.author, e->hdr.seq);
		return store_put(t, DBI_MINDEX, key, KEY_LEN, &e->hdr.kind, 1);
	}
	return 0;
}
