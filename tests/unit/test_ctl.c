/* tests/unit/test_ctl.c - net/ctl.c: the control socket's requests
 * round-trip with the caller's language and TZ (or none); a request from
 * an older client (neither, or no TZ) is still read; a language or TZ
 * that is too long, not a string or has a NUL inside is refused. */
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "core/buf.h"
#include "core/mp.h"
#include "net/ctl.h"
#include "tests/unit/t.h"

/* ["run", false, ["list"], lang] with lang packed by put_lang. */
static void
pack_run(struct core_buf *b, int nitems, void (*put_lang)(msgpack_packer *))
{
	msgpack_packer pk;

	core_buf_init(b);
	core_mp_packer(&pk, b);
	msgpack_pack_array(&pk, (size_t)nitems);
	core_mp_str(&pk, "run");
	msgpack_pack_false(&pk);
	msgpack_pack_array(&pk, 1);
	core_mp_str(&pk, "list");
	if (put_lang != NULL)
		put_lang(&pk);
}

/* Packs a string of n letters (n at most NET_CTL_TZ_MAX + 1). */
static void
pack_letters(msgpack_packer *pk, size_t n)
{
	char s[NET_CTL_TZ_MAX + 2];

	memset(s, 'n', n);
	s[n] = '\0';
	core_mp_str(pk, s);
}

static void
lang_long(msgpack_packer *pk)
{
	pack_letters(pk, NET_CTL_LANG_MAX + 1);
}

static void
lang_max(msgpack_packer *pk)
{
	pack_letters(pk, NET_CTL_LANG_MAX);
}

static void
lang_int(msgpack_packer *pk)
{
	msgpack_pack_int(pk, 7);
}

static void
lang_nul(msgpack_packer *pk)
{
	msgpack_pack_str(pk, 4);
	msgpack_pack_str_body(pk, "nb\0x", 4);
}

static int
decode(const struct core_buf *b, struct net_ctl_req *r)
{
	return net_ctl_req_decode((const uint8_t *)b->data, b->len, r);
}

static void
test_run_round_trip(void)
{
	char *argv[] = { "show", "abcd" };
	struct core_buf b;
	struct net_ctl_req r;

	core_buf_init(&b);
	net_ctl_req_run(&b, true, "nb_NO.UTF-8", "America/New_York", 2, argv);
	T_EQ_INT(decode(&b, &r), 0);
	T_EQ_INT(r.kind, NET_CTL_RUN);
	T_ASSERT(r.json);
	T_EQ_INT(r.argc, 2);
	T_EQ_STR(r.argv[0], "show");
	T_EQ_STR(r.argv[1], "abcd");
	T_ASSERT(r.argv[2] == NULL);
	T_EQ_STR(r.lang, "nb_NO.UTF-8");
	T_ASSERT(r.tz_given);
	T_EQ_STR(r.tz, "America/New_York");
	net_ctl_req_fini(&r);
	T_ASSERT(r.lang == NULL && r.argv == NULL && r.tz == NULL);
	core_buf_fini(&b);

	/* a caller without TZ: nil */
	core_buf_init(&b);
	net_ctl_req_run(&b, false, "C", NULL, 2, argv);
	T_EQ_INT(decode(&b, &r), 0);
	T_EQ_STR(r.lang, "C");
	T_ASSERT(r.tz_given && r.tz == NULL);
	net_ctl_req_fini(&r);
	core_buf_fini(&b);
}

static void
test_run_without_lang(void)
{
	struct core_buf b;
	struct net_ctl_req r;

	pack_run(&b, 3, NULL);
	T_EQ_INT(decode(&b, &r), 0);
	T_EQ_INT(r.kind, NET_CTL_RUN);
	T_EQ_INT(r.argc, 1);
	T_ASSERT(r.lang == NULL && !r.tz_given && r.tz == NULL);
	net_ctl_req_fini(&r);
	core_buf_fini(&b);

	/* a client that sends its language but no TZ */
	pack_run(&b, 4, lang_max);
	T_EQ_INT(decode(&b, &r), 0);
	T_ASSERT(r.lang != NULL && !r.tz_given);
	net_ctl_req_fini(&r);
	core_buf_fini(&b);
}

static void
test_run_bad_lang(void)
{
	struct core_buf b;
	struct net_ctl_req r;
	msgpack_packer pk;

	pack_run(&b, 4, lang_max);
	T_EQ_INT(decode(&b, &r), 0);
	T_EQ_INT(strlen(r.lang), NET_CTL_LANG_MAX);
	net_ctl_req_fini(&r);
	core_buf_fini(&b);

	pack_run(&b, 4, lang_long);
	T_EQ_INT(decode(&b, &r), DG_EDECODE);
	T_ASSERT(r.argv == NULL && r.lang == NULL);
	core_buf_fini(&b);

	pack_run(&b, 4, lang_int);
	T_EQ_INT(decode(&b, &r), DG_EDECODE);
	core_buf_fini(&b);

	pack_run(&b, 4, lang_nul); /* the text check refuses the NUL */
	T_EQ_INT(decode(&b, &r), DG_EUTF8);
	core_buf_fini(&b);

	/* the TZ: a string of at most NET_CTL_TZ_MAX bytes, or nil */
	pack_run(&b, 5, lang_max);
	core_mp_packer(&pk, &b);
	lang_long(&pk); /* 65 bytes: a fine TZ */
	T_EQ_INT(decode(&b, &r), 0);
	T_EQ_INT(strlen(r.tz), NET_CTL_LANG_MAX + 1);
	net_ctl_req_fini(&r);
	core_buf_fini(&b);

	pack_run(&b, 5, lang_max);
	core_mp_packer(&pk, &b);
	pack_letters(&pk, NET_CTL_TZ_MAX + 1);
	T_EQ_INT(decode(&b, &r), DG_EDECODE);
	T_ASSERT(r.lang == NULL && r.tz == NULL && r.argv == NULL);
	core_buf_fini(&b);

	pack_run(&b, 5, lang_max);
	core_mp_packer(&pk, &b);
	msgpack_pack_int(&pk, 3);
	T_EQ_INT(decode(&b, &r), DG_EDECODE);
	core_buf_fini(&b);

	/* six items: not a request */
	pack_run(&b, 6, lang_max);
	core_mp_packer(&pk, &b);
	msgpack_pack_nil(&pk);
	msgpack_pack_nil(&pk);
	T_EQ_INT(decode(&b, &r), DG_EDECODE);
	core_buf_fini(&b);
}

T_MAIN(T_CASE(test_run_round_trip), T_CASE(test_run_without_lang),
    T_CASE(test_run_bad_lang))
