/* bench/ledger — ledger transactions per second, each its own store
 * transaction, with SQLite WAL at synchronous=NORMAL (the default of
 * `visible serve`) and at synchronous=FULL (store.durability=full).
 * Prints figures; never fails for slowness. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "core/ledger.h"
#include "store/store.h"

static double run(bool full, int n)
{
    char path[] = "/tmp/visible-bench-ledger-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    store_pool *pool;
    store *db;
    vis_err err;
    store_opts o = {.sync_full = full, .busy_timeout_ms = 5000};
    if (store_pool_open(&pool, path, &o, &err) || store_connect(pool, &db, &err) || store_migrate(db, 0, &err)) {
        fprintf(stderr, "bench/ledger: %s\n", err.msg);
        exit(1);
    }
    ledger_tx_in tx = {.kind = "credit", .memo = "bench", .family = "core", .actor_id = -1, .now_ms = 1};
    ledger_credit_client(db, 1, 1000000000000LL, "EUR", &tx, NULL, NULL, &err);
    int64_t funds, escrow;
    ledger_account(db, "client_funds", 1, "", "EUR", &funds, &err);
    ledger_account(db, "escrow", 1, "batch:1", "EUR", &escrow, &err);
    int64_t t0 = clock_mono_ns();
    char key[32];
    for (int i = 0; i < n; i++) {
        ledger_leg legs[2] = {{funds, -1000}, {escrow, 1000}};
        snprintf(key, sizeof key, "k%d", i);
        tx.idem_key = key;
        tx.kind = "escrow";
        if (ledger_post(db, &tx, legs, 2, NULL, NULL, &err)) {
            fprintf(stderr, "bench/ledger: %s\n", err.msg);
            exit(1);
        }
        if (i % 1000 == 999) store_checkpoint(db, &err); /* as the server's ticker does */
    }
    double s = (double)(clock_mono_ns() - t0) / 1e9;
    int64_t sum;
    ledger_sum_all(db, &sum, &err);
    if (sum != 0) fprintf(stderr, "bench/ledger: ledger does not sum to zero!\n");
    store_disconnect(db);
    store_pool_close(pool);
    char tmp[64];
    unlink(path);
    snprintf(tmp, sizeof tmp, "%s-wal", path);
    unlink(tmp);
    snprintf(tmp, sizeof tmp, "%s-shm", path);
    unlink(tmp);
    return n / s;
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    int n = getenv("BENCH_LEDGER_N") ? atoi(getenv("BENCH_LEDGER_N")) : 20000;
    double full = run(true, n);
    double normal = run(false, n);
    printf("ledger: %d transactions (2 legs + journal entry + idempotency key each, one commit each)\n", n);
    printf("  synchronous=NORMAL (store.durability=normal, the default)  : %9.0f tx/s (target >= 5000)\n", normal);
    printf("  synchronous=FULL   (store.durability=full: fsync per commit): %9.0f tx/s\n", full);
    return 0;
}
