#include "store/sql_microwork.h"

#define BATCH_COLS                                                                                          \
    "id, client_id, state, answer_type, aggregation, labels, title, template, reward_micros, overlap,"     \
    " lease_ms, lifetime_ms, auto_approve_ms, expected_seconds, control_ratio_ppm, min_skill_ppm,"        \
    " min_control_answers, COALESCE(qualification_batch, -1), confidence_target_ppm, fee_ppm, budget,"   \
    " committed, topup_micros, median_ms, median_n, COALESCE(escrow_account, -1), created_ms,"            \
    " COALESCE(published_ms, -1), COALESCE(expires_ms, -1), description, instructions, submitted_n, reviewed_n"

/* client,title,description,instructions,template,answer_type,labels,reward,overlap,lease,lifetime,
   auto_approve,expected_s,control_ppm,min_skill_ppm,min_control,qualification|NULL,aggregation,
   conf_ppm,fee_ppm,created */
const char SQL_MW_BATCH_INSERT[] =
    "INSERT INTO mw_batches(client_id, title, description, instructions, template, answer_type, labels,"
    " reward_micros, overlap, lease_ms, lifetime_ms, auto_approve_ms, expected_seconds, control_ratio_ppm,"
    " min_skill_ppm, min_control_answers, qualification_batch, aggregation, confidence_target_ppm, fee_ppm,"
    " created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
    " $19, $20, $21)";
const char SQL_MW_BATCH_GET[] = "SELECT " BATCH_COLS " FROM mw_batches WHERE id = $1";
const char SQL_MW_BATCH_IDS_CLIENT[] = "SELECT id FROM mw_batches WHERE client_id = $1 ORDER BY id";
const char SQL_MW_BATCH_IDS_ALL[] = "SELECT id FROM mw_batches ORDER BY id";
const char SQL_MW_BATCH_IDS_PUBLISHED[] = "SELECT id FROM mw_batches WHERE state = 'published' ORDER BY id";
/* id, budget, escrow_account, published, expires */
const char SQL_MW_BATCH_PUBLISH[] =
    "UPDATE mw_batches SET state = 'published', budget = $2, escrow_account = $3, published_ms = $4,"
    " expires_ms = $5 WHERE id = $1";
const char SQL_MW_BATCH_STATE[] = "UPDATE mw_batches SET state = $2 WHERE id = $1";
const char SQL_MW_BATCH_COMMIT_ADD[] = "UPDATE mw_batches SET committed = committed + $2 WHERE id = $1";
const char SQL_MW_BATCH_BUDGET_ADD[] = "UPDATE mw_batches SET budget = budget + $2 WHERE id = $1";
const char SQL_MW_BATCH_MEDIAN_SET[] = "UPDATE mw_batches SET median_ms = $2, median_n = $3 WHERE id = $1";

/* batch, client, seq, data, gold|NULL, is_control, needed */
const char SQL_MW_TASK_INSERT[] =
    "INSERT INTO mw_tasks(batch_id, client_id, seq, data, gold, is_control, needed)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)";
const char SQL_MW_TASK_MAXSEQ[] = "SELECT COALESCE(MAX(seq), 0) FROM mw_tasks WHERE batch_id = $1";
/* batch -> regular, control, regular closed */
const char SQL_MW_TASK_COUNTS[] =
    "SELECT COALESCE(SUM(1 - is_control), 0), COALESCE(SUM(is_control), 0),"
    " COALESCE(SUM(CASE WHEN is_control = 0 AND closed = 1 THEN 1 ELSE 0 END), 0) FROM mw_tasks WHERE batch_id = $1";
/* batch, worker -> id, data */
const char SQL_MW_TASK_NEXT[] =
    "SELECT t.id, t.data FROM mw_tasks t WHERE t.batch_id = $1 AND t.is_control = 0 AND t.closed = 0"
    " AND t.taken < t.needed"
    " AND NOT EXISTS (SELECT 1 FROM mw_assignments a WHERE a.task_id = t.id AND a.worker_id = $2)"
    " ORDER BY t.id LIMIT 1";
/* batch, worker -> id, data (a per-worker order so workers do not all see the same control first) */
const char SQL_MW_TASK_NEXT_CONTROL[] =
    "SELECT t.id, t.data FROM mw_tasks t WHERE t.batch_id = $1 AND t.is_control = 1"
    " AND NOT EXISTS (SELECT 1 FROM mw_assignments a WHERE a.task_id = t.id AND a.worker_id = $2)"
    " ORDER BY (t.id * 2654435761 + $2 * 40503) % 1000003 LIMIT 1";
/* id -> id, batch, seq, data, gold, is_control, needed, taken, done, closed */
const char SQL_MW_TASK_GET[] =
    "SELECT id, batch_id, seq, data, gold, is_control, needed, taken, done, closed FROM mw_tasks WHERE id = $1";
const char SQL_MW_TASK_TAKE[] = "UPDATE mw_tasks SET taken = taken + 1 WHERE id = $1";
const char SQL_MW_TASK_UNTAKE[] =
    "UPDATE mw_tasks SET taken = taken - 1, closed = 0 WHERE id = $1 AND is_control = 0";
/* id. Two statements, not one with RETURNING (SQLite buffers RETURNING rows
   in a temporary b-tree) nor a CASE on closed (every write of closed
   rewrites the open-task index entry): closed is written once, by
   SQL_MW_TASK_CLOSE, when the last answer arrives. */
const char SQL_MW_TASK_DONE[] = "UPDATE mw_tasks SET done = done + 1 WHERE id = $1";
const char SQL_MW_TASK_CLOSE[] = "UPDATE mw_tasks SET closed = 1 WHERE id = $1";
/* id -> done, needed */
const char SQL_MW_TASK_DONE_GET[] = "SELECT done, needed FROM mw_tasks WHERE id = $1";
/* id -> answers released (needed - taken before) */
const char SQL_MW_TASK_CLOSE_EARLY[] =
    "UPDATE mw_tasks SET needed = taken, closed = CASE WHEN done >= taken THEN 1 ELSE 0 END WHERE id = $1";
/* batch -> 1 if a regular task is still open */
const char SQL_MW_TASK_OPEN_REGULAR[] =
    "SELECT 1 FROM mw_tasks WHERE batch_id = $1 AND is_control = 0 AND closed = 0 LIMIT 1";
/* batch -> id, seq, data, gold, is_control */
const char SQL_MW_TASKS_OF_BATCH[] =
    "SELECT id, seq, data, gold, is_control FROM mw_tasks WHERE batch_id = $1 ORDER BY seq";

/* task, batch, worker, client, is_control, claimed, deadline */
const char SQL_MW_ASG_INSERT[] =
    "INSERT INTO mw_assignments(task_id, batch_id, worker_id, client_id, is_control, state, claimed_ms,"
    " deadline_ms) VALUES ($1, $2, $3, $4, $5, 'leased', $6, $7)";
#define ASG_COLS                                                                                      \
    "id, task_id, batch_id, worker_id, client_id, is_control, state, claimed_ms, deadline_ms,"       \
    " COALESCE(submitted_ms, -1), COALESCE(duration_ms, -1), COALESCE(answer, ''),"                  \
    " COALESCE(answer_key, ''), COALESCE(correct, -1), flagged_fast, COALESCE(auto_approve_ms, -1),"  \
    " COALESCE(reviewed_ms, -1), COALESCE(review_reason, ''), paid_micros, bonus_micros"
const char SQL_MW_ASG_GET[] = "SELECT " ASG_COLS " FROM mw_assignments WHERE id = $1";
/* batch, worker -> a live lease */
const char SQL_MW_ASG_LIVE[] =
    "SELECT id FROM mw_assignments WHERE worker_id = $2 AND batch_id = $1 AND state = 'leased' LIMIT 1";
/* id, submitted, duration, answer, key, correct|NULL, flagged, auto_approve */
const char SQL_MW_ASG_SUBMIT[] =
    "UPDATE mw_assignments SET state = 'submitted', submitted_ms = $2, duration_ms = $3, answer = $4,"
    " answer_key = $5, correct = $6, flagged_fast = $7, auto_approve_ms = $8 WHERE id = $1";
const char SQL_MW_ASG_SET_STATE[] = "UPDATE mw_assignments SET state = $2 WHERE id = $1";
/* id, state, reviewed, reviewer|NULL, reason */
const char SQL_MW_ASG_REVIEW[] =
    "UPDATE mw_assignments SET state = $2, reviewed_ms = $3, reviewer_id = $4, review_reason = $5 WHERE id = $1";
const char SQL_MW_ASG_ADD_PAID[] = "UPDATE mw_assignments SET paid_micros = paid_micros + $2 WHERE id = $1";
const char SQL_MW_ASG_ADD_BONUS[] = "UPDATE mw_assignments SET bonus_micros = bonus_micros + $2 WHERE id = $1";
/* now -> id (leases past their deadline) */
/* (pages of MW_SWEEP_PAGE: the sweep runs them until none is left) */
const char SQL_MW_ASG_EXPIRED_DUE[] =
    "SELECT id FROM mw_assignments WHERE state = 'leased' AND deadline_ms < $1 ORDER BY deadline_ms LIMIT 500";
/* now, after (auto_approve_ms, id) -> id: answers due for auto-approval, one
   page after the last one seen (an answer the client cannot fund stays
   submitted and is passed over, so the walk always ends) */
const char SQL_MW_ASG_APPROVE_DUE[] =
    "SELECT id, auto_approve_ms FROM mw_assignments WHERE state = 'submitted' AND auto_approve_ms <= $1"
    " AND auto_approve_ms >= $2 AND (auto_approve_ms > $2 OR id > $3) ORDER BY auto_approve_ms, id LIMIT 500";
const char SQL_MW_ASG_OF_BATCH[] =
    "SELECT " ASG_COLS " FROM mw_assignments WHERE batch_id = $1 AND state NOT IN ('returned', 'expired')"
    " ORDER BY id";
const char SQL_MW_ASG_OF_WORKER[] =
    "SELECT " ASG_COLS " FROM mw_assignments WHERE worker_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
/* task -> worker, answer_key (submitted or approved answers of one task) */
const char SQL_MW_ASG_TASK_ANSWERS[] =
    "SELECT worker_id, answer_key FROM mw_assignments WHERE task_id = $1 AND state IN ('submitted', 'approved')";
/* batch -> leased, submitted, approved, rejected */
const char SQL_MW_ASG_COUNTS[] =
    "SELECT COALESCE(SUM(CASE WHEN state = 'leased' THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN state = 'submitted' THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN state = 'approved' THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN state = 'rejected' THEN 1 ELSE 0 END), 0), COALESCE(SUM(flagged_fast), 0)"
    " FROM mw_assignments WHERE batch_id = $1";
/* batch -> paid to workers, bonuses, time of submitted answers (ms) */
const char SQL_MW_ASG_STATS[] =
    "SELECT COALESCE(SUM(paid_micros), 0), COALESCE(SUM(bonus_micros), 0), COALESCE(SUM(duration_ms), 0)"
    " FROM mw_assignments WHERE batch_id = $1 AND submitted_ms IS NOT NULL";
/* batch, offset -> duration */
const char SQL_MW_ASG_MEDIAN[] =
    "SELECT duration_ms FROM mw_assignments WHERE batch_id = $1 AND duration_ms IS NOT NULL"
    " ORDER BY duration_ms LIMIT 1 OFFSET $2";
const char SQL_MW_BATCH_SUBMITTED_ADD[] = "UPDATE mw_batches SET submitted_n = submitted_n + 1 WHERE id = $1";

/* batch, worker -> claims (column "answers"), control_claims, control_answers, control_correct, rejected,
   blocked, reason, approved_n, approved_ms, approved_paid_micros */
const char SQL_MW_WB_GET[] =
    "SELECT answers, control_claims, control_answers, control_correct, rejected, blocked, COALESCE(block_reason, ''),"
    " approved_n, approved_ms, approved_paid_micros FROM mw_worker_batch WHERE batch_id = $1 AND worker_id = $2";
/* batch, worker, duration, paid (reward + top-up, bonuses apart): one more approved answer */
const char SQL_MW_WB_APPROVED[] =
    "UPDATE mw_worker_batch SET approved_n = approved_n + 1, approved_ms = approved_ms + $3,"
    " approved_paid_micros = approved_paid_micros + $4 WHERE batch_id = $1 AND worker_id = $2";
/* batch, worker, cap -> time beyond the cap, answers beyond it (approved answers; partial index) */
const char SQL_MW_ASG_OVER_CAP[] =
    "SELECT COALESCE(SUM(duration_ms - $3), 0), COUNT(*) FROM mw_assignments WHERE batch_id = $1"
    " AND worker_id = $2 AND state = 'approved' AND duration_ms > $3";
/* batch, worker, cap -> id, duration (the first 50) */
const char SQL_MW_ASG_OVER_CAP_LIST[] =
    "SELECT id, duration_ms FROM mw_assignments WHERE batch_id = $1 AND worker_id = $2 AND state = 'approved'"
    " AND duration_ms > $3 ORDER BY id LIMIT 50";
/* batch, worker -> answers submitted (awaiting review, approved or rejected; not returned or expired) */
const char SQL_MW_ASG_SUBMITTED_N[] =
    "SELECT COUNT(*) FROM mw_assignments WHERE worker_id = $2 AND batch_id = $1 AND submitted_ms IS NOT NULL";
/* batch -> regular answers still to be claimed (open regular tasks) */
const char SQL_MW_TASK_REGULAR_LEFT[] =
    "SELECT COALESCE(SUM(needed - taken), 0) FROM mw_tasks WHERE batch_id = $1 AND is_control = 0 AND closed = 0";
/* batch, worker, is_control: count a claim (creating the row) */
const char SQL_MW_WB_CLAIM_UPSERT[] =
    "INSERT INTO mw_worker_batch(batch_id, worker_id, answers, control_claims) VALUES ($1, $2, 1, $3)"
    " ON CONFLICT (batch_id, worker_id) DO UPDATE SET answers = mw_worker_batch.answers + 1,"
    " control_claims = mw_worker_batch.control_claims + excluded.control_claims";
/* batch, worker, correct(0/1) */
const char SQL_MW_WB_CONTROL[] =
    "UPDATE mw_worker_batch SET control_answers = control_answers + 1, control_correct = control_correct + $3"
    " WHERE batch_id = $1 AND worker_id = $2";
const char SQL_MW_WB_REJECTED[] =
    "UPDATE mw_worker_batch SET rejected = rejected + $3 WHERE batch_id = $1 AND worker_id = $2";
/* batch, worker, blocked, reason, journal id */
const char SQL_MW_WB_BLOCK[] =
    "UPDATE mw_worker_batch SET blocked = $3, block_reason = $4, block_journal_id = $5"
    " WHERE batch_id = $1 AND worker_id = $2";
const char SQL_MW_WB_UNBLOCK[] =
    "UPDATE mw_worker_batch SET blocked = 0, block_reason = NULL, control_answers = 0, control_correct = 0"
    " WHERE batch_id = $1 AND worker_id = $2 AND blocked = 1";

/* assignment, batch, client, worker, message, created */
const char SQL_MW_APPEAL_INSERT[] =
    "INSERT INTO mw_appeals(assignment_id, batch_id, client_id, worker_id, message, created_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6)";
#define APPEAL_COLS                                                                                    \
    "id, assignment_id, batch_id, client_id, worker_id, message, state, COALESCE(response, ''),"      \
    " created_ms, COALESCE(decided_ms, -1)"
const char SQL_MW_APPEAL_GET[] = "SELECT " APPEAL_COLS " FROM mw_appeals WHERE id = $1";
/* id, state, response, responder, decided */
const char SQL_MW_APPEAL_DECIDE[] =
    "UPDATE mw_appeals SET state = $2, response = $3, responder_id = $4, decided_ms = $5 WHERE id = $1";
const char SQL_MW_APPEALS_CLIENT[] = "SELECT " APPEAL_COLS " FROM mw_appeals WHERE client_id = $1 ORDER BY id";
const char SQL_MW_APPEALS_ALL[] = "SELECT " APPEAL_COLS " FROM mw_appeals ORDER BY id";
const char SQL_MW_APPEALS_WORKER[] = "SELECT " APPEAL_COLS " FROM mw_appeals WHERE worker_id = $1 ORDER BY id";
const char SQL_MW_APPEAL_BY_ASG[] = "SELECT id FROM mw_appeals WHERE assignment_id = $1";
const char SQL_MW_BATCH_REVIEWED_ADD[] = "UPDATE mw_batches SET reviewed_n = reviewed_n + $2 WHERE id = $1";
/* the client console (issue 16): each worker's approved answers on a batch
   (count, active ms, rewards + top-ups), lowest hourly pay first */
const char SQL_MW_WB_PAY_OF_BATCH[] =
    "SELECT worker_id, approved_n, approved_ms, approved_paid_micros, rejected FROM mw_worker_batch"
    " WHERE batch_id = $1 AND approved_n > 0 ORDER BY worker_id";
/* the client's template preview: one per client, replaced as they type */
const char SQL_MW_PREVIEW_SET[] =
    "INSERT INTO mw_previews(client_id, template, data, updated_ms) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT(client_id) DO UPDATE SET template = excluded.template, data = excluded.data,"
    " updated_ms = excluded.updated_ms";
const char SQL_MW_PREVIEW_GET[] = "SELECT template, data FROM mw_previews WHERE client_id = $1";
