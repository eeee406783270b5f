/* net/noise.c - Noise_XXpsk0_25519_ChaChaPoly_SHA256 (Noise revision 34).
 *
 * The symmetric layer (MixHash, MixKey, MixKeyAndHash, EncryptAndHash,
 * DecryptAndHash, Split) is written once and the three messages are built
 * from it token by token, in the spec's order, so a reader can hold this
 * file against section 5 and section 9 of the spec.  The message steps
 * take any payload; the public functions fix the payloads dugnad sends
 * and check the identity they name.
 */
#include "net/noise.h"

#include <string.h>

#include <sodium.h>

#define HASHLEN 32
#define DHLEN 32
#define TAGLEN 16
#define PAYLOAD_MAX 64 /* of the message steps; dugnad's are 8 and 32 */

static const char proto_name[] = "Noise_XXpsk0_25519_ChaChaPoly_SHA256";
static const char prologue[] = "dugnad v1";

enum step {
	ST_START, /* initiator: write1; responder: read1 */
	ST_ONE,   /* initiator: read2; responder: write2 */
	ST_TWO,   /* initiator: write3; responder: read3 */
	ST_DONE,  /* split */
	ST_DEAD,  /* a step failed half-way: the state is meaningless */
};

struct net_noise {
	int initiator;
	int step;
	int e_fixed; /* e_sk came from net_noise_set_ephemeral */
	/* The symmetric state.  psk0 mixes a key in before anything is
	 * encrypted, so k is always set when EncryptAndHash runs and no
	 * "has key" flag is needed. */
	uint8_t ck[HASHLEN];
	uint8_t h[HASHLEN];
	uint8_t k[32];
	uint64_t n;
	uint8_t s_sk[DHLEN], s_pk[DHLEN];
	uint8_t e_sk[DHLEN], e_pk[DHLEN];
	uint8_t rs[DHLEN], re[DHLEN];
	uint8_t ed_pk[32]; /* this node's identity, the payload of msg2/3 */
};

/* For tests only (tests/unit/test_noise.c declares it too): runs a whole
 * handshake through the message steps below with raw X25519 keys
 * (keys: initiator static, initiator ephemeral, responder static,
 * responder ephemeral), any prologue and payloads (at most PAYLOAD_MAX
 * bytes each), writing the three messages (32 + plen[0] + 16,
 * 80 + plen[1] + 16 and 48 + plen[2] + 16 bytes) and the handshake
 * hash.  It exists so published test vectors, which use other prologues
 * and payloads than dugnad does, can check the bytes.  Returns 0,
 * DG_EINVAL, DG_ENOMEM or DG_ECRYPTO (a side could not read a message,
 * or the two sides disagree). */
int net_noise_test_vector(const uint8_t *pro, size_t prolen,
    const uint8_t psk[32], const uint8_t keys[4][32],
    const uint8_t *const pl[3], const size_t plen[3], uint8_t *const msg[3],
    uint8_t hash[32]) DG_WUR;

/* ---- the symmetric state (spec section 5.2) ---- */

/* HMAC-SHA256(key, a || b); libsodium's accepts any key length. */
static void
hmac(uint8_t out[32], const uint8_t *key, size_t keylen, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, a, alen);
	if (blen > 0)
		crypto_auth_hmacsha256_update(&st, b, blen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

/* HKDF of spec section 4.3 with two or three outputs (o3 may be NULL).
 * o1 may alias ck: ck is read only to make the temporary key. */
static void
hkdf(const uint8_t ck[HASHLEN], const uint8_t *ikm, size_t ikmlen,
    uint8_t o1[HASHLEN], uint8_t o2[HASHLEN], uint8_t *o3)
{
	uint8_t tk[HASHLEN];
	const uint8_t one = 1, two = 2, three = 3;

	hmac(tk, ck, HASHLEN, ikm, ikmlen, NULL, 0);
	hmac(o1, tk, HASHLEN, &one, 1, NULL, 0);
	hmac(o2, tk, HASHLEN, o1, HASHLEN, &two, 1);
	if (o3 != NULL)
		hmac(o3, tk, HASHLEN, o2, HASHLEN, &three, 1);
	sodium_memzero(tk, sizeof tk);
}

static void
mix_hash(struct net_noise *hs, const uint8_t *data, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, hs->h, HASHLEN);
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, hs->h);
	sodium_memzero(&st, sizeof st);
}

static void
mix_key(struct net_noise *hs, const uint8_t *ikm, size_t len)
{
	hkdf(hs->ck, ikm, len, hs->ck, hs->k, NULL);
	hs->n = 0;
}

static void
mix_key_and_hash(struct net_noise *hs, const uint8_t ikm[32])
{
	uint8_t th[HASHLEN];

	hkdf(hs->ck, ikm, 32, hs->ck, th, hs->k);
	mix_hash(hs, th, HASHLEN);
	hs->n = 0;
	sodium_memzero(th, sizeof th);
}

/* ChaChaPoly nonce: 4 zero bytes, then n as 64-bit little endian. */
static void
nonce_of(uint64_t n, uint8_t nonce[12])
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

/* The handshake's n never passes 2 (a key encrypts at most twice before
 * MixKey replaces it), so the 2^64-1 limit cannot be reached here. */
static void
encrypt_and_hash(
    struct net_noise *hs, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[12];

	nonce_of(hs->n, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(
	    out, NULL, in, len, hs->h, HASHLEN, NULL, nonce, hs->k);
	hs->n++;
	mix_hash(hs, out, len + TAGLEN);
}

/* in: len bytes of ciphertext and tag (len >= TAGLEN); out: len - TAGLEN
 * bytes. */
static int
decrypt_and_hash(
    struct net_noise *hs, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[12];

	nonce_of(hs->n, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
	        out, NULL, NULL, in, len, hs->h, HASHLEN, nonce, hs->k) != 0)
		return DG_ECRYPTO;
	hs->n++;
	mix_hash(hs, in, len);
	return 0;
}

/* libsodium refuses an all-zero result (a low-order point from the
 * peer), which Noise allows but which would make the DH worthless. */
static int
dh(uint8_t out[DHLEN], const uint8_t sk[DHLEN], const uint8_t pk[DHLEN])
{
	if (crypto_scalarmult(out, sk, pk) != 0) {
		sodium_memzero(out, DHLEN);
		return DG_ECRYPTO;
	}
	return 0;
}

static int
mix_dh(struct net_noise *hs, const uint8_t sk[DHLEN], const uint8_t pk[DHLEN])
{
	uint8_t shared[DHLEN];
	int rc;

	rc = dh(shared, sk, pk);
	if (rc == 0)
		mix_key(hs, shared, DHLEN);
	sodium_memzero(shared, sizeof shared);
	return rc;
}

/* InitializeSymmetric and MixHash(prologue).  The protocol name is 36
 * bytes, longer than HASHLEN, so h = HASH(name) (spec section 5.2). */
static void
sym_init(struct net_noise *hs, const uint8_t *pro, size_t prolen)
{
	crypto_hash_sha256(
	    hs->h, (const uint8_t *)proto_name, sizeof proto_name - 1);
	memcpy(hs->ck, hs->h, HASHLEN);
	memset(hs->k, 0, sizeof hs->k);
	hs->n = 0;
	mix_hash(hs, pro, prolen);
}

static struct net_noise *
hs_alloc(int initiator)
{
	struct net_noise *hs;

	hs = sodium_malloc(sizeof *hs);
	if (hs == NULL)
		return NULL;
	memset(hs, 0, sizeof *hs);
	hs->initiator = initiator;
	hs->step = ST_START;
	return hs;
}

/* ---- the tokens and messages (spec sections 5.3 and 9) ---- */

/* "e" when writing: in a psk handshake MixKey(e.pub) follows MixHash. */
static int
token_e_write(struct net_noise *hs, uint8_t out[DHLEN])
{
	if (!hs->e_fixed)
		randombytes_buf(hs->e_sk, DHLEN);
	if (crypto_scalarmult_base(hs->e_pk, hs->e_sk) != 0)
		return DG_ECRYPTO;
	memcpy(out, hs->e_pk, DHLEN);
	mix_hash(hs, hs->e_pk, DHLEN);
	mix_key(hs, hs->e_pk, DHLEN);
	return 0;
}

static void
token_e_read(struct net_noise *hs, const uint8_t in[DHLEN])
{
	memcpy(hs->re, in, DHLEN);
	mix_hash(hs, hs->re, DHLEN);
	mix_key(hs, hs->re, DHLEN);
}

/* -> psk, e: the psk is mixed in by the caller first. */
static int
msg1_write(struct net_noise *hs, const uint8_t *pl, size_t plen, uint8_t *out)
{
	int rc;

	rc = token_e_write(hs, out);
	if (rc != 0)
		return rc;
	encrypt_and_hash(hs, pl, plen, out + DHLEN);
	return 0;
}

static int
msg1_read(struct net_noise *hs, const uint8_t *in, size_t len, uint8_t *pl)
{
	token_e_read(hs, in);
	return decrypt_and_hash(hs, in + DHLEN, len - DHLEN, pl);
}

/* <- e, ee, s, es */
static int
msg2_write(struct net_noise *hs, const uint8_t *pl, size_t plen, uint8_t *out)
{
	int rc;

	rc = token_e_write(hs, out);
	if (rc == 0)
		rc = mix_dh(hs, hs->e_sk, hs->re);
	if (rc != 0)
		return rc;
	encrypt_and_hash(hs, hs->s_pk, DHLEN, out + DHLEN);
	rc = mix_dh(hs, hs->s_sk, hs->re);
	if (rc != 0)
		return rc;
	encrypt_and_hash(hs, pl, plen, out + 2 * DHLEN + TAGLEN);
	return 0;
}

static int
msg2_read(struct net_noise *hs, const uint8_t *in, size_t len, uint8_t *pl)
{
	int rc;

	token_e_read(hs, in);
	rc = mix_dh(hs, hs->e_sk, hs->re);
	if (rc == 0)
		rc = decrypt_and_hash(hs, in + DHLEN, DHLEN + TAGLEN, hs->rs);
	if (rc == 0)
		rc = mix_dh(hs, hs->e_sk, hs->rs);
	if (rc == 0)
		rc = decrypt_and_hash(
		    hs, in + 2 * DHLEN + TAGLEN, len - 2 * DHLEN - TAGLEN, pl);
	return rc;
}

/* -> s, se */
static int
msg3_write(struct net_noise *hs, const uint8_t *pl, size_t plen, uint8_t *out)
{
	int rc;

	encrypt_and_hash(hs, hs->s_pk, DHLEN, out);
	rc = mix_dh(hs, hs->s_sk, hs->re);
	if (rc != 0)
		return rc;
	encrypt_and_hash(hs, pl, plen, out + DHLEN + TAGLEN);
	return 0;
}

static int
msg3_read(struct net_noise *hs, const uint8_t *in, size_t len, uint8_t *pl)
{
	int rc;

	rc = decrypt_and_hash(hs, in, DHLEN + TAGLEN, hs->rs);
	if (rc == 0)
		rc = mix_dh(hs, hs->e_sk, hs->rs);
	if (rc == 0)
		rc = decrypt_and_hash(
		    hs, in + DHLEN + TAGLEN, len - DHLEN - TAGLEN, pl);
	return rc;
}

/* ---- the public API ---- */

int
net_noise_new(int initiator, const uint8_t pk[32], const uint8_t *sk,
    const uint8_t *psk, struct net_noise **out)
{
	struct net_noise *hs = NULL;
	uint8_t check[DHLEN];
	int rc;

	*out = NULL;
	if (initiator ? psk == NULL : psk != NULL)
		return DG_EINVAL;
	if (sodium_init() < 0)
		return DG_ECRYPTO;
	hs = hs_alloc(initiator != 0);
	if (hs == NULL)
		return DG_ENOMEM;
	/* The static public key is derived from sk and must equal the
	 * conversion of pk: a pair that does not match would otherwise
	 * surface later as the peer's DG_ESIG. */
	rc = DG_ECRYPTO;
	if (crypto_sign_ed25519_sk_to_curve25519(hs->s_sk, sk) != 0 ||
	    crypto_scalarmult_base(hs->s_pk, hs->s_sk) != 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(check, pk) != 0 ||
	    sodium_memcmp(check, hs->s_pk, DHLEN) != 0)
		goto out;
	memcpy(hs->ed_pk, pk, 32);
	sym_init(hs, (const uint8_t *)prologue, sizeof prologue - 1);
	/* The psk token opens msg1 and nothing comes before it, so the
	 * initiator mixes it now and keeps no copy. */
	if (initiator)
		mix_key_and_hash(hs, psk);
	*out = hs;
	hs = NULL;
	rc = 0;
out:
	sodium_memzero(check, sizeof check);
	net_noise_free(hs);
	return rc;
}

void
net_noise_free(struct net_noise *hs)
{
	if (hs != NULL)
		sodium_free(hs);
}

void
net_noise_set_ephemeral(struct net_noise *hs, const uint8_t sk[32])
{
	if (hs == NULL || hs->step != ST_START)
		return;
	memcpy(hs->e_sk, sk, DHLEN);
	hs->e_fixed = 1;
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

static uint64_t
get_be64(const uint8_t p[8])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

int
net_noise_write1(
    struct net_noise *hs, uint64_t time, uint8_t out[NET_NOISE_MSG1])
{
	uint8_t pl[8];
	int rc;

	if (!hs->initiator || hs->step != ST_START)
		return DG_ESTATE;
	put_be64(pl, time);
	rc = msg1_write(hs, pl, sizeof pl, out);
	hs->step = rc == 0 ? ST_ONE : ST_DEAD;
	return rc;
}

int
net_noise_read1(struct net_noise *hs, const uint8_t *in, size_t len,
    const uint8_t (*psks)[32], size_t npsk, size_t *which, uint64_t *time)
{
	struct net_noise *t = NULL;
	uint8_t pl[8];
	size_t i;
	int rc;

	if (hs->initiator || hs->step != ST_START)
		return DG_ESTATE;
	if (psks == NULL || npsk == 0 || npsk > NET_NOISE_PSK_MAX)
		return DG_EINVAL;
	if (len != NET_NOISE_MSG1)
		return DG_EDECODE;
	/* Each psk is tried on a copy, so a failed try (or all of them)
	 * leaves hs as it was. */
	t = sodium_malloc(sizeof *t);
	if (t == NULL)
		return DG_ENOMEM;
	rc = DG_ECRYPTO;
	for (i = 0; i < npsk; i++) {
		memcpy(t, hs, sizeof *t);
		mix_key_and_hash(t, psks[i]);
		if (msg1_read(t, in, len, pl) == 0) {
			memcpy(hs, t, sizeof *hs);
			hs->step = ST_ONE;
			if (which != NULL)
				*which = i;
			if (time != NULL)
				*time = get_be64(pl);
			rc = 0;
			break;
		}
	}
	sodium_memzero(pl, sizeof pl);
	sodium_free(t);
	return rc;
}

int
net_noise_write2(struct net_noise *hs, uint8_t out[NET_NOISE_MSG2])
{
	int rc;

	if (hs->initiator || hs->step != ST_ONE)
		return DG_ESTATE;
	rc = msg2_write(hs, hs->ed_pk, 32, out);
	hs->step = rc == 0 ? ST_TWO : ST_DEAD;
	return rc;
}

/* The payload names an Ed25519 key that must convert to the static key
 * just received: the DH with that static key proved possession of it. */
static int
check_identity(const struct net_noise *hs, const uint8_t ed[32])
{
	uint8_t x[DHLEN];
	int rc = 0;

	if (crypto_sign_ed25519_pk_to_curve25519(x, ed) != 0)
		rc = DG_ECRYPTO;
	else if (sodium_memcmp(x, hs->rs, DHLEN) != 0)
		rc = DG_ESIG;
	sodium_memzero(x, sizeof x);
	return rc;
}

int
net_noise_read2(
    struct net_noise *hs, const uint8_t *in, size_t len, uint8_t peer[32])
{
	uint8_t pl[32];
	int rc;

	if (!hs->initiator || hs->step != ST_ONE)
		return DG_ESTATE;
	if (len != NET_NOISE_MSG2)
		return DG_EDECODE;
	rc = msg2_read(hs, in, len, pl);
	if (rc == 0)
		rc = check_identity(hs, pl);
	if (rc == 0 && peer != NULL)
		memcpy(peer, pl, 32);
	hs->step = rc == 0 ? ST_TWO : ST_DEAD;
	return rc;
}

int
net_noise_write3(struct net_noise *hs, uint8_t out[NET_NOISE_MSG3])
{
	int rc;

	if (!hs->initiator || hs->step != ST_TWO)
		return DG_ESTATE;
	rc = msg3_write(hs, hs->ed_pk, 32, out);
	hs->step = rc == 0 ? ST_DONE : ST_DEAD;
	return rc;
}

int
net_noise_read3(
    struct net_noise *hs, const uint8_t *in, size_t len, uint8_t peer[32])
{
	uint8_t pl[32];
	int rc;

	if (hs->initiator || hs->step != ST_TWO)
		return DG_ESTATE;
	if (len != NET_NOISE_MSG3)
		return DG_EDECODE;
	rc = msg3_read(hs, in, len, pl);
	if (rc == 0)
		rc = check_identity(hs, pl);
	if (rc == 0 && peer != NULL)
		memcpy(peer, pl, 32);
	hs->step = rc == 0 ? ST_DONE : ST_DEAD;
	return rc;
}

int
net_noise_split(struct net_noise *hs, struct net_cipher *tx,
    struct net_cipher *rx, uint8_t hash[32])
{
	uint8_t k1[32], k2[32];

	if (hs->step != ST_DONE)
		return DG_ESTATE;
	hkdf(hs->ck, NULL, 0, k1, k2, NULL);
	/* The initiator sends with the first key, the responder with the
	 * second. */
	memcpy(tx->k, hs->initiator ? k1 : k2, 32);
	memcpy(rx->k, hs->initiator ? k2 : k1, 32);
	tx->n = 0;
	rx->n = 0;
	if (hash != NULL)
		memcpy(hash, hs->h, HASHLEN);
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
	return 0;
}

/* ---- transport ---- */

int
net_cipher_seal(
    struct net_cipher *c, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[12];

	/* Noise reserves n = 2^64-1. */
	if (c->n == UINT64_MAX)
		return DG_ELIMIT;
	nonce_of(c->n, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(
	    out, NULL, in, len, NULL, 0, NULL, nonce, c->k);
	c->n++;
	return 0;
}

int
net_cipher_open(
    struct net_cipher *c, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[12];

	if (len < TAGLEN)
		return DG_EDECODE;
	/* No sender seals with n = 2^64-1, so nothing opens there. */
	if (c->n == UINT64_MAX)
		return DG_ECRYPTO;
	nonce_of(c->n, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
	        out, NULL, NULL, in, len, NULL, 0, nonce, c->k) != 0)
		return DG_ECRYPTO;
	c->n++;
	return 0;
}

void
net_cipher_fini(struct net_cipher *c)
{
	if (c != NULL)
		sodium_memzero(c, sizeof *c);
}

/* ---- the test hook ---- */

static int
test_side(int initiator, const uint8_t *pro, size_t prolen,
    const uint8_t psk[32], const uint8_t s[32], const uint8_t e[32],
    struct net_noise **out)
{
	struct net_noise *hs;

	*out = hs = hs_alloc(initiator);
	if (hs == NULL)
		return DG_ENOMEM;
	memcpy(hs->s_sk, s, DHLEN);
	if (crypto_scalarmult_base(hs->s_pk, hs->s_sk) != 0)
		return DG_ECRYPTO;
	memcpy(hs->e_sk, e, DHLEN);
	hs->e_fixed = 1;
	sym_init(hs, pro, prolen);
	mix_key_and_hash(hs, psk);
	return 0;
}

int
net_noise_test_vector(const uint8_t *pro, size_t prolen, const uint8_t psk[32],
    const uint8_t keys[4][32], const uint8_t *const pl[3], const size_t plen[3],
    uint8_t *const msg[3], uint8_t hash[32])
{
	struct net_noise *i = NULL, *r = NULL;
	uint8_t got[PAYLOAD_MAX];
	size_t len[3];
	int rc;

	if (plen[0] > PAYLOAD_MAX || plen[1] > PAYLOAD_MAX ||
	    plen[2] > PAYLOAD_MAX)
		return DG_EINVAL;
	if (sodium_init() < 0)
		return DG_ECRYPTO;
	len[0] = DHLEN + plen[0] + TAGLEN;
	len[1] = 2 * DHLEN + 2 * TAGLEN + plen[1];
	len[2] = DHLEN + 2 * TAGLEN + plen[2];
	rc = test_side(1, pro, prolen, psk, keys[0], keys[1], &i);
	if (rc == 0)
		rc = test_side(0, pro, prolen, psk, keys[2], keys[3], &r);
	if (rc == 0)
		rc = msg1_write(i, pl[0], plen[0], msg[0]);
	if (rc == 0)
		rc = msg1_read(r, msg[0], len[0], got);
	if (rc == 0 && sodium_memcmp(got, pl[0], plen[0]) != 0)
		rc = DG_ECRYPTO;
	if (rc == 0)
		rc = msg2_write(r, pl[1], plen[1], msg[1]);
	if (rc == 0)
		rc = msg2_read(i, msg[1], len[1], got);
	if (rc == 0 && sodium_memcmp(got, pl[1], plen[1]) != 0)
		rc = DG_ECRYPTO;
	if (rc == 0)
		rc = msg3_write(i, pl[2], plen[2], msg[2]);
	if (rc == 0)
		rc = msg3_read(r, msg[2], len[2], got);
	if (rc == 0 && sodium_memcmp(got, pl[2], plen[2]) != 0)
		rc = DG_ECRYPTO;
	if (rc == 0 && sodium_memcmp(i->h, r->h, HASHLEN) != 0)
		rc = DG_ECRYPTO;
	if (rc == 0)
		memcpy(hash, i->h, HASHLEN);
	sodium_memzero(got, sizeof got);
	net_noise_free(i);
	net_noise_free(r);
	return rc;
}
