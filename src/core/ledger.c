#include "core/ledger.h"

#include "base/mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ckd.h"
#include "core/journal.h"
#include "store/sql_core.h"

int ledger_account(store *s, const char *kind, int64_t owner, const char *ref, const char *currency,
                   int64_t *id, vis_err *err)
{
    int64_t v;
    int r = store_get_i64(s, SQL_LEDGER_ACCOUNT_FIND, &v, err, "titt", kind, owner, ref ? ref : "", currency);
    if (r < 0) return err ? err->code : VIS_ESTORE;
    if (r == 1) {
        *id = v;
        return 0;
    }
    if (store_exec(s, SQL_LEDGER_ACCOUNT_INSERT, err, "titti", kind, owner, ref ? ref : "", currency,
                   (int64_t)(strcmp(kind, "external") == 0)))
        return err ? err->code : VIS_ESTORE;
    *id = store_last_id(s);
    return 0;
}

typedef struct acct_info {
    char    kind[32];
    char    currency[8];
    char    ref[48];        /* what an escrow holds money for: "batch:N", "job:N", "modlease:N" */
    int64_t owner, balance;
    bool    may_go_negative;
} acct_info;

static int account_info(store *s, int64_t id, acct_info *a, vis_err *err)
{
    store_stmt *q = store_query(s, SQL_LEDGER_ACCOUNT_INFO, err, "i", id);
    if (!q) return err ? err->code : VIS_ESTORE;
    int r = store_row(q, err);
    if (r == 1) {
        snprintf(a->kind, sizeof a->kind, "%s", store_col_text(q, 0));
        a->owner = store_col_i64(q, 1);
        a->balance = store_col_i64(q, 2);
        a->may_go_negative = store_col_i64(q, 3) != 0;
        snprintf(a->currency, sizeof a->currency, "%s", store_col_text(q, 4));
        snprintf(a->ref, sizeof a->ref, "%s", store_col_text(q, 5));
    }
    store_done(q);
    if (r < 0) return err ? err->code : VIS_ESTORE;
    if (r == 0) return vis_errf(err, VIS_ENOTFOUND, NULL, NULL, "no ledger account %lld", (long long)id);
    return 0;
}

int ledger_balance(store *s, int64_t account_id, int64_t *balance, vis_err *err)
{
    acct_info a;
    int rc = account_info(s, account_id, &a, err);
    if (!rc) *balance = a.balance;
    return rc;
}

int ledger_owner_total(store *s, const char *kind, int64_t owner, const char *currency, int64_t *sum,
                       vis_err *err)
{
    *sum = 0;
    return store_get_i64(s, SQL_LEDGER_BALANCE_OWNER, sum, err, "tit", kind, owner, currency) < 0
               ? (err ? err->code : VIS_ESTORE)
               : 0;
}

int ledger_sum_all(store *s, int64_t *sum, vis_err *err)
{
    *sum = 0;
    return store_get_i64(s, SQL_LEDGER_SUM_ALL, sum, err, "") < 0 ? (err ? err->code : VIS_ESTORE) : 0;
}

static int check_legs(const ledger_leg *legs, size_t n, vis_err *err)
{
    if (n < 2 || n > LEDGER_MAX_LEGS)
        return vis_errf(err, VIS_EINVAL, "unbalanced", NULL, "a transaction needs 2 to %d legs", LEDGER_MAX_LEGS);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t a = legs[i].amount;
        if (a == 0 || a > LEDGER_MAX_AMOUNT || a < -LEDGER_MAX_AMOUNT)
            return vis_errf(err, VIS_EINVAL, "invalid_amount", "amount_micros",
                            "each amount must be non-zero and at most %lld micros in size",
                            (long long)LEDGER_MAX_AMOUNT);
        if (ckd_add(&sum, sum, a)) /* cannot: 64 legs x 1e15 < 2^63; checked anyway */
            return vis_errf(err, VIS_EINVAL, "unbalanced", NULL, "the legs' sum overflows");
    }
    if (sum != 0)
        return vis_errf(err, VIS_EINVAL, "unbalanced", NULL, "legs sum to %lld, not zero", (long long)sum);
    return 0;
}

/* The account as the people concerned know it ("the funds of client 2"),
 * never the ledger's own kind and id: messages reach clients and workers. */
static void acct_name(const acct_info *a, char *out, size_t n)
{
    long long o = (long long)a->owner;
    if (!strcmp(a->kind, "client_funds")) snprintf(out, n, "the funds of client %lld", o);
    else if (!strcmp(a->kind, "escrow")) {
        /* named by what it holds money for (its ref) */
        long long id;
        char tail;
        if (sscanf(a->ref, "batch:%lld%c", &id, &tail) == 1)
            snprintf(out, n, "the escrow of batch %lld (client %lld)", id, o);
        else if (sscanf(a->ref, "job:%lld%c", &id, &tail) == 1)
            snprintf(out, n, "the escrow of delivery job %lld (client %lld)", id, o);
        else if (sscanf(a->ref, "modlease:%lld%c", &id, &tail) == 1)
            snprintf(out, n, "the escrow of the review of moderation item %lld (client %lld)", id, o);
        else
            snprintf(out, n, "the money client %lld set aside for this work", o);
    }
    else if (!strcmp(a->kind, "worker_earnings")) snprintf(out, n, "the earnings of worker %lld", o);
    else if (!strcmp(a->kind, "platform_fees")) snprintf(out, n, "the platform's fees");
    else snprintf(out, n, "the platform's external account (money entering or leaving it)");
}

/* Read each leg's account and its balance after the legs before it; refuse
 * a debit below zero (except "external") and any balance beyond
 * +-LEDGER_MAX_BALANCE, so no account, the external ones included, can
 * overflow, and every sum of balances fits in int64. */
static int check_accounts(store *s, const ledger_leg *legs, size_t n, acct_info *ai, int64_t *after, vis_err *err)
{
    for (size_t i = 0; i < n; i++) {
        acct_info *a = &ai[i];
        size_t prev = i;
        for (size_t j = 0; j < i; j++)
            if (legs[j].account_id == legs[i].account_id) prev = j; /* the latest earlier leg on it */
        if (prev < i) {
            *a = ai[prev];
            a->balance = after[prev];
        } else if (account_info(s, legs[i].account_id, a, err)) {
            return err ? err->code : VIS_ESTORE;
        }
        int64_t v;
        bool over = ckd_add(&v, a->balance, legs[i].amount); /* cannot with the limit below; checked anyway */
        char name[160];
        acct_name(a, name, sizeof name);
        if (!over && !a->may_go_negative && v < 0)
            return vis_errf(err, VIS_ECONFLICT, "insufficient_funds", NULL,
                            "insufficient funds: %lld micros needed but only %lld micros are in %s",
                            (long long)-legs[i].amount, (long long)a->balance, name);
        if (over || !ckd_within(v, LEDGER_MAX_BALANCE))
            return vis_errf(err, VIS_ECONFLICT, "balance_limit", "amount_micros",
                            "refused: moving %lld micros would take %s (%lld micros now) beyond the limit of %lld "
                            "micros that any balance may reach; nothing was changed",
                            (long long)legs[i].amount, name, (long long)a->balance, (long long)LEDGER_MAX_BALANCE);
        after[i] = v;
    }
    return 0;
}

int ledger_post(store *s, const ledger_tx_in *tx, const ledger_leg *legs, size_t n, int64_t *tx_id,
                bool *replayed, vis_err *err)
{
    if (replayed) *replayed = false;
    if (check_legs(legs, n, err)) return VIS_EINVAL;
    if (store_begin(s, err)) return err ? err->code : VIS_ESTORE;
    int64_t id = 0;
    if (tx->idem_key) {
        int r = store_get_i64(s, SQL_LEDGER_TX_BY_KEY, &id, err, "t", tx->idem_key);
        if (r < 0) goto fail;
        if (r == 1) {
            if (replayed) *replayed = true;
            if (tx_id) *tx_id = id;
            return store_commit(s, err);
        }
    }
    /* every check before the first write: funds and the balance limit, leg
       by leg in order (an account may appear in several legs) */
    acct_info ai[LEDGER_MAX_LEGS];
    int64_t after[LEDGER_MAX_LEGS];
    if (check_accounts(s, legs, n, ai, after, err)) goto fail;
    if (store_exec(s, SQL_LEDGER_TX_INSERT, err, "tttIi", tx->idem_key, tx->kind, tx->memo ? tx->memo : "",
                   tx->actor_id, tx->now_ms))
        goto fail;
    id = store_last_id(s);
    json_t *jl = json_array();
    for (size_t i = 0; i < n; i++) {
        acct_info *a = &ai[i];
        if (store_exec(s, SQL_LEDGER_APPLY, err, "ii", legs[i].amount, legs[i].account_id) ||
            store_exec(s, SQL_LEDGER_POSTING_INSERT, err, "iiii", id, legs[i].account_id, legs[i].amount, after[i])) {
            json_decref(jl);
            goto fail;
        }
        json_array_append_new(jl, JSON_PACK("{s:I, s:s, s:I, s:I}", "account", (json_int_t)legs[i].account_id, "kind",
                                            a->kind, "owner", (json_int_t)a->owner, "amount_micros",
                                            (json_int_t)legs[i].amount));
        if (!strcmp(a->kind, "worker_earnings") && legs[i].amount > 0) {
            char payload[512];
            snprintf(payload, sizeof payload, "{\"ledger_tx\":%lld,\"kind\":\"%s\",\"currency\":\"%s\"}",
                     (long long)id, tx->kind, a->currency);
            journal_event ev = journal_event_init(tx->family ? tx->family : "core", "paid", tx->now_ms);
            ev.actor_id = tx->actor_id;
            ev.worker_id = a->owner;
            ev.subject = tx->subject ? tx->subject : "";
            ev.has_amount = true;
            ev.amount_micros = legs[i].amount;
            ev.payload = payload;
            if (journal_append(s, &ev, NULL, err)) {
                json_decref(jl);
                goto fail;
            }
        }
    }
    json_t *pl = JSON_PACK("{s:I, s:s, s:s, s:s, s:o}", "ledger_tx", (json_int_t)id, "kind", tx->kind, "memo",
                           tx->memo ? tx->memo : "", "idempotency_key", tx->idem_key ? tx->idem_key : "", "legs", jl);
    char *payload = json_dumps(pl, JSON_COMPACT);
    json_decref(pl);
    journal_event ev = journal_event_init(tx->family ? tx->family : "core", "ledger_posted", tx->now_ms);
    ev.actor_id = tx->actor_id;
    ev.subject = tx->subject ? tx->subject : "";
    ev.payload = payload;
    int jr = journal_append(s, &ev, NULL, err);
    free(payload);
    if (jr) goto fail;
    if (store_commit(s, err)) return err ? err->code : VIS_ESTORE;
    if (tx_id) *tx_id = id;
    return 0;
fail:
    store_rollback(s);
    return err && err->code ? err->code : VIS_ESTORE;
}

int ledger_credit_client(store *s, int64_t client_id, int64_t amount, const char *currency,
                         const ledger_tx_in *tx, int64_t *tx_id, bool *replayed, vis_err *err)
{
    if (amount <= 0 || amount > LEDGER_MAX_AMOUNT)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "amount_micros",
                        "amount_micros must be a positive integer of at most %lld", (long long)LEDGER_MAX_AMOUNT);
    if (store_begin(s, err)) return err ? err->code : VIS_ESTORE;
    int64_t ext, funds;
    if (ledger_account(s, "external", 0, "", currency, &ext, err) ||
        ledger_account(s, "client_funds", client_id, "", currency, &funds, err)) {
        store_rollback(s);
        return err ? err->code : VIS_ESTORE;
    }
    ledger_leg legs[2] = {{ext, -amount}, {funds, amount}};
    int rc = ledger_post(s, tx, legs, 2, tx_id, replayed, err);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, err);
}

int64_t ledger_minor_unit(const char *currency)
{
    static const char none[] = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
    static const char three[] = "BHD IQD JOD KWD LYD OMR TND";
    if (!currency || strlen(currency) != 3) return 10000;
    if (strstr(none, currency)) return 1000000;
    if (strstr(three, currency)) return 1000;
    return 10000;
}
