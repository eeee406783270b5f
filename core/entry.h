/* core/entry.h - log entries: the signed header and the encrypted body.
 *
 * An entry is a header, its Ed25519 signature and a body.  The header is
 * a msgpack array of ten fields (doc/protocol.md gives the bytes); it
 * names the hash of the previous entry of the same author, so each
 * author's log is a hash chain, and the BLAKE2b-256 hash of the body, so
 * a body can be dropped (erasure) while the chain still verifies.  The
 * body is encrypted with the content key of the header's epoch
 * (XChaCha20-Poly1305, associated data bound to the header); entries of
 * epoch 0 carry a body that needs no content key (sealed key deliveries).
 */
#ifndef CORE_ENTRY_H
#define CORE_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CORE_ENTRY_VERSION 1
#define CORE_KEY_LEN 32      /* public keys, hashes, network ids */
#define CORE_SIG_LEN 64
#define CORE_HDR_MAX 192     /* bytes of an encoded header */
#define CORE_BODY_MAX 65536  /* bytes of an encrypted body */
#define CORE_NONCE_LEN 24
#define CORE_TAG_LEN 16
#define CORE_BODY_OVERHEAD (CORE_NONCE_LEN + CORE_TAG_LEN)

enum core_kind {
	CORE_KIND_GENESIS = 1, /* founds a network: name; author = founder */
	CORE_KIND_KEYS = 2,    /* epoch 0: a content key sealed to members */
	CORE_KIND_ADMIT = 3,   /* a coordinator admits a member (or changes
				* its role) */
	CORE_KIND_REVOKE = 4,  /* a coordinator revokes a member */
	CORE_KIND_INVITE = 5,  /* a coordinator records an invite's hash */
	CORE_KIND_UNINVITE = 6, /* a coordinator cancels an invite */
	CORE_KIND_RECORD = 16, /* creates or edits a directory record */
	CORE_KIND_REMOVE = 17, /* tombstone for a record */
	CORE_KIND_ERASE = 18,  /* erasure of a record's content */
};

struct core_hdr {
	uint8_t version;                /* CORE_ENTRY_VERSION */
	uint8_t net[CORE_KEY_LEN];      /* network id */
	uint8_t author[CORE_KEY_LEN];   /* Ed25519 public key */
	uint64_t seq;                   /* 1, 2, ... per author */
	uint8_t prev[CORE_KEY_LEN];     /* hash of entry seq-1; zero at 1 */
	uint64_t hlc;                   /* core/hlc.h */
	uint8_t kind;                   /* enum core_kind */
	uint32_t epoch;                 /* content key epoch, 0 = none */
	uint8_t body_hash[CORE_KEY_LEN];/* BLAKE2b-256 of the stored body */
	uint32_t body_len;              /* bytes of the stored body */
};

/* Returns the name of a kind ("record"), or "unknown". */
const char *core_entry_kind_name(uint8_t kind);

/* Encodes h into out (cap >= CORE_HDR_MAX); *len receives the size.
 * Returns 0 or DG_EINVAL (field out of range). */
int core_entry_encode(const struct core_hdr *h, uint8_t *out, size_t cap,
    size_t *len) DG_WUR;

/* Decodes header bytes strictly: exactly the canonical encoding that
 * core_entry_encode would produce, every field in range (version known,
 * seq >= 1, prev zero only at seq 1, kind known, epoch 0 exactly for
 * key deliveries, body_len <= CORE_BODY_MAX).  Returns 0, DG_EDECODE, DG_ELIMIT or DG_EVERSION. */
int core_entry_decode(const uint8_t *p, size_t len, struct core_hdr *h)
    DG_WUR;

/* The entry hash: BLAKE2b-256 of the header bytes. */
void core_entry_hash(const uint8_t *hdr, size_t len,
    uint8_t out[CORE_KEY_LEN]);

/* Signs the header bytes with the author's secret key (64 bytes,
 * libsodium layout). */
void core_entry_sign(const uint8_t *hdr, size_t len, const uint8_t *sk,
    uint8_t sig[CORE_SIG_LEN]);

/* Verifies sig over the header bytes by author.  Returns 0 or DG_ESIG. */
int core_entry_verify(const uint8_t *hdr, size_t len,
    const uint8_t author[CORE_KEY_LEN], const uint8_t sig[CORE_SIG_LEN])
    DG_WUR;

/* Hash of a stored body. */
void core_entry_body_hash(const uint8_t *body, size_t len,
    uint8_t out[CORE_KEY_LEN]);

/* Encrypts plaintext pt[0..n) for the header h (its net, author, seq,
 * kind and epoch are bound as associated data) with key; out must hold
 * n + CORE_BODY_OVERHEAD bytes.  Returns 0 or DG_ELIMIT. */
int core_entry_seal(const struct core_hdr *h, const uint8_t *key,
    const uint8_t *pt, size_t n, uint8_t *out) DG_WUR;

/* Decrypts body[0..n) of h with key into out (n - CORE_BODY_OVERHEAD
 * bytes).  Returns 0, DG_EDECODE (too short) or DG_ECRYPTO. */
int core_entry_open(const struct core_hdr *h, const uint8_t *key,
    const uint8_t *body, size_t n, uint8_t *out) DG_WUR;

#endif
