/*
 * sse — Server-Sent Events: state pushed to a page while a person waits
 * (a courier's offers and jobs).
 *
 * A route's handler opens a stream with a snapshot function (sse_open); the
 * server answers with `text/event-stream` whose body is produced by a
 * libmicrohttpd content reader. When the reader has nothing new to send it
 * suspends its connection (no thread is held, none polls); one hub thread
 * resumes the suspended streams every second (SSE_CHECK_MS), and each takes
 * a fresh snapshot on its own pool thread with that thread's store
 * connection. An event `state` (data: the snapshot's JSON) goes out at
 * connection, whenever the snapshot's change key differs from the last one
 * sent, and at least every SSE_HEARTBEAT_MS. The stream re-checks its
 * token at each heartbeat and ends when the session is revoked or expired.
 * At shutdown the hub ends every stream before the daemon stops.
 *
 * The snapshot function receives the store, the configuration, the
 * account and the platform time; it returns the event's JSON and a change
 * key (malloc'd text; what is compared between checks) or an error.
 */
#ifndef VIS_HTTP_SSE_H
#define VIS_HTTP_SSE_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/account.h"
#include "core/config.h"
#include "http/http.h"
#include "store/store.h"

#define SSE_CHECK_MS 1000
#define SSE_HEARTBEAT_MS 15000

struct vis_server;
struct MHD_Connection;
typedef struct sse_hub sse_hub;
typedef struct sse_stream sse_stream;

typedef int (*sse_snapshot_fn)(store *db, const vis_config *cfg, const account *who, int64_t now_ms, json_t **out,
                               char **key, vis_err *err);

sse_hub *sse_hub_start(struct vis_server *s, vis_err *err);
/* End every stream (they answer end-of-stream) and stop the hub thread;
 * the daemon may then stop. */
void sse_hub_stop(sse_hub *h);
void sse_hub_free(sse_hub *h);
/* In a handler: answer with a stream of `event` for the caller. */
int sse_open(http_req *r, http_resp *rs, const char *event, sse_snapshot_fn fn, vis_err *err);
/* In the server: queue the stream response of rs->stream. */
int sse_respond(struct vis_server *s, struct MHD_Connection *c, sse_stream *st);
/* Streams open now (metrics, tests). */
int sse_count(sse_hub *h);

#endif
