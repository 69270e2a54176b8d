/* mod_common — items, journal, callbacks queue, routing, and the end of a
 * lease: paid review time, exposure and the continuous-review streak. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/ckd.h"
#include "core/journal.h"
#include "core/ledger.h"
#include "moderation/mod_int.h"
#include "store/sql_moderation.h"

bool mod_is_admin(const mod_ctx *c) { return c->who && !strcmp(c->who->role, "admin"); }

void mod_lang_primary(const char *tag, char *out)
{
    size_t k = 0;
    for (; tag && tag[k] && tag[k] != '-' && k < 15; k++) out[k] = (char)tolower((unsigned char)tag[k]);
    out[k] = '\0';
}

bool mod_lang_tag_ok(const char *s)
{
    size_t primary = s ? strcspn(s, "-") : 0;
    if (primary < 2 || primary > 3) return false; /* ISO 639: "en", "fil"; not "english" */
    for (size_t i = 0; i < primary; i++)
        if (!isalpha((unsigned char)s[i])) return false;
    for (s += primary; *s;) { /* then subtags of 1 to 8 letters or digits: "GB", "Latn", "419" */
        size_t n = strcspn(++s, "-");
        if (n < 1 || n > 8) return false;
        for (size_t i = 0; i < n; i++)
            if (!isalnum((unsigned char)s[i])) return false;
        s += n;
    }
    return true;
}

static const char *const ikinds[] = {"review", "audit", "appeal"};
static const char *const istates[] = {"open", "leased", "done"};

const char *mod_ikind_name(mod_ikind k) { return ikinds[k]; }
const char *mod_istate_name(mod_istate s) { return istates[s]; }

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], s)) return i;
    return -1;
}

int mod_item_load(mod_ctx *c, int64_t id, mod_item *it, vis_err *err)
{
    memset(it, 0, sizeof *it);
    store_stmt *q;
    if (store_one(c->db, SQL_MOD_ITEM_GET, &q, err, "i", id)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, "item_not_found", NULL, "no item %lld", (long long)id);
    int i = 0, kind, state;
    int64_t *a[] = {&it->id, &it->client_id, &it->content_id, &it->queue_id, &it->severity, &it->notices,
                    &it->trusted, &it->deprioritised, &it->graphic, &it->child_safety};
    for (size_t k = 0; k < sizeof a / sizeof a[0]; k++) *a[k] = store_col_i64(q, i++);
    kind = name_index(ikinds, 3, store_col_text(q, i++));
    state = name_index(istates, 3, store_col_text(q, i++));
    snprintf(it->category, sizeof it->category, "%s", store_col_text(q, i++));
    snprintf(it->language, sizeof it->language, "%s", store_col_text(q, i++));
    snprintf(it->hint_label, sizeof it->hint_label, "%s", store_col_text(q, i++));
    snprintf(it->hint_version, sizeof it->hint_version, "%s", store_col_text(q, i++));
    int64_t *b[] = {&it->hint_ppm, &it->auto_flagged, &it->excluded_worker, &it->ref_decision, &it->appeal_id,
                    &it->queued_ms, &it->lease_worker, &it->lease_start_ms, &it->lease_until_ms,
                    &it->lease_escrow, &it->unblurred, &it->escalations, &it->created_ms};
    for (size_t k = 0; k < sizeof b / sizeof b[0]; k++) *b[k] = store_col_i64(q, i++);
    store_done(q);
    if (kind < 0 || state < 0)
        return vis_errf(err, VIS_ESTORE, NULL, NULL, "item %lld has an unknown kind or state", (long long)id);
    it->kind = (mod_ikind)kind;
    it->state = (mod_istate)state;
    return 0;
}

int mod_item_leased(mod_ctx *c, int64_t id, mod_item *it, vis_err *err)
{
    if (mod_sweep(c, err) < 0) return err->code;
    if (mod_item_load(c, id, it, err)) return err->code;
    if (it->lease_worker != c->who->id)
        return vis_errf(err, VIS_ENOTFOUND, "item_not_found", NULL, "no item %lld leased to you", (long long)id);
    if (it->state != MOD_LEASED)
        return vis_errf(err, VIS_ECONFLICT, "lease_ended", NULL,
                        "your lease on item %lld has ended (decided, skipped or expired)", (long long)id);
    return 0;
}

int mod_queue_flags(mod_ctx *c, int64_t queue, int64_t *graphic, int64_t *child_safety, int64_t *senior,
                    vis_err *err)
{
    store_stmt *q;
    if (store_one(c->db, SQL_MOD_QUEUE_GET, &q, err, "i", queue)) return err->code;
    if (!q) return vis_errf(err, VIS_ENOTFOUND, "queue_not_found", "queue", "no queue %lld", (long long)queue);
    if (graphic) *graphic = store_col_i64(q, 0);
    if (child_safety) *child_safety = store_col_i64(q, 1);
    if (senior) *senior = store_col_i64(q, 2);
    store_done(q);
    return 0;
}

int mod_route(mod_ctx *c, int64_t client, const char *category, const char *language, int64_t severity,
              int64_t *queue, int64_t *graphic, int64_t *child_safety, vis_err *err)
{
    int r = store_get_i64(c->db, SQL_MOD_ROUTE, queue, err, "ttii", category, language, client, severity);
    if (r < 0) return err->code;
    if (r == 0) {
        r = store_get_i64(c->db, SQL_MOD_QUEUE_BY_NAME, queue, err, "t", "general");
        if (r < 0) return err->code;
        if (r == 0) *queue = 1;
    }
    int64_t g = 0, cs = 0;
    if (mod_queue_flags(c, *queue, &g, &cs, NULL, err)) return err->code;
    *graphic = g || mod_category_graphic(category);
    *child_safety = cs || mod_category_child_safety(category);
    return 0;
}

int64_t mod_rate(const mod_ctx *c)
{
    return c->cfg->mod_hourly_micros > c->cfg->min_hourly_micros ? c->cfg->mod_hourly_micros
                                                                : c->cfg->min_hourly_micros;
}

/* Checked (base/ckd.h): the pay is capped at half of LEDGER_MAX_AMOUNT so
 * that pay + fee (the fee is at most the pay) is one valid ledger movement;
 * with the configured limits (rate <= 10^12 micros an hour, a lease <= one
 * day) the cap is never reached, and what a lease pays is bounded by its
 * escrow anyway. */
void mod_cost(const mod_ctx *c, int64_t ms, int64_t *pay, int64_t *fee)
{
    if (ms < 0) ms = 0;
    int64_t p;
    if (ckd_muldiv(&p, mod_rate(c), ms, 3600000) || p >= LEDGER_MAX_AMOUNT / 2) p = LEDGER_MAX_AMOUNT / 2;
    else if ((__int128)p * 3600000 < (__int128)mod_rate(c) * ms) p++; /* rounded up */
    *pay = p;
    if (ckd_muldiv(fee, p, c->cfg->platform_fee_ppm, 1000000)) *fee = 0; /* cannot: ppm <= 10^6 */
}

int mod_moderator_get(mod_ctx *c, int64_t worker, mod_moderator *m, vis_err *err)
{
    memset(m, 0, sizeof *m);
    if (store_exec(c->db, SQL_MOD_MOD_ENSURE, err, "ii", worker, c->now_ms)) return err->code;
    store_stmt *q;
    if (store_one(c->db, SQL_MOD_MOD_GET, &q, err, "i", worker)) return err->code;
    if (!q) /* just ensured: the row is there */
        return vis_errf(err, VIS_ESTORE, NULL, NULL, "the record of moderator %lld is missing", (long long)worker);
    m->child_safety = store_col_i64(q, 0);
    m->senior = store_col_i64(q, 1);
    m->streak_start = store_col_i64(q, 2);
    m->last_end = store_col_i64(q, 3);
    m->paid_until = store_col_i64(q, 4);
    m->onboarded_ms = store_col_i64(q, 5);
    m->gentle_left = store_col_i64(q, 6);
    store_done(q);
    return 0;
}

static int pay_lease(mod_ctx *c, mod_item *it, int64_t from, int64_t to, int64_t *paid, vis_err *err)
{
    *paid = 0;
    if (it->lease_escrow <= 0) return 0;
    int64_t pay = 0, fee = 0, bal = 0;
    if (to > from) mod_cost(c, to - from, &pay, &fee);
    if (ledger_balance(c->db, it->lease_escrow, &bal, err)) return err->code;
    if (pay + fee > bal) { /* cannot happen: escrow holds a full lease; pay what is there, fee last */
        fee = bal - pay < 0 ? 0 : bal - pay;
        if (pay > bal) pay = bal;
    }
    char subj[48], memo[96];
    snprintf(subj, sizeof subj, "item:%lld", (long long)it->id);
    if (pay > 0) {
        int64_t earn, fees;
        if (ledger_account(c->db, "worker_earnings", it->lease_worker, "", c->cfg->currency, &earn, err) ||
            ledger_account(c->db, "platform_fees", 0, "", c->cfg->currency, &fees, err))
            return err->code;
        snprintf(memo, sizeof memo, "moderation review time %lld ms", (long long)(to - from));
        ledger_leg legs[3] = {{it->lease_escrow, -(pay + fee)}, {earn, pay}, {fees, fee}};
        ledger_tx_in tx = {.kind = "payment", .memo = memo, .family = "moderation", .subject = subj,
                           .actor_id = -1, .now_ms = c->now_ms};
        if (ledger_post(c->db, &tx, legs, fee > 0 ? 3 : 2, NULL, NULL, err)) return err->code;
        bal -= pay + fee;
        *paid = pay;
    }
    if (bal > 0) {
        int64_t funds;
        if (ledger_account(c->db, "client_funds", it->client_id, "", c->cfg->currency, &funds, err)) return err->code;
        ledger_leg legs[2] = {{it->lease_escrow, -bal}, {funds, bal}};
        ledger_tx_in tx = {.kind = "refund", .memo = "unused review lease returned", .family = "moderation",
                           .subject = subj, .actor_id = -1, .now_ms = c->now_ms};
        if (ledger_post(c->db, &tx, legs, 2, NULL, NULL, err)) return err->code;
    }
    return 0;
}

/* The earliest lease start among the other graphic items the worker holds
 * (*since unchanged if none) and that item's category. */
static int graphic_held(mod_ctx *c, int64_t w, int64_t self, int64_t *since, char *cat, vis_err *err)
{
    int64_t ids[100];
    int n = 0, r;
    store_stmt *q = store_query(c->db, SQL_MOD_ITEMS_OF_WORKER, err, "i", w);
    if (!q) return err->code;
    while ((r = store_row(q, err)) == 1 && n < 100) ids[n++] = store_col_i64(q, 0);
    store_done(q);
    if (r < 0) return err->code;
    for (int i = 0; i < n; i++) {
        mod_item o;
        if (ids[i] == self) continue;
        if (mod_item_load(c, ids[i], &o, err)) return err->code;
        if (!o.graphic || o.lease_start_ms >= *since) continue;
        *since = o.lease_start_ms;
        snprintf(cat, MOD_CAT_MAX, "%s", o.category);
    }
    return 0;
}

/* A stretch of paid review time, as exposure: graphic or not, its category
 * and the pay that falls in it. */
typedef struct wt_seg {
    int64_t a, b, graphic, paid;
    char    cat[MOD_CAT_MAX];
} wt_seg;

/* The paid time [from, end_ms] is the exposure, under this item's category,
 * except the part during which the moderator also held a graphic item (a
 * bulk claim), which counts as graphic time under that item's category, so
 * concurrent leases cannot hide graphic exposure. paid is shared out by the
 * segments' lengths (the last one takes the rest). */
static int exposure_segments(mod_ctx *c, const mod_item *it, int64_t from, int64_t end_ms, int64_t paid,
                             wt_seg seg[2], int *nseg, vis_err *err)
{
    *nseg = 0;
    int64_t split = end_ms;
    char gcat[MOD_CAT_MAX] = "";
    if (end_ms > from && !it->graphic && graphic_held(c, it->lease_worker, it->id, &split, gcat, err))
        return err->code;
    if (split < from) split = from;
    const char *cat = it->category[0] ? it->category : "unspecified";
    if (split > from) {
        seg[*nseg] = (wt_seg){.a = from, .b = split, .graphic = it->graphic};
        snprintf(seg[(*nseg)++].cat, MOD_CAT_MAX, "%s", cat);
    }
    if (end_ms > split) {
        seg[*nseg] = (wt_seg){.a = split, .b = end_ms, .graphic = 1};
        snprintf(seg[(*nseg)++].cat, MOD_CAT_MAX, "%s", gcat[0] ? gcat : cat);
    }
    int64_t left = paid;
    for (int i = 0; i < *nseg; i++) {
        int64_t p = left, fee;
        if (i < *nseg - 1) mod_cost(c, seg[i].b - seg[i].a, &p, &fee);
        seg[i].paid = p < left ? p : left;
        left -= seg[i].paid;
    }
    return 0;
}

/* Journal each segment's exposure, with the day's graphic time so far. */
static int exposure_journal(mod_ctx *c, int64_t w, const char *subj, int64_t end_ms, const wt_seg *seg, int nseg,
                            vis_err *err)
{
    int64_t today = 0;
    if (nseg && store_get_i64(c->db, SQL_MOD_WT_GRAPHIC_DAY, &today, err, "ii", w, end_ms / MOD_DAY_MS) < 0)
        return err->code;
    for (int i = 0; i < nseg; i++)
        if (svc_journal(c,
                        &(svc_event){.family = MOD_FAMILY,
                                     .event = "exposure",
                                     .worker = w,
                                     .subject = subj,
                                     .payload = JSON_PACK("{s:s, s:b, s:I, s:I, s:I}", "category", seg[i].cat,
                                                          "graphic", (int)seg[i].graphic, "ms",
                                                          (json_int_t)(seg[i].b - seg[i].a), "graphic_today_ms",
                                                          (json_int_t)today, "budget_ms",
                                                          (json_int_t)c->cfg->mod_exposure_budget_ms)},
                        err))
            return err->code;
    return 0;
}

int mod_lease_end(mod_ctx *c, mod_item *it, int64_t end_ms, const char *event, json_t *payload, vis_err *err)
{
    mod_moderator m;
    int64_t w = it->lease_worker;
    if (mod_moderator_get(c, w, &m, err)) {
        json_decref(payload);
        return err->code;
    }
    int64_t start = it->lease_start_ms;
    if (end_ms < start) end_ms = start;
    int64_t from = m.paid_until > start ? m.paid_until : start;
    int64_t paid = 0;
    int rc = pay_lease(c, it, from, end_ms, &paid, err);
    char subj[48];
    snprintf(subj, sizeof subj, "item:%lld", (long long)it->id);
    wt_seg seg[2];
    int nseg = 0;
    if (!rc) rc = exposure_segments(c, it, from, end_ms, paid, seg, &nseg, err);
    for (int i = 0; i < nseg && !rc; i++)
        rc = store_exec(c->db, SQL_MOD_WT_INSERT, err, "iiitiiiii", w, it->client_id, it->id, seg[i].cat,
                        seg[i].graphic, seg[i].a, seg[i].b, end_ms / MOD_DAY_MS, seg[i].paid);
    if (!rc && end_ms > from) rc = store_exec(c->db, SQL_MOD_MOD_PAID_UNTIL, err, "ii", w, end_ms);
    /* the continuous-review streak and, once over the limit, the break */
    int64_t last = m.last_end > end_ms ? m.last_end : end_ms;
    int64_t streak = m.streak_start > 0 ? m.streak_start : start;
    if (!rc) rc = store_exec(c->db, SQL_MOD_MOD_STREAK, err, "iii", w, streak, last);
    if (rc) {
        json_decref(payload);
        return rc;
    }
    if (!payload) payload = json_object();
    json_object_set_new(payload, "item", json_integer(it->id));
    json_object_set_new(payload, "kind", json_string(mod_ikind_name(it->kind)));
    json_object_set_new(payload, "review_ms", json_integer(end_ms - start));
    json_object_set_new(payload, "paid_micros", json_integer(paid));
    json_object_set_new(payload, "hourly_micros", json_integer(mod_rate(c)));
    if ((rc = svc_journal(c,
                          &(svc_event){.family = MOD_FAMILY,
                                       .event = event,
                                       .worker = w,
                                       .subject = subj,
                                       .span_kind = "active",
                                       .span_start_ms = start,
                                       .span_end_ms = end_ms,
                                       .payload = payload},
                          err)))
        return rc;
    if ((rc = exposure_journal(c, w, subj, end_ms, seg, nseg, err))) return rc;
    int64_t limit = c->cfg->mod_continuous_limit_ms;
    if (m.last_end - streak < limit && last - streak >= limit)
        if ((rc = svc_journal(
                 c,
                 &(svc_event){.family = MOD_FAMILY,
                              .event = "break_required",
                              .worker = w,
                              .subject = subj,
                              .payload = JSON_PACK("{s:I, s:I, s:I}", "continuous_ms", (json_int_t)(last - streak),
                                                   "until_ms", (json_int_t)(last + c->cfg->mod_break_ms), "break_ms",
                                                   (json_int_t)c->cfg->mod_break_ms)},
                 err)))
            return rc;
    return 0;
}

int mod_sweep(mod_ctx *c, vis_err *err)
{
    store_stmt *q = store_query(c->db, SQL_MOD_ITEMS_EXPIRED, err, "i", c->now_ms);
    if (!q) return -1;
    int64_t ids[500];
    int n = 0, r;
    while ((r = store_row(q, err)) == 1 && n < 500) ids[n++] = store_col_i64(q, 0);
    store_done(q);
    if (r < 0) return -1;
    for (int i = 0; i < n; i++) {
        mod_item it;
        if (mod_item_load(c, ids[i], &it, err) ||
            mod_lease_end(c, &it, it.lease_until_ms, "lease_expired", NULL, err) ||
            store_exec(c->db, SQL_MOD_ITEM_REOPEN, err, "i", it.id))
            return -1;
    }
    return n;
}
