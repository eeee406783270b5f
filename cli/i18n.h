/* cli/i18n.h - messages in the user's language.
 *
 * Every message a person reads is an English source string passed
 * through gettext (domain "dugnad"; catalogs in po/, one LANG.po file a
 * language).  _() translates a string where it is used; N_() only marks
 * one for xgettext (tables, static data), to be translated with _() when
 * printed.  cli_err() and cli_fail() translate their message themselves:
 * pass them the English text.
 */
#ifndef CLI_I18N_H
#define CLI_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) s

/* Picks the language from the environment (LANGUAGE, LC_ALL,
 * LC_MESSAGES, LANG) and the catalog folder (DUGNAD_LOCALEDIR, else the
 * one `make install` uses).  A language works even when the system has
 * no locale generated for it.  Returns -1 when DUGNAD_LOCALEDIR is not
 * an absolute path of at most 4000 bytes (English is spoken then). */
int cli_i18n_init(void);

/* The language this process speaks (a LANGUAGE list, "C" for English),
 * sent to a running daemon so that it answers in it. */
const char *cli_i18n_lang(void);

/* In the daemon: speak lang (from a request) until the next call; "C"
 * is English, NULL, "" or a text that is not a language list is the
 * daemon's own language. */
void cli_i18n_use(const char *lang);

#endif
