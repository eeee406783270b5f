#include "core/json.h"

#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "core/datetime.h"
#include "core/hlc.h"
#include "core/schema.h"

/* The last millisecond RFC 3339 can write (9999-12-31T23:59:59.999Z).
 * 48 bits of milliseconds reach the year 10889, and an HLC may come from
 * a peer with a broken clock; the output must stay a valid time. */
#define JSON_MS_MAX UINT64_C(253402300799999)

void
core_json_str(struct core_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, run = 0;
	utf8proc_ssize_t n;
	utf8proc_int32_t cp;
	char esc[7];

	core_buf_ch(b, '"');
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' &&
		    p[i] != '\\') {
			run++;
			i++;
			continue;
		}
		/* Copy the plain ASCII run in one call before the special
		 * byte. */
		core_buf_add(b, s + i - run, run);
		run = 0;
		if (p[i] < 0x80) {
			if (p[i] == '"' || p[i] == '\\') {
				esc[0] = '\\';
				esc[1] = (char)p[i];
				core_buf_add(b, esc, 2);
			} else if (p[i] == '\n') {
				core_buf_add(b, "\\n", 2);
			} else if (p[i] == '\t') {
				core_buf_add(b, "\\t", 2);
			} else {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[p[i] >> 4];
				esc[5] = hex[p[i] & 0xf];
				core_buf_add(b, esc, 6);
			}
			i++;
			continue;
		}
		n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			/* Stored values are validated UTF-8, but a JSON
			 * document must stay valid whatever it is given:
			 * a stray byte becomes U+FFFD. */
			core_buf_add(b, "\\ufffd", 6);
			i++;
			continue;
		}
		/* U+2028 and U+2029 are valid in JSON but end a line in
		 * JavaScript source; escaped so the output can be
		 * embedded in a script. */
		if (cp == 0x2028)
			core_buf_add(b, "\\u2028", 6);
		else if (cp == 0x2029)
			core_buf_add(b, "\\u2029", 6);
		else
			core_buf_add(b, s + i, (size_t)n);
		i += (size_t)n;
	}
	core_buf_add(b, s + i - run, run);
	core_buf_ch(b, '"');
}

void
core_json_hlc(struct core_buf *b, uint64_t hlc)
{
	struct core_datetime dt;
	uint64_t ms = CORE_HLC_MS(hlc);

	if (ms > JSON_MS_MAX)
		ms = JSON_MS_MAX;
	core_datetime_from_unix((int64_t)(ms / 1000), 0, &dt);
	core_buf_printf(b, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03uZ\"", dt.year,
	    dt.month, dt.day, dt.hour, dt.min, dt.sec, (unsigned)(ms % 1000));
}

void
core_json_record(struct core_buf *b, const struct core_record *r)
{
	char id[CORE_RID_TEXT];
	size_t i;

	core_record_id_text(r->id, id);
	core_buf_str(b, "{\"id\":");
	core_json_str(b, id);
	core_buf_str(b, ",\"type\":");
	core_json_str(b, core_schema_rtype_name(r->type));
	for (i = 0; i < r->nfields; i++) {
		/* A removed record may keep a key with no value; JSON has
		 * no use for it. */
		if (r->fields[i].key == NULL || r->fields[i].value == NULL)
			continue;
		core_buf_ch(b, ',');
		core_json_str(b, r->fields[i].key);
		core_buf_ch(b, ':');
		core_json_str(b, r->fields[i].value);
	}
	core_buf_str(b, ",\"created\":");
	core_json_hlc(b, r->created);
	core_buf_str(b, ",\"updated\":");
	core_json_hlc(b, r->updated);
	if (r->removed)
		core_buf_str(b, ",\"removed\":true");
	core_buf_ch(b, '}');
}

void
core_json_records(struct core_buf *b, const struct core_record *recs, size_t n)
{
	size_t i;

	if (n == 0) {
		core_buf_str(b, "[]\n");
		return;
	}
	/* One record per line: still one document, and easy to diff. */
	core_buf_str(b, "[\n");
	for (i = 0; i < n; i++) {
		core_json_record(b, &recs[i]);
		core_buf_str(b, i + 1 < n ? ",\n" : "\n");
	}
	core_buf_str(b, "]\n");
}
