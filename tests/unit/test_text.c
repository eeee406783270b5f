#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/schema.h"
#include "core/text.h"
#include "tests/unit/t.h"

#define VALID(lit) core_text_utf8_valid(lit, sizeof(lit) - 1)

static void
test_utf8_good(void)
{
	T_ASSERT(VALID(""));
	T_ASSERT(VALID("plain ASCII"));
	T_ASSERT(VALID("Troms\xc3\xb8"));                 /* ø */
	T_ASSERT(VALID("\xe2\x82\xac"));                   /* € */
	T_ASSERT(VALID("\xf0\x9f\x98\x80"));               /* 😀 */
	T_ASSERT(VALID("\xed\x9f\xbf"));                   /* U+D7FF */
	T_ASSERT(VALID("\xee\x80\x80"));                   /* U+E000 */
	T_ASSERT(VALID("\xf4\x8f\xbf\xbf"));               /* U+10FFFF */
	T_ASSERT(VALID("\xc2\x80"));                       /* U+0080 */
}

static void
test_utf8_bad(void)
{
	/* Overlong forms of '/', U+0000 and U+07FF. */
	T_ASSERT(!VALID("\xc0\xaf"));
	T_ASSERT(!VALID("\xc1\xbf"));
	T_ASSERT(!VALID("\xc0\x80"));
	T_ASSERT(!VALID("\xe0\x80\xaf"));
	T_ASSERT(!VALID("\xe0\x9f\xbf"));
	T_ASSERT(!VALID("\xf0\x80\x80\xaf"));
	T_ASSERT(!VALID("\xf0\x8f\xbf\xbf"));
	/* Surrogates, alone and as a CESU-8 pair. */
	T_ASSERT(!VALID("\xed\xa0\x80"));
	T_ASSERT(!VALID("\xed\xbf\xbf"));
	T_ASSERT(!VALID("\xed\xa0\xbd\xed\xb8\x80"));
	/* Truncated sequences, at the end and in the middle. */
	T_ASSERT(!VALID("\xc3"));
	T_ASSERT(!VALID("\xe2\x82"));
	T_ASSERT(!VALID("\xf0\x9f\x98"));
	T_ASSERT(!VALID("\xe2\x82x"));
	T_ASSERT(!VALID("a\xc3 b"));
	/* Above U+10FFFF. */
	T_ASSERT(!VALID("\xf4\x90\x80\x80"));
	T_ASSERT(!VALID("\xf5\x80\x80\x80"));
	T_ASSERT(!VALID("\xf8\x88\x80\x80\x80"));
	/* Stray continuation bytes and bytes never used. */
	T_ASSERT(!VALID("\x80"));
	T_ASSERT(!VALID("a\xbf"));
	T_ASSERT(!VALID("\xfe"));
	T_ASSERT(!VALID("\xff"));
	/* NUL inside the counted length. */
	T_ASSERT(!VALID("a\0b"));
	T_ASSERT(!VALID("\0"));
}

static void
test_check_value(void)
{
	char *big;

	T_EQ_INT(core_text_check_value("Amina", 5, false), 0);
	T_EQ_INT(core_text_check_value("", 0, false), 0);
	T_EQ_INT(core_text_check_value("a\nb", 3, false), DG_EINVAL);
	T_EQ_INT(core_text_check_value("a\nb", 3, true), 0);
	T_EQ_INT(core_text_check_value("a\tb", 3, false), DG_EINVAL);
	T_EQ_INT(core_text_check_value("a\tb", 3, true), 0);
	T_EQ_INT(core_text_check_value("a\r\nb", 4, true), DG_EINVAL);
	T_EQ_INT(core_text_check_value("\x1b[2J", 4, true), DG_EINVAL);
	T_EQ_INT(core_text_check_value("\x7f", 1, true), DG_EINVAL);
	T_EQ_INT(core_text_check_value("\xc2\x85", 2, true), DG_EINVAL);
	T_EQ_INT(core_text_check_value("\xc2\x9b", 2, true), DG_EINVAL);
	T_EQ_INT(core_text_check_value("a\0b", 3, true), DG_EUTF8);
	T_EQ_INT(core_text_check_value("\xc3", 1, true), DG_EUTF8);
	/* Zero-width and bidi characters are text, not control. */
	T_EQ_INT(core_text_check_value("\xe2\x80\x8b", 3, false), 0);
	big = malloc(CORE_VALUE_MAX + 1);
	T_ASSERT(big != NULL);
	memset(big, 'a', CORE_VALUE_MAX + 1);
	T_EQ_INT(core_text_check_value(big, CORE_VALUE_MAX, false), 0);
	T_EQ_INT(core_text_check_value(big, CORE_VALUE_MAX + 1, false),
	    DG_ELIMIT);
	free(big);
}

/* Folds s and compares with want; returns 0 on a match. */
static int
fold_is(const char *s, const char *want)
{
	char *out = NULL;
	int rc;

	if (core_text_fold(s, strlen(s), &out) != 0)
		return -1;
	rc = strcmp(out, want) != 0;
	if (rc)
		fprintf(stderr, "  fold(\"%s\") = \"%s\", want \"%s\"\n", s,
		    out, want);
	free(out);
	return rc;
}

static void
test_fold(void)
{
	T_EQ_INT(fold_is("Troms\xc3\xb8", "tromso"), 0);
	T_EQ_INT(fold_is("TROMS\xc3\x98", "tromso"), 0);
	T_EQ_INT(fold_is("AMINA", "amina"), 0);
	T_EQ_INT(fold_is("Amina", "amina"), 0);
	T_EQ_INT(fold_is("\xc3\x85", "a"), 0);                 /* Å */
	T_EQ_INT(fold_is("A\xcc\x8a", "a"), 0);                /* A + ring */
	T_EQ_INT(fold_is("\xc3\x86r\xc3\xb8sk\xc3\xb8" "bing",
	    "aeroskobing"), 0); /* Ærøskøbing */
	T_EQ_INT(fold_is("Stra\xc3\x9f" "e", "strasse"), 0);   /* Straße */
	T_EQ_INT(fold_is("\xe1\xba\x9e", "ss"), 0);            /* ẞ */
	T_EQ_INT(fold_is("\xc5\x81\xc3\xb3" "d\xc5\xba", "lodz"), 0);
	T_EQ_INT(fold_is("\xc4\x90or\xc4\x91" "e", "dorde"), 0);
	T_EQ_INT(fold_is("\xc4\xb1stanbul", "istanbul"), 0);   /* ı */
	T_EQ_INT(fold_is("\xc4\xb0stanbul", "istanbul"), 0);   /* İ */
	T_EQ_INT(fold_is("\xc5\x92uvre \xc5\x93uf", "oeuvre oeuf"), 0);
	T_EQ_INT(fold_is("\xc3\x9e\xc3\xb3r \xc3\xbe", "thor th"), 0);
	T_EQ_INT(fold_is("\xc3\x90\xc3\xb0", "dd"), 0);         /* Ðð */
	T_EQ_INT(fold_is("\xc4\xa6\xc4\xa7", "hh"), 0);         /* Ħħ */
	T_EQ_INT(fold_is("\xc7\xbf", "o"), 0);                 /* ǿ */
	T_EQ_INT(fold_is("\xef\xac\x81", "fi"), 0);            /* ﬁ */
	T_EQ_INT(fold_is("\xef\xbc\xa6\xef\xbd\x95ll", "full"), 0);
	T_EQ_INT(fold_is("Caf\xc3\xa9", "cafe"), 0);
	T_EQ_INT(fold_is("soft\xc2\xad" "hyphen", "softhyphen"), 0);
	/* Arabic vowel marks are dropped: محمد with and without harakat. */
	T_EQ_INT(fold_is("\xd9\x85\xd9\x8f\xd8\xad\xd9\x8e\xd9\x85\xd9\x8e"
	    "\xd9\x91\xd8\xaf", "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf"), 0);
	T_EQ_INT(fold_is("", ""), 0);
	T_EQ_INT(fold_is("\xcc\x81", ""), 0);                  /* a lone mark */
}

static void
test_fold_errors(void)
{
	char *out = (char *)1;

	T_EQ_INT(core_text_fold("\xc3(", 2, &out), DG_EUTF8);
	T_ASSERT(out == NULL);
	out = (char *)1;
	T_EQ_INT(core_text_fold("a\0b", 3, &out), DG_EUTF8);
	T_ASSERT(out == NULL);
	T_EQ_INT(core_text_fold("\xed\xa0\x80", 3, &out), DG_EUTF8);
}

static void
test_contains(void)
{
	T_ASSERT(core_text_contains_folded("Troms\xc3\xb8 kommune", "tromso"));
	T_ASSERT(core_text_contains_folded("Amina Hassan", "amina"));
	T_ASSERT(core_text_contains_folded("Kaf\xc3\xa9 \xc3\x85sen", "asen"));
	T_ASSERT(core_text_contains_folded("anything", ""));
	T_ASSERT(!core_text_contains_folded("Bergen", "tromso"));
	T_ASSERT(!core_text_contains_folded("", "a"));
	T_ASSERT(!core_text_contains_folded("\xff", "a"));
}

#define WIDTH(lit) core_text_width(lit, sizeof(lit) - 1)

static void
test_width(void)
{
	T_EQ_INT(WIDTH(""), 0);
	T_EQ_INT(WIDTH("abc"), 3);
	T_EQ_INT(WIDTH("Troms\xc3\xb8"), 6);
	/* CJK: two columns each. */
	T_EQ_INT(WIDTH("\xe4\xb8\xad\xe6\x96\x87"), 4);         /* 中文 */
	T_EQ_INT(WIDTH("\xef\xbc\xa1"), 2);                     /* Ａ */
	T_EQ_INT(WIDTH("\xea\xb0\x80"), 2);                     /* 가 */
	/* Hangul jamo L+V form one cluster. */
	T_EQ_INT(WIDTH("\xe1\x84\x80\xe1\x85\xa1"), 2);
	/* Combining marks take no column. */
	T_EQ_INT(WIDTH("e\xcc\x81"), 1);
	T_EQ_INT(WIDTH("a\xcc\x81\xcc\x82\xcc\x83"), 1);
	T_EQ_INT(WIDTH("\xcc\x81"), 0);
	/* Arabic: مرحبا is five letters, five columns. */
	T_EQ_INT(WIDTH("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"), 5);
	/* With harakat (Mn) still five. */
	T_EQ_INT(WIDTH("\xd9\x85\xd9\x8e\xd8\xb1\xd8\xad\xd9\x8e\xd8\xa8"
	    "\xd8\xa7"), 5);
	/* Format characters: ZWSP, RLM. */
	T_EQ_INT(WIDTH("a\xe2\x80\x8b" "b"), 2);
	T_EQ_INT(WIDTH("\xe2\x80\x8f"), 0);
	/* Emoji, a flag, a ZWJ family, emoji presentation. */
	T_EQ_INT(WIDTH("\xf0\x9f\x98\x80"), 2);
	T_EQ_INT(WIDTH("\xf0\x9f\x87\xb3\xf0\x9f\x87\xb4"), 2);
	T_EQ_INT(WIDTH("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80"
	    "\x8d\xf0\x9f\x91\xa7"), 2);
	T_EQ_INT(WIDTH("\xe2\x9d\xa4\xef\xb8\x8f"), 2);
	/* Invalid bytes count one each. */
	T_EQ_INT(WIDTH("\xff"), 1);
	T_EQ_INT(WIDTH("a\xff\xfe" "b"), 4);
	T_EQ_INT(WIDTH("\xe4\xb8"), 2);
}

#define FIT(lit, cols) core_text_fit(lit, sizeof(lit) - 1, cols)

static void
test_fit(void)
{
	/* 中文字 */
	const char *cjk = "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97";

	T_EQ_INT(FIT("abcdef", 3), 3);
	T_EQ_INT(FIT("abc", 10), 3);
	T_EQ_INT(FIT("abc", 0), 0);
	T_EQ_INT(FIT("", 5), 0);
	T_EQ_INT(core_text_fit(cjk, strlen(cjk), 6), 9);
	T_EQ_INT(core_text_fit(cjk, strlen(cjk), 5), 6);
	T_EQ_INT(core_text_fit(cjk, strlen(cjk), 4), 6);
	T_EQ_INT(core_text_fit(cjk, strlen(cjk), 3), 3);
	T_EQ_INT(core_text_fit(cjk, strlen(cjk), 1), 0);
	/* Never part of a cluster: the accent stays with its e. */
	T_EQ_INT(FIT("e\xcc\x81x", 1), 3);
	T_EQ_INT(FIT("ae\xcc\x81", 1), 1);
	T_EQ_INT(FIT("\xf0\x9f\x87\xb3\xf0\x9f\x87\xb4x", 1), 0);
	T_EQ_INT(FIT("\xf0\x9f\x87\xb3\xf0\x9f\x87\xb4x", 2), 8);
	T_EQ_INT(FIT("\xc3\xb8\xc3\xb8", 1), 2);
	/* An invalid byte is one column and one byte. */
	T_EQ_INT(FIT("a\xff" "b", 2), 2);
	/* The widths of the fitted prefixes add up. */
	T_EQ_INT(core_text_width(cjk, core_text_fit(cjk, strlen(cjk), 5)), 4);
}

#define RTL(lit) core_text_is_rtl(lit, sizeof(lit) - 1)

static void
test_rtl(void)
{
	T_ASSERT(RTL("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"));  /* Arabic */
	T_ASSERT(RTL("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"));          /* Hebrew */
	T_ASSERT(RTL("\xdc\xab\xdc\xa0\xdc\xa1\xdc\x90"));          /* Syriac */
	T_ASSERT(RTL("\xde\x8b\xde\xa8\xde\x88\xde\xac"));          /* Thaana */
	T_ASSERT(RTL("\xdf\x92\xdf\x9e\xdf\x8f"));                  /* N'Ko */
	T_ASSERT(!RTL("Hello"));
	T_ASSERT(!RTL("Troms\xc3\xb8"));
	T_ASSERT(!RTL("\xe4\xb8\xad\xe6\x96\x87"));
	T_ASSERT(!RTL(""));
	T_ASSERT(!RTL("123 !?"));
	/* Numbers and punctuation are weak or neutral: the first strong
	 * letter decides. */
	T_ASSERT(RTL("123 - \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"));
	T_ASSERT(!RTL("Hi \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"));
	T_ASSERT(RTL("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 Oslo"));
	/* Text inside an isolate (LRI ... PDI) does not count. */
	T_ASSERT(RTL("\xe2\x81\xa6Oslo\xe2\x81\xa9 \xd9\x85\xd8\xb1"));
	/* Invalid bytes are skipped. */
	T_ASSERT(RTL("\xff\xd7\xa9"));
}

/* core_text_check_value tells control characters by their code points
 * (Cc is fixed by Unicode's stability policy); utf8proc must agree on
 * every scalar value. */
static void
test_control_is_cc(void)
{
	utf8proc_uint8_t buf[4];
	utf8proc_ssize_t n;
	int32_t cp;
	int rc;

	for (cp = 1; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = utf8proc_encode_char(cp, buf);
		T_ASSERT(n > 0);
		rc = core_text_check_value((const char *)buf, (size_t)n,
		    false);
		if ((utf8proc_category(cp) == UTF8PROC_CATEGORY_CC) !=
		    (rc == DG_EINVAL)) {
			fprintf(stderr, "  U+%04X\n", (unsigned)cp);
			T_ASSERT(0);
		}
	}
}

T_MAIN(T_CASE(test_utf8_good), T_CASE(test_utf8_bad),
    T_CASE(test_check_value), T_CASE(test_control_is_cc),
    T_CASE(test_fold), T_CASE(test_fold_errors),
    T_CASE(test_contains), T_CASE(test_width), T_CASE(test_fit),
    T_CASE(test_rtl))
