#include "base/mem.h"
#include "moderation/modc_eval.h"

#include "moderation/modc_stack.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int modc_metrics_init(modc_metrics *m, size_t k)
{
    memset(m, 0, sizeof *m);
    m->k = k;
    m->confusion = mem_calloc(k ? k * k : 1, sizeof *m->confusion);
    m->per_class = mem_calloc(k ? k : 1, sizeof *m->per_class);
    return 0;
}

void modc_metrics_free(modc_metrics *m)
{
    free(m->confusion);
    free(m->per_class);
    memset(m, 0, sizeof *m);
}

void modc_metrics_add(modc_metrics *m, size_t truth, size_t pred, bool automatic)
{
    if (truth >= m->k || pred >= m->k) return;
    m->confusion[truth * m->k + pred]++;
    m->n++;
    if (automatic) {
        m->n_auto++;
        if (truth == pred) m->n_auto_correct++;
    }
}

void modc_metrics_finish(modc_metrics *m)
{
    size_t k = m->k, correct = 0, classes = 0;
    double macro = 0, weighted = 0;
    for (size_t c = 0; c < k; c++) {
        modc_class_metrics *pc = &m->per_class[c];
        size_t tp = m->confusion[c * k + c], sup = 0, pred = 0;
        for (size_t j = 0; j < k; j++) {
            sup += m->confusion[c * k + j];
            pred += m->confusion[j * k + c];
        }
        pc->support = sup;
        pc->predicted = pred;
        pc->precision = pred ? (double)tp / (double)pred : 0.0;
        pc->recall = sup ? (double)tp / (double)sup : 0.0;
        pc->f1 = pc->precision + pc->recall > 0
                     ? 2 * pc->precision * pc->recall / (pc->precision + pc->recall)
                     : 0.0;
        correct += tp;
        /* macro F1 averages over the classes present in the truth or the
         * predictions (a class absent from both has no defined F1) */
        if (sup || pred) {
            macro += pc->f1;
            classes++;
        }
        weighted += pc->f1 * (double)sup;
    }
    m->accuracy = m->n ? (double)correct / (double)m->n : 0.0;
    m->macro_f1 = classes ? macro / (double)classes : 0.0;
    m->weighted_f1 = m->n ? weighted / (double)m->n : 0.0;
    m->auto_share = m->n ? (double)m->n_auto / (double)m->n : 0.0;
    m->auto_accuracy = m->n_auto ? (double)m->n_auto_correct / (double)m->n_auto : 0.0;
}

int modc_stratified_folds(const size_t *labels, size_t n, size_t nclasses, size_t folds,
                          uint64_t seed, size_t *fold_of, vis_err *err)
{
    if (folds < 2 || folds > n)
        return vis_errf(err, VIS_EINVAL, "invalid_folds", "folds",
                        "folds must be between 2 and the number of examples (%zu)", n);
    size_t *idx = mem_alloc((n ? n : 1) * sizeof *idx);
    uint64_t rs = seed;
    size_t next = 0;
    for (size_t c = 0; c < nclasses; c++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (labels[i] == c) idx[m++] = i;
        for (size_t i = m; i > 1; i--) {
            size_t j = modc_rand_below(&rs, i);
            size_t t = idx[i - 1];
            idx[i - 1] = idx[j];
            idx[j] = t;
        }
        for (size_t i = 0; i < m; i++) {
            fold_of[idx[i]] = next;
            next = (next + 1) % folds;
        }
    }
    free(idx);
    return 0;
}

void modc_cv_opts_default(modc_cv_opts *o)
{
    memset(o, 0, sizeof *o);
    modc_params_default(&o->params);
    o->params.l2 = MODC_OFFLINE_L2;
    o->folds = 10;
    o->threshold = MODC_DEFAULT_THRESHOLD;
    o->seed = 1;
    o->votes = false;
    modc_fit_opts_default(&o->fit);
}

/* One worker of the cross-validation: folds w, w + nworkers, ... each with
 * its own model; it writes only the entries of its folds' examples. */
typedef struct cv_job {
    const modc_dataset *d;
    const modc_cv_opts *o;
    const modc_fvec *xs;
    const size_t *fold_of;
    size_t w, nworkers;
    size_t *pred;       /* n: the class acted on */
    unsigned char *aut; /* n: auto-decided */
    int rc;
    vis_err err;
} cv_job;

static void *cv_worker(void *arg)
{
    cv_job *j = arg;
    const modc_dataset *d = j->d;
    const modc_cv_opts *o = j->o;
    size_t n = d->n, k = d->nclasses;
    modc_model *model = NULL;
    modc_stack st;
    memset(&st, 0, sizeof st);
    size_t *train = mem_alloc((n ? n : 1) * sizeof *train);
    if (o->stack) {
        modc_params bp[MODC_STACK_MAX];
        modc_fit_opts bo[MODC_STACK_MAX];
        size_t nb = modc_stack_bases(&o->params, bp, bo);
        j->rc = modc_stack_init(&st, bp, bo, nb, (const char *const *)d->classes, k, &j->err);
    } else {
        j->rc = modc_model_new(&model, &o->params, (const char *const *)d->classes, k, &j->err);
    }
    double thr[MODC_CLASSES_MAX], probs[MODC_CLASSES_MAX];
    for (size_t c = 0; c < k; c++) thr[c] = o->threshold;
    for (size_t f = j->w; f < o->folds && !j->rc; f += j->nworkers) {
        size_t nt = 0;
        for (size_t i = 0; i < n; i++)
            if (j->fold_of[i] != f) train[nt++] = i;
        modc_train_data td = {j->xs, d->label, o->votes ? d->soft : NULL, n};
        modc_fit_report rep;
        uint64_t seed = o->seed * 1000003u + f;
        if (o->stack) {
            j->rc = modc_stack_fit(&st, &td, train, nt, o->fit.val_share, seed, &j->err);
            rep.epochs = o->params.epochs;
            rep.l2 = o->params.l2;
        } else {
            j->rc = modc_fit(model, &td, train, nt, &o->fit, seed, &rep, &j->err);
        }
        if (j->rc) break;
        if (o->epochs) o->epochs[f] = rep.epochs;
        if (o->l2) o->l2[f] = rep.l2;
        for (size_t i = 0; i < n; i++) {
            if (j->fold_of[i] != f) continue;
            if (o->stack) modc_stack_predict_vec(&st, &j->xs[i], probs);
            else modc_predict_vec(model, &j->xs[i], probs);
            if (o->oof) memcpy(o->oof + i * k, probs, k * sizeof *probs);
            int dec = modc_decide(probs, k, thr, NULL);
            j->pred[i] = dec >= 0          ? (size_t)dec
                         : o->stack ? modc_stack_classify(&st, probs)
                                    : modc_classify(model, probs);
            j->aut[i] = dec >= 0;
        }
    }
    modc_model_free(model);
    modc_stack_free(&st);
    free(train);
    return NULL;
}

size_t modc_cv_default_threads(void)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c < 1 ? 1 : c > MODC_CV_THREADS_MAX ? MODC_CV_THREADS_MAX : (size_t)c;
}

int modc_cross_validate(const modc_dataset *d, const modc_cv_opts *o, modc_metrics *out,
                        vis_err *err)
{
    memset(out, 0, sizeof *out);
    if (o->per_fold) memset(o->per_fold, 0, o->folds * sizeof *o->per_fold);
    size_t n = d->n, k = d->nclasses;
    int rc = modc_params_check(&o->params, err);
    if (rc) return rc;
    if (!(o->threshold >= 0 && o->threshold <= 1))
        return vis_errf(err, VIS_EINVAL, "invalid_threshold", "threshold",
                        "threshold must be in [0, 1]");
    size_t nw = o->threads ? o->threads : modc_cv_default_threads();
    if (nw > MODC_CV_THREADS_MAX) nw = MODC_CV_THREADS_MAX;
    if (nw > o->folds) nw = o->folds;
    if (nw < 1) nw = 1;
    modc_fvec *xs = mem_calloc(n ? n : 1, sizeof *xs);
    size_t *fold_of = mem_alloc((n ? n : 1) * sizeof *fold_of);
    size_t *pred = mem_alloc((n ? n : 1) * sizeof *pred);
    unsigned char *aut = mem_alloc(n ? n : 1);
    cv_job jobs[MODC_CV_THREADS_MAX];
    pthread_t tid[MODC_CV_THREADS_MAX];
    modc_fvec tmp;
    modc_fvec_init(&tmp);
    for (size_t i = 0; i < n; i++)
        if (d->label[i] >= k) {
            rc = vis_errf(err, VIS_EINVAL, "invalid_label", "label", "example %zu: bad label", i);
            goto done;
        }
    rc = modc_stratified_folds(d->label, n, k, o->folds, o->seed, fold_of, err);
    if (rc) goto done;
    if (k < 2 || k > MODC_CLASSES_MAX) {
        rc = vis_errf(err, VIS_EINVAL, "invalid_classes", "classes", "need 2..%d classes",
                      MODC_CLASSES_MAX);
        goto done;
    }
    modc_metrics_init(out, k);
    for (size_t i = 0; i < n; i++) {
        modc_featurize(&o->params.feat, d->text[i], d->len[i], &tmp);
        modc_fvec_take(&tmp, &xs[i]);
    }
    /* folds in nw threads (each fold is deterministic for its seed, so the
     * result does not depend on the number of threads) */
    bool running[MODC_CV_THREADS_MAX] = {false};
    for (size_t w = 0; w < nw; w++) {
        memset(&jobs[w], 0, sizeof jobs[w]);
        jobs[w].d = d;
        jobs[w].o = o;
        jobs[w].xs = xs;
        jobs[w].fold_of = fold_of;
        jobs[w].w = w;
        jobs[w].nworkers = nw;
        jobs[w].pred = pred;
        jobs[w].aut = aut;
        vis_err_clear(&jobs[w].err);
        if (w > 0) running[w] = pthread_create(&tid[w], NULL, cv_worker, &jobs[w]) == 0;
    }
    /* worker 0, and any worker whose thread could not be started, run here */
    for (size_t w = 0; w < nw; w++)
        if (!running[w]) cv_worker(&jobs[w]);
    for (size_t w = 1; w < nw; w++)
        if (running[w]) pthread_join(tid[w], NULL);
    for (size_t w = 0; w < nw; w++)
        if (jobs[w].rc) {
            rc = jobs[w].rc;
            *err = jobs[w].err;
            goto done;
        }
    for (size_t i = 0; i < n; i++) modc_metrics_add(out, d->label[i], pred[i], aut[i] != 0);
    modc_metrics_finish(out);
    if (o->per_fold) {
        for (size_t f = 0; f < o->folds; f++) modc_metrics_init(&o->per_fold[f], k);
        for (size_t i = 0; i < n; i++)
            modc_metrics_add(&o->per_fold[fold_of[i]], d->label[i], pred[i], aut[i] != 0);
        for (size_t f = 0; f < o->folds; f++) modc_metrics_finish(&o->per_fold[f]);
    }
done:
    if (rc) {
        modc_metrics_free(out);
        for (size_t f = 0; o->per_fold && f < o->folds; f++) modc_metrics_free(&o->per_fold[f]);
    }
    for (size_t i = 0; i < n; i++) modc_fvec_free(&xs[i]);
    free(xs);
    free(fold_of);
    free(pred);
    free(aut);
    modc_fvec_free(&tmp);
    return rc;
}
