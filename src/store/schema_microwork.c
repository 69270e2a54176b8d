/* schema_microwork — migration 2: the micro-work marketplace. Tables that
 * grow with the work carry client_id, their sharding key. */
#include "store/store_int.h"

const char store_schema_microwork[] =
    "CREATE TABLE mw_batches("
    " id INTEGER PRIMARY KEY,"
    " client_id INTEGER NOT NULL REFERENCES accounts(id),"
    " title TEXT NOT NULL,"
    " description TEXT NOT NULL DEFAULT '',"
    " instructions TEXT NOT NULL DEFAULT '',"
    " template TEXT NOT NULL,"
    " answer_type TEXT NOT NULL CHECK (answer_type IN ('single','multiple','text','number')),"
    " labels TEXT NOT NULL DEFAULT '[]',"
    " reward_micros INTEGER NOT NULL,"
    " overlap INTEGER NOT NULL,"
    " lease_ms INTEGER NOT NULL,"
    " lifetime_ms INTEGER NOT NULL,"
    " auto_approve_ms INTEGER NOT NULL,"
    " expected_seconds INTEGER NOT NULL,"
    " control_ratio_ppm INTEGER NOT NULL DEFAULT 0,"
    " min_skill_ppm INTEGER NOT NULL DEFAULT 0,"
    " min_control_answers INTEGER NOT NULL DEFAULT 3,"
    " qualification_batch INTEGER REFERENCES mw_batches(id),"
    " aggregation TEXT NOT NULL DEFAULT 'ds',"
    " confidence_target_ppm INTEGER NOT NULL DEFAULT 0,"
    " fee_ppm INTEGER NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','published','paused','cancelled','completed')),"
    " created_ms INTEGER NOT NULL,"
    " published_ms INTEGER,"
    " expires_ms INTEGER,"
    " budget INTEGER NOT NULL DEFAULT 0,"     /* answers paid for in escrow */
    " committed INTEGER NOT NULL DEFAULT 0,"  /* leased + submitted + reviewed */
    " topup_micros INTEGER NOT NULL DEFAULT 0," /* fair-pay top-up per approved answer */
    " median_ms INTEGER NOT NULL DEFAULT 0,"  /* median answer time, refreshed as answers grow */
    " median_n INTEGER NOT NULL DEFAULT 0,"
    " submitted_n INTEGER NOT NULL DEFAULT 0,"  /* answers submitted so far */
    " reviewed_n INTEGER NOT NULL DEFAULT 0,"   /* answers approved or rejected so far */
    " escrow_account INTEGER) STRICT;"
    "CREATE INDEX mw_batches_client ON mw_batches(client_id, id);"
    "CREATE INDEX mw_batches_state ON mw_batches(state, id);"
    "CREATE TABLE mw_tasks("
    " id INTEGER PRIMARY KEY,"
    " batch_id INTEGER NOT NULL REFERENCES mw_batches(id),"
    " client_id INTEGER NOT NULL,"
    " seq INTEGER NOT NULL,"
    " data TEXT NOT NULL,"
    " gold TEXT,"
    " is_control INTEGER NOT NULL DEFAULT 0,"
    " needed INTEGER NOT NULL,"
    " taken INTEGER NOT NULL DEFAULT 0,"
    " done INTEGER NOT NULL DEFAULT 0,"
    " closed INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (batch_id, seq)) STRICT;"
    "CREATE INDEX mw_tasks_open ON mw_tasks(batch_id, is_control, closed, id);"
    "CREATE TABLE mw_assignments("
    " id INTEGER PRIMARY KEY,"
    " task_id INTEGER NOT NULL REFERENCES mw_tasks(id),"
    " batch_id INTEGER NOT NULL,"
    " worker_id INTEGER NOT NULL REFERENCES accounts(id),"
    " client_id INTEGER NOT NULL,"
    " is_control INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL CHECK (state IN ('leased','submitted','returned','expired','approved','rejected')),"
    " claimed_ms INTEGER NOT NULL,"
    " deadline_ms INTEGER NOT NULL,"
    " submitted_ms INTEGER,"
    " duration_ms INTEGER,"
    " answer TEXT,"
    " answer_key TEXT,"
    " correct INTEGER,"
    " flagged_fast INTEGER NOT NULL DEFAULT 0,"
    " auto_approve_ms INTEGER,"
    " reviewed_ms INTEGER,"
    " reviewer_id INTEGER,"
    " review_reason TEXT,"
    " paid_micros INTEGER NOT NULL DEFAULT 0,"
    " bonus_micros INTEGER NOT NULL DEFAULT 0) STRICT;"
    /* few indexes: every one is rewritten on each claim and submit */
    "CREATE INDEX mw_assignments_task_worker ON mw_assignments(task_id, worker_id);"
    "CREATE INDEX mw_assignments_batch ON mw_assignments(batch_id, state);"
    "CREATE INDEX mw_assignments_worker ON mw_assignments(worker_id, state, batch_id);"
    "CREATE INDEX mw_assignments_deadline ON mw_assignments(deadline_ms) WHERE state = 'leased';"
    "CREATE INDEX mw_assignments_autoapprove ON mw_assignments(auto_approve_ms) WHERE state = 'submitted';"
    /* the median answer time walks this index instead of sorting the batch */
    "CREATE INDEX mw_assignments_duration ON mw_assignments(batch_id, duration_ms) WHERE duration_ms IS NOT NULL;"
    "CREATE TABLE mw_worker_batch("
    " batch_id INTEGER NOT NULL,"
    " worker_id INTEGER NOT NULL,"
    " answers INTEGER NOT NULL DEFAULT 0,"
    " control_claims INTEGER NOT NULL DEFAULT 0,"
    " control_answers INTEGER NOT NULL DEFAULT 0,"
    " control_correct INTEGER NOT NULL DEFAULT 0,"
    " rejected INTEGER NOT NULL DEFAULT 0,"
    " blocked INTEGER NOT NULL DEFAULT 0,"
    " block_reason TEXT,"
    " block_journal_id INTEGER,"
    " PRIMARY KEY (batch_id, worker_id)) STRICT;"
    "CREATE TABLE mw_appeals("
    " id INTEGER PRIMARY KEY,"
    " assignment_id INTEGER NOT NULL REFERENCES mw_assignments(id),"
    " batch_id INTEGER NOT NULL,"
    " client_id INTEGER NOT NULL,"
    " worker_id INTEGER NOT NULL,"
    " message TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','upheld','overturned')),"
    " response TEXT,"
    " responder_id INTEGER,"
    " created_ms INTEGER NOT NULL,"
    " decided_ms INTEGER,"
    " UNIQUE (assignment_id)) STRICT;";

/* Migration 6: leaner assignment indexes. A submit changes an assignment's
 * state; every index holding the state was rewritten by it. The batch and
 * worker indexes no longer hold it (their queries filter the rows, in id
 * order), and a worker's live lease is found by a partial index of leased
 * assignments only, which a submit leaves once. */
const char store_schema_microwork_6[] =
    "DROP INDEX mw_assignments_batch;"
    "DROP INDEX mw_assignments_worker;"
    "CREATE INDEX mw_assignments_batch ON mw_assignments(batch_id);"
    "CREATE INDEX mw_assignments_worker ON mw_assignments(worker_id);"
    "CREATE INDEX mw_assignments_live ON mw_assignments(worker_id, batch_id) WHERE state = 'leased';";

/* Migration 11: fair pay per worker (issue 14). Each worker's standing on a
 * batch keeps the running totals of their approved answers — count, active
 * time (claim -> submit) and pay (rewards and fair-pay top-ups; bonuses
 * apart) — so each approval tops the worker's pay on the batch up to the
 * minimum over their counted time in O(1); the time beyond the cap on one
 * answer is read from a partial index of approved answers by duration
 * (only the answers over the cap are visited). Rows written before this
 * migration are filled from the assignments. */
const char store_schema_microwork_11[] =
    "ALTER TABLE mw_worker_batch ADD COLUMN approved_n INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE mw_worker_batch ADD COLUMN approved_ms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE mw_worker_batch ADD COLUMN approved_paid_micros INTEGER NOT NULL DEFAULT 0;"
    "UPDATE mw_worker_batch SET"
    " approved_n = (SELECT COUNT(*) FROM mw_assignments a WHERE a.batch_id = mw_worker_batch.batch_id"
    "  AND a.worker_id = mw_worker_batch.worker_id AND a.state = 'approved'),"
    " approved_ms = (SELECT COALESCE(SUM(a.duration_ms), 0) FROM mw_assignments a"
    "  WHERE a.batch_id = mw_worker_batch.batch_id AND a.worker_id = mw_worker_batch.worker_id"
    "  AND a.state = 'approved'),"
    " approved_paid_micros = (SELECT COALESCE(SUM(a.paid_micros), 0) FROM mw_assignments a"
    "  WHERE a.batch_id = mw_worker_batch.batch_id AND a.worker_id = mw_worker_batch.worker_id"
    "  AND a.state = 'approved');"
    "CREATE INDEX mw_assignments_approved ON mw_assignments(batch_id, worker_id, duration_ms)"
    " WHERE state = 'approved';";

/* Migration 17: the client's template preview (issue 16). The console's
 * template editor stores the draft template and sample values here as the
 * client types; GET /v1/batches/preview/frame renders it as the worker's
 * task frame renders a task (its own sandboxed document), so the untrusted
 * template never runs in the console's origin. One row per client. */
const char store_schema_microwork_17[] =
    "CREATE TABLE mw_previews("
    " client_id INTEGER NOT NULL PRIMARY KEY REFERENCES accounts(id),"
    " template TEXT NOT NULL,"
    " data TEXT NOT NULL,"
    " updated_ms INTEGER NOT NULL) STRICT;";
