/* core/addr.h - peer addresses typed by people: "HOST:PORT".
 *
 * HOST is an IPv4 dotted quad ("192.0.2.7"), a bracketed IPv6 literal
 * ("[2001:db8::7]") or a DNS name ("node.example.org").  The canonical
 * text is what the store keeps and compares, so one peer typed two ways
 * ("Node.Example.ORG:7000", "node.example.org:7000"; "[0:0::1]:7000",
 * "[::1]:7000") is one entry.  Pure code: nothing is resolved.
 */
#ifndef CORE_ADDR_H
#define CORE_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Longest host without brackets: a DNS name of 253 characters (an IPv6
 * literal is at most 45). */
#define CORE_ADDR_HOST_MAX 253
/* Longest canonical text: "[" host "]" ":" 5 digits, without the NUL. */
#define CORE_ADDR_TEXT_MAX (CORE_ADDR_HOST_MAX + 8)

/* Parses s ("HOST:PORT") into its canonical host (no brackets; IPv6 in
 * RFC 5952 form, DNS names in lowercase) and port.  Accepted:
 *  - IPv4: four decimal octets 0..255 without leading zeros;
 *  - IPv6: a literal in brackets, without a zone ("%eth0");
 *  - DNS: ASCII letters, digits and '-' in dot-separated labels of 1 to
 *    63 characters, no label starting or ending with '-', 253 characters
 *    at most, the last label not all digits (so "10.1.2" is refused, not
 *    taken for a name);
 *  - PORT: decimal 1..65535, digits only (no sign, no spaces, no leading
 *    zero).
 * host receives a NUL-terminated string.  Returns 0 or DG_EINVAL (host
 * and port are then unspecified). */
int core_addr_parse(const char *s, char host[CORE_ADDR_HOST_MAX + 1],
    uint16_t *port) DG_WUR;

/* Writes the canonical text of host and port to out (capacity cap;
 * CORE_ADDR_TEXT_MAX + 1 always suffices): brackets around a host with a
 * ':' (IPv6), ASCII letters lowered.  host is as core_addr_parse returns
 * it.  The text is cut (still NUL-terminated) when cap is too small. */
void core_addr_format(const char *host, uint16_t port, char *out, size_t cap);

#endif
