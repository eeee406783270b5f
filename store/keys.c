/* store/keys.c - the keyring: every epoch's content key and network key
 * this node holds, sealed at rest under the storage key, and in memory
 * (sodium_malloc) while the node is open. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/entry.h"
#include "core/member.h"
#include "store/internal.h"

#define KEY_ID_LEN (4 + 32)

static void
key_id(uint8_t id[KEY_ID_LEN], uint32_t epoch, const uint8_t creator[32])
{
	id[0] = (uint8_t)(epoch >> 24);
	id[1] = (uint8_t)(epoch >> 16);
	id[2] = (uint8_t)(epoch >> 8);
	id[3] = (uint8_t)epoch;
	memcpy(id + 4, creator, 32);
}

/* Newest key: the highest epoch, then the greatest creator, so every
 * node holding the same keys writes with the same one. */
static bool
newer(const struct store_epoch *a, const struct store_epoch *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch;
	return memcmp(a->creator, b->creator, 32) > 0;
}

static int
remember(struct store_node *n, uint32_t epoch, const uint8_t creator[32],
    const uint8_t secret[64])
{
	size_t i;

	for (i = 0; i < n->nkeys; i++) {
		if (n->keys[i].epoch == epoch &&
		    memcmp(n->keys[i].creator, creator, 32) == 0)
			return 0;
	}
	/* Never drop a key silently: a dropped newest key would leave the
	 * node writing with an older one. */
	if (n->nkeys == STORE_EPOCHS_MAX)
		return DG_ELIMIT;
	i = n->nkeys++;
	n->keys[i].epoch = epoch;
	memcpy(n->keys[i].creator, creator, 32);
	memcpy(n->keysec + i * 64, secret, 64);
	if (i == 0 || newer(&n->keys[i], &n->keys[n->cur]))
		n->cur = i;
	return 0;
}

void
store_keys_choose(struct store_node *n, const struct core_members *m)
{
	size_t i, best = SIZE_MAX;

	/* A key made by someone revoked since is known to a revoked member:
	 * only keys made by active coordinators are written with. */
	for (i = 0; i < n->nkeys; i++) {
		if (m != NULL &&
		    !core_members_is_coordinator(m, n->keys[i].creator))
			continue;
		if (best == SIZE_MAX || newer(&n->keys[i], &n->keys[best]))
			best = i;
	}
	if (best != SIZE_MAX)
		n->cur = best;
}

static int
load_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct store_node *n = arg;
	const uint8_t *id = k->mv_data;
	uint8_t *pt = NULL;
	size_t len = 0;
	int rc;

	if (k->mv_size != KEY_ID_LEN)
		return DG_ECORRUPT;
	rc = store_open_value(n, "keyring", id, KEY_ID_LEN, v->mv_data,
	    v->mv_size, &pt, &len);
	if (rc == 0 && len == 64)
		rc = remember(n, (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 |
			(uint32_t)id[2] << 8 | id[3], id + 4, pt);
	if (pt != NULL) {
		sodium_memzero(pt, len);
		free(pt);
	}
	return rc != 0 ? rc : len == 64 ? 0 : DG_ECORRUPT;
}

int
store_keys_load(struct store_node *n, struct store_txn *t)
{
	n->nkeys = 0;
	n->cur = 0;
	return store_walk(t, DBI_KEYRING, NULL, 0, 0, load_one, n);
}

int
store_keys_add(struct store_node *n, struct store_txn *t, uint32_t epoch,
    const uint8_t creator[32], const uint8_t secret[64])
{
	uint8_t id[KEY_ID_LEN], *box = NULL;
	size_t blen;
	MDB_val v;
	int rc;

	key_id(id, epoch, creator);
	if (store_get(t, DBI_KEYRING, id, sizeof id, &v) == 0)
		return remember(n, epoch, creator, secret);
	rc = store_seal(n, "keyring", id, sizeof id, secret, 64, &box, &blen);
	if (rc == 0)
		rc = store_put(t, DBI_KEYRING, id, sizeof id, box, blen);
	free(box);
	if (rc == 0)
		rc = remember(n, epoch, creator, secret);
	return rc;
}

int
store_body_open(struct store_node *n, const struct store_entry *e,
    uint8_t *out)
{
	size_t i;
	int found = 0;

	for (i = 0; i < n->nkeys; i++) {
		if (n->keys[i].epoch != e->hdr.epoch)
			continue;
		found = 1;
		if (core_entry_open(&e->hdr, n->keysec + i * 64, e->body,
			e->body_len, out) == 0)
			return 0;
	}
	return found ? DG_ECRYPTO : DG_ENOTFOUND;
}
