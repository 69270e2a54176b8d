/* mod_intake — the client platform's side: settings (callback URL),
 * content, DSA Art. 16 notices with receipts, notifiers' records (Art. 23),
 * appeals, decisions and the callback log. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/jv.h"
#include "moderation/mod_int.h"
#include "store/sql_moderation.h"

/* ---- content ---- */

void mod_content_free(mod_content *ct)
{
    char **f[] = {&ct->client_ref, &ct->text, &ct->media_url, &ct->media_kind, &ct->author_ref, &ct->language,
                  &ct->category_hint};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) free(*f[i]);
    memset(ct, 0, sizeof *ct);
}

int mod_content_load(mod_ctx *c, int64_t id, bool owned, mod_content *ct, vis_err *err)
{
    memset(ct, 0, sizeof *ct);
    store_stmt *q = store_query(c->db, SQL_MOD_CONTENT_GET, err, "i", id);
    if (!q) return err->code;
    int r = store_row(q, err);
    if (r == 1) {
        ct->id = store_col_i64(q, 0);
        ct->client_id = store_col_i64(q, 1);
        char **f[] = {&ct->client_ref, &ct->text, &ct->media_url, &ct->media_kind, &ct->author_ref, &ct->language,
                      &ct->category_hint};
        for (int i = 0; i < 7; i++) *f[i] = mem_strdup(store_col_text(q, 2 + i));
        ct->severity = store_col_i64(q, 9);
        ct->content_date_ms = store_col_i64(q, 10);
        ct->created_ms = store_col_i64(q, 11);
    }
    store_done(q);
    if (r < 0) return err->code;
    if (r == 0 || (owned && !mod_is_admin(c) && ct->client_id != c->who->id)) {
        mod_content_free(ct);
        return vis_errf(err, VIS_ENOTFOUND, "content_not_found", NULL, "no content %lld", (long long)id);
    }
    return 0;
}

int mod_item_open(mod_ctx *c, const mod_item_in *in, int64_t *id_out, vis_err *err)
{
    const mod_content *ct = in->content;
    const char *kind = in->kind, *category = in->category ? in->category : "";
    const mod_hint *h = in->hint;
    int64_t notices = in->notices;
    int64_t sev = mod_category_severity(category);
    if (ct->severity > sev) sev = ct->severity;
    int64_t queue, graphic, cs;
    char lang[16];
    mod_lang_primary(ct->language, lang);
    if (mod_route(c, ct->client_id, category, lang, sev, &queue, &graphic, &cs, err)) return err->code;
    bool hint = h && h->ready;
    int64_t flagged = hint && strcmp(h->label, MOD_LABEL_KEEP) && notices == 0;
    if (store_exec(c->db, SQL_MOD_ITEM_INSERT, err, "iitittiiiiiititiIIIi", ct->client_id, ct->id, kind, queue, category,
                   lang, sev, notices, in->trusted, in->deprioritised, graphic, cs, hint ? h->label : "",
                   hint ? (int64_t)(h->score * 1e6) : (int64_t)-1, hint ? h->version : "", flagged,
                   in->excluded_worker > 0 ? in->excluded_worker : -1, in->ref_decision > 0 ? in->ref_decision : -1,
                   in->appeal > 0 ? in->appeal : -1, c->now_ms))
        return err->code;
    *id_out = store_last_id(c->db);
    char subj[48];
    snprintf(subj, sizeof subj, "item:%lld", (long long)*id_out);
    json_t *p = JSON_PACK("{s:I, s:s, s:I, s:s, s:I, s:I}", "content", (json_int_t)ct->id, "kind", kind, "queue",
                          (json_int_t)queue, "category", category, "severity", (json_int_t)sev, "notices",
                          (json_int_t)notices);
    if (hint)
        json_object_set_new(p, "classifier", JSON_PACK("{s:s, s:f, s:s}", "label", h->label, "score", h->score,
                                                       "model_version", h->version));
    return svc_journal(c, &(svc_event){.family = MOD_FAMILY, .event = "queued", .subject = subj, .payload = p}, err);
}

/* A media reference is an http(s) URL or an opaque reference without a
 * scheme (a storage key): any other scheme (javascript:, data:, file:...)
 * would be a hazard in the moderators' tools. No spaces or control bytes. */
static bool media_ref_ok(const char *u)
{
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f) return false;
    size_t n = 0;
    if (isalpha((unsigned char)u[0]))
        for (n = 1; isalnum((unsigned char)u[n]) || u[n] == '+' || u[n] == '-' || u[n] == '.'; n++) {}
    if (n == 0 || u[n] != ':') return true; /* no scheme */
    return (n == 4 && !strncasecmp(u, "http", 4)) || (n == 5 && !strncasecmp(u, "https", 5));
}

static const jv_field content_fields[] = {
    {"client_ref", JV_STRING, true, 1, 200},
    {"text", JV_STRING, false, 0, 20000},
    {"media_url", JV_STRING, false, 1, 2000},
    {"media_kind", JV_STRING, false, 1, 16},
    {"author_ref", JV_STRING, false, 0, 200},
    {"language", JV_STRING, false, 0, 15},
    {"category_hint", JV_STRING, false, 0, 100},
    {"severity", JV_INT, false, 1, 5},
    {"content_date_ms", JV_INT, false, 0, 253402300799999LL},
    {"review", JV_BOOL, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static json_t *content_json(mod_ctx *c, const mod_content *ct, vis_err *err);

int mod_content_submit(mod_ctx *c, mod_svc *clf, json_t *b, json_t **out, vis_err *err)
{
    if (jv_check(b, content_fields, err)) return err->code;
    const char *ref = jv_str(b, "client_ref", ""), *text = jv_str(b, "text", "");
    const char *url = jv_str(b, "media_url", ""), *kind = jv_str(b, "media_kind", "");
    const char *hint_in = jv_str(b, "category_hint", "");
    if (!*text && !*url)
        return vis_errf(err, VIS_EINVAL, "missing_field", "text", "content needs a text or a media_url");
    if (*url && strcmp(kind, "image") && strcmp(kind, "video") && strcmp(kind, "audio"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "media_kind", "media_kind must be image, video or audio");
    if (!*url && *kind)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "media_kind", "media_kind needs a media_url");
    if (*url && !media_ref_ok(url))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "media_url",
                        "media_url must be an http(s) URL or a reference without a scheme, with no spaces");
    char lang[16];
    snprintf(lang, sizeof lang, "%s", jv_str(b, "language", ""));
    for (char *p = lang; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (*lang && !mod_lang_tag_ok(lang))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "language",
                        "language must be a BCP 47 language tag such as 'en' or 'pt-BR', not a language's name");
    const char *cat = *hint_in ? mod_category_norm(hint_in) : "";
    if (!cat)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "category_hint",
                        "category_hint must be a DSA statement category (e.g. STATEMENT_CATEGORY_VIOLENCE)");
    int64_t cdate = jv_int(b, "content_date_ms", c->now_ms);
    if (cdate > c->now_ms)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "content_date_ms", "content_date_ms is in the future");
    int64_t existing;
    int r = store_get_i64(c->db, SQL_MOD_CONTENT_BY_REF, &existing, err, "it", c->who->id, ref);
    if (r < 0) return err->code;
    if (r == 1)
        return vis_errf(err, VIS_ECONFLICT, "duplicate_content", "client_ref",
                        "content '%s' was already sent (id %lld)", ref, (long long)existing);
    if (store_exec(c->db, SQL_MOD_CONTENT_INSERT, err, "itttttttiii", c->who->id, ref, text, url, kind,
                   jv_str(b, "author_ref", ""), lang, cat, jv_int(b, "severity", 1), cdate, c->now_ms))
        return err->code;
    int64_t id = store_last_id(c->db);
    mod_content ct;
    if (mod_content_load(c, id, false, &ct, err)) return err->code;
    char subj[48];
    snprintf(subj, sizeof subj, "content:%lld", (long long)id);
    int rc = svc_journal(c,
                         &(svc_event){.family = MOD_FAMILY,
                                      .event = "content_received",
                                      .subject = subj,
                                      .payload = JSON_PACK("{s:s, s:s, s:s}", "client_ref", ref, "media_kind", kind,
                                                           "language", lang)},
                         err);
    if (!rc && jv_bool(b, "review", true)) {
        mod_hint h;
        mod_clf_hint(clf, text, &h);
        int64_t dec, item;
        if (h.automatic) {
            rc = mod_auto_decide(c, &ct, &h, &dec, err);
        } else {
            const char *icat = *cat ? cat : (h.ready && strcmp(h.label, MOD_LABEL_KEEP) ? h.label : "");
            rc = mod_item_open(c, &(mod_item_in){.content = &ct, .kind = "review", .category = icat, .hint = &h},
                               &item, err);
        }
    }
    if (!rc) {
        *out = content_json(c, &ct, err);
        if (!*out) rc = err->code;
    }
    mod_content_free(&ct);
    return rc;
}

static json_t *content_json(mod_ctx *c, const mod_content *ct, vis_err *err)
{
    json_t *o = JSON_PACK("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "id", (json_int_t)ct->id,
                          "client_ref", ct->client_ref, "text", ct->text, "media_url", ct->media_url, "media_kind",
                          ct->media_kind, "author_ref", ct->author_ref, "language", ct->language, "severity",
                          (json_int_t)ct->severity, "content_date_ms", (json_int_t)ct->content_date_ms,
                          "received_ms", (json_int_t)ct->created_ms);
    json_object_set_new(o, "category_hint", json_string(ct->category_hint));
    json_t *decs = json_array(), *nots = json_array();
    json_object_set_new(o, "decisions", decs);
    json_object_set_new(o, "notices", nots);
    store_stmt *q = store_query(c->db, SQL_MOD_DECISIONS_OF_CONTENT, err, "i", ct->id);
    if (!q) goto fail;
    int64_t ids[64];
    int n = 0, r;
    while ((r = store_row(q, err)) == 1 && n < 64) ids[n++] = store_col_i64(q, 0);
    store_done(q);
    if (r < 0) goto fail;
    for (int i = 0; i < n; i++) {
        json_t *d = mod_decision_json(c, ids[i], err);
        if (!d) goto fail;
        json_array_append_new(decs, d);
    }
    q = store_query(c->db, SQL_MOD_NOTICES_OF_CONTENT, err, "i", ct->id);
    if (!q) goto fail;
    while ((r = store_row(q, err)) == 1)
        json_array_append_new(nots, JSON_PACK("{s:I, s:s, s:s, s:b, s:b, s:s, s:I}", "id",
                                              (json_int_t)store_col_i64(q, 0), "category", store_col_text(q, 1),
                                              "explanation", store_col_text(q, 2), "trusted_flagger",
                                              (int)store_col_i64(q, 3), "deprioritised", (int)store_col_i64(q, 4),
                                              "outcome", store_col_text(q, 5), "received_ms",
                                              (json_int_t)store_col_i64(q, 6)));
    store_done(q);
    if (r < 0) goto fail;
    int64_t item = 0;
    r = store_get_i64(c->db, SQL_MOD_ITEM_OPEN_OF_CONTENT, &item, err, "i", ct->id);
    if (r < 0) goto fail;
    json_object_set_new(o, "status", json_string(r == 1 ? "in_review" : n ? "decided" : "received"));
    if (r == 1) json_object_set_new(o, "item_id", json_integer(item));
    return o;
fail:
    json_decref(o);
    return NULL;
}

int mod_content_get(mod_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mod_content ct;
    if (mod_content_load(c, id, true, &ct, err)) return err->code;
    *out = content_json(c, &ct, err);
    mod_content_free(&ct);
    return *out ? 0 : err->code;
}

/* ---- notices ---- */

static const jv_field notice_fields[] = {
    {"content_id", JV_INT, false, 1, INT64_MAX},
    {"client_ref", JV_STRING, false, 1, 200},
    {"category", JV_STRING, true, 1, 100},
    {"explanation", JV_STRING, true, 1, 10000},
    {"trusted_flagger", JV_BOOL, false, 0, 0},
    {"reporter_name", JV_STRING, false, 0, 200},
    {"reporter_contact", JV_STRING, false, 0, 254},
    {"good_faith", JV_BOOL, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static json_t *notice_json(mod_ctx *c, int64_t id, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MOD_NOTICE_GET, err, "i", id);
    if (!q) return NULL;
    json_t *o = NULL;
    int r = store_row(q, err);
    if (r == 1 && (mod_is_admin(c) || store_col_i64(q, 1) == c->who->id)) {
        char receipt[40];
        snprintf(receipt, sizeof receipt, "N-%lld", (long long)id);
        o = JSON_PACK("{s:I, s:s, s:I, s:s, s:s, s:b, s:b, s:I}", "id", (json_int_t)id, "receipt", receipt,
                      "content_id", (json_int_t)store_col_i64(q, 2), "category", store_col_text(q, 3), "explanation",
                      store_col_text(q, 4), "trusted_flagger", (int)store_col_i64(q, 5), "deprioritised",
                      (int)store_col_i64(q, 7), "received_ms", (json_int_t)store_col_i64(q, 11));
        int64_t item = store_col_i64(q, 8), dec = store_col_i64(q, 9);
        const char *outcome = store_col_text(q, 10);
        json_object_set_new(o, "item_id", item > 0 ? json_integer(item) : json_null());
        json_object_set_new(o, "decision_id", dec > 0 ? json_integer(dec) : json_null());
        json_object_set_new(o, "status", json_string(*outcome ? "decided" : "in_review"));
        /* the notifier's statement of good faith, DSA Art. 16(2)(d) */
        json_object_set_new(o, "good_faith", json_boolean(store_col_i64(q, 12)));
        if (*outcome) json_object_set_new(o, "outcome", json_string(outcome));
    } else if (r >= 0) {
        vis_errf(err, VIS_ENOTFOUND, "notice_not_found", NULL, "no notice %lld", (long long)id);
    }
    store_done(q);
    return o;
}

/* The notifier's record, identified by contact on this platform: created
 * on first use, counted; *deprio when its notices are deprioritised (never
 * a trusted flagger's). No contact: no record (*reporter = -1). */
static int notifier_record(mod_ctx *c, int64_t client, const char *contact, bool trusted, int64_t *reporter,
                           int64_t *deprio, vis_err *err)
{
    *reporter = -1;
    *deprio = 0;
    if (!*contact) return 0;
    char key[256];
    size_t k = 0;
    for (; contact[k] && k < sizeof key - 1; k++) key[k] = (char)tolower((unsigned char)contact[k]);
    key[k] = '\0';
    store_stmt *q;
    if (store_exec(c->db, SQL_MOD_REPORTER_ENSURE, err, "it", client, key) ||
        store_one(c->db, SQL_MOD_REPORTER_GET, &q, err, "it", client, key))
        return err->code;
    if (!q) return vis_errf(err, VIS_ESTORE, NULL, NULL, "the notifier's record is missing");
    *reporter = store_col_i64(q, 0);
    *deprio = store_col_i64(q, 1) && !trusted;
    store_done(q);
    return store_exec(c->db, SQL_MOD_REPORTER_NOTICE, err, "i", *reporter);
}

/* A notice on content with an open review gathers on that item: counted
 * (unless deprioritised), its category raising the item's severity, and the
 * item re-routed if it is still waiting. */
static int notice_gather(mod_ctx *c, const mod_content *ct, int64_t item, const char *cat, bool trusted,
                         int64_t deprio, vis_err *err)
{
    mod_item it;
    if (mod_item_load(c, item, &it, err)) return err->code;
    int64_t sev = it.severity, q = it.queue_id, g = it.graphic, cs = it.child_safety;
    const char *icat = it.category;
    if (mod_category_severity(cat) > sev || !*it.category) {
        icat = cat;
        if (mod_category_severity(cat) > sev) sev = mod_category_severity(cat);
        if (it.state == MOD_OPEN) {
            if (mod_route(c, ct->client_id, icat, it.language, sev, &q, &g, &cs, err)) return err->code;
        } else {
            g = g || mod_category_graphic(icat);
            cs = cs || mod_category_child_safety(icat);
        }
    }
    return store_exec(c->db, SQL_MOD_ITEM_RENOTICE, err, "iiiiitiii", item, it.notices + !deprio,
                      it.trusted + (trusted ? 1 : 0), (int64_t)(it.deprioritised && deprio), sev, icat, q, g, cs);
}

/* A notice on content without an open review: answered at once when the
 * content is already restricted (*dec, *outcome), else a new review item. */
static int notice_open(mod_ctx *c, const mod_content *ct, const char *cat, bool trusted, int64_t deprio,
                       int64_t *item, int64_t *dec, const char **outcome, vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, SQL_MOD_DECISION_LATEST, &q, err, "i", ct->id)) return err->code;
    if (q) {
        if (mod_action_restricts(store_col_text(q, 1))) {
            *dec = store_col_i64(q, 0);
            *outcome = "already_actioned";
        }
        store_done(q);
    }
    if (*outcome) return 0;
    /* a deprioritised notifier's notice does not count towards priority */
    mod_item_in in = {.content = ct, .kind = "review", .category = cat, .notices = !deprio, .trusted = trusted,
                      .deprioritised = deprio};
    return mod_item_open(c, &in, item, err);
}

int mod_notice_submit(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    if (jv_check(b, notice_fields, err)) return err->code;
    const char *cat = mod_category_norm(jv_str(b, "category", ""));
    if (!cat)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "category",
                        "category must be a DSA statement category (e.g. STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH)");
    int64_t cid = jv_int(b, "content_id", -1);
    const char *ref = jv_str(b, "client_ref", NULL);
    if ((cid > 0) == (ref != NULL))
        return vis_errf(err, VIS_EINVAL, "missing_field", "content_id", "give exactly one of content_id or client_ref");
    if (ref) {
        int r = store_get_i64(c->db, SQL_MOD_CONTENT_BY_REF, &cid, err, "it", c->who->id, ref);
        if (r < 0) return err->code;
        if (r == 0)
            return vis_errf(err, VIS_ENOTFOUND, "content_not_found", "client_ref", "no content '%s': send it first", ref);
    }
    mod_content ct;
    if (mod_content_load(c, cid, true, &ct, err)) return err->code;
    bool trusted = jv_bool(b, "trusted_flagger", false);
    const char *contact = jv_str(b, "reporter_contact", "");
    int64_t reporter, deprio, item = -1, dec = -1;
    const char *outcome = NULL;
    int rc = notifier_record(c, ct.client_id, contact, trusted, &reporter, &deprio, err);
    int r = rc ? 0 : store_get_i64(c->db, SQL_MOD_ITEM_OPEN_OF_CONTENT, &item, err, "i", cid);
    if (!rc && r < 0) rc = err->code;
    if (!rc)
        rc = r == 1 ? notice_gather(c, &ct, item, cat, trusted, deprio, err)
                    : notice_open(c, &ct, cat, trusted, deprio, &item, &dec, &outcome, err);
    if (rc) goto done;
    if ((rc = store_exec(c->db, SQL_MOD_NOTICE_INSERT, err, "iittiIttiIItii", ct.client_id, cid, cat,
                         jv_str(b, "explanation", ""), (int64_t)trusted, reporter, jv_str(b, "reporter_name", ""),
                         contact, deprio, item, dec, outcome, c->now_ms, (int64_t)jv_bool(b, "good_faith", false))))
        goto done;
    int64_t nid = store_last_id(c->db);
    char subj[48];
    snprintf(subj, sizeof subj, "notice:%lld", (long long)nid);
    if ((rc = svc_journal(c,
                          &(svc_event){.family = MOD_FAMILY,
                                       .event = "notice_received",
                                       .subject = subj,
                                       .payload = JSON_PACK("{s:I, s:s, s:b, s:b, s:I}", "content", (json_int_t)cid,
                                                            "category", cat, "trusted_flagger", trusted,
                                                            "deprioritised", (int)deprio, "item", (json_int_t)item)},
                          err)))
        goto done;
    *out = notice_json(c, nid, err);
    if (!*out) rc = err->code;
done:
    mod_content_free(&ct);
    return rc;
}

int mod_notice_get(mod_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    *out = notice_json(c, id, err);
    return *out ? 0 : err->code;
}

/* ---- appeals ---- */

int mod_appeal_submit(mod_ctx *c, int64_t decision, json_t *b, json_t **out, vis_err *err)
{
    static const jv_field f[] = {{"explanation", JV_STRING, true, 1, 10000}, {NULL, 0, 0, 0, 0}};
    if (jv_check(b, f, err)) return err->code;
    store_stmt *q = store_query(c->db, SQL_MOD_DECISION_GET, err, "i", decision);
    if (!q) return err->code;
    int r = store_row(q, err);
    int64_t client = -1, content = 0, moderator = -1, created = 0, superseded = -1;
    char cat[MOD_CAT_MAX] = "";
    if (r == 1) {
        client = store_col_i64(q, 1);
        content = store_col_i64(q, 2);
        snprintf(cat, sizeof cat, "%s", store_col_text(q, 5));
        moderator = store_col_i64(q, 9);
        created = store_col_i64(q, 15);
        superseded = store_col_i64(q, 17);
    }
    store_done(q);
    if (r < 0) return err->code;
    if (r == 0 || (client != c->who->id && !mod_is_admin(c)))
        return vis_errf(err, VIS_ENOTFOUND, "decision_not_found", NULL, "no decision %lld", (long long)decision);
    if (superseded > 0)
        return vis_errf(err, VIS_ECONFLICT, "decision_superseded", NULL,
                        "decision %lld was superseded by decision %lld: appeal that one", (long long)decision,
                        (long long)superseded);
    if (c->now_ms - created > c->cfg->mod_appeal_window_days * MOD_DAY_MS)
        return vis_errf(err, VIS_ECONFLICT, "appeal_window_closed", NULL,
                        "appeals close %lld days after the decision", (long long)c->cfg->mod_appeal_window_days);
    int64_t existing;
    if ((r = store_get_i64(c->db, SQL_MOD_APPEAL_BY_DECISION, &existing, err, "i", decision)) < 0) return err->code;
    if (r == 1)
        return vis_errf(err, VIS_ECONFLICT, "already_appealed", NULL, "decision %lld is already appealed (appeal %lld)",
                        (long long)decision, (long long)existing);
    if (store_exec(c->db, SQL_MOD_APPEAL_INSERT, err, "iiiti", client, decision, content,
                   jv_str(b, "explanation", ""), c->now_ms))
        return err->code;
    int64_t appeal = store_last_id(c->db), item;
    mod_content ct;
    if (mod_content_load(c, content, false, &ct, err)) return err->code;
    /* never the decider, never the classifier alone: a human other than the decider */
    mod_item_in in = {.content = &ct, .kind = "appeal", .category = cat, .excluded_worker = moderator,
                      .ref_decision = decision, .appeal = appeal};
    int rc = mod_item_open(c, &in, &item, err);
    mod_content_free(&ct);
    if (rc || store_exec(c->db, SQL_MOD_APPEAL_SET_ITEM, err, "ii", appeal, item)) return err->code;
    char subj[48];
    snprintf(subj, sizeof subj, "appeal:%lld", (long long)appeal);
    if (svc_journal(c,
                    &(svc_event){.family = MOD_FAMILY,
                                 .event = "appeal_received",
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:I, s:I, s:I}", "decision", (json_int_t)decision, "item",
                                                      (json_int_t)item, "excluded_moderator", (json_int_t)moderator)},
                    err))
        return err->code;
    *out = JSON_PACK("{s:I, s:I, s:I, s:s, s:I}", "id", (json_int_t)appeal, "decision_id", (json_int_t)decision,
                     "item_id", (json_int_t)item, "state", "open", "received_ms", (json_int_t)c->now_ms);
    return 0;
}

