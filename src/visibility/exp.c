#include "visibility/exp.h"

#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "store/sql_visibility.h"
#include "visibility/obs_acct.h"
#include "visibility/rev.h"


static const char *const categories[] = {"account", "tokens",    "journal", "payments",
                                         "ledger",  "decisions", "reviews", "costs",
                                         "microwork_assignments"};
#define NCAT (sizeof categories / sizeof categories[0])

static json_t *i_or_null(int64_t v, bool null) { return null ? json_null() : json_integer(v); }

static int add_journal(store *db, int64_t id, json_t *journal, json_t *payments, vis_err *err)
{
    store_stmt *q = store_query(db, SQL_EXP_JOURNAL, err, "i", id);
    if (!q) return err->code;
    int r;
    while ((r = store_row(q, err)) == 1) {
        bool span = *store_col_text(q, 8) != '\0';
        bool amount = store_col_i64(q, 11) != 0;
        json_t *pl = json_loads(store_col_text(q, 13), 0, NULL);
        json_t *o = JSON_PACK("{s:I, s:I, s:s, s:s, s:o, s:o, s:s, s:b, s:o, s:o, s:o, s:o, s:o}", "id",
                              (json_int_t)store_col_i64(q, 0), "at_ms", (json_int_t)store_col_i64(q, 1), "family",
                              store_col_text(q, 2), "event", store_col_text(q, 3), "actor_id",
                              i_or_null(store_col_i64(q, 4), store_col_i64(q, 4) < 0), "worker_id",
                              i_or_null(store_col_i64(q, 5), store_col_i64(q, 5) < 0), "subject", store_col_text(q, 6),
                              "automated", store_col_i64(q, 7) != 0, "span_kind",
                              span ? json_string(store_col_text(q, 8)) : json_null(), "span_start_ms",
                              i_or_null(store_col_i64(q, 9), !span), "span_end_ms",
                              i_or_null(store_col_i64(q, 10), !span), "amount_micros",
                              i_or_null(store_col_i64(q, 12), !amount), "payload", pl ? pl : json_object());
        if (amount && store_col_i64(q, 5) == id) {
            json_t *p = JSON_PACK("{s:I, s:I, s:s, s:s, s:s, s:I, s:O, s:O}", "journal_id",
                                  (json_int_t)store_col_i64(q, 0), "at_ms", (json_int_t)store_col_i64(q, 1), "family",
                                  store_col_text(q, 2), "event", store_col_text(q, 3), "subject",
                                  store_col_text(q, 6), "amount_micros", (json_int_t)store_col_i64(q, 12), "kind",
                                  json_object_get(json_object_get(o, "payload"), "kind")
                                      ? json_object_get(json_object_get(o, "payload"), "kind")
                                      : json_null(),
                                  "ledger_tx",
                                  json_object_get(json_object_get(o, "payload"), "ledger_tx")
                                      ? json_object_get(json_object_get(o, "payload"), "ledger_tx")
                                      : json_null());
            if (p) json_array_append_new(payments, p);
        }
        json_array_append_new(journal, o);
    }
    store_done(q);
    return r < 0 ? err->code : 0;
}

/* ---- nothing of anyone else ----
 *
 * Rows are selected by the person's own id, but what they record may name
 * others: the client who approved an answer (actor_id), the admin who
 * answered a review, the client a piece of work was for ("client"), the
 * other legs of a ledger transaction (the client's escrow, the platform's
 * fee). The export keeps the person's own data only: every account id
 * other than theirs is blanked (null) wherever it appears, an actor is
 * described by role ("a client", "an admin", "the platform"), and the legs
 * of a transaction on other accounts are left out (their count is kept). */

static const char *const id_keys[] = {"actor_id", "worker_id", "client_id", "account_id", "owner", "owner_id",
                                      "client", "responder_id", "courier_id", "moderator_id", "author_id",
                                      "user_id", "reviewer_id", "admin_id", "platform_id", "by_id"};

static bool is_id_key(const char *k)
{
    for (size_t i = 0; i < sizeof id_keys / sizeof id_keys[0]; i++)
        if (!strcmp(k, id_keys[i])) return true;
    return false;
}

static void scrub(json_t *v, int64_t self)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) scrub(x, self);
        return;
    }
    if (!json_is_object(v)) return;
    json_t *legs = json_object_get(v, "legs");
    if (json_is_array(legs)) {
        size_t omitted = 0;
        for (size_t i = json_array_size(legs); i-- > 0;) {
            json_t *owner = json_object_get(json_array_get(legs, i), "owner");
            if (json_is_integer(owner) && json_integer_value(owner) != self) {
                json_array_remove(legs, i);
                omitted++;
            }
        }
        if (omitted) json_object_set_new(v, "legs_of_other_accounts_omitted", json_integer((json_int_t)omitted));
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
        if (json_is_integer(x) && is_id_key(k) && json_integer_value(x) != self && json_integer_value(x) > 0)
            json_object_set_new(v, k, json_null());
        else
            scrub(x, self);
    }
}

static const char *role_text(store *db, int64_t id, int64_t self)
{
    if (id < 0) return "the platform (automated)";
    if (id == self) return "you";
    account a;
    vis_err e;
    vis_err_clear(&e);
    if (account_get(db, id, &a, &e)) return "another account";
    if (!strcmp(a.role, "client")) return "a client";
    if (!strcmp(a.role, "admin")) return "an admin";
    if (!strcmp(a.role, "worker")) return "another worker";
    return "another account";
}

static const char EXPORT_SCOPE[] =
    "your own data only: ids of other accounts (clients, admins, other workers) are blanked (null) wherever a "
    "record names them, the actor of each journal event is given by role ('actor'), and the legs of a ledger "
    "transaction on other accounts (a client's escrow, the platform's fee) are left out. Amounts included: "
    "what was paid to you and posted on your own ledger accounts; for a client, the postings on their own funds "
    "and escrow accounts. Batches, tasks and jobs are named by their own ids (not accounts).";

int export_json(store *db, const vis_config *cfg, const decision_kind *const *kinds, const account *who, int64_t now_ms,
                json_t **out, vis_err *err)
{
    json_t *cats = json_array();
    for (size_t i = 0; i < NCAT; i++) json_array_append_new(cats, json_string(categories[i]));
    json_t *o = JSON_PACK("{s:s, s:I, s:I, s:s, s:o}", "format", "visible-export/1", "generated_ms",
                          (json_int_t)now_ms, "subject_id", (json_int_t)who->id, "currency", cfg->currency,
                          "categories", cats);
    json_t *account = JSON_PACK("{s:I, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)who->id, "role", who->role, "name",
                                who->name, "email", who->email, "status", who->status, "created_ms",
                                (json_int_t)who->created_ms);
    json_t *tokens = json_array(), *journal = json_array(), *payments = json_array(), *ledger = json_array(),
           *costs = json_array(), *asg = json_array();
    json_object_set_new(o, "account", account);
    json_object_set_new(o, "tokens", tokens);
    json_object_set_new(o, "journal", journal);
    json_object_set_new(o, "payments", payments);
    json_object_set_new(o, "ledger", ledger);
    json_object_set_new(o, "costs", costs);
    json_object_set_new(o, "microwork_assignments", asg);
    int rc = 0, r = 0;
    store_stmt *q = store_query(db, SQL_EXP_TOKENS, err, "i", who->id);
    if (!q) rc = err->code;
    while (!rc && (r = store_row(q, err)) == 1)
        json_array_append_new(tokens, JSON_PACK("{s:s, s:I, s:o, s:b}", "label", store_col_text(q, 0), "created_ms",
                                                (json_int_t)store_col_i64(q, 1), "expires_ms",
                                                i_or_null(store_col_i64(q, 2), store_col_i64(q, 2) < 0), "revoked",
                                                store_col_i64(q, 3) != 0));
    if (q) store_done(q);
    if (!rc && r < 0) rc = err->code;
    if (!rc) rc = add_journal(db, who->id, journal, payments, err);
    if (!rc && !(q = store_query(db, SQL_EXP_POSTINGS, err, "i", who->id))) rc = err->code;
    while (!rc && (r = store_row(q, err)) == 1)
        json_array_append_new(
            ledger, JSON_PACK("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "transaction",
                              (json_int_t)store_col_i64(q, 0), "at_ms", (json_int_t)store_col_i64(q, 1), "kind",
                              store_col_text(q, 2), "memo", store_col_text(q, 3), "account_kind", store_col_text(q, 4),
                              "account_ref", store_col_text(q, 5), "currency", store_col_text(q, 6), "amount_micros",
                              (json_int_t)store_col_i64(q, 7), "balance_after_micros",
                              (json_int_t)store_col_i64(q, 8)));
    if (!rc) store_done(q);
    if (!rc && r < 0) rc = err->code;
    if (!rc && !(q = store_query(db, SQL_OBS_COSTS_OF, err, "i", who->id))) rc = err->code;
    while (!rc && (r = store_row(q, err)) == 1)
        json_array_append_new(costs, JSON_PACK("{s:I, s:s, s:I, s:I, s:I, s:s, s:I}", "id",
                                               (json_int_t)store_col_i64(q, 0), "family", store_col_text(q, 1),
                                               "per_km_micros", (json_int_t)store_col_i64(q, 2), "per_hour_micros",
                                               (json_int_t)store_col_i64(q, 3), "from_ms",
                                               (json_int_t)store_col_i64(q, 4), "note", store_col_text(q, 5),
                                               "created_ms", (json_int_t)store_col_i64(q, 6)));
    if (!rc) store_done(q);
    if (!rc && r < 0) rc = err->code;
    if (!rc && !(q = store_query(db, SQL_EXP_MW_ASSIGNMENTS, err, "i", who->id))) rc = err->code;
    while (!rc && (r = store_row(q, err)) == 1) {
        json_t *ans = json_loads(store_col_text(q, 7), JSON_DECODE_ANY, NULL);
        json_array_append_new(
            asg, JSON_PACK("{s:I, s:I, s:I, s:s, s:I, s:o, s:o, s:o, s:s, s:I, s:I}", "id",
                           (json_int_t)store_col_i64(q, 0), "batch_id", (json_int_t)store_col_i64(q, 1), "task_id",
                           (json_int_t)store_col_i64(q, 2), "state", store_col_text(q, 3), "claimed_ms",
                           (json_int_t)store_col_i64(q, 4), "submitted_ms",
                           i_or_null(store_col_i64(q, 5), store_col_i64(q, 5) < 0), "duration_ms",
                           i_or_null(store_col_i64(q, 6), store_col_i64(q, 6) < 0), "answer", ans ? ans : json_null(),
                           "review_reason", store_col_text(q, 8), "paid_micros", (json_int_t)store_col_i64(q, 9),
                           "bonus_micros", (json_int_t)store_col_i64(q, 10)));
    }
    if (!rc) store_done(q);
    if (!rc && r < 0) rc = err->code;
    review_ctx rc_ = {.db = db, .cfg = cfg, .now_ms = now_ms, .who = who};
    json_t *dec = NULL, *rev = NULL;
    if (!rc) rc = review_decisions(&rc_, kinds, who->id, &dec, err);
    if (!rc) rc = review_list(&rc_, kinds, who->id, NULL, &rev, err);
    if (!rc) {
        json_object_set(o, "decisions", json_object_get(dec, "decisions"));
        json_object_set(o, "reviews", json_object_get(rev, "reviews"));
    }
    json_decref(dec);
    json_decref(rev);
    if (rc) {
        json_decref(o);
        return rc;
    }
    /* the actor of each event by role, then every other account's id blanked */
    size_t i;
    json_t *ev;
    json_array_foreach(journal, i, ev) {
        json_t *a = json_object_get(ev, "actor_id");
        json_object_set_new(ev, "actor",
                            json_string(role_text(db, json_is_integer(a) ? (int64_t)json_integer_value(a) : -1, who->id)));
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (strcmp(k, "account") && strcmp(k, "subject_id")) scrub(v, who->id);
    }
    json_object_set_new(o, "scope", json_string(EXPORT_SCOPE));
    *out = o;
    return 0;
}

/* ---- CSV ---- */

void export_csv(buf *b, json_t *rows)
{
    json_t *cols = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        const char *k;
        json_t *v;
        json_object_foreach(row, k, v) {
            bool seen = false;
            for (size_t c = 0; c < json_array_size(cols) && !seen; c++)
                seen = !strcmp(json_string_value(json_array_get(cols, c)), k);
            if (!seen) json_array_append_new(cols, json_string(k));
        }
    }
    for (size_t c = 0; c < json_array_size(cols); c++) {
        if (c) buf_puts(b, ",");
        csv_put_field(b, json_string_value(json_array_get(cols, c)));
    }
    buf_puts(b, "\r\n");
    json_array_foreach(rows, i, row) {
        for (size_t c = 0; c < json_array_size(cols); c++) {
            if (c) buf_puts(b, ",");
            json_t *v = json_object_get(row, json_string_value(json_array_get(cols, c)));
            if (!v || json_is_null(v)) continue;
            if (json_is_string(v)) {
                csv_put_field(b, json_string_value(v));
            } else {
                char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
                csv_put_field(b, t);
                free(t);
            }
        }
        buf_puts(b, "\r\n");
    }
    json_decref(cols);
}

/* ---- ustar ---- */

static void octal(char *dst, size_t width, uint64_t v)
{
    /* width-1 octal digits, zero-padded, then NUL */
    dst[width - 1] = '\0';
    for (size_t i = width - 1; i-- > 0;) {
        dst[i] = (char)('0' + (v & 7));
        v >>= 3;
    }
}

void export_tar_add(buf *b, const char *name, const char *data, size_t len, int64_t mtime_s)
{
    unsigned char h[512];
    memset(h, 0, sizeof h);
    snprintf((char *)h, 100, "%s", name);
    octal((char *)h + 100, 8, 0644);
    octal((char *)h + 108, 8, 0);
    octal((char *)h + 116, 8, 0);
    octal((char *)h + 124, 12, len);
    octal((char *)h + 136, 12, mtime_s > 0 ? (uint64_t)mtime_s : 0);
    memset(h + 148, ' ', 8);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6); /* magic "ustar\0" */
    memcpy(h + 263, "00", 2);
    snprintf((char *)h + 265, 32, "visible");
    snprintf((char *)h + 297, 32, "visible");
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof h; i++) sum += h[i];
    octal((char *)h + 148, 7, sum); /* six digits, NUL, then the space already there */
    buf_append(b, h, sizeof h);
    buf_append(b, data, len);
    static const char zero[512];
    if (len % 512) buf_append(b, zero, 512 - len % 512);
}

void export_tar_end(buf *b)
{
    static const char zero[1024];
    buf_append(b, zero, sizeof zero);
}

static const char readme[] =
    "Everything Visible holds about you, one CSV file per category (RFC 4180, UTF-8, a header row).\n"
    "Times are UTC milliseconds since 1970; money is in integer micros (1/1,000,000 of the currency unit).\n"
    "Nested values (payloads, figures, answers) are JSON text in their cell.\n\n"
    "account.csv                your account (no password hash)\n"
    "tokens.csv                 your API tokens: label and dates only\n"
    "journal.csv                every journal event naming you as worker, or made by you and naming no other "
    "worker\n"
    "payments.csv               every payment to you\n"
    "ledger.csv                 every posting on your ledger accounts\n"
    "decisions.csv              every automated decision about you: system, rule, figures, explanation, review\n"
    "reviews.csv                your requests for human review and the answers\n"
    "costs.csv                  the costs you declared\n"
    "microwork_assignments.csv  your micro-task claims and answers\n"
    "export.json                the same, as one JSON document\n\n"
    "Only your own data: ids of other accounts (clients, admins, other workers) are blanked wherever a record\n"
    "names them; each journal event's actor is given by role (column 'actor'); the legs of a ledger transaction\n"
    "on other accounts (a client's escrow, the platform's fee) are left out.\n";

int export_tar(store *db, const vis_config *cfg, const decision_kind *const *kinds, const account *who, int64_t now_ms,
               char **data, size_t *len, vis_err *err)
{
    json_t *o = NULL;
    int rc = export_json(db, cfg, kinds, who, now_ms, &o, err);
    if (rc) return rc;
    buf t, f;
    buf_init(&t);
    buf_init(&f);
    int64_t mt = now_ms / 1000;
    export_tar_add(&t, "README.txt", readme, sizeof readme - 1, mt);
    for (size_t i = 0; i < NCAT; i++) {
        json_t *v = json_object_get(o, categories[i]);
        json_t *rows = json_is_array(v) ? json_incref(v) : JSON_PACK("[O]", v);
        buf_reset(&f);
        export_csv(&f, rows);
        json_decref(rows);
        char name[64];
        snprintf(name, sizeof name, "%s.csv", categories[i]);
        export_tar_add(&t, name, f.data ? f.data : "", f.len, mt);
    }
    char *js = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
    export_tar_add(&t, "export.json", js, strlen(js), mt);
    export_tar_end(&t);
    free(js);
    buf_free(&f);
    json_decref(o);
    *len = t.len;
    *data = buf_steal(&t);
    return 0;
}
