/* cli/cmd_log.c - dugnad log, dugnad verify, dugnad reindex, dugnad
 * compact.  log and verify read only headers, signatures and hashes, so
 * they need no passphrase. */
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/table.h"
#include "core/hlc.h"
#include "core/ident.h"
#include "core/json.h"
#include "store/db.h"
#include "store/log.h"

static int
open_db(struct cli *c, struct store_db **db)
{
	int rc = store_db_open(c->dir, 0, c->map_size, db);

	if (rc == DG_ENOTFOUND) {
		cli_err(c, "no dugnad node in %s; run 'dugnad init' first",
		    c->dir);
		return EXIT_CONFIG;
	}
	if (rc != 0)
		return cli_fail(c, rc, "cannot open the store");
	return 0;
}

struct log_ctx {
	const char *author; /* node id prefix, lowercase, or NULL */
	struct cli *c;
	struct core_buf *out;
	struct cli_table *t;
	size_t count;
};

static void
hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
log_one(void *arg, const struct store_entry *e, int erc)
{
	struct log_ctx *l = arg;
	char author[CORE_ID_TEXT], sh[16], when[32], seq[24], ep[16], h[65];
	char body[32];

	if (erc != 0)
		return DG_ECORRUPT;
	core_ident_id_text(e->hdr.author, author);
	if (l->author != NULL &&
	    strncmp(author, l->author, strlen(l->author)) != 0)
		return 0;
	cli_short_node(e->hdr.author, sh);
	snprintf(seq, sizeof seq, "%llu", (unsigned long long)e->hdr.seq);
	snprintf(ep, sizeof ep, "%u", e->hdr.epoch);
	/* The table's text (JSON says "present" or "dropped" below). */
	if (e->body != NULL)
		snprintf(body, sizeof body,
		    ngettext("%u byte", "%u bytes", e->hdr.body_len),
		    e->hdr.body_len);
	else
		snprintf(body, sizeof body, "%s", _("dropped"));
	if (l->c->json) {
		core_buf_str(l->out, l->count ? ",\n{" : "\n{");
		core_buf_str(l->out, "\"author\":");
		core_json_str(l->out, author);
		core_buf_printf(l->out, ",\"seq\":%s,\"kind\":\"%s\",\"epoch\":%s,"
		    "\"time\":", seq, core_entry_kind_name(e->hdr.kind), ep);
		core_json_hlc(l->out, e->hdr.hlc);
		hex(e->hash, 32, h);
		core_buf_printf(l->out, ",\"hash\":\"%s\"", h);
		hex(e->hdr.prev, 32, h);
		core_buf_printf(l->out, ",\"prev\":%s%s%s", e->hdr.seq > 1 ? "\"" : "",
		    e->hdr.seq > 1 ? h : "null", e->hdr.seq > 1 ? "\"" : "");
		core_buf_printf(l->out, ",\"body_len\":%u,\"body\":\"%s\"}",
		    e->hdr.body_len, e->body ? "present" : "dropped");
	} else {
		cli_fmt_time((int64_t)(CORE_HLC_MS(e->hdr.hlc) / 1000), when,
		    sizeof when);
		cli_table_row(l->t, (const char *const[]){ sh, seq,
		    core_entry_kind_name(e->hdr.kind), ep, when, body });
	}
	l->count++;
	return l->out->err;
}

int
cmd_log(struct cli *c, int argc, char **argv)
{
	static const char *const head[] = { N_("AUTHOR"), N_("SEQ"),
		N_("KIND"), N_("EPOCH"), N_("TIME"), N_("BODY") };
	const char *th[6] = { _(head[0]), _(head[1]), _(head[2]), _(head[3]),
		_(head[4]), _(head[5]) };
	struct store_db *db = NULL;
	struct cli_table t;
	struct core_buf out;
	struct log_ctx l;
	char prefix[CORE_ID_TEXT];
	size_t i, n;
	int rc;

	l.author = NULL;
	if (argc == 3 && strcmp(argv[1], "--author") == 0) {
		n = strlen(argv[2]);
		for (i = 0; i < n && i < sizeof prefix - 1; i++) {
			char ch = argv[2][i];

			prefix[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
			if (!((prefix[i] >= 'a' && prefix[i] <= 'z') ||
				(prefix[i] >= '2' && prefix[i] <= '7')))
				break;
		}
		if (n < 4 || n >= sizeof prefix || i != n) {
			cli_err(c, "--author takes a node id or its first 4 or "
				   "more characters (see 'dugnad id')");
			return EXIT_USAGE;
		}
		prefix[n] = '\0';
		l.author = prefix;
	} else if (argc != 1) {
		cli_err(c, "usage: dugnad log [--author ID]");
		return EXIT_USAGE;
	}
	rc = open_db(c, &db);
	if (rc != 0)
		return rc;
	core_buf_init(&out);
	cli_table_init(&t, 6, th);
	l.c = c;
	l.out = &out;
	l.t = &t;
	l.count = 0;
	if (c->json)
		core_buf_ch(&out, '[');
	rc = store_log_walk(db, log_one, &l);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the log");
		goto out;
	}
	if (c->json) {
		core_buf_str(&out, l.count ? "\n]\n" : "]\n");
		rc = cli_write_out(c, &out);
	} else if ((rc = cli_table_print(&t, stdout)) != 0) {
		rc = cli_fail(c, rc, "cannot show the log");
	}
out:
	cli_table_fini(&t);
	core_buf_fini(&out);
	store_db_close(db);
	return rc;
}

struct ver_ctx {
	struct cli *c;
	struct core_buf *out;
	struct cli_progress *pg;
};

static int
problem(void *arg, const struct store_problem *p)
{
	struct ver_ctx *v = arg;
	char author[CORE_ID_TEXT];

	core_ident_id_text(p->author, author);
	if (v->c->json) {
		core_buf_str(v->out, v->out->len > 1 ? ",{" : "{");
		core_buf_str(v->out, "\"author\":");
		core_json_str(v->out, author);
		core_buf_printf(v->out, ",\"seq\":%llu,\"problem\":",
		    (unsigned long long)p->seq);
		core_json_str(v->out, p->what);
		core_buf_ch(v->out, '}');
	} else {
		/* The problem's line goes where the counter was; the counter
		 * comes back at its next update. */
		cli_progress_end(v->pg);
		printf(_("problem: author %.10s entry %llu: %s\n"), author,
		    (unsigned long long)p->seq, _(p->what));
		fflush(stdout);
	}
	return 0;
}

int
cmd_verify(struct cli *c, int argc, char **argv)
{
	struct store_db *db = NULL;
	struct core_buf out;
	struct cli_progress pg;
	struct ver_ctx v = { c, &out, &pg };
	uint8_t net[32];
	uint64_t checked = 0, problems = 0;
	int rc, have_net;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: dugnad verify");
		return EXIT_USAGE;
	}
	rc = open_db(c, &db);
	if (rc != 0)
		return rc;
	core_buf_init(&out);
	if (c->json)
		core_buf_ch(&out, '[');
	have_net = store_db_net(db, net) == 0;
	cli_progress_start(&pg, c, _("Checking entries"), 0);
	store_db_progress(db, cli_progress_store, &pg);
	rc = store_log_check(db, have_net ? net : NULL, problem, &v, &checked,
	    &problems);
	store_db_progress(db, NULL, NULL);
	cli_progress_end(&pg);
	store_db_close(db);
	if (rc != 0) {
		core_buf_fini(&out);
		return cli_fail(c, rc, "cannot check the store");
	}
	if (c->json) {
		core_buf_printf(&out, "]");
		printf("{\"entries\":%llu,\"problems\":%llu,\"list\":%s}\n",
		    (unsigned long long)checked, (unsigned long long)problems,
		    out.data);
	} else if (problems == 0) {
		printf(ngettext("ok: %llu entry checked, no problems\n",
			   "ok: %llu entries checked, no problems\n",
			   (unsigned long)checked),
		    (unsigned long long)checked);
	} else {
		/* TRANSLATORS: the second number decides the plural. */
		printf(ngettext("%llu entries checked, %llu problem\n",
			   "%llu entries checked, %llu problems\n",
			   (unsigned long)problems),
		    (unsigned long long)checked, (unsigned long long)problems);
	}
	core_buf_fini(&out);
	return problems ? EXIT_PROBLEMS : 0;
}

int
cmd_reindex(struct cli *c, int argc, char **argv)
{
	struct cli_progress pg;
	struct store_node *n;
	int rc;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: dugnad reindex");
		return EXIT_USAGE;
	}
	rc = cli_open(c, false, &n);
	if (rc != 0)
		return rc;
	cli_progress_start(&pg, c, _("Rebuilding the views"), 0);
	store_db_progress(store_node_db(n), cli_progress_store, &pg);
	rc = store_node_reindex(n);
	store_db_progress(store_node_db(n), NULL, NULL);
	cli_progress_end(&pg);
	cli_close(c, n);
	if (rc != 0)
		return cli_fail(c, rc, "cannot rebuild the views");
	if (!c->json)
		printf("%s\n", _("views rebuilt from the logs"));
	else
		printf("{\"reindexed\":true}\n");
	return 0;
}

int
cmd_compact(struct cli *c, int argc, char **argv)
{
	struct cli_progress pg;
	struct store_node *n;
	int rc;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: dugnad compact");
		return EXIT_USAGE;
	}
	rc = cli_open(c, false, &n);
	if (rc != 0)
		return rc;
	/* LMDB's compacting copy reports nothing while it runs: the line
	 * only says what is going on. */
	cli_progress_start(&pg, c, _("Compacting the store"), 0);
	cli_progress_set(&pg, 0, true);
	rc = store_node_compact(n);
	cli_progress_end(&pg);
	cli_close(c, n);
	if (rc != 0)
		return cli_fail(c, rc, "cannot compact the store");
	if (!c->json)
		printf("%s\n", _("store compacted"));
	else
		printf("{\"compacted\":true}\n");
	return 0;
}
