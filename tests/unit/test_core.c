/* Unit tests of the core: clock, config, store, journal, ledger, accounts,
 * time accounting — each against a fresh temporary SQLite database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/account.h"
#include "base/clock.h"
#include "core/config.h"
#include "core/journal.h"
#include "core/ledger.h"
#include "core/timeacct.h"
#include "store/store.h"
#include "store/store_int.h"
#include "http/authcache.h"

#include "fixture.h"

static void test_clock(void **state)
{
    (void)state;
    char iso[32];
    clock_iso(1796303100000LL, iso);
    assert_string_equal(iso, "2026-12-03T13:05:00Z");
    clock_iso(0, iso);
    assert_string_equal(iso, "1970-01-01T00:00:00Z");
    vis_clock c;
    clock_init(&c);
    int64_t a = clock_now_ms(&c);
    assert_true(a > 1600000000000LL);
    clock_set_ms(&c, 1000);
    assert_int_equal(clock_now_ms(&c), 1000);
    clock_advance_ms(&c, 500);
    assert_int_equal(clock_now_ms(&c), 1500);
    assert_true(clock_is_frozen(&c));
    clock_release(&c);
    assert_true(clock_now_ms(&c) >= a);
}

static void test_config(void **state)
{
    (void)state;
    vis_config c;
    vis_err err;
    config_defaults(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_int_equal(c.min_hourly_micros, 12000000);
    assert_int_equal(config_set(&c, "threads", "8", &err), 0);
    assert_int_equal(c.threads, 8);
    assert_int_equal(config_set(&c, "threads", "0", &err), VIS_EINVAL);
    assert_string_equal(err.field, "threads");
    assert_int_equal(config_set(&c, "nope", "1", &err), VIS_EINVAL);
    assert_string_equal(err.field, "nope");
    assert_int_equal(config_set_kv(&c, "log.requests=false", &err), 0);
    assert_false(c.log_requests);
    assert_int_equal(config_set_kv(&c, "log.requests=maybe", &err), VIS_EINVAL);
    char path[] = "/tmp/visible-cfg-XXXXXX";
    int fd = mkstemp(path);
    const char *js = "{\"ratelimit\":{\"per_minute\":5},\"currency\":\"USD\"}";
    assert_int_equal(write(fd, js, strlen(js)), (ssize_t)strlen(js));
    close(fd);
    assert_int_equal(config_load_file(&c, path, &err), 0);
    assert_int_equal(c.rate_per_minute, 5);
    assert_string_equal(c.currency, "USD");
    FILE *fp = fopen(path, "w");
    fputs("{\"ratelimit\":{\"per_minute\":\"five\"}}", fp);
    fclose(fp);
    assert_int_equal(config_load_file(&c, path, &err), VIS_EINVAL);
    assert_string_equal(err.field, "ratelimit.per_minute");
    unlink(path);
    char *j = config_to_json(&c);
    assert_non_null(strstr(j, "\"currency\":\"USD\""));
    free(j);
}

/* the token cache: generations, expiry, many tokens */
static void test_authcache(void **state)
{
    (void)state;
    authcache *c = authcache_new();
    assert_non_null(c);
    account a = {.id = 7}, got;
    snprintf(a.role, sizeof a.role, "worker");
    unsigned char h[ACCOUNT_TOKEN_HASH];
    account_token_hash("vsb_one", h);
    assert_false(authcache_get(c, h, 0, &got));
    uint64_t g = authcache_gen(c);
    authcache_put(c, h, g, 1000, &a);
    assert_true(authcache_get(c, h, 999, &got));
    assert_int_equal(got.id, 7);
    assert_false(authcache_get(c, h, 1000, &got)); /* expired */
    /* a change committed after the read: the entry filled from it is ignored */
    authcache_invalidate(c);
    assert_false(authcache_get(c, h, 0, &got));
    authcache_put(c, h, g, 1000, &a); /* read before the change */
    assert_false(authcache_get(c, h, 0, &got));
    authcache_put(c, h, authcache_gen(c), 1000, &a);
    assert_true(authcache_get(c, h, 0, &got));
    /* 1,000 tokens: every one either cached right or missed, never another's account */
    for (int i = 0; i < 1000; i++) {
        char tok[32];
        snprintf(tok, sizeof tok, "vsb_%d", i);
        account_token_hash(tok, h);
        account b = {.id = i};
        authcache_put(c, h, authcache_gen(c), INT64_MAX, &b);
    }
    int hits = 0;
    for (int i = 0; i < 1000; i++) {
        char tok[32];
        snprintf(tok, sizeof tok, "vsb_%d", i);
        account_token_hash(tok, h);
        if (authcache_get(c, h, 0, &got)) {
            assert_int_equal(got.id, i);
            hits++;
        }
    }
    assert_true(hits > 900);
    authcache_free(c);
}

/* migration 7: allowed-value checks as comparisons, same meaning */
static void test_checks_as_comparisons(void **state)
{
    fx *f = *state;
    char *r = store_sqlite_rewrite_checks("CREATE TABLE t(a TEXT CHECK (a IN ('x','it''s', 'y')), b INTEGER CHECK (b > 0),"
                                          " c TEXT NOT NULL CHECK (c IN ('p','q')))");
    assert_non_null(r);
    assert_string_equal(r, "CREATE TABLE t(a TEXT CHECK (a = 'x' OR a = 'it''s' OR a = 'y'), b INTEGER CHECK (b > 0),"
                           " c TEXT NOT NULL CHECK (c = 'p' OR c = 'q'))");
    free(r);
    r = store_sqlite_rewrite_checks("CHECK (a IN (1, 2)) CHECK (a IN ('x'");
    assert_string_equal(r, "CHECK (a IN (1, 2)) CHECK (a IN ('x'"); /* not a list of strings: left alone */
    free(r);
    /* the migrated store: no IN list left, and the checks still refuse */
    vis_err err;
    int64_t n = -1;
    assert_int_equal(store_get_i64(f->db, "SELECT COUNT(*) FROM sqlite_schema WHERE sql LIKE '%CHECK (% IN (''%'", &n,
                                   &err, ""),
                     1);
    assert_int_equal(n, 0);
    assert_int_equal(store_exec(f->db, "INSERT INTO accounts(role, name, email, created_ms) VALUES ($1, 'x', 'x@y', 1)",
                                &err, "t", "boss"),
                     VIS_ECONFLICT);
    assert_int_equal(store_exec(f->db, "INSERT INTO accounts(role, name, email, created_ms) VALUES ($1, 'x', 'x@y', 1)",
                                &err, "t", "client"),
                     0);
    store_stmt *q = store_query(f->db, "PRAGMA integrity_check", &err, "");
    assert_non_null(q);
    assert_int_equal(store_row(q, &err), 1);
    assert_string_equal(store_col_text(q, 0), "ok");
    store_done(q);
}

static void test_store_binding(void **state)
{
    fx *f = *state;
    vis_err err;
    /* a statement given the wrong number of parameters is refused, not run */
    assert_int_not_equal(store_exec(f->db, "INSERT INTO settings(key, value) VALUES ($1, $2)", &err, "t", "k"), 0);
    assert_int_equal(store_exec(f->db, "INSERT INTO settings(key, value) VALUES ($1, $2)", &err, "tt", "k", "v"), 0);
    /* nested transactions: an inner rollback aborts the whole */
    assert_int_equal(store_begin(f->db, &err), 0);
    assert_int_equal(store_exec(f->db, "INSERT INTO settings(key, value) VALUES ($1, $2)", &err, "tt", "a", "1"), 0);
    assert_int_equal(store_begin(f->db, &err), 0);
    store_rollback(f->db);
    assert_int_not_equal(store_commit(f->db, &err), 0);
    int64_t n = -1;
    assert_int_equal(store_get_i64(f->db, "SELECT COUNT(*) FROM settings WHERE key = $1", &n, &err, "t", "a"), 1);
    assert_int_equal(n, 0);
    assert_false(store_in_tx(f->db));
}

/* A read snapshot sees the database as at its first read; a write on the
 * same connection ends it (and is not refused for a stale snapshot). */
static void test_store_read_snapshot(void **state)
{
    fx *f = *state;
    vis_err err;
    store *other;
    assert_int_equal(store_connect(f->pool, &other, &err), 0);
    static const char count[] = "SELECT COUNT(*) FROM settings";
    static const char put[] = "INSERT INTO settings(key, value) VALUES ($1, 'v')";
    int64_t n0 = -1, n = -1;
    assert_int_equal(store_read_begin(f->db, &err), 0);
    assert_int_equal(store_get_i64(f->db, count, &n0, &err, ""), 1);
    assert_int_equal(store_exec(other, put, &err, "t", "from-other"), 0); /* a writer is not held up */
    assert_int_equal(store_get_i64(f->db, count, &n, &err, ""), 1);
    assert_int_equal(n, n0); /* still the snapshot */
    assert_int_equal(store_exec(f->db, put, &err, "t", "from-reader"), 0); /* ends it */
    assert_int_equal(store_get_i64(f->db, count, &n, &err, ""), 1);
    assert_int_equal(n, n0 + 2);
    store_read_end(f->db);
    /* a transaction begun inside a snapshot ends it first */
    assert_int_equal(store_read_begin(f->db, &err), 0);
    assert_int_equal(store_get_i64(f->db, count, &n, &err, ""), 1);
    assert_int_equal(store_exec(other, put, &err, "t", "again"), 0);
    assert_int_equal(store_begin(f->db, &err), 0);
    assert_int_equal(store_get_i64(f->db, count, &n, &err, ""), 1);
    assert_int_equal(n, n0 + 3);
    assert_int_equal(store_commit(f->db, &err), 0);
    store_read_end(f->db);
    assert_false(store_in_tx(f->db));
    store_disconnect(other);
}

/* Migrations are numbered 1, 2, 3, ... in the order they are listed. */
static void test_migrations_in_order(void **state)
{
    (void)state;
    int expect = 1;
    for (const store_migration *m = store_migrations; m->version; m++) assert_int_equal(m->version, expect++);
}

/* store_one: a row, no row (not an error), an error (never "no row"). */
static void test_store_one(void **state)
{
    fx *f = *state;
    vis_err err;
    store_stmt *q = (store_stmt *)1;
    assert_int_equal(store_exec(f->db, "INSERT INTO settings(key, value) VALUES ($1, $2)", &err, "tt", "one", "1"), 0);
    assert_int_equal(store_one(f->db, "SELECT value FROM settings WHERE key = $1", &q, &err, "t", "one"), 0);
    assert_non_null(q);
    assert_string_equal(store_col_text(q, 0), "1");
    store_done(q);
    assert_int_equal(store_one(f->db, "SELECT value FROM settings WHERE key = $1", &q, &err, "t", "none"), 0);
    assert_null(q);
    q = (store_stmt *)1;
    assert_int_not_equal(store_one(f->db, "SELECT value FROM settings WHERE key = $1", &q, &err, "", NULL), 0);
    assert_null(q);
    assert_int_not_equal(err.code, 0);
    assert_true(err.msg[0] != '\0');
}

static void test_journal_chain(void **state)
{
    fx *f = *state;
    vis_err err;
    for (int i = 0; i < 20; i++) {
        journal_event e = journal_event_init("core", "tested", 1000 + i);
        e.worker_id = i % 3 ? 7 : -1;
        e.payload = "{\"i\":1}";
        int64_t id;
        assert_int_equal(journal_append(f->db, &e, &id, &err), 0);
        assert_int_equal(id, i + 1);
    }
    journal_report r;
    assert_int_equal(journal_verify(f->db, &r, &err), 0);
    assert_int_equal(r.rows, 20);
    /* an edit is found */
    assert_int_equal(store_exec_script(f->db, "UPDATE journal SET at_ms = at_ms + 1 WHERE id = 12", &err), 0);
    assert_int_equal(journal_verify(f->db, &r, &err), 1);
    assert_int_equal(r.bad_id, 12);
    assert_int_equal(r.rows, 11);
    assert_int_equal(store_exec_script(f->db, "UPDATE journal SET at_ms = at_ms - 1 WHERE id = 12", &err), 0);
    assert_int_equal(journal_verify(f->db, &r, &err), 0);
    /* so is a removal */
    assert_int_equal(store_exec_script(f->db, "DELETE FROM journal WHERE id = 5", &err), 0);
    assert_int_equal(journal_verify(f->db, &r, &err), 1);
    assert_int_equal(r.bad_id, 6);
}

static void test_ledger(void **state)
{
    fx *f = *state;
    vis_err err;
    int64_t client = 3, worker = 4, funds, escrow, earn, fees, bal, sum;
    ledger_tx_in tx = {.kind = "credit", .memo = "m", .family = "core", .actor_id = -1, .now_ms = 5};
    bool replayed;
    int64_t txid, txid2;
    assert_int_equal(ledger_credit_client(f->db, client, 1000, "EUR", &tx, &txid, &replayed, &err), 0);
    assert_int_equal(ledger_account(f->db, "client_funds", client, "", "EUR", &funds, &err), 0);
    assert_int_equal(ledger_balance(f->db, funds, &bal, &err), 0);
    assert_int_equal(bal, 1000);
    assert_int_equal(ledger_account(f->db, "escrow", client, "batch:1", "EUR", &escrow, &err), 0);
    assert_int_equal(ledger_account(f->db, "worker_earnings", worker, "", "EUR", &earn, &err), 0);
    assert_int_equal(ledger_account(f->db, "platform_fees", 0, "", "EUR", &fees, &err), 0);
    /* unbalanced and zero legs are refused */
    ledger_leg bad[2] = {{funds, -10}, {escrow, 9}};
    tx.kind = "escrow";
    assert_int_equal(ledger_post(f->db, &tx, bad, 2, NULL, NULL, &err), VIS_EINVAL);
    ledger_leg zero[2] = {{funds, 0}, {escrow, 0}};
    assert_int_equal(ledger_post(f->db, &tx, zero, 2, NULL, NULL, &err), VIS_EINVAL);
    /* overspending is refused and changes nothing */
    ledger_leg over[2] = {{funds, -1001}, {escrow, 1001}};
    assert_int_equal(ledger_post(f->db, &tx, over, 2, NULL, NULL, &err), VIS_ECONFLICT);
    assert_string_equal(err.kind, "insufficient_funds");
    assert_int_equal(ledger_balance(f->db, funds, &bal, &err), 0);
    assert_int_equal(bal, 1000);
    /* escrow then pay a worker with a fee, idempotently */
    ledger_leg esc[2] = {{funds, -800}, {escrow, 800}};
    assert_int_equal(ledger_post(f->db, &tx, esc, 2, NULL, NULL, &err), 0);
    ledger_leg pay[3] = {{escrow, -110}, {earn, 100}, {fees, 10}};
    tx.kind = "payment";
    tx.idem_key = "pay:1";
    assert_int_equal(ledger_post(f->db, &tx, pay, 3, &txid, &replayed, &err), 0);
    assert_false(replayed);
    assert_int_equal(ledger_post(f->db, &tx, pay, 3, &txid2, &replayed, &err), 0);
    assert_true(replayed);
    assert_int_equal(txid, txid2);
    assert_int_equal(ledger_balance(f->db, earn, &bal, &err), 0);
    assert_int_equal(bal, 100);
    assert_int_equal(ledger_sum_all(f->db, &sum, &err), 0);
    assert_int_equal(sum, 0);
    /* the payment reached the journal as paid to the worker */
    int64_t paid = 0;
    assert_int_equal(store_get_i64(f->db, "SELECT SUM(amount_micros) FROM journal WHERE worker_id = $1 AND event = 'paid'",
                                   &paid, &err, "i", worker), 1);
    assert_int_equal(paid, 100);
    timeacct t;
    assert_int_equal(timeacct_compute(f->db, worker, 0, 100, &t, &err), 0);
    assert_int_equal(t.paid_micros, 100);
    journal_report r;
    assert_int_equal(journal_verify(f->db, &r, &err), 0);
}

static void test_timeacct(void **state)
{
    fx *f = *state;
    vis_err err;
    const int64_t H = 3600000;
    struct { const char *k; int64_t a, b; } spans[] = {
        {"active", 0, H}, {"active", H / 2, H + H / 2}, {"waiting", 2 * H, 3 * H}, {"unpaid", 3 * H, 3 * H + 60000},
        {"active", 10 * H, 11 * H},
    };
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        journal_event e = journal_event_init("microwork", "submitted", spans[i].b);
        e.worker_id = 9;
        e.span_kind = spans[i].k;
        e.span_start_ms = spans[i].a;
        e.span_end_ms = spans[i].b;
        assert_int_equal(journal_append(f->db, &e, NULL, &err), 0);
    }
    journal_event p = journal_event_init("microwork", "paid", H);
    p.worker_id = 9;
    p.has_amount = true;
    p.amount_micros = 25000000;
    assert_int_equal(journal_append(f->db, &p, NULL, &err), 0);
    timeacct t;
    assert_int_equal(timeacct_compute(f->db, 9, 0, 5 * H, &t, &err), 0);
    assert_int_equal(t.active_ms, H + H / 2);
    assert_int_equal(t.waiting_ms, H);
    assert_int_equal(t.unpaid_ms, 60000);
    assert_int_equal(t.paid_micros, 25000000);
    assert_int_equal(t.hourly_micros, 10000000); /* 25 EUR over 2.5 h */
    assert_int_equal(timeacct_compute(f->db, 9, H, 2 * H + H / 2, &t, &err), 0);
    assert_int_equal(t.active_ms, H / 2);
    assert_int_equal(t.waiting_ms, H / 2);
    assert_int_equal(timeacct_compute(f->db, 9, 5, 5, &t, &err), VIS_EINVAL);
    assert_int_equal(timeacct_hourly(1000000, 0), 0);
    assert_int_equal(timeacct_hourly(INT64_C(1000000000000), 1), INT64_C(3600000000000000000));
}

static void test_partition_override(void **state)
{
    (void)state;
    /* active 0-100, then rejected (unpaid 0-100), then overturned (active 0-50) */
    span_in v[] = {{0, 100, TIME_ACTIVE}, {100, 200, TIME_WAITING}, {0, 100, TIME_UNPAID}, {0, 50, TIME_ACTIVE},
                   {150, 160, TIME_ACTIVE}};
    int64_t t[3];
    timeacct_partition(v, 5, t);
    assert_int_equal(t[TIME_ACTIVE], 60);
    assert_int_equal(t[TIME_UNPAID], 50);
    assert_int_equal(t[TIME_WAITING], 90);
    timeacct_partition(v, 0, t);
    assert_int_equal(t[0] + t[1] + t[2], 0);
}

static void test_accounts(void **state)
{
    fx *f = *state;
    vis_err err;
    account a, b;
    account_pwcost cheap = {1, 8192 * 8};
    assert_int_equal(account_create(f->db, "worker", "W", "W@Example.org", "password1", &cheap, 1, &a, &err), 0);
    assert_string_equal(a.email, "w@example.org");
    assert_int_equal(account_create(f->db, "worker", "W2", "w@example.org", "password1", &cheap, 1, &b, &err),
                     VIS_ECONFLICT);
    assert_int_equal(account_create(f->db, "boss", "W2", "x@example.org", "password1", &cheap, 1, &b, &err), VIS_EINVAL);
    assert_string_equal(err.field, "role");
    assert_int_equal(account_create(f->db, "worker", "W2", "x@example", "password1", &cheap, 1, &b, &err), VIS_EINVAL);
    assert_string_equal(err.field, "email");
    assert_int_equal(account_create(f->db, "worker", "W2", "x@example.org", "short", &cheap, 1, &b, &err), VIS_EINVAL);
    assert_string_equal(err.field, "password");
    assert_int_equal(account_login(f->db, "w@example.org", "password1", &b, &err), 0);
    assert_int_equal(b.id, a.id);
    assert_int_equal(account_login(f->db, "w@example.org", "password2", &b, &err), VIS_EAUTH);
    char tok[ACCOUNT_TOKEN_LEN];
    assert_int_equal(account_token_issue(f->db, a.id, "t", 100, 200, tok, &err), 0);
    assert_int_equal(strlen(tok), 47);
    assert_int_equal(account_token_auth(f->db, tok, 150, &b, &err), 0);
    assert_int_equal(account_token_auth(f->db, tok, 250, &b, &err), VIS_EAUTH);
    tok[10] ^= 1;
    assert_int_equal(account_token_auth(f->db, tok, 150, &b, &err), VIS_EAUTH);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_config),
        cmocka_unit_test_setup_teardown(test_store_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checks_as_comparisons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_read_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_one, setup, teardown),
        cmocka_unit_test(test_migrations_in_order),
        cmocka_unit_test(test_authcache),
        cmocka_unit_test_setup_teardown(test_journal_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeacct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
        cmocka_unit_test(test_partition_override),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
