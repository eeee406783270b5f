/* store/internal.h - shared by the files of store/ only.  Nothing outside
 * store/ includes <lmdb.h>. */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <lmdb.h>

#include "core/body.h"
#include "store/db.h"
#include "store/log.h"

enum store_dbi {
	DBI_META,    /* "version", "kdf", "skey", "ident", "net", "hlc" */
	DBI_ENTRIES, /* author || seq  -> header length, header, signature */
	DBI_BODIES,  /* author || seq  -> body (absent once dropped) */
	DBI_HEADS,   /* author         -> seq || entry hash */
	DBI_KEYRING, /* epoch          -> sealed content key */
	DBI_VIEWS,   /* record id      -> sealed merge state */
	DBI_DROPPED, /* author || seq  -> sealed record id of a dropped body */
	DBI_COUNT,
};

struct store_txn {
	MDB_txn *txn;
	struct store_db *db;
};

struct store_db {
	MDB_env *env;
	MDB_dbi dbi[DBI_COUNT];
	char *dir;
	int lockfd; /* shared flock on dir/lock; exclusive to compact */
};

#define STORE_EPOCHS_MAX 64 /* content keys cached in memory */

struct store_node {
	struct store_db *db;
	uint8_t *secret; /* sodium_malloc: storage key (32) || sk (64) */
	uint8_t pk[32];
	int has_net;
	uint8_t net[32];
	uint32_t epoch; /* latest content key epoch */
	/* content keys by epoch, loaded on first use */
	uint32_t ck_epoch[STORE_EPOCHS_MAX];
	uint8_t *ck; /* sodium_malloc: STORE_EPOCHS_MAX * 32 */
	size_t nck;
};

#define NODE_SKEY(n) ((n)->secret)
#define NODE_SK(n) ((n)->secret + 32)

/* Seals/opens a value kept at rest under the storage key; the
 * associated data is the label and key it is stored under. */
int store_seal(struct store_node *n, const char *label, const void *key,
    size_t klen, const uint8_t *pt, size_t len, uint8_t **out,
    size_t *outlen);
int store_open_value(struct store_node *n, const char *label,
    const void *key, size_t klen, const uint8_t *box, size_t len,
    uint8_t **out, size_t *outlen);

/* Content key of an epoch (borrowed until close).  Returns 0,
 * DG_ENOTFOUND or DG_ECRYPTO. */
int store_content_key(struct store_node *n, struct store_txn *t,
    uint32_t epoch, const uint8_t **key);

/* Applies a stored entry with its decoded body (NULL when dropped) to
 * the views; drops bodies when the record is erased. */
int store_view_apply(struct store_node *n, struct store_txn *t,
    const struct store_entry *e, const struct core_body *b);

/* Translates an LMDB or errno code to a DG_E* code. */
int store_err(int rc);

/* Gets key from dbi; *val is borrowed until the transaction ends or the
 * next write.  Returns 0, DG_ENOTFOUND or another DG_E* code. */
int store_get(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen, MDB_val *val);
/* Puts key -> val in dbi. */
int store_put(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen, const void *val, size_t vlen);
/* Deletes key from dbi (DG_ENOTFOUND when absent). */
int store_del(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen);

/* Big-endian helpers for keys that sort in numeric order. */
void store_be64(uint8_t out[8], uint64_t v);
uint64_t store_get_be64(const uint8_t in[8]);

#endif
