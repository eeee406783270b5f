/* core/json.h - writing JSON (RFC 8259).  dugnad only writes JSON; it
 * never parses it.
 */
#ifndef CORE_JSON_H
#define CORE_JSON_H

#include <stddef.h>

#include "core/buf.h"
#include "core/record.h"

/* Appends s (UTF-8, NUL-terminated) as a quoted JSON string: '"', '\\'
 * and control characters escaped (\n, \t, \u00XX), U+2028/U+2029
 * escaped, everything else copied as UTF-8. */
void core_json_str(struct core_buf *b, const char *s);

/* Appends one record as an object: "id" (full text id), "type"
 * ("contact"...), then every field as "key": "value" in key order,
 * then "created" and "updated" as RFC 3339 UTC times, and "removed":
 * true only for a removed record. */
void core_json_record(struct core_buf *b, const struct core_record *r);

/* Appends a JSON array of records followed by a newline. */
void core_json_records(struct core_buf *b, const struct core_record *recs,
    size_t n);

/* Appends an HLC timestamp (ms since the epoch in the upper 48 bits) as
 * a quoted RFC 3339 UTC time with milliseconds: "2026-11-23T17:19:57.123Z". */
void core_json_hlc(struct core_buf *b, uint64_t hlc);

#endif
