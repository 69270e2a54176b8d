/* workpool — threads for CPU-heavy request steps (workpool.h). */
#include "http/workpool.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct {
    workpool_fn fn;
    void       *arg;
} job;

struct workpool {
    pthread_mutex_t lock;
    pthread_cond_t  cond;
    pthread_t      *th;
    int             nth;
    job            *q;
    int             cap, head, len;
    bool            stop;
};

static void *run(void *arg)
{
    workpool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->len && !p->stop) pthread_cond_wait(&p->cond, &p->lock);
        if (!p->len && p->stop) break;
        job j = p->q[p->head];
        p->head = (p->head + 1) % p->cap;
        p->len--;
        pthread_mutex_unlock(&p->lock);
        j.fn(j.arg);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

workpool *workpool_start(int threads, int queue_cap)
{
    workpool *p = mem_calloc(1, sizeof *p);
    p->th = mem_calloc((size_t)threads, sizeof *p->th);
    p->q = mem_calloc((size_t)queue_cap, sizeof *p->q);
    p->cap = queue_cap;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    for (; p->nth < threads; p->nth++)
        if (pthread_create(&p->th[p->nth], NULL, run, p)) goto fail;
    return p;
fail:
    workpool_stop(p);
    return NULL;
}

bool workpool_submit(workpool *p, workpool_fn fn, void *arg)
{
    pthread_mutex_lock(&p->lock);
    bool ok = !p->stop && p->len < p->cap;
    if (ok) {
        p->q[(p->head + p->len) % p->cap] = (job){fn, arg};
        p->len++;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void workpool_stop(workpool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nth; i++) pthread_join(p->th[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p->th);
    free(p->q);
    free(p);
}
