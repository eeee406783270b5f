/* Fuzz target: typed invite codes (core_invite_parse).  A code that
 * parses must format to a text that parses to the same code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/invite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_invite_code code, again;
	char text[CORE_INVITE_TEXT];
	char *s;

	/* The parser takes a C string: an exact-size copy, so ASan sees
	 * any read past its NUL. */
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (core_invite_parse(s, &code) == 0) {
		core_invite_format(&code, text);
		if (strlen(text) != 48 || core_invite_parse(text, &again) != 0 ||
		    memcmp(&code, &again, sizeof code) != 0)
			abort();
	}
	free(s);
	return 0;
}
