/* schema_visibility — migration 5: what the visibility layer stores of its
 * own. Everything else it shows is read from the journal and the ledger.
 *
 * obs_costs: the costs a worker declares (per km, per hour), by family
 * ('' = every family) and from an instant on, so a change of vehicle does
 * not rewrite the past. rev_requests: a worker's request for human review
 * of one automated decision (a journal row), its deadline and the admin's
 * written answer. The partial index finds the automated decisions about a
 * subject ("batch:3") that name no worker. */
#include "store/store_int.h"

const char store_schema_visibility[] =
    "CREATE TABLE obs_costs("
    " id INTEGER PRIMARY KEY,"
    " worker_id INTEGER NOT NULL REFERENCES accounts(id),"
    " family TEXT NOT NULL DEFAULT '',"
    " per_km_micros INTEGER NOT NULL CHECK (per_km_micros >= 0),"
    " per_hour_micros INTEGER NOT NULL CHECK (per_hour_micros >= 0),"
    " from_ms INTEGER NOT NULL,"
    " note TEXT NOT NULL DEFAULT '',"
    " created_ms INTEGER NOT NULL) STRICT;"
    "CREATE INDEX obs_costs_worker ON obs_costs(worker_id, from_ms, id);"
    "CREATE TABLE rev_requests("
    " id INTEGER PRIMARY KEY,"
    " worker_id INTEGER NOT NULL REFERENCES accounts(id),"
    " journal_id INTEGER NOT NULL,"
    " family TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " message TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','upheld','overturned')),"
    " created_ms INTEGER NOT NULL,"
    " due_ms INTEGER NOT NULL,"
    " reasons TEXT,"
    " responder_id INTEGER REFERENCES accounts(id),"
    " decided_ms INTEGER,"
    " remedy TEXT NOT NULL DEFAULT '{}',"
    " overdue_ms INTEGER,"  /* when the passing of the deadline was journalled */
    " UNIQUE (worker_id, journal_id)) STRICT;"
    "CREATE INDEX rev_requests_worker ON rev_requests(worker_id, id);"
    "CREATE INDEX rev_requests_state ON rev_requests(state, due_ms);"
    "CREATE INDEX journal_automated_subject ON journal(subject) WHERE automated = 1;";
