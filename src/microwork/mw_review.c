/* mw_review — approval (paid), rejection (capped, with reasons), bonuses,
 * appeals decided by a human. */
#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"
#include "microwork/mw_int.h"
#include "store/sql_microwork.h"

int mw_approve(mw_ctx *c, int64_t asg_id, const char *reason, bool automated, vis_err *err)
{
    mw_asg a;
    if (mw_asg_load(c, asg_id, &a, err)) return err->code;
    mw_batch b;
    int rc = mw_batch_load(c, a.batch_id, &b, err);
    if (rc) {
        mw_asg_free(&a);
        return rc;
    }
    bool overturn = !strcmp(a.state, "rejected");
    if (strcmp(a.state, "submitted") && !overturn) {
        rc = vis_errf(err, VIS_ECONFLICT, "not_reviewable", NULL, "assignment %lld is %s", (long long)asg_id, a.state);
        goto done;
    }
    /* fair pay first, so this answer is paid at the current rate */
    if ((rc = mw_refresh_median(c, &b, false, err)) || (rc = mw_fair_pay(c, &b, err))) goto done;
    char subj[48], key[64];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg_id);
    snprintf(key, sizeof key, "mw:approve:%lld", (long long)asg_id);
    int64_t amount;
    if (ckd_add(&amount, b.reward, b.topup)) {
        rc = vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "batch %lld: reward + top-up overflows",
                      (long long)b.id);
        goto done;
    }
    if ((rc = mw_pay_from_escrow(c, &b, a.worker_id, amount, mw_fee_unit(&b), key, "answer approved", subj, err)) ||
        (rc = store_exec(c->db, SQL_MW_ASG_REVIEW, err, "itiIt", asg_id, "approved", c->now_ms,
                         automated || !c->who ? (int64_t)-1 : c->who->id, reason ? reason : "")) ||
        (rc = store_exec(c->db, SQL_MW_ASG_ADD_PAID, err, "ii", asg_id, amount)))
        goto done;
    if (overturn && (rc = store_exec(c->db, SQL_MW_WB_REJECTED, err, "iii", b.id, a.worker_id, (int64_t)-1))) goto done;
    if (!overturn) { /* a rejected answer was already counted as reviewed */
        if ((rc = store_exec(c->db, SQL_MW_BATCH_REVIEWED_ADD, err, "ii", b.id, (int64_t)1))) goto done;
        b.reviewed_n++;
    }
    /* an overturned rejection gives the answer's time back to active */
    rc = mw_journal(c, "approved", a.worker_id, subj, automated, overturn ? "active" : NULL, a.claimed_ms,
                    a.submitted_ms,
                    json_pack("{s:I, s:I, s:s, s:b}", "batch", (json_int_t)b.id, "paid_micros", (json_int_t)amount,
                              "reason", reason ? reason : "", "overturned_rejection", overturn),
                    NULL, err);
    if (!rc && strcmp(b.state, "published") && strcmp(b.state, "paused")) rc = mw_refund_excess(c, &b, err);
done:
    mw_asg_free(&a);
    mw_batch_free(&b);
    return rc;
}

static int load_for_client(mw_ctx *c, int64_t asg_id, mw_asg *a, mw_batch *b, vis_err *err)
{
    if (mw_asg_load(c, asg_id, a, err)) return err->code;
    if (mw_is_admin(c) || a->client_id == c->who->id) {
        if (mw_batch_load(c, a->batch_id, b, err)) {
            mw_asg_free(a);
            return err->code;
        }
        return 0;
    }
    mw_asg_free(a);
    return vis_errf(err, VIS_ENOTFOUND, "assignment_not_found", NULL, "no assignment %lld", (long long)asg_id);
}

int mw_answer_review(mw_ctx *c, int64_t asg_id, bool approve, const char *reason, json_t **out, vis_err *err)
{
    mw_asg a;
    mw_batch b;
    if (load_for_client(c, asg_id, &a, &b, err)) return err->code;
    int rc = 0;
    if (strcmp(a.state, "submitted")) {
        rc = vis_errf(err, VIS_ECONFLICT, "not_reviewable", NULL, "assignment %lld is %s, not awaiting review",
                      (long long)asg_id, a.state);
        goto done;
    }
    if (approve) {
        rc = mw_approve(c, asg_id, reason, false, err);
    } else {
        if (!reason || !*reason) {
            rc = vis_errf(err, VIS_EINVAL, "missing_field", "reason", "a rejection needs a written reason");
            goto done;
        }
        /* rejection cap: beyond a share of one worker's answers on this
           batch, only an admin may reject */
        int64_t answers = 0, rejected = 0;
        store_stmt *q = store_query(c->db, SQL_MW_WB_GET, err, "ii", b.id, a.worker_id);
        if (q && store_row(q, err) == 1) {
            answers = store_col_i64(q, 0);
            rejected = store_col_i64(q, 4);
        }
        store_done(q);
        int64_t allowed = (int64_t)((__int128)answers * c->cfg->mw_reject_cap_ppm / 1000000);
        if (allowed < 1) allowed = 1;
        if (!mw_is_admin(c) && rejected + 1 > allowed) {
            rc = vis_errf(err, VIS_ECONFLICT, "rejection_cap", NULL,
                          "rejecting this answer would reject %lld of this worker's %lld answers on the batch, above "
                          "the cap of %.0f%%: an admin must review it",
                          (long long)(rejected + 1), (long long)answers, c->cfg->mw_reject_cap_ppm / 1e4);
            goto done;
        }
        char subj[48];
        snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg_id);
        if ((rc = store_exec(c->db, SQL_MW_ASG_REVIEW, err, "itiIt", asg_id, "rejected", c->now_ms, c->who->id,
                             reason)) ||
            (rc = store_exec(c->db, SQL_MW_WB_REJECTED, err, "iii", b.id, a.worker_id, (int64_t)1)) ||
            (rc = store_exec(c->db, SQL_MW_BATCH_REVIEWED_ADD, err, "ii", b.id, (int64_t)1)) ||
            (rc = mw_journal(c, "rejected", a.worker_id, subj, false, "unpaid", a.claimed_ms, a.submitted_ms,
                             json_pack("{s:I, s:s}", "batch", (json_int_t)b.id, "reason", reason), NULL, err)))
            goto done;
        b.reviewed_n++;
        if (strcmp(b.state, "published") && strcmp(b.state, "paused")) rc = mw_refund_excess(c, &b, err);
    }
    if (!rc) {
        mw_asg_free(&a);
        if (!(rc = mw_asg_load(c, asg_id, &a, err))) *out = mw_asg_json(&a, true);
    }
done:
    mw_asg_free(&a);
    mw_batch_free(&b);
    return rc;
}

int mw_answer_bonus(mw_ctx *c, int64_t asg_id, int64_t amount, const char *reason, json_t **out, vis_err *err)
{
    mw_asg a;
    mw_batch b;
    if (load_for_client(c, asg_id, &a, &b, err)) return err->code;
    int rc = 0;
    if (a.submitted_ms < 0) {
        rc = vis_errf(err, VIS_ECONFLICT, "not_submitted", NULL, "assignment %lld has no answer to reward",
                      (long long)asg_id);
        goto done;
    }
    int64_t total; /* the answer's bonuses together stay within what one ledger movement may carry */
    if (amount <= 0 || ckd_add(&total, a.bonus, amount) || total > LEDGER_MAX_AMOUNT) {
        rc = vis_errf(err, VIS_ECONFLICT, "amount_too_large", "amount_micros",
                      "this answer has %lld micros of bonuses; with %lld more it would exceed the most one answer may "
                      "receive in bonuses (%lld micros)",
                      (long long)a.bonus, (long long)amount, (long long)LEDGER_MAX_AMOUNT);
        goto done;
    }
    int64_t funds, earn;
    char subj[48];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg_id);
    if ((rc = ledger_account(c->db, "client_funds", b.client_id, "", c->cfg->currency, &funds, err)) ||
        (rc = ledger_account(c->db, "worker_earnings", a.worker_id, "", c->cfg->currency, &earn, err)))
        goto done;
    ledger_leg legs[2] = {{funds, -amount}, {earn, amount}};
    ledger_tx_in tx = {.kind = "bonus", .memo = reason, .family = "microwork", .subject = subj,
                       .actor_id = c->who->id, .now_ms = c->now_ms};
    if ((rc = ledger_post(c->db, &tx, legs, 2, NULL, NULL, err)) ||
        (rc = store_exec(c->db, SQL_MW_ASG_ADD_BONUS, err, "ii", asg_id, amount)) ||
        (rc = mw_journal(c, "bonus", a.worker_id, subj, false, NULL, 0, 0,
                         json_pack("{s:I, s:s}", "amount_micros", (json_int_t)amount, "reason", reason), NULL, err)))
        goto done;
    mw_asg_free(&a);
    if (!(rc = mw_asg_load(c, asg_id, &a, err))) *out = mw_asg_json(&a, true);
done:
    mw_asg_free(&a);
    mw_batch_free(&b);
    return rc;
}

static json_t *appeal_json(store_stmt *q)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:I}", "id", (json_int_t)store_col_i64(q, 0),
                          "assignment_id", (json_int_t)store_col_i64(q, 1), "batch_id", (json_int_t)store_col_i64(q, 2),
                          "worker_id", (json_int_t)store_col_i64(q, 4), "message", store_col_text(q, 5), "state",
                          store_col_text(q, 6), "created_ms", (json_int_t)store_col_i64(q, 8));
    if (store_col_i64(q, 9) >= 0) {
        json_object_set_new(o, "response", json_string(store_col_text(q, 7)));
        json_object_set_new(o, "decided_ms", json_integer(store_col_i64(q, 9)));
    }
    return o;
}

int mw_appeal_create(mw_ctx *c, int64_t asg_id, const char *message, json_t **out, vis_err *err)
{
    mw_asg a;
    if (mw_asg_load(c, asg_id, &a, err)) return err->code;
    int rc = 0;
    if (a.worker_id != c->who->id) rc = vis_errf(err, VIS_ENOTFOUND, "assignment_not_found", NULL, "no assignment %lld",
                                                 (long long)asg_id);
    else if (strcmp(a.state, "rejected"))
        rc = vis_errf(err, VIS_ECONFLICT, "not_rejected", NULL, "only a rejected answer can be appealed (this one is %s)",
                      a.state);
    else if (!message || !*message)
        rc = vis_errf(err, VIS_EINVAL, "missing_field", "message", "say why the rejection is wrong");
    if (!rc) {
        int64_t exists = 0;
        int r = store_get_i64(c->db, SQL_MW_APPEAL_BY_ASG, &exists, err, "i", asg_id);
        if (r < 0) rc = err->code;
        else if (r == 1)
            rc = vis_errf(err, VIS_ECONFLICT, "already_appealed", NULL, "assignment %lld was already appealed (appeal %lld)",
                          (long long)asg_id, (long long)exists);
    }
    if (!rc) rc = store_exec(c->db, SQL_MW_APPEAL_INSERT, err, "iiiiti", asg_id, a.batch_id, a.client_id, a.worker_id,
                             message, c->now_ms);
    int64_t id = rc ? 0 : store_last_id(c->db);
    char subj[48];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg_id);
    if (!rc) rc = mw_journal(c, "appealed", a.worker_id, subj, false, NULL, 0, 0,
                             json_pack("{s:I, s:s}", "appeal", (json_int_t)id, "message", message), NULL, err);
    mw_asg_free(&a);
    if (rc) return rc;
    store_stmt *q = store_query(c->db, SQL_MW_APPEAL_GET, err, "i", id);
    if (q && store_row(q, err) == 1) *out = appeal_json(q);
    store_done(q);
    return *out ? 0 : vis_errf(err, VIS_ESTORE, NULL, NULL, "appeal vanished");
}

int mw_appeal_list(mw_ctx *c, json_t **out, vis_err *err)
{
    store_stmt *q = mw_is_admin(c) ? store_query(c->db, SQL_MW_APPEALS_ALL, err, "")
                    : !strcmp(c->who->role, "worker") ? store_query(c->db, SQL_MW_APPEALS_WORKER, err, "i", c->who->id)
                                                      : store_query(c->db, SQL_MW_APPEALS_CLIENT, err, "i", c->who->id);
    if (!q) return err->code;
    json_t *arr = json_array();
    int r;
    while ((r = store_row(q, err)) == 1) json_array_append_new(arr, appeal_json(q));
    store_done(q);
    if (r < 0) {
        json_decref(arr);
        return err->code;
    }
    *out = json_pack("{s:o}", "appeals", arr);
    return 0;
}

int mw_appeal_decide(mw_ctx *c, int64_t id, bool overturn, const char *response, json_t **out, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MW_APPEAL_GET, err, "i", id);
    if (!q) return err->code;
    int64_t asg = 0, client = 0, worker = 0;
    char state[16] = "";
    int r = store_row(q, err);
    if (r == 1) {
        asg = store_col_i64(q, 1);
        client = store_col_i64(q, 3);
        worker = store_col_i64(q, 4);
        snprintf(state, sizeof state, "%s", store_col_text(q, 6));
    }
    store_done(q);
    if (r < 0) return err->code;
    if (r == 0 || (!mw_is_admin(c) && client != c->who->id))
        return vis_errf(err, VIS_ENOTFOUND, "appeal_not_found", NULL, "no appeal %lld", (long long)id);
    if (strcmp(state, "open"))
        return vis_errf(err, VIS_ECONFLICT, "already_decided", NULL, "appeal %lld was already decided", (long long)id);
    if (!response || !*response)
        return vis_errf(err, VIS_EINVAL, "missing_field", "response", "answer the worker with written reasons");
    char subj[48];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg);
    int rc;
    if ((rc = store_exec(c->db, SQL_MW_APPEAL_DECIDE, err, "ittii", id, overturn ? "overturned" : "upheld", response,
                         c->who->id, c->now_ms)) ||
        (rc = mw_journal(c, "appeal_decided", worker, subj, false, NULL, 0, 0,
                         json_pack("{s:I, s:s, s:s}", "appeal", (json_int_t)id, "outcome",
                                   overturn ? "overturned" : "upheld", "response", response),
                         NULL, err)))
        return rc;
    if (overturn && (rc = mw_approve(c, asg, response, false, err))) return rc;
    q = store_query(c->db, SQL_MW_APPEAL_GET, err, "i", id);
    if (q && store_row(q, err) == 1) *out = appeal_json(q);
    store_done(q);
    return *out ? 0 : vis_errf(err, VIS_ESTORE, NULL, NULL, "appeal vanished");
}
