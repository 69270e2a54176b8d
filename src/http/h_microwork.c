/* h_microwork — HTTP handlers of the micro-work marketplace (domain in
 * src/microwork/mw.h). */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/buf.h"

#include "base/jv.h"
#include "http/http.h"
#include "http/server.h"
#include "microwork/mw.h"

static int h_batch_create(http_req *r, http_resp *rs, vis_err *err)
{
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = mw_batch_create(&c, r->json, &out, err);
    if (!rc) snprintf(rs->location, sizeof rs->location, "/v1/batches/%lld",
                      (long long)json_integer_value(json_object_get(out, "id")));
    return http_reply(rs, 201, rc, &out);
}

static int h_batch_list(http_req *r, http_resp *rs, vis_err *err)
{
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_batch_list(&c, &out, err), &out);
}

static int h_batch_get(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "batch", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_batch_get(&c, id, &out, err), &out);
}

static int h_tasks_add(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "batch", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = mw_tasks_add(&c, id, http_header(r, "Content-Type"), r->body, r->body_len, &out, err);
    if (rc && out && json_object_get(out, "rows")) {
        /* every bad row, by number, column and message: the error body with
           the rows added (nothing was stored) */
        json_t *e = JSON_PACK("{s:{s:s, s:s, s:s, s:O}}", "error", "code", err->kind, "message", err->msg, "field",
                              err->field, "rows", json_object_get(out, "rows"));
        json_decref(out);
        return http_json(rs, 400, e);
    }
    return http_reply(rs, 201, rc, &out);
}

static int h_cost(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "batch", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_batch_cost(&c, id, &out, err), &out);
}

static int h_pay(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "batch", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_batch_pay(&c, id, &out, err), &out);
}

static int h_publish(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "batch", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_batch_publish(&c, id, &out, err), &out);
}

static int set_state(http_req *r, http_resp *rs, vis_err *err, const char *action)
{
    int64_t id;
    if (http_param_id(r, 0, "batch", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_batch_set_state(&c, id, action, &out, err), &out);
}
static int h_pause(http_req *r, http_resp *rs, vis_err *err) { return set_state(r, rs, err, "pause"); }
static int h_resume(http_req *r, http_resp *rs, vis_err *err) { return set_state(r, rs, err, "resume"); }
static int h_cancel(http_req *r, http_resp *rs, vis_err *err) { return set_state(r, rs, err, "cancel"); }

static int h_answers(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "batch", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_batch_answers(&c, id, &out, err), &out);
}

static int h_results(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "batch", &id, err)) return err->code;
    const char *fmt = http_query(r, "format");
    if (!fmt) fmt = "json";
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    char *text = NULL;
    int rc = mw_batch_results(&c, id, fmt, &out, &text, err);
    if (rc) return rc;
    const char *dl = http_query(r, "download");
    if (dl && *dl && strcmp(dl, "0"))
        snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"batch-%lld-results.%s\"",
                 (long long)id, !strcmp(fmt, "csv") ? "csv" : !strcmp(fmt, "jsonl") ? "jsonl" : "json");
    if (text) {
        rs->status = 200;
        rs->raw = text;
        rs->raw_len = strlen(text);
        rs->ctype = !strcmp(fmt, "csv") ? "text/csv; charset=utf-8" : "application/x-ndjson";
        return 0;
    }
    return http_json(rs, 200, out);
}

static const jv_field review_fields[] = {{"reason", JV_STRING, false, 0, 2000}, {NULL, 0, 0, 0, 0}};
static const jv_field reject_fields[] = {{"reason", JV_STRING, true, 1, 2000}, {NULL, 0, 0, 0, 0}};

static int review(http_req *r, http_resp *rs, vis_err *err, bool approve)
{
    int64_t id;
    if (http_param_id(r, 0, "answer", &id, err)) return err->code;
    json_t *body = r->json;
    if (approve && body && jv_check(body, review_fields, err)) return err->code;
    if (!approve && jv_check(body, reject_fields, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_answer_review(&c, id, approve, body ? jv_str(body, "reason", "") : "", &out, err), &out);
}
static int h_approve(http_req *r, http_resp *rs, vis_err *err) { return review(r, rs, err, true); }
static int h_reject(http_req *r, http_resp *rs, vis_err *err) { return review(r, rs, err, false); }

static const jv_field bonus_fields[] = {
    {"amount_micros", JV_INT, true, 1, 1000000000000LL},
    {"reason", JV_STRING, true, 1, 2000},
    {NULL, 0, 0, 0, 0},
};

static int h_bonus(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "answer", &id, err) || jv_check(r->json, bonus_fields, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 201,
                 mw_answer_bonus(&c, id, jv_int(r->json, "amount_micros", 0), jv_str(r->json, "reason", ""), &out, err),
                 &out);
}

static int h_appeals(http_req *r, http_resp *rs, vis_err *err)
{
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_appeal_list(&c, &out, err), &out);
}

static const jv_field decide_fields[] = {
    {"outcome", JV_STRING, true, 1, 16},
    {"response", JV_STRING, true, 1, 5000},
    {NULL, 0, 0, 0, 0},
};

static int h_appeal_decide(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "appeal", &id, err) || jv_check(r->json, decide_fields, err)) return err->code;
    const char *o = jv_str(r->json, "outcome", "");
    if (strcmp(o, "upheld") && strcmp(o, "overturned"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "outcome", "outcome must be 'upheld' or 'overturned'");
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_appeal_decide(&c, id, !strcmp(o, "overturned"), jv_str(r->json, "response", ""), &out, err),
                 &out);
}

/* ---- workers ---- */

static int h_available(http_req *r, http_resp *rs, vis_err *err)
{
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_available(&c, &out, err), &out);
}

static int h_claim(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "batch", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 201, mw_claim(&c, id, &out, err), &out);
}

static int h_my_assignments(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t before, limit;
    if (http_query_i64(r, "before", INT64_MAX, 1, INT64_MAX, &before, err) ||
        http_query_i64(r, "limit", 500, 1, 500, &limit, err))
        return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_my_assignments(&c, before, limit, &out, err), &out);
}

static int h_submit(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "assignment", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_submit(&c, id, r->json, &out, err), &out);
}

static int h_return(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "assignment", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_return(&c, id, &out, err), &out);
}

static const jv_field appeal_fields[] = {{"message", JV_STRING, true, 1, 5000}, {NULL, 0, 0, 0, 0}};

static int h_appeal(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "assignment", &id, err) || jv_check(r->json, appeal_fields, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 201, mw_appeal_create(&c, id, jv_str(r->json, "message", ""), &out, err), &out);
}

static int h_assignment(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "assignment", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mw_assignment_get(&c, id, &out, err), &out);
}

/* The task as the worker sees it: the client's template is untrusted HTML,
 * so it is served as its own document that can run nothing and reach
 * nothing — CSP sandbox (an opaque origin, no script, no forms, no
 * navigation of the page), no script source at all, framed only by this
 * origin's pages. The worker's page shows it in <iframe sandbox>. */
static const char frame_csp[] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
                                "media-src https:; font-src https: data:; base-uri 'none'; form-action 'none'; "
                                "frame-ancestors 'self'";

/* The document around a rendered task (the worker's frame and the client's
 * preview are the same document). */
static int frame_doc(http_resp *rs, const char *q, vis_err *err)
{
    buf b;
    buf_init(&b);
    buf_puts(&b, "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                 "content=\"width=device-width\"><style>body{font:16px/1.5 system-ui,sans-serif;margin:12px;"
                 "color:#1a1a1a;background:#fff;overflow-wrap:anywhere}img,video{max-width:100%;height:auto}</style>"
                 "</head><body>");
    buf_puts(&b, q ? q : "");
    buf_puts(&b, "</body></html>\n");
    rs->csp = frame_csp;
    return http_raw_buf(rs, 200, "text/html; charset=utf-8", &b, err);
}

static int h_assignment_frame(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "assignment", &id, err)) return err->code;
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    if (mw_assignment_get(&c, id, &out, err)) return err->code;
    int rc = frame_doc(rs, json_string_value(json_object_get(json_object_get(out, "task"), "question_html")), err);
    json_decref(out);
    return rc;
}

static const jv_field preview_fields[] = {
    {"template", JV_STRING, true, 0, 20000},
    {"data", JV_OBJECT, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int h_preview(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, preview_fields, err)) return err->code;
    json_t *data = json_object_get(r->json, "data");
    mw_ctx c = http_ctx(r);
    json_t *out = NULL;
    json_t *empty = json_object();
    int rc = mw_preview_set(&c, jv_str(r->json, "template", ""), data ? data : empty, &out, err);
    json_decref(empty);
    return http_reply(rs, 200, rc, &out);
}

/* The client's preview as the worker would see the task: the same sandboxed
 * document as the worker's frame, whose template can run nothing. */
static int h_preview_frame(http_req *r, http_resp *rs, vis_err *err)
{
    mw_ctx c = http_ctx(r);
    char *html = NULL;
    if (mw_preview_html(&c, &html, err)) return err->code;
    int rc = frame_doc(rs, html, err);
    free(html);
    return rc;
}

#define CL (HTTP_CLIENT | HTTP_ADMIN)
const http_route http_routes_microwork[] = {
    {"POST", "/v1/batches", h_batch_create, CL | HTTP_JSON | HTTP_IDEM, "create a micro-task batch (draft)"},
    {"GET", "/v1/batches", h_batch_list, CL, "the client's batches with progress"},
    {"POST", "/v1/batches/preview", h_preview, CL | HTTP_JSON | HTTP_TX,
     "store the template being edited with sample values, for the preview frame"},
    {"GET", "/v1/batches/preview/frame", h_preview_frame, CL | HTTP_TX,
     "the template preview as the worker's task frame (sandboxed document: the template can run nothing)"},
    {"GET", "/v1/batches/{id}", h_batch_get, CL | HTTP_TX, "a batch with its progress"},
    {"GET", "/v1/batches/{id}/cost", h_cost, CL | HTTP_TX,
     "the cost of publishing: answers, rewards, fees, escrow, against the client's funds"},
    {"GET", "/v1/batches/{id}/pay", h_pay, CL | HTTP_TX,
     "what each worker on the batch earned per hour (worker numbers), median and spread against the minimum"},
    {"POST", "/v1/batches/{id}/tasks", h_tasks_add, CL | HTTP_IDEM | HTTP_BULK,
     "add tasks: CSV (Mechanical Turk batch input) or JSON lines"},
    {"POST", "/v1/batches/{id}/publish", h_publish, CL | HTTP_IDEM, "publish: move the full cost into escrow"},
    {"POST", "/v1/batches/{id}/pause", h_pause, CL | HTTP_TX, "stop new claims"},
    {"POST", "/v1/batches/{id}/resume", h_resume, CL | HTTP_TX, "accept claims again"},
    {"POST", "/v1/batches/{id}/cancel", h_cancel, CL | HTTP_TX, "cancel; unspent escrow returns"},
    {"GET", "/v1/batches/{id}/answers", h_answers, CL | HTTP_TX, "every answer with status, time and flags"},
    {"GET", "/v1/batches/{id}/results", h_results, CL | HTTP_TX,
     "aggregated labels with provenance (format=json|jsonl|csv)"},
    {"POST", "/v1/answers/{id}/approve", h_approve, CL | HTTP_JSON_OPT | HTTP_TX, "approve (pay) an answer"},
    {"POST", "/v1/answers/{id}/reject", h_reject, CL | HTTP_JSON | HTTP_TX, "reject an answer with a reason"},
    {"POST", "/v1/answers/{id}/bonus", h_bonus, CL | HTTP_JSON | HTTP_IDEM, "pay a bonus with a reason"},
    {"GET", "/v1/appeals", h_appeals, HTTP_ANYROLE, "appeals of rejections (own, or on own batches)"},
    {"POST", "/v1/appeals/{id}/decide", h_appeal_decide, CL | HTTP_JSON | HTTP_TX,
     "uphold or overturn a rejection, with reasons"},
    {"GET", "/v1/work/batches", h_available, HTTP_WORKER | HTTP_TX, "batches the worker may work on, with pay"},
    {"POST", "/v1/work/batches/{id}/claim", h_claim, HTTP_WORKER | HTTP_IDEM, "claim the next task of a batch"},
    {"GET", "/v1/work/assignments", h_my_assignments, HTTP_WORKER | HTTP_TX, "the worker's assignments and statuses"},
    {"GET", "/v1/work/assignments/{id}", h_assignment, HTTP_WORKER | HTTP_TX,
     "one of the worker's assignments, with its task rendered"},
    {"GET", "/v1/work/assignments/{id}/frame", h_assignment_frame, HTTP_WORKER | HTTP_TX,
     "the task as an HTML document for a sandboxed frame (the client's template can run nothing)"},
    {"POST", "/v1/assignments/{id}/submit", h_submit, HTTP_WORKER | HTTP_JSON | HTTP_IDEM, "submit an answer"},
    {"POST", "/v1/assignments/{id}/return", h_return, HTTP_WORKER | HTTP_TX, "give a task back"},
    {"POST", "/v1/assignments/{id}/appeal", h_appeal, HTTP_WORKER | HTTP_JSON | HTTP_IDEM, "appeal a rejection"},
    {NULL, NULL, NULL, 0, NULL},
};
