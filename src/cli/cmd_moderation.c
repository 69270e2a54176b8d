/*
 * visible moderation — the moderation pre-filter classifier, offline:
 *   eval     stratified k-fold cross-validation on a labelled CSV
 *   train    train on a labelled CSV and write a model file
 *   predict  classify texts (one per line) with a model file
 * See docs/moderation-classifier.md and src/moderation/modc_*.h.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "base/buf.h"
#include "base/csv.h"
#include "cli/commands.h"
#include "moderation/modc_data.h"
#include "moderation/modc_eval.h"
#include "moderation/modc_fit.h"
#include "moderation/modc_model.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: visible moderation eval --data FILE [--folds N] [--threshold T] [--json]\n"
            "       visible moderation train --data FILE --out MODEL\n"
            "       visible moderation predict --model MODEL [--threshold T] [--input FILE]\n"
            "\n"
            "The moderation pre-filter: logistic regression over hashed word and character\n"
            "n-grams, trained by AdaGrad (docs/moderation-classifier.md).\n"
            "\n"
            "Data (--data): a CSV with a header row, either the Davidson et al. layout\n"
            "(columns 'class' = 0 hate, 1 offensive, 2 neither, and 'tweet') or the generic\n"
            "layout (columns 'text' and 'label', labels arbitrary strings). Quoted fields may\n"
            "contain commas and line breaks.\n"
            "\n"
            "eval options:\n"
            "  --folds N        folds of the stratified cross-validation (default 10)\n"
            "  --threshold T    auto-decide when the top class probability >= T\n"
            "                   (default %.2f)\n"
            "  --seed N         seed of the folds and shuffles (default 1)\n"
            "  --threads N      folds trained in parallel (default: the online CPUs;\n"
            "                   the figures do not depend on it)\n"
            "  --json           print one JSON object\n"
            "predict options:\n"
            "  --model MODEL    model file written by 'train'\n"
            "  --input FILE     texts, one per line (default '-', standard input); prints CSV:\n"
            "                   label,probability,auto,p_<class>... (auto: 1 if confident)\n"
            "model options (eval, train):\n"
            "  --bits B         2^B hash buckets (default 20)\n"
            "  --char-ngrams A-B  character n-gram lengths (default 2-5; 0 = none)\n"
            "  --no-bigrams     no word bigrams\n"
            "  --epochs N       training passes (default 5)\n"
            "  --lr X           AdaGrad step size (default 0.5)\n"
            "  --l2 X           L2 penalty (default 3e-3, chosen by inner validation)\n"
            "  --balance X      class-weight exponent, 0 none .. 1 balanced (default 0.5)\n"
            "  --acc0 X         AdaGrad initial accumulator (default 0.1)\n"
            "  --l1 X           L1 penalty, proximal (default 0)\n"
            "  --no-average     keep the last iterate instead of the average\n"
            "  --avg-from E     average the iterates of passes E.. only (0-based, default 0)\n"
            "  --weighting W    feature scales fitted on the training data: none,\n"
            "                   nb (naive-Bayes log-count ratios, NB-LR; default), idf, or tfidf\n"
            "                   (sublinear TF, IDF, L2-normalised vectors)\n"
            "  --nb-alpha X     smoothing of the NB ratios (default 1)\n"
            "fitting options (eval, train):\n"
            "  --votes          learn the annotators' vote shares (Davidson vote columns)\n"
            "                   instead of the majority label (soft targets)\n"
            "  --early-stop     choose the number of passes (<= --epochs) on an inner\n"
            "                   validation split of the training data\n"
            "  --offsets        fit per-class decision offsets maximising macro F1 on an\n"
            "                   inner validation split of the training data (default on;\n"
            "                   --no-offsets: plain argmax)\n"
            "  --calibrate      fit a calibration temperature on that split (default on;\n"
            "                   --no-calibrate: none)\n"
            "  --val-share X    size of that split (default 0.25)\n"
            "  --select-l2      choose the L2 penalty (1e-6 .. 1e-2) by the held-out loss\n"
            "                   on that split (an experiment: 7 inner models)\n"
            "  --stack          (eval) an experiment: a stacked ensemble of three models\n"
            "                   combined by a meta-model fitted on that split\n"
            "eval output:\n"
            "  --predictions F  write each example's held-out probabilities to CSV file F\n",
            MODC_DEFAULT_THRESHOLD);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

static int parse_ulong(const char *s, unsigned long *out)
{
    char *end;
    errno = 0;
    if (*s == '-') return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

typedef struct {
    const char *sub, *data, *out, *model, *input, *preds;
    modc_cv_opts cv;
    bool json;
} opts;

static int bad(const char *sub, const char *opt, const char *val)
{
    fprintf(stderr, "visible moderation %s: invalid value for %s: '%s'\n", sub, opt, val);
    return 2;
}

enum { O_FOLDS = 256, O_THR, O_SEED, O_JSON, O_BITS, O_CHAR, O_NOBI, O_EPOCHS, O_LR, O_L2,
       O_BAL, O_ACC0, O_L1, O_AVG, O_NOAVG, O_DATA, O_OUT, O_MODEL, O_INPUT, O_HELP, O_PREDS, O_VOTES, O_AVGFROM, O_NOES, O_NOOFF, O_VALSHARE, O_WEIGHT, O_NBALPHA, O_THREADS, O_SELL2, O_CALIB, O_NOCALIB, O_NOOFFSETS, O_STACK };

static const struct option long_opts[] = {
    {"data", required_argument, 0, O_DATA},     {"out", required_argument, 0, O_OUT},
    {"model", required_argument, 0, O_MODEL},   {"input", required_argument, 0, O_INPUT},
    {"folds", required_argument, 0, O_FOLDS},   {"threshold", required_argument, 0, O_THR},
    {"seed", required_argument, 0, O_SEED},     {"json", no_argument, 0, O_JSON},
    {"bits", required_argument, 0, O_BITS},     {"char-ngrams", required_argument, 0, O_CHAR},
    {"no-bigrams", no_argument, 0, O_NOBI},     {"epochs", required_argument, 0, O_EPOCHS},
    {"lr", required_argument, 0, O_LR},         {"l2", required_argument, 0, O_L2},
    {"balance", required_argument, 0, O_BAL},   {"acc0", required_argument, 0, O_ACC0},
    {"l1", required_argument, 0, O_L1},         {"average", no_argument, 0, O_AVG},
    {"no-average", no_argument, 0, O_NOAVG},
    {"help", no_argument, 0, O_HELP},           {"predictions", required_argument, 0, O_PREDS},
    {"votes", no_argument, 0, O_VOTES},         {"early-stop", no_argument, 0, O_NOES},
    {"offsets", no_argument, 0, O_NOOFF},    {"val-share", required_argument, 0, O_VALSHARE},    {"avg-from", required_argument, 0, O_AVGFROM},
    {"weighting", required_argument, 0, O_WEIGHT}, {"nb-alpha", required_argument, 0, O_NBALPHA},
    {"threads", required_argument, 0, O_THREADS},
    {"select-l2", no_argument, 0, O_SELL2},
    {"calibrate", no_argument, 0, O_CALIB},     {"no-calibrate", no_argument, 0, O_NOCALIB},
    {"no-offsets", no_argument, 0, O_NOOFFSETS}, {"stack", no_argument, 0, O_STACK},
    {0, 0, 0, 0},
};

/* Each step below takes option c with its argument a: 0 taken, 2 bad value
 * (reported), 1 not one of its options. */

/* Files, output and switches. */
static int opt_switch(opts *o, int c, const char *a)
{
    switch (c) {
    case O_DATA: o->data = a; return 0;
    case O_OUT: o->out = a; return 0;
    case O_MODEL: o->model = a; return 0;
    case O_INPUT: o->input = a; return 0;
    case O_JSON: o->json = true; return 0;
    case O_PREDS: o->preds = a; return 0;
    case O_VOTES: o->cv.votes = true; return 0;
    case O_NOES: o->cv.fit.early_stop = true; return 0;
    case O_NOOFF: o->cv.fit.offsets = true; return 0;
    case O_SELL2: o->cv.fit.select_l2 = true; return 0;
    case O_CALIB: o->cv.fit.calibrate = true; return 0;
    case O_NOCALIB: o->cv.fit.calibrate = false; return 0;
    case O_NOOFFSETS: o->cv.fit.offsets = false; return 0;
    case O_STACK: o->cv.stack = true; return 0;
    case O_NOBI: o->cv.params.feat.word_bigrams = false; return 0;
    case O_AVG: o->cv.params.average = true; return 0;
    case O_NOAVG: o->cv.params.average = false; return 0;
    default: return 1;
    }
}

/* The evaluation: folds, threshold, seed, threads, validation share. */
static int opt_eval(opts *o, int c, const char *a)
{
    unsigned long u;
    double x;
    switch (c) {
    case O_VALSHARE:
        if (parse_double(a, &x) || !(x > 0 && x <= 0.5)) return bad(o->sub, "--val-share", a);
        o->cv.fit.val_share = x;
        return 0;
    case O_THREADS:
        if (parse_ulong(a, &u) || u < 1 || u > MODC_CV_THREADS_MAX) return bad(o->sub, "--threads", a);
        o->cv.threads = u;
        return 0;
    case O_FOLDS:
        if (parse_ulong(a, &u) || u < 2 || u > 1000) return bad(o->sub, "--folds", a);
        o->cv.folds = u;
        return 0;
    case O_THR:
        if (parse_double(a, &x) || !(x >= 0 && x <= 1)) return bad(o->sub, "--threshold", a);
        o->cv.threshold = x;
        return 0;
    case O_SEED:
        if (parse_ulong(a, &u)) return bad(o->sub, "--seed", a);
        o->cv.seed = u;
        return 0;
    default: return 1;
    }
}

/* The features: hashing bits, character n-grams, weighting. */
static int opt_features(opts *o, int c, const char *a)
{
    modc_params *p = &o->cv.params;
    unsigned long u;
    double x;
    switch (c) {
    case O_BITS:
        if (parse_ulong(a, &u) || u < MODC_BITS_MIN || u > MODC_BITS_MAX) return bad(o->sub, "--bits", a);
        p->feat.bits = (unsigned)u;
        return 0;
    case O_CHAR: {
        unsigned lo = 0, hi = 0;
        int n = 0;
        if (strcmp(a, "0") == 0) {
            p->feat.char_min = p->feat.char_max = 0;
            return 0;
        }
        if (sscanf(a, "%u-%u%n", &lo, &hi, &n) != 2 || a[n] || lo < 1 || hi < lo || hi > MODC_CHAR_MAX)
            return bad(o->sub, "--char-ngrams", a);
        p->feat.char_min = lo;
        p->feat.char_max = hi;
        return 0;
    }
    case O_WEIGHT:
        if (strcmp(a, "none") == 0) p->weighting = MODC_WEIGHT_NONE;
        else if (strcmp(a, "nb") == 0) p->weighting = MODC_WEIGHT_NB;
        else if (strcmp(a, "idf") == 0) p->weighting = MODC_WEIGHT_IDF;
        else if (strcmp(a, "tfidf") == 0) {
            p->weighting = MODC_WEIGHT_IDF;
            p->feat.sublinear = true;
        } else
            return bad(o->sub, "--weighting", a);
        return 0;
    case O_NBALPHA:
        if (parse_double(a, &x) || !(x > 0 && x <= 1000)) return bad(o->sub, "--nb-alpha", a);
        p->nb_alpha = x;
        return 0;
    default: return 1;
    }
}

/* The optimiser: passes, rates, penalties, averaging. */
static int opt_training(opts *o, int c, const char *a)
{
    modc_params *p = &o->cv.params;
    unsigned long u;
    double x;
    switch (c) {
    case O_AVGFROM:
        if (parse_ulong(a, &u) || u > 1000) return bad(o->sub, "--avg-from", a);
        p->avg_from = (unsigned)u;
        return 0;
    case O_EPOCHS:
        if (parse_ulong(a, &u) || u < 1 || u > 1000) return bad(o->sub, "--epochs", a);
        p->epochs = (unsigned)u;
        return 0;
    case O_LR:
        if (parse_double(a, &x) || !(x > 0 && x <= 100)) return bad(o->sub, "--lr", a);
        p->lr = x;
        return 0;
    case O_L2:
        if (parse_double(a, &x) || !(x >= 0 && x < 1)) return bad(o->sub, "--l2", a);
        p->l2 = x;
        return 0;
    case O_BAL:
        if (parse_double(a, &x) || !(x >= 0 && x <= 1)) return bad(o->sub, "--balance", a);
        p->balance = x;
        return 0;
    case O_L1:
        if (parse_double(a, &x) || !(x >= 0 && x < 1)) return bad(o->sub, "--l1", a);
        p->l1 = x;
        return 0;
    case O_ACC0:
        if (parse_double(a, &x) || !(x >= 1e-6 && x <= 100)) return bad(o->sub, "--acc0", a);
        p->acc0 = x;
        return 0;
    default: return 1;
    }
}

/* Parse options after the sub-subcommand; 0 ok, 2 usage error, -1 help. */
static int parse_opts(int argc, char **argv, opts *o)
{
    static int (*const steps[])(opts *, int, const char *) = {opt_switch, opt_eval, opt_features, opt_training};
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        if (c == 'h' || c == O_HELP) return -1;
        int r = 1;
        for (size_t i = 0; r == 1 && i < sizeof steps / sizeof steps[0]; i++) r = steps[i](o, c, optarg);
        if (r == 2) return 2;
        if (r == 1) {
            if (optopt)
                fprintf(stderr, "visible moderation %s: bad or incomplete option\n", o->sub);
            else
                fprintf(stderr, "visible moderation %s: unknown option '%s'\n", o->sub, argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "visible moderation %s: unexpected argument '%s'\n", o->sub, argv[optind]);
        return 2;
    }
    return 0;
}

static const char *format_name(int f)
{
    return f == MODC_FMT_DAVIDSON ? "Davidson" : "text,label";
}

static int load_data(const opts *o, modc_dataset *d)
{
    vis_err err;
    vis_err_clear(&err);
    if (!o->data) {
        fprintf(stderr, "visible moderation %s: --data FILE is required\n", o->sub);
        return 2;
    }
    if (modc_data_load(d, o->data, &err)) {
        fprintf(stderr, "visible moderation %s: %s: %s\n", o->sub, o->data, err.msg);
        return err.code == VIS_EIO ? 1 : 2;
    }
    if (d->nclasses < 2) {
        fprintf(stderr, "visible moderation %s: %s: need at least 2 classes\n", o->sub, o->data);
        modc_data_free(d);
        return 2;
    }
    return 0;
}

/* Is class c's F1 defined on this fold (the class is in its truth or its
 * predictions)? With fewer examples of a class than folds, it is not. */
static bool f1_defined(const modc_metrics *m, size_t c)
{
    return m->per_class[c].support || m->per_class[c].predicted;
}

/* Each fold's figures: per-class F1 (null where undefined), macro and
 * weighted F1, accuracy. */
static json_t *folds_json(const modc_dataset *d, const modc_cv_opts *cv)
{
    json_t *a = json_array();
    for (size_t f = 0; a && f < cv->folds; f++) {
        const modc_metrics *x = &cv->per_fold[f];
        json_t *f1 = json_object();
        for (size_t c = 0; c < x->k; c++)
            json_object_set_new(f1, d->classes[c], f1_defined(x, c) ? json_real(x->per_class[c].f1) : json_null());
        json_array_append_new(a, JSON_PACK("{s:I,s:f,s:f,s:f,s:o}", "n", (json_int_t)x->n, "accuracy", x->accuracy,
                                           "macro_f1", x->macro_f1, "weighted_f1", x->weighted_f1, "f1", f1));
    }
    return a;
}

/* min, mean, max over the folds where the figure is defined; 0 if none */
static size_t fold_spread(const modc_cv_opts *cv, double (*get)(const modc_metrics *, size_t, bool *), size_t c,
                          double out[3])
{
    size_t n = 0;
    out[0] = 1e300, out[1] = 0, out[2] = -1e300;
    for (size_t f = 0; f < cv->folds; f++) {
        bool ok = true;
        double v = get(&cv->per_fold[f], c, &ok);
        if (!ok) continue;
        n++;
        if (v < out[0]) out[0] = v;
        if (v > out[2]) out[2] = v;
        out[1] += v;
    }
    if (n) out[1] /= (double)n;
    return n;
}

static double get_class_f1(const modc_metrics *m, size_t c, bool *ok)
{
    *ok = f1_defined(m, c);
    return m->per_class[c].f1;
}
static double get_macro(const modc_metrics *m, size_t c, bool *ok) { (void)c, (void)ok; return m->macro_f1; }
static double get_weighted(const modc_metrics *m, size_t c, bool *ok) { (void)c, (void)ok; return m->weighted_f1; }

static void print_spread(const char *label, size_t n, const double s[3])
{
    if (n) printf("  %-39.39s %8.4f %8.4f %8.4f\n", label, s[0], s[1], s[2]);
    else printf("  %-39.39s %8s %8s %8s\n", label, "-", "-", "-");
}

static void print_folds(const modc_dataset *d, const modc_cv_opts *cv)
{
    double s[3];
    char label[64];
    printf("\nfold by fold (each held-out fold alone): %8s %8s %8s\n", "min", "mean", "max");
    for (size_t c = 0; c < d->nclasses; c++) {
        snprintf(label, sizeof label, "F1 %s", d->classes[c]);
        print_spread(label, fold_spread(cv, get_class_f1, c, s), s);
    }
    print_spread("macro F1", fold_spread(cv, get_macro, 0, s), s);
    print_spread("weighted F1", fold_spread(cv, get_weighted, 0, s), s);
}

static int print_json(const modc_dataset *d, const modc_cv_opts *cv, const modc_metrics *m,
                      double secs)
{
    json_t *passes = json_array();
    json_t *l2 = json_array();
    for (size_t f = 0; f < cv->folds && cv->epochs; f++)
        json_array_append_new(passes, json_integer(cv->epochs[f]));
    for (size_t f = 0; f < cv->folds && cv->l2; f++)
        json_array_append_new(l2, json_real(cv->l2[f]));
    json_t *pc = json_object(), *conf = json_array();
    for (size_t c = 0; c < m->k; c++) {
        const modc_class_metrics *x = &m->per_class[c];
        json_object_set_new(pc, d->classes[c],
                            JSON_PACK("{s:f,s:f,s:f,s:I}", "precision", x->precision, "recall",
                                      x->recall, "f1", x->f1, "support", (json_int_t)x->support));
        json_t *row = json_array();
        for (size_t j = 0; j < m->k; j++)
            json_array_append_new(row, json_integer((json_int_t)m->confusion[c * m->k + j]));
        json_array_append_new(conf, row);
    }
    json_t *o = JSON_PACK("{s:f,s:f,s:f,s:o,s:f,s:f,s:f,s:I,s:I,s:I,s:f,s:o,s:o,s:o}", "weighted_f1",
                          m->weighted_f1, "macro_f1", m->macro_f1, "accuracy", m->accuracy,
                          "per_class", pc, "auto_share", m->auto_share, "auto_accuracy",
                          m->auto_accuracy, "seconds", secs, "n", (json_int_t)m->n, "n_auto",
                          (json_int_t)m->n_auto, "folds", (json_int_t)cv->folds, "threshold",
                          cv->threshold, "confusion", conf, "passes", passes, "l2", l2);
    if (!o) return 1;
    if (cv->per_fold) json_object_set_new(o, "per_fold", folds_json(d, cv));
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (!s) return 1;
    puts(s);
    free(s);
    return 0;
}

static void print_text(const opts *o, const modc_dataset *d, const modc_metrics *m, double secs)
{
    printf("data: %s (%zu examples, %zu classes, %s layout)\n", o->data, d->n, d->nclasses,
           format_name(d->format));
    printf("%zu-fold stratified cross-validation, seed %llu\n\n", o->cv.folds,
           (unsigned long long)o->cv.seed);
    printf("%-16s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "support");
    for (size_t c = 0; c < m->k; c++) {
        const modc_class_metrics *x = &m->per_class[c];
        printf("%-16.16s %9.4f %9.4f %9.4f %9zu\n", d->classes[c], x->precision, x->recall, x->f1,
               x->support);
    }
    printf("\naccuracy     %.4f\nmacro F1     %.4f\nweighted F1  %.4f\n", m->accuracy,
           m->macro_f1, m->weighted_f1);
    printf("auto-decided at threshold %.3f: %.1f%% of items (%zu), accuracy %.2f%% on them\n",
           o->cv.threshold, 100 * m->auto_share, m->n_auto, 100 * m->auto_accuracy);
    printf("time %.2f s\n", secs);
}

static int do_eval(opts *o)
{
    double t0 = now_s();
    modc_dataset d;
    int rc = load_data(o, &d);
    if (rc) return rc;
    if (o->cv.folds > d.n) {
        fprintf(stderr, "visible moderation eval: --folds %zu exceeds the %zu examples\n",
                o->cv.folds, d.n);
        modc_data_free(&d);
        return 2;
    }
    modc_metrics m;
    vis_err err;
    vis_err_clear(&err);
    double *oof = NULL;
    if (o->preds) {
        oof = mem_calloc(d.n * d.nclasses, sizeof *oof);
        o->cv.oof = oof;
    }
    unsigned epochs[1000] = {0};
    double l2[1000] = {0};
    o->cv.epochs = epochs;
    o->cv.l2 = l2;
    modc_metrics *per_fold = mem_calloc(o->cv.folds, sizeof *per_fold);
    o->cv.per_fold = per_fold;
    if (modc_cross_validate(&d, &o->cv, &m, &err)) {
        fprintf(stderr, "visible moderation eval: %s\n", err.msg);
        modc_data_free(&d);
        free(oof);
        free(per_fold);
        o->cv.per_fold = NULL;
        return per_fold && err.code == VIS_EINVAL ? 2 : 1;
    }
    if (oof) {
        FILE *f = fopen(o->preds, "w");
        if (!f) {
            fprintf(stderr, "visible moderation eval: %s: %s\n", o->preds, strerror(errno));
            rc = 1;
        } else {
            fprintf(f, "index,truth");
            for (size_t c = 0; c < d.nclasses; c++) fprintf(f, ",p_%s", d.classes[c]);
            fputc('\n', f);
            for (size_t i = 0; i < d.n; i++) {
                fprintf(f, "%zu,%zu", i, d.label[i]);
                for (size_t c = 0; c < d.nclasses; c++) fprintf(f, ",%.6g", oof[i * d.nclasses + c]);
                fputc('\n', f);
            }
            if (fclose(f)) rc = 1;
        }
        free(oof);
        o->cv.oof = NULL;
    }
    double secs = now_s() - t0;
    if (o->json) rc = print_json(&d, &o->cv, &m, secs);
    else {
        print_text(o, &d, &m, secs);
        print_folds(&d, &o->cv);
        if (o->cv.fit.early_stop) {
            printf("passes chosen per fold:");
            for (size_t f = 0; f < o->cv.folds; f++) printf(" %u", epochs[f]);
            printf("\n");
        }
        if (o->cv.fit.select_l2) {
            printf("L2 chosen per fold:");
            for (size_t f = 0; f < o->cv.folds; f++) printf(" %g", l2[f]);
            printf("\n");
        }
    }
    modc_metrics_free(&m);
    for (size_t f = 0; f < o->cv.folds; f++) modc_metrics_free(&per_fold[f]);
    free(per_fold);
    o->cv.per_fold = NULL;
    modc_data_free(&d);
    return rc;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    int rc = (w == len) ? 0 : -1;
    if (fclose(f) != 0) rc = -1;
    return rc;
}

static int do_train(opts *o)
{
    if (!o->out) {
        fprintf(stderr, "visible moderation train: --out MODEL is required\n");
        return 2;
    }
    double t0 = now_s();
    modc_dataset d;
    int rc = load_data(o, &d);
    if (rc) return rc;
    vis_err err;
    vis_err_clear(&err);
    modc_model *m = NULL;
    modc_fvec *xs = mem_calloc(d.n ? d.n : 1, sizeof *xs);
    modc_fvec tmp;
    modc_fvec_init(&tmp);
    buf out;
    buf_init(&out);
    rc = 1;
    if (modc_model_new(&m, &o->cv.params, (const char *const *)d.classes, d.nclasses, &err)) {
        fprintf(stderr, "visible moderation train: %s\n", err.msg);
        rc = 2;
        goto done;
    }
    for (size_t i = 0; i < d.n; i++) {
        modc_featurize(&o->cv.params.feat, d.text[i], d.len[i], &tmp);
        modc_fvec_take(&tmp, &xs[i]);
    }
    modc_train_data td = {xs, d.label, o->cv.votes ? d.soft : NULL, d.n};
    modc_fit_report rep;
    if (modc_fit(m, &td, NULL, 0, &o->cv.fit, o->cv.seed, &rep, &err) ||
        modc_save(m, &out, &err)) {
        fprintf(stderr, "visible moderation train: %s\n", err.msg);
        goto done;
    }
    if (write_file(o->out, out.data, out.len)) {
        fprintf(stderr, "visible moderation train: %s: %s\n", o->out, strerror(errno));
        goto done;
    }
    printf("trained on %zu examples (%zu classes, %u passes, L2 %g, temperature %.3f) in %.2f s; "
           "model %s (%zu bytes)\n",
           d.n, d.nclasses, rep.epochs, rep.l2, rep.inner ? rep.temperature : 1.0, now_s() - t0,
           o->out, out.len);
    rc = 0;
done:
    if (xs)
        for (size_t i = 0; i < d.n; i++) modc_fvec_free(&xs[i]);
    free(xs);
    modc_fvec_free(&tmp);
    buf_free(&out);
    modc_model_free(m);
    modc_data_free(&d);
    return rc;
}

static int do_predict(opts *o)
{
    if (!o->model) {
        fprintf(stderr, "visible moderation predict: --model MODEL is required\n");
        return 2;
    }
    buf mb, in;
    buf_init(&mb);
    buf_init(&in);
    int rc = 1;
    modc_model *m = NULL;
    vis_err err;
    vis_err_clear(&err);
    const char *input = o->input ? o->input : "-";
    if (buf_read_file(&mb, o->model) < 0) {
        fprintf(stderr, "visible moderation predict: %s: %s\n", o->model, strerror(errno));
        goto done;
    }
    if (modc_load(&m, mb.data ? mb.data : "", mb.len, &err)) {
        fprintf(stderr, "visible moderation predict: %s: %s\n", o->model, err.msg);
        rc = 2;
        goto done;
    }
    if (buf_read_file(&in, input) < 0) {
        fprintf(stderr, "visible moderation predict: %s: %s\n", input, strerror(errno));
        goto done;
    }
    size_t k = modc_model_nclasses(m);
    buf line;
    buf_init(&line);
    buf_puts(&line, "label,probability,auto");
    for (size_t c = 0; c < k; c++) {
        buf_puts(&line, ",");
        char name[MODC_CLASS_NAME_MAX + 3];
        snprintf(name, sizeof name, "p_%s", modc_model_class(m, c));
        csv_put_field(&line, name);
    }
    puts(line.data ? line.data : "");
    double thr[MODC_CLASSES_MAX], probs[MODC_CLASSES_MAX];
    for (size_t c = 0; c < k; c++) thr[c] = o->cv.threshold;
    const char *p = in.data ? in.data : "", *end = p + in.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        size_t len = (size_t)(e - p);
        if (len && p[len - 1] == '\r') len--;
        modc_predict(m, p, len, probs);
        int dec = modc_decide(probs, k, thr, NULL);
        size_t best = dec >= 0 ? (size_t)dec : modc_classify(m, probs);
        buf_reset(&line);
        csv_put_field(&line, modc_model_class(m, best));
        buf_printf(&line, ",%.4f,%d", probs[best], dec >= 0);
        for (size_t c = 0; c < k; c++) buf_printf(&line, ",%.4f", probs[c]);
        puts(line.data);
        p = nl ? nl + 1 : end;
    }
    buf_free(&line);
    rc = 0;
done:
    modc_model_free(m);
    buf_free(&mb);
    buf_free(&in);
    return rc;
}

int cmd_moderation(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    opts o;
    memset(&o, 0, sizeof o);
    o.sub = argv[1];
    modc_cv_opts_default(&o.cv);
    int (*fn)(opts *) = NULL;
    if (!strcmp(o.sub, "eval")) fn = do_eval;
    else if (!strcmp(o.sub, "train")) fn = do_train;
    else if (!strcmp(o.sub, "predict")) fn = do_predict;
    else {
        fprintf(stderr, "visible moderation: unknown subcommand '%s'\n\n", o.sub);
        usage(stderr);
        return 2;
    }
    int rc = parse_opts(argc - 1, argv + 1, &o);
    if (rc < 0) {
        usage(stdout);
        return 0;
    }
    if (rc) return rc;
    return fn(&o);
}
