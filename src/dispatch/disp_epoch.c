/* disp_epoch — one decision epoch: bundle, score, solve, commit.
 * See disp_engine.h for the method. */
#define _GNU_SOURCE /* qsort_r */
#include "dispatch/disp_engine.h"
#include "dispatch/disp_grid.h"
#include "dispatch/disp_lap.h"
#include "dispatch/disp_plan.h"

#include "base/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { COL_FRESH = 1, COL_SOON = 2, COL_PENDING = 3 };

typedef struct column {
    int courier, kind;
    int64_t start_ms;
    double x, y;
} column;

typedef struct epoch {
    const disp_params *p;
    const disp_epoch_opts *x;
    disp_state *st;
    int64_t now;
    disp_bundle *b;
    int nb;
    column *col;
    int ncol;
    int *pend;          /* pending column indices sorted by place */
    unsigned char *alone; /* job declined by someone: bundled alone */
    int npend;
    int64_t hp;         /* half pickup service */
} epoch;

typedef struct cand {
    double cost;
    disp_score s;
    int64_t arrive, pickup;
    int ok;
} cand;

static int cmp_job_ready(const void *a, const void *b, void *ctx)
{
    const disp_state *st = ctx;
    const disp_job *x = &st->j[*(const int *)a], *y = &st->j[*(const int *)b];
    if (x->place != y->place) return x->place < y->place ? -1 : 1;
    if (x->ready_ms != y->ready_ms) return x->ready_ms < y->ready_ms ? -1 : 1;
    return *(const int *)a - *(const int *)b;
}

static double sum_drop_off(const disp_bundle *b)
{
    double s = 0;
    for (int k = 0; k < b->n; k++) s += (double)b->off[k];
    return s;
}

/* Group open jobs of one restaurant (jobs[0..m), ready order) into
 * ceil(m / z) bundles by cheapest insertion. */
/* A new one-order bundle for job ji, planned. */
static void new_bundle(epoch *e, const disp_params *p, int ji)
{
    const disp_job *j = &e->st->j[ji];
    disp_bundle *b = &e->b[e->nb++];
    memset(b, 0, sizeof(*b));
    b->n = 1;
    b->job[0] = ji;
    b->place = j->place;
    b->rx = j->px;
    b->ry = j->py;
    disp_plan_order(p, e->st, b);
}

/* Would bundle b delay the pickup of one of its orders by more than the
 * ready-wait bound, with the courier's pickup possible from `earliest`? */
static int over_wait(const epoch *e, const disp_bundle *b, int64_t earliest)
{
    int64_t bound = e->x->ready_wait_max_ms;
    if (bound < 0) return 0;
    for (int k = 0; k < b->n; k++) {
        int64_t r = e->st->j[b->job[k]].ready_ms;
        if (r < earliest) r = earliest;
        if (b->ready_max - r > bound) return 1;
    }
    return 0;
}

static int banned(const epoch *e, const disp_bundle *b, int courier)
{
    if (e->x->nban == 0) return 0;
    int64_t cid = e->st->c[courier].id;
    for (int k = 0; k < b->n; k++) {
        disp_ban key = { cid, e->st->j[b->job[k]].id };
        int lo = 0, hi = e->x->nban;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            const disp_ban *m = &e->x->ban[mid];
            if (m->courier < key.courier || (m->courier == key.courier && m->job < key.job)) lo = mid + 1;
            else hi = mid;
        }
        if (lo < e->x->nban && e->x->ban[lo].courier == key.courier && e->x->ban[lo].job == key.job)
            return 1;
    }
    return 0;
}

static int bundle_place(epoch *e, const int *jobs, int m, int z)
{
    const disp_params *p = e->p;
    int maxb = p->max_bundle < 1 ? 1 : (p->max_bundle > DISP_MAX_BUNDLE ? DISP_MAX_BUNDLE : p->max_bundle);
    if (z > maxb) z = maxb;
    int want = (m + z - 1) / z;
    int first = e->nb, nal = 0;
    for (int k = 0; k < m; k++) {
        const disp_job *j = &e->st->j[jobs[k]];
        int nbp = e->nb - first - nal;
        if (e->alone && e->alone[jobs[k]]) {
            /* its own bundle, apart from the target count: it goes to the
               next best courier by itself, and nothing else is tied to it */
            new_bundle(e, p, jobs[k]);
            nal++;
            continue;
        }
        if (nbp < want) {
            new_bundle(e, p, jobs[k]);
            continue;
        }
        int best = -1;
        double bcost = 0;
        disp_bundle bb = { 0 };
        for (int q = first; q < e->nb; q++) {
            disp_bundle *b = &e->b[q];
            if (b->n >= z) continue;
            if (e->alone && e->alone[b->job[0]]) continue;
            disp_bundle t = *b;
            t.job[t.n++] = jobs[k];
            disp_plan_order(p, e->st, &t);
            if (over_wait(e, &t, e->now + e->hp)) continue;
            /* added drop-off time, plus every order waiting for the latest */
            double c = sum_drop_off(&t) - sum_drop_off(b)
                     + (double)(t.ready_max - b->ready_max) * t.n
                     + (double)(t.ready_max - j->ready_ms);
            if (best < 0 || c < bcost) { best = q; bcost = c; bb = t; }
        }
        if (best >= 0) {
            e->b[best] = bb;
        } else {
            new_bundle(e, p, jobs[k]);
        }
    }
    return 0;
}

static void fill_score(const epoch *e, const disp_bundle *b, const column *c,
                       int64_t arrive, int64_t pickup, cand *out)
{
    const disp_params *p = e->p;
    const disp_courier *cr = &e->st->c[c->courier];
    double ctd = 0, late = 0;
    for (int k = 0; k < b->n; k++) {
        const disp_job *j = &e->st->j[b->job[k]];
        double t = (double)(pickup + b->off[k] - j->placed_ms);
        ctd += t;
        if (t > (double)p->target_ctd_ms) late += t - (double)p->target_ctd_ms;
    }
    out->s.ctd_min = ctd / 60000.0;
    out->s.late_min = late / 60000.0;
    out->s.wait_min = (double)(pickup - arrive - e->hp) / 60000.0;
    int free_orders = cr->guarantee_orders - cr->orders;
    if (free_orders < 0) free_orders = 0;
    if (free_orders > b->n) free_orders = b->n;
    out->s.pay = (double)(b->n - free_orders) * (double)p->pay_per_order / 1e6;
    out->s.idle_min = 0;
    if (c->kind == COL_FRESH) {
        int64_t idle = e->now - cr->idle_since_ms;
        if (idle > p->idle_cap_ms) idle = p->idle_cap_ms;
        if (idle > 0) out->s.idle_min = (double)idle / 60000.0;
    }
}

/* Score bundle b on a fresh or soon-free courier column. */
static void score_new(const epoch *e, const disp_bundle *b, const column *c,
                      cand *out)
{
    const disp_params *p = e->p;
    const disp_courier *cr = &e->st->c[c->courier];
    out->ok = 0;
    disp_params tmp;
    disp_bundle bc;
    const disp_params *cp = disp_courier_params(p, cr, &tmp);
    if (cp != p) {
        /* the courier's own speed: the bundle's times at that speed */
        bc = *b;
        disp_plan_order(cp, e->st, &bc);
        b = &bc;
    }
    if (cr->max_m > 0 && hypot(b->rx - c->x, b->ry - c->y) + b->len_m > cr->max_m) return;
    int64_t arrive = c->start_ms + disp_travel_ms(cp, c->x, c->y, b->rx, b->ry);
    int64_t pickup = arrive + e->hp;
    if (pickup < b->ready_max) pickup = b->ready_max;
    if (pickup > cr->off_ms) return;
    fill_score(e, b, c, arrive, pickup, out);
    out->s.travel_min = (double)(arrive - c->start_ms) / 60000.0;
    out->arrive = arrive;
    out->pickup = pickup;
    out->ok = 1;
}

/* Merge b into courier's route (same restaurant, not picked up): the
 * combined bundle in *m, pickup in *pickup. */
static int merge_route(const epoch *e, const disp_bundle *b, int courier,
                       disp_bundle *m)
{
    const disp_route *r = &e->st->c[courier].route;
    if (r->n + b->n > e->p->max_bundle || r->n + b->n > DISP_MAX_BUNDLE)
        return 0;
    memset(m, 0, sizeof(*m));
    m->place = r->place;
    m->rx = r->rx;
    m->ry = r->ry;
    for (int k = 0; k < r->n; k++) m->job[m->n++] = r->job[k];
    for (int k = 0; k < b->n; k++) m->job[m->n++] = b->job[k];
    disp_params tmp;
    disp_plan_order(disp_courier_params(e->p, &e->st->c[courier], &tmp), e->st, m);
    return 1;
}

static void score_add(const epoch *e, const disp_bundle *b, const column *c,
                      cand *out)
{
    const disp_params *p = e->p;
    const disp_courier *cr = &e->st->c[c->courier];
    const disp_route *r = &cr->route;
    out->ok = 0;
    disp_bundle m;
    if (b->place != r->place || !merge_route(e, b, c->courier, &m)) return;
    if (cr->max_m > 0 && hypot(r->rx - r->ox, r->ry - r->oy) + m.len_m > cr->max_m) return;
    int64_t pickup = r->pickup_ms;
    if (m.ready_max > pickup) pickup = m.ready_max;
    if (pickup > cr->off_ms || pickup <= e->now) return;
    if (over_wait(e, &m, r->arrive_ms + e->hp)) return;
    double ctd = 0, late = 0, tgt = (double)p->target_ctd_ms;
    for (int k = 0; k < m.n; k++) {
        const disp_job *j = &e->st->j[m.job[k]];
        double t = (double)(pickup + m.off[k] - j->placed_ms);
        int old = -1;
        for (int q = 0; q < r->n; q++)
            if (r->job[q] == m.job[k]) old = q;
        if (old < 0) {
            ctd += t;
            if (t > tgt) late += t - tgt;
        } else {
            double t0 = (double)(r->drop_ms[old] - j->placed_ms);
            ctd += t - t0;
            late += (t > tgt ? t - tgt : 0) - (t0 > tgt ? t0 - tgt : 0);
        }
    }
    out->s.ctd_min = ctd / 60000.0;
    out->s.late_min = late / 60000.0;
    out->s.wait_min = (double)(pickup - r->pickup_ms) / 60000.0;
    int free_orders = cr->guarantee_orders - cr->orders;
    if (free_orders < 0) free_orders = 0;
    if (free_orders > b->n) free_orders = b->n;
    out->s.pay = (double)(b->n - free_orders) * (double)p->pay_per_order / 1e6;
    out->s.idle_min = 0;
    out->arrive = r->arrive_ms;
    out->pickup = pickup;
    out->ok = 1;
}

static void score(const epoch *e, int bi, int ci, cand *out)
{
    const column *c = &e->col[ci];
    memset(out, 0, sizeof(*out));
    if (banned(e, &e->b[bi], c->courier)) return;
    if (c->kind == COL_PENDING) score_add(e, &e->b[bi], c, out);
    else score_new(e, &e->b[bi], c, out);
    if (!out->ok) return;
    const disp_params *p = e->p;
    out->s.total = out->s.ctd_min + p->w_late * out->s.late_min
                 + p->w_wait * out->s.wait_min + p->w_pay * out->s.pay
                 - p->w_idle * out->s.idle_min + p->w_travel * out->s.travel_min;
    out->cost = out->s.total;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void collect(epoch *e)
{
    disp_state *st = e->st;
    const disp_params *p = e->p;
    int *open = mem_alloc(sizeof(int) * (size_t)(st->nj > 0 ? st->nj : 1));
    e->col = mem_alloc(sizeof(column) * (size_t)(st->nc > 0 ? st->nc : 1));
    e->pend = mem_alloc(sizeof(int) * (size_t)(st->nc > 0 ? st->nc : 1));
    int nopen = 0;
    for (int k = 0; k < st->nj; k++)
        if (st->j[k].state == DISP_J_OPEN && st->j[k].placed_ms <= e->now)
            open[nopen++] = k;
    int avail = 0;
    for (int k = 0; k < st->nc; k++) {
        const disp_courier *c = &st->c[k];
        column col = { k, 0, 0, 0, 0 };
        if (c->state == DISP_C_IDLE && c->on_ms <= e->now && e->now < c->off_ms) {
            col.kind = COL_FRESH;
            col.start_ms = e->now;
            col.x = c->x;
            col.y = c->y;
            avail++;
        } else if (c->state == DISP_C_DELIVERING && c->route.n > 0 &&
                   c->route.end_ms <= e->now + p->horizon_ms &&
                   c->route.end_ms < c->off_ms) {
            const disp_job *last = &st->j[c->route.job[c->route.n - 1]];
            col.kind = COL_SOON;
            col.start_ms = c->route.end_ms;
            col.x = last->dx;
            col.y = last->dy;
            avail++;
        } else if ((c->state == DISP_C_TO_PICKUP || c->state == DISP_C_AT_PICKUP) &&
                   c->route.pickup_ms > e->now && c->route.n < p->max_bundle) {
            col.kind = COL_PENDING;
            col.x = c->route.rx;
            col.y = c->route.ry;
        } else {
            continue;
        }
        e->col[e->ncol++] = col;
    }
    e->b = mem_alloc(sizeof(disp_bundle) * (size_t)(nopen > 0 ? nopen : 1));
    if (e->x->nban > 0) {
        /* jobs somebody declined: ids sorted, looked up per open job */
        int64_t *ids = mem_alloc(sizeof(int64_t) * (size_t)e->x->nban);
        e->alone = mem_calloc((size_t)st->nj, 1);
        for (int k = 0; k < e->x->nban; k++) ids[k] = e->x->ban[k].job;
        qsort(ids, (size_t)e->x->nban, sizeof(int64_t), cmp_i64);
        for (int k = 0; k < nopen; k++) {
            int64_t id = st->j[open[k]].id;
            if (bsearch(&id, ids, (size_t)e->x->nban, sizeof(int64_t), cmp_i64)) e->alone[open[k]] = 1;
        }
        free(ids);
    }
    qsort_r(open, (size_t)nopen, sizeof(int), cmp_job_ready, st);
    int z = avail > 0 ? (int)ceil(p->bundle_ratio * nopen / avail - 1e-9) : p->max_bundle;
    if (z < 1) z = 1;
    for (int a = 0; a < nopen;) {
        int bnd = a;
        while (bnd < nopen && st->j[open[bnd]].place == st->j[open[a]].place) bnd++;
        bundle_place(e, open + a, bnd - a, z);
        a = bnd;
    }
    free(open);
}

static int cmp_pend(const void *a, const void *b, void *ctx)
{
    const epoch *e = ctx;
    int pa = e->st->c[e->col[*(const int *)a].courier].route.place;
    int pb = e->st->c[e->col[*(const int *)b].courier].route.place;
    if (pa != pb) return pa < pb ? -1 : 1;
    return *(const int *)a - *(const int *)b;
}

/* Commit one solved pair; returns 1 if a decision was appended. */
static int commit(epoch *e, int bi, int ci, const cand *cd, disp_decisions *out)
{
    const disp_params *p = e->p;
    disp_state *st = e->st;
    const column *c = &e->col[ci];
    disp_courier *cr = &st->c[c->courier];
    const disp_bundle *b = &e->b[bi];
    disp_bundle m;
    int kind;
    if (c->kind == COL_SOON) return 0;
    if (c->kind == COL_FRESH) {
        int64_t tt = cd->arrive - e->now;
        int64_t later = e->now + p->epoch_ms + tt + e->hp;
        int must = p->no_defer || later > b->ready_max || later > cr->off_ms ||
                   e->now + p->epoch_ms >= cr->off_ms;
        if (!must && e->x->commit_ready && e->x->ready_wait_max_ms >= 0)
            for (int k = 0; k < b->n; k++)
                if (st->j[b->job[k]].ready_ms <= e->now) must = 1;
        if (!must) return 0;
        kind = DISP_D_NEW;
        m = *b;
        disp_params tmp;
        const disp_params *cp = disp_courier_params(p, cr, &tmp);
        if (cp != p) disp_plan_order(cp, st, &m); /* as scored (score_new) */
        disp_route *r = &cr->route;
        memset(r, 0, sizeof(*r));
        r->place = b->place;
        r->rx = b->rx;
        r->ry = b->ry;
        r->ox = cr->x;
        r->oy = cr->y;
        r->depart_ms = e->now;
        r->arrive_ms = cd->arrive;
        cr->state = DISP_C_TO_PICKUP;
    } else {
        kind = DISP_D_ADD;
        if (!merge_route(e, b, c->courier, &m)) return 0;
    }
    disp_route *r = &cr->route;
    r->n = m.n;
    memcpy(r->job, m.job, sizeof(int) * (size_t)m.n);
    r->assign_ms = e->now;
    r->pickup_ms = cd->pickup;
    for (int k = 0; k < m.n; k++) r->drop_ms[k] = cd->pickup + m.off[k];
    r->end_ms = cd->pickup + m.end_off;
    cr->orders += b->n;
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 64;
        out->d = mem_realloc(out->d, sizeof(*out->d) * (size_t)out->cap);
    }
    disp_decision *d = &out->d[out->n++];
    memset(d, 0, sizeof(*d));
    d->kind = kind;
    d->courier = c->courier;
    d->courier_id = cr->id;
    d->n = m.n;
    d->at_ms = e->now;
    d->arrive_ms = r->arrive_ms;
    d->pickup_ms = r->pickup_ms;
    d->travel_m = hypot(r->rx - r->ox, r->ry - r->oy) + m.len_m;
    d->score = cd->s;
    for (int k = 0; k < m.n; k++) {
        disp_job *j = &st->j[m.job[k]];
        d->job[k] = m.job[k];
        d->drop_ms[k] = r->drop_ms[k];
        for (int q = 0; q < b->n; q++)
            if (b->job[q] == m.job[k]) d->added |= 1u << k;
        j->state = DISP_J_ASSIGNED;
        j->courier = c->courier;
        j->assign_ms = e->now;
        j->pickup_ms = r->pickup_ms;
        j->drop_ms = r->drop_ms[k];
    }
    return 1;
}

/* Candidate columns of bundle bi for the sparse solver. */
static int sparse_cols(const epoch *e, const disp_grid *g, const int *gcol,
                       int bi, int *out, int cap)
{
    const disp_bundle *b = &e->b[bi];
    int n = disp_grid_knn(g, b->rx, b->ry, e->p->k_nearest, INFINITY, out, NULL);
    for (int k = 0; k < n; k++) out[k] = gcol[out[k]];
    /* pending couriers at this restaurant (binary search on place) */
    int lo = 0, hi = e->npend;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (e->st->c[e->col[e->pend[mid]].courier].route.place < b->place) lo = mid + 1;
        else hi = mid;
    }
    for (int k = lo; k < e->npend && n < cap; k++) {
        if (e->st->c[e->col[e->pend[k]].courier].route.place != b->place) break;
        out[n++] = e->pend[k];
    }
    return n;
}

void disp_epoch_opts_default(disp_epoch_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->ready_wait_max_ms = DISP_READY_WAIT_MAX_MS_DEFAULT;
    o->commit_ready = 1;
}

static int cmp_ban(const void *a, const void *b)
{
    const disp_ban *x = a, *y = b;
    if (x->courier != y->courier) return x->courier < y->courier ? -1 : 1;
    return x->job < y->job ? -1 : x->job > y->job;
}

void disp_ban_sort(disp_ban *ban, int n)
{
    if (n > 1) qsort(ban, (size_t)n, sizeof(*ban), cmp_ban);
}

int disp_epoch(const disp_params *p, disp_state *st, int64_t now_ms,
               disp_decisions *out, vis_err *err)
{
    disp_epoch_opts x;
    disp_epoch_opts_default(&x);
    return disp_epoch_x(p, &x, st, now_ms, out, err);
}

/* Dense solve: every bundle against every column, plus a private "leave
 * unassigned" column per bundle; commits the pairs solved. */
static int solve_dense(epoch *e, int *rowcol, disp_decisions *out, vis_err *err)
{
    const disp_params *p = e->p;
    int R = e->nb, C = e->ncol, W = C + R;
    double *dense = mem_alloc(sizeof(double) * (size_t)R * (size_t)W);
    cand *cands = mem_alloc(sizeof(cand) * (size_t)R * (size_t)C);
    for (int i = 0; i < R; i++) {
        for (int j = 0; j < C; j++) {
            cand *cd = &cands[(size_t)i * C + j];
            score(e, i, j, cd);
            dense[(size_t)i * W + j] = cd->ok ? cd->cost : INFINITY;
            out->candidates += cd->ok;
        }
        for (int j = 0; j < R; j++) dense[(size_t)i * W + C + j] = i == j ? p->unassigned_cost * e->b[i].n : INFINITY;
    }
    int rc = disp_lap_dense(R, W, dense, rowcol, NULL, err);
    for (int i = 0; !rc && i < R; i++) {
        int j = rowcol[i];
        if (j < 0 || j >= C) continue;
        if (!commit(e, i, j, &cands[(size_t)i * C + j], out)) out->deferred++;
    }
    free(dense);
    free(cands);
    return rc;
}

/* Sparse solve: each bundle against its k nearest fresh / soon couriers
 * (a grid search) and the pending ones at its restaurant, plus its
 * "leave unassigned" column; commits the pairs solved. */
static int solve_sparse(epoch *e, int *rowcol, disp_decisions *out, vis_err *err)
{
    const disp_params *p = e->p;
    int R = e->nb, C = e->ncol, W = C + R;
    out->sparse = 1;
    int ng = 0;
    int *gcol = mem_alloc(sizeof(int) * (size_t)C);
    double *gx = mem_alloc(sizeof(double) * (size_t)C);
    double *gy = mem_alloc(sizeof(double) * (size_t)C);
    for (int j = 0; j < C; j++) {
        if (e->col[j].kind == COL_PENDING) {
            e->pend[e->npend++] = j;
            continue;
        }
        gcol[ng] = j;
        gx[ng] = e->col[j].x;
        gy[ng] = e->col[j].y;
        ng++;
    }
    qsort_r(e->pend, (size_t)e->npend, sizeof(int), cmp_pend, e);
    disp_grid g;
    disp_grid_build(&g, ng, gx, gy, 0);
    int cap = p->k_nearest + 16;
    int *tmp = mem_alloc(sizeof(int) * (size_t)cap);
    int *rs = mem_alloc(sizeof(int) * (size_t)(R + 1));
    int *cl = mem_alloc(sizeof(int) * (size_t)R * (size_t)(cap + 1));
    double *cs = mem_alloc(sizeof(double) * (size_t)R * (size_t)(cap + 1));
    cand *cands = mem_alloc(sizeof(cand) * (size_t)R * (size_t)(cap + 1));
    int nnz = 0;
    for (int i = 0; i < R; i++) {
        rs[i] = nnz;
        int n = sparse_cols(e, &g, gcol, i, tmp, cap);
        for (int k = 0; k < n; k++) {
            cand *cd = &cands[nnz];
            score(e, i, tmp[k], cd);
            if (!cd->ok) continue;
            cl[nnz] = tmp[k];
            cs[nnz++] = cd->cost;
            out->candidates++;
        }
        cl[nnz] = C + i;
        cs[nnz++] = p->unassigned_cost * e->b[i].n;
    }
    rs[R] = nnz;
    disp_lap_sparse_m sm = { R, W, rs, cl, cs };
    int rc = disp_lap_sparse(&sm, rowcol, NULL, err);
    for (int i = 0; !rc && i < R; i++) {
        int j = rowcol[i];
        if (j < 0 || j >= C) continue;
        int ent = rs[i];
        while (ent < rs[i + 1] && cl[ent] != j) ent++;
        if (!commit(e, i, j, &cands[ent], out)) out->deferred++;
    }
    disp_grid_free(&g);
    free(cands);
    free(rs);
    free(cl);
    free(cs);
    free(gcol); free(gx); free(gy); free(tmp);
    return rc;
}

int disp_epoch_x(const disp_params *p, const disp_epoch_opts *x, disp_state *st, int64_t now_ms, disp_decisions *out,
                 vis_err *err)
{
    out->n = 0;
    out->open_jobs = out->bundles = out->columns = out->deferred = 0;
    out->candidates = 0;
    out->sparse = 0;
    epoch e = {.p = p, .x = x, .st = st, .now = now_ms};
    e.hp = disp_half_ms(p, p->pickup_service_ms);
    collect(&e);
    int rc = VIS_OK;
    for (int k = 0; k < st->nj; k++)
        if (st->j[k].state == DISP_J_OPEN && st->j[k].placed_ms <= now_ms) out->open_jobs++;
    out->bundles = e.nb;
    out->columns = e.ncol;
    if (e.nb > 0 && e.ncol > 0) {
        int *rowcol = mem_alloc(sizeof(int) * (size_t)e.nb);
        if ((long)e.nb * (e.ncol + e.nb) <= p->dense_limit)
            rc = solve_dense(&e, rowcol, out, err);
        else
            rc = solve_sparse(&e, rowcol, out, err);
        free(rowcol);
    }
    free(e.b); free(e.col); free(e.pend); free(e.alone);
    return rc;
}
