/* disp_svc_admin — the live board and the human override (reassignment). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "dispatch/disp_plan.h"
#include "dispatch/disp_svc_int.h"
#include "store/sql_dispatch.h"

int disp_board(disp_ctx *c, json_t **out, vis_err *err)
{
    json_t *cour = json_array(), *jobs = json_array(), *offers = json_array();
    json_t *counts =
        JSON_PACK("{s:i, s:i, s:i, s:i, s:i}", "scheduled", 0, "open", 0, "offered", 0, "assigned", 0, "picked_up", 0);
    int rc = 0, r = 0;
    store_stmt *q = store_query(c->db, SQL_DISP_BOARD_COURIERS, err, "i", c->now_ms);
    if (!q) rc = disp_store_err(err);
    while (!rc && (r = store_row(q, err)) == 1) {
        json_t *o = JSON_PACK(
            "{s:I, s:s, s:I, s:I, s:{s:f, s:f, s:I}, s:s, s:I, s:I}", "courier_id", (json_int_t)store_col_i64(q, 0),
            "name", store_col_text(q, 1), "shift_id", (json_int_t)store_col_i64(q, 2), "online_since_ms",
            (json_int_t)store_col_i64(q, 3), "position", "lat", (double)store_col_i64(q, 4) / 1e6, "lon",
            (double)store_col_i64(q, 5) / 1e6, "at_ms", (json_int_t)store_col_i64(q, 6), "state",
            store_col_i64(q, 8)   ? "on_job"
            : store_col_i64(q, 9) ? "offered"
                                  : "waiting",
            "active_jobs", (json_int_t)store_col_i64(q, 8), "pending_offers", (json_int_t)store_col_i64(q, 9));
        if (o) json_object_set_new(o, "vehicle", json_string(store_col_text(q, 13)));
        if (o) json_object_set_new(o, "waiting_since_ms", store_col_null(q, 7) ? json_null() : json_integer(store_col_i64(q, 7)));
        if (o)
            json_object_set_new(o, "off_duty",
                                store_col_null(q, 10)
                                    ? json_null()
                                    : JSON_PACK("{s:I, s:s, s:I}", "since_ms", (json_int_t)store_col_i64(q, 10),
                                                "reason", store_col_text(q, 11), "by",
                                                (json_int_t)store_col_i64(q, 12)));
        json_array_append_new(cour, o);
    }
    if (q) store_done(q);
    if (!rc && r < 0) rc = disp_store_err(err);
    if (!rc && !(q = store_query(c->db, SQL_DISP_JOBS_LIVE, err, ""))) rc = disp_store_err(err);
    disp_jrow j;
    while (!rc && (r = store_row(q, err)) == 1) {
        if (disp_jrow_read(q, &j, err)) {
            rc = err->code;
            break;
        }
        json_t *o = disp_job_json(c, &j);
        const char *st = json_string_value(json_object_get(o, "state"));
        if (st && !strcmp(st, "scheduled"))
            json_object_set_new(o, "offered_from_ms", json_integer(disp_job_window_ms(c, &j)));
        json_t *n = st ? json_object_get(counts, st) : NULL;
        if (n) json_integer_set(n, json_integer_value(n) + 1);
        json_array_append_new(jobs, o);
    }
    if (q) store_done(q);
    if (!rc && r < 0) rc = disp_store_err(err);
    int64_t ids[500];
    int n = 0;
    if (!rc && !(q = store_query(c->db, SQL_DISP_OFFERS_PENDING, err, ""))) rc = disp_store_err(err);
    while (!rc && n < 500 && (r = store_row(q, err)) == 1) ids[n++] = store_col_i64(q, 0);
    if (q) store_done(q);
    if (!rc && r < 0) rc = disp_store_err(err);
    for (int k = 0; k < n && !rc; k++) {
        json_t *o = disp_offer_json(c, ids[k], err);
        if (!o)
            rc = err->code;
        else json_array_append_new(offers, o);
    }
    /* couriers off duty (online or not) and the location exceptions of the
       last 24 hours (pickups and deliveries reported away from the place) */
    json_t *off = json_array(), *exc = json_array();
    if (!rc && !(q = store_query(c->db, SQL_DISP_OFF_DUTY_ALL, err, ""))) rc = disp_store_err(err);
    while (!rc && (r = store_row(q, err)) == 1)
        json_array_append_new(off, JSON_PACK("{s:I, s:s, s:I, s:s, s:I, s:b}", "courier_id",
                                             (json_int_t)store_col_i64(q, 0), "name", store_col_text(q, 1), "since_ms",
                                             (json_int_t)store_col_i64(q, 2), "reason", store_col_text(q, 3), "by",
                                             (json_int_t)store_col_i64(q, 4), "online", (int)store_col_i64(q, 5)));
    if (q) store_done(q);
    q = NULL;
    if (!rc && r < 0) rc = disp_store_err(err);
    if (!rc && !(q = store_query(c->db, SQL_DISP_LOCEX_RECENT, err, "i", c->now_ms - 86400000))) rc = disp_store_err(err);
    while (!rc && (r = store_row(q, err)) == 1) {
        json_t *o = JSON_PACK("{s:I, s:I, s:s, s:I, s:I, s:I, s:s}", "job_id", (json_int_t)store_col_i64(q, 1),
                              "courier_id", (json_int_t)store_col_i64(q, 2), "kind", store_col_text(q, 3), "at_ms",
                              (json_int_t)store_col_i64(q, 4), "distance_m", (json_int_t)store_col_i64(q, 5), "limit_m",
                              (json_int_t)store_col_i64(q, 6), "reason", store_col_text(q, 9));
        if (o) {
            json_object_set_new(o, "since_pickup_ms", store_col_null(q, 7) ? json_null() : json_integer(store_col_i64(q, 7)));
            json_object_set_new(o, "min_ms", store_col_null(q, 8) ? json_null() : json_integer(store_col_i64(q, 8)));
        }
        json_array_append_new(exc, o);
    }
    if (q) store_done(q);
    if (!rc && r < 0) rc = disp_store_err(err);
    /* day one: alerts (no courier found, late) and scheduled orders, apart
       from the live jobs (not offered before ready time minus the lead) */
    json_t *alerts = NULL, *sched = json_array(), *live = json_array();
    if (!rc) rc = disp_alerts_json(c, &alerts, err);
    size_t ji;
    json_t *jo;
    json_array_foreach(jobs, ji, jo)
    {
        const char *st = json_string_value(json_object_get(jo, "state"));
        bool later = st && !strcmp(st, "scheduled");
        json_array_append(later ? sched : live, jo);
    }
    json_decref(jobs);
    jobs = live;
    if (!rc) {
        *out = JSON_PACK("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "at_ms", (json_int_t)c->now_ms, "counts",
                         counts, "couriers", cour, "jobs", jobs, "scheduled", sched, "offers", offers, "off_duty", off,
                         "location_exceptions", exc, "alerts", alerts);
        return rc;
    }
    json_decref(alerts);
    json_decref(sched);
    json_decref(off);
    json_decref(exc);
    json_decref(cour);
    json_decref(jobs);
    json_decref(offers);
    json_decref(counts);
    return rc;
}

/* Back to the pool (no courier named): the job is withdrawn from whoever
   holds it, as for a reassignment, and is open again for the next epoch. */
static int job_to_pool(disp_ctx *c, disp_jrow *j, const char *reason, json_t **out, vis_err *err)
{
    if (j->state == DISP_JS_OPEN)
        return vis_errf(err, VIS_ECONFLICT, "not_reassignable", NULL, "job %lld is already open to every courier",
                        (long long)j->id);
    int64_t from = -1;
    json_t *why = JSON_PACK("{s:s, s:s}", "reason", reason, "to", "pool");
    if (j->state == DISP_JS_OFFERED) {
        if (store_get_i64(c->db, SQL_DISP_OFFER_HEAD, &from, err, "i", j->offer_id) < 0) {
            json_decref(why);
            return disp_store_err(err);
        }
        if (disp_offer_close(c, j->offer_id, from, "withdrawn", "offer_withdrawn", why, err)) return err->code;
    } else {
        from = j->courier_id;
        if (disp_job_release(c, j, "reassigned_away", why, true, err)) return err->code;
        if (store_exec(c->db, SQL_DISP_JOB_UNASSIGN, err, "i", j->id)) return disp_store_err(err);
        if (disp_courier_idle_check(c, from, err)) return err->code;
    }
    char subj[48];
    snprintf(subj, sizeof subj, "job:%lld", (long long)j->id);
    json_t *pl = JSON_PACK("{s:I, s:s, s:s, s:I, s:s}", "job", (json_int_t)j->id, "reason", reason, "previous_state",
                           disp_jst_name(j->state), "from_courier", (json_int_t)from, "to", "pool");
    int64_t ev;
    if (svc_journal(c,
                    &(svc_event){.family = DISP_FAMILY,
                                 .event = "reassigned",
                                 .worker = from,
                                 .subject = subj,
                                 .payload = pl,
                                 .id_out = &ev},
                    err))
        return err->code;
    int64_t id = j->id;
    if (disp_job_get(c->db, id, j, err)) return err->code;
    *out = JSON_PACK("{s:o, s:n}", "job", disp_job_json(c, j), "offer");
    return 0;
}

int disp_job_reassign(disp_ctx *c, int64_t id, int64_t courier, const char *reason, json_t **out, vis_err *err)
{
    disp_jrow j;
    if (disp_job_get(c->db, id, &j, err)) return err->code;
    if (j.state != DISP_JS_OPEN && j.state != DISP_JS_OFFERED && j.state != DISP_JS_ASSIGNED)
        return vis_errf(err, VIS_ECONFLICT, "not_reassignable", NULL, "job %lld is %s", (long long)id,
                        disp_jst_name(j.state));
    if (j.state == DISP_JS_OPEN && disp_job_later(c, &j)) {
        char from[32];
        clock_iso(disp_job_window_ms(c, &j), from);
        return vis_errf(err, VIS_ECONFLICT, "not_reassignable", NULL,
                        "job %lld is scheduled for later: it enters dispatch at %s", (long long)id, from);
    }
    if (courier == 0) return job_to_pool(c, &j, reason, out, err);
    account a;
    if (account_get(c->db, courier, &a, err)) {
        snprintf(err->field, sizeof err->field, "courier_id");
        return err->code;
    }
    if (strcmp(a.role, "worker"))
        return vis_errf(err, VIS_EINVAL, "not_a_courier", "courier_id", "account %lld is not a worker",
                        (long long)courier);
    disp_crow to;
    if (disp_courier_get(c->db, courier, &to, err)) return err->code;
    if (!to.online)
        return vis_errf(err, VIS_ECONFLICT, "courier_offline", "courier_id", "courier %lld is offline",
                        (long long)courier);
    int64_t since;
    int od = store_get_i64(c->db, SQL_DISP_OFF_DUTY_GET, &since, err, "i", courier);
    if (od < 0) return disp_store_err(err);
    if (od == 1)
        return vis_errf(err, VIS_ECONFLICT, "courier_off_duty", "courier_id",
                        "courier %lld is off duty: put them on duty first", (long long)courier);
    if (j.state == DISP_JS_ASSIGNED && j.courier_id == courier)
        return vis_errf(err, VIS_ECONFLICT, "already_assigned", "courier_id", "job %lld is already with courier %lld",
                        (long long)id, (long long)courier);
    int64_t from = -1;
    json_t *why = JSON_PACK("{s:s, s:I}", "reason", reason, "to_courier", (json_int_t)courier);
    if (j.state == DISP_JS_OFFERED) {
        if (store_get_i64(c->db, SQL_DISP_OFFER_HEAD, &from, err, "i", j.offer_id) < 0) {
            json_decref(why);
            return disp_store_err(err);
        }
        if (disp_offer_close(c, j.offer_id, from, "withdrawn", "offer_withdrawn", why, err)) return err->code;
    } else if (j.state == DISP_JS_ASSIGNED) {
        from = j.courier_id;
        if (disp_job_release(c, &j, "reassigned_away", why, true, err)) return err->code;
        if (store_exec(c->db, SQL_DISP_JOB_UNASSIGN, err, "i", j.id)) return disp_store_err(err);
        if (disp_courier_idle_check(c, from, err)) return err->code;
    } else {
        json_decref(why);
    }
    /* the manual offer: from the courier's position to the pickup, then the drop-off */
    disp_env *e = mem_alloc(sizeof *e);
    int rc = disp_env_load(c, e, err);
    disp_offer_in in = {.courier = courier, .shift = to.shift_id, .source = "admin", .n = 1, .job = {j.id},
                        .seq = {0}};
    if (!rc) {
        const disp_params *p = &e->p;
        double cx, cy, px, py, dx, dy;
        disp_geo_xy(&e->geo, to.lat, to.lon, &cx, &cy);
        disp_geo_xy(&e->geo, j.place_lat, j.place_lon, &px, &py);
        disp_geo_xy(&e->geo, j.drop_lat, j.drop_lon, &dx, &dy);
        int64_t hp = disp_half_ms(p, p->pickup_service_ms), hd = disp_half_ms(p, p->dropoff_service_ms);
        in.px = px;
        in.py = py;
        in.arrive_ms = c->now_ms + disp_travel_ms(p, cx, cy, px, py);
        in.pickup_ms = in.arrive_ms + hp > j.ready_ms ? in.arrive_ms + hp : j.ready_ms;
        in.dropoff_ms = in.pickup_ms + disp_travel_ms(p, px, py, dx, dy) + hd;
        in.distance_m = llround(hypot(px - cx, py - cy) + hypot(dx - px, dy - py));
        in.expected_ms = in.dropoff_ms + (p->dropoff_service_ms - hd) - c->now_ms;
        in.wait_ms = in.pickup_ms - in.arrive_ms - hp;
        char subj[48];
        snprintf(subj, sizeof subj, "job:%lld", (long long)j.id);
        json_t *pl = JSON_PACK("{s:I, s:s, s:s}", "job", (json_int_t)j.id, "reason", reason, "previous_state",
                               disp_jst_name(j.state));
        if (pl) json_object_set_new(pl, "from_courier", from >= 0 ? json_integer(from) : json_null());
        rc = svc_journal(c,
                         &(svc_event){.family = DISP_FAMILY,
                                      .event = "reassigned",
                                      .worker = courier,
                                      .subject = subj,
                                      .payload = pl,
                                      .id_out = &in.decision_event},
                         err);
    }
    int64_t offer = 0;
    json_t *info = NULL;
    if (!rc) rc = disp_offer_create(c, e, &in, &offer, &info, err);
    free(e);
    if (rc) return rc;
    if (disp_job_get(c->db, id, &j, err)) {
        json_decref(info);
        return err->code;
    }
    *out = JSON_PACK("{s:o, s:o}", "job", disp_job_json(c, &j), "offer", info);
    return 0;
}

/* The courier's account (a worker), for the duty operations. */
static int worker_account(disp_ctx *c, int64_t courier, vis_err *err)
{
    account a;
    if (account_get(c->db, courier, &a, err)) return err->code;
    if (strcmp(a.role, "worker"))
        return vis_errf(err, VIS_EINVAL, "not_a_courier", NULL, "account %lld is not a worker", (long long)courier);
    return 0;
}

static int duty_reply(disp_ctx *c, int64_t courier, json_t **out, vis_err *err)
{
    json_t *d = disp_duty_json(c, courier, err);
    if (!d) return err->code;
    *out = JSON_PACK("{s:I, s:o}", "courier_id", (json_int_t)courier, "duty", d);
    return 0;
}

int disp_courier_off_duty(disp_ctx *c, int64_t courier, const char *reason, json_t **out, vis_err *err)
{
    if (worker_account(c, courier, err)) return err->code;
    int64_t since;
    int od = store_get_i64(c->db, SQL_DISP_OFF_DUTY_GET, &since, err, "i", courier);
    if (od < 0) return disp_store_err(err);
    if (od == 1) {
        char at[32];
        clock_iso(since, at);
        return vis_errf(err, VIS_ECONFLICT, "already_off_duty", NULL, "courier %lld is off duty since %s",
                        (long long)courier, at);
    }
    if (store_exec(c->db, SQL_DISP_OFF_DUTY_SET, err, "iiti", courier, c->now_ms, reason, svc_actor(c)))
        return disp_store_err(err);
    /* pending offers are withdrawn: their jobs go back to open */
    int64_t ids[64];
    int n = 0, r;
    store_stmt *q = store_query(c->db, SQL_DISP_OFFERS_PENDING_OF, err, "i", courier);
    if (!q) return disp_store_err(err);
    while ((r = store_row(q, err)) == 1 && n < 64) ids[n++] = store_col_i64(q, 0);
    store_done(q);
    if (r < 0) return disp_store_err(err);
    for (int k = 0; k < n; k++)
        if (disp_offer_close(c, ids[k], courier, "withdrawn", "offer_withdrawn",
                             JSON_PACK("{s:s}", "reason", "courier taken off duty"), err))
            return err->code;
    int64_t njobs = 0;
    if (disp_courier_active_jobs(c->db, courier, &njobs, err)) return err->code;
    char subj[48];
    snprintf(subj, sizeof subj, "courier:%lld", (long long)courier);
    if (svc_journal(
            c,
            &(svc_event){.family = DISP_FAMILY,
                         .event = "off_duty",
                         .worker = courier,
                         .subject = subj,
                         .payload = JSON_PACK("{s:s, s:I, s:I, s:s}", "reason", reason, "offers_withdrawn",
                                              (json_int_t)n, "jobs_in_hand", (json_int_t)njobs, "effect",
                                              "no offers until put back on duty; jobs in hand stay with the courier")},
            err))
        return err->code;
    return duty_reply(c, courier, out, err);
}

int disp_courier_on_duty(disp_ctx *c, int64_t courier, const char *reason, json_t **out, vis_err *err)
{
    if (worker_account(c, courier, err)) return err->code;
    int64_t since;
    int od = store_get_i64(c->db, SQL_DISP_OFF_DUTY_GET, &since, err, "i", courier);
    if (od < 0) return disp_store_err(err);
    if (od == 0)
        return vis_errf(err, VIS_ECONFLICT, "not_off_duty", NULL, "courier %lld is not off duty", (long long)courier);
    if (store_exec(c->db, SQL_DISP_OFF_DUTY_END, err, "i", courier)) return disp_store_err(err);
    char subj[48];
    snprintf(subj, sizeof subj, "courier:%lld", (long long)courier);
    json_t *pl = JSON_PACK("{s:I, s:I}", "off_since_ms", (json_int_t)since, "off_ms", (json_int_t)(c->now_ms - since));
    if (pl && reason && *reason) json_object_set_new(pl, "reason", json_string(reason));
    if (svc_journal(
            c,
            &(svc_event){.family = DISP_FAMILY, .event = "on_duty", .worker = courier, .subject = subj, .payload = pl},
            err))
        return err->code;
    return duty_reply(c, courier, out, err);
}
