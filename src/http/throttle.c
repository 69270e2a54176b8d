/* throttle — failed sign-in counters (throttle.h). */
#include "http/throttle.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdlib.h>

#define SLOTS 8192 /* power of two */
#define PROBE 8

typedef struct {
    uint64_t key;
    int64_t  until_ms; /* end of the window; 0 = free */
    int64_t  count;
} slot;

struct throttle {
    pthread_mutex_t lock;
    int64_t         limit, window_ms;
    slot            s[SLOTS];
};

throttle *throttle_new(int64_t limit, int64_t window_ms)
{
    throttle *t = mem_calloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->limit = limit;
    t->window_ms = window_ms;
    return t;
}

void throttle_free(throttle *t)
{
    if (!t) return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static uint64_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

/* The slot of key, or NULL (find only). */
static slot *find(throttle *t, uint64_t key, int64_t now_ms)
{
    uint64_t h = mix(key);
    for (int i = 0; i < PROBE; i++) {
        slot *s = &t->s[(h + (uint64_t)i) & (SLOTS - 1)];
        if (s->key == key && s->until_ms > now_ms) return s;
    }
    return NULL;
}

bool throttle_blocked(throttle *t, uint64_t key, int64_t now_ms, int64_t *retry_ms)
{
    if (t->limit <= 0) return false;
    pthread_mutex_lock(&t->lock);
    slot *s = find(t, key, now_ms);
    bool blocked = s && s->count >= t->limit;
    if (blocked && retry_ms) *retry_ms = s->until_ms - now_ms;
    pthread_mutex_unlock(&t->lock);
    return blocked;
}

void throttle_fail(throttle *t, uint64_t key, int64_t now_ms)
{
    if (t->limit <= 0) return;
    pthread_mutex_lock(&t->lock);
    slot *s = find(t, key, now_ms);
    if (!s) { /* a free or expired slot, else the one whose window ends first */
        uint64_t h = mix(key);
        for (int i = 0; i < PROBE; i++) {
            slot *c = &t->s[(h + (uint64_t)i) & (SLOTS - 1)];
            if (!s || c->until_ms < s->until_ms) s = c;
            if (c->until_ms <= now_ms) break;
        }
        s->key = key;
        s->count = 0;
        s->until_ms = now_ms + t->window_ms;
    }
    s->count++;
    pthread_mutex_unlock(&t->lock);
}

void throttle_clear(throttle *t, uint64_t key)
{
    pthread_mutex_lock(&t->lock);
    uint64_t h = mix(key);
    for (int i = 0; i < PROBE; i++) {
        slot *s = &t->s[(h + (uint64_t)i) & (SLOTS - 1)];
        if (s->key == key) s->until_ms = 0;
    }
    pthread_mutex_unlock(&t->lock);
}
