/* tests/unit/test_noise.c - the handshake and the transport ciphers.
 *
 * Full handshakes between real identities; the responder choosing among
 * psks; every byte of every message altered; wrong lengths; calls out of
 * order; and the bytes themselves, checked two ways: against an
 * independent Noise implementation written here with libsodium (which
 * also builds the messages no honest peer sends: a msg2 or msg3 naming
 * an identity other than its static key), and against the one published
 * Noise_XXpsk0_25519_ChaChaPoly_SHA256 value found (snow's
 * test_XXpsk0_expected_value in tests/general.rs; the cacophony and
 * snow vector files have no plain XXpsk0 entry). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/noise.h"
#include "tests/unit/t.h"

/* The test hook in net/noise.c (see the comment there). */
int net_noise_test_vector(const uint8_t *pro, size_t prolen,
    const uint8_t psk[32], const uint8_t keys[4][32],
    const uint8_t *const pl[3], const size_t plen[3], uint8_t *const msg[3],
    uint8_t hash[32]);

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
fill(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

static void
unhex(const char *h, uint8_t *out, size_t n)
{
	size_t got = 0;

	if (sodium_hex2bin(out, n, h, strlen(h), NULL, &got, NULL) != 0 ||
	    got != n)
		abort();
}

/* ---- an independent Noise_XXpsk0_25519_ChaChaPoly_SHA256 ----
 *
 * Written from the spec without looking at net/noise.c: one-shot
 * HMAC (every HMAC key here is 32 bytes), SHA-256 over a concatenation,
 * and the nonce as a byte array. */

struct ref {
	uint8_t ck[32], h[32], k[32];
	uint64_t n;
	uint8_t s_sk[32], s_pk[32], e_sk[32], e_pk[32], rs[32], re[32];
};

static void
ref_hash2(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	uint8_t buf[256];

	if (alen + blen > sizeof buf)
		abort();
	memcpy(buf, a, alen);
	if (blen > 0)
		memcpy(buf + alen, b, blen);
	crypto_hash_sha256(out, buf, alen + blen);
}

static void
ref_hkdf(const uint8_t ck[32], const uint8_t *ikm, size_t len, uint8_t o1[32],
    uint8_t o2[32], uint8_t o3[32])
{
	uint8_t tk[32], buf[33], c1[32], c2[32];

	crypto_auth_hmacsha256(tk, ikm, len, ck);
	buf[0] = 1;
	crypto_auth_hmacsha256(c1, buf, 1, tk);
	memcpy(buf, c1, 32);
	buf[32] = 2;
	crypto_auth_hmacsha256(c2, buf, 33, tk);
	if (o3 != NULL) {
		memcpy(buf, c2, 32);
		buf[32] = 3;
		crypto_auth_hmacsha256(o3, buf, 33, tk);
	}
	memcpy(o1, c1, 32);
	memcpy(o2, c2, 32);
}

static void
ref_init(struct ref *r, const uint8_t *pro, size_t prolen, const uint8_t s[32],
    const uint8_t e[32], const uint8_t psk[32])
{
	static const char name[] = "Noise_XXpsk0_25519_ChaChaPoly_SHA256";
	uint8_t th[32];

	memset(r, 0, sizeof *r);
	crypto_hash_sha256(r->h, (const uint8_t *)name, strlen(name));
	memcpy(r->ck, r->h, 32);
	ref_hash2(r->h, r->h, 32, pro, prolen);
	memcpy(r->s_sk, s, 32);
	crypto_scalarmult_base(r->s_pk, s);
	memcpy(r->e_sk, e, 32);
	crypto_scalarmult_base(r->e_pk, e);
	/* psk token */
	ref_hkdf(r->ck, psk, 32, r->ck, th, r->k);
	ref_hash2(r->h, r->h, 32, th, 32);
	r->n = 0;
}

static void
ref_mixkey(struct ref *r, const uint8_t *ikm)
{
	ref_hkdf(r->ck, ikm, 32, r->ck, r->k, NULL);
	r->n = 0;
}

static void
ref_dh(struct ref *r, const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t x[32];

	if (crypto_scalarmult(x, sk, pk) != 0)
		abort();
	ref_mixkey(r, x);
}

static void
ref_nonce(uint64_t n, uint8_t nonce[12])
{
	uint8_t le[8] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16),
	    (uint8_t)(n >> 24), (uint8_t)(n >> 32), (uint8_t)(n >> 40),
	    (uint8_t)(n >> 48), (uint8_t)(n >> 56)};

	memset(nonce, 0, 12);
	memcpy(nonce + 4, le, 8);
}

static void
ref_enc(struct ref *r, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[12];

	ref_nonce(r->n++, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(
	    out, NULL, in, len, r->h, 32, NULL, nonce, r->k);
	ref_hash2(r->h, r->h, 32, out, len + 16);
}

static int
ref_dec(struct ref *r, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[12];

	ref_nonce(r->n++, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
	        out, NULL, NULL, in, len, r->h, 32, nonce, r->k) != 0)
		return -1;
	ref_hash2(r->h, r->h, 32, in, len);
	return 0;
}

static void
ref_e_out(struct ref *r, uint8_t *out)
{
	memcpy(out, r->e_pk, 32);
	ref_hash2(r->h, r->h, 32, r->e_pk, 32);
	ref_mixkey(r, r->e_pk);
}

static void
ref_e_in(struct ref *r, const uint8_t *in)
{
	memcpy(r->re, in, 32);
	ref_hash2(r->h, r->h, 32, r->re, 32);
	ref_mixkey(r, r->re);
}

static void
ref_w1(struct ref *r, const uint8_t *pl, size_t plen, uint8_t *out)
{
	ref_e_out(r, out);
	ref_enc(r, pl, plen, out + 32);
}

static int
ref_r1(struct ref *r, const uint8_t *in, size_t len, uint8_t *pl)
{
	ref_e_in(r, in);
	return ref_dec(r, in + 32, len - 32, pl);
}

static void
ref_w2(struct ref *r, const uint8_t *pl, size_t plen, uint8_t *out)
{
	ref_e_out(r, out);
	ref_dh(r, r->e_sk, r->re);
	ref_enc(r, r->s_pk, 32, out + 32);
	ref_dh(r, r->s_sk, r->re);
	ref_enc(r, pl, plen, out + 80);
}

static int
ref_r2(struct ref *r, const uint8_t *in, size_t len, uint8_t *pl)
{
	ref_e_in(r, in);
	ref_dh(r, r->e_sk, r->re);
	if (ref_dec(r, in + 32, 48, r->rs) != 0)
		return -1;
	ref_dh(r, r->e_sk, r->rs);
	return ref_dec(r, in + 80, len - 80, pl);
}

static void
ref_w3(struct ref *r, const uint8_t *pl, size_t plen, uint8_t *out)
{
	ref_enc(r, r->s_pk, 32, out);
	ref_dh(r, r->s_sk, r->re);
	ref_enc(r, pl, plen, out + 48);
}

static void
ref_split(const struct ref *r, uint8_t k1[32], uint8_t k2[32])
{
	ref_hkdf(r->ck, NULL, 0, k1, k2, NULL);
}

/* ---- helpers over the real API ---- */

struct pair {
	struct net_noise *i, *r;
	uint8_t m1[NET_NOISE_MSG1], m2[NET_NOISE_MSG2], m3[NET_NOISE_MSG3];
};

static struct ident alice, bob, carol;
static uint8_t psk_a[32], psk_b[32], psk_c[32];

static void
setup(void)
{
	if (sodium_init() < 0)
		abort();
	ident_make(&alice, 1);
	ident_make(&bob, 2);
	ident_make(&carol, 3);
	memset(psk_a, 0xa1, 32);
	memset(psk_b, 0xb2, 32);
	memset(psk_c, 0xc3, 32);
}

static int
pair_new(struct pair *p, const uint8_t psk[32])
{
	memset(p, 0, sizeof *p);
	if (net_noise_new(1, alice.pk, alice.sk, psk, &p->i) != 0 ||
	    net_noise_new(0, bob.pk, bob.sk, NULL, &p->r) != 0)
		return -1;
	return 0;
}

static void
pair_free(struct pair *p)
{
	net_noise_free(p->i);
	net_noise_free(p->r);
	p->i = p->r = NULL;
}

/* Runs the handshake up to and including message "upto" (1..3), each
 * message read by the other side.  The responder holds psk_a. */
static int
pair_run(struct pair *p, int upto)
{
	size_t which;
	uint64_t t;
	uint8_t peer[32];

	if (net_noise_write1(p->i, 1700000000, p->m1) != 0 ||
	    net_noise_read1(p->r, p->m1, sizeof p->m1,
	        (const uint8_t(*)[32])psk_a, 1, &which, &t) != 0)
		return -1;
	if (upto >= 2 &&
	    (net_noise_write2(p->r, p->m2) != 0 ||
	        net_noise_read2(p->i, p->m2, sizeof p->m2, peer) != 0))
		return -1;
	if (upto >= 3 &&
	    (net_noise_write3(p->i, p->m3) != 0 ||
	        net_noise_read3(p->r, p->m3, sizeof p->m3, peer) != 0))
		return -1;
	return 0;
}

/* ---- the tests ---- */

static void
test_handshake(void)
{
	struct pair p;
	struct net_cipher itx, irx, rtx, rrx;
	uint8_t ihash[32], rhash[32], peer_i[32], peer_r[32];
	uint8_t buf[64], back[48];
	size_t which = 99;
	uint64_t t = 0;

	setup();
	T_EQ_INT(pair_new(&p, psk_a), 0);
	T_EQ_INT(net_noise_write1(p.i, UINT64_C(0x0102030405060708), p.m1), 0);
	T_EQ_INT(net_noise_read1(p.r, p.m1, sizeof p.m1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    0);
	T_EQ_INT(which, 0);
	T_ASSERT(t == UINT64_C(0x0102030405060708));
	T_EQ_INT(net_noise_write2(p.r, p.m2), 0);
	T_EQ_INT(net_noise_read2(p.i, p.m2, sizeof p.m2, peer_i), 0);
	T_ASSERT(memcmp(peer_i, bob.pk, 32) == 0);
	T_EQ_INT(net_noise_write3(p.i, p.m3), 0);
	T_EQ_INT(net_noise_read3(p.r, p.m3, sizeof p.m3, peer_r), 0);
	T_ASSERT(memcmp(peer_r, alice.pk, 32) == 0);

	T_EQ_INT(net_noise_split(p.i, &itx, &irx, ihash), 0);
	T_EQ_INT(net_noise_split(p.r, &rtx, &rrx, rhash), 0);
	T_ASSERT(memcmp(itx.k, rrx.k, 32) == 0);
	T_ASSERT(memcmp(irx.k, rtx.k, 32) == 0);
	T_ASSERT(memcmp(itx.k, irx.k, 32) != 0);
	T_ASSERT(itx.n == 0 && irx.n == 0 && rtx.n == 0 && rrx.n == 0);
	T_ASSERT(memcmp(ihash, rhash, 32) == 0);
	/* hash may be NULL */
	T_EQ_INT(net_noise_split(p.i, &itx, &irx, NULL), 0);

	/* both directions carry data */
	T_EQ_INT(net_cipher_seal(&itx, (const uint8_t *)"to bob", 6, buf), 0);
	T_EQ_INT(net_cipher_open(&rrx, buf, 22, back), 0);
	T_ASSERT(memcmp(back, "to bob", 6) == 0);
	T_EQ_INT(net_cipher_seal(&rtx, (const uint8_t *)"to alice", 8, buf), 0);
	T_EQ_INT(net_cipher_open(&irx, buf, 24, back), 0);
	T_ASSERT(memcmp(back, "to alice", 8) == 0);

	/* a second handshake between the same two has other keys */
	{
		struct pair q;
		struct net_cipher tx2, rx2;
		uint8_t h2[32];

		T_EQ_INT(pair_new(&q, psk_a), 0);
		T_EQ_INT(pair_run(&q, 3), 0);
		T_EQ_INT(net_noise_split(q.i, &tx2, &rx2, h2), 0);
		T_ASSERT(memcmp(tx2.k, itx.k, 32) != 0);
		T_ASSERT(memcmp(h2, ihash, 32) != 0);
		pair_free(&q);
		net_cipher_fini(&tx2);
		net_cipher_fini(&rx2);
	}
	net_cipher_fini(&itx);
	T_ASSERT(sodium_is_zero((const uint8_t *)&itx, sizeof itx));
	net_cipher_fini(&irx);
	net_cipher_fini(&rtx);
	net_cipher_fini(&rrx);
	net_cipher_fini(NULL);
	pair_free(&p);
	net_noise_free(NULL);
}

static void
test_psk_choice(void)
{
	uint8_t(*psks)[32];
	struct pair p;
	uint8_t peer[32];
	size_t which = 99, i;
	uint64_t t;

	setup();
	psks = malloc(NET_NOISE_PSK_MAX * 32 + 32);
	T_ASSERT(psks != NULL);
	for (i = 0; i < NET_NOISE_PSK_MAX + 1; i++) {
		memset(psks[i], 0x55, 32);
		psks[i][0] = (uint8_t)i;
		psks[i][1] = (uint8_t)(i >> 8);
	}

	/* the right one among several */
	memcpy(psks[3], psk_b, 32);
	T_EQ_INT(pair_new(&p, psk_b), 0);
	T_EQ_INT(net_noise_write1(p.i, 5, p.m1), 0);
	T_EQ_INT(net_noise_read1(p.r, p.m1, sizeof p.m1,
	             (const uint8_t(*)[32])psks, 6, &which, &t),
	    0);
	T_EQ_INT(which, 3);
	T_ASSERT(t == 5);
	T_EQ_INT(net_noise_write2(p.r, p.m2), 0);
	T_EQ_INT(net_noise_read2(p.i, p.m2, sizeof p.m2, peer), 0);
	T_EQ_INT(net_noise_write3(p.i, p.m3), 0);
	T_EQ_INT(net_noise_read3(p.r, p.m3, sizeof p.m3, peer), 0);
	pair_free(&p);

	/* a set without it: DG_ECRYPTO, and the state is as it was, so
	 * the same message still opens with the right set */
	T_EQ_INT(pair_new(&p, psk_b), 0);
	T_EQ_INT(net_noise_write1(p.i, 5, p.m1), 0);
	T_EQ_INT(net_noise_read1(p.r, p.m1, sizeof p.m1,
	             (const uint8_t(*)[32])psks, 3, &which, &t),
	    DG_ECRYPTO);
	T_EQ_INT(net_noise_read1(p.r, p.m1, sizeof p.m1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    DG_ECRYPTO);
	T_EQ_INT(net_noise_write2(p.r, p.m2), DG_ESTATE);
	T_EQ_INT(net_noise_read1(p.r, p.m1, sizeof p.m1,
	             (const uint8_t(*)[32])psks, 4, &which, NULL),
	    0);
	T_EQ_INT(which, 3);
	T_EQ_INT(net_noise_write2(p.r, p.m2), 0);
	T_EQ_INT(net_noise_read2(p.i, p.m2, sizeof p.m2, peer), 0);
	pair_free(&p);

	/* the last of the most a responder tries */
	memcpy(psks[3], psk_a, 32);
	memcpy(psks[NET_NOISE_PSK_MAX - 1], psk_b, 32);
	T_EQ_INT(pair_new(&p, psk_b), 0);
	T_EQ_INT(net_noise_write1(p.i, 5, p.m1), 0);
	T_EQ_INT(
	    net_noise_read1(p.r, p.m1, sizeof p.m1, (const uint8_t(*)[32])psks,
	        NET_NOISE_PSK_MAX + 1, &which, &t),
	    DG_EINVAL);
	T_EQ_INT(net_noise_read1(p.r, p.m1, sizeof p.m1,
	             (const uint8_t(*)[32])psks, 0, &which, &t),
	    DG_EINVAL);
	T_EQ_INT(net_noise_read1(p.r, p.m1, sizeof p.m1, NULL, 1, &which, &t),
	    DG_EINVAL);
	T_EQ_INT(net_noise_read1(p.r, p.m1, sizeof p.m1,
	             (const uint8_t(*)[32])psks, NET_NOISE_PSK_MAX, &which, &t),
	    0);
	T_EQ_INT(which, NET_NOISE_PSK_MAX - 1);
	pair_free(&p);

	/* an initiator with a key the responder does not hold is refused
	 * at msg1, before the responder reveals anything */
	T_EQ_INT(pair_new(&p, psk_c), 0);
	T_EQ_INT(net_noise_write1(p.i, 5, p.m1), 0);
	T_EQ_INT(net_noise_read1(p.r, p.m1, sizeof p.m1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    DG_ECRYPTO);
	pair_free(&p);
	free(psks);
}

static void
test_tamper(void)
{
	struct pair p;
	uint8_t bad[NET_NOISE_MSG2], peer[32];
	size_t i, which;
	uint64_t t;

	setup();
	/* msg1: one responder state reads every altered copy (a failed
	 * read1 leaves it as it was), then the genuine one */
	T_EQ_INT(pair_new(&p, psk_a), 0);
	T_EQ_INT(net_noise_write1(p.i, 77, p.m1), 0);
	for (i = 0; i < NET_NOISE_MSG1 * 8; i++) {
		memcpy(bad, p.m1, NET_NOISE_MSG1);
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		T_EQ_INT(net_noise_read1(p.r, bad, NET_NOISE_MSG1,
		             (const uint8_t(*)[32])psk_a, 1, &which, &t),
		    DG_ECRYPTO);
	}
	T_EQ_INT(net_noise_read1(p.r, p.m1, NET_NOISE_MSG1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    0);
	pair_free(&p);

	/* msg2 and msg3: a failed read kills the state, so a fresh
	 * handshake for each byte */
	for (i = 0; i < NET_NOISE_MSG2; i++) {
		T_EQ_INT(pair_new(&p, psk_a), 0);
		T_EQ_INT(pair_run(&p, 1), 0);
		T_EQ_INT(net_noise_write2(p.r, p.m2), 0);
		memcpy(bad, p.m2, NET_NOISE_MSG2);
		bad[i] ^= 0x80;
		T_EQ_INT(net_noise_read2(p.i, bad, NET_NOISE_MSG2, peer),
		    DG_ECRYPTO);
		/* and the state is dead, even for the genuine message */
		T_EQ_INT(net_noise_read2(p.i, p.m2, NET_NOISE_MSG2, peer),
		    DG_ESTATE);
		T_EQ_INT(net_noise_write3(p.i, p.m3), DG_ESTATE);
		pair_free(&p);
	}
	for (i = 0; i < NET_NOISE_MSG3; i++) {
		struct net_cipher tx, rx;

		T_EQ_INT(pair_new(&p, psk_a), 0);
		T_EQ_INT(pair_run(&p, 2), 0);
		T_EQ_INT(net_noise_write3(p.i, p.m3), 0);
		memcpy(bad, p.m3, NET_NOISE_MSG3);
		bad[i] ^= 0x01;
		T_EQ_INT(net_noise_read3(p.r, bad, NET_NOISE_MSG3, peer),
		    DG_ECRYPTO);
		T_EQ_INT(net_noise_read3(p.r, p.m3, NET_NOISE_MSG3, peer),
		    DG_ESTATE);
		T_EQ_INT(net_noise_split(p.r, &tx, &rx, NULL), DG_ESTATE);
		pair_free(&p);
	}
}

/* The real API against the reference, byte for byte, with both
 * ephemerals fixed. */
static void
test_reference_bytes(void)
{
	static const uint8_t pro[] = "dugnad v1";
	struct pair p;
	struct ref ri, rr;
	struct net_cipher tx, rx;
	uint8_t ie[32], re[32], as[32], bs[32], m[NET_NOISE_MSG2], pl[32];
	uint8_t peer[32], hash[32], k1[32], k2[32];
	uint8_t tbe[8] = {0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00};
	size_t which;
	uint64_t t;

	setup();
	fill(ie, 32, 0x40);
	fill(re, 32, 0x80);
	T_EQ_INT(crypto_sign_ed25519_sk_to_curve25519(as, alice.sk), 0);
	T_EQ_INT(crypto_sign_ed25519_sk_to_curve25519(bs, bob.sk), 0);
	ref_init(&ri, pro, 9, as, ie, psk_a);
	ref_init(&rr, pro, 9, bs, re, psk_a);

	T_EQ_INT(pair_new(&p, psk_a), 0);
	net_noise_set_ephemeral(p.i, ie);
	net_noise_set_ephemeral(p.r, re);

	T_EQ_INT(net_noise_write1(p.i, 0x6553f100, p.m1), 0);
	ref_w1(&ri, tbe, 8, m);
	T_ASSERT(memcmp(m, p.m1, NET_NOISE_MSG1) == 0);
	T_EQ_INT(ref_r1(&rr, p.m1, NET_NOISE_MSG1, pl), 0);
	T_ASSERT(memcmp(pl, tbe, 8) == 0);
	T_EQ_INT(net_noise_read1(p.r, p.m1, NET_NOISE_MSG1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    0);
	T_ASSERT(t == 0x6553f100);

	T_EQ_INT(net_noise_write2(p.r, p.m2), 0);
	ref_w2(&rr, bob.pk, 32, m);
	T_ASSERT(memcmp(m, p.m2, NET_NOISE_MSG2) == 0);
	T_EQ_INT(ref_r2(&ri, p.m2, NET_NOISE_MSG2, pl), 0);
	T_ASSERT(memcmp(pl, bob.pk, 32) == 0);
	T_EQ_INT(net_noise_read2(p.i, p.m2, NET_NOISE_MSG2, peer), 0);

	T_EQ_INT(net_noise_write3(p.i, p.m3), 0);
	ref_w3(&ri, alice.pk, 32, m);
	T_ASSERT(memcmp(m, p.m3, NET_NOISE_MSG3) == 0);
	T_EQ_INT(net_noise_read3(p.r, p.m3, NET_NOISE_MSG3, peer), 0);

	T_EQ_INT(net_noise_split(p.i, &tx, &rx, hash), 0);
	ref_split(&ri, k1, k2);
	T_ASSERT(memcmp(tx.k, k1, 32) == 0);
	T_ASSERT(memcmp(rx.k, k2, 32) == 0);
	T_ASSERT(memcmp(hash, ri.h, 32) == 0);
	T_EQ_INT(net_noise_split(p.r, &tx, &rx, hash), 0);
	T_ASSERT(memcmp(tx.k, k2, 32) == 0);
	T_ASSERT(memcmp(rx.k, k1, 32) == 0);
	pair_free(&p);
}

/* A msg2 or msg3 whose static key is one identity's and whose payload
 * names another: built with the reference, since no honest peer sends
 * it. */
static void
test_wrong_identity(void)
{
	static const uint8_t pro[] = "dugnad v1";
	struct net_noise *i = NULL, *r = NULL;
	struct ref ref;
	uint8_t e[32], bs[32], m1[NET_NOISE_MSG1], m2[NET_NOISE_MSG2];
	uint8_t m3[NET_NOISE_MSG3], pl[32], peer[32], zero[32] = {0};
	size_t which;
	uint64_t t;
	int k;

	setup();
	fill(e, 32, 0x11);
	T_EQ_INT(crypto_sign_ed25519_sk_to_curve25519(bs, bob.sk), 0);

	/* msg2: bob's static, carol's name (DG_ESIG); then a name that
	 * is no valid Ed25519 key (all zero: a point of small order) */
	for (k = 0; k < 3; k++) {
		const uint8_t *name = k == 0 ? carol.pk
		    : k == 1                 ? zero
		                             : bob.pk;

		T_EQ_INT(net_noise_new(1, alice.pk, alice.sk, psk_a, &i), 0);
		T_EQ_INT(net_noise_write1(i, 1, m1), 0);
		ref_init(&ref, pro, 9, bs, e, psk_a);
		T_EQ_INT(ref_r1(&ref, m1, NET_NOISE_MSG1, pl), 0);
		ref_w2(&ref, name, 32, m2);
		T_EQ_INT(net_noise_read2(i, m2, NET_NOISE_MSG2, peer),
		    k == 0       ? DG_ESIG
		        : k == 1 ? DG_ECRYPTO
		                 : 0);
		if (k == 2)
			T_ASSERT(memcmp(peer, bob.pk, 32) == 0);
		else
			T_EQ_INT(net_noise_write3(i, m3), DG_ESTATE);
		net_noise_free(i);
		i = NULL;
	}

	/* msg3: alice's static, carol's name */
	for (k = 0; k < 3; k++) {
		const uint8_t *name = k == 0 ? carol.pk
		    : k == 1                 ? zero
		                             : alice.pk;
		uint8_t as[32];

		T_EQ_INT(crypto_sign_ed25519_sk_to_curve25519(as, alice.sk), 0);
		ref_init(&ref, pro, 9, as, e, psk_a);
		ref_w1(&ref, (const uint8_t *)"\0\0\0\0\0\0\0\1", 8, m1);
		T_EQ_INT(net_noise_new(0, bob.pk, bob.sk, NULL, &r), 0);
		T_EQ_INT(net_noise_read1(r, m1, NET_NOISE_MSG1,
		             (const uint8_t(*)[32])psk_a, 1, &which, &t),
		    0);
		T_ASSERT(t == 1);
		T_EQ_INT(net_noise_write2(r, m2), 0);
		T_EQ_INT(ref_r2(&ref, m2, NET_NOISE_MSG2, pl), 0);
		T_ASSERT(memcmp(pl, bob.pk, 32) == 0);
		ref_w3(&ref, name, 32, m3);
		T_EQ_INT(net_noise_read3(r, m3, NET_NOISE_MSG3, peer),
		    k == 0       ? DG_ESIG
		        : k == 1 ? DG_ECRYPTO
		                 : 0);
		if (k == 2)
			T_ASSERT(memcmp(peer, alice.pk, 32) == 0);
		net_noise_free(r);
		r = NULL;
	}
}

static void
test_lengths(void)
{
	struct pair p;
	uint8_t big[NET_NOISE_MSG2 + 1] = {0}, peer[32];
	size_t which;
	uint64_t t;

	setup();
	T_EQ_INT(pair_new(&p, psk_a), 0);
	T_EQ_INT(net_noise_write1(p.i, 1, p.m1), 0);
	memcpy(big, p.m1, NET_NOISE_MSG1);
	T_EQ_INT(net_noise_read1(p.r, big, NET_NOISE_MSG1 - 1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    DG_EDECODE);
	T_EQ_INT(net_noise_read1(p.r, big, NET_NOISE_MSG1 + 1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    DG_EDECODE);
	T_EQ_INT(net_noise_read1(
	             p.r, big, 0, (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    DG_EDECODE);
	/* a wrong length changes nothing */
	T_EQ_INT(net_noise_read1(p.r, p.m1, NET_NOISE_MSG1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    0);
	T_EQ_INT(net_noise_write2(p.r, p.m2), 0);
	memcpy(big, p.m2, NET_NOISE_MSG2);
	T_EQ_INT(
	    net_noise_read2(p.i, big, NET_NOISE_MSG2 - 1, peer), DG_EDECODE);
	T_EQ_INT(
	    net_noise_read2(p.i, big, NET_NOISE_MSG2 + 1, peer), DG_EDECODE);
	T_EQ_INT(net_noise_read2(p.i, p.m2, NET_NOISE_MSG2, peer), 0);
	T_EQ_INT(net_noise_write3(p.i, p.m3), 0);
	memcpy(big, p.m3, NET_NOISE_MSG3);
	T_EQ_INT(
	    net_noise_read3(p.r, big, NET_NOISE_MSG3 - 1, peer), DG_EDECODE);
	T_EQ_INT(
	    net_noise_read3(p.r, big, NET_NOISE_MSG3 + 1, peer), DG_EDECODE);
	T_EQ_INT(net_noise_read3(p.r, p.m3, NET_NOISE_MSG3, peer), 0);
	pair_free(&p);
}

static void
test_order(void)
{
	struct pair p;
	struct net_cipher tx, rx;
	uint8_t m[NET_NOISE_MSG2], peer[32];
	size_t which;
	uint64_t t;

	setup();
	T_EQ_INT(pair_new(&p, psk_a), 0);
	/* the wrong role's calls, at every step */
	T_EQ_INT(net_noise_read1(p.i, m, NET_NOISE_MSG1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    DG_ESTATE);
	T_EQ_INT(net_noise_write2(p.i, m), DG_ESTATE);
	T_EQ_INT(net_noise_read3(p.i, m, NET_NOISE_MSG3, peer), DG_ESTATE);
	T_EQ_INT(net_noise_write1(p.r, 1, m), DG_ESTATE);
	T_EQ_INT(net_noise_read2(p.r, m, NET_NOISE_MSG2, peer), DG_ESTATE);
	T_EQ_INT(net_noise_write3(p.r, m), DG_ESTATE);
	/* the right role, too early */
	T_EQ_INT(net_noise_read2(p.i, m, NET_NOISE_MSG2, peer), DG_ESTATE);
	T_EQ_INT(net_noise_write3(p.i, m), DG_ESTATE);
	T_EQ_INT(net_noise_write2(p.r, m), DG_ESTATE);
	T_EQ_INT(net_noise_read3(p.r, m, NET_NOISE_MSG3, peer), DG_ESTATE);
	T_EQ_INT(net_noise_split(p.i, &tx, &rx, NULL), DG_ESTATE);
	T_EQ_INT(net_noise_split(p.r, &tx, &rx, NULL), DG_ESTATE);

	T_EQ_INT(net_noise_write1(p.i, 1, p.m1), 0);
	T_EQ_INT(net_noise_write1(p.i, 1, p.m1), DG_ESTATE);
	T_EQ_INT(net_noise_write3(p.i, m), DG_ESTATE);
	T_EQ_INT(net_noise_read1(p.r, p.m1, NET_NOISE_MSG1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    0);
	T_EQ_INT(net_noise_read1(p.r, p.m1, NET_NOISE_MSG1,
	             (const uint8_t(*)[32])psk_a, 1, &which, &t),
	    DG_ESTATE);
	T_EQ_INT(net_noise_read3(p.r, m, NET_NOISE_MSG3, peer), DG_ESTATE);
	T_EQ_INT(net_noise_write2(p.r, p.m2), 0);
	T_EQ_INT(net_noise_write2(p.r, p.m2), DG_ESTATE);
	T_EQ_INT(net_noise_split(p.r, &tx, &rx, NULL), DG_ESTATE);
	T_EQ_INT(net_noise_read2(p.i, p.m2, NET_NOISE_MSG2, peer), 0);
	T_EQ_INT(net_noise_read2(p.i, p.m2, NET_NOISE_MSG2, peer), DG_ESTATE);
	T_EQ_INT(net_noise_split(p.i, &tx, &rx, NULL), DG_ESTATE);
	T_EQ_INT(net_noise_write3(p.i, p.m3), 0);
	T_EQ_INT(net_noise_write3(p.i, p.m3), DG_ESTATE);
	T_EQ_INT(net_noise_read3(p.r, p.m3, NET_NOISE_MSG3, peer), 0);
	T_EQ_INT(net_noise_read3(p.r, p.m3, NET_NOISE_MSG3, peer), DG_ESTATE);
	T_EQ_INT(net_noise_write1(p.i, 1, p.m1), DG_ESTATE);
	T_EQ_INT(net_noise_split(p.i, &tx, &rx, NULL), 0);
	T_EQ_INT(net_noise_split(p.r, &tx, &rx, NULL), 0);
	pair_free(&p);
}

static void
test_new_refuses(void)
{
	static int sentinel;
	struct net_noise *hs = (struct net_noise *)(void *)&sentinel;
	uint8_t sk[64];

	setup();
	/* an initiator needs a psk; a responder gets them later */
	T_EQ_INT(net_noise_new(1, alice.pk, alice.sk, NULL, &hs), DG_EINVAL);
	T_ASSERT(hs == NULL); /* *out is cleared on failure */
	T_EQ_INT(net_noise_new(0, alice.pk, alice.sk, psk_a, &hs), DG_EINVAL);
	/* pk and sk of different identities */
	T_EQ_INT(net_noise_new(1, bob.pk, alice.sk, psk_a, &hs), DG_ECRYPTO);
	T_ASSERT(hs == NULL);
	/* a pk that is no valid point */
	memcpy(sk, alice.sk, 64);
	memset(sk + 32, 0, 32);
	T_EQ_INT(net_noise_new(0, sk + 32, sk, NULL, &hs), DG_ECRYPTO);
	T_EQ_INT(net_noise_new(0, alice.pk, alice.sk, NULL, &hs), 0);
	T_ASSERT(hs != NULL);
	net_noise_free(hs);
}

static void
test_cipher(void)
{
	struct net_cipher a, b;
	uint8_t ct1[64 + 16], ct2[64 + 16], pt[64], nonce[12] = {0};
	uint8_t want[64 + 16];
	size_t i;

	setup();
	memset(&a, 0, sizeof a);
	fill(a.k, 32, 0x20);
	b = a;
	memset(pt, 'x', sizeof pt);

	/* the same plaintext twice encrypts differently */
	T_EQ_INT(net_cipher_seal(&a, pt, 64, ct1), 0);
	T_EQ_INT(net_cipher_seal(&a, pt, 64, ct2), 0);
	T_ASSERT(a.n == 2);
	T_ASSERT(memcmp(ct1, ct2, sizeof ct1) != 0);

	/* out of order does not open; nor does a flipped bit, and a failure
	 * does not advance the nonce */
	T_EQ_INT(net_cipher_open(&b, ct2, sizeof ct2, pt), DG_ECRYPTO);
	T_ASSERT(b.n == 0);
	for (i = 0; i < sizeof ct1 * 8; i += 7) {
		ct1[i / 8] ^= (uint8_t)(1u << (i % 8));
		T_EQ_INT(net_cipher_open(&b, ct1, sizeof ct1, pt), DG_ECRYPTO);
		ct1[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	T_EQ_INT(net_cipher_open(&b, ct1, sizeof ct1 - 1, pt), DG_ECRYPTO);
	T_ASSERT(b.n == 0);
	memset(pt, 0, sizeof pt);
	T_EQ_INT(net_cipher_open(&b, ct1, sizeof ct1, pt), 0);
	T_ASSERT(pt[0] == 'x' && pt[63] == 'x');
	T_EQ_INT(net_cipher_open(&b, ct2, sizeof ct2, pt), 0);
	T_ASSERT(b.n == 2);
	/* replay */
	T_EQ_INT(net_cipher_open(&b, ct2, sizeof ct2, pt), DG_ECRYPTO);

	/* shorter than a tag; an empty message is just a tag */
	T_EQ_INT(net_cipher_open(&b, ct1, 15, pt), DG_EDECODE);
	T_EQ_INT(net_cipher_seal(&a, pt, 0, ct1), 0);
	T_EQ_INT(net_cipher_open(&b, ct1, 16, pt), 0);

	/* the nonce layout: 4 zero bytes, then n little endian */
	a.n = UINT64_C(0x0102030405060708);
	T_EQ_INT(net_cipher_seal(&a, pt, 64, ct1), 0);
	nonce[4] = 8, nonce[5] = 7, nonce[6] = 6, nonce[7] = 5;
	nonce[8] = 4, nonce[9] = 3, nonce[10] = 2, nonce[11] = 1;
	crypto_aead_chacha20poly1305_ietf_encrypt(
	    want, NULL, pt, 64, NULL, 0, NULL, nonce, a.k);
	T_ASSERT(memcmp(ct1, want, sizeof want) == 0);

	/* exhausted */
	a.n = UINT64_MAX - 1;
	T_EQ_INT(net_cipher_seal(&a, pt, 64, ct1), 0);
	T_ASSERT(a.n == UINT64_MAX);
	T_EQ_INT(net_cipher_seal(&a, pt, 64, ct1), DG_ELIMIT);
	b.n = UINT64_MAX - 1;
	T_EQ_INT(net_cipher_open(&b, ct1, sizeof ct1, pt), 0);
	T_EQ_INT(net_cipher_open(&b, ct1, sizeof ct1, pt), DG_ECRYPTO);
	net_cipher_fini(&a);
	net_cipher_fini(&b);
}

/* snow (github.com/mcginty/snow), tests/general.rs,
 * test_XXpsk0_expected_value: statics 00..1f and 01..20, ephemerals
 * 20..3f and 21..40, psk 04..23, prologue 01 02 03, payloads "abc",
 * "defg" and "", and the bytes of msg3.  The reference here must agree
 * too. */
static void
test_snow_vector(void)
{
	static const char want3[] =
	    "072b7bbd237ac602c4aa938db36998f31ca4750752d1758d59850c627d0bdbc5"
	    "1205592c3baa101b4a31f062695b7c1dbee99d5123fbd2ad03052078c570e028";
	static const uint8_t pro[] = {1, 2, 3};
	uint8_t keys[4][32], psk[32], w3[64], m1[51], m2[100], m3[64];
	uint8_t hash[32], r1[51], r2[100], r3[64], pl[8];
	const uint8_t *pls[3] = {(const uint8_t *)"abc",
	    (const uint8_t *)"defg", (const uint8_t *)""};
	const size_t plen[3] = {3, 4, 0};
	uint8_t *const msg[3] = {m1, m2, m3};
	struct ref ri, rr;

	setup();
	fill(keys[0], 32, 0);
	fill(keys[1], 32, 32);
	fill(keys[2], 32, 1);
	fill(keys[3], 32, 33);
	fill(psk, 32, 4);
	unhex(want3, w3, sizeof w3);
	T_EQ_INT(net_noise_test_vector(pro, 3, psk, (const uint8_t(*)[32])keys,
	             pls, plen, msg, hash),
	    0);
	T_ASSERT(memcmp(m3, w3, sizeof w3) == 0);

	ref_init(&ri, pro, 3, keys[0], keys[1], psk);
	ref_init(&rr, pro, 3, keys[2], keys[3], psk);
	ref_w1(&ri, pls[0], 3, r1);
	T_ASSERT(memcmp(r1, m1, sizeof m1) == 0);
	T_EQ_INT(ref_r1(&rr, r1, sizeof r1, pl), 0);
	ref_w2(&rr, pls[1], 4, r2);
	T_ASSERT(memcmp(r2, m2, sizeof m2) == 0);
	T_EQ_INT(ref_r2(&ri, r2, sizeof r2, pl), 0);
	ref_w3(&ri, pls[2], 0, r3);
	T_ASSERT(memcmp(r3, w3, sizeof w3) == 0);
	T_ASSERT(memcmp(ri.h, hash, 32) == 0);

	/* the hook refuses payloads over its buffer */
	{
		const size_t big[3] = {65, 0, 0};

		T_EQ_INT(net_noise_test_vector(pro, 3, psk,
		             (const uint8_t(*)[32])keys, pls, big, msg, hash),
		    DG_EINVAL);
	}
}

T_MAIN(T_CASE(test_handshake), T_CASE(test_psk_choice), T_CASE(test_tamper),
    T_CASE(test_reference_bytes), T_CASE(test_wrong_identity),
    T_CASE(test_lengths), T_CASE(test_order), T_CASE(test_new_refuses),
    T_CASE(test_cipher), T_CASE(test_snow_vector))
