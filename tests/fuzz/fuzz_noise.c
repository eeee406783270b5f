/* Fuzz target: the handshake messages (net_noise_read1/read2/read3).
 *
 * Identities, psks and ephemeral keys are fixed (net_noise_set_ephemeral),
 * so a genuine handshake always gives the same three messages.  The first
 * input byte (mod 7) picks what the rest of it is:
 *
 *   0, 1, 2  msg1, msg2 or msg3 as read from the wire, after a genuine
 *            handshake up to that point.  The read must refuse a wrong
 *            length with DG_EDECODE and anything else but the genuine
 *            message with DG_ECRYPTO (no forgery), and accept the genuine
 *            one with the right psk index, time or peer.  A refused msg1
 *            leaves the responder as it was (the genuine msg1 is then
 *            still taken); a refused msg2 or msg3 of the right length
 *            leaves nothing usable (write3 and split refuse).
 *   3, 4, 5  the fields of msg1, msg2 or msg3, sealed here with a second
 *            Noise implementation that knows the reader's secrets, so any
 *            ephemeral or static key (low-order points included) and any
 *            payload gets past the AEAD: msg1 = psk choice (1), number of
 *            psks held (in the same byte), e (32), time (8); msg2 = e (32),
 *            s (32), Ed25519 key (32); msg3 = s (32), Ed25519 key (32);
 *            then an optional position and XOR mask applied to the sealed
 *            message.  The read must give exactly what the fields call
 *            for: DG_ECRYPTO for a psk not held, a low-order point, an
 *            altered byte or a named key that does not convert; DG_ESIG
 *            for one that converts to another static key; otherwise
 *            success with that key as the peer (or that psk index and
 *            time).  After a success the next message written, or the
 *            split keys and handshake hash, must equal the second
 *            implementation's.
 *   6        a transport frame (net_cipher_open) under the keys of the
 *            genuine handshake, at the nonce 0, 2^64-2 or 2^64-1 (first
 *            byte / 7, mod 3).  From the wire it must be refused
 *            (DG_EDECODE under 16 bytes, else DG_ECRYPTO) without moving
 *            the nonce; as a plaintext sealed here it must open with the
 *            peer's key only, once, to the same bytes; nothing is sealed
 *            at 2^64-1 (DG_ELIMIT).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/noise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TIME 1700000000u
#define NPSK 3
#define MY_PSK 1 /* the initiator's: an older epoch at the responder */

struct ident {
	uint8_t pk[32], sk[64];     /* Ed25519 */
	uint8_t xpk[32], xsk[32];   /* converted to X25519 */
	uint8_t e_sk[32], e_pk[32]; /* the fixed ephemeral */
};

/* The second implementation's symmetric state. */
struct sym {
	uint8_t ck[32], h[32], k[32];
	uint64_t n;
};

static struct ident ini, rsp;
static uint8_t psks[NPSK][32], stranger_psk[32];
static uint8_t g1[NET_NOISE_MSG1], g2[NET_NOISE_MSG2], g3[NET_NOISE_MSG3];
static struct sym after1, after2; /* the state after genuine msg1, msg2 */
static uint8_t split[2][32];      /* the transport keys it gives */

/* ---- the second implementation (Noise spec sections 4 and 5) ---- */

static void
hmac(uint8_t out[32], const uint8_t key[32], const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, a, alen);
	crypto_auth_hmacsha256_update(&st, b, blen);
	crypto_auth_hmacsha256_final(&st, out);
}

static void
hkdf(const uint8_t ck[32], const uint8_t *ikm, size_t len, uint8_t o1[32],
    uint8_t o2[32], uint8_t *o3)
{
	uint8_t tk[32], a[32], b[32];
	const uint8_t one = 1, two = 2, three = 3;

	hmac(tk, ck, ikm, len, NULL, 0);
	hmac(a, tk, &one, 1, NULL, 0);
	hmac(b, tk, a, 32, &two, 1);
	if (o3 != NULL)
		hmac(o3, tk, b, 32, &three, 1);
	memcpy(o1, a, 32);
	memcpy(o2, b, 32);
}

static void
mix_hash(struct sym *s, const uint8_t *d, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, s->h, 32);
	crypto_hash_sha256_update(&st, d, len);
	crypto_hash_sha256_final(&st, s->h);
}

static void
mix_key(struct sym *s, const uint8_t *ikm, size_t len)
{
	hkdf(s->ck, ikm, len, s->ck, s->k, NULL);
	s->n = 0;
}

static void
seal(struct sym *s, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[12] = {0};
	int i;

	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(s->n >> (8 * i));
	crypto_aead_chacha20poly1305_ietf_encrypt(
	    out, NULL, in, len, s->h, 32, NULL, nonce, s->k);
	s->n++;
	mix_hash(s, out, len + 16);
}

/* MixKey(DH(sk, pk)); false when the result is all zero (low order). */
static bool
mix_dh(struct sym *s, const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t shared[32];

	if (crypto_scalarmult(shared, sk, pk) != 0)
		return false;
	mix_key(s, shared, 32);
	return true;
}

/* InitializeSymmetric, prologue, psk. */
static void
sym_start(struct sym *s, const uint8_t psk[32])
{
	static const char name[] = "Noise_XXpsk0_25519_ChaChaPoly_SHA256";
	uint8_t tmp[32];

	crypto_hash_sha256(s->h, (const uint8_t *)name, sizeof name - 1);
	memcpy(s->ck, s->h, 32);
	s->n = 0;
	mix_hash(s, (const uint8_t *)"dugnad v1", 9);
	hkdf(s->ck, psk, 32, s->ck, tmp, s->k);
	mix_hash(s, tmp, 32);
}

static void
e_token(struct sym *s, const uint8_t e[32])
{
	mix_hash(s, e, 32);
	mix_key(s, e, 32);
}

static void
put_be64(uint8_t p[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* ---- setup: the genuine handshake, checked against the above ---- */

static void
ident_make(struct ident *id, uint8_t seedbyte)
{
	uint8_t seed[32];

	memset(seed, seedbyte, sizeof seed);
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
	if (crypto_sign_ed25519_sk_to_curve25519(id->xsk, id->sk) != 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(id->xpk, id->pk) != 0)
		abort();
	memset(id->e_sk, seedbyte ^ 0xee, 32);
	if (crypto_scalarmult_base(id->e_pk, id->e_sk) != 0)
		abort();
}

static struct net_noise *
initiator(void)
{
	struct net_noise *hs;
	uint8_t m[NET_NOISE_MSG1];

	if (net_noise_new(1, ini.pk, ini.sk, psks[MY_PSK], &hs) != 0)
		abort();
	net_noise_set_ephemeral(hs, ini.e_sk);
	if (net_noise_write1(hs, TIME, m) != 0 || memcmp(m, g1, sizeof m) != 0)
		abort();
	return hs;
}

/* A responder before msg1. */
static struct net_noise *
responder(void)
{
	struct net_noise *hs;

	if (net_noise_new(0, rsp.pk, rsp.sk, NULL, &hs) != 0)
		abort();
	net_noise_set_ephemeral(hs, rsp.e_sk);
	return hs;
}

/* A responder that has read the genuine msg1 and written msg2. */
static struct net_noise *
responder2(void)
{
	struct net_noise *hs = responder();
	uint8_t m[NET_NOISE_MSG2];
	size_t which;
	uint64_t t;

	if (net_noise_read1(hs, g1, sizeof g1, (const uint8_t(*)[32])psks, NPSK,
	        &which, &t) != 0 ||
	    which != MY_PSK || t != TIME)
		abort();
	if (net_noise_write2(hs, m) != 0 || memcmp(m, g2, sizeof m) != 0)
		abort();
	return hs;
}

static void
setup(void)
{
	struct net_noise *i, *r;
	struct sym s;
	uint8_t m1[NET_NOISE_MSG1], m2[NET_NOISE_MSG2], m3[NET_NOISE_MSG3];
	uint8_t tbe[8], peer[32];
	size_t which;
	uint64_t t;
	int k;

	if (sodium_init() < 0)
		abort();
	ident_make(&ini, 0x11);
	ident_make(&rsp, 0x22);
	for (k = 0; k < NPSK; k++)
		memset(psks[k], 0xa0 + k, 32);
	memset(stranger_psk, 0xaf, 32);

	/* the genuine messages, by the library */
	if (net_noise_new(1, ini.pk, ini.sk, psks[MY_PSK], &i) != 0 ||
	    net_noise_new(0, rsp.pk, rsp.sk, NULL, &r) != 0)
		abort();
	net_noise_set_ephemeral(i, ini.e_sk);
	net_noise_set_ephemeral(r, rsp.e_sk);
	if (net_noise_write1(i, TIME, g1) != 0 ||
	    net_noise_read1(r, g1, sizeof g1, (const uint8_t(*)[32])psks, NPSK,
	        &which, &t) != 0 ||
	    net_noise_write2(r, g2) != 0 ||
	    net_noise_read2(i, g2, sizeof g2, peer) != 0 ||
	    memcmp(peer, rsp.pk, 32) != 0 || net_noise_write3(i, g3) != 0 ||
	    net_noise_read3(r, g3, sizeof g3, peer) != 0 ||
	    memcmp(peer, ini.pk, 32) != 0)
		abort();
	net_noise_free(i);
	net_noise_free(r);

	/* the same, by the second implementation */
	sym_start(&s, psks[MY_PSK]);
	memcpy(m1, ini.e_pk, 32);
	e_token(&s, ini.e_pk);
	put_be64(tbe, TIME);
	seal(&s, tbe, 8, m1 + 32);
	after1 = s;
	memcpy(m2, rsp.e_pk, 32);
	e_token(&s, rsp.e_pk);
	if (!mix_dh(&s, rsp.e_sk, ini.e_pk))
		abort();
	seal(&s, rsp.xpk, 32, m2 + 32);
	if (!mix_dh(&s, rsp.xsk, ini.e_pk))
		abort();
	seal(&s, rsp.pk, 32, m2 + 80);
	after2 = s;
	seal(&s, ini.xpk, 32, m3);
	if (!mix_dh(&s, ini.xsk, rsp.e_pk))
		abort();
	seal(&s, ini.pk, 32, m3 + 48);
	hkdf(s.ck, NULL, 0, split[0], split[1], NULL);
	if (memcmp(m1, g1, sizeof g1) != 0 || memcmp(m2, g2, sizeof g2) != 0 ||
	    memcmp(m3, g3, sizeof g3) != 0)
		abort();
}

/* ---- checks shared by the modes ---- */

/* After a successful read3 or read2-and-write3: the split keys and hash
 * are the second implementation's. */
static void
check_split(struct net_noise *hs, const struct sym *s, int initiator_side)
{
	struct net_cipher tx, rx;
	uint8_t k1[32], k2[32], hash[32];

	if (net_noise_split(hs, &tx, &rx, hash) != 0)
		abort();
	hkdf(s->ck, NULL, 0, k1, k2, NULL);
	if (memcmp(tx.k, initiator_side ? k1 : k2, 32) != 0 ||
	    memcmp(rx.k, initiator_side ? k2 : k1, 32) != 0 || tx.n != 0 ||
	    rx.n != 0 || memcmp(hash, s->h, 32) != 0)
		abort();
	net_cipher_fini(&tx);
	net_cipher_fini(&rx);
}

/* After a refused msg2 or msg3: nothing more comes of this handshake. */
static void
check_dead(struct net_noise *hs, int initiator_side)
{
	struct net_cipher tx, rx;
	uint8_t m[NET_NOISE_MSG3], peer[32];

	if (net_noise_split(hs, &tx, &rx, NULL) != DG_ESTATE)
		abort();
	if (initiator_side) {
		if (net_noise_write3(hs, m) != DG_ESTATE ||
		    net_noise_read2(hs, g2, sizeof g2, peer) != DG_ESTATE)
			abort();
	} else if (net_noise_read3(hs, g3, sizeof g3, peer) != DG_ESTATE) {
		abort();
	}
}

/* What a read must return for a sealed payload naming ed, after a
 * static key s was received. */
static int
expect_identity(const uint8_t s[32], const uint8_t ed[32])
{
	uint8_t x[32];

	if (crypto_sign_ed25519_pk_to_curve25519(x, ed) != 0)
		return DG_ECRYPTO;
	return memcmp(x, s, 32) == 0 ? 0 : DG_ESIG;
}

/* Applies the optional position and mask t[0], t[1]; true if a byte
 * changed. */
static bool
tamper(uint8_t *m, size_t len, const uint8_t t[2])
{
	if (t[1] == 0)
		return false;
	m[t[0] % len] ^= t[1];
	return true;
}

/* ---- the modes ---- */

static void
raw1(const uint8_t *in, size_t len)
{
	struct net_noise *r = responder();
	uint8_t m[NET_NOISE_MSG2];
	bool genuine = len == sizeof g1 && memcmp(in, g1, len) == 0;
	size_t which = 99;
	uint64_t t = 0;
	int rc;

	rc = net_noise_read1(
	    r, in, len, (const uint8_t(*)[32])psks, NPSK, &which, &t);
	if (genuine) {
		if (rc != 0 || which != MY_PSK || t != TIME)
			abort();
	} else {
		if (rc != (len == sizeof g1 ? DG_ECRYPTO : DG_EDECODE) ||
		    which != 99 || t != 0)
			abort();
		/* refused: the responder is as it was */
		if (net_noise_read1(r, g1, sizeof g1,
		        (const uint8_t(*)[32])psks, NPSK, &which, &t) != 0 ||
		    which != MY_PSK || t != TIME)
			abort();
	}
	if (net_noise_write2(r, m) != 0 || memcmp(m, g2, sizeof m) != 0)
		abort();
	net_noise_free(r);
}

static void
raw2(const uint8_t *in, size_t len)
{
	struct net_noise *i = initiator();
	uint8_t m[NET_NOISE_MSG3], peer[32];
	bool genuine = len == sizeof g2 && memcmp(in, g2, len) == 0;
	int rc;

	memset(peer, 0, sizeof peer);
	rc = net_noise_read2(i, in, len, peer);
	if (len != sizeof g2) {
		/* a wrong length consumes nothing */
		if (rc != DG_EDECODE ||
		    net_noise_read2(i, g2, sizeof g2, peer) != 0)
			abort();
		genuine = true;
	} else if (!genuine) {
		if (rc != DG_ECRYPTO)
			abort();
		check_dead(i, 1);
	} else if (rc != 0) {
		abort();
	}
	if (genuine) {
		if (memcmp(peer, rsp.pk, 32) != 0 ||
		    net_noise_write3(i, m) != 0 || memcmp(m, g3, sizeof m) != 0)
			abort();
	}
	net_noise_free(i);
}

static void
raw3(const uint8_t *in, size_t len)
{
	struct net_noise *r = responder2();
	uint8_t peer[32];
	bool genuine = len == sizeof g3 && memcmp(in, g3, len) == 0;
	int rc;

	memset(peer, 0, sizeof peer);
	rc = net_noise_read3(r, in, len, peer);
	if (len != sizeof g3) {
		if (rc != DG_EDECODE ||
		    net_noise_read3(r, g3, sizeof g3, peer) != 0)
			abort();
		genuine = true;
	} else if (!genuine) {
		if (rc != DG_ECRYPTO)
			abort();
		check_dead(r, 0);
	} else if (rc != 0) {
		abort();
	}
	if (genuine && memcmp(peer, ini.pk, 32) != 0)
		abort();
	net_noise_free(r);
}

/* f: selector (psk = low 2 bits, 3 = not held; psks held = 1 + (bits 2-3
 * mod 3)), e (32), time (8), tamper (2). */
static void
sealed1(const uint8_t *f)
{
	struct net_noise *r = responder();
	struct sym s;
	uint8_t m[NET_NOISE_MSG1], m2[NET_NOISE_MSG2], w2[NET_NOISE_MSG2];
	const uint8_t *e = f + 1, *tbe = f + 33;
	size_t npsk = 1 + (size_t)((f[0] >> 2) % 3), k = f[0] & 3, which = 99;
	uint64_t t = 0, want_t = 0;
	bool held = k < npsk, dh_ok;
	int rc, i;

	sym_start(&s, k < NPSK ? psks[k] : stranger_psk);
	memcpy(m, e, 32);
	e_token(&s, e);
	seal(&s, tbe, 8, m + 32);
	if (tamper(m, sizeof m, f + 41))
		held = false;
	rc = net_noise_read1(
	    r, m, sizeof m, (const uint8_t(*)[32])psks, npsk, &which, &t);
	if (!held) {
		if (rc != DG_ECRYPTO || which != 99 || t != 0)
			abort();
		net_noise_free(r);
		return;
	}
	for (i = 0; i < 8; i++)
		want_t = want_t << 8 | tbe[i];
	if (rc != 0 || which != k || t != want_t)
		abort();
	/* msg2 answers whatever e was: a low-order one fails the DH */
	memcpy(m2, rsp.e_pk, 32);
	e_token(&s, rsp.e_pk);
	dh_ok = mix_dh(&s, rsp.e_sk, e);
	if (dh_ok) {
		seal(&s, rsp.xpk, 32, m2 + 32);
		dh_ok = mix_dh(&s, rsp.xsk, e);
	}
	if (dh_ok)
		seal(&s, rsp.pk, 32, m2 + 80);
	rc = net_noise_write2(r, w2);
	if (dh_ok ? rc != 0 || memcmp(w2, m2, sizeof m2) != 0
	          : rc != DG_ECRYPTO)
		abort();
	net_noise_free(r);
}

/* f: e (32), s (32), Ed25519 key (32), tamper (2). */
static void
sealed2(const uint8_t *f)
{
	struct net_noise *i = initiator();
	struct sym s = after1;
	uint8_t m[NET_NOISE_MSG2], m3[NET_NOISE_MSG3], w3[NET_NOISE_MSG3];
	uint8_t peer[32];
	const uint8_t *e = f, *st = f + 32, *ed = f + 64;
	int rc, want;

	memset(m, 0, sizeof m);
	memcpy(m, e, 32);
	e_token(&s, e);
	want = DG_ECRYPTO;
	if (mix_dh(&s, ini.e_sk, e)) {
		seal(&s, st, 32, m + 32);
		if (mix_dh(&s, ini.e_sk, st)) {
			seal(&s, ed, 32, m + 80);
			want = expect_identity(st, ed);
		}
	}
	if (tamper(m, sizeof m, f + 96))
		want = DG_ECRYPTO;
	memset(peer, 0, sizeof peer);
	rc = net_noise_read2(i, m, sizeof m, peer);
	if (rc != want)
		abort();
	if (rc != 0) {
		check_dead(i, 1);
		net_noise_free(i);
		return;
	}
	if (memcmp(peer, ed, 32) != 0)
		abort();
	/* msg3 and the split follow from this msg2 */
	seal(&s, ini.xpk, 32, m3);
	rc = net_noise_write3(i, w3);
	if (!mix_dh(&s, ini.xsk, e)) {
		if (rc != DG_ECRYPTO)
			abort();
		check_dead(i, 1);
		net_noise_free(i);
		return;
	}
	seal(&s, ini.pk, 32, m3 + 48);
	if (rc != 0 || memcmp(w3, m3, sizeof m3) != 0)
		abort();
	check_split(i, &s, 1);
	net_noise_free(i);
}

/* f: s (32), Ed25519 key (32), tamper (2). */
static void
sealed3(const uint8_t *f)
{
	struct net_noise *r = responder2();
	struct sym s = after2;
	uint8_t m[NET_NOISE_MSG3], peer[32];
	const uint8_t *st = f, *ed = f + 32;
	int rc, want;

	memset(m, 0, sizeof m);
	seal(&s, st, 32, m);
	want = DG_ECRYPTO;
	if (mix_dh(&s, rsp.e_sk, st)) {
		seal(&s, ed, 32, m + 48);
		want = expect_identity(st, ed);
	}
	if (tamper(m, sizeof m, f + 64))
		want = DG_ECRYPTO;
	memset(peer, 0, sizeof peer);
	rc = net_noise_read3(r, m, sizeof m, peer);
	if (rc != want)
		abort();
	if (rc != 0) {
		check_dead(r, 0);
	} else {
		if (memcmp(peer, ed, 32) != 0)
			abort();
		check_split(r, &s, 0);
	}
	net_noise_free(r);
}

/* in: bytes (len) as a transport frame, and as a plaintext; f[0] picks
 * the nonce (0, 2^64-2 or 2^64-1, the one no sender uses). */
static void
transport(const uint8_t *in, size_t len, uint8_t sel)
{
	static const uint64_t nonces[3] = {0, UINT64_MAX - 1, UINT64_MAX};
	struct net_cipher tx, rx;
	uint8_t *sealed, *plain;
	uint64_t n = nonces[sel % 3];
	int rc;

	/* the responder's keys after the genuine handshake */
	memcpy(rx.k, split[0], 32);
	memcpy(tx.k, split[1], 32);
	tx.n = rx.n = n;
	sealed = malloc(len + 16);
	plain = malloc(len > 0 ? len : 1);
	if (sealed == NULL || plain == NULL)
		abort();
	/* no frame from the wire opens: nobody else holds the key */
	rc = net_cipher_open(&rx, in, len, plain);
	if (rc != (len < 16 ? DG_EDECODE : DG_ECRYPTO) || rx.n != n)
		abort();
	/* sealed here, it opens with the peer's key and only that */
	rc = net_cipher_seal(&tx, in, len, sealed);
	if (n == UINT64_MAX) {
		if (rc != DG_ELIMIT || tx.n != n)
			abort();
	} else {
		if (rc != 0 || tx.n != n + 1)
			abort();
		if (net_cipher_open(&rx, sealed, len + 16, plain) != DG_ECRYPTO)
			abort(); /* rx is the other direction */
		memcpy(rx.k, tx.k, 32);
		if (net_cipher_open(&rx, sealed, len + 16, plain) != 0 ||
		    rx.n != n + 1 || (len > 0 && memcmp(plain, in, len) != 0))
			abort();
		/* the same frame again is a replay */
		if (net_cipher_open(&rx, sealed, len + 16, plain) != DG_ECRYPTO)
			abort();
	}
	net_cipher_fini(&tx);
	net_cipher_fini(&rx);
	free(sealed);
	free(plain);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	uint8_t *copy, f[128];

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size == 0)
		return 0;
	/* the fields, zero-padded, for the sealed modes */
	memset(f, 0, sizeof f);
	memcpy(f, data + 1, size - 1 < sizeof f ? size - 1 : sizeof f);
	switch (data[0] % 7) {
	case 0:
	case 1:
	case 2:
	case 6:
		/* an exact-size copy, so ASan sees any read past the end */
		copy = malloc(size > 1 ? size - 1 : 1);
		if (copy == NULL)
			return 0;
		memcpy(copy, data + 1, size - 1);
		if (data[0] % 7 == 0)
			raw1(copy, size - 1);
		else if (data[0] % 7 == 1)
			raw2(copy, size - 1);
		else if (data[0] % 7 == 2)
			raw3(copy, size - 1);
		else
			transport(copy, size - 1, data[0] / 7);
		free(copy);
		break;
	case 3: sealed1(f); break;
	case 4: sealed2(f); break;
	case 5: sealed3(f); break;
	}
	return 0;
}
