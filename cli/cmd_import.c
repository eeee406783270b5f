/* cli/cmd_import.c - dugnad import: records from CSV (a header row
 * naming the fields) and vCard files.  The whole file is checked first;
 * a file with errors imports nothing unless --skip-bad.  Records are
 * then written in batches, one durable transaction each. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/fields.h"
#include "cli/progress.h"
#include "core/csv.h"
#include "core/entry.h"
#include "core/text.h"
#include "core/vcf.h"

#define IMPORT_FILE_MAX ((size_t)64 << 20)
#define IMPORT_BATCH 1000
#define ERRORS_SHOWN 20

struct imp {
	struct cli *c;
	enum core_rtype type; /* --type, or 0 */
	bool skip_bad;
	/* CSV header */
	char **cols;
	size_t ncols;
	long type_col; /* column of "type", or -1 */
	bool header_done;
	/* results */
	struct core_body *bodies;
	size_t n, cap;
	size_t nbad;
	struct cli_fields fs;
	struct cli_progress pg; /* "Reading the file: N" lines */
};

static void
bad(struct imp *im, size_t line, const char *why)
{
	if (im->nbad < ERRORS_SHOWN) {
		cli_progress_end(&im->pg);
		cli_err(im->c, "line %zu: %s", line, why);
	}
	im->nbad++;
}

/* Columns that describe a record rather than hold a field. */
static bool
meta_col(const char *name)
{
	return strcmp(name, "id") == 0 || strcmp(name, "type") == 0 ||
	    strcmp(name, "created") == 0 || strcmp(name, "updated") == 0;
}

/* Moves the checked fields into a new body. */
static int
keep(struct imp *im, enum core_rtype t)
{
	struct core_body *b, *g;

	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 256;
		g = realloc(im->bodies, im->cap * sizeof *g);
		if (g == NULL)
			return DG_ENOMEM;
		im->bodies = g;
	}
	b = &im->bodies[im->n];
	memset(b, 0, sizeof *b);
	b->kind = CORE_KIND_RECORD;
	b->rtype = t;
	randombytes_buf(b->rid, sizeof b->rid);
	b->set = calloc(im->fs.n ? im->fs.n : 1, sizeof *b->set);
	if (b->set == NULL)
		return DG_ENOMEM;
	memcpy(b->set, im->fs.f, im->fs.n * sizeof *b->set);
	b->nset = im->fs.n;
	im->fs.n = 0; /* ownership moved to b */
	im->n++;
	return 0;
}

/* Checks one record's key/value pairs; keeps it or reports its line. */
static int
one(struct imp *im, size_t line, enum core_rtype t, const char *const *keys,
    const char *const *vals, size_t n)
{
	char why[640];
	const char *tz = NULL;
	size_t i;
	int rc = 0, pass;

	cli_fields_fini(&im->fs);
	cli_progress_set(&im->pg, line, false);
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		for (i = 0; i < n && rc == 0; i++) {
			if (vals[i][0] == '\0' || meta_col(keys[i]))
				continue;
			if ((strcmp(keys[i], "tz") == 0) != (pass == 0))
				continue;
			rc = cli_fields_add(&im->fs, t, keys[i], strlen(keys[i]),
			    vals[i], tz, false, why, sizeof why);
			if (rc == 0 && pass == 0)
				tz = cli_fields_get(&im->fs, "tz");
		}
	}
	if (rc == 0)
		rc = cli_fields_required(&im->fs, t, why, sizeof why);
	if (rc == 0)
		rc = cli_fields_local_tz(&im->fs, t);
	if (rc == EXIT_OSERR)
		return DG_ENOMEM;
	if (rc != 0) {
		bad(im, line, why);
		cli_fields_fini(&im->fs);
		return 0;
	}
	return keep(im, t);
}

static int
csv_row(void *ctx, size_t line, char **cells, size_t n)
{
	struct imp *im = ctx;
	enum core_rtype t = im->type;
	size_t i;

	if (!im->header_done) {
		im->header_done = true;
		im->type_col = -1;
		im->cols = calloc(n, sizeof *im->cols);
		if (im->cols == NULL)
			return DG_ENOMEM;
		for (i = 0; i < n; i++) {
			char *s = cells[i];
			size_t len = strlen(s);

			/* Header names are trimmed and lowercased. */
			while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
				s[--len] = '\0';
			while (*s == ' ' || *s == '\t')
				s++;
			/* Spreadsheets write "Name" and "Type". */
			for (char *q = s; *q; q++) {
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q - 'A' + 'a');
			}
			im->cols[i] = strdup(s);
			if (im->cols[i] == NULL)
				return DG_ENOMEM;
			im->ncols = i + 1;
			if (strcmp(im->cols[i], "type") == 0)
				im->type_col = (long)i;
		}
		if (im->type == 0 && im->type_col < 0) {
			cli_err(im->c, "line %zu: the file has no 'type' "
				       "column; say what it holds with --type "
				       "contacts|meetings|referrals", line);
			return DG_EINVAL;
		}
		/* With one type for the whole file, a column that is not a
		 * field is an error of the file, reported once. */
		for (i = 0; im->type_col < 0 && i < im->ncols; i++) {
			char key[CORE_FIELD_NAME_MAX + 1], why[640];

			if (meta_col(im->cols[i]) || im->cols[i][0] == '\0')
				continue;
			if (cli_fields_key(im->type, im->cols[i],
				strlen(im->cols[i]), key, why, sizeof why)) {
				cli_err(im->c, "line %zu, column %zu: %s; "
					       "nothing was imported", line,
				    i + 1, why);
				return DG_EINVAL;
			}
		}
		return 0;
	}
	if (n != im->ncols) {
		char why[120];

		snprintf(why, sizeof why, _("the row has %zu cells, the "
					     "header %zu"), n, im->ncols);
		bad(im, line, why);
		return 0;
	}
	if (im->type_col >= 0 && cells[im->type_col][0] != '\0') {
		if (core_schema_rtype(cells[im->type_col], &t) != 0) {
			bad(im, line, _("type must be contact, meeting or "
					"referral"));
			return 0;
		}
	} else if (t == 0) {
		bad(im, line, _("the type cell is empty"));
		return 0;
	}
	return one(im, line, t, (const char *const *)im->cols,
	    (const char *const *)cells, n);
}

static int
vcf_card(void *ctx, size_t line, const struct core_kv *kv, size_t n)
{
	struct imp *im = ctx;
	const char *keys[CORE_VCF_PROPS_MAX], *vals[CORE_VCF_PROPS_MAX];
	size_t i;

	if (n > CORE_VCF_PROPS_MAX)
		n = CORE_VCF_PROPS_MAX;
	for (i = 0; i < n; i++) {
		keys[i] = kv[i].key;
		vals[i] = kv[i].value;
	}
	return one(im, line, CORE_RT_CONTACT, keys, vals, n);
}

static bool
is_vcard(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\r' ||
			      data[i] == '\n' || data[i] == '\t'))
		i++;
	return len - i >= 11 && strncasecmp(data + i, "BEGIN:VCARD", 11) == 0;
}

static void
imp_fini(struct imp *im)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		core_body_fini(&im->bodies[i]);
	free(im->bodies);
	for (i = 0; i < im->ncols; i++)
		free(im->cols[i]);
	free(im->cols);
	cli_fields_fini(&im->fs);
}

static int
store_all(struct cli *c, struct imp *im)
{
	struct store_node *n;
	struct cli_progress pg;
	size_t done = 0, k;
	int rc;

	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	cli_progress_start(&pg, c, _("Importing records"), im->n);
	cli_progress_set(&pg, 0, true);
	while (done < im->n) {
		k = im->n - done < IMPORT_BATCH ? im->n - done : IMPORT_BATCH;
		rc = store_node_append(n, im->bodies + done, k);
		if (rc != 0) {
			cli_progress_end(&pg);
			cli_close(c, n);
			if (done > 0)
				cli_err(c, "stopped after %zu of %zu records "
					   "(those are saved)", done, im->n);
			return cli_fail(c, rc, "the rest was not saved");
		}
		done += k;
		cli_progress_set(&pg, done, false);
	}
	cli_progress_end(&pg);
	cli_close(c, n);
	return 0;
}

int
cmd_import(struct cli *c, int argc, char **argv)
{
	struct imp *im;
	const char *path = NULL;
	char *data = NULL, why[200];
	size_t len = 0, line = 0;
	int rc, a;

	im = calloc(1, sizeof *im);
	if (im == NULL) {
		cli_err(c, "out of memory");
		return EXIT_OSERR;
	}
	im->c = c;
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--type") == 0 && a + 1 < argc) {
			if (core_schema_rtype(argv[++a], &im->type) != 0) {
				cli_err(c, "--type must be contacts, meetings "
					   "or referrals");
				rc = EXIT_USAGE;
				goto out;
			}
		} else if (strcmp(argv[a], "--skip-bad") == 0) {
			im->skip_bad = true;
		} else if (argv[a][0] != '-' && path == NULL) {
			path = argv[a];
		} else {
			cli_err(c, "unknown argument '%.40s'; usage: dugnad "
				   "import FILE [--type TYPE] [--skip-bad]",
			    argv[a]);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (path == NULL) {
		cli_err(c, "say which file to import: dugnad import FILE");
		rc = EXIT_USAGE;
		goto out;
	}
	rc = cli_read_file(c, path, IMPORT_FILE_MAX, &data, &len);
	if (rc != 0)
		goto out;
	why[0] = '\0';
	cli_progress_start(&im->pg, c, _("Reading the file, line"), 0);
	if (is_vcard(data, len)) {
		if (im->type != 0 && im->type != CORE_RT_CONTACT) {
			cli_err(c, "a vCard file holds contacts");
			rc = EXIT_USAGE;
			goto out;
		}
		rc = core_vcf_parse(data, len, vcf_card, im, &line, why,
		    sizeof why);
	} else {
		rc = core_csv_parse(data, len, csv_row, im, &line, why,
		    sizeof why);
	}
	cli_progress_end(&im->pg);
	if (rc == DG_ENOMEM) {
		cli_err(c, "out of memory");
		rc = EXIT_OSERR;
		goto out;
	}
	if (rc == DG_EINVAL && why[0] == '\0') {
		rc = EXIT_DATA; /* reported by csv_row */
		goto out;
	}
	if (rc != 0) {
		cli_err(c, "line %zu: %s; nothing was imported", line,
		    _(why[0] ? why : dg_strerror(rc)));
		rc = EXIT_DATA;
		goto out;
	}
	if (im->nbad > ERRORS_SHOWN && !im->skip_bad) {
		cli_err(c, "%zu bad records, the first %d shown; nothing was "
			   "imported (fix the file, or use --skip-bad to import "
			   "the rest)", im->nbad, ERRORS_SHOWN);
		rc = EXIT_DATA;
		goto out;
	}
	if (im->nbad > 0 && !im->skip_bad) {
		char msg[300];

		snprintf(msg, sizeof msg, ngettext("%zu bad record; nothing was "
		    "imported (fix the file, or use --skip-bad to import the "
		    "rest)", "%zu bad records; nothing was imported (fix the "
		    "file, or use --skip-bad to import the rest)", im->nbad),
		    im->nbad);
		cli_err(c, "%s", msg);
		rc = EXIT_DATA;
		goto out;
	}
	rc = store_all(c, im);
	if (rc != 0)
		goto out;
	if (c->json)
		printf("{\"imported\":%zu,\"skipped\":%zu}\n", im->n, im->nbad);
	else if (im->nbad)
		printf(ngettext("imported %zu record (bad ones skipped, see "
				"above)\n",
			   "imported %zu records (bad ones skipped, see "
			   "above)\n", (unsigned long)im->n),
		    im->n);
	else
		printf(ngettext("imported %zu record\n",
			   "imported %zu records\n", (unsigned long)im->n),
		    im->n);
out:
	if (data != NULL) {
		sodium_memzero(data, len);
		free(data);
	}
	imp_fini(im);
	free(im);
	return rc;
}
