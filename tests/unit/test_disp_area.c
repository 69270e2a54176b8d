/* Unit tests of the service-area polygon test (disp_area_contains): inside,
 * outside, a concave polygon, and points far away (0, 0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dispatch/disp_area.h"

/* a square around Paris, micro-degrees */
static const int64_t sq_lat[] = {48806600, 48806600, 48906600, 48906600};
static const int64_t sq_lon[] = {2272200, 2432200, 2432200, 2272200};

static void test_square(void **state)
{
    (void)state;
    assert_true(disp_area_contains(4, sq_lat, sq_lon, 48856600, 2352200));
    assert_true(disp_area_contains(4, sq_lat, sq_lon, 48806700, 2272300));
    assert_false(disp_area_contains(4, sq_lat, sq_lon, 0, 0));
    assert_false(disp_area_contains(4, sq_lat, sq_lon, 48956600, 2352200));
    assert_false(disp_area_contains(4, sq_lat, sq_lon, 48856600, 2500000));
    assert_false(disp_area_contains(4, sq_lat, sq_lon, -48856600, -2352200));
}

static void test_concave(void **state)
{
    (void)state;
    /* a U: the notch between the arms is outside */
    const int64_t la[] = {0, 0, 3000000, 3000000, 1000000, 1000000, 3000000, 3000000};
    const int64_t lo[] = {0, 3000000, 3000000, 2000000, 2000000, 1000000, 1000000, 0};
    assert_true(disp_area_contains(8, la, lo, 500000, 1500000));   /* the base */
    assert_true(disp_area_contains(8, la, lo, 2000000, 500000));   /* left arm */
    assert_true(disp_area_contains(8, la, lo, 2000000, 2500000));  /* right arm */
    assert_false(disp_area_contains(8, la, lo, 2000000, 1500000)); /* the notch */
}

static void test_degenerate(void **state)
{
    (void)state;
    assert_false(disp_area_contains(0, sq_lat, sq_lon, 48856600, 2352200));
    /* a triangle around 0, 0 */
    const int64_t la[] = {-1000000, -1000000, 1000000};
    const int64_t lo[] = {-1000000, 1000000, 0};
    assert_true(disp_area_contains(3, la, lo, 0, 0));
    assert_false(disp_area_contains(3, la, lo, 2000000, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_square),
        cmocka_unit_test(test_concave),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
