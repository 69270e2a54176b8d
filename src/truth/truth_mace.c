/*
 * truth_mace — MACE, Multi-Annotator Competence Estimation (Hovy et al.,
 * NAACL 2013). Worker w knows the answer with probability theta_w and then
 * gives the true class; otherwise it "spams": answers from its own
 * distribution xi_w over the classes. So
 *   P(answer a | true k) = theta_w [a = k] + (1 − theta_w) xi_w[a].
 * A spammer (theta ≈ 0) carries no information whatever it answers; a
 * worker that always gives the same label is recognised as one.
 *
 * Fitted by variational Bayes as in MACE: priors theta_w ~ Beta(0.5, 0.5),
 * xi_w ~ Dirichlet(1, …, 1); the E-step uses exp(E[log theta]) and
 * exp(E[log xi]) (digamma). Runs 1 + opt.restarts times — first from the
 * majority vote (theta_w = agreement with the MV fractions), then from
 * random parameters drawn with a splitmix64 stream seeded by opt.seed — and
 * keeps the run with the highest final log-likelihood (first one on ties).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "truth/truth_int.h"

#define MACE_A0 0.5 /* Beta prior on theta */
#define MACE_B0 0.5
#define MACE_G0 1.0 /* Dirichlet prior on xi */

static double digamma(double x)
{
    double r = 0;
    while (x < 6) {
        r -= 1 / x;
        x += 1;
    }
    double f = 1 / (x * x);
    return r + log(x) - 0.5 / x -
           f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

typedef struct mace_state {
    double *ka, *kb;  /* [W] Beta posterior of theta */
    double *sc;       /* [W*K] Dirichlet posterior of xi */
    double *base;     /* [W*K] log (1-theta) xi_a */
    double *bonus;    /* [W*K] log(theta + (1-theta) xi_a) - base */
    double *know;     /* [W*K] P(knew | answered a) = theta / (theta + (1-theta) xi_a) */
} mace_state;

/* E-step tables from log-weights of theta, 1-theta and xi. */
static void mace_tables(const truth_ctx *c, mace_state *s, int32_t w, double lt, double l1t,
                        const double *lxi)
{
    int32_t K = c->K;
    for (int32_t a = 0; a < K; a++) {
        double sp = l1t + lxi[a];
        double m = lt > sp ? lt : sp;
        double tot = m + log(exp(lt - m) + exp(sp - m));
        s->base[(size_t)w * K + a] = sp;
        s->bonus[(size_t)w * K + a] = tot - sp;
        s->know[(size_t)w * K + a] = exp(lt - tot);
    }
}

/* VB M-step: digamma expectations from the accumulated counts. */
static void mace_mstep(const truth_ctx *c, mace_state *s, double *lxi)
{
    int32_t K = c->K;
    for (int32_t w = 0; w < c->W; w++) {
        double dab = digamma(s->ka[w] + s->kb[w]);
        const double *sc = s->sc + (size_t)w * K;
        double tot = 0;
        for (int32_t a = 0; a < K; a++) tot += sc[a];
        double dt = digamma(tot);
        for (int32_t a = 0; a < K; a++) lxi[a] = digamma(sc[a]) - dt;
        mace_tables(c, s, w, digamma(s->ka[w]) - dab, digamma(s->kb[w]) - dab, lxi);
    }
}

static void mace_reset_counts(const truth_ctx *c, mace_state *s)
{
    for (int32_t w = 0; w < c->W; w++) {
        s->ka[w] = MACE_A0;
        s->kb[w] = MACE_B0;
        for (int32_t a = 0; a < c->K; a++) s->sc[(size_t)w * c->K + a] = MACE_G0;
    }
}

/* Add one answer's expected counts given the probability q that its label
 * is the true class and the probability kn that a correct answer was known. */
static inline void mace_count(mace_state *s, int32_t K, int32_t w, int32_t a, double q)
{
    double kn = q * s->know[(size_t)w * K + a];
    s->ka[w] += kn;
    s->kb[w] += 1 - kn;
    s->sc[(size_t)w * K + a] += 1 - kn;
}

/* One EM run from the current tables; returns the final log-likelihood. */
static double mace_em(truth_ctx *c, mace_state *s, double *post, double *prior, double *lp,
                      double *lxi, int *iters, int *conv)
{
    *conv = 0;
    int32_t K = c->K;
    double ll = 0, ll_prev = 0;
    for (int it = 1; it <= c->opt->max_iter; it++) {
        double *logprior = lp + K;
        for (int32_t k = 0; k < K; k++) logprior[k] = log(prior[k] > 1e-300 ? prior[k] : 1e-300);
        ll = 0;
        mace_reset_counts(c, s);
        for (int32_t t = 0; t < c->T; t++) {
            if (!truth__has_evidence(c, t)) continue;
            double *row = post + (size_t)t * K, base = 0;
            size_t b = c->t_off[t], e = c->t_off[t + 1];
            memcpy(lp, logprior, (size_t)K * sizeof *lp);
            for (size_t i = b; i < e; i++) {
                size_t j = (size_t)c->a_worker[i] * K + c->a_label[i];
                base += s->base[j];
                lp[c->a_label[i]] += s->bonus[j];
            }
            for (int32_t k = 0; k < K; k++) lp[k] += base;
            if (truth__gold_row(c, t, row))
                ll += lp[c->gold[t]];
            else {
                ll += truth__normalize_log(lp, K);
                memcpy(row, lp, (size_t)K * sizeof *row);
            }
            for (size_t i = b; i < e; i++)
                mace_count(s, K, c->a_worker[i], c->a_label[i], row[c->a_label[i]]);
        }
        truth__update_prior(c, post, c->opt->smoothing, prior);
        mace_mstep(c, s, lxi);
        *iters = it;
        if (it > 1 && truth__converged(c, ll_prev, ll)) {
            *conv = 1;
            break;
        }
        ll_prev = ll;
    }
    return ll;
}

void truth__mace(truth_ctx *c)
{
    truth_result *r = c->out;
    int32_t K = c->K;
    size_t W = (size_t)c->W, WK = W * (size_t)K, TK = (size_t)c->T * K;
    if (!WK) WK = 1;
    mace_state s;
    double *mem = mem_alloc((2 * (W ? W : 1) + 4 * WK) * sizeof *mem);
    double *post = mem_alloc((TK ? TK : 1) * sizeof *post);
    double *prior = mem_alloc((size_t)K * 4 * sizeof *prior);
    double *best_sc = mem_alloc((WK + 2 * (W ? W : 1)) * sizeof *best_sc);
    r->worker_param = mem_alloc((W ? W : 1) * sizeof *r->worker_param);
    s.ka = mem;
    s.kb = mem + (W ? W : 1);
    s.sc = s.kb + (W ? W : 1);
    s.base = s.sc + WK;
    s.bonus = s.base + WK;
    s.know = s.bonus + WK;
    double *lp = prior + K, *lxi = prior + 3 * K;
    double *best_ka = best_sc + WK, *best_kb = best_ka + (W ? W : 1);
    double best_ll = -INFINITY;
    uint64_t rng = c->opt->seed;

    for (int run = 0; run <= c->opt->restarts; run++) {
        if (run == 0) {
            /* from the majority vote: knowing = agreeing with the MV fractions */
            truth__vote(c, NULL, post);
            truth__update_prior(c, post, c->opt->smoothing, prior);
            for (size_t j = 0; j < WK; j++) s.know[j] = 1.0;
            mace_reset_counts(c, &s);
            for (int32_t t = 0; t < c->T; t++)
                for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++)
                    mace_count(&s, K, c->a_worker[i], c->a_label[i],
                               post[(size_t)t * K + c->a_label[i]]);
            mace_mstep(c, &s, lxi);
        } else {
            for (int32_t k = 0; k < K; k++) prior[k] = 1.0 / K;
            for (int32_t w = 0; w < c->W; w++) {
                double th = 0.05 + 0.9 * truth__rand01(&rng), tot = 0;
                for (int32_t a = 0; a < K; a++) tot += lxi[a] = 0.05 + truth__rand01(&rng);
                for (int32_t a = 0; a < K; a++) lxi[a] = log(lxi[a] / tot);
                mace_tables(c, &s, w, log(th), log(1 - th), lxi);
            }
        }
        int iters = 0, conv = 0;
        double ll = mace_em(c, &s, post, prior, lp, lxi, &iters, &conv);
        if (run == 0 || ll > best_ll) {
            best_ll = ll;
            r->iterations = iters;
            r->converged = conv;
            memcpy(r->posterior, post, TK * sizeof *post);
            memcpy(r->prior, prior, (size_t)K * sizeof *prior);
            memcpy(best_sc, s.sc, WK * sizeof *best_sc);
            memcpy(best_ka, s.ka, W * sizeof *best_ka);
            memcpy(best_kb, s.kb, W * sizeof *best_kb);
        }
    }
    r->log_likelihood = best_ll;
    for (size_t w = 0; w < W; w++) {
        double th = best_ka[w] / (best_ka[w] + best_kb[w]), tot = 0, sp = 0;
        for (int32_t a = 0; a < K; a++) tot += best_sc[w * K + a];
        for (int32_t a = 0; a < K; a++) sp += r->prior[a] * best_sc[w * K + a] / tot;
        r->worker_param[w] = th;
        r->skill[w] = th + (1 - th) * sp;
    }
    free(mem);
    free(post);
    free(prior);
    free(best_sc);
}
