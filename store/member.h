/* store/member.h - membership in the store: the member list computed from
 * the log, invites, join requests, admissions and revocations.
 *
 * The rules are core/member.h's; this file reads the membership entries
 * out of the log (DBI_MINDEX), writes new ones, and keeps the local state
 * that is not in the log: join requests waiting for a coordinator, and
 * this node's own pending join.
 */
#ifndef STORE_MEMBER_H
#define STORE_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bundle.h"
#include "core/err.h"
#include "core/invite.h"
#include "core/member.h"
#include "store/node.h"

/* The member list with the strings it borrows. */
struct store_members {
	struct core_members list;
	struct core_mop *ops;
	size_t nops;
	char **strings; /* owned: names and the founder's name */
	size_t nstrings;
};

/* Loads the members.  Returns 0, DG_ESTATE (no network) or an error;
 * out is owned (store_members_fini). */
int store_node_members(struct store_node *n, struct store_members *out)
    DG_WUR;
void store_members_fini(struct store_members *m);

/* An invite of this network as the log shows it. */
struct store_invite {
	uint8_t id[32];
	uint8_t author[32];
	uint8_t role;
	bool approved;
	uint64_t expires; /* Unix seconds, 0 = never */
	uint64_t uses;    /* allowed */
	uint64_t used;    /* admissions that named it */
	bool cancelled;
	uint64_t hlc;
};

/* Writes an invite entry (this node must be an active coordinator) and
 * returns its code.  expires: Unix seconds or 0.  Returns 0, DG_EPERM
 * or a store error. */
int store_node_invite(struct store_node *n, uint8_t role, bool approved,
    uint64_t expires, uint64_t uses, struct core_invite_code *code) DG_WUR;

/* Cancels the invite of a code (this node must be an active
 * coordinator): its holder can no longer join with it.  Returns 0,
 * DG_EPERM, DG_ENOTFOUND (no such invite) or a store error. */
int store_node_uninvite(struct store_node *n,
    const struct core_invite_code *code) DG_WUR;

/* Checks an invite by id at time now: 0 when it may still admit,
 * DG_ENOTFOUND (no such invite), DG_EPERM (cancelled, or its author is
 * no longer a coordinator), DG_ESTATE (expired) or DG_ELIMIT (used up). */
int store_node_invite_check(struct store_node *n, const uint8_t id[32],
    uint64_t now, struct store_invite *out) DG_WUR;

/* Admits pk with role and display name (this node must be an active
 * coordinator), and delivers it the keys of every epoch this node holds.
 * invite: the invite id it came with, or NULL.  Returns 0, DG_EPERM
 * (not a coordinator), DG_ESTATE (pk was revoked: a revoked key never
 * comes back), DG_EEXIST (already a member with that role) or a store
 * error. */
int store_node_admit(struct store_node *n, const uint8_t pk[32], uint8_t role,
    const char *name, const uint8_t *invite) DG_WUR;

/* Revokes pk: a revoke entry cutting its log off after the last entry
 * this node holds, then a new epoch whose keys go to every remaining
 * active member.  Returns 0, DG_EPERM, DG_ENOTFOUND (not an active
 * member) or a store error. */
int store_node_revoke(struct store_node *n, const uint8_t pk[32],
    const char *reason) DG_WUR;

#define STORE_REQUESTS_MAX 256 /* join requests waiting on one node */

/* A join request waiting for a coordinator (local to this node). */
struct store_request {
	struct core_join_request req;
	uint8_t invite[32];
	uint64_t received; /* Unix seconds */
};

typedef int (*store_request_fn)(void *ctx, const struct store_request *r);

/* Walks the waiting requests. */
int store_node_requests(struct store_node *n, store_request_fn fn, void *ctx)
    DG_WUR;
/* Finds a waiting request by node id prefix (text form).  Returns 0,
 * DG_ENOTFOUND or DG_EAMBIG. */
int store_node_request_find(struct store_node *n, const char *prefix,
    struct store_request *out) DG_WUR;
/* Forgets a waiting request (deny, or after approval). */
int store_node_request_drop(struct store_node *n, const uint8_t pk[32]) DG_WUR;

/* This node's own join: records the code and the display name until the
 * welcome bundle arrives.  Returns 0, DG_EEXIST (already in a network)
 * or a store error. */
int store_node_join(struct store_node *n, const struct core_invite_code *code,
    const char *name) DG_WUR;
/* The pending join, if any: DG_ENOTFOUND when none. */
int store_node_join_pending(struct store_node *n,
    struct core_invite_code *code, char name[CORE_JOIN_NAME_MAX + 1]) DG_WUR;

/* Calls fn for each fork this node has proof of: the author and the
 * sequence number where its log splits. */
typedef int (*store_fork_fn)(void *ctx, const uint8_t author[32],
    uint64_t seq);
int store_node_forks(struct store_node *n, store_fork_fn fn, void *ctx)
    DG_WUR;

/* What an import did. */
struct store_ingest {
	size_t entries;      /* new entries stored */
	size_t known;        /* already held */
	size_t refused;      /* refused entries (unknown or revoked author,
			      * broken chain, bad signature, past a fork) */
	size_t forks;        /* forks found */
	size_t forks_new;    /* of which no proof was kept before */
	size_t requests;     /* join requests waiting for approval */
	size_t admitted;     /* join requests admitted at once (--approved) */
	size_t uncounted;    /* kept, but written after the author's
			      * revocation: they count for nothing */
	size_t bad;          /* of the refused: forged or broken (bad
			      * signature, broken chain, damaged header,
			      * body not matching its hash, other network) */
	size_t gaps;         /* batches refused because they start past
			      * the author's head (earlier entries missing) */
	bool members_changed; /* the member list or the keys changed */
	bool joined;         /* this node joined the network */
	bool unvouched;      /* joined by a bundle made for this node, with
			      * no invite code to check the network against */
	char first_problem[200]; /* the first refusal, in English (for
				  * peers; net_node_ingest_problem translates) */
	const char *first_what;  /* its reason: a static English text
				  * marked for translation; NULL: none */
	uint8_t first_author[32]; /* by whom */
	uint64_t first_seq;      /* which entry (0: not an entry) */
};

/* Verifies and ingests a decrypted bundle in one transaction: batches of
 * members' entries (hash chain plus the last entry's signature), key
 * deliveries addressed to this node, and join requests.  Nothing is
 * taken from a batch past the point where it goes wrong.  Returns 0 or
 * DG_ESTATE (no network and no pending join matching the bundle),
 * DG_EPERM (bundle of another network) or a store error (nothing kept). */
int store_node_ingest(struct store_node *n, const struct core_bundle *b,
    struct store_ingest *rep) DG_WUR;

/* Writes a bundle of everything this node holds (or what peer is known
 * to lack, when peer is not NULL: it holds what it sent this node and
 * what earlier bundles made for it carried) into out.  mode 1: a mode 2
 * file for every active member (DG_ELIMIT when there are more than
 * CORE_BUNDLE_RECIPIENTS_MAX);
 * mode 2: for the key `to` alone (a member or a newcomer).
 * A node with a pending join and no network writes its join request
 * (mode 3) instead.  *count receives the number of entries written. */
int store_node_bundle(struct store_node *n, int mode, const uint8_t *to,
    const uint8_t *peer, struct core_buf *out, size_t *count) DG_WUR;

/* The keys to open a bundle file: fills key for the file's mode (mode 1:
 * the network key whose id the file names; mode 2: opens the sealed file
 * key; mode 3: tries the request key of each invite of this network
 * until one opens the file, then *out is the decrypted bundle).  Returns
 * 0 with *out set, DG_ENOTFOUND (no key of this node opens it: another
 * network, or not for this node), or the errors of core_bundle_read. */
int store_node_bundle_open(struct store_node *n, const uint8_t *data,
    size_t len, struct core_bundle **out) DG_WUR;

#endif
