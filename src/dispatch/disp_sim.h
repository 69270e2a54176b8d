/*
 * disp_sim — replay an MDRP instance through the dispatch engine.
 *
 * Simulated time runs in whole minutes mapped to engine milliseconds
 * (tick = 1 minute, so every planned time is a whole minute and what is
 * written is exactly feasible). An order becomes known at its placement
 * time, with its ready time. Couriers come on duty at their on time at their
 * on-location, take no work at or after their off time (and pick nothing up
 * after it, the engine checks), finish their drop-offs, and wait at their
 * last drop-off. Every epoch_min minutes the simulator applies the planned
 * events up to now (disp_advance) and runs one engine epoch. A route becomes
 * final at its pickup: it is then recorded as one assignment line, its
 * orders' pickup and drop-off times, and the courier's moves (to the
 * restaurant, then from stop to stop). Moves are written grouped per
 * courier in execution order.
 *
 * Policies: "rolling" (default: bundling, deferred commitment, additions at
 * the restaurant), "immediate" (commit every solved pair at once),
 * "single" (no bundles, deferral kept).
 *
 * Params: engine tunables (disp_params_set) plus the epoch options of
 * disp_plan.h: ready_wait_max_s (the ready-wait bound, default 180; < 0
 * none) and ready_commit (0/1), the same rule the service applies.
 */
#ifndef VIS_DISPATCH_DISP_SIM_H
#define VIS_DISPATCH_DISP_SIM_H

#include "base/err.h"
#include "dispatch/disp_engine.h"
#include "dispatch/disp_mdrp.h"

typedef struct disp_sim_opts {
    int epoch_min;              /* default 1 */
    const char *policy;         /* NULL = "rolling" */
    const char *params;         /* "name=value,name=value" overrides, or NULL */
} disp_sim_opts;

typedef struct disp_sim_stats {
    long epochs, decisions, additions;
    double solve_seconds;
} disp_sim_stats;

/* Engine parameters for an instance and policy (VIS_EINVAL on unknown
 * policy). */
int disp_sim_params(const disp_mdrp *m, const disp_sim_opts *o,
                    disp_params *p, vis_err *err);

/* Run; sol must be initialised (disp_mdrp_sol_init); rep gets the figures
 * (rep->msgs is initialised empty). */
int disp_sim_run(const disp_mdrp *m, const disp_sim_opts *o,
                 disp_mdrp_sol *sol, disp_mdrp_report *rep,
                 disp_sim_stats *stats, vis_err *err);

#endif
