/* core/hlc.h - hybrid logical clock.
 *
 * A timestamp is 64 bits: the upper 48 hold milliseconds since the Unix
 * epoch, the lower 16 a counter that orders events within one
 * millisecond.  Each node's clock never goes backwards and stays ahead of
 * every timestamp it has seen, so a change written after seeing another
 * always sorts after it, whatever the wall clocks say.
 */
#ifndef CORE_HLC_H
#define CORE_HLC_H

#include <stdint.h>

#define CORE_HLC_MS(t) ((t) >> 16)

/* Returns the next timestamp after last, given the wall clock now_ms. */
uint64_t core_hlc_next(uint64_t last, uint64_t now_ms);

/* Returns the clock after observing a remote timestamp seen: the larger
 * of last and seen.  (The next local timestamp then sorts after both.) */
uint64_t core_hlc_observe(uint64_t last, uint64_t seen);

#endif
