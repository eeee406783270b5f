/* net/internal.h - shared by the files of net/ only.  Only net/ includes
 * <uv.h>. */
#ifndef NET_INTERNAL_H
#define NET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libintl.h>
#include <uv.h>

#include "core/addr.h"
#include "core/bundle.h"
#include "core/buf.h"
#include "net/msg.h"
#include "net/node.h"
#include "net/noise.h"
#include "store/node.h"

/* The daemon's log speaks the user's language (cli/i18n.h): net_node_log
 * (and _warn, _err) translates its format; D_() translates a text given as an argument
 * (dg_strerror's).  What goes over the wire stays English. */
#define D_(s) dgettext("dugnad", s)

#define NET_WIRE_MAX (NET_FRAME_MAX + 16) /* ciphertext of a frame */
#define NET_HS_TIMEOUT_MS 10000   /* the whole handshake */
#define NET_IDLE_MS 90000         /* nothing received: the peer is gone */
#define NET_PING_MS 30000         /* nothing sent: send a PING */
#define NET_TICK_MS 1000          /* session and dialer housekeeping */
#define NET_QUIET_TICKS 2 /* ticks without traffic or writes: idle */
#define NET_LINGER_MS 2000        /* a refusal's wait for its write */
#define NET_WANTS_MAX 1024        /* WANTs taken from one connection */
#define NET_WQ_HIGH (4u << 20)    /* stop reading the store to send */
#define NET_WQ_LOW (1u << 20)     /* start again */
#define NET_PEND_ENTRIES 32768    /* ingest after this many entries */
#define NET_PEND_BYTES (24u << 20) /* or this many bytes */
#define NET_TIME_SKEW 600         /* seconds a handshake's time may be off */
#define NET_REPLAY_MAX 4096       /* handshakes remembered against replay */
#define NET_SESS_MAX 64           /* connections at once */
#define NET_HS_MAX 16             /* of them not yet authenticated */
#define NET_HS_PER_IP 4           /* of those, from one IP address */
#define NET_ACCEPT_BURST 16       /* connections accepted a loop
				   * iteration, so a flood of them cannot
				   * keep the loop from the rest */
#define NET_BACKLOG 1024          /* connections the kernel queues for
				   * accept: a flood must not fill it before
				   * a member's connection gets a turn */
#define NET_MSG1_MS 3000          /* a responder's wait for msg1 */
#define NET_JOIN_MAX 8            /* newcomers' connections at once */
#define NET_REQUEST_MS 10000      /* a newcomer's wait for its REQUEST */
#define NET_ROUNDS_MAX 3          /* one-shot sync: reconnections after
				   * WANTs (a new HEADS exchange) */
#define NET_PSKS 64               /* handshake keys tried */
#define NET_ALERTS NET_STATUS_ALERTS /* alerts kept for status */
#define NET_BACKOFF_MIN_MS 1000
#define NET_BACKOFF_MAX_MS 300000

/* LAN discovery (net/disc.c, doc/protocol.md §23.12) */
#define NET_DISC_PORT 7373
#define NET_DISC_GROUP4 "239.255.73.73" /* organisation-local scope */
#define NET_DISC_GROUP6 "ff02::7373"    /* link-local scope */
#define NET_DISC_EVERY_MS 5000   /* a beacon on each interface, +-25% */
#define NET_DISC_FORGET_MS 30000 /* a node not heard from is forgotten */
#define NET_DISC_MOVE_MS 15000   /* a node heard at another address is
				  * dialled there when the first one has
				  * been silent this long */
#define NET_DISC_FOUND_MAX 64    /* discovered nodes kept */
#define NET_DISC_SRC_SLOTS 64    /* source addresses rate-limited apart */
#define NET_DISC_SRC_RATE 8      /* datagrams a second from one source */
#define NET_DISC_SRC_BURST 16
#define NET_DISC_ALL_RATE 128    /* datagrams a second in all */
#define NET_DISC_ALL_BURST 128
#define NET_DISC_IFACES 32       /* interface addresses beaconed on */
#define NET_DISC_DIALS 8         /* discovery dials being made at once */

enum sess_state {
	SESS_CONNECTING,
	SESS_HANDSHAKE,
	SESS_OPEN,
	SESS_CLOSING,
};

struct net_dial;

/* What the remote side is known to hold: author || seq pairs, sorted. */
struct frontier {
	uint8_t *recs; /* 40 bytes each */
	size_t n, cap;
};

/* One connection.  The handles are embedded; the session is freed in the
 * close callback of the last of them. */
struct net_sess {
	uv_tcp_t tcp;
	uv_timer_t timer;
	int open_handles;
	struct net_node *node;
	struct net_sess *next;
	struct net_dial *dial; /* the dialer that made it, or NULL */
	bool initiator;
	enum sess_state state;
	int hs_step;           /* messages of the handshake done */
	struct net_noise *hs;
	struct net_cipher tx, rx;
	size_t psk_index;      /* initiator: the key tried */
	bool has_peer;
	uint8_t peer[32];
	char addr[CORE_ADDR_TEXT_MAX + 1];
	bool has_ip;
	uint8_t ip[16];        /* the peer's address (IPv4 as ::ffff:a.b.c.d) */
	uint64_t accept_seq;   /* responder: order of acceptance */
	uint64_t started, last_recv, last_send, opened; /* uv_now, ms */
	uint64_t bytes_in, bytes_out;
	uint64_t entries_in, entries_out;
	uint64_t synced_at;     /* Unix seconds of the last catch-up */
	int why;               /* the error it was closed for, or 0 */
	bool linger;           /* write the queue out before closing */
	bool handles_closed;
	uv_shutdown_t shut;
	uint64_t closing_since; /* uv_now ms */
	char why_text[200];

	uint8_t *rbuf;         /* bytes read, not yet a whole frame */
	size_t rlen, rcap;
	size_t wqueued;        /* bytes handed to uv_write, not yet written */
	uint8_t *plain;        /* one decrypted frame */

	/* replication */
	struct frontier remote;
	uint8_t *their_heads;  /* HEADS being received (72-byte records) */
	size_t ntheir, captheir;
	size_t heads_seen;     /* heads announced, kept or not */
	uint8_t last_head[32]; /* the last author announced */
	bool has_last_head;
	uint8_t *our_heads;    /* our heads when HELLO was sent */
	size_t nour;
	uint8_t hello_digest[32];
	bool got_hello, heads_done, catching_up, sent_done;
	bool got_done, got_synced, in_sync, live;
	bool synced_reported;

	/* joining over the network (the psk was an invite's) */
	bool join;             /* a newcomer's session */
	bool join_wait;        /* responder: the request waits for approval */
	struct core_buf welcome; /* newcomer: the welcome bundle so far */
	bool got_request;      /* responder: one REQUEST a connection */
	bool welcomed;         /* responder: the welcome was built */
	struct core_buf wbundle; /* responder: the welcome being sent */
	size_t woff;           /* bytes of it sent */
	uint64_t expect;       /* entries the peer said it holds */
	size_t wants;          /* WANTs received */
	size_t wants_sent;     /* WANTs sent */
	bool refused_some;     /* an import refused entries (not forged) */
	bool again;            /* closed for a one-shot sync's next round */

	/* batches received, ingested together */
	uint8_t **frames;
	size_t *framelens;
	size_t nframes, capframes;
	struct core_bundle_batch *batches;
	size_t nbatches, capbatches;
	size_t pend_entries, pend_bytes;
};

/* A known peer address the daemon keeps connected to. */
struct net_dial {
	struct net_dial *next;
	char addr[CORE_ADDR_TEXT_MAX + 1];
	char host[CORE_ADDR_HOST_MAX + 1];
	uint16_t port;
	bool from_book;        /* in the address book (else a one-off) */
	bool has_node;         /* the node last met at this address */
	uint8_t node[32];
	bool seen;             /* still in the book at the last reload */
	struct net_sess *sess; /* connecting or connected */
	uv_getaddrinfo_t gai;
	bool resolving;
	uint64_t next_try;     /* uv_now ms */
	uint64_t backoff;      /* ms */
	size_t psk_index;
	uint64_t last_sync;    /* Unix seconds */
	int last_error;

	/* found by a beacon (net/disc.c): dialled at sa, keyed by node */
	bool discovered;
	struct sockaddr_storage sa;
	uint64_t beacon_clock; /* the sender's clock in the last beacon */
	uint64_t beacon_at;    /* uv_now ms when it came */
	uint64_t sa_at;        /* uv_now ms of the last one from sa */
	uint64_t beacon_unix;  /* Unix seconds when it came */
};

struct replay_ent {
	uint8_t e[16];
	uint64_t time;
};

/* A token bucket, in thousandths of a datagram. */
struct disc_bucket {
	uint8_t addr[16];      /* the source (unused in the global one) */
	bool used;
	uint64_t at;           /* uv_now ms of the last refill */
	uint64_t tokens;
};

/* LAN discovery: the two UDP sockets, the beacon timer and the rate
 * limits (net/disc.c). */
struct net_disc {
	bool on;
	uv_udp_t udp4, udp6;
	bool has4, has6;
	uv_timer_t timer;
	uint8_t (*keys)[32];   /* beacon keys, newest first; sodium_malloc */
	size_t nkeys;
	struct disc_bucket src[NET_DISC_SRC_SLOTS];
	struct disc_bucket all;
	uint64_t clock;        /* the last clock value sent */
	uint64_t sent, received, ignored, dropped;
	uint8_t rbuf[256];     /* one datagram (longer ones are cut) */
};

/* A control connection. */
struct ctl_conn {
	uv_pipe_t pipe;
	struct net_node *node;
	struct ctl_conn *next;
	uint8_t *buf;
	size_t len, cap;
	bool busy;       /* a request is being answered */
	bool closing;
	struct net_dial *waiting; /* sync: answered when this dial ends */
};

struct net_node {
	uv_loop_t loop;
	bool loop_ok;
	struct store_node *store;
	struct net_config cfg;
	uint8_t pk[32];
	uint8_t *sk;           /* sodium_malloc, 64 bytes */
	bool once;             /* a one-shot sync, not the daemon */
	bool stopping;

	uv_tcp_t listener;
	bool listening;
	uv_check_t accept_check; /* NET_ACCEPT_BURST (node.c, on_conn) */
	unsigned accepted_now;  /* connections accepted this iteration */
	uint64_t accept_seq;    /* connections accepted so far */
	bool accept_pending;    /* one left for the next iteration */
	char listen_addr[CORE_ADDR_TEXT_MAX + 1];
	struct sockaddr_storage listen_ss; /* what the listener is bound to */
	struct net_disc disc;
	uv_pipe_t ctl;
	bool ctl_open;
	char ctl_path[4200];
	struct ctl_conn *ctls;
	uv_signal_t sigint, sigterm;
	bool signals;
	uv_timer_t tick;
	bool tick_open;

	struct net_sess *sessions;
	size_t nsess;
	struct net_dial *dials;

	uint8_t digest[32];    /* of the store, last seen */
	uint64_t entries;

	struct replay_ent replay[NET_REPLAY_MAX];
	size_t nreplay, replay_next;

	uint64_t bytes_in, bytes_out, refused;
	uint64_t last_activity; /* bytes_in + bytes_out + entries, last tick */
	unsigned quiet_ticks;   /* ticks since it last changed, up to
				 * NET_QUIET_TICKS (memory given back) */
	char alerts[NET_ALERTS][NET_ALERT_LEN];
	uint8_t alert_node[NET_ALERTS][32]; /* the node an alert is about */
	bool alert_about[NET_ALERTS];   /* alert_node is set */
	bool alert_unknown[NET_ALERTS]; /* about a node not (yet) a member */
	size_t nalerts, alert_next;

	struct net_sess *welcoming; /* the one welcome being sent */
	/* the handshake keys a responder tries (network keys newest first,
	 * then join keys), worked out when the store changes, not for each
	 * stranger's first message; sodium_malloc, NET_PSKS * 32 bytes */
	uint8_t (*psks)[32];
	size_t npsk, nnet;
	bool psks_stale;
	/* coordinators' node ids, sorted: their logs (which hold the
	 * admissions) are sent first, refreshed with the keys */
	uint8_t (*coords)[32];
	size_t ncoords;

	/* one-shot sync or join */
	bool joining;          /* net_node_join: dial with the invite's key */
	unsigned rounds;       /* one-shot sync: connections made again */
	uint64_t deadline;     /* uv_now ms, 0 = none */
	struct net_sync_report *rep;
	int result;
	struct sigaction old_pipe; /* restored by net_node_free */
	bool done;
};

#define NET_NAME_LEN (CORE_ADDR_TEXT_MAX + 20) /* a peer's name in logs */

static inline uint64_t
net_rd64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void
net_wr64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* net/sess.c */
/* The first 10 characters of a node id, for log lines. */
void net_sess_short_id(const uint8_t pk[32], char out[16]);
/* The other side for log lines: "ID (ADDR)" once known, else ADDR. */
const char *net_sess_who(struct net_sess *s, char buf[NET_NAME_LEN]);
/* Encrypts and queues the message built in b (and empties b); on an
 * error the session is closed. */
int net_sess_send(struct net_sess *s, struct core_buf *b);
/* Takes the connection libuv holds for server.  Returns 0, DG_ENOMEM
 * (not taken: try again later) or DG_ENET (uv_accept failed: libuv
 * stopped watching the listener). */
int net_sess_accept(struct net_node *nn, uv_stream_t *server);
int net_sess_dial(struct net_node *nn, struct net_dial *d,
    const struct sockaddr *sa);
void net_sess_close(struct net_sess *s, int why, const char *text);
/* Sends an ERROR with code and text, then closes with why. */
void net_sess_refuse(struct net_sess *s, enum net_refusal code, int why,
    const char *text);
void net_sess_tick(struct net_sess *s);
/* net/repl.c */
/* One decrypted message (frame owned: kept or freed here). */
int net_repl_on_msg(struct net_sess *s, uint8_t *frame, size_t len);
/* Sends HELLO with the digest and keeps the heads it stands for. */
int net_repl_hello(struct net_sess *s);
/* Ingests the batches received so far in one transaction. */
void net_repl_flush(struct net_sess *s);
/* Frees (wiping) the batches not ingested. */
void net_repl_pending_free(struct net_sess *s);
/* Sends the session what it lacks (the store changed, or the write
 * queue drained). */
void net_repl_pump(struct net_sess *s);

/* net/join.c */
/* Newcomer: sends its signed join request. */
int net_join_request(struct net_sess *s);
/* Responder: sends more pieces of the welcome as the queue drains. */
void net_join_pump(struct net_sess *s);
int net_join_on_request(struct net_sess *s,
    const struct core_join_request *req);
int net_join_on_welcome(struct net_sess *s, const uint8_t *p, size_t len,
    bool more);
/* Responder: sends a newcomer who became a member its welcome (or, when
 * another welcome is being sent, PENDING: it follows later). */
int net_join_welcome(struct net_sess *s);

/* net/node.c */
/* Re-reads the address book; dials what is due; the dialer. */
void net_node_reload_book(struct net_node *nn);
void net_node_tick(struct net_node *nn);
struct net_dial *net_node_add_dial(struct net_node *nn, const char *addr,
    bool from_book);
void net_node_dial(struct net_node *nn, struct net_dial *d);
/* ms +-25%, so that nodes do not act in step. */
uint64_t net_node_jitter(uint64_t ms);
/* A line for the daemon's log: news, a warning (something refused or
 * failed that the node gets over), an error (something it could not
 * do).  fmt is English, translated here. */
void net_node_log(struct net_node *nn, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void net_node_warn(struct net_node *nn, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void net_node_err(struct net_node *nn, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void net_node_alert(struct net_node *nn, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An alert about a node: it replaces the last alert about that node.
 * unknown: the node is not known as a member; it may be a newcomer whose
 * admission has not reached this node yet (common when members find
 * each other at a meeting), so the alert goes away when that node is
 * let in later (net_node_alert_clear). */
void net_node_alert_about(struct net_node *nn, const uint8_t node[32],
    bool unknown, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Drops the "unknown" alerts about node (it is a member now). */
void net_node_alert_clear(struct net_node *nn, const uint8_t node[32]);
/* Called after a session stored new entries or when anything else
 * changed the store: refresh the digest and push to every session. */
void net_node_changed(struct net_node *nn);
/* A session ended or reached sync; d may be NULL. */
void net_node_sess_done(struct net_node *nn, struct net_sess *s);
void net_node_sess_synced(struct net_node *nn, struct net_sess *s);
/* Recomputes nn->psks. */
void net_node_psks_refresh(struct net_node *nn);
/* True if pk was a coordinator at the last refresh of the keys. */
bool net_node_is_coord(const struct net_node *nn, const uint8_t pk[32]);
/* Remembers msg1's ephemeral key; false when seen before (a replay). */
bool net_node_replay_check(struct net_node *nn, const uint8_t e[32],
    uint64_t time);

/* net/disc.c */
/* Opens the UDP sockets and starts beaconing (if listening); a failure
 * is logged and leaves discovery off. */
void net_disc_start(struct net_node *nn);
/* Derives the beacon keys from nn->psks (after net_node_psks_refresh). */
void net_disc_keys(struct net_node *nn);
/* Whether one more discovery dial may start (NET_DISC_DIALS). */
bool net_disc_may_dial(struct net_node *nn);
/* Forgets the discovered nodes not heard from for a while. */
void net_disc_tick(struct net_node *nn);
/* "[fe80::1%eth0]:7373", "192.0.2.7:7373": the text of a socket
 * address (IPv4-mapped IPv6 as IPv4) into out. */
void net_disc_addr_text(const struct sockaddr *sa, char *out, size_t cap);

/* net/ctld.c */
/* Binds DIR/ctl (replacing a leftover nobody answers on).  Returns 0,
 * DG_EBUSY (a daemon answers there), DG_ELIMIT (path too long) or
 * DG_EIO. */
int net_ctld_open(struct net_node *nn);
void net_ctld_close(struct ctl_conn *c);
/* Answers the control connections waiting for a sync through d. */
void net_ctld_answer_sync(struct net_node *nn, struct net_dial *d, int rc,
    const char *text);

/* Translates a libuv error. */
int net_node_uv_err(int rc);

#endif
