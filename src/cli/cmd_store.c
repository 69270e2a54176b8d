/* cmd_store — `visible store`: the database itself.
 *   migrate --db PATH|CONNINFO   apply the embedded migrations and exit
 *   copy --from A --to B         move a whole platform between databases
 * A and B are SQLite files or libpq connection strings (store.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "cli/commands.h"
#include "store/store.h"

static const char *help =
    "usage: visible store migrate --db PATH|CONNINFO\n"
    "       visible store copy --from PATH|CONNINFO --to PATH|CONNINFO\n"
    "\n"
    "PATH is a SQLite file; CONNINFO a libpq connection string (postgresql://...,\n"
    "or host=... dbname=...; several hosts allowed) selecting PostgreSQL.\n"
    "\n"
    "migrate  apply every migration this binary embeds that the database lacks,\n"
    "         print 'schema version N' and exit. Run it once before starting\n"
    "         several `visible serve` nodes on one PostgreSQL database.\n"
    "copy     move a whole platform: the target (new and empty: no row but those\n"
    "         the migrations write) is migrated to the source's schema, which must\n"
    "         be this binary's, and every table is copied exactly, in one\n"
    "         transaction on the target from one snapshot of the source; prints\n"
    "         each table's row count. Stop the servers on the source first.\n"
    "         Afterwards `visible journal verify --db TARGET` passes and every\n"
    "         balance is the same; new rows on the target get fresh ids.\n"
    "\n"
    "Exit status: 0 done; 1 the database failed (cannot connect, SQL error:\n"
    "no row was copied); 2 usage, or a copy refused (target not\n"
    "empty, source at another schema version).\n";

/* Where a path or connection string is shown: never a conninfo, which may
 * hold a password. */
static const char *shown(const char *db) { return store_is_pg(db) ? "the PostgreSQL database" : db; }

static int open_store(const char *db, store_pool **pool, store **s, vis_err *err)
{
    store_opts so = {.sync_full = true, .busy_timeout_ms = 5000};
    *pool = NULL;
    *s = NULL;
    return store_pool_open(pool, db, &so, err) || store_connect(*pool, s, err) ? VIS_ESTORE : 0;
}

static int parse(int argc, char **argv, const char **db, const char **from, const char **to)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"from", required_argument, 0, 'f'},
                                         {"to", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': *db = optarg; break;
        case 'f': *from = optarg; break;
        case 't': *to = optarg; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "visible store %s: unexpected argument '%s'\n", argv[0], argv[optind]);
        return 2;
    }
    return -1;
}

static int store_migrate_cmd(int argc, char **argv)
{
    const char *db = NULL, *from = NULL, *to = NULL;
    int rc = parse(argc, argv, &db, &from, &to);
    if (rc >= 0) return rc;
    if (!db || from || to) {
        fprintf(stderr, "visible store migrate: --db is required (and only it)\n%s", help);
        return 2;
    }
    store_pool *pool;
    store *s;
    vis_err err;
    rc = 1;
    if (open_store(db, &pool, &s, &err) || store_migrate(s, clock_now_ms(NULL), &err))
        fprintf(stderr, "visible store migrate: %s\n", err.msg);
    else {
        printf("schema version %d\n", store_schema_version(s));
        rc = 0;
    }
    store_disconnect(s);
    store_pool_close(pool);
    return rc;
}

static int store_copy_cmd(int argc, char **argv)
{
    const char *db = NULL, *from = NULL, *to = NULL;
    int rc = parse(argc, argv, &db, &from, &to);
    if (rc >= 0) return rc;
    if (!from || !to || db) {
        fprintf(stderr, "visible store copy: --from and --to are required\n%s", help);
        return 2;
    }
    if (!store_is_pg(from) && access(from, R_OK)) {
        fprintf(stderr, "visible store copy: no database at %s\n", from);
        return 2;
    }
    if (!strcmp(from, to)) {
        fprintf(stderr, "visible store copy: --from and --to name the same database\n");
        return 2;
    }
    store_pool *fp = NULL, *tp = NULL;
    store *fs = NULL, *ts = NULL;
    vis_err err;
    rc = 1;
    if (open_store(from, &fp, &fs, &err))
        fprintf(stderr, "visible store copy: source: %s\n", err.msg);
    else if (open_store(to, &tp, &ts, &err))
        fprintf(stderr, "visible store copy: target: %s\n", err.msg);
    else {
        printf("copying %s (%s) to %s (%s)\n", shown(from), store_pool_engine(fp), shown(to), store_pool_engine(tp));
        fflush(stdout);
        int64_t t0 = clock_mono_ns();
        if (store_copy(fs, ts, clock_now_ms(NULL), stdout, &err)) {
            fprintf(stderr, "visible store copy: %s%s\n", err.msg,
                    err.code == VIS_EINVAL ? "" : " (no row was copied)");
            rc = err.code == VIS_EINVAL ? 2 : 1;
        } else {
            printf("done: schema version %d, %.1f s\n", store_schema_version(ts),
                   (double)(clock_mono_ns() - t0) / 1e9);
            rc = 0;
        }
    }
    store_disconnect(ts);
    store_disconnect(fs);
    store_pool_close(tp);
    store_pool_close(fp);
    return rc;
}

int cmd_store(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "migrate")) return store_migrate_cmd(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "copy")) return store_copy_cmd(argc - 1, argv + 1);
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return 0;
    }
    fputs(help, stderr);
    return 2;
}
