/*
 * truth — truth inference: combine several workers' answers to the same
 * questions into one label per task, with its posterior probability, and
 * estimate each worker's skill.
 *
 * Pure computation: integer-coded arrays in, arrays out; no I/O, no store,
 * no global state. The marketplace calls it on the answers of a batch, the
 * offline command `visible aggregate` on a CSV file (see truth_csv.h for the
 * CSV adapter and truth_dict below for the string <-> dense id encoder).
 *
 * Input: n_answers triples (task, worker, label), each an index in
 * [0, n_tasks), [0, n_workers), [0, n_classes). Optional gold[] (one entry
 * per task, a class index or -1 = unknown) marks control tasks: every method
 * keeps their gold label (posterior one-hot, confidence 1) throughout, so
 * they inform the worker estimates. Duplicate answers are not merged here:
 * each triple counts as one vote (the CSV adapter removes duplicates).
 *
 * Methods (details, parameters and measured figures in docs/truth.md):
 *   TRUTH_MV       majority vote; posterior = vote fractions.
 *   TRUTH_WAWA     worker agreement with aggregate: MV, then each worker
 *                  weighted by its agreement with the MV labels.
 *   TRUTH_DS       Dawid–Skene: one K×K confusion matrix per worker and a
 *                  class prior, fitted by EM started from the MV fractions.
 *   TRUTH_ONECOIN  one-coin Dawid–Skene: one accuracy per worker, errors
 *                  spread evenly over the other K−1 classes.
 *   TRUTH_GLAD     GLAD (Whitehill et al. 2009): worker ability alpha, task
 *                  inverse difficulty beta > 0, P(correct) = σ(alpha·beta).
 *   TRUTH_MACE     MACE (Hovy et al. 2013): each worker knows the answer with
 *                  probability theta, otherwise answers from its own spam
 *                  distribution; variational Bayes, best of several restarts.
 *
 * EM methods stop after opt.max_iter iterations or when their objective per
 * answer changes by less than opt.tol between two iterations: for DS the
 * evidence lower bound exactly as Crowd-Kit computes it (so that DS is the
 * reference estimator, stopping rule included), for the others the
 * observed-data log-likelihood (|change|: GLAD's M-step is approximate).
 *
 * Tie-breaking (documented contract, every method): when two classes have
 * exactly the same posterior for a task, the class given more often across
 * all answers wins; if their counts are equal too, the lower class index
 * wins (the CSV adapter numbers classes in byte-wise order of their label
 * strings, so the byte-wise smaller label). Results do not depend on the
 * order of the answers beyond floating-point rounding; MACE's random
 * restarts use a fixed seed (opt.seed), so every run is reproducible.
 *
 * A task with no answers and no gold label gets label -1, confidence 0 and
 * the class prior as its posterior.
 */
#ifndef VIS_TRUTH_TRUTH_H
#define VIS_TRUTH_TRUTH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef enum truth_method {
    TRUTH_MV = 0,
    TRUTH_WAWA,
    TRUTH_DS,
    TRUTH_ONECOIN,
    TRUTH_GLAD,
    TRUTH_MACE,
} truth_method;

#define TRUTH_N_METHODS 6

/* "mv", "wawa", "ds", "onecoin", "glad", "mace" (also the long forms
 * "majority", "dawid-skene", "one-coin"). 0, or VIS_EINVAL naming the
 * accepted values. */
int truth_method_parse(const char *name, truth_method *out, vis_err *err);
/* Short name of a method ("ds"), or "?" */
const char *truth_method_name(truth_method m);

typedef struct truth_input {
    int32_t n_tasks, n_workers, n_classes;
    size_t n_answers;
    const int32_t *task;   /* [n_answers] */
    const int32_t *worker; /* [n_answers] */
    const int32_t *label;  /* [n_answers] */
    const int32_t *gold;   /* NULL, or [n_tasks]: class index or -1 */
} truth_input;

typedef struct truth_options {
    truth_method method;
    int max_iter;     /* EM iteration cap (per restart for MACE) */
    double tol;       /* convergence tolerance on the mean log-likelihood
                         per answer */
    double smoothing; /* pseudo-count added to each estimated count (DS
                         confusion cells, one-coin coins, class priors);
                         0 = maximum likelihood, probabilities floored at
                         DBL_EPSILON as in Crowd-Kit */
    double shrink;    /* DS: strength (pseudo-answers per confusion row) of
                         the prior centred on the pooled confusion */
    int restarts;     /* MACE: random restarts besides the MV start */
    uint64_t seed;    /* MACE: seed of the random restarts */
} truth_options;

/* Defaults: max_iter 100 (MACE 50 per restart), tol 1e-7, smoothing 0,
 * shrink 0, restarts 10 (MACE), seed 1. */
void truth_options_default(truth_options *o, truth_method m);

typedef struct truth_result {
    int32_t n_tasks, n_workers, n_classes;
    int32_t *label;        /* [n_tasks] class index, or -1 (no evidence) */
    double *confidence;    /* [n_tasks] posterior of label */
    double *posterior;     /* [n_tasks * n_classes] row per task */
    double *skill;         /* [n_workers] estimated accuracy in [0, 1] */
    int32_t *answers;      /* [n_workers] number of answers */
    double *confusion;     /* DS only, else NULL: [n_workers * K * K];
                              worker w, true class k, answer a at
                              confusion[(w*K + k)*K + a]; rows sum to 1 */
    double *worker_param;  /* GLAD: ability alpha; MACE: competence theta;
                              else NULL */
    double *task_param;    /* GLAD: inverse difficulty beta; else NULL */
    double *prior;         /* [n_classes] estimated class prior */
    int iterations;        /* EM iterations run (0 for MV, 1 for Wawa) */
    int converged;         /* 1 if the tolerance was met before the cap */
    double log_likelihood; /* final observed-data log-likelihood (EM) */
} truth_result;

/*
 * Skill, per method: MV and Wawa — the fraction of the worker's answers that
 * agree with the final labels; DS — Σ_k prior_k · C[k][k]; one-coin — the
 * worker's coin; GLAD — mean of σ(alpha·beta_t) over the tasks it answered;
 * MACE — theta + (1 − theta) · Σ_k prior_k · spam_k.
 *
 * Returns 0 and fills *out (free with truth_result_free), or VIS_EINVAL
 * (index out of range, bad option) with *err filled; on error
 * *out holds nothing to free.
 */
int truth_run(const truth_input *in, const truth_options *opt, truth_result *out,
              vis_err *err);
void truth_result_free(truth_result *r);

/*
 * truth_dict — string -> dense id (0, 1, 2, …) encoder: open-addressing
 * hash table (FNV-1a, linear probing, power-of-two size, load ≤ 1/2) over
 * one arena of NUL-terminated names. Used for task ids, worker ids and
 * labels. Names must not contain NUL bytes. A pointer returned by
 * truth_dict_name stays valid until the next intern or sort.
 */
typedef struct truth_dict {
    char *arena;
    size_t arena_len, arena_cap;
    size_t *off;      /* [count] offset of each name in the arena */
    uint32_t *hash;   /* [count] hash of each name */
    int32_t *slot;    /* [n_slot] id + 1, 0 = empty */
    size_t n_slot;
    int32_t count, cap;
} truth_dict;

void truth_dict_init(truth_dict *d);
void truth_dict_free(truth_dict *d);
/* Id of s (len bytes), added if new; -1 when full (more than INT32_MAX/2
 * names). */
int32_t truth_dict_intern(truth_dict *d, const char *s, size_t len);
/* Id of s, or -1 if absent. */
int32_t truth_dict_find(const truth_dict *d, const char *s, size_t len);
const char *truth_dict_name(const truth_dict *d, int32_t id);
static inline int32_t truth_dict_size(const truth_dict *d) { return d->count; }
/* Renumber the ids in byte-wise (strcmp) order of the names; old_to_new
 * (NULL or [count]) receives the mapping. */
void truth_dict_sort(truth_dict *d, int32_t *old_to_new);

#endif
