/*
 * obs_acct (prefix acct_) — one worker's time, pay, distance and costs, cut by period,
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
 * containing `to - 1` (at most ACCT_MAX_PERIODS).
 */
#ifndef VIS_VISIBILITY_OBS_ACCT_H
#define VIS_VISIBILITY_OBS_ACCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/timeacct.h"
#include "store/store.h"

#define ACCT_MAX_PERIODS 1000
#define ACCT_MAX_FAMILIES 16
#define ACCT_FAMILY_LEN 32

typedef enum { ACCT_ALL = 0, ACCT_DAY, ACCT_WEEK, ACCT_MONTH } acct_grain;

typedef struct acct_periods {
    acct_grain grain;
    int       n;
    int64_t   start[ACCT_MAX_PERIODS + 1]; /* period i is [start[i], start[i+1]) */
} acct_periods;

/* Parse "all" | "day" | "week" | "month" (NULL = "all"). */
int  acct_grain_parse(const char *s, acct_grain *g, vis_err *err);
/* Build the periods covering [from, to) (calendar-aligned unless ACCT_ALL). */
int  acct_periods_make(acct_periods *p, acct_grain g, int64_t from, int64_t to, vis_err *err);
/* "2027-03-05", "2027-W09", "2027-03" or "all". */
void acct_period_label(const acct_periods *p, int i, char out[24]);
/* Index of the period holding t, or -1. */
int  acct_period_of(const acct_periods *p, int64_t t);

typedef struct acct_cell {
    int       period, family;
    int64_t   client;                       /* -1: none */
    int64_t   active_ms, waiting_ms, unpaid_ms;
    int64_t   paid_micros;
    int64_t   distance_m;
    __int128  cost_num;                     /* costs in micros x ACCT_COST_SCALE (exact) */
} acct_cell;

#define ACCT_COST_SCALE 3600000 /* per_hour x ms and per_km x m x 3600 share this scale */

typedef struct acct_cost {
    char    family[ACCT_FAMILY_LEN];        /* "" = every family */
    int64_t per_km_micros, per_hour_micros, from_ms;
} acct_cost;

/* A remedy: paid at paid_ms, counted at work_ms (the work it pays for). */
typedef struct acct_remedy {
    int64_t review, paid_ms, work_ms, amount_micros;
    int     family;
} acct_remedy;

typedef struct acct_worker {
    int64_t   worker_id;
    acct_remedy *remedies;                   /* remedies counted in [from, to) */
    size_t    nremedies;
    int64_t   open_kind;                    /* the live span counted: -1 none, 0 active, 1 waiting */
    int64_t   open_since_ms;
    acct_cell *cells;
    size_t    ncells, cap;
    char      families[ACCT_MAX_FAMILIES][ACCT_FAMILY_LEN];
    int       nfamilies;
    acct_cost *costs;
    size_t    ncosts;
} acct_worker;

/* Load and cut one worker's figures over the periods; now_ms >= 0 also
 * counts a courier's open span up to now (clipped to the periods). */
int  acct_worker_load(store *db, int64_t worker, const acct_periods *p, bool by_client, int64_t now_ms, acct_worker *w,
                     vis_err *err);
void acct_worker_free(acct_worker *w);
/* The worker's cost declarations (also filled by acct_worker_load). */
int  acct_costs_load(store *db, int64_t worker, acct_cost **out, size_t *n, vis_err *err);

/* Sums of cells. */
typedef struct acct_sum {
    int64_t  active_ms, waiting_ms, unpaid_ms, paid_micros, distance_m;
    __int128 cost_num;
} acct_sum;
void    acct_sum_add(acct_sum *s, const acct_cell *c);
void    acct_sum_merge(acct_sum *s, const acct_sum *t);
/* Costs in micros, rounded down once over the whole sum. */
int64_t acct_costs_micros(const acct_sum *s);
/* paid / (active + waiting) hours — paid time, the figure the platform
 * minimum applies to — before and after costs (0 without time). */
int64_t acct_hourly(const acct_sum *s, bool after_costs);
/* paid / (active + waiting + unpaid) hours — all time spent, unpaid time
 * included: what the worker's time really earned (0 without time). */
int64_t acct_hourly_all(const acct_sum *s, bool after_costs);

/* Pure: the pieces of the sweep (exposed for unit tests). spans are in
 * journal order; cb gets each [a, b) with the index of the owning span. */
typedef timeacct_iv acct_span; /* the sweep is core/timeacct's timeacct_sweep */

#endif
