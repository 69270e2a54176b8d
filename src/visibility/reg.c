#include "visibility/reg.h"

#include "base/mem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MAXKEYS 12

/* A parameter set per batch by the client: the platform's default and
 * limits (micro-work's batch fields, mw_batch.c). */
typedef struct sysreg_param {
    const char *name, *unit, *meaning;
    double      dflt, lo, hi;
} sysreg_param;

#define MAXPARAMS 4

typedef struct sysreg_system {
    const char *id, *name, *family;
    const char *decides;
    const char *events;                /* journal events recording its decisions */
    const char *keys[MAXKEYS];         /* config keys, or prefixes ending in '.' */
    const char *per_case;              /* parameters set per case (batch, rule set) */
    const char *uses, *does_not_use;
    const char *oversight;
    const char *notes;
    sysreg_param   per_batch[MAXPARAMS];  /* parameters set per batch, with defaults and limits */
} sysreg_system;

static const sysreg_system systems[] = {
    {"microwork.quality_control", "Quality control on control tasks", "microwork",
     "blocks a worker from one batch when their smoothed accuracy on the batch's hidden control tasks, "
     "(correct + 1) / (control answers + 2), is below the batch's minimum after at least its minimum number of "
     "control answers",
     "blocked (automated)",
     {NULL},
     "min_skill, min_control_answers and control_ratio, set by the client per batch and shown to workers",
     "the worker's answers to the control tasks of that batch, and nothing else",
     "answers on other batches, speed, time of day, location, ratings, messages, any personal characteristic",
     "the worker sees the rule and figures (GET /v1/me/decisions) and may ask for human review; an admin answers "
     "with written reasons; overturning lifts the block and restarts the control-task record",
     NULL,
     {{"min_skill", "share", "smoothed accuracy on control tasks below which the worker is blocked (0 = never)", 0, 0,
       1},
      {"min_control_answers", "answers", "control answers needed before the rule may block", 3, 1, 1000},
      {"control_ratio", "share", "share of the tasks handed out that are hidden control tasks", 0, 0, 0.5}}},
    {"microwork.auto_approval", "Automatic approval", "microwork",
     "approves and pays an answer the client has not reviewed within the batch's auto-approval delay",
     "approved (automated)",
     {"microwork.sweep_ms"},
     "auto_approve delay, set by the client per batch",
     "the time the answer was submitted", "the answer's content, the worker's history",
     "clients may still review before the delay; the decision only ever pays", NULL,
     {{"auto_approve_seconds", "seconds", "delay after submission before an unreviewed answer is approved and paid",
       3 * 86400, 0, 30 * 86400}}},
    {"microwork.lease_expiry", "Lease expiry", "microwork",
     "gives a claimed task back to the pool when its lease runs out; the time spent is recorded as unpaid",
     "lease_expired (automated)",
     {"microwork.sweep_ms"},
     "lease length, set by the client per batch and shown before claiming",
     "the claim time and the lease length", "anything about the worker",
     "the worker may ask for human review; an overturned expiry pays the recorded time at the platform minimum",
     NULL,
     {{"lease_seconds", "seconds", "time allowed to answer a claimed task before it goes back to the pool", 600, 10,
       86400}}},
    {"microwork.fair_pay", "Fair-pay top-up", "microwork",
     "at each approval, tops each worker's pay on a batch up to the platform minimum per hour over that worker's "
     "own counted active time on it (claim to submit of their approved answers); one answer counts at most "
     "min(lease, 3 x max(the batch's median answer time, the client's declared time)), and the time left out is "
     "shown to the worker; the client's funds pay what escrow no longer holds",
     "fair_pay_topup (automated)",
     {"pay.min_hourly_micros"},
     "the batch's reward, lease and declared time per answer, set by the client",
     "the worker's own approved answer times on the batch, the batch's median answer time",
     "anything else about the worker",
     "only ever raises pay; each top-up is a decision the worker sees with its figures (counted and uncounted "
     "time, the cap, the minimum due) and may ask a human to review",
     NULL, {{NULL, NULL, NULL, 0, 0, 0}}},
    {"microwork.dynamic_overlap", "Dynamic overlap", "microwork",
     "stops collecting answers for a task once the answers already given agree with the batch's target "
     "confidence; answers already given are unaffected and paid",
     "task_closed_early (automated)",
     {NULL},
     "confidence target, set by the client per batch",
     "the task's answers and each answering worker's control-task accuracy on the batch",
     "anything outside the batch", "no worker loses pay or access through it", NULL,
     {{"confidence_target", "share", "confidence of the leading answer at which a task stops collecting answers "
       "(0 = always collect the full overlap; otherwise above 0.5)", 0, 0, 1}}},
    {"microwork.rejection_cap", "Rejection cap", "microwork",
     "refuses a client's rejection beyond a share of one worker's answers on a batch; an admin must review "
     "those rejections",
     "(a refused request; nothing is recorded against the worker)",
     {"microwork.reject_cap_ppm"},
     NULL,
     "the count of the worker's answers and rejections on the batch", "anything else",
     "protects workers; admins review what it stops", NULL, {{NULL, NULL, NULL, 0, 0, 0}}},
    {"dispatch.dispatcher", "Delivery dispatcher", "dispatch",
     "every epoch, chooses which open delivery jobs are offered to which online courier (an offer the courier "
     "may accept or decline), with the expected distance, time and pay shown before acceptance",
     "dispatch_decision and offered (automated)",
     {"dispatch."},
     "the pricing rule set (GET /v1/admin/dispatch/rules): tariffs, zones, time-of-day factors, guarantee; the "
     "hourly guarantee counts only online time inside a service area (GET /v1/admin/dispatch/areas: each position "
     "counts the time until the next one or going offline when it lies inside an area; all online time when no "
     "area is defined) and, when booked slots are on (dispatch.slots), only the part of it inside a booked slot "
     "of that area (booking is never required and not booking or cancelling has no consequence; a cancellation "
     "after dispatch.slot_cancel_cutoff_min is only recorded as late); only couriers approved by the platform can "
     "go online; each courier's vehicle (dispatch.speed_*_m_per_min; bicycle = dispatch.speed_m_per_min) sets the "
     "speed used to plan their offers, hence the expected time and pay shown",
     "positions of couriers while online (never while offline), their current jobs, their vehicle, job places and "
     "ready times",
     "declines: declining an offer has no consequence — the dispatcher keeps no memory of it and scores the "
     "courier exactly as before (only that job is not offered to them again); acceptance rates, ratings, "
     "positions outside shifts, any personal characteristic",
     "admins watch the live board and may reassign any job (journalled as a human decision); couriers may ask "
     "for human review of any dispatch decision",
     NULL, {{NULL, NULL, NULL, 0, 0, 0}}},
    {"moderation.classifier", "Content classifier", "moderation",
     "scores content; decides alone only for the labels listed in moderation.auto_actions at or above the "
     "confidence thresholds; otherwise it only orders and hints the human review queue. A share of its automatic "
     "decisions is re-reviewed by humans",
     "auto_decided and audit_sampled (automated)",
     {"moderation.thresholds", "moderation.auto_actions", "moderation.audit_ppm", "moderation.min_examples",
      "moderation.classifier_bits"},
     NULL,
     "the content's text and the human decisions it learned from",
     "anything about moderators: who decided, how fast, their history",
     "authors may appeal; moderators may ask for human review of decisions about their own work", NULL, {{NULL, NULL, NULL, 0, 0, 0}}},
    {"moderation.exposure_limits", "Exposure and break limits", "moderation",
     "refuses further graphic items to a moderator past the daily exposure budget and requires a break after "
     "continuous review",
     "exposure, break_required",
     {"moderation.exposure_budget_ms", "moderation.continuous_limit_ms", "moderation.break_ms"},
     NULL,
     "the moderator's review time today", "the content of their decisions, their accuracy",
     "protective; moderators may ask for human review", NULL, {{NULL, NULL, NULL, 0, 0, 0}}},
    {"platform.rate_limits", "Rate limits", "core",
     "refuses requests beyond a per-token rate (HTTP 429 with Retry-After)",
     "(none: a refused request is not recorded against anyone)",
     {"ratelimit."},
     NULL,
     "the count of recent requests of the token", "who the caller is, what they ask",
     "the same limit applies to every token; it changes nothing about a worker's standing", NULL, {{NULL, NULL, NULL, 0, 0, 0}}},
};
#define NSYS (sizeof systems / sizeof systems[0])

static bool key_matches(const char *pat, const char *key)
{
    size_t n = strlen(pat);
    return pat[n - 1] == '.' ? !strncmp(pat, key, n) : !strcmp(pat, key);
}

json_t *sysreg_json(const vis_config *cfg, int64_t now_ms)
{
    char *text = config_to_json(cfg);
    json_t *conf = json_loads(text, 0, NULL); /* our own JSON (mem_* allocation: never NULL) */
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text), NULL, 0);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    free(text);
    char oversight[256];
    snprintf(oversight, sizeof oversight,
             "POST /v1/me/decisions/{id}/review with a message; an admin must answer with written reasons within %lld "
             "days (visibility.review_days); overturned decisions are undone",
             (long long)cfg->visib_review_days);
    json_t *arr = json_array();
    for (size_t i = 0; i < NSYS; i++) {
        const sysreg_system *s = &systems[i];
        json_t *params = json_object();
        bool any_key = false, active = true;
        for (int k = 0; k < MAXKEYS && s->keys[k]; k++) {
            any_key = true;
            const char *key;
            json_t *v;
            bool found = false;
            json_object_foreach(conf, key, v) {
                if (key_matches(s->keys[k], key)) {
                    json_object_set(params, key, v);
                    found = true;
                }
            }
            if (!found) active = false;
        }
        if (!any_key) active = true; /* micro-work systems with only per-batch parameters */
        for (int k = 0; k < MAXPARAMS && s->per_batch[k].name; k++) {
            const sysreg_param *rp = &s->per_batch[k];
            json_object_set_new(params, rp->name,
                                JSON_PACK("{s:s, s:s, s:s, s:f, s:f, s:f}", "set", "per batch, by the client",
                                          "unit", rp->unit, "meaning", rp->meaning, "platform_default", rp->dflt,
                                          "min", rp->lo, "max", rp->hi));
        }
        const char *status = NULL;
        char st[400];
        if (!strcmp(s->id, "dispatch.dispatcher") && !cfg->disp_auto) {
            /* the settings exist, but the automatic epochs are off */
            active = false;
            snprintf(st, sizeof st,
                     "automatic dispatch epochs are off (dispatch.auto = false): the dispatcher makes no offers on "
                     "its own; jobs reach couriers only when an admin assigns them by hand (POST "
                     "/v1/admin/dispatch/jobs/{id}/reassign, a journalled human decision)%s",
                     cfg->test_clock ? ", or when an admin runs one epoch (POST /v1/admin/dispatch/run-epoch, "
                                       "test servers only)"
                                     : "");
            status = st;
        } else if (!active) {
            status = "not running in this build: its settings are absent";
        }
        json_t *o = JSON_PACK("{s:s, s:s, s:s, s:b, s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "id", s->id, "name", s->name,
                              "family", s->family, "active", active, "decides", s->decides, "journal_events",
                              s->events, "parameters", params, "uses_worker_data", s->uses,
                              "does_not_use", s->does_not_use, "human_oversight", s->oversight, "how_to_contest",
                              oversight);
        if (s->per_case) json_object_set_new(o, "parameters_set_per_case", json_string(s->per_case));
        if (s->per_batch[0].name)
            json_object_set_new(o, "parameters_note",
                                json_string("the parameters marked 'per batch' are set by the client on each batch "
                                            "(within the limits shown; the default applies when the client sets "
                                            "none) and shown to workers with the batch; each decision journals "
                                            "the values it used"));
        json_object_set_new(o, "status", json_string(status ? status : "running"));
        json_array_append_new(arr, o);
    }
    json_t *out = JSON_PACK("{s:I, s:s, s:s, s:I, s:s, s:o}", "generated_ms", (json_int_t)now_ms, "generated_from",
                     "the running configuration (every parameter value below is the one in force)",
                     "config_fingerprint", hex, "review_days", (json_int_t)cfg->visib_review_days, "oversight",
                     "every automated decision about a worker is journalled with the system's name, the rule and "
                     "the figures it used, and shown to the worker in plain language",
                     "systems", arr);
    json_decref(conf);
    return out;
}
