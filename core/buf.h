/* core/buf.h - a growable byte buffer with a sticky error.
 *
 * Writers append without checking each call; the first allocation
 * failure sets b->err to DG_ENOMEM and later appends do nothing, so a
 * writer checks b->err once at the end.  The buffer keeps a NUL after
 * the last byte so text can be used as a C string.  core_buf_fini wipes
 * the bytes before freeing them: buffers often hold decrypted text.
 */
#ifndef CORE_BUF_H
#define CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_buf {
	char *data; /* owned; NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	int err; /* 0 or DG_ENOMEM once an append failed */
};

/* Initializes an empty buffer (no allocation). */
void core_buf_init(struct core_buf *b);
/* Wipes and frees the contents; accepts NULL. */
void core_buf_fini(struct core_buf *b);
/* Empties the buffer, keeping its memory (wiped). */
void core_buf_reset(struct core_buf *b);
/* Appends n bytes. */
void core_buf_add(struct core_buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string (without the NUL). */
void core_buf_str(struct core_buf *b, const char *s);
/* Appends one byte. */
void core_buf_ch(struct core_buf *b, char c);
/* Appends printf-style formatted text. */
void core_buf_printf(struct core_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (owned, free with free(); may be NULL
 * when empty) and leaves the buffer empty. */
char *core_buf_take(struct core_buf *b, size_t *len);

#endif
