/*
 * authcache — the server's memory of recently checked tokens.
 *
 * Checking a bearer token costs a read transaction on the store (and, while
 * the committer writes, re-reading pages the WAL changed) on every request.
 * The cache keeps, per token hash, the account it authenticates and the
 * token's expiry, so a busy worker's requests skip the store.
 *
 * Never stale: an entry is stamped with the generation counter read *before*
 * the store was consulted, and any committed change to tokens or accounts
 * (http_resp.auth_changed, set by the handler that revokes) advances the
 * generation *after* its commit. An entry filled from a read that may
 * predate the change therefore carries an older generation and is ignored.
 * Expiry is checked against the request's clock on every hit. Fixed size
 * (4,096 entries), two-way set-associative, striped locks.
 */
#ifndef VIS_HTTP_AUTHCACHE_H
#define VIS_HTTP_AUTHCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/account.h"

typedef struct authcache authcache;

authcache *authcache_new(void);
void       authcache_free(authcache *c);
/* The current generation: read it before consulting the store. */
uint64_t   authcache_gen(authcache *c);
/* Forget everything cached so far (after a committed change to tokens or accounts). */
void       authcache_invalidate(authcache *c);
/* true and *out when hash is cached, current and not expired at now_ms */
bool       authcache_get(authcache *c, const unsigned char *hash, int64_t now_ms, account *out);
/* Remember hash -> a (token expiring at expires_ms, or INT64_MAX), read at generation gen. */
void       authcache_put(authcache *c, const unsigned char *hash, uint64_t gen, int64_t expires_ms, const account *a);

#endif
