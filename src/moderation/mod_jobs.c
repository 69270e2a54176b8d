/* mod_jobs — housekeeping (lease expiry, learning, model saving, callback
 * delivery: mod_callbacks.c), the DSA Art. 15 transparency figures,
 * the classifier's public description, and the demo platform's content. */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/journal.h"
#include "moderation/mod_int.h"
#include "store/sql_core.h"
#include "store/sql_moderation.h"

int mod_housekeep(mod_svc **slot, const vis_config *cfg, store *db, int64_t now_ms, bool force_save,
                  mod_tick_stats *st, vis_err *err)
{
    memset(st, 0, sizeof *st);
    mod_ctx c = {.db = db, .cfg = cfg, .now_ms = now_ms, .who = NULL};
    if (store_begin(db, err)) return err->code;
    int n = mod_sweep(&c, err);
    if (n < 0) {
        store_rollback(db);
        return err->code;
    }
    if (store_commit(db, err)) return err->code;
    st->expired = n;
    mod_svc *s;
    if (mod_svc_get(slot, cfg, db, &s, err)) return err->code;
    mod_svc_jobs_lock(s);
    int rc = mod_clf_learn(s, db, &st->learned, err);
    if (!rc) rc = mod_clf_save(s, db, now_ms, force_save, &st->saved, err);
    /* outgoing requests: together they start none after twice the timeout,
     * so a dead endpoint cannot hold the housekeeping thread for long */
    int64_t end_ns = clock_mono_ns() + 2 * cfg->mod_callback_timeout_ms * 1000000;
    if (!rc) rc = mod_callbacks_deliver(cfg, db, now_ms, end_ns, st, err);
    if (!rc) rc = mod_tdb_deliver(cfg, db, now_ms, end_ns, st, err);
    mod_svc_jobs_unlock(s);
    return rc;
}

/* ---- classifier and model ---- */

static int audit_figures(mod_ctx *c, int64_t from, int64_t to, int64_t client, json_t *o, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MOD_T_AUDIT, err, "iii", from, to, client);
    if (!q) return err->code;
    int64_t ag = 0, dis = 0, pend = 0;
    int r = store_row(q, err);
    if (r == 1) {
        ag = store_col_i64(q, 0);
        dis = store_col_i64(q, 1);
        pend = store_col_i64(q, 2);
    }
    store_done(q);
    if (r < 0) return err->code;
    json_object_set_new(o, "audited", json_integer(ag + dis));
    json_object_set_new(o, "audit_errors", json_integer(dis));
    json_object_set_new(o, "audits_pending", json_integer(pend));
    json_object_set_new(o, "audited_error_rate", ag + dis ? json_real((double)dis / (double)(ag + dis)) : json_null());
    return 0;
}

int mod_classifier_info(mod_ctx *c, mod_svc *clf, json_t **out, vis_err *err)
{
    json_t *o = json_object();
    if (mod_clf_info(clf, o, err) || audit_figures(c, 0, INT64_MAX, -1, o, err)) {
        json_decref(o);
        return err->code;
    }
    *out = o;
    return 0;
}

int mod_model_upload(mod_ctx *c, mod_svc *clf, const void *data, size_t len, json_t **out, vis_err *err)
{
    if (mod_clf_replace(clf, c->db, data, len, c->now_ms, out, err)) return err->code;
    return svc_journal(
        c,
        &(svc_event){.family = MOD_FAMILY,
                     .event = "model_replaced",
                     .subject = "classifier",
                     .payload = JSON_PACK("{s:O, s:I}", "model_version", json_object_get(*out, "model_version"),
                                          "bytes", (json_int_t)len)},
        err);
}

/* ---- transparency (DSA Art. 15) ---- */

int mod_transparency(mod_ctx *c, int64_t from, int64_t to, int64_t client, json_t **out, vis_err *err)
{
    json_t *o = JSON_PACK("{s:I, s:I}", "from_ms", (json_int_t)from, "to_ms", (json_int_t)to);
    json_object_set_new(o, "client_id", client > 0 ? json_integer(client) : json_null());
    json_t *bycat = json_object(), *bysrc = JSON_PACK("{s:i, s:i}", "trusted_flagger", 0, "user", 0);
    int64_t total = 0;
    store_stmt *q = store_query(c->db, SQL_MOD_T_NOTICES, err, "iii", from, to, client);
    int r = -1;
    if (q) {
        while ((r = store_row(q, err)) == 1) {
            const char *cat = store_col_text(q, 0), *src = store_col_i64(q, 1) ? "trusted_flagger" : "user";
            int64_t k = store_col_i64(q, 2);
            total += k;
            json_object_set_new(bycat, cat, json_integer(json_integer_value(json_object_get(bycat, cat)) + k));
            json_object_set_new(bysrc, src, json_integer(json_integer_value(json_object_get(bysrc, src)) + k));
        }
        store_done(q);
    }
    json_object_set_new(o, "notices", JSON_PACK("{s:I, s:o, s:o}", "received", (json_int_t)total, "by_category", bycat,
                                                 "by_source", bysrc));
    if (r < 0) goto fail;
    int64_t fully = 0, partly = 0, not_ = 0;
    if (!(q = store_query(c->db, SQL_MOD_T_DECISIONS, err, "iii", from, to, client))) goto fail;
    while ((r = store_row(q, err)) == 1) {
        const char *a = store_col_text(q, 0);
        int64_t k = store_col_i64(q, 1);
        if (!strcmp(a, "fully")) fully = k;
        else if (!strcmp(a, "partially")) partly = k;
        else not_ = k;
    }
    store_done(q);
    if (r < 0) goto fail;
    int64_t nd = fully + partly + not_;
    json_t *dec = JSON_PACK("{s:I, s:I, s:I, s:I}", "total", (json_int_t)nd, "fully_automated", (json_int_t)fully,
                            "partly_automated", (json_int_t)partly, "not_automated", (json_int_t)not_);
    json_object_set_new(dec, "share_fully_automated", nd ? json_real((double)fully / nd) : json_null());
    json_object_set_new(dec, "share_partly_automated", nd ? json_real((double)partly / nd) : json_null());
    json_object_set_new(dec, "share_not_automated", nd ? json_real((double)not_ / nd) : json_null());
    json_t *acts = json_object();
    json_object_set_new(dec, "by_action", acts);
    json_object_set_new(o, "decisions", dec);
    if (!(q = store_query(c->db, SQL_MOD_T_ACTIONS, err, "iii", from, to, client))) goto fail;
    while ((r = store_row(q, err)) == 1)
        json_object_set_new(acts, store_col_text(q, 0), json_integer(store_col_i64(q, 1)));
    store_done(q);
    if (r < 0) goto fail;
    /* Art. 15(1)(b): from intake (content or notice) to the first decision */
    int64_t med = 0;
    int got = store_get_i64(c->db, SQL_MOD_T_MEDIAN, &med, err, "iii", from, to, client);
    if (got < 0) goto fail;
    json_object_set_new(o, "median_time_to_decision_ms", got ? json_integer(med) : json_null());
    json_t *clf = json_object();
    json_object_set_new(o, "classifier", clf);
    if (audit_figures(c, from, to, client, clf, err)) goto fail;
    int64_t ain = 0, adec = 0, arev = 0;
    if (store_get_i64(c->db, SQL_MOD_T_APPEALS_IN, &ain, err, "iii", from, to, client) < 0) goto fail;
    if (store_one(c->db, SQL_MOD_T_APPEALS_OUT, &q, err, "iii", from, to, client)) goto fail;
    if (q) {
        adec = store_col_i64(q, 0);
        arev = store_col_i64(q, 1);
        store_done(q);
    }
    json_t *apl = JSON_PACK("{s:I, s:I, s:I, s:I}", "received", (json_int_t)ain, "decided", (json_int_t)adec,
                            "reversed", (json_int_t)arev, "upheld", (json_int_t)(adec - arev));
    json_object_set_new(o, "appeals", apl);
    /* Art. 15(1)(d): the median time to decide a complaint */
    if ((got = store_get_i64(c->db, SQL_MOD_T_APPEALS_MEDIAN, &med, err, "iii", from, to, client)) < 0) goto fail;
    json_object_set_new(apl, "median_time_to_decision_ms", got ? json_integer(med) : json_null());
    int64_t ms = 0, mods = 0;
    if (store_get_i64(c->db, SQL_MOD_T_HOURS, &ms, err, "iii", from, to, client) < 0 ||
        store_get_i64(c->db, SQL_MOD_T_MODERATORS, &mods, err, "iii", from, to, client) < 0)
        goto fail;
    json_t *langs = json_object();
    if (!(q = store_query(c->db, SQL_MOD_T_LANGS, err, "iii", from, to, client))) goto fail;
    while ((r = store_row(q, err)) == 1) json_object_set_new(langs, store_col_text(q, 0), json_integer(store_col_i64(q, 1)));
    store_done(q);
    if (r < 0) goto fail;
    json_object_set_new(o, "human_review", JSON_PACK("{s:f, s:I, s:I, s:o}", "hours", ms / 3600000.0, "ms",
                                                     (json_int_t)ms, "moderators", (json_int_t)mods,
                                                     "moderators_by_language", langs));
    json_object_set_new(o, "pay_basis", json_string("moderators are paid by the hour of review, never per item"));
    *out = o;
    return 0;
fail:
    json_decref(o);
    return err->code;
}

/* ---- demo ---- */

static const struct {
    const char *ref, *text, *media, *kind, *lang, *notice_cat, *notice;
    int         trusted;
} demo_posts[] = {
    {"post-1001", "Win a free phone!!! Send your bank login to claim the prize", "", "", "en",
     "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "Phishing: asks for bank credentials", 0},
    {"post-1002", "Lovely sunset over the harbour tonight", "", "", "en", NULL, NULL, 0},
    {"post-1003", "Video of the street fight outside the stadium", "https://media.chirp.example/v/1003.mp4", "video",
     "en", "STATEMENT_CATEGORY_VIOLENCE", "Graphic violence, injured people visible", 1},
    {"post-1004", "Cheap 'miracle' pills, no prescription needed, cures everything", "", "", "en",
     "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS", "Unlicensed medicine sold without prescription", 0},
    {"post-1005", "Ces gens-là ne méritent pas de vivre ici", "", "", "fr",
     "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "Incitement against a group", 1},
    {"post-1006", "My address book export, with everyone's phone numbers", "https://media.chirp.example/i/1006.png",
     "image", "en", "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", "Publishes private phone numbers", 0},
    {"post-1007", "Full movie here, just released in cinemas", "https://media.chirp.example/v/1007.mp4", "video", "en",
     "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", "Pirated film", 0},
    {"post-1008", "Election day moved to Wednesday for district 4 voters!", "", "", "en",
     "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "False information about voting day", 0},
};

int mod_demo_seed(store *db, const vis_config *cfg, const char *client_email, const char *const *moderators,
                  int64_t now_ms, vis_err *err)
{
    int64_t client = 0;
    store_stmt *q = store_query(db, SQL_ACCOUNT_BY_EMAIL, err, "t", client_email);
    if (!q) return err->code;
    int r = store_row(q, err);
    if (r == 1) client = store_col_i64(q, 0);
    store_done(q);
    if (r < 0) return err->code;
    if (r == 0) return 0;
    account who = {.id = client};
    snprintf(who.role, sizeof who.role, "client");
    mod_ctx c = {.db = db, .cfg = cfg, .now_ms = now_ms, .who = &who};
    if (mod_clauses_seed(&c, err)) return err->code;
    for (size_t i = 0; i < sizeof demo_posts / sizeof demo_posts[0]; i++) {
        json_t *b = JSON_PACK("{s:s, s:s, s:s, s:s}", "client_ref", demo_posts[i].ref, "text", demo_posts[i].text,
                              "language", demo_posts[i].lang, "author_ref", "demo-author");
        if (*demo_posts[i].media) {
            json_object_set_new(b, "media_url", json_string(demo_posts[i].media));
            json_object_set_new(b, "media_kind", json_string(demo_posts[i].kind));
        }
        json_t *out = NULL;
        int rc = mod_content_submit(&c, NULL, b, &out, err);
        json_decref(b);
        int64_t id = rc ? 0 : json_integer_value(json_object_get(out, "id"));
        json_decref(out);
        out = NULL;
        if (rc) return rc;
        if (!demo_posts[i].notice_cat) continue;
        b = JSON_PACK("{s:I, s:s, s:s, s:b, s:s, s:s}", "content_id", (json_int_t)id, "category",
                      demo_posts[i].notice_cat, "explanation", demo_posts[i].notice, "trusted_flagger",
                      demo_posts[i].trusted, "reporter_name", demo_posts[i].trusted ? "Demo Trusted Flagger" : "A user",
                      "reporter_contact", demo_posts[i].trusted ? "flagger@demo.example" : "user@demo.example");
        rc = mod_notice_submit(&c, b, &out, err);
        json_decref(b);
        json_decref(out);
        if (rc) return rc;
    }
    for (size_t i = 0; moderators && moderators[i]; i++) {
        q = store_query(db, SQL_ACCOUNT_BY_EMAIL, err, "t", moderators[i]);
        if (!q) return err->code;
        int64_t w = 0;
        if ((r = store_row(q, err)) == 1) w = store_col_i64(q, 0);
        store_done(q);
        if (r < 0) return err->code;
        if (r == 0) continue;
        mod_moderator m;
        /* the demo moderators have been through onboarding and their first items */
        if (mod_moderator_get(&c, w, &m, err) || store_exec(db, SQL_MOD_LANG_ADD, err, "it", w, "en") ||
            store_exec(db, SQL_MOD_MOD_ONBOARD, err, "iii", w, now_ms, (int64_t)0) ||
            (i == 0 && (store_exec(db, SQL_MOD_LANG_ADD, err, "it", w, "fr") ||
                        store_exec(db, SQL_MOD_MOD_ROLES, err, "iii", w, (int64_t)0, (int64_t)1))))
            return err->code;
    }
    return 0;
}
