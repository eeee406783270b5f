#include "core/box.h"

#include <pthread.h>
#include <string.h>

#include <sodium.h>

/* Nonces come from a small per-thread pool filled by one call to the
 * system's generator: a store import seals one value per entry, and a
 * getrandom call each cost a tenth of the receiver's time.  A forked
 * child drops the pool it inherited, so no nonce is ever used twice. */
#define POOL_NONCES 64

static _Thread_local struct {
	uint8_t bytes[POOL_NONCES * CORE_BOX_NONCE];
	size_t left; /* nonces not yet handed out, at the end of bytes */
} pool;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static int pool_off; /* the fork handler could not be set: no pool */

static void
pool_drop(void)
{
	pool.left = 0;
}

static void
pool_register(void)
{
	if (pthread_atfork(NULL, NULL, pool_drop) != 0)
		pool_off = 1;
}

void
core_box_nonce(uint8_t out[CORE_BOX_NONCE])
{
	uint8_t *p;

	pthread_once(&pool_once, pool_register);
	if (pool_off) {
		randombytes_buf(out, CORE_BOX_NONCE);
		return;
	}
	if (pool.left == 0) {
		randombytes_buf(pool.bytes, sizeof pool.bytes);
		pool.left = POOL_NONCES;
	}
	p = pool.bytes + (POOL_NONCES - pool.left) * CORE_BOX_NONCE;
	memcpy(out, p, CORE_BOX_NONCE);
	sodium_memzero(p, CORE_BOX_NONCE); /* handed out, not kept */
	pool.left--;
}

void
core_box_seal(const uint8_t key[CORE_BOX_KEY], const uint8_t *ad,
    size_t adlen, const uint8_t *pt, size_t n, uint8_t *out)
{
	unsigned long long clen;

	core_box_nonce(out);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 24, &clen, pt, n, ad,
	    adlen, NULL, out, key);
}

int
core_box_open(const uint8_t key[CORE_BOX_KEY], const uint8_t *ad,
    size_t adlen, const uint8_t *box, size_t n, uint8_t *out)
{
	unsigned long long plen;

	if (n < CORE_BOX_OVERHEAD)
		return DG_EDECODE;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL,
		box + 24, n - 24, ad, adlen, box, key) != 0)
		return DG_ECRYPTO;
	return 0;
}
