/* cli/upcoming.h - `dugnad list meetings --upcoming`: every occurrence
 * of every meeting in the coming weeks, as a week view in the user's
 * time zone (the process's local time: TZ, else /etc/localtime), or as
 * JSON.
 *
 * A series repeats on the wall clock of its own time zone (its "tz"
 * field, as DTSTART;TZID in the ICS export), so each occurrence is
 * placed in that zone on its own date and then shown in the user's.
 */
#ifndef CLI_UPCOMING_H
#define CLI_UPCOMING_H

#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "core/record.h"

#define CLI_UPCOMING_WEEKS 2      /* default: this week and the next */
#define CLI_UPCOMING_WEEKS_MAX 52
/* Occurrences shown at most: past it, the earliest are shown and a
 * note on stderr says the view was cut. */
#define CLI_UPCOMING_MAX 1000

/* Prints the occurrences of meetings recs[0..n) (borrowed; in the order
 * that breaks ties between meetings starting at the same time) from
 * now (Unix seconds) to the end of the weeks-th week (1..
 * CLI_UPCOMING_WEEKS_MAX) counted from the one holding now.  A meeting
 * that has begun and not yet ended is shown; records that are not
 * meetings or whose times cannot be read are left out.  Returns 0 or
 * an exit status after printing the error. */
int cli_upcoming_show(struct cli *c, const struct core_record *recs,
    size_t n, int64_t now, int weeks);

#endif
