/*
 * modc_model — the moderation pre-filter: multinomial logistic regression
 * (softmax) over hashed word and character n-grams (modc_text.h), trained
 * online by AdaGrad.
 *
 * Designed for online use by the platform:
 *   - modc_model_new() with the class (category) names;
 *   - modc_update() with one labelled text each time a moderator decides;
 *   - modc_predict() gives per-class probabilities (reentrant: a const model
 *     can serve many threads; it allocates nothing and streams the hashed
 *     features straight into the dot products);
 *   - modc_decide() says whether a prediction is confident enough to act on
 *     alone (per-class thresholds on the top posterior, and an optional mask
 *     of the actions the operator allowed), otherwise -1: send to a human;
 *   - modc_save()/modc_load() persist the whole learning state (weights,
 *     AdaGrad accumulators, class counts) in a byte buffer, so learning
 *     continues where it stopped after a restart.
 * modc_train() is the offline path: several shuffled passes over
 * pre-featurized texts.
 *
 * Learning: for an example x with label y and probabilities p = softmax(Wx+b)
 * the gradient of the weighted cross-entropy is c_y (p - e_y) x^T, where c_y
 * is the class weight. AdaGrad scales each coordinate's step by
 * lr / sqrt(sum of its squared past gradients). L2 regularisation (l2 * w)
 * is applied to the weights an example touches (the usual sparse "lazy"
 * form), the bias is not regularised.
 *
 * Offline training (modc_train) returns the average of the iterates of all
 * its steps (Polyak-Ruppert averaging, computed exactly with one running sum
 * per weight) rather than the last one: it damps the noise of the stochastic
 * steps. Online updates (modc_update) use the current iterate.
 *
 * Class weights counter the imbalance of moderation data (a small harmful
 * class among many benign or merely rude texts): c_k = ((N/K) / n_k)^balance,
 * clamped to [1/max_class_weight, max_class_weight], where n_k is the number
 * of examples of class k learned so far and N their total. balance = 0 is
 * plain maximum likelihood, 1 is fully "balanced" weighting; the default,
 * 0.5, is the geometric middle, a common compromise that raises the recall
 * of rare classes without giving up the calibration of the posteriors
 * altogether (auto-decisions rely on them).
 *
 * Model file format (all integers and floats little-endian): magic
 * "VISMODC1", u32 format version, the parameters, the class names (u32
 * length + bytes), u64 counts, bias and its accumulators, the decision
 * offsets (f64) and the temperature (f64, format 4), then only the
 * non-zero rows (u32 bucket, K f32 weights, K f32 accumulators, and with
 * feature weighting K f32 scales), and a u64
 * FNV-1a checksum of everything before it. modc_load() checks every length
 * and the checksum and returns VIS_EINVAL on any damage.
 */
#ifndef VIS_MODERATION_MODC_MODEL_H
#define VIS_MODERATION_MODC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "moderation/modc_text.h"

#define MODC_CLASSES_MAX 64
#define MODC_CLASS_NAME_MAX 255

/*
 * Default auto-decision threshold on the top posterior probability: the
 * classifier acts alone only when it puts at least 95% probability on one
 * class, i.e. when its own estimate of its error is at most 5% — the
 * conventional 5% level. It is a statement about the model's confidence,
 * not a value fitted to any data set; operators can set stricter
 * per-category thresholds, and the audit share measures the real error.
 */
#define MODC_DEFAULT_THRESHOLD 0.95

/* Feature weighting (modc_params.weighting): per-bucket, per-class scales s
 * that multiply a feature's value before the linear model, logit_c = b_c +
 * sum_j w_jc s_jc x_j. They are corpus statistics, computed once by the
 * first offline training of a model (modc_train_run) from its training set
 * alone, and frozen: later online updates (modc_update) learn the weights
 * under the frozen scales. Buckets never seen in that training set, and
 * every bucket of a model that was never trained offline, have scale 1 (the
 * plain model), so online learning of new vocabulary works as without
 * weighting.
 *   MODC_WEIGHT_NB: naive-Bayes log-count ratios (Wang & Manning 2012,
 *     NB-LR), one-vs-rest per class: with f_jc the number of training texts
 *     of class c containing bucket j and g_jc that of the other classes,
 *     s_jc = log(((f_jc + a) / |f_c + a|_1) / ((g_jc + a) / |g_c + a|_1)),
 *     smoothing a = nb_alpha, the L1 norms over the buckets seen in training
 *     (the training vocabulary, as in the paper).
 *   MODC_WEIGHT_IDF: inverse document frequency, the same for every class,
 *     s_j = ln((1 + N) / (1 + df_j)) + 1 ("smooth" IDF). */
enum { MODC_WEIGHT_NONE = 0, MODC_WEIGHT_NB = 1, MODC_WEIGHT_IDF = 2 };

typedef struct modc_params {
    modc_feat_cfg feat;
    double lr;               /* AdaGrad step size */
    double acc0;             /* AdaGrad initial accumulator (> 0): damps the
                              * first steps of rare features, which plain
                              * AdaGrad moves by a full lr at first sight */
    double l2;               /* L2 penalty on touched weights, per update */
    double l1;               /* L1 penalty (proximal step), per update */
    double balance;          /* class-weight exponent, 0..1 */
    double max_class_weight; /* clamp of class weights, >= 1 */
    unsigned epochs;         /* passes of offline training (modc_train) */
    bool average;            /* modc_train keeps the average of the iterates */
    unsigned avg_from;       /* ... of the epochs from this one (0-based) on */
    unsigned weighting;      /* MODC_WEIGHT_* (see above) */
    double nb_alpha;         /* NB smoothing, > 0 */
} modc_params;

/* Defaults (for a model that learns online): 2^20 buckets, word
 * unigrams+bigrams, character 2..5-grams, lr 0.5, initial accumulator 0.1,
 * l2 1e-6, no l1, balance 0.5, max class weight 10, 5 epochs, averaging on,
 * NB feature weighting (nb_alpha 1; the scales exist only once an offline
 * training computes them, so a model that only learns online is the plain
 * model). Memory: 2^bits * 3 * nclasses floats (36 MiB at the defaults with
 * 3 classes), 4 once scaled (48 MiB). */
void modc_params_default(modc_params *p);

/* The L2 penalty of offline fitting (modc_cv_opts_default, 'visible
 * moderation train'): chosen by inner validation (modc_fit_opts.select_l2)
 * for the averaged, NB-weighted offline model. Online learning from scratch
 * keeps params' default 1e-6: with 3e-3 a model learned in one online pass
 * is far less confident (docs/moderation-classifier.md). */
#define MODC_OFFLINE_L2 3e-3
int modc_params_check(const modc_params *p, vis_err *err);

typedef struct modc_model modc_model;

/* A new zero model over nclasses (2..MODC_CLASSES_MAX) distinct, non-empty
 * class names (copied). p NULL = defaults. */
int modc_model_new(modc_model **out, const modc_params *p, const char *const *classes,
                   size_t nclasses, vis_err *err);
void modc_model_free(modc_model *m);
/* Forget everything learned (weights, accumulators, counts, feature
 * scales). */
void modc_model_reset(modc_model *m);

size_t modc_model_nclasses(const modc_model *m);
const char *modc_model_class(const modc_model *m, size_t k);
/* Index of the class named name, or -1. */
int modc_model_class_index(const modc_model *m, const char *name);
const modc_params *modc_model_params(const modc_model *m);
/* Number of examples learned per class (online updates and offline passes
 * count once per example, not per epoch). */
uint64_t modc_model_count(const modc_model *m, size_t k);

/* Learn one labelled text (online). 0 or VIS_EINVAL (bad label). */
int modc_update(modc_model *m, const char *text, size_t len, size_t label, vis_err *err);

/* Learn one text from a distribution over the classes rather than one label:
 * target[nclasses] are non-negative weights, not all 0 (normalised here),
 * e.g. the votes of several moderators on the same item. The model then
 * learns to predict the share of moderators who would choose each class
 * (cross-entropy with soft targets). The class counts (class weights) count
 * the item once, for its top class. 0 or VIS_EINVAL. */
int modc_update_soft(modc_model *m, const char *text, size_t len, const double *target,
                     vis_err *err);

/* Class probabilities of text into probs[nclasses]. */
void modc_predict(const modc_model *m, const char *text, size_t len, double *probs);
/* The same from a featurized vector (same feature config). */
void modc_predict_vec(const modc_model *m, const modc_fvec *x, double *probs);

/* Offline training: params.epochs shuffled passes (seeded, deterministic)
 * over the examples xs[i], labels[i] for i in subset[0..nsub) (subset NULL:
 * all n). Class weights come from the counts after adding this set. */
int modc_train(modc_model *m, const modc_fvec *xs, const size_t *labels, size_t n,
               const size_t *subset, size_t nsub, uint64_t seed, vis_err *err);
/* The same with soft targets: soft[e * nclasses + c] (rows of non-negative
 * weights, normalised here) replace the one-hot labels; labels[] still give
 * each example's top class for the class counts. soft NULL = modc_train. */
int modc_train_soft(modc_model *m, const modc_fvec *xs, const size_t *labels, const float *soft,
                    size_t n, const size_t *subset, size_t nsub, uint64_t seed, vis_err *err);

/* The examples of an offline training set: featurized texts xs[n], their
 * labels (top class) and, optionally, soft targets soft[n * nclasses]. */
typedef struct modc_train_data {
    const modc_fvec *xs;
    const size_t *labels;
    const float *soft;   /* NULL: one-hot labels */
    size_t n;
} modc_train_data;

/* The general offline trainer behind modc_train: `epochs` shuffled passes
 * over td's examples subset[0..nsub) (NULL: all). When val[0..nval) is given,
 * after each epoch the model (averaged as it would be if training stopped
 * there) predicts those examples: val_loss[epoch] (if not NULL) receives
 * their class-weighted mean log-loss and val_probs (if not NULL, epochs *
 * nval * nclasses) their probabilities; with patience > 0, training stops
 * once the loss has not improved for `patience` epochs (later val_loss
 * entries are set to +inf). */
int modc_train_run(modc_model *m, const modc_train_data *td, const size_t *subset, size_t nsub,
                   unsigned epochs, uint64_t seed, const size_t *val, size_t nval,
                   unsigned patience, double *val_loss, double *val_probs, vis_err *err);

/* Change the L2 penalty of a model (for the offline fitting procedure,
 * which may choose it on held-out data); ignored unless 0 <= l2 < 1. */
void modc_model_set_l2(modc_model *m, double l2);

/* True once the feature scales have been computed (weighting != NONE). */
bool modc_model_scaled(const modc_model *m);
/* The scale of bucket j for class c (1 without weighting). */
float modc_model_scale(const modc_model *m, size_t j, size_t c);

/* Decision offsets: the predicted class of probabilities p is
 * argmax_c log p_c + offset_c (modc_classify). All 0 (plain argmax) until
 * set; offline fitting (modc_fit.h) sets them so that the decisions
 * maximise macro F1 on held-out data. Saved with the model. */
void modc_set_offsets(modc_model *m, const double *offsets);
const double *modc_offsets(const modc_model *m);
size_t modc_classify(const modc_model *m, const double *probs);
/* argmax_c log probs[c] + offset[c] over k classes (the rule above, for any offsets) */
size_t modc_argmax_offset(const double *probs, const double *offset, size_t k);

/* Calibration temperature T: predictions are softmax(logits / T). 1 until
 * set; offline fitting (modc_fit.h) may fit it on held-out data so that the
 * probabilities the auto-decision thresholds are calibrated. Learning is
 * unaffected (it works on the model's own logits). Saved with the model.
 * Values outside [MODC_TEMP_MIN, MODC_TEMP_MAX] or not finite set 1. */
#define MODC_TEMP_MIN 0.05
#define MODC_TEMP_MAX 20.0
void modc_set_temperature(modc_model *m, double t);
double modc_temperature(const modc_model *m);

/* The class to decide automatically, or -1 to send to a human: the top
 * class k if probs[k] >= thresholds[k] (thresholds NULL: every class at
 * MODC_DEFAULT_THRESHOLD) and the action is allowed (allowed NULL: all). */
int modc_decide(const double *probs, size_t nclasses, const double *thresholds,
                const bool *allowed);

/* Append the model to out / rebuild one from bytes. */
int modc_save(const modc_model *m, buf *out, vis_err *err);
int modc_load(modc_model **out, const void *data, size_t len, vis_err *err);

/* splitmix64: the deterministic generator used for shuffles and folds. */
static inline uint64_t modc_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
/* Uniform in [0, n), n > 0. */
static inline size_t modc_rand_below(uint64_t *state, size_t n)
{
    return (size_t)(modc_rand(state) % n);
}

#endif
