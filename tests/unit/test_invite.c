/* tests/unit/test_invite.c - invite codes: text form, forgiving parsing,
 * typo detection, and the keys derived from an invite.  The vectors were
 * computed independently with Python's hashlib.blake2b and base64. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/invite.h"
#include "tests/unit/t.h"

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* net = 00 01 .. 1f, secret = a0 a1 .. af */
static const char vec_text[] = "4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci";
static const char vec_tag[] = "e405295d83cc7ae5";
static const char vec_id[] =
    "405e8a9c2cd41c8f1086f94f591131510a2301c0c778158e35155f8b2636111e";
static const char vec_reqkey[] =
    "37103c2c62bbf51e17620b9eac11b6e9bc8b131eab64eb436e8ebb70fd7b1792";

static void
hex(const uint8_t *p, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, p, n);
}

static void
vec_code(struct core_invite_code *c)
{
	uint8_t net[32];
	size_t i;

	for (i = 0; i < 32; i++)
		net[i] = (uint8_t)i;
	core_invite_net_tag(net, c->tag);
	for (i = 0; i < CORE_INVITE_SECRET; i++)
		c->secret[i] = (uint8_t)(0xa0 + i);
}

static int
same(const struct core_invite_code *a, const struct core_invite_code *b)
{
	return memcmp(a->tag, b->tag, sizeof a->tag) == 0 &&
	    memcmp(a->secret, b->secret, sizeof a->secret) == 0;
}

static void
test_vector(void)
{
	struct core_invite_code c, back;
	char text[CORE_INVITE_TEXT], h[65];
	uint8_t id[32], key[32];

	T_ASSERT(sodium_init() >= 0);
	vec_code(&c);
	hex(c.tag, sizeof c.tag, h);
	T_EQ_STR(h, vec_tag);
	core_invite_format(&c, text);
	T_EQ_STR(text, vec_text);
	T_EQ_INT(core_invite_parse(text, &back), 0);
	T_ASSERT(same(&c, &back));
	core_invite_id(c.secret, id);
	hex(id, 32, h);
	T_EQ_STR(h, vec_id);
	core_invite_request_key(id, key);
	hex(key, 32, h);
	T_EQ_STR(h, vec_reqkey);
}

static void
test_round_trip(void)
{
	struct core_invite_code c, back;
	char text[CORE_INVITE_TEXT];
	size_t i, j;

	for (i = 0; i < 2000; i++) {
		randombytes_buf(&c, sizeof c);
		core_invite_format(&c, text);
		T_EQ_INT(strlen(text), 48);
		for (j = 0; j < 48; j++) {
			if (j % 7 == 6)
				T_ASSERT(text[j] == '-');
			else
				T_ASSERT(strchr(alphabet, text[j]) != NULL);
		}
		memset(&back, 0, sizeof back);
		T_EQ_INT(core_invite_parse(text, &back), 0);
		T_ASSERT(same(&c, &back));
	}
}

static void
test_forgiving(void)
{
	static const char *const ok[] = {
		"4QCSSX-MDZR5O-LIFBUK-R2JJNG-U6UKTK-VLVSW2-5L2RCI",
		"4qcssxmdzr5olifbukr2jjngu6uktkvlvsw25l2rci",
		"4qcs sxmd zr5o lifb ukr2 jjng u6uk tkvl vsw2 5l2r ci",
		"  4qcssx mdzr5o-lifbuk--r2jjng u6uktk vlvsw2 5l2rci\n",
		"dugnad:4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci",
		"DUGNAD: 4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci",
		" Dugnad:4QcSsX-mDzR5O-lIfBuK-r2JjNg-U6uKtK-vLvSw2-5L2rCi\r\n",
		"4qcs-sxmd-zr5o-lifb-ukr2-jjng-u6uk-tkvl-vsw2-5l2r-ci",
		"-4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci-",
		/* look-alikes: o -> 0, l -> 1, b -> 8 */
		"4qcssx-mdzr50-1if8uk-r2jjng-u6uktk-v1vsw2-512rci",
		"4QCSSX-MDZR50-1IF8UK-R2JJNG-U6UKTK-V1VSW2-512RCI",
	};
	struct core_invite_code c, back;
	size_t i;

	vec_code(&c);
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		memset(&back, 0, sizeof back);
		if (core_invite_parse(ok[i], &back) != 0)
			fprintf(stderr, "  refused: \"%s\"\n", ok[i]);
		T_EQ_INT(core_invite_parse(ok[i], &back), 0);
		T_ASSERT(same(&c, &back));
	}
}

static void
test_lookalikes_everywhere(void)
{
	struct core_invite_code c, back;
	char text[CORE_INVITE_TEXT];
	size_t i, hits = 0;

	/* Random codes, every o, l and b typed as its look-alike digit. */
	for (i = 0; i < 500; i++) {
		char *p;

		randombytes_buf(&c, sizeof c);
		core_invite_format(&c, text);
		for (p = text; *p != '\0'; p++) {
			if (*p == 'o' || *p == 'l' || *p == 'b')
				hits++;
			if (*p == 'o')
				*p = '0';
			else if (*p == 'l')
				*p = '1';
			else if (*p == 'b')
				*p = '8';
		}
		T_EQ_INT(core_invite_parse(text, &back), 0);
		T_ASSERT(same(&c, &back));
	}
	T_ASSERT(hits > 100);
}

static void
test_refused(void)
{
	static const char *const bad[] = {
		"",
		"dugnad:",
		"   ",
		"----",
		/* one character short, one too many */
		"4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rc",
		"4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rcia",
		/* characters that are not base32 nor look-alikes */
		"4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rc9",
		"4qcssx_mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci",
		"4qcssx.mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci",
		"4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rc\xc3\xa9",
		"4qcssx\xe2\x80\x93mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci",
		/* the prefix only at the start, and only once */
		"4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci dugnad:",
		"dugnad:dugnad:4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci",
		"dugnad 4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci",
		"https://4qcssx-mdzr5o-lifbuk-r2jjng-u6uktk-vlvsw2-5l2rci",
	};
	struct core_invite_code back;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (core_invite_parse(bad[i], &back) != DG_EDECODE)
			fprintf(stderr, "  accepted: \"%s\"\n", bad[i]);
		T_EQ_INT(core_invite_parse(bad[i], &back), DG_EDECODE);
	}
}

/* Every single-character substitution and every swap of two adjacent
 * different characters of the vector is caught as a typing error. */
static void
test_typos(void)
{
	char text[CORE_INVITE_TEXT];
	struct core_invite_code back;
	size_t i, j;
	char keep;

	for (i = 0; vec_text[i] != '\0'; i++) {
		if (vec_text[i] == '-')
			continue;
		for (j = 0; alphabet[j] != '\0'; j++) {
			if (alphabet[j] == vec_text[i])
				continue;
			memcpy(text, vec_text, sizeof vec_text);
			text[i] = alphabet[j];
			T_EQ_INT(core_invite_parse(text, &back), DG_EINVAL);
		}
	}
	for (i = 0; vec_text[i + 1] != '\0'; i++) {
		if (vec_text[i] == '-' || vec_text[i + 1] == '-' ||
		    vec_text[i] == vec_text[i + 1])
			continue;
		memcpy(text, vec_text, sizeof vec_text);
		keep = text[i];
		text[i] = text[i + 1];
		text[i + 1] = keep;
		T_EQ_INT(core_invite_parse(text, &back), DG_EINVAL);
	}
}

/* On random codes a substitution slips through the 16-bit checksum with
 * probability 2^-16; over 40,000 typos a handful at most. */
static void
test_typo_rate(void)
{
	struct core_invite_code c, back;
	char text[CORE_INVITE_TEXT];
	size_t i, pos, passed = 0;
	char ch;

	for (i = 0; i < 40000; i++) {
		randombytes_buf(&c, sizeof c);
		core_invite_format(&c, text);
		do
			pos = randombytes_uniform(48);
		while (text[pos] == '-');
		do
			ch = alphabet[randombytes_uniform(32)];
		while (ch == text[pos]);
		text[pos] = ch;
		if (core_invite_parse(text, &back) == 0)
			passed++;
	}
	T_ASSERT(passed <= 8);
}

static void
test_net_tag(void)
{
	uint8_t a[32], b[32], ta[8], tb[8];

	memset(a, 1, sizeof a);
	memcpy(b, a, sizeof b);
	b[31] ^= 1;
	core_invite_net_tag(a, ta);
	core_invite_net_tag(b, tb);
	T_ASSERT(memcmp(ta, tb, 8) != 0);
	/* the tag is not a prefix of the id */
	T_ASSERT(memcmp(ta, a, 8) != 0);
}

T_MAIN(T_CASE(test_vector), T_CASE(test_round_trip), T_CASE(test_forgiving),
    T_CASE(test_lookalikes_everywhere), T_CASE(test_refused),
    T_CASE(test_typos), T_CASE(test_typo_rate), T_CASE(test_net_tag))
