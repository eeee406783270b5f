#include "core/box.h"

#include <sodium.h>

void
core_box_seal(const uint8_t key[CORE_BOX_KEY], const uint8_t *ad,
    size_t adlen, const uint8_t *pt, size_t n, uint8_t *out)
{
	unsigned long long clen;

	randombytes_buf(out, 24);
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
