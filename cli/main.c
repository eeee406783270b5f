/* cli/main.c - global options and command dispatch. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"

#define DUGNAD_VERSION "0.1.0"

static const struct cli_cmd commands[] = {
	{ "init", cmd_init, "init", "create this node's identity" },
	{ "id", cmd_id, "id", "show this node's id and safety number" },
	{ "network", cmd_network, "network create NAME | network",
	    "found a network, or show it" },
	{ "invite", cmd_invite,
	    "invite [--role volunteer|coordinator] [--approved] [--expires 7d] "
	    "[--uses 1] | invite --cancel CODE",
	    "make or cancel an invite code (coordinators)" },
	{ "join", cmd_join, "join CODE [--name NAME]",
	    "ask to join a network with an invite code" },
	{ "requests", cmd_requests, "requests", "join requests waiting" },
	{ "approve", cmd_approve, "approve ID [--role R] [--name N]",
	    "admit a newcomer (coordinators)" },
	{ "deny", cmd_deny, "deny ID", "refuse a join request" },
	{ "revoke", cmd_revoke, "revoke ID [--reason TEXT]",
	    "remove a member; keys are renewed (coordinators)" },
	{ "members", cmd_members, "members", "who is in the network" },
	{ "bundle", cmd_bundle, "bundle export FILE [--for ID] | bundle import FILE",
	    "carry entries on a USB stick" },
	{ "add", cmd_add, "add TYPE key=value ...",
	    "add a contact, meeting or referral" },
	{ "edit", cmd_edit, "edit ID key=value ...", "change fields of a record" },
	{ "remove", cmd_remove, "remove ID", "remove a record (tombstone)" },
	{ "erase", cmd_erase, "erase ID",
	    "erase a record's content for good" },
	{ "show", cmd_show, "show ID", "show one record" },
	{ "history", cmd_history, "history ID", "who changed a record, when" },
	{ "list", cmd_list,
	    "list [TYPE] [--lang L] [--category C] [--upcoming] [--all]",
	    "list records" },
	{ "search", cmd_search, "search TEXT", "find records by text" },
	{ "export", cmd_export, "export --format ics|vcf|csv|json [TYPE] [-o FILE]",
	    "write records for other programs" },
	{ "import", cmd_import, "import FILE [--type TYPE] [--skip-bad]",
	    "add records from a CSV or vCard file" },
	{ "log", cmd_log, "log [--author ID]", "show the entries of the logs" },
	{ "verify", cmd_verify, "verify",
	    "check every signature, chain and body hash" },
	{ "reindex", cmd_reindex, "reindex", "rebuild the views from the logs" },
	{ "compact", cmd_compact, "compact",
	    "rewrite the store without free space" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: dugnad [--dir DIR] [--json] COMMAND [ARGS]\n\n"
		   "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'dugnad COMMAND --help' for a command's options.\n"
		   "The data directory is --dir, else $DUGNAD_DIR, else "
		   "$XDG_DATA_HOME/dugnad.\n");
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

	n = snprintf(fault_msg, sizeof fault_msg, "dugnad: %s: stopped while "
	    "reading the store in %s: it looks damaged; run 'dugnad verify' "
	    "and restore it from a backup or a peer\n", c->cmd, c->dir);
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
		printf("usage: dugnad %s\n%s\n", cmd->usage, cmd->summary);
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

int
main(int argc, char **argv)
{
	struct cli c;
	const struct cli_cmd *cmd;
	const char *dir = NULL;
	int i, rc;

	setlocale(LC_ALL, "");
	memset(&c, 0, sizeof c);
	c.cmd = "dugnad";
	if (sodium_init() < 0) {
		fprintf(stderr, "dugnad: cannot initialise libsodium\n");
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
			fprintf(stderr, "dugnad: unknown option '%s'; run "
					"'dugnad --help'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_cmd(argv[i]);
	if (cmd == NULL) {
		fprintf(stderr, "dugnad: unknown command '%s'; run 'dugnad "
				"--help' for the list\n", argv[i]);
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
	rc = cmd->fn(&c, argc - i, argv + i);
	if (fflush(stdout) != 0 && rc == 0) {
		cli_err(&c, "cannot write the output");
		rc = EXIT_IOERR;
	}
	return rc;
}
