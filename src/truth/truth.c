/* truth — entry point: validation, grouping by task, shared helpers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "truth/truth_int.h"

#include "base/mem.h"

static const struct {
    const char *name;
    truth_method m;
} method_names[] = {
    {"mv", TRUTH_MV},           {"wawa", TRUTH_WAWA},   {"ds", TRUTH_DS},
    {"onecoin", TRUTH_ONECOIN}, {"glad", TRUTH_GLAD},   {"mace", TRUTH_MACE},
    {"majority", TRUTH_MV},     {"dawid-skene", TRUTH_DS}, {"one-coin", TRUTH_ONECOIN},
};

int truth_method_parse(const char *name, truth_method *out, vis_err *err)
{
    for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
        if (name && strcmp(name, method_names[i].name) == 0) {
            *out = method_names[i].m;
            return 0;
        }
    return vis_errf(err, VIS_EINVAL, "invalid_method", "method",
                    "unknown method '%s' (expected mv, wawa, ds, onecoin, glad or mace)",
                    name ? name : "");
}

const char *truth_method_name(truth_method m)
{
    for (size_t i = 0; i < TRUTH_N_METHODS; i++)
        if (method_names[i].m == m) return method_names[i].name;
    return "?";
}

void truth_options_default(truth_options *o, truth_method m)
{
    memset(o, 0, sizeof *o);
    o->method = m;
    o->max_iter = m == TRUTH_MACE ? 50 : 100;
    o->tol = 1e-7;
    o->smoothing = 0.0;
    o->restarts = m == TRUTH_MACE ? 10 : 0;
    o->seed = 1;
}

void truth_result_free(truth_result *r)
{
    if (!r) return;
    free(r->label);
    free(r->confidence);
    free(r->posterior);
    free(r->skill);
    free(r->answers);
    free(r->confusion);
    free(r->worker_param);
    free(r->task_param);
    free(r->prior);
    memset(r, 0, sizeof *r);
}

static int validate(const truth_input *in, const truth_options *o, vis_err *err)
{
    if (in->n_tasks < 0 || in->n_workers < 0 || in->n_classes < 1)
        return vis_errf(err, VIS_EINVAL, "invalid_input", "n_classes",
                        "need n_tasks >= 0, n_workers >= 0, n_classes >= 1");
    if (in->n_answers && (!in->task || !in->worker || !in->label))
        return vis_errf(err, VIS_EINVAL, "invalid_input", "answers", "answer arrays missing");
    for (size_t i = 0; i < in->n_answers; i++) {
        if (in->task[i] < 0 || in->task[i] >= in->n_tasks)
            return vis_errf(err, VIS_EINVAL, "invalid_input", "task",
                            "answer %zu: task %d out of range", i, (int)in->task[i]);
        if (in->worker[i] < 0 || in->worker[i] >= in->n_workers)
            return vis_errf(err, VIS_EINVAL, "invalid_input", "worker",
                            "answer %zu: worker %d out of range", i, (int)in->worker[i]);
        if (in->label[i] < 0 || in->label[i] >= in->n_classes)
            return vis_errf(err, VIS_EINVAL, "invalid_input", "label",
                            "answer %zu: label %d out of range", i, (int)in->label[i]);
    }
    if (in->gold)
        for (int32_t t = 0; t < in->n_tasks; t++)
            if (in->gold[t] < -1 || in->gold[t] >= in->n_classes)
                return vis_errf(err, VIS_EINVAL, "invalid_input", "gold",
                                "task %d: gold label %d out of range", (int)t, (int)in->gold[t]);
    if ((unsigned)o->method >= TRUTH_N_METHODS)
        return vis_errf(err, VIS_EINVAL, "invalid_method", "method", "unknown method");
    if (o->max_iter < 1 || !(o->tol >= 0) || !(o->smoothing >= 0) || !(o->shrink >= 0) ||
        o->restarts < 0)
        return vis_errf(err, VIS_EINVAL, "invalid_option", "options",
                        "need max_iter >= 1, tol >= 0, smoothing >= 0, shrink >= 0, restarts >= 0");
    return 0;
}

static void *xcalloc(size_t n, size_t size) { return mem_calloc(n ? n : 1, size); }

/* Class order for ties: more answers first, then lower index. */
static void build_rank(truth_ctx *c)
{
    int32_t K = c->K;
    for (int32_t k = 0; k < K; k++) {
        int32_t r = 0;
        for (int32_t j = 0; j < K; j++)
            if (c->class_count[j] > c->class_count[k] ||
                (c->class_count[j] == c->class_count[k] && j < k))
                r++;
        c->rank[k] = r;
    }
}

int32_t truth__argmax(const truth_ctx *c, const double *row)
{
    int32_t best = 0;
    for (int32_t k = 1; k < c->K; k++)
        if (row[k] > row[best] || (row[k] == row[best] && c->rank[k] < c->rank[best]))
            best = k;
    return best;
}

double truth__normalize_log(double *row, int32_t K)
{
    double m = row[0];
    for (int32_t k = 1; k < K; k++)
        if (row[k] > m) m = row[k];
    double s = 0;
    for (int32_t k = 0; k < K; k++) {
        row[k] = exp(row[k] - m);
        s += row[k];
    }
    double inv = 1.0 / s;
    for (int32_t k = 0; k < K; k++) row[k] *= inv;
    return m + log(s);
}

void truth__vote(truth_ctx *c, const double *w, double *post)
{
    int32_t K = c->K;
    for (int32_t t = 0; t < c->T; t++) {
        double *row = post + (size_t)t * K;
        if (truth__gold_row(c, t, row)) continue;
        for (int32_t k = 0; k < K; k++) row[k] = 0.0;
        double tot = 0;
        for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++) {
            double v = w ? w[c->a_worker[i]] : 1.0;
            row[c->a_label[i]] += v;
            tot += v;
        }
        if (tot > 0)
            for (int32_t k = 0; k < K; k++) row[k] /= tot;
        else
            for (int32_t k = 0; k < K; k++) row[k] = 1.0 / K;
    }
}

void truth__update_prior(const truth_ctx *c, const double *post, double s, double *prior)
{
    int32_t K = c->K;
    double n = 0;
    for (int32_t k = 0; k < K; k++) prior[k] = s;
    for (int32_t t = 0; t < c->T; t++) {
        if (!truth__has_evidence(c, t)) continue;
        const double *row = post + (size_t)t * K;
        for (int32_t k = 0; k < K; k++) prior[k] += row[k];
        n += 1;
    }
    double tot = n + K * s;
    for (int32_t k = 0; k < K; k++) prior[k] = tot > 0 ? prior[k] / tot : 1.0 / K;
}

void truth__agreement_skill(truth_ctx *c, const double *post, double *skill)
{
    int32_t *ans = c->out->answers;
    for (int32_t w = 0; w < c->W; w++) skill[w] = 0;
    for (int32_t t = 0; t < c->T; t++) {
        if (!truth__has_evidence(c, t)) continue;
        int32_t lab = truth__argmax(c, post + (size_t)t * c->K);
        for (size_t i = c->t_off[t]; i < c->t_off[t + 1]; i++)
            if (c->a_label[i] == lab) skill[c->a_worker[i]] += 1;
    }
    for (int32_t w = 0; w < c->W; w++) skill[w] = ans[w] ? skill[w] / ans[w] : 0.0;
}

int truth__converged(const truth_ctx *c, double ll_prev, double ll)
{
    double n = c->N ? (double)c->N : 1.0;
    return fabs(ll - ll_prev) / n < c->opt->tol;
}

/* Labels and confidences from the posterior (tasks without evidence: -1). */
static void finish(truth_ctx *c)
{
    truth_result *r = c->out;
    for (int32_t t = 0; t < c->T; t++) {
        double *row = r->posterior + (size_t)t * c->K;
        if (!truth__has_evidence(c, t)) {
            memcpy(row, r->prior, (size_t)c->K * sizeof *row);
            r->label[t] = -1;
            r->confidence[t] = 0;
            continue;
        }
        int32_t k = truth__argmax(c, row);
        r->label[t] = k;
        r->confidence[t] = row[k];
    }
}

int truth_run(const truth_input *in, const truth_options *opt, truth_result *out,
              vis_err *err)
{
    memset(out, 0, sizeof *out);
    truth_options defopt;
    if (!opt) {
        truth_options_default(&defopt, TRUTH_DS);
        opt = &defopt;
    }
    int rc = validate(in, opt, err);
    if (rc) return rc;

    truth_ctx c = {.opt = opt,
                   .T = in->n_tasks,
                   .W = in->n_workers,
                   .K = in->n_classes,
                   .N = in->n_answers,
                   .gold = in->gold,
                   .out = out};
    size_t T = (size_t)c.T, K = (size_t)c.K;
    out->n_tasks = c.T;
    out->n_workers = c.W;
    out->n_classes = c.K;
    out->label = xcalloc(T, sizeof *out->label);
    out->confidence = xcalloc(T, sizeof *out->confidence);
    out->posterior = xcalloc(T * K, sizeof *out->posterior);
    out->skill = xcalloc((size_t)c.W, sizeof *out->skill);
    out->answers = xcalloc((size_t)c.W, sizeof *out->answers);
    out->prior = xcalloc(K, sizeof *out->prior);
    c.t_off = xcalloc(T + 1, sizeof *c.t_off);
    c.a_worker = xcalloc(c.N, sizeof *c.a_worker);
    c.a_label = xcalloc(c.N, sizeof *c.a_label);
    c.rank = xcalloc(K, sizeof *c.rank);
    c.class_count = xcalloc(K, sizeof *c.class_count);
    /* CSR grouping by task (counting sort, stable). */
    for (size_t i = 0; i < c.N; i++) {
        c.t_off[in->task[i] + 1]++;
        out->answers[in->worker[i]]++;
        c.class_count[in->label[i]] += 1;
    }
    for (size_t t = 0; t < T; t++) c.t_off[t + 1] += c.t_off[t];
    for (size_t i = 0; i < c.N; i++) {
        size_t p = c.t_off[in->task[i]]++;
        c.a_worker[p] = in->worker[i];
        c.a_label[p] = in->label[i];
    }
    for (size_t t = T; t > 0; t--) c.t_off[t] = c.t_off[t - 1];
    c.t_off[0] = 0;
    build_rank(&c);

    switch (opt->method) {
    case TRUTH_MV:
        truth__mv(&c);
        break;
    case TRUTH_WAWA:
        truth__wawa(&c);
        break;
    case TRUTH_DS:
        truth__ds(&c);
        break;
    case TRUTH_ONECOIN:
        truth__onecoin(&c);
        break;
    case TRUTH_GLAD:
        truth__glad(&c);
        break;
    case TRUTH_MACE:
        truth__mace(&c);
        break;
    }
    finish(&c);
    free(c.t_off);
    free(c.a_worker);
    free(c.a_label);
    free(c.rank);
    free(c.class_count);
    return 0;
}
