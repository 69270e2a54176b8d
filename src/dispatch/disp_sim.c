/* disp_sim — MDRP replay through the dispatch engine. See disp_sim.h. */
#include "dispatch/disp_sim.h"
#include "dispatch/disp_plan.h"

#include "base/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIN_MS 60000LL

typedef struct sim {
    const disp_mdrp *m;
    const disp_params *p;
    disp_state st;
    disp_mdrp_sol *sol;
    int *loc;           /* courier's current location index */
    int *bundles;
    double *drive;
    int *mvseq; /* moves in recording order, courier per move */
} sim;

/* "name=value,..." overrides: engine parameters, and the epoch options
 * ready_wait_max_s (< 0: no bound) and ready_commit (0/1) into x when
 * x is not NULL (checked either way). */
static int parse_params(const char *s, disp_params *p, disp_epoch_opts *x,
                        vis_err *err)
{
    while (s && *s) {
        char name[64];
        const char *eq = strchr(s, '=');
        if (!eq || eq - s >= (long)sizeof(name))
            return vis_errf(err, VIS_EINVAL, "bad_param", "param", "want name=value");
        memcpy(name, s, (size_t)(eq - s));
        name[eq - s] = 0;
        char *end;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || (*end && *end != ','))
            return vis_errf(err, VIS_EINVAL, "bad_param", name, "bad value for %s", name);
        if (strcmp(name, "ready_wait_max_s") == 0) {
            if (!isfinite(v) || v > 86400)
                return vis_errf(err, VIS_EINVAL, "bad_param", name, "bad value for %s", name);
            if (x) x->ready_wait_max_ms = v < 0 ? -1 : (int64_t)llround(v * 1000);
        } else if (strcmp(name, "ready_commit") == 0) {
            if (x) x->commit_ready = v != 0;
        } else {
            int rc = disp_params_set(p, name, v, err);
            if (rc) return rc;
        }
        s = *end ? end + 1 : end;
    }
    return VIS_OK;
}

int disp_sim_params(const disp_mdrp *m, const disp_sim_opts *o,
                    disp_params *p, vis_err *err)
{
    disp_params_default(p);
    p->tick_ms = MIN_MS;
    p->meters_per_tick = m->meters_per_minute;
    p->pickup_service_ms = m->pickup_service * MIN_MS;
    p->dropoff_service_ms = m->dropoff_service * MIN_MS;
    p->target_ctd_ms = m->target_ctd * MIN_MS;
    p->epoch_ms = (o && o->epoch_min > 0 ? o->epoch_min : 1) * MIN_MS;
    p->pay_per_order = (int64_t)llround(m->pay_per_order * 1e6);
    const char *pol = o && o->policy ? o->policy : "rolling";
    if (strcmp(pol, "rolling") == 0) {
        /* defaults */
    } else if (strcmp(pol, "immediate") == 0) {
        p->no_defer = 1;
    } else if (strcmp(pol, "single") == 0) {
        p->max_bundle = 1;
    } else {
        return vis_errf(err, VIS_EINVAL, "bad_policy", "policy",
                        "unknown policy '%s' (rolling, immediate, single)", pol);
    }
    return parse_params(o ? o->params : NULL, p, NULL, err);
}

static void add_move(sim *s, int c, int64_t depart_ms, int from, int to)
{
    disp_mdrp_move mv = { c, (int)(depart_ms / MIN_MS), from, to };
    disp_mdrp_sol_add_move(s->sol, &mv);
    s->drive[c] += disp_mdrp_tt(s->m, from, to);
}

/* A route was picked up: it is final; record it. */
static void on_picked(void *ctx, int ci)
{
    sim *s = ctx;
    const disp_mdrp *m = s->m;
    const disp_route *r = &s->st.c[ci].route;
    int64_t hp = disp_half_ms(s->p, s->p->pickup_service_ms);
    int64_t hd = disp_half_ms(s->p, s->p->dropoff_service_ms);
    disp_mdrp_assign a = { 0 };
    a.at = (int)(r->assign_ms / MIN_MS);
    a.pickup = (int)(r->pickup_ms / MIN_MS);
    a.courier = ci;
    a.n = r->n;
    int rest = m->no + r->place;
    add_move(s, ci, r->depart_ms, s->loc[ci], rest);
    int prev = rest;
    int64_t dep = r->pickup_ms + hp;
    for (int k = 0; k < r->n; k++) {
        int o = r->job[k];
        a.order[k] = o;
        add_move(s, ci, dep, prev, o);
        s->sol->pickup[o] = a.pickup;
        s->sol->drop[o] = (int)(r->drop_ms[k] / MIN_MS);
        s->sol->courier[o] = ci;
        dep = r->drop_ms[k] - hd + s->p->dropoff_service_ms;
        prev = o;
    }
    s->loc[ci] = prev;
    s->bundles[ci]++;
    disp_mdrp_sol_add_assign(s->sol, &a);
}

static void build_state(sim *s)
{
    const disp_mdrp *m = s->m;
    disp_state_init(&s->st);
    for (int k = 0; k < m->ncour; k++) {
        disp_courier c = { 0 };
        c.id = k;
        c.state = DISP_C_OFFLINE;
        c.x = m->c[k].x;
        c.y = m->c[k].y;
        c.on_ms = m->c[k].on * MIN_MS;
        c.off_ms = m->c[k].off * MIN_MS;
        double g = m->guarantee_per_hour * (m->c[k].off - m->c[k].on) / 60.0;
        c.guarantee_orders = m->pay_per_order > 0 ? (int)ceil(g / m->pay_per_order - 1e-9) : 0;
        disp_add_courier(&s->st, &c);
    }
    for (int k = 0; k < m->no; k++) {
        const disp_mdrp_order *o = &m->o[k];
        disp_job j = { 0 };
        j.id = k;
        j.place = o->rest;
        j.px = m->r[o->rest].x;
        j.py = m->r[o->rest].y;
        j.dx = o->x;
        j.dy = o->y;
        j.placed_ms = o->placed * MIN_MS;
        j.ready_ms = o->ready * MIN_MS;
        j.state = DISP_J_OPEN;
        j.courier = -1;
        disp_add_job(&s->st, &j);
    }
}

/* Reorder moves so each courier's block is contiguous (stable). */
static void group_moves(disp_mdrp_sol *sol, int ncour)
{
    int n = sol->nmv;
    int *cnt = mem_calloc((size_t)ncour + 1, sizeof(int));
    disp_mdrp_move *out = mem_alloc(sizeof(*out) * (size_t)(n > 0 ? n : 1));
    for (int k = 0; k < n; k++) cnt[sol->mv[k].courier + 1]++;
    for (int c = 0; c < ncour; c++) cnt[c + 1] += cnt[c];
    for (int k = 0; k < n; k++) out[cnt[sol->mv[k].courier]++] = sol->mv[k];
    free(sol->mv);
    sol->mv = out;
    sol->capmv = n > 0 ? n : 1;
    free(cnt);
}

int disp_sim_run(const disp_mdrp *m, const disp_sim_opts *o,
                 disp_mdrp_sol *sol, disp_mdrp_report *rep,
                 disp_sim_stats *stats, vis_err *err)
{
    disp_params p;
    int rc = disp_sim_params(m, o, &p, err);
    if (rc) return rc;
    disp_epoch_opts x;
    disp_epoch_opts_default(&x);
    rc = parse_params(o ? o->params : NULL, &p, &x, err);
    if (rc) return rc;
    memset(rep, 0, sizeof(*rep));
    buf_init(&rep->msgs);
    rep->feasible = 1;
    if (stats) memset(stats, 0, sizeof(*stats));
    sim s = { .m = m, .p = &p, .sol = sol };
    int nc = m->ncour > 0 ? m->ncour : 1;
    s.loc = mem_alloc(sizeof(int) * (size_t)nc);
    s.bundles = mem_calloc((size_t)nc, sizeof(int));
    s.drive = mem_calloc((size_t)nc, sizeof(double));
    int *started = mem_calloc((size_t)nc, sizeof(int));
    disp_decisions dec;
    disp_decisions_init(&dec);
    build_state(&s);
    for (int k = 0; k < m->ncour; k++) s.loc[k] = m->no + m->nr + k;
    int t0 = INT32_MAX, tend = INT32_MIN;
    for (int k = 0; k < m->ncour; k++) {
        if (m->c[k].on < t0) t0 = m->c[k].on;
        if (m->c[k].off > tend) tend = m->c[k].off;
    }
    for (int k = 0; k < m->no; k++) {
        if (m->o[k].placed < t0) t0 = m->o[k].placed;
        if (m->o[k].placed > tend) tend = m->o[k].placed;
    }
    int step = o && o->epoch_min > 0 ? o->epoch_min : 1;
    for (int t = t0; m->ncour > 0 && t <= tend; t += step) {
        int64_t now = t * MIN_MS;
        disp_advance(&p, &s.st, now, on_picked, &s);
        for (int k = 0; k < m->ncour; k++) {
            disp_courier *c = &s.st.c[k];
            if (!started[k] && c->state == DISP_C_OFFLINE && m->c[k].on <= t && t < m->c[k].off) {
                started[k] = 1;
                c->state = DISP_C_IDLE;
                c->idle_since_ms = c->on_ms;
            } else if (c->state == DISP_C_IDLE && t >= m->c[k].off) {
                c->state = DISP_C_OFFLINE;
            }
        }
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        rc = disp_epoch_x(&p, &x, &s.st, now, &dec, err);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (rc) goto out;
        if (stats) {
            stats->epochs++;
            stats->decisions += dec.n;
            for (int k = 0; k < dec.n; k++) stats->additions += dec.d[k].kind == DISP_D_ADD;
            stats->solve_seconds += (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
        }
    }
    disp_advance(&p, &s.st, INT64_MAX / 4, on_picked, &s);
    group_moves(sol, m->ncour);
    disp_mdrp_figures(m, sol->pickup, sol->drop, sol->courier, s.bundles, s.drive, rep);
out:
    disp_decisions_free(&dec);
    disp_state_free(&s.st);
    free(s.loc);
    free(s.bundles);
    free(s.drive);
    free(started);
    return rc;
}
