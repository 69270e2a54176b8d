/* cli/demo — the demo data of `visible serve --demo`, wired here where
 * every family is: the core's accounts and funds, then each family's own
 * content (dispatch, moderation, micro-work, visibility), in one
 * transaction, once per database. */
#include "cli/demo.h"

#include <stdio.h>

#include "core/demo.h"
#include "core/ledger.h"
#include "dispatch/disp_service.h"
#include "microwork/mw.h"
#include "moderation/mod.h"
#include "store/sql_core.h"
#include "visibility/visib_demo.h"

static const struct {
    const char *role, *name, *email;
    int64_t     credit_micros;
} people[] = {
    {"client", "Acme AI Lab", "client@demo.visible", 5000000000LL},
    {"client", "Rapid Eats", "eats@demo.visible", 2000000000LL},
    {"client", "Chirp Social", "chirp@demo.visible", 2000000000LL},
    {"worker", "Alice Martin", "alice@demo.visible", 0},
    {"worker", "Bilal Haddad", "bilal@demo.visible", 0},
    {"worker", "Chen Wei", "chen@demo.visible", 0},
    {"worker", "Dana Novak", "dana@demo.visible", 0},
    {"worker", "Emeka Obi", "emeka@demo.visible", 0},
    {"admin", "Ada Admin", "admin@demo.visible", 0},
};

int demo_seed(store *db, const vis_config *cfg, const account_pwcost *cost, int64_t now_ms, FILE *out,
              vis_err *err)
{
    int64_t seeded = 0;
    int r = store_get_i64(db, SQL_SETTING_GET, &seeded, err, "t", "demo_seeded");
    if (r < 0) return err->code;
    if (r == 1) {
        if (out) fprintf(out, "demo data already present (logins below, password '%s')\n", DEMO_PASSWORD);
    } else {
        if (store_begin(db, err)) return err->code;
        for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
            account a;
            if (account_create(db, people[i].role, people[i].name, people[i].email, DEMO_PASSWORD, cost, now_ms, &a,
                               err))
                goto fail;
            if (account_record(db, &a, "account_created", -1, now_ms, err)) goto fail;
            if (people[i].credit_micros) {
                char subj[48];
                snprintf(subj, sizeof subj, "account:%lld", (long long)a.id);
                ledger_tx_in tx = {.kind = "credit", .memo = "demo funds", .family = "core", .subject = subj,
                                   .actor_id = -1, .now_ms = now_ms};
                if (ledger_credit_client(db, a.id, people[i].credit_micros, cfg->currency, &tx, NULL, NULL, err))
                    goto fail;
            }
        }
        if (disp_demo_seed(db, cfg, cost, now_ms, out, err)) goto fail;
        static const char *const moderators[] = {"dana@demo.visible", "emeka@demo.visible", NULL};
        if (mod_demo_seed(db, cfg, "chirp@demo.visible", moderators, now_ms, err)) goto fail;
        if (mw_demo_seed(db, cfg, now_ms, err)) goto fail;
        if (visib_demo_seed(db, cfg, now_ms, err)) goto fail;
        if (store_exec(db, SQL_SETTING_PUT, err, "tt", "demo_seeded", "1")) goto fail;
        if (store_commit(db, err)) return err->code;
    }
    if (out) {
        fprintf(out, "demo logins (password '%s'):\n", DEMO_PASSWORD);
        for (size_t i = 0; i < sizeof people / sizeof people[0]; i++)
            fprintf(out, "  %-7s %-14s %s\n", people[i].role, people[i].name, people[i].email);
    }
    return 0;
fail:
    store_rollback(db);
    return err->code ? err->code : VIS_ESTORE;
}

