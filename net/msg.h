/* net/msg.h - the messages of a session after the handshake.
 *
 * Each encrypted frame carries exactly one message: a msgpack array whose
 * first element is the message type.  net_msg_decode is the one function
 * that reads a message from a peer: it bounds the encoding with
 * core_mp_check before msgpack-c sees it, then checks every field's type
 * and size.  doc/protocol.md §23.4 lists them:
 *
 *   HELLO   [1, version uint, digest bin 32, heads uint, flags uint]
 *   HEADS   [2, more bool, [[author bin 32, seq uint, hash bin 32], ...]]
 *           0..NET_HEADS_MAX heads; more: another HEADS follows
 *   BATCH   [3, author bin 32, [[header bin 1..CORE_HDR_MAX,
 *           signature bin 64, body bin 0..CORE_BODY_MAX | nil], ...]]
 *           1..NET_BATCH_MAX consecutive entries of one author
 *   DONE    [4]            everything the peer lacked has been sent
 *   SYNCED  [5, digest bin 32]   reply to DONE: all before it is stored
 *   REQUEST [6, pk bin 32, name str 1..CORE_JOIN_NAME_MAX, secret bin 16,
 *           time uint, signature bin 64]   a newcomer's join request
 *   ERROR   [7, code uint, text str 0..NET_TEXT_MAX]   then the sender
 *           closes
 *   PING    [8]            keeps an idle connection alive
 *   BUNDLE  [9, more bool, data bin 1..NET_CHUNK_MAX]   a piece of a
 *           bundle file (core/bundle.h): the welcome of a newcomer who
 *           joins over the network; more: another piece follows
 *   PENDING [10]           a newcomer's request is stored and waits for
 *           a coordinator's approval
 *   WANT    [11, author bin 32, seq uint]   the sender holds author's
 *           log only up to seq (a batch started past it): send from
 *           seq + 1 again
 *
 * Decoded messages borrow from the frame's bytes: keep them while the
 * message is used.
 */
#ifndef NET_MSG_H
#define NET_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bundle.h"
#include "core/buf.h"
#include "core/err.h"

#define NET_FRAME_MAX (1u << 20) /* plaintext bytes of one frame */
#define NET_HEADS_MAX 8192       /* heads in one HEADS message */
#define NET_BATCH_MAX 4096       /* entries in one BATCH message */
#define NET_TEXT_MAX 200         /* bytes of an ERROR text */
#define NET_CHUNK_MAX 65536      /* bytes of one BUNDLE piece */
#define NET_VERSION 1

enum net_msg_type {
	NET_HELLO = 1,
	NET_HEADS = 2,
	NET_BATCH = 3,
	NET_DONE = 4,
	NET_SYNCED = 5,
	NET_REQUEST = 6,
	NET_ERROR = 7,
	NET_PING = 8,
	NET_BUNDLE = 9,
	NET_PENDING = 10,
	NET_WANT = 11,
};

/* ERROR codes. */
enum net_refusal {
	NET_ERR_PROTOCOL = 1, /* a message the receiver could not accept */
	NET_ERR_NOT_MEMBER = 2, /* the sender is not a member (or revoked) */
	NET_ERR_BUSY = 3,       /* too many connections */
	NET_ERR_BAD_ENTRIES = 4, /* forged or broken entries */
	NET_ERR_JOIN = 5,       /* join request refused */
};

struct net_head {
	const uint8_t *author; /* 32 bytes */
	uint64_t seq;
	const uint8_t *hash;   /* 32 bytes */
};

struct net_msg {
	enum net_msg_type type;
	union {
		struct {
			uint64_t version;
			const uint8_t *digest; /* 32 */
			uint64_t heads;
			uint64_t flags;
		} hello;
		struct {
			bool more;
			size_t n;
			struct net_head *h; /* owned: net_msg_fini */
		} heads;
		struct core_bundle_batch batch; /* e owned: net_msg_fini */
		struct {
			const uint8_t *digest;
		} synced;
		struct core_join_request request; /* copied */
		struct {
			bool more;
			const uint8_t *data;
			size_t len;
		} bundle;
		struct {
			const uint8_t *author; /* 32 */
			uint64_t seq;
		} want;
		struct {
			uint64_t code;
			char text[NET_TEXT_MAX + 1]; /* copied, NUL-terminated,
						      * control chars replaced */
		} error;
	} u;
};

/* Decodes one message from a frame's plaintext.  Returns 0, DG_EDECODE
 * (not one well-formed message: unknown type, wrong field types or
 * counts, trailing bytes), DG_ELIMIT (a count or size over its limit),
 * DG_EUTF8 or DG_ENOMEM.  On success m is owned (net_msg_fini) and
 * borrows p; on failure nothing needs freeing. */
int net_msg_decode(const uint8_t *p, size_t len, struct net_msg *m) DG_WUR;

/* Frees what a decoded message owns; accepts a zeroed message. */
void net_msg_fini(struct net_msg *m);

/* The framing of the wire (doc/protocol.md §23.3): a 4-byte big-endian
 * length, then that many bytes. */
enum net_frame_state {
	NET_FRAME_MORE,  /* the next frame is not all in the buffer yet */
	NET_FRAME_WHOLE, /* it is: *len bytes at buf + 4 */
	NET_FRAME_BAD,   /* its length (*len) is outside [min, max] */
};

/* Looks for the next frame at the start of buf[0..n), whose length must
 * be from min to max.  A bad length is told as soon as its four bytes
 * are in, before the frame itself. */
enum net_frame_state net_frame_next(const uint8_t *buf, size_t n,
    size_t min, size_t max, size_t *len);

/* Encoders: each appends one message to out (errors are out's sticky
 * error). */
void net_msg_hello(struct core_buf *out, const uint8_t digest[32],
    uint64_t heads, uint64_t flags);
/* HEADS: n (author 32 || seq 8 BE || hash 32) records of 72 bytes. */
void net_msg_heads(struct core_buf *out, bool more, const uint8_t *recs,
    size_t n);
/* BATCH: starts the message for n entries of author; follow with n
 * net_msg_batch_entry calls. */
void net_msg_batch_begin(struct core_buf *out, const uint8_t author[32],
    size_t n);
void net_msg_batch_entry(struct core_buf *out, const uint8_t *hdr,
    size_t hlen, const uint8_t sig[64], const uint8_t *body, size_t blen);
/* DONE, PING or PENDING. */
void net_msg_simple(struct core_buf *out, enum net_msg_type type);
void net_msg_synced(struct core_buf *out, const uint8_t digest[32]);
void net_msg_request(struct core_buf *out, const struct core_join_request *r);
void net_msg_bundle(struct core_buf *out, bool more, const uint8_t *data,
    size_t len);
void net_msg_want(struct core_buf *out, const uint8_t author[32],
    uint64_t seq);
void net_msg_error(struct core_buf *out, enum net_refusal code,
    const char *text);

#endif
