/*
 * modc_fit — the offline fitting procedure of the moderation classifier:
 * everything that is learned from a labelled training set, learned from the
 * training set alone (so that cross-validation, modc_eval.h, is honest).
 *
 * modc_fit(train set):
 *   1. split the training set, stratified by class, into an inner training
 *      part and an inner validation part (val_share of each class, at least
 *      one example of each class that has two or more);
 *   2. train a model on the inner part for up to params.epochs passes,
 *      measuring the class-weighted log-loss of the held-out part after each
 *      pass (early stopping, patience 1): the number of passes that gives
 *      the lowest held-out loss is kept;
 *   3. optionally (calibrate) fit a calibration temperature T on the
 *      held-out predictions: predictions become softmax(logits / T), T
 *      minimising their (unweighted) log-loss, so that the top posterior the
 *      auto-decision thresholds means what it says; then, with the
 *      (calibrated) held-out predictions of that model, fit the decision
 *      offsets (modc_set_offsets): per-class additive log-offsets, found by
 *      coordinate ascent of the held-out macro F1 over a grid, the most
 *      frequent class fixed at 0, ties broken by the middle of the best run
 *      of grid values;
 *   4. train the returned model from scratch on the whole training set for
 *      the chosen number of passes, and give it that temperature and those
 *      offsets.
 * Optionally (select_l2, an experiment) step 2 is run for every L2 penalty
 * of a small grid and the penalty with the lowest held-out loss (after the
 * chosen number of passes) is kept for steps 3 and 4.
 * The inner split and the shuffles are deterministic for a seed. Soft
 * targets (vote shares), when given, are what the models learn; the
 * held-out loss and the offsets are always measured against the labels.
 *
 * Why offsets: the training is class-weighted, and the probabilities are
 * the right thing to threshold for auto-decisions, but the class that
 * maximises macro F1 is not the argmax of calibrated posteriors when the
 * classes are imbalanced (the F1-optimal rule is argmax_c of
 * (2 p_c - F_c) / (n_c + m_c) at the optimum, a per-class reweighting, which
 * log-offsets approximate); they are fitted on held-out data so that
 * nothing about the evaluation data leaks in.
 */
#ifndef VIS_MODERATION_MODC_FIT_H
#define VIS_MODERATION_MODC_FIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "moderation/modc_model.h"

typedef struct modc_fit_opts {
    double val_share;    /* inner validation share, (0, 0.5]; default 0.1 */
    bool early_stop;     /* choose the number of passes (else params.epochs) */
    bool offsets;        /* fit decision offsets (else all 0) */
    bool calibrate;      /* fit a calibration temperature (else 1) */
    bool select_l2;      /* choose the L2 penalty among MODC_FIT_L2_GRID by
                          * the held-out loss (else params.l2) */
} modc_fit_opts;

/* The L2 penalties tried by select_l2 (an experiment: one inner model per
 * value, so it multiplies the fitting time). */
#define MODC_FIT_L2_GRID {1e-6, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2}

/* Defaults: val_share 0.1, early_stop and offsets OFF — both were measured
 * on the Davidson data (docs/moderation-classifier.md) and neither helped
 * enough to pay for itself there: early stopping raised hate F1 but cost
 * auto-decided share and weighted F1; offsets fitted on a 10% split were
 * too noisy and lowered macro F1. With both off, modc_fit is exactly
 * modc_train_run for params.epochs. */

void modc_fit_opts_default(modc_fit_opts *o);

typedef struct modc_fit_report {
    unsigned epochs;                      /* passes of the returned model */
    double val_loss[64];                  /* held-out loss after each pass
                                           * (first min(epochs cap, 64)) */
    double offsets[MODC_CLASSES_MAX];     /* fitted decision offsets */
    double val_macro_f1;                  /* held-out macro F1 with them */
    bool inner;                           /* an inner split was used */
    double l2;                            /* L2 penalty of the returned model */
    double temperature;                   /* its calibration temperature */
    double l2_loss[16];                   /* select_l2: held-out loss per grid value */
} modc_fit_report;

/* Fit m (reset first) on td's examples subset[0..nsub) (NULL: all). rep may
 * be NULL. With fewer than 20 examples, or fewer than 2 classes present, no
 * inner split is made: plain modc_train_run for params.epochs, offsets 0. */
int modc_fit(modc_model *m, const modc_train_data *td, const size_t *subset, size_t nsub,
             const modc_fit_opts *o, uint64_t seed, modc_fit_report *rep, vis_err *err);

/* The temperature t in [1/4, 4] minimising the mean log-loss of labels[n]
 * under softmax(log probs / t) (temperature scaling, Guo et al. 2017). */
double modc_fit_temperature(const double *probs, const size_t *labels, size_t n, size_t k);

/* The inner split of step 1: td's examples subset[0..nsub) (NULL: all)
 * dealt, stratified by class, into tr[*ntr] and va[*nva] (each of nsub
 * entries), share of each class held out (at least 1 of a class with 2 or
 * more). Deterministic for a seed. */
void modc_fit_inner_split(const modc_train_data *td, const size_t *subset, size_t nsub, size_t k,
                         double share, uint64_t seed, size_t *tr, size_t *ntr, size_t *va,
                         size_t *nva);

/* Decision offsets maximising the macro F1 of argmax_c log p_c + off_c over
 * n examples with probabilities probs[n * k] and labels[n] (see above).
 * Returns the macro F1 reached. */
double modc_fit_offsets(const double *probs, const size_t *labels, size_t n, size_t k,
                        double *offsets);

#endif
