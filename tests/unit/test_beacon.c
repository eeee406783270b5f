/* tests/unit/test_beacon.c - net/beacon.c: a beacon opens with the key
 * it was sealed with and gives back every field; any other key, length
 * or byte, and any plaintext that breaks the layout, is refused; nothing
 * of the node or the network shows in the datagram. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "net/beacon.h"
#include "tests/unit/t.h"

static const uint8_t ad[] = "dugnad beacon 1";

static void
sample(struct net_beacon *b)
{
	size_t i;

	memset(b, 0, sizeof *b);
	b->family = 4;
	b->port = 7373;
	b->time_ms = 1795000000123ull;
	b->addr[10] = b->addr[11] = 0xff;
	b->addr[12] = 10, b->addr[13] = 77, b->addr[14] = 0, b->addr[15] = 2;
	for (i = 0; i < 32; i++)
		b->node[i] = (uint8_t)(0xa0 + i);
}

/* Three beacon keys from three psks. */
static void
keys3(uint8_t keys[3][32])
{
	uint8_t psk[32];
	int i;

	for (i = 0; i < 3; i++) {
		memset(psk, 0x11 * (i + 1), sizeof psk);
		net_beacon_key(psk, keys[i]);
	}
}

/* A datagram of an arbitrary 64-byte plaintext under key. */
static void
raw_seal(const uint8_t plain[NET_BEACON_PLAIN], const uint8_t key[32],
    uint8_t out[NET_BEACON_LEN])
{
	randombytes_buf(out, NET_BEACON_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + NET_BEACON_NONCE,
	    NULL, plain, NET_BEACON_PLAIN, ad, sizeof ad - 1, NULL, out, key);
}

static void
good_plain(uint8_t p[NET_BEACON_PLAIN])
{
	memset(p, 0, NET_BEACON_PLAIN);
	p[0] = 1;
	p[1] = 6;
	p[2] = 0x1c, p[3] = 0xcd;
	memset(p + 4, 0x01, 8);
	p[12] = 0xfe, p[13] = 0x80;
	memset(p + 28, 0x42, 32);
}

static void
test_key(void)
{
	uint8_t psk[32], k[32], want[32];

	memset(psk, 7, sizeof psk);
	net_beacon_key(psk, k);
	crypto_generichash(want, 32, psk, 32, (const uint8_t *)"dugnad beacon key",
	    17);
	T_ASSERT(memcmp(k, want, 32) == 0);
	/* not the psk itself: a beacon key opens no handshake */
	T_ASSERT(memcmp(k, psk, 32) != 0);
}

static void
unhex(const char *h, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* The example of doc/protocol.md §23.12.4, byte for byte. */
static void
test_vector(void)
{
	uint8_t psk[32], key[32], want_key[32], nonce[NET_BEACON_NONCE];
	uint8_t want[NET_BEACON_LEN], d[NET_BEACON_LEN];
	struct net_beacon b, got;
	size_t which;

	unhex("2e875282a8e35e959abf264e3b9118b1a798b57f10b312cd458ed89a9ae09a8b",
	    psk, 32);
	unhex("b402ca5ec2a33d9b1a1b16f938afab4a499846c2500c90c48c0eb3919925d38c",
	    want_key, 32);
	net_beacon_key(psk, key);
	T_ASSERT(memcmp(key, want_key, 32) == 0);
	unhex("000102030405060708090a0b0c0d0e0f1011121314151617", nonce, 24);
	memset(&b, 0, sizeof b);
	b.family = 4;
	b.port = 7373;
	b.time_ms = 1796403600000ull;
	b.addr[10] = b.addr[11] = 0xff;
	b.addr[12] = 10, b.addr[13] = 77, b.addr[14] = 0, b.addr[15] = 2;
	unhex("f032134856e537c3b373f2231596e617bd58e1772dc764603df3c419bd9662b8",
	    b.node, 32);
	unhex("000102030405060708090a0b0c0d0e0f1011121314151617"
	      "979b00ffa99a5f1bd19f9aab48fc1a8dd502149b53a64da75482074d60f92f0b"
	      "7af8ab9eb8fcad0aace7b34710d29a70baa771585c63c0ff22240e327e30b7f8"
	      "f8bbd85bbf46e292b23bd305d34844c3", want, NET_BEACON_LEN);
	net_beacon_seal(&b, key, nonce, d);
	T_ASSERT(memcmp(d, want, sizeof d) == 0);
	T_EQ_INT(net_beacon_open(want, sizeof want,
	    (const uint8_t(*)[32])&key, 1, &got, &which), 0);
	T_ASSERT(memcmp(got.node, b.node, 32) == 0);
}

static void
test_round_trip(void)
{
	uint8_t keys[3][32], nonce[NET_BEACON_NONCE], d[NET_BEACON_LEN];
	struct net_beacon b, got;
	size_t which = 99, i;

	keys3(keys);
	sample(&b);
	for (i = 0; i < 3; i++) {
		randombytes_buf(nonce, sizeof nonce);
		net_beacon_seal(&b, keys[i], nonce, d);
		T_ASSERT(memcmp(d, nonce, sizeof nonce) == 0);
		memset(&got, 0, sizeof got);
		T_EQ_INT(net_beacon_open(d, sizeof d,
		    (const uint8_t(*)[32])keys, 3, &got, &which), 0);
		T_EQ_INT(which, i); /* the key that opened it: its epoch */
		T_EQ_INT(got.family, 4);
		T_EQ_INT(got.port, 7373);
		T_ASSERT(got.time_ms == b.time_ms);
		T_ASSERT(memcmp(got.addr, b.addr, 16) == 0);
		T_ASSERT(memcmp(got.node, b.node, 32) == 0);
	}
	b.family = 6;
	b.port = 1;
	net_beacon_seal(&b, keys[0], nonce, d);
	T_EQ_INT(net_beacon_open(d, sizeof d, (const uint8_t(*)[32])keys, 1,
	    &got, &which), 0);
	T_EQ_INT(got.family, 6);
	T_EQ_INT(got.port, 1);
}

static void
test_wrong_key_and_bytes(void)
{
	uint8_t keys[3][32], nonce[NET_BEACON_NONCE], d[NET_BEACON_LEN];
	uint8_t big[NET_BEACON_LEN + 100];
	struct net_beacon b, got;
	size_t which, i, len;
	int bit;

	keys3(keys);
	sample(&b);
	randombytes_buf(nonce, sizeof nonce);
	net_beacon_seal(&b, keys[2], nonce, d);
	/* keys 0 and 1 only: another network (or a newer epoch only) */
	T_EQ_INT(net_beacon_open(d, sizeof d, (const uint8_t(*)[32])keys, 2,
	    &got, &which), DG_EINVAL);
	T_EQ_INT(net_beacon_open(d, sizeof d, (const uint8_t(*)[32])keys, 0,
	    &got, &which), DG_EINVAL);
	/* every bit of every byte is authenticated, the nonce included */
	for (i = 0; i < sizeof d; i++) {
		for (bit = 0; bit < 8; bit++) {
			d[i] ^= (uint8_t)(1u << bit);
			T_EQ_INT(net_beacon_open(d, sizeof d,
			    (const uint8_t(*)[32])keys, 3, &got, &which),
			    DG_EINVAL);
			d[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* any other length, even with the beacon as its prefix */
	memcpy(big, d, sizeof d);
	memset(big + sizeof d, 0, sizeof big - sizeof d);
	for (len = 0; len <= sizeof big; len++) {
		if (len == NET_BEACON_LEN)
			continue;
		T_EQ_INT(net_beacon_open(big, len, (const uint8_t(*)[32])keys,
		    3, &got, &which), DG_EINVAL);
	}
	T_EQ_INT(net_beacon_open(big, NET_BEACON_LEN,
	    (const uint8_t(*)[32])keys, 3, &got, &which), 0);
}

static void
test_layout_checked(void)
{
	uint8_t keys[3][32], p[NET_BEACON_PLAIN], d[NET_BEACON_LEN];
	struct net_beacon got;
	size_t which;
	int i;

	keys3(keys);
	good_plain(p);
	raw_seal(p, keys[1], d);
	T_EQ_INT(net_beacon_open(d, sizeof d, (const uint8_t(*)[32])keys, 3,
	    &got, &which), 0);
	T_EQ_INT(which, 1);
	T_EQ_INT(got.port, 7373);
	/* version 2, families 0, 5 and 255, port 0, each reserved byte */
	{
		static const struct { int off; uint8_t v; } bad[] = {
			{ 0, 2 }, { 0, 0 }, { 1, 0 }, { 1, 5 }, { 1, 255 },
			{ 60, 1 }, { 61, 0x80 }, { 62, 1 }, { 63, 0xff },
		};
		for (i = 0; i < (int)(sizeof bad / sizeof bad[0]); i++) {
			good_plain(p);
			p[bad[i].off] = bad[i].v;
			raw_seal(p, keys[0], d);
			T_EQ_INT(net_beacon_open(d, sizeof d,
			    (const uint8_t(*)[32])keys, 3, &got, &which),
			    DG_EINVAL);
		}
	}
	good_plain(p);
	p[2] = p[3] = 0;
	raw_seal(p, keys[0], d);
	T_EQ_INT(net_beacon_open(d, sizeof d, (const uint8_t(*)[32])keys, 3,
	    &got, &which), DG_EINVAL);
	/* another associated data (a later layout) is not read as this one */
	good_plain(p);
	randombytes_buf(d, NET_BEACON_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(d + NET_BEACON_NONCE, NULL,
	    p, sizeof p, (const uint8_t *)"dugnad beacon 2", 15, NULL, d,
	    keys[0]);
	T_EQ_INT(net_beacon_open(d, sizeof d, (const uint8_t(*)[32])keys, 3,
	    &got, &which), DG_EINVAL);
}

/* Whether n bytes of needle appear anywhere in hay. */
static int
contains(const uint8_t *hay, size_t hn, const uint8_t *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= hn; i++) {
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	}
	return 0;
}

static void
test_nothing_in_clear(void)
{
	uint8_t keys[3][32], nonce[NET_BEACON_NONCE];
	uint8_t d1[NET_BEACON_LEN], d2[NET_BEACON_LEN];
	struct net_beacon b;
	size_t i, same = 0;

	keys3(keys);
	sample(&b);
	randombytes_buf(nonce, sizeof nonce);
	net_beacon_seal(&b, keys[0], nonce, d1);
	randombytes_buf(nonce, sizeof nonce);
	net_beacon_seal(&b, keys[0], nonce, d2);
	/* no 4 bytes of the node id, the address or the port in clear */
	for (i = 0; i + 4 <= 32; i++) {
		T_ASSERT(!contains(d1, sizeof d1, b.node + i, 4));
		T_ASSERT(!contains(d2, sizeof d2, b.node + i, 4));
	}
	T_ASSERT(!contains(d1, sizeof d1, b.addr + 12, 4));
	/* two beacons of one node share no more than chance allows (about
	 * 0.4 equal bytes of 104): nothing links them */
	for (i = 0; i < sizeof d1; i++)
		same += d1[i] == d2[i];
	T_ASSERT(same < 12);
}

T_MAIN(T_CASE(test_key), T_CASE(test_vector), T_CASE(test_round_trip),
    T_CASE(test_wrong_key_and_bytes), T_CASE(test_layout_checked),
    T_CASE(test_nothing_in_clear))
