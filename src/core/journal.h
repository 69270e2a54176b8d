/*
 * journal — the append-only, hash-chained record of work events.
 *
 * Every state change that concerns a worker or money appends one event in
 * the same store transaction as the change (journal_append begins a nested
 * transaction, so it joins the caller's). Each row stores the BLAKE2b-256
 * hash of the previous row and its own hash over (previous hash, every
 * field, each length-prefixed); ids are consecutive from 1. Editing a row
 * breaks its hash, removing one breaks the id sequence and the next row's
 * link: journal_verify reports the first row where that happens.
 *
 * An event may close a span of a worker's time: span_kind "active" (doing a
 * task, driving, reviewing), "waiting" (online, available, no work) or
 * "unpaid" (rejected or abandoned work, qualification tests) with its start
 * and end. An event that pays a worker carries amount_micros. Together these
 * are all the earnings module needs (see timeacct.h).
 */
#ifndef VIS_CORE_JOURNAL_H
#define VIS_CORE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"
#include "store/store.h"

#define JOURNAL_HASH_BYTES 32

typedef struct journal_event {
    int64_t     at_ms;
    const char *family;     /* "core", "microwork", "dispatch", "moderation" */
    const char *event;      /* "claimed", "paid", "decided", ... */
    int64_t     actor_id;   /* account that acted, -1 = the system */
    int64_t     worker_id;  /* worker concerned, -1 = none */
    const char *subject;    /* e.g. "task:12", "" */
    bool        automated;  /* an automated decision */
    const char *span_kind;  /* NULL, "active", "waiting", "unpaid" */
    int64_t     span_start_ms, span_end_ms;
    bool        has_amount;
    int64_t     amount_micros; /* paid to the worker */
    const char *payload;    /* JSON object text, NULL = "{}" */
} journal_event;

/* A zeroed event with ids set to -1. */
journal_event journal_event_init(const char *family, const char *event, int64_t at_ms);
int journal_append(store *s, const journal_event *ev, int64_t *id_out, vis_err *err);
/* The same with a JSON payload (stolen, may be NULL), stored compact with
 * sorted keys; ev->payload is ignored. */
int journal_append_json(store *s, journal_event *ev, json_t *payload, int64_t *id_out, vis_err *err);

typedef struct journal_report {
    int64_t rows;       /* rows checked */
    unsigned char head[JOURNAL_HASH_BYTES]; /* hash of the last row checked (all zero: none) */
    int64_t bad_id;     /* first bad row id, 0 if the chain is intact */
    char    why[160];
} journal_report;

/* 0: intact; 1: broken (report says where); other: store error. */
int journal_verify(store *s, journal_report *r, vis_err *err);

#endif
