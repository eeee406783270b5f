#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void
core_buf_init(struct core_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->err = 0;
}

void
core_buf_fini(struct core_buf *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL) {
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	core_buf_init(b);
}

void
core_buf_reset(struct core_buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->cap);
	b->len = 0;
	b->err = 0;
}

static int
reserve(struct core_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->err)
		return -1;
	if (extra > SIZE_MAX - b->len - 1) {
		b->err = DG_ENOMEM;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	/* Grow by copy, not realloc, so the old bytes can be wiped. */
	p = malloc(cap);
	if (p == NULL) {
		b->err = DG_ENOMEM;
		return -1;
	}
	if (b->data != NULL) {
		memcpy(p, b->data, b->len);
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void
core_buf_add(struct core_buf *b, const void *p, size_t n)
{
	if (reserve(b, n) != 0)
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
core_buf_str(struct core_buf *b, const char *s)
{
	core_buf_add(b, s, strlen(s));
}

void
core_buf_ch(struct core_buf *b, char c)
{
	core_buf_add(b, &c, 1);
}

void
core_buf_printf(struct core_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = DG_EINVAL;
		return;
	}
	if (reserve(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
core_buf_take(struct core_buf *b, size_t *len)
{
	char *p = b->data;

	if (len != NULL)
		*len = b->len;
	core_buf_init(b);
	return p;
}
