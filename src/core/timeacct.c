#include "core/timeacct.h"

#include <stdlib.h>
#include <string.h>

#include "store/sql_core.h"

typedef struct span {
    int64_t a, b;
} span;

static int cmp_span(const void *x, const void *y)
{
    const span *p = x, *q = y;
    return p->a < q->a ? -1 : p->a > q->a ? 1 : (p->b > q->b) - (p->b < q->b);
}

/* Total length of the union of spans. */
static int64_t union_len(span *v, size_t n)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_span);
    int64_t total = 0, a = v[0].a, b = v[0].b;
    for (size_t i = 1; i < n; i++) {
        if (v[i].a <= b) {
            if (v[i].b > b) b = v[i].b;
        } else {
            total += b - a;
            a = v[i].a;
            b = v[i].b;
        }
    }
    return total + (b - a);
}

int64_t timeacct_hourly(int64_t paid_micros, int64_t ms)
{
    if (ms <= 0) return 0;
    /* paid * 3600000 / ms without overflow for realistic sums */
    __int128 v = (__int128)paid_micros * 3600000 / ms;
    return (int64_t)v;
}

int timeacct_compute(store *s, int64_t worker_id, int64_t from_ms, int64_t to_ms, timeacct *out, vis_err *err)
{
    memset(out, 0, sizeof *out);
    out->from_ms = from_ms;
    out->to_ms = to_ms;
    if (to_ms <= from_ms) return vis_errf(err, VIS_EINVAL, "invalid_field", "to", "to must be after from");
    span *v[3] = {NULL, NULL, NULL};
    size_t n[3] = {0, 0, 0}, cap[3] = {0, 0, 0};
    static const char *kinds[3] = {"active", "waiting", "unpaid"};
    store_stmt *q = store_query(s, SQL_JOURNAL_SPANS, err, "iii", worker_id, from_ms, to_ms);
    if (!q) return err ? err->code : VIS_ESTORE;
    int r, rc = 0;
    while ((r = store_row(q, err)) == 1) {
        const char *k = store_col_text(q, 0);
        int ki = !strcmp(k, kinds[0]) ? 0 : !strcmp(k, kinds[1]) ? 1 : 2;
        int64_t a = store_col_i64(q, 1), b = store_col_i64(q, 2);
        if (a < from_ms) a = from_ms;
        if (b > to_ms) b = to_ms;
        if (b <= a) continue;
        if (n[ki] == cap[ki]) {
            size_t nc = cap[ki] ? cap[ki] * 2 : 64;
            span *nv = realloc(v[ki], nc * sizeof *nv);
            if (!nv) {
                rc = vis_errf(err, VIS_ENOMEM, NULL, NULL, "out of memory");
                break;
            }
            v[ki] = nv;
            cap[ki] = nc;
        }
        v[ki][n[ki]++] = (span){a, b};
    }
    store_done(q);
    if (r < 0 && !rc) rc = err ? err->code : VIS_ESTORE;
    if (!rc) {
        out->active_ms = union_len(v[0], n[0]);
        out->waiting_ms = union_len(v[1], n[1]);
        out->unpaid_ms = union_len(v[2], n[2]);
        if (store_get_i64(s, SQL_JOURNAL_PAID, &out->paid_micros, err, "iii", worker_id, from_ms, to_ms) < 0)
            rc = err ? err->code : VIS_ESTORE;
        out->hourly_micros = timeacct_hourly(out->paid_micros, out->active_ms + out->waiting_ms);
    }
    for (int i = 0; i < 3; i++) free(v[i]);
    return rc;
}
