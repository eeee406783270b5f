#include "core/ident.h"

#include <string.h>

#include <sodium.h>

#include "core/b32.h"

#define ID_BYTES 36
#define SUM_LEN 4

static void
checksum(const uint8_t pk[32], uint8_t out[SUM_LEN])
{
	static const uint8_t ctx[] = "dugnad id";
	uint8_t h[16];

	crypto_generichash(h, sizeof h, pk, 32, ctx, sizeof ctx - 1);
	memcpy(out, h, SUM_LEN);
}

void
core_ident_id_text(const uint8_t pk[32], char out[CORE_ID_TEXT])
{
	uint8_t raw[ID_BYTES];

	memcpy(raw, pk, 32);
	checksum(pk, raw + 32);
	core_b32_encode(raw, sizeof raw, out);
}

int
core_ident_id_parse(const char *s, uint8_t pk[32])
{
	uint8_t raw[ID_BYTES], sum[SUM_LEN];
	size_t n;

	if (strlen(s) != CORE_ID_TEXT - 1)
		return DG_EDECODE;
	if (core_b32_decode(s, CORE_ID_TEXT - 1, raw, sizeof raw, &n) != 0 ||
	    n != ID_BYTES)
		return DG_EDECODE;
	checksum(raw, sum);
	if (memcmp(sum, raw + 32, SUM_LEN) != 0)
		return DG_EINVAL;
	memcpy(pk, raw, 32);
	return 0;
}

void
core_ident_safety(const uint8_t pk[32], char out[CORE_SAFETY_TEXT])
{
	static const uint8_t ctx[] = "dugnad safety";
	uint8_t h[20];
	uint32_t v;
	size_t i, o = 0;
	int d;

	crypto_generichash(h, sizeof h, pk, 32, ctx, sizeof ctx - 1);
	for (i = 0; i < 5; i++) {
		v = ((uint32_t)h[i * 4] << 24 | (uint32_t)h[i * 4 + 1] << 16 |
		    (uint32_t)h[i * 4 + 2] << 8 | h[i * 4 + 3]) % 100000u;
		if (i > 0)
			out[o++] = ' ';
		for (d = 4; d >= 0; d--) {
			out[o + (size_t)d] = (char)('0' + v % 10);
			v /= 10;
		}
		o += 5;
	}
	out[o] = '\0';
}

void
core_ident_kdf_new(struct core_kdf *k)
{
	randombytes_buf(k->salt, sizeof k->salt);
	k->ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	k->mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

int
core_ident_kdf(const struct core_kdf *k, const char *pass, size_t len,
    uint8_t key[32])
{
	/* The cost is read back from the store: bound it so a damaged or
	 * hostile store cannot make us allocate without limit. */
	if (k->ops < crypto_pwhash_OPSLIMIT_MIN || k->ops > 64 ||
	    k->mem < crypto_pwhash_MEMLIMIT_MIN ||
	    k->mem > (uint64_t)4 << 30)
		return DG_EINVAL;
	if (crypto_pwhash(key, 32, pass, len, k->salt, k->ops, (size_t)k->mem,
		crypto_pwhash_ALG_ARGON2ID13) != 0)
		return DG_ENOMEM;
	return 0;
}
