#include "store/sql_visibility.h"

#define JROW                                                                                                  \
    "id, at_ms, family, event, COALESCE(actor_id, -1), COALESCE(worker_id, -1), subject, automated,"          \
    " COALESCE(span_kind, ''), COALESCE(span_start_ms, 0), COALESCE(span_end_ms, 0),"                        \
    " amount_micros IS NOT NULL, COALESCE(amount_micros, 0), payload"

const char SQL_OBS_COST_INSERT[] =
    "INSERT INTO obs_costs(worker_id, family, per_km_micros, per_hour_micros, from_ms, note, created_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)";
const char SQL_OBS_COSTS_OF[] =
    "SELECT id, family, per_km_micros, per_hour_micros, from_ms, note, created_ms FROM obs_costs"
    " WHERE worker_id = $1 ORDER BY from_ms, id";

const char SQL_OBS_EVENTS[] =
    "SELECT " JROW " FROM journal WHERE worker_id = $1 AND ("
    " (span_kind IS NOT NULL AND span_end_ms > $2 AND span_start_ms < $3)"
    " OR (at_ms >= $2 AND at_ms < $3 AND (amount_micros IS NOT NULL OR payload LIKE '%\"distance_m\"%'))"
    " OR (amount_micros IS NOT NULL AND at_ms >= $2 AND subject LIKE 'review:%'))"
    " ORDER BY id";
/* a remedy's work time: the start of the span the reviewed decision
   recorded, else the decision's instant */
const char SQL_OBS_REMEDY_WORK_AT[] =
    "SELECT CASE WHEN j.span_kind IS NOT NULL THEN j.span_start_ms ELSE j.at_ms END"
    " FROM rev_requests r JOIN journal j ON j.id = r.journal_id WHERE r.id = $1";
/* a courier's span running now, from dispatch's tables (see GET /v1/courier/shift, time.open) */
const char SQL_OBS_OPEN_ACTIVE[] =
    "SELECT accepted_ms, client_id FROM disp_jobs WHERE courier_id = $1"
    " AND (state = 'assigned' OR state = 'picked_up') AND accepted_ms IS NOT NULL ORDER BY accepted_ms, id LIMIT 1";
const char SQL_OBS_OPEN_WAITING[] =
    "SELECT idle_since_ms FROM disp_couriers WHERE courier_id = $1 AND shift_id IS NOT NULL"
    " AND idle_since_ms IS NOT NULL";
const char SQL_OBS_ONLINE_COURIERS[] =
    "SELECT courier_id FROM disp_couriers WHERE shift_id IS NOT NULL ORDER BY courier_id";
const char SQL_OBS_WORKERS[] =
    "SELECT DISTINCT worker_id FROM journal WHERE worker_id IS NOT NULL AND ("
    " (span_kind IS NOT NULL AND span_end_ms > $1 AND span_start_ms < $2)"
    " OR (amount_micros IS NOT NULL AND at_ms >= $1 AND at_ms < $2)) ORDER BY worker_id";
const char SQL_OBS_CLIENT_OF_TX[] =
    "SELECT a.owner_id FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id"
    " WHERE p.tx_id = $1 AND p.amount < 0 AND a.kind IN ('escrow', 'client_funds') ORDER BY p.id LIMIT 1";
const char SQL_OBS_CLIENT_OF_ASSIGNMENT[] = "SELECT client_id FROM mw_assignments WHERE id = $1";
const char SQL_OBS_CLIENT_OF_BATCH[] = "SELECT client_id FROM mw_batches WHERE id = $1";
const char SQL_OBS_CLIENT_OF_TASK[] = "SELECT client_id FROM mw_tasks WHERE id = $1";
const char SQL_OBS_CLIENT_OF_JOB[] = "SELECT client_id FROM disp_jobs WHERE id = $1";
const char SQL_OBS_CLIENT_OF_ITEM[] = "SELECT client_id FROM mod_items WHERE id = $1";
const char SQL_OBS_CLIENT_OF_CONTENT[] = "SELECT client_id FROM mod_content WHERE id = $1";
/* a content item is made or checked by humans when a moderator decided it
   (with or without the classifier's hint) or audited the automatic decision */
const char SQL_OBS_OUTPUT_MODERATION[] =
    "SELECT COUNT(DISTINCT content_id),"
    " COUNT(DISTINCT CASE WHEN automated <> 'fully' OR audit_state IN ('agreed', 'disagreed') THEN content_id END)"
    " FROM mod_decisions WHERE created_ms >= $1 AND created_ms < $2";
/* $5: the event that delivers an item ('' = any human active span); a
   remedy (decision_overturned: unpaid time paid after a review) delivers
   nothing */
const char SQL_OBS_OUTPUT[] =
    "SELECT COUNT(DISTINCT subject),"
    " COUNT(DISTINCT CASE WHEN automated = 0 AND span_kind = 'active' THEN subject END)"
    " FROM journal WHERE family = $1 AND at_ms >= $2 AND at_ms < $3 AND subject <> ''"
    " AND event <> 'decision_overturned' AND ($5 = '' OR event = $5)"
    " AND ((automated = 0 AND span_kind = 'active') OR (automated = 1 AND $4 = 1))";
const char SQL_OBS_WORKERS_REGISTERED[] = "SELECT COUNT(*) FROM accounts WHERE role = 'worker'";
const char SQL_OBS_WORKER_ACTIVITY[] =
    "SELECT COALESCE(MIN(span_start_ms), -1), COALESCE(MAX(span_end_ms), -1) FROM journal"
    " WHERE worker_id = $1 AND span_kind IS NOT NULL";

const char SQL_REV_AUTOMATED_OF[] =
    "SELECT " JROW " FROM journal WHERE worker_id = $1 AND automated = 1 ORDER BY id";
const char SQL_REV_SUBJECTS_OF[] = "SELECT subject, payload FROM journal WHERE worker_id = $1 ORDER BY id";
const char SQL_REV_AUTOMATED_SUBJECT[] =
    "SELECT " JROW " FROM journal WHERE subject = $1 AND automated = 1 AND worker_id IS NULL ORDER BY id";
const char SQL_REV_JOURNAL_GET[] = "SELECT " JROW " FROM journal WHERE id = $1";

#define REV_COLS                                                                                       \
    "id, worker_id, journal_id, family, event, message, state, created_ms, due_ms, COALESCE(reasons, ''),"  \
    " COALESCE(responder_id, -1), COALESCE(decided_ms, -1), remedy"
const char SQL_REV_INSERT[] =
    "INSERT INTO rev_requests(worker_id, journal_id, family, event, message, created_ms, due_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)";
const char SQL_REV_GET[] = "SELECT " REV_COLS " FROM rev_requests WHERE id = $1";
const char SQL_REV_OF_WORKER[] = "SELECT " REV_COLS " FROM rev_requests WHERE worker_id = $1 ORDER BY id";
const char SQL_REV_ALL[] =
    "SELECT " REV_COLS " FROM rev_requests WHERE ($1 = '' OR state = $1) ORDER BY state <> 'open', due_ms, id";
const char SQL_REV_BY_JOURNAL[] = "SELECT id FROM rev_requests WHERE worker_id = $1 AND journal_id = $2";
const char SQL_REV_DECIDE[] =
    "UPDATE rev_requests SET state = $2, reasons = $3, responder_id = $4, decided_ms = $5, remedy = $6"
    " WHERE id = $1 AND state = 'open'";

const char SQL_EXP_JOURNAL[] =
    "SELECT " JROW " FROM journal WHERE worker_id = $1 OR (actor_id = $1 AND worker_id IS NULL) ORDER BY id";
const char SQL_EXP_TOKENS[] =
    "SELECT label, created_ms, COALESCE(expires_ms, -1), revoked FROM tokens WHERE account_id = $1 ORDER BY created_ms";
const char SQL_EXP_POSTINGS[] =
    "SELECT t.id, t.created_ms, t.kind, t.memo, a.kind, a.ref, a.currency, p.amount, p.balance_after"
    " FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id JOIN ledger_tx t ON t.id = p.tx_id"
    " WHERE a.owner_id = $1 AND a.kind IN ('worker_earnings', 'client_funds', 'escrow') ORDER BY p.id";
const char SQL_EXP_MW_ASSIGNMENTS[] =
    "SELECT id, batch_id, task_id, state, claimed_ms, COALESCE(submitted_ms, -1), COALESCE(duration_ms, -1),"
    " COALESCE(answer, ''), COALESCE(review_reason, ''), paid_micros, bonus_micros"
    " FROM mw_assignments WHERE worker_id = $1 ORDER BY id";

const char SQL_REV_OVERDUE_DUE[] =
    "SELECT id, worker_id, journal_id, due_ms FROM rev_requests WHERE state = 'open' AND due_ms < $1"
    " AND overdue_ms IS NULL ORDER BY due_ms LIMIT 200";
const char SQL_REV_OVERDUE_MARK[] = "UPDATE rev_requests SET overdue_ms = $2 WHERE id = $1";
