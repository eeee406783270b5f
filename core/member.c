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
	return x->seq < y->seq ? -1 : x->seq > y->seq;
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

/* Cut-off of an author: UINT64_MAX when not revoked in cut. */
static uint64_t
cutoff(const struct core_member *cut, size_t ncut, const uint8_t pk[32])
{
	size_t i;

	for (i = 0; i < ncut; i++) {
		if (cut[i].status == CORE_MEMBER_REVOKED &&
		    memcmp(cut[i].pk, pk, 32) == 0)
			return cut[i].upto;
	}
	return UINT64_MAX;
}

/* One pass over the sorted operations with the cut-offs of the previous
 * pass.  m must hold room for n + 1 members. */
static size_t
pass(const uint8_t founder[32], uint64_t genesis_hlc,
    const char *founder_name, struct core_mop *const *ops, size_t n,
    const struct core_member *cut, size_t ncut, struct core_member *m)
{
	const struct core_mop *op;
	struct core_member *a, *s;
	size_t i, nm = 1;

	memset(&m[0], 0, sizeof m[0]);
	memcpy(m[0].pk, founder, 32);
	memcpy(m[0].by, founder, 32);
	m[0].role = CORE_ROLE_COORDINATOR;
	m[0].status = CORE_MEMBER_ACTIVE;
	m[0].since = genesis_hlc;
	m[0].name = founder_name;
	for (i = 0; i < n; i++) {
		op = ops[i];
		if (op->seq > cutoff(cut, ncut, op->author))
			continue;
		a = find(m, nm, op->author);
		if (a == NULL || a->status != CORE_MEMBER_ACTIVE ||
		    a->role != CORE_ROLE_COORDINATOR)
			continue;
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
		} else if (op->kind == CORE_KIND_REVOKE) {
			if (s == NULL || s->status != CORE_MEMBER_ACTIVE)
				continue;
			s->status = CORE_MEMBER_REVOKED;
			s->upto = op->upto;
			memcpy(s->revoked_by, op->author, 32);
			s->revoked_at = op->hlc;
		}
	}
	return nm;
}

static bool
same_cuts(const struct core_member *a, size_t na, const struct core_member *b,
    size_t nb)
{
	size_t i;

	for (i = 0; i < na; i++) {
		if (a[i].status == CORE_MEMBER_REVOKED &&
		    cutoff(b, nb, a[i].pk) != a[i].upto)
			return false;
	}
	for (i = 0; i < nb; i++) {
		if (b[i].status == CORE_MEMBER_REVOKED &&
		    cutoff(a, na, b[i].pk) != b[i].upto)
			return false;
	}
	return true;
}

int
core_members_compute(const uint8_t founder[32], uint64_t genesis_hlc,
    const char *founder_name, const struct core_mop *ops, size_t n,
    struct core_members *out)
{
	struct core_mop **sorted = NULL;
	struct core_member *cur = NULL, *prev = NULL, *t;
	size_t i, ncur = 0, nprev = 0;
	int round, rc = DG_ENOMEM;

	out->n = 0;
	out->m = NULL;
	sorted = malloc((n ? n : 1) * sizeof *sorted);
	cur = calloc(n + 1, sizeof *cur);
	prev = calloc(n + 1, sizeof *prev);
	if (sorted == NULL || cur == NULL || prev == NULL)
		goto out;
	for (i = 0; i < n; i++)
		sorted[i] = (struct core_mop *)(uintptr_t)&ops[i];
	qsort(sorted, n, sizeof *sorted, op_order);
	for (round = 0; round < CORE_MEMBER_ROUNDS; round++) {
		ncur = pass(founder, genesis_hlc, founder_name, sorted, n, prev,
		    nprev, cur);
		if (round > 0 && same_cuts(cur, ncur, prev, nprev))
			break;
		t = prev;
		prev = cur;
		cur = t;
		nprev = ncur;
	}
	if (round == CORE_MEMBER_ROUNDS) {
		/* Not settled: the last pass, the same on every node. */
		t = prev;
		prev = cur;
		cur = t;
		ncur = nprev;
	}
	qsort(cur, ncur, sizeof *cur, pk_order);
	out->n = ncur;
	out->m = cur;
	cur = NULL;
	rc = 0;
out:
	free(sorted);
	free(cur);
	free(prev);
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
