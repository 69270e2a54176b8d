/* server — libmicrohttpd front end: body intake, auth, limits, dispatch. */
#include "http/server.h"

#include "base/mem.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "core/journal.h"
#include "http/authcache.h"
#include "http/cluster.h"
#include "http/committer.h"
#include "http/sse.h"
#include "http/workpool.h"
#include "http/websess.h"
#include "moderation/mod.h"
#include "store/sql_core.h"
#include "visibility/visib_guard.h"

const http_route *const *server_route_tables(void);
int static_serve(vis_server *s, struct MHD_Connection *c, const char *method, const char *path, int *status);

/* A request's state across the access handler's calls. A write request is
 * handed to the committer and its connection suspended (phase QUEUED); the
 * committer resumes it after the commit (COMMITTED) and the next call of
 * the handler answers. No HTTP thread ever waits for the committer. */
enum { PHASE_READING, PHASE_QUEUED, PHASE_COMMITTED, PHASE_PREPPING, PHASE_PREPPED };

typedef struct reqctx {
    buf                    body;
    bool                   too_big;
    int                    refuse;   /* a protocol-level refusal found in the head (400, 414, 431), else 0 */
    const char            *refuse_code, *refuse_msg;
    int64_t                limit;
    int64_t                t0;
    atomic_int             phase;
    http_req               rq; /* rq.srv and rq.conn: the server and the connection */
    http_resp              rs;
    vis_err                err;
    int                    rc;
    size_t                 ri;
    const char            *rname;
    int64_t                retry_after;
    char                   allow[64];
    bool                   counted; /* queued for the committer: counted in s->answering until answered */
    int                    prep_rc; /* outcome of the route's prep step (workpool.h) */
    committer_job          job;
} reqctx;

/* ---- per-thread store connections ---- */

store *server_store(vis_server *s, vis_err *err)
{
    store *db = pthread_getspecific(s->conn_key);
    if (db) return db;
    pthread_mutex_lock(&s->conns_lock);
    if (s->nconns >= SERVER_MAX_CONNS) {
        pthread_mutex_unlock(&s->conns_lock);
        vis_errf(err, VIS_EBUSY, NULL, NULL, "too many store connections");
        return NULL;
    }
    if (store_connect(s->pool, &db, err)) {
        pthread_mutex_unlock(&s->conns_lock);
        /* the database is away (restarting, failing over): 503 "busy, try
           again", as for a connection lost under a request; the cause stays
           in the log (respond), never reaches the client */
        char cause[sizeof err->msg];
        snprintf(cause, sizeof cause, "%s", err->msg);
        vis_errf(err, VIS_EBUSY, "busy", NULL, "%s", cause);
        return NULL;
    }
    s->conns[s->nconns++] = db;
    pthread_mutex_unlock(&s->conns_lock);
    pthread_setspecific(s->conn_key, db);
    return db;
}

/* ---- responses ---- */

static void log_request(vis_server *s, const char *method, const char *path, const char *route, int status,
                        int64_t dur_ns, int64_t account_id)
{
    if (!s->cfg.log_requests) return;
    json_t *o = JSON_PACK("{s:I, s:s, s:s, s:s, s:i, s:f, s:I}", "ts", (json_int_t)clock_now_ms(&s->clock), "method", method,
                          "path", path, "route", route, "status", status, "ms", (double)dur_ns / 1e6,
                          "account", (json_int_t)account_id);
    if (!o) return;
    char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (line) {
        fprintf(stderr, "%s\n", line);
        free(line);
    }
}

static enum MHD_Result send_bytes(vis_server *s, struct MHD_Connection *c, int status, const char *ctype, char *data,
                                  size_t len, const http_resp *rs, const char *allow, int64_t retry_after)
{
    const char *location = rs ? rs->location : NULL;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (location && *location) MHD_add_response_header(r, "Location", location);
    if (retry_after > 0) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%lld", (long long)retry_after);
        MHD_add_response_header(r, "Retry-After", tmp);
    }
    if (allow) MHD_add_response_header(r, "Allow", allow);
    if (rs && rs->csp) {
        MHD_add_response_header(r, "Content-Security-Policy", rs->csp);
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    } else {
        websess_headers(r, &s->cfg, false);
    }
    for (int i = 0; rs && i < rs->ncookies; i++) MHD_add_response_header(r, "Set-Cookie", rs->cookies[i]);
    if (rs && rs->disposition[0]) MHD_add_response_header(r, "Content-Disposition", rs->disposition);
    if (rs && rs->close) MHD_add_response_header(r, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static char *error_body(const vis_err *e, size_t *len)
{
    json_t *inner = JSON_PACK("{s:s, s:s}", "code", e->kind[0] ? e->kind : vis_err_kind(e->code), "message", e->msg);
    if (e->field[0]) json_object_set_new(inner, "field", json_string(e->field));
    json_t *o = JSON_PACK("{s:o}", "error", inner);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    *len = strlen(s);
    return s;
}

int http_status_for(int code)
{
    switch (code) {
    case VIS_OK: return 200;
    case VIS_EINVAL: return 400;
    case VIS_EAUTH: return 401;
    case VIS_EFORBIDDEN: return 403;
    case VIS_ENOTFOUND: return 404;
    case VIS_ECONFLICT: return 409;
    case VIS_ETOOBIG: return 413;
    case VIS_ELIMIT: return 429;
    case VIS_EBUSY: return 503;
    case VIS_EMISMATCH: return 422;
    default: return 500;
    }
}

/* ---- idempotency ---- */

/* The request's fingerprint: BLAKE2b over method, path and body. */
static void idem_fingerprint(const http_req *rq, unsigned char out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const unsigned char *)rq->method, strlen(rq->method) + 1);
    crypto_generichash_update(&st, (const unsigned char *)rq->path, strlen(rq->path) + 1);
    if (rq->body_len) crypto_generichash_update(&st, (const unsigned char *)rq->body, rq->body_len);
    crypto_generichash_final(&st, out, 32);
}

/* 1: a stored answer for this caller's key (status, body filled); 0: new
 * (an expired entry is forgotten first); -1: error — the key was used for
 * another request (409 for another route, 422 for another body). */
static int idem_lookup(http_req *rq, const unsigned char fp[32], int *status, char **body, vis_err *err)
{
    store_stmt *q = store_query(rq->db, SQL_IDEM_GET, err, "it", rq->who.id, rq->idem_key);
    if (!q) return -1;
    int r = store_row(q, err);
    int rc = 0;
    bool expired = false;
    if (r == 1) {
        size_t fl = 0;
        const void *old = store_col_blob(q, 4, &fl);
        int64_t ttl = rq->srv->cfg.idem_ttl_hours * 3600000;
        if (store_col_i64(q, 5) < rq->now_ms - ttl) {
            expired = true;
        } else if (strcmp(store_col_text(q, 0), rq->method) || strcmp(store_col_text(q, 1), rq->path)) {
            vis_errf(err, VIS_ECONFLICT, "idempotency_key_reused", "Idempotency-Key",
                     "this Idempotency-Key was already used for %s %s", store_col_text(q, 0), store_col_text(q, 1));
            rc = -1;
        } else if (old && fl == 32 && memcmp(old, fp, 32)) {
            vis_errf(err, VIS_EMISMATCH, "idempotency_key_mismatch", "Idempotency-Key",
                     "this Idempotency-Key was already used with a different request body: use a new key for a new "
                     "request");
            rc = -1;
        } else {
            *status = (int)store_col_i64(q, 2);
            *body = mem_strdup(store_col_text(q, 3));
            rc = *body ? 1 : -1;
        }
    } else if (r < 0) {
        rc = -1;
    }
    store_done(q);
    if (expired && store_exec(rq->db, SQL_IDEM_DELETE, err, "it", rq->who.id, rq->idem_key)) rc = -1;
    return rc;
}

/* ---- the request pipeline ---- */

static bool valid_idem_key(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > 255) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e) return false;
    return true;
}

static uint64_t key_of(const unsigned char *h)
{
    uint64_t k = 0;
    for (int i = 0; i < 8; i++) k = (k << 8) | h[i];
    return k;
}

static uint64_t addr_key(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return 2;
    const struct sockaddr *sa = ci->client_addr;
    char tmp[64] = "";
    if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, tmp, sizeof tmp);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, tmp, sizeof tmp);
    return http_text_key(tmp);
}

uint64_t http_text_key(const char *text)
{
    unsigned char h[ACCOUNT_TOKEN_HASH];
    account_token_hash(text, h);
    return key_of(h);
}

uint64_t http_addr_key(http_req *r) { return addr_key(r->conn); }

int http_hash_password(http_req *r, const char *password, char out[128], vis_err *err)
{
    return account_hash_password(password, &r->srv->pwcost, out, err);
}

/* The part of a write request that runs inside its transaction (on the
 * committer's connection): idempotency replay, the handler, and the stored
 * response for the key. */
static int tx_body(http_req *rq, http_resp *rs, vis_err *err)
{
    const http_route *rt = rq->route;
    unsigned char fp[32];
    if (rq->idem_key) {
        idem_fingerprint(rq, fp);
        int st = 0;
        char *body = NULL;
        int r = idem_lookup(rq, fp, &st, &body, err);
        if (r < 0) return err->code ? err->code : VIS_ESTORE;
        if (r == 1) {
            rs->status = st;
            rs->raw = body;
            rs->raw_len = strlen(body);
            rs->ctype = "application/json";
            return 0;
        }
    }
    int rc = rt->fn(rq, rs, err);
    /* the other nodes empty their token caches when this commits (cluster.h) */
    if (rc == 0 && rs->auth_changed) rc = store_notify(rq->db, CLUSTER_AUTH, err);
    if (rc == 0 && rq->idem_key && rs->status < 400) {
        char *body = rs->json ? json_dumps(rs->json, HTTP_JSON_FLAGS) : NULL;
        if (store_exec(rq->db, SQL_IDEM_PUT, err, "itttitib", rq->who.id, rq->idem_key, rq->method, rq->path,
                            (int64_t)rs->status, body ? body : "", rq->now_ms, fp, (size_t)32))
            rc = err->code;
        free(body);
    }
    if (rc && rs->json) {
        json_decref(rs->json);
        rs->json = NULL;
    }
    return rc;
}

/* What the server itself decides automatically (core/decisions.h): the
 * journal entry below carries the same system, rule and explanation. */
const decision_kind http_decision_kinds[] = {
    {"core", "rate_limited", "rate_limit", "more than the allowed requests a minute from one token",
     "Your requests were refused for a moment because your token sent more than the platform's rate "
     "limit allows. It says nothing about your work and has no other consequence.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

/* The journal entry of a rate-limit refusal (run by the committer). */
static int journal_rate_limited(http_req *rq, http_resp *rs, vis_err *err)
{
    (void)rs;
    const vis_config *cfg = &rq->srv->cfg;
    char rule[160];
    snprintf(rule, sizeof rule, "more than %lld requests a minute from one token (bursts of %lld allowed)",
             (long long)cfg->rate_per_minute, (long long)cfg->rate_burst);
    journal_event ev = journal_event_init("core", "rate_limited", rq->now_ms);
    ev.worker_id = rq->who.id;
    ev.automated = true;
    ev.subject = "token";
    return journal_append_json(
        rq->db, &ev,
        JSON_PACK("{s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "system", "rate_limit", "rule", rule, "per_minute",
                  (json_int_t)cfg->rate_per_minute, "burst", (json_int_t)cfg->rate_burst, "method", rq->method, "path",
                  rq->path, "explanation",
                  "Your requests were refused for a moment because your token sent more than the platform's rate "
                  "limit allows. It says nothing about your work and has no other consequence."),
        NULL, err);
}

/* The committer's callback: the group is committed, answer. */
static void on_committed(void *arg, int rc)
{
    reqctx *ctx = arg;
    vis_server *s = ctx->rq.srv;
    struct MHD_Connection *c = ctx->rq.conn;
    ctx->rc = rc;
    if (rc == 0 && ctx->rs.auth_changed) authcache_invalidate(s->auth); /* after the commit: authcache.h */
    atomic_store(&ctx->phase, PHASE_COMMITTED);
    MHD_resume_connection(c); /* ctx may be gone from here on */
    atomic_fetch_sub(&s->inflight, 1);
}

static int run_tail(vis_server *s, http_req *rq, http_resp *rs, vis_err *err, reqctx *ctx, bool *queued);

/* On a work-pool thread: the route's prep step, then back to the
 * connection's thread (finish, PHASE_PREPPED). */
static void prep_job(void *arg)
{
    reqctx *ctx = arg;
    http_req *rq = &ctx->rq;
    vis_server *s = rq->srv;
    rq->db = server_store(s, &ctx->err); /* this thread's own connection, for reads */
    rq->prep_phase = true;
    ctx->prep_rc = rq->db ? rq->route->fn(rq, &ctx->rs, &ctx->err) : ctx->err.code;
    rq->prep_phase = false;
    struct MHD_Connection *c = rq->conn;
    atomic_store(&ctx->phase, PHASE_PREPPED);
    MHD_resume_connection(c); /* ctx may be gone from here on */
    atomic_fetch_sub(&s->prepping, 1);
}

/* 0 or an error; *queued when the request went to the committer (its
 * connection is suspended and its outcome arrives in on_committed). */
static int run(vis_server *s, http_req *rq, http_resp *rs, vis_err *err, int64_t *retry_after, reqctx *ctx,
               bool *queued)
{
    const http_route *rt = rq->route;
    /* authentication: a bearer token, or the web session's cookie (websess.h) */
    uint64_t rlkey;
    const char *auth = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Authorization");
    bool unsafe = strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD");
    const char *tok = NULL;
    if (auth) {
        if (strncmp(auth, "Bearer ", 7))
            return vis_errf(err, VIS_EAUTH, "invalid_token", NULL, "the Authorization header must be 'Bearer TOKEN'");
        tok = auth + 7;
    } else {
        if (unsafe && websess_cross_site(rq))
            return vis_errf(err, VIS_EFORBIDDEN, "cross_site_request", NULL,
                            "a request from another site may not change anything here");
        const char *ck = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, WEBSESS_COOKIE);
        if (ck && *ck) {
            bool csrf = !unsafe || websess_csrf_ok(rq, ck);
            if (!csrf && !(rt->flags & HTTP_PUBLIC))
                return vis_errf(err, VIS_EFORBIDDEN, "csrf_failed", WEBSESS_CSRF_HEADER,
                                "this request needs the page's X-CSRF-Token header: reload the page and try again");
            if (csrf) {
                tok = ck;
                rq->cookie_auth = true;
            }
        }
    }
    if (!(rt->flags & HTTP_PUBLIC) || tok) {
        bool soft = rq->cookie_auth && (rt->flags & HTTP_PUBLIC); /* a stale session on a public page: anonymous */
        int arc = 0;
        if (!tok)
            arc = vis_errf(err, VIS_EAUTH, "missing_token", NULL,
                           "this endpoint needs 'Authorization: Bearer TOKEN' or a signed-in session");
        else if (!account_token_wellformed(tok))
            arc = vis_errf(err, VIS_EAUTH, rq->cookie_auth ? "session_expired" : "invalid_token", NULL,
                           rq->cookie_auth ? "your session has ended: sign in again" : "the token is not valid");
        unsigned char h[ACCOUNT_TOKEN_HASH];
        if (!arc) {
            account_token_hash(tok, h);
            if (!authcache_get(s->auth, h, rq->now_ms, &rq->who)) {
                uint64_t gen = authcache_gen(s->auth); /* before the read: see authcache.h */
                int64_t expires = 0;
                if (account_token_lookup(rq->db, h, rq->now_ms, &rq->who, &expires, err)) {
                    arc = err->code;
                    if (rq->cookie_auth && arc == VIS_EAUTH)
                        vis_errf(err, VIS_EAUTH, "session_expired", NULL, "your session has ended: sign in again");
                } else {
                    authcache_put(s->auth, h, gen, expires, &rq->who);
                }
            }
            if (!arc && account_token_active(&rq->who, err)) arc = err->code;
        }
        if (arc && !soft) return arc;
        if (arc) {
            vis_err_clear(err);
            rq->cookie_auth = false;
            rlkey = addr_key(rq->conn);
        } else {
            rq->authed = true;
            rq->token = tok;
            rlkey = key_of(h);
        }
    } else {
        rlkey = addr_key(rq->conn);
    }
    bool first = false;
    if (!ratelimit_take(s->rl, rlkey, clock_mono_ns() / 1000000, retry_after, &first)) {
        /* a rate limit is an automated decision about a worker: journalled once per episode */
        if (first && rq->authed && !strcmp(rq->who.role, "worker")) {
            vis_err jerr;
            http_resp jrs = {.status = 200};
            if (committer_run(s->committer, journal_rate_limited, rq, &jrs, &jerr))
                fprintf(stderr, "{\"level\":\"error\",\"message\":\"rate limit not journalled: %s\"}\n", jerr.msg);
        }
        return vis_errf(err, VIS_ELIMIT, "rate_limited", NULL, "too many requests: retry in %lld s",
                        (long long)*retry_after);
    }
    if (!(rt->flags & HTTP_PUBLIC) || rq->authed) {
        unsigned role = !strcmp(rq->who.role, "worker")   ? HTTP_WORKER
                        : !strcmp(rq->who.role, "client") ? HTTP_CLIENT
                                                          : HTTP_ADMIN;
        if (!(rt->flags & HTTP_PUBLIC) && !(rt->flags & role))
            return vis_errf(err, VIS_EFORBIDDEN, "forbidden", NULL, "a %s account may not use %s %s", rq->who.role,
                            rt->method, rt->pattern);
    }
    /* body */
    if ((rt->flags & HTTP_JSON) || ((rt->flags & HTTP_JSON_OPT) && rq->body_len > 0)) {
        if (rq->body_len == 0)
            return vis_errf(err, VIS_EINVAL, "body_required", NULL, "this endpoint needs a JSON object body");
        json_error_t je;
        rq->json = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        if (!rq->json)
            return vis_errf(err, VIS_EINVAL, "malformed_json", NULL, "malformed JSON at position %d: %s", je.position,
                            je.text);
        if (!json_is_object(rq->json))
            return vis_errf(err, VIS_EINVAL, "invalid_body", NULL, "the request body must be a JSON object");
        /* data the platform must not process (docs/visibility.md) */
        if (rq->authed && !strcmp(rq->who.role, "worker") && visib_guard_body(rq->json, err)) return err->code;
    }
    /* CPU-heavy work (password hashing) goes to the work pool, never on an
       HTTP thread nor on the committer; the request continues in run_tail */
    if (rt->flags & HTTP_PREP) {
        atomic_fetch_add(&s->prepping, 1);
        if (atomic_load(&s->stopping)) {
            atomic_fetch_sub(&s->prepping, 1);
            return vis_errf(err, VIS_EBUSY, "shutting_down", NULL, "the server is stopping: retry in a moment");
        }
        MHD_suspend_connection(rq->conn);
        atomic_store(&ctx->phase, PHASE_PREPPING);
        if (!workpool_submit(s->work, prep_job, ctx)) {
            atomic_store(&ctx->phase, PHASE_READING);
            MHD_resume_connection(rq->conn);
            atomic_fetch_sub(&s->prepping, 1);
            rs->retry_after = 1;
            return vis_errf(err, VIS_ELIMIT, "busy", NULL, "too many sign-ins at this moment: try again in a second");
        }
        *queued = true; /* ctx belongs to the pool until it resumes us */
        return 0;
    }
    return run_tail(s, rq, rs, err, ctx, queued);
}

/* After authentication, body and prep: the handler, or the committer. */
static int run_tail(vis_server *s, http_req *rq, http_resp *rs, vis_err *err, reqctx *ctx, bool *queued)
{
    const http_route *rt = rq->route;
    bool tx = rt->flags & (HTTP_TX | HTTP_IDEM);
    if (!tx && strcmp(rq->method, "GET")) return rt->fn(rq, rs, err);
    if (!tx) { /* a read: one snapshot for all its statements (store.h) */
        if (store_read_begin(rq->db, err)) return err->code;
        int rc = rt->fn(rq, rs, err);
        store_read_end(rq->db);
        return rc;
    }

    rq->idem_key = (rt->flags & HTTP_IDEM)
                       ? MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Idempotency-Key")
                       : NULL;
    if (rq->idem_key && !valid_idem_key(rq->idem_key))
        return vis_errf(err, VIS_EINVAL, "invalid_header", "Idempotency-Key",
                        "Idempotency-Key must be 1 to 255 visible ASCII characters");
    /* keys belong to their caller: an anonymous request never shares an
       answer (a repeated sign-up meets email_taken instead) */
    if (!rq->authed) rq->idem_key = NULL;
    /* counted before the check, so that server_stop either waits for this
       request or this request sees it stopping (both sequentially consistent) */
    atomic_fetch_add(&s->inflight, 1);
    if (atomic_load(&s->stopping)) {
        atomic_fetch_sub(&s->inflight, 1);
        return vis_errf(err, VIS_EBUSY, "shutting_down", NULL, "the server is stopping: retry in a moment");
    }
    MHD_suspend_connection(rq->conn);
    atomic_fetch_add(&s->answering, 1); /* until on_completed: server_stop waits for the answer to go out */
    ctx->counted = true;
    atomic_store(&ctx->phase, PHASE_QUEUED);
    *queued = true; /* from here on ctx belongs to the committer until it resumes us */
    committer_submit(s->committer, &ctx->job, tx_body, rq, rs, err, on_committed, ctx);
    return 0;
}

/* Answer a request whose outcome is in ctx (rc, err, rs). */
static enum MHD_Result respond(vis_server *s, struct MHD_Connection *c, const char *method, const char *url,
                               reqctx *ctx)
{
    http_req *rq = &ctx->rq;
    http_resp *rs = &ctx->rs;
    vis_err *err = &ctx->err;
    int rc = ctx->rc;
    json_decref(rq->json);
    rq->json = NULL;
    if (rc && !err->code) vis_errf(err, rc, NULL, NULL, "internal error");

    if (!rc && rs->stream) { /* an event stream: the response is the stream's own (sse.h) */
        sse_stream *st = rs->stream;
        rs->stream = NULL;
        metrics_observe(s->metrics, ctx->ri, 200, clock_mono_ns() - ctx->t0);
        log_request(s, method, url, ctx->rname, 200, clock_mono_ns() - ctx->t0, rq->authed ? rq->who.id : -1);
        return (enum MHD_Result)sse_respond(s, c, st);
    }
    int status;
    char *out;
    size_t len;
    const char *ctype = "application/json";
    if (rc) {
        status = (rs->status == 405 || ctx->refuse) ? rs->status : http_status_for(err->code);
        if (status >= 500) {
            json_t *line = JSON_PACK("{s:s, s:s, s:s}", "level", "error", "path", ctx->rname, "message", err->msg);
            char *txt = line ? json_dumps(line, JSON_COMPACT) : NULL;
            fprintf(stderr, "%s\n", txt ? txt : err->msg);
            free(txt);
            json_decref(line);
            /* the store's or the system's own words stay in the log, never reach a client */
            if (err->code == VIS_EBUSY) {
                if (!strcmp(err->kind, "busy") || !strcmp(err->kind, STORE_RETRY))
                    vis_errf(err, VIS_EBUSY, "busy", NULL, "the platform is busy: try again in a moment");
            } else
                vis_errf(err, err->code, "internal_error", NULL,
                         "the platform could not complete this request and nothing was changed; try again, and "
                         "tell the operator if it happens again");
        }
        out = error_body(err, &len);
        json_decref(rs->json);
        free(rs->raw);
    } else if (rs->raw) {
        status = rs->status;
        out = rs->raw;
        len = rs->raw_len;
        if (rs->ctype) ctype = rs->ctype;
    } else {
        status = rs->status;
        out = rs->json ? json_dumps(rs->json, HTTP_JSON_FLAGS) : mem_strdup("{}");
        json_decref(rs->json);
        len = strlen(out);
    }
    rs->json = NULL;
    rs->raw = NULL;
    int64_t dur = clock_mono_ns() - ctx->t0;
    metrics_observe(s->metrics, ctx->ri, status, dur);
    log_request(s, method, url, ctx->rname, status, dur, rq->authed ? rq->who.id : -1);
    enum MHD_Result ret = send_bytes(s, c, status, ctype, out, len, rs, status == 405 ? ctx->allow : NULL,
                                     ctx->retry_after ? ctx->retry_after : rs->retry_after);
    rs->ncookies = 0;
    return ret;
}

static enum MHD_Result finish(vis_server *s, struct MHD_Connection *c, const char *method, const char *url,
                              reqctx *ctx)
{
    int phase = atomic_load(&ctx->phase);
    if (phase == PHASE_COMMITTED) return respond(s, c, method, url, ctx);
    if (phase == PHASE_QUEUED || phase == PHASE_PREPPING) return MHD_YES; /* not resumed yet */
    if (phase == PHASE_PREPPED) { /* the prep step is done: on with the request */
        atomic_store(&ctx->phase, PHASE_READING);
        bool queued = false;
        int rc = ctx->prep_rc;
        if (!rc) {
            ctx->rq.db = server_store(s, &ctx->err);
            rc = ctx->rq.db ? run_tail(s, &ctx->rq, &ctx->rs, &ctx->err, ctx, &queued) : ctx->err.code;
        }
        if (queued) return MHD_YES;
        ctx->rc = rc;
        return respond(s, c, method, url, ctx);
    }
    ctx->rq = (http_req){.srv = s, .conn = c, .method = method, .path = url};
    ctx->rs = (http_resp){.status = 200};
    http_req *rq = &ctx->rq;
    http_resp *rs = &ctx->rs;
    vis_err *err = &ctx->err;
    vis_err_clear(err);
    ctx->retry_after = 0;
    ctx->allow[0] = '\0';
    char *allow = ctx->allow;
    size_t allow_cap = sizeof ctx->allow;
    ctx->ri = s->nroutes + 1;
    ctx->rname = "unmatched";
    int rc = 0;
    bool queued = false;

    if (ctx->refuse) {
        rc = vis_errf(err, VIS_EINVAL, ctx->refuse_code, NULL, "%s", ctx->refuse_msg);
        rs->status = ctx->refuse;
        rs->close = true;
    } else if (ctx->too_big) {
        rc = vis_errf(err, VIS_ETOOBIG, "body_too_large", NULL, "the request body exceeds %lld bytes",
                      (long long)ctx->limit);
    } else {
        bool pm = false;
        rq->route = server_route(s, method, url, rq, &pm, &ctx->ri);
        if (!rq->route) {
            ctx->ri = s->nroutes + 1;
            if (!pm && (!strcmp(method, "GET") || !strcmp(method, "HEAD")) && strncmp(url, "/v1/", 4)) {
                int st = 0;
                enum MHD_Result r = (enum MHD_Result)static_serve(s, c, method, url, &st);
                metrics_observe(s->metrics, s->nroutes, st, clock_mono_ns() - ctx->t0);
                log_request(s, method, url, "static", st, clock_mono_ns() - ctx->t0, -1);
                return r;
            }
            if (pm) {
                for (size_t i = 0; i < s->nroutes; i++) {
                    bool m2;
                    size_t idx;
                    if (server_route(s, s->routes[i]->method, url, NULL, &m2, &idx) && !strstr(allow, s->routes[i]->method)) {
                        if (*allow) strncat(allow, ", ", allow_cap - strlen(allow) - 1);
                        strncat(allow, s->routes[i]->method, allow_cap - strlen(allow) - 1);
                    }
                }
                rc = vis_errf(err, VIS_EINVAL, "method_not_allowed", NULL, "%s is not allowed on %s (allowed: %s)",
                              method, url, allow);
                rs->status = 405;
            } else {
                rc = vis_errf(err, VIS_ENOTFOUND, "no_route", NULL, "no such endpoint: %s %s", method, url);
            }
        } else if ((rq->route->flags & HTTP_TESTONLY) && !s->cfg.test_clock) {
            rc = vis_errf(err, VIS_ENOTFOUND, "no_route", NULL, "no such endpoint: %s %s", method, url);
        } else {
            ctx->rname = s->route_names[ctx->ri];
            rq->db = server_store(s, err);
            rq->now_ms = clock_now_ms(&s->clock);
            rq->body = ctx->body.data;
            rq->body_len = ctx->body.len;
            if (!rq->db) rc = err->code;
            else rc = run(s, rq, rs, err, &ctx->retry_after, ctx, &queued);
        }
    }
    if (queued) return MHD_YES; /* the committer resumes the connection; ctx is not ours to touch */
    ctx->rc = rc;
    return respond(s, c, method, url, ctx);
}

/* ---- protocol hygiene: what the request head may not contain ---- */

#define MAX_URL 4096     /* longer: 414 */
#define MAX_HEAD 8192    /* header bytes in all: longer, 431 (libmicrohttpd refuses past its 16 KiB pool itself) */

#define SCAN_MAX 64

typedef struct {
    int         ncl;
    const char *cl;
    bool        cl_differ, te, nul;
    size_t      bytes;
    int         n;
    const char *key[SCAN_MAX], *end[SCAN_MAX]; /* each header's key, and the end of its value */
} head_scan;

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                   const char *value, size_t value_size)
{
    (void)kind;
    head_scan *h = cls;
    h->bytes += key_size + value_size + 4;
    if (strlen(key) != key_size || (value && strlen(value) != value_size)) h->nul = true;
    if (h->n < SCAN_MAX && value) {
        h->key[h->n] = key;
        h->end[h->n++] = value + value_size;
    }
    if (!strcasecmp(key, "Content-Length")) {
        if (h->ncl++ && value && h->cl && strcmp(h->cl, value)) h->cl_differ = true;
        h->cl = value;
    } else if (!strcasecmp(key, "Transfer-Encoding")) {
        h->te = true;
    }
    return MHD_YES;
}

/* A header with a NUL byte, two different Content-Length headers,
 * Content-Length with Transfer-Encoding, an overlong URL or head: refused
 * before anything else, with the JSON error shape. */
static void check_head(reqctx *ctx, struct MHD_Connection *c, const char *url)
{
    head_scan h = {0};
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, scan_header, &h);
    /* libmicrohttpd cuts a value at a NUL byte and reports the shorter size.
       It parses the head in place, turning each line's CR and LF into NULs:
       right after a value come NULs and then the next header's name. A byte
       that is neither, right after the value's end, was hidden behind a NUL
       ("Bearer <token>\0junk"). (Checked on libmicrohttpd 0.9.75; the API
       tests pin it.) */
    for (int i = 0; i < h.n && !h.nul; i++) {
        const char *after = h.end[i] + 1;
        if (*after && !(i + 1 < h.n && after == h.key[i + 1])) h.nul = true;
    }
    if (strlen(url) > MAX_URL) {
        ctx->refuse = 414;
        ctx->refuse_code = "uri_too_long";
        ctx->refuse_msg = "the request URL is longer than 4096 bytes";
    } else if (h.bytes > MAX_HEAD) {
        ctx->refuse = 431;
        ctx->refuse_code = "headers_too_large";
        ctx->refuse_msg = "the request headers are larger than 8192 bytes";
    } else if (h.nul) {
        ctx->refuse = 400;
        ctx->refuse_code = "invalid_header";
        ctx->refuse_msg = "a header contains a NUL byte";
    } else if (h.cl_differ) {
        ctx->refuse = 400;
        ctx->refuse_code = "invalid_header";
        ctx->refuse_msg = "two different Content-Length headers";
    } else if (h.te && h.ncl) {
        ctx->refuse = 400;
        ctx->refuse_code = "invalid_header";
        ctx->refuse_msg = "Content-Length and Transfer-Encoding together";
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size,
                                  void **con_cls)
{
    (void)version;
    vis_server *s = cls;
    reqctx *ctx = *con_cls;
    if (!ctx) {
        ctx = mem_calloc(1, sizeof *ctx);
        buf_init(&ctx->body);
        ctx->t0 = clock_mono_ns();
        ctx->limit = s->cfg.body_limit;
        bool pm;
        size_t idx;
        const http_route *rt = server_route(s, method, url, NULL, &pm, &idx);
        if (rt && (rt->flags & HTTP_BULK)) ctx->limit = s->cfg.bulk_limit;
        check_head(ctx, c, url);
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!ctx->too_big && !ctx->refuse) {
            if ((int64_t)(ctx->body.len + *upload_size) > ctx->limit) {
                ctx->too_big = true;
                buf_free(&ctx->body);
            } else {
                buf_append(&ctx->body, upload_data, *upload_size);
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return finish(s, c, method, url, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    vis_server *s = cls;
    (void)c;
    (void)t;
    reqctx *ctx = *con_cls;
    if (!ctx) return;
    if (ctx->counted) atomic_fetch_sub(&s->answering, 1);
    json_decref(ctx->rq.json);
    json_decref(ctx->rs.json);
    free(ctx->rs.raw);
    buf_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

/* ---- lifecycle ---- */

int server_init(vis_server *s, const vis_config *cfg, vis_err *err)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    clock_init(&s->clock);
    s->pwcost.ops = (unsigned long long)cfg->pwhash_ops;
    s->pwcost.mem_bytes = (size_t)cfg->pwhash_mem_kib * 1024;
    pthread_mutex_init(&s->conns_lock, NULL);
    if (pthread_key_create(&s->conn_key, NULL))
        return vis_errf(err, VIS_EIO, NULL, NULL, "cannot create a thread key");
    store_opts so = {.sync_full = cfg->sync_full, .busy_timeout_ms = cfg->busy_timeout_ms};
    if (store_pool_open(&s->pool, cfg->db, &so, err)) return err->code;
    store *db = server_store(s, err);
    if (!db || store_migrate(db, clock_now_ms(&s->clock), err)) return err->code ? err->code : VIS_ESTORE;
    /* routes: concatenate every module's table */
    const http_route *const *tables = server_route_tables();
    size_t n = 0;
    for (size_t t = 0; tables[t]; t++)
        for (const http_route *r = tables[t]; r->method; r++) n++;
    s->routes = mem_calloc(n ? n : 1, sizeof *s->routes);
    s->route_names = mem_calloc(n ? n : 1, sizeof *s->route_names);
    for (size_t t = 0; tables[t]; t++)
        for (const http_route *r = tables[t]; r->method; r++) {
            char *name = mem_alloc(strlen(r->method) + strlen(r->pattern) + 2);
            sprintf(name, "%s %s", r->method, r->pattern);
            s->route_names[s->nroutes] = name;
            s->routes[s->nroutes++] = r;
        }
    s->login_fail_account = throttle_new(cfg->login_fail_account, cfg->login_fail_window_s * 1000);
    s->login_fail_address = throttle_new(cfg->login_fail_address, cfg->login_fail_window_s * 1000);
    s->metrics = metrics_new(s->nroutes, s->route_names);
    s->rl = ratelimit_new(cfg->rate_per_minute, cfg->rate_burst);
    s->auth = authcache_new();
    if (!realpath(cfg->web_root, s->web_root)) s->web_root[0] = '\0';
    if (!websess_tile_url_ok(cfg->web_tile_url))
        return vis_errf(err, VIS_EINVAL, "invalid_config", "web.tile_url",
                        "web.tile_url must be an http(s) URL without spaces, quotes, ';' or ','");
    if (!websess_media_origins_ok(cfg->web_media_origins))
        return vis_errf(err, VIS_EINVAL, "invalid_config", "web.media_origins",
                        "web.media_origins must be https://host[:port] origins separated by spaces");
    return 0;
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, vis_err *err)
{
    const char *colon = strrchr(listen, ':');
    if (!colon) return vis_errf(err, VIS_EINVAL, "invalid_config", "listen", "listen must be ADDR:PORT, got '%s'", listen);
    char host[64];
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host) return vis_errf(err, VIS_EINVAL, "invalid_config", "listen", "listen address too long");
    memcpy(host, listen, hl);
    host[hl] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon[1] == '\0')
        return vis_errf(err, VIS_EINVAL, "invalid_config", "listen", "bad port in '%s'", listen);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return vis_errf(err, VIS_EINVAL, "invalid_config", "listen", "bad IPv4 address '%s'", host);
    return 0;
}

int server_start(vis_server *s, vis_err *err)
{
    if (!s->committer && !(s->committer = committer_start(s, err))) return err->code;
    if (!s->sse && !(s->sse = sse_hub_start(s, err))) return err->code;
    int pw = (int)s->cfg.pwhash_concurrency;
    if (pw <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        pw = cores >= 2 ? (int)(cores / 2) : 1;
    }
    if (!s->work && !(s->work = workpool_start(pw, 4 * pw)))
        return vis_errf(err, VIS_EIO, NULL, NULL, "cannot start the work pool");
    struct sockaddr_in sa;
    if (parse_listen(s->cfg.listen, &sa, err)) return err->code;
    s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                              on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                              MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)s->cfg.threads,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
                              (unsigned int)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4096,
                              /* the per-connection pool is zeroed after every request: 16 KiB (headers up
                                 to ~8 KiB) instead of the default 32 KiB */
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
                              MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024, MHD_OPTION_END);
    if (!s->mhd) return vis_errf(err, VIS_EIO, "listen_failed", "listen", "cannot listen on %s", s->cfg.listen);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : ntohs(sa.sin_port);
    return 0;
}

void server_stop(vis_server *s)
{
    if (s->mhd) {
        MHD_quiesce_daemon(s->mhd);
        /* refuse new writes (503), let the committer finish and resume every
           suspended request */
        atomic_store(&s->stopping, true);
        for (int i = 0; i < 30000 && atomic_load(&s->prepping) > 0; i++) nanosleep(&(struct timespec){0, 1000000}, NULL);
        for (int i = 0; i < 30000 && atomic_load(&s->inflight) > 0; i++) nanosleep(&(struct timespec){0, 1000000}, NULL);
        /* every committed write's answer goes out before the connections close */
        for (int i = 0; i < 10000 && atomic_load(&s->answering) > 0; i++) nanosleep(&(struct timespec){0, 1000000}, NULL);
        sse_hub_stop(s->sse); /* every event stream ends before the daemon stops */
        MHD_stop_daemon(s->mhd);
        s->mhd = NULL;
    }
    committer_stop(s->committer);
    s->committer = NULL;
    workpool_stop(s->work);
    s->work = NULL;
    sse_hub_free(s->sse);
    s->sse = NULL;
}

void server_free(vis_server *s)
{
    server_stop(s);
    mod_svc_free(s->moderation); /* the ticker, its other user, has stopped */
    s->moderation = NULL;
    for (int i = 0; i < s->nconns; i++) store_disconnect(s->conns[i]);
    s->nconns = 0;
    store_pool_close(s->pool);
    for (size_t i = 0; i < s->nroutes; i++) free((char *)s->route_names[i]);
    free(s->route_names);
    free(s->routes);
    metrics_free(s->metrics);
    ratelimit_free(s->rl);
    authcache_free(s->auth);
    throttle_free(s->login_fail_account);
    throttle_free(s->login_fail_address);
    pthread_key_delete(s->conn_key);
    pthread_mutex_destroy(&s->conns_lock);
}
