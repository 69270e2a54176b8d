/* Unit tests of store_copy (store/store_copy.c) between two SQLite files;
 * SQLite <-> PostgreSQL is tests/api/test_store_copy.py (needs VISIBLE_PG). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "base/buf.h"
#include "store/store_int.h"

typedef struct pair {
    fx         *src;
    char        path[64];
    store_pool *pool;
    store      *db;
} pair;

static int setup2(void **state)
{
    void *s = NULL;
    setup(&s);
    pair *p = calloc(1, sizeof *p);
    p->src = s;
    snprintf(p->path, sizeof p->path, "/tmp/visible-unit-XXXXXX");
    int fd = mkstemp(p->path);
    close(fd);
    vis_err err;
    store_opts o = {.sync_full = false, .busy_timeout_ms = 1000};
    assert_int_equal(store_pool_open(&p->pool, p->path, &o, &err), 0);
    assert_int_equal(store_connect(p->pool, &p->db, &err), 0);
    /* a table of edge values (and a column named by a reserved word), in both */
    const char *ddl = "CREATE TABLE x_odd(id INTEGER PRIMARY KEY, r REAL, b BLOB, t TEXT, \"order\" INTEGER) STRICT";
    assert_int_equal(store_exec_script(p->src->db, ddl, &err), 0);
    assert_int_equal(store_exec_script(p->db, ddl, &err), 0);
    assert_int_equal(store_exec_script(p->src->db,
                                       "INSERT INTO accounts(id, role, name, email, created_ms) VALUES"
                                       " (7, 'worker', 'Zoë \"x\"', 'z@example.org', 1),"
                                       " (9, 'client', 'C', 'c@example.org', 2);"
                                       "INSERT INTO tokens(hash, account_id, created_ms, expires_ms) VALUES"
                                       " (x'00ff10', 7, 3, NULL), (x'', 9, 4, 5);"
                                       "INSERT INTO x_odd VALUES (1, 0.1, x'', '', 9223372036854775807),"
                                       " (2, 4.9406564584124654e-324, NULL, NULL, -9223372036854775808),"
                                       " (3, -2.5e300, x'0001', 'a''b', NULL)",
                                       &err),
                     0);
    *state = p;
    return 0;
}

static int teardown2(void **state)
{
    pair *p = *state;
    void *s = p->src;
    teardown(&s);
    store_disconnect(p->db);
    store_pool_close(p->pool);
    char tmp[80];
    unlink(p->path);
    snprintf(tmp, sizeof tmp, "%s-wal", p->path);
    unlink(tmp);
    snprintf(tmp, sizeof tmp, "%s-shm", p->path);
    unlink(tmp);
    free(p);
    return 0;
}

/* Every row of a table, each value with its type, as one string. */
static char *dump(store *db, const char *sql)
{
    buf b;
    buf_init(&b);
    vis_err err;
    store_stmt *q = store_query(db, sql, &err, "");
    assert_non_null(q);
    while (store_row(q, &err) == 1) {
        for (int c = 0; c < 5; c++) {
            store_val v;
            store_val_at(q, c, &v);
            switch (v.type) {
            case STORE_NULL: buf_puts(&b, "N|"); break;
            case STORE_INT: buf_printf(&b, "i%lld|", (long long)v.i); break;
            case STORE_REAL: buf_printf(&b, "r%a|", v.r); break;
            case STORE_TEXT: buf_printf(&b, "t%.*s|", (int)v.len, (const char *)v.p); break;
            case STORE_BLOB:
                buf_puts(&b, "b");
                for (size_t k = 0; k < v.len; k++) buf_printf(&b, "%02x", ((const unsigned char *)v.p)[k]);
                buf_puts(&b, "|");
                break;
            }
        }
        buf_puts(&b, "\n");
    }
    store_done(q);
    buf_append(&b, "", 1);
    return b.data;
}

static const char SQL_ODD[] = "SELECT id, r, b, t, \"order\" FROM x_odd ORDER BY id";
static const char SQL_TOK[] = "SELECT hash, account_id, label, created_ms, expires_ms FROM tokens ORDER BY created_ms";
static const char SQL_ACC[] = "SELECT id, role, name, email, pw_hash FROM accounts ORDER BY id";

static void test_copy_exact(void **state)
{
    pair *p = *state;
    vis_err err;
    FILE *out = tmpfile();
    assert_int_equal(store_copy(p->src->db, p->db, 10, out, &err), 0);
    for (const char *const *sql = (const char *const[]){SQL_ODD, SQL_TOK, SQL_ACC, NULL}; *sql; sql++) {
        char *a = dump(p->src->db, *sql), *b = dump(p->db, *sql);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    char *odd = dump(p->db, SQL_ODD);
    assert_non_null(strstr(odd, "r0x0.0000000000001p-1022|N|N|i-9223372036854775808|")); /* the smallest double */
    assert_non_null(strstr(odd, "i1|r0x1.999999999999ap-4|b|t|")); /* 0.1; an empty blob stays one, not NULL */
    free(odd);
    /* progress: one line per table with its rows */
    rewind(out);
    char line[128];
    int tables = 0;
    bool saw = false;
    while (fgets(line, sizeof line, out)) {
        tables++;
        if (!strncmp(line, "x_odd ", 6)) saw = strstr(line, " 3\n") != NULL;
    }
    fclose(out);
    assert_true(saw);
    assert_true(tables > 40);
    /* the schema history is the source's, and a new row gets a fresh id */
    int64_t n = 0;
    assert_int_equal(store_get_i64(p->db, "SELECT MIN(applied_ms) FROM schema_migrations", &n, &err, ""), 1);
    assert_int_equal(n, 0);
    assert_int_equal(store_exec_script(p->db,
                                       "INSERT INTO accounts(role, name, email, created_ms) VALUES"
                                       " ('worker', 'New', 'n@example.org', 9)",
                                       &err),
                     0);
    assert_true(store_last_id(p->db) > 9);
    /* the target is not empty now: refused, and left as it was */
    assert_int_equal(store_copy(p->src->db, p->db, 10, NULL, &err), VIS_EINVAL);
    assert_non_null(strstr(err.msg, "not empty"));
    assert_int_equal(store_get_i64(p->db, "SELECT COUNT(*) FROM accounts", &n, &err, ""), 1);
    assert_int_equal(n, 3);
}

static void test_copy_refuses_other_schema_versions(void **state)
{
    pair *p = *state;
    vis_err err;
    assert_int_equal(store_exec_script(p->src->db,
                                       "INSERT INTO schema_migrations(version, name, applied_ms) VALUES (9999, 'x', 0)",
                                       &err),
                     0);
    assert_int_equal(store_copy(p->src->db, p->db, 10, NULL, &err), VIS_EINVAL);
    assert_non_null(strstr(err.msg, "newer than this binary"));
    assert_int_equal(store_exec_script(p->src->db, "DELETE FROM schema_migrations WHERE version >= 9999", &err), 0);
    int latest = store_schema_latest();
    char del[96];
    snprintf(del, sizeof del, "DELETE FROM schema_migrations WHERE version = %d", latest);
    assert_int_equal(store_exec_script(p->src->db, del, &err), 0);
    assert_int_equal(store_copy(p->src->db, p->db, 10, NULL, &err), VIS_EINVAL);
    assert_non_null(strstr(err.msg, "older than this binary"));
    /* nothing was migrated on the target by a refused copy */
    assert_int_equal(store_schema_version(p->db), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_exact, setup2, teardown2),
        cmocka_unit_test_setup_teardown(test_copy_refuses_other_schema_versions, setup2, teardown2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
