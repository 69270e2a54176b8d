/* h_core — handlers of the core API: health, metrics, accounts, money,
 * earnings, and the admin tools. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/version.h"
#include "core/journal.h"
#include "core/ledger.h"
#include "core/timeacct.h"
#include "http/http.h"
#include "base/jv.h"
#include "http/server.h"
#include "http/websess.h"

#define DAY_MS 86400000LL

static int64_t token_expiry(http_req *r) { return r->now_ms + r->srv->cfg.token_ttl_days * DAY_MS; }

/* ---- public ---- */

static int h_health(http_req *r, http_resp *rs, vis_err *err)
{
    (void)err;
    return http_json(rs, 200, JSON_PACK("{s:s, s:s, s:i, s:I}", "status", "ok", "version", VIS_VERSION, "schema",
                                        store_schema_version(r->db), "time_ms", (json_int_t)r->now_ms));
}

static int h_metrics(http_req *r, http_resp *rs, vis_err *err)
{
    (void)err;
    buf b;
    buf_init(&b);
    metrics_render(r->srv->metrics, &b);
    int64_t ns, calls;
    store_pool_stats(r->srv->pool, &ns, &calls);
    buf_printf(&b,
               "# HELP visible_store_seconds_total Time spent in store statements.\n"
               "# TYPE visible_store_seconds_total counter\nvisible_store_seconds_total %.6f\n"
               "# HELP visible_store_statements_total Store statements executed.\n"
               "# TYPE visible_store_statements_total counter\nvisible_store_statements_total %lld\n",
               (double)ns / 1e9, (long long)calls);
    return http_raw_buf(rs, 200, "text/plain; version=0.0.4", &b, err);
}

static const jv_field signup_fields[] = {
    {"name", JV_STRING, true, 1, 400},
    {"email", JV_STRING, true, 3, 254},
    {"password", JV_STRING, true, 8, 1024},
    {"role", JV_STRING, true, 1, 16},
    {"session", JV_BOOL, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* The answer to a signup or login: the token in the body for API clients;
 * with "session": true, cookies for the web app and no token in the body
 * (websess.h). */
static int token_answer(http_req *r, http_resp *rs, int status, const account *a, const char *tok)
{
    json_t *o = JSON_PACK("{s:o, s:I}", "account", http_account_json(a), "expires_ms", (json_int_t)token_expiry(r));
    if (json_is_true(json_object_get(r->json, "session"))) {
        websess_set(r, rs, tok, r->srv->cfg.token_ttl_days * 86400);
        char csrf[WEBSESS_CSRF_LEN];
        websess_csrf(tok, csrf);
        json_object_set_new(o, "csrf", json_string(csrf));
    } else {
        json_object_set_new(o, "token", json_string(tok));
    }
    return http_json(rs, status, o);
}

/* Before the transaction: the password's hash (http_hash_password). */
static int h_signup_prep(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, signup_fields, err)) return err->code;
    const char *role = jv_str(r->json, "role", "");
    if (strcmp(role, "worker") && strcmp(role, "client"))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "role", "role must be 'worker' or 'client'");
    (void)rs;
    return http_hash_password(r, jv_str(r->json, "password", ""), r->prep_text, err);
}

static int h_signup(http_req *r, http_resp *rs, vis_err *err)
{
    if (r->prep_phase) return h_signup_prep(r, rs, err);
    account a;
    if (account_create_hashed(r->db, jv_str(r->json, "role", ""), jv_str(r->json, "name", ""),
                              jv_str(r->json, "email", ""), r->prep_text, r->now_ms, &a, err))
        return err->code;
    char tok[ACCOUNT_TOKEN_LEN];
    if (account_token_issue(r->db, a.id, "signup", r->now_ms, token_expiry(r), tok, err)) return err->code;
    if (account_record(r->db, &a, "signed_up", a.id, r->now_ms, err)) return err->code;
    snprintf(rs->location, sizeof rs->location, "/v1/me");
    return token_answer(r, rs, 201, &a, tok);
}

static const jv_field login_fields[] = {
    {"email", JV_STRING, true, 1, 254},
    {"password", JV_STRING, true, 1, 1024},
    {"session", JV_BOOL, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* Before the transaction: the failed sign-in limits, then the password
 * check (argon2id, bounded by auth.pwhash_concurrency) on this thread. */
static int h_login_prep(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, login_fields, err)) return err->code;
    vis_server *s = r->srv;
    char email[256];
    snprintf(email, sizeof email, "login:%s", jv_str(r->json, "email", ""));
    for (char *c = email; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    /* an account's counter is per address too: nobody can lock a person out
       from elsewhere by failing on purpose */
    uint64_t ikey = http_addr_key(r), akey = http_text_key(email) ^ (ikey * 0x9e3779b97f4a7c15ULL);
    int64_t now = clock_mono_ns() / 1000000, retry = 0;
    if (throttle_blocked(s->login_fail_account, akey, now, &retry) ||
        throttle_blocked(s->login_fail_address, ikey, now, &retry)) {
        rs->retry_after = (retry + 999) / 1000;
        return vis_errf(err, VIS_ELIMIT, "too_many_failed_logins", NULL,
                        "too many failed sign-ins: try again in %lld s", (long long)rs->retry_after);
    }
    account a;
    int rc = account_check_password(r->db, jv_str(r->json, "email", ""), jv_str(r->json, "password", ""), &a, err);
    if (rc) {
        if (rc == VIS_EAUTH) {
            throttle_fail(s->login_fail_account, akey, now);
            throttle_fail(s->login_fail_address, ikey, now);
        }
        return rc;
    }
    throttle_clear(s->login_fail_account, akey);
    r->prep_id = a.id;
    return 0;
}

static int h_login(http_req *r, http_resp *rs, vis_err *err)
{
    if (r->prep_phase) return h_login_prep(r, rs, err);
    account a;
    if (account_get(r->db, r->prep_id, &a, err)) return err->code;
    if (strcmp(a.status, "active"))
        return vis_errf(err, VIS_EFORBIDDEN, "account_disabled", NULL, "this account is %s", a.status);
    char tok[ACCOUNT_TOKEN_LEN];
    if (account_token_issue(r->db, a.id, "login", r->now_ms, token_expiry(r), tok, err)) return err->code;
    return token_answer(r, rs, 200, &a, tok);
}

static int h_logout(http_req *r, http_resp *rs, vis_err *err)
{
    if (r->token && account_token_revoke(r->db, r->token, err)) return err->code;
    if (r->cookie_auth) websess_clear(r, rs);
    rs->auth_changed = true; /* cached checks of this token end with the commit */
    return http_json(rs, 200, JSON_PACK("{s:b}", "revoked", 1));
}

/* ---- me ---- */

static int h_me(http_req *r, http_resp *rs, vis_err *err)
{
    (void)err;
    return http_json(rs, 200, http_account_json(&r->who));
}

static int h_balance(http_req *r, http_resp *rs, vis_err *err)
{
    const char *cur = r->srv->cfg.currency;
    int64_t avail = 0, escrow = 0, earned = 0;
    if (ledger_owner_total(r->db, "client_funds", r->who.id, cur, &avail, err) ||
        ledger_owner_total(r->db, "escrow", r->who.id, cur, &escrow, err) ||
        ledger_owner_total(r->db, "worker_earnings", r->who.id, cur, &earned, err))
        return err->code;
    return http_json(rs, 200, JSON_PACK("{s:s, s:I, s:I, s:I}", "currency", cur, "available_micros", (json_int_t)avail,
                                        "escrow_micros", (json_int_t)escrow, "earnings_micros", (json_int_t)earned));
}

/* GET /v1/me/earnings: see h_visibility.c */

/* ---- admin ---- */

static const jv_field admin_account_fields[] = {
    {"name", JV_STRING, true, 1, 400},
    {"email", JV_STRING, true, 3, 254},
    {"password", JV_STRING, false, 8, 1024},
    {"role", JV_STRING, true, 1, 16},
    {NULL, 0, 0, 0, 0},
};

static int h_admin_create_account_prep(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, admin_account_fields, err)) return err->code;
    if (!account_role_valid(jv_str(r->json, "role", "")))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "role", "role must be worker, client or admin");
    const char *pw = jv_str(r->json, "password", NULL);
    (void)rs;
    return pw ? http_hash_password(r, pw, r->prep_text, err) : 0;
}

static int h_admin_create_account(http_req *r, http_resp *rs, vis_err *err)
{
    if (r->prep_phase) return h_admin_create_account_prep(r, rs, err);
    account a;
    if (account_create_hashed(r->db, jv_str(r->json, "role", ""), jv_str(r->json, "name", ""),
                              jv_str(r->json, "email", ""), r->prep_text[0] ? r->prep_text : NULL, r->now_ms, &a,
                              err))
        return err->code;
    char tok[ACCOUNT_TOKEN_LEN];
    if (account_token_issue(r->db, a.id, "admin-created", r->now_ms, token_expiry(r), tok, err)) return err->code;
    if (account_record(r->db, &a, "account_created", r->who.id, r->now_ms, err)) return err->code;
    return http_json(rs, 201, JSON_PACK("{s:o, s:s}", "account", http_account_json(&a), "token", tok));
}

static int h_admin_get_account(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    account a;
    if (http_param_id(r, 0, "account", &id, err) || account_get(r->db, id, &a, err)) return err->code;
    return http_json(rs, 200, http_account_json(&a));
}

#define ACCOUNT_PAGE_MAX 200

/* GET /v1/admin/accounts?role=&status=&q=&limit=&after= */
static int h_admin_list_accounts(http_req *r, http_resp *rs, vis_err *err)
{
    const char *role = http_query(r, "role"), *status = http_query(r, "status"), *q = http_query(r, "q");
    if (role && *role && !account_role_valid(role))
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "role", "role must be worker, client or admin");
    if (status && strlen(status) > 15)
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "status", "status is at most 15 bytes (e.g. active)");
    int64_t limit, after;
    if (http_query_i64(r, "limit", 50, 1, ACCOUNT_PAGE_MAX, &limit, err) ||
        http_query_i64(r, "after", 0, 0, INT64_MAX, &after, err))
        return err->code;
    account *v = mem_calloc((size_t)limit + 1, sizeof *v);
    size_t n = 0;
    if (account_list(r->db, role ? role : "", status ? status : "", q ? q : "", after, v, (size_t)limit + 1, &n,
                     err)) {
        free(v);
        return err->code;
    }
    bool more = n > (size_t)limit;
    if (more) n = (size_t)limit;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, http_account_json(&v[i]));
    json_t *o = JSON_PACK("{s:o, s:o}", "accounts", arr, "next_after",
                          more ? json_integer(v[n - 1].id) : json_null());
    free(v);
    return http_json(rs, 200, o);
}

static const jv_field status_fields[] = {
    {"status", JV_STRING, true, 1, 16},
    {"reason", JV_STRING, true, 1, 500},
    {NULL, 0, 0, 0, 0},
};

/* POST /v1/admin/accounts/{id}/status {status: active|disabled, reason} */
static int h_admin_account_status(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    if (http_param_id(r, 0, "account", &id, err) || jv_check(r->json, status_fields, err)) return err->code;
    const char *st = jv_str(r->json, "status", "");
    if (id == r->who.id && !strcmp(st, "disabled"))
        return vis_errf(err, VIS_ECONFLICT, "cannot_disable_self", "status",
                        "an administrator cannot disable their own account");
    account a;
    if (account_set_status(r->db, id, st, jv_str(r->json, "reason", ""), r->who.id, r->now_ms, &a, err))
        return err->code;
    rs->auth_changed = true; /* cached checks of the account's tokens end with the commit */
    return http_json(rs, 200, http_account_json(&a));
}

static const jv_field credit_fields[] = {
    {"amount_micros", JV_INT, true, 1, LEDGER_MAX_AMOUNT},
    {"reason", JV_STRING, true, 1, 500},
    {NULL, 0, 0, 0, 0},
};

static int h_admin_credit(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t id;
    account a;
    if (http_param_id(r, 0, "account", &id, err) || account_get(r->db, id, &a, err)) return err->code;
    if (jv_check(r->json, credit_fields, err)) return err->code;
    if (strcmp(a.role, "client"))
        return vis_errf(err, VIS_ECONFLICT, "not_a_client", NULL, "account %lld is a %s; only clients hold funds",
                        (long long)id, a.role);
    char key[320], subj[48];
    /* the server answers a replay within idempotency.ttl_hours itself; a key
       used again after that is a new request, so the ledger's key carries
       the time of this first use */
    if (r->idem_key)
        snprintf(key, sizeof key, "credit:%lld:%lld:%s", (long long)r->who.id, (long long)r->now_ms, r->idem_key);
    snprintf(subj, sizeof subj, "account:%lld", (long long)id);
    ledger_tx_in tx = {.idem_key = r->idem_key ? key : NULL, .kind = "credit", .memo = jv_str(r->json, "reason", ""),
                       .family = "core", .subject = subj, .actor_id = r->who.id, .now_ms = r->now_ms};
    int64_t txid, bal;
    int64_t amount = jv_int(r->json, "amount_micros", 0);
    if (ledger_credit_client(r->db, id, amount, r->srv->cfg.currency, &tx, &txid, NULL, err) ||
        ledger_owner_total(r->db, "client_funds", id, r->srv->cfg.currency, &bal, err))
        return err->code;
    return http_json(rs, 201, JSON_PACK("{s:I, s:I, s:s, s:I}", "transaction", (json_int_t)txid, "amount_micros",
                                        (json_int_t)amount, "currency", r->srv->cfg.currency, "available_micros",
                                        (json_int_t)bal));
}

static int h_admin_ledger(http_req *r, http_resp *rs, vis_err *err)
{
    int64_t sum;
    if (ledger_sum_all(r->db, &sum, err)) return err->code;
    return http_json(rs, 200, JSON_PACK("{s:I, s:b}", "sum_micros", (json_int_t)sum, "balanced", sum == 0));
}

static int h_admin_journal_verify(http_req *r, http_resp *rs, vis_err *err)
{
    journal_report rep;
    int rc = journal_verify(r->db, &rep, err);
    if (rc != 0 && rc != 1) return rc;
    char head[2 * JOURNAL_HASH_BYTES + 1];
    sodium_bin2hex(head, sizeof head, rep.head, JOURNAL_HASH_BYTES);
    /* the head: the hash of the last row that verified; an auditor who
       noted it earlier can tell that nothing before it changed since */
    json_t *o = JSON_PACK("{s:b, s:I, s:s}", "ok", rc == 0, "rows", (json_int_t)rep.rows, "head_hash", head);
    if (rc == 1) {
        json_object_set_new(o, "bad_row", json_integer(rep.bad_id));
        json_object_set_new(o, "why", json_string(rep.why));
    }
    return http_json(rs, 200, o);
}

static const jv_field clock_fields[] = {
    {"set_ms", JV_INT, false, 0, 253402300799999LL},
    {"advance_ms", JV_INT, false, 0, 3153600000000LL},
    {"release", JV_BOOL, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int h_admin_clock(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, clock_fields, err)) return err->code;
    vis_clock *c = &r->srv->clock;
    if (json_object_get(r->json, "set_ms")) clock_set_ms(c, jv_int(r->json, "set_ms", 0));
    if (json_object_get(r->json, "advance_ms")) clock_advance_ms(c, jv_int(r->json, "advance_ms", 0));
    if (jv_bool(r->json, "release", false)) clock_release(c);
    return http_json(rs, 200, JSON_PACK("{s:I, s:b}", "now_ms", (json_int_t)clock_now_ms(c), "frozen", clock_is_frozen(c)));
}

static const jv_field jevent_fields[] = {
    {"family", JV_STRING, false, 1, 31},
    {"event", JV_STRING, true, 1, 63},
    {"worker_id", JV_INT, false, 1, INT64_MAX},
    {"subject", JV_STRING, false, 0, 200},
    {"automated", JV_BOOL, false, 0, 0},
    {"span_kind", JV_STRING, false, 1, 16},
    {"span_start_ms", JV_INT, false, 0, 253402300799999LL},
    {"span_end_ms", JV_INT, false, 0, 253402300799999LL},
    {"amount_micros", JV_INT, false, 1, LEDGER_MAX_AMOUNT},
    {"at_ms", JV_INT, false, 0, 253402300799999LL},
    {"payload", JV_OBJECT, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* Test-only: append a journal event directly (time accounting and
 * visibility tests script work histories with it). */
static int h_admin_journal_event(http_req *r, http_resp *rs, vis_err *err)
{
    if (jv_check(r->json, jevent_fields, err)) return err->code;
    journal_event ev = journal_event_init(jv_str(r->json, "family", "core"), jv_str(r->json, "event", ""),
                                          jv_int(r->json, "at_ms", r->now_ms));
    ev.worker_id = jv_int(r->json, "worker_id", -1);
    ev.subject = jv_str(r->json, "subject", "");
    ev.automated = jv_bool(r->json, "automated", false);
    ev.actor_id = ev.automated ? -1 : r->who.id;
    const char *sk = jv_str(r->json, "span_kind", NULL);
    if (sk) {
        if (strcmp(sk, "active") && strcmp(sk, "waiting") && strcmp(sk, "unpaid"))
            return vis_errf(err, VIS_EINVAL, "invalid_field", "span_kind", "span_kind must be active, waiting or unpaid");
        ev.span_kind = sk;
        ev.span_start_ms = jv_int(r->json, "span_start_ms", 0);
        ev.span_end_ms = jv_int(r->json, "span_end_ms", 0);
        if (ev.span_end_ms < ev.span_start_ms)
            return vis_errf(err, VIS_EINVAL, "invalid_field", "span_end_ms", "span_end_ms is before span_start_ms");
    }
    if (json_object_get(r->json, "amount_micros")) {
        ev.has_amount = true;
        ev.amount_micros = jv_int(r->json, "amount_micros", 0);
    }
    json_t *p = json_object_get(r->json, "payload");
    int64_t id = 0;
    if (journal_append_json(r->db, &ev, p ? json_incref(p) : NULL, &id, err)) return err->code;
    return http_json(rs, 201, JSON_PACK("{s:I}", "id", (json_int_t)id));
}

#define A HTTP_ANYROLE
const http_route http_routes_core[] = {
    {"GET", "/health", h_health, HTTP_PUBLIC, "liveness and schema version"},
    {"GET", "/metrics", h_metrics, HTTP_PUBLIC, "Prometheus metrics"},
    {"POST", "/v1/signup", h_signup, HTTP_PUBLIC | HTTP_JSON | HTTP_IDEM | HTTP_PREP, "create a worker or client account"},
    {"POST", "/v1/login", h_login, HTTP_PUBLIC | HTTP_JSON | HTTP_TX | HTTP_PREP, "exchange email and password for a token"},
    {"POST", "/v1/logout", h_logout, A | HTTP_TX, "revoke the token used"},
    {"GET", "/v1/me", h_me, A, "the caller's account"},
    {"GET", "/v1/me/balance", h_balance, A, "the caller's money"},
    {"POST", "/v1/admin/accounts", h_admin_create_account, HTTP_ADMIN | HTTP_JSON | HTTP_IDEM | HTTP_PREP,
     "create an account"},
    {"GET", "/v1/admin/accounts", h_admin_list_accounts, HTTP_ADMIN,
     "list and search accounts (role, status, q in name or email), by id, paginated with after"},
    {"GET", "/v1/admin/accounts/{id}", h_admin_get_account, HTTP_ADMIN, "an account"},
    {"POST", "/v1/admin/accounts/{id}/status", h_admin_account_status, HTTP_ADMIN | HTTP_JSON | HTTP_TX,
     "disable an account (no sign-in, its tokens refused) or enable it again, with a reason (journalled)"},
    {"POST", "/v1/admin/accounts/{id}/credit", h_admin_credit, HTTP_ADMIN | HTTP_JSON | HTTP_IDEM, "fund a client"},
    {"GET", "/v1/admin/ledger", h_admin_ledger, HTTP_ADMIN, "ledger balance check (sum must be 0)"},
    {"GET", "/v1/admin/journal/verify", h_admin_journal_verify, HTTP_ADMIN, "verify the journal's hash chain"},
    {"POST", "/v1/admin/clock", h_admin_clock, HTTP_ADMIN | HTTP_JSON | HTTP_TESTONLY, "tests: set/advance the clock"},
    {"POST", "/v1/admin/journal/events", h_admin_journal_event, HTTP_ADMIN | HTTP_JSON | HTTP_TX | HTTP_TESTONLY,
     "tests: append a journal event"},
    {NULL, NULL, NULL, 0, NULL},
};
