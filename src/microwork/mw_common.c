/* mw_common — batch loading, money movements, journal, answers, rendering. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/clock.h"
#include "core/journal.h"
#include "core/ledger.h"
#include "microwork/mw_int.h"
#include "store/sql_microwork.h"

static const char *const bstate_names[] = {"draft", "published", "paused", "completed", "cancelled", "unknown"};
static const char *const astate_names[] = {"leased", "submitted", "returned", "expired", "approved", "rejected",
                                           "unknown"};

mw_bstate mw_bstate_parse(const char *s)
{
    for (int i = 0; i < MW_B_UNKNOWN; i++)
        if (!strcmp(s, bstate_names[i])) return (mw_bstate)i;
    return MW_B_UNKNOWN;
}

const char *mw_bstate_name(mw_bstate s) { return s <= MW_B_UNKNOWN ? bstate_names[s] : "unknown"; }

mw_astate mw_astate_parse(const char *s)
{
    for (int i = 0; i < MW_A_UNKNOWN; i++)
        if (!strcmp(s, astate_names[i])) return (mw_astate)i;
    return MW_A_UNKNOWN;
}

const char *mw_astate_name(mw_astate s) { return s <= MW_A_UNKNOWN ? astate_names[s] : "unknown"; }

int mw_batch_load(mw_ctx *c, int64_t id, mw_batch *b, vis_err *err)
{
    memset(b, 0, sizeof *b);
    store_stmt *q;
    if (store_one(c->db, SQL_MW_BATCH_GET, &q, err, "i", id)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, "batch_not_found", NULL, "no batch %lld", (long long)id);
    b->id = store_col_i64(q, MW_BC_ID);
    b->client_id = store_col_i64(q, MW_BC_CLIENT);
    b->state = mw_bstate_parse(store_col_text(q, MW_BC_STATE));
    snprintf(b->answer_type, sizeof b->answer_type, "%s", store_col_text(q, MW_BC_ANSWER_TYPE));
    snprintf(b->aggregation, sizeof b->aggregation, "%s", store_col_text(q, MW_BC_AGGREGATION));
    b->labels = json_loads(store_col_text(q, MW_BC_LABELS), 0, NULL);
    b->title = mem_strdup(store_col_text(q, MW_BC_TITLE));
    b->template_text = mem_strdup(store_col_text(q, MW_BC_TEMPLATE));
    static const struct {
        size_t off;
        int    col;
    } f[] = {
#define MW_F(field, col) {offsetof(mw_batch, field), col}
        MW_F(reward, MW_BC_REWARD), MW_F(overlap, MW_BC_OVERLAP), MW_F(lease_ms, MW_BC_LEASE_MS),
        MW_F(lifetime_ms, MW_BC_LIFETIME_MS), MW_F(auto_approve_ms, MW_BC_AUTO_APPROVE_MS),
        MW_F(expected_s, MW_BC_EXPECTED_S), MW_F(control_ratio_ppm, MW_BC_CONTROL_RATIO_PPM),
        MW_F(min_skill_ppm, MW_BC_MIN_SKILL_PPM), MW_F(min_control, MW_BC_MIN_CONTROL),
        MW_F(qualification, MW_BC_QUALIFICATION), MW_F(conf_target_ppm, MW_BC_CONF_TARGET_PPM),
        MW_F(fee_ppm, MW_BC_FEE_PPM), MW_F(budget, MW_BC_BUDGET), MW_F(committed, MW_BC_COMMITTED),
        MW_F(topup, MW_BC_TOPUP), MW_F(median_ms, MW_BC_MEDIAN_MS), MW_F(median_n, MW_BC_MEDIAN_N),
        MW_F(escrow_account, MW_BC_ESCROW_ACCOUNT), MW_F(created_ms, MW_BC_CREATED_MS),
        MW_F(published_ms, MW_BC_PUBLISHED_MS), MW_F(expires_ms, MW_BC_EXPIRES_MS),
        MW_F(submitted_n, MW_BC_SUBMITTED_N), MW_F(reviewed_n, MW_BC_REVIEWED_N),
#undef MW_F
    };
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) *(int64_t *)((char *)b + f[k].off) = store_col_i64(q, f[k].col);
    if (!b->labels) b->labels = json_array();
    store_done(q);
    return 0;
}

void mw_batch_free(mw_batch *b)
{
    json_decref(b->labels);
    free(b->title);
    free(b->template_text);
    memset(b, 0, sizeof *b);
}

bool mw_is_admin(const mw_ctx *c) { return c->who && !strcmp(c->who->role, "admin"); }

int mw_batch_owned(mw_ctx *c, int64_t id, mw_batch *b, vis_err *err)
{
    if (mw_batch_load(c, id, b, err)) return err->code;
    if (!mw_is_admin(c) && b->client_id != c->who->id) {
        mw_batch_free(b);
        /* do not reveal other clients' batches */
        return vis_errf(err, VIS_ENOTFOUND, "batch_not_found", NULL, "no batch %lld", (long long)id);
    }
    return 0;
}

int64_t mw_fee_unit(const mw_batch *b)
{
    int64_t f;
    return ckd_muldiv(&f, b->reward, b->fee_ppm, 1000000) ? INT64_MAX : f;
}

int64_t mw_unit_cost(const mw_batch *b)
{
    int64_t u;
    if (ckd_add(&u, b->reward, b->topup) || ckd_add(&u, u, mw_fee_unit(b))) return INT64_MAX;
    return u;
}

bool mw_cost_over(const mw_batch *b, int64_t answers, int64_t *cost)
{
    return ckd_mul(cost, answers, mw_unit_cost(b)) || !ckd_within(*cost, LEDGER_MAX_AMOUNT);
}

static int escrow_fund(mw_ctx *c, mw_batch *b, int64_t need, vis_err *err)
{
    int64_t bal = 0;
    if (ledger_balance(c->db, b->escrow_account, &bal, err)) return err->code;
    if (bal >= need) return 0;
    int64_t funds, more;
    if (ckd_sub(&more, need, bal)) return vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "escrow top-up overflows");
    if (ledger_account(c->db, "client_funds", b->client_id, "", c->cfg->currency, &funds, err)) return err->code;
    char subj[48];
    snprintf(subj, sizeof subj, "batch:%lld", (long long)b->id);
    ledger_leg legs[2] = {{funds, -more}, {b->escrow_account, more}};
    ledger_tx_in tx = {.kind = "escrow", .memo = "fair-pay top-up funding", .family = "microwork", .subject = subj,
                       .actor_id = -1, .now_ms = c->now_ms};
    int rc = ledger_post(c->db, &tx, legs, 2, NULL, NULL, err);
    if (rc == VIS_ECONFLICT)
        return vis_errf(err, VIS_ECONFLICT, "insufficient_funds",
                        NULL, "the client must fund %lld more micros to pay its workers the minimum",
                        (long long)more);
    return rc;
}

int mw_pay_from_escrow(mw_ctx *c, mw_batch *b, int64_t worker, int64_t amount, int64_t fee, const char *idem,
                       const char *memo, const char *subject, vis_err *err)
{
    int64_t total;
    if (ckd_add(&total, amount, fee) || !ckd_within(total, LEDGER_MAX_AMOUNT))
        return vis_errf(err, VIS_ECONFLICT, "amount_too_large", "amount_micros",
                        "a payment of %lld + %lld micros is above the most one payment may carry (%lld micros)",
                        (long long)amount, (long long)fee, (long long)LEDGER_MAX_AMOUNT);
    if (total <= 0) return 0;
    if (escrow_fund(c, b, total, err)) return err->code;
    int64_t earn, fees;
    if (ledger_account(c->db, "worker_earnings", worker, "", c->cfg->currency, &earn, err) ||
        ledger_account(c->db, "platform_fees", 0, "", c->cfg->currency, &fees, err))
        return err->code;
    ledger_leg legs[3] = {{b->escrow_account, -total}, {earn, amount}, {fees, fee}};
    ledger_tx_in tx = {.idem_key = idem, .kind = "payment", .memo = memo, .family = "microwork",
                       .subject = subject, .actor_id = c->who ? c->who->id : -1, .now_ms = c->now_ms};
    return ledger_post(c->db, &tx, legs, fee > 0 ? 3 : 2, NULL, NULL, err);
}

int mw_refund_excess(mw_ctx *c, mw_batch *b, vis_err *err)
{
    if (b->escrow_account < 0) return 0;
    /* what escrow must still pay: answers not yet reviewed (leased or awaiting
       review) and, while the batch is open, those not yet claimed — from the
       batch's counters, O(1) however large the batch */
    int64_t bal = 0;
    bool open = b->state == MW_B_PUBLISHED || b->state == MW_B_PAUSED;
    int64_t outstanding = (open && b->budget > b->committed ? b->budget : b->committed) - b->reviewed_n;
    if (outstanding < 0) outstanding = 0;
    int64_t reserved; /* on overflow: more than escrow could ever hold, so nothing is returned */
    if (ckd_mul(&reserved, mw_unit_cost(b), outstanding)) reserved = INT64_MAX;
    if (ledger_balance(c->db, b->escrow_account, &bal, err)) return err->code;
    if (bal <= reserved) return 0;
    int64_t funds;
    if (ledger_account(c->db, "client_funds", b->client_id, "", c->cfg->currency, &funds, err)) return err->code;
    char subj[48];
    snprintf(subj, sizeof subj, "batch:%lld", (long long)b->id);
    ledger_leg legs[2] = {{b->escrow_account, -(bal - reserved)}, {funds, bal - reserved}};
    ledger_tx_in tx = {.kind = "refund", .memo = "unspent escrow returned", .family = "microwork",
                       .subject = subj, .actor_id = -1, .now_ms = c->now_ms};
    return ledger_post(c->db, &tx, legs, 2, NULL, NULL, err);
}

int mw_refresh_median(mw_ctx *c, mw_batch *b, bool force, vis_err *err)
{
    int64_t n = b->submitted_n;
    /* refresh while small, then each time the answers grow by 10% */
    if (!force && n == b->median_n) return 0;
    if (!force && n > 200 && n < b->median_n + b->median_n / 10) return 0;
    if (n == 0) return 0;
    int64_t med = 0;
    if (store_get_i64(c->db, SQL_MW_ASG_MEDIAN, &med, err, "ii", b->id, (n - 1) / 2) < 0) return err->code;
    b->median_ms = med;
    b->median_n = n;
    return store_exec(c->db, SQL_MW_BATCH_MEDIAN_SET, err, "iii", b->id, med, n);
}

int64_t mw_fair_cap_ms(const mw_batch *b)
{
    int64_t base = b->median_n > 0 && b->median_ms > b->expected_s * 1000 ? b->median_ms : b->expected_s * 1000;
    int64_t cap;
    if (ckd_mul(&cap, base, MW_FAIR_CAP_X) || cap > b->lease_ms) cap = b->lease_ms;
    return cap > 0 ? cap : 1;
}

/* ---- answers ---- */

static bool in_labels(const mw_batch *b, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(b->labels, i, v) if (!strcmp(json_string_value(v), s)) return true;
    return false;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int mw_answer_check(const mw_batch *b, json_t *answer, char **json_text, char **key, vis_err *err)
{
    *json_text = *key = NULL;
    if (!answer) return vis_errf(err, VIS_EINVAL, "missing_field", "answer", "field 'answer' is required");
    const char *t = b->answer_type;
    if (!strcmp(t, "single")) {
        if (!json_is_string(answer) || !in_labels(b, json_string_value(answer)))
            return vis_errf(err, VIS_EINVAL, "invalid_field", "answer", "answer must be one of the batch's labels");
        *key = mem_strdup(json_string_value(answer));
    } else if (!strcmp(t, "multiple")) {
        size_t n = json_array_size(answer);
        if (!json_is_array(answer) || n == 0 || n > json_array_size(b->labels))
            return vis_errf(err, VIS_EINVAL, "invalid_field", "answer",
                            "answer must be a non-empty array of the batch's labels");
        const char **v = mem_calloc(n, sizeof *v);
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
            json_t *x = json_array_get(answer, i);
            if (!json_is_string(x) || !in_labels(b, json_string_value(x))) {
                free(v);
                return vis_errf(err, VIS_EINVAL, "invalid_field", "answer", "answer[%zu] is not one of the labels", i);
            }
            v[i] = json_string_value(x);
            len += strlen(v[i]) + 1;
        }
        qsort(v, n, sizeof *v, cmp_str);
        for (size_t i = 1; i < n; i++)
            if (!strcmp(v[i], v[i - 1])) {
                vis_errf(err, VIS_EINVAL, "invalid_field", "answer", "answer repeats the label '%s'", v[i]);
                free(v);
                return VIS_EINVAL;
            }
        char *k = mem_alloc(len + 1);
        k[0] = '\0';
        for (size_t i = 0; i < n; i++) {
            if (i) strcat(k, "|");
            strcat(k, v[i]);
        }
        free(v);
        *key = k;
    } else if (!strcmp(t, "text")) {
        if (!json_is_string(answer) || json_string_length(answer) == 0 || json_string_length(answer) > 10000 ||
            strlen(json_string_value(answer)) != json_string_length(answer))
            return vis_errf(err, VIS_EINVAL, "invalid_field", "answer", "answer must be a text of 1 to 10000 bytes");
        *key = mem_strdup(json_string_value(answer));
    } else {
        if (!json_is_number(answer))
            return vis_errf(err, VIS_EINVAL, "invalid_field", "answer", "answer must be a number");
        char tmp[64];
        if (json_is_integer(answer)) snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(answer));
        else snprintf(tmp, sizeof tmp, "%.17g", json_real_value(answer));
        *key = mem_strdup(tmp);
    }
    *json_text = json_dumps(answer, JSON_COMPACT | JSON_ENCODE_ANY); /* allocates through mem_*: never NULL */
    return 0;
}

/* Append text with &<>"' escaped for HTML. */
static void put_html(buf *b, const char *t)
{
    for (; *t; t++) {
        switch (*t) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default: buf_append(b, t, 1);
        }
    }
}

char *mw_render(const char *tmpl, json_t *data) { return mw_render_as(tmpl, data, false); }

char *mw_render_as(const char *tmpl, json_t *data, bool html)
{
    buf b;
    buf_init(&b);
    const char *p = tmpl;
    while (*p) {
        const char *s = strstr(p, "${");
        const char *e = s ? strchr(s + 2, '}') : NULL;
        if (!s || !e) {
            buf_puts(&b, p);
            break;
        }
        buf_append(&b, p, (size_t)(s - p));
        char name[128];
        size_t n = (size_t)(e - s - 2);
        if (n >= sizeof name) n = sizeof name - 1;
        memcpy(name, s + 2, n);
        name[n] = '\0';
        json_t *v = json_object_get(data, name);
        if (json_is_string(v)) (html ? put_html : buf_puts)(&b, json_string_value(v));
        else if (v) {
            char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            if (d) (html ? put_html : buf_puts)(&b, d);
            free(d);
        }
        p = e + 1;
    }
    return buf_steal(&b);
}

void mw_iso(int64_t ms, char *out) { clock_iso(ms, out); }
