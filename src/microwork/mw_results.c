/* mw_results — the client's view of answers and the aggregated results,
 * with provenance (who, how long, how much), as JSON, JSON lines or CSV in
 * the style of Mechanical Turk's batch results. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/buf.h"
#include "base/csv.h"
#include "base/vec.h"
#include "microwork/mw_int.h"
#include "store/sql_microwork.h"
#include "truth/truth.h"

int mw_batch_answers(mw_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mw_batch b;
    if (mw_batch_owned(c, id, &b, err)) return err->code;
    mw_batch_free(&b);
    json_t *arr;
    if (mw_sweep(c, err) < 0 || mw_asg_list(c, SQL_MW_ASG_OF_BATCH, id, true, &arr, err)) return err->code;
    *out = JSON_PACK("{s:I, s:o}", "batch_id", (json_int_t)id, "answers", arr);
    return 0;
}

typedef struct rtask {
    int64_t id, seq;
    json_t *data;
    char   *gold_key;
    int     control;
    int64_t answers, seconds_ms, paid;
    int32_t workers;
} rtask;

typedef struct ranswer {
    mw_asg  a;
    int32_t ti, wi, li;
} ranswer;

typedef struct rset {
    rtask      *t;
    size_t      nt;
    ranswer    *a;
    size_t      na;
    truth_dict  workers, labels;
    truth_result res;
    int         have_res;
} rset;

static void rset_free(rset *s)
{
    for (size_t i = 0; i < s->nt; i++) {
        json_decref(s->t[i].data);
        free(s->t[i].gold_key);
    }
    for (size_t i = 0; i < s->na; i++) mw_asg_free(&s->a[i].a);
    free(s->t);
    free(s->a);
    truth_dict_free(&s->workers);
    truth_dict_free(&s->labels);
    if (s->have_res) truth_result_free(&s->res);
}

static int find_task(const rset *s, int64_t id)
{
    size_t lo = 0, hi = s->nt;
    while (lo < hi) { /* tasks are loaded in seq order; ids grow with seq */
        size_t mid = (lo + hi) / 2;
        if (s->t[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->nt && s->t[lo].id == id ? (int)lo : -1;
}

static int load(mw_ctx *c, mw_batch *b, rset *s, vis_err *err)
{
    memset(s, 0, sizeof *s);
    truth_dict_init(&s->workers);
    truth_dict_init(&s->labels);
    /* labels of a choice batch keep the batch's order */
    size_t li;
    json_t *lv;
    json_array_foreach(b->labels, li, lv) truth_dict_intern(&s->labels, json_string_value(lv), json_string_length(lv));
    store_stmt *q = store_query(c->db, SQL_MW_TASKS_OF_BATCH, err, "i", b->id);
    if (!q) return err->code;
    size_t cap = 0;
    int r;
    while ((r = store_row(q, err)) == 1) {
        vec_room(&s->t, &cap, s->nt, sizeof *s->t);
        rtask *t = &s->t[s->nt++];
        memset(t, 0, sizeof *t);
        t->id = store_col_i64(q, 0);
        t->seq = store_col_i64(q, 1);
        t->data = json_loads(store_col_text(q, 2), 0, NULL);
        t->control = (int)store_col_i64(q, 4);
        if (!store_col_null(q, 3)) {
            json_t *g = json_loads(store_col_text(q, 3), JSON_DECODE_ANY, NULL);
            char *js = NULL;
            vis_err e2;
            if (g) mw_answer_check(b, g, &js, &t->gold_key, &e2);
            free(js);
            json_decref(g);
        }
    }
    store_done(q);
    if (r < 0) return err->code;
    q = store_query(c->db, SQL_MW_ASG_OF_BATCH, err, "i", b->id);
    if (!q) return err->code;
    cap = 0;
    bool over = false;
    while ((r = store_row(q, err)) == 1) {
        vec_room(&s->a, &cap, s->na, sizeof *s->a);
        ranswer *a = &s->a[s->na];
        mw_asg_read(q, &a->a);
        s->na++;
        a->ti = find_task(s, a->a.task_id);
        char wname[32];
        snprintf(wname, sizeof wname, "%lld", (long long)a->a.worker_id);
        a->wi = truth_dict_intern(&s->workers, wname, strlen(wname));
        a->li = a->a.answer_key[0] ? truth_dict_intern(&s->labels, a->a.answer_key, strlen(a->a.answer_key)) : -1;
        if (a->ti >= 0) {
            rtask *t = &s->t[a->ti];
            if (a->a.duration_ms > 0 && ckd_add(&t->seconds_ms, t->seconds_ms, a->a.duration_ms)) over = true;
            if (ckd_add(&t->paid, t->paid, a->a.paid) || ckd_add(&t->paid, t->paid, a->a.bonus)) over = true;
        }
    }
    store_done(q);
    if (r < 0) return err->code;
    if (over) return vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "batch %lld: totals overflow", (long long)b->id);
    return 0;
}

static int aggregate(mw_batch *b, rset *s, vis_err *err)
{
    /* answers that count: submitted or approved (rejected ones do not) */
    size_t n = 0;
    int32_t *task = mem_alloc((s->na + 1) * sizeof *task), *worker = mem_alloc((s->na + 1) * sizeof *worker),
            *label = mem_alloc((s->na + 1) * sizeof *label), *gold = mem_alloc((s->nt + 1) * sizeof *gold);
    for (size_t i = 0; i < s->nt; i++) {
        gold[i] = s->t[i].gold_key ? truth_dict_intern(&s->labels, s->t[i].gold_key, strlen(s->t[i].gold_key)) : -1;
    }
    for (size_t i = 0; i < s->na; i++) {
        ranswer *a = &s->a[i];
        if (a->ti < 0 || a->li < 0 || a->wi < 0) continue;
        if (a->a.state != MW_A_SUBMITTED && a->a.state != MW_A_APPROVED) continue;
        task[n] = a->ti;
        worker[n] = a->wi;
        label[n] = a->li;
        n++;
        s->t[a->ti].answers++;
    }
    /* distinct workers per task (a worker answers a task once) */
    for (size_t i = 0; i < s->na; i++)
        if (s->a[i].ti >= 0 && s->a[i].a.submitted_ms >= 0) s->t[s->a[i].ti].workers++;
    truth_input in = {.n_tasks = (int32_t)s->nt, .n_workers = truth_dict_size(&s->workers),
                      .n_classes = truth_dict_size(&s->labels), .n_answers = n, .task = task, .worker = worker,
                      .label = label, .gold = gold};
    truth_method m;
    vis_err e2;
    if (truth_method_parse(b->aggregation, &m, &e2)) m = TRUTH_DS;
    truth_options opt;
    truth_options_default(&opt, m);
    int rc = 0;
    if (in.n_classes < 1) in.n_classes = 1;
    if (in.n_workers < 1) in.n_workers = 1;
    rc = truth_run(&in, &opt, &s->res, err);
    if (!rc) s->have_res = 1;
    free(task), free(worker), free(label), free(gold);
    return rc;
}

static json_t *task_result(mw_batch *b, rset *s, size_t i)
{
    rtask *t = &s->t[i];
    int32_t l = s->have_res ? s->res.label[i] : -1;
    json_t *label = json_null();
    if (l >= 0) {
        const char *name = truth_dict_name(&s->labels, l);
        if (!strcmp(b->answer_type, "multiple")) {
            label = json_array();
            const char *p = name;
            while (*p) {
                const char *e = strchr(p, '|');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                json_array_append_new(label, json_stringn(p, n));
                p += n + (e ? 1 : 0);
            }
        } else if (!strcmp(b->answer_type, "number")) {
            label = json_loads(name, JSON_DECODE_ANY, NULL);
            if (!label) label = json_string(name);
        } else {
            label = json_string(name);
        }
    }
    json_t *o = JSON_PACK("{s:I, s:I, s:O, s:o, s:f, s:I, s:b}", "task_id", (json_int_t)t->id, "seq", (json_int_t)t->seq,
                          "data", t->data ? t->data : json_null(), "label", label, "confidence",
                          l >= 0 ? s->res.confidence[i] : 0.0, "answers", (json_int_t)t->answers, "control",
                          t->control);
    json_object_set_new(o, "provenance",
                        JSON_PACK("{s:I, s:f, s:I, s:s}", "workers", (json_int_t)t->workers, "human_seconds",
                                  t->seconds_ms / 1000.0, "paid_micros", (json_int_t)t->paid, "made_by",
                                  t->answers ? "humans" : "nobody yet"));
    return o;
}

static void csv_row_end(buf *b) { buf_puts(b, "\r\n"); }
static void csv_sep(buf *b, int *first)
{
    if (!*first) buf_puts(b, ",");
    *first = 0;
}

static char *to_csv(mw_batch *b, rset *s)
{
    buf o;
    buf_init(&o);
    json_t *keys = json_array();
    for (size_t i = 0; i < s->nt && !json_array_size(keys); i++) {
        const char *k;
        json_t *v;
        json_object_foreach(s->t[i].data, k, v) json_array_append_new(keys, json_string(k));
    }
    static const char *head[] = {"HITId", "HITTypeId", "Title", "AssignmentId", "WorkerId", "AssignmentStatus",
                                 "AcceptTime", "SubmitTime", "WorkTimeInSeconds", "Reward", "ApprovalTime",
                                 "RejectionTime", "RequesterFeedback"};
    int first = 1;
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        csv_sep(&o, &first);
        buf_puts(&o, head[i]);
    }
    size_t ki;
    json_t *kv;
    json_array_foreach(keys, ki, kv) {
        buf_puts(&o, ",Input.");
        csv_put_field(&o, json_string_value(kv));
    }
    buf_puts(&o, ",Answer.label,Aggregate.label,Aggregate.confidence,Aggregate.answers");
    csv_row_end(&o);
    char tmp[64];
    for (size_t i = 0; i < s->na; i++) {
        ranswer *a = &s->a[i];
        if (a->ti < 0 || a->a.submitted_ms < 0) continue;
        rtask *t = &s->t[a->ti];
        snprintf(tmp, sizeof tmp, "%lld", (long long)t->id);
        csv_put_field(&o, tmp);
        snprintf(tmp, sizeof tmp, ",batch-%lld,", (long long)b->id);
        buf_puts(&o, tmp);
        csv_put_field(&o, b->title);
        snprintf(tmp, sizeof tmp, ",%lld,%lld,", (long long)a->a.id, (long long)a->a.worker_id);
        buf_puts(&o, tmp);
        const char *st = a->a.state == MW_A_APPROVED   ? "Approved"
                         : a->a.state == MW_A_REJECTED ? "Rejected"
                                                       : "Submitted";
        buf_puts(&o, st);
        buf_puts(&o, ",");
        mw_iso(a->a.claimed_ms, tmp);
        buf_puts(&o, tmp);
        buf_puts(&o, ",");
        mw_iso(a->a.submitted_ms, tmp);
        buf_puts(&o, tmp);
        snprintf(tmp, sizeof tmp, ",%lld,%.6f,", (long long)(a->a.duration_ms / 1000), (b->reward + b->topup) / 1e6);
        buf_puts(&o, tmp);
        if (a->a.state == MW_A_APPROVED) mw_iso(a->a.reviewed_ms, tmp);
        else tmp[0] = '\0';
        buf_puts(&o, tmp);
        buf_puts(&o, ",");
        if (a->a.state == MW_A_REJECTED) mw_iso(a->a.reviewed_ms, tmp);
        else tmp[0] = '\0';
        buf_puts(&o, tmp);
        buf_puts(&o, ",");
        csv_put_field(&o, a->a.review_reason);
        json_array_foreach(keys, ki, kv) {
            buf_puts(&o, ",");
            json_t *v = json_object_get(t->data, json_string_value(kv));
            if (json_is_string(v)) csv_put_field(&o, json_string_value(v));
            else if (v) {
                char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                if (d) csv_put_field(&o, d);
                free(d);
            }
        }
        buf_puts(&o, ",");
        csv_put_field(&o, a->a.answer_key);
        buf_puts(&o, ",");
        int32_t l = s->have_res ? s->res.label[a->ti] : -1;
        if (l >= 0) csv_put_field(&o, truth_dict_name(&s->labels, l));
        snprintf(tmp, sizeof tmp, ",%.6f,%lld", l >= 0 ? s->res.confidence[a->ti] : 0.0, (long long)t->answers);
        buf_puts(&o, tmp);
        csv_row_end(&o);
    }
    json_decref(keys);
    return buf_steal(&o);
}

int mw_batch_results(mw_ctx *c, int64_t id, const char *format, json_t **out, char **text, vis_err *err)
{
    if (strcmp(format, "json") && strcmp(format, "jsonl") && strcmp(format, "csv"))
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "format", "format must be json, jsonl or csv");
    mw_batch b;
    if (mw_batch_owned(c, id, &b, err)) return err->code;
    rset s;
    int rc = load(c, &b, &s, err);
    if (!rc) rc = aggregate(&b, &s, err);
    if (!rc) {
        if (!strcmp(format, "csv")) {
            *text = to_csv(&b, &s);
        } else if (!strcmp(format, "jsonl")) {
            buf o;
            buf_init(&o);
            for (size_t i = 0; i < s.nt; i++) {
                json_t *t = task_result(&b, &s, i);
                char *line = json_dumps(t, JSON_COMPACT);
                json_decref(t);
                if (line) buf_puts(&o, line);
                buf_puts(&o, "\n");
                free(line);
            }
            *text = buf_steal(&o);
        } else {
            json_t *arr = json_array();
            int64_t human_ms = 0, paid = 0;
            for (size_t i = 0; i < s.nt; i++) {
                json_array_append_new(arr, task_result(&b, &s, i));
                if (ckd_add(&human_ms, human_ms, s.t[i].seconds_ms) || ckd_add(&paid, paid, s.t[i].paid))
                    rc = vis_errf(err, VIS_ECONFLICT, "amount_too_large", NULL, "batch %lld: totals overflow",
                                  (long long)b.id);
            }
            if (rc) json_decref(arr);
            else *out = JSON_PACK("{s:I, s:s, s:s, s:o, s:{s:I, s:f, s:I, s:s}}", "batch_id", (json_int_t)b.id, "state",
                             mw_bstate_name(b.state), "method", b.aggregation, "tasks", arr, "totals", "answers", (json_int_t)s.na,
                             "human_seconds", human_ms / 1000.0, "paid_micros", (json_int_t)paid, "note",
                             "every label here was made by people: provenance counts them, their time and their pay");
        }
    }
    rset_free(&s);
    mw_batch_free(&b);
    return rc;
}
