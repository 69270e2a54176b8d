/* Unit tests of the delivery service without HTTP: projection, the rule
 * set, and a whole job (post, epoch, accept, pickup after waiting,
 * delivery, offline with top-up) against a temporary SQLite database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/account.h"
#include "core/config.h"
#include "core/journal.h"
#include "core/ledger.h"
#include "core/timeacct.h"
#include "dispatch/disp_area.h"
#include "dispatch/disp_service.h"
#include "dispatch/disp_svc_int.h"
#include "store/store.h"

#include "fixture.h"

static double haversine(double la1, double lo1, double la2, double lo2)
{
    double r = 6371008.8, p = M_PI / 180;
    double a = sin((la2 - la1) * p / 2), b = sin((lo2 - lo1) * p / 2);
    return 2 * r * asin(sqrt(a * a + cos(la1 * p) * cos(la2 * p) * b * b));
}

static void test_projection(void **state)
{
    fx *f = *state;
    disp_geo g;
    disp_geo_init(&g, &f->cfg);
    double x, y;
    disp_geo_xy(&g, f->cfg.disp_ref_lat_e6, f->cfg.disp_ref_lon_e6, &x, &y);
    assert_true(fabs(x) < 1e-6 && fabs(y) < 1e-6);
    /* within 20 km of the reference, distances agree with the great circle to 0.5 % */
    double la0 = f->cfg.disp_ref_lat_e6 / 1e6, lo0 = f->cfg.disp_ref_lon_e6 / 1e6;
    double pts[][4] = {{0.05, 0.05, -0.08, 0.1}, {0.15, -0.2, 0.1, 0.2}, {-0.1, 0.0, 0.1, 0.0}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double a1 = la0 + pts[i][0], b1 = lo0 + pts[i][1], a2 = la0 + pts[i][2], b2 = lo0 + pts[i][3];
        double d = disp_dist_m(&g, llround(a1 * 1e6), llround(b1 * 1e6), llround(a2 * 1e6), llround(b2 * 1e6));
        double h = haversine(a1, b1, a2, b2);
        assert_true(fabs(d - h) / h < 0.005);
    }
    int64_t la, lo;
    vis_err err;
    assert_int_equal(disp_latlon(48.5, 2.25, &la, &lo, &err), 0);
    assert_int_equal(la, 48500000);
    assert_int_equal(disp_latlon(NAN, 2, &la, &lo, &err), VIS_EINVAL);
    assert_string_equal(err.field, "lat");
    assert_int_equal(disp_latlon(10, 180.5, &la, &lo, &err), VIS_EINVAL);
    assert_string_equal(err.field, "lon");
}

static void test_rules(void **state)
{
    fx *f = *state;
    disp_geo g;
    disp_geo_init(&g, &f->cfg);
    disp_rules r;
    vis_err err;
    assert_int_equal(disp_rules_parse(NULL, &g, &r, &err), 0);
    assert_int_equal(r.pr.client.base, 3500000);
    assert_int_equal(r.pr.guarantee_per_hour, 12000000);
    json_error_t je;
    json_t *spec = json_loads("{\"courier\":{\"base_micros\":1000000},\"tz_offset_min\":0,"
                              "\"zones\":[{\"name\":\"c\",\"factor_permille\":2000,"
                              "\"polygon\":[[48.85,2.34],[48.85,2.36],[48.86,2.36],[48.86,2.34]]}],"
                              "\"time_of_day\":[{\"from\":\"22:00\",\"to\":\"02:00\",\"factor_permille\":1500}]}",
                              0, &je);
    assert_non_null(spec);
    assert_int_equal(disp_rules_parse(spec, &g, &r, &err), 0);
    assert_int_equal(r.pr.courier.base, 1000000);
    assert_int_equal(r.pr.courier.per_km, 400000); /* default kept */
    assert_int_equal(r.pr.nzones, 1);
    assert_int_equal(r.pr.ntod, 1);
    /* a point inside the zone at 23:30 UTC: both factors */
    double x, y;
    disp_geo_xy(&g, 48855000, 2350000, &x, &y);
    disp_price_in in = {.px = x, .py = y, .distance_m = 2000, .expected_ms = 600000,
                        .placed_ms = 1736983800000LL}; /* 2025-01-15 23:30 UTC */
    disp_pay_breakdown bd;
    assert_int_equal(disp_price_job(&r.pr, &in, &bd, &err), 0);
    assert_int_equal(bd.zone, 0);
    assert_int_equal(bd.zone_pm, 2000);
    assert_int_equal(bd.tod_pm, 1500);
    assert_int_equal(bd.base, 3000000);
    /* round trip through JSON */
    json_t *back = disp_rules_json(&r);
    disp_rules r2;
    assert_int_equal(disp_rules_parse(back, &g, &r2, &err), 0);
    assert_int_equal(r2.pr.tod[0].from_ms, 22 * 3600000LL);
    assert_true(fabs(r2.zlat[0][2] - 48.86) < 1e-9);
    json_decref(back);
    json_decref(spec);
    const char *bad[] = {
        "{\"zones\":[{\"name\":\"c\",\"factor_permille\":1,\"polygon\":[[1,2],[3,4]]}]}",
        "{\"zones\":{}}",
        "{\"time_of_day\":[{\"from\":\"7\",\"to\":\"8:00\",\"factor_permille\":1}]}",
        "{\"client\":{\"base_micros\":1.5}}",
        "{\"client\":[]}",
        "{\"wait_free_ms\":-1}",
        "{\"unknown\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *b = json_loads(bad[i], 0, &je);
        assert_non_null(b);
        vis_err_clear(&err);
        assert_int_equal(disp_rules_parse(b, &g, &r, &err), VIS_EINVAL);
        assert_true(err.field[0] != '\0');
        json_decref(b);
    }
}

static int64_t new_account(fx *f, const char *role, const char *email)
{
    account a;
    vis_err err;
    account_pwcost cheap = {1, 8192 * 8};
    assert_int_equal(account_create(f->db, role, "x", email, NULL, &cheap, 0, &a, &err), 0);
    return a.id;
}

static void test_whole_job(void **state)
{
    fx *f = *state;
    vis_err err;
    const int64_t t0 = 1736935200000LL, min = 60000;
    int64_t client = new_account(f, "client", "c@example.org"), courier = new_account(f, "worker", "w@example.org");
    ledger_tx_in tx = {.kind = "credit", .family = "core", .now_ms = t0, .actor_id = -1};
    assert_int_equal(ledger_credit_client(f->db, client, 50000000, "EUR", &tx, NULL, NULL, &err), 0);
    account ca = {.id = client}, wa = {.id = courier};
    disp_ctx cc = {.db = f->db, .cfg = &f->cfg, .now_ms = t0, .who = &ca};
    disp_ctx wc = {.db = f->db, .cfg = &f->cfg, .now_ms = t0, .who = &wa};
    disp_ctx sys = {.db = f->db, .cfg = &f->cfg, .now_ms = t0};
    json_t *out = NULL;
    assert_int_equal(disp_place_create(&cc, "P", 48.8566, 2.3522, &out, &err), 0);
    int64_t place = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    assert_int_equal(disp_courier_position(&wc, 48.85, 2.35, &out, &err), VIS_ECONFLICT);
    assert_int_equal(disp_courier_online(&wc, 48.85, 2.35, &out, &err), VIS_EFORBIDDEN); /* not approved yet */
    assert_int_equal(disp_courier_approve(&sys, courier, NULL, &out, &err), 0);
    json_decref(out);
    assert_int_equal(disp_courier_online(&wc, 48.85, 2.35, &out, &err), 0);
    json_decref(out);
    assert_int_equal(disp_job_post(&cc, place, 48.87, 2.36, 0, "n", &out, &err), 0);
    int64_t job = json_integer_value(json_object_get(out, "id"));
    int64_t price = json_integer_value(json_object_get(out, "price_micros"));
    json_decref(out);
    assert_true(price >= 4000000);
    assert_int_equal(disp_run_epoch(&sys, &out, &err), 0);
    json_t *offers = json_object_get(out, "offers");
    assert_int_equal(json_array_size(offers), 1);
    int64_t offer = json_integer_value(json_object_get(json_array_get(offers, 0), "offer"));
    json_decref(out);
    /* a second epoch changes nothing: the courier holds a pending offer */
    sys.now_ms = wc.now_ms = cc.now_ms = t0 + min;
    assert_int_equal(disp_run_epoch(&sys, &out, &err), 0);
    assert_int_equal(json_array_size(json_object_get(out, "offers")), 0);
    json_decref(out);
    assert_int_equal(disp_offer_accept(&wc, offer, &out, &err), 0);
    int64_t pay = json_integer_value(json_object_get(out, "pay_micros"));
    json_decref(out);
    wc.now_ms = t0 + 3 * min;
    assert_int_equal(disp_job_arrived(&wc, job, &out, &err), 0);
    json_decref(out);
    wc.now_ms = t0 + 11 * min + 1; /* waited 8 min + 1 ms: 4 started minutes beyond the free 5 */
    assert_int_equal(disp_courier_position(&wc, 48.8566, 2.3522, &out, &err), 0); /* at the place (issue 15) */
    json_decref(out);
    assert_int_equal(disp_job_picked_up(&wc, job, &out, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "courier_pay"), "waiting_micros")),
                     4 * 200000);
    json_decref(out);
    assert_int_equal(disp_courier_offline(&wc, &out, &err), VIS_ECONFLICT);
    assert_string_equal(err.kind, "jobs_in_progress");
    wc.now_ms = t0 + 20 * min;
    assert_int_equal(disp_courier_position(&wc, 48.87, 2.36, &out, &err), 0); /* at the drop-off (issue 15) */
    json_decref(out);
    assert_int_equal(disp_job_delivered(&wc, job, &out, &err), 0);
    json_decref(out);
    wc.now_ms = t0 + 60 * min;
    assert_int_equal(disp_courier_offline(&wc, &out, &err), 0);
    int64_t topup = json_integer_value(json_object_get(json_object_get(out, "guarantee"), "topup_micros"));
    json_decref(out);
    /* earnings: paid = pay (incl. 0.80 waiting, expected waiting was 0) + top-up to 12.00 for the hour */
    timeacct t;
    assert_int_equal(timeacct_compute(f->db, courier, t0, t0 + 60 * min + 1, &t, &err), 0);
    assert_int_equal(t.paid_micros, 12000000 > pay + 800000 ? 12000000 : pay + 800000);
    assert_int_equal(topup, t.paid_micros - pay - 800000);
    assert_int_equal(t.active_ms, 19 * min);
    assert_int_equal(t.waiting_ms, 1 * min + 40 * min);
    int64_t sum;
    assert_int_equal(ledger_sum_all(f->db, &sum, &err), 0);
    assert_int_equal(sum, 0);
    journal_report rep;
    assert_int_equal(journal_verify(f->db, &rep, &err), 0);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_projection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_job, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
