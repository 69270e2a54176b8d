#include "base/mem.h"
#include "moderation/modc_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GRID_LO (-4.0)
#define GRID_STEP 0.05
#define GRID_N 161 /* -4 .. 4 */
#define ROUNDS 3
#define MIN_INNER 20

void modc_fit_opts_default(modc_fit_opts *o)
{
    o->val_share = 0.25;
    o->early_stop = false;
    o->offsets = true;
    o->select_l2 = false;
    o->calibrate = true;
}

/* probs[n * k] recalibrated with temperature t into out: softmax(log p / t). */
static void temper(const double *probs, size_t n, size_t k, double t, double *out)
{
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + i * k;
        double *q = out + i * k, mx = -INFINITY, s = 0;
        for (size_t c = 0; c < k; c++) {
            q[c] = log(p[c] > 1e-300 ? p[c] : 1e-300) / t;
            if (q[c] > mx) mx = q[c];
        }
        for (size_t c = 0; c < k; c++) s += (q[c] = exp(q[c] - mx));
        for (size_t c = 0; c < k; c++) q[c] /= s;
    }
}

/* Mean log-loss of the labels under probs tempered by t (unweighted: the
 * calibration is about how often a decision of the model is right). */
static double tempered_loss(const double *probs, const size_t *labels, size_t n, size_t k,
                            double t)
{
    double loss = 0, q[MODC_CLASSES_MAX];
    for (size_t i = 0; i < n; i++) {
        temper(probs + i * k, 1, k, t, q);
        loss -= log(q[labels[i]] > 1e-300 ? q[labels[i]] : 1e-300);
    }
    return n ? loss / (double)n : 0.0;
}

double modc_fit_temperature(const double *probs, const size_t *labels, size_t n, size_t k)
{
    if (n == 0 || k < 2 || k > MODC_CLASSES_MAX) return 1.0;
    /* golden-section search of the loss over log t in [log 1/4, log 4] (the
     * loss is convex in 1/t) */
    const double g = 0.6180339887498949;
    double a = log(0.25), b = log(4.0);
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = tempered_loss(probs, labels, n, k, exp(x1));
    double f2 = tempered_loss(probs, labels, n, k, exp(x2));
    for (int it = 0; it < 40; it++) {
        if (f1 <= f2) {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - g * (b - a);
            f1 = tempered_loss(probs, labels, n, k, exp(x1));
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (b - a);
            f2 = tempered_loss(probs, labels, n, k, exp(x2));
        }
    }
    return exp((a + b) / 2);
}

/* Macro F1 of argmax_c lp[i*k+c] + off[c] against labels. */
static double macro_f1(const double *lp, const size_t *labels, size_t n, size_t k,
                       const double *off, size_t *tp, size_t *sup, size_t *pred)
{
    memset(tp, 0, k * sizeof *tp);
    memset(sup, 0, k * sizeof *sup);
    memset(pred, 0, k * sizeof *pred);
    for (size_t i = 0; i < n; i++) {
        const double *l = lp + i * k;
        size_t b = 0;
        double bv = l[0] + off[0];
        for (size_t c = 1; c < k; c++)
            if (l[c] + off[c] > bv) {
                bv = l[c] + off[c];
                b = c;
            }
        sup[labels[i]]++;
        pred[b]++;
        if (b == labels[i]) tp[b]++;
    }
    double s = 0;
    size_t cl = 0;
    for (size_t c = 0; c < k; c++) {
        if (!sup[c] && !pred[c]) continue;
        s += 2.0 * (double)tp[c] / (double)(sup[c] + pred[c]);
        cl++;
    }
    return cl ? s / (double)cl : 0.0;
}

double modc_fit_offsets(const double *probs, const size_t *labels, size_t n, size_t k,
                        double *offsets)
{
    for (size_t c = 0; c < k; c++) offsets[c] = 0;
    if (n == 0 || k < 2 || k > MODC_CLASSES_MAX) return 0;
    double *lp = mem_alloc(n * k * sizeof *lp);
    size_t tp[MODC_CLASSES_MAX], sup[MODC_CLASSES_MAX], pred[MODC_CLASSES_MAX];
    for (size_t i = 0; i < n * k; i++) lp[i] = log(probs[i] > 1e-300 ? probs[i] : 1e-300);
    /* the reference class (offset 0): the most frequent one */
    size_t cnt[MODC_CLASSES_MAX] = {0}, ref = 0;
    for (size_t i = 0; i < n; i++) cnt[labels[i]]++;
    for (size_t c = 1; c < k; c++)
        if (cnt[c] > cnt[ref]) ref = c;
    double best = macro_f1(lp, labels, n, k, offsets, tp, sup, pred);
    for (int round = 0; round < ROUNDS; round++) {
        bool changed = false;
        for (size_t c = 0; c < k; c++) {
            if (c == ref) continue;
            double f[GRID_N], keep = offsets[c], mx = -1;
            for (int g = 0; g < GRID_N; g++) {
                offsets[c] = GRID_LO + GRID_STEP * g;
                f[g] = macro_f1(lp, labels, n, k, offsets, tp, sup, pred);
                if (f[g] > mx) mx = f[g];
            }
            /* the middle of the longest run of grid values at the maximum */
            int run_start = -1, best_start = 0, best_len = 0;
            for (int g = 0; g <= GRID_N; g++) {
                bool at = g < GRID_N && f[g] >= mx - 1e-12;
                if (at && run_start < 0) run_start = g;
                if (!at && run_start >= 0) {
                    if (g - run_start > best_len) {
                        best_len = g - run_start;
                        best_start = run_start;
                    }
                    run_start = -1;
                }
            }
            offsets[c] = GRID_LO + GRID_STEP * (best_start + (best_len - 1) / 2.0);
            if (mx > best + 1e-12 || fabs(offsets[c] - keep) > 1e-9) changed = true;
            if (mx > best) best = mx;
        }
        if (!changed) break;
    }
    best = macro_f1(lp, labels, n, k, offsets, tp, sup, pred);
    free(lp);
    return best;
}

/* Deal subset into inner training and validation parts, stratified by
 * class: each class's examples are shuffled and the first
 * round(val_share * count) (at least 1 when count >= 2) are held out. */
void modc_fit_inner_split(const modc_train_data *td, const size_t *subset, size_t nsub, size_t k,
                         double share, uint64_t seed, size_t *tr, size_t *ntr, size_t *va,
                         size_t *nva)
{
    size_t *idx = mem_alloc((nsub ? nsub : 1) * sizeof *idx);
    uint64_t rs = seed ^ 0x5bd1e9955bd1e995ULL;
    *ntr = *nva = 0;
    for (size_t c = 0; c < k; c++) {
        size_t m = 0;
        for (size_t i = 0; i < nsub; i++) {
            size_t e = subset ? subset[i] : i;
            if (td->labels[e] == c) idx[m++] = e;
        }
        for (size_t i = m; i > 1; i--) {
            size_t j = modc_rand_below(&rs, i);
            size_t t = idx[i - 1];
            idx[i - 1] = idx[j];
            idx[j] = t;
        }
        size_t nv = (size_t)floor(share * (double)m + 0.5);
        if (nv == 0 && m >= 2) nv = 1;
        if (nv >= m && m > 0) nv = m - 1;
        for (size_t i = 0; i < m; i++) {
            if (i < nv) va[(*nva)++] = idx[i];
            else tr[(*ntr)++] = idx[i];
        }
    }
    free(idx);
}

/* Step 1 on the inner split: train on tr and watch the held-out loss on va
 * after every pass, once per L2 of the grid (o->select_l2) or with the
 * model's own: *best the pass count - 1 and *l2 the penalty that did best,
 * vprobs (epochs x nva x k) the held-out probabilities of that run. */
static int inner_select(const modc_model *m, const modc_train_data *td, const modc_fit_opts *o, uint64_t seed,
                        const size_t *tr, size_t ntr, const size_t *va, size_t nva, double *vprobs,
                        modc_fit_report *rep, unsigned *best, double *l2, vis_err *err)
{
    const modc_params *p = modc_model_params(m);
    size_t k = modc_model_nclasses(m);
    unsigned epochs = p->epochs;
    size_t nvp = (size_t)epochs * nva * k;
    const char *names[MODC_CLASSES_MAX];
    for (size_t c = 0; c < k; c++) names[c] = modc_model_class(m, c);
    static const double grid[] = MODC_FIT_L2_GRID;
    size_t ng = o->select_l2 ? sizeof grid / sizeof grid[0] : 1;
    double best_loss = INFINITY, *loss = mem_calloc(epochs, sizeof *loss);
    double *cur = ng > 1 ? mem_alloc((nvp ? nvp : 1) * sizeof *cur) : NULL;
    int rc = 0;
    *best = epochs - 1;
    *l2 = p->l2;
    for (size_t g = 0; g < ng && !rc; g++) {
        modc_model *inner;
        if ((rc = modc_model_new(&inner, p, names, k, err))) break;
        if (ng > 1) modc_model_set_l2(inner, grid[g]);
        double *vp = ng > 1 ? cur : vprobs;
        if (o->early_stop || ng > 1) { /* the held-out loss after every pass */
            rc = modc_train_run(inner, td, tr, ntr, epochs, seed * 31 + 7, va, nva, o->early_stop ? 1 : 0, loss, vp,
                                err);
        } else { /* only the last pass's held-out predictions are needed */
            rc = modc_train_run(inner, td, tr, ntr, epochs, seed * 31 + 7, NULL, 0, 0, NULL, NULL, err);
            for (size_t i = 0; i < nva && !rc; i++)
                modc_predict_vec(inner, &td->xs[va[i]], vp + ((size_t)(epochs - 1) * nva + i) * k);
        }
        modc_model_free(inner);
        if (rc) break;
        unsigned b = epochs - 1;
        if (o->early_stop) {
            b = 0;
            for (unsigned e = 1; e < epochs; e++)
                if (loss[e] < loss[b]) b = e;
        }
        if (g < 16) rep->l2_loss[g] = loss[b];
        if (ng == 1 || loss[b] < best_loss) {
            best_loss = loss[b];
            *best = b;
            if (ng > 1) {
                *l2 = grid[g];
                memcpy(vprobs, cur, nvp * sizeof *cur);
            }
            for (unsigned e = 0; e < p->epochs && e < 64; e++) rep->val_loss[e] = loss[e];
        }
    }
    free(cur);
    free(loss);
    return rc;
}

int modc_fit(modc_model *m, const modc_train_data *td, const size_t *subset, size_t nsub,
             const modc_fit_opts *o, uint64_t seed, modc_fit_report *rep, vis_err *err)
{
    modc_fit_report local;
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    rep->temperature = 1.0;
    modc_fit_opts def;
    if (!o) {
        modc_fit_opts_default(&def);
        o = &def;
    }
    if (!(o->val_share > 0 && o->val_share <= 0.5))
        return vis_errf(err, VIS_EINVAL, "invalid_param", "val_share",
                        "validation share must be in (0, 0.5]");
    const modc_params *p = modc_model_params(m);
    size_t k = modc_model_nclasses(m);
    unsigned epochs = p->epochs;
    if (!subset) nsub = td->n;
    modc_model_reset(m);
    rep->epochs = epochs;
    size_t present = 0, cnt[MODC_CLASSES_MAX] = {0};
    for (size_t i = 0; i < nsub; i++) {
        size_t e = subset ? subset[i] : i;
        if (e < td->n && td->labels[e] < k && cnt[td->labels[e]]++ == 0) present++;
    }
    rep->l2 = p->l2;
    if ((!o->early_stop && !o->offsets && !o->select_l2 && !o->calibrate) || nsub < MIN_INNER ||
        present < 2)
        return modc_train_run(m, td, subset, nsub, epochs, seed, NULL, 0, 0, NULL, NULL, err);

    int rc = 0;
    size_t *tr = mem_alloc(nsub * sizeof *tr), *va = mem_alloc(nsub * sizeof *va), ntr, nva;
    size_t *vlab = mem_alloc(nsub * sizeof *vlab);
    modc_fit_inner_split(td, subset, nsub, k, o->val_share, seed, tr, &ntr, va, &nva);
    size_t nvp = (size_t)epochs * nva * k; /* held-out probabilities of every pass */
    double *vprobs = mem_alloc((nvp ? nvp : 1) * sizeof *vprobs);
    unsigned best;
    double chosen_l2;
    rc = inner_select(m, td, o, seed, tr, ntr, va, nva, vprobs, rep, &best, &chosen_l2, err);
    if (rc) goto done;
    rep->inner = true;
    rep->epochs = epochs = best + 1;
    rep->l2 = chosen_l2;
    modc_model_set_l2(m, chosen_l2);
    for (size_t i = 0; i < nva; i++) vlab[i] = td->labels[va[i]];
    double *bp = vprobs + (size_t)best * nva * k; /* held-out probabilities */
    rep->temperature = 1.0;
    if (o->calibrate) {
        rep->temperature = modc_fit_temperature(bp, vlab, nva, k);
        temper(bp, nva, k, rep->temperature, bp);
    }
    if (o->offsets) rep->val_macro_f1 = modc_fit_offsets(bp, vlab, nva, k, rep->offsets);
    rc = modc_train_run(m, td, subset, nsub, epochs, seed, NULL, 0, 0, NULL, NULL, err);
    if (rc) goto done;
    modc_set_offsets(m, rep->offsets);
    modc_set_temperature(m, rep->temperature);
done:
    free(tr);
    free(va);
    free(vlab);
    free(vprobs);
    return rc;
}
