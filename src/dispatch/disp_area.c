/* disp_area — service areas and courier onboarding. See disp_area.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "dispatch/disp_area.h"
#include "dispatch/disp_svc_int.h"
#include "store/sql_dispatch.h"

const char disp_area_rule[] =
    "The hourly guarantee counts online time inside a service area set by the platform: each position you send "
    "(and the one you go online at) counts the time until your next position or going offline when it lies "
    "inside an area. With no service area defined, all online time counts. Only couriers approved by the "
    "platform can go online.";

bool disp_area_contains(int n, const int64_t *lat, const int64_t *lon, int64_t plat, int64_t plon)
{
    bool in = false;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        if ((lat[i] > plat) != (lat[j] > plat)) {
            double x = (double)(lon[j] - lon[i]) * (double)(plat - lat[i]) / (double)(lat[j] - lat[i]) +
                       (double)lon[i];
            if ((double)plon < x) in = !in;
        }
    }
    return in;
}

/* points text: [[lat_e6, lon_e6], ...] */
static bool points_contain(const char *text, int64_t plat, int64_t plon)
{
    json_t *a = json_loads(text, 0, NULL);
    int64_t la[DISP_AREA_MAX_PTS], lo[DISP_AREA_MAX_PTS];
    int n = 0;
    size_t i;
    json_t *p;
    json_array_foreach(a, i, p)
    {
        if (n >= DISP_AREA_MAX_PTS) break;
        la[n] = json_integer_value(json_array_get(p, 0));
        lo[n] = json_integer_value(json_array_get(p, 1));
        n++;
    }
    json_decref(a);
    return n >= 3 && disp_area_contains(n, la, lo, plat, plon);
}

int disp_area_counts(disp_ctx *c, int64_t lat, int64_t lon, bool *inside, int *nareas, vis_err *err)
{
    *inside = false;
    *nareas = 0;
    store_stmt *q = store_query(c->db, SQL_DISP_AREAS_ALL, err, "");
    if (!q) return disp_store_err(err);
    int r;
    while ((r = store_row(q, err)) == 1) {
        (*nareas)++;
        if (!*inside && points_contain(store_col_text(q, 2), lat, lon)) *inside = true;
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (*nareas == 0) *inside = true;
    return 0;
}

static json_t *points_json(const char *text)
{
    json_t *a = json_loads(text, 0, NULL), *o = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(a, i, p)
    {
        double la = (double)json_integer_value(json_array_get(p, 0)) / 1e6,
               lo = (double)json_integer_value(json_array_get(p, 1)) / 1e6;
        json_array_append_new(o, JSON_PACK("[f, f]", la, lo));
    }
    json_decref(a);
    return o;
}

int disp_areas_get(disp_ctx *c, json_t **out, vis_err *err)
{
    json_t *a = json_array();
    store_stmt *q = store_query(c->db, SQL_DISP_AREAS_ALL, err, "");
    if (!q) {
        json_decref(a);
        return err->code;
    }
    int r;
    while ((r = store_row(q, err)) == 1)
        json_array_append_new(a,
                              JSON_PACK("{s:I, s:s, s:o, s:I, s:I}", "id", (json_int_t)store_col_i64(q, 0), "name",
                                        store_col_text(q, 1), "points", points_json(store_col_text(q, 2)), "updated_ms",
                                        (json_int_t)store_col_i64(q, 3), "by", (json_int_t)store_col_i64(q, 4)));
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return disp_store_err(err);
    }
    *out = JSON_PACK("{s:o, s:s, s:s}", "areas", a, "rule", disp_area_rule, "when_none",
                     json_array_size(a) ? "" : "no service area is defined: all online time counts");
    return 0;
}

/* Orientation of (a, b, c): >0 left turn, <0 right, 0 collinear (exact:
 * coordinates are micro-degrees, products stay far inside int64). */
static int orient(int64_t ay, int64_t ax, int64_t by, int64_t bx, int64_t cy, int64_t cx)
{
    int64_t v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    return (v > 0) - (v < 0);
}

static bool within(int64_t a, int64_t b, int64_t c) { return (a <= c && c <= b) || (b <= c && c <= a); }

/* Do segments p1p2 and p3p4 touch (crossing, or collinear and overlapping)? */
static bool touch(const int64_t *y, const int64_t *x, size_t p1, size_t p2, size_t p3, size_t p4)
{
    int d1 = orient(y[p3], x[p3], y[p4], x[p4], y[p1], x[p1]), d2 = orient(y[p3], x[p3], y[p4], x[p4], y[p2], x[p2]);
    int d3 = orient(y[p1], x[p1], y[p2], x[p2], y[p3], x[p3]), d4 = orient(y[p1], x[p1], y[p2], x[p2], y[p4], x[p4]);
    if (d1 * d2 < 0 && d3 * d4 < 0) return true;
    if (!d1 && within(y[p3], y[p4], y[p1]) && within(x[p3], x[p4], x[p1])) return true;
    if (!d2 && within(y[p3], y[p4], y[p2]) && within(x[p3], x[p4], x[p2])) return true;
    if (!d3 && within(y[p1], y[p2], y[p3]) && within(x[p1], x[p2], x[p3])) return true;
    if (!d4 && within(y[p1], y[p2], y[p4]) && within(x[p1], x[p2], x[p4])) return true;
    return false;
}

/* A polygon whose edges that do not follow each other touch crosses itself:
 * "inside" would mean nothing a dispatcher meant. The first such edges
 * (1-based: edge i runs from point i to the next) in *e1, *e2. */
static bool self_crossing(const int64_t *y, const int64_t *x, size_t n, size_t *e1, size_t *e2)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 2; j < n; j++) {
            if (i == 0 && j == n - 1) continue; /* they share point 1 */
            if (touch(y, x, i, (i + 1) % n, j, (j + 1) % n)) {
                *e1 = i + 1;
                *e2 = j + 1;
                return true;
            }
        }
    return false;
}

static int bad(vis_err *err, const char *field, const char *msg, int k)
{
    return vis_errf(err, VIS_EINVAL, "invalid_area", field, "area %d: %s", k, msg);
}

int disp_areas_put(disp_ctx *c, json_t *spec, json_t **out, vis_err *err)
{
    json_t *areas = json_object_get(spec, "areas");
    if (!json_is_array(areas))
        return vis_errf(err, VIS_EINVAL, "invalid_area", "areas",
                        "areas must be a list of {\"name\", \"points\": [[lat, lon], ...]} (an empty list removes them)");
    if (json_array_size(areas) > DISP_AREA_MAX)
        return vis_errf(err, VIS_EINVAL, "invalid_area", "areas", "at most %d service areas", DISP_AREA_MAX);
    const char *k0;
    json_t *v0;
    json_object_foreach(spec, k0, v0) if (strcmp(k0, "areas"))
        return vis_errf(err, VIS_EINVAL, "unknown_field", k0, "unknown field %s", k0);
    /* validate all before changing anything */
    size_t k;
    json_t *a;
    json_array_foreach(areas, k, a)
    {
        int n = (int)k + 1;
        if (!json_is_object(a)) return bad(err, "areas", "each area is an object {name, points}", n);
        const char *key;
        json_t *v;
        json_object_foreach(a, key, v) if (strcmp(key, "name") && strcmp(key, "points"))
            return bad(err, "areas", "unknown field (an area has name and points)", n);
        const char *name = json_string_value(json_object_get(a, "name"));
        if (!name || !*name || strlen(name) > 100) return bad(err, "name", "a name of 1 to 100 characters is required", n);
        json_t *pts = json_object_get(a, "points");
        size_t np = json_array_size(pts);
        if (!json_is_array(pts) || np < 3 || np > DISP_AREA_MAX_PTS)
            return vis_errf(err, VIS_EINVAL, "invalid_area", "points",
                            "area %d: points must be a list of 3 to %d [lat, lon] pairs", n, DISP_AREA_MAX_PTS);
        double twice = 0, la0 = 0, lo0 = 0, pla = 0, plo = 0;
        int64_t ys[DISP_AREA_MAX_PTS], xs[DISP_AREA_MAX_PTS];
        for (size_t i = 0; i < np; i++) {
            json_t *p = json_array_get(pts, i);
            int64_t la, lo;
            vis_err e2 = {0};
            if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(json_array_get(p, 0)) ||
                !json_is_number(json_array_get(p, 1)) ||
                disp_latlon(json_number_value(json_array_get(p, 0)), json_number_value(json_array_get(p, 1)), &la,
                            &lo, &e2))
                return vis_errf(err, VIS_EINVAL, "invalid_area", "points",
                                "area %d, point %zu: a point is [lat, lon] with lat in [-90, 90] and lon in "
                                "[-180, 180]",
                                n, i + 1);
            ys[i] = la;
            xs[i] = lo;
            double y = (double)la, x = (double)lo;
            if (i == 0) la0 = y, lo0 = x;
            else twice += (plo - lo0) * (y - la0) - (x - lo0) * (pla - la0);
            pla = y, plo = x;
        }
        size_t e1, e2;
        if (self_crossing(ys, xs, np, &e1, &e2))
            return vis_errf(err, VIS_EINVAL, "invalid_area", "points",
                            "area %d crosses itself: edge %zu (point %zu to the next) touches edge %zu; list the "
                            "points in order around the area",
                            n, e1, e1, e2);
        if (twice == 0) return bad(err, "points", "the polygon has no area (its points are on one line)", n);
    }
    if (store_exec(c->db, SQL_DISP_AREAS_CLEAR, err, "")) return disp_store_err(err);
    json_array_foreach(areas, k, a)
    {
        json_t *pts = json_object_get(a, "points"), *st = json_array(), *p;
        size_t i;
        json_array_foreach(pts, i, p)
        {
            int64_t la, lo;
            disp_latlon(json_number_value(json_array_get(p, 0)), json_number_value(json_array_get(p, 1)), &la, &lo,
                        err);
            json_array_append_new(st, JSON_PACK("[I, I]", (json_int_t)la, (json_int_t)lo));
        }
        char *text = json_dumps(st, JSON_COMPACT);
        json_decref(st);
        int rc = store_exec(c->db, SQL_DISP_AREA_INSERT, err, "ttii", json_string_value(json_object_get(a, "name")),
                            text, c->now_ms, svc_actor(c));
        free(text);
        if (rc) return disp_store_err(err);
    }
    if (disp_areas_get(c, out, err)) return err->code;
    json_t *pl = JSON_PACK("{s:O}", "areas", json_object_get(*out, "areas"));
    if (svc_journal(c, &(svc_event){.family = DISP_FAMILY, .event = "areas_changed", .subject = "areas", .payload = pl},
                    err)) {
        json_decref(*out);
        *out = NULL;
        return err->code;
    }
    return 0;
}

int disp_area_named(disp_ctx *c, const char *name, bool *known, vis_err *err)
{
    *known = false;
    store_stmt *q = store_query(c->db, SQL_DISP_AREAS_ALL, err, "");
    if (!q) return disp_store_err(err);
    int r;
    while ((r = store_row(q, err)) == 1)
        if (!strcmp(store_col_text(q, 1), name)) *known = true;
    store_done(q);
    return r < 0 ? disp_store_err(err) : 0;
}

int disp_area_named_contains(disp_ctx *c, const char *name, int64_t lat, int64_t lon, bool *inside, vis_err *err)
{
    *inside = false;
    store_stmt *q = store_query(c->db, SQL_DISP_AREAS_ALL, err, "");
    if (!q) return disp_store_err(err);
    int r, n = 0;
    while ((r = store_row(q, err)) == 1) {
        n++;
        if (!*inside && !strcmp(store_col_text(q, 1), name) && points_contain(store_col_text(q, 2), lat, lon))
            *inside = true;
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (n == 0) *inside = true; /* no area defined: the slot's time counts wherever */
    return 0;
}

json_t *disp_onboarding_json(disp_ctx *c, int64_t courier, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_ONBOARD_GET, err, "i", courier);
    if (!q) return NULL;
    int r = store_row(q, err);
    json_t *o = NULL;
    if (r == 1)
        o = JSON_PACK("{s:s, s:s, s:I, s:I}", "state", store_col_text(q, 0), "reason", store_col_text(q, 1), "since_ms",
                      (json_int_t)store_col_i64(q, 2), "by", (json_int_t)store_col_i64(q, 3));
    else if (r == 0)
        o = JSON_PACK("{s:s}", "state", "applied");
    store_done(q);
    return r < 0 ? NULL : o;
}

/* The courier's onboarding state (no row: applied); an unknown text is a
 * store error. */
static int onboard_state(disp_ctx *c, int64_t courier, disp_obst *st, vis_err *err)
{
    *st = DISP_OB_APPLIED;
    store_stmt *q = store_query(c->db, SQL_DISP_ONBOARD_GET, err, "i", courier);
    if (!q) return disp_store_err(err);
    int r = store_row(q, err), s = DISP_OB_APPLIED;
    if (r == 1 && (s = disp_obst_parse(store_col_text(q, 0))) < 0)
        disp_state_unknown(err, "the onboarding of courier", (long long)courier, store_col_text(q, 0));
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (s < 0) return err->code;
    *st = (disp_obst)s;
    return 0;
}

int disp_onboarding_approved(disp_ctx *c, int64_t courier, bool *approved, vis_err *err)
{
    disp_obst st;
    if (onboard_state(c, courier, &st, err)) return err->code;
    *approved = st == DISP_OB_APPROVED;
    return 0;
}

int disp_couriers_list(disp_ctx *c, const char *state, int64_t after, int64_t limit, json_t **out, vis_err *err)
{
    if (*state && disp_obst_parse(state) < 0)
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "state", "state must be applied, approved or suspended");
    store_stmt *q = store_query(c->db, SQL_DISP_ONBOARD_LIST, err, "tii", state, after, limit + 1);
    if (!q) return disp_store_err(err);
    json_t *arr = json_array();
    int64_t n = 0, last = 0;
    int r;
    bool more = false;
    while ((r = store_row(q, err)) == 1) {
        if (n == limit) {
            more = true;
            break;
        }
        last = store_col_i64(q, 0);
        json_t *o =
            JSON_PACK("{s:I, s:s, s:s, s:s, s:s}", "courier_id", (json_int_t)last, "name", store_col_text(q, 1),
                      "email", store_col_text(q, 2), "state", store_col_text(q, 3), "reason", store_col_text(q, 4));
        if (o && !store_col_null(q, 5)) {
            json_object_set_new(o, "since_ms", json_integer(store_col_i64(q, 5)));
            json_object_set_new(o, "by", json_integer(store_col_i64(q, 6)));
        }
        if (o) json_array_append_new(arr, o);
        n++;
    }
    store_done(q);
    if (r < 0) {
        json_decref(arr);
        return disp_store_err(err);
    }
    *out = JSON_PACK("{s:o, s:o}", "couriers", arr, "next_after", more ? json_integer(last) : json_null());
    return 0;
}

static int decide(disp_ctx *c, int64_t courier, disp_obst to, const char *event, const char *reason, json_t **out,
                  vis_err *err)
{
    account a;
    if (account_get(c->db, courier, &a, err)) return err->code;
    if (strcmp(a.role, "worker"))
        return vis_errf(err, VIS_EINVAL, "not_a_courier", NULL, "account %lld is not a worker", (long long)courier);
    disp_obst from;
    if (onboard_state(c, courier, &from, err)) return err->code;
    const char *state = disp_obst_name(to);
    if (from == to)
        return vis_errf(err, VIS_ECONFLICT, to == DISP_OB_APPROVED ? "already_approved" : "already_suspended", NULL,
                        "courier %lld is already %s", (long long)courier, state);
    if (store_exec(c->db, SQL_DISP_ONBOARD_SET, err, "ittii", courier, state, reason ? reason : "", c->now_ms,
                   svc_actor(c)))
        return disp_store_err(err);
    char subj[48];
    snprintf(subj, sizeof subj, "courier:%lld", (long long)courier);
    json_t *pl = JSON_PACK("{s:s, s:s}", "from", disp_obst_name(from), "to", state);
    if (pl && reason && *reason) json_object_set_new(pl, "reason", json_string(reason));
    if (svc_journal(
            c, &(svc_event){.family = DISP_FAMILY, .event = event, .worker = courier, .subject = subj, .payload = pl},
            err))
        return err->code;
    json_t *o = disp_onboarding_json(c, courier, err);
    if (!o) return err->code;
    *out = JSON_PACK("{s:I, s:o}", "courier_id", (json_int_t)courier, "onboarding", o);
    return 0;
}

int disp_courier_approve(disp_ctx *c, int64_t courier, const char *reason, json_t **out, vis_err *err)
{
    return decide(c, courier, DISP_OB_APPROVED, "courier_approved", reason, out, err);
}

int disp_courier_suspend(disp_ctx *c, int64_t courier, const char *reason, json_t **out, vis_err *err)
{
    return decide(c, courier, DISP_OB_SUSPENDED, "courier_suspended", reason, out, err);
}
