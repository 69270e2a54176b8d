/* Unit tests of base/csv.h: the RFC 4180 reader's edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/csv.h"

/* Read all records; fields joined by '|', records by ';', each record
 * prefixed by its line ("2:a|b;"). Returns csv_next's last status. */
static int read_all(const char *in, size_t len, buf *out, vis_err *e)
{
    csv_reader r;
    csv_init(&r, in, len);
    int rc;
    while ((rc = csv_next(&r, e)) == 1) {
        buf_printf(out, "%zu:", r.line);
        for (size_t i = 0; i < r.nfields; i++) {
            if (i) buf_puts(out, "|");
            buf_append(out, r.field[i], r.field_len[i]);
        }
        buf_puts(out, ";");
    }
    csv_free(&r);
    return rc;
}

static void check(const char *in, const char *want)
{
    buf b;
    buf_init(&b);
    vis_err e = {0};
    assert_int_equal(read_all(in, strlen(in), &b, &e), 0);
    assert_string_equal(b.data ? b.data : "", want);
    buf_free(&b);
}

static void test_plain(void **st)
{
    (void)st;
    check("", "");
    check("a,b,c\n1,2,3\n", "1:a|b|c;2:1|2|3;");
    check("a,b\n1,2", "1:a|b;2:1|2;");      /* no final newline */
    check("a,,c,\n", "1:a||c|;");           /* empty fields, trailing comma */
    check("a\n\nb\n", "1:a;2:;3:b;");       /* a blank line is one empty field */
}

static void test_quotes(void **st)
{
    (void)st;
    check("\"a,b\",\"say \"\"hi\"\"\",\"\"\n", "1:a,b|say \"hi\"|;");
    check("x,\"multi\nline\nfield\",y\nnext,1\n", "1:x|multi\nline\nfield|y;4:next|1;");
    check("\"a\r\nb\",c\r\n", "1:a\r\nb|c;");
}

static void test_crlf_bom(void **st)
{
    (void)st;
    check("a,b\r\n1,2\r\n", "1:a|b;2:1|2;");
    check("\xEF\xBB\xBFworker,task\r\nw,t\r\n", "1:worker|task;2:w|t;");
    check("a\rb\r", "1:a;2:b;"); /* bare CR ends a line too */
}

static void test_unterminated(void **st)
{
    (void)st;
    const char *in = "a,b\n1,\"x\ny\n2,3\n";
    buf b;
    buf_init(&b);
    vis_err e = {0};
    assert_int_equal(read_all(in, strlen(in), &b, &e), -1);
    assert_int_equal(e.code, VIS_EINVAL);
    assert_string_equal(e.msg, "line 2: unterminated quoted field");
    buf_free(&b);
    /* the quote opens on line 3 of a record that started on line 2 */
    const char *in2 = "a,b\n\"p\nq\",\"open\n";
    buf_init(&b);
    assert_int_equal(read_all(in2, strlen(in2), &b, &e), -1);
    assert_string_equal(e.msg, "line 3: unterminated quoted field");
    buf_free(&b);
}

static void test_column_and_put(void **st)
{
    (void)st;
    csv_reader r;
    const char *in = "label,task,worker\n";
    csv_init(&r, in, strlen(in));
    vis_err e = {0};
    assert_int_equal(csv_next(&r, &e), 1);
    assert_int_equal(csv_column(&r, "worker"), 2);
    assert_int_equal(csv_column(&r, "task"), 1);
    assert_int_equal(csv_column(&r, "nope"), -1);
    csv_free(&r);
    buf b;
    buf_init(&b);
    csv_put_field(&b, "plain");
    buf_puts(&b, ",");
    csv_put_field(&b, "a,b");
    buf_puts(&b, ",");
    csv_put_field(&b, "say \"x\"");
    buf_puts(&b, ",");
    csv_put_field(&b, "l1\nl2");
    assert_string_equal(b.data, "plain,\"a,b\",\"say \"\"x\"\"\",\"l1\nl2\"");
    /* and it reads back */
    buf back;
    buf_init(&back);
    assert_int_equal(read_all(b.data, b.len, &back, &e), 0);
    assert_string_equal(back.data, "1:plain|a,b|say \"x\"|l1\nl2;");
    buf_free(&back);
    buf_free(&b);
}

static void test_many_fields(void **st)
{
    (void)st;
    buf in, out;
    buf_init(&in);
    buf_init(&out);
    for (int i = 0; i < 100; i++) buf_printf(&in, "%s%d", i ? "," : "", i);
    buf_puts(&in, "\n");
    csv_reader r;
    csv_init(&r, in.data, in.len);
    vis_err e = {0};
    assert_int_equal(csv_next(&r, &e), 1);
    assert_int_equal(r.nfields, 100);
    assert_string_equal(r.field[99], "99");
    assert_int_equal(csv_next(&r, &e), 0);
    csv_free(&r);
    buf_free(&in);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_crlf_bom),     cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_column_and_put), cmocka_unit_test(test_many_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
