/* mod_tdb — statements of reasons submitted to the DSA Transparency
 * Database (Art. 24(5): online platforms submit each Art. 17 statement
 * "without undue delay").
 *
 * Every restrictive decision queues its statement in the decision's own
 * transaction (mod_tdb_queue), so none is lost; a decision to keep restricts
 * nothing and has no statement to submit. When the operator has configured
 * the database's API (moderation.tdb_url, moderation.tdb_token), the
 * housekeeping job POSTs due statements, outside any transaction, through
 * http/client.h: the stored statement (already in the database's schema)
 * without the platform's own "restriction" flag, plus territorial_scope from
 * moderation.tdb_territorial_scope. Outcomes:
 *   2xx          submitted; the database's uuid kept when it answers one;
 *   422 on puid  the database already has this statement (a retry after a
 *                lost answer): submitted;
 *   other 4xx    rejected (the statement itself is refused; retrying cannot
 *                help): kept with the database's message for the operator;
 *   else         retried with the callbacks' backoff, never dropped.
 * The operator sees the queue in GET /v1/admin/moderation/tdb. Until the API
 * is configured, statements wait as pending. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "net/client.h"
#include "moderation/mod_int.h"
#include "store/sql_moderation.h"

int mod_tdb_queue(mod_ctx *c, int64_t decision, vis_err *err)
{
    return store_exec(c->db, SQL_MOD_TDB_QUEUE, err, "ii", decision, c->now_ms);
}

/* "AT,BE,..." -> ["AT","BE",...]; NULL (with err) on a bad code */
static json_t *scope_json(const char *s, vis_err *err)
{
    json_t *a = json_array();
    const char *p = s;
    while (a && *p) {
        size_t n = strcspn(p, ",");
        const char *q = p;
        while (n && *q == ' ') q++, n--;
        while (n && q[n - 1] == ' ') n--;
        if (n != 2 || !isupper((unsigned char)q[0]) || !isupper((unsigned char)q[1])) {
            json_decref(a);
            vis_errf(err, VIS_EINVAL, "bad_config", "moderation.tdb_territorial_scope",
                     "moderation.tdb_territorial_scope must be comma-separated two-letter country codes");
            return NULL;
        }
        json_array_append_new(a, json_stringn(q, 2));
        p += strcspn(p, ",");
        if (*p) p++;
    }
    if (a && !json_array_size(a)) {
        json_decref(a);
        vis_errf(err, VIS_EINVAL, "bad_config", "moderation.tdb_territorial_scope",
                 "moderation.tdb_territorial_scope is empty");
        return NULL;
    }
    return a;
}

/* the body sent: the stored statement, in the database's schema */
static char *payload(const char *statement, const json_t *scope)
{
    json_t *o = json_loads(statement, 0, NULL);
    if (!o) return NULL;
    json_object_del(o, "restriction");
    json_object_del(o, "terms_clause"); /* the platform's copy: the clause is in incompatible_content_ground */
    json_object_set(o, "territorial_scope", (json_t *)scope);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

typedef struct due_row {
    int64_t decision, attempts;
    char   *statement;
} due_row;

typedef enum { OUT_SUBMITTED, OUT_REJECTED, OUT_RETRY } outcome;

/* what an answer means; *uuid (64 bytes) the database's id when given */
static outcome classify(int status, const buf *resp, char *uuid, char *msg, size_t mn)
{
    uuid[0] = '\0';
    json_t *j = resp->len ? json_loadb(resp->data, resp->len, 0, NULL) : NULL;
    if (status >= 200 && status <= 299) {
        const char *u = j ? json_string_value(json_object_get(j, "uuid")) : NULL;
        if (u) snprintf(uuid, 64, "%s", u);
        json_decref(j);
        return OUT_SUBMITTED;
    }
    const char *m = j ? json_string_value(json_object_get(j, "message")) : NULL;
    json_t *errors = j ? json_object_get(j, "errors") : NULL;
    bool dup_puid = status == 422 && json_object_get(errors, "puid");
    snprintf(msg, mn, "the Transparency Database answered HTTP %d%s%s", status, m ? ": " : "", m ? m : "");
    json_decref(j);
    if (dup_puid) return OUT_SUBMITTED;
    if (status >= 400 && status <= 499 && status != 401 && status != 403 && status != 408 && status != 429)
        return OUT_REJECTED; /* the statement itself; 401/403: the token, to be fixed by the operator */
    return OUT_RETRY;
}

int mod_tdb_deliver(const vis_config *cfg, store *db, int64_t now, int64_t end_ns, mod_tick_stats *st, vis_err *err)
{
    if (!cfg->mod_tdb_url[0]) return 0; /* not configured: statements wait */
    enum { MAXROWS = 64 };
    due_row due[MAXROWS];
    int n = 0, r;
    store_stmt *q = store_query(db, SQL_MOD_TDB_DUE, err, "ii", now, (int64_t)MAXROWS);
    if (!q) return err->code;
    while ((r = store_row(q, err)) == 1 && n < MAXROWS) {
        due[n].decision = store_col_i64(q, 0);
        due[n].attempts = store_col_i64(q, 1);
        due[n].statement = mem_strdup(store_col_text(q, 2));
        n++;
    }
    store_done(q);
    int rc = r < 0 ? err->code : 0;
    vis_err serr;
    vis_err_clear(&serr);
    json_t *scope = n && !rc ? scope_json(cfg->mod_tdb_scope, &serr) : NULL;
    httpc *h = n && !rc ? httpc_new(cfg->mod_callback_ca_file, cfg->mod_callback_private) : NULL;
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", cfg->mod_tdb_token);
    const char *hs[] = {auth, "Accept: application/json", NULL};
    /* the run shares the callbacks' deadline, and stops at the first
     * failure to reach the database */
    bool unreachable = false;
    for (int i = 0; i < n; i++) {
        bool skip = rc || unreachable || clock_mono_ns() > end_ns;
        int status = 0;
        char uuid[64] = "", msg[512] = "";
        outcome out = OUT_RETRY;
        if (!skip) {
            vis_err e;
            vis_err_clear(&e);
            buf resp;
            buf_init(&resp);
            char *body = scope && due[i].statement ? payload(due[i].statement, scope) : NULL;
            if (!scope) snprintf(msg, sizeof msg, "%s", serr.msg);
            else if (!body) snprintf(msg, sizeof msg, "the stored statement could not be read");
            else if (!h) snprintf(msg, sizeof msg, "the HTTP client could not start");
            else if (httpc_post(h, cfg->mod_tdb_url, body, strlen(body), hs, cfg->mod_callback_timeout_ms, &status,
                                &resp, &e)) {
                snprintf(msg, sizeof msg, "%s", e.msg);
                unreachable = true;
            } else {
                out = classify(status, &resp, uuid, msg, sizeof msg);
            }
            free(body);
            buf_free(&resp);
        }
        if (!skip && store_begin(db, err) == 0) {
            int x;
            if (out == OUT_SUBMITTED) {
                x = store_exec(db, SQL_MOD_TDB_SUBMITTED, err, "iiit", due[i].decision, now, (int64_t)status, uuid);
                st->tdb_submitted++;
            } else if (out == OUT_REJECTED) {
                x = store_exec(db, SQL_MOD_TDB_REJECTED, err, "iti", due[i].decision, msg, (int64_t)status);
                st->tdb_failed++;
            } else {
                int64_t delay = mod_backoff_ms(cfg, due[i].attempts);
                x = store_exec(db, SQL_MOD_TDB_FAILED, err, "iitI", due[i].decision, now + delay, msg,
                               status ? (int64_t)status : (int64_t)-1);
                st->tdb_failed++;
            }
            if (x) store_rollback(db);
            else x = store_commit(db, err);
            if (x) rc = x;
        } else if (!skip) {
            rc = err->code;
        }
        free(due[i].statement);
    }
    json_decref(scope);
    httpc_free(h);
    return rc;
}

int mod_tdb_list(mod_ctx *c, json_t **out, vis_err *err)
{
    json_t *counts = JSON_PACK("{s:i, s:i, s:i}", "pending", 0, "submitted", 0, "rejected", 0);
    json_t *rows = json_array();
    store_stmt *q = store_query(c->db, SQL_MOD_TDB_COUNTS, err, "");
    int r = q ? 0 : -1;
    while (q && (r = store_row(q, err)) == 1)
        json_object_set_new(counts, store_col_text(q, 0), json_integer(store_col_i64(q, 1)));
    store_done(q);
    if (r >= 0 && (q = store_query(c->db, SQL_MOD_TDB_LIST, err, ""))) {
        while ((r = store_row(q, err)) == 1) {
            json_t *o = JSON_PACK("{s:I, s:s, s:I, s:s, s:I}", "decision_id", (json_int_t)store_col_i64(q, 0), "state",
                                  store_col_text(q, 1), "attempts", (json_int_t)store_col_i64(q, 2), "last_error",
                                  store_col_text(q, 4), "created_ms", (json_int_t)store_col_i64(q, 7));
            const char *state = store_col_text(q, 1), *uuid = store_col_text(q, 6);
            int64_t status = store_col_i64(q, 5), sub = store_col_i64(q, 8);
            json_object_set_new(o, "next_attempt_ms",
                                !strcmp(state, "pending") ? json_integer(store_col_i64(q, 3)) : json_null());
            json_object_set_new(o, "last_status", status >= 0 ? json_integer(status) : json_null());
            json_object_set_new(o, "uuid", *uuid ? json_string(uuid) : json_null());
            json_object_set_new(o, "submitted_ms", sub >= 0 ? json_integer(sub) : json_null());
            json_array_append_new(rows, o);
        }
        store_done(q);
    } else if (r >= 0) {
        r = -1;
    }
    if (r < 0) {
        json_decref(counts);
        json_decref(rows);
        return err->code;
    }
    *out = JSON_PACK("{s:b, s:s, s:o, s:o}", "configured", c->cfg->mod_tdb_url[0] != '\0', "endpoint",
                     c->cfg->mod_tdb_url, "counts", counts, "statements", rows);
    return 0;
}
