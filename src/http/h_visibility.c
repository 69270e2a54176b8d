/* h_visibility — HTTP handlers of the visibility layer (domain in
 * src/visibility/): earnings truth, declared costs, data export, automated
 * decisions and their human review, the register of automated systems,
 * the observatory and the platform-work declaration. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/jv.h"
#include "core/journal.h"
#include "http/http.h"
#include "http/server.h"
#include "visibility/exp.h"
#include "visibility/obs.h"
#include "visibility/reg.h"
#include "visibility/rev.h"
#include "visibility/visib_guard.h"

#define DAY_MS 86400000LL
#define MAX_MS 253402300799999LL

/* from/to (defaults: the `days` days before now) and group_by */
static int range(http_req *r, int64_t days, const char *def_group, int64_t *from, int64_t *to, acct_grain *g,
                 vis_err *err)
{
    if (http_query_i64(r, "to", r->now_ms, 1, MAX_MS, to, err) ||
        http_query_i64(r, "from", *to - days * DAY_MS > 0 ? *to - days * DAY_MS : 0, 0, MAX_MS, from, err))
        return err->code;
    if (*to <= *from) return vis_errf(err, VIS_EINVAL, "invalid_parameter", "to", "'to' must be after 'from'");
    const char *gb = http_query(r, "group_by");
    return acct_grain_parse(gb ? gb : def_group, g, err);
}

/* ---- the worker's own truth ---- */

static int h_earnings(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t from, to;
    acct_grain g;
    if (range(r, 30, "all", &from, &to, &g, err)) return err->code;
    obs_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, obs_earnings(&c, &r->who, from, to, g, &out, err), &out);
}

static int h_costs_get(http_req *r, http_resp *rs, vis_err *err)
{
    obs_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, obs_costs_list(&c, &r->who, &out, err), &out);
}

static int h_costs_post(http_req *r, http_resp *rs, vis_err *err)
{
    if (visib_guard_body(r->json, err)) return err->code;
    obs_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 201, obs_costs_declare(&c, &r->who, r->json, &out, err), &out);
}

static int h_export(http_req *r, http_resp *rs, vis_err *err)
{
    const char *fmt = http_query(r, "format");
    if (!fmt || !strcmp(fmt, "json")) {
        json_t *out = NULL;
        if (fmt) /* asked for by name: a download */
            snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"visible-export-%lld.json\"",
                     (long long)r->who.id);
        return http_reply(rs, 200, export_json(r->db, &r->srv->cfg, server_decision_kinds(), &r->who, r->now_ms, &out, err), &out);
    }
    if (strcmp(fmt, "tar"))
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "format", "format must be json or tar");
    char *data = NULL;
    size_t len = 0;
    if (export_tar(r->db, &r->srv->cfg, server_decision_kinds(), &r->who, r->now_ms, &data, &len, err)) return err->code;
    rs->status = 200;
    rs->raw = data;
    rs->raw_len = len;
    rs->ctype = "application/x-tar";
    snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"visible-export-%lld.tar\"",
             (long long)r->who.id);
    return 0;
}

static int h_decisions(http_req *r, http_resp *rs, vis_err *err)
{
    review_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, review_decisions(&c, server_decision_kinds(), r->who.id, &out, err), &out);
}

static const jv_field review_fields[] = {{"message", JV_STRING, true, 1, 5000}, {NULL, 0, 0, 0, 0}};

static int h_review_request(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "decision", &id, err) || visib_guard_body(r->json, err) ||
        jv_check(r->json, review_fields, err))
        return err->code;
    review_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = review_request(&c, id, jv_str(r->json, "message", ""), &out, err);
    if (!rc) snprintf(rs->location, sizeof rs->location, "/v1/me/reviews");
    return http_reply(rs, 201, rc, &out);
}

static int h_my_reviews(http_req *r, http_resp *rs, vis_err *err)
{
    review_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, review_list(&c, server_decision_kinds(), r->who.id, NULL, &out, err), &out);
}

/* ---- admins ---- */

static int h_reviews(http_req *r, http_resp *rs, vis_err *err)
{
    const char *st = http_query(r, "state");
    if (st && strcmp(st, "open") && strcmp(st, "upheld") && strcmp(st, "overturned"))
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "state", "state must be open, upheld or overturned");
    review_ctx c = http_ctx(r);
    json_t *out = NULL;
    /* journal the deadlines that passed (the ticker does it too; each once) */
    review_ctx sys = c;
    sys.who = NULL;
    if (review_mark_overdue(&sys, err) < 0) return err->code;
    return http_reply(rs, 200, review_list(&c, server_decision_kinds(), -1, st, &out, err), &out);
}

static const jv_field decide_fields[] = {
    {"outcome", JV_STRING, true, 1, 16},
    {"reasons", JV_STRING, true, 1, 5000},
    {"compensation_micros", JV_INT, false, 0, 1000000000000LL},
    {NULL, 0, 0, 0, 0},
};

static int h_review_decide(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "review", &id, err) || jv_check(r->json, decide_fields, err)) return err->code;
    const char *o = jv_str(r->json, "outcome", "");
    if (strcmp(o, "upheld") && strcmp(o, "overturned"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "outcome", "outcome must be 'upheld' or 'overturned'");
    review_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200,
                 review_decide(&c, server_decision_kinds(), id, !strcmp(o, "overturned"), jv_str(r->json, "reasons", ""),
                            jv_int(r->json, "compensation_micros", 0), &out, err),
                 &out);
}

static int h_declaration(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t from, to;
    acct_grain g;
    if (range(r, 182, "all", &from, &to, &g, err)) return err->code;
    obs_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, obs_declaration(&c, from, to, &out, err), &out);
}

/* ---- public ---- */

static int h_register(http_req *r, http_resp *rs, vis_err *err)
{
    (void)err;
    return http_json(rs, 200, sysreg_json(&r->srv->cfg, r->now_ms));
}

static int h_observatory(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t from, to;
    acct_grain g;
    if (range(r, 365, "month", &from, &to, &g, err)) return err->code;
    const char *fam = http_query(r, "family");
    if (fam && (!*fam || strlen(fam) >= ACCT_FAMILY_LEN))
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "family", "family must be a family name");
    obs_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, obs_observatory(&c, from, to, g, fam, &out, err), &out);
}

/* the Article 17 figures for everyone: aggregate only, small counts withheld */
static int h_declaration_public(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t from, to;
    acct_grain g;
    if (range(r, 182, "all", &from, &to, &g, err)) return err->code;
    obs_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, obs_declaration_public(&c, from, to, &out, err), &out);
}

/* ---- tests: an event of any family, with payload (families not running) ---- */

#define W HTTP_WORKER
const http_route http_routes_visibility[] = {
    {"GET", "/v1/me/earnings", h_earnings, HTTP_ANYROLE,
     "earnings truth: paid, active/waiting/unpaid time, costs, hourly pay before and after costs, by family, "
     "client and period (group_by=day|week|month)"},
    {"GET", "/v1/me/costs", h_costs_get, W, "the costs the worker declared"},
    {"POST", "/v1/me/costs", h_costs_post, W | HTTP_JSON | HTTP_IDEM, "declare per-km and per-hour costs"},
    {"GET", "/v1/me/export", h_export, HTTP_ANYROLE,
     "everything the platform holds about the caller (format=json|tar: CSV files in a ustar archive)"},
    {"GET", "/v1/me/decisions", h_decisions, W, "automated decisions about the worker, in plain language"},
    {"POST", "/v1/me/decisions/{id}/review", h_review_request, W | HTTP_JSON | HTTP_IDEM,
     "ask for human review of an automated decision"},
    {"GET", "/v1/me/reviews", h_my_reviews, W, "the worker's review requests: status and deadline"},
    {"GET", "/v1/admin/reviews", h_reviews, HTTP_ADMIN | HTTP_TX, "review requests (state=open|upheld|overturned), overdue first"},
    {"POST", "/v1/admin/reviews/{id}/decide", h_review_decide, HTTP_ADMIN | HTTP_JSON | HTTP_TX,
     "answer a review request with written reasons; overturning undoes the decision"},
    {"GET", "/v1/admin/declaration", h_declaration, HTTP_ADMIN,
     "platform-work declaration (Directive (EU) 2024/2831, Article 17)"},
    {"GET", "/v1/register", h_register, HTTP_PUBLIC, "register of automated systems, from the running configuration"},
    {"GET", "/v1/observatory", h_observatory, HTTP_PUBLIC,
     "public observatory: workers, hours, pay distribution per family and period (k-anonymous)"},
    {"GET", "/v1/declaration", h_declaration_public, HTTP_PUBLIC,
     "the platform-work declaration's figures for everyone (aggregate, small counts withheld)"},
    {NULL, NULL, NULL, 0, NULL},
};
