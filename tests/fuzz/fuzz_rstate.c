/* Fuzz target: stored merge states (core_rstate_decode). */
#include <stdint.h>

#include "core/rstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_rstate s;
	struct core_record r;

	if (core_rstate_decode(data, size, &s) == 0 &&
	    core_rstate_record(&s, &r) == 0)
		core_record_fini(&r);
	core_rstate_fini(&s);
	return 0;
}
