/* Unit tests of the visibility layer's pure parts: the sweep (against the
 * core's time accounting), periods, median and deciles, the forbidden-data
 * guard, CSV and the ustar writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "core/timeacct.h"
#include "visibility/exp.h"
#include "visibility/obs.h"
#include "visibility/visib_guard.h"

typedef struct tot {
    int64_t t[3];
    const int *kind;
} tot;

static void add(void *ctx, int64_t a, int64_t b, size_t idx)
{
    tot *t = ctx;
    t->t[t->kind[idx]] += b - a;
}

/* the pieces of the sweep add up to the core's partition, on random spans */
static void test_sweep_matches_timeacct(void **state)
{
    (void)state;
    uint64_t s = 42;
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(round % 40);
        span_in in[40];
        acct_span sp[40];
        int kind[40];
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005ULL + 1;
            int64_t a = (int64_t)((s >> 33) % 1000);
            s = s * 6364136223846793005ULL + 1;
            int64_t b = a + (int64_t)((s >> 33) % 300);
            kind[i] = (int)((s >> 20) % 3);
            in[i] = (span_in){a, b, kind[i]};
            sp[i] = (acct_span){a, b};
        }
        int64_t want[3];
        timeacct_partition(in, n, want);
        tot t = {{0, 0, 0}, kind};
        timeacct_sweep(sp, n, add, &t);
        for (int k = 0; k < 3; k++) assert_int_equal(t.t[k], want[k]);
    }
}

static void test_periods(void **state)
{
    (void)state;
    acct_periods *p = malloc(sizeof *p);
    vis_err err;
    const int64_t mon = 1799020800000LL; /* 2027-01-04T00:00Z, a Monday */
    assert_int_equal(acct_periods_make(p, ACCT_WEEK, mon + 3 * 86400000LL, mon + 10 * 86400000LL, &err), 0);
    assert_int_equal(p->n, 2);
    assert_int_equal(p->start[0], mon);
    char l[24];
    acct_period_label(p, 0, l);
    assert_string_equal(l, "2027-W01");
    const int64_t jan1 = mon - 3 * 86400000LL;
    assert_int_equal(acct_periods_make(p, ACCT_MONTH, mon - 10 * 86400000LL, jan1, &err), 0);
    assert_int_equal(p->n, 1);
    acct_period_label(p, 0, l);
    assert_string_equal(l, "2026-12");
    assert_int_equal(acct_periods_make(p, ACCT_MONTH, mon - 10 * 86400000LL, jan1 + 1, &err), 0);
    assert_int_equal(p->n, 2);
    assert_int_equal(p->start[1], jan1);
    assert_int_equal(acct_period_of(p, jan1), 1);
    assert_int_equal(acct_period_of(p, jan1 - 1), 0);
    assert_int_equal(acct_periods_make(p, ACCT_DAY, 0, 2000LL * 86400000LL, &err), VIS_EINVAL);
    assert_int_equal(acct_periods_make(p, ACCT_ALL, 5, 5, &err), VIS_EINVAL);
    acct_grain g;
    assert_int_equal(acct_grain_parse("fortnight", &g, &err), VIS_EINVAL);
    free(p);
}

static void test_median_deciles(void **state)
{
    (void)state;
    int64_t v[] = {18, 5, 15, 10, 12};
    int64_t d[9];
    obs_deciles(v, 5, d);
    int64_t want[9] = {5, 5, 10, 10, 12, 12, 15, 15, 18};
    for (int i = 0; i < 9; i++) assert_int_equal(d[i], want[i]);
    assert_int_equal(obs_median(v, 5), 12);
    int64_t e[] = {15, 18, 5, 10, 12, 18, 18, 18};
    assert_int_equal(obs_median(e, 8), 16);
    int64_t neg[] = {-3, -4};
    assert_int_equal(obs_median(neg, 2), -4); /* rounded down */
    assert_int_equal(obs_median(NULL, 0), 0);
}

static void test_guard(void **state)
{
    (void)state;
    vis_err err;
    json_t *ok = json_pack("{s:s, s:{s:i}, s:[{s:s}]}", "message", "hi", "nested", "lat", 1, "list", "x", "y");
    assert_int_equal(visib_guard_body(ok, &err), 0);
    json_t *bad = json_pack("{s:s, s:[{s:s}]}", "message", "hi", "list", "Private-Message", "y");
    assert_int_equal(visib_guard_body(bad, &err), VIS_EINVAL);
    assert_string_equal(err.field, "Private-Message");
    assert_non_null(visib_guard_category("heart_rate"));
    assert_non_null(visib_guard_category("EMOTION"));
    assert_null(visib_guard_category("message"));
    json_decref(ok);
    json_decref(bad);
}

static void test_csv_and_tar(void **state)
{
    (void)state;
    json_t *rows = json_pack("[{s:i, s:s}, {s:s, s:{s:i}}]", "id", 1, "name", "a,b", "name", "c", "extra", "k", 2);
    buf b;
    buf_init(&b);
    export_csv(&b, rows);
    assert_string_equal(b.data, "id,name,extra\r\n1,\"a,b\",\r\n,c,\"{\"\"k\"\":2}\"\r\n");
    buf t;
    buf_init(&t);
    export_tar_add(&t, "a.csv", b.data, b.len, 1700000000);
    export_tar_end(&t);
    assert_int_equal(t.len, 512 + 512 + 1024);
    const unsigned char *h = (const unsigned char *)t.data;
    assert_string_equal((const char *)h, "a.csv");
    assert_memory_equal(h + 257, "ustar\0" "00", 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? ' ' : h[i];
    assert_int_equal(strtoul((const char *)h + 148, NULL, 8), sum);
    assert_int_equal(strtoul((const char *)h + 124, NULL, 8), b.len);
    assert_memory_equal(t.data + 512, b.data, b.len);
    buf_free(&b);
    buf_free(&t);
    json_decref(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_matches_timeacct), cmocka_unit_test(test_periods),
        cmocka_unit_test(test_median_deciles),         cmocka_unit_test(test_guard),
        cmocka_unit_test(test_csv_and_tar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
