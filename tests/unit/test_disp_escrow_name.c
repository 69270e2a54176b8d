/* Unit test: ledger errors name an escrow account by what it holds money
 * for (issue 15: "the escrow of delivery job 7", "of batch 3"), never by the
 * ledger's kind and id. An escrow is never overdrawn through the API (a
 * delivery's shortfall comes from the subsidy account), so this is tested
 * on the ledger directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/ledger.h"
#include "fixture.h"

static void overdraw(fx *f, const char *ref, const char *want)
{
    vis_err err = {0};
    int64_t esc, earn;
    assert_int_equal(ledger_account(f->db, "escrow", 2, ref, "EUR", &esc, &err), 0);
    assert_int_equal(ledger_account(f->db, "worker_earnings", 5, "", "EUR", &earn, &err), 0);
    ledger_tx_in tx = {.kind = "payout", .memo = "m", .family = "core", .actor_id = -1, .now_ms = 5};
    ledger_leg legs[2] = {{esc, -100}, {earn, 100}};
    assert_int_equal(ledger_post(f->db, &tx, legs, 2, NULL, NULL, &err), VIS_ECONFLICT);
    assert_string_equal(err.kind, "insufficient_funds");
    if (!strstr(err.msg, want)) fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
    assert_null(strstr(err.msg, "escrow account"));
}

static void test_escrow_named(void **state)
{
    fx *f = *state;
    overdraw(f, "job:7", "the escrow of delivery job 7 (client 2)");
    overdraw(f, "batch:3", "the escrow of batch 3 (client 2)");
    overdraw(f, "modlease:9", "the escrow of the review of moderation item 9 (client 2)");
    overdraw(f, "", "the money client 2 set aside for this work");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_escrow_named, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
