/*
 * visible aggregate — offline truth inference over a CSV of crowd answers.
 *
 * Reads LABELS.csv (columns worker, task, label in any order; "-" = stdin),
 * optional gold labels for control tasks, runs one method of src/truth and
 * prints task,label,confidence sorted by task (byte-wise order of the task
 * ids). --workers writes worker,skill,answers (sorted by worker id);
 * --eval prints the accuracy against a task,label file on stderr.
 * Exit status: 0 ok, 1 I/O failure, 2 usage error or bad input.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "cli/commands.h"
#include "truth/truth.h"
#include "truth/truth_csv.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: visible aggregate [--method mv|wawa|ds|onecoin|glad|mace] [--gold GOLD.csv]\n"
            "                         [--workers OUT.csv] [--eval GOLD.csv] LABELS.csv\n"
            "\n"
            "Combine several workers' answers per task into one label (truth inference).\n"
            "LABELS.csv: CSV with a header naming the columns worker, task, label (any\n"
            "order, other columns ignored); '-' reads standard input. Identical duplicate\n"
            "rows count once; one worker giving two labels to one task is an error.\n"
            "Prints task,label,confidence, one row per task, sorted by task (byte order).\n"
            "\n"
            "  -m, --method M      mv, wawa, ds (default), onecoin, glad, mace\n"
            "  -g, --gold F        task,label file of control tasks: they keep their gold\n"
            "                      label and inform the worker estimates\n"
            "  -w, --workers F     write worker,skill,answers to F ('-' = stdout after the\n"
            "                      labels)\n"
            "  -e, --eval F        print the accuracy against the task,label file F on\n"
            "                      stderr (tasks missing from the output count as wrong)\n"
            "      --max-iter N    EM iteration cap (default 100; MACE 50 per restart)\n"
            "      --tol X         stop when the objective per answer changes less\n"
            "                      (default 1e-7)\n"
            "      --smoothing S   pseudo-count for DS/one-coin estimates (default 0)\n"
            "      --shrink M      DS: prior of M pseudo-answers per confusion row centred\n"
            "                      on the pooled confusion (default 0)\n"
            "      --restarts N    MACE random restarts (default 10)\n"
            "      --seed N        MACE random seed (default 1)\n"
            "  -h, --help          this help\n"
            "\n"
            "Exit status: 0 ok, 1 I/O failure, 2 usage error or bad input.\n");
}

static int read_input(buf *b, const char *path)
{
    if (buf_read_file(b, path) != 0) {
        fprintf(stderr, "visible aggregate: %s: %s\n", strcmp(path, "-") ? path : "<stdin>", strerror(errno));
        return 1;
    }
    return 0;
}

static int fail(const char *path, const vis_err *e)
{
    fprintf(stderr, "visible aggregate: %s: %s\n", strcmp(path, "-") ? path : "<stdin>", e->msg);
    return e->code == VIS_EINVAL ? 2 : 1;
}

static int parse_num(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v != v) {
        fprintf(stderr, "visible aggregate: %s: not a number: '%s'\n", opt, s);
        return 2;
    }
    *out = v;
    return 0;
}

static int write_labels(FILE *f, const truth_data *d, const truth_result *r)
{
    buf b;
    buf_init(&b);
    buf_puts(&b, "task,label,confidence\n");
    for (int32_t t = 0; t < r->n_tasks; t++) {
        csv_put_field(&b, truth_dict_name(&d->tasks, t));
        buf_append(&b, ",", 1);
        if (r->label[t] >= 0) csv_put_field(&b, truth_dict_name(&d->labels, r->label[t]));
        buf_printf(&b, ",%.6f\n", r->confidence[t]);
        if (b.len > (1 << 20)) {
            if (fwrite(b.data, 1, b.len, f) != b.len) break;
            buf_reset(&b);
        }
    }
    int bad = fwrite(b.data, 1, b.len, f) != b.len;
    buf_free(&b);
    return bad || fflush(f) != 0 || ferror(f);
}

static int write_workers(FILE *f, const truth_data *d, const truth_result *r)
{
    buf b;
    buf_init(&b);
    buf_puts(&b, "worker,skill,answers\n");
    for (int32_t w = 0; w < r->n_workers; w++) {
        csv_put_field(&b, truth_dict_name(&d->workers, w));
        buf_printf(&b, ",%.6f,%d\n", r->skill[w], (int)r->answers[w]);
    }
    int bad = fwrite(b.data, 1, b.len, f) != b.len;
    buf_free(&b);
    return bad || fflush(f) != 0 || ferror(f);
}

int cmd_aggregate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"method", required_argument, NULL, 'm'},   {"gold", required_argument, NULL, 'g'},
        {"workers", required_argument, NULL, 'w'},  {"eval", required_argument, NULL, 'e'},
        {"max-iter", required_argument, NULL, 'I'}, {"tol", required_argument, NULL, 'T'},
        {"smoothing", required_argument, NULL, 'S'}, {"restarts", required_argument, NULL, 'R'},
        {"seed", required_argument, NULL, 'D'},
        {"shrink", required_argument, NULL, 'K'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *method = "ds", *gold_path = NULL, *workers_path = NULL, *eval_path = NULL;
    double max_iter = NAN, tol = NAN, smoothing = NAN, shrink = NAN, restarts = NAN, seed = NAN;
    optind = 0;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":m:g:w:e:h", longopts, NULL)) != -1) {
        int rc = 0;
        switch (ch) {
        case 'm': method = optarg; break;
        case 'g': gold_path = optarg; break;
        case 'w': workers_path = optarg; break;
        case 'e': eval_path = optarg; break;
        case 'I': rc = parse_num("--max-iter", optarg, &max_iter); break;
        case 'T': rc = parse_num("--tol", optarg, &tol); break;
        case 'S': rc = parse_num("--smoothing", optarg, &smoothing); break;
        case 'R': rc = parse_num("--restarts", optarg, &restarts); break;
        case 'D': rc = parse_num("--seed", optarg, &seed); break;
        case 'K': rc = parse_num("--shrink", optarg, &shrink); break;
        case 'h': usage(stdout); return 0;
        case ':':
            fprintf(stderr, "visible aggregate: option '%s' needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "visible aggregate: unknown option '%s' (see --help)\n",
                    argv[optind - 1]);
            return 2;
        }
        if (rc) return rc;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "visible aggregate: %s (see --help)\n",
                optind >= argc ? "missing LABELS.csv" : "exactly one LABELS.csv expected");
        return 2;
    }
    const char *labels_path = argv[optind];
    truth_options opt;
    truth_method m;
    vis_err err = {0};
    if (truth_method_parse(method, &m, &err)) {
        fprintf(stderr, "visible aggregate: --method: %s\n", err.msg);
        return 2;
    }
    truth_options_default(&opt, m);
    /* unset options are NaN, and every comparison with NaN is false */
    if (max_iter < 1 || max_iter > 1e6 || tol < 0 || smoothing < 0 || shrink < 0 ||
        restarts < 0 || restarts > 1e4 || seed < 0 || seed > 1e18) {
        fprintf(stderr, "visible aggregate: need --max-iter in [1, 1e6], --tol >= 0, "
                        "--smoothing >= 0, --shrink >= 0, --restarts in [0, 1e4], "
                        "--seed >= 0\n");
        return 2;
    }
    if (!isnan(max_iter)) opt.max_iter = (int)max_iter;
    if (!isnan(tol)) opt.tol = tol;
    if (!isnan(smoothing)) opt.smoothing = smoothing;
    if (!isnan(restarts)) opt.restarts = (int)restarts;
    if (!isnan(seed)) opt.seed = (uint64_t)seed;
    if (!isnan(shrink)) opt.shrink = shrink;

    int status = 0;
    buf in;
    truth_data d;
    truth_result r = {0};
    buf_init(&in);
    truth_data_init(&d);
    if ((status = read_input(&in, labels_path))) goto out;
    if (truth_data_load_answers(&d, in.data ? in.data : "", in.len, &err)) {
        status = fail(labels_path, &err);
        goto out;
    }
    if (gold_path) {
        buf_reset(&in);
        if ((status = read_input(&in, gold_path))) goto out;
        if (truth_data_load_gold(&d, in.data ? in.data : "", in.len, &err)) {
            status = fail(gold_path, &err);
            goto out;
        }
    }
    if (truth_data_finish(&d, &err)) {
        status = fail(labels_path, &err);
        goto out;
    }
    truth_input ti;
    truth_data_input(&d, &ti);
    if (truth_run(&ti, &opt, &r, &err)) {
        status = fail(labels_path, &err);
        goto out;
    }
    if (write_labels(stdout, &d, &r)) {
        fprintf(stderr, "visible aggregate: writing the labels failed\n");
        status = 1;
        goto out;
    }
    if (workers_path) {
        FILE *f = strcmp(workers_path, "-") ? fopen(workers_path, "w") : stdout;
        int bad = !f || write_workers(f, &d, &r);
        if (f && f != stdout && fclose(f) != 0) bad = 1;
        if (bad) {
            fprintf(stderr, "visible aggregate: %s: cannot write: %s\n", workers_path,
                    strerror(errno));
            status = 1;
            goto out;
        }
    }
    if (eval_path) {
        size_t correct, total;
        buf_reset(&in);
        if ((status = read_input(&in, eval_path))) goto out;
        if (truth_data_eval(&d, &r, in.data ? in.data : "", in.len, &correct, &total, &err)) {
            status = fail(eval_path, &err);
            goto out;
        }
        fprintf(stderr, "accuracy %.4f (%zu of %zu tasks of %s, method %s)\n",
                total ? (double)correct / (double)total : 0.0, correct, total, eval_path,
                truth_method_name(m));
    }
out:
    truth_result_free(&r);
    truth_data_free(&d);
    buf_free(&in);
    return status;
}
