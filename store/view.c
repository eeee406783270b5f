/* store/view.c - the record views: merge states kept per record id,
 * sealed under the storage key, updated on every append and rebuilt from
 * the logs by reindex. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/b32.h"
#include "store/internal.h"
#include "store/member.h"
#include "store/node.h"

/* A record's state lives in its row of DBI_ROWS, sealed with label "row"
 * and the row number; DBI_VIEWS maps the record id to the row.  Rows are
 * numbered from 1 in the order records first appear, so a transaction
 * that brings many new records appends to the end of the table instead
 * of touching pages all over it (the ids are random).  The row number is
 * masked with XChaCha20 under a key derived from the storage key and the
 * id as nonce, so the file does not tell which id is in which row; a
 * changed mask leads to another record's row, and the id kept in the
 * state tells (DG_ECORRUPT). */
static void
mask_row(const struct store_node *n, const uint8_t rid[CORE_RID_LEN],
    const uint8_t in[8], uint8_t out[8])
{
	uint8_t nonce[crypto_stream_xchacha20_NONCEBYTES];

	memset(nonce, 0, sizeof nonce);
	memcpy(nonce, rid, CORE_RID_LEN);
	crypto_stream_xchacha20_xor(out, in, 8, nonce, NODE_IKEY(n));
}

/* Opens the sealed state v kept in row. */
static int
open_state(struct store_node *n, const uint8_t row[8], const MDB_val *v,
    struct core_rstate *s)
{
	uint8_t *pt = NULL;
	size_t len = 0;
	int rc;

	rc = store_open_value(n, "row", row, 8, v->mv_data, v->mv_size, &pt,
	    &len);
	if (rc != 0)
		return rc;
	rc = core_rstate_decode(pt, len, s);
	sodium_memzero(pt, len);
	free(pt);
	if (rc != 0)
		core_rstate_fini(s); /* what the decode got to */
	return rc == 0 || rc == DG_ENOMEM ? rc : DG_ECORRUPT;
}

/* Opens the state in row, which record rid's index points at: s is
 * rid's state, or empty for rid on an error (a row holding another
 * record's state is damage). */
static int
open_row(struct store_node *n, struct store_txn *t, const uint8_t row[8],
    const uint8_t rid[CORE_RID_LEN], struct core_rstate *s)
{
	MDB_val v;
	int rc;

	rc = store_get(t, DBI_ROWS, row, 8, &v);
	if (rc == 0)
		rc = open_state(n, row, &v, s);
	else if (rc == DG_ENOTFOUND)
		rc = DG_ECORRUPT;
	if (rc != 0) {
		core_rstate_init(s, rid);
		return rc;
	}
	if (memcmp(s->id, rid, CORE_RID_LEN) != 0) {
		core_rstate_fini(s);
		core_rstate_init(s, rid);
		return DG_ECORRUPT;
	}
	return 0;
}

/* Loads the state of record rid into s, and its row into row (zero when
 * the record has none yet: DG_ENOTFOUND, s empty). */
static int
load_state(struct store_node *n, struct store_txn *t,
    const uint8_t rid[CORE_RID_LEN], struct core_rstate *s, uint8_t row[8])
{
	MDB_val v;
	int rc;

	memset(row, 0, 8);
	rc = store_get(t, DBI_VIEWS, rid, CORE_RID_LEN, &v);
	if (rc == 0 && v.mv_size != 8)
		rc = DG_ECORRUPT;
	if (rc == 0)
		mask_row(n, rid, v.mv_data, row);
	if (rc != 0) {
		core_rstate_init(s, rid);
		return rc;
	}
	return open_row(n, t, row, rid, s);
}

/* For a change to record rid: its state into s and its row into row,
 * and *fresh = 1 when the record had none: then the next row is taken
 * and rid pointed at it at once (one search of DBI_VIEWS for both the
 * lookup and the insert), and s is empty.  The caller must then write
 * that row (save_state) in the same transaction; any error aborts it. */
static int
claim_state(struct store_node *n, struct store_txn *t,
    const uint8_t rid[CORE_RID_LEN], struct core_rstate *s, uint8_t row[8],
    int *fresh)
{
	static const uint8_t zero[8];
	uint8_t at[8], ks[8], masked[8];
	MDB_val v;
	size_t i;
	int rc;

	*fresh = 0;
	core_rstate_init(s, rid);
	if (t->next_row == 0) {
		rc = store_last_key(t, DBI_ROWS, at, 8);
		if (rc == 0)
			t->next_row = store_get_be64(at) + 1;
		else if (rc == DG_ENOTFOUND)
			t->next_row = 1;
		else
			return rc;
	}
	mask_row(n, rid, zero, ks); /* the mask itself, used both ways */
	store_be64(row, t->next_row);
	for (i = 0; i < 8; i++)
		masked[i] = row[i] ^ ks[i];
	rc = store_put_or_get(t, DBI_VIEWS, rid, CORE_RID_LEN, masked, 8, &v);
	if (rc == 0) {
		t->next_row++;
		*fresh = 1;
		return 0;
	}
	if (rc != DG_EEXIST)
		return rc;
	if (v.mv_size != 8)
		return DG_ECORRUPT;
	for (i = 0; i < 8; i++)
		row[i] = ((const uint8_t *)v.mv_data)[i] ^ ks[i];
	return open_row(n, t, row, rid, s);
}

/* Writes s to its row (a fresh one at the end of DBI_ROWS). */
static int
save_state(struct store_node *n, struct store_txn *t,
    const struct core_rstate *s, const uint8_t row[8], int fresh)
{
	struct core_buf b;
	uint8_t *box = NULL;
	size_t blen;
	int rc;

	core_buf_init(&b);
	rc = core_rstate_encode(s, &b);
	if (rc == 0)
		rc = store_seal(n, "row", row, 8, (const uint8_t *)b.data, b.len,
		    &box, &blen);
	if (rc == 0)
		rc = (fresh ? store_put_last : store_put)(t, DBI_ROWS, row, 8,
		    box, blen);
	free(box);
	core_buf_fini(&b);
	return rc;
}

/* Erasure: the bodies of every entry about the record go, except erase
 * entries (they carry only the id, and peers need them to erase too).
 * The id of each dropped body is kept sealed, so reindex can still tell
 * which record a body-less entry was about. */
static int
drop_bodies(struct store_node *n, struct store_txn *t,
    const struct core_rstate *s)
{
	uint8_t key[CORE_KEY_LEN + 8], *box = NULL;
	size_t i, blen;
	int rc = 0;

	for (i = 0; rc == 0 && i < s->nrefs; i++) {
		if (s->refs[i].kind == CORE_KIND_ERASE)
			continue;
		memcpy(key, s->refs[i].author, CORE_KEY_LEN);
		store_be64(key + CORE_KEY_LEN, s->refs[i].seq);
		rc = store_log_drop_body(t, s->refs[i].author, s->refs[i].seq);
		if (rc != 0)
			break;
		rc = store_seal(n, "dropped", key, sizeof key, s->id,
		    CORE_RID_LEN, &box, &blen);
		if (rc == 0)
			rc = store_put(t, DBI_DROPPED, key, sizeof key, box, blen);
		free(box);
		box = NULL;
	}
	return rc;
}

int
store_view_apply(struct store_node *n, struct store_txn *t,
    const struct store_entry *e, const struct core_body *b)
{
	struct core_rstate s;
	struct core_change c;
	uint8_t row[8];
	int rc, fresh;

	rc = claim_state(n, t, b->rid, &s, row, &fresh);
	if (rc != 0)
		goto out;
	c.kind = e->hdr.kind;
	c.hlc = e->hdr.hlc;
	c.author = e->hdr.author;
	c.seq = e->hdr.seq;
	c.body = b;
	rc = core_rstate_apply(&s, &c);
	if (rc == 0 && s.erased)
		rc = drop_bodies(n, t, &s);
	if (rc == 0)
		rc = save_state(n, t, &s, row, fresh);
out:
	core_rstate_fini(&s);
	return rc;
}

struct rec_ctx {
	struct store_node *n;
	const uint8_t *rid;
	struct core_rstate *out;
};

static int
rec_txn(struct store_txn *t, void *arg)
{
	struct rec_ctx *c = arg;
	uint8_t row[8];

	return load_state(c->n, t, c->rid, c->out, row);
}

int
store_node_record(struct store_node *n, const uint8_t rid[CORE_RID_LEN],
    struct core_rstate *out)
{
	struct rec_ctx c = { n, rid, out };

	return store_db_read(n->db, rec_txn, &c);
}

struct find_ctx {
	const char *prefix;
	size_t plen;
	uint8_t rid[CORE_RID_LEN];
	int found;
};

static int
find_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct find_ctx *c = arg;
	char text[CORE_RID_TEXT];

	(void)v;
	if (k->mv_size != CORE_RID_LEN)
		return 0;
	core_record_id_text(k->mv_data, text);
	if (strncmp(text, c->prefix, c->plen) != 0)
		return 0;
	if (c->found++ == 0) {
		memcpy(c->rid, k->mv_data, CORE_RID_LEN);
		return 0;
	}
	return 1; /* a second match: ambiguous, stop */
}

static int
find_txn(struct store_txn *t, void *arg)
{
	int rc = store_walk(t, DBI_VIEWS, NULL, 0, 0, find_one, arg);

	return rc == 1 ? 0 : rc;
}

int
store_node_find(struct store_node *n, const char *prefix,
    uint8_t rid[CORE_RID_LEN])
{
	struct find_ctx c;
	char low[CORE_RID_TEXT];
	size_t i, len = strlen(prefix);
	int rc;

	if (len < 4 || len > CORE_B32_LEN_RID)
		return DG_EINVAL;
	for (i = 0; i < len; i++) {
		char ch = prefix[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '2' && ch <= '7')))
			return DG_EINVAL;
		low[i] = ch;
	}
	low[len] = '\0';
	memset(&c, 0, sizeof c);
	c.prefix = low;
	c.plen = len;
	rc = store_db_read(n->db, find_txn, &c);
	if (rc != 0)
		return rc;
	if (c.found == 0)
		return DG_ENOTFOUND;
	if (c.found > 1)
		return DG_EAMBIG;
	memcpy(rid, c.rid, CORE_RID_LEN);
	return 0;
}

struct each_ctx {
	struct store_node *n;
	store_record_fn fn;
	void *ctx;
};

struct each_walk {
	struct each_ctx *c;
	struct store_txn *t;
};

static int
each_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct each_walk *w = arg;
	struct core_rstate s;
	int rc;

	if (k->mv_size != 8)
		return DG_ECORRUPT;
	rc = open_state(w->c->n, k->mv_data, v, &s);
	if (rc != 0)
		return rc;
	rc = w->c->fn(w->c->ctx, &s);
	core_rstate_fini(&s);
	return rc;
}

/* In the order the records first appeared. */
static int
each_txn(struct store_txn *t, void *arg)
{
	struct each_walk w = { arg, t };

	return store_walk(t, DBI_ROWS, NULL, 0, 0, each_one, &w);
}

int
store_node_records(struct store_node *n, store_record_fn fn, void *ctx)
{
	struct each_ctx c = { n, fn, ctx };

	return store_db_read(n->db, each_txn, &c);
}

int
store_read_body(struct store_node *n, const struct store_entry *e,
    struct core_body *b)
{
	uint8_t *pt;
	size_t len;
	int rc;

	memset(b, 0, sizeof *b);
	if (e->body == NULL)
		return DG_ENOTFOUND;
	if (e->hdr.epoch == 0)
		return core_body_decode(e->hdr.kind, e->body, e->body_len, b);
	if (e->body_len < CORE_BODY_OVERHEAD)
		return DG_EDECODE;
	len = e->body_len - CORE_BODY_OVERHEAD;
	pt = malloc(len ? len : 1);
	if (pt == NULL)
		return DG_ENOMEM;
	rc = store_body_open(n, e, pt);
	if (rc == 0)
		rc = core_body_decode(e->hdr.kind, pt, len, b);
	sodium_memzero(pt, len);
	free(pt);
	return rc;
}

struct hist_ctx {
	struct store_node *n;
	const uint8_t *rid;
	store_history_fn fn;
	void *ctx;
	struct store_txn *t;
};

static int
ref_order(const void *a, const void *b)
{
	const struct core_ref *x = a, *y = b;

	if (x->hlc != y->hlc)
		return x->hlc < y->hlc ? -1 : 1;
	return memcmp(x->author, y->author, 32);
}

static int
hist_txn(struct store_txn *t, void *arg)
{
	struct hist_ctx *c = arg;
	struct core_rstate s;
	struct store_entry e;
	struct core_body b;
	struct core_ref *refs = NULL;
	uint8_t row[8];
	size_t i;
	int rc;

	rc = load_state(c->n, t, c->rid, &s, row);
	if (rc != 0)
		goto out;
	refs = malloc((s.nrefs + 1) * sizeof *refs);
	if (refs == NULL) {
		rc = DG_ENOMEM;
		goto out;
	}
	memcpy(refs, s.refs, s.nrefs * sizeof *refs);
	qsort(refs, s.nrefs, sizeof *refs, ref_order);
	for (i = 0; rc == 0 && i < s.nrefs; i++) {
		rc = store_log_get(t, refs[i].author, refs[i].seq, &e);
		if (rc != 0)
			break;
		rc = store_read_body(c->n, &e, &b);
		rc = c->fn(c->ctx, &e, rc == 0 ? &b : NULL);
		core_body_fini(&b);
	}
out:
	free(refs);
	core_rstate_fini(&s);
	return rc;
}

int
store_node_history(struct store_node *n, const uint8_t rid[CORE_RID_LEN],
    store_history_fn fn, void *ctx)
{
	struct hist_ctx c = { n, rid, fn, ctx, NULL };

	return store_db_read(n->db, hist_txn, &c);
}

struct reindex_ctx {
	struct store_node *n;
	struct store_txn *t;
	const struct core_members *members; /* NULL: take every entry */
};

static int
dropped_rid(struct store_node *n, struct store_txn *t,
    const struct store_entry *e, uint8_t rid[CORE_RID_LEN])
{
	uint8_t key[CORE_KEY_LEN + 8], *pt = NULL;
	size_t len = 0;
	MDB_val v;
	int rc;

	memcpy(key, e->hdr.author, CORE_KEY_LEN);
	store_be64(key + CORE_KEY_LEN, e->hdr.seq);
	rc = store_get(t, DBI_DROPPED, key, sizeof key, &v);
	if (rc != 0)
		return rc;
	rc = store_open_value(n, "dropped", key, sizeof key, v.mv_data,
	    v.mv_size, &pt, &len);
	if (rc == 0 && len != CORE_RID_LEN)
		rc = DG_ECORRUPT;
	if (rc == 0)
		memcpy(rid, pt, CORE_RID_LEN);
	free(pt);
	return rc;
}

static int
reindex_one(void *arg, const struct store_entry *e, int erc)
{
	struct reindex_ctx *c = arg;
	struct core_body b;
	int rc;

	if (erc != 0)
		return DG_ECORRUPT;
	if (e->hdr.kind != CORE_KIND_RECORD &&
	    e->hdr.kind != CORE_KIND_REMOVE && e->hdr.kind != CORE_KIND_ERASE)
		return 0;
	/* What a revoked member wrote past its cut-off counts for nothing. */
	if (c->members != NULL &&
	    !core_members_accepts(c->members, e->hdr.author, e->hdr.seq))
		return 0;
	rc = store_read_body(c->n, e, &b);
	if (rc == DG_ENOTFOUND) {
		/* A dropped body: only its reference is merged. */
		memset(&b, 0, sizeof b);
		rc = dropped_rid(c->n, c->t, e, b.rid);
		if (rc == DG_ENOTFOUND)
			return 0;
		if (rc == 0) {
			struct core_rstate s;
			struct core_change ch = { e->hdr.kind, e->hdr.hlc,
				e->hdr.author, e->hdr.seq, NULL };

			uint8_t row[8];
			int fresh;

			rc = claim_state(c->n, c->t, b.rid, &s, row, &fresh);
			if (rc == 0)
				rc = core_rstate_apply(&s, &ch);
			if (rc == 0)
				rc = save_state(c->n, c->t, &s, row, fresh);
			core_rstate_fini(&s);
		}
		return rc;
	}
	if (rc != 0) {
		/* Unreadable bodies are skipped on every node alike. */
		core_body_fini(&b);
		return rc == DG_ENOMEM ? rc : 0;
	}
	rc = store_view_apply(c->n, c->t, e, &b);
	core_body_fini(&b);
	return rc;
}

int
store_reindex_in(struct store_node *n, struct store_txn *t)
{
	struct reindex_ctx c = { n, t, NULL };
	struct store_members m;
	int rc;

	rc = mdb_drop(t->txn, t->db->dbi[DBI_VIEWS], 0);
	if (rc == 0)
		rc = mdb_drop(t->txn, t->db->dbi[DBI_ROWS], 0);
	if (rc != 0)
		return store_err(rc);
	t->next_row = 0;
	memset(&m, 0, sizeof m);
	if (n->has_net) {
		rc = store_members_in(n, t, &m);
		if (rc != 0)
			return rc;
		c.members = &m.list;
	}
	rc = store_log_each(t, NULL, reindex_one, &c);
	store_members_fini(&m);
	return rc;
}

static int
reindex_txn(struct store_txn *t, void *arg)
{
	return store_reindex_in(arg, t);
}

int
store_node_reindex(struct store_node *n)
{
	return store_db_write(n->db, reindex_txn, n);
}

int
store_node_compact(struct store_node *n)
{
	/* A compacted copy may number its transactions afresh: the members
	 * kept for the next id must not meet a later transaction of it. */
	store_members_fini(n->mcache);
	free(n->mcache);
	n->mcache = NULL;
	return store_db_compact(n->db);
}

int
store_node_release(struct store_node *n)
{
	return store_db_release(n->db);
}
