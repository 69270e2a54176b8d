/* store_copy — move a whole platform from one database to another, of
 * either engine (store.h: store_copy; `visible store copy`).
 *
 * The source must be at this binary's schema (every embedded migration
 * applied, none unknown); the target is migrated to it, and must hold no
 * row beyond those the migrations write (seed rows such as moderation's
 * queues: counted on a scratch in-memory SQLite database migrated by the
 * same binary). Then, in ONE transaction on the target and from ONE read
 * snapshot of the source, every table is emptied (in reverse creation
 * order) and filled with the source's rows (in creation order, so foreign
 * keys hold; schema_migrations included, so its history is the source's),
 * each value exact: integers, text, blobs and NULLs as they are, a REAL (no
 * column is one today) as the same double. The row count is checked on both
 * sides; then the driver's `migrated` step moves PostgreSQL's identity
 * sequences past the copied ids (SQLite does that by itself).
 *
 * The SELECT, INSERT, DELETE and count statements here are the only SQL of
 * the store built at run time: from table and column names read from the
 * engines' own catalogs (driver->sql_tables, sql_columns), never from user
 * input, every name quoted as an identifier. They are prepared uncached
 * (store_prepare_once) and finalized here, as the statement cache is keyed
 * by the address of a constant text. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "store/store_int.h"

/* drivers bind at most this many parameters; the widest table has 33 columns */
#define COPY_MAX_COLS 40
/* rows per INSERT at most (PostgreSQL: 4000 values / the table's columns) */
#define COPY_MAX_ROWS 256

typedef struct ctable {
    char  *name;
    char **cols;
    int    ncols;
    int64_t seeded; /* rows a freshly migrated database holds */
} ctable;

typedef struct names {
    char **v;
    int    n;
} names;

static void names_free(names *n)
{
    for (int i = 0; i < n->n; i++) free(n->v[i]);
    free(n->v);
    n->v = NULL;
    n->n = 0;
}

/* The first column of every row of a catalog query (arg: its $1, or none). */
static int catalog(store *s, const char *sql, const char *arg, names *out, vis_err *err)
{
    out->v = NULL;
    out->n = 0;
    store_stmt *q = arg ? store_query(s, sql, err, "t", arg) : store_query(s, sql, err, "");
    if (!q) return err->code ? err->code : VIS_ESTORE;
    int r;
    while ((r = store_row(q, err)) == 1) {
        out->v = mem_realloc(out->v, (size_t)(out->n + 1) * sizeof *out->v);
        out->v[out->n++] = mem_strdup(store_col_text(q, 0));
    }
    store_done(q);
    if (r < 0) {
        names_free(out);
        return err->code ? err->code : VIS_ESTORE;
    }
    return 0;
}

/* An identifier, quoted ("" doubled). */
static void quote(buf *b, const char *id)
{
    buf_puts(b, "\"");
    for (const char *p = id; *p; p++) {
        buf_append(b, p, 1);
        if (*p == '"') buf_append(b, p, 1);
    }
    buf_puts(b, "\"");
}

static char *done_text(buf *b)
{
    buf_append(b, "", 1);
    return b->data;
}

/* Run a statement built here with these values; *count (if given) the
 * first column of its first row. */
static int run_once(store *s, const char *sql, const store_val *v, int n, int64_t *count, vis_err *err)
{
    store_stmt *q = store_prepare_once(s, sql, err);
    if (!q) return err->code ? err->code : VIS_ESTORE;
    int rc = store_bind_vals(q, v, n, err);
    if (!rc) {
        int r = store_row(q, err);
        if (r < 0) rc = err->code ? err->code : VIS_ESTORE;
        else if (count) {
            store_val x = {0};
            if (r == 1) store_val_at(q, 0, &x);
            *count = r == 1 ? x.i : 0;
        }
    }
    store_done(q);
    store_finalize(q);
    return rc;
}

/* *out: the table's rows; with exists_only, 1 if it holds more than `over`, else 0. */
static int count_rows(store *s, const char *table, int64_t over, bool exists_only, int64_t *out, vis_err *err)
{
    buf b;
    buf_init(&b);
    if (exists_only) {
        buf_puts(&b, "SELECT 1 FROM ");
        quote(&b, table);
        buf_puts(&b, " LIMIT 1 OFFSET $1");
    } else {
        buf_puts(&b, "SELECT COUNT(*) FROM ");
        quote(&b, table);
    }
    char *sql = done_text(&b);
    store_val v = {.type = STORE_INT, .i = over};
    int rc = run_once(s, sql, &v, exists_only ? 1 : 0, out, err);
    free(sql);
    return rc;
}

/* The tables (schema_migrations first, then creation order) and columns. */
static int tables_of(store *s, ctable **out, int *n, vis_err *err)
{
    *out = NULL;
    *n = 0;
    names t;
    if (catalog(s, s->drv->sql_tables, NULL, &t, err)) return err->code;
    ctable *v = mem_calloc((size_t)t.n + 1, sizeof *v);
    int k = 0, rc = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < t.n && !rc; i++) {
            if ((pass == 0) != !strcmp(t.v[i], "schema_migrations")) continue;
            names c;
            if ((rc = catalog(s, s->drv->sql_columns, t.v[i], &c, err))) break;
            v[k].name = mem_strdup(t.v[i]);
            v[k].cols = c.v;
            v[k++].ncols = c.n;
        }
    names_free(&t);
    *out = v;
    *n = k;
    return rc;
}

static void tables_free(ctable *t, int n)
{
    for (int i = 0; t && i < n; i++) {
        names c = {t[i].cols, t[i].ncols};
        names_free(&c);
        free(t[i].name);
    }
    free(t);
}

static ctable *find(ctable *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name)) return &t[i];
    return NULL;
}

/* The rows a database holds right after the migrations: a scratch SQLite
 * database in memory, migrated by this binary. */
static int seed_counts(ctable *t, int n, int64_t now_ms, vis_err *err)
{
    store_pool *p = NULL;
    store *m = NULL;
    store_opts o = {.sync_full = false, .busy_timeout_ms = 1000};
    int rc = store_pool_open(&p, ":memory:", &o, err);
    if (!rc) rc = store_connect(p, &m, err);
    if (!rc) rc = store_migrate(m, now_ms, err);
    ctable *mt = NULL;
    int nm = 0;
    if (!rc) rc = tables_of(m, &mt, &nm, err);
    for (int i = 0; i < n && !rc; i++) {
        t[i].seeded = 0; /* a table the migrations do not make: no row allowed */
        if (find(mt, nm, t[i].name)) rc = count_rows(m, t[i].name, 0, false, &t[i].seeded, err);
    }
    tables_free(mt, nm);
    store_disconnect(m);
    store_pool_close(p);
    return rc;
}

static int refuse(vis_err *err, const char *fmt, int a, int b)
{
    return vis_errf(err, VIS_EINVAL, "refused", NULL, fmt, a, b);
}

static int check_source(store *from, vis_err *err)
{
    int latest = store_schema_latest(), have = store_schema_version(from), n = 0;
    for (const store_migration *m = store_migrations; m->version; m++) n++;
    if (have == 0)
        return vis_errf(err, VIS_EINVAL, "refused", NULL, "the source holds no Visible platform (no migration applied)");
    if (have > latest || store_schema_count(from) > n)
        return refuse(err,
                      "the source is at schema version %d, newer than this binary's %d: copy with the binary that "
                      "wrote it",
                      have, latest);
    if (have < latest || store_schema_count(from) < n)
        return refuse(err,
                      "the source is at schema version %d, older than this binary's %d: run `visible store migrate "
                      "--db SOURCE` first",
                      have, latest);
    return 0;
}

/* The target holds nothing but what the migrations write (checked before
 * migrating it, so a refused target is left as it was). */
static int check_target(store *to, int64_t now_ms, vis_err *err)
{
    int latest = store_schema_latest(), have = store_schema_version(to);
    if (have > latest)
        return refuse(err, "the target is at schema version %d, newer than this binary's %d", have, latest);
    ctable *t = NULL;
    int n = 0, rc = tables_of(to, &t, &n, err);
    if (!rc) rc = seed_counts(t, n, now_ms, err);
    for (int i = 0; i < n && !rc; i++) {
        if (!strcmp(t[i].name, "schema_migrations")) continue;
        int64_t more = 0;
        if ((rc = count_rows(to, t[i].name, t[i].seeded, true, &more, err))) break;
        if (more)
            rc = vis_errf(err, VIS_EINVAL, "refused", NULL,
                          "the target is not empty (table %s holds rows): copy only into a new, empty database",
                          t[i].name);
    }
    tables_free(t, n);
    return rc;
}

/* The table's columns, quoted, separated by commas. */
static void quote_cols(buf *b, const ctable *t)
{
    for (int c = 0; c < t->ncols; c++) {
        if (c) buf_puts(b, ", ");
        quote(b, t->cols[c]);
    }
}

/* INSERT INTO t (cols) VALUES ($1, ...), (...): k rows at once. */
static char *insert_sql(const ctable *t, int k)
{
    buf ins;
    buf_init(&ins);
    buf_puts(&ins, "INSERT INTO ");
    quote(&ins, t->name);
    buf_puts(&ins, "(");
    quote_cols(&ins, t);
    buf_puts(&ins, ") VALUES ");
    for (int r = 0, p = 1; r < k; r++) {
        buf_puts(&ins, r ? ", (" : "(");
        for (int c = 0; c < t->ncols; c++) buf_printf(&ins, "%s$%d", c ? ", " : "", p++);
        buf_puts(&ins, ")");
    }
    return done_text(&ins);
}

/* Rows waiting to be inserted together: their values, text and blobs
 * copied (the source's row is gone at its next row). */
typedef struct pending {
    store_val *v;
    char     **own;
    int        rows, cap, nown;
} pending;

static void pending_add(pending *b, store_stmt *q, int ncols)
{
    for (int c = 0; c < ncols; c++) {
        store_val *x = &b->v[b->rows * ncols + c];
        store_val_at(q, c, x);
        if (x->type == STORE_TEXT || x->type == STORE_BLOB) {
            char *copy = mem_alloc(x->len + 1);
            if (x->len) memcpy(copy, x->p, x->len);
            copy[x->len] = '\0'; /* TEXT values are read NUL-terminated */
            x->p = copy;
            b->own[b->nown++] = copy;
        }
    }
    b->rows++;
}

static int pending_flush(pending *b, store *to, const ctable *t, store_stmt **full, vis_err *err)
{
    if (!b->rows) return 0;
    store_stmt *w = b->rows == b->cap ? *full : NULL;
    char *sql = NULL;
    if (!w) { /* the last, shorter batch, or the first full one */
        sql = insert_sql(t, b->rows);
        w = store_prepare_once(to, sql, err);
        if (w && b->rows == b->cap) *full = w;
    }
    int rc = w ? store_bind_vals(w, b->v, b->rows * t->ncols, err) : (err->code ? err->code : VIS_ESTORE);
    if (!rc && store_row(w, err) < 0) rc = err->code ? err->code : VIS_ESTORE;
    if (w) store_done(w);
    if (w && w != *full) store_finalize(w);
    free(sql);
    for (int i = 0; i < b->nown; i++) free(b->own[i]);
    b->nown = b->rows = 0;
    return rc;
}

/* Copy one table's rows (the target's were deleted; *rows copied), several
 * per INSERT: as many as the target's driver binds at once, up to
 * COPY_MAX_ROWS (one round trip for up to 256 rows on PostgreSQL). */
static int copy_table(store *from, store *to, const ctable *t, int64_t *rows, vis_err *err)
{
    buf sel;
    buf_init(&sel);
    buf_puts(&sel, "SELECT ");
    quote_cols(&sel, t);
    buf_puts(&sel, " FROM ");
    quote(&sel, t->name);
    buf_puts(&sel, " ORDER BY 1"); /* the id, where the table has one: ids ascend */
    char *ssql = done_text(&sel);
    int per = to->drv->max_vals / t->ncols;
    pending b = {.cap = per < 1 ? 1 : per > COPY_MAX_ROWS ? COPY_MAX_ROWS : per};
    b.v = mem_alloc(sizeof *b.v * (size_t)(b.cap * t->ncols));
    b.own = mem_alloc(sizeof *b.own * (size_t)(b.cap * t->ncols));
    *rows = 0;
    store_stmt *full = NULL, *q = store_prepare_once(from, ssql, err);
    int rc = q ? store_bind_vals(q, NULL, 0, err) : (err->code ? err->code : VIS_ESTORE);
    int r = 0;
    while (!rc && (r = store_row(q, err)) == 1) {
        pending_add(&b, q, t->ncols);
        (*rows)++;
        if (b.rows == b.cap) rc = pending_flush(&b, to, t, &full, err);
    }
    if (!rc && r < 0) rc = err->code ? err->code : VIS_ESTORE;
    if (!rc) rc = pending_flush(&b, to, t, &full, err);
    for (int i = 0; i < b.nown; i++) free(b.own[i]);
    if (q) store_done(q);
    store_finalize(full);
    store_finalize(q);
    free(b.v);
    free(b.own);
    free(ssql);
    return rc;
}

/* Empty the target's tables (the migrations' seed rows) and fill them. */
static int copy_all(store *from, store *to, ctable *t, int n, ctable *tt, int nt, FILE *progress, vis_err *err)
{
    for (int i = nt - 1; i >= 0; i--) { /* dependents first */
        buf b;
        buf_init(&b);
        buf_puts(&b, "DELETE FROM ");
        quote(&b, tt[i].name);
        char *sql = done_text(&b);
        int rc = run_once(to, sql, NULL, 0, NULL, err);
        free(sql);
        if (rc) return rc;
    }
    for (int i = 0; i < n; i++) {
        int64_t rows = 0, src = 0, dst = 0;
        if (copy_table(from, to, &t[i], &rows, err) || count_rows(from, t[i].name, 0, false, &src, err) ||
            count_rows(to, t[i].name, 0, false, &dst, err))
            return err->code ? err->code : VIS_ESTORE;
        if (src != rows || dst != rows)
            return vis_errf(err, VIS_ESTORE, NULL, NULL, "table %s: %lld rows read, %lld in the source, %lld written",
                            t[i].name, (long long)rows, (long long)src, (long long)dst);
        if (progress) fprintf(progress, "%-28s %lld\n", t[i].name, (long long)rows);
    }
    return to->drv->migrated ? to->drv->migrated(to, err) : 0;
}

/* Every source table is in the target with the same columns, and the
 * target has no table the source lacks. */
static int same_schema(ctable *t, int n, ctable *tt, int nt, vis_err *err)
{
    for (int i = 0; i < n; i++) {
        ctable *o = find(tt, nt, t[i].name);
        if (!o) return vis_errf(err, VIS_ESTORE, NULL, NULL, "table %s is missing in the target", t[i].name);
        if (t[i].ncols > COPY_MAX_COLS)
            return vis_errf(err, VIS_ESTORE, NULL, NULL, "table %s has more than %d columns", t[i].name,
                            COPY_MAX_COLS);
        bool same = o->ncols == t[i].ncols;
        for (int c = 0; c < t[i].ncols && same; c++) {
            bool found = false;
            for (int k = 0; k < o->ncols && !found; k++) found = !strcmp(o->cols[k], t[i].cols[c]);
            same = found;
        }
        if (!same) return vis_errf(err, VIS_ESTORE, NULL, NULL, "table %s has other columns in the target", t[i].name);
    }
    if (nt != n) return vis_errf(err, VIS_ESTORE, NULL, NULL, "the target has tables the source lacks");
    return 0;
}

int store_copy(store *from, store *to, int64_t now_ms, FILE *progress, vis_err *err)
{
    if (check_source(from, err) || check_target(to, now_ms, err) || store_migrate(to, now_ms, err))
        return err->code ? err->code : VIS_ESTORE;
    ctable *t = NULL, *tt = NULL;
    int n = 0, nt = 0;
    int rc = store_read_begin(from, err);
    if (!rc) rc = tables_of(from, &t, &n, err);
    if (!rc) rc = tables_of(to, &tt, &nt, err);
    if (!rc) rc = same_schema(t, n, tt, nt, err);
    if (!rc) rc = store_begin(to, err);
    if (!rc) {
        rc = copy_all(from, to, t, n, tt, nt, progress, err);
        if (rc) store_rollback(to);
        else rc = store_commit(to, err);
    }
    store_read_end(from);
    tables_free(t, n);
    tables_free(tt, nt);
    return rc;
}
