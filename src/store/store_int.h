/* store_int — internals shared by the store's drivers: the parts common to
 * every engine (pool, connection, statement headers; transaction nesting,
 * read snapshots, statement timing, the one-row and id-list reads and the
 * migration runner live in store.c), the driver interface each engine
 * implements (store_sqlite.c, store_pg.c), and the embedded migrations.
 *
 * What differs between SQLite and PostgreSQL is confined to the drivers
 * and named there: connecting, transaction-control text, preparing and
 * binding, reading columns, the DDL of migrations (driver->ddl), WAL
 * checkpoints. SQL statements themselves are written once, in the subset
 * both engines accept. */
#ifndef VIS_STORE_INT_H
#define VIS_STORE_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

typedef struct store_driver store_driver;

struct store_pool {
    const store_driver *drv;
    char               *path; /* a file path (SQLite) or a libpq connection string */
    store_opts          opts;
    pthread_mutex_t     write_lock; /* writers of this process queue here before BEGIN */
    atomic_llong        ns, calls;
};

/* The head of every driver's connection. */
struct store {
    const store_driver *drv;
    store_pool         *pool;
    int                 depth;   /* transaction nesting */
    bool                failed;  /* an inner rollback dooms the outermost commit */
    bool                reading; /* inside store_read_begin's snapshot */
};

/* The head of every driver's prepared statement. */
struct store_stmt {
    store      *owner;
    const char *sql;
    int64_t     t0;
};

/* Transaction-control steps (driver->ctl). */
enum { STORE_BEGIN, STORE_COMMIT, STORE_ROLLBACK, STORE_SAVEPOINT, STORE_ROLLBACK_TO, STORE_RELEASE, STORE_READ,
       STORE_CTL_N };

struct store_driver {
    const char *name;
    int  (*connect)(store_pool *p, store **out, vis_err *err);
    void (*disconnect)(store *s);
    int  (*script)(store *s, const char *sql, vis_err *err);
    int  (*ctl)(store *s, int which, vis_err *err);
    /* the cached statement for this text (by address), ready to bind */
    store_stmt *(*prepare)(store *s, const char *sql, vis_err *err);
    bool (*writes)(store_stmt *q); /* the statement may change data */
    int  (*bind)(store_stmt *q, const char *fmt, va_list ap, vis_err *err);
    int  (*row)(store_stmt *q, vis_err *err); /* 1 row, 0 done, -1 error */
    void (*reset)(store_stmt *q);
    int64_t     (*col_i64)(store_stmt *q, int col);
    bool        (*col_null)(store_stmt *q, int col);
    const char *(*col_text)(store_stmt *q, int col);
    const void *(*col_blob)(store_stmt *q, int col, size_t *len);
    int64_t (*changes)(store *s);
    int64_t (*last_id)(store *s);
    int     (*checkpoint)(store *s, vis_err *err);
    /* A migration's SQL as this engine needs it (malloc'd), NULL: as written. */
    char *(*ddl)(const char *sql);
    /* After a migration, in its transaction (NULL: nothing to do). */
    int (*migrated)(store *s, vis_err *err);
};

extern const store_driver store_sqlite_driver;
extern const store_driver store_pg_driver;

/* A migration's SQLite DDL as PostgreSQL's (malloc'd; store_pg.c). */
char *store_pg_ddl(const char *sql);

typedef struct store_migration {
    int         version;
    const char *name;
    const char *sql;
    /* or a step of the driver's own, run in the migration's transaction */
    int (*fn)(struct store *s, struct vis_err *err);
} store_migration;

/* Migration 7 (SQLite): every CHECK (col IN ('a','b',...)) rewritten as
 * CHECK (col = 'a' OR col = 'b' ...). Equivalent (NULL included), but SQLite
 * evaluates an IN list of more than two constants by building a temporary
 * b-tree on every INSERT or UPDATE that checks it; comparisons need none.
 * Done by SQLite's documented in-place schema edit (writable_schema and a
 * new schema_version), as the stored rows do not change. Nothing to do on
 * PostgreSQL. */
int store_sqlite_checks_as_comparisons(struct store *s, struct vis_err *err);
/* The rewrite of one CREATE TABLE statement (malloc'd; NULL on allocation failure). */
char *store_sqlite_rewrite_checks(const char *sql);

/* Numbered migrations, in order, ending with {0, NULL, NULL, NULL}. */
extern const store_migration store_migrations[];

extern const char SQL_MIGRATION_RECORD[];
extern const char SQL_MIGRATION_DONE[];

#endif
