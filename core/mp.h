/* core/mp.h - bounds for msgpack input.
 *
 * msgpack-c's unpacker has no limits of its own: a five-byte array
 * header makes it reserve gigabytes, and it accepts invalid UTF-8 and
 * trailing bytes.  Every decoder of outside bytes first calls
 * core_mp_check, which walks the encoding without allocating and accepts
 * only exactly one well-formed value within the given limits; only then
 * is msgpack-c asked to unpack it.
 */
#ifndef CORE_MP_H
#define CORE_MP_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "core/buf.h"
#include "core/err.h"

struct core_mp_limits {
	size_t depth;   /* nesting of arrays and maps, top level = 1;
			 * never more than 16 whatever is asked */
	size_t count;   /* elements of one array, pairs of one map */
	size_t items;   /* objects in the whole value */
	size_t str;     /* bytes of one string */
	size_t bin;     /* bytes of one binary */
};

/* Checks that p[0..len) is exactly one msgpack value within lim: no
 * trailing bytes, no ext types, no floats, strings valid UTF-8.  Returns
 * 0, DG_EDECODE (malformed, truncated, trailing bytes, disallowed type),
 * DG_ELIMIT or DG_EUTF8. */
int core_mp_check(const uint8_t *p, size_t len,
    const struct core_mp_limits *lim) DG_WUR;

/* Unpacks p[0..len), which core_mp_check accepted, into u (initialised
 * by the caller, destroyed by the caller).  Returns 0, DG_ENOMEM when
 * msgpack-c could not allocate (not a malformed input: the caller must
 * not report it as one), or DG_EDECODE, also for trailing bytes. */
int core_mp_unpack(msgpack_unpacked *u, const uint8_t *p, size_t len) DG_WUR;

/* Writing.  Every encoder of dugnad packs into a core_buf with these,
 * so a failed allocation shows as the buffer's sticky error. */

/* Starts a packer that appends to out. */
void core_mp_packer(msgpack_packer *pk, struct core_buf *out);
/* Packs a NUL-terminated string as a msgpack str. */
void core_mp_str(msgpack_packer *pk, const char *s);
/* Packs n bytes as a msgpack bin. */
void core_mp_bin(msgpack_packer *pk, const void *p, size_t n);

#endif
