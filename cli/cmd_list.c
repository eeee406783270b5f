/* cli/cmd_list.c - dugnad list, dugnad search. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "cli/tz.h"
#include "core/json.h"
#include "core/repeat.h"
#include "core/text.h"
#include "core/valid.h"

struct item {
	struct core_record r;
	int64_t next; /* upcoming: the next start */
	int offset;   /* upcoming: its UTC offset in minutes */
};

struct pick {
	struct item *items;
	size_t n, cap;
	/* filters */
	enum core_rtype type; /* 0 = all */
	const char *lang;
	const char *category;
	char *needle; /* folded search text */
	bool upcoming;
	bool all; /* include removed */
	int64_t now;
	int err;
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

/* Next start of a meeting at or after now; false when none.  A series
 * repeats on the wall clock of its time zone (as DTSTART;TZID does in
 * the ICS export), so each occurrence found on the start's fixed offset
 * is moved to the zone's offset on its own date. */
static bool
next_start(const struct core_record *r, int64_t now, int64_t *next,
    int *offset)
{
	struct core_datetime dt, w;
	struct core_repeat rep;
	const char *starts = core_record_get(r, "starts");
	const char *repeat = core_record_get(r, "repeat");
	const char *u = core_record_get(r, "until");
	const char *tz = core_record_get(r, "tz");
	int64_t end = INT64_MAX, after, t, real;
	int tries, off;

	if (starts == NULL || core_valid_datetime_parse(starts, &dt) != 0)
		return false;
	if (u != NULL && strlen(u) == 10) {
		memset(&w, 0, sizeof w);
		w.year = atoi(u);
		w.month = atoi(u + 5);
		w.day = atoi(u + 8);
		w.hour = 23;
		w.min = 59;
		w.sec = 59;
		w.offset_min = dt.offset_min;
		end = core_datetime_to_unix(&w);
	}
	if (repeat != NULL && core_repeat_parse(repeat, &rep) != 0)
		return false;
	/* Offsets of one zone differ by a few hours at most. */
	after = now - 4 * 3600;
	for (tries = 0; tries < 16; tries++) {
		if (core_repeat_next(repeat ? &rep : NULL,
			core_datetime_to_unix(&dt), dt.offset_min, end, after,
			&t) != 0)
			return false;
		real = t;
		off = dt.offset_min;
		core_datetime_from_unix(t, dt.offset_min, &w);
		if (tz != NULL && cli_tz_offset(tz, &w, &off) == 0) {
			w.offset_min = off;
			real = core_datetime_to_unix(&w);
		}
		if (real >= now) {
			*next = real;
			*offset = off;
			return true;
		}
		after = t + 1;
	}
	return false;
}

static int
pick_one(void *ctx, const struct core_rstate *s)
{
	struct pick *p = ctx;
	struct core_record r;
	const char *v;
	int64_t next = 0;
	int offset = 0, rc;
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
	if (p->upcoming && !next_start(&r, p->now, &next, &offset))
		goto skip;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		grown = realloc(p->items, p->cap * sizeof *p->items);
		if (grown == NULL)
			goto nomem;
		p->items = grown;
	}
	p->items[p->n].r = r;
	p->items[p->n].offset = offset;
	p->items[p->n++].next = next;
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

/* Sorting: by next start (0 unless --upcoming), then type, then title
 * (folded, so case and accents do not split the order), then id. */
static int
by_title(const void *a, const void *b)
{
	const struct item *ia = a, *ib = b;
	const struct core_record *x = &ia->r, *y = &ib->r;
	char *fx = NULL, *fy = NULL;
	int c;

	if (ia->next != ib->next)
		return ia->next < ib->next ? -1 : 1;
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

static void
fmt_next(int64_t t, int offset_min, char *out, size_t cap)
{
	struct core_datetime d;
	static const char *const wd[] = { "Mon", "Tue", "Wed", "Thu", "Fri",
		"Sat", "Sun" };

	core_datetime_from_unix(t, offset_min, &d);
	snprintf(out, cap, "%s %04d-%02d-%02d %02d:%02d",
	    wd[core_datetime_weekday(d.year, d.month, d.day)], d.year, d.month,
	    d.day, d.hour, d.min);
}

static int
print_table(const struct pick *p)
{
	static const char *const h_all[] = { "ID", "TYPE", "NAME", "LANG" };
	static const char *const h_con[] = { "ID", "NAME", "PHONE", "LANG",
		"ORG" };
	static const char *const h_mee[] = { "ID", "TITLE", "STARTS", "REPEAT",
		"LANG", "PLACE" };
	static const char *const h_up[] = { "ID", "NEXT", "TITLE", "LANG",
		"PLACE" };
	static const char *const h_ref[] = { "ID", "NAME", "CATEGORY", "LANG",
		"PHONE" };
	struct cli_table t;
	const struct core_record *r;
	char sh[16], next[40];
	size_t i;
	int rc;

	if (p->upcoming)
		cli_table_init(&t, 5, h_up);
	else if (p->type == CORE_RT_CONTACT)
		cli_table_init(&t, 5, h_con);
	else if (p->type == CORE_RT_MEETING)
		cli_table_init(&t, 6, h_mee);
	else if (p->type == CORE_RT_REFERRAL)
		cli_table_init(&t, 5, h_ref);
	else
		cli_table_init(&t, 4, h_all);
	for (i = 0; i < p->n; i++) {
		r = &p->items[i].r;
		cli_short_rid(r->id, sh);
		if (p->upcoming) {
			fmt_next(p->items[i].next, p->items[i].offset, next,
			    sizeof next);
			cli_table_row(&t, (const char *const[]){ sh, next,
			    title_of(r), core_record_get(r, "lang"),
			    core_record_get(r, "place") });
		} else if (p->type == CORE_RT_CONTACT) {
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
			    core_schema_rtype_name(r->type), title_of(r),
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
	p->now = (int64_t)time(NULL);
	rc = store_node_records(n, pick_one, p);
	cli_close(c, n);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the records");
		goto out;
	}
	if (p->n > 1)
		qsort(p->items, p->n, sizeof *p->items, by_title);
	if (c->json) {
		core_buf_init(&b);
		core_buf_ch(&b, '[');
		for (i = 0; i < p->n; i++) {
			core_buf_str(&b, i ? ",\n" : "\n");
			core_json_record(&b, &p->items[i].r);
		}
		core_buf_str(&b, p->n ? "\n]\n" : "]\n");
		rc = cli_write_out(c, &b);
		core_buf_fini(&b);
	} else if (p->n == 0) {
		printf("no records\n");
	} else if ((rc = print_table(p)) != 0) {
		rc = cli_fail(c, rc, "cannot list the records");
	}
out:
	for (i = 0; i < p->n; i++)
		core_record_fini(&p->items[i].r);
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

int
cmd_list(struct cli *c, int argc, char **argv)
{
	struct pick p;
	char tag[64];
	int i;

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
			p.upcoming = true;
		} else if (strcmp(argv[i], "--all") == 0) {
			p.all = true;
		} else if (argv[i][0] != '-' && p.type == 0 &&
		    core_schema_rtype(argv[i], &p.type) == 0) {
			continue;
		} else {
			cli_err(c, "unknown argument '%.40s'; usage: dugnad "
				   "list [contacts|meetings|referrals] [--lang L] "
				   "[--category C] [--upcoming] [--all]", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (p.upcoming) {
		if (p.type != 0 && p.type != CORE_RT_MEETING) {
			cli_err(c, "--upcoming lists meetings only");
			return EXIT_USAGE;
		}
		p.type = CORE_RT_MEETING;
	}
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
