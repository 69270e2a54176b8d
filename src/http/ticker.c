#include "http/ticker.h"

#include "base/mem.h"
#include "base/periodic.h"

#include <stdio.h>
#include <stdlib.h>

#include "dispatch/disp_service.h"
#include "microwork/mw.h"
#include "store/sql_core.h"
#include "visibility/rev.h"
#include "moderation/mod.h"

struct ticker {
    vis_server *srv;
    store      *db;     /* the thread's own connection */
    int64_t     next_sweep, next_mod;
    bool        leader; /* this node runs the duties (store_lead) */
    periodic   *thread;
};

static void job_mw_sweep(vis_server *s, store *db)
{
    vis_err err;
    vis_err_clear(&err);
    mw_ctx c = {.db = db, .cfg = &s->cfg, .now_ms = clock_now_ms(&s->clock), .who = NULL};
    if (store_begin(db, &err)) return;
    int n = mw_sweep(&c, &err);
    if (n < 0) {
        store_rollback(db);
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"microwork.sweep\",\"message\":\"%s\"}\n", err.msg);
        return;
    }
    store_commit(db, &err);
}

static void job_rev_overdue(vis_server *s, store *db)
{
    vis_err err;
    vis_err_clear(&err);
    review_ctx c = {.db = db, .cfg = &s->cfg, .now_ms = clock_now_ms(&s->clock), .who = NULL};
    if (store_begin(db, &err)) return;
    if (review_mark_overdue(&c, &err) < 0) {
        store_rollback(db);
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"visibility.overdue\",\"message\":\"%s\"}\n", err.msg);
        return;
    }
    store_commit(db, &err);
}

/* Idempotency keys older than idempotency.ttl_hours are forgotten. */
static void job_idem_purge(vis_server *s, store *db)
{
    vis_err err;
    vis_err_clear(&err);
    if (store_exec(db, SQL_IDEM_PURGE, &err, "i", clock_now_ms(&s->clock) - s->cfg.idem_ttl_hours * 3600000))
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"idempotency.purge\",\"message\":\"%s\"}\n", err.msg);
}

/* Delivery status callbacks queued from the journal (disp_notify_collect). */
static void job_disp_notify(vis_server *s, store *db)
{
    vis_err err;
    vis_err_clear(&err);
    disp_ctx c = {.db = db, .cfg = &s->cfg, .now_ms = clock_now_ms(&s->clock)};
    if (store_begin(db, &err)) return;
    if (disp_notify_collect(&c, &err)) {
        store_rollback(db);
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"dispatch.callbacks\",\"message\":\"%s\"}\n", err.msg);
        return;
    }
    store_commit(db, &err);
}

static void job_mod(vis_server *s, store *db)
{
    vis_err err;
    vis_err_clear(&err);
    mod_tick_stats st;
    if (mod_housekeep(&s->moderation, &s->cfg, db, clock_now_ms(&s->clock), false, &st, &err))
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"moderation\",\"message\":\"%s\"}\n", err.msg);
}

static int tick_start(void *arg, vis_err *err)
{
    ticker *t = arg;
    return store_connect(t->srv->pool, &t->db, err);
}

static void tick_end(void *arg)
{
    ticker *t = arg;
    store_disconnect(t->db);
}

/* Five times a second of real time: run what is due by the platform clock. */
static void tick(void *arg)
{
    ticker *t = arg;
    vis_server *s = t->srv;
    store *db = t->db;
    /* several nodes on one database: one of them runs the duties; when it
       dies its lock goes with its session and the next node to look takes
       over (store.h) */
    bool lead = false;
    vis_err lerr;
    if (store_lead(db, STORE_LEAD_TICKER, &lead, &lerr))
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"ticker.lead\",\"message\":\"%s\"}\n", lerr.msg);
    if (lead != t->leader && store_is_pg(store_pool_path(s->pool)))
        fprintf(stderr, "{\"level\":\"info\",\"job\":\"ticker\",\"message\":\"%s\"}\n",
                lead ? "this node now runs the background duties" : "another node runs the background duties");
    t->leader = lead;
    if (!lead) return;
    int64_t now = clock_now_ms(&s->clock);
    if (now >= t->next_sweep) {
        job_mw_sweep(s, db);
        job_rev_overdue(s, db);
        job_idem_purge(s, db);
        t->next_sweep = now + s->cfg.mw_sweep_ms;
    }
    if (now >= t->next_mod) {
        job_disp_notify(s, db);
        job_mod(s, db);
        t->next_mod = now + s->cfg.mod_sweep_ms;
    }
    /* WAL checkpoint off the request path (connections never checkpoint
       on commit); passive: it never blocks writers */
    vis_err cerr;
    if (store_checkpoint(db, &cerr))
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"checkpoint\",\"message\":\"%s\"}\n", cerr.msg);
}

ticker *ticker_start(vis_server *s)
{
    ticker *t = mem_calloc(1, sizeof *t);
    t->srv = s;
    periodic_job job = {.name = "ticker", .period_ms = 200, .start = tick_start, .tick = tick, .end = tick_end, .arg = t};
    vis_err err;
    if (periodic_start(&job, &t->thread, &err)) {
        free(t);
        return NULL;
    }
    return t;
}

void ticker_stop(ticker *t)
{
    if (!t) return;
    periodic_stop(t->thread);
    free(t);
}
