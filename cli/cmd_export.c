/* cli/cmd_export.c - dugnad export: records for calendar and address
 * book apps, spreadsheets and scripts. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/tz.h"
#include "core/csv.h"
#include "core/ics.h"
#include "core/json.h"
#include "core/valid.h"
#include "core/vcf.h"

struct recs {
	struct core_record *r;
	size_t n, cap;
	enum core_rtype type; /* 0 = all */
};

static int
collect(void *ctx, const struct core_rstate *s)
{
	struct recs *rs = ctx;
	struct core_record *g;

	if (s->erased || s->removed || s->type == 0)
		return 0;
	if (rs->type != 0 && s->type != rs->type)
		return 0;
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		g = realloc(rs->r, rs->cap * sizeof *g);
		if (g == NULL)
			return DG_ENOMEM;
		rs->r = g;
	}
	if (core_rstate_record(s, &rs->r[rs->n]) != 0)
		return DG_ENOMEM;
	rs->n++;
	return 0;
}

/* Time zones of the meetings, with observances from a year before the
 * earliest start to three years after now (or the latest until). */
struct zones {
	struct core_ics_tz tz[64];
	struct core_ics_obs *obs[64];
	size_t n;
};

static void
zones_fini(struct zones *z)
{
	size_t i;

	for (i = 0; i < z->n; i++)
		free(z->obs[i]);
	z->n = 0;
}

static int
zones_collect(const struct cli *c, const struct recs *rs, struct zones *z)
{
	struct core_datetime dt;
	int64_t from = (int64_t)time(NULL), to = from + 3 * 366 * 86400;
	const char *tz, *s;
	size_t i, j;
	int rc;

	for (i = 0; i < rs->n; i++) {
		s = core_record_get(&rs->r[i], "starts");
		if (s != NULL && core_valid_datetime_parse(s, &dt) == 0 &&
		    core_datetime_to_unix(&dt) - 366 * 86400 < from)
			from = core_datetime_to_unix(&dt) - 366 * 86400;
		s = core_record_get(&rs->r[i], "until");
		if (s != NULL && strlen(s) == 10) {
			memset(&dt, 0, sizeof dt);
			dt.year = atoi(s);
			dt.month = atoi(s + 5);
			dt.day = atoi(s + 8);
			if (core_datetime_to_unix(&dt) + 86400 > to)
				to = core_datetime_to_unix(&dt) + 86400;
		}
	}
	if (to - from > 90LL * 366 * 86400)
		to = from + 90LL * 366 * 86400;
	for (i = 0; i < rs->n; i++) {
		tz = core_record_get(&rs->r[i], "tz");
		if (tz == NULL)
			continue;
		for (j = 0; j < z->n && strcmp(z->tz[j].tzid, tz) != 0; j++)
			;
		if (j < z->n || z->n == 64)
			continue;
		rc = cli_tz_observances(tz, from, to, &z->obs[z->n],
		    &z->tz[z->n].nobs);
		if (rc == DG_ENOTFOUND || rc == DG_EINVAL) {
			/* Written in UTC instead; say so once. */
			cli_err(c, "time zone %s is unknown on this computer; "
				   "its meetings are written in UTC", tz);
			continue;
		}
		if (rc != 0)
			return rc;
		z->tz[z->n].tzid = tz;
		z->tz[z->n].obs = z->obs[z->n];
		z->n++;
	}
	return 0;
}

int
cmd_export(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct recs rs;
	struct zones z;
	struct core_buf out;
	const char *format = NULL, *path = NULL;
	size_t i;
	int rc, a;

	memset(&rs, 0, sizeof rs);
	memset(&z, 0, sizeof z);
	core_buf_init(&out);
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--format") == 0 && a + 1 < argc) {
			format = argv[++a];
		} else if (strncmp(argv[a], "--format=", 9) == 0) {
			format = argv[a] + 9;
		} else if (strcmp(argv[a], "-o") == 0 && a + 1 < argc) {
			path = argv[++a];
		} else if (argv[a][0] != '-' && rs.type == 0 &&
		    core_schema_rtype(argv[a], &rs.type) == 0) {
			continue;
		} else {
			cli_err(c, "unknown argument '%.40s'; usage: dugnad "
				   "export --format ics|vcf|csv|json [TYPE] "
				   "[-o FILE]", argv[a]);
			return EXIT_USAGE;
		}
	}
	if (format == NULL) {
		cli_err(c, "say which format: --format ics (calendars), vcf "
			   "(address books), csv (spreadsheets) or json");
		return EXIT_USAGE;
	}
	if (strcmp(format, "ics") == 0) {
		if (rs.type != 0 && rs.type != CORE_RT_MEETING) {
			cli_err(c, "ics holds meetings only");
			return EXIT_USAGE;
		}
		rs.type = CORE_RT_MEETING;
	} else if (strcmp(format, "vcf") == 0) {
		if (rs.type != 0 && rs.type != CORE_RT_CONTACT) {
			cli_err(c, "vcf holds contacts only");
			return EXIT_USAGE;
		}
		rs.type = CORE_RT_CONTACT;
	} else if (strcmp(format, "csv") == 0) {
		if (rs.type == 0) {
			cli_err(c, "csv needs a type, as each has its own "
				   "columns: contacts, meetings or referrals");
			return EXIT_USAGE;
		}
	} else if (strcmp(format, "json") != 0) {
		cli_err(c, "unknown format '%.20s'; use ics, vcf, csv or json",
		    format);
		return EXIT_USAGE;
	}
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	rc = store_node_records(n, collect, &rs);
	cli_close(c, n);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the records");
		goto out;
	}
	if (strcmp(format, "ics") == 0) {
		rc = zones_collect(c, &rs, &z);
		if (rc == 0)
			rc = core_ics_write(&out, rs.r, rs.n, z.tz, z.n,
			    (int64_t)time(NULL));
	} else if (strcmp(format, "vcf") == 0) {
		core_vcf_write(&out, rs.r, rs.n);
	} else if (strcmp(format, "csv") == 0) {
		core_csv_write(&out, rs.type, rs.r, rs.n);
	} else {
		core_json_records(&out, rs.r, rs.n);
	}
	if (rc == 0)
		rc = out.err;
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot write the export");
		goto out;
	}
	rc = cli_write_file(c, path, out.data ? out.data : "", out.len);
	if (rc == 0 && path != NULL && strcmp(path, "-") != 0 && !c->json)
		printf(ngettext("wrote %zu record to %s\n",
				"wrote %zu records to %s\n", rs.n), rs.n, path);
out:
	zones_fini(&z);
	for (i = 0; i < rs.n; i++)
		core_record_fini(&rs.r[i]);
	free(rs.r);
	core_buf_fini(&out);
	return rc;
}
