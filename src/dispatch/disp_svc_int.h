/*
 * disp_svc_int — internals shared by the disp_svc_*.c files of the
 * delivery service (see disp_service.h): the environment of one call
 * (engine parameters, projection, pricing rules), row readers, journal and
 * ledger helpers.
 */
#ifndef VIS_DISPATCH_DISP_SVC_INT_H
#define VIS_DISPATCH_DISP_SVC_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dispatch/disp_engine.h"
#include "dispatch/disp_price.h"
#include "dispatch/disp_service.h"
#include "dispatch/disp_state.h"
#include "base/mem.h"

#define DISP_FAMILY "dispatch"
#define DISP_SUBSIDY_REF "dispatch:subsidy"

/* Equirectangular projection around the city's reference point. */
typedef struct disp_geo {
    double lat0, lon0, coslat0;
} disp_geo;

/* The pricing rule set with what is needed to show it back in lat/lon. */
typedef struct disp_rules {
    disp_pricing pr;
    double zlat[DISP_MAX_ZONES][DISP_MAX_ZONE_PTS], zlon[DISP_MAX_ZONES][DISP_MAX_ZONE_PTS];
} disp_rules;

typedef struct disp_env {
    disp_params p;
    disp_geo    geo;
    disp_rules  rules;
} disp_env;

/* rules, projection, parameters (disp_svc_rules.c) */
void disp_geo_init(disp_geo *g, const vis_config *cfg);
void disp_geo_xy(const disp_geo *g, int64_t lat_e6, int64_t lon_e6, double *x, double *y);
void disp_svc_params(disp_params *p, const vis_config *cfg);
int  disp_rules_parse(json_t *spec, const disp_geo *g, disp_rules *r, vis_err *err);
json_t *disp_rules_json(const disp_rules *r);
int  disp_env_load(disp_ctx *c, disp_env *e, vis_err *err);
/* Validate lat/lon and convert to micro-degrees. */
int  disp_latlon(double lat, double lon, int64_t *lat_e6, int64_t *lon_e6, vis_err *err);
double disp_dist_m(const disp_geo *g, int64_t lat1, int64_t lon1, int64_t lat2, int64_t lon2);

/* rows */
typedef struct disp_crow {
    int64_t id;
    bool    exists, online;
    int64_t shift_id;
    bool    has_pos;
    int64_t lat, lon, pos_ms;
    bool    idle;
    int64_t idle_since;
    bool    visiting;
    int64_t visit_place, visit_ms, visit_paid;
} disp_crow;

typedef struct disp_jrow {
    int64_t id, client_id, place_id, drop_lat, drop_lon;
    char    note[512];
    disp_jst state;          /* parsed when read (disp_jrow_read); disp_jst_name for the text */
    int64_t placed_ms, ready_ms;
    char    currency[8];
    int64_t price, distance_m, expected_ms;
    char    zone[32];
    int64_t zone_pm, tod_pm;
    int64_t offer_id, courier_id, shift_id, seq;  /* -1 when NULL */
    int64_t pay_base, pay_distance, pay_time, pay_waiting, paid;
    int64_t accepted_ms, picked_ms, delivered_ms, cancelled_ms; /* -1 when NULL */
    /* the place */
    char    place_name[128];
    int64_t place_lat, place_lon;
} disp_jrow;

int disp_courier_get(store *db, int64_t id, disp_crow *r, vis_err *err);
int disp_job_get(store *db, int64_t id, disp_jrow *j, vis_err *err);
/* When the job enters the dispatch window: its placing, or its ready time
 * minus dispatch.schedule_lead_s, whichever is later. Before then it is
 * "later" (shown "scheduled" while open): no courier is held for it. */
int64_t disp_job_window_ms(const disp_ctx *c, const disp_jrow *j);
bool disp_job_later(const disp_ctx *c, const disp_jrow *j);
/* A job as the API shows it. */
json_t *disp_job_json(const disp_ctx *c, const disp_jrow *j);
/* Jobs still held by the courier (assigned or picked up). */
int disp_courier_active_jobs(store *db, int64_t courier, int64_t *n, vis_err *err);

/* Empty job's escrow: pay `pay` to the worker (if > 0 and worker >= 0),
 * the rest to `rest_kind` ("platform_fees" or "client_funds"), any
 * shortfall from the subsidy account. */
int disp_settle(disp_ctx *c, const disp_jrow *j, int64_t worker, int64_t pay, const char *rest_kind,
                const char *txkind, const char *idem, vis_err *err);

/* Withdraw a pending offer (jobs back to open), journalling `event` to the
 * courier. */
int disp_offer_close(disp_ctx *c, int64_t offer, int64_t courier, const char *state, const char *event,
                     json_t *extra, vis_err *err);
/* The courier's active span on a job ends without a delivery (cancelled or
 * reassigned): the base share is the courier's compensation (paid here
 * from the subsidy account when `subsidy`, else already paid by the
 * caller from the escrow); journal `event` closing the active span. The
 * caller then updates the job and calls disp_courier_idle_check. */
int disp_job_release(disp_ctx *c, const disp_jrow *j, const char *event, json_t *extra, bool subsidy,
                     vis_err *err);
/* The courier becomes idle (waiting) when no job is left. */
int disp_courier_idle_check(disp_ctx *c, int64_t courier, vis_err *err);
/* Read a job row (SQL_DISP_JOB_GET's columns); a state no table knows is a
 * store error (VIS_ESTORE). */
int disp_jrow_read(store_stmt *q, disp_jrow *j, vis_err *err);

/* Price one offer route for a courier and create it (pending), journalling
 * "offered". jobs in delivery order; seqs their route positions. */
typedef struct disp_offer_in {
    int64_t courier, shift;
    const char *source;             /* "engine" or "admin" */
    int n;
    int64_t job[DISP_MAX_BUNDLE];
    int64_t seq[DISP_MAX_BUNDLE];
    double  px, py;                 /* restaurant (zone) */
    int64_t distance_m, expected_ms, wait_ms;
    int64_t arrive_ms, pickup_ms, dropoff_ms;
    int64_t decision_event;         /* -1 none */
} disp_offer_in;
int disp_offer_create(disp_ctx *c, const disp_env *e, const disp_offer_in *in, int64_t *offer_id, json_t **info,
                      vis_err *err);
json_t *disp_offer_json(disp_ctx *c, int64_t offer, vis_err *err);

/* Post a job placed at placed_ms (the demo places some in the future),
 * its price moved from the client's funds into the job's escrow. */
int disp_job_insert(disp_ctx *c, int64_t place, double lat, double lon, int64_t placed_ms, int64_t ready_ms,
                    const char *note, int64_t *id, vis_err *err);

int disp_store_err(vis_err *err);

/* The courier's route (disp_svc_route.c). At acceptance of `offer` (before
 * its jobs are assigned): where the ride to its pickup starts, as the
 * `route` of the `accepted` event ({from, approach_m}). At the
 * delivery of j: the distance ridden for it since the previous drop-off or
 * the start of the ride (journal events of the courier from since_ms, the
 * shift's start), and its parts ({from, approach_m, last_leg_m, pickups}). */
int disp_route_accept(disp_ctx *c, const disp_crow *r, int64_t offer, json_t **out, vis_err *err);
int disp_route_delivery(disp_ctx *c, const disp_jrow *j, int64_t since_ms, int64_t *distance_m, json_t **route,
                        vis_err *err);

/* Jobs selected by sql (the caller's id as $1), as {"jobs":[...]}. */
int disp_jobs_json(disp_ctx *c, const char *sql, json_t **out, vis_err *err);

#endif
