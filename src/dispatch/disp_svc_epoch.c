/* disp_svc_epoch — one dispatch epoch over the stored state.
 *
 * In one transaction: (1) pending offers past their expiry go back to
 * open; (2) online couriers without a pending offer, their accepted jobs
 * and the open jobs are read and turned into a disp_state (couriers with no
 * job are IDLE; with accepted jobs not picked up TO_PICKUP / AT_PICKUP, the
 * route re-planned from their position; with a job picked up DELIVERING,
 * drop-offs chained from their position); (3) disp_epoch_x decides, in one
 * solve, with the (courier, job) pairs of declined offers of jobs still
 * open as bans: a declined job goes to the next best courier in the same
 * epoch, and the courier who declined stays a candidate for every other job
 * (issue 15; nothing else about declines is read); and with the ready-wait
 * bound dispatch.ready_wait_max_s; (4) each decision is journalled as an
 * automated "dispatch_decision" with its inputs (no coordinates: distances
 * and times only) and score, and becomes an offer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch/disp_plan.h"
#include "dispatch/disp_svc_int.h"
#include "store/sql_dispatch.h"

typedef struct lcour {
    int64_t id, shift, start_ms, lat, lon, idle_since, orders, pending;
    bool    visiting;
    int64_t visit_place, visit_ms;
    double  mpt, max_m; /* vehicle: speed (m/s tick; 0 = reference), longest trip (0 = none) */
} lcour;

typedef struct ljob {
    int64_t id, place, courier, drop_lat, drop_lon, place_lat, place_lon, placed_ms, ready_ms, seq;
    int     state; /* DISP_J_OPEN / ASSIGNED / PICKED */
} ljob;

typedef struct pair {
    int64_t courier, job;
} pair;

typedef struct loaded {
    lcour *c;
    int    nc;
    ljob  *j;
    int    nj;
    pair  *decl;
    int    nd;
} loaded;

static void loaded_free(loaded *l)
{
    free(l->c);
    free(l->j);
    free(l->decl);
}

static void grow(void **p, int n, int *cap, size_t sz)
{
    if (n < *cap) return;
    *cap = *cap ? *cap * 2 : 64;
    *p = mem_realloc(*p, sz * (size_t)*cap);
}

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->courier != y->courier) return x->courier < y->courier ? -1 : 1;
    return x->job < y->job ? -1 : x->job > y->job;
}

static int load(disp_ctx *c, loaded *l, vis_err *err)
{
    memset(l, 0, sizeof *l);
    int cap = 0, r;
    store_stmt *q = store_query(c->db, SQL_DISP_EPOCH_COURIERS, err, "");
    if (!q) return disp_store_err(err);
    while ((r = store_row(q, err)) == 1) {
        grow((void **)&l->c, l->nc, &cap, sizeof *l->c);
        lcour *x = &l->c[l->nc++];
        memset(x, 0, sizeof *x);
        x->id = store_col_i64(q, 0);
        x->shift = store_col_i64(q, 1);
        x->start_ms = store_col_i64(q, 2);
        x->lat = store_col_i64(q, 3);
        x->lon = store_col_i64(q, 4);
        x->idle_since = store_col_null(q, 5) ? -1 : store_col_i64(q, 5);
        x->visiting = !store_col_null(q, 6);
        x->visit_place = store_col_i64(q, 6);
        x->visit_ms = store_col_i64(q, 7);
        x->orders = store_col_i64(q, 8);
        x->pending = store_col_i64(q, 9);
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    cap = 0;
    q = store_query(c->db, SQL_DISP_EPOCH_JOBS, err, "i", c->now_ms);
    if (!q) return disp_store_err(err);
    while ((r = store_row(q, err)) == 1) {
        grow((void **)&l->j, l->nj, &cap, sizeof *l->j);
        ljob *x = &l->j[l->nj++];
        x->id = store_col_i64(q, 0);
        x->place = store_col_i64(q, 1);
        x->courier = store_col_null(q, 2) ? -1 : store_col_i64(q, 2);
        x->drop_lat = store_col_i64(q, 3);
        x->drop_lon = store_col_i64(q, 4);
        x->place_lat = store_col_i64(q, 5);
        x->place_lon = store_col_i64(q, 6);
        x->placed_ms = store_col_i64(q, 7);
        x->ready_ms = store_col_i64(q, 8);
        /* the store's state (open, assigned or picked_up here) as the engine's */
        int s = disp_jst_parse(store_col_text(q, 9));
        if (s < 0) {
            disp_state_unknown(err, "job", (long long)x->id, store_col_text(q, 9));
            r = -1;
            break;
        }
        x->state = s == DISP_JS_OPEN ? DISP_J_OPEN : s == DISP_JS_ASSIGNED ? DISP_J_ASSIGNED : DISP_J_PICKED;
        x->seq = store_col_i64(q, 10);
        /* a scheduled order waits until its ready time is near: no courier
           is held for it early (dispatch.schedule_lead_s) */
        if (x->state == DISP_J_OPEN && x->ready_ms > c->now_ms + c->cfg->disp_schedule_lead_s * 1000) l->nj--;
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    cap = 0;
    q = store_query(c->db, SQL_DISP_EPOCH_DECLINED, err, "");
    if (!q) return disp_store_err(err);
    while ((r = store_row(q, err)) == 1) {
        grow((void **)&l->decl, l->nd, &cap, sizeof *l->decl);
        l->decl[l->nd++] = (pair){store_col_i64(q, 0), store_col_i64(q, 1)};
    }
    store_done(q);
    if (r < 0) return disp_store_err(err);
    if (l->nd) qsort(l->decl, (size_t)l->nd, sizeof *l->decl, cmp_pair);
    return 0;
}

/* Index of courier id in l->c (sorted by id), or -1. */
static int find_courier(const loaded *l, int64_t id)
{
    int lo = 0, hi = l->nc - 1;
    while (lo <= hi) {
        int m = (lo + hi) / 2;
        if (l->c[m].id == id) return m;
        if (l->c[m].id < id) lo = m + 1;
        else hi = m - 1;
    }
    return -1;
}

typedef struct built {
    disp_state st;
    int       *jsrc;   /* engine job -> loaded job */
    int       *csrc;   /* engine courier -> loaded courier */
} built;

static void built_free(built *b)
{
    disp_state_free(&b->st);
    free(b->jsrc);
    free(b->csrc);
    memset(b, 0, sizeof *b);
}

/* Plan a courier's current route from their jobs (engine indices). */
static void plan_route(const disp_env *e, const lcour *lc, disp_state *st, disp_courier *cr, const int *jobs, int n,
                       int64_t now)
{
    disp_params tmp;
    const disp_params *p = disp_courier_params(&e->p, cr, &tmp); /* at the courier's vehicle speed */
    disp_route *rt = &cr->route;
    memset(rt, 0, sizeof *rt);
    bool picked = false, same = true;
    for (int k = 0; k < n; k++) {
        picked |= st->j[jobs[k]].state == DISP_J_PICKED;
        same &= st->j[jobs[k]].place == st->j[jobs[0]].place;
    }
    rt->n = n;
    memcpy(rt->job, jobs, sizeof(int) * (size_t)n);
    rt->place = st->j[jobs[0]].place;
    rt->rx = st->j[jobs[0]].px;
    rt->ry = st->j[jobs[0]].py;
    rt->ox = cr->x;
    rt->oy = cr->y;
    rt->assign_ms = rt->depart_ms = now;
    int64_t hp = disp_half_ms(p, p->pickup_service_ms), hd = disp_half_ms(p, p->dropoff_service_ms);
    if (!picked && same) {
        disp_bundle b = {.n = n, .place = rt->place, .rx = rt->rx, .ry = rt->ry};
        memcpy(b.job, jobs, sizeof(int) * (size_t)n);
        disp_plan_order(p, st, &b);
        bool at = lc->visiting && lc->visit_place == rt->place;
        cr->state = at ? DISP_C_AT_PICKUP : DISP_C_TO_PICKUP;
        rt->arrive_ms = at ? lc->visit_ms : now + disp_travel_ms(p, cr->x, cr->y, rt->rx, rt->ry);
        int64_t pick = rt->arrive_ms + hp;
        if (pick < b.ready_max) pick = b.ready_max;
        if (pick <= now) pick = now + p->tick_ms;
        rt->pickup_ms = pick;
        memcpy(rt->job, b.job, sizeof(int) * (size_t)n);
        for (int k = 0; k < n; k++) rt->drop_ms[k] = pick + b.off[k];
        rt->end_ms = pick + b.end_off;
    } else {
        /* chained from the position: (pickup if not yet) then the drop-off */
        cr->state = DISP_C_DELIVERING;
        int64_t t = now;
        double x = cr->x, y = cr->y;
        for (int k = 0; k < n; k++) {
            disp_job *j = &st->j[jobs[k]];
            if (j->state != DISP_J_PICKED) {
                t += disp_travel_ms(p, x, y, j->px, j->py) + p->pickup_service_ms;
                x = j->px;
                y = j->py;
            }
            t += disp_travel_ms(p, x, y, j->dx, j->dy) + hd;
            rt->drop_ms[k] = t;
            t += p->dropoff_service_ms - hd;
            x = j->dx;
            y = j->dy;
        }
        rt->arrive_ms = now;
        rt->pickup_ms = now - 1;
        rt->end_ms = t;
    }
    for (int k = 0; k < n; k++) {
        st->j[rt->job[k]].pickup_ms = rt->pickup_ms;
        st->j[rt->job[k]].drop_ms = rt->drop_ms[k];
    }
}

/* Couriers' vehicles (issue 15): speed per tick (1 s ticks) and longest
 * trip; couriers without one keep the reference speed (0). */
static int load_vehicles(disp_ctx *c, loaded *l, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_DISP_VEHICLES_ALL, err, "");
    if (!q) return disp_store_err(err);
    int r;
    while ((r = store_row(q, err)) == 1) {
        int k = find_courier(l, store_col_i64(q, 0));
        if (k < 0) continue;
        const char *v = store_col_text(q, 1);
        if (strcmp(v, DISP_VEHICLE_DEFAULT)) l->c[k].mpt = (double)disp_vehicle_speed(c->cfg, v) / 60.0;
        l->c[k].max_m = (double)disp_vehicle_max_trip_m(c->cfg, v);
    }
    store_done(q);
    return r < 0 ? disp_store_err(err) : 0;
}

static void build(const disp_env *e, const loaded *l, int64_t now, built *b)
{
    memset(b, 0, sizeof *b);
    disp_state_init(&b->st);
    b->jsrc = mem_alloc(sizeof(int) * (size_t)(l->nj + 1));
    b->csrc = mem_alloc(sizeof(int) * (size_t)(l->nc + 1));
    int *cmap = mem_alloc(sizeof(int) * (size_t)(l->nc + 1)); /* loaded -> engine */
    int *cjobs = mem_alloc(sizeof(int) * (size_t)(l->nj + 1));
    int *cnt = mem_calloc((size_t)l->nc + 1, sizeof(int));
    for (int i = 0; i < l->nc; i++) {
        cmap[i] = -1;
        if (l->c[i].pending) continue; /* one offer at a time */
        disp_courier cr = {.id = l->c[i].id, .state = DISP_C_IDLE, .on_ms = l->c[i].start_ms, .off_ms = INT64_MAX,
                           .idle_since_ms = l->c[i].idle_since >= 0 ? l->c[i].idle_since : now,
                           .orders = (int)l->c[i].orders, .meters_per_tick = l->c[i].mpt,
                           .max_m = l->c[i].max_m};
        disp_geo_xy(&e->geo, l->c[i].lat, l->c[i].lon, &cr.x, &cr.y);
        int k = disp_add_courier(&b->st, &cr);
        b->csrc[k] = i;
        cmap[i] = k;
    }
    for (int i = 0; i < l->nj; i++) {
        const ljob *x = &l->j[i];
        int ci = -1;
        if (x->state != DISP_J_OPEN) {
            int li = find_courier(l, x->courier);
            if (li < 0 || cmap[li] < 0) continue; /* its courier is not in this epoch */
            ci = cmap[li];
            cnt[li]++;
        }
        disp_job j = {.id = x->id, .place = (int)x->place, .placed_ms = x->placed_ms, .ready_ms = x->ready_ms,
                      .state = x->state, .courier = ci, .assign_ms = now};
        disp_geo_xy(&e->geo, x->place_lat, x->place_lon, &j.px, &j.py);
        disp_geo_xy(&e->geo, x->drop_lat, x->drop_lon, &j.dx, &j.dy);
        int k = disp_add_job(&b->st, &j);
        b->jsrc[k] = i;
    }
    /* routes of busy couriers (jobs in seq order: the query sorts by id; collect per courier) */
    for (int li = 0; li < l->nc; li++) {
        if (cmap[li] < 0 || cnt[li] == 0) continue;
        disp_courier *cr = &b->st.c[cmap[li]];
        int n = 0;
        for (int k = 0; k < b->st.nj; k++)
            if (b->st.j[k].courier == cmap[li]) cjobs[n++] = k;
        if (n > DISP_MAX_BUNDLE) {
            cr->state = DISP_C_OFFLINE; /* more than a route holds (admin moves): no new work */
            continue;
        }
        /* seq order */
        for (int a = 1; a < n; a++)
            for (int z = a; z > 0 && l->j[b->jsrc[cjobs[z]]].seq < l->j[b->jsrc[cjobs[z - 1]]].seq; z--) {
                int t = cjobs[z];
                cjobs[z] = cjobs[z - 1];
                cjobs[z - 1] = t;
            }
        plan_route(e, &l->c[li], &b->st, cr, cjobs, n, now);
    }
    free(cmap);
    free(cjobs);
    free(cnt);
}

static double route_len(const disp_state *st, double rx, double ry, int n, const int *jobs)
{
    double m = 0, x = rx, y = ry;
    for (int k = 0; k < n; k++) {
        m += hypot(st->j[jobs[k]].dx - x, st->j[jobs[k]].dy - y);
        x = st->j[jobs[k]].dx;
        y = st->j[jobs[k]].dy;
    }
    return m;
}

static const char *cstate_name(disp_cstate s)
{
    switch (s) {
    case DISP_C_IDLE: return "idle";
    case DISP_C_TO_PICKUP: return "to_pickup";
    case DISP_C_AT_PICKUP: return "at_pickup";
    case DISP_C_DELIVERING: return "delivering";
    default: return "offline";
    }
}

/* Journal decision d and turn it into an offer. before = the courier as it
 * was before the epoch. */
static int make_offer(disp_ctx *c, const disp_env *e, const loaded *l, const built *b, const disp_decisions *ds,
                      const disp_decision *d, const disp_courier *before, json_t *summary, vis_err *err)
{
    const disp_params *p = &e->p;
    const lcour *lc = &l->c[b->csrc[d->courier]];
    const disp_route *now_rt = &b->st.c[d->courier].route;
    int64_t hp = disp_half_ms(p, p->pickup_service_ms), hd = disp_half_ms(p, p->dropoff_service_ms);
    disp_offer_in in = {.courier = lc->id, .shift = lc->shift, .source = "engine", .px = now_rt->rx,
                        .py = now_rt->ry, .arrive_ms = d->arrive_ms, .pickup_ms = d->pickup_ms,
                        .dropoff_ms = d->drop_ms[d->n - 1]};
    json_t *jobs = json_array();
    for (int k = 0; k < d->n; k++) {
        const disp_job *j = &b->st.j[d->job[k]];
        bool added = d->added & (1u << k);
        json_array_append_new(jobs,
                              JSON_PACK("{s:I, s:i, s:I, s:I, s:b, s:I}", "id", (json_int_t)j->id, "place", j->place,
                                        "placed_ms", (json_int_t)j->placed_ms, "ready_ms", (json_int_t)j->ready_ms,
                                        "added", added, "planned_dropoff_ms", (json_int_t)d->drop_ms[k]));
        if (added) {
            in.job[in.n] = j->id;
            in.seq[in.n++] = k;
        }
    }
    int64_t end_new = d->drop_ms[d->n - 1] + (p->dropoff_service_ms - hd);
    double dist;
    if (d->kind == DISP_D_NEW) {
        dist = d->travel_m;
        in.expected_ms = end_new - c->now_ms;
        in.wait_ms = d->pickup_ms - d->arrive_ms - hp;
    } else {
        double before_len = route_len(&b->st, before->route.rx, before->route.ry, before->route.n, before->route.job);
        dist = route_len(&b->st, now_rt->rx, now_rt->ry, d->n, d->job) - before_len;
        in.expected_ms = end_new - before->route.end_ms;
        in.wait_ms = d->pickup_ms - before->route.pickup_ms;
    }
    in.distance_m = dist > 0 ? llround(dist) : 0;
    if (in.expected_ms < 0) in.expected_ms = 0;
    if (in.wait_ms < 0) in.wait_ms = 0;
    double to_pickup = d->kind == DISP_D_NEW ? hypot(now_rt->rx - before->x, now_rt->ry - before->y) : 0;
    json_t *pl = JSON_PACK(
        "{s:s, s:I, s:{s:{s:I, s:s, s:f, s:I, s:I}, s:o, s:{s:i, s:i, s:i, s:I, s:i, s:b},"
        " s:{s:f, s:f, s:f, s:f, s:f, s:i, s:I}},"
        " s:{s:I, s:I, s:I, s:I}, s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f}, s:s}",
        "kind", d->kind == DISP_D_NEW ? "new_route" : "add_to_route", "courier", (json_int_t)lc->id, "inputs",
        "courier", "id", (json_int_t)lc->id, "state", cstate_name(before->state), "idle_min", d->score.idle_min,
        "orders_this_shift", (json_int_t)lc->orders, "distance_to_pickup_m", (json_int_t)llround(to_pickup), "jobs",
        jobs, "epoch", "open_jobs", ds->open_jobs, "bundles", ds->bundles, "columns", ds->columns, "candidates",
        (json_int_t)ds->candidates, "deferred", ds->deferred, "sparse", ds->sparse, "params", "w_late", p->w_late,
        "w_wait", p->w_wait, "w_pay", p->w_pay, "w_idle", p->w_idle, "w_travel", p->w_travel, "max_bundle",
        p->max_bundle, "target_ctd_ms", (json_int_t)p->target_ctd_ms, "plan", "arrive_ms", (json_int_t)d->arrive_ms,
        "pickup_ms", (json_int_t)d->pickup_ms, "dropoff_ms", (json_int_t)d->drop_ms[d->n - 1], "route_m",
        (json_int_t)llround(d->travel_m), "score", "total", d->score.total, "ctd_min", d->score.ctd_min, "late_min",
        d->score.late_min, "wait_min", d->score.wait_min, "pay", d->score.pay, "idle_min", d->score.idle_min,
        "travel_min", d->score.travel_min, "declines", "not an input");
    /* the courier's planning speed (vehicle, issue 15): every time above is at it */
    json_object_set_new(json_object_get(json_object_get(pl, "inputs"), "courier"), "speed_m_per_min",
                        json_integer(lc->mpt > 0 ? llround(lc->mpt * 60.0) : c->cfg->disp_speed_m_per_min));
    char subj[48];
    snprintf(subj, sizeof subj, "job:%lld", (long long)in.job[0]);
    if (svc_journal(c,
                    &(svc_event){.family = DISP_FAMILY,
                                 .event = "dispatch_decision",
                                 .worker = lc->id,
                                 .subject = subj,
                                 .automated = true,
                                 .payload = pl,
                                 .id_out = &in.decision_event},
                    err))
        return err->code;
    int64_t offer;
    if (disp_offer_create(c, e, &in, &offer, NULL, err)) return err->code;
    json_t *ids = json_array();
    for (int k = 0; k < in.n; k++) json_array_append_new(ids, json_integer(in.job[k]));
    json_array_append_new(json_object_get(summary, "offers"),
                          JSON_PACK("{s:I, s:I, s:o, s:I}", "offer", (json_int_t)offer, "courier", (json_int_t)lc->id,
                                    "jobs", ids, "decision_event", (json_int_t)in.decision_event));
    return 0;
}

static int expire_offers(disp_ctx *c, int *n, vis_err *err)
{
    *n = 0;
    for (;;) {
        int64_t ids[64], cour[64];
        int k = 0, r;
        store_stmt *q = store_query(c->db, SQL_DISP_OFFERS_DUE, err, "i", c->now_ms);
        if (!q) return disp_store_err(err);
        while (k < 64 && (r = store_row(q, err)) == 1) {
            ids[k] = store_col_i64(q, 0);
            cour[k++] = store_col_i64(q, 1);
        }
        store_done(q);
        if (k == 0) return r < 0 ? disp_store_err(err) : 0;
        for (int i = 0; i < k; i++)
            if (disp_offer_close(c, ids[i], cour[i], "expired", "offer_expired",
                                 JSON_PACK("{s:s}", "consequence", "none"), err))
                return err->code;
        *n += k;
    }
}

/* One solve: the declined (courier, job) pairs are bans of the engine. */
static int epoch(disp_ctx *c, json_t *summary, vis_err *err)
{
    int expired;
    if (expire_offers(c, &expired, err)) return err->code;
    json_object_set_new(summary, "expired", json_integer(expired));
    disp_env *e = mem_alloc(sizeof *e);
    loaded l;
    disp_decisions ds;
    disp_decisions_init(&ds);
    built b = {0};
    disp_courier *before = NULL;
    disp_ban *ban = NULL;
    int rc = disp_env_load(c, e, err);
    if (!rc) rc = load(c, &l, err);
    if (!rc) rc = load_vehicles(c, &l, err);
    else
        memset(&l, 0, sizeof l);
    if (!rc) {
        ban = mem_alloc(sizeof *ban * (size_t)(l.nd + 1));
        build(e, &l, c->now_ms, &b);
        before = mem_alloc(sizeof *before * (size_t)(b.st.nc + 1));
        for (int k = 0; k < l.nd; k++) ban[k] = (disp_ban){l.decl[k].courier, l.decl[k].job};
        disp_ban_sort(ban, l.nd);
        disp_epoch_opts x;
        disp_epoch_opts_default(&x);
        x.ready_wait_max_ms = c->cfg->disp_ready_wait_max_s * 1000;
        x.ban = ban;
        x.nban = l.nd;
        if (b.st.nc) memcpy(before, b.st.c, sizeof *before * (size_t)b.st.nc);
        rc = disp_epoch_x(&e->p, &x, &b.st, c->now_ms, &ds, err);
    }
    if (!rc) {
        json_object_set_new(summary, "open_jobs", json_integer(ds.open_jobs));
        json_object_set_new(summary, "couriers", json_integer(b.st.nc));
        json_object_set_new(summary, "bundles", json_integer(ds.bundles));
        json_object_set_new(summary, "columns", json_integer(ds.columns));
        json_object_set_new(summary, "candidates", json_integer(ds.candidates));
        json_object_set_new(summary, "deferred", json_integer(ds.deferred));
        json_object_set_new(summary, "sparse", json_boolean(ds.sparse));
    }
    for (int i = 0; !rc && i < ds.n; i++)
        rc = make_offer(c, e, &l, &b, &ds, &ds.d[i], &before[ds.d[i].courier], summary, err);
    if (!rc) {
        /* kept for clients of the earlier multi-pass epoch: one solve, nothing held */
        json_object_set_new(summary, "passes", json_integer(1));
        json_object_set_new(summary, "held_declined", json_integer(0));
        json_object_set_new(summary, "declined_excluded", json_integer(l.nd));
    }
    free(before);
    free(ban);
    built_free(&b);
    disp_decisions_free(&ds);
    loaded_free(&l);
    free(e);
    return rc;
}

int disp_run_epoch(disp_ctx *c, json_t **out, vis_err *err)
{
    json_t *summary = JSON_PACK("{s:I, s:[]}", "at_ms", (json_int_t)c->now_ms, "offers");
    if (store_begin(c->db, err)) {
        json_decref(summary);
        return disp_store_err(err);
    }
    int rc = epoch(c, summary, err);
    /* day one: callbacks of this epoch's events, alerts now due (disp_svc_notify.c) */
    if (!rc) rc = disp_notify_run(c, err);
    if (rc) {
        store_rollback(c->db);
        json_decref(summary);
        return rc;
    }
    if (store_commit(c->db, err)) {
        json_decref(summary);
        return disp_store_err(err);
    }
    if (out) *out = summary;
    else json_decref(summary);
    return 0;
}
