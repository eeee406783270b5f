#include "cli/fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/tz.h"
#include "core/body.h"
#include "core/text.h"
#include "core/valid.h"

void
cli_fields_fini(struct cli_fields *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		free(fs->f[i].key);
		if (fs->f[i].value != NULL) {
			sodium_memzero(fs->f[i].value, strlen(fs->f[i].value));
			free(fs->f[i].value);
		}
	}
	fs->n = 0;
}

bool
cli_fields_has(const struct cli_fields *fs, const char *key)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		if (strcmp(fs->f[i].key, key) == 0)
			return true;
	}
	return false;
}

const char *
cli_fields_get(const struct cli_fields *fs, const char *key)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		if (strcmp(fs->f[i].key, key) == 0)
			return fs->f[i].value;
	}
	return NULL;
}

/* "2026-12-04T18:00" or with ":SS", 'T' or ' ': a wall-clock time with
 * no offset.  Fills w on a match. */
static bool
bare_datetime(const char *v, struct core_datetime *w)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = strlen(v), i;

	if (n != 16 && n != 19)
		return false;
	for (i = 0; i < n; i++) {
		if (pat[i] == 'd' ? (v[i] < '0' || v[i] > '9') :
		    pat[i] == 'T' ? (v[i] != 'T' && v[i] != ' ') :
				    v[i] != pat[i])
			return false;
	}
	memset(w, 0, sizeof *w);
	w->year = atoi(v);
	w->month = atoi(v + 5);
	w->day = atoi(v + 8);
	w->hour = atoi(v + 11);
	w->min = atoi(v + 14);
	w->sec = n == 19 ? atoi(v + 17) : 0;
	return true;
}

static int
canon_key(enum core_rtype t, const char *in, size_t len, char *out,
    const struct core_fdef **def, char *why, size_t whylen)
{
	char tag[CORE_FIELD_NAME_MAX + 1];
	const char *at = memchr(in, '@', len);
	size_t flen = at ? (size_t)(at - in) : len, i, lang;
	int shown = len > 40 ? 40 : (int)len;

	if (len == 0 || len > CORE_FIELD_NAME_MAX) {
		snprintf(why, whylen, _("'%.*s' is not a field name"), shown, in);
		return EXIT_DATA;
	}
	for (i = 0; i < flen; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] + 32) :
							  in[i];
	out[flen] = '\0';
	if (at != NULL) {
		if (core_valid_lang(at + 1, len - flen - 1, tag, sizeof tag) !=
			0 ||
		    flen + 1 + strlen(tag) > CORE_FIELD_NAME_MAX) {
			snprintf(why, whylen, _("%.*s: '%.*s' is not a language "
			    "tag; use a BCP 47 tag like so, nb, ar or zh-Hant"),
			    (int)flen, in, (int)(len - flen - 1), at + 1);
			return EXIT_DATA;
		}
		out[flen] = '@';
		memcpy(out + flen + 1, tag, strlen(tag) + 1);
	}
	if (core_body_key_check(t, out, def, &lang) != 0) {
		if (core_schema_field(t, out, flen) != NULL)
			snprintf(why, whylen, _("%.*s cannot be translated"),
			    (int)flen, out);
		else
			snprintf(why, whylen, _("a %s has no field '%.*s' (run "
			    "'dugnad add %s --help' for the fields)"),
			    _(core_schema_rtype_name(t)), (int)flen, out,
			    core_schema_rtype_name(t));
		return EXIT_DATA;
	}
	return 0;
}

int
cli_fields_key(enum core_rtype t, const char *key, size_t klen, char *out,
    char *why, size_t whylen)
{
	const struct core_fdef *def;

	return canon_key(t, key, klen, out, &def, why, whylen);
}

/* core's reason for a bad value, translated: a whole text as it is; the
 * one for categories is a start and the names (which stay English, as
 * they are typed). */
static const char *
reason_text(const char *reason, char *buf, size_t cap)
{
	size_t n = strlen(core_valid_msg_categories);

	if (strncmp(reason, core_valid_msg_categories, n) != 0)
		return _(reason);
	snprintf(buf, cap, "%s%s", _(core_valid_msg_categories), reason + n);
	return buf;
}

static int
canon_value(const struct core_fdef *def, const char *key, const char *value,
    const char *tz, char **out, char *why, size_t whylen)
{
	char reason[512], shown[512], fixed[64], zone[64];
	struct core_datetime w;
	int rc, off;

	*out = NULL;
	rc = core_text_check_value(value, strlen(value), true);
	if (rc != 0) {
		snprintf(why, whylen, "%s: %s", key,
		    rc == DG_EUTF8 ? _("the value is not valid UTF-8 text") :
		    rc == DG_ELIMIT ? _("the value is too long (at most 4096 "
					"bytes)") :
				      _("the value holds control characters"));
		return EXIT_DATA;
	}
	/* A start time without an offset is taken in the meeting's zone
	 * (or this computer's), as a volunteer would mean it. */
	if (def->type == CORE_FT_DATETIME && bare_datetime(value, &w)) {
		if (tz == NULL) {
			if (cli_tz_local(zone, sizeof zone) != 0)
				snprintf(zone, sizeof zone, "UTC");
			tz = zone;
		}
		rc = cli_tz_offset(tz, &w, &off);
		if (rc == DG_EINVAL) {
			snprintf(why, whylen, _("%s: %02d:%02d does not exist on "
			    "%04d-%02d-%02d in %s (the clocks jump that night); "
			    "choose another time"), key, w.hour, w.min, w.year,
			    w.month, w.day, tz);
			return EXIT_DATA;
		}
		if (rc == 0) {
			snprintf(fixed, sizeof fixed,
			    "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", w.year,
			    w.month, w.day, w.hour, w.min, w.sec,
			    off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
			value = fixed;
		}
	}
	reason[0] = '\0';
	rc = core_valid_value(def->type, value, out, reason, sizeof reason);
	if (rc == DG_ENOMEM) {
		snprintf(why, whylen, _("out of memory"));
		return EXIT_OSERR;
	}
	if (rc != 0) {
		snprintf(why, whylen, "%s: %s", key, reason[0] ?
		    reason_text(reason, shown, sizeof shown) :
		    _(dg_strerror(rc)));
		return EXIT_DATA;
	}
	/* core/ checks a zone name's shape; only the system knows it. */
	if (def->type == CORE_FT_TZ && strcmp(*out, "UTC") != 0) {
		memset(&w, 0, sizeof w);
		w.year = 2026;
		w.month = w.day = 1;
		if (cli_tz_offset(*out, &w, &off) != 0) {
			snprintf(why, whylen, _("%s: '%.64s' is not a time zone "
			    "known to this computer; use a name like "
			    "Europe/Oslo"), key, *out);
			free(*out);
			*out = NULL;
			return EXIT_DATA;
		}
	}
	return 0;
}

static int
push(struct cli_fields *fs, const char *key, char *value, char *why,
    size_t whylen)
{
	if (cli_fields_has(fs, key)) {
		snprintf(why, whylen, _("%s is given twice"), key);
		free(value);
		return EXIT_USAGE;
	}
	if (fs->n == CORE_RECORD_FIELDS_MAX) {
		snprintf(why, whylen, _("too many fields (at most %d)"),
		    CORE_RECORD_FIELDS_MAX);
		free(value);
		return EXIT_DATA;
	}
	fs->f[fs->n].key = strdup(key);
	if (fs->f[fs->n].key == NULL) {
		free(value);
		snprintf(why, whylen, _("out of memory"));
		return EXIT_OSERR;
	}
	fs->f[fs->n].value = value;
	fs->n++;
	return 0;
}

int
cli_fields_add(struct cli_fields *fs, enum core_rtype t, const char *key,
    size_t klen, const char *value, const char *tz, bool allow_unset,
    char *why, size_t whylen)
{
	char ck[CORE_FIELD_NAME_MAX + 1], *canon = NULL;
	const struct core_fdef *def;
	int rc;

	rc = canon_key(t, key, klen, ck, &def, why, whylen);
	if (rc != 0)
		return rc;
	if (value[0] == '\0') {
		if (!allow_unset) {
			snprintf(why, whylen, _("%s is empty; leave it out "
			    "instead"), ck);
			return EXIT_DATA;
		}
		return push(fs, ck, NULL, why, whylen);
	}
	rc = canon_value(def, ck, value, tz, &canon, why, whylen);
	if (rc != 0)
		return rc;
	return push(fs, ck, canon, why, whylen);
}

int
cli_fields_required(const struct cli_fields *fs, enum core_rtype t,
    char *why, size_t whylen)
{
	const struct core_fdef *defs;
	size_t nd, i;

	defs = core_schema_fields(t, &nd);
	for (i = 0; i < nd; i++) {
		if (defs[i].required &&
		    cli_fields_get(fs, defs[i].name) == NULL) {
			snprintf(why, whylen, _("a %s needs %s=..."),
			    _(core_schema_rtype_name(t)), defs[i].name);
			return EXIT_DATA;
		}
	}
	return 0;
}

int
cli_fields_local_tz(struct cli_fields *fs, enum core_rtype t)
{
	char zone[64], why[160];
	int rc;

	if (t != CORE_RT_MEETING || cli_fields_has(fs, "tz") ||
	    cli_fields_get(fs, "starts") == NULL)
		return 0;
	/* UTC needs no zone: its offset never changes. */
	if (cli_tz_local(zone, sizeof zone) != 0 || strcmp(zone, "UTC") == 0 ||
	    strcmp(zone, "Etc/UTC") == 0 || strcmp(zone, "Etc/UCT") == 0 ||
	    strcmp(zone, "Universal") == 0 || strcmp(zone, "Zulu") == 0)
		return 0;
	rc = cli_fields_add(fs, t, "tz", 2, zone, NULL, false, why,
	    sizeof why);
	/* A local zone name dugnad does not accept is simply not kept. */
	return rc == EXIT_OSERR ? rc : 0;
}

/* What each field means and an example, for the questions of add and
 * edit on a terminal.  Marked for translation; translated when shown. */
static const struct field_help {
	enum core_rtype t;
	const char *name;
	const char *meaning;
	const char *example;
} field_help[] = {
	{ CORE_RT_CONTACT, "name", N_("The person's full name."),
	    "Amina Warsame" },
	{ CORE_RT_CONTACT, "lang", N_("Languages the person speaks: short "
	    "codes separated by commas (nb Norwegian, so Somali, ar Arabic, "
	    "ur Urdu, ti Tigrinya, pl Polish, en English)."), "so,nb" },
	{ CORE_RT_CONTACT, "phone", N_("Phone number, with the country code "
	    "if it is abroad."), "+47 912 34 567" },
	{ CORE_RT_CONTACT, "email", N_("E-mail address."),
	    "amina@example.org" },
	{ CORE_RT_CONTACT, "org", N_("The organisation the person belongs "
	    "to."), "Frivilligsentralen" },
	{ CORE_RT_CONTACT, "role", N_("What the person does there."),
	    N_("group leader") },
	{ CORE_RT_CONTACT, "area", N_("Area or district where the person "
	    "works."), "Grorud" },
	{ CORE_RT_CONTACT, "note", N_("Anything else the others should "
	    "know."), N_("best reached in the evening") },
	{ CORE_RT_MEETING, "title", N_("What the group or meeting is "
	    "called."), "Kvinnegruppa" },
	{ CORE_RT_MEETING, "organiser", N_("Who runs it."),
	    "Frivilligsentralen" },
	{ CORE_RT_MEETING, "lang", N_("Languages spoken at the meeting: short "
	    "codes separated by commas (nb Norwegian, so Somali, ar Arabic, "
	    "ur Urdu, ti Tigrinya, pl Polish, en English)."), "nb,so" },
	{ CORE_RT_MEETING, "starts", N_("Date and time of the first meeting: "
	    "year-month-day, T, hour:minute (24-hour clock)."),
	    "2026-12-04T18:00" },
	{ CORE_RT_MEETING, "tz", N_("The time zone the meeting keeps; press "
	    "Enter for this computer's zone."), "Europe/Oslo" },
	{ CORE_RT_MEETING, "duration", N_("How long it lasts: minutes, or "
	    "hours and minutes."), "1h30m" },
	{ CORE_RT_MEETING, "repeat", N_("How often it repeats: daily, weekly, weekly/2 "
	    "(every other week), weekly:tu,th (on given days), monthly, "
	    "monthly:1tu (the first Tuesday)."),
	    "weekly:tu,th" },
	{ CORE_RT_MEETING, "until", N_("The last date it repeats."),
	    "2027-06-30" },
	{ CORE_RT_MEETING, "place", N_("Where it is: place or address."),
	    "Frivilligsentralen, Storgata 1" },
	{ CORE_RT_MEETING, "link", N_("Link to join online."),
	    "https://meet.example.org/kvinnegruppa" },
	{ CORE_RT_MEETING, "capacity", N_("How many people can come."),
	    "10" },
	{ CORE_RT_MEETING, "contact", N_("Who to ask about it."),
	    "Amina, +47 912 34 567" },
	{ CORE_RT_MEETING, "description", N_("What happens there, in a few "
	    "words."), N_("We cook, sew and talk.") },
	{ CORE_RT_REFERRAL, "name", N_("Name of the service."),
	    "Krisesenteret i Oslo" },
	{ CORE_RT_REFERRAL, "category", N_("What kind of help, one or more "
	    "separated by commas: health, mental-health, violence, addiction, "
	    "children, family, legal, housing, work, language, education, "
	    "economy, immigration, social, other."), "violence,housing" },
	{ CORE_RT_REFERRAL, "helps", N_("What they help with."),
	    N_("a safe place to stay for women and children") },
	{ CORE_RT_REFERRAL, "lang", N_("Languages they offer: short codes "
	    "separated by commas."), "nb,en,ar" },
	{ CORE_RT_REFERRAL, "phone", N_("Phone number."), "22 33 44 55" },
	{ CORE_RT_REFERRAL, "email", N_("E-mail address."),
	    "post@example.org" },
	{ CORE_RT_REFERRAL, "address", N_("Street address."),
	    "Storgata 1, 0155 Oslo" },
	{ CORE_RT_REFERRAL, "web", N_("Web site."), "https://example.org" },
	{ CORE_RT_REFERRAL, "hours", N_("Opening hours."),
	    N_("Mon-Fri 09-15") },
	{ CORE_RT_REFERRAL, "cost", N_("What it costs."), N_("free") },
	{ CORE_RT_REFERRAL, "area", N_("Area served."), "Oslo" },
	{ CORE_RT_REFERRAL, "note", N_("Anything else the others should "
	    "know."), N_("call before you come") },
};

void
cli_fields_help(enum core_rtype t, const char *name, const char **meaning,
    const char **example)
{
	size_t i;

	*meaning = NULL;
	*example = NULL;
	for (i = 0; i < sizeof field_help / sizeof field_help[0]; i++) {
		if (field_help[i].t == t &&
		    strcmp(field_help[i].name, name) == 0) {
			*meaning = _(field_help[i].meaning);
			*example = _(field_help[i].example);
			return;
		}
	}
}
