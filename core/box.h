/* core/box.h - authenticated encryption of data at rest.
 *
 * XChaCha20-Poly1305 with a random nonce stored in front of the
 * ciphertext.  The associated data names what the value is (for the
 * store: the database and key it is kept under), so a value cannot be
 * moved to another place in the store without failing to open.
 */
#ifndef CORE_BOX_H
#define CORE_BOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CORE_BOX_KEY 32
#define CORE_BOX_NONCE 24
#define CORE_BOX_OVERHEAD 40 /* 24-byte nonce + 16-byte tag */

/* A fresh random 24-byte XChaCha20 nonce, from a per-thread pool. */
void core_box_nonce(uint8_t out[CORE_BOX_NONCE]);

/* Encrypts pt[0..n) into out (n + CORE_BOX_OVERHEAD bytes). */
void core_box_seal(const uint8_t key[CORE_BOX_KEY], const uint8_t *ad,
    size_t adlen, const uint8_t *pt, size_t n, uint8_t *out);

/* Decrypts box[0..n) into out (n - CORE_BOX_OVERHEAD bytes).  Returns 0,
 * DG_EDECODE (shorter than the overhead) or DG_ECRYPTO (wrong key, wrong
 * associated data or damaged). */
int core_box_open(const uint8_t key[CORE_BOX_KEY], const uint8_t *ad,
    size_t adlen, const uint8_t *box, size_t n, uint8_t *out) DG_WUR;

#endif
