#include "core/repeat.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/valid.h"
#include "t.h"

/* Unix seconds of a DATETIME; aborts on a typo in the test itself. */
static int64_t
ts(const char *s)
{
	struct core_datetime dt;

	if (core_valid_datetime_parse(s, &dt) != 0) {
		fprintf(stderr, "bad test datetime %s\n", s);
		abort();
	}
	return core_datetime_to_unix(&dt);
}

/* Canonical form of in, or "ERR". */
static const char *
canon(const char *in, char *out, size_t cap)
{
	struct core_repeat r;
	struct core_buf b;

	snprintf(out, cap, "ERR");
	if (core_repeat_parse(in, &r) != 0)
		return out;
	core_buf_init(&b);
	core_repeat_canon(&r, &b);
	if (b.err == 0 && b.len > 0)
		snprintf(out, cap, "%s", b.data);
	core_buf_fini(&b);
	return out;
}

static void
test_parse_forms(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "weekly", "weekly" },
		{ "  Weekly ", "weekly" },
		{ "daily", "daily" },
		{ "monthly", "monthly" },
		{ "yearly", "yearly" },
		{ "weekly/1", "weekly" },
		{ "weekly/2", "weekly/2" },
		{ "biweekly", "weekly/2" },
		{ "Fortnightly", "weekly/2" },
		{ "every 2 weeks", "weekly/2" },
		{ "every other week", "weekly/2" },
		{ "every day", "daily" },
		{ "every 3 months", "monthly/3" },
		{ "every year", "yearly" },
		{ "every 2 weeks:mo", "weekly/2:mo" },
		{ "weekly:tuesday,thursday", "weekly:tu,th" },
		{ "weekly: th, tu", "weekly:tu,th" },
		{ "weekly:Thurs,Tue,th", "weekly:tu,th" },
		{ "weekly:mondays", "weekly:mo" },
		{ "monthly:-1fr,1tu", "monthly:1tu,-1fr" },
		{ "monthly:-1fr,1fr", "monthly:1fr,-1fr" },
		{ "monthly:+2we", "monthly:2we" },
		{ "monthly:tu", "monthly:tu" },
		{ "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "weekly/2:tu,th" },
		{ "RRULE:FREQ=MONTHLY;BYDAY=-1FR", "monthly:-1fr" },
		{ "freq=daily;interval=1", "daily" },
		{ "BYDAY=SU;FREQ=WEEKLY", "weekly:su" },
		{ "weekly/2:tu,th", "weekly/2:tu,th" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		T_EQ_STR(canon(cases[i].in, buf, sizeof buf), cases[i].want);
}

static void
test_parse_invalid(void)
{
	static const char *const bad[] = {
		"", "   ", "hourly", "weekly/0", "weekly/100", "weekly/",
		"weekly:1tu", "daily:mo", "yearly:mo", "monthly:6tu",
		"monthly:0tu", "monthly:11tu", "weekly:xx", "weekly:",
		"weekly:t", "weekly:tu,", "weekly extra", "every 0 days",
		"every 2", "every fortnight", "weeklyish",
		"FREQ=WEEKLY;COUNT=3", "FREQ=WEEKLY;UNTIL=20270101T000000Z",
		"FREQ=WEEKLY;FREQ=DAILY", "INTERVAL=2", "FREQ=HOURLY",
		"FREQ=WEEKLY;BYDAY=1TU", "FREQ=WEEKLY;WKST=SU",
		"FREQ=WEEKLY x", "weekly:mo,tu,we,th,fr,sa,su,1mo",
	};
	char buf[64], long_in[400];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (strcmp(canon(bad[i], buf, sizeof buf), "ERR") != 0) {
			fprintf(stderr, "  accepted \"%s\" as %s\n", bad[i],
			    buf);
			T_ASSERT(0);
		}
	}
	memset(long_in, ' ', sizeof long_in - 1);
	memcpy(long_in + 300, "weekly", 6);
	long_in[sizeof long_in - 1] = '\0';
	T_EQ_STR(canon(long_in, buf, sizeof buf), "ERR");
}

static void
test_rrule(void)
{
	static const struct {
		const char *in, *until, *want;
	} cases[] = {
		{ "weekly/2:th,tu", NULL, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH" },
		{ "monthly:-1fr,1tu", "20270630T215959Z",
		    "FREQ=MONTHLY;BYDAY=1TU,-1FR;UNTIL=20270630T215959Z" },
		{ "daily", NULL, "FREQ=DAILY" },
		{ "yearly", NULL, "FREQ=YEARLY" },
		{ "every 3 months", NULL, "FREQ=MONTHLY;INTERVAL=3" },
	};
	struct core_repeat r;
	struct core_buf b;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		T_EQ_INT(core_repeat_parse(cases[i].in, &r), 0);
		core_buf_init(&b);
		core_repeat_rrule(&r, cases[i].until, &b);
		T_EQ_INT(b.err, 0);
		T_EQ_STR(b.data, cases[i].want);
		core_buf_fini(&b);
	}
	/* What RRULE writes parses back to the same rule. */
	T_EQ_INT(core_repeat_parse("monthly/2:1tu,-1fr", &r), 0);
	core_buf_init(&b);
	core_repeat_rrule(&r, NULL, &b);
	{
		char buf[64];

		T_EQ_STR(canon(b.data, buf, sizeof buf), "monthly/2:1tu,-1fr");
	}
	core_buf_fini(&b);
}

/* Checks that the occurrences after the start of a series are want[0..n)
 * in turn; a NULL entry means the series must have ended there.  The
 * series runs on the clock of the offset start is written with. */
static int
series_ok(const char *rule, const char *start, const char *until,
    const char *const *want, size_t n)
{
	struct core_repeat r;
	struct core_datetime dt;
	int64_t t0, u, t, next;
	size_t i;
	int rc;

	if (core_repeat_parse(rule, &r) != 0 ||
	    core_valid_datetime_parse(start, &dt) != 0)
		return 0;
	t0 = core_datetime_to_unix(&dt);
	u = until != NULL ? ts(until) : INT64_MAX;
	t = t0;
	for (i = 0; i < n; i++) {
		rc = core_repeat_next(&r, t0, dt.offset_min, u, t + 1, &next);
		if (want[i] == NULL) {
			if (rc == DG_ENOTFOUND)
				return 1;
			fprintf(stderr, "  %s: rc %d, want the end\n", rule, rc);
			return 0;
		}
		if (rc != 0 || next != ts(want[i])) {
			fprintf(stderr, "  %s: #%zu rc %d, want %s\n", rule, i,
			    rc, want[i]);
			return 0;
		}
		t = next;
	}
	return 1;
}

static void
test_next_weekly(void)
{
	static const char *const tuth[] = {
		"2026-12-03T18:00+01:00", "2026-12-08T18:00+01:00",
		"2026-12-10T18:00+01:00", "2026-12-15T18:00+01:00",
	};
	static const char *const newyear[] = {
		"2027-01-05T18:00+01:00", "2027-01-07T18:00+01:00",
	};
	static const char *const every2[] = {
		"2026-12-18T18:00+01:00", "2027-01-01T18:00+01:00",
		"2027-01-15T18:00+01:00",
	};
	/* Starting on a Thursday: the next week of the series is the
	 * second one after the start's week, Tuesday first. */
	static const char *const every2tuth[] = {
		"2026-12-15T18:00+01:00", "2026-12-17T18:00+01:00",
		"2026-12-29T18:00+01:00", "2026-12-31T18:00+01:00",
		"2027-01-12T18:00+01:00",
	};
	/* Tuesday 00:30 at +02:00 is Monday in UTC: the days are those of
	 * the series' clock. */
	static const char *const local[] = {
		"2026-12-04T00:30+02:00", "2026-12-08T00:30+02:00",
	};

	T_ASSERT(series_ok("weekly:tu,th", "2026-12-01T18:00+01:00", NULL,
	    tuth, 4));
	T_ASSERT(series_ok("weekly:tu,th", "2026-12-31T18:00+01:00", NULL,
	    newyear, 2));
	T_ASSERT(series_ok("weekly/2", "2026-12-04T18:00+01:00", NULL,
	    every2, 3));
	T_ASSERT(series_ok("weekly/2:tu,th", "2026-12-03T18:00+01:00", NULL,
	    every2tuth, 5));
	T_ASSERT(series_ok("weekly:tu,fr", "2026-12-01T00:30+02:00", NULL,
	    local, 2));
}

static void
test_next_monthly(void)
{
	static const char *const lastfri[] = {
		"2027-01-29T18:00+01:00", "2027-02-26T18:00+01:00",
		"2027-03-26T18:00+01:00",
	};
	static const char *const firsttue[] = {
		"2027-01-05T18:00+01:00", "2027-02-02T18:00+01:00",
	};
	/* Months without a 31st are skipped, not clamped. */
	static const char *const d31[] = {
		"2027-03-31T10:00+01:00", "2027-05-31T10:00+01:00",
		"2027-07-31T10:00+01:00", "2027-08-31T10:00+01:00",
		"2027-10-31T10:00+01:00", "2027-12-31T10:00+01:00",
		"2028-01-31T10:00+01:00",
	};
	static const char *const feb29[] = {
		"2032-02-29T12:00Z", "2036-02-29T12:00Z",
	};
	static const char *const every3[] = {
		"2027-02-15T09:00Z", "2027-05-15T09:00Z",
	};
	static const char *const daily3[] = {
		"2026-12-04T18:00+01:00", "2026-12-07T18:00+01:00",
	};

	T_ASSERT(series_ok("monthly:-1fr", "2026-12-25T18:00+01:00", NULL,
	    lastfri, 3));
	T_ASSERT(series_ok("monthly:1tu", "2026-12-01T18:00+01:00", NULL,
	    firsttue, 2));
	T_ASSERT(series_ok("monthly", "2027-01-31T10:00+01:00", NULL, d31,
	    7));
	T_ASSERT(series_ok("yearly", "2028-02-29T12:00Z", NULL, feb29, 2));
	T_ASSERT(series_ok("every 3 months", "2026-11-15T09:00Z", NULL,
	    every3, 2));
	T_ASSERT(series_ok("every 3 days", "2026-12-01T18:00+01:00", NULL,
	    daily3, 2));
}

static void
test_next_until(void)
{
	static const char *const w[] = {
		"2026-12-11T18:00+01:00", "2026-12-18T18:00+01:00", NULL,
	};
	struct core_repeat r;
	int64_t start = ts("2026-12-04T18:00+01:00"), next;

	T_ASSERT(series_ok("weekly", "2026-12-04T18:00+01:00",
	    "2026-12-18T23:59:59+01:00", w, 3));
	/* An occurrence exactly at until is the last one. */
	T_EQ_INT(core_repeat_parse("weekly", &r), 0);
	T_EQ_INT(core_repeat_next(&r, start, 60, ts("2026-12-11T18:00+01:00"),
	    start + 1, &next), 0);
	T_EQ_INT(next, ts("2026-12-11T18:00+01:00"));
	T_EQ_INT(core_repeat_next(&r, start, 60, ts("2026-12-11T17:59+01:00"),
	    start + 1, &next), DG_ENOTFOUND);
	/* A single occurrence. */
	T_EQ_INT(core_repeat_next(NULL, start, 60, INT64_MAX, start - 100,
	    &next), 0);
	T_EQ_INT(next, start);
	T_EQ_INT(core_repeat_next(NULL, start, 60, INT64_MAX, start, &next),
	    0);
	T_EQ_INT(core_repeat_next(NULL, start, 60, INT64_MAX, start + 1,
	    &next), DG_ENOTFOUND);
	T_EQ_INT(core_repeat_next(&r, start, 60, start - 1, start - 100,
	    &next), DG_ENOTFOUND);
	/* A start off the rule's days still counts, as DTSTART does. */
	T_EQ_INT(core_repeat_parse("weekly:mo", &r), 0);
	T_EQ_INT(core_repeat_next(&r, start, 60, INT64_MAX, start, &next), 0);
	T_EQ_INT(next, start);
	T_EQ_INT(core_repeat_next(&r, start, 60, INT64_MAX, start + 1, &next),
	    0);
	T_EQ_INT(next, ts("2026-12-07T18:00+01:00"));
	r.interval = 0;
	T_EQ_INT(core_repeat_next(&r, start, 60, INT64_MAX, start + 1, &next),
	    DG_EINVAL);
}

/* Far from the start the answer comes by jumping, not by walking. */
static void
test_next_far(void)
{
	struct core_repeat r;
	struct core_datetime dt;
	int64_t start = ts("2026-12-04T18:00+01:00"), after, next;

	after = ts("9000-06-15T12:00Z");
	T_EQ_INT(core_repeat_parse("weekly/3:we", &r), 0);
	T_EQ_INT(core_repeat_next(&r, start, 60, INT64_MAX, after, &next), 0);
	T_ASSERT(next >= after && next < after + 21 * 86400);
	core_datetime_from_unix(next, 60, &dt);
	T_EQ_INT(core_datetime_weekday(dt.year, dt.month, dt.day), 2);
	T_EQ_INT(dt.hour, 18);
	/* Wednesday of a week 3k after the start week (Fri 4 Dec). */
	T_EQ_INT(((next - start) / 86400 + 2) % 21, 0);

	T_EQ_INT(core_repeat_parse("monthly:-1fr", &r), 0);
	T_EQ_INT(core_repeat_next(&r, start, 60, INT64_MAX, after, &next), 0);
	core_datetime_from_unix(next, 60, &dt);
	T_EQ_INT(dt.year, 9000);
	T_EQ_INT(dt.month, 6);
	T_EQ_INT(core_datetime_weekday(dt.year, dt.month, dt.day), 4);
	T_ASSERT(dt.day > 30 - 7);

	T_EQ_INT(core_repeat_parse("yearly", &r), 0);
	T_EQ_INT(core_repeat_next(&r, start, 60, INT64_MAX,
	    ts("9999-12-05T00:00Z"), &next), DG_ENOTFOUND);
}

/* Whether local day `day` belongs to the series, decided from the rule's
 * definition rather than by the jumps core_repeat_next makes. */
static int
naive_match(const struct core_repeat *r, const struct core_datetime *sd,
    int64_t day)
{
	struct core_datetime d;
	int64_t sday = core_datetime_days(sd->year, sd->month, sd->day);
	int dow, sdow, mlen, nth, nthlast, i, months;

	core_datetime_from_unix(day * 86400, 0, &d);
	dow = core_datetime_weekday(d.year, d.month, d.day);
	sdow = core_datetime_weekday(sd->year, sd->month, sd->day);
	months = (d.year - sd->year) * 12 + d.month - sd->month;
	mlen = (int)(core_datetime_days(d.month == 12 ? d.year + 1 : d.year,
	    d.month == 12 ? 1 : d.month + 1, 1) -
	    core_datetime_days(d.year, d.month, 1));
	switch (r->freq) {
	case CORE_FREQ_DAILY:
		return (day - sday) % r->interval == 0;
	case CORE_FREQ_WEEKLY:
		if (((day - dow) - (sday - sdow)) / 7 % r->interval != 0)
			return 0;
		if (r->ndays == 0)
			return dow == sdow;
		for (i = 0; i < r->ndays; i++) {
			if (r->days[i] == dow)
				return 1;
		}
		return 0;
	case CORE_FREQ_MONTHLY:
		if (months % r->interval != 0)
			return 0;
		if (r->ndays == 0)
			return d.day == sd->day;
		nth = (d.day - 1) / 7 + 1;
		nthlast = -((mlen - d.day) / 7 + 1);
		for (i = 0; i < r->ndays; i++) {
			if (r->days[i] == dow && (r->ord[i] == 0 ||
			    r->ord[i] == nth || r->ord[i] == nthlast))
				return 1;
		}
		return 0;
	case CORE_FREQ_YEARLY:
		return (d.year - sd->year) % r->interval == 0 &&
		    d.month == sd->month && d.day == sd->day;
	}
	return 0;
}

static void
test_next_against_naive(void)
{
	static const char *const rules[] = {
		"daily", "daily/4", "weekly", "weekly/3", "weekly:mo,we,fr",
		"weekly/2:tu,su", "monthly", "monthly/5", "monthly:1tu",
		"monthly:-1fr,2we", "monthly/2:5sa", "monthly:-5mo,tu",
		"yearly", "yearly/3",
	};
	static const char *const starts[] = {
		"2026-01-31T23:30+05:30", "2027-03-26T08:00-04:00",
		"2028-02-29T00:00Z", "2026-08-29T19:15+02:00",
		"1969-12-31T23:00-01:00",
	};
	struct core_repeat r;
	struct core_datetime sd;
	int64_t start, t, next, day, sday, want;
	size_t i, j, k;
	int rc;

	for (i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		T_EQ_INT(core_repeat_parse(rules[i], &r), 0);
		for (j = 0; j < sizeof starts / sizeof starts[0]; j++) {
			T_EQ_INT(core_valid_datetime_parse(starts[j], &sd), 0);
			start = core_datetime_to_unix(&sd);
			sday = core_datetime_days(sd.year, sd.month, sd.day);
			t = start;
			day = sday;
			for (k = 0; k < 40; k++) {
				do
					day++;
				while (!naive_match(&r, &sd, day));
				want = start + (day - sday) * 86400;
				rc = core_repeat_next(&r, start, sd.offset_min,
				    INT64_MAX, t + 1, &next);
				if (rc != 0 || next != want) {
					fprintf(stderr, "  %s from %s #%zu\n",
					    rules[i], starts[j], k);
					T_EQ_INT(rc, 0);
					T_EQ_INT(next, want);
				}
				/* Any instant in between gives the same. */
				rc = core_repeat_next(&r, start, sd.offset_min,
				    INT64_MAX, t + (want - t) / 2 + 1, &next);
				T_EQ_INT(rc, 0);
				T_EQ_INT(next, want);
				t = want;
			}
		}
	}
}

/* The window holds what core_repeat_next finds, no more, and the cap
 * bounds the work whatever the rule. */
static void
test_expand(void)
{
	struct core_repeat r;
	int64_t out[400], start, from, to;
	size_t n;

	/* Twice a week, two weeks: four meetings; 18:00 at +01:00. */
	T_EQ_INT(core_repeat_parse("weekly:tu,th", &r), 0);
	start = ts("2026-09-01T18:00+01:00");
	from = ts("2026-11-23T00:00+01:00");
	to = ts("2026-12-07T00:00+01:00");
	T_EQ_INT(core_repeat_expand(&r, start, 60, INT64_MAX, from, to, out,
	    400, &n), 0);
	T_EQ_INT(n, 4);
	T_EQ_INT(out[0], ts("2026-11-24T18:00+01:00"));
	T_EQ_INT(out[1], ts("2026-11-26T18:00+01:00"));
	T_EQ_INT(out[2], ts("2026-12-01T18:00+01:00"));
	T_EQ_INT(out[3], ts("2026-12-03T18:00+01:00"));
	/* to is excluded, from included. */
	T_EQ_INT(core_repeat_expand(&r, start, 60, INT64_MAX,
	    ts("2026-11-24T18:00+01:00"), ts("2026-12-01T18:00+01:00"), out,
	    400, &n), 0);
	T_EQ_INT(n, 2);
	T_EQ_INT(out[0], ts("2026-11-24T18:00+01:00"));

	/* The series' last date ends it inside the window. */
	T_EQ_INT(core_repeat_expand(&r, start, 60,
	    ts("2026-11-26T23:59:59+01:00"), from, to, out, 400, &n), 0);
	T_EQ_INT(n, 2);
	/* A series that ended before the window, or starts after it. */
	T_EQ_INT(core_repeat_expand(&r, start, 60,
	    ts("2026-10-01T23:59:59+01:00"), from, to, out, 400, &n), 0);
	T_EQ_INT(n, 0);
	T_EQ_INT(core_repeat_expand(&r, ts("2027-01-05T18:00+01:00"), 60,
	    INT64_MAX, from, to, out, 400, &n), 0);
	T_EQ_INT(n, 0);
	/* The start is the first occurrence even off the rule's days. */
	T_EQ_INT(core_repeat_expand(&r, ts("2026-11-23T10:00+01:00"), 60,
	    INT64_MAX, from, to, out, 400, &n), 0);
	T_EQ_INT(n, 5);
	T_EQ_INT(out[0], ts("2026-11-23T10:00+01:00"));
	T_EQ_INT(out[1], ts("2026-11-24T10:00+01:00"));

	/* A one-off meeting: inside the window or not at all. */
	T_EQ_INT(core_repeat_expand(NULL, ts("2026-11-30T12:00Z"), 0,
	    INT64_MAX, from, to, out, 400, &n), 0);
	T_EQ_INT(n, 1);
	T_EQ_INT(out[0], ts("2026-11-30T12:00Z"));
	T_EQ_INT(core_repeat_expand(NULL, ts("2026-11-20T12:00Z"), 0,
	    INT64_MAX, from, to, out, 400, &n), 0);
	T_EQ_INT(n, 0);

	/* Daily over 52 weeks: 364 fit in 364, not in 100; the first 100
	 * are the right ones. */
	T_EQ_INT(core_repeat_parse("daily", &r), 0);
	to = from + INT64_C(52) * 7 * 86400;
	T_EQ_INT(core_repeat_expand(&r, start, 60, INT64_MAX, from, to, out,
	    364, &n), 0);
	T_EQ_INT(n, 364);
	T_EQ_INT(out[363], ts("2027-11-21T18:00+01:00"));
	T_EQ_INT(core_repeat_expand(&r, start, 60, INT64_MAX, from, to, out,
	    100, &n), DG_ELIMIT);
	T_EQ_INT(n, 100);
	T_EQ_INT(out[99], ts("2027-03-02T18:00+01:00"));
	T_EQ_INT(core_repeat_expand(&r, start, 60, INT64_MAX, from, to, out,
	    0, &n), DG_ELIMIT);
	T_EQ_INT(n, 0);
	/* An empty or reversed window. */
	T_EQ_INT(core_repeat_expand(&r, start, 60, INT64_MAX, to, from, out,
	    400, &n), 0);
	T_EQ_INT(n, 0);

	/* Monthly, the last Friday, across a year end. */
	T_EQ_INT(core_repeat_parse("monthly:-1fr", &r), 0);
	T_EQ_INT(core_repeat_expand(&r, ts("2026-01-30T17:00+01:00"), 60,
	    INT64_MAX, ts("2026-11-01T00:00+01:00"),
	    ts("2027-03-01T00:00+01:00"), out, 400, &n), 0);
	T_EQ_INT(n, 4);
	T_EQ_INT(out[0], ts("2026-11-27T17:00+01:00"));
	T_EQ_INT(out[1], ts("2026-12-25T17:00+01:00"));
	T_EQ_INT(out[2], ts("2027-01-29T17:00+01:00"));
	T_EQ_INT(out[3], ts("2027-02-26T17:00+01:00"));

	/* Bad input is refused, not expanded. */
	T_EQ_INT(core_repeat_expand(&r, start, 1440, INT64_MAX, from, to, out,
	    400, &n), DG_EINVAL);
	r.interval = 0;
	T_EQ_INT(core_repeat_expand(&r, start, 60, INT64_MAX, from, to, out,
	    400, &n), DG_EINVAL);
}

T_MAIN(T_CASE(test_parse_forms), T_CASE(test_parse_invalid),
    T_CASE(test_rrule), T_CASE(test_next_weekly), T_CASE(test_next_monthly),
    T_CASE(test_next_until), T_CASE(test_next_far),
    T_CASE(test_next_against_naive), T_CASE(test_expand))
