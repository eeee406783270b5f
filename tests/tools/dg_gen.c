/* tests/tools/dg_gen.c - many authors and many entries, for load tests.
 *
 *   dg_gen --dir DIR [--authors A] [--entries N] [--chunk C]
 *          [--seed TEXT] [--out PREFIX]      (passphrase: DUGNAD_PASSPHRASE)
 *
 * DIR is a coordinator's node, no daemon running on it.  Making a
 * member with `dugnad init`, `join` and bundles costs four or five
 * Argon2id derivations (about 0.3 s), some 5 minutes for a thousand;
 * this tool makes them in one process, through the same steps and the
 * same library calls as the commands:
 *
 *   1. an invite with --approved --uses A (store_node_invite);
 *   2. A newcomers (Ed25519 key pairs derived from TEXT and their
 *      number, so a run can be repeated), each with a join request
 *      signed for the invite (core_join_sign), carried in one join
 *      request bundle (core_bundle_writer, mode 3) that DIR opens and
 *      ingests as `dugnad bundle import` does (store_node_bundle_open,
 *      store_node_ingest): the invite admits each and delivers it the
 *      content keys;
 *   3. each newcomer opens its own key delivery from DIR's log with its
 *      own secret key, as its node would;
 *   4. N contact records spread evenly over the A authors (N / A each,
 *      one more for the first N mod A; each author's log a hash chain
 *      of signed entries whose bodies are sealed with the delivered
 *      content key), in network bundles (mode 1) of about C entries
 *      (20,000), each holding a run of every author's log;
 *   5. without --out, DIR opens and ingests each bundle (the checks of
 *      `dugnad bundle import`: bundle signature, hash chains, the last
 *      signature of each run, members, body hashes, field values); with
 *      --out, the bundles are written to PREFIX-0001.dugnad, ... for
 *      `dugnad bundle import`, and DIR keeps only the admissions.
 *
 * Prints one line on stdout: "authors A entries N bundles K seconds S".
 * Exit 0, 1 when anything was refused or failed, 64 on usage errors.
 * Memory is bounded by the chunk: one bundle is built at a time.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/body.h"
#include "core/bundle.h"
#include "core/entry.h"
#include "core/hlc.h"
#include "core/invite.h"
#include "core/schema.h"
#include "core/valid.h"
#include "store/member.h"
#include "store/node.h"
#include "store/repl.h"
#include "tests/tools/clock.h"

#define AUTHORS_MAX 100000
#define NFIELDS 5

struct author {
	uint8_t pk[32];
	uint8_t *sk;   /* 64 bytes in gen.secrets */
	uint8_t *keys; /* content key || network key, in gen.secrets */
	uint32_t epoch;
	bool has_key;
	uint64_t seq;
	uint8_t prev[32];
};

struct gen {
	struct store_node *n;
	uint8_t net[32];
	struct author *a;
	size_t na;
	uint8_t *secrets; /* sodium_malloc: na * (64 + 64) */
	uint64_t hlc;
	size_t serial; /* records made so far */
};

/* One generated entry; the body is owned. */
struct ent {
	uint8_t hdr[CORE_HDR_MAX];
	size_t hlen;
	uint8_t sig[CORE_SIG_LEN];
	uint8_t *body;
	size_t blen;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: dg_gen --dir DIR [--authors A] [--entries N] "
	    "[--chunk C] [--seed TEXT] [--out PREFIX]\n");
	return 64;
}

static bool
parse_size(const char *s, size_t min, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return false;
	*out = (size_t)v;
	return true;
}

/* Author i's key pair: the seed is BLAKE2b-256 of i keyed with TEXT. */
static void
make_authors(struct gen *g, const char *seed)
{
	uint8_t s[32], num[8];
	size_t i, k;

	for (i = 0; i < g->na; i++) {
		for (k = 0; k < 8; k++)
			num[k] = (uint8_t)(i >> (56 - 8 * k));
		crypto_generichash(s, sizeof s, num, sizeof num,
		    (const uint8_t *)seed, strlen(seed));
		g->a[i].sk = g->secrets + i * 128;
		g->a[i].keys = g->secrets + i * 128 + 64;
		crypto_sign_seed_keypair(g->a[i].pk, g->a[i].sk, s);
	}
	sodium_memzero(s, sizeof s);
}

/* Steps 1 and 2: the invite, the join requests, their admission. */
static int
admit_all(struct gen *g)
{
	struct core_invite_code code;
	struct core_join_request r;
	struct core_bundle_writer *w = NULL;
	struct core_bundle *b = NULL;
	struct store_ingest rep;
	struct core_buf out;
	uint8_t id[32], key[40];
	size_t i;
	int rc;

	core_buf_init(&out);
	rc =
	    store_node_invite(g->n, CORE_ROLE_VOLUNTEER, true, 0, g->na, &code);
	if (rc != 0) {
		fprintf(stderr,
		    "dg_gen: cannot make an invite (is DIR a "
		    "coordinator's node?): %s\n",
		    dg_strerror(rc));
		goto out;
	}
	core_invite_id(code.secret, id);
	core_invite_request_key(id, key);
	memcpy(key + 32, code.tag, 8);
	rc = core_bundle_writer_new(&out, CORE_BUNDLE_REQUEST, key, g->a[0].pk,
	    g->a[0].sk, NULL, (uint64_t)time(NULL), &w);
	for (i = 0; rc == 0 && i < g->na; i++) {
		memset(&r, 0, sizeof r);
		memcpy(r.pk, g->a[i].pk, 32);
		snprintf(r.name, sizeof r.name, "Author %05zu", i + 1);
		memcpy(r.secret, code.secret, sizeof r.secret);
		r.time = (uint64_t)time(NULL);
		core_join_sign(&r, code.tag, g->a[i].sk);
		rc = core_bundle_add_request(w, &r);
	}
	if (rc == 0) {
		rc = core_bundle_finish(w);
		w = NULL;
	}
	if (rc == 0)
		rc = store_node_bundle_open(
		    g->n, (const uint8_t *)out.data, out.len, &b);
	if (rc == 0)
		rc = store_node_ingest(g->n, b, &rep);
	if (rc != 0) {
		fprintf(
		    stderr, "dg_gen: the join requests: %s\n", dg_strerror(rc));
		goto out;
	}
	if (rep.admitted != g->na) {
		fprintf(stderr, "dg_gen: %zu of %zu newcomers admitted: %s\n",
		    rep.admitted, g->na, rep.first_problem);
		rc = DG_EPERM;
	}
out:
	core_bundle_writer_free(w);
	core_bundle_free(b);
	core_buf_fini(&out);
	sodium_memzero(&code, sizeof code);
	sodium_memzero(key, sizeof key);
	return rc;
}

/* Step 3: a key delivery of the coordinator's log; each newcomer named
 * in it opens its own sealed keys. */
static int
take_keys(void *ctx, const struct store_entry *e, int rc)
{
	struct gen *g = ctx;
	struct core_body b;
	uint8_t xpk[32], xsk[32], secret[64];
	size_t i, k;

	if (rc != 0 || e->hdr.kind != CORE_KIND_KEYS || e->body == NULL)
		return 0;
	rc = core_body_decode(CORE_KIND_KEYS, e->body, e->body_len, &b);
	for (i = 0; rc == 0 && i < b.nto; i++) {
		for (k = 0; k < g->na; k++) {
			if (memcmp(b.to[i].pk, g->a[k].pk, 32) == 0)
				break;
		}
		if (k == g->na || (g->a[k].has_key && g->a[k].epoch >= b.epoch))
			continue;
		if (crypto_sign_ed25519_pk_to_curve25519(xpk, g->a[k].pk) ||
		    crypto_sign_ed25519_sk_to_curve25519(xsk, g->a[k].sk) ||
		    crypto_box_seal_open(
		        secret, b.to[i].box, CORE_SEALED_LEN, xpk, xsk) != 0) {
			rc = DG_ECRYPTO;
			break;
		}
		memcpy(g->a[k].keys, secret, 64);
		g->a[k].epoch = b.epoch;
		g->a[k].has_key = true;
	}
	sodium_memzero(xsk, sizeof xsk);
	sodium_memzero(secret, sizeof secret);
	core_body_fini(&b);
	return rc;
}

static int
find_keys(struct gen *g)
{
	uint8_t pk[32];
	size_t i;
	int rc;

	store_node_pk(g->n, pk);
	rc = store_node_run(g->n, pk, 1, SIZE_MAX, SIZE_MAX, take_keys, g);
	if (rc != 0) {
		fprintf(stderr, "dg_gen: cannot read the key deliveries: %s\n",
		    dg_strerror(rc));
		return rc;
	}
	for (i = 0; i < g->na; i++) {
		if (!g->a[i].has_key) {
			fprintf(stderr,
			    "dg_gen: author %zu got no content key\n", i + 1);
			return DG_ENOTFOUND;
		}
	}
	return 0;
}

/* The canonical form of a contact field, as `dugnad add` checks it. */
static int
canon(const char *key, const char *in, char **out)
{
	const struct core_fdef *d;
	char why[128];
	int rc;

	d = core_schema_field(CORE_RT_CONTACT, key, strlen(key));
	if (d == NULL)
		return DG_EINVAL;
	rc = core_valid_value(d->type, in, out, why, sizeof why);
	if (rc != 0)
		fprintf(stderr, "dg_gen: %s=%s: %s\n", key, in, why);
	return rc;
}

/* A contact of about 200 bytes of plaintext, like the benchmarks'. */
static int
make_body(size_t i, struct core_buf *pt)
{
	static const char *const keys[NFIELDS] = {
	    "email", "lang", "name", "note", "phone"};
	static const char *const langs[] = {
	    "nb,so,ar", "nb,ti", "so,nb", "ar,en,nb", "pl,nb"};
	char in[NFIELDS][96];
	struct core_field f[NFIELDS];
	struct core_body b;
	size_t k;
	int rc = 0;

	snprintf(in[0], sizeof in[0], "volunteer.%zu@example.org", i);
	snprintf(in[1], sizeof in[1], "%s", langs[i % 5]);
	snprintf(in[2], sizeof in[2], "Volunteer %07zu Nordmann-Hassan", i);
	snprintf(in[3], sizeof in[3],
	    "Meets on Tuesdays at the library; speaks Somali.");
	snprintf(in[4], sizeof in[4], "+47 9%02zu %02zu %03zu", i % 100, i % 97,
	    i % 1000);
	memset(f, 0, sizeof f);
	for (k = 0; rc == 0 && k < NFIELDS; k++) {
		f[k].key = (char *)(uintptr_t)keys[k];
		rc = canon(keys[k], in[k], &f[k].value);
	}
	if (rc == 0) {
		memset(&b, 0, sizeof b);
		b.kind = CORE_KIND_RECORD;
		b.rtype = CORE_RT_CONTACT;
		randombytes_buf(b.rid, sizeof b.rid);
		b.set = f;
		b.nset = NFIELDS;
		rc = core_body_encode(&b, pt);
	}
	for (k = 0; k < NFIELDS; k++)
		free(f[k].value);
	return rc;
}

/* The next entry of author a: a new contact, sealed, hashed, signed,
 * kept in e; be points into it. */
static int
make_entry(struct gen *g, struct author *a, struct ent *e,
    struct core_bundle_entry *be)
{
	struct core_buf pt;
	struct core_hdr h;
	int rc;

	core_buf_init(&pt);
	e->body = NULL;
	rc = make_body(g->serial, &pt);
	if (rc != 0)
		goto out;
	g->hlc = core_hlc_next(g->hlc, tool_ms(CLOCK_REALTIME));
	memset(&h, 0, sizeof h);
	h.version = CORE_ENTRY_VERSION;
	memcpy(h.net, g->net, 32);
	memcpy(h.author, a->pk, 32);
	h.seq = a->seq + 1;
	memcpy(h.prev, a->prev, 32);
	h.hlc = g->hlc;
	h.kind = CORE_KIND_RECORD;
	h.epoch = a->epoch;
	e->blen = pt.len + CORE_BODY_OVERHEAD;
	e->body = malloc(e->blen);
	if (e->body == NULL) {
		rc = DG_ENOMEM;
		goto out;
	}
	rc = core_entry_seal(
	    &h, a->keys, (const uint8_t *)pt.data, pt.len, e->body);
	if (rc != 0)
		goto out;
	h.body_len = (uint32_t)e->blen;
	core_entry_body_hash(e->body, e->blen, h.body_hash);
	rc = core_entry_encode(&h, e->hdr, sizeof e->hdr, &e->hlen);
	if (rc != 0)
		goto out;
	core_entry_sign(e->hdr, e->hlen, a->sk, e->sig);
	core_entry_hash(e->hdr, e->hlen, a->prev);
	be->hdr = e->hdr;
	be->hlen = e->hlen;
	be->sig = e->sig;
	be->body = e->body;
	be->blen = e->blen;
	a->seq = h.seq;
	g->serial++;
out:
	if (rc != 0) {
		free(e->body);
		e->body = NULL;
	}
	core_buf_fini(&pt);
	return rc;
}

/* One bundle: a run of up to per entries of every author that has any
 * left (want[i] entries in all for author i). */
static int
make_bundle(struct gen *g, const size_t *want, size_t per, struct ent *ents,
    struct core_bundle_entry *be, struct core_buf *out, size_t *count)
{
	struct core_bundle_writer *w = NULL;
	size_t i, k, run;
	int rc;

	*count = 0;
	rc = core_bundle_writer_new(out, CORE_BUNDLE_NETWORK, g->a[0].keys + 32,
	    g->a[0].pk, g->a[0].sk, g->net, (uint64_t)time(NULL), &w);
	for (i = 0; rc == 0 && i < g->na; i++) {
		run = want[i] - g->a[i].seq;
		if (run > per)
			run = per;
		for (k = 0; k < run; k++) {
			rc = make_entry(g, &g->a[i], &ents[k], &be[k]);
			if (rc != 0)
				break;
		}
		if (rc == 0 && run > 0)
			rc = core_bundle_add_entries(w, g->a[i].pk, be, run);
		while (k > 0)
			free(ents[--k].body);
		*count += run;
	}
	if (rc == 0) {
		rc = core_bundle_finish(w);
		w = NULL;
	}
	core_bundle_writer_free(w);
	return rc;
}

/* Ingests a bundle as `dugnad bundle import` does; every entry must be
 * taken. */
static int
ingest(struct gen *g, const struct core_buf *out, size_t count)
{
	struct core_bundle *b = NULL;
	struct store_ingest rep;
	int rc;

	rc = store_node_bundle_open(
	    g->n, (const uint8_t *)out->data, out->len, &b);
	if (rc == 0)
		rc = store_node_ingest(g->n, b, &rep);
	core_bundle_free(b);
	if (rc != 0) {
		fprintf(stderr, "dg_gen: ingest: %s\n", dg_strerror(rc));
		return rc;
	}
	if (rep.entries != count || rep.refused != 0) {
		fprintf(stderr,
		    "dg_gen: %zu of %zu entries taken, %zu refused: "
		    "%s\n",
		    rep.entries, count, rep.refused, rep.first_problem);
		return DG_EPERM;
	}
	return 0;
}

static int
write_bundle(const char *prefix, size_t k, const struct core_buf *out)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof path, "%s-%04zu.dugnad", prefix, k);
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		return DG_EIO;
	}
	ok = fwrite(out->data, 1, out->len, f) == out->len;
	if (fclose(f) != 0 || !ok) {
		perror(path);
		return DG_EIO;
	}
	return 0;
}

/* Step 4 and 5. */
static int
generate(struct gen *g, size_t total, size_t chunk, const char *prefix,
    size_t *nbundles)
{
	struct core_bundle_entry *be = NULL;
	struct ent *ents = NULL;
	struct core_buf out;
	size_t *want, i, per, done = 0, count;
	int rc = 0;

	per = (chunk + g->na - 1) / g->na;
	core_buf_init(&out);
	want = calloc(g->na, sizeof *want);
	ents = calloc(per, sizeof *ents);
	be = calloc(per, sizeof *be);
	if (want == NULL || ents == NULL || be == NULL) {
		rc = DG_ENOMEM;
		goto out;
	}
	for (i = 0; i < g->na; i++)
		want[i] = total / g->na + (i < total % g->na);
	*nbundles = 0;
	while (rc == 0 && done < total) {
		core_buf_reset(&out);
		rc = make_bundle(g, want, per, ents, be, &out, &count);
		if (rc == 0 && out.err != 0)
			rc = out.err;
		if (rc != 0) {
			fprintf(stderr, "dg_gen: cannot make a bundle: %s\n",
			    dg_strerror(rc));
			break;
		}
		++*nbundles;
		if (prefix != NULL)
			rc = write_bundle(prefix, *nbundles, &out);
		else
			rc = ingest(g, &out, count);
		done += count;
		if (isatty(2))
			fprintf(stderr, "\r%zu of %zu entries", done, total);
	}
	if (isatty(2))
		fputc('\n', stderr);
out:
	core_buf_fini(&out);
	free(want);
	free(ents);
	free(be);
	return rc;
}

int
main(int argc, char **argv)
{
	struct gen g;
	const char *dir = NULL, *seed = "dugnad load", *prefix = NULL, *pass;
	size_t total = 10000, chunk = 20000, nbundles = 0;
	double t0;
	int i, rc = 1;

	memset(&g, 0, sizeof g);
	g.na = 1000;
	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--dir") == 0 && v != NULL)
			dir = v;
		else if (strcmp(argv[i], "--seed") == 0 && v != NULL)
			seed = v;
		else if (strcmp(argv[i], "--out") == 0 && v != NULL)
			prefix = v;
		else if (strcmp(argv[i], "--authors") == 0 &&
		    parse_size(v, 1, AUTHORS_MAX, &g.na))
			;
		else if (strcmp(argv[i], "--entries") == 0 &&
		    parse_size(v, 0, SIZE_MAX / 2, &total))
			;
		else if (strcmp(argv[i], "--chunk") == 0 &&
		    parse_size(v, 1, CORE_BUNDLE_BATCH_MAX * 64, &chunk))
			;
		else
			return usage();
		i++;
	}
	pass = getenv("DUGNAD_PASSPHRASE");
	if (dir == NULL || pass == NULL)
		return usage();
	if (sodium_init() < 0)
		return 1;
	t0 = tool_seconds();
	g.a = calloc(g.na, sizeof *g.a);
	g.secrets = sodium_malloc(g.na * 128);
	if (g.a == NULL || g.secrets == NULL) {
		fprintf(stderr, "dg_gen: out of memory\n");
		goto out;
	}
	make_authors(&g, seed);
	rc = store_node_open(dir, pass, strlen(pass), 0, &g.n);
	if (rc != 0) {
		fprintf(stderr, "dg_gen: cannot open %s: %s\n", dir,
		    dg_strerror(rc));
		rc = 1;
		goto out;
	}
	rc = store_node_network(g.n, g.net, NULL);
	if (rc == 0)
		rc = admit_all(&g);
	if (rc == 0)
		rc = find_keys(&g);
	if (rc == 0)
		rc = generate(&g, total, chunk, prefix, &nbundles);
	if (rc == 0)
		printf("authors %zu entries %zu bundles %zu seconds %.1f\n",
		    g.na, total, nbundles, tool_seconds() - t0);
	rc = rc == 0 ? 0 : 1;
out:
	store_node_close(g.n);
	sodium_free(g.secrets);
	free(g.a);
	return rc;
}
