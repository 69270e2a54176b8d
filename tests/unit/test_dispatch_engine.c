/* Unit tests: dispatch engine (bundling, deferred commitment, additions at
 * the restaurant, sparse = dense), grid index, pricing and the guarantee. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch/disp_engine.h"
#include "dispatch/disp_grid.h"
#include "dispatch/disp_plan.h"
#include "dispatch/disp_price.h"

#define MIN 60000LL

/* MDRP-like parameters: whole minutes, 300 m/min, 4 + 4 min service. */
static void params(disp_params *p)
{
    disp_params_default(p);
    p->tick_ms = MIN;
    p->meters_per_tick = 300;
}

static int courier(disp_state *st, double x, double y)
{
    disp_courier c = { 0 };
    c.id = 100 + st->nc;
    c.state = DISP_C_IDLE;
    c.x = x;
    c.y = y;
    c.off_ms = INT64_MAX;
    return disp_add_courier(st, &c);
}

static int job(disp_state *st, int place, double px, double py, double dx,
               double dy, int64_t placed, int64_t ready)
{
    disp_job j = { 0 };
    j.id = 1000 + st->nj;
    j.place = place;
    j.px = px;
    j.py = py;
    j.dx = dx;
    j.dy = dy;
    j.placed_ms = placed;
    j.ready_ms = ready;
    j.courier = -1;
    return disp_add_job(st, &j);
}

static void test_travel_rule(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    assert_int_equal(disp_travel_ms(&p, 0, 0, 0, 0), 0);
    assert_int_equal(disp_travel_ms(&p, 0, 0, 300, 0), MIN);
    assert_int_equal(disp_travel_ms(&p, 0, 0, 301, 0), 2 * MIN);
    assert_int_equal(disp_travel_ms(&p, 0, 0, 300, 400), 2 * MIN); /* 500 m */
}

static void test_bundle_when_scarce(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    disp_state st;
    disp_state_init(&st);
    courier(&st, 0, 0);
    for (int k = 0; k < 3; k++) job(&st, 7, 300, 0, 900 + 100 * k, 0, 0, 2 * MIN);
    disp_decisions d;
    disp_decisions_init(&d);
    assert_int_equal(disp_epoch(&p, &st, 0, &d, NULL), VIS_OK);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.d[0].kind, DISP_D_NEW);
    assert_int_equal(d.d[0].n, 3);
    /* delivered nearest first, drop-offs a service time apart at least */
    assert_int_equal(d.d[0].job[0], 0);
    assert_int_equal(d.d[0].job[2], 2);
    assert_int_equal(d.d[0].pickup_ms, 3 * MIN); /* 1 min ride + 2 min half service */
    assert_true(d.d[0].drop_ms[1] - d.d[0].drop_ms[0] >= 4 * MIN);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(st.j[k].state, DISP_J_ASSIGNED);
        assert_int_equal(st.j[k].courier, 0);
    }
    assert_int_equal(st.c[0].state, DISP_C_TO_PICKUP);
    disp_decisions_free(&d);
    disp_state_free(&st);
}

static void test_no_bundle_when_plenty(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    disp_state st;
    disp_state_init(&st);
    courier(&st, 0, 0);
    courier(&st, 600, 0);
    job(&st, 7, 300, 0, 900, 0, 0, 0);
    job(&st, 7, 300, 0, 1500, 0, 0, 0);
    disp_decisions d;
    disp_decisions_init(&d);
    assert_int_equal(disp_epoch(&p, &st, 0, &d, NULL), VIS_OK);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.d[0].n, 1);
    assert_int_equal(d.d[1].n, 1);
    assert_true(d.d[0].courier != d.d[1].courier);
    disp_decisions_free(&d);
    disp_state_free(&st);
}

static void test_deferred_commitment(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    disp_state st;
    disp_state_init(&st);
    courier(&st, 0, 0);
    /* restaurant 3 min away, ready at minute 30 */
    job(&st, 1, 900, 0, 1800, 0, 0, 30 * MIN);
    disp_decisions d;
    disp_decisions_init(&d);
    assert_int_equal(disp_epoch(&p, &st, 0, &d, NULL), VIS_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.deferred, 1);
    assert_int_equal(st.j[0].state, DISP_J_OPEN);
    /* must leave when arrival + half service one epoch later misses ready:
     * now + 1 + 3 + 2 > 30  <=>  now > 24 */
    for (int64_t t = 1; t <= 24; t++) {
        assert_int_equal(disp_epoch(&p, &st, t * MIN, &d, NULL), VIS_OK);
        assert_int_equal(d.n, 0);
    }
    assert_int_equal(disp_epoch(&p, &st, 25 * MIN, &d, NULL), VIS_OK);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.d[0].arrive_ms, 28 * MIN);
    assert_int_equal(d.d[0].pickup_ms, 30 * MIN);
    /* the score parts add up */
    disp_score sc = d.d[0].score;
    assert_true(fabs(sc.ctd_min - (30 + 2 + 3 + 2)) < 1e-9);
    assert_true(fabs(sc.total - (sc.ctd_min + p.w_late * sc.late_min + p.w_wait * sc.wait_min +
                                 p.w_pay * sc.pay - p.w_idle * sc.idle_min +
                                 p.w_travel * sc.travel_min)) < 1e-9);
    /* immediate policy commits at once */
    disp_state_free(&st);
    disp_state_init(&st);
    courier(&st, 0, 0);
    job(&st, 1, 900, 0, 1800, 0, 0, 30 * MIN);
    p.no_defer = 1;
    assert_int_equal(disp_epoch(&p, &st, 0, &d, NULL), VIS_OK);
    assert_int_equal(d.n, 1);
    disp_decisions_free(&d);
    disp_state_free(&st);
}

static void test_add_at_restaurant(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    disp_state st;
    disp_state_init(&st);
    courier(&st, 0, 0);
    courier(&st, 3000, 3000);
    job(&st, 5, 300, 0, 600, 0, 0, 10 * MIN);
    disp_decisions d;
    disp_decisions_init(&d);
    int64_t t = 0;
    while (d.n == 0 && t < 20) {
        disp_advance(&p, &st, t * MIN, NULL, NULL);
        assert_int_equal(disp_epoch(&p, &st, t * MIN, &d, NULL), VIS_OK);
        t++;
    }
    assert_int_equal(d.n, 1);
    int c = d.d[0].courier;
    assert_int_equal(c, 0);
    /* the courier waits at the restaurant; a new order there is added */
    disp_advance(&p, &st, 9 * MIN, NULL, NULL);
    assert_int_equal(st.c[c].state, DISP_C_AT_PICKUP);
    job(&st, 5, 300, 0, 900, 0, 9 * MIN, 10 * MIN);
    assert_int_equal(disp_epoch(&p, &st, 9 * MIN, &d, NULL), VIS_OK);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.d[0].kind, DISP_D_ADD);
    assert_int_equal(d.d[0].courier, c);
    assert_int_equal(d.d[0].n, 2);
    assert_int_equal(d.d[0].pickup_ms, 10 * MIN);
    assert_int_equal(d.d[0].job[1], 1);
    assert_int_equal(d.d[0].added, 2u);
    assert_int_equal(st.c[c].route.n, 2);
    assert_int_equal(st.c[c].route.assign_ms, 9 * MIN);
    /* after the pickup the route is closed: a third order goes elsewhere */
    disp_advance(&p, &st, 10 * MIN, NULL, NULL);
    assert_int_equal(st.c[c].state, DISP_C_DELIVERING);
    assert_int_equal(st.j[0].state, DISP_J_PICKED);
    job(&st, 5, 300, 0, 900, 0, 10 * MIN, 10 * MIN);
    assert_int_equal(disp_epoch(&p, &st, 10 * MIN, &d, NULL), VIS_OK);
    for (int k = 0; k < d.n; k++) assert_int_equal(d.d[k].kind, DISP_D_NEW);
    /* deliveries complete and the courier is idle at the last drop-off */
    disp_advance(&p, &st, 100 * MIN, NULL, NULL);
    assert_int_equal(st.j[0].state, DISP_J_DELIVERED);
    assert_int_equal(st.j[1].state, DISP_J_DELIVERED);
    assert_true(st.c[c].x == 900 && st.c[c].state == DISP_C_IDLE);
    disp_decisions_free(&d);
    disp_state_free(&st);
}

static void test_off_time(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    disp_state st;
    disp_state_init(&st);
    int c = courier(&st, 0, 0);
    st.c[c].off_ms = 5 * MIN;
    job(&st, 1, 300, 0, 600, 0, 0, 10 * MIN); /* pickup would be after off */
    disp_decisions d;
    disp_decisions_init(&d);
    assert_int_equal(disp_epoch(&p, &st, 0, &d, NULL), VIS_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.candidates, 0);
    disp_decisions_free(&d);
    disp_state_free(&st);
}

/* The sparse path (grid candidates) gives the same total as the dense one
 * when k covers every courier. */
static void test_sparse_equals_dense(void **s)
{
    (void)s;
    double tot[2];
    for (int mode = 0; mode < 2; mode++) {
        disp_params p;
        params(&p);
        p.no_defer = 1;
        if (mode) { p.dense_limit = 0; p.k_nearest = 64; }
        disp_state st;
        disp_state_init(&st);
        uint64_t r = 12345;
        for (int k = 0; k < 40; k++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            courier(&st, (double)(r >> 40) / 2000.0, (double)((r >> 20) & 0xfffff) / 300.0);
        }
        for (int k = 0; k < 30; k++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            double x = (double)((r >> 33) % 5000), y = (double)((r >> 13) % 5000);
            job(&st, k, x, y, x + 500, y, 0, (int64_t)((r >> 50) % 20) * MIN);
        }
        disp_decisions d;
        disp_decisions_init(&d);
        assert_int_equal(disp_epoch(&p, &st, 0, &d, NULL), VIS_OK);
        assert_int_equal(d.sparse, mode);
        assert_int_equal(d.n, 30);
        tot[mode] = 0;
        for (int k = 0; k < d.n; k++) tot[mode] += d.d[k].score.total;
        disp_decisions_free(&d);
        disp_state_free(&st);
    }
    assert_true(fabs(tot[0] - tot[1]) < 1e-6);
}

static void test_grid_knn(void **s)
{
    (void)s;
    enum { N = 500 };
    double xs[N], ys[N];
    uint64_t r = 99;
    for (int k = 0; k < N; k++) {
        r = r * 6364136223846793005ull + 1;
        xs[k] = (double)((r >> 33) % 10000);
        ys[k] = (double)((r >> 13) % 10000);
    }
    disp_grid g;
    disp_grid_build(&g, N, xs, ys, 0);
    for (int q = 0; q < 50; q++) {
        r = r * 6364136223846793005ull + 1;
        double qx = (double)((r >> 33) % 14000) - 2000, qy = (double)((r >> 13) % 14000) - 2000;
        int out[10];
        double d2[10];
        int n = disp_grid_knn(&g, qx, qy, 10, INFINITY, out, d2);
        assert_int_equal(n, 10);
        /* brute force: the 10th smallest distance */
        double all[N];
        for (int k = 0; k < N; k++) all[k] = (xs[k] - qx) * (xs[k] - qx) + (ys[k] - qy) * (ys[k] - qy);
        int below = 0;
        for (int k = 0; k < N; k++) below += all[k] < d2[9];
        assert_true(below <= 9);
        for (int k = 1; k < 10; k++) assert_true(d2[k - 1] <= d2[k]);
    }
    int out[5];
    assert_int_equal(disp_grid_knn(&g, 5000, 5000, 5, 0.5, out, NULL) <= 5, 1);
    disp_grid_free(&g);
}

static void test_pricing(void **s)
{
    (void)s;
    disp_pricing pr;
    disp_pricing_init(&pr);
    pr.client = (disp_tariff){ 2000000, 1000000, 200000, 5000000 };
    pr.courier = (disp_tariff){ 1500000, 800000, 150000, 0 };
    pr.wait_free_ms = 5 * MIN;
    pr.wait_per_min = 100000;
    double zx[] = { 0, 1000, 1000, 0 }, zy[] = { 0, 0, 1000, 1000 };
    assert_int_equal(disp_pricing_add_zone(&pr, "centre", 4, zx, zy, 1200, NULL), VIS_OK);
    /* 18:00-02:00 local, x1.5 */
    assert_int_equal(disp_pricing_add_tod(&pr, 18 * 3600000LL, 2 * 3600000LL, 1500, NULL), VIS_OK);
    disp_price_in in = { 500, 500, 3500, 20 * MIN, 8 * MIN, 12 * 3600000LL };
    disp_pay_breakdown b;
    assert_int_equal(disp_price_job(&pr, &in, &b, NULL), VIS_OK);
    assert_int_equal(b.zone, 0);
    assert_int_equal(b.zone_pm, 1200);
    assert_int_equal(b.tod_pm, 1000);
    assert_int_equal(b.base, 1800000);       /* 1.5 x 1.2 */
    assert_int_equal(b.distance, 3360000);   /* 0.8 x 3.5 km x 1.2 */
    assert_int_equal(b.time, 3600000);       /* 0.15 x 20 min x 1.2 */
    assert_int_equal(b.waiting, 300000);     /* 3 min beyond 5 */
    assert_int_equal(b.pay, 1800000 + 3360000 + 3600000 + 300000);
    assert_int_equal(b.client_price, 2400000 + 4200000 + 4800000);
    /* outside the zone, at 01:00 (window wraps midnight) */
    in.px = 5000;
    in.placed_ms = 86400000LL * 3 + 3600000;
    assert_int_equal(disp_price_job(&pr, &in, &b, NULL), VIS_OK);
    assert_int_equal(b.zone, -1);
    assert_int_equal(b.tod_pm, 1500);
    assert_int_equal(b.base, 2250000);
    /* the client minimum applies */
    in.distance_m = 0;
    in.expected_ms = 0;
    in.placed_ms = 12 * 3600000LL;
    assert_int_equal(disp_price_job(&pr, &in, &b, NULL), VIS_OK);
    assert_int_equal(b.client_price, 5000000);
    /* the client's price rounded half up to the currency's coin (a cent here); the courier's pay exact */
    in.distance_m = 3333;
    in.expected_ms = 20 * MIN;
    pr.client_unit = 10000;
    assert_int_equal(disp_price_job(&pr, &in, &b, NULL), VIS_OK);
    assert_int_equal(b.client_price, 2000000 + 3330000 + 4000000); /* 3.333 km: 3.333 -> 3.33 */
    assert_int_equal(b.distance, 2666400);                         /* 0.8 x 3.333 km, not rounded */
    in.distance_m = 3335;
    assert_int_equal(disp_price_job(&pr, &in, &b, NULL), VIS_OK);
    assert_int_equal(b.client_price, 2000000 + 3340000 + 4000000); /* 3.335 -> 3.34: half up */
    pr.client_unit = 1000000;                                      /* a currency without decimals */
    assert_int_equal(disp_price_job(&pr, &in, &b, NULL), VIS_OK);
    assert_int_equal(b.client_price, 9000000);
    pr.client_unit = 0;
    in.distance_m = -1;
    vis_err e;
    assert_int_equal(disp_price_job(&pr, &in, &b, &e), VIS_EINVAL);
    assert_int_equal(disp_wait_pay(&pr, 5 * MIN), 0);
    assert_int_equal(disp_wait_pay(&pr, 5 * MIN + 1), 100000);
    double tri_x[] = { 0, 1 }, tri_y[] = { 0, 1 };
    assert_int_equal(disp_pricing_add_zone(&pr, "bad", 2, tri_x, tri_y, 1000, &e), VIS_EINVAL);
}

static void test_guarantee_topup(void **s)
{
    (void)s;
    /* MDRP: 10 per order, 15 per hour */
    int64_t per_hour = 15000000, per_order = 10000000;
    /* 3.5 h online, 4 orders: guarantee 52.5, earned 40, top-up 12.5 */
    assert_int_equal(disp_guarantee(per_hour, 210 * MIN), 52500000);
    assert_int_equal(disp_topup(4 * per_order, per_hour, 210 * MIN), 12500000);
    /* 6 orders earn 60 > 52.5: no top-up */
    assert_int_equal(disp_topup(6 * per_order, per_hour, 210 * MIN), 0);
    /* exactly the guarantee */
    assert_int_equal(disp_topup(15000000, per_hour, 60 * MIN), 0);
    /* rounding half up to the micro: 1 micro/h over 30 min = 0.5 -> 1 */
    assert_int_equal(disp_guarantee(1, 30 * MIN), 1);
    assert_int_equal(disp_guarantee(1, 29 * MIN), 0);
    assert_int_equal(disp_guarantee(per_hour, 0), 0);
    assert_int_equal(disp_guarantee(0, 60 * MIN), 0);
    /* no overflow with large values */
    assert_int_equal(disp_guarantee(1000000000000LL, 3600000LL * 1000), 1000000000000000LL);
}

/* Issue 15: a declined (courier, job) pair is a ban: the job goes to the
 * next best courier in the same epoch, and the courier who declined still
 * gets the other job of the same restaurant. */
static void test_ban_goes_to_next_courier(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    disp_state st;
    disp_state_init(&st);
    int nearc = courier(&st, 150, 0), farc = courier(&st, 2000, 0);
    int j1 = job(&st, 1, 0, 0, 0, 1500, 0, 0);
    int j2 = job(&st, 1, 0, 0, 0, -1500, 0, 0);
    disp_ban ban[] = { { st.c[nearc].id, st.j[j1].id } };
    disp_epoch_opts x;
    disp_epoch_opts_default(&x);
    x.ban = ban;
    x.nban = 1;
    disp_decisions d;
    disp_decisions_init(&d);
    assert_int_equal(disp_epoch_x(&p, &x, &st, 0, &d, NULL), VIS_OK);
    assert_int_equal(d.n, 2);
    assert_int_equal(st.j[j1].courier, farc);
    assert_int_equal(st.j[j2].courier, nearc);
    disp_decisions_free(&d);
    disp_state_free(&st);
}

/* A bundle never holds a declined job with another: one courier who declined
 * j1 still gets j2 of the same restaurant (the one courier makes the target
 * bundle size 2). */
static void test_ban_not_bundled(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    disp_state st;
    disp_state_init(&st);
    int c = courier(&st, 150, 0);
    int j1 = job(&st, 1, 0, 0, 0, 1500, 0, 0);
    int j2 = job(&st, 1, 0, 0, 100, 1500, 0, 0);
    disp_ban ban[] = { { st.c[c].id, st.j[j1].id } };
    disp_epoch_opts x;
    disp_epoch_opts_default(&x);
    x.ban = ban;
    x.nban = 1;
    disp_decisions d;
    disp_decisions_init(&d);
    assert_int_equal(disp_epoch_x(&p, &x, &st, 0, &d, NULL), VIS_OK);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.d[0].n, 1);
    assert_int_equal(d.d[0].job[0], j2);
    assert_int_equal(st.j[j1].state, DISP_J_OPEN);
    disp_decisions_free(&d);
    disp_state_free(&st);
}

/* Ready food first: one courier, three orders ready at 0, 5 and 15 min. The
 * ready order is committed at the first epoch and its pickup is no more
 * than the bound after it could be picked up; with no bound it waits for a
 * bundle (the behaviour before issue 15). */
static void test_ready_wait_bound(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    for (int bounded = 1; bounded >= 0; bounded--) {
        disp_state st;
        disp_state_init(&st);
        int c = courier(&st, 150, 0);
        int j0 = job(&st, 1, 0, 0, 0, 1500, 0, 0);
        job(&st, 1, 0, 0, 0, -1500, 0, 5 * MIN);
        job(&st, 1, 0, 0, 1500, 0, 0, 15 * MIN);
        disp_epoch_opts x;
        disp_epoch_opts_default(&x);
        assert_int_equal(x.ready_wait_max_ms, DISP_READY_WAIT_MAX_MS_DEFAULT);
        if (!bounded) x.ready_wait_max_ms = -1;
        disp_decisions d;
        disp_decisions_init(&d);
        assert_int_equal(disp_epoch_x(&p, &x, &st, 0, &d, NULL), VIS_OK);
        if (bounded) {
            assert_int_equal(d.n, 1);
            assert_int_equal(st.j[j0].courier, c);
            int64_t earliest = d.d[0].arrive_ms + disp_half_ms(&p, p.pickup_service_ms);
            for (int k = 0; k < d.d[0].n; k++) {
                int64_t r = st.j[d.d[0].job[k]].ready_ms;
                if (r < earliest) r = earliest;
                assert_true(d.d[0].pickup_ms - r <= x.ready_wait_max_ms);
            }
        } else {
            assert_int_equal(d.n, 0); /* one bundle of three, deferred */
        }
        disp_decisions_free(&d);
        disp_state_free(&st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_travel_rule),
        cmocka_unit_test(test_bundle_when_scarce),
        cmocka_unit_test(test_no_bundle_when_plenty),
        cmocka_unit_test(test_deferred_commitment),
        cmocka_unit_test(test_add_at_restaurant),
        cmocka_unit_test(test_off_time),
        cmocka_unit_test(test_sparse_equals_dense),
        cmocka_unit_test(test_grid_knn),
        cmocka_unit_test(test_pricing),
        cmocka_unit_test(test_guarantee_topup),
        cmocka_unit_test(test_ban_goes_to_next_courier),
        cmocka_unit_test(test_ban_not_bundled),
        cmocka_unit_test(test_ready_wait_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
