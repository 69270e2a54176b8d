#include "http/ticker.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dispatch/disp_service.h"
#include "microwork/mw.h"
#include "store/sql_core.h"
#include "visibility/rev.h"
#include "moderation/mod.h"

struct ticker {
    vis_server     *srv;
    pthread_t       th;
    pthread_mutex_t lock;
    pthread_cond_t  cond;
    int             stop;
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
    disp_ctx c = {.db = db, .cfg = &s->cfg, .now_ms = clock_now_ms(&s->clock), .actor_id = -1};
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

static void *run(void *arg)
{
    ticker *t = arg;
    vis_server *s = t->srv;
    store *db = NULL;
    vis_err err;
    if (store_connect(s->pool, &db, &err)) {
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"ticker\",\"message\":\"%s\"}\n", err.msg);
        return NULL;
    }
    int64_t next_sweep = 0, next_mod = 0;
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        pthread_mutex_unlock(&t->lock);
        int64_t now = clock_now_ms(&s->clock);
        if (now >= next_sweep) {
            job_mw_sweep(s, db);
            job_rev_overdue(s, db);
            job_idem_purge(s, db);
            next_sweep = now + s->cfg.mw_sweep_ms;
        }
        if (now >= next_mod) {
            job_disp_notify(s, db);
            job_mod(s, db);
            next_mod = now + s->cfg.mod_sweep_ms;
        }
        /* WAL checkpoint off the request path (connections never checkpoint
           on commit); passive: it never blocks writers */
        vis_err cerr;
        if (store_checkpoint(db, &cerr))
            fprintf(stderr, "{\"level\":\"error\",\"job\":\"checkpoint\",\"message\":\"%s\"}\n", cerr.msg);
        pthread_mutex_lock(&t->lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L; /* wake 5 times a second to look */
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!t->stop) pthread_cond_timedwait(&t->cond, &t->lock, &ts);
    }
    pthread_mutex_unlock(&t->lock);
    store_disconnect(db);
    return NULL;
}

ticker *ticker_start(vis_server *s)
{
    ticker *t = mem_calloc(1, sizeof *t);
    t->srv = s;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    if (pthread_create(&t->th, NULL, run, t)) {
        free(t);
        return NULL;
    }
    return t;
}

void ticker_stop(ticker *t)
{
    if (!t) return;
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->th, NULL);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t);
}
