/* core/text.h - UTF-8 text: validation, search folding, display width.
 * Built on utf8proc; pure functions, no I/O.
 */
#ifndef CORE_TEXT_H
#define CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* True if s[0..len) is strict UTF-8: shortest forms only, no surrogates,
 * nothing above U+10FFFF, no NUL byte. */
bool core_text_utf8_valid(const char *s, size_t len);

/* Checks a field value: strict UTF-8 (DG_EUTF8), at most CORE_VALUE_MAX
 * bytes (DG_ELIMIT), no control characters (DG_EINVAL) except '\n' and
 * '\t' when multiline is true.  Returns 0 when acceptable. */
int core_text_check_value(const char *s, size_t len, bool multiline) DG_WUR;

/* Folds text for search: compatibility decomposition, case folding,
 * combining marks stripped, and letters that carry their diacritic
 * without decomposing mapped to their base (ø->o, æ->ae, ß->ss, đ->d,
 * ł->l, ı->i, œ->oe, þ->th, ð->d, ħ->h), so "tromso" matches "Tromsø"
 * and "AMINA" matches "Amina".  *out is owned (free()).  Returns 0,
 * DG_EUTF8 or DG_ENOMEM. */
int core_text_fold(const char *s, size_t len, char **out) DG_WUR;

/* True if needle (already folded) occurs in the folded form of s. */
bool core_text_contains_folded(const char *s, const char *needle_folded);

/* Terminal columns of s[0..len): wide (East Asian) characters count 2,
 * combining marks and format characters 0.  Invalid bytes count 1. */
size_t core_text_width(const char *s, size_t len);

/* Bytes of the longest prefix of s[0..len) that fits in cols columns
 * without splitting a character or a grapheme cluster. */
size_t core_text_fit(const char *s, size_t len, size_t cols);

/* True if the first strong directional character of s is right-to-left
 * (Arabic, Hebrew, Syriac, Thaana, N'Ko ...). */
bool core_text_is_rtl(const char *s, size_t len);

#endif
