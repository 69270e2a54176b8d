/* mod_decide — decisions: by a moderator (single or bulk), by the
 * classifier alone, on audit of an automated decision, and on appeal. Each
 * writes its statement of reasons, answers the notices, updates the
 * notifiers' records, queues the callback, records what the classifier
 * learns from, and journals — all in the caller's transaction. */
#include <stdlib.h>
#include <string.h>

#include "base/jv.h"
#include "moderation/mod_int.h"
#include "store/sql_moderation.h"

static const char *label_of(const char *action, const char *category)
{
    return !strcmp(action, "keep") ? MOD_LABEL_KEEP : category;
}

static int notifier_outcome(mod_ctx *c, int64_t reporter, bool founded, vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, SQL_MOD_REPORTER_OUTCOME, &q, err, "iii", reporter, (int64_t)founded, (int64_t)!founded))
        return err->code;
    if (!q) return 0; /* no record: nothing to deprioritise */
    int64_t notices = store_col_i64(q, 0), fo = store_col_i64(q, 1), un = store_col_i64(q, 2),
            dep = store_col_i64(q, 3);
    store_done(q);
    if (dep || un < c->cfg->mod_unfounded_min || un * 1000000 < c->cfg->mod_unfounded_ppm * (fo + un)) return 0;
    if (store_exec(c->db, SQL_MOD_REPORTER_DEPRIO, err, "i", reporter)) return err->code;
    char subj[48];
    snprintf(subj, sizeof subj, "reporter:%lld", (long long)reporter);
    return svc_journal(
        c,
        &(svc_event){.family = MOD_FAMILY,
                     .event = "reporter_deprioritised",
                     .subject = subj,
                     .payload = JSON_PACK("{s:I, s:I, s:I, s:I, s:I, s:s}", "notices", (json_int_t)notices, "founded",
                                          (json_int_t)fo, "unfounded", (json_int_t)un, "unfounded_min",
                                          (json_int_t)c->cfg->mod_unfounded_min, "unfounded_ppm",
                                          (json_int_t)c->cfg->mod_unfounded_ppm, "basis", "DSA Art. 23(2)")},
        err);
}

int mod_decision_make(mod_ctx *c, int64_t content, int64_t item, int64_t received_ms, const mod_decision_in *d,
                      const char *callback_event, json_t *callback_extra, int64_t *id_out, vis_err *err)
{
    mod_content ct;
    if (mod_content_load(c, content, false, &ct, err)) {
        json_decref(callback_extra);
        return err->code;
    }
    int rc = 0;
    int64_t notices = 0, trusted = 0, id = 0;
    char name[256] = "";
    char *text = NULL;
    json_t *sor = NULL;
    store_stmt *q;
    if ((rc = store_one(c->db, SQL_MOD_NOTICE_COUNTS, &q, err, "i", content))) goto done;
    if (q) {
        notices = store_col_i64(q, 0);
        trusted = store_col_i64(q, 1);
        store_done(q);
    }
    if ((rc = store_one(c->db, SQL_MOD_NOTICE_TRUSTED_NAME, &q, err, "i", content))) goto done;
    if (q) {
        snprintf(name, sizeof name, "%s", store_col_text(q, 0));
        store_done(q);
    }
    if ((rc = store_exec(c->db, SQL_MOD_DECISION_INSERT, err, "iiIttttiIIItiiIt", ct.client_id, content, item,
                         d->action, d->category, d->ground, d->automated, (int64_t)d->detection_automated,
                         d->moderator, d->score_ppm, d->threshold_ppm, d->model_version, received_ms, c->now_ms,
                         d->supersedes, "none")))
        goto done;
    id = store_last_id(c->db);
    mod_sor_in in = {.decision_id = id, .action = d->action, .category = d->category, .ground = d->ground,
                     .legal_ground = d->legal_ground, .explanation = d->explanation, .facts = d->facts,
                     .text = ct.text, .media_kind = ct.media_kind, .language = ct.language,
                     .content_date_ms = ct.content_date_ms, .application_ms = c->now_ms, .notices = (int)notices,
                     .trusted_notices = (int)trusted, .source_identity = name,
                     .detection_automated = d->detection_automated, .automated = d->automated,
                     .clause = d->clause.id > 0 ? &d->clause : NULL};
    sor = mod_statement(&in);
    text = json_dumps(sor, JSON_COMPACT); /* never NULL: allocation aborts (base/mem.h) */
    if ((rc = store_exec(c->db, SQL_MOD_DECISION_STATEMENT, err, "it", id, text))) goto done;
    if (d->clause.id > 0 && (rc = store_exec(c->db, SQL_MOD_DECISION_CLAUSE, err, "ii", id, d->clause.id))) goto done;
    if (d->supersedes > 0 && (rc = store_exec(c->db, SQL_MOD_DECISION_SUPERSEDE, err, "ii", d->supersedes, id)))
        goto done;
    /* Art. 24(5): a restriction's statement goes to the Transparency Database */
    if (mod_action_restricts(d->action) && (rc = mod_tdb_queue(c, id, err))) goto done;
    /* answer the notices still open, and keep each notifier's record */
    bool founded = mod_action_restricts(d->action);
    int64_t nid[256], rep[256];
    int n = 0, r;
    if (!(q = store_query(c->db, SQL_MOD_NOTICES_OPEN, err, "i", content))) {
        rc = err->code;
        goto done;
    }
    while ((r = store_row(q, err)) == 1 && n < 256) {
        nid[n] = store_col_i64(q, 0);
        rep[n] = store_col_i64(q, 2) ? -1 : store_col_i64(q, 1); /* trusted flaggers keep their status */
        n++;
    }
    store_done(q);
    if (r < 0) {
        rc = err->code;
        goto done;
    }
    for (int i = 0; i < n && !rc; i++) {
        rc = store_exec(c->db, SQL_MOD_NOTICE_ANSWER, err, "iit", nid[i], id, founded ? "founded" : "unfounded");
        if (!rc && rep[i] > 0) rc = notifier_outcome(c, rep[i], founded, err);
    }
    if (rc) goto done;
    json_t *dj = mod_decision_json(c, id, err);
    if (!dj) {
        rc = err->code;
        goto done;
    }
    json_t *body = JSON_PACK("{s:o, s:I, s:s}", "decision", dj, "content_id", (json_int_t)content, "client_ref",
                             ct.client_ref);
    if (callback_extra) json_object_update(body, callback_extra);
    rc = mod_callback_queue(c, ct.client_id, callback_event, body, err);
done:
    json_decref(callback_extra);
    json_decref(sor);
    free(text);
    mod_content_free(&ct);
    if (!rc) *id_out = id;
    return rc;
}

json_t *mod_decision_json(mod_ctx *c, int64_t id, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MOD_DECISION_GET, err, "i", id);
    if (!q) return NULL;
    json_t *o = NULL;
    int r = store_row(q, err);
    if (r == 1) {
        json_t *st = json_loads(store_col_text(q, 13), 0, NULL);
        o = JSON_PACK("{s:I, s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:I, s:I, s:s, s:o}", "id", (json_int_t)id,
                      "content_id", (json_int_t)store_col_i64(q, 2), "action", store_col_text(q, 4), "category",
                      store_col_text(q, 5), "ground", store_col_text(q, 6), "automated", store_col_text(q, 7),
                      "automated_detection", (int)store_col_i64(q, 8), "decided_by",
                      store_col_i64(q, 9) > 0 ? "human" : "classifier", "received_ms",
                      (json_int_t)store_col_i64(q, 14), "created_ms", (json_int_t)store_col_i64(q, 15),
                      "audit_state", store_col_text(q, 18), "statement_of_reasons", st ? st : json_object());
        int64_t item = store_col_i64(q, 3), score = store_col_i64(q, 10), thr = store_col_i64(q, 11);
        int64_t sup = store_col_i64(q, 16), by = store_col_i64(q, 17);
        json_object_set_new(o, "item_id", item > 0 ? json_integer(item) : json_null());
        json_object_set_new(o, "supersedes", sup > 0 ? json_integer(sup) : json_null());
        json_object_set_new(o, "superseded_by", by > 0 ? json_integer(by) : json_null());
        if (score >= 0)
            json_object_set_new(o, "classifier", JSON_PACK("{s:f, s:f, s:s}", "score", score / 1e6, "threshold",
                                                           thr / 1e6, "model_version", store_col_text(q, 12)));
    } else if (r == 0) {
        vis_errf(err, VIS_ENOTFOUND, "decision_not_found", NULL, "no decision %lld", (long long)id);
    }
    store_done(q);
    if (!o) return NULL;
    int64_t appeal = 0;
    r = store_get_i64(c->db, SQL_MOD_APPEAL_BY_DECISION, &appeal, err, "i", id);
    if (r < 0 || (r == 1 && store_one(c->db, SQL_MOD_APPEAL_GET, &q, err, "i", appeal))) {
        json_decref(o);
        return NULL;
    }
    if (r == 1 && q) {
        int64_t nd = store_col_i64(q, 5), dm = store_col_i64(q, 7);
        json_t *a = JSON_PACK("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)appeal, "state", store_col_text(q, 2),
                              "explanation", store_col_text(q, 3), "reasons", store_col_text(q, 4), "received_ms",
                              (json_int_t)store_col_i64(q, 6));
        json_object_set_new(a, "new_decision", nd > 0 ? json_integer(nd) : json_null());
        json_object_set_new(a, "decided_ms", dm > 0 ? json_integer(dm) : json_null());
        json_object_set_new(o, "appeal", a);
        store_done(q);
    }
    return o;
}

int mod_decision_get(mod_ctx *c, int64_t id, bool statement_only, json_t **out, vis_err *err)
{
    int64_t client = -1;
    store_stmt *q;
    if (store_one(c->db, SQL_MOD_DECISION_GET, &q, err, "i", id)) return err->code;
    if (q) {
        client = store_col_i64(q, 1);
        store_done(q);
    }
    if (!q || (!mod_is_admin(c) && client != c->who->id))
        return vis_errf(err, VIS_ENOTFOUND, "decision_not_found", NULL, "no decision %lld", (long long)id);
    json_t *o = mod_decision_json(c, id, err);
    if (!o) return err->code;
    if (statement_only) {
        *out = json_incref(json_object_get(o, "statement_of_reasons"));
        json_decref(o);
    } else {
        *out = o;
    }
    return 0;
}

/* ---- the classifier alone ---- */

int mod_auto_decide(mod_ctx *c, const mod_content *ct, const mod_hint *h, int64_t *dec, vis_err *err)
{
    bool keep = !strcmp(h->label, MOD_LABEL_KEEP);
    char facts[400];
    snprintf(facts, sizeof facts,
             "Decided automatically by the pre-filter classifier (model %s): probability %.4f for '%s', at or above "
             "the operator's threshold %.4f for deciding alone.",
             h->version, h->score, h->label, h->threshold);
    mod_decision_in d = {.action = h->action, .category = keep ? ct->category_hint : h->label,
                         .ground = keep ? "" : "terms", .legal_ground = "", .explanation = "", .facts = facts,
                         .automated = "fully", .detection_automated = true, .moderator = -1,
                         .score_ppm = (int64_t)(h->score * 1e6), .threshold_ppm = (int64_t)(h->threshold * 1e6),
                         .model_version = h->version, .supersedes = -1};
    if (mod_decision_make(c, ct->id, -1, c->now_ms, &d, "decision", NULL, dec, err)) return err->code;
    char subj[48];
    snprintf(subj, sizeof subj, "content:%lld", (long long)ct->id);
    if (svc_journal(c,
                    &(svc_event){.family = MOD_FAMILY,
                                 .event = "auto_decided",
                                 .subject = subj,
                                 .automated = true,
                                 .payload = JSON_PACK("{s:I, s:s, s:s, s:f, s:f, s:s}", "decision", (json_int_t)*dec,
                                                      "label", h->label, "action", h->action, "score", h->score,
                                                      "threshold", h->threshold, "model_version", h->version)},
                    err))
        return err->code;
    /* a deterministic share of automatic decisions goes to a human audit */
    uint64_t u = ((uint64_t)*dec * 2654435761u + 12345u) % 1000000u;
    if ((int64_t)u >= c->cfg->mod_audit_ppm) return 0;
    int64_t item;
    if (store_exec(c->db, SQL_MOD_DECISION_AUDIT, err, "it", *dec, "pending") ||
        mod_item_open(c, &(mod_item_in){.content = ct, .kind = "audit", .category = d.category, .ref_decision = *dec,
                                        .hint = h},
                      &item, err))
        return err->code;
    return svc_journal(
        c,
        &(svc_event){.family = MOD_FAMILY,
                     .event = "audit_sampled",
                     .subject = subj,
                     .automated = true,
                     .payload = JSON_PACK("{s:I, s:I, s:I}", "decision", (json_int_t)*dec, "item", (json_int_t)item,
                                          "audit_ppm", (json_int_t)c->cfg->mod_audit_ppm)},
        err);
}

/* ---- moderators ---- */

static const jv_field decide_fields[] = {
    {"action", JV_STRING, false, 1, 32},
    {"category", JV_STRING, false, 1, 100},
    {"facts", JV_STRING, false, 1, 5000},
    {"ground", JV_STRING, false, 1, 16},
    {"legal_ground", JV_STRING, false, 1, 500},
    {"explanation", JV_STRING, false, 1, 2000}, /* the Transparency Database's limit */
    {"outcome", JV_STRING, false, 1, 16},
    {"reasons", JV_STRING, false, 1, 5000},
    {"items", JV_ARRAY, false, 0, 0},
    {"terms_clause", JV_ANY, false, 0, 0}, /* a clause's id or code: checked in parse_decision */
    {NULL, 0, 0, 0, 0},
};

/* Fill d from the body: action, category (unless keep), facts, ground. */
static int parse_decision(mod_ctx *c, json_t *b, const char *def_action, const char *def_facts, mod_decision_in *d,
                          vis_err *err)
{
    memset(d, 0, sizeof *d);
    d->action = jv_str(b, "action", def_action);
    if (!d->action)
        return vis_errf(err, VIS_EINVAL, "missing_field", "action", "a decision needs an action");
    if (!mod_action_valid(d->action))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "action",
                        "action must be keep, remove, disable, restrict, age_restrict, restrict_interaction, label, "
                        "suspend or terminate");
    bool keep = !strcmp(d->action, "keep");
    const char *cat = jv_str(b, "category", NULL);
    d->category = cat ? mod_category_norm(cat) : "";
    if (cat && !d->category)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "category", "category must be a DSA statement category");
    if (!keep && !*d->category)
        return vis_errf(err, VIS_EINVAL, "missing_field", "category", "a restriction needs its policy category");
    d->facts = jv_str(b, "facts", def_facts);
    if (!d->facts) return vis_errf(err, VIS_EINVAL, "missing_field", "facts", "a decision needs the facts relied on");
    d->ground = jv_str(b, "ground", keep ? "" : NULL);
    if (!keep && (!d->ground || (strcmp(d->ground, "illegal") && strcmp(d->ground, "terms"))))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "ground",
                        "ground must be 'illegal' (illegal content) or 'terms' (incompatible with the terms)");
    if (keep && *d->ground)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "ground", "a decision to keep has no ground");
    d->legal_ground = jv_str(b, "legal_ground", "");
    if (!keep && !strcmp(d->ground, "illegal") && !*d->legal_ground)
        return vis_errf(err, VIS_EINVAL, "missing_field", "legal_ground",
                        "illegal content needs the legal ground relied on (the law and provision)");
    /* a decision on terms grounds names the clause of the terms relied on */
    json_t *tc = json_object_get(b, "terms_clause");
    if (tc && !json_is_null(tc) && (keep || strcmp(d->ground, "terms")))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "terms_clause",
                        "terms_clause goes with ground 'terms' (a restriction incompatible with the terms)");
    if (!keep && !strcmp(d->ground, "terms")) {
        if (!tc || json_is_null(tc))
            return vis_errf(err, VIS_EINVAL, "missing_field", "terms_clause",
                            "a decision on terms grounds names the clause relied on (GET /v1/moderation/clauses)");
        if (mod_clause_resolve(c, tc, "terms_clause", &d->clause, err)) return err->code;
    }
    d->explanation = jv_str(b, "explanation", "");
    d->moderator = c->who->id;
    d->score_ppm = d->threshold_ppm = -1;
    d->supersedes = -1;
    d->automated = "not";
    return 0;
}

static int train(mod_ctx *c, int64_t content, const char *label, const char *source, vis_err *err)
{
    return store_exec(c->db, SQL_MOD_TRAIN_INSERT, err, "itti", content, label, source, c->now_ms);
}

static int decide_review(mod_ctx *c, mod_item *it, json_t *b, int64_t *dec, vis_err *err)
{
    mod_decision_in d;
    if (parse_decision(c, b, NULL, NULL, &d, err)) return err->code;
    const char *label = label_of(d.action, d.category);
    /* partly automated: the moderator confirmed the classifier's suggestion */
    d.automated = it->hint_ppm >= 0 && !strcmp(it->hint_label, label) ? "partially" : "not";
    d.detection_automated = it->auto_flagged;
    if (mod_decision_make(c, it->content_id, it->id, it->created_ms, &d, "decision", NULL, dec, err) ||
        train(c, it->content_id, label, "decision", err))
        return err->code;
    return mod_lease_end(c, it, c->now_ms, "decided",
                         JSON_PACK("{s:I, s:s, s:s, s:s}", "decision", (json_int_t)*dec, "action", d.action, "category",
                                   d.category, "automated", d.automated),
                         err);
}

/* The decision an audit or an appeal is about: its action, category and
 * whether its detection was automated. A failed read, or a decision that is
 * not there, is an error: the outcome is never judged against nothing. */
static int ref_decision_read(mod_ctx *c, const mod_item *it, char ract[32], char rcat[MOD_CAT_MAX], int64_t *rdet,
                             vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, SQL_MOD_DECISION_GET, &q, err, "i", it->ref_decision)) return err->code;
    if (!q)
        return vis_errf(err, VIS_ESTORE, "decision_not_found", NULL, "item %lld is about decision %lld, which is missing",
                        (long long)it->id, (long long)it->ref_decision);
    snprintf(ract, 32, "%s", store_col_text(q, 4));
    snprintf(rcat, MOD_CAT_MAX, "%s", store_col_text(q, 5));
    *rdet = store_col_i64(q, 8);
    store_done(q);
    return 0;
}

static int decide_audit(mod_ctx *c, mod_item *it, json_t *b, int64_t *dec, vis_err *err)
{
    mod_decision_in d;
    if (parse_decision(c, b, NULL, NULL, &d, err)) return err->code;
    char ract[32], rcat[MOD_CAT_MAX];
    int64_t rdet;
    if (ref_decision_read(c, it, ract, rcat, &rdet, err)) return err->code;
    const char *label = label_of(d.action, d.category);
    bool agreed = !strcmp(ract, d.action) && !strcmp(label_of(ract, rcat), label);
    *dec = -1;
    if (store_exec(c->db, SQL_MOD_DECISION_AUDIT, err, "it", it->ref_decision, agreed ? "agreed" : "disagreed"))
        return err->code;
    if (!agreed) {
        d.detection_automated = true;
        d.supersedes = it->ref_decision;
        if (mod_decision_make(c, it->content_id, it->id, it->created_ms, &d, "decision",
                              JSON_PACK("{s:s, s:I}", "reason", "human audit of an automated decision",
                                        "supersedes", (json_int_t)it->ref_decision),
                              dec, err))
            return err->code;
    }
    if (train(c, it->content_id, label, "audit", err)) return err->code;
    json_t *p = JSON_PACK("{s:I, s:b, s:s, s:s}", "audited_decision", (json_int_t)it->ref_decision, "agreed", agreed,
                          "action", d.action, "category", d.category);
    if (*dec > 0) json_object_set_new(p, "decision", json_integer(*dec));
    return mod_lease_end(c, it, c->now_ms, "audited", p, err);
}

static int decide_appeal(mod_ctx *c, mod_item *it, json_t *b, int64_t *dec, vis_err *err)
{
    const char *outcome = jv_str(b, "outcome", "");
    const char *reasons = jv_str(b, "reasons", NULL);
    if (strcmp(outcome, "upheld") && strcmp(outcome, "reversed"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "outcome", "an appeal's outcome is 'upheld' or 'reversed'");
    if (!reasons) return vis_errf(err, VIS_EINVAL, "missing_field", "reasons", "an appeal decision needs its reasons");
    bool reversed = !strcmp(outcome, "reversed");
    char ract[32], rcat[MOD_CAT_MAX];
    int64_t rdet;
    if (ref_decision_read(c, it, ract, rcat, &rdet, err)) return err->code;
    *dec = -1;
    const char *label = label_of(ract, rcat);
    json_t *extra = JSON_PACK("{s:I, s:I, s:s, s:s}", "appeal_id", (json_int_t)it->appeal_id, "appealed_decision",
                              (json_int_t)it->ref_decision, "outcome", outcome, "reasons", reasons);
    if (reversed) {
        mod_decision_in d;
        if (parse_decision(c, b, mod_action_restricts(ract) ? "keep" : NULL, reasons, &d, err)) {
            json_decref(extra);
            return err->code;
        }
        if (!strcmp(d.action, ract) && !strcmp(label_of(d.action, d.category), label)) {
            json_decref(extra);
            return vis_errf(err, VIS_EINVAL, "invalid_field", "action",
                            "a reversal must change the decision (give a different action or category)");
        }
        d.detection_automated = rdet;
        d.supersedes = it->ref_decision;
        label = label_of(d.action, d.category);
        if (mod_decision_make(c, it->content_id, it->id, it->created_ms, &d, "appeal_decided", extra, dec, err))
            return err->code;
    } else {
        mod_content ct;
        if (mod_content_load(c, it->content_id, false, &ct, err)) {
            json_decref(extra);
            return err->code;
        }
        json_t *dj = mod_decision_json(c, it->ref_decision, err);
        json_t *body = dj ? JSON_PACK("{s:o, s:I, s:s}", "decision", dj, "content_id", (json_int_t)ct.id,
                                      "client_ref", ct.client_ref)
                          : NULL;
        if (body) json_object_update(body, extra);
        json_decref(extra);
        int64_t client = ct.client_id;
        mod_content_free(&ct);
        if (!dj || mod_callback_queue(c, client, "appeal_decided", body, err)) return err->code;
    }
    if (store_exec(c->db, SQL_MOD_APPEAL_DECIDE, err, "itItIi", it->appeal_id, reversed ? "reversed" : "upheld",
                   c->who->id, reasons, *dec, c->now_ms) ||
        train(c, it->content_id, label, "appeal", err))
        return err->code;
    json_t *p = JSON_PACK("{s:I, s:I, s:s}", "appeal", (json_int_t)it->appeal_id, "appealed_decision",
                          (json_int_t)it->ref_decision, "outcome", outcome);
    if (*dec > 0) json_object_set_new(p, "decision", json_integer(*dec));
    return mod_lease_end(c, it, c->now_ms, "appeal_decided", p, err);
}

/* Fields that do not belong to this kind of item are refused, not ignored:
 * an appeal's outcome on a review, or a new action on an upheld appeal. */
static int fields_fit(const mod_item *it, json_t *b, vis_err *err)
{
    static const char *const appeal[] = {"outcome", "reasons", NULL};
    static const char *const decision[] = {"action",      "category",     "ground", "legal_ground", "facts",
                                           "explanation", "terms_clause", NULL};
    bool is_appeal = it->kind == MOD_APPEAL;
    bool upheld = is_appeal && !strcmp(jv_str(b, "outcome", ""), "upheld");
    for (int i = 0; !is_appeal && appeal[i]; i++)
        if (json_object_get(b, appeal[i]))
            return vis_errf(err, VIS_EINVAL, "invalid_field", appeal[i], "'%s' belongs to an appeal; item %lld is a%s %s",
                            appeal[i], (long long)it->id, it->kind == MOD_AUDIT ? "n" : "",
                            mod_ikind_name(it->kind));
    for (int i = 0; upheld && decision[i]; i++)
        if (json_object_get(b, decision[i]))
            return vis_errf(err, VIS_EINVAL, "invalid_field", decision[i],
                            "an upheld appeal keeps the decision: '%s' only goes with outcome 'reversed'", decision[i]);
    return 0;
}

static int decide_one(mod_ctx *c, int64_t id, json_t *b, json_t *results, vis_err *err)
{
    mod_item it;
    if (mod_item_leased(c, id, &it, err) || fields_fit(&it, b, err)) return err->code;
    int64_t dec = -1;
    int rc = it.kind == MOD_REVIEW  ? decide_review(c, &it, b, &dec, err)
             : it.kind == MOD_AUDIT ? decide_audit(c, &it, b, &dec, err)
                                         : decide_appeal(c, &it, b, &dec, err);
    if (rc || store_exec(c->db, SQL_MOD_ITEM_DONE, err, "ii", id, c->now_ms)) return err->code;
    json_t *o = JSON_PACK("{s:I, s:s}", "item_id", (json_int_t)id, "kind", mod_ikind_name(it.kind));
    if (dec > 0) {
        json_t *dj = mod_decision_json(c, dec, err);
        if (!dj) {
            json_decref(o);
            return err->code;
        }
        json_object_set_new(o, "decision", dj);
    } else {
        json_object_set_new(o, "decision", json_null());
    }
    json_array_append_new(results, o);
    return 0;
}

int mod_item_decide(mod_ctx *c, int64_t id, json_t *b, json_t **out, vis_err *err)
{
    if (jv_check(b, decide_fields, err)) return err->code;
    if (json_object_get(b, "items"))
        return vis_errf(err, VIS_EINVAL, "unknown_field", "items", "'items' belongs to POST /v1/moderation/decisions/bulk");
    json_t *res = json_array();
    if (decide_one(c, id, b, res, err)) {
        json_decref(res);
        return err->code;
    }
    *out = json_incref(json_array_get(res, 0));
    json_decref(res);
    return 0;
}

int mod_bulk_decide(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    if (jv_check(b, decide_fields, err)) return err->code;
    json_t *items = json_object_get(b, "items");
    size_t n = json_array_size(items);
    if (n == 0 || n > (size_t)c->cfg->mod_max_leases)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "items", "items must list 1 to %lld item ids you hold",
                        (long long)c->cfg->mod_max_leases);
    if (json_object_get(b, "outcome") || json_object_get(b, "reasons"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "outcome", "appeals are decided one at a time");
    json_t *res = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(items, i);
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            json_decref(res);
            return vis_errf(err, VIS_EINVAL, "invalid_field", "items", "items must be positive item ids");
        }
        for (size_t j = 0; j < i; j++)
            if (json_integer_value(json_array_get(items, j)) == json_integer_value(v)) {
                json_decref(res);
                return vis_errf(err, VIS_EINVAL, "invalid_field", "items", "item %lld is listed twice",
                                (long long)json_integer_value(v));
            }
        mod_item it;
        if (mod_item_leased(c, json_integer_value(v), &it, err)) {
            json_decref(res);
            return err->code;
        }
        if (it.kind != MOD_REVIEW) {
            json_decref(res);
            return vis_errf(err, VIS_EINVAL, "invalid_field", "items",
                            "item %lld is an %s: audits and appeals are decided one at a time", (long long)it.id,
                            mod_ikind_name(it.kind));
        }
        if (decide_one(c, it.id, b, res, err)) {
            json_decref(res);
            return err->code;
        }
    }
    *out = JSON_PACK("{s:o, s:I}", "decisions", res, "count", (json_int_t)n);
    return 0;
}

/* ---- the automated decisions above, for visibility (core/decisions.h) ---- */

const decision_kind mod_decision_kinds[] = {
    {MOD_FAMILY, "auto_decided", "classifier", "classifier confidence >= the threshold for an automatic action",
     "The content classifier decided alone on an item.", NULL},
    {MOD_FAMILY, "audit_sampled", "classifier", "a random share of automatic decisions is re-reviewed by humans",
     "An automatic decision was sampled for human re-review.", NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
