/* core/b32.h - RFC 4648 base32 in lowercase without padding, the text
 * form of node ids, record ids and (later) invite codes.  Decoding
 * accepts upper and lower case and ignores nothing else.
 */
#ifndef CORE_B32_H
#define CORE_B32_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Characters needed to encode n bytes (without the NUL). */
#define CORE_B32_LEN(n) (((n) * 8 + 4) / 5)

/* Writes CORE_B32_LEN(n) characters and a NUL to out. */
void core_b32_encode(const uint8_t *in, size_t n, char *out);
/* Decodes exactly len characters into out (capacity cap); *n receives
 * the byte count.  Trailing bits that do not fill a byte must be zero.
 * Returns 0, DG_EDECODE (bad character or bits) or DG_ELIMIT. */
int core_b32_decode(const char *in, size_t len, uint8_t *out, size_t cap,
    size_t *n) DG_WUR;

#endif
