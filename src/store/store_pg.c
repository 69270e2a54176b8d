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
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "store/store.h"
#include "store/store_int.h"

#define CACHE_SLOTS 512
#define MAX_PARAMS  40   /* the statements written in the code */
#define MAX_VALS    4000 /* store_copy's multi-row INSERTs: one round trip for many rows */
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
    bool       once;      /* uncached (prepare_once): finalized by its caller */
    bool       streaming; /* a read of prepare_once's: rows arrive one by one */
} pstmt;

typedef struct pstore {
    store   head;
    PGconn *conn;
    int64_t changes;
    int     nprep;
    /* The connection was lost and reset inside a transaction or snapshot:
       that transaction is gone. Until the caller's ROLLBACK (or a new
       BEGIN), statements and COMMIT are refused, so nothing runs in
       autocommit on the new session and no lost write is reported committed. */
    bool    broken;
    pstmt   cache[CACHE_SLOTS];
} pstore;

#define P(s) ((pstore *)(s))
#define Q(q) ((pstmt *)(q))

static void reset_stmt(pstmt *q);
static int setup(pstore *s, vis_err *err);

/* The connection is gone (the server restarted, the backend was terminated,
 * a failover): reset it — libpq walks the connection string's hosts again,
 * so with target_session_attrs=read-write it finds the new primary — and
 * forget the prepared statements, which died with the session. A request
 * that saw it die under it fails with VIS_EBUSY (503 "busy, try again"); the
 * next one on this connection works (one that finds it dead before starting
 * goes on: revive). */
static void lost(pstore *s)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        pstmt *c = &s->cache[i];
        reset_stmt(c);
        c->head.sql = NULL; /* head.owner stays: a caller may still store_done it */
        c->nparams = 0;
        c->writes = false;
    }
    s->broken = s->head.depth > 0 || s->head.reading;
    PQreset(s->conn);
    vis_err e;
    if (PQstatus(s->conn) == CONNECTION_OK) setup(s, &e);
}

/* Before a transaction, or a statement outside one: a session that died
 * while idle (its backend terminated, the server restarted, a failover) is
 * reset now, at no cost to the request, since nothing of it has run yet.
 * PQconsumeInput reads what the server sent without waiting: a terminated
 * backend's last message and the end of the socket. */
static void revive(pstore *s)
{
    struct pollfd p = {.fd = PQsocket(s->conn), .events = POLLIN};
    for (int i = 0; i < 4 && p.fd >= 0 && poll(&p, 1, 0) > 0; i++) /* its last words, then the end */
        if (!PQconsumeInput(s->conn)) break;
    if (p.fd >= 0 && PQstatus(s->conn) == CONNECTION_OK) return;
    lost(s);
    s->broken = false;
}

/* Map a failed result (or the connection's error) to the store's codes. */
static int fail(pstore *s, const PGresult *r, vis_err *err, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(s->conn);
    int code = VIS_ESTORE;
    if (state && !strncmp(state, "23", 2)) code = VIS_ECONFLICT;             /* integrity constraint */
    bool again = state && (!strcmp(state, "40001") || !strcmp(state, "40P01")); /* serialization, deadlock */
    if (again) code = VIS_EBUSY;
    bool gone = PQstatus(s->conn) != CONNECTION_OK;
    if (gone || !r) code = VIS_EBUSY; /* connection lost: the request may be retried */
    char clean[200];
    snprintf(clean, sizeof clean, "%s", msg && *msg ? msg : "error");
    clean[strcspn(clean, "\n")] = '\0';
    vis_errf(err, code,
             code == VIS_ECONFLICT ? "conflict"
             : again && !gone      ? STORE_RETRY /* the committer runs the transaction again */
             : code == VIS_EBUSY   ? "busy"
                                   : "store_error",
             NULL, "%s: %s", what, clean);
    if (gone) lost(s);
    return code;
}

/* Refuse work on a session whose transaction was lost (see pstore.broken). */
static int check_broken(pstore *s, vis_err *err)
{
    if (!s->broken) return 0;
    return vis_errf(err, VIS_EBUSY, "busy", NULL, "the database connection was lost: transaction rolled back");
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
    s->head.pool = p;
    if (setup(s, err)) {
        PQfinish(s->conn);
        free(s);
        return VIS_ESTORE;
    }
    *out = &s->head;
    return 0;
}

/* A session's settings: at connect and after a reset. synchronous_commit
 * is left to the server (on by default; with a synchronous standby a
 * commit then waits for it): an answered write must survive a failover,
 * so store.durability, SQLite's trade-off, does not apply here. */
static int setup(pstore *s, vis_err *err)
{
    return g_script(&s->head, "SET client_min_messages = warning", err);
}

static void reset_stmt(pstmt *q)
{
    if (q->streaming) { /* read what is left of a streamed result */
        PGresult *r;
        if (q->res) PQclear(q->res);
        q->res = NULL;
        while ((r = PQgetResult(P(q->head.owner)->conn))) PQclear(r);
        q->streaming = false;
    }
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
    if (s->broken) { /* the transaction died with the old session */
        if (which == STORE_BEGIN || which == STORE_READ || which == STORE_ROLLBACK) s->broken = false;
        if (which == STORE_ROLLBACK) return 0;
        if (which != STORE_BEGIN && which != STORE_READ) return check_broken(s, err);
    }
    bool opens = which == STORE_BEGIN || which == STORE_READ;
    if (opens) revive(s);
    PGresult *r = PQexec(s->conn, ctl_sql[which]);
    if (opens && PQstatus(s->conn) != CONNECTION_OK) {
        /* it died just before: nothing ran, so begin again on a new session */
        PQclear(r);
        revive(s);
        r = PQexec(s->conn, ctl_sql[which]);
    }
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
    if (check_broken(s, err)) return NULL;
    if (st->depth == 0 && !st->reading) revive(s);
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

static int run(pstmt *q, int n, const char *const *vals, const int *lens, const int *fmts, vis_err *err);

/* Bind and run: the rows are then read from the result. */
static int g_bind(store_stmt *qh, const char *fmt, va_list ap, vis_err *err)
{
    pstmt *q = Q(qh);
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
    return run(q, (int)n, vals, lens, fmts, err);
}

/* Run a bound statement; a streamed one (prepare_once's reads) in libpq's
 * single-row mode, its rows then read one by one by g_row. */
static int run(pstmt *q, int n, const char *const *vals, const int *lens, const int *fmts, vis_err *err)
{
    pstore *s = P(q->head.owner);
    if (check_broken(s, err)) return err->code;
    if (!q->head.sql) /* prepared on a session since lost */
        return vis_errf(err, VIS_EBUSY, "busy", NULL, "the database connection was lost: statement gone");
    reset_stmt(q);
    if (q->once && !q->writes) {
        if (!PQsendQueryPrepared(s->conn, q->name, n, vals, lens, fmts, 0)) return fail(s, NULL, err, "step");
        if (!PQsetSingleRowMode(s->conn)) {
            PGresult *r;
            while ((r = PQgetResult(s->conn))) PQclear(r);
            return vis_errf(err, VIS_ESTORE, NULL, NULL, "step: single-row mode refused");
        }
        q->streaming = true;
        q->row = q->nrows = 0;
        return 0;
    }
    q->res = PQexecPrepared(s->conn, q->name, n, vals, lens, fmts, 0);
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
    pstmt *q = Q(qh);
    if (q->streaming) {
        pstore *s = P(qh->owner);
        for (size_t i = 0; i < q->nblobs; i++) PQfreemem(q->blobs[i]);
        q->nblobs = 0;
        if (q->res) PQclear(q->res);
        q->res = PQgetResult(s->conn);
        ExecStatusType t = PQresultStatus(q->res);
        if (q->res && t == PGRES_SINGLE_TUPLE) {
            q->row = 0;
            q->nrows = 1;
            return 1;
        }
        int rc = q->res && t == PGRES_TUPLES_OK ? 0 : -1;
        if (rc) fail(s, q->res, err, "step");
        reset_stmt(q); /* the end of the rows, or an error: read the rest */
        return rc;
    }
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

/* ---- several nodes (store_coord.c) ---- */

/* Held already by this session (a session lock taken twice would need two
 * unlocks), else try to take it; keys are small, so classid is 0. */
static const char SQL_PG_LEAD[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    " AND granted AND classid = 0 AND objid::bigint = $1 AND objsubid = 1) THEN 1"
    " WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END";
static const char SQL_PG_NOTIFY[] = "SELECT 1 FROM (SELECT pg_notify('visible', $1)) AS n";
static const char SQL_PG_LISTEN[] = "LISTEN visible";

static int g_notices(store *st, void (*fn)(void *arg, const char *payload), void *arg, vis_err *err)
{
    pstore *s = P(st);
    if (!PQconsumeInput(s->conn)) return fail(s, NULL, err, "notices");
    PGnotify *n;
    while ((n = PQnotifies(s->conn))) {
        fn(arg, n->extra);
        PQfreemem(n);
    }
    return 0;
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

/* ---- uncached statements (store_copy.c) ---- */

static store_stmt *g_prepare_once(store *st, const char *sql, vis_err *err)
{
    pstore *s = P(st);
    if (check_broken(s, err)) return NULL;
    pstmt *q = mem_calloc(1, sizeof *q);
    snprintf(q->name, sizeof q->name, "u%d", s->nprep++);
    PGresult *r = PQprepare(s->conn, q->name, sql, 0, NULL);
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
        PQclear(r);
        r = PQdescribePrepared(s->conn, q->name);
    }
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fail(s, r, err, "prepare");
        PQclear(r);
        free(q);
        return NULL;
    }
    q->nparams = PQnparams(r);
    PQclear(r);
    q->writes = sql_writes(sql);
    q->once = true;
    q->head.sql = sql;
    q->head.owner = st;
    return &q->head;
}

static void g_finalize(store_stmt *qh)
{
    pstmt *q = Q(qh);
    pstore *s = P(qh->owner);
    reset_stmt(q);
    if (PQstatus(s->conn) == CONNECTION_OK) {
        char sql[32];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", q->name);
        PQclear(PQexec(s->conn, sql));
    }
    free(q);
}

/* Values go as text, as g_bind's do (TEXT values are NUL-terminated: both
 * drivers' readers give them so), a REAL in the 17 digits that give back
 * the same double, blobs in binary. */
static int g_bind_vals(store_stmt *qh, const store_val *v, int n, vis_err *err)
{
    pstmt *q = Q(qh);
    if (n != q->nparams || n > MAX_VALS)
        return vis_errf(err, VIS_ESTORE, NULL, NULL, "statement takes %d parameters, %d given", q->nparams, n);
    size_t m = n > 0 ? (size_t)n : 1;
    const char **vals = mem_alloc(m * sizeof *vals);
    int *lens = mem_alloc(2 * m * sizeof *lens), *fmts = lens + m;
    char(*nums)[32] = mem_alloc(m * sizeof *nums);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        lens[i] = fmts[i] = 0;
        vals[i] = NULL;
        switch (v[i].type) {
        case STORE_NULL: break;
        case STORE_INT:
            snprintf(nums[i], sizeof nums[i], "%lld", (long long)v[i].i);
            vals[i] = nums[i];
            break;
        case STORE_REAL:
            snprintf(nums[i], sizeof nums[i], "%.17g", v[i].r);
            vals[i] = nums[i];
            break;
        case STORE_TEXT: vals[i] = v[i].p; break;
        case STORE_BLOB:
            if (v[i].len > INT32_MAX) rc = vis_errf(err, VIS_ESTORE, NULL, NULL, "a value of more than 2 GiB");
            vals[i] = v[i].p;
            lens[i] = (int)v[i].len;
            fmts[i] = 1;
            break;
        }
    }
    if (!rc) rc = run(q, n, vals, lens, fmts, err);
    free(vals);
    free(lens);
    free(nums);
    return rc;
}

#define INT8OID   20
#define INT2OID   21
#define INT4OID   23
#define FLOAT4OID 700
#define FLOAT8OID 701

static void g_col_val(store_stmt *qh, int col, store_val *v)
{
    pstmt *q = Q(qh);
    *v = (store_val){.type = STORE_NULL};
    if (!q->res || PQgetisnull(q->res, q->row, col)) return;
    switch (PQftype(q->res, col)) {
    case INT8OID:
    case INT4OID:
    case INT2OID:
    case BOOLOID:
        v->type = STORE_INT;
        v->i = g_col_i64(qh, col);
        break;
    case FLOAT4OID:
    case FLOAT8OID:
        v->type = STORE_REAL; /* PostgreSQL 12+ prints the shortest exact form */
        v->r = strtod(PQgetvalue(q->res, q->row, col), NULL);
        break;
    case BYTEAOID:
        v->type = STORE_BLOB;
        v->p = g_col_blob(qh, col, &v->len);
        if (!v->p) v->p = "";
        break;
    default:
        v->type = STORE_TEXT;
        v->p = PQgetvalue(q->res, q->row, col);
        v->len = (size_t)PQgetlength(q->res, q->row, col);
        break;
    }
}

/* Tables of the current schema in creation order (by oid), a table's columns. */
static const char SQL_G_TABLES[] =
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.oid";
static const char SQL_G_COLUMNS[] =
    "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = current_schema() AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped"
    " ORDER BY a.attnum";

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
    .sql_lead = SQL_PG_LEAD,
    .sql_notify = SQL_PG_NOTIFY,
    .sql_listen = SQL_PG_LISTEN,
    .notices = g_notices,
    .prepare_once = g_prepare_once,
    .finalize = g_finalize,
    .bind_vals = g_bind_vals,
    .max_vals = MAX_VALS,
    .col_val = g_col_val,
    .sql_tables = SQL_G_TABLES,
    .sql_columns = SQL_G_COLUMNS,
};
