/* tests/unit/test_store.c - a node's store on disk: passphrase, network,
 * appends that outgrow the map, verification, reindex, encryption at
 * rest, and erasure followed by compaction.
 *
 * The cases run in order on one store in a temporary directory; each
 * needs the ones before it.  The Argon2id derivation costs ~0.1 s per
 * init or open, so the node is opened only four times. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "core/body.h"
#include "core/entry.h"
#include "core/rstate.h"
#include "store/db.h"
#include "store/log.h"
#include "store/node.h"
#include "tests/unit/t.h"

#define PASS "correct horse battery staple"
#define NRECORDS 3000
#define BATCH 100
#define SECRET "Zyxwvutsrq Secretname"

static uint64_t rng_state = 0xbe5466cf34e90c6cu;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static struct {
	char tmp[64];
	char dir[96];
	char data[128];
	struct store_node *n;
	uint8_t pk[32];
	uint8_t net[32];
	uint8_t rids[NRECORDS][CORE_RID_LEN];
	uint8_t secret_rid[CORE_RID_LEN];
	uint64_t entries; /* entries this node wrote */
	pid_t helper;     /* see helper_start */
	int to_helper, from_helper;
} g;

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		*len = p ? (size_t)n : 0;
	}
	fclose(f);
	return p;
}

static int
contains(const uint8_t *hay, size_t n, const void *needle, size_t k)
{
	size_t i;

	if (k == 0 || k > n)
		return k == 0;
	for (i = 0; i + k <= n; i++) {
		if (hay[i] == *(const uint8_t *)needle &&
		    memcmp(hay + i, needle, k) == 0)
			return 1;
	}
	return 0;
}

/* True if data.mdb holds the bytes. */
static int
file_has(const void *needle, size_t k)
{
	size_t len;
	uint8_t *p = slurp(g.data, &len);
	int found;

	if (p == NULL)
		return -1;
	found = contains(p, len, needle, k);
	free(p);
	return found;
}

/* Removes dir and the files in it (the store has no subdirectories). */
static int
rm_dir(const char *dir)
{
	char path[512];
	struct dirent *d;
	DIR *dp = opendir(dir);
	int rc = 0;

	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		if (remove(path) != 0)
			rc = -1;
	}
	closedir(dp);
	if (rmdir(dir) != 0)
		rc = -1;
	return rc;
}

/* Contact i: fields in key order, values in canonical form. */
struct rec {
	struct core_field f[3];
	char name[40];
	char note[200];
};

static void
contact(struct core_body *b, struct rec *r, const uint8_t rid[16], int i)
{
	snprintf(r->name, sizeof r->name, "Person %04d", i);
	snprintf(r->note, sizeof r->note,
	    "Frivillig nummer %d. Snakker norsk og somali, kan hjelpe med "
	    "skjemaer, lekser og praktiske ting i hverdagen.", i);
	r->f[0] = (struct core_field){ "lang", "nb,so" };
	r->f[1] = (struct core_field){ "name", r->name };
	r->f[2] = (struct core_field){ "note", r->note };
	memset(b, 0, sizeof *b);
	b->kind = CORE_KIND_RECORD;
	memcpy(b->rid, rid, CORE_RID_LEN);
	b->rtype = CORE_RT_CONTACT;
	b->set = r->f;
	b->nset = 3;
}

static int
append(struct core_body *b, size_t n)
{
	int rc = store_node_append(g.n, b, n);

	if (rc == 0)
		g.entries += n;
	else
		fprintf(stderr, "  append: %s\n", dg_strerror(rc));
	return rc;
}

/* Every record state, encoded, in id order. */
struct snap {
	size_t n;
	uint8_t (*rid)[CORE_RID_LEN];
	uint8_t **enc;
	size_t *len;
	size_t removed, erased;
};

static int
snap_one(void *ctx, const struct core_rstate *s)
{
	struct snap *sn = ctx;
	struct core_buf b;
	size_t i = sn->n;

	if (i >= NRECORDS + 10)
		return DG_ELIMIT;
	core_buf_init(&b);
	if (core_rstate_encode(s, &b) != 0) {
		core_buf_fini(&b);
		return DG_ENOMEM;
	}
	memcpy(sn->rid[i], s->id, CORE_RID_LEN);
	sn->enc[i] = (uint8_t *)core_buf_take(&b, &sn->len[i]);
	sn->removed += s->removed;
	sn->erased += s->erased;
	sn->n++;
	return 0;
}

static void
snap_fini(struct snap *sn)
{
	size_t i;

	for (i = 0; i < sn->n; i++)
		free(sn->enc[i]);
	free(sn->rid);
	free(sn->enc);
	free(sn->len);
	memset(sn, 0, sizeof *sn);
}

static int
snap_take(struct snap *sn)
{
	memset(sn, 0, sizeof *sn);
	sn->rid = calloc(NRECORDS + 10, sizeof *sn->rid);
	sn->enc = calloc(NRECORDS + 10, sizeof *sn->enc);
	sn->len = calloc(NRECORDS + 10, sizeof *sn->len);
	if (sn->rid == NULL || sn->enc == NULL || sn->len == NULL)
		return DG_ENOMEM;
	return store_node_records(g.n, snap_one, sn);
}

/* Number of records whose encodings differ (or that are missing). */
static size_t
snap_diff(const struct snap *a, const struct snap *b)
{
	size_t i, d = 0;

	if (a->n != b->n)
		return a->n > b->n ? a->n - b->n : b->n - a->n;
	for (i = 0; i < a->n; i++) {
		if (memcmp(a->rid[i], b->rid[i], CORE_RID_LEN) != 0 ||
		    a->len[i] != b->len[i] ||
		    memcmp(a->enc[i], b->enc[i], a->len[i]) != 0)
			d++;
	}
	return d;
}

static int
problem(void *ctx, const struct store_problem *p)
{
	(void)ctx;
	fprintf(stderr, "  problem at seq %llu: %s (%s)\n",
	    (unsigned long long)p->seq, p->what, dg_strerror(p->code));
	return 0;
}

/* store_log_check: returns the problem count, or -1 on error. */
static long long
check_log(uint64_t *checked)
{
	uint64_t problems = 0;
	int rc;

	*checked = 0;
	rc = store_log_check(store_node_db(g.n), g.net, problem, NULL,
	    checked, &problems);
	if (rc != 0) {
		fprintf(stderr, "  store_log_check: %s\n", dg_strerror(rc));
		return -1;
	}
	return (long long)problems;
}

/* A helper process, forked before this one opens anything (so it
 * inherits no store), opens and closes the store on request: a second
 * process sharing it.  Commands: 'o' open, 'c' close, 'q' quit; each is
 * answered 'y' or 'n'. */
static void
helper_main(int in, int out)
{
	struct store_db *db = NULL;
	char c, r;

	while (read(in, &c, 1) == 1 && c != 'q') {
		r = 'n';
		if (c == 'o' && db == NULL)
			r = store_db_open(g.dir, 0, 0, &db) == 0 ? 'y' : 'n';
		else if (c == 'c' && db != NULL) {
			store_db_close(db);
			db = NULL;
			r = 'y';
		}
		if (write(out, &r, 1) != 1)
			break;
	}
	store_db_close(db);
}

static int
helper_start(void)
{
	int to[2], from[2];

	if (pipe(to) != 0)
		return -1;
	if (pipe(from) != 0) {
		close(to[0]);
		close(to[1]);
		return -1;
	}
	fflush(NULL);
	g.helper = fork();
	if (g.helper < 0)
		return -1;
	if (g.helper == 0) {
		close(to[1]);
		close(from[0]);
		helper_main(to[0], from[1]);
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	g.to_helper = to[1];
	g.from_helper = from[0];
	return 0;
}

/* Sends a command; returns the answer ('y', 'n') or 0. */
static char
helper(char cmd)
{
	char r = 0;

	if (g.helper <= 0 || write(g.to_helper, &cmd, 1) != 1 ||
	    read(g.from_helper, &r, 1) != 1)
		return 0;
	return r;
}

static int
helper_stop(void)
{
	int status;

	if (g.helper <= 0)
		return 0;
	if (write(g.to_helper, "q", 1) != 1)
		return -1;
	close(g.to_helper);
	close(g.from_helper);
	if (waitpid(g.helper, &status, 0) != g.helper)
		return -1;
	g.helper = 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- cases -------------------------------------------------------------- */

static void
test_init_and_passphrase(void)
{
	uint8_t pk2[32], *before, *after;
	size_t blen, alen;
	struct store_node *n = NULL;
	int rc;

	strcpy(g.tmp, "/tmp/dugnad-test-store-XXXXXX");
	T_ASSERT(mkdtemp(g.tmp) != NULL);
	snprintf(g.dir, sizeof g.dir, "%s/node", g.tmp);
	snprintf(g.data, sizeof g.data, "%s/data.mdb", g.dir);
	T_EQ_INT(helper_start(), 0);

	/* Nothing there yet. */
	T_EQ_INT(store_node_open(g.dir, PASS, strlen(PASS), 0, &n),
	    DG_ENOTFOUND);
	T_ASSERT(n == NULL);
	T_EQ_INT(store_node_init(g.dir, PASS, 0, 65536, &n), DG_EINVAL);
	T_ASSERT(n == NULL);

	T_EQ_INT(store_node_init(g.dir, PASS, strlen(PASS), 65536, &g.n), 0);
	T_ASSERT(g.n != NULL);
	store_node_pk(g.n, g.pk);
	store_node_close(g.n);
	g.n = NULL;
	/* An identity is there now. */
	rc = store_node_init(g.dir, "other", 5, 65536, &n);
	T_EQ_INT(rc, DG_EEXIST);
	T_ASSERT(n == NULL);

	/* The wrong passphrase: refused, and nothing written. */
	before = slurp(g.data, &blen);
	T_ASSERT(before != NULL && blen > 0);
	rc = store_node_open(g.dir, "correct horse battery stapl",
	    strlen(PASS) - 1, 65536, &n);
	after = slurp(g.data, &alen);
	T_EQ_INT(rc, DG_EPASS);
	T_ASSERT(n == NULL);
	T_ASSERT(after != NULL);
	T_EQ_INT(alen, blen);
	T_ASSERT(memcmp(before, after, blen) == 0);
	free(before);
	free(after);

	/* The right one. */
	T_EQ_INT(store_node_open(g.dir, PASS, strlen(PASS), 65536, &g.n), 0);
	store_node_pk(g.n, pk2);
	T_ASSERT(memcmp(pk2, g.pk, 32) == 0);
	/* The public key is stored in the clear (the search works). */
	T_EQ_INT(file_has(g.pk, 32), 1);
}

static void
test_network(void)
{
	struct core_body b;
	uint8_t net[32];
	char *name = NULL;
	uint64_t checked;

	T_ASSERT(g.n != NULL);
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_REMOVE;
	T_EQ_INT(store_node_append(g.n, &b, 1), DG_ESTATE);
	T_EQ_INT(store_node_network(g.n, net, NULL), DG_ESTATE);
	T_EQ_INT(store_node_network_create(g.n, ""), DG_EINVAL);
	T_EQ_INT(store_node_network_create(g.n, "IKKG\x1b[2J"), DG_EINVAL);
	T_EQ_INT(store_node_network_create(g.n, "IKKG\nOslo"), DG_EINVAL);
	T_EQ_INT(store_node_network_create(g.n, "IKKG \xff"), DG_EUTF8);
	T_EQ_INT(store_node_network(g.n, net, NULL), DG_ESTATE);
	T_EQ_INT(store_node_network_create(g.n, "IKKG Oslo"), 0);
	g.entries = 2; /* genesis and the first key delivery */
	T_EQ_INT(store_node_network_create(g.n, "Again"), DG_EEXIST);
	T_EQ_INT(store_node_network(g.n, g.net, &name), 0);
	T_ASSERT(name != NULL);
	T_EQ_STR(name, "IKKG Oslo");
	free(name);
	T_EQ_INT(store_db_net(store_node_db(g.n), net), 0);
	T_ASSERT(memcmp(net, g.net, 32) == 0);
	T_EQ_INT(check_log(&checked), 0);
	T_EQ_INT(checked, 2);
	/* The network name is kept encrypted. */
	T_EQ_INT(file_has("IKKG Oslo", 9), 0);
}

static int
count_one(void *ctx, const struct core_rstate *s)
{
	struct core_record r;
	size_t *n = ctx;
	const char *name;
	int ok;

	if (core_rstate_record(s, &r) != 0)
		return DG_ENOMEM;
	name = core_record_get(&r, "name");
	ok = name != NULL && strncmp(name, "Person ", 7) == 0 &&
	    r.type == CORE_RT_CONTACT && !r.removed;
	core_record_fini(&r);
	if (ok)
		(*n)++;
	return 0;
}

static void
test_append_grows_map(void)
{
	struct core_body *b;
	struct rec *r;
	size_t i, k, map0, map1, n = 0;
	uint64_t checked;
	int rc = 0;

	T_ASSERT(g.n != NULL);
	map0 = store_db_map_size(store_node_db(g.n));
	/* The size asked for (65536), grown ahead of init's writes to hold
	 * the store and twice that size again: at most 4 times it. */
	T_ASSERT(map0 >= 65536 && map0 <= 4 * 65536);
	for (i = 0; i < NRECORDS; i++) {
		for (k = 0; k < CORE_RID_LEN; k++)
			g.rids[i][k] = (uint8_t)rnd();
	}
	b = calloc(BATCH, sizeof *b);
	r = calloc(BATCH, sizeof *r);
	T_ASSERT(b != NULL && r != NULL);
	for (i = 0; rc == 0 && i < NRECORDS; i += BATCH) {
		for (k = 0; k < BATCH; k++)
			contact(&b[k], &r[k], g.rids[i + k], (int)(i + k));
		rc = append(b, BATCH);
	}
	free(b);
	free(r);
	T_EQ_INT(rc, 0);
	map1 = store_db_map_size(store_node_db(g.n));
	/* It had to grow several times (each time doubling). */
	T_ASSERT(map1 >= map0 << 4);
	T_EQ_INT(store_node_records(g.n, count_one, &n), 0);
	T_EQ_INT(n, NRECORDS);
	{
		struct core_rstate s;

		T_EQ_INT(store_node_record(g.n, g.rids[1234], &s), 0);
		T_EQ_INT(s.nf, 3);
		T_EQ_STR(s.f[1].value, "Person 1234");
		T_EQ_INT(s.nrefs, 1);
		T_ASSERT(memcmp(s.refs[0].author, g.pk, 32) == 0);
		core_rstate_fini(&s);
	}
	T_EQ_INT(check_log(&checked), 0);
	T_EQ_INT(checked, g.entries);
}

static void
test_reindex(void)
{
	struct core_field f[BATCH][2];
	struct core_body b[BATCH];
	char names[BATCH][40];
	struct snap before, after;
	size_t i, n = 0;
	uint64_t checked;

	T_ASSERT(g.n != NULL);
	/* Edits (one value changed, one unset) and removes first, so the
	 * views hold more than one change per record. */
	memset(b, 0, sizeof b);
	for (i = 0; i < BATCH; i++) {
		b[i].kind = CORE_KIND_RECORD;
		memcpy(b[i].rid, g.rids[i * 7], CORE_RID_LEN);
		b[i].rtype = CORE_RT_CONTACT;
		snprintf(names[i], sizeof names[i], "Person %04zu v2", i * 7);
		f[i][0] = (struct core_field){ "name", names[i] };
		f[i][1] = (struct core_field){ "note", NULL };
		b[i].set = f[i];
		b[i].nset = 2;
	}
	T_EQ_INT(append(b, BATCH), 0);
	memset(b, 0, sizeof b);
	for (i = 0; i < 10; i++) {
		b[i].kind = CORE_KIND_REMOVE;
		memcpy(b[i].rid, g.rids[NRECORDS - 1 - i], CORE_RID_LEN);
	}
	T_EQ_INT(append(b, 10), 0);

	T_EQ_INT(snap_take(&before), 0);
	T_EQ_INT(before.n, NRECORDS);
	T_EQ_INT(before.removed, 10);
	T_EQ_INT(store_node_reindex(g.n), 0);
	T_EQ_INT(snap_take(&after), 0);
	n = snap_diff(&before, &after);
	snap_fini(&before);
	snap_fini(&after);
	T_EQ_INT(n, 0);
	T_EQ_INT(check_log(&checked), 0);
	T_EQ_INT(checked, g.entries);
}

static void
test_encrypted_at_rest(void)
{
	struct core_field f[2] = {
		{ "name", SECRET }, { "phone", "+47 22 33 44 55" },
	};
	struct core_field f2[1] = { { "note", "Zyxwvutsrq notat" } };
	struct core_body b;
	struct core_rstate s;

	T_ASSERT(g.n != NULL);
	memset(g.secret_rid, 0x5e, sizeof g.secret_rid);
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_RECORD;
	memcpy(b.rid, g.secret_rid, CORE_RID_LEN);
	b.rtype = CORE_RT_CONTACT;
	b.set = f;
	b.nset = 2;
	T_EQ_INT(append(&b, 1), 0);
	b.set = f2;
	b.nset = 1;
	T_EQ_INT(append(&b, 1), 0);
	/* The node reads it back... */
	T_EQ_INT(store_node_record(g.n, g.secret_rid, &s), 0);
	T_EQ_INT(s.nf, 3);
	T_EQ_STR(s.f[0].value, SECRET);
	core_rstate_fini(&s);
	/* ...but the file holds no trace of it. */
	T_EQ_INT(file_has(SECRET, strlen(SECRET)), 0);
	T_EQ_INT(file_has("Zyxwvutsrq", 10), 0);
	T_EQ_INT(file_has("Secretname", 10), 0);
	T_EQ_INT(file_has("Person 1234", 11), 0);
	T_EQ_INT(file_has("Frivillig nummer", 16), 0);
	T_EQ_INT(file_has("+47 22 33 44 55", 15), 0);
}

/* The stored (encrypted) bodies of the entries about a record. */
struct bodies {
	size_t n, with_body;
	uint8_t *p[8];
	size_t len[8];
	uint8_t kind[8];
};

static int
collect(void *ctx, const struct store_entry *e, const struct core_body *b)
{
	struct bodies *x = ctx;

	(void)b;
	if (x->n >= 8)
		return DG_ELIMIT;
	x->kind[x->n] = e->hdr.kind;
	x->len[x->n] = e->body_len;
	x->p[x->n] = NULL;
	if (e->body != NULL) {
		x->p[x->n] = malloc(e->body_len);
		if (x->p[x->n] == NULL)
			return DG_ENOMEM;
		memcpy(x->p[x->n], e->body, e->body_len);
		x->with_body++;
	}
	x->n++;
	return 0;
}

static void
bodies_fini(struct bodies *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		free(x->p[i]);
	memset(x, 0, sizeof *x);
}

/* How many 16-byte pieces of the bodies data.mdb still holds. */
static size_t
pieces_left(const struct bodies *x)
{
	size_t len, i, o, left = 0;
	uint8_t *file = slurp(g.data, &len);

	if (file == NULL)
		return SIZE_MAX;
	for (i = 0; i < x->n; i++) {
		if (x->p[i] == NULL || x->kind[i] != CORE_KIND_RECORD)
			continue;
		for (o = 0; o + 16 <= x->len[i]; o += 16)
			left += (size_t)contains(file, len, x->p[i] + o, 16);
		left += (size_t)contains(file, len,
		    x->p[i] + x->len[i] - 16, 16);
	}
	free(file);
	return left;
}

struct walk_find {
	const uint8_t *body;
	size_t len;
	int found;
};

static int
walk_find(void *ctx, const struct store_entry *e, int rc)
{
	struct walk_find *w = ctx;

	if (rc == 0 && e->body != NULL && e->body_len == w->len &&
	    memcmp(e->body, w->body, w->len) == 0)
		w->found++;
	return 0;
}

static void
test_erase_and_compact(void)
{
	struct bodies x, y;
	struct core_body b;
	struct core_rstate s;
	struct walk_find w;
	size_t i, pieces;
	uint64_t checked;
	int rc;

	T_ASSERT(g.n != NULL);
	memset(&x, 0, sizeof x);
	memset(&y, 0, sizeof y);
	T_EQ_INT(store_node_history(g.n, g.secret_rid, collect, &x), 0);
	T_EQ_INT(x.n, 2);
	T_EQ_INT(x.with_body, 2);
	/* The bodies are what store_log_walk sees, and they are in the
	 * file now (so the search below can find them). */
	for (i = 0; i < x.n; i++) {
		w.body = x.p[i];
		w.len = x.len[i];
		w.found = 0;
		T_EQ_INT(store_log_walk(store_node_db(g.n), walk_find, &w), 0);
		T_EQ_INT(w.found, 1);
	}
	pieces = pieces_left(&x);
	T_ASSERT(pieces > 4);

	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_ERASE;
	memcpy(b.rid, g.secret_rid, CORE_RID_LEN);
	T_EQ_INT(append(&b, 1), 0);
	/* The view: erased, nothing left. */
	T_EQ_INT(store_node_record(g.n, g.secret_rid, &s), 0);
	T_ASSERT(s.erased);
	T_EQ_INT(s.nf, 0);
	T_EQ_INT(s.nrefs, 3);
	core_rstate_fini(&s);
	/* The record's bodies are gone from the log, the erase entry's
	 * stays. */
	T_EQ_INT(store_node_history(g.n, g.secret_rid, collect, &y), 0);
	T_EQ_INT(y.n, 3);
	T_EQ_INT(y.with_body, 1);
	for (i = 0; i < y.n; i++)
		T_ASSERT((y.p[i] != NULL) == (y.kind[i] == CORE_KIND_ERASE));
	bodies_fini(&y);

	/* Another process has the store open: compaction waits for it,
	 * and the node keeps working. */
	rc = helper('o') == 'y' ? store_node_compact(g.n) : -1000;
	if (helper('c') != 'y' || rc != DG_EBUSY) {
		bodies_fini(&x);
		T_EQ_INT(rc, DG_EBUSY);
		T_ASSERT(!"the helper process could not close the store");
	}
	T_EQ_INT(store_node_record(g.n, g.secret_rid, &s), 0);
	T_ASSERT(s.erased);
	core_rstate_fini(&s);

	T_EQ_INT(store_node_compact(g.n), 0);
	/* Not one 16-byte piece of the ciphertexts is left in the file. */
	pieces = pieces_left(&x);
	bodies_fini(&x);
	T_EQ_INT(pieces, 0);
	T_EQ_INT(file_has(SECRET, strlen(SECRET)), 0);
	/* The chain is whole: headers kept, no problem found. */
	T_EQ_INT(check_log(&checked), 0);
	T_EQ_INT(checked, g.entries);
	T_EQ_INT(access(g.data, R_OK), 0);
}

static void
test_reindex_after_erase(void)
{
	struct snap before, after;
	struct core_rstate s;
	struct rec r;
	struct core_body b;
	uint8_t rid[CORE_RID_LEN];
	size_t n;

	T_ASSERT(g.n != NULL);
	/* The compacted store takes appends. */
	memset(rid, 0x6f, sizeof rid);
	contact(&b, &r, rid, 9999);
	T_EQ_INT(append(&b, 1), 0);
	T_EQ_INT(snap_take(&before), 0);
	T_EQ_INT(before.erased, 1);
	T_EQ_INT(store_node_reindex(g.n), 0);
	T_EQ_INT(snap_take(&after), 0);
	n = snap_diff(&before, &after);
	T_EQ_INT(after.erased, 1);
	snap_fini(&before);
	snap_fini(&after);
	T_EQ_INT(n, 0);
	T_EQ_INT(store_node_record(g.n, g.secret_rid, &s), 0);
	T_ASSERT(s.erased);
	T_EQ_INT(s.nf, 0);
	core_rstate_fini(&s);
}

static void
test_reopen(void)
{
	size_t n = 0;
	uint64_t checked;
	uint8_t pk[32];

	T_ASSERT(g.n != NULL);
	store_node_close(g.n);
	g.n = NULL;
	T_EQ_INT(store_node_open(g.dir, PASS, strlen(PASS), 0, &g.n), 0);
	store_node_pk(g.n, pk);
	T_ASSERT(memcmp(pk, g.pk, 32) == 0);
	T_EQ_INT(store_node_records(g.n, count_one, &n), 0);
	/* 3000 minus 10 removed, minus the 100 renamed to "... v2" (still
	 * "Person "), plus the one added after compaction. */
	T_EQ_INT(n, NRECORDS - 10 + 1);
	T_EQ_INT(check_log(&checked), 0);
	T_EQ_INT(checked, g.entries);
}

/* Writes meta "version" (and, when junk is set, replaces the views by
 * what a version-1 store held there: sealed states under the ids, no
 * rows); reports whether meta "reindex" is set.  The node is closed. */
static int
raw_store(uint64_t version, int junk, int *reindex)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi meta, views, rows;
	MDB_val k, v;
	uint8_t ver[8], key[CORE_RID_LEN], box[120];
	int rc, i;

	rc = mdb_env_create(&env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(env, 16);
	if (rc == 0)
		rc = mdb_env_open(env, g.dir, MDB_NOTLS, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "meta", 0, &meta);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "views", 0, &views);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "rows", MDB_CREATE, &rows);
	if (rc == 0 && version != 0) {
		for (i = 0; i < 8; i++)
			ver[i] = (uint8_t)(version >> (56 - 8 * i));
		k = (MDB_val){ 7, "version" };
		v = (MDB_val){ 8, ver };
		rc = mdb_put(txn, meta, &k, &v, 0);
	}
	for (i = 0; rc == 0 && junk && i < 3; i++) {
		if (i == 0)
			rc = mdb_drop(txn, views, 0);
		if (rc == 0)
			rc = mdb_drop(txn, rows, 0);
		memset(key, 0x41 + i, sizeof key);
		memset(box, 0x5a, sizeof box);
		k = (MDB_val){ sizeof key, key };
		v = (MDB_val){ sizeof box, box };
		if (rc == 0)
			rc = mdb_put(txn, views, &k, &v, 0);
	}
	k = (MDB_val){ 7, "reindex" };
	if (rc == 0)
		*reindex = mdb_get(txn, meta, &k, &v) == 0;
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc;
}

/* A version-1 store (states sealed under the record ids) is brought to
 * version 2 (states in rows) when opened: the old views go at once, and
 * the first unlock rebuilds them from the log - not a wrong
 * passphrase, which leaves the rebuild for the next unlock. */
static void
test_migrate_v1(void)
{
	struct snap before, after;
	char lock[128];
	int reindex = -1, lfd;
	size_t n;

	T_ASSERT(g.n != NULL);
	T_EQ_INT(snap_take(&before), 0);
	store_node_close(g.n);
	g.n = NULL;
	T_EQ_INT(raw_store(1, 1, &reindex), 0);
	T_EQ_INT(reindex, 0);
	/* Another process has the store open (a running older dugnad
	 * would write the old layout): no migration, "busy". */
	snprintf(lock, sizeof lock, "%s/lock", g.dir);
	lfd = open(lock, O_RDWR | O_CLOEXEC);
	T_ASSERT(lfd >= 0);
	T_ASSERT(flock(lfd, LOCK_SH) == 0);
	T_EQ_INT(store_node_open(g.dir, PASS, strlen(PASS), 0, &g.n),
	    DG_EBUSY);
	close(lfd);
	T_EQ_INT(raw_store(0, 0, &reindex), 0);
	T_EQ_INT(reindex, 0);
	T_EQ_INT(store_node_open(g.dir, "wrong", 5, 0, &g.n), DG_EPASS);
	T_EQ_INT(raw_store(0, 0, &reindex), 0);
	T_EQ_INT(reindex, 1);
	T_EQ_INT(store_node_open(g.dir, PASS, strlen(PASS), 0, &g.n), 0);
	T_EQ_INT(raw_store(0, 0, &reindex), 0);
	T_EQ_INT(reindex, 0);
	T_EQ_INT(snap_take(&after), 0);
	n = snap_diff(&before, &after);
	T_EQ_INT(after.n, before.n);
	snap_fini(&before);
	snap_fini(&after);
	T_EQ_INT(n, 0);
}

static void
test_cleanup(void)
{
	int rc = helper_stop();

	store_node_close(g.n);
	g.n = NULL;
	T_EQ_INT(rc, 0);
	if (g.tmp[0] == '\0')
		return;
	T_EQ_INT(rm_dir(g.dir), 0);
	T_EQ_INT(rm_dir(g.tmp), 0);
	T_ASSERT(access(g.tmp, F_OK) != 0);
}

T_MAIN(T_CASE(test_init_and_passphrase), T_CASE(test_network),
    T_CASE(test_append_grows_map), T_CASE(test_reindex),
    T_CASE(test_encrypted_at_rest), T_CASE(test_erase_and_compact),
    T_CASE(test_reindex_after_erase), T_CASE(test_reopen),
    T_CASE(test_migrate_v1),
    T_CASE(test_cleanup))
