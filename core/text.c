#include "core/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/schema.h"

/* Decodes one strict UTF-8 sequence at s[0..len).  Returns its length
 * (1..4) with *cp set, or 0 when the bytes are not the shortest form of
 * a scalar value.  NUL decodes as U+0000; callers that refuse it check
 * for it themselves. */
static size_t
decode(const unsigned char *s, size_t len, int32_t *cp)
{
	uint32_t c, min;
	size_t n, i;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = (int32_t)c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		/* Continuation bytes, 0xc0/0xc1 (always overlong) and
		 * 0xf5.. (beyond U+10FFFF) never start a sequence. */
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = (int32_t)c;
	return n;
}

bool
core_text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	int32_t cp;

	while (i < len) {
		/* ASCII fast path: most of what we see is ASCII. */
		if (p[i] != 0 && p[i] < 0x80) {
			i++;
			continue;
		}
		n = decode(p + i, len - i, &cp);
		if (n == 0 || cp == 0)
			return false;
		i += n;
	}
	return true;
}

int
core_text_check_value(const char *s, size_t len, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	int32_t cp;

	/* The size first, so an oversized value is not scanned at all. */
	if (len > CORE_VALUE_MAX)
		return DG_ELIMIT;
	while (i < len) {
		/* Printable ASCII, most of what we see, needs no decoding. */
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			i++;
			continue;
		}
		n = decode(p + i, len - i, &cp);
		/* NUL is bad UTF-8 here, not a control character: C strings
		 * would cut the value short. */
		if (n == 0 || cp == 0)
			return DG_EUTF8;
		i += n;
		if (multiline && (cp == '\n' || cp == '\t'))
			continue;
		/* Cc covers C0, DEL and C1: CR, ESC and friends would let a
		 * value rewrite a peer's terminal or break a line format.
		 * Unicode's stability policy fixes Cc to exactly these. */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return DG_EINVAL;
	}
	return 0;
}

/* Letters that carry their mark in the letter itself, so neither
 * decomposition nor mark stripping reaches their base.  Looked up after
 * case folding; the capitals are listed too in case a future utf8proc
 * folds one of them differently. */
static const struct {
	int32_t cp;
	const char *to;
} base_map[] = {
	{ 0x00d8, "o" }, { 0x00f8, "o" },   /* Ø ø */
	{ 0x00c6, "ae" }, { 0x00e6, "ae" }, /* Æ æ */
	{ 0x1e9e, "ss" }, { 0x00df, "ss" }, /* ẞ ß */
	{ 0x0110, "d" }, { 0x0111, "d" },   /* Đ đ */
	{ 0x0141, "l" }, { 0x0142, "l" },   /* Ł ł */
	{ 0x0131, "i" },                    /* ı (I already folds to i) */
	{ 0x0152, "oe" }, { 0x0153, "oe" }, /* Œ œ */
	{ 0x00de, "th" }, { 0x00fe, "th" }, /* Þ þ */
	{ 0x00d0, "d" }, { 0x00f0, "d" },   /* Ð ð */
	{ 0x0126, "h" }, { 0x0127, "h" },   /* Ħ ħ */
};

static const char *
base_of(int32_t cp)
{
	size_t i;

	if (cp < 0xc0)
		return NULL;
	for (i = 0; i < sizeof(base_map) / sizeof(base_map[0]); i++) {
		if (base_map[i].cp == cp)
			return base_map[i].to;
	}
	return NULL;
}

int
core_text_fold(const char *s, size_t len, char **out)
{
	utf8proc_uint8_t *tmp = NULL;
	utf8proc_ssize_t n;
	struct core_buf b;
	const unsigned char *p;
	const char *to;
	size_t i, k;
	int32_t cp;
	int rc;

	*out = NULL;
	core_buf_init(&b);
	if (!core_text_utf8_valid(s, len))
		return DG_EUTF8;
	if (len > (size_t)PTRDIFF_MAX)
		return DG_ENOMEM;
	if (len == 0) {
		*out = calloc(1, 1);
		return *out != NULL ? 0 : DG_ENOMEM;
	}
	/* COMPOSE rather than DECOMPOSE: STRIPMARK works with either, and
	 * composed output keeps Hangul syllables whole, so both sides of a
	 * search fold to the same short form. */
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
	    &tmp, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
	    UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
	if (n < 0) {
		rc = n == UTF8PROC_ERROR_NOMEM || n == UTF8PROC_ERROR_OVERFLOW
		    ? DG_ENOMEM : DG_EUTF8;
		goto cleanup;
	}
	/* A second pass, not utf8proc's custom_func hook: that maps one
	 * code point to one code point and cannot turn æ into "ae", and
	 * running after the mark stripping also catches ǿ (ø + acute). */
	p = tmp;
	for (i = 0; i < (size_t)n; i += k) {
		k = decode(p + i, (size_t)n - i, &cp);
		if (k == 0) {
			rc = DG_EUTF8;
			goto cleanup;
		}
		to = base_of(cp);
		if (to != NULL)
			core_buf_str(&b, to);
		else
			core_buf_add(&b, p + i, k);
	}
	if (b.err) {
		rc = b.err;
		goto cleanup;
	}
	/* A string of marks or ignorables folds to "", still a string. */
	*out = b.data != NULL ? core_buf_take(&b, NULL) : calloc(1, 1);
	rc = *out != NULL ? 0 : DG_ENOMEM;
cleanup:
	/* The input may be decrypted text; do not leave copies behind. */
	if (tmp != NULL) {
		sodium_memzero(tmp, n > 0 ? (size_t)n : 0);
		free(tmp);
	}
	core_buf_fini(&b);
	return rc;
}

bool
core_text_contains_folded(const char *s, const char *needle_folded)
{
	char *folded;
	bool found;

	if (needle_folded[0] == '\0')
		return true;
	if (core_text_fold(s, strlen(s), &folded) != 0)
		return false;
	/* Byte search is enough: UTF-8 never matches in the middle of a
	 * character. */
	found = strstr(folded, needle_folded) != NULL;
	sodium_memzero(folded, strlen(folded));
	free(folded);
	return found;
}

#define RI_FIRST 0x1f1e6 /* regional indicators: pairs are flags */
#define RI_LAST 0x1f1ff
#define VS16 0xfe0f      /* emoji presentation selector */

/* Measures the grapheme cluster starting at s[pos]: returns its end and
 * its width in *cols.  An invalid byte is a cluster of its own, one
 * column wide, as the terminal shows it as a replacement character. */
static size_t
cluster(const unsigned char *s, size_t len, size_t pos, size_t *cols)
{
	int32_t first, prev, cp, state = 0;
	size_t n, count = 1;
	int w, max;

	n = decode(s + pos, len - pos, &first);
	if (n == 0) {
		*cols = 1;
		return pos + 1;
	}
	pos += n;
	prev = first;
	max = utf8proc_charwidth(first);
	while (pos < len) {
		n = decode(s + pos, len - pos, &cp);
		if (n == 0 ||
		    utf8proc_grapheme_break_stateful(prev, cp, &state))
			break;
		/* A cluster takes the width of its widest member, not the
		 * sum: a terminal draws Hangul jamo or an emoji ZWJ sequence
		 * as one glyph. */
		w = utf8proc_charwidth(cp);
		if (w > max)
			max = w;
		if (cp == VS16)
			max = 2;
		prev = cp;
		pos += n;
		count++;
	}
	if (count == 2 && first >= RI_FIRST && first <= RI_LAST)
		max = 2;
	*cols = max > 0 ? (size_t)max : 0;
	return pos;
}

size_t
core_text_width(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0, cols, total = 0;

	while (pos < len) {
		pos = cluster(p, len, pos, &cols);
		total += cols;
	}
	return total;
}

size_t
core_text_fit(const char *s, size_t len, size_t cols)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0, end, w, used = 0;

	while (pos < len) {
		end = cluster(p, len, pos, &w);
		if (w > cols - used)
			break;
		used += w;
		pos = end;
	}
	return pos;
}

bool
core_text_is_rtl(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0, n, isolate = 0;
	int32_t cp;
	int bc;

	while (pos < len) {
		n = decode(p + pos, len - pos, &cp);
		if (n == 0) {
			pos++;
			continue;
		}
		pos += n;
		bc = utf8proc_get_property(cp)->bidi_class;
		/* UAX #9 rule P2: text inside an isolate does not decide the
		 * direction of the text around it. */
		switch (bc) {
		case UTF8PROC_BIDI_CLASS_LRI:
		case UTF8PROC_BIDI_CLASS_RLI:
		case UTF8PROC_BIDI_CLASS_FSI:
			isolate++;
			continue;
		case UTF8PROC_BIDI_CLASS_PDI:
			if (isolate > 0)
				isolate--;
			continue;
		}
		if (isolate > 0)
			continue;
		if (bc == UTF8PROC_BIDI_CLASS_L)
			return false;
		if (bc == UTF8PROC_BIDI_CLASS_R || bc == UTF8PROC_BIDI_CLASS_AL)
			return true;
	}
	return false;
}
