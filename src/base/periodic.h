/*
 * periodic — a thread that runs a job every period of real time until it is
 * stopped, waking at once when it is.
 *
 * The server's background work (the housekeeping ticker, the dispatcher's
 * epochs) is each "look every N ms whether something is due, by the
 * platform's clock": the thread wakes on a real-time period (so a test that
 * moves the platform clock is noticed within a period), and stopping it
 * must not wait out a sleep. The thread, its lock, its condition variable
 * and the wake-up arithmetic live here once; a job only says what to do at
 * the start (open its store connection), at each tick and at the end.
 */
#ifndef VIS_BASE_PERIODIC_H
#define VIS_BASE_PERIODIC_H

#include <stdint.h>

#include "base/err.h"

typedef struct periodic_job {
    const char *name;                 /* for the log, e.g. "ticker" */
    int64_t     period_ms;            /* real time between the end of a tick and the next one */
    /* In the thread, before the first tick; non-zero (err filled): the
     * thread logs err and ends. May be NULL. */
    int  (*start)(void *arg, vis_err *err);
    void (*tick)(void *arg);
    void (*end)(void *arg);           /* in the thread, after the last tick; may be NULL */
    void *arg;
} periodic_job;

typedef struct periodic periodic;

/* Start the thread (the job is copied); 0, or an error when no thread can
 * be created. */
int  periodic_start(const periodic_job *job, periodic **out, vis_err *err);
/* Wake the thread, let its current tick finish, run end, join and free.
 * NULL: nothing. */
void periodic_stop(periodic *p);

#endif
