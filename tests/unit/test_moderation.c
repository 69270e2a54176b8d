/* Unit tests of moderation's automated and rule-bound decisions, on a
 * fixture store and through the service functions (not HTTP): the claim
 * rules (onboarding first, only languages the moderator reads, opt-outs,
 * no graphic item among a new moderator's first items, the daily exposure
 * budget), the outcome of a human audit of an automated decision (agreed,
 * or disagreed and superseded), and an audit whose audited decision cannot
 * be read fails instead of being recorded as "disagreed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "base/mem.h"
#include "core/account.h"
#include "core/ledger.h"
#include "moderation/mod_int.h"

#define GRAPHIC_CAT "STATEMENT_CATEGORY_VIOLENCE"
#define PLAIN_CAT "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"

typedef struct modfx {
    account client, mod1, mod2;
} modfx;

static void people(fx *f, modfx *m)
{
    vis_err err;
    assert_int_equal(account_create_hashed(f->db, "client", "Platform", "p@t.test", NULL, 0, &m->client, &err), 0);
    assert_int_equal(account_create_hashed(f->db, "worker", "Mod 1", "m1@t.test", NULL, 0, &m->mod1, &err), 0);
    assert_int_equal(account_create_hashed(f->db, "worker", "Mod 2", "m2@t.test", NULL, 0, &m->mod2, &err), 0);
    ledger_tx_in tx = {.kind = "credit", .memo = "test funds", .family = "core", .subject = "account:1",
                       .actor_id = -1, .now_ms = 1000};
    assert_int_equal(ledger_credit_client(f->db, m->client.id, 1000000000LL, f->cfg.currency, &tx, NULL, NULL, &err),
                     0);
}

static mod_ctx ctx(fx *f, const account *who, int64_t now)
{
    return (mod_ctx){.db = f->db, .cfg = &f->cfg, .now_ms = now, .who = who};
}

/* Content sent for review (category hint cat, "" for none) in language lang. */
static int64_t content(fx *f, modfx *m, const char *ref, const char *lang, const char *cat, int64_t now)
{
    vis_err err;
    mod_ctx c = ctx(f, &m->client, now);
    json_t *b = JSON_PACK("{s:s, s:s, s:s, s:s}", "client_ref", ref, "text", "some words to review", "language", lang,
                          "category_hint", cat);
    json_t *out = NULL;
    int rc = mod_content_submit(&c, NULL, b, &out, &err);
    if (rc) fprintf(stderr, "content_submit: %s\n", err.msg);
    assert_int_equal(rc, 0);
    json_decref(b);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

static void onboard(fx *f, const account *w, const char *lang, const char *opt_out, int64_t now)
{
    vis_err err;
    mod_ctx c = ctx(f, w, now);
    json_t *b = JSON_PACK("{s:[s], s:b, s:b}", "languages", lang, "briefing_read", 1, "exposure_acknowledged", 1);
    if (opt_out) json_object_set_new(b, "opt_outs", JSON_PACK("[s]", opt_out));
    json_t *out = NULL;
    int rc = mod_onboarding(&c, b, &out, &err);
    if (rc) fprintf(stderr, "onboarding: %s\n", err.msg);
    assert_int_equal(rc, 0);
    json_decref(b);
    json_decref(out);
}

/* Claim one item: its id, or 0 with the refusal's code in why. */
static int64_t claim(fx *f, const account *w, int64_t now, char *why, size_t n)
{
    vis_err err;
    memset(&err, 0, sizeof err);
    mod_ctx c = ctx(f, w, now);
    json_t *out = NULL;
    if (why) snprintf(why, n, "%s", "");
    if (mod_claim(&c, NULL, &out, &err)) {
        assert_non_null(why);
        snprintf(why, n, "%s", err.kind);
        return 0;
    }
    int64_t id = json_integer_value(json_object_get(json_array_get(json_object_get(out, "items"), 0), "id"));
    json_decref(out);
    return id;
}

static int64_t item_content(fx *f, int64_t item)
{
    vis_err err;
    int64_t v = -1;
    assert_int_equal(store_get_i64(f->db, "SELECT content_id FROM mod_items WHERE id = $1", &v, &err, "i", item), 1);
    return v;
}

static void test_onboarding_first(void **state)
{
    fx *f = *state;
    modfx m;
    people(f, &m);
    content(f, &m, "c1", "en", PLAIN_CAT, 10000);
    char why[64];
    assert_int_equal(claim(f, &m.mod1, 20000, why, sizeof why), 0);
    assert_string_equal(why, "onboarding_required");
    onboard(f, &m.mod1, "en", NULL, 20000);
    assert_true(claim(f, &m.mod1, 21000, why, sizeof why) > 0);
}

/* Only content in a language the moderator declared. */
static void test_claim_language(void **state)
{
    fx *f = *state;
    modfx m;
    people(f, &m);
    content(f, &m, "c1", "de-AT", PLAIN_CAT, 10000);
    onboard(f, &m.mod1, "fr", NULL, 20000);
    onboard(f, &m.mod2, "de", NULL, 20000);
    char why[64];
    assert_int_equal(claim(f, &m.mod1, 21000, why, sizeof why), 0);
    assert_string_equal(why, "no_item");
    assert_true(claim(f, &m.mod2, 21000, why, sizeof why) > 0);
}

/* A category the moderator opted out of is never given to them. */
static void test_claim_opt_out(void **state)
{
    fx *f = *state;
    modfx m;
    people(f, &m);
    int64_t c1 = content(f, &m, "c1", "en", PLAIN_CAT, 10000);
    content(f, &m, "c2", "en", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", 10000);
    onboard(f, &m.mod1, "en", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", 20000);
    char why[64];
    int64_t it = claim(f, &m.mod1, 21000, why, sizeof why);
    assert_true(it > 0);
    assert_int_equal(item_content(f, it), c1);
    assert_int_equal(claim(f, &m.mod1, 22000, why, sizeof why), it); /* a repeated claim returns the lease */
}

/* A new moderator's first items are never graphic, even when a graphic item
 * waits first (and ranks higher by severity). */
static void test_claim_gentle_items(void **state)
{
    fx *f = *state;
    modfx m;
    people(f, &m);
    f->cfg.mod_onboarding_items = 1;
    int64_t g = content(f, &m, "g", "en", GRAPHIC_CAT, 10000);
    int64_t p = content(f, &m, "p", "en", PLAIN_CAT, 11000);
    onboard(f, &m.mod1, "en", NULL, 20000);
    vis_err err;
    mod_ctx c = ctx(f, &m.mod1, 21000);
    json_t *b = JSON_PACK("{s:I}", "count", (json_int_t)2), *out = NULL;
    assert_int_equal(mod_claim(&c, b, &out, &err), 0);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(item_content(f, json_integer_value(json_object_get(json_array_get(items, 0), "id"))), p);
    json_decref(out);
    json_decref(b);
    /* the gentle item is used up: the graphic one comes next */
    b = JSON_PACK("{s:I}", "count", (json_int_t)1);
    assert_int_equal(mod_claim(&c, b, &out, &err), 0);
    items = json_object_get(out, "items");
    assert_int_equal(item_content(f, json_integer_value(json_object_get(json_array_get(items, 0), "id"))), g);
    json_decref(out);
    json_decref(b);
}

/* The day's exposure budget spent: graphic items wait, others are given. */
static void test_claim_exposure_budget(void **state)
{
    fx *f = *state;
    modfx m;
    people(f, &m);
    f->cfg.mod_onboarding_items = 0;
    f->cfg.mod_exposure_budget_ms = 0;
    content(f, &m, "g", "en", GRAPHIC_CAT, 10000);
    onboard(f, &m.mod1, "en", NULL, 20000);
    char why[64];
    assert_int_equal(claim(f, &m.mod1, 21000, why, sizeof why), 0);
    assert_string_equal(why, "no_item");
    int64_t p = content(f, &m, "p", "en", PLAIN_CAT, 22000);
    int64_t it = claim(f, &m.mod1, 23000, why, sizeof why);
    assert_true(it > 0);
    assert_int_equal(item_content(f, it), p);
}

/* An automated decision to keep, sampled for audit (every one is), and the
 * audit item claimed by a moderator: returns the audited decision. */
static int64_t audited(fx *f, modfx *m, int64_t *item)
{
    vis_err err;
    f->cfg.mod_audit_ppm = 1000000;
    json_t *b = JSON_PACK("{s:s, s:s, s:s, s:b}", "client_ref", "a1", "text", "a harmless text", "language", "en",
                          "review", 0),
           *out = NULL;
    mod_ctx cc = ctx(f, &m->client, 10000);
    assert_int_equal(mod_content_submit(&cc, NULL, b, &out, &err), 0);
    int64_t cid = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(b);
    mod_content ct;
    assert_int_equal(mod_content_load(&cc, cid, false, &ct, &err), 0);
    mod_hint h = {.ready = true, .score = 0.99, .threshold = 0.9, .automatic = true};
    snprintf(h.label, sizeof h.label, "%s", MOD_LABEL_KEEP);
    snprintf(h.action, sizeof h.action, "keep");
    snprintf(h.version, sizeof h.version, "test-1");
    int64_t dec = -1;
    int rc = mod_auto_decide(&cc, &ct, &h, &dec, &err);
    if (rc) fprintf(stderr, "auto_decide: %s\n", err.msg);
    assert_int_equal(rc, 0);
    mod_content_free(&ct);
    onboard(f, &m->mod1, "en", NULL, 20000);
    char why[64];
    *item = claim(f, &m->mod1, 21000, why, sizeof why);
    assert_true(*item > 0);
    return dec;
}

static void audit_state(fx *f, int64_t dec, char *out, size_t n)
{
    vis_err err;
    store_stmt *q;
    assert_int_equal(store_one(f->db, "SELECT audit_state FROM mod_decisions WHERE id = $1", &q, &err, "i", dec), 0);
    assert_non_null(q);
    snprintf(out, n, "%s", store_col_text(q, 0));
    store_done(q);
}

static int decide(fx *f, const account *w, int64_t item, json_t *b, json_t **out, vis_err *err)
{
    mod_ctx c = ctx(f, w, 30000);
    int rc = mod_item_decide(&c, item, b, out, err);
    if (rc) fprintf(stderr, "decide: %s\n", err->msg);
    json_decref(b);
    return rc;
}

static void test_audit_agreed(void **state)
{
    fx *f = *state;
    modfx m;
    people(f, &m);
    int64_t item, dec = audited(f, &m, &item);
    char st[32];
    audit_state(f, dec, st, sizeof st);
    assert_string_equal(st, "pending");
    vis_err err;
    json_t *out = NULL;
    assert_int_equal(decide(f, &m.mod1, item, JSON_PACK("{s:s, s:s}", "action", "keep", "facts", "nothing against the terms"), &out, &err), 0);
    assert_true(json_is_null(json_object_get(out, "decision"))); /* no new decision */
    json_decref(out);
    audit_state(f, dec, st, sizeof st);
    assert_string_equal(st, "agreed");
}

static void test_audit_disagreed_supersedes(void **state)
{
    fx *f = *state;
    modfx m;
    people(f, &m);
    int64_t item, dec = audited(f, &m, &item);
    vis_err err;
    json_t *out = NULL;
    int rc = decide(f, &m.mod1, item,
                    JSON_PACK("{s:s, s:s, s:s, s:s, s:s}", "action", "remove", "category", PLAIN_CAT, "ground",
                              "illegal", "legal_ground", "Penal code 1", "facts", "a scam"),
                    &out, &err);
    if (rc) fprintf(stderr, "decide: %s\n", err.msg);
    assert_int_equal(rc, 0);
    json_t *d = json_object_get(out, "decision");
    assert_true(json_is_object(d));
    assert_int_equal(json_integer_value(json_object_get(d, "supersedes")), dec);
    json_decref(out);
    char st[32];
    audit_state(f, dec, st, sizeof st);
    assert_string_equal(st, "disagreed");
}

/* The audited decision cannot be read (its statement fails when it runs):
 * the audit fails with the store's error — it is not recorded as
 * "disagreed" against a decision never read. */
static void test_audit_read_fails(void **state)
{
    fx *f = *state;
    modfx m;
    people(f, &m);
    int64_t item, dec = audited(f, &m, &item);
    vis_err err;
    /* the decision statement is prepared (the claim's view read it) and now fails */
    assert_int_equal(store_exec_script(f->db, "ALTER TABLE mod_decisions RENAME COLUMN statement TO st_moved", &err),
                     0);
    memset(&err, 0, sizeof err);
    json_t *out = NULL;
    int rc = decide(f, &m.mod1, item, JSON_PACK("{s:s, s:s}", "action", "keep", "facts", "nothing against the terms"), &out, &err);
    json_decref(out);
    assert_int_not_equal(rc, 0);
    assert_int_equal(err.code, rc);
    char st[32];
    audit_state(f, dec, st, sizeof st);
    assert_string_equal(st, "pending");
}

int main(void)
{
    mem_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_onboarding_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_opt_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_gentle_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_exposure_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_agreed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_disagreed_supersedes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_read_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
