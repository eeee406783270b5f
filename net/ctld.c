/* net/ctld.c - the daemon's side of the control socket (net/ctl.h has
 * the messages and the client): DIR/ctl, mode 0600, one request and one
 * answer per connection.  Commands run with the daemon's unlocked node
 * through the net_run_fn the command line gave (cli/main.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "net/ctl.h"
#include "net/internal.h"
#include "store/repl.h"

/* --- the control socket -------------------------------------------------- */


static void
on_ctl_close(uv_handle_t *h)
{
	struct ctl_conn *c = h->data, **pp;

	for (pp = &c->node->ctls; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	free(c->buf);
	free(c);
}

void
net_ctld_close(struct ctl_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->pipe, on_ctl_close);
}

struct ctl_wreq {
	uv_write_t req;
	struct ctl_conn *c;
	size_t len;
	uint8_t data[];
};

static void
on_ctl_write(uv_write_t *req, int status)
{
	struct ctl_wreq *w = (struct ctl_wreq *)req;

	(void)status;
	sodium_memzero(w->data, w->len);
	net_ctld_close(w->c);
	free(w);
}

/* Sends the answer and closes the connection once it is written. */
static void
ctl_answer(struct ctl_conn *c, int status, const void *o, size_t olen,
    const void *e, size_t elen)
{
	struct core_buf b;
	struct ctl_wreq *w;
	uv_buf_t ub;

	core_buf_init(&b);
	net_ctl_answer(&b, status, o, olen, e, elen);
	if (b.err != 0 || b.len > NET_CTL_MAX ||
	    (w = malloc(sizeof *w + 4 + b.len)) == NULL) {
		core_buf_fini(&b);
		net_ctld_close(c);
		return;
	}
	w->c = c;
	w->len = 4 + b.len;
	w->data[0] = (uint8_t)(b.len >> 24);
	w->data[1] = (uint8_t)(b.len >> 16);
	w->data[2] = (uint8_t)(b.len >> 8);
	w->data[3] = (uint8_t)b.len;
	memcpy(w->data + 4, b.data, b.len);
	core_buf_fini(&b);
	ub = uv_buf_init((char *)w->data, (unsigned)w->len);
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &ub, 1,
		on_ctl_write) != 0) {
		free(w);
		net_ctld_close(c);
	}
}

static void
ctl_answer_text(struct ctl_conn *c, int status, const char *out,
    const char *err)
{
	ctl_answer(c, status, out, out ? strlen(out) : 0, err,
	    err ? strlen(err) : 0);
}

void
net_ctld_answer_sync(struct net_node *nn, struct net_dial *d, int rc, const char *text)
{
	struct ctl_conn *c;
	char msg[300];

	for (c = nn->ctls; c != NULL; c = c->next) {
		if (c->waiting != d || c->closing)
			continue;
		c->waiting = NULL;
		if (rc == 0) {
			snprintf(msg, sizeof msg, D_("in sync with %s\n"),
			    d->addr);
			ctl_answer_text(c, 0, msg, NULL);
		} else {
			snprintf(msg, sizeof msg, "dugnad: sync: %s: %s\n",
			    d->addr, text && text[0] ? text :
			    D_(dg_strerror(rc)));
			ctl_answer_text(c, rc == DG_EREFUSED ||
			    rc == DG_EPERM ? 77 : rc == DG_EPROTO ? 76 : 69,
			    NULL, msg);
		}
	}
}

static void
ctl_request(struct ctl_conn *c, const uint8_t *p, size_t len)
{
	struct net_node *nn = c->node;
	struct net_ctl_req r;
	struct core_buf out, err;
	struct net_run_env env;
	struct net_dial *d;
	char host[CORE_ADDR_HOST_MAX + 1];
	uint16_t port;
	int status;

	if (net_ctl_req_decode(p, len, &r) != 0) {
		ctl_answer_text(c, 76, NULL, D_("dugnad: malformed control "
						"request\n"));
		return;
	}
	c->busy = true;
	switch (r.kind) {
	case NET_CTL_RUN:
		if (nn->cfg.run == NULL) {
			ctl_answer_text(c, 69, NULL, D_("dugnad: the daemon "
				"does not run commands\n"));
			break;
		}
		core_buf_init(&out);
		core_buf_init(&err);
		env.lang = r.lang != NULL ? r.lang : "";
		env.tz_given = r.tz_given;
		env.tz = r.tz;
		status = nn->cfg.run(nn->cfg.ctx, nn->store, r.argc, r.argv,
		    r.json, &env, &out, &err);
		ctl_answer(c, status, out.data, out.len, err.data, err.len);
		core_buf_fini(&out);
		core_buf_fini(&err);
		net_node_reload_book(nn);
		net_node_changed(nn);
		net_node_tick(nn); /* dial new peers, new invites' keys */
		break;
	case NET_CTL_STATUS:
		/* `dugnad status` runs as a command; this answers "is a
		 * daemon there" */
		ctl_answer_text(c, 0, "running\n", NULL);
		break;
	case NET_CTL_CHANGED:
		if (store_node_refresh(nn->store) != 0)
			net_node_err(nn, "cannot read the store");
		net_node_reload_book(nn);
		net_node_changed(nn);
		ctl_answer_text(c, 0, NULL, NULL);
		break;
	case NET_CTL_SYNC:
		if (r.addr == NULL) {
			/* every known or discovered peer: redial now those
			 * not connected */
			for (d = nn->dials; d != NULL; d = d->next) {
				if ((d->from_book || d->discovered) &&
				    d->sess == NULL) {
					d->next_try = 0;
					d->backoff = 0;
				}
			}
			net_node_tick(nn);
			ctl_answer_text(c, 0, D_("asked every known peer to "
						 "sync\n"), NULL);
			break;
		}
		if (core_addr_parse(r.addr, host, &port) != 0) {
			ctl_answer_text(c, 64, NULL, D_("dugnad: sync: the "
				"address must be HOST:PORT\n"));
			break;
		}
		d = net_node_add_dial(nn, r.addr, false);
		if (d == NULL) {
			ctl_answer_text(c, 71, NULL, D_("dugnad: sync: out of "
				"memory\n"));
			break;
		}
		if (d->sess != NULL && d->sess->state == SESS_OPEN &&
		    d->sess->live) {
			ctl_answer_text(c, 0, D_("already connected and in "
						 "sync\n"), NULL);
			break;
		}
		c->waiting = d;
		d->next_try = 0;
		net_node_dial(nn, d);
		break;
	}
	net_ctl_req_fini(&r);
}

static void
on_ctl_alloc(uv_handle_t *h, size_t want, uv_buf_t *buf)
{
	struct ctl_conn *c = h->data;
	size_t need = c->len + 65536;
	uint8_t *g;

	(void)want;
	if (need > c->cap) {
		g = realloc(c->buf, need);
		if (g == NULL) {
			*buf = uv_buf_init(NULL, 0);
			return;
		}
		c->buf = g;
		c->cap = need;
	}
	*buf = uv_buf_init((char *)c->buf + c->len, 65536);
}

static void
on_ctl_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct ctl_conn *c = st->data;
	size_t len;

	(void)buf;
	if (c->closing || c->busy)
		return;
	if (nread < 0) {
		net_ctld_close(c);
		return;
	}
	c->len += (size_t)nread;
	if (c->len < 4)
		return;
	len = (size_t)c->buf[0] << 24 | (size_t)c->buf[1] << 16 |
	    (size_t)c->buf[2] << 8 | c->buf[3];
	if (len == 0 || len > NET_CTL_MAX) {
		net_ctld_close(c);
		return;
	}
	if (c->len < 4 + len)
		return;
	uv_read_stop(st);
	ctl_request(c, c->buf + 4, len);
}

static void
on_ctl_conn(uv_stream_t *server, int status)
{
	struct net_node *nn = server->data;
	struct ctl_conn *c;

	if (status < 0)
		return;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return;
	c->node = nn;
	if (uv_pipe_init(&nn->loop, &c->pipe, 0) != 0) {
		free(c);
		return;
	}
	c->pipe.data = c;
	c->next = nn->ctls;
	nn->ctls = c;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0 ||
	    uv_read_start((uv_stream_t *)&c->pipe, on_ctl_alloc,
		on_ctl_read) != 0)
		net_ctld_close(c);
}

/* Binds DIR/ctl.  A socket file nobody answers on is a leftover of a
 * daemon that was killed: it is replaced. */
int
net_ctld_open(struct net_node *nn)
{
	struct core_buf req, resp;
	mode_t old;
	int rc;

	struct sockaddr_un probe;

	/* A Unix socket path has a small fixed limit (108 bytes on Linux);
	 * libuv would cut a longer one and bind somewhere else. */
	if ((size_t)snprintf(nn->ctl_path, sizeof nn->ctl_path, "%s/%s",
		store_db_dir(store_node_db(nn->store)), NET_CTL_NAME) >=
	    sizeof probe.sun_path)
		return DG_ELIMIT;
	core_buf_init(&req);
	core_buf_init(&resp);
	net_ctl_req_simple(&req, NET_CTL_STATUS);
	rc = net_ctl_call(store_db_dir(store_node_db(nn->store)), &req, &resp);
	core_buf_fini(&req);
	core_buf_fini(&resp);
	if (rc == 0)
		return DG_EBUSY;
	(void)unlink(nn->ctl_path);
	if (uv_pipe_init(&nn->loop, &nn->ctl, 0) != 0)
		return DG_EIO;
	nn->ctl.data = nn;
	nn->ctl_open = true;
	old = umask(077);
	rc = uv_pipe_bind(&nn->ctl, nn->ctl_path);
	umask(old);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&nn->ctl, 16, on_ctl_conn);
	if (rc == 0 && chmod(nn->ctl_path, 0600) != 0)
		rc = UV_EPERM;
	if (rc != 0)
		net_node_err(nn, "cannot create the control socket %s: %s",
		    nn->ctl_path, uv_strerror(rc));
	return rc == 0 ? 0 : DG_EIO;
}

