/* net/noise.h - the handshake: Noise_XXpsk0_25519_ChaChaPoly_SHA256.
 *
 * Pure computation (libsodium only, no I/O), so every step is testable
 * without a socket.  doc/protocol.md §23.2 gives the bytes and the
 * reasoning; in short:
 *
 *   prologue  "dugnad v1"
 *   psk       the network key of an epoch (or, for a newcomer joining
 *             over the network, the invite's join key)
 *   -> psk, e              msg1: e (32) || AEAD(payload: time, 8 BE)
 *   <- e, ee, s, es        msg2: e (32) || AEAD(s) (48) || AEAD(Ed25519
 *                          public key, 32)
 *   -> s, se               msg3: AEAD(s) (48) || AEAD(Ed25519 pk, 32)
 *
 * The static keys are the nodes' Ed25519 identities converted to X25519;
 * the payload names the Ed25519 key and the reader checks that it
 * converts to the static key it received, so the DH proves possession of
 * the identity.  The psk mixed in before msg1's payload means that only
 * a holder of the network key can produce a msg1 the responder accepts,
 * and that the responder's identity in msg2 is readable only by such a
 * holder: a stranger learns nothing, not even which network it reached.
 * The responder tries each network key it holds (older epochs stay
 * accepted) and reports which one opened msg1.
 *
 * Secrets (handshake state, cipher keys) live in sodium_malloc memory and
 * are wiped when freed.
 */
#ifndef NET_NOISE_H
#define NET_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define NET_NOISE_MSG1 56 /* 32 + 8 + 16 */
#define NET_NOISE_MSG2 128 /* 32 + 48 + 32 + 16 */
#define NET_NOISE_MSG3 96 /* 48 + 32 + 16 */
#define NET_NOISE_PSK_MAX 512 /* psks a responder tries */

struct net_noise;

/* A transport cipher state: ChaChaPoly (IETF) with the key k and the
 * nonce 4 zero bytes || n (64-bit little endian), no associated data.
 * Owned by the caller; wipe with net_cipher_fini. */
struct net_cipher {
	uint8_t k[32];
	uint64_t n;
};

/* Starts a handshake.  pk/sk: this node's Ed25519 key pair (sk 64
 * bytes, copied).  Initiator: psk is the key to try (copied).
 * Responder: psk is NULL (given to net_noise_read1).  Returns 0,
 * DG_ENOMEM or DG_ECRYPTO (sk does not convert); *out owned
 * (net_noise_free). */
int net_noise_new(int initiator, const uint8_t pk[32], const uint8_t *sk,
    const uint8_t *psk, struct net_noise **out) DG_WUR;

/* Wipes and frees; accepts NULL. */
void net_noise_free(struct net_noise *hs);

/* For tests only: use this ephemeral secret (32 bytes) instead of a
 * random one.  Call before the first write. */
void net_noise_set_ephemeral(struct net_noise *hs, const uint8_t sk[32]);

/* Initiator: writes msg1 carrying time (Unix seconds). */
int net_noise_write1(struct net_noise *hs, uint64_t time,
    uint8_t out[NET_NOISE_MSG1]) DG_WUR;

/* Responder: reads msg1, trying each of the npsk psks (32 bytes each,
 * borrowed for the call; at most NET_NOISE_PSK_MAX).  On success *which
 * is the index of the psk that opened it and *time the initiator's
 * time.  Returns 0, DG_EDECODE (wrong length), DG_ECRYPTO (no psk opens
 * it: a stranger, or a key this node does not hold) or DG_EINVAL. */
int net_noise_read1(struct net_noise *hs, const uint8_t *in, size_t len,
    const uint8_t (*psks)[32], size_t npsk, size_t *which, uint64_t *time)
    DG_WUR;

/* Responder: writes msg2. */
int net_noise_write2(struct net_noise *hs, uint8_t out[NET_NOISE_MSG2])
    DG_WUR;

/* Initiator: reads msg2; *peer receives the responder's Ed25519 key.
 * Returns 0, DG_EDECODE (wrong length), DG_ECRYPTO (does not open: the
 * responder lacks this psk) or DG_ESIG (the named key does not match the
 * static key). */
int net_noise_read2(struct net_noise *hs, const uint8_t *in, size_t len,
    uint8_t peer[32]) DG_WUR;

/* Initiator: writes msg3. */
int net_noise_write3(struct net_noise *hs, uint8_t out[NET_NOISE_MSG3])
    DG_WUR;

/* Responder: reads msg3; *peer receives the initiator's Ed25519 key.
 * Errors as net_noise_read2. */
int net_noise_read3(struct net_noise *hs, const uint8_t *in, size_t len,
    uint8_t peer[32]) DG_WUR;

/* After msg3 (written or read): the two transport cipher states, tx for
 * sending and rx for receiving, and the handshake hash (32 bytes, may
 * be NULL).  Returns 0 or DG_ESTATE (handshake not complete). */
int net_noise_split(struct net_noise *hs, struct net_cipher *tx,
    struct net_cipher *rx, uint8_t hash[32]) DG_WUR;

/* Encrypts len bytes (out: len + 16 bytes) and advances the nonce.
 * Returns 0 or DG_ELIMIT (nonce exhausted). */
int net_cipher_seal(struct net_cipher *c, const uint8_t *in, size_t len,
    uint8_t *out) DG_WUR;

/* Decrypts len bytes (len >= 16; out: len - 16 bytes) and advances the
 * nonce.  Returns 0, DG_EDECODE (shorter than 16) or DG_ECRYPTO. */
int net_cipher_open(struct net_cipher *c, const uint8_t *in, size_t len,
    uint8_t *out) DG_WUR;

/* Wipes a cipher state. */
void net_cipher_fini(struct net_cipher *c);

#endif
