#include "base/mem.h"
#include "moderation/modc_model.h"

#include "moderation/modc_model_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The model's state (struct modc_model) is in modc_model_int.h, shared with
 * modc_persist.c (saving and loading). */

void modc_params_default(modc_params *p)
{
    memset(p, 0, sizeof *p);
    p->feat.bits = 20;
    p->feat.char_min = 2;
    p->feat.char_max = 5;
    p->feat.word_bigrams = true;
    p->lr = 0.5;
    p->acc0 = 0.1;
    p->l2 = 1e-6;
    p->balance = 0.5;
    p->max_class_weight = 10.0;
    p->epochs = 5;
    p->average = true;
    p->weighting = MODC_WEIGHT_NB;
    p->nb_alpha = 1.0;
}

int modc_params_check(const modc_params *p, vis_err *err)
{
    int rc = modc_feat_cfg_check(&p->feat, err);
    if (rc) return rc;
    if (!(p->lr > 0 && p->lr <= 100))
        return vis_errf(err, VIS_EINVAL, "invalid_param", "lr", "learning rate must be in (0, 100]");
    if (!(p->acc0 >= 1e-6 && p->acc0 <= 100))
        return vis_errf(err, VIS_EINVAL, "invalid_param", "acc0",
                        "initial accumulator must be in [1e-6, 100]");
    if (!(p->l2 >= 0 && p->l2 < 1))
        return vis_errf(err, VIS_EINVAL, "invalid_param", "l2", "l2 must be in [0, 1)");
    if (!(p->l1 >= 0 && p->l1 < 1))
        return vis_errf(err, VIS_EINVAL, "invalid_param", "l1", "l1 must be in [0, 1)");
    if (!(p->balance >= 0 && p->balance <= 1))
        return vis_errf(err, VIS_EINVAL, "invalid_param", "balance", "balance must be in [0, 1]");
    if (!(p->max_class_weight >= 1 && p->max_class_weight <= 1000))
        return vis_errf(err, VIS_EINVAL, "invalid_param", "max_class_weight",
                        "max class weight must be in [1, 1000]");
    if (p->epochs < 1 || p->epochs > 1000)
        return vis_errf(err, VIS_EINVAL, "invalid_param", "epochs", "epochs must be 1..1000");
    if (p->weighting > MODC_WEIGHT_IDF)
        return vis_errf(err, VIS_EINVAL, "invalid_param", "weighting", "unknown feature weighting");
    if (!(p->nb_alpha > 0 && p->nb_alpha <= 1000))
        return vis_errf(err, VIS_EINVAL, "invalid_param", "nb_alpha",
                        "NB smoothing must be in (0, 1000]");
    if (p->feat.sublinear && p->weighting != MODC_WEIGHT_IDF)
        return vis_errf(err, VIS_EINVAL, "invalid_param", "sublinear",
                        "sublinear term frequencies need IDF weighting (TF-IDF)");
    if (p->avg_from > 1000)
        return vis_errf(err, VIS_EINVAL, "invalid_param", "avg_from", "avg_from must be 0..1000");
    return 0;
}

/* The weight table (dim x stride floats): tens of MiB read at random, one
 * row per feature, so it is mapped on its own and asks for transparent huge
 * pages: far fewer TLB misses than 4 KiB pages (measured on the 10-fold
 * evaluation). Fresh anonymous memory is zero. Out of memory aborts
 * (base/mem.h). */
static float *table_new(size_t nfloats)
{
    size_t bytes = nfloats * sizeof(float);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) mem_oom(bytes);
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* advice only: without it, 4 KiB pages */
#endif
    return p;
}

static void table_free(float *w, size_t nfloats)
{
    if (w) munmap(w, nfloats * sizeof(float));
}

void modc_model_free(modc_model *m)
{
    if (!m) return;
    if (m->classes)
        for (size_t i = 0; i < m->k; i++) free(m->classes[i]);
    free(m->classes);
    free(m->count);
    table_free(m->w, m->dim * m->stride);
    free(m->abias);
    free(m->bias);
    free(m->gbias);
    modc_fvec_free(&m->scratch);
    free(m);
}

/* Give every row k feature scales, all 1 (stride 3k -> 4k), keeping the
 * weights, accumulators and averaging sums. */
void modc_model_grow_scales(modc_model *m)
{
    size_t k = m->k, s3 = 3 * k, s4 = 4 * k;
    if (m->stride == s4) return;
    float *w = table_new(m->dim * s4);
    for (size_t r = 0; r < m->dim; r++) {
        memcpy(w + r * s4, m->w + r * s3, s3 * sizeof *w);
        for (size_t c = 0; c < k; c++) w[r * s4 + s3 + c] = 1.0f;
    }
    table_free(m->w, m->dim * s3);
    m->w = w;
    m->stride = s4;
}

void modc_model_reset(modc_model *m)
{
    if (m->stride != 3 * m->k) { /* drop the scales */
        float *w = table_new(m->dim * 3 * m->k);
        table_free(m->w, m->dim * m->stride);
        m->w = w;
        m->stride = 3 * m->k;
    } else {
        memset(m->w, 0, m->dim * m->stride * sizeof *m->w);
    }
    m->scaled = false;
    memset(m->abias, 0, m->k * sizeof *m->abias);
    memset(m->bias, 0, m->k * sizeof *m->bias);
    memset(m->gbias, 0, m->k * sizeof *m->gbias);
    memset(m->count, 0, m->k * sizeof *m->count);
    memset(m->offset, 0, sizeof m->offset);
    m->temp = 1.0;
}

int modc_model_new(modc_model **out, const modc_params *p, const char *const *classes,
                   size_t nclasses, vis_err *err)
{
    *out = NULL;
    modc_params def;
    if (!p) {
        modc_params_default(&def);
        p = &def;
    }
    int rc = modc_params_check(p, err);
    if (rc) return rc;
    if (nclasses < 2 || nclasses > MODC_CLASSES_MAX)
        return vis_errf(err, VIS_EINVAL, "invalid_classes", "classes",
                        "need 2..%d classes, got %zu", MODC_CLASSES_MAX, nclasses);
    for (size_t i = 0; i < nclasses; i++) {
        size_t n = classes[i] ? strlen(classes[i]) : 0;
        if (n == 0 || n > MODC_CLASS_NAME_MAX)
            return vis_errf(err, VIS_EINVAL, "invalid_classes", "classes",
                            "class names must be 1..%d bytes", MODC_CLASS_NAME_MAX);
        for (size_t j = 0; j < i; j++)
            if (strcmp(classes[i], classes[j]) == 0)
                return vis_errf(err, VIS_EINVAL, "invalid_classes", "classes",
                                "duplicate class name '%s'", classes[i]);
    }
    modc_model *m = mem_calloc(1, sizeof *m);
    m->p = *p;
    m->k = nclasses;
    m->dim = (size_t)1 << p->feat.bits;
    m->classes = mem_calloc(nclasses, sizeof *m->classes);
    m->count = mem_calloc(nclasses, sizeof *m->count);
    m->stride = 3 * nclasses;
    m->w = table_new(m->dim * m->stride);
    m->abias = mem_calloc(nclasses, sizeof *m->abias);
    m->bias = mem_calloc(nclasses, sizeof *m->bias);
    m->gbias = mem_calloc(nclasses, sizeof *m->gbias);
    m->temp = 1.0;
    modc_fvec_init(&m->scratch);
    for (size_t i = 0; i < nclasses; i++) m->classes[i] = mem_strdup(classes[i]);
    *out = m;
    return 0;
}

size_t modc_model_nclasses(const modc_model *m) { return m->k; }
const char *modc_model_class(const modc_model *m, size_t k) { return k < m->k ? m->classes[k] : NULL; }
const modc_params *modc_model_params(const modc_model *m) { return &m->p; }
uint64_t modc_model_count(const modc_model *m, size_t k) { return k < m->k ? m->count[k] : 0; }
bool modc_model_scaled(const modc_model *m) { return m->scaled; }

void modc_model_set_l2(modc_model *m, double l2)
{
    if (l2 >= 0 && l2 < 1) m->p.l2 = l2;
}

float modc_model_scale(const modc_model *m, size_t j, size_t c)
{
    if (m->stride == 3 * m->k || j >= m->dim || c >= m->k) return 1.0f;
    return m->w[j * m->stride + 3 * m->k + c];
}

int modc_model_class_index(const modc_model *m, const char *name)
{
    for (size_t i = 0; i < m->k; i++)
        if (strcmp(m->classes[i], name) == 0) return (int)i;
    return -1;
}

/* ---- prediction ----------------------------------------------------------- */

static void softmax(const float *z, size_t k, double *p)
{
    double mx = z[0], s = 0;
    for (size_t i = 1; i < k; i++)
        if (z[i] > mx) mx = z[i];
    for (size_t i = 0; i < k; i++) {
        p[i] = exp((double)z[i] - mx);
        s += p[i];
    }
    for (size_t i = 0; i < k; i++) p[i] /= s;
}

/* TF-IDF mode: sublinear values, IDF scales, L2-normalised vectors. */
static inline bool tfidf(const modc_model *m) { return m->p.feat.sublinear; }

/* The first scale of a row (the IDF scale, the same for every class), 1
 * before scales are computed. */
static inline float scale0(const modc_model *m, const float *row)
{
    return m->stride != 3 * m->k ? row[3 * m->k] : 1.0f;
}

/* 1 / the L2 norm of x after the (class-independent) IDF scales, 1 outside
 * TF-IDF mode. */
static float inv_norm(const modc_model *m, const modc_fvec *x)
{
    if (!tfidf(m)) return 1.0f;
    double s = 0;
    for (size_t j = 0; j < x->n; j++) {
        double v = (double)x->val[j] * scale0(m, m->w + (size_t)x->idx[j] * m->stride);
        s += v * v;
    }
    return s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
}

static void logits_vec(const modc_model *m, const modc_fvec *x, float *z)
{
    size_t k = m->k;
    if (tfidf(m)) {
        float in = inv_norm(m, x), acc[MODC_CLASSES_MAX] = {0};
        for (size_t j = 0; j < x->n; j++) {
            const float *row = m->w + (size_t)x->idx[j] * m->stride;
            float v = x->val[j] * scale0(m, row);
            for (size_t c = 0; c < k; c++) acc[c] += v * row[c];
        }
        for (size_t c = 0; c < k; c++) z[c] = m->bias[c] + in * acc[c];
        return;
    }
    memcpy(z, m->bias, k * sizeof *z);
    for (size_t j = 0; j < x->n; j++) {
        if (j + 8 < x->n) __builtin_prefetch(m->w + (size_t)x->idx[j + 8] * m->stride, 1);
        const float *row = m->w + (size_t)x->idx[j] * m->stride;
        float v = x->val[j];
        if (m->stride == 3 * k)
            for (size_t c = 0; c < k; c++) z[c] += v * row[c];
        else
            for (size_t c = 0; c < k; c++) z[c] += v * row[c] * row[3 * k + c];
    }
}

/* Divide the logits by the calibration temperature (predictions only:
 * learning works on the model's own logits). */
static inline void calibrate(const modc_model *m, float *z)
{
    if (m->temp == 1.0) return;
    float it = (float)(1.0 / m->temp);
    for (size_t c = 0; c < m->k; c++) z[c] *= it;
}

void modc_predict_vec(const modc_model *m, const modc_fvec *x, double *probs)
{
    float z[MODC_CLASSES_MAX];
    logits_vec(m, x, z);
    calibrate(m, z);
    softmax(z, m->k, probs);
}

/* Add the rows of codes[0..n) (signed) to acc[k]. */
static inline void add_codes(const modc_model *m, const uint32_t *codes, size_t n, float *acc)
{
    size_t k = m->k;
    if (k == 3 && m->stride == 12) { /* 3 classes with feature scales, unrolled */
        float a0 = acc[0], a1 = acc[1], a2 = acc[2];
        for (size_t i = 0; i < n; i++) {
            const float *row = m->w + (size_t)modc_code_bucket(codes[i]) * 12;
            float s = modc_code_sign(codes[i]);
            a0 += s * row[0] * row[9];
            a1 += s * row[1] * row[10];
            a2 += s * row[2] * row[11];
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        return;
    }
    if (m->stride != 3 * k) { /* feature weighting: scales after the 3k floats */
        for (size_t i = 0; i < n; i++) {
            const float *row = m->w + (size_t)modc_code_bucket(codes[i]) * m->stride;
            float s = modc_code_sign(codes[i]);
            for (size_t c = 0; c < k; c++) acc[c] += s * row[c] * row[3 * k + c];
        }
        return;
    }
    if (k == 3) { /* the common case, unrolled */
        float a0 = acc[0], a1 = acc[1], a2 = acc[2];
        for (size_t i = 0; i < n; i++) {
            const float *row = m->w + (size_t)modc_code_bucket(codes[i]) * 9;
            float s = modc_code_sign(codes[i]);
            a0 += s * row[0];
            a1 += s * row[1];
            a2 += s * row[2];
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const float *row = m->w + (size_t)modc_code_bucket(codes[i]) * m->stride;
        float s = modc_code_sign(codes[i]);
        for (size_t c = 0; c < k; c++) acc[c] += s * row[c];
    }
}

void modc_predict(const modc_model *m, const char *text, size_t len, double *probs)
{
    if (tfidf(m)) { /* not linear in occurrences: build the vector */
        modc_fvec v;
        modc_fvec_init(&v);
        modc_featurize(&m->p.feat, text, len, &v);
        modc_predict_vec(m, &v, probs);
        modc_fvec_free(&v);
        return;
    }
    float zw[MODC_CLASSES_MAX] = {0}, zc[MODC_CLASSES_MAX] = {0}, z[MODC_CLASSES_MAX];
    uint32_t words[2], chars[MODC_TOKEN_FEATS_MAX];
    char tok[MODC_TOKEN_MAX];
    modc_tokenizer t;
    uint64_t prev = 0;
    size_t tl, nw, nc, nw_tot = 0, nc_tot = 0;
    int kind;
    modc_tok_init(&t, text, len);
    while ((tl = modc_tok_next(&t, tok, &kind)) > 0) {
        modc_token_features(&m->p.feat, tok, tl, kind, &prev, words, &nw, chars, &nc);
        add_codes(m, words, nw, zw);
        add_codes(m, chars, nc, zc);
        nw_tot += nw;
        nc_tot += nc;
    }
    float sw = nw_tot ? (float)(1.0 / sqrt((double)nw_tot)) : 0.0f;
    float sc = nc_tot ? (float)(1.0 / sqrt((double)nc_tot)) : 0.0f;
    for (size_t c = 0; c < m->k; c++) z[c] = m->bias[c] + sw * zw[c] + sc * zc[c];
    calibrate(m, z);
    softmax(z, m->k, probs);
}

/* ---- learning --------------------------------------------------------------- */

static void class_weights(const modc_model *m, double *cw)
{
    uint64_t n = 0;
    for (size_t c = 0; c < m->k; c++) n += m->count[c];
    double mx = m->p.max_class_weight;
    for (size_t c = 0; c < m->k; c++) {
        double w;
        if (m->p.balance == 0 || n == 0) w = 1.0;
        else if (m->count[c] == 0) w = mx;
        else w = pow(((double)n / (double)m->k) / (double)m->count[c], m->p.balance);
        if (w > mx) w = mx;
        if (w < 1.0 / mx) w = 1.0 / mx;
        cw[c] = w;
    }
}

/* One AdaGrad step on example x with target distribution tgt[k] (one-hot
 * for a plain label) and class weights cw[k]: the loss is the weighted
 * cross-entropy -sum_c cw_c tgt_c log p_c, whose gradient in the logits is
 * (sum_c cw_c tgt_c) p - cw .* tgt. When avg is true (offline training with
 * averaging), every weight change delta made at averaging step t adds
 * t * delta to the row's averaging sums, so that after T averaged steps the
 * average of those T iterates is w - sum / T. */
static void update_core(modc_model *m, const modc_fvec *x, const double *tgt, const double *cw,
                        bool avg, float t)
{
    size_t k = m->k;
    float z[MODC_CLASSES_MAX], d[MODC_CLASSES_MAX];
    double p[MODC_CLASSES_MAX];
    logits_vec(m, x, z);
    softmax(z, k, p);
    float lr = (float)m->p.lr, l2 = (float)m->p.l2, a0 = (float)m->p.acc0;
    float l1 = (float)m->p.l1;
    double wsum = 0;
    for (size_t c = 0; c < k; c++) wsum += cw[c] * tgt[c];
    for (size_t c = 0; c < k; c++) {
        d[c] = (float)(wsum * p[c] - cw[c] * tgt[c]);
        float gr = d[c];
        m->gbias[c] += gr * gr;
        float den = a0 + m->gbias[c];
        if (den > 0) {
            float delta = -lr * gr / sqrtf(den);
            m->bias[c] += delta;
            if (avg) m->abias[c] += t * delta;
        }
    }
    float in = inv_norm(m, x);
    for (size_t j = 0; j < x->n; j++) {
        float *row = m->w + (size_t)x->idx[j] * m->stride;
        float *acc = row + k;
        float *av = avg ? row + 2 * k : NULL;
        const float *sc = m->stride != 3 * k ? row + 3 * k : NULL;
        float v = x->val[j] * in;
        for (size_t c = 0; c < k; c++) {
            float gr = d[c] * v * (sc ? sc[c] : 1.0f) + l2 * row[c];
            float a = acc[c] + gr * gr;
            acc[c] = a;
            a += a0;
            if (a > 0) {
                float step = lr / sqrtf(a);
                float w = row[c] - step * gr;
                if (l1 > 0) { /* proximal L1 step (AdaGrad composite mirror descent) */
                    float th = step * l1;
                    w = w > th ? w - th : w < -th ? w + th : 0.0f;
                }
                if (av) av[c] += t * (w - row[c]);
                row[c] = w;
            }
        }
    }
}

/* The index of the largest entry of t[k] (the first on ties). */
static size_t argmax_d(const double *t, size_t k)
{
    size_t b = 0;
    for (size_t c = 1; c < k; c++)
        if (t[c] > t[b]) b = c;
    return b;
}

/* Check a target distribution and normalise it into out[k]. */
static int norm_target(const modc_model *m, const double *target, double *out, vis_err *err)
{
    double s = 0;
    for (size_t c = 0; c < m->k; c++) {
        if (!(target[c] >= 0 && isfinite(target[c])))
            return vis_errf(err, VIS_EINVAL, "invalid_target", "target",
                            "target weights must be finite and >= 0");
        s += target[c];
    }
    if (!(s > 0 && isfinite(s)))
        return vis_errf(err, VIS_EINVAL, "invalid_target", "target",
                        "target weights must not all be 0");
    for (size_t c = 0; c < m->k; c++) out[c] = target[c] / s;
    return 0;
}

int modc_update(modc_model *m, const char *text, size_t len, size_t label, vis_err *err)
{
    if (label >= m->k)
        return vis_errf(err, VIS_EINVAL, "invalid_label", "label", "label %zu out of range", label);
    double tgt[MODC_CLASSES_MAX] = {0};
    tgt[label] = 1;
    return modc_update_soft(m, text, len, tgt, err);
}

int modc_update_soft(modc_model *m, const char *text, size_t len, const double *target,
                     vis_err *err)
{
    double tgt[MODC_CLASSES_MAX];
    int rc = norm_target(m, target, tgt, err);
    if (rc) return rc;
    modc_featurize(&m->p.feat, text, len, &m->scratch);
    m->count[argmax_d(tgt, m->k)]++;
    double cw[MODC_CLASSES_MAX];
    class_weights(m, cw);
    update_core(m, &m->scratch, tgt, cw, false, 0);
    return 0;
}

int modc_train(modc_model *m, const modc_fvec *xs, const size_t *labels, size_t n,
               const size_t *subset, size_t nsub, uint64_t seed, vis_err *err)
{
    return modc_train_soft(m, xs, labels, NULL, n, subset, nsub, seed, err);
}

int modc_train_soft(modc_model *m, const modc_fvec *xs, const size_t *labels, const float *soft,
                    size_t n, const size_t *subset, size_t nsub, uint64_t seed, vis_err *err)
{
    modc_train_data td = {xs, labels, soft, n};
    return modc_train_run(m, &td, subset, nsub, m->p.epochs, seed, NULL, 0, 0, NULL, NULL, err);
}

/* Check the examples subset[0..nsub) (all n when subset is NULL). */
static int check_examples(const modc_model *m, const modc_train_data *td, const size_t *subset,
                          size_t nsub, vis_err *err)
{
    size_t k = m->k;
    for (size_t i = 0; i < nsub; i++) {
        size_t e = subset ? subset[i] : i;
        if (e >= td->n || td->labels[e] >= k)
            return vis_errf(err, VIS_EINVAL, "invalid_label", "label",
                            "example %zu: bad index or label", i);
        if (td->soft) {
            float s = 0;
            for (size_t c = 0; c < k; c++) {
                float v = td->soft[e * k + c];
                if (!(v >= 0 && isfinite(v))) s = -1;
                else if (s >= 0) s += v;
            }
            if (!(s > 0))
                return vis_errf(err, VIS_EINVAL, "invalid_target", "target",
                                "example %zu: bad target distribution", i);
        }
    }
    return 0;
}

/* The feature scales of params.weighting from the examples order[0..n)
 * (see modc_model.h). Presence counts: each text counts once per bucket. */
static void compute_scales(modc_model *m, const modc_train_data *td, const size_t *order, size_t n)
{
    size_t k = m->k;
    float *cnt = mem_calloc(m->dim * k, sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        const modc_fvec *x = &td->xs[order[i]];
        size_t y = td->labels[order[i]];
        for (size_t j = 0; j < x->n; j++) cnt[(size_t)x->idx[j] * k + y] += 1.0f;
    }
    double a = m->p.nb_alpha, vocab = 0, f[MODC_CLASSES_MAX] = {0}, tot_all = 0;
    for (size_t r = 0; r < m->dim; r++) {
        double t = 0;
        for (size_t c = 0; c < k; c++) {
            f[c] += cnt[r * k + c];
            t += cnt[r * k + c];
        }
        tot_all += t;
        if (t > 0) vocab += 1;
    }
    for (size_t r = 0; r < m->dim; r++) {
        const float *cr = cnt + r * k;
        float *sc = m->w + r * m->stride + 3 * k;
        double t = 0;
        for (size_t c = 0; c < k; c++) t += cr[c];
        if (t == 0) continue; /* unseen: stays 1 */
        for (size_t c = 0; c < k; c++) {
            if (m->p.weighting == MODC_WEIGHT_IDF) {
                sc[c] = (float)(log((1.0 + (double)n) / (1.0 + t)) + 1.0);
            } else {
                double pc = (cr[c] + a) / (f[c] + a * vocab);
                double qc = (t - cr[c] + a) / (tot_all - f[c] + a * vocab);
                sc[c] = (float)log(pc / qc);
            }
        }
    }
    free(cnt);
    m->scaled = true;
}

/* Probabilities of x under the average of the iterates so far (t averaged
 * steps; the plain weights when t == 0). */
static void predict_avg(const modc_model *m, const modc_fvec *x, float t, double *probs)
{
    size_t k = m->k;
    float z[MODC_CLASSES_MAX];
    float it = t > 0 ? 1.0f / t : 0.0f;
    for (size_t c = 0; c < k; c++) z[c] = m->bias[c] - m->abias[c] * it;
    float in = inv_norm(m, x);
    for (size_t j = 0; j < x->n; j++) {
        const float *row = m->w + (size_t)x->idx[j] * m->stride;
        float v = x->val[j] * in;
        for (size_t c = 0; c < k; c++)
            z[c] += v * (row[c] - row[2 * k + c] * it) * (m->stride != 3 * k ? row[3 * k + c] : 1.0f);
    }
    softmax(z, k, probs);
}

int modc_train_run(modc_model *m, const modc_train_data *td, const size_t *subset, size_t nsub,
                   unsigned epochs, uint64_t seed, const size_t *val, size_t nval,
                   unsigned patience, double *val_loss, double *val_probs, vis_err *err)
{
    size_t k = m->k;
    if (!subset) nsub = td->n;
    int rc = check_examples(m, td, subset, nsub, err);
    if (!rc && val) rc = check_examples(m, td, val, nval, err);
    if (rc) return rc;
    if (nsub == 0 || epochs == 0) return 0;
    size_t *order = mem_alloc(nsub * sizeof *order);
    for (size_t i = 0; i < nsub; i++) {
        order[i] = subset ? subset[i] : i;
        m->count[td->labels[order[i]]]++;
    }
    if (m->p.weighting != MODC_WEIGHT_NONE && !m->scaled) {
        modc_model_grow_scales(m);
        compute_scales(m, td, order, nsub);
    }
    double cw[MODC_CLASSES_MAX];
    class_weights(m, cw);
    bool avg = m->p.average;
    unsigned avg_from = m->p.avg_from;
    if (avg_from >= epochs) avg_from = epochs - 1;
    float t = 0;
    uint64_t rs = seed;
    double tgt[MODC_CLASSES_MAX], pr[MODC_CLASSES_MAX];
    double best = INFINITY;
    unsigned since_best = 0;
    for (unsigned ep = 0; ep < epochs; ep++) {
        for (size_t i = nsub - 1; i > 0; i--) {
            size_t j = modc_rand_below(&rs, i + 1);
            size_t tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        bool av = avg && ep >= avg_from;
        for (size_t i = 0; i < nsub; i++) {
            size_t e = order[i];
            if (td->soft) {
                double s = 0;
                for (size_t c = 0; c < k; c++) s += td->soft[e * k + c];
                for (size_t c = 0; c < k; c++) tgt[c] = td->soft[e * k + c] / s;
            } else {
                memset(tgt, 0, k * sizeof *tgt);
                tgt[td->labels[e]] = 1;
            }
            update_core(m, &td->xs[e], tgt, cw, av, t);
            if (av) t += 1;
        }
        if (val && nval) { /* monitor the held-out examples */
            double loss = 0, wsum = 0;
            for (size_t i = 0; i < nval; i++) {
                size_t e = val[i];
                predict_avg(m, &td->xs[e], av ? t : 0, pr);
                if (val_probs) memcpy(val_probs + ((size_t)ep * nval + i) * k, pr, k * sizeof *pr);
                size_t y = td->labels[e];
                loss -= cw[y] * log(pr[y] > 1e-12 ? pr[y] : 1e-12);
                wsum += cw[y];
            }
            loss /= wsum;
            if (val_loss) val_loss[ep] = loss;
            if (loss < best) {
                best = loss;
                since_best = 0;
            } else if (patience && ++since_best >= patience) {
                for (unsigned e2 = ep + 1; e2 < epochs && val_loss; e2++) val_loss[e2] = INFINITY;
                epochs = ep + 1;
            }
        }
    }
    if (avg && t > 0) { /* replace the last iterate by the average of the iterates */
        for (size_t r = 0; r < m->dim; r++) {
            float *w = m->w + r * m->stride, *a = w + 2 * k;
            for (size_t c = 0; c < k; c++) {
                w[c] -= a[c] / t;
                a[c] = 0;
            }
        }
        for (size_t c = 0; c < k; c++) {
            m->bias[c] -= m->abias[c] / t;
            m->abias[c] = 0;
        }
    }
    free(order);
    return 0;
}

void modc_set_offsets(modc_model *m, const double *offsets)
{
    for (size_t c = 0; c < m->k; c++) m->offset[c] = offsets && isfinite(offsets[c]) ? offsets[c] : 0;
}

const double *modc_offsets(const modc_model *m) { return m->offset; }

void modc_set_temperature(modc_model *m, double t)
{
    m->temp = isfinite(t) && t >= MODC_TEMP_MIN && t <= MODC_TEMP_MAX ? t : 1.0;
}

double modc_temperature(const modc_model *m) { return m->temp; }

size_t modc_argmax_offset(const double *probs, const double *offset, size_t k)
{
    size_t best = 0;
    double bv = -INFINITY;
    for (size_t c = 0; c < k; c++) {
        double v = log(probs[c] > 1e-300 ? probs[c] : 1e-300) + offset[c];
        if (v > bv) {
            bv = v;
            best = c;
        }
    }
    return best;
}

size_t modc_classify(const modc_model *m, const double *probs) { return modc_argmax_offset(probs, m->offset, m->k); }

int modc_decide(const double *probs, size_t nclasses, const double *thresholds,
                const bool *allowed)
{
    if (nclasses == 0) return -1;
    size_t best = 0;
    for (size_t c = 1; c < nclasses; c++)
        if (probs[c] > probs[best]) best = c;
    double t = thresholds ? thresholds[best] : MODC_DEFAULT_THRESHOLD;
    if (allowed && !allowed[best]) return -1;
    return probs[best] >= t ? (int)best : -1;
}
