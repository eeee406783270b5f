/* tests/unit/test_msg.c - session messages: every type round-trips
 * through its encoder and net_msg_decode with all its fields, and every
 * way a peer's frame can be wrong is refused with the documented code.
 * Bad frames are written here with msgpack-c's packer (and raw bytes for
 * non-canonical forms), independently of net/msg.c's encoders. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "core/mp.h"
#include "net/msg.h"
#include "tests/unit/t.h"

/* The frame being built, and a packer appending to it. */
static struct core_buf B;
static msgpack_packer P;
/* Bytes for bins: long enough for a body over the limit. */
static uint8_t fill[CORE_BODY_MAX + 64];

static void
start(void)
{
	core_buf_fini(&B);
	core_buf_init(&B);
	core_mp_packer(&P, &B);
	if (fill[0] == 0) {
		for (size_t i = 0; i < sizeof fill; i++)
			fill[i] = (uint8_t)(i * 7 + 1);
	}
}

static void
A(size_t n)
{
	msgpack_pack_array(&P, n);
}

static void
U(uint64_t v)
{
	msgpack_pack_uint64(&P, v);
}

static void
I(int64_t v)
{
	msgpack_pack_int64(&P, v);
}

static void
BIN(size_t n)
{
	core_mp_bin(&P, fill, n);
}

static void
STRN(const char *s, size_t n)
{
	msgpack_pack_str(&P, n);
	msgpack_pack_str_body(&P, s, n);
}

static void
STR(const char *s)
{
	STRN(s, strlen(s));
}

static void
RAW(const void *p, size_t n)
{
	core_buf_add(&B, p, n);
}

static bool
zeroed(const struct net_msg *m)
{
	const uint8_t *p = (const uint8_t *)m;

	for (size_t i = 0; i < sizeof *m; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Decodes p and returns the code; a refusal must leave m zeroed
 * (nothing to free), else 999. */
static int
rc_of(const void *p, size_t len)
{
	struct net_msg m;
	int rc;

	memset(&m, 0xa5, sizeof m);
	rc = net_msg_decode(p, len, &m);
	if (rc != 0)
		return zeroed(&m) ? rc : 999;
	net_msg_fini(&m);
	return 0;
}

/* The code for the frame in B. */
static int
rc_b(void)
{
	if (B.err != 0)
		return B.err;
	return rc_of(B.data, B.len);
}

static bool
inside(const void *q, size_t n, const struct core_buf *b)
{
	const char *c = q;

	return c >= b->data && c <= b->data + b->len &&
	    n <= (size_t)(b->data + b->len - c);
}

static const uint8_t digest[32] = { 0xd1, 0x9e, 0x57, 1, 2, 3, 4, 5 };

static void
test_hello(void)
{
	struct core_buf out;
	struct net_msg m;

	core_buf_init(&out);
	net_msg_hello(&out, digest, 12345, UINT64_MAX);
	T_EQ_INT(out.err, 0);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.type, NET_HELLO);
	T_EQ_INT(m.u.hello.version, NET_VERSION);
	T_ASSERT(inside(m.u.hello.digest, 32, &out));
	T_ASSERT(memcmp(m.u.hello.digest, digest, 32) == 0);
	T_EQ_INT(m.u.hello.heads, 12345);
	T_ASSERT(m.u.hello.flags == UINT64_MAX);
	net_msg_fini(&m);
	/* fini leaves a zeroed message, so a second one is harmless */
	T_ASSERT(zeroed(&m));
	net_msg_fini(&m);
	net_msg_fini(NULL);

	/* Any version is passed on: the caller decides. */
	start();
	A(5);
	U(NET_HELLO);
	U(1000000);
	BIN(32);
	U(0);
	U(0);
	T_EQ_INT(net_msg_decode((uint8_t *)B.data, B.len, &m), 0);
	T_ASSERT(m.u.hello.version == 1000000);
	T_ASSERT(m.u.hello.heads == 0 && m.u.hello.flags == 0);
	net_msg_fini(&m);
	core_buf_fini(&out);
}

static void
put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void
test_heads(void)
{
	static const uint64_t seqs[] = { 0, 1, 127, 128, 65535, 65536,
		UINT64_MAX };
	enum { N = sizeof seqs / sizeof seqs[0] };
	uint8_t recs[N * 72];
	struct core_buf out;
	struct net_msg m;
	size_t i;

	for (i = 0; i < N; i++) {
		memset(recs + i * 72, (int)(0x10 + i), 32);
		put_be(recs + i * 72 + 32, seqs[i], 8);
		memset(recs + i * 72 + 40, (int)(0x80 + i), 32);
	}
	core_buf_init(&out);
	net_msg_heads(&out, true, recs, N);
	T_EQ_INT(out.err, 0);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.type, NET_HEADS);
	T_ASSERT(m.u.heads.more);
	T_EQ_INT(m.u.heads.n, N);
	for (i = 0; i < N; i++) {
		T_ASSERT(m.u.heads.h[i].seq == seqs[i]);
		T_ASSERT(memcmp(m.u.heads.h[i].author, recs + i * 72, 32) ==
		    0);
		T_ASSERT(memcmp(m.u.heads.h[i].hash, recs + i * 72 + 40,
			     32) == 0);
		T_ASSERT(inside(m.u.heads.h[i].author, 32, &out));
		T_ASSERT(inside(m.u.heads.h[i].hash, 32, &out));
	}
	net_msg_fini(&m);

	/* none at all, and the last of a series */
	core_buf_reset(&out);
	net_msg_heads(&out, false, NULL, 0);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.type, NET_HEADS);
	T_ASSERT(!m.u.heads.more);
	T_EQ_INT(m.u.heads.n, 0);
	net_msg_fini(&m);
	core_buf_fini(&out);
}

static void
test_heads_max(void)
{
	uint8_t *recs = calloc(NET_HEADS_MAX + 1, 72);
	struct core_buf out;
	struct net_msg m;
	size_t i;

	T_ASSERT(recs != NULL);
	for (i = 0; i <= NET_HEADS_MAX; i++)
		put_be(recs + i * 72 + 32, i * 1000003u, 8);
	core_buf_init(&out);
	net_msg_heads(&out, true, recs, NET_HEADS_MAX);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.u.heads.n, NET_HEADS_MAX);
	T_ASSERT(m.u.heads.h[NET_HEADS_MAX - 1].seq ==
	    (uint64_t)(NET_HEADS_MAX - 1) * 1000003u);
	net_msg_fini(&m);

	/* One more, written by hand (the encoder asserts the limit). */
	start();
	A(3);
	U(NET_HEADS);
	msgpack_pack_true(&P);
	A(NET_HEADS_MAX + 1);
	for (i = 0; i <= NET_HEADS_MAX; i++) {
		A(3);
		BIN(32);
		U(i);
		BIN(32);
	}
	T_EQ_INT(rc_b(), DG_ELIMIT);
	core_buf_fini(&out);
	free(recs);
}

static void
test_batch(void)
{
	static const size_t hlen[] = { 1, CORE_HDR_MAX, 50, 100 };
	static const size_t blen[] = { 0, 0, CORE_BODY_MAX, 300 };
	static const bool has[] = { false, true, true, true };
	uint8_t author[32], sig[4][64];
	struct core_buf out;
	struct net_msg m;
	const struct core_bundle_entry *e;
	size_t i;

	start();
	memset(author, 0xa7, sizeof author);
	for (i = 0; i < 4; i++)
		memset(sig[i], (int)(0x50 + i), 64);
	core_buf_init(&out);
	net_msg_batch_begin(&out, author, 4);
	for (i = 0; i < 4; i++)
		net_msg_batch_entry(&out, fill + i, hlen[i], sig[i],
		    has[i] ? fill + 10 + i : NULL, blen[i]);
	T_EQ_INT(out.err, 0);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.type, NET_BATCH);
	T_ASSERT(memcmp(m.u.batch.author, author, 32) == 0);
	T_EQ_INT(m.u.batch.n, 4);
	for (i = 0; i < 4; i++) {
		e = &m.u.batch.e[i];
		T_EQ_INT(e->hlen, hlen[i]);
		T_ASSERT(memcmp(e->hdr, fill + i, hlen[i]) == 0);
		T_ASSERT(inside(e->hdr, e->hlen, &out));
		T_ASSERT(memcmp(e->sig, sig[i], 64) == 0);
		T_ASSERT(inside(e->sig, 64, &out));
		/* nil is no body; an empty bin is a body of no bytes */
		T_EQ_INT(e->body != NULL, has[i]);
		T_EQ_INT(e->blen, blen[i]);
		if (has[i]) {
			T_ASSERT(inside(e->body, e->blen, &out));
			T_ASSERT(memcmp(e->body, fill + 10 + i, blen[i]) == 0);
		}
	}
	net_msg_fini(&m);
	core_buf_fini(&out);
}

static void
test_batch_counts(void)
{
	struct core_buf out;
	struct net_msg m;
	size_t i;

	start();
	core_buf_init(&out);
	net_msg_batch_begin(&out, fill, NET_BATCH_MAX);
	for (i = 0; i < NET_BATCH_MAX; i++)
		net_msg_batch_entry(&out, fill + i % 100, 1 + i % CORE_HDR_MAX,
		    fill, NULL, 0);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.u.batch.n, NET_BATCH_MAX);
	T_EQ_INT(m.u.batch.e[NET_BATCH_MAX - 1].hlen,
	    1 + (NET_BATCH_MAX - 1) % CORE_HDR_MAX);
	net_msg_fini(&m);
	core_buf_fini(&out);

	/* none */
	start();
	A(3);
	U(NET_BATCH);
	BIN(32);
	A(0);
	T_EQ_INT(rc_b(), DG_EDECODE);

	/* one too many */
	start();
	A(3);
	U(NET_BATCH);
	BIN(32);
	A(NET_BATCH_MAX + 1);
	for (i = 0; i < NET_BATCH_MAX + 1; i++) {
		A(3);
		BIN(10);
		BIN(64);
		msgpack_pack_nil(&P);
	}
	T_EQ_INT(rc_b(), DG_ELIMIT);
}

/* A BATCH of one entry with the given header and body sizes, by hand. */
static int
batch_rc(size_t hlen, size_t slen, size_t blen)
{
	start();
	A(3);
	U(NET_BATCH);
	BIN(32);
	A(1);
	A(3);
	BIN(hlen);
	BIN(slen);
	BIN(blen);
	return rc_b();
}

static void
test_batch_sizes(void)
{
	T_EQ_INT(batch_rc(1, 64, 0), 0);
	T_EQ_INT(batch_rc(CORE_HDR_MAX, 64, CORE_BODY_MAX), 0);
	T_EQ_INT(batch_rc(0, 64, 0), DG_EDECODE);
	T_EQ_INT(batch_rc(CORE_HDR_MAX + 1, 64, 0), DG_ELIMIT);
	T_EQ_INT(batch_rc(10, 64, CORE_BODY_MAX + 1), DG_ELIMIT);
	T_EQ_INT(batch_rc(10, 63, 0), DG_EDECODE);
	T_EQ_INT(batch_rc(10, 65, 0), DG_EDECODE);
	T_EQ_INT(batch_rc(10, 0, 0), DG_EDECODE);
}

static void
test_simple(void)
{
	static const enum net_msg_type types[] = { NET_DONE, NET_PING };
	struct core_buf out;
	struct net_msg m;
	size_t i;

	for (i = 0; i < 2; i++) {
		core_buf_init(&out);
		net_msg_simple(&out, types[i]);
		T_EQ_INT(out.len, 2);
		T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
		T_EQ_INT(m.type, types[i]);
		net_msg_fini(&m);
		core_buf_fini(&out);
	}
}

static void
test_synced(void)
{
	struct core_buf out;
	struct net_msg m;

	core_buf_init(&out);
	net_msg_synced(&out, digest);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.type, NET_SYNCED);
	T_ASSERT(memcmp(m.u.synced.digest, digest, 32) == 0);
	T_ASSERT(inside(m.u.synced.digest, 32, &out));
	net_msg_fini(&m);
	core_buf_fini(&out);
}

static void
request_make(struct core_join_request *r, const char *name)
{
	memset(r, 0, sizeof *r);
	memset(r->pk, 0x31, sizeof r->pk);
	snprintf(r->name, sizeof r->name, "%s", name);
	memset(r->secret, 0x77, sizeof r->secret);
	r->time = 1767225600;
	memset(r->sig, 0x5a, sizeof r->sig);
}

static void
test_request(void)
{
	struct core_join_request r;
	struct core_buf out;
	struct net_msg m;
	char longname[CORE_JOIN_NAME_MAX + 1];

	request_make(&r, "\xc3\x85se Nordmann \xe2\x80\x94 Troms\xc3\xb8");
	core_buf_init(&out);
	net_msg_request(&out, &r);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.type, NET_REQUEST);
	T_ASSERT(memcmp(&m.u.request, &r, sizeof r) == 0);
	net_msg_fini(&m);

	/* the longest name */
	memset(longname, 'x', CORE_JOIN_NAME_MAX);
	longname[CORE_JOIN_NAME_MAX] = '\0';
	request_make(&r, longname);
	r.time = UINT64_MAX;
	core_buf_reset(&out);
	net_msg_request(&out, &r);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_ASSERT(memcmp(&m.u.request, &r, sizeof r) == 0);
	net_msg_fini(&m);
	core_buf_fini(&out);
}

/* A REQUEST with the given name bytes, by hand. */
static int
request_rc(const char *name, size_t n)
{
	start();
	A(6);
	U(NET_REQUEST);
	BIN(32);
	STRN(name, n);
	BIN(16);
	U(5);
	BIN(64);
	return rc_b();
}

static void
test_request_name(void)
{
	char name[CORE_JOIN_NAME_MAX + 2];

	memset(name, 'n', sizeof name);
	T_EQ_INT(request_rc(name, CORE_JOIN_NAME_MAX), 0);
	T_EQ_INT(request_rc(name, 1), 0);
	T_EQ_INT(request_rc(name, 0), DG_EDECODE);
	T_EQ_INT(request_rc(name, CORE_JOIN_NAME_MAX + 1), DG_ELIMIT);
	T_EQ_INT(request_rc("two\nlines", 9), DG_EDECODE);
	T_EQ_INT(request_rc("tab\there", 8), DG_EDECODE);
	T_EQ_INT(request_rc("cr\r", 3), DG_EDECODE);
	T_EQ_INT(request_rc("esc\x1b[2J", 7), DG_EDECODE);
	T_EQ_INT(request_rc("del\x7f", 4), DG_EDECODE);
	T_EQ_INT(request_rc("c1\xc2\x85", 4), DG_EDECODE);
	T_EQ_INT(request_rc("nul\0x", 5), DG_EUTF8);
	T_EQ_INT(request_rc("bad\xff", 4), DG_EUTF8);
	T_EQ_INT(request_rc("cut\xc3", 4), DG_EUTF8);
	T_EQ_INT(request_rc("overlong\xc0\xaf", 10), DG_EUTF8);
	T_EQ_INT(request_rc("surrogate\xed\xa0\x80", 12), DG_EUTF8);
}

static void
test_error(void)
{
	char text[NET_TEXT_MAX + 40];
	struct core_buf out;
	struct net_msg m;
	size_t i;

	core_buf_init(&out);
	net_msg_error(&out, NET_ERR_BUSY, "too many connections");
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.type, NET_ERROR);
	T_EQ_INT(m.u.error.code, NET_ERR_BUSY);
	T_EQ_STR(m.u.error.text, "too many connections");
	net_msg_fini(&m);

	/* empty and NULL texts */
	core_buf_reset(&out);
	net_msg_error(&out, NET_ERR_JOIN, NULL);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(m.u.error.code, NET_ERR_JOIN);
	T_EQ_STR(m.u.error.text, "");
	net_msg_fini(&m);

	/* A long text is cut at a character boundary: 'a' then two-byte
	 * characters put one across byte NET_TEXT_MAX. */
	text[0] = 'a';
	for (i = 1; i + 1 < sizeof text; i += 2) {
		text[i] = '\xc3';
		text[i + 1] = '\xb8';
	}
	text[i] = '\0';
	core_buf_reset(&out);
	net_msg_error(&out, NET_ERR_PROTOCOL, text);
	T_EQ_INT(net_msg_decode((uint8_t *)out.data, out.len, &m), 0);
	T_EQ_INT(strlen(m.u.error.text), NET_TEXT_MAX - 1);
	T_ASSERT(memcmp(m.u.error.text, text, NET_TEXT_MAX - 1) == 0);
	net_msg_fini(&m);

	/* any code is passed on */
	start();
	A(3);
	U(NET_ERROR);
	U(UINT64_MAX);
	STR("x");
	T_EQ_INT(net_msg_decode((uint8_t *)B.data, B.len, &m), 0);
	T_ASSERT(m.u.error.code == UINT64_MAX);
	net_msg_fini(&m);
	core_buf_fini(&out);
}

/* An ERROR with the given text bytes, by hand. */
static int
error_rc(const char *text, size_t n, struct net_msg *m)
{
	start();
	A(3);
	U(NET_ERROR);
	U(1);
	STRN(text, n);
	return net_msg_decode((uint8_t *)B.data, B.len, m);
}

static void
test_error_text(void)
{
	char text[NET_TEXT_MAX + 1];
	struct net_msg m;

	/* Control characters (C0, DEL, C1) become one '?' each; other
	 * characters stay. */
	T_EQ_INT(error_rc("a\nb\tc\x1b[31m\x7f\xc2\x85\xc2\xa0\xc3\xb8", 17,
		     &m), 0);
	T_EQ_STR(m.u.error.text, "a?b?c?[31m??\xc2\xa0\xc3\xb8");
	net_msg_fini(&m);

	memset(text, 'e', sizeof text);
	T_EQ_INT(error_rc(text, NET_TEXT_MAX, &m), 0);
	T_EQ_INT(strlen(m.u.error.text), NET_TEXT_MAX);
	net_msg_fini(&m);
	memset(text, '\r', sizeof text);
	T_EQ_INT(error_rc(text, NET_TEXT_MAX, &m), 0);
	T_EQ_INT(strlen(m.u.error.text), NET_TEXT_MAX);
	T_EQ_INT(strspn(m.u.error.text, "?"), NET_TEXT_MAX);
	net_msg_fini(&m);

	T_EQ_INT(error_rc(text, NET_TEXT_MAX + 1, &m), DG_ELIMIT);
	T_ASSERT(zeroed(&m));
	T_EQ_INT(error_rc("bad\xff", 4, &m), DG_EUTF8);
	T_EQ_INT(error_rc("bad\xc3(", 5, &m), DG_EUTF8);
	T_EQ_INT(error_rc("\xf4\x90\x80\x80", 4, &m), DG_EUTF8);
	T_EQ_INT(error_rc("nul\0", 4, &m), DG_EUTF8);
	T_ASSERT(zeroed(&m));
}

/* Every type, as its encoder writes it. */
static void
encode_all(struct core_buf *out, int type)
{
	uint8_t rec[72];
	struct core_join_request r;

	memset(rec, 0x42, sizeof rec);
	switch (type) {
	case NET_HELLO: net_msg_hello(out, digest, 3, 4); break;
	case NET_HEADS: net_msg_heads(out, false, rec, 1); break;
	case NET_BATCH:
		net_msg_batch_begin(out, digest, 2);
		net_msg_batch_entry(out, rec, 72, fill, NULL, 0);
		net_msg_batch_entry(out, rec, 72, fill, fill, 20);
		break;
	case NET_DONE: net_msg_simple(out, NET_DONE); break;
	case NET_SYNCED: net_msg_synced(out, digest); break;
	case NET_REQUEST:
		request_make(&r, "Kari");
		net_msg_request(out, &r);
		break;
	case NET_ERROR: net_msg_error(out, NET_ERR_BUSY, "busy"); break;
	case NET_PING: net_msg_simple(out, NET_PING); break;
	case NET_BUNDLE: net_msg_bundle(out, true, fill, 20); break;
	case NET_PENDING: net_msg_simple(out, NET_PENDING); break;
	case NET_WANT: net_msg_want(out, digest, 7); break;
	}
}

static void
test_truncated_trailing(void)
{
	struct core_buf out;
	uint8_t *copy;
	size_t n;
	int t;

	start();
	for (t = NET_HELLO; t <= NET_WANT; t++) {
		core_buf_init(&out);
		encode_all(&out, t);
		T_EQ_INT(rc_of(out.data, out.len), 0);
		/* every prefix, in an exact-size copy so ASan sees any read
		 * past the end */
		for (n = 0; n < out.len; n++) {
			copy = malloc(n + 1);
			T_ASSERT(copy != NULL);
			memcpy(copy, out.data, n);
			T_EQ_INT(rc_of(copy, n), DG_EDECODE);
			free(copy);
		}
		/* one byte after, or a whole second message */
		core_buf_ch(&out, '\0');
		T_EQ_INT(rc_of(out.data, out.len), DG_EDECODE);
		out.len--;
		encode_all(&out, t);
		T_EQ_INT(rc_of(out.data, out.len), DG_EDECODE);
		core_buf_fini(&out);
	}
	T_EQ_INT(rc_of(NULL, 0), DG_EDECODE);
}

static void
test_unknown_type(void)
{
	static const uint64_t types[] = { 0, 9, 127, 255, 65536,
		UINT64_MAX };
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		start();
		A(1);
		U(types[i]);
		T_EQ_INT(rc_b(), DG_EDECODE);
	}
	/* a known type with the fields of another */
	start();
	A(2);
	U(0);
	BIN(32);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* not a type at all */
	start();
	A(1);
	STR("hello");
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(1);
	msgpack_pack_nil(&P);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(1);
	BIN(1);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(1);
	A(1);
	U(4);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* not an array, or an empty one */
	start();
	A(0);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	U(NET_PING);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	msgpack_pack_map(&P, 1);
	U(NET_PING);
	msgpack_pack_nil(&P);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	STR("ping");
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* floats and ext types are no part of any message */
	start();
	A(2);
	U(NET_SYNCED);
	msgpack_pack_double(&P, 1.5);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(2);
	U(NET_SYNCED);
	msgpack_pack_ext(&P, 32, 1);
	msgpack_pack_ext_body(&P, fill, 32);
	T_EQ_INT(rc_b(), DG_EDECODE);
}

static void
test_array_length(void)
{
	size_t n;

	/* HELLO with 4 and 6 elements */
	for (n = 4; n <= 6; n += 2) {
		start();
		A(n);
		U(NET_HELLO);
		U(1);
		BIN(32);
		U(0);
		if (n == 6) {
			U(0);
			U(0);
		}
		T_EQ_INT(rc_b(), DG_EDECODE);
	}
	/* DONE and PING with a field */
	start();
	A(2);
	U(NET_DONE);
	U(0);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(2);
	U(NET_PING);
	msgpack_pack_nil(&P);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* SYNCED without and with two digests */
	start();
	A(1);
	U(NET_SYNCED);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_SYNCED);
	BIN(32);
	BIN(32);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* HEADS without more */
	start();
	A(2);
	U(NET_HEADS);
	A(0);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* a head of two and four fields */
	for (n = 2; n <= 4; n += 2) {
		start();
		A(3);
		U(NET_HEADS);
		msgpack_pack_false(&P);
		A(1);
		A(n);
		BIN(32);
		U(1);
		if (n == 4) {
			BIN(32);
			BIN(32);
		}
		T_EQ_INT(rc_b(), DG_EDECODE);
	}
	/* BATCH without entries; an entry of two and four fields */
	start();
	A(2);
	U(NET_BATCH);
	BIN(32);
	T_EQ_INT(rc_b(), DG_EDECODE);
	for (n = 2; n <= 4; n += 2) {
		start();
		A(3);
		U(NET_BATCH);
		BIN(32);
		A(1);
		A(n);
		BIN(10);
		BIN(64);
		if (n == 4) {
			BIN(1);
			BIN(1);
		}
		T_EQ_INT(rc_b(), DG_EDECODE);
	}
	/* REQUEST without its signature */
	start();
	A(5);
	U(NET_REQUEST);
	BIN(32);
	STR("Kari");
	BIN(16);
	U(5);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* ERROR without text */
	start();
	A(2);
	U(NET_ERROR);
	U(1);
	T_EQ_INT(rc_b(), DG_EDECODE);
}

/* A HELLO whose field i (1..4) is written by put instead. */
static int
hello_rc(int i, void (*put)(void))
{
	start();
	A(5);
	U(NET_HELLO);
	if (i == 1)
		put();
	else
		U(1);
	if (i == 2)
		put();
	else
		BIN(32);
	if (i == 3)
		put();
	else
		U(2);
	if (i == 4)
		put();
	else
		U(3);
	return rc_b();
}

static void
put_nil(void)
{
	msgpack_pack_nil(&P);
}

static void
put_true(void)
{
	msgpack_pack_true(&P);
}

static void
put_str32(void)
{
	STR("0123456789abcdef0123456789abcdef");
}

static void
put_neg(void)
{
	I(-1);
}

static void
put_neg_big(void)
{
	I(INT64_MIN);
}

static void
put_bin8(void)
{
	BIN(8);
}

static void
put_array(void)
{
	A(0);
}

static void
test_field_type(void)
{
	int i;

	T_EQ_INT(hello_rc(0, put_nil), 0);
	for (i = 1; i <= 4; i++) {
		T_EQ_INT(hello_rc(i, put_nil), DG_EDECODE);
		T_EQ_INT(hello_rc(i, put_true), DG_EDECODE);
		T_EQ_INT(hello_rc(i, put_str32), DG_EDECODE);
		T_EQ_INT(hello_rc(i, put_array), DG_EDECODE);
		T_EQ_INT(hello_rc(i, put_bin8), DG_EDECODE);
	}
	/* HEADS: more not a bool, the list not a list, seq not a uint */
	start();
	A(3);
	U(NET_HEADS);
	U(1);
	A(0);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_HEADS);
	msgpack_pack_true(&P);
	msgpack_pack_nil(&P);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_HEADS);
	msgpack_pack_true(&P);
	A(1);
	A(3);
	BIN(32);
	BIN(8);
	BIN(32);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* BATCH: author nil, entries a bin, signature a str, body a bool */
	start();
	A(3);
	U(NET_BATCH);
	msgpack_pack_nil(&P);
	A(1);
	A(3);
	BIN(10);
	BIN(64);
	msgpack_pack_nil(&P);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_BATCH);
	BIN(32);
	BIN(10);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_BATCH);
	BIN(32);
	A(1);
	A(3);
	BIN(10);
	STR("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	msgpack_pack_nil(&P);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_BATCH);
	BIN(32);
	A(1);
	A(3);
	BIN(10);
	BIN(64);
	msgpack_pack_false(&P);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_BATCH);
	BIN(32);
	A(1);
	A(3);
	STR("header");
	BIN(64);
	msgpack_pack_nil(&P);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* REQUEST: name a bin, time nil */
	start();
	A(6);
	U(NET_REQUEST);
	BIN(32);
	BIN(4);
	BIN(16);
	U(5);
	BIN(64);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(6);
	U(NET_REQUEST);
	BIN(32);
	STR("Kari");
	BIN(16);
	msgpack_pack_nil(&P);
	BIN(64);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* ERROR: code a str, text a bin */
	start();
	A(3);
	U(NET_ERROR);
	STR("1");
	STR("x");
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_ERROR);
	U(1);
	BIN(1);
	T_EQ_INT(rc_b(), DG_EDECODE);
}

static void
test_negative(void)
{
	int i;

	for (i = 1; i <= 4; i++) {
		if (i == 2)
			continue;
		T_EQ_INT(hello_rc(i, put_neg), DG_EDECODE);
		T_EQ_INT(hello_rc(i, put_neg_big), DG_EDECODE);
	}
	start();
	A(1);
	I(-4);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_HEADS);
	msgpack_pack_true(&P);
	A(1);
	A(3);
	BIN(32);
	I(-1);
	BIN(32);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(6);
	U(NET_REQUEST);
	BIN(32);
	STR("Kari");
	BIN(16);
	I(-1);
	BIN(64);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	A(3);
	U(NET_ERROR);
	I(-1);
	STR("x");
	T_EQ_INT(rc_b(), DG_EDECODE);
}

/* Only the smallest encoding is accepted: what msgpack-c's packer (and
 * so every encoder) writes.  Non-negative numbers in a signed form,
 * wider integers, lengths and array headers are refused. */
static void
test_canonical(void)
{
	/* [4] and [8] */
	T_EQ_INT(rc_of("\x91\x04", 2), 0);
	T_EQ_INT(rc_of("\x91\x08", 2), 0);
	T_EQ_INT(rc_of("\xdc\x00\x01\x04", 4), DG_EDECODE);
	T_EQ_INT(rc_of("\xdd\x00\x00\x00\x01\x04", 6), DG_EDECODE);
	T_EQ_INT(rc_of("\x91\xcc\x04", 3), DG_EDECODE);
	T_EQ_INT(rc_of("\x91\xcd\x00\x04", 4), DG_EDECODE);
	T_EQ_INT(rc_of("\x91\xcf\0\0\0\0\0\0\0\x04", 10), DG_EDECODE);
	T_EQ_INT(rc_of("\x91\xd0\x04", 3), DG_EDECODE);
	T_EQ_INT(rc_of("\x91\xd3\0\0\0\0\0\0\0\x04", 10), DG_EDECODE);
	/* [7, 300, "ab"]: 300 as uint16 only, not int16 */
	T_EQ_INT(rc_of("\x93\x07\xcd\x01\x2c\xa2\x61\x62", 8), 0);
	T_EQ_INT(rc_of("\x93\x07\xd1\x01\x2c\xa2\x61\x62", 8), DG_EDECODE);
	T_EQ_INT(rc_of("\x93\x07\xce\0\0\x01\x2c\xa2\x61\x62", 10),
	    DG_EDECODE);
	/* "ab" as str8, str16 */
	T_EQ_INT(rc_of("\x93\x07\x01\xd9\x02\x61\x62", 7), DG_EDECODE);
	T_EQ_INT(rc_of("\x93\x07\x01\xda\x00\x02\x61\x62", 8), DG_EDECODE);
	/* a SYNCED digest as bin16 */
	start();
	RAW("\x92\x05\xc5\x00\x20", 5);
	RAW(fill, 32);
	T_EQ_INT(rc_b(), DG_EDECODE);
	start();
	RAW("\x92\x05\xc4\x20", 4);
	RAW(fill, 32);
	T_EQ_INT(rc_b(), 0);
}

/* A SYNCED with a digest of n bytes. */
static int
synced_rc(size_t n)
{
	start();
	A(2);
	U(NET_SYNCED);
	BIN(n);
	return rc_b();
}

static void
test_bin_length(void)
{
	size_t i;

	T_EQ_INT(synced_rc(32), 0);
	T_EQ_INT(synced_rc(0), DG_EDECODE);
	T_EQ_INT(synced_rc(31), DG_EDECODE);
	T_EQ_INT(synced_rc(33), DG_EDECODE);
	T_EQ_INT(synced_rc(64), DG_EDECODE);
	T_EQ_INT(synced_rc(CORE_BODY_MAX), DG_EDECODE);
	T_EQ_INT(synced_rc(CORE_BODY_MAX + 1), DG_ELIMIT);
	/* HELLO digest */
	start();
	A(5);
	U(NET_HELLO);
	U(1);
	BIN(31);
	U(0);
	U(0);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* a head's author, then its hash */
	for (i = 0; i < 2; i++) {
		start();
		A(3);
		U(NET_HEADS);
		msgpack_pack_false(&P);
		A(1);
		A(3);
		BIN(i == 0 ? 31 : 32);
		U(1);
		BIN(i == 1 ? 33 : 32);
		T_EQ_INT(rc_b(), DG_EDECODE);
	}
	/* BATCH author */
	start();
	A(3);
	U(NET_BATCH);
	BIN(33);
	A(1);
	A(3);
	BIN(10);
	BIN(64);
	msgpack_pack_nil(&P);
	T_EQ_INT(rc_b(), DG_EDECODE);
	/* REQUEST pk, secret, signature: each one short and one long */
	for (i = 0; i < 6; i++) {
		start();
		A(6);
		U(NET_REQUEST);
		BIN(i == 0 ? 31 : i == 1 ? 33 : 32);
		STR("Kari");
		BIN(i == 2 ? 15 : i == 3 ? 17 : 16);
		U(5);
		BIN(i == 4 ? 63 : i == 5 ? 65 : 64);
		T_EQ_INT(rc_b(), DG_EDECODE);
	}
}

static void
test_frame_limit(void)
{
	uint8_t *big = calloc(1, NET_FRAME_MAX + 1);
	size_t i, n;

	T_ASSERT(big != NULL);
	/* refused by size alone, before a byte is read */
	T_EQ_INT(rc_of(big, NET_FRAME_MAX + 1), DG_ELIMIT);
	T_EQ_INT(rc_of(big, SIZE_MAX), DG_ELIMIT);
	free(big);

	/* A well-formed BATCH just over the frame, and one just under. */
	n = NET_FRAME_MAX / (CORE_BODY_MAX + 80) + 1;
	start();
	A(3);
	U(NET_BATCH);
	BIN(32);
	A(n);
	for (i = 0; i < n; i++) {
		A(3);
		BIN(CORE_HDR_MAX);
		BIN(64);
		BIN(CORE_BODY_MAX);
	}
	T_ASSERT(B.len > NET_FRAME_MAX);
	T_EQ_INT(rc_b(), DG_ELIMIT);
	start();
	A(3);
	U(NET_BATCH);
	BIN(32);
	A(n - 1);
	for (i = 0; i < n - 1; i++) {
		A(3);
		BIN(CORE_HDR_MAX);
		BIN(64);
		BIN(CORE_BODY_MAX);
	}
	T_ASSERT(B.len <= NET_FRAME_MAX);
	T_EQ_INT(rc_b(), 0);
}

static void
test_nesting(void)
{
	/* a head nested one level deeper than any message goes */
	start();
	A(3);
	U(NET_HEADS);
	msgpack_pack_true(&P);
	A(1);
	A(1);
	A(0);
	T_EQ_INT(rc_b(), DG_ELIMIT);
	/* an array header claiming more than the frame holds */
	T_EQ_INT(rc_of("\xdd\xff\xff\xff\xff\x04", 6), DG_ELIMIT);
	T_EQ_INT(rc_of("\x9f\x04", 2), DG_EDECODE);
	/* maps are no part of any message */
	start();
	A(3);
	U(NET_HEADS);
	msgpack_pack_true(&P);
	msgpack_pack_map(&P, 0);
	T_EQ_INT(rc_b(), DG_EDECODE);
}

/* The frame splitter: a length is judged as soon as its four bytes are
 * in; a frame is whole once all its bytes are. */
static void
test_frame_next(void)
{
	uint8_t b[32] = { 0, 0, 0, 17 };
	size_t len = 99;

	T_EQ_INT(net_frame_next(b, 0, 17, 100, &len), NET_FRAME_MORE);
	T_EQ_INT(len, 0);
	T_EQ_INT(net_frame_next(b, 3, 17, 100, &len), NET_FRAME_MORE);
	T_EQ_INT(net_frame_next(b, 4, 17, 100, &len), NET_FRAME_MORE);
	T_EQ_INT(len, 17);
	T_EQ_INT(net_frame_next(b, 20, 17, 100, &len), NET_FRAME_MORE);
	T_EQ_INT(net_frame_next(b, 21, 17, 100, &len), NET_FRAME_WHOLE);
	T_EQ_INT(len, 17);
	T_EQ_INT(net_frame_next(b, 32, 17, 100, &len), NET_FRAME_WHOLE);
	/* too short, too long: at once, with the length claimed */
	T_EQ_INT(net_frame_next(b, 4, 18, 100, &len), NET_FRAME_BAD);
	T_EQ_INT(len, 17);
	T_EQ_INT(net_frame_next(b, 4, 1, 16, &len), NET_FRAME_BAD);
	b[0] = 0xff;
	T_EQ_INT(net_frame_next(b, 4, 17, 100, &len), NET_FRAME_BAD);
	T_EQ_INT(len, 0xff000011u);
	/* one exact length (a handshake message), zero included */
	memset(b, 0, 4);
	T_EQ_INT(net_frame_next(b, 4, 0, 0, &len), NET_FRAME_WHOLE);
	T_EQ_INT(len, 0);
	b[3] = 1;
	T_EQ_INT(net_frame_next(b, 5, 0, 0, &len), NET_FRAME_BAD);
}

T_MAIN(T_CASE(test_frame_next), T_CASE(test_hello), T_CASE(test_heads), T_CASE(test_heads_max),
    T_CASE(test_batch), T_CASE(test_batch_counts),
    T_CASE(test_batch_sizes), T_CASE(test_simple), T_CASE(test_synced),
    T_CASE(test_request), T_CASE(test_request_name), T_CASE(test_error),
    T_CASE(test_error_text), T_CASE(test_truncated_trailing),
    T_CASE(test_unknown_type), T_CASE(test_array_length),
    T_CASE(test_field_type), T_CASE(test_negative), T_CASE(test_canonical),
    T_CASE(test_bin_length), T_CASE(test_frame_limit), T_CASE(test_nesting))
