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
	DBI_HEADS,   /* author         -> seq || entry hash || hlc */
	DBI_KEYRING, /* epoch || creator -> sealed content key || network key */
	DBI_VIEWS,   /* record id      -> row (8, big-endian) */
	DBI_DROPPED, /* author || seq  -> sealed record id of a dropped body */
	DBI_MINDEX,  /* author || seq  -> kind: the membership entries */
	DBI_LOCAL,   /* name || id     -> sealed local state: invite secrets,
		      * join requests waiting, this node's own pending join */
	DBI_FORKS,   /* author || seq  -> the two conflicting signed headers */
	DBI_ROWS,    /* row (8, big-endian) -> sealed merge state of a record */
	DBI_COUNT,
};

struct store_txn {
	MDB_txn *txn;
	struct store_db *db;
	uint64_t next_row; /* the next new row of DBI_ROWS; 0: not looked up */
	/* write transactions: one cursor per database for its puts, opened
	 * on the first; closed before the commit or abort */
	MDB_cursor *cur[DBI_COUNT];
};

struct store_db {
	MDB_env *env;   /* NULL after a failed reopen: opened again on use */
	MDB_dbi dbi[DBI_COUNT];
	char *dir;
	int lockfd; /* shared flock on dir/lock; exclusive to compact */
	size_t map;     /* the map size when env was closed */
	store_progress_fn progress; /* store_db_progress; NULL: none */
	void *progress_ctx;
	size_t first;   /* the initial map size asked for */
};

#define STORE_EPOCHS_MAX 256 /* key epochs a node can hold */

/* One epoch's keys: made by creator (a coordinator), delivered in keys
 * entries.  Two coordinators rotating at once can make two keys with
 * the same epoch number; both are kept and tried. */
struct store_epoch {
	uint32_t epoch;
	uint8_t creator[32];
};

struct store_members;

struct store_node {
	struct store_db *db;
	uint8_t *secret; /* sodium_malloc: storage key (32) || sk (64) ||
			  * row index key (32, NODE_IKEY) */
	uint8_t pk[32];
	int has_net;
	uint8_t net[32];
	uint8_t founder[32];
	/* every key held: ids here, secrets (content key || network key,
	 * 64 bytes each) in sodium_malloc memory at the same index */
	struct store_epoch keys[STORE_EPOCHS_MAX];
	uint8_t *keysec;
	size_t nkeys;
	size_t cur; /* index of the newest key, used for writing */
	/* The members as the last ingest transaction that committed left
	 * them: good for the write transaction that follows it (its LMDB
	 * id is mcache_txn: no other write came between, from this process
	 * or another) while the node holds the same keys.  Owned, or NULL. */
	struct store_members *mcache;
	size_t mcache_txn, mcache_nkeys;
};

#define NODE_SKEY(n) ((n)->secret)
#define NODE_SK(n) ((n)->secret + 32)
/* masks the row numbers in DBI_VIEWS; derived from the storage key */
#define NODE_IKEY(n) ((n)->secret + 96)

/* Seals/opens a value kept at rest under the storage key; the
 * associated data is the label and key it is stored under. */
int store_seal(struct store_node *n, const char *label, const void *key,
    size_t klen, const uint8_t *pt, size_t len, uint8_t **out,
    size_t *outlen);
int store_open_value(struct store_node *n, const char *label,
    const void *key, size_t klen, const uint8_t *box, size_t len,
    uint8_t **out, size_t *outlen);

/* Builds, seals, signs and stores one entry of this node's log in t,
 * indexes it and applies it to the views.  *hlc is the clock, advanced
 * (the caller reads it with store_hlc_get and writes it back with
 * store_hlc_put). */
int store_append_one(struct store_node *n, struct store_txn *t,
    const struct core_body *b, uint64_t *hlc);
int store_hlc_get(struct store_txn *t, uint64_t *hlc);
int store_hlc_put(struct store_txn *t, uint64_t hlc);

/* Writes meta "net": network id || founder || the sealed network name
 * (n->net and n->founder must be set). */
int store_net_put(struct store_node *n, struct store_txn *t,
    const char *name);

/* Seals an epoch's keys (content || network, 64 bytes) to member pk. */
int store_seal_to(const uint8_t pk[32], const uint8_t secret[64],
    struct core_sealed *to);

struct core_members;
struct store_members;
struct store_invite;
struct store_request;

/* store/member.c helpers that run inside a caller's transaction. */
int store_members_in(struct store_node *n, struct store_txn *t,
    struct store_members *out);
int store_invite_in(struct store_node *n, struct store_txn *t,
    const uint8_t id[32], uint64_t now, struct store_invite *out);
int store_node_admit_in(struct store_node *n, struct store_txn *t,
    const uint8_t pk[32], uint8_t role, const char *name,
    const uint8_t *invite);
int store_request_put(struct store_node *n, struct store_txn *t,
    const struct store_request *r);

/* Drops the views and rebuilds them from the logs in t, leaving out
 * what members wrote past their revocation. */
int store_reindex_in(struct store_node *n, struct store_txn *t);

/* Tells the db's progress function (store_db_progress), if any, that
 * done of total items are done; total 0: unknown. */
void store_progress_note(struct store_txn *t, uint64_t done, uint64_t total);

/* The number of entries stored (0 when it cannot be read). */
uint64_t store_entry_count(struct store_txn *t);

/* After an import, on an active coordinator's node: if the newest key
 * was delivered to a member since revoked (two rotations at once), start
 * a new epoch for the active members; else deliver it to active members
 * who never received it (admitted while another coordinator rotated). */
int store_keys_heal_in(struct store_node *n, struct store_txn *t);

/* Chooses the key to write with: the newest whose creator is an active
 * coordinator in m (any, when m is NULL). */
void store_keys_choose(struct store_node *n, const struct core_members *m);

/* Reads every key of the keyring into n (at open and after a change). */
int store_keys_load(struct store_node *n, struct store_txn *t);

/* Adds an epoch's keys (content key || network key) to the keyring and
 * to n.  Returns 0 (also when already held), DG_ELIMIT (the node holds
 * STORE_EPOCHS_MAX keys) or a store error. */
int store_keys_add(struct store_node *n, struct store_txn *t,
    uint32_t epoch, const uint8_t creator[32], const uint8_t secret[64]);

/* Decrypts the body of a stored entry into out (body_len - overhead
 * bytes), trying each key held for its epoch.  Returns 0, DG_ENOTFOUND
 * (no key for that epoch: not readable here) or DG_ECRYPTO. */
int store_body_open(struct store_node *n, const struct store_entry *e,
    uint8_t *out);

/* Indexes a stored membership entry (genesis, keys, admit, revoke,
 * invite, uninvite) in DBI_MINDEX; other kinds need nothing. */
int store_index_entry(struct store_txn *t, const struct store_entry *e);

/* Decrypts and decodes the body of a stored entry into b (zeroed first;
 * core_body_fini it).  Returns 0, DG_ENOTFOUND (dropped, or no key for
 * its epoch), DG_ECRYPTO or a decoding error. */
int store_read_body(struct store_node *n, const struct store_entry *e,
    struct core_body *b);

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
/* store_put of a key greater than every key of dbi (LMDB's MDB_APPEND:
 * the page is filled, not split). */
int store_put_last(struct store_txn *t, enum store_dbi dbi,
    const void *key, size_t klen, const void *val, size_t vlen);
/* store_put of a key dbi does not hold yet: DG_EEXIST if it does, and
 * nothing is written. */
int store_put_new(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen, const void *val, size_t vlen);
/* store_put_new that, when key is held, gives its value in *old
 * (borrowed as store_get's) with DG_EEXIST: a lookup and an insert in
 * one search. */
int store_put_or_get(struct store_txn *t, enum store_dbi dbi,
    const void *key, size_t klen, const void *val, size_t vlen,
    MDB_val *old);
/* The last key of dbi into key[0..klen): 0, DG_ENOTFOUND (empty) or
 * DG_ECORRUPT (a key of another length). */
int store_last_key(struct store_txn *t, enum store_dbi dbi, void *key,
    size_t klen);
int store_del(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen);

/* Called for each key/value of a walk; borrowed until it returns.  A
 * non-zero return stops the walk and is returned. */
typedef int (*store_walk_fn)(void *ctx, const MDB_val *k, const MDB_val *v);

/* Walks dbi in key order from the first key >= start (slen bytes; 0:
 * from the first key) while keys begin with the first plen bytes of
 * start.  Returns 0, what fn returned, or a store error. */
int store_walk(struct store_txn *t, enum store_dbi dbi, const void *start,
    size_t slen, size_t plen, store_walk_fn fn, void *ctx);

/* Counts the keys of dbi that begin with the plen bytes of prefix and
 * are klen bytes long (klen 0: any length), for the bounds on lists kept
 * in the store.  Returns 0 or a store error. */
int store_count(struct store_txn *t, enum store_dbi dbi, const void *prefix,
    size_t plen, size_t klen, size_t *count);

/* Big-endian helpers for keys that sort in numeric order. */
void store_be64(uint8_t out[8], uint64_t v);
uint64_t store_get_be64(const uint8_t in[8]);

#endif
