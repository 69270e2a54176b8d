/* visib_demo — eight weeks of synthetic work history for the demo, so the
 * observatory shows a realistic picture (groups above k in every family).
 *
 * 36 demo workers without a login ("History worker NN") work sessions in
 * micro-work, delivery or moderation (a few in two families): answer spans
 * with some returned (unpaid) tasks, delivery shifts alternating waiting and
 * deliveries with distances, review sessions. Each session is paid through
 * the ledger (from the external account "demo:history", so it is journalled
 * as "paid" like any payment); couriers declare vehicle costs. Every event
 * carries {"demo": true} and a "demo:..." subject. Pseudo-random but fixed
 * (an LCG with a constant seed), so every demo database looks the same.
 */
#include "visibility/visib_demo.h"

#include <stdio.h>
#include <string.h>

#include "core/account.h"
#include "core/journal.h"
#include "core/ledger.h"
#include "store/sql_visibility.h"

#define M 60000LL
#define H 3600000LL
#define D 86400000LL
#define NWORKERS 36
#define WEEKS 8

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33);
}
static int64_t between(uint64_t *s, int64_t lo, int64_t hi) { return lo + (int64_t)(rnd(s) % (uint64_t)(hi - lo + 1)); }

typedef struct gen {
    store            *db;
    const vis_config *cfg;
    int64_t           now_ms, ext;
    int64_t           seq;
    vis_err          *err;
} gen;

static int span(gen *g, const char *family, const char *event, int64_t worker, const char *kind, int64_t a, int64_t b,
                const char *extra)
{
    char subj[48], pl[128];
    snprintf(subj, sizeof subj, "demo:%s:%lld", family, (long long)++g->seq);
    snprintf(pl, sizeof pl, "{\"demo\":true%s%s}", extra ? "," : "", extra ? extra : "");
    journal_event ev = journal_event_init(family, event, b);
    ev.actor_id = worker;
    ev.worker_id = worker;
    ev.subject = subj;
    ev.span_kind = kind;
    ev.span_start_ms = a;
    ev.span_end_ms = b;
    ev.payload = pl;
    return journal_append(g->db, &ev, NULL, g->err);
}

static int pay(gen *g, const char *family, int64_t worker, int64_t amount, int64_t at)
{
    if (amount <= 0) return 0;
    int64_t earn;
    if (ledger_account(g->db, "worker_earnings", worker, "", g->cfg->currency, &earn, g->err)) return g->err->code;
    char subj[48];
    snprintf(subj, sizeof subj, "demo:%s:%lld", family, (long long)++g->seq);
    ledger_leg legs[2] = {{g->ext, -amount}, {earn, amount}};
    ledger_tx_in tx = {.kind = "payment", .memo = "demo history", .family = family, .subject = subj,
                       .actor_id = -1, .now_ms = at};
    return ledger_post(g->db, &tx, legs, 2, NULL, NULL, g->err);
}

/* one session starting at t; returns 0 or an error code */
static int session(gen *g, uint64_t *s, int fam, int64_t w, int64_t t, int64_t rate)
{
    int64_t paid = 0, end = t;
    int64_t min = g->cfg->min_hourly_micros;
    if (fam == 0) { /* micro-work: answers, some returned unpaid; the fair-pay top-up lifts slow batches to the
                       minimum for the time of every paid answer */
        if (rate < min) rate = min;
        int n = (int)between(s, 8, 30);
        for (int i = 0; i < n; i++) {
            int64_t d = between(s, 40, 240) * 1000;
            bool returned = between(s, 0, 99) < 8;
            if (span(g, "microwork", returned ? "returned" : "submitted", w, returned ? "unpaid" : "active", end,
                     end + d, NULL))
                return g->err->code;
            if (!returned) paid += (rate * d + H - 1) / H; /* rounded up, as the top-up is */
            end += d + between(s, 5, 40) * 1000;
        }
        return pay(g, "microwork", w, paid, end);
    }
    if (fam == 1) { /* delivery: waiting, then deliveries */
        int n = (int)between(s, 3, 9);
        for (int i = 0; i < n; i++) {
            int64_t wait = between(s, 2, 25) * M, d = between(s, 14, 38) * M;
            int64_t dist = between(s, 1200, 6500);
            char extra[48];
            snprintf(extra, sizeof extra, "\"distance_m\":%lld", (long long)dist);
            if (span(g, "dispatch", "accepted", w, "waiting", end, end + wait, NULL) ||
                span(g, "dispatch", "delivered", w, "active", end + wait, end + wait + d, extra))
                return g->err->code;
            paid += 2800000 + dist * 700 + rate * d / H / 4;
            end += wait + d;
        }
        /* the shift's guarantee (the default equals the platform minimum) per online hour */
        int64_t floor = (int64_t)(((__int128)min * (end - t) + H - 1) / H);
        if (paid < floor) paid = floor;
        return pay(g, "dispatch", w, paid, end);
    }
    int n = (int)between(s, 4, 10); /* moderation: review batches at an hourly rate */
    for (int i = 0; i < n; i++) {
        int64_t d = between(s, 12, 30) * M;
        if (span(g, "moderation", "decided", w, "active", end, end + d, NULL)) return g->err->code;
        paid += rate * d / H;
        end += d + between(s, 1, 6) * M;
    }
    return pay(g, "moderation", w, paid, end);
}

int visib_demo_seed(store *db, const vis_config *cfg, int64_t now_ms, vis_err *err)
{
    gen g = {.db = db, .cfg = cfg, .now_ms = now_ms, .err = err};
    if (ledger_account(db, "external", 0, "demo:history", cfg->currency, &g.ext, err)) return err->code;
    uint64_t s = 20240831; /* the Directive's date of adoption, as a seed */
    int64_t start = now_ms - WEEKS * 7 * D;
    start -= start % D;
    for (int i = 0; i < NWORKERS; i++) {
        account a;
        char name[64], email[64];
        snprintf(name, sizeof name, "History worker %02d", i + 1);
        snprintf(email, sizeof email, "history%02d@demo.visible", i + 1);
        if (account_create(db, "worker", name, email, NULL, NULL, start, &a, err)) return err->code;
        /* families: 0-13 micro-work, 11-24 delivery, 22-35 moderation */
        bool fam[3] = {i <= 13, i >= 11 && i <= 24, i >= 22};
        int64_t rate[3] = {between(&s, 5, 19) * 1000000, between(&s, 6, 14) * 1000000, 18000000};
        if (fam[1]) {
            int64_t km = between(&s, 8, 25) * 10000, hr = between(&s, 2, 8) * 100000;
            if (store_exec(db, SQL_OBS_COST_INSERT, err, "itiiiti", a.id, "dispatch", km, hr, (int64_t)0,
                           "demo: scooter", start))
                return err->code;
        }
        for (int wk = 0; wk < WEEKS; wk++)
            for (int f = 0; f < 3; f++) {
                if (!fam[f]) continue;
                int n = (int)between(&s, 1, 5);
                for (int k = 0; k < n; k++) {
                    int64_t t = start + (wk * 7 + between(&s, 0, 6)) * D + between(&s, 7, 20) * H;
                    if (t + 6 * H > now_ms) continue;
                    if (session(&g, &s, f, a.id, t, rate[f])) return err->code;
                }
            }
    }
    return 0;
}
