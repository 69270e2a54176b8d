/*
 * config — every tunable of the platform, with its documented default.
 *
 * One table (config.c) lists each setting: its key, type, default, limits
 * and one line of documentation. Values come from, in increasing priority:
 * the defaults, a JSON config file (--config FILE; nested objects are keys
 * joined with dots, e.g. {"ratelimit":{"per_minute":600}}), then command
 * line flags (--set KEY=VALUE or the command's own flags). A key that is not
 * in the table, a value of the wrong type or out of range is refused with
 * the offending key named. `visible config` prints the table, so the
 * documentation cannot drift from the code. Families add their settings to
 * the same table as they arrive.
 */
#ifndef VIS_CORE_CONFIG_H
#define VIS_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

typedef struct vis_config {
    char    listen[128];        /* ADDR:PORT */
    char    db[1024];           /* SQLite path (or postgres:// URL later) */
    int64_t threads;            /* HTTP worker threads */
    int64_t body_limit;         /* bytes */
    int64_t bulk_limit;         /* bytes, for bulk uploads (tasks) */
    char    currency[8];        /* ISO 4217 */
    int64_t min_hourly_micros;  /* platform minimum hourly pay */
    bool    disp_auto;          /* dispatch: run epochs on the dispatcher thread */
    int64_t disp_epoch_ms;      /* dispatch: decision period */
    int64_t disp_offer_ttl_ms;  /* dispatch: how long an offer stands */
    int64_t disp_ref_lat_e6, disp_ref_lon_e6; /* dispatch: the city's reference point */
    int64_t disp_speed_m_per_min; /* dispatch: courier speed for planning */
    int64_t disp_speed_walking, disp_speed_e_bike, disp_speed_scooter, disp_speed_car; /* dispatch: vehicle speeds, m/min */
    int64_t disp_walking_max_trip_m; /* dispatch: longest trip offered on foot (0 = none) */
    bool    disp_slots;          /* dispatch: booked slots gate the guarantee */
    int64_t disp_slot_cancel_cutoff_min; /* dispatch: later cancellations are recorded as late */
    int64_t disp_service_s;     /* dispatch: pickup and drop-off service time */
    int64_t disp_max_km;        /* dispatch: farthest drop-off from the pickup */
    int64_t disp_arrive_radius_m; /* dispatch: a position this close to the pickup is an arrival */
    int64_t disp_ready_wait_max_s; /* dispatch: bound on the wait of a ready order for a bundle */
    int64_t disp_location_check_m; /* dispatch: pickup/delivery farther than this from the place needs a reason (0 = off) */
    int64_t disp_max_speed_m_per_min; /* dispatch: fastest plausible ride, for the delivery's minimum time after pickup */
    int64_t disp_unassigned_alert_s; /* dispatch: unassigned this long (once offerable) raises "no courier found" */
    int64_t disp_late_grace_s;  /* dispatch: a job is late when not delivered by ready + quoted time + this */
    int64_t disp_schedule_max_s; /* dispatch: farthest ready time of a scheduled order */
    int64_t disp_schedule_lead_s; /* dispatch: a job is offered no earlier than its ready time minus this */
    int64_t disp_contact_retention_s; /* dispatch: drop-off name and phone kept this long after the job ended */
    int64_t rate_per_minute;    /* per-token requests per minute, 0 = off */
    int64_t rate_burst;         /* bucket size */
    int64_t token_ttl_days;     /* login/signup token lifetime */
    char    web_root[1024];     /* static files */
    int64_t idem_ttl_hours;     /* Idempotency-Key lifetime */
    char    web_vendor_root[512]; /* where Debian installs browser libraries */
    char    web_tile_url[512];  /* map tiles URL template ("" = points on a plain background) */
    char    web_media_origins[512]; /* https origins of content media shown to moderators */
    char    web_tile_attribution[256]; /* credit shown under maps */
    bool    web_cookie_secure;  /* session cookies carry Secure (always behind TLS) */
    char    admin_token_file[1024]; /* "" = admin.token next to the database */
    bool    log_requests;       /* one JSON line per request on stderr */
    bool    test_clock;         /* expose POST /v1/admin/clock (tests only) */
    bool    demo;               /* seed demo data at start */
    char    durability[8];      /* "normal" or "full" (store.durability) */
    bool    sync_full;          /* durability is "full": SQLite synchronous=FULL */
    int64_t busy_timeout_ms;    /* SQLite busy timeout */
    int64_t platform_fee_ppm;   /* platform fee, parts per million of cost */
    int64_t mw_reject_cap_ppm;  /* micro-work: max share of a worker's answers a client may reject */
    int64_t mw_sweep_ms;        /* micro-work: lease expiry / auto-approval sweep period */
    int64_t mw_max_reward_micros;   /* micro-work: largest reward per answer a batch may offer */
    int64_t mw_max_tasks_per_batch; /* micro-work: most tasks (control tasks included) in one batch */
    int64_t mod_hourly_micros;  /* moderation: pay per hour of review (never below the minimum) */
    int64_t mod_lease_ms;       /* moderation: review lease */
    int64_t mod_onboarding_items; /* moderation: a new moderator's first claimed items, never graphic */
    int64_t mod_max_leases;     /* moderation: items one moderator may hold at once (bulk decisions) */
    int64_t mod_exposure_budget_ms; /* moderation: daily review time on graphic items */
    int64_t mod_continuous_limit_ms; /* moderation: continuous review before a mandatory break */
    int64_t mod_break_ms;       /* moderation: length of the mandatory break */
    int64_t mod_appeal_window_days; /* moderation: appeals accepted for this long */
    int64_t mod_audit_ppm;      /* moderation: share of automated decisions audited by humans */
    char    mod_thresholds[512]; /* moderation: classifier thresholds per label */
    char    mod_auto_actions[512]; /* moderation: labels the classifier may decide alone, with the action */
    int64_t mod_min_examples;   /* moderation: decisions learned before the classifier hints or acts */
    int64_t mod_classifier_bits; /* moderation: 2^bits hashed features */
    int64_t mod_sweep_ms;       /* moderation: housekeeping period (leases, learning, callbacks) */
    int64_t mod_model_save_ms;  /* moderation: how often a changed model is saved */
    int64_t mod_callback_timeout_ms; /* moderation: callback HTTP timeout */
    int64_t mod_callback_backoff_ms; /* moderation: first retry delay (doubles) */
    int64_t mod_callback_backoff_max_ms; /* moderation: longest retry delay */
    char    mod_callback_ca_file[1024]; /* moderation: PEM CA file for https callbacks ("" = system) */
    bool    mod_callback_private;       /* moderation: callbacks may reach loopback/private addresses */
    char    mod_tdb_url[512];           /* moderation: DSA Transparency Database endpoint ("" = off) */
    char    mod_tdb_token[256];         /* moderation: its API token */
    char    mod_tdb_scope[160];         /* moderation: territorial_scope, comma-separated country codes */
    int64_t mod_unfounded_min;  /* moderation: unfounded notices before a notifier may be deprioritised */
    int64_t mod_unfounded_ppm;  /* moderation: share of unfounded notices that deprioritises */
    int64_t pwhash_ops;         /* argon2id opslimit */
    int64_t pwhash_mem_kib;     /* argon2id memlimit, KiB */
    int64_t pwhash_concurrency; /* password hashes at once */
    int64_t login_fail_account, login_fail_address, login_fail_window_s; /* failed sign-in throttles */
    int64_t visib_k;            /* visibility: smallest group the observatory publishes */
    int64_t visib_review_days;  /* visibility: days an admin has to answer a review request */
    char    visib_contract[128]; /* visibility: contractual status of workers (declaration) */
} vis_config;

void config_defaults(vis_config *c);
/* Set one key from its textual value (flags). */
int  config_set(vis_config *c, const char *key, const char *value, vis_err *err);
/* Apply a "KEY=VALUE" string. */
int  config_set_kv(vis_config *c, const char *kv, vis_err *err);
/* Load a JSON config file over the current values. */
int  config_load_file(vis_config *c, const char *path, vis_err *err);
/* Print every key with its type, default and documentation. */
void config_print_doc(FILE *f);
/* Print the current values as one JSON object (for the register, logs). */
char *config_to_json(const vis_config *c);

#endif
