/* mw_demo — demo content of the micro-work family: a realistic labelling
 * batch of the demo client, with control tasks and some answers already
 * given and reviewed, through the same functions the API uses. */
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "core/account.h"
#include "microwork/mw.h"
#include "store/sql_core.h"

static const char *reviews[] = {
    "Arrived on time and works exactly as described.",
    "Stopped working after two days, and support never answered.",
    "It is fine. Nothing special, nothing wrong.",
    "Best purchase this year: my kids love it.",
    "The colour is not the one in the picture.",
    "Does the job. The manual could be clearer.",
    "Broke in the box; the refund took a month.",
    "Great value for the price, would buy again.",
    "Average sound, but the battery lasts forever.",
    "Terrible smell, had to throw it away.",
    "Exactly what I needed for the kitchen.",
    "Okay for a gift, a bit smaller than expected.",
    "Five stars, the seller even added a note.",
    "Missing screws, could not assemble it.",
    "Neither good nor bad, it is a cable.",
    "Fast delivery and very sturdy.",
    "Cheap plastic, cracked on first use.",
    "It works. That is all I can say.",
};
static const char *gold[] = {"positive", "negative", "neutral"};

static int lookup(store *db, const char *email, account *a, vis_err *err)
{
    store_stmt *q;
    if (store_one(db, SQL_ACCOUNT_BY_EMAIL, &q, err, "t", email)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, NULL, NULL, "demo account %s missing", email);
    a->id = store_col_i64(q, 0);
    snprintf(a->role, sizeof a->role, "%s", store_col_text(q, 1));
    store_done(q);
    return 0;
}

int mw_demo_seed(store *db, const vis_config *cfg, int64_t now_ms, vis_err *err)
{
    account client = {0};
    if (lookup(db, "client@demo.visible", &client, err)) return err->code;
    mw_ctx c = {.db = db, .cfg = cfg, .now_ms = now_ms - 3600000, .who = &client};
    json_t *spec = JSON_PACK(
        "{s:s, s:s, s:s, s:s, s:s, s:[s,s,s], s:I, s:I, s:I, s:f, s:f, s:I, s:s}", "title",
        "Product review sentiment", "description", "Read a short customer review and say how the customer feels.",
        "instructions", "Choose positive, negative or neutral. Judge the customer's feeling, not the product.",
        "template", "Review: \"${review}\" - is this customer positive, negative or neutral?", "answer_type", "single",
        "labels", "positive", "negative", "neutral", "reward_micros", (json_int_t)60000, "overlap", (json_int_t)3,
        "expected_seconds", (json_int_t)15, "control_ratio", 0.2, "min_skill", 0.5, "min_control_answers",
        (json_int_t)3, "aggregation", "ds");
    json_t *out = NULL;
    int rc = mw_batch_create(&c, spec, &out, err);
    json_decref(spec);
    if (rc) return rc;
    int64_t batch = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    char csv[8192];
    size_t n = (size_t)snprintf(csv, sizeof csv, "review,_gold\n");
    for (size_t i = 0; i < sizeof reviews / sizeof reviews[0]; i++) {
        /* every third review with a known answer is a control task */
        const char *g = i % 6 == 0 ? gold[(i / 6) % 3] : "";
        if (i == 0) g = "positive";
        if (i == 6) g = "negative";
        if (i == 14) g = "neutral";
        n += (size_t)snprintf(csv + n, sizeof csv - n, "\"%s\",%s\n", reviews[i], g);
    }
    out = NULL;
    if ((rc = mw_tasks_add(&c, batch, "text/csv", csv, n, &out, err))) return rc;
    json_decref(out);
    out = NULL;
    if ((rc = mw_batch_publish(&c, batch, &out, err))) return rc;
    json_decref(out);
    /* two workers have answered a few tasks; the client approved some */
    static const char *who[] = {"alice@demo.visible", "bilal@demo.visible"};
    for (int w = 0; w < 2; w++) {
        account worker = {0};
        if (lookup(db, who[w], &worker, err)) return err->code;
        mw_ctx wc = {.db = db, .cfg = cfg, .now_ms = now_ms - 3000000 + w * 600000, .who = &worker};
        for (int k = 0; k < 4; k++) {
            out = NULL;
            if ((rc = mw_claim(&wc, batch, &out, err))) return rc;
            int64_t asg = json_integer_value(json_object_get(out, "id"));
            const char *q = json_string_value(json_object_get(json_object_get(out, "task"), "question"));
            const char *ans = q && (strstr(q, "Best") || strstr(q, "Great") || strstr(q, "Fast") || strstr(q, "Five") ||
                                    strstr(q, "Exactly") || strstr(q, "Arrived"))
                                  ? "positive"
                              : q && (strstr(q, "fine") || strstr(q, "Okay") || strstr(q, "Neither") ||
                                      strstr(q, "works. That") || strstr(q, "Average") || strstr(q, "Does the job"))
                                  ? "neutral"
                                  : "negative";
            json_decref(out);
            wc.now_ms += 22000 + k * 3000;
            json_t *body = JSON_PACK("{s:s}", "answer", ans);
            out = NULL;
            rc = mw_submit(&wc, asg, body, &out, err);
            json_decref(body);
            json_decref(out);
            if (rc) return rc;
            if (k < 2) {
                c.now_ms = wc.now_ms + 60000;
                out = NULL;
                if ((rc = mw_answer_review(&c, asg, true, "thanks", &out, err))) return rc;
                json_decref(out);
            }
            wc.now_ms += 5000;
        }
    }
    return 0;
}
