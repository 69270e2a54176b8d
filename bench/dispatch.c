/*
 * bench/dispatch — figures for the dispatch engine.
 *
 *  1. Dense assignment: disp_lap_dense vs scipy.optimize.linear_sum_assignment
 *     (Debian python3-scipy, via bench/lap_scipy.py) on the same random
 *     integer-valued n x n matrices, n = 1000, 2000, 4000: both totals (they
 *     must be equal) and the time ratio. Skipped with a note without scipy.
 *  2. A live epoch: 10,000 idle couriers, 5,000 open jobs from 1,000
 *     restaurants in a 20 km square; disp_epoch with the sparse solver.
 *  3. The MDRP simulator on the six shared instances and on a synthetic
 *     3,213-order instance built from the largest shared one (orders and
 *     couriers replicated with jittered times and positions).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dispatch/disp_engine.h"
#include "dispatch/disp_lap.h"
#include "dispatch/disp_mdrp.h"
#include "dispatch/disp_sim.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t rng_s = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng_s ^= rng_s << 13; rng_s ^= rng_s >> 7; rng_s ^= rng_s << 17;
    return rng_s;
}

static const char *python(void)
{
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

static void bench_dense(const char *tmpdir)
{
    int sizes[] = { 1000, 2000, 4000 };
    for (int s = 0; s < 3; s++) {
        int n = sizes[s];
        double *c = malloc(sizeof(double) * (size_t)n * n);
        int *rc = malloc(sizeof(int) * (size_t)n);
        if (!c || !rc) { printf("dense n=%d: out of memory\n", n); free(c); free(rc); return; }
        for (size_t k = 0; k < (size_t)n * n; k++) c[k] = (double)(rnd() % 1000000);
        double total = 0, t0 = now_s();
        vis_err e;
        int st = disp_lap_dense(n, n, c, rc, &total, &e);
        double ours = now_s() - t0;
        if (st) { printf("dense n=%d: %s\n", n, e.msg); free(c); free(rc); return; }
        char path[512], cmd[1200], line[256] = "";
        snprintf(path, sizeof(path), "%s/lap_%d.f64", tmpdir, n);
        FILE *f = fopen(path, "wb");
        int wrote = f && fwrite(c, sizeof(double), (size_t)n * n, f) == (size_t)n * n;
        if (f) fclose(f);
        if (wrote) {
            snprintf(cmd, sizeof(cmd), "%s bench/lap_scipy.py %s %d 2>&1", python(), path, n);
            FILE *p = popen(cmd, "r");
            if (p) {
                if (!fgets(line, sizeof(line), p)) line[0] = 0;
                pclose(p);
            }
        }
        unlink(path);
        double stot = 0, stime = 0;
        if (sscanf(line, "total=%lf seconds=%lf", &stot, &stime) == 2) {
            printf("dense LAP n=%d: ours %.3f s, scipy %.3f s, ratio ours/scipy %.2f, "
                   "totals %.0f vs %.0f (%s)\n", n, ours, stime, ours / stime, total, stot,
                   total == stot ? "equal" : "DIFFERENT");
        } else {
            line[strcspn(line, "\n")] = 0;
            printf("dense LAP n=%d: ours %.3f s, total %.0f; scipy comparison skipped: %s\n",
                   n, ours, total, line[0] ? line : "python3 failed");
        }
        free(c);
        free(rc);
    }
}

static void bench_live(void)
{
    disp_params p;
    disp_params_default(&p);
    disp_state st;
    disp_state_init(&st);
    const int NC = 10000, NJ = 5000, NR = 1000;
    const double W = 20000;
    double rx[1000], ry[1000];
    for (int r = 0; r < NR; r++) { rx[r] = (double)(rnd() % 20000); ry[r] = (double)(rnd() % 20000); }
    int64_t now = 1700000000000LL;
    for (int k = 0; k < NC; k++) {
        disp_courier c = { 0 };
        c.id = k;
        c.state = DISP_C_IDLE;
        c.x = (double)(rnd() % (uint64_t)W);
        c.y = (double)(rnd() % (uint64_t)W);
        c.on_ms = now - 3600000;
        c.off_ms = INT64_MAX;
        c.idle_since_ms = now - (int64_t)(rnd() % 1800000);
        disp_add_courier(&st, &c);
    }
    for (int k = 0; k < NJ; k++) {
        disp_job j = { 0 };
        int r = (int)(rnd() % NR);
        j.id = k;
        j.place = r;
        j.px = rx[r];
        j.py = ry[r];
        j.dx = fmin(W, fmax(0, rx[r] + (double)(rnd() % 6000) - 3000));
        j.dy = fmin(W, fmax(0, ry[r] + (double)(rnd() % 6000) - 3000));
        j.placed_ms = now - (int64_t)(rnd() % 600000);
        j.ready_ms = now + (int64_t)(rnd() % 1200000);
        j.courier = -1;
        disp_add_job(&st, &j);
    }
    disp_decisions d;
    disp_decisions_init(&d);
    vis_err e;
    double t0 = now_s();
    int rc = disp_epoch(&p, &st, now, &d, &e);
    double t = now_s() - t0;
    if (rc) printf("live epoch: %s\n", e.msg);
    else
        printf("live epoch: %d couriers, %d open jobs -> %d bundles, %ld candidates, %s solver: "
               "%.1f ms (%d committed, %d deferred)\n", NC, d.open_jobs, d.bundles, d.candidates,
               d.sparse ? "sparse" : "dense", t * 1000, d.n, d.deferred);
    disp_decisions_free(&d);
    disp_state_free(&st);
}

static double sim_once(const disp_mdrp *m, disp_mdrp_report *rep)
{
    disp_mdrp_sol s;
    vis_err e;
    disp_sim_opts o = { 1, NULL, NULL };
    if (disp_mdrp_sol_init(&s, m, &e)) return -1;
    double t0 = now_s();
    int rc = disp_sim_run(m, &o, &s, rep, NULL, &e);
    double t = now_s() - t0;
    disp_mdrp_sol_free(&s);
    if (rc) { printf("simulate: %s\n", e.msg); return -1; }
    buf_free(&rep->msgs);
    return t;
}

/* Grow m to at least target orders by replicating orders and couriers. */
static int grow_instance(disp_mdrp *m, int target)
{
    int no = m->no, nc = m->ncour;
    int reps = (target + no - 1) / no;
    disp_mdrp_order *o = realloc(m->o, sizeof(*o) * (size_t)no * reps);
    disp_mdrp_courier *c = realloc(m->c, sizeof(*c) * (size_t)nc * reps);
    if (o) m->o = o;
    if (c) m->c = c;
    if (!o || !c) return -1;
    for (int r = 1; r < reps; r++) {
        for (int k = 0; k < no && m->no < target; k++) {
            disp_mdrp_order x = m->o[k];
            snprintf(x.id, sizeof(x.id), "o%d", m->no + 1);
            x.x += (double)(rnd() % 801) - 400;
            x.y += (double)(rnd() % 801) - 400;
            int dt = (int)(rnd() % 21) - 10;
            x.placed += dt;
            x.ready += dt;
            if (x.placed < 0) { x.ready -= x.placed; x.placed = 0; }
            m->o[m->no++] = x;
        }
        for (int k = 0; k < nc; k++) {
            disp_mdrp_courier x = m->c[k];
            snprintf(x.id, sizeof(x.id), "c%d", m->ncour + 1);
            x.x += (double)(rnd() % 801) - 400;
            x.y += (double)(rnd() % 801) - 400;
            m->c[m->ncour++] = x;
        }
    }
    /* no solution files are written: the id hash is not needed */
    return 0;
}

static void bench_sim(void)
{
    const char *names[] = { "0o100t100s1p100", "0o50t100s1p100", "1o100t75s2p100",
                            "2r50t100s1p125", "3o100t100s2p125", "4o50t75s1p100" };
    for (int k = 0; k < 6; k++) {
        char dir[512];
        snprintf(dir, sizeof(dir), "../shared/data/mdrp/%s", names[k]);
        disp_mdrp m;
        vis_err e;
        if (disp_mdrp_read(&m, dir, &e)) { printf("simulate %s: %s\n", names[k], e.msg); continue; }
        disp_mdrp_report rep;
        double t = sim_once(&m, &rep);
        if (t >= 0)
            printf("simulate %s: %d orders, %.3f s, ctd mean %.2f, cost/order %.2f\n",
                   names[k], m.no, t, rep.ctd_mean, rep.cost_per_order);
        if (k == 4 && grow_instance(&m, 3213) == 0) {
            t = sim_once(&m, &rep);
            if (t >= 0)
                printf("simulate synthetic (x3.3 of %s): %d orders, %d couriers, %.3f s "
                       "(target < 2 s), ctd mean %.2f, delivered %d\n",
                       names[k], m.no, m.ncour, t, rep.ctd_mean, rep.delivered);
        }
        disp_mdrp_free(&m);
    }
}

int main(void)
{
    char tmpdir[] = "/tmp/visible-bench-XXXXXX";
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    bench_live();
    bench_sim();
    bench_dense(tmpdir);
    rmdir(tmpdir);
    return 0;
}
