/* net/ctl.h - the control socket: how the dugnad command reaches a
 * running `dugnad serve` on the same store.
 *
 * DIR/ctl is a Unix stream socket, mode 0600 (only the store's owner can
 * use it).  A request and its answer are each one frame: a 4-byte big
 * endian length (at most NET_CTL_MAX) and one msgpack array:
 *
 *   ["run", json bool, [arg str, ...], lang str, tz str|nil]
 *                                        run a command with the unlocked
 *                                        node (1..NET_CTL_ARGS_MAX args),
 *                                        answering in language lang, in
 *                                        the caller's time zone (nil: no
 *                                        TZ); lang and tz are optional
 *   ["status"]                           is a daemon there? ("running")
 *   ["sync", addr str | nil]             sync now with addr or every
 *                                        known peer; answered when done
 *   ["changed"]                          another process wrote to the
 *                                        store: push what is new
 *
 * The answer is [status uint, out bin, err bin]: the exit status and
 * what the command printed on stdout and stderr.  doc/protocol.md §23.9
 * gives the details.
 */
#ifndef NET_CTL_H
#define NET_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define NET_CTL_MAX (1u << 24)  /* bytes of a request or an answer */
#define NET_CTL_ARGS_MAX 256    /* arguments of a "run" request */
#define NET_CTL_NAME "ctl"      /* socket file in the store directory */
#define NET_CTL_LANG_MAX 64     /* bytes of a "run" request's language */
#define NET_CTL_TZ_MAX 256      /* bytes of a "run" request's TZ */

enum net_ctl_kind {
	NET_CTL_RUN = 1,
	NET_CTL_STATUS = 2,
	NET_CTL_SYNC = 3,
	NET_CTL_CHANGED = 4,
};

/* A decoded request; borrows the frame's bytes. */
struct net_ctl_req {
	enum net_ctl_kind kind;
	bool json;
	int argc;
	char **argv;      /* owned (net_ctl_req_fini): copies, NUL-ended */
	char *addr;       /* owned, or NULL */
	char *lang;       /* owned, or NULL: "run"'s language */
	bool tz_given;    /* "run" says the caller's TZ (tz, or it has none) */
	char *tz;         /* owned, or NULL */
};

/* Encoders (errors are out's sticky error). */
void net_ctl_req_run(struct core_buf *out, bool json, const char *lang,
    const char *tz, int argc, char *const *argv);
void net_ctl_req_simple(struct core_buf *out, enum net_ctl_kind kind);
void net_ctl_req_sync(struct core_buf *out, const char *addr);
void net_ctl_answer(struct core_buf *out, int status, const void *o,
    size_t olen, const void *e, size_t elen);

/* Decodes a request.  Returns 0, DG_EDECODE, DG_ELIMIT, DG_EUTF8 or
 * DG_ENOMEM; r is owned on success (net_ctl_req_fini). */
int net_ctl_req_decode(const uint8_t *p, size_t len, struct net_ctl_req *r)
    DG_WUR;
void net_ctl_req_fini(struct net_ctl_req *r);

/* Decodes an answer; out and err borrow p.  Returns 0, DG_EDECODE or
 * DG_ENOMEM. */
int net_ctl_answer_decode(const uint8_t *p, size_t len, int *status,
    const uint8_t **out, size_t *olen, const uint8_t **err, size_t *elen)
    DG_WUR;

/* Client: sends the request req (an encoded body, framed here) to the
 * daemon of the store in dir and reads the answer's body into resp.
 * Returns 0, DG_ENOTFOUND (no daemon runs there), DG_EPERM (the socket
 * there is not this user's: not used), DG_EIO, DG_EPROTO or DG_ENOMEM. */
int net_ctl_call(const char *dir, const struct core_buf *req,
    struct core_buf *resp) DG_WUR;

#endif
