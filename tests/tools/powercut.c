/* tests/tools/powercut.c - an LD_PRELOAD shim that simulates a power cut
 * in the process that writes the store, for tests/sh/t_powercut.sh
 * (built as $(BUILD)/tools/powercut.so).
 *
 * A disk keeps only what was made durable.  Every write to a regular
 * file under DUGNAD_POWERCUT_DIR (write, pwrite, writev, pwritev: LMDB
 * 0.9 on Linux writes pages with pwrite, or lseek and writev, and its
 * meta page with pwrite on a second descriptor opened O_DSYNC; the
 * compacting copy uses write) reaches the file at once, so the process
 * reads what it wrote, but the shim keeps what the bytes were before.
 * fsync or fdatasync of the file, and a write through an O_DSYNC or
 * O_SYNC descriptor (for its own bytes), make writes durable; sync()
 * and syncfs() make everything durable.  A rename whose target is under
 * the directory (cli/util.c and store/db.c write a temporary file,
 * fsync it and rename it) is durable once its directory is fsync'ed.
 *
 * The cut comes at the N-th event (a tracked write, sync or rename),
 * after a write or rename, before a sync; or, when the process ends
 * first, as it exits (the power fails just after the command returned).
 * Then the shim undoes every write not yet durable and applies again a
 * random subset of them, in a random order, some torn at 512-byte
 * sector boundaries; keeps a random prefix of the renames not yet
 * durable (a journalling file system keeps them in order) and undoes
 * the rest; and, for a cut before the end, ends the process with
 * _exit(137), as kill -9 would.  The descriptors' file data is what a
 * disk may hold after a power loss; lock.mdb (a shared memory map,
 * rebuilt by the next process that opens the store) and other metadata
 * (file creation, unlink) are not simulated.
 *
 *   DUGNAD_POWERCUT_DIR=D    the directory whose files are tracked
 *   DUGNAD_POWERCUT_AT=N     the event at which the power fails (1 = the
 *                            first); unset or 0: no cut, count only
 *   DUGNAD_POWERCUT_SEED=S   seed of the choices made at the cut
 *   DUGNAD_POWERCUT_COUNT=F  at a normal exit, the number of events is
 *                            written to F (a sweep's upper bound)
 *   DUGNAD_POWERCUT_LOG=F    a line saying what the cut did is appended
 *                            to F
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define SECTOR 512

/* A write not yet durable: where, and the bytes before and after.  old
 * holds the part that existed in the file then (oldlen bytes). */
struct rec {
	off_t off;
	size_t len, oldlen;
	unsigned char *old, *new;
};

struct file {
	dev_t dev;
	ino_t ino;
	int fd;           /* the shim's own, read-write */
	off_t durable;    /* size when last made durable */
	struct rec *recs; /* not yet durable, oldest first */
	size_t n, cap;
	struct file *next;
};

/* A rename not yet durable; backup holds what the target was. */
struct ren {
	dev_t dev;
	ino_t ino; /* the target's directory */
	char from[PATH_MAX + 260], to[PATH_MAX + 260], backup[PATH_MAX + 400];
	int has_backup;
	struct ren *next;
};

ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off);
ssize_t writev(int fd, const struct iovec *iov, int cnt);
ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off);
int fsync(int fd);
int fdatasync(int fd);
void sync(void);
int syncfs(int fd);
int rename(const char *from, const char *to);

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static void (*real_sync)(void);
static int (*real_syncfs)(int);
static int (*real_rename)(const char *, const char *);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char dir[PATH_MAX];
static size_t dirlen;
static unsigned long cut_at, events, renames_made;
static uint64_t rng;
static int active, cut_done;
static struct file *files;
static struct ren *rens;
/* Set while the shim itself writes: its own calls pass through. */
static _Thread_local int inside;

static void
resolve(void *fn, const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);

	/* ISO C has no conversion from void * to a function pointer */
	memcpy(fn, &sym, sizeof sym);
}

static uint64_t
next_rand(void)
{
	/* xorshift64*: reproducible from the seed, good enough here */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * UINT64_C(2685821657736338717);
}

static unsigned long
env_ulong(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] >= '0' && v[0] <= '9' ? strtoul(v, NULL, 10)
	                                               : 0;
}

__attribute__((constructor)) static void
setup(void)
{
	const char *d = getenv("DUGNAD_POWERCUT_DIR");

	resolve(&real_write, "write");
	resolve(&real_pwrite, "pwrite");
	resolve(&real_writev, "writev");
	resolve(&real_pwritev, "pwritev");
	resolve(&real_fsync, "fsync");
	resolve(&real_fdatasync, "fdatasync");
	resolve(&real_sync, "sync");
	resolve(&real_syncfs, "syncfs");
	resolve(&real_rename, "rename");
	if (d == NULL || realpath(d, dir) == NULL)
		return;
	dirlen = strlen(dir);
	cut_at = env_ulong("DUGNAD_POWERCUT_AT");
	rng = env_ulong("DUGNAD_POWERCUT_SEED") * 2 + 1;
	active = 1;
}

/* True if path (absolute, resolved) is under the tracked directory. */
static int
under(const char *path)
{
	return strncmp(path, dir, dirlen) == 0 && path[dirlen] == '/';
}

/* Writes line to the file named by environment variable var: appended
 * (how O_APPEND) or in its place (O_TRUNC). */
static void
put_line(const char *var, int how, const char *line)
{
	const char *path = getenv(var);
	int fd;

	if (path == NULL)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | how, 0600);
	if (fd < 0)
		return;
	(void)!real_write(fd, line, strlen(line));
	close(fd);
}

/* The tracked file behind fd, or NULL: a regular file under the
 * directory.  Its record is made at first sight, with the shim's own
 * descriptor (fd may be write-only, or closed before the cut). */
static struct file *
tracked(int fd)
{
	char link[64], path[PATH_MAX];
	struct stat st;
	struct file *f;
	ssize_t n;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	for (f = files; f != NULL; f = f->next) {
		if (f->dev == st.st_dev && f->ino == st.st_ino)
			return f;
	}
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	if (!under(path))
		return NULL;
	f = calloc(1, sizeof *f);
	if (f == NULL)
		abort();
	f->fd = open(link, O_RDWR | O_CLOEXEC);
	if (f->fd < 0)
		abort();
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->durable = st.st_size;
	f->next = files;
	files = f;
	return f;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

/* Notes a write of buf[0..n) at off before it is made: the bytes there. */
static struct rec *
note_write(struct file *f, off_t off, const void *buf, size_t n)
{
	struct stat st;
	struct rec *r;
	ssize_t got;

	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->recs = realloc(f->recs, f->cap * sizeof *f->recs);
		if (f->recs == NULL)
			abort();
	}
	r = &f->recs[f->n++];
	r->off = off;
	r->len = n;
	r->new = xmalloc(n);
	memcpy(r->new, buf, n);
	r->old = xmalloc(n);
	r->oldlen = 0;
	if (fstat(f->fd, &st) == 0 && st.st_size > off) {
		got = pread(f->fd, r->old, n, off);
		r->oldlen = got > 0 ? (size_t)got : 0;
	}
	return r;
}

static void
drop_rec(struct rec *r)
{
	free(r->old);
	free(r->new);
	r->old = r->new = NULL;
	r->len = r->oldlen = 0;
}

/* After a short or failed write: keep what was written. */
static void
trim_rec(struct file *f, ssize_t done)
{
	struct rec *r = &f->recs[f->n - 1];

	if (done <= 0) {
		drop_rec(r);
		f->n--;
	} else if ((size_t)done < r->len) {
		r->len = (size_t)done;
	}
}

/* A durable write of [off, off + n): earlier writes no longer decide
 * those bytes, the durable state holds them. */
static void
clip(struct file *f, off_t off, size_t n)
{
	off_t end = off + (off_t)n, rend;
	struct rec *r, tail;
	size_t i, cut;

	for (i = 0; i < f->n; i++) {
		r = &f->recs[i];
		rend = r->off + (off_t)r->len;
		if (r->len == 0 || rend <= off || r->off >= end)
			continue;
		if (r->off >= off && rend <= end) {
			drop_rec(r);
			continue;
		}
		if (r->off < off && rend > end) {
			/* split: the part after the durable write */
			cut = (size_t)(end - r->off);
			tail.off = end;
			tail.len = r->len - cut;
			tail.new = xmalloc(tail.len);
			memcpy(tail.new, r->new + cut, tail.len);
			tail.old = xmalloc(tail.len);
			tail.oldlen = r->oldlen > cut ? r->oldlen - cut : 0;
			memcpy(tail.old, r->old + cut, tail.oldlen);
			r->len = (size_t)(off - r->off);
			if (r->oldlen > r->len)
				r->oldlen = r->len;
			if (f->n == f->cap) {
				f->cap *= 2;
				f->recs =
				    realloc(f->recs, f->cap * sizeof *f->recs);
				if (f->recs == NULL)
					abort();
			}
			f->recs[f->n++] = tail;
			continue;
		}
		if (r->off < off) { /* its end is durable */
			r->len = (size_t)(off - r->off);
			if (r->oldlen > r->len)
				r->oldlen = r->len;
			continue;
		}
		/* its start is durable */
		cut = (size_t)(end - r->off);
		memmove(r->new, r->new + cut, r->len - cut);
		if (r->oldlen > cut)
			memmove(r->old, r->old + cut, r->oldlen - cut);
		r->oldlen = r->oldlen > cut ? r->oldlen - cut : 0;
		r->len -= cut;
		r->off = end;
	}
	if (end > f->durable)
		f->durable = end;
}

static void
make_durable(struct file *f)
{
	struct stat st;
	size_t i;

	for (i = 0; i < f->n; i++)
		drop_rec(&f->recs[i]);
	f->n = 0;
	if (fstat(f->fd, &st) == 0)
		f->durable = st.st_size;
}

static void
ren_durable(struct ren **pp)
{
	struct ren *r = *pp;

	if (r->has_backup)
		unlink(r->backup);
	*pp = r->next;
	free(r);
}

/* What the disk keeps of the writes not yet durable: undone, then a
 * random subset applied again in a random order, some torn. */
static void
cut_file(struct file *f, unsigned long *kept, unsigned long *torn,
    unsigned long *dropped)
{
	struct rec **order;
	size_t i, j, k, m = 0;
	off_t s, e, a, b;
	struct rec *r, *t;
	int whole;

	for (i = f->n; i-- > 0;) {
		r = &f->recs[i];
		if (r->oldlen > 0)
			(void)!real_pwrite(f->fd, r->old, r->oldlen, r->off);
	}
	(void)!ftruncate(f->fd, f->durable);
	order = xmalloc(f->n * sizeof *order);
	for (i = 0; i < f->n; i++) {
		if (f->recs[i].len > 0)
			order[m++] = &f->recs[i];
	}
	for (i = m; i > 1; i--) { /* shuffle */
		j = (size_t)(next_rand() % i);
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (k = 0; k < m; k++) {
		r = order[k];
		switch (next_rand() % 4) {
		case 0: (*dropped)++; continue;
		case 1:
			whole = 1;
			(*kept)++;
			break;
		default:
			whole = 0;
			(*torn)++;
			break;
		}
		/* sector by sector, at the file's 512-byte boundaries */
		for (s = r->off; s < r->off + (off_t)r->len; s = e) {
			e = (s / SECTOR + 1) * SECTOR;
			if (e > r->off + (off_t)r->len)
				e = r->off + (off_t)r->len;
			if (!whole && next_rand() % 2 == 0)
				continue;
			a = s - r->off;
			b = e - s;
			(void)!real_pwrite(f->fd, r->new + a, (size_t)b, s);
		}
	}
	free(order);
}

/* The power fails: the disk as it may be found.  end: at the exit. */
static void
cut(const char *where, int end)
{
	unsigned long kept = 0, torn = 0, dropped = 0, nren = 0, undone = 0;
	unsigned long keep;
	struct ren *r;
	struct file *f;
	char line[200];

	inside = 1;
	cut_done = 1;
	for (f = files; f != NULL; f = f->next)
		cut_file(f, &kept, &torn, &dropped);
	/* Renames: a random prefix, oldest first, stays.  rens is newest
	 * first, so the first nren - keep of it are undone, in order. */
	for (r = rens; r != NULL; r = r->next)
		nren++;
	keep = nren ? (unsigned long)(next_rand() % (nren + 1)) : 0;
	while (rens != NULL && undone < nren - keep) {
		r = rens;
		(void)real_rename(r->to, r->from);
		if (r->has_backup)
			(void)real_rename(r->backup, r->to);
		r->has_backup = 0;
		ren_durable(&rens);
		undone++;
	}
	while (rens != NULL)
		ren_durable(&rens);
	snprintf(line, sizeof line,
	    "cut %s %lu: %lu writes kept, %lu torn, "
	    "%lu lost; %lu of %lu renames undone\n",
	    where, events, kept, torn, dropped, undone, nren);
	put_line("DUGNAD_POWERCUT_LOG", O_APPEND, line);
	if (!end)
		_exit(137);
	inside = 0;
}

/* Counts an event; the power fails at the chosen one. */
static void
event(const char *what)
{
	events++;
	if (cut_at != 0 && events == cut_at && !cut_done)
		cut(what, 0);
}

/* After the write noted last was made (done bytes of it). */
static void
after_write(struct file *f, int fd, off_t off, ssize_t done)
{
	int fl;

	trim_rec(f, done);
	if (done <= 0)
		return;
	event("write");
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_DSYNC) != 0)
		clip(f, off, (size_t)done);
}

/* Where write() on fd writes. */
static off_t
place(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && (fl & O_APPEND) != 0 && fstat(fd, &st) == 0)
		return st.st_size;
	return lseek(fd, 0, SEEK_CUR);
}

static unsigned char *
flatten(const struct iovec *iov, int cnt, size_t *n)
{
	unsigned char *p;
	size_t at = 0;
	int i;

	*n = 0;
	for (i = 0; i < cnt; i++)
		*n += iov[i].iov_len;
	p = xmalloc(*n);
	for (i = 0; i < cnt; i++) {
		memcpy(p + at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	return p;
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	struct file *f;
	ssize_t done;

	if (!active || inside)
		return real_pwrite(fd, buf, n, off);
	pthread_mutex_lock(&lock);
	f = tracked(fd);
	if (f != NULL)
		note_write(f, off, buf, n);
	done = real_pwrite(fd, buf, n, off);
	if (f != NULL)
		after_write(f, fd, off, done);
	pthread_mutex_unlock(&lock);
	return done;
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite(fd, buf, n, off);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	struct file *f;
	ssize_t done;
	off_t off = 0;

	if (!active || inside)
		return real_write(fd, buf, n);
	pthread_mutex_lock(&lock);
	f = tracked(fd);
	if (f != NULL) {
		off = place(fd);
		note_write(f, off, buf, n);
	}
	done = real_write(fd, buf, n);
	if (f != NULL)
		after_write(f, fd, off, done);
	pthread_mutex_unlock(&lock);
	return done;
}

static ssize_t
vec_write(int fd, const struct iovec *iov, int cnt, off_t at)
{
	unsigned char *flat;
	struct file *f;
	ssize_t done;
	off_t off = at;
	size_t n;

	pthread_mutex_lock(&lock);
	f = tracked(fd);
	if (f != NULL) {
		if (off < 0)
			off = place(fd);
		flat = flatten(iov, cnt, &n);
		note_write(f, off, flat, n);
		free(flat);
	}
	done =
	    at < 0 ? real_writev(fd, iov, cnt) : real_pwritev(fd, iov, cnt, at);
	if (f != NULL)
		after_write(f, fd, off, done);
	pthread_mutex_unlock(&lock);
	return done;
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	if (!active || inside)
		return real_writev(fd, iov, cnt);
	return vec_write(fd, iov, cnt, -1);
}

ssize_t
pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	if (!active || inside)
		return real_pwritev(fd, iov, cnt, off);
	return vec_write(fd, iov, cnt, off);
}

/* fsync or fdatasync of fd: a tracked file's writes, or the renames
 * into a directory under the tracked one, become durable. */
static int
sync_fd(int fd, int (*real)(int))
{
	char link[64], path[PATH_MAX];
	struct stat st;
	struct file *f;
	struct ren **pp;
	ssize_t n;
	int rc;

	if (!active || inside)
		return real(fd);
	pthread_mutex_lock(&lock);
	f = tracked(fd);
	if (f != NULL) {
		event("sync");
		rc = real(fd);
		if (rc == 0)
			make_durable(f);
	} else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof path - 1);
		path[n > 0 ? n : 0] = '\0';
		if (n > 0 && (under(path) || strcmp(path, dir) == 0))
			event("sync");
		rc = real(fd);
		for (pp = &rens; rc == 0 && *pp != NULL;) {
			if ((*pp)->dev == st.st_dev && (*pp)->ino == st.st_ino)
				ren_durable(pp);
			else
				pp = &(*pp)->next;
		}
	} else {
		rc = real(fd);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int
fsync(int fd)
{
	return sync_fd(fd, real_fsync);
}

int
fdatasync(int fd)
{
	return sync_fd(fd, real_fdatasync);
}

static void
all_durable(void)
{
	struct file *f;

	for (f = files; f != NULL; f = f->next)
		make_durable(f);
	while (rens != NULL)
		ren_durable(&rens);
}

void
sync(void)
{
	if (active && !inside) {
		pthread_mutex_lock(&lock);
		event("sync");
		real_sync();
		all_durable();
		pthread_mutex_unlock(&lock);
		return;
	}
	real_sync();
}

int
syncfs(int fd)
{
	int rc;

	if (!active || inside)
		return real_syncfs(fd);
	pthread_mutex_lock(&lock);
	event("sync");
	rc = real_syncfs(fd);
	if (rc == 0)
		all_durable();
	pthread_mutex_unlock(&lock);
	return rc;
}

/* The absolute, resolved name of path's directory in out, and the
 * directory's identity; -1 if it does not resolve. */
static int
dir_of(const char *path, char *out, struct stat *st)
{
	char tmp[PATH_MAX];
	char *slash;

	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return -1;
	slash = strrchr(tmp, '/');
	if (slash == NULL)
		snprintf(tmp, sizeof tmp, ".");
	else if (slash == tmp)
		tmp[1] = '\0';
	else
		*slash = '\0';
	if (realpath(tmp, out) == NULL || stat(out, st) != 0)
		return -1;
	return 0;
}

int
rename(const char *from, const char *to)
{
	char d[PATH_MAX];
	struct stat st, ds;
	struct ren *r;
	int rc;

	if (!active || inside)
		return real_rename(from, to);
	pthread_mutex_lock(&lock);
	if (dir_of(to, d, &ds) != 0 || !(under(d) || strcmp(d, dir) == 0)) {
		pthread_mutex_unlock(&lock);
		return real_rename(from, to);
	}
	r = calloc(1, sizeof *r);
	if (r == NULL)
		abort();
	r->dev = ds.st_dev;
	r->ino = ds.st_ino;
	/* absolute names: the process may change its directory */
	snprintf(r->to, sizeof r->to, "%s/%.255s", d,
	    strrchr(to, '/') ? strrchr(to, '/') + 1 : to);
	if (dir_of(from, d, &st) == 0)
		snprintf(r->from, sizeof r->from, "%s/%.255s", d,
		    strrchr(from, '/') ? strrchr(from, '/') + 1 : from);
	snprintf(r->backup, sizeof r->backup, "%s.powercut%d.%lu", r->to,
	    (int)getpid(), ++renames_made);
	r->has_backup = lstat(r->to, &st) == 0 && link(r->to, r->backup) == 0;
	rc = real_rename(from, to);
	if (rc != 0) {
		if (r->has_backup)
			unlink(r->backup);
		free(r);
	} else {
		r->next = rens;
		rens = r;
		event("rename");
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* At a normal exit: the count, and the cut if it has not come yet
 * (the power fails just after the command returned). */
__attribute__((destructor)) static void
at_exit(void)
{
	char line[32];

	if (!active)
		return;
	pthread_mutex_lock(&lock);
	snprintf(line, sizeof line, "%lu\n", events);
	put_line("DUGNAD_POWERCUT_COUNT", O_TRUNC, line);
	if (cut_at != 0 && !cut_done)
		cut("exit", 1);
	else
		all_durable(); /* no cut: nothing more is lost */
	active = 0;
	pthread_mutex_unlock(&lock);
}
