/* Fuzz target: session messages (net_msg_decode).
 *
 * The input is one frame's plaintext.  A message that decodes must hold
 * only what the format allows (counts and sizes within their limits,
 * every borrowed field inside the frame), and re-encoded with the
 * encoders it must decode again to the same fields; since the decoder
 * takes only canonical encodings, the re-encoding must also give the
 * same bytes, except where the encoders cannot say the same thing (a
 * HELLO of another version, an ERROR whose text had control characters
 * replaced; an ERROR code over INT_MAX is no enum net_refusal and is
 * not re-encoded).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *frame;
static size_t frame_len;

static bool
within(const uint8_t *p, size_t n)
{
	return p != NULL && p >= frame && p <= frame + frame_len &&
	    n <= (size_t)(frame + frame_len - p);
}

static void
put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* The message as the format allows it. */
static void
check(const struct net_msg *m)
{
	const struct core_bundle_entry *e;
	size_t i, n;

	switch (m->type) {
	case NET_HELLO:
		if (!within(m->u.hello.digest, 32))
			abort();
		break;
	case NET_HEADS:
		if (m->u.heads.n > NET_HEADS_MAX ||
		    (m->u.heads.n > 0 && m->u.heads.h == NULL))
			abort();
		for (i = 0; i < m->u.heads.n; i++) {
			if (!within(m->u.heads.h[i].author, 32) ||
			    !within(m->u.heads.h[i].hash, 32))
				abort();
		}
		break;
	case NET_BATCH:
		if (m->u.batch.n == 0 || m->u.batch.n > NET_BATCH_MAX ||
		    m->u.batch.e == NULL)
			abort();
		for (i = 0; i < m->u.batch.n; i++) {
			e = &m->u.batch.e[i];
			if (e->hlen == 0 || e->hlen > CORE_HDR_MAX ||
			    !within(e->hdr, e->hlen) ||
			    !within(e->sig, CORE_SIG_LEN))
				abort();
			if (e->body == NULL && e->blen != 0)
				abort();
			if (e->body != NULL && (e->blen > CORE_BODY_MAX ||
						   !within(e->body, e->blen)))
				abort();
		}
		break;
	case NET_DONE:
	case NET_PING:
	case NET_PENDING:
		break;
	case NET_WANT:
		if (!within(m->u.want.author, 32))
			abort();
		break;
	case NET_BUNDLE:
		if (m->u.bundle.len == 0 || m->u.bundle.len > NET_CHUNK_MAX ||
		    !within(m->u.bundle.data, m->u.bundle.len))
			abort();
		break;
	case NET_SYNCED:
		if (!within(m->u.synced.digest, 32))
			abort();
		break;
	case NET_REQUEST:
		n = strnlen(m->u.request.name, sizeof m->u.request.name);
		if (n == 0 || n > CORE_JOIN_NAME_MAX)
			abort();
		for (i = 0; i < n; i++) {
			if ((unsigned char)m->u.request.name[i] < 0x20 ||
			    m->u.request.name[i] == 0x7f)
				abort();
		}
		break;
	case NET_ERROR:
		n = strnlen(m->u.error.text, sizeof m->u.error.text);
		if (n > NET_TEXT_MAX)
			abort();
		for (i = 0; i < n; i++) {
			if ((unsigned char)m->u.error.text[i] < 0x20 ||
			    m->u.error.text[i] == 0x7f)
				abort();
		}
		break;
	default:
		abort();
	}
}

/* Writes m with the encoders.  Returns false when the bytes cannot be
 * expected to equal the frame (the fields still must). */
static bool
encode(const struct net_msg *m, struct core_buf *out)
{
	const struct core_bundle_entry *e;
	uint8_t *recs;
	size_t i;

	switch (m->type) {
	case NET_HELLO:
		net_msg_hello(out, m->u.hello.digest, m->u.hello.heads,
		    m->u.hello.flags);
		return m->u.hello.version == NET_VERSION;
	case NET_HEADS:
		recs = malloc(m->u.heads.n * 72 + 1);
		if (recs == NULL)
			abort();
		for (i = 0; i < m->u.heads.n; i++) {
			memcpy(recs + i * 72, m->u.heads.h[i].author, 32);
			put_be(recs + i * 72 + 32, m->u.heads.h[i].seq, 8);
			memcpy(recs + i * 72 + 40, m->u.heads.h[i].hash, 32);
		}
		net_msg_heads(out, m->u.heads.more, recs, m->u.heads.n);
		free(recs);
		return true;
	case NET_BATCH:
		net_msg_batch_begin(out, m->u.batch.author, m->u.batch.n);
		for (i = 0; i < m->u.batch.n; i++) {
			e = &m->u.batch.e[i];
			net_msg_batch_entry(out, e->hdr, e->hlen, e->sig,
			    e->body, e->blen);
		}
		return true;
	case NET_DONE:
	case NET_PING:
	case NET_PENDING:
		net_msg_simple(out, m->type);
		return true;
	case NET_WANT:
		net_msg_want(out, m->u.want.author, m->u.want.seq);
		return true;
	case NET_BUNDLE:
		net_msg_bundle(out, m->u.bundle.more, m->u.bundle.data,
		    m->u.bundle.len);
		return true;
	case NET_SYNCED:
		net_msg_synced(out, m->u.synced.digest);
		return true;
	case NET_REQUEST:
		net_msg_request(out, &m->u.request);
		return true;
	case NET_ERROR:
		net_msg_error(out, (enum net_refusal)m->u.error.code,
		    m->u.error.text);
		return true;
	}
	abort();
}

/* a (decoded from the frame) and b (from its re-encoding) say the same;
 * a HELLO's version is not the encoder's to choose. */
static bool
same(const struct net_msg *a, const struct net_msg *b)
{
	const struct core_bundle_entry *x, *y;
	size_t i;

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case NET_HELLO:
		return b->u.hello.version == NET_VERSION &&
		    memcmp(a->u.hello.digest, b->u.hello.digest, 32) == 0 &&
		    a->u.hello.heads == b->u.hello.heads &&
		    a->u.hello.flags == b->u.hello.flags;
	case NET_HEADS:
		if (a->u.heads.more != b->u.heads.more ||
		    a->u.heads.n != b->u.heads.n)
			return false;
		for (i = 0; i < a->u.heads.n; i++) {
			if (a->u.heads.h[i].seq != b->u.heads.h[i].seq ||
			    memcmp(a->u.heads.h[i].author,
				b->u.heads.h[i].author, 32) != 0 ||
			    memcmp(a->u.heads.h[i].hash, b->u.heads.h[i].hash,
				32) != 0)
				return false;
		}
		return true;
	case NET_BATCH:
		if (memcmp(a->u.batch.author, b->u.batch.author, 32) != 0 ||
		    a->u.batch.n != b->u.batch.n)
			return false;
		for (i = 0; i < a->u.batch.n; i++) {
			x = &a->u.batch.e[i];
			y = &b->u.batch.e[i];
			if (x->hlen != y->hlen || x->blen != y->blen ||
			    (x->body == NULL) != (y->body == NULL) ||
			    memcmp(x->hdr, y->hdr, x->hlen) != 0 ||
			    memcmp(x->sig, y->sig, CORE_SIG_LEN) != 0 ||
			    (x->blen > 0 &&
				memcmp(x->body, y->body, x->blen) != 0))
				return false;
		}
		return true;
	case NET_DONE:
	case NET_PING:
	case NET_PENDING:
		return true;
	case NET_WANT:
		return a->u.want.seq == b->u.want.seq &&
		    memcmp(a->u.want.author, b->u.want.author, 32) == 0;
	case NET_BUNDLE:
		return a->u.bundle.more == b->u.bundle.more &&
		    a->u.bundle.len == b->u.bundle.len &&
		    memcmp(a->u.bundle.data, b->u.bundle.data,
			a->u.bundle.len) == 0;
	case NET_SYNCED:
		return memcmp(a->u.synced.digest, b->u.synced.digest, 32) == 0;
	case NET_REQUEST:
		return memcmp(&a->u.request, &b->u.request,
			   sizeof a->u.request) == 0;
	case NET_ERROR:
		return a->u.error.code == b->u.error.code &&
		    strcmp(a->u.error.text, b->u.error.text) == 0;
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_msg m, again;
	struct core_buf out;
	uint8_t *copy;
	bool bytes;

	/* an exact-size copy, so ASan sees any read past the end */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	frame = copy;
	frame_len = size;
	if (net_msg_decode(copy, size, &m) != 0) {
		free(copy);
		return 0;
	}
	check(&m);
	/* An ERROR code beyond the enum cannot be given to the encoder. */
	if (m.type == NET_ERROR && m.u.error.code > INT_MAX)
		goto out;
	core_buf_init(&out);
	bytes = encode(&m, &out);
	if (out.err != 0)
		abort();
	/* With no '?' in the text, no control character was replaced. */
	if (m.type == NET_ERROR)
		bytes = strchr(m.u.error.text, '?') == NULL;
	if (bytes && (out.len != size || memcmp(out.data, copy, size) != 0))
		abort();
	frame = (const uint8_t *)out.data;
	frame_len = out.len;
	if (net_msg_decode((const uint8_t *)out.data, out.len, &again) != 0)
		abort();
	check(&again);
	if (!same(&m, &again))
		abort();
	net_msg_fini(&again);
	core_buf_fini(&out);
out:
	net_msg_fini(&m);
	free(copy);
	return 0;
}
