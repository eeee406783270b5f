/* core/invite.h - invite codes.
 *
 * An invite code is read over the phone or typed from a note, so it is
 * short, case-insensitive, grouped, and carries a checksum that catches
 * typing errors.  It holds:
 *
 *   net tag   8 bytes   the first 8 bytes of BLAKE2b-256 keyed with
 *                       "dugnad net tag" over the network id: names the
 *                       network without revealing its id
 *   secret   16 bytes   the one-time secret; the log holds only its hash
 *   checksum  2 bytes   the first 2 bytes of BLAKE2b-256 keyed with
 *                       "dugnad invite" over the 24 bytes above
 *
 * Every "keyed" here is BLAKE2b with the ASCII bytes of the quoted string
 * (no NUL) as its key.  26 bytes in base32 (core/b32.h) are 42 characters
 * (the last carries 3 data bits and 2 zero bits), written in 7 groups of
 * 6 joined by '-': "abcdef-ghijkl-mnopqr-stuvwx-yz2345-67abcd-efghij".
 * Parsing ignores case, '-' and white space (' ', tab, CR, LF) anywhere,
 * and a leading "dugnad:" (any case); it maps the look-alikes '0' -> 'o',
 * '1' -> 'l', '8' -> 'b' before decoding.  Anything else is refused.
 */
#ifndef CORE_INVITE_H
#define CORE_INVITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CORE_INVITE_TAG 8
#define CORE_INVITE_SECRET 16
#define CORE_INVITE_TEXT 64 /* buffer for the text form with its NUL */

struct core_invite_code {
	uint8_t tag[CORE_INVITE_TAG];
	uint8_t secret[CORE_INVITE_SECRET];
};

/* The net tag of a network id. */
void core_invite_net_tag(const uint8_t net[32], uint8_t tag[CORE_INVITE_TAG]);

/* Writes the grouped text form of code to out. */
void core_invite_format(const struct core_invite_code *code,
    char out[CORE_INVITE_TEXT]);

/* Parses a typed code.  Returns 0, DG_EDECODE (not a code: wrong length
 * or characters) or DG_EINVAL (a typing error: checksum mismatch, or
 * non-zero pad bits in the last character). */
int core_invite_parse(const char *text, struct core_invite_code *out) DG_WUR;

/* The invite id kept in the log: BLAKE2b-256 of the secret keyed
 * "dugnad invite id".  Knowing it does not let one use the invite. */
void core_invite_id(const uint8_t secret[CORE_INVITE_SECRET],
    uint8_t id[32]);

/* The key that encrypts a join request made with this invite, derived
 * from the invite id (so every member who can read the invite entry can
 * read the request, and a stranger with the file cannot):
 * BLAKE2b-256 of the id keyed "dugnad join key". */
void core_invite_request_key(const uint8_t id[32], uint8_t key[32]);

#endif
