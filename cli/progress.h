/* cli/progress.h - a one-line counter for long work on a terminal.
 *
 * "Checking entries: 12,000 of 30,000 (40 %)" on stderr, updated in
 * place at most five times a second and cleared at the end, so what the
 * command prints afterwards is unchanged.  Shown only when stderr is a
 * terminal and the command runs in its own process (never inside the
 * daemon, never into a script's or a log's captured output).
 */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct cli;

struct cli_progress {
	const char *what; /* translated label ("Checking entries") */
	uint64_t total;   /* 0: unknown */
	int64_t last_ms;  /* when the line was last drawn */
	bool on;          /* stderr is a terminal of this process */
	bool shown;       /* a line is on the screen */
};

/* Starts a counter labelled what (translated by the caller; borrowed
 * until cli_progress_end) over total items (0: unknown).  Nothing is
 * drawn until the first cli_progress_set. */
void cli_progress_start(struct cli_progress *p, const struct cli *c,
    const char *what, uint64_t total);

/* Done items so far; draws the first time, then when 200 ms have
 * passed since the last drawing (or when force).  With no total and
 * nothing done it shows "what..." (work that cannot be counted). */
void cli_progress_set(struct cli_progress *p, uint64_t done, bool force);

/* Clears the line. */
void cli_progress_end(struct cli_progress *p);

/* A store_progress_fn (store/db.h) for a struct cli_progress ctx: takes
 * the total from the store. */
void cli_progress_store(void *ctx, uint64_t done, uint64_t total);

#endif
