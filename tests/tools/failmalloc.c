/* tests/tools/failmalloc.c - an LD_PRELOAD shim that makes one
 * allocation fail, for tests/sh/t_failmalloc.sh (built as
 * $(BUILD)/tools/failmalloc.so; not under SAN=1, where AddressSanitizer
 * owns malloc).
 *
 * Every allocation the process asks for from the first line of main()
 * on is counted, in whatever library it is made (libc's own strdup and
 * fopen, libsodium, libuv, LMDB, msgpack-c, utf8proc): malloc, calloc,
 * realloc and reallocarray (unless they free), posix_memalign,
 * aligned_alloc, memalign, valloc and pvalloc.  Allocations made while
 * the dynamic loader and the libraries' constructors run, before main(),
 * are not counted and never fail.
 *
 *   DUGNAD_FAILMALLOC_AT=N      the N-th counted allocation (1 = the
 *                               first) fails: it returns NULL with errno
 *                               ENOMEM, as when memory runs out
 *   DUGNAD_FAILMALLOC_REPEAT=1  ... and so does every one after it
 *   DUGNAD_FAILMALLOC_COUNT=F   when the process exits normally, the
 *                               number of allocations counted is written
 *                               to file F (a sweep's upper bound)
 *   DUGNAD_FAILMALLOC_SPARE=L   allocations made by the shared library
 *                               whose file name contains L, directly or
 *                               through libc (pthread_create,
 *                               pthread_atfork), are not failed: for a
 *                               library that abort()s by design when
 *                               they fail (libuv: growing its watcher
 *                               array, its one-time initialisers)
 *   DUGNAD_FAILMALLOC_LOG=F     a line is appended to file F for the
 *                               allocation failed ("fail N SIZE") or
 *                               spared ("spare N SIZE")
 *   DUGNAD_FAILMALLOC_TRACE=1   the failing allocation's call stack is
 *                               written to stderr (to find a bug; the
 *                               tests leave it off)
 *
 * Threads (libuv's pool, LMDB's copy thread) share the one counter.
 * Memory comes from glibc's own allocator (__libc_malloc and friends),
 * so free() needs no wrapper and no dlsym() runs inside malloc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);

typedef int main_fn(int, char **, char **);
typedef int start_fn(main_fn *, int, char **, void (*)(void), void (*)(void),
    void (*)(void), void *);

int __libc_start_main(main_fn *fn, int argc, char **argv, void (*init)(void),
    void (*fini)(void), void (*rtld_fini)(void), void *stack_end);

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void *reallocarray(void *p, size_t n, size_t size);
int posix_memalign(void **out, size_t align, size_t size);
void *aligned_alloc(size_t align, size_t size);
void *memalign(size_t align, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);

static atomic_int counting;
static atomic_ulong made;
static unsigned long fail_at;
static int repeat;
static int trace;
static const char *spare;
static const char *log_path;
static main_fn *real_main;
/* Set while the shim itself allocates (backtrace()), so that those
 * allocations are neither counted nor failed. */
static _Thread_local int inside;

static unsigned long
env_ulong(const char *name)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (v == NULL || v[0] < '0' || v[0] > '9')
		return 0;
	n = strtoul(v, &end, 10);
	return *end == '\0' ? n : 0;
}

/* True when the allocation was asked for by the library named in
 * DUGNAD_FAILMALLOC_SPARE: the first caller on the stack that is not
 * this shim, libc or the dynamic loader is in it. */
static int
spared(void)
{
	void *frames[64];
	Dl_info self, info;
	int depth, i;

	if (spare == NULL || dladdr(&made, &self) == 0)
		return 0;
	inside = 1;
	depth = backtrace(frames, 64);
	inside = 0;
	for (i = 0; i < depth; i++) {
		if (dladdr(frames[i], &info) == 0 || info.dli_fname == NULL)
			return 0;
		if (info.dli_fbase == self.dli_fbase ||
		    strstr(info.dli_fname, "/libc.so") != NULL ||
		    strstr(info.dli_fname, "/ld-linux") != NULL)
			continue;
		return strstr(info.dli_fname, spare) != NULL;
	}
	return 0;
}

/* Writes line (len bytes) to the file at path: appended (how O_APPEND)
 * or in its place (O_TRUNC). */
static void
put_line(const char *path, int how, const char *line, int len)
{
	int fd;

	if (path == NULL || len <= 0)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | how, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)len) < 0)
		len = 0;
	close(fd);
}

static void
log_line(const char *what, unsigned long n, size_t size)
{
	char line[96];

	put_line(log_path, O_APPEND, line,
	    snprintf(line, sizeof line, "%s %lu %zu\n", what, n, size));
}

/* True when this allocation must fail. */
static int
fail_now(size_t size)
{
	unsigned long n;
	void *frames[64];
	char line[96];
	int len, depth;

	if (!atomic_load_explicit(&counting, memory_order_relaxed) || inside)
		return 0;
	n = atomic_fetch_add(&made, 1) + 1;
	if (fail_at == 0 || n < fail_at || (n > fail_at && !repeat))
		return 0;
	if (spared()) {
		if (n == fail_at)
			log_line("spare", n, size);
		return 0;
	}
	if (n == fail_at)
		log_line("fail", n, size);
	if (trace && n == fail_at) {
		inside = 1;
		len = snprintf(line, sizeof line,
		    "failmalloc: allocation %lu (%zu bytes) fails here:\n", n,
		    size);
		if (len > 0 && write(STDERR_FILENO, line, (size_t)len) < 0)
			len = 0;
		depth = backtrace(frames, 64);
		backtrace_symbols_fd(frames, depth, STDERR_FILENO);
		inside = 0;
	}
	errno = ENOMEM;
	return 1;
}

void *
malloc(size_t size)
{
	return fail_now(size) ? NULL : __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	return fail_now(n * size) ? NULL : __libc_calloc(n, size);
}

void *
realloc(void *p, size_t size)
{
	/* realloc(p, 0) frees: nothing to fail */
	if ((p == NULL || size > 0) && fail_now(size))
		return NULL;
	return __libc_realloc(p, size);
}

void *
reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

static void *
aligned(size_t align, size_t size)
{
	return fail_now(size) ? NULL : __libc_memalign(align, size);
}

int
posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	p = aligned(align, size);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

void *
aligned_alloc(size_t align, size_t size)
{
	return aligned(align, size);
}

void *
memalign(size_t align, size_t size)
{
	return aligned(align, size);
}

void *
valloc(size_t size)
{
	return aligned((size_t)sysconf(_SC_PAGESIZE), size);
}

void *
pvalloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return aligned(page, (size + page - 1) & ~(page - 1));
}

/* Counting starts here, at the first line of the program's main(). */
static int
counted_main(int argc, char **argv, char **envp)
{
	fail_at = env_ulong("DUGNAD_FAILMALLOC_AT");
	repeat = env_ulong("DUGNAD_FAILMALLOC_REPEAT") != 0;
	trace = env_ulong("DUGNAD_FAILMALLOC_TRACE") != 0;
	spare = getenv("DUGNAD_FAILMALLOC_SPARE");
	log_path = getenv("DUGNAD_FAILMALLOC_LOG");
	atomic_store(&counting, 1);
	return real_main(argc, argv, envp);
}

int
__libc_start_main(main_fn *fn, int argc, char **argv, void (*init)(void),
    void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	void *sym = dlsym(RTLD_NEXT, "__libc_start_main");
	start_fn *next;

	/* ISO C has no conversion from void * to a function pointer */
	memcpy(&next, &sym, sizeof next);
	real_main = fn;
	return next(counted_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* At a normal exit: the number of allocations counted, for a sweep. */
__attribute__((destructor)) static void
write_count(void)
{
	const char *path = getenv("DUGNAD_FAILMALLOC_COUNT");
	char line[32];

	if (path == NULL || !atomic_load(&counting))
		return;
	atomic_store(&counting, 0);
	put_line(path, O_TRUNC, line,
	    snprintf(line, sizeof line, "%lu\n", atomic_load(&made)));
}
