/*
 * ticker — the server's periodic housekeeping thread.
 *
 * One thread (base/periodic.h) with its own store connection runs each job when
 * it is due (by the platform clock, so tests can jump over periods) and
 * every job in its own transaction; a failing job is logged and retried
 * next period, never stopping the others. Jobs: micro-work lease expiry and
 * auto-approval (microwork.sweep_ms); a passive WAL checkpoint every tick
 * (connections never checkpoint on commit); moderation lease expiry, learning and
 * callback delivery (moderation.sweep_ms).
 */
#ifndef VIS_HTTP_TICKER_H
#define VIS_HTTP_TICKER_H

#include "http/server.h"

typedef struct ticker ticker;

ticker *ticker_start(vis_server *s);
void    ticker_stop(ticker *t);

#endif
