/*
 * mw_undo — micro-work's automated decisions as the person concerned sees
 * them, and undoing those a human reviewer overturned (the review flow
 * lives in visibility/rev.h; it knows these only through the registry,
 * core/decisions.h).
 *
 * mw_decision_kinds lists every automated event micro-work journals
 * (quality-control block, expired lease, automatic approval, fair-pay
 * top-up, early task close), plus rejections, with their plain-language
 * texts. mw_unblock lifts a quality-control block on one batch and
 * restarts the worker's control-task record there, so the evidence the
 * overturned decision used is not used again at the next control answer.
 * A rejection is undone by approving (paying) the answer, which also turns
 * its unpaid time back into active time. Both journal what they do, in the
 * caller's transaction.
 */
#ifndef VIS_MICROWORK_MW_UNDO_H
#define VIS_MICROWORK_MW_UNDO_H

#include "core/decisions.h"
#include "microwork/mw.h"

/* Micro-work's automated-decision kinds (ends with a NULL family). */
extern const decision_kind mw_decision_kinds[];

/* 0, or VIS_ECONFLICT when the worker is not blocked from the batch. */
int mw_unblock(mw_ctx *c, int64_t batch, int64_t worker, const char *why, vis_err *err);
/* Approve and pay a rejected answer. */
int mw_undo_rejection(mw_ctx *c, int64_t assignment, const char *why, vis_err *err);

#endif
