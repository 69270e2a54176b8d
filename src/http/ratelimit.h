/*
 * ratelimit — per-token request limit (token bucket).
 *
 * Keys are the first 8 bytes of a token's hash (or of the client address
 * for public routes). A fixed table of buckets with striped locks; a bucket
 * refills at per_minute/60 per second up to burst. A key that collides with
 * a live key probes a few slots, then evicts the least recently used one.
 */
#ifndef VIS_HTTP_RATELIMIT_H
#define VIS_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ratelimit ratelimit;

ratelimit *ratelimit_new(int64_t per_minute, int64_t burst);
void ratelimit_free(ratelimit *r);
/* true: allowed; false: over the limit (retry_after_s filled; *first set
 * when this is the first refusal since the key was last allowed, so that a
 * caller can record one decision per episode, not one per request). */
bool ratelimit_take(ratelimit *r, uint64_t key, int64_t now_ms, int64_t *retry_after_s, bool *first);

#endif
