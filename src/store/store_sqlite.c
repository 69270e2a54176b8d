/* store_sqlite — the SQLite driver of the store (see store.h). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "core/clock.h"
#include "store/store.h"
#include "store/store_int.h"

struct store_pool {
    char           *path;
    store_opts      opts;
    pthread_mutex_t write_lock;
    atomic_llong    ns, calls;
};

#define CACHE_SLOTS 256

#define MAX_PARAMS 40

struct store_stmt {
    sqlite3_stmt *st;
    const char   *sql;
    store        *owner;
    int64_t       t0;
    int           nparams;
    unsigned char idx[MAX_PARAMS]; /* SQLite's index of $1, $2, ... (0: unused) */
};

enum { CTL_BEGIN, CTL_COMMIT, CTL_ROLLBACK, CTL_SAVEPOINT, CTL_ROLLBACK_TO, CTL_RELEASE, CTL_READ, CTL_N };
static const char *const ctl_sql[CTL_N] = {"BEGIN IMMEDIATE", "COMMIT",      "ROLLBACK", "SAVEPOINT job",
                                           "ROLLBACK TO job", "RELEASE job", "BEGIN"};

struct store {
    store_pool *pool;
    sqlite3    *db;
    sqlite3_stmt *ctl[CTL_N]; /* transaction control, prepared once */
    int         depth;
    bool        failed;
    bool        reading; /* inside store_read_begin's snapshot */
    store_stmt  cache[CACHE_SLOTS];
};

int store_pool_open(store_pool **out, const char *path, const store_opts *o, vis_err *err)
{
    store_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        free(p);
        return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
    }
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

void store_pool_stats(store_pool *p, int64_t *ns, int64_t *calls)
{
    *ns = atomic_load(&p->ns);
    *calls = atomic_load(&p->calls);
}

static int fail(store *s, vis_err *err, const char *what)
{
    int rc = sqlite3_extended_errcode(s->db);
    int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? VIS_EBUSY : VIS_ESTORE;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) code = VIS_ECONFLICT;
    return vis_errf(err, code, code == VIS_ECONFLICT ? "conflict" : "store_error", NULL, "%s: %s", what,
                    sqlite3_errmsg(s->db));
}

int store_connect(store_pool *p, store **out, vis_err *err)
{
    store *s = calloc(1, sizeof *s);
    if (!s) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
    s->pool = p;
    int rc = sqlite3_open_v2(p->path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        vis_errf(err, VIS_ESTORE, NULL, NULL, "cannot open database %s: %s", p->path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sqlite3_close(s->db);
        free(s);
        return VIS_ESTORE;
    }
    sqlite3_busy_timeout(s->db, (int)p->opts.busy_timeout_ms);
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA page_size=1024; PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=%s;"
             "PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=0;",
             p->opts.sync_full ? "FULL" : "NORMAL");
    if (store_exec_script(s, pragmas, err)) {
        store_disconnect(s);
        return VIS_ESTORE;
    }
    *out = s;
    return 0;
}

void store_disconnect(store *s)
{
    if (!s) return;
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (s->cache[i].st) sqlite3_finalize(s->cache[i].st);
    for (int i = 0; i < CTL_N; i++) sqlite3_finalize(s->ctl[i]);
    sqlite3_close(s->db);
    free(s);
}

int store_exec_script(store *s, const char *sql, vis_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        vis_errf(err, VIS_ESTORE, NULL, NULL, "%s", msg ? msg : "sql error");
        sqlite3_free(msg);
        return VIS_ESTORE;
    }
    return 0;
}

/* Run a transaction-control statement (prepared once per connection). */
static int ctl(store *s, int which)
{
    if (!s->ctl[which] && sqlite3_prepare_v3(s->db, ctl_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->ctl[which],
                                             NULL) != SQLITE_OK)
        return sqlite3_errcode(s->db);
    int rc = sqlite3_step(s->ctl[which]);
    sqlite3_reset(s->ctl[which]);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* A read snapshot (store.h): a deferred BEGIN, so SQLite's WAL gives every
 * statement until the end the database as it was at the first read, and no
 * lock is taken that a writer would wait on. */
int store_read_begin(store *s, vis_err *err)
{
    if (s->depth > 0 || s->reading) return 0;
    if (ctl(s, CTL_READ) != SQLITE_OK) return fail(s, err, "begin read");
    s->reading = true;
    return 0;
}

void store_read_end(store *s)
{
    if (!s->reading) return;
    s->reading = false;
    if (ctl(s, CTL_COMMIT) != SQLITE_OK) ctl(s, CTL_ROLLBACK);
}

int store_begin(store *s, vis_err *err)
{
    store_read_end(s); /* a write inside a read: the snapshot ends here */
    if (s->depth++ > 0) return 0;
    pthread_mutex_lock(&s->pool->write_lock);
    s->failed = false;
    if (ctl(s, CTL_BEGIN) != SQLITE_OK) {
        int rc = fail(s, err, "begin");
        s->depth = 0;
        pthread_mutex_unlock(&s->pool->write_lock);
        return rc;
    }
    return 0;
}

int store_commit(store *s, vis_err *err)
{
    if (s->depth <= 0) return vis_errf(err, VIS_ESTORE, NULL, NULL, "commit outside a transaction");
    if (--s->depth > 0) return 0;
    int rc = 0;
    if (s->failed) {
        ctl(s, CTL_ROLLBACK);
        rc = vis_errf(err, VIS_ESTORE, NULL, NULL, "transaction rolled back by an inner failure");
    } else if (ctl(s, CTL_COMMIT) != SQLITE_OK) {
        rc = fail(s, err, "commit");
        ctl(s, CTL_ROLLBACK);
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
    ctl(s, CTL_ROLLBACK);
    pthread_mutex_unlock(&s->pool->write_lock);
}

bool store_in_tx(const store *s) { return s->depth > 0; }

int store_job_begin(store *s, vis_err *err)
{
    if (s->depth <= 0) return vis_errf(err, VIS_ESTORE, NULL, NULL, "savepoint outside a transaction");
    if (ctl(s, CTL_SAVEPOINT) != SQLITE_OK) return fail(s, err, "savepoint");
    s->failed = false;
    s->depth++;
    return 0;
}

int store_job_end(store *s, bool ok, vis_err *err)
{
    s->depth--;
    int rc = SQLITE_OK;
    if (!ok || s->failed) rc = ctl(s, CTL_ROLLBACK_TO);
    if (rc == SQLITE_OK) rc = ctl(s, CTL_RELEASE);
    s->failed = false;
    return rc == SQLITE_OK ? 0 : fail(s, err, "release savepoint");
}

/* A statement that writes, run in autocommit inside a read snapshot: the
 * snapshot ends first, so the write is not refused for a stale snapshot. */
static store_stmt *ready(store *s, store_stmt *c)
{
    if (s->reading && !sqlite3_stmt_readonly(c->st)) store_read_end(s);
    return c;
}

static store_stmt *prepare(store *s, const char *sql, vis_err *err)
{
    size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        store_stmt *c = &s->cache[(h + i) % CACHE_SLOTS];
        if (c->sql == sql) return ready(s, c);
        if (!c->sql) {
            if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st, NULL) != SQLITE_OK) {
                fail(s, err, "prepare");
                c->st = NULL;
                return NULL;
            }
            c->sql = sql;
            c->owner = s;
            /* map $1..$n to SQLite's parameter indexes once, not per bind */
            c->nparams = sqlite3_bind_parameter_count(c->st);
            for (int k = 0; k < c->nparams && k < MAX_PARAMS; k++) {
                char name[16];
                snprintf(name, sizeof name, "$%d", k + 1);
                c->idx[k] = (unsigned char)sqlite3_bind_parameter_index(c->st, name);
            }
            return ready(s, c);
        }
    }
    vis_errf(err, VIS_ESTORE, NULL, NULL, "statement cache full");
    return NULL;
}

static int bind_va(store_stmt *q, const char *fmt, va_list ap, vis_err *err)
{
    sqlite3_stmt *st = q->st;
    int n = q->nparams;
    if ((size_t)n != (fmt ? strlen(fmt) : 0) || n > MAX_PARAMS)
        return vis_errf(err, VIS_ESTORE, NULL, NULL, "statement takes %d parameters, %zu given: %.60s", n,
                        fmt ? strlen(fmt) : 0, q->sql);
    for (int i = 0; fmt && fmt[i]; i++) {
        int idx = q->idx[i];
        int rc = SQLITE_OK;
        switch (fmt[i]) {
        case 'i': {
            int64_t v = va_arg(ap, int64_t);
            if (idx) rc = sqlite3_bind_int64(st, idx, v);
            break;
        }
        case 'I': {
            int64_t v = va_arg(ap, int64_t);
            if (idx) rc = v < 0 ? sqlite3_bind_null(st, idx) : sqlite3_bind_int64(st, idx, v);
            break;
        }
        case 't': {
            const char *v = va_arg(ap, const char *);
            if (idx) rc = v ? sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
            break;
        }
        case 'b': {
            const void *v = va_arg(ap, const void *);
            size_t len = va_arg(ap, size_t);
            if (idx) rc = sqlite3_bind_blob(st, idx, v, (int)len, SQLITE_TRANSIENT);
            break;
        }
        case 'n':
            if (idx) rc = sqlite3_bind_null(st, idx);
            break;
        default:
            return vis_errf(err, VIS_ESTORE, NULL, NULL, "bad bind format '%c'", fmt[i]);
        }
        if (rc != SQLITE_OK) return fail(q->owner, err, "bind");
    }
    return 0;
}

store_stmt *store_query(store *s, const char *sql, vis_err *err, const char *fmt, ...)
{
    store_stmt *q = prepare(s, sql, err);
    if (!q) return NULL;
    q->t0 = clock_mono_ns();
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_va(q, fmt, ap, err);
    va_end(ap);
    if (rc) {
        store_done(q);
        return NULL;
    }
    return q;
}

int store_row(store_stmt *q, vis_err *err)
{
    int rc = sqlite3_step(q->st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    fail(q->owner, err, "step");
    if (q->owner->depth > 0) q->owner->failed = true;
    return -1;
}

int store_one(store *s, const char *sql, store_stmt **row, vis_err *err, const char *fmt, ...)
{
    *row = NULL;
    store_stmt *q = prepare(s, sql, err);
    if (!q) return err->code;
    q->t0 = clock_mono_ns();
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_va(q, fmt, ap, err);
    va_end(ap);
    if (!rc) {
        int r = store_row(q, err);
        if (r == 1) {
            *row = q;
            return 0;
        }
        if (r < 0) rc = err->code;
    }
    store_done(q);
    return rc;
}

void store_done(store_stmt *q)
{
    if (!q) return;
    sqlite3_reset(q->st);
    sqlite3_clear_bindings(q->st);
    store_pool *p = q->owner->pool;
    atomic_fetch_add(&p->ns, clock_mono_ns() - q->t0);
    atomic_fetch_add(&p->calls, 1);
}

static int exec_va(store *s, const char *sql, vis_err *err, const char *fmt, va_list ap, int64_t *out)
{
    store_stmt *q = prepare(s, sql, err);
    if (!q) return err ? err->code : VIS_ESTORE;
    q->t0 = clock_mono_ns();
    int rc = bind_va(q, fmt, ap, err);
    if (!rc) {
        int r = store_row(q, err);
        if (r < 0) rc = err ? err->code : VIS_ESTORE;
        else if (out) {
            rc = r; /* 1 found, 0 none */
            if (r == 1) *out = sqlite3_column_int64(q->st, 0);
        }
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

/* WAL frames (pages of 1 KiB) after which a checkpoint resets the log. */
#define WAL_RESET_FRAMES 32768

int store_checkpoint(store *s, vis_err *err)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) return fail(s, err, "checkpoint");
    /* Under continuous writes and reads a passive checkpoint never lets the
       log start again from its beginning, and the -wal file grows without
       end. Past WAL_RESET_FRAMES, hold the writers' lock (writes wait a few
       milliseconds) and reset it: TRUNCATE waits for the readers of older
       frames to finish, copies the rest and truncates the file. */
    if (log > WAL_RESET_FRAMES) {
        pthread_mutex_lock(&s->pool->write_lock);
        rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
        pthread_mutex_unlock(&s->pool->write_lock);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) return fail(s, err, "checkpoint");
    }
    return 0;
}

int store_ids(store *s, const char *sql, int64_t **ids, size_t *n, vis_err *err, const char *fmt, ...)
{
    *ids = NULL;
    *n = 0;
    store_stmt *q = prepare(s, sql, err);
    if (!q) return err && err->code ? err->code : VIS_ESTORE;
    q->t0 = clock_mono_ns();
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_va(q, fmt, ap, err);
    va_end(ap);
    size_t cap = 0;
    int r = 0;
    while (!rc && (r = store_row(q, err)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *ni = realloc(*ids, cap * sizeof *ni);
            if (!ni) {
                rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
                break;
            }
            *ids = ni;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(q->st, 0);
    }
    if (!rc && r < 0) rc = err && err->code ? err->code : VIS_ESTORE;
    store_done(q);
    if (rc) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

int64_t store_changes(store *s) { return sqlite3_changes64(s->db); }
int64_t store_last_id(store *s) { return sqlite3_last_insert_rowid(s->db); }

int64_t store_col_i64(store_stmt *q, int col) { return sqlite3_column_int64(q->st, col); }
bool store_col_null(store_stmt *q, int col) { return sqlite3_column_type(q->st, col) == SQLITE_NULL; }
const char *store_col_text(store_stmt *q, int col)
{
    const unsigned char *t = sqlite3_column_text(q->st, col);
    return t ? (const char *)t : "";
}
const void *store_col_blob(store_stmt *q, int col, size_t *len)
{
    const void *b = sqlite3_column_blob(q->st, col);
    *len = (size_t)sqlite3_column_bytes(q->st, col);
    return b;
}

int store_schema_version(store *s)
{
    int64_t v = 0;
    vis_err e;
    if (store_get_i64(s, "SELECT COALESCE(MAX(version),0) FROM schema_migrations", &v, &e, "") < 0) return 0;
    return (int)v;
}

int store_migrate(store *s, int64_t now_ms, vis_err *err)
{
    if (store_exec_script(s,
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
        if ((m->sql && store_exec_script(s, m->sql, err)) || (m->fn && m->fn(s, err)) ||
            store_exec(s, SQL_MIGRATION_RECORD, err, "iti", (int64_t)m->version, m->name, now_ms)) {
            store_rollback(s);
            return VIS_ESTORE;
        }
        if (store_commit(s, err)) return VIS_ESTORE;
    }
    return 0;
}

/* ---- migration 7: CHECK (c IN (...)) as comparisons ---- */

static size_t skip_ws(const char *p, size_t i)
{
    while (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') i++;
    return i;
}

/* At p+i: "CHECK (ident IN ('a', 'b', ...))"? Writes the rewrite to b and
 * returns the index after it, or 0 when it is something else. */
static size_t rewrite_one(const char *p, size_t i, buf *b)
{
    if (strncmp(p + i, "CHECK", 5)) return 0;
    size_t j = skip_ws(p, i + 5);
    if (p[j] != '(') return 0;
    j = skip_ws(p, j + 1);
    size_t id0 = j;
    while ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') || (p[j] >= '0' && p[j] <= '9') || p[j] == '_')
        j++;
    size_t idn = j - id0;
    if (!idn) return 0;
    j = skip_ws(p, j);
    if (strncmp(p + j, "IN", 2)) return 0;
    j = skip_ws(p, j + 2);
    if (p[j] != '(') return 0;
    j++;
    buf out;
    buf_init(&out);
    buf_append(&out, "CHECK (", 7);
    for (int n = 0;; n++) {
        j = skip_ws(p, j);
        if (p[j] != '\'') break;
        size_t l0 = j++;
        while (p[j] && !(p[j] == '\'' && p[j + 1] != '\'')) j += p[j] == '\'' ? 2 : 1;
        if (p[j] != '\'') break;
        j++;
        if (n) buf_append(&out, " OR ", 4);
        buf_append(&out, p + id0, idn);
        buf_append(&out, " = ", 3);
        buf_append(&out, p + l0, j - l0);
        j = skip_ws(p, j);
        if (p[j] == ',') {
            j++;
            continue;
        }
        if (p[j] != ')') break;
        j = skip_ws(p, j + 1);
        if (p[j] != ')') break;
        buf_append(&out, ")", 1);
        buf_append(b, out.data, out.len);
        buf_free(&out);
        return j + 1;
    }
    buf_free(&out);
    return 0;
}

char *store_sqlite_rewrite_checks(const char *sql)
{
    buf b;
    buf_init(&b);
    for (size_t i = 0; sql[i];) {
        size_t next = rewrite_one(sql, i, &b);
        if (next) {
            i = next;
        } else {
            buf_append(&b, sql + i, 1);
            i++;
        }
    }
    buf_append(&b, "", 1);
    if (b.oom) {
        buf_free(&b);
        return NULL;
    }
    return b.data;
}

int store_sqlite_checks_as_comparisons(store *s, vis_err *err)
{
    int64_t version = 0;
    if (store_get_i64(s, "PRAGMA schema_version", &version, err, "") < 0) return VIS_ESTORE;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%CHECK%'",
                           -1, &q, NULL) != SQLITE_OK)
        return fail(s, err, "read the schema");
    typedef struct change {
        char *name, *sql;
    } change;
    change *ch = NULL;
    size_t n = 0;
    int rc = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0), *sql = (const char *)sqlite3_column_text(q, 1);
        char *re = store_sqlite_rewrite_checks(sql);
        if (!re) {
            rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
            break;
        }
        if (!strcmp(re, sql)) {
            free(re);
            continue;
        }
        change *t = realloc(ch, (n + 1) * sizeof *ch);
        if (!t || !(t[n].name = strdup(name))) {
            free(re);
            ch = t ? t : ch;
            rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
            break;
        }
        ch = t;
        ch[n++].sql = re;
    }
    sqlite3_finalize(q);
    if (!rc && n) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA schema_version = %lld", (long long)version + 1);
        rc = store_exec_script(s, "PRAGMA writable_schema = ON", err);
        for (size_t i = 0; i < n && !rc; i++)
            rc = store_exec(s, "UPDATE sqlite_schema SET sql = $2 WHERE type = 'table' AND name = $1", err, "tt",
                            ch[i].name, ch[i].sql);
        if (!rc) rc = store_exec_script(s, bump, err);
        int off = store_exec_script(s, "PRAGMA writable_schema = OFF", err);
        if (!rc) rc = off;
    }
    for (size_t i = 0; i < n; i++) {
        free(ch[i].name);
        free(ch[i].sql);
    }
    free(ch);
    return rc;
}
