/* tests/tools/clock.h - clocks shared by the test tools and benchmarks. */
#ifndef TESTS_TOOLS_CLOCK_H
#define TESTS_TOOLS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds of clock c (CLOCK_MONOTONIC, CLOCK_REALTIME). */
static inline uint64_t
tool_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Seconds of the monotonic clock, for timing. */
static inline double
tool_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
