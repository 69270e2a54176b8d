/*
 * committer — group commit for write requests.
 *
 * Every request that writes (routes flagged HTTP_TX or HTTP_IDEM) is handed
 * to one committer thread that owns a store connection. It takes every job
 * queued at that moment (up to a cap), opens one store transaction, runs
 * each job inside its own savepoint — a job that fails rolls back to its
 * savepoint and changes nothing, the others are unaffected — commits once,
 * and only then wakes the waiting request threads to answer. So a response
 * is never sent before its change is committed, and under load many
 * requests share one commit: each hot page is written to the WAL once per
 * group instead of once per request (measured: bench/microwork).
 *
 * Two ways in: committer_run blocks the calling thread until its group is
 * committed; committer_submit queues a job and returns at once, and the
 * committer calls on_done(arg, rc) on its own thread after the commit. The
 * HTTP server uses the second with suspended connections, so no HTTP thread
 * waits and every request in flight can join the next group, however few
 * HTTP threads there are.
 */
#ifndef VIS_HTTP_COMMITTER_H
#define VIS_HTTP_COMMITTER_H

#include <pthread.h>

#include "base/err.h"
#include "http/http.h"

struct vis_server;
typedef struct committer committer;

/* The work of one job, run on the committer's connection (req->db). */
typedef int (*committer_fn)(http_req *req, http_resp *resp, vis_err *err);

/* Called on the committer thread once the job's group is committed (or
 * failed: rc). Must be quick and must not wait for the committer. */
typedef void (*committer_done)(void *arg, int rc);

/* One queued job; the caller owns the memory until on_done (or until
 * committer_run returns). Fields are the committer's. */
typedef struct committer_job {
    committer_fn          fn;
    http_req             *req;
    http_resp            *resp;
    vis_err              *err;
    int                   rc;
    int                   done;
    pthread_cond_t        cv; /* committer_run only: its own, so only a finished group's jobs wake */
    committer_done        on_done;
    void                 *arg;
    struct committer_job *next;
} committer_job;

committer *committer_start(struct vis_server *s, vis_err *err);
void       committer_stop(committer *c);
/* Queue fn(req, resp, err) and wait until its group is committed. */
int        committer_run(committer *c, committer_fn fn, http_req *req, http_resp *resp, vis_err *err);
/* Queue fn(req, resp, err) and return; on_done(arg, rc) follows the commit. */
void       committer_submit(committer *c, committer_job *j, committer_fn fn, http_req *req, http_resp *resp,
                            vis_err *err, committer_done on_done, void *arg);

#endif
