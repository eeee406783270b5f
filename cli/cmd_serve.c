/* cli/cmd_serve.c - dugnad serve, sync and status: the node on the
 * network.
 *
 * While `serve` runs it holds the unlocked node; other dugnad commands
 * on the same store reach it through the control socket (cli/main.c
 * forwards them), so the passphrase is typed once per working session
 * and a change made on the command line is pushed to peers at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "cli/tz.h"
#include "core/addr.h"
#include "core/ident.h"
#include "core/json.h"
#include "core/text.h"
#include "net/ctl.h"
#include "net/node.h"
#include "store/member.h"
#include "store/peers.h"
#include "store/repl.h"

/* every address, IPv6 and IPv4 (0.0.0.0 on a machine without IPv6) */
#define DEFAULT_LISTEN "[::]:7373"

/* Where the daemon's log goes, found once when serve starts. */
enum log_to {
	LOG_TERMINAL, /* "HH:MM:SS message": the person sees the date */
	LOG_FILE,     /* "YYYY-MM-DD HH:MM:SS message": read days later */
	LOG_JOURNAL,  /* "<6>message": the journal adds the time itself */
};

static enum log_to log_to = LOG_TERMINAL;

/* systemd connects stderr to the journal and says so in JOURNAL_STREAM
 * ("DEV:INODE" of that stream); only when stderr is still that stream
 * (not redirected by a wrapper) is the journal the reader. */
static enum log_to
log_target(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (fstat(STDERR_FILENO, &st) != 0)
		return LOG_FILE;
	if (js != NULL && strlen(js) < 64 &&
	    sscanf(js, "%llu:%llu%c", &dev, &ino, &end) == 2 &&
	    dev == (unsigned long long)st.st_dev &&
	    ino == (unsigned long long)st.st_ino)
		return LOG_JOURNAL;
	return isatty(STDERR_FILENO) ? LOG_TERMINAL : LOG_FILE;
}

/* Copies line into out (cap bytes) fit for one log line: each control
 * character (C0, DEL, C1) becomes '?', and so does every byte past
 * ASCII when the line is not valid UTF-8 (net/ cleans what peers send;
 * this keeps a path or a name from anywhere from breaking the log). */
static void
log_clean(const char *line, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i = 0, o = 0, n = strlen(line);
	bool utf8 = core_text_utf8_valid(line, n);

	while (i < n && o + 1 < cap) {
		if (s[i] < 0x20 || s[i] == 0x7f || (!utf8 && s[i] >= 0x80)) {
			out[o++] = '?';
			i++;
		} else if (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9f) {
			out[o++] = '?';
			i += 2;
		} else {
			out[o++] = (char)s[i++];
		}
	}
	out[o] = '\0';
}

static void
log_line(void *ctx, int level, const char *line)
{
	char when[32], clean[1024];
	time_t now = time(NULL);
	struct tm tm;

	(void)ctx;
	log_clean(line, clean, sizeof clean);
	if (log_to == LOG_JOURNAL) {
		/* the journal's priority prefix (sd-daemon(3)) */
		fprintf(stderr, "<%d>%s\n", level, clean);
	} else {
		localtime_r(&now, &tm);
		strftime(when, sizeof when, log_to == LOG_FILE ?
		    "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
		fprintf(stderr, "%s %s\n", when, clean);
	}
	fflush(stderr);
}

/* What a network error means for the person at the keyboard. */
static int
net_fail(const struct cli *c, int rc, const char *addr, const char *text)
{
	switch (rc) {
	case DG_EINVAL:
		if (text != NULL)
			cli_err(c, "cannot sync with %s: %s", addr, text);
		else
			cli_err(c, "'%.60s' is not an address; give it as "
				   "HOST:PORT", addr);
		return EXIT_USAGE;
	case DG_EREFUSED:
		cli_err(c, "%s refused this node (%s); check that it is in "
			   "the same network, that this laptop's clock is right "
			   "(within 10 minutes) and that this node was not "
			   "revoked; ask a coordinator", addr, text);
		return EXIT_NOPERM;
	case DG_EPERM:
		cli_err(c, "the node at %s is not a member of this network; "
			   "nothing was exchanged", addr);
		return EXIT_NOPERM;
	case DG_EPROTO:
		cli_err(c, "%s broke the protocol (%s); nothing it sent "
			   "after that was kept", addr, text);
		return EXIT_PROTOCOL;
	case DG_ENET:
	case DG_ECLOSED:
	case DG_ETIMEOUT:
		cli_err(c, "cannot sync with %s: %s; check the address and "
			   "that 'dugnad serve' runs there", addr, text);
		return EXIT_UNAVAIL;
	default:
		return cli_fail(c, rc, "sync failed");
	}
}

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	struct net_config cfg;
	struct net_node *nn = NULL;
	struct store_node *n = NULL;
	const char *listen = DEFAULT_LISTEN;
	bool discovery = true;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
			listen = argv[++i];
		} else if (strcmp(argv[i], "--no-listen") == 0) {
			listen = NULL;
		} else if (strcmp(argv[i], "--no-discovery") == 0) {
			discovery = false;
		} else {
			cli_err(c, "unknown argument '%.40s'; usage: dugnad "
				   "serve [--listen ADDR:PORT | --no-listen] "
				   "[--no-discovery]", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (c->shared != NULL) {
		cli_err(c, "the node is already running");
		return EXIT_TEMPFAIL;
	}
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	/* before any thread: TZ is then only ever replaced (cli/tz.h) */
	if (getenv("TZ") == NULL && setenv("TZ", CLI_TZ_SYSTEM, 1) != 0) {
		store_node_close(n);
		cli_err(c, "out of memory");
		return EXIT_OSERR;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.listen = listen;
	cfg.discovery = discovery;
	log_to = log_target();
	cfg.log = log_line;
	cfg.run = cli_daemon_run;
	cfg.ctx = c;
	rc = net_node_new(n, &cfg, &nn);
	if (rc == 0) {
		c->daemon = nn;
		rc = net_node_serve(nn);
		c->daemon = NULL;
	}
	net_node_free(nn);
	store_node_close(n);
	switch (rc) {
	case 0:
		return EXIT_OK;
	case DG_EBUSY:
		cli_err(c, "'dugnad serve' already runs on %s", c->dir);
		return EXIT_TEMPFAIL;
	case DG_EINVAL:
		cli_err(c, "'%.60s' is not an address to listen on; give it as "
			   "ADDR:PORT, e.g. 0.0.0.0:7373 or [::]:7373", listen);
		return EXIT_USAGE;
	case DG_ELIMIT:
		cli_err(c, "the data directory path is too long for the "
			   "control socket (at most about 100 bytes); use a "
			   "shorter --dir");
		return EXIT_USAGE;
	case DG_ENET:
		cli_err(c, "cannot listen on %s (in use, or not an address of "
			   "this machine); choose another with --listen",
		    listen ? listen : "-");
		return EXIT_UNAVAIL;
	case DG_EIO:
		cli_err(c, "cannot create the control socket in %s (see the "
			   "line above); check the directory's permissions",
		    c->dir);
		return EXIT_IOERR;
	default:
		return cli_fail(c, rc, "the node stopped");
	}
}

/* Progress of a long sync on a terminal. */
static void
progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	fputc('\r', stderr); /* over the line before */
	if (total > 0)
		fprintf(stderr, ngettext("received %llu entry (the peer "
					 "holds %llu)",
				    "received %llu entries (the peer holds "
				    "%llu)", (unsigned long)done),
		    (unsigned long long)done, (unsigned long long)total);
	else
		fprintf(stderr, ngettext("received %llu entry",
				    "received %llu entries",
				    (unsigned long)done),
		    (unsigned long long)done);
}

static int
sync_one(struct cli *c, struct store_node *n, const char *addr)
{
	struct net_config cfg;
	struct net_node *nn = NULL;
	struct net_sync_report rep;
	char id[16];
	int rc;

	memset(&cfg, 0, sizeof cfg);
	if (cli_interactive())
		cfg.progress = progress;
	memset(&rep, 0, sizeof rep);
	rc = net_node_new(n, &cfg, &nn);
	if (rc == 0)
		rc = net_node_sync(nn, addr, &rep);
	net_node_free(nn);
	if (cfg.progress != NULL && rep.received > 0)
		fputc('\n', stderr);
	if (rc != 0)
		return net_fail(c, rc, addr, rep.problem[0] ? rep.problem :
		    _(dg_strerror(rc)));
	cli_short_node(rep.peer, id);
	if (c->json) {
		struct core_buf b;
		char full[CORE_ID_TEXT];

		core_buf_init(&b);
		core_ident_id_text(rep.peer, full);
		core_buf_str(&b, "{\"address\":");
		core_json_str(&b, addr);
		core_buf_str(&b, ",\"node\":");
		core_json_str(&b, full);
		core_buf_printf(&b, ",\"received\":%llu,\"sent\":%llu,"
		    "\"in_sync\":%s}\n", (unsigned long long)rep.received,
		    (unsigned long long)rep.sent, rep.in_sync ? "true" :
		    "false");
		rc = cli_write_out(c, &b);
		core_buf_fini(&b);
		return rc;
	}
	if (rep.in_sync)
		printf(_("already in sync with %s (node %s)\n"), addr, id);
	else
		printf(ngettext("in sync with %s (node %s): %llu entry "
				"received, %llu sent\n",
			   "in sync with %s (node %s): %llu entries "
			   "received, %llu sent\n",
			   (unsigned long)rep.received), addr, id,
		    (unsigned long long)rep.received,
		    (unsigned long long)rep.sent);
	return 0;
}

struct sync_all {
	struct cli *c;
	char (*addrs)[CORE_ADDR_TEXT_MAX + 1];
	size_t n, cap;
};

static int
collect(void *arg, const struct store_peer *p)
{
	struct sync_all *s = arg;
	void *g;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		g = realloc(s->addrs, s->cap * sizeof *s->addrs);
		if (g == NULL)
			return DG_ENOMEM;
		s->addrs = g;
	}
	snprintf(s->addrs[s->n++], sizeof s->addrs[0], "%s", p->addr);
	return 0;
}

int
cmd_sync(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct sync_all all;
	char host[CORE_ADDR_HOST_MAX + 1];
	uint16_t port;
	size_t i;
	int rc, worst = 0;

	if (argc > 2) {
		cli_err(c, "usage: dugnad sync [HOST:PORT]");
		return EXIT_USAGE;
	}
	if (argc == 2 && core_addr_parse(argv[1], host, &port) != 0)
		return net_fail(c, DG_EINVAL, argv[1], NULL);
	rc = cli_open(c, true, &n);
	if (rc != 0)
		return rc;
	if (argc == 2) {
		rc = sync_one(c, n, argv[1]);
		cli_close(c, n);
		return rc;
	}
	memset(&all, 0, sizeof all);
	all.c = c;
	rc = store_node_peers(n, collect, &all);
	if (rc != 0) {
		cli_close(c, n);
		free(all.addrs);
		return cli_fail(c, rc, "cannot read the peers");
	}
	if (all.n == 0) {
		cli_close(c, n);
		cli_err(c, "no known peers; give HOST:PORT or add one with "
			   "'dugnad peer add HOST:PORT'");
		return EXIT_USAGE;
	}
	for (i = 0; i < all.n; i++) {
		rc = sync_one(c, n, all.addrs[i]);
		if (rc != 0 && worst == 0)
			worst = rc;
	}
	free(all.addrs);
	cli_close(c, n);
	return worst;
}

/* --- status -------------------------------------------------------------- */

static void
json_unix(struct core_buf *b, uint64_t t)
{
	char when[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		core_buf_str(b, "null");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	core_json_str(b, when);
}

static void
discovery_json(struct core_buf *b, const struct net_status *st)
{
	const struct net_found_status *f;
	char node[CORE_ID_TEXT];
	size_t i;

	core_buf_printf(b, "{\"on\":%s,\"sent\":%llu,\"received\":%llu,"
	    "\"ignored\":%llu,\"dropped\":%llu,\"found\":[",
	    st->discovery ? "true" : "false",
	    (unsigned long long)st->beacons_sent,
	    (unsigned long long)st->beacons_received,
	    (unsigned long long)st->beacons_ignored,
	    (unsigned long long)st->beacons_dropped);
	for (i = 0; i < st->nfound; i++) {
		f = &st->found[i];
		core_buf_str(b, i ? ",{\"address\":" : "{\"address\":");
		core_json_str(b, f->addr);
		core_ident_id_text(f->node, node);
		core_buf_str(b, ",\"node\":");
		core_json_str(b, node);
		core_buf_printf(b, ",\"connected\":%s,\"last_beacon\":",
		    f->connected ? "true" : "false");
		json_unix(b, f->last_beacon);
		core_buf_str(b, "}");
	}
	core_buf_str(b, "]}");
}

static void
status_json(struct core_buf *b, const char *id, const char *netid,
    const char *netname, uint64_t entries, uint64_t authors,
    const struct net_status *st, bool running)
{
	const struct net_peer_status *p;
	char node[CORE_ID_TEXT];
	size_t i;

	core_buf_str(b, "{\"node\":");
	core_json_str(b, id);
	core_buf_str(b, ",\"network\":");
	if (netid != NULL) {
		core_buf_str(b, "{\"id\":");
		core_json_str(b, netid);
		core_buf_str(b, ",\"name\":");
		core_json_str(b, netname ? netname : "");
		core_buf_str(b, "}");
	} else {
		core_buf_str(b, "null");
	}
	core_buf_printf(b, ",\"running\":%s,\"listen\":",
	    running ? "true" : "false");
	if (st->listen[0] != '\0')
		core_json_str(b, st->listen);
	else
		core_buf_str(b, "null");
	core_buf_printf(b, ",\"entries\":%llu,\"authors\":%llu,"
	    "\"bytes_in\":%llu,\"bytes_out\":%llu,\"refused\":%llu,"
	    "\"peers\":[", (unsigned long long)entries,
	    (unsigned long long)authors, (unsigned long long)st->bytes_in,
	    (unsigned long long)st->bytes_out,
	    (unsigned long long)st->refused);
	for (i = 0; i < st->npeers; i++) {
		p = &st->peers[i];
		core_buf_str(b, i ? ",{\"address\":" : "{\"address\":");
		core_json_str(b, p->addr);
		core_buf_str(b, ",\"node\":");
		if (p->has_node) {
			core_ident_id_text(p->node, node);
			core_json_str(b, node);
		} else {
			core_buf_str(b, "null");
		}
		core_buf_printf(b, ",\"connected\":%s,\"direction\":%s,"
		    "\"in_sync\":%s,\"entries_in\":%llu,\"entries_out\":%llu,"
		    "\"bytes_in\":%llu,\"bytes_out\":%llu,\"last_sync\":",
		    p->connected ? "true" : "false",
		    !p->connected ? "null" : p->inbound ? "\"in\"" : "\"out\"",
		    p->in_sync ? "true" : "false",
		    (unsigned long long)p->entries_in,
		    (unsigned long long)p->entries_out,
		    (unsigned long long)p->bytes_in,
		    (unsigned long long)p->bytes_out);
		json_unix(b, p->last_sync);
		core_buf_str(b, ",\"last_error\":");
		if (p->last_error != 0)
			core_json_str(b, dg_strerror(p->last_error));
		else
			core_buf_str(b, "null");
		core_buf_str(b, "}");
	}
	core_buf_str(b, "],\"discovery\":");
	if (running)
		discovery_json(b, st);
	else
		core_buf_str(b, "null");
	core_buf_str(b, ",\"alerts\":[");
	for (i = 0; i < st->nalerts; i++) {
		if (i > 0)
			core_buf_ch(b, ',');
		core_json_str(b, st->alerts[i]);
	}
	core_buf_str(b, "]}\n");
}

static void
discovery_text(const struct net_status *st)
{
	const struct net_found_status *f;
	char node[16];
	uint64_t now = (uint64_t)time(NULL);
	size_t i;

	if (!st->discovery) {
		printf(_("discovery off\n"));
		return;
	}
	printf(_("discovery on: %zu found; beacons %llu sent, %llu received, "
		 "%llu ignored, %llu dropped\n"), st->nfound,
	    (unsigned long long)st->beacons_sent,
	    (unsigned long long)st->beacons_received,
	    (unsigned long long)st->beacons_ignored,
	    (unsigned long long)st->beacons_dropped);
	for (i = 0; i < st->nfound; i++) {
		f = &st->found[i];
		cli_short_node(f->node, node);
		printf(f->connected ? _("found     %-24s %-10s connected, "
					"last beacon %llu s ago\n") :
		    _("found     %-24s %-10s not connected, last beacon %llu "
		      "s ago\n"), f->addr, node,
		    (unsigned long long)(now > f->last_beacon ?
		    now - f->last_beacon : 0));
	}
}

static void
status_text(const char *id, const char *netname, uint64_t entries,
    uint64_t authors, const struct net_status *st, bool running)
{
	const struct net_peer_status *p;
	const char *label;
	char node[16], when[32];
	size_t i;

	printf(_("node      %s\n"), id);
	if (netname != NULL)
		printf(_("network   %s\n"), netname);
	else
		printf(_("network   (none)\n"));
	if (running && st->listen[0] != '\0')
		printf(_("daemon    running, listening on %s\n"), st->listen);
	else if (running)
		printf(_("daemon    running\n"));
	else
		printf(_("daemon    not running\n"));
	printf(ngettext("entries   %llu from %llu member's log\n",
		   "entries   %llu from %llu members' logs\n",
		   (unsigned long)authors),
	    (unsigned long long)entries, (unsigned long long)authors);
	if (running)
		printf(_("traffic   %llu bytes in, %llu bytes out; %llu "
			 "refused\n"), (unsigned long long)st->bytes_in,
		    (unsigned long long)st->bytes_out,
		    (unsigned long long)st->refused);
	if (st->npeers == 0)
		printf(_("peers     none\n"));
	for (i = 0; i < st->npeers; i++) {
		p = &st->peers[i];
		if (p->has_node)
			cli_short_node(p->node, node);
		else
			snprintf(node, sizeof node, "-");
		if (p->last_sync != 0)
			cli_fmt_time((int64_t)p->last_sync, when, sizeof when);
		else
			snprintf(when, sizeof when, "%s", _("never"));
		/* the first peer's line is labelled, the others indented */
		label = i ? "         " : _("peers    ");
		if (p->connected)
			printf(p->in_sync ? _("%s %-24s %-10s connected, in "
					      "sync, last sync %s, %llu in / "
					      "%llu out\n") :
			    _("%s %-24s %-10s connected, syncing, last sync "
			      "%s, %llu in / %llu out\n"), label, p->addr,
			    node, when, (unsigned long long)p->entries_in,
			    (unsigned long long)p->entries_out);
		else if (p->last_error != 0)
			printf(_("%s %-24s %-10s not connected, last sync %s "
				 "(%s)\n"), label, p->addr, node, when,
			    _(dg_strerror(p->last_error)));
		else
			printf(_("%s %-24s %-10s not connected, last sync "
				 "%s\n"), label, p->addr, node, when);
	}
	if (running)
		discovery_text(st);
	/* an alert's text is net/'s, also in --json: not translated */
	for (i = 0; i < st->nalerts; i++)
		printf(_("alert     %s\n"), st->alerts[i]);
}

struct book {
	struct net_status *st;
	size_t cap;
};

static int
book_peer(void *arg, const struct store_peer *sp)
{
	struct book *b = arg;
	struct net_peer_status *p;
	void *g;

	if (b->st->npeers == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		g = realloc(b->st->peers, b->cap * sizeof *b->st->peers);
		if (g == NULL)
			return DG_ENOMEM;
		b->st->peers = g;
	}
	p = &b->st->peers[b->st->npeers++];
	memset(p, 0, sizeof *p);
	snprintf(p->addr, sizeof p->addr, "%s", sp->addr);
	p->has_node = sp->has_node;
	memcpy(p->node, sp->node, 32);
	p->last_sync = sp->last_sync;
	return 0;
}

/* Forks held as proof are alerts for as long as they are stored. */
static int
fork_alert(void *ctx, const uint8_t author[32], uint64_t seq)
{
	struct net_status *st = ctx;
	char id[16];

	if (st->nalerts == NET_STATUS_ALERTS)
		return 0;
	cli_short_node(author, id);
	snprintf(st->alerts[st->nalerts++], NET_ALERT_LEN, "fork: node %s "
	    "wrote two different entries %llu; nothing after it is taken",
	    id, (unsigned long long)seq);
	return 0;
}

int
cmd_status(struct cli *c, int argc, char **argv)
{
	struct store_node *n = NULL;
	struct net_status st;
	struct book book;
	struct core_buf b;
	char id[CORE_ID_TEXT], netid[CORE_ID_TEXT], *name = NULL;
	uint8_t pk[32], net[32], digest[32];
	uint64_t entries = 0, authors = 0;
	bool has_net, running = c->daemon != NULL;
	int rc;

	/* `dugnad status --json` as well as `dugnad --json status` */
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		c->json = true;
	else if (argc > 1) {
		cli_err(c, "usage: dugnad status [--json]");
		return EXIT_USAGE;
	}
	rc = cli_open(c, false, &n);
	if (rc != 0)
		return rc;
	memset(&st, 0, sizeof st);
	store_node_pk(n, pk);
	core_ident_id_text(pk, id);
	has_net = store_node_network(n, net, &name) == 0;
	if (has_net)
		core_ident_id_text(net, netid);
	rc = store_node_digest(n, digest, &authors, &entries);
	if (rc == 0 && running)
		rc = net_node_status(c->daemon, &st);
	else if (rc == 0 && has_net) {
		memset(&book, 0, sizeof book);
		book.st = &st;
		rc = store_node_peers(n, book_peer, &book);
	}
	if (rc == 0 && has_net)
		rc = store_node_forks(n, fork_alert, &st);
	if (rc != 0) {
		free(name);
		net_node_status_fini(&st);
		cli_close(c, n);
		return cli_fail(c, rc, "cannot read the status");
	}
	if (c->json) {
		core_buf_init(&b);
		status_json(&b, id, has_net ? netid : NULL, name, entries,
		    authors, &st, running);
		rc = cli_write_out(c, &b);
		core_buf_fini(&b);
	} else {
		status_text(id, name, entries, authors, &st, running);
	}
	free(name);
	net_node_status_fini(&st);
	cli_close(c, n);
	return rc;
}
