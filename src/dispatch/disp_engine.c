/* disp_engine — state, travel model, route planning and plan advance.
 * The decision epoch itself is in disp_epoch.c. See disp_engine.h. */
#include "dispatch/disp_engine.h"
#include "dispatch/disp_plan.h"

#include "base/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void disp_params_default(disp_params *p)
{
    memset(p, 0, sizeof(*p));
    p->tick_ms = 1000;
    p->meters_per_tick = 5.0;            /* 300 m/min */
    p->pickup_service_ms = 4 * 60000;
    p->dropoff_service_ms = 4 * 60000;
    p->target_ctd_ms = 40 * 60000;
    p->epoch_ms = 60000;
    p->horizon_ms = 30 * 60000;
    p->max_bundle = 4;
    p->pay_per_order = 0;
    p->w_late = 1.0;
    p->w_wait = 0.0;
    p->w_pay = 0.0;
    p->w_idle = 0.02;
    p->w_travel = 0;
    p->bundle_ratio = 1.0;
    p->idle_cap_ms = 60 * 60000;
    p->k_nearest = 12;
    p->dense_limit = 250000;
    p->unassigned_cost = 1e6;
}

int disp_params_set(disp_params *p, const char *name, double v, vis_err *err)
{
    if (!isfinite(v) || v < 0)
        return vis_errf(err, VIS_EINVAL, "bad_param", name, "bad value for %s", name);
    if (strcmp(name, "w_late") == 0) p->w_late = v;
    else if (strcmp(name, "w_wait") == 0) p->w_wait = v;
    else if (strcmp(name, "w_pay") == 0) p->w_pay = v;
    else if (strcmp(name, "w_idle") == 0) p->w_idle = v;
    else if (strcmp(name, "w_travel") == 0) p->w_travel = v;
    else if (strcmp(name, "bundle_ratio") == 0) p->bundle_ratio = v;
    else if (strcmp(name, "horizon_min") == 0) p->horizon_ms = (int64_t)(v * 60000);
    else if (strcmp(name, "idle_cap_min") == 0) p->idle_cap_ms = (int64_t)(v * 60000);
    else if (strcmp(name, "max_bundle") == 0 && v >= 1 && v <= DISP_MAX_BUNDLE) p->max_bundle = (int)v;
    else if (strcmp(name, "k_nearest") == 0 && v >= 1 && v <= 256) p->k_nearest = (int)v;
    else if (strcmp(name, "dense_limit") == 0) p->dense_limit = (long)v;
    else if (strcmp(name, "no_defer") == 0) p->no_defer = v != 0;
    else return vis_errf(err, VIS_EINVAL, "bad_param", name, "unknown or out-of-range parameter %s", name);
    return VIS_OK;
}

void disp_state_init(disp_state *st)
{
    memset(st, 0, sizeof(*st));
}

void disp_state_free(disp_state *st)
{
    free(st->c);
    free(st->j);
    memset(st, 0, sizeof(*st));
}

int disp_add_courier(disp_state *st, const disp_courier *c)
{
    if (st->nc == st->capc) {
        st->capc = st->capc ? st->capc * 2 : 64;
        st->c = mem_realloc(st->c, sizeof(*st->c) * (size_t)st->capc);
    }
    st->c[st->nc] = *c;
    return st->nc++;
}

int disp_add_job(disp_state *st, const disp_job *j)
{
    if (st->nj == st->capj) {
        st->capj = st->capj ? st->capj * 2 : 256;
        st->j = mem_realloc(st->j, sizeof(*st->j) * (size_t)st->capj);
    }
    st->j[st->nj] = *j;
    return st->nj++;
}

void disp_decisions_init(disp_decisions *d)
{
    memset(d, 0, sizeof(*d));
}

void disp_decisions_free(disp_decisions *d)
{
    free(d->d);
    memset(d, 0, sizeof(*d));
}

int64_t disp_travel_ms(const disp_params *p, double x0, double y0, double x1,
                       double y1)
{
    double dx = x1 - x0, dy = y1 - y0;
    double dist = sqrt(dx * dx + dy * dy);
    return (int64_t)ceil(dist / p->meters_per_tick) * p->tick_ms;
}

const disp_params *disp_courier_params(const disp_params *p,
                                       const disp_courier *c, disp_params *tmp)
{
    if (!(c->meters_per_tick > 0) || c->meters_per_tick == p->meters_per_tick)
        return p;
    *tmp = *p;
    tmp->meters_per_tick = c->meters_per_tick;
    return tmp;
}

int64_t disp_half_ms(const disp_params *p, int64_t service_ms)
{
    int64_t h = (service_ms + 1) / 2;
    int64_t t = p->tick_ms > 0 ? p->tick_ms : 1;
    return (h + t - 1) / t * t;
}

/* Offsets of the drop-offs from the pickup for one delivery order. */
static void offsets(const disp_params *p, const disp_state *st, double rx,
                    double ry, int n, const int *job, int64_t *off,
                    int64_t *end_off, double *len)
{
    int64_t hp = disp_half_ms(p, p->pickup_service_ms);
    int64_t hd = disp_half_ms(p, p->dropoff_service_ms);
    int64_t t = hp;
    double x = rx, y = ry, m = 0;
    for (int k = 0; k < n; k++) {
        const disp_job *j = &st->j[job[k]];
        t += disp_travel_ms(p, x, y, j->dx, j->dy);
        m += hypot(j->dx - x, j->dy - y);
        off[k] = t + hd;
        t += p->dropoff_service_ms;
        x = j->dx;
        y = j->dy;
    }
    *end_off = t;
    if (len) *len = m;
}

void disp_plan_order(const disp_params *p, const disp_state *st,
                     disp_bundle *b)
{
    int n = b->n, best[DISP_MAX_BUNDLE], cur[DISP_MAX_BUNDLE];
    int64_t off[DISP_MAX_BUNDLE], eo, bsum = INT64_MAX;
    memcpy(cur, b->job, sizeof(int) * (size_t)n);
    memcpy(best, b->job, sizeof(int) * (size_t)n);
    /* every permutation (n <= 4): Heap's algorithm, iterative */
    int cnt[DISP_MAX_BUNDLE] = { 0 };
    int i = 0;
    for (;;) {
        offsets(p, st, b->rx, b->ry, n, cur, off, &eo, NULL);
        int64_t s = 0;
        for (int k = 0; k < n; k++) s += off[k];
        if (s < bsum) { bsum = s; memcpy(best, cur, sizeof(int) * (size_t)n); }
        while (i < n && cnt[i] >= i) { cnt[i] = 0; i++; }
        if (i >= n) break;
        int sw = (i % 2 == 0) ? 0 : cnt[i];
        int tmp = cur[sw]; cur[sw] = cur[i]; cur[i] = tmp;
        cnt[i]++;
        i = 1;
        if (n < 2) break;
    }
    memcpy(b->job, best, sizeof(int) * (size_t)n);
    offsets(p, st, b->rx, b->ry, n, b->job, b->off, &b->end_off, &b->len_m);
    b->ready_max = 0;
    b->sum_placed = 0;
    for (int k = 0; k < n; k++) {
        const disp_job *j = &st->j[b->job[k]];
        if (k == 0 || j->ready_ms > b->ready_max) b->ready_max = j->ready_ms;
        b->sum_placed += j->placed_ms;
    }
}

void disp_advance(const disp_params *p, disp_state *st, int64_t now_ms,
                  void (*picked)(void *ctx, int courier), void *ctx)
{
    (void)p;
    for (int ci = 0; ci < st->nc; ci++) {
        disp_courier *c = &st->c[ci];
        disp_route *r = &c->route;
        if (c->state == DISP_C_TO_PICKUP && r->arrive_ms <= now_ms) {
            c->state = DISP_C_AT_PICKUP;
            c->x = r->rx;
            c->y = r->ry;
        }
        if (c->state == DISP_C_AT_PICKUP && r->pickup_ms <= now_ms) {
            c->state = DISP_C_DELIVERING;
            for (int k = 0; k < r->n; k++) {
                disp_job *j = &st->j[r->job[k]];
                j->state = DISP_J_PICKED;
                j->pickup_ms = r->pickup_ms;
                j->drop_ms = r->drop_ms[k];
            }
            if (picked) picked(ctx, ci);
        }
        if (c->state == DISP_C_DELIVERING) {
            for (int k = 0; k < r->n; k++) {
                disp_job *j = &st->j[r->job[k]];
                if (j->state == DISP_J_PICKED && r->drop_ms[k] <= now_ms) {
                    j->state = DISP_J_DELIVERED;
                    c->x = j->dx;
                    c->y = j->dy;
                }
            }
            if (r->end_ms <= now_ms) {
                c->state = DISP_C_IDLE;
                c->idle_since_ms = r->end_ms;
                if (r->n > 0) {
                    const disp_job *last = &st->j[r->job[r->n - 1]];
                    c->x = last->dx;
                    c->y = last->dy;
                }
                r->n = 0;
            }
        }
    }
}
