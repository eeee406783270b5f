/* Fuzz target: LAN discovery beacons (net_beacon_open).
 *
 * The input is used twice.  As a datagram it must be refused: nothing
 * but the holder of a key makes a beacon that opens.  Its first 64 bytes
 * (when there are as many) are also taken as a beacon's plaintext,
 * sealed under one of two keys: the beacon must open exactly when the
 * plaintext keeps the layout (version 1, family 4 or 6, a port, zero
 * reserved bytes), give back its fields with the key that sealed it,
 * and sealed again with the same nonce give the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/beacon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t keys[2][32];
	static int ready;
	static const uint8_t ad[] = "dugnad beacon 1";
	uint8_t d[NET_BEACON_LEN], again[NET_BEACON_LEN];
	const uint8_t *p = data;
	struct net_beacon b;
	size_t which = 9, k;
	int valid, rc;

	if (!ready) {
		uint8_t psk[32];

		if (sodium_init() < 0)
			abort();
		memset(psk, 1, sizeof psk);
		net_beacon_key(psk, keys[0]);
		memset(psk, 2, sizeof psk);
		net_beacon_key(psk, keys[1]);
		ready = 1;
	}
	if (net_beacon_open(data, size, (const uint8_t(*)[32])keys, 2, &b,
		&which) == 0)
		abort(); /* a forgery */
	if (size < NET_BEACON_PLAIN)
		return 0;
	k = size % 2;
	memset(d, 0x5a, NET_BEACON_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(d + NET_BEACON_NONCE, NULL,
	    p, NET_BEACON_PLAIN, ad, sizeof ad - 1, NULL, d, keys[k]);
	valid = p[0] == 1 && (p[1] == 4 || p[1] == 6) && (p[2] | p[3]) != 0 &&
	    (p[60] | p[61] | p[62] | p[63]) == 0;
	rc = net_beacon_open(d, sizeof d, (const uint8_t(*)[32])keys, 2, &b,
	    &which);
	if ((rc == 0) != valid)
		abort();
	if (rc != 0)
		return 0;
	if (which != k || b.family != p[1] ||
	    b.port != (uint16_t)(p[2] << 8 | p[3]) ||
	    memcmp(b.addr, p + 12, 16) != 0 || memcmp(b.node, p + 28, 32) != 0)
		abort();
	net_beacon_seal(&b, keys[k], d, again);
	if (memcmp(again, d, sizeof d) != 0)
		abort();
	return 0;
}
