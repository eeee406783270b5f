#include "core/ics.h"

#include <stdbool.h>
#include <string.h>

#include "core/repeat.h"
#include "core/schema.h"
#include "core/valid.h"

/* RFC 5545 3.1: content lines are folded so no physical line is longer
 * than 75 octets, CRLF excluded. */
#define FOLD 75

/* What the writer needs of one meeting, taken from its fields once. */
struct mtg {
	const struct core_record *rec;
	struct core_datetime st;      /* "starts" as written */
	int64_t t;                    /* the start instant */
	const struct core_ics_tz *tz; /* NULL: written in UTC */
};

/* Writes l as one content line into b: folded at FOLD octets, never
 * inside a UTF-8 sequence (RFC 5545 asks for this so that unfolding by a
 * reader that works on characters does not see broken text), each
 * continuation starting with a space that counts towards the limit. */
static void
flush_line(struct core_buf *b, struct core_buf *l)
{
	const unsigned char *p = (const unsigned char *)l->data;
	size_t n = l->len, pos = 0, lim = FOLD, take;

	if (l->err) {
		b->err = b->err ? b->err : l->err;
		return;
	}
	while (n - pos > lim) {
		take = lim;
		while (take > 0 && (p[pos + take] & 0xC0) == 0x80)
			take--;
		/* Only invalid text has a run of continuation bytes this
		 * long; cutting it anywhere loses nothing. */
		if (take == 0)
			take = lim;
		core_buf_add(b, p + pos, take);
		core_buf_add(b, "\r\n ", 3);
		pos += take;
		lim = FOLD - 1;
	}
	if (n > pos)
		core_buf_add(b, p + pos, n - pos);
	core_buf_add(b, "\r\n", 2);
	core_buf_reset(l);
}

/* TEXT escaping (RFC 5545 3.3.11).  Control characters other than tab
 * are not allowed in TEXT; CR, LF and CRLF become one "\n", the rest
 * are dropped. */
static void
put_text(struct core_buf *l, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != 0x7f && c != '\\' && c != ';' &&
		    c != ',')
			continue;
		core_buf_add(l, run, (size_t)(s - run));
		run = s + 1;
		if (c == '\\' || c == ';' || c == ',') {
			core_buf_ch(l, '\\');
			core_buf_ch(l, (char)c);
		} else if (c == '\n' || (c == '\r' && s[1] != '\n')) {
			core_buf_str(l, "\\n");
		} else if (c == '\t') {
			core_buf_ch(l, '\t');
		}
	}
	core_buf_add(l, run, (size_t)(s - run));
}

static void
text_line(struct core_buf *b, struct core_buf *l, const char *name,
    const char *value)
{
	core_buf_str(l, name);
	core_buf_ch(l, ':');
	put_text(l, value);
	flush_line(b, l);
}

static void
put_stamp(struct core_buf *l, int64_t t, int offset_min, bool utc)
{
	struct core_datetime dt;

	core_datetime_from_unix(t, offset_min, &dt);
	core_buf_printf(l, "%04d%02d%02dT%02d%02d%02d%s", dt.year, dt.month,
	    dt.day, dt.hour, dt.min, dt.sec, utc ? "Z" : "");
}

static void
put_offset(struct core_buf *l, int min)
{
	long a = min < 0 ? -(long)min : (long)min;

	core_buf_printf(l, "%c%02ld%02ld", min < 0 ? '-' : '+', a / 60,
	    a % 60);
}

/* A TZID goes into a parameter as well as a property; refuse what a
 * parameter cannot hold at all (quotes, controls) so such a zone is
 * simply written in UTC. */
static bool
tzid_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"')
			return false;
	}
	return true;
}

static bool
tz_ok(const struct core_ics_tz *tz)
{
	return tzid_ok(tz->tzid) && tz->nobs > 0 && tz->obs != NULL;
}

static int64_t
obs_onset(const struct core_ics_obs *o)
{
	return o->start_local - (int64_t)o->offset_from * 60;
}

/* Offset in force at instant t: that of the latest observance begun by
 * t, or before all of them the offset the earliest one changes from.
 * The caller's list need not be sorted. */
static int
tz_offset_at(const struct core_ics_tz *tz, int64_t t)
{
	const struct core_ics_obs *best = NULL, *first = &tz->obs[0];
	size_t i;

	for (i = 0; i < tz->nobs; i++) {
		const struct core_ics_obs *o = &tz->obs[i];

		if (obs_onset(o) < obs_onset(first))
			first = o;
		if (obs_onset(o) <= t &&
		    (best == NULL || obs_onset(o) > obs_onset(best)))
			best = o;
	}
	return best != NULL ? best->offset_to : first->offset_from;
}

static bool
mtg_load(const struct core_record *rec, const struct core_ics_tz *tzs,
    size_t ntz, struct mtg *m)
{
	const char *starts, *tzid;
	size_t i;

	if (rec->type != CORE_RT_MEETING || rec->removed)
		return false;
	starts = core_record_get(rec, "starts");
	if (starts == NULL || core_valid_datetime_parse(starts, &m->st) != 0)
		return false;
	m->rec = rec;
	m->t = core_datetime_to_unix(&m->st);
	m->tz = NULL;
	tzid = core_record_get(rec, "tz");
	for (i = 0; tzid != NULL && i < ntz; i++) {
		if (tz_ok(&tzs[i]) && strcmp(tzs[i].tzid, tzid) == 0) {
			m->tz = &tzs[i];
			break;
		}
	}
	return true;
}

static void
write_vtimezone(struct core_buf *b, struct core_buf *l,
    const struct core_ics_tz *tz)
{
	const struct core_ics_obs *o;
	const char *kind;
	char name[sizeof o->name + 1];
	size_t i;

	text_line(b, l, "BEGIN", "VTIMEZONE");
	text_line(b, l, "TZID", tz->tzid);
	for (i = 0; i < tz->nobs; i++) {
		o = &tz->obs[i];
		kind = o->is_dst ? "DAYLIGHT" : "STANDARD";
		text_line(b, l, "BEGIN", kind);
		core_buf_str(l, "DTSTART:");
		put_stamp(l, o->start_local, 0, false);
		flush_line(b, l);
		core_buf_str(l, "TZOFFSETFROM:");
		put_offset(l, o->offset_from);
		flush_line(b, l);
		core_buf_str(l, "TZOFFSETTO:");
		put_offset(l, o->offset_to);
		flush_line(b, l);
		/* name need not be NUL-terminated when it fills the array. */
		memcpy(name, o->name, sizeof o->name);
		name[sizeof o->name] = '\0';
		if (name[0] != '\0')
			text_line(b, l, "TZNAME", name);
		text_line(b, l, "END", kind);
	}
	text_line(b, l, "END", "VTIMEZONE");
}

/* "YYYY-MM-DD" to days since 1970-01-01. */
static bool
parse_date(const char *s, int64_t *days)
{
	static const int mlen[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	int v[3] = { 0, 0, 0 }, w[3] = { 4, 2, 2 }, i, j;
	bool leap;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < w[i]; j++, s++) {
			if (*s < '0' || *s > '9')
				return false;
			v[i] = v[i] * 10 + (*s - '0');
		}
		if (*s != (i < 2 ? '-' : '\0'))
			return false;
		s++;
	}
	leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
	if (v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > mlen[v[1] - 1] || (v[1] == 2 && v[2] == 29 && !leap))
		return false;
	*days = core_datetime_days(v[0], v[1], v[2]);
	return true;
}

/* RRULE with UNTIL in UTC, as RFC 5545 requires when DTSTART has a TZID
 * (and allows otherwise).  "until" is a date, so the series ends at the
 * last second of that date on the meeting's clock: the zone's offset on
 * that date when the meeting has a zone (it may differ from the start's
 * offset across a DST change), else the offset "starts" was written in. */
static void
write_rrule(struct core_buf *b, struct core_buf *l, const struct mtg *m)
{
	struct core_repeat r;
	struct core_buf u;
	const char *rep, *until;
	int64_t days, end;
	int off;

	rep = core_record_get(m->rec, "repeat");
	if (rep == NULL || core_repeat_parse(rep, &r) != 0)
		return;
	core_buf_init(&u);
	until = core_record_get(m->rec, "until");
	if (until != NULL && parse_date(until, &days)) {
		off = m->st.offset_min;
		end = days * 86400 + 86399;
		if (m->tz != NULL)
			off = tz_offset_at(m->tz, end - (int64_t)off * 60);
		put_stamp(&u, end - (int64_t)off * 60, 0, true);
	}
	core_buf_str(l, "RRULE:");
	core_repeat_rrule(&r, u.len > 0 ? u.data : NULL, l);
	flush_line(b, l);
	if (u.err)
		b->err = b->err ? b->err : u.err;
	core_buf_fini(&u);
}

/* "90" minutes, as "duration" is stored, to 1..10080 or 0. */
static int
parse_minutes(const char *s)
{
	int v = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 10080)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v <= 10080 ? v : 0;
}

/* DESCRIPTION carries what RFC 5545 has no plain-text property for:
 * ORGANIZER and CONTACT would need a calendar address, and a meeting's
 * organiser or contact is usually a name. */
static void
write_description(struct core_buf *b, struct core_buf *l,
    const struct mtg *m)
{
	static const struct {
		const char *field, *label;
	} extra[] = {
		{ "organiser", "Organiser" },
		{ "contact", "Contact" },
		{ "lang", "Languages" },
		{ "capacity", "Capacity" },
	};
	struct core_buf d;
	const char *v;
	size_t i;
	bool first = true;

	core_buf_init(&d);
	v = core_record_get(m->rec, "description");
	if (v != NULL)
		core_buf_str(&d, v);
	for (i = 0; i < sizeof extra / sizeof extra[0]; i++) {
		v = core_record_get(m->rec, extra[i].field);
		if (v == NULL || *v == '\0')
			continue;
		/* A blank line between the description and the details. */
		if (d.len > 0)
			core_buf_str(&d, first ? "\n\n" : "\n");
		core_buf_printf(&d, "%s: %s", extra[i].label, v);
		first = false;
	}
	if (d.len > 0)
		text_line(b, l, "DESCRIPTION", d.data);
	if (d.err)
		b->err = b->err ? b->err : d.err;
	core_buf_fini(&d);
}

/* A URL is a URI value, not TEXT: written as is, so it must not hold
 * anything a content line cannot. */
static bool
uri_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

/* Translations "field@lang" of text fields become
 * X-DUGNAD-FIELD;LANGUAGE=lang:value; the standard properties hold the
 * untranslated text. */
static void
write_translations(struct core_buf *b, struct core_buf *l,
    const struct core_record *rec)
{
	const struct core_fdef *fd;
	const char *key, *at, *c;
	size_t i;
	bool ok;

	for (i = 0; i < rec->nfields; i++) {
		key = rec->fields[i].key;
		at = strchr(key, '@');
		if (at == NULL || at[1] == '\0' || rec->fields[i].value == NULL)
			continue;
		fd = core_schema_field(CORE_RT_MEETING, key,
		    (size_t)(at - key));
		if (fd == NULL || !fd->translatable)
			continue;
		ok = true;
		for (c = at + 1; *c != '\0'; c++) {
			if (!((*c >= 'a' && *c <= 'z') ||
			    (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '-'))
				ok = false;
		}
		if (!ok)
			continue;
		core_buf_str(l, "X-DUGNAD-");
		for (c = key; c < at; c++) {
			core_buf_ch(l, *c >= 'a' && *c <= 'z' ?
			    (char)(*c - 'a' + 'A') : *c);
		}
		core_buf_str(l, ";LANGUAGE=");
		core_buf_str(l, at + 1);
		core_buf_ch(l, ':');
		put_text(l, rec->fields[i].value);
		flush_line(b, l);
	}
}

static void
write_vevent(struct core_buf *b, struct core_buf *l, const struct mtg *m,
    int64_t now)
{
	char id[CORE_RID_TEXT];
	const char *v;
	int dur;

	text_line(b, l, "BEGIN", "VEVENT");
	core_record_id_text(m->rec->id, id);
	core_buf_printf(l, "UID:%s@dugnad", id);
	flush_line(b, l);
	core_buf_str(l, "DTSTAMP:");
	put_stamp(l, now, 0, true);
	flush_line(b, l);
	if (m->tz != NULL) {
		/* The zone's own offset at the instant, not the one "starts"
		 * was written with: the two differ when a summer date was
		 * typed with the winter offset, and the instant is what was
		 * stored. */
		core_buf_str(l, "DTSTART;TZID=");
		if (strpbrk(m->tz->tzid, ":;,") != NULL)
			core_buf_printf(l, "\"%s\"", m->tz->tzid);
		else
			core_buf_str(l, m->tz->tzid);
		core_buf_ch(l, ':');
		put_stamp(l, m->t, tz_offset_at(m->tz, m->t), false);
	} else {
		core_buf_str(l, "DTSTART:");
		put_stamp(l, m->t, 0, true);
	}
	flush_line(b, l);
	v = core_record_get(m->rec, "duration");
	dur = v != NULL ? parse_minutes(v) : 0;
	if (dur > 0) {
		core_buf_printf(l, "DURATION:PT%dM", dur);
		flush_line(b, l);
	}
	write_rrule(b, l, m);
	v = core_record_get(m->rec, "title");
	if (v != NULL)
		text_line(b, l, "SUMMARY", v);
	v = core_record_get(m->rec, "place");
	if (v != NULL)
		text_line(b, l, "LOCATION", v);
	v = core_record_get(m->rec, "link");
	if (v != NULL && *v != '\0' && uri_ok(v)) {
		core_buf_str(l, "URL:");
		core_buf_str(l, v);
		flush_line(b, l);
	}
	write_description(b, l, m);
	write_translations(b, l, m->rec);
	text_line(b, l, "END", "VEVENT");
}

static bool
tz_used(const struct core_ics_tz *tz, const struct core_record *recs,
    size_t n, const struct core_ics_tz *tzs, size_t ntz)
{
	struct mtg m;
	size_t i;

	for (i = 0; i < n; i++) {
		if (mtg_load(&recs[i], tzs, ntz, &m) && m.tz == tz)
			return true;
	}
	return false;
}

int
core_ics_write(struct core_buf *b, const struct core_record *recs,
    size_t n, const struct core_ics_tz *tzs, size_t ntz, int64_t now)
{
	struct core_buf l;
	struct mtg m;
	size_t i;

	core_buf_init(&l);
	text_line(b, &l, "BEGIN", "VCALENDAR");
	text_line(b, &l, "VERSION", "2.0");
	text_line(b, &l, "PRODID", "-//dugnad//dugnad//EN");
	text_line(b, &l, "CALSCALE", "GREGORIAN");
	/* A zone listed twice is written once: mtg_load always picks the
	 * first entry with a given TZID, so only that one is ever used. */
	for (i = 0; i < ntz; i++) {
		if (tz_ok(&tzs[i]) && tz_used(&tzs[i], recs, n, tzs, ntz))
			write_vtimezone(b, &l, &tzs[i]);
	}
	for (i = 0; i < n; i++) {
		if (mtg_load(&recs[i], tzs, ntz, &m))
			write_vevent(b, &l, &m, now);
	}
	text_line(b, &l, "END", "VCALENDAR");
	core_buf_fini(&l);
	return b->err;
}
