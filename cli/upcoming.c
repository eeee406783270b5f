#include "cli/upcoming.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/table.h"
#include "cli/tz.h"
#include "core/json.h"
#include "core/repeat.h"
#include "core/text.h"
#include "core/valid.h"

#define DAY_SECS 86400
/* Occurrences of one series in the window: at most one a day (every
 * occurrence is at the start's time of day), and the window is widened
 * by two days on each side for the time zones' offsets. */
#define SERIES_MAX (CLI_UPCOMING_WEEKS_MAX * 7 + 5)
#define MARGIN (2 * DAY_SECS)

/* The view fits 80 columns: "  HH:MM-HH:MM  " then title, place and
 * languages, two spaces apart. */
#define LINE_COLS 80
#define INDENT 2
#define TIME_COLS 11
#define GAP 2
#define LANG_COLS 12

static const char *const day_name[7] = {
	N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"),
	N_("Friday"), N_("Saturday"), N_("Sunday"),
};

static const char *const month_name[12] = {
	N_("January"), N_("February"), N_("March"), N_("April"), N_("May"),
	N_("June"), N_("July"), N_("August"), N_("September"),
	N_("October"), N_("November"), N_("December"),
};

struct occ {
	size_t rec;    /* index in recs */
	int64_t start; /* Unix seconds */
	int64_t end;   /* == start when the meeting has no duration */
};

struct view {
	const struct core_record *recs;
	int64_t now, from, to; /* window: Monday 00:00 local .. + weeks */
	int64_t day0;          /* days since 1970 of that Monday */
	int weeks;
	struct occ *occ;
	size_t n, cap;
	bool cut;
	int64_t horizon; /* once cut: later starts cannot be shown */
	/* one series at a time */
	int64_t fixed[SERIES_MAX], real[SERIES_MAX];
	struct core_datetime walls[SERIES_MAX];
	int offs[SERIES_MAX];
};

static int
local_tm(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	if ((int64_t)tt != t || localtime_r(&tt, tm) == NULL)
		return DG_EINVAL;
	return 0;
}

/* Days since 1970 of t's local date. */
static int64_t
local_day(int64_t t)
{
	struct tm tm;

	if (local_tm(t, &tm) != 0)
		return INT64_MIN;
	return core_datetime_days(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

/* 00:00 local time of day number day (or the first time after it that
 * exists, in a zone that changes its clocks at midnight). */
static int64_t
local_midnight(int64_t day)
{
	struct core_datetime d;
	struct tm tm;
	time_t t;

	core_datetime_from_unix(day * DAY_SECS, 0, &d);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = d.year - 1900;
	tm.tm_mon = d.month - 1;
	tm.tm_mday = d.day;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t == (time_t)-1 ? day * DAY_SECS : (int64_t)t;
}

static int
by_start(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rec != y->rec)
		return x->rec < y->rec ? -1 : 1;
	return 0;
}

/* Keeps the earliest CLI_UPCOMING_MAX occurrences: memory and sorting
 * stay bounded however many meetings and occurrences there are. */
static void
prune(struct view *v)
{
	qsort(v->occ, v->n, sizeof *v->occ, by_start);
	if (v->n > CLI_UPCOMING_MAX) {
		v->n = CLI_UPCOMING_MAX;
		v->horizon = v->occ[v->n - 1].start;
		v->cut = true;
	}
}

static int
add_occ(struct view *v, size_t rec, int64_t start, int64_t end)
{
	struct occ *grown;
	size_t cap;

	if (v->cut && start > v->horizon)
		return 0;
	if (v->n == 2 * CLI_UPCOMING_MAX)
		prune(v);
	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 64;
		grown = realloc(v->occ, cap * sizeof *v->occ);
		if (grown == NULL)
			return DG_ENOMEM;
		v->occ = grown;
		v->cap = cap;
	}
	v->occ[v->n].rec = rec;
	v->occ[v->n].start = start;
	v->occ[v->n++].end = end;
	return 0;
}

/* The occurrences of meeting recs[i] in the window.  A meeting whose
 * fields cannot be read (none should: they were validated when written)
 * is left out rather than failing the whole view. */
static int
expand(struct view *v, size_t i)
{
	const struct core_record *r = &v->recs[i];
	const char *starts = core_record_get(r, "starts");
	const char *repeat = core_record_get(r, "repeat");
	const char *u = core_record_get(r, "until");
	const char *dur = core_record_get(r, "duration");
	const char *tz = core_record_get(r, "tz");
	struct core_datetime dt, w;
	struct core_repeat rep;
	int64_t until = INT64_MAX, secs = 0, lo, start, end;
	size_t n, k;
	int rc;

	if (r->type != CORE_RT_MEETING || starts == NULL ||
	    core_valid_datetime_parse(starts, &dt) != 0)
		return 0;
	if (repeat != NULL && core_repeat_parse(repeat, &rep) != 0)
		return 0;
	if (dur != NULL) {
		secs = strtol(dur, NULL, 10) * 60;
		if (secs < 0 || secs > 7 * DAY_SECS)
			secs = 0;
	}
	/* The last date ends the series on the series' own wall clock. */
	if (u != NULL && strlen(u) == 10) {
		memset(&w, 0, sizeof w);
		w.year = atoi(u);
		w.month = atoi(u + 5);
		w.day = atoi(u + 8);
		w.hour = 23;
		w.min = 59;
		w.sec = 59;
		w.offset_min = dt.offset_min;
		until = core_datetime_to_unix(&w);
	}
	lo = v->now - secs > v->from ? v->now - secs : v->from;
	rc = core_repeat_expand(repeat ? &rep : NULL,
	    core_datetime_to_unix(&dt), dt.offset_min, until, lo - MARGIN,
	    v->to + MARGIN, v->fixed, SERIES_MAX, &n);
	/* At most one a day: DG_ELIMIT cannot happen, and would only mean
	 * the first SERIES_MAX are shown. */
	if (rc != 0 && rc != DG_ELIMIT)
		return 0;
	for (k = 0; k < n; k++) {
		core_datetime_from_unix(v->fixed[k], dt.offset_min,
		    &v->walls[k]);
		v->real[k] = v->fixed[k];
	}
	/* The series' zone on each date; a zone this computer does not
	 * know leaves the start's offset, as the one-line view did. */
	if (tz != NULL && n > 0) {
		rc = cli_tz_resolve(tz, v->walls, n, v->real, v->offs);
		if (rc == DG_ENOMEM)
			return rc;
		if (rc != 0) {
			for (k = 0; k < n; k++)
				v->real[k] = v->fixed[k];
		}
	}
	for (k = 0; k < n; k++) {
		start = v->real[k];
		end = start + secs;
		if (start < v->from || start >= v->to ||
		    (secs > 0 ? end <= v->now : start < v->now))
			continue;
		rc = add_occ(v, i, start, end);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* "2026-11-23T18:00:00+01:00" in local time. */
static void
json_time(struct core_buf *b, int64_t t)
{
	struct tm tm;
	long off;

	if (local_tm(t, &tm) != 0) {
		core_buf_str(b, "null");
		return;
	}
	off = tm.tm_gmtoff / 60;
	core_buf_printf(b, "\"%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld\"",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60,
	    labs(off) % 60);
}

static void
json_field(struct core_buf *b, const struct core_record *r, const char *key)
{
	const char *v = core_record_get(r, key);

	if (v == NULL)
		return;
	core_buf_printf(b, ",\"%s\":", key);
	core_json_str(b, v);
}

static void
print_json(const struct view *v, struct core_buf *b)
{
	const struct core_record *r;
	char id[CORE_RID_TEXT];
	size_t i;

	core_buf_ch(b, '[');
	for (i = 0; i < v->n; i++) {
		r = &v->recs[v->occ[i].rec];
		core_record_id_text(r->id, id);
		core_buf_str(b, i ? ",\n{\"id\":" : "\n{\"id\":");
		core_json_str(b, id);
		core_buf_str(b, ",\"start\":");
		json_time(b, v->occ[i].start);
		if (v->occ[i].end != v->occ[i].start) {
			core_buf_str(b, ",\"end\":");
			json_time(b, v->occ[i].end);
		}
		json_field(b, r, "title");
		json_field(b, r, "lang");
		json_field(b, r, "place");
		json_field(b, r, "link");
		json_field(b, r, "tz");
		json_field(b, r, "repeat");
		core_buf_ch(b, '}');
	}
	core_buf_str(b, v->n ? "\n]\n" : "]\n");
}

static const char *
place_of(const struct core_record *r)
{
	const char *p = core_record_get(r, "place");

	if (p == NULL || p[0] == '\0')
		p = core_record_get(r, "link");
	return p ? p : "";
}

static const char *
text_of(const struct core_record *r, const char *key)
{
	const char *p = core_record_get(r, key);

	return p ? p : "";
}

/* A copy of s with line breaks and tabs as spaces, so a cell stays on
 * its line (owned, free()), or NULL when out of memory. */
static char *
flat(const char *s)
{
	char *d = strdup(s), *p;

	if (d == NULL)
		return NULL;
	for (p = d; *p; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	}
	return d;
}

static size_t
width(const char *s)
{
	return core_text_width(s, strlen(s));
}

/* Appends s (flattened) in w columns: cut with "…" on a character (and
 * grapheme) boundary when longer, padded with spaces when shorter;
 * right-to-left text is isolated so the columns after it stay in place
 * (as in cli/table.c). */
static void
cell(struct core_buf *b, const char *s, size_t w)
{
	size_t len = strlen(s), n, used;
	bool rtl;

	cli_table_fit(s, w, &n, &used, &rtl);
	if (rtl)
		core_buf_str(b, "\xe2\x81\xa8"); /* FIRST STRONG ISOLATE */
	core_buf_add(b, s, n);
	if (n < len)
		core_buf_str(b, "\xe2\x80\xa6"); /* ELLIPSIS */
	if (rtl)
		core_buf_str(b, "\xe2\x81\xa9"); /* POP DIRECTIONAL ISOLATE */
	for (; used < w; used++)
		core_buf_ch(b, ' ');
}

/* Ends a line without the padding of its last cells. */
static void
end_line(struct core_buf *b)
{
	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->len--;
	core_buf_ch(b, '\n');
}

static int
iso_week(int64_t monday)
{
	struct core_datetime d;
	int64_t thu = monday + 3;

	core_datetime_from_unix(thu * DAY_SECS, 0, &d);
	return (int)((thu - core_datetime_days(d.year, 1, 1)) / 7 + 1);
}

/* "Week 48: 23-29 November 2026", with the months (and years) of both
 * ends when the week spans two. */
static void
week_heading(struct core_buf *b, int64_t monday)
{
	struct core_datetime a, z;
	int wk = iso_week(monday);

	core_datetime_from_unix(monday * DAY_SECS, 0, &a);
	core_datetime_from_unix((monday + 6) * DAY_SECS, 0, &z);
	if (a.year != z.year)
		/* TRANSLATORS: a week heading across a new year: week
		 * number, first day, month, year, last day, month, year */
		core_buf_printf(b, _("Week %d: %d %s %d - %d %s %d"), wk, a.day,
		    _(month_name[a.month - 1]), a.year, z.day,
		    _(month_name[z.month - 1]), z.year);
	else if (a.month != z.month)
		/* TRANSLATORS: a week heading across two months: week
		 * number, first day, month, last day, month, year */
		core_buf_printf(b, _("Week %d: %d %s - %d %s %d"), wk, a.day,
		    _(month_name[a.month - 1]), z.day,
		    _(month_name[z.month - 1]), z.year);
	else
		/* TRANSLATORS: a week heading: week number, first day,
		 * last day, month, year ("Week 48: 23-29 November 2026") */
		core_buf_printf(b, _("Week %d: %d-%d %s %d"), wk, a.day, z.day,
		    _(month_name[a.month - 1]), a.year);
	core_buf_ch(b, '\n');
}

static void
day_heading(struct core_buf *b, int64_t day)
{
	struct core_datetime d;

	core_datetime_from_unix(day * DAY_SECS, 0, &d);
	/* TRANSLATORS: a day heading: weekday, day of the month, month
	 * ("Monday 23 November") */
	core_buf_printf(b, _("%s %d %s"),
	    _(day_name[core_datetime_weekday(d.year, d.month, d.day)]), d.day,
	    _(month_name[d.month - 1]));
	core_buf_ch(b, '\n');
}

/* "18:00-19:30", or "18:00" without a duration, in local time. */
static void
fmt_span(const struct occ *o, char *out, size_t cap)
{
	struct tm a, z;

	if (local_tm(o->start, &a) != 0) {
		snprintf(out, cap, "?");
		return;
	}
	if (o->end == o->start || local_tm(o->end, &z) != 0)
		snprintf(out, cap, "%02d:%02d", a.tm_hour, a.tm_min);
	else
		snprintf(out, cap, "%02d:%02d-%02d:%02d", a.tm_hour, a.tm_min,
		    z.tm_hour, z.tm_min);
}

/* Column widths for title, place and languages: their longest texts,
 * shortened (place first, then title) to fit the line. */
static void
widths(const struct view *v, size_t *tw, size_t *pw, size_t *lw)
{
	const struct core_record *r;
	size_t i, x, room, half;

	*tw = *pw = *lw = 0;
	for (i = 0; i < v->n; i++) {
		r = &v->recs[v->occ[i].rec];
		if ((x = width(text_of(r, "title"))) > *tw)
			*tw = x;
		if ((x = width(place_of(r))) > *pw)
			*pw = x;
		if ((x = width(text_of(r, "lang"))) > *lw)
			*lw = x;
	}
	if (*lw > LANG_COLS)
		*lw = LANG_COLS;
	room = LINE_COLS - INDENT - TIME_COLS - GAP - (*lw ? GAP + *lw : 0) -
	    (*pw ? GAP : 0);
	if (*tw + *pw <= room)
		return;
	half = room / 2;
	if (*pw == 0)
		*tw = room;
	else if (*tw <= half)
		*pw = room - *tw;
	else if (*pw <= half)
		*tw = room - *pw;
	else {
		*tw = room - half;
		*pw = half;
	}
}

static int
print_text(const struct view *v, struct core_buf *b)
{
	const struct core_record *r;
	char span[32], *t = NULL, *p = NULL, *l = NULL;
	size_t i = 0, tw, pw, lw;
	int64_t wk, day, last = INT64_MIN;
	int rc = 0;

	widths(v, &tw, &pw, &lw);
	for (wk = 0; wk < v->weeks; wk++) {
		if (wk > 0)
			core_buf_ch(b, '\n');
		week_heading(b, v->day0 + 7 * wk);
		if (i == v->n ||
		    local_day(v->occ[i].start) >= v->day0 + 7 * (wk + 1)) {
			core_buf_printf(b, "%*s%s\n", INDENT, "",
			    _("No meetings."));
			continue;
		}
		for (; i < v->n; i++) {
			day = local_day(v->occ[i].start);
			if (day >= v->day0 + 7 * (wk + 1))
				break;
			if (day != last) {
				core_buf_ch(b, '\n');
				day_heading(b, day);
				last = day;
			}
			r = &v->recs[v->occ[i].rec];
			t = flat(text_of(r, "title"));
			p = flat(place_of(r));
			l = flat(text_of(r, "lang"));
			if (t == NULL || p == NULL || l == NULL) {
				rc = DG_ENOMEM;
				goto out;
			}
			fmt_span(&v->occ[i], span, sizeof span);
			core_buf_printf(b, "%*s", INDENT, "");
			cell(b, span, TIME_COLS + GAP);
			cell(b, t, tw);
			if (pw > 0) {
				cell(b, "", GAP);
				cell(b, p, pw);
			}
			if (lw > 0) {
				cell(b, "", GAP);
				cell(b, l, lw);
			}
			end_line(b);
			free(t);
			free(p);
			free(l);
			t = p = l = NULL;
		}
	}
out:
	free(t);
	free(p);
	free(l);
	return rc;
}

int
cli_upcoming_show(struct cli *c, const struct core_record *recs, size_t n,
    int64_t now, int weeks)
{
	struct core_datetime d;
	struct view *v;
	struct core_buf b;
	size_t i;
	int rc = 0;

	if (weeks < 1 || weeks > CLI_UPCOMING_WEEKS_MAX)
		weeks = CLI_UPCOMING_WEEKS;
	v = calloc(1, sizeof *v);
	if (v == NULL)
		return cli_fail(c, DG_ENOMEM, "cannot list the meetings");
	core_buf_init(&b);
	v->recs = recs;
	v->now = now;
	v->weeks = weeks;
	v->day0 = local_day(now);
	if (v->day0 == INT64_MIN) {
		cli_err(c, "the clock is outside the years this can show");
		rc = EXIT_SOFTWARE;
		goto out;
	}
	core_datetime_from_unix(v->day0 * DAY_SECS, 0, &d);
	v->day0 -= core_datetime_weekday(d.year, d.month, d.day);
	v->from = local_midnight(v->day0);
	v->to = local_midnight(v->day0 + 7 * (int64_t)weeks);
	for (i = 0; i < n; i++) {
		rc = expand(v, i);
		if (rc != 0) {
			rc = cli_fail(c, rc, "cannot list the meetings");
			goto out;
		}
	}
	prune(v);
	if (c->json)
		print_json(v, &b);
	else if ((rc = print_text(v, &b)) != 0) {
		rc = cli_fail(c, rc, "cannot list the meetings");
		goto out;
	}
	rc = cli_write_out(c, &b);
	if (rc == 0 && v->cut)
		cli_err(c, "showing the first %d meetings only; use --weeks "
			   "or --lang for fewer", CLI_UPCOMING_MAX);
out:
	core_buf_fini(&b);
	free(v->occ);
	free(v);
	return rc;
}
