/*
 * timeacct — a worker's time and pay over a period, from the journal alone.
 *
 * Active, waiting and unpaid durations are the journal's spans clipped to
 * [from, to); paid is the sum of payments to the worker in the period.
 * Effective hourly pay = paid / (active + waiting) hours, the figure
 * Fairwork asks platforms to keep above the minimum wage (unpaid time is
 * shown beside it, not hidden in it). The three kinds partition time:
 * where spans overlap, the one journalled last decides (a rejection turns
 * the answer's active time into unpaid time; an overturned rejection turns
 * it back), and a worker doing two tasks at once is not counted twice.
 */
#ifndef VIS_CORE_TIMEACCT_H
#define VIS_CORE_TIMEACCT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

typedef struct timeacct {
    int64_t from_ms, to_ms;
    int64_t paid_micros;
    int64_t active_ms, waiting_ms, unpaid_ms;
    int64_t hourly_micros;   /* effective hourly pay; 0 when no paid time */
} timeacct;

enum { TIME_ACTIVE = 0, TIME_WAITING = 1, TIME_UNPAID = 2 };

typedef struct span_in {
    int64_t a, b; /* [a, b) */
    int     kind; /* TIME_* */
} span_in;

typedef struct timeacct_iv {
    int64_t a, b; /* [a, b) */
} timeacct_iv;

/* Pure: for each stretch of time covered by at least one interval, call
 * cb(ctx, a, b, idx) with the stretch [a, b) and the index of the latest
 * (highest-index) interval covering it, in time order. */
void timeacct_sweep(const timeacct_iv *iv, size_t n, void (*cb)(void *ctx, int64_t a, int64_t b, size_t idx),
                    void *ctx);

/* Pure: the length of time covered by each kind, later spans (higher
 * index) overriding earlier ones. */
void timeacct_partition(const span_in *spans, size_t n, int64_t totals[3]);

int timeacct_compute(store *s, int64_t worker_id, int64_t from_ms, int64_t to_ms, timeacct *out, vis_err *err);
/* Pure helper: micros per hour for paid over ms (0 if ms == 0), rounded down. */
int64_t timeacct_hourly(int64_t paid_micros, int64_t ms);

#endif
