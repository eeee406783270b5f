#include "core/valid.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/repeat.h"
#include "core/text.h"

#define EMAIL_MAX 254
#define URL_MAX 2048
#define TZ_MAX 64
#define LANG_MAX 64 /* bytes in one tag; RFC 5646 asks for at least 35 */
#define DURATION_MAX 10080
#define INT_MAX_VALUE 1000000

/* Each message names the form we expect, so the user can fix the value
 * without reading the manual.  N_() marks them for translation
 * (xgettext); cli/ translates them. */
#define N_(s) s
#define MSG_LIMIT N_("use at most 4096 bytes")
#define MSG_UTF8 N_("use UTF-8 text")
#define MSG_CONTROL N_("remove control characters; only new lines and tabs " \
	"are allowed")
#define MSG_ONELINE N_("use one line without tabs or control characters")
#define MSG_TEXT N_("enter some text")
#define MSG_LANGS N_("use language tags separated by commas, like " \
	"nb,so,ar or zh-Hant-TW")
#define MSG_PHONE N_("use a phone number of 3 to 20 digits, like " \
	"+47 22 33 44 55")
#define MSG_EMAIL N_("use an e-mail address like name@example.org")
#define MSG_EMAIL_LONG N_("use an e-mail address of at most 254 bytes")
#define MSG_URL N_("use a web address starting with http:// or https://, " \
	"like https://example.org")
#define MSG_URL_USER N_("remove the user name from the web address, like " \
	"https://example.org")
#define MSG_URL_LONG N_("use a web address of at most 2048 bytes")
#define MSG_DATETIME N_("use a date and time with a time zone offset, like " \
	"2026-12-04T18:00+01:00")
#define MSG_DATE N_("use a date like 2026-12-24")
#define MSG_DATE_DAY N_("no such date; use a real date, like 2026-12-24")
#define MSG_TZ N_("use a time zone name like Europe/Oslo or UTC")
#define MSG_DURATION N_("use a duration from 1 minute to 1 week, like 90m, " \
	"1h30m or 1:30")
#define MSG_REPEAT N_("use a recurrence like weekly, weekly/2, weekly:tu,th " \
	"or monthly:1tu")
#define MSG_INT N_("use a whole number from 0 to 1000000")
#define MSG_TYPE N_("unknown field type")

/* Compared by address in write_why, which appends the list. */
static const char msg_categories[] =
    N_("use categories separated by commas from: ");
const char *const core_valid_msg_categories = msg_categories;

/* ASCII only, whatever the locale: these read formats, not prose. */
#define is_digit(c) ((c) >= '0' && (c) <= '9')
#define is_alpha(c) (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z')
#define is_alnum(c) (is_digit(c) || is_alpha(c))
#define lower(c) ((char)((c) >= 'A' && (c) <= 'Z' ? (c) | 0x20 : (c)))
#define upper(c) ((char)((c) >= 'a' && (c) <= 'z' ? (c) & ~0x20 : (c)))

/* Next code point of s[*pos..len); the text was validated before, so a
 * failure here means a bug, and is reported as a bad value. */
static bool
next_cp(const char *s, size_t len, size_t *pos, int32_t *cp)
{
	utf8proc_ssize_t n;

	n = utf8proc_iterate((const utf8proc_uint8_t *)s + *pos,
	    (utf8proc_ssize_t)(len - *pos), cp);
	if (n <= 0)
		return false;
	*pos += (size_t)n;
	return true;
}

static bool
is_space(int32_t cp)
{
	utf8proc_category_t c;

	/* In ASCII only these three (\r, \v and \f are refused as
	 * control characters before anything is trimmed). */
	if (cp < 0x80)
		return cp == ' ' || cp == '\t' || cp == '\n';
	c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL ||
	    c == UTF8PROC_CATEGORY_ZP;
}

/* Characters nobody can see: in an address they only serve to make two
 * different addresses look alike. */
static bool
is_hidden(int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF;
}

/* Finds s[*start..*end) without white space (Unicode's, so that a
 * no-break space pasted from a web page goes too) at either end: the
 * first code point that is not white space from the front, the last
 * from the back, so the middle is not decoded.  s is valid UTF-8
 * (checked before); were it not, trim_slow's answer is kept. */
static void
trim_slow(const char *s, size_t len, size_t *start, size_t *end)
{
	size_t pos = 0, at;
	int32_t cp;

	*start = len;
	*end = 0;
	while (pos < len) {
		at = pos;
		if ((unsigned char)s[pos] < 0x80)
			cp = (unsigned char)s[pos++];
		else if (!next_cp(s, len, &pos, &cp))
			break;
		if (is_space(cp))
			continue;
		if (*start == len)
			*start = at;
		*end = pos;
	}
	if (*start > *end)
		*start = *end;
}

static void
trim(const char *s, size_t len, size_t *start, size_t *end)
{
	size_t pos = 0, first, at, e, q;
	int32_t cp;

	*start = *end = 0;
	for (;;) {
		if (pos == len)
			return; /* all white space: empty */
		first = pos;
		if ((unsigned char)s[pos] < 0x80)
			cp = (unsigned char)s[pos++];
		else if (!next_cp(s, len, &pos, &cp)) {
			trim_slow(s, len, start, end);
			return;
		}
		if (!is_space(cp))
			break;
	}
	/* s[first..pos) is not white space: the search back stops there. */
	e = len;
	while (e > pos) {
		at = e - 1;
		if ((unsigned char)s[at] < 0x80) {
			if (!is_space((unsigned char)s[at]))
				break;
			e = at;
			continue;
		}
		while (at > pos && ((unsigned char)s[at] & 0xc0) == 0x80)
			at--;
		q = at;
		if (!next_cp(s, e, &q, &cp) || q != e) {
			trim_slow(s, len, start, end);
			return;
		}
		if (!is_space(cp))
			break;
		e = at;
	}
	*start = first;
	*end = e;
}

/* Appends s[0..len) lowercased, one code point at a time: host names
 * and domains are case-insensitive, IDN ones included. */
static void
add_lower(struct core_buf *b, const char *s, size_t len)
{
	utf8proc_uint8_t tmp[4];
	utf8proc_ssize_t n;
	char run[64];
	size_t pos = 0, nrun = 0;
	int32_t cp;

	/* ASCII is lowercased into run and added a run at a time. */
	while (pos < len) {
		if ((unsigned char)s[pos] < 0x80) {
			run[nrun++] = lower(s[pos]);
			pos++;
			if (nrun == sizeof(run)) {
				core_buf_add(b, run, nrun);
				nrun = 0;
			}
			continue;
		}
		if (nrun > 0)
			core_buf_add(b, run, nrun);
		nrun = 0;
		if (!next_cp(s, len, &pos, &cp))
			return;
		n = utf8proc_encode_char(utf8proc_tolower(cp), tmp);
		core_buf_add(b, tmp, n > 0 ? (size_t)n : 0);
	}
	if (nrun > 0)
		core_buf_add(b, run, nrun);
}

/* True if the comma list in b already holds item. */
static bool
list_has(const struct core_buf *b, const char *item, size_t n)
{
	const char *p, *end, *q;

	if (b->len == 0)
		return false;
	p = b->data;
	end = b->data + b->len;
	for (;;) {
		q = memchr(p, ',', (size_t)(end - p));
		if (q == NULL)
			q = end;
		if ((size_t)(q - p) == n && memcmp(p, item, n) == 0)
			return true;
		if (q == end)
			return false;
		p = q + 1;
	}
}

/* Splits s[0..len) at commas into items trimmed of spaces; empty items
 * ("nb, so,") are skipped.  Returns false at the end. */
static bool
next_item(const char *s, size_t len, size_t *pos, const char **item,
    size_t *n)
{
	const char *q;

	while (*pos < len) {
		*item = s + *pos;
		q = memchr(*item, ',', len - *pos);
		*n = q != NULL ? (size_t)(q - *item) : len - *pos;
		*pos += *n + (q != NULL);
		for (; *n > 0 && (*item)[0] == ' '; (*n)--)
			(*item)++;
		while (*n > 0 && (*item)[*n - 1] == ' ')
			(*n)--;
		if (*n > 0)
			return true;
	}
	return false;
}

static int
days_in_month(int year, int month)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : mdays[month - 1];
}

/* Exactly n ASCII digits at s as a number, or -1. */
static int
digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

enum dt_res {
	DT_OK,
	DT_FORM,     /* not the expected shape */
	DT_DAY,      /* no such calendar day */
	DT_TIME,     /* hour, minute or second out of range */
	DT_NOOFFSET, /* a local time without an offset */
	DT_OFFSET,   /* offset out of range */
};

static const char *const dt_why[] = {
	[DT_OK] = "",
	[DT_FORM] = MSG_DATETIME,
	[DT_DAY] = N_("no such date; use a real date, like "
		      "2026-12-04T18:00+01:00"),
	[DT_TIME] = N_("use a time from 00:00 to 23:59:59, like "
		       "2026-12-04T18:00+01:00"),
	[DT_NOOFFSET] = N_("add a time zone offset, like "
			   "2026-12-04T18:00+01:00 or 2026-12-04T17:00Z"),
	[DT_OFFSET] = N_("use a time zone offset from -23:59 to +23:59, "
			 "like +01:00"),
};

/* "YYYY-MM-DD" at the start of s[0..len). */
static enum dt_res
parse_date(const char *s, size_t len, struct core_datetime *dt)
{
	if (len < 10 || s[4] != '-' || s[7] != '-')
		return DT_FORM;
	dt->year = digits(s, 4);
	dt->month = digits(s + 5, 2);
	dt->day = digits(s + 8, 2);
	if (dt->year < 0 || dt->month < 0 || dt->day < 0)
		return DT_FORM;
	if (dt->year < 1 || dt->month < 1 || dt->month > 12 || dt->day < 1 ||
	    dt->day > days_in_month(dt->year, dt->month))
		return DT_DAY;
	return DT_OK;
}

static enum dt_res
parse_datetime(const char *s, size_t len, struct core_datetime *dt)
{
	enum dt_res r;
	size_t pos;
	int oh, om, sign;

	memset(dt, 0, sizeof(*dt));
	r = parse_date(s, len, dt);
	if (r == DT_FORM)
		return r;
	if (len < 16 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    s[13] != ':')
		return DT_FORM;
	dt->hour = digits(s + 11, 2);
	dt->min = digits(s + 14, 2);
	if (dt->hour < 0 || dt->min < 0)
		return DT_FORM;
	pos = 16;
	if (pos < len && s[pos] == ':') {
		if (len - pos < 3 || (dt->sec = digits(s + pos + 1, 2)) < 0)
			return DT_FORM;
		pos += 3;
	}
	oh = om = 0;
	sign = 0;
	if (pos == len) {
		sign = 2;
	} else if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == len) {
		sign = 1;
	} else if (s[pos] == '+' || s[pos] == '-') {
		sign = s[pos] == '+' ? 1 : -1;
		pos++;
		if (len - pos == 5 && s[pos + 2] == ':') {
			oh = digits(s + pos, 2);
			om = digits(s + pos + 3, 2);
		} else if (len - pos == 4) {
			oh = digits(s + pos, 2);
			om = digits(s + pos + 2, 2);
		} else {
			return DT_FORM;
		}
		if (oh < 0 || om < 0)
			return DT_FORM;
	} else {
		return DT_FORM;
	}
	/* The shape is right; now say what is wrong with the numbers. */
	if (r != DT_OK)
		return r;
	if (dt->hour > 23 || dt->min > 59 || dt->sec > 59)
		return DT_TIME;
	if (oh > 23 || om > 59)
		return DT_OFFSET;
	if (sign == 2)
		return DT_NOOFFSET;
	dt->offset_min = sign * (oh * 60 + om);
	return DT_OK;
}

int
core_valid_datetime_parse(const char *s, struct core_datetime *out)
{
	return parse_datetime(s, strlen(s), out) == DT_OK ? 0 : DG_EINVAL;
}

static int
canon_datetime(const char *s, size_t len, struct core_buf *b,
    const char **why)
{
	struct core_datetime dt;
	enum dt_res r;
	int off;

	r = parse_datetime(s, len, &dt);
	if (r != DT_OK) {
		*why = dt_why[r];
		return DG_EINVAL;
	}
	core_buf_printf(b, "%04d-%02d-%02dT%02d:%02d", dt.year, dt.month,
	    dt.day, dt.hour, dt.min);
	if (dt.sec != 0)
		core_buf_printf(b, ":%02d", dt.sec);
	/* One spelling per instant and wall clock: +00:00 and -00:00 are
	 * both written Z. */
	off = dt.offset_min;
	if (off == 0)
		core_buf_ch(b, 'Z');
	else
		core_buf_printf(b, "%c%02d:%02d", off < 0 ? '-' : '+',
		    abs(off) / 60, abs(off) % 60);
	return 0;
}

static int
canon_date(const char *s, size_t len, struct core_buf *b, const char **why)
{
	struct core_datetime dt;
	enum dt_res r;

	r = len == 10 ? parse_date(s, len, &dt) : DT_FORM;
	if (r != DT_OK) {
		*why = r == DT_DAY ? MSG_DATE_DAY : MSG_DATE;
		return DG_EINVAL;
	}
	core_buf_printf(b, "%04d-%02d-%02d", dt.year, dt.month, dt.day);
	return 0;
}

/* Regular grandfathered tags of RFC 5646: they match the langtag
 * syntax but mean something else, so they are refused by name.  The
 * irregular ones (i-klingon, en-GB-oed, ...) fail the syntax anyway. */
static const char *const grandfathered[] = {
	"art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu",
	"zh-hakka", "zh-min", "zh-min-nan", "zh-xiang",
};
#define GRANDFATHERED_MIN 6 /* strlen of the shortest above */

enum lang_state {
	L_LANG,
	L_EXTLANG,
	L_SCRIPT,
	L_REGION,
	L_VARIANT,
	L_EXT_SUB,  /* after a singleton: needs a subtag */
	L_EXT_BODY, /* inside an extension */
	L_PRIV_SUB, /* after "x": needs a subtag */
	L_PRIV,     /* inside private use */
};

/* True if s[0..n) is all ASCII digits (digit) or all letters. */
static bool
all_of(const char *s, size_t n, bool digit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (digit ? !is_digit(s[i]) : !is_alpha(s[i]))
			return false;
	}
	return true;
}

/* True if the variant at out[off..off+n) already occurs in
 * out[from..off). */
static bool
variant_seen(const char *out, size_t from, size_t off, size_t n)
{
	size_t p = from, q;

	while (p < off) {
		for (q = p; out[q] != '-'; q++)
			;
		if (q - p == n && memcmp(out + p, out + off, n) == 0)
			return true;
		p = q + 1;
	}
	return false;
}

int
core_valid_lang(const char *in, size_t len, char *out, size_t cap)
{
	enum lang_state st = L_LANG;
	size_t i, off, n, var_from = 0;
	uint64_t singletons = 0;
	int nextlang = 0, bit;
	bool alpha, digit;

	if (len == 0)
		return DG_EINVAL;
	if (len >= cap)
		return DG_ELIMIT;
	/* Lowercase first: every subtag is, except script and region. */
	for (i = 0; i < len; i++) {
		if (!is_alnum(in[i]) && in[i] != '-')
			return DG_EINVAL;
		out[i] = lower(in[i]);
	}
	out[len] = '\0';
	/* The shortest of them has 6 characters ("no-bok"): most tags
	 * ("nb", "en-GB") need no comparison. */
	for (i = 0; len >= GRANDFATHERED_MIN &&
	    i < sizeof(grandfathered) / sizeof(grandfathered[0]); i++) {
		if (strcmp(out, grandfathered[i]) == 0)
			goto bad;
	}
	for (off = 0; off <= len; off += n + 1) {
		for (n = 0; off + n < len && out[off + n] != '-'; n++)
			;
		if (n == 0 || n > 8)
			goto bad;
		alpha = all_of(out + off, n, false);
		digit = all_of(out + off, n, true);
		if (st == L_LANG) {
			if (!alpha || n == 4 || n < 2)
				goto bad;
			st = n <= 3 ? L_EXTLANG : L_SCRIPT;
		} else if (st >= L_PRIV_SUB) {
			st = L_PRIV;
		} else if (st == L_EXTLANG && n == 3 && alpha && nextlang < 3) {
			nextlang++;
		} else if (st <= L_SCRIPT && n == 4 && alpha) {
			out[off] = upper(out[off]);
			st = L_REGION;
		} else if (st <= L_REGION && ((n == 2 && alpha) ||
		    (n == 3 && digit))) {
			out[off] = upper(out[off]);
			out[off + 1] = upper(out[off + 1]);
			st = L_VARIANT;
		} else if (st <= L_VARIANT && (n >= 5 ||
		    (n == 4 && is_digit(out[off])))) {
			if (st < L_VARIANT)
				var_from = off;
			else if (variant_seen(out, var_from, off, n))
				goto bad;
			st = L_VARIANT;
		} else if ((st <= L_VARIANT || st == L_EXT_BODY) && n == 1) {
			if (out[off] == 'x') {
				st = L_PRIV_SUB;
				continue;
			}
			/* The same extension twice is not a valid tag. */
			bit = is_digit(out[off]) ? out[off] - '0'
			    : out[off] - 'a' + 10;
			if (singletons & ((uint64_t)1 << bit))
				goto bad;
			singletons |= (uint64_t)1 << bit;
			st = L_EXT_SUB;
		} else if ((st == L_EXT_SUB || st == L_EXT_BODY) && n >= 2) {
			st = L_EXT_BODY;
		} else {
			goto bad;
		}
	}
	if (st == L_EXT_SUB || st == L_PRIV_SUB)
		goto bad;
	return 0;
bad:
	out[0] = '\0';
	return DG_EINVAL;
}

static int
canon_langs(const char *s, size_t len, struct core_buf *b, const char **why)
{
	char tag[LANG_MAX + 1];
	const char *item;
	size_t pos = 0, n;

	while (next_item(s, len, &pos, &item, &n)) {
		if (core_valid_lang(item, n, tag, sizeof(tag)) != 0) {
			*why = MSG_LANGS;
			return DG_EINVAL;
		}
		n = strlen(tag);
		if (list_has(b, tag, n))
			continue;
		if (b->len > 0)
			core_buf_ch(b, ',');
		core_buf_add(b, tag, n);
	}
	if (b->len == 0) {
		*why = MSG_LANGS;
		return DG_EINVAL;
	}
	return 0;
}

static int
canon_phone(const char *s, size_t len, struct core_buf *b, const char **why)
{
	/* "+", 20 digits and a space before each but the first: written
	 * here and added once, not a call a byte. */
	char out[1 + 20 + 19];
	bool gap = false, started = false, plus = false;
	size_t i, n = 0, ndigits = 0;

	*why = MSG_PHONE;
	for (i = 0; i < len; i++) {
		/* One '+' before the first digit: "+47 ..." or "(+47) ...". */
		if (s[i] == '+' && !started && !plus) {
			out[n++] = '+';
			plus = true;
			gap = false;
		} else if (is_digit(s[i])) {
			/* Too many digits is refused whatever follows. */
			if (ndigits == 20)
				return DG_EINVAL;
			/* Any run of separators becomes one space, so the
			 * grouping the user typed survives. */
			if (gap && started)
				out[n++] = ' ';
			out[n++] = s[i];
			gap = false;
			started = true;
			ndigits++;
		} else if (s[i] == ' ' || s[i] == '-' || s[i] == '.' ||
		    s[i] == '(' || s[i] == ')') {
			gap = true;
		} else {
			return DG_EINVAL;
		}
	}
	if (ndigits < 3)
		return DG_EINVAL;
	core_buf_add(b, out, n);
	return 0;
}

/* Checks the dot-separated labels of a host or mail domain: none empty,
 * none starting or ending with '-', ASCII letters, digits, '-' (and '_'
 * when underscore is true) or non-ASCII (internationalised names). */
static bool
host_ok(const char *s, size_t len, bool underscore, size_t *nlabels)
{
	size_t i, start = 0;
	unsigned char c;

	*nlabels = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			c = (unsigned char)s[i];
			if (!is_alnum(c) && c != '-' && c < 0x80 &&
			    !(underscore && c == '_'))
				return false;
			continue;
		}
		if (i == start || i - start > 63 || s[start] == '-' ||
		    s[i - 1] == '-')
			return false;
		(*nlabels)++;
		start = i + 1;
	}
	return true;
}

/* True if s[0..len) holds white space or invisible characters. */
static bool
has_hidden(const char *s, size_t len)
{
	size_t pos = 0;
	int32_t cp;
	unsigned char c;

	while (pos < len) {
		/* ASCII without utf8proc: its white space is ' ', '\t' and
		 * '\n', its Cc are 0x00-0x1f and DEL, and it has no Cf. */
		c = (unsigned char)s[pos];
		if (c < 0x80) {
			if (c <= 0x20 || c == 0x7f)
				return true;
			pos++;
			continue;
		}
		if (!next_cp(s, len, &pos, &cp))
			return true;
		if (is_space(cp) || is_hidden(cp))
			return true;
	}
	return false;
}

/* The characters canon_email refuses anywhere in an address (a switch,
 * not strchr: this runs for every byte of every address received). */
static bool
email_special(char c)
{
	switch (c) {
	case '"': case '(': case ')': case ',': case ':': case ';':
	case '<': case '>': case '[': case '\\': case ']':
		return true;
	default:
		return false;
	}
}

static int
canon_email(const char *s, size_t len, struct core_buf *b, const char **why)
{
	const char *at, *dom;
	size_t i, nlocal, ndom, nlabels;

	*why = MSG_EMAIL;
	if (len > EMAIL_MAX) {
		*why = MSG_EMAIL_LONG;
		return DG_ELIMIT;
	}
	if (has_hidden(s, len))
		return DG_EINVAL;
	at = memchr(s, '@', len);
	if (at == NULL)
		return DG_EINVAL;
	nlocal = (size_t)(at - s);
	dom = at + 1;
	ndom = len - nlocal - 1;
	if (memchr(dom, '@', ndom) != NULL || nlocal == 0)
		return DG_EINVAL;
	/* Quotes and brackets mean a pasted "Name <addr>" or a quoted
	 * local part; neither belongs in a directory field. */
	for (i = 0; i < len; i++) {
		if (email_special(s[i]))
			return DG_EINVAL;
	}
	if (s[0] == '.' || s[nlocal - 1] == '.')
		return DG_EINVAL;
	for (i = 1; i < nlocal; i++) {
		if (s[i] == '.' && s[i - 1] == '.')
			return DG_EINVAL;
	}
	if (!host_ok(dom, ndom, false, &nlabels) || nlabels < 2)
		return DG_EINVAL;
	core_buf_add(b, s, nlocal + 1);
	add_lower(b, dom, ndom);
	return 0;
}

static int
canon_url(const char *s, size_t len, struct core_buf *b, const char **why)
{
	const char *auth;
	size_t nscheme, nauth, nhost, nlabels, i;
	int p;

	*why = MSG_URL;
	if (len > URL_MAX) {
		*why = MSG_URL_LONG;
		return DG_ELIMIT;
	}
	if (len > 7 && strncasecmp(s, "http://", 7) == 0)
		nscheme = 7;
	else if (len > 8 && strncasecmp(s, "https://", 8) == 0)
		nscheme = 8;
	else
		return DG_EINVAL;
	if (has_hidden(s, len))
		return DG_EINVAL;
	auth = s + nscheme;
	for (nauth = 0; nauth < len - nscheme; nauth++) {
		if (auth[nauth] == '/' || auth[nauth] == '?' ||
		    auth[nauth] == '#')
			break;
	}
	/* user:password@host leaks a secret or disguises the real host
	 * ("https://bank.example@evil.example"). */
	if (memchr(auth, '@', nauth) != NULL) {
		*why = MSG_URL_USER;
		return DG_EINVAL;
	}
	if (nauth > 0 && auth[0] == '[') {
		for (i = 1; i < nauth && auth[i] != ']'; i++) {
			if (!is_digit(auth[i]) && !strchr("abcdefABCDEF:.",
			    auth[i]))
				return DG_EINVAL;
		}
		if (i == nauth || i < 3)
			return DG_EINVAL;
		nhost = i + 1;
	} else {
		for (nhost = 0; nhost < nauth && auth[nhost] != ':'; nhost++)
			;
		if (!host_ok(auth, nhost, true, &nlabels))
			return DG_EINVAL;
	}
	if (nhost < nauth) {
		if (auth[nhost] != ':' || nauth - nhost - 1 > 5)
			return DG_EINVAL;
		p = digits(auth + nhost + 1, nauth - nhost - 1);
		if (p < 1 || p > 65535)
			return DG_EINVAL;
	}
	add_lower(b, s, nscheme + nhost);
	core_buf_add(b, auth + nhost, len - nscheme - nhost);
	return 0;
}

static int
canon_tz(const char *s, size_t len, struct core_buf *b, const char **why)
{
	size_t i, start = 0;

	*why = MSG_TZ;
	if (len > TZ_MAX)
		return DG_EINVAL;
	if (len == 3 && strncasecmp(s, "utc", 3) == 0) {
		core_buf_str(b, "UTC");
		return 0;
	}
	/* Without the tz database (no I/O in core/) only the shape can be
	 * checked: components that start with a letter, as IANA's do. */
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '/') {
			if (!is_alnum(s[i]) && !strchr("_-+", s[i]))
				return DG_EINVAL;
			continue;
		}
		if (i == start || !is_alpha(s[start]))
			return DG_EINVAL;
		start = i + 1;
	}
	core_buf_add(b, s, len);
	return 0;
}

/* A number of at most 6 digits at s[*pos], or -1. */
static long
small_number(const char *s, size_t len, size_t *pos)
{
	long v = 0;
	size_t n = 0;

	while (*pos < len && is_digit(s[*pos])) {
		if (++n > 6)
			return -1;
		v = v * 10 + (s[(*pos)++] - '0');
	}
	return n > 0 ? v : -1;
}

static void
skip_spaces(const char *s, size_t len, size_t *pos)
{
	while (*pos < len && s[*pos] == ' ')
		(*pos)++;
}

static long
parse_duration(const char *s, size_t len)
{
	size_t pos = 0;
	long v, total = 0;
	int unit = 0; /* 0 none yet, 1 after hours, 2 after minutes */

	if (memchr(s, ':', len) != NULL) {
		v = small_number(s, len, &pos);
		if (v < 0 || pos + 3 != len || s[pos] != ':' ||
		    digits(s + pos + 1, 2) < 0 || digits(s + pos + 1, 2) > 59)
			return -1;
		return v * 60 + digits(s + pos + 1, 2);
	}
	while (pos < len) {
		v = small_number(s, len, &pos);
		if (v < 0)
			return -1;
		skip_spaces(s, len, &pos);
		if (pos == len && unit == 0)
			return v; /* a bare number is minutes */
		if (pos == len && unit == 1)
			return total + v; /* "1h30" */
		if (pos < len && (s[pos] == 'h' || s[pos] == 'H') &&
		    unit == 0) {
			pos++;
			total += v * 60;
			unit = 1;
		} else if (pos < len && (s[pos] == 'm' || s[pos] == 'M') &&
		    unit < 2) {
			pos++;
			if (len - pos >= 2 && (s[pos] | 0x20) == 'i' &&
			    (s[pos + 1] | 0x20) == 'n')
				pos += 2;
			total += v;
			unit = 2;
		} else {
			return -1;
		}
		skip_spaces(s, len, &pos);
	}
	return total;
}

static int
canon_duration(const char *s, size_t len, struct core_buf *b,
    const char **why)
{
	long v = parse_duration(s, len);

	if (v < 1 || v > DURATION_MAX) {
		*why = MSG_DURATION;
		return DG_EINVAL;
	}
	core_buf_printf(b, "%ld", v);
	return 0;
}

static int
canon_int(const char *s, size_t len, struct core_buf *b, const char **why)
{
	size_t pos = 0;
	long v;

	*why = MSG_INT;
	if (!all_of(s, len, true))
		return DG_EINVAL;
	/* "007" is 7; the limit is on the value, not the typing. */
	while (len - pos > 1 && s[pos] == '0')
		pos++;
	if (len - pos > 7)
		return DG_EINVAL;
	for (v = 0; pos < len; pos++)
		v = v * 10 + (s[pos] - '0');
	if (v > INT_MAX_VALUE)
		return DG_EINVAL;
	core_buf_printf(b, "%ld", v);
	return 0;
}

static int
canon_categories(const char *s, size_t len, struct core_buf *b,
    const char **why)
{
	const char *item;
	size_t pos = 0, n, i, k;
	char name[32];

	while (next_item(s, len, &pos, &item, &n)) {
		if (n >= sizeof(name))
			goto bad;
		for (i = 0; i < n; i++)
			name[i] = lower(item[i]);
		name[n] = '\0';
		for (k = 0; core_schema_categories[k] != NULL; k++) {
			if (strcmp(name, core_schema_categories[k]) == 0)
				break;
		}
		if (core_schema_categories[k] == NULL)
			goto bad;
		if (list_has(b, name, n))
			continue;
		if (b->len > 0)
			core_buf_ch(b, ',');
		core_buf_add(b, name, n);
	}
	if (b->len > 0)
		return 0;
bad:
	*why = msg_categories;
	return DG_EINVAL;
}

static int
canon_repeat(const char *s, size_t len, struct core_buf *b,
    const char **why)
{
	struct core_repeat r;
	char *copy;
	int rc;

	/* core_repeat_parse wants a C string; s is a trimmed slice. */
	copy = strndup(s, len);
	if (copy == NULL)
		return DG_ENOMEM;
	rc = core_repeat_parse(copy, &r);
	free(copy);
	if (rc != 0) {
		*why = MSG_REPEAT;
		return DG_EINVAL;
	}
	core_repeat_canon(&r, b);
	return 0;
}

static int
canon_text(const char *s, size_t len, struct core_buf *b, const char **why)
{
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t n;
	size_t i;
	int rc;

	/* Text below U+0300 (ASCII, Latin-1, Latin Extended-A and -B, IPA)
	 * is its own NFC: nothing there decomposes differently or combines
	 * (the first combining mark is U+0300).  In valid UTF-8 a byte
	 * from 0xcc on only starts a code point at or above it. */
	for (i = 0; i < len && (unsigned char)s[i] < 0xcc; i++)
		;
	if (i == len) {
		core_buf_add(b, s, len);
		return 0;
	}
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
	    &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0) {
		rc = n == UTF8PROC_ERROR_NOMEM ? DG_ENOMEM : DG_EUTF8;
		*why = rc == DG_EUTF8 ? MSG_UTF8 : NULL;
		goto cleanup;
	}
	/* NFC can lengthen a few scripts' text; the limit is on what is
	 * stored. */
	if ((size_t)n > CORE_VALUE_MAX) {
		*why = MSG_LIMIT;
		rc = DG_ELIMIT;
		goto cleanup;
	}
	core_buf_add(b, nfc, (size_t)n);
	rc = 0;
cleanup:
	if (nfc != NULL) {
		sodium_memzero(nfc, n > 0 ? (size_t)n : 0);
		free(nfc);
	}
	return rc;
}

typedef int canon_fn(const char *s, size_t len, struct core_buf *b,
    const char **why);

/* How each type is brought to its canonical form, and what to say when
 * a value is empty. */
static const struct {
	canon_fn *fn;
	const char *expect;
} types[] = {
	[CORE_FT_TEXT] = { canon_text, MSG_TEXT },
	[CORE_FT_LANGS] = { canon_langs, MSG_LANGS },
	[CORE_FT_PHONE] = { canon_phone, MSG_PHONE },
	[CORE_FT_EMAIL] = { canon_email, MSG_EMAIL },
	[CORE_FT_URL] = { canon_url, MSG_URL },
	[CORE_FT_DATETIME] = { canon_datetime, MSG_DATETIME },
	[CORE_FT_TZ] = { canon_tz, MSG_TZ },
	[CORE_FT_DURATION] = { canon_duration, MSG_DURATION },
	[CORE_FT_REPEAT] = { canon_repeat, MSG_REPEAT },
	[CORE_FT_INT] = { canon_int, MSG_INT },
	[CORE_FT_CATEGORIES] = { canon_categories, msg_categories },
	[CORE_FT_DATE] = { canon_date, MSG_DATE },
};

static void
write_why(char *why, size_t whylen, const char *msg)
{
	size_t k, used;
	int n;

	if (why == NULL || whylen == 0)
		return;
	n = snprintf(why, whylen, "%s", msg);
	if (msg != msg_categories || n < 0)
		return;
	/* The list lives in core/schema.c; name it from there. */
	used = (size_t)n;
	for (k = 0; core_schema_categories[k] != NULL && used < whylen; k++) {
		n = snprintf(why + used, whylen - used, "%s%s",
		    k > 0 ? ", " : "", core_schema_categories[k]);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

int
core_valid_value(enum core_ftype t, const char *in, char **canon,
    char *why, size_t whylen)
{
	const char *msg = NULL, *s;
	size_t len, start, end;
	struct core_buf b;
	int rc;

	*canon = NULL;
	core_buf_init(&b);
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if ((size_t)t >= sizeof(types) / sizeof(types[0]) ||
	    types[t].fn == NULL) {
		msg = MSG_TYPE;
		rc = DG_EINVAL;
		goto cleanup;
	}
	/* Never scan further than one byte past the limit. */
	len = strnlen(in, CORE_VALUE_MAX + 1);
	/* Tabs and new lines pass here so they can be trimmed from the
	 * ends; one-line types check again below. */
	rc = core_text_check_value(in, len, true);
	if (rc != 0) {
		msg = rc == DG_ELIMIT ? MSG_LIMIT : rc == DG_EUTF8 ? MSG_UTF8
		    : MSG_CONTROL;
		goto cleanup;
	}
	trim(in, len, &start, &end);
	s = in + start;
	len = end - start;
	if (len == 0) {
		msg = types[t].expect;
		rc = DG_EINVAL;
		goto cleanup;
	}
	/* The whole value passed the multi-line check, so the one-line
	 * check of its trimmed part can only fail on a tab or a new line,
	 * bytes that valid UTF-8 holds only as themselves. */
	if (t != CORE_FT_TEXT && (memchr(s, '\n', len) != NULL ||
	    memchr(s, '\t', len) != NULL)) {
		msg = MSG_ONELINE;
		rc = DG_EINVAL;
		goto cleanup;
	}
	rc = types[t].fn(s, len, &b, &msg);
	/* A canonical form cut short for want of memory may look invalid
	 * (an empty list): the memory is the error. */
	if (b.err != 0 || (rc == 0 && b.data == NULL)) {
		rc = DG_ENOMEM;
		msg = NULL;
		goto cleanup;
	}
	if (rc != 0)
		goto cleanup;
	*canon = core_buf_take(&b, NULL);
cleanup:
	if (rc != 0 && msg != NULL)
		write_why(why, whylen, msg);
	core_buf_fini(&b);
	return rc;
}
