/* disp_svc_client — the client's side: pickup places, quotes, jobs
 * (posted with the price held in escrow), tracking and cancellation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/ledger.h"
#include "dispatch/disp_svc_int.h"
#include "store/sql_dispatch.h"

static json_t *place_json(store_stmt *q)
{
    return JSON_PACK("{s:I, s:s, s:f, s:f, s:I}", "id", (json_int_t)store_col_i64(q, 0), "name", store_col_text(q, 1),
                     "lat", (double)store_col_i64(q, 2) / 1e6, "lon", (double)store_col_i64(q, 3) / 1e6, "created_ms",
                     (json_int_t)store_col_i64(q, 4));
}

/* 0,0 is in the Gulf of Guinea: as a place or a drop-off it is a location
 * left unset, never a real address. */
static int not_null_island(int64_t la, int64_t lo, const char *field, const char *what, vis_err *err)
{
    if (la != 0 || lo != 0) return 0;
    return vis_errf(err, VIS_EINVAL, "invalid_field", field,
                    "%s is at latitude 0, longitude 0 (the sea off West Africa, the sign of a location left "
                    "unset): give its real coordinates",
                    what);
}

int disp_place_create(disp_ctx *c, const char *name, double lat, double lon, json_t **out, vis_err *err)
{
    int64_t la, lo;
    if (disp_latlon(lat, lon, &la, &lo, err)) return err->code;
    if (not_null_island(la, lo, "lat", "the place", err)) return err->code;
    if (store_exec(c->db, SQL_DISP_PLACE_INSERT, err, "itiii", svc_actor(c), name, la, lo, c->now_ms))
        return disp_store_err(err);
    int64_t id = store_last_id(c->db);
    store_stmt *q = store_query(c->db, SQL_DISP_PLACE_GET, err, "i", id);
    if (!q) return disp_store_err(err);
    int r = store_row(q, err);
    *out = r == 1 ? place_json(q) : NULL;
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (r == 0)
        return vis_errf(err, VIS_ESTORE, NULL, NULL, "place %lld was not found after it was written", (long long)id);
    return 0;
}

int disp_place_list(disp_ctx *c, json_t **out, vis_err *err)
{
    json_t *a = json_array();
    store_stmt *q = store_query(c->db, SQL_DISP_PLACES_OF, err, "i", svc_actor(c));
    if (!q) {
        json_decref(a);
        return err->code;
    }
    int r;
    while ((r = store_row(q, err)) == 1) json_array_append_new(a, place_json(q));
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return disp_store_err(err);
    }
    *out = JSON_PACK("{s:o}", "places", a);
    return 0;
}

typedef struct quote {
    int64_t place_lat, place_lon, drop_lat, drop_lon;
    int64_t distance_m, expected_ms;
    disp_pay_breakdown bd;
    char zone[32];
} quote;

/* Price a job from one of the caller's places to (lat, lon) placed at
 * placed_ms: direct distance, expected courier time = ride + services. */
static int price(disp_ctx *c, const disp_env *e, int64_t place, double lat, double lon, int64_t placed_ms, quote *qt,
                 vis_err *err)
{
    if (disp_latlon(lat, lon, &qt->drop_lat, &qt->drop_lon, err)) {
        snprintf(err->field, sizeof err->field, "dropoff_%s", !strcmp(err->field, "lat") ? "lat" : "lon");
        return err->code;
    }
    if (not_null_island(qt->drop_lat, qt->drop_lon, "dropoff_lat", "the drop-off", err)) return err->code;
    store_stmt *q = store_query(c->db, SQL_DISP_PLACE_GET, err, "i", place);
    if (!q) return disp_store_err(err);
    int r = store_row(q, err);
    int64_t owner = -1;
    if (r == 1) {
        owner = store_col_i64(q, 5);
        qt->place_lat = store_col_i64(q, 2);
        qt->place_lon = store_col_i64(q, 3);
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (r == 0 || owner != svc_actor(c))
        return vis_errf(err, VIS_ENOTFOUND, "not_found", "place_id", "no place %lld of yours", (long long)place);
    double px, py, dx, dy;
    disp_geo_xy(&e->geo, qt->place_lat, qt->place_lon, &px, &py);
    disp_geo_xy(&e->geo, qt->drop_lat, qt->drop_lon, &dx, &dy);
    double d = hypot(dx - px, dy - py);
    if (d < 1.0)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "dropoff_lat",
                        "the drop-off is the pickup place itself: give the recipient's address");
    if (d > (double)c->cfg->disp_max_km * 1000.0)
        return vis_errf(err, VIS_EINVAL, "too_far", "dropoff_lat", "the drop-off is %.1f km from the pickup (at most %lld)",
                        d / 1000.0, (long long)c->cfg->disp_max_km);
    qt->distance_m = llround(d);
    qt->expected_ms = disp_travel_ms(&e->p, px, py, dx, dy) + e->p.pickup_service_ms + e->p.dropoff_service_ms;
    disp_price_in in = {.px = px, .py = py, .distance_m = qt->distance_m, .expected_ms = qt->expected_ms,
                        .placed_ms = placed_ms};
    if (disp_price_job(&e->rules.pr, &in, &qt->bd, err)) return err->code;
    snprintf(qt->zone, sizeof qt->zone, "%s", qt->bd.zone >= 0 ? e->rules.pr.zone[qt->bd.zone].name : "");
    return 0;
}

/* The ready time of a job posted now: ready_at_ms (>= 0: a scheduled
 * order, not in the past, at most dispatch.schedule_max_s ahead), else now
 * plus ready_in_s. */
static int ready_time(disp_ctx *c, int64_t ready_in_s, int64_t ready_at_ms, int64_t *ready, vis_err *err)
{
    *ready = c->now_ms + ready_in_s * 1000;
    if (ready_at_ms < 0) return 0;
    int64_t max = c->now_ms + c->cfg->disp_schedule_max_s * 1000;
    char at[32];
    if (ready_at_ms < c->now_ms) {
        clock_iso(c->now_ms, at);
        return vis_errf(err, VIS_EINVAL, "invalid_field", "ready_at_ms",
                        "ready_at_ms is in the past (the platform's time is %s)", at);
    }
    if (ready_at_ms > max) {
        clock_iso(max, at);
        return vis_errf(err, VIS_EINVAL, "invalid_field", "ready_at_ms",
                        "an order can be scheduled at most %lld hours ahead (until %s)",
                        (long long)(c->cfg->disp_schedule_max_s / 3600), at);
    }
    *ready = ready_at_ms;
    return 0;
}

int disp_job_quote(disp_ctx *c, int64_t place, double lat, double lon, json_t **out, vis_err *err)
{
    return disp_job_quote_ex(c, place, lat, lon, 0, -1, out, err);
}

int disp_job_quote_ex(disp_ctx *c, int64_t place, double lat, double lon, int64_t ready_in_s, int64_t ready_at_ms,
                      json_t **out, vis_err *err)
{
    int64_t ready;
    if (ready_time(c, ready_in_s, ready_at_ms, &ready, err)) return err->code;
    disp_env *e = mem_alloc(sizeof *e);
    quote qt;
    int rc = disp_env_load(c, e, err);
    if (!rc) rc = price(c, e, place, lat, lon, c->now_ms, &qt, err);
    free(e);
    if (rc) return rc;
    /* the courier's pay on the pickup -> drop-off ride (the offer adds the ride to the pickup and any
       waiting); promised = ready + the quoted courier time, the time the late alert is measured from */
    *out = JSON_PACK("{s:s, s:I, s:I, s:I, s:{s:s, s:i, s:i}, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:s}}", "currency",
                     c->cfg->currency, "price_micros", (json_int_t)qt.bd.client_price, "distance_m",
                     (json_int_t)qt.distance_m, "expected_ms", (json_int_t)qt.expected_ms, "pricing", "zone", qt.zone,
                     "zone_factor_permille", qt.bd.zone_pm, "time_factor_permille", qt.bd.tod_pm, "ready_ms",
                     (json_int_t)ready, "promised_ms", (json_int_t)(ready + qt.expected_ms), "schedule_until_ms",
                     (json_int_t)(c->now_ms + c->cfg->disp_schedule_max_s * 1000), "courier_pay", "base_micros",
                     (json_int_t)qt.bd.base, "distance_micros", (json_int_t)qt.bd.distance, "time_micros",
                     (json_int_t)qt.bd.time, "total_micros", (json_int_t)(qt.bd.base + qt.bd.distance + qt.bd.time),
                     "basis", "pickup to drop-off; the offer adds the ride to the pickup and any waiting");
    /* the price assumes the reference vehicle: it must not depend on who accepts */
    if (*out) json_object_set_new(*out, "vehicle_assumption", json_string(DISP_VEHICLE_DEFAULT));
    return 0;
}

int disp_job_insert(disp_ctx *c, int64_t place, double lat, double lon, int64_t placed_ms, int64_t ready_ms,
                    const char *note, int64_t *id_out, vis_err *err)
{
    disp_env *e = mem_alloc(sizeof *e);
    quote qt;
    int rc = disp_env_load(c, e, err);
    if (!rc) rc = price(c, e, place, lat, lon, placed_ms, &qt, err);
    free(e);
    if (rc) return rc;
    if (store_exec(c->db, SQL_DISP_JOB_INSERT, err, "iiiitiitiiitii", svc_actor(c), place, qt.drop_lat, qt.drop_lon,
                   note ? note : "", placed_ms, ready_ms, c->cfg->currency, qt.bd.client_price, qt.distance_m,
                   qt.expected_ms, qt.zone, (int64_t)qt.bd.zone_pm, (int64_t)qt.bd.tod_pm))
        return disp_store_err(err);
    int64_t id = store_last_id(c->db);
    char ref[48], idem[64];
    snprintf(ref, sizeof ref, "job:%lld", (long long)id);
    snprintf(idem, sizeof idem, "dispatch:job:%lld:escrow", (long long)id);
    int64_t funds, esc;
    if (ledger_account(c->db, "client_funds", svc_actor(c), "", c->cfg->currency, &funds, err) ||
        ledger_account(c->db, "escrow", svc_actor(c), ref, c->cfg->currency, &esc, err))
        return err->code;
    ledger_leg legs[2] = {{funds, -qt.bd.client_price}, {esc, qt.bd.client_price}};
    ledger_tx_in tx = {.idem_key = idem, .kind = "escrow", .memo = "delivery job", .family = DISP_FAMILY,
                       .subject = ref, .actor_id = svc_actor(c), .now_ms = c->now_ms};
    if (ledger_post(c->db, &tx, legs, 2, NULL, NULL, err)) {
        int64_t have = 0;
        if (strcmp(err->kind, "insufficient_funds") || ledger_balance(c->db, funds, &have, NULL)) return err->code;
        return vis_errf(err, VIS_ECONFLICT, "insufficient_funds", NULL,
                        "insufficient funds: this job costs %lld micros and your funds hold %lld: add funds first",
                        (long long)qt.bd.client_price, (long long)have);
    }
    if (svc_journal(
            c,
            &(svc_event){.family = DISP_FAMILY,
                         .event = "job_posted",
                         .subject = ref,
                         .payload = JSON_PACK(
                             "{s:I, s:I, s:I, s:I, s:I, s:s, s:i, s:i}", "job", (json_int_t)id, "placed_ms",
                             (json_int_t)placed_ms, "price_micros", (json_int_t)qt.bd.client_price, "distance_m",
                             (json_int_t)qt.distance_m, "expected_ms", (json_int_t)qt.expected_ms, "zone", qt.zone,
                             "zone_factor_permille", qt.bd.zone_pm, "time_factor_permille", qt.bd.tod_pm)},
            err))
        return err->code;
    *id_out = id;
    return 0;
}

int disp_job_post(disp_ctx *c, int64_t place, double lat, double lon, int64_t ready_in_s, const char *note,
                  json_t **out, vis_err *err)
{
    return disp_job_post_ex(c, place, lat, lon, ready_in_s, -1, note, NULL, out, err);
}

int disp_job_post_ex(disp_ctx *c, int64_t place, double lat, double lon, int64_t ready_in_s, int64_t ready_at_ms,
                     const char *note, json_t *dropoff, json_t **out, vis_err *err)
{
    int64_t ready;
    if (ready_time(c, ready_in_s, ready_at_ms, &ready, err)) return err->code;
    if (disp_dropoff_check(dropoff, err)) return err->code;
    int64_t id;
    if (disp_job_insert(c, place, lat, lon, c->now_ms, ready, note, &id, err)) return err->code;
    if (disp_dropoff_store(c, id, dropoff, err)) return err->code;
    disp_jrow j;
    if (disp_job_get(c->db, id, &j, err)) return err->code;
    *out = disp_job_json(c, &j);
    return disp_dropoff_decorate(c, *out, "client", err);
}

/* Jobs selected by sql with the caller's id as $1, as {"jobs":[...]}. */
int disp_jobs_json(disp_ctx *c, const char *sql, json_t **out, vis_err *err)
{
    json_t *a = json_array();
    store_stmt *q = store_query(c->db, sql, err, "i", svc_actor(c));
    if (!q) {
        json_decref(a);
        return err->code;
    }
    int r;
    disp_jrow j;
    while ((r = store_row(q, err)) == 1) {
        if (disp_jrow_read(q, &j, err)) {
            r = -1;
            break;
        }
        json_array_append_new(a, disp_job_json(c, &j));
    }
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return disp_store_err(err);
    }
    *out = JSON_PACK("{s:o}", "jobs", a);
    return 0;
}

int disp_job_list(disp_ctx *c, json_t **out, vis_err *err) { return disp_jobs_json(c, SQL_DISP_JOBS_OF_CLIENT, out, err); }

static int own(disp_ctx *c, int64_t id, bool admin, disp_jrow *j, vis_err *err)
{
    if (disp_job_get(c->db, id, j, err)) return err->code;
    if (!admin && j->client_id != svc_actor(c))
        return vis_errf(err, VIS_ENOTFOUND, "not_found", NULL, "no job %lld of yours", (long long)id);
    return 0;
}

int disp_job_track(disp_ctx *c, int64_t id, bool admin, json_t **out, vis_err *err)
{
    disp_jrow j;
    if (own(c, id, admin, &j, err)) return err->code;
    json_t *o = disp_job_json(c, &j);
    disp_params p;
    disp_geo g;
    disp_svc_params(&p, c->cfg);
    disp_geo_init(&g, c->cfg);
    double px, py, dx, dy;
    disp_geo_xy(&g, j.place_lat, j.place_lon, &px, &py);
    disp_geo_xy(&g, j.drop_lat, j.drop_lon, &dx, &dy);
    int64_t hp = (p.pickup_service_ms + 1) / 2, hd = (p.dropoff_service_ms + 1) / 2;
    int64_t ride = disp_travel_ms(&p, px, py, dx, dy);
    int64_t eta_pick = -1, eta_drop = -1;
    const char *basis = "";
    bool on_job = j.state == DISP_JS_ASSIGNED || j.state == DISP_JS_PICKED_UP;
    if (on_job) {
        disp_crow r;
        if (disp_courier_get(c->db, j.courier_id, &r, err)) {
            json_decref(o);
            return err->code;
        }
        if (r.has_pos) {
            double cx, cy;
            disp_geo_xy(&g, r.lat, r.lon, &cx, &cy);
            json_object_set_new(o, "courier_position",
                                JSON_PACK("{s:f, s:f, s:I}", "lat", (double)r.lat / 1e6, "lon", (double)r.lon / 1e6,
                                          "at_ms", (json_int_t)r.pos_ms));
            if (j.state == DISP_JS_ASSIGNED) {
                int64_t arrive = r.visiting && r.visit_place == j.place_id ? c->now_ms
                                                                           : c->now_ms + disp_travel_ms(&p, cx, cy, px, py);
                eta_pick = arrive + hp > j.ready_ms ? arrive + hp : j.ready_ms;
                if (eta_pick < c->now_ms) eta_pick = c->now_ms;
                eta_drop = eta_pick + ride + hd;
            } else {
                eta_drop = c->now_ms + disp_travel_ms(&p, cx, cy, dx, dy) + hd;
            }
            basis = "courier position";
        }
    } else if (j.state == DISP_JS_OPEN || j.state == DISP_JS_OFFERED) {
        eta_pick = j.ready_ms > c->now_ms ? j.ready_ms : c->now_ms;
        eta_drop = eta_pick + ride + hd;
        basis = "no courier yet: ready time plus the ride";
    } else if (j.state == DISP_JS_DELIVERED) {
        eta_drop = j.delivered_ms;
        basis = "delivered";
    }
    if (!on_job) json_object_set_new(o, "courier_position", json_null());
    json_object_set_new(o, "eta",
                        JSON_PACK("{s:o, s:o, s:s}", "pickup_ms", eta_pick >= 0 ? json_integer(eta_pick) : json_null(),
                                  "dropoff_ms", eta_drop >= 0 ? json_integer(eta_drop) : json_null(), "basis", basis));
    *out = o;
    return 0;
}

/* The client's optional reason is kept in the job_cancelled event. */
static json_t *cancel_event(json_t *o, const char *reason)
{
    if (o && reason) json_object_set_new(o, "reason", json_string(reason));
    return o;
}

int disp_job_cancel(disp_ctx *c, int64_t id, const char *reason, json_t **out, vis_err *err)
{
    disp_jrow j;
    if (own(c, id, false, &j, err)) return err->code;
    char idem[64], subj[48];
    snprintf(idem, sizeof idem, "dispatch:job:%lld:cancel", (long long)j.id);
    snprintf(subj, sizeof subj, "job:%lld", (long long)j.id);
    int64_t worker = -1, comp = 0;
    if (j.state == DISP_JS_OFFERED) {
        int64_t oc = -1;
        if (store_get_i64(c->db, SQL_DISP_OFFER_HEAD, &oc, err, "i", j.offer_id) < 0) return disp_store_err(err);
        if (disp_offer_close(
                c, j.offer_id, oc, "withdrawn", "offer_withdrawn",
                JSON_PACK("{s:s, s:I}", "reason", "job cancelled by the client", "cancelled_job", (json_int_t)j.id),
                err))
            return err->code;
    } else if (j.state == DISP_JS_ASSIGNED) {
        worker = j.courier_id;
        comp = j.pay_base;
    } else if (j.state != DISP_JS_OPEN) {
        return vis_errf(err, VIS_ECONFLICT, "not_cancellable", NULL, "job %lld is %s and can no longer be cancelled",
                        (long long)j.id, disp_jst_name(j.state));
    }
    /* the escrow: the courier's base share if they had accepted, the rest back to the client */
    int64_t esc = -1, held = 0;
    if (ledger_account(c->db, "escrow", j.client_id, subj, j.currency, &esc, err) ||
        ledger_balance(c->db, esc, &held, err))
        return err->code;
    int64_t kept = worker >= 0 && comp > 0 ? comp : 0; /* beyond the escrow: from the subsidy (disp_settle) */
    if (disp_settle(c, &j, worker, comp, "client_funds", worker >= 0 ? "cancellation" : "refund", idem, err))
        return err->code;
    if (worker >= 0 &&
        disp_job_release(c, &j, "job_cancelled", cancel_event(JSON_PACK("{s:s}", "by", "client"), reason), false, err))
        return err->code;
    if (store_exec(c->db, SQL_DISP_JOB_CANCEL, err, "iii", j.id, c->now_ms, comp)) return disp_store_err(err);
    if (store_changes(c->db) != 1)
        return vis_errf(err, VIS_ECONFLICT, "not_cancellable", NULL, "job %lld changed state", (long long)j.id);
    if (worker >= 0) {
        if (disp_courier_idle_check(c, worker, err)) return err->code;
    } else if (svc_journal(c,
                           &(svc_event){.family = DISP_FAMILY,
                                        .event = "job_cancelled",
                                        .subject = subj,
                                        .payload = cancel_event(
                                            JSON_PACK("{s:I, s:s}", "job", (json_int_t)j.id, "by", "client"), reason)},
                           err)) {
        return err->code;
    }
    if (disp_job_get(c->db, id, &j, err)) return err->code;
    *out = disp_job_json(c, &j);
    /* what comes back to the balance, and why (issue 16: the console shows it) */
    int64_t back = held > kept ? held - kept : 0;
    json_object_set_new(*out, "refund",
                        JSON_PACK("{s:I, s:I, s:I, s:s}", "escrow_micros", (json_int_t)held, "refunded_micros",
                                  (json_int_t)back, "courier_kept_micros", (json_int_t)kept, "basis",
                                  worker >= 0 ? "accepted" : "not_accepted"));
    return 0;
}
