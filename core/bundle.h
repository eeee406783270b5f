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
 *                       mode 2: the number of recipients n (2 bytes, big
 *                       endian, 1..CORE_BUNDLE_RECIPIENTS_MAX), then n
 *                       times the 32-byte file key sealed to a
 *                       recipient's X25519 key (crypto_box_seal, 80
 *                       bytes each; anonymous: a slot does not say whose
 *                       it is); mode 3: the invite's net tag, 8 bytes
 *   stream     24 bytes crypto_secretstream_xchacha20poly1305 header
 *   chunks              each: length (4 bytes, big endian, 17 ..
 *                       CORE_BUNDLE_CHUNK_MAX + 17) then that many
 *                       bytes of secretstream ciphertext (plaintext +
 *                       17); the preamble above (41 bytes in modes 1
 *                       and 3, 35 + 80 per recipient in mode 2, stream header included)
 *                       is the associated data of the first chunk and
 *                       only of it; every chunk carries TAG_MESSAGE but
 *                       the last, which carries TAG_FINAL and ends the
 *                       file
 *
 * "keyed" means BLAKE2b with the ASCII bytes of the string (no NUL) as
 * its key.  The stream key is, by mode: BLAKE2b-256 of the network key
 * keyed "dugnad bundle key"; the random file key; the invite request key
 * (core_invite_request_key).  Each chunk's plaintext is one msgpack map
 * with exactly these keys in exactly this order (str keys):
 *
 *   first  {"from": bin 32, "net": bin 32 | nil, "time": uint}
 *   then   {"author": bin 32, "entries": [[header bin 1..CORE_HDR_MAX,
 *           signature bin 64, body bin 0..CORE_BODY_MAX | nil], ...]}
 *           1..CORE_BUNDLE_BATCH_MAX consecutive entries of one author
 *           (modes 1 and 2 only)
 *   or     {"request": [pk bin 32, name str 1..CORE_JOIN_NAME_MAX bytes,
 *           secret bin 16, time uint, signature bin 64]}  one join
 *           request (mode 3 only; its signature is checked against the
 *           preamble's net tag, see core_join_sign)
 *   last   {"count": uint, "sig": bin 64}   (TAG_FINAL) the number of
 *           chunks before it, and the Ed25519 signature by "from" over
 *           the 49 bytes "dugnad bundle v1\0" || BLAKE2b-256 (unkeyed)
 *           of the concatenation of the preamble's length (8 bytes, BE)
 *           and the preamble (magic to stream header), then, for every
 *           earlier chunk in order, its plaintext length (8 bytes, BE)
 *           and its plaintext; so the signed content cannot be re-wrapped
 *           for other recipients
 *
 * Reading is all or nothing: the whole file is decrypted and checked
 * (every chunk authentic, nothing after the final chunk, count and
 * signature right) before any entry is handed out.  Entry headers are
 * not decoded here: the store checks them.
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
#define CORE_BUNDLE_RECIPIENTS_MAX 400     /* mode 2 recipients */

struct core_join_request {
	uint8_t pk[32];                 /* the newcomer */
	char name[CORE_JOIN_NAME_MAX + 1];
	uint8_t secret[16];             /* the invite's secret */
	uint64_t time;                  /* Unix seconds */
	uint8_t sig[64];                /* by pk, see core_join_sign */
};

/* Signs r (pk, name, secret, time set) with the newcomer's secret key:
 * Ed25519 over "dugnad join v1\0" (15 bytes) || tag (8) || secret (16)
 * || pk (32) || time (8 BE) || name (its bytes, no NUL). */
void core_join_sign(struct core_join_request *r, const uint8_t tag[8],
    const uint8_t *sk);
/* Returns 0 or DG_ESIG (also when the name is empty, unterminated,
 * longer than CORE_JOIN_NAME_MAX or not one line of UTF-8). */
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
	size_t nslots;          /* mode 2: recipients */
	const uint8_t *slots;   /* mode 2: nslots * 80 bytes, borrowed from
				 * the data given to core_bundle_info */
	uint8_t tag[8];         /* mode 3 */
	size_t preamble_len;    /* bytes up to and including the stream header */
};

/* Parses the preamble.  Returns 0, DG_EDECODE (not a bundle, or
 * truncated) or DG_EVERSION. */
int core_bundle_info(const uint8_t *data, size_t len,
    struct core_bundle_info *info) DG_WUR;

/* The key id of a network key (mode 1). */
void core_bundle_key_id(const uint8_t netkey[32], uint8_t id[8]);

/* Opens a mode 2 file key with a recipient's Ed25519 key pair (pk 32,
 * sk 64, converted to X25519), trying each slot.  info borrows the file's
 * data, which must still be there.  Returns 0, DG_EINVAL (info is not
 * mode 2) or DG_ECRYPTO (no slot is sealed to this key). */
int core_bundle_open_sealed(const struct core_bundle_info *info,
    const uint8_t pk[32], const uint8_t *sk, uint8_t filekey[32]) DG_WUR;

/* Decrypts and checks a whole bundle.  key: mode 1 the network key,
 * mode 2 the file key from core_bundle_open_sealed, mode 3 the invite
 * request key.  data is borrowed for the call only.  On success *out is
 * owned (core_bundle_free); on failure *out is NULL.  Returns 0,
 * DG_EDECODE (malformed or truncated: no final chunk), DG_EVERSION,
 * DG_ECRYPTO (wrong key or altered), DG_ESIG (bad bundle or join request
 * signature), DG_ELIMIT (file, chunk or field over its limit) or
 * DG_ENOMEM. */
int core_bundle_read(const uint8_t *data, size_t len, const uint8_t key[32],
    struct core_bundle **out) DG_WUR;

/* Frees (wiping the plaintext); accepts NULL. */
void core_bundle_free(struct core_bundle *b);

struct core_bundle_writer;

/* Starts a bundle, appending to out (borrowed until finish or free).
 * mode and key as for core_bundle_read, except mode 2 takes the
 * recipient's Ed25519 public key in key (a random file key is made and
 * sealed to it), and mode 3 takes 40 bytes: the request key then the
 * invite's net tag (the preamble names it).  key and from_sk are copied.
 * from/from_sk: the signing node (not checked to match: a mismatch
 * gives a file that reads as DG_ESIG); net: the network id or NULL (a
 * join request before joining).  Returns 0, DG_EINVAL (bad mode or key)
 * or DG_ENOMEM; *w is owned (finish or free). */
int core_bundle_writer_new(struct core_buf *out, int mode, const uint8_t *key,
    const uint8_t from[32], const uint8_t *from_sk, const uint8_t *net,
    uint64_t time, struct core_bundle_writer **w) DG_WUR;

/* Starts a mode 2 bundle for npk recipients (Ed25519 public keys, 1 to
 * CORE_BUNDLE_RECIPIENTS_MAX): a random file key is sealed to each.
 * Otherwise as core_bundle_writer_new (whose mode 2 is one recipient). */
int core_bundle_writer_new_to(struct core_buf *out, const uint8_t (*pks)[32],
    size_t npk, const uint8_t from[32], const uint8_t *from_sk,
    const uint8_t *net, uint64_t time, struct core_bundle_writer **w) DG_WUR;

/* Adds consecutive entries of one author (split into chunks as needed;
 * n = 0 adds nothing); the entries are copied.  Modes 1 and 2 only.
 * Returns 0, DG_EINVAL (mode 3, no header or signature), DG_ELIMIT
 * (header or body too long) or DG_ENOMEM.  Refused input writes nothing;
 * after DG_ENOMEM the writer only reports the error. */
int core_bundle_add_entries(struct core_bundle_writer *w,
    const uint8_t author[32], const struct core_bundle_entry *e, size_t n)
    DG_WUR;

/* Adds a join request (mode 3 only).  Returns 0, DG_EINVAL (other mode,
 * name empty, too long or not one line of UTF-8), DG_ESIG (r is not
 * signed for this invite's net tag) or DG_ENOMEM. */
int core_bundle_add_request(struct core_bundle_writer *w,
    const struct core_join_request *r) DG_WUR;

/* Writes the final signed chunk and frees w (also on error).  Returns 0
 * or the first error of the writer (DG_ENOMEM). */
int core_bundle_finish(struct core_bundle_writer *w) DG_WUR;

/* Frees an unfinished writer (wiping keys); accepts NULL. */
void core_bundle_writer_free(struct core_bundle_writer *w);

#endif
