#include "core/member.h"

#include <stdlib.h>
#include <string.h>

#include "core/body.h"
#include "core/entry.h"

static int
op_order(const void *a, const void *b)
{
	const struct core_mop *x = *(const struct core_mop *const *)a;
	const struct core_mop *y = *(const struct core_mop *const *)b;
	int c;

	if (x->hlc != y->hlc)
		return x->hlc < y->hlc ? -1 : 1;
	c = memcmp(x->author, y->author, 32);
	if (c != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	/* Only a fork has two operations at one (author, seq): order them
	 * by content so the result stays a function of the set. */
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = memcmp(x->subject, y->subject, 32);
	if (c != 0)
		return c;
	if (x->role != y->role)
		return x->role < y->role ? -1 : 1;
	if (x->upto != y->upto)
		return x->upto < y->upto ? -1 : 1;
	if (x->has_invite != y->has_invite)
		return x->has_invite ? 1 : -1;
	c = memcmp(x->invite, y->invite, 32);
	if (c != 0)
		return c;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int
pk_order(const void *a, const void *b)
{
	return memcmp(((const struct core_member *)a)->pk,
	    ((const struct core_member *)b)->pk, 32);
}

/* Linear lookups: networks are small (tens of members), and the list is
 * only sorted once it is final. */
static struct core_member *
find(struct core_member *m, size_t n, const uint8_t pk[32])
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (memcmp(m[i].pk, pk, 32) == 0)
			return &m[i];
	}
	return NULL;
}

#define NONE SIZE_MAX

/* vby[i]: NONE while operation i may count; else the index of the
 * revocation that voided it, or n when it voided itself (a revocation
 * that would cut off its own author's authority).  nby[i] counts the
 * operations i voids, so that "did i void anything" is one lookup: a
 * pass looks at every operation, and a scan there would make a pass
 * quadratic in the number of operations. */
struct voids {
	size_t *vby;
	size_t *nby;
};

static bool
caused(const struct voids *v, size_t i)
{
	return v->nby[i] > 0;
}

/* Voids j (by) and gives back what j had voided: an operation that does
 * not count voids nothing. */
static void
void_op(struct voids *v, size_t n, size_t j, size_t by)
{
	size_t k;

	if (v->vby[j] != NONE && v->vby[j] < n)
		v->nby[v->vby[j]]--;
	v->vby[j] = by;
	if (by < n)
		v->nby[by]++;
	if (v->nby[j] == 0)
		return;
	for (k = 0; k < n; k++) {
		if (v->vby[k] == j)
			v->vby[k] = NONE;
	}
	v->nby[j] = 0;
}

/* One pass over the sorted operations, skipping the voided ones.  m must
 * hold room for n + 1 members.  Returns the number of members, or NONE
 * after changing what is voided (then pass again); with frozen set it
 * changes nothing and always finishes. */
static size_t
pass(const uint8_t founder[32], uint64_t genesis_hlc,
    const char *founder_name, struct core_mop *const *ops, size_t n,
    struct voids *v, bool *counted, bool frozen, struct core_member *m)
{
	const struct core_mop *op;
	struct core_member *a, *s;
	size_t i, j, nm = 1;
	bool changed;

	memset(&m[0], 0, sizeof m[0]);
	memcpy(m[0].pk, founder, 32);
	memcpy(m[0].by, founder, 32);
	m[0].role = CORE_ROLE_COORDINATOR;
	m[0].status = CORE_MEMBER_ACTIVE;
	m[0].since = genesis_hlc;
	m[0].name = founder_name;
	memset(counted, 0, n * sizeof *counted);
	for (i = 0; i < n; i++) {
		op = ops[i];
		if (v->vby[i] != NONE)
			continue;
		a = find(m, nm, op->author);
		if (a == NULL || a->status != CORE_MEMBER_ACTIVE ||
		    a->role != CORE_ROLE_COORDINATOR) {
			/* A revocation whose voiding took away its own
			 * author's authority: it counts for nothing. */
			if (!frozen && op->kind == CORE_KIND_REVOKE &&
			    caused(v, i)) {
				void_op(v, n, i, n);
				return NONE;
			}
			continue;
		}
		s = find(m, nm, op->subject);
		if (op->kind == CORE_KIND_ADMIT) {
			if (s != NULL && s->status == CORE_MEMBER_REVOKED)
				continue;
			if (s == NULL) {
				s = &m[nm++];
				memset(s, 0, sizeof *s);
				memcpy(s->pk, op->subject, 32);
				memcpy(s->by, op->author, 32);
				s->since = op->hlc;
				s->status = CORE_MEMBER_ACTIVE;
				s->has_invite = op->has_invite;
				memcpy(s->invite, op->invite, 32);
			}
			s->role = op->role;
			if (op->name != NULL)
				s->name = op->name;
			counted[i] = true;
		} else if (op->kind == CORE_KIND_REVOKE) {
			if (s == NULL || s->status != CORE_MEMBER_ACTIVE)
				continue;
			/* Rule 5: what the subject wrote past the cut-off
			 * counts for nothing, even if it sorts earlier. */
			changed = false;
			for (j = 0; !frozen && j < i; j++) {
				if (counted[j] &&
				    memcmp(ops[j]->author, op->subject, 32) ==
					0 &&
				    ops[j]->seq > op->upto &&
				    !(s == a && ops[j]->seq <= op->seq)) {
					void_op(v, n, j, i);
					changed = true;
				}
			}
			if (changed)
				return NONE;
			s->status = CORE_MEMBER_REVOKED;
			/* A member leaving by revoking itself: its last word
			 * counts, so the cut-off covers the revocation. */
			s->upto = s == a && op->upto < op->seq ? op->seq :
								 op->upto;
			memcpy(s->revoked_by, op->author, 32);
			s->revoked_at = op->hlc;
			counted[i] = true;
		}
	}
	return nm;
}

int
core_members_compute(const uint8_t founder[32], uint64_t genesis_hlc,
    const char *founder_name, const struct core_mop *ops, size_t n,
    struct core_members *out)
{
	struct core_mop **sorted = NULL;
	struct core_member *m = NULL;
	struct voids v = { NULL, NULL };
	bool *counted = NULL;
	size_t i, j, nm, rounds;
	int rc = DG_ENOMEM;

	out->n = 0;
	out->m = NULL;
	sorted = malloc((n ? n : 1) * sizeof *sorted);
	m = calloc(n + 1, sizeof *m);
	v.vby = malloc((n ? n : 1) * sizeof *v.vby);
	v.nby = calloc(n ? n : 1, sizeof *v.nby);
	counted = calloc(n ? n : 1, sizeof *counted);
	if (sorted == NULL || m == NULL || v.vby == NULL || v.nby == NULL ||
	    counted == NULL)
		goto out;
	for (i = 0; i < n; i++)
		sorted[i] = (struct core_mop *)(uintptr_t)&ops[i];
	qsort(sorted, n, sizeof *sorted, op_order);
	/* The same entry seen twice is one operation: the result depends on
	 * the set, not on how often an entry arrived. */
	for (i = 1, j = n ? 1 : 0; i < n; i++) {
		if (op_order(&sorted[i], &sorted[j - 1]) != 0)
			sorted[j++] = sorted[i];
	}
	n = j;
	for (i = 0; i < n; i++)
		v.vby[i] = NONE;
	/* Each pass that changes something voids a revocation's targets or
	 * the revocation itself; the bound only guards against a loop the
	 * rules did not foresee (the last pass is then frozen, the same on
	 * every node). */
	for (rounds = 0;; rounds++) {
		nm = pass(founder, genesis_hlc, founder_name, sorted, n, &v,
		    counted, rounds >= 4 * n + 16, m);
		if (nm != NONE)
			break;
	}
	qsort(m, nm, sizeof *m, pk_order);
	out->n = nm;
	out->m = m;
	m = NULL;
	rc = 0;
out:
	free(sorted);
	free(m);
	free(v.vby);
	free(v.nby);
	free(counted);
	return rc;
}

void
core_members_fini(struct core_members *m)
{
	if (m == NULL)
		return;
	free(m->m);
	m->m = NULL;
	m->n = 0;
}

const struct core_member *
core_members_find(const struct core_members *m, const uint8_t pk[32])
{
	size_t lo = 0, hi = m->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(m->m[mid].pk, pk, 32);
		if (c == 0)
			return &m->m[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool
core_members_accepts(const struct core_members *m, const uint8_t author[32],
    uint64_t seq)
{
	const struct core_member *x = core_members_find(m, author);

	if (x == NULL)
		return false;
	return x->status == CORE_MEMBER_ACTIVE || seq <= x->upto;
}

bool
core_members_is_coordinator(const struct core_members *m,
    const uint8_t pk[32])
{
	const struct core_member *x = core_members_find(m, pk);

	return x != NULL && x->status == CORE_MEMBER_ACTIVE &&
	    x->role == CORE_ROLE_COORDINATOR;
}
