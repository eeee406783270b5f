/* core/ics.h - iCalendar (RFC 5545) export of meetings.
 *
 * Each meeting becomes a VEVENT: UID (<id>@dugnad), DTSTAMP, DTSTART
 * (with TZID and a VTIMEZONE when the meeting has a "tz" field, else in
 * UTC), DURATION, RRULE (from "repeat" and "until"), SUMMARY (title),
 * LOCATION (place), URL (link), DESCRIPTION (description, organiser,
 * contact, languages, capacity), and translations of text fields as
 * X-DUGNAD-<FIELD>;LANGUAGE=so:... (X-DUGNAD-TITLE, ...); lines folded
 * at 75 octets without splitting a UTF-8 character, text escaped per
 * RFC 5545 3.3.11.  Contacts, referrals, removed meetings and meetings
 * without a valid "starts" are left out.  UNTIL is the last second of
 * the "until" date on the meeting's clock, in UTC.
 */
#ifndef CORE_ICS_H
#define CORE_ICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/record.h"

/* One observance of a time zone: from wall-clock time start_local
 * (seconds since 1970-01-01T00:00 of that wall clock) the offset changes
 * from offset_from to offset_to minutes east of UTC. */
struct core_ics_obs {
	int64_t start_local;
	int offset_from;
	int offset_to;
	int is_dst;
	char name[16]; /* abbreviation, "CET"; may be empty */
};

/* The observances of one time zone over the span the calendar needs,
 * computed by the caller (core/ does no I/O and has no tz database). */
struct core_ics_tz {
	const char *tzid; /* "Europe/Oslo" */
	size_t nobs;
	const struct core_ics_obs *obs;
};

/* Appends a VCALENDAR with the meetings among recs and a VTIMEZONE for
 * each tz in tzs that a meeting uses.  now is the DTSTAMP (Unix
 * seconds).  A meeting whose tz has no entry in tzs is written in UTC.
 * Returns 0, or DG_ENOMEM when b failed. */
int core_ics_write(struct core_buf *b, const struct core_record *recs,
    size_t n, const struct core_ics_tz *tzs, size_t ntz, int64_t now)
    DG_WUR;

#endif
