/*
 * truth_ds — Dawid–Skene (1979): each worker w has a confusion matrix
 * C_w[k][a] = P(answer a | true class k), the classes a prior. EM started
 * from the majority-vote fractions (gold tasks one-hot):
 *   M-step  C_w[k][a] = (Σ_{answers of w labelled a} post[t][k] + s)
 *                       / (Σ_{answers of w} post[t][k] + K s)
 *           prior[k]  = (Σ_t post[t][k] + s) / (T + K s)
 *   E-step  post[t][k] ∝ prior[k] · Π_{answers (w, a) of t} C_w[k][a]
 * with s = opt.smoothing. The E-step of one iteration and the expected
 * counts of the next M-step are computed in a single pass over the answers
 * (grouped by task), using a table of log C laid out so that the K values
 * needed by one answer are contiguous.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "truth/truth_int.h"

/* cnt[(w*K + a)*K + k] = expected number of answers a of w on tasks of
 * true class k. Fills logc (same layout, log C_w[k][a]) and, if conf is
 * given, conf[(w*K + k)*K + a] = C_w[k][a]. */
static void ds_mstep(const truth_ctx *c, const double *cnt, double *pl, double *logc,
                     double *conf)
{
    int32_t K = c->K;
    double s = c->opt->smoothing, m = c->opt->shrink;
    if (m > 0) {
        /* pooled confusion of all workers: the centre of the prior */
        for (int32_t j = 0; j < K * K; j++) pl[j] = 0;
        for (int32_t w = 0; w < c->W; w++)
            for (int32_t j = 0; j < K * K; j++) pl[j] += cnt[(size_t)w * K * K + j];
        for (int32_t k = 0; k < K; k++) {
            double tot = 0;
            for (int32_t a = 0; a < K; a++) tot += pl[a * K + k];
            for (int32_t a = 0; a < K; a++) pl[a * K + k] = tot > 0 ? m * pl[a * K + k] / tot : m / K;
        }
    }
    for (int32_t w = 0; w < c->W; w++) {
        const double *cw = cnt + (size_t)w * K * K;
        double *lw = logc + (size_t)w * K * K;
        for (int32_t k = 0; k < K; k++) {
            double tot = 0;
            for (int32_t a = 0; a < K; a++) {
                double v = cw[a * K + k] + s + (m > 0 ? pl[a * K + k] : 0);
                tot += v > DBL_EPSILON ? v : DBL_EPSILON;
            }
            for (int32_t a = 0; a < K; a++) {
                double v = cw[a * K + k] + s + (m > 0 ? pl[a * K + k] : 0);
                double p = (v > DBL_EPSILON ? v : DBL_EPSILON) / tot;
                lw[a * K + k] = log(p);
                if (conf) conf[((size_t)w * K + k) * K + a] = p;
            }
        }
    }
}

/* Soft counts from the posterior (the first M-step). */
static void ds_counts(const truth_ctx *c, const double *post, double *cnt)
{
    int32_t K = c->K;
    memset(cnt, 0, (size_t)c->W * K * K * sizeof *cnt);
    for (int32_t t = 0; t < c->T; t++) {
        const double *row = post + (size_t)t * K;
        for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++) {
            double *dst = cnt + ((size_t)c->a_worker[i] * K + c->a_label[i]) * K;
            for (int32_t k = 0; k < K; k++) dst[k] += row[k];
        }
    }
}

/* Crowd-Kit's expected joint log-likelihood term of the ELBO:
 * Σ_answers Σ_k post[t][k] (log C_w[k][a] + log prior[k]) — note the prior
 * counted once per answer, as Crowd-Kit does — from the expected counts. */
static double ds_expected_joint(const truth_ctx *c, const double *cnt, const double *logc,
                                const double *logprior)
{
    int32_t K = c->K;
    double s = 0;
    for (size_t j = 0, n = (size_t)c->W * K * K; j < n; j++)
        s += cnt[j] * (logc[j] + logprior[j % (size_t)K]);
    return s;
}

int truth__ds(truth_ctx *c)
{
    truth_result *r = c->out;
    int32_t K = c->K;
    size_t wkk = (size_t)c->W * K * K;
    double *cnt = malloc((wkk ? wkk : 1) * sizeof *cnt);
    double *logc = malloc((wkk ? wkk : 1) * sizeof *logc);
    double *lp = malloc(((size_t)K * K + (size_t)K * 2) * sizeof *lp);
    r->confusion = malloc((wkk ? wkk : 1) * sizeof *r->confusion);
    if (!cnt || !logc || !lp || !r->confusion) {
        free(cnt);
        free(logc);
        free(lp);
        return VIS_ENOMEM;
    }
    double *logprior = lp + K, *pool = lp + 2 * K;
    double *post = r->posterior;
    double s = c->opt->smoothing;

    truth__vote(c, NULL, post);
    truth__update_prior(c, post, s, r->prior);
    ds_counts(c, post, cnt);
    ds_mstep(c, cnt, pool, logc, NULL);

    double elbo_prev = -INFINITY;
    for (int it = 1; it <= c->opt->max_iter; it++) {
        for (int32_t k = 0; k < K; k++)
            logprior[k] = log(r->prior[k] > 1e-300 ? r->prior[k] : 1e-300);
        memset(cnt, 0, wkk * sizeof *cnt);
        double ll = 0, entropy = 0;
        for (int32_t t = 0; t < c->T; t++) {
            if (!truth__has_evidence(c, t)) continue;
            double *row = post + (size_t)t * K;
            size_t b = c->t_off[t], e = c->t_off[t + 1];
            memcpy(lp, logprior, (size_t)K * sizeof *lp);
            for (size_t i = b; i < e; i++) {
                const double *l = logc + ((size_t)c->a_worker[i] * K + c->a_label[i]) * K;
                for (int32_t k = 0; k < K; k++) lp[k] += l[k];
            }
            if (truth__gold_row(c, t, row))
                ll += lp[c->gold[t]];
            else {
                ll += truth__normalize_log(lp, K);
                memcpy(row, lp, (size_t)K * sizeof *row);
                for (int32_t k = 0; k < K; k++)
                    if (row[k] > 0) entropy -= row[k] * log(row[k]);
            }
            for (size_t i = b; i < e; i++) {
                double *dst = cnt + ((size_t)c->a_worker[i] * K + c->a_label[i]) * K;
                for (int32_t k = 0; k < K; k++) dst[k] += row[k];
            }
        }
        truth__update_prior(c, post, s, r->prior);
        ds_mstep(c, cnt, pool, logc, NULL);
        r->log_likelihood = ll;
        r->iterations = it;
        for (int32_t k = 0; k < K; k++)
            logprior[k] = log(r->prior[k] > 1e-300 ? r->prior[k] : 1e-300);
        double elbo = (ds_expected_joint(c, cnt, logc, logprior) + entropy) /
                      (c->N ? (double)c->N : 1.0);
        if (elbo - elbo_prev < c->opt->tol) {
            r->converged = 1;
            break;
        }
        elbo_prev = elbo;
    }

    ds_mstep(c, cnt, pool, logc, r->confusion);
    for (int32_t w = 0; w < c->W; w++) {
        double acc = 0;
        for (int32_t k = 0; k < K; k++)
            acc += r->prior[k] * r->confusion[((size_t)w * K + k) * K + k];
        r->skill[w] = acc;
    }
    free(cnt);
    free(logc);
    free(lp);
    return 0;
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

int truth__onecoin(truth_ctx *c)
{
    truth_result *r = c->out;
    int32_t K = c->K;
    size_t W = (size_t)c->W;
    double *agree = calloc(W ? W : 1, sizeof *agree);
    double *lr = malloc((W ? W : 1) * 2 * sizeof *lr);
    double *lp = malloc((size_t)K * 2 * sizeof *lp);
    if (!agree || !lr || !lp) {
        free(agree);
        free(lr);
        free(lp);
        return VIS_ENOMEM;
    }
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
    return 0;
}
