#include "visibility/rev.h"

#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

#include "core/journal.h"
#include "core/ledger.h"
#include "store/sql_visibility.h"

#define DAY_MS 86400000LL


/* ---- journal rows ---- */

typedef decision_row jrow; /* core/decisions.h */

static void jrow_read(store_stmt *q, jrow *j)
{
    memset(j, 0, sizeof *j);
    j->id = store_col_i64(q, 0);
    j->at = store_col_i64(q, 1);
    snprintf(j->family, sizeof j->family, "%s", store_col_text(q, 2));
    snprintf(j->event, sizeof j->event, "%s", store_col_text(q, 3));
    j->actor = store_col_i64(q, 4);
    j->worker = store_col_i64(q, 5);
    j->subject = mem_strdup(store_col_text(q, 6));
    j->automated = store_col_i64(q, 7) != 0;
    snprintf(j->span_kind, sizeof j->span_kind, "%s", store_col_text(q, 8));
    j->span_a = store_col_i64(q, 9);
    j->span_b = store_col_i64(q, 10);
    j->has_amount = store_col_i64(q, 11) != 0;
    j->amount = store_col_i64(q, 12);
    j->payload = json_loads(store_col_text(q, 13), 0, NULL);
    if (!j->payload) j->payload = json_object();
}

static void jrow_free(jrow *j)
{
    free(j->subject);
    json_decref(j->payload);
    memset(j, 0, sizeof *j);
}

typedef struct jrows {
    jrow  *v;
    size_t n, cap;
} jrows;

static void jrows_free(jrows *r)
{
    for (size_t i = 0; i < r->n; i++) jrow_free(&r->v[i]);
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* Append every row of the query (dropping ids already present). */
static int jrows_collect(jrows *r, store_stmt *q, vis_err *err)
{
    int s;
    while ((s = store_row(q, err)) == 1) {
        int64_t id = store_col_i64(q, 0);
        bool dup = false;
        for (size_t i = 0; i < r->n && !dup; i++) dup = r->v[i].id == id;
        if (dup) continue;
        if (r->n == r->cap) {
            size_t nc = r->cap ? r->cap * 2 : 16;
            r->v = mem_realloc(r->v, nc * sizeof *r->v);
            r->cap = nc;
        }
        jrow_read(q, &r->v[r->n++]);
    }
    store_done(q);
    return s < 0 ? err->code : 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static int cmp_jrow(const void *a, const void *b)
{
    const jrow *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Every automated decision concerning the worker, in journal order. */
static int collect(review_ctx *c, int64_t worker, jrows *out, vis_err *err)
{
    memset(out, 0, sizeof *out);
    store_stmt *q = store_query(c->db, SQL_REV_AUTOMATED_OF, err, "i", worker);
    if (!q) return err->code;
    int rc = jrows_collect(out, q, err);
    if (rc) return rc;
    /* subjects of the worker's work, and the batches/tasks/jobs they name */
    char **subj = NULL;
    size_t n = 0, cap = 0;
    q = store_query(c->db, SQL_REV_SUBJECTS_OF, err, "i", worker);
    if (!q) return err->code;
    int r;
    while ((r = store_row(q, err)) == 1 && !rc) {
        char tmp[5][64];
        int k = 0;
        snprintf(tmp[k++], sizeof tmp[0], "%s", store_col_text(q, 0));
        const char *pt = store_col_text(q, 1);
        static const char *keys[] = {"batch", "task", "job", "content"};
        if (strchr(pt, '"')) {
            json_t *pl = json_loads(pt, 0, NULL);
            for (size_t i = 0; i < 4; i++) {
                json_t *v = json_object_get(pl, keys[i]);
                if (json_is_integer(v))
                    snprintf(tmp[k++], sizeof tmp[0], "%s:%lld", keys[i], (long long)json_integer_value(v));
            }
            json_decref(pl);
        }
        for (int i = 0; i < k; i++) {
            if (!tmp[i][0]) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                subj = mem_realloc(subj, cap * sizeof *subj);
            }
            subj[n++] = mem_strdup(tmp[i]);
        }
    }
    store_done(q);
    if (r < 0 && !rc) rc = err->code;
    if (!rc && n) qsort(subj, n, sizeof *subj, cmp_str);
    for (size_t i = 0; i < n && !rc; i++) {
        if (i && !strcmp(subj[i], subj[i - 1])) continue;
        q = store_query(c->db, SQL_REV_AUTOMATED_SUBJECT, err, "t", subj[i]);
        rc = q ? jrows_collect(out, q, err) : err->code;
    }
    for (size_t i = 0; i < n; i++) free(subj[i]);
    free(subj);
    if (!rc && out->n) qsort(out->v, out->n, sizeof *out->v, cmp_jrow);
    return rc;
}

/* ---- plain language ---- */


/* The decision as the worker reads it: what its payload says, else its
 * kind's registered system, rule and text, else a generic sentence. */
static json_t *decision_json(const decision_kind *const *kinds, const jrow *j, int64_t worker)
{
    const decision_kind *kd = decision_kind_find(kinds, j->family, j->event);
    const char *system = kd ? kd->system : NULL, *rule = kd ? kd->rule : NULL, *text = kd ? kd->text : NULL;
    json_t *pl = j->payload;
    const char *ps = json_string_value(json_object_get(pl, "system"));
    const char *pr = json_string_value(json_object_get(pl, "rule"));
    const char *pe = json_string_value(json_object_get(pl, "explanation"));
    if (!pe) pe = json_string_value(json_object_get(pl, "why"));
    json_t *fig = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(pl, k, v) {
        if (strcmp(k, "system") && strcmp(k, "rule") && strcmp(k, "explanation")) json_object_set(fig, k, v);
    }
    char fallback[200];
    snprintf(fallback, sizeof fallback, "An automated decision '%s' of the %s family.", j->event, j->family);
    json_t *o = JSON_PACK("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)j->id, "at_ms",
                          (json_int_t)j->at, "family", j->family, "event", j->event, "system",
                          ps ? ps : system ? system : j->event, "rule",
                          pr ? pr : rule ? rule : "(the system recorded no rule)", "subject", j->subject, "figures",
                          fig, "explanation", pe ? pe : text ? text : fallback, "concerns",
                          j->worker == worker ? "you" : "work you did (a batch, task or job you worked on)");
    if (o && j->span_kind[0]) {
        json_object_set_new(o, "time", JSON_PACK("{s:s, s:I, s:I}", "kind", j->span_kind, "start_ms",
                                                 (json_int_t)j->span_a, "end_ms", (json_int_t)j->span_b));
    }
    if (o && j->has_amount) json_object_set_new(o, "amount_micros", json_integer(j->amount));
    return o;
}

/* ---- review requests ---- */

static json_t *req_json(store_stmt *q, int64_t now)
{
    const char *state = store_col_text(q, 6);
    int64_t due = store_col_i64(q, 8);
    bool overdue = !strcmp(state, "open") && now > due;
    json_t *remedy = json_loads(store_col_text(q, 12), 0, NULL);
    json_t *o = JSON_PACK("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b}", "id",
                          (json_int_t)store_col_i64(q, 0), "worker_id", (json_int_t)store_col_i64(q, 1), "decision_id",
                          (json_int_t)store_col_i64(q, 2), "family", store_col_text(q, 3), "event",
                          store_col_text(q, 4), "message", store_col_text(q, 5), "state", state, "status",
                          overdue ? "overdue" : state, "created_ms", (json_int_t)store_col_i64(q, 7), "due_ms",
                          (json_int_t)due, "overdue", overdue);
    if (!o) {
        json_decref(remedy);
        return NULL;
    }
    if (!strcmp(state, "open")) {
        json_object_set_new(o, "ms_left", json_integer(due - now));
    } else {
        json_object_set_new(o, "reasons", json_string(store_col_text(q, 9)));
        json_object_set_new(o, "decided_ms", json_integer(store_col_i64(q, 11)));
        json_object_set_new(o, "answered_late", json_boolean(store_col_i64(q, 11) > due));
        json_object_set_new(o, "remedy", remedy ? remedy : json_object());
        remedy = NULL;
    }
    json_decref(remedy);
    return o;
}

static int req_get(review_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, SQL_REV_GET, &q, err, "i", id)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, "review_not_found", NULL, "no review request %lld", (long long)id);
    *out = req_json(q, c->now_ms);
    store_done(q);
    return 0;
}

int review_decisions(review_ctx *c, const decision_kind *const *kinds, int64_t worker, json_t **out, vis_err *err)
{
    jrows rows;
    int rc = collect(c, worker, &rows, err);
    json_t *arr = json_array();
    for (size_t i = 0; !rc && i < rows.n; i++) {
        json_t *d = decision_json(kinds, &rows.v[i], worker);
        int64_t rid = 0;
        int r = store_get_i64(c->db, SQL_REV_BY_JOURNAL, &rid, err, "ii", worker, rows.v[i].id);
        if (r < 0) {
            json_decref(d);
            rc = err->code;
            break;
        }
        json_t *rq = NULL;
        if (r == 1 && (rc = req_get(c, rid, &rq, err))) {
            json_decref(d);
            break;
        }
        json_object_set_new(d, "review", rq ? rq : json_null());
        json_object_set_new(d, "can_request_review", json_boolean(r == 0));
        json_array_append_new(arr, d);
    }
    jrows_free(&rows);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    *out = JSON_PACK("{s:o, s:I}", "decisions", arr, "review_days", (json_int_t)c->cfg->visib_review_days);
    return 0;
}

static int journal_json(review_ctx *c, const char *family, const char *event, int64_t worker, const char *subject,
                        const char *span, int64_t a, int64_t b, json_t *payload, vis_err *err)
{
    journal_event ev = journal_event_init(family, event, c->now_ms);
    ev.actor_id = c->who ? c->who->id : -1;
    ev.worker_id = worker;
    ev.subject = subject;
    if (span) {
        ev.span_kind = span;
        ev.span_start_ms = a;
        ev.span_end_ms = b;
    }
    return journal_append_json(c->db, &ev, payload, NULL, err);
}

int review_mark_overdue(review_ctx *c, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_REV_OVERDUE_DUE, err, "i", c->now_ms);
    if (!q) return -1;
    enum { MAX = 200 };
    int64_t row[MAX][4];
    int n = 0, r;
    while (n < MAX && (r = store_row(q, err)) == 1) {
        for (int k = 0; k < 4; k++) row[n][k] = store_col_i64(q, k);
        n++;
    }
    store_done(q);
    if (r < 0) return -1;
    for (int i = 0; i < n; i++) {
        char subj[48];
        snprintf(subj, sizeof subj, "review:%lld", (long long)row[i][0]);
        if (store_exec(c->db, SQL_REV_OVERDUE_MARK, err, "ii", row[i][0], c->now_ms) ||
            journal_json(c, "visibility", "review_overdue", row[i][1], subj, NULL, 0, 0,
                         JSON_PACK("{s:I, s:I, s:I, s:s}", "review", (json_int_t)row[i][0], "decision",
                                   (json_int_t)row[i][2], "due_ms", (json_int_t)row[i][3], "explanation",
                                   "The deadline for a human answer to this review request has passed; the request "
                                   "stays open and is shown as overdue to the worker and to the admins."),
                         err))
            return -1;
    }
    return n;
}

int review_request(review_ctx *c, int64_t decision, const char *message, json_t **out, vis_err *err)
{
    if (!message || !*message)
        return vis_errf(err, VIS_EINVAL, "missing_field", "message", "say what you want reviewed and why");
    jrows rows;
    int rc = collect(c, c->who->id, &rows, err);
    const jrow *d = NULL;
    for (size_t i = 0; !rc && i < rows.n; i++)
        if (rows.v[i].id == decision) d = &rows.v[i];
    if (!rc && !d)
        rc = vis_errf(err, VIS_ENOTFOUND, "decision_not_found", NULL, "no automated decision %lld about you",
                      (long long)decision);
    int64_t exists = 0;
    if (!rc) {
        int r = store_get_i64(c->db, SQL_REV_BY_JOURNAL, &exists, err, "ii", c->who->id, decision);
        if (r < 0) rc = err->code;
        else if (r == 1)
            rc = vis_errf(err, VIS_ECONFLICT, "already_requested", NULL,
                          "you already asked for review of decision %lld (request %lld)", (long long)decision,
                          (long long)exists);
    }
    int64_t due = c->now_ms + c->cfg->visib_review_days * DAY_MS;
    if (!rc) rc = store_exec(c->db, SQL_REV_INSERT, err, "iitttii", c->who->id, decision, d->family, d->event, message,
                             c->now_ms, due);
    int64_t id = rc ? 0 : store_last_id(c->db);
    char subj[48];
    snprintf(subj, sizeof subj, "review:%lld", (long long)id);
    if (!rc)
        rc = journal_json(c, "visibility", "review_requested", c->who->id, subj, NULL, 0, 0,
                          JSON_PACK("{s:I, s:I, s:s, s:s, s:I}", "review", (json_int_t)id, "decision",
                                    (json_int_t)decision, "decision_family", d->family, "decision_event", d->event,
                                    "due_ms", (json_int_t)due),
                          err);
    jrows_free(&rows);
    if (rc) return rc;
    return req_get(c, id, out, err);
}

/* For the admins' queue: the decision under review (system, rule, figures,
 * explanation, time span — what the worker sees) and whom it is about. */
static int admin_details(review_ctx *c, const decision_kind *const *kinds, json_t *arr, vis_err *err)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        int64_t wid = json_integer_value(json_object_get(o, "worker_id"));
        int64_t jid = json_integer_value(json_object_get(o, "decision_id"));
        account a;
        vis_err ign;
        json_object_set_new(o, "worker_name", json_string(account_get(c->db, wid, &a, &ign) ? "" : a.name));
        store_stmt *q;
        if (store_one(c->db, SQL_REV_JOURNAL_GET, &q, err, "i", jid)) return err->code;
        json_t *d = NULL;
        if (q) {
            jrow j;
            jrow_read(q, &j);
            store_done(q);
            d = decision_json(kinds, &j, wid);
            if (d) json_object_del(d, "concerns");
            jrow_free(&j);
        }
        json_object_set_new(o, "decision", d ? d : json_null());
    }
    return 0;
}

int review_list(review_ctx *c, const decision_kind *const *kinds, int64_t worker, const char *state, json_t **out,
                vis_err *err)
{
    store_stmt *q = worker >= 0 ? store_query(c->db, SQL_REV_OF_WORKER, err, "i", worker)
                                : store_query(c->db, SQL_REV_ALL, err, "t", state ? state : "");
    if (!q) return err->code;
    json_t *arr = json_array();
    int64_t overdue = 0, open = 0;
    int r;
    while ((r = store_row(q, err)) == 1) {
        json_t *o = req_json(q, c->now_ms);
        if (!o) continue;
        overdue += json_is_true(json_object_get(o, "overdue"));
        open += !strcmp(json_string_value(json_object_get(o, "state")), "open");
        json_array_append_new(arr, o);
    }
    store_done(q);
    if (r < 0) {
        json_decref(arr);
        return err->code;
    }
    if (worker < 0 && admin_details(c, kinds, arr, err)) {
        json_decref(arr);
        return err->code;
    }
    *out = JSON_PACK("{s:o, s:I, s:I, s:I}", "reviews", arr, "open", (json_int_t)open, "overdue", (json_int_t)overdue,
                     "review_days", (json_int_t)c->cfg->visib_review_days);
    return 0;
}

/* ---- undo ---- */

static int pay_remedy(review_ctx *c, const jrow *d, int64_t worker, int64_t review, int64_t amount, const char *what,
                      vis_err *err)
{
    int64_t ext, earn;
    if (ledger_account(c->db, "external", 0, "visibility:remedies", c->cfg->currency, &ext, err) ||
        ledger_account(c->db, "worker_earnings", worker, "", c->cfg->currency, &earn, err))
        return err->code;
    char key[96], subj[48];
    snprintf(key, sizeof key, "visibility:review:%lld:%s", (long long)review, what);
    snprintf(subj, sizeof subj, "review:%lld", (long long)review);
    ledger_leg legs[2] = {{ext, -amount}, {earn, amount}};
    ledger_tx_in tx = {.idem_key = key, .kind = "remedy", .memo = what, .family = d->family, .subject = subj,
                       .actor_id = c->who->id, .now_ms = c->now_ms};
    return ledger_post(c->db, &tx, legs, 2, NULL, NULL, err);
}

int review_decide(review_ctx *c, const decision_kind *const *kinds, int64_t id, bool overturn, const char *reasons,
                  int64_t compensation, json_t **out, vis_err *err)
{
    if (!reasons || !*reasons)
        return vis_errf(err, VIS_EINVAL, "missing_field", "reasons", "answer the worker with written reasons");
    if (compensation && !overturn)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "compensation_micros",
                        "compensation is only paid when the decision is overturned");
    store_stmt *q;
    if (store_one(c->db, SQL_REV_GET, &q, err, "i", id)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, "review_not_found", NULL, "no review request %lld", (long long)id);
    int64_t worker = store_col_i64(q, 1), decision = store_col_i64(q, 2);
    bool open = !strcmp(store_col_text(q, 6), "open");
    store_done(q);
    if (!open) return vis_errf(err, VIS_ECONFLICT, "already_decided", NULL, "review request %lld was already answered",
                               (long long)id);
    jrow d;
    if (store_one(c->db, SQL_REV_JOURNAL_GET, &q, err, "i", decision)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, NULL, NULL, "decision %lld vanished", (long long)decision);
    jrow_read(q, &d);
    store_done(q);
    int rc = 0;
    json_t *actions = json_array();
    if (overturn) {
        /* the family's own undo, registered with its kind (core/decisions.h) */
        const decision_kind *kd = decision_kind_find(kinds, d.family, d.event);
        bool handled = kd && kd->undo;
        if (handled) rc = kd->undo(c, &d, worker, reasons, actions, err);
        /* otherwise, unpaid time the decision recorded: paid at the minimum,
           counted as active (a later span overrides the unpaid one) */
        if (!rc && !handled && !strcmp(d.span_kind, "unpaid") && d.span_b > d.span_a) {
            int64_t ms = d.span_b - d.span_a;
            int64_t pay = (int64_t)(((__int128)c->cfg->min_hourly_micros * ms + 3599999) / 3600000);
            char rs[48];
            snprintf(rs, sizeof rs, "review:%lld", (long long)id);
            if (pay > 0) rc = pay_remedy(c, &d, worker, id, pay, "unpaid time paid at the platform minimum", err);
            if (!rc)
                rc = journal_json(c, d.family, "decision_overturned", worker, d.subject, "active", d.span_a, d.span_b,
                                  JSON_PACK("{s:I, s:I, s:I}", "review", (json_int_t)id, "decision",
                                            (json_int_t)decision, "paid_micros", (json_int_t)pay),
                                  err);
            if (!rc)
                json_array_append_new(actions, JSON_PACK("{s:s, s:I, s:I}", "action",
                                                         "unpaid time paid at the platform minimum and counted as "
                                                         "active time",
                                                         "ms", (json_int_t)ms, "paid_micros", (json_int_t)pay));
        }
        if (!rc && compensation > 0) {
            rc = pay_remedy(c, &d, worker, id, compensation, "compensation decided by the reviewer", err);
            if (!rc)
                json_array_append_new(actions, JSON_PACK("{s:s, s:I}", "action", "compensation paid", "paid_micros",
                                                         (json_int_t)compensation));
        }
        if (!rc && json_array_size(actions) == 0)
            json_array_append_new(actions,
                                  JSON_PACK("{s:s}", "action", "no automatic remedy exists for this kind of decision; "
                                                               "the written reasons record the outcome"));
    }
    json_t *remedy = JSON_PACK("{s:o}", "actions", actions);
    char *rtext = json_dumps(remedy, JSON_COMPACT);
    const char *state = overturn ? "overturned" : "upheld";
    if (!rc) rc = store_exec(c->db, SQL_REV_DECIDE, err, "ittiit", id, state, reasons, c->who->id, c->now_ms, rtext);
    if (!rc && store_changes(c->db) != 1)
        rc = vis_errf(err, VIS_ECONFLICT, "already_decided", NULL, "review request %lld was already answered",
                      (long long)id);
    char subj[48];
    snprintf(subj, sizeof subj, "review:%lld", (long long)id);
    if (!rc) {
        json_t *pl = JSON_PACK("{s:I, s:I, s:s, s:s, s:O}", "review", (json_int_t)id, "decision", (json_int_t)decision,
                               "outcome", state, "reasons", reasons, "remedy", remedy);
        rc = journal_json(c, "visibility", "review_decided", worker, subj, NULL, 0, 0, pl, err);
    }
    json_decref(remedy);
    free(rtext);
    jrow_free(&d);
    if (rc) return rc;
    return req_get(c, id, out, err);
}
