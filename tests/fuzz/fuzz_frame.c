/* Fuzz target: the splitting of a byte stream into frames
 * (net_frame_next), as a session's read callback does it.
 *
 * Byte 0 picks the bounds: odd, a transport frame's (17 to
 * NET_WIRE_MAX); even, one handshake length (byte 1).  The rest is the
 * stream.  It is split once whole and once as it would arrive, in
 * pieces whose sizes come from the stream itself, with the buffer kept
 * the way net/sess.c keeps it; both splits must find the same frames at
 * the same places, and stop the same way (more needed, or a bad length
 * at the same place).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/internal.h"
#include "net/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAMES_MAX 4096

struct split {
	size_t at[FRAMES_MAX], len[FRAMES_MAX], n;
	enum net_frame_state end;
	size_t bad_at, bad_len;
};

static void
whole(const uint8_t *p, size_t n, size_t min, size_t max, struct split *r)
{
	size_t off = 0, len;
	enum net_frame_state st;

	r->n = 0;
	for (;;) {
		st = net_frame_next(p + off, n - off, min, max, &len);
		if (st != NET_FRAME_WHOLE || r->n == FRAMES_MAX)
			break;
		if (off + 4 + len > n)
			abort(); /* a frame past the bytes there */
		r->at[r->n] = off + 4;
		r->len[r->n++] = len;
		off += 4 + len;
	}
	r->end = st;
	r->bad_at = off;
	r->bad_len = st == NET_FRAME_BAD ? len : 0;
}

static void
pieces(const uint8_t *p, size_t n, size_t min, size_t max, struct split *r)
{
	uint8_t *buf = malloc(n ? n : 1);
	size_t fed = 0, rlen = 0, base = 0, off, len, k;
	enum net_frame_state st = NET_FRAME_MORE;

	if (buf == NULL)
		abort();
	r->n = 0;
	while (fed < n) {
		/* the next piece: 1 to 64 bytes, its size from the data */
		k = (size_t)(p[fed] % 64) + 1;
		if (k > n - fed)
			k = n - fed;
		memcpy(buf + rlen, p + fed, k);
		rlen += k;
		fed += k;
		off = 0;
		for (;;) {
			st = net_frame_next(buf + off, rlen - off, min, max,
			    &len);
			if (st != NET_FRAME_WHOLE || r->n == FRAMES_MAX)
				break;
			if (off + 4 + len > rlen)
				abort();
			r->at[r->n] = base + off + 4;
			r->len[r->n++] = len;
			off += 4 + len;
		}
		if (st == NET_FRAME_BAD || r->n == FRAMES_MAX) {
			base += off;
			break;
		}
		memmove(buf, buf + off, rlen - off);
		rlen -= off;
		base += off;
	}
	r->end = st;
	r->bad_at = base;
	r->bad_len = st == NET_FRAME_BAD ? len : 0;
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct split a, b;
	size_t min, max, i;

	if (size < 2)
		return 0;
	if (data[0] & 1) {
		min = 17;
		max = NET_WIRE_MAX;
	} else {
		min = max = data[1];
	}
	whole(data + 2, size - 2, min, max, &a);
	pieces(data + 2, size - 2, min, max, &b);
	if (a.n != b.n)
		abort();
	for (i = 0; i < a.n; i++) {
		if (a.at[i] != b.at[i] || a.len[i] != b.len[i] ||
		    a.len[i] < min || a.len[i] > max)
			abort();
	}
	if (a.n < FRAMES_MAX && (a.end != b.end ||
		(a.end == NET_FRAME_BAD &&
		    (a.bad_at != b.bad_at || a.bad_len != b.bad_len))))
		abort();
	return 0;
}
