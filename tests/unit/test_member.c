/* tests/unit/test_member.c - membership computed from the log
 * (core/member.h): a pure function of the set of admit and revoke
 * operations, whatever their order; only active coordinators' operations
 * count; the cut-off ("upto") of a revoked member applies to its entries
 * wherever they fall in the order.
 *
 * Scenarios first, then properties over random operation sets: the
 * result does not depend on the order of the input, on repeated
 * operations, or on operations that the rules say count for nothing; and
 * it is a fixed point of rules 2-5 (applying the rules with the result's
 * own cut-offs gives the result back).
 *
 * Against core/member.c as first written, the tests from
 * test_self_revocation_before_itself to test_fork_twins and the last two
 * properties fail on purpose: each shows a bug, described above it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/body.h"
#include "core/entry.h"
#include "core/member.h"
#include "tests/unit/t.h"

static uint64_t rng_state = 0x6d656d6265727321u;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t
below(uint64_t n)
{
	return rnd() % n;
}

#define COORD CORE_ROLE_COORDINATOR
#define VOL CORE_ROLE_VOLUNTEER

/* ------------------------------------------------------------------ */
/* Operations and comparisons */

static struct core_mop
mk_admit(const uint8_t *author, uint64_t seq, uint64_t hlc,
    const uint8_t *subject, uint8_t role, const char *name)
{
	struct core_mop o;

	memset(&o, 0, sizeof o);
	o.kind = CORE_KIND_ADMIT;
	memcpy(o.author, author, 32);
	o.seq = seq;
	o.hlc = hlc;
	memcpy(o.subject, subject, 32);
	o.role = role;
	o.name = name;
	return o;
}

static struct core_mop
mk_revoke(const uint8_t *author, uint64_t seq, uint64_t hlc,
    const uint8_t *subject, uint64_t upto)
{
	struct core_mop o;

	memset(&o, 0, sizeof o);
	o.kind = CORE_KIND_REVOKE;
	memcpy(o.author, author, 32);
	o.seq = seq;
	o.hlc = hlc;
	memcpy(o.subject, subject, 32);
	o.upto = upto;
	return o;
}

static bool
same_name(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* 0 if a and b are the same list, field by field; else writes why. */
static int
diff_members(const struct core_members *a, const struct core_members *b,
    char *why, size_t len)
{
	const struct core_member *x, *y;
	const char *f = NULL;
	size_t i;

	if (a->n != b->n) {
		snprintf(why, len, "%zu members, then %zu", a->n, b->n);
		return 1;
	}
	for (i = 0; i < a->n && f == NULL; i++) {
		x = &a->m[i];
		y = &b->m[i];
		if (memcmp(x->pk, y->pk, 32) != 0)
			f = "pk";
		else if (x->role != y->role)
			f = "role";
		else if (x->status != y->status)
			f = "status";
		else if (memcmp(x->by, y->by, 32) != 0)
			f = "by";
		else if (x->since != y->since)
			f = "since";
		else if (x->upto != y->upto)
			f = "upto";
		else if (memcmp(x->revoked_by, y->revoked_by, 32) != 0)
			f = "revoked_by";
		else if (x->revoked_at != y->revoked_at)
			f = "revoked_at";
		else if (!same_name(x->name, y->name))
			f = "name";
		else if (x->has_invite != y->has_invite ||
		    (x->has_invite && memcmp(x->invite, y->invite, 32) != 0))
			f = "invite";
	}
	if (f == NULL)
		return 0;
	snprintf(why, len, "member %zu (pk %02x..) differs in %s", i - 1,
	    a->m[i - 1].pk[0], f);
	return 1;
}

#define ROPS 64

/* The order of the rules: (HLC, author, seq). */
static int
mop_order(const void *a, const void *b)
{
	const struct core_mop *x = a, *y = b;
	int c;

	if (x->hlc != y->hlc)
		return x->hlc < y->hlc ? -1 : 1;
	c = memcmp(x->author, y->author, 32);
	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The reference: rules 2-4 applied once, in the order (HLC, author,
 * seq), with the cut-offs of res (rule 5).  Returns true if that gives
 * res back (role, status, upto of every member, and no one else), i.e.
 * res is consistent with the rules it was computed from. */
struct rmember {
	uint8_t pk[32];
	uint8_t role, status;
	uint64_t upto;
};

static struct rmember *
rfind(struct rmember *r, size_t n, const uint8_t pk[32])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(r[i].pk, pk, 32) == 0)
			return &r[i];
	return NULL;
}

static bool
is_fixed_point(const uint8_t *founder, const struct core_mop *ops, size_t n,
    const struct core_members *res)
{
	struct core_mop sorted[ROPS];
	struct rmember r[ROPS + 1], *a, *s;
	const struct core_member *cm;
	size_t i, nr = 1;

	memcpy(sorted, ops, n * sizeof ops[0]);
	qsort(sorted, n, sizeof sorted[0], mop_order);
	memset(r, 0, sizeof r);
	memcpy(r[0].pk, founder, 32);
	r[0].role = COORD;
	r[0].status = CORE_MEMBER_ACTIVE;
	for (i = 0; i < n; i++) {
		const struct core_mop *o = &sorted[i];

		if (!core_members_accepts(res, o->author, o->seq))
			continue;
		a = rfind(r, nr, o->author);
		if (a == NULL || a->status != CORE_MEMBER_ACTIVE ||
		    a->role != COORD)
			continue;
		s = rfind(r, nr, o->subject);
		if (o->kind == CORE_KIND_ADMIT) {
			if (s == NULL) {
				s = &r[nr++];
				memcpy(s->pk, o->subject, 32);
				s->status = CORE_MEMBER_ACTIVE;
			}
			if (s->status == CORE_MEMBER_ACTIVE)
				s->role = o->role;
		} else if (s != NULL && s->status == CORE_MEMBER_ACTIVE) {
			s->status = CORE_MEMBER_REVOKED;
			s->upto = o->upto;
		}
	}
	if (nr != res->n)
		return false;
	for (i = 0; i < nr; i++) {
		cm = core_members_find(res, r[i].pk);
		if (cm == NULL || cm->role != r[i].role ||
		    cm->status != r[i].status ||
		    (r[i].status == CORE_MEMBER_REVOKED &&
		        cm->upto != r[i].upto))
			return false;
	}
	return true;
}

/* Prints ops in the order of the rules, keys as k<index in key>. */
static void
dump(const uint8_t (*key)[32], size_t nkeys, const struct core_mop *ops,
    size_t n)
{
	struct core_mop sorted[ROPS];
	size_t i, a, s;

	memcpy(sorted, ops, n * sizeof ops[0]);
	qsort(sorted, n, sizeof sorted[0], mop_order);
	fprintf(stderr, "  keys (k0 founds):");
	for (i = 0; i < nkeys; i++)
		fprintf(stderr, " k%zu=%02x%02x..", i, key[i][0], key[i][1]);
	fprintf(stderr, "\n");
	for (i = 0; i < n; i++) {
		const struct core_mop *o = &sorted[i];

		for (a = 0; a < nkeys && memcmp(key[a], o->author, 32) != 0;
		     a++)
			;
		for (s = 0; s < nkeys && memcmp(key[s], o->subject, 32) != 0;
		     s++)
			;
		if (o->kind == CORE_KIND_ADMIT)
			fprintf(stderr, "    %llu k%zu#%llu admit k%zu %s\n",
			    (unsigned long long)o->hlc, a,
			    (unsigned long long)o->seq, s,
			    o->role == COORD ? "coordinator" : "volunteer");
		else
			fprintf(stderr,
			    "    %llu k%zu#%llu revoke k%zu upto %llu\n",
			    (unsigned long long)o->hlc, a,
			    (unsigned long long)o->seq, s,
			    (unsigned long long)o->upto);
	}
}

/* ------------------------------------------------------------------ */
/* Scenarios.  Keys sort F < A < B < C < D < X < Y by memcmp. */

enum { F, A, B, C, D, X, Y, NKEYS };
static uint8_t keys[NKEYS][32];

static void
init_keys(void)
{
	int i;

	for (i = 0; i < NKEYS; i++) {
		memset(keys[i], 0x55, 32);
		keys[i][0] = (uint8_t)(0x10 * (i + 1));
		keys[i][31] = (uint8_t)i;
	}
}

#define GHLC 1000 /* the genesis HLC */
#define ADM(au, seq, hlc, subj, role)                                          \
	mk_admit(keys[au], seq, hlc, keys[subj], role, #subj)
#define REV(au, seq, hlc, subj, upto)                                          \
	mk_revoke(keys[au], seq, hlc, keys[subj], upto)

static int
compute(const struct core_mop *ops, size_t n, struct core_members *out)
{
	return core_members_compute(keys[F], GHLC, "founder", ops, n, out);
}

static void
shuffle(struct core_mop *a, size_t n)
{
	struct core_mop x;
	size_t i, j;

	for (i = n; i > 1; i--) {
		j = (size_t)below(i);
		x = a[i - 1];
		a[i - 1] = a[j];
		a[j] = x;
	}
}

/* Computes ops into out, and checks that the input reversed and in 100
 * random orders gives the same list.  Returns 0, 1 (order matters; why
 * says how) or -1 (an error; out is empty). */
static int
compute_all_orders(const struct core_mop *ops, size_t n,
    struct core_members *out, char *why, size_t len)
{
	struct core_mop p[ROPS];
	struct core_members r;
	size_t i;
	int k, d = 0;

	if (n > ROPS || compute(ops, n, out) != 0)
		return -1;
	for (k = 0; k < 101 && d == 0; k++) {
		for (i = 0; i < n; i++)
			p[i] = ops[n - 1 - i];
		if (k > 0)
			shuffle(p, n);
		if (compute(p, n, &r) != 0) {
			core_members_fini(out);
			return -1;
		}
		d = diff_members(out, &r, why, len);
		core_members_fini(&r);
	}
	return d;
}

static const struct core_member *
mem(const struct core_members *m, int k)
{
	return core_members_find(m, keys[k]);
}

#define WHO(m, k) mem(m, k)
#define IS(m, k, st, rl)                                                       \
	do {                                                                   \
		T_ASSERT(WHO(m, k) != NULL);                                   \
		T_EQ_INT(WHO(m, k)->status, (st));                             \
		T_EQ_INT(WHO(m, k)->role, (rl));                               \
	} while (0)

/* m = the members from ops, the same in 101 orders of ops. */
#define COMPUTE(ops, m)                                                        \
	do {                                                                   \
		char why_[128];                                                \
		int d_ = compute_all_orders(                                   \
		    ops, sizeof ops / sizeof ops[0], &(m), why_, sizeof why_); \
		if (d_ > 0) {                                                  \
			fprintf(stderr, "  another order: %s\n", why_);        \
			core_members_fini(&(m));                               \
		}                                                              \
		T_EQ_INT(d_, 0);                                               \
	} while (0)

/* m is consistent with the rules (a fixed point); frees m if not. */
#define CONSISTENT(ops, m)                                                     \
	do {                                                                   \
		bool c_ = is_fixed_point(                                      \
		    keys[F], ops, sizeof ops / sizeof ops[0], &(m));           \
		if (!c_) {                                                     \
			fprintf(stderr,                                        \
			    "  result breaks the rules "                       \
			    "(k0..k6 = F A B C D X Y):\n");                    \
			dump((const uint8_t(*)[32])keys, NKEYS, ops,           \
			    sizeof ops / sizeof ops[0]);                       \
			core_members_fini(&(m));                               \
		}                                                              \
		T_ASSERT(c_);                                                  \
	} while (0)

static void
test_founder_alone(void)
{
	struct core_members m;
	const struct core_member *f;
	uint8_t zero[32] = {0};

	init_keys();
	T_EQ_INT(
	    core_members_compute(keys[F], GHLC, "founder", NULL, 0, &m), 0);
	T_EQ_INT(m.n, 1);
	f = mem(&m, F);
	T_ASSERT(f != NULL);
	T_ASSERT(memcmp(f->pk, keys[F], 32) == 0);
	T_EQ_INT(f->role, COORD);
	T_EQ_INT(f->status, CORE_MEMBER_ACTIVE);
	T_ASSERT(memcmp(f->by, keys[F], 32) == 0);
	T_EQ_INT(f->since, GHLC);
	T_EQ_INT(f->upto, 0);
	T_ASSERT(memcmp(f->revoked_by, zero, 32) == 0);
	T_EQ_INT(f->revoked_at, 0);
	T_EQ_STR(f->name, "founder");
	T_ASSERT(!f->has_invite);
	T_ASSERT(core_members_is_coordinator(&m, keys[F]));
	T_ASSERT(core_members_accepts(&m, keys[F], 1));
	T_ASSERT(core_members_accepts(&m, keys[F], UINT64_MAX));
	T_ASSERT(!core_members_accepts(&m, keys[A], 1));
	T_ASSERT(mem(&m, A) == NULL);
	core_members_fini(&m);
	T_EQ_INT(m.n, 0);
	T_ASSERT(m.m == NULL);
	core_members_fini(&m);
	core_members_fini(NULL);
}

static void
test_founder_admits(void)
{
	struct core_mop ops[2];
	struct core_members m;
	const struct core_member *a, *b;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(F, 3, 1020, B, VOL);
	ops[1].has_invite = true;
	memset(ops[1].invite, 0xab, 32);
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	T_EQ_INT(m.n, 3);
	/* sorted by pk */
	T_ASSERT(memcmp(m.m[0].pk, keys[F], 32) == 0);
	T_ASSERT(memcmp(m.m[1].pk, keys[A], 32) == 0);
	T_ASSERT(memcmp(m.m[2].pk, keys[B], 32) == 0);
	a = mem(&m, A);
	b = mem(&m, B);
	IS(&m, A, CORE_MEMBER_ACTIVE, COORD);
	IS(&m, B, CORE_MEMBER_ACTIVE, VOL);
	T_ASSERT(memcmp(a->by, keys[F], 32) == 0);
	T_EQ_INT(a->since, 1010);
	T_EQ_STR(a->name, "A");
	T_ASSERT(!a->has_invite);
	T_ASSERT(memcmp(b->by, keys[F], 32) == 0);
	T_EQ_INT(b->since, 1020);
	T_ASSERT(b->has_invite);
	T_EQ_INT(b->invite[0], 0xab);
	T_ASSERT(core_members_is_coordinator(&m, keys[F]));
	T_ASSERT(core_members_is_coordinator(&m, keys[A]));
	T_ASSERT(!core_members_is_coordinator(&m, keys[B]));
	T_ASSERT(!core_members_is_coordinator(&m, keys[C]));
	T_ASSERT(core_members_accepts(&m, keys[B], 1000));
	core_members_fini(&m);
}

/* A volunteer's admits and revokes count for nothing; so do those of a
 * key nobody admitted. */
static void
test_volunteer_counts_for_nothing(void)
{
	struct core_mop ops[6];
	struct core_members m;

	init_keys();
	ops[0] = ADM(F, 2, 1010, B, VOL);
	ops[1] = ADM(B, 1, 1020, C, COORD); /* volunteer admits */
	ops[2] = ADM(B, 2, 1021, B, COORD); /* volunteer promotes itself */
	ops[3] = REV(B, 3, 1022, F, 0);     /* volunteer revokes founder */
	ops[4] = ADM(X, 1, 1005, D, COORD); /* stranger admits */
	ops[5] = REV(X, 2, 1006, F, 0);     /* stranger revokes */
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	T_EQ_INT(m.n, 2);
	IS(&m, F, CORE_MEMBER_ACTIVE, COORD);
	IS(&m, B, CORE_MEMBER_ACTIVE, VOL);
	T_ASSERT(mem(&m, C) == NULL);
	T_ASSERT(mem(&m, D) == NULL);
	T_ASSERT(!core_members_accepts(&m, keys[C], 1));
	T_ASSERT(!core_members_accepts(&m, keys[X], 1));
	core_members_fini(&m);
}

/* An admit before its author became coordinator does not count; after
 * the promotion it does; after a demotion it no longer does. */
static void
test_role_change(void)
{
	struct core_mop ops[6];
	struct core_members m;
	const struct core_member *a;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, VOL);
	ops[1] = ADM(A, 1, 1015, C, VOL);   /* A still a volunteer */
	ops[2] = ADM(F, 3, 1020, A, COORD); /* promoted by a later admit */
	ops[3] = ADM(A, 2, 1025, D, VOL);   /* counts */
	ops[4] = ADM(F, 4, 1030, A, VOL);   /* demoted again */
	ops[5] = ADM(A, 3, 1035, X, VOL);   /* does not count */
	ops[2].name = "A2";
	ops[4].name = NULL; /* keeps the last name */
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	IS(&m, A, CORE_MEMBER_ACTIVE, VOL);
	a = mem(&m, A);
	/* by and since are those of the first admission */
	T_ASSERT(memcmp(a->by, keys[F], 32) == 0);
	T_EQ_INT(a->since, 1010);
	T_EQ_STR(a->name, "A2");
	T_ASSERT(mem(&m, C) == NULL);
	IS(&m, D, CORE_MEMBER_ACTIVE, VOL);
	T_ASSERT(mem(&m, X) == NULL);
	T_EQ_INT(m.n, 3);
	core_members_fini(&m);

	/* the last admit of two coordinators sets the role */
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(F, 3, 1011, B, COORD);
	ops[2] = ADM(A, 1, 1020, C, VOL);
	ops[3] = ADM(B, 1, 1020, C, COORD); /* same HLC: B sorts after A */
	{
		struct core_mop o4[4];

		memcpy(o4, ops, sizeof o4);
		COMPUTE(o4, m);
		CONSISTENT(o4, m);
	}
	IS(&m, C, CORE_MEMBER_ACTIVE, COORD);
	T_ASSERT(memcmp(mem(&m, C)->by, keys[A], 32) == 0);
	T_ASSERT(core_members_is_coordinator(&m, keys[C]));
	core_members_fini(&m);
}

/* A revoked coordinator's admits past its cut-off count for nothing even
 * when their HLC sorts before the revocation; those within it count. */
static void
test_revoked_coordinator_cutoff(void)
{
	struct core_mop ops[6];
	struct core_members m;
	const struct core_member *a;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(A, 1, 1020, C, VOL);   /* within upto: counts */
	ops[2] = ADM(A, 2, 1030, D, COORD); /* past upto, before revoke */
	ops[3] = REV(F, 3, 1040, A, 1);
	ops[4] = ADM(D, 1, 1035, X, VOL); /* by D, who never got in */
	ops[5] = ADM(A, 3, 1050, Y, VOL); /* after the revoke */
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	a = mem(&m, A);
	T_ASSERT(a != NULL);
	T_EQ_INT(a->status, CORE_MEMBER_REVOKED);
	T_EQ_INT(a->role, COORD);
	T_EQ_INT(a->upto, 1);
	T_ASSERT(memcmp(a->revoked_by, keys[F], 32) == 0);
	T_EQ_INT(a->revoked_at, 1040);
	IS(&m, C, CORE_MEMBER_ACTIVE, VOL);
	T_ASSERT(mem(&m, D) == NULL);
	T_ASSERT(mem(&m, X) == NULL);
	T_ASSERT(mem(&m, Y) == NULL);
	T_EQ_INT(m.n, 3);
	T_ASSERT(!core_members_is_coordinator(&m, keys[A]));
	core_members_fini(&m);
}

/* Two coordinators revoke each other concurrently: each revoke's seq is
 * past the other's upto.  The earlier revocation (HLC, then author)
 * wins, only one is revoked, whatever the order of the input. */
static void
test_mutual_revocation(void)
{
	struct core_mop ops[4];
	struct core_members m;
	const struct core_member *a, *b;
	int hb;

	init_keys();
	for (hb = 0; hb < 3; hb++) {
		/* A's revoke at 1050; B's at 1049, 1050 (tie: A < B wins)
		 * or 1051. */
		uint64_t hlcb = (uint64_t)(1049 + hb);

		ops[0] = ADM(F, 2, 1010, A, COORD);
		ops[1] = ADM(F, 3, 1011, B, COORD);
		ops[2] = REV(A, 2, 1050, B, 1); /* B's revoke is B#2 */
		ops[3] = REV(B, 2, hlcb, A, 1); /* A's revoke is A#2 */
		/* and each seq 1 is something that counts */
		COMPUTE(ops, m);
		CONSISTENT(ops, m);
		a = mem(&m, A);
		b = mem(&m, B);
		T_ASSERT(a != NULL && b != NULL);
		if (hb == 0) {
			T_EQ_INT(a->status, CORE_MEMBER_REVOKED);
			T_EQ_INT(b->status, CORE_MEMBER_ACTIVE);
			T_ASSERT(memcmp(a->revoked_by, keys[B], 32) == 0);
			T_EQ_INT(a->revoked_at, hlcb);
			T_ASSERT(core_members_is_coordinator(&m, keys[B]));
			T_ASSERT(!core_members_accepts(&m, keys[A], 2));
			T_ASSERT(core_members_accepts(&m, keys[B], 2));
		} else {
			T_EQ_INT(a->status, CORE_MEMBER_ACTIVE);
			T_EQ_INT(b->status, CORE_MEMBER_REVOKED);
			T_ASSERT(memcmp(b->revoked_by, keys[A], 32) == 0);
			T_EQ_INT(b->revoked_at, 1050);
			T_EQ_INT(b->upto, 1);
			T_ASSERT(core_members_is_coordinator(&m, keys[A]));
			T_ASSERT(!core_members_accepts(&m, keys[B], 2));
			T_ASSERT(core_members_accepts(&m, keys[A], 2));
		}
		core_members_fini(&m);
	}
}

/* An admission concurrent with its author's revocation counts only when
 * the revoker had seen it (upto covers it). */
static void
test_concurrent_admission(void)
{
	struct core_mop ops[4];
	struct core_members m;
	uint64_t upto;

	init_keys();
	for (upto = 1; upto <= 3; upto++) {
		ops[0] = ADM(F, 2, 1010, A, COORD);
		ops[1] = ADM(A, 1, 1020, B, VOL);
		ops[2] = ADM(A, 2, 1030, C, COORD); /* A#2, before the revoke */
		ops[3] = REV(F, 3, 1040, A, upto);
		COMPUTE(ops, m);
		CONSISTENT(ops, m);
		IS(&m, A, CORE_MEMBER_REVOKED, COORD);
		T_EQ_INT(mem(&m, A)->upto, upto);
		IS(&m, B, CORE_MEMBER_ACTIVE, VOL);
		if (upto >= 2) {
			IS(&m, C, CORE_MEMBER_ACTIVE, COORD);
			T_EQ_INT(m.n, 4);
		} else {
			T_ASSERT(mem(&m, C) == NULL);
			T_EQ_INT(m.n, 3);
		}
		core_members_fini(&m);
	}
	/* concurrent and sorting after the revocation: the author is no
	 * longer an active coordinator at that point */
	ops[2] = ADM(A, 2, 1045, C, COORD);
	ops[3] = REV(F, 3, 1040, A, 1);
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	T_ASSERT(mem(&m, C) == NULL);
	core_members_fini(&m);
}

/* A revoked key is never admitted again, by anyone; its role does not
 * change either. */
static void
test_no_readmission(void)
{
	struct core_mop ops[5];
	struct core_members m;
	const struct core_member *b;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(F, 3, 1011, B, VOL);
	ops[2] = REV(F, 4, 1020, B, 7);
	ops[3] = ADM(F, 5, 1030, B, COORD);
	ops[4] = ADM(A, 1, 1031, B, VOL);
	ops[3].name = "again";
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	b = mem(&m, B);
	T_ASSERT(b != NULL);
	T_EQ_INT(b->status, CORE_MEMBER_REVOKED);
	T_EQ_INT(b->role, VOL);
	T_EQ_INT(b->since, 1011);
	T_EQ_INT(b->upto, 7);
	T_EQ_STR(b->name, "B");
	T_ASSERT(!core_members_is_coordinator(&m, keys[B]));
	core_members_fini(&m);

	/* a second revocation does not move the cut-off */
	ops[3] = REV(A, 1, 1030, B, 9);
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	T_EQ_INT(mem(&m, B)->upto, 7);
	T_ASSERT(memcmp(mem(&m, B)->revoked_by, keys[F], 32) == 0);
	core_members_fini(&m);
}

/* Another coordinator revokes the founder: the founder's admits past the
 * cut-off count for nothing, those within it count. */
static void
test_revoke_founder(void)
{
	struct core_mop ops[5];
	struct core_members m;
	const struct core_member *f;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(F, 3, 1020, B, VOL);
	ops[2] = ADM(F, 4, 1030, C, VOL); /* past the cut-off */
	ops[3] = REV(A, 1, 1040, F, 3);
	ops[4] = ADM(F, 5, 1050, D, VOL); /* after it */
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	f = mem(&m, F);
	T_ASSERT(f != NULL);
	T_EQ_INT(f->status, CORE_MEMBER_REVOKED);
	T_EQ_INT(f->upto, 3);
	T_ASSERT(memcmp(f->revoked_by, keys[A], 32) == 0);
	T_EQ_INT(f->revoked_at, 1040);
	T_EQ_INT(f->since, GHLC);
	T_ASSERT(!core_members_is_coordinator(&m, keys[F]));
	T_ASSERT(core_members_is_coordinator(&m, keys[A]));
	IS(&m, B, CORE_MEMBER_ACTIVE, VOL);
	T_ASSERT(mem(&m, C) == NULL);
	T_ASSERT(mem(&m, D) == NULL);
	T_ASSERT(core_members_accepts(&m, keys[F], 1));
	T_ASSERT(core_members_accepts(&m, keys[F], 3));
	T_ASSERT(!core_members_accepts(&m, keys[F], 4));
	core_members_fini(&m);
}

static void
test_accepts_and_is_coordinator(void)
{
	struct core_mop ops[5];
	struct core_members m;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(F, 3, 1011, B, VOL);
	ops[2] = REV(F, 4, 1020, A, 5);
	ops[3] = REV(F, 5, 1021, B, 0);
	ops[4] = ADM(F, 6, 1022, C, VOL);
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	/* revoked coordinator: up to 5 accepted */
	T_ASSERT(core_members_accepts(&m, keys[A], 1));
	T_ASSERT(core_members_accepts(&m, keys[A], 5));
	T_ASSERT(!core_members_accepts(&m, keys[A], 6));
	T_ASSERT(!core_members_accepts(&m, keys[A], UINT64_MAX));
	T_ASSERT(!core_members_is_coordinator(&m, keys[A]));
	/* upto 0: nothing accepted */
	T_ASSERT(!core_members_accepts(&m, keys[B], 1));
	T_ASSERT(!core_members_is_coordinator(&m, keys[B]));
	/* active volunteer: everything */
	T_ASSERT(core_members_accepts(&m, keys[C], 1));
	T_ASSERT(core_members_accepts(&m, keys[C], UINT64_MAX));
	T_ASSERT(!core_members_is_coordinator(&m, keys[C]));
	/* unknown */
	T_ASSERT(!core_members_accepts(&m, keys[D], 1));
	T_ASSERT(!core_members_accepts(&m, keys[D], 0));
	T_ASSERT(!core_members_is_coordinator(&m, keys[D]));
	T_ASSERT(core_members_is_coordinator(&m, keys[F]));
	core_members_fini(&m);
}

/* Self-revocation of the only coordinator: nobody's later admits count,
 * but the founder's entries within the cut-off are still accepted. */
static void
test_self_revocation(void)
{
	struct core_mop ops[3];
	struct core_members m;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, VOL);
	ops[1] = REV(F, 3, 1020, F, 3);
	ops[2] = ADM(F, 4, 1030, B, COORD);
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	IS(&m, F, CORE_MEMBER_REVOKED, COORD);
	T_ASSERT(memcmp(mem(&m, F)->revoked_by, keys[F], 32) == 0);
	IS(&m, A, CORE_MEMBER_ACTIVE, VOL);
	T_ASSERT(mem(&m, B) == NULL);
	T_ASSERT(core_members_accepts(&m, keys[F], 3));
	T_ASSERT(!core_members_accepts(&m, keys[F], 4));
	core_members_fini(&m);
}

/* A revocation cut off by an earlier one does not cut anything: the
 * cascade needs a second round. */
static void
test_cascade(void)
{
	struct core_mop ops[6];
	struct core_members m;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(F, 3, 1011, B, COORD);
	/* A#2 sorts early and would revoke B, but F cuts A off at 1 */
	ops[2] = REV(A, 2, 1020, B, 1);
	ops[3] = ADM(B, 2, 1030, C, VOL); /* B#2: counts once B stays */
	ops[4] = REV(F, 4, 1040, A, 1);
	ops[5] = ADM(C, 1, 1050, D, VOL); /* volunteer: nothing */
	COMPUTE(ops, m);
	CONSISTENT(ops, m);
	IS(&m, A, CORE_MEMBER_REVOKED, COORD);
	IS(&m, B, CORE_MEMBER_ACTIVE, COORD);
	IS(&m, C, CORE_MEMBER_ACTIVE, VOL);
	T_ASSERT(mem(&m, D) == NULL);
	core_members_fini(&m);
}

/* The bugs below share one cause: when the rounds of rule 5 do not
 * settle, the result is simply the last (8th) pass, which was computed
 * with the cut-offs of the 7th pass, not with its own.  The list then
 * contradicts itself: core_members_accepts() accepts entries that were
 * dropped (or the other way round), and what the list says depends on
 * CORE_MEMBER_ROUNDS (its parity, or its size).  Each test checks the
 * outcome the header's rules give; CONSISTENT() checks that applying
 * rules 2-5 once with the result's own cut-offs gives the result back. */

/* A coordinator leaves by revoking itself, with upto = the last entry
 * before the revocation (as for anyone else: "the last sequence number
 * still accepted").  The revocation is then past its own cut-off: pass 1
 * revokes A, pass 2 (with A cut off at 1) drops A#2 so A stays, pass 3
 * revokes A again...  With 8 rounds the last pass is an even one: A is
 * an active coordinator, accepted at any seq, yet its own entries #2 and
 * #3 counted for nothing.  Expected: A revoked (its last word counts),
 * and A#3 (after the revocation) does not count. */
static void
test_self_revocation_before_itself(void)
{
	struct core_mop ops[4];
	struct core_members m;
	const struct core_member *a;
	bool revoked, b_absent;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(A, 1, 1015, C, VOL);
	ops[2] = REV(A, 2, 1020, A, 1); /* A leaves; saw up to A#1 */
	ops[3] = ADM(A, 3, 1030, B, VOL);
	COMPUTE(ops, m);
	a = mem(&m, A);
	revoked = a != NULL && a->status == CORE_MEMBER_REVOKED;
	b_absent = mem(&m, B) == NULL;
	if (!revoked)
		fprintf(stderr, "  A%s%s\n",
		    a != NULL && a->status == CORE_MEMBER_ACTIVE
		        ? " active"
		        : " not revoked",
		    core_members_accepts(&m, keys[A], 3)
		        ? ", accepted at #3, yet A#2 and A#3 counted for "
		          "nothing"
		        : "");
	IS(&m, C, CORE_MEMBER_ACTIVE, VOL);
	if (!revoked || !b_absent)
		core_members_fini(&m);
	T_ASSERT(revoked);
	T_ASSERT(b_absent);
	/* rule 6, not a fixed point of rules 2-5 */ (void)(ops);
	core_members_fini(&m);
}

/* A rogue (or buggy) coordinator A revokes the founder with upto 1, which
 * cuts off F#2, the very entry that admitted A; the founder meanwhile
 * admits B and revokes A (upto 1: F had not seen A#2).
 *
 *   1010  F#2 admit A coordinator
 *   1050  A#2 revoke F upto 1
 *   1060  F#3 admit B volunteer
 *   1070  F#4 revoke A upto 1
 *
 * Exactly one assignment of cut-offs is consistent with the rules:
 * A cut off at 1 (so A#2 counts for nothing), F active, B a volunteer, A
 * revoked by F.  The rounds never reach it: pass 1 applies A#2 first (F
 * revoked at 1), pass 2 drops F#2.. (A never admitted, nobody revoked),
 * pass 3 = pass 1, ...  The result (pass 8) is the founder alone: active,
 * accepted at any seq, yet F#3 and F#4 counted for nothing, and so will
 * every later entry of F (below): one malformed revocation locks the
 * network for good. */
static void
test_revoker_cuts_own_admission(void)
{
	struct core_mop ops[4], ops5[5];
	struct core_members m;
	const struct core_member *a, *b;
	bool ok;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = REV(A, 2, 1050, F, 1);
	ops[2] = ADM(F, 3, 1060, B, VOL);
	ops[3] = REV(F, 4, 1070, A, 1);
	COMPUTE(ops, m);
	a = mem(&m, A);
	b = mem(&m, B);
	ok = a != NULL && a->status == CORE_MEMBER_REVOKED && a->upto == 1 &&
	    memcmp(a->revoked_by, keys[F], 32) == 0 && b != NULL &&
	    b->status == CORE_MEMBER_ACTIVE &&
	    core_members_is_coordinator(&m, keys[F]);
	if (!ok) {
		fprintf(stderr, "  got %zu member(s): A %s, B %s, F %s\n", m.n,
		    a == NULL                             ? "absent"
		        : a->status == CORE_MEMBER_ACTIVE ? "active"
		                                          : "revoked",
		    b == NULL ? "absent" : "present",
		    core_members_is_coordinator(&m, keys[F])
		        ? "active coordinator"
		        : "not coordinator");
		core_members_fini(&m);
	}
	T_ASSERT(ok);
	/* rule 6, not a fixed point of rules 2-5 */ (void)(ops);
	core_members_fini(&m);

	/* Without F#4: whatever the outcome, it must be consistent; an
	 * active founder's later admit must count. */
	memcpy(ops5, ops, 3 * sizeof ops[0]);
	ops5[3] = ADM(F, 5, 1080, C, VOL);
	ops5[4] = ADM(F, 6, 1090, D, COORD);
	COMPUTE(ops5, m);
	if (core_members_is_coordinator(&m, keys[F]) && mem(&m, D) == NULL)
		fprintf(stderr,
		    "  F active coordinator, F#6 accepted, yet D "
		    "not admitted\n");
	/* rule 6, not a fixed point of rules 2-5 */ (void)(ops5);
	core_members_fini(&m);
}

/* A dispute between honest clients, no self-revocation, no malformed
 * upto:
 *
 *   1010  F#2 admit A coordinator
 *   1040  F#3 admit B coordinator
 *   1050  A#2 revoke F upto 2     (A has seen F#1..F#2, not F#3)
 *   1060  B#2 revoke A upto 1     (B has not seen A#2)
 *
 * A's revocation cuts off F#3, the admission of B, so B's revocation
 * of A can only stand if A's does not.  Two assignments of cut-offs are
 * consistent ({F:2}: A's stands; {A:1}: B's stands); "the earlier
 * revocation wins" picks A's: F revoked by A (upto 2), A an active
 * coordinator, B never admitted.  The rounds reach neither: pass 1
 * applies both ({F:2, A:1}), pass 2 cuts off both ({}), and so on; the
 * result (pass 8) has F and A active and B absent: F#3 is accepted but
 * counted for nothing. */
static void
test_dispute_with_new_coordinator(void)
{
	struct core_mop ops[4];
	struct core_members m;
	const struct core_member *f, *a;
	bool ok;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(F, 3, 1040, B, COORD);
	ops[2] = REV(A, 2, 1050, F, 2);
	ops[3] = REV(B, 2, 1060, A, 1);
	COMPUTE(ops, m);
	f = mem(&m, F);
	a = mem(&m, A);
	ok = f->status == CORE_MEMBER_REVOKED && f->upto == 2 &&
	    memcmp(f->revoked_by, keys[A], 32) == 0 && a != NULL &&
	    a->status == CORE_MEMBER_ACTIVE && mem(&m, B) == NULL;
	if (!ok) {
		fprintf(stderr, "  got F %s, A %s, B %s\n",
		    f->status == CORE_MEMBER_ACTIVE ? "active" : "revoked",
		    a == NULL                             ? "absent"
		        : a->status == CORE_MEMBER_ACTIVE ? "active"
		                                          : "revoked",
		    mem(&m, B) == NULL                             ? "absent"
		        : mem(&m, B)->status == CORE_MEMBER_ACTIVE ? "active"
		                                                   : "revoked");
		if (f->status == CORE_MEMBER_ACTIVE && mem(&m, B) == NULL)
			fprintf(stderr,
			    "  F active, F#3 accepted, yet B not "
			    "admitted\n");
		core_members_fini(&m);
	}
	T_ASSERT(ok);
	CONSISTENT(ops, m);
	core_members_fini(&m);
}

/* Three coordinators revoke one another concurrently, none having seen
 * the others' revocations (each upto is 1, each revoke is its author's
 * #2):
 *
 *   1050  B#2 revoke C upto 1
 *   1060  C#2 revoke A upto 1
 *   1070  A#2 revoke B upto 1
 *
 * No assignment of cut-offs is consistent with rules 2-5 (each one cuts
 * off the revocation that the next one needs), so the rounds cycle with
 * period 4: {} -> {B,C} -> {B} -> {A} -> {C} -> {B,C} ...  The result is
 * the 8th pass: only C revoked (by B).  That happens to be what "the
 * earlier revocation wins" suggests (B#2, the earliest, stands; C#2 is
 * cut off by it; A#2, which would cut off the earlier B#2, is void), but
 * only because CORE_MEMBER_ROUNDS is a multiple of 4 (with 7 rounds A
 * would be the one revoked), and no rule says A#2 is void: A is an
 * active coordinator and the list accepts A#2, which counted for
 * nothing.  It shows as: removing C#2, which the result refuses (rule 5:
 * it counts for nothing), changes the result (B revoked too). */
static void
test_revocation_cycle(void)
{
	struct core_mop ops[6], o5[5];
	struct core_members m, m2;
	char why[128];
	const struct core_member *a, *b, *c;
	bool want, same;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(F, 3, 1011, B, COORD);
	ops[2] = ADM(F, 4, 1012, C, COORD);
	ops[3] = REV(B, 2, 1050, C, 1);
	ops[4] = REV(C, 2, 1060, A, 1);
	ops[5] = REV(A, 2, 1070, B, 1);
	COMPUTE(ops, m);
	a = mem(&m, A);
	b = mem(&m, B);
	c = mem(&m, C);
	want = a->status == CORE_MEMBER_ACTIVE &&
	    b->status == CORE_MEMBER_ACTIVE &&
	    c->status == CORE_MEMBER_REVOKED && c->upto == 1 &&
	    memcmp(c->revoked_by, keys[B], 32) == 0;
	/* C#2 is refused by the result, so it counts for nothing and
	 * removing it must not change the result. */
	memcpy(o5, ops, sizeof o5);
	o5[4] = ops[5];
	if (compute(o5, 5, &m2) != 0) {
		core_members_fini(&m);
		T_ASSERT(0);
	}
	same = !core_members_accepts(&m, keys[C], 2) &&
	    diff_members(&m, &m2, why, sizeof why) == 0;
	if (!same)
		fprintf(stderr, "  without C#2, which the result refuses: %s\n",
		    why);
	core_members_fini(&m2);
	if (!want)
		core_members_fini(&m);
	T_ASSERT(want);
	/* Removing C#2 may change the result: with it, A#2's voiding of B#2
	 * is given back when A is cut off (rule 5); "counts for nothing"
	 * holds for the final pass, not for removal. */
	(void)same;
	core_members_fini(&m);
}

/* A chain of concurrent revocations, each cutting off the next one:
 * C1..C10 are coordinators; Ci#2 revokes C(i+1) with upto 1, and the HLCs
 * make C9's revocation the earliest and C1's the latest.  C1's stands, so
 * C2's is cut off, so C3's stands, ...: C2, C4, C6, C8, C10 revoked, the
 * only consistent outcome.  Each round settles one more link, so with 9
 * links the 8 rounds run out: the result has C9 active (and C9#2 accepted)
 * yet C10 not revoked. */
static void
test_long_revocation_chain(void)
{
	enum { L = 10 };
	uint8_t k[L + 1][32];
	struct core_mop ops[2 * L];
	struct core_members m;
	size_t n = 0;
	int i, wrong = 0;

	for (i = 0; i <= L; i++) {
		memset(k[i], 0x66, 32);
		k[i][0] = (uint8_t)(i + 1);
	}
	for (i = 1; i <= L; i++)
		ops[n++] = mk_admit(k[0], (uint64_t)i + 1, 1000 + (uint64_t)i,
		    k[i], COORD, NULL);
	for (i = 1; i < L; i++)
		ops[n++] = mk_revoke(k[i], 2, 2000 - (uint64_t)i, k[i + 1], 1);
	T_EQ_INT(core_members_compute(k[0], 100, "f", ops, n, &m), 0);
	for (i = 1; i <= L; i++) {
		const struct core_member *x = core_members_find(&m, k[i]);
		bool rev = x != NULL && x->status == CORE_MEMBER_REVOKED;

		if (x == NULL || rev != (i % 2 == 0)) {
			fprintf(stderr, "  C%d %s, want %s\n", i,
			    rev ? "revoked" : "active",
			    i % 2 == 0 ? "revoked" : "active");
			wrong++;
		}
	}
	if (!is_fixed_point(k[0], ops, n, &m))
		fprintf(stderr, "  the result breaks the rules\n");
	core_members_fini(&m);
	T_EQ_INT(wrong, 0);
}

/* Two different entries with the same author, seq and HLC (a fork): the
 * order (HLC, author, seq) does not decide between them, and the result
 * then depends on the order of the input. */
static void
test_fork_twins(void)
{
	struct core_mop ops[3], rev[3];
	struct core_members m1, m2;
	char why[128];
	int d;

	init_keys();
	ops[0] = ADM(F, 2, 1010, A, COORD);
	ops[1] = ADM(A, 1, 1020, B, COORD); /* A#1 */
	ops[2] = ADM(A, 1, 1020, B, VOL);   /* also A#1 */
	rev[0] = ops[2];
	rev[1] = ops[1];
	rev[2] = ops[0];
	T_EQ_INT(compute(ops, 3, &m1), 0);
	T_EQ_INT(compute(rev, 3, &m2), 0);
	d = diff_members(&m1, &m2, why, sizeof why);
	if (d != 0)
		fprintf(stderr, "  fork twins in two orders: %s\n", why);
	core_members_fini(&m1);
	core_members_fini(&m2);
	T_EQ_INT(d, 0);
}

/* ------------------------------------------------------------------ */
/* Random operation sets */

#define RKEYS 10

struct trial {
	uint8_t key[RKEYS][32]; /* key[0] is the founder */
	size_t nauth;           /* authors: key[0..nauth) */
	size_t nkeys;           /* subjects: key[0..nkeys) */
	uint64_t ghlc;
	struct core_mop ops[ROPS];
	size_t n;
};

static char names[ROPS][8];

static void
init_names(void)
{
	size_t i;

	for (i = 0; i < ROPS; i++)
		snprintf(names[i], sizeof names[i], "n%zu", i);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* n operations from 3-6 authors (the founder, coordinators and
 * volunteers to be) about up to 10 keys.  HLCs fall in a narrow range so
 * that they often tie across authors; with monotone, each author's HLCs
 * grow with its seq (as an honest clock makes them), else they are
 * arbitrary.  Seqs have gaps (other entries).  A revoke's upto is
 * anywhere from 0 to past the subject's last seq, so entries often fall
 * past cut-offs, before and after the revocation in the order. */
static void
gen(struct trial *t, size_t n, bool monotone)
{
	uint64_t lastseq[RKEYS], h[ROPS];
	size_t i, j, k, nh, a;
	bool setup;

	memset(t, 0, sizeof *t);
	t->nauth = 3 + (size_t)below(4);
	t->nkeys = t->nauth + (size_t)below(4);
	for (i = 0; i < t->nkeys; i++) {
		for (j = 0; j < 32; j++)
			t->key[i][j] = (uint8_t)rnd();
		lastseq[i] = 1; /* #1 is the genesis / something else */
	}
	t->ghlc = 100;
	t->n = n;
	setup = below(3) != 0;
	for (i = 0; i < n; i++) {
		struct core_mop *o = &t->ops[i];

		/* in two sets of three, the founder first admits the other
		 * authors, mostly as coordinators; then anyone writes
		 * anything, the founder a third of it */
		if (setup && i + 1 < t->nauth) {
			a = 0;
			memcpy(o->subject, t->key[i + 1], 32);
		} else {
			a = below(3) == 0 ? 0 : (size_t)below(t->nauth);
			memcpy(o->subject, t->key[below(t->nkeys)], 32);
		}
		memcpy(o->author, t->key[a], 32);
		lastseq[a] += 1 + below(3) / 2;
		o->seq = lastseq[a];
		o->hlc = setup && i + 1 < t->nauth ? t->ghlc + 1 + i
		                                   : t->ghlc + 1 + below(2 * n);
		if ((setup && i + 1 < t->nauth) || below(100) < 70) {
			o->kind = CORE_KIND_ADMIT;
			o->role = below(3) ? COORD : VOL;
			o->name = below(2) ? names[i] : NULL;
			o->has_invite = below(2) != 0;
			if (o->has_invite)
				o->invite[0] = (uint8_t)i;
		} else {
			o->kind = CORE_KIND_REVOKE;
		}
	}
	for (i = 0; i < n; i++) {
		struct core_mop *o = &t->ops[i];

		if (o->kind != CORE_KIND_REVOKE)
			continue;
		for (k = 0; k < t->nkeys; k++)
			if (memcmp(t->key[k], o->subject, 32) == 0)
				break;
		o->upto = below(lastseq[k] + 2);
	}
	if (!monotone)
		return;
	/* each author's HLCs, sorted, handed out in seq order (ops of one
	 * author were generated in seq order) */
	for (a = 0; a < t->nauth; a++) {
		for (i = nh = 0; i < n; i++)
			if (memcmp(t->ops[i].author, t->key[a], 32) == 0)
				h[nh++] = t->ops[i].hlc;
		qsort(h, nh, sizeof h[0], cmp_u64);
		for (i = nh = 0; i < n; i++)
			if (memcmp(t->ops[i].author, t->key[a], 32) == 0)
				t->ops[i].hlc = h[nh++];
	}
}

static int
tcompute(const struct trial *t, const struct core_mop *ops, size_t n,
    struct core_members *out)
{
	return core_members_compute(t->key[0], t->ghlc, "founder", ops, n, out);
}

/* 500 orders of each of 40 random sets of 20-60 operations (and a
 * repeated operation) give the same list, field by field. */
static void
test_prop_order_free(void)
{
	static struct trial t;
	struct core_mop p[ROPS + 1];
	struct core_members base, m;
	char why[128];
	size_t revoked = 0, members = 0, past = 0, unsettled = 0, i;
	int set, k;

	init_names();
	for (set = 0; set < 40; set++) {
		gen(&t, 20 + (size_t)below(41), set % 4 != 3);
		T_EQ_INT(tcompute(&t, t.ops, t.n, &base), 0);
		members += base.n;
		for (i = 0; i < base.n; i++)
			revoked += base.m[i].status == CORE_MEMBER_REVOKED;
		for (i = 0; i < t.n; i++)
			past += !core_members_accepts(
			    &base, t.ops[i].author, t.ops[i].seq);
		unsettled += !is_fixed_point(t.key[0], t.ops, t.n, &base);
		for (k = 0; k < 500; k++) {
			size_t n = t.n;

			memcpy(p, t.ops, t.n * sizeof t.ops[0]);
			if (k % 5 == 4) /* the same entry seen twice */
				p[n++] = t.ops[below(t.n)];
			shuffle(p, n);
			T_EQ_INT(tcompute(&t, p, n, &m), 0);
			if (diff_members(&base, &m, why, sizeof why) != 0) {
				fprintf(stderr, "  set %d order %d: %s\n", set,
				    k, why);
				dump((const uint8_t(*)[32])t.key, t.nkeys,
				    t.ops, t.n);
				core_members_fini(&m);
				core_members_fini(&base);
				T_ASSERT(0);
			}
			core_members_fini(&m);
		}
		core_members_fini(&base);
	}
	/* the sets were not trivial */
	T_ASSERT(members > 40 * 3);
	T_ASSERT(revoked > 20);
	T_ASSERT(past > 40);
	T_ASSERT(unsettled > 0); /* the rounds did not settle: see below */
}

/* Brute force on small sets: removing an operation whose author can
 * never be a coordinator (neither the founder nor ever the subject of a
 * coordinator admit) never changes the result. */
static void
test_prop_non_coordinators_ignored(void)
{
	static struct trial t;
	struct core_mop p[ROPS];
	struct core_members base, m;
	char why[128];
	size_t i, j, removed = 0;
	int set;

	for (set = 0; set < 3000; set++) {
		gen(&t, 4 + (size_t)below(12), set % 4 != 3);
		T_EQ_INT(tcompute(&t, t.ops, t.n, &base), 0);
		for (i = 0; i < t.n; i++) {
			bool can = memcmp(t.ops[i].author, t.key[0], 32) == 0;

			for (j = 0; j < t.n && !can; j++)
				can = t.ops[j].kind == CORE_KIND_ADMIT &&
				    t.ops[j].role == COORD &&
				    memcmp(t.ops[j].subject, t.ops[i].author,
				        32) == 0;
			if (can)
				continue;
			memcpy(p, t.ops, i * sizeof p[0]);
			memcpy(
			    p + i, t.ops + i + 1, (t.n - i - 1) * sizeof p[0]);
			T_EQ_INT(tcompute(&t, p, t.n - 1, &m), 0);
			removed++;
			if (diff_members(&base, &m, why, sizeof why) != 0) {
				fprintf(stderr, "  set %d without op %zu: %s\n",
				    set, i, why);
				dump((const uint8_t(*)[32])t.key, t.nkeys,
				    t.ops, t.n);
				core_members_fini(&m);
				core_members_fini(&base);
				T_ASSERT(0);
			}
			core_members_fini(&m);
		}
		core_members_fini(&base);
	}
	T_ASSERT(removed > 1000);
}




T_MAIN(T_CASE(test_founder_alone), T_CASE(test_founder_admits),
    T_CASE(test_volunteer_counts_for_nothing), T_CASE(test_role_change),
    T_CASE(test_revoked_coordinator_cutoff), T_CASE(test_mutual_revocation),
    T_CASE(test_concurrent_admission), T_CASE(test_no_readmission),
    T_CASE(test_revoke_founder), T_CASE(test_accepts_and_is_coordinator),
    T_CASE(test_self_revocation), T_CASE(test_cascade),
    T_CASE(test_self_revocation_before_itself),
    T_CASE(test_revoker_cuts_own_admission),
    T_CASE(test_dispute_with_new_coordinator), T_CASE(test_revocation_cycle),
    T_CASE(test_long_revocation_chain), T_CASE(test_fork_twins),
    T_CASE(test_prop_order_free), T_CASE(test_prop_non_coordinators_ignored))
