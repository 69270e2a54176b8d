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
 */
#ifndef VIS_HTTP_COMMITTER_H
#define VIS_HTTP_COMMITTER_H

#include "base/err.h"
#include "http/http.h"

struct vis_server;
typedef struct committer committer;

/* The work of one job, run on the committer's connection (req->db). */
typedef int (*committer_fn)(http_req *req, http_resp *resp, vis_err *err);

committer *committer_start(struct vis_server *s, vis_err *err);
void       committer_stop(committer *c);
/* Queue fn(req, resp, err) and wait until its group is committed. */
int        committer_run(committer *c, committer_fn fn, http_req *req, http_resp *resp, vis_err *err);

#endif
