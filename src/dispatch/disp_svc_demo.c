/* disp_svc_demo — a small delivery city for `visible serve --demo`.
 *
 * Around the configured reference point (dispatch.ref_lat_e6/lon_e6):
 * five restaurants of two restaurant clients ("Rapid Eats" from the core
 * demo, and "Green Bowl"), four courier accounts (offline: a courier's
 * location exists only once they go online themselves), a rule set with a
 * centre zone and lunch / dinner factors, and a stream of 24 jobs placed
 * every 5 minutes over the next two hours (prices held in escrow at once;
 * the dispatcher sees each job from its placement time). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/demo.h"
#include "core/journal.h"
#include "core/ledger.h"
#include "dispatch/disp_svc_int.h"
#include "store/sql_core.h"
#include "store/sql_dispatch.h"

static const struct {
    const char *name;
    double      dx, dy; /* metres east / north of the reference */
    int         owner;  /* 0 Rapid Eats, 1 Green Bowl */
} places[] = {
    {"Rapid Eats Centre", -300, 200, 0},
    {"Rapid Eats Station", 1800, 900, 0},
    {"Rapid Eats Riverside", -1500, -1200, 0},
    {"Green Bowl Market", 600, -400, 1},
    {"Green Bowl Park", -2200, 1600, 1},
};

static const struct {
    const char *name, *email;
} couriers[] = {
    {"Farah Idris", "farah@demo.visible"},
    {"Goran Petrov", "goran@demo.visible"},
    {"Hana Sato", "hana@demo.visible"},
    {"Ivan Costa", "ivan@demo.visible"},
};

/* metres from the reference to lat/lon (the projection's inverse) */
static void at(const disp_geo *g, double dx, double dy, double *lat, double *lon)
{
    const double r = 6371008.8;
    *lat = g->lat0 + dy / r * 180.0 / M_PI;
    *lon = g->lon0 + dx / (r * g->coslat0) * 180.0 / M_PI;
}

static int new_account(store *db, const char *role, const char *name, const char *email, const account_pwcost *cost,
                       int64_t now_ms, int64_t *id, vis_err *err)
{
    account a;
    if (account_create(db, role, name, email, DEMO_PASSWORD, cost, now_ms, &a, err)) return err->code;
    if (account_record(db, &a, "account_created", -1, now_ms, err)) return err->code;
    *id = a.id;
    return 0;
}

int disp_demo_seed(store *db, const vis_config *cfg, const account_pwcost *cost, int64_t now_ms, FILE *out,
                   vis_err *err)
{
    disp_geo g;
    disp_geo_init(&g, cfg);
    int64_t owner[2];
    int r = store_get_i64(db, SQL_ACCOUNT_BY_EMAIL, &owner[0], err, "t", "eats@demo.visible");
    if (r < 0) return disp_store_err(err);
    if (r == 0) return vis_errf(err, VIS_ENOTFOUND, NULL, NULL, "demo client eats@demo.visible is missing");
    if (new_account(db, "client", "Green Bowl", "bowl@demo.visible", cost, now_ms, &owner[1], err)) return err->code;
    ledger_tx_in tx = {.kind = "credit", .memo = "demo funds", .family = "core", .subject = "account:demo",
                       .actor_id = -1, .now_ms = now_ms};
    if (ledger_credit_client(db, owner[1], 500000000LL, cfg->currency, &tx, NULL, NULL, err)) return err->code;
    for (size_t i = 0; i < sizeof couriers / sizeof couriers[0]; i++) {
        int64_t id;
        if (new_account(db, "worker", couriers[i].name, couriers[i].email, cost, now_ms, &id, err)) return err->code;
        /* demo couriers are approved (onboarding, disp_area.h) */
        if (store_exec(db, SQL_DISP_ONBOARD_SET, err, "ittii", id, "approved", "demo courier", now_ms, (int64_t)-1))
            return disp_store_err(err);
        disp_ctx dc = {.db = db, .cfg = cfg, .now_ms = now_ms};
        char subj[48];
        snprintf(subj, sizeof subj, "courier:%lld", (long long)id);
        if (svc_journal(&dc,
                        &(svc_event){.family = DISP_FAMILY,
                                     .event = "courier_approved",
                                     .worker = id,
                                     .subject = subj,
                                     .payload = JSON_PACK("{s:s, s:s, s:s}", "from", "applied", "to", "approved",
                                                          "reason", "demo courier")},
                        err))
            return err->code;
    }
    /* rules: a centre zone (3 km square) and meal-time factors */
    double la[4], lo[4];
    at(&g, -1500, -1500, &la[0], &lo[0]);
    at(&g, 1500, -1500, &la[1], &lo[1]);
    at(&g, 1500, 1500, &la[2], &lo[2]);
    at(&g, -1500, 1500, &la[3], &lo[3]);
    json_t *rules = JSON_PACK("{s:[{s:s, s:i, s:[[f,f],[f,f],[f,f],[f,f]]}], s:[{s:s, s:s, s:i}, {s:s, s:s, s:i}]}",
                              "zones", "name", "centre", "factor_permille", 1100, "polygon", la[0], lo[0], la[1], lo[1],
                              la[2], lo[2], la[3], lo[3], "time_of_day", "from", "11:30", "to", "14:00",
                              "factor_permille", 1150, "from", "18:30", "to", "21:30", "factor_permille", 1200);
    disp_ctx c = {.db = db, .cfg = cfg, .now_ms = now_ms};
    json_t *res = NULL;
    int rc = disp_rules_put(&c, rules, &res, err);
    json_decref(rules);
    json_decref(res);
    if (rc) return rc;
    int64_t pid[sizeof places / sizeof places[0]];
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        double lat, lon;
        at(&g, places[i].dx, places[i].dy, &lat, &lon);
        account who = {.id = owner[places[i].owner]};
        c.who = &who;
        json_t *p = NULL;
        if (disp_place_create(&c, places[i].name, lat, lon, &p, err)) return err->code;
        pid[i] = json_integer_value(json_object_get(p, "id"));
        json_decref(p);
    }
    /* the stream: deterministic pseudo-random drop-offs within ~3 km */
    uint32_t s = 12345;
    for (int k = 0; k < 24; k++) {
        s = s * 1103515245u + 12345u;
        size_t pi = (s >> 16) % (sizeof places / sizeof places[0]);
        s = s * 1103515245u + 12345u;
        double ang = (double)((s >> 8) % 3600) / 3600.0 * 2 * M_PI;
        s = s * 1103515245u + 12345u;
        double dist = 500 + (double)((s >> 8) % 2500);
        double lat, lon;
        at(&g, places[pi].dx + dist * cos(ang), places[pi].dy + dist * sin(ang), &lat, &lon);
        account who = {.id = owner[places[pi].owner]};
        c.who = &who;
        int64_t placed = now_ms + (int64_t)k * 5 * 60000, id;
        if (disp_job_insert(&c, pid[pi], lat, lon, placed, placed + 10 * 60000, "demo order", &id, err))
            return err->code;
    }
    if (out) {
        fprintf(out, "delivery demo: couriers (password '%s'):", DEMO_PASSWORD);
        for (size_t i = 0; i < sizeof couriers / sizeof couriers[0]; i++) fprintf(out, " %s", couriers[i].email);
        fprintf(out, "; restaurant clients eats@demo.visible, bowl@demo.visible; 24 jobs over the next 2 hours\n");
    }
    return 0;
}
