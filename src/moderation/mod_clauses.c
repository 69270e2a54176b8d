/* mod_clauses — the catalogue of the platform's terms clauses, managed by
 * admins: a decision on terms grounds names the clause it relies on, and
 * its statement of reasons carries the clause's code, title and text (not
 * "the platform's terms of service"). A retired clause is no longer
 * offered; statements that named it keep it (they are stored whole). */
#include <string.h>

#include "base/jv.h"
#include "moderation/mod_int.h"
#include "store/sql_moderation.h"

static json_t *clause_json(const mod_clause *k)
{
    return JSON_PACK("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)k->id, "code", k->code, "title", k->title,
                     "text", k->text, "active", (int)k->active);
}

static void clause_row(store_stmt *q, mod_clause *k)
{
    k->id = store_col_i64(q, 0);
    snprintf(k->code, sizeof k->code, "%s", store_col_text(q, 1));
    snprintf(k->title, sizeof k->title, "%s", store_col_text(q, 2));
    snprintf(k->text, sizeof k->text, "%s", store_col_text(q, 3));
    k->active = store_col_i64(q, 4) != 0;
}

/* r: 1 found, 0 not, <0 error */
static int clause_load(mod_ctx *c, const char *sql, const char *fmt, int64_t id, const char *code, mod_clause *k,
                       vis_err *err)
{
    store_stmt *q = code ? store_query(c->db, sql, err, fmt, code) : store_query(c->db, sql, err, fmt, id);
    if (!q) return -1;
    int r = store_row(q, err);
    if (r == 1) clause_row(q, k);
    store_done(q);
    return r;
}

int mod_clause_resolve(mod_ctx *c, json_t *v, const char *field, mod_clause *out, vis_err *err)
{
    memset(out, 0, sizeof *out);
    int r;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        r = clause_load(c, SQL_MOD_CLAUSE_GET, "i", json_integer_value(v), NULL, out, err);
    else if (json_is_string(v) && *json_string_value(v) && strlen(json_string_value(v)) <= 64)
        r = clause_load(c, SQL_MOD_CLAUSE_BY_CODE, "t", 0, json_string_value(v), out, err);
    else
        return vis_errf(err, VIS_EINVAL, "invalid_field", field,
                        "%s must be a terms clause's id or its code (GET /v1/moderation/clauses)", field);
    if (r < 0) return err->code;
    if (r == 0)
        return vis_errf(err, VIS_EINVAL, "clause_not_found", field,
                        "no terms clause with that id or code in the catalogue (GET /v1/moderation/clauses)");
    if (!out->active)
        return vis_errf(err, VIS_EINVAL, "clause_retired", field,
                        "terms clause %s was retired: pick an active clause of the catalogue", out->code);
    return 0;
}

int mod_clauses_list(mod_ctx *c, json_t **out, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MOD_CLAUSES, err, "");
    if (!q) return err->code;
    json_t *arr = json_array();
    int r;
    mod_clause k;
    while ((r = store_row(q, err)) == 1) {
        clause_row(q, &k);
        json_array_append_new(arr, clause_json(&k));
    }
    store_done(q);
    if (r < 0) {
        json_decref(arr);
        return err->code;
    }
    *out = JSON_PACK("{s:o}", "clauses", arr);
    return 0;
}

static bool code_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              *s == '_' || *s == '.'))
            return false;
    return true;
}

int mod_clause_create(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    static const jv_field f[] = {{"code", JV_STRING, true, 1, 64},
                                 {"title", JV_STRING, true, 1, 200},
                                 {"text", JV_STRING, true, 1, 4000},
                                 {NULL, 0, 0, 0, 0}};
    if (jv_check(b, f, err)) return err->code;
    const char *code = jv_str(b, "code", ""), *title = jv_str(b, "title", ""), *text = jv_str(b, "text", "");
    if (!code_ok(code))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "code",
                        "code must be letters, digits, '-', '_' or '.' (e.g. 'HS-1' or '4.2')");
    mod_clause k;
    int r = clause_load(c, SQL_MOD_CLAUSE_BY_CODE, "t", 0, code, &k, err);
    if (r < 0) return err->code;
    if (r == 1)
        return vis_errf(err, VIS_ECONFLICT, "duplicate_clause", "code", "a clause with code '%s' exists (id %lld)", code,
                        (long long)k.id);
    if (store_exec(c->db, SQL_MOD_CLAUSE_INSERT, err, "ttti", code, title, text, c->now_ms)) return err->code;
    int64_t id = store_last_id(c->db);
    char subj[48];
    snprintf(subj, sizeof subj, "clause:%lld", (long long)id);
    if (svc_journal(c,
                    &(svc_event){.family = MOD_FAMILY,
                                 .event = "clause_created",
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:I, s:s, s:s}", "clause", (json_int_t)id, "code", code,
                                                      "title", title)},
                    err))
        return err->code;
    r = clause_load(c, SQL_MOD_CLAUSE_GET, "i", id, NULL, &k, err);
    if (r < 0) return err->code;
    if (r == 0) return vis_errf(err, VIS_ESTORE, NULL, NULL, "clause %lld, just created, is missing", (long long)id);
    *out = clause_json(&k);
    return 0;
}

int mod_clause_retire(mod_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mod_clause k;
    int r = clause_load(c, SQL_MOD_CLAUSE_GET, "i", id, NULL, &k, err);
    if (r < 0) return err->code;
    if (r == 0) return vis_errf(err, VIS_ENOTFOUND, "clause_not_found", NULL, "no terms clause %lld", (long long)id);
    if (k.active) {
        char subj[48];
        snprintf(subj, sizeof subj, "clause:%lld", (long long)id);
        if (store_exec(c->db, SQL_MOD_CLAUSE_RETIRE, err, "ii", id, c->now_ms) ||
            svc_journal(c,
                        &(svc_event){.family = MOD_FAMILY,
                                     .event = "clause_retired",
                                     .subject = subj,
                                     .payload = JSON_PACK("{s:I, s:s}", "clause", (json_int_t)id, "code", k.code)},
                        err))
            return err->code;
        k.active = false;
    }
    *out = clause_json(&k);
    return 0;
}

/* the demo platform's terms */
static const struct {
    const char *code, *title, *text;
} demo_clauses[] = {
    {"HS-1", "Hate speech",
     "You may not attack or dehumanise people on the basis of ethnicity, national origin, religion, sex, gender, "
     "sexual orientation, disability or serious disease, nor call for their exclusion or segregation."},
    {"HA-1", "Harassment and bullying",
     "You may not target a person with abuse, threats, unwanted sexual remarks or repeated unwanted contact, nor "
     "encourage others to do so."},
    {"VI-1", "Violent and graphic content",
     "You may not post content that glorifies violence or shows graphic injury or death for shock value; news and "
     "documentary content must carry a warning."},
    {"SP-1", "Spam and scams",
     "You may not post deceptive links, phishing, fake giveaways or repetitive unsolicited commercial content."},
    {"NU-1", "Nudity and sexual content",
     "You may not post sexually explicit content or nudity outside the exceptions for art, health and education."},
    {"IG-1", "Illegal and regulated goods",
     "You may not offer for sale or promote prescription medicines without a licence, weapons, drugs or other goods "
     "whose sale is regulated or prohibited."},
    {"PR-1", "Private information",
     "You may not publish another person's private contact details, address or identity documents without their "
     "consent."},
    {"IP-1", "Intellectual property",
     "You may not post content that infringes someone else's copyright or trade mark."},
};

int mod_clauses_seed(mod_ctx *c, vis_err *err)
{
    for (size_t i = 0; i < sizeof demo_clauses / sizeof demo_clauses[0]; i++) {
        json_t *b = JSON_PACK("{s:s, s:s, s:s}", "code", demo_clauses[i].code, "title", demo_clauses[i].title, "text",
                              demo_clauses[i].text);
        json_t *out = NULL;
        int rc = mod_clause_create(c, b, &out, err);
        json_decref(b);
        json_decref(out);
        if (rc && strcmp(err->kind, "duplicate_clause")) return rc;
        if (rc) vis_err_clear(err); /* seeded before */
    }
    return 0;
}
