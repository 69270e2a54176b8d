/*
 * fuzz_mdrp — the Grubhub MDRP instance reader (src/dispatch/disp_mdrp.c)
 * behind `visible dispatch simulate|check --mdrp DIR`, and the solution
 * reader of `visible dispatch check` (src/dispatch/disp_check.c).
 * Input: sections separated by lines "====": restaurants.txt,
 * couriers.txt, orders.txt, instance_parameters.txt, then optionally the
 * three solution files (assignments, orders, couriers). The sections are
 * written into a temporary folder and read back as the tools do.
 * A readable instance is then used: every location's id resolves to it,
 * travel times are non-negative; a small one (at most 16 orders, 8
 * couriers, a day of minutes) is simulated, its solution written and
 * checked (must be feasible); given solution sections are checked too.
 * Properties checked: no crash, leak or UB.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch/disp_mdrp.h"
#include "dispatch/disp_sim.h"

static char dir[64], soldir[80];
static const char *const inst_files[4] = {"restaurants.txt", "couriers.txt", "orders.txt", "instance_parameters.txt"};
static const char *const sol_files[3] = {"solution_info_assignments.txt", "solution_info_orders.txt",
                                         "solution_info_couriers.txt"};

static void rm_all(void)
{
    char p[160];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, inst_files[i]);
        unlink(p);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", soldir, sol_files[i]);
        unlink(p);
    }
}

static void cleanup(void)
{
    rm_all();
    rmdir(soldir);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/visible-fuzz-mdrp-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(soldir, sizeof soldir, "%s/sol", dir);
    atexit(cleanup);
    return 0;
}

static void put(const char *d, const char *name, const uint8_t *p, size_t n)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", d, name);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n && fwrite(p, 1, n, f) != n) abort();
    fclose(f);
}

/* the next section of [*p, end): up to a line "====" */
static size_t section(const uint8_t **p, const uint8_t *end, const uint8_t **start)
{
    *start = *p;
    const uint8_t *q = *p;
    while (q < end) {
        const uint8_t *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) break;
        if (end - nl >= 5 && !memcmp(nl + 1, "====", 4) && (end - nl == 5 || nl[5] == '\n')) {
            size_t n = (size_t)(nl + 1 - *start);
            *p = end - nl == 5 ? end : nl + 6;
            return n;
        }
        q = nl + 1;
    }
    *p = end;
    return (size_t)(end - *start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size, *s;
    rm_all();
    for (int i = 0; i < 4; i++) {
        size_t n = section(&p, end, &s);
        put(dir, inst_files[i], s, n);
    }
    int nsol = 0;
    if (p < end) {
        mkdir(soldir, 0700);
        for (; nsol < 3; nsol++) {
            size_t n = section(&p, end, &s);
            put(soldir, sol_files[nsol], s, n);
        }
    }
    disp_mdrp m;
    vis_err e;
    if (disp_mdrp_read(&m, dir, &e)) return 0;
    int n = disp_mdrp_nloc(&m);
    for (int l = 0; l < n; l++) {
        if (disp_mdrp_loc(&m, disp_mdrp_loc_id(&m, l)) != l) abort();
        if (disp_mdrp_tt(&m, l, (l * 7 + 3) % n) < 0) abort();
    }
    disp_mdrp_report rep;
    if (nsol) {
        if (disp_mdrp_check(&m, soldir, &rep, &e) == 0) buf_free(&rep.msgs);
    } else if (m.no <= 16 && m.ncour <= 8) {
        int64_t t0 = INT32_MAX, t1 = INT32_MIN;
        for (int k = 0; k < m.ncour; k++) {
            if (m.c[k].on < t0) t0 = m.c[k].on;
            if (m.c[k].off > t1) t1 = m.c[k].off;
        }
        for (int k = 0; k < m.no; k++) {
            if (m.o[k].placed < t0) t0 = m.o[k].placed;
            if (m.o[k].placed > t1) t1 = m.o[k].placed;
        }
        if (t1 - t0 <= 1440) {
            disp_mdrp_sol sol;
            disp_sim_opts o = {1, NULL, NULL};
            if (disp_mdrp_sol_init(&sol, &m, &e) == 0) {
                if (disp_sim_run(&m, &o, &sol, &rep, NULL, &e) == 0) {
                    buf_free(&rep.msgs);
                    if (disp_mdrp_write(&m, &sol, soldir, &e) == 0) {
                        if (disp_mdrp_check(&m, soldir, &rep, &e)) abort();
                        if (!rep.feasible) {
                            fprintf(stderr, "infeasible simulated solution:\n%s\n", rep.msgs.data);
                            abort();
                        }
                        buf_free(&rep.msgs);
                    }
                }
                disp_mdrp_sol_free(&sol);
            }
        }
    }
    disp_mdrp_free(&m);
    return 0;
}
