#include "core/csv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/schema.h"
#include "core/text.h"

/* One parse.  Cells of the current row are kept back to back in row,
 * each followed by a NUL; off[] holds their offsets, turned into
 * pointers only when the row is complete because row may move while it
 * grows. */
struct csv {
	const char *data;
	size_t len;
	size_t i;    /* next byte */
	size_t line; /* line of data[i], 1-based */
	char sep;
	struct core_buf row;
	size_t off[CORE_CSV_CELLS_MAX];
	char *cells[CORE_CSV_CELLS_MAX];
	size_t ncells;
	size_t err_line;
	char *why;
	size_t whylen;
};

static int
fail(struct csv *c, int code, size_t line, const char *reason)
{
	c->err_line = line;
	if (c->why != NULL && c->whylen > 0)
		snprintf(c->why, c->whylen, "%s", reason);
	return code;
}

/* Checks every line before anything is handed to the callback, so a
 * file with a bad byte anywhere imports nothing, and the error names
 * the exact line.  A line break never falls inside a valid UTF-8
 * sequence, so checking line by line is the same as checking it all. */
static int
check_utf8(struct csv *c)
{
	size_t i = c->i, line = c->line, end;
	const char *nl;

	while (i < c->len) {
		nl = memchr(c->data + i, '\n', c->len - i);
		end = nl != NULL ? (size_t)(nl - c->data) : c->len;
		if (!core_text_utf8_valid(c->data + i, end - i))
			return fail(c, DG_EUTF8, line,
			    "invalid UTF-8 (or a NUL byte); save the file "
			    "as UTF-8");
		i = end + 1;
		line++;
	}
	return 0;
}

/* The separator is whichever of ',' and ';' comes first outside quotes
 * in the header line (the first non-blank line, at c->i); a
 * single-column file has neither and gets ','. */
static char
detect_sep(const struct csv *c)
{
	bool quoted = false;
	size_t i;

	for (i = c->i; i < c->len; i++) {
		if (c->data[i] == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (c->data[i] == ',' || c->data[i] == ';')
			return c->data[i];
		else if (c->data[i] == '\n')
			break;
	}
	return ',';
}

/* True at the end of a line: LF, or CR LF.  A lone CR is not. */
static bool
at_eol(const struct csv *c)
{
	if (c->i >= c->len)
		return false;
	if (c->data[c->i] == '\n')
		return true;
	return c->data[c->i] == '\r' && c->i + 1 < c->len &&
	    c->data[c->i + 1] == '\n';
}

static void
skip_eol(struct csv *c)
{
	c->i += c->data[c->i] == '\r' ? 2 : 1;
	c->line++;
}

static int
read_quoted(struct csv *c, size_t start)
{
	size_t quote_line = c->line;
	char ch;

	c->i++;
	for (;;) {
		if (c->i >= c->len)
			return fail(c, DG_EDECODE, quote_line,
			    "a quoted cell is never closed");
		ch = c->data[c->i];
		if (ch == '"') {
			if (c->i + 1 < c->len && c->data[c->i + 1] == '"') {
				c->i += 2;
			} else {
				c->i++;
				break;
			}
		} else if (at_eol(c)) {
			/* Values keep LF only: CR is a control
			 * character that no field accepts. */
			skip_eol(c);
			ch = '\n';
		} else {
			c->i++;
		}
		core_buf_ch(&c->row, ch);
		if (c->row.len - start > CORE_VALUE_MAX)
			return fail(c, DG_ELIMIT, quote_line,
			    "a cell is longer than 4096 bytes");
	}
	if (c->i < c->len && c->data[c->i] != c->sep && !at_eol(c))
		return fail(c, DG_EDECODE, c->line,
		    "text after the closing quote of a cell (write \"\" "
		    "for a quote inside a quoted cell)");
	return 0;
}

static int
read_plain(struct csv *c)
{
	size_t from = c->i;
	char ch;

	while (c->i < c->len) {
		ch = c->data[c->i];
		if (ch == c->sep || ch == '\n')
			break;
		if (ch == '\r') {
			if (at_eol(c))
				break;
			return fail(c, DG_EDECODE, c->line,
			    "a carriage return without a line feed");
		}
		if (ch == '"')
			return fail(c, DG_EDECODE, c->line,
			    "a quote inside an unquoted cell (quote the "
			    "whole cell and write \"\" for the quote)");
		c->i++;
		if (c->i - from > CORE_VALUE_MAX)
			return fail(c, DG_ELIMIT, c->line,
			    "a cell is longer than 4096 bytes");
	}
	core_buf_add(&c->row, c->data + from, c->i - from);
	return 0;
}

/* Reads one row starting at a non-blank line and hands it to fn. */
static int
read_row(struct csv *c, core_csv_row_fn fn, void *ctx)
{
	size_t row_line = c->line, start, k;
	bool more = true;
	int rc;

	c->row.len = 0;
	c->ncells = 0;
	while (more) {
		if (c->ncells == CORE_CSV_CELLS_MAX)
			return fail(c, DG_ELIMIT, c->line,
			    "a row has more than 256 cells");
		start = c->row.len;
		if (c->i < c->len && c->data[c->i] == '"')
			rc = read_quoted(c, start);
		else
			rc = read_plain(c);
		if (rc != 0)
			return rc;
		core_buf_ch(&c->row, '\0');
		if (c->row.err)
			return c->row.err;
		c->off[c->ncells++] = start;
		if (c->i >= c->len) {
			more = false;
		} else if (c->data[c->i] == c->sep) {
			c->i++;
		} else {
			skip_eol(c);
			more = false;
		}
	}
	for (k = 0; k < c->ncells; k++)
		c->cells[k] = c->row.data + c->off[k];
	rc = fn(ctx, row_line, c->cells, c->ncells);
	if (rc != 0)
		c->err_line = row_line;
	return rc;
}

int
core_csv_parse(const char *data, size_t len, core_csv_row_fn fn, void *ctx,
    size_t *err_line, char *why, size_t whylen)
{
	struct csv *c;
	int rc;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	/* The row state holds 4 KiB of offsets and pointers: on the heap,
	 * so a parse stays cheap on small stacks. */
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return DG_ENOMEM;
	c->data = data;
	c->len = len;
	c->line = 1;
	c->why = why;
	c->whylen = whylen;
	core_buf_init(&c->row);
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		c->i = 3;
	rc = check_utf8(c);
	if (rc != 0)
		goto cleanup;
	/* Leading blank lines are skipped before the separator is chosen
	 * from the header line. */
	while (at_eol(c))
		skip_eol(c);
	c->sep = detect_sep(c);
	while (c->i < c->len) {
		if (at_eol(c)) {
			skip_eol(c);
			continue;
		}
		rc = read_row(c, fn, ctx);
		if (rc != 0)
			goto cleanup;
	}
cleanup:
	if (rc != 0 && err_line != NULL)
		*err_line = c->err_line;
	core_buf_fini(&c->row);
	free(c);
	return rc;
}

/* --- writing --- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
write_cell(struct core_buf *b, const char *s)
{
	const char *p;

	/* Phone numbers ("+47 ...") must reach a spreadsheet as text;
	 * quoting is what makes it keep them as typed. */
	if (strpbrk(s, ",\"\r\n") == NULL && s[0] != '=' && s[0] != '+' &&
	    s[0] != '-' && s[0] != '@') {
		core_buf_str(b, s);
		return;
	}
	core_buf_ch(b, '"');
	while ((p = strchr(s, '"')) != NULL) {
		core_buf_add(b, s, (size_t)(p - s) + 1);
		core_buf_ch(b, '"');
		s = p + 1;
	}
	core_buf_str(b, s);
	core_buf_ch(b, '"');
}

/* The translation keys ("name@so") used by any record of type t, sorted
 * and without duplicates, borrowed from recs.  *out is owned (free()). */
static int
translation_keys(enum core_rtype t, const struct core_record *recs, size_t n,
    const char ***out, size_t *nout)
{
	const char **keys;
	size_t i, k, total = 0, m = 0;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < n; i++) {
		if (recs[i].type != t || recs[i].removed)
			continue;
		for (k = 0; k < recs[i].nfields; k++)
			if (strchr(recs[i].fields[k].key, '@') != NULL)
				total++;
	}
	if (total == 0)
		return 0;
	keys = malloc(total * sizeof(*keys));
	if (keys == NULL)
		return DG_ENOMEM;
	for (i = 0; i < n; i++) {
		if (recs[i].type != t || recs[i].removed)
			continue;
		for (k = 0; k < recs[i].nfields; k++)
			if (strchr(recs[i].fields[k].key, '@') != NULL)
				keys[m++] = recs[i].fields[k].key;
	}
	qsort(keys, m, sizeof(*keys), cmp_str);
	for (i = 0, k = 0; i < m; i++)
		if (k == 0 || strcmp(keys[k - 1], keys[i]) != 0)
			keys[k++] = keys[i];
	*out = keys;
	*nout = k;
	return 0;
}

void
core_csv_write(struct core_buf *b, enum core_rtype t,
    const struct core_record *recs, size_t n)
{
	const struct core_fdef *fd;
	const char **tr = NULL;
	const char *v;
	char id[CORE_RID_TEXT];
	size_t nf, ntr, i, k;

	fd = core_schema_fields(t, &nf);
	if (fd == NULL) {
		b->err = DG_EINVAL;
		return;
	}
	if (translation_keys(t, recs, n, &tr, &ntr) != 0) {
		b->err = DG_ENOMEM;
		return;
	}
	core_buf_str(b, "id,type");
	for (k = 0; k < nf; k++) {
		core_buf_ch(b, ',');
		write_cell(b, fd[k].name);
	}
	for (k = 0; k < ntr; k++) {
		core_buf_ch(b, ',');
		write_cell(b, tr[k]);
	}
	core_buf_str(b, "\r\n");
	for (i = 0; i < n; i++) {
		/* CSV has no way to say "removed": a row would bring the
		 * record back on import. */
		if (recs[i].type != t || recs[i].removed)
			continue;
		core_record_id_text(recs[i].id, id);
		core_buf_str(b, id);
		core_buf_ch(b, ',');
		core_buf_str(b, core_schema_rtype_name(t));
		for (k = 0; k < nf; k++) {
			core_buf_ch(b, ',');
			v = core_record_get(&recs[i], fd[k].name);
			write_cell(b, v != NULL ? v : "");
		}
		for (k = 0; k < ntr; k++) {
			core_buf_ch(b, ',');
			v = core_record_get(&recs[i], tr[k]);
			write_cell(b, v != NULL ? v : "");
		}
		core_buf_str(b, "\r\n");
	}
	free(tr);
}
