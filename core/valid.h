/* core/valid.h - validation and canonical forms of field values.
 *
 * core_valid_value checks a value typed by a user or read from a file
 * against its field type and returns its canonical form, the only form
 * stored in the log.  Canonical forms:
 *
 *   TEXT        the text, trimmed of leading/trailing white space, NFC
 *   LANGS       BCP 47 tags, comma separated, no spaces, case per
 *               RFC 5646 (language lower, Script title, REGION upper),
 *               duplicates removed, order kept: "nb,so,ar,zh-Hant-TW"
 *   PHONE       '+' and digits with single spaces as typed ("+47 22 33
 *               44 55"); accepted input: digits, spaces, '-', '.', '(',
 *               ')' and a leading '+'; 3..20 digits
 *   EMAIL       local@domain, domain lowercased; one '@', a dot in the
 *               domain, no spaces, at most 254 bytes
 *   URL         http:// or https:// followed by a host; no spaces or
 *               control characters; at most 2048 bytes
 *   DATETIME    "YYYY-MM-DDTHH:MM+HH:MM" or "...Z" (seconds dropped
 *               when zero, kept as ":SS" otherwise); input may use a
 *               space for 'T', "+HHMM" or "Z"; a missing offset is an
 *               error (the CLI adds the zone's offset first)
 *   DATE        "YYYY-MM-DD"
 *   TZ          IANA name: letters, digits, '/', '_', '-', '+'; "UTC"
 *   DURATION    minutes as decimal digits: "90m" "1h30m" "1h" "90"
 *               "1:30" all give "90"; 1..10080 (one week)
 *   REPEAT      see core/repeat.h
 *   INT         decimal, no sign, no leading zeros, 0..1000000
 *   CATEGORIES  comma list of core_schema_categories, lowercased,
 *               duplicates removed
 */
#ifndef CORE_VALID_H
#define CORE_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/datetime.h"
#include "core/schema.h"


/* The start of the reason for a bad category, which the list of
 * categories follows (cli/ translates the start, the names stay). */
extern const char *const core_valid_msg_categories;

/* Validates in (NUL-terminated, from a user or file) as a value of type
 * t and returns its canonical form in *canon (owned, free()).  On error
 * writes a short English reason naming the expected form to why (may be
 * NULL).  Returns 0, DG_EINVAL, DG_EUTF8, DG_ELIMIT or DG_ENOMEM. */
int core_valid_value(enum core_ftype t, const char *in, char **canon,
    char *why, size_t whylen) DG_WUR;

/* Validates a BCP 47 language tag (RFC 5646 well-formed: language of 2-3
 * or 5-8 letters, optional script, region, variants, extensions; no
 * grandfathered tags) and writes it in canonical case to out (cap bytes).
 * Returns 0, DG_EINVAL or DG_ELIMIT. */
int core_valid_lang(const char *in, size_t len, char *out, size_t cap) DG_WUR;

/* Parses a canonical (or user) DATETIME with an offset.  Returns 0 or
 * DG_EINVAL. */
int core_valid_datetime_parse(const char *s, struct core_datetime *out)
    DG_WUR;

#endif
