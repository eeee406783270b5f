#include "core/rstate.h"

#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "core/entry.h"
#include "core/mp.h"

void
core_rstate_init(struct core_rstate *s, const uint8_t id[CORE_RID_LEN])
{
	memset(s, 0, sizeof *s);
	memcpy(s->id, id, CORE_RID_LEN);
}

static void
free_value(char *v)
{
	if (v != NULL) {
		sodium_memzero(v, strlen(v));
		free(v);
	}
}

static void
drop_fields(struct core_rstate *s)
{
	size_t i;

	for (i = 0; i < s->nf; i++) {
		free(s->f[i].key);
		free_value(s->f[i].value);
	}
	free(s->f);
	s->f = NULL;
	s->nf = 0;
}

void
core_rstate_fini(struct core_rstate *s)
{
	if (s == NULL)
		return;
	drop_fields(s);
	free(s->refs);
	s->refs = NULL;
	s->nrefs = 0;
}

/* (hlc, author) order: > 0 when a is newer than b. */
static int
stamp_cmp(uint64_t ha, const uint8_t *aa, uint64_t hb, const uint8_t *ab)
{
	if (ha != hb)
		return ha > hb ? 1 : -1;
	return memcmp(aa, ab, 32);
}

static int
ref_cmp(const struct core_ref *a, const uint8_t *author, uint64_t seq)
{
	int c = memcmp(a->author, author, 32);

	if (c != 0)
		return c;
	return a->seq < seq ? -1 : a->seq > seq;
}

/* Finds the position of (author, seq) in refs; true when present. */
static bool
ref_find(const struct core_rstate *s, const uint8_t *author, uint64_t seq,
    size_t *pos)
{
	size_t lo = 0, hi = s->nrefs, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = ref_cmp(&s->refs[mid], author, seq);
		if (c == 0) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return false;
}

static bool
field_find(const struct core_rstate *s, const char *key, size_t *pos)
{
	size_t lo = 0, hi = s->nf, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(s->f[mid].key, key);
		if (c == 0) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return false;
}

/* Merges the fields of a record body.  Allocation happens before any
 * change so that a failure leaves s as it was. */
static int
merge_fields(struct core_rstate *s, const struct core_change *c)
{
	const struct core_body *b = c->body;
	struct core_fstate *nf;
	size_t i, pos, grow = 0;
	char **vals;
	char **keys;
	int rc = DG_ENOMEM;

	vals = calloc(b->nset ? b->nset : 1, sizeof *vals);
	keys = calloc(b->nset ? b->nset : 1, sizeof *keys);
	if (vals == NULL || keys == NULL)
		goto out;
	for (i = 0; i < b->nset; i++) {
		if (!field_find(s, b->set[i].key, &pos)) {
			grow++;
			keys[i] = strdup(b->set[i].key);
			if (keys[i] == NULL)
				goto out;
		}
		if (b->set[i].value != NULL) {
			vals[i] = strdup(b->set[i].value);
			if (vals[i] == NULL)
				goto out;
		}
	}
	if (grow > 0) {
		nf = realloc(s->f, (s->nf + grow) * sizeof *nf);
		if (nf == NULL)
			goto out;
		s->f = nf;
	}
	for (i = 0; i < b->nset; i++) {
		if (!field_find(s, b->set[i].key, &pos)) {
			memmove(&s->f[pos + 1], &s->f[pos],
			    (s->nf - pos) * sizeof *s->f);
			s->nf++;
			s->f[pos].key = keys[i];
			s->f[pos].value = vals[i];
			s->f[pos].hlc = c->hlc;
			memcpy(s->f[pos].author, c->author, 32);
			keys[i] = NULL;
			vals[i] = NULL;
		} else if (stamp_cmp(c->hlc, c->author, s->f[pos].hlc,
			       s->f[pos].author) > 0) {
			free_value(s->f[pos].value);
			s->f[pos].value = vals[i];
			s->f[pos].hlc = c->hlc;
			memcpy(s->f[pos].author, c->author, 32);
			vals[i] = NULL;
		}
	}
	rc = 0;
out:
	for (i = 0; vals != NULL && keys != NULL && i < b->nset; i++) {
		free(keys[i]);
		free_value(vals[i]);
	}
	free(vals);
	free(keys);
	return rc;
}

int
core_rstate_apply(struct core_rstate *s, const struct core_change *c)
{
	struct core_ref *nr;
	size_t pos;
	int rc;

	if (ref_find(s, c->author, c->seq, &pos))
		return 0;
	if (s->nrefs >= CORE_REFS_MAX)
		return DG_ELIMIT;
	nr = realloc(s->refs, (s->nrefs + 1) * sizeof *nr);
	if (nr == NULL)
		return DG_ENOMEM;
	s->refs = nr;
	if (c->kind == CORE_KIND_RECORD && c->body != NULL && !s->erased) {
		rc = merge_fields(s, c);
		if (rc != 0)
			return rc;
		if (s->type == 0 || stamp_cmp(c->hlc, c->author, s->type_hlc,
					s->type_author) < 0) {
			s->type = c->body->rtype;
			s->type_hlc = c->hlc;
			memcpy(s->type_author, c->author, 32);
		}
	}
	memmove(&s->refs[pos + 1], &s->refs[pos],
	    (s->nrefs - pos) * sizeof *s->refs);
	memcpy(s->refs[pos].author, c->author, 32);
	s->refs[pos].seq = c->seq;
	s->refs[pos].hlc = c->hlc;
	s->refs[pos].kind = c->kind;
	s->nrefs++;
	if (c->kind == CORE_KIND_REMOVE)
		s->removed = true;
	if (c->kind == CORE_KIND_ERASE) {
		s->erased = true;
		s->type = 0;
		s->type_hlc = 0;
		memset(s->type_author, 0, 32);
		drop_fields(s);
	}
	return 0;
}

static int
author_cmp(const void *a, const void *b)
{
	return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b,
	    32);
}

/* Index of author in the sorted table t[0..n). */
static uint64_t
author_at(const uint8_t *const *t, size_t n, const uint8_t *author)
{
	const uint8_t *const *hit;
	size_t i;

	if (n <= 8) { /* most states: one or two authors */
		for (i = 0; i < n; i++) {
			if (t[i] == author || memcmp(t[i], author, 32) == 0)
				return i;
		}
		return 0;
	}
	hit = bsearch(&author, t, n, sizeof *t, author_cmp);
	return hit != NULL ? (uint64_t)(hit - t) : 0;
}

/* Sorts the authors' table and drops repeats; returns how many are
 * left.  A short table is sorted by insertion, skipping repeats as it
 * goes (qsort allocates and copies). */
static size_t
author_table(const uint8_t **t, size_t n)
{
	size_t i, j, k;

	if (n > 32) {
		qsort(t, n, sizeof *t, author_cmp);
		for (i = k = 1; i < n; i++) {
			if (memcmp(t[i], t[k - 1], 32) != 0)
				t[k++] = t[i];
		}
		return k;
	}
	for (i = k = 1; i < n; i++) {
		const uint8_t *a = t[i];
		int c = 1;

		for (j = k; j > 0; j--) {
			c = memcmp(t[j - 1], a, 32);
			if (c <= 0)
				break;
		}
		if (j > 0 && c == 0)
			continue; /* already there */
		memmove(&t[j + 1], &t[j], (k - j) * sizeof *t);
		t[j] = a;
		k++;
	}
	return n > 0 ? k : 0;
}

/* The state's MessagePack, written directly: the same bytes msgpack-c's
 * packer writes (smallest form of each integer, str 8 for 32 to 255
 * bytes), without a callback and a buffer check per item (the packer
 * made 25 calls per state, a fifth of the receiver's time in
 * replication went to sealing states).  Run once with p NULL to
 * measure, then to write. */
struct wr {
	uint8_t *p;
	size_t len;
};

static void
put(struct wr *w, const void *b, size_t n)
{
	if (w->p != NULL && n > 0)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void
put_head(struct wr *w, uint8_t tag, uint64_t v, size_t size)
{
	uint8_t b[9];
	size_t i;

	b[0] = tag;
	for (i = 0; i < size; i++)
		b[1 + i] = (uint8_t)(v >> (8 * (size - 1 - i)));
	put(w, b, 1 + size);
}

static void
put_uint(struct wr *w, uint64_t v)
{
	uint8_t b = (uint8_t)v;

	if (v < 0x80)
		put(w, &b, 1);
	else if (v < 0x100)
		put_head(w, 0xcc, v, 1);
	else if (v < 0x10000)
		put_head(w, 0xcd, v, 2);
	else if (v < 0x100000000ULL)
		put_head(w, 0xce, v, 4);
	else
		put_head(w, 0xcf, v, 8);
}

static void
put_array(struct wr *w, size_t n)
{
	uint8_t b = (uint8_t)(0x90 | n);

	if (n < 16)
		put(w, &b, 1);
	else if (n < 0x10000)
		put_head(w, 0xdc, n, 2);
	else
		put_head(w, 0xdd, n, 4);
}

static void
put_str(struct wr *w, const char *s)
{
	size_t n = strlen(s);
	uint8_t b = (uint8_t)(0xa0 | n);

	if (n < 32)
		put(w, &b, 1);
	else if (n < 0x100)
		put_head(w, 0xd9, n, 1);
	else if (n < 0x10000)
		put_head(w, 0xda, n, 2);
	else
		put_head(w, 0xdb, n, 4);
	put(w, s, n);
}

static void
put_bin(struct wr *w, const void *p, size_t n)
{
	if (n < 0x100)
		put_head(w, 0xc4, n, 1);
	else if (n < 0x10000)
		put_head(w, 0xc5, n, 2);
	else
		put_head(w, 0xc6, n, 4);
	put(w, p, n);
}

static void
put_state(struct wr *w, const struct core_rstate *s, const uint8_t **t,
    size_t n)
{
	static const uint8_t no = 0xc2, yes = 0xc3, nil = 0xc0;
	size_t i;

	put_array(w, 10);
	put_uint(w, 2);
	put_bin(w, s->id, CORE_RID_LEN);
	put_array(w, n);
	for (i = 0; i < n; i++)
		put_bin(w, t[i], 32);
	put_uint(w, (uint8_t)s->type);
	put_uint(w, s->type_hlc);
	put_uint(w, author_at(t, n, s->type_author));
	put(w, s->removed ? &yes : &no, 1);
	put(w, s->erased ? &yes : &no, 1);
	put_array(w, s->nf);
	for (i = 0; i < s->nf; i++) {
		put_array(w, 4);
		put_str(w, s->f[i].key);
		if (s->f[i].value == NULL)
			put(w, &nil, 1);
		else
			put_str(w, s->f[i].value);
		put_uint(w, s->f[i].hlc);
		put_uint(w, author_at(t, n, s->f[i].author));
	}
	put_array(w, s->nrefs);
	for (i = 0; i < s->nrefs; i++) {
		put_array(w, 4);
		put_uint(w, author_at(t, n, s->refs[i].author));
		put_uint(w, s->refs[i].seq);
		put_uint(w, s->refs[i].hlc);
		put_uint(w, s->refs[i].kind);
	}
}

int
core_rstate_encode(const struct core_rstate *s, struct core_buf *out)
{
	uint8_t small[2048];
	struct wr w = { NULL, 0 };
	const uint8_t **t;
	size_t i, n = 0, size;

	/* Each author once, in a sorted table; everything else names an
	 * author by its place there (one record's fields and entries are
	 * mostly by one or two authors). */
	t = malloc((1 + s->nf + s->nrefs) * sizeof *t);
	if (t == NULL)
		return DG_ENOMEM;
	t[n++] = s->type_author;
	for (i = 0; i < s->nf; i++)
		t[n++] = s->f[i].author;
	for (i = 0; i < s->nrefs; i++)
		t[n++] = s->refs[i].author;
	n = author_table(t, n);
	put_state(&w, s, t, n);
	size = w.len;
	w.p = size <= sizeof small ? small : malloc(size);
	if (w.p == NULL) {
		free(t);
		return DG_ENOMEM;
	}
	w.len = 0;
	put_state(&w, s, t, n);
	core_buf_add(out, w.p, w.len);
	/* the values are plaintext */
	sodium_memzero(w.p, size);
	if (w.p != small)
		free(w.p);
	free(t);
	return out->err;
}

/* Authors: at most one per field and entry, and the type's. */
#define AUTHORS_MAX (CORE_RSTATE_KEYS_MAX + CORE_REFS_MAX + 1)

static const struct core_mp_limits state_limits = {
	.depth = 3,
	.count = AUTHORS_MAX,
	/* fields: at most CORE_RECORD_FIELDS_MAX new keys per entry */
	.items = AUTHORS_MAX + 5 * CORE_REFS_MAX + 5 * CORE_RSTATE_KEYS_MAX + 16,
	.str = CORE_VALUE_MAX,
	.bin = 32,
};

static bool
is_bin(const msgpack_object *o, size_t n)
{
	return o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == n;
}

static bool
is_uint(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
}

static char *
dup_str(const msgpack_object *o)
{
	char *p = malloc(o->via.str.size + 1);

	if (p != NULL) {
		memcpy(p, o->via.str.ptr, o->via.str.size);
		p[o->via.str.size] = '\0';
	}
	return p;
}

/* The author table of a state: bin 32 each, strictly ascending. */
struct authors {
	const msgpack_object *o;
	size_t n;
};

static int
decode_authors(const msgpack_object *a, struct authors *t)
{
	size_t i;

	if (a->type != MSGPACK_OBJECT_ARRAY)
		return DG_EDECODE;
	t->o = a->via.array.ptr;
	t->n = a->via.array.size;
	for (i = 0; i < t->n; i++) {
		if (!is_bin(&t->o[i], 32) || (i > 0 &&
			memcmp(t->o[i - 1].via.bin.ptr, t->o[i].via.bin.ptr,
			    32) >= 0))
			return DG_EDECODE;
	}
	return 0;
}

/* Copies the author o names (an index into t) to out. */
static bool
get_author(const struct authors *t, const msgpack_object *o, uint8_t *out)
{
	if (!is_uint(o) || o->via.u64 >= t->n)
		return false;
	memcpy(out, t->o[o->via.u64].via.bin.ptr, 32);
	return true;
}

static int
decode_fields(const msgpack_object *a, const struct authors *t,
    struct core_rstate *s)
{
	const msgpack_object *e;
	size_t i;

	if (a->type != MSGPACK_OBJECT_ARRAY)
		return DG_EDECODE;
	if (a->via.array.size > CORE_RSTATE_KEYS_MAX)
		return DG_ELIMIT;
	s->f = calloc(a->via.array.size + 1, sizeof *s->f);
	if (s->f == NULL)
		return DG_ENOMEM;
	for (i = 0; i < a->via.array.size; i++) {
		e = a->via.array.ptr + i;
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 4)
			return DG_EDECODE;
		e = e->via.array.ptr;
		if (e[0].type != MSGPACK_OBJECT_STR ||
		    (e[1].type != MSGPACK_OBJECT_STR &&
			e[1].type != MSGPACK_OBJECT_NIL) ||
		    !is_uint(&e[2]) || !get_author(t, &e[3], s->f[i].author))
			return DG_EDECODE;
		s->nf = i + 1;
		s->f[i].key = dup_str(&e[0]);
		if (s->f[i].key == NULL)
			return DG_ENOMEM;
		if (e[1].type == MSGPACK_OBJECT_STR) {
			s->f[i].value = dup_str(&e[1]);
			if (s->f[i].value == NULL)
				return DG_ENOMEM;
		}
		s->f[i].hlc = e[2].via.u64;
		if (i > 0 && strcmp(s->f[i - 1].key, s->f[i].key) >= 0)
			return DG_EDECODE;
	}
	return 0;
}

static int
decode_refs(const msgpack_object *a, const struct authors *t,
    struct core_rstate *s)
{
	const msgpack_object *e;
	size_t i;

	if (a->type != MSGPACK_OBJECT_ARRAY)
		return DG_EDECODE;
	s->refs = calloc(a->via.array.size + 1, sizeof *s->refs);
	if (s->refs == NULL)
		return DG_ENOMEM;
	for (i = 0; i < a->via.array.size; i++) {
		e = a->via.array.ptr + i;
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 4)
			return DG_EDECODE;
		e = e->via.array.ptr;
		if (!get_author(t, &e[0], s->refs[i].author) ||
		    !is_uint(&e[1]) || !is_uint(&e[2]) ||
		    !is_uint(&e[3]) || e[3].via.u64 > 255)
			return DG_EDECODE;
		s->refs[i].seq = e[1].via.u64;
		s->refs[i].hlc = e[2].via.u64;
		s->refs[i].kind = (uint8_t)e[3].via.u64;
		s->nrefs = i + 1;
		if (i > 0 && ref_cmp(&s->refs[i - 1], s->refs[i].author,
				 s->refs[i].seq) >= 0)
			return DG_EDECODE;
	}
	return 0;
}

int
core_rstate_decode(const uint8_t *p, size_t len, struct core_rstate *s)
{
	msgpack_unpacked u;
	const msgpack_object *a;
	struct authors t;
	int rc;

	memset(s, 0, sizeof *s);
	rc = core_mp_check(p, len, &state_limits);
	if (rc != 0)
		return rc;
	msgpack_unpacked_init(&u);
	rc = core_mp_unpack(&u, p, len);
	if (rc != 0)
		goto out;
	rc = DG_EDECODE;
	if (u.data.type != MSGPACK_OBJECT_ARRAY || u.data.via.array.size != 10)
		goto out;
	a = u.data.via.array.ptr;
	if (!is_uint(&a[0]) || a[0].via.u64 != 2 || !is_bin(&a[1], CORE_RID_LEN) ||
	    decode_authors(&a[2], &t) != 0 ||
	    !is_uint(&a[3]) || a[3].via.u64 > CORE_RT_REFERRAL ||
	    !is_uint(&a[4]) || !get_author(&t, &a[5], s->type_author) ||
	    a[6].type != MSGPACK_OBJECT_BOOLEAN ||
	    a[7].type != MSGPACK_OBJECT_BOOLEAN)
		goto out;
	memcpy(s->id, a[1].via.bin.ptr, CORE_RID_LEN);
	s->type = (enum core_rtype)a[3].via.u64;
	s->type_hlc = a[4].via.u64;
	s->removed = a[6].via.boolean;
	s->erased = a[7].via.boolean;
	rc = decode_fields(&a[8], &t, s);
	if (rc == 0)
		rc = decode_refs(&a[9], &t, s);
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

int
core_rstate_record(const struct core_rstate *s, struct core_record *out)
{
	size_t i, n = 0;

	memset(out, 0, sizeof *out);
	memcpy(out->id, s->id, CORE_RID_LEN);
	out->type = s->type;
	out->removed = s->removed;
	for (i = 0; i < s->nrefs; i++) {
		if (out->created == 0 || s->refs[i].hlc < out->created)
			out->created = s->refs[i].hlc;
		if (s->refs[i].hlc > out->updated)
			out->updated = s->refs[i].hlc;
	}
	out->fields = calloc(s->nf + 1, sizeof *out->fields);
	if (out->fields == NULL)
		return DG_ENOMEM;
	for (i = 0; i < s->nf; i++) {
		if (s->f[i].value == NULL)
			continue;
		out->fields[n].key = strdup(s->f[i].key);
		out->fields[n].value = strdup(s->f[i].value);
		out->nfields = n + 1;
		if (out->fields[n].key == NULL || out->fields[n].value == NULL) {
			core_record_fini(out);
			return DG_ENOMEM;
		}
		n++;
	}
	return 0;
}
