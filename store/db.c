#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "store/internal.h"

#define DEFAULT_MAP ((size_t)16 << 20)
#define MAX_MAP ((size_t)1 << 40)

static const char *const dbi_names[DBI_COUNT] = {
	"meta", "entries", "bodies", "heads", "keyring", "views", "dropped",
	"mindex", "local", "forks", "rows",
};

int
store_err(int rc)
{
	switch (rc) {
	case 0: return 0;
	case MDB_NOTFOUND: return DG_ENOTFOUND;
	case MDB_MAP_FULL: return DG_EMAPFULL;
	case ENOSPC: return DG_ENOSPC;
	case EDQUOT: return DG_ENOSPC;
	case ENOMEM: return DG_ENOMEM;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_BAD_TXN:
		return DG_ECORRUPT;
	case MDB_VERSION_MISMATCH: return DG_EVERSION;
	case EACCES:
	case EPERM:
		return DG_EPERM;
	case ENOENT: return DG_ENOTFOUND;
	case EAGAIN:
	case EBUSY:
		return DG_EBUSY;
	}
	return DG_EIO;
}

void
store_be64(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t
store_get_be64(const uint8_t in[8])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | in[i];
	return v;
}

int
store_get(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen, MDB_val *val)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };

	return store_err(mdb_get(t->txn, t->db->dbi[dbi], &k, val));
}

/* A raw LMDB or system code from a write (mdb_put, mdb_del, commit).
 * LMDB turns a short write (the file system filled up part-way through a
 * page flush) into EIO, not ENOSPC: an EIO while the store's file system
 * has less than 1 MiB left is taken for a full disk, so the user is told
 * to free space, not that the disk may be failing. */
static int
write_err(const struct store_db *db, int rc)
{
	struct statvfs fs;
	mdb_filehandle_t fd;

	if (rc == EIO && mdb_env_get_fd(db->env, &fd) == 0 &&
	    fstatvfs(fd, &fs) == 0 &&
	    (uint64_t)fs.f_bavail * fs.f_frsize < (1u << 20))
		return DG_ENOSPC;
	return store_err(rc);
}

/* Puts through the transaction's cursor on dbi: LMDB starts the search
 * for the key's place from the cursor's page when the key falls within
 * it, and a log's entries and bodies are put in key order, one after
 * the other, so most puts skip the descent from the root (mdb_put
 * makes a fresh cursor each time).  Same result as mdb_put. */
static int
put_raw(struct store_txn *t, enum store_dbi dbi, MDB_val *k, MDB_val *v,
    unsigned flags)
{
	if (t->cur[dbi] == NULL &&
	    mdb_cursor_open(t->txn, t->db->dbi[dbi], &t->cur[dbi]) != 0) {
		t->cur[dbi] = NULL;
		return mdb_put(t->txn, t->db->dbi[dbi], k, v, flags);
	}
	return mdb_cursor_put(t->cur[dbi], k, v, flags);
}

static void
close_cursors(struct store_txn *t)
{
	size_t i;

	for (i = 0; i < DBI_COUNT; i++) {
		if (t->cur[i] != NULL)
			mdb_cursor_close(t->cur[i]);
		t->cur[i] = NULL;
	}
}

int
store_put(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen, const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };
	MDB_val v = { vlen, (void *)(uintptr_t)val };
	int rc = put_raw(t, dbi, &k, &v, 0);

	/* DG_EMAPFULL must reach store_db_write: it grows the map and runs
	 * the transaction again.  A full disk (ENOSPC while LMDB spills
	 * pages) is DG_ENOSPC and is not retried. */
	return write_err(t->db, rc);
}

static int
put_flags(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen, const void *val, size_t vlen, unsigned flags)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };
	MDB_val v = { vlen, (void *)(uintptr_t)val };
	int rc = put_raw(t, dbi, &k, &v, flags);

	return rc == MDB_KEYEXIST ? DG_EEXIST : write_err(t->db, rc);
}

int
store_put_last(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen, const void *val, size_t vlen)
{
	return put_flags(t, dbi, key, klen, val, vlen, MDB_APPEND);
}

int
store_put_new(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen, const void *val, size_t vlen)
{
	return put_flags(t, dbi, key, klen, val, vlen, MDB_NOOVERWRITE);
}

int
store_put_or_get(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen, const void *val, size_t vlen, MDB_val *old)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };
	MDB_val v = { vlen, (void *)(uintptr_t)val };
	int rc = put_raw(t, dbi, &k, &v, MDB_NOOVERWRITE);

	if (rc == MDB_KEYEXIST) {
		*old = v; /* LMDB points it at the value held */
		return DG_EEXIST;
	}
	return write_err(t->db, rc);
}

int
store_last_key(struct store_txn *t, enum store_dbi dbi, void *key,
    size_t klen)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(t->txn, t->db->dbi[dbi], &c);
	if (rc != 0)
		return store_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	mdb_cursor_close(c);
	if (rc != 0)
		return store_err(rc);
	if (k.mv_size != klen)
		return DG_ECORRUPT;
	memcpy(key, k.mv_data, klen);
	return 0;
}

int
store_del(struct store_txn *t, enum store_dbi dbi, const void *key,
    size_t klen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };

	return write_err(t->db, mdb_del(t->txn, t->db->dbi[dbi], &k, NULL));
}

/* Brings an older layout to STORE_VERSION in the opening transaction.
 * Version 1 kept each record's sealed state under its random id, so
 * every transaction wrote pages all over the table; version 2 keeps the
 * states in rows numbered in the order records appear, and the id only
 * points at its row.  The states are sealed under the storage key, which
 * is not known here: the old table is emptied and meta "reindex" asks
 * the next unlock to rebuild the views from the log (store/node.c). */
static int
migrate(MDB_txn *txn, struct store_db *db, uint64_t from)
{
	MDB_val k = { 7, (void *)"version" }, v, fk = { 7, (void *)"reindex" };
	uint8_t ver[8], one = 1;
	int rc;

	if (from == 1) {
		rc = mdb_drop(txn, db->dbi[DBI_VIEWS], 0);
		if (rc != 0)
			return rc;
		v.mv_size = 1;
		v.mv_data = &one;
		rc = mdb_put(txn, db->dbi[DBI_META], &fk, &v, 0);
		if (rc != 0)
			return rc;
	}
	store_be64(ver, STORE_VERSION);
	v.mv_size = sizeof ver;
	v.mv_data = ver;
	return mdb_put(txn, db->dbi[DBI_META], &k, &v, 0);
}

/* The common open of a store already at this layout: the databases are
 * opened in a read-only transaction, so opening never waits for another
 * process's write (a daemon reopening its store when idle must not
 * block).  Returns 0, or 1 when the full open (open_dbis) must run: a
 * database missing, or a version other than this program's. */
static int
open_dbis_ro(struct store_db *db)
{
	MDB_txn *txn;
	MDB_val k = { 7, (void *)"version" }, v;
	int rc, i;

	if (mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn) != 0)
		return 1;
	for (i = 0; i < DBI_COUNT; i++) {
		if (mdb_dbi_open(txn, dbi_names[i], 0, &db->dbi[i]) != 0) {
			mdb_txn_abort(txn);
			return 1;
		}
	}
	rc = mdb_get(txn, db->dbi[DBI_META], &k, &v);
	if (rc != 0 || v.mv_size != 8 ||
	    store_get_be64(v.mv_data) != STORE_VERSION) {
		mdb_txn_abort(txn);
		return 1;
	}
	return mdb_txn_commit(txn) == 0 ? 0 : 1;
}

static int
open_dbis(struct store_db *db, int create)
{
	MDB_txn *txn;
	MDB_val k = { 7, (void *)"version" }, v;
	uint8_t ver[8];
	int rc, i;

	if (!create && open_dbis_ro(db) == 0)
		return 0;
	rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc != 0)
		return store_err(rc);
	/* A file where even "meta" was never created is a store whose
	 * first transaction never committed: not a node yet.  One that has
	 * "meta" but no version is damaged. */
	if (!create && mdb_dbi_open(txn, dbi_names[DBI_META], 0,
			   &db->dbi[DBI_META]) == MDB_NOTFOUND) {
		MDB_envinfo info;

		mdb_txn_abort(txn);
		mdb_env_info(db->env, &info);
		/* Pages past the two meta pages mean something was written. */
		return info.me_last_pgno > 1 ? DG_ECORRUPT : DG_ENOTFOUND;
	}
	for (i = 0; i < DBI_COUNT; i++) {
		rc = mdb_dbi_open(txn, dbi_names[i], MDB_CREATE, &db->dbi[i]);
		if (rc != 0)
			goto fail;
	}
	rc = mdb_get(txn, db->dbi[DBI_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		if (!create) {
			mdb_txn_abort(txn);
			return DG_ECORRUPT;
		}
		store_be64(ver, STORE_VERSION);
		v.mv_size = sizeof ver;
		v.mv_data = ver;
		rc = mdb_put(txn, db->dbi[DBI_META], &k, &v, 0);
		if (rc != 0)
			goto fail;
	} else if (rc != 0) {
		goto fail;
	} else if (v.mv_size != 8) {
		mdb_txn_abort(txn);
		return DG_ECORRUPT;
	} else if (store_get_be64(v.mv_data) == 0 ||
	    store_get_be64(v.mv_data) > 1000) {
		/* Layout versions count up from 1, slowly. */
		mdb_txn_abort(txn);
		return DG_ECORRUPT;
	} else if (store_get_be64(v.mv_data) > STORE_VERSION) {
		mdb_txn_abort(txn);
		return DG_EVERSION;
	}
	if (rc == 0 && store_get_be64(v.mv_data) < STORE_VERSION) {
		/* Alone, as compaction: a running older dugnad would go on
		 * writing the old layout.  Converting the shared flock to
		 * an exclusive one releases it first: take it back. */
		if (flock(db->lockfd, LOCK_EX | LOCK_NB) != 0) {
			flock(db->lockfd, LOCK_SH);
			mdb_txn_abort(txn);
			return DG_EBUSY;
		}
		rc = migrate(txn, db, store_get_be64(v.mv_data));
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		flock(db->lockfd, LOCK_SH);
		return store_err(rc);
	}
	return store_err(mdb_txn_commit(txn));
fail:
	mdb_txn_abort(txn);
	return store_err(rc);
}

static int
env_open(struct store_db *db, size_t map_size, int create)
{
	int rc;

	rc = mdb_env_create(&db->env);
	if (rc != 0) {
		db->env = NULL;
		return store_err(rc);
	}
	mdb_env_set_maxdbs(db->env, DBI_COUNT);
	rc = mdb_env_set_mapsize(db->env, map_size ? map_size : DEFAULT_MAP);
	if (rc == 0)
		rc = mdb_env_open(db->env, db->dir, MDB_NOTLS, 0600);
	if (rc != 0)
		return rc == MDB_INVALID ? DG_ECORRUPT : store_err(rc);
	rc = open_dbis(db, create);
	/* A tiny initial map may not even hold the empty layout, and a
	 * migration of a store that filled its map needs room to free the
	 * old pages: grow as a write transaction would. */
	while (rc == DG_EMAPFULL) {
		size_t cur = store_db_map_size(db);

		if (cur >= MAX_MAP)
			break;
		rc = store_err(mdb_env_set_mapsize(db->env,
		    cur < DEFAULT_MAP ? DEFAULT_MAP : cur * 2));
		if (rc == 0)
			rc = open_dbis(db, create);
	}
	return rc == DG_EMAPFULL ? DG_ENOSPC : rc;
}

/* mkdir -p, new directories private to the user. */
static int
make_dirs(const char *dir)
{
	char path[4096];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof path)
		return DG_EINVAL;
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return store_err(errno);
		path[i] = dir[i];
	}
	return 0;
}

int
store_db_open(const char *dir, int create, size_t map_size,
    struct store_db **out)
{
	struct store_db *db;
	char path[4096];
	struct stat st;
	int rc;

	*out = NULL;
	if (snprintf(path, sizeof path, "%s/data.mdb", dir) >=
	    (int)sizeof path)
		return DG_EINVAL;
	if (stat(path, &st) != 0) {
		if (!create)
			return DG_ENOTFOUND;
		rc = make_dirs(dir);
		if (rc != 0)
			return rc;
	}
	db = calloc(1, sizeof *db);
	if (db == NULL)
		return DG_ENOMEM;
	db->lockfd = -1;
	db->dir = strdup(dir);
	if (db->dir == NULL) {
		rc = DG_ENOMEM;
		goto fail;
	}
	/* Every process holds a shared lock for as long as the store is
	 * open; compaction replaces the data file and needs it alone. */
	if (snprintf(path, sizeof path, "%s/lock", dir) >= (int)sizeof path) {
		rc = DG_EINVAL;
		goto fail;
	}
	db->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (db->lockfd < 0 || flock(db->lockfd, LOCK_SH) != 0) {
		rc = store_err(errno);
		goto fail;
	}
	db->first = map_size ? map_size : DEFAULT_MAP;
	rc = env_open(db, map_size, create);
	if (rc != 0)
		goto fail;
	*out = db;
	return 0;
fail:
	store_db_close(db);
	return rc;
}

void
store_db_close(struct store_db *db)
{
	if (db == NULL)
		return;
	if (db->env != NULL)
		mdb_env_close(db->env);
	if (db->lockfd >= 0)
		close(db->lockfd);
	free(db->dir);
	free(db);
}

size_t
store_db_map_size(struct store_db *db)
{
	MDB_envinfo info;

	if (db->env == NULL)
		return db->map;
	mdb_env_info(db->env, &info);
	return info.me_mapsize;
}

const char *
store_db_dir(const struct store_db *db)
{
	return db->dir;
}

static int
grow(struct store_db *db)
{
	size_t cur = store_db_map_size(db);

	if (cur >= MAX_MAP)
		return DG_ENOSPC;
	return store_err(mdb_env_set_mapsize(db->env, cur * 2));
}

/* Closes the environment and opens it again (compaction, release).
 * Closed first: LMDB's file locks are per process, and closing a second
 * handle on the same file would drop the first one's.  On failure env is
 * NULL and the next transaction tries again. */
static int
env_reopen(struct store_db *db)
{
	int rc;

	if (db->env != NULL) {
		db->map = store_db_map_size(db);
		mdb_env_close(db->env);
		db->env = NULL;
	}
	rc = env_open(db, db->map, 0);
	if (rc != 0 && db->env != NULL) {
		mdb_env_close(db->env);
		db->env = NULL;
	}
	return rc;
}

int
store_db_release(struct store_db *db)
{
	/* Closing the environment gives back both LMDB's cache of the
	 * pages written (kept for the next write transactions until then)
	 * and this process's mapping of the file (the file itself stays in
	 * the page cache); the next transaction maps it again. */
	int rc = env_reopen(db);

#ifdef __GLIBC__
	malloc_trim(0);
#endif
	return rc;
}

static int
begin(struct store_db *db, unsigned flags, MDB_txn **txn)
{
	int rc;

	if (db->env == NULL) {
		rc = env_reopen(db);
		if (rc != 0)
			return rc;
	}
	rc = mdb_txn_begin(db->env, NULL, flags, txn);
	if (rc == MDB_PANIC) {
		/* A fatal error (a failed meta page write) leaves the
		 * environment unusable until it is opened again. */
		rc = env_reopen(db);
		if (rc != 0)
			return rc;
		rc = mdb_txn_begin(db->env, NULL, flags, txn);
	}
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size. */
		rc = mdb_env_set_mapsize(db->env, 0);
		if (rc == 0)
			rc = mdb_txn_begin(db->env, NULL, flags, txn);
	}
	return store_err(rc);
}

/* Doubles the map, before a write transaction, until the space left is
 * at least what the file uses and at least twice the initial map size.
 * A transaction that fills the map is aborted and run again after
 * growing: up to a whole ingest transaction (16,384 entries) thrown away
 * per doubling, about 15 % of the work of a 100,000-entry replication
 * into an empty store with the map grown only when full.  Ahead of time,
 * the room left holds any one transaction but the largest ones of a
 * small store; the retry stays for those (and a tiny DUGNAD_MAP_SIZE
 * still exercises it).  The map is address space, not file: the file
 * grows only by what is written.  A failure here is left to the
 * transaction to meet. */
static void
room(struct store_db *db)
{
	MDB_envinfo info;
	MDB_stat st;
	size_t used, map, want;

	if (db->env == NULL || mdb_env_info(db->env, &info) != 0 ||
	    mdb_env_stat(db->env, &st) != 0)
		return;
	used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
	map = info.me_mapsize;
	if (used > MAX_MAP / 4 || db->first > MAX_MAP / 4)
		return;
	want = used + (used > 2 * db->first ? used : 2 * db->first);
	if (map >= want)
		return;
	while (map < want && map < MAX_MAP)
		map = map > MAX_MAP / 2 ? MAX_MAP : map * 2;
	(void)mdb_env_set_mapsize(db->env, map);
}

int
store_db_write(struct store_db *db, store_txn_fn fn, void *ctx)
{
	struct store_txn t = { NULL, db, 0, { NULL } };
	int rc, tries;

	room(db);
	for (tries = 0; tries < 40; tries++) {
		t.next_row = 0;
		rc = begin(db, 0, &t.txn);
		if (rc != 0)
			return rc;
		rc = fn(&t, ctx);
		close_cursors(&t);
		if (rc == 0) {
			rc = mdb_txn_commit(t.txn);
			if (rc != MDB_MAP_FULL)
				return write_err(db, rc);
		} else {
			mdb_txn_abort(t.txn);
			if (rc != DG_EMAPFULL)
				return rc;
		}
		rc = grow(db);
		if (rc != 0)
			return rc;
	}
	return DG_ENOSPC;
}

int
store_db_read(struct store_db *db, store_txn_fn fn, void *ctx)
{
	struct store_txn t = { NULL, db, 0, { NULL } };
	int rc;

	rc = begin(db, MDB_RDONLY, &t.txn);
	if (rc != 0)
		return rc;
	rc = fn(&t, ctx);
	mdb_txn_abort(t.txn);
	return rc;
}

int
store_db_compact(struct store_db *db)
{
	char tmp[4096], dst[4096];
	int fd, rc, dfd;

	if (snprintf(tmp, sizeof tmp, "%s/compact.tmp", db->dir) >=
		(int)sizeof tmp ||
	    snprintf(dst, sizeof dst, "%s/data.mdb", db->dir) >=
		(int)sizeof dst)
		return DG_EINVAL;
	if (db->env == NULL) {
		rc = env_reopen(db); /* an earlier reopen failed */
		if (rc != 0)
			return rc;
	}
	/* Converting a shared flock to exclusive releases it first; on
	 * failure take the shared lock back before returning. */
	if (flock(db->lockfd, LOCK_EX | LOCK_NB) != 0) {
		flock(db->lockfd, LOCK_SH);
		return DG_EBUSY;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = errno;
		goto out;
	}
	rc = mdb_env_copyfd2(db->env, fd, MDB_CP_COMPACT);
	/* EAGAIN here is pthread_create's: no memory for the copy thread,
	 * not a store in use (store_err's reading of EAGAIN) */
	if (rc == EAGAIN)
		rc = ENOMEM;
	if (rc == 0 && fsync(fd) != 0)
		rc = errno;
	if (close(fd) != 0 && rc == 0)
		rc = errno;
	if (rc == 0 && rename(tmp, dst) != 0)
		rc = errno;
	if (rc != 0) {
		unlink(tmp);
		goto out;
	}
	dfd = open(db->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	/* The environment maps the old file.  Reopen it while still alone
	 * (exclusive lock), so LMDB rebuilds its lock file for the new data
	 * file before any other process can open it. */
	rc = env_reopen(db);
	flock(db->lockfd, LOCK_SH);
	return rc;
out:
	flock(db->lockfd, LOCK_SH);
	return store_err(rc);
}

struct net_read {
	uint8_t *net;
};

static int
net_read_txn(struct store_txn *t, void *arg)
{
	struct net_read *r = arg;
	MDB_val v;
	int rc = store_get(t, DBI_META, "net", 3, &v);

	if (rc != 0)
		return rc;
	if (v.mv_size < 32)
		return DG_ECORRUPT;
	memcpy(r->net, v.mv_data, 32);
	return 0;
}

int
store_db_net(struct store_db *db, uint8_t net[32])
{
	struct net_read r = { net };

	return store_db_read(db, net_read_txn, &r);
}

int
store_walk(struct store_txn *t, enum store_dbi dbi, const void *start,
    size_t slen, size_t plen, store_walk_fn fn, void *ctx)
{
	MDB_cursor *c;
	MDB_val k, v;
	MDB_cursor_op op = slen ? MDB_SET_RANGE : MDB_FIRST;
	int rc;

	rc = mdb_cursor_open(t->txn, t->db->dbi[dbi], &c);
	if (rc != 0)
		return store_err(rc);
	k.mv_size = slen;
	k.mv_data = (void *)(uintptr_t)start;
	for (;;) {
		rc = mdb_cursor_get(c, &k, &v, op);
		op = MDB_NEXT;
		if (rc != 0) {
			rc = rc == MDB_NOTFOUND ? 0 : store_err(rc);
			break;
		}
		if (plen > 0 && (k.mv_size < plen ||
				    memcmp(k.mv_data, start, plen) != 0))
			break;
		rc = fn(ctx, &k, &v);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc;
}

struct count_ctx {
	size_t klen;
	size_t n;
};

static int
count_key(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct count_ctx *c = arg;

	(void)v;
	if (c->klen == 0 || k->mv_size == c->klen)
		c->n++;
	return 0;
}

int
store_count(struct store_txn *t, enum store_dbi dbi, const void *prefix,
    size_t plen, size_t klen, size_t *count)
{
	struct count_ctx c = { klen, 0 };
	int rc = store_walk(t, dbi, prefix, plen, plen, count_key, &c);

	*count = c.n;
	return rc;
}

void
store_db_progress(struct store_db *db, store_progress_fn fn, void *ctx)
{
	db->progress = fn;
	db->progress_ctx = ctx;
}
