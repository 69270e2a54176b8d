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

/* A value of any column, read or bound by the whole-database copy
 * (store_copy.c), whose statements are built from catalog names. TEXT and
 * BLOB point into the statement (valid until its next row or reset). */
typedef enum { STORE_NULL, STORE_INT, STORE_REAL, STORE_TEXT, STORE_BLOB } store_type;
typedef struct store_val {
    store_type  type;
    int64_t     i;
    double      r;
    const void *p;
    size_t      len;
} store_val;

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
    /* After a migration, in its transaction (NULL: nothing to do); also
       after store_copy has filled the tables. */
    int (*migrated)(store *s, vis_err *err);

    /* Statements built at run time from catalog names (store_copy.c): not
       cached (the cache is keyed by the text's address), finalized by the
       caller; a reading one streams its rows. */
    store_stmt *(*prepare_once)(store *s, const char *sql, vis_err *err);
    void (*finalize)(store_stmt *q);
    /* bind n values (as bind does: on PostgreSQL the statement then runs),
       n at most max_vals (store_copy's multi-row INSERTs use them all) */
    int (*bind_vals)(store_stmt *q, const store_val *v, int n, vis_err *err);
    int max_vals;
    /* the column's value with its type */
    void (*col_val)(store_stmt *q, int col, store_val *v);
    /* catalog queries: the tables of the current schema in creation order
       (one column: name), and a table's columns in order ($1 the table) */
    const char *sql_tables;
    const char *sql_columns;

    /* Several processes on one database (store_coord.c). NULL on an engine
       one process owns (SQLite): leadership is then always this process's
       and there is nobody to tell. */
    const char *sql_lead;   /* $1 the key: 1 when this session holds the lock (taken now or before), else 0 */
    const char *sql_notify; /* $1 the payload, sent on channel "visible" when the transaction commits */
    const char *sql_listen; /* subscribe this session to channel "visible" */
    /* Hand every notice received so far to fn (never waits); 0 or an error. */
    int (*notices)(store *s, void (*fn)(void *arg, const char *payload), void *arg, vis_err *err);
};

/* The uncached statements, as store_query/store_row/store_done for the
 * cached ones (store.c): prepare; bind the values and run; rows with
 * store_row and store_val_at; store_done after each run; store_finalize. */
store_stmt *store_prepare_once(store *s, const char *sql, vis_err *err);
int  store_bind_vals(store_stmt *q, const store_val *v, int n, vis_err *err);
void store_val_at(store_stmt *q, int col, store_val *v);
void store_finalize(store_stmt *q);

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
/* The rewrite of one CREATE TABLE statement (malloc'd). */
char *store_sqlite_rewrite_checks(const char *sql);

/* Numbered migrations, in order, ending with {0, NULL, NULL, NULL}. */
extern const store_migration store_migrations[];

extern const char SQL_MIGRATION_RECORD[];
extern const char SQL_MIGRATION_DONE[];

#endif
