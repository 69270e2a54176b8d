/*
 * truth_int — internals shared by the truth-inference methods.
 *
 * truth_run validates the input, then builds a truth_ctx: the answers
 * regrouped by task in CSR form (t_off[t] .. t_off[t+1] index a_worker[] and
 * a_label[]), per-worker answer counts, the class order used for
 * tie-breaking, and the output arrays. Each method (one file each) fills
 * ctx->post (the posterior, row per task) and the per-worker skill; the
 * common epilogue truth__finish turns posteriors into labels.
 */
#ifndef VIS_TRUTH_TRUTH_INT_H
#define VIS_TRUTH_TRUTH_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "truth/truth.h"

typedef struct truth_ctx {
    const truth_options *opt;
    int32_t T, W, K;
    size_t N;
    size_t *t_off;       /* [T+1] CSR offsets of each task's answers */
    int32_t *a_worker;   /* [N] answers grouped by task */
    int32_t *a_label;    /* [N] */
    const int32_t *gold; /* NULL or [T] */
    int32_t *rank;       /* [K] tie-break rank of each class (0 = wins) */
    double *class_count; /* [K] answers per class over all answers */
    truth_result *out;   /* post = out->posterior, prior = out->prior */
} truth_ctx;

/* Methods: fill out->posterior, out->prior, out->skill (and the method's
 * extra arrays, which they allocate). Allocation failure aborts (base/mem.h). */
void truth__mv(truth_ctx *c);
void truth__wawa(truth_ctx *c);
void truth__ds(truth_ctx *c);
void truth__onecoin(truth_ctx *c);
void truth__glad(truth_ctx *c);
void truth__mace(truth_ctx *c);

/* Posterior rows = vote fractions (weighted by w[worker] when w != NULL);
 * gold rows one-hot; rows without evidence = uniform. */
void truth__vote(truth_ctx *c, const double *w, double *post);
/* Index of the largest entry of row (K entries), ties by c->rank. */
int32_t truth__argmax(const truth_ctx *c, const double *row);
/* If task t has a gold label, make row one-hot and return 1. */
static inline int truth__gold_row(const truth_ctx *c, int32_t t, double *row)
{
    if (!c->gold || c->gold[t] < 0) return 0;
    for (int32_t k = 0; k < c->K; k++) row[k] = 0.0;
    row[c->gold[t]] = 1.0;
    return 1;
}
/* row holds log-probabilities: replace by normalised probabilities and
 * return log Σ exp(row). */
double truth__normalize_log(double *row, int32_t K);
/* Accumulator of Σ log(x_i) for x_i >= 1 without one log() per term: a
 * running product, renormalised by frexp before it can overflow. */
typedef struct truth_logsum {
    double prod;
    long exp2;
} truth_logsum;
static inline void truth__logsum_add(truth_logsum *s, double x)
{
    s->prod *= x;
    if (s->prod > 1e280) {
        int e;
        s->prod = frexp(s->prod, &e);
        s->exp2 += e;
    }
}
static inline double truth__logsum_value(const truth_logsum *s)
{
    return log(s->prod) + (double)s->exp2 * 0.69314718055994530942;
}

/* lp holds K log-probabilities: write the normalised probabilities to row.
 * The log-normaliser log Σ exp(lp) = max + log(se) is returned in pieces:
 * *max_sum += max, se (>= 1) into *ls, and the entropy of row is
 * log(se) − *sel_sum contribution (*sel_sum += Σ p_k (lp_k − max)), so
 * that the caller needs no log() per task. Costs K − 1 exp. */
static inline void truth__posterior(const double *lp, int32_t K, double *row, double *max_sum,
                                    truth_logsum *ls, double *sel_sum)
{
    int32_t mk = 0;
    for (int32_t k = 1; k < K; k++)
        if (lp[k] > lp[mk]) mk = k;
    double m = lp[mk], se = 0, sel = 0;
    for (int32_t k = 0; k < K; k++) {
        double d = lp[k] - m, e = k == mk ? 1.0 : exp(d);
        row[k] = e;
        se += e;
        sel += e * d;
    }
    double inv = 1.0 / se;
    for (int32_t k = 0; k < K; k++) row[k] *= inv;
    *max_sum += m;
    *sel_sum += sel * inv;
    truth__logsum_add(ls, se);
}
/* prior[k] = (Σ_t post[t][k] + s) / (n + K s) over tasks with evidence. */
void truth__update_prior(const truth_ctx *c, const double *post, double s,
                         double *prior);
/* Skill = fraction of each worker's answers equal to the arg-max label. */
void truth__agreement_skill(truth_ctx *c, const double *post, double *skill);
/* Has task t any answer or a gold label? */
static inline int truth__has_evidence(const truth_ctx *c, int32_t t)
{
    return c->t_off[t + 1] > c->t_off[t] || (c->gold && c->gold[t] >= 0);
}
/* Convergence test shared by the EM loops: mean log-likelihood per answer
 * improved by less than tol (|Δ| for the methods whose M-step is
 * approximate). */
int truth__converged(const truth_ctx *c, double ll_prev, double ll);

/* Deterministic PRNG (splitmix64) for MACE's restarts. */
static inline uint64_t truth__rand64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline double truth__rand01(uint64_t *s)
{
    return (double)(truth__rand64(s) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
