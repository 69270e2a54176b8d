/*
 * bench/truth — speed and accuracy of the truth-inference methods.
 *
 * 1. Every method on every shared crowd set (../shared/data/crowd from the
 *    repo root; VISIBLE_CROWD_DIR overrides): accuracy against gold.csv,
 *    seconds per run including reading and parsing the CSV (best of several
 *    runs), answers/s, and the speed-up over Crowd-Kit's reference times on
 *    product measured on this machine (DS 2.7 s, GLAD 28 s;
 *    shared/data/README.md).
 * 2. Scale run (skip with --no-scale or VISIBLE_BENCH_NO_SCALE=1): 10 M
 *    answers on 1 M tasks by 10,000 workers with known random confusion
 *    matrices, 4 classes; Dawid–Skene time, peak memory (ru_maxrss), and the
 *    accuracy recovered against the Bayes-optimal accuracy under the true
 *    parameters (what the generator implies) and majority vote.
 * Prints figures only; never fails for slowness.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/buf.h"
#include "truth/truth.h"
#include "truth/truth_csv.h"

#define CK_DS_PRODUCT 2.7   /* s, Crowd-Kit 1.4.1 Dawid–Skene on product */
#define CK_GLAD_PRODUCT 28.0 /* s, Crowd-Kit 1.4.1 GLAD on product */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Read + parse + encode + infer, as `visible aggregate` does. */
static int one_run(const char *labels, truth_method m, truth_data *d, truth_result *r)
{
    buf b;
    buf_init(&b);
    vis_err e = {0};
    truth_data_init(d);
    if (buf_read_file(&b, labels) != 0) {
        buf_free(&b);
        return -1;
    }
    int rc = truth_data_load_answers(d, b.data ? b.data : "", b.len, &e);
    buf_free(&b);
    if (!rc) rc = truth_data_finish(d, &e);
    truth_input in;
    truth_options o;
    truth_options_default(&o, m);
    truth_data_input(d, &in);
    if (!rc) rc = truth_run(&in, &o, r, &e);
    if (rc) {
        fprintf(stderr, "%s: %s\n", labels, e.msg);
        truth_data_free(d);
    }
    return rc;
}

static void shared_sets(const char *dir)
{
    static const char *sets[] = {"product", "rte", "dog", "web"};
    printf("%-8s %-8s %8s %10s %12s %8s  %s\n", "set", "method", "accuracy", "seconds",
           "answers/s", "iters", "vs Crowd-Kit (product reference)");
    for (size_t s = 0; s < sizeof sets / sizeof *sets; s++) {
        char labels[4096], gold[4096];
        snprintf(labels, sizeof labels, "%s/%s/labels.csv", dir, sets[s]);
        snprintf(gold, sizeof gold, "%s/%s/gold.csv", dir, sets[s]);
        buf g;
        buf_init(&g);
        if (buf_read_file(&g, gold) != 0) {
            printf("%-8s missing %s (see shared/data/README.md)\n", sets[s], gold);
            buf_free(&g);
            continue;
        }
        for (int m = 0; m < TRUTH_N_METHODS; m++) {
            double best = INFINITY, acc = 0;
            size_t n = 0;
            int iters = 0, reps = 0;
            for (double spent = 0; reps < 3 || (spent < 0.3 && reps < 50); reps++) {
                truth_data d;
                truth_result r;
                double t0 = now();
                if (one_run(labels, (truth_method)m, &d, &r)) break;
                double dt = now() - t0;
                spent += dt;
                if (dt < best) best = dt;
                if (reps == 0) {
                    size_t ok = 0, tot = 0;
                    vis_err e = {0};
                    if (!truth_data_eval(&d, &r, g.data, g.len, &ok, &tot, &e) && tot)
                        acc = (double)ok / (double)tot;
                    n = d.n;
                    iters = r.iterations;
                }
                truth_result_free(&r);
                truth_data_free(&d);
            }
            if (!isfinite(best)) {
                printf("%-8s %-8s failed\n", sets[s], truth_method_name((truth_method)m));
                continue;
            }
            char ratio[96] = "";
            if (!strcmp(sets[s], "product") && m == TRUTH_DS)
                snprintf(ratio, sizeof ratio, "%.0fx faster than Crowd-Kit DS (%.1f s)",
                         CK_DS_PRODUCT / best, CK_DS_PRODUCT);
            if (!strcmp(sets[s], "product") && m == TRUTH_GLAD)
                snprintf(ratio, sizeof ratio, "%.0fx faster than Crowd-Kit GLAD (%.0f s)",
                         CK_GLAD_PRODUCT / best, CK_GLAD_PRODUCT);
            printf("%-8s %-8s %8.4f %10.4f %12.0f %8d  %s\n", sets[s],
                   truth_method_name((truth_method)m), acc, best, (double)n / best, iters,
                   ratio);
            fflush(stdout);
        }
        buf_free(&g);
    }
}

/* ---- scale run ---- */

static uint64_t rng;
static inline uint64_t rnd64(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline double rnd(void) { return (double)(rnd64() >> 11) * (1.0 / 9007199254740992.0); }

static int32_t draw(const double *cum, int32_t K)
{
    double u = rnd();
    for (int32_t k = 0; k < K - 1; k++)
        if (u < cum[k]) return k;
    return K - 1;
}

static void scale_run(void)
{
    enum { T = 1000000, W = 10000, K = 4, R = 10 };
    const size_t N = (size_t)T * R;
    const double prior[K] = {0.4, 0.3, 0.2, 0.1};
    int32_t *task = malloc(N * sizeof *task), *worker = malloc(N * sizeof *worker);
    int32_t *label = malloc(N * sizeof *label), *truth = malloc(T * sizeof *truth);
    double *conf = malloc((size_t)W * K * K * sizeof *conf);
    double *cum = malloc((size_t)W * K * K * sizeof *cum);
    if (!task || !worker || !label || !truth || !conf || !cum) {
        printf("scale run: out of memory\n");
        goto out;
    }
    rng = 2024;
    double t0 = now();
    /* workers: diagonal uniform in [0.35, 0.9], errors spread at random */
    for (int32_t w = 0; w < W; w++)
        for (int32_t k = 0; k < K; k++) {
            double *row = conf + ((size_t)w * K + k) * K, d = 0.35 + 0.55 * rnd(), tot = 0;
            for (int32_t a = 0; a < K; a++) tot += row[a] = a == k ? 0 : 0.05 + rnd();
            double c = 0;
            for (int32_t a = 0; a < K; a++) {
                row[a] = a == k ? d : (1 - d) * row[a] / tot;
                cum[((size_t)w * K + k) * K + a] = c += row[a];
            }
        }
    double pc[K], c = 0;
    for (int32_t k = 0; k < K; k++) pc[k] = c += prior[k];
    size_t n = 0;
    for (int32_t t = 0; t < T; t++) {
        truth[t] = draw(pc, K);
        int32_t used[R];
        for (int32_t j = 0; j < R;) {
            int32_t w = (int32_t)(rnd64() % W), dup = 0;
            for (int32_t i = 0; i < j; i++) dup |= used[i] == w;
            if (dup) continue;
            used[j++] = w;
            task[n] = t;
            worker[n] = w;
            label[n] = draw(cum + ((size_t)w * K + truth[t]) * K, K);
            n++;
        }
    }
    double tgen = now() - t0;
    /* what the generator implies: the Bayes decision under the true
     * confusions and prior, on this sample */
    size_t bayes_ok = 0;
    for (int32_t t = 0; t < T; t++) {
        double lp[K];
        for (int32_t k = 0; k < K; k++) lp[k] = log(prior[k]);
        for (size_t i = (size_t)t * R; i < (size_t)(t + 1) * R; i++)
            for (int32_t k = 0; k < K; k++)
                lp[k] += log(conf[((size_t)worker[i] * K + k) * K + label[i]]);
        int32_t b = 0;
        for (int32_t k = 1; k < K; k++)
            if (lp[k] > lp[b]) b = k;
        bayes_ok += b == truth[t];
    }
    truth_input in = {.n_tasks = T, .n_workers = W, .n_classes = K, .n_answers = N,
                      .task = task, .worker = worker, .label = label};
    truth_options o;
    truth_result r;
    vis_err e = {0};
    truth_options_default(&o, TRUTH_MV);
    if (truth_run(&in, &o, &r, &e)) {
        printf("scale run: %s\n", e.msg);
        goto out;
    }
    size_t mv_ok = 0;
    for (int32_t t = 0; t < T; t++) mv_ok += r.label[t] == truth[t];
    truth_result_free(&r);

    truth_options_default(&o, TRUTH_DS);
    t0 = now();
    if (truth_run(&in, &o, &r, &e)) {
        printf("scale run: %s\n", e.msg);
        goto out;
    }
    double tds = now() - t0;
    size_t ds_ok = 0;
    double cerr = 0;
    for (int32_t t = 0; t < T; t++) ds_ok += r.label[t] == truth[t];
    for (size_t j = 0; j < (size_t)W * K * K; j++) cerr += fabs(r.confusion[j] - conf[j]);
    cerr /= (double)W * K * K;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\nscale run: %zu answers, %d tasks, %d workers, %d classes (generated in %.2f s)\n",
           N, T, W, K, tgen);
    printf("  Dawid-Skene: %.2f s (%d iterations, %.0f answers/s), peak memory %.0f MiB "
           "(whole process, data included)\n",
           tds, r.iterations, (double)N / tds, ru.ru_maxrss / 1024.0);
    printf("  accuracy: DS %.4f, Bayes-optimal under the true parameters %.4f, "
           "majority vote %.4f\n",
           (double)ds_ok / T, (double)bayes_ok / T, (double)mv_ok / T);
    printf("  mean |estimated - true| confusion entry: %.4f\n", cerr);
    truth_result_free(&r);
out:
    free(task);
    free(worker);
    free(label);
    free(truth);
    free(conf);
    free(cum);
}

int main(int argc, char **argv)
{
    int scale = 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--no-scale")) scale = 0;
    const char *env = getenv("VISIBLE_BENCH_NO_SCALE");
    if (env && *env && strcmp(env, "0")) scale = 0;
    const char *dir = getenv("VISIBLE_CROWD_DIR");
    if (!dir || !*dir) dir = "../shared/data/crowd";
    printf("truth inference on %s (seconds include reading and parsing the CSV)\n", dir);
    shared_sets(dir);
    if (scale) scale_run();
    return 0;
}
