/* core/vcf.h - vCard 4.0 (RFC 6350) out, and vCard 3.0/4.0 in.
 *
 * Contacts map to vCard properties: name -> FN (and N, with the whole
 * name as the given name), name@LANG -> FN;ALTID=1;LANGUAGE=LANG,
 * phone -> TEL;VALUE=uri:tel:..., email -> EMAIL, org -> ORG, role ->
 * ROLE, lang -> LANG (one per tag, with PREF by position), area ->
 * X-DUGNAD-AREA, note -> NOTE, id -> UID (urn:dugnad:<id>), updated ->
 * REV.  Translations of org, role, area and note are written and read
 * like name@LANG.  Lines are folded at 75 octets without splitting a
 * UTF-8 character, and text values are escaped (\\ \, \; \n).
 */
#ifndef CORE_VCF_H
#define CORE_VCF_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/record.h"

/* A key=value pair in dugnad's field names, borrowed for a callback. */
struct core_kv {
	const char *key;
	const char *value;
};

#define CORE_VCF_PROPS_MAX 256 /* properties in one card */

/* Appends the contacts among recs as vCard 4.0 with CRLF line ends;
 * other types and removed records are skipped.  b->err tells of a
 * failed allocation. */
void core_vcf_write(struct core_buf *b, const struct core_record *recs,
    size_t n);

/* Called for each card with the line of its BEGIN:VCARD and the fields
 * it maps to, sorted by key (name, name@LANG, phone, email, org, role,
 * lang, area, note, and org/role/area/note@LANG); keys and values are
 * borrowed until the callback returns.  Unknown properties are ignored.
 * Of several FN, TEL, EMAIL ... the most preferred (PREF=1, or
 * TYPE=pref in 3.0) wins, else the first; N gives the name only when
 * there is no FN, TITLE the role only when there is no ROLE; every LANG
 * goes into one comma list, most preferred first.  A non-zero return
 * stops the parse and is returned. */
typedef int (*core_vcf_card_fn)(void *ctx, size_t line,
    const struct core_kv *kv, size_t nkv);

/* Parses data[0..len) holding one or more vCards (3.0 or 4.0, unfolded
 * per RFC 6350 3.2; a leading UTF-8 BOM is skipped).  Input without any
 * card, a property outside BEGIN:VCARD ... END:VCARD, a card without
 * its END, vCard 2.1 and QUOTED-PRINTABLE are DG_EDECODE; invalid UTF-8
 * is DG_EUTF8; more than CORE_VCF_PROPS_MAX properties in a card, a
 * value over CORE_VALUE_MAX bytes or a used property line over
 * 2 * CORE_VALUE_MAX bytes unfolded is DG_ELIMIT.  Each comes with
 * *err_line (err_line may be NULL) and a reason in why (may be NULL).
 * Returns DG_ENOMEM, or what fn returned (with *err_line at its card).
 * Cards before an error have already been handed to fn. */
int core_vcf_parse(const char *data, size_t len, core_vcf_card_fn fn,
    void *ctx, size_t *err_line, char *why, size_t whylen) DG_WUR;

#endif
