/* obs_earn — a worker's earnings truth and declared costs. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/jv.h"
#include "core/journal.h"
#include "core/timeacct.h"
#include "store/sql_visibility.h"
#include "visibility/obs.h"


/* The figures of a sum, as a JSON object (new reference or NULL): pay per
 * hour over paid time (active + waiting: the figure the minimum applies
 * to) and over all time spent (unpaid time included), each before and
 * after costs, with their flags against the minimum. */
static json_t *figures(const acct_sum *s, int64_t min)
{
    int64_t h = acct_hourly(s, false), ha = acct_hourly(s, true);
    int64_t g = acct_hourly_all(s, false), ga = acct_hourly_all(s, true);
    bool timed = s->active_ms + s->waiting_ms > 0;
    bool spent = s->active_ms + s->waiting_ms + s->unpaid_ms > 0;
    json_t *o = JSON_PACK("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b}", "paid_micros",
                          (json_int_t)s->paid_micros, "active_ms", (json_int_t)s->active_ms, "waiting_ms",
                          (json_int_t)s->waiting_ms, "unpaid_ms", (json_int_t)s->unpaid_ms, "distance_m",
                          (json_int_t)s->distance_m, "costs_micros", (json_int_t)acct_costs_micros(s),
                          "effective_hourly_micros", (json_int_t)h, "effective_hourly_after_costs_micros",
                          (json_int_t)ha, "below_minimum", timed && h < min, "below_minimum_after_costs",
                          timed && ha < min);
    json_object_set_new(o, "paid_time_ms", json_integer(s->active_ms + s->waiting_ms));
    json_object_set_new(o, "all_time_ms", json_integer(s->active_ms + s->waiting_ms + s->unpaid_ms));
    json_object_set_new(o, "hourly_all_time_micros", json_integer(g));
    json_object_set_new(o, "hourly_all_time_after_costs_micros", json_integer(ga));
    json_object_set_new(o, "below_minimum_all_time", json_boolean(spent && g < min));
    json_object_set_new(o, "below_minimum_all_time_after_costs", json_boolean(spent && ga < min));
    return o;
}

static const char MINIMUM_RULE[] =
    "The platform minimum (minimum_hourly_micros) applies to pay per hour of paid time: paid / (active + waiting) "
    "hours (effective_hourly_micros, and after your declared costs effective_hourly_after_costs_micros; flags "
    "below_minimum, below_minimum_after_costs). Pay per hour of all the time you spent, unpaid time included "
    "(hourly_all_time_micros, hourly_all_time_after_costs_micros) is what your time really earned; its flags "
    "(below_minimum_all_time, below_minimum_all_time_after_costs) compare it with the same minimum for "
    "information: unpaid time (rejected or abandoned work, expired leases) is not paid time.";

/* Sum the cells matching (period or -1 for any) grouped by family (by = 0)
 * or by client (by = 1) into an array. */
static json_t *breakdown(obs_ctx *c, const acct_worker *w, int period, int by, int64_t min)
{
    size_t n = 0;
    int64_t *keys = mem_calloc(w->ncells + 1, sizeof *keys);
    acct_sum *sums = mem_calloc(w->ncells + 1, sizeof *sums);
    json_t *arr = json_array();
    for (size_t i = 0; i < w->ncells; i++) {
        const acct_cell *cl = &w->cells[i];
        if (period >= 0 && cl->period != period) continue;
        int64_t k = by == 0 ? cl->family : cl->client;
        size_t j = 0;
        while (j < n && keys[j] != k) j++;
        if (j == n) keys[n++] = k;
        acct_sum_add(&sums[j], cl);
    }
    /* order: families as first seen; clients by id, none last */
    for (size_t a = 1; by == 1 && a < n; a++)
        for (size_t b = a; b > 0 && (uint64_t)keys[b] < (uint64_t)keys[b - 1]; b--) {
            int64_t tk = keys[b];
            keys[b] = keys[b - 1];
            keys[b - 1] = tk;
            acct_sum ts = sums[b];
            sums[b] = sums[b - 1];
            sums[b - 1] = ts;
        }
    for (size_t j = 0; j < n; j++) {
        json_t *o = figures(&sums[j], min);
        if (by == 0) {
            json_object_set_new(o, "family", json_string(w->families[keys[j]]));
        } else if (keys[j] < 0) {
            json_object_set_new(o, "client_id", json_null());
            json_object_set_new(o, "client_name", json_string("no client (waiting time, subsidies, remedies)"));
        } else {
            account a;
            vis_err e2;
            json_object_set_new(o, "client_id", json_integer(keys[j]));
            json_object_set_new(o, "client_name",
                                account_get(c->db, keys[j], &a, &e2) == 0 ? json_string(a.name) : json_null());
        }
        json_array_append_new(arr, o);
    }
    free(keys);
    free(sums);
    return arr;
}

static json_t *cost_json(store_stmt *q)
{
    return JSON_PACK("{s:I, s:s, s:I, s:I, s:I, s:s, s:I}", "id", (json_int_t)store_col_i64(q, 0), "family",
                     store_col_text(q, 1), "per_km_micros", (json_int_t)store_col_i64(q, 2), "per_hour_micros",
                     (json_int_t)store_col_i64(q, 3), "from_ms", (json_int_t)store_col_i64(q, 4), "note",
                     store_col_text(q, 5), "created_ms", (json_int_t)store_col_i64(q, 6));
}

int obs_costs_list(obs_ctx *c, const account *who, json_t **out, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_OBS_COSTS_OF, err, "i", who->id);
    if (!q) return err->code;
    json_t *arr = json_array();
    int r;
    while ((r = store_row(q, err)) == 1) json_array_append_new(arr, cost_json(q));
    store_done(q);
    if (r < 0) {
        json_decref(arr);
        return err->code;
    }
    *out = JSON_PACK("{s:o, s:s, s:s}", "costs", arr, "currency", c->cfg->currency, "rule",
                     "the declaration in force at an instant is the latest one from_ms <= that instant, one for the "
                     "family first, else one for every family (family ''); per-hour costs accrue over all working "
                     "time (active, waiting, unpaid), per-km costs over the distance the journal records");
    return 0;
}

static const jv_field cost_fields[] = {
    {"per_km_micros", JV_INT, false, 0, 1000000000},
    {"per_hour_micros", JV_INT, false, 0, 1000000000},
    {"family", JV_STRING, false, 0, ACCT_FAMILY_LEN - 1},
    {"from_ms", JV_INT, false, 0, 253402300799999LL},
    {"note", JV_STRING, false, 0, 500},
    {NULL, 0, 0, 0, 0},
};

int obs_costs_declare(obs_ctx *c, const account *who, json_t *spec, json_t **out, vis_err *err)
{
    if (jv_check(spec, cost_fields, err)) return err->code;
    if (!json_object_get(spec, "per_km_micros") && !json_object_get(spec, "per_hour_micros"))
        return vis_errf(err, VIS_EINVAL, "missing_field", "per_hour_micros",
                        "declare per_km_micros, per_hour_micros or both");
    const char *fam = jv_str(spec, "family", "");
    for (const char *p = fam; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
            return vis_errf(err, VIS_EINVAL, "invalid_field", "family",
                            "family must be a family name such as 'dispatch', or '' for every family");
    int64_t per_km = jv_int(spec, "per_km_micros", 0), per_hour = jv_int(spec, "per_hour_micros", 0);
    int64_t from = jv_int(spec, "from_ms", 0);
    if (store_exec(c->db, SQL_OBS_COST_INSERT, err, "itiiiti", who->id, fam, per_km, per_hour, from,
                   jv_str(spec, "note", ""), c->now_ms))
        return err->code;
    int64_t id = store_last_id(c->db);
    json_t *pl = JSON_PACK("{s:I, s:s, s:I, s:I, s:I}", "declaration", (json_int_t)id, "family", fam, "per_km_micros",
                           (json_int_t)per_km, "per_hour_micros", (json_int_t)per_hour, "from_ms", (json_int_t)from);
    char *text = json_dumps(pl, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(pl);
    journal_event ev = journal_event_init("visibility", "costs_declared", c->now_ms);
    ev.actor_id = who->id;
    ev.worker_id = who->id;
    char subj[48];
    snprintf(subj, sizeof subj, "costs:%lld", (long long)id);
    ev.subject = subj;
    ev.payload = text;
    int rc = journal_append(c->db, &ev, NULL, err);
    free(text);
    if (rc) return rc;
    return obs_costs_list(c, who, out, err);
}

int obs_earnings(obs_ctx *c, const account *who, int64_t from, int64_t to, acct_grain g, json_t **out, vis_err *err)
{
    acct_periods *per = mem_alloc(sizeof *per);
    int rc = acct_periods_make(per, g, from, to, err);
    if (rc) {
        free(per);
        return rc;
    }
    /* the periods may reach beyond [from, to) to whole days/weeks/months:
       clip the first and last so that the totals are those of [from, to) */
    per->start[0] = from;
    per->start[per->n] = to;
    acct_worker w;
    if ((rc = acct_worker_load(c->db, who->id, per, true, c->now_ms, &w, err))) {
        free(per);
        return rc;
    }
    int64_t min = c->cfg->min_hourly_micros;
    acct_sum tot = {0};
    for (size_t i = 0; i < w.ncells; i++) acct_sum_add(&tot, &w.cells[i]);
    /* the totals are the cells' sums: the journal's spans, a courier's open
       span up to now, remedies at the work they pay for */
    json_t *o = figures(&tot, min);
    {
        json_object_set_new(o, "from_ms", json_integer(from));
        json_object_set_new(o, "to_ms", json_integer(to));
        json_object_set_new(o, "currency", json_string(c->cfg->currency));
        json_object_set_new(o, "minimum_hourly_micros", json_integer(min));
        json_object_set_new(o, "minimum_applies_to", json_string("paid_time"));
        json_object_set_new(o, "minimum_rule", json_string(MINIMUM_RULE));
        json_object_set_new(o, "open_span",
                            w.open_kind < 0 ? json_null()
                                            : JSON_PACK("{s:s, s:I, s:I, s:s}", "kind",
                                                        w.open_kind == 0 ? "active" : "waiting", "since_ms",
                                                        (json_int_t)w.open_since_ms, "counted_to_ms",
                                                        (json_int_t)(c->now_ms < to ? c->now_ms : to), "note",
                                                        "a courier's span running now, counted up to now (it is "
                                                        "journalled when it closes)"));
        json_t *rem = json_array();
        for (size_t i = 0; i < w.nremedies; i++) {
            const acct_remedy *m = &w.remedies[i];
            json_array_append_new(rem, JSON_PACK("{s:I, s:s, s:I, s:I, s:I}", "review", (json_int_t)m->review,
                                                 "family", w.families[m->family], "paid_ms", (json_int_t)m->paid_ms,
                                                 "work_ms", (json_int_t)m->work_ms, "amount_micros",
                                                 (json_int_t)m->amount_micros));
        }
        json_object_set_new(o, "remedies", rem);
        json_object_set_new(o, "remedies_rule",
                            json_string("pay decided on a human review (an overturned automated decision paid at "
                                        "the minimum, or compensation) is counted in the period of the work it pays "
                                        "for (work_ms: the start of the time the decision recorded), not on the day "
                                        "it was paid (paid_ms)"));
    }
    json_t *costs = NULL;
    if (!(rc = obs_costs_list(c, who, &costs, err))) {
        json_object_set(o, "costs_declared", json_object_get(costs, "costs"));
        json_object_set(o, "costs_rule", json_object_get(costs, "rule"));
        json_decref(costs);
        static const char *gn[] = {"all", "day", "week", "month"};
        json_object_set_new(o, "group_by", json_string(gn[g]));
        json_t *periods = json_array();
        json_object_set_new(o, "by_family", breakdown(c, &w, -1, 0, min));
        json_object_set_new(o, "by_client", breakdown(c, &w, -1, 1, min));
        for (int i = 0; i < per->n; i++) {
            acct_sum s = {0};
            for (size_t k = 0; k < w.ncells; k++)
                if (w.cells[k].period == i) acct_sum_add(&s, &w.cells[k]);
            json_t *po = figures(&s, min);
            json_t *pf = breakdown(c, &w, i, 0, min);
            char label[24];
            acct_period_label(per, i, label);
            json_object_set_new(po, "period", json_string(label));
            json_object_set_new(po, "start_ms", json_integer(per->start[i]));
            json_object_set_new(po, "end_ms", json_integer(per->start[i + 1]));
            json_object_set_new(po, "by_family", pf);
            json_array_append_new(periods, po);
        }
        json_object_set_new(o, "periods", periods);
    }
    acct_worker_free(&w);
    free(per);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}
