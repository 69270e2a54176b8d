/*
 * truth_glad — GLAD (Whitehill et al., NIPS 2009): worker w has an ability
 * alpha_w (negative = adversarial), task t an inverse difficulty
 * beta_t = exp(b_t) > 0; the answer is correct with probability
 * σ(alpha_w · beta_t), otherwise uniform over the K − 1 wrong classes.
 *
 * The class prior is fixed and uniform, as in the original GLAD (estimating
 * it lets a frequent class absorb the uncertain tasks: the symmetric error
 * model has no per-class terms to counter that). EM from the majority-vote
 * fractions. The M-step maximises the expected
 * complete log-likelihood plus Gaussian priors alpha ~ N(1, 1) and
 * b ~ N(0, 1) (the priors keep workers with few answers and unanimous
 * tasks finite): a few alternating Newton steps — the objective is concave
 * in each alpha_w (beta fixed); for each b_t a safeguarded Newton step with
 * backtracking. This is a generalised EM (the M-step improves, it need not
 * maximise), so convergence is judged on |Δ log-likelihood| per answer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "truth/truth_int.h"

#define GLAD_ALPHA_MEAN 1.0
#define GLAD_ALPHA_VAR 1.0
#define GLAD_B_MEAN 0.0
#define GLAD_B_VAR 1.0
#define GLAD_MSTEPS 2   /* Newton sweeps per M-step */
#define GLAD_ALPHA_MAX 30.0
#define GLAD_B_MAX 8.0

static inline double sigm(double x)
{
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

static inline double log_sigm(double x)
{
    return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x));
}

static inline double clampd(double v, double lim)
{
    return v > lim ? lim : v < -lim ? -lim : v;
}

/* Expected log-likelihood of task t's answers as a function of b, plus the
 * prior on b. p[i] = posterior probability that answer i is correct. */
static double task_obj(const truth_ctx *c, int32_t t, const double *alpha,
                       const double *p, double b)
{
    double beta = exp(b), f = -(b - GLAD_B_MEAN) * (b - GLAD_B_MEAN) / (2 * GLAD_B_VAR);
    for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++) {
        double x = alpha[c->a_worker[i]] * beta;
        f += p[i] * log_sigm(x) + (1 - p[i]) * log_sigm(-x);
    }
    return f;
}

static void glad_mstep(truth_ctx *c, double *alpha, double *bt, const double *p,
                       double *g, double *h)
{
    int32_t W = c->W;
    for (int sweep = 0; sweep < GLAD_MSTEPS; sweep++) {
        /* abilities: one Newton step each (concave in alpha_w) */
        for (int32_t w = 0; w < W; w++) {
            g[w] = -(alpha[w] - GLAD_ALPHA_MEAN) / GLAD_ALPHA_VAR;
            h[w] = -1.0 / GLAD_ALPHA_VAR;
        }
        for (int32_t t = 0; t < c->T; t++) {
            double beta = exp(bt[t]);
            for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++) {
                int32_t w = c->a_worker[i];
                double s = sigm(alpha[w] * beta);
                g[w] += (p[i] - s) * beta;
                h[w] -= s * (1 - s) * beta * beta;
            }
        }
        for (int32_t w = 0; w < W; w++)
            alpha[w] = clampd(alpha[w] - clampd(g[w] / h[w], 5.0), GLAD_ALPHA_MAX);
        /* difficulties: safeguarded Newton step on each b_t */
        for (int32_t t = 0; t < c->T; t++) {
            if (c->t_off[t + 1] == c->t_off[t]) continue;
            double b = bt[t], beta = exp(b);
            double gb = -(b - GLAD_B_MEAN) / GLAD_B_VAR, hb = -1.0 / GLAD_B_VAR;
            for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++) {
                double x = alpha[c->a_worker[i]] * beta, s = sigm(x);
                gb += (p[i] - s) * x;
                hb += -s * (1 - s) * x * x + (p[i] - s) * x;
            }
            double step = hb < 0 ? -gb / hb : (gb > 0 ? 0.5 : -0.5);
            step = clampd(step, 1.0);
            double f0 = task_obj(c, t, alpha, p, b);
            for (int tries = 0; tries < 6; tries++, step *= 0.5) {
                double nb = clampd(b + step, GLAD_B_MAX);
                if (task_obj(c, t, alpha, p, nb) >= f0) {
                    bt[t] = nb;
                    break;
                }
            }
        }
    }
}

void truth__glad(truth_ctx *c)
{
    truth_result *r = c->out;
    int32_t K = c->K;
    size_t W = (size_t)c->W, T = (size_t)c->T;
    r->worker_param = mem_alloc((W ? W : 1) * sizeof *r->worker_param);
    r->task_param = mem_alloc((T ? T : 1) * sizeof *r->task_param);
    double *bt = mem_alloc((T ? T : 1) * sizeof *bt);
    double *p = mem_alloc((c->N ? c->N : 1) * sizeof *p);
    double *gh = mem_alloc((W ? W : 1) * 2 * sizeof *gh);
    double *lp = mem_alloc((size_t)K * 2 * sizeof *lp);
    double *alpha = r->worker_param, *logprior = lp + K, *post = r->posterior;
    double lk1 = K > 1 ? log((double)(K - 1)) : 0.0;
    for (size_t w = 0; w < W; w++) alpha[w] = GLAD_ALPHA_MEAN;
    for (size_t t = 0; t < T; t++) bt[t] = GLAD_B_MEAN;
    for (int32_t k = 0; k < K; k++) r->prior[k] = 1.0 / K; /* fixed, as in GLAD */

    truth__vote(c, NULL, post);
    double ll_prev = 0;
    for (int it = 1; it <= c->opt->max_iter; it++) {
        /* M-step */
        for (int32_t t = 0; t < c->T; t++)
            for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++)
                p[i] = post[(size_t)t * K + c->a_label[i]];
        glad_mstep(c, alpha, bt, p, gh, gh + W);
        /* E-step */
        for (int32_t k = 0; k < K; k++)
            logprior[k] = log(r->prior[k] > 1e-300 ? r->prior[k] : 1e-300);
        double ll = 0;
        for (int32_t t = 0; t < c->T; t++) {
            if (!truth__has_evidence(c, t)) continue;
            double *row = post + (size_t)t * K, beta = exp(bt[t]), base = 0;
            memcpy(lp, logprior, (size_t)K * sizeof *lp);
            for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++) {
                double x = alpha[c->a_worker[i]] * beta;
                double lw = log_sigm(-x) - lk1;
                base += lw;
                lp[c->a_label[i]] += log_sigm(x) - lw;
            }
            for (int32_t k = 0; k < K; k++) lp[k] += base;
            if (truth__gold_row(c, t, row))
                ll += lp[c->gold[t]];
            else {
                ll += truth__normalize_log(lp, K);
                memcpy(row, lp, (size_t)K * sizeof *row);
            }
        }
        r->log_likelihood = ll;
        r->iterations = it;
        if (it > 1 && truth__converged(c, ll_prev, ll)) {
            r->converged = 1;
            break;
        }
        ll_prev = ll;
    }
    /* skill: mean model probability of a correct answer over w's tasks */
    for (size_t w = 0; w < W; w++) r->skill[w] = 0;
    for (int32_t t = 0; t < c->T; t++) {
        double beta = exp(bt[t]);
        r->task_param[t] = beta;
        for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++)
            r->skill[c->a_worker[i]] += sigm(alpha[c->a_worker[i]] * beta);
    }
    for (size_t w = 0; w < W; w++)
        r->skill[w] = r->answers[w] ? r->skill[w] / r->answers[w] : sigm(alpha[w]);
    free(bt);
    free(p);
    free(gh);
    free(lp);
}
