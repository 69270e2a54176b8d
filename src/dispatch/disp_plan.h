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

/*
 * Epoch options beyond disp_params (issue 15).
 *
 * Ready food first: bundling may delay the pickup of an order by at most
 * ready_wait_max_ms past the moment it could be picked up, i.e. planned
 * pickup - max(ready time, the courier's arrival + half the pickup service)
 * <= the bound, for every order of a bundle. Bundles are formed with the
 * courier-independent form of the rule (arrival no earlier than now, which
 * bounds the delay for every courier); an addition to a route at the
 * restaurant is checked with the route's arrival. A pair whose bundle holds
 * an order that is ready now is committed at once (the courier is told now,
 * not when the last order of the bundle is ready). < 0: no bound, and the
 * commitment rule of disp_epoch alone.
 *
 * Declines: ban[] holds (courier id, job id) pairs sorted by courier then
 * job; a bundle holding a banned job is never given to that courier (the
 * order goes to the next best courier, and the courier stays a candidate
 * for every other order). Not owned.
 */
#define DISP_READY_WAIT_MAX_MS_DEFAULT (3 * 60000LL)

typedef struct disp_ban {
    int64_t courier, job;       /* ids */
} disp_ban;

typedef struct disp_epoch_opts {
    int64_t ready_wait_max_ms;
    int commit_ready;           /* commit a pair holding a ready order at once */
    const disp_ban *ban;
    int nban;
} disp_epoch_opts;

void disp_epoch_opts_default(disp_epoch_opts *o);
/* disp_epoch with options (disp_epoch = this with the defaults). */
int disp_epoch_x(const disp_params *p, const disp_epoch_opts *x,
                 disp_state *st, int64_t now_ms, disp_decisions *out,
                 vis_err *err);
/* Sort bans for disp_epoch_x. */
void disp_ban_sort(disp_ban *ban, int n);

#endif
