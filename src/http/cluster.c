#include "http/cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/periodic.h"
#include "http/authcache.h"

struct cluster {
    vis_server *srv;
    store      *db; /* the listening connection; NULL while it is down */
    periodic   *thread;
};

static void on_notice(void *arg, const char *payload)
{
    cluster *c = arg;
    if (!strcmp(payload, CLUSTER_AUTH)) authcache_invalidate(c->srv->auth);
}

static void drop(cluster *c)
{
    store_disconnect(c->db);
    c->db = NULL;
}

/* (Re)connect and listen; the cache is emptied, as notices sent while no
 * connection listened are lost. */
static int listen_again(cluster *c, vis_err *err)
{
    if (store_connect(c->srv->pool, &c->db, err)) {
        c->db = NULL;
        return err->code;
    }
    if (store_listen(c->db, err)) {
        drop(c);
        return err->code;
    }
    authcache_invalidate(c->srv->auth);
    return 0;
}

static int cl_start(void *arg, vis_err *err)
{
    (void)err;
    vis_err e;
    vis_err_clear(&e);
    if (listen_again(arg, &e)) /* not fatal: the next tick tries again */
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"cluster.listen\",\"message\":\"%s\"}\n", e.msg);
    return 0;
}

static void cl_tick(void *arg)
{
    cluster *c = arg;
    vis_err err;
    vis_err_clear(&err);
    if (!c->db && listen_again(c, &err)) return; /* the database is away: look again at the next tick */
    if (store_notices(c->db, on_notice, c, &err)) {
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"cluster.listen\",\"message\":\"%s\"}\n", err.msg);
        drop(c);
    }
}

static void cl_end(void *arg)
{
    cluster *c = arg;
    if (c->db) drop(c);
}

cluster *cluster_start(vis_server *s)
{
    if (!store_is_pg(store_pool_path(s->pool))) return NULL;
    cluster *c = mem_calloc(1, sizeof *c);
    c->srv = s;
    periodic_job job = {.name = "cluster", .period_ms = 100, .start = cl_start, .tick = cl_tick, .end = cl_end,
                        .arg = c};
    vis_err err;
    if (periodic_start(&job, &c->thread, &err)) {
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"cluster\",\"message\":\"%s\"}\n", err.msg);
        free(c);
        return NULL;
    }
    return c;
}

void cluster_stop(cluster *c)
{
    if (!c) return;
    periodic_stop(c->thread);
    free(c);
}
