#include "visibility/obs_acct.h"

#include "base/mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sql_visibility.h"

#define DAY_MS 86400000LL


/* ---- periods ---- */

int acct_grain_parse(const char *s, acct_grain *g, vis_err *err)
{
    if (!s || !strcmp(s, "all")) *g = ACCT_ALL;
    else if (!strcmp(s, "day")) *g = ACCT_DAY;
    else if (!strcmp(s, "week")) *g = ACCT_WEEK;
    else if (!strcmp(s, "month")) *g = ACCT_MONTH;
    else
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "group_by", "group_by must be all, day, week or month");
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static int64_t period_floor(acct_grain g, int64_t t)
{
    int64_t d = floor_div(t, DAY_MS);
    if (g == ACCT_DAY) return d * DAY_MS;
    if (g == ACCT_WEEK) {
        int64_t wd = ((d + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; Monday = 0 */
        return (d - wd) * DAY_MS;
    }
    time_t s = (time_t)floor_div(t, 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return (int64_t)timegm(&tm) * 1000;
}

static int64_t period_next(acct_grain g, int64_t start)
{
    if (g == ACCT_DAY) return start + DAY_MS;
    if (g == ACCT_WEEK) return start + 7 * DAY_MS;
    time_t s = (time_t)(start / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    tm.tm_mon += 1;
    if (tm.tm_mon == 12) {
        tm.tm_mon = 0;
        tm.tm_year++;
    }
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return (int64_t)timegm(&tm) * 1000;
}

int acct_periods_make(acct_periods *p, acct_grain g, int64_t from, int64_t to, vis_err *err)
{
    p->grain = g;
    p->n = 0;
    if (to <= from) return vis_errf(err, VIS_EINVAL, "invalid_parameter", "to", "'to' must be after 'from'");
    if (g == ACCT_ALL) {
        p->n = 1;
        p->start[0] = from;
        p->start[1] = to;
        return 0;
    }
    int64_t t = period_floor(g, from);
    while (t < to) {
        if (p->n == ACCT_MAX_PERIODS)
            return vis_errf(err, VIS_EINVAL, "too_many_periods", "group_by",
                            "more than %d periods: choose a coarser group_by or a shorter range", ACCT_MAX_PERIODS);
        p->start[p->n++] = t;
        t = period_next(g, t);
    }
    p->start[p->n] = t;
    return 0;
}

void acct_period_label(const acct_periods *p, int i, char out[24])
{
    if (p->grain == ACCT_ALL) {
        snprintf(out, 24, "all");
        return;
    }
    time_t s = (time_t)(p->start[i] / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 24, p->grain == ACCT_DAY ? "%Y-%m-%d" : p->grain == ACCT_WEEK ? "%G-W%V" : "%Y-%m", &tm);
}

int acct_period_of(const acct_periods *p, int64_t t)
{
    if (p->n == 0 || t < p->start[0] || t >= p->start[p->n]) return -1;
    int lo = 0, hi = p->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (p->start[mid] <= t) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/* ---- sums ---- */

void acct_sum_add(acct_sum *s, const acct_cell *c)
{
    s->active_ms += c->active_ms;
    s->waiting_ms += c->waiting_ms;
    s->unpaid_ms += c->unpaid_ms;
    s->paid_micros += c->paid_micros;
    s->distance_m += c->distance_m;
    s->cost_num += c->cost_num;
}

void acct_sum_merge(acct_sum *s, const acct_sum *t)
{
    s->active_ms += t->active_ms;
    s->waiting_ms += t->waiting_ms;
    s->unpaid_ms += t->unpaid_ms;
    s->paid_micros += t->paid_micros;
    s->distance_m += t->distance_m;
    s->cost_num += t->cost_num;
}

int64_t acct_costs_micros(const acct_sum *s) { return (int64_t)(s->cost_num / ACCT_COST_SCALE); }

int64_t acct_hourly(const acct_sum *s, bool after_costs)
{
    int64_t ms = s->active_ms + s->waiting_ms;
    if (ms <= 0) return 0;
    int64_t net = s->paid_micros - (after_costs ? acct_costs_micros(s) : 0);
    return (int64_t)((__int128)net * 3600000 / ms);
}

int64_t acct_hourly_all(const acct_sum *s, bool after_costs)
{
    int64_t ms = s->active_ms + s->waiting_ms + s->unpaid_ms;
    if (ms <= 0) return 0;
    int64_t net = s->paid_micros - (after_costs ? acct_costs_micros(s) : 0);
    return (int64_t)((__int128)net * 3600000 / ms);
}

/* ---- costs ---- */

int acct_costs_load(store *db, int64_t worker, acct_cost **out, size_t *n, vis_err *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    store_stmt *q = store_query(db, SQL_OBS_COSTS_OF, err, "i", worker);
    if (!q) return err->code;
    int r;
    while ((r = store_row(q, err)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = mem_realloc(*out, cap * sizeof **out);
        }
        acct_cost *c = &(*out)[(*n)++];
        snprintf(c->family, sizeof c->family, "%s", store_col_text(q, 1));
        c->per_km_micros = store_col_i64(q, 2);
        c->per_hour_micros = store_col_i64(q, 3);
        c->from_ms = store_col_i64(q, 4);
    }
    store_done(q);
    return r < 0 ? err->code : 0;
}

/* The declaration in force at t for family (a family-specific one first);
 * declarations are sorted by from_ms, id. */
static const acct_cost *cost_at(const acct_worker *w, const char *family, int64_t t)
{
    const acct_cost *fam = NULL, *all = NULL;
    for (size_t i = 0; i < w->ncosts; i++) {
        const acct_cost *c = &w->costs[i];
        if (c->from_ms > t) break;
        if (!strcmp(c->family, family)) fam = c;
        else if (!c->family[0]) all = c;
    }
    return fam ? fam : all;
}

/* ---- cells ---- */

typedef struct cellmap {
    size_t *slot; /* cell index + 1, 0 = empty */
    size_t  cap;
} cellmap;

static uint64_t cell_hash(int period, int family, int64_t client)
{
    uint64_t h = (uint64_t)period * 0x9E3779B97F4A7C15ULL ^ (uint64_t)family * 0xC2B2AE3D27D4EB4FULL ^
                 (uint64_t)client * 0x165667B19E3779F9ULL;
    return h ^ (h >> 29);
}

static acct_cell *cell_get(acct_worker *w, cellmap *m, int period, int family, int64_t client)
{
    if ((w->ncells + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        size_t *ns = mem_calloc(nc, sizeof *ns);
        for (size_t i = 0; i < w->ncells; i++) {
            acct_cell *c = &w->cells[i];
            size_t k = cell_hash(c->period, c->family, c->client) & (nc - 1);
            while (ns[k]) k = (k + 1) & (nc - 1);
            ns[k] = i + 1;
        }
        free(m->slot);
        m->slot = ns;
        m->cap = nc;
    }
    size_t k = cell_hash(period, family, client) & (m->cap - 1);
    while (m->slot[k]) {
        acct_cell *c = &w->cells[m->slot[k] - 1];
        if (c->period == period && c->family == family && c->client == client) return c;
        k = (k + 1) & (m->cap - 1);
    }
    if (w->ncells == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 32;
        w->cells = mem_realloc(w->cells, nc * sizeof *w->cells);
        w->cap = nc;
    }
    acct_cell *c = &w->cells[w->ncells];
    memset(c, 0, sizeof *c);
    c->period = period;
    c->family = family;
    c->client = client;
    m->slot[k] = ++w->ncells;
    return c;
}

static int family_index(acct_worker *w, const char *f)
{
    for (int i = 0; i < w->nfamilies; i++)
        if (!strcmp(w->families[i], f)) return i;
    if (w->nfamilies == ACCT_MAX_FAMILIES) return ACCT_MAX_FAMILIES - 1; /* the last one collects the rest */
    snprintf(w->families[w->nfamilies], ACCT_FAMILY_LEN, "%s", f);
    return w->nfamilies++;
}

/* ---- client resolution ---- */

typedef struct resolver {
    const char *prefix;
    const char *sql;
} resolver;

static const resolver resolvers[] = {
    {"assignment:", SQL_OBS_CLIENT_OF_ASSIGNMENT},
    {"batch:", SQL_OBS_CLIENT_OF_BATCH},
    {"task:", SQL_OBS_CLIENT_OF_TASK},
    {"job:", SQL_OBS_CLIENT_OF_JOB},
    {"item:", SQL_OBS_CLIENT_OF_ITEM},
    {"content:", SQL_OBS_CLIENT_OF_CONTENT},
};
#define NRESOLVERS (sizeof resolvers / sizeof resolvers[0])

typedef struct subj_cache {
    char   **key;
    int64_t *val;
    size_t   n, cap;
    bool     broken[NRESOLVERS]; /* the family's table is not there (not landed yet) */
} subj_cache;

static int64_t lookup_one(store *db, const char *sql, int64_t id, bool *broken)
{
    vis_err e;
    vis_err_clear(&e);
    int64_t v = -1;
    int r = store_get_i64(db, sql, &v, &e, "i", id);
    if (r < 0) *broken = true; /* a missing table: unknown, and do not ask again */
    return r == 1 ? v : -1;
}

static int64_t resolve_subject(store *db, subj_cache *sc, const char *subject)
{
    for (size_t i = 0; i < sc->n; i++)
        if (!strcmp(sc->key[i], subject)) return sc->val[i];
    int64_t v = -1;
    for (size_t k = 0; k < NRESOLVERS; k++) {
        size_t pl = strlen(resolvers[k].prefix);
        if (strncmp(subject, resolvers[k].prefix, pl) || sc->broken[k]) continue;
        char *end;
        long long id = strtoll(subject + pl, &end, 10);
        if (*end || id <= 0) break;
        v = lookup_one(db, resolvers[k].sql, id, &sc->broken[k]);
        break;
    }
    if (sc->n < 4096) { /* a small bounded cache: workers repeat few subjects */
        if (sc->n == sc->cap) {
            size_t nc = sc->cap ? sc->cap * 2 : 32;
            sc->key = mem_realloc(sc->key, nc * sizeof *sc->key);
            sc->val = mem_realloc(sc->val, nc * sizeof *sc->val);
            sc->cap = nc;
        }
        sc->key[sc->n] = mem_strdup(subject);
        sc->val[sc->n++] = v;
    }
    return v;
}

static void cache_free(subj_cache *sc)
{
    for (size_t i = 0; i < sc->n; i++) free(sc->key[i]);
    free(sc->key);
    free(sc->val);
}

/* ---- loading ---- */

typedef struct item {
    int64_t a, b;      /* span (clipped), or the instant in a */
    int     kind;      /* 0 active, 1 waiting, 2 unpaid; 3 payment; 4 distance */
    int     family;
    int64_t client;
    int64_t value;     /* amount or metres */
    int64_t review;    /* a remedy: its review id (else 0) */
    int64_t paid_ms;   /* a remedy: when it was paid */
} item;

typedef struct loader {
    acct_worker        *w;
    cellmap            map;
    const acct_periods *p;
    item              *spans;
} loader;

static void add_time(loader *L, const item *it, int64_t a, int64_t b)
{
    int pi = acct_period_of(L->p, a);
    if (pi < 0) return;
    acct_cell *c = cell_get(L->w, &L->map, pi, it->family, it->client);
    int64_t ms = b - a;
    if (it->kind == 0) c->active_ms += ms;
    else if (it->kind == 1) c->waiting_ms += ms;
    else c->unpaid_ms += ms;
    const acct_cost *k = cost_at(L->w, L->w->families[it->family], a);
    if (k) c->cost_num += (__int128)k->per_hour_micros * ms;
}

static void on_piece(void *ctx, int64_t a, int64_t b, size_t idx)
{
    loader *L = ctx;
    const item *it = &L->spans[idx];
    while (a < b) { /* split at period boundaries */
        int pi = acct_period_of(L->p, a);
        if (pi < 0) return;
        int64_t end = L->p->start[pi + 1] < b ? L->p->start[pi + 1] : b;
        add_time(L, it, a, end);
        a = end;
    }
}

static int64_t payload_int(json_t *pl, const char *key)
{
    json_t *v = json_object_get(pl, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* Items being read, with what is needed to name their client. */
typedef struct pending {
    char   *subject; /* owned; NULL when the client is known or not asked for */
    int64_t tx;      /* a payment's ledger transaction, else -1 */
} pending;

typedef struct items {
    item    *v;
    pending *p;
    size_t   n, cap;
} items;

static void items_push(items *l, const item *it, char *subject, int64_t tx)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = mem_realloc(l->v, l->cap * sizeof *l->v);
        l->p = mem_realloc(l->p, l->cap * sizeof *l->p);
    }
    l->v[l->n] = *it;
    l->p[l->n++] = (pending){subject, tx};
}

static void items_free(items *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->p[i].subject);
    free(l->v);
    free(l->p);
}

/* One journal row at the cursor: its span (into S), its payment and its
 * distance (into P), clipped to [from, to). */
static void event_items(store_stmt *q, acct_worker *w, int64_t from, int64_t to, bool by_client, items *S, items *P)
{
    int64_t at = store_col_i64(q, 1);
    int fam = family_index(w, store_col_text(q, 2));
    const char *subject = store_col_text(q, 6);
    const char *kind = store_col_text(q, 8);
    const char *ptext = store_col_text(q, 13);
    bool has_amount = store_col_i64(q, 11) != 0;
    json_t *pl = NULL;
    if (strstr(ptext, "\"client\"") || strstr(ptext, "\"distance_m\"") || (has_amount && strstr(ptext, "\"ledger_tx\"")))
        pl = json_loads(ptext, 0, NULL);
    int64_t client = by_client ? payload_int(pl, "client") : -1;
    int64_t tx = has_amount ? payload_int(pl, "ledger_tx") : -1;
    int64_t dist = payload_int(pl, "distance_m");
    json_decref(pl);
#define SUBJ() (by_client && client < 0 ? mem_strdup(subject) : NULL)
    if (*kind) {
        item it = {.family = fam, .client = client, .kind = !strcmp(kind, "active") ? 0 : !strcmp(kind, "waiting") ? 1 : 2};
        it.a = store_col_i64(q, 9) < from ? from : store_col_i64(q, 9);
        it.b = store_col_i64(q, 10) > to ? to : store_col_i64(q, 10);
        items_push(S, &it, SUBJ(), -1);
    }
    if (has_amount) {
        item it = {.family = fam, .client = client, .kind = 3, .a = at, .value = store_col_i64(q, 12)};
        long long rid = 0;
        char tail = 0;
        if (sscanf(subject, "review:%lld%c", &rid, &tail) == 1 && rid > 0) {
            it.review = rid; /* a remedy: its work time is read later */
            it.paid_ms = at;
            items_push(P, &it, SUBJ(), tx);
        } else if (at >= from && at < to) {
            items_push(P, &it, SUBJ(), tx);
        }
    }
    if (dist >= 0 && at >= from && at < to) {
        item it = {.family = fam, .client = client, .kind = 4, .a = at, .value = dist};
        items_push(P, &it, SUBJ(), -1);
    }
#undef SUBJ
}

/* Name the client of every item that did not carry one: from the payment's
 * ledger transaction, else from its subject. */
static void name_clients(store *db, items *l, subj_cache *sc)
{
    for (size_t i = 0; i < l->n; i++) {
        item *it = &l->v[i];
        if (it->client >= 0) continue;
        if (l->p[i].tx > 0) {
            bool ignored = false;
            it->client = lookup_one(db, SQL_OBS_CLIENT_OF_TX, l->p[i].tx, &ignored);
        }
        if (it->client < 0 && l->p[i].subject) it->client = resolve_subject(db, sc, l->p[i].subject);
    }
}

/* Remedies are counted at the work they pay for (kind -1: outside the
 * periods). */
static void place_remedies(store *db, items *P, int64_t from, int64_t to)
{
    for (size_t i = 0; i < P->n; i++) {
        item *it = &P->v[i];
        if (it->kind != 3 || it->review <= 0) continue;
        bool ignored = false;
        int64_t v = lookup_one(db, SQL_OBS_REMEDY_WORK_AT, it->review, &ignored);
        if (v >= 0 && v <= it->paid_ms) it->a = v;
        if (it->a < from || it->a >= to) it->kind = -1;
    }
}

/* The span running now (a courier online), after the journal's spans. */
static int open_span(store *db, acct_worker *w, int64_t from, int64_t to, int64_t now_ms, bool by_client, items *S,
                     vis_err *err)
{
    item it = {.family = -1, .client = -1};
    int64_t since = -1, jclient = -1;
    store_stmt *oq;
    if (store_one(db, SQL_OBS_OPEN_ACTIVE, &oq, err, "i", w->worker_id)) return err->code;
    if (oq) {
        since = store_col_i64(oq, 0);
        jclient = store_col_i64(oq, 1);
        it.kind = 0;
        store_done(oq);
    } else {
        if (store_one(db, SQL_OBS_OPEN_WAITING, &oq, err, "i", w->worker_id)) return err->code;
        if (oq) {
            since = store_col_i64(oq, 0);
            it.kind = 1;
            store_done(oq);
        }
    }
    int64_t end = now_ms < to ? now_ms : to;
    if (since < 0 || since >= end) return 0;
    w->open_kind = it.kind;
    w->open_since_ms = since;
    it.family = family_index(w, "dispatch");
    it.client = it.kind == 0 && by_client ? jclient : -1;
    it.a = since < from ? from : since;
    it.b = end;
    items_push(S, &it, NULL, -1);
    return 0;
}

/* Cut the spans into cells (the latest span owns each stretch of time, split
 * at period boundaries) and add the points (payments, remedies, distances). */
static void cut(acct_worker *w, const acct_periods *p, const items *S, const items *P)
{
    loader L = {.w = w, .p = p, .spans = S->v};
    if (S->n) {
        acct_span *sv = mem_alloc(S->n * sizeof *sv);
        for (size_t i = 0; i < S->n; i++) sv[i] = (acct_span){S->v[i].a, S->v[i].b};
        timeacct_sweep(sv, S->n, on_piece, &L);
        free(sv);
    }
    for (size_t i = 0; i < P->n; i++) {
        const item *it = &P->v[i];
        if (it->kind < 0) continue;
        acct_cell *c = cell_get(w, &L.map, acct_period_of(p, it->a), it->family, it->client);
        if (it->kind == 3) {
            c->paid_micros += it->value;
            if (it->review > 0) {
                w->remedies = mem_realloc(w->remedies, (w->nremedies + 1) * sizeof *w->remedies);
                w->remedies[w->nremedies++] = (acct_remedy){it->review, it->paid_ms, it->a, it->value, it->family};
            }
        } else {
            c->distance_m += it->value;
            const acct_cost *k = cost_at(w, w->families[it->family], it->a);
            if (k) c->cost_num += (__int128)k->per_km_micros * it->value * 3600;
        }
    }
    free(L.map.slot);
}

int acct_worker_load(store *db, int64_t worker, const acct_periods *p, bool by_client, int64_t now_ms, acct_worker *w,
                    vis_err *err)
{
    memset(w, 0, sizeof *w);
    w->worker_id = worker;
    w->open_kind = -1;
    if (acct_costs_load(db, worker, &w->costs, &w->ncosts, err)) return err->code;
    int64_t from = p->start[0], to = p->start[p->n];
    items S = {0}, P = {0}; /* spans; points (payments, distances) */
    /* first read every row (naming clients needs other queries) */
    store_stmt *q = store_query(db, SQL_OBS_EVENTS, err, "iii", worker, from, to);
    int r = -1, rc = 0;
    while (q && (r = store_row(q, err)) == 1) event_items(q, w, from, to, by_client, &S, &P);
    store_done(q);
    if (r < 0) rc = err->code;
    if (!rc && by_client) {
        subj_cache sc = {0};
        name_clients(db, &S, &sc);
        name_clients(db, &P, &sc);
        cache_free(&sc);
    }
    if (!rc) place_remedies(db, &P, from, to);
    if (!rc && now_ms >= 0 && now_ms > from) rc = open_span(db, w, from, to, now_ms, by_client, &S, err);
    if (!rc) cut(w, p, &S, &P);
    items_free(&S);
    items_free(&P);
    if (rc) acct_worker_free(w);
    return rc;
}

void acct_worker_free(acct_worker *w)
{
    free(w->cells);
    free(w->costs);
    free(w->remedies);
    memset(w, 0, sizeof *w);
}
