/* mw_client — what the client console needs beyond the batch's life: the
 * cost of publishing before it happens (the server's own figures), what the
 * workers of a batch earned per hour (pseudonymous: worker numbers, as in
 * the answers and results), and the template preview rendered as the
 * worker's task frame renders a task. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/ledger.h"
#include "microwork/mw_int.h"
#include "store/sql_microwork.h"

int mw_batch_cost(mw_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mw_batch b;
    if (mw_batch_owned(c, id, &b, err)) return err->code;
    int64_t reg = 0, ctl = 0;
    store_stmt *q;
    if (store_one(c->db, SQL_MW_TASK_COUNTS, &q, err, "i", b.id)) {
        mw_batch_free(&b);
        return err->code;
    }
    if (q) {
        reg = store_col_i64(q, 0);
        ctl = store_col_i64(q, 1);
        store_done(q);
    }
    int64_t control, budget, cost, funds = 0;
    bool over = mw_batch_budget(&b, reg, &control, &budget, &cost);
    if (ledger_owner_total(c->db, "client_funds", b.client_id, c->cfg->currency, &funds, err)) {
        mw_batch_free(&b);
        return err->code;
    }
    int64_t fee = mw_fee_unit(&b), rewards = 0, fees = 0, topups = 0, hourly = 0;
    if (!over) { /* each part is at most the cost, which fits */
        rewards = budget * b.reward;
        fees = budget * fee;
        topups = budget * b.topup;
    }
    bool hourly_ok = b.expected_s > 0 && !ckd_muldiv(&hourly, b.reward, 3600, b.expected_s);
    int64_t min_reward = mw_min_reward(c, &b);
    json_t *o = JSON_PACK(
        "{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
        "batch_id", (json_int_t)b.id, "state", mw_bstate_name(b.state), "currency", c->cfg->currency, "tasks", (json_int_t)reg,
        "control_tasks", (json_int_t)ctl, "overlap", (json_int_t)b.overlap, "answers_regular",
        (json_int_t)(budget - control), "answers_control", (json_int_t)control, "answers", (json_int_t)budget,
        "reward_micros", (json_int_t)b.reward, "fee_per_answer_micros", (json_int_t)fee, "topup_per_answer_micros",
        (json_int_t)b.topup, "fee_ppm", (json_int_t)b.fee_ppm, "rewards_micros", (json_int_t)rewards, "fees_micros",
        (json_int_t)fees, "topups_micros", (json_int_t)topups, "available_micros", (json_int_t)funds,
        "expected_seconds", (json_int_t)b.expected_s, "minimum_hourly_micros", (json_int_t)c->cfg->min_hourly_micros,
        "minimum_reward_micros", (json_int_t)min_reward);
    json_object_set_new(o, "escrow_micros", over ? json_null() : json_integer(cost));
    json_object_set_new(o, "cost_too_large", json_boolean(over));
    json_object_set_new(o, "hourly_micros", hourly_ok ? json_integer(hourly) : json_null());
    json_object_set_new(o, "below_minimum", json_boolean(b.reward < min_reward));
    json_object_set_new(o, "sufficient_funds", json_boolean(!over && funds >= cost));
    json_object_set_new(o, "shortfall_micros", json_integer(!over && funds < cost ? cost - funds : 0));
    /* what publish would refuse, in the order it checks */
    const char *blocker = b.state != MW_B_DRAFT ? "batch_not_draft"
                          : reg == 0               ? "no_tasks"
                          : b.control_ratio_ppm > 0 && ctl == 0 ? "no_control_tasks"
                          : b.reward < min_reward               ? "below_minimum_pay"
                          : b.reward > c->cfg->mw_max_reward_micros ? "reward_too_large"
                          : over                                  ? "cost_too_large"
                          : funds < cost                          ? "insufficient_funds"
                                                                  : NULL;
    json_object_set_new(o, "publishable", json_boolean(!blocker));
    json_object_set_new(o, "refusal", blocker ? json_string(blocker) : json_null());
    mw_batch_free(&b);
    *out = o;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int mw_batch_pay(mw_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mw_batch b;
    if (mw_batch_owned(c, id, &b, err)) return err->code;
    int64_t cap = mw_fair_cap_ms(&b);
    mw_batch_free(&b);
    store_stmt *q = store_query(c->db, SQL_MW_WB_PAY_OF_BATCH, err, "i", id);
    if (!q) return err->code;
    json_t *workers = json_array();
    size_t n = 0, cap_n = 64;
    int64_t *rates = mem_alloc(cap_n * sizeof *rates);
    int64_t min = c->cfg->min_hourly_micros, below = 0, total_ms = 0, total_paid = 0;
    int r;
    while ((r = store_row(q, err)) == 1) {
        int64_t ms = store_col_i64(q, 2), paid = store_col_i64(q, 3), hourly = 0;
        if (ms <= 0 || ckd_muldiv(&hourly, paid, 3600000, ms)) continue;
        if (n == cap_n) {
            rates = mem_realloc(rates, 2 * cap_n * sizeof *rates);
            cap_n *= 2;
        }
        rates[n++] = hourly;
        below += hourly < min;
        if (ckd_add(&total_ms, total_ms, ms) || ckd_add(&total_paid, total_paid, paid)) total_ms = total_paid = 0;
        json_array_append_new(workers,
                              JSON_PACK("{s:I, s:I, s:I, s:I, s:I, s:b}", "worker_id", (json_int_t)store_col_i64(q, 0),
                                        "approved_answers", (json_int_t)store_col_i64(q, 1), "active_ms", (json_int_t)ms,
                                        "paid_micros", (json_int_t)paid, "hourly_micros", (json_int_t)hourly,
                                        "below_minimum", hourly < min));
    }
    store_done(q);
    if (r < 0) {
        free(rates);
        json_decref(workers);
        return err->code;
    }
    json_t *o = JSON_PACK("{s:I, s:I, s:I, s:I, s:I}", "batch_id", (json_int_t)id, "minimum_hourly_micros",
                          (json_int_t)min, "workers_paid", (json_int_t)n, "below_minimum", (json_int_t)below,
                          "time_cap_ms", (json_int_t)cap);
    json_t *qs = json_null(), *median = json_null();
    if (n) {
        qsort(rates, n, sizeof *rates, cmp_i64);
        int64_t m = n % 2 ? rates[n / 2] : rates[n / 2 - 1] + (rates[n / 2] - rates[n / 2 - 1]) / 2;
        median = json_integer(m);
        qs = JSON_PACK("{s:I, s:I, s:I, s:I, s:I}", "min", (json_int_t)rates[0], "p25",
                       (json_int_t)rates[(n - 1) / 4], "median", (json_int_t)m, "p75", (json_int_t)rates[(3 * (n - 1)) / 4],
                       "max", (json_int_t)rates[n - 1]);
    }
    int64_t overall;
    json_object_set_new(o, "median_hourly_micros", median);
    json_object_set_new(o, "quantiles", qs);
    json_object_set_new(o, "overall_hourly_micros",
                        total_ms > 0 && !ckd_muldiv(&overall, total_paid, 3600000, total_ms) ? json_integer(overall)
                                                                                           : json_null());
    json_object_set_new(o, "workers", workers);
    free(rates);
    *out = o;
    return 0;
}

/* ---- the template preview ---- */

int mw_preview_set(mw_ctx *c, const char *tmpl, json_t *data, json_t **out, vis_err *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(data, k, v) {
        if (!json_is_string(v) && !json_is_number(v))
            return vis_errf(err, VIS_EINVAL, "invalid_field", "data", "sample value '%.60s' must be a text or a number",
                            k);
    }
    char *dtext = json_dumps(data, JSON_COMPACT);
    char *question = *tmpl ? mw_render(tmpl, data) : mem_strdup(""); /* an empty render is no allocation */
    int rc = store_exec(c->db, SQL_MW_PREVIEW_SET, err, "itti", c->who->id, tmpl, dtext, c->now_ms);
    free(dtext);
    if (!rc) {
        char url[96];
        snprintf(url, sizeof url, "/v1/batches/preview/frame?v=%lld", (long long)c->now_ms);
        *out = JSON_PACK("{s:s, s:s}", "frame_url", url, "question", question);
    }
    free(question);
    return rc;
}

int mw_preview_html(mw_ctx *c, char **html, vis_err *err)
{
    *html = NULL;
    store_stmt *q;
    if (store_one(c->db, SQL_MW_PREVIEW_GET, &q, err, "i", c->who->id)) return err->code;
    if (!q) {
        *html = mem_strdup(""); /* nothing typed yet: an empty page */
        return 0;
    }
    json_t *data = json_loads(store_col_text(q, 1), 0, NULL);
    if (!data) data = json_object();
    const char *tmpl = store_col_text(q, 0);
    *html = *tmpl ? mw_render_as(tmpl, data, true) : mem_strdup("");
    json_decref(data);
    store_done(q);
    return 0;
}
