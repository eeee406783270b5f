#include "store/peers.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "store/internal.h"

/* DBI_LOCAL "a" || 16-byte keyed BLAKE2b of the canonical address text
 * (key: the storage key; personal: PERSONAL) -> sealed value:
 *
 *   1 byte   format version (1)
 *   8 bytes  time added
 *   8 bytes  time of the last successful sync (0: never)
 *   8 bytes  time of the last failure (0: never)
 *   4 bytes  failures since the last success
 *   32 bytes node id met there at the last success (zeros: none)
 *   the rest the canonical address text, 1 to CORE_ADDR_TEXT_MAX bytes
 *
 * Numbers big-endian.  The hash keeps the addresses out of the keys, and
 * a key per address makes "already known" one lookup. */
#define KEY_LEN 17
#define HASH_LEN 16
#define VAL_FIXED (1 + 8 + 8 + 8 + 4 + 32)
#define VAL_VERSION 1
#define PERSONAL "dugnad peer addr" /* 16 bytes: BLAKE2b's personal */

static int
canon_addr(const char *addr, char text[CORE_ADDR_TEXT_MAX + 1])
{
	char host[CORE_ADDR_HOST_MAX + 1];
	uint16_t port;
	int rc;

	rc = core_addr_parse(addr, host, &port);
	if (rc != 0)
		return rc;
	core_addr_format(host, port, text, CORE_ADDR_TEXT_MAX + 1);
	return 0;
}

static void
peer_key(struct store_node *n, const char *text, uint8_t key[KEY_LEN])
{
	key[0] = 'a';
	crypto_generichash_blake2b_salt_personal(key + 1, HASH_LEN,
	    (const unsigned char *)text, strlen(text), NODE_SKEY(n), 32, NULL,
	    (const unsigned char *)PERSONAL);
}

static void
be32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t in[4])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 |
	    (uint32_t)in[2] << 8 | (uint32_t)in[3];
}

static bool
all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

/* The one parser of a stored value: sizes, version, and an address text
 * that is canonical. */
static int
parse_value(const uint8_t *p, size_t len, struct store_peer *out)
{
	char check[CORE_ADDR_TEXT_MAX + 1];
	size_t tlen;

	if (len <= VAL_FIXED || len > VAL_FIXED + CORE_ADDR_TEXT_MAX ||
	    p[0] != VAL_VERSION)
		return DG_ECORRUPT;
	memset(out, 0, sizeof *out);
	out->added = store_get_be64(p + 1);
	out->last_sync = store_get_be64(p + 9);
	out->last_fail = store_get_be64(p + 17);
	out->fails = get_be32(p + 25);
	memcpy(out->node, p + 29, 32);
	out->has_node = !all_zero(out->node, 32);
	tlen = len - VAL_FIXED;
	if (memchr(p + VAL_FIXED, '\0', tlen) != NULL)
		return DG_ECORRUPT;
	memcpy(out->addr, p + VAL_FIXED, tlen);
	out->addr[tlen] = '\0';
	if (canon_addr(out->addr, check) != 0 || strcmp(check, out->addr) != 0)
		return DG_ECORRUPT;
	return 0;
}

static int
put_value(struct store_node *n, struct store_txn *t, const uint8_t *key,
    const struct store_peer *p)
{
	uint8_t val[VAL_FIXED + CORE_ADDR_TEXT_MAX], *box = NULL;
	size_t tlen = strlen(p->addr), blen;
	int rc;

	val[0] = VAL_VERSION;
	store_be64(val + 1, p->added);
	store_be64(val + 9, p->last_sync);
	store_be64(val + 17, p->last_fail);
	be32(val + 25, p->fails);
	if (p->has_node)
		memcpy(val + 29, p->node, 32);
	else
		memset(val + 29, 0, 32);
	memcpy(val + VAL_FIXED, p->addr, tlen);
	rc = store_seal(n, "local", key, KEY_LEN, val, VAL_FIXED + tlen, &box,
	    &blen);
	if (rc == 0)
		rc = store_put(t, DBI_LOCAL, key, KEY_LEN, box, blen);
	free(box);
	sodium_memzero(val, sizeof val);
	return rc;
}

static int
open_value(struct store_node *n, const MDB_val *k, const MDB_val *v,
    struct store_peer *out)
{
	uint8_t *pt = NULL;
	size_t len = 0;
	int rc;

	rc = store_open_value(n, "local", k->mv_data, k->mv_size, v->mv_data,
	    v->mv_size, &pt, &len);
	if (rc != 0)
		return rc;
	rc = parse_value(pt, len, out);
	sodium_memzero(pt, len);
	free(pt);
	return rc;
}

static uint64_t
now_s(void)
{
	time_t t = time(NULL);

	return t > 0 ? (uint64_t)t : 0;
}

/* --- add, remove, result ------------------------------------------- */

struct one_ctx {
	struct store_node *n;
	uint8_t key[KEY_LEN];
	char text[CORE_ADDR_TEXT_MAX + 1];
	const uint8_t *node;
	bool ok;
	uint64_t now;
};

static int
add_txn(struct store_txn *t, void *arg)
{
	struct one_ctx *c = arg;
	struct store_peer p;
	MDB_val v;
	size_t count;
	int rc;

	rc = store_get(t, DBI_LOCAL, c->key, KEY_LEN, &v);
	if (rc == 0)
		return DG_EEXIST;
	if (rc != DG_ENOTFOUND)
		return rc;
	rc = store_count(t, DBI_LOCAL, "a", 1, KEY_LEN, &count);
	if (rc != 0)
		return rc;
	if (count >= STORE_PEERS_MAX)
		return DG_ELIMIT;
	memset(&p, 0, sizeof p);
	memcpy(p.addr, c->text, sizeof p.addr);
	p.added = c->now;
	return put_value(c->n, t, c->key, &p);
}

int
store_node_peer_add(struct store_node *n, const char *addr)
{
	struct one_ctx c;
	int rc;

	memset(&c, 0, sizeof c);
	rc = canon_addr(addr, c.text);
	if (rc != 0)
		return rc;
	c.n = n;
	c.now = now_s();
	peer_key(n, c.text, c.key);
	return store_db_write(n->db, add_txn, &c);
}

static int
remove_txn(struct store_txn *t, void *arg)
{
	struct one_ctx *c = arg;

	return store_del(t, DBI_LOCAL, c->key, KEY_LEN);
}

int
store_node_peer_remove(struct store_node *n, const char *addr)
{
	struct one_ctx c;
	int rc;

	memset(&c, 0, sizeof c);
	rc = canon_addr(addr, c.text);
	if (rc != 0)
		return rc;
	c.n = n;
	peer_key(n, c.text, c.key);
	return store_db_write(n->db, remove_txn, &c);
}

static int
result_txn(struct store_txn *t, void *arg)
{
	struct one_ctx *c = arg;
	struct store_peer p;
	MDB_val k, v;
	int rc;

	rc = store_get(t, DBI_LOCAL, c->key, KEY_LEN, &v);
	if (rc != 0)
		return rc;
	k.mv_data = c->key;
	k.mv_size = KEY_LEN;
	rc = open_value(c->n, &k, &v, &p);
	if (rc != 0)
		return rc;
	if (c->ok) {
		p.last_sync = c->now;
		p.fails = 0;
		if (c->node != NULL) {
			memcpy(p.node, c->node, 32);
			p.has_node = !all_zero(p.node, 32);
		}
	} else {
		if (p.fails < UINT32_MAX)
			p.fails++;
		p.last_fail = c->now;
	}
	return put_value(c->n, t, c->key, &p);
}

int
store_node_peer_result(struct store_node *n, const char *addr,
    const uint8_t *node, bool ok, uint64_t now)
{
	struct one_ctx c;
	int rc;

	memset(&c, 0, sizeof c);
	rc = canon_addr(addr, c.text);
	if (rc != 0)
		return rc;
	c.n = n;
	c.node = node;
	c.ok = ok;
	c.now = now;
	peer_key(n, c.text, c.key);
	return store_db_write(n->db, result_txn, &c);
}

/* --- the whole book ------------------------------------------------ */

struct list_ctx {
	struct store_node *n;
	struct store_peer *p;
	size_t count, cap;
};

static int
collect_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct list_ctx *c = arg;
	struct store_peer *g;
	size_t cap;

	if (k->mv_size != KEY_LEN)
		return 0; /* not an address: another "a..." name */
	if (c->count == c->cap) {
		cap = c->cap ? c->cap * 2 : 16;
		g = realloc(c->p, cap * sizeof *g);
		if (g == NULL)
			return DG_ENOMEM;
		c->p = g;
		c->cap = cap;
	}
	return open_value(c->n, k, v, &c->p[c->count++]);
}

static int
collect_txn(struct store_txn *t, void *arg)
{
	struct list_ctx *c = arg;

	c->count = 0;
	return store_walk(t, DBI_LOCAL, "a", 1, 1, collect_one, c);
}

static int
by_addr(const void *a, const void *b)
{
	return strcmp(((const struct store_peer *)a)->addr,
	    ((const struct store_peer *)b)->addr);
}

int
store_node_peers(struct store_node *n, store_peer_fn fn, void *ctx)
{
	struct list_ctx c = { n, NULL, 0, 0 };
	size_t i;
	int rc;

	rc = store_db_read(n->db, collect_txn, &c);
	if (rc != 0)
		goto cleanup;
	if (c.count > 1)
		qsort(c.p, c.count, sizeof *c.p, by_addr);
	for (i = 0; i < c.count; i++) {
		rc = fn(ctx, &c.p[i]);
		if (rc != 0)
			break;
	}
cleanup:
	if (c.p != NULL) {
		sodium_memzero(c.p, c.cap * sizeof *c.p);
		free(c.p);
	}
	return rc;
}
