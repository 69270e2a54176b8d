/* Unit tests: couriers of different vehicles in the dispatch engine (issue
 * 15): each pair is timed at its courier's own speed, a courier's longest
 * trip is respected, and a courier at the reference speed (or 0) changes
 * nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dispatch/disp_engine.h"

#define MIN 60000LL

/* Whole minutes, 300 m/min (the reference vehicle), 4 + 4 min service. */
static void params(disp_params *p)
{
    disp_params_default(p);
    p->tick_ms = MIN;
    p->meters_per_tick = 300;
}

static int courier(disp_state *st, double x, double y, double mpt, double max_m)
{
    disp_courier c = {0};
    c.id = 100 + st->nc;
    c.state = DISP_C_IDLE;
    c.x = x;
    c.y = y;
    c.off_ms = INT64_MAX;
    c.meters_per_tick = mpt;
    c.max_m = max_m;
    return disp_add_courier(st, &c);
}

static int job(disp_state *st, double dx, double dy)
{
    disp_job j = {0};
    j.id = 1000 + st->nj;
    j.place = 1;
    j.dx = dx;
    j.dy = dy;
    j.courier = -1;
    return disp_add_job(st, &j);
}

/* A walker 300 m away and a car 1,200 m away; drop-off 1,500 m beyond the
 * restaurant. At one speed the walker is nearer; at their own speeds the car
 * delivers in 13 min, the walker in 25. */
static void test_mixed_speeds(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    disp_state st;
    disp_state_init(&st);
    courier(&st, 300, 0, 83, 0);   /* walking, 5 km/h */
    courier(&st, -1200, 0, 417, 0); /* car in town, 25 km/h */
    job(&st, 0, 1500);
    disp_decisions d;
    disp_decisions_init(&d);
    vis_err err = {0};
    assert_int_equal(disp_epoch(&p, &st, 0, &d, &err), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.d[0].courier, 1);
    /* ride ceil(1200/417) = 3 min; pickup 3 + 2; drop-off 5 + 2 + ceil(1500/417) = 4 + 2 */
    assert_int_equal(d.d[0].arrive_ms, 3 * MIN);
    assert_int_equal(d.d[0].pickup_ms, 5 * MIN);
    assert_int_equal(d.d[0].drop_ms[0], 13 * MIN);
    assert_int_equal(st.c[1].route.end_ms, 5 * MIN + 2 * MIN + 4 * MIN + 4 * MIN);

    /* the same with both at the reference speed: the walker's position wins */
    disp_state st2;
    disp_state_init(&st2);
    courier(&st2, 300, 0, 0, 0);
    courier(&st2, -1200, 0, 300, 0);
    job(&st2, 0, 1500);
    assert_int_equal(disp_epoch(&p, &st2, 0, &d, &err), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.d[0].courier, 0);
    assert_int_equal(d.d[0].drop_ms[0], (1 + 2 + 2 + 5 + 2) * MIN);
    disp_state_free(&st);
    disp_state_free(&st2);
    disp_decisions_free(&d);
}

/* The walker alone is at the restaurant, but the trip is 3 km, over the
 * walker's 2 km: not offered; a 1.5 km trip is. */
static void test_max_trip(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    disp_state st;
    disp_state_init(&st);
    courier(&st, 0, 0, 83, 2000);
    job(&st, 0, 3000);
    disp_decisions d;
    disp_decisions_init(&d);
    vis_err err = {0};
    assert_int_equal(disp_epoch(&p, &st, 0, &d, &err), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.candidates, 0);
    st.j[job(&st, 1500, 0)].place = 2; /* another shop: not bundled with the first */
    assert_int_equal(disp_epoch(&p, &st, MIN, &d, &err), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(st.j[d.d[0].job[0]].id, 1001);
    disp_state_free(&st);
    disp_decisions_free(&d);
}

/* Many couriers of mixed speeds, sparse solver = dense solver, and every
 * committed route is timed at its courier's speed. */
static void test_mixed_sparse_dense(void **s)
{
    (void)s;
    disp_params p;
    params(&p);
    static const double spd[] = {83, 0, 333, 417, 300};
    disp_decisions d1, d2;
    disp_decisions_init(&d1);
    disp_decisions_init(&d2);
    disp_state a, b;
    disp_state_init(&a);
    unsigned seed = 7;
    for (int k = 0; k < 40; k++) {
        seed = seed * 1103515245u + 12345u;
        courier(&a, (double)(seed % 6000), (double)((seed >> 12) % 6000), spd[k % 5], 0);
    }
    for (int k = 0; k < 30; k++) {
        seed = seed * 1103515245u + 12345u;
        disp_job j = {0};
        j.id = 1000 + k;
        j.place = k % 7;
        j.px = 1000.0 * (k % 7);
        j.py = 500;
        j.dx = (double)(seed % 6000);
        j.dy = (double)((seed >> 12) % 6000);
        j.courier = -1;
        disp_add_job(&a, &j);
    }
    b = a;
    b.c = malloc(sizeof(disp_courier) * (size_t)a.capc);
    b.j = malloc(sizeof(disp_job) * (size_t)a.capj);
    memcpy(b.c, a.c, sizeof(disp_courier) * (size_t)a.nc);
    memcpy(b.j, a.j, sizeof(disp_job) * (size_t)a.nj);
    p.no_defer = 1;
    vis_err err = {0};
    assert_int_equal(disp_epoch(&p, &a, 0, &d1, &err), 0);
    p.dense_limit = 0;
    p.k_nearest = 40;
    assert_int_equal(disp_epoch(&p, &b, 0, &d2, &err), 0);
    assert_true(d2.sparse);
    assert_int_equal(d1.n, d2.n);
    assert_true(d1.n > 0);
    double t1 = 0, t2 = 0;
    for (int k = 0; k < d1.n; k++) t1 += d1.d[k].score.total;
    for (int k = 0; k < d2.n; k++) t2 += d2.d[k].score.total;
    assert_true(t1 - t2 < 1e-6 && t2 - t1 < 1e-6);
    for (int k = 0; k < d1.n; k++) {
        const disp_courier *c = &a.c[d1.d[k].courier];
        disp_params tmp;
        const disp_params *cp = disp_courier_params(&p, c, &tmp);
        assert_int_equal(d1.d[k].arrive_ms, disp_travel_ms(cp, c->route.ox, c->route.oy, c->route.rx, c->route.ry));
    }
    disp_state_free(&a);
    disp_state_free(&b);
    disp_decisions_free(&d1);
    disp_decisions_free(&d2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_speeds),
        cmocka_unit_test(test_max_trip),
        cmocka_unit_test(test_mixed_sparse_dense),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
