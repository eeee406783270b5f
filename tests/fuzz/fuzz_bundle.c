/* Fuzz target: bundle files (core_bundle_info, core_bundle_open_sealed,
 * core_bundle_read) with fixed keys.
 *
 * The first byte picks how the rest is used:
 *
 *   even  the rest is a bundle file, read with the fixed key of its
 *         mode: network key 0x42..., the file key sealed to the fixed
 *         recipient (seed 0x08...), the request key of the invite
 *         secret 0x77...;
 *   odd   the rest is a mode byte (1 network, else 3 request) and then
 *         plaintext chunks, each a 2-byte big-endian length and its
 *         bytes (the top bit of the length asks for TAG_FINAL on that
 *         chunk).  The harness encrypts them as an authentic bundle, so
 *         the fuzzer reaches the chunk decoder past the AEAD.  With bit
 *         1 of the first byte set it closes the file with a correct
 *         final chunk signed by the fixed node (seed 0x07..., which the
 *         seeds use as "from"); otherwise the last chunk gets TAG_FINAL.
 *
 * A bundle that reads must hold only what the format allows: entries
 * pointing into its plaintext within their limits, requests that verify.
 * The harness writes the format on its own (doc/protocol.md), so it
 * checks the reader against a second implementation.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "core/bundle.h"
#include "core/invite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

static uint8_t netkey[32], reqkey[32], reqtag[8];
static uint8_t to_pk[32], to_sk[64], from_pk[32], from_sk[64];

static void
setup(void)
{
	static bool done;
	uint8_t seed[32], secret[16], id[32], net[32];

	if (done)
		return;
	done = true;
	if (sodium_init() < 0)
		abort();
	memset(netkey, 0x42, sizeof netkey);
	memset(seed, 0x08, sizeof seed);
	crypto_sign_seed_keypair(to_pk, to_sk, seed);
	memset(seed, 0x07, sizeof seed);
	crypto_sign_seed_keypair(from_pk, from_sk, seed);
	memset(secret, 0x77, sizeof secret);
	core_invite_id(secret, id);
	core_invite_request_key(id, reqkey);
	memset(net, 0x6e, sizeof net);
	core_invite_net_tag(net, reqtag);
}

static bool
within(const struct core_bundle *b, const uint8_t *p, size_t n)
{
	return p >= b->plain && p <= b->plain + b->plain_len &&
	    n <= (size_t)(b->plain + b->plain_len - p);
}

static void
check(const struct core_bundle *b, const uint8_t tag[8])
{
	const struct core_bundle_entry *e;
	size_t i, j;

	if (b->plain_len > 0 && b->plain == NULL)
		abort();
	for (i = 0; i < b->nbatches; i++) {
		if (b->mode == CORE_BUNDLE_REQUEST || b->batches[i].n == 0 ||
		    b->batches[i].n > CORE_BUNDLE_BATCH_MAX)
			abort();
		for (j = 0; j < b->batches[i].n; j++) {
			e = &b->batches[i].e[j];
			if (e->hlen == 0 || e->hlen > CORE_HDR_MAX ||
			    !within(b, e->hdr, e->hlen) ||
			    !within(b, e->sig, CORE_SIG_LEN))
				abort();
			if (e->body != NULL && (e->blen > CORE_BODY_MAX ||
						   !within(b, e->body, e->blen)))
				abort();
		}
	}
	for (i = 0; i < b->nreq; i++) {
		if (b->mode != CORE_BUNDLE_REQUEST ||
		    core_join_verify(&b->reqs[i], tag) != 0)
			abort();
	}
}

static void
read_file(const uint8_t *data, size_t size)
{
	struct core_bundle_info info;
	struct core_bundle *b = NULL;
	const uint8_t *key = netkey;
	uint8_t filekey[32];

	if (core_bundle_info(data, size, &info) != 0)
		return;
	if (info.mode == CORE_BUNDLE_RECIPIENT) {
		if (core_bundle_open_sealed(&info, to_pk, to_sk, filekey) != 0)
			return;
		key = filekey;
	} else if (info.mode == CORE_BUNDLE_REQUEST) {
		key = reqkey;
	}
	if (core_bundle_read(data, size, key, &b) == 0) {
		check(b, info.tag);
		core_bundle_free(b);
	}
}

static void
put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void
add(uint8_t **out, size_t *len, size_t *cap, const void *p, size_t n)
{
	uint8_t *q;

	if (*len + n > *cap) {
		*cap = (*len + n) * 2;
		q = realloc(*out, *cap);
		if (q == NULL)
			abort();
		*out = q;
	}
	memcpy(*out + *len, p, n);
	*len += n;
}

static void
push(crypto_secretstream_xchacha20poly1305_state *st, uint8_t **out,
    size_t *len, size_t *cap, const uint8_t *p, size_t n,
    const uint8_t *ad, size_t adlen, unsigned char tag)
{
	uint8_t len4[4], *ct;

	ct = malloc(n + SS_ABYTES);
	if (ct == NULL)
		abort();
	crypto_secretstream_xchacha20poly1305_push(st, ct, NULL, p, n, ad,
	    adlen, tag);
	put_be(len4, n + SS_ABYTES, 4);
	add(out, len, cap, len4, 4);
	add(out, len, cap, ct, n + SS_ABYTES);
	free(ct);
}

static void
make_file(bool final, const uint8_t *data, size_t size)
{
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_generichash_state hs;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t pre[41], skey[32], len8[8], msg[17 + 32], sig[64];
	uint8_t *out = NULL;
	size_t len = 0, cap = 0, off = 1, n, nchunks = 0;
	unsigned char tag;
	int mode;

	if (size < 1)
		return;
	mode = data[0] == 1 ? CORE_BUNDLE_NETWORK : CORE_BUNDLE_REQUEST;
	memcpy(pre, "DUGNADB\x01", 8);
	pre[8] = (uint8_t)mode;
	if (mode == CORE_BUNDLE_NETWORK) {
		core_bundle_key_id(netkey, pre + 9);
		crypto_generichash(skey, 32, netkey, 32,
		    (const uint8_t *)"dugnad bundle key", 17);
	} else {
		memcpy(pre + 9, reqtag, 8);
		memcpy(skey, reqkey, 32);
	}
	crypto_secretstream_xchacha20poly1305_init_push(&st, pre + 17, skey);
	add(&out, &len, &cap, pre, sizeof pre);
	crypto_generichash_init(&hs, NULL, 0, 32);
	while (size - off >= 2) {
		n = (size_t)(data[off] & 0x7f) << 8 | data[off + 1];
		tag = (data[off] & 0x80) != 0 ?
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL :
		    crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
		off += 2;
		if (n > size - off)
			n = size - off;
		if (!final && size - off - n < 2)
			tag = crypto_secretstream_xchacha20poly1305_TAG_FINAL;
		push(&st, &out, &len, &cap, data + off, n,
		    nchunks == 0 ? pre : NULL, nchunks == 0 ? sizeof pre : 0,
		    tag);
		put_be(len8, n, 8);
		crypto_generichash_update(&hs, len8, 8);
		crypto_generichash_update(&hs, data + off, n);
		off += n;
		nchunks++;
	}
	if (final) {
		memcpy(msg, "dugnad bundle v1", 17);
		crypto_generichash_final(&hs, msg + 17, 32);
		crypto_sign_detached(sig, NULL, msg, sizeof msg, from_sk);
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		msgpack_pack_str(&pk, 5);
		msgpack_pack_str_body(&pk, "count", 5);
		msgpack_pack_uint64(&pk, nchunks);
		msgpack_pack_str(&pk, 3);
		msgpack_pack_str_body(&pk, "sig", 3);
		msgpack_pack_bin(&pk, 64);
		msgpack_pack_bin_body(&pk, sig, 64);
		push(&st, &out, &len, &cap, (const uint8_t *)sb.data, sb.size,
		    nchunks == 0 ? pre : NULL, nchunks == 0 ? sizeof pre : 0,
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL);
		msgpack_sbuffer_destroy(&sb);
	}
	if (out != NULL)
		read_file(out, len);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		/* an exact-size copy, so ASan sees any read past the end */
		uint8_t *copy = malloc(size - 1 ? size - 1 : 1);

		if (copy == NULL)
			return 0;
		memcpy(copy, data + 1, size - 1);
		read_file(copy, size - 1);
		free(copy);
	} else {
		make_file((data[0] & 2) != 0, data + 1, size - 1);
	}
	return 0;
}
