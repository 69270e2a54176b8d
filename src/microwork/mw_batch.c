/* mw_batch — the client's side: create, upload tasks, publish, pause,
 * resume, cancel, progress. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/csv.h"
#include "base/jv.h"
#include "core/ledger.h"
#include "microwork/mw_int.h"
#include "store/sql_microwork.h"
#include "truth/truth.h"

#define DAY_S 86400

static const jv_field batch_fields[] = {
    {"title", JV_STRING, true, 1, 200},
    {"description", JV_STRING, false, 0, 5000},
    {"instructions", JV_STRING, false, 0, 20000},
    {"template", JV_STRING, true, 1, 20000},
    {"answer_type", JV_STRING, true, 1, 16},
    {"labels", JV_ARRAY, false, 0, 0},
    {"reward_micros", JV_INT, true, 1, 1000000000000LL},
    {"overlap", JV_INT, false, 1, MW_MAX_OVERLAP},
    {"lease_seconds", JV_INT, false, 10, DAY_S},
    {"lifetime_seconds", JV_INT, false, 60, 365LL * DAY_S},
    {"auto_approve_seconds", JV_INT, false, 0, 30LL * DAY_S},
    {"expected_seconds", JV_INT, true, 1, DAY_S},
    {"control_ratio", JV_NUMBER, false, 0, 0},
    {"min_skill", JV_NUMBER, false, 0, 0},
    {"min_control_answers", JV_INT, false, 1, 1000},
    {"qualification_batch", JV_INT, false, 1, INT64_MAX},
    {"aggregation", JV_STRING, false, 1, 16},
    {"confidence_target", JV_NUMBER, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int ratio_ppm(json_t *spec, const char *name, double lo, double hi, int64_t *out, vis_err *err)
{
    json_t *v = json_object_get(spec, name);
    *out = 0;
    if (!v || json_is_null(v)) return 0;
    double d = json_number_value(v);
    if (!(d >= lo && d <= hi))
        return vis_errf(err, VIS_EINVAL, "invalid_field", name, "field '%s' must be between %g and %g", name, lo, hi);
    *out = (int64_t)llround(d * 1e6);
    return 0;
}

/* Every ${name} of the template, in a JSON array (deduplicated). */
static json_t *template_vars(const char *t, vis_err *err)
{
    json_t *vars = json_array();
    const char *p = t;
    while ((p = strstr(p, "${"))) {
        const char *e = strchr(p + 2, '}');
        if (!e) break;
        size_t n = (size_t)(e - p - 2);
        if (n == 0 || n > 64) {
            json_decref(vars);
            vis_errf(err, VIS_EINVAL, "invalid_field", "template", "template variables must be 1 to 64 characters");
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            char ch = p[2 + i];
            if (!isalnum((unsigned char)ch) && ch != '_' && ch != '-' && ch != '.') {
                json_decref(vars);
                vis_errf(err, VIS_EINVAL, "invalid_field", "template",
                         "template variable names may use letters, digits, '_', '-' and '.'");
                return NULL;
            }
        }
        json_t *s = json_stringn(p + 2, n);
        size_t i;
        json_t *x;
        bool dup = false;
        json_array_foreach(vars, i, x) if (json_equal(x, s)) dup = true;
        if (dup) json_decref(s);
        else json_array_append_new(vars, s);
        p = e + 1;
    }
    return vars;
}

static int reward_limit(const mw_ctx *c, int64_t reward, int code, vis_err *err)
{
    if (reward <= c->cfg->mw_max_reward_micros) return 0;
    return vis_errf(err, code, "reward_too_large", "reward_micros",
                    "reward_micros is %lld; the platform allows at most %lld micros per answer "
                    "(microwork.max_reward_micros)",
                    (long long)reward, (long long)c->cfg->mw_max_reward_micros);
}

int mw_batch_create(mw_ctx *c, json_t *spec, json_t **out, vis_err *err)
{
    if (jv_check(spec, batch_fields, err)) return err->code;
    if (reward_limit(c, jv_int(spec, "reward_micros", 0), VIS_EINVAL, err)) return err->code;
    const char *type = jv_str(spec, "answer_type", "");
    if (strcmp(type, "single") && strcmp(type, "multiple") && strcmp(type, "text") && strcmp(type, "number"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "answer_type",
                        "answer_type must be single, multiple, text or number");
    json_t *labels = json_object_get(spec, "labels");
    bool choice = !strcmp(type, "single") || !strcmp(type, "multiple");
    if (choice) {
        size_t n = json_array_size(labels);
        if (n < 2 || n > 100)
            return vis_errf(err, VIS_EINVAL, "invalid_field", "labels", "a choice batch needs 2 to 100 labels");
        for (size_t i = 0; i < n; i++) {
            json_t *l = json_array_get(labels, i);
            if (!json_is_string(l) || json_string_length(l) == 0 || json_string_length(l) > 200 ||
                strchr(json_string_value(l), '|') || strlen(json_string_value(l)) != json_string_length(l))
                return vis_errf(err, VIS_EINVAL, "invalid_field", "labels",
                                "labels[%zu] must be a text of 1 to 200 characters without '|'", i);
            for (size_t j = 0; j < i; j++)
                if (json_equal(l, json_array_get(labels, j)))
                    return vis_errf(err, VIS_EINVAL, "invalid_field", "labels", "label '%s' appears twice",
                                    json_string_value(l));
        }
    } else if (labels && json_array_size(labels)) {
        return vis_errf(err, VIS_EINVAL, "invalid_field", "labels", "labels are only for single or multiple choice");
    }
    int64_t ctrl, skill, conf;
    if (ratio_ppm(spec, "control_ratio", 0, 0.5, &ctrl, err) || ratio_ppm(spec, "min_skill", 0, 1, &skill, err) ||
        ratio_ppm(spec, "confidence_target", 0, 1, &conf, err))
        return err->code;
    if (conf && conf <= 500000)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "confidence_target",
                        "confidence_target must be above 0.5 (or 0 to always collect the full overlap)");
    const char *agg = jv_str(spec, "aggregation", "ds");
    truth_method m;
    if (truth_method_parse(agg, &m, err)) {
        snprintf(err->field, sizeof err->field, "aggregation");
        return err->code;
    }
    int64_t qual = jv_int(spec, "qualification_batch", -1);
    if (qual > 0) {
        mw_batch qb;
        if (mw_batch_owned(c, qual, &qb, err)) {
            snprintf(err->field, sizeof err->field, "qualification_batch");
            return err->code;
        }
        mw_batch_free(&qb);
    }
    json_t *vars = template_vars(jv_str(spec, "template", ""), err);
    if (!vars) return err->code;
    json_decref(vars);
    char *labels_text = choice ? json_dumps(labels, JSON_COMPACT) : mem_strdup("[]");
    int rc = store_exec(
        c->db, SQL_MW_BATCH_INSERT, err, "itttttti" "iiiiiiiiIt" "iii", c->who->id, jv_str(spec, "title", ""),
        jv_str(spec, "description", ""), jv_str(spec, "instructions", ""), jv_str(spec, "template", ""), type,
        labels_text, jv_int(spec, "reward_micros", 0), jv_int(spec, "overlap", 3),
        jv_int(spec, "lease_seconds", 600) * 1000, jv_int(spec, "lifetime_seconds", 7 * DAY_S) * 1000,
        jv_int(spec, "auto_approve_seconds", 3 * DAY_S) * 1000, jv_int(spec, "expected_seconds", 0), ctrl, skill,
        jv_int(spec, "min_control_answers", 3), qual, truth_method_name(m), conf, c->cfg->platform_fee_ppm,
        c->now_ms);
    free(labels_text);
    if (rc) return rc;
    int64_t id = store_last_id(c->db);
    char subj[48];
    snprintf(subj, sizeof subj, "batch:%lld", (long long)id);
    if (svc_journal(c,
                    &(svc_event){.family = MW_FAMILY,
                                 .event = "batch_created",
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:s}", "title", jv_str(spec, "title", ""))},
                    err))
        return err->code;
    return mw_batch_get(c, id, out, err);
}

static json_t *batch_json(mw_batch *b)
{
    char pub[32], exp[32];
    mw_iso(b->published_ms, pub);
    mw_iso(b->expires_ms, exp);
    json_t *o = JSON_PACK(
        "{s:I, s:I, s:s, s:s, s:s, s:O, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:s, s:f, s:I, s:I}", "id",
        (json_int_t)b->id, "client_id", (json_int_t)b->client_id, "title", b->title, "state", mw_bstate_name(b->state),
        "answer_type", b->answer_type, "labels", b->labels, "reward_micros", (json_int_t)b->reward, "overlap",
        (json_int_t)b->overlap, "lease_seconds", (json_int_t)(b->lease_ms / 1000), "lifetime_seconds",
        (json_int_t)(b->lifetime_ms / 1000), "auto_approve_seconds", (json_int_t)(b->auto_approve_ms / 1000),
        "expected_seconds", (json_int_t)b->expected_s, "control_ratio", b->control_ratio_ppm / 1e6, "min_skill",
        b->min_skill_ppm / 1e6, "min_control_answers", (json_int_t)b->min_control, "aggregation", b->aggregation,
        "confidence_target", b->conf_target_ppm / 1e6, "fee_ppm", (json_int_t)b->fee_ppm, "topup_micros",
        (json_int_t)b->topup);
    json_object_set_new(o, "template", json_string(b->template_text));
    json_object_set_new(o, "qualification_batch", b->qualification > 0 ? json_integer(b->qualification) : json_null());
    json_object_set_new(o, "published", b->published_ms >= 0 ? json_string(pub) : json_null());
    json_object_set_new(o, "expires", b->expires_ms >= 0 ? json_string(exp) : json_null());
    json_object_set_new(o, "expires_ms", b->expires_ms >= 0 ? json_integer(b->expires_ms) : json_null());
    return o;
}

/* The first n integer columns of a statement that returns one row (counts
 * and sums; none: all 0). */
static int read_row(mw_ctx *c, const char *sql, int64_t id, int64_t *const *v, int n, vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, sql, &q, err, "i", id)) return err->code;
    for (int i = 0; i < n; i++) *v[i] = q ? store_col_i64(q, i) : 0;
    store_done(q);
    return 0;
}

static int progress(mw_ctx *c, mw_batch *b, json_t *o, vis_err *err)
{
    int64_t reg = 0, ctl = 0, closed = 0, leased = 0, sub = 0, appr = 0, rej = 0, fast = 0, paid = 0, bonus = 0,
            dur = 0, escrow = 0;
    if (read_row(c, SQL_MW_TASK_COUNTS, b->id, (int64_t *const[]){&reg, &ctl, &closed}, 3, err) ||
        read_row(c, SQL_MW_ASG_COUNTS, b->id, (int64_t *const[]){&leased, &sub, &appr, &rej, &fast}, 5, err) ||
        read_row(c, SQL_MW_ASG_STATS, b->id, (int64_t *const[]){&paid, &bonus, &dur}, 3, err))
        return err->code;
    if (b->escrow_account >= 0 && ledger_balance(c->db, b->escrow_account, &escrow, err)) return err->code;
    if (mw_refresh_median(c, b, false, err)) return err->code;
    int64_t answers = sub + appr + rej;
    int64_t fees, to_workers, spent; /* the platform's fee is taken per approved answer */
    if (ckd_mul(&fees, mw_fee_unit(b), appr) || ckd_add(&to_workers, paid, bonus) ||
        ckd_add(&spent, to_workers, fees))
        return vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "batch %lld: its totals overflow",
                        (long long)b->id);
    json_t *p = JSON_PACK("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tasks",
                          (json_int_t)reg, "control_tasks", (json_int_t)ctl, "tasks_done", (json_int_t)closed,
                          "answers", (json_int_t)answers, "answers_leased", (json_int_t)leased, "answers_pending_review",
                          (json_int_t)sub, "answers_approved", (json_int_t)appr, "answers_rejected", (json_int_t)rej,
                          "answers_flagged_fast", (json_int_t)fast, "paid_to_workers_micros", (json_int_t)to_workers,
                          "fees_micros", (json_int_t)fees, "spent_micros", (json_int_t)spent,
                          "escrow_micros", (json_int_t)escrow, "answer_budget", (json_int_t)b->budget);
    json_object_set_new(p, "median_answer_seconds", b->median_n ? json_real(b->median_ms / 1000.0) : json_null());
    int64_t hourly;
    json_object_set_new(p, "effective_hourly_micros",
                        dur > 0 && !ckd_muldiv(&hourly, to_workers, 3600000, dur) ? json_integer(hourly) : json_null());
    json_object_set_new(p, "minimum_hourly_micros", json_integer(c->cfg->min_hourly_micros));
    json_object_set_new(o, "progress", p);
    return 0;
}

int mw_batch_get(mw_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mw_batch b;
    if (mw_batch_owned(c, id, &b, err)) return err->code;
    json_t *o = batch_json(&b);
    int rc = progress(c, &b, o, err);
    mw_batch_free(&b);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

int mw_batch_list(mw_ctx *c, json_t **out, vis_err *err)
{
    bool admin = mw_is_admin(c);
    size_t n = 0;
    int64_t *ids = NULL;
    if (admin ? store_ids(c->db, SQL_MW_BATCH_IDS_ALL, &ids, &n, err, "")
              : store_ids(c->db, SQL_MW_BATCH_IDS_CLIENT, &ids, &n, err, "i", c->who->id))
        return err->code;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *b;
        if (mw_batch_get(c, ids[i], &b, err)) {
            free(ids);
            json_decref(arr);
            return err->code;
        }
        json_array_append_new(arr, b);
    }
    free(ids);
    *out = JSON_PACK("{s:o}", "batches", arr);
    return 0;
}

/* ---- task upload ---- */

/* Every bad row of an upload is collected (up to MW_MAX_ROW_ERRORS) so the
 * client sees them all at once: {"row", "field" (or null), "message"}; the
 * first one is also the error's message. Nothing is stored when any row is
 * bad. */
#define MW_MAX_ROW_ERRORS 100

typedef struct upload {
    json_t *data, *gold;  /* arrays, one entry per task */
    json_t *rows;         /* row errors */
} upload;

static void row_err(upload *u, size_t row, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void row_err(upload *u, size_t row, const char *field, const char *fmt, ...)
{
    if (json_array_size(u->rows) >= MW_MAX_ROW_ERRORS) return;
    char m[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    json_t *f = field ? json_string(field) : json_null();
    if (!f) f = json_null(); /* a field name that is not valid UTF-8 */
    json_array_append_new(u->rows, JSON_PACK("{s:I, s:o, s:s}", "row", (json_int_t)row, "field", f, "message", m));
}

static void gold_check(const mw_batch *b, json_t *gold, size_t row, const char *field, upload *u)
{
    char *js = NULL, *key = NULL;
    vis_err e;
    if (mw_answer_check(b, gold, &js, &key, &e)) row_err(u, row, field, "gold answer: %s", e.msg);
    free(js);
    free(key);
}

/* true when the row's variables are all there */
static bool check_vars(json_t *vars, json_t *data, size_t row, upload *u)
{
    size_t i;
    json_t *v;
    bool ok = true;
    json_array_foreach(vars, i, v) {
        const char *name = json_string_value(v);
        json_t *x = json_object_get(data, name);
        if (!x || json_is_null(x) || (json_is_string(x) && json_string_length(x) == 0)) {
            row_err(u, row, name, "missing value for '%s'", name);
            ok = false;
        } else if (json_is_object(x) || json_is_array(x)) {
            row_err(u, row, name, "'%s' must be a text or a number", name);
            ok = false;
        }
    }
    return ok;
}

static void add_row(upload *u, json_t *d, json_t *g)
{
    json_array_append_new(u->data, d);
    json_array_append_new(u->gold, g);
}

static void parse_csv(const mw_batch *b, json_t *vars, const char *body, size_t len, upload *u)
{
    csv_reader r;
    csv_init(&r, body, len);
    vis_err e2;
    int rc = csv_next(&r, &e2);
    if (rc <= 0) {
        csv_free(&r);
        row_err(u, 1, NULL, "%s", rc == 0 ? "the CSV is empty" : e2.msg);
        return;
    }
    size_t nh = r.nfields;
    json_t *hdr = json_array();
    for (size_t i = 0; i < nh; i++) json_array_append_new(hdr, json_string(r.field[i]));
    size_t i;
    json_t *v;
    json_array_foreach(vars, i, v) {
        if (csv_column(&r, json_string_value(v)) < 0)
            row_err(u, 1, json_string_value(v), "the header has no column '%s' used by the template",
                    json_string_value(v));
    }
    if (json_array_size(u->rows)) goto out;
    int gold_col = csv_column(&r, "_gold");
    size_t row = 1;
    while ((rc = csv_next(&r, &e2)) == 1) {
        row++;
        if (r.nfields == 1 && r.field_len[0] == 0) continue; /* blank line */
        if (r.nfields != nh) {
            row_err(u, row, NULL, "%zu fields, the header has %zu", r.nfields, nh);
            continue;
        }
        json_t *d = json_object();
        bool ok = true;
        for (size_t k = 0; k < nh; k++)
            if ((int)k != gold_col) {
                const char *col = json_string_value(json_array_get(hdr, k));
                json_t *s = json_string(r.field[k]);
                if (!s) {
                    row_err(u, row, col, "field %zu is not valid UTF-8", k + 1);
                    ok = false;
                    continue;
                }
                if (col) json_object_set_new(d, col, s);
                else json_decref(s);
            }
        if (ok) ok = check_vars(vars, d, row, u);
        json_t *g = json_null();
        if (gold_col >= 0 && r.field_len[gold_col] > 0) {
            g = !strcmp(b->answer_type, "multiple") ? json_loads(r.field[gold_col], 0, NULL)
                : !strcmp(b->answer_type, "number") ? json_loads(r.field[gold_col], JSON_DECODE_ANY, NULL)
                                                    : json_string(r.field[gold_col]);
            size_t before = json_array_size(u->rows);
            if (!g) row_err(u, row, "_gold", "unreadable gold answer");
            else gold_check(b, g, row, "_gold", u);
            if (json_array_size(u->rows) > before) ok = false;
        }
        if (!ok || json_array_size(u->rows)) {
            json_decref(d);
            json_decref(g);
            continue;
        }
        add_row(u, d, g);
    }
    if (rc < 0) row_err(u, row + 1, NULL, "%s", e2.msg);
out:
    json_decref(hdr);
    csv_free(&r);
}

static void parse_jsonl(const mw_batch *b, json_t *vars, const char *body, size_t len, upload *u)
{
    const char *p = body, *end = body + len;
    size_t row = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        row++;
        const char *s = p;
        p = nl ? nl + 1 : end;
        while (s < le && isspace((unsigned char)*s)) s++;
        if (s == le) continue;
        json_error_t je;
        json_t *o = json_loadb(s, (size_t)(le - s), JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(o)) {
            json_decref(o);
            row_err(u, row, NULL, "not a JSON object (%s)", o ? "wrong type" : je.text);
            continue;
        }
        json_t *d = json_object_get(o, "data");
        json_t *g = json_object_get(o, "gold");
        bool ok = true;
        if (d) {
            const char *k;
            json_t *x;
            json_object_foreach(o, k, x) if (strcmp(k, "data") && strcmp(k, "gold")) {
                row_err(u, row, NULL, "unknown key '%.60s' (expected data and gold)", k);
                ok = false;
            }
            if (!json_is_object(d)) {
                row_err(u, row, "data", "'data' must be an object");
                json_decref(o);
                continue;
            }
            json_incref(d);
        } else {
            d = json_deep_copy(o);
            g = json_object_get(o, "_gold");
            json_object_del(d, "_gold");
        }
        if (!check_vars(vars, d, row, u)) ok = false;
        if (g && !json_is_null(g)) {
            size_t before = json_array_size(u->rows);
            gold_check(b, g, row, d == json_object_get(o, "data") ? "gold" : "_gold", u);
            if (json_array_size(u->rows) > before) ok = false;
            json_incref(g);
        } else {
            g = json_null();
        }
        if (!ok || json_array_size(u->rows)) {
            json_decref(d);
            json_decref(g);
        } else {
            add_row(u, d, g);
        }
        json_decref(o);
    }
}

int mw_tasks_add(mw_ctx *c, int64_t batch, const char *ctype, const char *body, size_t len, json_t **out,
                 vis_err *err)
{
    mw_batch b;
    if (mw_batch_owned(c, batch, &b, err)) return err->code;
    int rc = 0;
    upload u = {json_array(), json_array(), json_array()};
    json_t *vars = NULL;
    if (b.state != MW_B_DRAFT) {
        rc = vis_errf(err, VIS_ECONFLICT, "batch_not_draft", NULL,
                      "tasks can only be added to a draft batch (this one is %s)",
                      mw_bstate_name(b.state));
        goto done;
    }
    if (!len) {
        rc = vis_errf(err, VIS_EINVAL, "body_required", "tasks", "send the tasks as CSV or JSON lines");
        goto done;
    }
    vars = template_vars(b.template_text, err);
    if (!vars) {
        rc = err->code;
        goto done;
    }
    bool csv = ctype && (strstr(ctype, "csv") != NULL);
    bool jsonl = ctype && (strstr(ctype, "ndjson") || strstr(ctype, "jsonl") || strstr(ctype, "json-seq") ||
                           strstr(ctype, "application/json"));
    if (!csv && !jsonl) {
        rc = vis_errf(err, VIS_EINVAL, "unsupported_media_type", "Content-Type",
                      "send tasks as text/csv (Mechanical Turk batch input) or application/x-ndjson (JSON lines)");
        goto done;
    }
    if (csv) parse_csv(&b, vars, body, len, &u);
    else parse_jsonl(&b, vars, body, len, &u);
    if (json_array_size(u.rows)) {
        json_t *first = json_array_get(u.rows, 0);
        rc = vis_errf(err, VIS_EINVAL, "invalid_tasks", "tasks", "row %lld: %s",
                      (long long)json_integer_value(json_object_get(first, "row")),
                      json_string_value(json_object_get(first, "message")));
        *out = JSON_PACK("{s:O}", "rows", u.rows);
        goto done;
    }
    size_t n = json_array_size(u.data);
    if (n == 0) {
        rc = vis_errf(err, VIS_EINVAL, "invalid_tasks", "tasks", "no task in the upload");
        goto done;
    }
    if (n > MW_MAX_TASKS_PER_UPLOAD) {
        rc = vis_errf(err, VIS_ETOOBIG, "too_many_tasks", "tasks", "at most %d tasks per upload",
                      MW_MAX_TASKS_PER_UPLOAD);
        goto done;
    }
    int64_t seq = 0, total;
    if (store_get_i64(c->db, SQL_MW_TASK_MAXSEQ, &seq, err, "i", b.id) < 0) {
        rc = err->code;
        goto done;
    }
    /* seq numbers the batch's tasks from 1: the largest is how many it holds */
    if (ckd_add(&total, seq, (int64_t)n) || total > c->cfg->mw_max_tasks_per_batch) {
        rc = vis_errf(err, VIS_ECONFLICT, "too_many_tasks", "tasks",
                      "the batch holds %lld tasks and this upload adds %zu: at most %lld tasks per batch "
                      "(microwork.max_tasks_per_batch)",
                      (long long)seq, n, (long long)c->cfg->mw_max_tasks_per_batch);
        goto done;
    }
    size_t nctl = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *g = json_array_get(u.gold, i);
        char *dtext = json_dumps(json_array_get(u.data, i), JSON_COMPACT);
        char *gtext = json_is_null(g) ? NULL : json_dumps(g, JSON_COMPACT | JSON_ENCODE_ANY);
        bool ctl = !json_is_null(g);
        nctl += ctl;
        rc = store_exec(c->db, SQL_MW_TASK_INSERT, err, "iiittii", b.id, b.client_id, seq + 1 + (int64_t)i, dtext,
                              gtext, (int64_t)ctl, ctl ? (int64_t)0 : b.overlap);
        free(dtext);
        free(gtext);
        if (rc) goto done;
    }
    char subj[48];
    snprintf(subj, sizeof subj, "batch:%lld", (long long)b.id);
    if ((rc = svc_journal(c,
                          &(svc_event){.family = MW_FAMILY,
                                       .event = "tasks_added",
                                       .subject = subj,
                                       .payload = JSON_PACK("{s:I, s:I}", "tasks", (json_int_t)(n - nctl),
                                                            "control_tasks", (json_int_t)nctl)},
                          err)))
        goto done;
    *out = JSON_PACK("{s:I, s:I, s:I}", "added", (json_int_t)n, "tasks", (json_int_t)(n - nctl), "control_tasks",
                     (json_int_t)nctl);
done:
    json_decref(vars);
    json_decref(u.data);
    json_decref(u.gold);
    json_decref(u.rows);
    mw_batch_free(&b);
    return rc;
}

/* ---- lifecycle ---- */

bool mw_batch_budget(const mw_batch *b, int64_t reg, int64_t *control, int64_t *budget, int64_t *cost)
{
    int64_t regular;
    *control = *budget = *cost = 0;
    bool over = ckd_mul(&regular, reg, b->overlap);
    if (!over && b->control_ratio_ppm > 0) {
        __int128 q = ((__int128)regular * b->control_ratio_ppm + (1000000 - b->control_ratio_ppm) - 1) /
                     (1000000 - b->control_ratio_ppm);
        over = q > INT64_MAX;
        *control = over ? 0 : (int64_t)q;
    }
    return over || ckd_add(budget, regular, *control) || mw_cost_over(b, *budget, cost);
}

int64_t mw_min_reward(const mw_ctx *c, const mw_batch *b)
{
    return (int64_t)(((__int128)c->cfg->min_hourly_micros * b->expected_s + 3599) / 3600);
}

int mw_batch_publish(mw_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mw_batch b;
    if (mw_batch_owned(c, id, &b, err)) return err->code;
    int rc = 0;
    int64_t reg = 0, ctl = 0, closed = 0;
    if (b.state != MW_B_DRAFT) {
        rc = vis_errf(err, VIS_ECONFLICT, "batch_not_draft", NULL, "batch %lld is already %s", (long long)id,
                      mw_bstate_name(b.state));
        goto done;
    }
    if ((rc = read_row(c, SQL_MW_TASK_COUNTS, b.id, (int64_t *const[]){&reg, &ctl, &closed}, 3, err))) goto done;
    if (reg == 0) {
        rc = vis_errf(err, VIS_ECONFLICT, "no_tasks", NULL, "add tasks before publishing");
        goto done;
    }
    if (b.control_ratio_ppm > 0 && ctl == 0) {
        rc = vis_errf(err, VIS_ECONFLICT, "no_control_tasks", NULL,
                      "the batch asks for control tasks: upload some with a gold answer (_gold column or \"gold\")");
        goto done;
    }
    /* fair pay: the declared time must pay at least the platform minimum */
    int64_t min = c->cfg->min_hourly_micros;
    int64_t min_reward = mw_min_reward(c, &b);
    if (b.reward < min_reward) {
        rc = vis_errf(err, VIS_EINVAL, "below_minimum_pay", "reward_micros",
                      "a reward of %lld micros for %lld s of work pays less than the platform minimum of %lld micros an "
                      "hour: the minimum reward is %lld micros",
                      (long long)b.reward, (long long)b.expected_s, (long long)min, (long long)min_reward);
        goto done;
    }
    /* the price of every answer escrow must hold, checked: reward, overlap
       and task counts come from the client */
    if ((rc = reward_limit(c, b.reward, VIS_ECONFLICT, err))) goto done;
    int64_t control, budget, cost;
    if (mw_batch_budget(&b, reg, &control, &budget, &cost)) {
        rc = vis_errf(err, VIS_ECONFLICT, "cost_too_large", "tasks",
                      "publishing %lld tasks x %lld answers at %lld micros each (reward + top-up + fee) would need "
                      "more than %lld micros in escrow, the most one batch may hold: split the batch or lower the "
                      "overlap or the reward",
                      (long long)reg, (long long)b.overlap, (long long)mw_unit_cost(&b), (long long)LEDGER_MAX_AMOUNT);
        goto done;
    }
    int64_t funds, escrow;
    char ref[48];
    snprintf(ref, sizeof ref, "batch:%lld", (long long)b.id);
    if ((rc = ledger_account(c->db, "client_funds", b.client_id, "", c->cfg->currency, &funds, err)) ||
        (rc = ledger_account(c->db, "escrow", b.client_id, ref, c->cfg->currency, &escrow, err)))
        goto done;
    ledger_leg legs[2] = {{funds, -cost}, {escrow, cost}};
    ledger_tx_in tx = {.kind = "escrow", .memo = "batch published", .family = "microwork", .subject = ref,
                       .actor_id = c->who->id, .now_ms = c->now_ms};
    rc = ledger_post(c->db, &tx, legs, 2, NULL, NULL, err);
    if (rc == VIS_ECONFLICT && !strcmp(err->kind, "insufficient_funds")) {
        int64_t have = 0;
        ledger_balance(c->db, funds, &have, NULL);
        rc = vis_errf(err, VIS_ECONFLICT, "insufficient_funds", NULL,
                      "publishing costs %lld micros (%lld answers x %lld reward + fee) but your funds hold %lld",
                      (long long)cost, (long long)budget, (long long)b.reward, (long long)have);
        goto done;
    }
    if (rc) goto done;
    if ((rc = store_exec(c->db, SQL_MW_BATCH_PUBLISH, err, "iiiii", b.id, budget, escrow, c->now_ms,
                         c->now_ms + b.lifetime_ms)))
        goto done;
    if ((rc = svc_journal(c,
                          &(svc_event){.family = MW_FAMILY,
                                       .event = "batch_published",
                                       .subject = ref,
                                       .payload = JSON_PACK("{s:I, s:I, s:I, s:I}", "tasks", (json_int_t)reg,
                                                            "control_tasks", (json_int_t)ctl, "answer_budget",
                                                            (json_int_t)budget, "escrow_micros", (json_int_t)cost)},
                          err)))
        goto done;
    mw_batch_free(&b);
    return mw_batch_get(c, id, out, err);
done:
    mw_batch_free(&b);
    return rc;
}

int mw_batch_set_state(mw_ctx *c, int64_t id, const char *action, json_t **out, vis_err *err)
{
    mw_batch b;
    if (mw_batch_owned(c, id, &b, err)) return err->code;
    mw_bstate to = MW_B_UNKNOWN;
    const char *event = NULL;
    if (!strcmp(action, "pause") && b.state == MW_B_PUBLISHED) to = MW_B_PAUSED, event = "batch_paused";
    else if (!strcmp(action, "resume") && b.state == MW_B_PAUSED) to = MW_B_PUBLISHED, event = "batch_resumed";
    else if (!strcmp(action, "cancel") && b.state != MW_B_CANCELLED && b.state != MW_B_COMPLETED)
        to = MW_B_CANCELLED, event = "batch_cancelled";
    if (!event) {
        int rc = vis_errf(err, VIS_ECONFLICT, "invalid_state", NULL, "cannot %s a batch that is %s", action,
                          mw_bstate_name(b.state));
        mw_batch_free(&b);
        return rc;
    }
    char subj[48];
    snprintf(subj, sizeof subj, "batch:%lld", (long long)id);
    int rc = store_exec(c->db, SQL_MW_BATCH_STATE, err, "it", id, mw_bstate_name(to));
    if (!rc) rc = svc_journal(c, &(svc_event){.family = MW_FAMILY, .event = event, .subject = subj}, err);
    if (!rc && to == MW_B_CANCELLED) {
        b.state = to;
        rc = mw_refund_excess(c, &b, err);
    }
    mw_batch_free(&b);
    if (rc) return rc;
    return mw_batch_get(c, id, out, err);
}
