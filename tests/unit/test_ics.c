#include "core/ics.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/valid.h"
#include "t.h"

/* The unit tests link only libdugnad.a (core, store, net); cli/tz.c is
 * compiled in here so the observances it computes can be checked. */
#include "../../cli/tz.c"

static int
field_cmp(const void *a, const void *b)
{
	return strcmp(((const struct core_field *)a)->key,
	    ((const struct core_field *)b)->key);
}

/* Fills r from a static field list (sorted here, as records are). */
static void
mkrec(struct core_record *r, enum core_rtype type, uint8_t idbyte,
    struct core_field *f, size_t n)
{
	memset(r, 0, sizeof *r);
	memset(r->id, idbyte, sizeof r->id);
	r->type = type;
	r->fields = f;
	r->nfields = n;
	qsort(f, n, sizeof *f, field_cmp);
}

static int64_t
local_secs(int y, int m, int d, int hh, int mm)
{
	return core_datetime_days(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

/* Europe/Oslo around the winter of 2026/27, written out by hand. */
static struct core_ics_obs oslo_obs[3];

static void
oslo_init(void)
{
	memset(oslo_obs, 0, sizeof oslo_obs);
	oslo_obs[0].start_local = local_secs(2026, 10, 25, 3, 0);
	oslo_obs[0].offset_from = 120;
	oslo_obs[0].offset_to = 60;
	memcpy(oslo_obs[0].name, "CET", 4);
	oslo_obs[1].start_local = local_secs(2027, 3, 28, 2, 0);
	oslo_obs[1].offset_from = 60;
	oslo_obs[1].offset_to = 120;
	oslo_obs[1].is_dst = 1;
	memcpy(oslo_obs[1].name, "CEST", 5);
	oslo_obs[2].start_local = local_secs(2027, 10, 31, 3, 0);
	oslo_obs[2].offset_from = 120;
	oslo_obs[2].offset_to = 60;
	memcpy(oslo_obs[2].name, "CET", 4);
}

/* Strict UTF-8 of s[0..n), so a fold that split a character fails. */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;

	while (i < n) {
		if (s[i] < 0x80)
			len = 1;
		else if ((s[i] & 0xE0) == 0xC0 && s[i] >= 0xC2)
			len = 2;
		else if ((s[i] & 0xF0) == 0xE0)
			len = 3;
		else if ((s[i] & 0xF8) == 0xF0 && s[i] <= 0xF4)
			len = 4;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		}
		i += len;
	}
	return 1;
}

/* Every line ends in CRLF, is at most 75 octets and is UTF-8 by itself;
 * returns the number of continuation lines, or -1. */
static int
lines_ok(const char *s, size_t len)
{
	size_t i = 0, start;
	int folds = 0;

	while (i < len) {
		start = i;
		while (i < len && s[i] != '\r' && s[i] != '\n')
			i++;
		if (i + 1 >= len || s[i] != '\r' || s[i + 1] != '\n') {
			fprintf(stderr, "  no CRLF after \"%.*s\"\n",
			    (int)(i - start), s + start);
			return -1;
		}
		if (i - start > 75 || i == start) {
			fprintf(stderr, "  bad length %zu: \"%.*s\"\n",
			    i - start, (int)(i - start), s + start);
			return -1;
		}
		if (!utf8_ok((const unsigned char *)s + start, i - start)) {
			fprintf(stderr, "  split UTF-8 in \"%.*s\"\n",
			    (int)(i - start), s + start);
			return -1;
		}
		folds += s[start] == ' ';
		i += 2;
	}
	return folds;
}

/* RFC 5545 unfolding: CRLF followed by one space or tab is removed. */
static char *
unfold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (out == NULL)
		abort();
	while (*s != '\0') {
		if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' ||
		    s[2] == '\t')) {
			s += 3;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* True if the unfolded text has line as a whole content line. */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\r')
			return 1;
		p++;
	}
	fprintf(stderr, "  missing line: %s\n", line);
	return 0;
}

static int
count(const char *text, const char *needle)
{
	int c = 0;

	for (; (text = strstr(text, needle)) != NULL; text++)
		c++;
	return c;
}

#define AR_TITLE \
	"مجموعة النساء: مقهى اللغة المفتوح، الجميع مرحب بهم. " \
	"سنتحدث معًا عن الحياة اليومية"
#define SO_TITLE \
	"Kooxda haweenka: kafee luuqadeed oo furan, qof walba waa " \
	"soo dhawaaday; waxaan ka wada hadli doonaa nolosha maalinlaha"
#define NB_PLACE \
	"Grünerløkka frivilligsentral, Thorvald Meyers gate 1; 2. etasje " \
	"(inngang fra gården, ved sykkelstativet – følg skiltene «Kafé»)"

static void
test_calendar(void)
{
	struct core_field fa[] = {
		{ "title", "Kvinnegruppe, språkkafé; alle velkommen" },
		{ "title@so", SO_TITLE },
		{ "title@ar", AR_TITLE },
		{ "place", NB_PLACE },
		{ "starts", "2026-12-01T18:00+01:00" },
		{ "tz", "Europe/Oslo" },
		{ "duration", "90" },
		{ "repeat", "weekly:tu,th" },
		{ "until", "2027-06-30" },
		{ "link", "https://example.org/m?a=1;b=2,c" },
		{ "capacity", "30" },
		{ "contact", "Amina" },
		{ "organiser", "Frivillig Oslo" },
		{ "lang", "nb,so,ar" },
		{ "description", "Ta med matpakke.\nC:\\temp, ikke her" },
	};
	struct core_field fb[] = {
		{ "title", "Styremøte" },
		{ "starts", "2026-12-04T18:00+01:00" },
		{ "repeat", "monthly:-1fr" },
		{ "until", "2027-03-31" },
	};
	struct core_field fc[] = {
		{ "title", "Call with New York" },
		{ "starts", "2026-12-05T10:00-05:00" },
		{ "tz", "America/New_York" },
	};
	/* Typed with the winter offset for a summer date: the instant is
	 * 17:00Z, 19:00 on the Oslo clock. */
	struct core_field fd[] = {
		{ "title", "Sommerfest" },
		{ "starts", "2027-07-01T18:00+01:00" },
		{ "tz", "Europe/Oslo" },
	};
	struct core_field fe[] = {
		{ "name", "Not a meeting" },
	};
	struct core_field ff[] = {
		{ "title", "Removed meeting" },
		{ "starts", "2026-12-04T18:00+01:00" },
	};
	struct core_field fg[] = {
		{ "title", "No start" },
	};
	struct core_record recs[7];
	struct core_ics_obs tokyo = { 0, 540, 540, 0, "JST" };
	struct core_ics_tz tzs[3];
	struct core_buf b;
	char id[CORE_RID_TEXT], line[64];
	char *u;
	int folds;

	oslo_init();
	mkrec(&recs[0], CORE_RT_MEETING, 1, fa, sizeof fa / sizeof fa[0]);
	mkrec(&recs[1], CORE_RT_MEETING, 2, fb, sizeof fb / sizeof fb[0]);
	mkrec(&recs[2], CORE_RT_MEETING, 3, fc, sizeof fc / sizeof fc[0]);
	mkrec(&recs[3], CORE_RT_MEETING, 4, fd, sizeof fd / sizeof fd[0]);
	mkrec(&recs[4], CORE_RT_CONTACT, 5, fe, sizeof fe / sizeof fe[0]);
	mkrec(&recs[5], CORE_RT_MEETING, 6, ff, sizeof ff / sizeof ff[0]);
	recs[5].removed = true;
	mkrec(&recs[6], CORE_RT_MEETING, 7, fg, sizeof fg / sizeof fg[0]);
	tzs[0] = (struct core_ics_tz){ "Europe/Oslo", 3, oslo_obs };
	tzs[1] = (struct core_ics_tz){ "Asia/Tokyo", 1, &tokyo };
	tzs[2] = (struct core_ics_tz){ "Europe/Oslo", 3, oslo_obs };

	core_buf_init(&b);
	T_EQ_INT(core_ics_write(&b, recs, 7, tzs, 3,
	    local_secs(2026, 11, 23, 12, 0)), 0);
	folds = lines_ok(b.data, b.len);
	T_ASSERT(folds > 0);
	u = unfold(b.data);

	T_ASSERT(strncmp(u, "BEGIN:VCALENDAR\r\n", 17) == 0);
	T_ASSERT(has_line(u, "VERSION:2.0"));
	T_ASSERT(has_line(u, "PRODID:-//dugnad//dugnad//EN"));
	T_ASSERT(has_line(u, "CALSCALE:GREGORIAN"));
	T_ASSERT(strcmp(u + strlen(u) - 15, "END:VCALENDAR\r\n") == 0);

	/* One VTIMEZONE, for the zone in use, in the caller's order. */
	T_EQ_INT(count(u, "BEGIN:VTIMEZONE"), 1);
	T_EQ_INT(count(u, "Asia/Tokyo"), 0);
	T_ASSERT(strstr(u, "BEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\n"
	    "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\n"
	    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
	    "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\n"
	    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
	    "END:DAYLIGHT\r\n") != NULL);
	T_ASSERT(strstr(u, "END:VTIMEZONE") < strstr(u, "BEGIN:VEVENT"));

	T_EQ_INT(count(u, "BEGIN:VEVENT"), 4);
	T_EQ_INT(count(u, "Not a meeting"), 0);
	T_EQ_INT(count(u, "Removed meeting"), 0);
	T_EQ_INT(count(u, "No start"), 0);

	/* The meeting with everything. */
	core_record_id_text(recs[0].id, id);
	snprintf(line, sizeof line, "UID:%s@dugnad", id);
	T_ASSERT(has_line(u, line));
	T_ASSERT(has_line(u, "DTSTAMP:20261123T120000Z"));
	T_ASSERT(has_line(u, "DTSTART;TZID=Europe/Oslo:20261201T180000"));
	T_ASSERT(has_line(u, "DURATION:PT90M"));
	/* 30 June ends at 23:59:59 CEST, 21:59:59 UTC. */
	T_ASSERT(has_line(u,
	    "RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270630T215959Z"));
	T_ASSERT(has_line(u,
	    "SUMMARY:Kvinnegruppe\\, språkkafé\\; alle velkommen"));
	T_ASSERT(has_line(u, "LOCATION:Grünerløkka frivilligsentral\\, "
	    "Thorvald Meyers gate 1\\; 2. etasje (inngang fra gården\\, "
	    "ved sykkelstativet – følg skiltene «Kafé»)"));
	T_ASSERT(has_line(u, "URL:https://example.org/m?a=1;b=2,c"));
	T_ASSERT(has_line(u, "DESCRIPTION:Ta med matpakke.\\nC:\\\\temp\\, "
	    "ikke her\\n\\nOrganiser: Frivillig Oslo\\nContact: Amina\\n"
	    "Languages: nb\\,so\\,ar\\nCapacity: 30"));
	T_ASSERT(has_line(u, "X-DUGNAD-TITLE;LANGUAGE=ar:مجموعة النساء: "
	    "مقهى اللغة المفتوح، الجميع مرحب بهم. سنتحدث معًا عن الحياة "
	    "اليومية"));
	T_ASSERT(has_line(u, "X-DUGNAD-TITLE;LANGUAGE=so:Kooxda haweenka: "
	    "kafee luuqadeed oo furan\\, qof walba waa soo dhawaaday\\; "
	    "waxaan ka wada hadli doonaa nolosha maalinlaha"));

	/* In UTC without a zone; UNTIL at the end of the day at the
	 * offset "starts" was written with. */
	T_ASSERT(has_line(u, "DTSTART:20261204T170000Z"));
	T_ASSERT(has_line(u,
	    "RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270331T225959Z"));
	/* A zone the caller gave no observances for: UTC too. */
	T_ASSERT(has_line(u, "DTSTART:20261205T150000Z"));
	T_ASSERT(has_line(u, "DTSTART;TZID=Europe/Oslo:20270701T190000"));

	free(u);
	core_buf_fini(&b);
}

/* Folding at exactly 75 octets, and never inside a character. */
static void
test_fold(void)
{
	struct core_field f[] = {
		{ "title", NULL },
		{ "starts", "2026-12-04T18:00Z" },
	};
	char title[200];
	struct core_record r;
	struct core_buf b;
	const char *p;
	size_t i;

	/* "SUMMARY:" and 67 octets: 75, not folded. */
	memset(title, 'a', 67);
	title[67] = '\0';
	f[0].value = title;
	mkrec(&r, CORE_RT_MEETING, 9, f, 2);
	core_buf_init(&b);
	T_EQ_INT(core_ics_write(&b, &r, 1, NULL, 0, 0), 0);
	T_EQ_INT(lines_ok(b.data, b.len), 0);
	p = strstr(b.data, "SUMMARY:");
	T_ASSERT(p != NULL && p[75] == '\r');

	/* One more octet moves exactly one to a continuation line. */
	title[67] = 'b';
	title[68] = '\0';
	core_buf_reset(&b);
	T_EQ_INT(core_ics_write(&b, &r, 1, NULL, 0, 0), 0);
	T_EQ_INT(lines_ok(b.data, b.len), 1);
	p = strstr(b.data, "SUMMARY:");
	T_ASSERT(p != NULL && strncmp(p + 75, "\r\n b\r\n", 6) == 0);

	/* "ø" is two octets: 8 + 2 * 33 = 74 fit, the 34th would end at
	 * 76, so the first line is 74 octets long. */
	for (i = 0; i < 60; i++)
		memcpy(title + 2 * i, "ø", 2);
	title[120] = '\0';
	core_buf_reset(&b);
	T_EQ_INT(core_ics_write(&b, &r, 1, NULL, 0, 0), 0);
	T_EQ_INT(lines_ok(b.data, b.len), 1);
	p = strstr(b.data, "SUMMARY:");
	T_ASSERT(p != NULL && strncmp(p + 74, "\r\n ø", 5) == 0);
	core_buf_fini(&b);
}

static void
test_escape(void)
{
	struct core_field f[] = {
		{ "title", "a\\b,c;d\ne\r\nf\rg\th\x01i" },
		{ "starts", "2026-12-04T18:00Z" },
	};
	struct core_record r;
	struct core_buf b;

	mkrec(&r, CORE_RT_MEETING, 9, f, 2);
	core_buf_init(&b);
	T_EQ_INT(core_ics_write(&b, &r, 1, NULL, 0, 0), 0);
	T_ASSERT(has_line(b.data,
	    "SUMMARY:a\\\\b\\,c\\;d\\ne\\nf\\ng\th" "i"));
	core_buf_fini(&b);
}

static int
have_zoneinfo(void)
{
	if (access("/usr/share/zoneinfo/Europe/Oslo", R_OK) == 0)
		return 1;
	printf("     (no tz database: skipped)\n");
	return 0;
}

static void
test_tz_observances(void)
{
	struct core_ics_obs *obs = NULL;
	const char *env;
	size_t n = 0;
	int64_t from = local_secs(2026, 1, 1, 0, 0);
	int64_t to = local_secs(2027, 1, 1, 0, 0);

	if (!have_zoneinfo())
		return;
	T_EQ_INT(setenv("TZ", "Asia/Tokyo", 1), 0);
	T_EQ_INT(cli_tz_observances("Europe/Oslo", from, to, &obs, &n), 0);
	env = getenv("TZ");
	T_ASSERT(env != NULL && strcmp(env, "Asia/Tokyo") == 0);
	T_EQ_INT(n, 3);
	/* In force on 1 January: CET since the end of October 2025. */
	T_EQ_INT(obs[0].start_local, local_secs(2025, 10, 26, 3, 0));
	T_EQ_INT(obs[0].offset_from, 120);
	T_EQ_INT(obs[0].offset_to, 60);
	T_EQ_INT(obs[0].is_dst, 0);
	T_EQ_STR(obs[0].name, "CET");
	T_EQ_INT(obs[1].start_local, local_secs(2026, 3, 29, 2, 0));
	T_EQ_INT(obs[1].offset_from, 60);
	T_EQ_INT(obs[1].offset_to, 120);
	T_EQ_INT(obs[1].is_dst, 1);
	T_EQ_STR(obs[1].name, "CEST");
	T_EQ_INT(obs[2].start_local, local_secs(2026, 10, 25, 3, 0));
	T_EQ_INT(obs[2].offset_to, 60);
	free(obs);
	obs = NULL;

	T_EQ_INT(unsetenv("TZ"), 0);
	T_EQ_INT(cli_tz_observances("UTC", from, to, &obs, &n), 0);
	T_ASSERT(getenv("TZ") == NULL);
	T_EQ_INT(n, 1);
	T_EQ_INT(obs[0].start_local, from);
	T_EQ_INT(obs[0].offset_from, 0);
	T_EQ_INT(obs[0].offset_to, 0);
	free(obs);
	obs = NULL;

	/* Southern hemisphere: DST across the new year. */
	T_EQ_INT(cli_tz_observances("Australia/Sydney", from, to, &obs, &n),
	    0);
	T_EQ_INT(n, 3);
	T_EQ_INT(obs[0].offset_to, 660);
	T_EQ_INT(obs[0].is_dst, 1);
	T_EQ_INT(obs[1].start_local, local_secs(2026, 4, 5, 3, 0));
	T_EQ_INT(obs[1].offset_to, 600);
	T_EQ_INT(obs[2].start_local, local_secs(2026, 10, 4, 2, 0));
	free(obs);
	obs = NULL;

	T_EQ_INT(cli_tz_observances("../etc/passwd", from, to, &obs, &n),
	    DG_EINVAL);
	T_EQ_INT(cli_tz_observances("/etc/passwd", from, to, &obs, &n),
	    DG_EINVAL);
	T_EQ_INT(cli_tz_observances("Europe/../../etc", from, to, &obs, &n),
	    DG_EINVAL);
	T_EQ_INT(cli_tz_observances("Nowhere/City", from, to, &obs, &n),
	    DG_ENOTFOUND);
	T_EQ_INT(cli_tz_observances("Europe", from, to, &obs, &n),
	    DG_ENOTFOUND);
	T_EQ_INT(cli_tz_observances("Europe/Oslo", to, from, &obs, &n),
	    DG_EINVAL);
	T_ASSERT(obs == NULL);
}

static void
test_tz_local(void)
{
	char name[64];

	if (!have_zoneinfo())
		return;
	T_EQ_INT(setenv("TZ", "Europe/Oslo", 1), 0);
	T_EQ_INT(cli_tz_local(name, sizeof name), 0);
	T_EQ_STR(name, "Europe/Oslo");
	T_EQ_INT(setenv("TZ", ":Asia/Tokyo", 1), 0);
	T_EQ_INT(cli_tz_local(name, sizeof name), 0);
	T_EQ_STR(name, "Asia/Tokyo");
	T_EQ_INT(setenv("TZ", "/usr/share/zoneinfo/America/New_York", 1), 0);
	T_EQ_INT(cli_tz_local(name, sizeof name), 0);
	T_EQ_STR(name, "America/New_York");
	T_EQ_INT(cli_tz_local(name, 5), DG_ELIMIT);
	/* A POSIX rule names no zone: the system's zone is used. */
	T_EQ_INT(setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1), 0);
	T_EQ_INT(cli_tz_local(name, sizeof name), 0);
	T_ASSERT(name[0] != '\0' && strchr(name, ',') == NULL);
	T_EQ_INT(unsetenv("TZ"), 0);
}

/* The zone file's observances through the writer, end to end. */
static void
test_tz_to_ics(void)
{
	struct core_field f[] = {
		{ "title", "Dugnad" },
		{ "starts", "2026-12-04T18:00+01:00" },
		{ "tz", "Europe/Oslo" },
		{ "repeat", "weekly" },
	};
	struct core_ics_obs *obs = NULL;
	struct core_ics_tz tz;
	struct core_record r;
	struct core_buf b;
	size_t n = 0;
	char *u;

	if (!have_zoneinfo())
		return;
	T_EQ_INT(cli_tz_observances("Europe/Oslo",
	    local_secs(2026, 12, 1, 0, 0), local_secs(2027, 12, 31, 0, 0),
	    &obs, &n), 0);
	T_EQ_INT(n, 3);
	tz = (struct core_ics_tz){ "Europe/Oslo", n, obs };
	mkrec(&r, CORE_RT_MEETING, 3, f, 4);
	core_buf_init(&b);
	T_EQ_INT(core_ics_write(&b, &r, 1, &tz, 1, 0), 0);
	T_ASSERT(lines_ok(b.data, b.len) >= 0);
	u = unfold(b.data);
	T_ASSERT(strstr(u, "BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\n"
	    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n")
	    != NULL);
	T_ASSERT(strstr(u, "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\n"
	    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n")
	    != NULL);
	T_ASSERT(has_line(u, "DTSTART;TZID=Europe/Oslo:20261204T180000"));
	T_ASSERT(has_line(u, "RRULE:FREQ=WEEKLY"));
	free(u);
	free(obs);
	core_buf_fini(&b);
}

T_MAIN(T_CASE(test_calendar), T_CASE(test_fold), T_CASE(test_escape),
    T_CASE(test_tz_observances), T_CASE(test_tz_local),
    T_CASE(test_tz_to_ics))
