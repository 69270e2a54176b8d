/* obs_public — the public observatory and the platform-work declaration:
 * every worker's cells (obs_acct) aggregated per period and family. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"
#include "store/sql_visibility.h"
#include "visibility/obs.h"

#define ALLFAM 0 /* slot 0 of the global family list is "all" */
#define WEEK_MS (7 * 86400000LL)


static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int64_t obs_median(int64_t *v, size_t n)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    if (n % 2) return v[n / 2];
    __int128 s = (__int128)v[n / 2 - 1] + v[n / 2];
    return (int64_t)(s >= 0 ? s / 2 : -((-s + 1) / 2));
}

void obs_deciles(int64_t *v, size_t n, int64_t d[9])
{
    memset(d, 0, 9 * sizeof *d);
    if (!n) return;
    qsort(v, n, sizeof *v, cmp_i64);
    for (int k = 1; k <= 9; k++) {
        size_t rank = (size_t)((k * n + 9) / 10); /* ceil(k*n/10) */
        if (rank < 1) rank = 1;
        d[k - 1] = v[rank - 1];
    }
}

/* ---- per (period, family) groups ---- */

typedef struct vec {
    int64_t *v;
    size_t   n, cap;
} vec;

static void vec_push(vec *a, int64_t x)
{
    vec_room(&a->v, &a->cap, a->n, sizeof *a->v);
    a->v[a->n++] = x;
}

typedef struct group {
    int64_t workers;       /* working time > 0 */
    acct_sum sum;
    vec     after, before; /* hourly over paid time, of workers with active or waiting time */
    vec     all_after, all_before; /* hourly over all time spent, of workers with working time */
    int64_t below_after, below_before, below_all_after, below_all_before;
    bool    suppressed;
    bool    quantiles_withheld; /* published sums, but no per-person distribution (medians, deciles, shares) */
} group;

typedef struct agg {
    char     fam[ACCT_MAX_FAMILIES][ACCT_FAMILY_LEN];
    int      nfam;          /* fam[0] = "all" */
    group   *g;             /* [period * ACCT_MAX_FAMILIES + family] */
    uint32_t *mask;         /* [period * nworkers + worker]: families worked in */
    int64_t *wids;
    size_t   nworkers, capw;
    /* declaration: per worker, hours and pay over the whole range */
    acct_sum *wtot;
} agg;

static int gfam(agg *a, const char *f)
{
    for (int i = 1; i < a->nfam; i++)
        if (!strcmp(a->fam[i], f)) return i;
    if (a->nfam == ACCT_MAX_FAMILIES) return ACCT_MAX_FAMILIES - 1;
    snprintf(a->fam[a->nfam], ACCT_FAMILY_LEN, "%s", f);
    return a->nfam++;
}

static void agg_free(agg *a, int nper)
{
    if (a->g)
        for (int i = 0; i < nper * ACCT_MAX_FAMILIES; i++) {
            free(a->g[i].after.v);
            free(a->g[i].before.v);
            free(a->g[i].all_after.v);
            free(a->g[i].all_before.v);
        }
    free(a->g);
    free(a->mask);
    free(a->wids);
    free(a->wtot);
}

/* Load every worker with work in the periods and fill the groups. */
static int agg_build(obs_ctx *c, const acct_periods *p, agg *a, vis_err *err)
{
    memset(a, 0, sizeof *a);
    snprintf(a->fam[0], ACCT_FAMILY_LEN, "all");
    a->nfam = 1;
    a->g = mem_calloc((size_t)p->n * ACCT_MAX_FAMILIES, sizeof *a->g);
    store_stmt *q = store_query(c->db, SQL_OBS_WORKERS, err, "ii", p->start[0], p->start[p->n]);
    if (!q) return err->code;
    int r;
    while ((r = store_row(q, err)) == 1) {
        vec_room(&a->wids, &a->capw, a->nworkers, sizeof *a->wids);
        a->wids[a->nworkers++] = store_col_i64(q, 0);
    }
    store_done(q);
    if (r < 0) return err->code;
    /* couriers online now: their open span counts up to now */
    if (c->now_ms > p->start[0]) {
        store_stmt *oq = store_query(c->db, SQL_OBS_ONLINE_COURIERS, err, "");
        if (!oq) return err->code;
        while ((r = store_row(oq, err)) == 1) {
            int64_t id = store_col_i64(oq, 0);
            bool seen = false;
            for (size_t i = 0; i < a->nworkers && !seen; i++) seen = a->wids[i] == id;
            if (seen) continue;
            vec_room(&a->wids, &a->capw, a->nworkers, sizeof *a->wids);
            a->wids[a->nworkers++] = id;
        }
        store_done(oq);
        if (r < 0) return err->code;
    }
    a->mask = mem_calloc((size_t)p->n * (a->nworkers ? a->nworkers : 1), sizeof *a->mask);
    a->wtot = mem_calloc(a->nworkers ? a->nworkers : 1, sizeof *a->wtot);
    int64_t min = c->cfg->min_hourly_micros;
    for (size_t wi = 0; wi < a->nworkers; wi++) {
        acct_worker w;
        int rc = acct_worker_load(c->db, a->wids[wi], p, false, c->now_ms, &w, err);
        if (rc) return rc;
        int map[ACCT_MAX_FAMILIES];
        for (int f = 0; f < w.nfamilies; f++) map[f] = gfam(a, w.families[f]);
        /* sums per (period, global family) for this worker */
        acct_sum *s = mem_calloc((size_t)p->n * ACCT_MAX_FAMILIES, sizeof *s);
        for (size_t k = 0; k < w.ncells; k++) {
            const acct_cell *cl = &w.cells[k];
            acct_sum_add(&s[cl->period * ACCT_MAX_FAMILIES + map[cl->family]], cl);
            acct_sum_add(&s[cl->period * ACCT_MAX_FAMILIES + ALLFAM], cl);
            acct_sum_add(&a->wtot[wi], cl);
        }
        acct_worker_free(&w);
        for (int pi = 0; pi < p->n; pi++)
            for (int f = 0; f < a->nfam; f++) {
                const acct_sum *x = &s[pi * ACCT_MAX_FAMILIES + f];
                if (x->active_ms + x->waiting_ms + x->unpaid_ms <= 0) continue;
                group *g = &a->g[pi * ACCT_MAX_FAMILIES + f];
                g->workers++;
                acct_sum_merge(&g->sum, x);
                if (f != ALLFAM) a->mask[(size_t)pi * a->nworkers + wi] |= 1u << f;
                int64_t gb = acct_hourly_all(x, false), ga = acct_hourly_all(x, true);
                vec_push(&g->all_before, gb);
                vec_push(&g->all_after, ga);
                g->below_all_before += gb < min;
                g->below_all_after += ga < min;
                if (x->active_ms + x->waiting_ms <= 0) continue;
                int64_t hb = acct_hourly(x, false), ha = acct_hourly(x, true);
                vec_push(&g->before, hb);
                vec_push(&g->after, ha);
                g->below_before += hb < min;
                g->below_after += ha < min;
            }
        free(s);
    }
    return 0;
}

/* Primary suppression (fewer than k workers), then secondary: while the
 * suppressed families of a period together cover fewer than k distinct
 * workers, suppress the smallest published one too. */
static void suppress(agg *a, const acct_periods *p, int64_t k)
{
    for (int pi = 0; pi < p->n; pi++) {
        group *row = &a->g[pi * ACCT_MAX_FAMILIES];
        uint32_t sup = 0;
        for (int f = 0; f < a->nfam; f++)
            if (row[f].workers > 0 && row[f].workers < k) {
                row[f].suppressed = true;
                if (f != ALLFAM) sup |= 1u << f;
            }
        for (;;) {
            int64_t covered = 0;
            for (size_t wi = 0; wi < a->nworkers; wi++) covered += (a->mask[(size_t)pi * a->nworkers + wi] & sup) != 0;
            if (covered == 0 || covered >= k) break;
            int best = -1;
            for (int f = 1; f < a->nfam; f++)
                if (row[f].workers > 0 && !row[f].suppressed && (best < 0 || row[f].workers < row[best].workers))
                    best = f;
            if (best < 0) {
                row[ALLFAM].suppressed = true; /* nothing left to hide the difference behind */
                break;
            }
            row[best].suppressed = true;
            sup |= 1u << best;
        }
        /* Distributions (medians, deciles, shares below the minimum) list or
           locate individual values, so they are not protected by the
           secondary rule above (which protects sums and counts): they are
           published only over at least k workers, and the "all" row's only
           when no family of the period is suppressed — otherwise the values
           of the published families, taken out of the "all" row's, would
           leave the suppressed workers' own values. */
        for (int f = 0; f < a->nfam; f++) {
            group *g = &row[f];
            if (g->suppressed) continue;
            if ((int64_t)g->after.n < k || (int64_t)g->all_after.n < k || (f == ALLFAM && sup)) g->quantiles_withheld = true;
        }
    }
}

static double share(int64_t a, int64_t b) { return b > 0 ? (double)a / (double)b : 0.0; }

static json_t *group_json(const group *g, const char *family, int64_t k)
{
    json_t *o = JSON_PACK("{s:s, s:b}", "family", family, "suppressed", g->suppressed);
    if (g->suppressed) {
        json_object_set_new(o, "active_workers", json_null());
        json_object_set_new(o, "why", json_sprintf("fewer than k = %lld workers in this cell, or needed to keep "
                                                   "another small cell from being computed by difference",
                                                   (long long)k));
        return o;
    }
    const acct_sum *s = &g->sum;
    int64_t total = s->active_ms + s->waiting_ms + s->unpaid_ms;
    json_object_set_new(o, "active_workers", json_integer(g->workers));
    json_object_set_new(o, "workers_with_paid_time", json_integer((json_int_t)g->after.n));
    json_object_set_new(o, "hours_worked", json_real((double)total / 3600000.0));
    json_object_set_new(o, "active_ms", json_integer(s->active_ms));
    json_object_set_new(o, "waiting_ms", json_integer(s->waiting_ms));
    json_object_set_new(o, "unpaid_ms", json_integer(s->unpaid_ms));
    json_object_set_new(o, "waiting_share", json_real(share(s->waiting_ms, total)));
    json_object_set_new(o, "unpaid_share", json_real(share(s->unpaid_ms, total)));
    json_object_set_new(o, "paid_micros", json_integer(s->paid_micros));
    json_object_set_new(o, "quantiles_withheld", json_boolean(g->quantiles_withheld));
    if (g->quantiles_withheld) {
        json_object_set_new(o, "quantiles_why",
                            json_sprintf("medians, deciles and shares below the minimum are published over at least "
                                         "k = %lld workers, and for all families together only when no family cell "
                                         "of the period is suppressed (the difference would show a suppressed "
                                         "worker's own figure)",
                                         (long long)k));
        return o;
    }
    /* over paid time (active + waiting): workers with paid time */
    const vec *vs[4] = {&g->after, &g->before, &g->all_after, &g->all_before};
    int64_t med[4], dec[4][9];
    size_t mx = g->after.n > g->all_after.n ? g->after.n : g->all_after.n;
    int64_t *tmp = mem_alloc((mx ? mx : 1) * sizeof *tmp);
    if (!tmp) {
        json_decref(o);
        return NULL;
    }
    for (int i = 0; i < 4; i++) {
        if (vs[i]->n) memcpy(tmp, vs[i]->v, vs[i]->n * sizeof *tmp);
        obs_deciles(tmp, vs[i]->n, dec[i]);
        med[i] = obs_median(tmp, vs[i]->n);
    }
    free(tmp);
    json_t *d_after = json_array(), *d_all_after = json_array();
    for (int i = 0; i < 9 && g->after.n; i++) json_array_append_new(d_after, json_integer(dec[0][i]));
    for (int i = 0; i < 9 && g->all_after.n; i++) json_array_append_new(d_all_after, json_integer(dec[2][i]));
    json_object_set_new(o, "median_hourly_after_costs_micros", json_integer(med[0]));
    json_object_set_new(o, "deciles_hourly_after_costs_micros", d_after);
    json_object_set_new(o, "median_hourly_before_costs_micros", json_integer(med[1]));
    json_object_set_new(o, "share_below_minimum_after_costs",
                        json_real(share(g->below_after, (int64_t)g->after.n)));
    json_object_set_new(o, "share_below_minimum_before_costs",
                        json_real(share(g->below_before, (int64_t)g->before.n)));
    /* over all time spent (unpaid included): every worker of the cell */
    json_object_set_new(o, "median_hourly_all_time_after_costs_micros", json_integer(med[2]));
    json_object_set_new(o, "deciles_hourly_all_time_after_costs_micros", d_all_after);
    json_object_set_new(o, "median_hourly_all_time_before_costs_micros", json_integer(med[3]));
    json_object_set_new(o, "share_below_minimum_all_time_after_costs",
                        json_real(share(g->below_all_after, (int64_t)g->all_after.n)));
    json_object_set_new(o, "share_below_minimum_all_time_before_costs",
                        json_real(share(g->below_all_before, (int64_t)g->all_before.n)));
    return o;
}

/* Output made or checked by humans, for the families that deliver
 * "automated" output to clients. */
static const struct {
    const char *family;
    int         count_automated; /* journal: automated verdicts are output items too */
    const char *event;           /* journal: the event delivering an item ('' = any human active span) */
    const char *records;         /* the family's decision records (from, to), or NULL */
    const char *what;
} outputs[] = {
    {"microwork", 0, "submitted", NULL,
     "answers delivered (distinct assignments with a submitted answer, journalled 'submitted' in the period; an "
     "expired lease paid after a review is paid time, not an answer). Every answer in Visible is given by a human "
     "worker account; no model answers tasks. Aggregation (truth inference) only combines human answers."},
    {"moderation", 1, "", SQL_OBS_OUTPUT_MODERATION,
     "content items decided in the period (moderation's decision records: distinct content); made or checked by "
     "humans = decided by a moderator (with or without the classifier's hint) or an automatic decision audited by "
     "one. Without decision records, the journal: distinct subjects of classifier verdicts and human review spans."},
};

/* Items and human-made items of one family in [from, to): its decision
 * records if it keeps any, else the journal. 0 or -1 (err filled). */
static int output_counts(obs_ctx *c, size_t i, int64_t from, int64_t to, int64_t *items, int64_t *human,
                         vis_err *err)
{
    *items = *human = 0;
    store_stmt *q;
    if (outputs[i].records) {
        if (store_one(c->db, outputs[i].records, &q, err, "ii", from, to)) return -1;
        if (q) {
            *items = store_col_i64(q, 0);
            *human = store_col_i64(q, 1);
            store_done(q);
        }
        if (*items) return 0;
    }
    if (store_one(c->db, SQL_OBS_OUTPUT, &q, err, "tiiit", outputs[i].family, from, to,
                  (int64_t)outputs[i].count_automated, outputs[i].event))
        return -1;
    if (q) {
        *items = store_col_i64(q, 0);
        *human = store_col_i64(q, 1);
        store_done(q);
    }
    return 0;
}

static json_t *output_json(obs_ctx *c, int64_t from, int64_t to, const agg *a, int pi, vis_err *err)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        int64_t items, human;
        if (output_counts(c, i, from, to, &items, &human, err)) {
            json_decref(arr);
            return NULL;
        }
        int64_t workers = 0;
        bool sup = false;
        for (int f = 1; f < a->nfam; f++)
            if (!strcmp(a->fam[f], outputs[i].family)) {
                workers = a->g[pi * ACCT_MAX_FAMILIES + f].workers;
                sup = a->g[pi * ACCT_MAX_FAMILIES + f].suppressed;
            }
        json_t *o = JSON_PACK("{s:s, s:s}", "family", outputs[i].family, "counts", outputs[i].what);
        if (sup && workers > 0) {
            json_object_set_new(o, "suppressed", json_true());
        } else {
            json_object_set_new(o, "suppressed", json_false());
            json_object_set_new(o, "items", json_integer(items));
            json_object_set_new(o, "made_or_checked_by_humans", json_integer(human));
            json_object_set_new(o, "human_share", items ? json_real(share(human, items)) : json_null());
            if (!items)
                json_object_set_new(o, "note", json_string("no output of this family in the period (or the "
                                                           "family is not running on this platform yet)"));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

int obs_observatory(obs_ctx *c, int64_t from, int64_t to, acct_grain g, const char *family, json_t **out,
                    vis_err *err)
{
    acct_periods *p = mem_alloc(sizeof *p);
    int rc = acct_periods_make(p, g, from, to, err);
    agg a;
    memset(&a, 0, sizeof a);
    if (!rc) rc = agg_build(c, p, &a, err);
    json_t *periods = NULL;
    int64_t k = c->cfg->visib_k;
    if (!rc) {
        suppress(&a, p, k);
        periods = json_array();
        for (int pi = 0; pi < p->n && !rc; pi++) {
            char label[24];
            acct_period_label(p, pi, label);
            json_t *fams = json_array();
            for (int f = 0; f < a.nfam; f++) {
                if (family && f != ALLFAM && strcmp(family, a.fam[f])) continue;
                if (f != ALLFAM && a.g[pi * ACCT_MAX_FAMILIES + f].workers == 0) continue;
                json_array_append_new(fams, group_json(&a.g[pi * ACCT_MAX_FAMILIES + f], a.fam[f], k));
            }
            json_t *ho = output_json(c, p->start[pi], p->start[pi + 1], &a, pi, err);
            if (!ho) rc = err->code;
            json_array_append_new(periods, JSON_PACK("{s:s, s:I, s:I, s:o, s:o}", "period", label, "start_ms",
                                                     (json_int_t)p->start[pi], "end_ms", (json_int_t)p->start[pi + 1],
                                                     "families", fams, "human_output", ho ? ho : json_array()));
        }
    }
    if (!rc) {
        static const char *gn[] = {"all", "day", "week", "month"};
        *out = JSON_PACK(
            "{s:I, s:I, s:s, s:I, s:s, s:I, s:s, s:o}", "from_ms", (json_int_t)p->start[0], "to_ms",
            (json_int_t)p->start[p->n], "group_by", gn[g], "k", (json_int_t)k, "currency", c->cfg->currency,
            "minimum_hourly_micros", (json_int_t)c->cfg->min_hourly_micros, "method",
            "computed on request from the hash-chained journal. active worker = working time (active, waiting or "
            "unpaid) in the cell. Hourly pay over paid time = paid / (active + waiting) hours (the figure the "
            "platform minimum applies to), over workers with active or waiting time; hourly pay over all time "
            "spent = paid / (active + waiting + unpaid) hours (*_all_time_*), over every worker of the cell; both "
            "after the costs workers declare, and before; median (even count: mean of the middle two) and "
            "nearest-rank deciles. Cells of fewer than k workers are suppressed, and more cells until the "
            "suppressed ones cover k workers; medians, deciles and shares are published only over k workers or "
            "more, and for all families together only when no family cell of the period is suppressed "
            "(quantiles_withheld). No personal data.",
            "periods", periods);
    } else {
        json_decref(periods);
    }
    agg_free(&a, p->n);
    free(p);
    return rc;
}

/* ---- the declaration (Article 17) ---- */

static const struct {
    const char *label;
    double      lo, hi;
} levels[] = {{"under 10 hours a week", 0, 10}, {"10 to 20 hours a week", 10, 20}, {"20 to 35 hours a week", 20, 35},
              {"35 hours a week or more", 35, 1e18}};

#define NLEVELS ((int)(sizeof levels / sizeof levels[0]))

static const char DECL_DEFINITIONS[] =
    "a person performs platform work in the period when the journal records working time of theirs "
    "(active, waiting or unpaid) in it; hours include waiting and unpaid time; duration of activity "
    "= from their first to their last recorded working time, whole history; income = payments "
    "received in the period.";

/* The declaration's figures, computed once for both forms. */
typedef struct decl {
    int64_t persons, registered, sum_paid, sum_ms, sum_paid_ms, with_days;
    int64_t nlev[NLEVELS];
    double  sum_days, weeks;
} decl;

static int decl_compute(obs_ctx *c, int64_t from, int64_t to, agg *a, decl *d, vis_err *err)
{
    memset(d, 0, sizeof *d);
    d->weeks = (double)(to - from) / (double)WEEK_MS;
    if (store_get_i64(c->db, SQL_OBS_WORKERS_REGISTERED, &d->registered, err, "") < 0) return err->code;
    for (size_t wi = 0; wi < a->nworkers; wi++) {
        const acct_sum *s = &a->wtot[wi];
        int64_t ms = s->active_ms + s->waiting_ms + s->unpaid_ms;
        if (ms <= 0) continue;
        d->persons++;
        d->sum_paid += s->paid_micros;
        d->sum_ms += ms;
        d->sum_paid_ms += s->active_ms + s->waiting_ms;
        double wh = (double)ms / 3600000.0 / d->weeks;
        for (int l = 0; l < NLEVELS; l++)
            if (wh >= levels[l].lo && wh < levels[l].hi) d->nlev[l]++;
        store_stmt *q;
        if (store_one(c->db, SQL_OBS_WORKER_ACTIVITY, &q, err, "i", a->wids[wi])) return err->code;
        if (q && store_col_i64(q, 0) >= 0) {
            d->sum_days += (double)(store_col_i64(q, 1) - store_col_i64(q, 0)) / 86400000.0;
            d->with_days++;
        }
        store_done(q);
    }
    return 0;
}

/* Pay per hour, platform-wide: total paid over total hours of paid time
 * (active + waiting: the minimum applies to it) and of all time spent
 * (unpaid included), before costs. */
static int64_t per_hour(int64_t paid, int64_t ms) { return ms > 0 ? (int64_t)((__int128)paid * 3600000 / ms) : 0; }

static void hourly_fields(json_t *o, int64_t paid, int64_t paid_ms, int64_t all_ms, bool withheld)
{
    json_object_set_new(o, "hourly_paid_time_micros", withheld ? json_null() : json_integer(per_hour(paid, paid_ms)));
    json_object_set_new(o, "hourly_all_time_micros", withheld ? json_null() : json_integer(per_hour(paid, all_ms)));
}

static const char DECL_HOURLY[] =
    "hourly_paid_time_micros = income / hours of paid time (active + waiting), the figure the platform minimum "
    "(minimum_hourly_micros) applies to; hourly_all_time_micros = income / all hours spent, unpaid time (rejected "
    "or abandoned work, expired leases) included; both over everyone concerned together, before the costs workers "
    "declare.";

static double fam_weekly_hours(const group *g, double weeks)
{
    int64_t ms = g->sum.active_ms + g->sum.waiting_ms + g->sum.unpaid_ms;
    return g->workers ? (double)ms / 3600000.0 / weeks / (double)g->workers : 0.0;
}

/* The exact figures, for the authorities (admin). */
static json_t *decl_exact(obs_ctx *c, int64_t from, int64_t to, const agg *a, const decl *d)
{
    json_t *lv = json_array(), *byf = json_array();
    for (int l = 0; l < NLEVELS; l++)
        json_array_append_new(lv, JSON_PACK("{s:s, s:I}", "level", levels[l].label, "persons", (json_int_t)d->nlev[l]));
    for (int f = 1; f < a->nfam; f++) {
        const group *g = &a->g[f];
        json_t *fo = JSON_PACK("{s:s, s:I, s:f, s:I}", "family", a->fam[f], "persons", (json_int_t)g->workers,
                               "average_weekly_hours_per_person", fam_weekly_hours(g, d->weeks),
                               "average_income_per_person_micros",
                               (json_int_t)(g->workers ? g->sum.paid_micros / g->workers : 0));
        hourly_fields(fo, g->sum.paid_micros, g->sum.active_ms + g->sum.waiting_ms,
                      g->sum.active_ms + g->sum.waiting_ms + g->sum.unpaid_ms, false);
        json_array_append_new(byf, fo);
    }
    json_t *o = JSON_PACK("{s:s, s:I, s:I, s:s, s:I, s:I, s:o, s:[{s:s, s:I}], s:f, s:f, s:I, s:f, s:o, s:s}",
                     "legal_basis", "Directive (EU) 2024/2831 on improving working conditions in platform work, Article 17",
                     "from_ms", (json_int_t)from, "to_ms", (json_int_t)to, "currency", c->cfg->currency,
                     "persons_performing_platform_work", (json_int_t)d->persons, "registered_worker_accounts",
                     (json_int_t)d->registered, "by_level_of_activity", lv, "by_contractual_status", "status",
                     c->cfg->visib_contract, "persons", (json_int_t)d->persons, "average_duration_of_activity_days",
                     d->with_days ? d->sum_days / (double)d->with_days : 0.0, "average_weekly_hours_per_person",
                     d->persons ? (double)d->sum_ms / 3600000.0 / d->weeks / (double)d->persons : 0.0,
                     "average_income_per_person_micros", (json_int_t)(d->persons ? d->sum_paid / d->persons : 0),
                     "weeks_in_period", d->weeks, "by_family", byf, "definitions", DECL_DEFINITIONS);
    if (o) {
        hourly_fields(o, d->sum_paid, d->sum_paid_ms, d->sum_ms, false);
        json_object_set_new(o, "minimum_hourly_micros", json_integer(c->cfg->min_hourly_micros));
        json_object_set_new(o, "minimum_applies_to", json_string("paid_time"));
        json_object_set_new(o, "hourly_definitions", json_string(DECL_HOURLY));
    }
    return o;
}

/* A count for the public: null when it names fewer than k persons (0 is
 * published: it singles nobody out). */
static json_t *count_k(int64_t n, bool suppressed) { return suppressed ? json_null() : json_integer(n); }

/* The same figures for everyone: counts of fewer than k persons and the
 * averages over them are withheld (null, "suppressed": true). The levels
 * of activity partition the persons, so, as in the observatory, further
 * levels are withheld until the withheld ones cover at least k persons;
 * the families follow the observatory's rule (suppress() on the single
 * period). No account, name, id or per-person figure is ever included. */
static json_t *decl_public(obs_ctx *c, int64_t from, int64_t to, agg *a, const acct_periods *p, const decl *d)
{
    int64_t k = c->cfg->visib_k;
    bool total_sup = d->persons > 0 && d->persons < k;
    bool lsup[NLEVELS];
    int64_t covered = 0;
    for (int l = 0; l < NLEVELS; l++) {
        lsup[l] = d->nlev[l] > 0 && d->nlev[l] < k;
        if (lsup[l]) covered += d->nlev[l];
    }
    while (covered > 0 && covered < k) {
        int best = -1;
        for (int l = 0; l < NLEVELS; l++)
            if (!lsup[l] && d->nlev[l] > 0 && (best < 0 || d->nlev[l] < d->nlev[best])) best = l;
        if (best < 0) break; /* every level withheld: they sum to the total, itself withheld (< k) */
        lsup[best] = true;
        covered += d->nlev[best];
    }
    suppress(a, p, k);
    bool any = total_sup || (d->registered > 0 && d->registered < k);
    json_t *lv = json_array(), *byf = json_array();
    for (int l = 0; l < NLEVELS; l++) {
        any = any || lsup[l];
        json_array_append_new(lv, JSON_PACK("{s:s, s:o, s:b}", "level", levels[l].label, "persons",
                                            count_k(d->nlev[l], lsup[l]), "suppressed", lsup[l]));
    }
    for (int f = 1; f < a->nfam; f++) {
        const group *g = &a->g[f];
        if (g->workers <= 0) continue;
        bool s = g->suppressed;
        any = any || s;
        json_t *fo = JSON_PACK("{s:s, s:b, s:o, s:o, s:o}", "family", a->fam[f], "suppressed", s, "persons",
                               count_k(g->workers, s), "average_weekly_hours_per_person",
                               s ? json_null() : json_real(fam_weekly_hours(g, d->weeks)),
                               "average_income_per_person_micros",
                               s ? json_null() : json_integer(g->sum.paid_micros / g->workers));
        hourly_fields(fo, g->sum.paid_micros, g->sum.active_ms + g->sum.waiting_ms,
                      g->sum.active_ms + g->sum.waiting_ms + g->sum.unpaid_ms, s);
        json_array_append_new(byf, fo);
    }
    bool avg = d->persons > 0 && !total_sup;
    json_t *o = JSON_PACK(
        "{s:s, s:I, s:I, s:s, s:I, s:b, s:o, s:b, s:o, s:o, s:[{s:s, s:o, s:b}], s:o, s:o, s:o, s:f, s:o, s:s, s:s}",
        "legal_basis", "Directive (EU) 2024/2831 on improving working conditions in platform work, Article 17",
        "from_ms", (json_int_t)from, "to_ms", (json_int_t)to, "currency", c->cfg->currency, "k", (json_int_t)k,
        "suppressed", any, "persons_performing_platform_work", count_k(d->persons, total_sup),
        "persons_suppressed", total_sup, "registered_worker_accounts",
        count_k(d->registered, d->registered > 0 && d->registered < k), "by_level_of_activity", lv,
        "by_contractual_status", "status", c->cfg->visib_contract, "persons", count_k(d->persons, total_sup),
        "suppressed", total_sup, "average_duration_of_activity_days",
        avg && d->with_days ? json_real(d->sum_days / (double)d->with_days) : json_null(),
        "average_weekly_hours_per_person",
        avg ? json_real((double)d->sum_ms / 3600000.0 / d->weeks / (double)d->persons) : json_null(),
        "average_income_per_person_micros", avg ? json_integer(d->sum_paid / d->persons) : json_null(),
        "weeks_in_period", d->weeks, "by_family", byf, "definitions", DECL_DEFINITIONS, "method",
        "aggregate figures only, computed on request from the journal. A count of fewer than k persons is "
        "withheld (null, suppressed: true), with the averages over them; levels of activity and families are "
        "withheld further until the withheld ones cover at least k persons, so that no small group can be "
        "computed by difference. 0 is published. No personal data.");
    if (o) {
        hourly_fields(o, d->sum_paid, d->sum_paid_ms, d->sum_ms, !avg);
        json_object_set_new(o, "minimum_hourly_micros", json_integer(c->cfg->min_hourly_micros));
        json_object_set_new(o, "minimum_applies_to", json_string("paid_time"));
        json_object_set_new(o, "hourly_definitions", json_string(DECL_HOURLY));
    }
    return o;
}

static int declaration(obs_ctx *c, int64_t from, int64_t to, bool public, json_t **out, vis_err *err)
{
    acct_periods *p = mem_alloc(sizeof *p);
    int rc = acct_periods_make(p, ACCT_ALL, from, to, err);
    agg a;
    memset(&a, 0, sizeof a);
    if (!rc) rc = agg_build(c, p, &a, err);
    decl d;
    if (!rc) rc = decl_compute(c, from, to, &a, &d, err);
    json_t *o = NULL;
    if (!rc) {
        o = public ? decl_public(c, from, to, &a, p, &d) : decl_exact(c, from, to, &a, &d);
    }
    agg_free(&a, p->n);
    free(p);
    if (!rc) *out = o;
    return rc;
}

int obs_declaration(obs_ctx *c, int64_t from, int64_t to, json_t **out, vis_err *err)
{
    return declaration(c, from, to, false, out, err);
}

int obs_declaration_public(obs_ctx *c, int64_t from, int64_t to, json_t **out, vis_err *err)
{
    return declaration(c, from, to, true, out, err);
}
