/* store/repl.h - what replication over the network needs from the store:
 * a digest and the heads of every log, runs of entries to send, the
 * handshake keys, and whether a node may be talked to.
 *
 * Taking entries in goes through store_node_ingest (store/member.h), the
 * same verification as for bundles.  doc/protocol.md §23.2 (the
 * handshake keys) and §23.5.1 (the digest) give the bytes.
 */
#ifndef STORE_REPL_H
#define STORE_REPL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/log.h"
#include "store/member.h"
#include "store/node.h"

#define STORE_HEAD_REC 72 /* author 32 || seq 8 (big endian) || hash 32 */

/* Re-reads what another process may have changed: the network and the
 * keyring.  Returns 0 or a store error. */
int store_node_refresh(struct store_node *n) DG_WUR;

/* The digest of every log held: BLAKE2b-256 keyed "dugnad heads" over
 * the head records (STORE_HEAD_REC bytes each) in author order; two
 * nodes holding the same entries have the same digest.  *heads receives
 * the number of authors and *entries the number of entries (the sum of
 * the heads' sequence numbers); either may be NULL. */
int store_node_digest(struct store_node *n, uint8_t digest[32],
    uint64_t *heads, uint64_t *entries) DG_WUR;

/* Every head as STORE_HEAD_REC-byte records in author order.  *recs is
 * owned (free()); *count may be 0 with *recs NULL. */
int store_node_heads(struct store_node *n, uint8_t **recs, size_t *count)
    DG_WUR;

/* The sequence number of author's last entry held (0: none). */
int store_node_head(struct store_node *n, const uint8_t author[32],
    uint64_t *seq) DG_WUR;

/* Calls fn for the entries of author from sequence number from on, in
 * order, stopping after max_n entries, after the entry that brings the
 * bytes (header + signature + body) to max_bytes or more, at the head,
 * or when fn returns non-zero (1: stop without error).  The entry is
 * borrowed for the call. */
int store_node_run(struct store_node *n, const uint8_t author[32],
    uint64_t from, size_t max_n, size_t max_bytes, store_log_fn fn,
    void *ctx) DG_WUR;

/* The handshake keys of the network (BLAKE2b-256 keyed "dugnad
 * handshake psk" of each network key held), newest epoch first, at most
 * cap.  Returns the count (0: no network or no key). */
size_t store_node_psks(struct store_node *n, uint8_t (*psk)[32], size_t cap);

/* Handshake keys for newcomers joining over the network: BLAKE2b-256
 * keyed "dugnad join psk" of the invite id, one per invite that may still
 * admit or was used up (its newcomer may still wait for its welcome),
 * at most cap.  Returns the count. */
size_t store_node_join_psks(struct store_node *n, uint8_t (*psk)[32],
    size_t cap);

/* This node's pending join: the handshake key of its invite and its
 * signed join request (*req).  Returns 0, DG_ENOTFOUND (no pending join)
 * or a store error. */
int store_node_join_hello(struct store_node *n, uint8_t psk[32],
    struct core_join_request *req) DG_WUR;

/* Takes in a newcomer's join request received over the network (its
 * signature is checked against this network's tag): stores it for a
 * coordinator or, with an approved invite on a coordinator's node,
 * admits it at once.  Returns 0 with the report, or the errors of
 * store_node_ingest. */
int store_node_take_request(struct store_node *n,
    const struct core_join_request *req, struct store_ingest *rep) DG_WUR;

/* Whether pk may replicate with this node: 0 when it is an active
 * member, DG_EPERM when it was revoked, DG_ENOTFOUND when it is not a
 * member, or a store error. */
int store_node_member_check(struct store_node *n, const uint8_t pk[32])
    DG_WUR;

/* As store_node_member_check; on 0 *role receives the member's role
 * (enum core_role). */
int store_node_member_role(struct store_node *n, const uint8_t pk[32],
    uint8_t *role) DG_WUR;

#endif
