/* test_json.c: the streaming JSON writer: escaping, UTF-8 repair, commas,
 * nesting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/core/json.h"

struct mem {
    char *buf;
    size_t len;
    FILE *f;
};

static void mem_open(struct mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
}

/* Close and return the text (owned by m). */
static const char *mem_text(struct mem *m)
{
    fclose(m->f);
    m->f = NULL;
    return m->buf;
}

static void mem_free(struct mem *m)
{
    free(m->buf);
}

static void check_str(const char *in, const char *want)
{
    struct mem m;
    mem_open(&m);
    json_write_string(m.f, in);
    assert_string_equal(mem_text(&m), want);
    mem_free(&m);
}

static void test_plain_and_null(void **state)
{
    (void)state;
    check_str("abc", "\"abc\"");
    check_str("", "\"\"");
    check_str(NULL, "null");
}

static void test_escapes(void **state)
{
    (void)state;
    check_str("a\"b", "\"a\\\"b\"");
    check_str("a\\b", "\"a\\\\b\"");
    check_str("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
    check_str("\x01\x1f", "\"\\u0001\\u001f\"");
    check_str("/\x7f", "\"/\x7f\""); /* DEL and '/' need no escape */
}

static void test_utf8(void **state)
{
    (void)state;
    check_str("caf\xc3\xa9", "\"caf\xc3\xa9\"");                   /* U+00E9 kept */
    check_str("\xe2\x82\xac", "\"\xe2\x82\xac\"");                 /* U+20AC kept */
    check_str("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");         /* U+1F600 kept */
    check_str("a\xff" "b", "\"a\\ufffdb\"");                       /* invalid byte */
    check_str("\xc0\xaf", "\"\\ufffd\\ufffd\"");                   /* overlong '/' */
    check_str("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");        /* surrogate */
    check_str("\xc3", "\"\\ufffd\"");                              /* cut at the end */
    check_str("\xe2\x82", "\"\\ufffd\\ufffd\"");
}

static void test_object_members(void **state)
{
    struct mem m;
    struct json j;
    (void)state;
    mem_open(&m);
    json_begin(&j, m.f);
    json_str(&j, "type", "x");
    json_u64(&j, "u", UINT64_MAX);
    json_i64(&j, "i", INT64_MIN);
    json_bool(&j, "t", true);
    json_bool(&j, "f", false);
    json_null(&j, "n");
    json_number_text(&j, "ts", "1704067200.000123");
    json_str(&j, "s", NULL);
    json_end(&j);
    assert_string_equal(mem_text(&m),
                        "{\"type\":\"x\",\"u\":18446744073709551615,\"i\":-9223372036854775808,"
                        "\"t\":true,\"f\":false,\"n\":null,\"ts\":1704067200.000123,\"s\":null}\n");
    mem_free(&m);
}

static void test_nesting(void **state)
{
    struct mem m;
    struct json j;
    (void)state;
    mem_open(&m);
    json_begin(&j, m.f);
    json_obj_open(&j, "o");
    json_obj_close(&j);
    json_arr_open(&j, "a");
    json_arr_str(&j, "x");
    json_arr_str(&j, "y\"");
    json_arr_close(&j);
    json_arr_open(&j, "e");
    json_arr_close(&j);
    json_obj_open(&j, "p");
    json_u64(&j, "k", 1);
    json_obj_open(&j, "q");
    json_bool(&j, "z", false);
    json_obj_close(&j);
    json_u64(&j, "after", 2);
    json_obj_close(&j);
    json_end(&j);
    assert_string_equal(mem_text(&m), "{\"o\":{},\"a\":[\"x\",\"y\\\"\"],\"e\":[],"
                                      "\"p\":{\"k\":1,\"q\":{\"z\":false},\"after\":2}}\n");
    mem_free(&m);
}

static void test_end_closes_open_objects(void **state)
{
    struct mem m;
    struct json j;
    (void)state;
    mem_open(&m);
    json_begin(&j, m.f);
    json_obj_open(&j, "o");
    json_u64(&j, "k", 1);
    json_end(&j);
    assert_string_equal(mem_text(&m), "{\"o\":{\"k\":1}}\n");
    mem_free(&m);
}

static void test_key_escaped(void **state)
{
    struct mem m;
    struct json j;
    (void)state;
    mem_open(&m);
    json_begin(&j, m.f);
    json_u64(&j, "half-open", 3);
    json_u64(&j, "we\"ird", 4);
    json_end(&j);
    assert_string_equal(mem_text(&m), "{\"half-open\":3,\"we\\\"ird\":4}\n");
    mem_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_null),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_object_members),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_end_closes_open_objects),
        cmocka_unit_test(test_key_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
