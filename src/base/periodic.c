/* periodic — the one periodic-thread implementation (see periodic.h). */
#include "base/periodic.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/mem.h"

struct periodic {
    periodic_job    job;
    pthread_t       th;
    pthread_mutex_t lock;
    pthread_cond_t  cond;
    bool            stop;
};

static void *run(void *arg)
{
    periodic *p = arg;
    vis_err err;
    vis_err_clear(&err);
    if (p->job.start && p->job.start(p->job.arg, &err)) {
        fprintf(stderr, "{\"level\":\"error\",\"job\":\"%s\",\"message\":\"%s\"}\n", p->job.name, err.msg);
        return NULL;
    }
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        pthread_mutex_unlock(&p->lock);
        p->job.tick(p->job.arg);
        pthread_mutex_lock(&p->lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += p->job.period_ms / 1000;
        ts.tv_nsec += (p->job.period_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!p->stop) pthread_cond_timedwait(&p->cond, &p->lock, &ts);
    }
    pthread_mutex_unlock(&p->lock);
    if (p->job.end) p->job.end(p->job.arg);
    return NULL;
}

int periodic_start(const periodic_job *job, periodic **out, vis_err *err)
{
    *out = NULL;
    periodic *p = mem_calloc(1, sizeof *p);
    p->job = *job;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    if (pthread_create(&p->th, NULL, run, p)) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->cond);
        free(p);
        return vis_errf(err, VIS_EIO, NULL, NULL, "cannot start the %s thread", job->name);
    }
    *out = p;
    return 0;
}

void periodic_stop(periodic *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->th, NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p);
}
