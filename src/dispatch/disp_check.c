/* disp_check — the MDRP evaluator's feasibility checks and figures,
 * re-implemented on solution files read back from disk. See disp_mdrp.h. */
#include "dispatch/disp_mdrp.h"

#include "base/mem.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tl {          /* one courier's timeline */
    int n, cap;
    int *t;                  /* event times */
    int *place;              /* location after the event, -2 = in transit */
    int seen;                /* block already closed (non-contiguous check) */
} tl;

static void violation(disp_mdrp_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void violation(disp_mdrp_report *rep, const char *fmt, ...)
{
    rep->feasible = 0;
    if (rep->violations++ >= 50) return;
    va_list ap;
    va_start(ap, fmt);
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    buf_puts(&rep->msgs, line);
    buf_puts(&rep->msgs, "\n");
}

static void tl_push(tl *t, int time, int place)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->t = mem_realloc(t->t, sizeof(int) * (size_t)t->cap);
        t->place = mem_realloc(t->place, sizeof(int) * (size_t)t->cap);
    }
    t->t[t->n] = time;
    t->place[t->n++] = place;
}

/* Place of the last event strictly before time (Python bisect_left - 1). */
static int tl_at(const tl *t, int time)
{
    int lo = 0, hi = t->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (t->t[mid] < time) lo = mid + 1;
        else hi = mid;
    }
    return lo - 1 >= 0 ? t->place[lo - 1] : -3;
}

static int read_lines(const char *dir, const char *name, buf *b, vis_err *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    buf_init(b);
    if (buf_read_file(b, path) != 0)
        return vis_errf(err, VIS_EIO, "missing_file", name, "cannot read %s: %s",
                        path, strerror(errno));
    return VIS_OK;
}

static int to_int(const char *s, int *v)
{
    char *end;
    double d = strtod(s, &end);
    /* times and ids of a solution: far inside int (a cast of a larger double is undefined) */
    if (end == s || *end || !isfinite(d) || d < -1e7 || d > 1e7) return 0;
    *v = (int)d;
    return 1;
}

static int cmp_d(const void *a, const void *b);

void disp_mdrp_figures(const disp_mdrp *m, const int *opick, const int *odrop, const int *ocour, const int *bundles,
                       const double *drive, disp_mdrp_report *rep)
{
    int no = m->no, nc = m->ncour, nd = 0;
    double *ctd = mem_alloc(sizeof(double) * (size_t)(no + 1));
    int *served = mem_calloc((size_t)(nc + 1), sizeof(int));
    double r2p = 0, over = 0, within = 0;
    rep->orders = no;
    for (int o = 0; o < no; o++) {
        if (odrop[o] < 0) continue;
        served[ocour[o]]++;
        double t = odrop[o] - m->o[o].placed;
        ctd[nd++] = t;
        r2p += opick[o] - m->o[o].ready;
        over += t > m->target_ctd ? t - m->target_ctd : 0;
        within += t <= m->target_ctd;
    }
    rep->delivered = nd;
    if (nd > 0) {
        double s = 0;
        for (int k = 0; k < nd; k++) s += ctd[k];
        qsort(ctd, (size_t)nd, sizeof(double), cmp_d);
        rep->ctd_mean = s / nd;
        rep->ctd_median = disp_quantile(ctd, nd, 0.5);
        rep->ctd_p90 = disp_quantile(ctd, nd, 0.9);
        rep->ready_to_pickup_mean = r2p / nd;
        rep->overage_mean = over / nd;
        rep->within_target = within / nd;
    }
    double util = 0, total = 0, hourly = 0, hmin = INFINITY;
    int topped = 0;
    for (int c = 0; c < nc; c++) {
        double shift = m->c[c].off - m->c[c].on;
        double g = shift * m->guarantee_per_hour / 60.0;
        double e = served[c] * m->pay_per_order;
        double pay = e > g ? e : g;
        total += pay;
        topped += e < g;
        if (shift > 0) {
            util += (drive[c] + m->dropoff_service * served[c] + m->pickup_service * bundles[c]) / shift;
            double h = pay / (shift / 60.0);
            hourly += h;
            if (h < hmin) hmin = h;
        }
    }
    if (nc > 0) {
        rep->utilization_mean = util / nc;
        rep->guarantee_share = (double)topped / nc;
        rep->hourly_pay_mean = hourly / nc;
        rep->hourly_pay_min = isfinite(hmin) ? hmin : 0;
    }
    rep->total_pay = total;
    rep->cost_per_order = nd > 0 ? total / nd : 0;
    free(ctd);
    free(served);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* What a check accumulates while reading the three files. */
typedef struct chk {
    const disp_mdrp *m;
    disp_mdrp_report *rep;
    int no, nc, cbase;    /* orders, couriers, first courier location */
    disp_mdrp_assign *as; /* assignments as read */
    int na, capa;
    int *in_assign;             /* per order: assignments listing it */
    int *opick, *odrop, *ocour; /* per order, from the orders file (-1 = absent) */
    tl *tls;                    /* per courier, from the moves file */
    int *bundles;               /* per courier: assignments */
    double *drive;              /* per courier: driving minutes */
} chk;

/* Split a line into at most max fields at any of seps. */
static int split(char *l, const char *seps, char **f, int max)
{
    char *save = NULL;
    int n = 0;
    for (char *t = strtok_r(l, seps, &save); t && n < max; t = strtok_r(NULL, seps, &save)) f[n++] = t;
    return n;
}

/* solution_info_assignments.txt: "assignment_time pickup_time courier order...". */
static void read_assignments(chk *k, char *data)
{
    const disp_mdrp *m = k->m;
    char *save = NULL;
    int line = 0;
    for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (++line == 1) continue;
        char *f[DISP_MDRP_MAX_BUNDLE + 4];
        int n = split(l, " \t\r", f, DISP_MDRP_MAX_BUNDLE + 3);
        if (n == 0) continue;
        disp_mdrp_assign a = { 0 };
        int cl;
        if (n < 4 || !to_int(f[0], &a.at) || !to_int(f[1], &a.pickup) || (cl = disp_mdrp_loc(m, f[2])) < k->cbase) {
            violation(k->rep, "assignments line %d: malformed", line);
            continue;
        }
        a.courier = cl - k->cbase;
        for (int q = 3; q < n; q++) {
            int o = disp_mdrp_loc(m, f[q]);
            if (o < 0 || o >= k->no) {
                violation(k->rep, "assignments line %d: unknown order %s", line, f[q]);
                continue;
            }
            a.order[a.n++] = o;
        }
        if (k->na == k->capa) {
            k->capa = k->capa ? k->capa * 2 : 256;
            k->as = mem_realloc(k->as, sizeof(*k->as) * (size_t)k->capa);
        }
        k->as[k->na++] = a;
    }
}

/* solution_info_orders.txt: its header and single spaces exactly, then
 * each order's pickup, drop-off and courier. */
static void read_orders(chk *k, char *data)
{
    const disp_mdrp *m = k->m;
    char *save = NULL;
    int line = 0;
    for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        if (strstr(l, "  ") || strchr(l, '\t'))
            violation(k->rep, "orders line %d: fields must be separated by one space", line);
        if (line == 1) {
            if (strcmp(l, "order placement_time ready_time pickup_time dropoff_time courier") != 0)
                violation(k->rep, "orders: bad header");
            continue;
        }
        char *f[8];
        int n = split(l, " \r", f, 8);
        int o, pl, rd, pk, dr, c;
        if (n != 6 || (o = disp_mdrp_loc(m, f[0])) < 0 || o >= k->no || !to_int(f[1], &pl) || !to_int(f[2], &rd) ||
            !to_int(f[3], &pk) || !to_int(f[4], &dr) || (c = disp_mdrp_loc(m, f[5])) < k->cbase) {
            violation(k->rep, "orders line %d: malformed", line);
            continue;
        }
        if (k->odrop[o] >= 0) violation(k->rep, "orders: %s listed twice", m->o[o].id);
        k->opick[o] = pk;
        k->odrop[o] = dr;
        k->ocour[o] = c - k->cbase;
    }
}

/* solution_info_couriers.txt: each courier's moves, one contiguous block,
 * chained without gaps; builds every courier's timeline and driving time. */
static void read_moves(chk *k, char *data)
{
    const disp_mdrp *m = k->m;
    int cbase = k->cbase;
    char *save = NULL;
    int line = 0, cur = -1;
    for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (++line == 1) continue;
        char *f[6];
        int n = split(l, " \t\r", f, 6);
        if (n == 0) continue;
        int c, dep, from, to;
        if (n != 4 || (c = disp_mdrp_loc(m, f[0])) < cbase || !to_int(f[1], &dep) ||
            (to = disp_mdrp_loc(m, f[3])) < 0) {
            violation(k->rep, "couriers line %d: malformed", line);
            continue;
        }
        c -= cbase;
        from = strcmp(f[2], "0") == 0 ? cbase + c : disp_mdrp_loc(m, f[2]);
        tl *tls = k->tls;
        if (c != cur) {
            if (cur >= 0) tls[cur].seen = 1;
            if (tls[c].seen) violation(k->rep, "couriers: moves of %s are not contiguous", m->c[c].id);
            cur = c;
            if (tls[c].n == 0) tl_push(&tls[c], m->c[c].on, cbase + c);
        }
        tl *t = &tls[c];
        if (from != t->place[t->n - 1])
            violation(k->rep, "couriers line %d: %s leaves %s but is at %s", line, m->c[c].id, f[2],
                      disp_mdrp_loc_id(m, t->place[t->n - 1]));
        int tt = from >= 0 ? disp_mdrp_tt(m, from, to) : 0;
        k->drive[c] += tt;
        tl_push(t, dep, -2);
        tl_push(t, dep + tt, to);
    }
    for (int c = 0; c < k->nc; c++)
        for (int e = 1; e < k->tls[c].n; e++)
            if (k->tls[c].t[e] < k->tls[c].t[e - 1]) {
                violation(k->rep, "couriers: %s departs before arriving (time %d)", m->c[c].id, k->tls[c].t[e]);
                break;
            }
}

/* One assignment (number no1, from 1): the courier's off time, each order in
 * one assignment only, assigned after placement, picked up when ready,
 * drop-offs in sequence, and the courier at the restaurant at pickup. */
static void check_assignment(chk *k, const disp_mdrp_assign *a, int no1)
{
    const disp_mdrp *m = k->m;
    k->bundles[a->courier]++;
    if (a->pickup > m->c[a->courier].off)
        violation(k->rep, "assignment %d: pickup %d after off time %d", no1, a->pickup, m->c[a->courier].off);
    int prevdrop = INT32_MIN;
    for (int q = 0; q < a->n; q++) {
        const disp_mdrp_order *o = &m->o[a->order[q]];
        if (k->odrop[a->order[q]] >= 0 && k->in_assign[a->order[q]]++)
            violation(k->rep, "order %s in more than one assignment", o->id);
        if (a->at < o->placed)
            violation(k->rep, "assignment %d: %s assigned at %d before placement %d", no1, o->id, a->at, o->placed);
        if (a->pickup < o->ready)
            violation(k->rep, "assignment %d: pickup %d before %s ready %d", no1, a->pickup, o->id, o->ready);
        int d = k->odrop[a->order[q]];
        if (d < 0) {
            violation(k->rep, "assignment %d: %s has no drop-off", no1, o->id);
            continue;
        }
        if (q > 0 && d < prevdrop + m->dropoff_service)
            violation(k->rep, "assignment %d: drop-offs out of sequence at %s", no1, o->id);
        prevdrop = d;
    }
    if (a->n > 0) {
        int rest = k->no + m->o[a->order[0]].rest;
        const tl *t = &k->tls[a->courier];
        if (t->n == 0 || tl_at(t, a->pickup) != rest)
            violation(k->rep, "assignment %d: %s not at %s at pickup %d", no1, m->c[a->courier].id,
                      m->r[rest - k->no].id, a->pickup);
    }
}

/* Every delivered order: its courier at the customer at drop-off time. */
static void check_dropoffs(chk *k)
{
    const disp_mdrp *m = k->m;
    for (int o = 0; o < k->no; o++) {
        if (k->odrop[o] < 0) continue;
        const tl *t = &k->tls[k->ocour[o]];
        if (t->n == 0 || tl_at(t, k->odrop[o]) != o)
            violation(k->rep, "order %s: %s not at the customer at drop-off %d", m->o[o].id, m->c[k->ocour[o]].id,
                      k->odrop[o]);
    }
}

/* Check the three files read into fa, fo, fc (their text is cut up). */
static void check_solution(const disp_mdrp *m, buf *fa, buf *fo, buf *fc, disp_mdrp_report *rep)
{
    int no = m->no, nc = m->ncour;
    chk k = {.m = m, .rep = rep, .no = no, .nc = nc, .cbase = m->no + m->nr};
    k.in_assign = mem_calloc((size_t)(no + 1), sizeof(int));
    k.opick = mem_alloc(sizeof(int) * (size_t)(no + 1));
    k.odrop = mem_alloc(sizeof(int) * (size_t)(no + 1));
    k.ocour = mem_alloc(sizeof(int) * (size_t)(no + 1));
    k.tls = mem_calloc((size_t)(nc + 1), sizeof(tl));
    k.bundles = mem_calloc((size_t)(nc + 1), sizeof(int));
    k.drive = mem_calloc((size_t)(nc + 1), sizeof(double));
    for (int o = 0; o < no; o++) k.opick[o] = k.odrop[o] = k.ocour[o] = -1;

    read_assignments(&k, fa->data);
    read_orders(&k, fo->data);
    read_moves(&k, fc->data);
    for (int a = 0; a < k.na; a++) check_assignment(&k, &k.as[a], a + 1);
    check_dropoffs(&k);
    disp_mdrp_figures(m, k.opick, k.odrop, k.ocour, k.bundles, k.drive, rep);

    free(k.as);
    free(k.in_assign);
    free(k.opick);
    free(k.odrop);
    free(k.ocour);
    for (int c = 0; c < nc; c++) {
        free(k.tls[c].t);
        free(k.tls[c].place);
    }
    free(k.tls);
    free(k.bundles);
    free(k.drive);
}

int disp_mdrp_check(const disp_mdrp *m, const char *soldir, disp_mdrp_report *rep, vis_err *err)
{
    memset(rep, 0, sizeof(*rep));
    buf_init(&rep->msgs);
    rep->feasible = 1;
    rep->orders = m->no;
    buf fa, fo, fc;
    int rc = read_lines(soldir, "solution_info_assignments.txt", &fa, err);
    if (!rc)
        rc = read_lines(soldir, "solution_info_orders.txt", &fo, err);
    else
        buf_init(&fo);
    if (!rc)
        rc = read_lines(soldir, "solution_info_couriers.txt", &fc, err);
    else
        buf_init(&fc);
    if (!rc) check_solution(m, &fa, &fo, &fc, rep);
    buf_free(&fa);
    buf_free(&fo);
    buf_free(&fc);
    return rc;
}
