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

/* Asks for each field of the type on the terminal. */
static int
prompt_fields(const struct cli *c, enum core_rtype t, struct cli_fields *fs)
{
	const struct core_fdef *defs;
	char *line, *nl, why[640];
	size_t nd, i;
	int rc = 0;

	line = malloc(LINE_MAX_BYTES);
	if (line == NULL) {
		cli_err(c, "out of memory");
		return EXIT_OSERR;
	}
	defs = core_schema_fields(t, &nd);
	fprintf(stderr, "New %s. Type each field and press Enter; leave it "
			"empty to skip.\n", core_schema_rtype_name(t));
	for (i = 0; i < nd && rc == 0; i++) {
		for (;;) {
			fprintf(stderr, "  %s (%s)%s: ", defs[i].name,
			    defs[i].label, defs[i].required ? ", required" : "");
			if (fgets(line, LINE_MAX_BYTES, stdin) == NULL) {
				cli_err(c, "cancelled; nothing was added");
				rc = EXIT_USAGE;
				break;
			}
			nl = strchr(line, '\n');
			if (nl != NULL)
				*nl = '\0';
			if (line[0] == '\0') {
				if (!defs[i].required)
					break;
				fprintf(stderr, "  %s is required.\n",
				    defs[i].name);
				continue;
			}
			rc = cli_fields_add(fs, t, defs[i].name,
			    strlen(defs[i].name), line, cli_fields_get(fs, "tz"),
			    false, why, sizeof why);
			if (rc == EXIT_DATA) {
				fprintf(stderr, "  %s\n", why);
				rc = 0;
				continue;
			}
			break;
		}
	}
	sodium_memzero(line, LINE_MAX_BYTES);
	free(line);
	return rc;
}

static void
print_type_fields(enum core_rtype t)
{
	const struct core_fdef *defs;
	size_t n, i;

	defs = core_schema_fields(t, &n);
	printf("usage: dugnad add %s key=value ...\nfields of a %s:\n",
	    core_schema_rtype_name(t), core_schema_rtype_name(t));
	for (i = 0; i < n; i++)
		printf("  %-12s %s%s%s%s%s\n", defs[i].name, defs[i].label,
		    defs[i].required ? " (required)" : "",
		    defs[i].translatable ? "; translations: " : "",
		    defs[i].translatable ? defs[i].name : "",
		    defs[i].translatable ? "@LANG=..." : "");
}

static int
append(struct cli *c, struct store_node *n, struct core_body *b,
    const char *done)
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
	else
		printf("%s %s %s\n", done, core_schema_rtype_name(b->rtype), sh);
	return 0;
}

int
cmd_add(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct cli_fields *fs;
	struct core_body b;
	enum core_rtype t;
	char why[640];
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
	if (argc == 2 && cli_interactive())
		rc = prompt_fields(c, t, fs);
	else
		rc = parse_args(c, t, argv + 2, argc - 2, false, NULL, fs);
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
	rc = cli_open(c, true, &n);
	if (rc != 0)
		goto out;
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_RECORD;
	randombytes_buf(b.rid, sizeof b.rid);
	b.rtype = t;
	b.set = fs->f;
	b.nset = fs->n;
	rc = append(c, n, &b, "added");
out:
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
	size_t i;
	int rc;

	if (argc < 3) {
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
	rc = parse_args(c, s.type, argv + 2, argc - 2, true, tz, fs);
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
	b.kind = CORE_KIND_RECORD;
	b.rtype = s.type;
	b.set = fs->f;
	b.nset = fs->n;
	rc = append(c, n, &b, "changed");
out:
	core_rstate_fini(&s);
	cli_close(c, n);
	cli_fields_fini(fs);
	free(fs);
	return rc;
}
