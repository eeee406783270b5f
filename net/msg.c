#include "net/msg.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "core/mp.h"
#include "core/text.h"

#define HEAD_REC 72 /* author 32 || seq 8 BE || hash 32 */

_Static_assert(NET_HEADS_MAX >= NET_BATCH_MAX, "count limit below");
_Static_assert(NET_TEXT_MAX >= CORE_JOIN_NAME_MAX, "str limit below");
_Static_assert(CORE_BODY_MAX >= CORE_HDR_MAX && CORE_BODY_MAX >= 64,
    "bin limit below");

/* One set of bounds for every type: the first element is not known
 * before the walk.  The biggest message is a HEADS of NET_HEADS_MAX
 * heads: the outer array, the type, more and the list, then four objects
 * a head; the list of heads or entries is the only nesting (depth 3).
 * The longest string is an ERROR text, the longest bin a body.  The
 * exact per-field limits are checked after unpacking; these only keep
 * msgpack-c from allocating more than such a message needs. */
static const struct core_mp_limits msg_limits = {
	.depth = 3,
	.count = NET_HEADS_MAX,
	.items = 4 + 4 * (size_t)NET_HEADS_MAX,
	.str = NET_TEXT_MAX,
	.bin = CORE_BODY_MAX,
};

/* The bytes of the frame being decoded: every bin kept by the message
 * must point into them. */
struct frame {
	const uint8_t *p;
	size_t len;
};

/* Comparing writer: the packer's output must equal the frame byte for
 * byte. */
struct cmp {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static int
cmp_write(void *data, const char *buf, size_t n)
{
	struct cmp *c = data;

	/* An empty str or bin may come with a NULL pointer. */
	if (n == 0)
		return 0;
	if (n > c->len - c->off || memcmp(c->p + c->off, buf, n) != 0) {
		/* Stops msgpack_pack_object; the short offset tells. */
		c->off = c->len + 1;
		return -1;
	}
	c->off += n;
	return 0;
}

/* True if the frame is the canonical encoding of o, the one msgpack-c's
 * packer (so every encoder below) writes: smallest headers and integer
 * forms, non-negative numbers as uints.  So the decoder takes exactly
 * what the encoders write; a uint sent as a signed int, a padded
 * header or a wider length is refused, and no message has two
 * encodings. */
static bool
canonical(const msgpack_object *o, const struct frame *f)
{
	msgpack_packer pk;
	struct cmp c = { f->p, f->len, 0 };

	msgpack_packer_init(&pk, &c, cmp_write);
	return msgpack_pack_object(&pk, *o) == 0 && c.off == c.len;
}

static bool
is_uint(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
}

static bool
is_array(const msgpack_object *o, size_t n)
{
	return o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == n;
}

/* A bin of min..max bytes pointing into the frame.  Over max is
 * DG_ELIMIT for a ranged field, DG_EDECODE for a fixed size (a key or a
 * signature of another length is the wrong field, not a big one). */
static int
get_bin(const msgpack_object *o, const struct frame *f, size_t min, size_t max,
    const uint8_t **out)
{
	uintptr_t q, base = (uintptr_t)f->p;
	size_t n;

	if (o->type != MSGPACK_OBJECT_BIN)
		return DG_EDECODE;
	n = o->via.bin.size;
	if (n > max)
		return min == max ? DG_EDECODE : DG_ELIMIT;
	if (n < min)
		return DG_EDECODE;
	/* An empty body is still a body, told from nil by a pointer that
	 * is not NULL; msgpack-c may give NULL for no bytes. */
	if (n == 0) {
		*out = f->p;
		return 0;
	}
	/* msgpack-c points into the buffer it unpacks; anything else would
	 * be a library change, refused rather than trusted, since the
	 * message borrows the frame. */
	q = (uintptr_t)o->via.bin.ptr;
	if (q < base || q - base > f->len || n > f->len - (q - base))
		return DG_EDECODE;
	*out = (const uint8_t *)o->via.bin.ptr;
	return 0;
}

static int
get_key(const msgpack_object *o, const struct frame *f, size_t n,
    const uint8_t **out)
{
	return get_bin(o, f, n, n, out);
}

static int
dec_hello(const msgpack_object *a, const struct frame *f, struct net_msg *m)
{
	if (a->via.array.size != 5)
		return DG_EDECODE;
	a = a->via.array.ptr;
	if (!is_uint(&a[1]) || !is_uint(&a[3]) || !is_uint(&a[4]))
		return DG_EDECODE;
	m->u.hello.version = a[1].via.u64;
	m->u.hello.heads = a[3].via.u64;
	m->u.hello.flags = a[4].via.u64;
	return get_key(&a[2], f, 32, &m->u.hello.digest);
}

static int
dec_heads(const msgpack_object *a, const struct frame *f, struct net_msg *m)
{
	const msgpack_object *l, *h;
	struct net_head *heads = NULL;
	size_t n, i;
	int rc = DG_EDECODE;

	if (a->via.array.size != 3)
		return DG_EDECODE;
	a = a->via.array.ptr;
	if (a[1].type != MSGPACK_OBJECT_BOOLEAN ||
	    a[2].type != MSGPACK_OBJECT_ARRAY)
		return DG_EDECODE;
	l = &a[2];
	n = l->via.array.size;
	if (n > NET_HEADS_MAX)
		return DG_ELIMIT;
	if (n > 0) {
		heads = calloc(n, sizeof *heads);
		if (heads == NULL)
			return DG_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		h = &l->via.array.ptr[i];
		rc = DG_EDECODE;
		if (!is_array(h, 3))
			goto out;
		h = h->via.array.ptr;
		if (!is_uint(&h[1]))
			goto out;
		heads[i].seq = h[1].via.u64;
		rc = get_key(&h[0], f, 32, &heads[i].author);
		if (rc == 0)
			rc = get_key(&h[2], f, 32, &heads[i].hash);
		if (rc != 0)
			goto out;
	}
	m->u.heads.more = a[1].via.boolean;
	m->u.heads.n = n;
	m->u.heads.h = heads;
	heads = NULL;
	rc = 0;
out:
	free(heads);
	return rc;
}

static int
dec_entry(const msgpack_object *e, const struct frame *f,
    struct core_bundle_entry *out)
{
	int rc;

	if (!is_array(e, 3))
		return DG_EDECODE;
	e = e->via.array.ptr;
	rc = get_bin(&e[0], f, 1, CORE_HDR_MAX, &out->hdr);
	if (rc != 0)
		return rc;
	out->hlen = e[0].via.bin.size;
	rc = get_key(&e[1], f, CORE_SIG_LEN, &out->sig);
	if (rc != 0)
		return rc;
	/* nil: the body was not carried (erased, or not wanted); an empty
	 * bin is a carried body of no bytes. */
	if (e[2].type == MSGPACK_OBJECT_NIL)
		return 0;
	rc = get_bin(&e[2], f, 0, CORE_BODY_MAX, &out->body);
	if (rc != 0)
		return rc;
	out->blen = e[2].via.bin.size;
	return 0;
}

static int
dec_batch(const msgpack_object *a, const struct frame *f, struct net_msg *m)
{
	const msgpack_object *l;
	struct core_bundle_entry *e = NULL;
	const uint8_t *author;
	size_t n, i;
	int rc;

	if (a->via.array.size != 3)
		return DG_EDECODE;
	a = a->via.array.ptr;
	rc = get_key(&a[1], f, 32, &author);
	if (rc != 0)
		return rc;
	if (a[2].type != MSGPACK_OBJECT_ARRAY)
		return DG_EDECODE;
	l = &a[2];
	n = l->via.array.size;
	if (n == 0)
		return DG_EDECODE;
	if (n > NET_BATCH_MAX)
		return DG_ELIMIT;
	e = calloc(n, sizeof *e);
	if (e == NULL)
		return DG_ENOMEM;
	for (i = 0; i < n; i++) {
		rc = dec_entry(&l->via.array.ptr[i], f, &e[i]);
		if (rc != 0)
			goto out;
	}
	memcpy(m->u.batch.author, author, 32);
	m->u.batch.n = n;
	m->u.batch.e = e;
	e = NULL;
	rc = 0;
out:
	free(e);
	return rc;
}

static int
dec_synced(const msgpack_object *a, const struct frame *f, struct net_msg *m)
{
	if (a->via.array.size != 2)
		return DG_EDECODE;
	return get_key(&a->via.array.ptr[1], f, 32, &m->u.synced.digest);
}

static int
dec_want(const msgpack_object *a, const struct frame *f, struct net_msg *m)
{
	const msgpack_object *o = a->via.array.ptr;

	if (a->via.array.size != 3 || !is_uint(&o[2]))
		return DG_EDECODE;
	m->u.want.seq = o[2].via.u64;
	return get_key(&o[1], f, 32, &m->u.want.author);
}

static int
dec_bundle(const msgpack_object *a, const struct frame *f, struct net_msg *m)
{
	const msgpack_object *o = a->via.array.ptr;
	int rc;

	if (a->via.array.size != 3 || o[1].type != MSGPACK_OBJECT_BOOLEAN)
		return DG_EDECODE;
	m->u.bundle.more = o[1].via.boolean;
	rc = get_bin(&o[2], f, 1, NET_CHUNK_MAX, &m->u.bundle.data);
	if (rc == 0)
		m->u.bundle.len = o[2].via.bin.size;
	return rc;
}

static int
dec_request(const msgpack_object *a, const struct frame *f, struct net_msg *m)
{
	struct core_join_request *r = &m->u.request;
	const uint8_t *pk, *secret, *sig;
	const char *name;
	size_t nlen;
	int rc;

	if (a->via.array.size != 6)
		return DG_EDECODE;
	a = a->via.array.ptr;
	if (a[2].type != MSGPACK_OBJECT_STR || !is_uint(&a[4]))
		return DG_EDECODE;
	rc = get_key(&a[1], f, 32, &pk);
	if (rc == 0)
		rc = get_key(&a[3], f, 16, &secret);
	if (rc == 0)
		rc = get_key(&a[5], f, 64, &sig);
	if (rc != 0)
		return rc;
	name = a[2].via.str.ptr;
	nlen = a[2].via.str.size;
	if (nlen > CORE_JOIN_NAME_MAX)
		return DG_ELIMIT;
	/* One line of text, as core_join_verify will demand: the name is
	 * shown to a coordinator, where a newline or an escape could pass
	 * for something else.  UTF-8 was checked by core_mp_check. */
	if (nlen == 0)
		return DG_EDECODE;
	rc = core_text_check_value(name, nlen, false);
	if (rc != 0)
		return rc == DG_EINVAL ? DG_EDECODE : rc;
	memcpy(r->pk, pk, 32);
	memcpy(r->name, name, nlen);
	r->name[nlen] = '\0';
	memcpy(r->secret, secret, 16);
	r->time = a[4].via.u64;
	memcpy(r->sig, sig, 64);
	return 0;
}

/* Copies an ERROR text (valid UTF-8, no NUL: core_mp_check saw to
 * both), each control character (C0, DEL, C1) as one '?', so the text
 * can be logged or shown as it is. */
static void
copy_text(char *dst, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;

	while (i < n) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			dst[o++] = '?';
			i++;
		} else if (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9f) {
			/* U+0080..U+009F, the C1 controls */
			dst[o++] = '?';
			i += 2;
		} else {
			dst[o++] = (char)s[i++];
		}
	}
	dst[o] = '\0';
}

static int
dec_error(const msgpack_object *a, struct net_msg *m)
{
	if (a->via.array.size != 3)
		return DG_EDECODE;
	a = a->via.array.ptr;
	if (!is_uint(&a[1]) || a[2].type != MSGPACK_OBJECT_STR)
		return DG_EDECODE;
	if (a[2].via.str.size > NET_TEXT_MAX)
		return DG_ELIMIT;
	m->u.error.code = a[1].via.u64;
	copy_text(m->u.error.text, a[2].via.str.ptr, a[2].via.str.size);
	return 0;
}

static int
dec_fields(const msgpack_object *a, const struct frame *f, struct net_msg *m)
{
	const msgpack_object *t;

	if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size == 0)
		return DG_EDECODE;
	t = &a->via.array.ptr[0];
	if (!is_uint(t) || t->via.u64 < NET_HELLO || t->via.u64 > NET_WANT)
		return DG_EDECODE;
	m->type = (enum net_msg_type)t->via.u64;
	switch (m->type) {
	case NET_HELLO: return dec_hello(a, f, m);
	case NET_HEADS: return dec_heads(a, f, m);
	case NET_BATCH: return dec_batch(a, f, m);
	case NET_DONE:
	case NET_PING:
	case NET_PENDING: return a->via.array.size == 1 ? 0 : DG_EDECODE;
	case NET_BUNDLE: return dec_bundle(a, f, m);
	case NET_WANT: return dec_want(a, f, m);
	case NET_SYNCED: return dec_synced(a, f, m);
	case NET_REQUEST: return dec_request(a, f, m);
	case NET_ERROR: return dec_error(a, m);
	}
	return DG_EDECODE;
}

int
net_msg_decode(const uint8_t *p, size_t len, struct net_msg *m)
{
	msgpack_unpacked u;
	struct frame f = { p, len };
	size_t off = 0;
	int rc;

	memset(m, 0, sizeof *m);
	if (len > NET_FRAME_MAX)
		return DG_ELIMIT;
	rc = core_mp_check(p, len, &msg_limits);
	if (rc != 0)
		return rc;
	msgpack_unpacked_init(&u);
	switch (msgpack_unpack_next(&u, (const char *)p, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		rc = off == len ? 0 : DG_EDECODE;
		break;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		rc = DG_ENOMEM;
		break;
	default:
		rc = DG_EDECODE;
		break;
	}
	if (rc != 0)
		goto out;
	rc = DG_EDECODE;
	if (!canonical(&u.data, &f))
		goto out;
	rc = dec_fields(&u.data, &f, m);
out:
	msgpack_unpacked_destroy(&u);
	if (rc != 0)
		net_msg_fini(m);
	return rc;
}

void
net_msg_fini(struct net_msg *m)
{
	if (m == NULL)
		return;
	if (m->type == NET_HEADS)
		free(m->u.heads.h);
	else if (m->type == NET_BATCH)
		free(m->u.batch.e);
	/* A join request carries an invite's secret. */
	sodium_memzero(m, sizeof *m);
}

/* Encoders.  Sizes over the limits above are the caller's mistake: the
 * sync code splits heads and entries into messages that fit. */

static void
head(msgpack_packer *pk, struct core_buf *out, enum net_msg_type type, size_t n)
{
	core_mp_packer(pk, out);
	msgpack_pack_array(pk, n);
	msgpack_pack_uint64(pk, (uint64_t)type);
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

void
net_msg_hello(struct core_buf *out, const uint8_t digest[32], uint64_t heads,
    uint64_t flags)
{
	msgpack_packer pk;

	head(&pk, out, NET_HELLO, 5);
	msgpack_pack_uint64(&pk, NET_VERSION);
	core_mp_bin(&pk, digest, 32);
	msgpack_pack_uint64(&pk, heads);
	msgpack_pack_uint64(&pk, flags);
}

void
net_msg_heads(struct core_buf *out, bool more, const uint8_t *recs, size_t n)
{
	msgpack_packer pk;
	const uint8_t *r;
	size_t i;

	assert(n <= NET_HEADS_MAX);
	head(&pk, out, NET_HEADS, 3);
	if (more)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	msgpack_pack_array(&pk, n);
	for (i = 0; i < n; i++) {
		r = recs + i * HEAD_REC;
		msgpack_pack_array(&pk, 3);
		core_mp_bin(&pk, r, 32);
		msgpack_pack_uint64(&pk, get_be64(r + 32));
		core_mp_bin(&pk, r + 40, 32);
	}
}

void
net_msg_batch_begin(struct core_buf *out, const uint8_t author[32], size_t n)
{
	msgpack_packer pk;

	assert(n >= 1 && n <= NET_BATCH_MAX);
	head(&pk, out, NET_BATCH, 3);
	core_mp_bin(&pk, author, 32);
	msgpack_pack_array(&pk, n);
}

void
net_msg_batch_entry(struct core_buf *out, const uint8_t *hdr, size_t hlen,
    const uint8_t sig[64], const uint8_t *body, size_t blen)
{
	msgpack_packer pk;

	assert(hlen >= 1 && hlen <= CORE_HDR_MAX);
	assert(body == NULL || blen <= CORE_BODY_MAX);
	core_mp_packer(&pk, out);
	msgpack_pack_array(&pk, 3);
	core_mp_bin(&pk, hdr, hlen);
	core_mp_bin(&pk, sig, 64);
	if (body != NULL)
		core_mp_bin(&pk, body, blen);
	else
		msgpack_pack_nil(&pk);
}

void
net_msg_simple(struct core_buf *out, enum net_msg_type type)
{
	msgpack_packer pk;

	assert(type == NET_DONE || type == NET_PING || type == NET_PENDING);
	head(&pk, out, type, 1);
}

void
net_msg_synced(struct core_buf *out, const uint8_t digest[32])
{
	msgpack_packer pk;

	head(&pk, out, NET_SYNCED, 2);
	core_mp_bin(&pk, digest, 32);
}

void
net_msg_request(struct core_buf *out, const struct core_join_request *r)
{
	msgpack_packer pk;
	size_t nlen = strnlen(r->name, CORE_JOIN_NAME_MAX);

	/* The name is not checked here: the newcomer made the request
	 * with core_join_sign, and a bad one is refused by the peer. */
	head(&pk, out, NET_REQUEST, 6);
	core_mp_bin(&pk, r->pk, 32);
	msgpack_pack_str(&pk, nlen);
	msgpack_pack_str_body(&pk, r->name, nlen);
	core_mp_bin(&pk, r->secret, 16);
	msgpack_pack_uint64(&pk, r->time);
	core_mp_bin(&pk, r->sig, 64);
}

void
net_msg_bundle(struct core_buf *out, bool more, const uint8_t *data,
    size_t len)
{
	msgpack_packer pk;

	assert(len >= 1 && len <= NET_CHUNK_MAX);
	head(&pk, out, NET_BUNDLE, 3);
	if (more)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	core_mp_bin(&pk, data, len);
}

void
net_msg_want(struct core_buf *out, const uint8_t author[32], uint64_t seq)
{
	msgpack_packer pk;

	head(&pk, out, NET_WANT, 3);
	core_mp_bin(&pk, author, 32);
	msgpack_pack_uint64(&pk, seq);
}

void
net_msg_error(struct core_buf *out, enum net_refusal code, const char *text)
{
	msgpack_packer pk;
	size_t n = text != NULL ? strlen(text) : 0;

	/* Texts are made from dg_strerror and the like; one too long is
	 * cut at a character boundary rather than refused by the peer. */
	if (n > NET_TEXT_MAX) {
		n = NET_TEXT_MAX;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	head(&pk, out, NET_ERROR, 3);
	msgpack_pack_uint64(&pk, (uint64_t)code);
	msgpack_pack_str(&pk, n);
	msgpack_pack_str_body(&pk, text != NULL ? text : "", n);
}

enum net_frame_state
net_frame_next(const uint8_t *buf, size_t n, size_t min, size_t max,
    size_t *len)
{
	*len = 0;
	if (n < 4)
		return NET_FRAME_MORE;
	*len = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 |
	    (size_t)buf[2] << 8 | buf[3];
	if (*len < min || *len > max)
		return NET_FRAME_BAD;
	return n - 4 < *len ? NET_FRAME_MORE : NET_FRAME_WHOLE;
}
