#include "core/timeacct.h"

#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "store/sql_core.h"

/* The sweep: edges sorted by time; a max-heap (lazy deletion) of the open
 * intervals' indexes gives, between two edges, the latest interval covering
 * that stretch. Later intervals override earlier ones where they overlap (a
 * rejection turns active time into unpaid time, an overturned rejection turns
 * it back), so the kinds partition the worker's time. */
typedef struct edge {
    int64_t t;
    size_t  idx;
    int     open; /* 1 opens, 0 closes */
} edge;

static int cmp_edge(const void *x, const void *y)
{
    const edge *p = x, *q = y;
    if (p->t != q->t) return p->t < q->t ? -1 : 1;
    return p->open - q->open; /* closes before opens at the same instant */
}

static void heap_push(size_t *h, size_t *n, size_t v)
{
    size_t i = (*n)++;
    h[i] = v;
    while (i && h[(i - 1) / 2] < h[i]) {
        size_t t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void heap_pop(size_t *h, size_t *n)
{
    h[0] = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < *n && h[l] > h[m]) m = l;
        if (r < *n && h[r] > h[m]) m = r;
        if (m == i) break;
        size_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

void timeacct_sweep(const timeacct_iv *in, size_t n, void (*cb)(void *ctx, int64_t a, int64_t b, size_t idx),
                    void *ctx)
{
    if (!n) return;
    edge *e = mem_alloc(2 * n * sizeof *e);
    size_t *heap = mem_alloc(n * sizeof *heap);
    unsigned char *closed = mem_calloc(n, 1);
    size_t ne = 0, hn = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].b <= in[i].a) continue;
        e[ne++] = (edge){in[i].a, i, 1};
        e[ne++] = (edge){in[i].b, i, 0};
    }
    qsort(e, ne, sizeof *e, cmp_edge);
    int64_t prev = 0;
    for (size_t k = 0; k < ne; k++) {
        while (hn && closed[heap[0]]) heap_pop(heap, &hn);
        if (hn && e[k].t > prev) cb(ctx, prev, e[k].t, heap[0]);
        prev = e[k].t;
        if (e[k].open) heap_push(heap, &hn, e[k].idx);
        else closed[e[k].idx] = 1;
    }
    free(e);
    free(heap);
    free(closed);
}

typedef struct part_ctx {
    const span_in *in;
    int64_t       *totals;
} part_ctx;

static void part_add(void *ctx, int64_t a, int64_t b, size_t idx)
{
    part_ctx *p = ctx;
    p->totals[p->in[idx].kind] += b - a;
}

void timeacct_partition(const span_in *in, size_t n, int64_t totals[3])
{
    totals[0] = totals[1] = totals[2] = 0;
    if (!n) return;
    timeacct_iv *iv = mem_alloc(n * sizeof *iv);
    for (size_t i = 0; i < n; i++) iv[i] = (timeacct_iv){in[i].a, in[i].b};
    part_ctx p = {in, totals};
    timeacct_sweep(iv, n, part_add, &p);
    free(iv);
}

int64_t timeacct_hourly(int64_t paid_micros, int64_t ms)
{
    if (ms <= 0) return 0;
    __int128 v = (__int128)paid_micros * 3600000 / ms;
    return (int64_t)v;
}

int timeacct_compute(store *s, int64_t worker_id, int64_t from_ms, int64_t to_ms, timeacct *out, vis_err *err)
{
    memset(out, 0, sizeof *out);
    out->from_ms = from_ms;
    out->to_ms = to_ms;
    if (to_ms <= from_ms) return vis_errf(err, VIS_EINVAL, "invalid_field", "to", "to must be after from");
    span_in *v = NULL;
    size_t n = 0, cap = 0;
    store_stmt *q = store_query(s, SQL_JOURNAL_SPANS, err, "iii", worker_id, from_ms, to_ms);
    if (!q) return err ? err->code : VIS_ESTORE;
    int r, rc = 0;
    while ((r = store_row(q, err)) == 1) {
        const char *k = store_col_text(q, 0);
        int ki = !strcmp(k, "active") ? TIME_ACTIVE : !strcmp(k, "waiting") ? TIME_WAITING : TIME_UNPAID;
        int64_t a = store_col_i64(q, 1), b = store_col_i64(q, 2);
        if (a < from_ms) a = from_ms;
        if (b > to_ms) b = to_ms;
        vec_room(&v, &cap, n, sizeof *v);
        v[n++] = (span_in){a, b, ki};
    }
    store_done(q);
    if (r < 0 && !rc) rc = err ? err->code : VIS_ESTORE;
    if (!rc) {
        int64_t t[3];
        timeacct_partition(v, n, t);
        out->active_ms = t[TIME_ACTIVE];
        out->waiting_ms = t[TIME_WAITING];
        out->unpaid_ms = t[TIME_UNPAID];
        if (!rc && store_get_i64(s, SQL_JOURNAL_PAID, &out->paid_micros, err, "iii", worker_id, from_ms, to_ms) < 0)
            rc = err ? err->code : VIS_ESTORE;
        out->hourly_micros = timeacct_hourly(out->paid_micros, out->active_ms + out->waiting_ms);
    }
    free(v);
    return rc;
}
