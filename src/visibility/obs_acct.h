/*
 * obs_acct — one worker's time, pay, distance and costs, cut by period,
 * family and client, from the journal alone.
 *
 * The journal's spans are swept in journal order exactly as core/timeacct
 * does (a later span overrides an earlier one where they overlap), but
 * instead of three totals the sweep yields pieces [a, b) each owned by one
 * span; a piece is split at period boundaries and its length is added to
 * the cell (period, family, client) of the owning span's event, under the
 * span's kind. So the cells partition the worker's time: summed over every
 * cell they equal timeacct_compute's totals, and no time is counted twice
 * when a worker does two things at once.
 *
 * Pay: every event with an amount ("paid") is added to the cell of its
 * instant and family — except a remedy (a payment whose subject is a
 * review, "review:N": an overturned decision paid at the minimum, or a
 * reviewer's compensation), which is added to the cell of the work it pays
 * for: the start of the time span the overturned decision recorded (else
 * the decision's instant). So a worker's history by day or week, and the
 * observatory, show the pay beside the time it pays for; both dates are
 * kept (w->remedies). Distance: an event whose payload has "distance_m"
 * (dispatch's deliveries) adds it to the cell of its instant.
 *
 * Live time: a courier's span running now is not in the journal until it
 * closes (dispatch journals a waiting span when the courier accepts a job
 * or goes offline, an active one at delivery). With now_ms >= 0, the open
 * span is read from dispatch's tables (the earliest job in hand: active
 * since its acceptance; else online and idle: waiting since then) and
 * counted up to now, after the journal's spans, exactly as GET
 * /v1/courier/shift shows it (time.open).
 *
 * Client: a payload field "client" (an account id) names it; else a paid
 * event's ledger transaction names the client whose escrow or funds were
 * debited; else the subject is resolved ("assignment:N", "batch:N",
 * "task:N" in micro-work, "job:N" in dispatch). Waiting time, subsidies and
 * remedies have no client (-1). Resolution is skipped when by_client is
 * false (the observatory never needs it).
 *
 * Costs: a worker declares per-km and per-hour costs (obs_costs), per
 * family or for all ('' family), each in force from an instant on. A
 * piece's cost uses the declaration in force at its start for its family
 * (a family-specific one first); per-hour costs accrue over all working
 * time, active, waiting and unpaid alike, since the costs are incurred
 * anyway. Amounts stay exact: numerators are summed in 128 bits and
 * divided once per cell.
 *
 * Periods: "all" (one period [from, to)), or calendar days, ISO weeks
 * (Monday) or months in UTC, from the one containing `from` to the one
 * containing `to - 1` (at most OBS_MAX_PERIODS).
 */
#ifndef VIS_VISIBILITY_OBS_ACCT_H
#define VIS_VISIBILITY_OBS_ACCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/timeacct.h"
#include "store/store.h"

#define OBS_MAX_PERIODS 1000
#define OBS_MAX_FAMILIES 16
#define OBS_FAMILY_LEN 32

typedef enum { OBS_ALL = 0, OBS_DAY, OBS_WEEK, OBS_MONTH } obs_grain;

typedef struct obs_periods {
    obs_grain grain;
    int       n;
    int64_t   start[OBS_MAX_PERIODS + 1]; /* period i is [start[i], start[i+1]) */
} obs_periods;

/* Parse "all" | "day" | "week" | "month" (NULL = "all"). */
int  obs_grain_parse(const char *s, obs_grain *g, vis_err *err);
/* Build the periods covering [from, to) (calendar-aligned unless OBS_ALL). */
int  obs_periods_make(obs_periods *p, obs_grain g, int64_t from, int64_t to, vis_err *err);
/* "2027-03-05", "2027-W09", "2027-03" or "all". */
void obs_period_label(const obs_periods *p, int i, char out[24]);
/* Index of the period holding t, or -1. */
int  obs_period_of(const obs_periods *p, int64_t t);

typedef struct obs_cell {
    int       period, family;
    int64_t   client;                       /* -1: none */
    int64_t   active_ms, waiting_ms, unpaid_ms;
    int64_t   paid_micros;
    int64_t   distance_m;
    __int128  cost_num;                     /* costs in micros x OBS_COST_SCALE (exact) */
} obs_cell;

#define OBS_COST_SCALE 3600000 /* per_hour x ms and per_km x m x 3600 share this scale */

typedef struct obs_cost {
    char    family[OBS_FAMILY_LEN];        /* "" = every family */
    int64_t per_km_micros, per_hour_micros, from_ms;
} obs_cost;

/* A remedy: paid at paid_ms, counted at work_ms (the work it pays for). */
typedef struct obs_remedy {
    int64_t review, paid_ms, work_ms, amount_micros;
    int     family;
} obs_remedy;

typedef struct obs_worker {
    int64_t   worker_id;
    obs_remedy *remedies;                   /* remedies counted in [from, to) */
    size_t    nremedies;
    int64_t   open_kind;                    /* the live span counted: -1 none, 0 active, 1 waiting */
    int64_t   open_since_ms;
    obs_cell *cells;
    size_t    ncells, cap;
    char      families[OBS_MAX_FAMILIES][OBS_FAMILY_LEN];
    int       nfamilies;
    obs_cost *costs;
    size_t    ncosts;
} obs_worker;

/* Load and cut one worker's figures over the periods; now_ms >= 0 also
 * counts a courier's open span up to now (clipped to the periods). */
int  obs_worker_load(store *db, int64_t worker, const obs_periods *p, bool by_client, int64_t now_ms, obs_worker *w,
                     vis_err *err);
void obs_worker_free(obs_worker *w);
/* The worker's cost declarations (also filled by obs_worker_load). */
int  obs_costs_load(store *db, int64_t worker, obs_cost **out, size_t *n, vis_err *err);

/* Sums of cells. */
typedef struct obs_sum {
    int64_t  active_ms, waiting_ms, unpaid_ms, paid_micros, distance_m;
    __int128 cost_num;
} obs_sum;
void    obs_sum_add(obs_sum *s, const obs_cell *c);
void    obs_sum_merge(obs_sum *s, const obs_sum *t);
/* Costs in micros, rounded down once over the whole sum. */
int64_t obs_costs_micros(const obs_sum *s);
/* paid / (active + waiting) hours — paid time, the figure the platform
 * minimum applies to — before and after costs (0 without time). */
int64_t obs_hourly(const obs_sum *s, bool after_costs);
/* paid / (active + waiting + unpaid) hours — all time spent, unpaid time
 * included: what the worker's time really earned (0 without time). */
int64_t obs_hourly_all(const obs_sum *s, bool after_costs);

/* Pure: the pieces of the sweep (exposed for unit tests). spans are in
 * journal order; cb gets each [a, b) with the index of the owning span.
 * 0, or -1 when out of memory. */
typedef timeacct_iv obs_span; /* the sweep is core/timeacct's timeacct_sweep */

#endif
