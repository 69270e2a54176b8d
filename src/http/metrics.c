#include "http/metrics.h"

#include "base/mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const int codes[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503};
#define NCODES (sizeof codes / sizeof codes[0] + 1)
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NB (sizeof bounds / sizeof bounds[0])

typedef struct rstat {
    atomic_llong by_code[NCODES];
    atomic_llong bucket[NB + 1];
    atomic_llong sum_ns;
    atomic_llong count;
} rstat;

struct http_metrics {
    size_t             n;      /* routes + 2 */
    const char *const *names;
    rstat             *r;
};

http_metrics *metrics_new(size_t nroutes, const char *const *route_names)
{
    http_metrics *m = mem_calloc(1, sizeof *m);
    m->n = nroutes + 2;
    m->names = route_names;
    m->r = mem_calloc(m->n, sizeof *m->r);
    return m;
}

void metrics_free(http_metrics *m)
{
    if (!m) return;
    free(m->r);
    free(m);
}

void metrics_observe(http_metrics *m, size_t route, int status, int64_t dur_ns)
{
    if (!m || route >= m->n) return;
    rstat *s = &m->r[route];
    size_t ci = NCODES - 1;
    for (size_t i = 0; i < NCODES - 1; i++)
        if (codes[i] == status) ci = i;
    atomic_fetch_add_explicit(&s->by_code[ci], 1, memory_order_relaxed);
    double sec = (double)dur_ns / 1e9;
    size_t b = 0;
    while (b < NB && sec > bounds[b]) b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_ns, dur_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

static const char *rname(http_metrics *m, size_t i)
{
    if (i == m->n - 2) return "static";
    if (i == m->n - 1) return "unmatched";
    return m->names[i];
}

void metrics_render(http_metrics *m, buf *out)
{
    buf_puts(out, "# HELP visible_http_requests_total HTTP requests by route and status.\n"
                  "# TYPE visible_http_requests_total counter\n");
    for (size_t i = 0; i < m->n; i++)
        for (size_t c = 0; c < NCODES; c++) {
            long long v = atomic_load(&m->r[i].by_code[c]);
            if (!v) continue;
            if (c < NCODES - 1)
                buf_printf(out, "visible_http_requests_total{route=\"%s\",status=\"%d\"} %lld\n", rname(m, i),
                           codes[c], v);
            else
                buf_printf(out, "visible_http_requests_total{route=\"%s\",status=\"other\"} %lld\n", rname(m, i), v);
        }
    buf_puts(out, "# HELP visible_http_request_duration_seconds Time from request to response, by route.\n"
                  "# TYPE visible_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < m->n; i++) {
        long long count = atomic_load(&m->r[i].count);
        if (!count) continue;
        long long cum = 0;
        for (size_t b = 0; b < NB; b++) {
            cum += atomic_load(&m->r[i].bucket[b]);
            buf_printf(out, "visible_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %lld\n",
                       rname(m, i), bounds[b], cum);
        }
        buf_printf(out, "visible_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %lld\n",
                   rname(m, i), count);
        buf_printf(out, "visible_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", rname(m, i),
                   (double)atomic_load(&m->r[i].sum_ns) / 1e9);
        buf_printf(out, "visible_http_request_duration_seconds_count{route=\"%s\"} %lld\n", rname(m, i), count);
    }
}
