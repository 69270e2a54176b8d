/*
 * modc_stack — a stacked ensemble of moderation classifiers (an experiment
 * measured by `visible moderation eval --stack`; not used by the live
 * service, whose pre-filter is one modc_model).
 *
 * Several base models, each a modc_model over the same hashed features but
 * trained differently (modc_stack_bases), are combined by a meta-model: a
 * multinomial logistic regression whose inputs are the base models' log
 * probabilities (stacked generalisation, Wolpert 1992). Everything is fitted
 * on the training data alone (modc_stack_fit):
 *   1. split the training data into an inner training part and an inner
 *      validation part (modc_fit_inner_split, stratified);
 *   2. fit every base model on the inner training part and let it predict
 *      the inner validation part;
 *   3. fit the meta-model on those held-out predictions (unweighted
 *      log-loss, so that its probabilities stay calibrated for the
 *      auto-decision; small L2; full-batch AdaGrad), then per-class decision
 *      offsets maximising macro F1 on the same predictions (modc_fit.h);
 *   4. refit every base model on the whole training data.
 * Prediction: base models -> log probabilities -> meta-model -> softmax.
 * The auto-decision thresholds the meta-model's top probability, as for one
 * model; the class acted on otherwise is modc_stack_classify's.
 */
#ifndef VIS_MODERATION_MODC_STACK_H
#define VIS_MODERATION_MODC_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "moderation/modc_fit.h"
#include "moderation/modc_model.h"

#define MODC_STACK_MAX 4

typedef struct modc_stack {
    size_t nbase, k;
    modc_model *base[MODC_STACK_MAX];
    modc_fit_opts fit[MODC_STACK_MAX]; /* how each base model is fitted */
    double *w;                         /* k rows of nbase * k + 1 meta weights
                                        * (the last one the bias) */
    double offset[MODC_CLASSES_MAX];   /* decision log-offsets */
} modc_stack;

/* The base models of the experiment, derived from p (same features):
 *   0. p as given, fitted plainly (with the defaults: NB weighting, offline
 *      L2, p.epochs passes);
 *   1. p without feature weighting (kept with TF-IDF features) and with
 *      L2 1e-6 (the first rounds' model: a differently regularised,
 *      differently scaled view);
 *   2. p fitted with early stopping on its own inner split (1-2 passes on
 *      the Davidson data: a less fitted, better ranking view).
 * Fills bp[3] and bo[3]; returns 3. */
size_t modc_stack_bases(const modc_params *p, modc_params *bp, modc_fit_opts *bo);

/* New, unfitted stack of nbase (1..MODC_STACK_MAX) models. */
int modc_stack_init(modc_stack *s, const modc_params *bp, const modc_fit_opts *bo, size_t nbase,
                    const char *const *classes, size_t k, vis_err *err);
void modc_stack_free(modc_stack *s);

/* Fit on td's examples subset[0..nsub) (NULL: all), inner validation share
 * val_share (0, 0.5]. */
int modc_stack_fit(modc_stack *s, const modc_train_data *td, const size_t *subset, size_t nsub,
                   double val_share, uint64_t seed, vis_err *err);

void modc_stack_predict_vec(const modc_stack *s, const modc_fvec *x, double *probs);
/* argmax_c log probs_c + offset_c */
size_t modc_stack_classify(const modc_stack *s, const double *probs);

#endif
