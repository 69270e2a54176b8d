/* Unit tests of checked money arithmetic (base/ckd.h) and of the limits
 * built on it: the ledger's balance limit (every account, external
 * included), a batch's publish cost, dispatch prices and waiting pay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ckd.h"
#include "core/ledger.h"
#include "dispatch/disp_price.h"
#include "microwork/mw_int.h"
#include "store/store.h"

#include "fixture.h"

static void test_add_sub_mul(void **state)
{
    (void)state;
    int64_t r;
    assert_false(ckd_add(&r, 2, 3));
    assert_int_equal(r, 5);
    assert_false(ckd_add(&r, INT64_MAX - 1, 1));
    assert_int_equal(r, INT64_MAX);
    assert_true(ckd_add(&r, INT64_MAX, 1));
    assert_true(ckd_add(&r, INT64_MIN, -1));
    assert_false(ckd_add(&r, INT64_MIN, INT64_MAX));
    assert_int_equal(r, -1);

    assert_false(ckd_sub(&r, -5, 7));
    assert_int_equal(r, -12);
    assert_true(ckd_sub(&r, INT64_MIN, 1));
    assert_true(ckd_sub(&r, 0, INT64_MIN));
    assert_true(ckd_sub(&r, INT64_MAX, -1));
    assert_false(ckd_sub(&r, -1, INT64_MIN));
    assert_int_equal(r, INT64_MAX);

    assert_false(ckd_mul(&r, 3037000499LL, 3037000499LL)); /* floor(sqrt(2^63 - 1)) squared */
    assert_true(ckd_mul(&r, 3037000500LL, 3037000500LL));
    assert_true(ckd_mul(&r, INT64_MIN, -1));
    assert_false(ckd_mul(&r, INT64_MIN, 1));
    assert_int_equal(r, INT64_MIN);
    assert_false(ckd_mul(&r, -4, 5));
    assert_int_equal(r, -20);
    /* the batch: 167,773 tasks x 100 answers x (999,551,020,710 + 10% fee) */
    int64_t answers, unit = 999551020710LL + 99955102071LL;
    assert_false(ckd_mul(&answers, 167773, 100));
    assert_true(ckd_mul(&r, answers, unit));
}

static void test_muldiv_within(void **state)
{
    (void)state;
    int64_t r;
    assert_false(ckd_muldiv(&r, INT64_MAX, 3600000, 3600000)); /* intermediate beyond int64 */
    assert_int_equal(r, INT64_MAX);
    assert_false(ckd_muldiv(&r, 7, 3, 2));
    assert_int_equal(r, 10);
    assert_false(ckd_muldiv(&r, -7, 3, 2));
    assert_int_equal(r, -10); /* toward zero */
    assert_true(ckd_muldiv(&r, INT64_MAX, 2, 1));
    assert_true(ckd_muldiv(&r, 1, 1, 0));
    assert_true(ckd_muldiv(&r, 1, 1, -3));
    assert_true(ckd_within(0, 0));
    assert_true(ckd_within(LEDGER_MAX_AMOUNT, LEDGER_MAX_AMOUNT));
    assert_true(ckd_within(-LEDGER_MAX_AMOUNT, LEDGER_MAX_AMOUNT));
    assert_false(ckd_within(LEDGER_MAX_AMOUNT + 1, LEDGER_MAX_AMOUNT));
    assert_false(ckd_within(INT64_MIN, LEDGER_MAX_AMOUNT));
}

static int64_t sum_all(fx *f)
{
    int64_t s = -1;
    vis_err err;
    assert_int_equal(ledger_sum_all(f->db, &s, &err), 0);
    return s;
}

/* The external account goes negative with every credit: at -1e18 the next
 * credit, of any size, is refused with balance_limit and nothing moves. */
static void test_ledger_balance_limit(void **state)
{
    fx *f = *state;
    vis_err err;
    int64_t credits = LEDGER_MAX_BALANCE / LEDGER_MAX_AMOUNT;
    assert_int_equal(store_begin(f->db, &err), 0);
    for (int64_t i = 0; i < credits; i++) {
        ledger_tx_in tx = {.kind = "credit", .memo = "t", .family = "core", .actor_id = -1, .now_ms = 1};
        assert_int_equal(ledger_credit_client(f->db, 1 + i % 3, LEDGER_MAX_AMOUNT, "EUR", &tx, NULL, NULL, &err), 0);
    }
    assert_int_equal(store_commit(f->db, &err), 0);
    int64_t ext, bal;
    assert_int_equal(ledger_account(f->db, "external", 0, "", "EUR", &ext, &err), 0);
    assert_int_equal(ledger_balance(f->db, ext, &bal, &err), 0);
    assert_int_equal(bal, -LEDGER_MAX_BALANCE);
    ledger_tx_in tx = {.kind = "credit", .memo = "t", .family = "core", .actor_id = -1, .now_ms = 1};
    int64_t txid = -1;
    memset(&err, 0, sizeof err);
    assert_int_equal(ledger_credit_client(f->db, 4, 1, "EUR", &tx, &txid, NULL, &err), VIS_ECONFLICT);
    assert_string_equal(err.kind, "balance_limit");
    assert_string_equal(err.field, "amount_micros");
    assert_non_null(strstr(err.msg, "external"));
    assert_int_equal(ledger_balance(f->db, ext, &bal, &err), 0);
    assert_int_equal(bal, -LEDGER_MAX_BALANCE);
    assert_int_equal(sum_all(f), 0);
    /* money moving between positive accounts is unaffected */
    int64_t a, b;
    assert_int_equal(ledger_account(f->db, "client_funds", 1, "", "EUR", &a, &err), 0);
    assert_int_equal(ledger_account(f->db, "escrow", 1, "batch:1", "EUR", &b, &err), 0);
    ledger_leg legs[2] = {{a, -5}, {b, 5}};
    assert_int_equal(ledger_post(f->db, &tx, legs, 2, NULL, NULL, &err), 0);
    assert_int_equal(sum_all(f), 0);
}

/* Several legs on one account are checked in order, as they apply. */
static void test_ledger_same_account_twice(void **state)
{
    fx *f = *state;
    vis_err err;
    int64_t ext, c1;
    assert_int_equal(ledger_account(f->db, "external", 0, "", "EUR", &ext, &err), 0);
    assert_int_equal(ledger_account(f->db, "client_funds", 1, "", "EUR", &c1, &err), 0);
    ledger_tx_in tx = {.kind = "t", .memo = "t", .family = "core", .actor_id = -1, .now_ms = 1};
    ledger_leg ok[3] = {{ext, -10}, {c1, 10}, {c1, -10}};
    assert_int_equal(ledger_post(f->db, &tx, ok, 3, NULL, NULL, &err), VIS_EINVAL); /* unbalanced: -10 */
    ledger_leg bal3[4] = {{ext, -10}, {c1, 10}, {c1, -10}, {ext, 10}};
    assert_int_equal(ledger_post(f->db, &tx, bal3, 4, NULL, NULL, &err), 0);
    int64_t v;
    assert_int_equal(ledger_balance(f->db, c1, &v, &err), 0);
    assert_int_equal(v, 0);
    ledger_leg early[2] = {{c1, -10}, {ext, 10}}; /* debits an empty account first */
    assert_int_equal(ledger_post(f->db, &tx, early, 2, NULL, NULL, &err), VIS_ECONFLICT);
    assert_string_equal(err.kind, "insufficient_funds");
    assert_int_equal(sum_all(f), 0);
}

static void test_batch_cost(void **state)
{
    (void)state;
    mw_batch b;
    memset(&b, 0, sizeof b);
    b.reward = 999551020710LL;
    b.fee_ppm = 100000;
    int64_t cost = 0;
    assert_int_equal(mw_fee_unit(&b), 99955102071LL);
    assert_int_equal(mw_unit_cost(&b), 999551020710LL + 99955102071LL);
    assert_true(mw_cost_over(&b, 167773LL * 100, &cost)); /* 1.8e19: wraps int64 */
    assert_true(mw_cost_over(&b, 1000, &cost));           /* 1.1e15: above one movement */
    assert_false(mw_cost_over(&b, 909, &cost));
    assert_int_equal(cost, 909 * (999551020710LL + 99955102071LL));
    b.reward = INT64_MAX;
    assert_int_equal(mw_unit_cost(&b), INT64_MAX); /* saturates, then any product is refused */
    assert_true(mw_cost_over(&b, 1, &cost));
    assert_true(mw_cost_over(&b, 2, &cost));
}

static void test_dispatch_price_limits(void **state)
{
    (void)state;
    disp_pricing p;
    disp_pricing_init(&p);
    p.client = (disp_tariff){.base = 100000000000LL, .per_km = 100000000000LL, .per_min = 100000000000LL};
    p.courier = p.client;
    double x[4] = {-1e9, 1e9, 1e9, -1e9}, y[4] = {-1e9, -1e9, 1e9, 1e9};
    vis_err err;
    assert_int_equal(disp_pricing_add_zone(&p, "all", 4, x, y, 100000, &err), 0);
    assert_int_equal(disp_pricing_add_tod(&p, 0, 86400000, 100000, &err), 0);
    disp_pay_breakdown bd;
    disp_price_in in = {.distance_m = 10000000, .expected_ms = 86400000LL * 7, .placed_ms = 0};
    memset(&err, 0, sizeof err);
    assert_int_equal(disp_price_job(&p, &in, &bd, &err), VIS_ECONFLICT);
    assert_string_equal(err.kind, "price_too_large");
    /* ordinary figures are priced as before */
    disp_pricing_init(&p);
    p.client = (disp_tariff){.base = 3500000, .per_km = 1000000, .per_min = 150000, .minimum = 4000000};
    p.courier = (disp_tariff){.base = 2000000, .per_km = 400000, .per_min = 120000, .minimum = 3000000};
    disp_price_in in2 = {.distance_m = 3000, .expected_ms = 15 * 60000, .placed_ms = 0};
    assert_int_equal(disp_price_job(&p, &in2, &bd, &err), 0);
    assert_int_equal(bd.client_price, 3500000 + 3000000 + 2250000);
    assert_int_equal(bd.pay, 2000000 + 1200000 + 1800000);
    /* waiting pay is capped, never wrapped */
    p.wait_per_min = 100000000000LL;
    assert_int_equal(disp_wait_pay(&p, INT64_MAX), LEDGER_MAX_AMOUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_sub_mul),
        cmocka_unit_test(test_muldiv_within),
        cmocka_unit_test_setup_teardown(test_ledger_balance_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger_same_account_twice, setup, teardown),
        cmocka_unit_test(test_batch_cost),
        cmocka_unit_test(test_dispatch_price_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
