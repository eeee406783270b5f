/* bench/appends.c - durable local appends.
 *
 * Measures, on a fresh store in a temporary directory:
 *   - one record per transaction (what `dugnad add` does after unlock),
 *   - batches of 1000 records per transaction (what `import` does),
 *   - the whole `dugnad add` command, passphrase derivation included,
 *     when the path of the binary is given as argv[1].
 * Each figure is the median of several runs; every transaction is
 * committed durably (fsync), as in normal use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/body.h"
#include "core/entry.h"
#include "store/node.h"
#include "tests/tools/clock.h"

#define RUNS 5
#define SINGLE 200
#define BATCH 1000
#define BATCHES 20


static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return v[n / 2];
}

/* A contact of about 200 bytes of plaintext, like a real record. */
static void
make_body(struct core_body *b, struct core_field *f, size_t i, char *name,
    size_t cap)
{
	snprintf(name, cap, "Volunteer number %06zu Nordmann-Hassan", i);
	memset(b, 0, sizeof *b);
	b->kind = CORE_KIND_RECORD;
	b->rtype = CORE_RT_CONTACT;
	randombytes_buf(b->rid, sizeof b->rid);
	f[0].key = "email";
	f[0].value = "volunteer@example.org";
	f[1].key = "lang";
	f[1].value = "nb,so,ar";
	f[2].key = "name";
	f[2].value = name;
	f[3].key = "note";
	f[3].value = "Meets on Tuesdays at the library; speaks Somali.";
	f[4].key = "phone";
	f[4].value = "+47 912 34 567";
	b->set = f;
	b->nset = 5;
}

static struct store_node *
fresh(char *dir)
{
	struct store_node *n;

	strcpy(dir, "/tmp/dugnad-bench.XXXXXX");
	if (mkdtemp(dir) == NULL || store_node_init(dir, "bench", 5, 0, &n) ||
	    store_node_network_create(n, "Bench")) {
		fprintf(stderr, "bench: cannot create a store in /tmp\n");
		exit(1);
	}
	return n;
}

static void
rmdir_all(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dir);
}

static double
run_single(void)
{
	struct store_node *n;
	struct core_body b;
	struct core_field f[5];
	char dir[64], name[64];
	double lat[SINGLE], t;
	size_t i;

	n = fresh(dir);
	for (i = 0; i < SINGLE; i++) {
		make_body(&b, f, i, name, sizeof name);
		t = tool_seconds();
		if (store_node_append(n, &b, 1) != 0) {
			fprintf(stderr, "bench: append failed\n");
			exit(1);
		}
		lat[i] = tool_seconds() - t;
	}
	store_node_close(n);
	rmdir_all(dir);
	return median(lat, SINGLE) * 1000.0;
}

static double
run_batch(void)
{
	static struct core_body b[BATCH];
	static struct core_field f[BATCH][5];
	static char names[BATCH][64];
	struct store_node *n;
	char dir[64];
	double t;
	size_t i, k;

	n = fresh(dir);
	t = tool_seconds();
	for (k = 0; k < BATCHES; k++) {
		for (i = 0; i < BATCH; i++)
			make_body(&b[i], f[i], k * BATCH + i, names[i], 64);
		if (store_node_append(n, b, BATCH) != 0) {
			fprintf(stderr, "bench: append failed\n");
			exit(1);
		}
	}
	t = tool_seconds() - t;
	store_node_close(n);
	rmdir_all(dir);
	return (double)(BATCH * BATCHES) / t;
}

static double
run_cli(const char *bin)
{
	char dir[64], arg[80];
	double t;
	pid_t pid;
	int st;

	strcpy(dir, "/tmp/dugnad-bench.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	setenv("DUGNAD_PASSPHRASE", "bench", 1);
	snprintf(arg, sizeof arg, "%s/n", dir);
	for (st = 0; st < 2; st++) {
		pid = fork();
		if (pid == 0) {
			freopen("/dev/null", "w", stdout);
			if (st == 0)
				execl(bin, bin, "--dir", arg, "init", (char *)0);
			else
				execl(bin, bin, "--dir", arg, "network",
				    "create", "Bench", (char *)0);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	t = tool_seconds();
	pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		execl(bin, bin, "--dir", arg, "add", "contact",
		    "name=Amina Hassan", "lang=so,nb", "phone=+47 912 34 567",
		    (char *)0);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	t = tool_seconds() - t;
	rmdir_all(dir);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? t * 1000.0 : -1;
}

/* One figure for the summary of bench/run, appended to the file named
 * by $BENCH_RESULTS when it is set: label, value, unit, op (>=, < or
 * -) and target, tab-separated (bench/net_lib.sh, result). */
static void
result(const char *label, double v, const char *unit, const char *op,
    const char *target)
{
	const char *path = getenv("BENCH_RESULTS");
	FILE *f;

	if (path == NULL || *path == '\0' || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s\t%.*f\t%s\t%s\t%s\n", label, v < 100 ? 2 : 0, v, unit,
	    op, target);
	fclose(f);
}

int
main(int argc, char **argv)
{
	double single[RUNS], batch[RUNS], cli[RUNS];
	int i;

	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < RUNS; i++) {
		single[i] = run_single();
		batch[i] = run_batch();
		cli[i] = argc > 1 ? run_cli(argv[1]) : -1;
	}
	printf("%-44s %14s %18s\n", "benchmark (median of 5 runs)", "measured",
	    "target");
	printf("%-44s %11.2f ms %18s\n", "durable append, 1 record per transaction",
	    median(single, RUNS), "-");
	printf("%-44s %9.0f rec/s %18s\n", "durable append, 1000 per transaction",
	    median(batch, RUNS), ">= 20000 rec/s");
	if (argc > 1)
		printf("%-44s %11.2f ms %18s\n",
		    "`dugnad add` without daemon (Argon2id)", median(cli, RUNS),
		    "(20 ms via serve)");
	result("durable appends, 1000 per transaction (import)",
	    median(batch, RUNS), "entries/s", ">=", "20000");
	result("durable append, 1 per transaction", median(single, RUNS), "ms",
	    "-", "-");
	if (argc > 1)
		result("dugnad add without a daemon (Argon2id)",
		    median(cli, RUNS), "ms", "-", "-");
	return 0;
}
