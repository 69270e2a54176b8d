/*
 * mw — the micro-work marketplace (Mechanical Turk / Toloka / Prolific
 * family): batches of small tasks, claims with leases, answers, quality
 * control on hidden control tasks, review, fair pay, results with
 * provenance.
 *
 * Money: publishing moves reward × answers + the platform fee from the
 * client's funds into the batch's escrow; an approved answer pays the worker
 * its reward and the platform its fee share from escrow, and tops the
 * worker's pay on the batch up to the platform minimum over their own
 * counted active time (fair pay per worker, mw_int.h; the client's funds
 * refill escrow for it); whatever can no longer be spent (rejections,
 * dynamic overlap closing a task early, cancellation) returns to the client. The batch's
 * `budget` counts the answers escrow pays for and `committed` the answers
 * claimed so far, so a claim is refused before escrow could run short.
 *
 * Time: the span from claim to submit is the worker's active time (journal
 * event "submitted"); an expired lease, a returned task and a rejected
 * answer are unpaid time. Every claim, submit, return, expiry, approval,
 * rejection, appeal, block and payment is journalled in the transaction
 * that makes it.
 *
 * Quality: control tasks carry a gold answer, are mixed into a worker's
 * stream at the batch's ratio and look like any other task. Skill on a
 * batch = (correct + 1) / (control answers + 2). Below the batch's minimum
 * after its minimum number of control answers, the worker is blocked from
 * the batch — an automated decision journalled with the rule and figures.
 *
 * Every function runs inside the caller's store transaction (they nest) and
 * returns 0 or an error code with err filled; functions that answer a
 * request build a jansson object for it.
 */
#ifndef VIS_MICROWORK_MW_H
#define VIS_MICROWORK_MW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "core/account.h"
#include "core/config.h"
#include "store/store.h"
#include "core/svc.h"

/* The service context (core/svc.h); who is the caller. */
typedef svc_ctx mw_ctx;

/* Batches (client side) */
int mw_batch_create(mw_ctx *c, json_t *spec, json_t **out, vis_err *err);
int mw_batch_get(mw_ctx *c, int64_t id, json_t **out, vis_err *err);
int mw_batch_list(mw_ctx *c, json_t **out, vis_err *err);
/* body: CSV (MTurk batch input) or JSON lines, by content type. Every bad
 * row is reported: on "invalid_tasks" *out is {"rows": [{"row", "field",
 * "message"}...]} (the caller frees it) and nothing is stored. */
int mw_tasks_add(mw_ctx *c, int64_t batch, const char *ctype, const char *body, size_t len, json_t **out,
                 vis_err *err);
int mw_batch_publish(mw_ctx *c, int64_t id, json_t **out, vis_err *err);
int mw_batch_set_state(mw_ctx *c, int64_t id, const char *action, json_t **out, vis_err *err);
int mw_batch_answers(mw_ctx *c, int64_t id, json_t **out, vis_err *err);
/* format: "json" (object), "jsonl" or "csv" (raw text in *text) */
int mw_batch_results(mw_ctx *c, int64_t id, const char *format, json_t **out, char **text, vis_err *err);

/* The client console: the cost of publishing as the server would charge it
 * (escrow = answers x (reward + top-up + fee), against the client's funds,
 * and what publish would refuse); what each worker on the batch earned per
 * hour over the active time of their approved answers (worker numbers, no
 * names); the template preview (one per client: the draft template with
 * sample values, rendered as a task is rendered for the worker). */
int mw_batch_cost(mw_ctx *c, int64_t id, json_t **out, vis_err *err);
int mw_batch_pay(mw_ctx *c, int64_t id, json_t **out, vis_err *err);
int mw_preview_set(mw_ctx *c, const char *tmpl, json_t *data, json_t **out, vis_err *err);
/* The caller's preview as HTML (variables escaped; "" when none), malloc'd. */
int mw_preview_html(mw_ctx *c, char **html, vis_err *err);

/* Review */
int mw_answer_review(mw_ctx *c, int64_t assignment, bool approve, const char *reason, json_t **out,
                     vis_err *err);
int mw_answer_bonus(mw_ctx *c, int64_t assignment, int64_t amount, const char *reason, json_t **out,
                    vis_err *err);
int mw_appeal_create(mw_ctx *c, int64_t assignment, const char *message, json_t **out, vis_err *err);
int mw_appeal_list(mw_ctx *c, json_t **out, vis_err *err);
int mw_appeal_decide(mw_ctx *c, int64_t appeal, bool overturn, const char *response, json_t **out,
                     vis_err *err);

/* Workers */
int mw_available(mw_ctx *c, json_t **out, vis_err *err);
int mw_claim(mw_ctx *c, int64_t batch, json_t **out, vis_err *err);
int mw_submit(mw_ctx *c, int64_t assignment, json_t *answer, json_t **out, vis_err *err);
int mw_return(mw_ctx *c, int64_t assignment, json_t **out, vis_err *err);
/* The worker's assignments, newest first, a page of at most limit with ids
 * below before; "next_before" names the next page while there may be one. */
int mw_my_assignments(mw_ctx *c, int64_t before, int64_t limit, json_t **out, vis_err *err);
/* One of the caller's assignments as at claim time (404 for anyone else's). */
int mw_assignment_get(mw_ctx *c, int64_t id, json_t **out, vis_err *err);

/* Demo content (cli/demo.c, inside its transaction): a labelling batch of
 * the demo client with control tasks, some answers given and reviewed. */
int mw_demo_seed(store *db, const vis_config *cfg, int64_t now_ms, vis_err *err);

/* Housekeeping: expire leases and auto-approve everything due (all
 * batches), as the system (no actor, whoever's request runs it). Returns
 * the number of assignments changed, or -1. */
int mw_sweep(mw_ctx *c, vis_err *err);

#endif
