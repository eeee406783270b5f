#include "core/invite.h"

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "core/b32.h"

#define RAW_LEN (CORE_INVITE_TAG + CORE_INVITE_SECRET + 2)
#define CODE_CHARS CORE_B32_LEN(RAW_LEN) /* 42 */
#define GROUP 6

/* BLAKE2b-256 keyed with the ASCII bytes of ctx (no NUL). */
static void
keyed(const char *ctx, const uint8_t *in, size_t n, uint8_t out[32])
{
	crypto_generichash(out, 32, in, n, (const uint8_t *)ctx, strlen(ctx));
}

static void
checksum(const uint8_t body[CORE_INVITE_TAG + CORE_INVITE_SECRET],
    uint8_t sum[2])
{
	uint8_t h[32];

	keyed("dugnad invite", body, CORE_INVITE_TAG + CORE_INVITE_SECRET, h);
	memcpy(sum, h, 2);
}

void
core_invite_net_tag(const uint8_t net[32], uint8_t tag[CORE_INVITE_TAG])
{
	uint8_t h[32];

	keyed("dugnad net tag", net, 32, h);
	memcpy(tag, h, CORE_INVITE_TAG);
}

void
core_invite_format(const struct core_invite_code *code,
    char out[CORE_INVITE_TEXT])
{
	uint8_t raw[RAW_LEN];
	char flat[CODE_CHARS + 1];
	size_t i, o = 0;

	memcpy(raw, code->tag, CORE_INVITE_TAG);
	memcpy(raw + CORE_INVITE_TAG, code->secret, CORE_INVITE_SECRET);
	checksum(raw, raw + CORE_INVITE_TAG + CORE_INVITE_SECRET);
	core_b32_encode(raw, sizeof raw, flat);
	for (i = 0; i < CODE_CHARS; i++) {
		if (i > 0 && i % GROUP == 0)
			out[o++] = '-';
		out[o++] = flat[i];
	}
	out[o] = '\0';
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(flat, sizeof flat);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The base32 character a typed one stands for, or 0. */
static char
normalize(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	switch (c) {
	case '0': return 'o';
	case '1': return 'l';
	case '8': return 'b';
	}
	if ((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))
		return c;
	return 0;
}

int
core_invite_parse(const char *text, struct core_invite_code *out)
{
	static const char prefix[] = "dugnad:";
	char flat[CODE_CHARS];
	uint8_t raw[RAW_LEN], sum[2];
	const char *p = text;
	size_t n = 0, got, i;
	int rc = DG_EDECODE;
	char c;

	while (is_space(*p))
		p++;
	for (i = 0; i < sizeof prefix - 1; i++) {
		c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != prefix[i])
			break;
	}
	if (i == sizeof prefix - 1)
		p += i;
	for (; *p != '\0'; p++) {
		if (*p == '-' || is_space(*p))
			continue;
		c = normalize(*p);
		/* Stop at once on a stray character or an overlong code, so
		 * the work is bounded whatever was pasted. */
		if (c == 0 || n == CODE_CHARS)
			goto out;
		flat[n++] = c;
	}
	if (n != CODE_CHARS)
		goto out;
	/* Every character is valid, so a decode failure can only be the
	 * two pad bits of the last character: a mistyped last character,
	 * which is a typing error like a checksum mismatch. */
	if (core_b32_decode(flat, n, raw, sizeof raw, &got) != 0 ||
	    got != RAW_LEN) {
		rc = DG_EINVAL;
		goto out;
	}
	checksum(raw, sum);
	if (sodium_memcmp(sum, raw + CORE_INVITE_TAG + CORE_INVITE_SECRET,
		2) != 0) {
		rc = DG_EINVAL;
		goto out;
	}
	memcpy(out->tag, raw, CORE_INVITE_TAG);
	memcpy(out->secret, raw + CORE_INVITE_TAG, CORE_INVITE_SECRET);
	rc = 0;
out:
	sodium_memzero(flat, sizeof flat);
	sodium_memzero(raw, sizeof raw);
	return rc;
}

void
core_invite_id(const uint8_t secret[CORE_INVITE_SECRET], uint8_t id[32])
{
	keyed("dugnad invite id", secret, CORE_INVITE_SECRET, id);
}

void
core_invite_request_key(const uint8_t id[32], uint8_t key[32])
{
	keyed("dugnad join key", id, 32, key);
}
