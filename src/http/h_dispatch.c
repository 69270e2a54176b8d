/* h_dispatch — handlers of on-demand delivery (issue 5): couriers under
 * /v1/courier, clients under /v1/delivery, admins under
 * /v1/admin/dispatch. They validate the body's shape (jv) and hand over
 * to dispatch/disp_service.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jv.h"
#include "base/mem.h"
#include "dispatch/disp_area.h"
#include "dispatch/disp_service.h"
#include "http/http.h"
#include "http/server.h"
#include "http/sse.h"

static double num(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

/* ---- couriers ---- */

static const jv_field pos_fields[] = {
    {"lat", JV_NUMBER, true, 0, 0},
    {"lon", JV_NUMBER, true, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int h_online(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, pos_fields, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_courier_online(&c, num(r->json, "lat"), num(r->json, "lon"), &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_offline(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_courier_offline(&c, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_position(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, pos_fields, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_courier_position(&c, num(r->json, "lat"), num(r->json, "lon"), &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_offers(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_courier_offers(&c, &out, err);
    if (!rc) rc = disp_offers_decorate(&c, json_object_get(out, "offers"), err); /* drop-off instructions */
    return http_reply(rs, 200, rc, &out);
}

typedef int (*id_op)(disp_ctx *, int64_t, json_t **, vis_err *);

static int with_id(http_req *r, http_resp *rs, vis_err *err, const char *what, id_op op)
{
    int64_t id;
    if (http_param_id(r, 0, what, &id, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = op(&c, id, &out, err);
    return http_reply(rs, 200, rc, &out);
}

typedef int (*why_op)(disp_ctx *, int64_t, const char *, json_t **, vis_err *);

/* An operation on {id} with an optional body {"reason"} (required when
 * `need`); other fields are refused. */
static const jv_field why_opt_fields[] = {
    {"reason", JV_STRING, false, 1, 500},
    {NULL, 0, 0, 0, 0},
};
static const jv_field why_fields[] = {
    {"reason", JV_STRING, true, 1, 500},
    {NULL, 0, 0, 0, 0},
};

static int with_why(http_req *r, http_resp *rs, vis_err *err, const char *what, bool need, why_op op)
{
    int64_t id;
    if (http_param_id(r, 0, what, &id, err)) return err->code;
    if ((r->json || need) && jv_check(r->json, need ? why_fields : why_opt_fields, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = op(&c, id, r->json ? jv_str(r->json, "reason", NULL) : NULL, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_accept(http_req *r, http_resp *rs, vis_err *err) { return with_id(r, rs, err, "offer", disp_offer_accept); }
static int h_decline(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "offer", false, disp_offer_decline_why);
}
static int h_arrived(http_req *r, http_resp *rs, vis_err *err) { return with_id(r, rs, err, "job", disp_job_arrived); }
static int h_picked(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "job", false, disp_job_picked_up_why);
}
static int h_delivered(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "job", false, disp_job_delivered_why);
}
static int h_hand_back(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "job", true, disp_job_hand_back);
}

static int h_cjobs(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_courier_jobs(&c, &out, err);
    if (!rc) rc = disp_dropoff_decorate_all(&c, json_object_get(out, "jobs"), "courier", err);
    return http_reply(rs, 200, rc, &out);
}

/* What the courier's page shows, for the event stream: offers, jobs and the
 * shift; the change key leaves out what moves by itself (time, shift pay). */
static int courier_snapshot(store *db, const vis_config *cfg, const account *who, int64_t now_ms, json_t **out,
                            char **key, vis_err *err)
{
    disp_ctx c = {.db = db, .cfg = cfg, .now_ms = now_ms, .who = who};
    json_t *offers = NULL, *jobs = NULL, *shift = NULL;
    if (disp_courier_offers(&c, &offers, err) || disp_courier_jobs(&c, &jobs, err) ||
        disp_offers_decorate(&c, json_object_get(offers, "offers"), err) ||
        disp_dropoff_decorate_all(&c, json_object_get(jobs, "jobs"), "courier", err)) {
        json_decref(offers);
        json_decref(jobs);
        return err->code;
    }
    vis_err e2;
    if (disp_courier_shift(&c, &shift, &e2)) shift = json_null(); /* never online yet */
    json_t *online = json_object_get(offers, "online");
    json_t *duty = json_is_object(shift) ? json_object_get(shift, "duty") : NULL; /* off duty: pushed at once */
    json_t *k = JSON_PACK("{s:O, s:O, s:O, s:O}", "online", online ? online : json_false(), "offers",
                          json_object_get(offers, "offers"), "jobs", json_object_get(jobs, "jobs"), "duty",
                          duty ? duty : json_null());
    *key = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(k);
    *out =
        JSON_PACK("{s:I, s:O, s:O, s:O, s:o}", "time_ms", (json_int_t)now_ms, "online", online ? online : json_false(),
                  "offers", json_object_get(offers, "offers"), "jobs", json_object_get(jobs, "jobs"), "shift", shift);
    json_decref(offers);
    json_decref(jobs);
    return 0;
}

static int h_events(http_req *r, http_resp *rs, vis_err *err)
{
    return sse_open(r, rs, "state", courier_snapshot, err);
}

static int h_shift(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_courier_shift(&c, &out, err);
    return http_reply(rs, 200, rc, &out);
}

/* ---- clients ---- */

static const jv_field place_fields[] = {
    {"name", JV_STRING, true, 1, 120},
    {"lat", JV_NUMBER, true, 0, 0},
    {"lon", JV_NUMBER, true, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int h_place_create(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, place_fields, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_place_create(&c, jv_str(r->json, "name", ""), num(r->json, "lat"), num(r->json, "lon"), &out, err);
    return http_reply(rs, 201, rc, &out);
}

static int h_places(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_place_list(&c, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static const jv_field quote_fields[] = {
    {"place_id", JV_INT, true, 1, INT64_MAX},
    {"dropoff_lat", JV_NUMBER, true, 0, 0},
    {"dropoff_lon", JV_NUMBER, true, 0, 0},
    {"ready_in_s", JV_INT, false, 0, 7200},
    {"ready_at_ms", JV_INT, false, 0, INT64_MAX},
    {NULL, 0, 0, 0, 0},
};

static int h_quote(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, quote_fields, err)) return err->code;
    if (json_object_get(r->json, "ready_in_s") && json_object_get(r->json, "ready_at_ms"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "ready_at_ms",
                        "give ready_in_s (preparation time) or ready_at_ms (a scheduled order), not both");
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_job_quote_ex(&c, jv_int(r->json, "place_id", 0), num(r->json, "dropoff_lat"),
                               num(r->json, "dropoff_lon"), jv_int(r->json, "ready_in_s", 0),
                               json_object_get(r->json, "ready_at_ms") ? jv_int(r->json, "ready_at_ms", 0) : -1, &out,
                               err);
    return http_reply(rs, 200, rc, &out);
}

static const jv_field job_fields[] = {
    {"place_id", JV_INT, true, 1, INT64_MAX},
    {"dropoff_lat", JV_NUMBER, true, 0, 0},
    {"dropoff_lon", JV_NUMBER, true, 0, 0},
    {"ready_in_s", JV_INT, false, 0, 7200},
    {"ready_at_ms", JV_INT, false, 0, INT64_MAX}, /* a scheduled order (dispatch.schedule_max_s ahead at most) */
    {"note", JV_STRING, false, 0, 500},
    {"dropoff", JV_ANY, false, 0, 0}, /* contact: checked by disp_dropoff_check */
    {NULL, 0, 0, 0, 0},
};

static int h_job_post(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, job_fields, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    if (json_object_get(r->json, "ready_in_s") && json_object_get(r->json, "ready_at_ms"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "ready_at_ms",
                        "give ready_in_s (preparation time) or ready_at_ms (a scheduled order), not both");
    int rc = disp_job_post_ex(&c, jv_int(r->json, "place_id", 0), num(r->json, "dropoff_lat"),
                              num(r->json, "dropoff_lon"), jv_int(r->json, "ready_in_s", 0),
                              json_object_get(r->json, "ready_at_ms") ? jv_int(r->json, "ready_at_ms", 0) : -1,
                              jv_str(r->json, "note", ""), json_object_get(r->json, "dropoff"), &out, err);
    if (!rc) {
        json_int_t id = json_integer_value(json_object_get(out, "id"));
        snprintf(rs->location, sizeof rs->location, "/v1/delivery/jobs/%lld", (long long)id);
    }
    return http_reply(rs, 201, rc, &out);
}

static int h_jobs(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_job_list(&c, &out, err);
    if (!rc) rc = disp_dropoff_decorate_all(&c, json_object_get(out, "jobs"), "client", err);
    return http_reply(rs, 200, rc, &out);
}

static int h_track(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "job", &id, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    bool admin = !strcmp(r->who.role, "admin");
    int rc = disp_job_track(&c, id, admin, &out, err);
    if (!rc) rc = disp_dropoff_decorate(&c, out, admin ? "admin" : "client", err);
    json_t *exc = NULL; /* pickups or deliveries reported away from the place, with the courier's reason */
    if (!rc && !(rc = disp_job_exceptions(&c, id, &exc, err))) json_object_set_new(out, "location_exceptions", exc);
    json_t *al = NULL; /* no courier found, late */
    if (!rc && !(rc = disp_job_alerts(&c, id, json_string_value(json_object_get(out, "state")), &al, err)))
        json_object_set_new(out, "alerts", al);
    return http_reply(rs, 200, rc, &out);
}

/* The restaurant's live jobs, for its event stream: the jobs live now or
 * ended in the last DELIVERY_RECENT_MS, tracked; the change key leaves out
 * the ETAs (they move with the clock) and keeps what a person sees change:
 * states, the courier's position, alerts, contact. */
#define DELIVERY_RECENT_MS (30 * 60 * 1000)
static int client_snapshot(store *db, const vis_config *cfg, const account *who, int64_t now_ms, json_t **out,
                           char **key, vis_err *err)
{
    disp_ctx c = {.db = db, .cfg = cfg, .now_ms = now_ms, .who = who};
    if (disp_client_changes(&c, now_ms - DELIVERY_RECENT_MS, out, err)) return err->code;
    json_t *k = json_array(), *jobs = json_object_get(*out, "jobs"), *j;
    size_t i;
    json_array_foreach(jobs, i, j)
    {
        json_t *o = json_deep_copy(j);
        json_object_del(o, "eta");
        json_array_append_new(k, o);
    }
    *key = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(k);
    return 0;
}

/* An endless answer only for a reader that asked for one (EventSource sends
 * Accept: text/event-stream): a plain GET gets an error at once instead of
 * an answer that never ends. */
static int h_delivery_events(http_req *r, http_resp *rs, vis_err *err)
{
    const char *acc = http_header(r, "Accept");
    if (!acc || !strstr(acc, "text/event-stream"))
        return vis_errf(err, VIS_EINVAL, "event_stream_only", "Accept",
                        "this is an event stream: send Accept: text/event-stream (EventSource does)");
    return sse_open(r, rs, "jobs", client_snapshot, err);
}

/* status callbacks to the restaurant (disp_svc_notify.c) */
static int h_hooks_get(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_hooks_get(&c, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_hooks_put(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_hooks_put(&c, r->json, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_cancel(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "job", false, disp_job_cancel);
}

/* ---- admins ---- */

static int h_board(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_board(&c, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static const jv_field reassign_fields[] = {
    {"courier_id", JV_INT, false, 1, INT64_MAX}, /* absent: back to the pool */
    {"reason", JV_STRING, true, 1, 500},
    {NULL, 0, 0, 0, 0},
};

static int h_reassign(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "job", &id, err)) return err->code;
    if (jv_check(r->json, reassign_fields, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_job_reassign(&c, id, jv_int(r->json, "courier_id", 0), jv_str(r->json, "reason", ""), &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_off_duty(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "courier", true, disp_courier_off_duty);
}
static int h_on_duty(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "courier", false, disp_courier_on_duty);
}

static int h_couriers(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t after, limit;
    const char *st = http_query(r, "state");
    if (http_query_i64(r, "after", 0, 0, INT64_MAX, &after, err) ||
        http_query_i64(r, "limit", 50, 1, 200, &limit, err))
        return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_couriers_list(&c, st ? st : "", after, limit, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_approve(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "courier", false, disp_courier_approve);
}
static int h_suspend(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "courier", true, disp_courier_suspend);
}

static int h_areas_get(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_areas_get(&c, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_areas_put(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_areas_put(&c, r->json, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_rules_get(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_rules_get(&c, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_rules_put(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_rules_put(&c, r->json, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_run_epoch(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    c.who = NULL; /* the epoch is the system's */
    json_t *out = NULL;
    int rc = disp_run_epoch(&c, &out, err);
    return http_reply(rs, 200, rc, &out);
}

/* ---- vehicles and booked slots (issue 15) ---- */

static const jv_field vehicle_fields[] = {
    {"vehicle", JV_STRING, true, 1, 16},
    {NULL, 0, 0, 0, 0},
};

static int h_vehicle(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, vehicle_fields, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_courier_vehicle_set(&c, svc_actor(&c), jv_str(r->json, "vehicle", ""), &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_admin_vehicle(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "courier", &id, err)) return err->code;
    if (jv_check(r->json, vehicle_fields, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_courier_vehicle_set(&c, id, jv_str(r->json, "vehicle", ""), &out, err);
    return http_reply(rs, 200, rc, &out);
}

static int h_slots(http_req *r, http_resp *rs, vis_err *err)
{
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_slots_list(&c, &out, err);
    return http_reply(rs, 200, rc, &out);
}

static const jv_field slot_fields[] = {
    {"area", JV_STRING, true, 1, 120},
    {"start_ms", JV_INT, true, 0, INT64_MAX / 2},
    {"end_ms", JV_INT, true, 0, INT64_MAX / 2},
    {"capacity", JV_INT, true, 1, 100000},
    {NULL, 0, 0, 0, 0},
};

static int h_slot_create(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, slot_fields, err)) return err->code;
    disp_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = disp_slot_create(&c, jv_str(r->json, "area", ""), jv_int(r->json, "start_ms", 0),
                              jv_int(r->json, "end_ms", 0), jv_int(r->json, "capacity", 1), &out, err);
    return http_reply(rs, 201, rc, &out);
}

static int h_slot_book(http_req *r, http_resp *rs, vis_err *err) { return with_id(r, rs, err, "slot", disp_slot_book); }
static int h_slot_cancel(http_req *r, http_resp *rs, vis_err *err)
{
    return with_why(r, rs, err, "slot", false, disp_slot_cancel);
}

#define W HTTP_WORKER
#define C HTTP_CLIENT
#define AD HTTP_ADMIN
const http_route http_routes_dispatch[] = {
    {"POST", "/v1/courier/online", h_online, W | HTTP_JSON | HTTP_TX, "go online at a position (starts a shift)"},
    {"POST", "/v1/courier/offline", h_offline, W | HTTP_TX, "go offline (ends the shift: guarantee top-up)"},
    {"POST", "/v1/courier/position", h_position, W | HTTP_JSON | HTTP_TX, "send a position (refused while offline)"},
    {"GET", "/v1/courier/offers", h_offers, W, "pending offers with pay and breakdown"},
    {"POST", "/v1/courier/offers/{id}/accept", h_accept, W | HTTP_TX, "accept an offer"},
    {"POST", "/v1/courier/offers/{id}/decline", h_decline, W | HTTP_JSON_OPT | HTTP_TX,
     "decline an offer (no consequence; an optional reason is journalled)"},
    {"GET", "/v1/courier/jobs", h_cjobs, W, "jobs accepted and not yet delivered"},
    {"POST", "/v1/courier/jobs/{id}/arrived", h_arrived, W | HTTP_TX, "arrived at the pickup (waiting starts)"},
    {"POST", "/v1/courier/jobs/{id}/picked-up", h_picked, W | HTTP_JSON_OPT | HTTP_TX,
     "picked up (location checked; waiting pay computed)"},
    {"POST", "/v1/courier/jobs/{id}/delivered", h_delivered, W | HTTP_JSON_OPT | HTTP_TX,
     "delivered (location and time checked; the courier is paid)"},
    {"POST", "/v1/courier/jobs/{id}/hand-back", h_hand_back, W | HTTP_JSON | HTTP_TX,
     "hand a job back before pickup, with a reason (no penalty; not offered to you again)"},
    {"GET", "/v1/courier/events", h_events, W,
     "Server-Sent Events: 'state' with offers, jobs and shift, pushed when they change (and every 15 s)"},
    {"GET", "/v1/courier/shift", h_shift, W, "the current or last shift: pay so far with breakdown"},
    {"PUT", "/v1/courier/vehicle", h_vehicle, W | HTTP_JSON | HTTP_TX,
     "set your vehicle (walking, bicycle, e_bike, scooter, car): its speed plans your offers"},
    {"GET", "/v1/courier/slots", h_slots, W, "slots still to come or running, with your bookings"},
    {"POST", "/v1/courier/slots/{id}/book", h_slot_book, W | HTTP_TX, "book a slot (when dispatch.slots is on)"},
    {"POST", "/v1/courier/slots/{id}/cancel", h_slot_cancel, W | HTTP_JSON_OPT | HTTP_TX,
     "cancel a booked slot (no penalty; after the cut-off it is recorded as late)"},
    {"POST", "/v1/delivery/places", h_place_create, C | HTTP_JSON | HTTP_IDEM, "add a pickup place"},
    {"GET", "/v1/delivery/places", h_places, C, "the caller's pickup places"},
    {"POST", "/v1/delivery/quote", h_quote, C | HTTP_JSON, "price a job without posting it"},
    {"POST", "/v1/delivery/jobs", h_job_post, C | HTTP_JSON | HTTP_IDEM, "post a job (price held in escrow)"},
    {"GET", "/v1/delivery/jobs", h_jobs, C, "the caller's jobs"},
    {"GET", "/v1/delivery/jobs/{id}", h_track, C | AD, "track a job: state, courier position, ETA"},
    {"GET", "/v1/delivery/callbacks", h_hooks_get, C | HTTP_TX,
     "the restaurant's status callbacks: URL, signing secret, recent deliveries and failures"},
    {"PUT", "/v1/delivery/callbacks", h_hooks_put, C | HTTP_JSON | HTTP_TX,
     "set the callback URL for job status changes (http or https); rotate the signing secret"},
    {"GET", "/v1/delivery/events", h_delivery_events, C,
     "Server-Sent Events: 'jobs' with the caller's live and recently ended jobs, tracked, pushed when they change"},
    {"POST", "/v1/delivery/jobs/{id}/cancel", h_cancel, C | HTTP_JSON_OPT | HTTP_TX,
     "cancel a job before pickup (an optional reason is journalled)"},
    {"GET", "/v1/admin/dispatch/board", h_board, AD, "live board: couriers, jobs, offers"},
    {"POST", "/v1/admin/dispatch/jobs/{id}/reassign", h_reassign, AD | HTTP_JSON | HTTP_TX,
     "reassign a job by hand (a journalled human override)"},
    {"POST", "/v1/admin/dispatch/couriers/{id}/off-duty", h_off_duty, AD | HTTP_JSON | HTTP_TX,
     "take a courier off duty, with a reason (no offers until on duty again)"},
    {"POST", "/v1/admin/dispatch/couriers/{id}/on-duty", h_on_duty, AD | HTTP_JSON_OPT | HTTP_TX,
     "put a courier back on duty"},
    {"GET", "/v1/admin/dispatch/couriers", h_couriers, AD,
     "worker accounts by onboarding state (state=applied|approved|suspended), paginated with after"},
    {"POST", "/v1/admin/dispatch/couriers/{id}/approve", h_approve, AD | HTTP_JSON_OPT | HTTP_TX,
     "approve a courier (onboarding: they can go online from now on)"},
    {"POST", "/v1/admin/dispatch/couriers/{id}/suspend", h_suspend, AD | HTTP_JSON | HTTP_TX,
     "suspend a courier, with a reason (they cannot go online until approved again)"},
    {"PUT", "/v1/admin/dispatch/couriers/{id}/vehicle", h_admin_vehicle, AD | HTTP_JSON | HTTP_TX,
     "set a courier's vehicle (e.g. at approval)"},
    {"GET", "/v1/admin/dispatch/slots", h_slots, AD, "published slots still to come or running, with bookings"},
    {"POST", "/v1/admin/dispatch/slots", h_slot_create, AD | HTTP_JSON | HTTP_TX,
     "publish a slot in a service area (start_ms, end_ms, capacity)"},
    {"GET", "/v1/admin/dispatch/areas", h_areas_get, AD, "the service areas (polygons) and the guarantee's rule"},
    {"PUT", "/v1/admin/dispatch/areas", h_areas_put, AD | HTTP_JSON | HTTP_TX,
     "replace the service areas (only online time inside them counts toward the guarantee)"},
    {"GET", "/v1/admin/dispatch/rules", h_rules_get, AD, "the pricing rule set"},
    {"PUT", "/v1/admin/dispatch/rules", h_rules_put, AD | HTTP_JSON | HTTP_TX, "replace the pricing rule set"},
    {"POST", "/v1/admin/dispatch/run-epoch", h_run_epoch, AD | HTTP_TX | HTTP_TESTONLY,
     "tests: run one dispatch epoch now"},
    {NULL, NULL, NULL, 0, NULL},
};
