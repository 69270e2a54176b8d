/* mw_work — the worker's side: available batches, claim, submit, return,
 * quality control on control tasks, lease expiry and auto-approval. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/jv.h"
#include "microwork/mw_int.h"
#include "store/sql_microwork.h"

int mw_asg_read(store_stmt *q, mw_asg *a)
{
    memset(a, 0, sizeof *a);
    int i = 0;
    a->id = store_col_i64(q, i++);
    a->task_id = store_col_i64(q, i++);
    a->batch_id = store_col_i64(q, i++);
    a->worker_id = store_col_i64(q, i++);
    a->client_id = store_col_i64(q, i++);
    a->is_control = store_col_i64(q, i++);
    snprintf(a->state, sizeof a->state, "%s", store_col_text(q, i++));
    a->claimed_ms = store_col_i64(q, i++);
    a->deadline_ms = store_col_i64(q, i++);
    a->submitted_ms = store_col_i64(q, i++);
    a->duration_ms = store_col_i64(q, i++);
    a->answer = strdup(store_col_text(q, i++));
    a->answer_key = strdup(store_col_text(q, i++));
    a->correct = store_col_i64(q, i++);
    a->flagged_fast = store_col_i64(q, i++);
    a->auto_approve_ms = store_col_i64(q, i++);
    a->reviewed_ms = store_col_i64(q, i++);
    a->review_reason = strdup(store_col_text(q, i++));
    a->paid = store_col_i64(q, i++);
    a->bonus = store_col_i64(q, i++);
    if (!a->answer || !a->answer_key || !a->review_reason) {
        mw_asg_free(a);
        return VIS_ENOMEM;
    }
    return 0;
}

void mw_asg_free(mw_asg *a)
{
    free(a->answer);
    free(a->answer_key);
    free(a->review_reason);
    memset(a, 0, sizeof *a);
}

int mw_asg_load(mw_ctx *c, int64_t id, mw_asg *a, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MW_ASG_GET, err, "i", id);
    if (!q) return err->code;
    int r = store_row(q, err);
    int rc = r == 1 ? mw_asg_read(q, a) : 0;
    store_done(q);
    if (r < 0) return err->code;
    if (rc) return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
    if (r == 0) return vis_errf(err, VIS_ENOTFOUND, "assignment_not_found", NULL, "no assignment %lld", (long long)id);
    return 0;
}

json_t *mw_asg_json(const mw_asg *a, bool for_client)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:I, s:I}", "id", (json_int_t)a->id, "batch_id",
                          (json_int_t)a->batch_id, "task_id", (json_int_t)a->task_id, "state", a->state, "claimed_ms",
                          (json_int_t)a->claimed_ms, "deadline_ms", (json_int_t)a->deadline_ms);
    if (for_client) json_object_set_new(o, "worker_id", json_integer(a->worker_id));
    if (a->submitted_ms >= 0) {
        json_object_set_new(o, "submitted_ms", json_integer(a->submitted_ms));
        json_object_set_new(o, "seconds", json_real(a->duration_ms / 1000.0));
        json_t *ans = json_loads(a->answer, JSON_DECODE_ANY, NULL);
        json_object_set_new(o, "answer", ans ? ans : json_null());
        json_object_set_new(o, "auto_approve_ms", json_integer(a->auto_approve_ms));
        if (for_client) {
            json_object_set_new(o, "flagged_fast", json_boolean(a->flagged_fast));
            json_object_set_new(o, "control", json_boolean(a->is_control));
            if (a->is_control) json_object_set_new(o, "correct", json_boolean(a->correct == 1));
        }
    }
    if (a->reviewed_ms >= 0) {
        json_object_set_new(o, "reviewed_ms", json_integer(a->reviewed_ms));
        json_object_set_new(o, "review_reason", json_string(a->review_reason));
    }
    json_object_set_new(o, "paid_micros", json_integer(a->paid));
    json_object_set_new(o, "bonus_micros", json_integer(a->bonus));
    return o;
}

/* ---- worker standing on a batch ---- */

typedef struct wb {
    int64_t claims, control_claims, control_answers, control_correct, rejected, blocked;
    char    reason[300];
} wb;

static int wb_get(mw_ctx *c, int64_t batch, int64_t worker, wb *w, vis_err *err)
{
    memset(w, 0, sizeof *w);
    store_stmt *q = store_query(c->db, SQL_MW_WB_GET, err, "ii", batch, worker);
    if (!q) return err->code;
    int r = store_row(q, err);
    if (r == 1) {
        w->claims = store_col_i64(q, 0);
        w->control_claims = store_col_i64(q, 1);
        w->control_answers = store_col_i64(q, 2);
        w->control_correct = store_col_i64(q, 3);
        w->rejected = store_col_i64(q, 4);
        w->blocked = store_col_i64(q, 5);
        snprintf(w->reason, sizeof w->reason, "%s", store_col_text(q, 6));
    }
    store_done(q);
    return r < 0 ? err->code : 0;
}

/* smoothed accuracy on control tasks, in ppm */
static int64_t skill_ppm(int64_t correct, int64_t n) { return (correct + 1) * 1000000 / (n + 2); }

/* Can the worker work on this batch? 0 or an error saying why not. */
static int eligible(mw_ctx *c, mw_batch *b, int64_t worker, wb *w, vis_err *err)
{
    if (wb_get(c, b->id, worker, w, err)) return err->code;
    if (w->blocked)
        return vis_errf(err, VIS_EFORBIDDEN, "blocked", NULL, "you are blocked from batch %lld: %s", (long long)b->id,
                        w->reason);
    if (b->qualification > 0) {
        mw_batch q;
        wb qw;
        if (mw_batch_load(c, b->qualification, &q, err)) return err->code;
        int rc = wb_get(c, q.id, worker, &qw, err);
        int64_t need_n = q.min_control, need_s = q.min_skill_ppm;
        mw_batch_free(&q);
        if (rc) return rc;
        if (qw.blocked || qw.control_answers < need_n || skill_ppm(qw.control_correct, qw.control_answers) < need_s)
            return vis_errf(err, VIS_EFORBIDDEN, "not_qualified", NULL,
                            "batch %lld requires passing qualification batch %lld first", (long long)b->id,
                            (long long)b->qualification);
    }
    return 0;
}

int mw_available(mw_ctx *c, json_t **out, vis_err *err)
{
    if (mw_sweep(c, err) < 0) return err->code;
    size_t n = 0;
    int64_t *ids = NULL;
    if (store_ids(c->db, SQL_MW_BATCH_IDS_PUBLISHED, &ids, &n, err, "")) return err->code;
    int r = 0;
    json_t *arr = json_array(), *blocked = json_array();
    for (size_t i = 0; i < n && r >= 0; i++) {
        mw_batch b;
        wb w;
        memset(&w, 0, sizeof w);
        vis_err e2;
        if (mw_batch_load(c, ids[i], &b, err)) {
            r = -1;
            break;
        }
        bool ok = b.expires_ms > c->now_ms && b.committed < b.budget && eligible(c, &b, c->who->id, &w, &e2) == 0;
        if (w.blocked) /* say where the worker is blocked, and why */
            json_array_append_new(blocked, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)b.id, "title", b.title,
                                                     "reason", w.reason));
        if (ok) {
            int64_t med_ms = b.median_n >= 3 ? b.median_ms : b.expected_s * 1000;
            json_t *o = json_pack("{s:I, s:s, s:I, s:I, s:s, s:O, s:I}", "id", (json_int_t)b.id, "title", b.title,
                                  "reward_micros", (json_int_t)(b.reward + b.topup), "expected_seconds",
                                  (json_int_t)b.expected_s, "answer_type", b.answer_type, "labels", b.labels,
                                  "answers_left", (json_int_t)(b.budget - b.committed));
            account cl;
            vis_err e3;
            json_object_set_new(o, "client_name", account_get(c->db, b.client_id, &cl, &e3) ? json_null() : json_string(cl.name));
            json_object_set_new(o, "lease_seconds", json_integer(b.lease_ms / 1000));
            json_object_set_new(o, "median_answer_seconds", b.median_n >= 3 ? json_real(b.median_ms / 1000.0) : json_null());
            json_object_set_new(o, "hourly_micros",
                                json_integer(med_ms > 0 ? (json_int_t)((__int128)(b.reward + b.topup) * 3600000 / med_ms) : 0));
            json_object_set_new(o, "hourly_basis", json_string(b.median_n >= 3 ? "measured median" : "client's estimate"));
            /* the guarantee: pay on this batch reaches the minimum over the
               worker's own time, each answer counted up to this */
            json_object_set_new(o, "fair_pay_time_cap_seconds", json_integer(mw_fair_cap_ms(&b) / 1000));
            json_array_append_new(arr, o);
        }
        mw_batch_free(&b);
    }
    free(ids);
    if (r < 0) {
        json_decref(arr);
        json_decref(blocked);
        return err->code;
    }
    *out = json_pack("{s:o, s:o, s:I}", "batches", arr, "blocked", blocked, "minimum_hourly_micros",
                     (json_int_t)c->cfg->min_hourly_micros);
    return 0;
}

/* The worker's view of an assignment; data: the task's variables (stolen),
 * or NULL to read them. */
static json_t *view(mw_ctx *c, const mw_batch *b, const mw_asg *a, json_t *data, vis_err *err)
{
    if (!data) {
        store_stmt *q = store_query(c->db, SQL_MW_TASK_GET, err, "i", a->task_id);
        if (q && store_row(q, err) == 1) data = json_loads(store_col_text(q, 3), 0, NULL);
        store_done(q);
    }
    if (!data) data = json_object();
    char *question = mw_render(b->template_text, data);
    char *html = mw_render_as(b->template_text, data, true);
    json_t *o = mw_asg_json(a, false);
    json_object_set_new(o, "task", json_pack("{s:I, s:o, s:s, s:s}", "id", (json_int_t)a->task_id, "data", data,
                                             "question", question ? question : "", "question_html", html ? html : ""));
    json_object_set_new(o, "batch_title", json_string(b->title));
    free(html);
    json_object_set_new(o, "answer_type", json_string(b->answer_type));
    json_object_set_new(o, "labels", json_copy(b->labels));
    json_object_set_new(o, "reward_micros", json_integer(b->reward + b->topup));
    json_object_set_new(o, "lease_seconds", json_integer(b->lease_ms / 1000));
    /* the platform's clock when this answer was made, so a page can count the
     * lease down without trusting its own clock */
    json_object_set_new(o, "now_ms", json_integer(c->now_ms));
    free(question);
    return o;
}

static json_t *assignment_view(mw_ctx *c, const mw_batch *b, int64_t asg_id, vis_err *err)
{
    mw_asg a;
    if (mw_asg_load(c, asg_id, &a, err)) return NULL;
    json_t *o = view(c, b, &a, NULL, err);
    mw_asg_free(&a);
    return o;
}

int mw_claim(mw_ctx *c, int64_t batch, json_t **out, vis_err *err)
{
    if (mw_sweep(c, err) < 0) return err->code;
    mw_batch b;
    if (mw_batch_load(c, batch, &b, err)) return err->code;
    int rc = 0;
    wb w;
    int64_t live = 0, task = 0;
    bool ctl = false;
    if (strcmp(b.state, "published")) {
        rc = vis_errf(err, VIS_ECONFLICT, "batch_not_open", NULL, "batch %lld is %s", (long long)batch, b.state);
        goto done;
    }
    if (b.expires_ms <= c->now_ms) {
        rc = vis_errf(err, VIS_ECONFLICT, "batch_expired", NULL, "batch %lld has expired", (long long)batch);
        goto done;
    }
    if ((rc = eligible(c, &b, c->who->id, &w, err))) goto done;
    /* one live lease per worker and batch: a repeated claim returns it */
    int r = store_get_i64(c->db, SQL_MW_ASG_LIVE, &live, err, "ii", b.id, c->who->id);
    if (r < 0) {
        rc = err->code;
        goto done;
    }
    if (r == 1) {
        *out = assignment_view(c, &b, live, err);
        rc = *out ? 0 : err->code;
        goto done;
    }
    if (b.committed >= b.budget) {
        rc = vis_errf(err, VIS_ECONFLICT, "batch_exhausted", NULL, "batch %lld has no answers left to give",
                      (long long)batch);
        goto done;
    }
    /* control tasks at the batch's ratio of this worker's claims */
    bool want_ctl = b.control_ratio_ppm > 0 && w.control_claims * 1000000 < b.control_ratio_ppm * (w.claims + 1);
    json_t *data = NULL;
    for (int pass = 0; pass < 2 && !task; pass++) {
        bool c_now = pass == 0 ? want_ctl : !want_ctl;
        if (c_now && b.control_ratio_ppm == 0) continue;
        if (c_now && pass == 1) {
            /* no regular task left for this worker (they came late, or did
               every open one): a control task still, so that they are
               measured and may qualify — while they have fewer control
               answers than the batch needs to measure them, and only from
               the answers the budget holds beyond what the open regular
               tasks still need (the control share), never from those */
            int64_t need = b.min_control > 1 ? b.min_control : 1, left = 0;
            if (w.control_answers >= need) break;
            if (store_get_i64(c->db, SQL_MW_TASK_REGULAR_LEFT, &left, err, "i", b.id) < 0) {
                rc = err->code;
                goto done;
            }
            if (b.budget - b.committed <= left) break;
        }
        store_stmt *q = store_query(c->db, c_now ? SQL_MW_TASK_NEXT_CONTROL : SQL_MW_TASK_NEXT, err, "ii", b.id,
                                    c->who->id);
        r = q ? store_row(q, err) : -1;
        if (r == 1) {
            task = store_col_i64(q, 0);
            data = json_loads(store_col_text(q, 1), 0, NULL);
            ctl = c_now;
        }
        store_done(q);
        if (r < 0) {
            rc = err->code;
            goto done;
        }
    }
    if (!task) {
        rc = vis_errf(err, VIS_ECONFLICT, "no_task", NULL, "no task left for you in batch %lld", (long long)batch);
        goto done;
    }
    if ((rc = store_exec(c->db, SQL_MW_ASG_INSERT, err, "iiiiiii", task, b.id, c->who->id, b.client_id, (int64_t)ctl,
                         c->now_ms, c->now_ms + b.lease_ms))) {
        json_decref(data);
        goto done;
    }
    int64_t asg = store_last_id(c->db);
    if ((!ctl && (rc = store_exec(c->db, SQL_MW_TASK_TAKE, err, "i", task))) ||
        (rc = store_exec(c->db, SQL_MW_BATCH_COMMIT_ADD, err, "ii", b.id, (int64_t)1)) ||
        (rc = store_exec(c->db, SQL_MW_WB_CLAIM_UPSERT, err, "iii", b.id, c->who->id, (int64_t)ctl))) {
        json_decref(data);
        goto done;
    }
    char subj[48];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg);
    if ((rc = mw_journal(c, "claimed", c->who->id, subj, false, NULL, 0, 0,
                         json_pack("{s:I, s:I, s:I}", "batch", (json_int_t)b.id, "task", (json_int_t)task,
                                   "deadline_ms", (json_int_t)(c->now_ms + b.lease_ms)),
                         NULL, err))) {
        json_decref(data);
        goto done;
    }
    /* the new assignment as it was just written (no re-read) */
    mw_asg a = {.id = asg, .task_id = task, .batch_id = b.id, .worker_id = c->who->id, .client_id = b.client_id,
                .is_control = ctl, .claimed_ms = c->now_ms, .deadline_ms = c->now_ms + b.lease_ms,
                .submitted_ms = -1, .duration_ms = -1, .correct = -1, .auto_approve_ms = -1, .reviewed_ms = -1};
    snprintf(a.state, sizeof a.state, "leased");
    *out = view(c, &b, &a, data, err);
    if (!*out) rc = err->code;
done:
    mw_batch_free(&b);
    return rc;
}

/* one-coin posterior of the task's leading answer, with each worker's
 * control-task skill (0.7 when unknown) */
static int task_confidence(mw_ctx *c, mw_batch *b, int64_t task, double *conf, vis_err *err)
{
    *conf = 0;
    store_stmt *q = store_query(c->db, SQL_MW_ASG_TASK_ANSWERS, err, "i", task);
    if (!q) return err->code;
    enum { MAXA = 128 };
    int64_t wk[MAXA];
    char *keys[MAXA];
    int n = 0, r;
    while ((r = store_row(q, err)) == 1 && n < MAXA) {
        wk[n] = store_col_i64(q, 0);
        keys[n] = strdup(store_col_text(q, 1));
        if (keys[n]) n++;
    }
    store_done(q);
    double s[MAXA];
    for (int i = 0; i < n; i++) {
        wb w;
        vis_err e2;
        s[i] = 0.7;
        if (wb_get(c, b->id, wk[i], &w, &e2) == 0 && w.control_answers > 0)
            s[i] = (double)(w.control_correct + 1) / (double)(w.control_answers + 2);
        if (s[i] > 0.99) s[i] = 0.99;
        if (s[i] < 0.01) s[i] = 0.01;
    }
    int k = strcmp(b->answer_type, "single") == 0 ? (int)json_array_size(b->labels) : n + 1;
    if (k < 2) k = 2;
    /* log-odds of each distinct answer against the others */
    double best = -INFINITY, total = 0;
    double lp[MAXA];
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++) if (!strcmp(keys[i], keys[j])) seen = true;
        if (seen) continue;
        double l = 0;
        for (int j = 0; j < n; j++)
            l += !strcmp(keys[i], keys[j]) ? log(s[j]) : log((1 - s[j]) / (k - 1));
        lp[distinct++] = l;
        if (l > best) best = l;
    }
    /* classes never answered share the remaining mass */
    double rest = 0;
    for (int j = 0; j < n; j++) rest += log((1 - s[j]) / (k - 1));
    for (int i = 0; i < distinct; i++) total += exp(lp[i] - best);
    if (k > distinct) total += (k - distinct) * exp(rest - best);
    *conf = n ? 1.0 / total : 0;
    for (int i = 0; i < n; i++) free(keys[i]);
    return r < 0 ? err->code : 0;
}

int mw_submit(mw_ctx *c, int64_t asg_id, json_t *body, json_t **out, vis_err *err)
{
    static const jv_field fields[] = {{"answer", JV_ANY, true, 0, 0}, {NULL, 0, 0, 0, 0}};
    if (jv_check(body, fields, err)) return err->code;
    mw_asg a;
    if (mw_asg_load(c, asg_id, &a, err)) return err->code;
    mw_batch b;
    int rc = 0;
    char *js = NULL, *key = NULL;
    if (a.worker_id != c->who->id) {
        mw_asg_free(&a);
        return vis_errf(err, VIS_ENOTFOUND, "assignment_not_found", NULL, "no assignment %lld", (long long)asg_id);
    }
    if ((rc = mw_batch_load(c, a.batch_id, &b, err))) {
        mw_asg_free(&a);
        return rc;
    }
    /* an expired lease says so whether or not a sweep has released it yet */
    if (strcmp(a.state, "leased") && strcmp(a.state, "expired")) {
        rc = vis_errf(err, VIS_ECONFLICT, "not_leased", NULL, "assignment %lld is %s", (long long)asg_id, a.state);
        goto done;
    }
    if (!strcmp(a.state, "expired") || a.deadline_ms < c->now_ms) {
        rc = vis_errf(err, VIS_ECONFLICT, "lease_expired", NULL, "the lease of assignment %lld expired",
                      (long long)asg_id);
        goto done;
    }
    if ((rc = mw_answer_check(&b, json_object_get(body, "answer"), &js, &key, err))) goto done;
    int64_t dur = c->now_ms - a.claimed_ms;
    int64_t correct = -1;
    if (a.is_control) {
        store_stmt *q = store_query(c->db, SQL_MW_TASK_GET, err, "i", a.task_id);
        if (!q) {
            rc = err->code;
            goto done;
        }
        char *gkey = NULL, *gjs = NULL;
        if (store_row(q, err) == 1) {
            json_t *g = json_loads(store_col_text(q, 4), JSON_DECODE_ANY, NULL);
            vis_err e2;
            if (g) mw_answer_check(&b, g, &gjs, &gkey, &e2);
            json_decref(g);
        }
        store_done(q);
        correct = gkey && !strcmp(gkey, key);
        free(gkey);
        free(gjs);
    }
    if ((rc = mw_refresh_median(c, &b, false, err))) goto done;
    bool fast = b.median_n >= 10 && dur * 4 < b.median_ms;
    if ((rc = store_exec(c->db, SQL_MW_ASG_SUBMIT, err, "iiittIii", asg_id, c->now_ms, dur, js, key, correct,
                         (int64_t)fast, c->now_ms + b.auto_approve_ms)))
        goto done;
    int64_t done_n = 0, needed_n = 0;
    {
        if ((rc = store_exec(c->db, SQL_MW_TASK_DONE, err, "i", a.task_id))) goto done;
        store_stmt *q = store_query(c->db, SQL_MW_TASK_DONE_GET, err, "i", a.task_id);
        int r = q ? store_row(q, err) : -1;
        if (r == 1) {
            done_n = store_col_i64(q, 0);
            needed_n = store_col_i64(q, 1);
        }
        store_done(q);
        if (r < 0) {
            rc = err->code;
            goto done;
        }
        /* a regular task closes with its last answer */
        if (!a.is_control && done_n >= needed_n && (rc = store_exec(c->db, SQL_MW_TASK_CLOSE, err, "i", a.task_id)))
            goto done;
    }
    char subj[48];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg_id);
    if ((rc = mw_journal(c, "submitted", c->who->id, subj, false, "active", a.claimed_ms, c->now_ms,
                         json_pack("{s:I, s:I, s:I, s:b}", "batch", (json_int_t)b.id, "task", (json_int_t)a.task_id,
                                   "seconds", (json_int_t)(dur / 1000), "flagged_fast", fast),
                         NULL, err)))
        goto done;
    if (a.is_control) {
        wb cur;
        if ((rc = store_exec(c->db, SQL_MW_WB_CONTROL, err, "iii", b.id, c->who->id, correct)) ||
            (rc = wb_get(c, b.id, c->who->id, &cur, err)))
            goto done;
        int64_t n = cur.control_answers, ok = cur.control_correct;
        int64_t sk = skill_ppm(ok, n);
        if (b.min_skill_ppm > 0 && n >= b.min_control && sk < b.min_skill_ppm) {
            char reason[300];
            snprintf(reason, sizeof reason,
                     "automated quality control: your skill on control tasks is %.2f (%lld correct of %lld, smoothed "
                     "(correct+1)/(answers+2)), below this batch's minimum of %.2f",
                     sk / 1e6, (long long)ok, (long long)n, b.min_skill_ppm / 1e6);
            int64_t jid = 0;
            char bsubj[48];
            snprintf(bsubj, sizeof bsubj, "batch:%lld", (long long)b.id);
            if ((rc = mw_journal(c, "blocked", c->who->id, bsubj, true, NULL, 0, 0,
                                 json_pack("{s:s, s:s, s:I, s:f, s:f, s:I, s:I, s:I, s:f, s:s, s:s}", "system",
                                           "quality_control", "rule",
                                           "skill < min_skill after at least min_control_answers control answers",
                                           "batch", (json_int_t)b.id, "skill", sk / 1e6, "min_skill",
                                           b.min_skill_ppm / 1e6, "control_answers", (json_int_t)n, "control_correct",
                                           (json_int_t)ok, "min_control_answers", (json_int_t)b.min_control,
                                           "control_ratio", b.control_ratio_ppm / 1e6, "skill_formula",
                                           "(control_correct + 1) / (control_answers + 2)", "explanation", reason),
                                 &jid, err)) ||
                (rc = store_exec(c->db, SQL_MW_WB_BLOCK, err, "iiiti", b.id, c->who->id, (int64_t)1, reason, jid)))
                goto done;
        }
    } else if (b.conf_target_ppm > 0 && done_n >= 2) {
        double conf;
        if ((rc = task_confidence(c, &b, a.task_id, &conf, err))) goto done;
        if (conf * 1e6 >= (double)b.conf_target_ppm) {
            store_stmt *q = store_query(c->db, SQL_MW_TASK_GET, err, "i", a.task_id);
            int64_t needed = 0, taken = 0;
            if (q && store_row(q, err) == 1) {
                needed = store_col_i64(q, 6);
                taken = store_col_i64(q, 7);
            }
            store_done(q);
            if (needed > taken) {
                char tsubj[48];
                snprintf(tsubj, sizeof tsubj, "task:%lld", (long long)a.task_id);
                if ((rc = store_exec(c->db, SQL_MW_TASK_CLOSE_EARLY, err, "i", a.task_id)) ||
                    (rc = store_exec(c->db, SQL_MW_BATCH_BUDGET_ADD, err, "ii", b.id, taken - needed)) ||
                    (rc = mw_journal(c, "task_closed_early", -1, tsubj, true, NULL, 0, 0,
                                     json_pack("{s:s, s:f, s:f, s:I}", "system", "dynamic_overlap", "confidence", conf,
                                               "target", b.conf_target_ppm / 1e6, "answers_saved",
                                               (json_int_t)(needed - taken)),
                                     NULL, err)))
                    goto done;
                b.budget += taken - needed;
                if ((rc = mw_refund_excess(c, &b, err))) goto done;
            }
        }
    }
    /* the batch completes when every regular task is closed */
    int64_t open = 1;
    int has_open = 1; /* only a submit that closes its task can complete the batch */
    bool closed_now = !a.is_control && done_n >= needed_n;
    if (closed_now || b.conf_target_ppm > 0)
        has_open = store_get_i64(c->db, SQL_MW_TASK_OPEN_REGULAR, &open, err, "i", b.id);
    if (has_open < 0 || (rc = store_exec(c->db, SQL_MW_BATCH_SUBMITTED_ADD, err, "i", b.id))) {
        rc = err->code;
        goto done;
    }
    if (has_open == 0 && !strcmp(b.state, "published")) {
        char bsubj[48];
        snprintf(bsubj, sizeof bsubj, "batch:%lld", (long long)b.id);
        if ((rc = store_exec(c->db, SQL_MW_BATCH_STATE, err, "it", b.id, "completed")) ||
            (rc = mw_journal(c, "batch_completed", -1, bsubj, false, NULL, 0, 0, NULL, NULL, err)))
            goto done;
        snprintf(b.state, sizeof b.state, "completed");
        if ((rc = mw_refund_excess(c, &b, err))) goto done;
    }
    /* the assignment as just written (no re-read) */
    snprintf(a.state, sizeof a.state, "submitted");
    a.submitted_ms = c->now_ms;
    a.duration_ms = dur;
    free(a.answer);
    a.answer = js;
    js = NULL;
    a.auto_approve_ms = c->now_ms + b.auto_approve_ms;
    *out = mw_asg_json(&a, false);
done:
    free(js);
    free(key);
    mw_asg_free(&a);
    mw_batch_free(&b);
    return rc;
}

/* Give a leased task back (returned by the worker, or expired). */
static int release(mw_ctx *c, mw_asg *a, const char *state, int64_t span_end, vis_err *err)
{
    char subj[48];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)a->id);
    int rc;
    if ((rc = store_exec(c->db, SQL_MW_ASG_SET_STATE, err, "it", a->id, state)) ||
        (!a->is_control && (rc = store_exec(c->db, SQL_MW_TASK_UNTAKE, err, "i", a->task_id))) ||
        (rc = store_exec(c->db, SQL_MW_BATCH_COMMIT_ADD, err, "ii", a->batch_id, (int64_t)-1)))
        return rc;
    bool expired = !strcmp(state, "expired");
    json_t *pl = json_pack("{s:I, s:I, s:s}", "batch", (json_int_t)a->batch_id, "task", (json_int_t)a->task_id, "why",
                           expired ? "the lease ran out: the task went back to the pool, unpaid"
                                   : "returned by the worker, unpaid");
    if (pl && expired) { /* the automated decision, with the lease it applied */
        int64_t lease = a->deadline_ms - a->claimed_ms;
        char ex[300];
        snprintf(ex, sizeof ex,
                 "The lease of %.0f s given when you claimed the task ran out before an answer was submitted, so "
                 "the task went back to the pool and the %.0f s are recorded as unpaid time.",
                 lease / 1000.0, (span_end - a->claimed_ms) / 1000.0);
        json_object_set_new(pl, "system", json_string("lease_expiry"));
        json_object_set_new(pl, "rule", json_string("the lease ran out before an answer was submitted"));
        json_object_set_new(pl, "lease_ms", json_integer(lease));
        json_object_set_new(pl, "claimed_ms", json_integer(a->claimed_ms));
        json_object_set_new(pl, "deadline_ms", json_integer(a->deadline_ms));
        json_object_set_new(pl, "explanation", json_string(ex));
    }
    return mw_journal(c, expired ? "lease_expired" : "returned", a->worker_id, subj, expired, "unpaid", a->claimed_ms,
                      span_end, pl, NULL, err);
}

int mw_return(mw_ctx *c, int64_t asg_id, json_t **out, vis_err *err)
{
    mw_asg a;
    if (mw_asg_load(c, asg_id, &a, err)) return err->code;
    int rc = 0;
    if (a.worker_id != c->who->id) rc = vis_errf(err, VIS_ENOTFOUND, "assignment_not_found", NULL, "no assignment %lld",
                                                 (long long)asg_id);
    else if (strcmp(a.state, "leased"))
        rc = vis_errf(err, VIS_ECONFLICT, "not_leased", NULL, "assignment %lld is %s", (long long)asg_id, a.state);
    else if (!(rc = release(c, &a, "returned", c->now_ms, err))) {
        snprintf(a.state, sizeof a.state, "returned");
        *out = mw_asg_json(&a, false);
    }
    mw_asg_free(&a);
    return rc;
}

int mw_asg_list(mw_ctx *c, const char *sql, int64_t id, bool for_client, json_t **arr, vis_err *err)
{
    *arr = NULL;
    store_stmt *q = store_query(c->db, sql, err, "i", id);
    if (!q) return err->code;
    json_t *a = json_array();
    int r, rc = 0;
    while ((r = store_row(q, err)) == 1) {
        mw_asg x;
        if (mw_asg_read(q, &x)) {
            rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
            break;
        }
        json_array_append_new(a, mw_asg_json(&x, for_client));
        mw_asg_free(&x);
    }
    store_done(q);
    if (!rc && r < 0) rc = err->code;
    if (rc) json_decref(a);
    else *arr = a;
    return rc;
}

int mw_assignment_get(mw_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    if (mw_sweep(c, err) < 0) return err->code;
    mw_asg a;
    if (mw_asg_load(c, id, &a, err)) return err->code;
    int rc = 0;
    if (a.worker_id != c->who->id) {
        rc = vis_errf(err, VIS_ENOTFOUND, "not_found", "assignment", "no assignment %lld of yours", (long long)id);
    } else {
        mw_batch b;
        if (!(rc = mw_batch_load(c, a.batch_id, &b, err))) {
            *out = view(c, &b, &a, NULL, err);
            if (!*out) rc = err->code ? err->code : VIS_ENOMEM;
            mw_batch_free(&b);
        }
    }
    mw_asg_free(&a);
    return rc;
}

int mw_my_assignments(mw_ctx *c, json_t **out, vis_err *err)
{
    json_t *arr;
    if (mw_sweep(c, err) < 0 || mw_asg_list(c, SQL_MW_ASG_OF_WORKER, c->who->id, false, &arr, err)) return err->code;
    *out = json_pack("{s:o}", "assignments", arr);
    return 0;
}

/* Everything due, in pages, whoever's request triggered it: the work is the
 * system's (journal and ledger actor -1), never the caller's. An answer
 * whose approval the client cannot fund (fair-pay top-up beyond escrow and
 * funds) stays submitted and is passed over; nothing else stops the sweep.
 * When nothing is due it costs two lookups in partial indexes. */
int mw_sweep(mw_ctx *caller, vis_err *err)
{
    mw_ctx sys = *caller, *c = &sys;
    sys.who = NULL;
    int64_t *ids;
    size_t n;
    int changed = 0;
    do {
        if (store_ids(c->db, SQL_MW_ASG_EXPIRED_DUE, &ids, &n, err, "i", c->now_ms)) return -1;
        for (size_t i = 0; i < n; i++) {
            mw_asg a;
            if (mw_asg_load(c, ids[i], &a, err)) {
                free(ids);
                return -1;
            }
            int rc = release(c, &a, "expired", a.deadline_ms, err);
            mw_asg_free(&a);
            if (rc) {
                free(ids);
                return -1;
            }
            changed++;
        }
        free(ids);
    } while (n == 500);
    int64_t after_ms = INT64_MIN, after_id = 0;
    for (;;) {
        store_stmt *q = store_query(c->db, SQL_MW_ASG_APPROVE_DUE, err, "iii", c->now_ms, after_ms, after_id);
        if (!q) return -1;
        int64_t page[500];
        int r, k = 0;
        while ((r = store_row(q, err)) == 1 && k < 500) {
            page[k++] = store_col_i64(q, 0);
            after_ms = store_col_i64(q, 1);
        }
        store_done(q);
        if (r < 0) return -1;
        for (int i = 0; i < k; i++) {
            after_id = page[i];
            if (mw_approve(c, page[i], "approved automatically: not reviewed within the batch's auto-approval delay",
                           true, err)) {
                if (!strcmp(err->kind, "insufficient_funds")) continue; /* nothing was written: left for later */
                return -1;
            }
            changed++;
        }
        if (k < 500) break;
    }
    return changed;
}
