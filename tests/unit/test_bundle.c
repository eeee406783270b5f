/* tests/unit/test_bundle.c - bundle files and join requests.
 *
 * Round trips in all three modes with real, signed entries; the byte
 * layout checked by an independent reader written here with libsodium
 * and msgpack-c; and every way a file can be wrong: wrong key,
 * truncation at every byte, any byte altered, bytes appended, a bad
 * signature, oversize length fields, and chunks whose plaintext breaks
 * the format (made by an independent writer, so they are authentic). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "core/bundle.h"
#include "core/entry.h"
#include "core/invite.h"
#include "tests/unit/t.h"

#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define SS_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

struct ident {
	uint8_t pk[32];
	uint8_t sk[64];
};

static void
ident_make(struct ident *id, uint8_t seedbyte)
{
	uint8_t seed[32];

	memset(seed, seedbyte, sizeof seed);
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
}

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

	while (n-- > 0)
		v = (v << 8) | *p++;
	return v;
}

/* A chain of real entries of one author: canonical headers, each
 * signed, random encrypted-looking bodies; some bodies not carried. */
struct chain {
	struct ident who;
	size_t n;
	uint8_t (*hdr)[CORE_HDR_MAX];
	uint8_t (*sig)[CORE_SIG_LEN];
	uint8_t **body;
	struct core_bundle_entry *e;
};

static int
chain_make(struct chain *c, uint8_t seedbyte, const uint8_t net[32],
    size_t n, size_t maxbody)
{
	struct core_hdr h;
	uint8_t prev[32];
	size_t i, blen, hlen;

	memset(c, 0, sizeof *c);
	ident_make(&c->who, seedbyte);
	c->n = n;
	c->hdr = calloc(n, sizeof *c->hdr);
	c->sig = calloc(n, sizeof *c->sig);
	c->body = calloc(n, sizeof *c->body);
	c->e = calloc(n, sizeof *c->e);
	if (!c->hdr || !c->sig || !c->body || !c->e)
		return -1;
	for (i = 0; i < n; i++) {
		blen = CORE_BODY_OVERHEAD +
		    randombytes_uniform((uint32_t)(maxbody - CORE_BODY_OVERHEAD + 1));
		c->body[i] = malloc(blen);
		if (c->body[i] == NULL)
			return -1;
		randombytes_buf(c->body[i], blen);
		memset(&h, 0, sizeof h);
		h.version = CORE_ENTRY_VERSION;
		memcpy(h.net, net, 32);
		memcpy(h.author, c->who.pk, 32);
		h.seq = i + 1;
		if (i > 0)
			memcpy(h.prev, prev, 32);
		h.hlc = 0x01a20998f7da0000u + i;
		h.kind = CORE_KIND_RECORD;
		h.epoch = 1;
		core_entry_body_hash(c->body[i], blen, h.body_hash);
		h.body_len = (uint32_t)blen;
		if (core_entry_encode(&h, c->hdr[i], CORE_HDR_MAX, &hlen) != 0)
			return -1;
		core_entry_sign(c->hdr[i], hlen, c->who.sk, c->sig[i]);
		core_entry_hash(c->hdr[i], hlen, prev);
		c->e[i].hdr = c->hdr[i];
		c->e[i].hlen = hlen;
		c->e[i].sig = c->sig[i];
		/* every fifth body travels without its body (erased) */
		if (i % 5 != 4) {
			c->e[i].body = c->body[i];
			c->e[i].blen = blen;
		}
	}
	return 0;
}

static void
chain_free(struct chain *c)
{
	size_t i;

	for (i = 0; c->body != NULL && i < c->n; i++)
		free(c->body[i]);
	free(c->hdr);
	free(c->sig);
	free(c->body);
	free(c->e);
	memset(c, 0, sizeof *c);
}

static bool
within(const struct core_bundle *b, const uint8_t *p, size_t n)
{
	return p >= b->plain && p <= b->plain + b->plain_len &&
	    n <= (size_t)(b->plain + b->plain_len - p);
}

/* The batches of b carry exactly the entries of the chains, in order,
 * and every pointer points into the bundle's plaintext. */
static bool
same_entries(const struct core_bundle *b, const struct chain *c, size_t nc)
{
	const struct core_bundle_entry *x, *y;
	size_t bi = 0, ci, k, j;

	for (ci = 0; ci < nc; ci++) {
		k = 0;
		while (k < c[ci].n) {
			if (bi == b->nbatches || b->batches[bi].n == 0 ||
			    memcmp(b->batches[bi].author, c[ci].who.pk, 32))
				return false;
			for (j = 0; j < b->batches[bi].n; j++, k++) {
				if (k == c[ci].n)
					return false;
				x = &b->batches[bi].e[j];
				y = &c[ci].e[k];
				if (x->hlen != y->hlen ||
				    memcmp(x->hdr, y->hdr, x->hlen) ||
				    memcmp(x->sig, y->sig, CORE_SIG_LEN) ||
				    (x->body == NULL) != (y->body == NULL) ||
				    !within(b, x->hdr, x->hlen) ||
				    !within(b, x->sig, CORE_SIG_LEN))
					return false;
				if (x->body != NULL &&
				    (x->blen != y->blen ||
					memcmp(x->body, y->body, x->blen) ||
					!within(b, x->body, x->blen)))
					return false;
				if (core_entry_verify(x->hdr, x->hlen,
					b->batches[bi].author, x->sig) != 0)
					return false;
			}
			bi++;
		}
	}
	return bi == b->nbatches;
}

static const uint8_t net_id[32] = { 0x6e, 0x65, 0x74, 1, 2, 3 };

static void
netkey_make(uint8_t k[32], uint8_t v)
{
	memset(k, v, 32);
}

/* A small network bundle: two entries of one author. */
static void
small_bundle(struct core_buf *out, const uint8_t netkey[32],
    struct chain *c)
{
	struct core_bundle_writer *w;
	struct ident from;

	ident_make(&from, 9);
	core_buf_init(out);
	if (chain_make(c, 1, net_id, 2, 60) != 0)
		abort();
	if (core_bundle_writer_new(out, CORE_BUNDLE_NETWORK, netkey, from.pk,
		from.sk, net_id, 1700000000, &w) != 0 ||
	    core_bundle_add_entries(w, c->who.pk, c->e, c->n) != 0 ||
	    core_bundle_finish(w) != 0)
		abort();
}

static void
test_network_round_trip(void)
{
	struct core_bundle_writer *w;
	struct core_bundle *b = NULL;
	struct core_buf out;
	struct chain c[3];
	struct ident from;
	uint8_t netkey[32];
	struct core_bundle_info info;

	T_ASSERT(sodium_init() >= 0);
	netkey_make(netkey, 0x42);
	ident_make(&from, 7);
	T_EQ_INT(chain_make(&c[0], 1, net_id, 5, 300), 0);
	T_EQ_INT(chain_make(&c[1], 2, net_id, 60, 2000), 0);
	T_EQ_INT(chain_make(&c[2], 3, net_id, 1, 40), 0);
	core_buf_init(&out);
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_NETWORK, netkey,
		     from.pk, from.sk, net_id, UINT64_MAX, &w),
	    0);
	T_EQ_INT(core_bundle_add_entries(w, c[0].who.pk, c[0].e, c[0].n), 0);
	/* the same author in two calls: two batches */
	T_EQ_INT(core_bundle_add_entries(w, c[1].who.pk, c[1].e, 20), 0);
	T_EQ_INT(core_bundle_add_entries(w, c[1].who.pk, c[1].e + 20, 40), 0);
	T_EQ_INT(core_bundle_add_entries(w, c[2].who.pk, c[2].e, c[2].n), 0);
	T_EQ_INT(core_bundle_add_entries(w, c[2].who.pk, c[2].e, 0), 0);
	T_EQ_INT(core_bundle_finish(w), 0);

	T_EQ_INT(core_bundle_info((uint8_t *)out.data, out.len, &info), 0);
	T_EQ_INT(info.mode, CORE_BUNDLE_NETWORK);
	T_EQ_INT(info.preamble_len, 8 + 1 + 8 + 24);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b), 0);
	T_EQ_INT(b->mode, CORE_BUNDLE_NETWORK);
	T_ASSERT(memcmp(b->from, from.pk, 32) == 0);
	T_ASSERT(b->has_net && memcmp(b->net, net_id, 32) == 0);
	T_ASSERT(b->time == UINT64_MAX);
	T_EQ_INT(b->nbatches, 4);
	T_EQ_INT(b->batches[1].n, 20);
	T_EQ_INT(b->batches[2].n, 40);
	T_EQ_INT(b->nreq, 0);
	/* same_entries walks c[1] across its two batches */
	T_ASSERT(same_entries(b, c, 3));
	T_ASSERT(b->batches[0].e[4].body == NULL);
	core_bundle_free(b);
	core_buf_fini(&out);
	chain_free(&c[0]);
	chain_free(&c[1]);
	chain_free(&c[2]);
}

static void
test_recipient_round_trip(void)
{
	struct core_bundle_writer *w;
	struct core_bundle *b = NULL;
	struct core_bundle_info info;
	struct core_buf out;
	struct chain c;
	struct ident from, to, other;
	uint8_t filekey[32], wrong[32];

	ident_make(&from, 7);
	ident_make(&to, 8);
	ident_make(&other, 10);
	T_EQ_INT(chain_make(&c, 1, net_id, 12, 500), 0);
	core_buf_init(&out);
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_RECIPIENT, to.pk,
		     from.pk, from.sk, net_id, 5, &w),
	    0);
	T_EQ_INT(core_bundle_add_entries(w, c.who.pk, c.e, c.n), 0);
	T_EQ_INT(core_bundle_finish(w), 0);

	T_EQ_INT(core_bundle_info((uint8_t *)out.data, out.len, &info), 0);
	T_EQ_INT(info.mode, CORE_BUNDLE_RECIPIENT);
	T_EQ_INT(info.preamble_len, 8 + 1 + 2 + 80 + 24);
	T_EQ_INT(core_bundle_open_sealed(&info, other.pk, other.sk, filekey),
	    DG_ECRYPTO);
	T_EQ_INT(core_bundle_open_sealed(&info, to.pk, to.sk, filekey), 0);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, filekey, &b), 0);
	T_ASSERT(same_entries(b, &c, 1));
	T_ASSERT(memcmp(b->from, from.pk, 32) == 0);
	T_EQ_INT(b->time, 5);
	core_bundle_free(b);
	b = NULL;
	memcpy(wrong, filekey, 32);
	wrong[0] ^= 1;
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, wrong, &b),
	    DG_ECRYPTO);
	T_ASSERT(b == NULL);
	/* Each file has its own key. */
	core_buf_reset(&out);
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_RECIPIENT, to.pk,
		     from.pk, from.sk, net_id, 5, &w),
	    0);
	T_EQ_INT(core_bundle_finish(w), 0);
	T_EQ_INT(core_bundle_info((uint8_t *)out.data, out.len, &info), 0);
	T_EQ_INT(core_bundle_open_sealed(&info, to.pk, to.sk, wrong), 0);
	T_ASSERT(memcmp(wrong, filekey, 32) != 0);
	core_buf_fini(&out);
	chain_free(&c);
}

static void
request_make(struct core_join_request *r, const struct ident *who,
    const char *name, const struct core_invite_code *code)
{
	memset(r, 0, sizeof *r);
	memcpy(r->pk, who->pk, 32);
	snprintf(r->name, sizeof r->name, "%s", name);
	memcpy(r->secret, code->secret, sizeof r->secret);
	r->time = 1795457349;
	core_join_sign(r, code->tag, who->sk);
}

/* The writer's mode 3 key: the request key, then the invite's tag. */
static void
request_keys(const struct core_invite_code *code, uint8_t rkey[32],
    uint8_t wkey[40])
{
	uint8_t id[32];

	core_invite_id(code->secret, id);
	core_invite_request_key(id, rkey);
	memcpy(wkey, rkey, 32);
	memcpy(wkey + 32, code->tag, 8);
}

static void
test_request_round_trip(void)
{
	static const char name[] = "Amina Yusuf \xd8\xa3\xd9\x85\xd9\x8a";
	struct core_bundle_writer *w;
	struct core_bundle *b = NULL;
	struct core_bundle_info info;
	struct core_join_request r, r2;
	struct core_invite_code code;
	struct core_buf out;
	struct ident who, who2;
	uint8_t rkey[32], wkey[40], wrong[32];

	ident_make(&who, 20);
	ident_make(&who2, 21);
	core_invite_net_tag(net_id, code.tag);
	randombytes_buf(code.secret, sizeof code.secret);
	request_keys(&code, rkey, wkey);
	request_make(&r, &who, name, &code);
	request_make(&r2, &who2, "x", &code);
	core_buf_init(&out);
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_REQUEST, wkey, who.pk,
		     who.sk, NULL, 1795457349, &w),
	    0);
	T_EQ_INT(core_bundle_add_request(w, &r), 0);
	T_EQ_INT(core_bundle_add_request(w, &r2), 0);
	T_EQ_INT(core_bundle_finish(w), 0);

	T_EQ_INT(core_bundle_info((uint8_t *)out.data, out.len, &info), 0);
	T_EQ_INT(info.mode, CORE_BUNDLE_REQUEST);
	T_ASSERT(memcmp(info.tag, code.tag, 8) == 0);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, rkey, &b), 0);
	T_ASSERT(!b->has_net);
	T_EQ_INT(b->nbatches, 0);
	T_EQ_INT(b->nreq, 2);
	T_ASSERT(memcmp(&b->reqs[0], &r, sizeof r) == 0);
	T_ASSERT(memcmp(&b->reqs[1], &r2, sizeof r2) == 0);
	T_EQ_STR(b->reqs[0].name, name);
	T_EQ_INT(core_join_verify(&b->reqs[0], info.tag), 0);
	core_bundle_free(b);
	b = NULL;
	memcpy(wrong, rkey, 32);
	wrong[31] ^= 0x80;
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, wrong, &b),
	    DG_ECRYPTO);
	/* A network key is no request key. */
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, net_id, &b),
	    DG_ECRYPTO);
	T_EQ_INT(core_bundle_open_sealed(&info, who.pk, who.sk, wrong),
	    DG_EINVAL);
	core_buf_fini(&out);
}

static void
test_empty_bundle(void)
{
	struct core_bundle_writer *w;
	struct core_bundle *b = NULL;
	struct core_buf out;
	struct ident from;
	uint8_t netkey[32];

	netkey_make(netkey, 1);
	ident_make(&from, 7);
	core_buf_init(&out);
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_NETWORK, netkey,
		     from.pk, from.sk, NULL, 0, &w),
	    0);
	T_EQ_INT(core_bundle_finish(w), 0);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b), 0);
	T_EQ_INT(b->nbatches, 0);
	T_EQ_INT(b->nreq, 0);
	T_ASSERT(!b->has_net);
	T_EQ_INT(b->time, 0);
	core_bundle_free(b);
	core_buf_fini(&out);
	core_bundle_free(NULL);
	core_bundle_writer_free(NULL);
}

/* msgpack helpers for the independent reader and writer. */

static void
pk_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void
pk_bin(msgpack_packer *pk, const void *p, size_t n)
{
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, p, n);
}

/* The layout as doc/protocol.md gives it, read back without bundle.c:
 * preamble bytes, stream key derivation, chunk framing, the exact
 * plaintext of each chunk and the signed message. */
static void
test_layout(void)
{
	static const uint8_t keyid_vec[8] = { 0xf6, 0xcf, 0xc3, 0xc7, 0x68,
		0x12, 0xfb, 0xae };
	static const uint8_t skey_vec[8] = { 0xc2, 0x76, 0xda, 0xa3, 0x58,
		0xa7, 0xb9, 0x0e };
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_generichash_state hs;
	struct core_bundle_writer *w;
	struct core_buf out;
	struct ident from;
	struct chain c;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t netkey[32], skey[32], id[8], pt[4096], len8[8], h[32];
	uint8_t msg[17 + 32];
	const uint8_t *d;
	unsigned long long mlen;
	unsigned char tag;
	size_t off, clen, i;

	netkey_make(netkey, 0x42);
	ident_make(&from, 7);
	T_EQ_INT(chain_make(&c, 1, net_id, 3, 100), 0);
	core_buf_init(&out);
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_NETWORK, netkey,
		     from.pk, from.sk, net_id, 1234567, &w),
	    0);
	T_EQ_INT(core_bundle_add_entries(w, c.who.pk, c.e, c.n), 0);
	T_EQ_INT(core_bundle_finish(w), 0);
	d = (const uint8_t *)out.data;

	T_ASSERT(memcmp(d, "DUGNADB\x01", 8) == 0);
	T_EQ_INT(d[8], 1);
	core_bundle_key_id(netkey, id);
	T_ASSERT(memcmp(id, keyid_vec, 8) == 0);
	T_ASSERT(memcmp(d + 9, keyid_vec, 8) == 0);
	crypto_generichash(skey, 32, netkey, 32,
	    (const uint8_t *)"dugnad bundle key", 17);
	T_ASSERT(memcmp(skey, skey_vec, 8) == 0);
	T_EQ_INT(crypto_secretstream_xchacha20poly1305_init_pull(&st, d + 17,
		     skey),
	    0);
	crypto_generichash_init(&hs, NULL, 0, 32);
	/* the signature covers the preamble (41 bytes here) first */
	put_be(len8, 41, 8);
	crypto_generichash_update(&hs, len8, 8);
	crypto_generichash_update(&hs, d, 41);
	off = 41;
	for (i = 0; i < 3; i++) {
		T_ASSERT(off + 4 <= out.len);
		clen = (size_t)get_be(d + off, 4);
		off += 4;
		T_ASSERT(clen <= sizeof pt + SS_ABYTES && off + clen <= out.len);
		T_EQ_INT(crypto_secretstream_xchacha20poly1305_pull(&st, pt,
			     &mlen, &tag, d + off, clen, i == 0 ? d : NULL,
			     i == 0 ? 41 : 0),
		    0);
		off += clen;
		T_EQ_INT(tag, i == 2 ? SS_FINAL : SS_MESSAGE);
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		if (i == 0) {
			msgpack_pack_map(&pk, 3);
			pk_str(&pk, "from");
			pk_bin(&pk, from.pk, 32);
			pk_str(&pk, "net");
			pk_bin(&pk, net_id, 32);
			pk_str(&pk, "time");
			msgpack_pack_uint64(&pk, 1234567);
		} else if (i == 1) {
			size_t j;

			msgpack_pack_map(&pk, 2);
			pk_str(&pk, "author");
			pk_bin(&pk, c.who.pk, 32);
			pk_str(&pk, "entries");
			msgpack_pack_array(&pk, 3);
			for (j = 0; j < 3; j++) {
				msgpack_pack_array(&pk, 3);
				pk_bin(&pk, c.e[j].hdr, c.e[j].hlen);
				pk_bin(&pk, c.e[j].sig, 64);
				pk_bin(&pk, c.e[j].body, c.e[j].blen);
			}
		} else {
			memcpy(msg, "dugnad bundle v1", 17);
			crypto_generichash_final(&hs, msg + 17, 32);
			/* the signature is the last 64 bytes of the chunk */
			T_ASSERT(mlen > 64);
			T_EQ_INT(crypto_sign_verify_detached(pt + mlen - 64, msg,
				     sizeof msg, from.pk),
			    0);
			msgpack_pack_map(&pk, 2);
			pk_str(&pk, "count");
			msgpack_pack_uint64(&pk, 2);
			pk_str(&pk, "sig");
			pk_bin(&pk, pt + mlen - 64, 64);
		}
		T_EQ_INT(mlen, sb.size);
		T_ASSERT(memcmp(pt, sb.data, sb.size) == 0);
		msgpack_sbuffer_destroy(&sb);
		if (i < 2) {
			put_be(len8, mlen, 8);
			crypto_generichash_update(&hs, len8, 8);
			crypto_generichash_update(&hs, pt, mlen);
		}
	}
	T_EQ_INT(off, out.len);
	(void)h;
	core_buf_fini(&out);
	chain_free(&c);
}

static void
test_wrong_key(void)
{
	struct core_bundle *b = NULL;
	struct core_buf out;
	struct chain c;
	uint8_t netkey[32], other[32];

	netkey_make(netkey, 0x42);
	netkey_make(other, 0x43);
	small_bundle(&out, netkey, &c);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, other, &b),
	    DG_ECRYPTO);
	T_ASSERT(b == NULL);
	/* the key id names the right key, the stream does not open */
	core_bundle_key_id(other, (uint8_t *)out.data + 9);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, other, &b),
	    DG_ECRYPTO);
	core_bundle_key_id(netkey, (uint8_t *)out.data + 9);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b), 0);
	core_bundle_free(b);
	core_buf_fini(&out);
	chain_free(&c);
}

static void
test_truncated(void)
{
	struct core_bundle *b = NULL;
	struct core_buf out;
	struct chain c;
	uint8_t netkey[32], *copy;
	size_t n;

	netkey_make(netkey, 0x42);
	small_bundle(&out, netkey, &c);
	for (n = 0; n < out.len; n++) {
		/* an exact-size copy, so ASan sees any read past the end */
		copy = malloc(n ? n : 1);
		T_ASSERT(copy != NULL);
		memcpy(copy, out.data, n);
		if (core_bundle_read(copy, n, netkey, &b) != DG_EDECODE)
			fprintf(stderr, "  at %zu\n", n);
		T_EQ_INT(core_bundle_read(copy, n, netkey, &b), DG_EDECODE);
		T_ASSERT(b == NULL);
		free(copy);
	}
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b), 0);
	core_bundle_free(b);
	core_buf_fini(&out);
	chain_free(&c);
}

static void
test_altered(void)
{
	static const uint8_t flips[] = { 0x01, 0x80, 0xff };
	struct core_bundle *b = NULL;
	struct core_buf out;
	struct chain c;
	uint8_t netkey[32], *d;
	size_t i, f;

	netkey_make(netkey, 0x42);
	small_bundle(&out, netkey, &c);
	d = (uint8_t *)out.data;
	for (i = 0; i < out.len; i++) {
		for (f = 0; f < sizeof flips; f++) {
			d[i] ^= flips[f];
			T_ASSERT(core_bundle_read(d, out.len, netkey, &b) != 0);
			T_ASSERT(b == NULL);
			d[i] ^= flips[f];
		}
	}
	T_EQ_INT(core_bundle_read(d, out.len, netkey, &b), 0);
	core_bundle_free(b);
	core_buf_fini(&out);
	chain_free(&c);
}

static void
test_appended(void)
{
	struct core_bundle *b = NULL;
	struct core_buf out, more;
	struct chain c;
	uint8_t netkey[32], junk[64];
	size_t len, first, n;

	netkey_make(netkey, 0x42);
	small_bundle(&out, netkey, &c);
	len = out.len;
	randombytes_buf(junk, sizeof junk);
	for (n = 1; n <= sizeof junk; n++) {
		core_buf_init(&more);
		core_buf_add(&more, out.data, len);
		core_buf_add(&more, junk, n);
		T_ASSERT(core_bundle_read((uint8_t *)more.data, more.len, netkey,
			     &b) != 0);
		core_buf_fini(&more);
	}
	/* An authentic chunk again after the final one: the final chunk,
	 * then the first chunk repeated. */
	first = 41 + 4 + (size_t)get_be((uint8_t *)out.data + 41, 4);
	core_buf_init(&more);
	core_buf_add(&more, out.data, len);
	core_buf_add(&more, out.data + 41, first - 41);
	T_EQ_INT(core_bundle_read((uint8_t *)more.data, more.len, netkey, &b),
	    DG_EDECODE);
	core_buf_fini(&more);
	/* A whole second bundle after the first. */
	core_buf_init(&more);
	core_buf_add(&more, out.data, len);
	core_buf_add(&more, out.data, len);
	T_ASSERT(core_bundle_read((uint8_t *)more.data, more.len, netkey,
		     &b) != 0);
	T_ASSERT(b == NULL);
	core_buf_fini(&more);
	core_buf_fini(&out);
	chain_free(&c);
}

static void
test_bad_signature(void)
{
	struct core_bundle_writer *w;
	struct core_bundle *b = NULL;
	struct core_buf out;
	struct ident from, thief;
	struct chain c;
	uint8_t netkey[32];

	netkey_make(netkey, 0x42);
	ident_make(&from, 7);
	ident_make(&thief, 66);
	T_EQ_INT(chain_make(&c, 1, net_id, 3, 100), 0);
	core_buf_init(&out);
	/* claims to be from, signs with another key */
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_NETWORK, netkey,
		     from.pk, thief.sk, net_id, 1, &w),
	    0);
	T_EQ_INT(core_bundle_add_entries(w, c.who.pk, c.e, c.n), 0);
	T_EQ_INT(core_bundle_finish(w), 0);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b),
	    DG_ESIG);
	T_ASSERT(b == NULL);
	core_buf_fini(&out);
	chain_free(&c);
}

static void
test_oversize_length(void)
{
	static const uint32_t lens[] = { 0xffffffffu, 0x80000000u,
		CORE_BUNDLE_CHUNK_MAX + SS_ABYTES + 1 };
	struct core_bundle *b = NULL;
	struct core_buf out;
	struct chain c;
	uint8_t netkey[32], *copy;
	size_t i;

	netkey_make(netkey, 0x42);
	small_bundle(&out, netkey, &c);
	copy = malloc(out.len);
	T_ASSERT(copy != NULL);
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		memcpy(copy, out.data, out.len);
		put_be(copy + 41, lens[i], 4);
		T_EQ_INT(core_bundle_read(copy, out.len, netkey, &b),
		    DG_ELIMIT);
		T_ASSERT(b == NULL);
	}
	/* within the limit but past the end of the file */
	memcpy(copy, out.data, out.len);
	put_be(copy + 41, CORE_BUNDLE_CHUNK_MAX + SS_ABYTES, 4);
	T_EQ_INT(core_bundle_read(copy, out.len, netkey, &b), DG_EDECODE);
	/* shorter than a tag */
	put_be(copy + 41, SS_ABYTES - 1, 4);
	T_EQ_INT(core_bundle_read(copy, out.len, netkey, &b), DG_EDECODE);
	/* the file size is checked before a byte is read */
	T_EQ_INT(core_bundle_read(copy, CORE_BUNDLE_FILE_MAX + 1, netkey, &b),
	    DG_ELIMIT);
	free(copy);
	core_buf_fini(&out);
	chain_free(&c);
}

static void
test_info(void)
{
	struct core_bundle_info info;
	uint8_t d[200];

	memset(d, 0, sizeof d);
	memcpy(d, "DUGNADB\x01", 8);
	d[8] = 1;
	T_EQ_INT(core_bundle_info(d, 41, &info), 0);
	T_EQ_INT(info.preamble_len, 41);
	T_EQ_INT(core_bundle_info(d, 40, &info), DG_EDECODE);
	d[8] = 2;
	T_EQ_INT(core_bundle_info(d, 115, &info), DG_EDECODE); /* 0 slots */
	d[10] = 1;
	T_EQ_INT(core_bundle_info(d, 114, &info), DG_EDECODE);
	T_EQ_INT(core_bundle_info(d, 115, &info), 0);
	T_EQ_INT(info.nslots, 1);
	d[10] = 0;
	d[8] = 3;
	T_EQ_INT(core_bundle_info(d, 41, &info), 0);
	d[8] = 0;
	T_EQ_INT(core_bundle_info(d, 200, &info), DG_EDECODE);
	d[8] = 4;
	T_EQ_INT(core_bundle_info(d, 200, &info), DG_EDECODE);
	d[8] = 1;
	d[7] = 2;
	T_EQ_INT(core_bundle_info(d, 200, &info), DG_EVERSION);
	d[7] = 1;
	d[0] = 'd';
	T_EQ_INT(core_bundle_info(d, 200, &info), DG_EDECODE);
	T_EQ_INT(core_bundle_info(d, 0, &info), DG_EDECODE);
}

/* Entries are split so each chunk holds at most CORE_BUNDLE_BATCH_MAX
 * entries and CORE_BUNDLE_CHUNK_MAX bytes of plaintext. */
static void
check_chunks(const struct core_buf *out, size_t pre, size_t *max)
{
	const uint8_t *d = (const uint8_t *)out->data;
	size_t off = pre, clen;

	*max = 0;
	while (off < out->len) {
		clen = (size_t)get_be(d + off, 4);
		if (clen > *max)
			*max = clen;
		off += 4 + clen;
	}
	if (off != out->len)
		*max = SIZE_MAX;
}

static void
test_split(void)
{
	struct core_bundle_writer *w;
	struct core_bundle *b = NULL;
	struct core_bundle_entry *e;
	struct core_buf out;
	struct ident from;
	uint8_t netkey[32], author[32], hdr[CORE_HDR_MAX], sig[64], *body;
	size_t i, n = 10000, max, total;

	netkey_make(netkey, 0x42);
	ident_make(&from, 7);
	memset(author, 0xaa, sizeof author);
	randombytes_buf(hdr, sizeof hdr);
	randombytes_buf(sig, sizeof sig);
	body = malloc(CORE_BODY_MAX);
	e = calloc(n, sizeof *e);
	T_ASSERT(body != NULL && e != NULL);
	randombytes_buf(body, CORE_BODY_MAX);
	/* the reader leaves headers to the store: any bytes will do */
	for (i = 0; i < n; i++) {
		e[i].hdr = hdr;
		e[i].hlen = 1 + i % CORE_HDR_MAX;
		e[i].sig = sig;
	}
	core_buf_init(&out);
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_NETWORK, netkey,
		     from.pk, from.sk, net_id, 1, &w),
	    0);
	T_EQ_INT(core_bundle_add_entries(w, author, e, n), 0);
	for (i = 0; i < 40; i++) {
		e[i].body = body;
		e[i].blen = CORE_BODY_MAX - i;
		e[i].hlen = CORE_HDR_MAX;
	}
	T_EQ_INT(core_bundle_add_entries(w, author, e, 40), 0);
	T_EQ_INT(core_bundle_finish(w), 0);
	check_chunks(&out, 41, &max);
	T_ASSERT(max <= CORE_BUNDLE_CHUNK_MAX + SS_ABYTES);
	/* the big entries fill chunks close to the limit */
	T_ASSERT(max > CORE_BUNDLE_CHUNK_MAX - 70000);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b), 0);
	T_ASSERT(b->nbatches >= 6);
	T_EQ_INT(b->batches[0].n, CORE_BUNDLE_BATCH_MAX);
	T_EQ_INT(b->batches[1].n, CORE_BUNDLE_BATCH_MAX);
	T_EQ_INT(b->batches[2].n, n - 2 * CORE_BUNDLE_BATCH_MAX);
	total = 0;
	for (i = 3; i < b->nbatches; i++) {
		T_ASSERT(b->batches[i].n < 40);
		total += b->batches[i].n;
	}
	T_EQ_INT(total, 40);
	T_EQ_INT(b->batches[b->nbatches - 1].e[b->batches[b->nbatches - 1].n -
		     1].blen,
	    CORE_BODY_MAX - 39);
	T_ASSERT(memcmp(b->batches[3].e[0].body, body, CORE_BODY_MAX) == 0);
	core_bundle_free(b);
	core_buf_fini(&out);
	free(body);
	free(e);
}

static void
test_writer_refuses(void)
{
	struct core_bundle_writer *w;
	struct core_bundle_entry e;
	struct core_join_request r;
	struct core_invite_code code;
	struct core_buf out;
	struct ident from;
	uint8_t netkey[32], hdr[CORE_HDR_MAX + 1], sig[64], body[1];
	uint8_t rkey[32], wkey[40], bad_pk[32];

	netkey_make(netkey, 0x42);
	ident_make(&from, 7);
	memset(hdr, 1, sizeof hdr);
	memset(sig, 2, sizeof sig);
	core_buf_init(&out);
	T_EQ_INT(core_bundle_writer_new(&out, 0, netkey, from.pk, from.sk, NULL,
		     0, &w),
	    DG_EINVAL);
	T_ASSERT(w == NULL);
	T_EQ_INT(core_bundle_writer_new(&out, 4, netkey, from.pk, from.sk, NULL,
		     0, &w),
	    DG_EINVAL);
	T_EQ_INT(core_bundle_writer_new(&out, 1, NULL, from.pk, from.sk, NULL,
		     0, &w),
	    DG_EINVAL);
	/* not a point on the curve: no recipient */
	memset(bad_pk, 0xff, sizeof bad_pk);
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_RECIPIENT, bad_pk,
		     from.pk, from.sk, NULL, 0, &w),
	    DG_EINVAL);
	T_EQ_INT(out.len, 0);

	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_NETWORK, netkey,
		     from.pk, from.sk, NULL, 0, &w),
	    0);
	memset(&e, 0, sizeof e);
	e.hdr = hdr;
	e.sig = sig;
	T_EQ_INT(core_bundle_add_entries(w, from.pk, &e, 1), DG_EINVAL);
	e.hlen = CORE_HDR_MAX + 1;
	T_EQ_INT(core_bundle_add_entries(w, from.pk, &e, 1), DG_ELIMIT);
	e.hlen = CORE_HDR_MAX;
	e.body = body;
	e.blen = CORE_BODY_MAX + 1;
	T_EQ_INT(core_bundle_add_entries(w, from.pk, &e, 1), DG_ELIMIT);
	e.blen = 1;
	e.sig = NULL;
	T_EQ_INT(core_bundle_add_entries(w, from.pk, &e, 1), DG_EINVAL);
	e.sig = sig;
	core_invite_net_tag(net_id, code.tag);
	memset(code.secret, 3, sizeof code.secret);
	request_make(&r, &from, "Jo", &code);
	/* requests only in mode 3 */
	T_EQ_INT(core_bundle_add_request(w, &r), DG_EINVAL);
	/* refused input writes nothing: the bundle is still good */
	T_EQ_INT(core_bundle_add_entries(w, from.pk, &e, 1), 0);
	core_bundle_writer_free(w);

	core_buf_reset(&out);
	request_keys(&code, rkey, wkey);
	T_EQ_INT(core_bundle_writer_new(&out, CORE_BUNDLE_REQUEST, wkey,
		     from.pk, from.sk, NULL, 0, &w),
	    0);
	/* entries only in modes 1 and 2 */
	T_EQ_INT(core_bundle_add_entries(w, from.pk, &e, 1), DG_EINVAL);
	r.time++;
	T_EQ_INT(core_bundle_add_request(w, &r), DG_ESIG);
	r.time--;
	r.name[0] = '\0';
	T_EQ_INT(core_bundle_add_request(w, &r), DG_EINVAL);
	snprintf(r.name, sizeof r.name, "a\x1b[2Jb");
	T_EQ_INT(core_bundle_add_request(w, &r), DG_EINVAL);
	memset(r.name, 'a', sizeof r.name);
	T_EQ_INT(core_bundle_add_request(w, &r), DG_EINVAL);
	snprintf(r.name, sizeof r.name, "Jo");
	T_EQ_INT(core_bundle_add_request(w, &r), 0);
	T_EQ_INT(core_bundle_finish(w), 0);
	core_buf_fini(&out);
}

static void
test_join_sign_verify(void)
{
	struct core_join_request r, x;
	struct core_invite_code code;
	struct ident who, other;
	uint8_t tag2[8];
	size_t i;

	ident_make(&who, 30);
	ident_make(&other, 31);
	core_invite_net_tag(net_id, code.tag);
	randombytes_buf(code.secret, sizeof code.secret);
	request_make(&r, &who, "Marta Kowalska", &code);
	T_EQ_INT(core_join_verify(&r, code.tag), 0);
	memcpy(tag2, code.tag, 8);
	tag2[7] ^= 1;
	T_EQ_INT(core_join_verify(&r, tag2), DG_ESIG);

	for (i = 0; i < 32; i++) {
		x = r;
		x.pk[i] ^= 1;
		T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	}
	for (i = 0; i < 16; i++) {
		x = r;
		x.secret[i] ^= 0x10;
		T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	}
	for (i = 0; i < 64; i++) {
		x = r;
		x.sig[i] ^= 0x04;
		T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	}
	for (i = 0; i < 64; i++) {
		x = r;
		x.time ^= (uint64_t)1 << i;
		T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	}
	x = r;
	x.name[0] = 'm';
	T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	x = r;
	x.name[strlen(x.name) - 1] = '\0'; /* shortened */
	T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	/* someone else's key over the same fields */
	x = r;
	core_join_sign(&x, code.tag, other.sk);
	T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	/* names that could never be signed are refused */
	x = r;
	x.name[0] = '\0';
	core_join_sign(&x, code.tag, who.sk);
	T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	x = r;
	snprintf(x.name, sizeof x.name, "tab\there");
	core_join_sign(&x, code.tag, who.sk);
	T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	x = r;
	snprintf(x.name, sizeof x.name, "bad \xc3\x28 utf8");
	core_join_sign(&x, code.tag, who.sk);
	T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
	x = r;
	memset(x.name, 'n', CORE_JOIN_NAME_MAX);
	x.name[CORE_JOIN_NAME_MAX] = '\0';
	core_join_sign(&x, code.tag, who.sk);
	T_EQ_INT(core_join_verify(&x, code.tag), 0);
	x.name[CORE_JOIN_NAME_MAX] = 'n'; /* not terminated */
	T_EQ_INT(core_join_verify(&x, code.tag), DG_ESIG);
}

/* An independent writer: chunks with any plaintext and tag, encrypted
 * and (when final is set) closed with a correct count and signature, so
 * the reader's checks of the plaintext can be reached. */
struct raw {
	const uint8_t *p;
	size_t n;
	unsigned char tag;
};

static void
raw_bundle(struct core_buf *out, int mode, const uint8_t key[32],
    const uint8_t tag8[8], const struct raw *c, size_t nc,
    const struct ident *signer, bool final, uint64_t count)
{
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_generichash_state hs;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t pre[41], skey[32], len8[8], len4[4], *ct, msg[17 + 32];
	uint8_t sig[64];
	size_t i;

	memcpy(pre, "DUGNADB\x01", 8);
	pre[8] = (uint8_t)mode;
	if (mode == CORE_BUNDLE_NETWORK) {
		core_bundle_key_id(key, pre + 9);
		crypto_generichash(skey, 32, key, 32,
		    (const uint8_t *)"dugnad bundle key", 17);
	} else {
		memcpy(pre + 9, tag8, 8);
		memcpy(skey, key, 32);
	}
	crypto_secretstream_xchacha20poly1305_init_push(&st, pre + 17, skey);
	core_buf_init(out);
	core_buf_add(out, pre, sizeof pre);
	crypto_generichash_init(&hs, NULL, 0, 32);
	{
		uint8_t l8[8];

		put_be(l8, sizeof pre, 8);
		crypto_generichash_update(&hs, l8, 8);
		crypto_generichash_update(&hs, pre, sizeof pre);
	}
	for (i = 0; i < nc + final; i++) {
		struct raw r;

		msgpack_sbuffer_init(&sb);
		if (i < nc) {
			r = c[i];
		} else {
			memcpy(msg, "dugnad bundle v1", 17);
			crypto_generichash_final(&hs, msg + 17, 32);
			crypto_sign_detached(sig, NULL, msg, sizeof msg,
			    signer->sk);
			msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
			msgpack_pack_map(&pk, 2);
			pk_str(&pk, "count");
			msgpack_pack_uint64(&pk, count);
			pk_str(&pk, "sig");
			pk_bin(&pk, sig, 64);
			r.p = (const uint8_t *)sb.data;
			r.n = sb.size;
			r.tag = SS_FINAL;
		}
		ct = malloc(r.n + SS_ABYTES);
		if (ct == NULL)
			abort();
		crypto_secretstream_xchacha20poly1305_push(&st, ct, NULL, r.p,
		    r.n, i == 0 ? pre : NULL, i == 0 ? sizeof pre : 0, r.tag);
		put_be(len4, r.n + SS_ABYTES, 4);
		core_buf_add(out, len4, 4);
		core_buf_add(out, ct, r.n + SS_ABYTES);
		free(ct);
		if (i < nc) {
			put_be(len8, r.n, 8);
			crypto_generichash_update(&hs, len8, 8);
			crypto_generichash_update(&hs, r.p, r.n);
		}
		msgpack_sbuffer_destroy(&sb);
	}
}

/* Plaintexts built by variant: each function packs one chunk. */
enum {
	P_FIRST, P_FIRST_ORDER, P_FIRST_NO_TIME, P_FIRST_EXTRA, P_FIRST_NET_STR,
	P_FIRST_FROM_31,
	P_BATCH, P_BATCH_EMPTY, P_BATCH_HDR0, P_BATCH_HDR_BIG, P_BATCH_SIG63,
	P_BATCH_BODY_STR, P_BATCH_BODY_BIG, P_BATCH_TOO_MANY, P_BATCH_4ITEMS,
	P_BATCH_ORDER, P_BATCH_TRAILING, P_BATCH_DEPTH,
	P_UNKNOWN, P_EMPTY_MAP, P_NOT_MAP, P_FLOAT,
	P_REQUEST, P_REQUEST_CTRL, P_REQUEST_UTF8, P_REQUEST_LONG,
	P_REQUEST_EMPTY_NAME, P_REQUEST_BADSIG, P_REQUEST_SECRET15,
	P_FINAL_FAKE,
};

struct ctx {
	struct ident from;
	struct core_join_request req;
	struct core_invite_code code;
	uint8_t hdr[CORE_HDR_MAX + 1];
};

static void
pack_entry(msgpack_packer *pk, const struct ctx *x, size_t hlen,
    size_t slen)
{
	msgpack_pack_array(pk, 3);
	pk_bin(pk, x->hdr, hlen);
	pk_bin(pk, x->hdr, slen);
	pk_bin(pk, x->hdr, 50);
}

static void
pack_request(msgpack_packer *pk, const struct core_join_request *r,
    const char *name, size_t nlen, size_t slen)
{
	msgpack_pack_map(pk, 1);
	pk_str(pk, "request");
	msgpack_pack_array(pk, 5);
	pk_bin(pk, r->pk, 32);
	msgpack_pack_str(pk, nlen);
	msgpack_pack_str_body(pk, name, nlen);
	pk_bin(pk, r->secret, slen);
	msgpack_pack_uint64(pk, r->time);
	pk_bin(pk, r->sig, 64);
}

static void
pack_variant(msgpack_sbuffer *sb, int v, const struct ctx *x)
{
	static const uint8_t big[CORE_BODY_MAX + 1];
	msgpack_packer pk;
	struct core_join_request r = x->req;
	char name[CORE_JOIN_NAME_MAX + 2];
	size_t i;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	switch (v) {
	case P_FIRST:
	case P_FIRST_ORDER:
	case P_FIRST_NO_TIME:
	case P_FIRST_EXTRA:
	case P_FIRST_NET_STR:
	case P_FIRST_FROM_31:
		msgpack_pack_map(&pk, v == P_FIRST_NO_TIME ? 2 :
			v == P_FIRST_EXTRA ? 4 : 3);
		if (v == P_FIRST_ORDER) {
			pk_str(&pk, "net");
			msgpack_pack_nil(&pk);
		}
		pk_str(&pk, "from");
		pk_bin(&pk, x->from.pk, v == P_FIRST_FROM_31 ? 31 : 32);
		if (v != P_FIRST_ORDER) {
			pk_str(&pk, "net");
			if (v == P_FIRST_NET_STR)
				pk_str(&pk, "net");
			else
				msgpack_pack_nil(&pk);
		}
		if (v != P_FIRST_NO_TIME) {
			pk_str(&pk, "time");
			msgpack_pack_uint64(&pk, 99);
		}
		if (v == P_FIRST_EXTRA) {
			pk_str(&pk, "more");
			msgpack_pack_uint64(&pk, 1);
		}
		break;
	case P_BATCH_ORDER:
		msgpack_pack_map(&pk, 2);
		pk_str(&pk, "entries");
		msgpack_pack_array(&pk, 1);
		pack_entry(&pk, x, 10, 64);
		pk_str(&pk, "author");
		pk_bin(&pk, x->from.pk, 32);
		break;
	case P_BATCH:
	case P_BATCH_EMPTY:
	case P_BATCH_HDR0:
	case P_BATCH_HDR_BIG:
	case P_BATCH_SIG63:
	case P_BATCH_BODY_STR:
	case P_BATCH_BODY_BIG:
	case P_BATCH_TOO_MANY:
	case P_BATCH_4ITEMS:
	case P_BATCH_TRAILING:
	case P_BATCH_DEPTH:
		msgpack_pack_map(&pk, 2);
		pk_str(&pk, "author");
		pk_bin(&pk, x->from.pk, 32);
		pk_str(&pk, "entries");
		if (v == P_BATCH_EMPTY) {
			msgpack_pack_array(&pk, 0);
		} else if (v == P_BATCH_TOO_MANY) {
			msgpack_pack_array(&pk, CORE_BUNDLE_BATCH_MAX + 1);
			for (i = 0; i <= CORE_BUNDLE_BATCH_MAX; i++)
				pack_entry(&pk, x, 10, 64);
		} else {
			msgpack_pack_array(&pk, 2);
			pack_entry(&pk, x, 10, 64);
			if (v == P_BATCH_HDR0)
				pack_entry(&pk, x, 0, 64);
			else if (v == P_BATCH_HDR_BIG)
				pack_entry(&pk, x, CORE_HDR_MAX + 1, 64);
			else if (v == P_BATCH_SIG63)
				pack_entry(&pk, x, 10, 63);
			else if (v == P_BATCH_4ITEMS) {
				msgpack_pack_array(&pk, 4);
				pk_bin(&pk, x->hdr, 10);
				pk_bin(&pk, x->hdr, 64);
				msgpack_pack_nil(&pk);
				msgpack_pack_nil(&pk);
			} else if (v == P_BATCH_BODY_STR ||
			    v == P_BATCH_BODY_BIG || v == P_BATCH_DEPTH) {
				msgpack_pack_array(&pk, 3);
				pk_bin(&pk, x->hdr, 10);
				pk_bin(&pk, x->hdr, 64);
				if (v == P_BATCH_BODY_STR)
					pk_str(&pk, "body");
				else if (v == P_BATCH_DEPTH)
					msgpack_pack_array(&pk, 0);
				else
					pk_bin(&pk, big, sizeof big);
			} else {
				msgpack_pack_array(&pk, 3);
				pk_bin(&pk, x->hdr, CORE_HDR_MAX);
				pk_bin(&pk, x->hdr, 64);
				msgpack_pack_nil(&pk);
			}
		}
		if (v == P_BATCH_TRAILING)
			msgpack_pack_nil(&pk);
		break;
	case P_UNKNOWN:
		msgpack_pack_map(&pk, 1);
		pk_str(&pk, "foo");
		msgpack_pack_uint64(&pk, 1);
		break;
	case P_EMPTY_MAP:
		msgpack_pack_map(&pk, 0);
		break;
	case P_NOT_MAP:
		msgpack_pack_array(&pk, 1);
		msgpack_pack_nil(&pk);
		break;
	case P_FLOAT:
		msgpack_pack_map(&pk, 1);
		pk_str(&pk, "author");
		msgpack_pack_double(&pk, 1.5);
		break;
	case P_REQUEST:
		pack_request(&pk, &r, r.name, strlen(r.name), 16);
		break;
	case P_REQUEST_SECRET15:
		pack_request(&pk, &r, r.name, strlen(r.name), 15);
		break;
	case P_REQUEST_CTRL:
		pack_request(&pk, &r, "a\rb", 3, 16);
		break;
	case P_REQUEST_UTF8:
		pack_request(&pk, &r, "a\xff", 2, 16);
		break;
	case P_REQUEST_EMPTY_NAME:
		pack_request(&pk, &r, "", 0, 16);
		break;
	case P_REQUEST_LONG:
		memset(name, 'n', sizeof name);
		pack_request(&pk, &r, name, CORE_JOIN_NAME_MAX + 1, 16);
		break;
	case P_REQUEST_BADSIG:
		r.time++;
		pack_request(&pk, &r, r.name, strlen(r.name), 16);
		break;
	case P_FINAL_FAKE:
		msgpack_pack_map(&pk, 2);
		pk_str(&pk, "count");
		msgpack_pack_uint64(&pk, 1);
		pk_str(&pk, "sig");
		pk_bin(&pk, x->hdr, 64);
		break;
	}
}

/* Builds a bundle of the given chunk variants (all TAG_MESSAGE) plus a
 * correct final chunk, and reads it. */
static int
try_chunks(const struct ctx *x, int mode, const int *v, size_t nv,
    struct core_bundle **b)
{
	msgpack_sbuffer sb[8];
	struct raw c[8];
	struct core_buf out;
	uint8_t netkey[32], id[32], rkey[32];
	size_t i;
	int rc;

	netkey_make(netkey, 0x42);
	core_invite_id(x->code.secret, id);
	core_invite_request_key(id, rkey);
	for (i = 0; i < nv; i++) {
		msgpack_sbuffer_init(&sb[i]);
		pack_variant(&sb[i], v[i], x);
		c[i].p = (const uint8_t *)sb[i].data;
		c[i].n = sb[i].size;
		c[i].tag = SS_MESSAGE;
	}
	raw_bundle(&out, mode, mode == 1 ? netkey : rkey, x->code.tag, c, nv,
	    &x->from, true, nv);
	rc = core_bundle_read((uint8_t *)out.data, out.len,
	    mode == 1 ? netkey : rkey, b);
	for (i = 0; i < nv; i++)
		msgpack_sbuffer_destroy(&sb[i]);
	core_buf_fini(&out);
	return rc;
}

static void
ctx_make(struct ctx *x)
{
	ident_make(&x->from, 7);
	memset(x->hdr, 0x5a, sizeof x->hdr);
	core_invite_net_tag(net_id, x->code.tag);
	memset(x->code.secret, 0x77, sizeof x->code.secret);
	request_make(&x->req, &x->from, "S\xc3\xa6ter", &x->code);
}

static void
test_independent_writer(void)
{
	struct core_bundle *b = NULL;
	struct ctx x;
	int ok1[] = { P_FIRST, P_BATCH, P_BATCH };
	int ok3[] = { P_FIRST, P_REQUEST, P_REQUEST };

	ctx_make(&x);
	T_EQ_INT(try_chunks(&x, 1, ok1, 3, &b), 0);
	T_EQ_INT(b->nbatches, 2);
	T_EQ_INT(b->batches[1].n, 2);
	T_EQ_INT(b->batches[1].e[1].hlen, CORE_HDR_MAX);
	T_ASSERT(b->batches[1].e[1].body == NULL);
	T_EQ_INT(b->batches[1].e[0].blen, 50);
	core_bundle_free(b);
	b = NULL;
	T_EQ_INT(try_chunks(&x, 3, ok3, 3, &b), 0);
	T_EQ_INT(b->nreq, 2);
	T_EQ_STR(b->reqs[1].name, "S\xc3\xa6ter");
	core_bundle_free(b);
}

static void
test_bad_chunks(void)
{
	static const struct {
		int mode;
		int v[3];
		size_t n;
		int rc;
	} cases[] = {
		{ 1, { P_FIRST_ORDER }, 1, DG_EDECODE },
		{ 1, { P_FIRST_NO_TIME }, 1, DG_EDECODE },
		{ 1, { P_FIRST_EXTRA }, 1, DG_EDECODE },
		{ 1, { P_FIRST_NET_STR }, 1, DG_EDECODE },
		{ 1, { P_FIRST_FROM_31 }, 1, DG_EDECODE },
		{ 1, { P_BATCH }, 1, DG_EDECODE },           /* no "from" */
		{ 1, { P_FIRST, P_FIRST }, 2, DG_EDECODE },  /* two */
		{ 1, { P_FIRST, P_BATCH_EMPTY }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_BATCH_HDR0 }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_BATCH_HDR_BIG }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_BATCH_SIG63 }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_BATCH_BODY_STR }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_BATCH_BODY_BIG }, 2, DG_ELIMIT },
		{ 1, { P_FIRST, P_BATCH_TOO_MANY }, 2, DG_ELIMIT },
		{ 1, { P_FIRST, P_BATCH_4ITEMS }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_BATCH_ORDER }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_BATCH_TRAILING }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_BATCH_DEPTH }, 2, DG_ELIMIT },
		{ 1, { P_FIRST, P_UNKNOWN }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_EMPTY_MAP }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_NOT_MAP }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_FLOAT }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_FINAL_FAKE }, 2, DG_EDECODE },
		{ 1, { P_FIRST, P_REQUEST }, 2, DG_EDECODE }, /* mode 1 */
		{ 3, { P_FIRST, P_BATCH }, 2, DG_EDECODE },   /* mode 3 */
		{ 3, { P_FIRST, P_REQUEST_CTRL }, 2, DG_EDECODE },
		{ 3, { P_FIRST, P_REQUEST_UTF8 }, 2, DG_EDECODE },
		{ 3, { P_FIRST, P_REQUEST_EMPTY_NAME }, 2, DG_EDECODE },
		{ 3, { P_FIRST, P_REQUEST_LONG }, 2, DG_ELIMIT },
		{ 3, { P_FIRST, P_REQUEST_SECRET15 }, 2, DG_EDECODE },
		{ 3, { P_FIRST, P_REQUEST, P_REQUEST_BADSIG }, 3, DG_ESIG },
	};
	struct core_bundle *b = NULL;
	struct ctx x;
	size_t i;
	int rc;

	ctx_make(&x);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc = try_chunks(&x, cases[i].mode, cases[i].v, cases[i].n, &b);
		if (rc != cases[i].rc)
			fprintf(stderr, "  case %zu: %d\n", i, rc);
		T_EQ_INT(rc, cases[i].rc);
		T_ASSERT(b == NULL);
	}
}

/* Tags and counts: the reader takes only TAG_MESSAGE before the end and
 * TAG_FINAL at the end, and the count of chunks before it. */
static void
test_tags_and_count(void)
{
	msgpack_sbuffer sb[3];
	struct raw c[3];
	struct core_bundle *b = NULL;
	struct core_buf out;
	struct ctx x;
	uint8_t netkey[32];
	size_t i;

	ctx_make(&x);
	netkey_make(netkey, 0x42);
	for (i = 0; i < 3; i++) {
		msgpack_sbuffer_init(&sb[i]);
		pack_variant(&sb[i], i == 0 ? P_FIRST : P_BATCH, &x);
		c[i].p = (const uint8_t *)sb[i].data;
		c[i].n = sb[i].size;
		c[i].tag = SS_MESSAGE;
	}
	/* the right count, the wrong ones */
	raw_bundle(&out, 1, netkey, NULL, c, 3, &x.from, true, 3);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b), 0);
	core_bundle_free(b);
	b = NULL;
	core_buf_fini(&out);
	raw_bundle(&out, 1, netkey, NULL, c, 3, &x.from, true, 2);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b),
	    DG_EDECODE);
	core_buf_fini(&out);
	raw_bundle(&out, 1, netkey, NULL, c, 3, &x.from, true, 4);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b),
	    DG_EDECODE);
	core_buf_fini(&out);
	/* no final chunk at all */
	raw_bundle(&out, 1, netkey, NULL, c, 3, &x.from, false, 0);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b),
	    DG_EDECODE);
	core_buf_fini(&out);
	/* TAG_FINAL on a middle chunk */
	c[1].tag = SS_FINAL;
	raw_bundle(&out, 1, netkey, NULL, c, 3, &x.from, true, 3);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b),
	    DG_EDECODE);
	core_buf_fini(&out);
	/* other tags are not ours */
	c[1].tag = crypto_secretstream_xchacha20poly1305_TAG_PUSH;
	raw_bundle(&out, 1, netkey, NULL, c, 3, &x.from, true, 3);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b),
	    DG_EDECODE);
	core_buf_fini(&out);
	/* an empty plaintext chunk */
	c[1].tag = SS_MESSAGE;
	c[1].n = 0;
	raw_bundle(&out, 1, netkey, NULL, c, 3, &x.from, true, 3);
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b),
	    DG_EDECODE);
	core_buf_fini(&out);
	/* signed by someone other than "from" */
	c[1].n = sb[1].size;
	{
		struct ident thief;

		ident_make(&thief, 99);
		raw_bundle(&out, 1, netkey, NULL, c, 3, &thief, true, 3);
	}
	T_EQ_INT(core_bundle_read((uint8_t *)out.data, out.len, netkey, &b),
	    DG_ESIG);
	core_buf_fini(&out);
	T_ASSERT(b == NULL);
	for (i = 0; i < 3; i++)
		msgpack_sbuffer_destroy(&sb[i]);
}

T_MAIN(T_CASE(test_network_round_trip), T_CASE(test_recipient_round_trip),
    T_CASE(test_request_round_trip), T_CASE(test_empty_bundle),
    T_CASE(test_layout), T_CASE(test_wrong_key), T_CASE(test_truncated),
    T_CASE(test_altered), T_CASE(test_appended), T_CASE(test_bad_signature),
    T_CASE(test_oversize_length), T_CASE(test_info), T_CASE(test_split),
    T_CASE(test_writer_refuses), T_CASE(test_join_sign_verify),
    T_CASE(test_independent_writer), T_CASE(test_bad_chunks),
    T_CASE(test_tags_and_count))
