/* store/repl.c - the store's side of replication (see store/repl.h). */
#include "store/repl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "store/internal.h"
#include "core/invite.h"
#include "store/member.h"

#define HEAD_VAL_MIN (8 + 32) /* seq || hash [|| hlc] */

struct digest_ctx {
	crypto_generichash_state st;
	uint64_t heads, entries;
	uint8_t *recs;
	size_t count, cap;
};

static int
one_head(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct digest_ctx *d = arg;
	uint8_t rec[STORE_HEAD_REC], *g;

	if (k->mv_size != 32 || v->mv_size < HEAD_VAL_MIN)
		return DG_ECORRUPT;
	memcpy(rec, k->mv_data, 32);
	memcpy(rec + 32, v->mv_data, 40);
	d->heads++;
	d->entries += store_get_be64(rec + 32);
	if (d->recs == NULL && d->cap == SIZE_MAX) {
		crypto_generichash_update(&d->st, rec, sizeof rec);
		return 0;
	}
	if (d->count == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		g = realloc(d->recs, d->cap * STORE_HEAD_REC);
		if (g == NULL)
			return DG_ENOMEM;
		d->recs = g;
	}
	memcpy(d->recs + d->count++ * STORE_HEAD_REC, rec, sizeof rec);
	return 0;
}

static int
heads_txn(struct store_txn *t, void *arg)
{
	struct digest_ctx *d = arg;

	d->heads = d->entries = 0;
	d->count = 0;
	return store_walk(t, DBI_HEADS, NULL, 0, 0, one_head, d);
}

int
store_node_digest(struct store_node *n, uint8_t digest[32], uint64_t *heads,
    uint64_t *entries)
{
	static const char key[] = "dugnad heads";
	struct digest_ctx d;
	int rc;

	memset(&d, 0, sizeof d);
	d.cap = SIZE_MAX; /* hash as we walk, keep nothing */
	crypto_generichash_init(&d.st, (const uint8_t *)key, sizeof key - 1,
	    32);
	rc = store_db_read(n->db, heads_txn, &d);
	if (rc != 0)
		return rc;
	crypto_generichash_final(&d.st, digest, 32);
	if (heads != NULL)
		*heads = d.heads;
	if (entries != NULL)
		*entries = d.entries;
	return 0;
}

int
store_node_heads(struct store_node *n, uint8_t **recs, size_t *count)
{
	struct digest_ctx d;
	int rc;

	memset(&d, 0, sizeof d);
	rc = store_db_read(n->db, heads_txn, &d);
	if (rc != 0) {
		free(d.recs);
		d.recs = NULL;
		d.count = 0;
	}
	*recs = d.recs;
	*count = d.count;
	return rc;
}

struct head_ctx {
	const uint8_t *author;
	uint64_t seq;
};

static int
head_txn(struct store_txn *t, void *arg)
{
	struct head_ctx *h = arg;
	uint8_t hash[32];
	int rc = store_log_head(t, h->author, &h->seq, hash);

	if (rc == DG_ENOTFOUND) {
		h->seq = 0;
		rc = 0;
	}
	return rc;
}

int
store_node_head(struct store_node *n, const uint8_t author[32],
    uint64_t *seq)
{
	struct head_ctx h = { author, 0 };
	int rc = store_db_read(n->db, head_txn, &h);

	*seq = h.seq;
	return rc;
}

struct run_ctx {
	struct store_node *n;
	const uint8_t *author;
	uint64_t from;
	size_t max_n, max_bytes;
	store_log_fn fn;
	void *ctx;
};

static int
run_txn(struct store_txn *t, void *arg)
{
	struct run_ctx *r = arg;
	struct store_entry e;
	uint8_t hash[32];
	uint64_t head, seq;
	size_t n = 0, bytes = 0;
	int rc;

	rc = store_log_head(t, r->author, &head, hash);
	if (rc == DG_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	for (seq = r->from ? r->from : 1; seq <= head && n < r->max_n &&
	    bytes < r->max_bytes; seq++, n++) {
		rc = store_log_get(t, r->author, seq, &e);
		if (rc != 0)
			return rc;
		rc = r->fn(r->ctx, &e, 0);
		if (rc != 0)
			return rc > 0 ? 0 : rc;
		bytes += e.raw_len + CORE_SIG_LEN + e.body_len;
	}
	return 0;
}

int
store_node_run(struct store_node *n, const uint8_t author[32], uint64_t from,
    size_t max_n, size_t max_bytes, store_log_fn fn, void *ctx)
{
	struct run_ctx r = { n, author, from, max_n, max_bytes, fn, ctx };

	return store_db_read(n->db, run_txn, &r);
}

size_t
store_node_psks(struct store_node *n, uint8_t (*psk)[32], size_t cap)
{
	static const char key[] = "dugnad handshake psk";
	size_t i, j, count = 0, order[STORE_EPOCHS_MAX];

	if (!n->has_net)
		return 0;
	/* newest epoch first: a simple insertion sort of indexes */
	for (i = 0; i < n->nkeys; i++) {
		for (j = count; j > 0 &&
		    n->keys[order[j - 1]].epoch < n->keys[i].epoch; j--)
			order[j] = order[j - 1];
		order[j] = i;
		count++;
	}
	if (count > cap)
		count = cap;
	for (i = 0; i < count; i++)
		crypto_generichash(psk[i], 32, n->keysec + order[i] * 64 + 32,
		    32, (const uint8_t *)key, sizeof key - 1);
	return count;
}

int
store_node_member_role(struct store_node *n, const uint8_t pk[32],
    uint8_t *role)
{
	struct store_members m;
	const struct core_member *who;
	int rc;

	rc = store_node_members(n, &m);
	if (rc != 0)
		return rc;
	who = core_members_find(&m.list, pk);
	if (who == NULL)
		rc = DG_ENOTFOUND;
	else if (who->status != CORE_MEMBER_ACTIVE)
		rc = DG_EPERM;
	else if (role != NULL)
		*role = who->role;
	store_members_fini(&m);
	return rc;
}

int
store_node_member_check(struct store_node *n, const uint8_t pk[32])
{
	return store_node_member_role(n, pk, NULL);
}

static void
join_psk(const uint8_t id[32], uint8_t psk[32])
{
	static const char key[] = "dugnad join psk";

	crypto_generichash(psk, 32, id, 32, (const uint8_t *)key,
	    sizeof key - 1);
}

struct jp_ctx {
	struct store_node *n;
	struct store_txn *t;
	uint8_t (*psk)[32];
	size_t cap, count;
};

static int
jp_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct jp_ctx *x = arg;
	struct store_invite inv;
	struct store_entry e;
	struct core_body b;
	int rc;

	if (x->cap == 0)
		return 1;
	if (k->mv_size != 40 || v->mv_size != 1 ||
	    *(const uint8_t *)v->mv_data != CORE_KIND_INVITE)
		return 0;
	memset(&b, 0, sizeof b);
	if (store_log_get(x->t, k->mv_data,
		store_get_be64((const uint8_t *)k->mv_data + 32), &e) != 0 ||
	    store_read_body(x->n, &e, &b) != 0) {
		core_body_fini(&b);
		return 0;
	}
	rc = store_invite_in(x->n, x->t, b.invite, (uint64_t)time(NULL), &inv);
	/* a ring: when there are more invites than room, the newest
	 * (walked last) are kept */
	if (rc == 0 || rc == DG_ELIMIT)
		join_psk(b.invite, x->psk[x->count++ % x->cap]);
	core_body_fini(&b);
	return 0;
}

static int
jp_txn(struct store_txn *t, void *arg)
{
	struct jp_ctx *x = arg;
	int rc;

	x->t = t;
	x->count = 0;
	rc = store_walk(t, DBI_MINDEX, NULL, 0, 0, jp_one, x);
	return rc == 1 ? 0 : rc;
}

size_t
store_node_join_psks(struct store_node *n, uint8_t (*psk)[32], size_t cap)
{
	struct jp_ctx x = { n, NULL, psk, cap, 0 };

	if (!n->has_net || store_db_read(n->db, jp_txn, &x) != 0)
		return 0;
	return x.count < cap ? x.count : cap;
}

int
store_node_join_hello(struct store_node *n, uint8_t psk[32],
    struct core_join_request *req)
{
	struct core_invite_code code;
	uint8_t id[32];
	char name[CORE_JOIN_NAME_MAX + 1];
	int rc;

	rc = store_node_join_pending(n, &code, name);
	if (rc != 0)
		return rc;
	memset(req, 0, sizeof *req);
	memcpy(req->pk, n->pk, 32);
	memcpy(req->name, name, sizeof req->name);
	memcpy(req->secret, code.secret, sizeof req->secret);
	req->time = (uint64_t)time(NULL);
	core_join_sign(req, code.tag, NODE_SK(n));
	core_invite_id(code.secret, id);
	join_psk(id, psk);
	sodium_memzero(&code, sizeof code);
	return 0;
}

int
store_node_take_request(struct store_node *n,
    const struct core_join_request *req, struct store_ingest *rep)
{
	struct core_bundle b;
	uint8_t tag[8];

	if (!n->has_net)
		return DG_ESTATE;
	core_invite_net_tag(n->net, tag);
	if (core_join_verify(req, tag) != 0)
		return DG_ESIG;
	memset(&b, 0, sizeof b);
	b.mode = CORE_BUNDLE_REQUEST;
	memcpy(b.from, req->pk, 32);
	b.time = req->time;
	b.nreq = 1;
	b.reqs = (struct core_join_request *)req;
	return store_node_ingest(n, &b, rep);
}
