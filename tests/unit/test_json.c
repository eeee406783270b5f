#include "core/json.h"

#include <stdint.h>
#include <string.h>

#include "t.h"

/* 2026-11-23T17:19:57.123Z in HLC form, with a counter of 7. */
#define HLC_2026 ((UINT64_C(1795454397123) << 16) | 7)
/* 2024-02-29T23:59:59.999Z: a leap day, last millisecond. */
#define HLC_LEAP (UINT64_C(1709251199999) << 16)

static void
str_is(const char *in, const char *want, int *ok)
{
	struct core_buf b;

	core_buf_init(&b);
	core_json_str(&b, in);
	*ok = b.err == 0 && b.data != NULL && strcmp(b.data, want) == 0;
	if (!*ok)
		fprintf(
		    stderr, "  got %s, want %s\n", b.data ? b.data : "", want);
	core_buf_fini(&b);
}

static void
test_str_plain(void)
{
	int ok;

	str_is("", "\"\"", &ok);
	T_ASSERT(ok);
	str_is("Kvinnegruppa", "\"Kvinnegruppa\"", &ok);
	T_ASSERT(ok);
}

static void
test_str_escapes(void)
{
	int ok;

	str_is("a\"b\\c", "\"a\\\"b\\\\c\"", &ok);
	T_ASSERT(ok);
	str_is("line1\nline2\tx", "\"line1\\nline2\\tx\"", &ok);
	T_ASSERT(ok);
	str_is("\x01\r\x1f", "\"\\u0001\\u000d\\u001f\"", &ok);
	T_ASSERT(ok);
	/* '/' and DEL need no escape. */
	str_is("a/b\x7f", "\"a/b\x7f\"", &ok);
	T_ASSERT(ok);
}

static void
test_str_unicode(void)
{
	int ok;

	/* Norwegian, Arabic, Tigrinya, and an emoji pass through. */
	str_is("Tromsø", "\"Tromsø\"", &ok);
	T_ASSERT(ok);
	str_is("مجموعة النساء", "\"مجموعة النساء\"", &ok);
	T_ASSERT(ok);
	str_is("ትግርኛ 👋", "\"ትግርኛ 👋\"", &ok);
	T_ASSERT(ok);
	/* U+2028 and U+2029 are escaped. */
	str_is("a\xe2\x80\xa8"
	       "b\xe2\x80\xa9",
	    "\"a\\u2028b\\u2029\"", &ok);
	T_ASSERT(ok);
}

static void
test_str_invalid_utf8(void)
{
	int ok;

	/* A stray byte, a truncated sequence, an overlong '/', a
	 * surrogate: each byte that is not valid becomes U+FFFD. */
	str_is("a\xff"
	       "b",
	    "\"a\\ufffdb\"", &ok);
	T_ASSERT(ok);
	str_is("x\xc3", "\"x\\ufffd\"", &ok);
	T_ASSERT(ok);
	str_is("\xc0\xaf", "\"\\ufffd\\ufffd\"", &ok);
	T_ASSERT(ok);
	str_is("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", &ok);
	T_ASSERT(ok);
}

static void
test_hlc(void)
{
	struct core_buf b;

	core_buf_init(&b);
	core_json_hlc(&b, HLC_2026);
	T_EQ_STR(b.data, "\"2026-11-23T17:19:57.123Z\"");
	core_buf_reset(&b);
	core_json_hlc(&b, 0);
	T_EQ_STR(b.data, "\"1970-01-01T00:00:00.000Z\"");
	core_buf_reset(&b);
	core_json_hlc(&b, HLC_LEAP);
	T_EQ_STR(b.data, "\"2024-02-29T23:59:59.999Z\"");
	core_buf_reset(&b);
	/* Past the year 9999: clamped, still RFC 3339. */
	core_json_hlc(&b, UINT64_MAX);
	T_EQ_STR(b.data, "\"9999-12-31T23:59:59.999Z\"");
	core_buf_fini(&b);
}

static struct core_field contact_fields[] = {
    {"email", "amina@example.org"},
    {"lang", "so,ar,nb"},
    {"name", "Amina \"Mina\" Hassan"},
    {"name@ar", "أمينة حسن"},
    {"note", "Tirsdager\nkl. 18"},
};

static void
make_contact(struct core_record *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < CORE_RID_LEN; i++)
		r->id[i] = (uint8_t)i;
	r->type = CORE_RT_CONTACT;
	r->created = HLC_LEAP;
	r->updated = HLC_2026;
	r->nfields = sizeof(contact_fields) / sizeof(contact_fields[0]);
	r->fields = contact_fields;
}

static void
test_record(void)
{
	struct core_record r;
	struct core_buf b;

	make_contact(&r);
	core_buf_init(&b);
	core_json_record(&b, &r);
	T_EQ_INT(b.err, 0);
	T_EQ_STR(b.data,
	    "{\"id\":\"aaaqeayeaudaocajbifqydiob4\",\"type\":\"contact\","
	    "\"email\":\"amina@example.org\",\"lang\":\"so,ar,nb\","
	    "\"name\":\"Amina \\\"Mina\\\" Hassan\","
	    "\"name@ar\":\"أمينة حسن\","
	    "\"note\":\"Tirsdager\\nkl. 18\","
	    "\"created\":\"2024-02-29T23:59:59.999Z\","
	    "\"updated\":\"2026-11-23T17:19:57.123Z\"}");
	core_buf_fini(&b);
}

static void
test_record_removed(void)
{
	struct core_record r;
	struct core_buf b;

	memset(&r, 0, sizeof(r));
	r.type = CORE_RT_MEETING;
	r.removed = true;
	core_buf_init(&b);
	core_json_record(&b, &r);
	T_EQ_STR(b.data,
	    "{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\",\"type\":\"meeting\","
	    "\"created\":\"1970-01-01T00:00:00.000Z\","
	    "\"updated\":\"1970-01-01T00:00:00.000Z\",\"removed\":true}");
	core_buf_fini(&b);
}

static void
test_records(void)
{
	struct core_record r[2];
	struct core_buf b;
	const char *second;

	core_buf_init(&b);
	core_json_records(&b, NULL, 0);
	T_EQ_STR(b.data, "[]\n");
	core_buf_reset(&b);

	make_contact(&r[0]);
	make_contact(&r[1]);
	r[1].nfields = 0;
	r[1].type = CORE_RT_REFERRAL;
	core_json_records(&b, r, 2);
	T_EQ_INT(b.err, 0);
	T_ASSERT(strncmp(b.data, "[\n{\"id\":", 8) == 0);
	second = strstr(b.data, "},\n{\"id\":");
	T_ASSERT(second != NULL);
	T_ASSERT(strstr(second, "\"type\":\"referral\"") != NULL);
	T_ASSERT(b.len >= 4);
	T_EQ_STR(b.data + b.len - 4, "}\n]\n");
	core_buf_fini(&b);
}

T_MAIN(T_CASE(test_str_plain), T_CASE(test_str_escapes),
    T_CASE(test_str_unicode), T_CASE(test_str_invalid_utf8), T_CASE(test_hlc),
    T_CASE(test_record), T_CASE(test_record_removed), T_CASE(test_records))
