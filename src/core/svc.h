/*
 * svc — the one context every family's service functions take.
 *
 * A service function (mw_submit, mod_claim, disp_job_post, review_request,
 * obs_earnings, ...) runs inside the caller's store transaction, at the
 * server's clock, on behalf of someone: these four things are all it needs
 * from the request, and they are the same for every family, so they are
 * one struct defined here. Each family names it after itself (`typedef
 * svc_ctx mw_ctx;`) so its headers read naturally; what a family needs
 * beyond them (moderation's classifier) is an explicit argument of the few
 * functions that use it, not a field every caller has to fill.
 *
 * Filled with designated initializers at the edge (an HTTP handler, a
 * command, a demo seeder, a unit test):
 *     mw_ctx c = {.db = r->db, .cfg = &r->srv->cfg, .now_ms = r->now_ms, .who = &r->who};
 */
#ifndef VIS_CORE_SVC_H
#define VIS_CORE_SVC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "core/account.h"
#include "core/config.h"
#include "store/store.h"

typedef struct svc_ctx {
    store            *db;     /* the caller's connection, inside its transaction */
    const vis_config *cfg;
    int64_t           now_ms; /* the server's clock (settable in tests) */
    const account    *who;    /* the caller; NULL = the system */
} svc_ctx;

/* The caller's account id for the journal and the ledger, -1 for the system. */
static inline int64_t svc_actor(const svc_ctx *c) { return c->who ? c->who->id : -1; }

/* One journal entry of a family's service (core/journal.h), filled with
 * designated initializers: what is left out is zero, and zero means none
 * (no worker concerned, no subject, no span, an empty payload).
 *     svc_journal(c, &(svc_event){.family = MOD_FAMILY, .event = "claimed", .worker = w, .subject = subj,
 *                                 .payload = JSON_PACK("{s:I}", "item", (json_int_t)id)}, err);
 * The actor is the caller, or the system (-1) for an automated decision or
 * when there is no caller; a span ending before it starts is empty. */
typedef struct svc_event {
    const char *family;        /* "microwork", "moderation", "dispatch", ... */
    const char *event;
    int64_t     worker;        /* the worker concerned; <= 0: none */
    const char *subject;       /* "item:12"; NULL: none */
    bool        automated;     /* an automated decision (issue 3: journalled as such) */
    const char *span_kind;     /* "active", "waiting", "unpaid"; NULL: no span */
    int64_t     span_start_ms, span_end_ms;
    json_t     *payload;       /* stolen; NULL: {} */
    int64_t    *id_out;        /* the entry's id, or NULL */
} svc_event;
int svc_journal(const svc_ctx *c, const svc_event *e, vis_err *err);

#endif
