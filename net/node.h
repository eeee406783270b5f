/* net/node.h - the node on the network: `dugnad serve` (a libuv loop
 * that listens, dials the known peers, replicates live and answers the
 * control socket) and one-shot syncs.
 *
 * A session is: TCP connect, the Noise handshake (net/noise.h), then
 * encrypted frames carrying the messages of net/msg.h.  Replication
 * compares digests (in sync: done, O(1) bytes), then heads, then each
 * side sends what the other lacks in per-author batches and DONE; the
 * receiver ingests batches through store_node_ingest (one signature
 * check per batch) and answers DONE with SYNCED.  Afterwards new entries
 * are pushed as they appear, whoever wrote them, so entries learnt from
 * one peer reach the others.  doc/protocol.md §23 gives the bytes
 * (§23.5 replication, §23.8 the daemon).
 *
 * Nothing here prints: what happens is reported through the log
 * callback, and the caller (cli/) decides how to show it.
 */
#ifndef NET_NODE_H
#define NET_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/err.h"
#include "store/node.h"

#define NET_DEFAULT_PORT 7373

struct net_node;

/* What the caller of a forwarded command brings from its environment,
 * so that the daemon answers as the command would have by itself. */
struct net_run_env {
	const char *lang; /* a LANGUAGE list, "C" English, "" the daemon's */
	bool tz_given;    /* false (an older client): the daemon's own TZ */
	const char *tz;   /* the caller's TZ; NULL: it has none set */
};

/* Runs a command forwarded over the control socket with the daemon's
 * unlocked node: argv (argc items, borrowed for the call), the global
 * --json flag and the caller's environment; writes what the command
 * printed into out and err and returns its exit status. */
typedef int (*net_run_fn)(void *ctx, struct store_node *n, int argc,
    char **argv, bool json, const struct net_run_env *env,
    struct core_buf *out, struct core_buf *err);

/* A line for the daemon's log (borrowed for the call). */
typedef void (*net_log_fn)(void *ctx, int level, const char *line);

struct store_ingest;

/* The first refusal of an ingest (rep) as one sentence in the language
 * messages are in, into out (cap bytes).  Returns out ("" when nothing
 * was refused). */
const char *net_node_ingest_problem(const struct store_ingest *rep,
    char *out, size_t cap);
#define NET_PROBLEM_MAX 300 /* bytes of such a sentence */

/* A log line's level, by syslog's numbers (sd-daemon(3) prefixes). */
enum net_log_level {
	NET_LOG_ERR = 3,  /* something the node could not do */
	NET_LOG_WARN = 4, /* refused or failed, and the node goes on */
	NET_LOG_INFO = 6, /* news */
};

/* Progress of a one-shot sync: entries taken in so far and, when known,
 * how many the peer is sending (0: not known yet). */
typedef void (*net_progress_fn)(void *ctx, uint64_t done, uint64_t total);

struct net_config {
	const char *listen;   /* "ADDR:PORT" (port 0: any free port) or NULL:
			       * do not listen */
	bool discovery;       /* serve: LAN discovery (beacons over UDP
			       * port 7373, doc/protocol.md §23.12) */
	net_log_fn log;
	net_run_fn run;       /* NULL: the control socket refuses commands */
	net_progress_fn progress; /* one-shot sync only; may be NULL */
	void *ctx;            /* passed to the callbacks */
};

/* Creates a node on the unlocked store n (borrowed until net_node_free)
 * with its own libuv loop.  Returns 0, DG_ENOMEM or DG_ENET; *out owned
 * (net_node_free). */
int net_node_new(struct store_node *n, const struct net_config *cfg,
    struct net_node **out) DG_WUR;

/* Frees a node whose loop is not running; accepts NULL. */
void net_node_free(struct net_node *nn);

/* Runs the daemon: listens (cfg->listen), opens the control socket
 * DIR/ctl (mode 0600), dials the known peers with exponential backoff
 * and replicates live until SIGINT or SIGTERM; then closes every handle
 * and the loop.  Returns 0, DG_EBUSY (a daemon already runs on this
 * store), DG_ENET (cannot listen: address in use or invalid) or another
 * error. */
int net_node_serve(struct net_node *nn) DG_WUR;

/* What a one-shot sync did. */
struct net_sync_report {
	uint64_t received;   /* new entries stored */
	uint64_t sent;       /* entries sent */
	bool in_sync;        /* the digests matched at once */
	uint8_t peer[32];    /* the node met */
	char problem[200];   /* why it failed, in English */
};

/* Syncs once with the peer at addr ("HOST:PORT") and returns when both
 * hold what the other held (or on failure).  Returns 0, DG_EINVAL (bad
 * address), DG_ENET (cannot connect), DG_EREFUSED (the handshake or the
 * peer refused this node: not in its network, revoked), DG_EPERM (the
 * peer is not a member of this node's network), DG_EPROTO, DG_ETIMEOUT
 * or a store error. */
int net_node_sync(struct net_node *nn, const char *addr,
    struct net_sync_report *rep) DG_WUR;

/* Completes this node's pending join (store_node_join) over the
 * network: sends the join request to the member at addr, waits up to
 * wait_s seconds for a coordinator's approval if the invite needs one,
 * and takes in the welcome bundle.  rep->received counts the entries
 * taken in.  Returns 0 (this node joined), DG_ENOTFOUND (no pending
 * join), DG_EREFUSED (the invite is not valid there, or the peer
 * refused), DG_ETIMEOUT (not approved in time: the request stays with
 * the peer; run it again later) or the errors of net_node_sync. */
int net_node_join(struct net_node *nn, const char *addr, unsigned wait_s,
    struct net_sync_report *rep) DG_WUR;

/* One peer in the status: a connection, or a known address not
 * connected now. */
struct net_peer_status {
	char addr[CORE_ADDR_TEXT_MAX + 1];
	bool connected;
	bool inbound;        /* it dialled this node */
	bool in_sync;        /* caught up at least once on this connection */
	bool has_node;
	uint8_t node[32];
	uint64_t entries_in, entries_out, bytes_in, bytes_out;
	uint64_t last_sync;  /* Unix seconds, 0 = never */
	int last_error;      /* why the last try failed, or 0 */
};

/* A node found on the local network by its beacons. */
struct net_found_status {
	char addr[CORE_ADDR_TEXT_MAX + 1]; /* where it is dialled */
	uint8_t node[32];
	bool connected;
	uint64_t last_beacon; /* Unix seconds */
};

#define NET_STATUS_ALERTS 16
#define NET_ALERT_LEN 200

/* The running node's state for `dugnad status`. */
struct net_status {
	char listen[CORE_ADDR_TEXT_MAX + 1]; /* "" when not listening */
	uint64_t bytes_in, bytes_out;
	uint64_t refused;    /* handshakes and peers refused */
	size_t npeers;
	struct net_peer_status *peers; /* owned: net_node_status_fini */
	bool discovery;      /* on: the UDP sockets are open */
	uint64_t beacons_sent, beacons_received; /* received: accepted */
	uint64_t beacons_ignored; /* not a beacon of this network, stale,
				   * replayed, from the wrong address */
	uint64_t beacons_dropped; /* over the rate limit: not looked at */
	size_t nfound;
	struct net_found_status *found; /* owned: net_node_status_fini */
	size_t nalerts;      /* oldest first */
	char alerts[NET_STATUS_ALERTS][NET_ALERT_LEN];
};

/* Fills st.  Returns 0 or DG_ENOMEM. */
int net_node_status(struct net_node *nn, struct net_status *st) DG_WUR;
void net_node_status_fini(struct net_status *st);

#endif
