/* core/schema.h - the directory's record types and their fields.
 *
 * A record is one of three types.  Each type has a fixed list of fields;
 * each field has a value type that decides how a value is validated and
 * written in its canonical form (core/valid.h).  Text fields may carry
 * translations, written as "field@LANG" (LANG a BCP 47 tag).
 */
#ifndef CORE_SCHEMA_H
#define CORE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum core_rtype {
	CORE_RT_CONTACT = 1,
	CORE_RT_MEETING = 2,
	CORE_RT_REFERRAL = 3,
};

enum core_ftype {
	CORE_FT_TEXT,       /* one line or more of UTF-8 text */
	CORE_FT_LANGS,      /* comma list of BCP 47 tags: "nb,so,ar" */
	CORE_FT_PHONE,      /* "+47 22 33 44 55" */
	CORE_FT_EMAIL,      /* "name@example.org" */
	CORE_FT_URL,        /* "https://..." */
	CORE_FT_DATETIME,   /* "2026-12-04T18:00+01:00" */
	CORE_FT_TZ,         /* IANA name: "Europe/Oslo" */
	CORE_FT_DURATION,   /* minutes, "90m", "1h30m" -> canonical "90" */
	CORE_FT_REPEAT,     /* recurrence, see core/valid.h */
	CORE_FT_INT,        /* non-negative integer (capacity) */
	CORE_FT_CATEGORIES, /* comma list from core_schema_categories */
	CORE_FT_DATE,       /* "2026-12-24" */
};

struct core_fdef {
	const char *name;
	enum core_ftype type;
	bool translatable; /* accepts name@LANG */
	bool required;     /* must be set when a record is added */
	const char *label; /* short English description for prompts; cli/
			    * prints _(label) */
};

/* Limits on what a record may hold; documented in doc/protocol.md. */
#define CORE_FIELD_NAME_MAX 48   /* bytes in "field@lang" */
#define CORE_VALUE_MAX 4096      /* bytes in one value */
#define CORE_RECORD_FIELDS_MAX 128 /* fields (with translations) */

/* Parses "contact", "contacts", "meeting(s)", "referral(s)".  Returns 0
 * or DG_EINVAL. */
int core_schema_rtype(const char *name, enum core_rtype *out) DG_WUR;
/* Singular name of a type ("contact"); "?" for an unknown value. */
const char *core_schema_rtype_name(enum core_rtype t);
/* Plural name of a type ("contacts"). */
const char *core_schema_rtype_plural(enum core_rtype t);
/* The fields of type t in display order; *n receives their count.
 * Returns a static table, or NULL for an unknown type. */
const struct core_fdef *core_schema_fields(enum core_rtype t, size_t *n);
/* Looks up a base field name (without "@lang") of length len.
 * Returns the static definition or NULL. */
const struct core_fdef *core_schema_field(enum core_rtype t, const char *name,
    size_t len);
/* The field whose value is the record's display name (title or name). */
const char *core_schema_title_field(enum core_rtype t);
/* NULL-terminated list of referral categories. */
extern const char *const core_schema_categories[];

#endif
