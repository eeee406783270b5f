/* cli/cmd_peer.c - dugnad peer add | list | remove: the static peers the
 * node dials. */
#include <stdbool.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/addr.h"
#include "core/ident.h"
#include "core/json.h"
#include "store/peers.h"

#define USAGE "usage: dugnad peer add HOST:PORT | peer list | " \
	      "peer remove HOST:PORT"

/* What the user typed, safe to echo on a terminal: printable ASCII, cut
 * at 60 characters. */
static void
shown(const char *s, char out[64])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 60; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0')
		memcpy(out + i, "...", 3), i += 3;
	out[i] = '\0';
}

/* Checks the address before the node is opened: a typing error costs no
 * passphrase and writes nothing. */
static int
check_addr(const struct cli *c, const char *addr,
    char text[CORE_ADDR_TEXT_MAX + 1])
{
	char host[CORE_ADDR_HOST_MAX + 1], show[64];
	uint16_t port;

	if (core_addr_parse(addr, host, &port) != 0) {
		shown(addr, show);
		cli_err(c, "'%s' is not an address; give it as HOST:PORT, "
			   "e.g. 192.0.2.7:7000, [2001:db8::7]:7000 or "
			   "node.example.org:7000", show);
		return EXIT_USAGE;
	}
	core_addr_format(host, port, text, CORE_ADDR_TEXT_MAX + 1);
	return 0;
}

/* Writes a JSON document built in out (a failed append shows here). */
static int
write_json(const struct cli *c, const struct core_buf *out)
{
	if (out->err != 0)
		return cli_fail(c, out->err, "cannot write the output");
	return cli_write_out(c, out);
}

/* peer add and peer remove: the address checked before the node is
 * opened, one change, one line (or JSON object) saying what was done. */
static int
peer_change(struct cli *c, const char *addr, bool add)
{
	struct store_node *n = NULL;
	char text[CORE_ADDR_TEXT_MAX + 1];
	struct core_buf out;
	int rc;

	rc = check_addr(c, addr, text);
	if (rc != 0)
		return rc;
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	rc = add ? store_node_peer_add(n, text) :
	    store_node_peer_remove(n, text);
	cli_close(c, n);
	if (rc == DG_EEXIST) {
		cli_err(c, "%s is already in the list; 'dugnad peer list' "
			   "shows it", text);
		return EXIT_DATA;
	}
	if (rc == DG_ENOTFOUND) {
		cli_err(c, "%s is not in the list; 'dugnad peer list' shows "
			   "the peers", text);
		return EXIT_DATA;
	}
	if (rc == DG_ELIMIT) {
		cli_err(c, "the list already holds %d peers, the most it can; "
			   "remove one with 'dugnad peer remove HOST:PORT'",
		    STORE_PEERS_MAX);
		return EXIT_DATA;
	}
	if (rc != 0)
		return cli_fail(c, rc, add ? "cannot add the peer" :
		    "cannot remove the peer");
	if (!c->json) {
		printf(add ? _("added peer %s\n") : _("removed peer %s\n"),
		    text);
		return 0;
	}
	core_buf_init(&out);
	core_buf_str(&out, "{\"address\":");
	core_json_str(&out, text);
	core_buf_str(&out, add ? ",\"added\":true}\n" :
	    ",\"removed\":true}\n");
	rc = write_json(c, &out);
	core_buf_fini(&out);
	return rc;
}

struct rows {
	const struct cli *c;
	struct cli_table *t;
	struct core_buf *out;
	size_t n;
};

static int
peer_row(void *arg, const struct store_peer *p)
{
	struct rows *r = arg;
	char id[CORE_ID_TEXT], sh[16], when[32], fails[16];

	if (r->c->json) {
		core_buf_str(r->out, r->n ? ",\n{\"address\":" :
					    "\n{\"address\":");
		core_json_str(r->out, p->addr);
		core_buf_str(r->out, ",\"node\":");
		if (p->has_node) {
			core_ident_id_text(p->node, id);
			core_json_str(r->out, id);
		} else {
			core_buf_str(r->out, "null");
		}
		if (p->last_sync != 0)
			core_buf_printf(r->out, ",\"last_sync\":%llu",
			    (unsigned long long)p->last_sync);
		else
			core_buf_str(r->out, ",\"last_sync\":null");
		core_buf_printf(r->out, ",\"failures\":%lu}",
		    (unsigned long)p->fails);
	} else {
		if (p->has_node)
			cli_short_node(p->node, sh);
		else
			strcpy(sh, "-");
		if (p->last_sync != 0)
			cli_fmt_time((int64_t)p->last_sync, when, sizeof when);
		else
			snprintf(when, sizeof when, "%s", _("never"));
		snprintf(fails, sizeof fails, "%lu", (unsigned long)p->fails);
		cli_table_row(r->t, (const char *const[]){ p->addr, sh, when,
		    fails });
	}
	r->n++;
	return 0;
}

static int
peer_list(struct cli *c)
{
	static const char *const head[] = { N_("ADDRESS"), N_("NODE"),
		N_("LAST SYNC"), N_("FAILURES") };
	struct store_node *n = NULL;
	struct cli_table t;
	struct core_buf out;
	struct rows r;
	int rc;

	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	core_buf_init(&out);
	cli_table_init(&t, 4, head);
	r.c = c;
	r.t = &t;
	r.out = &out;
	r.n = 0;
	if (c->json)
		core_buf_ch(&out, '[');
	rc = store_node_peers(n, peer_row, &r);
	cli_close(c, n);
	if (rc != 0) {
		rc = cli_fail(c, rc, "cannot read the peers");
	} else if (c->json) {
		core_buf_str(&out, r.n ? "\n]\n" : "]\n");
		rc = write_json(c, &out);
	} else if (r.n == 0) {
		printf("%s", _("no peers yet; add one with 'dugnad peer add "
			       "HOST:PORT'\n"));
	} else if (t.err != 0) {
		rc = cli_fail(c, t.err, "cannot list the peers");
	} else {
		(void)cli_table_print(&t, stdout);
	}
	cli_table_fini(&t);
	core_buf_fini(&out);
	return rc;
}

int
cmd_peer(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && cli_want_help(c, argc - 1, argv + 1))
		return EXIT_OK;
	if (argc == 3 && strcmp(argv[1], "add") == 0)
		return peer_change(c, argv[2], true);
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return peer_change(c, argv[2], false);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return peer_list(c);
	cli_err(c, "%s", USAGE);
	return EXIT_USAGE;
}
