/*
 * workpool — a few threads for CPU-heavy steps of requests (password
 * hashing), so that they never run on an HTTP thread nor on the group
 * committer.
 *
 * A request whose route is flagged HTTP_PREP suspends its connection and is
 * queued here; a pool thread runs the route's prep step, then resumes the
 * connection, whose request continues (usually into the committer). The
 * pool has auth.pwhash_concurrency threads and a bounded queue (4 jobs per
 * thread): when it is full the request is refused at once with 429, so a
 * flood of sign-ins costs the platform a bounded amount of CPU and memory
 * and holds up nothing else.
 */
#ifndef VIS_HTTP_WORKPOOL_H
#define VIS_HTTP_WORKPOOL_H

#include <stdbool.h>

typedef struct workpool workpool;
typedef void (*workpool_fn)(void *arg);

workpool *workpool_start(int threads, int queue_cap);
/* Queue fn(arg); false when the queue is full (nothing queued). */
bool      workpool_submit(workpool *p, workpool_fn fn, void *arg);
/* Run what is queued, then stop the threads. */
void      workpool_stop(workpool *p);

#endif
