/* core/member.h - who is in the network, computed from the log.
 *
 * Membership is a pure function of the set of membership entries
 * (genesis, admit, revoke), so every node computes the same member list
 * whatever order the entries arrived in (doc/protocol.md, "Membership"):
 *
 * 1. The founder (the author of the genesis entry that defines the
 *    network id) is the first coordinator.
 * 2. The operations are applied in the order of (HLC, author, sequence
 *    number).  An admit or revoke counts only if its author is an
 *    active coordinator at that point.
 * 3. admit makes its subject an active member with the given role, or
 *    changes the role of an active member; a revoked key is never
 *    admitted again (a returning person makes a new identity).
 * 4. revoke ends an active member's membership; its "upto" is the last
 *    sequence number of the member's log that is still accepted (for a
 *    coordinator revoking itself, at least the revocation's own).
 * 5. Operations a member wrote past its cut-off count for nothing, even
 *    those that sort before the revocation (written concurrently with
 *    it): when a revocation finds such operations already counted, they
 *    are voided and the computation starts again.  An operation that is
 *    voided voids nothing itself: what it had voided counts again.
 * 6. A revocation whose voiding takes away its own author's authority
 *    (it cuts off the admission that made its author a coordinator)
 *    counts for nothing.
 *
 * So when two coordinators revoke each other concurrently, the earlier
 * revocation wins and voids the other; an admission made concurrently
 * with its author's revocation counts only if the revoker had seen it
 * (upto covers it); in a chain of revocations each counts unless an
 * earlier-counting one cuts it off.  Ties in the order (a fork: two
 * operations at one author and sequence number) are broken by content.
 * The computation repeats at most 4n + 16 times; a set the rules do not
 * settle by then (none is known) gets the last pass, frozen.
 */
#ifndef CORE_MEMBER_H
#define CORE_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum core_mstatus {
	CORE_MEMBER_ACTIVE = 1,
	CORE_MEMBER_REVOKED = 2,
};

/* One membership operation, as read from a log entry (borrowed strings). */
struct core_mop {
	uint8_t kind;        /* CORE_KIND_ADMIT or CORE_KIND_REVOKE */
	uint8_t author[32];
	uint64_t seq;
	uint64_t hlc;
	uint8_t subject[32]; /* admitted or revoked key */
	uint8_t role;        /* admit: enum core_role */
	uint64_t upto;       /* revoke */
	const char *name;    /* admit: display name */
	bool has_invite;     /* admit: admitted with an invite */
	uint8_t invite[32];
};

struct core_member {
	uint8_t pk[32];
	uint8_t role;        /* enum core_role */
	uint8_t status;      /* enum core_mstatus */
	uint8_t by[32];      /* who admitted it (the founder: itself) */
	uint64_t since;      /* HLC of the admission (founder: genesis) */
	uint64_t upto;       /* revoked: last accepted sequence number */
	uint8_t revoked_by[32];
	uint64_t revoked_at; /* HLC of the revocation */
	const char *name;    /* borrowed from the operations; may be NULL */
	bool has_invite;
	uint8_t invite[32];
};

struct core_members {
	size_t n;
	struct core_member *m; /* owned, sorted by pk */
};

/* Computes the members from the founder (and the genesis HLC) and the
 * operations ops[0..n) in any order.  out is owned (core_members_fini);
 * its names borrow from ops.  Returns 0 or DG_ENOMEM. */
int core_members_compute(const uint8_t founder[32], uint64_t genesis_hlc,
    const char *founder_name, const struct core_mop *ops, size_t n,
    struct core_members *out) DG_WUR;

/* Frees the list; accepts NULL. */
void core_members_fini(struct core_members *m);

/* The member with key pk, or NULL. */
const struct core_member *core_members_find(const struct core_members *m,
    const uint8_t pk[32]);

/* True if an entry of author at seq is accepted: the author is a member,
 * and if revoked the entry is not past its cut-off. */
bool core_members_accepts(const struct core_members *m,
    const uint8_t author[32], uint64_t seq);

/* True if pk is an active coordinator. */
bool core_members_is_coordinator(const struct core_members *m,
    const uint8_t pk[32]);

#endif
