/*
 * cluster — what one node must hear from the others when several `visible
 * serve` processes share one PostgreSQL database.
 *
 * A node keeps in memory only what it can rebuild from the store; the one
 * thing it must not keep stale is the authentication cache (authcache.h):
 * a token revoked or an account disabled on another node must be refused
 * here too. The node that commits such a change sends the notice "auth"
 * in the same transaction (store_notify, delivered only if it commits);
 * every node listens on its own connection and, within a tenth of a second,
 * empties its cache — the cache's generation rule then also discards an
 * entry being filled from a read made before the change. If the listening
 * connection is lost, notices may have been missed: the cache is emptied
 * when it is back.
 *
 * Everything else crosses nodes through the database itself: offers pushed
 * to a courier's page are re-read from the store every second by the node
 * holding the connection (sse.h); background duties are run by one node at
 * a time (store_lead in the ticker and the dispatcher). Rate limits and
 * login throttles stay per node (documented in docs/deploy.md).
 *
 * On SQLite (one process) nothing is started.
 */
#ifndef VIS_HTTP_CLUSTER_H
#define VIS_HTTP_CLUSTER_H

#include "http/server.h"

/* The notice a committed change to tokens or accounts sends. */
#define CLUSTER_AUTH "auth"

typedef struct cluster cluster;

/* NULL on SQLite, or when no thread can be started (logged). */
cluster *cluster_start(vis_server *s);
void     cluster_stop(cluster *c);

#endif
