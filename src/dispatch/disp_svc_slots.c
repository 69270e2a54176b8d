/* disp_svc_slots — the courier's vehicle and booked slots (issue 15).
 * See disp_service.h ("vehicles" and "booked slots") and docs/dispatch.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "dispatch/disp_area.h"
#include "dispatch/disp_svc_int.h"
#include "store/sql_dispatch.h"

/* ---- vehicles ---- */

static const char *const vehicles[] = {"walking", "bicycle", "e_bike", "scooter", "car", NULL};

bool disp_vehicle_valid(const char *v)
{
    for (int k = 0; v && vehicles[k]; k++)
        if (!strcmp(v, vehicles[k])) return true;
    return false;
}

int64_t disp_vehicle_speed(const vis_config *cfg, const char *v)
{
    if (!strcmp(v, "walking")) return cfg->disp_speed_walking;
    if (!strcmp(v, "e_bike")) return cfg->disp_speed_e_bike;
    if (!strcmp(v, "scooter")) return cfg->disp_speed_scooter;
    if (!strcmp(v, "car")) return cfg->disp_speed_car;
    return cfg->disp_speed_m_per_min; /* bicycle: the reference vehicle */
}

int64_t disp_vehicle_max_trip_m(const vis_config *cfg, const char *v)
{
    return !strcmp(v, "walking") ? cfg->disp_walking_max_trip_m : 0;
}

int disp_vehicle_of(disp_ctx *c, int64_t courier, char *out, size_t n, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_VEHICLE_GET, err, "i", courier);
    if (!q) return disp_store_err(err);
    int r = store_row(q, err);
    snprintf(out, n, "%s", r == 1 ? store_col_text(q, 0) : DISP_VEHICLE_DEFAULT);
    store_done(q);
    return r < 0 ? disp_store_err(err) : 0;
}

json_t *disp_vehicle_json(disp_ctx *c, int64_t courier, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_VEHICLE_GET, err, "i", courier);
    if (!q) return NULL;
    int r = store_row(q, err);
    char v[16];
    snprintf(v, sizeof v, "%s", r == 1 ? store_col_text(q, 0) : DISP_VEHICLE_DEFAULT);
    int64_t since = r == 1 ? store_col_i64(q, 1) : -1, by = r == 1 ? store_col_i64(q, 2) : -1;
    store_done(q);
    if (r < 0) return NULL;
    int64_t sp = disp_vehicle_speed(c->cfg, v), mx = disp_vehicle_max_trip_m(c->cfg, v);
    json_t *o = JSON_PACK("{s:s, s:I, s:f, s:b}", "vehicle", v, "speed_m_per_min", (json_int_t)sp, "speed_km_h",
                          (double)(sp * 60 / 100) / 10.0, "reference", !strcmp(v, DISP_VEHICLE_DEFAULT));
    json_object_set_new(o, "max_trip_m", mx > 0 ? json_integer(mx) : json_null());
    json_object_set_new(o, "since_ms", since >= 0 ? json_integer(since) : json_null());
    json_object_set_new(o, "set_by", by >= 0 ? json_integer(by) : json_null());
    return o;
}

int disp_courier_vehicle_set(disp_ctx *c, int64_t courier, const char *vehicle, json_t **out, vis_err *err)
{
    if (!disp_vehicle_valid(vehicle))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "vehicle",
                        "vehicle must be one of walking, bicycle, e_bike, scooter, car");
    account a;
    if (account_get(c->db, courier, &a, err)) return err->code;
    if (strcmp(a.role, "worker"))
        return vis_errf(err, VIS_EINVAL, "not_a_courier", NULL, "account %lld is not a worker", (long long)courier);
    char from[16];
    if (disp_vehicle_of(c, courier, from, sizeof from, err)) return err->code;
    if (store_exec(c->db, SQL_DISP_VEHICLE_SET, err, "itii", courier, vehicle, c->now_ms, svc_actor(c)))
        return disp_store_err(err);
    char subj[48];
    snprintf(subj, sizeof subj, "courier:%lld", (long long)courier);
    if (svc_journal(c,
                    &(svc_event){.family = DISP_FAMILY,
                                 .event = "vehicle_set",
                                 .worker = courier,
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:s, s:s, s:I}", "from", from, "to", vehicle, "speed_m_per_min",
                                                      (json_int_t)disp_vehicle_speed(c->cfg, vehicle))},
                    err))
        return err->code;
    json_t *v = disp_vehicle_json(c, courier, err);
    if (!v) return err->code;
    *out = JSON_PACK("{s:I, s:o}", "courier_id", (json_int_t)courier, "vehicle", v);
    return 0;
}

/* ---- booked slots ---- */

const char disp_slot_rule[] =
    "Booked slots are on: only online time inside a slot you booked, in that slot's service area, counts toward "
    "the hourly guarantee. Booking is never required to go online, and not booking or cancelling a slot has no "
    "consequence; a cancellation after the cut-off is recorded as late.";

static json_t *slot_row_json(store_stmt *q)
{
    return JSON_PACK("{s:I, s:s, s:I, s:I, s:I, s:I, s:b}", "id", (json_int_t)store_col_i64(q, 0), "area",
                     store_col_text(q, 1), "start_ms", (json_int_t)store_col_i64(q, 2), "end_ms",
                     (json_int_t)store_col_i64(q, 3), "capacity", (json_int_t)store_col_i64(q, 4), "booked",
                     (json_int_t)store_col_i64(q, 5), "mine", store_col_i64(q, 6) != 0);
}

static json_t *slot_json(disp_ctx *c, int64_t id, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_SLOT_GET, err, "ii", svc_actor(c), id);
    if (!q) return NULL;
    int r = store_row(q, err);
    json_t *o = r == 1 ? slot_row_json(q) : NULL;
    store_done(q);
    if (r == 0) vis_errf(err, VIS_ENOTFOUND, "not_found", NULL, "no slot %lld", (long long)id);
    return o;
}

static int slots_off(vis_err *err)
{
    return vis_errf(err, VIS_ECONFLICT, "slots_off", NULL,
                    "this platform does not use booked slots (dispatch.slots is off): go online any time");
}

int disp_slots_list(disp_ctx *c, json_t **out, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_SLOTS_FROM, err, "ii", svc_actor(c), c->now_ms);
    if (!q) return disp_store_err(err);
    json_t *a = json_array();
    int r;
    while ((r = store_row(q, err)) == 1) json_array_append_new(a, slot_row_json(q));
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return disp_store_err(err);
    }
    *out = JSON_PACK("{s:b, s:o, s:I, s:s}", "enabled", c->cfg->disp_slots, "slots", a, "cancel_cutoff_ms",
                     (json_int_t)(c->cfg->disp_slot_cancel_cutoff_min * 60000), "rule",
                     c->cfg->disp_slots ? disp_slot_rule : "Booked slots are off: they do not count for anything.");
    return 0;
}

int disp_slot_create(disp_ctx *c, const char *area, int64_t start_ms, int64_t end_ms, int64_t capacity,
                     json_t **out, vis_err *err)
{
    if (end_ms <= start_ms)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "end_ms", "end_ms must be after start_ms");
    if (end_ms - start_ms > 24 * 3600000LL)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "end_ms", "a slot lasts at most 24 hours");
    if (end_ms <= c->now_ms)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "end_ms", "the slot is already over");
    bool known = false;
    if (disp_area_named(c, area, &known, err)) return err->code;
    if (!known)
        return vis_errf(err, VIS_EINVAL, "unknown_area", "area",
                        "no service area named '%s' (PUT /v1/admin/dispatch/areas first)", area);
    if (store_exec(c->db, SQL_DISP_SLOT_INSERT, err, "tiiiii", area, start_ms, end_ms, capacity, c->now_ms,
                   svc_actor(c)))
        return disp_store_err(err);
    int64_t id = store_last_id(c->db);
    *out = slot_json(c, id, err);
    return *out ? 0 : err->code;
}

int disp_slot_book(disp_ctx *c, int64_t slot, json_t **out, vis_err *err)
{
    if (!c->cfg->disp_slots) return slots_off(err);
    json_t *s = slot_json(c, slot, err);
    if (!s) return err->code;
    int64_t end = json_integer_value(json_object_get(s, "end_ms")),
            cap = json_integer_value(json_object_get(s, "capacity")),
            booked = json_integer_value(json_object_get(s, "booked"));
    bool mine = json_is_true(json_object_get(s, "mine"));
    json_decref(s);
    if (end <= c->now_ms) return vis_errf(err, VIS_ECONFLICT, "slot_over", NULL, "slot %lld is over", (long long)slot);
    if (mine)
        return vis_errf(err, VIS_ECONFLICT, "already_booked", NULL, "you have already booked slot %lld",
                        (long long)slot);
    if (booked >= cap)
        return vis_errf(err, VIS_ECONFLICT, "slot_full", NULL, "slot %lld is full (%lld couriers)", (long long)slot,
                        (long long)cap);
    if (store_exec(c->db, SQL_DISP_SLOT_BOOK, err, "iii", slot, svc_actor(c), c->now_ms)) return disp_store_err(err);
    char subj[48];
    snprintf(subj, sizeof subj, "slot:%lld", (long long)slot);
    if (svc_journal(c,
                    &(svc_event){.family = DISP_FAMILY,
                                 .event = "slot_booked",
                                 .worker = svc_actor(c),
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:I}", "slot", (json_int_t)slot)},
                    err))
        return err->code;
    *out = slot_json(c, slot, err);
    return *out ? 0 : err->code;
}

int disp_slot_cancel(disp_ctx *c, int64_t slot, const char *reason, json_t **out, vis_err *err)
{
    json_t *s = slot_json(c, slot, err);
    if (!s) return err->code;
    int64_t start = json_integer_value(json_object_get(s, "start_ms")),
            end = json_integer_value(json_object_get(s, "end_ms"));
    json_decref(s);
    int64_t booking = 0;
    int r = store_get_i64(c->db, SQL_DISP_SLOT_MINE, &booking, err, "ii", slot, svc_actor(c));
    if (r < 0) return disp_store_err(err);
    if (r == 0)
        return vis_errf(err, VIS_ECONFLICT, "not_booked", NULL, "you have not booked slot %lld", (long long)slot);
    if (end <= c->now_ms) return vis_errf(err, VIS_ECONFLICT, "slot_over", NULL, "slot %lld is over", (long long)slot);
    bool late = c->now_ms > start - c->cfg->disp_slot_cancel_cutoff_min * 60000;
    if (store_exec(c->db, SQL_DISP_SLOT_CANCEL, err, "iiit", booking, c->now_ms, (int64_t)late, reason ? reason : ""))
        return disp_store_err(err);
    char subj[48];
    snprintf(subj, sizeof subj, "slot:%lld", (long long)slot);
    json_t *pl = JSON_PACK("{s:I, s:b}", "slot", (json_int_t)slot, "late", late);
    if (pl && reason && *reason) json_object_set_new(pl, "reason", json_string(reason));
    if (svc_journal(c,
                    &(svc_event){.family = DISP_FAMILY,
                                 .event = "slot_cancelled",
                                 .worker = svc_actor(c),
                                 .subject = subj,
                                 .payload = pl},
                    err))
        return err->code;
    *out = slot_json(c, slot, err);
    if (!*out) return err->code;
    json_object_set_new(*out, "cancelled_late", json_boolean(late));
    return 0;
}

int disp_slots_counted(disp_ctx *c, int64_t courier, int64_t lat, int64_t lon, int64_t from, int64_t to,
                       int64_t *ms, vis_err *err)
{
    *ms = 0;
    if (to <= from) return 0;
    store_stmt *q = store_query(c->db, SQL_DISP_SLOTS_OF_COURIER, err, "iii", courier, from, to);
    if (!q) return disp_store_err(err);
    /* slots (sorted by start) whose area holds the position: the union of
       their intervals clipped to [from, to) */
    int64_t cur_a = -1, cur_b = -1;
    int r;
    while ((r = store_row(q, err)) == 1) {
        int64_t a = store_col_i64(q, 1), b = store_col_i64(q, 2);
        bool in = false;
        if (disp_area_named_contains(c, store_col_text(q, 0), lat, lon, &in, err)) {
            store_done(q);
            return err->code;
        }
        if (!in) continue;
        if (a < from) a = from;
        if (b > to) b = to;
        if (cur_b >= 0 && a <= cur_b) {
            if (b > cur_b) cur_b = b;
            continue;
        }
        if (cur_b >= 0) *ms += cur_b - cur_a;
        cur_a = a;
        cur_b = b;
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (cur_b >= 0) *ms += cur_b - cur_a;
    return 0;
}

json_t *disp_slot_now_json(disp_ctx *c, int64_t courier, vis_err *err)
{
    /* the courier's booked slot running now, else the next one */
    store_stmt *q = store_query(c->db, SQL_DISP_SLOTS_OF_COURIER, err, "iii", courier, c->now_ms, INT64_MAX);
    if (!q) return NULL;
    int r = store_row(q, err);
    json_t *o = NULL;
    if (r == 1)
        o = JSON_PACK("{s:s, s:I, s:I, s:b}", "area", store_col_text(q, 0), "start_ms", (json_int_t)store_col_i64(q, 1),
                      "end_ms", (json_int_t)store_col_i64(q, 2), "now", store_col_i64(q, 1) <= c->now_ms);
    else if (r == 0)
        o = json_null();
    store_done(q);
    return r < 0 ? NULL : o;
}
