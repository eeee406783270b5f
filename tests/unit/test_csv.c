#include "core/csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"

/* Collects every row as "LINE:cell|cell|...\n" so a whole parse can be
 * compared with one string. */
struct rows {
	struct core_buf out;
	size_t nrows;
	size_t stop_at; /* row number (1-based) whose callback fails */
};

static int
collect(void *ctx, size_t line, char **cells, size_t ncells)
{
	struct rows *r = ctx;
	size_t i;

	r->nrows++;
	core_buf_printf(&r->out, "%zu:", line);
	for (i = 0; i < ncells; i++) {
		if (i > 0)
			core_buf_ch(&r->out, '|');
		core_buf_str(&r->out, cells[i]);
	}
	core_buf_ch(&r->out, '\n');
	return r->nrows == r->stop_at ? DG_EINVAL : 0;
}

/* Parses s[0..len) into r (r->out is the caller's to free); returns
 * the code. */
static int
parse(const char *s, size_t len, struct rows *r, size_t *line, char *why,
    size_t whylen)
{
	memset(r, 0, sizeof(*r));
	core_buf_init(&r->out);
	core_buf_str(&r->out, "");
	*line = 0;
	return core_csv_parse(s, len, collect, r, line, why, whylen);
}

#define PARSE_OK(s, want)                                                      \
	do {                                                                   \
		struct rows r_;                                                \
		size_t l_;                                                     \
		int rc_ = parse(s, strlen(s), &r_, &l_, NULL, 0);              \
		if (rc_ != 0)                                                  \
			core_buf_fini(&r_.out);                                \
		T_EQ_INT(rc_, 0);                                              \
		T_EQ_STR(r_.out.data ? r_.out.data : "", want);                \
		core_buf_fini(&r_.out);                                        \
	} while (0)

#define PARSE_ERR(s, len, code, want_line)                                     \
	do {                                                                   \
		struct rows r_;                                                \
		size_t l_;                                                     \
		char why_[128];                                                \
		int rc_ = parse(s, len, &r_, &l_, why_, sizeof(why_));         \
		core_buf_fini(&r_.out);                                        \
		T_EQ_INT(rc_, code);                                           \
		T_EQ_INT(l_, want_line);                                       \
		T_ASSERT(why_[0] != '\0');                                     \
	} while (0)

static void
test_basic_crlf(void)
{
	PARSE_OK("name,phone,lang\r\nAmina,+47 22 33 44 55,so\r\n"
	         "Olav,,nb\r\n",
	    "1:name|phone|lang\n2:Amina|+47 22 33 44 55|so\n3:Olav||nb\n");
}

static void
test_lf_and_no_final_newline(void)
{
	PARSE_OK("a,b\nc,d", "1:a|b\n2:c|d\n");
}

static void
test_empty_cells(void)
{
	PARSE_OK("a,b,c\n,,\nx,,\n,,y\n", "1:a|b|c\n2:||\n3:x||\n4:||y\n");
	/* A trailing separator at the very end still makes a cell. */
	PARSE_OK("a,b,", "1:a|b|\n");
	PARSE_OK("\"\",x\n", "1:|x\n");
}

static void
test_blank_lines(void)
{
	PARSE_OK("\r\n\na,b\r\n\r\nc,d\n\n\ne,f\n", "3:a|b\n5:c|d\n8:e|f\n");
	PARSE_OK("", "");
	PARSE_OK("\n\r\n", "");
}

static void
test_semicolon(void)
{
	/* A Norwegian-locale spreadsheet: ';' between cells, ',' inside
	 * them needs no quotes. */
	PARSE_OK("navn;område;merknad\r\n"
	         "Kari Nordmann;Tromsø, sentrum;\"sier \"\"hei\"\"; ring\"\r\n",
	    "1:navn|område|merknad\n"
	    "2:Kari Nordmann|Tromsø, sentrum|sier \"hei\"; ring\n");
}

static void
test_separator_detection(void)
{
	/* ';' inside a quoted header cell does not count. */
	PARSE_OK("\"a;b\",c\n1;2,3\n", "1:a;b|c\n2:1;2|3\n");
	PARSE_OK("\"a,b\";c\n1,2;3\n", "1:a,b|c\n2:1,2|3\n");
	/* One column: ',' by default, so ';' stays in the cell. */
	PARSE_OK("name\nx;y\n", "1:name\n2:x;y\n");
	/* Blank lines before the header do not hide its separator. */
	PARSE_OK("\n\na;b\n", "3:a|b\n");
}

static void
test_bom(void)
{
	PARSE_OK("\xef\xbb\xbfname,lang\r\nAmina,so\r\n",
	    "1:name|lang\n2:Amina|so\n");
	PARSE_OK("\xef\xbb\xbf", "");
	/* A BOM anywhere else is text, kept. */
	PARSE_OK("a\n\xef\xbb\xbf"
	         "b\n",
	    "1:a\n2:\xef\xbb\xbf"
	    "b\n");
}

static void
test_quoted_multiline(void)
{
	/* CR LF inside quotes becomes LF; the row keeps its first line
	 * number and the next row's number counts the embedded breaks. */
	PARSE_OK("note,x\r\n\"line 1\r\nline 2\nline 3\",y\r\nz,w\r\n",
	    "1:note|x\n2:line 1\nline 2\nline 3|y\n5:z|w\n");
	PARSE_OK("\"a,b\",\"c\"\"d\",\"\"\"\"\n", "1:a,b|c\"d|\"\n");
}

static void
test_unicode(void)
{
	PARSE_OK("name,name@ar,name@ti\n"
	         "Amina,أمينة,ኣሚና\n",
	    "1:name|name@ar|name@ti\n2:Amina|أمينة|ኣሚና\n");
}

static void
test_err_unterminated(void)
{
	const char *s = "a,b\nc,d\ne,\"never closed\nf,g\nh,i\n";

	/* Reported at the line of the opening quote. */
	PARSE_ERR(s, strlen(s), DG_EDECODE, 3);
	PARSE_ERR("\"", 1, DG_EDECODE, 1);
}

static void
test_err_stray_quote(void)
{
	const char *s = "a,b\nc,d\"e\n";
	const char *t = "a,b\n\"c\"x,d\n";
	const char *u = "a,b\n c,\"d\" \n";

	PARSE_ERR(s, strlen(s), DG_EDECODE, 2);
	/* Text after a closing quote. */
	PARSE_ERR(t, strlen(t), DG_EDECODE, 2);
	/* A space after the closing quote is text too. */
	PARSE_ERR(u, strlen(u), DG_EDECODE, 2);
}

static void
test_err_bare_cr(void)
{
	const char *s = "a,b\rc,d\n";

	PARSE_ERR(s, strlen(s), DG_EDECODE, 1);
}

static void
test_err_too_many_cells(void)
{
	struct core_buf b;
	struct rows r;
	size_t i, line;
	int rc;

	core_buf_init(&b);
	core_buf_str(&b, "h\n");
	for (i = 0; i < CORE_CSV_CELLS_MAX - 1; i++)
		core_buf_ch(&b, ',');
	core_buf_ch(&b, '\n');
	/* 256 cells: accepted. */
	rc = parse(b.data, b.len, &r, &line, NULL, 0);
	core_buf_fini(&r.out);
	T_EQ_INT(rc, 0);
	T_EQ_INT(r.nrows, 2);
	/* 257: refused, at line 3. */
	for (i = 0; i < CORE_CSV_CELLS_MAX; i++)
		core_buf_ch(&b, ',');
	T_EQ_INT(b.err, 0);
	PARSE_ERR(b.data, b.len, DG_ELIMIT, 3);
	core_buf_fini(&b);
}

static void
test_err_utf8(void)
{
	const char *s = "a,b\nc,d\ne,f\ng,\xc3\x28\n";
	const char *overlong = "a,\xc0\xaf\n";
	const char *surrogate = "a\n\xed\xa0\x80\n";
	const char nul[] = "a,b\nc,\0\n";
	struct rows r;
	size_t line;
	int rc;

	PARSE_ERR(s, strlen(s), DG_EUTF8, 4);
	/* Checked before any row reaches the callback. */
	rc = parse(s, strlen(s), &r, &line, NULL, 0);
	core_buf_fini(&r.out);
	T_EQ_INT(rc, DG_EUTF8);
	T_EQ_INT(r.nrows, 0);
	PARSE_ERR(overlong, strlen(overlong), DG_EUTF8, 1);
	PARSE_ERR(surrogate, strlen(surrogate), DG_EUTF8, 2);
	PARSE_ERR(nul, sizeof(nul) - 1, DG_EUTF8, 2);
	/* A truncated sequence at the very end. */
	PARSE_ERR("a\n\xe1\x88", 4, DG_EUTF8, 2);
}

static void
test_err_oversize_cell(void)
{
	char *s;
	size_t n = CORE_VALUE_MAX;
	struct rows r;
	size_t line;
	int rc;

	s = malloc(n + 16);
	T_ASSERT(s != NULL);
	/* Exactly CORE_VALUE_MAX bytes: accepted. */
	memcpy(s, "h\n", 2);
	memset(s + 2, 'x', n);
	rc = parse(s, n + 2, &r, &line, NULL, 0);
	core_buf_fini(&r.out);
	T_EQ_INT(rc, 0);
	/* One more: refused. */
	memset(s + 2, 'x', n + 1);
	PARSE_ERR(s, n + 3, DG_ELIMIT, 2);
	/* Quoted, one byte over: refused. */
	s[2] = '"';
	memset(s + 3, 'x', n + 1);
	s[n + 4] = '"';
	rc = parse(s, n + 5, &r, &line, NULL, 0);
	core_buf_fini(&r.out);
	T_EQ_INT(rc, DG_ELIMIT);
	/* The same bytes with "" in front: the quote counts as one byte,
	 * so the cell is exactly at the limit. */
	memcpy(s + 3, "\"\"", 2);
	rc = parse(s, n + 5, &r, &line, NULL, 0);
	core_buf_fini(&r.out);
	T_EQ_INT(rc, 0);
	free(s);
}

static void
test_callback_stops(void)
{
	const char *s = "a\nb\n\nc\nd\n";
	struct rows r;
	size_t line;
	int rc;

	memset(&r, 0, sizeof(r));
	r.stop_at = 3;
	core_buf_init(&r.out);
	rc = core_csv_parse(s, strlen(s), collect, &r, &line, NULL, 0);
	T_EQ_INT(rc, DG_EINVAL);
	T_EQ_INT(line, 4);
	T_EQ_STR(r.out.data, "1:a\n2:b\n4:c\n");
	core_buf_fini(&r.out);
}

/* --- writing --- */

static struct core_field f1[] = {
    {"email", "amina@example.org"},
    {"lang", "so,ar"},
    {"name", "Amina Hassan"},
    {"name@ar", "أمينة حسن"},
    {"note", "Says \"hi\",\nthen leaves"},
    {"phone", "+47 22 33 44 55"},
};

static struct core_field f2[] = {
    {"area", "Tromsø"},
    {"name", "=1+1"},
    {"name@ti", "ኣሚና"},
    {"org", "-dash"},
    {"role", "@home"},
};

static struct core_field f3[] = {
    {"title", "Kvinnegruppa"},
};

static void
make(struct core_record *r, uint8_t idb, enum core_rtype t,
    struct core_field *f, size_t n)
{
	memset(r, 0, sizeof(*r));
	memset(r->id, idb, sizeof(r->id));
	r->type = t;
	r->fields = f;
	r->nfields = n;
}

static void
test_write(void)
{
	struct core_record r[4];
	struct core_buf b;

	make(&r[0], 0, CORE_RT_CONTACT, f1, 6);
	make(&r[1], 0xff, CORE_RT_CONTACT, f2, 5);
	make(&r[2], 1, CORE_RT_MEETING, f3, 1);
	make(&r[3], 2, CORE_RT_CONTACT, f1, 6);
	r[3].removed = true;
	core_buf_init(&b);
	core_csv_write(&b, CORE_RT_CONTACT, r, 4);
	T_EQ_INT(b.err, 0);
	T_EQ_STR(b.data,
	    "id,type,name,lang,phone,email,org,role,area,note,name@ar,"
	    "name@ti\r\n"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaa,contact,Amina Hassan,\"so,ar\","
	    "\"+47 22 33 44 55\",amina@example.org,,,,"
	    "\"Says \"\"hi\"\",\nthen leaves\",أمينة حسن,\r\n"
	    "77777777777777777777777774,contact,\"=1+1\",,,,\"-dash\","
	    "\"@home\",Tromsø,,,ኣሚና\r\n");
	core_buf_fini(&b);
}

static void
test_write_empty_and_bad_type(void)
{
	struct core_buf b;

	core_buf_init(&b);
	core_csv_write(&b, CORE_RT_MEETING, NULL, 0);
	T_EQ_INT(b.err, 0);
	T_ASSERT(strncmp(b.data, "id,type,title,organiser,", 24) == 0);
	T_EQ_STR(b.data + b.len - 13, "description\r\n");
	core_buf_reset(&b);
	core_csv_write(&b, (enum core_rtype)99, NULL, 0);
	T_EQ_INT(b.err, DG_EINVAL);
	core_buf_fini(&b);
}

static void
test_round_trip(void)
{
	struct core_record r[2];
	struct core_buf b;
	struct rows got;
	size_t line;
	int rc;

	make(&r[0], 0, CORE_RT_CONTACT, f1, 6);
	make(&r[1], 0xff, CORE_RT_CONTACT, f2, 5);
	core_buf_init(&b);
	core_csv_write(&b, CORE_RT_CONTACT, r, 2);
	T_EQ_INT(b.err, 0);
	rc = parse(b.data, b.len, &got, &line, NULL, 0);
	core_buf_fini(&b);
	if (rc != 0)
		core_buf_fini(&got.out);
	T_EQ_INT(rc, 0);
	T_EQ_STR(got.out.data,
	    "1:id|type|name|lang|phone|email|org|role|area|note|name@ar|"
	    "name@ti\n"
	    "2:aaaaaaaaaaaaaaaaaaaaaaaaaa|contact|Amina Hassan|so,ar|"
	    "+47 22 33 44 55|amina@example.org||||"
	    "Says \"hi\",\nthen leaves|أمينة حسن|\n"
	    "4:77777777777777777777777774|contact|=1+1||||-dash|@home|"
	    "Tromsø|||ኣሚና\n");
	core_buf_fini(&got.out);
}

T_MAIN(T_CASE(test_basic_crlf), T_CASE(test_lf_and_no_final_newline),
    T_CASE(test_empty_cells), T_CASE(test_blank_lines), T_CASE(test_semicolon),
    T_CASE(test_separator_detection), T_CASE(test_bom),
    T_CASE(test_quoted_multiline), T_CASE(test_unicode),
    T_CASE(test_err_unterminated), T_CASE(test_err_stray_quote),
    T_CASE(test_err_bare_cr), T_CASE(test_err_too_many_cells),
    T_CASE(test_err_utf8), T_CASE(test_err_oversize_cell),
    T_CASE(test_callback_stops), T_CASE(test_write),
    T_CASE(test_write_empty_and_bad_type), T_CASE(test_round_trip))
