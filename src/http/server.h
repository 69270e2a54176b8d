/*
 * server — the server context and the libmicrohttpd front end.
 *
 * vis_server holds everything `visible serve` shares between threads: the
 * configuration, the clock, the store pool, metrics, the rate limiter and
 * the route table. No other global mutable state exists. libmicrohttpd runs
 * its internal epoll thread pool with HTTP/1.1 keep-alive; each pool thread
 * opens its own store connection on first use (a pthread key of the
 * server). The access handler only records state on its first call and
 * queues the response on a later one, which keeps connections alive. A
 * write request suspends its connection while the group committer runs it
 * (committer.h); the committer resumes it after the commit, so HTTP threads
 * never wait for writes.
 */
#ifndef VIS_HTTP_SERVER_H
#define VIS_HTTP_SERVER_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "core/account.h"
#include "base/clock.h"
#include "core/config.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "http/throttle.h"
#include "store/store.h"

#define SERVER_MAX_CONNS 512

typedef struct vis_server {
    vis_config         cfg;
    vis_clock          clock;
    store_pool        *pool;
    struct MHD_Daemon *mhd;
    struct committer  *committer;  /* group commit of write requests */
    atomic_int         inflight;   /* requests suspended while the committer runs them */
    atomic_bool        stopping;   /* server_stop has begun: new writes get 503 */
    pthread_key_t      conn_key;
    pthread_mutex_t    conns_lock;
    store             *conns[SERVER_MAX_CONNS];
    int                nconns;
    http_metrics      *metrics;
    ratelimit         *rl;
    struct authcache  *auth;       /* tokens checked recently (authcache.h) */
    const http_route **routes;
    const char       **route_names;
    size_t             nroutes;
    char               web_root[PATH_MAX];
    account_pwcost     pwcost;
    int                port;
    struct sse_hub    *sse;        /* event streams pushed to pages (sse.h) */
    throttle          *login_fail_account, *login_fail_address; /* failed sign-ins (throttle.h) */
    struct workpool   *work;       /* CPU-heavy request steps: password hashing (workpool.h) */
    atomic_int         prepping;   /* requests whose prep step is queued or running */
    atomic_int         answering;  /* queued writes not yet answered (server_stop waits for them) */
    struct mod_svc    *moderation; /* moderation classifier service, created on first use (mod.h) */
} vis_server;

/* Open the store, migrate, build routes. Does not listen yet. */
int  server_init(vis_server *s, const vis_config *cfg, vis_err *err);
/* Start listening (port 0 picks a free port, stored in s->port). */
int  server_start(vis_server *s, vis_err *err);
/* Stop accepting, finish in-flight requests, close the store. */
void server_stop(vis_server *s);
void server_free(vis_server *s);
/* The calling thread's store connection (opened on first use). */
store *server_store(vis_server *s, vis_err *err);
/* Find a route for method+path; *path_matched tells a 405 from a 404. */
const http_route *server_route(vis_server *s, const char *method, const char *path, http_req *req,
                               bool *path_matched, size_t *index);

#endif
