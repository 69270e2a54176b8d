/* Unit tests: MDRP simulator invariants, solution files written and parsed
 * back, and the feasibility checker catching broken solutions. Needs the
 * shared instance ../shared/data/mdrp/0o50t100s1p100 (Grubhub mdrplib). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dispatch/disp_mdrp.h"
#include "dispatch/disp_sim.h"

#define INST "../shared/data/mdrp/0o50t100s1p100"

typedef struct fx {
    disp_mdrp m;
    disp_mdrp_sol s;
    disp_mdrp_report rep;
    char dir[64];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    vis_err e;
    if (!f) return -1;
    if (disp_mdrp_read(&f->m, INST, &e)) {
        fprintf(stderr, "missing shared data: %s (%s)\n", INST "/orders.txt", e.msg);
        free(f);
        return -1;
    }
    disp_sim_opts o = { 1, NULL, NULL };
    if (disp_mdrp_sol_init(&f->s, &f->m, &e) || disp_sim_run(&f->m, &o, &f->s, &f->rep, NULL, &e)) {
        fprintf(stderr, "simulate: %s\n", e.msg);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "/tmp/test-dispatch-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    if (disp_mdrp_write(&f->m, &f->s, f->dir, &e)) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    const char *names[] = { "solution_info_assignments.txt", "solution_info_orders.txt",
                            "solution_info_couriers.txt" };
    char p[256];
    for (int k = 0; k < 3; k++) {
        snprintf(p, sizeof(p), "%s/%s", f->dir, names[k]);
        unlink(p);
    }
    rmdir(f->dir);
    buf_free(&f->rep.msgs);
    disp_mdrp_sol_free(&f->s);
    disp_mdrp_free(&f->m);
    free(f);
    return 0;
}

static void test_invariants(void **state)
{
    fx *f = *state;
    const disp_mdrp *m = &f->m;
    const disp_mdrp_sol *s = &f->s;
    assert_int_equal(f->rep.delivered, m->no); /* every order deliverable here */
    int *seen = calloc((size_t)m->no, sizeof(int));
    for (int k = 0; k < s->na; k++) {
        const disp_mdrp_assign *a = &s->a[k];
        const disp_mdrp_courier *c = &m->c[a->courier];
        assert_true(a->pickup <= c->off);          /* no pickup after off time */
        assert_true(a->at <= c->off);              /* no assignment after off time */
        assert_true(a->at >= c->on);
        assert_true(a->n >= 1 && a->n <= 4);
        for (int q = 0; q < a->n; q++) {
            const disp_mdrp_order *o = &m->o[a->order[q]];
            assert_true(a->pickup >= o->ready);    /* no pickup before ready */
            assert_true(a->at >= o->placed);
            assert_int_equal(o->rest, m->o[a->order[0]].rest); /* one restaurant */
            assert_int_equal(seen[a->order[q]]++, 0);
            assert_int_equal(s->pickup[a->order[q]], a->pickup);
            if (q > 0)
                assert_true(s->drop[a->order[q]] >= s->drop[a->order[q - 1]] + m->dropoff_service);
        }
    }
    free(seen);
    /* moves: contiguous per courier, chained, travel times per the rule */
    int cur = -1, loc = -1, arrive = 0;
    int *closed = calloc((size_t)m->ncour, sizeof(int));
    for (int k = 0; k < s->nmv; k++) {
        const disp_mdrp_move *mv = &s->mv[k];
        if (mv->courier != cur) {
            if (cur >= 0) closed[cur] = 1;
            assert_int_equal(closed[mv->courier], 0);
            cur = mv->courier;
            loc = m->no + m->nr + cur;
            arrive = m->c[cur].on;
        }
        assert_int_equal(mv->from, loc);
        assert_true(mv->depart >= arrive);
        double fx2, fy, tx, ty;
        disp_mdrp_loc_xy(m, mv->from, &fx2, &fy);
        disp_mdrp_loc_xy(m, mv->to, &tx, &ty);
        int tt = disp_mdrp_tt(m, mv->from, mv->to);
        double d = sqrt((tx - fx2) * (tx - fx2) + (ty - fy) * (ty - fy));
        assert_int_equal(tt, (int)ceil(d / m->meters_per_minute));
        arrive = mv->depart + tt;
        loc = mv->to;
        if (mv->to < m->no) {
            /* a drop-off happens half the service after arrival */
            assert_int_equal(f->s.drop[mv->to], arrive + m->dropoff_service / 2);
        }
    }
    free(closed);
}

static void test_files_parse_back(void **state)
{
    fx *f = *state;
    char p[256];
    snprintf(p, sizeof(p), "%s/solution_info_orders.txt", f->dir);
    FILE *in = fopen(p, "r");
    assert_non_null(in);
    char line[512];
    assert_non_null(fgets(line, sizeof(line), in));
    assert_string_equal(line, "order placement_time ready_time pickup_time dropoff_time courier\n");
    int rows = 0;
    while (fgets(line, sizeof(line), in)) {
        char id[32], cid[32];
        int pl, rd, pk, dr;
        assert_null(strstr(line, "  "));
        assert_int_equal(sscanf(line, "%31s %d %d %d %d %31s", id, &pl, &rd, &pk, &dr, cid), 6);
        int o = disp_mdrp_loc(&f->m, id);
        assert_true(o >= 0 && o < f->m.no);
        assert_int_equal(pl, f->m.o[o].placed);
        assert_int_equal(rd, f->m.o[o].ready);
        assert_int_equal(pk, f->s.pickup[o]);
        assert_int_equal(dr, f->s.drop[o]);
        assert_string_equal(cid, f->m.c[f->s.courier[o]].id);
        rows++;
    }
    fclose(in);
    assert_int_equal(rows, f->rep.delivered);
    /* the checker reads all three files back: feasible, same figures */
    disp_mdrp_report r;
    vis_err e;
    assert_int_equal(disp_mdrp_check(&f->m, f->dir, &r, &e), VIS_OK);
    if (!r.feasible) fprintf(stderr, "%s", r.msgs.data);
    assert_true(r.feasible);
    assert_int_equal(r.delivered, f->rep.delivered);
    assert_true(fabs(r.ctd_mean - f->rep.ctd_mean) < 1e-9);
    assert_true(fabs(r.total_pay - f->rep.total_pay) < 1e-6);
    assert_true(fabs(r.utilization_mean - f->rep.utilization_mean) < 1e-9);
    buf_free(&r.msgs);
}

/* Rewrite one file with a line edited and check the checker objects. */
static int check_edited(fx *f, const char *file, int lineno, const char *newline,
                        const char *want)
{
    char p[256], bak[256];
    snprintf(p, sizeof(p), "%s/%s", f->dir, file);
    snprintf(bak, sizeof(bak), "%s/%s.bak", f->dir, file);
    assert_int_equal(rename(p, bak), 0);
    FILE *in = fopen(bak, "r"), *out = fopen(p, "w");
    char line[512];
    int n = 0;
    while (fgets(line, sizeof(line), in)) {
        n++;
        if (n == lineno) fputs(newline, out);
        else fputs(line, out);
    }
    fclose(in);
    fclose(out);
    disp_mdrp_report r;
    vis_err e;
    int rc = disp_mdrp_check(&f->m, f->dir, &r, &e);
    int found = rc == VIS_OK && !r.feasible && r.msgs.data && strstr(r.msgs.data, want);
    if (!found) fprintf(stderr, "expected '%s', got: %s\n", want, r.msgs.data ? r.msgs.data : "");
    buf_free(&r.msgs);
    rename(bak, p);
    return found;
}

static void test_checker_catches(void **state)
{
    fx *f = *state;
    const disp_mdrp_assign *a = &f->s.a[0];
    const disp_mdrp *m = &f->m;
    const disp_mdrp_order *o = &m->o[a->order[0]];
    char l[256];
    /* pickup before ready */
    snprintf(l, sizeof(l), "%d %d %s %s\n", a->at, o->ready - 1, m->c[a->courier].id, o->id);
    assert_true(check_edited(f, "solution_info_assignments.txt", 2, l, "before"));
    /* assignment before placement */
    snprintf(l, sizeof(l), "%d %d %s %s\n", o->placed - 1, a->pickup, m->c[a->courier].id, o->id);
    for (int q = 1; q < a->n; q++) strcat(l, " "), strcat(l, m->o[a->order[q]].id);
    l[strlen(l)] = 0;
    assert_true(check_edited(f, "solution_info_assignments.txt", 2, l, "before placement"));
    /* a drop-off at the arrival instant: the evaluator wants the arrival
     * strictly before it (one minute early, after arrival, is legal) */
    int oi = -1;
    for (int k = 0; k < m->no && oi < 0; k++) if (f->s.drop[k] >= 0) oi = k;
    int line = 1;
    for (int k = 0; k <= oi; k++) line += f->s.drop[k] >= 0;
    snprintf(l, sizeof(l), "%s %d %d %d %d %s\n", m->o[oi].id, m->o[oi].placed, m->o[oi].ready,
             f->s.pickup[oi], f->s.drop[oi] - m->dropoff_service / 2, m->c[f->s.courier[oi]].id);
    assert_true(check_edited(f, "solution_info_orders.txt", line, l, "not at the customer"));
    /* double spaces are rejected */
    snprintf(l, sizeof(l), "%s  %d %d %d %d %s\n", m->o[oi].id, m->o[oi].placed, m->o[oi].ready,
             f->s.pickup[oi], f->s.drop[oi], m->c[f->s.courier[oi]].id);
    assert_true(check_edited(f, "solution_info_orders.txt", line, l, "one space"));
    /* a broken chain of moves */
    const disp_mdrp_move *mv = &f->s.mv[1];
    snprintf(l, sizeof(l), "%s %d %s %s\n", m->c[mv->courier].id, mv->depart,
             m->r[0].id, disp_mdrp_loc_id(m, mv->to));
    if (mv->from != m->no) /* unless it really leaves r[0] */
        assert_true(check_edited(f, "solution_info_couriers.txt", 3, l, "leaves"));
}

/* Issue 15: the replay applies the ready-wait bound (--param
 * ready_wait_max_s): no order of a bundle is picked up more than the bound
 * after the later of its ready time and the courier's arrival plus half
 * the pickup service; the solution stays feasible; bad values are refused. */
static void test_ready_wait_bound_in_replay(void **state)
{
    fx *f = *state;
    const disp_mdrp *m = &f->m;
    const int bounds[] = { 0, 60 };
    for (int b = 0; b < 2; b++) {
        char par[64];
        snprintf(par, sizeof(par), "ready_wait_max_s=%d", bounds[b]);
        disp_sim_opts o = { 1, NULL, par };
        disp_mdrp_sol s;
        disp_mdrp_report rep;
        vis_err e;
        assert_int_equal(disp_mdrp_sol_init(&s, m, &e), VIS_OK);
        assert_int_equal(disp_sim_run(m, &o, &s, &rep, NULL, &e), VIS_OK);
        assert_int_equal(rep.delivered, m->no);
        int hp = (m->pickup_service + 1) / 2, checked = 0;
        for (int k = 0; k < s.na; k++) {
            const disp_mdrp_assign *a = &s.a[k];
            int rest = m->no + m->o[a->order[0]].rest, arrive = -1;
            for (int q = 0; q < s.nmv; q++) {
                const disp_mdrp_move *mv = &s.mv[q];
                if (mv->courier != a->courier || mv->to != rest) continue;
                int t = mv->depart + disp_mdrp_tt(m, mv->from, mv->to);
                if (t <= a->pickup && t > arrive) arrive = t;
            }
            assert_true(arrive >= 0);
            for (int q = 0; q < a->n; q++) {
                int r = m->o[a->order[q]].ready;
                if (r < arrive + hp) r = arrive + hp;
                assert_true((a->pickup - r) * 60 <= bounds[b]);
                checked += a->n > 1;
            }
        }
        assert_true(checked > 0); /* some bundles were formed */
        buf_free(&rep.msgs);
        disp_mdrp_sol_free(&s);
    }
    disp_params p;
    vis_err e;
    disp_sim_opts bad = { 1, NULL, "ready_wait_max_s=x" };
    assert_int_equal(disp_sim_params(m, &bad, &p, &e), VIS_EINVAL);
    disp_sim_opts ok = { 1, NULL, "ready_wait_max_s=120,w_idle=0.02" };
    assert_int_equal(disp_sim_params(m, &ok, &p, &e), VIS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_files_parse_back),
        cmocka_unit_test(test_checker_catches),
        cmocka_unit_test(test_ready_wait_bound_in_replay),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
