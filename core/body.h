/* core/body.h - the plaintext of entry bodies, one shape per kind.
 *
 * Bodies are msgpack maps with short string keys (doc/protocol.md):
 *
 *   genesis  {"name": str, "nonce": bin 16}
 *   keys     {"epoch": uint, "creator": bin 32, "to": [[member pk
 *            (bin 32), sealed keys (bin 112)], ...]}   crypto_box_seal
 *            to the member of the content key (32) || network key (32)
 *            of the epoch made by creator
 *   admit    {"pk": bin 32, "role": uint, "name": str,
 *            "invite": bin 32 | nil}
 *   revoke   {"pk": bin 32, "upto": uint, "reason": str}
 *   invite   {"id": bin 32, "role": uint, "approved": bool,
 *            "expires": uint, "uses": uint}
 *   uninvite {"id": bin 32}
 *   record   {"id": bin 16, "type": uint, "set": {field: str | nil}}
 *   remove   {"id": bin 16}
 *   erase    {"id": bin 16}
 *
 * Keys are written in exactly this order.  Decoding is strict: exactly
 * these keys in this order, field names that exist for the record type,
 * values in canonical form (core/valid.h), names and reasons one line of
 * text.
 */
#ifndef CORE_BODY_H
#define CORE_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/record.h"

#define CORE_NET_NAME_MAX 200 /* bytes of a network name */
#define CORE_SEALED_LEN 112   /* crypto_box_SEALBYTES + 64 */
#define CORE_NAME_MAX 100     /* bytes of a member's display name */
#define CORE_REASON_MAX 200   /* bytes of a revocation reason */
#define CORE_NONCE16 16

enum core_role {
	CORE_ROLE_VOLUNTEER = 1,
	CORE_ROLE_COORDINATOR = 2,
};
#define CORE_MEMBERS_MAX 400  /* recipients of one key delivery (each
                               * takes 149 bytes of a 64 KiB body) */

struct core_sealed {
	uint8_t pk[32];
	uint8_t box[CORE_SEALED_LEN];
};

struct core_body {
	uint8_t kind; /* enum core_kind */
	/* genesis: name, nonce; admit: name (the member's), pk, role,
	 * invite; revoke: pk, upto, reason; invite: invite (its id), role,
	 * approved, expires, uses; uninvite: invite */
	char *name; /* owned */
	uint8_t nonce[CORE_NONCE16];
	uint8_t pk[32];
	uint8_t role; /* enum core_role */
	bool has_invite;
	uint8_t invite[32];
	uint64_t upto;
	char *reason; /* owned */
	bool approved;
	uint64_t expires; /* Unix seconds, 0 = never */
	uint64_t uses;
	/* keys: epoch, creator (in pk), to */
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

/* The network id a founder's genesis defines: BLAKE2b-256 keyed
 * "dugnad net id" of founder pk || nonce.  A genesis whose author and
 * nonce do not give the network's id is not that network's. */
void core_body_net_id(const uint8_t founder[32],
    const uint8_t nonce[CORE_NONCE16], uint8_t net[32]);

/* Frees (wiping) what b owns; accepts NULL. */
void core_body_fini(struct core_body *b);

/* Splits a field key "title@so" against the schema of t: *def receives
 * the field, *lang the offset of the language tag (0 when none).
 * Returns 0 or DG_EINVAL (unknown field, bad tag, translation of a field
 * that has none). */
int core_body_key_check(enum core_rtype t, const char *key,
    const struct core_fdef **def, size_t *lang) DG_WUR;

#endif
