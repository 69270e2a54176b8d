/*
 * disp_plan — route arithmetic shared by the epoch and the simulator.
 *
 * A bundle is a set of jobs from one restaurant with a delivery order. Its
 * drop-off times relative to the pickup (off[]) do not depend on which
 * courier carries it, so the best order (least summed drop-off offsets, all
 * permutations, n <= DISP_MAX_BUNDLE) is computed once per bundle and each
 * candidate courier then costs O(n): arrival, pickup = max(ready, arrival +
 * half pickup service), drop-offs = pickup + off[k].
 */
#ifndef VIS_DISPATCH_DISP_PLAN_H
#define VIS_DISPATCH_DISP_PLAN_H

#include <stdint.h>

#include "dispatch/disp_engine.h"

typedef struct disp_bundle {
    int n;
    int job[DISP_MAX_BUNDLE];       /* delivery order */
    int place;
    double rx, ry;
    int64_t ready_max;
    int64_t off[DISP_MAX_BUNDLE];   /* drop-off k at pickup + off[k] */
    int64_t end_off;                /* courier free at pickup + end_off */
    double len_m;                   /* restaurant -> last drop-off */
    int64_t sum_placed;
} disp_bundle;

/* Half a service time rounded up to the tick. */
int64_t disp_half_ms(const disp_params *p, int64_t service_ms);
/* Choose the delivery order of b->job[0..n) and fill the derived fields
 * (rx, ry, place and n must be set). */
void disp_plan_order(const disp_params *p, const disp_state *st,
                     disp_bundle *b);

#endif
