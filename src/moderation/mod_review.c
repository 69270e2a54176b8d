/* mod_review — the moderator's side: profile and protections, queues,
 * claims with leases (refused during a mandatory break, graphic queues
 * refused once the day's exposure budget is spent), the item as delivered
 * (media blurred by default), unblur, skip, escalate; and the admin's
 * queues, routing rules and moderator roles. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/jv.h"
#include "base/clock.h"
#include "core/ledger.h"
#include "moderation/mod_int.h"
#include "store/sql_moderation.h"

static json_t *strings(mod_ctx *c, const char *sql, int64_t w, vis_err *err)
{
    store_stmt *q = store_query(c->db, sql, err, "i", w);
    if (!q) return NULL;
    json_t *a = json_array();
    int r;
    while ((r = store_row(q, err)) == 1) json_array_append_new(a, json_string(store_col_text(q, 0)));
    store_done(q);
    if (r < 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static int live_leases(mod_ctx *c, int64_t w, int64_t *ids, int max, int *n, vis_err *err)
{
    *n = 0;
    store_stmt *q = store_query(c->db, SQL_MOD_ITEMS_OF_WORKER, err, "i", w);
    if (!q) return err->code;
    int r;
    while ((r = store_row(q, err)) == 1)
        if (*n < max) ids[(*n)++] = store_col_i64(q, 0);
    store_done(q);
    return r < 0 ? err->code : 0;
}

/* ms of continuous review so far and, if a break is due, when it ends */
static void streak_state(const mod_ctx *c, const mod_moderator *m, bool active, int64_t *continuous, int64_t *until)
{
    *continuous = 0;
    *until = 0;
    if (m->streak_start <= 0) return;
    if (!active && c->now_ms - m->last_end >= c->cfg->mod_break_ms) return; /* rested */
    *continuous = (active ? c->now_ms : m->last_end) - m->streak_start;
    if (*continuous >= c->cfg->mod_continuous_limit_ms) *until = (active ? c->now_ms : m->last_end) + c->cfg->mod_break_ms;
}

static int64_t graphic_today(mod_ctx *c, int64_t w, vis_err *err)
{
    int64_t ms = 0;
    if (store_get_i64(c->db, SQL_MOD_WT_GRAPHIC_DAY, &ms, err, "ii", w, c->now_ms / MOD_DAY_MS) < 0) return -1;
    return ms;
}

static json_t *item_view(mod_ctx *c, const mod_item *it, vis_err *err)
{
    mod_content ct;
    if (mod_content_load(c, it->content_id, false, &ct, err)) return NULL;
    json_t *o = JSON_PACK("{s:I, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:b}", "id", (json_int_t)it->id,
                          "kind", mod_ikind_name(it->kind), "queue", (json_int_t)it->queue_id, "category", it->category, "language",
                          it->language, "severity", (json_int_t)it->severity, "notices", (json_int_t)it->notices,
                          "trusted_notices", (json_int_t)it->trusted, "lease_started_ms",
                          (json_int_t)it->lease_start_ms, "lease_until_ms", (json_int_t)it->lease_until_ms, "graphic",
                          (int)it->graphic, "child_safety", (int)it->child_safety);
    json_object_set_new(o, "content", JSON_PACK("{s:I, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)ct.id, "client_ref",
                                                ct.client_ref, "text", ct.text, "author_ref", ct.author_ref,
                                                "category_hint", ct.category_hint, "content_date_ms",
                                                (json_int_t)ct.content_date_ms));
    if (*ct.media_url) {
        /* the UI obeys these flags: graphic media arrive blurred and
         * greyscale, sound muted, until the moderator unblurs this one item */
        bool protect = it->graphic && !it->unblurred;
        json_object_set_new(o, "media", JSON_PACK("{s:s, s:s, s:b, s:b, s:b}", "url", ct.media_url, "kind",
                                                  ct.media_kind, "blur", protect, "greyscale", protect, "muted",
                                                  protect && strcmp(ct.media_kind, "image")));
    } else {
        json_object_set_new(o, "media", json_null());
    }
    json_object_set_new(o, "hint", it->hint_ppm >= 0 ? JSON_PACK("{s:s, s:f, s:s, s:s}", "label", it->hint_label,
                                                                  "score", it->hint_ppm / 1e6, "model_version",
                                                                  it->hint_version, "note",
                                                                  "the classifier's guess, not a decision")
                                                     : json_null());
    json_t *nots = json_array();
    store_stmt *q = store_query(c->db, SQL_MOD_NOTICES_OF_CONTENT, err, "i", ct.id);
    int r = -1;
    if (q) {
        /* notifiers' identities and contacts are not shown to moderators */
        while ((r = store_row(q, err)) == 1)
            json_array_append_new(nots, JSON_PACK("{s:I, s:s, s:s, s:b}", "id", (json_int_t)store_col_i64(q, 0),
                                                  "category", store_col_text(q, 1), "explanation",
                                                  store_col_text(q, 2), "trusted_flagger", (int)store_col_i64(q, 3)));
        store_done(q);
    }
    json_object_set_new(o, "notice_list", nots);
    mod_content_free(&ct);
    if (r < 0) {
        json_decref(o);
        return NULL;
    }
    if (it->ref_decision > 0) {
        json_t *d = mod_decision_json(c, it->ref_decision, err);
        if (!d) {
            json_decref(o);
            return NULL;
        }
        json_object_del(d, "appeal");
        json_object_set_new(o, it->kind == MOD_APPEAL ? "appealed_decision" : "audited_decision", d);
    }
    if (it->appeal_id > 0) {
        if (store_one(c->db, SQL_MOD_APPEAL_GET, &q, err, "i", it->appeal_id)) {
            json_decref(o);
            return NULL;
        }
        if (q) {
            json_object_set_new(o, "appeal", JSON_PACK("{s:I, s:s}", "id", (json_int_t)it->appeal_id, "explanation",
                                                       store_col_text(q, 3)));
            store_done(q);
        }
    }
    return o;
}

static const jv_field claim_fields[] = {
    {"queue", JV_ANY, false, 0, 0}, /* the queue's id or its name: checked below */
    {"count", JV_INT, false, 1, 100},
    {NULL, 0, 0, 0, 0},
};

/* The claim's "queue": its id (a positive integer) or its name; *id = -1
 * when absent (any queue open to the moderator). */
static int claim_queue(mod_ctx *c, json_t *b, int64_t *id, vis_err *err)
{
    *id = -1;
    json_t *v = b ? json_object_get(b, "queue") : NULL;
    if (!v || json_is_null(v)) return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 1) {
        *id = json_integer_value(v);
        return 0;
    }
    const char *name = json_string_value(v);
    if (!name || !*name || strlen(name) > 64)
        return vis_errf(err, VIS_EINVAL, "invalid_field", "queue",
                        "queue must be a queue's id (a positive integer) or its name (1 to 64 characters)");
    int r = store_get_i64(c->db, SQL_MOD_QUEUE_BY_NAME, id, err, "t", name);
    if (r < 0) return err->code;
    if (r == 0) return vis_errf(err, VIS_ENOTFOUND, "queue_not_found", "queue", "no queue named '%s'", name);
    return 0;
}

static int views(mod_ctx *c, const int64_t *ids, int n, json_t **out, vis_err *err)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        mod_item it;
        json_t *v = mod_item_load(c, ids[i], &it, err) ? NULL : item_view(c, &it, err);
        if (!v) {
            json_decref(arr);
            return err->code;
        }
        json_array_append_new(arr, v);
    }
    *out = JSON_PACK("{s:o, s:I}", "items", arr, "hourly_micros", (json_int_t)mod_rate(c));
    return 0;
}

/* The rules that refuse any claim: onboarding first, languages declared,
 * the number of leases held, the mandatory break. */
static int claim_allowed(mod_ctx *c, const mod_moderator *m, int nlive, int64_t count, vis_err *err)
{
    if (m->onboarded_ms <= 0)
        return vis_errf(err, VIS_ECONFLICT, "onboarding_required", NULL,
                        "complete your onboarding first (POST /v1/moderation/onboarding): a short wellbeing briefing, "
                        "your languages, the categories you opt out of, the exposure budget and breaks");
    int64_t nlang = 0;
    if (store_get_i64(c->db, SQL_MOD_LANG_COUNT, &nlang, err, "i", c->who->id) < 0) return err->code;
    if (nlang == 0)
        return vis_errf(err, VIS_ECONFLICT, "languages_required", "languages",
                        "declare the languages you review in (POST /v1/moderation/me) before claiming: you are never "
                        "given content you cannot read");
    if (nlive + count > c->cfg->mod_max_leases)
        return vis_errf(err, VIS_ECONFLICT, "too_many_leases", "count", "you hold %d items; at most %lld at once",
                        nlive, (long long)c->cfg->mod_max_leases);
    int64_t cont, until;
    streak_state(c, m, nlive > 0, &cont, &until);
    if (until > 0) {
        char at[32];
        clock_iso(until, at);
        return vis_errf(err, VIS_EFORBIDDEN, "break_required", NULL,
                        "mandatory break: you have reviewed for %lld min without a break; claims resume at %s "
                        "(in %lld min)",
                        (long long)(cont / 60000), at, (long long)((until - c->now_ms + 59999) / 60000));
    }
    return 0;
}

/* The rules of a queue asked for by name or id: senior, child-safety role,
 * no graphic queue for a new moderator's first items or once the day's
 * exposure budget is spent. */
static int queue_allowed(mod_ctx *c, const mod_moderator *m, int64_t queue, bool budget_ok, int64_t spent,
                         vis_err *err)
{
    int64_t g, cs, sen;
    if (mod_queue_flags(c, queue, &g, &cs, &sen, err)) return err->code;
    if (sen && !m->senior)
        return vis_errf(err, VIS_EFORBIDDEN, "senior_only", "queue", "queue %lld is for senior moderators",
                        (long long)queue);
    if (cs && !m->child_safety)
        return vis_errf(err, VIS_EFORBIDDEN, "child_safety_role_required", "queue",
                        "queue %lld is for moderators given the child-safety role by an admin", (long long)queue);
    if (g && m->gentle_left > 0)
        return vis_errf(err, VIS_EFORBIDDEN, "graphic_not_yet", "queue",
                        "a new moderator's first %lld items are never graphic: %lld more before graphic queues "
                        "open to you; other queues are open",
                        (long long)c->cfg->mod_onboarding_items, (long long)m->gentle_left);
    if (g && !budget_ok)
        return vis_errf(err, VIS_EFORBIDDEN, "exposure_budget_spent", "queue",
                        "your daily exposure budget for graphic queues is spent (%lld of %lld min today); "
                        "other queues remain open to you",
                        (long long)(spent / 60000), (long long)(c->cfg->mod_exposure_budget_ms / 60000));
    return 0;
}

/* Lease one candidate item (id, client): reserve a full lease's cost in an
 * escrow, lease, journal. *leased = false when the client cannot pay now
 * (its items wait). */
static int lease_item(mod_ctx *c, int64_t item, int64_t client, bool *leased, vis_err *err)
{
    int64_t pay, fee, funds, bal, escrow, w = c->who->id;
    char ref[48], subj[48];
    *leased = false;
    mod_cost(c, c->cfg->mod_lease_ms, &pay, &fee);
    snprintf(ref, sizeof ref, "modlease:%lld", (long long)item);
    snprintf(subj, sizeof subj, "item:%lld", (long long)item);
    if (ledger_account(c->db, "client_funds", client, "", c->cfg->currency, &funds, err) ||
        ledger_balance(c->db, funds, &bal, err))
        return err->code;
    if (bal < pay + fee) return 0;
    if (ledger_account(c->db, "escrow", client, ref, c->cfg->currency, &escrow, err)) return err->code;
    ledger_leg legs[2] = {{funds, -(pay + fee)}, {escrow, pay + fee}};
    ledger_tx_in tx = {.kind = "escrow", .memo = "review lease reserved", .family = "moderation", .subject = subj,
                       .actor_id = w, .now_ms = c->now_ms};
    if (ledger_post(c->db, &tx, legs, 2, NULL, NULL, err) ||
        store_exec(c->db, SQL_MOD_ITEM_LEASE, err, "iiiii", item, w, c->now_ms, c->now_ms + c->cfg->mod_lease_ms,
                   escrow))
        return err->code;
    if (store_changes(c->db) != 1)
        return vis_errf(err, VIS_ECONFLICT, "claim_conflict", NULL, "item %lld was taken", (long long)item);
    if (svc_journal(c,
                    &(svc_event){.family = MOD_FAMILY,
                                 .event = "claimed",
                                 .worker = w,
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:I, s:I, s:I}", "item", (json_int_t)item, "lease_until_ms",
                                                      (json_int_t)(c->now_ms + c->cfg->mod_lease_ms), "escrow_micros",
                                                      (json_int_t)(pay + fee))},
                    err) ||
        store_exec(c->db, SQL_MOD_MOD_GENTLE_DEC, err, "i", w))
        return err->code;
    *leased = true;
    return 0;
}

int mod_claim(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    if (b && jv_check(b, claim_fields, err)) return err->code;
    int64_t queue;
    if (claim_queue(c, b, &queue, err)) return err->code;
    if (mod_sweep(c, err) < 0) return err->code;
    int64_t w = c->who->id;
    mod_moderator m;
    if (mod_moderator_get(c, w, &m, err)) return err->code;
    int64_t live[100];
    int nlive = 0;
    if (live_leases(c, w, live, 100, &nlive, err)) return err->code;
    int64_t count = b ? jv_int(b, "count", 0) : 0;
    if (m.onboarded_ms > 0 && count == 0 && nlive > 0)
        return views(c, live, nlive, out, err); /* a repeated claim returns the lease */
    if (count == 0) count = 1;
    if (claim_allowed(c, &m, nlive, count, err)) return err->code;
    int64_t spent = graphic_today(c, w, err);
    if (spent < 0) return err->code;
    bool budget_ok = spent < c->cfg->mod_exposure_budget_ms;
    /* never graphic content first: a new moderator's first items are not */
    bool graphic_ok = budget_ok && m.gentle_left <= 0;
    if (queue > 0 && queue_allowed(c, &m, queue, budget_ok, spent, err)) return err->code;
    store_stmt *q = store_query(c->db, SQL_MOD_ITEM_CANDIDATES, err, "iiiiii", c->now_ms, w, queue, m.senior,
                                m.child_safety, (int64_t)graphic_ok);
    if (!q) return err->code;
    int64_t cand[50][2];
    int nc = 0, r;
    while ((r = store_row(q, err)) == 1 && nc < 50) {
        cand[nc][0] = store_col_i64(q, 0);
        cand[nc][1] = store_col_i64(q, 1);
        nc++;
    }
    store_done(q);
    if (r < 0) return err->code;
    int64_t got[100];
    int ngot = 0;
    for (int i = 0; i < nc && ngot < count; i++) {
        bool leased;
        if (lease_item(c, cand[i][0], cand[i][1], &leased, err)) return err->code;
        if (leased) got[ngot++] = cand[i][0];
    }
    if (ngot == 0)
        return vis_errf(err, VIS_ECONFLICT, "no_item", NULL, "no item is waiting for you%s",
                        !budget_ok           ? " (graphic queues are closed to you for today: exposure budget spent)"
                        : m.gentle_left > 0 ? " (graphic items come after your first items as a new moderator)"
                                            : "");
    if (nlive == 0 && (m.last_end == 0 || c->now_ms - m.last_end >= c->cfg->mod_break_ms || m.streak_start <= 0))
        if (store_exec(c->db, SQL_MOD_MOD_STREAK, err, "iii", w, c->now_ms, m.last_end)) return err->code;
    return views(c, got, ngot, out, err);
}

int mod_item_get(mod_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mod_item it;
    if (mod_item_leased(c, id, &it, err)) return err->code;
    *out = item_view(c, &it, err);
    return *out ? 0 : err->code;
}

int mod_item_unblur(mod_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mod_item it;
    if (mod_item_leased(c, id, &it, err)) return err->code;
    char subj[48];
    snprintf(subj, sizeof subj, "item:%lld", (long long)id);
    /* one item at a time: unblurring this one blurs the others again */
    if (store_exec(c->db, SQL_MOD_ITEM_BLUR_ALL, err, "i", c->who->id) ||
        store_exec(c->db, SQL_MOD_ITEM_UNBLUR, err, "i", id) ||
        svc_journal(c,
                    &(svc_event){.family = MOD_FAMILY,
                                 .event = "unblurred",
                                 .worker = c->who->id,
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:I, s:s, s:b}", "item", (json_int_t)id, "category",
                                                      it.category, "graphic", (int)it.graphic)},
                    err))
        return err->code;
    it.unblurred = 1;
    *out = item_view(c, &it, err);
    return *out ? 0 : err->code;
}

int mod_item_skip(mod_ctx *c, int64_t id, json_t **out, vis_err *err)
{
    mod_item it;
    if (mod_item_leased(c, id, &it, err)) return err->code;
    if (mod_lease_end(c, &it, c->now_ms, "skipped", NULL, err) ||
        store_exec(c->db, SQL_MOD_SKIP_ADD, err, "ii", id, c->who->id) ||
        store_exec(c->db, SQL_MOD_ITEM_REOPEN, err, "i", id))
        return err->code;
    *out = JSON_PACK("{s:I, s:s}", "item_id", (json_int_t)id, "state", "open");
    return 0;
}

int mod_item_escalate(mod_ctx *c, int64_t id, json_t *b, json_t **out, vis_err *err)
{
    static const jv_field f[] = {{"reason", JV_STRING, true, 1, 2000}, {NULL, 0, 0, 0, 0}};
    if (jv_check(b, f, err)) return err->code;
    mod_item it;
    if (mod_item_leased(c, id, &it, err)) return err->code;
    int64_t target = 0, g = 0, cs = 0, sen = 0;
    int r = store_get_i64(c->db, SQL_MOD_QUEUE_SENIOR, &target, err, "i", it.child_safety);
    if (r < 0) return err->code;
    if (r == 0) return vis_errf(err, VIS_ECONFLICT, "no_senior_queue", NULL, "there is no senior queue");
    if (mod_queue_flags(c, it.queue_id, NULL, NULL, &sen, err)) return err->code;
    if (sen || target == it.queue_id)
        return vis_errf(err, VIS_ECONFLICT, "already_senior", NULL, "item %lld is already in a senior queue", (long long)id);
    if (mod_queue_flags(c, target, &g, &cs, NULL, err)) return err->code;
    if (mod_lease_end(c, &it, c->now_ms, "escalated",
                      JSON_PACK("{s:s, s:I, s:I}", "reason", jv_str(b, "reason", ""), "from_queue",
                                (json_int_t)it.queue_id, "to_queue", (json_int_t)target),
                      err) ||
        store_exec(c->db, SQL_MOD_ITEM_MOVE, err, "iiii", id, target, (int64_t)(g || it.graphic),
                   (int64_t)(cs || it.child_safety)) ||
        store_exec(c->db, SQL_MOD_SKIP_ADD, err, "ii", id, c->who->id) || /* for another, more senior look */
        store_exec(c->db, SQL_MOD_ITEM_REOPEN, err, "i", id))
        return err->code;
    *out = JSON_PACK("{s:I, s:s, s:I}", "item_id", (json_int_t)id, "state", "open", "queue", (json_int_t)target);
    return 0;
}

/* ---- the moderator's profile ---- */

int mod_me(mod_ctx *c, json_t **out, vis_err *err)
{
    int64_t w = c->who->id;
    mod_moderator m;
    if (mod_moderator_get(c, w, &m, err)) return err->code;
    int64_t live[100];
    int nlive = 0;
    if (live_leases(c, w, live, 100, &nlive, err)) return err->code;
    int64_t spent = graphic_today(c, w, err), cont, until;
    if (spent < 0) return err->code;
    streak_state(c, &m, nlive > 0, &cont, &until);
    json_t *langs = strings(c, SQL_MOD_LANGS, w, err), *opt = strings(c, SQL_MOD_OPTOUTS, w, err);
    json_t *leases = json_array(), *cats = json_array();
    for (int i = 0; i < nlive; i++) json_array_append_new(leases, json_integer(live[i]));
    store_stmt *q = store_query(c->db, SQL_MOD_WT_BY_CAT, err, "iii", w, c->now_ms - 30 * MOD_DAY_MS, c->now_ms + 1);
    int r = -1;
    if (q) {
        while ((r = store_row(q, err)) == 1)
            json_array_append_new(cats, JSON_PACK("{s:s, s:b, s:I, s:f, s:I}", "category", store_col_text(q, 0),
                                                  "graphic", (int)store_col_i64(q, 1), "ms",
                                                  (json_int_t)store_col_i64(q, 2), "minutes",
                                                  store_col_i64(q, 2) / 60000.0, "paid_micros",
                                                  (json_int_t)store_col_i64(q, 3)));
        store_done(q);
    }
    if (!langs || !opt || r < 0) {
        json_decref(langs);
        json_decref(opt);
        json_decref(leases);
        json_decref(cats);
        return err->code;
    }
    int64_t budget = c->cfg->mod_exposure_budget_ms;
    *out = JSON_PACK("{s:I, s:o, s:o, s:b, s:b, s:o, s:s, s:I, s:I}", "worker_id", (json_int_t)w, "languages", langs,
                     "opt_outs", opt, "child_safety", (int)m.child_safety, "senior", (int)m.senior, "leases", leases,
                     "pay_basis", "per hour of review (never per item; no speed target)", "hourly_micros",
                     (json_int_t)mod_rate(c), "lease_ms", (json_int_t)c->cfg->mod_lease_ms);
    json_object_set_new(*out, "exposure",
                        JSON_PACK("{s:I, s:I, s:I, s:b, s:o, s:i}", "graphic_today_ms", (json_int_t)spent,
                                  "budget_ms", (json_int_t)budget, "remaining_ms",
                                  (json_int_t)(spent < budget ? budget - spent : 0), "graphic_queues_open",
                                  spent < budget, "by_category_30d", cats, "period_days", 30));
    json_object_set_new(*out, "now_ms", json_integer(c->now_ms)); /* the platform's clock, for countdowns */
    json_object_set_new(*out, "onboarding",
                        JSON_PACK("{s:b, s:I, s:I, s:I}", "done", m.onboarded_ms > 0, "onboarded_ms",
                                  (json_int_t)m.onboarded_ms, "gentle_items_left", (json_int_t)m.gentle_left,
                                  "gentle_items", (json_int_t)c->cfg->mod_onboarding_items));
    json_object_set_new(*out, "break",
                        JSON_PACK("{s:I, s:I, s:I, s:b, s:I}", "continuous_ms", (json_int_t)cont, "limit_ms",
                                  (json_int_t)c->cfg->mod_continuous_limit_ms, "break_ms",
                                  (json_int_t)c->cfg->mod_break_ms, "required", until > 0, "until_ms",
                                  (json_int_t)until));
    return 0;
}

static const jv_field me_fields[] = {
    {"languages", JV_ARRAY, false, 0, 0},
    {"opt_outs", JV_ARRAY, false, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* Items held in a category the moderator has just opted out of go back to
 * the queue at once: the lease ends (its time paid, exposure recorded,
 * journalled as released_opt_out). Their ids are appended to released. */
static int release_opted_out(mod_ctx *c, int64_t w, json_t *released, vis_err *err)
{
    int64_t ids[100];
    int n = 0, r;
    store_stmt *q = store_query(c->db, SQL_MOD_ITEMS_OPTED_OUT, err, "i", w);
    if (!q) return err->code;
    while ((r = store_row(q, err)) == 1)
        if (n < 100) ids[n++] = store_col_i64(q, 0);
    store_done(q);
    if (r < 0) return err->code;
    for (int i = 0; i < n; i++) {
        mod_item it;
        if (mod_item_load(c, ids[i], &it, err) ||
            mod_lease_end(c, &it, c->now_ms, "released_opt_out",
                          JSON_PACK("{s:s}", "reason", "the moderator opted out of this category"), err) ||
            store_exec(c->db, SQL_MOD_ITEM_REOPEN, err, "i", ids[i]))
            return err->code;
        json_array_append_new(released, json_integer(ids[i]));
    }
    return 0;
}

/* Languages and opt-outs (either may be NULL: unchanged); journalled. */
static int set_prefs(mod_ctx *c, json_t *langs, json_t *opt, json_t *released, vis_err *err)
{
    int64_t w = c->who->id;
    if (json_array_size(langs) > 50 || json_array_size(opt) > 50)
        return vis_errf(err, VIS_EINVAL, "invalid_field", langs && json_array_size(langs) > 50 ? "languages" : "opt_outs",
                        "at most 50 entries");
    size_t i;
    json_t *v;
    if (langs) {
        if (store_exec(c->db, SQL_MOD_LANGS_DEL, err, "i", w)) return err->code;
        json_array_foreach(langs, i, v) {
            const char *s = json_string_value(v);
            char l[16];
            if (!mod_lang_tag_ok(s))
                return vis_errf(err, VIS_EINVAL, "invalid_field", "languages",
                                "languages must be BCP 47 language tags such as 'en' or 'pt-BR', not languages' names");
            mod_lang_primary(s, l); /* "en-GB" speaks "en" */
            if (store_exec(c->db, SQL_MOD_LANG_ADD, err, "it", w, l)) return err->code;
        }
    }
    if (opt) {
        if (store_exec(c->db, SQL_MOD_OPTOUTS_DEL, err, "i", w)) return err->code;
        json_array_foreach(opt, i, v) {
            const char *cat = mod_category_norm(json_string_value(v));
            if (!cat)
                return vis_errf(err, VIS_EINVAL, "invalid_field", "opt_outs",
                                "opt_outs must be DSA statement categories");
            if (store_exec(c->db, SQL_MOD_OPTOUT_ADD, err, "it", w, cat)) return err->code;
        }
    }
    json_t *jl = strings(c, SQL_MOD_LANGS, w, err), *jo = strings(c, SQL_MOD_OPTOUTS, w, err);
    if (!jl || !jo) {
        json_decref(jl);
        json_decref(jo);
        return err->code;
    }
    char subj[48];
    snprintf(subj, sizeof subj, "moderator:%lld", (long long)w);
    if (svc_journal(c,
                    &(svc_event){.family = MOD_FAMILY,
                                 .event = "preferences_set",
                                 .worker = w,
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:O, s:O}", "languages", jl, "opt_outs", jo)},
                    err)) {
        json_decref(jl);
        json_decref(jo);
        return err->code;
    }
    json_decref(jl);
    json_decref(jo);
    /* opting out releases what is held in that category, at once */
    return opt ? release_opted_out(c, w, released, err) : 0;
}

int mod_me_set(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    if (jv_check(b, me_fields, err)) return err->code;
    mod_moderator m;
    if (mod_moderator_get(c, c->who->id, &m, err)) return err->code;
    json_t *langs = json_object_get(b, "languages");
    if (langs && json_array_size(langs) == 0 && m.onboarded_ms > 0)
        return vis_errf(err, VIS_EINVAL, "languages_required", "languages",
                        "declare at least one language you review in");
    json_t *released = json_array();
    if (set_prefs(c, langs, json_object_get(b, "opt_outs"), released, err) || mod_me(c, out, err)) {
        json_decref(released);
        return err->code;
    }
    json_object_set_new(*out, "released", released);
    return 0;
}

int mod_onboarding(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    static const jv_field f[] = {{"languages", JV_ARRAY, true, 0, 0},
                                 {"opt_outs", JV_ARRAY, false, 0, 0},
                                 {"briefing_read", JV_BOOL, true, 0, 0},
                                 {"exposure_acknowledged", JV_BOOL, true, 0, 0},
                                 {NULL, 0, 0, 0, 0}};
    if (jv_check(b, f, err)) return err->code;
    int64_t w = c->who->id;
    mod_moderator m;
    if (mod_moderator_get(c, w, &m, err)) return err->code;
    if (m.onboarded_ms > 0)
        return vis_errf(err, VIS_ECONFLICT, "already_onboarded", NULL,
                        "your onboarding is complete; change languages and opt-outs with POST /v1/moderation/me");
    if (!jv_bool(b, "briefing_read", false))
        return vis_errf(err, VIS_EINVAL, "briefing_required", "briefing_read", "read the wellbeing briefing first");
    if (!jv_bool(b, "exposure_acknowledged", false))
        return vis_errf(err, VIS_EINVAL, "acknowledgement_required", "exposure_acknowledged",
                        "acknowledge the daily exposure budget and the mandatory breaks");
    json_t *langs = json_object_get(b, "languages");
    if (json_array_size(langs) == 0)
        return vis_errf(err, VIS_EINVAL, "languages_required", "languages",
                        "declare at least one language you review in");
    json_t *opt = json_object_get(b, "opt_outs");
    json_t *released = json_array();
    int rc = set_prefs(c, langs, opt ? opt : NULL, released, err);
    json_decref(released);
    if (rc) return rc;
    char subj[48];
    snprintf(subj, sizeof subj, "moderator:%lld", (long long)w);
    if (store_exec(c->db, SQL_MOD_MOD_ONBOARD, err, "iii", w, c->now_ms, c->cfg->mod_onboarding_items) ||
        svc_journal(c,
                    &(svc_event){.family = MOD_FAMILY,
                                 .event = "onboarded",
                                 .worker = w,
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:b, s:b, s:I, s:I, s:I, s:I}", "briefing_read", 1,
                                                      "exposure_acknowledged", 1, "gentle_items",
                                                      (json_int_t)c->cfg->mod_onboarding_items, "exposure_budget_ms",
                                                      (json_int_t)c->cfg->mod_exposure_budget_ms, "continuous_limit_ms",
                                                      (json_int_t)c->cfg->mod_continuous_limit_ms, "break_ms",
                                                      (json_int_t)c->cfg->mod_break_ms)},
                    err))
        return err->code;
    return mod_me(c, out, err);
}

int mod_queues_list(mod_ctx *c, json_t **out, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MOD_QUEUES, err, "");
    if (!q) return err->code;
    json_t *arr = json_array();
    int r;
    while ((r = store_row(q, err)) == 1)
        json_array_append_new(arr, JSON_PACK("{s:I, s:s, s:b, s:b, s:b, s:I, s:I}", "id",
                                             (json_int_t)store_col_i64(q, 0), "name", store_col_text(q, 1), "graphic",
                                             (int)store_col_i64(q, 2), "child_safety", (int)store_col_i64(q, 3),
                                             "senior", (int)store_col_i64(q, 4), "open", (json_int_t)store_col_i64(q, 5),
                                             "leased", (json_int_t)store_col_i64(q, 6)));
    store_done(q);
    if (r < 0) {
        json_decref(arr);
        return err->code;
    }
    *out = JSON_PACK("{s:o}", "queues", arr);
    return 0;
}

/* ---- admin ---- */

int mod_moderator_set(mod_ctx *c, int64_t worker, json_t *b, json_t **out, vis_err *err)
{
    static const jv_field f[] = {{"child_safety", JV_BOOL, false, 0, 0}, {"senior", JV_BOOL, false, 0, 0},
                                 {NULL, 0, 0, 0, 0}};
    if (jv_check(b, f, err)) return err->code;
    account a;
    if (account_get(c->db, worker, &a, err)) return err->code;
    if (strcmp(a.role, "worker"))
        return vis_errf(err, VIS_ECONFLICT, "not_a_worker", NULL, "account %lld is a %s; moderators are workers",
                        (long long)worker, a.role);
    mod_moderator m;
    if (mod_moderator_get(c, worker, &m, err)) return err->code;
    int64_t cs = jv_bool(b, "child_safety", m.child_safety), sen = jv_bool(b, "senior", m.senior);
    char subj[48];
    snprintf(subj, sizeof subj, "moderator:%lld", (long long)worker);
    if (store_exec(c->db, SQL_MOD_MOD_ROLES, err, "iii", worker, cs, sen) ||
        svc_journal(c,
                    &(svc_event){.family = MOD_FAMILY,
                                 .event = "roles_set",
                                 .worker = worker,
                                 .subject = subj,
                                 .payload = JSON_PACK("{s:b, s:b}", "child_safety", (int)cs, "senior", (int)sen)},
                    err))
        return err->code;
    *out = JSON_PACK("{s:I, s:b, s:b}", "worker_id", (json_int_t)worker, "child_safety", (int)cs, "senior", (int)sen);
    return 0;
}

int mod_queue_create(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    static const jv_field f[] = {{"name", JV_STRING, true, 1, 64},      {"graphic", JV_BOOL, false, 0, 0},
                                 {"child_safety", JV_BOOL, false, 0, 0}, {"senior", JV_BOOL, false, 0, 0},
                                 {NULL, 0, 0, 0, 0}};
    if (jv_check(b, f, err)) return err->code;
    const char *name = jv_str(b, "name", "");
    int64_t id;
    int r = store_get_i64(c->db, SQL_MOD_QUEUE_BY_NAME, &id, err, "t", name);
    if (r < 0) return err->code;
    if (r == 1) return vis_errf(err, VIS_ECONFLICT, "duplicate_queue", "name", "queue '%s' exists (id %lld)", name, (long long)id);
    int64_t g = jv_bool(b, "graphic", false), cs = jv_bool(b, "child_safety", false), sen = jv_bool(b, "senior", false);
    if (cs) g = 1; /* child-safety material is always treated as graphic */
    if (store_exec(c->db, SQL_MOD_QUEUE_INSERT, err, "tiiii", name, g, cs, sen, c->now_ms)) return err->code;
    id = store_last_id(c->db);
    *out = JSON_PACK("{s:I, s:s, s:b, s:b, s:b}", "id", (json_int_t)id, "name", name, "graphic", (int)g, "child_safety",
                     (int)cs, "senior", (int)sen);
    return 0;
}

int mod_rule_create(mod_ctx *c, json_t *b, json_t **out, vis_err *err)
{
    static const jv_field f[] = {{"queue", JV_INT, true, 1, INT64_MAX},      {"position", JV_INT, false, 0, 1000000},
                                 {"category", JV_STRING, false, 1, 100},     {"language", JV_STRING, false, 1, 15},
                                 {"client_id", JV_INT, false, 1, INT64_MAX}, {"min_severity", JV_INT, false, 1, 5},
                                 {NULL, 0, 0, 0, 0}};
    if (jv_check(b, f, err)) return err->code;
    int64_t queue = jv_int(b, "queue", 0);
    if (mod_queue_flags(c, queue, NULL, NULL, NULL, err)) return err->code;
    const char *cat = jv_str(b, "category", NULL);
    if (cat && !(cat = mod_category_norm(cat)))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "category", "category must be a DSA statement category");
    /* content languages are stored lower-case: so are the rules' */
    const char *lin = jv_str(b, "language", NULL);
    char lang[16] = "";
    if (lin && !mod_lang_tag_ok(lin))
        return vis_errf(err, VIS_EINVAL, "invalid_field", "language",
                        "language must be a BCP 47 language tag such as 'en' or 'pt-BR', not a language's name");
    mod_lang_primary(lin, lang);
    int64_t client = jv_int(b, "client_id", -1);
    if (client > 0) {
        account a;
        if (account_get(c->db, client, &a, err) || strcmp(a.role, "client"))
            return vis_errf(err, VIS_EINVAL, "invalid_field", "client_id", "client_id must be a client account");
    }
    if (store_exec(c->db, SQL_MOD_RULE_INSERT, err, "iittII", jv_int(b, "position", 100), queue, cat,
                   lin ? lang : NULL, client, jv_int(b, "min_severity", -1)))
        return err->code;
    *out = JSON_PACK("{s:I}", "id", (json_int_t)store_last_id(c->db));
    return 0;
}

int mod_rules_list(mod_ctx *c, json_t **out, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MOD_RULES, err, "");
    if (!q) return err->code;
    json_t *arr = json_array();
    int r;
    while ((r = store_row(q, err)) == 1) {
        json_t *o = JSON_PACK("{s:I, s:I, s:I}", "id", (json_int_t)store_col_i64(q, 0), "position",
                              (json_int_t)store_col_i64(q, 1), "queue", (json_int_t)store_col_i64(q, 2));
        const char *cat = store_col_text(q, 3), *lang = store_col_text(q, 4);
        int64_t cl = store_col_i64(q, 5), sev = store_col_i64(q, 6);
        json_object_set_new(o, "category", *cat ? json_string(cat) : json_null());
        json_object_set_new(o, "language", *lang ? json_string(lang) : json_null());
        json_object_set_new(o, "client_id", cl > 0 ? json_integer(cl) : json_null());
        json_object_set_new(o, "min_severity", sev > 0 ? json_integer(sev) : json_null());
        json_array_append_new(arr, o);
    }
    store_done(q);
    if (r < 0) {
        json_decref(arr);
        return err->code;
    }
    *out = JSON_PACK("{s:o}", "rules", arr);
    return 0;
}
