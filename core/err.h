/* core/err.h - the one error enum shared by core/, store/ and net/.
 *
 * Every fallible function returns 0 (DG_OK) or a negative DG_E* code.
 * Library codes (LMDB, libuv, libsodium) are translated at the folder
 * boundary and never cross it.  Only cli/ turns a code into a message
 * and an exit status.
 */
#ifndef CORE_ERR_H
#define CORE_ERR_H

#define DG_WUR __attribute__((warn_unused_result))

enum dg_err {
	DG_OK = 0,
	DG_ENOMEM = -1,     /* allocation failed */
	DG_EINVAL = -2,     /* bad argument or value (a user's or a file's) */
	DG_EDECODE = -3,    /* malformed encoding: not exactly one valid value */
	DG_ELIMIT = -4,     /* a size or count is over its documented limit */
	DG_EUTF8 = -5,      /* text is not valid UTF-8 */
	DG_ECRYPTO = -6,    /* decryption or authentication failed */
	DG_ESIG = -7,       /* signature does not verify */
	DG_ECHAIN = -8,     /* hash chain or body hash mismatch */
	DG_EPASS = -9,      /* wrong passphrase */
	DG_ENOTFOUND = -10, /* no such id, record or file */
	DG_EEXIST = -11,    /* already exists */
	DG_EAMBIG = -12,    /* id prefix matches more than one */
	DG_ENOSPC = -13,    /* disk or map full and could not grow */
	DG_EIO = -14,       /* an I/O call failed */
	DG_ECORRUPT = -15,  /* the store is damaged */
	DG_EPERM = -16,     /* not permitted (role, membership) */
	DG_EFORK = -17,     /* two entries with one author and sequence */
	DG_ESTATE = -18,    /* wrong state (no identity yet, no network yet) */
	DG_EVERSION = -19,  /* unknown format or store version */
	DG_EBUSY = -20,     /* resource busy (store locked) */
	DG_EMAPFULL = -21,  /* store map full: store/ grows it and retries;
			     * never returned outside store/ */
	DG_EPROTO = -22,    /* a peer broke the protocol */
	DG_ECLOSED = -23,   /* the connection was closed */
	DG_ETIMEOUT = -24,  /* a peer or the network did not answer in time */
	DG_EREFUSED = -25,  /* the peer refused us (handshake, membership) */
	DG_ENET = -26,      /* network error (unreachable, connection refused) */
};

/* Returns a static, lowercase English description of code (never NULL);
 * marked for translation: cli/ prints _(dg_strerror(code)). */
const char *dg_strerror(int code);

#endif
