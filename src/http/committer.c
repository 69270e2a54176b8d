#include "http/committer.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/server.h"

#define GROUP_MAX 1024 /* jobs per commit at most (more wait for the next group) */

typedef committer_job job;

struct committer {
    vis_server     *srv;
    store          *db;
    pthread_t       th;
    pthread_mutex_t mu;
    pthread_cond_t  work;
    job            *head, *tail;
    int             stop;
    http_resp      *saved;   /* each job's answer before its group ran, to run the group again; NULL on an
                                engine that never asks for that (SQLite: one writer, no deadlock) */
    long            retries; /* groups run again after a serialization failure or deadlock */
};

/* A conflict the store says another try would pass (store.h: a
 * serialization failure or a deadlock on PostgreSQL). */
static bool retryable(int rc, const vis_err *e)
{
    return rc == VIS_EBUSY && !strcmp(e->kind, STORE_RETRY);
}

/* One attempt at the group: 0, or the group's own failure (nothing kept). */
static int try_group(committer *c, job **group, int n, vis_err *gerr)
{
    int grc = store_begin(c->db, gerr);
    for (int i = 0; i < n && !grc; i++) {
        job *j = group[i];
        j->req->db = c->db;
        if (store_job_begin(c->db, j->err)) {
            j->rc = j->err->code ? j->err->code : VIS_ESTORE;
            continue;
        }
        j->rc = j->fn(j->req, j->resp, j->err);
        if (retryable(j->rc, j->err)) { /* the whole group again, below */
            *gerr = *j->err;
            grc = j->rc;
            vis_err ignored;
            store_job_end(c->db, false, &ignored); /* out of the savepoint; the rollback below ends it all */
            break;
        }
        if (store_job_end(c->db, j->rc == 0, gerr)) {
            grc = gerr->code ? gerr->code : VIS_ESTORE;
            break;
        }
    }
    if (!grc) {
        if (store_commit(c->db, gerr)) grc = gerr->code ? gerr->code : VIS_ESTORE;
    } else if (store_in_tx(c->db)) {
        store_rollback(c->db);
    }
    return grc;
}

/* Run the group in one transaction. Serialization failures and deadlocks
 * are not the requests' fault: the group runs again from the answers as
 * they were before (up to RETRIES times), so they never reach a client. */
#define RETRIES 5
static void run_group(committer *c, job **group, int n)
{
    vis_err gerr;
    int grc = 0;
    if (c->saved)
        for (int i = 0; i < n; i++) c->saved[i] = *group[i]->resp;
    for (int attempt = 0;; attempt++) {
        vis_err_clear(&gerr);
        grc = try_group(c, group, n, &gerr);
        if (!c->saved || !retryable(grc, &gerr) || attempt == RETRIES) break;
        for (int i = 0; i < n; i++) {
            job *j = group[i];
            json_decref(j->resp->json);
            free(j->resp->raw);
            *j->resp = c->saved[i];
            vis_err_clear(j->err);
            j->rc = 0;
        }
        c->retries++;
        fprintf(stderr, "{\"level\":\"warn\",\"job\":\"committer\",\"message\":\"a serialization failure or "
                        "deadlock: the group of %d runs again\",\"retries\":%ld}\n",
                n, c->retries);
    }
    if (grc) { /* nothing of the group was kept: every job fails */
        for (int i = 0; i < n; i++) {
            job *j = group[i];
            if (j->rc == 0) {
                j->rc = grc;
                *j->err = gerr;
            }
            if (j->resp->json) {
                json_decref(j->resp->json);
                j->resp->json = NULL;
            }
            free(j->resp->raw);
            j->resp->raw = NULL;
        }
    }
}

static void *loop(void *arg)
{
    committer *c = arg;
    job *group[GROUP_MAX];
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->head && !c->stop) pthread_cond_wait(&c->work, &c->mu);
        if (!c->head && c->stop) break;
        int n = 0;
        while (c->head && n < GROUP_MAX) {
            group[n++] = c->head;
            c->head = c->head->next;
        }
        if (!c->head) c->tail = NULL;
        pthread_mutex_unlock(&c->mu);
        run_group(c, group, n);
        /* callbacks first (they may queue more work; a job is its owner's
           again once its callback runs, so it is not read after), then the
           waiters */
        int nw = 0;
        for (int i = 0; i < n; i++) {
            job *j = group[i];
            if (j->on_done) j->on_done(j->arg, j->rc);
            else group[nw++] = j;
        }
        pthread_mutex_lock(&c->mu);
        for (int i = 0; i < nw; i++) {
            group[i]->done = 1;
            pthread_cond_signal(&group[i]->cv);
        }
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

committer *committer_start(vis_server *s, vis_err *err)
{
    committer *c = mem_calloc(1, sizeof *c);
    c->srv = s;
    if (store_connect(s->pool, &c->db, err)) {
        free(c);
        return NULL;
    }
    if (store_is_pg(store_pool_path(s->pool))) c->saved = mem_calloc(GROUP_MAX, sizeof *c->saved);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->work, NULL);
    if (pthread_create(&c->th, NULL, loop, c)) {
        store_disconnect(c->db);
        free(c->saved);
        free(c);
        vis_errf(err, VIS_EIO, NULL, NULL, "cannot start the committer thread");
        return NULL;
    }
    return c;
}

void committer_stop(committer *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->work);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    store_disconnect(c->db);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->work);
    free(c->saved);
    free(c);
}

static void enqueue(committer *c, job *j)
{
    bool idle = !c->head;
    if (c->tail) c->tail->next = j;
    else c->head = j;
    c->tail = j;
    if (idle) pthread_cond_signal(&c->work); /* the committer sleeps only on an empty queue */
}

int committer_run(committer *c, committer_fn fn, http_req *req, http_resp *resp, vis_err *err)
{
    job j = {.fn = fn, .req = req, .resp = resp, .err = err};
    pthread_cond_init(&j.cv, NULL);
    pthread_mutex_lock(&c->mu);
    enqueue(c, &j);
    while (!j.done) pthread_cond_wait(&j.cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
    pthread_cond_destroy(&j.cv);
    return j.rc;
}

void committer_submit(committer *c, committer_job *j, committer_fn fn, http_req *req, http_resp *resp, vis_err *err,
                      committer_done on_done, void *arg)
{
    *j = (committer_job){.fn = fn, .req = req, .resp = resp, .err = err, .on_done = on_done, .arg = arg};
    pthread_mutex_lock(&c->mu);
    enqueue(c, j);
    pthread_mutex_unlock(&c->mu);
}
