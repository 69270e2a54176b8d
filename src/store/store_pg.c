/* store_pg — the PostgreSQL driver of the store (see store.h, store_int.h).
 *
 * A connection is one libpq PGconn; statements are prepared once per
 * connection under a generated name and cached by the address of their SQL
 * text, as with SQLite. Parameters go as text (int64 in decimal) with their
 * types inferred by the server, blobs in binary; a statement runs when it is
 * bound, and its rows are read from the result.
 *
 * Writers: the store's transactions are single-writer by contract (SQLite's
 * BEGIN IMMEDIATE). On PostgreSQL every write transaction takes one
 * transaction-scoped advisory lock first (pg_advisory_xact_lock), so writers
 * on every node queue there and each sees all that was committed before it,
 * at READ COMMITTED: the same guarantees for the code above, across any
 * number of `visible serve` processes. A read snapshot is a REPEATABLE READ,
 * READ ONLY transaction.
 *
 * Migrations are written in SQLite's DDL; pg_ddl rewrites their column
 * types (INTEGER to BIGINT, INTEGER PRIMARY KEY to an identity column,
 * BLOB to BYTEA, REAL to DOUBLE PRECISION) and drops STRICT. */
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "store/store.h"
#include "store/store_int.h"

#define CACHE_SLOTS 512
#define MAX_PARAMS  40
#define BYTEAOID    17
#define BOOLOID     16
/* the advisory lock every write transaction takes (an arbitrary constant) */
#define WRITE_LOCK_KEY "7419857"

typedef struct pstmt {
    store_stmt head;
    char       name[16];
    int        nparams;
    bool       writes;
    PGresult  *res;
    int        row, nrows;
    char     **blobs; /* unescaped bytea values handed out, freed at reset */
    size_t     nblobs;
} pstmt;

typedef struct pstore {
    store   head;
    PGconn *conn;
    int64_t changes;
    int     nprep;
    pstmt   cache[CACHE_SLOTS];
} pstore;

#define P(s) ((pstore *)(s))
#define Q(q) ((pstmt *)(q))

/* Map a failed result (or the connection's error) to the store's codes. */
static int fail(pstore *s, const PGresult *r, vis_err *err, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(s->conn);
    int code = VIS_ESTORE;
    if (state && !strncmp(state, "23", 2)) code = VIS_ECONFLICT;             /* integrity constraint */
    else if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01"))) /* serialization, deadlock */
        code = VIS_EBUSY;
    else if (!r || PQstatus(s->conn) != CONNECTION_OK)
        code = VIS_EBUSY; /* connection lost: the request may be retried */
    char clean[200];
    snprintf(clean, sizeof clean, "%s", msg && *msg ? msg : "error");
    clean[strcspn(clean, "\n")] = '\0';
    return vis_errf(err, code, code == VIS_ECONFLICT ? "conflict" : "store_error", NULL, "%s: %s", what, clean);
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int g_script(store *st, const char *sql, vis_err *err);

static int g_connect(store_pool *p, store **out, vis_err *err)
{
    pstore *s = mem_calloc(1, sizeof *s);
    s->conn = PQconnectdb(p->path);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char m[200];
        snprintf(m, sizeof m, "%s", PQerrorMessage(s->conn));
        m[strcspn(m, "\n")] = '\0';
        vis_errf(err, VIS_ESTORE, NULL, NULL, "cannot connect to PostgreSQL: %s", m);
        PQfinish(s->conn);
        free(s);
        return VIS_ESTORE;
    }
    PQsetNoticeProcessor(s->conn, quiet, NULL);
    if (g_script(&s->head,
                 p->opts.sync_full ? "SET synchronous_commit = on; SET client_min_messages = warning"
                                   : "SET synchronous_commit = off; SET client_min_messages = warning",
                 err)) {
        PQfinish(s->conn);
        free(s);
        return VIS_ESTORE;
    }
    *out = &s->head;
    return 0;
}

static void reset_stmt(pstmt *q)
{
    if (q->res) PQclear(q->res);
    q->res = NULL;
    q->row = q->nrows = 0;
    for (size_t i = 0; i < q->nblobs; i++) PQfreemem(q->blobs[i]);
    free(q->blobs);
    q->blobs = NULL;
    q->nblobs = 0;
}

static void g_disconnect(store *st)
{
    pstore *s = P(st);
    for (int i = 0; i < CACHE_SLOTS; i++) reset_stmt(&s->cache[i]);
    PQfinish(s->conn);
    free(s);
}

static int g_script(store *st, const char *sql, vis_err *err)
{
    pstore *s = P(st);
    PGresult *r = PQexec(s->conn, sql);
    ExecStatusType t = PQresultStatus(r);
    int rc = 0;
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) rc = fail(s, r, err, "script");
    PQclear(r);
    return rc;
}

static const char *const ctl_sql[STORE_CTL_N] = {
    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT job",
    "ROLLBACK TO SAVEPOINT job",
    "RELEASE SAVEPOINT job",
    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
};

static int g_ctl(store *st, int which, vis_err *err)
{
    pstore *s = P(st);
    PGresult *r = PQexec(s->conn, ctl_sql[which]);
    ExecStatusType t = PQresultStatus(r);
    int rc = 0;
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) rc = fail(s, r, err, ctl_sql[which]);
    /* COMMIT of a failed transaction answers ROLLBACK: report it */
    else if (which == STORE_COMMIT && !strcmp(PQcmdStatus(r), "ROLLBACK"))
        rc = vis_errf(err, VIS_ESTORE, NULL, NULL, "commit: the transaction had failed and was rolled back");
    PQclear(r);
    return rc;
}

/* Does a statement change data? Reads start with SELECT or VALUES. */
static bool sql_writes(const char *sql)
{
    while (isspace((unsigned char)*sql) || *sql == '(') sql++;
    return strncasecmp(sql, "SELECT", 6) && strncasecmp(sql, "VALUES", 6);
}

static store_stmt *g_prepare(store *st, const char *sql, vis_err *err)
{
    pstore *s = P(st);
    size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        pstmt *c = &s->cache[(h + i) % CACHE_SLOTS];
        if (c->head.sql == sql) return &c->head;
        if (c->head.sql) continue;
        snprintf(c->name, sizeof c->name, "v%d", s->nprep++);
        PGresult *r = PQprepare(s->conn, c->name, sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fail(s, r, err, "prepare");
            PQclear(r);
            if (st->depth > 0) st->failed = true;
            return NULL;
        }
        PQclear(r);
        r = PQdescribePrepared(s->conn, c->name);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fail(s, r, err, "describe");
            PQclear(r);
            return NULL;
        }
        c->nparams = PQnparams(r);
        PQclear(r);
        c->writes = sql_writes(sql);
        c->head.sql = sql;
        c->head.owner = st;
        return &c->head;
    }
    vis_errf(err, VIS_ESTORE, NULL, NULL, "statement cache full");
    return NULL;
}

static bool g_writes(store_stmt *q) { return Q(q)->writes; }

/* Bind and run: the rows are then read from the result. */
static int g_bind(store_stmt *qh, const char *fmt, va_list ap, vis_err *err)
{
    pstmt *q = Q(qh);
    pstore *s = P(qh->owner);
    size_t n = fmt ? strlen(fmt) : 0;
    if ((size_t)q->nparams != n || n > MAX_PARAMS)
        return vis_errf(err, VIS_ESTORE, NULL, NULL, "statement takes %d parameters, %zu given: %.60s", q->nparams, n,
                        qh->sql);
    const char *vals[MAX_PARAMS];
    int lens[MAX_PARAMS], fmts[MAX_PARAMS];
    char nums[MAX_PARAMS][24];
    for (size_t i = 0; i < n; i++) {
        lens[i] = 0;
        fmts[i] = 0;
        switch (fmt[i]) {
        case 'i':
        case 'I': {
            int64_t v = va_arg(ap, int64_t);
            if (fmt[i] == 'I' && v < 0) {
                vals[i] = NULL;
                break;
            }
            snprintf(nums[i], sizeof nums[i], "%lld", (long long)v);
            vals[i] = nums[i];
            break;
        }
        case 't':
            vals[i] = va_arg(ap, const char *);
            break;
        case 'b': {
            vals[i] = va_arg(ap, const void *);
            lens[i] = (int)va_arg(ap, size_t);
            fmts[i] = 1;
            break;
        }
        case 'n':
            vals[i] = NULL;
            break;
        default:
            return vis_errf(err, VIS_ESTORE, NULL, NULL, "bad bind format '%c'", fmt[i]);
        }
    }
    reset_stmt(q);
    q->res = PQexecPrepared(s->conn, q->name, (int)n, vals, lens, fmts, 0);
    ExecStatusType t = PQresultStatus(q->res);
    if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
        int rc = fail(s, q->res, err, "step");
        reset_stmt(q);
        return rc;
    }
    q->nrows = PQntuples(q->res);
    q->row = -1;
    const char *c = PQcmdTuples(q->res);
    if (*c) s->changes = strtoll(c, NULL, 10);
    return 0;
}

static int g_row(store_stmt *qh, vis_err *err)
{
    (void)err;
    pstmt *q = Q(qh);
    if (!q->res) return 0;
    if (q->row + 1 >= q->nrows) return 0;
    q->row++;
    return 1;
}

static void g_reset(store_stmt *q) { reset_stmt(Q(q)); }

static int64_t g_col_i64(store_stmt *qh, int col)
{
    pstmt *q = Q(qh);
    if (!q->res || PQgetisnull(q->res, q->row, col)) return 0;
    const char *v = PQgetvalue(q->res, q->row, col);
    if (PQftype(q->res, col) == BOOLOID) return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static bool g_col_null(store_stmt *qh, int col)
{
    pstmt *q = Q(qh);
    return !q->res || PQgetisnull(q->res, q->row, col);
}

static const char *g_col_text(store_stmt *qh, int col)
{
    pstmt *q = Q(qh);
    if (!q->res) return "";
    if (PQftype(q->res, col) == BOOLOID) return PQgetvalue(q->res, q->row, col)[0] == 't' ? "1" : "0";
    return PQgetvalue(q->res, q->row, col);
}

static const void *g_col_blob(store_stmt *qh, int col, size_t *len)
{
    pstmt *q = Q(qh);
    *len = 0;
    if (!q->res || PQgetisnull(q->res, q->row, col)) return NULL;
    const char *v = PQgetvalue(q->res, q->row, col);
    if (PQftype(q->res, col) != BYTEAOID) {
        *len = (size_t)PQgetlength(q->res, q->row, col);
        return v;
    }
    unsigned char *b = PQunescapeBytea((const unsigned char *)v, len);
    if (!b) mem_oom(strlen(v));
    q->blobs = mem_realloc(q->blobs, (q->nblobs + 1) * sizeof *q->blobs);
    q->blobs[q->nblobs++] = (char *)b;
    return b;
}

static int64_t g_changes(store *s) { return P(s)->changes; }

static int64_t g_last_id(store *st)
{
    pstore *s = P(st);
    PGresult *r = PQexec(s->conn, "SELECT lastval()");
    int64_t id = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return id;
}

static int g_checkpoint(store *s, vis_err *err)
{
    (void)s;
    (void)err;
    return 0; /* PostgreSQL checkpoints by itself */
}

/* ---- DDL ---- */

static bool word_at(const char *p, size_t i, const char *w)
{
    size_t n = strlen(w);
    if (strncasecmp(p + i, w, n)) return false;
    if (i > 0 && (isalnum((unsigned char)p[i - 1]) || p[i - 1] == '_')) return false;
    return !(isalnum((unsigned char)p[i + n]) || p[i + n] == '_');
}

/* SQLite DDL to PostgreSQL's (see the top of this file). Quoted strings are
 * copied as they are. */
char *store_pg_ddl(const char *sql)
{
    static const struct {
        const char *from, *to;
    } words[] = {
        {"INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"INTEGER", "BIGINT"},
        {"BLOB", "BYTEA"},
        {"REAL", "DOUBLE PRECISION"},
        {"STRICT", ""},
    };
    buf b;
    buf_init(&b);
    for (size_t i = 0; sql[i];) {
        if (sql[i] == '\'') { /* a string literal, '' escapes included */
            size_t j = i + 1;
            while (sql[j] && !(sql[j] == '\'' && sql[j + 1] != '\'')) j += sql[j] == '\'' ? 2 : 1;
            if (sql[j]) j++;
            buf_append(&b, sql + i, j - i);
            i = j;
            continue;
        }
        bool done = false;
        for (size_t w = 0; w < sizeof words / sizeof words[0] && !done; w++) {
            if (!word_at(sql, i, words[w].from)) continue;
            buf_puts(&b, words[w].to);
            i += strlen(words[w].from);
            done = true;
        }
        if (!done) buf_append(&b, sql + i++, 1);
    }
    buf_append(&b, "", 1);
    if (b.oom) mem_oom(b.len);
    return b.data;
}

/* Migrations insert rows with their ids (seed queues, ...): move every
 * identity column's sequence past the largest id, so the next row made
 * without one does not collide (SQLite picks max(rowid) + 1 by itself). */
static int g_migrated(store *st, vis_err *err)
{
    return g_script(st,
                    "DO $$ DECLARE r record; BEGIN"
                    " FOR r IN SELECT c.relname AS t, a.attname AS col FROM pg_attribute a"
                    " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE a.attidentity <> '' AND n.nspname = current_schema() LOOP"
                    " EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L),"
                    " GREATEST((SELECT COALESCE(MAX(%I), 0) FROM %I), 1), (SELECT COUNT(*) > 0 FROM %I))',"
                    " r.t, r.col, r.col, r.t, r.t);"
                    " END LOOP; END $$",
                    err);
}

const store_driver store_pg_driver = {
    .name = "postgresql",
    .connect = g_connect,
    .disconnect = g_disconnect,
    .script = g_script,
    .ctl = g_ctl,
    .prepare = g_prepare,
    .writes = g_writes,
    .bind = g_bind,
    .row = g_row,
    .reset = g_reset,
    .col_i64 = g_col_i64,
    .col_null = g_col_null,
    .col_text = g_col_text,
    .col_blob = g_col_blob,
    .changes = g_changes,
    .last_id = g_last_id,
    .checkpoint = g_checkpoint,
    .ddl = store_pg_ddl,
    .migrated = g_migrated,
};
