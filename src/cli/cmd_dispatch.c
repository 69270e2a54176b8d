/*
 * visible dispatch — MDRP replay simulator and solution checker.
 *
 *   visible dispatch simulate --mdrp INSTANCE_DIR --out SOLUTION_DIR
 *                             [--epoch MIN] [--policy NAME]
 *   visible dispatch check --mdrp INSTANCE_DIR --solution SOLUTION_DIR
 *
 * simulate writes the three solution files and prints a JSON summary;
 * check re-reads a solution, applies the evaluator's feasibility checks and
 * prints the same figures plus the violations (exit 1 when infeasible).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "cli/commands.h"
#include "dispatch/disp_mdrp.h"
#include "dispatch/disp_sim.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: visible dispatch simulate --mdrp INSTANCE_DIR --out SOLUTION_DIR\n"
            "                                 [--epoch MIN] [--policy rolling|immediate|single]\n"
            "                                 [--param NAME=VALUE]...\n"
            "       visible dispatch check --mdrp INSTANCE_DIR --solution SOLUTION_DIR\n"
            "\n"
            "simulate replays a Grubhub MDRP instance through the dispatch engine,\n"
            "writes solution_info_{assignments,orders,couriers}.txt and prints a JSON\n"
            "summary. check verifies a solution with the evaluator's feasibility rules.\n"
            "Tunables for --param: w_late w_wait w_pay w_idle horizon_min idle_cap_min\n"
            "max_bundle k_nearest dense_limit no_defer ready_wait_max_s ready_commit\n"
            "(see docs/dispatch.md).\n");
}

static json_t *figures(const disp_mdrp_report *r)
{
    return JSON_PACK("{s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
                     "orders", r->orders, "delivered", r->delivered,
                     "ctd_mean", r->ctd_mean, "ctd_median", r->ctd_median,
                     "ctd_p90", r->ctd_p90, "within_target", r->within_target,
                     "overage_mean", r->overage_mean,
                     "ready_to_pickup_mean", r->ready_to_pickup_mean,
                     "utilization_mean", r->utilization_mean,
                     "total_pay", r->total_pay, "cost_per_order", r->cost_per_order,
                     "guarantee_share", r->guarantee_share,
                     "hourly_pay_mean", r->hourly_pay_mean,
                     "hourly_pay_min", r->hourly_pay_min);
}

static int print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(j);
    printf("%s\n", s);
    free(s);
    return 0;
}

static int parse_args(int argc, char **argv, const char **inst, const char **out,
                      const char **sol, int *epoch, const char **policy,
                      char *params, size_t psz)
{
    static const struct option opts[] = {
        { "mdrp", required_argument, NULL, 'm' },
        { "out", required_argument, NULL, 'o' },
        { "solution", required_argument, NULL, 's' },
        { "epoch", required_argument, NULL, 'e' },
        { "policy", required_argument, NULL, 'p' },
        { "param", required_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    optind = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "m:o:s:e:p:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'm': *inst = optarg; break;
        case 'o': *out = optarg; break;
        case 's': *sol = optarg; break;
        case 'e': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 1440) {
                fprintf(stderr, "visible dispatch: --epoch must be 1..1440 minutes\n");
                return 2;
            }
            *epoch = (int)v;
            break;
        }
        case 'p': *policy = optarg; break;
        case 'P':
            if (strlen(params) + strlen(optarg) + 2 > psz) {
                fprintf(stderr, "visible dispatch: too many --param\n");
                return 2;
            }
            if (*params) strcat(params, ",");
            strcat(params, optarg);
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "visible dispatch: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return -1;
}

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int do_simulate(int argc, char **argv)
{
    const char *inst = NULL, *out = NULL, *sol = NULL, *policy = NULL;
    int epoch = 1;
    char params[1024] = "";
    int rc = parse_args(argc, argv, &inst, &out, &sol, &epoch, &policy, params, sizeof(params));
    if (rc >= 0) return rc;
    if (!inst || !out) {
        fprintf(stderr, "visible dispatch simulate: --mdrp and --out are required\n");
        return 2;
    }
    double t0 = mono();
    disp_mdrp m;
    vis_err e;
    if (disp_mdrp_read(&m, inst, &e)) {
        fprintf(stderr, "visible dispatch: %s\n", e.msg);
        return 2;
    }
    disp_sim_opts o = { epoch, policy, params };
    disp_params probe;
    if (disp_sim_params(&m, &o, &probe, &e)) {
        fprintf(stderr, "visible dispatch: %s\n", e.msg);
        disp_mdrp_free(&m);
        return 2;
    }
    disp_mdrp_sol s;
    disp_mdrp_report rep, chk;
    disp_sim_stats st;
    int status = 1;
    disp_mdrp_sol_init(&s, &m, &e); /* always VIS_OK */
    if (disp_sim_run(&m, &o, &s, &rep, &st, &e) || disp_mdrp_write(&m, &s, out, &e)) {
        fprintf(stderr, "visible dispatch: %s\n", e.msg);
        goto done;
    }
    double secs = mono() - t0;
    if (disp_mdrp_check(&m, out, &chk, &e)) {
        fprintf(stderr, "visible dispatch: %s\n", e.msg);
        buf_free(&rep.msgs);
        goto done;
    }
    json_t *j = figures(&rep);
    json_object_set_new(j, "seconds", json_real(secs));
    json_object_set_new(j, "feasible", json_boolean(chk.feasible));
    json_object_set_new(j, "policy", json_string(policy ? policy : "rolling"));
    json_object_set_new(j, "epoch_min", json_integer(epoch));
    json_object_set_new(j, "epochs", json_integer(st.epochs));
    json_object_set_new(j, "decisions", json_integer(st.decisions));
    json_object_set_new(j, "additions", json_integer(st.additions));
    json_object_set_new(j, "engine_seconds", json_real(st.solve_seconds));
    status = print_json(j);
    if (!chk.feasible) {
        fprintf(stderr, "visible dispatch: solution INFEASIBLE:\n%s", chk.msgs.data ? chk.msgs.data : "");
        status = 1;
    }
    buf_free(&rep.msgs);
    buf_free(&chk.msgs);
done:
    disp_mdrp_sol_free(&s);
    disp_mdrp_free(&m);
    return status;
}

static int do_check(int argc, char **argv)
{
    const char *inst = NULL, *out = NULL, *sol = NULL, *policy = NULL;
    int epoch = 1;
    char params[1024] = "";
    int rc = parse_args(argc, argv, &inst, &out, &sol, &epoch, &policy, params, sizeof(params));
    if (rc >= 0) return rc;
    if (!inst || !sol) {
        fprintf(stderr, "visible dispatch check: --mdrp and --solution are required\n");
        return 2;
    }
    disp_mdrp m;
    vis_err e;
    if (disp_mdrp_read(&m, inst, &e)) {
        fprintf(stderr, "visible dispatch: %s\n", e.msg);
        return 2;
    }
    disp_mdrp_report rep;
    if (disp_mdrp_check(&m, sol, &rep, &e)) {
        fprintf(stderr, "visible dispatch: %s\n", e.msg);
        buf_free(&rep.msgs);
        disp_mdrp_free(&m);
        return 2;
    }
    json_t *j = figures(&rep);
    json_t *v = json_array();
    char *save = NULL;
    for (char *l = rep.msgs.data ? strtok_r(rep.msgs.data, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
        json_array_append_new(v, json_string(l));
    json_object_set_new(j, "feasible", json_boolean(rep.feasible));
    json_object_set_new(j, "violation_count", json_integer(rep.violations));
    json_object_set_new(j, "violations", v);
    int status = print_json(j);
    if (!rep.feasible) status = 1;
    buf_free(&rep.msgs);
    disp_mdrp_free(&m);
    return status;
}

int cmd_dispatch(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "simulate") == 0) return do_simulate(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0) return do_check(argc - 1, argv + 1);
    fprintf(stderr, "visible dispatch: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
