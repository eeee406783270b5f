/* cli/i18n.c - which language dugnad speaks (cli/i18n.h).
 *
 * The language comes from the environment by the GNU rules: the locale
 * is LC_ALL, else LC_MESSAGES, else LANG; under the C locale the program
 * speaks English; otherwise LANGUAGE (a colon-separated list) wins over
 * the locale's name.  gettext itself would only honour this when the
 * system has the locale generated - a volunteer's laptop set to
 * nb_NO.UTF-8 by a desktop without the locale installed would get
 * English.  So the language is handed to gettext through LANGUAGE, with
 * LC_MESSAGES set to C.UTF-8 (gettext ignores LANGUAGE only under "C"),
 * and the catalog's text is always returned as UTF-8.
 *
 * A running daemon answers each forwarded command in the language of the
 * process that sent it (cli_i18n_use).
 */
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/i18n.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

#define DOMAIN "dugnad"
#define LANG_MAX 64

static char own[LANG_MAX + 1];  /* this process's language, "" = English */
static char cur[LANG_MAX + 1];  /* the one gettext uses now */

/* A variable's value, NULL when unset or empty (an empty one is unset,
 * as for gettext). */
static const char *
set_or_null(const char *v)
{
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* A language list as LANGUAGE holds it: letters, digits and _ . @ : -
 * only, at most LANG_MAX bytes, no item starting with a dot (gettext
 * makes a path of each item).  Anything else is not a language. */
static bool
lang_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		char ch = s[n];

		if (n == LANG_MAX)
			return false;
		if (ch == '.' && (n == 0 || s[n - 1] == ':'))
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
			ch == '@' || ch == ':' || ch == '-'))
			return false;
	}
	return true;
}

static bool
is_c_locale(const char *loc)
{
	return loc == NULL || strcmp(loc, "C") == 0 ||
	    strcmp(loc, "POSIX") == 0;
}

/* Norwegian readers of nynorsk (nn) or of the old code "no" read bokmål
 * more easily than English: bokmål is their next choice. */
static void
add_bokmal(char *list, size_t cap)
{
	size_t n = strlen(list);

	if ((strncmp(list, "nn", 2) == 0 || strncmp(list, "no", 2) == 0) &&
	    strstr(list, "nb") == NULL && n + 3 < cap)
		memcpy(list + n, ":nb", 4);
}

static void
apply(const char *lang)
{
	if (strcmp(lang, cur) == 0)
		return;
	if (lang[0] == '\0') {
		setlocale(LC_MESSAGES, "C");
	} else {
		/* replaces the value set by cli_i18n_init (never adds a
		 * variable, so environ is not reallocated under the
		 * daemon's resolver threads) */
		setenv("LANGUAGE", lang, 1);
		if (setlocale(LC_MESSAGES, "C.UTF-8") == NULL)
			setlocale(LC_MESSAGES, "");
	}
	/* gettext caches what it found under the locale's name, which is
	 * C.UTF-8 for every language here: textdomain() tells it to
	 * forget (it bumps the catalog counter; setlocale to the same name
	 * does not) */
	textdomain(DOMAIN);
	snprintf(cur, sizeof cur, "%s", lang);
}

int
cli_i18n_init(void)
{
	const char *loc, *list, *dir;
	int rc = 0;

	setlocale(LC_ALL, "");
	loc = set_or_null(getenv("LC_ALL"));
	if (loc == NULL)
		loc = set_or_null(getenv("LC_MESSAGES"));
	if (loc == NULL)
		loc = set_or_null(getenv("LANG"));
	list = is_c_locale(loc) ? NULL : set_or_null(getenv("LANGUAGE"));
	if (list == NULL)
		list = loc;
	if (is_c_locale(list) || !lang_ok(list) ||
	    strncmp(list, "C.", 2) == 0)
		own[0] = '\0';
	else
		snprintf(own, sizeof own, "%s", list);
	add_bokmal(own, sizeof own);

	dir = set_or_null(getenv("DUGNAD_LOCALEDIR"));
	if (dir != NULL && (dir[0] != '/' || strlen(dir) > 4000)) {
		own[0] = '\0';
		rc = -1;
	}
	if (dir == NULL || rc != 0)
		dir = LOCALEDIR;
	bindtextdomain(DOMAIN, dir);
	bind_textdomain_codeset(DOMAIN, "UTF-8");
	textdomain(DOMAIN);

	setenv("LANGUAGE", "", 1);
	cur[0] = '\x01'; /* nothing applied yet */
	apply(own);
	return rc;
}

const char *
cli_i18n_lang(void)
{
	return own[0] != '\0' ? own : "C";
}

void
cli_i18n_use(const char *lang)
{
	char list[LANG_MAX + 4];

	if (lang == NULL || lang[0] == '\0' || !lang_ok(lang)) {
		apply(own);
		return;
	}
	if (is_c_locale(lang)) {
		apply("");
		return;
	}
	snprintf(list, sizeof list, "%s", lang);
	apply(list);
}
