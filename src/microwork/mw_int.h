/* mw_int — internals shared by the micro-work files. */
#ifndef VIS_MICROWORK_MW_INT_H
#define VIS_MICROWORK_MW_INT_H

#include <stdio.h>

#include "base/ckd.h"
#include "microwork/mw.h"

/* Limits on what a client may ask (money is checked with base/ckd.h, so a
 * cost can never wrap; these make the refusals early and clear):
 *   reward_micros  <= microwork.max_reward_micros (config, default 10^9)
 *   overlap        <= MW_MAX_OVERLAP answers per task
 *   tasks          <= MW_MAX_TASKS_PER_UPLOAD per upload and
 *                     microwork.max_tasks_per_batch per batch (config)
 *   escrow         <= LEDGER_MAX_AMOUNT (10^15 micros) per batch: the
 *                     publish cost (answers x (reward + top-up + fee))
 *   bonuses        <= LEDGER_MAX_AMOUNT in total per answer */
#define MW_FAMILY "microwork" /* in the journal: svc_journal(c, &(svc_event){.family = MW_FAMILY, ...}) */
#define MW_MAX_OVERLAP 100
#define MW_MAX_TASKS_PER_UPLOAD 500000

/* States are parsed from the store's text once, when a row is read
 * (mw_*_state_parse), and compared as enums; *_name gives the text back for
 * messages, JSON and writes. An unknown text (a newer schema) is _UNKNOWN,
 * which no rule accepts. */
typedef enum mw_bstate {
    MW_B_DRAFT, MW_B_PUBLISHED, MW_B_PAUSED, MW_B_COMPLETED, MW_B_CANCELLED, MW_B_UNKNOWN
} mw_bstate;
typedef enum mw_astate {
    MW_A_LEASED, MW_A_SUBMITTED, MW_A_RETURNED, MW_A_EXPIRED, MW_A_APPROVED, MW_A_REJECTED, MW_A_UNKNOWN
} mw_astate;
mw_bstate   mw_bstate_parse(const char *s);
const char *mw_bstate_name(mw_bstate s);
mw_astate   mw_astate_parse(const char *s);
const char *mw_astate_name(mw_astate s);

typedef struct mw_batch {
    int64_t id, client_id;
    mw_bstate state;
    char    answer_type[12];
    char    aggregation[12];
    json_t *labels;       /* owned array of strings */
    char   *title, *template_text;
    int64_t reward, overlap, lease_ms, lifetime_ms, auto_approve_ms, expected_s;
    int64_t control_ratio_ppm, min_skill_ppm, min_control, qualification, conf_target_ppm, fee_ppm;
    int64_t budget, committed, topup, median_ms, median_n, escrow_account;
    int64_t created_ms, published_ms, expires_ms;
    int64_t submitted_n;  /* answers submitted so far */
    int64_t reviewed_n;   /* answers approved or rejected so far */
} mw_batch;

typedef struct mw_asg {
    int64_t id, task_id, batch_id, worker_id, client_id, is_control;
    mw_astate state;
    int64_t claimed_ms, deadline_ms, submitted_ms, duration_ms;
    char   *answer, *answer_key;  /* owned, "" when none */
    int64_t correct, flagged_fast, auto_approve_ms, reviewed_ms;
    char   *review_reason;
    int64_t paid, bonus;
} mw_asg;

/* Read an assignment row (SQL selecting ASG columns) at the cursor. */
void mw_asg_read(store_stmt *q, mw_asg *a);
int  mw_asg_load(mw_ctx *c, int64_t id, mw_asg *a, vis_err *err);
void mw_asg_free(mw_asg *a);
json_t *mw_asg_json(const mw_asg *a, bool for_client);
/* The assignments sql selects (ASG columns, $1 = id) as a JSON array. */
int mw_asg_list(mw_ctx *c, const char *sql, int64_t id, bool for_client, json_t **arr, vis_err *err);
/* The rows of a run assignment query (ASG columns) as a JSON array; q is done after. */
int mw_asg_rows(store_stmt *q, bool for_client, json_t **arr, vis_err *err);

int  mw_batch_load(mw_ctx *c, int64_t id, mw_batch *b, vis_err *err);
void mw_batch_free(mw_batch *b);
/* Load and check the caller may act on it as client (owner) or admin. */
int  mw_batch_owned(mw_ctx *c, int64_t id, mw_batch *b, vis_err *err);
bool mw_is_admin(const mw_ctx *c);
int64_t mw_fee_unit(const mw_batch *b);   /* platform fee per answer */
/* reward + top-up + fee per answer; INT64_MAX if that does not fit (every
   checked product with it then overflows and is refused) */
int64_t mw_unit_cost(const mw_batch *b);
/* *cost = answers x mw_unit_cost(b); true when it does not fit or exceeds
   LEDGER_MAX_AMOUNT (what one ledger movement may carry). */
bool mw_cost_over(const mw_batch *b, int64_t answers, int64_t *cost);

/* The answers escrow must pay for when the batch holds reg regular tasks:
 * *control = the control answers the ratio implies, *budget = reg x overlap
 * + *control, *cost = *budget x mw_unit_cost(b). true when it overflows or
 * exceeds LEDGER_MAX_AMOUNT (what publish refuses as cost_too_large). */
bool mw_batch_budget(const mw_batch *b, int64_t reg, int64_t *control, int64_t *budget, int64_t *cost);
/* The smallest reward that pays the platform minimum for the declared time. */
int64_t mw_min_reward(const mw_ctx *c, const mw_batch *b);

/* Move money out of the batch's escrow: to a worker (amount) + fee to the
 * platform; tops escrow up from the client's funds first if it falls short. */
int mw_pay_from_escrow(mw_ctx *c, mw_batch *b, int64_t worker, int64_t amount, int64_t fee, const char *idem,
                       const char *memo, const char *subject, vis_err *err);
/* Return escrow that can no longer be spent to the client's funds. */
int mw_refund_excess(mw_ctx *c, mw_batch *b, vis_err *err);
/* Recompute the batch's median answer time if the answers grew enough. */
int mw_refresh_median(mw_ctx *c, mw_batch *b, bool force, vis_err *err);
/* Fair pay, per worker: at each approval, a worker's pay on the batch
 * (rewards + top-ups, bonuses apart) is topped up to pay.min_hourly_micros
 * over their counted active time on it — each approved answer's claim ->
 * submit time, counted up to mw_fair_cap_ms(b) = min(lease, MW_FAIR_CAP_X x
 * max(batch median, declared time)) so that stalling on one task cannot
 * raise pay; the time left out is shown to the worker (decision
 * fair_pay_topup) answer by answer. */
#define MW_FAIR_CAP_X 3
int64_t mw_fair_cap_ms(const mw_batch *b);
/* Approve (pay) a submitted or rejected assignment. VIS_ECONFLICT
 * "insufficient_funds" (nothing written but the batch's median) when the
 * escrow and the client's funds cannot pay it with its top-up. */
int mw_approve(mw_ctx *c, int64_t assignment, const char *reason, bool automated, vis_err *err);

/* Answers: validate against the batch's type, return the canonical JSON text
 * and the aggregation key (label) — both malloc'd. */
int mw_answer_check(const mw_batch *b, json_t *answer, char **json_text, char **key, vis_err *err);
/* Render the template with the task's variables (malloc'd). */
char *mw_render(const char *tmpl, json_t *data);
/* The template with its variables filled; html: values HTML-escaped (the
 * template itself is the client's HTML, shown only in a sandboxed frame). */
char *mw_render_as(const char *tmpl, json_t *data, bool html);
/* ISO 8601 UTC of a millisecond time, into buf (>= 32 bytes). */
void mw_iso(int64_t ms, char *buf);

#endif
