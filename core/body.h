/* core/body.h - the plaintext of entry bodies, one shape per kind.
 *
 * Bodies are msgpack maps with short string keys (doc/protocol.md):
 *
 *   genesis  {"name": str}
 *   keys     {"epoch": uint, "to": [[member pk (bin 32), sealed key
 *            (bin 80)], ...]}          crypto_box_seal to the member
 *   record   {"id": bin 16, "type": uint, "set": {field: str | nil}}
 *   remove   {"id": bin 16}
 *   erase    {"id": bin 16}
 *
 * Decoding is strict: exactly these keys, field names that exist for
 * the record type, values in canonical form (core/valid.h).
 */
#ifndef CORE_BODY_H
#define CORE_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/record.h"

#define CORE_NET_NAME_MAX 200 /* bytes of a network name */
#define CORE_SEALED_LEN 80    /* crypto_box_SEALBYTES + 32 */
#define CORE_MEMBERS_MAX 512  /* recipients of one key delivery (a
                               * 64 KiB body holds about 550) */

struct core_sealed {
	uint8_t pk[32];
	uint8_t box[CORE_SEALED_LEN];
};

struct core_body {
	uint8_t kind; /* enum core_kind */
	/* genesis */
	char *name; /* owned */
	/* keys */
	uint32_t epoch;
	size_t nto;
	struct core_sealed *to; /* owned */
	/* record, remove, erase */
	uint8_t rid[CORE_RID_LEN];
	enum core_rtype rtype;
	size_t nset;
	struct core_field *set; /* owned; value NULL unsets the field */
};

/* Encodes b into out.  Returns 0, DG_EINVAL or DG_ENOMEM. */
int core_body_encode(const struct core_body *b, struct core_buf *out) DG_WUR;

/* Decodes a body of the given kind from p[0..len) into b (zeroed first;
 * free with core_body_fini, also on error).  Returns 0, DG_EDECODE,
 * DG_ELIMIT, DG_EUTF8, DG_EINVAL (a value not in canonical form) or
 * DG_ENOMEM. */
int core_body_decode(uint8_t kind, const uint8_t *p, size_t len,
    struct core_body *b) DG_WUR;

/* Frees (wiping) what b owns; accepts NULL. */
void core_body_fini(struct core_body *b);

/* Splits a field key "title@so" against the schema of t: *def receives
 * the field, *lang the offset of the language tag (0 when none).
 * Returns 0 or DG_EINVAL (unknown field, bad tag, translation of a field
 * that has none). */
int core_body_key_check(enum core_rtype t, const char *key,
    const struct core_fdef **def, size_t *lang) DG_WUR;

#endif
