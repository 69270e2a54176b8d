/* mod_int — internals shared by the moderation service files. */
#ifndef VIS_MODERATION_MOD_INT_H
#define VIS_MODERATION_MOD_INT_H

#include <stdio.h>

#include "base/mem.h"
#include "moderation/mod.h"

#define MOD_DAY_MS 86400000LL
#define MOD_FAMILY "moderation" /* in the journal: svc_journal(c, &(svc_event){.family = MOD_FAMILY, ...}) */
#define MOD_NCATS 14
#define MOD_LABEL_KEEP "keep"
/* room for any category name: the longest,
 * STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS, is 67 bytes */
#define MOD_CAT_MAX 80

/* ---- DSA vocabulary (mod_dsa.c) ---- */

/* The canonical STATEMENT_CATEGORY_* name of a category given in full or in
 * lower case without the prefix ("scams_and_fraud"), or NULL. */
const char *mod_category_norm(const char *in);
const char *mod_category_name(int i); /* i < MOD_NCATS */
int  mod_category_severity(const char *cat); /* 1..5, 1 for unknown */
bool mod_category_graphic(const char *cat);
bool mod_category_child_safety(const char *cat);
/* keep, remove, disable, restrict, age_restrict, restrict_interaction, label, suspend, terminate */
bool mod_action_valid(const char *a);
bool mod_action_restricts(const char *a); /* every action but keep */

/* A clause of the platform's terms (the admin's catalogue, mod_clauses.c). */
typedef struct mod_clause {
    int64_t id;
    bool    active;
    char    code[65], title[201], text[4001];
} mod_clause;

/* The clause a decision names: its id (integer) or its code (string);
 * refused (naming field) unless it exists and is active. */
int mod_clause_resolve(mod_ctx *c, json_t *v, const char *field, mod_clause *out, vis_err *err);

typedef struct mod_sor_in {
    int64_t     decision_id;
    const char *action, *category, *ground; /* ground: "illegal" | "terms" | "" (keep) */
    const char *legal_ground, *explanation, *facts;
    const char *text, *media_kind, *language;
    int64_t     content_date_ms, application_ms;
    int         notices, trusted_notices;
    const char *source_identity;   /* trusted flagger's name or "" */
    bool        detection_automated;
    const char *automated;         /* "fully" | "partially" | "not" */
    const mod_clause *clause;      /* the terms clause relied on, or NULL */
} mod_sor_in;

/* The statement of reasons in the Transparency Database's schema. */
json_t *mod_statement(const mod_sor_in *in);
/* UTC date "YYYY-MM-DD" of ms into buf (>= 16 bytes). */
void mod_date(int64_t ms, char *buf);

/* ---- common (mod_common.c) ---- */

/* An item's kind and state: text in the store, enums here (parsed when the
 * row is read, named back for JSON and the journal). */
typedef enum mod_ikind { MOD_REVIEW, MOD_AUDIT, MOD_APPEAL } mod_ikind;
typedef enum mod_istate { MOD_OPEN, MOD_LEASED, MOD_DONE } mod_istate;
const char *mod_ikind_name(mod_ikind k);   /* "review", "audit", "appeal" */
const char *mod_istate_name(mod_istate s); /* "open", "leased", "done" */

typedef struct mod_item {
    int64_t    id, client_id, content_id, queue_id, severity, notices, trusted, deprioritised, graphic, child_safety;
    mod_ikind  kind;
    mod_istate state;
    char    category[MOD_CAT_MAX], language[16], hint_label[MOD_CAT_MAX], hint_version[40];
    int64_t hint_ppm, auto_flagged, excluded_worker, ref_decision, appeal_id, queued_ms;
    int64_t lease_worker, lease_start_ms, lease_until_ms, lease_escrow, unblurred, escalations, created_ms;
} mod_item;

typedef struct mod_content {
    int64_t id, client_id, severity, content_date_ms, created_ms;
    char   *client_ref, *text, *media_url, *media_kind, *author_ref, *language, *category_hint;
} mod_content;

/* Load content; owned=true checks the caller is its client (or an admin). */
int  mod_content_load(mod_ctx *c, int64_t id, bool owned, mod_content *ct, vis_err *err);
void mod_content_free(mod_content *ct);

int  mod_item_load(mod_ctx *c, int64_t id, mod_item *it, vis_err *err);
/* Load an item the caller holds a live lease on. */
int  mod_item_leased(mod_ctx *c, int64_t id, mod_item *it, vis_err *err);
bool mod_is_admin(const mod_ctx *c);
/* The lower-case primary subtag of a language tag ("en-GB" -> "en") into
 * out (>= 16 bytes): what items, routing rules and moderators' languages
 * are matched on. */
void mod_lang_primary(const char *tag, char *out);
/* Is s a BCP 47 language tag as accepted here: a primary subtag of 2 or 3
 * letters (ISO 639), then subtags of 1 to 8 letters or digits, joined by
 * '-' ("en", "en-GB", "zh-Hant-TW"; not "english")? */
bool mod_lang_tag_ok(const char *s);

typedef struct mod_moderator {
    int64_t child_safety, senior, streak_start, last_end, paid_until;
    int64_t onboarded_ms; /* 0: onboarding not completed (claims refused) */
    int64_t gentle_left;  /* claimed items still to come before graphic ones */
} mod_moderator;
/* The moderator's row (created on first use). */
int mod_moderator_get(mod_ctx *c, int64_t worker, mod_moderator *m, vis_err *err);

/* Queue a callback to the client platform (body stolen; mod_callbacks.c). */
int mod_callback_queue(mod_ctx *c, int64_t client, const char *event, json_t *body, vis_err *err);
/* Which queue takes an item (rules, else "general"); flags from queue and category. */
int mod_route(mod_ctx *c, int64_t client, const char *category, const char *language, int64_t severity,
              int64_t *queue, int64_t *graphic, int64_t *child_safety, vis_err *err);
int mod_queue_flags(mod_ctx *c, int64_t queue, int64_t *graphic, int64_t *child_safety, int64_t *senior,
                    vis_err *err);
/* Hourly rate actually paid: the configured one, never below the minimum. */
int64_t mod_rate(const mod_ctx *c);
/* Cost of ms of review (rate, rounded up) and the platform fee on it. */
void mod_cost(const mod_ctx *c, int64_t ms, int64_t *pay, int64_t *fee);
/* End a lease: pay and journal the active span [lease start, end_ms]
 * (event names what ended it), record exposure, update the streak. */
int mod_lease_end(mod_ctx *c, mod_item *it, int64_t end_ms, const char *event, json_t *payload, vis_err *err);

/* What an item is opened on; filled with designated initializers, so what
 * is left out is zero: no notices, no excluded moderator, no decision or
 * appeal referred to, no hint. */
typedef struct mod_hint mod_hint;
typedef struct mod_item_in {
    const mod_content *content;
    const char        *kind;          /* "review" | "audit" | "appeal" */
    const char        *category;      /* "" when unknown */
    int64_t            notices, trusted, deprioritised;
    int64_t            excluded_worker; /* > 0: never leased to this moderator (the decider, on appeal) */
    int64_t            ref_decision;  /* > 0: the decision audited or appealed */
    int64_t            appeal;        /* > 0: the appeal reviewed */
    const mod_hint    *hint;          /* the classifier's, or NULL */
} mod_item_in;
/* Open a review item on content: severity from the content and category,
 * queue from the routing rules, the classifier's hint if it is ready. */
int mod_item_open(mod_ctx *c, const mod_item_in *in, int64_t *id_out, vis_err *err);

/* ---- decisions (mod_decide.c) ---- */

typedef struct mod_decision_in {
    const char *action, *category, *ground, *legal_ground, *explanation, *facts;
    const char *automated;       /* fully | partially | not */
    bool        detection_automated;
    int64_t     moderator;       /* -1: the classifier */
    int64_t     score_ppm, threshold_ppm;
    const char *model_version;
    int64_t     supersedes;      /* -1: none */
    mod_clause  clause;          /* clause.id > 0: the terms clause relied on */
} mod_decision_in;

/* Record a decision on content: statement of reasons, notices answered,
 * notifiers' records, callback. *id_out = the decision. */
int mod_decision_make(mod_ctx *c, int64_t content, int64_t item, int64_t received_ms, const mod_decision_in *d,
                      const char *callback_event, json_t *callback_extra, int64_t *id_out, vis_err *err);
json_t *mod_decision_json(mod_ctx *c, int64_t id, vis_err *err);

/* The classifier decides alone: decision, journal (automated), audit sample. */
int mod_auto_decide(mod_ctx *c, const mod_content *ct, const mod_hint *h, int64_t *decision, vis_err *err);

/* ---- classifier (mod_clf.c) ---- */

struct mod_hint {
    bool    ready;              /* the model has learned enough to be shown */
    char    label[MOD_CAT_MAX];  /* "keep" or a category */
    double  score;              /* its probability */
    double  threshold;          /* the threshold for that label */
    bool    automatic;          /* confident and allowed: decide alone */
    char    action[24];         /* the action allowed for an automatic decision */
    char    version[40];
};

void mod_clf_hint(mod_svc *s, const char *text, mod_hint *h);
int  mod_clf_info(mod_svc *s, json_t *o, vis_err *err);
/* Learn from the training records past the model's; 0 or an error. */
int  mod_clf_learn(mod_svc *s, store *db, int *learned, vis_err *err);
int  mod_clf_save(mod_svc *s, store *db, int64_t now_ms, bool force, bool *saved, vis_err *err);
int  mod_clf_replace(mod_svc *s, store *db, const void *data, size_t len, int64_t now_ms, json_t **out,
                     vis_err *err);
int64_t mod_svc_audit_ppm(const mod_svc *s);
/* Serialises the periodic jobs (ticker and the test endpoint). */
void mod_svc_jobs_lock(mod_svc *s);
void mod_svc_jobs_unlock(mod_svc *s);

/* ---- callbacks (mod_callbacks.c) ---- */

/* Deliver the due callbacks (outside any transaction), each outcome stored;
 * no request starts after end_ns (clock_mono_ns). */
int mod_callbacks_deliver(const vis_config *cfg, store *db, int64_t now, int64_t end_ns, mod_tick_stats *st,
                          vis_err *err);
/* Queue a restrictive decision's statement for the DSA Transparency
 * Database (mod_tdb.c), in the decision's transaction. */
int mod_tdb_queue(mod_ctx *c, int64_t decision, vis_err *err);
/* Submit the due statements when the database's API is configured; no
 * request starts after end_ns. */
int mod_tdb_deliver(const vis_config *cfg, store *db, int64_t now, int64_t end_ns, mod_tick_stats *st, vis_err *err);
/* The delay before the next attempt after `attempts` failed ones: the
 * configured first delay doubled per failure, capped (callbacks and the
 * Transparency Database alike). */
int64_t mod_backoff_ms(const vis_config *cfg, int64_t attempts);
/* out = hex HMAC-SHA256 keyed with secret over "<t_ms>.<body>". */
void mod_callback_sign(const char *secret, int64_t t_ms, const char *body, size_t len, char out[65]);

#endif
