/* server — libmicrohttpd front end: body intake, auth, limits, dispatch. */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/buf.h"
#include "core/journal.h"
#include "http/authcache.h"
#include "http/committer.h"
#include "http/sse.h"
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
enum { PHASE_READING, PHASE_QUEUED, PHASE_COMMITTED };

typedef struct reqctx {
    buf                    body;
    bool                   too_big;
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
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:i, s:f, s:I}", "ts", (json_int_t)clock_now_ms(&s->clock), "method", method,
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
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static char *error_body(const vis_err *e, size_t *len)
{
    json_t *inner = json_pack("{s:s, s:s}", "code", e->kind[0] ? e->kind : vis_err_kind(e->code), "message", e->msg);
    if (inner && e->field[0]) json_object_set_new(inner, "field", json_string(e->field));
    json_t *o = json_pack("{s:o}", "error", inner);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) s = strdup("{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\"}}");
    *len = s ? strlen(s) : 0;
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
    default: return 500;
    }
}

/* ---- idempotency ---- */

static int idem_lookup(http_req *rq, int *status, char **body, vis_err *err)
{
    store_stmt *q = store_query(rq->db, SQL_IDEM_GET, err, "it", rq->authed ? rq->who.id : (int64_t)0, rq->idem_key);
    if (!q) return -1;
    int r = store_row(q, err);
    int rc = 0;
    if (r == 1) {
        if (strcmp(store_col_text(q, 0), rq->method) || strcmp(store_col_text(q, 1), rq->path)) {
            vis_errf(err, VIS_ECONFLICT, "idempotency_key_reused", "Idempotency-Key",
                     "this Idempotency-Key was already used for %s %s", store_col_text(q, 0), store_col_text(q, 1));
            rc = -1;
        } else {
            *status = (int)store_col_i64(q, 2);
            *body = strdup(store_col_text(q, 3));
            rc = *body ? 1 : -1;
        }
    } else if (r < 0) {
        rc = -1;
    }
    store_done(q);
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
    unsigned char h[ACCOUNT_TOKEN_HASH];
    const struct sockaddr *sa = ci->client_addr;
    char tmp[64] = "";
    if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, tmp, sizeof tmp);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, tmp, sizeof tmp);
    account_token_hash(tmp, h);
    return key_of(h);
}

/* The part of a write request that runs inside its transaction (on the
 * committer's connection): idempotency replay, the handler, and the stored
 * response for the key. */
static int tx_body(http_req *rq, http_resp *rs, vis_err *err)
{
    const http_route *rt = rq->route;
    if (rq->idem_key) {
        int st = 0;
        char *body = NULL;
        int r = idem_lookup(rq, &st, &body, err);
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
    if (rc == 0 && rq->idem_key && rs->status < 400) {
        char *body = rs->json ? json_dumps(rs->json, JSON_COMPACT) : NULL;
        if (rs->json && !body) rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
        else if (store_exec(rq->db, SQL_IDEM_PUT, err, "itttiti", rq->authed ? rq->who.id : (int64_t)0, rq->idem_key,
                            rq->method, rq->path, (int64_t)rs->status, body ? body : "", rq->now_ms))
            rc = err->code;
        free(body);
    }
    if (rc && rs->json) {
        json_decref(rs->json);
        rs->json = NULL;
    }
    return rc;
}

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
        json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "system", "rate_limit", "rule", rule, "per_minute",
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
    bool tx = rt->flags & (HTTP_TX | HTTP_IDEM);
    if (!tx) return rt->fn(rq, rs, err);

    rq->idem_key = (rt->flags & HTTP_IDEM)
                       ? MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Idempotency-Key")
                       : NULL;
    if (rq->idem_key && !valid_idem_key(rq->idem_key))
        return vis_errf(err, VIS_EINVAL, "invalid_header", "Idempotency-Key",
                        "Idempotency-Key must be 1 to 255 visible ASCII characters");
    /* counted before the check, so that server_stop either waits for this
       request or this request sees it stopping (both sequentially consistent) */
    atomic_fetch_add(&s->inflight, 1);
    if (atomic_load(&s->stopping)) {
        atomic_fetch_sub(&s->inflight, 1);
        return vis_errf(err, VIS_EBUSY, "shutting_down", NULL, "the server is stopping: retry in a moment");
    }
    MHD_suspend_connection(rq->conn);
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
        status = rs->status == 405 ? 405 : http_status_for(err->code);
        if (status >= 500)
            fprintf(stderr, "{\"level\":\"error\",\"path\":\"%s\",\"message\":\"%s\"}\n", ctx->rname, err->msg);
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
        out = rs->json ? json_dumps(rs->json, JSON_COMPACT) : strdup("{}");
        json_decref(rs->json);
        if (!out) {
            status = 500;
            out = strdup("{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\"}}");
        }
        len = out ? strlen(out) : 0;
    }
    rs->json = NULL;
    rs->raw = NULL;
    int64_t dur = clock_mono_ns() - ctx->t0;
    metrics_observe(s->metrics, ctx->ri, status, dur);
    log_request(s, method, url, ctx->rname, status, dur, rq->authed ? rq->who.id : -1);
    enum MHD_Result ret = send_bytes(s, c, status, ctype, out, len, rs, status == 405 ? ctx->allow : NULL,
                                     ctx->retry_after);
    rs->ncookies = 0;
    return ret;
}

static enum MHD_Result finish(vis_server *s, struct MHD_Connection *c, const char *method, const char *url,
                              reqctx *ctx)
{
    int phase = atomic_load(&ctx->phase);
    if (phase == PHASE_COMMITTED) return respond(s, c, method, url, ctx);
    if (phase == PHASE_QUEUED) return MHD_YES; /* not resumed yet */
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

    if (ctx->too_big) {
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size,
                                  void **con_cls)
{
    (void)version;
    vis_server *s = cls;
    reqctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx) return MHD_NO;
        buf_init(&ctx->body);
        ctx->t0 = clock_mono_ns();
        ctx->limit = s->cfg.body_limit;
        bool pm;
        size_t idx;
        const http_route *rt = server_route(s, method, url, NULL, &pm, &idx);
        if (rt && (rt->flags & HTTP_BULK)) ctx->limit = s->cfg.bulk_limit;
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!ctx->too_big) {
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
    (void)cls;
    (void)c;
    (void)t;
    reqctx *ctx = *con_cls;
    if (!ctx) return;
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
        return vis_errf(err, VIS_ENOMEM, NULL, NULL, "cannot create a thread key");
    store_opts so = {.sync_full = cfg->sync_full, .busy_timeout_ms = cfg->busy_timeout_ms};
    if (store_pool_open(&s->pool, cfg->db, &so, err)) return err->code;
    store *db = server_store(s, err);
    if (!db || store_migrate(db, err)) return err->code ? err->code : VIS_ESTORE;
    /* routes: concatenate every module's table */
    const http_route *const *tables = server_route_tables();
    size_t n = 0;
    for (size_t t = 0; tables[t]; t++)
        for (const http_route *r = tables[t]; r->method; r++) n++;
    s->routes = calloc(n ? n : 1, sizeof *s->routes);
    s->route_names = calloc(n ? n : 1, sizeof *s->route_names);
    if (!s->routes || !s->route_names) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
    for (size_t t = 0; tables[t]; t++)
        for (const http_route *r = tables[t]; r->method; r++) {
            char *name = malloc(strlen(r->method) + strlen(r->pattern) + 2);
            if (!name) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
            sprintf(name, "%s %s", r->method, r->pattern);
            s->route_names[s->nroutes] = name;
            s->routes[s->nroutes++] = r;
        }
    s->metrics = metrics_new(s->nroutes, s->route_names);
    s->rl = ratelimit_new(cfg->rate_per_minute, cfg->rate_burst);
    s->auth = authcache_new();
    if (!s->metrics || !s->rl || !s->auth) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
    if (!realpath(cfg->web_root, s->web_root)) s->web_root[0] = '\0';
    if (!websess_tile_url_ok(cfg->web_tile_url))
        return vis_errf(err, VIS_EINVAL, "invalid_config", "web.tile_url",
                        "web.tile_url must be an http(s) URL without spaces, quotes, ';' or ','");
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
        for (int i = 0; i < 30000 && atomic_load(&s->inflight) > 0; i++) nanosleep(&(struct timespec){0, 1000000}, NULL);
        sse_hub_stop(s->sse); /* every event stream ends before the daemon stops */
        MHD_stop_daemon(s->mhd);
        s->mhd = NULL;
    }
    committer_stop(s->committer);
    s->committer = NULL;
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
    pthread_key_delete(s->conn_key);
    pthread_mutex_destroy(&s->conns_lock);
}
