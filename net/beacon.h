/* net/beacon.h - the LAN discovery beacon (doc/protocol.md §23.12).
 *
 * A beacon is one UDP datagram of exactly NET_BEACON_LEN bytes:
 *
 *   nonce[24] || XChaCha20-Poly1305 of a 64-byte plaintext || tag[16]
 *
 * keyed from a network key, so that to anyone without it every beacon is
 * 104 random bytes: no node id, no network tag, nothing in clear that
 * links two beacons.  The plaintext names the sender (node id), the
 * address the datagram is sent from, the TCP port it listens on and its
 * clock, so that a receiver can refuse a beacon replayed from another
 * address or an old one.  Pure code: no sockets, no clock.
 */
#ifndef NET_BEACON_H
#define NET_BEACON_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define NET_BEACON_LEN 104   /* the whole datagram */
#define NET_BEACON_NONCE 24
#define NET_BEACON_PLAIN 64
#define NET_BEACON_VERSION 1

struct net_beacon {
	uint8_t family;      /* 4 or 6: the IP version it was sent over */
	uint16_t port;       /* TCP port the sender listens on, not 0 */
	uint64_t time_ms;    /* the sender's clock, Unix milliseconds */
	uint8_t addr[16];    /* the datagram's source address (IPv4 as
			      * ::ffff:a.b.c.d) */
	uint8_t node[32];    /* the sender's node id (Ed25519 key) */
};

/* The beacon key of a network key's handshake psk (store_node_psks):
 * BLAKE2b-256 of psk keyed "dugnad beacon key". */
void net_beacon_key(const uint8_t psk[32], uint8_t key[32]);

/* Seals b with key and the 24-byte nonce (fresh random bytes for each
 * beacon) into out. */
void net_beacon_seal(const struct net_beacon *b, const uint8_t key[32],
    const uint8_t nonce[NET_BEACON_NONCE], uint8_t out[NET_BEACON_LEN]);

/* Opens the datagram p (len bytes) with the first of keys[0..nkeys) that
 * authenticates it and checks its fields (version, family 4 or 6, port
 * not 0, reserved bytes zero).  Returns 0 with *b and *key_index set,
 * or DG_EINVAL: not a beacon of these keys (any length, any bytes). */
int net_beacon_open(const uint8_t *p, size_t len,
    const uint8_t (*keys)[32], size_t nkeys, struct net_beacon *b,
    size_t *key_index) DG_WUR;

#endif
