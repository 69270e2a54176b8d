/* h_moderation — HTTP handlers of the content moderation service (domain
 * in src/moderation/mod.h). The classifier service lives in the server
 * context (vis_server.moderation), created on first use. */
#include <string.h>

#include "base/mem.h"
#include "http/http.h"
#include "http/server.h"
#include "moderation/mod.h"

/* the classifier service of the server, created on first use */
static int classifier(http_req *r, mod_svc **clf, vis_err *err)
{
    return mod_svc_get(&r->srv->moderation, &r->srv->cfg, r->db, clf, err);
}

#define BODY_FN(name, fn, status)                                                                                      \
    static int name(http_req *r, http_resp *rs, vis_err *err)                                                          \
    {                                                                                                                  \
        mod_ctx c = http_ctx(r);                                                                                       \
        json_t *out = NULL;                                                                                            \
        return http_reply(rs, status, fn(&c, r->json, &out, err), &out);                                               \
    }
#define ID_FN(name, fn, what, status)                                                                                  \
    static int name(http_req *r, http_resp *rs, vis_err *err)                                                          \
    {                                                                                                                  \
        int64_t id;                                                                                                    \
        if (http_param_id(r, 0, what, &id, err)) return err->code;                                                     \
        mod_ctx c = http_ctx(r);                                                                                       \
        json_t *out = NULL;                                                                                            \
        return http_reply(rs, status, fn(&c, id, &out, err), &out);                                                    \
    }
#define ID_BODY_FN(name, fn, what, status)                                                                             \
    static int name(http_req *r, http_resp *rs, vis_err *err)                                                          \
    {                                                                                                                  \
        int64_t id;                                                                                                    \
        if (http_param_id(r, 0, what, &id, err)) return err->code;                                                     \
        mod_ctx c = http_ctx(r);                                                                                       \
        json_t *out = NULL;                                                                                            \
        return http_reply(rs, status, fn(&c, id, r->json, &out, err), &out);                                           \
    }
#define PLAIN_FN(name, fn)                                                                                             \
    static int name(http_req *r, http_resp *rs, vis_err *err)                                                          \
    {                                                                                                                  \
        mod_ctx c = http_ctx(r);                                                                                       \
        json_t *out = NULL;                                                                                            \
        return http_reply(rs, 200, fn(&c, &out, err), &out);                                                           \
    }

BODY_FN(h_settings, mod_client_settings, 200)
BODY_FN(h_notice, mod_notice_submit, 201)
ID_FN(h_content_get, mod_content_get, "content", 200)
ID_FN(h_notice_get, mod_notice_get, "notice", 200)
ID_BODY_FN(h_appeal, mod_appeal_submit, "decision", 201)
PLAIN_FN(h_callbacks, mod_callbacks_list)
PLAIN_FN(h_settings_get, mod_client_settings_get)
PLAIN_FN(h_tdb, mod_tdb_list)
PLAIN_FN(h_me, mod_me)
BODY_FN(h_me_set, mod_me_set, 200)
PLAIN_FN(h_queues, mod_queues_list)
BODY_FN(h_claim, mod_claim, 201)
ID_FN(h_item, mod_item_get, "item", 200)
ID_FN(h_unblur, mod_item_unblur, "item", 200)
ID_FN(h_skip, mod_item_skip, "item", 200)
ID_BODY_FN(h_escalate, mod_item_escalate, "item", 200)
ID_BODY_FN(h_decide, mod_item_decide, "item", 200)
BODY_FN(h_bulk, mod_bulk_decide, 200)
ID_BODY_FN(h_moderator_set, mod_moderator_set, "account", 200)
BODY_FN(h_queue_create, mod_queue_create, 201)
BODY_FN(h_rule_create, mod_rule_create, 201)
PLAIN_FN(h_rules, mod_rules_list)
BODY_FN(h_onboarding, mod_onboarding, 200)
PLAIN_FN(h_clauses, mod_clauses_list)
BODY_FN(h_clause_create, mod_clause_create, 201)
ID_FN(h_clause_retire, mod_clause_retire, "clause", 200)

static int h_content(http_req *r, http_resp *rs, vis_err *err)
{
    mod_svc *clf;
    if (classifier(r, &clf, err)) return err->code;
    mod_ctx c = http_ctx(r);
    json_t *out = NULL;
    int rc = mod_content_submit(&c, clf, r->json, &out, err);
    if (!rc)
        snprintf(rs->location, sizeof rs->location, "/v1/moderation/content/%lld",
                 (long long)json_integer_value(json_object_get(out, "id")));
    return http_reply(rs, 201, rc, &out);
}

static int decision(http_req *r, http_resp *rs, vis_err *err, bool statement)
{
    int64_t id;
    if (http_param_id(r, 0, "decision", &id, err)) return err->code;
    mod_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mod_decision_get(&c, id, statement, &out, err), &out);
}
static int h_decision(http_req *r, http_resp *rs, vis_err *err) { return decision(r, rs, err, false); }
static int h_statement(http_req *r, http_resp *rs, vis_err *err) { return decision(r, rs, err, true); }

static int h_classifier(http_req *r, http_resp *rs, vis_err *err)
{
    mod_svc *clf;
    if (classifier(r, &clf, err)) return err->code;
    mod_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mod_classifier_info(&c, clf, &out, err), &out);
}

static int h_transparency(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t to, from, client = -1;
    /* 'to' is exclusive: by default the period ends after the current
     * millisecond, so what was just decided is counted */
    if (http_query_i64(r, "to", r->now_ms + 1, 0, 253402300799999LL, &to, err) ||
        http_query_i64(r, "from", to - 183 * 86400000LL, 0, 253402300799999LL, &from, err))
        return err->code;
    if (to <= from) return vis_errf(err, VIS_EINVAL, "invalid_parameter", "to", "'to' must be after 'from'");
    if (!strcmp(r->who.role, "client"))
        client = r->who.id; /* a platform sees its own figures */
    else if (http_query_i64(r, "client", -1, -1, INT64_MAX, &client, err))
        return err->code;
    mod_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mod_transparency(&c, from, to, client, &out, err), &out);
}

static int h_model(http_req *r, http_resp *rs, vis_err *err)
{
    if (r->body_len == 0) return vis_errf(err, VIS_EINVAL, "body_required", NULL, "send the model file as the body");
    mod_svc *clf;
    if (classifier(r, &clf, err)) return err->code;
    mod_ctx c = http_ctx(r);
    json_t *out = NULL;
    return http_reply(rs, 200, mod_model_upload(&c, clf, r->body, r->body_len, &out, err), &out);
}

/* Test-only: run the housekeeping jobs now (lease expiry, learning, model
 * save, callback delivery), synchronously. */
static int h_run(http_req *r, http_resp *rs, vis_err *err)
{
    mod_tick_stats st;
    if (mod_housekeep(&r->srv->moderation, &r->srv->cfg, r->db, r->now_ms, true, &st, err)) return err->code;
    return http_json(rs, 200,
                     JSON_PACK("{s:i, s:i, s:i, s:i, s:b, s:i, s:i}", "expired", st.expired, "learned", st.learned,
                               "delivered", st.delivered, "failed", st.failed, "saved", st.saved, "tdb_submitted",
                               st.tdb_submitted, "tdb_failed", st.tdb_failed));
}

#define CL HTTP_CLIENT
#define W  HTTP_WORKER
#define AD HTTP_ADMIN
const http_route http_routes_moderation[] = {
    {"POST", "/v1/moderation/settings", h_settings, CL | HTTP_JSON | HTTP_TX,
     "set the platform's callback URL (http or https); rotate the secret that signs callbacks"},
    {"GET", "/v1/moderation/settings", h_settings_get, CL, "the platform's callback URL and signing secret"},
    {"POST", "/v1/moderation/content", h_content, CL | HTTP_JSON | HTTP_IDEM, "send content for moderation"},
    {"GET", "/v1/moderation/content/{id}", h_content_get, CL | AD, "content with its notices and decisions"},
    {"POST", "/v1/moderation/notices", h_notice, CL | HTTP_JSON | HTTP_IDEM, "a user's notice (DSA Art. 16): receipt"},
    {"GET", "/v1/moderation/notices/{id}", h_notice_get, CL | AD, "a notice and its outcome"},
    {"GET", "/v1/moderation/decisions/{id}", h_decision, CL | AD, "a decision with its statement of reasons"},
    {"GET", "/v1/moderation/decisions/{id}/statement", h_statement, CL | AD,
     "the statement of reasons (DSA Transparency Database schema)"},
    {"POST", "/v1/moderation/decisions/{id}/appeal", h_appeal, CL | AD | HTTP_JSON | HTTP_IDEM,
     "appeal a decision (within the appeal window)"},
    {"POST", "/v1/moderation/decisions/bulk", h_bulk, W | HTTP_JSON | HTTP_IDEM, "one decision on several held items"},
    {"GET", "/v1/moderation/callbacks", h_callbacks, CL, "delivery state of the platform's callbacks"},
    {"GET", "/v1/moderation/me", h_me, W | HTTP_TX, "the moderator's profile, exposure and break state"},
    {"POST", "/v1/moderation/me", h_me_set, W | HTTP_JSON | HTTP_TX, "set languages and category opt-outs"},
    {"GET", "/v1/moderation/queues", h_queues, W | AD, "review queues with their flags and sizes"},
    {"POST", "/v1/moderation/onboarding", h_onboarding, W | HTTP_JSON | HTTP_TX,
     "complete onboarding: wellbeing briefing read, languages, opt-outs, exposure budget and breaks acknowledged"},
    {"GET", "/v1/moderation/clauses", h_clauses, W | AD, "the catalogue of terms clauses decisions name"},
    {"POST", "/v1/moderation/claim", h_claim, W | HTTP_JSON_OPT | HTTP_IDEM, "claim the next item(s) with a lease"},
    {"GET", "/v1/moderation/items/{id}", h_item, W | HTTP_TX, "an item the moderator holds"},
    {"POST", "/v1/moderation/items/{id}/unblur", h_unblur, W | HTTP_TX, "show this one item's media unblurred"},
    {"POST", "/v1/moderation/items/{id}/skip", h_skip, W | HTTP_TX, "give an item back (paid time)"},
    {"POST", "/v1/moderation/items/{id}/escalate", h_escalate, W | HTTP_JSON | HTTP_TX, "send to a senior queue"},
    {"POST", "/v1/moderation/items/{id}/decide", h_decide, W | HTTP_JSON | HTTP_IDEM,
     "decide an item (review, audit or appeal)"},
    {"GET", "/v1/moderation/classifier", h_classifier, HTTP_ANYROLE,
     "the classifier: version, thresholds, allowed actions, audited error rate"},
    {"GET", "/v1/moderation/transparency", h_transparency, CL | AD, "DSA Art. 15 figures for a period"},
    {"POST", "/v1/admin/moderation/moderators/{id}", h_moderator_set, AD | HTTP_JSON | HTTP_TX,
     "grant or remove the child-safety and senior roles"},
    {"POST", "/v1/admin/moderation/clauses", h_clause_create, AD | HTTP_JSON | HTTP_TX,
     "add a clause to the catalogue of terms clauses"},
    {"POST", "/v1/admin/moderation/clauses/{id}/retire", h_clause_retire, AD | HTTP_JSON_OPT | HTTP_TX,
     "retire a terms clause (no longer offered; statements that named it keep it)"},
    {"POST", "/v1/admin/moderation/queues", h_queue_create, AD | HTTP_JSON | HTTP_TX, "create a queue"},
    {"GET", "/v1/admin/moderation/rules", h_rules, AD, "routing rules in order"},
    {"GET", "/v1/admin/moderation/tdb", h_tdb, AD, "statements of reasons for the DSA Transparency Database"},
    {"POST", "/v1/admin/moderation/rules", h_rule_create, AD | HTTP_JSON | HTTP_TX, "add a routing rule"},
    {"POST", "/v1/admin/moderation/model", h_model, AD | HTTP_TX | HTTP_BULK,
     "replace the classifier by a model trained offline"},
    {"POST", "/v1/admin/moderation/run", h_run, AD | HTTP_JSON_OPT | HTTP_TESTONLY,
     "tests: run the moderation housekeeping now"},
    {NULL, NULL, NULL, 0, NULL},
};
