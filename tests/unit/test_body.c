/* tests/unit/test_body.c - entry body plaintext: each kind's encoding,
 * and the strict decoder (schema, canonical values, limits). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "core/body.h"
#include "core/entry.h"
#include "tests/unit/t.h"

static uint64_t rng_state = 0x13198a2e03707344u;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void
rnd_bytes(uint8_t *p, size_t n)
{
	while (n-- > 0)
		*p++ = (uint8_t)rnd();
}

/* ---- writing hand-made bodies ---------------------------------------- */

struct mp {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static int
sbuf_write(void *data, const char *buf, size_t len)
{
	return msgpack_sbuffer_write(data, buf, len);
}

static void
mp_init(struct mp *m)
{
	msgpack_sbuffer_init(&m->sb);
	msgpack_packer_init(&m->pk, &m->sb, sbuf_write);
}

static void
mp_fini(struct mp *m)
{
	msgpack_sbuffer_destroy(&m->sb);
}

static void
s(struct mp *m, const char *str)
{
	msgpack_pack_str_with_body(&m->pk, str, strlen(str));
}

static void
bin(struct mp *m, const void *p, size_t n)
{
	msgpack_pack_bin_with_body(&m->pk, p, n);
}

static const uint8_t rid[CORE_RID_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
};

/* Starts a record body {"id": rid, "type": t, "set": {<n pairs>...}}. */
static void
rec_head(struct mp *m, unsigned t, size_t n)
{
	msgpack_pack_map(&m->pk, 3);
	s(m, "id");
	bin(m, rid, sizeof rid);
	s(m, "type");
	msgpack_pack_uint8(&m->pk, (uint8_t)t);
	s(m, "set");
	msgpack_pack_map(&m->pk, n);
}

/* Decodes m's bytes (an exact-size copy, for ASan) as kind. */
static int
dec(uint8_t kind, struct mp *m, struct core_body *b)
{
	uint8_t *p = malloc(m->sb.size ? m->sb.size : 1);
	int rc;

	if (p == NULL)
		return DG_ENOMEM;
	if (m->sb.size > 0)
		memcpy(p, m->sb.data, m->sb.size);
	rc = core_body_decode(kind, p, m->sb.size, b);
	free(p);
	return rc;
}

/* Decodes and frees; returns the code. */
static int
dec_rc(uint8_t kind, struct mp *m)
{
	struct core_body b;
	int rc = dec(kind, m, &b);

	core_body_fini(&b);
	return rc;
}

/* The code for a record of type t with one field key=value (value NULL:
 * nil). */
static int
one_field(unsigned t, const char *key, const char *value)
{
	struct mp m;
	int rc;

	mp_init(&m);
	rec_head(&m, t, 1);
	s(&m, key);
	if (value == NULL)
		msgpack_pack_nil(&m.pk);
	else
		s(&m, value);
	rc = dec_rc(CORE_KIND_RECORD, &m);
	mp_fini(&m);
	return rc;
}

/* ---- comparing ---------------------------------------------------------- */

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
body_eq(const struct core_body *a, const struct core_body *b)
{
	size_t i;

	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case CORE_KIND_GENESIS:
		return str_eq(a->name, b->name);
	case CORE_KIND_KEYS:
		if (a->epoch != b->epoch || a->nto != b->nto)
			return 0;
		for (i = 0; i < a->nto; i++) {
			if (memcmp(&a->to[i], &b->to[i], sizeof a->to[i]) != 0)
				return 0;
		}
		return 1;
	case CORE_KIND_RECORD:
		if (a->rtype != b->rtype || a->nset != b->nset)
			return 0;
		for (i = 0; i < a->nset; i++) {
			if (!str_eq(a->set[i].key, b->set[i].key) ||
			    !str_eq(a->set[i].value, b->set[i].value))
				return 0;
		}
		/* fall through */
	case CORE_KIND_REMOVE:
	case CORE_KIND_ERASE:
		return memcmp(a->rid, b->rid, CORE_RID_LEN) == 0;
	}
	return 0;
}

/* Encodes b, decodes the bytes, checks the result equals b and encodes
 * to the same bytes.  Returns 0 or a short reason. */
static const char *
roundtrip(const struct core_body *b)
{
	struct core_buf e1, e2;
	struct core_body d;
	const char *why = NULL;
	int rc;

	core_buf_init(&e1);
	core_buf_init(&e2);
	memset(&d, 0, sizeof d);
	if (core_body_encode(b, &e1) != 0) {
		why = "encode failed";
		goto out;
	}
	rc = core_body_decode(b->kind, (const uint8_t *)e1.data, e1.len, &d);
	if (rc != 0) {
		fprintf(stderr, "  decode: %s\n", dg_strerror(rc));
		why = "decode failed";
		goto out;
	}
	if (!body_eq(b, &d)) {
		why = "decoded body differs";
		goto out;
	}
	if (core_body_encode(&d, &e2) != 0 || e1.len != e2.len ||
	    memcmp(e1.data, e2.data, e1.len) != 0)
		why = "second encoding differs";
out:
	core_body_fini(&d);
	core_buf_fini(&e1);
	core_buf_fini(&e2);
	return why;
}

#define ROUNDTRIP(b)                                                   \
	do {                                                           \
		const char *why_ = roundtrip(b);                       \
		if (why_ != NULL)                                      \
			fprintf(stderr, "  %s\n", why_);               \
		T_ASSERT(why_ == NULL);                                \
	} while (0)

/* ---- tests -------------------------------------------------------------- */

static void
test_roundtrip_genesis(void)
{
	struct core_body b;
	char name[CORE_NET_NAME_MAX + 1];

	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_GENESIS;
	b.name = "IKKG Oslo";
	ROUNDTRIP(&b);
	b.name = "Kvinnegruppa Troms\xc3\xb8 \xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a";
	ROUNDTRIP(&b);
	memset(name, 'n', CORE_NET_NAME_MAX);
	name[CORE_NET_NAME_MAX] = '\0';
	b.name = name;
	ROUNDTRIP(&b);
}

static void
test_roundtrip_keys(void)
{
	struct core_sealed *to;
	struct core_body b;
	size_t i;

	to = calloc(CORE_MEMBERS_MAX, sizeof *to);
	T_ASSERT(to != NULL);
	for (i = 0; i < CORE_MEMBERS_MAX; i++) {
		rnd_bytes(to[i].pk, sizeof to[i].pk);
		rnd_bytes(to[i].box, sizeof to[i].box);
	}
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_KEYS;
	b.to = to;
	b.epoch = 1;
	b.nto = 1;
	ROUNDTRIP(&b);
	b.epoch = UINT32_MAX;
	b.nto = 3;
	ROUNDTRIP(&b);
	b.epoch = 70000;
	b.nto = 0;
	ROUNDTRIP(&b);
	b.nto = CORE_MEMBERS_MAX / 2 + 1;
	ROUNDTRIP(&b);
	free(to);
}

/* A delivery to CORE_MEMBERS_MAX members is within the documented
 * limit: it must decode, and (keys bodies are epoch 0, stored as they
 * are) fit in one entry body. */
static void
test_roundtrip_keys_max_members(void)
{
	struct core_sealed *to;
	struct core_body b;
	struct core_buf e;
	const char *why;
	size_t len;
	int rc;

	to = calloc(CORE_MEMBERS_MAX, sizeof *to);
	T_ASSERT(to != NULL);
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_KEYS;
	b.to = to;
	b.epoch = 2;
	b.nto = CORE_MEMBERS_MAX;
	why = roundtrip(&b);
	core_buf_init(&e);
	rc = core_body_encode(&b, &e);
	len = e.len;
	core_buf_fini(&e);
	free(to);
	if (why != NULL)
		fprintf(stderr, "  %s\n", why);
	if (len > CORE_BODY_MAX)
		fprintf(stderr, "  %zu recipients take %zu bytes\n",
		    (size_t)CORE_MEMBERS_MAX, len);
	T_EQ_INT(rc, 0);
	T_ASSERT(why == NULL);
	T_ASSERT(len <= CORE_BODY_MAX);
}

static void
test_roundtrip_records(void)
{
	/* Sets are sorted by key so that the decoder's order (sorted) and
	 * the encoder's (as given) agree. */
	struct core_field meeting[] = {
		{ "capacity", "10" },
		{ "description", "Vi lager mat og prater.\nAlle er velkomne." },
		{ "duration", "90" },
		{ "lang", "nb,so,ar,zh-Hant-TW" },
		{ "link", "https://meet.example.org/kvinner" },
		{ "place", NULL },
		{ "repeat", "weekly:tu,th" },
		{ "starts", "2026-12-04T18:00+01:00" },
		{ "title", "Kvinnegruppa" },
		{ "title@so", "Kooxda haweenka" },
		{ "tz", "Europe/Oslo" },
		{ "until", "2027-06-30" },
	};
	struct core_field contact[] = {
		{ "email", "amina@example.org" },
		{ "name", "Amina Hassan" },
		{ "name@ar", "\xd8\xa3\xd9\x85\xd9\x8a\xd9\x86\xd8\xa9" },
		{ "note", NULL },
		{ "phone", "+47 22 33 44 55" },
	};
	struct core_field referral[] = {
		{ "category", "health,legal" },
		{ "name", "Legevakten" },
		{ "web", "https://example.org" },
	};
	struct core_body b;

	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_RECORD;
	memcpy(b.rid, rid, sizeof rid);
	b.rtype = CORE_RT_MEETING;
	b.set = meeting;
	b.nset = sizeof meeting / sizeof meeting[0];
	ROUNDTRIP(&b);
	b.rtype = CORE_RT_CONTACT;
	b.set = contact;
	b.nset = sizeof contact / sizeof contact[0];
	ROUNDTRIP(&b);
	b.rtype = CORE_RT_REFERRAL;
	b.set = referral;
	b.nset = sizeof referral / sizeof referral[0];
	ROUNDTRIP(&b);
	/* Only unsets. */
	b.set = referral + 2;
	b.nset = 1;
	referral[2].value = NULL;
	ROUNDTRIP(&b);
}

static void
test_roundtrip_remove_erase(void)
{
	struct core_body b;

	memset(&b, 0, sizeof b);
	memcpy(b.rid, rid, sizeof rid);
	b.kind = CORE_KIND_REMOVE;
	ROUNDTRIP(&b);
	b.kind = CORE_KIND_ERASE;
	ROUNDTRIP(&b);
}

static void
test_decode_sorts_set(void)
{
	struct core_body b;
	struct mp m;

	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 3);
	s(&m, "phone");
	s(&m, "+47 22 33 44 55");
	s(&m, "name");
	s(&m, "Amina");
	s(&m, "email");
	msgpack_pack_nil(&m.pk);
	T_EQ_INT(dec(CORE_KIND_RECORD, &m, &b), 0);
	mp_fini(&m);
	T_EQ_INT(b.nset, 3);
	T_EQ_STR(b.set[0].key, "email");
	T_ASSERT(b.set[0].value == NULL);
	T_EQ_STR(b.set[1].key, "name");
	T_EQ_STR(b.set[1].value, "Amina");
	T_EQ_STR(b.set[2].key, "phone");
	T_EQ_INT(b.rtype, CORE_RT_CONTACT);
	T_ASSERT(memcmp(b.rid, rid, sizeof rid) == 0);
	core_body_fini(&b);
	core_body_fini(NULL);
}

static void
test_encode_errors(void)
{
	struct core_buf o;
	struct core_body b;

	memset(&b, 0, sizeof b);
	core_buf_init(&o);
	b.kind = CORE_KIND_GENESIS;
	T_EQ_INT(core_body_encode(&b, &o), DG_EINVAL);
	b.kind = 99;
	T_EQ_INT(core_body_encode(&b, &o), DG_EINVAL);
	b.kind = CORE_KIND_ADMIT;
	T_EQ_INT(core_body_encode(&b, &o), DG_EINVAL);
	core_buf_fini(&o);
}

static void
test_genesis_strict(void)
{
	struct mp m;
	char name[CORE_NET_NAME_MAX + 2];

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	s(&m, "name");
	s(&m, "ok");
	s(&m, "nonce");
	bin(&m, "0123456789abcdef", 16);
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), 0);
	/* The same bytes are no body of another kind. */
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	T_EQ_INT(dec_rc(CORE_KIND_KEYS, &m), DG_EDECODE);
	T_EQ_INT(dec_rc(CORE_KIND_ERASE, &m), DG_EDECODE);
	T_EQ_INT(dec_rc(99, &m), DG_EDECODE);
	mp_fini(&m);

	/* Without its nonce a genesis defines no network id. */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "ok");
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	s(&m, "name");
	s(&m, "ok");
	s(&m, "extra");
	s(&m, "x");
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "nam");
	s(&m, "ok");
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	bin(&m, "ok", 2);
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	bin(&m, "name", 4);
	s(&m, "ok");
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "");
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);

	memset(name, 'x', CORE_NET_NAME_MAX + 1);
	name[CORE_NET_NAME_MAX + 1] = '\0';
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, name);
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "bad \xc3\x28");
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EUTF8);
	mp_fini(&m);

	/* Not a map; two values; nothing. */
	mp_init(&m);
	msgpack_pack_array(&m.pk, 1);
	s(&m, "name");
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "ok");
	msgpack_pack_nil(&m.pk);
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	T_EQ_INT(dec_rc(CORE_KIND_GENESIS, &m), DG_EDECODE);
	mp_fini(&m);
	/* Headers claiming 2^32-1 elements or bytes are refused before
	 * msgpack-c sees them (it would reserve gigabytes). */
	{
		static const char *const huge[] = {
			"\xdd\xff\xff\xff\xff", "\xdf\xff\xff\xff\xff",
			"\x81\xa2id\xdd\xff\xff\xff\xff",
			"\x81\xa4name\xdb\xff\xff\xff\xff",
			"\x81\xa2id\xc6\xff\xff\xff\xff",
		};
		struct core_body d;
		size_t i;
		int rc, k;

		for (i = 0; i < sizeof huge / sizeof huge[0]; i++) {
			for (k = CORE_KIND_GENESIS; k <= CORE_KIND_ERASE; k++) {
				rc = core_body_decode((uint8_t)k,
				    (const uint8_t *)huge[i], strlen(huge[i]),
				    &d);
				core_body_fini(&d);
				T_ASSERT(rc == DG_ELIMIT || rc == DG_EDECODE);
			}
		}
	}
}

/* The network name reaches every member's terminal: like a field value
 * it is one line of text without control characters, which is all that
 * store_node_network_create writes. */
static void
test_genesis_name_is_text(void)
{
	static const char *const bad[] = {
		"IKKG\x1b[2J Oslo", "IKKG\nOslo", "IKKG\rOslo", "IKKG\tOslo",
		"IKKG \x7f", "IKKG \xc2\x9b" "31m",
	};
	struct mp m;
	size_t i;
	int rc, accepted = 0;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mp_init(&m);
		msgpack_pack_map(&m.pk, 1);
		s(&m, "name");
		s(&m, bad[i]);
		rc = dec_rc(CORE_KIND_GENESIS, &m);
		mp_fini(&m);
		if (rc == 0) {
			fprintf(stderr, "  accepted name %zu\n", i);
			accepted++;
		}
	}
	T_EQ_INT(accepted, 0);
}

/* Writes a keys body with the given shape. */
static int
keys_rc(uint64_t epoch, int epoch_str, size_t n, size_t pklen, size_t boxlen,
    size_t elems)
{
	uint8_t junk[CORE_SEALED_LEN + 8];
	struct mp m;
	size_t i, j;
	int rc;

	memset(junk, 0x5a, sizeof junk);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	s(&m, "epoch");
	if (epoch_str)
		s(&m, "1");
	else
		msgpack_pack_uint64(&m.pk, epoch);
	s(&m, "creator");
	bin(&m, junk, 32);
	s(&m, "to");
	msgpack_pack_array(&m.pk, n);
	for (i = 0; i < n; i++) {
		msgpack_pack_array(&m.pk, elems);
		bin(&m, junk, pklen);
		bin(&m, junk, boxlen);
		for (j = 2; j < elems; j++)
			msgpack_pack_nil(&m.pk);
	}
	rc = dec_rc(CORE_KIND_KEYS, &m);
	mp_fini(&m);
	return rc;
}

static void
test_keys_strict(void)
{
	struct mp m;

	T_EQ_INT(keys_rc(1, 0, 2, 32, CORE_SEALED_LEN, 2), 0);
	T_EQ_INT(keys_rc(0, 0, 2, 32, CORE_SEALED_LEN, 2), DG_EDECODE);
	T_EQ_INT(keys_rc((uint64_t)UINT32_MAX + 1, 0, 2, 32, CORE_SEALED_LEN,
		     2), DG_EDECODE);
	T_EQ_INT(keys_rc(1, 1, 2, 32, CORE_SEALED_LEN, 2), DG_EDECODE);
	T_EQ_INT(keys_rc(1, 0, 2, 31, CORE_SEALED_LEN, 2), DG_EDECODE);
	T_EQ_INT(keys_rc(1, 0, 2, 33, CORE_SEALED_LEN, 2), DG_EDECODE);
	T_EQ_INT(keys_rc(1, 0, 2, 32, CORE_SEALED_LEN - 1, 2), DG_EDECODE);
	T_ASSERT(keys_rc(1, 0, 2, 32, CORE_SEALED_LEN + 1, 2) != 0);
	T_ASSERT(keys_rc(1, 0, 2, 32, CORE_SEALED_LEN, 3) != 0);
	T_ASSERT(keys_rc(1, 0, CORE_MEMBERS_MAX + 1, 32, CORE_SEALED_LEN, 2) !=
	    0);

	/* "to" first, or "to" not an array */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	s(&m, "to");
	msgpack_pack_array(&m.pk, 0);
	s(&m, "epoch");
	msgpack_pack_uint8(&m.pk, 1);
	T_EQ_INT(dec_rc(CORE_KIND_KEYS, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	s(&m, "epoch");
	msgpack_pack_uint8(&m.pk, 1);
	s(&m, "to");
	msgpack_pack_map(&m.pk, 0);
	T_EQ_INT(dec_rc(CORE_KIND_KEYS, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	s(&m, "epoch");
	msgpack_pack_uint8(&m.pk, 1);
	s(&m, "to");
	msgpack_pack_array(&m.pk, 0);
	s(&m, "x");
	msgpack_pack_nil(&m.pk);
	T_EQ_INT(dec_rc(CORE_KIND_KEYS, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	s(&m, "epoch");
	msgpack_pack_int8(&m.pk, -1);
	s(&m, "to");
	msgpack_pack_array(&m.pk, 0);
	T_EQ_INT(dec_rc(CORE_KIND_KEYS, &m), DG_EDECODE);
	mp_fini(&m);
}

static void
test_record_shape_strict(void)
{
	struct mp m;

	/* wrong record type */
	T_EQ_INT(one_field(0, "name", "A"), DG_EDECODE);
	T_EQ_INT(one_field(4, "name", "A"), DG_EDECODE);
	T_EQ_INT(one_field(255, "name", "A"), DG_EDECODE);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "name", "A"), 0);

	/* type as a string, negative, or missing */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	s(&m, "id");
	bin(&m, rid, sizeof rid);
	s(&m, "type");
	s(&m, "1");
	s(&m, "set");
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	s(&m, "id");
	bin(&m, rid, sizeof rid);
	s(&m, "type");
	msgpack_pack_int8(&m.pk, -1);
	s(&m, "set");
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	s(&m, "id");
	bin(&m, rid, sizeof rid);
	s(&m, "set");
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);

	/* unknown top-level key */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 4);
	s(&m, "id");
	bin(&m, rid, sizeof rid);
	s(&m, "type");
	msgpack_pack_uint8(&m.pk, 1);
	s(&m, "set");
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "A");
	s(&m, "by");
	s(&m, "me");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);

	/* id of the wrong size or type */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	s(&m, "id");
	bin(&m, rid, 15);
	s(&m, "type");
	msgpack_pack_uint8(&m.pk, 1);
	s(&m, "set");
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	s(&m, "id");
	s(&m, "0123456789abcdef");
	s(&m, "type");
	msgpack_pack_uint8(&m.pk, 1);
	s(&m, "set");
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);

	/* set: empty, not a map, keys and values of other types */
	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 0);
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	s(&m, "id");
	bin(&m, rid, sizeof rid);
	s(&m, "type");
	msgpack_pack_uint8(&m.pk, 1);
	s(&m, "set");
	msgpack_pack_array(&m.pk, 2);
	s(&m, "name");
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 1);
	bin(&m, "name", 4);
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	rec_head(&m, CORE_RT_MEETING, 1);
	s(&m, "capacity");
	msgpack_pack_uint8(&m.pk, 10);
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 1);
	s(&m, "name");
	bin(&m, "A", 1);
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 1);
	s(&m, "name");
	msgpack_pack_true(&m.pk);
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 1);
	s(&m, "name");
	msgpack_pack_array(&m.pk, 1);
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);

	/* remove and erase: exactly {"id": bin 16} */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "id");
	bin(&m, rid, sizeof rid);
	T_EQ_INT(dec_rc(CORE_KIND_REMOVE, &m), 0);
	T_EQ_INT(dec_rc(CORE_KIND_ERASE, &m), 0);
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "id");
	bin(&m, "0123456789abcdefg", 17);
	T_EQ_INT(dec_rc(CORE_KIND_ERASE, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	s(&m, "id");
	bin(&m, rid, sizeof rid);
	s(&m, "why");
	s(&m, "because");
	T_EQ_INT(dec_rc(CORE_KIND_REMOVE, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	s(&m, "rid");
	bin(&m, rid, sizeof rid);
	T_EQ_INT(dec_rc(CORE_KIND_REMOVE, &m), DG_EDECODE);
	mp_fini(&m);
}

static void
test_field_names(void)
{
	/* Field names must exist for the record's type. */
	T_EQ_INT(one_field(CORE_RT_CONTACT, "name", "A"), 0);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "title", "A"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "capacity", "10"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "name", "A"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "category", "health"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_REFERRAL, "title", "A"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_REFERRAL, "starts",
		     "2026-12-04T18:00+01:00"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "nme", "A"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "Name", "A"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "name ", "A"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "", "A"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "@so", "A"), DG_EINVAL);
	/* Unsetting an unknown field is no better. */
	T_EQ_INT(one_field(CORE_RT_CONTACT, "title", NULL), DG_EINVAL);
	/* A NUL inside a key is not a shorter key. */
	{
		struct mp m;

		mp_init(&m);
		rec_head(&m, CORE_RT_CONTACT, 1);
		msgpack_pack_str_with_body(&m.pk, "name\0x", 6);
		s(&m, "A");
		T_ASSERT(dec_rc(CORE_KIND_RECORD, &m) != 0);
		mp_fini(&m);
		mp_init(&m);
		rec_head(&m, CORE_RT_CONTACT, 1);
		s(&m, "name");
		msgpack_pack_str_with_body(&m.pk, "A\0B", 3);
		T_ASSERT(dec_rc(CORE_KIND_RECORD, &m) != 0);
		mp_fini(&m);
	}
}

static void
test_translations(void)
{
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@so", "Kooxda"), 0);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@zh-Hant-TW", "X"), 0);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@so", NULL), 0);
	/* Fields that have no translations. */
	T_EQ_INT(one_field(CORE_RT_MEETING, "capacity@so", "10"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "lang@so", "nb"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "starts@nb",
		     "2026-12-04T18:00+01:00"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "link@so", "https://example.org"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "phone@so", "+47 22 33 44 55"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "email@ar", "a@example.org"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_REFERRAL, "category@so", "health"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "capacity@so", NULL), DG_EINVAL);
	/* Language tags: well-formed and in canonical case only. */
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@SO", "X"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@zh-hant-tw", "X"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@", "X"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@s", "X"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@so-", "X"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@so@so", "X"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@s o", "X"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@1234", "X"), DG_EINVAL);
	/* CORE_FIELD_NAME_MAX bytes, then one more (a well-formed tag
	 * both times, so only the length decides). */
	T_EQ_INT(strlen("description@en-Latn-US-x-aaaaaaaa-bbbbbbbb-ccccc"),
	    CORE_FIELD_NAME_MAX);
	T_EQ_INT(one_field(CORE_RT_MEETING,
		     "description@en-Latn-US-x-aaaaaaaa-bbbbbbbb-ccccc", "X"),
	    0);
	T_EQ_INT(one_field(CORE_RT_MEETING,
		     "description@en-Latn-US-x-aaaaaaaa-bbbbbbbb-cccccc", "X"),
	    DG_EINVAL);
}

static void
test_key_check(void)
{
	const struct core_fdef *def = NULL;
	size_t lang = 99;

	T_EQ_INT(core_body_key_check(CORE_RT_MEETING, "title", &def, &lang), 0);
	T_EQ_STR(def->name, "title");
	T_EQ_INT(lang, 0);
	T_EQ_INT(core_body_key_check(CORE_RT_MEETING, "title@so", &def, &lang),
	    0);
	T_EQ_STR(def->name, "title");
	T_EQ_INT(lang, 6);
	T_EQ_INT(core_body_key_check(CORE_RT_MEETING, "capacity", &def, &lang),
	    0);
	T_EQ_INT(def->type, CORE_FT_INT);
	T_EQ_INT(core_body_key_check(CORE_RT_MEETING, "capacity@so", &def,
		     &lang), DG_EINVAL);
	T_EQ_INT(core_body_key_check(CORE_RT_CONTACT, "title", &def, &lang),
	    DG_EINVAL);
	T_EQ_INT(core_body_key_check(CORE_RT_CONTACT, "name@NB", &def, &lang),
	    DG_EINVAL);
	T_EQ_INT(core_body_key_check((enum core_rtype)0, "name", &def, &lang),
	    DG_EINVAL);
	T_EQ_INT(core_body_key_check((enum core_rtype)9, "name", &def, &lang),
	    DG_EINVAL);
}

static void
test_noncanonical_values(void)
{
	char *big;

	/* What a user may type is refused from the log unless it is the
	 * canonical form. */
	T_EQ_INT(one_field(CORE_RT_MEETING, "lang", "nb,so"), 0);
	T_EQ_INT(one_field(CORE_RT_MEETING, "lang", "NB"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "lang", "nb, so"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "lang", "nb,nb"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "lang", "zh-hant-tw"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "capacity", "10"), 0);
	T_EQ_INT(one_field(CORE_RT_MEETING, "capacity", "010"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "capacity", "+10"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "capacity", "ten"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "duration", "90"), 0);
	T_EQ_INT(one_field(CORE_RT_MEETING, "duration", "1h30m"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "starts",
		     "2026-12-04 18:00+01:00"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "starts", "2026-12-04T18:00"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title", " Kvinnegruppa"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title", "Kvinnegruppa\n"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title", ""), DG_EINVAL);
	/* NFD is not the canonical NFC. */
	T_EQ_INT(one_field(CORE_RT_MEETING, "place", "Troms\xc3\xb8"), 0);
	T_EQ_INT(one_field(CORE_RT_MEETING, "place", "Tromso\xcc\x88"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title", "a\x1b[2Jb"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "email", "Amina@EXAMPLE.org"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_CONTACT, "phone", "+47 22-33-44-55"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_REFERRAL, "category", "Health"), DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_REFERRAL, "category", "health,health"),
	    DG_EINVAL);
	T_EQ_INT(one_field(CORE_RT_REFERRAL, "category", "pets"), DG_EINVAL);
	/* Invalid UTF-8 is caught before anything else. */
	T_EQ_INT(one_field(CORE_RT_MEETING, "title", "a\xff"), DG_EUTF8);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title", "\xed\xa0\x80"),
	    DG_EUTF8);
	T_EQ_INT(one_field(CORE_RT_MEETING, "title@so\xc3", "X"), DG_EUTF8);
	/* Size of one value. */
	big = malloc(CORE_VALUE_MAX + 2);
	T_ASSERT(big != NULL);
	memset(big, 'a', CORE_VALUE_MAX + 1);
	big[CORE_VALUE_MAX] = '\0';
	T_EQ_INT(one_field(CORE_RT_MEETING, "description", big), 0);
	big[CORE_VALUE_MAX] = 'a';
	big[CORE_VALUE_MAX + 1] = '\0';
	T_EQ_INT(one_field(CORE_RT_MEETING, "description", big), DG_ELIMIT);
	free(big);
}

/* A set sent out of order is decoded sorted by key, few fields (sorted
 * by insertion) and many (by qsort); a duplicate among many refused. */
static void
test_set_order(void)
{
	static const char *const langs[] = { "zu", "yo", "xh", "wo", "vi",
		"uk", "tr", "so", "ru", "pl", "nb", "lt", "ja", "it", "hu",
		"fr", "de", "ar" };
	const size_t nl = sizeof langs / sizeof langs[0];
	char key[CORE_FIELD_NAME_MAX + 1];
	struct core_body b;
	struct mp m;
	size_t i;
	int rc;

	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 4);
	s(&m, "phone");
	s(&m, "+47 22 33 44 55");
	s(&m, "name@so");
	s(&m, "A");
	s(&m, "name");
	s(&m, "A");
	s(&m, "email");
	s(&m, "a@example.org");
	rc = dec(CORE_KIND_RECORD, &m, &b);
	T_EQ_INT(rc, 0);
	if (rc == 0 && b.nset == 4) {
		T_EQ_STR(b.set[0].key, "email");
		T_EQ_STR(b.set[1].key, "name");
		T_EQ_STR(b.set[2].key, "name@so");
		T_EQ_STR(b.set[3].key, "phone");
	}
	core_body_fini(&b);
	mp_fini(&m);
	/* name, then its 18 translations from z to a: 19 fields. */
	for (int dup = 0; dup <= 1; dup++) {
		mp_init(&m);
		rec_head(&m, CORE_RT_CONTACT, nl + 1);
		s(&m, "name");
		s(&m, "A");
		for (i = 0; i < nl; i++) {
			snprintf(key, sizeof key, "name@%s",
			    langs[dup && i == nl - 1 ? 0 : i]);
			s(&m, key);
			s(&m, "A");
		}
		rc = dec(CORE_KIND_RECORD, &m, &b);
		T_EQ_INT(rc, dup ? DG_EDECODE : 0);
		if (!dup && rc == 0 && b.nset == nl + 1) {
			T_EQ_STR(b.set[0].key, "name");
			for (i = 0; i < nl; i++) {
				snprintf(key, sizeof key, "name@%s",
				    langs[nl - 1 - i]);
				T_EQ_STR(b.set[i + 1].key, key);
			}
		}
		core_body_fini(&b);
		mp_fini(&m);
	}
}

static void
test_duplicate_keys(void)
{
	struct mp m;

	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 2);
	s(&m, "name");
	s(&m, "A");
	s(&m, "name");
	s(&m, "B");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 3);
	s(&m, "name");
	s(&m, "A");
	s(&m, "phone");
	msgpack_pack_nil(&m.pk);
	s(&m, "name");
	msgpack_pack_nil(&m.pk);
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
	/* A translation is another key. */
	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, 2);
	s(&m, "name");
	s(&m, "A");
	s(&m, "name@so");
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), 0);
	mp_fini(&m);
	/* Duplicated top-level keys. */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	s(&m, "id");
	bin(&m, rid, sizeof rid);
	s(&m, "id");
	bin(&m, rid, sizeof rid);
	s(&m, "set");
	msgpack_pack_map(&m.pk, 1);
	s(&m, "name");
	s(&m, "A");
	T_EQ_INT(dec_rc(CORE_KIND_RECORD, &m), DG_EDECODE);
	mp_fini(&m);
}

/* A contact with n translations of "note" (plus nothing else). */
static int
many_fields(size_t n)
{
	char key[16];
	struct mp m;
	size_t i;
	int rc;

	mp_init(&m);
	rec_head(&m, CORE_RT_CONTACT, n);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "note@%c%c", 'a' + (int)(i / 26),
		    'a' + (int)(i % 26));
		s(&m, key);
		s(&m, "x");
	}
	rc = dec_rc(CORE_KIND_RECORD, &m);
	mp_fini(&m);
	return rc;
}

static void
test_field_count(void)
{
	T_EQ_INT(many_fields(CORE_RECORD_FIELDS_MAX), 0);
	T_EQ_INT(many_fields(CORE_RECORD_FIELDS_MAX + 1), DG_ELIMIT);
	T_EQ_INT(many_fields(500), DG_ELIMIT);
}

/* Random byte changes of valid bodies: never a crash or leak (ASan),
 * and what is accepted survives encode and decode unchanged. */
static void
test_mutations(void)
{
	struct core_field fields[] = {
		{ "capacity", "10" },
		{ "lang", "nb,so" },
		{ "place", NULL },
		{ "starts", "2026-12-04T18:00+01:00" },
		{ "title", "Kvinnegruppa" },
		{ "title@so", "Kooxda" },
	};
	struct core_sealed to[2];
	struct core_body src[4], d, d2;
	struct core_buf e[4], again;
	uint8_t *p;
	size_t k, i, n;
	int it, rc, bad = 0, accepted = 0;
	uint8_t kind;

	memset(src, 0, sizeof src);
	memset(to, 0x11, sizeof to);
	src[0].kind = CORE_KIND_RECORD;
	memcpy(src[0].rid, rid, sizeof rid);
	src[0].rtype = CORE_RT_MEETING;
	src[0].set = fields;
	src[0].nset = sizeof fields / sizeof fields[0];
	src[1].kind = CORE_KIND_KEYS;
	src[1].epoch = 7;
	src[1].nto = 2;
	src[1].to = to;
	src[2].kind = CORE_KIND_GENESIS;
	src[2].name = "IKKG Oslo";
	src[3].kind = CORE_KIND_ERASE;
	memcpy(src[3].rid, rid, sizeof rid);
	for (k = 0; k < 4; k++) {
		core_buf_init(&e[k]);
		T_EQ_INT(core_body_encode(&src[k], &e[k]), 0);
	}
	for (it = 0; it < 40000; it++) {
		k = (size_t)(rnd() % 4);
		n = e[k].len;
		if (rnd() % 8 == 0)
			n = (size_t)(rnd() % (n + 1));
		p = malloc(n ? n : 1);
		T_ASSERT(p != NULL);
		memcpy(p, e[k].data, n);
		for (i = rnd() % 3 + 1; n > 0 && i > 0; i--)
			p[rnd() % n] = (uint8_t)rnd();
		kind = rnd() % 5 == 0 ? (uint8_t)(rnd() % 20) : src[k].kind;
		rc = core_body_decode(kind, p, n, &d);
		free(p);
		if (rc == 0) {
			accepted++;
			memset(&d2, 0, sizeof d2);
			core_buf_init(&again);
			if (core_body_encode(&d, &again) != 0 ||
			    core_body_decode(kind, (const uint8_t *)again.data,
				again.len, &d2) != 0 ||
			    !body_eq(&d, &d2))
				bad++;
			core_body_fini(&d2);
			core_buf_fini(&again);
		} else if (rc != DG_EDECODE && rc != DG_ELIMIT &&
		    rc != DG_EUTF8 && rc != DG_EINVAL) {
			bad++;
		}
		core_body_fini(&d);
	}
	for (k = 0; k < 4; k++)
		core_buf_fini(&e[k]);
	T_EQ_INT(bad, 0);
	T_ASSERT(accepted > 0);
}

T_MAIN(T_CASE(test_roundtrip_genesis), T_CASE(test_roundtrip_keys),
    T_CASE(test_roundtrip_keys_max_members), T_CASE(test_roundtrip_records),
    T_CASE(test_roundtrip_remove_erase), T_CASE(test_decode_sorts_set),
    T_CASE(test_encode_errors), T_CASE(test_genesis_strict),
    T_CASE(test_genesis_name_is_text),
    T_CASE(test_keys_strict), T_CASE(test_record_shape_strict),
    T_CASE(test_field_names), T_CASE(test_translations),
    T_CASE(test_key_check), T_CASE(test_noncanonical_values),
    T_CASE(test_duplicate_keys), T_CASE(test_set_order), T_CASE(test_field_count),
    T_CASE(test_mutations))
