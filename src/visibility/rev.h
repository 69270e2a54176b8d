/*
 * rev (prefix review_) — automated decisions about a worker, and human review of them.
 *
 * The decisions about a worker are the journal's automated events that
 * name them (a block, a dispatch decision, an expired lease, an automatic
 * approval, ...) and the automated events that name no worker but concern
 * a subject of their work (a fair-pay top-up of a batch they answered on,
 * a task closed early). Each is shown with the system's name, the rule and
 * the figures it used (from its payload), in plain language.
 *
 * Visibility knows the families' kinds of decision (their texts and undo)
 * only through the list of registry tables its caller passes (`kinds`,
 * collected at the top by server_decision_kinds, http/routes.c); it never
 * includes a family's header.
 *
 * A worker may ask for human review of any of them, once, with a message.
 * The request is due visibility.review_days after it is made; it is shown
 * as overdue to the worker and the admins once past due and still open.
 * An admin answers with written reasons: upheld, or overturned. Overturning
 * undoes the decision through the undo its family registered with its kind
 * (core/decisions.h: micro-work "blocked" lifts the block, a rejection
 * approves and pays the answer) — otherwise, for a decision that recorded
 * unpaid time, pays that time at the platform
 * minimum (from the platform's remedies account) and journals it as active
 * time; the admin may add a compensation. Every step is journalled (family
 * "visibility": review_requested, review_decided; the remedies in the
 * decision's own family) in the request's transaction.
 */
#ifndef VIS_VISIBILITY_REV_H
#define VIS_VISIBILITY_REV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "core/account.h"
#include "core/config.h"
#include "core/decisions.h"
#include "store/store.h"
#include "core/svc.h"

/* The service context (core/svc.h); who is the caller. */
typedef svc_ctx review_ctx;

/* {"decisions": [...]} about worker (with their review, if any). */
int review_decisions(review_ctx *c, const decision_kind *const *kinds, int64_t worker, json_t **out, vis_err *err);
int review_request(review_ctx *c, int64_t decision, const char *message, json_t **out, vis_err *err);
/* worker >= 0: that worker's requests; < 0: every request (state "" = any). */
int review_list(review_ctx *c, const decision_kind *const *kinds, int64_t worker, const char *state, json_t **out,
                vis_err *err);
/* Journal, once each, the review requests whose deadline has passed
 * (the ticker runs it). Returns how many, or -1. */
int review_mark_overdue(review_ctx *c, vis_err *err);
int review_decide(review_ctx *c, const decision_kind *const *kinds, int64_t id, bool overturn, const char *reasons,
                  int64_t compensation_micros, json_t **out, vis_err *err);

#endif
