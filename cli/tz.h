/* cli/tz.h - time zones from the system's tz database, for iCalendar
 * export.  core/ has no tz database and does no I/O; these read
 * /usr/share/zoneinfo through the C library.
 *
 * Both change and restore the TZ environment variable and call tzset():
 * call them from one thread only, with no other thread using local time.
 */
#ifndef CLI_TZ_H
#define CLI_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/ics.h"
#include "core/valid.h"

/* The observances of IANA zone tzid ("Europe/Oslo") needed to describe
 * times from `from` to `to` (Unix seconds, from <= to, at most 100 years
 * apart): the one in force at `from` (with its real onset when that is
 * within the year before, else starting at `from`), then one per change
 * of offset, DST flag or abbreviation up to `to`, in order.  On success
 * *out is owned by the caller (free()) and holds *n entries.  Returns 0,
 * DG_EINVAL (malformed tzid, from > to), DG_ENOTFOUND (no such zone file
 * under /usr/share/zoneinfo), DG_ELIMIT (span or count too large) or
 * DG_ENOMEM. */
int cli_tz_observances(const char *tzid, int64_t from, int64_t to,
    struct core_ics_obs **out, size_t *n) DG_WUR;

/* Writes the IANA name of the local zone to out (cap bytes): TZ when it
 * names a zone file, else the target of /etc/localtime after
 * ".../zoneinfo/", else /etc/timezone, else "UTC".  Returns 0 or
 * DG_ELIMIT when cap is too small. */
int cli_tz_local(char *out, size_t cap) DG_WUR;

/* Offset in minutes east of UTC of zone tzid at the wall-clock time
 * wall (its offset_min is ignored); for a time that exists twice (the
 * autumn change) the C library's choice.  Returns 0, DG_EINVAL (the
 * time does not exist there: the spring-forward gap), DG_ENOTFOUND (no
 * such zone) or DG_ENOMEM. */
int cli_tz_offset(const char *tzid, const struct core_datetime *wall,
    int *offset_min) DG_WUR;

/* The instants of n wall-clock times (walls[i], offset_min ignored) in
 * zone tzid, as RFC 5545 reads a DTSTART;TZID: a time that exists twice
 * (the autumn change) is the first of the two, and a time in the
 * spring-forward gap is taken with the offset before the gap (02:30 on
 * the day clocks go from 02:00 to 03:00 is 03:30 summer time).
 * Writes out[i] (Unix seconds) and offset[i] (minutes east of UTC in
 * force then); both arrays are the caller's, n entries.  Loads the
 * zone once for all n.  Returns 0, DG_EINVAL (malformed tzid),
 * DG_ENOTFOUND (no such zone) or DG_ENOMEM. */
int cli_tz_resolve(const char *tzid, const struct core_datetime *walls,
    size_t n, int64_t *out, int *offset) DG_WUR;

/* TZ naming the system's zone, as an unset TZ does.  The daemon sets TZ
 * to it when it has none, so that a forwarded command's TZ only ever
 * replaces the variable: adding or removing one reallocates or shifts
 * the environment under libuv's resolver threads, which read it. */
#define CLI_TZ_SYSTEM ":/etc/localtime"

/* Checks the TZ environment variable that local time follows: unset,
 * empty, CLI_TZ_SYSTEM, a POSIX rule ("CET-1CEST,M3.5.0,M10.5.0/3") or
 * the name of a zone file is 0; a zone name (":Name", or one with a '/') for which
 * there is no zone file, which the C library would silently take for
 * UTC, is DG_ENOTFOUND; a malformed or overlong one DG_EINVAL. */
int cli_tz_env_check(void) DG_WUR;

#endif
