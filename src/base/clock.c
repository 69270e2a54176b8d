#include "base/clock.h"

#include <time.h>

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_init(vis_clock *c)
{
    atomic_store(&c->frozen, false);
    atomic_store(&c->frozen_ms, 0);
}

int64_t clock_now_ms(vis_clock *c)
{
    if (c && atomic_load(&c->frozen)) return atomic_load(&c->frozen_ms);
    return real_ms();
}

void clock_set_ms(vis_clock *c, int64_t ms)
{
    atomic_store(&c->frozen_ms, ms);
    atomic_store(&c->frozen, true);
}

void clock_advance_ms(vis_clock *c, int64_t d)
{
    if (!atomic_load(&c->frozen)) clock_set_ms(c, real_ms());
    atomic_fetch_add(&c->frozen_ms, d);
}

void clock_release(vis_clock *c) { atomic_store(&c->frozen, false); }

bool clock_is_frozen(vis_clock *c) { return atomic_load(&c->frozen); }

void clock_iso(int64_t ms, char out[32])
{
    out[0] = '\0';
    if (ms < 0) return;
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm)) out[0] = '\0';
}

int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
