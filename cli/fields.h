/* cli/fields.h - record fields typed by a user or read from a file:
 * canonical keys ("title@so"), validated canonical values, required
 * fields.  Errors are written to a caller's buffer, so add/edit can
 * print them at once and import can list them by line. */
#ifndef CLI_FIELDS_H
#define CLI_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/record.h"
#include "core/schema.h"

struct cli_fields {
	struct core_field f[CORE_RECORD_FIELDS_MAX]; /* owned */
	size_t n;
};

/* Frees the keys and (wiped) values; the struct can be reused. */
void cli_fields_fini(struct cli_fields *fs);

/* True if key was given (also with an empty value). */
bool cli_fields_has(const struct cli_fields *fs, const char *key);

/* The value of key, or NULL when absent or unset. */
const char *cli_fields_get(const struct cli_fields *fs, const char *key);

/* Adds key[0..klen) = value for a record of type t.  The key is made
 * canonical (field lowercased, language tag per BCP 47); the value is
 * validated (core_valid_value) and made canonical.  A DATETIME without
 * an offset is read in zone tz (or this computer's zone when tz is
 * NULL).  An empty value is an unset when allow_unset, else an error.
 * On error writes one sentence to why and returns an exit status
 * (EXIT_DATA, EXIT_USAGE or EXIT_OSERR). */
int cli_fields_add(struct cli_fields *fs, enum core_rtype t, const char *key,
    size_t klen, const char *value, const char *tz, bool allow_unset,
    char *why, size_t whylen);

/* Makes key[0..klen) canonical for type t into out (at least
 * CORE_FIELD_NAME_MAX + 1 bytes), or writes why and returns EXIT_DATA. */
int cli_fields_key(enum core_rtype t, const char *key, size_t klen,
    char *out, char *why, size_t whylen);

/* Checks that every required field of t has a value (add, import). */
int cli_fields_required(const struct cli_fields *fs, enum core_rtype t,
    char *why, size_t whylen);

/* For a meeting with a start but no tz: adds this computer's zone, so a
 * weekly meeting keeps its local hour across DST. */
int cli_fields_local_tz(struct cli_fields *fs, enum core_rtype t);

/* What field name (without "@LANG") of type t means and an example
 * value, translated, for questions on a terminal.  Both are static
 * (NULL for an unknown field). */
void cli_fields_help(enum core_rtype t, const char *name,
    const char **meaning, const char **example);

#endif
