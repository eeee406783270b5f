/* store/log.h - the append-only logs: entries, bodies and heads.
 *
 * Each author's entries are kept under (author, seq).  An entry is only
 * stored as the next one of its author's chain: its sequence number is
 * one more than the head's and its prev field is the head's hash.  Bodies
 * are kept apart, so that erasure can drop one while the header (and so
 * the chain) stays.
 */
#ifndef STORE_LOG_H
#define STORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/entry.h"
#include "core/err.h"
#include "store/db.h"

struct store_entry {
	struct core_hdr hdr;
	uint8_t raw[CORE_HDR_MAX]; /* the header bytes */
	size_t raw_len;
	uint8_t sig[CORE_SIG_LEN];
	uint8_t hash[CORE_KEY_LEN];
	const uint8_t *body; /* borrowed from the transaction; NULL if dropped */
	size_t body_len;
};

/* Flags for store_log_put. */
#define STORE_LOG_SIGNED 1 /* the caller checked the signature already */

/* Appends an entry (header bytes, signature, body or NULL when the body
 * is withheld) after checking it: the header decodes, the signature
 * verifies (unless STORE_LOG_SIGNED), it extends its author's chain, and
 * the body matches body_hash and body_len.  On success e (may be NULL)
 * receives the decoded entry.  Returns 0, DG_EEXIST (this very entry is
 * already stored), DG_EFORK (another entry holds that place), DG_ECHAIN
 * (gap, wrong prev or body mismatch), DG_ESIG, DG_EDECODE, DG_ELIMIT or a
 * store error. */
int store_log_put(struct store_txn *t, const uint8_t *hdr, size_t hlen,
    const uint8_t sig[CORE_SIG_LEN], const uint8_t *body, size_t blen,
    unsigned flags, struct store_entry *e) DG_WUR;

/* A run of one author's entries stored in one transaction: the
 * author's head is kept here between them and written once, by
 * store_log_run_end, instead of after each entry.  Caller's storage. */
struct store_log_run {
	uint8_t author[CORE_KEY_LEN];
	uint64_t seq; /* the head so far (0: none) */
	uint8_t hash[CORE_KEY_LEN];
	uint64_t hlc;
	bool loaded; /* seq, hash and hlc read from the store */
	bool dirty;  /* to be written */
};

/* store_log_put for a caller that decoded hdr into h, hashed it
 * (core_entry_hash) and checked the signature: the place, the chain
 * and the body are still checked.  run (NULL, or author's run begun
 * with store_log_run_init) defers the head; the caller must then call
 * store_log_run_end before the transaction reads the head or commits.
 * Same returns, and DG_EINVAL for an entry not by the run's author. */
int store_log_put_decoded(struct store_txn *t, const uint8_t *hdr,
    size_t hlen, const struct core_hdr *h, const uint8_t hash[CORE_KEY_LEN],
    const uint8_t sig[CORE_SIG_LEN], const uint8_t *body, size_t blen,
    struct store_log_run *run, struct store_entry *e) DG_WUR;

/* Begins a run of author's entries (nothing read yet). */
void store_log_run_init(struct store_log_run *run,
    const uint8_t author[CORE_KEY_LEN]);
/* Writes the run's head if an entry moved it.  Returns 0 or a store
 * error. */
int store_log_run_end(struct store_txn *t, struct store_log_run *run)
    DG_WUR;

/* Head of an author's log.  Returns 0 or DG_ENOTFOUND. */
int store_log_head(struct store_txn *t, const uint8_t author[CORE_KEY_LEN],
    uint64_t *seq, uint8_t hash[CORE_KEY_LEN]) DG_WUR;

/* Reads entry (author, seq).  Returns 0, DG_ENOTFOUND or DG_ECORRUPT. */
int store_log_get(struct store_txn *t, const uint8_t author[CORE_KEY_LEN],
    uint64_t seq, struct store_entry *e) DG_WUR;

/* Drops the body of (author, seq), keeping its header.  Returns 0 (also
 * when it was already gone) or a store error. */
int store_log_drop_body(struct store_txn *t,
    const uint8_t author[CORE_KEY_LEN], uint64_t seq) DG_WUR;

/* Called for each entry in (author, seq) order; a non-zero return stops
 * the walk and is returned.  Entries that do not decode are passed with
 * e->raw_len == 0 and the error in rc. */
typedef int (*store_log_fn)(void *ctx, const struct store_entry *e, int rc);

/* Walks every stored entry (author NULL) or one author's. */
int store_log_each(struct store_txn *t, const uint8_t *author,
    store_log_fn fn, void *ctx) DG_WUR;

/* Called for each author with its head. */
typedef int (*store_head_fn)(void *ctx, const uint8_t author[CORE_KEY_LEN],
    uint64_t seq, const uint8_t hash[CORE_KEY_LEN]);

/* Walks every author's head in author order. */
int store_log_heads(struct store_txn *t, store_head_fn fn, void *ctx)
    DG_WUR;

/* One problem found by store_log_verify. */
struct store_problem {
	uint8_t author[CORE_KEY_LEN];
	uint64_t seq;
	int code;         /* DG_ESIG, DG_ECHAIN, DG_EDECODE, DG_ECORRUPT */
	const char *what; /* static English text */
};

typedef int (*store_problem_fn)(void *ctx, const struct store_problem *p);

/* Re-checks every stored entry: header decoding, signature, network id
 * (when net is not NULL), hash chain, body hash of present bodies, and
 * that heads match the last entries.  Calls fn for each problem and
 * stores the counts of entries checked and problems found. */
int store_log_verify(struct store_txn *t, const uint8_t *net,
    store_problem_fn fn, void *ctx, uint64_t *checked, uint64_t *problems)
    DG_WUR;

/* store_log_each over every entry in a read transaction of its own. */
int store_log_walk(struct store_db *db, store_log_fn fn, void *ctx) DG_WUR;

/* store_log_verify in a read transaction of its own. */
int store_log_check(struct store_db *db, const uint8_t *net,
    store_problem_fn fn, void *ctx, uint64_t *checked, uint64_t *problems)
    DG_WUR;

#endif
