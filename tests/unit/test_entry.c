/* tests/unit/test_entry.c - entry headers (canonical msgpack), their
 * signatures, and body encryption; also core/box.h (data at rest). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <msgpack.h>
#include <sodium.h>

#include "core/box.h"
#include "core/entry.h"
#include "tests/unit/t.h"

static uint64_t rng_state = 0x243f6a8885a308d3u;

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

static const uint8_t kinds[] = {
	CORE_KIND_GENESIS, CORE_KIND_KEYS, CORE_KIND_ADMIT, CORE_KIND_REVOKE,
	CORE_KIND_INVITE, CORE_KIND_UNINVITE, CORE_KIND_RECORD,
	CORE_KIND_REMOVE, CORE_KIND_ERASE,
};

/* A value of a random magnitude, so every integer width shows up. */
static uint64_t
rnd_mag(uint64_t max)
{
	static const uint64_t edges[] = {
		0, 1, 127, 128, 255, 256, 65535, 65536, 0xffffffffu,
		0x100000000u, UINT64_MAX,
	};
	uint64_t v;

	if (rnd() % 3 == 0)
		v = edges[rnd() % (sizeof edges / sizeof edges[0])];
	else
		v = rnd() >> (rnd() % 64);
	return v > max ? max : v;
}

static void
rnd_hdr(struct core_hdr *h)
{
	memset(h, 0, sizeof *h);
	h->version = CORE_ENTRY_VERSION;
	rnd_bytes(h->net, sizeof h->net);
	rnd_bytes(h->author, sizeof h->author);
	h->seq = rnd() % 4 == 0 ? 1 : rnd_mag(UINT64_MAX);
	if (h->seq == 0)
		h->seq = 2;
	if (h->seq > 1) {
		rnd_bytes(h->prev, sizeof h->prev);
		h->prev[0] |= 1;
	}
	h->hlc = rnd_mag(UINT64_MAX);
	h->kind = kinds[rnd() % sizeof kinds];
	/* epoch 0 exactly for key deliveries */
	h->epoch = (uint32_t)rnd_mag(UINT32_MAX);
	if (h->kind == CORE_KIND_KEYS)
		h->epoch = 0;
	else if (h->epoch == 0)
		h->epoch = 1;
	rnd_bytes(h->body_hash, sizeof h->body_hash);
	h->body_len = (uint32_t)rnd_mag(CORE_BODY_MAX);
}

static int
hdr_eq(const struct core_hdr *a, const struct core_hdr *b)
{
	return a->version == b->version &&
	    memcmp(a->net, b->net, CORE_KEY_LEN) == 0 &&
	    memcmp(a->author, b->author, CORE_KEY_LEN) == 0 &&
	    a->seq == b->seq && memcmp(a->prev, b->prev, CORE_KEY_LEN) == 0 &&
	    a->hlc == b->hlc && a->kind == b->kind && a->epoch == b->epoch &&
	    memcmp(a->body_hash, b->body_hash, CORE_KEY_LEN) == 0 &&
	    a->body_len == b->body_len;
}

/* Writes a header the way a careless or hostile peer might.  width[i]
 * for the integer fields (version, seq, hlc, kind, epoch, body_len):
 * 0 canonical, 1..4 forced uint8/16/32/64, 5 forced int64.  prev: 0 as
 * the encoder does, 1 always nil, 2 always bin. */
struct shape {
	int width[6];
	int prev;
	int count;   /* array length to write (10 normally) */
	int str_net; /* net as str instead of bin */
	int net_len; /* bytes of the net field (32 normally) */
};

static int
sbuf_write(void *data, const char *buf, size_t len)
{
	return msgpack_sbuffer_write(data, buf, len);
}

static void
pack_int(msgpack_packer *pk, uint64_t v, int w)
{
	switch (w) {
	case 1: msgpack_pack_fix_uint8(pk, (uint8_t)v); break;
	case 2: msgpack_pack_fix_uint16(pk, (uint16_t)v); break;
	case 3: msgpack_pack_fix_uint32(pk, (uint32_t)v); break;
	case 4: msgpack_pack_fix_uint64(pk, v); break;
	case 5: msgpack_pack_fix_int64(pk, (int64_t)v); break;
	default: msgpack_pack_uint64(pk, v); break;
	}
}

static size_t
build(const struct core_hdr *h, const struct shape *s, uint8_t *out,
    size_t cap)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t n;
	int i;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, sbuf_write);
	msgpack_pack_array(&pk, (size_t)s->count);
	pack_int(&pk, h->version, s->width[0]);
	if (s->str_net) {
		msgpack_pack_str(&pk, (size_t)s->net_len);
		msgpack_pack_str_body(&pk, "abcdefghijklmnopqrstuvwxyz0123456789",
		    (size_t)s->net_len);
	} else {
		msgpack_pack_bin_with_body(&pk, h->net, (size_t)s->net_len);
	}
	msgpack_pack_bin_with_body(&pk, h->author, CORE_KEY_LEN);
	pack_int(&pk, h->seq, s->width[1]);
	if (s->prev == 1 || (s->prev == 0 && h->seq == 1))
		msgpack_pack_nil(&pk);
	else
		msgpack_pack_bin_with_body(&pk, h->prev, CORE_KEY_LEN);
	pack_int(&pk, h->hlc, s->width[2]);
	pack_int(&pk, h->kind, s->width[3]);
	pack_int(&pk, h->epoch, s->width[4]);
	msgpack_pack_bin_with_body(&pk, h->body_hash, CORE_KEY_LEN);
	pack_int(&pk, h->body_len, s->width[5]);
	for (i = 10; i < s->count; i++)
		msgpack_pack_nil(&pk);
	n = sb.size < cap ? sb.size : cap;
	memcpy(out, sb.data, n);
	msgpack_sbuffer_destroy(&sb);
	return n;
}

static const struct shape plain = { { 0, 0, 0, 0, 0, 0 }, 0, 10, 0, 32 };

/* Decode of a built header; the buffer is exactly len bytes (ASan). */
static int
decode_built(const struct core_hdr *h, const struct shape *s)
{
	uint8_t tmp[512], *p;
	struct core_hdr out;
	size_t n;
	int rc;

	n = build(h, s, tmp, sizeof tmp);
	p = malloc(n);
	if (p == NULL)
		return DG_ENOMEM;
	memcpy(p, tmp, n);
	rc = core_entry_decode(p, n, &out);
	free(p);
	return rc;
}

static void
test_roundtrip(void)
{
	struct core_hdr h, d;
	uint8_t raw[CORE_HDR_MAX], again[CORE_HDR_MAX], built[512];
	size_t len, len2, blen;
	int i;

	for (i = 0; i < 5000; i++) {
		rnd_hdr(&h);
		T_EQ_INT(core_entry_encode(&h, raw, sizeof raw, &len), 0);
		T_ASSERT(len <= CORE_HDR_MAX);
		/* The encoder is plain msgpack, as doc/protocol.md says. */
		blen = build(&h, &plain, built, sizeof built);
		T_EQ_INT(blen, len);
		T_ASSERT(memcmp(built, raw, len) == 0);
		memset(&d, 0xa5, sizeof d);
		T_EQ_INT(core_entry_decode(raw, len, &d), 0);
		T_ASSERT(hdr_eq(&h, &d));
		T_EQ_INT(core_entry_encode(&d, again, sizeof again, &len2), 0);
		T_EQ_INT(len2, len);
		T_ASSERT(memcmp(again, raw, len) == 0);
	}
}

static void
test_encode_limits(void)
{
	struct core_hdr h;
	uint8_t raw[CORE_HDR_MAX];
	size_t len, full;

	rnd_hdr(&h);
	/* The largest header fits in CORE_HDR_MAX. */
	h.seq = UINT64_MAX;
	memset(h.prev, 0xff, sizeof h.prev);
	h.hlc = UINT64_MAX;
	h.epoch = UINT32_MAX;
	h.body_len = CORE_BODY_MAX;
	T_EQ_INT(core_entry_encode(&h, raw, sizeof raw, &full), 0);
	T_ASSERT(full <= CORE_HDR_MAX);
	T_EQ_INT(core_entry_encode(&h, raw, full, &len), 0);
	T_EQ_INT(len, full);
	T_EQ_INT(core_entry_encode(&h, raw, full - 1, &len), DG_EINVAL);
	T_EQ_INT(core_entry_encode(&h, raw, 0, &len), DG_EINVAL);
	h.body_len = CORE_BODY_MAX + 1;
	T_EQ_INT(core_entry_encode(&h, raw, sizeof raw, &len), DG_EINVAL);
	h.body_len = 0;
	h.seq = 0;
	T_EQ_INT(core_entry_encode(&h, raw, sizeof raw, &len), DG_EINVAL);
}

/* Every single-byte change of a valid header is refused, unless the
 * result is itself the canonical encoding of some other header. */
static void
test_every_mutation(void)
{
	struct core_hdr h, d;
	uint8_t raw[CORE_HDR_MAX], *m, again[CORE_HDR_MAX];
	size_t len, alen, i;
	int v, rc, round, odd = 0, accepted = 0, refused = 0;

	for (round = 0; round < 6; round++) {
		rnd_hdr(&h);
		if (round == 0)
			h.seq = 1;
		if (round == 1) {
			h.seq = 2;
			h.hlc = 5;
			h.kind = CORE_KIND_KEYS;
			h.epoch = 0;
			h.body_len = 0;
		}
		T_EQ_INT(core_entry_encode(&h, raw, sizeof raw, &len), 0);
		m = malloc(len);
		T_ASSERT(m != NULL);
		for (i = 0; i < len; i++) {
			for (v = 0; v < 256; v++) {
				if (v == raw[i])
					continue;
				memcpy(m, raw, len);
				m[i] = (uint8_t)v;
				rc = core_entry_decode(m, len, &d);
				if (rc == 0) {
					accepted++;
					if (core_entry_encode(&d, again,
						sizeof again, &alen) != 0 ||
					    alen != len ||
					    memcmp(again, m, len) != 0 ||
					    hdr_eq(&d, &h))
						odd++;
				} else if (rc == DG_EDECODE || rc == DG_ELIMIT ||
				    rc == DG_EVERSION || rc == DG_EUTF8) {
					refused++;
				} else {
					odd++;
				}
			}
		}
		/* Every cut, and one byte more. */
		for (i = 0; i < len; i++) {
			if (core_entry_decode(raw, i, &d) == 0)
				odd++;
		}
		free(m);
		m = malloc(len + 1);
		T_ASSERT(m != NULL);
		memcpy(m, raw, len);
		for (v = 0; v < 256; v++) {
			m[len] = (uint8_t)v;
			if (core_entry_decode(m, len + 1, &d) == 0)
				odd++;
		}
		free(m);
	}
	T_EQ_INT(odd, 0);
	/* Changes inside the keys and hashes give other valid headers. */
	T_ASSERT(accepted > 0 && refused > 0);
}

static void
test_noncanonical_ints(void)
{
	struct core_hdr h;
	struct shape s;
	int f, w;
	uint64_t vals[6];

	rnd_hdr(&h);
	h.seq = 3;
	h.prev[0] = 1;
	h.hlc = 0x1234;
	h.kind = CORE_KIND_RECORD;
	h.epoch = 1;
	h.body_len = 300;
	T_EQ_INT(decode_built(&h, &plain), 0);
	vals[0] = h.version;
	vals[1] = h.seq;
	vals[2] = h.hlc;
	vals[3] = h.kind;
	vals[4] = h.epoch;
	vals[5] = h.body_len;
	for (f = 0; f < 6; f++) {
		for (w = 1; w <= 5; w++) {
			/* the canonical width itself is fine */
			if ((w == 1 && vals[f] > 127 && vals[f] < 256) ||
			    (w == 2 && vals[f] > 255 && vals[f] < 65536))
				continue;
			if ((w == 1 && vals[f] > 255) ||
			    (w == 2 && vals[f] > 65535))
				continue;
			s = plain;
			s.width[f] = w;
			if (decode_built(&h, &s) == 0) {
				fprintf(stderr, "  field %d width %d accepted\n",
				    f, w);
				T_ASSERT(!"non-canonical integer accepted");
			}
		}
	}
	/* uint8 written as uint64, the example from the brief */
	s = plain;
	s.width[0] = 4;
	T_EQ_INT(decode_built(&h, &s), DG_EDECODE);
}

static void
test_field_rules(void)
{
	struct core_hdr h;
	struct shape s;
	int k, rc;

	rnd_hdr(&h);
	h.seq = 1;
	memset(h.prev, 0, sizeof h.prev);
	T_EQ_INT(decode_built(&h, &plain), 0);
	/* seq 0 */
	h.seq = 0;
	T_EQ_INT(decode_built(&h, &plain), DG_EDECODE);
	/* prev present at seq 1, zero or not */
	h.seq = 1;
	s = plain;
	s.prev = 2;
	T_EQ_INT(decode_built(&h, &s), DG_EDECODE);
	h.prev[5] = 7;
	T_EQ_INT(decode_built(&h, &s), DG_EDECODE);
	/* prev missing or zero after seq 1 */
	h.seq = 2;
	s.prev = 1;
	T_EQ_INT(decode_built(&h, &s), DG_EDECODE);
	memset(h.prev, 0, sizeof h.prev);
	T_EQ_INT(decode_built(&h, &plain), DG_EDECODE);
	h.prev[31] = 1;
	T_EQ_INT(decode_built(&h, &plain), 0);
	/* versions */
	h.version = 0;
	T_EQ_INT(decode_built(&h, &plain), DG_EVERSION);
	h.version = 2;
	T_EQ_INT(decode_built(&h, &plain), DG_EVERSION);
	h.version = 255;
	T_EQ_INT(decode_built(&h, &plain), DG_EVERSION);
	h.version = CORE_ENTRY_VERSION;
	/* kinds: exactly the known ones */
	for (k = 0; k < 256; k++) {
		h.kind = (uint8_t)k;
		h.epoch = k == CORE_KIND_KEYS ? 0 : 1;
		rc = decode_built(&h, &plain);
		if (memchr(kinds, k, sizeof kinds) != NULL) {
			T_EQ_INT(rc, 0);
			T_ASSERT(strcmp(core_entry_kind_name((uint8_t)k),
				     "unknown") != 0);
		} else {
			T_EQ_INT(rc, DG_EDECODE);
			T_EQ_STR(core_entry_kind_name((uint8_t)k), "unknown");
		}
	}
	T_EQ_STR(core_entry_kind_name(CORE_KIND_RECORD), "record");
	T_EQ_STR(core_entry_kind_name(CORE_KIND_ERASE), "erase");
	h.kind = CORE_KIND_RECORD;
	h.epoch = 1;
	/* Epoch 0 (no content key) exactly for key deliveries: any other
	 * body is encrypted, and a key delivery is never. */
	h.epoch = 0;
	T_EQ_INT(decode_built(&h, &plain), DG_EDECODE);
	h.kind = CORE_KIND_KEYS;
	T_EQ_INT(decode_built(&h, &plain), 0);
	h.epoch = 1;
	T_EQ_INT(decode_built(&h, &plain), DG_EDECODE);
	h.epoch = UINT32_MAX;
	T_EQ_INT(decode_built(&h, &plain), DG_EDECODE);
	h.kind = CORE_KIND_GENESIS;
	T_EQ_INT(decode_built(&h, &plain), 0);
	h.epoch = 0;
	T_EQ_INT(decode_built(&h, &plain), DG_EDECODE);
	h.kind = CORE_KIND_RECORD;
	h.epoch = 1;
	/* body_len limit */
	h.body_len = CORE_BODY_MAX;
	T_EQ_INT(decode_built(&h, &plain), 0);
	h.body_len = CORE_BODY_MAX + 1;
	T_ASSERT(decode_built(&h, &plain) != 0);
	h.body_len = UINT32_MAX;
	T_ASSERT(decode_built(&h, &plain) != 0);
	h.body_len = 10;
	/* epoch over its width: a 64-bit epoch */
	s = plain;
	s.width[4] = 4;
	T_EQ_INT(decode_built(&h, &s), DG_EDECODE);
	/* shape: wrong element count, wrong key types and sizes */
	s = plain;
	s.count = 11;
	T_ASSERT(decode_built(&h, &s) != 0);
	s.count = 9;
	T_ASSERT(decode_built(&h, &s) != 0);
	s = plain;
	s.str_net = 1;
	T_ASSERT(decode_built(&h, &s) != 0);
	s = plain;
	s.net_len = 31;
	T_EQ_INT(decode_built(&h, &s), DG_EDECODE);
	s.net_len = 33;
	T_ASSERT(decode_built(&h, &s) != 0);
	/* not an array; header too long */
	{
		uint8_t big[CORE_HDR_MAX + 1];
		struct core_hdr d;

		T_EQ_INT(core_entry_decode((const uint8_t *)"\x80", 1, &d),
		    DG_EDECODE);
		T_EQ_INT(core_entry_decode((const uint8_t *)"\x90", 1, &d),
		    DG_EDECODE);
		T_EQ_INT(core_entry_decode((const uint8_t *)"\xc0", 1, &d),
		    DG_EDECODE);
		T_ASSERT(core_entry_decode((const uint8_t *)"", 0, &d) != 0);
		memset(big, 0xc0, sizeof big);
		T_EQ_INT(core_entry_decode(big, sizeof big, &d), DG_ELIMIT);
	}
}

static void
test_sign_verify(void)
{
	uint8_t pk[32], sk[64], pk2[32], sk2[64], seed[32];
	uint8_t raw[CORE_HDR_MAX], sig[CORE_SIG_LEN], sig2[CORE_SIG_LEN];
	uint8_t bad[CORE_HDR_MAX], badsig[CORE_SIG_LEN], hash[32], want[32];
	struct core_hdr h;
	size_t len, i;
	int bit, fails = 0;

	T_ASSERT(sodium_init() >= 0);
	memset(seed, 1, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	memset(seed, 2, sizeof seed);
	crypto_sign_seed_keypair(pk2, sk2, seed);
	rnd_hdr(&h);
	memcpy(h.author, pk, 32);
	T_EQ_INT(core_entry_encode(&h, raw, sizeof raw, &len), 0);
	core_entry_sign(raw, len, sk, sig);
	T_EQ_INT(core_entry_verify(raw, len, pk, sig), 0);
	/* Ed25519 is deterministic. */
	core_entry_sign(raw, len, sk, sig2);
	T_ASSERT(memcmp(sig, sig2, sizeof sig) == 0);
	/* Another key. */
	T_EQ_INT(core_entry_verify(raw, len, pk2, sig), DG_ESIG);
	core_entry_sign(raw, len, sk2, sig2);
	T_EQ_INT(core_entry_verify(raw, len, pk, sig2), DG_ESIG);
	/* Every flipped bit of the header or of the signature. */
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, raw, len);
			bad[i] ^= (uint8_t)(1u << bit);
			if (core_entry_verify(bad, len, pk, sig) != DG_ESIG)
				fails++;
		}
	}
	for (i = 0; i < CORE_SIG_LEN; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(badsig, sig, sizeof sig);
			badsig[i] ^= (uint8_t)(1u << bit);
			if (core_entry_verify(raw, len, pk, badsig) != DG_ESIG)
				fails++;
		}
	}
	T_EQ_INT(fails, 0);
	/* Cut or extended header bytes. */
	T_EQ_INT(core_entry_verify(raw, len - 1, pk, sig), DG_ESIG);
	memcpy(bad, raw, len);
	bad[len] = 0;
	T_EQ_INT(core_entry_verify(bad, len + 1, pk, sig), DG_ESIG);
	/* Domain separation: a plain signature of the header bytes (or of
	 * the entry hash) made for some other purpose is not an entry
	 * signature. */
	crypto_sign_detached(sig2, NULL, raw, len, sk);
	T_EQ_INT(core_entry_verify(raw, len, pk, sig2), DG_ESIG);
	core_entry_hash(raw, len, hash);
	crypto_sign_detached(sig2, NULL, hash, sizeof hash, sk);
	T_EQ_INT(core_entry_verify(raw, len, pk, sig2), DG_ESIG);
	/* The entry hash is BLAKE2b-256 of the header bytes; so is the body
	 * hash of the body bytes. */
	crypto_generichash(want, 32, raw, len, NULL, 0);
	T_ASSERT(memcmp(hash, want, 32) == 0);
	core_entry_body_hash(raw, 7, hash);
	crypto_generichash(want, 32, raw, 7, NULL, 0);
	T_ASSERT(memcmp(hash, want, 32) == 0);
	core_entry_hash(raw, len - 1, hash);
	crypto_generichash(want, 32, raw, len, NULL, 0);
	T_ASSERT(memcmp(hash, want, 32) != 0);
}

static void
test_seal_open(void)
{
	uint8_t key[32], key2[32], pt[300], out[300], *body, *cut;
	struct core_hdr h, h2;
	size_t n, i;
	int bad = 0;

	T_ASSERT(sodium_init() >= 0);
	rnd_bytes(key, sizeof key);
	memcpy(key2, key, sizeof key);
	key2[0] ^= 1;
	rnd_hdr(&h);
	h.epoch = 3;
	body = malloc(sizeof pt + CORE_BODY_OVERHEAD);
	T_ASSERT(body != NULL);
	for (n = 0; n <= sizeof pt; n += (n < 20 ? 1 : 37)) {
		rnd_bytes(pt, n);
		T_EQ_INT(core_entry_seal(&h, key, pt, n, body), 0);
		memset(out, 0, sizeof out);
		T_EQ_INT(core_entry_open(&h, key, body, n + CORE_BODY_OVERHEAD,
			     out), 0);
		T_ASSERT(memcmp(out, pt, n) == 0);
	}
	n = 100;
	rnd_bytes(pt, n);
	T_EQ_INT(core_entry_seal(&h, key, pt, n, body), 0);
	n += CORE_BODY_OVERHEAD;
	/* The wrong key. */
	T_EQ_INT(core_entry_open(&h, key2, body, n, out), DG_ECRYPTO);
	/* A header with another net, author, seq, kind or epoch. */
	h2 = h;
	h2.seq++;
	T_EQ_INT(core_entry_open(&h2, key, body, n, out), DG_ECRYPTO);
	h2 = h;
	h2.kind = h.kind == CORE_KIND_RECORD ? CORE_KIND_REMOVE :
	    CORE_KIND_RECORD;
	T_EQ_INT(core_entry_open(&h2, key, body, n, out), DG_ECRYPTO);
	h2 = h;
	h2.epoch = 4;
	T_EQ_INT(core_entry_open(&h2, key, body, n, out), DG_ECRYPTO);
	h2 = h;
	h2.author[31] ^= 0x80;
	T_EQ_INT(core_entry_open(&h2, key, body, n, out), DG_ECRYPTO);
	h2 = h;
	h2.net[0] ^= 1;
	T_EQ_INT(core_entry_open(&h2, key, body, n, out), DG_ECRYPTO);
	/* Fields outside the associated data (bound by the signature
	 * through body_hash instead) do not matter. */
	h2 = h;
	h2.hlc ^= 1;
	h2.prev[0] ^= 1;
	h2.body_len = 1;
	T_EQ_INT(core_entry_open(&h2, key, body, n, out), 0);
	T_ASSERT(memcmp(out, pt, n - CORE_BODY_OVERHEAD) == 0);
	/* Any changed byte: nonce, ciphertext or tag. */
	for (i = 0; i < n; i++) {
		body[i] ^= 0x10;
		if (core_entry_open(&h, key, body, n, out) != DG_ECRYPTO)
			bad++;
		body[i] ^= 0x10;
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(core_entry_open(&h, key, body, n, out), 0);
	/* A cut body: too short for nonce and tag is a decoding error,
	 * otherwise authentication fails.  Exact-size copies for ASan. */
	for (i = 0; i < n; i++) {
		cut = malloc(i ? i : 1);
		T_ASSERT(cut != NULL);
		memcpy(cut, body, i);
		if (core_entry_open(&h, key, cut, i, out) !=
		    (i < CORE_BODY_OVERHEAD ? DG_EDECODE : DG_ECRYPTO))
			bad++;
		free(cut);
	}
	T_EQ_INT(bad, 0);
	/* Random nonces: the same plaintext seals differently. */
	{
		uint8_t b2[100 + CORE_BODY_OVERHEAD];

		T_EQ_INT(core_entry_seal(&h, key, pt, 100, b2), 0);
		T_ASSERT(memcmp(b2, body, sizeof b2) != 0);
	}
	free(body);
	/* Size limit: the sealed body must fit CORE_BODY_MAX. */
	body = malloc(CORE_BODY_MAX + 1);
	cut = calloc(1, CORE_BODY_MAX);
	T_ASSERT(body != NULL && cut != NULL);
	T_EQ_INT(core_entry_seal(&h, key, cut,
		     CORE_BODY_MAX - CORE_BODY_OVERHEAD + 1, body), DG_ELIMIT);
	T_EQ_INT(core_entry_seal(&h, key, cut,
		     CORE_BODY_MAX - CORE_BODY_OVERHEAD, body), 0);
	T_EQ_INT(core_entry_open(&h, key, body, CORE_BODY_MAX, cut), 0);
	free(body);
	free(cut);
}

static void
test_box(void)
{
	uint8_t key[CORE_BOX_KEY], key2[CORE_BOX_KEY], box[64 + 40];
	uint8_t out[64], pt[64];
	size_t i;
	int bad = 0;

	T_ASSERT(sodium_init() >= 0);
	rnd_bytes(key, sizeof key);
	memcpy(key2, key, sizeof key);
	key2[31] ^= 1;
	rnd_bytes(pt, sizeof pt);
	core_box_seal(key, (const uint8_t *)"view1", 5, pt, sizeof pt, box);
	T_EQ_INT(core_box_open(key, (const uint8_t *)"view1", 5, box,
		     sizeof box, out), 0);
	T_ASSERT(memcmp(out, pt, sizeof pt) == 0);
	T_EQ_INT(core_box_open(key2, (const uint8_t *)"view1", 5, box,
		     sizeof box, out), DG_ECRYPTO);
	/* The associated data names the place: another place fails. */
	T_EQ_INT(core_box_open(key, (const uint8_t *)"view2", 5, box,
		     sizeof box, out), DG_ECRYPTO);
	T_EQ_INT(core_box_open(key, (const uint8_t *)"view", 4, box,
		     sizeof box, out), DG_ECRYPTO);
	T_EQ_INT(core_box_open(key, NULL, 0, box, sizeof box, out),
	    DG_ECRYPTO);
	for (i = 0; i < sizeof box; i++) {
		box[i] ^= 4;
		if (core_box_open(key, (const uint8_t *)"view1", 5, box,
			sizeof box, out) != DG_ECRYPTO)
			bad++;
		box[i] ^= 4;
	}
	T_EQ_INT(bad, 0);
	for (i = 0; i < CORE_BOX_OVERHEAD; i++)
		T_EQ_INT(core_box_open(key, (const uint8_t *)"view1", 5, box, i,
			     out), DG_EDECODE);
	/* Empty plaintext. */
	core_box_seal(key, NULL, 0, pt, 0, box);
	T_EQ_INT(core_box_open(key, NULL, 0, box, CORE_BOX_OVERHEAD, out), 0);
}

#define NONCES 300 /* several pools' worth */

static int
nonce_seen(uint8_t (*seen)[CORE_BOX_NONCE], size_t n, const uint8_t *x)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (memcmp(seen[i], x, CORE_BOX_NONCE) == 0)
			return 1;
	}
	return 0;
}

/* Nonces from the pool are never handed out twice, across refills and
 * across a fork: the child does not use what the parent still holds. */
static void
test_box_nonces(void)
{
	static uint8_t seen[2 * NONCES][CORE_BOX_NONCE];
	uint8_t x[CORE_BOX_NONCE];
	int p[2], status;
	size_t i, n = 0;
	pid_t pid;

	for (i = 0; i < NONCES; i++) {
		core_box_nonce(x);
		T_ASSERT(!nonce_seen(seen, n, x));
		memcpy(seen[n++], x, CORE_BOX_NONCE);
	}
	core_box_nonce(x); /* the pool is part used now */
	T_ASSERT(pipe(p) == 0);
	fflush(NULL);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		for (i = 0; i < NONCES; i++) {
			core_box_nonce(x);
			if (write(p[1], x, sizeof x) != (ssize_t)sizeof x)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	for (i = 0; i < NONCES; i++) {
		core_box_nonce(x);
		T_ASSERT(!nonce_seen(seen, n, x));
		memcpy(seen[n++], x, CORE_BOX_NONCE);
	}
	for (i = 0; i < NONCES; i++) {
		T_ASSERT(read(p[0], x, sizeof x) == (ssize_t)sizeof x);
		T_ASSERT(!nonce_seen(seen, n, x));
	}
	close(p[0]);
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

T_MAIN(T_CASE(test_roundtrip), T_CASE(test_encode_limits),
    T_CASE(test_every_mutation), T_CASE(test_noncanonical_ints),
    T_CASE(test_field_rules), T_CASE(test_sign_verify),
    T_CASE(test_seal_open), T_CASE(test_box),
    T_CASE(test_box_nonces))
