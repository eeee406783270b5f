#include "core/vcf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "t.h"

/* 2026-11-23T17:19:57.123Z in HLC form. */
#define HLC_2026 ((UINT64_C(1795454397123) << 16) | 7)

/* Collects every card as "LINE:key=value|key=value\n". */
struct cards {
	struct core_buf out;
	size_t n;
	size_t stop_at; /* card number (1-based) whose callback fails */
};

static int
collect(void *ctx, size_t line, const struct core_kv *kv, size_t nkv)
{
	struct cards *c = ctx;
	size_t i;

	c->n++;
	core_buf_printf(&c->out, "%zu:", line);
	for (i = 0; i < nkv; i++)
		core_buf_printf(&c->out, "%s%s=%s", i > 0 ? "|" : "", kv[i].key,
		    kv[i].value);
	core_buf_ch(&c->out, '\n');
	return c->n == c->stop_at ? DG_EEXIST : 0;
}

static int
parse(const char *s, size_t len, struct cards *c, size_t *line, char *why,
    size_t whylen)
{
	memset(c, 0, sizeof(*c));
	core_buf_init(&c->out);
	core_buf_str(&c->out, "");
	*line = 0;
	return core_vcf_parse(s, len, collect, c, line, why, whylen);
}

#define PARSE_OK(s, want)                                                      \
	do {                                                                   \
		struct cards c_;                                               \
		size_t l_;                                                     \
		char w_[160];                                                  \
		int rc_ = parse(s, strlen(s), &c_, &l_, w_, sizeof(w_));       \
		if (rc_ != 0)                                                  \
			fprintf(stderr, "  line %zu: %s\n", l_, w_);           \
		if (rc_ != 0)                                                  \
			core_buf_fini(&c_.out);                                \
		T_EQ_INT(rc_, 0);                                              \
		T_EQ_STR(c_.out.data, want);                                   \
		core_buf_fini(&c_.out);                                        \
	} while (0)

#define PARSE_ERR(s, len, code, want_line)                                     \
	do {                                                                   \
		struct cards c_;                                               \
		size_t l_;                                                     \
		char w_[160];                                                  \
		int rc_ = parse(s, len, &c_, &l_, w_, sizeof(w_));             \
		core_buf_fini(&c_.out);                                        \
		T_EQ_INT(rc_, code);                                           \
		T_EQ_INT(l_, want_line);                                       \
		T_ASSERT(w_[0] != '\0');                                       \
	} while (0)

/* --- writing --- */

static struct core_field contact[] = {
    {"area", "Grünerløkka"},
    {"email", "amina@example.org"},
    {"lang", "nb,so,ar"},
    {"name", "Amina Hassan"},
    {"name@ar", "أمينة حسن"},
    {"note", "Tirsdager kl. 18\nTa med C:\\mappe"},
    {"org", "Røde Kors; Oslo, sentrum"},
    {"phone", "+47 22 33 44 55"},
    {"role", "Frivillig"},
};

static void
make(struct core_record *r, struct core_field *f, size_t n)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < CORE_RID_LEN; i++)
		r->id[i] = (uint8_t)i;
	r->type = CORE_RT_CONTACT;
	r->updated = HLC_2026;
	r->fields = f;
	r->nfields = n;
}

static void
test_write(void)
{
	struct core_record r[3];
	struct core_buf b;

	make(&r[0], contact, sizeof(contact) / sizeof(contact[0]));
	make(&r[1], contact, 1);
	r[1].type = CORE_RT_REFERRAL;
	make(&r[2], contact, 1);
	r[2].removed = true;
	core_buf_init(&b);
	core_vcf_write(&b, r, 3);
	T_EQ_INT(b.err, 0);
	T_EQ_STR(b.data,
	    "BEGIN:VCARD\r\n"
	    "VERSION:4.0\r\n"
	    "FN:Amina Hassan\r\n"
	    "FN;ALTID=1;LANGUAGE=ar:أمينة حسن\r\n"
	    "N:;Amina Hassan;;;\r\n"
	    "UID:urn:dugnad:aaaqeayeaudaocajbifqydiob4\r\n"
	    "REV:20261123T171957Z\r\n"
	    "TEL;VALUE=uri:tel:+47-22-33-44-55\r\n"
	    "EMAIL:amina@example.org\r\n"
	    "ORG:Røde Kors\\; Oslo\\, sentrum\r\n"
	    "ROLE:Frivillig\r\n"
	    "LANG;PREF=1:nb\r\n"
	    "LANG;PREF=2:so\r\n"
	    "LANG;PREF=3:ar\r\n"
	    "X-DUGNAD-AREA:Grünerløkka\r\n"
	    "NOTE:Tirsdager kl. 18\\nTa med C:\\\\mappe\r\n"
	    "END:VCARD\r\n");
	core_buf_fini(&b);
}

static void
test_write_minimal(void)
{
	struct core_record r;
	struct core_buf b;

	/* No name at all: FN stays, as vCard requires it. */
	make(&r, NULL, 0);
	core_buf_init(&b);
	core_vcf_write(&b, &r, 1);
	T_EQ_STR(b.data,
	    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:\r\nN:;;;;\r\n"
	    "UID:urn:dugnad:aaaqeayeaudaocajbifqydiob4\r\n"
	    "REV:20261123T171957Z\r\nEND:VCARD\r\n");
	core_buf_reset(&b);
	core_vcf_write(&b, NULL, 0);
	T_EQ_INT(b.len, 0);
	core_buf_fini(&b);
}

/* Checks that every line of s is at most 75 octets and valid UTF-8 on
 * its own, then unfolds s into *out. */
static int
check_folding(const char *s, struct core_buf *out)
{
	const char *e;
	size_t n;

	while (*s != '\0') {
		e = strstr(s, "\r\n");
		if (e == NULL)
			return 0;
		n = (size_t)(e - s);
		if (n > 75 || !core_text_utf8_valid(s, n))
			return 0;
		if (*s == ' ')
			core_buf_add(out, s + 1, n - 1);
		else
			core_buf_add(out, s, n);
		s = e + 2;
		if (*s != ' ')
			core_buf_ch(out, '\n');
	}
	return out->err == 0;
}

static void
fold_case(const char *text, int *ok)
{
	struct core_field f[2] = {{"name", "x"}, {"note", NULL}};
	struct core_record r;
	struct core_buf b, unfolded, want;

	f[1].value = (char *)text;
	make(&r, f, 2);
	core_buf_init(&b);
	core_buf_init(&unfolded);
	core_buf_init(&want);
	core_vcf_write(&b, &r, 1);
	core_buf_str(&want, "NOTE:");
	core_buf_str(&want, text);
	core_buf_ch(&want, '\n');
	*ok = b.err == 0 && check_folding(b.data, &unfolded) &&
	    strstr(unfolded.data, want.data) != NULL &&
	    strstr(b.data, "\r\n ") != NULL;
	core_buf_fini(&b);
	core_buf_fini(&unfolded);
	core_buf_fini(&want);
}

static void
test_fold_multibyte(void)
{
	int ok;

	/* Arabic (2-byte), Tigrinya (3-byte), Norwegian (mixed), and an
	 * emoji run (4-byte), each long enough to fold several times. */
	fold_case("مرحبا بكم في مجموعة النساء للطبخ والخياطة والحديث كل "
	          "يوم ثلاثاء في المركز التطوعي في غرونرلوكا",
	    &ok);
	T_ASSERT(ok);
	fold_case("ሰላም ንኹልኹም ኣብ ጉጅለ ደቀንስትዮ ናይ ምኽሻንን ምስፋይን "
	          "ኩሉ ሰሉስ ኣብ ማእከል ወለንተኛታት",
	    &ok);
	T_ASSERT(ok);
	fold_case(
	    "Kvinnegruppa møtes på Frivilligsentralen i Tromsø hver "
	    "tirsdag: strikking og søm og prat på norsk og somali ÆØÅ æøå",
	    &ok);
	T_ASSERT(ok);
	fold_case("👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋👋", &ok);
	T_ASSERT(ok);
}

static void
test_fold_boundary(void)
{
	struct core_field f[1] = {{"name", NULL}};
	struct core_record r;
	struct core_buf b;
	char name[80];

	/* "FN:" + 72 = 75 octets: one line.  73: folded once. */
	memset(name, 'a', 72);
	name[72] = '\0';
	f[0].value = name;
	make(&r, f, 1);
	core_buf_init(&b);
	core_vcf_write(&b, &r, 1);
	T_ASSERT(strstr(b.data, "\r\nFN:aaa") != NULL);
	T_ASSERT(strstr(b.data, "aaa\r\nN:;aaa") != NULL);
	core_buf_reset(&b);
	memcpy(name + 72, "b", 2);
	core_vcf_write(&b, &r, 1);
	T_ASSERT(strstr(b.data, "aaa\r\n b\r\nN:;aaa") != NULL);
	/* A 2-byte character straddling octet 75 moves to the next line. */
	core_buf_reset(&b);
	memcpy(name + 71, "ø", 3);
	core_vcf_write(&b, &r, 1);
	T_ASSERT(strstr(b.data, "aaa\r\n ø\r\nN:;aaa") != NULL);
	core_buf_fini(&b);
}

static void
test_round_trip(void)
{
	struct core_field f[10];
	struct core_record r;
	struct core_buf b;
	struct cards c;
	size_t line, n = sizeof(contact) / sizeof(contact[0]);
	int rc;

	memcpy(f, contact, sizeof(contact));
	/* A long multi-line note, so folding is part of the trip. */
	f[5].value = "Snakker tigrinja: ሰላም ንኹልኹም, arabisk: مرحبا بكم; "
	             "norsk: hei på deg \\ og \"velkommen\"\n"
	             "Linje to, med komma; og semikolon.";
	make(&r, f, n);
	core_buf_init(&b);
	core_vcf_write(&b, &r, 1);
	T_EQ_INT(b.err, 0);
	rc = parse(b.data, b.len, &c, &line, NULL, 0);
	core_buf_fini(&b);
	if (rc != 0)
		core_buf_fini(&c.out);
	T_EQ_INT(rc, 0);
	T_EQ_STR(c.out.data,
	    "1:area=Grünerløkka|email=amina@example.org|lang=nb,so,ar|"
	    "name=Amina Hassan|name@ar=أمينة حسن|"
	    "note=Snakker tigrinja: ሰላም ንኹልኹም, arabisk: مرحبا بكم; "
	    "norsk: hei på deg \\ og \"velkommen\"\n"
	    "Linje to, med komma; og semikolon.|"
	    "org=Røde Kors; Oslo, sentrum|phone=+47 22 33 44 55|"
	    "role=Frivillig\n");
	core_buf_fini(&c.out);
}

/* --- reading --- */

static void
test_google_30(void)
{
	PARSE_OK("BEGIN:VCARD\r\n"
	         "VERSION:3.0\r\n"
	         "N:Hassan;Amina;;;\r\n"
	         "FN:Amina Hassan\r\n"
	         "EMAIL;TYPE=INTERNET;TYPE=HOME:amina@example.org\r\n"
	         "EMAIL;TYPE=INTERNET;TYPE=WORK:amina@work.example\r\n"
	         "TEL;TYPE=CELL:+47 912 34 567\r\n"
	         "item1.TEL:+47 22 33 44 55\r\n"
	         "item1.X-ABLabel:Jobb\r\n"
	         "ADR;TYPE=HOME:;;Storgata 1;Oslo;;0155;Norge\r\n"
	         "ORG:Røde Kors;Oslo\r\n"
	         "TITLE:Frivillig\r\n"
	         "NOTE:Snakker somali og arabisk\\, litt norsk\r\n"
	         "CATEGORIES:myContacts\r\n"
	         "END:VCARD\r\n",
	    "1:email=amina@example.org|name=Amina Hassan|"
	    "note=Snakker somali og arabisk, litt norsk|"
	    "org=Røde Kors, Oslo|phone=+47 912 34 567|role=Frivillig\n");
}

static void
test_apple_30(void)
{
	struct core_buf b;
	size_t i;

	/* Lower-case parameters, grouped properties, type=pref on the
	 * second number, and a photo far over the line limit that is
	 * skipped unread. */
	core_buf_init(&b);
	core_buf_str(&b,
	    "BEGIN:VCARD\r\n"
	    "VERSION:3.0\r\n"
	    "PRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
	    "N:Yohannes;Selam;;;\r\n"
	    "FN:Selam Yohannes\r\n"
	    "item1.TEL;type=CELL;type=VOICE:+47 400 00 001\r\n"
	    "item2.TEL;type=HOME;type=VOICE;type=pref:+47 400 00 002\r\n"
	    "item2.X-ABLabel:_$!<Home>!$_\r\n"
	    "EMAIL;type=INTERNET;type=HOME;type=pref:selam@example.org\r\n"
	    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD");
	for (i = 0; i < 400; i++)
		core_buf_str(&b,
		    "\r\n  /9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0"
		    "ZJTEUAAQEAAAHIAAAAAAQwAABtbnRy");
	core_buf_str(&b, "\r\nEND:VCARD\r\n");
	T_EQ_INT(b.err, 0);
	T_ASSERT(b.len > 2 * CORE_VALUE_MAX * 2);
	PARSE_OK(b.data,
	    "1:email=selam@example.org|name=Selam Yohannes|"
	    "phone=+47 400 00 002\n");
	core_buf_fini(&b);
}

static void
test_40_pref_lang_altid(void)
{
	PARSE_OK("BEGIN:VCARD\n"
	         "VERSION:4.0\n"
	         "FN;ALTID=1;LANGUAGE=ar:أمينة حسن\n"
	         "FN:Amina Hassan\n"
	         "FN;ALTID=1;LANGUAGE=SO-so:Aamina Xasan\n"
	         "TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+47-400-00-001\n"
	         "TEL;VALUE=uri;PREF=1:tel:+47-22-33-44-55;ext=12\n"
	         "EMAIL;PREF=2:a@example.org\n"
	         "EMAIL;PREF=1:b@example.org\n"
	         "LANG;PREF=3:ar\n"
	         "LANG;PREF=1:so\n"
	         "LANG:ti\n"
	         "LANG;PREF=2:nb\n"
	         "ROLE:Tolk\n"
	         "TITLE:Frivillig\n"
	         "X-DUGNAD-AREA:Grünerløkka\n"
	         "X-DUGNAD-AREA;ALTID=1;LANGUAGE=so:Grünerløkka (so)\n"
	         "END:VCARD\n",
	    "1:area=Grünerløkka|area@so=Grünerløkka (so)|email=b@example.org|"
	    "lang=so,nb,ar,ti|name=Amina Hassan|name@ar=أمينة حسن|"
	    "name@so-SO=Aamina Xasan|phone=+47 22 33 44 55|role=Tolk\n");
}

static void
test_name_fallbacks(void)
{
	/* N only: prefix given additional family suffix. */
	PARSE_OK("BEGIN:VCARD\nVERSION:3.0\n"
	         "N:Yohannes;Selam;Tesfay,Hagos;Dr.;\n"
	         "END:VCARD\n",
	    "1:name=Dr. Selam Tesfay Hagos Yohannes\n");
	/* Only alternatives: the first is the name too, N unused. */
	PARSE_OK("BEGIN:VCARD\nVERSION:4.0\n"
	         "N:Hassan;Amina;;;\n"
	         "FN;ALTID=1;LANGUAGE=ar:أمينة\n"
	         "FN;ALTID=1;LANGUAGE=en:Amina\n"
	         "END:VCARD\n",
	    "1:name=أمينة|name@ar=أمينة|name@en=Amina\n");
	/* An empty FN says nothing. */
	PARSE_OK("BEGIN:VCARD\nVERSION:4.0\nFN:\nN:Nordmann;Kari\n"
	         "END:VCARD\n",
	    "1:name=Kari Nordmann\n");
	/* No fields at all is still a card. */
	PARSE_OK("BEGIN:VCARD\nVERSION:4.0\nEND:VCARD\n", "1:\n");
}

static void
test_unfold_escape_case(void)
{
	/* Folding with a space and a tab, a fold inside a UTF-8
	 * character and inside the property name, escapes, and names
	 * in any case. */
	PARSE_OK("begin:vcard\r\n"
	         "version:4.0\r\n"
	         "fn:Ola\r\n  Nordmann\r\n"
	         "No\r\n TE:Linje 1\\nlinje 2\\Nlinje 3\\, \\; \\\\ \\:\r\n"
	         "oRg:Tr\xc3\r\n\t\xb8ms\xc3\xb8\r\n"
	         "End:VCard\r\n",
	    "1:name=Ola Nordmann|"
	    "note=Linje 1\nlinje 2\nlinje 3, ; \\ \\:|org=Trømsø\n");
}

static void
test_several_cards(void)
{
	PARSE_OK("\xef\xbb\xbf"
	         "BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\n"
	         "\n"
	         "BEGIN:VCARD\nVERSION:3.0\nFN:B\nTEL:1\nEND:VCARD\n"
	         "BEGIN:VCARD\nVERSION:4.0\nFN:C\nEND:VCARD",
	    "1:name=A\n6:name=B|phone=1\n11:name=C\n");
}

static void
test_callback_stops(void)
{
	const char *s = "BEGIN:VCARD\nFN:A\nEND:VCARD\n"
	                "BEGIN:VCARD\nFN:B\nEND:VCARD\n"
	                "BEGIN:VCARD\nFN:C\nEND:VCARD\n";
	struct cards c;
	size_t line;
	int rc;

	memset(&c, 0, sizeof(c));
	core_buf_init(&c.out);
	c.stop_at = 2;
	rc = core_vcf_parse(s, strlen(s), collect, &c, &line, NULL, 0);
	T_EQ_INT(rc, DG_EEXIST);
	T_EQ_INT(line, 4);
	T_EQ_STR(c.out.data, "1:name=A\n4:name=B\n");
	core_buf_fini(&c.out);
}

static void
test_err_structure(void)
{
	const char *no_end = "BEGIN:VCARD\nFN:A\nEND:VCARD\n"
	                     "BEGIN:VCARD\nFN:B\n";
	const char *nested = "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\n"
	                     "END:VCARD\n";
	const char *before = "FN:A\nBEGIN:VCARD\nEND:VCARD\n";
	const char *end_only = "\n\nEND:VCARD\n";
	const char *other = "BEGIN:VCALENDAR\nEND:VCALENDAR\n";
	const char *end_other = "BEGIN:VCARD\nEND:VCALENDAR\n";
	const char *garbage = "BEGIN:VCARD\nFN:A\nhello world\nEND:VCARD\n";
	const char *noname = "BEGIN:VCARD\n:x\nEND:VCARD\n";
	const char *param = "BEGIN:VCARD\nFN;LANGUAGE=\"en:A\nEND:VCARD\n";

	PARSE_ERR(no_end, strlen(no_end), DG_EDECODE, 4);
	PARSE_ERR(nested, strlen(nested), DG_EDECODE, 3);
	PARSE_ERR(before, strlen(before), DG_EDECODE, 1);
	PARSE_ERR(end_only, strlen(end_only), DG_EDECODE, 3);
	PARSE_ERR(other, strlen(other), DG_EDECODE, 1);
	PARSE_ERR(end_other, strlen(end_other), DG_EDECODE, 2);
	PARSE_ERR(garbage, strlen(garbage), DG_EDECODE, 3);
	PARSE_ERR(noname, strlen(noname), DG_EDECODE, 2);
	PARSE_ERR(param, strlen(param), DG_EDECODE, 2);
	PARSE_ERR("", 0, DG_EDECODE, 1);
	PARSE_ERR("\r\n\r\n", 4, DG_EDECODE, 1);
}

static void
test_err_versions_and_qp(void)
{
	const char *v21 = "BEGIN:VCARD\nVERSION:2.1\nFN:A\nEND:VCARD\n";
	const char *v5 = "BEGIN:VCARD\nVERSION:5.0\nFN:A\nEND:VCARD\n";
	const char *qp = "BEGIN:VCARD\nVERSION:3.0\nFN:A\n"
	                 "NOTE;ENCODING=QUOTED-PRINTABLE:=C3=B8=\n"
	                 "=C3=B8\nEND:VCARD\n";
	const char *qp_bare = "BEGIN:VCARD\nVERSION:3.0\n"
	                      "FN;CHARSET=UTF-8;QUOTED-PRINTABLE:=C3=B8\n"
	                      "END:VCARD\n";
	const char *qp_skipped = "BEGIN:VCARD\nFN:A\n"
	                         "ADR;ENCODING=QUOTED-PRINTABLE:;;=C3=B8\n"
	                         "END:VCARD\n";
	char why[160];
	struct cards c;
	size_t line;
	int rc;

	PARSE_ERR(v21, strlen(v21), DG_EDECODE, 2);
	PARSE_ERR(v5, strlen(v5), DG_EDECODE, 2);
	PARSE_ERR(qp, strlen(qp), DG_EDECODE, 4);
	PARSE_ERR(qp_bare, strlen(qp_bare), DG_EDECODE, 3);
	PARSE_ERR(qp_skipped, strlen(qp_skipped), DG_EDECODE, 3);
	rc = parse(qp, strlen(qp), &c, &line, why, sizeof(why));
	core_buf_fini(&c.out);
	T_EQ_INT(rc, DG_EDECODE);
	T_ASSERT(strstr(why, "quoted-printable") != NULL);
}

static void
test_err_utf8_and_lang(void)
{
	const char *bad = "BEGIN:VCARD\nVERSION:4.0\nFN:A\nNOTE:\xff\n"
	                  "END:VCARD\n";
	const char *nul = "BEGIN:VCARD\nFN:A\0\nEND:VCARD\n";
	const char *lang = "BEGIN:VCARD\nFN;ALTID=1;LANGUAGE=no way:A\n"
	                   "END:VCARD\n";

	PARSE_ERR(bad, strlen(bad), DG_EUTF8, 4);
	PARSE_ERR(nul, 27, DG_EUTF8, 2);
	PARSE_ERR(lang, strlen(lang), DG_EDECODE, 2);
}

/* Parses b and checks the code, the line and the number of cards. */
static void
limit_case(struct core_buf *b, int code, size_t want_line, int *ok)
{
	struct cards c;
	size_t line;
	int rc;

	rc = parse(b->data, b->len, &c, &line, NULL, 0);
	*ok = b->err == 0 && rc == code &&
	    (code == 0 ? c.n == 1 : line == want_line);
	if (!*ok)
		fprintf(stderr, "  rc %d line %zu\n", rc, line);
	core_buf_fini(&c.out);
}

static void
test_err_limits(void)
{
	struct core_buf b;
	size_t i;
	int ok;

	/* A value of CORE_VALUE_MAX bytes is accepted, one more is not. */
	core_buf_init(&b);
	core_buf_str(&b, "BEGIN:VCARD\nFN:A\nNOTE:");
	for (i = 0; i < CORE_VALUE_MAX; i++)
		core_buf_ch(&b, 'x');
	core_buf_str(&b, "\nEND:VCARD\n");
	limit_case(&b, 0, 0, &ok);
	T_ASSERT(ok);
	core_buf_reset(&b);
	core_buf_str(&b, "BEGIN:VCARD\nFN:A\nNOTE:");
	for (i = 0; i <= CORE_VALUE_MAX; i++)
		core_buf_ch(&b, 'x');
	core_buf_str(&b, "\nEND:VCARD\n");
	limit_case(&b, DG_ELIMIT, 3, &ok);
	T_ASSERT(ok);

	/* Escapes count once decoded: 4000 "\," is 8000 bytes on the
	 * line, 4000 in the value. */
	core_buf_reset(&b);
	core_buf_str(&b, "BEGIN:VCARD\nNOTE:");
	for (i = 0; i < 4000; i++)
		core_buf_str(&b, "\\,");
	core_buf_str(&b, "\nEND:VCARD\n");
	limit_case(&b, 0, 0, &ok);
	T_ASSERT(ok);

	/* An unfolded line over 8192 bytes, reported at its first line. */
	core_buf_reset(&b);
	core_buf_str(&b, "BEGIN:VCARD\nFN:A\nNOTE:");
	for (i = 0; i < 120; i++)
		core_buf_str(&b,
		    "\\,\\,\\,\\,\\,\\,\\,\\,\\,\\,"
		    "\\,\\,\\,\\,\\,\\,\\,\\,\\,\\,"
		    "\\,\\,\\,\\,\\,\\,\\,\\,\\,\\,"
		    "\\,\\,\\,\\,\\,\r\n ");
	core_buf_str(&b, "x\nEND:VCARD\n");
	limit_case(&b, DG_ELIMIT, 3, &ok);
	T_ASSERT(ok);

	/* CORE_VCF_PROPS_MAX properties, unknown ones included, then one
	 * more. */
	core_buf_reset(&b);
	core_buf_str(&b, "BEGIN:VCARD\n");
	for (i = 0; i < CORE_VCF_PROPS_MAX; i++)
		core_buf_str(&b, i % 2 ? "X-FOO:bar\n" : "TEL:1\n");
	core_buf_str(&b, "END:VCARD\n");
	limit_case(&b, 0, 0, &ok);
	T_ASSERT(ok);
	b.len -= strlen("END:VCARD\n");
	core_buf_str(&b, "FN;ALTID=1;LANGUAGE=ar:x\nEND:VCARD\n");
	limit_case(&b, DG_ELIMIT, CORE_VCF_PROPS_MAX + 2, &ok);
	T_ASSERT(ok);
	core_buf_fini(&b);
}

T_MAIN(T_CASE(test_write), T_CASE(test_write_minimal),
    T_CASE(test_fold_multibyte), T_CASE(test_fold_boundary),
    T_CASE(test_round_trip), T_CASE(test_google_30), T_CASE(test_apple_30),
    T_CASE(test_40_pref_lang_altid), T_CASE(test_name_fallbacks),
    T_CASE(test_unfold_escape_case), T_CASE(test_several_cards),
    T_CASE(test_callback_stops), T_CASE(test_err_structure),
    T_CASE(test_err_versions_and_qp), T_CASE(test_err_utf8_and_lang),
    T_CASE(test_err_limits))
