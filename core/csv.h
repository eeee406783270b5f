/* core/csv.h - CSV (RFC 4180) in and out.
 *
 * Coordinators keep their lists in spreadsheets.  The reader accepts
 * RFC 4180 with the usual spreadsheet variations: CRLF or LF line ends,
 * a UTF-8 byte order mark at the start, ',' or ';' as separator (chosen
 * from the header line: whichever occurs outside quotes first), quoted
 * cells with "" for a quote and embedded line breaks.  It is strict
 * otherwise: a quote inside an unquoted cell, text after a closing quote,
 * an unterminated quote, invalid UTF-8 or a row over the limits is an
 * error with its line number.
 */
#ifndef CORE_CSV_H
#define CORE_CSV_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/record.h"

#define CORE_CSV_CELLS_MAX 256 /* cells in one row */

/* Called for each row (the header row too) with its first line number
 * (1-based) and its cells (NUL-terminated, borrowed until the callback
 * returns).  A non-zero return stops parsing and is returned. */
typedef int (*core_csv_row_fn)(void *ctx, size_t line, char **cells,
    size_t ncells);

/* Parses data[0..len).  Blank lines are skipped.  The whole input is
 * checked for UTF-8 before the first row is handed to fn.  On a syntax
 * error returns DG_EDECODE, DG_EUTF8 or DG_ELIMIT (cell over
 * CORE_VALUE_MAX bytes, row over CORE_CSV_CELLS_MAX cells) with
 * *err_line set (err_line may be NULL) and a reason in why (may be
 * NULL).  Returns DG_ENOMEM, or whatever fn returned when it stopped the
 * parse (with *err_line set to that row's line).  Inside quoted cells a
 * CR LF line break is passed on as LF. */
int core_csv_parse(const char *data, size_t len, core_csv_row_fn fn,
    void *ctx, size_t *err_line, char *why, size_t whylen) DG_WUR;

/* Appends records of type t as CSV with CRLF line ends: a header row
 * "id,type,<every field of the type in schema order>,<translation keys
 * present in any record, sorted>" then one row per record (records of
 * other types and removed records are skipped).  Cells are
 * quoted when they hold ',', '"', CR or LF.  A cell that begins with
 * '=', '+', '-' or '@' is not rewritten (no "'" is prepended): dugnad's
 * own values never start a formula except phone numbers ("+47 ..."),
 * which spreadsheets read as text when quoted, so such cells are always
 * quoted.  Sets b->err to DG_EINVAL for an unknown t, DG_ENOMEM when
 * memory runs out. */
void core_csv_write(struct core_buf *b, enum core_rtype t,
    const struct core_record *recs, size_t n);

#endif
