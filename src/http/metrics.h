/*
 * metrics — request counters and latency histograms in Prometheus format.
 *
 * Counters are lock-free atomics indexed by route (position in the
 * server's route table, plus "static" and "unmatched") and by status code
 * (a fixed list of the codes the API uses, plus "other"). One latency
 * histogram per route with fixed buckets. Rendering reads the atomics.
 */
#ifndef VIS_HTTP_METRICS_H
#define VIS_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

typedef struct http_metrics http_metrics;

http_metrics *metrics_new(size_t nroutes, const char *const *route_names);
void metrics_free(http_metrics *m);
/* route: 0..nroutes-1, nroutes = static files, nroutes+1 = unmatched. */
void metrics_observe(http_metrics *m, size_t route, int status, int64_t dur_ns);
void metrics_render(http_metrics *m, buf *out);

#endif
