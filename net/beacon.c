/* net/beacon.c - seals and opens LAN discovery beacons. */
#include "net/beacon.h"

#include <string.h>

#include <sodium.h>

#include "net/internal.h"

/* The associated data: a later layout gets another, so that no beacon is
 * ever read under the wrong layout. */
static const uint8_t beacon_ad[] = "dugnad beacon 1";
#define BEACON_AD_LEN (sizeof beacon_ad - 1)

void
net_beacon_key(const uint8_t psk[32], uint8_t key[32])
{
	static const char label[] = "dugnad beacon key";

	crypto_generichash(key, 32, psk, 32, (const uint8_t *)label,
	    sizeof label - 1);
}

void
net_beacon_seal(const struct net_beacon *b, const uint8_t key[32],
    const uint8_t nonce[NET_BEACON_NONCE], uint8_t out[NET_BEACON_LEN])
{
	uint8_t plain[NET_BEACON_PLAIN];

	memset(plain, 0, sizeof plain);
	plain[0] = NET_BEACON_VERSION;
	plain[1] = b->family;
	plain[2] = (uint8_t)(b->port >> 8);
	plain[3] = (uint8_t)b->port;
	net_wr64(plain + 4, b->time_ms);
	memcpy(plain + 12, b->addr, 16);
	memcpy(plain + 28, b->node, 32);
	memcpy(out, nonce, NET_BEACON_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + NET_BEACON_NONCE,
	    NULL, plain, sizeof plain, beacon_ad, BEACON_AD_LEN, NULL, nonce,
	    key);
	sodium_memzero(plain, sizeof plain);
}

int
net_beacon_open(const uint8_t *p, size_t len, const uint8_t (*keys)[32],
    size_t nkeys, struct net_beacon *b, size_t *key_index)
{
	uint8_t plain[NET_BEACON_PLAIN];
	static const uint8_t zero[4];
	size_t i;
	int rc = DG_EINVAL;

	if (len != NET_BEACON_LEN)
		return DG_EINVAL;
	for (i = 0; i < nkeys; i++) {
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL,
			NULL, p + NET_BEACON_NONCE, len - NET_BEACON_NONCE,
			beacon_ad, BEACON_AD_LEN, p, keys[i]) == 0)
			break;
	}
	if (i == nkeys)
		return DG_EINVAL;
	if (plain[0] != NET_BEACON_VERSION ||
	    (plain[1] != 4 && plain[1] != 6) ||
	    (plain[2] | plain[3]) == 0 || memcmp(plain + 60, zero, 4) != 0)
		goto out;
	b->family = plain[1];
	b->port = (uint16_t)(plain[2] << 8 | plain[3]);
	b->time_ms = net_rd64(plain + 4);
	memcpy(b->addr, plain + 12, 16);
	memcpy(b->node, plain + 28, 32);
	*key_index = i;
	rc = 0;
out:
	sodium_memzero(plain, sizeof plain);
	return rc;
}
