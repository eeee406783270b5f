/* net/node.c - the node's loop: listener, dialer, control socket,
 * signals, status, and one-shot syncs.
 *
 * Known peers (store/peers.h) are dialled and kept connected; a lost
 * connection is redialled after an exponential backoff with jitter
 * (NET_BACKOFF_MIN_MS doubling to NET_BACKOFF_MAX_MS).  Two nodes that
 * dial each other at once end up with one connection: the one whose
 * initiator has the smaller key is kept on both sides.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/ident.h"
#include "net/ctl.h"
#include "net/internal.h"
#include "store/member.h"
#include "store/peers.h"
#include "store/repl.h"

#define NET_PEERS_MAX_SHOWN 256 /* known addresses listed */

int
net_node_uv_err(int rc)
{
	switch (rc) {
	case 0: return 0;
	case UV_ENOMEM: return DG_ENOMEM;
	case UV_EOF: return DG_ECLOSED;
	case UV_ETIMEDOUT: return DG_ETIMEOUT;
	case UV_EADDRINUSE: return DG_EBUSY;
	default: return DG_ENET;
	}
}

static void
vlog(struct net_node *nn, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
vlog(struct net_node *nn, int level, const char *fmt, va_list ap)
{
	char line[512];

	if (nn->cfg.log == NULL)
		return;
	vsnprintf(line, sizeof line, D_(fmt), ap);
	nn->cfg.log(nn->cfg.ctx, level, line);
}

const char *
net_node_ingest_problem(const struct store_ingest *rep, char *out, size_t cap)
{
	char id[CORE_ID_TEXT];

	if (rep->first_what == NULL) {
		snprintf(out, cap, "%s", rep->first_problem);
		return out;
	}
	core_ident_id_text(rep->first_author, id);
	if (rep->first_seq > 0)
		snprintf(out, cap, D_("%s (node %.10s, entry %llu)"),
		    D_(rep->first_what), id,
		    (unsigned long long)rep->first_seq);
	else
		snprintf(out, cap, D_("%s (node %.10s)"), D_(rep->first_what),
		    id);
	return out;
}

void
net_node_log(struct net_node *nn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(nn, NET_LOG_INFO, fmt, ap);
	va_end(ap);
}

void
net_node_warn(struct net_node *nn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(nn, NET_LOG_WARN, fmt, ap);
	va_end(ap);
}

void
net_node_err(struct net_node *nn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(nn, NET_LOG_ERR, fmt, ap);
	va_end(ap);
}

/* A new alert; one about a node replaces the last alert about the same
 * node, so that a node refused again and again (it redials) fills one
 * slot, not the whole ring. */
static void alert_v(struct net_node *nn, const uint8_t *node,
    bool clearable, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
alert_v(struct net_node *nn, const uint8_t *node, bool clearable,
    const char *fmt, va_list ap)
{
	size_t i = nn->alert_next, k, j;

	for (k = 0; node != NULL && k < nn->nalerts; k++) {
		j = (nn->alert_next + NET_ALERTS - 1 - k) % NET_ALERTS;
		if (nn->alert_about[j] &&
		    memcmp(nn->alert_node[j], node, 32) == 0) {
			vsnprintf(nn->alerts[j], sizeof nn->alerts[0], fmt, ap);
			nn->alert_unknown[j] = clearable;
			net_node_warn(nn, "alert: %s", nn->alerts[j]);
			return;
		}
	}
	vsnprintf(nn->alerts[i], sizeof nn->alerts[0], fmt, ap);
	nn->alert_about[i] = node != NULL;
	nn->alert_unknown[i] = clearable;
	if (node != NULL)
		memcpy(nn->alert_node[i], node, 32);
	nn->alert_next = (i + 1) % NET_ALERTS;
	if (nn->nalerts < NET_ALERTS)
		nn->nalerts++;
	net_node_warn(nn, "alert: %s", nn->alerts[i]);
}

void
net_node_alert(struct net_node *nn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alert_v(nn, NULL, false, fmt, ap);
	va_end(ap);
}

void
net_node_alert_about(struct net_node *nn, const uint8_t node[32],
    bool unknown, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alert_v(nn, node, unknown, fmt, ap);
	va_end(ap);
}

void
net_node_alert_clear(struct net_node *nn, const uint8_t node[32])
{
	size_t i, j, k = 0, n = nn->nalerts;
	size_t first = (nn->alert_next + NET_ALERTS - n) % NET_ALERTS;
	bool any = false;

	for (i = 0; i < n; i++) {
		j = (first + i) % NET_ALERTS;
		any |= nn->alert_unknown[j] &&
		    memcmp(nn->alert_node[j], node, 32) == 0;
	}
	if (!any)
		return;
	/* keep the others in order, oldest first from slot 0 */
	{
		char text[NET_ALERTS][NET_ALERT_LEN];
		uint8_t who[NET_ALERTS][32];
		bool about[NET_ALERTS], unknown[NET_ALERTS];

		for (i = 0; i < n; i++) {
			j = (first + i) % NET_ALERTS;
			if (nn->alert_unknown[j] &&
			    memcmp(nn->alert_node[j], node, 32) == 0)
				continue;
			memcpy(text[k], nn->alerts[j], NET_ALERT_LEN);
			memcpy(who[k], nn->alert_node[j], 32);
			about[k] = nn->alert_about[j];
			unknown[k++] = nn->alert_unknown[j];
		}
		memcpy(nn->alerts, text, k * NET_ALERT_LEN);
		memcpy(nn->alert_node, who, k * 32);
		memcpy(nn->alert_about, about, k * sizeof about[0]);
		memcpy(nn->alert_unknown, unknown, k * sizeof unknown[0]);
	}
	nn->nalerts = k;
	nn->alert_next = k % NET_ALERTS;
}

bool
net_node_replay_check(struct net_node *nn, const uint8_t e[32],
    uint64_t t)
{
	size_t i;

	for (i = 0; i < nn->nreplay; i++) {
		if (memcmp(nn->replay[i].e, e, 16) == 0)
			return false;
	}
	/* Older entries than the accepted clock skew cannot be replayed
	 * anyway (the time check refuses them), so a full ring only drops
	 * what no longer matters at a sane rate. */
	memcpy(nn->replay[nn->replay_next].e, e, 16);
	nn->replay[nn->replay_next].time = t;
	nn->replay_next = (nn->replay_next + 1) % NET_REPLAY_MAX;
	if (nn->nreplay < NET_REPLAY_MAX)
		nn->nreplay++;
	return true;
}

/* --- changes and sessions ----------------------------------------------- */

static void
close_non_members(struct net_node *nn)
{
	struct net_sess *s, *next;
	int rc;

	for (s = nn->sessions; s != NULL; s = next) {
		next = s->next;
		if (s->state != SESS_OPEN || !s->has_peer || s->join)
			continue;
		rc = store_node_member_check(nn->store, s->peer);
		if (rc == DG_EPERM || rc == DG_ENOTFOUND) {
			net_node_alert(nn, "disconnected %s: no longer a member",
			    s->addr);
			net_sess_refuse(s, NET_ERR_NOT_MEMBER, DG_EPERM,
			    "this node was revoked from the network");
		}
	}
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* The coordinators as the log shows them (any status: a revoked one's
 * admissions still count up to its cut-off).  Kept as they were when
 * the members cannot be read: the order of sending is a speed-up. */
static void
coords_refresh(struct net_node *nn)
{
	struct store_members m;
	uint8_t (*c)[32];
	size_t i, n = 0;

	if (store_node_members(nn->store, &m) != 0)
		return;
	c = malloc((m.list.n ? m.list.n : 1) * sizeof *c);
	if (c != NULL) {
		for (i = 0; i < m.list.n; i++) {
			if (m.list.m[i].role == CORE_ROLE_COORDINATOR)
				memcpy(c[n++], m.list.m[i].pk, 32);
		}
		/* sorted by key, as the members are */
		free(nn->coords);
		nn->coords = c;
		nn->ncoords = n;
	}
	store_members_fini(&m);
}

bool
net_node_is_coord(const struct net_node *nn, const uint8_t pk[32])
{
	return nn->ncoords > 0 &&
	    bsearch(pk, nn->coords, nn->ncoords, 32, key_cmp) != NULL;
}

void
net_node_psks_refresh(struct net_node *nn)
{
	coords_refresh(nn);
	nn->nnet = store_node_psks(nn->store, nn->psks, NET_PSKS);
	nn->npsk = nn->nnet + store_node_join_psks(nn->store,
	    nn->psks + nn->nnet, NET_PSKS - nn->nnet);
	net_disc_keys(nn);
}

/* Newcomers approved while they wait get their welcome, one at a time. */
static void
welcome_waiting(struct net_node *nn)
{
	struct net_sess *s, *next;

	for (s = nn->sessions; s != NULL && nn->welcoming == NULL; s = next) {
		next = s->next;
		if (s->state == SESS_OPEN && s->join_wait &&
		    store_node_member_check(nn->store, s->peer) == 0 &&
		    net_join_welcome(s) != 0 && s->state != SESS_CLOSING)
			net_sess_close(s, DG_EIO, "cannot send the welcome");
	}
}

void
net_node_changed(struct net_node *nn)
{
	struct net_sess *s, *next;
	uint8_t digest[32];
	uint64_t entries = 0;

	if (nn->stopping ||
	    store_node_digest(nn->store, digest, NULL, &entries) != 0)
		return;
	if (memcmp(digest, nn->digest, 32) == 0)
		return;
	memcpy(nn->digest, digest, 32);
	nn->entries = entries;
	/* at most once a second (on_tick): walking the invites costs
	 * more than a bulk transfer's batches can afford */
	nn->psks_stale = true;
	close_non_members(nn);
	for (s = nn->sessions; s != NULL; s = next) {
		next = s->next;
		if (s->state == SESS_OPEN && s->live)
			net_repl_pump(s);
	}
	welcome_waiting(nn);
}

static struct net_dial *
find_dial(struct net_node *nn, const char *addr)
{
	struct net_dial *d;

	for (d = nn->dials; d != NULL; d = d->next) {
		if (!d->discovered && strcmp(d->addr, addr) == 0)
			return d;
	}
	return NULL;
}

uint64_t
net_node_jitter(uint64_t ms)
{
	/* +-25% so that nodes that lost each other do not redial in step */
	return ms - ms / 4 + randombytes_uniform((uint32_t)(ms / 2 + 1));
}


/* Keeps what happened with a known peer in the address book. */
static void
note_result(struct net_node *nn, const char *addr, const uint8_t *node,
    bool ok)
{
	int rc = store_node_peer_result(nn->store, addr, node, ok,
	    (uint64_t)time(NULL));

	if (rc != 0 && rc != DG_ENOTFOUND)
		net_node_err(nn, "cannot note the sync with %s: %s", addr,
		    D_(dg_strerror(rc)));
}

void
net_node_sess_done(struct net_node *nn, struct net_sess *s)
{
	struct net_dial *d = s->dial;
	char name[16] = "";

	if (s->has_peer)
		net_sess_short_id(s->peer, name);
	if (s->opened != 0 && !nn->stopping && !(nn->once && s->why == 0))
		net_node_log(nn, "disconnected from %s%s%s: %s", s->addr,
		    name[0] ? " " : "", name,
		    s->why_text[0] ? s->why_text : D_(dg_strerror(s->why)));
	if (s->again)
		return; /* a one-shot sync connecting again (sess_synced) */
	/* A refused first message may only mean the peer lacks this
	 * node's newest network key (it was offline during a rotation):
	 * try the older ones before giving up. */
	if (nn->once && !nn->done && d != NULL && !nn->joining &&
	    s->why == DG_EREFUSED && s->hs_step == 1) {
		uint8_t psks[NET_PSKS][32];
		size_t npsk = store_node_psks(nn->store, psks, NET_PSKS);

		sodium_memzero(psks, sizeof psks);
		if (d->psk_index + 1 < npsk) {
			d->psk_index++;
			d->sess = NULL;
			s->dial = NULL;
			net_node_dial(nn, d);
			return;
		}
	}
	if (nn->once && !nn->done) {
		nn->done = true;
		nn->result = s->why == 0 ? DG_ECLOSED : s->why;
		if (nn->rep != NULL && nn->rep->problem[0] == '\0')
			snprintf(nn->rep->problem, sizeof nn->rep->problem,
			    "%s", s->why_text[0] ? s->why_text :
			    dg_strerror(s->why));
		uv_stop(&nn->loop);
	}
	if (d == NULL)
		return;
	d->sess = NULL;
	s->dial = NULL;
	if (s->has_peer && !d->discovered) {
		d->has_node = true;
		memcpy(d->node, s->peer, 32);
	}
	/* A found node that was not there, or was another node (a beacon in
	 * its name from someone holding a network key): its own beacons
	 * from another place are taken at once (net/disc.c). */
	if (d->discovered && (s->why != 0 || (s->has_peer &&
	    memcmp(s->peer, d->node, 32) != 0)))
		d->sa_at = 0;
	if (d->discovered) /* forgotten 30 s from now unless heard again */
		d->beacon_at = uv_now(&nn->loop);
	if (s->why == 0) {
		d->backoff = NET_BACKOFF_MIN_MS;
	} else {
		if (s->why == DG_EREFUSED)
			d->psk_index++; /* try an older network key next */
		d->last_error = s->why;
		d->backoff = d->backoff ? d->backoff * 2 : NET_BACKOFF_MIN_MS;
		if (d->backoff > NET_BACKOFF_MAX_MS)
			d->backoff = NET_BACKOFF_MAX_MS;
		if (d->from_book && !nn->once)
			note_result(nn, d->addr, s->has_peer ? s->peer : NULL,
			    false);
	}
	d->next_try = uv_now(&nn->loop) + net_node_jitter(d->backoff);
	/* a sync asked for is answered "done" only if it got there */
	net_ctld_answer_sync(nn, d, s->synced_reported ? 0 : s->why != 0 ?
	    s->why : DG_ECLOSED, s->why_text);
}

/* Keeps one connection per pair of nodes. */
static bool
dedupe(struct net_node *nn, struct net_sess *s)
{
	struct net_sess *o;
	const uint8_t *init_new, *init_old;

	for (o = nn->sessions; o != NULL; o = o->next) {
		if (o == s || o->state != SESS_OPEN || !o->has_peer ||
		    memcmp(o->peer, s->peer, 32) != 0)
			continue;
		init_new = s->initiator ? nn->pk : s->peer;
		init_old = o->initiator ? nn->pk : o->peer;
		if (memcmp(init_new, init_old, 32) < 0 ||
		    (memcmp(init_new, init_old, 32) == 0 && s > o)) {
			net_sess_close(o, 0, "a second connection replaced it");
			return false;
		}
		net_sess_close(s, 0, "already connected");
		return true;
	}
	return false;
}

void
net_node_sess_synced(struct net_node *nn, struct net_sess *s)
{
	char name[CORE_ADDR_TEXT_MAX + 1];

	if (s->opened == 0)
		return;
	if (nn->once) {
		if (nn->rep != NULL) {
			nn->rep->in_sync = s->in_sync;
			nn->rep->sent = s->entries_out;
			memcpy(nn->rep->peer, s->peer, 32);
		}
		/* After WANTs, what was asked for may still be on its way:
		 * connect again, and the new HEADS exchange settles it. */
		if (s->wants_sent > 0 && nn->rounds < NET_ROUNDS_MAX &&
		    s->dial != NULL) {
			struct net_dial *d = s->dial;

			nn->rounds++;
			s->dial = NULL;
			d->sess = NULL;
			s->linger = true;
			s->again = true;
			net_sess_close(s, 0, "again");
			net_node_dial(nn, d);
			return;
		}
		nn->done = true;
		nn->result = 0;
		/* what is queued (our SYNCED, a resend) still goes out: the
		 * loop ends when the session's handles are closed */
		s->linger = true;
		net_sess_close(s, 0, "done");
		uv_timer_stop(&nn->tick);
		return;
	}
	if (dedupe(nn, s))
		return;
	s->synced_at = (uint64_t)time(NULL);
	snprintf(name, sizeof name, "%s", s->addr);
	if (s->dial != NULL) {
		s->dial->last_sync = (uint64_t)time(NULL);
		s->dial->backoff = NET_BACKOFF_MIN_MS;
		s->dial->psk_index = s->psk_index;
		if (s->dial->from_book)
			note_result(nn, s->dial->addr, s->peer, true);
		net_ctld_answer_sync(nn, s->dial, 0, NULL);
	}
	net_node_log(nn, "in sync with %s (%llu entries in, %llu out)", name,
	    (unsigned long long)s->entries_in,
	    (unsigned long long)s->entries_out);
}

/* --- dialing ------------------------------------------------------------- */

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct net_dial *d = req->data;
	struct net_node *nn = (struct net_node *)req->loop->data;
	int rc;

	d->resolving = false;
	if (status < 0 || res == NULL || nn->stopping) {
		if (res != NULL)
			uv_freeaddrinfo(res);
		if (!nn->stopping) {
			net_node_warn(nn, "cannot resolve %s: %s", d->addr,
			    uv_strerror(status));
			d->backoff = d->backoff ? d->backoff * 2 :
			    NET_BACKOFF_MIN_MS;
			if (d->backoff > NET_BACKOFF_MAX_MS)
				d->backoff = NET_BACKOFF_MAX_MS;
			d->next_try = uv_now(&nn->loop) + net_node_jitter(d->backoff);
			net_ctld_answer_sync(nn, d, DG_ENET, "cannot resolve the "
			    "address");
			if (nn->once && !nn->done) {
				nn->done = true;
				nn->result = status == UV_EAI_MEMORY ||
				    status == UV_ENOMEM ? DG_ENOMEM : DG_ENET;
				uv_stop(&nn->loop);
			}
		}
		return;
	}
	rc = net_sess_dial(nn, d, res->ai_addr);
	if (rc != 0 && nn->once && !nn->done) {
		nn->done = true;
		nn->result = rc == DG_ENOMEM ? rc : DG_ENET;
		uv_stop(&nn->loop);
	}
	uv_freeaddrinfo(res);
}

void
net_node_dial(struct net_node *nn, struct net_dial *d)
{
	struct addrinfo hints;
	char port[8];
	int rc;

	if (d->sess != NULL || d->resolving)
		return;
	if (d->discovered) { /* the address its beacon came from */
		if (net_sess_dial(nn, d, (struct sockaddr *)&d->sa) != 0) {
			d->backoff = NET_BACKOFF_MAX_MS;
			d->next_try = uv_now(&nn->loop) +
			    net_node_jitter(d->backoff);
		}
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%u", (unsigned)d->port);
	d->gai.data = d;
	d->resolving = true;
	rc = uv_getaddrinfo(&nn->loop, &d->gai, on_resolved, d->host, port,
	    &hints);
	if (rc != 0) {
		d->resolving = false;
		d->next_try = uv_now(&nn->loop) + net_node_jitter(NET_BACKOFF_MAX_MS);
		net_ctld_answer_sync(nn, d, DG_ENET, "cannot resolve the address");
		if (nn->once && !nn->done) {
			nn->done = true;
			nn->result = rc == UV_ENOMEM ? DG_ENOMEM : DG_ENET;
			uv_stop(&nn->loop);
		}
	}
}

struct net_dial *
net_node_add_dial(struct net_node *nn, const char *addr, bool from_book)
{
	struct net_dial *d;

	d = find_dial(nn, addr);
	if (d != NULL) {
		d->from_book |= from_book;
		d->seen = true;
		return d;
	}
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	if (core_addr_parse(addr, d->host, &d->port) != 0) {
		free(d);
		return NULL;
	}
	core_addr_format(d->host, d->port, d->addr, sizeof d->addr);
	d->from_book = from_book;
	d->seen = true;
	d->next = nn->dials;
	nn->dials = d;
	return d;
}

static int
book_one(void *arg, const struct store_peer *p)
{
	struct net_node *nn = arg;
	struct net_dial *d = net_node_add_dial(nn, p->addr, true);

	if (d != NULL && d->last_sync < p->last_sync)
		d->last_sync = p->last_sync;
	if (d != NULL && !d->has_node && p->has_node) {
		d->has_node = true;
		memcpy(d->node, p->node, 32);
	}
	return 0;
}

/* Re-reads the address book (peer add/remove may have changed it). */
void
net_node_reload_book(struct net_node *nn)
{
	struct net_dial *d, **pp;

	for (d = nn->dials; d != NULL; d = d->next)
		d->seen = !d->from_book;
	if (store_node_peers(nn->store, book_one, nn) != 0)
		return;
	for (pp = &nn->dials; (d = *pp) != NULL;) {
		if (!d->seen && d->sess == NULL && !d->resolving) {
			*pp = d->next;
			free(d);
			continue;
		}
		if (!d->seen && d->sess != NULL) {
			d->from_book = false;
			net_sess_close(d->sess, 0, "removed from the peers");
		}
		pp = &d->next;
	}
}

/* Whether the node last met at d's address is connected already (it
 * dialled this node): then dialling it again only makes a duplicate. */
static bool
connected_to(struct net_node *nn, const struct net_dial *d)
{
	struct net_sess *s;

	if (!d->has_node)
		return false;
	for (s = nn->sessions; s != NULL; s = s->next) {
		if (s->state == SESS_OPEN && s->has_peer &&
		    memcmp(s->peer, d->node, 32) == 0)
			return true;
	}
	return false;
}

/* An idle daemon gives back what a transfer made it hold (LMDB's written
 * pages, the mapped file, free heap) once nothing moved for a while. */
static void
release_when_quiet(struct net_node *nn)
{
	uint64_t now = nn->bytes_in + nn->bytes_out + nn->entries;

	if (now != nn->last_activity) {
		nn->last_activity = now;
		nn->quiet_ticks = 0;
		return;
	}
	/* once, when the count reaches NET_QUIET_TICKS; it stops there */
	if (nn->quiet_ticks == NET_QUIET_TICKS ||
	    ++nn->quiet_ticks < NET_QUIET_TICKS)
		return;
	if (store_node_release(nn->store) != 0)
		net_node_err(nn, "cannot reopen the store");
}

static void
on_tick(uv_timer_t *t)
{
	struct net_node *nn = t->data;
	struct net_dial *d;
	uint64_t now = uv_now(&nn->loop);
	struct net_sess *s, *next;

	for (s = nn->sessions; s != NULL; s = next) {
		next = s->next;
		net_sess_tick(s);
	}
	if (nn->once) {
		if (nn->deadline != 0 && now > nn->deadline && !nn->done) {
			nn->done = true;
			nn->result = DG_ETIMEOUT;
			uv_stop(&nn->loop);
		}
		return;
	}
	/* Another process (a command run without the daemon) may have
	 * written: the digest tells. */
	if (store_node_refresh(nn->store) == 0)
		net_node_changed(nn);
	else
		net_node_err(nn, "cannot read the store");
	if (nn->psks_stale) {
		nn->psks_stale = false;
		net_node_psks_refresh(nn);
	}
	welcome_waiting(nn);
	if (nn->disc.on)
		net_disc_tick(nn);
	release_when_quiet(nn);
	for (d = nn->dials; d != NULL; d = d->next) {
		if ((d->from_book || (d->discovered && net_disc_may_dial(nn))) &&
		    d->sess == NULL && !d->resolving &&
		    now >= d->next_try && !connected_to(nn, d))
			net_node_dial(nn, d);
	}
}

void
net_node_tick(struct net_node *nn)
{
	on_tick(&nn->tick);
}

/* --- listening ------------------------------------------------------------ */

/* libuv accepts in a loop until the queue is empty: a flood of
 * connections that are closed and opened again at once would keep the
 * loop there, and nothing else (sessions, the control socket) would
 * run.  So at most NET_ACCEPT_BURST are taken an iteration; the next is
 * left pending (libuv then stops watching the listener) and taken by the
 * check handle after the other handles had their turn. */
static void on_conn(uv_stream_t *server, int status);

/* Takes the connection libuv holds; when that fails, makes sure the
 * listener is watched again (libuv stops watching it while a connection
 * waits, and after a failed uv_accept). */
static void
take_connection(struct net_node *nn)
{
	int rc = net_sess_accept(nn, (uv_stream_t *)&nn->listener);

	if (rc == DG_ENOMEM)
		nn->accept_pending = true; /* the next check tries again */
	else if (rc != 0)
		(void)uv_listen((uv_stream_t *)&nn->listener, NET_BACKLOG,
		    on_conn);
}

static void
on_conn(uv_stream_t *server, int status)
{
	struct net_node *nn = server->data;

	if (status < 0) {
		net_node_err(nn, "accept failed: %s", uv_strerror(status));
		return;
	}
	if (nn->accepted_now >= NET_ACCEPT_BURST) {
		nn->accept_pending = true;
		return;
	}
	nn->accepted_now++;
	take_connection(nn);
}

static void
on_accept_check(uv_check_t *h)
{
	struct net_node *nn = h->data;

	nn->accepted_now = 0;
	if (nn->accept_pending && !nn->stopping) {
		nn->accept_pending = false;
		nn->accepted_now++;
		/* takes the connection left pending: libuv watches the
		 * listener again */
		take_connection(nn);
	}
}

static int
listen_on(struct net_node *nn, const char *spec)
{
	char host[CORE_ADDR_HOST_MAX + 1], tmp[CORE_ADDR_TEXT_MAX + 8];
	struct sockaddr_storage ss;
	int len, rc;
	uint16_t port;
	size_t n = strlen(spec);

	/* port 0 means any free port: parse it as port 1, then use 0 */
	if (n >= 2 && n < sizeof tmp && strcmp(spec + n - 2, ":0") == 0) {
		snprintf(tmp, sizeof tmp, "%.*s:1", (int)(n - 2), spec);
		rc = core_addr_parse(tmp, host, &port);
		port = 0;
	} else {
		rc = core_addr_parse(spec, host, &port);
	}
	if (rc != 0)
		return DG_EINVAL;
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0)
		return DG_EINVAL;
	if (uv_tcp_init(&nn->loop, &nn->listener) != 0)
		return DG_ENET;
	nn->listener.data = nn;
	nn->listening = true;
	/* "[::]" is every address: IPv6 and, dual-stack (libuv clears
	 * IPV6_V6ONLY), IPv4 too; a machine without IPv6 gets 0.0.0.0 */
	if (uv_check_init(&nn->loop, &nn->accept_check) != 0)
		return DG_ENET;
	nn->accept_check.data = nn;
	(void)uv_check_start(&nn->accept_check, on_accept_check);
	rc = uv_tcp_bind(&nn->listener, (struct sockaddr *)&ss, 0);
	if (rc == UV_EAFNOSUPPORT && strcmp(host, "::") == 0) {
		snprintf(host, sizeof host, "0.0.0.0");
		(void)uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
		rc = uv_tcp_bind(&nn->listener, (struct sockaddr *)&ss, 0);
	}
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&nn->listener, NET_BACKLOG, on_conn);
	if (rc != 0) {
		net_node_err(nn, "cannot listen on %s: %s", spec, uv_strerror(rc));
		return DG_ENET;
	}
	len = sizeof ss;
	if (uv_tcp_getsockname(&nn->listener, (struct sockaddr *)&ss,
		&len) == 0) {
		nn->listen_ss = ss;
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	core_addr_format(host, port, nn->listen_addr, sizeof nn->listen_addr);
	net_node_log(nn, "listening on %s", nn->listen_addr);
	return 0;
}

/* --- life cycle ------------------------------------------------------------ */

static void
on_signal(uv_signal_t *sig, int signum)
{
	struct net_node *nn = sig->data;

	if (signum == SIGINT)
		net_node_log(nn, "interrupted: stopping");
	else
		net_node_log(nn, "terminated: stopping");
	uv_stop(&nn->loop);
}

int
net_node_new(struct store_node *n, const struct net_config *cfg,
    struct net_node **out)
{
	struct net_node *nn;
	int rc;

	*out = NULL;
	/* A peer that goes away while we write must be an EPIPE from the
	 * write, not a SIGPIPE that kills the node: libuv does not mask
	 * it (sockets are written with write(2), not send(MSG_NOSIGNAL)). */
	nn = calloc(1, sizeof *nn);
	if (nn == NULL)
		return DG_ENOMEM;
	{
		struct sigaction ign;

		memset(&ign, 0, sizeof ign);
		ign.sa_handler = SIG_IGN;
		sigemptyset(&ign.sa_mask);
		(void)sigaction(SIGPIPE, &ign, &nn->old_pipe);
	}
	nn->sk = sodium_malloc(64);
	nn->psks = sodium_malloc(NET_PSKS * 32);
	if (nn->sk == NULL || nn->psks == NULL) {
		if (nn->sk != NULL)
			sodium_free(nn->sk);
		if (nn->psks != NULL)
			sodium_free(nn->psks);
		(void)sigaction(SIGPIPE, &nn->old_pipe, NULL);
		free(nn);
		return DG_ENOMEM;
	}
	rc = uv_loop_init(&nn->loop);
	if (rc != 0) {
		sodium_free(nn->sk);
		sodium_free(nn->psks);
		(void)sigaction(SIGPIPE, &nn->old_pipe, NULL);
		free(nn);
		return rc == UV_ENOMEM ? DG_ENOMEM : DG_ENET;
	}
	nn->loop_ok = true;
	nn->loop.data = nn;
	nn->store = n;
	nn->cfg = *cfg;
	store_node_pk(n, nn->pk);
	store_node_sk(n, nn->sk);
	if (store_node_digest(n, nn->digest, NULL, &nn->entries) != 0)
		memset(nn->digest, 0, 32);
	net_node_psks_refresh(nn);
	*out = nn;
	return 0;
}

static void
on_any_close(uv_handle_t *h)
{
	(void)h;
}

static void
close_walk(uv_handle_t *h, void *arg)
{
	struct net_node *nn = arg;

	(void)nn;
	if (uv_is_closing(h))
		return;
	/* sessions and control connections close through their owners */
	if (h->type == UV_TCP && h != (uv_handle_t *)&nn->listener) {
		net_sess_close(h->data, 0, "stopping");
		return;
	}
	if (h->type == UV_TIMER && h->data != nn && h->data != NULL &&
	    h != (uv_handle_t *)&nn->tick)
		return; /* a session's timer: closed with its session */
	if (h->type == UV_NAMED_PIPE && h != (uv_handle_t *)&nn->ctl) {
		net_ctld_close(h->data);
		return;
	}
	uv_close(h, on_any_close);
}

/* Closes every handle and runs the loop until they are gone. */
static int
shutdown_loop(struct net_node *nn)
{
	struct net_dial *d;

	nn->stopping = true;
	for (d = nn->dials; d != NULL; d = d->next) {
		if (d->resolving)
			(void)uv_cancel((uv_req_t *)&d->gai);
	}
	uv_walk(&nn->loop, close_walk, nn);
	(void)uv_run(&nn->loop, UV_RUN_DEFAULT);
	if (nn->ctl_open)
		(void)unlink(nn->ctl_path);
	nn->ctl_open = false;
	nn->listening = false;
	return uv_loop_close(&nn->loop) == 0 ? 0 : DG_EBUSY;
}

void
net_node_free(struct net_node *nn)
{
	struct net_dial *d;

	if (nn == NULL)
		return;
	if (nn->loop_ok) {
		if (shutdown_loop(nn) != 0)
			abort(); /* a handle was left open: a bug */
	}
	while ((d = nn->dials) != NULL) {
		nn->dials = d->next;
		free(d);
	}
	(void)sigaction(SIGPIPE, &nn->old_pipe, NULL);
	sodium_free(nn->sk);
	sodium_free(nn->psks);
	free(nn->coords);
	if (nn->disc.keys != NULL)
		sodium_free(nn->disc.keys);
	free(nn);
}

int
net_node_serve(struct net_node *nn)
{
	int rc;

	rc = net_ctld_open(nn);
	if (rc != 0)
		goto out;
	if (nn->cfg.listen != NULL) {
		rc = listen_on(nn, nn->cfg.listen);
		if (rc != 0)
			goto out;
	}
	if (nn->cfg.discovery)
		net_disc_start(nn);
	if (uv_signal_init(&nn->loop, &nn->sigint) != 0 ||
	    uv_signal_init(&nn->loop, &nn->sigterm) != 0) {
		rc = DG_ENET;
		goto out;
	}
	nn->sigint.data = nn->sigterm.data = nn;
	(void)uv_signal_start(&nn->sigint, on_signal, SIGINT);
	(void)uv_signal_start(&nn->sigterm, on_signal, SIGTERM);
	if (uv_timer_init(&nn->loop, &nn->tick) != 0) {
		rc = DG_ENET;
		goto out;
	}
	nn->tick.data = nn;
	nn->tick_open = true;
	net_node_reload_book(nn);
	(void)uv_timer_start(&nn->tick, on_tick, 0, NET_TICK_MS);
	(void)uv_run(&nn->loop, UV_RUN_DEFAULT);
	rc = 0;
out:
	if (shutdown_loop(nn) != 0 && rc == 0)
		rc = DG_EBUSY;
	nn->loop_ok = false;
	return rc;
}

int
net_node_join(struct net_node *nn, const char *addr, unsigned wait_s,
    struct net_sync_report *rep)
{
	nn->joining = true;
	nn->deadline = uv_now(&nn->loop) + (uint64_t)wait_s * 1000;
	return net_node_sync(nn, addr, rep);
}

int
net_node_sync(struct net_node *nn, const char *addr,
    struct net_sync_report *rep)
{
	char host[CORE_ADDR_HOST_MAX + 1];
	struct net_dial *d;
	uint16_t port;
	int rc;

	memset(rep, 0, sizeof *rep);
	nn->once = true;
	nn->rep = rep;
	if (core_addr_parse(addr, host, &port) != 0)
		return DG_EINVAL;
	d = net_node_add_dial(nn, addr, false);
	if (d == NULL)
		return DG_ENOMEM;
	if (uv_timer_init(&nn->loop, &nn->tick) != 0)
		return DG_ENET;
	nn->tick.data = nn;
	nn->tick_open = true;
	(void)uv_timer_start(&nn->tick, on_tick, NET_TICK_MS, NET_TICK_MS);
	net_node_dial(nn, d);
	if (!nn->done)
		(void)uv_run(&nn->loop, UV_RUN_DEFAULT);
	rc = nn->done ? nn->result : DG_ENET;
	if (shutdown_loop(nn) != 0 && rc == 0)
		rc = DG_EBUSY;
	nn->loop_ok = false;
	return rc;
}

int
net_node_status(struct net_node *nn, struct net_status *st)
{
	struct net_peer_status *p;
	struct net_found_status *f;
	struct net_sess *s;
	struct net_dial *d;
	size_t n = 0, i;

	memset(st, 0, sizeof *st);
	if (nn->listening)
		snprintf(st->listen, sizeof st->listen, "%s", nn->listen_addr);
	st->bytes_in = nn->bytes_in;
	st->bytes_out = nn->bytes_out;
	st->refused = nn->refused;
	for (i = 0; i < nn->nalerts; i++)
		memcpy(st->alerts[i], nn->alerts[(nn->alert_next + NET_ALERTS -
		    nn->nalerts + i) % NET_ALERTS], NET_ALERT_LEN);
	st->nalerts = nn->nalerts;
	st->peers = calloc(nn->nsess + 1 + NET_PEERS_MAX_SHOWN,
	    sizeof *st->peers);
	if (st->peers == NULL)
		return DG_ENOMEM;
	for (s = nn->sessions; s != NULL; s = s->next) {
		if (s->state != SESS_OPEN)
			continue;
		p = &st->peers[n++];
		snprintf(p->addr, sizeof p->addr, "%s",
		    s->dial ? s->dial->addr : s->addr);
		p->connected = true;
		p->inbound = !s->initiator;
		p->in_sync = s->in_sync || (s->got_done && s->got_synced);
		p->has_node = s->has_peer;
		memcpy(p->node, s->peer, 32);
		p->entries_in = s->entries_in;
		p->entries_out = s->entries_out;
		p->bytes_in = s->bytes_in;
		p->bytes_out = s->bytes_out;
		p->last_sync = s->synced_at;
	}
	for (d = nn->dials; d != NULL && n < nn->nsess + NET_PEERS_MAX_SHOWN;
	    d = d->next) {
		if (!d->from_book || (d->sess != NULL &&
			d->sess->state == SESS_OPEN))
			continue;
		p = &st->peers[n++];
		snprintf(p->addr, sizeof p->addr, "%s", d->addr);
		p->last_sync = d->last_sync;
		p->last_error = d->last_error;
	}
	st->npeers = n;
	st->discovery = nn->disc.on;
	st->beacons_sent = nn->disc.sent;
	st->beacons_received = nn->disc.received;
	st->beacons_ignored = nn->disc.ignored;
	st->beacons_dropped = nn->disc.dropped;
	n = 0;
	for (d = nn->dials; d != NULL; d = d->next)
		n += d->discovered && d->has_node;
	if (n == 0)
		return 0;
	st->found = calloc(n, sizeof *st->found);
	if (st->found == NULL) {
		net_node_status_fini(st);
		return DG_ENOMEM;
	}
	for (d = nn->dials; d != NULL; d = d->next) {
		if (!d->discovered || !d->has_node)
			continue;
		f = &st->found[st->nfound++];
		snprintf(f->addr, sizeof f->addr, "%s", d->addr);
		memcpy(f->node, d->node, 32);
		f->connected = connected_to(nn, d);
		f->last_beacon = d->beacon_unix;
	}
	return 0;
}

void
net_node_status_fini(struct net_status *st)
{
	free(st->peers);
	st->peers = NULL;
	st->npeers = 0;
	free(st->found);
	st->found = NULL;
	st->nfound = 0;
}

