/* store/member.c - members, invites, admissions, revocations, join
 * requests. */
#include "store/member.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/b32.h"
#include "core/body.h"
#include "core/ident.h"
#include "store/internal.h"

#define IDX_LEN (32 + 8)

void
store_members_fini(struct store_members *m)
{
	size_t i;

	if (m == NULL)
		return;
	core_members_fini(&m->list);
	free(m->ops);
	for (i = 0; i < m->nstrings; i++)
		free(m->strings[i]);
	free(m->strings);
	memset(m, 0, sizeof *m);
}

static int
keep_string(struct store_members *m, char **s)
{
	char **g = realloc(m->strings, (m->nstrings + 1) * sizeof *g);

	if (g == NULL)
		return DG_ENOMEM;
	m->strings = g;
	m->strings[m->nstrings++] = *s;
	*s = NULL;
	return 0;
}

/* Calls fn for each indexed membership entry of the given kinds, with its
 * entry and decoded body (NULL when unreadable here). */
typedef int (*mindex_fn)(void *ctx, const struct store_entry *e,
    const struct core_body *b);

struct mwalk {
	struct store_node *n;
	struct store_txn *t;
	unsigned kinds;
	mindex_fn fn;
	void *ctx;
};

static int
mindex_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct mwalk *w = arg;
	struct store_entry e;
	struct core_body b;
	uint8_t kind;
	int rc, brc;

	if (k->mv_size != IDX_LEN || v->mv_size != 1)
		return DG_ECORRUPT;
	kind = *(const uint8_t *)v->mv_data;
	if (kind >= 32 || !(w->kinds & (1u << kind)))
		return 0;
	rc = store_log_get(w->t, k->mv_data,
	    store_get_be64((const uint8_t *)k->mv_data + 32), &e);
	if (rc != 0)
		return rc;
	brc = store_read_body(w->n, &e, &b);
	/* an unreadable body is the entry's own; no memory is not */
	rc = brc == DG_ENOMEM ? brc : w->fn(w->ctx, &e, brc == 0 ? &b : NULL);
	core_body_fini(&b);
	return rc;
}

static int
mindex_walk(struct store_node *n, struct store_txn *t, unsigned kinds,
    mindex_fn fn, void *ctx)
{
	struct mwalk w = { n, t, kinds, fn, ctx };

	return store_walk(t, DBI_MINDEX, NULL, 0, 0, mindex_one, &w);
}

struct ops_ctx {
	struct store_members *m;
	size_t cap;
};

static int
collect_op(void *arg, const struct store_entry *e, const struct core_body *b)
{
	struct ops_ctx *c = arg;
	struct store_members *m = c->m;
	struct core_mop *op, *g;
	int rc;

	if (b == NULL)
		return 0; /* not readable here: counts for nothing */
	if (m->nops == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		g = realloc(m->ops, c->cap * sizeof *g);
		if (g == NULL)
			return DG_ENOMEM;
		m->ops = g;
	}
	op = &m->ops[m->nops];
	memset(op, 0, sizeof *op);
	op->kind = e->hdr.kind;
	memcpy(op->author, e->hdr.author, 32);
	op->seq = e->hdr.seq;
	op->hlc = e->hdr.hlc;
	memcpy(op->subject, b->pk, 32);
	op->role = b->role;
	op->upto = b->upto;
	op->has_invite = b->has_invite;
	memcpy(op->invite, b->invite, 32);
	if (e->hdr.kind == CORE_KIND_ADMIT && b->name != NULL) {
		op->name = b->name;
		rc = keep_string(m, &((struct core_body *)(uintptr_t)b)->name);
		if (rc != 0)
			return rc;
	}
	m->nops++;
	return 0;
}

/* Members as of the transaction t. */
static int
members_in(struct store_node *n, struct store_txn *t,
    struct store_members *out)
{
	struct ops_ctx c = { out, 0 };
	struct store_entry g;
	uint64_t genesis_hlc = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (!n->has_net)
		return DG_ESTATE;
	if (store_log_get(t, n->founder, 1, &g) == 0)
		genesis_hlc = g.hdr.hlc;
	rc = mindex_walk(n, t, 1u << CORE_KIND_ADMIT | 1u << CORE_KIND_REVOKE,
	    collect_op, &c);
	if (rc == 0)
		rc = core_members_compute(n->founder, genesis_hlc, NULL, out->ops,
		    out->nops, &out->list);
	if (rc != 0)
		store_members_fini(out);
	return rc;
}

int
store_members_in(struct store_node *n, struct store_txn *t,
    struct store_members *out)
{
	return members_in(n, t, out);
}

struct mem_ctx {
	struct store_node *n;
	struct store_members *out;
};

static int
members_txn(struct store_txn *t, void *arg)
{
	struct mem_ctx *c = arg;

	return members_in(c->n, t, c->out);
}

int
store_node_members(struct store_node *n, struct store_members *out)
{
	struct mem_ctx c = { n, out };

	memset(out, 0, sizeof *out);
	return store_db_read(n->db, members_txn, &c);
}

/* --- invites ------------------------------------------------------- */

#define CANCELS_MAX 16

struct inv_ctx {
	const uint8_t *id;
	struct store_invite *inv;
	int found;
	uint8_t cancel_by[CANCELS_MAX][32]; /* authors of uninvite entries */
	size_t ncancel;
};

static int
find_invite(void *arg, const struct store_entry *e, const struct core_body *b)
{
	struct inv_ctx *c = arg;

	if (b == NULL || memcmp(b->invite, c->id, 32) != 0)
		return 0;
	if (e->hdr.kind == CORE_KIND_UNINVITE) {
		/* counts once its author is known to be a coordinator */
		if (c->ncancel < CANCELS_MAX)
			memcpy(c->cancel_by[c->ncancel++], e->hdr.author, 32);
		return 0;
	}
	/* The first invite entry with this id counts (ids are random). */
	if (c->found && e->hdr.hlc >= c->inv->hlc)
		return 0;
	c->found = 1;
	memcpy(c->inv->id, b->invite, 32);
	memcpy(c->inv->author, e->hdr.author, 32);
	c->inv->role = b->role;
	c->inv->approved = b->approved;
	c->inv->expires = b->expires;
	c->inv->uses = b->uses;
	c->inv->hlc = e->hdr.hlc;
	return 0;
}

static int
invite_in(struct store_node *n, struct store_txn *t, const uint8_t id[32],
    uint64_t now, struct store_invite *out)
{
	struct inv_ctx c;
	struct store_members m;
	size_t i;
	int rc;

	memset(&c, 0, sizeof c);
	c.id = id;
	c.inv = out;

	memset(out, 0, sizeof *out);
	rc = mindex_walk(n, t,
	    1u << CORE_KIND_INVITE | 1u << CORE_KIND_UNINVITE, find_invite, &c);
	if (rc != 0)
		return rc;
	if (!c.found)
		return DG_ENOTFOUND;
	rc = members_in(n, t, &m);
	if (rc != 0)
		return rc;
	for (i = 0; i < m.list.n; i++) {
		if (m.list.m[i].has_invite &&
		    memcmp(m.list.m[i].invite, id, 32) == 0)
			out->used++;
	}
	for (i = 0; i < c.ncancel; i++) {
		if (core_members_is_coordinator(&m.list, c.cancel_by[i]))
			out->cancelled = true;
	}
	if (out->cancelled ||
	    !core_members_is_coordinator(&m.list, out->author))
		rc = DG_EPERM;
	else if (out->expires != 0 && now > out->expires)
		rc = DG_ESTATE;
	else if (out->used >= out->uses)
		rc = DG_ELIMIT;
	store_members_fini(&m);
	return rc;
}

int
store_invite_in(struct store_node *n, struct store_txn *t,
    const uint8_t id[32], uint64_t now, struct store_invite *out)
{
	return invite_in(n, t, id, now, out);
}

struct check_ctx {
	struct store_node *n;
	const uint8_t *id;
	uint64_t now;
	struct store_invite *out;
};

static int
check_txn(struct store_txn *t, void *arg)
{
	struct check_ctx *c = arg;

	return invite_in(c->n, t, c->id, c->now, c->out);
}

int
store_node_invite_check(struct store_node *n, const uint8_t id[32],
    uint64_t now, struct store_invite *out)
{
	struct check_ctx c = { n, id, now, out };

	return store_db_read(n->db, check_txn, &c);
}

/* The members, for a node that must be an active coordinator: returns
 * DG_EPERM (out empty) when it is not. */
static int
members_as_coordinator(struct store_node *n, struct store_txn *t,
    struct store_members *out)
{
	int rc = members_in(n, t, out);

	if (rc == 0 && !core_members_is_coordinator(&out->list, n->pk)) {
		store_members_fini(out);
		rc = DG_EPERM;
	}
	return rc;
}

static int
coord_txn(struct store_txn *t, void *arg)
{
	struct store_members m;
	int rc = members_as_coordinator(arg, t, &m);

	store_members_fini(&m);
	return rc;
}

static int
require_coordinator(struct store_node *n)
{
	return store_db_read(n->db, coord_txn, n);
}

int
store_node_invite(struct store_node *n, uint8_t role, bool approved,
    uint64_t expires, uint64_t uses, struct core_invite_code *code)
{
	struct core_body b;
	int rc;

	rc = require_coordinator(n);
	if (rc != 0)
		return rc;
	core_invite_net_tag(n->net, code->tag);
	randombytes_buf(code->secret, sizeof code->secret);
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_INVITE;
	core_invite_id(code->secret, b.invite);
	b.role = role;
	b.approved = approved;
	b.expires = expires;
	b.uses = uses;
	return store_node_append(n, &b, 1);
}

int
store_node_uninvite(struct store_node *n, const struct core_invite_code *code)
{
	struct store_invite inv;
	struct core_body b;
	uint8_t tag[CORE_INVITE_TAG];
	int rc;

	rc = require_coordinator(n);
	if (rc != 0)
		return rc;
	core_invite_net_tag(n->net, tag);
	if (memcmp(tag, code->tag, sizeof tag) != 0)
		return DG_ENOTFOUND;
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_UNINVITE;
	core_invite_id(code->secret, b.invite);
	rc = store_node_invite_check(n, b.invite, 0, &inv);
	if (rc == DG_ENOTFOUND)
		return rc;
	return store_node_append(n, &b, 1);
}

/* --- admit and revoke ---------------------------------------------- */

struct admit_ctx {
	struct store_node *n;
	const uint8_t *pk;
	uint8_t role;
	const char *name;
	const uint8_t *invite;
};

/* Delivers every key this node holds to pk: one keys entry per key. */
static int
deliver_all(struct store_node *n, struct store_txn *t, const uint8_t pk[32],
    uint64_t *hlc)
{
	struct core_body b;
	struct core_sealed to;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < n->nkeys; i++) {
		memset(&b, 0, sizeof b);
		b.kind = CORE_KIND_KEYS;
		b.epoch = n->keys[i].epoch;
		memcpy(b.pk, n->keys[i].creator, 32);
		b.nto = 1;
		b.to = &to;
		rc = store_seal_to(pk, n->keysec + i * 64, &to);
		if (rc == 0)
			rc = store_append_one(n, t, &b, hlc);
	}
	sodium_memzero(&to, sizeof to);
	return rc;
}

static int
admit_txn(struct store_txn *t, void *arg)
{
	struct admit_ctx *c = arg;
	struct store_node *n = c->n;
	struct store_members m;
	const struct core_member *x;
	struct core_body b;
	uint64_t hlc;
	int rc;

	rc = members_as_coordinator(n, t, &m);
	if (rc != 0)
		return rc;
	x = core_members_find(&m.list, c->pk);
	if (x != NULL && x->status == CORE_MEMBER_REVOKED) {
		rc = DG_ESTATE;
		goto out;
	}
	if (x != NULL && x->role == c->role) {
		rc = DG_EEXIST;
		goto out;
	}
	rc = store_hlc_get(t, &hlc);
	if (rc != 0)
		goto out;
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_ADMIT;
	memcpy(b.pk, c->pk, 32);
	b.role = c->role;
	b.name = (char *)(uintptr_t)c->name;
	if (c->invite != NULL) {
		b.has_invite = true;
		memcpy(b.invite, c->invite, 32);
	}
	rc = store_append_one(n, t, &b, &hlc);
	/* A new member gets every key: it must read what is already there. */
	if (rc == 0 && x == NULL)
		rc = deliver_all(n, t, c->pk, &hlc);
	if (rc == 0)
		rc = store_hlc_put(t, hlc);
out:
	store_members_fini(&m);
	return rc;
}

int
store_node_admit_in(struct store_node *n, struct store_txn *t,
    const uint8_t pk[32], uint8_t role, const char *name,
    const uint8_t *invite)
{
	struct admit_ctx c = { n, pk, role, name, invite };

	return admit_txn(t, &c);
}

int
store_node_admit(struct store_node *n, const uint8_t pk[32], uint8_t role,
    const char *name, const uint8_t *invite)
{
	struct admit_ctx c = { n, pk, role, name, invite };

	if (!n->has_net)
		return DG_ESTATE;
	return store_db_write(n->db, admit_txn, &c);
}

/* Seals the 64-byte secret of (epoch, creator) to each member of m that is
 * active, not skip, and (when only is not NULL) marked in only[], in keys
 * entries of up to CORE_MEMBERS_MAX recipients. */
static int
deliver(struct store_node *n, struct store_txn *t, const struct core_members *m,
    const uint8_t *skip, const bool *only, uint32_t epoch,
    const uint8_t creator[32], const uint8_t secret[64], uint64_t *hlc)
{
	struct core_sealed *to;
	struct core_body b;
	size_t i, k;
	int rc = 0;

	to = calloc(CORE_MEMBERS_MAX, sizeof *to);
	if (to == NULL)
		return DG_ENOMEM;
	for (i = 0; rc == 0 && i < m->n;) {
		memset(&b, 0, sizeof b);
		b.kind = CORE_KIND_KEYS;
		b.epoch = epoch;
		memcpy(b.pk, creator, 32);
		b.to = to;
		for (k = 0; i < m->n && k < CORE_MEMBERS_MAX; i++) {
			if (m->m[i].status != CORE_MEMBER_ACTIVE ||
			    (skip != NULL && memcmp(m->m[i].pk, skip, 32) == 0) ||
			    (only != NULL && !only[i]))
				continue;
			rc = store_seal_to(m->m[i].pk, secret, &to[k++]);
			if (rc != 0)
				break;
		}
		b.nto = k;
		if (rc == 0 && k > 0)
			rc = store_append_one(n, t, &b, hlc);
	}
	sodium_memzero(to, CORE_MEMBERS_MAX * sizeof *to);
	free(to);
	return rc;
}

/* Starts a new epoch made by this node, for every active member but
 * skip (may be NULL). */
static int
rotate(struct store_node *n, struct store_txn *t, const struct core_members *m,
    const uint8_t *skip, const uint8_t secret[64], uint64_t *hlc)
{
	uint32_t epoch = 0;
	size_t i;
	int rc;

	for (i = 0; i < n->nkeys; i++) {
		if (n->keys[i].epoch > epoch)
			epoch = n->keys[i].epoch;
	}
	if (epoch >= UINT32_MAX - 1)
		return DG_ELIMIT;
	epoch++;
	rc = store_keys_add(n, t, epoch, n->pk, secret);
	if (rc != 0)
		return rc;
	/* The new key is the highest epoch: the newest of all. */
	store_keys_choose(n, NULL);
	(void)m;
	if (n->keys[n->cur].epoch != epoch ||
	    memcmp(n->keys[n->cur].creator, n->pk, 32) != 0)
		return DG_ESTATE; /* would not write with the new key */
	return deliver(n, t, m, skip, NULL, epoch, n->pk, secret, hlc);
}

/* Who received (epoch, creator): marks got[i] for members of m. */
struct recv_ctx {
	const struct core_members *m;
	uint32_t epoch;
	const uint8_t *creator;
	bool *got;
};

static int
note_recipients(void *arg, const struct store_entry *e,
    const struct core_body *b)
{
	struct recv_ctx *c = arg;
	size_t i, j;

	/* Only real deliveries: by an active coordinator whose entry
	 * counts (anyone could write a keys entry naming any recipient). */
	if (b == NULL || b->epoch != c->epoch ||
	    memcmp(b->pk, c->creator, 32) != 0 ||
	    !core_members_is_coordinator(c->m, e->hdr.author) ||
	    !core_members_accepts(c->m, e->hdr.author, e->hdr.seq))
		return 0;
	for (i = 0; i < b->nto; i++) {
		for (j = 0; j < c->m->n; j++) {
			if (memcmp(c->m->m[j].pk, b->to[i].pk, 32) == 0)
				c->got[j] = true;
		}
	}
	return 0;
}

int
store_keys_heal_in(struct store_node *n, struct store_txn *t)
{
	struct store_members m;
	struct recv_ctx c;
	uint8_t *secret = NULL;
	uint64_t hlc;
	bool *got = NULL, leak = false, missing = false;
	size_t i;
	int rc;

	if (!n->has_net || n->nkeys == 0)
		return 0;
	rc = members_in(n, t, &m);
	if (rc != 0)
		return rc;
	if (!core_members_is_coordinator(&m.list, n->pk))
		goto out;
	store_keys_choose(n, &m.list);
	got = calloc(m.list.n + 1, sizeof *got);
	secret = sodium_malloc(64);
	if (got == NULL || secret == NULL) {
		rc = DG_ENOMEM;
		goto out;
	}
	c.m = &m.list;
	c.epoch = n->keys[n->cur].epoch;
	c.creator = n->keys[n->cur].creator;
	c.got = got;
	rc = mindex_walk(n, t, 1u << CORE_KIND_KEYS, note_recipients, &c);
	if (rc != 0)
		goto out;
	for (i = 0; i < m.list.n; i++) {
		if (m.list.m[i].status == CORE_MEMBER_REVOKED && got[i])
			leak = true;
		/* got[] turns into "needs it" for deliver() */
		got[i] = m.list.m[i].status == CORE_MEMBER_ACTIVE && !got[i];
		missing |= got[i];
	}
	if (!leak && !missing)
		goto out;
	rc = store_hlc_get(t, &hlc);
	if (rc != 0)
		goto out;
	if (leak) {
		/* The newest key reached someone revoked since (two
		 * rotations at once): rotate again. */
		randombytes_buf(secret, 64);
		rc = rotate(n, t, &m.list, NULL, secret, &hlc);
	} else {
		/* Members admitted while the key was made elsewhere. */
		memcpy(secret, n->keysec + n->cur * 64, 64);
		rc = deliver(n, t, &m.list, NULL, (const bool *)got, c.epoch,
		    c.creator, secret, &hlc);
	}
	if (rc == 0)
		rc = store_hlc_put(t, hlc);
out:
	if (secret != NULL)
		sodium_free(secret);
	free(got);
	store_members_fini(&m);
	return rc;
}

struct revoke_ctx {
	struct store_node *n;
	const uint8_t *pk;
	const char *reason;
	uint8_t secret[64];
};

static int
revoke_txn(struct store_txn *t, void *arg)
{
	struct revoke_ctx *c = arg;
	struct store_node *n = c->n;
	struct store_members m;
	const struct core_member *x;
	struct core_body b;
	uint8_t hash[32];
	uint64_t hlc, head = 0;
	int rc;

	rc = members_as_coordinator(n, t, &m);
	if (rc != 0)
		return rc;
	x = core_members_find(&m.list, c->pk);
	if (x == NULL || x->status != CORE_MEMBER_ACTIVE) {
		rc = DG_ENOTFOUND;
		goto out;
	}
	rc = store_log_head(t, c->pk, &head, hash);
	if (rc == DG_ENOTFOUND)
		head = 0;
	else if (rc != 0)
		goto out;
	rc = store_hlc_get(t, &hlc);
	if (rc != 0)
		goto out;
	/* The revocation itself is readable by everyone who had the keys,
	 * the revoked member included: it learns why. */
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_REVOKE;
	memcpy(b.pk, c->pk, 32);
	b.upto = head;
	b.reason = (char *)(uintptr_t)c->reason;
	rc = store_append_one(n, t, &b, &hlc);
	if (rc != 0)
		goto out;
	/* A new epoch: its keys go to every remaining active member. */
	rc = rotate(n, t, &m.list, c->pk, c->secret, &hlc);
	if (rc == 0)
		rc = store_hlc_put(t, hlc);
out:
	store_members_fini(&m);
	return rc;
}

static int
reload_txn(struct store_txn *t, void *arg)
{
	return store_keys_load(arg, t);
}

int
store_node_revoke(struct store_node *n, const uint8_t pk[32],
    const char *reason)
{
	struct revoke_ctx *c;
	int rc;

	if (!n->has_net)
		return DG_ESTATE;
	c = sodium_malloc(sizeof *c);
	if (c == NULL)
		return DG_ENOMEM;
	c->n = n;
	c->pk = pk;
	c->reason = reason ? reason : "";
	randombytes_buf(c->secret, sizeof c->secret);
	rc = store_db_write(n->db, revoke_txn, c);
	sodium_free(c);
	if (rc != 0 && store_db_read(n->db, reload_txn, n) != 0) {
		/* The new key may be in memory without having been stored;
		 * if even the reload fails, write with no key rather than
		 * with one nobody else has. */
		n->nkeys = 0;
	}
	return rc;
}

/* --- local state: requests and this node's join ---------------------- */

/* DBI_LOCAL keys: "r" || pk (a waiting request), "j" (own join). */

static int
put_local(struct store_node *n, struct store_txn *t, const uint8_t *key,
    size_t klen, const uint8_t *val, size_t vlen)
{
	uint8_t *box = NULL;
	size_t blen;
	int rc;

	rc = store_seal(n, "local", key, klen, val, vlen, &box, &blen);
	if (rc == 0)
		rc = store_put(t, DBI_LOCAL, key, klen, box, blen);
	free(box);
	return rc;
}

static int
get_local(struct store_node *n, const uint8_t *key, size_t klen,
    const MDB_val *v, uint8_t **out, size_t *len)
{
	return store_open_value(n, "local", key, klen, v->mv_data, v->mv_size,
	    out, len);
}

/* A request as stored: pk 32, secret 16, time 8, sig 64, invite 32,
 * received 8, name (the rest). */
#define REQ_FIXED (32 + 16 + 8 + 64 + 32 + 8)

int
store_request_put(struct store_node *n, struct store_txn *t,
    const struct store_request *r)
{
	uint8_t key[33], val[REQ_FIXED + CORE_JOIN_NAME_MAX];
	size_t nl = strlen(r->req.name), o = 0;
	int rc;

	key[0] = 'r';
	memcpy(key + 1, r->req.pk, 32);
	/* Anyone with an invite code can make new keys: the waiting list
	 * is bounded (a request already waiting may be renewed). */
	{
		MDB_val v;
		size_t count = 0;

		if (store_get(t, DBI_LOCAL, key, sizeof key, &v) != 0) {
			rc = store_count(t, DBI_LOCAL, "r", 1, sizeof key,
			    &count);
			if (rc != 0)
				return rc;
			if (count >= STORE_REQUESTS_MAX)
				return DG_ELIMIT;
		}
	}
	memcpy(val + o, r->req.pk, 32), o += 32;
	memcpy(val + o, r->req.secret, 16), o += 16;
	store_be64(val + o, r->req.time), o += 8;
	memcpy(val + o, r->req.sig, 64), o += 64;
	memcpy(val + o, r->invite, 32), o += 32;
	store_be64(val + o, r->received), o += 8;
	memcpy(val + o, r->req.name, nl), o += nl;
	rc = put_local(n, t, key, sizeof key, val, o);
	sodium_memzero(val, sizeof val);
	return rc;
}

static int
parse_request(const uint8_t *p, size_t len, struct store_request *r)
{
	size_t o = 0;

	if (len < REQ_FIXED || len > REQ_FIXED + CORE_JOIN_NAME_MAX)
		return DG_ECORRUPT;
	memset(r, 0, sizeof *r);
	memcpy(r->req.pk, p + o, 32), o += 32;
	memcpy(r->req.secret, p + o, 16), o += 16;
	r->req.time = store_get_be64(p + o), o += 8;
	memcpy(r->req.sig, p + o, 64), o += 64;
	memcpy(r->invite, p + o, 32), o += 32;
	r->received = store_get_be64(p + o), o += 8;
	memcpy(r->req.name, p + o, len - o);
	r->req.name[len - o] = '\0';
	return 0;
}

struct req_ctx {
	struct store_node *n;
	store_request_fn fn;
	void *ctx;
};

static int
request_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct req_ctx *c = arg;
	struct store_request r;
	uint8_t *pt = NULL;
	size_t len = 0;
	int rc;

	if (k->mv_size != 33)
		return 0;
	rc = get_local(c->n, k->mv_data, k->mv_size, v, &pt, &len);
	if (rc == 0)
		rc = parse_request(pt, len, &r);
	if (pt != NULL) {
		sodium_memzero(pt, len);
		free(pt);
	}
	if (rc == 0)
		rc = c->fn(c->ctx, &r);
	sodium_memzero(&r, sizeof r);
	return rc;
}

static int
requests_txn(struct store_txn *t, void *arg)
{
	return store_walk(t, DBI_LOCAL, "r", 1, 1, request_one, arg);
}

int
store_node_requests(struct store_node *n, store_request_fn fn, void *ctx)
{
	struct req_ctx c = { n, fn, ctx };

	return store_db_read(n->db, requests_txn, &c);
}

struct rfind_ctx {
	const char *prefix;
	struct store_request *out;
	int found;
};

static int
rfind_one(void *arg, const struct store_request *r)
{
	struct rfind_ctx *c = arg;
	char id[CORE_ID_TEXT];

	core_ident_id_text(r->req.pk, id);
	if (strncmp(id, c->prefix, strlen(c->prefix)) != 0)
		return 0;
	if (c->found++ == 0)
		*c->out = *r;
	return 0;
}

int
store_node_request_find(struct store_node *n, const char *prefix,
    struct store_request *out)
{
	struct rfind_ctx c = { prefix, out, 0 };
	int rc = store_node_requests(n, rfind_one, &c);

	if (rc != 0)
		return rc;
	return c.found == 0 ? DG_ENOTFOUND : c.found > 1 ? DG_EAMBIG : 0;
}

struct drop_ctx {
	const uint8_t *pk;
};

static int
drop_txn(struct store_txn *t, void *arg)
{
	struct drop_ctx *c = arg;
	uint8_t key[33];

	key[0] = 'r';
	memcpy(key + 1, c->pk, 32);
	return store_del(t, DBI_LOCAL, key, sizeof key);
}

int
store_node_request_drop(struct store_node *n, const uint8_t pk[32])
{
	struct drop_ctx c = { pk };

	return store_db_write(n->db, drop_txn, &c);
}

struct join_ctx {
	struct store_node *n;
	const struct core_invite_code *code;
	const char *name;
	char *nameout;
};

static int
join_txn(struct store_txn *t, void *arg)
{
	struct join_ctx *c = arg;
	uint8_t val[CORE_INVITE_TAG + CORE_INVITE_SECRET + CORE_JOIN_NAME_MAX];
	size_t nl = strlen(c->name);
	int rc;

	if (c->n->has_net)
		return DG_EEXIST;
	if (nl == 0 || nl > CORE_JOIN_NAME_MAX)
		return DG_EINVAL;
	memcpy(val, c->code->tag, CORE_INVITE_TAG);
	memcpy(val + CORE_INVITE_TAG, c->code->secret, CORE_INVITE_SECRET);
	memcpy(val + CORE_INVITE_TAG + CORE_INVITE_SECRET, c->name, nl);
	rc = put_local(c->n, t, (const uint8_t *)"j", 1, val,
	    CORE_INVITE_TAG + CORE_INVITE_SECRET + nl);
	sodium_memzero(val, sizeof val);
	return rc;
}

int
store_node_join(struct store_node *n, const struct core_invite_code *code,
    const char *name)
{
	struct join_ctx c = { n, code, name, NULL };

	return store_db_write(n->db, join_txn, &c);
}

struct jp_ctx {
	struct store_node *n;
	struct core_invite_code *code;
	char *name;
};

static int
jp_txn(struct store_txn *t, void *arg)
{
	struct jp_ctx *c = arg;
	uint8_t *pt = NULL;
	size_t len = 0;
	MDB_val v;
	int rc;

	rc = store_get(t, DBI_LOCAL, "j", 1, &v);
	if (rc != 0)
		return rc;
	rc = get_local(c->n, (const uint8_t *)"j", 1, &v, &pt, &len);
	if (rc != 0)
		return rc;
	if (len <= CORE_INVITE_TAG + CORE_INVITE_SECRET ||
	    len > CORE_INVITE_TAG + CORE_INVITE_SECRET + CORE_JOIN_NAME_MAX) {
		rc = DG_ECORRUPT;
	} else {
		memcpy(c->code->tag, pt, CORE_INVITE_TAG);
		memcpy(c->code->secret, pt + CORE_INVITE_TAG,
		    CORE_INVITE_SECRET);
		memcpy(c->name, pt + CORE_INVITE_TAG + CORE_INVITE_SECRET,
		    len - CORE_INVITE_TAG - CORE_INVITE_SECRET);
		c->name[len - CORE_INVITE_TAG - CORE_INVITE_SECRET] = '\0';
	}
	sodium_memzero(pt, len);
	free(pt);
	return rc;
}

int
store_node_join_pending(struct store_node *n, struct core_invite_code *code,
    char name[CORE_JOIN_NAME_MAX + 1])
{
	struct jp_ctx c = { n, code, name };

	return store_db_read(n->db, jp_txn, &c);
}
