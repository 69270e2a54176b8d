/* sql_microwork — the SQL of the micro-work marketplace ($n parameters). */
#ifndef VIS_STORE_SQL_MICROWORK_H
#define VIS_STORE_SQL_MICROWORK_H

extern const char SQL_MW_BATCH_INSERT[];
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
extern const char SQL_MW_APPEAL_INSERT[];
extern const char SQL_MW_APPEAL_GET[];
extern const char SQL_MW_APPEAL_BY_ASG[];
extern const char SQL_MW_APPEAL_DECIDE[];
extern const char SQL_MW_APPEALS_CLIENT[];
extern const char SQL_MW_APPEALS_ALL[];
extern const char SQL_MW_APPEALS_WORKER[];

#endif
