/* Invites in the store: expiry, uses, cancellation, and coordinators
 * only (store/member.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/invite.h"
#include "store/member.h"
#include "store/repl.h"
#include "t.h"

static char dir[64];

static struct store_node *
fresh(void)
{
	struct store_node *n = NULL;

	strcpy(dir, "/tmp/dugnad-inv.XXXXXX");
	if (mkdtemp(dir) == NULL || store_node_init(dir, "pw", 2, 0, &n) != 0 ||
	    store_node_network_create(n, "Test") != 0)
		return NULL;
	return n;
}

static void
cleanup(struct store_node *n)
{
	char cmd[128];

	store_node_close(n);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
}

static void
test_expired_used_cancelled(void)
{
	struct store_node *n = fresh();
	struct core_invite_code code, other;
	struct store_invite inv;
	uint8_t id[32], pk[32], sk[64];
	uint64_t now = (uint64_t)time(NULL);

	T_ASSERT(n != NULL);
	/* expired: made to end a minute ago */
	T_EQ_INT(store_node_invite(n, CORE_ROLE_VOLUNTEER, false, now - 60, 1,
		     &code), 0);
	core_invite_id(code.secret, id);
	T_EQ_INT(store_node_invite_check(n, id, now, &inv), DG_ESTATE);
	T_EQ_INT(store_node_invite_check(n, id, now - 120, &inv), 0);
	/* used up: one use, one admission naming it */
	T_EQ_INT(store_node_invite(n, CORE_ROLE_COORDINATOR, true, 0, 1, &code),
	    0);
	core_invite_id(code.secret, id);
	T_EQ_INT(store_node_invite_check(n, id, now, &inv), 0);
	T_EQ_INT(inv.role, CORE_ROLE_COORDINATOR);
	T_ASSERT(inv.approved);
	crypto_sign_keypair(pk, sk);
	T_EQ_INT(store_node_admit(n, pk, CORE_ROLE_VOLUNTEER, "Amina", id), 0);
	T_EQ_INT(store_node_invite_check(n, id, now, &inv), DG_ELIMIT);
	T_EQ_INT(inv.used, 1);
	/* cancelled */
	T_EQ_INT(store_node_invite(n, CORE_ROLE_VOLUNTEER, false, 0, 5, &code),
	    0);
	core_invite_id(code.secret, id);
	T_EQ_INT(store_node_uninvite(n, &code), 0);
	T_EQ_INT(store_node_invite_check(n, id, now, &inv), DG_EPERM);
	/* unknown */
	memset(&other, 0x11, sizeof other);
	core_invite_id(other.secret, id);
	T_EQ_INT(store_node_invite_check(n, id, now, &inv), DG_ENOTFOUND);
	T_EQ_INT(store_node_uninvite(n, &other), DG_ENOTFOUND);
	/* a revoked key never comes back */
	T_EQ_INT(store_node_revoke(n, pk, "test"), 0);
	T_EQ_INT(store_node_admit(n, pk, CORE_ROLE_VOLUNTEER, "Amina", NULL),
	    DG_ESTATE);
	cleanup(n);
}

/* Anyone with a code can make new keys: the waiting list is bounded,
 * and a full list refuses the newcomer with a reason, storing nothing. */
static void
test_requests_bounded(void)
{
	struct store_node *n = fresh();
	struct core_invite_code code;
	struct core_join_request r;
	struct store_ingest rep;
	uint8_t tag[8], net[32], sk[64];
	size_t i;

	T_ASSERT(n != NULL);
	T_EQ_INT(store_node_invite(n, CORE_ROLE_VOLUNTEER, false, 0, 1, &code),
	    0);
	T_EQ_INT(store_node_network(n, net, NULL), 0);
	core_invite_net_tag(net, tag);
	for (i = 0; i <= STORE_REQUESTS_MAX; i++) {
		memset(&r, 0, sizeof r);
		crypto_sign_keypair(r.pk, sk);
		snprintf(r.name, sizeof r.name, "Newcomer %zu", i);
		memcpy(r.secret, code.secret, sizeof r.secret);
		r.time = (uint64_t)time(NULL);
		core_join_sign(&r, tag, sk);
		T_EQ_INT(store_node_take_request(n, &r, &rep), 0);
		if (i < STORE_REQUESTS_MAX) {
			T_EQ_INT(rep.requests, 1);
		} else {
			T_EQ_INT(rep.requests, 0);
			T_ASSERT(strstr(rep.first_problem, "too many join "
			    "requests") != NULL);
		}
	}
	cleanup(n);
}

T_MAIN(T_CASE(test_requests_bounded), T_CASE(test_expired_used_cancelled))
