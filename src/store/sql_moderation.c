/* sql_moderation — the SQL of the content moderation service ($n
 * parameters; comments give parameters -> columns). */
#include "store/sql_moderation.h"

/* clients: client, url, now */
const char SQL_MOD_CLIENT_PUT[] =
    "INSERT INTO mod_clients(client_id, callback_url, updated_ms) VALUES ($1, $2, $3)"
    " ON CONFLICT (client_id) DO UPDATE SET callback_url = excluded.callback_url, updated_ms = excluded.updated_ms";
/* client -> url, secret */
const char SQL_MOD_CLIENT_GET[] = "SELECT callback_url, callback_secret FROM mod_clients WHERE client_id = $1";
/* client, secret, now (the row exists) */
const char SQL_MOD_CLIENT_SECRET[] =
    "UPDATE mod_clients SET callback_secret = $2, updated_ms = $3 WHERE client_id = $1";

/* moderators */
const char SQL_MOD_MOD_ENSURE[] =
    "INSERT INTO mod_moderators(worker_id, created_ms) VALUES ($1, $2) ON CONFLICT (worker_id) DO NOTHING";
/* worker -> child_safety, senior, streak_start, last_end, paid_until */
const char SQL_MOD_MOD_GET[] =
    "SELECT child_safety, senior, streak_start_ms, last_end_ms, paid_until_ms, onboarded_ms, gentle_left"
    " FROM mod_moderators WHERE worker_id = $1";
const char SQL_MOD_MOD_ROLES[] = "UPDATE mod_moderators SET child_safety = $2, senior = $3 WHERE worker_id = $1";
const char SQL_MOD_MOD_STREAK[] = "UPDATE mod_moderators SET streak_start_ms = $2, last_end_ms = $3 WHERE worker_id = $1";
/* worker, onboarded_ms, gentle_left */
const char SQL_MOD_MOD_ONBOARD[] = "UPDATE mod_moderators SET onboarded_ms = $2, gentle_left = $3 WHERE worker_id = $1";
const char SQL_MOD_MOD_GENTLE_DEC[] =
    "UPDATE mod_moderators SET gentle_left = gentle_left - 1 WHERE worker_id = $1 AND gentle_left > 0";
/* worker -> id of each live lease on a category the worker opted out of */
const char SQL_MOD_ITEMS_OPTED_OUT[] =
    "SELECT i.id FROM mod_items i JOIN mod_optouts o ON o.worker_id = i.lease_worker AND o.category = i.category"
    " WHERE i.state = 'leased' AND i.lease_worker = $1 ORDER BY i.id";
const char SQL_MOD_MOD_PAID_UNTIL[] = "UPDATE mod_moderators SET paid_until_ms = $2 WHERE worker_id = $1";
const char SQL_MOD_LANGS_DEL[] = "DELETE FROM mod_langs WHERE worker_id = $1";
const char SQL_MOD_LANG_ADD[] = "INSERT INTO mod_langs(worker_id, lang) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const char SQL_MOD_LANG_COUNT[] = "SELECT COUNT(*) FROM mod_langs WHERE worker_id = $1";
const char SQL_MOD_LANGS[] = "SELECT lang FROM mod_langs WHERE worker_id = $1 ORDER BY lang";
const char SQL_MOD_OPTOUTS_DEL[] = "DELETE FROM mod_optouts WHERE worker_id = $1";
const char SQL_MOD_OPTOUT_ADD[] = "INSERT INTO mod_optouts(worker_id, category) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const char SQL_MOD_OPTOUTS[] = "SELECT category FROM mod_optouts WHERE worker_id = $1 ORDER BY category";

/* queues */
const char SQL_MOD_QUEUE_INSERT[] =
    "INSERT INTO mod_queues(name, graphic, child_safety, senior, created_ms) VALUES ($1, $2, $3, $4, $5)";
const char SQL_MOD_QUEUE_GET[] = "SELECT graphic, child_safety, senior FROM mod_queues WHERE id = $1";
const char SQL_MOD_QUEUE_BY_NAME[] = "SELECT id FROM mod_queues WHERE name = $1";
/* -> id, name, graphic, child_safety, senior, open, leased */
const char SQL_MOD_QUEUES[] =
    "SELECT q.id, q.name, q.graphic, q.child_safety, q.senior,"
    " (SELECT COUNT(*) FROM mod_items i WHERE i.queue_id = q.id AND i.state = 'open'),"
    " (SELECT COUNT(*) FROM mod_items i WHERE i.queue_id = q.id AND i.state = 'leased')"
    " FROM mod_queues q ORDER BY q.id";
/* child_safety -> id */
const char SQL_MOD_QUEUE_SENIOR[] =
    "SELECT id FROM mod_queues WHERE senior = 1 ORDER BY CASE WHEN child_safety = $1 THEN 0 ELSE 1 END, id LIMIT 1";

/* rules: position, queue, category|NULL, language|NULL, client|NULL, min_severity|NULL */
const char SQL_MOD_RULE_INSERT[] =
    "INSERT INTO mod_rules(position, queue_id, category, language, client_id, min_severity)"
    " VALUES ($1, $2, $3, $4, $5, $6)";
const char SQL_MOD_RULES[] =
    "SELECT id, position, queue_id, COALESCE(category, ''), COALESCE(language, ''), COALESCE(client_id, -1),"
    " COALESCE(min_severity, -1) FROM mod_rules ORDER BY position, id";
/* category, language, client, severity -> queue */
const char SQL_MOD_ROUTE[] =
    "SELECT queue_id FROM mod_rules WHERE (category IS NULL OR category = $1)"
    " AND (language IS NULL OR language = $2) AND (client_id IS NULL OR client_id = $3)"
    " AND (min_severity IS NULL OR $4 >= min_severity) ORDER BY position, id LIMIT 1";

/* content: client, ref, text, media_url, media_kind, author, language, hint, severity, content_date, now */
const char SQL_MOD_CONTENT_INSERT[] =
    "INSERT INTO mod_content(client_id, client_ref, text, media_url, media_kind, author_ref, language,"
    " category_hint, severity, content_date_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const char SQL_MOD_CONTENT_BY_REF[] = "SELECT id FROM mod_content WHERE client_id = $1 AND client_ref = $2";
/* id -> id, client, ref, text, media_url, media_kind, author, language, hint, severity, content_date, created */
const char SQL_MOD_CONTENT_GET[] =
    "SELECT id, client_id, client_ref, text, media_url, media_kind, author_ref, language, category_hint, severity,"
    " content_date_ms, created_ms FROM mod_content WHERE id = $1";

/* reporters */
const char SQL_MOD_REPORTER_ENSURE[] =
    "INSERT INTO mod_reporters(client_id, reporter_key) VALUES ($1, $2) ON CONFLICT DO NOTHING";
/* client, key -> id, deprioritised */
const char SQL_MOD_REPORTER_GET[] =
    "SELECT id, deprioritised FROM mod_reporters WHERE client_id = $1 AND reporter_key = $2";
const char SQL_MOD_REPORTER_NOTICE[] = "UPDATE mod_reporters SET notices = notices + 1 WHERE id = $1";
/* id, founded+, unfounded+ -> notices, founded, unfounded, deprioritised */
const char SQL_MOD_REPORTER_OUTCOME[] =
    "UPDATE mod_reporters SET founded = founded + $2, unfounded = unfounded + $3 WHERE id = $1"
    " RETURNING notices, founded, unfounded, deprioritised";
const char SQL_MOD_REPORTER_DEPRIO[] = "UPDATE mod_reporters SET deprioritised = 1 WHERE id = $1";

/* notices: client, content, category, explanation, trusted, reporter|NULL, name, contact, deprio, item|NULL,
   decision|NULL, outcome|NULL, now, good faith */
const char SQL_MOD_NOTICE_INSERT[] =
    "INSERT INTO mod_notices(client_id, content_id, category, explanation, trusted, reporter_id, reporter_name,"
    " reporter_contact, deprioritised, item_id, decision_id, outcome, created_ms, good_faith)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
/* id -> id, client, content, category, explanation, trusted, name, deprio, item, decision, outcome, created,
   good faith */
const char SQL_MOD_NOTICE_GET[] =
    "SELECT id, client_id, content_id, category, explanation, trusted, reporter_name, deprioritised,"
    " COALESCE(item_id, -1), COALESCE(decision_id, -1), COALESCE(outcome, ''), created_ms, good_faith"
    " FROM mod_notices WHERE id = $1";
/* content -> id, reporter, trusted */
const char SQL_MOD_NOTICES_OPEN[] =
    "SELECT id, COALESCE(reporter_id, -1), trusted FROM mod_notices WHERE content_id = $1 AND decision_id IS NULL"
    " ORDER BY id";
const char SQL_MOD_NOTICE_ANSWER[] = "UPDATE mod_notices SET decision_id = $2, outcome = $3 WHERE id = $1";
/* content -> id, category, explanation, trusted, deprio, outcome, created */
const char SQL_MOD_NOTICES_OF_CONTENT[] =
    "SELECT id, category, explanation, trusted, deprioritised, COALESCE(outcome, ''), created_ms FROM mod_notices"
    " WHERE content_id = $1 ORDER BY id";
/* content -> notices, trusted */
const char SQL_MOD_NOTICE_COUNTS[] =
    "SELECT COUNT(*), COALESCE(SUM(trusted), 0) FROM mod_notices WHERE content_id = $1";
const char SQL_MOD_NOTICE_TRUSTED_NAME[] =
    "SELECT reporter_name FROM mod_notices WHERE content_id = $1 AND trusted = 1 AND reporter_name <> ''"
    " ORDER BY id LIMIT 1";

#define ITEM_COLS                                                                                              \
    "id, client_id, content_id, queue_id, severity, notices, trusted_notices, deprioritised, graphic,"          \
    " child_safety, kind, state, category, language, hint_label, hint_version, hint_ppm, auto_flagged,"         \
    " COALESCE(excluded_worker, -1), COALESCE(ref_decision, -1), COALESCE(appeal_id, -1), queued_ms,"            \
    " COALESCE(lease_worker, -1), COALESCE(lease_start_ms, -1), COALESCE(lease_until_ms, -1),"                  \
    " COALESCE(lease_escrow, -1), unblurred, escalations, created_ms"

/* client, content, kind, queue, category, language, severity, notices, trusted, deprio, graphic, child_safety,
   hint_label, hint_ppm, hint_version, auto_flagged, excluded|NULL, ref_decision|NULL, appeal|NULL, now */
const char SQL_MOD_ITEM_INSERT[] =
    "INSERT INTO mod_items(client_id, content_id, kind, queue_id, state, category, language, severity, notices,"
    " trusted_notices, deprioritised, graphic, child_safety, hint_label, hint_ppm, hint_version, auto_flagged,"
    " excluded_worker, ref_decision, appeal_id, queued_ms, created_ms) VALUES ($1, $2, $3, $4, 'open', $5, $6,"
    " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)";
const char SQL_MOD_ITEM_GET[] = "SELECT " ITEM_COLS " FROM mod_items WHERE id = $1";
const char SQL_MOD_ITEM_OPEN_OF_CONTENT[] =
    "SELECT id FROM mod_items WHERE content_id = $1 AND kind = 'review' AND state <> 'done' ORDER BY id LIMIT 1";
/* id, notices, trusted, deprio, severity, category, queue, graphic, child_safety */
const char SQL_MOD_ITEM_RENOTICE[] =
    "UPDATE mod_items SET notices = $2, trusted_notices = $3, deprioritised = $4, severity = $5, category = $6,"
    " queue_id = $7, graphic = $8, child_safety = $9 WHERE id = $1";
/* id, worker, start, until, escrow */
const char SQL_MOD_ITEM_LEASE[] =
    "UPDATE mod_items SET state = 'leased', lease_worker = $2, lease_start_ms = $3, lease_until_ms = $4,"
    " lease_escrow = $5, unblurred = 0 WHERE id = $1 AND state = 'open'";
const char SQL_MOD_ITEM_REOPEN[] =
    "UPDATE mod_items SET state = 'open', lease_start_ms = NULL, lease_until_ms = NULL,"
    " lease_escrow = NULL, unblurred = 0 WHERE id = $1"; /* lease_worker stays: the last holder */
/* id, queue, graphic, child_safety */
const char SQL_MOD_ITEM_MOVE[] =
    "UPDATE mod_items SET queue_id = $2, graphic = $3, child_safety = $4, escalations = escalations + 1"
    " WHERE id = $1";
const char SQL_MOD_ITEM_DONE[] = "UPDATE mod_items SET state = 'done', done_ms = $2 WHERE id = $1";
const char SQL_MOD_ITEM_BLUR_ALL[] = "UPDATE mod_items SET unblurred = 0 WHERE lease_worker = $1 AND state = 'leased'";
const char SQL_MOD_ITEM_UNBLUR[] = "UPDATE mod_items SET unblurred = 1 WHERE id = $1";
const char SQL_MOD_ITEMS_EXPIRED[] =
    "SELECT id FROM mod_items WHERE state = 'leased' AND lease_until_ms <= $1 ORDER BY lease_until_ms, id LIMIT 500";
const char SQL_MOD_ITEMS_OF_WORKER[] =
    "SELECT id FROM mod_items WHERE state = 'leased' AND lease_worker = $1 ORDER BY id";
/* now, worker, queue(-1 any), senior, child_safety, graphic_ok -> id, client */
const char SQL_MOD_ITEM_CANDIDATES[] =
    "SELECT i.id, i.client_id FROM mod_items i JOIN mod_queues q ON q.id = i.queue_id"
    " WHERE i.state = 'open' AND ($3 < 0 OR i.queue_id = $3)"
    " AND (q.senior = 0 OR $4 = 1) AND (i.child_safety = 0 OR $5 = 1) AND (i.graphic = 0 OR $6 = 1)"
    " AND (i.excluded_worker IS NULL OR i.excluded_worker <> $2)"
    " AND NOT EXISTS (SELECT 1 FROM mod_skips s WHERE s.item_id = i.id AND s.worker_id = $2)"
    " AND NOT EXISTS (SELECT 1 FROM mod_optouts o WHERE o.worker_id = $2 AND o.category = i.category)"
    " AND (i.language = '' OR NOT EXISTS (SELECT 1 FROM mod_langs l WHERE l.worker_id = $2)"
    "      OR EXISTS (SELECT 1 FROM mod_langs l WHERE l.worker_id = $2 AND l.lang = i.language))"
    " ORDER BY (i.severity * 1000 + i.trusted_notices * 500"
    "   + (CASE WHEN i.notices > 10 THEN 10 ELSE i.notices END) * 100"
    "   + ($1 - i.queued_ms) / 60000 - i.deprioritised * 5000) DESC, i.id LIMIT 50";
const char SQL_MOD_SKIP_ADD[] = "INSERT INTO mod_skips(item_id, worker_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";

/* decisions: client, content, item|NULL, action, category, ground, automated, detection, moderator|NULL,
   score|NULL, threshold|NULL, version|NULL, received, now, supersedes|NULL, audit_state */
const char SQL_MOD_DECISION_INSERT[] =
    "INSERT INTO mod_decisions(client_id, content_id, item_id, action, category, ground, automated,"
    " detection_automated, moderator_id, score_ppm, threshold_ppm, model_version, statement, received_ms,"
    " created_ms, supersedes, audit_state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '{}', $13,"
    " $14, $15, $16)";
const char SQL_MOD_DECISION_CLAUSE[] = "UPDATE mod_decisions SET clause_id = $2 WHERE id = $1";
const char SQL_MOD_DECISION_STATEMENT[] = "UPDATE mod_decisions SET statement = $2 WHERE id = $1";
/* id -> id, client, content, item, action, category, ground, automated, detection, moderator, score,
   threshold, version, statement, received, created, supersedes, superseded_by, audit_state */
const char SQL_MOD_DECISION_GET[] =
    "SELECT id, client_id, content_id, COALESCE(item_id, -1), action, category, ground, automated,"
    " detection_automated, COALESCE(moderator_id, -1), COALESCE(score_ppm, -1), COALESCE(threshold_ppm, -1),"
    " COALESCE(model_version, ''), statement, received_ms, created_ms, COALESCE(supersedes, -1),"
    " COALESCE(superseded_by, -1), audit_state FROM mod_decisions WHERE id = $1";
const char SQL_MOD_DECISION_SUPERSEDE[] = "UPDATE mod_decisions SET superseded_by = $2 WHERE id = $1";
const char SQL_MOD_DECISION_AUDIT[] = "UPDATE mod_decisions SET audit_state = $2 WHERE id = $1";
/* content -> id */
const char SQL_MOD_DECISIONS_OF_CONTENT[] = "SELECT id FROM mod_decisions WHERE content_id = $1 ORDER BY id";
/* content -> id, action */
const char SQL_MOD_DECISION_LATEST[] =
    "SELECT id, action FROM mod_decisions WHERE content_id = $1 AND superseded_by IS NULL ORDER BY id DESC LIMIT 1";

/* appeals: client, decision, content, explanation, now */
const char SQL_MOD_APPEAL_INSERT[] =
    "INSERT INTO mod_appeals(client_id, decision_id, content_id, explanation, created_ms) VALUES ($1, $2, $3, $4, $5)";
const char SQL_MOD_APPEAL_BY_DECISION[] = "SELECT id FROM mod_appeals WHERE decision_id = $1";
const char SQL_MOD_APPEAL_SET_ITEM[] = "UPDATE mod_appeals SET item_id = $2 WHERE id = $1";
/* id, state, reviewer, reasons, new_decision|NULL, now */
const char SQL_MOD_APPEAL_DECIDE[] =
    "UPDATE mod_appeals SET state = $2, reviewer_id = $3, reasons = $4, new_decision = $5, decided_ms = $6 WHERE id = $1";
/* id -> id, decision, state, explanation, reasons, new_decision, created, decided */
const char SQL_MOD_APPEAL_GET[] =
    "SELECT id, decision_id, state, explanation, COALESCE(reasons, ''), COALESCE(new_decision, -1), created_ms,"
    " COALESCE(decided_ms, -1) FROM mod_appeals WHERE id = $1";

/* callbacks: client, event, body, next, now */
const char SQL_MOD_CB_INSERT[] =
    "INSERT INTO mod_callbacks(client_id, event, body, next_ms, created_ms) VALUES ($1, $2, $3, $4, $5)";
/* now, limit -> id, client, body, attempts, url, secret */
const char SQL_MOD_CB_DUE[] =
    "SELECT c.id, c.client_id, c.body, c.attempts, COALESCE(m.callback_url, ''), COALESCE(m.callback_secret, '')"
    " FROM mod_callbacks c"
    " LEFT JOIN mod_clients m ON m.client_id = c.client_id WHERE c.state = 'pending' AND c.next_ms <= $1"
    " ORDER BY c.next_ms, c.id LIMIT $2";
/* id, now, status */
const char SQL_MOD_CB_DELIVERED[] =
    "UPDATE mod_callbacks SET state = 'delivered', attempts = attempts + 1, delivered_ms = $2, last_status = $3,"
    " last_error = '' WHERE id = $1";
/* id, next, error, status|NULL */
const char SQL_MOD_CB_FAILED[] =
    "UPDATE mod_callbacks SET attempts = attempts + 1, next_ms = $2, last_error = $3, last_status = $4 WHERE id = $1";
/* client -> id, event, state, attempts, next, error, status, created, delivered */
const char SQL_MOD_CB_OF_CLIENT[] =
    "SELECT id, event, state, attempts, next_ms, last_error, COALESCE(last_status, -1), created_ms,"
    " COALESCE(delivered_ms, -1) FROM mod_callbacks WHERE client_id = $1 ORDER BY id DESC LIMIT 200";

/* worktime: worker, client, item, category, graphic, start, end, day, paid */
const char SQL_MOD_WT_INSERT[] =
    "INSERT INTO mod_worktime(worker_id, client_id, item_id, category, graphic, start_ms, end_ms, day, paid_micros)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
/* worker, day -> graphic ms */
const char SQL_MOD_WT_GRAPHIC_DAY[] =
    "SELECT COALESCE(SUM(end_ms - start_ms), 0) FROM mod_worktime WHERE worker_id = $1 AND day = $2 AND graphic = 1";
/* worker, from, to -> category, graphic, ms, paid */
const char SQL_MOD_WT_BY_CAT[] =
    "SELECT category, graphic, SUM(end_ms - start_ms), SUM(paid_micros) FROM mod_worktime WHERE worker_id = $1"
    " AND end_ms >= $2 AND end_ms < $3 GROUP BY category, graphic ORDER BY category";

/* training and model */
const char SQL_MOD_TRAIN_INSERT[] =
    "INSERT INTO mod_training(content_id, label, source, created_ms) VALUES ($1, $2, $3, $4)";
/* after, limit -> id, label, text */
const char SQL_MOD_TRAIN_AFTER[] =
    "SELECT t.id, t.label, c.text FROM mod_training t JOIN mod_content c ON c.id = t.content_id WHERE t.id > $1"
    " ORDER BY t.id LIMIT $2";
const char SQL_MOD_TRAIN_MAX[] = "SELECT COALESCE(MAX(id), 0) FROM mod_training";
/* -> gen, learned_through, model */
const char SQL_MOD_MODEL_GET[] = "SELECT gen, learned_through, model FROM mod_model WHERE id = 1";
/* gen, learned_through, model, now */
const char SQL_MOD_MODEL_PUT[] =
    "INSERT INTO mod_model(id, gen, learned_through, model, saved_ms) VALUES (1, $1, $2, $3, $4)"
    " ON CONFLICT (id) DO UPDATE SET gen = excluded.gen, learned_through = excluded.learned_through,"
    " model = excluded.model, saved_ms = excluded.saved_ms";

/* transparency (from, to, client(-1 all)) */
#define RANGE(col) " " col " >= $1 AND " col " < $2 AND ($3 < 0 OR client_id = $3)"
/* -> category, trusted, count */
const char SQL_MOD_T_NOTICES[] =
    "SELECT category, trusted, COUNT(*) FROM mod_notices WHERE" RANGE("created_ms") " GROUP BY category, trusted"
    " ORDER BY category, trusted";
/* -> automated, count */
const char SQL_MOD_T_DECISIONS[] =
    "SELECT automated, COUNT(*) FROM mod_decisions WHERE" RANGE("created_ms") " GROUP BY automated";
/* -> action, count */
const char SQL_MOD_T_ACTIONS[] =
    "SELECT action, COUNT(*) FROM mod_decisions WHERE" RANGE("created_ms") " GROUP BY action ORDER BY action";
/* from, to, client -> the median time from intake to the first decision on
   content (decisions that replace another after an appeal are left out) */
const char SQL_MOD_T_MEDIAN[] =
    "SELECT created_ms - received_ms FROM mod_decisions WHERE" RANGE("created_ms") " AND supersedes IS NULL"
    " ORDER BY 1 LIMIT 1 OFFSET (SELECT (COUNT(*) - 1) / 2 FROM mod_decisions WHERE" RANGE("created_ms")
    " AND supersedes IS NULL)";
/* from, to, client -> the median time from an appeal to its outcome, appeals decided in the period */
const char SQL_MOD_T_APPEALS_MEDIAN[] =
    "SELECT decided_ms - created_ms FROM mod_appeals WHERE state <> 'open' AND" RANGE("decided_ms")
    " ORDER BY 1 LIMIT 1 OFFSET (SELECT (COUNT(*) - 1) / 2 FROM mod_appeals WHERE state <> 'open' AND"
    RANGE("decided_ms") ")";
/* -> agreed, disagreed, pending */
const char SQL_MOD_T_AUDIT[] =
    "SELECT COALESCE(SUM(CASE WHEN audit_state = 'agreed' THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN audit_state = 'disagreed' THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN audit_state = 'pending' THEN 1 ELSE 0 END), 0)"
    " FROM mod_decisions WHERE automated = 'fully' AND" RANGE("created_ms");
const char SQL_MOD_T_APPEALS_IN[] = "SELECT COUNT(*) FROM mod_appeals WHERE" RANGE("created_ms");
/* -> decided, reversed */
const char SQL_MOD_T_APPEALS_OUT[] =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'reversed' THEN 1 ELSE 0 END), 0) FROM mod_appeals"
    " WHERE state <> 'open' AND" RANGE("decided_ms");
const char SQL_MOD_T_HOURS[] = "SELECT COALESCE(SUM(end_ms - start_ms), 0) FROM mod_worktime WHERE" RANGE("end_ms");
const char SQL_MOD_T_MODERATORS[] = "SELECT COUNT(DISTINCT worker_id) FROM mod_worktime WHERE" RANGE("end_ms");
/* -> lang, moderators */
const char SQL_MOD_T_LANGS[] =
    "SELECT l.lang, COUNT(DISTINCT w.worker_id) FROM mod_worktime w JOIN mod_langs l ON l.worker_id = w.worker_id"
    " WHERE w.end_ms >= $1 AND w.end_ms < $2 AND ($3 < 0 OR w.client_id = $3) GROUP BY l.lang ORDER BY l.lang";

/* statements for the DSA Transparency Database: decision, now */
const char SQL_MOD_TDB_QUEUE[] = "INSERT INTO mod_tdb(decision_id, next_ms, created_ms) VALUES ($1, $2, $2)";
/* now, limit -> decision, attempts, statement */
const char SQL_MOD_TDB_DUE[] =
    "SELECT t.decision_id, t.attempts, d.statement FROM mod_tdb t JOIN mod_decisions d ON d.id = t.decision_id"
    " WHERE t.state = 'pending' AND t.next_ms <= $1 ORDER BY t.next_ms, t.decision_id LIMIT $2";
/* decision, now, status, uuid */
const char SQL_MOD_TDB_SUBMITTED[] =
    "UPDATE mod_tdb SET state = 'submitted', attempts = attempts + 1, submitted_ms = $2, last_status = $3,"
    " last_error = '', tdb_uuid = $4 WHERE decision_id = $1";
/* decision, next, error, status|NULL */
const char SQL_MOD_TDB_FAILED[] =
    "UPDATE mod_tdb SET attempts = attempts + 1, next_ms = $2, last_error = $3, last_status = $4 WHERE decision_id = $1";
/* decision, error, status */
const char SQL_MOD_TDB_REJECTED[] =
    "UPDATE mod_tdb SET state = 'rejected', attempts = attempts + 1, last_error = $2, last_status = $3"
    " WHERE decision_id = $1";
/* -> state, count */
const char SQL_MOD_TDB_COUNTS[] = "SELECT state, COUNT(*) FROM mod_tdb GROUP BY state ORDER BY state";
/* -> decision, state, attempts, next, error, status, uuid, created, submitted: the latest 200, the
   refused and failing first */
const char SQL_MOD_TDB_LIST[] =
    "SELECT decision_id, state, attempts, next_ms, last_error, COALESCE(last_status, -1), tdb_uuid, created_ms,"
    " COALESCE(submitted_ms, -1) FROM mod_tdb"
    " ORDER BY CASE WHEN state = 'rejected' THEN 0 WHEN attempts > 0 AND state = 'pending' THEN 1 ELSE 2 END,"
    " decision_id DESC LIMIT 200";

/* the catalogue of terms clauses: code, title, text, now */
const char SQL_MOD_CLAUSE_INSERT[] = "INSERT INTO mod_clauses(code, title, text, created_ms) VALUES ($1, $2, $3, $4)";
/* -> id, code, title, text, active (active first, then by code) */
const char SQL_MOD_CLAUSES[] =
    "SELECT id, code, title, text, active FROM mod_clauses ORDER BY active DESC, code, id";
const char SQL_MOD_CLAUSE_GET[] = "SELECT id, code, title, text, active FROM mod_clauses WHERE id = $1";
const char SQL_MOD_CLAUSE_BY_CODE[] = "SELECT id, code, title, text, active FROM mod_clauses WHERE code = $1";
/* id, now */
const char SQL_MOD_CLAUSE_RETIRE[] = "UPDATE mod_clauses SET active = 0, retired_ms = $2 WHERE id = $1 AND active = 1";
