/*
 * mod — the content moderation service (issue 6): client platforms send
 * content and user notices; human moderators review it in queues; a text
 * classifier (modc_model.h) decides alone only what it is sure of, says so,
 * and is audited.
 *
 * Intake. A client platform posts content (its own id, text, media
 * reference and kind, author, language, category hint) and DSA Art. 16
 * notices (content, reason category, explanation, trusted flagger or not,
 * reporter contact); each notice gets a receipt. A notifier whose notices
 * are repeatedly unfounded is deprioritised (Art. 23, journalled): its
 * notices still reach a moderator but no longer raise priority. Content with
 * an open review gathers its notices on that item.
 *
 * Routing and queues. The first routing rule (category, language, client,
 * minimum severity) that matches puts an item in its queue, else the
 * "general" queue. Priority = 1000·severity + 500·trusted notices +
 * 100·notices (at most 10) + minutes waited (− 5000 when every notice came
 * from deprioritised notifiers); it is computed at claim time, so age
 * keeps counting.
 *
 * Review. A moderator claims the next item (or several, for a bulk
 * decision) with a lease: claims run in one write transaction, so no item
 * is ever leased to two moderators. Skips, escalations (to a senior queue),
 * decisions and expired leases end the lease. Every lease end closes a span
 * of active time (journal, family "moderation") and pays the time from the
 * lease's escrow at moderation.hourly_micros (never below the platform
 * minimum): moderators are paid by the hour of review, never by item, and
 * no speed target exists. Overlapping leases are paid once (paid_until_ms).
 *
 * Money: claim moves the cost of a full lease (rate × lease + platform fee)
 * from the client's funds into an escrow "modlease:ITEM"; the lease end
 * pays the worker for the time actually spent (+ the fee share) and returns
 * the rest. A client without funds for a lease has its items wait.
 *
 * Wellbeing, enforced: graphic items come with blur/greyscale/mute flags
 * (one item unblurred at a time, journalled); a daily exposure budget for
 * graphic items (moderation.exposure_budget_ms); a mandatory break after
 * continuous review (moderation.continuous_limit_ms, then break_ms);
 * opt-outs by category; child-safety items only for moderators given that
 * role by an admin; exposure per category visible to the moderator.
 *
 * Decisions produce a statement of reasons in the DSA Transparency
 * Database's schema, sent to the client's callback URL through a queue in
 * the store (mod_jobs.c) that is retried with exponential backoff and never
 * dropped. Appeals (within moderation.appeal_window_days) are reviewed by
 * another human than the decider; reversals supersede the decision.
 *
 * Every function runs inside the caller's store transaction and journals
 * what it changes in it; functions answering a request build a jansson
 * object. The classifier service clf may be NULL (demo seeding): no
 * classifier hint then.
 */
#ifndef VIS_MODERATION_MOD_H
#define VIS_MODERATION_MOD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "core/account.h"
#include "core/config.h"
#include "core/decisions.h"
#include "core/svc.h"
#include "store/store.h"

typedef struct mod_svc mod_svc;

/* The service context (core/svc.h); the classifier service is passed to
 * the functions that use it. */
typedef svc_ctx mod_ctx;

/* The classifier service of a server: created on first use in *slot (an
 * atomic compare-and-swap, so concurrent first uses agree), its model
 * loaded from the store and brought up to date with the training records
 * learned since it was saved. */
int  mod_svc_get(mod_svc **slot, const vis_config *cfg, store *db, mod_svc **out, vis_err *err);
void mod_svc_free(mod_svc *s);

/* Client platforms */
/* callback_url (http:// or https://, '' = none) and rotate_secret; the
 * answer (also of _get) carries the secret that signs the callbacks */
int mod_client_settings(mod_ctx *c, json_t *body, json_t **out, vis_err *err);
int mod_client_settings_get(mod_ctx *c, json_t **out, vis_err *err);
int mod_content_submit(mod_ctx *c, mod_svc *clf, json_t *body, json_t **out, vis_err *err);
int mod_content_get(mod_ctx *c, int64_t id, json_t **out, vis_err *err);
int mod_notice_submit(mod_ctx *c, json_t *body, json_t **out, vis_err *err);
int mod_notice_get(mod_ctx *c, int64_t id, json_t **out, vis_err *err);
int mod_decision_get(mod_ctx *c, int64_t id, bool statement_only, json_t **out, vis_err *err);
int mod_appeal_submit(mod_ctx *c, int64_t decision, json_t *body, json_t **out, vis_err *err);
int mod_callbacks_list(mod_ctx *c, json_t **out, vis_err *err);
/* Admin: statements queued for the DSA Transparency Database (mod_tdb.c). */
int mod_tdb_list(mod_ctx *c, json_t **out, vis_err *err);

/* Moderators */
int mod_me(mod_ctx *c, json_t **out, vis_err *err);
int mod_me_set(mod_ctx *c, json_t *body, json_t **out, vis_err *err);
int mod_queues_list(mod_ctx *c, json_t **out, vis_err *err);
int mod_claim(mod_ctx *c, json_t *body, json_t **out, vis_err *err);
int mod_item_get(mod_ctx *c, int64_t id, json_t **out, vis_err *err);
int mod_item_unblur(mod_ctx *c, int64_t id, json_t **out, vis_err *err);
int mod_item_skip(mod_ctx *c, int64_t id, json_t **out, vis_err *err);
int mod_item_escalate(mod_ctx *c, int64_t id, json_t *body, json_t **out, vis_err *err);
int mod_item_decide(mod_ctx *c, int64_t id, json_t *body, json_t **out, vis_err *err);
int mod_bulk_decide(mod_ctx *c, json_t *body, json_t **out, vis_err *err);

/* Admin */
int mod_moderator_set(mod_ctx *c, int64_t worker, json_t *body, json_t **out, vis_err *err);
int mod_queue_create(mod_ctx *c, json_t *body, json_t **out, vis_err *err);
int mod_rule_create(mod_ctx *c, json_t *body, json_t **out, vis_err *err);
int mod_rules_list(mod_ctx *c, json_t **out, vis_err *err);
/* Replace the model by one trained offline (`visible moderation train`). */
int mod_model_upload(mod_ctx *c, mod_svc *clf, const void *data, size_t len, json_t **out, vis_err *err);
int mod_classifier_info(mod_ctx *c, mod_svc *clf, json_t **out, vis_err *err);
/* DSA Art. 15 figures for [from, to); client < 0: every client. */
int mod_transparency(mod_ctx *c, int64_t from, int64_t to, int64_t client, json_t **out, vis_err *err);

/* Onboarding (a wellbeing briefing read, languages declared, opt-outs
 * chosen, the exposure budget and breaks acknowledged): claims are refused
 * (409 onboarding_required) until it is done; then the first
 * moderation.onboarding_items claimed items are never graphic. */
int mod_onboarding(mod_ctx *c, json_t *body, json_t **out, vis_err *err);

/* The catalogue of terms clauses (mod_clauses.c): moderators and admins
 * read it; admins add and retire clauses (journalled). */
int mod_clauses_list(mod_ctx *c, json_t **out, vis_err *err);
int mod_clause_create(mod_ctx *c, json_t *body, json_t **out, vis_err *err);
int mod_clause_retire(mod_ctx *c, int64_t id, json_t **out, vis_err *err);
/* Demo: a few realistic clauses (once). */
int mod_clauses_seed(mod_ctx *c, vis_err *err);

/* Housekeeping */
/* End expired leases (caller's transaction). Returns how many, or -1. */
int mod_sweep(mod_ctx *c, vis_err *err);

typedef struct mod_tick_stats {
    int  expired, learned, delivered, failed;
    int  tdb_submitted, tdb_failed;
    bool saved;
} mod_tick_stats;

/* Every periodic job, each in its own transaction: lease expiry, learning
 * from new human decisions, saving the model (when due or force_save),
 * delivering due callbacks and submitting due statements to the DSA
 * Transparency Database (HTTP POSTs outside any transaction). */
int mod_housekeep(mod_svc **slot, const vis_config *cfg, store *db, int64_t now_ms, bool force_save,
                  mod_tick_stats *st, vis_err *err);

/* Demo: the client platform with this email gets a queue of content with
 * notices; the workers with these emails become moderators. */
int mod_demo_seed(store *db, const vis_config *cfg, const char *client_email, const char *const *moderators,
                  int64_t now_ms, vis_err *err);

/* Moderation's automated-decision kinds, with their plain-language texts
 * (core/decisions.h; ends with a NULL family). */
extern const decision_kind mod_decision_kinds[];

#endif
