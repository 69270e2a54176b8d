/* Unit tests: dense and sparse assignment solvers against brute force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch/disp_lap.h"

typedef struct rng { uint64_t s; } rng;
static uint64_t rnext(rng *r)
{
    r->s ^= r->s << 13; r->s ^= r->s >> 7; r->s ^= r->s << 17;
    return r->s;
}

/* Brute force: min cost over matchings of size min(nr, nc). Returns INFINITY
 * when none exists. */
static double brute(int nr, int nc, const double *c, int i, unsigned used,
                    int need)
{
    if (need == 0) return 0;
    if (nr - i < need) return INFINITY;
    double best = INFINITY;
    if (nr - i > need) /* row i may stay unmatched */
        best = brute(nr, nc, c, i + 1, used, need);
    for (int j = 0; j < nc; j++) {
        if (used & (1u << j)) continue;
        double cij = c[i * nc + j];
        if (cij == INFINITY) continue;
        double s = cij + brute(nr, nc, c, i + 1, used | (1u << j), need - 1);
        if (s < best) best = s;
    }
    return best;
}

static void check_one(rng *r, int nr, int nc, int forbid_pct, int integer)
{
    double *c = malloc(sizeof(double) * (size_t)(nr * nc));
    int *rc = malloc(sizeof(int) * (size_t)nr);
    for (int k = 0; k < nr * nc; k++) {
        if ((int)(rnext(r) % 100) < forbid_pct) c[k] = INFINITY;
        else if (integer) c[k] = (double)(rnext(r) % 7) - 2; /* many ties */
        else c[k] = (double)(rnext(r) % 1000000) / 997.0;
    }
    int need = nr < nc ? nr : nc;
    double want = brute(nr, nc, c, 0, 0, need);
    double got = 0;
    vis_err e;
    int st = disp_lap_dense(nr, nc, c, rc, &got, &e);
    if (want == INFINITY) {
        assert_int_equal(st, VIS_EINVAL);
        assert_string_equal(e.kind, "infeasible");
    } else {
        assert_int_equal(st, VIS_OK);
        assert_true(fabs(got - want) < 1e-6);
        unsigned used = 0;
        int n = 0;
        for (int i = 0; i < nr; i++) {
            if (rc[i] < 0) continue;
            assert_true(rc[i] < nc);
            assert_false(used & (1u << rc[i]));
            used |= 1u << rc[i];
            assert_true(c[i * nc + rc[i]] != INFINITY);
            n++;
        }
        assert_int_equal(n, need);
    }
    /* sparse: only when every row must be matched */
    if (nr <= nc) {
        int *rs = malloc(sizeof(int) * (size_t)(nr + 1));
        int *cl = malloc(sizeof(int) * (size_t)(nr * nc + 1));
        double *cs = malloc(sizeof(double) * (size_t)(nr * nc + 1));
        int nnz = 0;
        for (int i = 0; i < nr; i++) {
            rs[i] = nnz;
            for (int j = 0; j < nc; j++)
                if (c[i * nc + j] != INFINITY) { cl[nnz] = j; cs[nnz++] = c[i * nc + j]; }
        }
        rs[nr] = nnz;
        disp_lap_sparse_m m = { nr, nc, rs, cl, cs };
        double sg = 0;
        st = disp_lap_sparse(&m, rc, &sg, &e);
        if (want == INFINITY) {
            assert_int_equal(st, VIS_EINVAL);
        } else {
            assert_int_equal(st, VIS_OK);
            assert_true(fabs(sg - want) < 1e-6);
            unsigned used = 0;
            for (int i = 0; i < nr; i++) {
                assert_true(rc[i] >= 0 && rc[i] < nc);
                assert_false(used & (1u << rc[i]));
                used |= 1u << rc[i];
            }
        }
        free(rs); free(cl); free(cs);
    }
    free(c);
    free(rc);
}

static void test_square_random(void **st)
{
    (void)st;
    rng r = { 88172645463325252ull };
    for (int t = 0; t < 400; t++) {
        int n = 1 + (int)(rnext(&r) % 7);
        check_one(&r, n, n, 0, t & 1);
    }
}

static void test_rectangular_random(void **st)
{
    (void)st;
    rng r = { 1234567ull };
    for (int t = 0; t < 400; t++) {
        int nr = 1 + (int)(rnext(&r) % 7), nc = 1 + (int)(rnext(&r) % 7);
        check_one(&r, nr, nc, 0, t & 1);
    }
}

static void test_forbidden_random(void **st)
{
    (void)st;
    rng r = { 987654321ull };
    for (int t = 0; t < 600; t++) {
        int nr = 1 + (int)(rnext(&r) % 7), nc = 1 + (int)(rnext(&r) % 7);
        check_one(&r, nr, nc, 10 + (int)(rnext(&r) % 60), t & 1);
    }
}

static void test_edge_cases(void **st)
{
    (void)st;
    int rc[3];
    double tot = -1;
    assert_int_equal(disp_lap_dense(0, 3, NULL, rc, &tot, NULL), VIS_OK);
    assert_true(tot == 0);
    double c1[] = { 5 };
    assert_int_equal(disp_lap_dense(1, 1, c1, rc, &tot, NULL), VIS_OK);
    assert_int_equal(rc[0], 0);
    double inf1[] = { INFINITY, INFINITY, 1, 2 };
    vis_err e;
    assert_int_equal(disp_lap_dense(2, 2, inf1, rc, &tot, &e), VIS_EINVAL);
    /* larger random square vs rectangular consistency (no brute force) */
    rng r = { 42 };
    int n = 60;
    double *c = malloc(sizeof(double) * (size_t)(n * n));
    int *a = malloc(sizeof(int) * (size_t)n);
    for (int k = 0; k < n * n; k++) c[k] = (double)(rnext(&r) % 1000);
    double t1, t2;
    assert_int_equal(disp_lap_dense(n, n, c, a, &t1, NULL), VIS_OK);
    /* the same matrix with one extra column of huge costs */
    double *c2 = malloc(sizeof(double) * (size_t)(n * (n + 1)));
    for (int i = 0; i < n; i++) {
        memcpy(c2 + i * (n + 1), c + i * n, sizeof(double) * (size_t)n);
        c2[i * (n + 1) + n] = 1e9;
    }
    assert_int_equal(disp_lap_dense(n, n + 1, c2, a, &t2, NULL), VIS_OK);
    assert_true(t1 == t2);
    free(c); free(c2); free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_square_random),
        cmocka_unit_test(test_rectangular_random),
        cmocka_unit_test(test_forbidden_random),
        cmocka_unit_test(test_edge_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
