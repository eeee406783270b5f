/* cli/cmd_add.c - dugnad add, dugnad edit: records from key=value pairs.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/fields.h"
#include "core/body.h"
#include "core/entry.h"

#define LINE_MAX_BYTES (CORE_VALUE_MAX + 2)

/* Parses key=value arguments.  tz: the meeting's existing zone (edit).
 * tz= is read first, so a start time can be read in it. */
static int
parse_args(const struct cli *c, enum core_rtype t, char **args, int n,
    bool edit, const char *tz, struct cli_fields *fs)
{
	char why[640];
	const char *eq;
	int i, rc, pass;
	size_t klen;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			eq = strchr(args[i], '=');
			if (eq == NULL) {
				cli_err(c, "'%.60s' is not key=value; write "
					   "for example title=\"Kvinnegruppa\"",
				    args[i]);
				return EXIT_USAGE;
			}
			klen = (size_t)(eq - args[i]);
			if ((klen == 2 && strncasecmp(args[i], "tz", 2) == 0) !=
			    (pass == 0))
				continue;
			rc = cli_fields_add(fs, t, args[i], klen, eq + 1,
			    cli_fields_has(fs, "tz") ? cli_fields_get(fs, "tz") :
						       tz,
			    edit, why, sizeof why);
			if (rc != 0) {
				cli_err(c, "%s", why);
				return rc;
			}
		}
	}
	return 0;
}

/* An answer that stopped the questions: Ctrl-D, or "no" at the
 * confirmation.  Nothing is stored; the command says so and exits 0. */
#define CANCELLED (-1)

/* Questions only in a process of its own on a terminal: never inside
 * the daemon, whose stdin is not the user's. */
static bool
can_ask(const struct cli *c)
{
	return c->shared == NULL && c->daemon == NULL && cli_interactive();
}

/* Reads one answer line into line (LINE_MAX_BYTES) without its newline.
 * Returns 1, 0 at end of input (Ctrl-D), or 2 when the line was too long
 * (the rest is read and dropped). */
static int
read_answer(char *line)
{
	char *nl;
	int ch;

	if (fgets(line, LINE_MAX_BYTES, stdin) == NULL)
		return 0;
	nl = strchr(line, '\n');
	if (nl != NULL) {
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		return 1;
	}
	if (feof(stdin))
		return 1;
	while ((ch = getchar()) != EOF && ch != '\n')
		;
	return 2;
}

/* Asks "key: " and reads the answer into line, asking again while it is
 * too long.  Returns 1, or 0 at the end of input (after a new line). */
static int
ask_value(const char *key, char *line)
{
	int r;

	for (;;) {
		fprintf(stderr, "%s: ", key);
		fflush(stderr);
		r = read_answer(line);
		if (r == 0) {
			fputc('\n', stderr);
			return 0;
		}
		if (r == 1)
			return 1;
		fprintf(stderr, _("  That is too long (at most %d bytes); try "
				  "again.\n"), CORE_VALUE_MAX);
	}
}

static bool
answer_is(const char *a, const char *english, const char *translated)
{
	return strcasecmp(a, english) == 0 || strcasecmp(a, translated) == 0;
}

/* Asks question; Enter means yes.  Returns 1 (yes), 0 (no) or CANCELLED
 * (end of input). */
static int
ask_yes(const char *question, char *line)
{
	int r;

	for (;;) {
		/* TRANSLATORS: the answers are y/yes and n/no, also in
		 * your language (the strings "y", "yes", "n", "no"). */
		fprintf(stderr, _("%s [Y/n] "), question);
		fflush(stderr);
		r = read_answer(line);
		if (r == 0) {
			fputc('\n', stderr);
			return CANCELLED;
		}
		if (r == 1 && (line[0] == '\0' ||
				  answer_is(line, "y", _("y")) ||
				  answer_is(line, "yes", _("yes"))))
			return 1;
		if (r == 1 && (answer_is(line, "n", _("n")) ||
				  answer_is(line, "no", _("no"))))
			return 0;
		fprintf(stderr, "%s\n", _("Please answer y (yes) or n (no)."));
	}
}

/* The order of the questions: required fields first, then the optional
 * ones, as the schema lists them; a meeting's time zone comes just
 * before its start, so the start is read in it.  Returns the count. */
static size_t
ask_order(enum core_rtype t, bool required_first, size_t *order)
{
	const struct core_fdef *defs;
	size_t nd, i, k = 0, tz = SIZE_MAX;
	int pass;

	defs = core_schema_fields(t, &nd);
	for (i = 0; i < nd; i++) {
		if (defs[i].type == CORE_FT_TZ)
			tz = i;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < nd; i++) {
			if (i == tz || (required_first &&
					   defs[i].required != (pass == 0)) ||
			    (!required_first && pass == 1))
				continue;
			if (defs[i].type == CORE_FT_DATETIME && tz != SIZE_MAX)
				order[k++] = tz;
			order[k++] = i;
		}
	}
	return k;
}

/* Shows what a field means and an example; when adding, that an
 * optional one can be skipped (when editing, Enter keeps any). */
static void
show_field(enum core_rtype t, const struct core_fdef *d, const char *key,
    bool adding)
{
	const char *meaning, *example;

	cli_fields_help(t, d->name, &meaning, &example);
	if (meaning == NULL)
		meaning = _(d->label);
	fputc('\n', stderr);
	/* A translation ("title@so") is never required. */
	if (d->required && strchr(key, '@') == NULL)
		fprintf(stderr, _("%s (required): %s\n"), key, meaning);
	else if (adding)
		fprintf(stderr, _("%s (optional; press Enter to skip): %s\n"),
		    key, meaning);
	else
		fprintf(stderr, _("%s (optional): %s\n"), key, meaning);
	if (example != NULL)
		fprintf(stderr, _("  for example: %s\n"), example);
}

/* The zone a start time is read in: the one answered so far, else the
 * record's (edit), else NULL (this computer's). */
static const char *
answer_tz(const struct cli_fields *fs, const char *record_tz)
{
	if (cli_fields_has(fs, "tz"))
		return cli_fields_get(fs, "tz");
	return record_tz;
}

/* Asks for each field of a new record on the terminal, each answer
 * checked at once as key=value would be.  Returns 0, CANCELLED or an
 * exit status. */
static int
prompt_fields(const struct cli *c, enum core_rtype t, struct cli_fields *fs,
    char *line)
{
	const struct core_fdef *defs, *d;
	size_t order[CORE_RECORD_FIELDS_MAX], nd, no, i;
	char why[640];
	int rc;

	defs = core_schema_fields(t, &nd);
	no = ask_order(t, true, order);
	switch (t) {
	case CORE_RT_CONTACT:
		fputs(_("A new contact."), stderr);
		break;
	case CORE_RT_MEETING:
		fputs(_("A new meeting."), stderr);
		break;
	case CORE_RT_REFERRAL:
		fputs(_("A new referral."), stderr);
		break;
	}
	fprintf(stderr, " %s\n", _("Type each answer and press Enter. The "
				   "required fields come first; press Enter to "
				   "skip an optional one, Ctrl-D to stop without "
				   "adding anything."));
	for (i = 0; i < no; i++) {
		d = &defs[order[i]];
		show_field(t, d, d->name, true);
		for (;;) {
			if (ask_value(d->name, line) == 0)
				return CANCELLED;
			if (line[0] == '\0') {
				if (!d->required)
					break;
				fprintf(stderr, _("  %s is required; please "
						  "type it.\n"), d->name);
				continue;
			}
			rc = cli_fields_add(fs, t, d->name, strlen(d->name),
			    line, answer_tz(fs, NULL), false, why, sizeof why);
			if (rc == EXIT_DATA) {
				fprintf(stderr, _("  Not accepted: %s. Try "
						  "again.\n"), why);
				continue;
			}
			if (rc != 0) {
				cli_err(c, "%s", why);
				return rc;
			}
			break;
		}
	}
	return 0;
}

/* Shows the new record and asks to add it: 1 yes, 0 no, CANCELLED. */
static int
confirm_add(enum core_rtype t, const struct cli_fields *fs, char *line)
{
	const char *q = "";
	size_t i;

	fputc('\n', stderr);
	for (i = 0; i < fs->n; i++)
		fprintf(stderr, "  %-12s %s\n", fs->f[i].key,
		    fs->f[i].value != NULL ? fs->f[i].value : "");
	switch (t) {
	case CORE_RT_CONTACT:
		q = _("Add this contact?");
		break;
	case CORE_RT_MEETING:
		q = _("Add this meeting?");
		break;
	case CORE_RT_REFERRAL:
		q = _("Add this referral?");
		break;
	}
	return ask_yes(q, line);
}

/* Removes the last field added (an answer equal to the current value). */
static void
drop_last(struct cli_fields *fs)
{
	struct core_field *f = &fs->f[fs->n - 1];

	free(f->key);
	if (f->value != NULL) {
		sodium_memzero(f->value, strlen(f->value));
		free(f->value);
	}
	fs->n--;
}

static const struct core_fstate *
state_field(const struct core_rstate *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nf; i++) {
		if (strcmp(s->f[i].key, key) == 0)
			return &s->f[i];
	}
	return NULL;
}

/* Asks about one field of a record being edited.  Returns 0, CANCELLED
 * or an exit status. */
static int
ask_edit_one(const struct cli *c, const struct core_rstate *s,
    const struct core_fdef *d, const char *key, const char *record_tz,
    struct cli_fields *fs, char *line)
{
	const struct core_fstate *cur = state_field(s, key);
	const char *now = cur != NULL ? cur->value : NULL;
	char why[640];
	int rc;

	show_field(s->type, d, key, false);
	if (now != NULL)
		fprintf(stderr, _("  now: %s\n"), now);
	else
		fprintf(stderr, "%s\n", _("  now: (empty)"));
	for (;;) {
		if (ask_value(key, line) == 0)
			return CANCELLED;
		if (line[0] == '\0')
			return 0;
		if (strcmp(line, "-") == 0) {
			if (d->required && strchr(key, '@') == NULL) {
				fprintf(stderr, _("  %s is required and cannot "
						  "be cleared; type a new value "
						  "or press Enter to keep "
						  "it.\n"), key);
				continue;
			}
			if (now == NULL)
				return 0;
			line[0] = '\0';
		}
		rc = cli_fields_add(fs, s->type, key, strlen(key), line,
		    answer_tz(fs, record_tz), true, why, sizeof why);
		if (rc == EXIT_DATA) {
			fprintf(stderr, _("  Not accepted: %s. Try again.\n"),
			    why);
			continue;
		}
		if (rc != 0) {
			cli_err(c, "%s", why);
			return rc;
		}
		if (now != NULL && fs->f[fs->n - 1].value != NULL &&
		    strcmp(now, fs->f[fs->n - 1].value) == 0)
			drop_last(fs);
		return 0;
	}
}

/* Asks about each field of record s: its fields in the schema's order
 * (a time zone before a start), each followed by the translations it
 * has.  Returns 0, CANCELLED or an exit status. */
static int
prompt_edit(const struct cli *c, const struct core_rstate *s,
    const char *shortid, const char *record_tz, struct cli_fields *fs,
    char *line)
{
	const struct core_fdef *defs, *d;
	size_t order[CORE_RECORD_FIELDS_MAX], nd, no, i, j, blen;
	int rc;

	defs = core_schema_fields(s->type, &nd);
	no = ask_order(s->type, false, order);
	fprintf(stderr, _("Editing %s %s. For each field press Enter to keep "
			  "it, type a new value to change it, or - to clear "
			  "it; Ctrl-D stops without changing anything.\n"),
	    _(core_schema_rtype_name(s->type)), shortid);
	for (i = 0; i < no; i++) {
		d = &defs[order[i]];
		rc = ask_edit_one(c, s, d, d->name, record_tz, fs, line);
		if (rc != 0)
			return rc;
		blen = strlen(d->name);
		for (j = 0; j < s->nf; j++) {
			if (strncmp(s->f[j].key, d->name, blen) != 0 ||
			    s->f[j].key[blen] != '@' || s->f[j].value == NULL)
				continue;
			rc = ask_edit_one(c, s, d, s->f[j].key, record_tz, fs,
			    line);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* Shows the changes and asks to save them: 1 yes, 0 no, CANCELLED. */
static int
confirm_edit(const struct core_rstate *s, const char *shortid,
    const struct cli_fields *fs, char *line)
{
	const struct core_fstate *cur;
	size_t i;

	fputc('\n', stderr);
	fprintf(stderr, _("Changes to %s %s:\n"),
	    _(core_schema_rtype_name(s->type)), shortid);
	for (i = 0; i < fs->n; i++) {
		cur = state_field(s, fs->f[i].key);
		fprintf(stderr, "  %-12s %s -> %s\n", fs->f[i].key,
		    cur != NULL && cur->value != NULL ? cur->value :
							_("(empty)"),
		    fs->f[i].value != NULL ? fs->f[i].value : _("(cleared)"));
	}
	return ask_yes(_("Save these changes?"), line);
}

static void
print_type_fields(enum core_rtype t)
{
	const struct core_fdef *defs;
	size_t n, i;

	defs = core_schema_fields(t, &n);
	printf(_("usage: dugnad add %s key=value ...\n"),
	    core_schema_rtype_name(t));
	printf(_("fields of a %s:\n"), _(core_schema_rtype_name(t)));
	for (i = 0; i < n; i++) {
		printf("  %-12s %s", defs[i].name, _(defs[i].label));
		if (defs[i].required)
			fputs(_(" (required)"), stdout);
		if (defs[i].translatable)
			printf(_("; translations: %s@LANG=..."), defs[i].name);
		putchar('\n');
	}
}

/* Appends the record; prints "added TYPE ID" (or "changed", edit). */
static int
append(struct cli *c, struct store_node *n, struct core_body *b, bool added)
{
	char sh[16], full[CORE_RID_TEXT];
	int rc;

	rc = store_node_append(n, b, 1);
	if (rc != 0)
		return cli_fail(c, rc, "nothing was saved");
	cli_short_rid(b->rid, sh);
	core_record_id_text(b->rid, full);
	if (c->json)
		printf("{\"id\":\"%s\",\"short\":\"%s\"}\n", full, sh);
	else if (added)
		printf(_("added %s %s\n"), _(core_schema_rtype_name(b->rtype)), sh);
	else
		printf(_("changed %s %s\n"), _(core_schema_rtype_name(b->rtype)),
		    sh);
	return 0;
}

int
cmd_add(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct cli_fields *fs;
	struct core_body b;
	enum core_rtype t;
	char why[640], *line = NULL;
	int rc;

	if (argc < 2 || core_schema_rtype(argv[1], &t) != 0) {
		cli_err(c, "say what to add: contact, meeting or referral; "
			   "e.g. dugnad add meeting title=\"...\" "
			   "starts=2026-12-04T18:00");
		return EXIT_USAGE;
	}
	if (argc == 3 && strcmp(argv[2], "--help") == 0) {
		print_type_fields(t);
		return 0;
	}
	fs = calloc(1, sizeof *fs);
	if (fs == NULL) {
		cli_err(c, "out of memory");
		return EXIT_OSERR;
	}
	if (argc == 2 && can_ask(c)) {
		line = malloc(LINE_MAX_BYTES);
		if (line == NULL) {
			cli_err(c, "out of memory");
			rc = EXIT_OSERR;
			goto out;
		}
		rc = prompt_fields(c, t, fs, line);
	} else {
		rc = parse_args(c, t, argv + 2, argc - 2, false, NULL, fs);
	}
	if (rc != 0)
		goto out;
	rc = cli_fields_required(fs, t, why, sizeof why);
	if (rc != 0) {
		cli_err(c, "%s", why);
		goto out;
	}
	rc = cli_fields_local_tz(fs, t);
	if (rc != 0)
		goto out;
	if (line != NULL) {
		rc = confirm_add(t, fs, line);
		if (rc != 1) {
			rc = rc == 0 ? CANCELLED : rc;
			goto out;
		}
	}
	rc = cli_open(c, true, &n);
	if (rc != 0)
		goto out;
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_RECORD;
	randombytes_buf(b.rid, sizeof b.rid);
	b.rtype = t;
	b.set = fs->f;
	b.nset = fs->n;
	rc = append(c, n, &b, true);
out:
	if (rc == 0 || rc == CANCELLED) {
		if (rc == CANCELLED)
			fprintf(stderr, "%s\n", _("Nothing was added."));
		rc = 0;
	}
	if (line != NULL) {
		sodium_memzero(line, LINE_MAX_BYTES);
		free(line);
	}
	cli_close(c, n);
	cli_fields_fini(fs);
	free(fs);
	return rc;
}

/* True if the edit would give the record more keys than the CLI writes
 * (merging accepts any number; this keeps records readable). */
static bool
too_many_keys(const struct core_rstate *s, const struct cli_fields *fs)
{
	size_t i, j, add = 0;

	for (i = 0; i < fs->n; i++) {
		for (j = 0; j < s->nf && strcmp(s->f[j].key, fs->f[i].key); j++)
			;
		add += j == s->nf;
	}
	return s->nf + add > CORE_RECORD_KEYS_SOFT;
}

int
cmd_edit(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct core_rstate s;
	struct cli_fields *fs;
	struct core_body b;
	const struct core_fdef *d;
	const char *tz = NULL;
	char sh[16], *line = NULL;
	size_t i;
	int rc;

	if (argc < 2 || (argc < 3 && !can_ask(c))) {
		cli_err(c, "usage: dugnad edit ID key=value ... (an empty "
			   "value removes the field)");
		return EXIT_USAGE;
	}
	fs = calloc(1, sizeof *fs);
	if (fs == NULL) {
		cli_err(c, "out of memory");
		return EXIT_OSERR;
	}
	memset(&s, 0, sizeof s);
	rc = cli_open(c, true, &n);
	if (rc != 0)
		goto out;
	memset(&b, 0, sizeof b);
	rc = cli_find(c, n, argv[1], b.rid);
	if (rc != 0)
		goto out;
	rc = store_node_record(n, b.rid, &s);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the record");
		goto out;
	}
	if (s.erased || s.type == 0) {
		cli_err(c, "this record was erased; it cannot be edited");
		rc = EXIT_DATA;
		goto out;
	}
	if (s.removed) {
		cli_err(c, "this record was removed; add it again instead");
		rc = EXIT_DATA;
		goto out;
	}
	for (i = 0; i < s.nf; i++) {
		if (strcmp(s.f[i].key, "tz") == 0)
			tz = s.f[i].value;
	}
	if (argc == 2) {
		line = malloc(LINE_MAX_BYTES);
		if (line == NULL) {
			cli_err(c, "out of memory");
			rc = EXIT_OSERR;
			goto out;
		}
		cli_short_rid(b.rid, sh);
		rc = prompt_edit(c, &s, sh, tz, fs, line);
		if (rc == 0 && fs->n == 0)
			rc = CANCELLED;
	} else {
		rc = parse_args(c, s.type, argv + 2, argc - 2, true, tz, fs);
	}
	if (rc != 0)
		goto out;
	if (too_many_keys(&s, fs)) {
		cli_err(c, "a record holds at most %d fields and translations; "
			   "remove some first", CORE_RECORD_KEYS_SOFT);
		rc = EXIT_DATA;
		goto out;
	}
	for (i = 0; i < fs->n; i++) {
		d = core_schema_field(s.type, fs->f[i].key,
		    strlen(fs->f[i].key));
		if (fs->f[i].value == NULL && d != NULL && d->required) {
			cli_err(c, "%s is required and cannot be emptied",
			    fs->f[i].key);
			rc = EXIT_DATA;
			goto out;
		}
	}
	if (line != NULL) {
		rc = confirm_edit(&s, sh, fs, line);
		if (rc != 1) {
			rc = rc == 0 ? CANCELLED : rc;
			goto out;
		}
	}
	b.kind = CORE_KIND_RECORD;
	b.rtype = s.type;
	b.set = fs->f;
	b.nset = fs->n;
	rc = append(c, n, &b, false);
out:
	if (rc == CANCELLED) {
		fprintf(stderr, "%s\n", _("Nothing was changed."));
		rc = 0;
	}
	if (line != NULL) {
		sodium_memzero(line, LINE_MAX_BYTES);
		free(line);
	}
	core_rstate_fini(&s);
	cli_close(c, n);
	cli_fields_fini(fs);
	free(fs);
	return rc;
}
