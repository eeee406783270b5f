/* core/ident.h - node identity: the text form of a node id, safety
 * numbers, and the passphrase key derivation.
 *
 * A node id is the node's Ed25519 public key.  Its text form is the
 * base32 of the key followed by a 4-byte checksum (BLAKE2b of the key),
 * 58 characters; a truncated id is always rejected, a mistyped one
 * except with probability 2^-32, rather than taken for another node.  Safety numbers are five groups of five
 * digits from a hash of the key, for two people to compare out loud in
 * any language.
 */
#ifndef CORE_IDENT_H
#define CORE_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CORE_ID_TEXT 59     /* 58 characters and a NUL */
#define CORE_SAFETY_TEXT 30 /* "12345 67890 12345 67890 12345" + NUL */
#define CORE_SALT_LEN 16

struct core_kdf {
	uint8_t salt[CORE_SALT_LEN];
	uint64_t ops; /* Argon2id passes */
	uint64_t mem; /* bytes */
};

/* Writes the text form of pk. */
void core_ident_id_text(const uint8_t pk[32], char out[CORE_ID_TEXT]);

/* Parses a full text id (case-insensitive).  Returns 0, DG_EDECODE (not
 * an id) or DG_EINVAL (checksum mismatch: a typing error). */
int core_ident_id_parse(const char *s, uint8_t pk[32]) DG_WUR;

/* Writes the safety number of pk. */
void core_ident_safety(const uint8_t pk[32], char out[CORE_SAFETY_TEXT]);

/* Fills k with a fresh salt and the default Argon2id cost. */
void core_ident_kdf_new(struct core_kdf *k);

/* Derives a 32-byte key from the passphrase with Argon2id.  Returns 0,
 * DG_EINVAL (cost out of range) or DG_ENOMEM. */
int core_ident_kdf(const struct core_kdf *k, const char *pass, size_t len,
    uint8_t key[32]) DG_WUR;

#endif
