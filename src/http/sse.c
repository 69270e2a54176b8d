/* sse — Server-Sent Events over suspended libmicrohttpd connections (sse.h). */
#include "http/sse.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "http/authcache.h"
#include "http/server.h"
#include "http/websess.h"

struct sse_stream {
    vis_server            *srv;
    struct MHD_Connection *conn;
    sse_snapshot_fn        fn;
    char                   event[32];
    account                who;
    unsigned char          tok_hash[ACCOUNT_TOKEN_HASH];
    buf                    out;       /* bytes not yet sent */
    size_t                 off;
    char                  *last_key;
    int64_t                last_emit; /* monotonic ms */
    int64_t                last_auth; /* monotonic ms */
    uint64_t               auth_gen;  /* the token cache's generation then (authcache.h) */
    bool                   suspended;
    bool                   ended;
    bool                   linked;
    sse_stream            *prev, *next;
};

struct sse_hub {
    vis_server     *srv;
    pthread_mutex_t lock;
    pthread_cond_t  cond;
    pthread_t       thread;
    bool            running, stopping;
    sse_stream     *head;
    int             n;
};

static int64_t mono_ms(void) { return clock_mono_ns() / 1000000; }

static void *hub_main(void *arg)
{
    sse_hub *h = arg;
    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)SSE_CHECK_MS * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&h->cond, &h->lock, &ts);
        for (sse_stream *st = h->head; st; st = st->next)
            if (st->suspended) {
                st->suspended = false;
                MHD_resume_connection(st->conn);
            }
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

sse_hub *sse_hub_start(vis_server *s, vis_err *err)
{
    sse_hub *h = mem_calloc(1, sizeof *h);
    h->srv = s;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    if (pthread_create(&h->thread, NULL, hub_main, h)) {
        free(h);
        vis_errf(err, VIS_EIO, NULL, NULL, "cannot start the event-stream thread");
        return NULL;
    }
    h->running = true;
    return h;
}

void sse_hub_stop(sse_hub *h)
{
    if (!h || !h->running) return;
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    for (sse_stream *st = h->head; st; st = st->next)
        if (st->suspended) {
            st->suspended = false;
            MHD_resume_connection(st->conn);
        }
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    h->running = false;
}

void sse_hub_free(sse_hub *h)
{
    if (!h) return;
    sse_hub_stop(h);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    free(h);
}

int sse_count(sse_hub *h)
{
    if (!h) return 0;
    pthread_mutex_lock(&h->lock);
    int n = h->n;
    pthread_mutex_unlock(&h->lock);
    return n;
}

int sse_open(http_req *r, http_resp *rs, const char *event, sse_snapshot_fn fn, vis_err *err)
{
    if (!r->srv->sse) return vis_errf(err, VIS_EBUSY, "unavailable", NULL, "event streams are not running");
    sse_stream *st = mem_calloc(1, sizeof *st);
    st->srv = r->srv;
    st->fn = fn;
    snprintf(st->event, sizeof st->event, "%s", event);
    st->who = r->who;
    account_token_hash(r->token ? r->token : "", st->tok_hash);
    buf_init(&st->out);
    st->last_emit = INT64_MIN / 2;
    st->last_auth = mono_ms();
    st->auth_gen = authcache_gen(r->srv->auth);
    rs->stream = st;
    rs->status = 200;
    return 0;
}

static void stream_free(void *cls)
{
    sse_stream *st = cls;
    sse_hub *h = st->srv->sse;
    if (h && st->linked) {
        pthread_mutex_lock(&h->lock);
        if (st->prev) st->prev->next = st->next;
        else if (h->head == st) h->head = st->next;
        if (st->next) st->next->prev = st->prev;
        h->n--;
        pthread_mutex_unlock(&h->lock);
    }
    buf_free(&st->out);
    free(st->last_key);
    free(st);
}

/* Take a snapshot; queue an event when it changed or a heartbeat is due.
 * false: the stream must end (session gone, or an error). */
static bool check(sse_stream *st)
{
    vis_server *s = st->srv;
    vis_err err;
    vis_err_clear(&err);
    store *db = server_store(s, &err);
    if (!db) return false;
    int64_t now = mono_ms();
    int64_t platform_now = clock_now_ms(&s->clock);
    /* the session may have been revoked: look at every heartbeat, and at
       once when a change to tokens or accounts was committed here or on
       another node (the cache's generation moved: cluster.h) */
    uint64_t gen = authcache_gen(s->auth);
    if (now - st->last_auth >= SSE_HEARTBEAT_MS || gen != st->auth_gen) {
        account a;
        int64_t exp = 0;
        if (account_token_lookup(db, st->tok_hash, platform_now, &a, &exp, &err) || account_token_active(&a, &err))
            return false;
        st->who = a;
        st->last_auth = now;
        st->auth_gen = gen;
    }
    json_t *o = NULL;
    char *key = NULL;
    if (st->fn(db, &s->cfg, &st->who, platform_now, &o, &key, &err)) return false;
    bool changed = !st->last_key || !key || strcmp(st->last_key, key);
    if (changed || now - st->last_emit >= SSE_HEARTBEAT_MS) {
        char *data = json_dumps(o, HTTP_JSON_FLAGS);
        if (!data) {
            json_decref(o);
            free(key);
            return false;
        }
        buf_printf(&st->out, "event: %s\ndata: %s\n\n", st->event, data);
        free(data);
        st->last_emit = now;
        free(st->last_key);
        st->last_key = key;
        key = NULL;
    }
    json_decref(o);
    free(key);
    return true;
}

static ssize_t reader(void *cls, uint64_t pos, char *dst, size_t max)
{
    (void)pos;
    sse_stream *st = cls;
    sse_hub *h = st->srv->sse;
    if (st->ended) return MHD_CONTENT_READER_END_OF_STREAM;
    if (st->off >= st->out.len) {
        st->out.len = 0;
        st->off = 0;
        pthread_mutex_lock(&h->lock);
        bool stopping = h->stopping;
        pthread_mutex_unlock(&h->lock);
        if (stopping || !check(st)) {
            st->ended = true;
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
    }
    if (st->off < st->out.len) {
        size_t n = st->out.len - st->off;
        if (n > max) n = max;
        memcpy(dst, st->out.data + st->off, n);
        st->off += n;
        return (ssize_t)n;
    }
    /* nothing new: sleep until the hub wakes us (never while stopping) */
    pthread_mutex_lock(&h->lock);
    if (h->stopping) {
        pthread_mutex_unlock(&h->lock);
        st->ended = true;
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    st->suspended = true;
    MHD_suspend_connection(st->conn);
    pthread_mutex_unlock(&h->lock);
    return 0;
}

int sse_respond(vis_server *s, struct MHD_Connection *c, sse_stream *st)
{
    sse_hub *h = s->sse;
    st->conn = c;
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, st, stream_free);
    if (!r) {
        stream_free(st);
        return MHD_NO;
    }
    pthread_mutex_lock(&h->lock);
    st->next = h->head;
    if (h->head) h->head->prev = st;
    h->head = st;
    h->n++;
    st->linked = true;
    pthread_mutex_unlock(&h->lock);
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    websess_headers(r, &s->cfg, false);
    int ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}
