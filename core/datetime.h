/* core/datetime.h - civil dates and times with a fixed UTC offset.
 * Proleptic Gregorian calendar, years 1..9999; no time zone database
 * (cli/tz.h reads the system's). */
#ifndef CORE_DATETIME_H
#define CORE_DATETIME_H

#include <stdint.h>

struct core_datetime {
	int year, month, day;  /* 1..9999, 1..12, 1..31 */
	int hour, min, sec;    /* 0..23, 0..59, 0..59 */
	int offset_min;        /* minutes east of UTC, -1439..1439 */
};

/* Seconds since the Unix epoch of dt (its offset applied). */
int64_t core_datetime_to_unix(const struct core_datetime *dt);

/* Breaks t (Unix seconds) into the wall-clock time at offset_min. */
void core_datetime_from_unix(int64_t t, int offset_min,
    struct core_datetime *out);

/* Day of the week of a civil date: 0 = Monday .. 6 = Sunday. */
int core_datetime_weekday(int year, int month, int day);

/* Days since 1970-01-01 of a civil date (may be negative). */
int64_t core_datetime_days(int year, int month, int day);

#endif
