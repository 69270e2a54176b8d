#include "store/sql_core.h"

#define ACCOUNT_COLS "id, role, name, email, status, created_ms"

const char SQL_ACCOUNT_INSERT[] =
    "INSERT INTO accounts(role, name, email, pw_hash, created_ms) VALUES ($1, $2, $3, $4, $5)";
const char SQL_ACCOUNT_BY_ID[] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = $1";
const char SQL_ACCOUNT_BY_EMAIL[] = "SELECT " ACCOUNT_COLS ", pw_hash FROM accounts WHERE email = $1";
const char SQL_ACCOUNT_COUNT_ROLE[] = "SELECT COUNT(*) FROM accounts WHERE role = $1";
const char SQL_ACCOUNT_EMAIL_EXISTS[] = "SELECT 1 FROM accounts WHERE email = $1";
const char SQL_ACCOUNT_SET_STATUS[] = "UPDATE accounts SET status = $2 WHERE id = $1";
const char SQL_ACCOUNT_LIST[] =
    "SELECT " ACCOUNT_COLS " FROM accounts"
    " WHERE ($1 = '' OR role = $1) AND ($2 = '' OR status = $2)"
    /* "contains $3", written the same on SQLite and PostgreSQL (no instr,
       no LIKE wildcards to escape): removing $3 changes the text */
    " AND ($3 = '' OR replace(lower(name), $3, '') <> lower(name) OR replace(email, $3, '') <> email) AND id > $4"
    " ORDER BY id LIMIT $5";
const char SQL_TOKEN_INSERT[] =
    "INSERT INTO tokens(hash, account_id, label, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)";
const char SQL_TOKEN_LOOKUP[] =
    "SELECT a.id, a.role, a.name, a.email, a.status, a.created_ms, COALESCE(t.expires_ms, 9223372036854775807)"
    " FROM tokens t"
    " JOIN accounts a ON a.id = t.account_id"
    " WHERE t.hash = $1 AND t.revoked = 0 AND (t.expires_ms IS NULL OR t.expires_ms > $2)";
const char SQL_TOKEN_REVOKE[] = "UPDATE tokens SET revoked = 1 WHERE hash = $1";

const char SQL_LEDGER_ACCOUNT_FIND[] =
    "SELECT id, balance FROM ledger_accounts WHERE kind = $1 AND owner_id = $2 AND ref = $3 AND currency = $4";
const char SQL_LEDGER_ACCOUNT_INSERT[] =
    "INSERT INTO ledger_accounts(kind, owner_id, ref, currency, may_go_negative) VALUES ($1, $2, $3, $4, $5)";
const char SQL_LEDGER_TX_BY_KEY[] = "SELECT id FROM ledger_tx WHERE idem_key = $1";
const char SQL_LEDGER_TX_INSERT[] =
    "INSERT INTO ledger_tx(idem_key, kind, memo, actor_id, created_ms) VALUES ($1, $2, $3, $4, $5)";
const char SQL_LEDGER_APPLY[] =
    "UPDATE ledger_accounts SET balance = balance + $1 WHERE id = $2";
const char SQL_LEDGER_POSTING_INSERT[] =
    "INSERT INTO ledger_postings(tx_id, account_id, amount, balance_after) VALUES ($1, $2, $3, $4)";
const char SQL_LEDGER_SUM_ALL[] = "SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts";
const char SQL_LEDGER_BALANCE_OWNER[] =
    "SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts WHERE kind = $1 AND owner_id = $2 AND currency = $3";

const char SQL_JOURNAL_LAST[] = "SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1";
const char SQL_JOURNAL_INSERT[] =
    "INSERT INTO journal(id, at_ms, family, event, actor_id, worker_id, subject, automated,"
    " span_kind, span_start_ms, span_end_ms, amount_micros, payload, prev_hash, hash)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
const char SQL_JOURNAL_ALL[] =
    "SELECT id, at_ms, family, event, actor_id, worker_id, subject, automated, span_kind,"
    " span_start_ms, span_end_ms, amount_micros, payload, prev_hash, hash FROM journal ORDER BY id";
const char SQL_JOURNAL_SPANS[] =
    "SELECT span_kind, span_start_ms, span_end_ms FROM journal"
    " WHERE worker_id = $1 AND span_kind IS NOT NULL AND span_end_ms > $2 AND span_start_ms < $3 ORDER BY id";
const char SQL_JOURNAL_PAID[] =
    "SELECT COALESCE(SUM(amount_micros), 0) FROM journal"
    " WHERE worker_id = $1 AND amount_micros IS NOT NULL AND at_ms >= $2 AND at_ms < $3";

const char SQL_IDEM_GET[] =
    "SELECT method, path, status, body, fingerprint, created_ms FROM idempotency WHERE account_id = $1 AND key = $2";
const char SQL_IDEM_PUT[] =
    "INSERT INTO idempotency(account_id, key, method, path, status, body, created_ms, fingerprint)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const char SQL_IDEM_DELETE[] = "DELETE FROM idempotency WHERE account_id = $1 AND key = $2";
const char SQL_IDEM_PURGE[] = "DELETE FROM idempotency WHERE created_ms < $1";

const char SQL_SETTING_GET[] = "SELECT value FROM settings WHERE key = $1";
const char SQL_SETTING_PUT[] =
    "INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
const char SQL_LEDGER_ACCOUNT_INFO[] =
    "SELECT kind, owner_id, balance, may_go_negative, currency, ref FROM ledger_accounts WHERE id = $1";
