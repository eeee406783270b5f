/* Fuzz target: entry bodies of every kind (core_body_decode); the first
 * byte picks the kind.  A decoded body must encode again. */
#include <stdint.h>
#include <stdlib.h>

#include "core/body.h"
#include "core/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t kinds[] = { CORE_KIND_GENESIS, CORE_KIND_KEYS,
		CORE_KIND_RECORD, CORE_KIND_REMOVE, CORE_KIND_ERASE };
	struct core_body b;
	struct core_buf out;

	if (size < 1)
		return 0;
	if (core_body_decode(kinds[data[0] % sizeof kinds], data + 1, size - 1,
		&b) == 0) {
		core_buf_init(&out);
		if (core_body_encode(&b, &out) != 0)
			abort();
		core_buf_fini(&out);
	}
	core_body_fini(&b);
	return 0;
}
