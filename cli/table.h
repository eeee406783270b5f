/* cli/table.h - text tables that line up for wide and right-to-left
 * scripts.  Widths are terminal columns (core_text_width), not bytes;
 * right-to-left cells are wrapped in Unicode directional isolates
 * (U+2068 ... U+2069) so a bidi-aware terminal does not reorder the
 * columns around them. */
#ifndef CLI_TABLE_H
#define CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CLI_TABLE_COLS 8

struct cli_table {
	size_t ncols;
	const char *head[CLI_TABLE_COLS];
	size_t maxw[CLI_TABLE_COLS]; /* column width cap, 0 = none */
	char **cells;                /* nrows * ncols, owned */
	size_t nrows, cap;
	int err;
};

void cli_table_init(struct cli_table *t, size_t ncols,
    const char *const *head);  /* English, marked N_(): translated here */
/* Adds a row (cells copied; NULL prints as empty). */
void cli_table_row(struct cli_table *t, const char *const *cells);
/* Prints the header and rows; long cells are cut with an ellipsis.
 * Returns 0, or DG_ENOMEM (printing nothing) when a row could not be
 * added. */
int cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_fini(struct cli_table *t);

/* How text s fits in w columns: its first *n bytes, taking *used
 * columns (with the "…" to add when *n < strlen(s): cut on a character
 * and grapheme boundary), and *rtl when it is right-to-left text, to be
 * wrapped in directional isolates.  For cells outside a table too. */
void cli_table_fit(const char *s, size_t w, size_t *n, size_t *used,
    bool *rtl);

#endif
