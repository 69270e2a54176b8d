/* Unit tests of the registry of automated-decision kinds (core/decisions.h)
 * as the server collects it (server_decision_kinds, http/routes.c): every
 * entry is complete, no (family, event) is registered twice, lookups work,
 * and every automated event the source journals has an entry — found by
 * scanning src/ for the journal calls flagged automated (run from the
 * repository's root, as make check does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decisions.h"
#include "http/http.h"

static void test_entries_complete_and_unique(void **state)
{
    (void)state;
    const decision_kind *const *t = server_decision_kinds();
    size_t n = 0;
    for (size_t i = 0; t[i]; i++)
        for (const decision_kind *k = t[i]; k->family; k++, n++) {
            assert_non_null(k->event);
            assert_true(k->event[0] != '\0');
            assert_true(k->family[0] != '\0');
            assert_non_null(k->system);
            assert_non_null(k->rule);
            assert_non_null(k->text);
            assert_true(k->system[0] && k->rule[0] && strlen(k->text) >= 20);
            /* unique, and found as itself */
            assert_ptr_equal(decision_kind_find(t, k->family, k->event), k);
            for (size_t j = 0; t[j]; j++)
                for (const decision_kind *o = t[j]; o->family; o++)
                    if (o != k && !strcmp(o->family, k->family) && !strcmp(o->event, k->event))
                        fail_msg("(%s, %s) registered twice", k->family, k->event);
        }
    assert_true(n >= 10);
    assert_null(decision_kind_find(t, "microwork", "no_such_event"));
    assert_null(decision_kind_find(NULL, "microwork", "blocked"));
    /* an overturned block is undone by micro-work's own function */
    const decision_kind *b = decision_kind_find(t, "microwork", "blocked");
    assert_non_null(b);
    assert_non_null(b->undo);
    assert_null(decision_kind_find(t, "dispatch", "offered")->undo);
}

static void test_subject_id(void **state)
{
    (void)state;
    assert_int_equal(decision_subject_id("batch:12", "batch:"), 12);
    assert_int_equal(decision_subject_id("batch:12x", "batch:"), -1);
    assert_int_equal(decision_subject_id("task:12", "batch:"), -1);
    assert_int_equal(decision_subject_id("batch:0", "batch:"), -1);
    assert_int_equal(decision_subject_id(NULL, "batch:"), -1);
}

/* ---- every automated event in the source has an entry ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

/* the end of the expression starting at p: the next ',' or closing
   bracket at depth 0, outside string literals */
static const char *expr_end(const char *p)
{
    int depth = 0;
    for (; *p; p++) {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            continue;
        }
        if (*p == '(' || *p == '{' || *p == '[')
            depth++;
        else if (*p == ')' || *p == '}' || *p == ']') {
            if (depth-- == 0) return p;
        } else if (*p == ',' && depth == 0)
            return p;
    }
    return p;
}

/* the closing bracket of the block whose opening one is p[-1] */
static const char *block_end(const char *p)
{
    while (*p && *(p = expr_end(p)) == ',') p++;
    return p;
}

/* the first string literal in [p, end) into out, or false */
static int first_literal(const char *p, const char *end, char *out, size_t cap)
{
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (!q) return 0;
    const char *e = strchr(q + 1, '"');
    if (!e || e > end || (size_t)(e - q - 1) >= cap) return 0;
    memcpy(out, q + 1, (size_t)(e - q - 1));
    out[e - q - 1] = '\0';
    return 1;
}

static const char *family_name(const char *tok)
{
    static const struct {
        const char *macro, *name;
    } m[] = {{"MW_FAMILY", "microwork"}, {"DISP_FAMILY", "dispatch"}, {"MOD_FAMILY", "moderation"}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strncmp(tok, m[i].macro, strlen(m[i].macro))) return m[i].name;
    return NULL;
}

typedef struct found {
    int n, missing;
    char seen[64][96];
} found;

static void check(found *f, const char *family, const char *event, const char *where)
{
    if (!decision_kind_find(server_decision_kinds(), family, event)) {
        print_error("automated event (%s, %s) journalled in %s has no registry entry\n", family, event, where);
        f->missing++;
    }
    if (f->n < 64) snprintf(f->seen[f->n++], sizeof f->seen[0], "%s/%s", family, event);
}

/* svc_journal(c, &(svc_event){.family = F, .event = E, ..., .automated = A, ...}) with A not false;
   when E is a condition's choice (`expired ? "lease_expired" : "returned"`), the first is the automated one */
static void scan_svc_events(found *f, const char *path, const char *s)
{
    for (const char *p = s; (p = strstr(p, "svc_event){")); p++) {
        const char *open = p + strlen("svc_event)");
        const char *close = block_end(open + 1);
        const char *a = strstr(open, ".automated");
        if (!a || a > close) continue;
        a += strlen(".automated");
        while (*a == ' ' || *a == '=') a++;
        if (!strncmp(a, "false", 5)) continue;
        const char *fa = strstr(open, ".family"), *ev = strstr(open, ".event");
        assert_true(fa && fa < close && ev && ev < close);
        fa += strlen(".family");
        while (*fa == ' ' || *fa == '=') fa++;
        char fam[32], evn[64];
        const char *fn = family_name(fa);
        if (fn)
            snprintf(fam, sizeof fam, "%s", fn);
        else
            assert_true(first_literal(fa, expr_end(fa), fam, sizeof fam));
        ev += strlen(".event");
        if (first_literal(ev, expr_end(ev), evn, sizeof evn)) {
            check(f, fam, evn, path);
            continue;
        }
        /* the event is a parameter of a helper: dispatch's alert(c, job, kind, event, ...) */
        assert_string_equal(strrchr(path, '/') + 1, "disp_svc_notify.c");
        int calls = 0;
        for (const char *q = s; (q = strstr(q, "alert(c, ")); q++) {
            const char *arg = q + strlen("alert(c, ");
            for (int k = 0; k < 2; k++) arg = expr_end(arg) + 1;
            if (first_literal(arg, expr_end(arg), evn, sizeof evn)) {
                check(f, fam, evn, path);
                calls++;
            }
        }
        assert_true(calls >= 1);
    }
}

/* journal_event_init("family", "event", ...) followed by ev.automated = true (the server's own) */
static void scan_journal_inits(found *f, const char *path, const char *s)
{
    for (const char *p = s; (p = strstr(p, "journal_event_init(\"")); p++) {
        const char *args = p + strlen("journal_event_init(");
        const char *e1 = expr_end(args), *e2 = expr_end(e1 + 1);
        char fam[32], evn[64];
        if (!first_literal(args, e1, fam, sizeof fam) || !first_literal(e1 + 1, e2, evn, sizeof evn)) continue;
        const char *app = strstr(p, "journal_append"), *au = strstr(p, "ev.automated = true");
        if (au && (!app || au < app)) check(f, fam, evn, path);
    }
}

static void test_every_automated_event_registered(void **state)
{
    (void)state;
    static const char *const dirs[] = {"src/microwork", "src/dispatch",   "src/moderation", "src/core",
                                       "src/http",      "src/visibility", "src/cli"};
    found f = {0};
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        DIR *dir = opendir(dirs[d]);
        if (!dir) fail_msg("cannot open %s: run from the repository's root", dirs[d]);
        struct dirent *de;
        while ((de = readdir(dir))) {
            size_t n = strlen(de->d_name);
            if (n < 3 || strcmp(de->d_name + n - 2, ".c")) continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dirs[d], de->d_name);
            char *s = slurp(path);
            assert_non_null(s);
            scan_svc_events(&f, path, s);
            scan_journal_inits(&f, path, s);
            free(s);
        }
        closedir(dir);
    }
    assert_int_equal(f.missing, 0);
    /* the scan found what is known to be there */
    static const char *const known[] = {
        "microwork/blocked",        "microwork/lease_expired",     "microwork/approved",
        "microwork/fair_pay_topup", "microwork/task_closed_early", "dispatch/dispatch_decision",
        "dispatch/offered",         "dispatch/job_late",           "dispatch/no_courier_found",
        "moderation/auto_decided",  "moderation/audit_sampled",    "core/rate_limited"};
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        int hit = 0;
        for (int i = 0; i < f.n && !hit; i++) hit = !strcmp(f.seen[i], known[k]);
        if (!hit) fail_msg("the scan did not find %s", known[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_complete_and_unique),
        cmocka_unit_test(test_subject_id),
        cmocka_unit_test(test_every_automated_event_registered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
