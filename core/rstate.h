/* core/rstate.h - the merge state of one record, as the views keep it.
 *
 * Merging is a pure function of the set of entries applied, whatever
 * their order: each field keeps the value with the greatest (HLC,
 * author) stamp (last writer wins, author as tie-break); the type is that
 * of the record entry with the smallest stamp; a record is removed once
 * any remove entry is applied and erased once any erase entry is
 * applied.  Erasure drops every field for good; later entries about the
 * record only add their reference, so that the store can drop their
 * bodies too.  Applying an entry twice changes nothing.
 */
#ifndef CORE_RSTATE_H
#define CORE_RSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/body.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/record.h"

#define CORE_REFS_MAX 100000 /* entries about one record */
/* Field keys ever set on one record, translations and unset ones
 * included.  Merging never refuses a key (that would depend on the order
 * of arrival); the bound follows from CORE_REFS_MAX entries of at most
 * CORE_RECORD_FIELDS_MAX fields, and the CLI refuses to write more than
 * CORE_RECORD_KEYS_SOFT keys itself. */
#define CORE_RSTATE_KEYS_MAX (CORE_REFS_MAX * CORE_RECORD_FIELDS_MAX)
#define CORE_RECORD_KEYS_SOFT 1024

struct core_fstate {
	char *key;   /* owned */
	char *value; /* owned; NULL when the latest change unset it */
	uint64_t hlc;
	uint8_t author[32];
};

struct core_ref {
	uint8_t author[32];
	uint64_t seq;
	uint64_t hlc;
	uint8_t kind;
};

struct core_rstate {
	uint8_t id[CORE_RID_LEN];
	enum core_rtype type; /* 0 while unknown (erased, or only removes) */
	uint64_t type_hlc;
	uint8_t type_author[32];
	bool removed;
	bool erased;
	size_t nf;
	struct core_fstate *f; /* owned, sorted by key */
	size_t nrefs;
	struct core_ref *refs; /* owned, sorted by (author, seq) */
};

/* One entry to merge: its header stamp and decoded body (NULL when the
 * body was dropped or could not be read: only the reference is kept). */
struct core_change {
	uint8_t kind;
	uint64_t hlc;
	const uint8_t *author; /* 32 bytes */
	uint64_t seq;
	const struct core_body *body;
};

/* Initializes an empty state for record id. */
void core_rstate_init(struct core_rstate *s, const uint8_t id[CORE_RID_LEN]);
/* Frees (wiping values) what s owns; accepts NULL. */
void core_rstate_fini(struct core_rstate *s);

/* Merges c into s.  Returns 0, DG_ELIMIT (too many entries about one
 * record) or DG_ENOMEM; s is unchanged on error. */
int core_rstate_apply(struct core_rstate *s, const struct core_change *c)
    DG_WUR;

/* Serializes s (msgpack) into out. */
int core_rstate_encode(const struct core_rstate *s, struct core_buf *out)
    DG_WUR;
/* Reads a state written by core_rstate_encode.  Returns 0, DG_EDECODE,
 * DG_ELIMIT or DG_ENOMEM; s must be freed with core_rstate_fini even on
 * error. */
int core_rstate_decode(const uint8_t *p, size_t len, struct core_rstate *s)
    DG_WUR;

/* Builds the record a user sees: fields with a value, created/updated
 * from the references.  out is owned by the caller (core_record_fini). */
int core_rstate_record(const struct core_rstate *s, struct core_record *out)
    DG_WUR;

#endif
