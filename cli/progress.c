#include "cli/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define REDRAW_MS 200

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 12345678 -> "12,345,678". */
static void
grouped(uint64_t v, char *out, size_t cap)
{
	char digits[24];
	size_t n, i, k = 0;

	n = (size_t)snprintf(
	    digits, sizeof digits, "%llu", (unsigned long long)v);
	for (i = 0; i < n && k + 2 < cap; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
}

void
cli_progress_start(struct cli_progress *p, const struct cli *c,
    const char *what, uint64_t total)
{
	p->what = what;
	p->total = total;
	p->shown = false;
	p->on = c->shared == NULL && c->daemon == NULL && isatty(STDERR_FILENO);
	p->last_ms = 0;
}

void
cli_progress_set(struct cli_progress *p, uint64_t done, bool force)
{
	char d[32], t[32];
	int64_t now;
	unsigned pct;

	if (!p->on)
		return;
	now = now_ms();
	if (!force && now - p->last_ms < REDRAW_MS)
		return;
	p->last_ms = now;
	if (p->total > 0 && done > p->total)
		done = p->total; /* never "31,000 of 30,000" */
	grouped(done, d, sizeof d);
	/* \r and "erase to the end of the line": drawn over the last one. */
	fputs("\r\033[K", stderr);
	if (p->total > 0) {
		grouped(p->total, t, sizeof t);
		pct = (unsigned)(done * 100 / p->total);
		/* TRANSLATORS: "Checking entries: 12,000 of 30,000 (40 %)". */
		fprintf(stderr, _("%s: %s of %s (%u %%)"), p->what, d, t, pct);
	} else if (done > 0) {
		fprintf(stderr, _("%s: %s"), p->what, d);
	} else {
		/* Work that cannot be counted: its name only. */
		fprintf(stderr, _("%s..."), p->what);
	}
	fflush(stderr);
	p->shown = true;
}

void
cli_progress_end(struct cli_progress *p)
{
	if (p->on && p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
}

void
cli_progress_store(void *ctx, uint64_t done, uint64_t total)
{
	struct cli_progress *p = ctx;

	if (total > 0)
		p->total = total;
	cli_progress_set(p, done, false);
}
