/* cmd_tools — small subcommands: version, config, routes, journal, admin. */
#include <getopt.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "cli/cli.h"
#include "base/version.h"
#include "cli/commands.h"
#include "base/clock.h"
#include "core/config.h"
#include "core/journal.h"
#include "http/http.h"
#include "http/server.h"
#include "store/store.h"

const http_route *const *server_route_tables(void);

static int only_help(int argc, char **argv, const char *text)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(text, stdout);
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "visible %s: unexpected argument '%s'\n%s", argv[0], argv[1], text);
        return 2;
    }
    return -1;
}

int cmd_version(int argc, char **argv)
{
    int rc = only_help(argc, argv, "usage: visible version\nPrint the version.\n");
    if (rc >= 0) return rc;
    printf("visible %s\n", VIS_VERSION);
    return 0;
}

int cmd_config(int argc, char **argv)
{
    int rc = only_help(argc, argv,
                       "usage: visible config\nPrint every configuration key with its type, default and meaning.\n");
    if (rc >= 0) return rc;
    config_print_doc(stdout);
    return 0;
}

int cmd_routes(int argc, char **argv)
{
    int rc = only_help(argc, argv, "usage: visible routes\nList every HTTP route as 'METHOD PATH  summary'.\n");
    if (rc >= 0) return rc;
    const http_route *const *t = server_route_tables();
    for (size_t i = 0; t[i]; i++)
        for (const http_route *r = t[i]; r->method; r++)
            printf("%s %s\t%s%s\n", r->method, r->pattern, r->summary, r->flags & HTTP_TESTONLY ? " (test clock only)" : "");
    return 0;
}

static int open_db(const char *path, store_pool **pool, store **db)
{
    vis_err err;
    store_opts so = {.sync_full = true, .busy_timeout_ms = 5000};
    if (store_pool_open(pool, path, &so, &err) || store_connect(*pool, db, &err) || store_migrate(*db, clock_now_ms(NULL), &err)) {
        fprintf(stderr, "visible: %s\n", err.msg);
        return 1;
    }
    return 0;
}

int cmd_journal(int argc, char **argv)
{
    static const char *help = "usage: visible journal verify [--db PATH]\n"
                              "Walk the journal's hash chain; print 'ok N rows' (exit 0) or the first row that\n"
                              "was changed or removed (exit 1).\n";
    if (argc < 2 || (strcmp(argv[1], "verify") && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if (strcmp(argv[1], "verify")) {
        fputs(help, stdout);
        return 0;
    }
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db_path = "var/visible.db";
    optind = 0;
    int c;
    while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        if (c == 'd') db_path = optarg;
        else if (c == 'h') {
            fputs(help, stdout);
            return 0;
        } else {
            fputs(help, stderr);
            return 2;
        }
    }
    if (optind < argc - 1) {
        fprintf(stderr, "visible journal verify: unexpected argument '%s'\n", argv[optind + 1]);
        return 2;
    }
    if (!store_is_pg(db_path)) { /* a file that is not there is not created empty */
        FILE *f = fopen(db_path, "rb");
        if (!f) {
            fprintf(stderr, "visible journal verify: no database at %s\n", db_path);
            return 2;
        }
        fclose(f);
    }
    store_pool *pool = NULL;
    store *db = NULL;
    int rc = 1;
    if (!open_db(db_path, &pool, &db)) {
        journal_report rep;
        vis_err err;
        int r = journal_verify(db, &rep, &err);
        if (r == 0) {
            printf("ok %lld rows\n", (long long)rep.rows);
            rc = 0;
        } else if (r == 1) {
            printf("broken at row %lld: %s (%lld rows before it are intact)\n", (long long)rep.bad_id, rep.why,
                   (long long)rep.rows);
        } else {
            fprintf(stderr, "visible journal verify: %s\n", err.msg);
        }
    }
    store_disconnect(db);
    store_pool_close(pool);
    return rc;
}

static int admin_create(int argc, char **argv)
{
    static const char *help =
        "usage: visible admin create-account --role worker|client|admin --name NAME --email EMAIL\n"
        "                                    [--password PW] [--db PATH]\n"
        "Create an account and print it with a new API token as JSON.\n";
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},   {"role", required_argument, 0, 'r'},
        {"name", required_argument, 0, 'n'}, {"email", required_argument, 0, 'e'},
        {"password", required_argument, 0, 'p'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *db_path = "var/visible.db", *role = NULL, *name = NULL, *email = NULL, *pw = NULL;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 'r': role = optarg; break;
        case 'n': name = optarg; break;
        case 'e': email = optarg; break;
        case 'p': pw = optarg; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return 2;
        }
    }
    if (!role || !name || !email || optind < argc) {
        fprintf(stderr, "visible admin create-account: --role, --name and --email are required\n%s", help);
        return 2;
    }
    if (sodium_init() < 0) return 1;
    store_pool *pool = NULL;
    store *db = NULL;
    int rc = 1;
    vis_err err;
    vis_clock clk;
    clock_init(&clk);
    int64_t now = clock_now_ms(&clk);
    if (!open_db(db_path, &pool, &db)) {
        account a;
        char tok[ACCOUNT_TOKEN_LEN];
        if (!account_role_valid(role)) {
            fprintf(stderr, "visible admin create-account: role must be worker, client or admin\n");
            rc = 2;
        } else if (store_begin(db, &err) == 0) {
            if (account_create(db, role, name, email, pw, NULL, now, &a, &err) ||
                account_token_issue(db, a.id, "cli", now, -1, tok, &err)) {
                store_rollback(db);
                fprintf(stderr, "visible admin create-account: %s%s%s\n", err.field[0] ? err.field : "",
                        err.field[0] ? ": " : "", err.msg);
                rc = err.code == VIS_EINVAL || err.code == VIS_ECONFLICT ? 2 : 1;
            } else {
                if (account_record(db, &a, "account_created", -1, now, &err) || store_commit(db, &err)) {
                    fprintf(stderr, "visible admin create-account: %s\n", err.msg);
                } else {
                    json_t *o = JSON_PACK("{s:o, s:s}", "account", http_account_json(&a), "token", tok);
                    char *s = json_dumps(o, JSON_INDENT(2));
                    printf("%s\n", s);
                    free(s);
                    json_decref(o);
                    rc = 0;
                }
            }
        }
    }
    store_disconnect(db);
    store_pool_close(pool);
    return rc;
}

int cmd_admin(int argc, char **argv)
{
    static const char *help = "usage: visible admin create-account ...   (see 'visible admin create-account --help')\n";
    if (argc >= 2 && !strcmp(argv[1], "create-account")) return admin_create(argc - 1, argv + 1);
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return 0;
    }
    fputs(help, stderr);
    return 2;
}
