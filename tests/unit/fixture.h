/* fixture — a fresh, migrated temporary SQLite store for unit tests
 * (cmocka setup/teardown functions). Include after <cmocka.h>. */
#ifndef VIS_TESTS_FIXTURE_H
#define VIS_TESTS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/config.h"
#include "store/store.h"

typedef struct fx {
    char        path[64];
    store_pool *pool;
    store      *db;
    vis_config  cfg;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/visible-unit-XXXXXX");
    int fd = mkstemp(f->path);
    close(fd);
    vis_err err;
    store_opts o = {.sync_full = false, .busy_timeout_ms = 1000};
    assert_int_equal(store_pool_open(&f->pool, f->path, &o, &err), 0);
    assert_int_equal(store_connect(f->pool, &f->db, &err), 0);
    assert_int_equal(store_migrate(f->db, 0, &err), 0);
    config_defaults(&f->cfg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    store_disconnect(f->db);
    store_pool_close(f->pool);
    char tmp[80];
    unlink(f->path);
    snprintf(tmp, sizeof tmp, "%s-wal", f->path);
    unlink(tmp);
    snprintf(tmp, sizeof tmp, "%s-shm", f->path);
    unlink(tmp);
    free(f);
    return 0;
}

#endif
