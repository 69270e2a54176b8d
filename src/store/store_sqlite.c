/* store_sqlite — the SQLite driver of the store (see store.h, store_int.h). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "store/store.h"
#include "store/store_int.h"

#define CACHE_SLOTS 256

#define MAX_PARAMS 40

typedef struct lstmt {
    store_stmt    head;
    sqlite3_stmt *st;
    int           nparams;
    unsigned char idx[MAX_PARAMS]; /* SQLite's index of $1, $2, ... (0: unused) */
} lstmt;

static const char *const ctl_sql[STORE_CTL_N] = {"BEGIN IMMEDIATE", "COMMIT",      "ROLLBACK", "SAVEPOINT job",
                                                 "ROLLBACK TO job", "RELEASE job", "BEGIN"};

typedef struct lstore {
    store         head;
    sqlite3      *db;
    sqlite3_stmt *ctl[STORE_CTL_N]; /* transaction control, prepared once */
    lstmt         cache[CACHE_SLOTS];
} lstore;

#define L(s) ((lstore *)(s))
#define Q(q) ((lstmt *)(q))

static int fail(lstore *s, vis_err *err, const char *what)
{
    int rc = sqlite3_extended_errcode(s->db);
    int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? VIS_EBUSY : VIS_ESTORE;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) code = VIS_ECONFLICT;
    return vis_errf(err, code, code == VIS_ECONFLICT ? "conflict" : "store_error", NULL, "%s: %s", what,
                    sqlite3_errmsg(s->db));
}

static int l_script(store *st, const char *sql, vis_err *err);

static int l_connect(store_pool *p, store **out, vis_err *err)
{
    lstore *s = mem_calloc(1, sizeof *s);
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
    if (l_script(&s->head, pragmas, err)) {
        sqlite3_close(s->db);
        free(s);
        return VIS_ESTORE;
    }
    *out = &s->head;
    return 0;
}

static void l_disconnect(store *st)
{
    lstore *s = L(st);
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (s->cache[i].st) sqlite3_finalize(s->cache[i].st);
    for (int i = 0; i < STORE_CTL_N; i++) sqlite3_finalize(s->ctl[i]);
    sqlite3_close(s->db);
    free(s);
}

static int l_script(store *st, const char *sql, vis_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(L(st)->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        vis_errf(err, VIS_ESTORE, NULL, NULL, "%s", msg ? msg : "sql error");
        sqlite3_free(msg);
        return VIS_ESTORE;
    }
    return 0;
}

/* A transaction-control statement (prepared once per connection). A read
 * snapshot is a deferred BEGIN: with WAL, every statement until the end
 * sees the database as at the first read, and no lock is taken that a
 * writer would wait on. */
static int l_ctl(store *st, int which, vis_err *err)
{
    lstore *s = L(st);
    if (!s->ctl[which] && sqlite3_prepare_v3(s->db, ctl_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->ctl[which],
                                             NULL) != SQLITE_OK)
        return fail(s, err, ctl_sql[which]);
    int rc = sqlite3_step(s->ctl[which]);
    sqlite3_reset(s->ctl[which]);
    return rc == SQLITE_DONE ? 0 : fail(s, err, ctl_sql[which]);
}

/* map $1..$n to SQLite's parameter indexes once, not per bind */
static void map_params(lstmt *c)
{
    c->nparams = sqlite3_bind_parameter_count(c->st);
    for (int k = 0; k < c->nparams && k < MAX_PARAMS; k++) {
        char name[16];
        snprintf(name, sizeof name, "$%d", k + 1);
        c->idx[k] = (unsigned char)sqlite3_bind_parameter_index(c->st, name);
    }
}

static store_stmt *l_prepare(store *st, const char *sql, vis_err *err)
{
    lstore *s = L(st);
    size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        lstmt *c = &s->cache[(h + i) % CACHE_SLOTS];
        if (c->head.sql == sql) return &c->head;
        if (!c->head.sql) {
            if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st, NULL) != SQLITE_OK) {
                fail(s, err, "prepare");
                c->st = NULL;
                return NULL;
            }
            c->head.sql = sql;
            c->head.owner = st;
            map_params(c);
            return &c->head;
        }
    }
    vis_errf(err, VIS_ESTORE, NULL, NULL, "statement cache full");
    return NULL;
}

static bool l_writes(store_stmt *q) { return !sqlite3_stmt_readonly(Q(q)->st); }

static int l_bind(store_stmt *qh, const char *fmt, va_list ap, vis_err *err)
{
    lstmt *q = Q(qh);
    sqlite3_stmt *st = q->st;
    int n = q->nparams;
    if ((size_t)n != (fmt ? strlen(fmt) : 0) || n > MAX_PARAMS)
        return vis_errf(err, VIS_ESTORE, NULL, NULL, "statement takes %d parameters, %zu given: %.60s", n,
                        fmt ? strlen(fmt) : 0, qh->sql);
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
        if (rc != SQLITE_OK) return fail(L(qh->owner), err, "bind");
    }
    return 0;
}

static int l_row(store_stmt *q, vis_err *err)
{
    int rc = sqlite3_step(Q(q)->st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    fail(L(q->owner), err, "step");
    return -1;
}

static void l_reset(store_stmt *q)
{
    sqlite3_reset(Q(q)->st);
    sqlite3_clear_bindings(Q(q)->st);
}

/* WAL frames (pages of 1 KiB) after which a checkpoint resets the log. */
#define WAL_RESET_FRAMES 32768

static int l_checkpoint(store *st, vis_err *err)
{
    lstore *s = L(st);
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) return fail(s, err, "checkpoint");
    /* Under continuous writes and reads a passive checkpoint never lets the
       log start again from its beginning, and the -wal file grows without
       end. Past WAL_RESET_FRAMES, hold the writers' lock (writes wait a few
       milliseconds) and reset it: TRUNCATE waits for the readers of older
       frames to finish, copies the rest and truncates the file. */
    if (log > WAL_RESET_FRAMES) {
        pthread_mutex_lock(&st->pool->write_lock);
        rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
        pthread_mutex_unlock(&st->pool->write_lock);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) return fail(s, err, "checkpoint");
    }
    return 0;
}

static int64_t l_changes(store *s) { return sqlite3_changes64(L(s)->db); }
static int64_t l_last_id(store *s) { return sqlite3_last_insert_rowid(L(s)->db); }
static int64_t l_col_i64(store_stmt *q, int col) { return sqlite3_column_int64(Q(q)->st, col); }
static bool l_col_null(store_stmt *q, int col) { return sqlite3_column_type(Q(q)->st, col) == SQLITE_NULL; }
static const char *l_col_text(store_stmt *q, int col)
{
    const unsigned char *t = sqlite3_column_text(Q(q)->st, col);
    return t ? (const char *)t : "";
}
static const void *l_col_blob(store_stmt *q, int col, size_t *len)
{
    const void *b = sqlite3_column_blob(Q(q)->st, col);
    *len = (size_t)sqlite3_column_bytes(Q(q)->st, col);
    return b;
}

/* ---- uncached statements (store_copy.c) ---- */

static store_stmt *l_prepare_once(store *st, const char *sql, vis_err *err)
{
    lstore *s = L(st);
    lstmt *q = mem_calloc(1, sizeof *q);
    if (sqlite3_prepare_v2(s->db, sql, -1, &q->st, NULL) != SQLITE_OK) {
        fail(s, err, "prepare");
        sqlite3_finalize(q->st);
        free(q);
        return NULL;
    }
    q->head.sql = sql;
    q->head.owner = st;
    map_params(q);
    return &q->head;
}

static void l_finalize(store_stmt *q)
{
    sqlite3_finalize(Q(q)->st);
    free(q);
}

static int l_bind_vals(store_stmt *qh, const store_val *v, int n, vis_err *err)
{
    lstmt *q = Q(qh);
    if (n != q->nparams || n > MAX_PARAMS)
        return vis_errf(err, VIS_ESTORE, NULL, NULL, "statement takes %d parameters, %d given", q->nparams, n);
    for (int i = 0; i < n; i++) {
        int idx = q->idx[i], rc = SQLITE_OK;
        if (!idx) continue;
        switch (v[i].type) {
        case STORE_NULL: rc = sqlite3_bind_null(q->st, idx); break;
        case STORE_INT: rc = sqlite3_bind_int64(q->st, idx, v[i].i); break;
        case STORE_REAL: rc = sqlite3_bind_double(q->st, idx, v[i].r); break;
        case STORE_TEXT:
            rc = sqlite3_bind_text64(q->st, idx, v[i].p, v[i].len, SQLITE_TRANSIENT, SQLITE_UTF8);
            break;
        case STORE_BLOB:
            /* a zero-length blob is bound as one, never as NULL */
            rc = v[i].len ? sqlite3_bind_blob64(q->st, idx, v[i].p, v[i].len, SQLITE_TRANSIENT)
                          : sqlite3_bind_zeroblob(q->st, idx, 0);
            break;
        }
        if (rc != SQLITE_OK) return fail(L(qh->owner), err, "bind");
    }
    return 0;
}

static void l_col_val(store_stmt *qh, int col, store_val *v)
{
    sqlite3_stmt *st = Q(qh)->st;
    *v = (store_val){.type = STORE_NULL};
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER:
        v->type = STORE_INT;
        v->i = sqlite3_column_int64(st, col);
        break;
    case SQLITE_FLOAT:
        v->type = STORE_REAL;
        v->r = sqlite3_column_double(st, col);
        break;
    case SQLITE_TEXT:
        v->type = STORE_TEXT;
        v->p = sqlite3_column_text(st, col);
        v->len = (size_t)sqlite3_column_bytes(st, col);
        break;
    case SQLITE_BLOB:
        v->type = STORE_BLOB;
        v->p = sqlite3_column_blob(st, col);
        v->len = (size_t)sqlite3_column_bytes(st, col);
        if (!v->p) v->p = "";
        break;
    default: break;
    }
}

/* Tables in creation order (the schema table's rowid), SQLite's own
 * (sqlite_sequence, sqlite_stat1) left out; a table's columns. */
static const char SQL_L_TABLES[] =
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY rowid";
static const char SQL_L_COLUMNS[] = "SELECT name FROM pragma_table_info($1) ORDER BY cid";

const store_driver store_sqlite_driver = {
    .name = "sqlite",
    .connect = l_connect,
    .disconnect = l_disconnect,
    .script = l_script,
    .ctl = l_ctl,
    .prepare = l_prepare,
    .writes = l_writes,
    .bind = l_bind,
    .row = l_row,
    .reset = l_reset,
    .col_i64 = l_col_i64,
    .col_null = l_col_null,
    .col_text = l_col_text,
    .col_blob = l_col_blob,
    .changes = l_changes,
    .last_id = l_last_id,
    .checkpoint = l_checkpoint,
    .ddl = NULL,
    /* .migrated: nothing to do; a row inserted with its id moves SQLite's
       next rowid (and an AUTOINCREMENT table's sqlite_sequence) past it */
    .prepare_once = l_prepare_once,
    .finalize = l_finalize,
    .bind_vals = l_bind_vals,
    .max_vals = MAX_PARAMS,
    .col_val = l_col_val,
    .sql_tables = SQL_L_TABLES,
    .sql_columns = SQL_L_COLUMNS,
};

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
    return b.data;
}

int store_sqlite_checks_as_comparisons(store *st, vis_err *err)
{
    if (st->drv != &store_sqlite_driver) return 0; /* PostgreSQL: nothing to do */
    lstore *s = L(st);
    int64_t version = 0;
    if (store_get_i64(st, "PRAGMA schema_version", &version, err, "") < 0) return VIS_ESTORE;
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
        if (!strcmp(re, sql)) {
            free(re);
            continue;
        }
        ch = mem_realloc(ch, (n + 1) * sizeof *ch);
        ch[n].name = mem_strdup(name);
        ch[n++].sql = re;
    }
    sqlite3_finalize(q);
    if (!rc && n) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA schema_version = %lld", (long long)version + 1);
        rc = store_exec_script(st, "PRAGMA writable_schema = ON", err);
        for (size_t i = 0; i < n && !rc; i++)
            rc = store_exec(st, "UPDATE sqlite_schema SET sql = $2 WHERE type = 'table' AND name = $1", err, "tt",
                            ch[i].name, ch[i].sql);
        if (!rc) rc = store_exec_script(st, bump, err);
        int off = store_exec_script(st, "PRAGMA writable_schema = OFF", err);
        if (!rc) rc = off;
    }
    for (size_t i = 0; i < n; i++) {
        free(ch[i].name);
        free(ch[i].sql);
    }
    free(ch);
    return rc;
}
