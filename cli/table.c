#include "cli/table.h"

#include <stdlib.h>
#include <string.h>

#include "cli/i18n.h"
#include "core/err.h"
#include "core/text.h"

void
cli_table_init(struct cli_table *t, size_t ncols, const char *const *head)
{
	size_t i;

	memset(t, 0, sizeof *t);
	t->ncols = ncols < CLI_TABLE_COLS ? ncols : CLI_TABLE_COLS;
	for (i = 0; i < t->ncols; i++) {
		t->head[i] = _(head[i]);
		t->maxw[i] = 40;
	}
}

void
cli_table_row(struct cli_table *t, const char *const *cells)
{
	char **nc;
	size_t i, base;

	if (t->err)
		return;
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		nc = realloc(t->cells, t->cap * t->ncols * sizeof *nc);
		if (nc == NULL) {
			t->err = DG_ENOMEM;
			return;
		}
		t->cells = nc;
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + i] = strdup(cells[i] ? cells[i] : "");
		if (t->cells[base + i] == NULL)
			t->err = DG_ENOMEM;
	}
	t->nrows++;
}

/* Replaces line breaks and tabs by spaces so a cell stays on its line. */
static void
flatten(char *s)
{
	for (; *s; s++) {
		if (*s == '\n' || *s == '\t' || *s == '\r')
			*s = ' ';
	}
}

void
cli_table_fit(const char *s, size_t w, size_t *n, size_t *used, bool *rtl)
{
	size_t len = strlen(s), cw = core_text_width(s, len);

	*rtl = core_text_is_rtl(s, len);
	if (cw > w) {
		*n = core_text_fit(s, len, w > 0 ? w - 1 : 0);
		*used = core_text_width(s, *n) + 1;
	} else {
		*n = len;
		*used = cw;
	}
}

static void
cell(FILE *f, const char *s, size_t w, int last)
{
	size_t len = strlen(s), n, used;
	bool rtl;

	cli_table_fit(s, w, &n, &used, &rtl);
	if (rtl)
		fputs("\xe2\x81\xa8", f); /* U+2068 FIRST STRONG ISOLATE */
	fwrite(s, 1, n, f);
	if (n < len)
		fputs("\xe2\x80\xa6", f); /* U+2026 ELLIPSIS */
	if (rtl)
		fputs("\xe2\x81\xa9", f); /* U+2069 POP DIRECTIONAL ISOLATE */
	if (!last) {
		for (; used < w + 2; used++)
			fputc(' ', f);
	}
}

int
cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t w[CLI_TABLE_COLS], r, i, x;
	char *s;

	if (t->err)
		return t->err;
	for (i = 0; i < t->ncols; i++)
		w[i] = core_text_width(t->head[i], strlen(t->head[i]));
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			s = t->cells[r * t->ncols + i];
			flatten(s);
			x = core_text_width(s, strlen(s));
			if (t->maxw[i] && x > t->maxw[i])
				x = t->maxw[i];
			if (x > w[i])
				w[i] = x;
		}
	}
	for (i = 0; i < t->ncols; i++)
		cell(f, t->head[i], w[i], i + 1 == t->ncols);
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++)
			cell(f, t->cells[r * t->ncols + i], w[i],
			    i + 1 == t->ncols);
		fputc('\n', f);
	}
	return 0;
}

void
cli_table_fini(struct cli_table *t)
{
	size_t i;

	if (t == NULL || t->cells == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
}
