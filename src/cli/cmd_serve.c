/* cmd_serve — `visible serve`: run the platform until SIGINT/SIGTERM. */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/version.h"
#include "cli/commands.h"
#include "cli/demo.h"
#include "core/demo.h"
#include "dispatch/disp_service.h"
#include "net/client.h"
#include "http/cluster.h"
#include "http/server.h"
#include "http/ticker.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: visible serve [OPTIONS]\n"
            "Run the platform: HTTP/JSON API under /v1, the web UI, /health and /metrics.\n\n"
            "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0 picks a free one)\n"
            "  --db PATH|URL       SQLite database (default var/visible.db), created if missing; or a\n"
            "                      PostgreSQL connection string (postgresql://... or 'host=... dbname=...')\n"
            "  --demo              seed demo accounts and content\n"
            "  --threads N         HTTP worker threads (default 16)\n"
            "  --config FILE       JSON config file (see 'visible config' for every key)\n"
            "  --set KEY=VALUE     set any config key (flags win over the file)\n"
            "  --test-clock        tests only: allow POST /v1/admin/clock\n"
            "  --quiet             no per-request log lines\n"
            "  -h, --help          this help\n");
}

void cli_admin_token_path(const vis_config *cfg, char *out, size_t cap)
{
    if (cfg->admin_token_file[0]) {
        snprintf(out, cap, "%s", cfg->admin_token_file);
        return;
    }
    if (store_is_pg(cfg->db)) { /* no file beside a PostgreSQL database */
        snprintf(out, cap, "var/admin.token");
        return;
    }
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", cfg->db);
    snprintf(out, cap, "%s/admin.token", dirname(tmp));
}

int cli_load_config(int argc, char **argv, const struct option *opts, const char *shortopts, vis_config *cfg)
{
    /* first pass: only --config, so that flags win over the file */
    config_defaults(cfg);
    vis_err err;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1)
        if (c == 'c' && config_load_file(cfg, optarg, &err)) {
            fprintf(stderr, "visible: %s\n", err.msg);
            return 2;
        }
    opterr = 1;
    optind = 0;
    return 0;
}

static void mkparent(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    char *d = dirname(tmp);
    if (strcmp(d, ".") && strcmp(d, "/")) mkdir(d, 0755);
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'}, {"db", required_argument, 0, 'd'},
        {"demo", no_argument, 0, 'D'},         {"threads", required_argument, 0, 't'},
        {"config", required_argument, 0, 'c'}, {"set", required_argument, 0, 's'},
        {"test-clock", no_argument, 0, 'T'},   {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
    };
    vis_config cfg;
    if (cli_load_config(argc, argv, opts, "h", &cfg)) return 2;
    vis_err err;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'l': rc = config_set(&cfg, "listen", optarg, &err); break;
        case 'd': rc = config_set(&cfg, "db", optarg, &err); break;
        case 'D': cfg.demo = true; break;
        case 't': rc = config_set(&cfg, "threads", optarg, &err); break;
        case 'c': break;
        case 's': rc = config_set_kv(&cfg, optarg, &err); break;
        case 'T': cfg.test_clock = true; break;
        case 'q': cfg.log_requests = false; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (rc) {
            fprintf(stderr, "visible serve: %s\n", err.msg);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "visible serve: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (httpc_global_init()) {
        fprintf(stderr, "visible serve: libcurl failed to initialise\n");
        return 1;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "visible serve: libsodium failed to initialise\n");
        return 1;
    }
    if (!store_is_pg(cfg.db)) mkparent(cfg.db);
    /* block the stop signals in every thread; main waits for them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    static vis_server srv;
    if (server_init(&srv, &cfg, &err)) {
        fprintf(stderr, "visible serve: %s\n", err.msg);
        server_free(&srv);
        return 1;
    }
    store *db = server_store(&srv, &err);
    char tokpath[PATH_MAX];
    cli_admin_token_path(&cfg, tokpath, sizeof tokpath);
    mkparent(tokpath);
    int created = 0;
    int64_t now = clock_now_ms(&srv.clock);
    if (!db || demo_bootstrap_admin(db, tokpath, now, &created, &err) ||
        (cfg.demo && demo_seed(db, &cfg, &srv.pwcost, now, stdout, &err))) {
        fprintf(stderr, "visible serve: %s\n", err.msg);
        server_free(&srv);
        return 1;
    }
    if (server_start(&srv, &err)) {
        fprintf(stderr, "visible serve: %s\n", err.msg);
        server_free(&srv);
        return 1;
    }
    char host[128];
    snprintf(host, sizeof host, "%s", cfg.listen);
    char *colon = strrchr(host, ':');
    if (colon) *colon = '\0';
    /* a connection string may hold a password: never printed */
    printf("Visible %s listening on http://%s:%d/ (database %s)\n", VIS_VERSION, host, srv.port,
           store_is_pg(cfg.db) ? "on PostgreSQL" : cfg.db);
    if (created || access(tokpath, F_OK) == 0)
        printf("admin token: %s%s\n", tokpath, created ? " (new)" : "");
    else /* another node (or an earlier run elsewhere) made the administrator */
        printf("admin token: none here (the platform has an administrator; its token is where it was made)\n");
    printf("web: http://%s:%d/  (sign in: /login; workers: /work /me /courier /moderate; clients: /client "
           "/restaurant; admins: /dispatch /admin)\n",
           host, srv.port);
    printf("API: http://%s:%d/v1  health: /health  metrics: /metrics\n", host, srv.port);
    fflush(stdout);
    int sig = 0;
    ticker *tick = ticker_start(&srv);
    cluster *peers = cluster_start(&srv); /* several nodes on one PostgreSQL database */
    disp_service *disp = NULL;
    if (disp_service_start(srv.pool, &srv.clock, &srv.cfg, &disp, &err))
        fprintf(stderr, "{\"level\":\"error\",\"message\":\"%s\"}\n", err.msg);
    sigwait(&set, &sig);
    disp_service_stop(disp);
    ticker_stop(tick);
    cluster_stop(peers);
    fprintf(stderr, "{\"level\":\"info\",\"message\":\"signal %d: finishing in-flight requests\"}\n", sig);
    server_free(&srv);
    return 0;
}
