/* store — what every driver shares (see store.h and store_int.h): the pool,
 * transaction nesting and read snapshots, statement timing, the one-row,
 * single-value and id-list reads, and the migration runner. Each call is
 * passed to the connection's driver for what is engine-specific. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/clock.h"
#include "store/store_int.h"

bool store_is_pg(const char *path)
{
    return !strncmp(path, "postgresql://", 13) || !strncmp(path, "postgres://", 11) ||
           (strchr(path, '=') && (strstr(path, "dbname=") || strstr(path, "host=")));
}

int store_pool_open(store_pool **out, const char *path, const store_opts *o, vis_err *err)
{
    (void)err;
    store_pool *p = mem_calloc(1, sizeof *p);
    p->drv = store_is_pg(path) ? &store_pg_driver : &store_sqlite_driver;
    p->path = mem_strdup(path);
    if (o) p->opts = *o;
    else {
        p->opts.sync_full = true;
        p->opts.busy_timeout_ms = 5000;
    }
    pthread_mutex_init(&p->write_lock, NULL);
    *out = p;
    return 0;
}

void store_pool_close(store_pool *p)
{
    if (!p) return;
    pthread_mutex_destroy(&p->write_lock);
    free(p->path);
    free(p);
}

const char *store_pool_path(const store_pool *p) { return p->path; }
const char *store_pool_engine(const store_pool *p) { return p->drv->name; }

void store_pool_stats(store_pool *p, int64_t *ns, int64_t *calls)
{
    *ns = atomic_load(&p->ns);
    *calls = atomic_load(&p->calls);
}

int store_connect(store_pool *p, store **out, vis_err *err)
{
    *out = NULL;
    if (p->drv->connect(p, out, err)) return err->code ? err->code : VIS_ESTORE;
    (*out)->drv = p->drv;
    (*out)->pool = p;
    return 0;
}

void store_disconnect(store *s)
{
    if (s) s->drv->disconnect(s);
}

int store_exec_script(store *s, const char *sql, vis_err *err) { return s->drv->script(s, sql, err); }

/* ---- transactions ---- */

int store_read_begin(store *s, vis_err *err)
{
    if (s->depth > 0 || s->reading) return 0;
    if (s->drv->ctl(s, STORE_READ, err)) return err->code;
    s->reading = true;
    return 0;
}

void store_read_end(store *s)
{
    if (!s->reading) return;
    s->reading = false;
    vis_err e;
    if (s->drv->ctl(s, STORE_COMMIT, &e)) s->drv->ctl(s, STORE_ROLLBACK, &e);
}

int store_begin(store *s, vis_err *err)
{
    store_read_end(s); /* a write inside a read: the snapshot ends here */
    if (s->depth++ > 0) return 0;
    pthread_mutex_lock(&s->pool->write_lock);
    s->failed = false;
    if (s->drv->ctl(s, STORE_BEGIN, err)) {
        s->depth = 0;
        pthread_mutex_unlock(&s->pool->write_lock);
        return err->code;
    }
    return 0;
}

int store_commit(store *s, vis_err *err)
{
    if (s->depth <= 0) return vis_errf(err, VIS_ESTORE, NULL, NULL, "commit outside a transaction");
    if (--s->depth > 0) return 0;
    int rc = 0;
    vis_err e;
    if (s->failed) {
        s->drv->ctl(s, STORE_ROLLBACK, &e);
        rc = vis_errf(err, VIS_ESTORE, NULL, NULL, "transaction rolled back by an inner failure");
    } else if (s->drv->ctl(s, STORE_COMMIT, err)) {
        rc = err->code;
        s->drv->ctl(s, STORE_ROLLBACK, &e);
    }
    pthread_mutex_unlock(&s->pool->write_lock);
    return rc;
}

void store_rollback(store *s)
{
    if (s->depth <= 0) return;
    if (--s->depth > 0) {
        s->failed = true;
        return;
    }
    vis_err e;
    s->drv->ctl(s, STORE_ROLLBACK, &e);
    pthread_mutex_unlock(&s->pool->write_lock);
}

bool store_in_tx(const store *s) { return s->depth > 0; }

int store_job_begin(store *s, vis_err *err)
{
    if (s->depth <= 0) return vis_errf(err, VIS_ESTORE, NULL, NULL, "savepoint outside a transaction");
    if (s->drv->ctl(s, STORE_SAVEPOINT, err)) return err->code;
    s->failed = false;
    s->depth++;
    return 0;
}

int store_job_end(store *s, bool ok, vis_err *err)
{
    s->depth--;
    int rc = 0;
    if (!ok || s->failed) rc = s->drv->ctl(s, STORE_ROLLBACK_TO, err);
    if (!rc) rc = s->drv->ctl(s, STORE_RELEASE, err);
    s->failed = false;
    return rc;
}

/* ---- statements ---- */

/* The prepared statement; one that writes, run in autocommit inside a read
 * snapshot, ends the snapshot first (it would be refused for a stale one). */
static store_stmt *prepare(store *s, const char *sql, vis_err *err)
{
    store_stmt *q = s->drv->prepare(s, sql, err);
    if (!q) return NULL;
    if (s->reading && s->drv->writes(q)) store_read_end(s);
    q->t0 = clock_mono_ns();
    return q;
}

static store_stmt *query_va(store *s, const char *sql, vis_err *err, const char *fmt, va_list ap)
{
    store_stmt *q = prepare(s, sql, err);
    if (!q) return NULL;
    if (s->drv->bind(q, fmt, ap, err)) {
        store_done(q);
        return NULL;
    }
    return q;
}

store_stmt *store_query(store *s, const char *sql, vis_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    store_stmt *q = query_va(s, sql, err, fmt, ap);
    va_end(ap);
    return q;
}

int store_row(store_stmt *q, vis_err *err)
{
    int r = q->owner->drv->row(q, err);
    if (r < 0 && q->owner->depth > 0) q->owner->failed = true;
    return r;
}

void store_done(store_stmt *q)
{
    if (!q) return;
    q->owner->drv->reset(q);
    store_pool *p = q->owner->pool;
    atomic_fetch_add(&p->ns, clock_mono_ns() - q->t0);
    atomic_fetch_add(&p->calls, 1);
}

int store_one(store *s, const char *sql, store_stmt **row, vis_err *err, const char *fmt, ...)
{
    *row = NULL;
    va_list ap;
    va_start(ap, fmt);
    store_stmt *q = query_va(s, sql, err, fmt, ap);
    va_end(ap);
    if (!q) return err->code;
    int r = store_row(q, err);
    if (r == 1) {
        *row = q;
        return 0;
    }
    store_done(q);
    return r < 0 ? err->code : 0;
}

/* Run; with out, read the first column of the first row (1 found, 0 none). */
static int exec_va(store *s, const char *sql, vis_err *err, const char *fmt, va_list ap, int64_t *out)
{
    store_stmt *q = query_va(s, sql, err, fmt, ap);
    if (!q) return err->code ? err->code : VIS_ESTORE;
    int rc = 0;
    int r = store_row(q, err);
    if (r < 0) rc = err->code ? err->code : VIS_ESTORE;
    else if (out) {
        rc = r;
        if (r == 1) *out = store_col_i64(q, 0);
    }
    store_done(q);
    return rc;
}

int store_exec(store *s, const char *sql, vis_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = exec_va(s, sql, err, fmt, ap, NULL);
    va_end(ap);
    return rc;
}

int store_get_i64(store *s, const char *sql, int64_t *out, vis_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int64_t v = 0;
    int rc = exec_va(s, sql, err, fmt, ap, &v);
    va_end(ap);
    if (rc == 1) *out = v;
    if (rc != 0 && rc != 1) return -1;
    return rc;
}

int store_ids(store *s, const char *sql, int64_t **ids, size_t *n, vis_err *err, const char *fmt, ...)
{
    *ids = NULL;
    *n = 0;
    va_list ap;
    va_start(ap, fmt);
    store_stmt *q = query_va(s, sql, err, fmt, ap);
    va_end(ap);
    if (!q) return err->code ? err->code : VIS_ESTORE;
    size_t cap = 0;
    int r;
    while ((r = store_row(q, err)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *ids = mem_realloc(*ids, cap * sizeof **ids);
        }
        (*ids)[(*n)++] = store_col_i64(q, 0);
    }
    store_done(q);
    if (r < 0) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return err->code ? err->code : VIS_ESTORE;
    }
    return 0;
}

/* ---- uncached statements (store_copy.c) ---- */

store_stmt *store_prepare_once(store *s, const char *sql, vis_err *err)
{
    store_stmt *q = s->drv->prepare_once(s, sql, err);
    if (q) q->t0 = clock_mono_ns();
    return q;
}

int store_bind_vals(store_stmt *q, const store_val *v, int n, vis_err *err)
{
    q->t0 = clock_mono_ns();
    int rc = q->owner->drv->bind_vals(q, v, n, err);
    if (rc && q->owner->depth > 0) q->owner->failed = true;
    return rc;
}

void store_val_at(store_stmt *q, int col, store_val *v) { q->owner->drv->col_val(q, col, v); }

void store_finalize(store_stmt *q)
{
    if (q) q->owner->drv->finalize(q);
}

int64_t store_changes(store *s) { return s->drv->changes(s); }
int64_t store_last_id(store *s) { return s->drv->last_id(s); }
int store_checkpoint(store *s, vis_err *err) { return s->drv->checkpoint(s, err); }

int64_t store_col_i64(store_stmt *q, int col) { return q->owner->drv->col_i64(q, col); }
bool store_col_null(store_stmt *q, int col) { return q->owner->drv->col_null(q, col); }
const char *store_col_text(store_stmt *q, int col) { return q->owner->drv->col_text(q, col); }
const void *store_col_blob(store_stmt *q, int col, size_t *len) { return q->owner->drv->col_blob(q, col, len); }

/* ---- migrations ---- */

int store_schema_latest(void)
{
    int v = 0;
    for (const store_migration *m = store_migrations; m->version; m++)
        if (m->version > v) v = m->version;
    return v;
}

int store_schema_count(store *s)
{
    int64_t n = 0;
    vis_err e;
    if (store_get_i64(s, "SELECT COUNT(*) FROM schema_migrations", &n, &e, "") < 0) return 0;
    return (int)n;
}

int store_schema_version(store *s)
{
    int64_t v = 0;
    vis_err e;
    if (store_get_i64(s, "SELECT COALESCE(MAX(version),0) FROM schema_migrations", &v, &e, "") < 0) return 0;
    return (int)v;
}

static int script(store *s, const char *sql, vis_err *err)
{
    char *own = s->drv->ddl ? s->drv->ddl(sql) : NULL;
    int rc = store_exec_script(s, own ? own : sql, err);
    free(own);
    return rc;
}

int store_migrate(store *s, int64_t now_ms, vis_err *err)
{
    if (script(s,
               "CREATE TABLE IF NOT EXISTS schema_migrations("
               "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL) STRICT",
               err))
        return VIS_ESTORE;
    /* apply every migration not yet recorded (by number, so that
       migrations written in parallel branches all get applied) */
    for (const store_migration *m = store_migrations; m->version; m++) {
        int64_t done = 0;
        int r = store_get_i64(s, SQL_MIGRATION_DONE, &done, err, "i", (int64_t)m->version);
        if (r < 0) return VIS_ESTORE;
        if (r == 1) continue;
        if (store_begin(s, err)) return VIS_ESTORE;
        if ((m->sql && script(s, m->sql, err)) || (m->fn && m->fn(s, err)) ||
            (s->drv->migrated && s->drv->migrated(s, err)) ||
            store_exec(s, SQL_MIGRATION_RECORD, err, "iti", (int64_t)m->version, m->name, now_ms)) {
            store_rollback(s);
            return VIS_ESTORE;
        }
        if (store_commit(s, err)) return VIS_ESTORE;
    }
    return 0;
}
