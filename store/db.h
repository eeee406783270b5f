/* store/db.h - the node's LMDB environment.
 *
 * One environment per node in a directory (mode 0700; files 0600) with
 * the named databases described in doc/storage.md.  Every write runs in
 * one transaction that is durable when store_db_write returns 0; when the
 * map is full the transaction is aborted, the map doubled and the work
 * run again, so an append is never lost to MDB_MAP_FULL.  A full disk
 * fails the transaction as a whole (DG_ENOSPC) and leaves the store as
 * it was.
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define STORE_VERSION 2 /* layout version kept in meta "version" */

struct store_db;
struct store_txn;

/* Work to run inside a transaction.  It may be run more than once (after
 * the map grew), so it must not change anything outside the store until
 * the transaction has committed.  Returns 0 or a DG_E* code, which aborts
 * the transaction. */
typedef int (*store_txn_fn)(struct store_txn *txn, void *ctx);

/* Opens (create: creating) the environment in dir.  map_size is the
 * initial map size in bytes (0: default 16 MiB); the map grows when full.
 * Returns 0, DG_ENOTFOUND (no store and create is 0), DG_EVERSION (made by
 * a newer dugnad), DG_ECORRUPT, DG_EIO or DG_ENOMEM.  *out is owned (free
 * with store_db_close). */
int store_db_open(const char *dir, int create, size_t map_size,
    struct store_db **out) DG_WUR;

/* Closes the environment; accepts NULL. */
void store_db_close(struct store_db *db);

/* Runs fn in a write transaction and commits it durably.  Retries fn
 * after growing the map on MDB_MAP_FULL.  Returns fn's code, DG_ENOSPC,
 * DG_EIO or DG_ECORRUPT. */
int store_db_write(struct store_db *db, store_txn_fn fn, void *ctx) DG_WUR;

/* Runs fn in a read-only transaction. */
int store_db_read(struct store_db *db, store_txn_fn fn, void *ctx) DG_WUR;

/* Writes a compacted copy of the environment (free pages left out, so
 * deleted values are gone from the file), puts it in place of the old
 * data file and reopens the environment on it.  Needs the store alone:
 * returns DG_EBUSY while another process has it open.  Returns 0,
 * DG_EBUSY, DG_EIO or DG_ENOSPC; when reopening fails after the switch,
 * the next transaction tries again. */
int store_db_compact(struct store_db *db) DG_WUR;

/* Progress of a long walk over every entry: done of total entries so
 * far.  Called from inside a transaction; it must not use the store. */
typedef void (*store_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* Sets (fn NULL: clears) the function that walks over every stored
 * entry (store_log_each without an author: verify, reindex) call every
 * STORE_PROGRESS_STEP entries and once at the end.  ctx is borrowed
 * until it is cleared or db closed. */
#define STORE_PROGRESS_STEP 1024
void store_db_progress(struct store_db *db, store_progress_fn fn, void *ctx);

/* The id of the node's network (readable without the passphrase: it is
 * in every entry header).  Returns 0 or DG_ENOTFOUND. */
int store_db_net(struct store_db *db, uint8_t net[32]) DG_WUR;

/* Gives back the memory an idle process no longer needs: LMDB's cache of
 * written pages and this process's mapping of the file (by closing and
 * reopening the environment) and free heap (glibc's malloc_trim).  Only
 * between transactions.  Returns 0 or the error of the reopen (the next
 * transaction tries again). */
int store_db_release(struct store_db *db);

/* Current map size in bytes. */
size_t store_db_map_size(struct store_db *db);

/* The directory of the store (borrowed). */
const char *store_db_dir(const struct store_db *db);

#endif
