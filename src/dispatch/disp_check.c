/* disp_check — the MDRP evaluator's feasibility checks and figures,
 * re-implemented on solution files read back from disk. See disp_mdrp.h. */
#include "dispatch/disp_mdrp.h"

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

static int tl_push(tl *t, int time, int place)
{
    if (t->n == t->cap) {
        int nc = t->cap ? t->cap * 2 : 16;
        int *a = realloc(t->t, sizeof(int) * (size_t)nc);
        if (!a) return -1;
        t->t = a;
        int *b = realloc(t->place, sizeof(int) * (size_t)nc);
        if (!b) return -1;
        t->place = b;
        t->cap = nc;
    }
    t->t[t->n] = time;
    t->place[t->n++] = place;
    return 0;
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

int disp_mdrp_figures(const disp_mdrp *m, const int *opick, const int *odrop,
                      const int *ocour, const int *bundles, const double *drive,
                      disp_mdrp_report *rep)
{
    int no = m->no, nc = m->ncour, nd = 0;
    double *ctd = malloc(sizeof(double) * (size_t)(no + 1));
    int *served = calloc((size_t)(nc + 1), sizeof(int));
    if (!ctd || !served) { free(ctd); free(served); return -1; }
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
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int disp_mdrp_check(const disp_mdrp *m, const char *soldir,
                    disp_mdrp_report *rep, vis_err *err)
{
    memset(rep, 0, sizeof(*rep));
    buf_init(&rep->msgs);
    rep->feasible = 1;
    rep->orders = m->no;
    int no = m->no, nc = m->ncour, cbase = m->no + m->nr;
    buf fa, fo, fc;
    int rc = read_lines(soldir, "solution_info_assignments.txt", &fa, err);
    if (!rc) rc = read_lines(soldir, "solution_info_orders.txt", &fo, err);
    else buf_init(&fo);
    if (!rc) rc = read_lines(soldir, "solution_info_couriers.txt", &fc, err);
    else buf_init(&fc);
    disp_mdrp_assign *as = NULL;
    int na = 0, capa = 0;
    int *in_assign = calloc((size_t)(no + 1), sizeof(int));
    int *opick = malloc(sizeof(int) * (size_t)(no + 1));
    int *odrop = malloc(sizeof(int) * (size_t)(no + 1));
    int *ocour = malloc(sizeof(int) * (size_t)(no + 1));
    tl *tls = calloc((size_t)(nc + 1), sizeof(tl));
    int *bundles = calloc((size_t)(nc + 1), sizeof(int));
    double *drive = calloc((size_t)(nc + 1), sizeof(double));
    if (!in_assign || !opick || !odrop || !ocour || !tls || !bundles || !drive) {
        if (!rc) rc = vis_errf(err, VIS_ENOMEM, NULL, "", "out of memory");
    }
    if (rc) goto out;
    for (int k = 0; k < no; k++) opick[k] = odrop[k] = ocour[k] = -1;

    /* assignments */
    char *save = NULL;
    int line = 0;
    for (char *l = strtok_r(fa.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (++line == 1) continue;
        char *f[DISP_MDRP_MAX_BUNDLE + 4], *s2 = NULL;
        int n = 0;
        for (char *t = strtok_r(l, " \t\r", &s2); t && n < DISP_MDRP_MAX_BUNDLE + 3;
             t = strtok_r(NULL, " \t\r", &s2))
            f[n++] = t;
        if (n == 0) continue;
        disp_mdrp_assign a = { 0 };
        int cl;
        if (n < 4 || !to_int(f[0], &a.at) || !to_int(f[1], &a.pickup) ||
            (cl = disp_mdrp_loc(m, f[2])) < cbase) {
            violation(rep, "assignments line %d: malformed", line);
            continue;
        }
        a.courier = cl - cbase;
        for (int q = 3; q < n; q++) {
            int o = disp_mdrp_loc(m, f[q]);
            if (o < 0 || o >= no) { violation(rep, "assignments line %d: unknown order %s", line, f[q]); continue; }
            a.order[a.n++] = o;
        }
        if (na == capa) {
            int ncap = capa ? capa * 2 : 256;
            disp_mdrp_assign *x = realloc(as, sizeof(*x) * (size_t)ncap);
            if (!x) { rc = vis_errf(err, VIS_ENOMEM, NULL, "", "out of memory"); goto out; }
            as = x;
            capa = ncap;
        }
        as[na++] = a;
    }
    /* orders: header and single spaces exactly */
    save = NULL;
    line = 0;
    for (char *l = strtok_r(fo.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        if (strstr(l, "  ") || strchr(l, '\t'))
            violation(rep, "orders line %d: fields must be separated by one space", line);
        if (line == 1) {
            if (strcmp(l, "order placement_time ready_time pickup_time dropoff_time courier") != 0)
                violation(rep, "orders: bad header");
            continue;
        }
        char *f[8], *s2 = NULL;
        int n = 0;
        for (char *t = strtok_r(l, " \r", &s2); t && n < 8; t = strtok_r(NULL, " \r", &s2)) f[n++] = t;
        int o, pl, rd, pk, dr, c;
        if (n != 6 || (o = disp_mdrp_loc(m, f[0])) < 0 || o >= no || !to_int(f[1], &pl) ||
            !to_int(f[2], &rd) || !to_int(f[3], &pk) || !to_int(f[4], &dr) ||
            (c = disp_mdrp_loc(m, f[5])) < cbase) {
            violation(rep, "orders line %d: malformed", line);
            continue;
        }
        if (odrop[o] >= 0) violation(rep, "orders: %s listed twice", m->o[o].id);
        opick[o] = pk;
        odrop[o] = dr;
        ocour[o] = c - cbase;
    }
    /* courier moves */
    save = NULL;
    line = 0;
    int cur = -1;
    for (char *l = strtok_r(fc.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (++line == 1) continue;
        char *f[6], *s2 = NULL;
        int n = 0;
        for (char *t = strtok_r(l, " \t\r", &s2); t && n < 6; t = strtok_r(NULL, " \t\r", &s2)) f[n++] = t;
        if (n == 0) continue;
        int c, dep, from, to;
        if (n != 4 || (c = disp_mdrp_loc(m, f[0])) < cbase || !to_int(f[1], &dep) ||
            (to = disp_mdrp_loc(m, f[3])) < 0) {
            violation(rep, "couriers line %d: malformed", line);
            continue;
        }
        c -= cbase;
        from = strcmp(f[2], "0") == 0 ? cbase + c : disp_mdrp_loc(m, f[2]);
        if (c != cur) {
            if (cur >= 0) tls[cur].seen = 1;
            if (tls[c].seen) violation(rep, "couriers: moves of %s are not contiguous", m->c[c].id);
            cur = c;
            if (tls[c].n == 0 && tl_push(&tls[c], m->c[c].on, cbase + c)) goto oom;
        }
        tl *t = &tls[c];
        if (from != t->place[t->n - 1])
            violation(rep, "couriers line %d: %s leaves %s but is at %s", line, m->c[c].id,
                      f[2], disp_mdrp_loc_id(m, t->place[t->n - 1]));
        int tt = from >= 0 ? disp_mdrp_tt(m, from, to) : 0;
        drive[c] += tt;
        if (tl_push(t, dep, -2) || tl_push(t, dep + tt, to)) goto oom;
    }
    for (int c = 0; c < nc; c++)
        for (int k = 1; k < tls[c].n; k++)
            if (tls[c].t[k] < tls[c].t[k - 1]) {
                violation(rep, "couriers: %s departs before arriving (time %d)", m->c[c].id, tls[c].t[k]);
                break;
            }
    /* assignment checks */
    for (int k = 0; k < na; k++) {
        const disp_mdrp_assign *a = &as[k];
        bundles[a->courier]++;
        if (a->pickup > m->c[a->courier].off)
            violation(rep, "assignment %d: pickup %d after off time %d", k + 1, a->pickup, m->c[a->courier].off);
        int prevdrop = INT32_MIN;
        for (int q = 0; q < a->n; q++) {
            const disp_mdrp_order *o = &m->o[a->order[q]];
            if (odrop[a->order[q]] >= 0 && in_assign[a->order[q]]++)
                violation(rep, "order %s in more than one assignment", o->id);
            if (a->at < o->placed)
                violation(rep, "assignment %d: %s assigned at %d before placement %d", k + 1, o->id, a->at, o->placed);
            if (a->pickup < o->ready)
                violation(rep, "assignment %d: pickup %d before %s ready %d", k + 1, a->pickup, o->id, o->ready);
            int d = odrop[a->order[q]];
            if (d < 0) { violation(rep, "assignment %d: %s has no drop-off", k + 1, o->id); continue; }
            if (q > 0 && d < prevdrop + m->dropoff_service)
                violation(rep, "assignment %d: drop-offs out of sequence at %s", k + 1, o->id);
            prevdrop = d;
        }
        if (a->n > 0) {
            int rest = no + m->o[a->order[0]].rest;
            if (tls[a->courier].n == 0 || tl_at(&tls[a->courier], a->pickup) != rest)
                violation(rep, "assignment %d: %s not at %s at pickup %d", k + 1,
                          m->c[a->courier].id, m->r[rest - no].id, a->pickup);
        }
    }
    /* drop-off positions */
    for (int o = 0; o < no; o++) {
        if (odrop[o] < 0) continue;
        int c = ocour[o];
        if (tls[c].n == 0 || tl_at(&tls[c], odrop[o]) != o)
            violation(rep, "order %s: %s not at the customer at drop-off %d", m->o[o].id, m->c[c].id, odrop[o]);
    }
    if (disp_mdrp_figures(m, opick, odrop, ocour, bundles, drive, rep)) goto oom;
    goto out;
oom:
    rc = vis_errf(err, VIS_ENOMEM, NULL, "", "out of memory");
out:
    buf_free(&fa);
    buf_free(&fo);
    buf_free(&fc);
    free(as);
    free(in_assign); free(opick); free(odrop); free(ocour);
    if (tls)
        for (int c = 0; c < nc; c++) { free(tls[c].t); free(tls[c].place); }
    free(tls); free(bundles); free(drive);
    return rc;
}
