/* Unit tests of src/truth: methods on hand-checkable and generated data,
 * the string encoder, the CSV adapter. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "truth/truth.h"
#include "truth/truth_csv.h"

/* ---- helpers ---- */

typedef struct answers {
    int32_t *task, *worker, *label;
    size_t n, cap;
} answers;

static void add(answers *a, int32_t t, int32_t w, int32_t l)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 256;
        a->task = realloc(a->task, a->cap * sizeof *a->task);
        a->worker = realloc(a->worker, a->cap * sizeof *a->worker);
        a->label = realloc(a->label, a->cap * sizeof *a->label);
        assert_non_null(a->task);
        assert_non_null(a->worker);
        assert_non_null(a->label);
    }
    a->task[a->n] = t;
    a->worker[a->n] = w;
    a->label[a->n] = l;
    a->n++;
}

static void answers_free(answers *a)
{
    free(a->task);
    free(a->worker);
    free(a->label);
    memset(a, 0, sizeof *a);
}

static truth_input input_of(const answers *a, int32_t T, int32_t W, int32_t K)
{
    truth_input in = {.n_tasks = T, .n_workers = W, .n_classes = K, .n_answers = a->n,
                      .task = a->task, .worker = a->worker, .label = a->label};
    return in;
}

static void run(const truth_input *in, truth_method m, truth_result *r)
{
    truth_options o;
    truth_options_default(&o, m);
    vis_err e = {0};
    int rc = truth_run(in, &o, r, &e);
    if (rc) fprintf(stderr, "truth_run: %s\n", e.msg);
    assert_int_equal(rc, 0);
}

static uint64_t rng_state;
static double rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}
static int32_t draw(const double *p, int32_t K)
{
    double u = rnd(), c = 0;
    for (int32_t k = 0; k < K; k++) {
        c += p[k];
        if (u < c) return k;
    }
    return K - 1;
}

static double accuracy(const truth_result *r, const int32_t *truth, int32_t T)
{
    int32_t ok = 0;
    for (int32_t t = 0; t < T; t++) ok += r->label[t] == truth[t];
    return (double)ok / T;
}

/* Generated data: K classes, uniform prior, each worker a random confusion
 * (diagonal in [0.45, 0.95], rest spread at random), R distinct workers per
 * task. conf[(w*K + k)*K + a]. */
typedef struct gen {
    int32_t T, W, K;
    int32_t *truth;
    double *conf;
    answers a;
} gen;

static void gen_make(gen *g, int32_t T, int32_t W, int32_t K, int32_t R, uint64_t seed)
{
    rng_state = seed;
    g->T = T;
    g->W = W;
    g->K = K;
    memset(&g->a, 0, sizeof g->a);
    g->truth = malloc((size_t)T * sizeof *g->truth);
    g->conf = malloc((size_t)W * K * K * sizeof *g->conf);
    assert_non_null(g->truth);
    assert_non_null(g->conf);
    for (int32_t w = 0; w < W; w++)
        for (int32_t k = 0; k < K; k++) {
            double *row = g->conf + ((size_t)w * K + k) * K, d = 0.45 + 0.5 * rnd(), tot = 0;
            for (int32_t a = 0; a < K; a++) tot += row[a] = a == k ? 0 : 0.1 + rnd();
            for (int32_t a = 0; a < K; a++) row[a] = a == k ? d : (1 - d) * row[a] / tot;
        }
    int32_t *used = malloc((size_t)R * sizeof *used);
    assert_non_null(used);
    for (int32_t t = 0; t < T; t++) {
        g->truth[t] = (int32_t)(rnd() * K);
        int32_t n = 0;
        while (n < R) {
            int32_t w = (int32_t)(rnd() * W), dup = 0;
            for (int32_t j = 0; j < n; j++) dup |= used[j] == w;
            if (dup) continue;
            used[n++] = w;
            add(&g->a, t, w, draw(g->conf + ((size_t)w * K + g->truth[t]) * K, K));
        }
    }
    free(used);
}

static void gen_free(gen *g)
{
    free(g->truth);
    free(g->conf);
    answers_free(&g->a);
}

/* Accuracy of the Bayes decision with the true confusions (uniform prior). */
static double gen_bayes(const gen *g)
{
    int32_t K = g->K, ok = 0;
    double *lp = calloc((size_t)g->T * K, sizeof *lp);
    assert_non_null(lp);
    for (size_t i = 0; i < g->a.n; i++)
        for (int32_t k = 0; k < K; k++)
            lp[(size_t)g->a.task[i] * K + k] +=
                log(g->conf[((size_t)g->a.worker[i] * K + k) * K + g->a.label[i]]);
    for (int32_t t = 0; t < g->T; t++) {
        int32_t b = 0;
        for (int32_t k = 1; k < K; k++)
            if (lp[(size_t)t * K + k] > lp[(size_t)t * K + b]) b = k;
        ok += b == g->truth[t];
    }
    free(lp);
    return (double)ok / g->T;
}

/* ---- tests ---- */

static void test_method_names(void **st)
{
    (void)st;
    truth_method m;
    vis_err e = {0};
    const char *names[] = {"mv", "wawa", "ds", "onecoin", "glad", "mace"};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(truth_method_parse(names[i], &m, &e), 0);
        assert_int_equal((int)m, i);
        assert_string_equal(truth_method_name(m), names[i]);
    }
    assert_int_equal(truth_method_parse("dawid-skene", &m, &e), 0);
    assert_int_equal(m, TRUTH_DS);
    assert_int_equal(truth_method_parse("bogus", &m, &e), VIS_EINVAL);
    assert_non_null(strstr(e.msg, "bogus"));
    assert_int_equal(truth_method_parse(NULL, &m, &e), VIS_EINVAL);
}

static void test_dict(void **st)
{
    (void)st;
    truth_dict d;
    truth_dict_init(&d);
    assert_int_equal(truth_dict_find(&d, "x", 1), -1);
    char name[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(name, sizeof name, "id-%d", 4999 - i);
        assert_int_equal(truth_dict_intern(&d, name, (size_t)n), i);
    }
    assert_int_equal(truth_dict_size(&d), 5000);
    assert_int_equal(truth_dict_intern(&d, "id-4999", 7), 0);
    assert_int_equal(truth_dict_find(&d, "id-0", 4), 4999);
    assert_int_equal(truth_dict_find(&d, "id-", 3), -1);
    assert_string_equal(truth_dict_name(&d, 1), "id-4998");
    assert_null(truth_dict_name(&d, 5000));
    int32_t *map = malloc(5000 * sizeof *map);
    assert_non_null(map);
    truth_dict_sort(&d, map);
    for (int32_t i = 1; i < 5000; i++)
        assert_true(strcmp(truth_dict_name(&d, i - 1), truth_dict_name(&d, i)) < 0);
    assert_string_equal(truth_dict_name(&d, 0), "id-0");
    assert_int_equal(map[4999], 0); /* "id-0" was id 4999 */
    assert_int_equal(truth_dict_find(&d, "id-0", 4), 0);
    assert_int_equal(truth_dict_find(&d, "id-4999", 7), map[0]);
    /* empty string and prefixes are distinct names */
    assert_int_equal(truth_dict_intern(&d, "", 0), 5000);
    assert_int_equal(truth_dict_find(&d, "", 0), 5000);
    free(map);
    truth_dict_free(&d);
}

/* Ties: the class answered more often overall wins, then the lower index. */
static void test_mv_ties(void **st)
{
    (void)st;
    answers a = {0};
    add(&a, 0, 0, 0); /* task 0: 0 vs 1 tie */
    add(&a, 0, 1, 1);
    add(&a, 1, 0, 1); /* task 1: 1 1 -> class 1 answered 3 times overall */
    add(&a, 1, 1, 1);
    add(&a, 2, 0, 2); /* task 2: 2 vs 0: class 0 and 2 both twice -> 0 */
    add(&a, 2, 1, 0);
    add(&a, 3, 0, 2);
    truth_input in = input_of(&a, 5, 2, 3);
    truth_result r;
    run(&in, TRUTH_MV, &r);
    assert_int_equal(r.label[0], 1);
    assert_float_equal(r.confidence[0], 0.5, 1e-12);
    assert_int_equal(r.label[1], 1);
    assert_float_equal(r.confidence[1], 1.0, 1e-12);
    assert_int_equal(r.label[2], 0);
    assert_int_equal(r.label[3], 2);
    assert_int_equal(r.label[4], -1); /* no answers */
    assert_float_equal(r.confidence[4], 0.0, 0);
    assert_int_equal(r.answers[0], 4);
    assert_int_equal(r.answers[1], 3);
    truth_result_free(&r);
    answers_free(&a);
}

static void test_validation(void **st)
{
    (void)st;
    answers a = {0};
    add(&a, 0, 0, 3);
    truth_input in = input_of(&a, 1, 1, 2);
    truth_options o;
    truth_options_default(&o, TRUTH_DS);
    truth_result r;
    vis_err e = {0};
    assert_int_equal(truth_run(&in, &o, &r, &e), VIS_EINVAL);
    assert_non_null(strstr(e.msg, "label 3"));
    a.label[0] = 1;
    a.worker[0] = 1;
    assert_int_equal(truth_run(&in, &o, &r, &e), VIS_EINVAL);
    a.worker[0] = 0;
    int32_t gold[1] = {2};
    in.gold = gold;
    assert_int_equal(truth_run(&in, &o, &r, &e), VIS_EINVAL);
    in.gold = NULL;
    o.max_iter = 0;
    assert_int_equal(truth_run(&in, &o, &r, &e), VIS_EINVAL);
    o.max_iter = 10;
    o.method = (truth_method)42;
    assert_int_equal(truth_run(&in, &o, &r, &e), VIS_EINVAL);
    answers_free(&a);
}

/* One class only, and no workers at all: every method copes. */
static void test_degenerate(void **st)
{
    (void)st;
    answers a = {0};
    add(&a, 0, 0, 0);
    add(&a, 1, 1, 0);
    for (int m = 0; m < TRUTH_N_METHODS; m++) {
        truth_input in = input_of(&a, 3, 2, 1);
        truth_result r;
        run(&in, (truth_method)m, &r);
        assert_int_equal(r.label[0], 0);
        assert_float_equal(r.confidence[1], 1.0, 1e-9);
        assert_int_equal(r.label[2], -1);
        truth_result_free(&r);
        truth_input empty = {.n_tasks = 2, .n_workers = 0, .n_classes = 2};
        run(&empty, (truth_method)m, &r);
        assert_int_equal(r.label[0], -1);
        truth_result_free(&r);
    }
    answers_free(&a);
}

/* Spammers answering at random are discounted by DS: with three of them
 * against two good workers MV is misled, DS is not, and their confusion
 * rows come out nearly flat. */
static void test_ds_spammer(void **st)
{
    (void)st;
    rng_state = 7;
    answers a = {0};
    int32_t T = 600, K = 3, *truth = malloc((size_t)T * sizeof *truth);
    assert_non_null(truth);
    for (int32_t t = 0; t < T; t++) {
        truth[t] = (int32_t)(rnd() * K);
        for (int32_t w = 0; w < 2; w++) /* good: 85% right */
            add(&a, t, w, rnd() < 0.85 ? truth[t] : (truth[t] + 1 + (int32_t)(rnd() * 2)) % K);
        for (int32_t w = 2; w < 5; w++) add(&a, t, w, (int32_t)(rnd() * K)); /* spammers */
    }
    truth_input in = input_of(&a, T, 5, K);
    truth_result mv, ds;
    run(&in, TRUTH_MV, &mv);
    run(&in, TRUTH_DS, &ds);
    double amv = accuracy(&mv, truth, T), ads = accuracy(&ds, truth, T);
    fprintf(stderr, "spammers: MV %.3f DS %.3f\n", amv, ads);
    /* Bayes: both good right .7225, split half of .255 -> about .85 */
    assert_true(ads > amv + 0.1);
    assert_true(ads > 0.82);
    for (int32_t w = 2; w < 5; w++) {
        assert_true(ds.skill[w] < 0.45); /* about 1/3 */
        for (int32_t k = 0; k < K; k++)
            for (int32_t l = 0; l < K; l++)
                assert_float_equal(ds.confusion[((size_t)w * K + k) * K + l], 1.0 / 3, 0.1);
    }
    for (int32_t w = 0; w < 2; w++) assert_float_equal(ds.skill[w], 0.85, 0.05);
    truth_result_free(&mv);
    truth_result_free(&ds);
    free(truth);
    answers_free(&a);
}

/* An adversary who always gives the other class of two is inverted: his
 * confusion matrix is the anti-diagonal, and a task he alone answered gets
 * the opposite of his answer. GLAD gives him a negative ability. */
static void test_adversary_inverted(void **st)
{
    (void)st;
    rng_state = 11;
    answers a = {0};
    int32_t T = 400, *truth = malloc((size_t)T * sizeof *truth);
    assert_non_null(truth);
    for (int32_t t = 0; t < T; t++) {
        truth[t] = rnd() < 0.5;
        if (t < 20) { /* only the adversary answered */
            add(&a, t, 3, 1 - truth[t]);
            continue;
        }
        for (int32_t w = 0; w < 3; w++) add(&a, t, w, rnd() < 0.8 ? truth[t] : 1 - truth[t]);
        add(&a, t, 3, 1 - truth[t]);
    }
    truth_input in = input_of(&a, T, 4, 2);
    truth_result ds, glad;
    run(&in, TRUTH_DS, &ds);
    assert_true(ds.confusion[(3 * 2 + 0) * 2 + 1] > 0.99);
    assert_true(ds.confusion[(3 * 2 + 1) * 2 + 0] > 0.99);
    assert_true(ds.skill[3] < 0.01);
    for (int32_t t = 0; t < 20; t++) {
        assert_int_equal(ds.label[t], truth[t]);
        assert_true(ds.confidence[t] > 0.9);
    }
    assert_true(accuracy(&ds, truth, T) > 0.99);
    run(&in, TRUTH_GLAD, &glad);
    assert_true(glad.worker_param[3] < 0);
    assert_true(glad.worker_param[0] > 0);
    assert_true(accuracy(&glad, truth, T) > 0.97);
    truth_result_free(&ds);
    truth_result_free(&glad);
    free(truth);
    answers_free(&a);
}

/* Generated data with known confusions: DS recovers them within a
 * tolerance and reaches the Bayes-optimal accuracy the truth implies. */
static void test_ds_recovers_generated(void **st)
{
    (void)st;
    gen g;
    gen_make(&g, 4000, 40, 3, 5, 42);
    truth_input in = input_of(&g.a, g.T, g.W, g.K);
    truth_result r;
    run(&in, TRUTH_DS, &r);
    assert_int_equal(r.converged, 1);
    double bayes = gen_bayes(&g), acc = accuracy(&r, g.truth, g.T), err = 0;
    assert_true(acc > bayes - 0.01);
    size_t n = (size_t)g.W * g.K * g.K;
    for (size_t j = 0; j < n; j++) err += fabs(r.confusion[j] - g.conf[j]);
    err /= (double)n;
    assert_true(err < 0.03); /* ~500 answers per worker */
    for (int32_t k = 0; k < g.K; k++) assert_float_equal(r.prior[k], 1.0 / 3, 0.03);
    truth_result_free(&r);
    gen_free(&g);
}

/* Every method: reasonable on generated data, deterministic, and (up to
 * rounding) independent of the order of the answers. */
static void test_all_methods_generated(void **st)
{
    (void)st;
    gen g;
    gen_make(&g, 2000, 30, 4, 5, 99);
    answers sh = {0};
    size_t n = g.a.n, *perm = malloc(n * sizeof *perm);
    assert_non_null(perm);
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rnd() * (double)(i + 1)), x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
    }
    for (size_t i = 0; i < n; i++)
        add(&sh, g.a.task[perm[i]], g.a.worker[perm[i]], g.a.label[perm[i]]);
    free(perm);
    truth_input in = input_of(&g.a, g.T, g.W, g.K), in2 = input_of(&sh, g.T, g.W, g.K);
    double bayes = gen_bayes(&g), mv_acc = 0;
    for (int m = 0; m < TRUTH_N_METHODS; m++) {
        truth_result r1, r2, r3;
        run(&in, (truth_method)m, &r1);
        run(&in, (truth_method)m, &r2);
        run(&in2, (truth_method)m, &r3);
        double acc = accuracy(&r1, g.truth, g.T);
        if (m == TRUTH_MV) mv_acc = acc;
        assert_true(acc <= bayes + 0.02);
        assert_true(acc >= mv_acc - 0.01);
        if (m == TRUTH_DS || m == TRUTH_MACE) assert_true(acc > bayes - 0.02);
        assert_memory_equal(r1.label, r2.label, (size_t)g.T * sizeof *r1.label);
        assert_memory_equal(r1.posterior, r2.posterior, (size_t)g.T * g.K * sizeof(double));
        int32_t diff = 0;
        for (int32_t t = 0; t < g.T; t++) {
            diff += r1.label[t] != r3.label[t];
            assert_float_equal(r1.confidence[t], r3.confidence[t], 1e-6);
        }
        assert_int_equal(diff, 0);
        for (int32_t w = 0; w < g.W; w++) {
            assert_true(r1.skill[w] >= 0 && r1.skill[w] <= 1);
            assert_int_equal(r1.answers[w], r3.answers[w]);
        }
        for (int32_t t = 0; t < g.T; t++) {
            double s = 0;
            for (int32_t k = 0; k < g.K; k++) s += r1.posterior[(size_t)t * g.K + k];
            assert_float_equal(s, 1.0, 1e-9);
        }
        truth_result_free(&r1);
        truth_result_free(&r2);
        truth_result_free(&r3);
    }
    answers_free(&sh);
    gen_free(&g);
}

/* Gold tasks keep their label and inform the workers: a worker who
 * contradicts the gold on the control tasks loses to one who matches. */
static void test_gold(void **st)
{
    (void)st;
    answers a = {0};
    int32_t T = 40;
    int32_t *gold = malloc((size_t)T * sizeof *gold);
    assert_non_null(gold);
    for (int32_t t = 0; t < T; t++) gold[t] = -1;
    for (int32_t t = 0; t < 30; t++) { /* control tasks: worker 0 right, 1 wrong */
        gold[t] = t % 2;
        add(&a, t, 0, t % 2);
        add(&a, t, 1, 1 - t % 2);
    }
    for (int32_t t = 30; t < T; t++) { /* open tasks: they disagree */
        add(&a, t, 0, 0);
        add(&a, t, 1, 1);
    }
    gold[0] = 1; /* the gold wins even against the evidence */
    for (int m = 0; m < TRUTH_N_METHODS; m++) {
        truth_input in = input_of(&a, T, 2, 2);
        in.gold = gold;
        truth_result r;
        run(&in, (truth_method)m, &r);
        assert_int_equal(r.label[0], 1);
        assert_float_equal(r.confidence[0], 1.0, 0);
        for (int32_t t = 1; t < 30; t++) assert_int_equal(r.label[t], t % 2);
        if (m != TRUTH_MV) /* plain MV ignores who is reliable */
            for (int32_t t = 30; t < T; t++) assert_int_equal(r.label[t], 0);
        assert_true(r.skill[0] > r.skill[1]);
        truth_result_free(&r);
    }
    free(gold);
    answers_free(&a);
}

/* MACE flags a worker who always gives the same label as a spammer. */
static void test_mace_spammer(void **st)
{
    (void)st;
    rng_state = 5;
    answers a = {0};
    int32_t T = 500, K = 3;
    for (int32_t t = 0; t < T; t++) {
        int32_t z = (int32_t)(rnd() * K);
        for (int32_t w = 0; w < 3; w++)
            add(&a, t, w, rnd() < 0.8 ? z : (z + 1 + (int32_t)(rnd() * 2)) % K);
        add(&a, t, 3, 0);
    }
    truth_input in = input_of(&a, T, 4, K);
    truth_result r;
    run(&in, TRUTH_MACE, &r);
    assert_true(r.worker_param[3] < 0.15);
    for (int32_t w = 0; w < 3; w++) assert_true(r.worker_param[w] > 0.6);
    truth_result_free(&r);
    answers_free(&a);
}

/* ---- CSV adapter ---- */

static int load(truth_data *d, const char *csv, const char *gold, vis_err *e)
{
    truth_data_init(d);
    int rc = truth_data_load_answers(d, csv, strlen(csv), e);
    if (!rc && gold) rc = truth_data_load_gold(d, gold, strlen(gold), e);
    if (!rc) rc = truth_data_finish(d, e);
    return rc;
}

static void test_csv_adapter(void **st)
{
    (void)st;
    const char *csv = "extra,label,task,worker\r\n"
                      "x,b,t2,w1\r\n"
                      "x,a,t1,w2\r\n"
                      "\r\n"
                      "y,\"a\",t1,w1\r\n"
                      "x,b,t2,w1\r\n" /* identical duplicate */
                      "x,\"b,c\",t3,w2\r\n";
    truth_data d;
    vis_err e = {0};
    assert_int_equal(load(&d, csv, "task,label\nt2,a\nzz,q\n", &e), 0);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.n_dup, 1);
    assert_int_equal(d.n_gold_unused, 1);
    assert_int_equal(truth_dict_size(&d.labels), 4); /* a, b, "b,c", q */
    assert_string_equal(truth_dict_name(&d.tasks, 0), "t1");
    assert_string_equal(truth_dict_name(&d.labels, 2), "b,c");
    truth_input in;
    truth_data_input(&d, &in);
    assert_int_equal(in.n_tasks, 3);
    assert_int_equal(in.n_workers, 2);
    assert_int_equal(in.gold[1], 0); /* t2 -> a */
    assert_int_equal(in.gold[0], -1);
    truth_result r;
    run(&in, TRUTH_MV, &r);
    assert_int_equal(r.label[0], 0);
    assert_int_equal(r.label[1], 0);
    size_t ok, tot;
    const char *ev = "label,task\na,t1\nb,t2\nb,t2\nz,missing\n";
    assert_int_equal(truth_data_eval(&d, &r, ev, strlen(ev), &ok, &tot, &e), 0);
    assert_int_equal(tot, 3);
    assert_int_equal(ok, 1);
    const char *bad = "task,label\nt1,a\nt1,b\n";
    assert_int_equal(truth_data_eval(&d, &r, bad, strlen(bad), &ok, &tot, &e), VIS_EINVAL);
    assert_non_null(strstr(e.msg, "line 3"));
    truth_result_free(&r);
    truth_data_free(&d);
}

static void expect_error(const char *csv, const char *gold, const char *needle)
{
    truth_data d;
    vis_err e = {0};
    assert_int_equal(load(&d, csv, gold, &e), VIS_EINVAL);
    if (!strstr(e.msg, needle)) fail_msg("message '%s' lacks '%s'", e.msg, needle);
    truth_data_free(&d);
}

static void test_csv_adapter_errors(void **st)
{
    (void)st;
    expect_error("", NULL, "line 1: empty file");
    expect_error("\n", NULL, "line 1: empty file");
    expect_error("worker,task\nw,t\n", NULL, "line 1: the header has no column 'label'");
    expect_error("worker,task,label\n", NULL, "no answers");
    expect_error("worker,task,label\nw,t,a\nw,t2\n", NULL, "line 3");
    expect_error("worker,task,label\nw,t,\n", NULL, "line 2: empty label");
    expect_error("worker,task,label\nw,t,a\nw,\"t\n", NULL, "line 3: unterminated");
    expect_error("worker,task,label\nw1,t,a\nw2,t,b\nw1,t,a\nw1,t,c\nw2,t,d\n", NULL,
                 "line 5: worker 'w1' answered task 't' with 'c', but line 2 gave 'a'");
    expect_error("worker,task,label\nw,t,a\n", "task,label\nt,a\nt,b\n",
                 "line 3: gold label 'b' for task 't', but line 2 gave 'a'");
    expect_error("worker,task,label\nw,t,a\n", "task\nt\n", "column 'label'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_names),
        cmocka_unit_test(test_dict),
        cmocka_unit_test(test_mv_ties),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_ds_spammer),
        cmocka_unit_test(test_adversary_inverted),
        cmocka_unit_test(test_ds_recovers_generated),
        cmocka_unit_test(test_all_methods_generated),
        cmocka_unit_test(test_gold),
        cmocka_unit_test(test_mace_spammer),
        cmocka_unit_test(test_csv_adapter),
        cmocka_unit_test(test_csv_adapter_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
