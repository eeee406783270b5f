/* Fuzz target: entry headers (core_entry_decode) and, when a header
 * decodes, the canonical re-encoding must give the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_hdr h;
	uint8_t again[CORE_HDR_MAX];
	size_t len;

	if (core_entry_decode(data, size, &h) == 0) {
		if (core_entry_encode(&h, again, sizeof again, &len) != 0 ||
		    len != size || memcmp(again, data, size) != 0)
			abort();
	}
	return 0;
}
