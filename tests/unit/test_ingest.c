/* Import through the store API, with nodes that misbehave the way the
 * CLI would never let them: a volunteer handing out a key, a revoked
 * coordinator erasing a record (store/ingest.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sodium.h>

#include "core/entry.h"
#include "store/internal.h"
#include "store/member.h"
#include "t.h"

static char base[64];

static struct store_node *
node(const char *name)
{
	struct store_node *n = NULL;
	char dir[128];

	snprintf(dir, sizeof dir, "%s/%s", base, name);
	if (store_node_init(dir, "pw", 2, 0, &n) != 0)
		return NULL;
	return n;
}

/* Carries a bundle from one node to another; mode 2 for `to`, or for the
 * members (to NULL).  Returns the ingest result. */
static int
carry(struct store_node *from, struct store_node *to, bool for_to,
    struct store_ingest *rep)
{
	struct core_bundle *b = NULL;
	struct core_buf out;
	uint8_t pk[32];
	size_t count;
	int rc;

	store_node_pk(to, pk);
	core_buf_init(&out);
	rc = store_node_bundle(from, for_to ? CORE_BUNDLE_RECIPIENT : 1,
	    for_to ? pk : NULL, NULL, &out, &count);
	if (rc == 0)
		rc = store_node_bundle_open(to, (const uint8_t *)out.data,
		    out.len, &b);
	if (rc == 0)
		rc = store_node_ingest(to, b, rep);
	core_bundle_free(b);
	core_buf_fini(&out);
	return rc;
}

/* Founder A, member V (role), joined with an approved invite. */
static int
setup(struct store_node **a, struct store_node **v, uint8_t role)
{
	struct core_invite_code code;
	struct store_ingest rep;

	*a = node("a");
	*v = node("v");
	if (*a == NULL || *v == NULL ||
	    store_node_network_create(*a, "Net") != 0 ||
	    store_node_invite(*a, role, true, 0, 1, &code) != 0 ||
	    store_node_join(*v, &code, "Vera") != 0 ||
	    carry(*v, *a, true, &rep) != 0 || rep.admitted != 1 ||
	    carry(*a, *v, true, &rep) != 0 || !rep.joined)
		return -1;
	return 0;
}

static void
teardown(struct store_node *a, struct store_node *v)
{
	char cmd[256];

	store_node_close(a);
	store_node_close(v);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'/a '%s'/v", base, base);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not clean %s\n", base);
}

/* The epoch of the newest entry of node n's own log. */
struct last {
	uint8_t pk[32];
	uint32_t epoch;
	uint8_t kind;
};

static int
last_own(void *ctx, const struct store_entry *e, int rc)
{
	struct last *l = ctx;

	if (rc == 0 && memcmp(e->hdr.author, l->pk, 32) == 0) {
		l->epoch = e->hdr.epoch;
		l->kind = e->hdr.kind;
	}
	return 0;
}

/* Writes a new contact named name on n. */
static int
add_contact(struct store_node *n, char *name)
{
	struct core_body b;
	struct core_field f = { "name", name };

	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_RECORD;
	b.rtype = CORE_RT_CONTACT;
	randombytes_buf(b.rid, sizeof b.rid);
	b.set = &f;
	b.nset = 1;
	return store_node_append(n, &b, 1);
}

static void
test_volunteer_cannot_plant_a_key(void)
{
	struct store_node *a, *v;
	struct store_ingest rep;
	struct core_body b;
	struct core_sealed to;
	uint8_t apk[32], secret[64];
	struct last l;

	T_EQ_INT(setup(&a, &v, CORE_ROLE_VOLUNTEER), 0);
	store_node_pk(a, apk);
	/* V writes a key delivery for A with a made-up epoch 1000. */
	randombytes_buf(secret, sizeof secret);
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_KEYS;
	b.epoch = 1000;
	store_node_pk(v, b.pk);
	b.nto = 1;
	b.to = &to;
	T_EQ_INT(store_seal_to(apk, secret, &to), 0);
	T_EQ_INT(store_node_append(v, &b, 1), 0);
	T_EQ_INT(carry(v, a, false, &rep), 0);
	T_EQ_INT(rep.entries, 1);
	/* A's next entry is not written with V's key. */
	T_EQ_INT(add_contact(a, "Amina"), 0);
	memcpy(l.pk, apk, 32);
	l.epoch = 0;
	T_EQ_INT(store_log_walk(store_node_db(a), last_own, &l), 0);
	T_EQ_INT(l.kind, CORE_KIND_RECORD);
	T_EQ_INT(l.epoch, 1);
	teardown(a, v);
}

static int
count_live(void *ctx, const struct core_rstate *s)
{
	size_t *n = ctx;

	*n += !s->erased && !s->removed && s->type != 0;
	return 0;
}

static void
test_revoked_coordinator_cannot_erase(void)
{
	struct store_node *a, *v;
	struct store_ingest rep;
	struct core_body b;
	struct core_field f = { "name", "Amina" };
	uint8_t vpk[32];
	size_t live = 0;

	T_EQ_INT(setup(&a, &v, CORE_ROLE_COORDINATOR), 0);
	/* A record both hold. */
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_RECORD;
	b.rtype = CORE_RT_CONTACT;
	randombytes_buf(b.rid, sizeof b.rid);
	b.set = &f;
	b.nset = 1;
	T_EQ_INT(store_node_append(a, &b, 1), 0);
	T_EQ_INT(carry(a, v, true, &rep), 0);
	/* A revokes V; V, not knowing, erases the record. */
	store_node_pk(v, vpk);
	T_EQ_INT(store_node_revoke(a, vpk, "test"), 0);
	b.kind = CORE_KIND_ERASE;
	b.set = NULL;
	b.nset = 0;
	T_EQ_INT(store_node_append(v, &b, 1), 0);
	T_EQ_INT(carry(v, a, true, &rep), 0);
	T_ASSERT(rep.uncounted >= 1);
	/* Kept as evidence, but the record is still there on A, also
	 * after the views are rebuilt. */
	T_EQ_INT(store_node_records(a, count_live, &live), 0);
	T_EQ_INT(live, 1);
	T_EQ_INT(store_node_reindex(a), 0);
	live = 0;
	T_EQ_INT(store_node_records(a, count_live, &live), 0);
	T_EQ_INT(live, 1);
	teardown(a, v);
}

/* The members an ingest computed are kept for the next ingest, but only
 * when no other write came between: a revocation written in between is
 * seen by the next ingest. */
static void
test_members_kept_between_ingests(void)
{
	struct store_node *a, *v;
	struct store_ingest rep;
	uint8_t vpk[32];
	size_t live = 0;
	pid_t pid;
	int status;

	T_EQ_INT(setup(&a, &v, CORE_ROLE_VOLUNTEER), 0);
	T_EQ_INT(add_contact(v, "Amina"), 0);
	T_EQ_INT(carry(v, a, true, &rep), 0);
	T_EQ_INT(rep.entries, 1);
	T_ASSERT(a->mcache != NULL);
	/* the next ingest, right after: from the kept list */
	T_EQ_INT(add_contact(v, "Bashir"), 0);
	T_EQ_INT(carry(v, a, true, &rep), 0);
	T_EQ_INT(rep.entries, 1);
	T_EQ_INT(store_node_records(a, count_live, &live), 0);
	T_EQ_INT(live, 2);
	T_ASSERT(a->mcache != NULL);
	/* Another process on A's store revokes V (a write between two
	 * ingests, and no key this process sees); V, not knowing, writes
	 * again: the entry is refused, not counted. */
	store_node_pk(v, vpk);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		struct store_node *a2 = NULL;
		char dir[128];

		snprintf(dir, sizeof dir, "%s/a", base);
		_exit(store_node_open(dir, "pw", 2, 0, &a2) != 0 ||
			    store_node_revoke(a2, vpk, "test") != 0 ?
			1 :
			0);
	}
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	T_EQ_INT(add_contact(v, "Chidi"), 0);
	T_EQ_INT(carry(v, a, true, &rep), 0);
	T_EQ_INT(rep.entries, 0);
	T_ASSERT(rep.refused >= 1);
	live = 0;
	T_EQ_INT(store_node_records(a, count_live, &live), 0);
	T_EQ_INT(live, 2);
	teardown(a, v);
}

/* Admits a fresh node `name` to a's network with an approved invite of
 * role, and brings it up to date. */
static struct store_node *
join(struct store_node *a, const char *name, uint8_t role)
{
	struct core_invite_code code;
	struct store_ingest rep;
	struct store_node *x = node(name);

	if (x == NULL || store_node_invite(a, role, true, 0, 1, &code) != 0 ||
	    store_node_join(x, &code, name) != 0 ||
	    carry(x, a, true, &rep) != 0 || rep.admitted != 1 ||
	    carry(a, x, true, &rep) != 0 || !rep.joined) {
		store_node_close(x);
		return NULL;
	}
	return x;
}

/* Two coordinators revoke two volunteers at the same time: each new key
 * reaches the other's revoked volunteer.  Once the two logs meet, a
 * coordinator rotates again, and nobody revoked holds the key written
 * with. */
static void
test_concurrent_rotations_heal(void)
{
	struct store_node *a, *c, *v1, *v2;
	struct store_ingest rep;
	struct core_body b;
	struct core_field f = { "name", "Amina" };
	uint8_t pk1[32], pk2[32], apk[32];
	struct last l;
	char cmd[400];

	a = node("a");
	T_ASSERT(a != NULL);
	T_EQ_INT(store_node_network_create(a, "Net"), 0);
	c = join(a, "c", CORE_ROLE_COORDINATOR);
	v1 = join(a, "v1", CORE_ROLE_VOLUNTEER);
	v2 = join(a, "v2", CORE_ROLE_VOLUNTEER);
	T_ASSERT(c != NULL && v1 != NULL && v2 != NULL);
	T_EQ_INT(carry(a, c, true, &rep), 0); /* c knows everyone */
	store_node_pk(v1, pk1);
	store_node_pk(v2, pk2);
	T_EQ_INT(store_node_revoke(a, pk1, "one"), 0);
	T_EQ_INT(store_node_revoke(c, pk2, "two"), 0);
	T_EQ_INT(carry(c, a, true, &rep), 0);
	/* a holds epoch 2 twice; one of them reached a revoked volunteer,
	 * so a made epoch 3 for a and c only. */
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_RECORD;
	b.rtype = CORE_RT_CONTACT;
	randombytes_buf(b.rid, sizeof b.rid);
	b.set = &f;
	b.nset = 1;
	T_EQ_INT(store_node_append(a, &b, 1), 0);
	store_node_pk(a, apk);
	memcpy(l.pk, apk, 32);
	l.epoch = 0;
	T_EQ_INT(store_log_walk(store_node_db(a), last_own, &l), 0);
	T_EQ_INT(l.kind, CORE_KIND_RECORD);
	T_EQ_INT(l.epoch, 3);
	/* c takes epoch 3 from a and writes with it too. */
	T_EQ_INT(carry(a, c, true, &rep), 0);
	T_EQ_INT(store_node_append(c, &b, 1), 0);
	store_node_pk(c, l.pk);
	T_EQ_INT(store_log_walk(store_node_db(c), last_own, &l), 0);
	T_EQ_INT(l.epoch, 3);
	store_node_close(c);
	store_node_close(v1);
	store_node_close(v2);
	store_node_close(a);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'/a '%s'/c '%s'/v1 '%s'/v2", base,
	    base, base, base);
	T_ASSERT(system(cmd) == 0);
}

/* The epoch of n's newest own record, after writing one. */
static uint32_t
write_epoch(struct store_node *n)
{
	struct last l;

	if (add_contact(n, "Amina") != 0)
		return 0;
	store_node_pk(n, l.pk);
	l.epoch = 0;
	if (store_log_walk(store_node_db(n), last_own, &l) != 0)
		return 0;
	return l.epoch;
}

/* A coordinator hands a volunteer a key with a high epoch, then is
 * revoked: the volunteer must not go on writing with that key. */
static void
test_revoked_creators_key_not_used(void)
{
	struct store_node *a, *c, *v;
	struct store_ingest rep;
	struct core_body b;
	struct core_sealed to[2];
	uint8_t cpk[32], vpk[32], secret[64];
	char cmd[400];

	a = node("a");
	T_ASSERT(a != NULL);
	T_EQ_INT(store_node_network_create(a, "Net"), 0);
	c = join(a, "c", CORE_ROLE_COORDINATOR);
	v = join(a, "v", CORE_ROLE_VOLUNTEER);
	T_ASSERT(c != NULL && v != NULL);
	T_EQ_INT(carry(a, c, true, &rep), 0);
	store_node_pk(c, cpk);
	store_node_pk(v, vpk);
	randombytes_buf(secret, sizeof secret);
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_KEYS;
	b.epoch = 7;
	memcpy(b.pk, cpk, 32);
	b.nto = 2;
	b.to = to;
	T_EQ_INT(store_seal_to(vpk, secret, &to[0]), 0);
	T_EQ_INT(store_seal_to(cpk, secret, &to[1]), 0);
	T_EQ_INT(store_node_append(c, &b, 1), 0);
	T_EQ_INT(carry(c, v, true, &rep), 0);
	T_EQ_INT(write_epoch(v), 7); /* c is a coordinator: fine so far */
	T_EQ_INT(carry(c, a, true, &rep), 0);
	T_EQ_INT(store_node_revoke(a, cpk, "gone"), 0);
	T_EQ_INT(carry(a, v, true, &rep), 0);
	/* v now writes with a's new key, not with c's epoch 7 */
	T_ASSERT(write_epoch(v) != 7);
	store_node_close(a);
	store_node_close(c);
	store_node_close(v);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'/a '%s'/c '%s'/v", base, base,
	    base);
	T_ASSERT(system(cmd) == 0);
}

/* A volunteer's keys entry naming a revoked member as a recipient of
 * the newest key does not make coordinators rotate. */
static void
test_forged_recipients_do_not_rotate(void)
{
	struct store_node *a, *v, *w;
	struct store_ingest rep;
	struct core_body b;
	struct core_sealed to;
	uint8_t apk[32], wpk[32];
	uint32_t before;
	char cmd[400];

	a = node("a");
	T_ASSERT(a != NULL);
	T_EQ_INT(store_node_network_create(a, "Net"), 0);
	v = join(a, "v", CORE_ROLE_VOLUNTEER);
	w = join(a, "w", CORE_ROLE_VOLUNTEER);
	T_ASSERT(v != NULL && w != NULL);
	store_node_pk(a, apk);
	store_node_pk(w, wpk);
	T_EQ_INT(store_node_revoke(a, wpk, "gone"), 0);
	T_EQ_INT(carry(a, v, true, &rep), 0);
	before = write_epoch(a);
	T_EQ_INT(before, 2);
	memset(&b, 0, sizeof b);
	b.kind = CORE_KIND_KEYS;
	b.epoch = before;
	memcpy(b.pk, apk, 32);
	b.nto = 1;
	b.to = &to;
	memcpy(to.pk, wpk, 32);
	randombytes_buf(to.box, sizeof to.box);
	T_EQ_INT(store_node_append(v, &b, 1), 0);
	T_EQ_INT(carry(v, a, true, &rep), 0);
	T_EQ_INT(write_epoch(a), before);
	store_node_close(a);
	store_node_close(v);
	store_node_close(w);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'/a '%s'/v '%s'/w", base, base,
	    base);
	T_ASSERT(system(cmd) == 0);
}

static void
setup_base(void)
{
	strcpy(base, "/tmp/dugnad-ingest.XXXXXX");
	if (mkdtemp(base) == NULL)
		abort();
}

static void
test_setup(void)
{
	setup_base();
	T_ASSERT(base[0] != '\0');
}

static void
test_cleanup(void)
{
	T_ASSERT(rmdir(base) == 0);
}

T_MAIN(T_CASE(test_setup), T_CASE(test_volunteer_cannot_plant_a_key),
    T_CASE(test_revoked_coordinator_cannot_erase),
    T_CASE(test_concurrent_rotations_heal),
    T_CASE(test_revoked_creators_key_not_used),
    T_CASE(test_forged_recipients_do_not_rotate),
    T_CASE(test_members_kept_between_ingests), T_CASE(test_cleanup))
