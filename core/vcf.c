#include "core/vcf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/datetime.h"
#include "core/hlc.h"
#include "core/schema.h"
#include "core/text.h"
#include "core/valid.h"

/* Marks texts for translation (xgettext); cli/ translates the reasons.
 * The literal reasons given to fail() and bad() are found by their
 * names (Makefile, pot). */
#define N_(s) s

#define VCF_FOLD 75                       /* octets per line, RFC 6350 3.2 */
#define VCF_LINE_MAX (CORE_VALUE_MAX * 2) /* one unfolded property line */
#define VCF_PREF_NONE 101                 /* below every PREF (1..100) */
/* The last second a vCard timestamp can hold; an HLC from a peer with a
 * broken clock must not produce a five-digit year. */
#define VCF_MS_MAX UINT64_C(253402300799999)

static bool
lower_eq(const char *s, size_t n, const char *lit)
{
	size_t i;
	char c;

	if (strlen(lit) != n)
		return false;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lit[i])
			return false;
	}
	return true;
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* --- writing --- */

/* Appends s[0..n) and CRLF, folded so no line passes 75 octets; a fold
 * goes before a UTF-8 lead byte, never inside a character. */
static void
put_folded(struct core_buf *b, const char *s, size_t n)
{
	size_t pos = 0, width = VCF_FOLD, cut;

	while (n - pos > width) {
		cut = pos + width;
		while (cut > pos && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		if (cut == pos)
			cut = pos + width; /* not UTF-8: cut anywhere */
		core_buf_add(b, s + pos, cut - pos);
		core_buf_add(b, "\r\n ", 3);
		pos = cut;
		width = VCF_FOLD - 1; /* the leading space counts */
	}
	core_buf_add(b, s + pos, n - pos);
	core_buf_add(b, "\r\n", 2);
}

/* Appends v as an escaped TEXT value.  Control characters other than
 * tab and LF would break the line structure, so they are dropped. */
static void
put_text(struct core_buf *l, const char *v)
{
	unsigned char c;

	for (; *v != '\0'; v++) {
		c = (unsigned char)*v;
		if (c == '\\' || c == ',' || c == ';') {
			core_buf_ch(l, '\\');
			core_buf_ch(l, (char)c);
		} else if (c == '\n') {
			core_buf_add(l, "\\n", 2);
		} else if (c >= 0x20 || c == '\t') {
			if (c != 0x7f)
				core_buf_ch(l, (char)c);
		}
	}
}

/* A language tag as it may appear in a parameter: letters, digits and
 * '-' only, so a stored key can never inject ';', ':' or a line break. */
static bool
tag_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 35)
		return false;
	for (i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/* Moves the line built in l to b, folded. */
static void
flush(struct core_buf *b, const struct core_buf *l)
{
	if (l->err)
		b->err = l->err;
	else
		put_folded(b, l->data, l->len);
}

/* Emits "prop" then value as one folded line, built in l first. */
static void
put_prop(struct core_buf *b, struct core_buf *l, const char *prop,
    const char *lang, const char *value)
{
	l->len = 0;
	core_buf_str(l, prop);
	if (lang != NULL) {
		core_buf_str(l, ";ALTID=1;LANGUAGE=");
		core_buf_str(l, lang);
	}
	core_buf_ch(l, ':');
	put_text(l, value);
	flush(b, l);
}

/* Emits the plain field (when plain is set), then its translations as
 * ALTID/LANGUAGE alternatives of it. */
static void
put_field(struct core_buf *b, struct core_buf *l, const struct core_record *r,
    const char *key, const char *prop, bool plain)
{
	size_t kl = strlen(key), i;
	const char *v, *k;

	v = core_record_get(r, key);
	if (plain && v != NULL && v[0] != '\0')
		put_prop(b, l, prop, NULL, v);
	for (i = 0; i < r->nfields; i++) {
		k = r->fields[i].key;
		v = r->fields[i].value;
		if (v == NULL || v[0] == '\0' || strncmp(k, key, kl) != 0 ||
		    k[kl] != '@' || !tag_ok(k + kl + 1, strlen(k + kl + 1)))
			continue;
		put_prop(b, l, prop, k + kl + 1, v);
	}
}

static void
put_tel(struct core_buf *b, struct core_buf *l, const char *v)
{
	l->len = 0;
	core_buf_str(l, "TEL;VALUE=uri:tel:");
	/* RFC 3966 has no spaces: '-' is its visual separator. */
	for (; *v != '\0'; v++) {
		if ((*v >= '0' && *v <= '9') || *v == '+')
			core_buf_ch(l, *v);
		else if (*v == ' ' || *v == '-' || *v == '.')
			core_buf_ch(l, '-');
	}
	flush(b, l);
}

static void
put_langs(struct core_buf *b, const char *v)
{
	size_t n, pref = 1;

	while (*v != '\0') {
		n = strcspn(v, ",");
		if (tag_ok(v, n)) {
			/* PREF ends at 100; later tags share it. */
			core_buf_printf(
			    b, "LANG;PREF=%zu:%.*s\r\n", pref, (int)n, v);
			if (pref < 100)
				pref++;
		}
		v += n;
		if (*v == ',')
			v++;
	}
}

static void
put_rev(struct core_buf *b, uint64_t hlc)
{
	struct core_datetime dt;
	uint64_t ms = CORE_HLC_MS(hlc);

	if (ms > VCF_MS_MAX)
		ms = VCF_MS_MAX;
	core_datetime_from_unix((int64_t)(ms / 1000), 0, &dt);
	core_buf_printf(b, "REV:%04d%02d%02dT%02d%02d%02dZ\r\n", dt.year,
	    dt.month, dt.day, dt.hour, dt.min, dt.sec);
}

static void
put_card(struct core_buf *b, struct core_buf *l, const struct core_record *r)
{
	char id[CORE_RID_TEXT];
	const char *name, *v;

	core_buf_str(b, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
	name = core_record_get(r, "name");
	/* FN is required: an empty one keeps the card valid. */
	put_prop(b, l, "FN", NULL, name != NULL ? name : "");
	put_field(b, l, r, "name", "FN", false);
	/* Splitting a name into family and given parts guesses wrong for
	 * most of the names in a directory like this (Somali, Arabic,
	 * Tigrinya patronymics); the whole name goes in the given-name
	 * slot, which every app shows as written. */
	l->len = 0;
	core_buf_str(l, "N:;");
	put_text(l, name != NULL ? name : "");
	core_buf_str(l, ";;;");
	flush(b, l);
	core_record_id_text(r->id, id);
	core_buf_printf(b, "UID:urn:dugnad:%s\r\n", id);
	put_rev(b, r->updated);
	v = core_record_get(r, "phone");
	if (v != NULL && v[0] != '\0')
		put_tel(b, l, v);
	v = core_record_get(r, "email");
	if (v != NULL && v[0] != '\0')
		put_prop(b, l, "EMAIL", NULL, v);
	put_field(b, l, r, "org", "ORG", true);
	put_field(b, l, r, "role", "ROLE", true);
	v = core_record_get(r, "lang");
	if (v != NULL)
		put_langs(b, v);
	put_field(b, l, r, "area", "X-DUGNAD-AREA", true);
	put_field(b, l, r, "note", "NOTE", true);
	core_buf_str(b, "END:VCARD\r\n");
}

void
core_vcf_write(struct core_buf *b, const struct core_record *recs, size_t n)
{
	struct core_buf l;
	size_t i;

	core_buf_init(&l);
	for (i = 0; i < n; i++) {
		/* A removed contact has nothing to hand to an address
		 * book; writing it would bring it back on import. */
		if (recs[i].type == CORE_RT_CONTACT && !recs[i].removed)
			put_card(b, &l, &recs[i]);
	}
	core_buf_fini(&l);
}

/* --- reading --- */

enum prop_kind { K_BEGIN, K_END, K_VERSION, K_FIELD };

/* The properties read; every other one is skipped unread.  A stand-in
 * (level 2) gives a field only when the card lacks the real property:
 * N for FN, TITLE for ROLE. */
static const struct {
	const char *name; /* lowercase */
	enum prop_kind kind;
	const char *key; /* dugnad field */
	int level;
	bool translatable;
} props[] = {
    {"begin", K_BEGIN, NULL, 0, false},
    {"end", K_END, NULL, 0, false},
    {"version", K_VERSION, NULL, 0, false},
    {"fn", K_FIELD, "name", 0, true},
    {"n", K_FIELD, "name", 2, false},
    {"tel", K_FIELD, "phone", 0, false},
    {"email", K_FIELD, "email", 0, false},
    {"org", K_FIELD, "org", 0, true},
    {"role", K_FIELD, "role", 0, true},
    {"title", K_FIELD, "role", 2, true},
    {"lang", K_FIELD, "lang", 0, false},
    {"x-dugnad-area", K_FIELD, "area", 0, true},
    {"note", K_FIELD, "note", 0, true},
};

#define NPROPS (sizeof(props) / sizeof(props[0]))

/* One candidate value for a field.  The winner of each key is the one
 * with the lowest (level, pref, order). */
struct ent {
	char key[CORE_FIELD_NAME_MAX + 1];
	char *value; /* owned, wiped when freed */
	int level;
	int pref;
	size_t order;
};

/* What the parameters of one property say. */
struct prop {
	char lang[CORE_FIELD_NAME_MAX + 1]; /* canonical, or "" */
	bool altid;
	bool uri;
	bool base64;
	int pref;
	const char *value; /* raw, in the unfolded line */
	size_t vlen;
};

struct vparse {
	const char *data;
	size_t len;
	size_t i;              /* next byte */
	size_t line;           /* line of data[i] */
	size_t start;          /* first line of the current property */
	struct core_buf buf;   /* the unfolded property line */
	struct core_buf val;   /* its decoded value */
	struct core_buf langs; /* the card's LANG list */
	bool in_card;
	size_t ncards;
	size_t card_line;
	size_t nprops;
	/* Each property yields at most two entries (name@LANG and its
	 * stand-in for name), so the card's property limit bounds this. */
	struct ent ent[2 * CORE_VCF_PROPS_MAX];
	size_t nent;
	struct core_kv kv[2 * CORE_VCF_PROPS_MAX];
	size_t err_line;
	char *why;
	size_t whylen;
};

static int
fail(struct vparse *p, int code, size_t line, const char *reason)
{
	p->err_line = line;
	if (p->why != NULL && p->whylen > 0)
		snprintf(p->why, p->whylen, "%s", reason);
	return code;
}

/* A syntax error in the current property. */
static int
bad(struct vparse *p, const char *reason)
{
	return fail(p, DG_EDECODE, p->start, reason);
}

static void
free_ents(struct vparse *p)
{
	size_t k;

	for (k = 0; k < p->nent; k++) {
		sodium_memzero(p->ent[k].value, strlen(p->ent[k].value));
		free(p->ent[k].value);
	}
	p->nent = 0;
}

/* The physical line at i: *end is where it stops (before CR LF), *next
 * where the following one starts. */
static void
phys_line(const struct vparse *p, size_t i, size_t *end, size_t *next)
{
	const char *nl = memchr(p->data + i, '\n', p->len - i);
	size_t e = nl != NULL ? (size_t)(nl - p->data) : p->len;

	*next = nl != NULL ? e + 1 : p->len;
	if (e > i && p->data[e - 1] == '\r')
		e--;
	*end = e;
}

/* Index in props of the property that s[0..n) starts with ("TEL",
 * "item1.TEL"), or -1.  *named is false when s does not start with a
 * name followed by ';' or ':'. */
static int
lookup(const char *s, size_t n, bool *named)
{
	size_t i = 0, name = 0, k;

	while (i < n && is_name_char(s[i]))
		i++;
	if (i > 0 && i < n && s[i] == '.') {
		name = ++i;
		while (i < n && is_name_char(s[i]))
			i++;
	}
	*named = i > name && i < n && (s[i] == ';' || s[i] == ':');
	if (!*named)
		return -1;
	for (k = 0; k < NPROPS; k++)
		if (lower_eq(s + name, i - name, props[k].name))
			return (int)k;
	return -1;
}

static bool
has_qp(const char *s, size_t n)
{
	static const char qp[] = "quoted-printable";
	size_t i, m = sizeof(qp) - 1;

	for (i = 0; i + m <= n && s[i] != ':'; i++)
		if (lower_eq(s + i, m, qp))
			return true;
	return false;
}

static const char qp_why[] = N_("quoted-printable text (vCard 2.1) is not "
				"supported: export the contacts as vCard "
				"3.0 or 4.0");

/* Reads the next property, unfolded, into p->buf, and sets *k to its
 * index in props, or -1 for a property dugnad does not read.  Those
 * (PHOTO, often hundreds of kilobytes) are skipped without being
 * copied, so the line limit only applies to what is used. */
static int
read_logical(struct vparse *p, int *k, bool *eof)
{
	size_t end, next, n;
	bool named, skip;

	*eof = false;
	for (;;) {
		if (p->i >= p->len) {
			*eof = true;
			return 0;
		}
		phys_line(p, p->i, &end, &next);
		if (end > p->i)
			break;
		p->i = next; /* blank line */
		p->line++;
	}
	p->start = p->line;
	p->buf.len = 0;
	*k = lookup(p->data + p->i, end - p->i, &named);
	skip = named && *k < 0;
	if (skip && has_qp(p->data + p->i, end - p->i))
		return bad(p, qp_why);
	n = end - p->i;
	for (;;) {
		if (!skip) {
			if (p->buf.len + n > VCF_LINE_MAX)
				return fail(p, DG_ELIMIT, p->start,
				    "a property is longer than 8192 bytes");
			core_buf_add(&p->buf, p->data + end - n, n);
		}
		p->i = next;
		p->line++;
		if (p->i >= p->len ||
		    (p->data[p->i] != ' ' && p->data[p->i] != '\t'))
			break;
		phys_line(p, p->i, &end, &next);
		n = end - p->i - 1; /* without the folding white space */
	}
	if (p->buf.err)
		return p->buf.err;
	if (!named) {
		/* Folding may split even a name: look again, whole. */
		*k = lookup(p->buf.data, p->buf.len, &named);
		if (!named)
			return bad(p, "not a vCard line (NAME:value)");
	}
	return 0;
}

static int
param(struct vparse *p, struct prop *pr, const char *name, size_t nl,
    const char *v, size_t vl)
{
	size_t k;
	int n = 0;

	if (lower_eq(name, nl, "language")) {
		if (core_valid_lang(v, vl, pr->lang, sizeof(pr->lang)) != 0)
			return bad(p, "LANGUAGE is not a language tag");
	} else if (lower_eq(name, nl, "altid")) {
		pr->altid = vl > 0;
	} else if (lower_eq(name, nl, "pref")) {
		/* A bad PREF only loses an ordering hint: ignored. */
		for (k = 0; k < vl && k < 4 && v[k] >= '0' && v[k] <= '9'; k++)
			n = n * 10 + (v[k] - '0');
		if (k == vl && n >= 1 && n <= 100 && n < pr->pref)
			pr->pref = n;
	} else if (lower_eq(name, nl, "type")) {
		if (lower_eq(v, vl, "pref"))
			pr->pref = 1; /* vCard 3.0 */
		else if (lower_eq(v, vl, "quoted-printable"))
			return bad(p, qp_why);
	} else if (lower_eq(name, nl, "encoding")) {
		if (lower_eq(v, vl, "quoted-printable"))
			return bad(p, qp_why);
		if (lower_eq(v, vl, "b") || lower_eq(v, vl, "base64"))
			pr->base64 = true;
	} else if (lower_eq(name, nl, "value")) {
		pr->uri = lower_eq(v, vl, "uri");
	}
	return 0;
}

/* Splits p->buf into parameters and the raw value. */
static int
parse_prop(struct vparse *p, struct prop *pr)
{
	const char *s = p->buf.data, *e = s + p->buf.len, *pn, *pv, *q;
	size_t pnl, pvl;
	int rc;

	memset(pr, 0, sizeof(*pr));
	pr->pref = VCF_PREF_NONE;
	while (s < e && (is_name_char(*s) || *s == '.'))
		s++;
	while (s < e && *s == ';') {
		pn = ++s;
		while (s < e && is_name_char(*s))
			s++;
		pnl = (size_t)(s - pn);
		if (pnl == 0)
			return bad(p, "a parameter has no name");
		if (s == e || *s != '=') {
			/* "TEL;CELL;PREF:" - a bare TYPE, vCard 2.1
			 * style, still written by some phones. */
			rc = param(p, pr, "type", 4, pn, pnl);
			if (rc != 0)
				return rc;
			continue;
		}
		s++;
		for (;;) {
			if (s < e && *s == '"') {
				pv = ++s;
				q = memchr(s, '"', (size_t)(e - s));
				if (q == NULL)
					return bad(p,
					    "unclosed quote in a "
					    "parameter");
				s = q + 1;
			} else {
				pv = s;
				while (s < e && *s != ';' && *s != ':' &&
				    *s != ',')
					s++;
				q = s;
			}
			pvl = (size_t)(q - pv);
			rc = param(p, pr, pn, pnl, pv, pvl);
			if (rc != 0)
				return rc;
			if (s == e || *s != ',')
				break;
			s++;
		}
	}
	if (s == e || *s != ':')
		return bad(p, "not a vCard line (NAME:value)");
	pr->value = s + 1;
	pr->vlen = (size_t)(e - s - 1);
	return 0;
}

/* Appends the TEXT value s[0..n) with its escapes undone; with
 * comma_space a bare ',' (a list separator in N) becomes a space. */
static void
unescape(struct core_buf *out, const char *s, size_t n, bool comma_space)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '\\' && i + 1 < n) {
			c = s[++i];
			if (c == 'n' || c == 'N')
				c = '\n';
			else if (c != ',' && c != ';' && c != '\\')
				core_buf_ch(out, '\\'); /* unknown: kept */
		} else if (c == ',' && comma_space) {
			c = ' ';
		}
		core_buf_ch(out, c);
	}
}

/* Length of the component at s[0..n): up to the first unescaped ';'. */
static size_t
component(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != ';')
		i += s[i] == '\\' && i + 1 < n ? 2 : 1;
	return i < n ? i : n;
}

/* Decodes the value of the property called name into p->val. */
static void
decode_value(struct vparse *p, const struct prop *pr, const char *name)
{
	/* N is family;given;additional;prefixes;suffixes, shown as
	 * "prefixes given additional family suffixes". */
	static const size_t n_order[] = {3, 1, 2, 0, 4};
	bool is_n = strcmp(name, "n") == 0, tel;
	const char *s = pr->value, *cs[5];
	size_t n = pr->vlen, cn[5], k, c;

	p->val.len = 0;
	if (is_n || strcmp(name, "org") == 0) {
		/* ORG is name;unit;unit...: joined with ", " (up to 5). */
		for (k = 0; k < 5; k++) {
			cs[k] = s;
			cn[k] = component(s, n);
			c = cn[k] < n ? cn[k] + 1 : n;
			s += c;
			n -= c;
		}
		for (k = 0; k < 5; k++) {
			c = is_n ? n_order[k] : k;
			if (cn[c] == 0)
				continue;
			if (p->val.len > 0)
				core_buf_str(&p->val, is_n ? " " : ", ");
			unescape(&p->val, cs[c], cn[c], is_n);
		}
		return;
	}
	tel = n >= 4 && lower_eq(s, 4, "tel:");
	if (strcmp(name, "tel") == 0 && (pr->uri || tel)) {
		s += tel ? 4 : 0;
		n -= tel ? 4 : 0;
		/* tel: URI: ";ext=" and other parameters dropped, '-'
		 * (its visual separator) back to the space people type. */
		for (k = 0; k < n && s[k] != ';'; k++)
			core_buf_ch(&p->val, s[k] == '-' ? ' ' : s[k]);
		return;
	}
	unescape(&p->val, s, n, false);
}

static int
add_ent(
    struct vparse *p, const char *key, const char *lang, int level, int pref)
{
	struct ent *e;
	int n;

	if (p->val.err)
		return p->val.err;
	if (p->val.len == 0)
		return 0; /* "FN:" says nothing */
	if (p->val.len > CORE_VALUE_MAX)
		return fail(p, DG_ELIMIT, p->start,
		    "a value is longer than 4096 bytes");
	if (p->nent == sizeof(p->ent) / sizeof(p->ent[0]))
		return DG_ELIMIT; /* cannot happen: nprops bounds it */
	e = &p->ent[p->nent];
	if (lang != NULL)
		n = snprintf(e->key, sizeof(e->key), "%s@%s", key, lang);
	else
		n = snprintf(e->key, sizeof(e->key), "%s", key);
	if (n < 0 || (size_t)n >= sizeof(e->key))
		return fail(
		    p, DG_ELIMIT, p->start, "a LANGUAGE tag is too long");
	e->value = malloc(p->val.len + 1);
	if (e->value == NULL)
		return DG_ENOMEM;
	memcpy(e->value, p->val.data, p->val.len + 1);
	e->level = level;
	e->pref = pref;
	e->order = p->nent++;
	return 0;
}

static int
field_prop(struct vparse *p, int k)
{
	struct prop pr;
	int rc;

	rc = parse_prop(p, &pr);
	if (rc != 0 || pr.base64)
		return rc; /* a binary value is no text field */
	decode_value(p, &pr, props[k].name);
	if (props[k].translatable && pr.altid && pr.lang[0] != '\0') {
		/* An alternative in a language: name@LANG, and a stand-in
		 * for the plain field when the card has none. */
		rc = add_ent(p, props[k].key, pr.lang, props[k].level, pr.pref);
		if (rc == 0)
			rc = add_ent(
			    p, props[k].key, NULL, props[k].level + 1, pr.pref);
		return rc;
	}
	return add_ent(p, props[k].key, NULL, props[k].level, pr.pref);
}

static int
cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
emit_card(struct vparse *p, core_vcf_card_fn fn, void *ctx)
{
	size_t i, j, k, nkv = 0;
	int rc;

	qsort(p->ent, p->nent, sizeof(p->ent[0]), cmp_ent);
	p->langs.len = 0;
	for (i = 0; i < p->nent; i = j) {
		for (j = i + 1; j < p->nent; j++)
			if (strcmp(p->ent[j].key, p->ent[i].key) != 0)
				break;
		p->kv[nkv].key = p->ent[i].key;
		p->kv[nkv].value = p->ent[i].value;
		if (strcmp(p->ent[i].key, "lang") == 0) {
			/* Every LANG counts, most preferred first. */
			for (k = i; k < j; k++) {
				if (k > i)
					core_buf_ch(&p->langs, ',');
				core_buf_str(&p->langs, p->ent[k].value);
			}
			if (p->langs.err)
				return p->langs.err;
			if (p->langs.len > CORE_VALUE_MAX)
				return fail(p, DG_ELIMIT, p->card_line,
				    "the card's LANG list is longer than "
				    "4096 bytes");
			p->kv[nkv].value = p->langs.data;
		}
		nkv++;
	}
	rc = fn(ctx, p->card_line, p->kv, nkv);
	if (rc != 0)
		p->err_line = p->card_line;
	free_ents(p);
	return rc;
}

/* Handles the property in p->buf: props[k], or a skipped one (k < 0). */
static int
handle(struct vparse *p, int k, core_vcf_card_fn fn, void *ctx)
{
	enum prop_kind kind = k >= 0 ? props[k].kind : K_FIELD;
	struct prop pr;
	int rc;

	if (k >= 0 && !core_text_utf8_valid(p->buf.data, p->buf.len))
		return fail(p, DG_EUTF8, p->start,
		    "invalid UTF-8 (or a NUL byte); save the file as UTF-8");
	if (!p->in_card && (k < 0 || kind != K_BEGIN))
		return bad(p, "expected BEGIN:VCARD");
	memset(&pr, 0, sizeof(pr));
	if (kind != K_FIELD) {
		rc = parse_prop(p, &pr);
		if (rc != 0)
			return rc;
		while (pr.vlen > 0 &&
		    (pr.value[pr.vlen - 1] == ' ' ||
		        pr.value[pr.vlen - 1] == '\t'))
			pr.vlen--; /* "BEGIN:VCARD " from sloppy writers */
	}
	if (kind == K_BEGIN) {
		if (p->in_card)
			return bad(p,
			    "BEGIN:VCARD inside a card: the "
			    "card before has no END:VCARD");
		if (!lower_eq(pr.value, pr.vlen, "vcard"))
			return bad(p, "expected BEGIN:VCARD");
		p->in_card = true;
		p->card_line = p->start;
		p->nprops = 0;
		return 0;
	}
	if (kind == K_END) {
		if (!lower_eq(pr.value, pr.vlen, "vcard"))
			return bad(p, "expected END:VCARD");
		p->in_card = false;
		p->ncards++;
		return emit_card(p, fn, ctx);
	}
	if (++p->nprops > CORE_VCF_PROPS_MAX)
		return fail(p, DG_ELIMIT, p->start,
		    "a card has more than 256 properties");
	if (kind == K_VERSION && !lower_eq(pr.value, pr.vlen, "3.0") &&
	    !lower_eq(pr.value, pr.vlen, "4.0"))
		return bad(p,
		    lower_eq(pr.value, pr.vlen, "2.1")
		        ? N_("vCard 2.1 is not supported: export the "
			     "contacts as vCard 3.0 or 4.0")
		        : N_("unknown vCard version (3.0 and 4.0 are read)"));
	if (k < 0 || kind == K_VERSION)
		return 0;
	return field_prop(p, k);
}

int
core_vcf_parse(const char *data, size_t len, core_vcf_card_fn fn, void *ctx,
    size_t *err_line, char *why, size_t whylen)
{
	struct vparse *p;
	bool eof;
	int rc, k;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	/* About 40 KiB of per-card state: on the heap. */
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return DG_ENOMEM;
	p->data = data;
	p->len = len;
	p->line = 1;
	p->why = why;
	p->whylen = whylen;
	core_buf_init(&p->buf);
	core_buf_init(&p->val);
	core_buf_init(&p->langs);
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		p->i = 3;
	for (;;) {
		rc = read_logical(p, &k, &eof);
		if (rc != 0 || eof)
			break;
		rc = handle(p, k, fn, ctx);
		if (rc != 0)
			break;
	}
	if (rc == 0 && p->in_card)
		rc = fail(
		    p, DG_EDECODE, p->card_line, "the card has no END:VCARD");
	else if (rc == 0 && p->ncards == 0)
		rc = fail(
		    p, DG_EDECODE, 1, "no vCard found (no BEGIN:VCARD line)");
	if (rc != 0 && err_line != NULL)
		*err_line = p->err_line;
	free_ents(p);
	core_buf_fini(&p->buf);
	core_buf_fini(&p->val);
	core_buf_fini(&p->langs);
	free(p);
	return rc;
}
