#include "core/repeat.h"

#include <stdbool.h>
#include <string.h>

#include "core/valid.h"

/* Longer input is not a recurrence anyone typed; refusing it early keeps
 * the parser on a fixed stack buffer. */
#define IN_MAX 255

#define DAY_SECS 86400

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the DATETIME range.
 * Occurrences outside it cannot be written, so the search stops there,
 * which also keeps every sum below far from int64_t overflow. */
#define T_MIN INT64_C(-62135596800)
#define T_MAX INT64_C(253402300799)

/* The Gregorian calendar repeats every 400 years (4800 months), so a
 * monthly series that matches nothing in 4800 steps never will. */
#define CYCLE_MONTHS 4800

static const char *const day_code[7] = {
	"mo", "tu", "we", "th", "fr", "sa", "su",
};

static const char *const day_name[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday",
};

static const char *const freq_name[] = {
	NULL, "daily", "weekly", "monthly", "yearly",
};

static const char *const freq_upper[] = {
	NULL, "DAILY", "WEEKLY", "MONTHLY", "YEARLY",
};

static bool
freq_ok(int f)
{
	return f >= CORE_FREQ_DAILY && f <= CORE_FREQ_YEARLY;
}

static bool
is_alpha(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void
skip_ws(const char **pp)
{
	while (**pp == ' ' || **pp == '\t')
		(*pp)++;
}

/* Consumes word at *pp when it is followed by something other than a
 * letter, so "week" does not match the start of "weekly". */
static bool
eat_word(const char **pp, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*pp, word, n) != 0 || is_alpha((*pp)[n]))
		return false;
	*pp += n;
	return true;
}

/* 1..99 with at most three digits, so "007" is tolerated but nothing
 * can overflow. */
static int
eat_interval(const char **pp, int *out)
{
	int v = 0, nd = 0;

	while (is_digit(**pp)) {
		if (++nd > 3)
			return DG_EINVAL;
		v = v * 10 + (**pp - '0');
		(*pp)++;
	}
	if (nd == 0 || v < 1 || v > 99)
		return DG_EINVAL;
	*out = v;
	return 0;
}

/* A day is a prefix of its English name of at least two letters ("tu",
 * "tue", "tues", "tuesday") or the plural ("tuesdays").  Every two-letter
 * prefix is distinct, so no input is ambiguous. */
static int
eat_dayname(const char **pp, int *day)
{
	const char *w = *pp;
	size_t n = 0, nl;
	int i;

	while (is_alpha(w[n]))
		n++;
	if (n < 2)
		return DG_EINVAL;
	for (i = 0; i < 7; i++) {
		nl = strlen(day_name[i]);
		if ((n <= nl && strncmp(w, day_name[i], n) == 0) ||
		    (n == nl + 1 && strncmp(w, day_name[i], nl) == 0 &&
		    w[nl] == 's')) {
			*day = i;
			*pp += n;
			return 0;
		}
	}
	return DG_EINVAL;
}

static int
add_day(struct core_repeat *r, int day, int ord)
{
	int i;

	for (i = 0; i < r->ndays; i++) {
		if (r->days[i] == day && r->ord[i] == ord)
			return 0;
	}
	if (r->ndays == 7)
		return DG_EINVAL;
	r->days[r->ndays] = day;
	r->ord[r->ndays] = ord;
	r->ndays++;
	return 0;
}

/* A comma list of [+|-][N]DAY entries, spaces allowed around commas; ends
 * at NUL or ';' (the RRULE part separator). */
static int
eat_days(const char **pp, struct core_repeat *r)
{
	const char *p = *pp;
	int day, ord, sign, rc;

	for (;;) {
		skip_ws(&p);
		sign = 1;
		ord = 0;
		if (*p == '+' || *p == '-') {
			sign = *p == '-' ? -1 : 1;
			p++;
			if (!is_digit(*p))
				return DG_EINVAL;
		}
		if (is_digit(*p)) {
			ord = *p - '0';
			p++;
			if (is_digit(*p) || ord == 0)
				return DG_EINVAL;
			ord *= sign;
		}
		rc = eat_dayname(&p, &day);
		if (rc != 0)
			return rc;
		rc = add_day(r, day, ord);
		if (rc != 0)
			return rc;
		skip_ws(&p);
		if (*p != ',')
			break;
		p++;
	}
	*pp = p;
	return 0;
}

static int
eat_freq(const char **pp, enum core_freq *f)
{
	int i;

	for (i = CORE_FREQ_DAILY; i <= CORE_FREQ_YEARLY; i++) {
		if (eat_word(pp, freq_name[i])) {
			*f = (enum core_freq)i;
			return 0;
		}
	}
	return DG_EINVAL;
}

/* "day", "days", "week", ... after "every". */
static int
eat_unit(const char **pp, enum core_freq *f)
{
	static const char *const unit[] = {
		NULL, "day", "week", "month", "year",
	};
	const char *p = *pp;
	size_t n;
	int i;

	for (i = CORE_FREQ_DAILY; i <= CORE_FREQ_YEARLY; i++) {
		n = strlen(unit[i]);
		if (strncmp(p, unit[i], n) != 0)
			continue;
		if (p[n] == 's')
			n++;
		if (is_alpha(p[n]))
			continue;
		*f = (enum core_freq)i;
		*pp = p + n;
		return 0;
	}
	return DG_EINVAL;
}

static int
parse_plain(const char *p, struct core_repeat *r)
{
	int rc;

	if (eat_word(&p, "biweekly") || eat_word(&p, "fortnightly")) {
		r->freq = CORE_FREQ_WEEKLY;
		r->interval = 2;
	} else if (eat_word(&p, "every")) {
		skip_ws(&p);
		if (eat_word(&p, "other")) {
			r->interval = 2;
			skip_ws(&p);
		} else if (is_digit(*p)) {
			rc = eat_interval(&p, &r->interval);
			if (rc != 0)
				return rc;
			skip_ws(&p);
		}
		rc = eat_unit(&p, &r->freq);
		if (rc != 0)
			return rc;
	} else {
		rc = eat_freq(&p, &r->freq);
		if (rc != 0)
			return rc;
		if (*p == '/') {
			p++;
			rc = eat_interval(&p, &r->interval);
			if (rc != 0)
				return rc;
		}
	}
	skip_ws(&p);
	if (*p == ':') {
		p++;
		rc = eat_days(&p, r);
		if (rc != 0)
			return rc;
	}
	skip_ws(&p);
	return *p == '\0' ? 0 : DG_EINVAL;
}

/* FREQ, INTERVAL and BYDAY only: anything else (COUNT, UNTIL, BYMONTHDAY,
 * WKST...) would change the meaning of the series in ways the canonical
 * form cannot keep, so it is refused rather than dropped. */
static int
parse_rrule(const char *p, struct core_repeat *r)
{
	bool seen_freq = false, seen_int = false, seen_day = false;
	int rc;

	if (strncmp(p, "rrule:", 6) == 0)
		p += 6;
	while (*p != '\0') {
		if (*p == ';') {
			p++;
			continue;
		}
		if (strncmp(p, "freq=", 5) == 0 && !seen_freq) {
			p += 5;
			seen_freq = true;
			rc = eat_freq(&p, &r->freq);
		} else if (strncmp(p, "interval=", 9) == 0 && !seen_int) {
			p += 9;
			seen_int = true;
			rc = eat_interval(&p, &r->interval);
		} else if (strncmp(p, "byday=", 6) == 0 && !seen_day) {
			p += 6;
			seen_day = true;
			rc = eat_days(&p, r);
		} else {
			return DG_EINVAL;
		}
		if (rc != 0)
			return rc;
		if (*p != ';' && *p != '\0')
			return DG_EINVAL;
	}
	return seen_freq ? 0 : DG_EINVAL;
}

/* Sort key of an ordinal: every, then 1..5, then -5..-1, so "1fr,-1fr"
 * reads first-to-last as a person would write it. */
static int
ord_key(int ord)
{
	if (ord > 0)
		return ord;
	if (ord < 0)
		return 20 + ord;
	return 0;
}

static bool
day_before(const struct core_repeat *r, int i, int j)
{
	if (r->days[i] != r->days[j])
		return r->days[i] < r->days[j];
	return ord_key(r->ord[i]) < ord_key(r->ord[j]);
}

static void
sort_days(struct core_repeat *r)
{
	int i, j, t;

	for (i = 1; i < r->ndays; i++) {
		for (j = i; j > 0 && day_before(r, j, j - 1); j--) {
			t = r->days[j];
			r->days[j] = r->days[j - 1];
			r->days[j - 1] = t;
			t = r->ord[j];
			r->ord[j] = r->ord[j - 1];
			r->ord[j - 1] = t;
		}
	}
}

/* Days only mean something for weekly (which weekdays) and monthly
 * (which weekdays of the month); ordinals only for monthly, as in
 * RFC 5545, where BYDAY with an ordinal in a WEEKLY rule is an error. */
static int
check(const struct core_repeat *r)
{
	int i;

	if (!freq_ok((int)r->freq) || r->interval < 1 || r->interval > 99 ||
	    r->ndays < 0 || r->ndays > 7)
		return DG_EINVAL;
	if (r->ndays > 0 && r->freq != CORE_FREQ_WEEKLY &&
	    r->freq != CORE_FREQ_MONTHLY)
		return DG_EINVAL;
	for (i = 0; i < r->ndays; i++) {
		if (r->days[i] < 0 || r->days[i] > 6 || r->ord[i] < -5 ||
		    r->ord[i] > 5)
			return DG_EINVAL;
		if (r->freq == CORE_FREQ_WEEKLY && r->ord[i] != 0)
			return DG_EINVAL;
	}
	return 0;
}

int
core_repeat_parse(const char *in, struct core_repeat *out)
{
	char s[IN_MAX + 1];
	struct core_repeat r;
	size_t len, i, lo;
	int rc;

	len = strnlen(in, IN_MAX + 1);
	if (len > IN_MAX)
		return DG_EINVAL;
	lo = 0;
	while (lo < len && (in[lo] == ' ' || in[lo] == '\t'))
		lo++;
	while (len > lo && (in[len - 1] == ' ' || in[len - 1] == '\t'))
		len--;
	for (i = lo; i < len; i++) {
		s[i - lo] = in[i];
		if (in[i] >= 'A' && in[i] <= 'Z')
			s[i - lo] = (char)(in[i] - 'A' + 'a');
	}
	s[len - lo] = '\0';

	memset(&r, 0, sizeof r);
	r.interval = 1;
	if (strncmp(s, "rrule:", 6) == 0 || strchr(s, '=') != NULL)
		rc = parse_rrule(s, &r);
	else
		rc = parse_plain(s, &r);
	if (rc != 0)
		return rc;
	rc = check(&r);
	if (rc != 0)
		return rc;
	sort_days(&r);
	*out = r;
	return 0;
}

void
core_repeat_canon(const struct core_repeat *r, struct core_buf *out)
{
	struct core_repeat c = *r;
	int i;

	/* A hand-built struct may be unsorted; the canonical form may not. */
	if (check(&c) != 0) {
		out->err = out->err ? out->err : DG_EINVAL;
		return;
	}
	sort_days(&c);
	core_buf_str(out, freq_name[c.freq]);
	if (c.interval > 1)
		core_buf_printf(out, "/%d", c.interval);
	for (i = 0; i < c.ndays; i++) {
		core_buf_ch(out, i == 0 ? ':' : ',');
		if (c.ord[i] != 0)
			core_buf_printf(out, "%d", c.ord[i]);
		core_buf_str(out, day_code[c.days[i]]);
	}
}

void
core_repeat_rrule(const struct core_repeat *r, const char *until_utc,
    struct core_buf *out)
{
	struct core_repeat c = *r;
	int i;

	if (check(&c) != 0) {
		out->err = out->err ? out->err : DG_EINVAL;
		return;
	}
	sort_days(&c);
	core_buf_str(out, "FREQ=");
	core_buf_str(out, freq_upper[c.freq]);
	if (c.interval > 1)
		core_buf_printf(out, ";INTERVAL=%d", c.interval);
	for (i = 0; i < c.ndays; i++) {
		core_buf_str(out, i == 0 ? ";BYDAY=" : ",");
		if (c.ord[i] != 0)
			core_buf_printf(out, "%d", c.ord[i]);
		core_buf_ch(out, (char)(day_code[c.days[i]][0] - 'a' + 'A'));
		core_buf_ch(out, (char)(day_code[c.days[i]][1] - 'a' + 'A'));
	}
	if (until_utc != NULL) {
		core_buf_str(out, ";UNTIL=");
		core_buf_str(out, until_utc);
	}
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
ceil_div(int64_t a, int64_t b)
{
	return -floor_div(-a, b);
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_len(int y, int m)
{
	static const int len[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	return m == 2 && leap(y) ? 29 : len[m - 1];
}

/* First day of month y-m on or after day lo that the rule picks, or 0.
 * dom is the start's day of the month, used when the rule names no
 * days: a month without that day is skipped, as RFC 5545 does. */
static int
month_pick(const struct core_repeat *r, int ndays, int dom, int y, int m,
    int lo)
{
	int mlen = month_len(y, m), dow1, first, d, best = 0, i;

	if (ndays == 0)
		return dom >= lo && dom <= mlen ? dom : 0;
	dow1 = core_datetime_weekday(y, m, 1);
	for (i = 0; i < ndays; i++) {
		first = 1 + (r->days[i] - dow1 + 7) % 7;
		if (r->ord[i] == 0) {
			d = first;
			if (d < lo)
				d += (lo - d + 6) / 7 * 7;
		} else if (r->ord[i] > 0) {
			d = first + (r->ord[i] - 1) * 7;
		} else {
			d = first + (mlen - first) / 7 * 7 + (r->ord[i] + 1) * 7;
		}
		if (d >= lo && d >= 1 && d <= mlen && (best == 0 || d < best))
			best = d;
	}
	return best;
}

/* Weeks start on Monday (RFC 5545's default WKST) and are counted from
 * the week of the start, so weekly/2 keeps the start's parity. */
static int64_t
next_weekly(const struct core_repeat *r, int64_t sday, int sdow,
    int64_t minday)
{
	int64_t week0 = sday - sdow, w;
	unsigned mask = 0;
	int lo, dow, i, pass;

	for (i = 0; i < r->ndays; i++)
		mask |= 1u << r->days[i];
	if (mask == 0)
		mask = 1u << sdow;
	w = floor_div(minday - week0, 7);
	lo = (int)(minday - week0 - 7 * w);
	if (w % r->interval != 0) {
		w += r->interval - w % r->interval;
		lo = 0;
	}
	/* The mask is not empty, so the second pass always finds a day. */
	for (pass = 0; pass < 2; pass++) {
		for (dow = lo; dow < 7; dow++) {
			if (mask & (1u << dow))
				return week0 + 7 * w + dow;
		}
		w += r->interval;
		lo = 0;
	}
	return INT64_MAX;
}

/* Monthly and yearly (a yearly series is a monthly one stepping twelve
 * months at a time on the start's day).  Jumps straight to the first
 * month of the series at or after minday, then by the interval. */
static int64_t
next_monthly(const struct core_repeat *r, const struct core_datetime *sd,
    int64_t minday, int64_t maxday)
{
	struct core_datetime md;
	int64_t m0, k, step, mi, dayno;
	int y, m, lo, d, ndays, iter;

	step = r->interval;
	ndays = r->ndays;
	if (r->freq == CORE_FREQ_YEARLY) {
		step *= 12;
		ndays = 0;
	}
	core_datetime_from_unix(minday * DAY_SECS, 0, &md);
	m0 = (int64_t)sd->year * 12 + sd->month - 1;
	mi = (int64_t)md.year * 12 + md.month - 1;
	k = mi - m0;
	lo = md.day;
	if (k % step != 0) {
		k += step - k % step;
		lo = 1;
	}
	for (iter = 0; iter <= CYCLE_MONTHS; iter++) {
		y = (int)((m0 + k) / 12);
		m = (int)((m0 + k) % 12) + 1;
		if (y > 9999)
			break;
		dayno = core_datetime_days(y, m, 1);
		if (dayno > maxday)
			break;
		d = month_pick(r, ndays, sd->day, y, m, lo);
		if (d != 0)
			return dayno + d - 1;
		k += step;
		lo = 1;
	}
	return INT64_MAX;
}

int
core_repeat_next(const struct core_repeat *r, int64_t start, int offset_min,
    int64_t until, int64_t after, int64_t *next)
{
	struct core_datetime sd;
	int64_t off, sday, tod, minday, maxday, day;

	if (start < T_MIN || start > T_MAX || offset_min < -1439 ||
	    offset_min > 1439)
		return DG_EINVAL;
	if (r != NULL && check(r) != 0)
		return DG_EINVAL;
	if (start > until || after > until)
		return DG_ENOTFOUND;
	/* The start is always the first occurrence, even when it does not
	 * fall on one of the rule's days (RFC 5545: DTSTART counts). */
	if (after <= start) {
		*next = start;
		return 0;
	}
	if (r == NULL || after > T_MAX)
		return DG_ENOTFOUND;

	/* Work in whole days of the series' wall clock: every occurrence is
	 * at the start's time of day, so only the day has to be found. */
	off = (int64_t)offset_min * 60;
	core_datetime_from_unix(start, offset_min, &sd);
	sday = core_datetime_days(sd.year, sd.month, sd.day);
	tod = (int64_t)sd.hour * 3600 + sd.min * 60 + sd.sec;
	minday = ceil_div(after + off - tod, DAY_SECS);
	maxday = floor_div((until < T_MAX ? until : T_MAX) + off - tod,
	    DAY_SECS);

	switch (r->freq) {
	case CORE_FREQ_DAILY:
		day = sday + ceil_div(minday - sday, r->interval) * r->interval;
		break;
	case CORE_FREQ_WEEKLY:
		day = next_weekly(r, sday,
		    core_datetime_weekday(sd.year, sd.month, sd.day), minday);
		break;
	default:
		day = next_monthly(r, &sd, minday, maxday);
		break;
	}
	if (day > maxday)
		return DG_ENOTFOUND;
	*next = day * DAY_SECS + tod - off;
	return 0;
}

int
core_repeat_expand(const struct core_repeat *r, int64_t start, int offset_min,
    int64_t until, int64_t from, int64_t to, int64_t *out, size_t cap,
    size_t *n)
{
	int64_t after = from, t;
	int rc;

	*n = 0;
	while (after < to) {
		rc = core_repeat_next(r, start, offset_min, until, after, &t);
		if (rc == DG_ENOTFOUND)
			return 0;
		if (rc != 0)
			return rc;
		if (t >= to)
			return 0;
		if (*n == cap)
			return DG_ELIMIT;
		out[(*n)++] = t;
		/* t <= T_MAX, so this cannot overflow, and each step moves
		 * past the occurrence just found. */
		after = t + 1;
	}
	return 0;
}
