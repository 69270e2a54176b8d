/*
 * webhook — signed callbacks to clients, shared by every family that sends
 * them (moderation decisions, delivery status): the signing secret, the
 * signature, the retry backoff, and the delivery loop over the outboxes.
 *
 * Outboxes. Each family keeps its own outbox table beside its own data
 * (mod_callbacks, disp_callbacks: same columns — id, client_id, event, body,
 * state 'pending'|'delivered', attempts, next_ms, last_error, last_status,
 * created_ms, delivered_ms) and its own per-client URL and secret. A family
 * is described here by four prepared statements (store/sql_*.c): the due
 * rows with the client's URL and secret, delivered, failed, and the client's
 * log. Why separate tables and not one: moderation's outbox existed with
 * live rows whose ids receivers dedupe on (X-Visible-Callback-Id); a
 * restaurant and a content platform are different clients with different
 * endpoints; and each family lists and counts its own callbacks with its own
 * indexes. What is common is the code, and it is all here: one loop
 * (webhook_deliver) delivers every family in one run of the housekeeping
 * thread.
 *
 * Signatures: every callback carries
 *   X-Visible-Signature: t=<platform time, ms>,v1=<hex HMAC-SHA256>
 * over the bytes "<t>.<body>", keyed with the client's secret (the string
 * "whsec_" + 64 hex digits, used as given), plus X-Visible-Callback-Id (the
 * outbox row: receivers dedupe by it, ids are per family) and
 * X-Visible-Attempt.
 *
 * Delivery: POSTs run outside any transaction (net/client.h: http and
 * https only, SSRF rules, no redirects, a deadline); each outcome is then
 * stored in its own transaction. A failure is retried after
 * backoff × 2^attempts, capped (moderation.callback_backoff_ms,
 * moderation.callback_backoff_max_ms: one set of settings for every family).
 * Never dropped. A run starts no request after end_ns, and a client whose
 * endpoint just failed is not tried again in this run.
 *
 * What a client learns of a failed delivery: the HTTP status its endpoint
 * answered, that its certificate or TLS handshake failed, or else one and
 * the same sentence (WEBHOOK_UNREACHABLE) whether the address was refused,
 * the name did not resolve, the connection was refused or timed out, or
 * the answer was no HTTP: otherwise the error texts would tell open ports
 * from closed ones to whoever chooses the URL. The operator's log (stderr,
 * one JSON line per failure, "job": "<family>.callback") keeps the detail.
 */
#ifndef VIS_CORE_WEBHOOK_H
#define VIS_CORE_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"
#include "core/config.h"
#include "store/store.h"

#define WEBHOOK_SECRET_PREFIX "whsec_"
#define WEBHOOK_SECRET_LEN (sizeof WEBHOOK_SECRET_PREFIX - 1 + 64)
#define WEBHOOK_SIGNATURE_HEADER "X-Visible-Signature"
#define WEBHOOK_UNREACHABLE "the callback endpoint could not be reached or is not allowed"
#define WEBHOOK_TLS "the TLS handshake with the callback endpoint failed or its certificate was not accepted"

/* A fresh secret: "whsec_" + 64 hex digits. */
void webhook_new_secret(char out[WEBHOOK_SECRET_LEN + 1]);
/* A client's PUT of its callback settings ({callback_url, rotate_secret}),
 * the same in every family: checks the body and the URL (private addresses
 * only if allow_private), then *url points into b; secret holds the one
 * stored now ("" if none) and comes out as the one to store — a fresh one
 * when asked for (*rotate) or when none was set. */
int webhook_settings_in(json_t *b, bool allow_private, const char **url, char secret[WEBHOOK_SECRET_LEN + 1],
                        bool *rotate, vis_err *err);
/* Hex HMAC-SHA256 of "<t_ms>.<body>" keyed with secret. */
void webhook_sign(const char *secret, int64_t t_ms, const char *body, size_t len, char out[65]);
/* Delay before the next attempt after `attempts` failed ones. */
int64_t webhook_backoff_ms(const vis_config *cfg, int64_t attempts);

typedef struct webhook_stats {
    int delivered, failed;
} webhook_stats;

/* Deliver what is due in every family's outbox (see above); counts added
 * to st, per family in the order moderation, dispatch (st[0], st[1]). */
enum { WEBHOOK_FAMILIES = 2 };
int webhook_deliver(const vis_config *cfg, store *db, int64_t now, int64_t end_ns, webhook_stats st[WEBHOOK_FAMILIES],
                    vis_err *err);

/* A client's callbacks (newest first, at most 200) from the family's log
 * statement (client id as $1), as a JSON array. */
int webhook_list(store *db, const char *sql_of_client, int64_t client, json_t **out, vis_err *err);

#endif
