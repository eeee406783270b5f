/* cli/cli.h - shared by the dugnad command's files.
 *
 * Only cli/ prints and exits.  Each command lives in cli/cmd_<name>.c,
 * parses its own options and returns an exit status (doc/dugnad.1 lists
 * them; they follow <sysexits.h>).
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"
#include "cli/i18n.h"
#include "store/node.h"

/* Exit statuses (doc/dugnad.1). */
enum {
	EXIT_OK = 0,
	EXIT_PROBLEMS = 1,  /* verify found problems */
	EXIT_USAGE = 64,    /* bad command line */
	EXIT_DATA = 65,     /* bad value, unknown or ambiguous id */
	EXIT_NOINPUT = 66,  /* input file missing or unreadable */
	EXIT_UNAVAIL = 69,  /* service unavailable */
	EXIT_SOFTWARE = 70, /* internal error */
	EXIT_OSERR = 71,    /* out of memory */
	EXIT_CANTCREAT = 73, /* cannot create (already exists, output file) */
	EXIT_IOERR = 74,    /* store damaged, disk full, I/O error */
	EXIT_TEMPFAIL = 75, /* store busy: try again */
	EXIT_PROTOCOL = 76, /* a peer broke the protocol */
	EXIT_NOPERM = 77,   /* wrong or missing passphrase */
	EXIT_CONFIG = 78,   /* no identity or network yet, newer store */
};

struct net_node;

struct cli {
	const char *dir;  /* data directory (resolved) */
	bool json;        /* --json */
	const char *cmd;  /* current command name, for messages */
	size_t map_size;  /* DUGNAD_MAP_SIZE, 0 = default */
	struct store_node *shared; /* in the daemon: its open node */
	struct net_node *daemon;   /* in the daemon: the running node */
	char dirbuf[4096];
};

/* How a command runs while `dugnad serve` runs on the same store. */
enum cli_via {
	CLI_LOCAL,   /* in this process, then the daemon is told of changes */
	CLI_DAEMON,  /* forwarded to the daemon (no passphrase needed) */
	CLI_NEVER,   /* in this process; nothing to tell */
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	enum cli_via via;
	const char *usage;
	const char *summary;
};

/* Prints "dugnad: CMD: message" to stderr, the message translated
 * (cli/i18n.h: pass the English text). */
void cli_err(const struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Exit status for an error code. */
int cli_exit_code(int code);

/* Prints the message for a store/open error with what to do, and returns
 * the exit status.  doing is English text, translated here. */
int cli_fail(const struct cli *c, int code, const char *doing);

/* Reads the passphrase: from the file DUGNAD_PASSPHRASE_FILE names (this
 * user's, mode 0600 or stricter, one line), else DUGNAD_PASSPHRASE, else
 * a no-echo prompt on the terminal (twice when confirm); both variables
 * set is a usage error.  *out is sodium_malloc'd (cli_pass_free).
 * Returns 0 or an exit status after printing the error. */
int cli_pass_get(const struct cli *c, bool confirm, char **out, size_t *len);
void cli_pass_free(char *p);

/* Opens and unlocks the node (prints errors).  Returns 0 or an exit
 * status.  need_net: fail with a hint when no network exists yet. */
int cli_open(struct cli *c, bool need_net, struct store_node **out);

/* Closes a node opened by cli_open (not the daemon's own). */
void cli_close(const struct cli *c, struct store_node *n);

/* Resolves a record id prefix; prints errors.  Returns 0 or a status. */
int cli_find(const struct cli *c, struct store_node *n, const char *prefix,
    uint8_t rid[16]);

/* Writes b to stdout; returns 0, or prints the error and returns
 * EXIT_OSERR (b could not be built: out of memory) or EXIT_IOERR. */
int cli_write_out(const struct cli *c, const struct core_buf *b);

/* Formats an HLC or Unix time for people: "2026-11-23 17:19" (UTC when
 * utc, else local time). */
void cli_fmt_time(int64_t unix_s, char *out, size_t cap);

/* Short text of a node id (first 10 characters) and a record id (first
 * 8). */
void cli_short_node(const uint8_t pk[32], char out[16]);
void cli_short_rid(const uint8_t rid[16], char out[16]);

/* True when stdin and stderr are terminals (prompts, progress). */
bool cli_interactive(void);

/* Reads a whole file (at most max bytes).  *out owned (free()).  Returns
 * 0 or an exit status after printing the error. */
int cli_read_file(const struct cli *c, const char *path, size_t max,
    char **out, size_t *len);

/* Writes data to path (mode 0600, via a temporary file and rename) or
 * stdout when path is NULL or "-".  Returns 0 or an exit status. */
int cli_write_file(const struct cli *c, const char *path, const char *data,
    size_t len);

/* Commands. */
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_id(struct cli *c, int argc, char **argv);
int cmd_network(struct cli *c, int argc, char **argv);
int cmd_add(struct cli *c, int argc, char **argv);
int cmd_edit(struct cli *c, int argc, char **argv);
int cmd_remove(struct cli *c, int argc, char **argv);
int cmd_erase(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_history(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_search(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_log(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_reindex(struct cli *c, int argc, char **argv);
int cmd_compact(struct cli *c, int argc, char **argv);
int cmd_invite(struct cli *c, int argc, char **argv);
int cmd_join(struct cli *c, int argc, char **argv);
int cmd_requests(struct cli *c, int argc, char **argv);
int cmd_approve(struct cli *c, int argc, char **argv);
int cmd_deny(struct cli *c, int argc, char **argv);
int cmd_revoke(struct cli *c, int argc, char **argv);
int cmd_members(struct cli *c, int argc, char **argv);
int cmd_bundle(struct cli *c, int argc, char **argv);
int cmd_serve(struct cli *c, int argc, char **argv);
int cmd_peer(struct cli *c, int argc, char **argv);
int cmd_sync(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);

/* Runs a command forwarded to the daemon (net_run_fn): ctx is the
 * daemon's struct cli, n its open node; what the command prints goes to
 * out and err. */
struct net_run_env;
int cli_daemon_run(void *ctx, struct store_node *n, int argc, char **argv,
    bool json, const struct net_run_env *env, struct core_buf *out,
    struct core_buf *err);

/* True if argv[i] is "-h" or "--help"; prints usage of the command. */
bool cli_want_help(const struct cli *c, int argc, char **argv);

#endif
