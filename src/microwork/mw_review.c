/* mw_review — approval (paid), rejection (capped, with reasons), bonuses,
 * appeals decided by a human. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/ledger.h"
#include "microwork/mw_int.h"
#include "store/sql_microwork.h"

/* ---- fair pay, per worker ---- */

typedef struct fair {
    int64_t cap_ms;      /* the most one answer's time counts */
    int64_t n;           /* the worker's approved answers on the batch, this one included */
    int64_t active_ms;   /* their claim -> submit time */
    int64_t over_ms;     /* time beyond the cap, left out */
    int64_t over_n;      /* answers beyond the cap */
    int64_t counted_ms;  /* active - over */
    int64_t paid_before; /* rewards + top-ups already paid on the batch (bonuses apart) */
    int64_t due;         /* minimum over the counted time */
    int64_t topup;       /* paid with this approval */
    bool    this_over;   /* this answer's time is beyond the cap */
} fair;

static int fair_compute(mw_ctx *c, const mw_batch *b, const mw_asg *a, int64_t amount, fair *f, vis_err *err)
{
    memset(f, 0, sizeof *f);
    f->cap_ms = mw_fair_cap_ms(b);
    store_stmt *q;
    if (store_one(c->db, SQL_MW_WB_GET, &q, err, "ii", b->id, a->worker_id)) return err->code;
    if (q) {
        f->n = store_col_i64(q, 7);
        f->active_ms = store_col_i64(q, 8);
        f->paid_before = store_col_i64(q, 9);
        store_done(q);
    }
    if (store_one(c->db, SQL_MW_ASG_OVER_CAP, &q, err, "iii", b->id, a->worker_id, f->cap_ms)) return err->code;
    if (q) {
        f->over_ms = store_col_i64(q, 0);
        f->over_n = store_col_i64(q, 1);
        store_done(q);
    }
    int64_t d = a->duration_ms > 0 ? a->duration_ms : 0;
    f->this_over = d > f->cap_ms;
    if (f->this_over) {
        f->over_ms += d - f->cap_ms;
        f->over_n++;
    }
    f->n++;
    int64_t have;
    if (ckd_add(&f->active_ms, f->active_ms, d) || ckd_add(&have, f->paid_before, amount))
        return vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "batch %lld: the worker's totals overflow",
                        (long long)b->id);
    f->counted_ms = f->active_ms - f->over_ms;
    if (f->counted_ms < 0) f->counted_ms = 0;
    __int128 due = ((__int128)c->cfg->min_hourly_micros * f->counted_ms + 3599999) / 3600000; /* rounded up */
    if (due > LEDGER_MAX_AMOUNT)
        return vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL,
                        "batch %lld: the minimum pay over this worker's time exceeds what one payment may carry",
                        (long long)b->id);
    f->due = (int64_t)due;
    f->topup = f->due > have ? f->due - have : 0;
    return 0;
}

/* Make sure escrow holds this payment (reward + fee + top-up) and still the
 * reserve of every other answer it owes; what is missing comes from the
 * client's funds (the client agreed, at publish, to pay at least the
 * minimum), in one ledger movement with its reason. Checked before anything
 * is written: insufficient_funds changes nothing. */
static int fair_fund(mw_ctx *c, mw_batch *b, int64_t worker, int64_t pay, int64_t topup, bool counted, vis_err *err)
{
    int64_t bal = 0, funds, have = 0;
    if (ledger_balance(c->db, b->escrow_account, &bal, err)) return err->code;
    bool open = b->state == MW_B_PUBLISHED || b->state == MW_B_PAUSED;
    int64_t outstanding = (open && b->budget > b->committed ? b->budget : b->committed) - b->reviewed_n;
    if (!counted) outstanding--; /* this answer is among them unless already reviewed (an overturned rejection) */
    if (outstanding < 0) outstanding = 0;
    int64_t reserve, need, more;
    if (ckd_mul(&reserve, mw_unit_cost(b), outstanding) || ckd_add(&need, reserve, pay) ||
        ckd_add(&need, need, topup) || ckd_sub(&more, need, bal))
        return vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "batch %lld: escrow needs overflow",
                        (long long)b->id);
    if (more <= 0) return 0;
    if (ledger_account(c->db, "client_funds", b->client_id, "", c->cfg->currency, &funds, err) ||
        ledger_balance(c->db, funds, &have, err))
        return err->code;
    if (have < more)
        return vis_errf(err, VIS_ECONFLICT, "insufficient_funds", NULL,
                        "paying this answer%s needs %lld more micros in the batch's escrow than it holds, and the "
                        "client holds %lld: the client must add funds",
                        topup > 0 ? " with its fair-pay top-up" : "", (long long)more, (long long)have);
    char subj[48], memo[200];
    snprintf(subj, sizeof subj, "batch:%lld", (long long)b->id);
    snprintf(memo, sizeof memo,
             topup > 0 ? "fair-pay top-up of worker %lld: the client's funds pay the platform minimum over the "
                         "worker's counted time"
                       : "escrow refilled to pay an answer of worker %lld",
             (long long)worker);
    ledger_leg legs[2] = {{funds, -more}, {b->escrow_account, more}};
    ledger_tx_in tx = {.kind = "escrow", .memo = memo, .family = "microwork", .subject = subj, .actor_id = -1,
                       .now_ms = c->now_ms};
    return ledger_post(c->db, &tx, legs, 2, NULL, NULL, err);
}

static json_t *fair_payload(mw_ctx *c, const mw_batch *b, const mw_asg *a, const fair *f, int64_t amount)
{
    json_t *over = json_array();
    store_stmt *q = store_query(c->db, SQL_MW_ASG_OVER_CAP_LIST, NULL, "iii", b->id, a->worker_id, f->cap_ms);
    while (q && store_row(q, NULL) == 1 && json_array_size(over) < 50)
        json_array_append_new(over, JSON_PACK("{s:I, s:I, s:I}", "assignment", (json_int_t)store_col_i64(q, 0),
                                              "active_ms", (json_int_t)store_col_i64(q, 1), "counted_ms",
                                              (json_int_t)f->cap_ms));
    store_done(q); /* (called once this answer is approved: it is among them) */
    int64_t min = c->cfg->min_hourly_micros;
    char ex[900], more[400] = "";
    if (f->over_n)
        snprintf(more, sizeof more,
                 " %lld of your answers took longer than %.0f s: the time beyond it (%.0f s in all) is not counted, "
                 "so that time spent stalling on one task does not raise pay; they are listed with their times.",
                 (long long)f->over_n, f->cap_ms / 1000.0, f->over_ms / 1000.0);
    snprintf(ex, sizeof ex,
             "Your pay on batch %lld is topped up so that it reaches the platform minimum of %.2f per hour over "
             "your counted time there: %lld approved answers, %.0f s counted of %.0f s spent. Each answer's time "
             "counts up to %.0f s (%d times the batch's median answer time or the client's declared time, whichever "
             "is larger, and never more than the lease).%s This approval pays %lld micros of reward and %lld of "
             "top-up.",
             (long long)b->id, min / 1e6, (long long)f->n, f->counted_ms / 1000.0, f->active_ms / 1000.0,
             f->cap_ms / 1000.0, MW_FAIR_CAP_X, more, (long long)amount, (long long)f->topup);
    json_t *pl = JSON_PACK("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "system",
                           "fair_pay", "rule",
                           "a worker's pay on a batch (rewards and top-ups; bonuses apart) >= pay.min_hourly_micros x "
                           "their counted active time on it; one answer counts at most min(lease, 3 x max(batch "
                           "median, declared time))",
                           "batch", (json_int_t)b->id, "minimum_hourly_micros", (json_int_t)min, "approved_answers",
                           (json_int_t)f->n, "active_ms", (json_int_t)f->active_ms, "counted_ms",
                           (json_int_t)f->counted_ms, "not_counted_ms", (json_int_t)f->over_ms, "time_cap_ms",
                           (json_int_t)f->cap_ms, "median_answer_ms", (json_int_t)b->median_ms, "lease_ms",
                           (json_int_t)b->lease_ms, "paid_before_micros", (json_int_t)f->paid_before,
                           "minimum_due_micros", (json_int_t)f->due, "topup_micros", (json_int_t)f->topup);
    if (!pl) {
        json_decref(over);
        return NULL;
    }
    json_object_set_new(pl, "expected_ms", json_integer(b->expected_s * 1000));
    json_object_set_new(pl, "reward_micros", json_integer(amount));
    json_object_set_new(pl, "answers_not_fully_counted", over);
    json_object_set_new(pl, "explanation", json_string(ex));
    return pl;
}

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
    bool overturn = a.state == MW_A_REJECTED;
    if (a.state != MW_A_SUBMITTED && !overturn) {
        rc = vis_errf(err, VIS_ECONFLICT, "not_reviewable", NULL, "assignment %lld is %s", (long long)asg_id,
                      mw_astate_name(a.state));
        goto done;
    }
    if ((rc = mw_refresh_median(c, &b, false, err))) goto done;
    char subj[48], key[64];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg_id);
    snprintf(key, sizeof key, "mw:approve:%lld", (long long)asg_id);
    int64_t amount, total, fee = mw_fee_unit(&b), pay;
    if (ckd_add(&amount, b.reward, b.topup) || ckd_add(&pay, amount, fee)) {
        rc = vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "batch %lld: reward + top-up overflows",
                      (long long)b.id);
        goto done;
    }
    /* fair pay for this worker, checked and funded before anything is paid */
    fair f;
    if ((rc = fair_compute(c, &b, &a, amount, &f, err)) ||
        (rc = fair_fund(c, &b, a.worker_id, pay, f.topup, overturn, err)))
        goto done;
    if (ckd_add(&total, amount, f.topup)) {
        rc = vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "batch %lld: pay overflows", (long long)b.id);
        goto done;
    }
    if ((rc = mw_pay_from_escrow(c, &b, a.worker_id, amount, fee, key, "answer approved", subj, err))) goto done;
    if (f.topup > 0) { /* paid by the fair-pay rule, not by whoever approved */
        mw_ctx sys = *c;
        sys.who = NULL;
        char tkey[64];
        snprintf(tkey, sizeof tkey, "mw:topup:%lld", (long long)asg_id);
        if ((rc = mw_pay_from_escrow(&sys, &b, a.worker_id, f.topup, 0, tkey,
                                     "fair-pay top-up: the platform minimum over the worker's counted time on the batch",
                                     subj, err)))
            goto done;
    }
    if ((rc = store_exec(c->db, SQL_MW_ASG_REVIEW, err, "itiIt", asg_id, "approved", c->now_ms,
                         automated || !c->who ? (int64_t)-1 : c->who->id, reason ? reason : "")) ||
        (rc = store_exec(c->db, SQL_MW_ASG_ADD_PAID, err, "ii", asg_id, total)) ||
        (rc = store_exec(c->db, SQL_MW_WB_APPROVED, err, "iiii", b.id, a.worker_id,
                         a.duration_ms > 0 ? a.duration_ms : 0, total)))
        goto done;
    if (overturn && (rc = store_exec(c->db, SQL_MW_WB_REJECTED, err, "iii", b.id, a.worker_id, (int64_t)-1))) goto done;
    if (!overturn) { /* a rejected answer was already counted as reviewed */
        if ((rc = store_exec(c->db, SQL_MW_BATCH_REVIEWED_ADD, err, "ii", b.id, (int64_t)1))) goto done;
        b.reviewed_n++;
    }
    /* an overturned rejection gives the answer's time back to active */
    json_t *pl = JSON_PACK("{s:I, s:I, s:s, s:b}", "batch", (json_int_t)b.id, "paid_micros", (json_int_t)total,
                           "reason", reason ? reason : "", "overturned_rejection", overturn);
    if (pl && automated) { /* the automated decision, with what it used */
        char ex[300];
        snprintf(ex, sizeof ex,
                 "Your answer was approved and paid automatically: the client did not review it within the "
                 "batch's auto-approval delay of %.0f s after you submitted it.",
                 b.auto_approve_ms / 1000.0);
        json_object_set_new(pl, "system", json_string("auto_approval"));
        json_object_set_new(pl, "rule", json_string("not reviewed within the batch's auto-approval delay"));
        json_object_set_new(pl, "auto_approve_delay_ms", json_integer(b.auto_approve_ms));
        json_object_set_new(pl, "submitted_ms", json_integer(a.submitted_ms));
        json_object_set_new(pl, "due_ms", json_integer(a.auto_approve_ms));
        json_object_set_new(pl, "explanation", json_string(ex));
    }
    if ((rc = svc_journal(c,
                          &(svc_event){.family = MW_FAMILY,
                                       .event = "approved",
                                       .worker = a.worker_id,
                                       .subject = subj,
                                       .automated = automated,
                                       .span_kind = overturn ? "active" : NULL,
                                       .span_start_ms = a.claimed_ms,
                                       .span_end_ms = a.submitted_ms,
                                       .payload = pl},
                          err)))
        goto done;
    if ((f.topup > 0 || f.this_over) && (rc = svc_journal(c,
                                                          &(svc_event){.family = MW_FAMILY,
                                                                       .event = "fair_pay_topup",
                                                                       .worker = a.worker_id,
                                                                       .subject = subj,
                                                                       .automated = true,
                                                                       .payload = fair_payload(c, &b, &a, &f, amount)},
                                                          err)))
        goto done;
    if (b.state != MW_B_PUBLISHED && b.state != MW_B_PAUSED) rc = mw_refund_excess(c, &b, err);
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
    if (a.state != MW_A_SUBMITTED) {
        rc = vis_errf(err, VIS_ECONFLICT, "not_reviewable", NULL, "assignment %lld is %s, not awaiting review",
                      (long long)asg_id, mw_astate_name(a.state));
        goto done;
    }
    if (approve) {
        rc = mw_approve(c, asg_id, reason, false, err);
    } else {
        if (!reason || !*reason) {
            rc = vis_errf(err, VIS_EINVAL, "missing_field", "reason", "a rejection needs a written reason");
            goto done;
        }
        /* rejection cap: beyond a share of one worker's submitted answers
           on this batch (tasks returned or let expire are no answers),
           only an admin may reject */
        int64_t answers = 0, rejected = 0;
        store_stmt *q;
        if ((rc = store_one(c->db, SQL_MW_WB_GET, &q, err, "ii", b.id, a.worker_id))) goto done;
        if (q) {
            rejected = store_col_i64(q, 4);
            store_done(q);
        }
        if (store_get_i64(c->db, SQL_MW_ASG_SUBMITTED_N, &answers, err, "ii", b.id, a.worker_id) < 0) {
            rc = err->code;
            goto done;
        }
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
            (rc = svc_journal(
                 c,
                 &(svc_event){.family = MW_FAMILY,
                              .event = "rejected",
                              .worker = a.worker_id,
                              .subject = subj,
                              .span_kind = "unpaid",
                              .span_start_ms = a.claimed_ms,
                              .span_end_ms = a.submitted_ms,
                              .payload = JSON_PACK("{s:I, s:s}", "batch", (json_int_t)b.id, "reason", reason)},
                 err)))
            goto done;
        b.reviewed_n++;
        if (b.state != MW_B_PUBLISHED && b.state != MW_B_PAUSED) rc = mw_refund_excess(c, &b, err);
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
        (rc = svc_journal(
             c,
             &(svc_event){.family = MW_FAMILY,
                          .event = "bonus",
                          .worker = a.worker_id,
                          .subject = subj,
                          .payload = JSON_PACK("{s:I, s:s}", "amount_micros", (json_int_t)amount, "reason", reason)},
             err)))
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
    json_t *o = JSON_PACK("{s:I, s:I, s:I, s:I, s:s, s:s, s:I}", "id", (json_int_t)store_col_i64(q, 0),
                          "assignment_id", (json_int_t)store_col_i64(q, 1), "batch_id", (json_int_t)store_col_i64(q, 2),
                          "worker_id", (json_int_t)store_col_i64(q, 4), "message", store_col_text(q, 5), "state",
                          store_col_text(q, 6), "created_ms", (json_int_t)store_col_i64(q, 8));
    if (store_col_i64(q, 9) >= 0) {
        json_object_set_new(o, "response", json_string(store_col_text(q, 7)));
        json_object_set_new(o, "decided_ms", json_integer(store_col_i64(q, 9)));
    }
    return o;
}

/* The appeal as JSON, read back after a write. */
static int appeal_get(mw_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, SQL_MW_APPEAL_GET, &q, err, "i", id)) return err->code;
    if (!q) return vis_errf(err, VIS_ESTORE, NULL, NULL, "appeal %lld vanished", (long long)id);
    *out = appeal_json(q);
    store_done(q);
    return 0;
}

int mw_appeal_create(mw_ctx *c, int64_t asg_id, const char *message, json_t **out, vis_err *err)
{
    mw_asg a;
    if (mw_asg_load(c, asg_id, &a, err)) return err->code;
    int rc = 0;
    if (a.worker_id != c->who->id) rc = vis_errf(err, VIS_ENOTFOUND, "assignment_not_found", NULL, "no assignment %lld",
                                                 (long long)asg_id);
    else if (a.state != MW_A_REJECTED)
        rc = vis_errf(err, VIS_ECONFLICT, "not_rejected", NULL, "only a rejected answer can be appealed (this one is %s)",
                      mw_astate_name(a.state));
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
    if (!rc)
        rc = svc_journal(c,
                         &(svc_event){.family = MW_FAMILY,
                                      .event = "appealed",
                                      .worker = a.worker_id,
                                      .subject = subj,
                                      .payload = JSON_PACK("{s:I, s:s}", "appeal", (json_int_t)id, "message", message)},
                         err);
    mw_asg_free(&a);
    if (rc) return rc;
    return appeal_get(c, id, out, err);
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
    *out = JSON_PACK("{s:o}", "appeals", arr);
    return 0;
}

int mw_appeal_decide(mw_ctx *c, int64_t id, bool overturn, const char *response, json_t **out, vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, SQL_MW_APPEAL_GET, &q, err, "i", id)) return err->code;
    int64_t asg = 0, client = 0, worker = 0;
    bool open = false;
    if (q) {
        asg = store_col_i64(q, 1);
        client = store_col_i64(q, 3);
        worker = store_col_i64(q, 4);
        open = !strcmp(store_col_text(q, 6), "open"); /* the appeal's state, parsed at the read */
        store_done(q);
    }
    if (!q || (!mw_is_admin(c) && client != c->who->id))
        return vis_errf(err, VIS_ENOTFOUND, "appeal_not_found", NULL, "no appeal %lld", (long long)id);
    if (!open)
        return vis_errf(err, VIS_ECONFLICT, "already_decided", NULL, "appeal %lld was already decided", (long long)id);
    if (!response || !*response)
        return vis_errf(err, VIS_EINVAL, "missing_field", "response", "answer the worker with written reasons");
    char subj[48];
    snprintf(subj, sizeof subj, "assignment:%lld", (long long)asg);
    int rc;
    if ((rc = store_exec(c->db, SQL_MW_APPEAL_DECIDE, err, "ittii", id, overturn ? "overturned" : "upheld", response,
                         c->who->id, c->now_ms)) ||
        (rc = svc_journal(c,
                          &(svc_event){.family = MW_FAMILY,
                                       .event = "appeal_decided",
                                       .worker = worker,
                                       .subject = subj,
                                       .payload = JSON_PACK("{s:I, s:s, s:s}", "appeal", (json_int_t)id, "outcome",
                                                            overturn ? "overturned" : "upheld", "response", response)},
                          err)))
        return rc;
    if (overturn && (rc = mw_approve(c, asg, response, false, err))) return rc;
    return appeal_get(c, id, out, err);
}
