#include "cli/tz.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZONEINFO "/usr/share/zoneinfo/"
#define TZID_MAX 128

/* Transitions are found by probing once a day and bisecting when the
 * state changed.  Real zones change at most a few times a year, weeks
 * apart; two changes inside one day that cancel out would be missed. */
#define STEP 86400
#define SPAN_MAX (INT64_C(100) * 366 * 86400)
#define OBS_MAX 1024

/* What localtime_r says about one instant. */
struct state {
	long gmtoff;
	int isdst;
	char name[sizeof ((struct core_ics_obs){ 0 }).name];
};

/* Letters, digits and "/_-+" as in IANA names, with no empty, leading or
 * trailing path component.  '.' is not allowed at all, so ".." cannot
 * climb out of the zoneinfo directory. */
static bool
tzid_valid(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len >= TZID_MAX || s[0] == '/' || s[len - 1] == '/' ||
	    strstr(s, "//") != NULL || strstr(s, "..") != NULL)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '/' || c == '_' ||
		    c == '-' || c == '+'))
			return false;
	}
	return true;
}

static bool
zone_exists(const char *tzid)
{
	char path[sizeof ZONEINFO + TZID_MAX];
	struct stat st;
	int len;

	len = snprintf(path, sizeof path, "%s%s", ZONEINFO, tzid);
	if (len < 0 || (size_t)len >= sizeof path)
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int
probe(int64_t t, struct state *s)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || localtime_r(&tt, &tm) == NULL)
		return DG_EINVAL;
	memset(s, 0, sizeof *s);
	s->gmtoff = tm.tm_gmtoff;
	s->isdst = tm.tm_isdst > 0;
	if (tm.tm_zone != NULL)
		snprintf(s->name, sizeof s->name, "%s", tm.tm_zone);
	return 0;
}

static bool
same(const struct state *a, const struct state *b)
{
	return a->gmtoff == b->gmtoff && a->isdst == b->isdst &&
	    strcmp(a->name, b->name) == 0;
}

/* Given state(lo) == *a and state(hi) != *a, returns a t in (lo, hi]
 * with state(t - 1) == *a and state(t) != *a. */
static int
bisect(int64_t lo, int64_t hi, const struct state *a, int64_t *t)
{
	struct state s;
	int64_t mid;
	int rc;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		rc = probe(mid, &s);
		if (rc != 0)
			return rc;
		if (same(&s, a))
			lo = mid;
		else
			hi = mid;
	}
	*t = hi;
	return 0;
}

static void
set_obs(struct core_ics_obs *o, int64_t t, const struct state *before,
    const struct state *after)
{
	memset(o, 0, sizeof *o);
	o->offset_from = (int)(before->gmtoff / 60);
	o->offset_to = (int)(after->gmtoff / 60);
	o->start_local = t + (int64_t)o->offset_from * 60;
	o->is_dst = after->isdst;
	memcpy(o->name, after->name, sizeof o->name);
}

/* The observance in force at `from`: its onset is the last change in the
 * year before, found by stepping back a day at a time.  A zone with no
 * change in that year gets an observance starting at `from` itself,
 * which is all the calendar needs. */
static int
first_obs(int64_t from, struct core_ics_obs *o)
{
	struct state cur, s, a;
	int64_t t, hi, onset;
	int rc, k;

	rc = probe(from, &cur);
	if (rc != 0)
		return rc;
	for (k = 1; k <= 366; k++) {
		t = from - (int64_t)k * STEP;
		rc = probe(t, &s);
		if (rc != 0)
			return rc;
		if (same(&s, &cur))
			continue;
		/* Bisect until the change found leads into the state at
		 * `from`; more than one pass only if two changes fell
		 * within the same day. */
		hi = t + STEP;
		a = s;
		for (;;) {
			rc = bisect(t, hi, &a, &onset);
			if (rc == 0)
				rc = probe(onset, &s);
			if (rc != 0)
				return rc;
			if (same(&s, &cur))
				break;
			t = onset;
			a = s;
		}
		set_obs(o, onset, &a, &cur);
		return 0;
	}
	set_obs(o, from, &cur, &cur);
	return 0;
}

static int
scan(int64_t from, int64_t to, struct core_ics_obs **out, size_t *n)
{
	struct core_ics_obs *obs, *p;
	struct state cur, s;
	size_t cnt = 0, cap = 8;
	int64_t t, next, onset;
	int rc;

	obs = malloc(cap * sizeof *obs);
	if (obs == NULL)
		return DG_ENOMEM;
	rc = first_obs(from, &obs[cnt++]);
	if (rc == 0)
		rc = probe(from, &cur);
	if (rc != 0)
		goto cleanup;
	for (t = from; t < to;) {
		next = to - t > STEP ? t + STEP : to;
		rc = probe(next, &s);
		if (rc != 0)
			goto cleanup;
		if (same(&s, &cur)) {
			t = next;
			continue;
		}
		rc = bisect(t, next, &cur, &onset);
		if (rc == 0)
			rc = probe(onset, &s);
		if (rc != 0)
			goto cleanup;
		if (cnt == OBS_MAX) {
			rc = DG_ELIMIT;
			goto cleanup;
		}
		if (cnt == cap) {
			p = realloc(obs, 2 * cap * sizeof *obs);
			if (p == NULL) {
				rc = DG_ENOMEM;
				goto cleanup;
			}
			obs = p;
			cap *= 2;
		}
		set_obs(&obs[cnt++], onset, &cur, &s);
		cur = s;
		t = onset;
	}
	*out = obs;
	*n = cnt;
	obs = NULL;

cleanup:
	free(obs);
	return rc;
}

/* tzset() has no error: when it cannot read a zone file (no memory for
 * it), the C library takes TZ for a POSIX rule instead, UTC named after
 * TZ's leading letters ("Europe").  No zone file uses such a name, so
 * for an Area/Location zone that name is the failure. */
static bool
zone_loaded(const char *tzid)
{
	size_t n = strcspn(tzid, "/");

	return tzid[n] == '\0' || strlen(tzname[0]) != n ||
	    strncmp(tzname[0], tzid, n) != 0;
}

/* Runs fn(ctx) with TZ set to zone tzid, then restores TZ. */
static int
with_zone(const char *tzid, int (*fn)(void *ctx), void *ctx)
{
	char val[TZID_MAX + 2];
	char *old = NULL;
	const char *env;
	int rc;

	if (!tzid_valid(tzid))
		return DG_EINVAL;
	if (!zone_exists(tzid))
		return DG_ENOTFOUND;
	env = getenv("TZ");
	if (env != NULL) {
		old = strdup(env);
		if (old == NULL)
			return DG_ENOMEM;
	}
	/* The leading ':' makes the C library read the file by that name
	 * instead of trying tzid as a POSIX rule such as "EST5EDT". */
	snprintf(val, sizeof val, ":%s", tzid);
	if (setenv("TZ", val, 1) != 0) {
		rc = DG_ENOMEM;
		goto cleanup;
	}
	tzset();
	rc = zone_loaded(tzid) ? fn(ctx) : DG_ENOMEM;

cleanup:
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	return rc;
}

struct scan_args {
	int64_t from, to;
	struct core_ics_obs **out;
	size_t *n;
};

static int
scan_fn(void *ctx)
{
	struct scan_args *a = ctx;

	return scan(a->from, a->to, a->out, a->n);
}

int
cli_tz_observances(const char *tzid, int64_t from, int64_t to,
    struct core_ics_obs **out, size_t *n)
{
	struct scan_args a = { from, to, out, n };

	if (from > to)
		return DG_EINVAL;
	if (to - from > SPAN_MAX)
		return DG_ELIMIT;
	return with_zone(tzid, scan_fn, &a);
}

struct offset_args {
	const struct core_datetime *wall;
	int *offset;
};

static int
offset_fn(void *ctx)
{
	struct offset_args *a = ctx;
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = a->wall->year - 1900;
	tm.tm_mon = a->wall->month - 1;
	tm.tm_mday = a->wall->day;
	tm.tm_hour = a->wall->hour;
	tm.tm_min = a->wall->min;
	tm.tm_sec = a->wall->sec;
	tm.tm_isdst = -1;
	if (mktime(&tm) == (time_t)-1)
		return DG_EINVAL;
	/* mktime moves a time in a spring-forward gap; such a wall-clock
	 * time does not exist in the zone. */
	if (tm.tm_hour != a->wall->hour || tm.tm_min != a->wall->min ||
	    tm.tm_mday != a->wall->day)
		return DG_EINVAL;
	*a->offset = (int)(tm.tm_gmtoff / 60);
	return 0;
}

int
cli_tz_offset(const char *tzid, const struct core_datetime *wall,
    int *offset_min)
{
	struct offset_args a = { wall, offset_min };

	return with_zone(tzid, offset_fn, &a);
}

struct resolve_args {
	const struct core_datetime *walls;
	size_t n;
	int64_t *out;
	int *offset;
};

static int
gmtoff_at(int64_t t, long *off)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || localtime_r(&tt, &tm) == NULL)
		return DG_EINVAL;
	*off = tm.tm_gmtoff;
	return 0;
}

/* The offsets a zone has around a wall-clock time are the ones in force
 * a day before and a day after it (real zones change at most a few times
 * a year); each that maps the wall time back onto itself is a reading
 * of it.  Two readings: the fold, take the earlier instant.  None: the
 * gap, take the offset from before. */
static int
resolve_one(const struct core_datetime *wall, int64_t *out, int *offset)
{
	struct core_datetime w = *wall;
	long cand[3], got;
	int64_t base, t, best = 0;
	int i, rc, found = 0, bestoff = 0;

	w.offset_min = 0;
	base = core_datetime_to_unix(&w);
	if ((rc = gmtoff_at(base - 86400, &cand[0])) != 0 ||
	    (rc = gmtoff_at(base, &cand[1])) != 0 ||
	    (rc = gmtoff_at(base + 86400, &cand[2])) != 0)
		return rc;
	for (i = 0; i < 3; i++) {
		t = base - cand[i];
		if ((rc = gmtoff_at(t, &got)) != 0)
			return rc;
		if (got != cand[i] || (found && t >= best))
			continue;
		best = t;
		bestoff = (int)(cand[i] / 60);
		found = 1;
	}
	if (!found) {
		best = base - cand[0];
		bestoff = (int)(cand[0] / 60);
	}
	*out = best;
	*offset = bestoff;
	return 0;
}

static int
resolve_fn(void *ctx)
{
	struct resolve_args *a = ctx;
	size_t i;
	int rc;

	for (i = 0; i < a->n; i++) {
		rc = resolve_one(&a->walls[i], &a->out[i], &a->offset[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
cli_tz_resolve(const char *tzid, const struct core_datetime *walls,
    size_t n, int64_t *out, int *offset)
{
	struct resolve_args a = { walls, n, out, offset };

	return with_zone(tzid, resolve_fn, &a);
}

static int
copy_name(const char *name, char *out, size_t cap)
{
	size_t len = strlen(name);

	if (len >= cap)
		return DG_ELIMIT;
	memcpy(out, name, len + 1);
	return 0;
}

/* "/usr/share/zoneinfo/Europe/Oslo" to "Europe/Oslo"; the "posix/" and
 * "right/" trees hold the same zones under the same names. */
static const char *
after_zoneinfo(const char *path)
{
	const char *p = strstr(path, "zoneinfo/");

	if (p == NULL)
		return NULL;
	p += strlen("zoneinfo/");
	if (strncmp(p, "posix/", 6) == 0)
		p += 6;
	else if (strncmp(p, "right/", 6) == 0)
		p += 6;
	return p;
}

int
cli_tz_local(char *out, size_t cap)
{
	char link[512], line[TZID_MAX + 2];
	const char *env, *name;
	ssize_t len;
	FILE *f;

	env = getenv("TZ");
	if (env != NULL && *env != '\0') {
		name = env[0] == ':' ? env + 1 : env;
		if (name[0] == '/')
			name = after_zoneinfo(name);
		if (name != NULL && tzid_valid(name) && zone_exists(name))
			return copy_name(name, out, cap);
	}
	len = readlink("/etc/localtime", link, sizeof link - 1);
	if (len > 0) {
		link[len] = '\0';
		name = after_zoneinfo(link);
		if (name != NULL && tzid_valid(name))
			return copy_name(name, out, cap);
	}
	/* Debian and derivatives also name the zone here, which helps when
	 * /etc/localtime is a copy rather than a link. */
	f = fopen("/etc/timezone", "r");
	if (f != NULL) {
		if (fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (tzid_valid(line) && zone_exists(line)) {
				fclose(f);
				return copy_name(line, out, cap);
			}
		}
		fclose(f);
	}
	return copy_name("UTC", out, cap);
}

/* A POSIX TZ rule starts with a zone abbreviation (three letters or
 * more, or <...>) and an offset: "CET-1CEST,M3.5.0,M10.5.0/3",
 * "<+03>-3", "EST5EDT". */
static bool
posix_rule(const char *s)
{
	size_t n = 0;

	if (s[0] == '<') {
		while (s[n] != '\0' && s[n] != '>')
			n++;
		if (s[n] != '>')
			return false;
		n++;
	} else {
		while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))
			n++;
		if (n < 3)
			return false;
	}
	if (s[n] == '+' || s[n] == '-')
		n++;
	return s[n] >= '0' && s[n] <= '9';
}

int
cli_tz_env_check(void)
{
	const char *env = getenv("TZ"), *name;
	const char *p;

	if (env == NULL || env[0] == '\0' || strcmp(env, CLI_TZ_SYSTEM) == 0)
		return 0;
	if (strlen(env) >= TZID_MAX + 20)
		return DG_EINVAL;
	name = env[0] == ':' ? env + 1 : env;
	if (name[0] == '/') {
		p = after_zoneinfo(name);
		if (p == NULL || !tzid_valid(p))
			return DG_ENOTFOUND;
		return zone_exists(p) ? 0 : DG_ENOTFOUND;
	}
	if (tzid_valid(name) && zone_exists(name))
		return 0;
	if (env[0] != ':' && posix_rule(name))
		return 0;
	/* glibc would silently read such a name as UTC */
	return tzid_valid(name) ? DG_ENOTFOUND : DG_EINVAL;
}
