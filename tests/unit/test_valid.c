#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/schema.h"
#include "core/valid.h"
#include "tests/unit/t.h"

/* Canonical form of in as type t, or "ERR <code>: <why>" so a failing
 * comparison shows what went wrong.  Returns a static buffer. */
static const char *
canon(enum core_ftype t, const char *in)
{
	static char res[512];
	char why[256], *out = (char *)1;
	int rc;

	why[0] = 'x';
	rc = core_valid_value(t, in, &out, why, sizeof(why));
	if (rc != 0) {
		if (out != NULL)
			return "ERR canon not NULL";
		if (why[0] == '\0')
			return "ERR empty why";
		snprintf(res, sizeof(res), "ERR %d: %s", rc, why);
		return res;
	}
	if (out == NULL)
		return "ERR NULL canon";
	snprintf(res, sizeof(res), "%s", out);
	free(out);
	return res;
}

/* The error code of a rejected value (0 when accepted). */
static int
rc_of(enum core_ftype t, const char *in)
{
	char *out = NULL;
	int rc;

	rc = core_valid_value(t, in, &out, NULL, 0);
	free(out);
	return rc;
}

static int
has(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

#define GOOD(t, in, want) T_EQ_STR(canon(t, in), want)
#define BAD(t, in) T_EQ_INT(rc_of(t, in), DG_EINVAL)

static void
test_text(void)
{
	GOOD(CORE_FT_TEXT, "Amina Hassan", "Amina Hassan");
	GOOD(CORE_FT_TEXT, "  \t Amina \n", "Amina");
	GOOD(CORE_FT_TEXT, "\xc2\xa0no-break\xe3\x80\x80", "no-break");
	GOOD(CORE_FT_TEXT, "line 1\nline 2\tx", "line 1\nline 2\tx");
	/* Trimmed from both ends by code point: white space of one to
	 * three bytes at either end, kept inside, next to letters of two
	 * and three bytes (the search from the back stops at them). */
	GOOD(CORE_FT_TEXT, "\xe3\x80\x80 \xc3\x85se \xc2\xa0 \xc3\x98\xc2\xa0\xe2\x80\xa9",
	    "\xc3\x85se \xc2\xa0 \xc3\x98");
	GOOD(CORE_FT_TEXT, "\xe2\x82\xac\xe3\x80\x80", "\xe2\x82\xac");
	GOOD(CORE_FT_TEXT, "\xc2\xa0\xe2\x82\xac", "\xe2\x82\xac");
	GOOD(CORE_FT_TEXT, "\xc3\x85", "\xc3\x85");
	BAD(CORE_FT_TEXT, "\xc2\xa0\xe3\x80\x80\xe2\x80\xa9");
	GOOD(CORE_FT_PHONE, "\xc2\xa0+47 912\xe3\x80\x80\n", "+47 912");
	BAD(CORE_FT_PHONE, "\xc2\xa0+47\n912\xc2\xa0");
	BAD(CORE_FT_EMAIL, " a@b.org\t\xc2\xa0x");
	/* NFC: e + combining acute becomes é. */
	GOOD(CORE_FT_TEXT, "Cafe\xcc\x81", "Caf\xc3\xa9");
	GOOD(CORE_FT_TEXT, "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",
	    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7");
	BAD(CORE_FT_TEXT, "");
	BAD(CORE_FT_TEXT, " \n\t ");
	BAD(CORE_FT_TEXT, "bell\a");
	BAD(CORE_FT_TEXT, "a\r\nb");
	BAD(CORE_FT_TEXT, "\x1b[31mred");
	T_EQ_INT(rc_of(CORE_FT_TEXT, "bad \xc3("), DG_EUTF8);
	T_EQ_INT(rc_of(CORE_FT_TEXT, "\xed\xa0\x80"), DG_EUTF8);
	T_ASSERT(has(canon(CORE_FT_TEXT, "   "), "text"));
}

static void
test_limits(void)
{
	char *big = malloc(CORE_VALUE_MAX + 2), why[64], tiny[8], *out;
	int rc;

	T_ASSERT(big != NULL);
	memset(big, 'a', CORE_VALUE_MAX);
	big[CORE_VALUE_MAX] = '\0';
	rc = core_valid_value(CORE_FT_TEXT, big, &out, why, sizeof(why));
	T_EQ_INT(rc, 0);
	T_EQ_INT(strlen(out), CORE_VALUE_MAX);
	free(out);
	big[CORE_VALUE_MAX] = 'a';
	big[CORE_VALUE_MAX + 1] = '\0';
	rc = core_valid_value(CORE_FT_TEXT, big, &out, why, sizeof(why));
	T_EQ_INT(rc, DG_ELIMIT);
	T_ASSERT(out == NULL);
	T_ASSERT(has(why, "4096"));
	T_EQ_INT(rc_of(CORE_FT_INT, big), DG_ELIMIT);
	free(big);
	/* A short why buffer is truncated, not overrun. */
	rc = core_valid_value(CORE_FT_DATE, "x", &out, tiny, sizeof(tiny));
	T_EQ_INT(rc, DG_EINVAL);
	T_EQ_INT(strlen(tiny), sizeof(tiny) - 1);
	rc = core_valid_value(CORE_FT_DATE, "x", &out, why, 0);
	T_EQ_INT(rc, DG_EINVAL);
	T_EQ_INT(rc_of((enum core_ftype)99, "x"), DG_EINVAL);
}

static void
test_one_line(void)
{
	/* Every type but TEXT is one line; white space at the ends goes. */
	GOOD(CORE_FT_LANGS, "\n nb \t", "nb");
	BAD(CORE_FT_LANGS, "nb\nso");
	BAD(CORE_FT_PHONE, "22\t33 44");
	BAD(CORE_FT_EMAIL, "a@b.no\n c");
	T_ASSERT(has(canon(CORE_FT_LANGS, "nb\nso"), "one line"));
	T_EQ_INT(rc_of(CORE_FT_URL, "https://\xff.no"), DG_EUTF8);
}

static void
test_langs(void)
{
	GOOD(CORE_FT_LANGS, "nb,so,ar,zh-Hant-TW", "nb,so,ar,zh-Hant-TW");
	GOOD(CORE_FT_LANGS, "NB, So , AR", "nb,so,ar");
	GOOD(CORE_FT_LANGS, "zh-hant-tw", "zh-Hant-TW");
	GOOD(CORE_FT_LANGS, "ZH-HANT-TW", "zh-Hant-TW");
	GOOD(CORE_FT_LANGS, "sr-latn-rs,SR-Latn-RS", "sr-Latn-RS");
	GOOD(CORE_FT_LANGS, "nb,nb,NB,so,nb", "nb,so");
	GOOD(CORE_FT_LANGS, "nb,,so,", "nb,so");
	GOOD(CORE_FT_LANGS, "es-419", "es-419");
	GOOD(CORE_FT_LANGS, "de-ch-1996", "de-CH-1996");
	GOOD(CORE_FT_LANGS, "sl-rozaj-biske", "sl-rozaj-biske");
	GOOD(CORE_FT_LANGS, "zh-yue-HK", "zh-yue-HK");
	GOOD(CORE_FT_LANGS, "en-US-u-ca-gregory-x-Private",
	    "en-US-u-ca-gregory-x-private");
	GOOD(CORE_FT_LANGS, "en-x-a", "en-x-a");
	GOOD(CORE_FT_LANGS, "fil", "fil");
	GOOD(CORE_FT_LANGS, "kurmanji", "kurmanji");
	BAD(CORE_FT_LANGS, ",");
	BAD(CORE_FT_LANGS, "en_US");
	BAD(CORE_FT_LANGS, "en-");
	BAD(CORE_FT_LANGS, "-en");
	BAD(CORE_FT_LANGS, "en--US");
	BAD(CORE_FT_LANGS, "e");
	BAD(CORE_FT_LANGS, "abcd");
	BAD(CORE_FT_LANGS, "toolonglang");
	BAD(CORE_FT_LANGS, "123");
	BAD(CORE_FT_LANGS, "nb so");
	BAD(CORE_FT_LANGS, "i-klingon");
	BAD(CORE_FT_LANGS, "zh-min-nan");
	/* The shortest grandfathered tags, in any case. */
	BAD(CORE_FT_LANGS, "no-bok");
	BAD(CORE_FT_LANGS, "NO-NYN");
	BAD(CORE_FT_LANGS, "nb, zh-min");
	BAD(CORE_FT_LANGS, "art-lojban");
	BAD(CORE_FT_LANGS, "en-GB-oed");
	BAD(CORE_FT_LANGS, "x-private");
	BAD(CORE_FT_LANGS, "en-a");
	BAD(CORE_FT_LANGS, "en-a-x-foo");
	BAD(CORE_FT_LANGS, "en-x");
	BAD(CORE_FT_LANGS, "en-US-US");
	BAD(CORE_FT_LANGS, "de-1996-1996");
	BAD(CORE_FT_LANGS, "en-a-aa-a-bb");
	BAD(CORE_FT_LANGS, "en-abcdefghi");
	BAD(CORE_FT_LANGS, "nb,\xc3\xb8");
	T_ASSERT(has(canon(CORE_FT_LANGS, "norsk!"), "nb,so"));
}

static void
test_lang_direct(void)
{
	char out[16];

	T_EQ_INT(core_valid_lang("ZH-hant", 7, out, sizeof(out)), 0);
	T_EQ_STR(out, "zh-Hant");
	T_EQ_INT(core_valid_lang("en-USx", 5, out, sizeof(out)), 0);
	T_EQ_STR(out, "en-US");
	T_EQ_INT(core_valid_lang("zh-Hant-TW", 10, out, 10), DG_ELIMIT);
	T_EQ_INT(core_valid_lang("zh-Hant-TW", 10, out, 11), 0);
	T_EQ_INT(core_valid_lang("", 0, out, sizeof(out)), DG_EINVAL);
	T_EQ_INT(core_valid_lang("en US", 5, out, sizeof(out)), DG_EINVAL);
}

static void
test_phone(void)
{
	GOOD(CORE_FT_PHONE, "+47 22 33 44 55", "+47 22 33 44 55");
	GOOD(CORE_FT_PHONE, "+47 22-33-44-55", "+47 22 33 44 55");
	GOOD(CORE_FT_PHONE, "(22) 33.44.55", "22 33 44 55");
	GOOD(CORE_FT_PHONE, "+  47   22  -  33", "+47 22 33");
	GOOD(CORE_FT_PHONE, "+4722334455", "+4722334455");
	GOOD(CORE_FT_PHONE, "112", "112");
	GOOD(CORE_FT_PHONE, "12345678901234567890", "12345678901234567890");
	BAD(CORE_FT_PHONE, "12");
	BAD(CORE_FT_PHONE, "+1 2");
	BAD(CORE_FT_PHONE, "123456789012345678901");
	/* The longest canonical form: '+', 20 digits, 19 spaces. */
	GOOD(CORE_FT_PHONE, "(+1) 2-3-4-5-6-7-8-9-0-1-2-3-4-5-6-7-8-9-0",
	    "+1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0");
	BAD(CORE_FT_PHONE, "+1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2");
	BAD(CORE_FT_PHONE, "+1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 x");
	BAD(CORE_FT_PHONE, "47+22");
	BAD(CORE_FT_PHONE, "++47 22");
	BAD(CORE_FT_PHONE, "22 33 44 55 ext 3");
	BAD(CORE_FT_PHONE, "phone");
	BAD(CORE_FT_PHONE, "+");
	BAD(CORE_FT_PHONE, "22/33/44");
	T_ASSERT(has(canon(CORE_FT_PHONE, "x"), "+47 22 33 44 55"));
}

static void
test_email(void)
{
	char long_addr[300];

	GOOD(CORE_FT_EMAIL, "name@example.org", "name@example.org");
	GOOD(CORE_FT_EMAIL, "Amina.Hassan@Example.ORG",
	    "Amina.Hassan@example.org");
	GOOD(CORE_FT_EMAIL, " a+tag@mail.b-c.no ", "a+tag@mail.b-c.no");
	/* A domain longer than add_lower's run of 64, non-ASCII inside. */
	GOOD(CORE_FT_EMAIL, "A@ABCDEFGHIJKLMNOPQRSTUVWXYZ-ABCDEFGHIJKLMNOPQRSTUVWXYZ."
	    "ABCDEFGHIJKLMNOPQRST\xc3\x85UVWXYZ.NO",
	    "A@abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstuvwxyz."
	    "abcdefghijklmnopqrst\xc3\xa5uvwxyz.no");
	GOOD(CORE_FT_EMAIL, "ola@BL\xc3\x85" "B\xc3\x86R.no",
	    "ola@bl\xc3\xa5" "b\xc3\xa6r.no");
	BAD(CORE_FT_EMAIL, "name");
	BAD(CORE_FT_EMAIL, "name@example");
	BAD(CORE_FT_EMAIL, "@example.org");
	BAD(CORE_FT_EMAIL, "a@@example.org");
	BAD(CORE_FT_EMAIL, "a@b@example.org");
	BAD(CORE_FT_EMAIL, "a b@example.org");
	BAD(CORE_FT_EMAIL, "a@exa mple.org");
	BAD(CORE_FT_EMAIL, "a@.example.org");
	BAD(CORE_FT_EMAIL, "a@example.org.");
	BAD(CORE_FT_EMAIL, "a@example..org");
	BAD(CORE_FT_EMAIL, "a@-example.org");
	BAD(CORE_FT_EMAIL, "a@example_x.org");
	BAD(CORE_FT_EMAIL, ".a@example.org");
	BAD(CORE_FT_EMAIL, "a.@example.org");
	BAD(CORE_FT_EMAIL, "a..b@example.org");
	BAD(CORE_FT_EMAIL, "Amina <a@example.org>");
	BAD(CORE_FT_EMAIL, "a\xe2\x80\x8b@example.org");
	BAD(CORE_FT_EMAIL, "a@exa\xc2\xa0mple.org");
	memset(long_addr, 'a', sizeof(long_addr));
	memcpy(long_addr + 240, "@example.org", 13); /* 252 bytes: fine */
	T_EQ_INT(rc_of(CORE_FT_EMAIL, long_addr), 0);
	memcpy(long_addr + 243, "@example.org", 13); /* 255 bytes */
	T_EQ_INT(rc_of(CORE_FT_EMAIL, long_addr), DG_ELIMIT);
	T_ASSERT(has(canon(CORE_FT_EMAIL, "x"), "name@example.org"));
}

static void
test_url(void)
{
	char *big;

	GOOD(CORE_FT_URL, "https://example.org", "https://example.org");
	GOOD(CORE_FT_URL, "HTTPS://Example.ORG/Path?Q=1#Top",
	    "https://example.org/Path?Q=1#Top");
	GOOD(CORE_FT_URL, "http://localhost:8080/x", "http://localhost:8080/x");
	GOOD(CORE_FT_URL, "https://[2001:db8::1]:443/",
	    "https://[2001:db8::1]:443/");
	GOOD(CORE_FT_URL, "https://example.org?x", "https://example.org?x");
	GOOD(CORE_FT_URL, "https://meet.example.org/a%20b",
	    "https://meet.example.org/a%20b");
	GOOD(CORE_FT_URL, "https://bl\xc3\x85" "b\xc3\xa6r.no/\xc3\x85",
	    "https://bl\xc3\xa5" "b\xc3\xa6r.no/\xc3\x85");
	BAD(CORE_FT_URL, "example.org");
	BAD(CORE_FT_URL, "ftp://example.org");
	BAD(CORE_FT_URL, "javascript:alert(1)");
	BAD(CORE_FT_URL, "https://");
	BAD(CORE_FT_URL, "https:///path");
	BAD(CORE_FT_URL, "https:// example.org");
	BAD(CORE_FT_URL, "https://example.org/a b");
	BAD(CORE_FT_URL, "https://exa\xe2\x80\xaemple.org");
	BAD(CORE_FT_URL, "https://user:pw@example.org/");
	BAD(CORE_FT_URL, "https://example.org:0/");
	BAD(CORE_FT_URL, "https://example.org:65536/");
	BAD(CORE_FT_URL, "https://example.org:/");
	BAD(CORE_FT_URL, "https://example.org:8o/");
	BAD(CORE_FT_URL, "https://example..org/");
	BAD(CORE_FT_URL, "https://[]/");
	BAD(CORE_FT_URL, "https://[::1/");
	T_ASSERT(has(canon(CORE_FT_URL, "https://a@b.no"), "user name"));
	T_ASSERT(has(canon(CORE_FT_URL, "x"), "https://"));
	big = malloc(2100);
	T_ASSERT(big != NULL);
	memcpy(big, "https://example.org/", 20);
	memset(big + 20, 'a', 2028);
	big[2048] = '\0';
	T_EQ_INT(rc_of(CORE_FT_URL, big), 0);
	big[2048] = 'a';
	big[2049] = '\0';
	T_EQ_INT(rc_of(CORE_FT_URL, big), DG_ELIMIT);
	free(big);
}

static void
test_datetime(void)
{
	GOOD(CORE_FT_DATETIME, "2026-12-04T18:00+01:00",
	    "2026-12-04T18:00+01:00");
	GOOD(CORE_FT_DATETIME, "2026-12-04 18:00+0100",
	    "2026-12-04T18:00+01:00");
	GOOD(CORE_FT_DATETIME, "2026-12-04t18:00:00+01:00",
	    "2026-12-04T18:00+01:00");
	GOOD(CORE_FT_DATETIME, "2026-12-04T18:00:30+01:00",
	    "2026-12-04T18:00:30+01:00");
	GOOD(CORE_FT_DATETIME, "2026-12-04T17:00Z", "2026-12-04T17:00Z");
	GOOD(CORE_FT_DATETIME, "2026-12-04T17:00z", "2026-12-04T17:00Z");
	GOOD(CORE_FT_DATETIME, "2026-12-04T17:00+00:00", "2026-12-04T17:00Z");
	GOOD(CORE_FT_DATETIME, "2026-12-04T17:00-00:00", "2026-12-04T17:00Z");
	GOOD(CORE_FT_DATETIME, "2026-12-04T08:15-05:30",
	    "2026-12-04T08:15-05:30");
	GOOD(CORE_FT_DATETIME, "2026-12-04T00:00+14:00",
	    "2026-12-04T00:00+14:00");
	GOOD(CORE_FT_DATETIME, "2026-12-04T23:59:59-23:59",
	    "2026-12-04T23:59:59-23:59");
	GOOD(CORE_FT_DATETIME, " 0001-01-01T00:00Z ", "0001-01-01T00:00Z");
	GOOD(CORE_FT_DATETIME, "9999-12-31T23:59Z", "9999-12-31T23:59Z");
	/* Leap years: every fourth, but not centuries, except every 400. */
	GOOD(CORE_FT_DATETIME, "2024-02-29T10:00Z", "2024-02-29T10:00Z");
	GOOD(CORE_FT_DATETIME, "2000-02-29T10:00Z", "2000-02-29T10:00Z");
	BAD(CORE_FT_DATETIME, "2026-02-29T10:00Z");
	BAD(CORE_FT_DATETIME, "1900-02-29T10:00Z");
	BAD(CORE_FT_DATETIME, "2100-02-29T10:00Z");
	BAD(CORE_FT_DATETIME, "2026-02-30T10:00Z");
	BAD(CORE_FT_DATETIME, "2026-04-31T10:00Z");
	BAD(CORE_FT_DATETIME, "2026-13-01T10:00Z");
	BAD(CORE_FT_DATETIME, "2026-00-01T10:00Z");
	BAD(CORE_FT_DATETIME, "2026-01-00T10:00Z");
	BAD(CORE_FT_DATETIME, "0000-01-01T10:00Z");
	BAD(CORE_FT_DATETIME, "2026-12-04T24:00Z");
	BAD(CORE_FT_DATETIME, "2026-12-04T23:60Z");
	BAD(CORE_FT_DATETIME, "2026-12-04T23:59:60Z");
	BAD(CORE_FT_DATETIME, "2026-12-04T18:00+24:00");
	BAD(CORE_FT_DATETIME, "2026-12-04T18:00+01:60");
	BAD(CORE_FT_DATETIME, "2026-12-04T18:00");
	BAD(CORE_FT_DATETIME, "2026-12-04T18:00+1");
	BAD(CORE_FT_DATETIME, "2026-12-04T18:00+01");
	BAD(CORE_FT_DATETIME, "2026-12-04T18:00+01:00:00");
	BAD(CORE_FT_DATETIME, "2026-12-04T18:00:5Z");
	BAD(CORE_FT_DATETIME, "2026-12-04T18:00:00.5Z");
	BAD(CORE_FT_DATETIME, "2026-12-04T18Z");
	BAD(CORE_FT_DATETIME, "2026-12-04");
	BAD(CORE_FT_DATETIME, "26-12-04T18:00Z");
	BAD(CORE_FT_DATETIME, "2026/12/04T18:00Z");
	BAD(CORE_FT_DATETIME, "2026-12-04T18:00ZZ");
	BAD(CORE_FT_DATETIME, "2026-12-04X18:00Z");
	BAD(CORE_FT_DATETIME, "tomorrow");
	T_ASSERT(has(canon(CORE_FT_DATETIME, "x"), "2026-12-04T18:00+01:00"));
	T_ASSERT(has(canon(CORE_FT_DATETIME, "2026-12-04T18:00"), "offset"));
	T_ASSERT(has(canon(CORE_FT_DATETIME, "2026-02-30T18:00Z"), "no such"));
	T_ASSERT(has(canon(CORE_FT_DATETIME, "2026-02-03T25:00Z"), "23:59"));
	T_ASSERT(has(canon(CORE_FT_DATETIME, "2026-02-03T20:00+25:00"),
	    "offset"));
}

static void
test_date(void)
{
	GOOD(CORE_FT_DATE, "2026-12-24", "2026-12-24");
	GOOD(CORE_FT_DATE, " 2024-02-29 ", "2024-02-29");
	BAD(CORE_FT_DATE, "2026-02-29");
	BAD(CORE_FT_DATE, "2026-12-32");
	BAD(CORE_FT_DATE, "2026-1-5");
	BAD(CORE_FT_DATE, "2026-12-24T00:00Z");
	BAD(CORE_FT_DATE, "24.12.2026");
	T_ASSERT(has(canon(CORE_FT_DATE, "2026-02-29"), "no such date"));
}

static void
test_datetime_parse(void)
{
	struct core_datetime dt;

	T_EQ_INT(core_valid_datetime_parse("2026-12-04T18:00+01:00", &dt), 0);
	T_EQ_INT(dt.year, 2026);
	T_EQ_INT(dt.month, 12);
	T_EQ_INT(dt.day, 4);
	T_EQ_INT(dt.hour, 18);
	T_EQ_INT(dt.min, 0);
	T_EQ_INT(dt.sec, 0);
	T_EQ_INT(dt.offset_min, 60);
	T_EQ_INT(core_datetime_to_unix(&dt), 1796403600);
	T_EQ_INT(core_valid_datetime_parse("2026-12-04T17:00Z", &dt), 0);
	T_EQ_INT(core_datetime_to_unix(&dt), 1796403600);
	T_EQ_INT(core_valid_datetime_parse("2026-12-04T11:30-05:30", &dt), 0);
	T_EQ_INT(dt.offset_min, -330);
	T_EQ_INT(core_datetime_to_unix(&dt), 1796403600);
	T_EQ_INT(core_valid_datetime_parse("1970-01-01T00:00Z", &dt), 0);
	T_EQ_INT(core_datetime_to_unix(&dt), 0);
	T_EQ_INT(core_valid_datetime_parse("0001-01-01T00:00Z", &dt), 0);
	T_EQ_INT(core_datetime_to_unix(&dt), -62135596800LL);
	T_EQ_INT(core_valid_datetime_parse("9999-12-31T23:59:59Z", &dt), 0);
	T_EQ_INT(core_datetime_to_unix(&dt), 253402300799LL);
	T_EQ_INT(core_valid_datetime_parse("2026-12-04T18:00", &dt),
	    DG_EINVAL);
	T_EQ_INT(core_valid_datetime_parse(" 2026-12-04T18:00Z", &dt),
	    DG_EINVAL);
}

static void
test_from_unix(void)
{
	struct core_datetime dt;

	core_datetime_from_unix(1796403600, 60, &dt);
	T_EQ_INT(dt.year, 2026);
	T_EQ_INT(dt.month, 12);
	T_EQ_INT(dt.day, 4);
	T_EQ_INT(dt.hour, 18);
	T_EQ_INT(dt.min, 0);
	T_EQ_INT(dt.offset_min, 60);
	/* One second before the epoch, seen from UTC-05:30. */
	core_datetime_from_unix(-1, -330, &dt);
	T_EQ_INT(dt.year, 1969);
	T_EQ_INT(dt.month, 12);
	T_EQ_INT(dt.day, 31);
	T_EQ_INT(dt.hour, 18);
	T_EQ_INT(dt.min, 29);
	T_EQ_INT(dt.sec, 59);
	/* An offset that moves the wall clock into the next year. */
	core_datetime_from_unix(1798761540, 1439, &dt); /* 2026-12-31T23:59Z */
	T_EQ_INT(dt.year, 2027);
	T_EQ_INT(dt.month, 1);
	T_EQ_INT(dt.day, 1);
	T_EQ_INT(dt.hour, 23);
	T_EQ_INT(dt.min, 58);
	core_datetime_from_unix(-62135596800LL, 0, &dt);
	T_EQ_INT(dt.year, 1);
	T_EQ_INT(dt.month, 1);
	T_EQ_INT(dt.day, 1);
	core_datetime_from_unix(253402300799LL, 0, &dt);
	T_EQ_INT(dt.year, 9999);
	T_EQ_INT(dt.sec, 59);
	/* Extremes must not overflow (no UB under UBSan). */
	core_datetime_from_unix(INT64_MAX, 1439, &dt);
	core_datetime_from_unix(INT64_MIN, -1439, &dt);
}

static void
test_civil(void)
{
	int y, m, d, dim, w;
	int64_t days, want;
	struct core_datetime dt;

	T_EQ_INT(core_datetime_days(1970, 1, 1), 0);
	T_EQ_INT(core_datetime_days(1969, 12, 31), -1);
	T_EQ_INT(core_datetime_days(2000, 3, 1), 11017);
	T_EQ_INT(core_datetime_days(1600, 2, 29), -135081);
	T_EQ_INT(core_datetime_days(1, 1, 1), -719162);
	T_EQ_INT(core_datetime_days(9999, 12, 31), 2932896);
	T_EQ_INT(core_datetime_weekday(1970, 1, 1), 3);  /* Thursday */
	T_EQ_INT(core_datetime_weekday(2026, 12, 4), 4); /* Friday */
	T_EQ_INT(core_datetime_weekday(1, 1, 1), 0);     /* Monday */
	T_EQ_INT(core_datetime_weekday(1969, 12, 31), 2);
	T_EQ_INT(core_datetime_weekday(9999, 12, 31), 4);
	/* Every day of years 1..9999: consecutive, round trip, weekday. */
	want = core_datetime_days(1, 1, 1);
	w = 0;
	for (y = 1; y <= 9999; y++) {
		for (m = 1; m <= 12; m++) {
			dim = m == 2 ? ((y % 4 == 0 && y % 100 != 0) ||
			    y % 400 == 0 ? 29 : 28) :
			    (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
			for (d = 1; d <= dim; d++) {
				days = core_datetime_days(y, m, d);
				if (days != want)
					T_EQ_INT(days, want);
				if (core_datetime_weekday(y, m, d) != w)
					T_EQ_INT(core_datetime_weekday(y, m, d),
					    w);
				core_datetime_from_unix(days * 86400 + 43200,
				    0, &dt);
				/* YYYYMMDDHH, so a failure shows the day. */
				if (dt.year != y || dt.month != m ||
				    dt.day != d || dt.hour != 12)
					T_EQ_INT(dt.year * 1000000LL +
					    dt.month * 10000 + dt.day * 100 +
					    dt.hour, y * 1000000LL + m * 10000 +
					    d * 100 + 12);
				want++;
				w = (w + 1) % 7;
			}
		}
	}
}

static void
test_tz(void)
{
	GOOD(CORE_FT_TZ, "Europe/Oslo", "Europe/Oslo");
	GOOD(CORE_FT_TZ, "America/Argentina/Buenos_Aires",
	    "America/Argentina/Buenos_Aires");
	GOOD(CORE_FT_TZ, "America/Port-au-Prince", "America/Port-au-Prince");
	GOOD(CORE_FT_TZ, "Etc/GMT+5", "Etc/GMT+5");
	GOOD(CORE_FT_TZ, "utc", "UTC");
	GOOD(CORE_FT_TZ, "UTC", "UTC");
	BAD(CORE_FT_TZ, "Europe//Oslo");
	BAD(CORE_FT_TZ, "/Europe/Oslo");
	BAD(CORE_FT_TZ, "Europe/");
	BAD(CORE_FT_TZ, "Europe/Oslo Time");
	BAD(CORE_FT_TZ, "Europe/../Oslo");
	BAD(CORE_FT_TZ, "+01:00");
	BAD(CORE_FT_TZ, "1Europe");
	BAD(CORE_FT_TZ, "Europa/\xc3\x98sl\xc3\xb8");
	BAD(CORE_FT_TZ, "Aaaaaaaaaa/Bbbbbbbbbbbbbbbbbbbbbbbb/Ccccccccccccccccc"
	    "ccccccccccccc");
	T_ASSERT(has(canon(CORE_FT_TZ, "x y"), "Europe/Oslo"));
}

static void
test_duration(void)
{
	GOOD(CORE_FT_DURATION, "90m", "90");
	GOOD(CORE_FT_DURATION, "1h30m", "90");
	GOOD(CORE_FT_DURATION, "1h", "60");
	GOOD(CORE_FT_DURATION, "90", "90");
	GOOD(CORE_FT_DURATION, "1:30", "90");
	GOOD(CORE_FT_DURATION, "0:05", "5");
	GOOD(CORE_FT_DURATION, "1h30", "90");
	GOOD(CORE_FT_DURATION, "1H 30M", "90");
	GOOD(CORE_FT_DURATION, "2 h", "120");
	GOOD(CORE_FT_DURATION, "45 min", "45");
	GOOD(CORE_FT_DURATION, "168h", "10080");
	GOOD(CORE_FT_DURATION, "10080", "10080");
	GOOD(CORE_FT_DURATION, "1", "1");
	BAD(CORE_FT_DURATION, "0");
	BAD(CORE_FT_DURATION, "0m");
	BAD(CORE_FT_DURATION, "10081");
	BAD(CORE_FT_DURATION, "168h1m");
	BAD(CORE_FT_DURATION, "9999999");
	BAD(CORE_FT_DURATION, "1:60");
	BAD(CORE_FT_DURATION, "1:5");
	BAD(CORE_FT_DURATION, ":30");
	BAD(CORE_FT_DURATION, "30m1h");
	BAD(CORE_FT_DURATION, "1h1h");
	BAD(CORE_FT_DURATION, "1m30");
	BAD(CORE_FT_DURATION, "-5");
	BAD(CORE_FT_DURATION, "7d");
	BAD(CORE_FT_DURATION, "h");
	BAD(CORE_FT_DURATION, "an hour");
	T_ASSERT(has(canon(CORE_FT_DURATION, "0"), "1h30m"));
}

static void
test_int(void)
{
	GOOD(CORE_FT_INT, "0", "0");
	GOOD(CORE_FT_INT, "25", "25");
	GOOD(CORE_FT_INT, "007", "7");
	GOOD(CORE_FT_INT, "000", "0");
	GOOD(CORE_FT_INT, "1000000", "1000000");
	GOOD(CORE_FT_INT, "0001000000", "1000000");
	BAD(CORE_FT_INT, "1000001");
	BAD(CORE_FT_INT, "99999999999999999999999");
	BAD(CORE_FT_INT, "-1");
	BAD(CORE_FT_INT, "+1");
	BAD(CORE_FT_INT, "1.5");
	BAD(CORE_FT_INT, "1 000");
	BAD(CORE_FT_INT, "ten");
	BAD(CORE_FT_INT, "0x10");
	T_ASSERT(has(canon(CORE_FT_INT, "-1"), "1000000"));
}

static void
test_categories(void)
{
	GOOD(CORE_FT_CATEGORIES, "health", "health");
	GOOD(CORE_FT_CATEGORIES, "Health, LEGAL", "health,legal");
	GOOD(CORE_FT_CATEGORIES, "health,health,legal,Health",
	    "health,legal");
	GOOD(CORE_FT_CATEGORIES, "mental-health,,other,",
	    "mental-health,other");
	BAD(CORE_FT_CATEGORIES, "food");
	BAD(CORE_FT_CATEGORIES, "health,food");
	BAD(CORE_FT_CATEGORIES, ",");
	BAD(CORE_FT_CATEGORIES, "health legal");
	BAD(CORE_FT_CATEGORIES, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	T_ASSERT(has(canon(CORE_FT_CATEGORIES, "food"),
	    "health, mental-health, violence"));
	T_ASSERT(has(canon(CORE_FT_CATEGORIES, "food"), "other"));
}

static void
test_repeat(void)
{
	GOOD(CORE_FT_REPEAT, "weekly", "weekly");
	GOOD(CORE_FT_REPEAT, " Weekly ", "weekly");
	GOOD(CORE_FT_REPEAT, "biweekly", "weekly/2");
	GOOD(CORE_FT_REPEAT, "every 2 weeks", "weekly/2");
	GOOD(CORE_FT_REPEAT, "FREQ=WEEKLY;BYDAY=TU,TH", "weekly:tu,th");
	GOOD(CORE_FT_REPEAT, "monthly:-1fr", "monthly:-1fr");
	BAD(CORE_FT_REPEAT, "sometimes");
	BAD(CORE_FT_REPEAT, "weekly/100");
	T_ASSERT(has(canon(CORE_FT_REPEAT, "x"), "weekly:tu,th"));
}

/* canon_text passes text below U+0300 through as it is: every string of
 * those code points must be its own NFC.  Composition acts on pairs, so
 * every pair is tried (each between two letters, so nothing is
 * trimmed); text above still goes through utf8proc. */
static void
test_text_nfc_fast(void)
{
	utf8proc_uint8_t in[16], *nfc;
	utf8proc_ssize_t k, n;
	int32_t a, b;
	size_t len;
	char *canon;

	for (a = 0x20; a < 0x300; a++) {
		if (a >= 0x7f && a <= 0x9f)
			continue;
		for (b = 0x20; b < 0x300; b++) {
			if (b >= 0x7f && b <= 0x9f)
				continue;
			len = 0;
			in[len++] = 'x';
			k = utf8proc_encode_char(a, in + len);
			len += (size_t)k;
			k = utf8proc_encode_char(b, in + len);
			len += (size_t)k;
			in[len++] = 'x';
			n = utf8proc_map(in, (utf8proc_ssize_t)len, &nfc,
			    UTF8PROC_STABLE | UTF8PROC_COMPOSE);
			T_ASSERT(n > 0);
			if ((size_t)n != len || memcmp(nfc, in, len) != 0) {
				fprintf(stderr, "  U+%04X U+%04X\n",
				    (unsigned)a, (unsigned)b);
				free(nfc);
				T_ASSERT(0);
			}
			free(nfc);
		}
	}
	/* Still normalised past the fast path: e + U+0301 becomes é. */
	T_EQ_INT(core_valid_value(CORE_FT_TEXT, "Ame\xcc\x81lie", &canon,
	    NULL, 0), 0);
	T_EQ_STR(canon, "Am\xc3\xa9lie");
	free(canon);
	T_EQ_INT(core_valid_value(CORE_FT_TEXT, "Tromsø\xc7\xbf", &canon,
	    NULL, 0), 0);
	T_EQ_STR(canon, "Tromsø\xc7\xbf");
	free(canon);
}

T_MAIN(T_CASE(test_text), T_CASE(test_text_nfc_fast), T_CASE(test_limits), T_CASE(test_one_line),
    T_CASE(test_langs), T_CASE(test_lang_direct), T_CASE(test_phone),
    T_CASE(test_email), T_CASE(test_url), T_CASE(test_datetime),
    T_CASE(test_date), T_CASE(test_datetime_parse), T_CASE(test_from_unix),
    T_CASE(test_civil), T_CASE(test_tz), T_CASE(test_duration),
    T_CASE(test_int), T_CASE(test_categories), T_CASE(test_repeat))
