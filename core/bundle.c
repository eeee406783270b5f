#include "core/bundle.h"

#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "core/mp.h"
#include "core/text.h"

#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define SS_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

#define MAGIC_LEN 8
#define TAG_LEN 8
#define SEALED_LEN (crypto_box_SEALBYTES + 32) /* 80 */
#define PREAMBLE_MAX                                                   \
	(MAGIC_LEN + 1 + 2 + CORE_BUNDLE_RECIPIENTS_MAX * SEALED_LEN + SS_HEADER)

static const uint8_t magic[MAGIC_LEN] = { 'D', 'U', 'G', 'N', 'A', 'D', 'B',
	1 };

/* Context strings, signed with their NUL so that no other message of an
 * identity key (entries, join requests) can be taken for this one. */
static const char bundle_ctx[] = "dugnad bundle v1"; /* 17 bytes */
static const char join_ctx[] = "dugnad join v1";     /* 15 bytes */

#define BUNDLE_MSG_LEN (sizeof bundle_ctx + 32)
#define JOIN_MSG_MAX                                                   \
	(sizeof join_ctx + TAG_LEN + 16 + 32 + 8 + CORE_JOIN_NAME_MAX)

/* A batch is at most a map of two keys around an array of entries of
 * three items each: depth 3, 4 objects an entry. */
static const struct core_mp_limits chunk_limits = {
	.depth = 3,
	.count = CORE_BUNDLE_BATCH_MAX,
	.items = 4 * CORE_BUNDLE_BATCH_MAX + 8,
	.str = CORE_JOIN_NAME_MAX,
	.bin = CORE_BODY_MAX,
};

static void
put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* BLAKE2b-256 keyed with the ASCII bytes of ctx (no NUL). */
static void
keyed(const char *ctx, const uint8_t *in, size_t n, uint8_t out[32])
{
	crypto_generichash(out, 32, in, n, (const uint8_t *)ctx, strlen(ctx));
}

void
core_bundle_key_id(const uint8_t netkey[32], uint8_t id[8])
{
	uint8_t h[32];

	keyed("dugnad bundle id", netkey, 32, h);
	memcpy(id, h, 8);
}

static void
network_stream_key(const uint8_t netkey[32], uint8_t key[32])
{
	keyed("dugnad bundle key", netkey, 32, key);
}

/* Join requests. */

static size_t
name_len(const struct core_join_request *r)
{
	return strnlen(r->name, sizeof r->name);
}

static size_t
join_msg(const struct core_join_request *r, const uint8_t tag[TAG_LEN],
    size_t nlen, uint8_t m[JOIN_MSG_MAX])
{
	size_t o = 0;

	memcpy(m, join_ctx, sizeof join_ctx);
	o += sizeof join_ctx;
	memcpy(m + o, tag, TAG_LEN);
	o += TAG_LEN;
	memcpy(m + o, r->secret, sizeof r->secret);
	o += sizeof r->secret;
	memcpy(m + o, r->pk, sizeof r->pk);
	o += sizeof r->pk;
	put_be(m + o, r->time, 8);
	o += 8;
	memcpy(m + o, r->name, nlen);
	return o + nlen;
}

void
core_join_sign(struct core_join_request *r, const uint8_t tag[8],
    const uint8_t *sk)
{
	uint8_t m[JOIN_MSG_MAX];
	size_t nlen = name_len(r), mlen;

	if (nlen > CORE_JOIN_NAME_MAX)
		nlen = CORE_JOIN_NAME_MAX;
	mlen = join_msg(r, tag, nlen, m);
	crypto_sign_detached(r->sig, NULL, m, mlen, sk);
	sodium_memzero(m, sizeof m);
}

static bool
name_ok(const char *name, size_t nlen)
{
	return nlen >= 1 && nlen <= CORE_JOIN_NAME_MAX &&
	    core_text_check_value(name, nlen, false) == 0;
}

int
core_join_verify(const struct core_join_request *r, const uint8_t tag[8])
{
	uint8_t m[JOIN_MSG_MAX];
	size_t nlen = name_len(r), mlen;
	int rc = DG_ESIG;

	/* A name that could not have been written is refused like a bad
	 * signature: the request is not what its author signed. */
	if (!name_ok(r->name, nlen))
		return DG_ESIG;
	mlen = join_msg(r, tag, nlen, m);
	if (crypto_sign_verify_detached(r->sig, m, mlen, r->pk) == 0)
		rc = 0;
	sodium_memzero(m, sizeof m);
	return rc;
}

/* The preamble. */

/* Bytes of the key info of a mode (for mode 2, of nslots recipients). */
static size_t
key_info_len(int mode, size_t nslots)
{
	switch (mode) {
	case CORE_BUNDLE_NETWORK: return TAG_LEN;
	case CORE_BUNDLE_RECIPIENT: return 2 + nslots * SEALED_LEN;
	case CORE_BUNDLE_REQUEST: return TAG_LEN;
	}
	return 0;
}

int
core_bundle_info(const uint8_t *data, size_t len,
    struct core_bundle_info *info)
{
	size_t klen;

	memset(info, 0, sizeof *info);
	if (len < MAGIC_LEN || memcmp(data, magic, MAGIC_LEN - 1) != 0)
		return DG_EDECODE;
	if (data[MAGIC_LEN - 1] != magic[MAGIC_LEN - 1])
		return DG_EVERSION;
	if (len < MAGIC_LEN + 1)
		return DG_EDECODE;
	if (data[MAGIC_LEN] == CORE_BUNDLE_RECIPIENT) {
		if (len < MAGIC_LEN + 3)
			return DG_EDECODE;
		info->nslots = (size_t)get_be(data + MAGIC_LEN + 1, 2);
		if (info->nslots == 0 ||
		    info->nslots > CORE_BUNDLE_RECIPIENTS_MAX)
			return DG_EDECODE;
	}
	klen = key_info_len(data[MAGIC_LEN], info->nslots);
	if (klen == 0)
		return DG_EDECODE;
	if (len - (MAGIC_LEN + 1) < klen + SS_HEADER)
		return DG_EDECODE;
	info->mode = data[MAGIC_LEN];
	data += MAGIC_LEN + 1;
	switch (info->mode) {
	case CORE_BUNDLE_NETWORK:
		memcpy(info->key_id, data, TAG_LEN);
		break;
	case CORE_BUNDLE_RECIPIENT:
		info->slots = data + 2;
		break;
	case CORE_BUNDLE_REQUEST:
		memcpy(info->tag, data, TAG_LEN);
		break;
	}
	info->preamble_len = MAGIC_LEN + 1 + klen + SS_HEADER;
	return 0;
}

int
core_bundle_open_sealed(const struct core_bundle_info *info,
    const uint8_t pk[32], const uint8_t *sk, uint8_t filekey[32])
{
	uint8_t xpk[32], xsk[32];
	size_t i;
	int rc = DG_ECRYPTO;

	if (info->mode != CORE_BUNDLE_RECIPIENT || info->slots == NULL)
		return DG_EINVAL;
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, pk) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(xsk, sk) != 0)
		goto out;
	for (i = 0; i < info->nslots; i++) {
		if (crypto_box_seal_open(filekey, info->slots + i * SEALED_LEN,
			SEALED_LEN, xpk, xsk) == 0) {
			rc = 0;
			goto out;
		}
	}
	sodium_memzero(filekey, 32);
out:
	sodium_memzero(xsk, sizeof xsk);
	return rc;
}

/* Reading.  msgpack objects never leave this part of the file: what is
 * kept are pointers into b->plain, which is sized from the length fields
 * once the first chunk has decrypted and never moves after that; the
 * chunks are decrypted in place, so no pointer needs fixing up. */

struct reader {
	struct core_bundle *b;
	struct core_bundle_info info;
	size_t batch_cap, req_cap;
	uint64_t count; /* from the final chunk */
	uint8_t sig[64];
};

/* Grows an array by copying, wiping the old copy: join requests hold
 * invite secrets. */
static int
grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p;

	if (n < *cap)
		return 0;
	if (ncap > SIZE_MAX / size)
		return DG_ENOMEM;
	p = calloc(ncap, size);
	if (p == NULL)
		return DG_ENOMEM;
	if (*arr != NULL) {
		memcpy(p, *arr, n * size);
		sodium_memzero(*arr, n * size);
		free(*arr);
	}
	*arr = p;
	*cap = ncap;
	return 0;
}

static bool
key_is(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);

	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	    memcmp(o->via.str.ptr, s, n) == 0;
}

static bool
is_bin(const msgpack_object *o, size_t min, size_t max)
{
	return o->type == MSGPACK_OBJECT_BIN && o->via.bin.size >= min &&
	    o->via.bin.size <= max;
}

/* Where a bin inside the chunk p[0..n) starts, as a pointer into the
 * chunk.  msgpack-c points into the buffer it unpacks; anything else
 * would be a library change, refused rather than trusted. */
static int
inside(const msgpack_object *o, const uint8_t *p, size_t n,
    const uint8_t **out)
{
	uintptr_t q = (uintptr_t)o->via.bin.ptr, base = (uintptr_t)p;

	if (o->via.bin.size == 0) {
		*out = p;
		return 0;
	}
	if (q < base || q - base > n || o->via.bin.size > n - (q - base))
		return DG_EDECODE;
	*out = p + (q - base);
	return 0;
}

static int
parse_first(struct reader *r, const msgpack_object *m)
{
	const msgpack_object_kv *kv = m->via.map.ptr;
	struct core_bundle *b = r->b;

	if (m->via.map.size != 3 || !key_is(&kv[0].key, "from") ||
	    !key_is(&kv[1].key, "net") || !key_is(&kv[2].key, "time") ||
	    !is_bin(&kv[0].val, 32, 32) ||
	    kv[2].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return DG_EDECODE;
	memcpy(b->from, kv[0].val.via.bin.ptr, 32);
	if (kv[1].val.type == MSGPACK_OBJECT_NIL) {
		b->has_net = false;
	} else if (is_bin(&kv[1].val, 32, 32)) {
		b->has_net = true;
		memcpy(b->net, kv[1].val.via.bin.ptr, 32);
	} else {
		return DG_EDECODE;
	}
	b->time = kv[2].val.via.u64;
	return 0;
}

static int
parse_final(struct reader *r, const msgpack_object *m)
{
	const msgpack_object_kv *kv = m->via.map.ptr;

	if (m->via.map.size != 2 || !key_is(&kv[0].key, "count") ||
	    !key_is(&kv[1].key, "sig") ||
	    kv[0].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    !is_bin(&kv[1].val, 64, 64))
		return DG_EDECODE;
	r->count = kv[0].val.via.u64;
	memcpy(r->sig, kv[1].val.via.bin.ptr, 64);
	return 0;
}

static int
parse_batch(struct reader *r, const msgpack_object *m, const uint8_t *p,
    size_t n)
{
	const msgpack_object_kv *kv = m->via.map.ptr;
	const msgpack_object *a, *f;
	struct core_bundle *b = r->b;
	struct core_bundle_batch *bt;
	struct core_bundle_entry *e;
	size_t i, k;
	int rc;

	if (m->via.map.size != 2 || !key_is(&kv[0].key, "author") ||
	    !key_is(&kv[1].key, "entries") || !is_bin(&kv[0].val, 32, 32) ||
	    kv[1].val.type != MSGPACK_OBJECT_ARRAY)
		return DG_EDECODE;
	a = &kv[1].val;
	k = a->via.array.size;
	if (k == 0)
		return DG_EDECODE;
	if (k > CORE_BUNDLE_BATCH_MAX)
		return DG_ELIMIT;
	rc = grow((void **)&b->batches, &r->batch_cap, b->nbatches,
	    sizeof *b->batches);
	if (rc != 0)
		return rc;
	e = calloc(k, sizeof *e);
	if (e == NULL)
		return DG_ENOMEM;
	bt = &b->batches[b->nbatches++];
	memcpy(bt->author, kv[0].val.via.bin.ptr, 32);
	bt->e = e;
	bt->n = k;
	for (i = 0; i < k; i++) {
		f = &a->via.array.ptr[i];
		if (f->type != MSGPACK_OBJECT_ARRAY || f->via.array.size != 3)
			return DG_EDECODE;
		f = f->via.array.ptr;
		if (!is_bin(&f[0], 1, CORE_HDR_MAX) ||
		    !is_bin(&f[1], CORE_SIG_LEN, CORE_SIG_LEN))
			return DG_EDECODE;
		if (inside(&f[0], p, n, &e[i].hdr) != 0 ||
		    inside(&f[1], p, n, &e[i].sig) != 0)
			return DG_EDECODE;
		e[i].hlen = f[0].via.bin.size;
		if (f[2].type == MSGPACK_OBJECT_NIL)
			continue;
		if (!is_bin(&f[2], 0, CORE_BODY_MAX) ||
		    inside(&f[2], p, n, &e[i].body) != 0)
			return DG_EDECODE;
		e[i].blen = f[2].via.bin.size;
	}
	return 0;
}

static int
parse_request(struct reader *r, const msgpack_object *m)
{
	const msgpack_object_kv *kv = m->via.map.ptr;
	const msgpack_object *f;
	struct core_bundle *b = r->b;
	struct core_join_request *q;
	size_t nlen;
	int rc;

	if (m->via.map.size != 1 || !key_is(&kv[0].key, "request") ||
	    kv[0].val.type != MSGPACK_OBJECT_ARRAY ||
	    kv[0].val.via.array.size != 5)
		return DG_EDECODE;
	f = kv[0].val.via.array.ptr;
	if (!is_bin(&f[0], 32, 32) || f[1].type != MSGPACK_OBJECT_STR ||
	    !is_bin(&f[2], 16, 16) ||
	    f[3].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    !is_bin(&f[4], 64, 64))
		return DG_EDECODE;
	nlen = f[1].via.str.size;
	if (!name_ok(f[1].via.str.ptr, nlen))
		return DG_EDECODE;
	rc = grow((void **)&b->reqs, &r->req_cap, b->nreq, sizeof *b->reqs);
	if (rc != 0)
		return rc;
	q = &b->reqs[b->nreq++];
	memcpy(q->pk, f[0].via.bin.ptr, 32);
	memcpy(q->name, f[1].via.str.ptr, nlen);
	q->name[nlen] = '\0';
	memcpy(q->secret, f[2].via.bin.ptr, 16);
	q->time = f[3].via.u64;
	memcpy(q->sig, f[4].via.bin.ptr, 64);
	return core_join_verify(q, r->info.tag);
}

/* Checks and decodes one plaintext chunk: i is its index, last whether
 * it carried TAG_FINAL. */
static int
parse_chunk(struct reader *r, size_t i, bool last, const uint8_t *p,
    size_t n)
{
	msgpack_unpacked u;
	const msgpack_object *m;
	int rc;

	rc = core_mp_check(p, n, &chunk_limits);
	if (rc != 0)
		return rc == DG_ELIMIT ? rc : DG_EDECODE;
	msgpack_unpacked_init(&u);
	rc = core_mp_unpack(&u, p, n);
	if (rc != 0)
		goto out;
	rc = DG_EDECODE;
	m = &u.data;
	if (m->type != MSGPACK_OBJECT_MAP || m->via.map.size == 0)
		goto out;
	if (i == 0)
		rc = parse_first(r, m);
	else if (last)
		rc = parse_final(r, m);
	else if (r->info.mode != CORE_BUNDLE_REQUEST &&
	    key_is(&m->via.map.ptr[0].key, "author"))
		rc = parse_batch(r, m, p, n);
	else if (r->info.mode == CORE_BUNDLE_REQUEST &&
	    key_is(&m->via.map.ptr[0].key, "request"))
		rc = parse_request(r, m);
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

/* Moves the plaintext to a buffer of its full size, wiping the old. */
static int
plain_grow(struct core_bundle *b, size_t total)
{
	uint8_t *p;

	if (total == b->plain_len)
		return 0;
	p = malloc(total);
	if (p == NULL)
		return DG_ENOMEM;
	memcpy(p, b->plain, b->plain_len);
	sodium_memzero(b->plain, b->plain_len);
	free(b->plain);
	b->plain = p;
	b->plain_len = total;
	return 0;
}

/* Walks the length fields without decrypting: every chunk in bounds and
 * the last one ending the file.  Gives the chunk count and the total
 * plaintext size, so the plaintext never grows piecemeal. */
static int
walk(const uint8_t *data, size_t len, size_t off, size_t *nchunks,
    size_t *total)
{
	size_t clen;

	*nchunks = 0;
	*total = 0;
	while (off < len) {
		if (len - off < 4)
			return DG_EDECODE;
		clen = (size_t)get_be(data + off, 4);
		off += 4;
		if (clen > CORE_BUNDLE_CHUNK_MAX + SS_ABYTES)
			return DG_ELIMIT;
		if (clen < SS_ABYTES || clen > len - off)
			return DG_EDECODE;
		off += clen;
		*total += clen - SS_ABYTES;
		(*nchunks)++;
	}
	/* At least the "from" chunk and the final chunk. */
	return *nchunks >= 2 ? 0 : DG_EDECODE;
}

int
core_bundle_read(const uint8_t *data, size_t len, const uint8_t key[32],
    struct core_bundle **out)
{
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_generichash_state hs;
	struct reader r;
	struct core_bundle *b = NULL;
	uint8_t skey[32], id[TAG_LEN], len8[8], msg[BUNDLE_MSG_LEN];
	const uint8_t *ad;
	size_t nchunks, total, off, poff = 0, i, clen, n;
	unsigned long long mlen;
	unsigned char tag;
	bool last;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof r);
	if (len > CORE_BUNDLE_FILE_MAX)
		return DG_ELIMIT;
	rc = core_bundle_info(data, len, &r.info);
	if (rc != 0)
		return rc;
	rc = walk(data, len, r.info.preamble_len, &nchunks, &total);
	if (rc != 0)
		return rc;
	if (r.info.mode == CORE_BUNDLE_NETWORK) {
		/* The key id is authenticated with the rest of the preamble;
		 * checking it first only names the failure sooner. */
		core_bundle_key_id(key, id);
		if (sodium_memcmp(id, r.info.key_id, TAG_LEN) != 0)
			return DG_ECRYPTO;
		network_stream_key(key, skey);
	} else {
		memcpy(skey, key, 32);
	}
	rc = DG_ENOMEM;
	b = calloc(1, sizeof *b);
	if (b == NULL)
		goto out;
	r.b = b;
	b->mode = r.info.mode;
	/* Room for the first chunk only until it proves the key right, so
	 * a wrong key (store/ tries one per open invite) or a forged file
	 * costs no allocation the size of the file. */
	n = (size_t)get_be(data + r.info.preamble_len, 4) - SS_ABYTES;
	b->plain = malloc(n > 0 ? n : 1);
	if (b->plain == NULL)
		goto out;
	b->plain_len = n;
	rc = DG_ECRYPTO;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&st,
		data + r.info.preamble_len - SS_HEADER, skey) != 0)
		goto out;
	crypto_generichash_init(&hs, NULL, 0, 32);
	/* The signature covers the preamble too: the signed content cannot
	 * be re-wrapped for other recipients. */
	put_be(len8, r.info.preamble_len, 8);
	crypto_generichash_update(&hs, len8, 8);
	crypto_generichash_update(&hs, data, r.info.preamble_len);
	off = r.info.preamble_len;
	for (i = 0; i < nchunks; i++) {
		clen = (size_t)get_be(data + off, 4);
		off += 4;
		n = clen - SS_ABYTES;
		ad = i == 0 ? data : NULL;
		rc = DG_ECRYPTO;
		if (crypto_secretstream_xchacha20poly1305_pull(&st,
			b->plain + poff, &mlen, &tag, data + off, clen, ad,
			i == 0 ? r.info.preamble_len : 0) != 0 ||
		    mlen != n)
			goto out;
		off += clen;
		/* TAG_FINAL on the last chunk and only there: a final tag
		 * earlier means bytes after the end, none at all a file cut
		 * at a chunk boundary. */
		last = i + 1 == nchunks;
		rc = DG_EDECODE;
		if (tag != (last ? SS_FINAL : SS_MESSAGE))
			goto out;
		rc = parse_chunk(&r, i, last, b->plain + poff, n);
		if (rc != 0)
			goto out;
		if (!last) {
			put_be(len8, n, 8);
			crypto_generichash_update(&hs, len8, 8);
			crypto_generichash_update(&hs, b->plain + poff, n);
		}
		poff += n;
		/* The first chunk keeps no pointers into the plaintext, so
		 * it can move now. */
		if (i == 0) {
			rc = plain_grow(b, total);
			if (rc != 0)
				goto out;
		}
	}
	rc = DG_EDECODE;
	if (r.count != nchunks - 1)
		goto out;
	memcpy(msg, bundle_ctx, sizeof bundle_ctx);
	crypto_generichash_final(&hs, msg + sizeof bundle_ctx, 32);
	rc = DG_ESIG;
	if (crypto_sign_verify_detached(r.sig, msg, sizeof msg, b->from) != 0)
		goto out;
	*out = b;
	b = NULL;
	rc = 0;
out:
	sodium_memzero(&st, sizeof st);
	sodium_memzero(&hs, sizeof hs);
	sodium_memzero(skey, sizeof skey);
	core_bundle_free(b);
	return rc;
}

void
core_bundle_free(struct core_bundle *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nbatches; i++)
		free(b->batches[i].e);
	free(b->batches);
	if (b->reqs != NULL) {
		sodium_memzero(b->reqs, b->nreq * sizeof *b->reqs);
		free(b->reqs);
	}
	if (b->plain != NULL) {
		sodium_memzero(b->plain, b->plain_len);
		free(b->plain);
	}
	sodium_memzero(b, sizeof *b);
	free(b);
}

/* Writing. */

struct core_bundle_writer {
	crypto_generichash_state hash; /* over the chunks before the last */
	crypto_secretstream_xchacha20poly1305_state st;
	struct core_buf *out;
	struct core_buf pt; /* the plaintext of the chunk being made */
	int mode;
	int err; /* sticky: once set, only core_bundle_finish reports it */
	uint64_t nchunks;
	uint8_t tag[TAG_LEN]; /* mode 3 */
	uint8_t sk[64];
};

/* Encrypts w->pt as the next chunk and appends it to w->out. */
static int
emit(struct core_bundle_writer *w, const uint8_t *ad, size_t adlen,
    unsigned char tag)
{
	const uint8_t *pt = (const uint8_t *)w->pt.data;
	size_t n = w->pt.len;
	uint8_t len4[4], len8[8], *ct;

	if (w->pt.err != 0)
		return w->pt.err;
	if (n == 0 || n > CORE_BUNDLE_CHUNK_MAX)
		return DG_ELIMIT;
	ct = malloc(n + SS_ABYTES);
	if (ct == NULL)
		return DG_ENOMEM;
	crypto_secretstream_xchacha20poly1305_push(&w->st, ct, NULL, pt, n, ad,
	    adlen, tag);
	if (tag != SS_FINAL) {
		put_be(len8, n, 8);
		crypto_generichash_update(&w->hash, len8, 8);
		crypto_generichash_update(&w->hash, pt, n);
		w->nchunks++;
	}
	put_be(len4, n + SS_ABYTES, 4);
	core_buf_add(w->out, len4, 4);
	core_buf_add(w->out, ct, n + SS_ABYTES);
	free(ct);
	core_buf_reset(&w->pt);
	return w->out->err;
}

/* Starts a writer on a preamble whose key info is in pre[MAGIC_LEN + 1,
 * plen) and whose stream key is skey. */
static int
start(struct core_buf *out, int mode, uint8_t *pre, size_t plen,
    const uint8_t skey[32], const uint8_t *tag, const uint8_t from[32],
    const uint8_t *from_sk, const uint8_t *net, uint64_t time,
    struct core_bundle_writer **wp)
{
	struct core_bundle_writer *w;
	msgpack_packer pk;
	uint8_t len8[8];
	int rc;

	/* The hash state asks for 64-byte alignment. */
	w = aligned_alloc(_Alignof(struct core_bundle_writer), sizeof *w);
	if (w == NULL)
		return DG_ENOMEM;
	memset(w, 0, sizeof *w);
	w->out = out;
	w->mode = mode;
	core_buf_init(&w->pt);
	if (tag != NULL)
		memcpy(w->tag, tag, TAG_LEN);
	memcpy(w->sk, from_sk, sizeof w->sk);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, pre + plen,
	    skey);
	plen += SS_HEADER;
	core_buf_add(out, pre, plen);
	/* The signature covers the preamble (see core/bundle.h). */
	crypto_generichash_init(&w->hash, NULL, 0, 32);
	put_be(len8, plen, 8);
	crypto_generichash_update(&w->hash, len8, 8);
	crypto_generichash_update(&w->hash, pre, plen);

	core_mp_packer(&pk, &w->pt);
	msgpack_pack_map(&pk, 3);
	core_mp_str(&pk, "from");
	core_mp_bin(&pk, from, 32);
	core_mp_str(&pk, "net");
	if (net != NULL)
		core_mp_bin(&pk, net, 32);
	else
		msgpack_pack_nil(&pk);
	core_mp_str(&pk, "time");
	msgpack_pack_uint64(&pk, time);
	rc = emit(w, pre, plen, SS_MESSAGE);
	if (rc != 0) {
		core_bundle_writer_free(w);
		return rc;
	}
	*wp = w;
	return 0;
}

int
core_bundle_writer_new_to(struct core_buf *out, const uint8_t (*pks)[32],
    size_t npk, const uint8_t from[32], const uint8_t *from_sk,
    const uint8_t *net, uint64_t time, struct core_bundle_writer **wp)
{
	uint8_t *pre, skey[32], xpk[32];
	size_t plen = MAGIC_LEN + 1, i;
	int rc = DG_EINVAL;

	*wp = NULL;
	if (out == NULL || pks == NULL || from == NULL || from_sk == NULL ||
	    npk == 0 || npk > CORE_BUNDLE_RECIPIENTS_MAX)
		return DG_EINVAL;
	if (out->err != 0)
		return out->err;
	pre = malloc(PREAMBLE_MAX);
	if (pre == NULL)
		return DG_ENOMEM;
	memcpy(pre, magic, MAGIC_LEN);
	pre[MAGIC_LEN] = CORE_BUNDLE_RECIPIENT;
	put_be(pre + plen, npk, 2);
	plen += 2;
	crypto_secretstream_xchacha20poly1305_keygen(skey);
	for (i = 0; i < npk; i++) {
		if (crypto_sign_ed25519_pk_to_curve25519(xpk, pks[i]) != 0 ||
		    crypto_box_seal(pre + plen, skey, 32, xpk) != 0)
			goto out;
		plen += SEALED_LEN;
	}
	rc = start(out, CORE_BUNDLE_RECIPIENT, pre, plen, skey, NULL, from,
	    from_sk, net, time, wp);
out:
	sodium_memzero(skey, sizeof skey);
	free(pre);
	return rc;
}

int
core_bundle_writer_new(struct core_buf *out, int mode, const uint8_t *key,
    const uint8_t from[32], const uint8_t *from_sk, const uint8_t *net,
    uint64_t time, struct core_bundle_writer **wp)
{
	uint8_t pre[MAGIC_LEN + 1 + TAG_LEN + SS_HEADER], skey[32];
	size_t plen = MAGIC_LEN + 1;
	int rc;

	*wp = NULL;
	if (mode == CORE_BUNDLE_RECIPIENT && key != NULL)
		return core_bundle_writer_new_to(out,
		    (const uint8_t(*)[32])key, 1, from, from_sk, net, time, wp);
	if (out == NULL || key == NULL || from == NULL || from_sk == NULL ||
	    (mode != CORE_BUNDLE_NETWORK && mode != CORE_BUNDLE_REQUEST))
		return DG_EINVAL;
	if (out->err != 0)
		return out->err;
	memcpy(pre, magic, MAGIC_LEN);
	pre[MAGIC_LEN] = (uint8_t)mode;
	if (mode == CORE_BUNDLE_NETWORK) {
		core_bundle_key_id(key, pre + plen);
		network_stream_key(key, skey);
	} else {
		memcpy(skey, key, 32);
		memcpy(pre + plen, key + 32, TAG_LEN);
	}
	plen += TAG_LEN;
	rc = start(out, mode, pre, plen, skey,
	    mode == CORE_BUNDLE_REQUEST ? key + 32 : NULL, from, from_sk, net,
	    time, wp);
	sodium_memzero(skey, sizeof skey);
	return rc;
}

static size_t
bin_size(size_t n)
{
	return n + (n < 256 ? 2 : n < 65536 ? 3 : 5);
}

static size_t
array_hdr(size_t n)
{
	return n < 16 ? 1 : n < 65536 ? 3 : 5;
}

static size_t
entry_size(const struct core_bundle_entry *e)
{
	return 1 + bin_size(e->hlen) + bin_size(CORE_SIG_LEN) +
	    (e->body != NULL ? bin_size(e->blen) : 1);
}

/* A fixmap of two, "author", its bin 32 and "entries". */
#define BATCH_FIXED (1 + 7 + 34 + 8)

static int
add_batch(struct core_bundle_writer *w, const uint8_t author[32],
    const struct core_bundle_entry *e, size_t k)
{
	msgpack_packer pk;
	size_t i;

	core_mp_packer(&pk, &w->pt);
	msgpack_pack_map(&pk, 2);
	core_mp_str(&pk, "author");
	core_mp_bin(&pk, author, 32);
	core_mp_str(&pk, "entries");
	msgpack_pack_array(&pk, k);
	for (i = 0; i < k; i++) {
		msgpack_pack_array(&pk, 3);
		core_mp_bin(&pk, e[i].hdr, e[i].hlen);
		core_mp_bin(&pk, e[i].sig, CORE_SIG_LEN);
		if (e[i].body != NULL)
			core_mp_bin(&pk, e[i].body, e[i].blen);
		else
			msgpack_pack_nil(&pk);
	}
	return emit(w, NULL, 0, SS_MESSAGE);
}

int
core_bundle_add_entries(struct core_bundle_writer *w,
    const uint8_t author[32], const struct core_bundle_entry *e, size_t n)
{
	size_t i, k, size;

	if (w->err != 0)
		return w->err;
	if (w->mode == CORE_BUNDLE_REQUEST || author == NULL ||
	    (e == NULL && n > 0))
		return DG_EINVAL;
	for (i = 0; i < n; i++) {
		if (e[i].hdr == NULL || e[i].hlen == 0 || e[i].sig == NULL)
			return DG_EINVAL;
		if (e[i].hlen > CORE_HDR_MAX ||
		    (e[i].body != NULL && e[i].blen > CORE_BODY_MAX))
			return DG_ELIMIT;
	}
	/* Greedy: as many entries as fit the chunk size and count limits;
	 * one entry always fits (about 66 KiB at most). */
	for (i = 0; i < n; i += k) {
		size = BATCH_FIXED;
		for (k = 0; i + k < n && k < CORE_BUNDLE_BATCH_MAX; k++) {
			if (size + entry_size(&e[i + k]) + array_hdr(k + 1) >
			    CORE_BUNDLE_CHUNK_MAX)
				break;
			size += entry_size(&e[i + k]);
		}
		w->err = add_batch(w, author, e + i, k);
		if (w->err != 0)
			return w->err;
	}
	return 0;
}

int
core_bundle_add_request(struct core_bundle_writer *w,
    const struct core_join_request *r)
{
	msgpack_packer pk;
	size_t nlen;

	if (w->err != 0)
		return w->err;
	if (w->mode != CORE_BUNDLE_REQUEST)
		return DG_EINVAL;
	nlen = name_len(r);
	if (!name_ok(r->name, nlen))
		return DG_EINVAL;
	if (core_join_verify(r, w->tag) != 0)
		return DG_ESIG;
	core_mp_packer(&pk, &w->pt);
	msgpack_pack_map(&pk, 1);
	core_mp_str(&pk, "request");
	msgpack_pack_array(&pk, 5);
	core_mp_bin(&pk, r->pk, 32);
	msgpack_pack_str(&pk, nlen);
	msgpack_pack_str_body(&pk, r->name, nlen);
	core_mp_bin(&pk, r->secret, 16);
	msgpack_pack_uint64(&pk, r->time);
	core_mp_bin(&pk, r->sig, 64);
	w->err = emit(w, NULL, 0, SS_MESSAGE);
	return w->err;
}

int
core_bundle_finish(struct core_bundle_writer *w)
{
	uint8_t msg[BUNDLE_MSG_LEN], sig[64];
	msgpack_packer pk;
	int rc = w->err;

	if (rc != 0)
		goto out;
	memcpy(msg, bundle_ctx, sizeof bundle_ctx);
	crypto_generichash_final(&w->hash, msg + sizeof bundle_ctx, 32);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, w->sk);
	core_mp_packer(&pk, &w->pt);
	msgpack_pack_map(&pk, 2);
	core_mp_str(&pk, "count");
	msgpack_pack_uint64(&pk, w->nchunks);
	core_mp_str(&pk, "sig");
	core_mp_bin(&pk, sig, sizeof sig);
	rc = emit(w, NULL, 0, SS_FINAL);
out:
	core_bundle_writer_free(w);
	return rc;
}

void
core_bundle_writer_free(struct core_bundle_writer *w)
{
	if (w == NULL)
		return;
	core_buf_fini(&w->pt);
	sodium_memzero(w, sizeof *w);
	free(w);
}
