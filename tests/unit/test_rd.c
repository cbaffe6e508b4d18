/* test_rd.c: the bounded read cursor (rd.h): values, end of data, the sticky
 * truncation flag, child cursors and narrowing. Buffers are malloc'ed at
 * their exact size so ASan reports any read past them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rd.h"

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    if (n)
        memcpy(d, p, n);
    return d;
}

static void test_init_and_left(void **state)
{
    static const uint8_t b[3] = { 1, 2, 3 };
    struct rd r = rd_init(b, sizeof(b));
    (void)state;
    assert_ptr_equal(r.cur, b);
    assert_int_equal(rd_left(&r), 3);
    assert_false(r.trunc);
}

static void test_values_big_and_little_endian(void **state)
{
    /* High bits set everywhere: a shift into the sign bit would trip UBSan. */
    static const uint8_t b[] = { 0xFE, 0x80, 0x01, 0xF0, 0x0D, 0xDE, 0xAD, 0xBE, 0xEF,
                                 0x81, 0x82, 0x83, 0x84 };
    uint8_t *p = dup_exact(b, sizeof(b));
    struct rd r = rd_init(p, sizeof(b));
    (void)state;
    assert_int_equal(rd_u8(&r), 0xFE);
    assert_int_equal(rd_be16(&r), 0x8001);
    assert_int_equal(rd_le16(&r), 0x0DF0);
    assert_int_equal(rd_be32(&r), 0xDEADBEEFu);
    assert_int_equal(rd_left(&r), 4);
    assert_int_equal(rd_le32(&r), 0x84838281u);
    assert_int_equal(rd_left(&r), 0);
    assert_false(r.trunc);
    free(p);
}

static void test_read_past_end_is_zero_and_sticky(void **state)
{
    static const uint8_t b[] = { 0x11, 0x22, 0x33 };
    uint8_t *p = dup_exact(b, sizeof(b));
    struct rd r = rd_init(p, sizeof(b));
    (void)state;
    /* 4 bytes wanted, 3 present: nothing consumed, 0 returned, cursor empty. */
    assert_int_equal(rd_be32(&r), 0);
    assert_true(r.trunc);
    assert_int_equal(rd_left(&r), 0);
    /* Sticky: every later read fails too, even of zero bytes. */
    assert_int_equal(rd_u8(&r), 0);
    assert_false(rd_need(&r, 0));
    assert_false(rd_skip(&r, 0));
    assert_true(r.trunc);
    free(p);
}

static void test_sticky_even_if_data_would_fit(void **state)
{
    static const uint8_t b[] = { 0xAA, 0xBB, 0xCC, 0xDD };
    struct rd r = rd_init(b, sizeof(b));
    (void)state;
    /* A failed wide read empties the cursor: the narrower read that would
     * have fitted before it must fail as well (no silent resync). */
    assert_int_equal(rd_be32(&r), 0xAABBCCDDu);
    r = rd_init(b, 3);
    assert_int_equal(rd_le32(&r), 0);
    assert_int_equal(rd_le16(&r), 0);
    assert_int_equal(rd_be16(&r), 0);
    assert_true(r.trunc);
}

static void test_empty_and_null(void **state)
{
    struct rd r = rd_init(NULL, 0);
    uint8_t dst[2] = { 7, 7 };
    (void)state;
    assert_int_equal(rd_left(&r), 0);
    assert_true(rd_need(&r, 0) == true);
    assert_int_equal(rd_u8(&r), 0);
    assert_true(r.trunc);
    assert_false(rd_copy(&r, dst, 1));
    assert_int_equal(dst[0], 7);
    assert_int_equal(rd_peek8(&r, 0), 0);
}

static void test_need_exact(void **state)
{
    static const uint8_t b[] = { 1, 2 };
    struct rd r = rd_init(b, 2);
    (void)state;
    assert_true(rd_need(&r, 2));
    assert_false(r.trunc);
    assert_int_equal(rd_left(&r), 2); /* need does not consume */
    assert_false(rd_need(&r, 3));
    assert_true(r.trunc);
    assert_int_equal(rd_left(&r), 0);
}

static void test_peek(void **state)
{
    static const uint8_t b[] = { 0x45, 0x99 };
    uint8_t *p = dup_exact(b, sizeof(b));
    struct rd r = rd_init(p, sizeof(b));
    (void)state;
    assert_int_equal(rd_peek8(&r, 0), 0x45);
    assert_int_equal(rd_peek8(&r, 1), 0x99);
    assert_int_equal(rd_left(&r), 2);
    assert_false(r.trunc);
    assert_int_equal(rd_peek8(&r, 2), 0); /* one past the end */
    assert_true(r.trunc);
    assert_int_equal(rd_left(&r), 0);
    free(p);
}

static void test_peek_huge_offset(void **state)
{
    static const uint8_t b[] = { 1 };
    struct rd r = rd_init(b, 1);
    (void)state;
    assert_int_equal(rd_peek8(&r, (size_t)-1), 0);
    assert_true(r.trunc);
}

static void test_skip_and_copy(void **state)
{
    static const uint8_t b[] = { 1, 2, 3, 4, 5, 6 };
    uint8_t *p = dup_exact(b, sizeof(b));
    struct rd r = rd_init(p, sizeof(b));
    uint8_t dst[4] = { 0 };
    static const uint8_t untouched[4] = { 0xEE, 0xEE, 0xEE, 0xEE };
    (void)state;
    assert_true(rd_skip(&r, 1));
    assert_true(rd_copy(&r, dst, 3));
    assert_int_equal(dst[0], 2);
    assert_int_equal(dst[2], 4);
    assert_int_equal(rd_left(&r), 2);
    memset(dst, 0xEE, sizeof(dst));
    assert_false(rd_copy(&r, dst, 3)); /* only 2 left */
    assert_memory_equal(dst, untouched, 4);
    assert_true(r.trunc);
    free(p);

    r = rd_init(b, sizeof(b));
    assert_false(rd_skip(&r, 7));
    assert_true(r.trunc);
    r = rd_init(b, sizeof(b));
    assert_false(rd_skip(&r, (size_t)-1)); /* no wrap-around */
    assert_true(r.trunc);
}

static void test_sub_exact(void **state)
{
    static const uint8_t b[] = { 1, 2, 3, 4, 5 };
    struct rd r = rd_init(b, sizeof(b));
    struct rd c;
    (void)state;
    (void)rd_u8(&r);
    c = rd_sub(&r, 3);
    assert_int_equal(rd_left(&c), 3);
    assert_false(c.trunc);
    assert_false(r.trunc);
    assert_int_equal(rd_left(&r), 1); /* parent skipped the child's bytes */
    assert_int_equal(rd_u8(&r), 5);
    assert_int_equal(rd_u8(&c), 2);
    assert_int_equal(rd_be16(&c), 0x0304);
    /* The child ends where it was told to, not where the parent does. */
    assert_int_equal(rd_u8(&c), 0);
    assert_true(c.trunc);
}

static void test_sub_short_marks_parent(void **state)
{
    static const uint8_t b[] = { 9, 8, 7 };
    uint8_t *p = dup_exact(b, sizeof(b));
    struct rd r = rd_init(p, sizeof(b));
    struct rd c;
    (void)state;
    c = rd_sub(&r, 10);
    assert_int_equal(rd_left(&c), 3); /* what there is */
    assert_false(c.trunc);            /* the child is usable... */
    assert_true(r.trunc);             /* ...the parent knows it was cut */
    assert_int_equal(rd_left(&r), 0);
    assert_int_equal(rd_u8(&c), 9);
    assert_int_equal(rd_be16(&c), 0x0807);
    assert_int_equal(rd_u8(&c), 0);
    assert_true(c.trunc);
    free(p);
}

static void test_sub_zero_and_child_trunc_independent(void **state)
{
    static const uint8_t b[] = { 1, 2 };
    struct rd r = rd_init(b, 2);
    struct rd c = rd_sub(&r, 0);
    (void)state;
    assert_int_equal(rd_left(&c), 0);
    assert_false(r.trunc);
    (void)rd_u8(&c);
    assert_true(c.trunc);
    assert_false(r.trunc); /* a child's truncation stays in the child */
    assert_int_equal(rd_be16(&r), 0x0102);
}

static void test_limit(void **state)
{
    static const uint8_t b[] = { 1, 2, 3, 4, 5, 6 };
    struct rd r = rd_init(b, sizeof(b));
    (void)state;
    rd_limit(&r, 4);
    assert_int_equal(rd_left(&r), 4);
    rd_limit(&r, 100); /* never widens */
    assert_int_equal(rd_left(&r), 4);
    assert_false(r.trunc);
    assert_int_equal(rd_be32(&r), 0x01020304u);
    assert_int_equal(rd_u8(&r), 0); /* bytes 5 and 6 are out of reach now */
    assert_true(r.trunc);
    r = rd_init(b, sizeof(b));
    rd_limit(&r, 0);
    assert_int_equal(rd_left(&r), 0);
    assert_false(r.trunc); /* narrowing alone is not truncation */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_left),
        cmocka_unit_test(test_values_big_and_little_endian),
        cmocka_unit_test(test_read_past_end_is_zero_and_sticky),
        cmocka_unit_test(test_sticky_even_if_data_would_fit),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_need_exact),
        cmocka_unit_test(test_peek),
        cmocka_unit_test(test_peek_huge_offset),
        cmocka_unit_test(test_skip_and_copy),
        cmocka_unit_test(test_sub_exact),
        cmocka_unit_test(test_sub_short_marks_parent),
        cmocka_unit_test(test_sub_zero_and_child_trunc_independent),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
