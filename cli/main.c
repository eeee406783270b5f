/* cli/main.c - global options and command dispatch. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/tz.h"
#include "net/ctl.h"
#include "net/node.h"

#define DUGNAD_VERSION "0.1.0"

static const struct cli_cmd commands[] = {
	{ "init", cmd_init, CLI_NEVER, "init", N_("create this node's identity") },
	{ "id", cmd_id, CLI_DAEMON, "id", N_("show this node's id and safety number") },
	{ "network", cmd_network, CLI_DAEMON, "network create NAME | network",
	    N_("found a network, or show it") },
	{ "invite", cmd_invite, CLI_DAEMON,
	    "invite [--role volunteer|coordinator] [--approved] [--expires 7d] "
	    "[--uses 1] | invite --cancel CODE",
	    N_("make or cancel an invite code (coordinators)") },
	{ "join", cmd_join, CLI_LOCAL, "join CODE [--name NAME] [--peer HOST:PORT [--wait SECONDS]]",
	    N_("ask to join a network with an invite code") },
	{ "requests", cmd_requests, CLI_DAEMON, "requests", N_("join requests waiting") },
	{ "approve", cmd_approve, CLI_DAEMON, "approve ID [--role volunteer|coordinator] [--name N]",
	    N_("admit a newcomer (coordinators)") },
	{ "deny", cmd_deny, CLI_DAEMON, "deny ID", N_("refuse a join request") },
	{ "revoke", cmd_revoke, CLI_DAEMON, "revoke ID [--reason TEXT]",
	    N_("remove a member; keys are renewed (coordinators)") },
	{ "members", cmd_members, CLI_DAEMON, "members", N_("who is in the network") },
	{ "bundle", cmd_bundle, CLI_LOCAL, "bundle export FILE [--for ID | --since-peer ID] | bundle import FILE",
	    N_("carry entries on a USB stick") },
	{ "add", cmd_add, CLI_DAEMON, "add TYPE key=value ...",
	    N_("add a contact, meeting or referral") },
	{ "edit", cmd_edit, CLI_DAEMON, "edit ID key=value ...", N_("change fields of a record") },
	{ "remove", cmd_remove, CLI_DAEMON, "remove ID", N_("remove a record (marked removed for everyone)") },
	{ "erase", cmd_erase, CLI_DAEMON, "erase ID",
	    N_("erase a record's content for good") },
	{ "show", cmd_show, CLI_DAEMON, "show ID", N_("show one record") },
	{ "history", cmd_history, CLI_DAEMON, "history ID", N_("who changed a record, when") },
	{ "list", cmd_list, CLI_DAEMON,
	    "list [TYPE] [--lang L] [--category C] [--all] | "
	    "list meetings --upcoming [--weeks N] [--lang L]",
	    N_("list records") },
	{ "search", cmd_search, CLI_DAEMON, "search TEXT", N_("find records by text") },
	{ "export", cmd_export, CLI_LOCAL, "export --format ics|vcf|csv|json [TYPE] [-o FILE]",
	    N_("write records for other programs") },
	{ "import", cmd_import, CLI_LOCAL, "import FILE [--type TYPE] [--skip-bad]",
	    N_("add records from a CSV or vCard file") },
	{ "log", cmd_log, CLI_DAEMON, "log [--author ID]", N_("show the entries of the logs") },
	{ "verify", cmd_verify, CLI_DAEMON, "verify",
	    N_("check every signature, chain and body hash") },
	{ "reindex", cmd_reindex, CLI_LOCAL, "reindex", N_("rebuild the views from the logs") },
	{ "compact", cmd_compact, CLI_LOCAL, "compact",
	    N_("rewrite the store without free space") },
	{ "serve", cmd_serve, CLI_NEVER,
	    "serve [--listen ADDR:PORT | --no-listen] [--no-discovery]",
	    N_("run the node: find members on the local network, sync with "
	    "peers, live") },
	{ "peer", cmd_peer, CLI_DAEMON,
	    "peer add HOST:PORT | peer list | peer remove HOST:PORT",
	    N_("known peers the node dials") },
	{ "sync", cmd_sync, CLI_DAEMON, "sync [HOST:PORT]",
	    N_("sync once with a peer (or every known peer) and exit") },
	{ "status", cmd_status, CLI_DAEMON, "status [--json]", N_("this node, its peers and alerts") },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, _("usage: dugnad [--dir DIR] [--json] COMMAND [ARGS]\n"
		     "       dugnad --version | --help\n\n"
		     "commands:\n"));
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
		    _(commands[i].summary));
	fprintf(f, _("\nRun 'dugnad COMMAND --help' for a command's options.\n"
		     "The data directory is --dir, else $DUGNAD_DIR, else "
		     "$XDG_DATA_HOME/dugnad,\nelse ~/.local/share/dugnad.\n"));
}

/* LMDB reads the store through a memory map and trusts its page
 * pointers: a damaged data file can make it touch memory outside the map
 * (SIGBUS or SIGSEGV).  Rather than die with a signal, say what happened
 * and exit with the I/O status.  The message is built before any store
 * access, as only write() and _exit() may run in the handler. */
static char fault_msg[600];
static size_t fault_len;

static void
on_fault(int sig)
{
	(void)sig;
	if (write(STDERR_FILENO, fault_msg, fault_len) < 0)
		_exit(EXIT_IOERR);
	_exit(EXIT_IOERR);
}

static void
catch_faults(const struct cli *c)
{
	struct sigaction sa;
	int n;

	n = snprintf(fault_msg, sizeof fault_msg, "dugnad: %s: ", c->cmd);
	if (n > 0 && (size_t)n < sizeof fault_msg)
		n += snprintf(fault_msg + n, sizeof fault_msg - (size_t)n,
		    _("stopped while reading the store in %s: it looks "
		      "damaged; run 'dugnad verify' and restore it from a "
		      "backup or a peer\n"), c->dir);
	fault_len = n < 0 ? 0 : (size_t)n < sizeof fault_msg ? (size_t)n :
	    sizeof fault_msg - 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

static const struct cli_cmd *
find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

bool
cli_want_help(const struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *cmd = find_cmd(c->cmd);

	/* Only right after the command: "add meeting --help" is add's own
	 * (it lists a type's fields). */
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
			    strcmp(argv[1], "--help") == 0)) {
		printf(_("usage: dugnad %s\n%s\n"), cmd->usage,
		    _(cmd->summary));
		return true;
	}
	return false;
}

/* The data directory: --dir, else DUGNAD_DIR, else XDG_DATA_HOME/dugnad
 * (an absolute XDG_DATA_HOME only, as the XDG spec says), else
 * HOME/.local/share/dugnad. */
static int
resolve_dir(struct cli *c, const char *opt)
{
	const char *env;
	int n;

	if (opt != NULL)
		n = snprintf(c->dirbuf, sizeof c->dirbuf, "%s", opt);
	else if ((env = getenv("DUGNAD_DIR")) != NULL && env[0] != '\0')
		n = snprintf(c->dirbuf, sizeof c->dirbuf, "%s", env);
	else if ((env = getenv("XDG_DATA_HOME")) != NULL && env[0] == '/')
		n = snprintf(c->dirbuf, sizeof c->dirbuf, "%s/dugnad", env);
	else if ((env = getenv("HOME")) != NULL && env[0] == '/')
		n = snprintf(c->dirbuf, sizeof c->dirbuf,
		    "%s/.local/share/dugnad", env);
	else {
		cli_err(c, "no data directory: use --dir DIR or set HOME");
		return EXIT_USAGE;
	}
	if (n < 0 || (size_t)n >= sizeof c->dirbuf - 64 || c->dirbuf[0] == 0) {
		cli_err(c, "the data directory path is too long; use a shorter "
			   "--dir");
		return EXIT_USAGE;
	}
	c->dir = c->dirbuf;
	return 0;
}

/* DUGNAD_MAP_SIZE: initial LMDB map size in bytes, for tests of map
 * growth and for very large stores. */
static int
map_size(struct cli *c)
{
	const char *env = getenv("DUGNAD_MAP_SIZE");
	char *end;
	unsigned long long v;

	if (env == NULL || env[0] == '\0')
		return 0;
	v = strtoull(env, &end, 10);
	if (*end != '\0' || env[0] < '0' || env[0] > '9' || v < 65536 ||
	    v > (1ULL << 40)) {
		cli_err(c, "DUGNAD_MAP_SIZE must be a number of bytes between "
			   "65536 and 2^40");
		return EXIT_USAGE;
	}
	c->map_size = (size_t)v & ~(size_t)4095;
	return 0;
}

/* Captures what fd (1 or 2) receives while a command runs in the
 * daemon. */
struct capture {
	int fd, saved;
	FILE *tmp;
};

static int
capture_start(struct capture *k, int fd)
{
	int mfd;

	k->fd = fd;
	/* In memory, never on disk: the output is plaintext of the
	 * directory (list, show, log). */
	mfd = (int)syscall(SYS_memfd_create, "dugnad-output", 1u /* CLOEXEC */);
	if (mfd < 0)
		return -1;
	k->tmp = fdopen(mfd, "w+");
	if (k->tmp == NULL) {
		close(mfd);
		return -1;
	}
	fflush(fd == 1 ? stdout : stderr);
	k->saved = dup(fd);
	if (k->saved < 0 || dup2(fileno(k->tmp), fd) < 0) {
		if (k->saved >= 0)
			close(k->saved);
		fclose(k->tmp);
		return -1;
	}
	return 0;
}

static void
capture_end(struct capture *k, struct core_buf *into)
{
	char chunk[4096];
	size_t n;

	fflush(k->fd == 1 ? stdout : stderr);
	dup2(k->saved, k->fd);
	close(k->saved);
	rewind(k->tmp);
	while ((n = fread(chunk, 1, sizeof chunk, k->tmp)) > 0)
		core_buf_add(into, chunk, n);
	sodium_memzero(chunk, sizeof chunk);
	(void)!ftruncate(fileno(k->tmp), 0);
	fclose(k->tmp);
}

/* The caller's TZ for one forwarded command, the daemon's own again
 * after it (times are shown as the command would show them by itself). */
struct tz_swap {
	bool swapped, had;
	char *old;
};

static int
tz_enter(struct tz_swap *t, const struct net_run_env *env)
{
	const char *cur = getenv("TZ");
	int rc;

	memset(t, 0, sizeof *t);
	if (!env->tz_given)
		return 0;
	if (cur != NULL) {
		t->old = strdup(cur);
		if (t->old == NULL)
			return -1;
		t->had = true;
	}
	/* a caller without TZ: the system's zone, by replacing TZ rather
	 * than removing it (cli/tz.h, CLI_TZ_SYSTEM) */
	rc = setenv("TZ", env->tz != NULL ? env->tz : CLI_TZ_SYSTEM, 1);
	if (rc != 0) {
		free(t->old);
		return -1;
	}
	tzset();
	t->swapped = true;
	return 0;
}

static void
tz_leave(struct tz_swap *t)
{
	if (!t->swapped)
		return;
	if (t->had)
		(void)setenv("TZ", t->old, 1);
	else
		(void)unsetenv("TZ");
	tzset();
	free(t->old);
}

int
cli_daemon_run(void *ctx, struct store_node *n, int argc, char **argv,
    bool json, const struct net_run_env *env, struct core_buf *out,
    struct core_buf *err)
{
	const struct cli *base = ctx;
	const struct cli_cmd *cmd;
	struct capture ko, ke;
	struct tz_swap tz;
	struct cli c;
	int rc;

	cli_i18n_use(env->lang);
	cmd = find_cmd(argv[0]);
	/* sync is the daemon's own (NET_CTL_SYNC): run as a command it
	 * would start a second loop inside this one */
	if (cmd == NULL || cmd->via != CLI_DAEMON ||
	    strcmp(cmd->name, "sync") == 0) {
		core_buf_printf(err, "dugnad: ");
		core_buf_printf(err, _("'%.40s' cannot run through the "
				       "daemon\n"), argv[0]);
		cli_i18n_use(NULL);
		return EXIT_USAGE;
	}
	c = *base;
	c.dir = c.dirbuf;
	c.json = json;
	c.cmd = cmd->name;
	c.shared = n;
	rc = EXIT_OSERR;
	if (tz_enter(&tz, env) != 0)
		goto out;
	if (capture_start(&ko, 1) != 0)
		goto out_tz;
	if (capture_start(&ke, 2) != 0) {
		capture_end(&ko, out);
		goto out_tz;
	}
	rc = cmd->fn(&c, argc, argv);
	capture_end(&ke, err);
	capture_end(&ko, out);
out_tz:
	tz_leave(&tz);
out:
	cli_i18n_use(NULL); /* the daemon's log speaks its own language */
	return rc;
}

/* Runs the command in the daemon of this store, if one runs.  Returns
 * -1 when there is none (run it here), else the exit status. */
static int
forward(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv)
{
	struct core_buf req, resp;
	const uint8_t *o, *e;
	size_t olen, elen;
	int rc, status = 0;

	/* Commands that ask on the terminal stay here: add without fields,
	 * edit without fields on a terminal (it asks field by field), and
	 * approve (the safety-number question must not be skipped). */
	if (strcmp(cmd->name, "add") == 0 && argc <= 2)
		return -1;
	if (strcmp(cmd->name, "edit") == 0 && argc == 2 && cli_interactive())
		return -1;
	if (strcmp(cmd->name, "approve") == 0 && cli_interactive())
		return -1;
	core_buf_init(&req);
	core_buf_init(&resp);
	if (strcmp(cmd->name, "sync") == 0)
		net_ctl_req_sync(&req, argc > 1 ? argv[1] : NULL);
	else
		net_ctl_req_run(&req, c->json, cli_i18n_lang(), getenv("TZ"),
		    argc, argv);
	rc = net_ctl_call(c->dir, &req, &resp);
	if (rc == 0)
		rc = net_ctl_answer_decode((uint8_t *)resp.data, resp.len,
		    &status, &o, &olen, &e, &elen);
	if (rc == DG_ENOTFOUND) {
		status = -1;
	} else if (rc == DG_ENOMEM) {
		cli_err(c, "out of memory");
		status = EXIT_OSERR;
	} else if (rc == DG_EPERM) {
		cli_err(c, "%s/ctl is not a control socket of yours; refusing "
			   "to use it (check who can write to %s)", c->dir,
		    c->dir);
		status = EXIT_NOPERM;
	} else if (rc != 0) {
		cli_err(c, "the running 'dugnad serve' did not answer (%s); "
			   "stop it and try again", _(dg_strerror(rc == DG_EDECODE ?
			   DG_EPROTO : rc)));
		status = EXIT_UNAVAIL;
	} else {
		fwrite(o, 1, olen, stdout);
		fwrite(e, 1, elen, stderr);
	}
	core_buf_fini(&req);
	core_buf_fini(&resp);
	return status;
}

/* Tells a running daemon that this process changed the store. */
static void
tell_daemon(const struct cli *c)
{
	struct core_buf req, resp;

	core_buf_init(&req);
	core_buf_init(&resp);
	net_ctl_req_simple(&req, NET_CTL_CHANGED);
	(void)!net_ctl_call(c->dir, &req, &resp);
	core_buf_fini(&req);
	core_buf_fini(&resp);
}

int
main(int argc, char **argv)
{
	struct cli c;
	const struct cli_cmd *cmd;
	const char *dir = NULL, *env;
	int i, rc;

	memset(&c, 0, sizeof c);
	c.cmd = "dugnad";
	if (cli_i18n_init() != 0) {
		fprintf(stderr, "dugnad: DUGNAD_LOCALEDIR must be an absolute "
				"path of at most 4000 bytes\n");
		return EXIT_USAGE;
	}
	/* the caller's TZ goes to a running daemon with each command */
	if ((env = getenv("TZ")) != NULL && strlen(env) > NET_CTL_TZ_MAX) {
		fprintf(stderr, "dugnad: ");
		fprintf(stderr, _("TZ is longer than %d bytes; use a time zone "
				  "name like Europe/Oslo\n"), NET_CTL_TZ_MAX);
		return EXIT_USAGE;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "dugnad: %s\n",
		    _("cannot initialise libsodium"));
		return EXIT_SOFTWARE;
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			c.json = true;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strncmp(argv[i], "--dir=", 6) == 0) {
			dir = argv[i] + 6;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("dugnad %s\n", DUGNAD_VERSION);
			return EXIT_OK;
		} else {
			fprintf(stderr, "dugnad: ");
			fprintf(stderr, _("unknown option '%s'; run 'dugnad "
					  "--help'\n"), argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_cmd(argv[i]);
	if (cmd == NULL) {
		fprintf(stderr, "dugnad: ");
		fprintf(stderr, _("unknown command '%s'; run 'dugnad --help' "
				  "for the list\n"), argv[i]);
		return EXIT_USAGE;
	}
	c.cmd = cmd->name;
	if (cli_want_help(&c, argc - i, argv + i))
		return EXIT_OK;
	rc = resolve_dir(&c, dir);
	if (rc == 0)
		rc = map_size(&c);
	if (rc != 0)
		return rc;
	catch_faults(&c);
	rc = -1;
	if (cmd->via == CLI_DAEMON)
		rc = forward(&c, cmd, argc - i, argv + i);
	if (rc < 0) {
		rc = cmd->fn(&c, argc - i, argv + i);
		/* a daemon's command that asked here (add, edit, approve on
		 * a terminal) changed the store behind a running daemon too */
		if (cmd->via != CLI_NEVER && rc == 0)
			tell_daemon(&c);
	}
	if (fflush(stdout) != 0 && rc == 0) {
		cli_err(&c, "cannot write the output");
		rc = EXIT_IOERR;
	}
	return rc;
}
