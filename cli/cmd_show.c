/* cli/cmd_show.c - dugnad show, dugnad history. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/entry.h"
#include "core/hlc.h"
#include "core/ident.h"
#include "core/json.h"

static int
load(struct cli *c, const char *prefix, struct store_node **n,
    struct core_rstate *s)
{
	uint8_t rid[16];
	int rc;

	memset(s, 0, sizeof *s);
	rc = cli_open(c, true, n);
	if (rc != 0)
		return rc;
	rc = cli_find(c, *n, prefix, rid);
	if (rc != 0)
		return rc;
	rc = store_node_record(*n, rid, s);
	if (rc != 0)
		return cli_fail(c, rc, "cannot read the record");
	return 0;
}

/* Prints fields in schema order, each followed by its translations. */
static void
print_fields(const struct core_record *r)
{
	const struct core_fdef *defs;
	size_t nd, i, j, fl;

	defs = core_schema_fields(r->type, &nd);
	for (i = 0; i < nd; i++) {
		fl = strlen(defs[i].name);
		for (j = 0; j < r->nfields; j++) {
			const char *k = r->fields[j].key;

			if (strncmp(k, defs[i].name, fl) != 0 ||
			    (k[fl] != '\0' && k[fl] != '@'))
				continue;
			printf("  %-14s %s\n", k, r->fields[j].value);
		}
	}
}

int
cmd_show(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct core_rstate s;
	struct core_record r;
	struct core_buf b;
	char sh[16], t1[32], t2[32];
	int rc;

	if (argc != 2) {
		cli_err(c, "usage: dugnad show ID");
		return EXIT_USAGE;
	}
	memset(&r, 0, sizeof r);
	rc = load(c, argv[1], &n, &s);
	if (rc != 0)
		goto out;
	rc = core_rstate_record(&s, &r);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot show the record");
		goto out;
	}
	cli_short_rid(s.id, sh);
	if (c->json) {
		char full[CORE_RID_TEXT];

		core_buf_init(&b);
		if (s.erased) {
			/* Nothing is left to show but the id. */
			core_record_id_text(s.id, full);
			core_buf_printf(&b, "{\"id\":\"%s\",\"erased\":true}",
			    full);
		} else {
			core_json_record(&b, &r);
		}
		core_buf_ch(&b, '\n');
		rc = cli_write_out(c, &b);
		core_buf_fini(&b);
		goto out;
	}
	if (s.erased) {
		printf(_("record %s was erased: its content is gone.\n"), sh);
		goto out;
	}
	printf("%s %s%s\n", _(core_schema_rtype_name(r.type)), sh,
	    r.removed ? _("  (removed)") : "");
	print_fields(&r);
	cli_fmt_time((int64_t)(CORE_HLC_MS(r.created) / 1000), t1, sizeof t1);
	cli_fmt_time((int64_t)(CORE_HLC_MS(r.updated) / 1000), t2, sizeof t2);
	printf(_("  created        %s\n  updated        %s\n"), t1, t2);
out:
	core_record_fini(&r);
	core_rstate_fini(&s);
	cli_close(c, n);
	return rc;
}

struct hist {
	struct cli *c;
	struct core_buf *out;
	size_t count;
};

static int
hist_one(void *ctx, const struct store_entry *e, const struct core_body *b)
{
	struct hist *h = ctx;
	char author[CORE_ID_TEXT], sh[16], when[32];
	size_t i;

	core_ident_id_text(e->hdr.author, author);
	cli_short_node(e->hdr.author, sh);
	cli_fmt_time((int64_t)(CORE_HLC_MS(e->hdr.hlc) / 1000), when,
	    sizeof when);
	if (h->c->json) {
		core_buf_str(h->out, h->count ? ",\n" : "\n");
		core_buf_str(h->out, "{\"time\":");
		core_json_hlc(h->out, e->hdr.hlc);
		core_buf_str(h->out, ",\"author\":");
		core_json_str(h->out, author);
		core_buf_printf(h->out, ",\"seq\":%llu,\"kind\":\"%s\"",
		    (unsigned long long)e->hdr.seq,
		    core_entry_kind_name(e->hdr.kind));
		if (b != NULL && e->hdr.kind == CORE_KIND_RECORD) {
			core_buf_str(h->out, ",\"set\":{");
			for (i = 0; i < b->nset; i++) {
				if (i)
					core_buf_ch(h->out, ',');
				core_json_str(h->out, b->set[i].key);
				core_buf_ch(h->out, ':');
				if (b->set[i].value == NULL)
					core_buf_str(h->out, "null");
				else
					core_json_str(h->out, b->set[i].value);
			}
			core_buf_ch(h->out, '}');
		} else if (b == NULL && e->hdr.kind != CORE_KIND_ERASE) {
			core_buf_str(h->out, ",\"erased\":true");
		}
		core_buf_ch(h->out, '}');
	} else {
		printf("%s  %s  %-7s", when, sh,
		    core_entry_kind_name(e->hdr.kind));
		if (b == NULL && e->hdr.kind != CORE_KIND_ERASE)
			printf("%s", _("  (content erased)"));
		for (i = 0; b != NULL && e->hdr.kind == CORE_KIND_RECORD &&
		     i < b->nset; i++) {
			if (b->set[i].value == NULL)
				printf(_("  %s=(removed)"), b->set[i].key);
			else
				printf("  %s=\"%s\"", b->set[i].key,
				    b->set[i].value);
		}
		printf("\n");
	}
	h->count++;
	return 0;
}

int
cmd_history(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct core_rstate s;
	struct core_buf out;
	struct hist h;
	int rc;

	if (argc != 2) {
		cli_err(c, "usage: dugnad history ID");
		return EXIT_USAGE;
	}
	core_buf_init(&out);
	rc = load(c, argv[1], &n, &s);
	if (rc != 0)
		goto done;
	h.c = c;
	h.out = &out;
	h.count = 0;
	if (c->json)
		core_buf_ch(&out, '[');
	rc = store_node_history(n, s.id, hist_one, &h);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the history");
		goto done;
	}
	if (c->json) {
		core_buf_str(&out, "\n]\n");
		rc = cli_write_out(c, &out);
	}
done:
	core_buf_fini(&out);
	core_rstate_fini(&s);
	cli_close(c, n);
	return rc;
}
