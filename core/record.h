/* core/record.h - a directory record in plain text, and the merge of
 * changes into it.
 *
 * A record is what the views hold after merging every change: its id,
 * type and the current value of each field (translations as separate
 * keys "field@lang").  The codecs (ics, vcf, csv, json) and the CLI read
 * struct core_record; the store keeps struct core_rstate, which adds
 * per-field merge stamps and the entries that touched the record.
 */
#ifndef CORE_RECORD_H
#define CORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/schema.h"

#define CORE_RID_LEN 16
#define CORE_RID_TEXT (CORE_B32_LEN_RID + 1)
#define CORE_B32_LEN_RID 26 /* base32 characters of a record id */

struct core_field {
	char *key;   /* "title" or "title@so"; owned */
	char *value; /* canonical value; owned */
};

struct core_record {
	uint8_t id[CORE_RID_LEN];
	enum core_rtype type;
	uint64_t created; /* HLC of the first change */
	uint64_t updated; /* HLC of the latest change */
	bool removed;     /* a tombstone was written */
	size_t nfields;
	struct core_field *fields; /* owned, sorted by key (strcmp) */
};

/* Value of key ("title", "title@so") or NULL; borrows from r. */
const char *core_record_get(const struct core_record *r, const char *key);
/* Value of field in language lang if present, else the plain field;
 * lang may be NULL.  Borrows from r. */
const char *core_record_get_lang(const struct core_record *r,
    const char *field, const char *lang);
/* Frees (wiping) the fields of r; accepts NULL. */
void core_record_fini(struct core_record *r);
/* Text form of a record id: 26 base32 characters and a NUL. */
void core_record_id_text(const uint8_t id[CORE_RID_LEN],
    char out[CORE_RID_TEXT]);

#endif
