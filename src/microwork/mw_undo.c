#include "microwork/mw_undo.h"

#include "base/mem.h"

#include "microwork/mw_int.h"
#include "store/sql_microwork.h"

int mw_unblock(mw_ctx *c, int64_t batch, int64_t worker, const char *why, vis_err *err)
{
    if (store_exec(c->db, SQL_MW_WB_UNBLOCK, err, "ii", batch, worker)) return err->code;
    if (store_changes(c->db) != 1)
        return vis_errf(err, VIS_ECONFLICT, "not_blocked", NULL, "worker %lld is not blocked from batch %lld",
                        (long long)worker, (long long)batch);
    char subj[48];
    snprintf(subj, sizeof subj, "batch:%lld", (long long)batch);
    return svc_journal(
        c,
        &(svc_event){.family = MW_FAMILY,
                     .event = "unblocked",
                     .worker = worker,
                     .subject = subj,
                     .payload =
                         JSON_PACK("{s:I, s:s, s:s}", "batch", (json_int_t)batch, "reason", why ? why : "", "effect",
                                   "the block is lifted and the control-task record on this batch restarts")},
        err);
}

int mw_undo_rejection(mw_ctx *c, int64_t assignment, const char *why, vis_err *err)
{
    return mw_approve(c, assignment, why, false, err);
}

/* ---- overturned by a reviewer (core/decisions.h) ---- */

static int undo_block(svc_ctx *c, const decision_row *d, int64_t worker, const char *reasons, json_t *actions,
                      vis_err *err)
{
    int64_t batch = decision_subject_id(d->subject, "batch:");
    json_t *b = json_object_get(d->payload, "batch");
    if (batch < 0 && json_is_integer(b)) batch = json_integer_value(b);
    if (batch < 0) return vis_errf(err, VIS_ECONFLICT, "cannot_undo", NULL, "the decision names no batch");
    int rc = mw_unblock(c, batch, worker, reasons, err);
    if (rc == VIS_ECONFLICT) {
        vis_err_clear(err);
        json_array_append_new(actions, JSON_PACK("{s:s, s:I}", "action", "block already lifted", "batch",
                                                 (json_int_t)batch));
        return 0;
    }
    if (!rc)
        json_array_append_new(actions, JSON_PACK("{s:s, s:I}", "action", "block lifted; control-task record restarted",
                                                 "batch", (json_int_t)batch));
    return rc;
}

static int undo_reject(svc_ctx *c, const decision_row *d, int64_t worker, const char *reasons, json_t *actions,
                       vis_err *err)
{
    (void)worker;
    int64_t asg = decision_subject_id(d->subject, "assignment:");
    if (asg < 0) return vis_errf(err, VIS_ECONFLICT, "cannot_undo", NULL, "the decision names no assignment");
    int rc = mw_undo_rejection(c, asg, reasons, err);
    if (!rc)
        json_array_append_new(actions, JSON_PACK("{s:s, s:I}", "action", "answer approved and paid", "assignment",
                                                 (json_int_t)asg));
    return rc;
}

const decision_kind mw_decision_kinds[] = {
    {MW_FAMILY, "blocked", "quality_control", "skill < min_skill after at least min_control_answers control answers",
     "You were blocked from a batch by automated quality control: your accuracy on its hidden control tasks was "
     "below the minimum the client set.",
     undo_block},
    {MW_FAMILY, "lease_expired", "lease_expiry", "the lease ran out before an answer was submitted",
     "The time allowed for a task ran out before you submitted an answer, so the task went back to the pool and "
     "the time you spent on it is recorded as unpaid.",
     NULL},
    {MW_FAMILY, "approved", "auto_approval", "not reviewed within the batch's auto-approval delay",
     "Your answer was approved and paid automatically because the client did not review it in time.", NULL},
    {MW_FAMILY, "fair_pay_topup", "fair_pay",
     "a worker's pay on a batch >= minimum hourly pay x the worker's counted active time on it",
     "Your pay on a batch was raised automatically so that your own time on its approved answers is paid at least "
     "the platform minimum per hour (each answer counted up to the batch's time cap).",
     NULL},
    {MW_FAMILY, "task_closed_early", "dynamic_overlap", "confidence of the leading answer >= the batch's target",
     "The platform stopped collecting answers for a task you answered because the answers already given agreed "
     "enough; your answer is unaffected.",
     NULL},
    /* a rejection is the client's, not automated today; if one is ever made
       automatically, overturning it approves and pays the answer */
    {MW_FAMILY, "rejected", "answer_review", "the answer was rejected, with a reason",
     "Your answer was rejected and not paid; the time you spent on it is recorded as unpaid.", undo_reject},
    {MW_FAMILY, "auto_rejected", "answer_review", "the answer was rejected automatically, with a reason",
     "Your answer was rejected automatically and not paid; the time you spent on it is recorded as unpaid.",
     undo_reject},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
