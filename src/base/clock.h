/*
 * clock — the one source of time for the whole platform.
 *
 * Every module reads time through clock_now_ms(), in UTC milliseconds. A
 * clock runs on the system's real time unless it has been set: then it is
 * frozen at that instant and only moves when advanced. Tests, the dispatch
 * simulator and `visible serve --test-clock` use this to jump over leases
 * and deadlines without sleeping. The clock lives in the server context (no
 * global state); its fields are atomics so any thread may read it.
 */
#ifndef VIS_BASE_CLOCK_H
#define VIS_BASE_CLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct vis_clock {
    atomic_bool frozen;
    atomic_llong frozen_ms;
} vis_clock;

void    clock_init(vis_clock *c);               /* real time */
int64_t clock_now_ms(vis_clock *c);
void    clock_set_ms(vis_clock *c, int64_t ms);  /* freeze at ms */
void    clock_advance_ms(vis_clock *c, int64_t d); /* freezes if running */
void    clock_release(vis_clock *c);            /* back to real time */
bool    clock_is_frozen(vis_clock *c);
/* ms as ISO 8601 in UTC to the second ("2026-12-03T13:05:00Z"), for every
 * time shown to a person in a message or an explanation; "" if ms < 0. */
void clock_iso(int64_t ms, char out[32]);
/* Real monotonic time in nanoseconds, for measuring durations only. */
int64_t clock_mono_ns(void);

#endif
