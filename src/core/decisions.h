/*
 * decisions (prefix decision_) — the registry of automated-decision kinds.
 *
 * Every family that journals automated decisions (svc_event.automated)
 * exports a table of the kinds it journals: for each (family, event), the
 * system's name, its rule and a plain-language text shown to the person
 * concerned (GET /v1/me/decisions, the export, the admins' review queue),
 * and optionally how a human reviewer's overturning undoes it. The tables
 * end with an entry whose family is NULL. The layer that wires everything
 * (server_decision_kinds, http/routes.c) collects them in a NULL-terminated
 * list, the way route tables are collected, and passes that list to
 * visibility (visibility/rev.h): visibility knows the kinds only through
 * it, and never includes a family's header; families include only this
 * core header, never visibility's.
 *
 * What a decision's payload says itself (its "system", "rule",
 * "explanation") wins over the registry's text, which is the fallback for
 * payloads that carry only figures.
 */
#ifndef VIS_CORE_DECISIONS_H
#define VIS_CORE_DECISIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "core/svc.h"

/* One journal row of an automated decision, as visibility reads it. */
typedef struct decision_row {
    int64_t id, at, actor, worker, span_a, span_b, amount;
    bool    automated, has_amount;
    char    family[32], event[64], span_kind[16];
    char   *subject; /* "batch:12", owned by the row */
    json_t *payload; /* owned by the row; {} when the journal held none */
} decision_row;

/* Undo a decision a reviewer overturned, in the caller's transaction, for
 * worker (whom the review is about), journalling what it does in the
 * decision's family; append to actions one {"action": "...", ...} per
 * remedy applied. 0, or a VIS_E* code with err filled. */
typedef int (*decision_undo_fn)(svc_ctx *c, const decision_row *d, int64_t worker, const char *reasons,
                                json_t *actions, vis_err *err);

typedef struct decision_kind {
    const char      *family, *event; /* as journalled; family NULL ends a table */
    const char      *system, *rule;  /* the system's name; the rule it applies */
    const char      *text;           /* what happened, in plain language, to the person concerned */
    decision_undo_fn undo;           /* NULL: no automatic undo (unpaid time is still paid: rev.h) */
} decision_kind;

/* The kind of (family, event) in a NULL-terminated list of tables, or NULL. */
const decision_kind *decision_kind_find(const decision_kind *const *tables, const char *family, const char *event);

/* The positive id after prefix in a subject ("batch:" in "batch:12"), or -1. */
int64_t decision_subject_id(const char *subject, const char *prefix);

#endif
