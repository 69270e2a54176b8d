#include "microwork/mw_undo.h"

#include "base/mem.h"

#include "microwork/mw_int.h"
#include "store/sql_visibility.h"

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
