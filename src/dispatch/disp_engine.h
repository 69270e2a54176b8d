/*
 * disp_engine — the on-demand delivery dispatcher (pure: no HTTP, no store).
 *
 * State. A disp_state holds couriers and jobs in plain arrays, so the server
 * can rebuild it from stored rows at any time (disp_add_courier/disp_add_job,
 * setting state, position and, for couriers on a route, the route itself).
 * Couriers are OFFLINE, IDLE at a place, TO_PICKUP, AT_PICKUP (waiting at
 * the restaurant) or DELIVERING. Jobs have a pickup place (restaurant id and
 * point), a drop-off point, placement and ready times. Time is integer
 * milliseconds; positions are planar metres (the server projects lat/lon).
 *
 * Travel. travel_ms(d) = ceil(d / meters_per_tick) * tick_ms. With
 * tick_ms = 60000 and meters_per_tick = metres per minute this is exactly
 * the MDRP rule (whole minutes, ceil of the Euclidean distance over speed).
 * Service: pickup happens half the pickup service after arrival (and not
 * before the ready times), the courier leaves the other half later; a
 * drop-off happens half the drop-off service after arrival and the courier
 * leaves a full service after arrival. Halves are rounded up to ticks.
 *
 * Vehicles (issue 15). A courier may have its own speed (meters_per_tick,
 * from the vehicle: walking, bicycle, e-bike, scooter, car; 0 = the
 * parameters' speed) and a longest trip (max_m: ride to the pickup plus the
 * route). Every time of a pair is then computed at that courier's speed:
 * the ride to the restaurant and the drop-offs of the bundle (a bundle is
 * planned once at the reference speed and re-planned, order and times, for
 * a courier of another speed: O(n!) per such pair, n <= 4). With every
 * courier at 0, nothing changes (the MDRP replay is identical).
 *
 * Epoch. disp_epoch(now) (1) takes the open jobs placed by now; (2) groups
 * them per restaurant into bundles whose target size grows with the ratio of
 * open jobs to available couriers (Reyes et al. 2018), by cheapest insertion
 * of jobs in ready-time order; (3) builds candidate (bundle, courier) pairs:
 * idle couriers, couriers whose current route ends within a horizon (they
 * can be chosen but not committed yet), and couriers with a route not yet
 * picked up at the same restaurant (the bundle is added to it: deferred
 * commitment, updated at the restaurant); with many couriers, candidates are
 * the k nearest by a grid index; (4) scores every pair in minutes:
 *     predicted click-to-door (sum over the bundle, including delays caused
 *     to orders already on the route), + w_late x minutes over the target,
 *     + w_wait x courier minutes idle at the restaurant, + w_pay x marginal
 *     pay (zero while the courier is below the guaranteed minimum, so work
 *     goes to those the platform pays anyway), - w_idle x minutes the
 *     courier has been idle (capped), spreading work;
 * (5) solves the min-cost assignment exactly (disp_lap: dense for small
 * epochs, sparse above dense_limit cells; each bundle also has a private
 * "stay open" column, so assignments are maximal); (6) commits a pair only
 * when waiting one more epoch would delay the pickup (the courier must leave
 * now) or it extends a route at the restaurant; other pairs are deferred and
 * reconsidered next epoch. Committed pairs are applied to the state and
 * returned as decisions (with score and its parts) for the journal.
 *
 * disp_advance(now) moves planned routes forward (pickups, drop-offs, end of
 * route) for the simulator; the server instead sets states from couriers'
 * reports.
 */
#ifndef VIS_DISPATCH_DISP_ENGINE_H
#define VIS_DISPATCH_DISP_ENGINE_H

#include <stdint.h>

#include "base/err.h"

#define DISP_MAX_BUNDLE 4

typedef enum disp_cstate {
    DISP_C_OFFLINE = 0,
    DISP_C_IDLE,
    DISP_C_TO_PICKUP,
    DISP_C_AT_PICKUP,
    DISP_C_DELIVERING,
} disp_cstate;

typedef enum disp_jstate {
    DISP_J_OPEN = 0,
    DISP_J_ASSIGNED,   /* committed to a courier, not picked up */
    DISP_J_PICKED,
    DISP_J_DELIVERED,
    DISP_J_CANCELLED,
} disp_jstate;

typedef struct disp_params {
    int64_t tick_ms;            /* travel-time quantum */
    double meters_per_tick;     /* speed */
    int64_t pickup_service_ms, dropoff_service_ms;
    int64_t target_ctd_ms;      /* click-to-door target */
    int64_t epoch_ms;           /* decision period (commitment look-ahead) */
    int64_t horizon_ms;         /* busy couriers ending within this are candidates */
    int max_bundle;             /* <= DISP_MAX_BUNDLE */
    int64_t pay_per_order;      /* micros, for the marginal-pay term */
    double w_late, w_wait, w_pay, w_idle;
    double w_travel;            /* per minute the courier drives to the pickup */
    double bundle_ratio;        /* target bundle size = ceil(ratio x open / available) */
    int64_t idle_cap_ms;
    int k_nearest;              /* sparse candidates per bundle */
    long dense_limit;           /* rows x cols above which the sparse solver is used */
    double unassigned_cost;     /* cost of leaving a bundle open this epoch */
    int no_defer;               /* commit every solved pair at once */
} disp_params;

/* Defaults for serve: 1 s ticks, 300 m/min, 4 + 4 min service, 40 min target. */
void disp_params_default(disp_params *p);
/* Set one tunable by name (w_late, w_wait, w_pay, w_idle, horizon_min,
 * idle_cap_min, w_travel, bundle_ratio, max_bundle, k_nearest, dense_limit, no_defer);
 * VIS_EINVAL for an unknown name or a value out of range. */
int disp_params_set(disp_params *p, const char *name, double v, vis_err *err);

typedef struct disp_route {
    int n;                          /* jobs in the bundle */
    int job[DISP_MAX_BUNDLE];       /* job indices in delivery order */
    int place;                      /* restaurant */
    double rx, ry;                  /* restaurant point */
    double ox, oy;                  /* where the courier left from */
    int64_t assign_ms;              /* last (re)commitment */
    int64_t depart_ms, arrive_ms, pickup_ms;
    int64_t drop_ms[DISP_MAX_BUNDLE];
    int64_t end_ms;                 /* free again, at the last drop-off */
} disp_route;

typedef struct disp_courier {
    int64_t id;
    disp_cstate state;
    double x, y;                    /* where it is (idle) or was last seen */
    int64_t on_ms, off_ms;          /* shift; off_ms = INT64_MAX if open */
    int64_t idle_since_ms;
    int orders;                     /* orders committed this shift */
    int guarantee_orders;           /* orders to earn the guarantee, 0 = none */
    double meters_per_tick;         /* own speed (vehicle); 0 = disp_params' */
    double max_m;                   /* longest trip offered (ride to the pickup
                                       + the route), metres; 0 = no limit */
    disp_route route;               /* when TO_PICKUP, AT_PICKUP, DELIVERING */
} disp_courier;

typedef struct disp_job {
    int64_t id;
    int place;                      /* restaurant / merchant (bundling key) */
    double px, py, dx, dy;
    int64_t placed_ms, ready_ms;
    disp_jstate state;
    int courier;                    /* index or -1 */
    int64_t assign_ms, pickup_ms, drop_ms;
} disp_job;

typedef struct disp_state {
    disp_courier *c;
    int nc, capc;
    disp_job *j;
    int nj, capj;
} disp_state;

typedef struct disp_score {
    double ctd_min;     /* predicted click-to-door (incl. delays to others) */
    double late_min;    /* minutes over target */
    double wait_min;    /* courier idle at the restaurant */
    double pay;         /* marginal pay, currency units */
    double idle_min;    /* courier idle time credited (capped) */
    double travel_min;  /* courier's drive to the restaurant */
    double total;       /* the score the solver minimised */
} disp_score;

enum { DISP_D_NEW = 1, DISP_D_ADD = 2 };

typedef struct disp_decision {
    int kind;                       /* DISP_D_NEW or DISP_D_ADD */
    int courier;                    /* index */
    int64_t courier_id;
    int n;                          /* jobs on the route after the decision */
    int job[DISP_MAX_BUNDLE];
    unsigned added;                 /* bit k: job[k] is new in this decision */
    int64_t at_ms, arrive_ms, pickup_ms;
    int64_t drop_ms[DISP_MAX_BUNDLE];
    double travel_m;                /* route length from the courier */
    disp_score score;
} disp_decision;

typedef struct disp_decisions {
    disp_decision *d;
    int n, cap;
    /* epoch statistics */
    int open_jobs, bundles, columns, deferred;
    long candidates;
    int sparse;
} disp_decisions;

void disp_state_init(disp_state *st);
void disp_state_free(disp_state *st);
/* Append (copied); returns the index. */
int disp_add_courier(disp_state *st, const disp_courier *c);
int disp_add_job(disp_state *st, const disp_job *j);

void disp_decisions_init(disp_decisions *d);
void disp_decisions_free(disp_decisions *d);

int64_t disp_travel_ms(const disp_params *p, double x0, double y0, double x1,
                       double y1);
/* The parameters as seen by courier c: p itself, or a copy in *tmp with
 * the courier's own speed. */
const disp_params *disp_courier_params(const disp_params *p,
                                       const disp_courier *c, disp_params *tmp);

/* One decision epoch at now_ms: appends committed decisions to out (which
 * is reset first) and applies them to st. */
int disp_epoch(const disp_params *p, disp_state *st, int64_t now_ms,
               disp_decisions *out, vis_err *err);

/* Simulator: apply planned pickups, drop-offs and route ends up to now_ms.
 * Calls done(ctx, courier) when a route is picked up (final), if non-NULL. */
void disp_advance(const disp_params *p, disp_state *st, int64_t now_ms,
                  void (*picked)(void *ctx, int courier), void *ctx);

#endif
