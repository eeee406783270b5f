/* cli/cmd_list.c - dugnad list, dugnad search. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "cli/tz.h"
#include "cli/upcoming.h"
#include "core/json.h"
#include "core/text.h"
#include "core/valid.h"

struct pick {
	struct core_record *items;
	size_t n, cap;
	/* filters */
	enum core_rtype type; /* 0 = all */
	const char *lang;
	const char *category;
	char *needle; /* folded search text */
	int weeks; /* --upcoming: weeks shown (0: not upcoming) */
	bool all;  /* include removed */
};

/* True if the comma list has item, or an item that starts with item
 * followed by '-' (so "so" matches "so-SO"). */
static bool
list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (p != NULL && *p) {
		if (strncasecmp(p, item, n) == 0 &&
		    (p[n] == ',' || p[n] == '\0' || p[n] == '-'))
			return true;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return false;
}

/* 1 if a field of r holds needle (folded), 0 if none, DG_ENOMEM.  Not
 * core_text_contains_folded: a value that cannot be folded for want of
 * memory must fail the search, not be left out of its result. */
static int
matches_text(const struct core_record *r, const char *needle)
{
	char *folded;
	size_t i;
	int rc, found = needle[0] == '\0';

	for (i = 0; i < r->nfields && !found; i++) {
		rc = core_text_fold(r->fields[i].value,
		    strlen(r->fields[i].value), &folded);
		if (rc == DG_ENOMEM)
			return rc;
		if (rc != 0)
			continue;
		found = strstr(folded, needle) != NULL;
		sodium_memzero(folded, strlen(folded));
		free(folded);
	}
	return found;
}

static int
pick_one(void *ctx, const struct core_rstate *s)
{
	struct pick *p = ctx;
	struct core_record r;
	const char *v;
	int rc;
	void *grown;

	if (s->erased || s->type == 0 || (s->removed && !p->all))
		return 0;
	if (p->type != 0 && s->type != p->type)
		return 0;
	if (core_rstate_record(s, &r) != 0)
		return DG_ENOMEM;
	if (p->lang != NULL &&
	    ((v = core_record_get(&r, "lang")) == NULL || !list_has(v, p->lang)))
		goto skip;
	if (p->category != NULL &&
	    ((v = core_record_get(&r, "category")) == NULL ||
		!list_has(v, p->category)))
		goto skip;
	if (p->needle != NULL && (rc = matches_text(&r, p->needle)) != 1) {
		core_record_fini(&r);
		return rc;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		grown = realloc(p->items, p->cap * sizeof *p->items);
		if (grown == NULL)
			goto nomem;
		p->items = grown;
	}
	p->items[p->n++] = r;
	return 0;
nomem:
	core_record_fini(&r);
	return DG_ENOMEM;
skip:
	core_record_fini(&r);
	return 0;
}

static const char *
title_of(const struct core_record *r)
{
	const char *v = core_record_get(r, core_schema_title_field(r->type));

	return v ? v : "";
}

/* Sorting: by type, then title (folded, so case and accents do not split
 * the order), then id.  The upcoming view sorts by time, then in this
 * order. */
static int
by_title(const void *a, const void *b)
{
	const struct core_record *x = a, *y = b;
	char *fx = NULL, *fy = NULL;
	int c;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (core_text_fold(title_of(x), strlen(title_of(x)), &fx) != 0 ||
	    core_text_fold(title_of(y), strlen(title_of(y)), &fy) != 0)
		c = strcmp(title_of(x), title_of(y));
	else
		c = strcmp(fx, fy);
	free(fx);
	free(fy);
	return c ? c : memcmp(x->id, y->id, sizeof x->id);
}

static int
print_table(const struct pick *p)
{
	/* Column headings are read by people; the field names in
	 * --json and key=value are not translated. */
	static const char *const h_all[] = { N_("ID"), N_("TYPE"),
		N_("NAME"), N_("LANG") };
	static const char *const h_con[] = { N_("ID"), N_("NAME"),
		N_("PHONE"), N_("LANG"), N_("ORG") };
	static const char *const h_mee[] = { N_("ID"), N_("TITLE"),
		N_("STARTS"), N_("REPEAT"), N_("LANG"), N_("PLACE") };
	static const char *const h_ref[] = { N_("ID"), N_("NAME"),
		N_("CATEGORY"), N_("LANG"), N_("PHONE") };
	const char *const *h;
	const char *head[6];
	struct cli_table t;
	const struct core_record *r;
	char sh[16];
	size_t i, nh;
	int rc;

	if (p->type == CORE_RT_CONTACT) {
		h = h_con;
		nh = 5;
	} else if (p->type == CORE_RT_MEETING) {
		h = h_mee;
		nh = 6;
	} else if (p->type == CORE_RT_REFERRAL) {
		h = h_ref;
		nh = 5;
	} else {
		h = h_all;
		nh = 4;
	}
	for (i = 0; i < nh; i++)
		head[i] = _(h[i]);
	cli_table_init(&t, nh, head);
	for (i = 0; i < p->n; i++) {
		r = &p->items[i];
		cli_short_rid(r->id, sh);
		if (p->type == CORE_RT_CONTACT) {
			cli_table_row(&t, (const char *const[]){ sh, title_of(r),
			    core_record_get(r, "phone"),
			    core_record_get(r, "lang"), core_record_get(r, "org") });
		} else if (p->type == CORE_RT_MEETING) {
			cli_table_row(&t, (const char *const[]){ sh, title_of(r),
			    core_record_get(r, "starts"),
			    core_record_get(r, "repeat"),
			    core_record_get(r, "lang"),
			    core_record_get(r, "place") });
		} else if (p->type == CORE_RT_REFERRAL) {
			cli_table_row(&t, (const char *const[]){ sh, title_of(r),
			    core_record_get(r, "category"),
			    core_record_get(r, "lang"),
			    core_record_get(r, "phone") });
		} else {
			cli_table_row(&t, (const char *const[]){ sh,
			    _(core_schema_rtype_name(r->type)), title_of(r),
			    core_record_get(r, "lang") });
		}
	}
	rc = cli_table_print(&t, stdout);
	cli_table_fini(&t);
	return rc;
}

static int
run(struct cli *c, struct pick *p)
{
	struct store_node *n = NULL;
	struct core_buf b;
	size_t i;
	int rc;

	rc = cli_open(c, true, &n);
	if (rc != 0)
		goto out;
	rc = store_node_records(n, pick_one, p);
	cli_close(c, n);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the records");
		goto out;
	}
	if (p->n > 1)
		qsort(p->items, p->n, sizeof *p->items, by_title);
	if (p->weeks > 0) {
		rc = cli_upcoming_show(c, p->items, p->n, (int64_t)time(NULL),
		    p->weeks);
	} else if (c->json) {
		core_buf_init(&b);
		core_buf_ch(&b, '[');
		for (i = 0; i < p->n; i++) {
			core_buf_str(&b, i ? ",\n" : "\n");
			core_json_record(&b, &p->items[i]);
		}
		core_buf_str(&b, p->n ? "\n]\n" : "]\n");
		rc = cli_write_out(c, &b);
		core_buf_fini(&b);
	} else if (p->n == 0) {
		printf("%s\n", _("no records"));
	} else if ((rc = print_table(p)) != 0) {
		rc = cli_fail(c, rc, "cannot list the records");
	}
out:
	for (i = 0; i < p->n; i++)
		core_record_fini(&p->items[i]);
	free(p->items);
	free(p->needle);
	return rc;
}

static const char *
opt_value(const struct cli *c, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc || argv[*i + 1][0] == '\0') {
		cli_err(c, "%s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

/* --weeks N: 1..CLI_UPCOMING_WEEKS_MAX, decimal digits only. */
static int
parse_weeks(const char *s, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3)
			return DG_EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0 || v < 1 || v > CLI_UPCOMING_WEEKS_MAX)
		return DG_EINVAL;
	*out = v;
	return 0;
}

int
cmd_list(struct cli *c, int argc, char **argv)
{
	struct pick p;
	char tag[64];
	const char *weeks = NULL;
	bool upcoming = false;
	int i, rc;

	memset(&p, 0, sizeof p);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lang") == 0) {
			if ((p.lang = opt_value(c, argc, argv, &i)) == NULL)
				return EXIT_USAGE;
			if (core_valid_lang(p.lang, strlen(p.lang), tag,
				sizeof tag) != 0) {
				cli_err(c, "--lang: '%.40s' is not a language "
					   "tag; use e.g. so, nb or ar", p.lang);
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--category") == 0) {
			if ((p.category = opt_value(c, argc, argv, &i)) == NULL)
				return EXIT_USAGE;
		} else if (strcmp(argv[i], "--upcoming") == 0) {
			upcoming = true;
		} else if (strcmp(argv[i], "--weeks") == 0) {
			if ((weeks = opt_value(c, argc, argv, &i)) == NULL)
				return EXIT_USAGE;
		} else if (strcmp(argv[i], "--all") == 0) {
			p.all = true;
		} else if (argv[i][0] != '-' && p.type == 0 &&
		    core_schema_rtype(argv[i], &p.type) == 0) {
			continue;
		} else {
			cli_err(c, "unknown argument '%.40s'; usage: dugnad "
				   "list [contacts|meetings|referrals] [--lang L] "
				   "[--category C] [--all] | list meetings --upcoming "
				   "[--weeks N] [--lang L]", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (weeks != NULL && !upcoming) {
		cli_err(c, "--weeks goes with --upcoming: dugnad list meetings "
			   "--upcoming --weeks N");
		return EXIT_USAGE;
	}
	if (!upcoming)
		return run(c, &p);
	if (p.type != 0 && p.type != CORE_RT_MEETING) {
		cli_err(c, "--upcoming lists meetings only");
		return EXIT_USAGE;
	}
	if (p.category != NULL) {
		cli_err(c, "--category is for referrals; --upcoming lists "
			   "meetings (use --lang to choose among them)");
		return EXIT_USAGE;
	}
	if (p.all) {
		cli_err(c, "--upcoming shows meetings that will take place, "
			   "never removed ones; leave out --all");
		return EXIT_USAGE;
	}
	p.weeks = CLI_UPCOMING_WEEKS;
	if (weeks != NULL && parse_weeks(weeks, &p.weeks) != 0) {
		cli_err(c, "--weeks: '%.40s' is not a number of weeks from 1 "
			   "to %d", weeks, CLI_UPCOMING_WEEKS_MAX);
		return EXIT_USAGE;
	}
	rc = cli_tz_env_check();
	if (rc != 0) {
		cli_err(c, "TZ is '%.60s', which is no time zone on this "
			   "computer; set it to one such as Europe/Oslo, or unset "
			   "it", getenv("TZ"));
		return EXIT_USAGE;
	}
	p.type = CORE_RT_MEETING;
	return run(c, &p);
}

int
cmd_search(struct cli *c, int argc, char **argv)
{
	struct pick p;
	int rc;

	if (argc != 2 || argv[1][0] == '\0') {
		cli_err(c, "usage: dugnad search TEXT (quote several words)");
		return EXIT_USAGE;
	}
	memset(&p, 0, sizeof p);
	rc = core_text_fold(argv[1], strlen(argv[1]), &p.needle);
	if (rc == DG_ENOMEM)
		return cli_fail(c, rc, "cannot search");
	if (rc != 0) {
		cli_err(c, "the search text is not valid UTF-8");
		return EXIT_DATA;
	}
	return run(c, &p);
}
