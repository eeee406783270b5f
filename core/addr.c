#include "core/addr.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define V6_TEXT_MAX 45 /* INET6_ADDRSTRLEN without the NUL */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Digits only, 1..65535, no leading zero: "07000" and "+7000" would
 * each be read differently by some tool, so neither is accepted. */
static int
parse_port(const char *s, uint16_t *port)
{
	uint32_t v = 0;
	size_t i;

	if (!is_digit(s[0]) || s[0] == '0')
		return DG_EINVAL;
	for (i = 0; s[i] != '\0'; i++) {
		if (i == 5 || !is_digit(s[i]))
			return DG_EINVAL;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return DG_EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Exactly four octets 0..255; no leading zeros, which some resolvers
 * read as octal ("010" is 8). */
static int
parse_ipv4(const char *s, size_t len, char *host)
{
	unsigned oct[4];
	size_t i = 0, k;

	for (k = 0; k < 4; k++) {
		size_t start = i;

		oct[k] = 0;
		while (i < len && is_digit(s[i])) {
			oct[k] = oct[k] * 10 + (unsigned)(s[i] - '0');
			if (++i - start > 3)
				return DG_EINVAL;
		}
		if (i == start || oct[k] > 255 ||
		    (i - start > 1 && s[start] == '0'))
			return DG_EINVAL;
		if (k < 3) {
			if (i >= len || s[i] != '.')
				return DG_EINVAL;
			i++;
		}
	}
	if (i != len)
		return DG_EINVAL;
	snprintf(host, CORE_ADDR_HOST_MAX + 1, "%u.%u.%u.%u", oct[0], oct[1],
	    oct[2], oct[3]);
	return 0;
}

static int
parse_dns(const char *s, size_t len, char *host)
{
	size_t i, label = 0;
	bool numeric = true;

	if (len == 0 || len > CORE_ADDR_HOST_MAX)
		return DG_EINVAL;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return DG_EINVAL;
			if (i == len && numeric)
				return DG_EINVAL;
			label = 0;
			numeric = true;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return DG_EINVAL;
		if (c == '-' && label == 0)
			return DG_EINVAL;
		if (!is_digit(c))
			numeric = false;
		if (++label > 63)
			return DG_EINVAL;
	}
	for (i = 0; i < len; i++)
		host[i] = lower(s[i]);
	host[len] = '\0';
	return 0;
}

/* inet_pton checks the literal; inet_ntop writes its RFC 5952 form, so
 * every spelling of one address gives one text. */
static int
parse_ipv6(const char *s, size_t len, char *host)
{
	char buf[V6_TEXT_MAX + 1];
	unsigned char a[16];

	if (len < 2 || len > V6_TEXT_MAX)
		return DG_EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1)
		return DG_EINVAL;
	if (inet_ntop(AF_INET6, a, host, CORE_ADDR_HOST_MAX + 1) == NULL)
		return DG_EINVAL;
	return 0;
}

int
core_addr_parse(const char *s, char host[CORE_ADDR_HOST_MAX + 1],
    uint16_t *port)
{
	const char *colon, *end;
	size_t len, hlen, i;
	bool dotted = true;
	int rc;

	len = strnlen(s, CORE_ADDR_TEXT_MAX + 1);
	if (len > CORE_ADDR_TEXT_MAX)
		return DG_EINVAL;
	if (s[0] == '[') {
		end = memchr(s, ']', len);
		if (end == NULL || end[1] != ':')
			return DG_EINVAL;
		rc = parse_ipv6(s + 1, (size_t)(end - s - 1), host);
		if (rc == 0)
			rc = parse_port(end + 2, port);
		return rc;
	}
	colon = memchr(s, ':', len);
	if (colon == NULL || strchr(colon + 1, ':') != NULL)
		return DG_EINVAL; /* no port, or IPv6 without brackets */
	hlen = (size_t)(colon - s);
	if (hlen == 0)
		return DG_EINVAL;
	for (i = 0; i < hlen; i++) {
		if (!is_digit(s[i]) && s[i] != '.')
			dotted = false;
	}
	rc = dotted ? parse_ipv4(s, hlen, host) : parse_dns(s, hlen, host);
	if (rc == 0)
		rc = parse_port(colon + 1, port);
	return rc;
}

void
core_addr_format(const char *host, uint16_t port, char *out, size_t cap)
{
	size_t i;

	if (cap == 0)
		return;
	if (strchr(host, ':') != NULL)
		snprintf(out, cap, "[%s]:%u", host, (unsigned)port);
	else
		snprintf(out, cap, "%s:%u", host, (unsigned)port);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = lower(out[i]);
}
