/* disp_svc_courier — the courier's side: shifts, positions, offers, the
 * job from pickup to delivery, and the shift's pay. See disp_service.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/ledger.h"
#include "core/timeacct.h"
#include "dispatch/disp_area.h"
#include "dispatch/disp_svc_int.h"
#include "store/sql_dispatch.h"

static int not_online(vis_err *err)
{
    return vis_errf(err, VIS_ECONFLICT, "offline", NULL, "you are offline: go online first");
}

static json_t *status_json(disp_ctx *c, const disp_crow *r, vis_err *err)
{
    int64_t njobs = 0, noffers = 0;
    if (disp_courier_active_jobs(c->db, r->id, &njobs, err) ||
        store_get_i64(c->db, SQL_DISP_COURIER_PENDING_COUNT, &noffers, err, "ii", r->id, c->now_ms) < 0)
        return NULL;
    json_t *o = JSON_PACK("{s:I, s:b, s:s, s:I, s:I}", "courier_id", (json_int_t)r->id, "online", r->online, "state",
                          !r->online ? "offline"
                          : njobs    ? "on_job"
                                     : "waiting",
                          "active_jobs", (json_int_t)njobs, "pending_offers", (json_int_t)noffers);
    json_object_set_new(o, "shift_id", r->online ? json_integer(r->shift_id) : json_null());
    json_object_set_new(o, "position",
                        r->has_pos ? JSON_PACK("{s:f, s:f, s:I}", "lat", (double)r->lat / 1e6, "lon",
                                               (double)r->lon / 1e6, "at_ms", (json_int_t)r->pos_ms)
                                   : json_null());
    json_object_set_new(o, "waiting_since_ms", r->online && r->idle ? json_integer(r->idle_since) : json_null());
    json_t *duty = disp_duty_json(c, r->id, err);
    if (!duty) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "duty", duty);
    json_t *veh = disp_vehicle_json(c, r->id, err), *slot = c->cfg->disp_slots ? disp_slot_now_json(c, r->id, err)
                                                                                 : json_null();
    if (!veh || !slot) {
        json_decref(veh);
        json_decref(slot);
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "vehicle", veh);
    json_object_set_new(o, "slots", json_boolean(c->cfg->disp_slots));
    json_object_set_new(o, "slot", slot);
    return o;
}

json_t *disp_duty_json(disp_ctx *c, int64_t courier, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_OFF_DUTY_GET, err, "i", courier);
    if (!q) return NULL;
    int r = store_row(q, err);
    json_t *o = NULL;
    if (r == 1)
        o = JSON_PACK("{s:b, s:I, s:s}", "off_duty", 1, "since_ms", (json_int_t)store_col_i64(q, 0), "reason",
                      store_col_text(q, 1));
    else if (r == 0)
        o = JSON_PACK("{s:b}", "off_duty", 0);
    store_done(q);
    return r < 0 ? NULL : o;
}

static int reply_status(disp_ctx *c, json_t **out, vis_err *err)
{
    disp_crow r;
    if (disp_courier_get(c->db, svc_actor(c), &r, err)) return err->code;
    *out = status_json(c, &r, err);
    return *out ? 0 : err->code;
}

int disp_courier_online(disp_ctx *c, double lat, double lon, json_t **out, vis_err *err)
{
    int64_t la, lo;
    if (disp_latlon(lat, lon, &la, &lo, err)) return err->code;
    disp_crow r;
    if (disp_courier_get(c->db, svc_actor(c), &r, err)) return err->code;
    if (r.online) return vis_errf(err, VIS_ECONFLICT, "already_online", NULL, "you are already online");
    bool approved = false;
    if (disp_onboarding_approved(c, svc_actor(c), &approved, err)) return err->code;
    if (!approved)
        return vis_errf(err, VIS_EFORBIDDEN, "not_approved", NULL,
                        "your courier account is waiting for approval by the platform (or suspended): you can go "
                        "online once an admin has approved it");
    if (store_exec(c->db, SQL_DISP_SHIFT_INSERT, err, "ii", svc_actor(c), c->now_ms)) return disp_store_err(err);
    int64_t shift = store_last_id(c->db);
    if (store_exec(c->db, SQL_DISP_COURIER_ONLINE, err, "iiiii", svc_actor(c), shift, la, lo, c->now_ms))
        return disp_store_err(err);
    char subj[48];
    snprintf(subj, sizeof subj, "shift:%lld", (long long)shift);
    if (svc_journal(c,
                    &(svc_event){.family = DISP_FAMILY,
                                 .event = "online",
                                 .worker = svc_actor(c),
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:I}", "shift", (json_int_t)shift)},
                    err))
        return err->code;
    return reply_status(c, out, err);
}

/* The time since the courier's last position, when that position counts
 * toward the guarantee (disp_area.h): *ms (0 otherwise). */
static int pending_inside(disp_ctx *c, const disp_crow *r, int64_t *ms, vis_err *err)
{
    *ms = 0;
    if (!r->online || !r->has_pos || c->now_ms <= r->pos_ms) return 0;
    if (c->cfg->disp_slots) /* booked slots: inside a booked slot, in its area */
        return disp_slots_counted(c, r->id, r->lat, r->lon, r->pos_ms, c->now_ms, ms, err);
    bool in;
    int n;
    if (disp_area_counts(c, r->lat, r->lon, &in, &n, err)) return err->code;
    if (in) *ms = c->now_ms - r->pos_ms;
    return 0;
}

/* Add the pending inside time to the shift (before a new position or the
 * end of the shift). */
static int credit_inside(disp_ctx *c, const disp_crow *r, vis_err *err)
{
    int64_t ms;
    if (pending_inside(c, r, &ms, err)) return err->code;
    if (ms > 0 && store_exec(c->db, SQL_DISP_SHIFT_ADD_INSIDE, err, "ii", r->shift_id, ms)) return disp_store_err(err);
    return 0;
}

/* The guarantee's explanation: the rule with the counted and online time. */
static json_t *guarantee_explanation(disp_ctx *c, int64_t counted, int64_t online, vis_err *err)
{
    bool in;
    int n;
    if (disp_area_counts(c, 0, 0, &in, &n, err)) return NULL;
    char buf[1536];
    snprintf(buf, sizeof buf, "%s%s%s Counted %lld min %02lld s of %lld min %02lld s online%s.", disp_area_rule,
             c->cfg->disp_slots ? " " : "", c->cfg->disp_slots ? disp_slot_rule : "",
             (long long)(counted / 60000), (long long)(counted / 1000 % 60), (long long)(online / 60000),
             (long long)(online / 1000 % 60),
             n ? "" : " (no service area is defined now: all online time counts)");
    return json_string(buf);
}

/* A shift's figures, as shift_json gathers them. */
typedef struct shift_fig {
    int64_t id, courier, start, end; /* end: the shift's end, or now while it runs */
    bool ended;
    int64_t orders, base, dist, tim, wait, comp, guar, topup, counted, earned;
    bool counting;          /* the time from now on counts (a live estimate) */
    int64_t counting_until; /* until when; -1: until the next position */
    int64_t first_accept;   /* earliest acceptance of the jobs in hand, -1: none */
    int64_t last_end;       /* latest end of the other jobs (or the start) */
    int open_kind;          /* the open span of a live shift: TIME_ACTIVE, TIME_WAITING, -1 none */
    int64_t open_since;
    timeacct t;
} shift_fig;

/* The stored row of the shift: pay so far, guarantee and counted time as
 * last written. */
static int shift_read(disp_ctx *c, int64_t shift, shift_fig *f, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_SHIFT_GET, err, "i", shift);
    if (!q) return err->code;
    int r = store_row(q, err);
    if (r != 1) {
        store_done(q);
        if (r == 0) return vis_errf(err, VIS_ENOTFOUND, "not_found", NULL, "no shift %lld", (long long)shift);
        return err->code;
    }
    f->id = shift;
    f->courier = store_col_i64(q, 1);
    f->start = store_col_i64(q, 2);
    f->ended = !store_col_null(q, 3);
    f->end = f->ended ? store_col_i64(q, 3) : c->now_ms;
    f->orders = store_col_i64(q, 4);
    f->base = store_col_i64(q, 5);
    f->dist = store_col_i64(q, 6);
    f->tim = store_col_i64(q, 7);
    f->wait = store_col_i64(q, 8);
    f->comp = store_col_i64(q, 9);
    f->guar = store_col_i64(q, 10);
    f->topup = store_col_i64(q, 11);
    f->counted = store_col_i64(q, 12);
    store_done(q);
    f->earned = f->base + f->dist + f->tim + f->wait + f->comp;
    f->counting_until = -1;
    return 0;
}

/* A live shift: the counted time up to now (the pending time since the last
 * position), whether the time from now on counts and until when, and the
 * guarantee and top-up recomputed from them. */
static int shift_live_guarantee(disp_ctx *c, const disp_rules *rules, shift_fig *f, vis_err *err)
{
    disp_crow cr0;
    int64_t pend = 0;
    if (disp_courier_get(c->db, f->courier, &cr0, err) ||
        (cr0.online && cr0.shift_id == f->id && pending_inside(c, &cr0, &pend, err)))
        return err->code;
    if (cr0.online && cr0.shift_id == f->id && cr0.has_pos) {
        if (c->cfg->disp_slots) {
            int64_t one = 0;
            if (disp_slots_counted(c, f->courier, cr0.lat, cr0.lon, c->now_ms, c->now_ms + 1, &one, err))
                return err->code;
            f->counting = one > 0;
            if (f->counting) {
                json_t *sl = disp_slot_now_json(c, f->courier, err);
                if (!sl) return err->code;
                if (json_is_object(sl)) f->counting_until = json_integer_value(json_object_get(sl, "end_ms"));
                json_decref(sl);
            }
        } else {
            bool in;
            int na;
            if (disp_area_counts(c, cr0.lat, cr0.lon, &in, &na, err)) return err->code;
            f->counting = in;
        }
    }
    f->counted += pend;
    if (f->counted > f->end - f->start) f->counted = f->end - f->start;
    f->guar = disp_guarantee(rules->pr.guarantee_per_hour, f->counted);
    f->topup = disp_topup(f->earned, rules->pr.guarantee_per_hour, f->counted);
    return 0;
}

/* The shift's jobs as JSON, noting when the jobs in hand were first
 * accepted and when the others last ended (for the open span). */
static int shift_jobs(disp_ctx *c, shift_fig *f, json_t **out, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_JOBS_OF_SHIFT, err, "i", f->id);
    if (!q) return err->code;
    json_t *jobs = json_array();
    f->first_accept = -1;
    f->last_end = f->start;
    int r;
    while ((r = store_row(q, err)) == 1) {
        int st = disp_jst_parse(store_col_text(q, 1));
        if (st < 0) {
            disp_state_unknown(err, "job", (long long)store_col_i64(q, 0), store_col_text(q, 1));
            r = -1;
            break;
        }
        int64_t at = store_col_i64(q, 2);
        if (st == DISP_JS_ASSIGNED || st == DISP_JS_PICKED_UP) {
            if (f->first_accept < 0 || at < f->first_accept) f->first_accept = at;
        } else if (at > f->last_end) {
            f->last_end = at;
        }
        json_array_append_new(
            jobs, JSON_PACK("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "job", (json_int_t)store_col_i64(q, 0), "state",
                            store_col_text(q, 1), "at_ms", (json_int_t)store_col_i64(q, 2), "base_micros",
                            (json_int_t)store_col_i64(q, 3), "distance_micros", (json_int_t)store_col_i64(q, 4),
                            "time_micros", (json_int_t)store_col_i64(q, 5), "waiting_micros",
                            (json_int_t)store_col_i64(q, 6), "paid_micros", (json_int_t)store_col_i64(q, 7)));
    }
    store_done(q);
    if (r < 0) {
        json_decref(jobs);
        return err->code;
    }
    *out = jobs;
    return 0;
}

/* Active and waiting time. The span running now (not yet in the journal) is
 * active since the earliest acceptance of the jobs in hand (after the last
 * job ended, so the union with the journal's spans is exact), else waiting
 * while the courier is idle. The journal's spans count up to the open span,
 * then the open span up to now (it covers every span journalled since it
 * began: jobs released while others are in hand), so active + waiting grow
 * live and never count a moment twice. */
static int shift_time(disp_ctx *c, shift_fig *f, vis_err *err)
{
    f->open_kind = -1;
    f->open_since = 0;
    if (!f->ended) {
        disp_crow cr;
        if (disp_courier_get(c->db, f->courier, &cr, err)) return err->code;
        if (f->first_accept >= 0) {
            f->open_kind = TIME_ACTIVE;
            f->open_since = f->first_accept > f->last_end ? f->first_accept : f->last_end;
        } else if (cr.online && cr.idle) {
            f->open_kind = TIME_WAITING;
            f->open_since = cr.idle_since;
        }
        if (f->open_kind >= 0 && f->open_since < f->start) f->open_since = f->start;
        if (f->open_kind >= 0 && f->open_since > f->end) f->open_since = f->end;
    }
    memset(&f->t, 0, sizeof f->t);
    int64_t upto = f->open_kind >= 0 ? f->open_since : f->end;
    if (upto > f->start && timeacct_compute(c->db, f->courier, f->start, upto, &f->t, err)) return err->code;
    if (f->open_kind == TIME_ACTIVE)
        f->t.active_ms += f->end - f->open_since;
    else if (f->open_kind == TIME_WAITING)
        f->t.waiting_ms += f->end - f->open_since;
    return 0;
}

/* The figures as the answer's JSON (jobs stolen). */
static json_t *shift_fig_json(disp_ctx *c, const disp_rules *rules, const shift_fig *f, json_t *jobs)
{
    json_t *o =
        JSON_PACK("{s:I, s:b, s:I, s:I, s:I, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:b}, s:I,"
                  " s:{s:I, s:I}, s:o}",
                  "shift_id", (json_int_t)f->id, "online", !f->ended, "start_ms", (json_int_t)f->start, "online_ms",
                  (json_int_t)(f->end - f->start), "orders", (json_int_t)f->orders, "currency", c->cfg->currency, "pay",
                  "base_micros", (json_int_t)f->base, "distance_micros", (json_int_t)f->dist, "time_micros",
                  (json_int_t)f->tim, "waiting_micros", (json_int_t)f->wait, "compensation_micros", (json_int_t)f->comp,
                  "orders_total_micros", (json_int_t)f->earned, "guarantee", "per_hour_micros",
                  (json_int_t)rules->pr.guarantee_per_hour, "guaranteed_micros", (json_int_t)f->guar, "topup_micros",
                  (json_int_t)f->topup, "final", f->ended, "total_micros", (json_int_t)(f->earned + f->topup), "time",
                  "active_ms", (json_int_t)f->t.active_ms, "waiting_ms", (json_int_t)f->t.waiting_ms, "jobs", jobs);
    json_object_set_new(o, "end_ms", f->ended ? json_integer(f->end) : json_null());
    json_t *tm = json_object_get(o, "time");
    json_object_set_new(tm, "as_of_ms", json_integer(f->end));
    json_object_set_new(tm, "open",
                        f->open_kind < 0
                            ? json_null()
                            : JSON_PACK("{s:s, s:I}", "kind", f->open_kind == TIME_ACTIVE ? "active" : "waiting",
                                        "since_ms", (json_int_t)f->open_since));
    return o;
}

/* The shift's figures (pay so far, guarantee, time) as JSON. */
static json_t *shift_json(disp_ctx *c, const disp_rules *rules, int64_t shift, vis_err *err)
{
    shift_fig f = {0};
    if (shift_read(c, shift, &f, err)) return NULL;
    if (!f.ended && shift_live_guarantee(c, rules, &f, err)) return NULL;
    json_t *jobs = NULL;
    if (shift_jobs(c, &f, &jobs, err)) return NULL;
    if (shift_time(c, &f, err)) {
        json_decref(jobs);
        return NULL;
    }
    json_t *o = shift_fig_json(c, rules, &f, jobs);
    json_t *g = json_object_get(o, "guarantee"), *expl = guarantee_explanation(c, f.counted, f.end - f.start, err);
    if (!expl) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(g, "counted_ms", json_integer(f.counted));
    json_object_set_new(g, "online_ms", json_integer(f.end - f.start));
    json_object_set_new(g, "explanation", expl);
    json_object_set_new(g, "slots", json_boolean(c->cfg->disp_slots));
    json_object_set_new(g, "counting", json_boolean(f.counting));
    json_object_set_new(g, "counting_until_ms", f.counting_until >= 0 ? json_integer(f.counting_until) : json_null());
    return o;
}

int disp_courier_offline(disp_ctx *c, json_t **out, vis_err *err)
{
    disp_crow r;
    if (disp_courier_get(c->db, svc_actor(c), &r, err)) return err->code;
    if (!r.online) return not_online(err);
    int64_t njobs;
    if (disp_courier_active_jobs(c->db, r.id, &njobs, err)) return err->code;
    if (njobs)
        return vis_errf(err, VIS_ECONFLICT, "jobs_in_progress", NULL,
                        "deliver your %lld job(s) before going offline", (long long)njobs);
    /* pending offers are withdrawn: their jobs go back to open */
    int64_t ids[64];
    int n = 0;
    store_stmt *q = store_query(c->db, SQL_DISP_OFFERS_PENDING_OF, err, "i", r.id);
    if (!q) return disp_store_err(err);
    int rr;
    while ((rr = store_row(q, err)) == 1 && n < 64) ids[n++] = store_col_i64(q, 0);
    store_done(q);
    if (rr < 0) return disp_store_err(err);
    for (int k = 0; k < n; k++)
        if (disp_offer_close(c, ids[k], r.id, "withdrawn", "offer_withdrawn",
                             JSON_PACK("{s:s}", "reason", "courier went offline"), err))
            return err->code;
    if (credit_inside(c, &r, err)) return err->code;
    disp_env *e = mem_alloc(sizeof *e);
    int rc = disp_env_load(c, e, err);
    int64_t start = 0, earned = 0, counted = 0;
    if (!rc) {
        /* the shift's figures decide the guaranteed top-up: a failed read
           fails the request, it never pays from zeros */
        store_stmt *s;
        if (store_one(c->db, SQL_DISP_SHIFT_GET, &s, err, "i", r.shift_id)) rc = disp_store_err(err);
        else if (!s) rc = vis_errf(err, VIS_ESTORE, NULL, NULL, "shift %lld is missing", (long long)r.shift_id);
        else {
            start = store_col_i64(s, 2);
            for (int k = 5; k <= 9; k++) earned += store_col_i64(s, k);
            counted = store_col_i64(s, 12);
            store_done(s);
        }
    }
    int64_t per_hour = e->rules.pr.guarantee_per_hour;
    if (counted > c->now_ms - start) counted = c->now_ms - start;
    int64_t guar = disp_guarantee(per_hour, counted);
    int64_t topup = disp_topup(earned, per_hour, counted);
    char subj[48];
    snprintf(subj, sizeof subj, "shift:%lld", (long long)r.shift_id);
    if (!rc) {
        json_t *pl =
            JSON_PACK("{s:I, s:I, s:I, s:I, s:I, s:I}", "shift", (json_int_t)r.shift_id, "online_ms",
                      (json_int_t)(c->now_ms - start), "counted_ms", (json_int_t)counted, "orders_pay_micros",
                      (json_int_t)earned, "guaranteed_micros", (json_int_t)guar, "topup_micros", (json_int_t)topup);
        rc = svc_journal(c,
                         &(svc_event){.family = DISP_FAMILY,
                                      .event = "offline",
                                      .worker = r.id,
                                      .subject = subj,
                                      .span_kind = r.idle ? "waiting" : NULL,
                                      .span_start_ms = r.idle_since,
                                      .span_end_ms = c->now_ms,
                                      .payload = pl},
                         err);
    }
    if (!rc && topup > 0) {
        int64_t w, sub;
        char idem[64];
        snprintf(idem, sizeof idem, "dispatch:shift:%lld:topup", (long long)r.shift_id);
        if (ledger_account(c->db, "worker_earnings", r.id, "", c->cfg->currency, &w, err) ||
            ledger_account(c->db, "external", 0, DISP_SUBSIDY_REF, c->cfg->currency, &sub, err))
            rc = err->code;
        else {
            ledger_leg legs[2] = {{sub, -topup}, {w, topup}};
            ledger_tx_in tx = {.idem_key = idem, .kind = "guarantee_topup", .memo = "guaranteed minimum per online hour inside a service area",
                               .family = DISP_FAMILY, .subject = subj, .actor_id = -1, .now_ms = c->now_ms};
            rc = ledger_post(c->db, &tx, legs, 2, NULL, NULL, err);
        }
    }
    if (!rc && (store_exec(c->db, SQL_DISP_SHIFT_END, err, "iiii", r.shift_id, c->now_ms, guar, topup) ||
                store_exec(c->db, SQL_DISP_COURIER_OFFLINE, err, "i", r.id)))
        rc = disp_store_err(err);
    if (!rc) {
        *out = shift_json(c, &e->rules, r.shift_id, err);
        if (!*out) rc = err->code;
    }
    free(e);
    return rc;
}

static int arrive_at(disp_ctx *c, const disp_crow *r, int64_t place, int64_t job, vis_err *err)
{
    if (r->visiting && r->visit_place == place) return 0;
    if (store_exec(c->db, SQL_DISP_COURIER_VISIT, err, "iii", r->id, place, c->now_ms)) return disp_store_err(err);
    char subj[48];
    snprintf(subj, sizeof subj, "place:%lld", (long long)place);
    return svc_journal(
        c,
        &(svc_event){.family = DISP_FAMILY,
                     .event = "arrived",
                     .worker = r->id,
                     .subject = subj,
                     .payload = JSON_PACK("{s:I, s:I}", "place", (json_int_t)place, "job", (json_int_t)job)},
        err);
}

int disp_courier_position(disp_ctx *c, double lat, double lon, json_t **out, vis_err *err)
{
    int64_t la, lo;
    if (disp_latlon(lat, lon, &la, &lo, err)) return err->code;
    disp_crow r;
    if (disp_courier_get(c->db, svc_actor(c), &r, err)) return err->code;
    if (!r.online)
        return vis_errf(err, VIS_ECONFLICT, "offline", NULL,
                        "positions are only accepted while you are online; nothing was stored");
    if (credit_inside(c, &r, err)) return err->code;
    if (store_exec(c->db, SQL_DISP_COURIER_POSITION, err, "iiii", r.id, la, lo, c->now_ms))
        return disp_store_err(err);
    /* arrival at a pickup place of an accepted job, from the position */
    disp_geo g;
    disp_geo_init(&g, c->cfg);
    int64_t place = -1, job = -1;
    store_stmt *q = store_query(c->db, SQL_DISP_COURIER_PICKUPS, err, "i", r.id);
    if (!q) return disp_store_err(err);
    int rr;
    while ((rr = store_row(q, err)) == 1)
        if (place < 0 && disp_dist_m(&g, la, lo, store_col_i64(q, 1), store_col_i64(q, 2)) <=
                             (double)c->cfg->disp_arrive_radius_m) {
            place = store_col_i64(q, 0);
            job = store_col_i64(q, 3);
        }
    store_done(q);
    if (rr < 0) return disp_store_err(err);
    if (place >= 0 && arrive_at(c, &r, place, job, err)) return err->code;
    return reply_status(c, out, err);
}

int disp_courier_offers(disp_ctx *c, json_t **out, vis_err *err)
{
    json_t *a = json_array();
    store_stmt *q = store_query(c->db, SQL_DISP_OFFERS_LIVE_OF, err, "ii", svc_actor(c), c->now_ms);
    if (!q) {
        json_decref(a);
        return err->code;
    }
    int64_t ids[256];
    int n = 0, r;
    while ((r = store_row(q, err)) == 1 && n < 256) ids[n++] = store_col_i64(q, 0);
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return disp_store_err(err);
    }
    for (int k = 0; k < n; k++) {
        json_t *o = disp_offer_json(c, ids[k], err);
        if (!o) {
            json_decref(a);
            return err->code;
        }
        json_array_append_new(a, o);
    }
    disp_crow cr;
    if (disp_courier_get(c->db, svc_actor(c), &cr, err)) {
        json_decref(a);
        return err->code;
    }
    *out = JSON_PACK("{s:b, s:o}", "online", cr.online, "offers", a);
    return 0;
}

/* The caller's pending offer: its shift and expiry. */
static int own_offer(disp_ctx *c, int64_t offer, int64_t *expires, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_OFFER_HEAD, err, "i", offer);
    if (!q) return disp_store_err(err);
    int r = store_row(q, err);
    int64_t courier = -1;
    char text[16] = "";
    if (r == 1) {
        courier = store_col_i64(q, 0);
        snprintf(text, sizeof text, "%s", store_col_text(q, 1));
        *expires = store_col_i64(q, 2);
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (r == 0 || courier != svc_actor(c))
        return vis_errf(err, VIS_ENOTFOUND, "not_found", NULL, "no offer %lld for you", (long long)offer);
    int state = disp_ost_parse(text);
    if (state < 0) return disp_state_unknown(err, "offer", (long long)offer, text);
    if (state != DISP_OS_PENDING)
        return vis_errf(err, VIS_ECONFLICT, "offer_not_pending", NULL, "offer %lld is %s", (long long)offer,
                        disp_ost_name((disp_ost)state));
    return 0;
}

int disp_offer_accept(disp_ctx *c, int64_t offer, json_t **out, vis_err *err)
{
    int64_t expires;
    if (own_offer(c, offer, &expires, err)) return err->code;
    if (expires <= c->now_ms) {
        char at[32];
        clock_iso(expires, at);
        return vis_errf(err, VIS_ECONFLICT, "offer_expired", NULL, "offer %lld expired at %s", (long long)offer, at);
    }
    disp_crow r;
    if (disp_courier_get(c->db, svc_actor(c), &r, err)) return err->code;
    if (!r.online) return not_online(err);
    json_t *route = NULL; /* where the ride to the pickup starts (before the jobs are ours) */
    if (disp_route_accept(c, &r, offer, &route, err)) return err->code;
    if (store_exec(c->db, SQL_DISP_OFFER_SET_STATE, err, "iti", offer, "accepted", c->now_ms)) {
        json_decref(route);
        return disp_store_err(err);
    }
    if (store_exec(c->db, SQL_DISP_JOBS_ACCEPT, err, "iiii", offer, r.id, r.shift_id, c->now_ms)) {
        json_decref(route);
        return disp_store_err(err);
    }
    if (store_changes(c->db) < 1) {
        json_decref(route);
        return vis_errf(err, VIS_ECONFLICT, "offer_not_pending", NULL, "offer %lld has no job left", (long long)offer);
    }
    char subj[48];
    snprintf(subj, sizeof subj, "offer:%lld", (long long)offer);
    json_t *o = disp_offer_json(c, offer, err);
    if (!o) {
        json_decref(route);
        return err->code;
    }
    json_t *pl = JSON_PACK("{s:I, s:O, s:O, s:o}", "offer", (json_int_t)offer, "jobs", json_object_get(o, "job_ids"),
                           "pay_micros", json_object_get(o, "pay_micros"), "route", route);
    if (svc_journal(c,
                    &(svc_event){.family = DISP_FAMILY,
                                 .event = "accepted",
                                 .worker = r.id,
                                 .subject = subj,
                                 .span_kind = r.idle ? "waiting" : NULL,
                                 .span_start_ms = r.idle_since,
                                 .span_end_ms = c->now_ms,
                                 .payload = pl},
                    err) ||
        (r.idle && store_exec(c->db, SQL_DISP_COURIER_BUSY, err, "i", r.id))) {
        json_decref(o);
        return err->code ? err->code : disp_store_err(err);
    }
    *out = o;
    return 0;
}

int disp_offer_decline(disp_ctx *c, int64_t offer, json_t **out, vis_err *err)
{
    return disp_offer_decline_why(c, offer, NULL, out, err);
}

int disp_offer_decline_why(disp_ctx *c, int64_t offer, const char *reason, json_t **out, vis_err *err)
{
    int64_t expires;
    if (own_offer(c, offer, &expires, err)) return err->code;
    json_t *extra = JSON_PACK("{s:s}", "consequence", "none: declines are not an input of any later decision");
    if (extra && reason && *reason) json_object_set_new(extra, "reason", json_string(reason));
    if (disp_offer_close(c, offer, svc_actor(c), "declined", "declined", extra, err)) return err->code;
    *out = disp_offer_json(c, offer, err);
    return *out ? 0 : err->code;
}

/* The courier's jobs; each job still to be picked up also says when the
 * courier arrived at its pickup place (`arrived_ms`, null before), so the
 * courier's page can show the step reached after a reload. */
int disp_courier_jobs(disp_ctx *c, json_t **out, vis_err *err)
{
    if (disp_jobs_json(c, SQL_DISP_JOBS_OF_COURIER, out, err)) return err->code;
    disp_crow r;
    if (disp_courier_get(c->db, svc_actor(c), &r, err)) {
        json_decref(*out);
        *out = NULL;
        return err->code;
    }
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(*out, "jobs"), i, j)
    {
        const char *st = json_string_value(json_object_get(j, "state"));
        json_int_t place = json_integer_value(json_object_get(json_object_get(j, "place"), "id"));
        bool here = r.visiting && r.visit_place == place && disp_jst_parse_shown(st) == DISP_JS_ASSIGNED;
        json_object_set_new(j, "arrived_ms", here ? json_integer(r.visit_ms) : json_null());
    }
    return 0;
}

/* The caller's job in state `want`. */
static int own_job(disp_ctx *c, int64_t id, disp_jst want, disp_jrow *j, vis_err *err)
{
    if (disp_job_get(c->db, id, j, err)) return err->code;
    if (j->courier_id != svc_actor(c) ||
        (j->state != DISP_JS_ASSIGNED && j->state != DISP_JS_PICKED_UP && j->state != DISP_JS_DELIVERED))
        return vis_errf(err, VIS_ENOTFOUND, "not_found", NULL, "job %lld is not yours", (long long)id);
    if (j->state != want)
        return vis_errf(err, VIS_ECONFLICT, "invalid_state", NULL, "job %lld is %s, not %s", (long long)id,
                        disp_jst_name(j->state), disp_jst_name(want));
    return 0;
}

static int reply_job(disp_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    disp_jrow j;
    if (disp_job_get(c->db, id, &j, err)) return err->code;
    *out = disp_job_json(c, &j);
    return 0;
}

int disp_job_arrived(disp_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    disp_jrow j;
    disp_crow r;
    if (own_job(c, id, DISP_JS_ASSIGNED, &j, err) || disp_courier_get(c->db, svc_actor(c), &r, err) ||
        arrive_at(c, &r, j.place_id, j.id, err))
        return err->code;
    return reply_job(c, id, out, err);
}

/* The location check of a pickup or a delivery (see disp_service.h): 0
 * when within bounds (*exc NULL) or outside with a reason (*exc: the
 * exception, stored; the caller journals it with its event), else 409. */
static int loc_check(disp_ctx *c, const disp_crow *r, const disp_jrow *j, bool delivery, const char *reason,
                     json_t **exc, vis_err *err)
{
    *exc = NULL;
    int64_t limit = c->cfg->disp_location_check_m;
    if (limit <= 0) return 0;
    disp_geo g;
    disp_geo_init(&g, c->cfg);
    int64_t tlat = delivery ? j->drop_lat : j->place_lat, tlon = delivery ? j->drop_lon : j->place_lon;
    int64_t dist = r->has_pos ? llround(disp_dist_m(&g, r->lat, r->lon, tlat, tlon)) : -1;
    int64_t since = -1, min_ms = -1;
    if (delivery && j->picked_ms >= 0) {
        double leg = disp_dist_m(&g, j->place_lat, j->place_lon, j->drop_lat, j->drop_lon);
        since = c->now_ms - j->picked_ms;
        min_ms = (int64_t)ceil(leg * 60000.0 / (double)c->cfg->disp_max_speed_m_per_min);
    }
    bool far = dist < 0 || dist > limit, soon = min_ms >= 0 && since < min_ms;
    if (!far && !soon) return 0;
    const char *what = delivery ? "drop-off" : "pickup place";
    if (!reason || !*reason) {
        if (far && dist < 0)
            return vis_errf(err, VIS_ECONFLICT, delivery ? "away_from_dropoff" : "away_from_pickup", "reason",
                            "no position of yours is known: send your position at the %s first, or give a reason "
                            "(an exception shown to the dispatcher)",
                            what);
        if (far)
            return vis_errf(err, VIS_ECONFLICT, delivery ? "away_from_dropoff" : "away_from_pickup", "reason",
                            "your last position is %lld m from the %s (the limit is %lld m): send your position "
                            "from there, or give a reason (an exception shown to the dispatcher)",
                            (long long)dist, what, (long long)limit);
        return vis_errf(err, VIS_ECONFLICT, "too_soon_after_pickup", "reason",
                        "delivered %lld s after the pickup, but the drop-off is %lld m away (at least %lld s at "
                        "%lld m/min): give a reason if this is right (an exception shown to the dispatcher)",
                        (long long)(since / 1000), (long long)llround(disp_dist_m(&g, j->place_lat, j->place_lon,
                                                                                    j->drop_lat, j->drop_lon)),
                        (long long)((min_ms + 999) / 1000), (long long)c->cfg->disp_max_speed_m_per_min);
    }
    if (store_exec(c->db, SQL_DISP_LOCEX_INSERT, err, "iitiiiIIt", j->id, r->id, delivery ? "delivery" : "pickup",
                   c->now_ms, dist, limit, since, min_ms, reason))
        return disp_store_err(err);
    *exc =
        JSON_PACK("{s:s, s:I, s:I, s:s, s:b, s:b}", "kind", delivery ? "delivery" : "pickup", "distance_m",
                  (json_int_t)dist, "limit_m", (json_int_t)limit, "reason", reason, "too_far", far, "too_soon", soon);
    json_object_set_new(*exc, "since_pickup_ms", since >= 0 ? json_integer(since) : json_null());
    json_object_set_new(*exc, "min_ms", min_ms >= 0 ? json_integer(min_ms) : json_null());
    /* its own event too, so the exceptions of a courier are easy to list */
    char subj[48];
    snprintf(subj, sizeof subj, "job:%lld", (long long)j->id);
    json_t *pl = json_deep_copy(*exc);
    if (pl) json_object_set_new(pl, "job", json_integer(j->id));
    if (svc_journal(
            c,
            &(svc_event){
                .family = DISP_FAMILY, .event = "location_exception", .worker = r->id, .subject = subj, .payload = pl},
            err)) {
        json_decref(*exc);
        *exc = NULL;
        return err->code;
    }
    return 0;
}

int disp_job_exceptions(disp_ctx *c, int64_t job, json_t **out, vis_err *err)
{
    json_t *a = json_array();
    store_stmt *q = store_query(c->db, SQL_DISP_LOCEX_OF_JOB, err, "i", job);
    if (!q) {
        json_decref(a);
        return err->code;
    }
    int r;
    while ((r = store_row(q, err)) == 1) {
        json_t *o = JSON_PACK("{s:s, s:I, s:I, s:I, s:I, s:s}", "kind", store_col_text(q, 3), "courier_id",
                              (json_int_t)store_col_i64(q, 2), "at_ms", (json_int_t)store_col_i64(q, 4), "distance_m",
                              (json_int_t)store_col_i64(q, 5), "limit_m", (json_int_t)store_col_i64(q, 6), "reason",
                              store_col_text(q, 9));
        if (o) {
            json_object_set_new(o, "since_pickup_ms", store_col_null(q, 7) ? json_null() : json_integer(store_col_i64(q, 7)));
            json_object_set_new(o, "min_ms", store_col_null(q, 8) ? json_null() : json_integer(store_col_i64(q, 8)));
        }
        json_array_append_new(a, o);
    }
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return disp_store_err(err);
    }
    *out = a;
    return 0;
}

int disp_job_picked_up(disp_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    return disp_job_picked_up_why(c, id, NULL, out, err);
}

int disp_job_picked_up_why(disp_ctx *c, int64_t id, const char *reason, json_t **out, vis_err *err)
{
    disp_jrow j;
    disp_crow r;
    if (own_job(c, id, DISP_JS_ASSIGNED, &j, err) || disp_courier_get(c->db, svc_actor(c), &r, err)) return err->code;
    json_t *exc = NULL;
    if (loc_check(c, &r, &j, false, reason, &exc, err)) return err->code;
    int64_t waited = 0, due = 0;
    if (r.visiting && r.visit_place == j.place_id) {
        disp_env *e = mem_alloc(sizeof *e);
        int rc = disp_env_load(c, e, err);
        if (!rc) {
            waited = c->now_ms - r.visit_ms;
            due = disp_wait_pay(&e->rules.pr, waited) - r.visit_paid;
            if (due < 0) due = 0;
        }
        free(e);
        if (rc) return rc;
    }
    if (store_exec(c->db, SQL_DISP_JOB_PICKED, err, "iii", j.id, c->now_ms, due) ||
        (due > 0 && store_exec(c->db, SQL_DISP_COURIER_VISIT_PAID, err, "ii", r.id, due))) {
        json_decref(exc);
        return disp_store_err(err);
    }
    char subj[48];
    snprintf(subj, sizeof subj, "job:%lld", (long long)j.id);
    json_t *pl = JSON_PACK("{s:I, s:I, s:I}", "job", (json_int_t)j.id, "waited_ms", (json_int_t)waited,
                           "waiting_pay_micros", (json_int_t)due);
    if (pl && exc) json_object_set_new(pl, "location_exception", exc);
    else json_decref(exc);
    if (svc_journal(
            c,
            &(svc_event){.family = DISP_FAMILY, .event = "picked_up", .worker = r.id, .subject = subj, .payload = pl},
            err))
        return err->code;
    return reply_job(c, id, out, err);
}

/* The journal entry that ends the courier's active time on a job (from its
 * acceptance to now): delivered, or handed back. */
static int journal_job_end(disp_ctx *c, const disp_jrow *j, const char *event, json_t *pl, vis_err *err)
{
    char subj[48];
    snprintf(subj, sizeof subj, "job:%lld", (long long)j->id);
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

int disp_job_delivered(disp_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    return disp_job_delivered_why(c, id, NULL, out, err);
}

int disp_job_delivered_why(disp_ctx *c, int64_t id, const char *reason, json_t **out, vis_err *err)
{
    disp_jrow j;
    disp_crow cr;
    if (own_job(c, id, DISP_JS_PICKED_UP, &j, err) || disp_courier_get(c->db, svc_actor(c), &cr, err)) return err->code;
    json_t *exc = NULL;
    if (loc_check(c, &cr, &j, true, reason, &exc, err)) return err->code;
    /* the distance ridden for this delivery (before it is journalled) */
    int64_t start = 0, ridden = 0;
    if (store_get_i64(c->db, SQL_DISP_SHIFT_START, &start, err, "i", j.shift_id) < 0) {
        json_decref(exc);
        return disp_store_err(err);
    }
    json_t *route = NULL;
    if (disp_route_delivery(c, &j, start, &ridden, &route, err)) {
        json_decref(exc);
        return err->code;
    }
    int64_t pay = j.pay_base + j.pay_distance + j.pay_time + j.pay_waiting;
    char idem[64];
    snprintf(idem, sizeof idem, "dispatch:job:%lld:settle", (long long)j.id);
    if (disp_settle(c, &j, j.courier_id, pay, "platform_fees", "payment", idem, err)) {
        json_decref(route);
        json_decref(exc);
        return err->code;
    }
    if (store_exec(c->db, SQL_DISP_JOB_DELIVERED, err, "iii", j.id, c->now_ms, pay) ||
        store_exec(c->db, SQL_DISP_SHIFT_ADD_PAY, err, "iiiii", j.shift_id, j.pay_base, j.pay_distance, j.pay_time,
                   j.pay_waiting)) {
        json_decref(route);
        json_decref(exc);
        return disp_store_err(err);
    }
    /* distance_m: the courier's route for this delivery (disp_svc_route.c),
       which the earnings truth charges the courier's declared per-km costs
       on; route: its parts */
    json_t *pl = JSON_PACK("{s:I, s:I, s:o, s:I, s:{s:I, s:I, s:I, s:I}}", "job", (json_int_t)j.id, "distance_m",
                           (json_int_t)ridden, "route", route, "pay_micros", (json_int_t)pay, "breakdown",
                           "base_micros", (json_int_t)j.pay_base, "distance_micros", (json_int_t)j.pay_distance,
                           "time_micros", (json_int_t)j.pay_time, "waiting_micros", (json_int_t)j.pay_waiting);
    if (pl && exc) json_object_set_new(pl, "location_exception", exc);
    else json_decref(exc);
    if (journal_job_end(c, &j, "delivered", pl, err) || disp_courier_idle_check(c, j.courier_id, err))
        return err->code;
    return reply_job(c, id, out, err);
}

int disp_courier_shift(disp_ctx *c, json_t **out, vis_err *err)
{
    int64_t shift = -1;
    int r = store_get_i64(c->db, SQL_DISP_SHIFT_LAST, &shift, err, "i", svc_actor(c));
    if (r < 0) return disp_store_err(err);
    if (r == 0) return vis_errf(err, VIS_ENOTFOUND, "no_shift", NULL, "you have not been online yet");
    disp_env *e = mem_alloc(sizeof *e);
    int rc = disp_env_load(c, e, err);
    if (!rc) {
        *out = shift_json(c, &e->rules, shift, err);
        if (!*out) rc = err->code;
    }
    free(e);
    if (!rc) {
        json_t *duty = disp_duty_json(c, svc_actor(c), err);
        if (!duty) {
            json_decref(*out);
            *out = NULL;
            return err->code;
        }
        json_object_set_new(*out, "duty", duty);
    }
    return rc;
}

int disp_job_hand_back(disp_ctx *c, int64_t id, const char *reason, json_t **out, vis_err *err)
{
    disp_jrow j;
    if (own_job(c, id, DISP_JS_ASSIGNED, &j, err)) return err->code;
    json_t *pl = JSON_PACK("{s:I, s:s, s:I, s:s}", "job", (json_int_t)j.id, "reason", reason, "compensation_micros",
                           (json_int_t)0, "consequence", "none: the job is not offered to you again");
    if (journal_job_end(c, &j, "handed_back", pl, err)) return err->code;
    if (store_exec(c->db, SQL_DISP_HANDBACK_INSERT, err, "iiit", j.id, j.courier_id, c->now_ms, reason) ||
        store_exec(c->db, SQL_DISP_JOB_UNASSIGN, err, "i", j.id))
        return disp_store_err(err);
    if (disp_courier_idle_check(c, j.courier_id, err)) return err->code;
    return reply_job(c, id, out, err);
}
