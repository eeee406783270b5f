#include "store/node.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/box.h"
#include "core/hlc.h"
#include "core/ident.h"
#include "core/text.h"
#include "store/internal.h"
#include "store/repl.h"
#include "store/member.h"

#define KDF_VAL_LEN (CORE_SALT_LEN + 16)

int
store_seal(struct store_node *n, const char *label, const void *key,
    size_t klen, const uint8_t *pt, size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t ad[64];
	size_t ll = strlen(label);

	if (ll + klen > sizeof ad)
		return DG_EINVAL;
	memcpy(ad, label, ll);
	memcpy(ad + ll, key, klen);
	*out = malloc(len + CORE_BOX_OVERHEAD);
	if (*out == NULL)
		return DG_ENOMEM;
	core_box_seal(NODE_SKEY(n), ad, ll + klen, pt, len, *out);
	*outlen = len + CORE_BOX_OVERHEAD;
	return 0;
}

int
store_open_value(struct store_node *n, const char *label, const void *key,
    size_t klen, const uint8_t *box, size_t len, uint8_t **out,
    size_t *outlen)
{
	uint8_t ad[64];
	size_t ll = strlen(label);
	int rc;

	if (ll + klen > sizeof ad || len < CORE_BOX_OVERHEAD)
		return DG_ECORRUPT;
	memcpy(ad, label, ll);
	memcpy(ad + ll, key, klen);
	*out = malloc(len - CORE_BOX_OVERHEAD + 1);
	if (*out == NULL)
		return DG_ENOMEM;
	rc = core_box_open(NODE_SKEY(n), ad, ll + klen, box, len, *out);
	if (rc != 0) {
		free(*out);
		*out = NULL;
		return DG_ECORRUPT;
	}
	*outlen = len - CORE_BOX_OVERHEAD;
	(*out)[*outlen] = 0;
	return 0;
}

static void
wipe_free(uint8_t *p, size_t n)
{
	if (p != NULL) {
		sodium_memzero(p, n);
		free(p);
	}
}

static int
node_alloc(struct store_node **out)
{
	struct store_node *n;

	if (sodium_init() < 0)
		return DG_ECRYPTO;
	n = calloc(1, sizeof *n);
	if (n == NULL)
		return DG_ENOMEM;
	n->secret = sodium_malloc(32 + 64 + 32);
	n->keysec = sodium_malloc(STORE_EPOCHS_MAX * 64);
	if (n->secret == NULL || n->keysec == NULL) {
		store_node_close(n);
		return DG_ENOMEM;
	}
	*out = n;
	return 0;
}

void
store_node_close(struct store_node *n)
{
	if (n == NULL)
		return;
	if (n->secret != NULL)
		sodium_free(n->secret);
	if (n->keysec != NULL)
		sodium_free(n->keysec);
	store_members_fini(n->mcache);
	free(n->mcache);
	store_db_close(n->db);
	free(n);
}

struct init_ctx {
	struct store_node *n;
	const char *pass;
	size_t plen;
	int rc;
};

static void
put_u64(uint8_t *p, uint64_t v)
{
	store_be64(p, v);
}

static int
init_txn(struct store_txn *t, void *arg)
{
	struct init_ctx *c = arg;
	struct store_node *n = c->n;
	struct core_kdf kdf;
	uint8_t kv[KDF_VAL_LEN], *kek = NULL, wrapped[32 + CORE_BOX_OVERHEAD];
	uint8_t seed[32], *sealed = NULL, ident[32 + 32 + CORE_BOX_OVERHEAD];
	size_t slen;
	MDB_val v;
	int rc;

	rc = store_get(t, DBI_META, "ident", 5, &v);
	if (rc == 0)
		return DG_EEXIST;
	if (rc != DG_ENOTFOUND)
		return rc;
	kek = sodium_malloc(32);
	if (kek == NULL)
		return DG_ENOMEM;
	core_ident_kdf_new(&kdf);
	rc = core_ident_kdf(&kdf, c->pass, c->plen, kek);
	if (rc != 0)
		goto out;
	memcpy(kv, kdf.salt, CORE_SALT_LEN);
	put_u64(kv + CORE_SALT_LEN, kdf.ops);
	put_u64(kv + CORE_SALT_LEN + 8, kdf.mem);
	randombytes_buf(NODE_SKEY(n), 32);
	core_box_seal(kek, (const uint8_t *)"dugnad storage key", 18,
	    NODE_SKEY(n), 32, wrapped);
	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(n->pk, NODE_SK(n), seed);
	rc = store_seal(n, "ident", "", 0, seed, sizeof seed, &sealed, &slen);
	sodium_memzero(seed, sizeof seed);
	if (rc != 0)
		goto out;
	memcpy(ident, n->pk, 32);
	memcpy(ident + 32, sealed, slen);
	rc = store_put(t, DBI_META, "kdf", 3, kv, sizeof kv);
	if (rc == 0)
		rc = store_put(t, DBI_META, "skey", 4, wrapped, sizeof wrapped);
	if (rc == 0)
		rc = store_put(t, DBI_META, "ident", 5, ident, 32 + slen);
out:
	free(sealed);
	sodium_free(kek);
	return rc;
}

static int
needs_reindex(struct store_txn *t, void *arg)
{
	MDB_val v;
	int rc = store_get(t, DBI_META, "reindex", 7, &v);

	*(int *)arg = rc == 0;
	return rc == DG_ENOTFOUND ? 0 : rc;
}

static int
reindex_once(struct store_txn *t, void *arg)
{
	int rc, need = 0;

	/* Again, in the write transaction: another process unlocking at
	 * the same time may have rebuilt them already. */
	rc = needs_reindex(t, &need);
	if (rc != 0 || !need)
		return rc;
	rc = store_reindex_in(arg, t);
	if (rc == 0)
		rc = store_del(t, DBI_META, "reindex", 7);
	return rc;
}

/* A layout migration (store/db.c) that needs the storage key leaves
 * meta "reindex": the views are rebuilt from the log at the first
 * unlock, in one transaction with clearing it. */
static int
finish_migration(struct store_node *n)
{
	int rc, need = 0;

	rc = store_db_read(n->db, needs_reindex, &need);
	if (rc == 0 && need)
		rc = store_db_write(n->db, reindex_once, n);
	return rc;
}

/* Opens dir (creating it for init) and runs fn (init_txn or open_txn)
 * with the passphrase; on success *out is the unlocked node. */
static int
node_start(const char *dir, int create, const char *pass, size_t plen,
    size_t map_size, store_txn_fn fn, struct store_node **out)
{
	struct store_node *n;
	struct init_ctx c;
	int rc;

	*out = NULL;
	rc = node_alloc(&n);
	if (rc != 0)
		return rc;
	rc = store_db_open(dir, create, map_size, &n->db);
	if (rc != 0)
		goto fail;
	c.n = n;
	c.pass = pass;
	c.plen = plen;
	rc = create ? store_db_write(n->db, fn, &c) :
		      store_db_read(n->db, fn, &c);
	if (rc == 0)
		crypto_generichash(NODE_IKEY(n), 32,
		    (const uint8_t *)"dugnad row index", 16, NODE_SKEY(n), 32);
	if (rc == 0 && !create)
		rc = finish_migration(n);
	if (rc != 0)
		goto fail;
	*out = n;
	return 0;
fail:
	store_node_close(n);
	return rc;
}

int
store_node_init(const char *dir, const char *pass, size_t plen,
    size_t map_size, struct store_node **out)
{
	*out = NULL;
	if (plen == 0)
		return DG_EINVAL;
	return node_start(dir, 1, pass, plen, map_size, init_txn, out);
}

/* meta "net": network id (32) || founder (32) || sealed name. */
static int
load_net(struct store_node *n, struct store_txn *t)
{
	MDB_val v;
	int rc;

	rc = store_keys_load(n, t);
	if (rc != 0)
		return rc;
	rc = store_get(t, DBI_META, "net", 3, &v);
	if (rc == DG_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size < 64)
		return DG_ECORRUPT;
	memcpy(n->net, v.mv_data, 32);
	memcpy(n->founder, (const uint8_t *)v.mv_data + 32, 32);
	n->has_net = 1;
	/* Write with a key of an active coordinator only. */
	{
		struct store_members m;

		rc = store_members_in(n, t, &m);
		if (rc == 0)
			store_keys_choose(n, &m.list);
		store_members_fini(&m);
	}
	return rc;
}

static int
open_txn(struct store_txn *t, void *arg)
{
	struct init_ctx *c = arg;
	struct store_node *n = c->n;
	struct core_kdf kdf;
	uint8_t *kek, *seed = NULL;
	size_t slen;
	MDB_val kv, wv, iv;
	int rc;

	rc = store_get(t, DBI_META, "ident", 5, &iv);
	if (rc == DG_ENOTFOUND)
		return DG_ESTATE;
	if (rc != 0)
		return rc;
	if (store_get(t, DBI_META, "kdf", 3, &kv) != 0 ||
	    kv.mv_size != KDF_VAL_LEN ||
	    store_get(t, DBI_META, "skey", 4, &wv) != 0 ||
	    wv.mv_size != 32 + CORE_BOX_OVERHEAD ||
	    iv.mv_size != 32 + 32 + CORE_BOX_OVERHEAD)
		return DG_ECORRUPT;
	memcpy(kdf.salt, kv.mv_data, CORE_SALT_LEN);
	kdf.ops = store_get_be64((const uint8_t *)kv.mv_data + CORE_SALT_LEN);
	kdf.mem = store_get_be64(
	    (const uint8_t *)kv.mv_data + CORE_SALT_LEN + 8);
	kek = sodium_malloc(32);
	if (kek == NULL)
		return DG_ENOMEM;
	rc = core_ident_kdf(&kdf, c->pass, c->plen, kek);
	if (rc == DG_EINVAL)
		rc = DG_ECORRUPT;
	if (rc == 0 && core_box_open(kek, (const uint8_t *)"dugnad storage key",
			   18, wv.mv_data, wv.mv_size, NODE_SKEY(n)) != 0)
		rc = DG_EPASS;
	sodium_free(kek);
	if (rc != 0)
		return rc;
	memcpy(n->pk, iv.mv_data, 32);
	rc = store_open_value(n, "ident", "", 0, (const uint8_t *)iv.mv_data + 32,
	    iv.mv_size - 32, &seed, &slen);
	if (rc != 0 || slen != 32) {
		wipe_free(seed, slen);
		return rc == DG_ENOMEM ? rc : DG_ECORRUPT;
	}
	{
		uint8_t pk[32];

		crypto_sign_seed_keypair(pk, NODE_SK(n), seed);
		wipe_free(seed, 32);
		if (memcmp(pk, n->pk, 32) != 0)
			return DG_ECORRUPT;
	}
	return load_net(n, t);
}

int
store_node_open(const char *dir, const char *pass, size_t plen,
    size_t map_size, struct store_node **out)
{
	return node_start(dir, 0, pass, plen, map_size, open_txn, out);
}

struct store_db *
store_node_db(struct store_node *n)
{
	return n->db;
}

void
store_node_pk(const struct store_node *n, uint8_t pk[32])
{
	memcpy(pk, n->pk, 32);
}

/* Builds, encrypts, signs and stores one entry of this node's log, and
 * applies it to the views.  *hlc is the clock, advanced here. */
int
store_append_one(struct store_node *n, struct store_txn *t,
    const struct core_body *b, uint64_t *hlc)
{
	/* Key deliveries need no content key; everything else is sealed
	 * with the newest key held. */
	uint32_t epoch = b->kind == CORE_KIND_KEYS ? 0 :
	    n->keys[n->cur].epoch;
	struct core_buf pt;
	struct core_hdr h;
	struct store_entry e;
	uint8_t raw[CORE_HDR_MAX], sig[CORE_SIG_LEN], *body = NULL;
	const uint8_t *key;
	struct timespec ts;
	size_t rlen, blen;
	uint64_t seq = 0;
	int rc;

	core_buf_init(&pt);
	memset(&h, 0, sizeof h);
	rc = store_log_head(t, n->pk, &seq, h.prev);
	if (rc == DG_ENOTFOUND) {
		seq = 0;
		memset(h.prev, 0, sizeof h.prev);
	} else if (rc != 0) {
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	*hlc = core_hlc_next(*hlc, (uint64_t)ts.tv_sec * 1000 +
		(uint64_t)ts.tv_nsec / 1000000);
	h.version = CORE_ENTRY_VERSION;
	memcpy(h.net, n->net, 32);
	memcpy(h.author, n->pk, 32);
	h.seq = seq + 1;
	h.hlc = *hlc;
	h.kind = b->kind;
	h.epoch = epoch;
	rc = core_body_encode(b, &pt);
	if (rc != 0)
		goto out;
	if (epoch == 0) {
		blen = pt.len;
		body = malloc(blen ? blen : 1);
		if (body == NULL) {
			rc = DG_ENOMEM;
			goto out;
		}
		memcpy(body, pt.data, blen);
	} else {
		if (n->nkeys == 0) {
			rc = DG_ESTATE;
			goto out;
		}
		key = n->keysec + n->cur * 64;
		blen = pt.len + CORE_BODY_OVERHEAD;
		body = malloc(blen);
		if (body == NULL) {
			rc = DG_ENOMEM;
			goto out;
		}
		rc = core_entry_seal(&h, key, (const uint8_t *)pt.data, pt.len,
		    body);
		if (rc != 0)
			goto out;
	}
	h.body_len = (uint32_t)blen;
	core_entry_body_hash(body, blen, h.body_hash);
	rc = core_entry_encode(&h, raw, sizeof raw, &rlen);
	if (rc != 0)
		goto out;
	core_entry_sign(raw, rlen, NODE_SK(n), sig);
	rc = store_log_put(t, raw, rlen, sig, body, blen, STORE_LOG_SIGNED, &e);
	if (rc != 0)
		goto out;
	rc = store_index_entry(t, &e);
	if (rc == 0 && (b->kind == CORE_KIND_RECORD ||
			   b->kind == CORE_KIND_REMOVE ||
			   b->kind == CORE_KIND_ERASE))
		rc = store_view_apply(n, t, &e, b);
out:
	free(body);
	core_buf_fini(&pt);
	return rc;
}

int
store_hlc_get(struct store_txn *t, uint64_t *hlc)
{
	MDB_val v;
	int rc = store_get(t, DBI_META, "hlc", 3, &v);

	*hlc = 0;
	if (rc == DG_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != 8)
		return DG_ECORRUPT;
	*hlc = store_get_be64(v.mv_data);
	return 0;
}

int
store_hlc_put(struct store_txn *t, uint64_t hlc)
{
	uint8_t v[8];

	store_be64(v, hlc);
	return store_put(t, DBI_META, "hlc", 3, v, 8);
}

struct append_ctx {
	struct store_node *n;
	const struct core_body *bodies;
	size_t count;
};

static int
append_txn(struct store_txn *t, void *arg)
{
	struct append_ctx *c = arg;
	uint64_t hlc;
	size_t i;
	int rc;

	rc = store_hlc_get(t, &hlc);
	for (i = 0; rc == 0 && i < c->count; i++)
		rc = store_append_one(c->n, t, &c->bodies[i], &hlc);
	if (rc == 0)
		rc = store_hlc_put(t, hlc);
	return rc;
}

int
store_node_append(struct store_node *n, const struct core_body *bodies,
    size_t count)
{
	struct append_ctx c = { n, bodies, count };

	if (!n->has_net)
		return DG_ESTATE;
	return store_db_write(n->db, append_txn, &c);
}

int
store_net_put(struct store_node *n, struct store_txn *t, const char *name)
{
	uint8_t *nv = NULL, *val = NULL;
	size_t nlen;
	int rc;

	rc = store_seal(n, "net", "", 0, (const uint8_t *)name, strlen(name),
	    &nv, &nlen);
	if (rc != 0)
		return rc;
	val = malloc(64 + nlen);
	if (val == NULL) {
		free(nv);
		return DG_ENOMEM;
	}
	memcpy(val, n->net, 32);
	memcpy(val + 32, n->founder, 32);
	memcpy(val + 64, nv, nlen);
	rc = store_put(t, DBI_META, "net", 3, val, 64 + nlen);
	free(nv);
	free(val);
	return rc;
}

struct net_ctx {
	struct store_node *n;
	const char *name;
	uint8_t nonce[CORE_NONCE16];
	uint8_t secret[64]; /* epoch 1: content key || network key */
};

/* Seals an epoch's keys to a member for a keys entry. */
int
store_seal_to(const uint8_t pk[32], const uint8_t secret[64],
    struct core_sealed *to)
{
	uint8_t xpk[32];

	if (crypto_sign_ed25519_pk_to_curve25519(xpk, pk) != 0)
		return DG_ECRYPTO;
	memcpy(to->pk, pk, 32);
	crypto_box_seal(to->box, secret, 64, xpk);
	return 0;
}

static int
net_txn(struct store_txn *t, void *arg)
{
	struct net_ctx *c = arg;
	struct store_node *n = c->n;
	struct core_body b;
	struct core_sealed to;
	uint64_t hlc;
	MDB_val v;
	int rc;

	if (store_get(t, DBI_META, "net", 3, &v) == 0)
		return DG_EEXIST;
	/* The network and its first keys must be in place before the
	 * genesis entry is sealed with them. */
	core_body_net_id(n->pk, c->nonce, n->net);
	memcpy(n->founder, n->pk, 32);
	n->has_net = 1;
	rc = store_keys_add(n, t, 1, n->pk, c->secret);
	if (rc != 0)
		goto out;
	rc = store_net_put(n, t, c->name);
	if (rc == 0)
		rc = store_hlc_get(t, &hlc);
	if (rc != 0)
		goto out;
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_GENESIS;
	b.name = (char *)(uintptr_t)c->name;
	memcpy(b.nonce, c->nonce, CORE_NONCE16);
	rc = store_append_one(n, t, &b, &hlc);
	if (rc != 0)
		goto out;
	/* Deliver the keys to ourselves, as to any member: they can then be
	 * recovered from the log with the identity alone. */
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_KEYS;
	b.epoch = 1;
	memcpy(b.pk, n->pk, 32);
	b.nto = 1;
	b.to = &to;
	rc = store_seal_to(n->pk, c->secret, &to);
	if (rc == 0)
		rc = store_append_one(n, t, &b, &hlc);
	if (rc == 0)
		rc = store_hlc_put(t, hlc);
out:
	if (rc != 0) {
		n->has_net = 0;
		n->nkeys = 0;
	}
	return rc;
}

int
store_node_network_create(struct store_node *n, const char *name)
{
	struct net_ctx *c;
	int rc;

	if (n->has_net)
		return DG_EEXIST;
	if (name[0] == '\0' || strlen(name) > CORE_NET_NAME_MAX)
		return DG_EINVAL;
	/* The genesis body is decoded strictly by every member. */
	rc = core_text_check_value(name, strlen(name), false);
	if (rc != 0)
		return rc;
	c = sodium_malloc(sizeof *c);
	if (c == NULL)
		return DG_ENOMEM;
	c->n = n;
	c->name = name;
	randombytes_buf(c->nonce, sizeof c->nonce);
	randombytes_buf(c->secret, sizeof c->secret);
	rc = store_db_write(n->db, net_txn, c);
	sodium_free(c);
	if (rc != 0) {
		/* Also when the commit itself failed after net_txn ran. */
		n->has_net = 0;
		n->nkeys = 0;
	}
	return rc;
}

struct netname_ctx {
	struct store_node *n;
	char **name;
};

static int
netname_txn(struct store_txn *t, void *arg)
{
	struct netname_ctx *c = arg;
	uint8_t *pt = NULL;
	size_t len = 0;
	MDB_val v;
	int rc;

	rc = store_get(t, DBI_META, "net", 3, &v);
	if (rc != 0)
		return rc == DG_ENOTFOUND ? DG_ESTATE : rc;
	if (v.mv_size < 32)
		return DG_ECORRUPT;
	if (v.mv_size < 64)
		return DG_ECORRUPT;
	rc = store_open_value(c->n, "net", "", 0,
	    (const uint8_t *)v.mv_data + 64, v.mv_size - 64, &pt, &len);
	if (rc != 0)
		return rc;
	*c->name = (char *)pt;
	return 0;
}

int
store_node_network(struct store_node *n, uint8_t net[32], char **name)
{
	struct netname_ctx c = { n, name };

	if (!n->has_net)
		return DG_ESTATE;
	memcpy(net, n->net, 32);
	if (name == NULL)
		return 0;
	*name = NULL;
	return store_db_read(n->db, netname_txn, &c);
}

static int
refresh_txn(struct store_txn *t, void *arg)
{
	return load_net(arg, t);
}

int
store_node_refresh(struct store_node *n)
{
	return store_db_read(n->db, refresh_txn, n);
}

void
store_node_sk(const struct store_node *n, uint8_t sk[64])
{
	memcpy(sk, NODE_SK(n), 64);
}
