/* disp_svc_route — the distance a courier rides for a delivery (issue 14).
 *
 * The journal's `delivered` event carries `distance_m`, the distance
 * `/v1/me/earnings` charges the courier's declared per-km costs on. It is
 * the courier's route for the job, not only pickup -> drop-off:
 *
 *   - at acceptance, the `accepted` event records where the ride starts
 *     (`route`: `from`, `approach_m` to the offer's pickup): from the courier's
 *     position when they were waiting (`position`), from the last drop-off
 *     of the jobs in hand when they accept while on a job
 *     (`previous_dropoff`), or nothing more when the jobs join a pickup the
 *     courier is already heading to (`same_pickup`, approach 0: it is
 *     counted once, with the jobs accepted first). The journal holds
 *     distances, never coordinates.
 *   - at delivery, the courier's stops since the ride began are walked in
 *     journal order — the start (the offer's pickup, `approach_m` before it),
 *     each pickup, each drop-off — and the delivery gets every leg since
 *     the previous drop-off (or since the start): the first drop-off after
 *     a pickup carries the approach and pickup -> drop-off, each later
 *     drop-off of the same ride the leg from the previous drop-off. Each
 *     metre of the route is counted once, whatever the order the courier
 *     delivers in; the sum over a bundle is the bundle's route.
 *
 * Distances are straight lines in the dispatcher's projection (the same
 * disp_dist_m the offers and the client's price use), each leg rounded to
 * whole metres. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch/disp_svc_int.h"
#include "store/sql_dispatch.h"

static int64_t leg_m(const disp_geo *g, int64_t lat1, int64_t lon1, int64_t lat2, int64_t lon2)
{
    return llround(disp_dist_m(g, lat1, lon1, lat2, lon2));
}

int disp_route_accept(disp_ctx *c, const disp_crow *r, int64_t offer, json_t **out, vis_err *err)
{
    *out = NULL;
    disp_geo g;
    disp_geo_init(&g, c->cfg);
    int64_t place = -1, plat = 0, plon = 0;
    store_stmt *q = store_query(c->db, SQL_DISP_OFFER_JOBS, err, "i", offer);
    if (!q) return disp_store_err(err);
    int rr = store_row(q, err);
    if (rr == 1) {
        place = store_col_i64(q, 8);
        plat = store_col_i64(q, 10);
        plon = store_col_i64(q, 11);
    }
    store_done(q);
    if (rr < 0) return disp_store_err(err);
    const char *from = "position";
    int64_t approach = 0;
    if (r->idle) {
        if (r->has_pos) approach = leg_m(&g, r->lat, r->lon, plat, plon);
        else from = "unknown";
    } else {
        /* on a job: the ride to this pickup starts after the jobs in hand */
        bool same = false, any = false;
        int64_t dlat = 0, dlon = 0;
        q = store_query(c->db, SQL_DISP_ROUTE_IN_HAND, err, "i", r->id);
        if (!q) return disp_store_err(err);
        while ((rr = store_row(q, err)) == 1) {
            if (store_col_i64(q, 0) == place && !strcmp(store_col_text(q, 1), "assigned")) same = true;
            any = true;
            dlat = store_col_i64(q, 2);
            dlon = store_col_i64(q, 3);
        }
        store_done(q);
        if (rr < 0) return disp_store_err(err);
        if (same) from = "same_pickup";
        else if (any) {
            from = "previous_dropoff";
            approach = leg_m(&g, dlat, dlon, plat, plon);
        } else if (r->has_pos) {
            approach = leg_m(&g, r->lat, r->lon, plat, plon);
        } else {
            from = "unknown";
        }
    }
    *out = JSON_PACK("{s:s, s:I}", "from", from, "approach_m", (json_int_t)approach);
    return 0;
}

/* The pickup place of an offer (its jobs share one). */
static int offer_place(disp_ctx *c, int64_t offer, bool *found, int64_t *lat, int64_t *lon, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_OFFER_JOBS, err, "i", offer);
    if (!q) return disp_store_err(err);
    int rr = store_row(q, err);
    *found = rr == 1;
    if (rr == 1) {
        *lat = store_col_i64(q, 10);
        *lon = store_col_i64(q, 11);
    }
    store_done(q);
    return rr < 0 ? disp_store_err(err) : 0;
}

int disp_route_delivery(disp_ctx *c, const disp_jrow *j, int64_t since_ms, int64_t *distance_m, json_t **route,
                        vis_err *err)
{
    *route = NULL;
    disp_geo g;
    disp_geo_init(&g, c->cfg);
    /* the walk: cur = where the courier is in the model, dist = metres from
       the start of this stretch (previous drop-off or ride start) to cur */
    bool have = false;
    int64_t clat = 0, clon = 0, dist = 0, pickups = 0;
    const char *from = "pickup"; /* no start recorded (rows older than issue 14): from the pickup */
    store_stmt *q = store_query(c->db, SQL_DISP_ROUTE_EVENTS, err, "ii", j->courier_id, since_ms);
    if (!q) return disp_store_err(err);
    /* read every row first: lookups below run other statements */
    typedef struct ev {
        char    kind; /* 'a' accepted from a position, 'p' picked up, 'd' delivered */
        int64_t ref, approach;
    } ev;
    ev *v = NULL;
    size_t n = 0, cap = 0;
    int rr, rc = 0;
    while ((rr = store_row(q, err)) == 1) {
        const char *event = store_col_text(q, 0);
        json_t *pl = json_loads(store_col_text(q, 1), 0, NULL);
        ev e = {0};
        if (!strcmp(event, "accepted")) {
            json_t *rt = json_object_get(pl, "route");
            const char *f = json_string_value(json_object_get(rt, "from"));
            if (f && !strcmp(f, "position")) {
                e.kind = 'a';
                e.ref = json_integer_value(json_object_get(pl, "offer"));
                e.approach = json_integer_value(json_object_get(rt, "approach_m"));
            }
        } else {
            e.kind = event[0] == 'p' ? 'p' : 'd';
            e.ref = json_integer_value(json_object_get(pl, "job"));
        }
        json_decref(pl);
        if (!e.kind) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            v = mem_realloc(v, cap * sizeof *v);
        }
        v[n++] = e;
    }
    store_done(q);
    if (rr < 0 && !rc) rc = disp_store_err(err);
    for (size_t i = 0; !rc && i < n; i++) {
        int64_t lat, lon;
        if (v[i].kind == 'a') {
            bool found = false;
            if ((rc = offer_place(c, v[i].ref, &found, &lat, &lon, err))) break;
            if (found) {
                have = true;
                clat = lat;
                clon = lon;
                dist = v[i].approach;
                pickups = 0;
                from = "position";
            }
            continue;
        }
        disp_jrow x;
        if (disp_job_get(c->db, v[i].ref, &x, err)) {
            rc = err->code;
            break;
        }
        if (v[i].kind == 'p') {
            if (have) dist += leg_m(&g, clat, clon, x.place_lat, x.place_lon);
            else dist = 0;
            have = true;
            clat = x.place_lat;
            clon = x.place_lon;
            pickups++;
        } else {
            have = true;
            clat = x.drop_lat;
            clon = x.drop_lon;
            dist = 0;
            pickups = 0;
            from = "previous_dropoff";
        }
    }
    free(v);
    if (rc) return rc;
    int64_t last;
    if (have) {
        last = leg_m(&g, clat, clon, j->drop_lat, j->drop_lon);
    } else {
        last = leg_m(&g, j->place_lat, j->place_lon, j->drop_lat, j->drop_lon);
        dist = 0;
    }
    *distance_m = dist + last;
    *route = JSON_PACK("{s:s, s:I, s:I, s:I}", "from", from, "approach_m", (json_int_t)dist, "last_leg_m",
                       (json_int_t)last, "pickups", (json_int_t)pickups);
    return 0;
}
