/* core/bundle.h - bundle files: entries (and join requests) carried on a
 * USB stick or by e-mail when there is no network.
 *
 * A bundle is encrypted as a whole, so a lost file reveals nothing, not
 * even who wrote the entries, and it is signed by the node that made it.
 * Layout (doc/protocol.md gives the bytes):
 *
 *   magic      8 bytes  "DUGNADB" then 0x01 (format version 1)
 *   mode       1 byte   1 network, 2 recipient, 3 join request
 *   key info            mode 1: key id, 8 bytes (BLAKE2b-256 of the
 *                       network key keyed "dugnad bundle id", first 8);
 *                       mode 2: the 32-byte file key sealed to the
 *                       recipient's X25519 key (crypto_box_seal, 80
 *                       bytes); mode 3: the invite's net tag, 8 bytes
 *   stream     24 bytes crypto_secretstream_xchacha20poly1305 header
 *   chunks              each: length (4 bytes, big endian) then that many
 *                       bytes of secretstream ciphertext; the preamble
 *                       above is the associated data of the first chunk;
 *                       the last chunk carries TAG_FINAL
 *
 * The stream key is, by mode: BLAKE2b-256 of the network key keyed
 * "dugnad bundle key"; the random file key; the invite request key
 * (core_invite_request_key).  Each chunk's plaintext is one msgpack map:
 *
 *   first  {"from": bin 32, "net": bin 32 | nil, "time": uint}
 *   then   {"author": bin 32, "entries": [[header bin, signature bin 64,
 *           body bin | nil], ...]}   consecutive entries of one author
 *   or     {"request": [pk bin 32, name str, secret bin 16, time uint,
 *           signature bin 64]}        a join request
 *   last   {"count": uint, "sig": bin 64}   (TAG_FINAL) the number of
 *           chunks before it, and the signature by "from" over
 *           "dugnad bundle v1\0" || BLAKE2b-256 of every earlier
 *           plaintext chunk, each prefixed by its length (8 bytes, BE)
 *
 * Reading is all or nothing: the whole file is decrypted and checked
 * (every chunk authentic, nothing after the final chunk, count and
 * signature right) before any entry is handed out.
 */
#ifndef CORE_BUNDLE_H
#define CORE_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/entry.h"
#include "core/err.h"

#define CORE_BUNDLE_NETWORK 1
#define CORE_BUNDLE_RECIPIENT 2
#define CORE_BUNDLE_REQUEST 3

#define CORE_BUNDLE_CHUNK_MAX (1u << 20)   /* plaintext bytes of a chunk */
#define CORE_BUNDLE_BATCH_MAX 4096         /* entries in one chunk */
#define CORE_BUNDLE_FILE_MAX ((size_t)1 << 30) /* bytes of a file */
#define CORE_JOIN_NAME_MAX 100             /* bytes of a display name */

struct core_join_request {
	uint8_t pk[32];                 /* the newcomer */
	char name[CORE_JOIN_NAME_MAX + 1];
	uint8_t secret[16];             /* the invite's secret */
	uint64_t time;                  /* Unix seconds */
	uint8_t sig[64];                /* by pk, see core_join_sign */
};

/* Signs r (pk, name, secret, time set) with the newcomer's secret key:
 * Ed25519 over "dugnad join v1\0" || tag || secret || pk || time (8 BE)
 * || name. */
void core_join_sign(struct core_join_request *r, const uint8_t tag[8],
    const uint8_t *sk);
/* Returns 0 or DG_ESIG. */
int core_join_verify(const struct core_join_request *r, const uint8_t tag[8])
    DG_WUR;

/* One entry as carried: pointers into the bundle's plaintext. */
struct core_bundle_entry {
	const uint8_t *hdr;
	size_t hlen;
	const uint8_t *sig;  /* CORE_SIG_LEN bytes */
	const uint8_t *body; /* NULL when the body was not carried */
	size_t blen;
};

struct core_bundle_batch {
	uint8_t author[32];
	size_t n;
	struct core_bundle_entry *e; /* owned by the bundle */
};

/* A decrypted, checked bundle. */
struct core_bundle {
	int mode;
	uint8_t from[32];
	bool has_net;
	uint8_t net[32];
	uint64_t time;
	size_t nbatches;
	struct core_bundle_batch *batches;
	size_t nreq;
	struct core_join_request *reqs;
	uint8_t *plain; /* owned: all plaintext chunks (wiped on free) */
	size_t plain_len;
};

/* The preamble of a file, readable without a key. */
struct core_bundle_info {
	int mode;
	uint8_t key_id[8];      /* mode 1 */
	uint8_t sealed[80];     /* mode 2 */
	uint8_t tag[8];         /* mode 3 */
	size_t preamble_len;    /* bytes up to and including the stream header */
};

/* Parses the preamble.  Returns 0, DG_EDECODE (not a bundle, or
 * truncated) or DG_EVERSION. */
int core_bundle_info(const uint8_t *data, size_t len,
    struct core_bundle_info *info) DG_WUR;

/* The key id of a network key (mode 1). */
void core_bundle_key_id(const uint8_t netkey[32], uint8_t id[8]);

/* Opens a mode 2 file key with the recipient's Ed25519 key pair (pk 32,
 * sk 64, converted to X25519).  Returns 0 or DG_ECRYPTO. */
int core_bundle_open_sealed(const struct core_bundle_info *info,
    const uint8_t pk[32], const uint8_t *sk, uint8_t filekey[32]) DG_WUR;

/* Decrypts and checks a whole bundle.  key: mode 1 the network key,
 * mode 2 the file key from core_bundle_open_sealed, mode 3 the invite
 * request key.  On success *out is owned (core_bundle_free).  Returns 0,
 * DG_EDECODE (malformed or truncated: no final chunk), DG_ECRYPTO (wrong
 * key or altered), DG_ESIG (bad signature), DG_ELIMIT or DG_ENOMEM. */
int core_bundle_read(const uint8_t *data, size_t len, const uint8_t key[32],
    struct core_bundle **out) DG_WUR;

/* Frees (wiping the plaintext); accepts NULL. */
void core_bundle_free(struct core_bundle *b);

struct core_bundle_writer;

/* Starts a bundle in out.  mode and key as for core_bundle_read, except
 * mode 2 takes the recipient's Ed25519 public key in key (a random file
 * key is made and sealed to it).  from/from_sk: the signing node; net:
 * the network id or NULL (a join request before joining).  Returns 0,
 * DG_EINVAL or DG_ENOMEM; *w is owned (finish or free). */
int core_bundle_writer_new(struct core_buf *out, int mode, const uint8_t *key,
    const uint8_t from[32], const uint8_t *from_sk, const uint8_t *net,
    uint64_t time, struct core_bundle_writer **w) DG_WUR;

/* Adds consecutive entries of one author (split into chunks as needed).
 * Returns 0, DG_EINVAL, DG_ELIMIT or DG_ENOMEM. */
int core_bundle_add_entries(struct core_bundle_writer *w,
    const uint8_t author[32], const struct core_bundle_entry *e, size_t n)
    DG_WUR;

/* Adds a join request. */
int core_bundle_add_request(struct core_bundle_writer *w,
    const struct core_join_request *r) DG_WUR;

/* Writes the final signed chunk and frees w (also on error). */
int core_bundle_finish(struct core_bundle_writer *w) DG_WUR;

/* Frees an unfinished writer (wiping keys); accepts NULL. */
void core_bundle_writer_free(struct core_bundle_writer *w);

#endif
