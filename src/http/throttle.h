/*
 * throttle — failed sign-ins counted per account and per address, so that
 * guessing passwords is slow and cannot cost the platform its CPU.
 *
 * A fixed table of counters (no allocation after creation) keyed by a
 * 64-bit hash: the e-mail's, or the client address's. Each counter is a
 * window: the first failure opens it for `window_ms`; at `limit` failures
 * the key is refused until the window closes (429 with Retry-After). A
 * successful sign-in clears the account's counter. When the table is
 * full, a new key takes the slot whose window ends first among the few it
 * may use, so an attacker can only make the platform forget old failures,
 * never refuse a new person. Counters live in the process (per node).
 */
#ifndef VIS_HTTP_THROTTLE_H
#define VIS_HTTP_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct throttle throttle;

throttle *throttle_new(int64_t limit, int64_t window_ms);
void      throttle_free(throttle *t);
/* Is the key refused now? *retry_ms: how long until it is not. */
bool      throttle_blocked(throttle *t, uint64_t key, int64_t now_ms, int64_t *retry_ms);
/* Count a failure of key. */
void      throttle_fail(throttle *t, uint64_t key, int64_t now_ms);
/* Forget key's failures (after a success). */
void      throttle_clear(throttle *t, uint64_t key);

#endif
