/* core/repeat.h - meeting recurrence.
 *
 * Users write a recurrence in a few plain forms; the canonical form kept
 * in the log is FREQ[/INTERVAL][:DAYS]:
 *
 *   daily | weekly | monthly | yearly         every day/week/...
 *   weekly/2                                  every second week
 *   weekly:tu,th                              twice a week, Tue and Thu
 *   monthly:1tu  monthly:-1fr                 first Tuesday, last Friday
 *
 * Accepted input besides the canonical form (case-insensitive):
 * "biweekly" or "fortnightly" (= weekly/2), "every 2 weeks", "every
 * other week", "every day", "weekly:tuesday,thursday" (a day is any
 * prefix of its English name of two letters or more, or the plural),
 * spaces around ':' and ',', and an RFC 5545 RRULE value such as
 * "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH" (with or without "RRULE:") when
 * it uses only FREQ, INTERVAL and BYDAY.  INTERVAL is 1..99.  The last
 * date of a series is the meeting's separate "until" field.  Days go
 * with weekly and monthly only ("monthly:tu" is every Tuesday); without
 * days a series keeps the start's weekday or day of the month, and a
 * month without that day (the 31st, 29 February) is skipped.
 */
#ifndef CORE_REPEAT_H
#define CORE_REPEAT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum core_freq {
	CORE_FREQ_DAILY = 1,
	CORE_FREQ_WEEKLY,
	CORE_FREQ_MONTHLY,
	CORE_FREQ_YEARLY,
};

struct core_repeat {
	enum core_freq freq;
	int interval;     /* 1..99 */
	int ndays;        /* entries used in days/ord, 0..7 */
	int days[7];      /* 0 = Monday .. 6 = Sunday */
	int ord[7];       /* MONTHLY only: 1..5, -1..-5, or 0 = every */
};

/* Parses user input or the canonical form.  Returns 0 or DG_EINVAL. */
int core_repeat_parse(const char *in, struct core_repeat *out) DG_WUR;

/* Appends the canonical form of r to out.  An r that parse could not
 * have produced sets out->err to DG_EINVAL. */
void core_repeat_canon(const struct core_repeat *r, struct core_buf *out);

/* Appends the RFC 5545 RRULE value ("FREQ=WEEKLY;BYDAY=TU,TH") of r to
 * out; until_utc, when not NULL, is added as UNTIL (a "YYYYMMDDTHHMMSSZ"
 * string the caller computed).  An invalid r sets out->err as above. */
void core_repeat_rrule(const struct core_repeat *r, const char *until_utc,
    struct core_buf *out);

/* Next occurrence at or after `after` (Unix seconds) of a series that
 * starts at `start` (Unix seconds) and repeats by r (NULL: a single
 * occurrence) in the wall clock of offset_min minutes east of UTC,
 * ending with the last occurrence on or before until (Unix seconds, or
 * INT64_MAX).  The start itself is always the first occurrence.  Returns
 * 0 with *next set, DG_ENOTFOUND when the series has ended, or DG_EINVAL
 * for an invalid r, offset or a start outside years 1..9999. */
int core_repeat_next(const struct core_repeat *r, int64_t start,
    int offset_min, int64_t until, int64_t after, int64_t *next) DG_WUR;

/* The occurrences of the same series (arguments as core_repeat_next)
 * that start in [from, to), in order, written to out (cap entries,
 * borrowed for the call); *n is the number written.  The work is
 * bounded by cap, whatever the rule and the window: returns 0,
 * DG_ELIMIT when more than cap occurrences fall in the window (the
 * first cap are written), or DG_EINVAL as core_repeat_next.  A series
 * that ended, or starts after the window, gives 0 with *n = 0. */
int core_repeat_expand(const struct core_repeat *r, int64_t start,
    int offset_min, int64_t until, int64_t from, int64_t to, int64_t *out,
    size_t cap, size_t *n) DG_WUR;

#endif
