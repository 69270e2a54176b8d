/* truth_csv — CSV answers, gold and evaluation files (see truth_csv.h). */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/csv.h"
#include "truth/truth_csv.h"

void truth_data_init(truth_data *d)
{
    memset(d, 0, sizeof *d);
    truth_dict_init(&d->tasks);
    truth_dict_init(&d->workers);
    truth_dict_init(&d->labels);
}

void truth_data_free(truth_data *d)
{
    truth_dict_free(&d->tasks);
    truth_dict_free(&d->workers);
    truth_dict_free(&d->labels);
    free(d->task);
    free(d->worker);
    free(d->label);
    free(d->line);
    free(d->g_task);
    free(d->g_label);
    free(d->g_line);
    free(d->gold);
    memset(d, 0, sizeof *d);
}

/* truth_dict_intern gave -1: more distinct names than a dictionary holds. */
static int too_many(vis_err *err, size_t line)
{
    return vis_errf(err, VIS_EINVAL, "too_many_names", NULL, "line %zu: more than %d distinct names", line,
                    INT32_MAX / 2);
}

/* Grow three int32 arrays and a line array to hold at least need rows. */
static void grow(int32_t **a, int32_t **b, int32_t **c, size_t **line, size_t *cap, size_t need)
{
    if (need <= *cap) return;
    size_t n = *cap ? *cap * 2 : 1024;
    while (n < need) n *= 2;
    *a = mem_realloc(*a, n * sizeof **a);
    *b = mem_realloc(*b, n * sizeof **b);
    if (c) *c = mem_realloc(*c, n * sizeof **c);
    *line = mem_realloc(*line, n * sizeof **line);
    *cap = n;
}

/* Read the header and locate the named columns. */
static int open_csv(csv_reader *r, const char *what, const char *const *names, int n, int *col,
                    vis_err *err)
{
    int rc = csv_next(r, err);
    if (rc < 0) return err ? err->code : VIS_EINVAL;
    if (rc == 0 || (r->nfields == 1 && r->field_len[0] == 0))
        return vis_errf(err, VIS_EINVAL, "empty_file", NULL,
                        "line 1: empty file: expected a header with columns %s", what);
    for (int i = 0; i < n; i++) {
        col[i] = csv_column(r, names[i]);
        if (col[i] < 0)
            return vis_errf(err, VIS_EINVAL, "missing_column", names[i],
                            "line %zu: the header has no column '%s' (need %s)", r->line, names[i],
                            what);
    }
    return 0;
}

/* Next data record with the n columns non-empty: 1, 0 at end, <0 error.
 * Blank lines are skipped. */
static int next_row(csv_reader *r, const char *const *names, int n, const int *col,
                    vis_err *err)
{
    for (;;) {
        int rc = csv_next(r, err);
        if (rc <= 0) return rc;
        if (r->nfields == 1 && r->field_len[0] == 0) continue;
        for (int i = 0; i < n; i++) {
            if ((size_t)col[i] >= r->nfields) {
                vis_errf(err, VIS_EINVAL, "short_row", names[i],
                         "line %zu: %zu field(s), no value for column '%s'", r->line, r->nfields,
                         names[i]);
                return -1;
            }
            if (r->field_len[col[i]] == 0) {
                vis_errf(err, VIS_EINVAL, "empty_value", names[i], "line %zu: empty %s",
                         r->line, names[i]);
                return -1;
            }
            if (strlen(r->field[col[i]]) != r->field_len[col[i]]) {
                vis_errf(err, VIS_EINVAL, "nul_byte", names[i], "line %zu: NUL byte in %s",
                         r->line, names[i]);
                return -1;
            }
        }
        return 1;
    }
}

int truth_data_load_answers(truth_data *d, const char *text, size_t len, vis_err *err)
{
    static const char *const names[3] = {"worker", "task", "label"};
    int col[3];
    csv_reader r;
    csv_init(&r, text, len);
    int rc = open_csv(&r, "worker, task, label", names, 3, col, err);
    size_t before = d->n;
    while (!rc) {
        int got = next_row(&r, names, 3, col, err);
        if (got < 0) rc = err ? err->code : VIS_EINVAL;
        if (got <= 0) break;
        grow(&d->task, &d->worker, &d->label, &d->line, &d->cap, d->n + 1);
        int32_t w = truth_dict_intern(&d->workers, r.field[col[0]], r.field_len[col[0]]);
        int32_t t = truth_dict_intern(&d->tasks, r.field[col[1]], r.field_len[col[1]]);
        int32_t l = truth_dict_intern(&d->labels, r.field[col[2]], r.field_len[col[2]]);
        if (w < 0 || t < 0 || l < 0) {
            rc = too_many(err, r.line);
            break;
        }
        d->worker[d->n] = w;
        d->task[d->n] = t;
        d->label[d->n] = l;
        d->line[d->n] = r.line;
        d->n++;
    }
    if (!rc && d->n == before)
        rc = vis_errf(err, VIS_EINVAL, "no_answers", NULL,
                      "line %zu: no answers after the header", r.line + 1);
    csv_free(&r);
    return rc;
}

int truth_data_load_gold(truth_data *d, const char *text, size_t len, vis_err *err)
{
    static const char *const names[2] = {"task", "label"};
    int col[2];
    csv_reader r;
    csv_init(&r, text, len);
    int rc = open_csv(&r, "task, label", names, 2, col, err);
    while (!rc) {
        int got = next_row(&r, names, 2, col, err);
        if (got < 0) rc = err ? err->code : VIS_EINVAL;
        if (got <= 0) break;
        int32_t l = truth_dict_intern(&d->labels, r.field[col[1]], r.field_len[col[1]]);
        if (l < 0) {
            rc = too_many(err, r.line);
            break;
        }
        grow(&d->g_task, &d->g_label, NULL, &d->g_line, &d->g_cap, d->g_n + 1);
        int32_t t = truth_dict_find(&d->tasks, r.field[col[0]], r.field_len[col[0]]);
        if (t < 0) {
            d->n_gold_unused++;
            continue;
        }
        d->g_task[d->g_n] = t;
        d->g_label[d->g_n] = l;
        d->g_line[d->g_n] = r.line;
        d->g_n++;
    }
    csv_free(&r);
    return rc;
}

/* Stable counting sort of idx[] (values in [0, n_keys)) by key[idx[i]]. */
static void sort_by(size_t *idx, size_t n, const int32_t *key, int32_t n_keys)
{
    size_t *cnt = mem_calloc((size_t)n_keys + 1, sizeof *cnt);
    size_t *tmp = mem_alloc((n ? n : 1) * sizeof *tmp);
    for (size_t i = 0; i < n; i++) cnt[key[idx[i]] + 1]++;
    for (int32_t k = 0; k < n_keys; k++) cnt[k + 1] += cnt[k];
    for (size_t i = 0; i < n; i++) tmp[cnt[key[idx[i]]]++] = idx[i];
    memcpy(idx, tmp, n * sizeof *idx);
    free(cnt);
    free(tmp);
}

static void remap(int32_t *a, size_t n, const int32_t *map)
{
    for (size_t i = 0; i < n; i++) a[i] = map[a[i]];
}

/* Apply the permutation idx to an array of elements of size sz. */
static void permute(void *arr, size_t sz, const size_t *idx, size_t n)
{
    char *tmp = mem_alloc((n ? n : 1) * sz), *a = arr;
    for (size_t i = 0; i < n; i++) memcpy(tmp + i * sz, a + idx[i] * sz, sz);
    memcpy(a, tmp, n * sz);
    free(tmp);
}

static void encode_sorted(truth_data *d)
{
    int32_t nmax = d->tasks.count;
    if (d->workers.count > nmax) nmax = d->workers.count;
    if (d->labels.count > nmax) nmax = d->labels.count;
    int32_t *map = mem_alloc(((size_t)nmax + 1) * sizeof *map);
    truth_dict_sort(&d->labels, map);
    remap(d->label, d->n, map);
    remap(d->g_label, d->g_n, map);
    truth_dict_sort(&d->tasks, map);
    remap(d->task, d->n, map);
    remap(d->g_task, d->g_n, map);
    truth_dict_sort(&d->workers, map);
    remap(d->worker, d->n, map);
    free(map);
}

int truth_data_finish(truth_data *d, vis_err *err)
{
    if (d->finished) return 0;
    encode_sorted(d);
    /* order answers by (task, worker, line) */
    size_t n = d->n, *idx = mem_alloc((n ? n : 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++) idx[i] = i;
    sort_by(idx, n, d->worker, d->workers.count);
    sort_by(idx, n, d->task, d->tasks.count);
    permute(d->task, sizeof *d->task, idx, n);
    permute(d->worker, sizeof *d->worker, idx, n);
    permute(d->label, sizeof *d->label, idx, n);
    permute(d->line, sizeof *d->line, idx, n);
    free(idx);
    /* duplicates: keep the first row of each (task, worker); report the
     * conflict whose later line comes first in the file */
    size_t m = 0, bad = 0, bad_line = (size_t)-1, first = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && d->task[i] == d->task[m - 1] && d->worker[i] == d->worker[m - 1]) {
            if (d->label[i] != d->label[m - 1] && d->line[i] < bad_line) {
                bad = i;
                first = m - 1;
                bad_line = d->line[i];
            }
            d->n_dup++;
            continue;
        }
        d->task[m] = d->task[i];
        d->worker[m] = d->worker[i];
        d->label[m] = d->label[i];
        d->line[m] = d->line[i];
        m++;
    }
    if (bad_line != (size_t)-1)
        return vis_errf(err, VIS_EINVAL, "conflicting_answer", "label",
                        "line %zu: worker '%s' answered task '%s' with '%s', but line %zu gave '%s'",
                        bad_line, truth_dict_name(&d->workers, d->worker[first]),
                        truth_dict_name(&d->tasks, d->task[first]),
                        truth_dict_name(&d->labels, d->label[bad]), d->line[first],
                        truth_dict_name(&d->labels, d->label[first]));
    d->n = m;
    /* gold */
    if (d->g_n) {
        size_t T = (size_t)d->tasks.count;
        size_t *gl = mem_calloc(T ? T : 1, sizeof *gl);
        d->gold = mem_alloc((T ? T : 1) * sizeof *d->gold);
        for (size_t t = 0; t < T; t++) d->gold[t] = -1;
        for (size_t i = 0; i < d->g_n; i++) {
            int32_t t = d->g_task[i];
            if (d->gold[t] >= 0 && d->gold[t] != d->g_label[i]) {
                int rc = vis_errf(err, VIS_EINVAL, "conflicting_gold", "label",
                                  "line %zu: gold label '%s' for task '%s', but line %zu gave '%s'",
                                  d->g_line[i], truth_dict_name(&d->labels, d->g_label[i]),
                                  truth_dict_name(&d->tasks, t), gl[t],
                                  truth_dict_name(&d->labels, d->gold[t]));
                free(gl);
                return rc;
            }
            if (d->gold[t] < 0) gl[t] = d->g_line[i];
            d->gold[t] = d->g_label[i];
        }
        free(gl);
    }
    d->finished = 1;
    return 0;
}

void truth_data_input(const truth_data *d, truth_input *in)
{
    memset(in, 0, sizeof *in);
    in->n_tasks = d->tasks.count;
    in->n_workers = d->workers.count;
    in->n_classes = d->labels.count;
    in->n_answers = d->n;
    in->task = d->task;
    in->worker = d->worker;
    in->label = d->label;
    in->gold = d->gold;
}

static void grow_eval(int32_t **lab, size_t **line, size_t *cap, size_t need)
{
    if (need <= *cap) return;
    size_t n = *cap ? *cap * 2 : 1024;
    while (n < need) n *= 2;
    *lab = mem_realloc(*lab, n * sizeof **lab);
    *line = mem_realloc(*line, n * sizeof **line);
    *cap = n;
}

int truth_data_eval(const truth_data *d, const truth_result *r, const char *text, size_t len,
                    size_t *correct, size_t *total, vis_err *err)
{
    static const char *const names[2] = {"task", "label"};
    int col[2];
    csv_reader rd;
    truth_dict et, el; /* the file's tasks and labels */
    int32_t *lab = NULL;
    size_t *line = NULL, cap = 0;
    truth_dict_init(&et);
    truth_dict_init(&el);
    csv_init(&rd, text, len);
    *correct = *total = 0;
    int rc = open_csv(&rd, "task, label", names, 2, col, err);
    while (!rc) {
        int got = next_row(&rd, names, 2, col, err);
        if (got < 0) rc = err ? err->code : VIS_EINVAL;
        if (got <= 0) break;
        int32_t seen = et.count;
        int32_t t = truth_dict_intern(&et, rd.field[col[0]], rd.field_len[col[0]]);
        int32_t l = truth_dict_intern(&el, rd.field[col[1]], rd.field_len[col[1]]);
        if (t < 0 || l < 0) {
            rc = too_many(err, rd.line);
            break;
        }
        grow_eval(&lab, &line, &cap, (size_t)t + 1);
        if (t < seen) {
            if (lab[t] != l)
                rc = vis_errf(err, VIS_EINVAL, "conflicting_gold", "label",
                              "line %zu: label '%s' for task '%s', but line %zu gave '%s'",
                              rd.line, truth_dict_name(&el, l), truth_dict_name(&et, t), line[t],
                              truth_dict_name(&el, lab[t]));
            continue;
        }
        lab[t] = l;
        line[t] = rd.line;
        (*total)++;
        int32_t id = truth_dict_find(&d->tasks, rd.field[col[0]], rd.field_len[col[0]]);
        if (id >= 0 && id < r->n_tasks && r->label[id] >= 0 &&
            strcmp(truth_dict_name(&d->labels, r->label[id]), rd.field[col[1]]) == 0)
            (*correct)++;
    }
    csv_free(&rd);
    truth_dict_free(&et);
    truth_dict_free(&el);
    free(lab);
    free(line);
    return rc;
}
