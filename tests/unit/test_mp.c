/* tests/unit/test_mp.c - core_mp_check: exactly one well-formed msgpack
 * value within limits, checked without allocating. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "core/mp.h"
#include "tests/unit/t.h"

/* Generous limits: only the structure is judged. */
static const struct core_mp_limits wide = {
	.depth = 16, .count = SIZE_MAX, .items = SIZE_MAX, .str = SIZE_MAX,
	.bin = SIZE_MAX,
};

#define CHECK(lit, lim) \
	core_mp_check((const uint8_t *)(lit), sizeof(lit) - 1, (lim))

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t
rnd(void)
{
	/* splitmix64: deterministic, good enough for test inputs */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* msgpack-c must agree with an accepted value: it unpacks it and uses
 * every byte. */
static int
unpacks_exactly(const uint8_t *p, size_t len)
{
	msgpack_unpacked u;
	size_t off = 0;
	int ok;

	msgpack_unpacked_init(&u);
	ok = msgpack_unpack_next(&u, (const char *)p, len, &off) ==
	    MSGPACK_UNPACK_SUCCESS && off == len;
	msgpack_unpacked_destroy(&u);
	return ok;
}

static int
sbuf_write(void *data, const char *buf, size_t len)
{
	return msgpack_sbuffer_write(data, buf, len);
}

/* A value with every accepted type: nested arrays and maps, strings and
 * binaries of every header width (32-bit ones only when huge), integers
 * of every width. */
static void
pack_sample(msgpack_sbuffer *sb, int huge)
{
	msgpack_packer pk;
	static char big[70000];

	memset(big, 'x', sizeof big);
	msgpack_packer_init(&pk, sb, sbuf_write);
	msgpack_pack_map(&pk, 4);
	msgpack_pack_str_with_body(&pk, "ints", 4);
	msgpack_pack_array(&pk, 12);
	msgpack_pack_uint64(&pk, 0);
	msgpack_pack_uint64(&pk, 200);
	msgpack_pack_uint64(&pk, 60000);
	msgpack_pack_uint64(&pk, 4000000000u);
	msgpack_pack_uint64(&pk, UINT64_MAX);
	msgpack_pack_int64(&pk, -1);
	msgpack_pack_int64(&pk, -100);
	msgpack_pack_int64(&pk, -30000);
	msgpack_pack_int64(&pk, -2000000000);
	msgpack_pack_int64(&pk, INT64_MIN);
	msgpack_pack_true(&pk);
	msgpack_pack_nil(&pk);
	msgpack_pack_str_with_body(&pk, "strs", 4);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_str_with_body(&pk, "Troms\xc3\xb8", 7);
	msgpack_pack_str_with_body(&pk, big, 200);
	msgpack_pack_str_with_body(&pk, big, 300);
	msgpack_pack_str_with_body(&pk, big, huge ? 66000 : 5);
	msgpack_pack_str_with_body(&pk, "bins", 4);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_bin_with_body(&pk, "\0\1\2", 3);
	msgpack_pack_bin_with_body(&pk, big, 300);
	msgpack_pack_bin_with_body(&pk, big, huge ? 66000 : 5);
	msgpack_pack_str_with_body(&pk, "nest", 4);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_map(&pk, 0);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 0);
}

static void
test_accepts_scalars(void)
{
	T_EQ_INT(CHECK("\x00", &wide), 0);
	T_EQ_INT(CHECK("\x7f", &wide), 0);
	T_EQ_INT(CHECK("\xff", &wide), 0);       /* negative fixint -1 */
	T_EQ_INT(CHECK("\xe0", &wide), 0);       /* -32 */
	T_EQ_INT(CHECK("\xc0", &wide), 0);       /* nil */
	T_EQ_INT(CHECK("\xc2", &wide), 0);       /* false */
	T_EQ_INT(CHECK("\xc3", &wide), 0);       /* true */
	T_EQ_INT(CHECK("\xcc\xff", &wide), 0);
	T_EQ_INT(CHECK("\xcd\xff\xff", &wide), 0);
	T_EQ_INT(CHECK("\xce\xff\xff\xff\xff", &wide), 0);
	T_EQ_INT(CHECK("\xcf\xff\xff\xff\xff\xff\xff\xff\xff", &wide), 0);
	T_EQ_INT(CHECK("\xd0\x80", &wide), 0);
	T_EQ_INT(CHECK("\xd1\x80\x00", &wide), 0);
	T_EQ_INT(CHECK("\xd2\x80\x00\x00\x00", &wide), 0);
	T_EQ_INT(CHECK("\xd3\x80\x00\x00\x00\x00\x00\x00\x00", &wide), 0);
	T_EQ_INT(CHECK("\xa0", &wide), 0);       /* "" */
	T_EQ_INT(CHECK("\xa3" "abc", &wide), 0);
	T_EQ_INT(CHECK("\xd9\x02" "\xc3\xb8", &wide), 0);
	T_EQ_INT(CHECK("\xda\x00\x01" "a", &wide), 0);
	T_EQ_INT(CHECK("\xdb\x00\x00\x00\x01" "a", &wide), 0);
	T_EQ_INT(CHECK("\xc4\x00", &wide), 0);   /* empty bin */
	T_EQ_INT(CHECK("\xc4\x02\x00\xff", &wide), 0);
	T_EQ_INT(CHECK("\xc5\x00\x01\x00", &wide), 0);
	T_EQ_INT(CHECK("\xc6\x00\x00\x00\x01\xc1", &wide), 0);
	T_EQ_INT(CHECK("\x90", &wide), 0);
	T_EQ_INT(CHECK("\x80", &wide), 0);
	T_EQ_INT(CHECK("\xdc\x00\x00", &wide), 0);
	T_EQ_INT(CHECK("\xdd\x00\x00\x00\x00", &wide), 0);
	T_EQ_INT(CHECK("\xde\x00\x00", &wide), 0);
	T_EQ_INT(CHECK("\xdf\x00\x00\x00\x00", &wide), 0);
	T_EQ_INT(CHECK("\x92\x01\x02", &wide), 0);
	T_EQ_INT(CHECK("\xdc\x00\x02\x01\x02", &wide), 0);
	T_EQ_INT(CHECK("\x81\xa1" "k\xc0", &wide), 0);
	T_EQ_INT(CHECK("\xde\x00\x01\x01\x02", &wide), 0);
}

static void
test_accepts_sample(void)
{
	msgpack_sbuffer sb;

	for (int huge = 0; huge < 2; huge++) {
		msgpack_sbuffer_init(&sb);
		pack_sample(&sb, huge);
		T_EQ_INT(core_mp_check((const uint8_t *)sb.data, sb.size,
			     &wide), 0);
		T_ASSERT(unpacks_exactly((const uint8_t *)sb.data, sb.size));
		msgpack_sbuffer_destroy(&sb);
	}
}

static void
test_rejects_empty_and_trailing(void)
{
	msgpack_sbuffer sb;
	uint8_t *p;

	T_EQ_INT(core_mp_check((const uint8_t *)"", 0, &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\x01\x01", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xc0\xc0", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\x91\x01\x02", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xa1" "ab", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\x90\x00", &wide), DG_EDECODE);

	/* A whole valid value followed by each possible byte. */
	msgpack_sbuffer_init(&sb);
	pack_sample(&sb, 1);
	p = malloc(sb.size + 1);
	T_ASSERT(p != NULL);
	memcpy(p, sb.data, sb.size);
	for (int b = 0; b < 256; b++) {
		p[sb.size] = (uint8_t)b;
		if (core_mp_check(p, sb.size + 1, &wide) != DG_EDECODE) {
			free(p);
			msgpack_sbuffer_destroy(&sb);
			T_ASSERT(!"trailing byte accepted");
		}
	}
	free(p);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_rejects_every_truncation(void)
{
	msgpack_sbuffer sb;
	uint8_t *p;
	size_t n, bad = 0;

	msgpack_sbuffer_init(&sb);
	pack_sample(&sb, 0);
	/* A copy of exactly n bytes, so ASan sees any read past it. */
	for (n = 0; n < sb.size; n++) {
		p = malloc(n ? n : 1);
		T_ASSERT(p != NULL);
		memcpy(p, sb.data, n);
		if (core_mp_check(p, n, &wide) != DG_EDECODE)
			bad++;
		free(p);
	}
	msgpack_sbuffer_destroy(&sb);
	T_EQ_INT(bad, 0);
	/* With the 32-bit headers: every cut near a header, and a sample
	 * of the rest (each check reads up to 130 KiB). */
	msgpack_sbuffer_init(&sb);
	pack_sample(&sb, 1);
	for (n = 0; n < sb.size; n++) {
		if (n > 700 && n % 997 != 0 && (n < 66500 || n > 67300) &&
		    n + 16 < sb.size)
			continue;
		if (core_mp_check((const uint8_t *)sb.data, n, &wide) !=
		    DG_EDECODE)
			bad++;
	}
	msgpack_sbuffer_destroy(&sb);
	T_EQ_INT(bad, 0);
}

static void
test_huge_headers_fail_fast(void)
{
	static const struct core_mp_limits lim = {
		.depth = 4, .count = 1000, .items = 10000, .str = 4096,
		.bin = 4096,
	};

	/* An array or map claiming 2^32-1 elements: over the count limit,
	 * and with wide limits still refused since the bytes are not
	 * there (each element takes at least one byte). */
	T_EQ_INT(CHECK("\xdd\xff\xff\xff\xff", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\xdd\xff\xff\xff\xff", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xdd\xff\xff\xff\xff\x01\x02\x03", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xdf\xff\xff\xff\xff", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\xdf\xff\xff\xff\xff", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xdc\xff\xff", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xde\xff\xff", &wide), DG_EDECODE);
	/* The same inside an array. */
	T_EQ_INT(CHECK("\x91\xdd\xff\xff\xff\xff", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\x91\xdd\xff\xff\xff\xff", &lim), DG_ELIMIT);
	/* Strings and binaries claiming 4 GiB. */
	T_EQ_INT(CHECK("\xdb\xff\xff\xff\xff", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\xdb\xff\xff\xff\xff" "abc", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xc6\xff\xff\xff\xff", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\xc6\xff\xff\xff\xff" "abc", &wide), DG_EDECODE);
	/* Headers cut short. */
	T_EQ_INT(CHECK("\xdd\xff\xff", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xdb\x00", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xcf\x00\x00", &wide), DG_EDECODE);
}

/* n nested one-element arrays around a 1. */
static uint8_t *
nested(size_t n, size_t *len, uint8_t open)
{
	uint8_t *p = malloc(n + 2);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = open;
	p[n] = 0x01;
	*len = n + 1;
	return p;
}

static void
test_depth(void)
{
	struct core_mp_limits lim = wide;
	uint8_t *p;
	size_t len, d;
	int rc;

	lim.depth = 3;
	T_EQ_INT(CHECK("\x91\x91\x91\x01", &lim), 0);
	T_EQ_INT(CHECK("\x91\x91\x91\x91\x01", &lim), DG_ELIMIT);
	/* Maps count too, in keys and in values. */
	T_EQ_INT(CHECK("\x81\x01\x81\x01\x91\x01", &lim), 0);
	T_EQ_INT(CHECK("\x81\x01\x81\x01\x81\x01\x01", &lim), 0);
	T_EQ_INT(CHECK("\x81\x01\x81\x01\x81\x01\x91\x01", &lim),
	    DG_ELIMIT);
	T_EQ_INT(CHECK("\x91\x91\x81\x91\x01\x01", &lim), DG_ELIMIT);
	lim.depth = 1;
	T_EQ_INT(CHECK("\x92\x01\x02", &lim), 0);
	T_EQ_INT(CHECK("\x92\x01\x91\x02", &lim), DG_ELIMIT);
	/* Never deeper than the built-in stack, whatever the caller asks:
	 * 10000 nested arrays must not recurse or overflow anything. */
	lim.depth = SIZE_MAX;
	for (d = 1; d <= 16; d++) {
		p = nested(d, &len, 0x91);
		T_ASSERT(p != NULL);
		rc = core_mp_check(p, len, &lim);
		free(p);
		T_EQ_INT(rc, 0);
	}
	p = nested(10000, &len, 0x91);
	T_ASSERT(p != NULL);
	rc = core_mp_check(p, len, &lim);
	free(p);
	T_EQ_INT(rc, DG_ELIMIT);
	p = nested(10000, &len, 0xdc);	/* cut short: 0xdc needs 2 more */
	T_ASSERT(p != NULL);
	rc = core_mp_check(p, len, &lim);
	free(p);
	T_ASSERT(rc != 0);
}

/* "nesting of arrays and maps, top level = 1": an empty array or map is
 * nesting too, even though nothing is inside it. */
static void
test_depth_empty_containers(void)
{
	struct core_mp_limits lim = wide;

	lim.depth = 1;
	T_EQ_INT(CHECK("\x90", &lim), 0);
	T_EQ_INT(CHECK("\x91\x90", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\x91\x80", &lim), DG_ELIMIT);
	lim.depth = 2;
	T_EQ_INT(CHECK("\x91\x91\x90", &lim), DG_ELIMIT);
}

static void
test_utf8(void)
{
	T_EQ_INT(CHECK("\xa2\xc3\xb8", &wide), 0);
	T_EQ_INT(CHECK("\xa4\xf0\x9f\x98\x80", &wide), 0);
	T_EQ_INT(CHECK("\xa2\xc0\x80", &wide), DG_EUTF8);  /* overlong NUL */
	T_EQ_INT(CHECK("\xa1\x00", &wide), DG_EUTF8);      /* NUL */
	T_EQ_INT(CHECK("\xa3\xed\xa0\x80", &wide), DG_EUTF8); /* surrogate */
	T_EQ_INT(CHECK("\xa4\xf4\x90\x80\x80", &wide), DG_EUTF8);
	T_EQ_INT(CHECK("\xa2\xe2\x82", &wide), DG_EUTF8);  /* truncated */
	T_EQ_INT(CHECK("\xa1\x80", &wide), DG_EUTF8);
	T_EQ_INT(CHECK("\xa1\xff", &wide), DG_EUTF8);
	T_EQ_INT(CHECK("\xd9\x01\xc3", &wide), DG_EUTF8);
	/* Splitting a character across two strings does not make it
	 * valid. */
	T_EQ_INT(CHECK("\x92\xa1\xc3\xa1\xb8", &wide), DG_EUTF8);
	/* In map keys as well as values, and deep inside. */
	T_EQ_INT(CHECK("\x81\xa1\xfe\x01", &wide), DG_EUTF8);
	T_EQ_INT(CHECK("\x91\x91\x81\x01\xa1\xc1", &wide), DG_EUTF8);
	/* Binaries are not text. */
	T_EQ_INT(CHECK("\xc4\x02\xc0\x80", &wide), 0);
}

static void
test_disallowed_types(void)
{
	/* 0xc1 (never used), float 32/64, fixext 1..16, ext 8/16/32 */
	T_EQ_INT(CHECK("\xc1", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xca\x3f\x80\x00\x00", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", &wide),
	    DG_EDECODE);
	T_EQ_INT(CHECK("\xd4\x01\x00", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xd5\x01\x00\x00", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xd6\x01\x00\x00\x00\x00", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xd7\xff\x00\x00\x00\x00\x00\x00\x00\x00", &wide),
	    DG_EDECODE);
	T_EQ_INT(CHECK("\xd8\x01\x00\x00\x00\x00\x00\x00\x00\x00"
			   "\x00\x00\x00\x00\x00\x00\x00\x00", &wide),
	    DG_EDECODE);
	T_EQ_INT(CHECK("\xc7\x01\x01\x00", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xc8\x00\x01\x01\x00", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\xc9\x00\x00\x00\x01\x01\x00", &wide), DG_EDECODE);
	/* Also when nested. */
	T_EQ_INT(CHECK("\x92\x01\xca\x3f\x80\x00\x00", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\x81\xa1" "k" "\xd4\x01\x00", &wide), DG_EDECODE);
	T_EQ_INT(CHECK("\x81\xc1\x01", &wide), DG_EDECODE);
}

static void
test_limits(void)
{
	struct core_mp_limits lim = wide;

	/* count: elements of an array, pairs of a map */
	lim.count = 2;
	T_EQ_INT(CHECK("\x92\x01\x02", &lim), 0);
	T_EQ_INT(CHECK("\x93\x01\x02\x03", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\x82\x01\x02\x03\x04", &lim), 0);
	T_EQ_INT(CHECK("\x83\x01\x02\x03\x04\x05\x06", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\x91\x93\x01\x02\x03", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\xdc\x00\x03\x01\x02\x03", &lim), DG_ELIMIT);
	lim = wide;
	/* items: objects in the whole value, containers included */
	lim.items = 4;
	T_EQ_INT(CHECK("\x93\x01\x02\x03", &lim), 0);
	T_EQ_INT(CHECK("\x94\x01\x02\x03\x04", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\x92\x91\x01\x91\x02", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\x81\x01\x02", &lim), 0);
	lim.items = 1;
	T_EQ_INT(CHECK("\x01", &lim), 0);
	T_EQ_INT(CHECK("\x91\x01", &lim), DG_ELIMIT);
	lim = wide;
	/* str and bin: bytes of one */
	lim.str = 3;
	T_EQ_INT(CHECK("\xa3" "abc", &lim), 0);
	T_EQ_INT(CHECK("\xa4" "abcd", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\xd9\x04" "abcd", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\xc4\x04" "abcd", &lim), 0);
	lim = wide;
	lim.bin = 3;
	T_EQ_INT(CHECK("\xc4\x03" "abc", &lim), 0);
	T_EQ_INT(CHECK("\xc4\x04" "abcd", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\xc5\x00\x04" "abcd", &lim), DG_ELIMIT);
	T_EQ_INT(CHECK("\xa4" "abcd", &lim), 0);
	lim.bin = 0;
	T_EQ_INT(CHECK("\xc4\x00", &lim), 0);
	T_EQ_INT(CHECK("\xc4\x01" "a", &lim), DG_ELIMIT);
}

/* Random bytes and random mutations of a valid value: no crash, no read
 * past the end (ASan), and whatever is accepted msgpack-c unpacks whole
 * with every byte used. */
static void
test_random(void)
{
	struct core_mp_limits lim = wide;
	msgpack_sbuffer sb;
	uint8_t *p;
	size_t n, i, k, accepted = 0, disagree = 0, base;
	int rc, it;

	lim.depth = 8;
	lim.str = 1 << 20;
	lim.bin = 1 << 20;
	for (it = 0; it < 200000; it++) {
		n = (size_t)(rnd() % 24) + 1;
		p = malloc(n);
		T_ASSERT(p != NULL);
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)rnd();
		rc = core_mp_check(p, n, &lim);
		if (rc == 0) {
			accepted++;
			if (!unpacks_exactly(p, n))
				disagree++;
		}
		free(p);
	}
	T_ASSERT(accepted > 0);
	T_EQ_INT(disagree, 0);

	msgpack_sbuffer_init(&sb);
	pack_sample(&sb, 0);
	base = sb.size;
	p = malloc(base);
	T_ASSERT(p != NULL);
	for (it = 0; it < 3000; it++) {
		memcpy(p, sb.data, base);
		for (k = rnd() % 4 + 1; k > 0; k--)
			p[rnd() % base] = (uint8_t)rnd();
		rc = core_mp_check(p, base, &lim);
		if (rc == 0 && !unpacks_exactly(p, base))
			disagree++;
		n = (size_t)(rnd() % base);
		rc = core_mp_check(p, n, &lim);
		if (rc == 0 && !unpacks_exactly(p, n))
			disagree++;
	}
	free(p);
	msgpack_sbuffer_destroy(&sb);
	T_EQ_INT(disagree, 0);
}

T_MAIN(T_CASE(test_accepts_scalars), T_CASE(test_accepts_sample),
    T_CASE(test_rejects_empty_and_trailing),
    T_CASE(test_rejects_every_truncation), T_CASE(test_huge_headers_fail_fast),
    T_CASE(test_depth), T_CASE(test_depth_empty_containers), T_CASE(test_utf8),
    T_CASE(test_disallowed_types), T_CASE(test_limits), T_CASE(test_random))
