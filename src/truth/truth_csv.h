/*
 * truth_csv — from CSV text (already in memory) to a truth_input: the
 * adapter used by `visible aggregate` and the benchmark. No file I/O here:
 * callers read the bytes (buf_read_file) and pass them in.
 *
 * Answers: RFC 4180 CSV (base/csv.h) whose header names the columns
 * `worker`, `task` and `label` in any order; other columns are ignored,
 * blank lines skipped, values must be non-empty. Gold / evaluation files:
 * columns `task` and `label`.
 *
 * truth_data_finish encodes everything to dense ids numbered in byte-wise
 * (strcmp) order of the strings — so classes, tasks and workers are ordered
 * the same whatever the row order, and iterating task ids 0..n-1 lists the
 * tasks sorted — then sorts the answers by (task, worker), drops identical
 * duplicate rows (counted in n_dup) and rejects a worker who answered one
 * task twice with different labels, naming both lines. Gold rows for tasks
 * without answers are ignored (counted in n_gold_unused); their labels still
 * become classes. Every error message starts with "line N: ".
 */
#ifndef VIS_TRUTH_TRUTH_CSV_H
#define VIS_TRUTH_TRUTH_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "truth/truth.h"

typedef struct truth_data {
    truth_dict tasks, workers, labels;
    int32_t *task, *worker, *label; /* [n] answers */
    size_t *line;                   /* [n] line of each answer */
    size_t n, cap;
    int32_t *g_task, *g_label;      /* gold rows as read */
    size_t *g_line;
    size_t g_n, g_cap;
    int32_t *gold;                  /* [n_tasks] after finish, or NULL */
    size_t n_dup, n_gold_unused;
    int finished;
} truth_data;

void truth_data_init(truth_data *d);
void truth_data_free(truth_data *d);
/* Append the answers of one CSV text. 0 or VIS_EINVAL. */
int truth_data_load_answers(truth_data *d, const char *text, size_t len, vis_err *err);
/* Gold labels (task,label) for control tasks; call after the answers. */
int truth_data_load_gold(truth_data *d, const char *text, size_t len, vis_err *err);
/* Encode, sort, deduplicate, check conflicts (see above). */
int truth_data_finish(truth_data *d, vis_err *err);
/* View of a finished data set as engine input (no copy). */
void truth_data_input(const truth_data *d, truth_input *in);
/* Compare r's labels with a task,label file: *total = its distinct tasks,
 * *correct = those whose output label equals the file's (a task absent from
 * the answers counts as wrong). */
int truth_data_eval(const truth_data *d, const truth_result *r, const char *text, size_t len,
                    size_t *correct, size_t *total, vis_err *err);

#endif
