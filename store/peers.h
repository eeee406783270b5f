/* store/peers.h - the address book of static peers: the HOST:PORT
 * addresses `dugnad peer add` names, which the node dials.
 *
 * Kept in the local state (never sent to anyone), one value per address
 * under a key made from a keyed hash of its canonical text, and sealed
 * like every local value: the file shows neither the addresses nor how
 * they relate to other peers, only how many there are.  doc/storage.md
 * §3.7 gives the layout.
 */
#ifndef STORE_PEERS_H
#define STORE_PEERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"
#include "store/node.h"

#define STORE_PEERS_MAX 256 /* addresses in the book */

/* One address of the book.  Times are Unix seconds, 0 = never. */
struct store_peer {
	char addr[CORE_ADDR_TEXT_MAX + 1]; /* canonical HOST:PORT */
	uint64_t added;
	uint64_t last_sync; /* last successful sync */
	uint64_t last_fail; /* last failure */
	uint32_t fails;     /* failures since the last success */
	bool has_node;      /* node holds the id met there */
	uint8_t node[32];   /* node id (Ed25519 public key) last met there */
};

/* Adds addr (HOST:PORT, see core_addr_parse; stored in canonical form)
 * to the book, added now.  addr is borrowed for the call.  Returns 0,
 * DG_EINVAL (not an address), DG_EEXIST (already in the book, in any
 * spelling), DG_ELIMIT (the book holds STORE_PEERS_MAX) or a store
 * error; nothing is written on error. */
int store_node_peer_add(struct store_node *n, const char *addr) DG_WUR;

/* Removes addr (any spelling of it) from the book.  Returns 0,
 * DG_EINVAL (not an address), DG_ENOTFOUND (not in the book) or a store
 * error. */
int store_node_peer_remove(struct store_node *n, const char *addr) DG_WUR;

/* Called for each address of the book; p is borrowed for the call.  A
 * non-zero return stops the walk and is returned. */
typedef int (*store_peer_fn)(void *ctx, const struct store_peer *p);

/* Calls fn for every address of the book in order of the address text.
 * The book is read first and fn runs outside any transaction, so it may
 * call other store functions.  Returns 0, what fn returned, DG_ENOMEM,
 * DG_ECORRUPT (a value that does not open or parse) or a store error. */
int store_node_peers(struct store_node *n, store_peer_fn fn, void *ctx)
    DG_WUR;

/* Records the outcome of a sync with addr at time now (Unix seconds).
 * ok: last_sync = now, fails = 0, and the node id met there is kept when
 * node (32 bytes, borrowed) is not NULL.  Not ok: fails + 1 and
 * last_fail = now (node ignored).  Returns 0, DG_EINVAL (not an
 * address), DG_ENOTFOUND (not in the book: nothing is written) or a
 * store error. */
int store_node_peer_result(struct store_node *n, const char *addr,
    const uint8_t *node, bool ok, uint64_t now) DG_WUR;

#endif
