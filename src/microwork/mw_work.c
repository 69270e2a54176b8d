/* mw_work — the worker's side: available batches, claim, submit, return,
 * quality control on control tasks, lease expiry and auto-approval. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/jv.h"
#include "base/mem.h"
#include "microwork/mw_int.h"
#include "store/sql_microwork.h"

void mw_asg_read(store_stmt *q, mw_asg *a)
{
    memset(a, 0, sizeof *a);
    a->id = store_col_i64(q, MW_AC_ID);
    a->task_id = store_col_i64(q, MW_AC_TASK);
    a->batch_id = store_col_i64(q, MW_AC_BATCH);
    a->worker_id = store_col_i64(q, MW_AC_WORKER);
    a->client_id = store_col_i64(q, MW_AC_CLIENT);
    a->is_control = store_col_i64(q, MW_AC_IS_CONTROL);
    a->state = mw_astate_parse(store_col_text(q, MW_AC_STATE));
    a->claimed_ms = store_col_i64(q, MW_AC_CLAIMED_MS);
    a->deadline_ms = store_col_i64(q, MW_AC_DEADLINE_MS);
    a->submitted_ms = store_col_i64(q, MW_AC_SUBMITTED_MS);
    a->duration_ms = store_col_i64(q, MW_AC_DURATION_MS);
    a->answer = mem_strdup(store_col_text(q, MW_AC_ANSWER));
    a->answer_key = mem_strdup(store_col_text(q, MW_AC_ANSWER_KEY));
    a->correct = store_col_i64(q, MW_AC_CORRECT);
    a->flagged_fast = store_col_i64(q, MW_AC_FLAGGED_FAST);
    a->auto_approve_ms = store_col_i64(q, MW_AC_AUTO_APPROVE_MS);
    a->reviewed_ms = store_col_i64(q, MW_AC_REVIEWED_MS);
    a->review_reason = mem_strdup(store_col_text(q, MW_AC_REVIEW_REASON));
    a->paid = store_col_i64(q, MW_AC_PAID);
    a->bonus = store_col_i64(q, MW_AC_BONUS);
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
    store_stmt *q;
    if (store_one(c->db, SQL_MW_ASG_GET, &q, err, "i", id)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, "assignment_not_found", NULL, "no assignment %lld", (long long)id);
    mw_asg_read(q, a);
    store_done(q);
    return 0;
}

json_t *mw_asg_json(const mw_asg *a, bool for_client)
{
    json_t *o = JSON_PACK("{s:I, s:I, s:I, s:s, s:I, s:I}", "id", (json_int_t)a->id, "batch_id",
                          (json_int_t)a->batch_id, "task_id", (json_int_t)a->task_id, "state", mw_astate_name(a->state), "claimed_ms",
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
    store_stmt *q;
    if (store_one(c->db, SQL_MW_WB_GET, &q, err, "ii", batch, worker)) return err->code;
    if (!q) return 0; /* no standing yet: all zero */
    w->claims = store_col_i64(q, 0);
    w->control_claims = store_col_i64(q, 1);
    w->control_answers = store_col_i64(q, 2);
    w->control_correct = store_col_i64(q, 3);
    w->rejected = store_col_i64(q, 4);
    w->blocked = store_col_i64(q, 5);
    snprintf(w->reason, sizeof w->reason, "%s", store_col_text(q, 6));
    store_done(q);
    return 0;
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
            json_array_append_new(blocked, JSON_PACK("{s:I, s:s, s:s}", "id", (json_int_t)b.id, "title", b.title,
                                                     "reason", w.reason));
        if (ok) {
            int64_t med_ms = b.median_n >= 3 ? b.median_ms : b.expected_s * 1000;
            json_t *o = JSON_PACK("{s:I, s:s, s:I, s:I, s:s, s:O, s:I}", "id", (json_int_t)b.id, "title", b.title,
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
    *out = JSON_PACK("{s:o, s:o, s:I}", "batches", arr, "blocked", blocked, "minimum_hourly_micros",
                     (json_int_t)c->cfg->min_hourly_micros);
    return 0;
}

/* The worker's view of an assignment; data: the task's variables (stolen),
 * or NULL to read them. */
static json_t *view(mw_ctx *c, const mw_batch *b, const mw_asg *a, json_t *data, vis_err *err)
{
    if (!data) {
        store_stmt *q;
        if (store_one(c->db, SQL_MW_TASK_GET, &q, err, "i", a->task_id)) return NULL;
        if (q) data = json_loads(store_col_text(q, MW_TC_DATA), 0, NULL);
        store_done(q);
    }
    if (!data) data = json_object();
    char *question = mw_render(b->template_text, data);
    char *html = mw_render_as(b->template_text, data, true);
    json_t *o = mw_asg_json(a, false);
    json_object_set_new(o, "task", JSON_PACK("{s:I, s:o, s:s, s:s}", "id", (json_int_t)a->task_id, "data", data,
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
    if (b.state != MW_B_PUBLISHED) {
        rc = vis_errf(err, VIS_ECONFLICT, "batch_not_open", NULL, "batch %lld is %s", (long long)batch,
                      mw_bstate_name(b.state));
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
        store_stmt *q;
        if ((rc = store_one(c->db, c_now ? SQL_MW_TASK_NEXT_CONTROL : SQL_MW_TASK_NEXT, &q, err, "ii", b.id,
                            c->who->id)))
            goto done;
        if (q) {
            task = store_col_i64(q, 0);
            data = json_loads(store_col_text(q, 1), 0, NULL);
            ctl = c_now;
            store_done(q);
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
    if ((rc = svc_journal(
             c,
             &(svc_event){.family = MW_FAMILY,
                          .event = "claimed",
                          .worker = c->who->id,
                          .subject = subj,
                          .payload = JSON_PACK("{s:I, s:I, s:I}", "batch", (json_int_t)b.id, "task", (json_int_t)task,
                                               "deadline_ms", (json_int_t)(c->now_ms + b.lease_ms))},
             err))) {
        json_decref(data);
        goto done;
    }
    /* the new assignment as it was just written (no re-read) */
    mw_asg a = {.id = asg, .task_id = task, .batch_id = b.id, .worker_id = c->who->id, .client_id = b.client_id,
                .is_control = ctl, .claimed_ms = c->now_ms, .deadline_ms = c->now_ms + b.lease_ms,
                .submitted_ms = -1, .duration_ms = -1, .correct = -1, .auto_approve_ms = -1, .reviewed_ms = -1};
    a.state = MW_A_LEASED;
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
        keys[n] = mem_strdup(store_col_text(q, 1));
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

/* Is the answer (its key) the control task's gold? *correct = 1 or 0. A gold
 * that cannot be read fails the submit: a worker is never scored, and so
 * never blocked, on a read that did not happen. */
static int control_correct(mw_ctx *c, const mw_batch *b, int64_t task, const char *key, int64_t *correct,
                           vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, SQL_MW_TASK_GET, &q, err, "i", task)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, "task_not_found", NULL, "no task %lld", (long long)task);
    char *gkey = NULL, *gjs = NULL;
    json_t *g = json_loads(store_col_text(q, MW_TC_GOLD), JSON_DECODE_ANY, NULL);
    store_done(q);
    vis_err e2;
    int rc = g ? mw_answer_check(b, g, &gjs, &gkey, &e2) : VIS_EINVAL;
    json_decref(g);
    free(gjs);
    if (rc) {
        free(gkey);
        return vis_errf(err, VIS_ESTORE, "gold_unreadable", NULL, "the gold answer of control task %lld cannot be read",
                        (long long)task);
    }
    *correct = !strcmp(gkey, key);
    free(gkey);
    return 0;
}

/* Count the answer on its task; a regular task closes with its last answer
 * (*closed). */
static int task_answered(mw_ctx *c, const mw_asg *a, int64_t *done_n, bool *closed, vis_err *err)
{
    *done_n = 0;
    *closed = false;
    if (store_exec(c->db, SQL_MW_TASK_DONE, err, "i", a->task_id)) return err->code;
    store_stmt *q;
    if (store_one(c->db, SQL_MW_TASK_DONE_GET, &q, err, "i", a->task_id)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, "task_not_found", NULL, "no task %lld", (long long)a->task_id);
    *done_n = store_col_i64(q, 0);
    int64_t needed_n = store_col_i64(q, 1);
    store_done(q);
    if (a->is_control || *done_n < needed_n) return 0;
    *closed = true;
    return store_exec(c->db, SQL_MW_TASK_CLOSE, err, "i", a->task_id);
}

/* Automated decision "quality_control": after a control answer, block the
 * worker from the batch when their smoothed skill is below the batch's
 * minimum after its minimum number of control answers. */
static int decide_quality_control(mw_ctx *c, const mw_batch *b, int64_t correct, vis_err *err)
{
    wb cur;
    if (store_exec(c->db, SQL_MW_WB_CONTROL, err, "iii", b->id, c->who->id, correct) ||
        wb_get(c, b->id, c->who->id, &cur, err))
        return err->code;
    int64_t n = cur.control_answers, ok = cur.control_correct;
    int64_t sk = skill_ppm(ok, n);
    if (!(b->min_skill_ppm > 0 && n >= b->min_control && sk < b->min_skill_ppm)) return 0;
    char reason[300];
    snprintf(reason, sizeof reason,
             "automated quality control: your skill on control tasks is %.2f (%lld correct of %lld, smoothed "
             "(correct+1)/(answers+2)), below this batch's minimum of %.2f",
             sk / 1e6, (long long)ok, (long long)n, b->min_skill_ppm / 1e6);
    int64_t jid = 0;
    char bsubj[48];
    snprintf(bsubj, sizeof bsubj, "batch:%lld", (long long)b->id);
    json_t *pl = JSON_PACK("{s:s, s:s, s:I, s:f, s:f, s:I, s:I, s:I, s:f, s:s, s:s}", "system", "quality_control",
                           "rule", "skill < min_skill after at least min_control_answers control answers", "batch",
                           (json_int_t)b->id, "skill", sk / 1e6, "min_skill", b->min_skill_ppm / 1e6,
                           "control_answers", (json_int_t)n, "control_correct", (json_int_t)ok,
                           "min_control_answers", (json_int_t)b->min_control, "control_ratio",
                           b->control_ratio_ppm / 1e6, "skill_formula", "(control_correct + 1) / (control_answers + 2)",
                           "explanation", reason);
    if (svc_journal(c,
                    &(svc_event){.family = MW_FAMILY,
                                 .event = "blocked",
                                 .worker = c->who->id,
                                 .subject = bsubj,
                                 .automated = true,
                                 .payload = pl,
                                 .id_out = &jid},
                    err) ||
        store_exec(c->db, SQL_MW_WB_BLOCK, err, "iiiti", b->id, c->who->id, (int64_t)1, reason, jid))
        return err->code;
    return 0;
}

/* Automated decision "dynamic_overlap": once a task's leading answer reaches
 * the batch's confidence target, close the task early and return the
 * answers it no longer needs to the client. */
static int decide_early_close(mw_ctx *c, mw_batch *b, int64_t task, vis_err *err)
{
    double conf;
    if (task_confidence(c, b, task, &conf, err)) return err->code;
    if (conf * 1e6 < (double)b->conf_target_ppm) return 0;
    store_stmt *q;
    if (store_one(c->db, SQL_MW_TASK_GET, &q, err, "i", task)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, "task_not_found", NULL, "no task %lld", (long long)task);
    int64_t needed = store_col_i64(q, MW_TC_NEEDED), taken = store_col_i64(q, MW_TC_TAKEN);
    store_done(q);
    if (needed <= taken) return 0;
    char tsubj[48];
    snprintf(tsubj, sizeof tsubj, "task:%lld", (long long)task);
    if (store_exec(c->db, SQL_MW_TASK_CLOSE_EARLY, err, "i", task) ||
        store_exec(c->db, SQL_MW_BATCH_BUDGET_ADD, err, "ii", b->id, taken - needed) ||
        svc_journal(c,
                    &(svc_event){.family = MW_FAMILY,
                                 .event = "task_closed_early",
                                 .subject = tsubj,
                                 .automated = true,
                                 .payload = JSON_PACK("{s:s, s:f, s:f, s:I}", "system", "dynamic_overlap", "confidence",
                                                      conf, "target", b->conf_target_ppm / 1e6, "answers_saved",
                                                      (json_int_t)(needed - taken))},
                    err))
        return err->code;
    b->budget += taken - needed;
    return mw_refund_excess(c, b, err);
}

/* The batch completes when every regular task is closed: checked only by a
 * submit that may have closed one (its own, or one closed early). */
static int decide_completion(mw_ctx *c, mw_batch *b, bool closed_now, vis_err *err)
{
    int64_t open = 1;
    int has_open = 1;
    if (closed_now || b->conf_target_ppm > 0)
        has_open = store_get_i64(c->db, SQL_MW_TASK_OPEN_REGULAR, &open, err, "i", b->id);
    if (has_open < 0 || store_exec(c->db, SQL_MW_BATCH_SUBMITTED_ADD, err, "i", b->id)) return err->code;
    if (has_open != 0 || b->state != MW_B_PUBLISHED) return 0;
    char bsubj[48];
    snprintf(bsubj, sizeof bsubj, "batch:%lld", (long long)b->id);
    if (store_exec(c->db, SQL_MW_BATCH_STATE, err, "it", b->id, mw_bstate_name(MW_B_COMPLETED)) ||
        svc_journal(c, &(svc_event){.family = MW_FAMILY, .event = "batch_completed", .subject = bsubj}, err))
        return err->code;
    b->state = MW_B_COMPLETED;
    return mw_refund_excess(c, b, err);
}

/* May this assignment be answered now? */
static int submit_check(mw_ctx *c, const mw_asg *a, vis_err *err)
{
    /* an expired lease says so whether or not a sweep has released it yet */
    if (a->state != MW_A_LEASED && a->state != MW_A_EXPIRED)
        return vis_errf(err, VIS_ECONFLICT, "not_leased", NULL, "assignment %lld is %s", (long long)a->id,
                        mw_astate_name(a->state));
    if (a->state == MW_A_EXPIRED || a->deadline_ms < c->now_ms)
        return vis_errf(err, VIS_ECONFLICT, "lease_expired", NULL, "the lease of assignment %lld expired",
                        (long long)a->id);
    return 0;
}

/* Record an answer, then take the three automated decisions it may trigger:
 * quality control (control tasks), early close (dynamic overlap) and batch
 * completion. */
int mw_submit(mw_ctx *c, int64_t asg_id, json_t *body, json_t **out, vis_err *err)
{
    static const jv_field fields[] = {{"answer", JV_ANY, true, 0, 0}, {NULL, 0, 0, 0, 0}};
    if (jv_check(body, fields, err)) return err->code;
    mw_asg a;
    if (mw_asg_load(c, asg_id, &a, err)) return err->code;
    if (a.worker_id != c->who->id) {
        mw_asg_free(&a);
        return vis_errf(err, VIS_ENOTFOUND, "assignment_not_found", NULL, "no assignment %lld", (long long)asg_id);
    }
    mw_batch b;
    if (mw_batch_load(c, a.batch_id, &b, err)) {
        mw_asg_free(&a);
        return err->code;
    }
    int rc = 0;
    char *js = NULL, *key = NULL;
    int64_t dur = c->now_ms - a.claimed_ms, correct = -1, done_n = 0;
    bool closed = false;
    if ((rc = submit_check(c, &a, err)) || (rc = mw_answer_check(&b, json_object_get(body, "answer"), &js, &key, err)))
        goto done;
    if (a.is_control && (rc = control_correct(c, &b, a.task_id, key, &correct, err))) goto done;
    if ((rc = mw_refresh_median(c, &b, false, err))) goto done;
    bool fast = b.median_n >= 10 && dur * 4 < b.median_ms;
    if ((rc = store_exec(c->db, SQL_MW_ASG_SUBMIT, err, "iiittIii", asg_id, c->now_ms, dur, js, key, correct,
                         (int64_t)fast, c->now_ms + b.auto_approve_ms)) ||
        (rc = task_answered(c, &a, &done_n, &closed, err)))
        goto done;
    char subj[48];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg_id);
    if ((rc = svc_journal(c,
                          &(svc_event){.family = MW_FAMILY,
                                       .event = "submitted",
                                       .worker = c->who->id,
                                       .subject = subj,
                                       .span_kind = "active",
                                       .span_start_ms = a.claimed_ms,
                                       .span_end_ms = c->now_ms,
                                       .payload = JSON_PACK("{s:I, s:I, s:I, s:b}", "batch", (json_int_t)b.id, "task",
                                                            (json_int_t)a.task_id, "seconds", (json_int_t)(dur / 1000),
                                                            "flagged_fast", fast)},
                          err)))
        goto done;
    if (a.is_control) rc = decide_quality_control(c, &b, correct, err);
    else if (b.conf_target_ppm > 0 && done_n >= 2) rc = decide_early_close(c, &b, a.task_id, err);
    if (rc || (rc = decide_completion(c, &b, closed, err))) goto done;
    /* the assignment as just written (no re-read) */
    a.state = MW_A_SUBMITTED;
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
static int release(mw_ctx *c, mw_asg *a, mw_astate state, int64_t span_end, vis_err *err)
{
    char subj[48];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)a->id);
    int rc;
    if ((rc = store_exec(c->db, SQL_MW_ASG_SET_STATE, err, "it", a->id, mw_astate_name(state))) ||
        (!a->is_control && (rc = store_exec(c->db, SQL_MW_TASK_UNTAKE, err, "i", a->task_id))) ||
        (rc = store_exec(c->db, SQL_MW_BATCH_COMMIT_ADD, err, "ii", a->batch_id, (int64_t)-1)))
        return rc;
    bool expired = state == MW_A_EXPIRED;
    json_t *pl = JSON_PACK("{s:I, s:I, s:s}", "batch", (json_int_t)a->batch_id, "task", (json_int_t)a->task_id, "why",
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
    return svc_journal(c,
                       &(svc_event){.family = MW_FAMILY,
                                    .event = expired ? "lease_expired" : "returned",
                                    .worker = a->worker_id,
                                    .subject = subj,
                                    .automated = expired,
                                    .span_kind = "unpaid",
                                    .span_start_ms = a->claimed_ms,
                                    .span_end_ms = span_end,
                                    .payload = pl},
                       err);
}

int mw_return(mw_ctx *c, int64_t asg_id, json_t **out, vis_err *err)
{
    mw_asg a;
    if (mw_asg_load(c, asg_id, &a, err)) return err->code;
    int rc = 0;
    if (a.worker_id != c->who->id) rc = vis_errf(err, VIS_ENOTFOUND, "assignment_not_found", NULL, "no assignment %lld",
                                                 (long long)asg_id);
    else if (a.state != MW_A_LEASED)
        rc = vis_errf(err, VIS_ECONFLICT, "not_leased", NULL, "assignment %lld is %s", (long long)asg_id,
                      mw_astate_name(a.state));
    else if (!(rc = release(c, &a, MW_A_RETURNED, c->now_ms, err))) {
        a.state = MW_A_RETURNED;
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
    return mw_asg_rows(q, for_client, arr, err);
}

/* The rows of an assignment query (ASG_COLS) as JSON; the statement is done. */
int mw_asg_rows(store_stmt *q, bool for_client, json_t **arr, vis_err *err)
{
    *arr = NULL;
    json_t *a = json_array();
    int r, rc = 0;
    while ((r = store_row(q, err)) == 1) {
        mw_asg x;
        mw_asg_read(q, &x);
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
            if (!*out) rc = err->code;
            mw_batch_free(&b);
        }
    }
    mw_asg_free(&a);
    return rc;
}

int mw_my_assignments(mw_ctx *c, int64_t before, int64_t limit, json_t **out, vis_err *err)
{
    json_t *arr;
    if (mw_sweep(c, err) < 0) return err->code;
    store_stmt *q = store_query(c->db, SQL_MW_ASG_OF_WORKER, err, "iii", c->who->id, before, limit);
    if (!q || mw_asg_rows(q, false, &arr, err)) return err->code;
    size_t n = json_array_size(arr);
    json_t *last = n ? json_object_get(json_array_get(arr, n - 1), "id") : NULL;
    *out = JSON_PACK("{s:o, s:o}", "assignments", arr, "next_before",
                     (int64_t)n == limit && last ? json_integer(json_integer_value(last)) : json_null());
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
            int rc = release(c, &a, MW_A_EXPIRED, a.deadline_ms, err);
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
