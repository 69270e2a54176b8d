/* req — request helpers for handlers: query, headers, path ids, JSON. */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/buf.h"
#include "http/http.h"
#include "http/server.h"

const char *http_header(http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int http_json(http_resp *r, int status, json_t *v)
{
    r->status = status;
    r->json = v;
    return v ? 0 : VIS_EIO; /* a NULL answer is a bug (base/mem.h: building JSON cannot fail) */
}

int http_reply(http_resp *rs, int status, int rc, json_t **out)
{
    if (rc) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    return http_json(rs, status, *out);
}

svc_ctx http_ctx(http_req *r)
{
    return (svc_ctx){.db = r->db, .cfg = &r->srv->cfg, .now_ms = r->now_ms, .who = &r->who};
}

int http_raw_buf(http_resp *r, int status, const char *ctype, buf *b, vis_err *err)
{
    (void)err; /* cannot fail (buffers abort when memory runs out); kept in the signature for its callers */
    r->status = status;
    r->raw_len = b->len;
    r->raw = buf_steal(b);
    r->ctype = ctype;
    return 0;
}

const char *http_query(http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int http_query_i64(http_req *r, const char *name, int64_t def, int64_t lo, int64_t hi, int64_t *out, vis_err *err)
{
    const char *v = http_query(r, name);
    if (!v) {
        *out = def;
        return 0;
    }
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < lo || x > hi)
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", name, "query parameter '%s' must be an integer in [%lld, %lld]",
                        name, (long long)lo, (long long)hi);
    *out = x;
    return 0;
}

int http_param_id(http_req *r, int i, const char *name, int64_t *out, vis_err *err)
{
    const char *v = i < r->nparams ? r->params[i] : "";
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x <= 0 || strlen(v) > 18)
        return vis_errf(err, VIS_ENOTFOUND, "not_found", name, "no %s '%s'", name, v);
    *out = x;
    return 0;
}

json_t *http_account_json(const account *a)
{
    return JSON_PACK("{s:I, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)a->id, "role", a->role, "name", a->name, "email", a->email,
                     "status", a->status, "created_ms", (json_int_t)a->created_ms);
}

