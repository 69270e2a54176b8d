/* sql_microwork — the SQL of the micro-work marketplace ($n parameters). */
#ifndef VIS_STORE_SQL_MICROWORK_H
#define VIS_STORE_SQL_MICROWORK_H

extern const char SQL_MW_BATCH_INSERT[];
/* The columns SQL_MW_BATCH_GET selects (BATCH_COLS in sql_microwork.c), in
 * order: readers index by these, never by counting (tests/unit/test_microwork.c
 * checks the count against the statement). */
enum mw_batch_col {
    MW_BC_ID, MW_BC_CLIENT, MW_BC_STATE, MW_BC_ANSWER_TYPE, MW_BC_AGGREGATION, MW_BC_LABELS, MW_BC_TITLE,
    MW_BC_TEMPLATE, MW_BC_REWARD, MW_BC_OVERLAP, MW_BC_LEASE_MS, MW_BC_LIFETIME_MS, MW_BC_AUTO_APPROVE_MS,
    MW_BC_EXPECTED_S, MW_BC_CONTROL_RATIO_PPM, MW_BC_MIN_SKILL_PPM, MW_BC_MIN_CONTROL, MW_BC_QUALIFICATION,
    MW_BC_CONF_TARGET_PPM, MW_BC_FEE_PPM, MW_BC_BUDGET, MW_BC_COMMITTED, MW_BC_TOPUP, MW_BC_MEDIAN_MS,
    MW_BC_MEDIAN_N, MW_BC_ESCROW_ACCOUNT, MW_BC_CREATED_MS, MW_BC_PUBLISHED_MS, MW_BC_EXPIRES_MS,
    MW_BC_DESCRIPTION, MW_BC_INSTRUCTIONS, MW_BC_SUBMITTED_N, MW_BC_REVIEWED_N,
    MW_BC_COUNT
};
extern const char SQL_MW_BATCH_GET[];
extern const char SQL_MW_BATCH_IDS_CLIENT[];
extern const char SQL_MW_BATCH_IDS_ALL[];
extern const char SQL_MW_BATCH_IDS_PUBLISHED[];
extern const char SQL_MW_BATCH_PUBLISH[];
extern const char SQL_MW_BATCH_STATE[];
extern const char SQL_MW_BATCH_COMMIT_ADD[];
extern const char SQL_MW_BATCH_BUDGET_ADD[];
extern const char SQL_MW_BATCH_MEDIAN_SET[];
extern const char SQL_MW_TASK_INSERT[];
extern const char SQL_MW_TASK_MAXSEQ[];
extern const char SQL_MW_TASK_COUNTS[];
extern const char SQL_MW_TASK_NEXT[];
extern const char SQL_MW_TASK_NEXT_CONTROL[];
/* The columns SQL_MW_TASK_GET selects, in order. */
enum mw_task_col {
    MW_TC_ID, MW_TC_BATCH, MW_TC_SEQ, MW_TC_DATA, MW_TC_GOLD, MW_TC_IS_CONTROL, MW_TC_NEEDED, MW_TC_TAKEN,
    MW_TC_DONE, MW_TC_CLOSED,
    MW_TC_COUNT
};
extern const char SQL_MW_TASK_GET[];
extern const char SQL_MW_TASK_TAKE[];
extern const char SQL_MW_TASK_UNTAKE[];
extern const char SQL_MW_TASK_DONE[];
extern const char SQL_MW_TASK_CLOSE[];
extern const char SQL_MW_TASK_DONE_GET[];
extern const char SQL_MW_TASK_CLOSE_EARLY[];
extern const char SQL_MW_TASK_OPEN_REGULAR[];
extern const char SQL_MW_TASKS_OF_BATCH[];
extern const char SQL_MW_ASG_INSERT[];
/* The columns of ASG_COLS (SQL_MW_ASG_GET, SQL_MW_ASG_OF_BATCH,
 * SQL_MW_ASG_OF_WORKER), in order. */
enum mw_asg_col {
    MW_AC_ID, MW_AC_TASK, MW_AC_BATCH, MW_AC_WORKER, MW_AC_CLIENT, MW_AC_IS_CONTROL, MW_AC_STATE,
    MW_AC_CLAIMED_MS, MW_AC_DEADLINE_MS, MW_AC_SUBMITTED_MS, MW_AC_DURATION_MS, MW_AC_ANSWER, MW_AC_ANSWER_KEY,
    MW_AC_CORRECT, MW_AC_FLAGGED_FAST, MW_AC_AUTO_APPROVE_MS, MW_AC_REVIEWED_MS, MW_AC_REVIEW_REASON, MW_AC_PAID,
    MW_AC_BONUS,
    MW_AC_COUNT
};
extern const char SQL_MW_ASG_GET[];
extern const char SQL_MW_ASG_LIVE[];
extern const char SQL_MW_ASG_SUBMIT[];
extern const char SQL_MW_ASG_SET_STATE[];
extern const char SQL_MW_ASG_REVIEW[];
extern const char SQL_MW_ASG_ADD_PAID[];
extern const char SQL_MW_ASG_ADD_BONUS[];
extern const char SQL_MW_ASG_EXPIRED_DUE[];
extern const char SQL_MW_ASG_APPROVE_DUE[];
extern const char SQL_MW_ASG_OF_BATCH[];
extern const char SQL_MW_ASG_OF_WORKER[];
extern const char SQL_MW_ASG_TASK_ANSWERS[];
extern const char SQL_MW_ASG_COUNTS[];
extern const char SQL_MW_ASG_STATS[];
extern const char SQL_MW_ASG_MEDIAN[];
extern const char SQL_MW_BATCH_SUBMITTED_ADD[];
extern const char SQL_MW_BATCH_REVIEWED_ADD[];
extern const char SQL_MW_WB_GET[];
extern const char SQL_MW_WB_APPROVED[];
extern const char SQL_MW_ASG_OVER_CAP[];
extern const char SQL_MW_ASG_OVER_CAP_LIST[];
extern const char SQL_MW_ASG_SUBMITTED_N[];
extern const char SQL_MW_TASK_REGULAR_LEFT[];
extern const char SQL_MW_WB_CLAIM_UPSERT[];
extern const char SQL_MW_WB_CONTROL[];
extern const char SQL_MW_WB_REJECTED[];
extern const char SQL_MW_WB_BLOCK[];
extern const char SQL_MW_WB_UNBLOCK[]; /* batch, worker (only if blocked): an overturned block (mw_undo.c) */
extern const char SQL_MW_APPEAL_INSERT[];
extern const char SQL_MW_APPEAL_GET[];
extern const char SQL_MW_APPEAL_BY_ASG[];
extern const char SQL_MW_APPEAL_DECIDE[];
extern const char SQL_MW_APPEALS_CLIENT[];
extern const char SQL_MW_APPEALS_ALL[];
extern const char SQL_MW_APPEALS_WORKER[];
extern const char SQL_MW_WB_PAY_OF_BATCH[];
extern const char SQL_MW_PREVIEW_SET[];
extern const char SQL_MW_PREVIEW_GET[];

#endif
