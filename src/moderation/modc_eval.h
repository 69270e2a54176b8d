/*
 * modc_eval — measuring the moderation classifier: classification metrics
 * and stratified k-fold cross-validation.
 *
 * modc_metrics accumulates (truth, prediction, auto-decided?) triples in a
 * confusion matrix and derives per-class precision / recall / F1, accuracy,
 * macro F1 (unweighted mean over classes), weighted F1 (mean weighted by
 * each class's support), the share of items the classifier would decide
 * alone and its accuracy on that share. The platform can use the same
 * structure to publish the error rate measured on audited decisions.
 *
 * Cross-validation: examples are split into `folds` parts stratified by
 * class (each class's examples are shuffled with a fixed seed and dealt
 * round-robin, continuing across classes, so every fold has each class's
 * share to within one example). For each fold a model is fitted on the other
 * folds alone (modc_fit: inner validation split, early stopping, decision
 * offsets, all from those folds) and predicts the held-out fold: an item is
 * counted with the class that would be acted on, i.e. the auto-decided
 * class when the top posterior reaches the threshold (modc_decide), else
 * the model's decision rule (modc_classify); the metrics are pooled over all
 * held-out predictions, and can also be had fold by fold (their spread says
 * how far a figure measured on one held-out part, such as a published
 * single split, can stray from the pooled one). Every text is featurized once. The folds are
 * trained in parallel threads (modc_cv_opts.threads), each with its own
 * model; every fold is deterministic for its seed, so the whole procedure
 * is deterministic for a given seed whatever the number of threads.
 */
#ifndef VIS_MODERATION_MODC_EVAL_H
#define VIS_MODERATION_MODC_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "moderation/modc_data.h"
#include "moderation/modc_fit.h"
#include "moderation/modc_model.h"

typedef struct modc_class_metrics {
    double precision, recall, f1; /* 0 when undefined (no support / no predictions) */
    size_t support;               /* true examples of the class */
    size_t predicted;             /* examples predicted as the class */
} modc_class_metrics;

typedef struct modc_metrics {
    size_t k, n;
    size_t *confusion;            /* k*k counts, [truth * k + prediction] */
    modc_class_metrics *per_class;
    double accuracy, macro_f1, weighted_f1;
    size_t n_auto, n_auto_correct;
    double auto_share, auto_accuracy; /* auto_accuracy 0 when n_auto = 0 */
} modc_metrics;

int modc_metrics_init(modc_metrics *m, size_t k);
void modc_metrics_free(modc_metrics *m);
/* Record one item (truth, pred < k); automatic = it would be auto-decided. */
void modc_metrics_add(modc_metrics *m, size_t truth, size_t pred, bool automatic);
/* Compute the derived figures from the counts. */
void modc_metrics_finish(modc_metrics *m);

/* Assign each of the n examples to a fold in [0, folds): stratified by
 * label (< nclasses), deterministic for a seed. 2 <= folds <= n. */
int modc_stratified_folds(const size_t *labels, size_t n, size_t nclasses, size_t folds,
                          uint64_t seed, size_t *fold_of, vis_err *err);

typedef struct modc_cv_opts {
    modc_params params;
    modc_fit_opts fit;  /* the fitting procedure run on each training part */
    size_t folds;       /* default 10 */
    double threshold;   /* auto-decision threshold for every class */
    uint64_t seed;      /* folds and shuffles */
    bool votes;         /* train on the vote distributions when the data has
                         * them (default false: see docs) */
    unsigned *epochs;   /* NULL, or folds entries: receives the number of
                         * passes chosen for each fold */
    double *l2;         /* NULL, or folds entries: receives the L2 penalty
                         * of each fold's model (chosen with fit.select_l2) */
    double *oof;        /* NULL, or n * nclasses: receives each example's
                         * held-out class probabilities */
    modc_metrics *per_fold; /* NULL, or folds entries: receives the metrics
                         * of each held-out fold alone (the spread of the
                         * pooled figures; free each with modc_metrics_free;
                         * left zeroed on failure) */
    bool stack;         /* an experiment: a stacked ensemble (modc_stack.h)
                         * of modc_stack_bases(params) instead of one model;
                         * fit.val_share is its inner split */
    size_t threads;     /* folds trained in parallel, each with its own model
                         * (memory: one model per thread); 0 = the number of
                         * online CPUs (modc_cv_default_threads). The result
                         * does not depend on it. */
} modc_cv_opts;

#define MODC_CV_THREADS_MAX 16
/* The number of online CPUs, 1..MODC_CV_THREADS_MAX. */
size_t modc_cv_default_threads(void);

/* Defaults: default params with the offline L2 (MODC_OFFLINE_L2), the
 * default fitting procedure (modc_fit_opts_default), 10 folds,
 * MODC_DEFAULT_THRESHOLD, seed 1, threads 0 (all online CPUs). */
void modc_cv_opts_default(modc_cv_opts *o);

/* Cross-validate on d; out is initialised here (free with
 * modc_metrics_free). */
int modc_cross_validate(const modc_dataset *d, const modc_cv_opts *o, modc_metrics *out,
                        vis_err *err);

#endif
