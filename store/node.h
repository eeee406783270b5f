/* store/node.h - an unlocked node: its identity, keys and directory.
 *
 * Opening a node derives the key-encryption key from the passphrase
 * (Argon2id, paid once per open) and unwraps the storage key, which
 * encrypts everything plaintext-derived at rest: the identity's secret
 * key, content keys, network name and the record views.  Secrets live in
 * sodium_malloc memory and are wiped on close.
 */
#ifndef STORE_NODE_H
#define STORE_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/body.h"
#include "core/err.h"
#include "core/rstate.h"
#include "store/db.h"
#include "store/log.h"

struct store_node;

/* Creates a new node in dir with a fresh identity, protected by the
 * passphrase.  Returns 0, DG_EEXIST (dir already holds an identity),
 * DG_EINVAL (empty passphrase), DG_ENOMEM or a store error.  *out is
 * owned (store_node_close). */
int store_node_init(const char *dir, const char *pass, size_t plen,
    size_t map_size, struct store_node **out) DG_WUR;

/* Opens and unlocks the node in dir.  Returns 0, DG_ENOTFOUND (no
 * store), DG_ESTATE (store without identity), DG_EPASS (wrong
 * passphrase), DG_ECORRUPT, DG_EVERSION or a store error. */
int store_node_open(const char *dir, const char *pass, size_t plen,
    size_t map_size, struct store_node **out) DG_WUR;

/* Wipes the secrets and closes the store; accepts NULL. */
void store_node_close(struct store_node *n);

/* The underlying environment (borrowed until close). */
struct store_db *store_node_db(struct store_node *n);

/* This node's public key. */
void store_node_pk(const struct store_node *n, uint8_t pk[32]);

/* Copies this node's Ed25519 secret key (64 bytes) into sk, which the
 * caller keeps in sodium_malloc memory and wipes. */
void store_node_sk(const struct store_node *n, uint8_t sk[64]);

/* The network this node belongs to: its id and name (*name owned,
 * free(); may be NULL if not wanted).  Returns 0 or DG_ESTATE (no
 * network yet). */
int store_node_network(struct store_node *n, uint8_t net[32], char **name)
    DG_WUR;

/* Founds a network: writes the genesis entry (name; this node the first
 * coordinator) and the delivery of a fresh content key for epoch 1
 * sealed to this node.  Returns 0, DG_EEXIST (already in a network),
 * DG_EINVAL (empty, too long or control characters), DG_EUTF8 or a
 * store error. */
int store_node_network_create(struct store_node *n, const char *name)
    DG_WUR;

/* Appends one entry per body (kinds record, remove, erase) to this
 * node's log in one durable transaction, applying each to the views.
 * The caller has checked the bodies (core_valid_value, existing ids).
 * Returns 0, DG_ESTATE (no network) or a store error; nothing is
 * written on error. */
int store_node_append(struct store_node *n, const struct core_body *bodies,
    size_t count) DG_WUR;

/* Reads the merge state of a record (owned: core_rstate_fini).  Returns
 * 0, DG_ENOTFOUND or DG_ECORRUPT. */
int store_node_record(struct store_node *n, const uint8_t rid[CORE_RID_LEN],
    struct core_rstate *out) DG_WUR;

/* Resolves a record id or unique prefix of its text form (at least 4
 * characters).  Returns 0, DG_EINVAL (not an id), DG_ENOTFOUND or
 * DG_EAMBIG. */
int store_node_find(struct store_node *n, const char *prefix,
    uint8_t rid[CORE_RID_LEN]) DG_WUR;

/* Calls fn for every record state in id order; a non-zero return stops
 * the walk and is returned.  The state is borrowed for the call. */
typedef int (*store_record_fn)(void *ctx, const struct core_rstate *s);
int store_node_records(struct store_node *n, store_record_fn fn, void *ctx)
    DG_WUR;

/* Calls fn for each entry about record rid in (HLC, author) order, with
 * its decrypted body (NULL when dropped or unreadable). */
typedef int (*store_history_fn)(void *ctx, const struct store_entry *e,
    const struct core_body *b);
int store_node_history(struct store_node *n, const uint8_t rid[CORE_RID_LEN],
    store_history_fn fn, void *ctx) DG_WUR;

/* Drops every view and rebuilds them from the logs in one transaction. */
int store_node_reindex(struct store_node *n) DG_WUR;

/* Compacts the store file (see store_db_compact) and reopens it. */
int store_node_compact(struct store_node *n) DG_WUR;

/* Gives back memory while idle (see store_db_release). */
int store_node_release(struct store_node *n) DG_WUR;

#endif
