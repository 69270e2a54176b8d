/*
 * bench/moderation — the moderation pre-filter classifier on the Davidson
 * et al. (2017) tweets (../shared/data/moderation/davidson_labeled_data.csv):
 *   1. 10-fold stratified cross-validation with the defaults, wall time
 *      (target < 10 s; folds in parallel threads, one per online CPU) and
 *      the figures it measures, then its wall time on one thread;
 *   2. classification throughput on one core: a model trained on all the
 *      tweets classifies every tweet (modc_predict, from raw text: normalise,
 *      hash, score, softmax) several times over; texts/s (target >= 100,000),
 *      for the model learned online and for the model fitted offline with
 *      the defaults (as 'visible moderation train' makes it: NB feature
 *      scales, temperature);
 *   3. online learning throughput (modc_update from raw text, and
 *      modc_update_soft from the annotators' vote shares), texts/s;
 *   4. model save/load size and time.
 * Prints figures only; never fails on slowness.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "moderation/modc_data.h"
#include "moderation/modc_eval.h"
#include "moderation/modc_fit.h"
#include "moderation/modc_model.h"

#define DATA "../shared/data/moderation/davidson_labeled_data.csv"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    modc_dataset d;
    vis_err err;
    vis_err_clear(&err);
    double t0 = now_s();
    if (modc_data_load(&d, DATA, &err)) {
        fprintf(stderr, "bench/moderation: %s: %s\n", DATA, err.msg);
        return 1;
    }
    double t_load = now_s() - t0;
    printf("data: %zu tweets, %zu classes, read and parsed in %.3f s\n", d.n, d.nclasses, t_load);

    /* 1. 10-fold cross-validation */
    modc_cv_opts o;
    modc_cv_opts_default(&o);
    modc_metrics m;
    t0 = now_s();
    if (modc_cross_validate(&d, &o, &m, &err)) {
        fprintf(stderr, "bench/moderation: %s\n", err.msg);
        return 1;
    }
    double t_cv = now_s() - t0;
    printf("10-fold cross-validation: %.2f s with %zu threads (target < 10 s; %.2f s with "
           "loading)\n",
           t_cv, modc_cv_default_threads(), t_cv + t_load);
    for (size_t c = 0; c < m.k; c++)
        printf("  %-10s P %.4f  R %.4f  F1 %.4f  (support %zu)\n", d.classes[c],
               m.per_class[c].precision, m.per_class[c].recall, m.per_class[c].f1,
               m.per_class[c].support);
    printf("  accuracy %.4f  macro F1 %.4f  weighted F1 %.4f\n", m.accuracy, m.macro_f1,
           m.weighted_f1);
    printf("  auto-decided at %.2f: %.1f%% of items, accuracy %.2f%%\n", o.threshold,
           100 * m.auto_share, 100 * m.auto_accuracy);
    modc_metrics_free(&m);
    o.threads = 1;
    t0 = now_s();
    if (modc_cross_validate(&d, &o, &m, &err)) {
        fprintf(stderr, "bench/moderation: %s\n", err.msg);
        return 1;
    }
    printf("10-fold cross-validation on one thread: %.2f s\n", now_s() - t0);
    modc_metrics_free(&m);

    /* 3. online learning from raw text (one pass) */
    modc_model *model;
    if (modc_model_new(&model, &o.params, (const char *const *)d.classes, d.nclasses, &err)) {
        fprintf(stderr, "bench/moderation: %s\n", err.msg);
        return 1;
    }
    t0 = now_s();
    for (unsigned ep = 0; ep < o.params.epochs; ep++)
        for (size_t i = 0; i < d.n; i++)
            if (modc_update(model, d.text[i], d.len[i], d.label[i], &err)) {
                fprintf(stderr, "bench/moderation: %s\n", err.msg);
                return 1;
            }
    double t_up = now_s() - t0;
    printf("online updates (modc_update, raw text): %.0f texts/s\n",
           (double)d.n * o.params.epochs / t_up);
    if (d.soft) { /* soft-target updates from the vote shares, on a scratch model */
        modc_model *sm;
        if (modc_model_new(&sm, &o.params, (const char *const *)d.classes, d.nclasses, &err)) {
            fprintf(stderr, "bench/moderation: %s\n", err.msg);
            return 1;
        }
        double tg[MODC_CLASSES_MAX];
        t0 = now_s();
        for (size_t i = 0; i < d.n; i++) {
            for (size_t c = 0; c < d.nclasses; c++) tg[c] = d.soft[i * d.nclasses + c];
            if (modc_update_soft(sm, d.text[i], d.len[i], tg, &err)) {
                fprintf(stderr, "bench/moderation: %s\n", err.msg);
                return 1;
            }
        }
        printf("online soft-target updates (modc_update_soft, vote shares): %.0f texts/s\n",
               (double)d.n / (now_s() - t0));
        modc_model_free(sm);
    }

    /* 2. classification throughput */
    double probs[MODC_CLASSES_MAX], sink = 0;
    const int reps = 5;
    t0 = now_s();
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i < d.n; i++) {
            modc_predict(model, d.text[i], d.len[i], probs);
            sink += probs[0];
        }
    double t_pred = now_s() - t0;
    size_t bytes = 0;
    for (size_t i = 0; i < d.n; i++) bytes += d.len[i];
    printf("classification (modc_predict, raw text, one core), model learned online: %.0f "
           "texts/s (target >= 100000; mean text %.0f bytes) [%g]\n",
           (double)d.n * reps / t_pred, (double)bytes / (double)d.n, sink > 0 ? 1.0 : 0.0);
    { /* the model fitted offline with the defaults (NB scales, temperature) */
        modc_model *fm;
        modc_fvec *xs = calloc(d.n, sizeof *xs), tmp;
        modc_fvec_init(&tmp);
        if (!xs || modc_model_new(&fm, &o.params, (const char *const *)d.classes, d.nclasses,
                                  &err)) {
            fprintf(stderr, "bench/moderation: cannot make the offline model\n");
            return 1;
        }
        for (size_t i = 0; i < d.n; i++)
            if (modc_featurize(&o.params.feat, d.text[i], d.len[i], &tmp) ||
                modc_fvec_take(&tmp, &xs[i])) {
                fprintf(stderr, "bench/moderation: out of memory\n");
                return 1;
            }
        modc_train_data td = {xs, d.label, NULL, d.n};
        t0 = now_s();
        if (modc_fit(fm, &td, NULL, 0, &o.fit, 1, NULL, &err)) {
            fprintf(stderr, "bench/moderation: %s\n", err.msg);
            return 1;
        }
        double t_fit = now_s() - t0;
        t0 = now_s();
        for (int r = 0; r < reps; r++)
            for (size_t i = 0; i < d.n; i++) {
                modc_predict(fm, d.text[i], d.len[i], probs);
                sink += probs[0];
            }
        t_pred = now_s() - t0;
        printf("classification, model fitted offline (defaults, fitted in %.2f s; temperature "
               "%.3f): %.0f texts/s [%g]\n",
               t_fit, modc_temperature(fm), (double)d.n * reps / t_pred, sink > 0 ? 1.0 : 0.0);
        for (size_t i = 0; i < d.n; i++) modc_fvec_free(&xs[i]);
        free(xs);
        modc_fvec_free(&tmp);
        modc_model_free(fm);
    }

    /* 4. persistence */
    buf b;
    buf_init(&b);
    t0 = now_s();
    if (modc_save(model, &b, &err)) {
        fprintf(stderr, "bench/moderation: %s\n", err.msg);
        return 1;
    }
    double t_save = now_s() - t0;
    modc_model *back;
    t0 = now_s();
    if (modc_load(&back, b.data, b.len, &err)) {
        fprintf(stderr, "bench/moderation: %s\n", err.msg);
        return 1;
    }
    double t_loadm = now_s() - t0;
    printf("model: %zu bytes saved in %.3f s, loaded in %.3f s\n", b.len, t_save, t_loadm);
    modc_model_free(back);
    buf_free(&b);
    modc_model_free(model);
    modc_data_free(&d);
    return 0;
}
