#include "core/record.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/b32.h"

const char *
core_record_get(const struct core_record *r, const char *key)
{
	size_t lo = 0, hi = r->nfields, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(r->fields[mid].key, key);
		if (c == 0)
			return r->fields[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
core_record_get_lang(const struct core_record *r, const char *field,
    const char *lang)
{
	char key[CORE_FIELD_NAME_MAX + 1];
	const char *v;
	size_t fl, ll;

	if (lang != NULL) {
		fl = strlen(field);
		ll = strlen(lang);
		if (fl + 1 + ll <= CORE_FIELD_NAME_MAX) {
			memcpy(key, field, fl);
			key[fl] = '@';
			memcpy(key + fl + 1, lang, ll + 1);
			v = core_record_get(r, key);
			if (v != NULL)
				return v;
		}
	}
	return core_record_get(r, field);
}

void
core_record_fini(struct core_record *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nfields; i++) {
		free(r->fields[i].key);
		if (r->fields[i].value != NULL) {
			sodium_memzero(r->fields[i].value,
			    strlen(r->fields[i].value));
			free(r->fields[i].value);
		}
	}
	free(r->fields);
	r->fields = NULL;
	r->nfields = 0;
}

void
core_record_id_text(const uint8_t id[CORE_RID_LEN], char out[CORE_RID_TEXT])
{
	core_b32_encode(id, CORE_RID_LEN, out);
}
