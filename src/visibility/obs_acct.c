#include "visibility/obs_acct.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sql_visibility.h"

#define DAY_MS 86400000LL

static int nomem(vis_err *err) { return vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory"); }

/* ---- periods ---- */

int obs_grain_parse(const char *s, obs_grain *g, vis_err *err)
{
    if (!s || !strcmp(s, "all")) *g = OBS_ALL;
    else if (!strcmp(s, "day")) *g = OBS_DAY;
    else if (!strcmp(s, "week")) *g = OBS_WEEK;
    else if (!strcmp(s, "month")) *g = OBS_MONTH;
    else
        return vis_errf(err, VIS_EINVAL, "invalid_parameter", "group_by", "group_by must be all, day, week or month");
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static int64_t period_floor(obs_grain g, int64_t t)
{
    int64_t d = floor_div(t, DAY_MS);
    if (g == OBS_DAY) return d * DAY_MS;
    if (g == OBS_WEEK) {
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

static int64_t period_next(obs_grain g, int64_t start)
{
    if (g == OBS_DAY) return start + DAY_MS;
    if (g == OBS_WEEK) return start + 7 * DAY_MS;
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

int obs_periods_make(obs_periods *p, obs_grain g, int64_t from, int64_t to, vis_err *err)
{
    p->grain = g;
    p->n = 0;
    if (to <= from) return vis_errf(err, VIS_EINVAL, "invalid_parameter", "to", "'to' must be after 'from'");
    if (g == OBS_ALL) {
        p->n = 1;
        p->start[0] = from;
        p->start[1] = to;
        return 0;
    }
    int64_t t = period_floor(g, from);
    while (t < to) {
        if (p->n == OBS_MAX_PERIODS)
            return vis_errf(err, VIS_EINVAL, "too_many_periods", "group_by",
                            "more than %d periods: choose a coarser group_by or a shorter range", OBS_MAX_PERIODS);
        p->start[p->n++] = t;
        t = period_next(g, t);
    }
    p->start[p->n] = t;
    return 0;
}

void obs_period_label(const obs_periods *p, int i, char out[24])
{
    if (p->grain == OBS_ALL) {
        snprintf(out, 24, "all");
        return;
    }
    time_t s = (time_t)(p->start[i] / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 24, p->grain == OBS_DAY ? "%Y-%m-%d" : p->grain == OBS_WEEK ? "%G-W%V" : "%Y-%m", &tm);
}

int obs_period_of(const obs_periods *p, int64_t t)
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

void obs_sum_add(obs_sum *s, const obs_cell *c)
{
    s->active_ms += c->active_ms;
    s->waiting_ms += c->waiting_ms;
    s->unpaid_ms += c->unpaid_ms;
    s->paid_micros += c->paid_micros;
    s->distance_m += c->distance_m;
    s->cost_num += c->cost_num;
}

void obs_sum_merge(obs_sum *s, const obs_sum *t)
{
    s->active_ms += t->active_ms;
    s->waiting_ms += t->waiting_ms;
    s->unpaid_ms += t->unpaid_ms;
    s->paid_micros += t->paid_micros;
    s->distance_m += t->distance_m;
    s->cost_num += t->cost_num;
}

int64_t obs_costs_micros(const obs_sum *s) { return (int64_t)(s->cost_num / OBS_COST_SCALE); }

int64_t obs_hourly(const obs_sum *s, bool after_costs)
{
    int64_t ms = s->active_ms + s->waiting_ms;
    if (ms <= 0) return 0;
    int64_t net = s->paid_micros - (after_costs ? obs_costs_micros(s) : 0);
    return (int64_t)((__int128)net * 3600000 / ms);
}

int64_t obs_hourly_all(const obs_sum *s, bool after_costs)
{
    int64_t ms = s->active_ms + s->waiting_ms + s->unpaid_ms;
    if (ms <= 0) return 0;
    int64_t net = s->paid_micros - (after_costs ? obs_costs_micros(s) : 0);
    return (int64_t)((__int128)net * 3600000 / ms);
}

/* ---- costs ---- */

int obs_costs_load(store *db, int64_t worker, obs_cost **out, size_t *n, vis_err *err)
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
            obs_cost *nc = realloc(*out, cap * sizeof *nc);
            if (!nc) {
                store_done(q);
                free(*out);
                *out = NULL;
                return nomem(err);
            }
            *out = nc;
        }
        obs_cost *c = &(*out)[(*n)++];
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
static const obs_cost *cost_at(const obs_worker *w, const char *family, int64_t t)
{
    const obs_cost *fam = NULL, *all = NULL;
    for (size_t i = 0; i < w->ncosts; i++) {
        const obs_cost *c = &w->costs[i];
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

static obs_cell *cell_get(obs_worker *w, cellmap *m, int period, int family, int64_t client)
{
    if ((w->ncells + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        size_t *ns = calloc(nc, sizeof *ns);
        if (!ns) return NULL;
        for (size_t i = 0; i < w->ncells; i++) {
            obs_cell *c = &w->cells[i];
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
        obs_cell *c = &w->cells[m->slot[k] - 1];
        if (c->period == period && c->family == family && c->client == client) return c;
        k = (k + 1) & (m->cap - 1);
    }
    if (w->ncells == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 32;
        obs_cell *ncl = realloc(w->cells, nc * sizeof *ncl);
        if (!ncl) return NULL;
        w->cells = ncl;
        w->cap = nc;
    }
    obs_cell *c = &w->cells[w->ncells];
    memset(c, 0, sizeof *c);
    c->period = period;
    c->family = family;
    c->client = client;
    m->slot[k] = ++w->ncells;
    return c;
}

static int family_index(obs_worker *w, const char *f)
{
    for (int i = 0; i < w->nfamilies; i++)
        if (!strcmp(w->families[i], f)) return i;
    if (w->nfamilies == OBS_MAX_FAMILIES) return OBS_MAX_FAMILIES - 1; /* the last one collects the rest */
    snprintf(w->families[w->nfamilies], OBS_FAMILY_LEN, "%s", f);
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
            char **nk = realloc(sc->key, nc * sizeof *nk);
            if (nk) sc->key = nk;
            int64_t *nv = realloc(sc->val, nc * sizeof *nv);
            if (nv) sc->val = nv;
            if (!nk || !nv) return v;
            sc->cap = nc;
        }
        char *k = strdup(subject);
        if (k) {
            sc->key[sc->n] = k;
            sc->val[sc->n++] = v;
        }
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
    obs_worker        *w;
    cellmap            map;
    const obs_periods *p;
    item              *spans;
    int                oom;
} loader;

static void add_time(loader *L, const item *it, int64_t a, int64_t b)
{
    int pi = obs_period_of(L->p, a);
    if (pi < 0) return;
    obs_cell *c = cell_get(L->w, &L->map, pi, it->family, it->client);
    if (!c) {
        L->oom = 1;
        return;
    }
    int64_t ms = b - a;
    if (it->kind == 0) c->active_ms += ms;
    else if (it->kind == 1) c->waiting_ms += ms;
    else c->unpaid_ms += ms;
    const obs_cost *k = cost_at(L->w, L->w->families[it->family], a);
    if (k) c->cost_num += (__int128)k->per_hour_micros * ms;
}

static void on_piece(void *ctx, int64_t a, int64_t b, size_t idx)
{
    loader *L = ctx;
    const item *it = &L->spans[idx];
    while (a < b && !L->oom) { /* split at period boundaries */
        int pi = obs_period_of(L->p, a);
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

int obs_worker_load(store *db, int64_t worker, const obs_periods *p, bool by_client, int64_t now_ms, obs_worker *w,
                    vis_err *err)
{
    memset(w, 0, sizeof *w);
    w->worker_id = worker;
    w->open_kind = -1;
    int rc = obs_costs_load(db, worker, &w->costs, &w->ncosts, err);
    if (rc) return rc;
    int64_t from = p->start[0], to = p->start[p->n];
    item *spans = NULL, *points = NULL;
    size_t ns = 0, cs = 0, np = 0, cp = 0;
    subj_cache sc;
    memset(&sc, 0, sizeof sc);
    /* first read every row (resolving clients needs other queries) */
    typedef struct pending {
        char   *subject;
        int64_t tx;
    } pending;
    pending *sp = NULL, *pp = NULL; /* per span / point: what is needed to name the client */
    store_stmt *q = store_query(db, SQL_OBS_EVENTS, err, "iii", worker, from, to);
    if (!q) {
        obs_worker_free(w);
        return err->code;
    }
    int r;
    while ((r = store_row(q, err)) == 1) {
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
        item it = {.family = fam, .client = client};
        for (int pass = 0; pass < 3; pass++) {
            if (pass == 0) {
                if (!*kind) continue;
                it.kind = !strcmp(kind, "active") ? 0 : !strcmp(kind, "waiting") ? 1 : 2;
                it.a = store_col_i64(q, 9) < from ? from : store_col_i64(q, 9);
                it.b = store_col_i64(q, 10) > to ? to : store_col_i64(q, 10);
            } else if (pass == 1) {
                if (!has_amount) continue;
                it.kind = 3;
                it.a = at;
                it.value = store_col_i64(q, 12);
                it.review = 0;
                long long rid = 0;
                char tail = 0;
                if (sscanf(subject, "review:%lld%c", &rid, &tail) == 1 && rid > 0) {
                    it.review = rid; /* a remedy: its work time is read below */
                    it.paid_ms = at;
                } else if (at < from || at >= to) {
                    continue;
                }
            } else {
                if (dist < 0 || at < from || at >= to) continue;
                it.kind = 4;
                it.a = at;
                it.value = dist;
            }
            bool is_span = pass == 0;
            item **arr = is_span ? &spans : &points;
            pending **pa = is_span ? &sp : &pp;
            size_t *n = is_span ? &ns : &np, *cap = is_span ? &cs : &cp;
            if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 64;
                item *ni = realloc(*arr, nc * sizeof *ni);
                if (ni) *arr = ni;
                pending *np2 = realloc(*pa, nc * sizeof *np2);
                if (np2) *pa = np2;
                if (!ni || !np2) {
                    rc = nomem(err);
                    break;
                }
                *cap = nc;
            }
            (*arr)[*n] = it;
            (*pa)[*n].subject = by_client && client < 0 ? strdup(subject) : NULL;
            (*pa)[*n].tx = pass == 1 ? tx : -1;
            (*n)++;
        }
        if (rc) break;
    }
    store_done(q);
    if (r < 0 && !rc) rc = err->code;
    /* name the clients */
    for (int pass = 0; pass < 2 && !rc && by_client; pass++) {
        item *arr = pass ? points : spans;
        pending *pa = pass ? pp : sp;
        size_t n = pass ? np : ns;
        for (size_t i = 0; i < n; i++) {
            if (arr[i].client >= 0) continue;
            if (pa[i].tx > 0) {
                bool ignored = false;
                arr[i].client = lookup_one(db, SQL_OBS_CLIENT_OF_TX, pa[i].tx, &ignored);
            }
            if (arr[i].client < 0 && pa[i].subject) arr[i].client = resolve_subject(db, &sc, pa[i].subject);
        }
    }
    /* remedies: counted at the work they pay for (kind -1: outside the periods) */
    for (size_t i = 0; !rc && i < np; i++) {
        if (points[i].kind != 3 || points[i].review <= 0) continue;
        bool ignored = false;
        int64_t v = lookup_one(db, SQL_OBS_REMEDY_WORK_AT, points[i].review, &ignored);
        if (v >= 0 && v <= points[i].paid_ms) points[i].a = v;
        if (points[i].a < from || points[i].a >= to) points[i].kind = -1;
    }
    /* the span running now (a courier online), after the journal's spans */
    if (!rc && now_ms >= 0 && now_ms > from) {
        item it = {.family = -1, .client = -1};
        int64_t since = -1, jclient = -1;
        store_stmt *oq;
        vis_err e2;
        vis_err_clear(&e2);
        if ((oq = store_query(db, SQL_OBS_OPEN_ACTIVE, &e2, "i", worker))) {
            if (store_row(oq, &e2) == 1) {
                since = store_col_i64(oq, 0);
                jclient = store_col_i64(oq, 1);
                it.kind = 0;
            }
            store_done(oq);
        }
        if (since < 0 && (oq = store_query(db, SQL_OBS_OPEN_WAITING, &e2, "i", worker))) {
            if (store_row(oq, &e2) == 1) {
                since = store_col_i64(oq, 0);
                it.kind = 1;
            }
            store_done(oq);
        }
        int64_t end = now_ms < to ? now_ms : to;
        if (since >= 0 && since < end) {
            w->open_kind = it.kind;
            w->open_since_ms = since;
            it.family = family_index(w, "dispatch");
            it.client = it.kind == 0 && by_client ? jclient : -1;
            it.a = since < from ? from : since;
            it.b = end;
            if (ns == cs) {
                size_t nc = cs ? cs * 2 : 64;
                item *ni = realloc(spans, nc * sizeof *ni);
                if (ni) spans = ni;
                pending *np2 = realloc(sp, nc * sizeof *np2);
                if (np2) sp = np2;
                if (!ni || !np2) rc = nomem(err);
                else cs = nc;
            }
            if (!rc) {
                spans[ns] = it;
                sp[ns].subject = NULL;
                sp[ns].tx = -1;
                ns++;
            }
        }
    }
    /* cut */
    loader L = {.w = w, .p = p, .spans = spans};
    if (!rc && ns) {
        obs_span *sv = malloc(ns * sizeof *sv);
        if (!sv) rc = nomem(err);
        for (size_t i = 0; sv && i < ns; i++) sv[i] = (obs_span){spans[i].a, spans[i].b};
        if (sv && timeacct_sweep(sv, ns, on_piece, &L)) rc = nomem(err);
        free(sv);
    }
    for (size_t i = 0; !rc && i < np; i++) {
        if (points[i].kind < 0) continue;
        int pi = obs_period_of(p, points[i].a);
        obs_cell *c = cell_get(w, &L.map, pi, points[i].family, points[i].client);
        if (!c) {
            L.oom = 1;
            break;
        }
        if (points[i].kind == 3) {
            c->paid_micros += points[i].value;
            if (points[i].review > 0) {
                obs_remedy *nr = realloc(w->remedies, (w->nremedies + 1) * sizeof *nr);
                if (!nr) {
                    L.oom = 1;
                    break;
                }
                w->remedies = nr;
                nr[w->nremedies++] = (obs_remedy){points[i].review, points[i].paid_ms, points[i].a,
                                                  points[i].value, points[i].family};
            }
        } else {
            c->distance_m += points[i].value;
            const obs_cost *k = cost_at(w, w->families[points[i].family], points[i].a);
            if (k) c->cost_num += (__int128)k->per_km_micros * points[i].value * 3600;
        }
    }
    if (!rc && L.oom) rc = nomem(err);
    for (size_t i = 0; i < ns; i++) free(sp[i].subject);
    for (size_t i = 0; i < np; i++) free(pp[i].subject);
    free(sp);
    free(pp);
    free(spans);
    free(points);
    free(L.map.slot);
    cache_free(&sc);
    if (rc) obs_worker_free(w);
    return rc;
}

void obs_worker_free(obs_worker *w)
{
    free(w->cells);
    free(w->costs);
    free(w->remedies);
    memset(w, 0, sizeof *w);
}
