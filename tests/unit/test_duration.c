/* test_duration.c: --slower-than's duration parser (duration.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "duration.h"

static void ok(const char *s, int64_t want)
{
    int64_t ns = -7;
    assert_int_equal(duration_parse_ns(s, &ns), 0);
    assert_true(ns == want);
}

static void bad(const char *s)
{
    int64_t ns = -7;
    assert_int_equal(duration_parse_ns(s, &ns), -1);
    assert_true(ns == -7);
}

static void test_units(void **state)
{
    (void)state;
    ok("100ms", 100000000);
    ok("1.5s", 1500000000);
    ok("250us", 250000);
    ok("7ns", 7);
    ok("2", 2000000000);
    ok("0.1", 100000000);  /* exact: no floating point */
    ok("0.000000001s", 1);
    ok("1.25ms", 1250000);
    ok("0", 0);
    ok("3600s", 3600000000000LL);
}

static void test_rejects(void **state)
{
    (void)state;
    bad("");
    bad("ms");
    bad("-1s");
    bad("1.s");
    bad(".5"); /* a digit first */
    bad("1.0000000001s");
    bad("10 ms");
    bad("1h");
    bad("3601s");
    bad("99999999999999999999999");
    bad(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
