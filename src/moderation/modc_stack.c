#include "base/mem.h"
#include "moderation/modc_stack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOGP_MIN (-13.8) /* log 1e-6: the inputs are clipped there */
#define META_ITERS 600
#define META_LR 0.1
#define META_L2 1e-4

size_t modc_stack_bases(const modc_params *p, modc_params *bp, modc_fit_opts *bo)
{
    for (size_t b = 0; b < 3; b++) {
        bp[b] = *p;
        modc_fit_opts_default(&bo[b]);
        bo[b].offsets = bo[b].calibrate = bo[b].select_l2 = false;
        bo[b].early_stop = false;
    }
    if (!p->feat.sublinear) bp[1].weighting = MODC_WEIGHT_NONE; /* TF-IDF needs its IDF */
    bp[1].l2 = 1e-6;
    bo[2].early_stop = true;
    return 3;
}

void modc_stack_free(modc_stack *s)
{
    for (size_t b = 0; b < s->nbase; b++) modc_model_free(s->base[b]);
    free(s->w);
    memset(s, 0, sizeof *s);
}

int modc_stack_init(modc_stack *s, const modc_params *bp, const modc_fit_opts *bo, size_t nbase,
                    const char *const *classes, size_t k, vis_err *err)
{
    memset(s, 0, sizeof *s);
    if (nbase < 1 || nbase > MODC_STACK_MAX)
        return vis_errf(err, VIS_EINVAL, "invalid_param", "nbase", "1..%d base models",
                        MODC_STACK_MAX);
    for (size_t b = 1; b < nbase; b++)
        if (bp[b].feat.bits != bp[0].feat.bits || bp[b].feat.char_min != bp[0].feat.char_min ||
            bp[b].feat.char_max != bp[0].feat.char_max ||
            bp[b].feat.word_bigrams != bp[0].feat.word_bigrams ||
            bp[b].feat.sublinear != bp[0].feat.sublinear)
            return vis_errf(err, VIS_EINVAL, "invalid_param", "feat",
                            "the base models must share the features");
    s->k = k;
    for (size_t b = 0; b < nbase; b++) {
        int rc = modc_model_new(&s->base[b], &bp[b], classes, k, err);
        if (rc) {
            modc_stack_free(s);
            return rc;
        }
        s->nbase = b + 1;
        s->fit[b] = bo[b];
    }
    s->w = mem_calloc(k * (nbase * k + 1), sizeof *s->w);
    return 0;
}

/* The meta-model's inputs for one example: the base models' clipped log
 * probabilities, then 1 (bias). */
static void meta_input(const modc_stack *s, const modc_fvec *x, double *f)
{
    double p[MODC_CLASSES_MAX];
    size_t k = s->k;
    for (size_t b = 0; b < s->nbase; b++) {
        modc_predict_vec(s->base[b], x, p);
        for (size_t c = 0; c < k; c++) {
            double l = log(p[c] > 0 ? p[c] : 1e-300);
            f[b * k + c] = l < LOGP_MIN ? LOGP_MIN : l;
        }
    }
    f[s->nbase * k] = 1.0;
}

static void meta_probs(const modc_stack *s, const double *f, double *p)
{
    size_t k = s->k, d = s->nbase * k + 1;
    double mx = -INFINITY, sum = 0;
    for (size_t c = 0; c < k; c++) {
        double z = 0;
        for (size_t j = 0; j < d; j++) z += s->w[c * d + j] * f[j];
        p[c] = z;
        if (z > mx) mx = z;
    }
    for (size_t c = 0; c < k; c++) sum += (p[c] = exp(p[c] - mx));
    for (size_t c = 0; c < k; c++) p[c] /= sum;
}

/* Fit the meta weights on n inputs f[n * d] with labels y: unweighted
 * log-loss + META_L2 / 2 |w|^2 (bias excluded), full-batch AdaGrad from the
 * geometric mean of the base models. */
static void meta_fit(modc_stack *s, const double *f, const size_t *y, size_t n)
{
    size_t k = s->k, d = s->nbase * k + 1;
    double *g = mem_alloc(k * d * sizeof *g), *acc = mem_calloc(k * d, sizeof *acc);
    memset(s->w, 0, k * d * sizeof *s->w);
    for (size_t c = 0; c < k; c++)
        for (size_t b = 0; b < s->nbase; b++) s->w[c * d + b * k + c] = 1.0 / (double)s->nbase;
    double p[MODC_CLASSES_MAX];
    for (int it = 0; it < META_ITERS; it++) {
        memset(g, 0, k * d * sizeof *g);
        for (size_t i = 0; i < n; i++) {
            const double *fi = f + i * d;
            meta_probs(s, fi, p);
            for (size_t c = 0; c < k; c++) {
                double r = p[c] - (y[i] == c ? 1.0 : 0.0);
                for (size_t j = 0; j < d; j++) g[c * d + j] += r * fi[j];
            }
        }
        for (size_t c = 0; c < k; c++)
            for (size_t j = 0; j < d; j++) {
                double gr = g[c * d + j] / (double)n + (j + 1 < d ? META_L2 * s->w[c * d + j] : 0);
                acc[c * d + j] += gr * gr;
                s->w[c * d + j] -= META_LR * gr / sqrt(acc[c * d + j] + 1e-12);
            }
    }
    free(g);
    free(acc);
}

int modc_stack_fit(modc_stack *s, const modc_train_data *td, const size_t *subset, size_t nsub,
                   double val_share, uint64_t seed, vis_err *err)
{
    size_t k = s->k, d = s->nbase * k + 1;
    if (!subset) nsub = td->n;
    if (!(val_share > 0 && val_share <= 0.5))
        return vis_errf(err, VIS_EINVAL, "invalid_param", "val_share",
                        "validation share must be in (0, 0.5]");
    int rc = 0;
    size_t *tr = mem_alloc((nsub ? nsub : 1) * sizeof *tr), *va = mem_alloc((nsub ? nsub : 1) * sizeof *va);
    size_t *vy = mem_alloc((nsub ? nsub : 1) * sizeof *vy), ntr = 0, nva = 0;
    modc_fit_inner_split(td, subset, nsub, k, val_share, seed, tr, &ntr, va, &nva);
    double *f = mem_alloc((nva ? nva : 1) * d * sizeof *f), *vp = mem_alloc((nva ? nva : 1) * k * sizeof *vp);
    for (size_t b = 0; b < s->nbase; b++) {
        rc = modc_fit(s->base[b], td, tr, ntr, &s->fit[b], seed * 7 + b, NULL, err);
        if (rc) goto done;
    }
    for (size_t i = 0; i < nva; i++) {
        meta_input(s, &td->xs[va[i]], f + i * d);
        vy[i] = td->labels[va[i]];
    }
    meta_fit(s, f, vy, nva);
    for (size_t i = 0; i < nva; i++) meta_probs(s, f + i * d, vp + i * k);
    modc_fit_offsets(vp, vy, nva, k, s->offset);
    for (size_t b = 0; b < s->nbase; b++) {
        rc = modc_fit(s->base[b], td, subset, nsub, &s->fit[b], seed * 7 + b, NULL, err);
        if (rc) goto done;
    }
done:
    free(tr);
    free(va);
    free(vy);
    free(f);
    free(vp);
    return rc;
}

void modc_stack_predict_vec(const modc_stack *s, const modc_fvec *x, double *probs)
{
    double f[MODC_STACK_MAX * MODC_CLASSES_MAX + 1];
    meta_input(s, x, f);
    meta_probs(s, f, probs);
}

size_t modc_stack_classify(const modc_stack *s, const double *probs)
{
    return modc_argmax_offset(probs, s->offset, s->k);
}
