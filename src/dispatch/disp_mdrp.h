/*
 * disp_mdrp — Grubhub MDRP instances and solutions (grubhub/mdrplib;
 * Reyes et al., "The Meal Delivery Routing Problem", 2018).
 *
 * Instance: a folder with orders.txt, couriers.txt, restaurants.txt and
 * instance_parameters.txt, tab-separated with a header line; coordinates in
 * metres, times in whole minutes. Every place (order drop-off, restaurant,
 * courier on-location) gets one location index: orders first, then
 * restaurants, then couriers, with one string-id hash for all of them.
 *
 * Solution: the three files the published evaluator reads, each with a
 * header line, fields separated by single spaces, whole minutes:
 *   solution_info_assignments.txt  assignment_time pickup_time courier order...
 *   solution_info_orders.txt       order placement_time ready_time pickup_time
 *                                  dropoff_time courier
 *   solution_info_couriers.txt     courier departure_time origin destination
 * (moves contiguous per courier, origin 0 = the on-location).
 *
 * disp_mdrp_check() re-implements the evaluator's feasibility checks
 * (compute_performance_summary.py) on files read back from disk, including
 * its position rule: at a pickup or drop-off time t the courier's last
 * timeline event strictly before t must be the arrival at that place. It
 * also computes the evaluator's performance figures.
 */
#ifndef VIS_DISPATCH_DISP_MDRP_H
#define VIS_DISPATCH_DISP_MDRP_H

#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define DISP_MDRP_ID 32
#define DISP_MDRP_MAX_BUNDLE 16

typedef struct disp_mdrp_order {
    char id[DISP_MDRP_ID];
    double x, y;
    int placed, ready, rest;
} disp_mdrp_order;

typedef struct disp_mdrp_courier {
    char id[DISP_MDRP_ID];
    double x, y;
    int on, off;
} disp_mdrp_courier;

typedef struct disp_mdrp_rest {
    char id[DISP_MDRP_ID];
    double x, y;
} disp_mdrp_rest;

typedef struct disp_mdrp {
    disp_mdrp_order *o;
    int no;
    disp_mdrp_courier *c;
    int ncour;
    disp_mdrp_rest *r;
    int nr;
    double meters_per_minute;
    int pickup_service, dropoff_service, target_ctd, max_ctd;
    double pay_per_order, guarantee_per_hour;
    /* location hash over all ids */
    int *hash;
    int hcap;
} disp_mdrp;

int disp_mdrp_read(disp_mdrp *m, const char *dir, vis_err *err);
void disp_mdrp_free(disp_mdrp *m);
/* Location index of an id (orders, then restaurants, then couriers), or -1. */
int disp_mdrp_loc(const disp_mdrp *m, const char *id);
int disp_mdrp_nloc(const disp_mdrp *m);
const char *disp_mdrp_loc_id(const disp_mdrp *m, int loc);
void disp_mdrp_loc_xy(const disp_mdrp *m, int loc, double *x, double *y);
/* Travel minutes between locations: ceil(Euclidean / meters_per_minute). */
int disp_mdrp_tt(const disp_mdrp *m, int a, int b);

/* A solution in memory (what the simulator produces). */
typedef struct disp_mdrp_assign {
    int at, pickup, courier, n;
    int order[DISP_MDRP_MAX_BUNDLE];
} disp_mdrp_assign;

typedef struct disp_mdrp_move {
    int courier, depart, from, to;  /* from/to are locations */
} disp_mdrp_move;

typedef struct disp_mdrp_sol {
    disp_mdrp_assign *a;
    int na, capa;
    disp_mdrp_move *mv;             /* contiguous per courier, in order */
    int nmv, capmv;
    int *pickup, *drop, *courier;   /* per order; -1 if undelivered */
} disp_mdrp_sol;

/* Always VIS_OK (allocation failure aborts, base/mem.h): kept int for its callers. */
int disp_mdrp_sol_init(disp_mdrp_sol *s, const disp_mdrp *m, vis_err *err);
void disp_mdrp_sol_free(disp_mdrp_sol *s);
void disp_mdrp_sol_add_assign(disp_mdrp_sol *s, const disp_mdrp_assign *a);
void disp_mdrp_sol_add_move(disp_mdrp_sol *s, const disp_mdrp_move *mv);
/* Write the three files into dir (created if missing). */
int disp_mdrp_write(const disp_mdrp *m, const disp_mdrp_sol *s,
                    const char *dir, vis_err *err);

typedef struct disp_mdrp_report {
    int feasible;
    int violations;
    buf msgs;                 /* one line per violation (first 50) */
    int orders, delivered;
    double ctd_mean, ctd_median, ctd_p90, within_target, overage_mean;
    double ready_to_pickup_mean, utilization_mean;
    double total_pay, cost_per_order, guarantee_share;
    double hourly_pay_mean, hourly_pay_min;
} disp_mdrp_report;

/* Check a solution folder against an instance; rep->msgs must be freed
 * (buf_free). Returns VIS_OK when the files could be read (feasible or
 * not), else an error naming the file and line. */
int disp_mdrp_check(const disp_mdrp *m, const char *soldir,
                    disp_mdrp_report *rep, vis_err *err);
/* The evaluator's figures from per-order pickup/drop/courier (-1 drop =
 * undelivered), bundles per courier and driving minutes per courier. */
void disp_mdrp_figures(const disp_mdrp *m, const int *opick, const int *odrop, const int *ocour, const int *bundles,
                       const double *drive, disp_mdrp_report *rep);
/* Quantile with linear interpolation (pandas' default) of sorted v[0..n). */
double disp_quantile(const double *sorted, int n, double q);

#endif
