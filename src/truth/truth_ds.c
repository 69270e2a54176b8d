/*
 * truth_ds — Dawid–Skene (1979): each worker w has a confusion matrix
 * C_w[k][a] = P(answer a | true class k), the classes a prior. EM started
 * from the majority-vote fractions (gold tasks one-hot):
 *   M-step  C_w[k][a] = (Σ_{answers of w labelled a} post[t][k] + s)
 *                       / (Σ_{answers of w} post[t][k] + K s)
 *           prior[k]  = (Σ_t post[t][k] + s) / (T + K s)
 *   E-step  post[t][k] ∝ prior[k] · Π_{answers (w, a) of t} C_w[k][a]
 * The E-step of one iteration and the expected counts of the next M-step
 * are computed in a single pass over the answers (grouped by task).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "truth/truth_int.h"

/*
 * Table layout: one row of 2K doubles per (worker w, answer a), so that an
 * answer touches one contiguous stretch (one cache line for K = 4):
 *   tab[(w*K + a)*2K + k]      log C_w[k][a]                (read by the E-step)
 *   tab[(w*K + a)*2K + K + k]  Σ post[t][k] over w's answers a (M-step counts)
 */
#define LOGC(tab, K, w, a) ((tab) + ((size_t)(w) * (K) + (a)) * 2 * (K))
#define CNT(tab, K, w, a) (LOGC(tab, K, w, a) + (K))

/* Confusions from the counts: fills the log C half of tab and, if conf is
 * given, conf[(w*K + k)*K + a] = C_w[k][a]. pl: K*K scratch. */
static void ds_mstep(const truth_ctx *c, double *tab, double *pl, double *conf)
{
    int32_t K = c->K;
    double s = c->opt->smoothing, m = c->opt->shrink;
    if (m > 0) {
        /* pooled confusion of all workers: the centre of the prior */
        for (int32_t j = 0; j < K * K; j++) pl[j] = 0;
        for (int32_t w = 0; w < c->W; w++)
            for (int32_t a = 0; a < K; a++)
                for (int32_t k = 0; k < K; k++) pl[a * K + k] += CNT(tab, K, w, a)[k];
        for (int32_t k = 0; k < K; k++) {
            double tot = 0;
            for (int32_t a = 0; a < K; a++) tot += pl[a * K + k];
            for (int32_t a = 0; a < K; a++)
                pl[a * K + k] = tot > 0 ? m * pl[a * K + k] / tot : m / K;
        }
    }
    for (int32_t w = 0; w < c->W; w++)
        for (int32_t k = 0; k < K; k++) {
            double tot = 0;
            for (int32_t a = 0; a < K; a++) {
                double v = CNT(tab, K, w, a)[k] + s + (m > 0 ? pl[a * K + k] : 0);
                tot += v > DBL_EPSILON ? v : DBL_EPSILON;
            }
            for (int32_t a = 0; a < K; a++) {
                double v = CNT(tab, K, w, a)[k] + s + (m > 0 ? pl[a * K + k] : 0);
                double p = (v > DBL_EPSILON ? v : DBL_EPSILON) / tot;
                LOGC(tab, K, w, a)[k] = log(p);
                if (conf) conf[((size_t)w * K + k) * K + a] = p;
            }
        }
}

static void ds_zero_counts(const truth_ctx *c, double *tab)
{
    int32_t K = c->K;
    for (int32_t w = 0; w < c->W; w++)
        for (int32_t a = 0; a < K; a++) memset(CNT(tab, K, w, a), 0, (size_t)K * sizeof(double));
}

/* Crowd-Kit's expected joint log-likelihood term of the ELBO:
 * Σ_answers Σ_k post[t][k] (log C_w[k][a] + log prior[k]) — note the prior
 * counted once per answer, as Crowd-Kit does — from the expected counts. */
static double ds_expected_joint(const truth_ctx *c, const double *tab, const double *logprior)
{
    int32_t K = c->K;
    double s = 0;
    for (int32_t w = 0; w < c->W; w++)
        for (int32_t a = 0; a < K; a++) {
            const double *l = LOGC(tab, K, w, a), *n = CNT(tab, K, w, a);
            for (int32_t k = 0; k < K; k++) s += n[k] * (l[k] + logprior[k]);
        }
    return s;
}

/* Sums gathered by one E-step pass: log-likelihood = ll_gold + max_sum +
 * log(ls); entropy = log(ls) − sel_sum. */
typedef struct ds_pass {
    double ll_gold, max_sum, sel_sum, n_ev;
    truth_logsum ls;
} ds_pass;

/* One pass over the tasks: posterior from the current log C and prior
 * (E-step), and the expected counts of the next M-step. */
static inline __attribute__((always_inline)) void
ds_estep(const truth_ctx *c, double *tab, const double *logprior, double *lp, double *psum,
         ds_pass *acc, const int32_t K)
{
    double *post = c->out->posterior;
    for (int32_t t = 0; t < c->T; t++) {
        size_t b = c->t_off[t], e = c->t_off[t + 1];
        if (b == e && !truth__has_evidence(c, t)) continue;
        double *row = post + (size_t)t * K;
        for (int32_t k = 0; k < K; k++) lp[k] = logprior[k];
        for (size_t i = b; i < e; i++) {
            const double *l = LOGC(tab, K, c->a_worker[i], c->a_label[i]);
            for (int32_t k = 0; k < K; k++) lp[k] += l[k];
        }
        if (truth__gold_row(c, t, row))
            acc->ll_gold += lp[c->gold[t]];
        else
            truth__posterior(lp, K, row, &acc->max_sum, &acc->ls, &acc->sel_sum);
        for (size_t i = b; i < e; i++) {
            double *n = CNT(tab, K, c->a_worker[i], c->a_label[i]);
            for (int32_t k = 0; k < K; k++) n[k] += row[k];
        }
        for (int32_t k = 0; k < K; k++) psum[k] += row[k];
        acc->n_ev += 1;
    }
}

static void log_prior(const truth_result *r, int32_t K, double *logprior)
{
    for (int32_t k = 0; k < K; k++)
        logprior[k] = log(r->prior[k] > 1e-300 ? r->prior[k] : 1e-300);
}

void truth__ds(truth_ctx *c)
{
    truth_result *r = c->out;
    int32_t K = c->K;
    size_t wkk = (size_t)c->W * K * K;
    double *tab = mem_alloc((wkk ? 2 * wkk : 1) * sizeof *tab);
    double *lp = mem_alloc(((size_t)K * K + (size_t)K * 3) * sizeof *lp);
    r->confusion = mem_alloc((wkk ? wkk : 1) * sizeof *r->confusion);
    double *logprior = lp + K, *psum = lp + 2 * K, *pool = lp + 3 * K;
    double *post = r->posterior;
    double s = c->opt->smoothing;

    truth__vote(c, NULL, post);
    truth__update_prior(c, post, s, r->prior);
    ds_zero_counts(c, tab);
    for (int32_t t = 0; t < c->T; t++)
        for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++) {
            double *n = CNT(tab, K, c->a_worker[i], c->a_label[i]);
            for (int32_t k = 0; k < K; k++) n[k] += post[(size_t)t * K + k];
        }
    ds_mstep(c, tab, pool, NULL);

    double elbo_prev = -INFINITY;
    for (int it = 1; it <= c->opt->max_iter; it++) {
        log_prior(r, K, logprior);
        ds_zero_counts(c, tab);
        ds_pass acc = {.ls = {1.0, 0}};
        for (int32_t k = 0; k < K; k++) psum[k] = 0;
        switch (K) { /* constant K lets the compiler unroll the inner loops */
        case 2: { double l2[2]; ds_estep(c, tab, logprior, l2, psum, &acc, 2); break; }
        case 3: { double l3[3]; ds_estep(c, tab, logprior, l3, psum, &acc, 3); break; }
        case 4: { double l4[4]; ds_estep(c, tab, logprior, l4, psum, &acc, 4); break; }
        case 5: { double l5[5]; ds_estep(c, tab, logprior, l5, psum, &acc, 5); break; }
        default: ds_estep(c, tab, logprior, lp, psum, &acc, K); break;
        }
        double ll_gold = acc.ll_gold, max_sum = acc.max_sum, sel_sum = acc.sel_sum;
        double n_ev = acc.n_ev;
        truth_logsum ls = acc.ls;
        double lse = truth__logsum_value(&ls), entropy = lse - sel_sum;
        for (int32_t k = 0; k < K; k++) r->prior[k] = (psum[k] + s) / (n_ev + K * s);
        ds_mstep(c, tab, pool, NULL);
        r->log_likelihood = ll_gold + max_sum + lse;
        r->iterations = it;
        log_prior(r, K, logprior);
        double elbo = (ds_expected_joint(c, tab, logprior) + entropy) /
                      (c->N ? (double)c->N : 1.0);
        if (elbo - elbo_prev < c->opt->tol) {
            r->converged = 1;
            break;
        }
        elbo_prev = elbo;
    }

    ds_mstep(c, tab, pool, r->confusion);
    for (int32_t w = 0; w < c->W; w++) {
        double acc = 0;
        for (int32_t k = 0; k < K; k++)
            acc += r->prior[k] * r->confusion[((size_t)w * K + k) * K + k];
        r->skill[w] = acc;
    }
    free(tab);
    free(lp);
}

/*
 * One-coin Dawid–Skene: worker w answers the true class with probability
 * p_w and each other class with (1 − p_w)/(K − 1).
 *   p_w = (Σ_{answers (t, a) of w} post[t][a] + s) / (n_w + K s)
 */
/* p_w from the expected agreements; resets agree for the next pass. */
static void onecoin_mstep(truth_ctx *c, double *agree, double *lr, double *lwr)
{
    truth_result *r = c->out;
    int32_t K = c->K;
    double s = c->opt->smoothing;
    for (int32_t w = 0; w < c->W; w++) {
        double n = r->answers[w] + K * s;
        double p = n > 0 ? (agree[w] + s) / n : 1.0 / K;
        r->skill[w] = p;
        if (p < 1e-9) p = 1e-9;
        if (p > 1 - 1e-9) p = 1 - 1e-9;
        lwr[w] = K > 1 ? log((1 - p) / (K - 1)) : 0.0;
        lr[w] = log(p) - lwr[w];
        agree[w] = 0;
    }
}

void truth__onecoin(truth_ctx *c)
{
    truth_result *r = c->out;
    int32_t K = c->K;
    size_t W = (size_t)c->W;
    double *agree = mem_calloc(W ? W : 1, sizeof *agree);
    double *lr = mem_alloc((W ? W : 1) * 2 * sizeof *lr);
    double *lp = mem_alloc((size_t)K * 2 * sizeof *lp);
    double *lwr = lr + W, *logprior = lp + K;
    double *post = r->posterior;
    double s = c->opt->smoothing;

    truth__vote(c, NULL, post);
    truth__update_prior(c, post, s, r->prior);
    for (int32_t t = 0; t < c->T; t++)
        for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++)
            agree[c->a_worker[i]] += post[(size_t)t * K + c->a_label[i]];

    double ll_prev = 0;
    for (int it = 1; it <= c->opt->max_iter; it++) {
        onecoin_mstep(c, agree, lr, lwr);
        for (int32_t k = 0; k < K; k++)
            logprior[k] = log(r->prior[k] > 1e-300 ? r->prior[k] : 1e-300);
        double ll = 0;
        for (int32_t t = 0; t < c->T; t++) {
            if (!truth__has_evidence(c, t)) continue;
            double *row = post + (size_t)t * K;
            size_t b = c->t_off[t], e = c->t_off[t + 1];
            double base = 0;
            memcpy(lp, logprior, (size_t)K * sizeof *lp);
            for (size_t i = b; i < e; i++) {
                base += lwr[c->a_worker[i]];
                lp[c->a_label[i]] += lr[c->a_worker[i]];
            }
            for (int32_t k = 0; k < K; k++) lp[k] += base;
            if (truth__gold_row(c, t, row))
                ll += lp[c->gold[t]];
            else {
                ll += truth__normalize_log(lp, K);
                memcpy(row, lp, (size_t)K * sizeof *row);
            }
            for (size_t i = b; i < e; i++) agree[c->a_worker[i]] += row[c->a_label[i]];
        }
        truth__update_prior(c, post, s, r->prior);
        r->log_likelihood = ll;
        r->iterations = it;
        if (it > 1 && truth__converged(c, ll_prev, ll)) {
            r->converged = 1;
            break;
        }
        ll_prev = ll;
    }
    onecoin_mstep(c, agree, lr, lwr); /* skills consistent with the posterior */
    free(agree);
    free(lr);
    free(lp);
}
