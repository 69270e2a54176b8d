/* Unit tests of micro-work's automated decisions, on a fixture store and
 * through the service functions (not HTTP): quality control blocks a worker
 * only on a control answer actually checked against its gold (a failed read
 * fails the submit instead of scoring the worker wrong), dynamic overlap
 * closes a task early, the last answer completes the batch; and the column
 * indexes the readers use match what the statements select. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "base/mem.h"
#include "core/account.h"
#include "core/ledger.h"
#include "microwork/mw.h"
#include "store/sql_microwork.h"

typedef struct mwfx {
    account client, worker, worker2;
} mwfx;

static void people(fx *f, mwfx *m)
{
    vis_err err;
    assert_int_equal(account_create_hashed(f->db, "client", "Client", "c@t.test", NULL, 0, &m->client, &err), 0);
    assert_int_equal(account_create_hashed(f->db, "worker", "Worker", "w@t.test", NULL, 0, &m->worker, &err), 0);
    assert_int_equal(account_create_hashed(f->db, "worker", "Worker 2", "w2@t.test", NULL, 0, &m->worker2, &err), 0);
    ledger_tx_in tx = {.kind = "credit", .memo = "test funds", .family = "core", .subject = "account:1",
                       .actor_id = -1, .now_ms = 1000};
    assert_int_equal(ledger_credit_client(f->db, m->client.id, 1000000000LL, f->cfg.currency, &tx, NULL, NULL, &err),
                     0);
}

/* A published batch of the client: the tasks are CSV with a _gold column. */
static int64_t batch(fx *f, mwfx *m, double control_ratio, double min_skill, int64_t min_control, int64_t overlap,
                     double conf_target, const char *csv)
{
    vis_err err;
    mw_ctx c = {.db = f->db, .cfg = &f->cfg, .now_ms = 10000, .who = &m->client};
    json_t *spec = json_pack("{s:s, s:s, s:s, s:[s,s,s], s:I, s:I, s:I, s:f, s:f, s:I}", "title", "Sentiment",
                             "template", "Review: ${review}", "answer_type", "single", "labels", "positive",
                             "negative", "neutral", "reward_micros", (json_int_t)60000, "overlap", (json_int_t)overlap,
                             "expected_seconds", (json_int_t)15, "control_ratio", control_ratio, "min_skill",
                             min_skill, "min_control_answers", (json_int_t)min_control);
    if (conf_target > 0) json_object_set_new(spec, "confidence_target", json_real(conf_target));
    json_t *out = NULL;
    int rc = mw_batch_create(&c, spec, &out, &err);
    if (rc) fprintf(stderr, "batch_create: %s\n", err.msg);
    assert_int_equal(rc, 0);
    json_decref(spec);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    out = NULL;
    rc = mw_tasks_add(&c, id, "text/csv", csv, strlen(csv), &out, &err);
    if (rc) fprintf(stderr, "tasks_add: %s\n", err.msg);
    assert_int_equal(rc, 0);
    json_decref(out);
    out = NULL;
    rc = mw_batch_publish(&c, id, &out, &err);
    if (rc) fprintf(stderr, "publish: %s\n", err.msg);
    assert_int_equal(rc, 0);
    json_decref(out);
    return id;
}

static int64_t claim(fx *f, const account *w, int64_t b, int64_t now, bool *control)
{
    vis_err err;
    mw_ctx c = {.db = f->db, .cfg = &f->cfg, .now_ms = now, .who = w};
    json_t *out = NULL;
    int rc = mw_claim(&c, b, &out, &err);
    if (rc) fprintf(stderr, "claim: %s\n", err.msg);
    assert_int_equal(rc, 0);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    if (control) {
        static const char q[] = "SELECT is_control FROM mw_assignments WHERE id = $1";
        int64_t v = -1;
        assert_int_equal(store_get_i64(f->db, q, &v, &err, "i", id), 1);
        *control = v == 1;
    }
    return id;
}

static int submit(fx *f, const account *w, int64_t asg, int64_t now, const char *answer, vis_err *err)
{
    mw_ctx c = {.db = f->db, .cfg = &f->cfg, .now_ms = now, .who = w};
    json_t *body = json_pack("{s:s}", "answer", answer), *out = NULL;
    int rc = mw_submit(&c, asg, body, &out, err);
    json_decref(body);
    json_decref(out);
    return rc;
}

static int64_t blocked(fx *f, int64_t b, int64_t w)
{
    static const char q[] = "SELECT blocked FROM mw_worker_batch WHERE batch_id = $1 AND worker_id = $2";
    vis_err err;
    int64_t v = 0;
    assert_true(store_get_i64(f->db, q, &v, &err, "ii", b, w) >= 0);
    return v;
}

static int64_t count(fx *f, const char *sql, int64_t id)
{
    vis_err err;
    int64_t v = -1;
    assert_int_equal(store_get_i64(f->db, sql, &v, &err, "i", id), 1);
    return v;
}

/* The control task's gold cannot be read (its statement fails): the submit
 * fails with the store's error — the worker is not scored 0 and blocked. */
static void test_gold_read_fails_submit(void **state)
{
    fx *f = *state;
    mwfx m;
    people(f, &m);
    int64_t b = batch(f, &m, 0.5, 0.5, 1, 1, 0, "review,_gold\ngood,positive\nbad,\n");
    bool ctl = false;
    int64_t asg = claim(f, &m.worker, b, 20000, &ctl);
    assert_true(ctl);
    /* the task statement is prepared (the worker's view reads it) ... */
    vis_err err;
    mw_ctx c = {.db = f->db, .cfg = &f->cfg, .now_ms = 21000, .who = &m.worker};
    json_t *out = NULL;
    assert_int_equal(mw_assignment_get(&c, asg, &out, &err), 0);
    json_decref(out);
    /* ... and now fails when it runs */
    assert_int_equal(store_exec_script(f->db, "ALTER TABLE mw_tasks RENAME COLUMN gold TO gold_moved", &err), 0);
    memset(&err, 0, sizeof err);
    int rc = submit(f, &m.worker, asg, 30000, "positive", &err);
    assert_int_not_equal(rc, 0);
    assert_int_equal(err.code, rc);
    assert_int_equal(blocked(f, b, m.worker.id), 0);
}

/* A wrong control answer below the minimum skill blocks the worker, with the
 * decision journalled as automated; a right one does not. */
static void test_quality_control_blocks(void **state)
{
    fx *f = *state;
    mwfx m;
    people(f, &m);
    int64_t b = batch(f, &m, 0.5, 0.5, 1, 1, 0, "review,_gold\ngood,positive\nbad,negative\nmeh,\n");
    vis_err err;
    bool ctl = false;
    int64_t a1 = claim(f, &m.worker, b, 20000, &ctl);
    assert_true(ctl);
    assert_int_equal(submit(f, &m.worker, a1, 30000, "neutral", &err), 0); /* wrong: skill 1/3 */
    assert_int_equal(blocked(f, b, m.worker.id), 1);
    static const char qj[] =
        "SELECT count(*) FROM journal WHERE event = 'blocked' AND automated = 1 AND worker_id = $1";
    assert_int_equal(count(f, qj, m.worker.id), 1);
    int64_t a2 = claim(f, &m.worker2, b, 20000, &ctl);
    assert_true(ctl);
    /* worker 2 answers its control task right: skill 2/3, not blocked */
    static const char qg[] =
        "SELECT t.gold FROM mw_tasks t JOIN mw_assignments a ON a.task_id = t.id WHERE a.id = $1";
    store_stmt *q;
    assert_int_equal(store_one(f->db, qg, &q, &err, "i", a2), 0);
    assert_non_null(q);
    char gold[32];
    snprintf(gold, sizeof gold, "%s", store_col_text(q, 0));
    store_done(q);
    char ans[32];
    snprintf(ans, sizeof ans, "%.*s", (int)(strlen(gold) - 2), gold + 1); /* "\"positive\"" -> positive */
    assert_int_equal(submit(f, &m.worker2, a2, 30000, ans, &err), 0);
    assert_int_equal(blocked(f, b, m.worker2.id), 0);
}

/* The last answer of the last regular task completes the batch. */
static void test_batch_completes(void **state)
{
    fx *f = *state;
    mwfx m;
    people(f, &m);
    int64_t b = batch(f, &m, 0, 0, 1, 1, 0, "review,_gold\ngood,\n");
    vis_err err;
    int64_t a = claim(f, &m.worker, b, 20000, NULL);
    static const char qs[] = "SELECT CASE state WHEN 'completed' THEN 1 ELSE 0 END FROM mw_batches WHERE id = $1";
    assert_int_equal(count(f, qs, b), 0);
    assert_int_equal(submit(f, &m.worker, a, 30000, "positive", &err), 0);
    assert_int_equal(count(f, qs, b), 1);
    static const char qj[] = "SELECT count(*) FROM journal WHERE event = 'batch_completed' AND subject = 'batch:' || $1";
    assert_int_equal(count(f, qj, b), 1);
}

/* Dynamic overlap: two agreeing answers reach the confidence target, the
 * task closes early (its third answer returned to the client's budget) and,
 * being the batch's only task, the batch completes. */
static void test_early_close(void **state)
{
    fx *f = *state;
    mwfx m;
    people(f, &m);
    int64_t b = batch(f, &m, 0, 0, 1, 3, 0.8, "review,_gold\ngood,\n");
    vis_err err;
    int64_t a1 = claim(f, &m.worker, b, 20000, NULL), a2 = claim(f, &m.worker2, b, 20000, NULL);
    assert_int_equal(submit(f, &m.worker, a1, 30000, "positive", &err), 0);
    static const char qe[] = "SELECT count(*) FROM journal WHERE event = 'task_closed_early' AND automated = 1"
                             " AND $1 > 0";
    assert_int_equal(count(f, qe, 1), 0);
    assert_int_equal(submit(f, &m.worker2, a2, 31000, "positive", &err), 0);
    assert_int_equal(count(f, qe, 1), 1);
    static const char qb[] = "SELECT budget FROM mw_batches WHERE id = $1";
    assert_int_equal(count(f, qb, b), 2);
    static const char qs[] = "SELECT CASE state WHEN 'completed' THEN 1 ELSE 0 END FROM mw_batches WHERE id = $1";
    assert_int_equal(count(f, qs, b), 1);
}

/* The columns a statement selects: the commas at the top level of its
 * SELECT list, plus one. */
static int select_columns(const char *sql)
{
    const char *p = strstr(sql, "SELECT ") + 7, *end = strstr(sql, " FROM ");
    int n = 1, depth = 0;
    for (; p < end; p++) {
        if (*p == '(') depth++;
        else if (*p == ')') depth--;
        else if (*p == ',' && depth == 0) n++;
    }
    return n;
}

/* The column enums beside the SQL match what the statements select, and
 * the statements run (their last column is the enum's last). */
static void test_column_enums_match(void **state)
{
    fx *f = *state;
    assert_int_equal(select_columns(SQL_MW_BATCH_GET), MW_BC_COUNT);
    assert_int_equal(select_columns(SQL_MW_TASK_GET), MW_TC_COUNT);
    assert_int_equal(select_columns(SQL_MW_ASG_GET), MW_AC_COUNT);
    assert_int_equal(select_columns(SQL_MW_ASG_OF_BATCH), MW_AC_COUNT);
    assert_int_equal(select_columns(SQL_MW_ASG_OF_WORKER), MW_AC_COUNT);
    mwfx m;
    people(f, &m);
    int64_t b = batch(f, &m, 0, 0, 1, 1, 0, "review,_gold\ngood,\n");
    vis_err err;
    store_stmt *q;
    assert_int_equal(store_one(f->db, SQL_MW_BATCH_GET, &q, &err, "i", b), 0);
    assert_non_null(q);
    assert_int_equal(store_col_i64(q, MW_BC_ID), b);
    assert_int_equal(store_col_i64(q, MW_BC_CLIENT), m.client.id);
    assert_string_equal(store_col_text(q, MW_BC_STATE), "published");
    assert_int_equal(store_col_i64(q, MW_BC_REVIEWED_N), 0);
    store_done(q);
}

int main(void)
{
    mem_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gold_read_fails_submit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quality_control_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_completes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_early_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_column_enums_match, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
