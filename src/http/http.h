/*
 * http — the HTTP/JSON API: request and response types shared by the
 * server, the router and every family's handlers.
 *
 * A handler receives a parsed, authenticated request and fills a response;
 * it never touches libmicrohttpd or SQL text. It validates input (jv.h),
 * calls domain modules, and returns 0 or an error code with a vis_err, which
 * the server turns into {"error":{"code","message","field"}} with the right
 * status. Routes flagged HTTP_TX run inside one store transaction: on any
 * error it is rolled back, so bad input changes nothing. Routes flagged
 * HTTP_IDEM honour the Idempotency-Key header: the first response is stored
 * in the same transaction and replayed for the same key.
 *
 * Each family exports a route table (e.g. http_routes_core) that the
 * server concatenates at start; /v1 paths may have {name} segments.
 */
#ifndef VIS_HTTP_HTTP_H
#define VIS_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/account.h"
#include "core/decisions.h"
#include "core/svc.h"
#include "store/store.h"

struct vis_server;
struct MHD_Connection;

enum {
    HTTP_PUBLIC = 1u << 0, /* no token needed */
    HTTP_WORKER = 1u << 1, /* roles allowed (any of) */
    HTTP_CLIENT = 1u << 2,
    HTTP_ADMIN = 1u << 3,
    HTTP_ANYROLE = HTTP_WORKER | HTTP_CLIENT | HTTP_ADMIN,
    HTTP_TX = 1u << 4,     /* run in a write transaction */
    HTTP_IDEM = 1u << 5,   /* honour Idempotency-Key (implies HTTP_TX) */
    HTTP_JSON = 1u << 6,   /* body must be a JSON object (req->json) */
    HTTP_TESTONLY = 1u << 7, /* only when test_clock is on */
    HTTP_JSON_OPT = 1u << 8, /* body, if any, must be a JSON object */
    HTTP_BULK = 1u << 9,     /* large uploads: http.bulk_limit instead of http.body_limit */
    HTTP_PREP = 1u << 10,    /* the handler is called first with req->prep_phase set, on a work-pool
                                thread before the transaction, for CPU-heavy work that must hold up
                                neither HTTP threads nor the committer (password hashing; workpool.h);
                                results in req->prep_id/prep_text */
};

#define HTTP_MAX_PARAMS 4

typedef struct http_route http_route;

typedef struct http_req {
    struct vis_server     *srv;
    store                 *db;
    struct MHD_Connection *conn;
    const char            *method;
    const char            *path;
    const http_route      *route;
    char                   params[HTTP_MAX_PARAMS][128];
    int                    nparams;
    const char            *body;
    size_t                 body_len;
    json_t                *json;   /* parsed body (HTTP_JSON) */
    bool                   authed;
    account                who;
    int64_t                now_ms;
    const char            *idem_key;
    const char            *token;       /* the bearer or session-cookie token, when authenticated */
    bool                   cookie_auth; /* authenticated by the web session cookie (websess.h) */
    bool                   prep_phase;  /* HTTP_PREP: the call before the transaction */
    int64_t                prep_id;     /* what the route's prep step found (e.g. the account signing in) */
    char                   prep_text[128]; /* what it computed (e.g. a password hash) */
} http_req;

typedef struct http_resp {
    int         status;
    json_t     *json;      /* owned; serialised by the server */
    char       *raw;       /* or raw bytes (owned, malloc) */
    size_t      raw_len;
    const char *ctype;     /* for raw */
    char        location[256];
    bool        auth_changed; /* the handler changed tokens or accounts (authcache.h) */
    char        cookies[2][320]; /* Set-Cookie values (websess.h) */
    int         ncookies;
    const char *csp;         /* a page's own Content-Security-Policy (static string), else the API's */
    struct sse_stream *stream; /* answer with this event stream (sse.h) */
    char        disposition[128]; /* Content-Disposition, when set (downloads) */
    int64_t     retry_after; /* seconds, for a 429 or 503 set by a handler */
    bool        close;       /* close the connection after this answer (a malformed request head) */
} http_resp;

typedef int (*http_handler)(http_req *req, http_resp *resp, vis_err *err);

struct http_route {
    const char  *method;
    const char  *pattern;
    http_handler fn;
    unsigned     flags;
    const char  *summary;
};

/* How answers are serialised: compact, and numbers with 15 significant
 * digits, so a coordinate comes back as given (48.864, not
 * 48.863999999999997); every amount and time is an integer anyway. */
#define HTTP_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* Route tables of each module, ended by a zeroed entry. */
extern const http_route http_routes_core[];
extern const http_route http_routes_microwork[];
extern const http_route http_routes_visibility[];
extern const http_route http_routes_moderation[];
extern const http_route http_routes_dispatch[];
extern const http_route http_routes_web[];

/* Every automated-decision kind the platform journals (core/decisions.h),
 * collected from the families like the route tables (http/routes.c): a
 * NULL-terminated list of tables, passed to visibility (rev.h, exp.h). */
const decision_kind *const *server_decision_kinds(void);
/* The kinds the server journals itself (family "core": rate_limited). */
extern const decision_kind http_decision_kinds[];

/* Respond with a JSON value (steals the reference). */
int http_json(http_resp *r, int status, json_t *v);
/* The one way a handler answers with what a service function built:
 *     json_t *out = NULL;
 *     return http_reply(rs, 200, mw_batch_get(&c, id, &out, err), &out);
 * rc != 0: the error is returned (and *out, if any, freed); else *out is
 * the answer. out is passed by address so that it is read only after the
 * call that fills it, whatever order C evaluates the arguments in. */
int http_reply(http_resp *rs, int status, int rc, json_t **out);
/* The service context of a request (core/svc.h): its connection (inside
 * its transaction or read snapshot), the configuration, the request's
 * clock and the caller. */
svc_ctx http_ctx(http_req *r);
/* Respond with the bytes of b (taken; freed on error) as ctype. */
struct buf;
int http_raw_buf(http_resp *r, int status, const char *ctype, struct buf *b, vis_err *err);
/* Request header or NULL. */
const char *http_header(http_req *r, const char *name);
/* Query-string parameter or NULL. */
const char *http_query(http_req *r, const char *name);
/* Parse an int64 query parameter; absent -> def; bad -> VIS_EINVAL. */
int http_query_i64(http_req *r, const char *name, int64_t def, int64_t lo, int64_t hi, int64_t *out, vis_err *err);
/* Path parameter {name} number i parsed as a positive id. */
int http_param_id(http_req *r, int i, const char *name, int64_t *out, vis_err *err);
/* A key for the client's address (rate limits, throttles). */
uint64_t http_addr_key(http_req *r);
/* A 64-bit key for any text (its BLAKE2b hash): throttles, caches. */
uint64_t http_text_key(const char *text);
/* A password's hash with the server's cost (in a prep step: workpool.h). */
int  http_hash_password(http_req *r, const char *password, char out[128], vis_err *err);
/* Status for an error code. */
int http_status_for(int code);
/* The account as JSON (no secrets). */
json_t *http_account_json(const account *a);

#endif
