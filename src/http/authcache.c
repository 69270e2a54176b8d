#include "http/authcache.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
#define STRIPES 64 /* even, so that a set's two ways share a lock */

typedef struct slot {
    unsigned char hash[ACCOUNT_TOKEN_HASH];
    uint64_t      gen; /* 0: empty */
    int64_t       expires_ms;
    account       who;
} slot;

struct authcache {
    _Atomic uint64_t gen;
    pthread_mutex_t  lock[STRIPES];
    slot             slots[SLOTS];
};

authcache *authcache_new(void)
{
    authcache *c = mem_calloc(1, sizeof *c);
    atomic_store(&c->gen, 1);
    for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&c->lock[i], NULL);
    return c;
}

void authcache_free(authcache *c)
{
    if (!c) return;
    for (int i = 0; i < STRIPES; i++) pthread_mutex_destroy(&c->lock[i]);
    free(c);
}

uint64_t authcache_gen(authcache *c) { return atomic_load(&c->gen); }

void authcache_invalidate(authcache *c) { atomic_fetch_add(&c->gen, 1); }

static size_t index_of(const unsigned char *hash)
{
    size_t k = 0;
    memcpy(&k, hash, sizeof k); /* the hash is uniform: any bytes will do */
    return k % SLOTS & ~(size_t)1; /* even: the first of its set's two ways */
}

bool authcache_get(authcache *c, const unsigned char *hash, int64_t now_ms, account *out)
{
    size_t i = index_of(hash);
    uint64_t gen = atomic_load(&c->gen);
    bool hit = false;
    pthread_mutex_lock(&c->lock[i % STRIPES]);
    for (size_t k = i; k <= (i | 1) && !hit; k++) { /* two ways: slots 2j and 2j+1 */
        slot *s = &c->slots[k];
        if (s->gen == gen && now_ms < s->expires_ms && !memcmp(s->hash, hash, ACCOUNT_TOKEN_HASH)) {
            *out = s->who;
            hit = true;
        }
    }
    pthread_mutex_unlock(&c->lock[i % STRIPES]);
    return hit;
}

void authcache_put(authcache *c, const unsigned char *hash, uint64_t gen, int64_t expires_ms, const account *a)
{
    size_t i = index_of(hash);
    pthread_mutex_lock(&c->lock[i % STRIPES]);
    /* the way holding this token, else a stale or empty one, else the other way */
    slot *s = &c->slots[i], *o = &c->slots[i ^ 1];
    if (memcmp(s->hash, hash, ACCOUNT_TOKEN_HASH) &&
        (!memcmp(o->hash, hash, ACCOUNT_TOKEN_HASH) || (s->gen == gen && o->gen != gen)))
        s = o;
    memcpy(s->hash, hash, ACCOUNT_TOKEN_HASH);
    s->gen = gen;
    s->expires_ms = expires_ms;
    s->who = *a;
    pthread_mutex_unlock(&c->lock[i % STRIPES]);
}
