#include "core/entry.h"

#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "core/box.h"
#include "core/mp.h"

/* Signatures are made over a context string and the entry hash, so an
 * identity key's signature on an entry can never be mistaken for one on
 * another kind of message (handshakes, bundles). */
static const char sign_ctx[] = "dugnad entry v1";

const char *
core_entry_kind_name(uint8_t kind)
{
	switch (kind) {
	case CORE_KIND_GENESIS: return "genesis";
	case CORE_KIND_KEYS: return "keys";
	case CORE_KIND_ADMIT: return "admit";
	case CORE_KIND_REVOKE: return "revoke";
	case CORE_KIND_INVITE: return "invite";
	case CORE_KIND_UNINVITE: return "uninvite";
	case CORE_KIND_RECORD: return "record";
	case CORE_KIND_REMOVE: return "remove";
	case CORE_KIND_ERASE: return "erase";
	}
	return "unknown";
}

static bool
kind_known(uint8_t kind)
{
	return strcmp(core_entry_kind_name(kind), "unknown") != 0;
}

static bool
is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* msgpack_packer writes through a callback; this one fills a fixed
 * buffer and records overflow. */
struct fixed {
	uint8_t *p;
	size_t cap, len;
	int overflow;
};

static int
fixed_write(void *data, const char *buf, size_t len)
{
	struct fixed *f = data;

	if (len > f->cap - f->len) {
		f->overflow = 1;
		return -1;
	}
	memcpy(f->p + f->len, buf, len);
	f->len += len;
	return 0;
}

int
core_entry_encode(const struct core_hdr *h, uint8_t *out, size_t cap,
    size_t *len)
{
	struct fixed f = { out, cap, 0, 0 };
	msgpack_packer pk;

	if (h->seq == 0 || h->body_len > CORE_BODY_MAX)
		return DG_EINVAL;
	msgpack_packer_init(&pk, &f, fixed_write);
	msgpack_pack_array(&pk, 10);
	msgpack_pack_uint8(&pk, h->version);
	msgpack_pack_bin(&pk, CORE_KEY_LEN);
	msgpack_pack_bin_body(&pk, h->net, CORE_KEY_LEN);
	msgpack_pack_bin(&pk, CORE_KEY_LEN);
	msgpack_pack_bin_body(&pk, h->author, CORE_KEY_LEN);
	msgpack_pack_uint64(&pk, h->seq);
	if (h->seq == 1) {
		msgpack_pack_nil(&pk);
	} else {
		msgpack_pack_bin(&pk, CORE_KEY_LEN);
		msgpack_pack_bin_body(&pk, h->prev, CORE_KEY_LEN);
	}
	msgpack_pack_uint64(&pk, h->hlc);
	msgpack_pack_uint8(&pk, h->kind);
	msgpack_pack_uint32(&pk, h->epoch);
	msgpack_pack_bin(&pk, CORE_KEY_LEN);
	msgpack_pack_bin_body(&pk, h->body_hash, CORE_KEY_LEN);
	msgpack_pack_uint32(&pk, h->body_len);
	if (f.overflow)
		return DG_EINVAL;
	*len = f.len;
	return 0;
}

static const struct core_mp_limits hdr_limits = {
	.depth = 1, .count = 10, .items = 11, .str = 0, .bin = CORE_KEY_LEN,
};

static int
get_uint(const msgpack_object *o, uint64_t max, uint64_t *out)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		return DG_EDECODE;
	*out = o->via.u64;
	return 0;
}

static int
get_key(const msgpack_object *o, uint8_t out[CORE_KEY_LEN])
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != CORE_KEY_LEN)
		return DG_EDECODE;
	memcpy(out, o->via.bin.ptr, CORE_KEY_LEN);
	return 0;
}

int
core_entry_decode(const uint8_t *p, size_t len, struct core_hdr *h)
{
	msgpack_unpacked u;
	const msgpack_object *a;
	uint8_t again[CORE_HDR_MAX];
	size_t alen;
	uint64_t v;
	int rc;

	if (len > CORE_HDR_MAX)
		return DG_ELIMIT;
	rc = core_mp_check(p, len, &hdr_limits);
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
	memset(h, 0, sizeof *h);
	if (get_uint(&a[0], 255, &v) != 0)
		goto out;
	if (v != CORE_ENTRY_VERSION) {
		rc = DG_EVERSION;
		goto out;
	}
	h->version = (uint8_t)v;
	if (get_key(&a[1], h->net) != 0 || get_key(&a[2], h->author) != 0)
		goto out;
	if (get_uint(&a[3], UINT64_MAX, &h->seq) != 0 || h->seq == 0)
		goto out;
	if (h->seq == 1) {
		if (a[4].type != MSGPACK_OBJECT_NIL)
			goto out;
	} else if (get_key(&a[4], h->prev) != 0 ||
	    is_zero(h->prev, CORE_KEY_LEN)) {
		goto out;
	}
	if (get_uint(&a[5], UINT64_MAX, &h->hlc) != 0)
		goto out;
	if (get_uint(&a[6], 255, &v) != 0 || !kind_known((uint8_t)v))
		goto out;
	h->kind = (uint8_t)v;
	if (get_uint(&a[7], UINT32_MAX, &v) != 0)
		goto out;
	h->epoch = (uint32_t)v;
	/* Only key deliveries go without a content key; every other body
	 * is encrypted, so it can never be read as plaintext. */
	if ((h->kind == CORE_KIND_KEYS) != (h->epoch == 0))
		goto out;
	if (get_key(&a[8], h->body_hash) != 0)
		goto out;
	if (get_uint(&a[9], CORE_BODY_MAX, &v) != 0)
		goto out;
	h->body_len = (uint32_t)v;
	/* Only the canonical encoding is accepted, so one header has one
	 * byte string and so one hash. */
	if (core_entry_encode(h, again, sizeof again, &alen) != 0 ||
	    alen != len || memcmp(again, p, len) != 0)
		goto out;
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

void
core_entry_hash(const uint8_t *hdr, size_t len, uint8_t out[CORE_KEY_LEN])
{
	crypto_generichash(out, CORE_KEY_LEN, hdr, len, NULL, 0);
}

static void
sign_msg(const uint8_t *hdr, size_t len,
    uint8_t msg[sizeof sign_ctx + CORE_KEY_LEN])
{
	memcpy(msg, sign_ctx, sizeof sign_ctx);
	core_entry_hash(hdr, len, msg + sizeof sign_ctx);
}

void
core_entry_sign(const uint8_t *hdr, size_t len, const uint8_t *sk,
    uint8_t sig[CORE_SIG_LEN])
{
	uint8_t msg[sizeof sign_ctx + CORE_KEY_LEN];

	sign_msg(hdr, len, msg);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
}

int
core_entry_verify(const uint8_t *hdr, size_t len,
    const uint8_t author[CORE_KEY_LEN], const uint8_t sig[CORE_SIG_LEN])
{
	uint8_t msg[sizeof sign_ctx + CORE_KEY_LEN];

	sign_msg(hdr, len, msg);
	if (crypto_sign_verify_detached(sig, msg, sizeof msg, author) != 0)
		return DG_ESIG;
	return 0;
}

void
core_entry_body_hash(const uint8_t *body, size_t len,
    uint8_t out[CORE_KEY_LEN])
{
	crypto_generichash(out, CORE_KEY_LEN, body, len, NULL, 0);
}

/* Associated data: net || author || seq (big endian) || kind || epoch
 * (big endian), 77 bytes.  body_hash cannot be bound (it hashes the
 * ciphertext), nor can prev or hlc be needed: the signature binds the
 * header to the body through body_hash. */
#define AD_LEN (CORE_KEY_LEN * 2 + 8 + 1 + 4)

static void
make_ad(const struct core_hdr *h, uint8_t ad[AD_LEN])
{
	size_t o = 0;
	int i;

	memcpy(ad, h->net, CORE_KEY_LEN);
	o += CORE_KEY_LEN;
	memcpy(ad + o, h->author, CORE_KEY_LEN);
	o += CORE_KEY_LEN;
	for (i = 7; i >= 0; i--)
		ad[o++] = (uint8_t)(h->seq >> (i * 8));
	ad[o++] = h->kind;
	for (i = 3; i >= 0; i--)
		ad[o++] = (uint8_t)(h->epoch >> (i * 8));
}

int
core_entry_seal(const struct core_hdr *h, const uint8_t *key,
    const uint8_t *pt, size_t n, uint8_t *out)
{
	uint8_t ad[AD_LEN];
	unsigned long long clen;

	if (n > CORE_BODY_MAX - CORE_BODY_OVERHEAD)
		return DG_ELIMIT;
	make_ad(h, ad);
	core_box_nonce(out);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + CORE_NONCE_LEN, &clen,
	    pt, n, ad, sizeof ad, NULL, out, key);
	return 0;
}

int
core_entry_open(const struct core_hdr *h, const uint8_t *key,
    const uint8_t *body, size_t n, uint8_t *out)
{
	uint8_t ad[AD_LEN];
	unsigned long long plen;

	if (n < CORE_BODY_OVERHEAD)
		return DG_EDECODE;
	make_ad(h, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL,
		body + CORE_NONCE_LEN, n - CORE_NONCE_LEN, ad, sizeof ad,
		body, key) != 0)
		return DG_ECRYPTO;
	return 0;
}
