/* disp_svc_thread — the dispatcher thread of `visible serve`.
 *
 * Its own store connection; an epoch whenever dispatch.epoch_ms of the
 * platform clock have passed since the last one (the clock is looked at
 * ten times a second of real time, so a test clock jump is noticed at
 * once). A failing epoch is logged and rolled back; the next one starts
 * again from the stored state. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dispatch/disp_service.h"

struct disp_service {
    store_pool     *pool;
    vis_clock      *clock;
    vis_config      cfg;
    pthread_t       th;
    pthread_mutex_t lock;
    pthread_cond_t  cond;
    int             stop;
};

static void *run(void *arg)
{
    disp_service *s = arg;
    store *db = NULL;
    vis_err err;
    vis_err_clear(&err);
    if (store_connect(s->pool, &db, &err)) {
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"dispatch\",\"message\":\"%s\"}\n", err.msg);
        return NULL;
    }
    int64_t last = clock_now_ms(s->clock), next = last + s->cfg.disp_epoch_ms;
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        pthread_mutex_unlock(&s->lock);
        int64_t now = clock_now_ms(s->clock);
        if (now >= next || now < last) { /* due, or the (test) clock was set back */
            disp_ctx c = {.db = db, .cfg = &s->cfg, .now_ms = now, .actor_id = -1};
            vis_err_clear(&err);
            if (disp_run_epoch(&c, NULL, &err))
                fprintf(stderr, "{\"level\":\"error\",\"job\":\"dispatch.epoch\",\"message\":\"%s\"}\n", err.msg);
            next = now + s->cfg.disp_epoch_ms;
        }
        last = now;
        pthread_mutex_lock(&s->lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!s->stop) pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    store_disconnect(db);
    return NULL;
}

int disp_service_start(store_pool *pool, vis_clock *clock, const vis_config *cfg, disp_service **out, vis_err *err)
{
    *out = NULL;
    if (!cfg->disp_auto) return 0;
    disp_service *s = calloc(1, sizeof *s);
    if (!s) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
    s->pool = pool;
    s->clock = clock;
    s->cfg = *cfg;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->th, NULL, run, s)) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s);
        return vis_errf(err, VIS_EIO, NULL, NULL, "cannot start the dispatcher thread");
    }
    *out = s;
    return 0;
}

void disp_service_stop(disp_service *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->th, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}
