/* tests/unit/test_rstate.c - the merge of changes into a record state:
 * a pure function of the set of changes, whatever their order or
 * repetition; last writer wins per field by (HLC, author); erasure is
 * for good.  Also the HLC clock (core/hlc.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "core/entry.h"
#include "core/hlc.h"
#include "core/rstate.h"
#include "tests/unit/t.h"

static uint64_t rng_state = 0xa4093822299f31d0u;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Authors sort A < B < C by memcmp; they differ in their first and last
 * bytes. */
static uint8_t authors[3][32];

static void
init_authors(void)
{
	int a;

	for (a = 0; a < 3; a++) {
		memset(authors[a], 0x40, 32);
		authors[a][0] = (uint8_t)(0x10 * (a + 1));
		authors[a][31] = (uint8_t)(0xf0 - a);
	}
}

#define NREC 3
static const uint8_t rids[NREC][CORE_RID_LEN] = {
	{ 0x01, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	{ 0x02, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 },
	{ 0x03, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3 },
};
static const enum core_rtype rtypes[NREC] = {
	CORE_RT_MEETING, CORE_RT_CONTACT, CORE_RT_REFERRAL,
};
/* Keys per record, sorted; values to draw from. */
static const char *const keys[NREC][5] = {
	{ "capacity", "lang", "place", "title", "title@so" },
	{ "name", "name@ar", "note", "phone", NULL },
	{ "cost", "helps", "name", NULL, NULL },
};
static const char *const values[] = {
	"Kvinnegruppa", "Troms\xc3\xb8", "10", "nb,so", "Amina", "gratis",
	"+47 22 33 44 55", "\xd8\xa3\xd9\x85\xd9\x8a\xd9\x86\xd8\xa9",
};

/* A change with the body it owns. */
struct chg {
	int rec;
	struct core_change c;
	struct core_body b;
	struct core_field set[5];
};

#define MAXCHG 64
static struct chg chg[MAXCHG];
static size_t nchg;

static struct chg *
add(int author, uint64_t seq, uint64_t hlc, uint8_t kind, int rec)
{
	struct chg *x = &chg[nchg++];

	memset(x, 0, sizeof *x);
	x->rec = rec;
	x->c.kind = kind;
	x->c.hlc = hlc;
	x->c.author = authors[author];
	x->c.seq = seq;
	x->c.body = &x->b;
	x->b.kind = kind;
	memcpy(x->b.rid, rids[rec], CORE_RID_LEN);
	x->b.rtype = rtypes[rec];
	x->b.set = x->set;
	return x;
}

static void
set(struct chg *x, const char *key, const char *value)
{
	x->set[x->b.nset].key = (char *)(uintptr_t)key;
	x->set[x->b.nset].value = (char *)(uintptr_t)value;
	x->b.nset++;
}

/* ~30 changes over three records from three authors: random HLCs that
 * often collide across authors, unsets, a remove of record 1 and an
 * erase of record 2 followed by more edits of it. */
static void
build_changes(void)
{
	uint64_t seq[3] = { 0, 0, 0 }, last[3] = { 100, 100, 100 };
	struct chg *x;
	int i, a, r, k, nk;

	init_authors();
	nchg = 0;
	for (i = 0; i < 30; i++) {
		a = (int)(rnd() % 3);
		last[a] += 1 + rnd() % 2;
		seq[a]++;
		if (i == 14) {
			add(a, seq[a], last[a], CORE_KIND_REMOVE, 1);
			continue;
		}
		if (i == 18) {
			add(a, seq[a], last[a], CORE_KIND_ERASE, 2);
			continue;
		}
		r = i >= 25 ? 2 : (int)(rnd() % NREC);
		x = add(a, seq[a], last[a], CORE_KIND_RECORD, r);
		for (nk = 0; nk < 5 && keys[r][nk] != NULL; nk++)
			;
		/* one to three distinct keys, in key order */
		for (k = 0; k < nk && x->b.nset < 3; k++) {
			if (rnd() % 2 == 0)
				continue;
			set(x, keys[r][k], rnd() % 5 == 0 ? NULL :
			    values[rnd() % (sizeof values / sizeof values[0])]);
		}
		if (x->b.nset == 0)
			set(x, keys[r][nk - 1], values[i % 3]);
	}
	/* Exact ties in HLC on one field, from all three authors. */
	for (a = 0; a < 3; a++) {
		seq[a]++;
		x = add(a, seq[a], 1000, CORE_KIND_RECORD, 0);
		set(x, "title", a == 0 ? "from A" : a == 1 ? "from B" :
		    "from C");
	}
	/* and an unset that ties with a set */
	seq[0]++;
	x = add(0, seq[0], 1001, CORE_KIND_RECORD, 0);
	set(x, "place", NULL);
	seq[1]++;
	x = add(1, seq[1], 1001, CORE_KIND_RECORD, 0);
	set(x, "place", "Frivilligsentralen");
}

/* Applies order[0..n) into fresh states and returns their encodings
 * concatenated (owned). */
static int
run(const size_t *order, size_t n, struct core_buf *out)
{
	struct core_rstate st[NREC];
	size_t i;
	int r, rc = 0;

	for (r = 0; r < NREC; r++)
		core_rstate_init(&st[r], rids[r]);
	for (i = 0; rc == 0 && i < n; i++)
		rc = core_rstate_apply(&st[chg[order[i]].rec],
		    &chg[order[i]].c);
	for (r = 0; rc == 0 && r < NREC; r++)
		rc = core_rstate_encode(&st[r], out);
	for (r = 0; r < NREC; r++)
		core_rstate_fini(&st[r]);
	return rc;
}

static void
shuffle(size_t *a, size_t n)
{
	size_t i, j, t;

	for (i = n; i > 1; i--) {
		j = (size_t)(rnd() % i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

static int
stamp_after(uint64_t h1, const uint8_t *a1, uint64_t h2, const uint8_t *a2)
{
	if (h1 != h2)
		return h1 > h2;
	return memcmp(a1, a2, 32) > 0;
}

/* Checks s against the rules computed here from the list of changes. */
static const char *
oracle(const struct core_rstate *s, int rec)
{
	const struct chg *win, *first = NULL;
	size_t i, j, k, nref = 0, nf = 0;
	int erased = 0, removed = 0, any, c;

	for (i = 0; i < nchg; i++) {
		if (chg[i].rec != rec)
			continue;
		nref++;
		erased |= chg[i].c.kind == CORE_KIND_ERASE;
		removed |= chg[i].c.kind == CORE_KIND_REMOVE;
		if (chg[i].c.kind == CORE_KIND_RECORD &&
		    (first == NULL || stamp_after(first->c.hlc, first->c.author,
					  chg[i].c.hlc, chg[i].c.author)))
			first = &chg[i];
	}
	if (s->nrefs != nref)
		return "reference count";
	for (i = 1; i < s->nrefs; i++) {
		c = memcmp(s->refs[i - 1].author, s->refs[i].author, 32);
		if (c > 0 || (c == 0 && s->refs[i - 1].seq >= s->refs[i].seq))
			return "references not sorted by (author, seq)";
	}
	if (s->erased != erased || s->removed != removed)
		return "erased/removed flags";
	if (memcmp(s->id, rids[rec], CORE_RID_LEN) != 0)
		return "id";
	if (erased) {
		if (s->nf != 0 || s->type != 0 || s->type_hlc != 0)
			return "erased record keeps fields or type";
		return NULL;
	}
	if (first == NULL || s->type != first->b.rtype ||
	    s->type_hlc != first->c.hlc ||
	    memcmp(s->type_author, first->c.author, 32) != 0)
		return "type is not that of the earliest record change";
	/* Every key touched: the newest (hlc, author) change wins. */
	for (k = 0; k < 5 && keys[rec][k] != NULL; k++) {
		win = NULL;
		any = 0;
		for (i = 0; i < nchg; i++) {
			if (chg[i].rec != rec ||
			    chg[i].c.kind != CORE_KIND_RECORD)
				continue;
			for (j = 0; j < chg[i].b.nset; j++) {
				if (strcmp(chg[i].set[j].key, keys[rec][k]))
					continue;
				any = 1;
				if (win == NULL || stamp_after(chg[i].c.hlc,
						       chg[i].c.author,
						       win->c.hlc,
						       win->c.author))
					win = &chg[i];
			}
		}
		if (!any)
			continue;
		nf++;
		for (i = 0; i < s->nf; i++) {
			if (strcmp(s->f[i].key, keys[rec][k]) == 0)
				break;
		}
		if (i == s->nf)
			return "a field set by a change is missing";
		if (s->f[i].hlc != win->c.hlc ||
		    memcmp(s->f[i].author, win->c.author, 32) != 0)
			return "field stamp is not the newest change's";
		for (j = 0; j < win->b.nset; j++) {
			if (strcmp(win->set[j].key, keys[rec][k]) == 0)
				break;
		}
		if ((win->set[j].value == NULL) != (s->f[i].value == NULL) ||
		    (s->f[i].value != NULL &&
			strcmp(win->set[j].value, s->f[i].value) != 0))
			return "field value is not the newest change's";
	}
	if (s->nf != nf)
		return "field count";
	for (i = 1; i < s->nf; i++) {
		if (strcmp(s->f[i - 1].key, s->f[i].key) >= 0)
			return "fields not sorted";
	}
	return NULL;
}

static void
test_merge_matches_rules(void)
{
	struct core_rstate st[NREC];
	const char *why = NULL;
	size_t i;
	int r, rc = 0;

	build_changes();
	T_ASSERT(nchg >= 30);
	/* The set has what it is meant to have. */
	{
		int ties = 0, unsets = 0, after_erase = 0;
		uint64_t erase_hlc = 0;
		size_t j;

		for (i = 0; i < nchg; i++) {
			if (chg[i].c.kind == CORE_KIND_ERASE)
				erase_hlc = chg[i].c.hlc;
			for (j = 0; j < chg[i].b.nset; j++)
				unsets += chg[i].set[j].value == NULL;
			for (j = 0; j < i; j++)
				ties += chg[j].rec == chg[i].rec &&
				    chg[j].c.hlc == chg[i].c.hlc &&
				    chg[j].c.author != chg[i].c.author;
		}
		for (i = 0; i < nchg; i++)
			after_erase += chg[i].rec == 2 &&
			    chg[i].c.kind == CORE_KIND_RECORD &&
			    chg[i].c.hlc > erase_hlc;
		T_ASSERT(erase_hlc > 0 && after_erase > 0);
		T_ASSERT(ties >= 4 && unsets >= 2);
	}
	for (r = 0; r < NREC; r++)
		core_rstate_init(&st[r], rids[r]);
	for (i = 0; rc == 0 && i < nchg; i++)
		rc = core_rstate_apply(&st[chg[i].rec], &chg[i].c);
	for (r = 0; rc == 0 && why == NULL && r < NREC; r++) {
		why = oracle(&st[r], r);
		if (why != NULL)
			fprintf(stderr, "  record %d: %s\n", r, why);
	}
	for (r = 0; r < NREC; r++)
		core_rstate_fini(&st[r]);
	T_EQ_INT(rc, 0);
	T_ASSERT(why == NULL);
}

static void
test_merge_any_order(void)
{
	struct core_buf ref, got;
	size_t order[2 * MAXCHG], i, n, extra;
	int p, diff = 0, rc;

	build_changes();
	for (i = 0; i < nchg; i++)
		order[i] = i;
	core_buf_init(&ref);
	T_EQ_INT(run(order, nchg, &ref), 0);
	T_ASSERT(ref.len > 0);
	/* 200 permutations. */
	for (p = 0; p < 200; p++) {
		shuffle(order, nchg);
		core_buf_init(&got);
		rc = run(order, nchg, &got);
		if (rc != 0 || got.len != ref.len ||
		    memcmp(got.data, ref.data, ref.len) != 0)
			diff++;
		core_buf_fini(&got);
	}
	/* 200 more with some changes applied twice, anywhere. */
	for (p = 0; p < 200; p++) {
		for (i = 0; i < nchg; i++)
			order[i] = i;
		n = nchg;
		for (extra = rnd() % 10 + 1; extra > 0; extra--)
			order[n++] = (size_t)(rnd() % nchg);
		shuffle(order, n);
		core_buf_init(&got);
		rc = run(order, n, &got);
		if (rc != 0 || got.len != ref.len ||
		    memcmp(got.data, ref.data, ref.len) != 0)
			diff++;
		core_buf_fini(&got);
	}
	/* Everything twice, in reverse. */
	for (i = 0; i < nchg; i++) {
		order[i] = nchg - 1 - i;
		order[nchg + i] = nchg - 1 - i;
	}
	core_buf_init(&got);
	rc = run(order, 2 * nchg, &got);
	if (rc != 0 || got.len != ref.len ||
	    memcmp(got.data, ref.data, ref.len) != 0)
		diff++;
	core_buf_fini(&got);
	core_buf_fini(&ref);
	T_EQ_INT(diff, 0);
}

/* A fresh state with the given changes applied in order. */
static int
apply_all(struct core_rstate *s, int rec, const size_t *idx, size_t n)
{
	size_t i;
	int rc = 0;

	core_rstate_init(s, rids[rec]);
	for (i = 0; rc == 0 && i < n; i++)
		rc = core_rstate_apply(s, &chg[idx[i]].c);
	return rc;
}

static const char *
field(const struct core_rstate *s, const char *key, int *present)
{
	size_t i;

	for (i = 0; i < s->nf; i++) {
		if (strcmp(s->f[i].key, key) == 0) {
			*present = 1;
			return s->f[i].value;
		}
	}
	*present = 0;
	return NULL;
}

static void
test_last_writer_wins(void)
{
	static const size_t perms[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	struct core_rstate s;
	struct core_record rec;
	const char *v;
	struct chg *x;
	size_t idx[8];
	int p, present;

	init_authors();
	nchg = 0;
	x = add(0, 1, 10, CORE_KIND_RECORD, 0);	/* A at 10 */
	set(x, "title", "A10");
	x = add(1, 1, 10, CORE_KIND_RECORD, 0);	/* B at 10: B > A */
	set(x, "title", "B10");
	x = add(2, 1, 9, CORE_KIND_RECORD, 0);	/* C at 9: older */
	set(x, "title", "C9");
	set(x, "place", "C9 place");
	for (p = 0; p < 6; p++) {
		T_EQ_INT(apply_all(&s, 0, perms[p], 3), 0);
		v = field(&s, "title", &present);
		T_ASSERT(present && v != NULL && strcmp(v, "B10") == 0);
		v = field(&s, "place", &present);
		T_ASSERT(present && v != NULL && strcmp(v, "C9 place") == 0);
		/* The type comes from the earliest change: C at 9. */
		T_EQ_INT(s.type_hlc, 9);
		T_ASSERT(memcmp(s.type_author, authors[2], 32) == 0);
		core_rstate_fini(&s);
	}
	/* A later unset by A: the field stays known, without a value, and
	 * the user's record no longer shows it. */
	x = add(0, 2, 11, CORE_KIND_RECORD, 0);
	set(x, "title", NULL);
	idx[0] = 3;
	idx[1] = 0;
	idx[2] = 1;
	idx[3] = 2;
	T_EQ_INT(apply_all(&s, 0, idx, 4), 0);
	v = field(&s, "title", &present);
	T_ASSERT(present && v == NULL);
	T_EQ_INT(core_rstate_record(&s, &rec), 0);
	T_ASSERT(core_record_get(&rec, "title") == NULL);
	T_EQ_STR(core_record_get(&rec, "place"), "C9 place");
	T_EQ_INT(rec.nfields, 1);
	T_EQ_INT(rec.created, 9);
	T_EQ_INT(rec.updated, 11);
	T_EQ_INT(rec.type, CORE_RT_MEETING);
	T_ASSERT(!rec.removed);
	core_record_fini(&rec);
	core_rstate_fini(&s);
	/* C sets it again at 11, tying with A's unset: C > A wins. */
	x = add(2, 2, 11, CORE_KIND_RECORD, 0);
	set(x, "title", "C11");
	idx[4] = 4;
	T_EQ_INT(apply_all(&s, 0, idx, 5), 0);
	v = field(&s, "title", &present);
	T_ASSERT(present && v != NULL && strcmp(v, "C11") == 0);
	core_rstate_fini(&s);
	idx[0] = 4;
	idx[4] = 3;
	T_EQ_INT(apply_all(&s, 0, idx, 5), 0);
	v = field(&s, "title", &present);
	T_ASSERT(present && v != NULL && strcmp(v, "C11") == 0);
	core_rstate_fini(&s);
}

/* The tie-break compares whole keys, not a prefix. */
static void
test_author_tiebreak_whole_key(void)
{
	uint8_t x[32], y[32];
	struct core_field fx = { "name", "X" }, fy = { "name", "Y" };
	struct core_body bx, by;
	struct core_change cx, cy;
	struct core_rstate s1, s2;
	int present;
	const char *v;

	memset(x, 0x77, 32);
	memset(y, 0x77, 32);
	x[31] = 1;
	y[31] = 2;
	memset(&bx, 0, sizeof bx);
	bx.kind = CORE_KIND_RECORD;
	memcpy(bx.rid, rids[1], CORE_RID_LEN);
	bx.rtype = CORE_RT_CONTACT;
	by = bx;
	bx.set = &fx;
	bx.nset = 1;
	by.set = &fy;
	by.nset = 1;
	cx = (struct core_change){ CORE_KIND_RECORD, 50, x, 1, &bx };
	cy = (struct core_change){ CORE_KIND_RECORD, 50, y, 1, &by };
	core_rstate_init(&s1, rids[1]);
	core_rstate_init(&s2, rids[1]);
	T_EQ_INT(core_rstate_apply(&s1, &cx), 0);
	T_EQ_INT(core_rstate_apply(&s1, &cy), 0);
	T_EQ_INT(core_rstate_apply(&s2, &cy), 0);
	T_EQ_INT(core_rstate_apply(&s2, &cx), 0);
	v = field(&s1, "name", &present);
	T_ASSERT(present && v != NULL && strcmp(v, "Y") == 0);
	v = field(&s2, "name", &present);
	T_ASSERT(present && v != NULL && strcmp(v, "Y") == 0);
	/* A newer HLC beats a greater author. */
	cx.hlc = 51;
	cx.seq = 2;
	T_EQ_INT(core_rstate_apply(&s1, &cx), 0);
	v = field(&s1, "name", &present);
	T_ASSERT(present && v != NULL && strcmp(v, "X") == 0);
	core_rstate_fini(&s1);
	core_rstate_fini(&s2);
}

static int
contains(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++) {
		if (memcmp(p + i, needle, k) == 0)
			return 1;
	}
	return 0;
}

static void
test_erase_is_final(void)
{
	struct core_buf b1, b2;
	struct core_record rec;
	struct core_rstate s;
	struct chg *x;
	size_t fwd[4] = { 0, 1, 2, 3 }, rev[4] = { 3, 2, 1, 0 };

	init_authors();
	nchg = 0;
	x = add(0, 1, 10, CORE_KIND_RECORD, 2);
	set(x, "name", "Legevakten");
	set(x, "helps", "alt");
	x = add(1, 1, 11, CORE_KIND_RECORD, 2);
	set(x, "cost", "gratis");
	add(2, 1, 12, CORE_KIND_ERASE, 2);
	/* A later edit (someone who had not seen the erase). */
	x = add(0, 2, 20, CORE_KIND_RECORD, 2);
	set(x, "name", "Legevakten igjen");
	core_buf_init(&b1);
	core_buf_init(&b2);
	T_EQ_INT(apply_all(&s, 2, fwd, 4), 0);
	T_ASSERT(s.erased);
	T_EQ_INT(s.nf, 0);
	T_EQ_INT(s.type, 0);
	T_EQ_INT(s.nrefs, 4);
	T_EQ_INT(core_rstate_record(&s, &rec), 0);
	T_EQ_INT(rec.nfields, 0);
	core_record_fini(&rec);
	T_EQ_INT(core_rstate_encode(&s, &b1), 0);
	core_rstate_fini(&s);
	T_EQ_INT(apply_all(&s, 2, rev, 4), 0);
	T_ASSERT(s.erased);
	T_EQ_INT(s.nf, 0);
	T_EQ_INT(core_rstate_encode(&s, &b2), 0);
	/* More edits after that, and the erase again. */
	x = add(1, 2, 30, CORE_KIND_RECORD, 2);
	set(x, "helps", "ny");
	T_EQ_INT(core_rstate_apply(&s, &chg[4].c), 0);
	T_EQ_INT(core_rstate_apply(&s, &chg[2].c), 0);
	T_ASSERT(s.erased);
	T_EQ_INT(s.nf, 0);
	T_EQ_INT(s.nrefs, 5);
	core_rstate_fini(&s);
	T_EQ_INT(b1.len, b2.len);
	T_ASSERT(memcmp(b1.data, b2.data, b1.len) == 0);
	/* No value survives in the encoding. */
	T_ASSERT(!contains(b1.data, b1.len, "Legevakten"));
	T_ASSERT(!contains(b1.data, b1.len, "gratis"));
	core_buf_fini(&b1);
	core_buf_fini(&b2);
}

static void
test_remove_and_dropped_bodies(void)
{
	struct core_record rec;
	struct core_rstate s;
	struct chg *x;
	size_t idx[3] = { 0, 1, 2 };

	init_authors();
	nchg = 0;
	x = add(0, 1, 10, CORE_KIND_RECORD, 1);
	set(x, "name", "Amina");
	add(1, 1, 11, CORE_KIND_REMOVE, 1);
	/* A record change whose body was dropped: only its reference. */
	x = add(2, 1, 12, CORE_KIND_RECORD, 1);
	set(x, "name", "never seen");
	x->c.body = NULL;
	T_EQ_INT(apply_all(&s, 1, idx, 3), 0);
	T_ASSERT(s.removed);
	T_ASSERT(!s.erased);
	T_EQ_INT(s.nrefs, 3);
	T_EQ_INT(s.nf, 1);
	T_EQ_STR(s.f[0].value, "Amina");
	T_EQ_INT(core_rstate_record(&s, &rec), 0);
	T_ASSERT(rec.removed);
	T_EQ_STR(core_record_get(&rec, "name"), "Amina");
	T_EQ_INT(rec.updated, 12);
	core_record_fini(&rec);
	core_rstate_fini(&s);
	/* Only a remove: no type yet. */
	idx[0] = 1;
	T_EQ_INT(apply_all(&s, 1, idx, 1), 0);
	T_ASSERT(s.removed);
	T_EQ_INT(s.type, 0);
	core_rstate_fini(&s);
	core_rstate_fini(NULL);
}

/* Merging never refuses a field key: refusing one at a limit would
 * depend on the order of arrival.  Past the CLI's soft limit the merge
 * still gives the same state in either order, and the state decodes. */
static void
test_keys_unbounded(void)
{
	enum { NKEYS = CORE_RECORD_KEYS_SOFT + 2 * CORE_RECORD_FIELDS_MAX };
	static char names[NKEYS][16];
	struct core_field *f;
	struct core_body b;
	struct core_change c;
	struct core_rstate s1, s2, d;
	struct core_buf e1, e2;
	size_t i, k = 0, order;
	uint64_t seq;

	init_authors();
	f = calloc(NKEYS, sizeof *f);
	T_ASSERT(f != NULL);
	for (i = 0; i < NKEYS; i++) {
		snprintf(names[i], sizeof names[i], "note@x%05zu", i);
		f[i].key = names[i];
		f[i].value = "x";
	}
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_RECORD;
	memcpy(b.rid, rids[1], CORE_RID_LEN);
	b.rtype = CORE_RT_CONTACT;
	core_rstate_init(&s1, rids[1]);
	core_rstate_init(&s2, rids[1]);
	/* s1 gets the changes first to last, s2 last to first. */
	for (order = 0; order < 2; order++) {
		size_t nch = (NKEYS + CORE_RECORD_FIELDS_MAX - 1) /
		    CORE_RECORD_FIELDS_MAX;

		for (k = 0; k < nch; k++) {
			size_t ch = order ? nch - 1 - k : k;

			seq = ch + 1;
			b.set = f + ch * CORE_RECORD_FIELDS_MAX;
			b.nset = NKEYS - ch * CORE_RECORD_FIELDS_MAX;
			if (b.nset > CORE_RECORD_FIELDS_MAX)
				b.nset = CORE_RECORD_FIELDS_MAX;
			c = (struct core_change){ CORE_KIND_RECORD, 100 + seq,
				authors[ch % 3], seq, &b };
			T_EQ_INT(core_rstate_apply(order ? &s2 : &s1, &c), 0);
		}
	}
	T_EQ_INT(s1.nf, NKEYS);
	core_buf_init(&e1);
	core_buf_init(&e2);
	T_EQ_INT(core_rstate_encode(&s1, &e1), 0);
	T_EQ_INT(core_rstate_encode(&s2, &e2), 0);
	T_EQ_INT(e1.len, e2.len);
	T_ASSERT(memcmp(e1.data, e2.data, e1.len) == 0);
	T_EQ_INT(core_rstate_decode((const uint8_t *)e1.data, e1.len, &d), 0);
	T_EQ_INT(d.nf, NKEYS);
	core_rstate_fini(&d);
	core_rstate_fini(&s1);
	core_rstate_fini(&s2);
	core_buf_fini(&e1);
	core_buf_fini(&e2);
	free(f);
}

static void
test_encode_decode(void)
{
	struct core_rstate st[NREC], d;
	struct core_buf b, b2;
	size_t i;
	int r, bad = 0;

	build_changes();
	for (r = 0; r < NREC; r++)
		core_rstate_init(&st[r], rids[r]);
	for (i = 0; i < nchg; i++)
		T_EQ_INT(core_rstate_apply(&st[chg[i].rec], &chg[i].c), 0);
	for (r = 0; r < NREC; r++) {
		core_buf_init(&b);
		core_buf_init(&b2);
		if (core_rstate_encode(&st[r], &b) != 0 ||
		    core_rstate_decode((const uint8_t *)b.data, b.len, &d) != 0 ||
		    core_rstate_encode(&d, &b2) != 0 || b.len != b2.len ||
		    memcmp(b.data, b2.data, b.len) != 0 ||
		    d.nf != st[r].nf || d.nrefs != st[r].nrefs ||
		    d.type != st[r].type || d.erased != st[r].erased ||
		    d.removed != st[r].removed || oracle(&d, r) != NULL)
			bad++;
		core_rstate_fini(&d);
		core_buf_fini(&b);
		core_buf_fini(&b2);
	}
	/* An empty state too. */
	core_rstate_fini(&st[0]);
	core_rstate_init(&st[0], rids[0]);
	core_buf_init(&b);
	T_EQ_INT(core_rstate_encode(&st[0], &b), 0);
	T_EQ_INT(core_rstate_decode((const uint8_t *)b.data, b.len, &d), 0);
	T_EQ_INT(d.nf + d.nrefs, 0);
	core_rstate_fini(&d);
	core_buf_fini(&b);
	for (r = 0; r < NREC; r++)
		core_rstate_fini(&st[r]);
	T_EQ_INT(bad, 0);
}

static int
sbuf_write_ref(void *data, const char *buf, size_t len)
{
	return msgpack_sbuffer_write(data, buf, len);
}

/* The state as the packer of msgpack-c writes it (how it was encoded up
 * to layout 2's first version): authors sorted, named by their place. */
static size_t
ref_author(const uint8_t *const *t, size_t n, const uint8_t *a)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (memcmp(t[i], a, 32) == 0)
			return i;
	}
	return 0;
}

static void
ref_encode(const struct core_rstate *s, const uint8_t *const *t, size_t n,
    msgpack_sbuffer *sb)
{
	msgpack_packer pk;
	size_t i;

	msgpack_packer_init(&pk, sb, sbuf_write_ref);
	msgpack_pack_array(&pk, 10);
	msgpack_pack_uint8(&pk, 2);
	msgpack_pack_bin_with_body(&pk, s->id, CORE_RID_LEN);
	msgpack_pack_array(&pk, n);
	for (i = 0; i < n; i++)
		msgpack_pack_bin_with_body(&pk, t[i], 32);
	msgpack_pack_uint8(&pk, (uint8_t)s->type);
	msgpack_pack_uint64(&pk, s->type_hlc);
	msgpack_pack_uint64(&pk, ref_author(t, n, s->type_author));
	if (s->removed)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	if (s->erased)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	msgpack_pack_array(&pk, s->nf);
	for (i = 0; i < s->nf; i++) {
		msgpack_pack_array(&pk, 4);
		msgpack_pack_str_with_body(&pk, s->f[i].key,
		    strlen(s->f[i].key));
		if (s->f[i].value == NULL)
			msgpack_pack_nil(&pk);
		else
			msgpack_pack_str_with_body(&pk, s->f[i].value,
			    strlen(s->f[i].value));
		msgpack_pack_uint64(&pk, s->f[i].hlc);
		msgpack_pack_uint64(&pk, ref_author(t, n, s->f[i].author));
	}
	msgpack_pack_array(&pk, s->nrefs);
	for (i = 0; i < s->nrefs; i++) {
		msgpack_pack_array(&pk, 4);
		msgpack_pack_uint64(&pk, ref_author(t, n, s->refs[i].author));
		msgpack_pack_uint64(&pk, s->refs[i].seq);
		msgpack_pack_uint64(&pk, s->refs[i].hlc);
		msgpack_pack_uint8(&pk, s->refs[i].kind);
	}
}

static int
ptr_author_cmp(const void *a, const void *b)
{
	return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b,
	    32);
}

/* The encoder writes MessagePack itself: byte for byte what msgpack-c
 * writes, for every size of integer, string (fix, 8, 16, 32 bits) and
 * array (fix, 16 bits), with few and many authors, so states stored
 * before it read the same. */
static void
test_encode_matches_msgpack(void)
{
	static const uint64_t nums[] = { 0, 1, 127, 128, 255, 256, 65535,
		65536, 0xffffffffu, 0x100000000u, UINT64_MAX };
	static const size_t lens[] = { 0, 1, 31, 32, 255, 256, 65535, 65536,
		3000 };
	const size_t nn = sizeof nums / sizeof *nums;
	const size_t nl = sizeof lens / sizeof *lens;
	static uint8_t many[70][32];
	const uint8_t *t[1 + 40 + 70];
	struct core_rstate s;
	struct core_buf b;
	msgpack_sbuffer sb;
	size_t i, k, n, nf, nrefs;
	int round;

	init_authors();
	for (i = 0; i < 70; i++) {
		for (k = 0; k < 32; k++)
			many[i][k] = (uint8_t)rnd();
	}
	for (round = 0; round < 6; round++) {
		/* 0: empty; 1: 1 field and 1 entry; 2: 15 and 15 (the
		 * largest fixarray); 3: 40 and 70 (16-bit arrays); 4 and 5:
		 * as 2 and 3 with an author of its own for each */
		static const size_t fs[] = { 0, 1, 15, 40, 15, 40 };
		static const size_t rs[] = { 0, 1, 15, 70, 15, 70 };

		nf = fs[round];
		nrefs = rs[round];
		core_rstate_init(&s, rids[round % NREC]);
		s.type = (enum core_rtype)(round % 3 + 1);
		s.type_hlc = nums[(size_t)round * 3 % nn];
		memcpy(s.type_author, authors[(round + 1) % 3], 32);
		s.removed = round & 1;
		s.erased = round == 2;
		s.f = calloc(nf ? nf : 1, sizeof *s.f);
		s.refs = calloc(nrefs ? nrefs : 1, sizeof *s.refs);
		T_ASSERT(s.f != NULL && s.refs != NULL);
		s.nf = nf;
		s.nrefs = nrefs;
		for (i = 0; i < nf; i++) {
			size_t len = lens[i % nl];

			s.f[i].key = malloc(24);
			T_ASSERT(s.f[i].key != NULL);
			snprintf(s.f[i].key, 24, "k%03zu", i);
			if (i % 7 == 6) {
				s.f[i].value = NULL;
			} else {
				s.f[i].value = malloc(len + 1);
				T_ASSERT(s.f[i].value != NULL);
				memset(s.f[i].value, 'a' + (int)(i % 26), len);
				s.f[i].value[len] = '\0';
			}
			s.f[i].hlc = nums[i % nn];
			memcpy(s.f[i].author,
			    round >= 4 ? many[i] : authors[i % 3], 32);
		}
		for (i = 0; i < nrefs; i++) {
			memcpy(s.refs[i].author,
			    round >= 4 ? many[69 - i] : authors[(i + 1) % 3],
			    32);
			s.refs[i].seq = nums[(i + 3) % nn];
			s.refs[i].hlc = nums[(i + 5) % nn];
			s.refs[i].kind = (uint8_t)(i % 5 * 60);
		}
		core_buf_init(&b);
		T_EQ_INT(core_rstate_encode(&s, &b), 0);
		/* the authors the state names, sorted, each once */
		n = 0;
		t[n++] = s.type_author;
		for (i = 0; i < nf; i++)
			t[n++] = s.f[i].author;
		for (i = 0; i < nrefs; i++)
			t[n++] = s.refs[i].author;
		qsort(t, n, sizeof *t, ptr_author_cmp);
		for (i = k = 1; i < n; i++) {
			if (memcmp(t[i], t[k - 1], 32) != 0)
				t[k++] = t[i];
		}
		msgpack_sbuffer_init(&sb);
		ref_encode(&s, t, k, &sb);
		T_EQ_INT(b.len, sb.size);
		T_ASSERT(b.len == sb.size && memcmp(b.data, sb.data, b.len) == 0);
		msgpack_sbuffer_destroy(&sb);
		core_buf_fini(&b);
		core_rstate_fini(&s);
	}
}

/* Hand-written states for the decoder.  variant picks one defect. */
enum {
	V_OK, V_VERSION, V_TYPE4, V_UNSORTED_FIELDS, V_DUP_FIELD,
	V_UNSORTED_REFS, V_DUP_REF, V_SHORT_AUTHOR, V_KIND256, V_COUNT8,
	V_NOT_BOOL, V_FIELD_INT, V_AUTHOR_INDEX, V_UNSORTED_AUTHORS,
	V_DUP_AUTHOR, V_AUTHOR_BIN, V_REF3, V_TOO_MANY_FIELDS, V_TRAILING,
};

static int
sbuf_write(void *data, const char *buf, size_t len)
{
	return msgpack_sbuffer_write(data, buf, len);
}

static int
decode_variant(int v)
{
	static const char *const fk[2][2] = { { "a", "b" }, { "b", "a" } };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct core_rstate d;
	uint8_t au[2][32];
	size_t i, nf;
	int rc;

	memset(au[0], 0x10, 32);
	memset(au[1], v == V_DUP_AUTHOR ? 0x10 : 0x20, 32);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, sbuf_write);
	msgpack_pack_array(&pk, v == V_COUNT8 ? 9 : 10);
	msgpack_pack_uint8(&pk, v == V_VERSION ? 1 : 2);
	msgpack_pack_bin_with_body(&pk, rids[0], CORE_RID_LEN);
	/* the author table */
	msgpack_pack_array(&pk, 2);
	for (i = 0; i < 2; i++) {
		size_t k = v == V_UNSORTED_AUTHORS ? 1 - i : i;

		if (v == V_AUTHOR_BIN && i == 1)
			msgpack_pack_str_with_body(&pk, (const char *)au[k], 32);
		else
			msgpack_pack_bin_with_body(&pk, au[k],
			    v == V_SHORT_AUTHOR && i == 1 ? 31 : 32);
	}
	msgpack_pack_uint8(&pk, v == V_TYPE4 ? 4 : 2);
	msgpack_pack_uint64(&pk, 77);
	msgpack_pack_uint8(&pk, v == V_AUTHOR_INDEX ? 2 : 0);
	if (v == V_NOT_BOOL)
		msgpack_pack_uint8(&pk, 0);
	else
		msgpack_pack_false(&pk);
	msgpack_pack_false(&pk);
	if (v == V_TOO_MANY_FIELDS) {
		nf = CORE_RSTATE_KEYS_MAX + 1;
		msgpack_pack_array(&pk, nf);
		for (i = 0; i < nf; i++) {
			char k[16];

			snprintf(k, sizeof k, "k%05zu", i);
			msgpack_pack_array(&pk, 4);
			msgpack_pack_str_with_body(&pk, k, strlen(k));
			msgpack_pack_nil(&pk);
			msgpack_pack_uint8(&pk, 1);
			msgpack_pack_uint8(&pk, 0);
		}
	} else {
		msgpack_pack_array(&pk, 2);
		for (i = 0; i < 2; i++) {
			const char *k = v == V_DUP_FIELD ? "a" :
			    fk[v == V_UNSORTED_FIELDS][i];

			msgpack_pack_array(&pk, 4);
			msgpack_pack_str_with_body(&pk, k, 1);
			if (v == V_FIELD_INT && i == 1)
				msgpack_pack_uint8(&pk, 5);
			else
				msgpack_pack_str_with_body(&pk, "x", 1);
			msgpack_pack_uint8(&pk, 9);
			msgpack_pack_uint8(&pk, 0);
		}
	}
	if (v != V_COUNT8)
		msgpack_pack_array(&pk, 2);
	for (i = 0; v != V_COUNT8 && i < 2; i++) {
		size_t a = v == V_UNSORTED_REFS ? 1 - i : i;

		if (v == V_DUP_REF)
			a = 0;
		msgpack_pack_array(&pk, v == V_REF3 ? 3 : 4);
		msgpack_pack_uint8(&pk, (uint8_t)a);
		msgpack_pack_uint8(&pk, 1);
		msgpack_pack_uint8(&pk, 9);
		if (v != V_REF3)
			msgpack_pack_uint16(&pk, v == V_KIND256 ? 256 : 16);
	}
	if (v == V_TRAILING)
		msgpack_pack_nil(&pk);
	rc = core_rstate_decode((const uint8_t *)sb.data, sb.size, &d);
	core_rstate_fini(&d);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static void
test_decode_rejects(void)
{
	struct core_rstate st, d;
	struct core_buf b;
	uint8_t *p;
	size_t i, n;
	int it, bad = 0, v;

	T_EQ_INT(decode_variant(V_OK), 0);
	for (v = V_VERSION; v <= V_REF3; v++) {
		if (decode_variant(v) == 0) {
			fprintf(stderr, "  variant %d accepted\n", v);
			bad++;
		}
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(decode_variant(V_TOO_MANY_FIELDS), DG_ELIMIT);
	T_EQ_INT(decode_variant(V_TRAILING), DG_EDECODE);

	/* Every cut of a real state, and random changes of it. */
	build_changes();
	core_rstate_init(&st, rids[0]);
	for (i = 0; i < nchg; i++) {
		if (chg[i].rec == 0)
			T_EQ_INT(core_rstate_apply(&st, &chg[i].c), 0);
	}
	core_buf_init(&b);
	T_EQ_INT(core_rstate_encode(&st, &b), 0);
	core_rstate_fini(&st);
	for (n = 0; n < b.len; n++) {
		p = malloc(n ? n : 1);
		T_ASSERT(p != NULL);
		memcpy(p, b.data, n);
		if (core_rstate_decode(p, n, &d) == 0)
			bad++;
		core_rstate_fini(&d);
		free(p);
	}
	T_EQ_INT(bad, 0);
	p = malloc(b.len);
	T_ASSERT(p != NULL);
	for (it = 0; it < 20000; it++) {
		memcpy(p, b.data, b.len);
		for (i = rnd() % 3 + 1; i > 0; i--)
			p[rnd() % b.len] = (uint8_t)rnd();
		(void)!core_rstate_decode(p, b.len, &d);
		core_rstate_fini(&d);
	}
	/* Plain garbage. */
	for (it = 0; it < 20000; it++) {
		n = (size_t)(rnd() % 64) + 1;
		for (i = 0; i < n && i < b.len; i++)
			p[i] = (uint8_t)rnd();
		(void)!core_rstate_decode(p, n < b.len ? n : b.len, &d);
		core_rstate_fini(&d);
	}
	free(p);
	core_buf_fini(&b);
	T_EQ_INT(core_rstate_decode((const uint8_t *)"", 0, &d), DG_EDECODE);
	core_rstate_fini(&d);
	T_EQ_INT(core_rstate_decode((const uint8_t *)"\x90", 1, &d),
	    DG_EDECODE);
	core_rstate_fini(&d);
	/* 2^32-1 elements claimed in five bytes. */
	T_ASSERT(core_rstate_decode((const uint8_t *)"\xdd\xff\xff\xff\xff",
		     5, &d) != 0);
	core_rstate_fini(&d);
	T_ASSERT(core_rstate_decode((const uint8_t *)"\x99\x01\xc4\x10"
					"0123456789abcdef\x02\x00\xc4\x20"
					"0123456789abcdef0123456789abcdef"
					"\xc2\xc2\xdd\xff\xff\xff\xff",
		     63, &d) != 0);
	core_rstate_fini(&d);
}

static void
test_hlc(void)
{
	uint64_t t, u, ms = 1700000000000u;
	int i;

	/* The wall clock ahead: its time, counter zero. */
	t = core_hlc_next(0, ms);
	T_EQ_INT(t, ms << 16);
	T_EQ_INT(CORE_HLC_MS(t), ms);
	/* Same millisecond, or the clock going back: the counter moves. */
	u = core_hlc_next(t, ms);
	T_EQ_INT(u, t + 1);
	u = core_hlc_next(u, ms - 5000);
	T_EQ_INT(u, t + 2);
	T_EQ_INT(CORE_HLC_MS(u), ms);
	/* Always increasing, whatever the wall clock says. */
	t = 0;
	for (i = 0; i < 100000; i++) {
		u = core_hlc_next(t, ms + (rnd() % 7) - 3);
		T_ASSERT(u > t);
		t = u;
	}
	/* Counter overflow carries into the milliseconds. */
	t = (ms << 16) | 0xffff;
	u = core_hlc_next(t, ms);
	T_EQ_INT(CORE_HLC_MS(u), ms + 1);
	T_EQ_INT(u & 0xffff, 0);
	/* Observing: the larger one, and the next local stamp after it. */
	T_EQ_INT(core_hlc_observe(5, 9), 9);
	T_EQ_INT(core_hlc_observe(9, 5), 9);
	t = core_hlc_observe(ms << 16, (ms + 60000) << 16);
	u = core_hlc_next(t, ms);
	T_ASSERT(u > ((ms + 60000) << 16));
}

T_MAIN(T_CASE(test_merge_matches_rules), T_CASE(test_merge_any_order),
    T_CASE(test_last_writer_wins), T_CASE(test_author_tiebreak_whole_key),
    T_CASE(test_erase_is_final), T_CASE(test_remove_and_dropped_bodies),
    T_CASE(test_keys_unbounded), T_CASE(test_encode_decode),
    T_CASE(test_encode_matches_msgpack),
    T_CASE(test_decode_rejects),
    T_CASE(test_hlc))
