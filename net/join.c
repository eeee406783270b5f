/* net/join.c - a newcomer joining over the network (doc/protocol.md
 * §23.7): its REQUEST, PENDING while a coordinator decides, and the
 * welcome bundle in BUNDLE pieces, one welcome at a time on a node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/body.h"
#include "net/internal.h"
#include "store/member.h"
#include "store/repl.h"

/* --- joining over the network ------------------------------------------ */

int
net_join_request(struct net_sess *s)
{
	struct core_join_request req;
	struct core_buf b;
	uint8_t psk[32];
	int rc;

	rc = store_node_join_hello(s->node->store, psk, &req);
	sodium_memzero(psk, sizeof psk);
	if (rc != 0)
		return rc;
	core_buf_init(&b);
	net_msg_request(&b, &req);
	sodium_memzero(&req, sizeof req);
	rc = net_sess_send(s, &b);
	core_buf_fini(&b);
	return rc;
}

/* Sends pieces of the welcome while the write queue has room. */
void
net_join_pump(struct net_sess *s)
{
	struct core_buf b;
	size_t n;

	core_buf_init(&b);
	while (s->state == SESS_OPEN && s->woff < s->wbundle.len &&
	    s->wqueued < NET_WQ_HIGH) {
		n = s->wbundle.len - s->woff;
		if (n > NET_CHUNK_MAX)
			n = NET_CHUNK_MAX;
		net_msg_bundle(&b, s->woff + n < s->wbundle.len,
		    (const uint8_t *)s->wbundle.data + s->woff, n);
		if (net_sess_send(s, &b) != 0)
			break;
		s->woff += n;
	}
	core_buf_fini(&b);
	if (s->woff == s->wbundle.len && s->wbundle.len > 0) {
		core_buf_fini(&s->wbundle);
		core_buf_init(&s->wbundle);
		if (s->node->welcoming == s)
			s->node->welcoming = NULL;
	}
}

/* Tells the newcomer its request waits (for approval, or for the one
 * welcome being sent): the welcome follows on this connection. */
static int
send_pending(struct net_sess *s)
{
	struct core_buf b;
	int rc;

	s->join_wait = true;
	core_buf_init(&b);
	net_msg_simple(&b, NET_PENDING);
	rc = net_sess_send(s, &b);
	core_buf_fini(&b);
	return rc;
}

/* Responder: the newcomer is a member now; send it the welcome bundle
 * (everything, sealed to its key) in pieces, once per connection.  The
 * bundle is the whole store, so one is built at a time on this node: a
 * member asking again and again (it can read the invites) costs one
 * store's worth of memory, not one per request. */
int
net_join_welcome(struct net_sess *s)
{
	struct net_node *nn = s->node;
	size_t count = 0;
	char name[NET_NAME_LEN];
	int rc;

	if (s->welcomed)
		return 0;
	if (nn->welcoming != NULL) {
		/* another welcome is on its way: this one follows
		 * (welcome_waiting in net/node.c, each second) */
		if (s->join_wait)
			return 0;
		return send_pending(s);
	}
	core_buf_init(&s->wbundle);
	rc = store_node_bundle(nn->store, 2, s->peer, NULL, &s->wbundle,
	    &count);
	if (rc != 0) {
		core_buf_fini(&s->wbundle);
		core_buf_init(&s->wbundle);
		return rc;
	}
	s->welcomed = true;
	s->woff = 0;
	s->join_wait = false;
	s->entries_out += count;
	nn->welcoming = s;
	net_node_log(nn, "welcoming %s with %zu entries", net_sess_who(s, name), count);
	net_join_pump(s);
	return 0;
}

int
net_join_on_request(struct net_sess *s, const struct core_join_request *req)
{
	struct net_node *nn = s->node;
	struct store_ingest rep;
	char name[NET_NAME_LEN], why[NET_PROBLEM_MAX];
	uint8_t role = 0;
	int rc;

	if (s->got_request) {
		net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO, "a second join "
		    "request");
		return DG_EPROTO;
	}
	s->got_request = true;
	if (memcmp(req->pk, s->peer, 32) != 0) {
		net_sess_refuse(s, NET_ERR_JOIN, DG_EPROTO, "the join request is not "
		    "this node's own");
		return DG_EPROTO;
	}
	/* Only a coordinator can admit: a request left on a volunteer's
	 * node would wait for nobody. */
	if (store_node_member_check(nn->store, s->peer) != 0 &&
	    (store_node_member_role(nn->store, nn->pk, &role) != 0 ||
		role != CORE_ROLE_COORDINATOR)) {
		net_node_log(nn, "a newcomer at %s asked to join, but this node is "
		    "not a coordinator's", s->addr);
		net_sess_refuse(s, NET_ERR_JOIN, DG_EREFUSED, "this node "
		    "cannot admit newcomers: give a coordinator's node "
		    "address");
		return DG_EREFUSED;
	}
	memset(&rep, 0, sizeof rep);
	rc = store_node_take_request(nn->store, req, &rep);
	if (rc == DG_ESIG) {
		net_sess_refuse(s, NET_ERR_JOIN, DG_EPROTO, "the join request's "
		    "signature does not verify for this network");
		return DG_EPROTO;
	}
	if (rc != 0)
		return rc;
	if (rep.members_changed)
		net_node_changed(nn);
	if (store_node_member_check(nn->store, s->peer) == 0)
		return net_join_welcome(s);
	if (rep.requests > 0) {
		net_node_log(nn, "join request from %s waits for a coordinator's "
		    "approval ('dugnad requests')", net_sess_who(s, name));
		net_node_alert(nn, "a join request waits for approval");
		return send_pending(s);
	}
	if (rep.first_problem[0] == '\0')
		snprintf(rep.first_problem, sizeof rep.first_problem,
		    "the request could not be taken");
	net_node_warn(nn, "refused the join request from %s: %s", net_sess_who(s, name),
	    net_node_ingest_problem(&rep, why, sizeof why));
	net_sess_refuse(s, NET_ERR_JOIN, DG_EREFUSED, rep.first_problem);
	return DG_EREFUSED;
}

/* Newcomer: a piece of the welcome bundle. */
int
net_join_on_welcome(struct net_sess *s, const uint8_t *p, size_t len, bool more)
{
	struct net_node *nn = s->node;
	struct core_bundle *b = NULL;
	struct store_ingest rep;
	int rc;

	if (s->welcome.len + len > CORE_BUNDLE_FILE_MAX) {
		net_sess_refuse(s, NET_ERR_PROTOCOL, DG_EPROTO, "welcome too large");
		return DG_EPROTO;
	}
	core_buf_add(&s->welcome, p, len);
	if (s->welcome.err != 0)
		return s->welcome.err;
	if (more)
		return 0;
	rc = store_node_bundle_open(nn->store, (uint8_t *)s->welcome.data,
	    s->welcome.len, &b);
	if (rc == 0)
		rc = store_node_ingest(nn->store, b, &rep);
	core_bundle_free(b);
	core_buf_fini(&s->welcome);
	if (rc != 0 || !rep.joined) {
		snprintf(s->why_text, sizeof s->why_text, "the welcome did not "
		    "make this node a member: %.120s", rc != 0 ?
		    dg_strerror(rc) : rep.first_problem);
		net_sess_close(s, DG_EPROTO, s->why_text);
		return DG_EPROTO;
	}
	s->entries_in += rep.entries;
	if (nn->rep != NULL) {
		nn->rep->received += rep.entries;
		memcpy(nn->rep->peer, s->peer, 32);
	}
	nn->done = true;
	nn->result = 0;
	net_sess_close(s, 0, "joined");
	uv_stop(&nn->loop);
	return 0;
}
