/* Fuzz target: key=value arguments and field values (core_valid_value,
 * core_repeat_parse, core_body_key_check); the first byte picks the
 * field type.  A canonical value must be accepted again unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/body.h"
#include "core/repeat.h"
#include "core/valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct core_fdef *def;
	struct core_repeat r;
	char *s, *canon = NULL, *again = NULL, why[160];
	size_t lang;
	enum core_ftype t;

	if (size < 1 || size > 8192)
		return 0;
	t = (enum core_ftype)(data[0] % (CORE_FT_DATE + 1));
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (core_valid_value(t, s, &canon, why, sizeof why) == 0) {
		if (core_valid_value(t, canon, &again, why, sizeof why) != 0 ||
		    strcmp(canon, again) != 0)
			abort();
	}
	(void)core_repeat_parse(s, &r);
	(void)core_body_key_check(CORE_RT_MEETING, s, &def, &lang);
	free(canon);
	free(again);
	free(s);
	return 0;
}
