/*
 * mw_undo — undoing a micro-work automated decision that a human reviewer
 * overturned (the review flow lives in visibility/rev.h).
 *
 * mw_unblock lifts a quality-control block on one batch and restarts the
 * worker's control-task record there, so the evidence the overturned
 * decision used is not used again at the next control answer. An
 * automated rejection is undone by approving (paying) the answer, which
 * also turns its unpaid time back into active time. Both journal what they
 * do, in the caller's transaction.
 */
#ifndef VIS_MICROWORK_MW_UNDO_H
#define VIS_MICROWORK_MW_UNDO_H

#include "microwork/mw.h"

/* 0, or VIS_ECONFLICT when the worker is not blocked from the batch. */
int mw_unblock(mw_ctx *c, int64_t batch, int64_t worker, const char *why, vis_err *err);
/* Approve and pay a rejected answer. */
int mw_undo_rejection(mw_ctx *c, int64_t assignment, const char *why, vis_err *err);

#endif
