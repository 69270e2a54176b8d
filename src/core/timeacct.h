/*
 * timeacct — a worker's time and pay over a period, from the journal alone.
 *
 * Active, waiting and unpaid durations are the journal's spans clipped to
 * [from, to); paid is the sum of payments to the worker in the period.
 * Effective hourly pay = paid / (active + waiting) hours, the figure
 * Fairwork asks platforms to keep above the minimum wage (unpaid time is
 * shown beside it, not hidden in it). Overlapping spans of one kind are
 * merged, so a worker doing two tasks at once is not counted twice.
 */
#ifndef VIS_CORE_TIMEACCT_H
#define VIS_CORE_TIMEACCT_H

#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

typedef struct timeacct {
    int64_t from_ms, to_ms;
    int64_t paid_micros;
    int64_t active_ms, waiting_ms, unpaid_ms;
    int64_t hourly_micros;   /* effective hourly pay; 0 when no paid time */
} timeacct;

int timeacct_compute(store *s, int64_t worker_id, int64_t from_ms, int64_t to_ms, timeacct *out, vis_err *err);
/* Pure helper: micros per hour for paid over ms (0 if ms == 0), rounded down. */
int64_t timeacct_hourly(int64_t paid_micros, int64_t ms);

#endif
