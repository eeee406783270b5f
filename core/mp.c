#include "core/mp.h"

#include <string.h>

#include "core/text.h"

#define MP_DEPTH_MAX 16

static uint64_t
be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int
core_mp_check(const uint8_t *p, size_t len, const struct core_mp_limits *lim)
{
	/* pending[d]: objects still expected at depth d (maps count keys
	 * and values separately). */
	uint64_t pending[MP_DEPTH_MAX + 1];
	size_t depth = 0, off = 0, items = 0, maxdepth;
	uint64_t n;
	uint8_t b;
	int kind; /* 0 scalar, 1 str, 2 bin, 3 array, 4 map */
	size_t hdr;

	maxdepth = lim->depth < MP_DEPTH_MAX ? lim->depth : MP_DEPTH_MAX;
	pending[0] = 1;
	for (;;) {
		while (depth > 0 && pending[depth] == 0)
			depth--;
		if (depth == 0 && pending[0] == 0)
			break;
		if (off >= len)
			return DG_EDECODE;
		if (++items > lim->items)
			return DG_ELIMIT;
		pending[depth]--;
		b = p[off];
		kind = 0;
		hdr = 1;
		n = 0;
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 ||
		    b == 0xc3) {
			hdr = 1;
		} else if (b >= 0xa0 && b <= 0xbf) {
			kind = 1;
			n = b & 0x1f;
		} else if (b >= 0x90 && b <= 0x9f) {
			kind = 3;
			n = b & 0x0f;
		} else if (b >= 0x80 && b <= 0x8f) {
			kind = 4;
			n = b & 0x0f;
		} else {
			switch (b) {
			case 0xcc: case 0xd0: hdr = 2; break;
			case 0xcd: case 0xd1: hdr = 3; break;
			case 0xce: case 0xd2: hdr = 5; break;
			case 0xcf: case 0xd3: hdr = 9; break;
			case 0xd9: kind = 1; hdr = 2; break;
			case 0xda: kind = 1; hdr = 3; break;
			case 0xdb: kind = 1; hdr = 5; break;
			case 0xc4: kind = 2; hdr = 2; break;
			case 0xc5: kind = 2; hdr = 3; break;
			case 0xc6: kind = 2; hdr = 5; break;
			case 0xdc: kind = 3; hdr = 3; break;
			case 0xdd: kind = 3; hdr = 5; break;
			case 0xde: kind = 4; hdr = 3; break;
			case 0xdf: kind = 4; hdr = 5; break;
			default:
				/* 0xc1 (never used), floats, ext types */
				return DG_EDECODE;
			}
			if (len - off < hdr)
				return DG_EDECODE;
			if (kind != 0)
				n = be(p + off + 1, hdr - 1);
		}
		if (len - off < hdr)
			return DG_EDECODE;
		off += hdr;
		switch (kind) {
		case 1:
		case 2:
			if (n > (kind == 1 ? lim->str : lim->bin))
				return DG_ELIMIT;
			if (n > len - off)
				return DG_EDECODE;
			if (kind == 1 &&
			    !core_text_utf8_valid((const char *)p + off,
				(size_t)n))
				return DG_EUTF8;
			off += (size_t)n;
			break;
		case 3:
		case 4:
			if (n > lim->count)
				return DG_ELIMIT;
			if (kind == 4)
				n *= 2;
			/* every element takes at least one byte */
			if (n > len - off)
				return DG_EDECODE;
			/* An empty container still nests one level. */
			if (depth + 1 > maxdepth)
				return DG_ELIMIT;
			if (n > 0)
				pending[++depth] = n;
			break;
		default:
			break;
		}
	}
	return off == len ? 0 : DG_EDECODE;
}

int
core_mp_unpack(msgpack_unpacked *u, const uint8_t *p, size_t len)
{
	size_t off = 0;

	switch (msgpack_unpack_next(u, (const char *)p, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		return off == len ? 0 : DG_EDECODE;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		return DG_ENOMEM;
	default:
		return DG_EDECODE;
	}
}

static int
buf_write(void *data, const char *p, size_t n)
{
	core_buf_add(data, p, n);
	return 0;
}

void
core_mp_packer(msgpack_packer *pk, struct core_buf *out)
{
	msgpack_packer_init(pk, out, buf_write);
}

void
core_mp_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

void
core_mp_bin(msgpack_packer *pk, const void *p, size_t n)
{
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, p, n);
}
