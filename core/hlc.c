#include "core/hlc.h"

uint64_t
core_hlc_next(uint64_t last, uint64_t now_ms)
{
	uint64_t wall = now_ms << 16;

	if (wall > last)
		return wall;
	/* The wall clock is behind (or in the same millisecond): advance
	 * the counter.  When it overflows the carry moves into the
	 * millisecond part, which keeps the order. */
	return last + 1;
}

uint64_t
core_hlc_observe(uint64_t last, uint64_t seen)
{
	return seen > last ? seen : last;
}
