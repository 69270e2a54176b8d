#include "http/ratelimit.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdlib.h>

#define SLOTS 16384
#define STRIPES 64
#define PROBE 4

typedef struct slot {
    uint64_t key;
    double   tokens;
    int64_t  last_ms;
    bool     refusing; /* refused since last allowed */
} slot;

struct ratelimit {
    double          per_ms, burst;
    pthread_mutex_t lock[STRIPES];
    slot            s[SLOTS];
};

ratelimit *ratelimit_new(int64_t per_minute, int64_t burst)
{
    ratelimit *r = mem_calloc(1, sizeof *r);
    r->per_ms = (double)per_minute / 60000.0;
    r->burst = (double)burst;
    for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&r->lock[i], NULL);
    return r;
}

void ratelimit_free(ratelimit *r)
{
    if (!r) return;
    for (int i = 0; i < STRIPES; i++) pthread_mutex_destroy(&r->lock[i]);
    free(r);
}

bool ratelimit_take(ratelimit *r, uint64_t key, int64_t now_ms, int64_t *retry_after_s, bool *first)
{
    if (first) *first = false;
    if (!r || r->per_ms <= 0) return true;
    if (key == 0) key = 1;
    size_t base = (size_t)(key % (SLOTS / PROBE)) * PROBE; /* a group of PROBE slots, one stripe */
    pthread_mutex_t *m = &r->lock[(base / PROBE) % STRIPES];
    pthread_mutex_lock(m);
    slot *hit = NULL, *oldest = &r->s[base];
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &r->s[base + i];
        if (s->key == key) { hit = s; break; }
        if (s->key == 0 || s->last_ms < oldest->last_ms) oldest = s;
    }
    if (!hit) {
        hit = oldest;
        hit->key = key;
        hit->tokens = r->burst;
        hit->last_ms = now_ms;
        hit->refusing = false;
    }
    if (now_ms > hit->last_ms) {
        hit->tokens += (double)(now_ms - hit->last_ms) * r->per_ms;
        if (hit->tokens > r->burst) hit->tokens = r->burst;
        hit->last_ms = now_ms;
    }
    bool ok = hit->tokens >= 1.0;
    if (ok) {
        hit->tokens -= 1.0;
        hit->refusing = false;
    } else {
        if (retry_after_s) *retry_after_s = (int64_t)((1.0 - hit->tokens) / r->per_ms / 1000.0) + 1;
        if (first) *first = !hit->refusing;
        hit->refusing = true;
    }
    pthread_mutex_unlock(m);
    return ok;
}
