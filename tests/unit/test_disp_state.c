/* Unit test of the dispatch state texts <-> enums (disp_state.h): every
 * state the schema's CHECKs allow (read from the schema text itself, so a
 * state added there without a table entry fails here) parses to an enum
 * whose name is that text; every enum names a text that parses back to it;
 * an unknown text is refused (-1) and, read from the store, is a store
 * error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dispatch/disp_state.h"

extern const char store_schema_dispatch[];
extern const char store_schema_dispatch_13[];

/* The quoted words of the CHECK on `state` in the CREATE TABLE `table` of
 * schema, into w[] (at most 16); their count. */
static int check_words(const char *schema, const char *table, char w[16][32])
{
    char head[64];
    snprintf(head, sizeof head, "CREATE TABLE %s(", table);
    const char *t = strstr(schema, head);
    if (!t) fail_msg("no table %s in the schema", table);
    const char *end = strstr(t + 1, "CREATE TABLE");
    const char *ck = strstr(t, "CHECK (state");
    if (!ck || (end && ck > end)) fail_msg("no CHECK on state in %s", table);
    const char *stop = strstr(ck, "),");
    if (!stop) fail_msg("unterminated CHECK in %s", table);
    int n = 0;
    for (const char *p = ck; p < stop && n < 16;) {
        const char *a = strchr(p, '\'');
        if (!a || a >= stop) break;
        const char *b = strchr(a + 1, '\'');
        assert_non_null(b);
        assert_true(b - a - 1 < 32);
        snprintf(w[n++], 32, "%.*s", (int)(b - a - 1), a + 1);
        p = b + 1;
    }
    return n;
}

static void test_jobs(void **state)
{
    (void)state;
    char w[16][32];
    int n = check_words(store_schema_dispatch, "disp_jobs", w);
    assert_int_equal(n, DISP_JS_N);
    for (int i = 0; i < n; i++) {
        int s = disp_jst_parse(w[i]);
        if (s < 0) fail_msg("job state '%s' of the schema has no enum", w[i]);
        assert_string_equal(disp_jst_name((disp_jst)s), w[i]);
    }
    for (int s = 0; s < DISP_JS_N; s++) assert_int_equal(disp_jst_parse(disp_jst_name((disp_jst)s)), s);
    assert_int_equal(disp_jst_parse("scheduled"), -1); /* a view of open, never stored */
    assert_int_equal(disp_jst_parse_shown("scheduled"), DISP_JS_OPEN);
    for (int s = 0; s < DISP_JS_N; s++) assert_int_equal(disp_jst_parse_shown(disp_jst_name((disp_jst)s)), s);
    assert_int_equal(disp_jst_parse_shown("later"), -1);
    assert_int_equal(disp_jst_parse_shown(NULL), -1);
}

static void test_offers(void **state)
{
    (void)state;
    char w[16][32];
    int n = check_words(store_schema_dispatch, "disp_offers", w);
    assert_int_equal(n, DISP_OS_N);
    for (int i = 0; i < n; i++) {
        int s = disp_ost_parse(w[i]);
        if (s < 0) fail_msg("offer state '%s' of the schema has no enum", w[i]);
        assert_string_equal(disp_ost_name((disp_ost)s), w[i]);
    }
    for (int s = 0; s < DISP_OS_N; s++) assert_int_equal(disp_ost_parse(disp_ost_name((disp_ost)s)), s);
}

static void test_onboarding(void **state)
{
    (void)state;
    char w[16][32];
    int n = check_words(store_schema_dispatch_13, "disp_onboarding", w);
    assert_int_equal(n, DISP_OB_N - 1); /* applied is the absence of a row */
    for (int i = 0; i < n; i++) {
        int s = disp_obst_parse(w[i]);
        if (s < 0) fail_msg("onboarding state '%s' of the schema has no enum", w[i]);
        assert_int_not_equal(s, DISP_OB_APPLIED);
        assert_string_equal(disp_obst_name((disp_obst)s), w[i]);
    }
    for (int s = 0; s < DISP_OB_N; s++) assert_int_equal(disp_obst_parse(disp_obst_name((disp_obst)s)), s);
}

static void test_unknown(void **state)
{
    (void)state;
    const char *bad[] = {"", "Open", "open ", "unknown", "pending", "delivered\n", NULL};
    for (int i = 0; bad[i]; i++) assert_int_equal(disp_jst_parse(bad[i]), -1);
    assert_int_equal(disp_jst_parse(NULL), -1);
    assert_int_equal(disp_ost_parse("open"), -1);
    assert_int_equal(disp_ost_parse(NULL), -1);
    assert_int_equal(disp_obst_parse("pending"), -1);
    assert_int_equal(disp_obst_parse(""), -1);
    assert_string_equal(disp_jst_name(DISP_JS_N), "unknown");
    assert_string_equal(disp_ost_name((disp_ost)-1), "unknown");
    assert_string_equal(disp_obst_name(DISP_OB_N), "unknown");
    vis_err err = {0};
    assert_int_equal(disp_state_unknown(&err, "job", 7, "lost"), VIS_ESTORE);
    assert_int_equal(err.code, VIS_ESTORE);
    if (!strstr(err.msg, "job 7") || !strstr(err.msg, "\"lost\""))
        fail_msg("message \"%s\" lacks the row or the text", err.msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs),
        cmocka_unit_test(test_offers),
        cmocka_unit_test(test_onboarding),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
