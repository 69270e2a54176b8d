/*
 * store — persistence behind one small API, one SQL dialect.
 *
 * A store_pool names a database and owns what connections share (the write
 * lock, timing counters); each thread opens its own store connection from
 * it. SQL text lives in src/store/sql_*.c as named constants; callers pass
 * those constants and bind parameters — statements are prepared once per
 * connection and cached by the address of their text, so no SQL is ever
 * built from strings. Parameters are written $1, $2, ... (the form both
 * SQLite and PostgreSQL accept) and bound by number.
 *
 * Binding uses a tiny format string: 'i' int64, 't' text (NULL binds
 * NULL), 'b' blob (pointer, size_t length), 'n' NULL, 'I' an int64 that is
 * NULL when negative (optional ids). Example:
 *     store_stmt *q = store_query(db, SQL_ACCOUNT_BY_EMAIL, err, "t", email);
 *     while (store_row(q, err) == 1) ... store_col_i64(q, 0) ...
 *     store_done(q);
 *
 * Transactions nest by counting: the outermost store_begin takes the pool's
 * write lock (writers queue on a mutex instead of spinning on SQLite's busy
 * handler) and runs BEGIN IMMEDIATE; inner ones are no-ops; a rollback at
 * any depth makes the outermost commit roll back. Read-only work runs in
 * a read snapshot (store_read_begin). SQLite runs in WAL mode
 * with foreign keys on; migrations (store_migrate) are numbered and
 * embedded in the binary.
 */
#ifndef VIS_STORE_STORE_H
#define VIS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

typedef struct store_pool store_pool;
typedef struct store store;
typedef struct store_stmt store_stmt;

typedef struct store_opts {
    bool    sync_full;
    int64_t busy_timeout_ms;
} store_opts;

/* path: a SQLite file, or a libpq connection string (postgresql://... or
 * key=value with host= or dbname=; several hosts allowed) for PostgreSQL. */
int  store_pool_open(store_pool **out, const char *path, const store_opts *o, vis_err *err);
bool store_is_pg(const char *path);
void store_pool_close(store_pool *p);
const char *store_pool_path(const store_pool *p);
/* "sqlite" or "postgresql": the engine the path or connection string selects. */
const char *store_pool_engine(const store_pool *p);
/* Total time spent in the store and number of statements, all connections. */
void store_pool_stats(store_pool *p, int64_t *ns, int64_t *calls);

int  store_connect(store_pool *p, store **out, vis_err *err);
void store_disconnect(store *s);

/* Apply every embedded migration not yet applied (recorded at now_ms). */
int  store_migrate(store *s, int64_t now_ms, vis_err *err);
int  store_schema_version(store *s);
/* The newest migration this binary embeds; the number recorded as applied
 * in a database (0 when it has no schema_migrations). */
int  store_schema_latest(void);
int  store_schema_count(store *s);

/* Move a whole platform (store_copy.c): migrate `to` (SQLite or PostgreSQL,
 * holding no row but those the migrations write) to this binary's schema,
 * which `from` must be at, then copy every table's rows exactly, in one
 * transaction on `to`, from one read snapshot of `from`; identity sequences
 * then start past the copied ids. Per table, "NAME ROWS" to progress
 * (may be NULL). VIS_EINVAL when a schema or the target refuses the copy. */
int  store_copy(store *from, store *to, int64_t now_ms, FILE *progress, vis_err *err);

/* Several `visible serve` processes on one PostgreSQL database
 * (store_coord.c); on SQLite one process owns the file and these are
 * trivial (a leader always, nobody to notify).
 * - Leadership: *leader is true when this connection holds the session
 *   lock `key` (a small positive number naming a duty), taking it if free.
 *   The lock lasts as long as the connection: when its process dies,
 *   PostgreSQL ends the session and another node's next try takes it over.
 *   Call it before each round of the duty; it never waits.
 * - Notices: store_notify, inside a transaction, tells every listening
 *   connection `payload` when (and only if) the transaction commits;
 *   store_listen subscribes this connection; store_notices hands every
 *   notice received so far to fn, without waiting. */
int  store_lead(store *s, int64_t key, bool *leader, vis_err *err);
int  store_notify(store *s, const char *payload, vis_err *err);
int  store_listen(store *s, vis_err *err);
int  store_notices(store *s, void (*fn)(void *arg, const char *payload), void *arg, vis_err *err);
/* The kind (vis_err.kind) of a VIS_EBUSY error that running the same
 * transaction again would pass: a serialization failure or a deadlock
 * (PostgreSQL). The transaction is already rolled back. */
#define STORE_RETRY "retry"
/* Duties run by one node at a time (store_lead keys). */
enum { STORE_LEAD_TICKER = 1, STORE_LEAD_DISPATCH = 2 };

int  store_begin(store *s, vis_err *err);
int  store_commit(store *s, vis_err *err);
void store_rollback(store *s);
bool store_in_tx(const store *s);
/* A read snapshot: every statement until store_read_end sees the database
 * as of the first read, without taking the writers' lock (read-only
 * requests run in one, so a balance read with three statements never sees
 * half a transfer). A store_begin, or a statement that writes, ends the
 * snapshot first; inside a transaction both calls do nothing. */
int  store_read_begin(store *s, vis_err *err);
void store_read_end(store *s);
/* Inside a transaction: run one job in a savepoint. store_job_end keeps its
 * changes if ok and nothing inside rolled back, else undoes only them. */
int  store_job_begin(store *s, vis_err *err);
int  store_job_end(store *s, bool ok, vis_err *err);

/* Prepare (cached), bind by format, return the statement ready to step. */
store_stmt *store_query(store *s, const char *sql, vis_err *err, const char *fmt, ...);
/* 1 = a row is ready, 0 = done, -1 = error. */
int  store_row(store_stmt *q, vis_err *err);
/* The one-row read, for statements that select at most one row (by a unique
 * key, or LIMIT 1): returns 0 with *row set to the row (read its columns,
 * then store_done(*row)) or to NULL when there is none; or an error code,
 * err filled, *row NULL. It cannot be misread: "no row" is not an error and
 * an error is never "no row".
 *     store_stmt *q;
 *     if (store_one(db, SQL_X, &q, err, "i", id)) return err->code;
 *     if (!q) return vis_errf(err, VIS_ENOTFOUND, ...);
 *     x = store_col_i64(q, 0);
 *     store_done(q); */
__attribute__((warn_unused_result)) int store_one(store *s, const char *sql, store_stmt **row, vis_err *err,
                                                  const char *fmt, ...);
/* Reset the statement for reuse (always call after store_query). */
void store_done(store_stmt *q);
/* Run a statement that returns no rows; returns 0 or an error code. */
int  store_exec(store *s, const char *sql, vis_err *err, const char *fmt, ...);
/* Run a statement and read the first column of its first row as int64.
 * Returns 1 if a row was found, 0 if none, -1 on error (err filled). */
int  store_get_i64(store *s, const char *sql, int64_t *out, vis_err *err, const char *fmt, ...);
/* Run a query and collect the first column of every row as int64 (ids);
 * *ids is malloc'd (free it), NULL when there is no row. 0 or an error. */
int  store_ids(store *s, const char *sql, int64_t **ids, size_t *n, vis_err *err, const char *fmt, ...);
int64_t store_changes(store *s);
/* Copy committed WAL pages into the database without blocking writers
 * (connections do not checkpoint on commit; the server's ticker calls this);
 * when the log has grown past 32 MiB, reset and truncate it, holding the
 * writers back for the few milliseconds that takes. */
int  store_checkpoint(store *s, vis_err *err);
int64_t store_last_id(store *s);

int64_t     store_col_i64(store_stmt *q, int col);
bool        store_col_null(store_stmt *q, int col);
const char *store_col_text(store_stmt *q, int col); /* "" for NULL */
const void *store_col_blob(store_stmt *q, int col, size_t *len);

/* Run raw SQL with no parameters (migrations and tests only). */
int  store_exec_script(store *s, const char *sql, vis_err *err);

#endif
