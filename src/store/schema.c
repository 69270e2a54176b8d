/*
 * schema — the numbered migrations embedded in the binary.
 *
 * Append new migrations at the end; never edit one that has shipped. Types
 * are those both SQLite (STRICT tables) and PostgreSQL accept once the
 * PostgreSQL driver maps INTEGER to BIGINT, BLOB to BYTEA and drops STRICT.
 * Tables that grow with the work carry the key they would be sharded by.
 */
#include <stddef.h>

#include "store/store_int.h"

const char SQL_MIGRATION_RECORD[] =
    "INSERT INTO schema_migrations(version, name, applied_ms) VALUES ($1, $2, $3)";
const char SQL_MIGRATION_DONE[] = "SELECT 1 FROM schema_migrations WHERE version = $1";

static const char m001_core[] =
    "CREATE TABLE accounts("
    " id INTEGER PRIMARY KEY,"
    " role TEXT NOT NULL CHECK (role IN ('worker','client','admin')),"
    " name TEXT NOT NULL,"
    " email TEXT NOT NULL UNIQUE,"
    " pw_hash TEXT,"
    " status TEXT NOT NULL DEFAULT 'active',"
    " created_ms INTEGER NOT NULL) STRICT;"
    "CREATE TABLE tokens("
    " hash BLOB PRIMARY KEY,"
    " account_id INTEGER NOT NULL REFERENCES accounts(id),"
    " label TEXT NOT NULL DEFAULT '',"
    " created_ms INTEGER NOT NULL,"
    " expires_ms INTEGER,"
    " revoked INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE INDEX tokens_account ON tokens(account_id);"
    /* ledger: one row per money account; balance is the running sum of its
       postings, kept in the same transaction as each posting. */
    "CREATE TABLE ledger_accounts("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " owner_id INTEGER NOT NULL DEFAULT 0,"
    " ref TEXT NOT NULL DEFAULT '',"
    " currency TEXT NOT NULL,"
    " balance INTEGER NOT NULL DEFAULT 0,"
    " may_go_negative INTEGER NOT NULL DEFAULT 0,"
    " CHECK (may_go_negative = 1 OR balance >= 0),"
    " UNIQUE (kind, owner_id, ref, currency)) STRICT;"
    "CREATE TABLE ledger_tx("
    " id INTEGER PRIMARY KEY,"
    " idem_key TEXT UNIQUE,"
    " kind TEXT NOT NULL,"
    " memo TEXT NOT NULL DEFAULT '',"
    " actor_id INTEGER,"
    " created_ms INTEGER NOT NULL) STRICT;"
    "CREATE TABLE ledger_postings("
    " id INTEGER PRIMARY KEY,"
    " tx_id INTEGER NOT NULL REFERENCES ledger_tx(id),"
    " account_id INTEGER NOT NULL REFERENCES ledger_accounts(id),"
    " amount INTEGER NOT NULL,"
    " balance_after INTEGER NOT NULL) STRICT;"
    "CREATE INDEX ledger_postings_account ON ledger_postings(account_id, id);"
    "CREATE INDEX ledger_postings_tx ON ledger_postings(tx_id);"
    /* journal: append-only, hash-chained work events. span_* is the span of
       a worker's time an event closes (active, waiting or unpaid). */
    "CREATE TABLE journal("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " family TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " actor_id INTEGER,"
    " worker_id INTEGER,"
    " subject TEXT NOT NULL DEFAULT '',"
    " automated INTEGER NOT NULL DEFAULT 0,"
    " span_kind TEXT CHECK (span_kind IN ('active','waiting','unpaid')),"
    " span_start_ms INTEGER,"
    " span_end_ms INTEGER,"
    " amount_micros INTEGER,"
    " payload TEXT NOT NULL DEFAULT '{}',"
    " prev_hash BLOB NOT NULL,"
    " hash BLOB NOT NULL) STRICT;"
    "CREATE INDEX journal_worker ON journal(worker_id, at_ms);"
    "CREATE TABLE idempotency("
    " account_id INTEGER NOT NULL,"
    " key TEXT NOT NULL,"
    " method TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " status INTEGER NOT NULL,"
    " body TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " PRIMARY KEY (account_id, key)) STRICT;"
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;";

extern const char store_schema_microwork[];
extern const char store_schema_moderation[];
extern const char store_schema_dispatch[];
extern const char store_schema_visibility[];
extern const char store_schema_microwork_6[];
extern const char store_schema_microwork_11[];
extern const char store_schema_moderation_8[];
extern const char store_schema_moderation_9[];
extern const char store_schema_dispatch_12[];
extern const char store_schema_dispatch_13[];
extern const char store_schema_dispatch_14[];
extern const char store_schema_dispatch_15[];
extern const char store_schema_moderation_16[];
extern const char store_schema_microwork_17[];

/* Idempotency keys remember a fingerprint of the request (method, path,
 * body) and expire (idempotency.ttl_hours): migration 10. */
static const char m010_idem[] = "ALTER TABLE idempotency ADD COLUMN fingerprint BLOB;"
                                "CREATE INDEX idempotency_created ON idempotency(created_ms);";

const store_migration store_migrations[] = {
    {1, "core: accounts, tokens, ledger, journal, idempotency", m001_core, NULL},
    {2, "micro-work: batches, tasks, assignments, appeals", store_schema_microwork, NULL},
    {3, "dispatch: places, couriers, shifts, jobs, offers", store_schema_dispatch, NULL},
    {4, "moderation: content, notices, queues, items, decisions, appeals, callbacks, model", store_schema_moderation, NULL},
    {5, "visibility: declared costs, review requests", store_schema_visibility, NULL},
    {6, "micro-work: assignment indexes without the state; live leases by a partial index", store_schema_microwork_6,
     NULL},
    {7, "checks of allowed values as comparisons (no temporary b-tree per write)", NULL,
     store_sqlite_checks_as_comparisons},
    {8, "moderation: a secret per client to sign decision callbacks; notices keep the good-faith statement", store_schema_moderation_8, NULL},
    {9, "moderation: statements of reasons queued for the DSA Transparency Database", store_schema_moderation_9, NULL},
    {10, "idempotency keys: request fingerprint, expiry index", m010_idem, NULL},
    {11, "micro-work: per-worker fair-pay totals on each batch, approved answers by duration", store_schema_microwork_11, NULL},
    {12, "dispatch: couriers off duty, jobs handed back, location exceptions", store_schema_dispatch_12, NULL},
    {13, "dispatch: courier onboarding, service areas, online time inside them", store_schema_dispatch_13, NULL},
    {14, "dispatch: status callbacks to restaurants, drop-off contacts, alerts", store_schema_dispatch_14, NULL},
    {15, "dispatch: courier vehicles, booked slots", store_schema_dispatch_15, NULL},
    {16, "moderation: moderators' onboarding, the catalogue of terms clauses", store_schema_moderation_16, NULL},
    {17, "micro-work: the client's template preview", store_schema_microwork_17, NULL},
    {0, NULL, NULL, NULL},
};
