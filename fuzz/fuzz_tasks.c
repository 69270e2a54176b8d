/*
 * fuzz_tasks — a task upload as POST /v1/batches/{id}/tasks takes it:
 * mw_tasks_add (src/microwork/mw_batch.c) parses the body as CSV
 * (Mechanical Turk batch input, with a _gold column) or as JSON lines, checks
 * every row against the batch's template variables and answer type, and
 * inserts the tasks. It runs here on a real, migrated SQLite store (a
 * temporary file) with one client and four draft batches, one per answer
 * type; every input runs in a transaction that is rolled back, so the
 * batches stay drafts and the store stays small.
 * Input: the first byte chooses the batch (bits 0-1: single, multiple, text,
 * number) and the format (bit 2: 0 CSV, 1 JSON lines); the rest is the body.
 * Properties checked: no crash, leak or UB; an accepted upload reports at
 * least one task.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/account.h"
#include "core/config.h"
#include "microwork/mw.h"
#include "store/store.h"

static char db_path[64];
static store_pool *pool;
static store *db;
static vis_config cfg;
static account client;
static int64_t batch_id[4];

static void cleanup(void)
{
    char p[80];
    if (db) store_disconnect(db);
    if (pool) store_pool_close(pool);
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
}

static void die(const char *what, const vis_err *e)
{
    fprintf(stderr, "fuzz_tasks setup: %s: %s\n", what, e->msg);
    exit(2);
}

static const char *const batch_specs[4] = {
    "{\"title\":\"single\",\"template\":\"Is ${text} about ${topic}?\",\"answer_type\":\"single\","
    "\"labels\":[\"yes\",\"no\",\"maybe\"],\"reward_micros\":50000,\"expected_seconds\":10}",
    "{\"title\":\"multiple\",\"template\":\"Tags of ${text}\",\"answer_type\":\"multiple\","
    "\"labels\":[\"a\",\"b\",\"c\"],\"reward_micros\":50000,\"expected_seconds\":10}",
    "{\"title\":\"text\",\"template\":\"Transcribe ${url}\",\"answer_type\":\"text\","
    "\"reward_micros\":50000,\"expected_seconds\":10}",
    "{\"title\":\"number\",\"template\":\"Count in ${url} (${text})\",\"answer_type\":\"number\","
    "\"reward_micros\":50000,\"expected_seconds\":10}",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    vis_err e;
    snprintf(db_path, sizeof db_path, "/tmp/visible-fuzz-tasks-XXXXXX");
    int fd = mkstemp(db_path);
    if (fd < 0) {
        perror("mkstemp");
        exit(2);
    }
    close(fd);
    atexit(cleanup);
    store_opts o = {.sync_full = false, .busy_timeout_ms = 1000};
    if (store_pool_open(&pool, db_path, &o, &e)) die("open", &e);
    if (store_connect(pool, &db, &e)) die("connect", &e);
    if (store_migrate(db, 0, &e)) die("migrate", &e);
    config_defaults(&cfg);
    if (account_create_hashed(db, "client", "Fuzz Client", "fuzz@client.test", NULL, 1000, &client, &e))
        die("account", &e);
    mw_ctx c = {.db = db, .cfg = &cfg, .now_ms = 1000, .who = &client};
    for (int i = 0; i < 4; i++) {
        json_t *spec = json_loads(batch_specs[i], 0, NULL), *out = NULL;
        if (!spec || mw_batch_create(&c, spec, &out, &e)) die("batch", &e);
        batch_id[i] = json_integer_value(json_object_get(out, "id"));
        json_decref(out);
        json_decref(spec);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int which = data[0] & 3;
    const char *ctype = data[0] & 4 ? "application/x-ndjson" : "text/csv; charset=utf-8";
    vis_err e;
    if (store_begin(db, &e)) die("begin", &e);
    mw_ctx c = {.db = db, .cfg = &cfg, .now_ms = 2000, .who = &client};
    json_t *out = NULL;
    int rc = mw_tasks_add(&c, batch_id[which], ctype, (const char *)data + 1, size - 1, &out, &e);
    if (rc == 0 && json_integer_value(json_object_get(out, "added")) < 1) abort();
    json_decref(out);
    store_rollback(db);
    return 0;
}
