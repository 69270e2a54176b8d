/* disp_svc_common — rows, journal and ledger helpers, offers (create,
 * close, show) shared by the delivery service. See disp_service.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ckd.h"
#include "core/journal.h"
#include "core/ledger.h"
#include "dispatch/disp_svc_int.h"
#include "store/sql_dispatch.h"

static int64_t opt_i64(store_stmt *q, int col) { return store_col_null(q, col) ? -1 : store_col_i64(q, col); }

int disp_courier_get(store *db, int64_t id, disp_crow *r, vis_err *err)
{
    memset(r, 0, sizeof *r);
    r->id = id;
    r->shift_id = -1;
    store_stmt *q = store_query(db, SQL_DISP_COURIER_GET, err, "i", id);
    if (!q) return disp_store_err(err);
    int rc = store_row(q, err);
    if (rc == 1) {
        r->exists = true;
        r->online = !store_col_null(q, 1);
        r->shift_id = opt_i64(q, 1);
        r->has_pos = !store_col_null(q, 2);
        r->lat = store_col_i64(q, 2);
        r->lon = store_col_i64(q, 3);
        r->pos_ms = store_col_i64(q, 4);
        r->idle = !store_col_null(q, 5);
        r->idle_since = store_col_i64(q, 5);
        r->visiting = !store_col_null(q, 6);
        r->visit_place = store_col_i64(q, 6);
        r->visit_ms = store_col_i64(q, 7);
        r->visit_paid = store_col_i64(q, 8);
    }
    store_done(q);
    return rc < 0 ? disp_store_err(err) : 0;
}

int disp_jrow_read(store_stmt *q, disp_jrow *j, vis_err *err)
{
    memset(j, 0, sizeof *j);
    j->id = store_col_i64(q, 0);
    j->client_id = store_col_i64(q, 1);
    j->place_id = store_col_i64(q, 2);
    j->drop_lat = store_col_i64(q, 3);
    j->drop_lon = store_col_i64(q, 4);
    snprintf(j->note, sizeof j->note, "%s", store_col_text(q, 5));
    int st = disp_jst_parse(store_col_text(q, 6));
    if (st < 0) return disp_state_unknown(err, "job", (long long)j->id, store_col_text(q, 6));
    j->state = (disp_jst)st;
    j->placed_ms = store_col_i64(q, 7);
    j->ready_ms = store_col_i64(q, 8);
    snprintf(j->currency, sizeof j->currency, "%s", store_col_text(q, 9));
    j->price = store_col_i64(q, 10);
    j->distance_m = store_col_i64(q, 11);
    j->expected_ms = store_col_i64(q, 12);
    snprintf(j->zone, sizeof j->zone, "%s", store_col_text(q, 13));
    j->zone_pm = store_col_i64(q, 14);
    j->tod_pm = store_col_i64(q, 15);
    j->offer_id = opt_i64(q, 16);
    j->courier_id = opt_i64(q, 17);
    j->shift_id = opt_i64(q, 18);
    j->seq = store_col_i64(q, 19);
    j->pay_base = store_col_i64(q, 20);
    j->pay_distance = store_col_i64(q, 21);
    j->pay_time = store_col_i64(q, 22);
    j->pay_waiting = store_col_i64(q, 23);
    j->paid = store_col_i64(q, 24);
    j->accepted_ms = opt_i64(q, 25);
    j->picked_ms = opt_i64(q, 26);
    j->delivered_ms = opt_i64(q, 27);
    j->cancelled_ms = opt_i64(q, 28);
    snprintf(j->place_name, sizeof j->place_name, "%s", store_col_text(q, 29));
    j->place_lat = store_col_i64(q, 30);
    j->place_lon = store_col_i64(q, 31);
    return 0;
}

int disp_job_get(store *db, int64_t id, disp_jrow *j, vis_err *err)
{
    store_stmt *q = store_query(db, SQL_DISP_JOB_GET, err, "i", id);
    if (!q) return disp_store_err(err);
    int rc = store_row(q, err);
    if (rc == 1 && disp_jrow_read(q, j, err)) rc = -1;
    store_done(q);
    if (rc < 0) return disp_store_err(err);
    if (rc == 0) return vis_errf(err, VIS_ENOTFOUND, "not_found", NULL, "no job %lld", (long long)id);
    return 0;
}

int disp_courier_active_jobs(store *db, int64_t courier, int64_t *n, vis_err *err)
{
    *n = 0;
    return store_get_i64(db, SQL_DISP_COURIER_ACTIVE_COUNT, n, err, "i", courier) < 0 ? disp_store_err(err) : 0;
}

static json_t *ll(int64_t lat, int64_t lon)
{
    return JSON_PACK("{s:f, s:f}", "lat", (double)lat / 1e6, "lon", (double)lon / 1e6);
}

static void set_opt(json_t *o, const char *k, int64_t v)
{
    json_object_set_new(o, k, v < 0 ? json_null() : json_integer(v));
}

int64_t disp_job_window_ms(const disp_ctx *c, const disp_jrow *j)
{
    int64_t lead = j->ready_ms - c->cfg->disp_schedule_lead_s * 1000;
    return j->placed_ms > lead ? j->placed_ms : lead;
}

bool disp_job_later(const disp_ctx *c, const disp_jrow *j) { return disp_job_window_ms(c, j) > c->now_ms; }

json_t *disp_job_json(const disp_ctx *c, const disp_jrow *j)
{
    const char *state = j->state == DISP_JS_OPEN && disp_job_later(c, j) ? "scheduled" : disp_jst_name(j->state);
    json_t *o = JSON_PACK("{s:I, s:s, s:I, s:{s:I, s:s, s:f, s:f}, s:o, s:s, s:I, s:I, s:s, s:I, s:I, s:I,"
                          " s:{s:s, s:I, s:I}}",
                          "id", (json_int_t)j->id, "state", state, "client_id", (json_int_t)j->client_id, "place", "id",
                          (json_int_t)j->place_id, "name", j->place_name, "lat", (double)j->place_lat / 1e6, "lon",
                          (double)j->place_lon / 1e6, "dropoff", ll(j->drop_lat, j->drop_lon), "note", j->note,
                          "placed_ms", (json_int_t)j->placed_ms, "ready_ms", (json_int_t)j->ready_ms, "currency",
                          j->currency, "price_micros", (json_int_t)j->price, "distance_m", (json_int_t)j->distance_m,
                          "expected_ms", (json_int_t)j->expected_ms, "pricing", "zone", j->zone, "zone_factor_permille",
                          (json_int_t)j->zone_pm, "time_factor_permille", (json_int_t)j->tod_pm);
    if (!o) return NULL;
    set_opt(o, "courier_id", j->courier_id);
    set_opt(o, "offer_id", j->offer_id);
    set_opt(o, "accepted_ms", j->accepted_ms);
    set_opt(o, "picked_up_ms", j->picked_ms);
    set_opt(o, "delivered_ms", j->delivered_ms);
    set_opt(o, "cancelled_ms", j->cancelled_ms);
    if (j->courier_id >= 0)
        json_object_set_new(o, "courier_pay",
                            JSON_PACK("{s:I, s:I, s:I, s:I, s:I, s:I}", "base_micros", (json_int_t)j->pay_base,
                                      "distance_micros", (json_int_t)j->pay_distance, "time_micros",
                                      (json_int_t)j->pay_time, "waiting_micros", (json_int_t)j->pay_waiting,
                                      "total_micros", /* four parts each <= LEDGER_MAX_AMOUNT */
                                      (json_int_t)(j->pay_base + j->pay_distance + j->pay_time + j->pay_waiting),
                                      "paid_micros", (json_int_t)j->paid));
    return o;
}

int disp_settle(disp_ctx *c, const disp_jrow *j, int64_t worker, int64_t pay, const char *rest_kind,
                const char *txkind, const char *idem, vis_err *err)
{
    char ref[48];
    snprintf(ref, sizeof ref, "job:%lld", (long long)j->id);
    int64_t esc, bal;
    if (ledger_account(c->db, "escrow", j->client_id, ref, j->currency, &esc, err) ||
        ledger_balance(c->db, esc, &bal, err))
        return err->code;
    ledger_leg legs[4];
    size_t n = 0;
    if (bal > 0) legs[n++] = (ledger_leg){esc, -bal};
    if (pay > 0 && worker >= 0) {
        int64_t w;
        if (ledger_account(c->db, "worker_earnings", worker, "", j->currency, &w, err)) return err->code;
        legs[n++] = (ledger_leg){w, pay};
    } else {
        pay = 0;
    }
    int64_t rest, acct;
    if (ckd_sub(&rest, bal, pay)) /* cannot: both are 0..LEDGER_MAX_AMOUNT; checked anyway */
        return vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "job %lld: pay overflows", (long long)j->id);
    if (rest > 0) {
        bool fees = !strcmp(rest_kind, "platform_fees");
        if (ledger_account(c->db, rest_kind, fees ? 0 : j->client_id, "", j->currency, &acct, err)) return err->code;
        legs[n++] = (ledger_leg){acct, rest};
    } else if (rest < 0) {
        if (ledger_account(c->db, "external", 0, DISP_SUBSIDY_REF, j->currency, &acct, err)) return err->code;
        legs[n++] = (ledger_leg){acct, rest};
    }
    if (n < 2) return 0;
    ledger_tx_in tx = {.idem_key = idem, .kind = txkind, .memo = txkind, .family = DISP_FAMILY, .subject = ref,
                       .actor_id = svc_actor(c), .now_ms = c->now_ms};
    return ledger_post(c->db, &tx, legs, n, NULL, NULL, err);
}

/* ---- offers ---- */

static json_t *offer_job_ids(disp_ctx *c, int64_t offer, vis_err *err)
{
    json_t *a = json_array();
    store_stmt *q = store_query(c->db, SQL_DISP_OFFER_JOB_IDS, err, "i", offer);
    if (!q) {
        json_decref(a);
        return NULL;
    }
    int r;
    while ((r = store_row(q, err)) == 1) json_array_append_new(a, json_integer(store_col_i64(q, 0)));
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

int disp_offer_close(disp_ctx *c, int64_t offer, int64_t courier, const char *state, const char *event,
                     json_t *extra, vis_err *err)
{
    if (store_exec(c->db, SQL_DISP_OFFER_SET_STATE, err, "iti", offer, state, c->now_ms)) {
        json_decref(extra);
        return disp_store_err(err);
    }
    if (store_changes(c->db) != 1) {
        json_decref(extra);
        return vis_errf(err, VIS_ECONFLICT, "offer_not_pending", NULL, "offer %lld is no longer pending",
                        (long long)offer);
    }
    if (store_exec(c->db, SQL_DISP_JOBS_REOPEN, err, "i", offer)) {
        json_decref(extra);
        return disp_store_err(err);
    }
    json_t *jobs = offer_job_ids(c, offer, err);
    if (!jobs) {
        json_decref(extra);
        return err->code;
    }
    json_t *pl = extra ? extra : json_object();
    json_object_set_new(pl, "offer", json_integer(offer));
    json_object_set_new(pl, "jobs", jobs);
    json_object_set_new(pl, "jobs_state", json_string("open"));
    char subj[48];
    snprintf(subj, sizeof subj, "offer:%lld", (long long)offer);
    return svc_journal(
        c, &(svc_event){.family = DISP_FAMILY, .event = event, .worker = courier, .subject = subj, .payload = pl}, err);
}

static int64_t share(int64_t v, int n, int k) { return v / n + (k == 0 ? v % n : 0); }

int disp_offer_create(disp_ctx *c, const disp_env *e, const disp_offer_in *in, int64_t *offer_id, json_t **info,
                      vis_err *err)
{
    disp_price_in pin = {.px = in->px, .py = in->py, .distance_m = in->distance_m, .expected_ms = in->expected_ms,
                         .wait_ms = in->wait_ms, .placed_ms = c->now_ms};
    disp_pay_breakdown bd;
    if (disp_price_job(&e->rules.pr, &pin, &bd, err)) return err->code;
    const char *zone = bd.zone >= 0 ? e->rules.pr.zone[bd.zone].name : "";
    if (store_exec(c->db, SQL_DISP_OFFER_INSERT, err, "iitiiIiiitiiiiiiiiii", in->courier, in->shift, in->source,
                   c->now_ms, c->now_ms + c->cfg->disp_offer_ttl_ms, in->decision_event, in->distance_m,
                   in->expected_ms, in->wait_ms, zone, (int64_t)bd.zone_pm, (int64_t)bd.tod_pm, bd.base, bd.distance,
                   bd.time, bd.waiting, bd.pay, in->arrive_ms, in->pickup_ms, in->dropoff_ms))
        return disp_store_err(err);
    int64_t id = store_last_id(c->db);
    for (int k = 0; k < in->n; k++) {
        if (store_exec(c->db, SQL_DISP_OFFER_JOB_INSERT, err, "iiiiii", id, in->job[k], in->seq[k],
                       share(bd.base, in->n, k), share(bd.distance, in->n, k), share(bd.time, in->n, k)) ||
            store_exec(c->db, SQL_DISP_JOB_OFFERED, err, "ii", in->job[k], id))
            return disp_store_err(err);
        if (store_changes(c->db) != 1)
            return vis_errf(err, VIS_ECONFLICT, "job_not_open", NULL, "job %lld is not open", (long long)in->job[k]);
    }
    json_t *o = disp_offer_json(c, id, err);
    if (!o) return err->code;
    json_t *pl = JSON_PACK("{s:I, s:s, s:O, s:O, s:O, s:O, s:I}", "offer", (json_int_t)id, "source", in->source, "jobs",
                           json_object_get(o, "job_ids"), "pay_micros", json_object_get(o, "pay_micros"), "breakdown",
                           json_object_get(o, "breakdown"), "plan", json_object_get(o, "plan"), "expires_ms",
                           (json_int_t)(c->now_ms + c->cfg->disp_offer_ttl_ms));
    char subj[48];
    snprintf(subj, sizeof subj, "offer:%lld", (long long)id);
    if (svc_journal(c,
                    &(svc_event){.family = DISP_FAMILY,
                                 .event = "offered",
                                 .worker = in->courier,
                                 .subject = subj,
                                 .automated = !strcmp(in->source, "engine"),
                                 .payload = pl},
                    err)) {
        json_decref(o);
        return err->code;
    }
    *offer_id = id;
    if (info) *info = o;
    else json_decref(o);
    return 0;
}

json_t *disp_offer_json(disp_ctx *c, int64_t offer, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_OFFER_GET, err, "i", offer);
    if (!q) return NULL;
    int r = store_row(q, err);
    json_t *o = NULL;
    if (r == 1) {
        o = JSON_PACK(
            "{s:I, s:I, s:s, s:s, s:I, s:I, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:s, s:I, s:I}, s:I, s:I,"
            " s:I, s:{s:I, s:I, s:I}}",
            "id", (json_int_t)store_col_i64(q, 0), "courier_id", (json_int_t)store_col_i64(q, 1), "source",
            store_col_text(q, 3), "state", store_col_text(q, 4), "created_ms", (json_int_t)store_col_i64(q, 5),
            "expires_ms", (json_int_t)store_col_i64(q, 6), "currency", c->cfg->currency, "pay_micros",
            (json_int_t)store_col_i64(q, 18), "breakdown", "base_micros", (json_int_t)store_col_i64(q, 14),
            "distance_micros", (json_int_t)store_col_i64(q, 15), "time_micros", (json_int_t)store_col_i64(q, 16),
            "waiting_micros", (json_int_t)store_col_i64(q, 17), "zone", store_col_text(q, 11), "zone_factor_permille",
            (json_int_t)store_col_i64(q, 12), "time_factor_permille", (json_int_t)store_col_i64(q, 13), "distance_m",
            (json_int_t)store_col_i64(q, 8), "expected_ms", (json_int_t)store_col_i64(q, 9), "expected_wait_ms",
            (json_int_t)store_col_i64(q, 10), "plan", "arrive_ms", (json_int_t)store_col_i64(q, 19), "pickup_ms",
            (json_int_t)store_col_i64(q, 20), "dropoff_ms", (json_int_t)store_col_i64(q, 21));
        if (o) set_opt(o, "decided_ms", opt_i64(q, 7));
    }
    store_done(q);
    if (r < 0) return NULL;
    if (r == 0) {
        vis_errf(err, VIS_ENOTFOUND, "not_found", NULL, "no offer %lld", (long long)offer);
        return NULL;
    }
    json_t *jobs = json_array(), *ids = json_array();
    q = store_query(c->db, SQL_DISP_OFFER_JOBS, err, "i", offer);
    if (!q) {
        json_decref(o);
        json_decref(jobs);
        json_decref(ids);
        return NULL;
    }
    while ((r = store_row(q, err)) == 1) {
        json_array_append_new(ids, json_integer(store_col_i64(q, 0)));
        json_array_append_new(
            jobs, JSON_PACK("{s:I, s:I, s:I, s:{s:I, s:s, s:f, s:f}, s:o, s:I}", "id", (json_int_t)store_col_i64(q, 0),
                            "seq", (json_int_t)store_col_i64(q, 1), "ready_ms", (json_int_t)store_col_i64(q, 5),
                            "pickup", "place_id", (json_int_t)store_col_i64(q, 8), "name", store_col_text(q, 9), "lat",
                            (double)store_col_i64(q, 10) / 1e6, "lon", (double)store_col_i64(q, 11) / 1e6, "dropoff",
                            ll(store_col_i64(q, 6), store_col_i64(q, 7)), "pay_share_micros",
                            (json_int_t)(store_col_i64(q, 2) + store_col_i64(q, 3) + store_col_i64(q, 4))));
    }
    store_done(q);
    json_object_set_new(o, "jobs", jobs);
    json_object_set_new(o, "job_ids", ids);
    if (r < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- releasing a courier from a job before delivery ---- */

int disp_job_release(disp_ctx *c, const disp_jrow *j, const char *event, json_t *extra, bool subsidy,
                     vis_err *err)
{
    int64_t comp = j->pay_base;
    char subj[48], idem[96];
    snprintf(subj, sizeof subj, "job:%lld", (long long)j->id);
    snprintf(idem, sizeof idem, "dispatch:job:%lld:comp:%lld", (long long)j->id, (long long)j->accepted_ms);
    if (comp > 0 && subsidy) {
        int64_t w, sub;
        if (ledger_account(c->db, "worker_earnings", j->courier_id, "", j->currency, &w, err) ||
            ledger_account(c->db, "external", 0, DISP_SUBSIDY_REF, j->currency, &sub, err)) {
            json_decref(extra);
            return err->code;
        }
        ledger_leg legs[2] = {{sub, -comp}, {w, comp}};
        ledger_tx_in tx = {.idem_key = idem, .kind = "compensation", .memo = event, .family = DISP_FAMILY,
                           .subject = subj, .actor_id = svc_actor(c), .now_ms = c->now_ms};
        if (ledger_post(c->db, &tx, legs, 2, NULL, NULL, err)) {
            json_decref(extra);
            return err->code;
        }
    }
    if (comp > 0) {
        if (store_exec(c->db, SQL_DISP_SHIFT_ADD_COMP, err, "ii", j->shift_id, comp)) {
            json_decref(extra);
            return disp_store_err(err);
        }
    }
    json_t *pl = extra ? extra : json_object();
    json_object_set_new(pl, "job", json_integer(j->id));
    json_object_set_new(pl, "compensation_micros", json_integer(comp));
    return svc_journal(c,
                       &(svc_event){.family = DISP_FAMILY,
                                    .event = event,
                                    .worker = j->courier_id,
                                    .subject = subj,
                                    .span_kind = "active",
                                    .span_start_ms = j->accepted_ms,
                                    .span_end_ms = c->now_ms,
                                    .payload = pl},
                       err);
}

int disp_courier_idle_check(disp_ctx *c, int64_t courier, vis_err *err)
{
    int64_t n;
    if (disp_courier_active_jobs(c->db, courier, &n, err)) return err->code;
    if (n == 0 && store_exec(c->db, SQL_DISP_COURIER_IDLE, err, "ii", courier, c->now_ms)) return disp_store_err(err);
    return 0;
}
