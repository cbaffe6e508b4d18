/* test_conn_memory.c: the memory of forgotten connections (conn_memory.h):
 * recall, newest first, generations sized by the rate so that a window of
 * packet time is covered, the cap, pages touched only as needed, and the
 * false-positive rate of a 32-bit fingerprint key (docs/STATES.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/core/conn_memory.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define MIB (1024u * 1024u)

/* splitmix64: distinct, well-mixed keys, as conntab_hash gives. */
static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t key_n(uint32_t n)
{
    uint64_t s = n;
    uint32_t k = (uint32_t)rnd(&s);
    return k ? k : 1;
}

static uint16_t check_n(uint32_t n)
{
    uint64_t s = n;
    return (uint16_t)(rnd(&s) >> 40);
}

static void put(struct conn_memory *m, uint32_t n, uint64_t t_ns)
{
    struct cm_rec r;
    memset(&r, 0, sizeof(r));
    r.key = key_n(n);
    r.check = check_n(n);
    r.id32 = n;
    r.isn[0] = n * 7u;
    cm_remember(m, &r, t_ns);
}

static int has(const struct conn_memory *m, uint32_t n)
{
    const struct cm_rec *r = NULL;
    while ((r = cm_recall(m, key_n(n), check_n(n), r)) != NULL)
        if (r->id32 == n)
            return 1;
    return 0;
}

static void test_recall(void **state)
{
    struct conn_memory *m = cm_new(32 * MIB, SEC);
    struct cm_rec r;
    const struct cm_rec *got;
    (void)state;
    assert_non_null(m);
    assert_null(cm_recall(m, 42, 9, NULL));
    memset(&r, 0, sizeof(r));
    r.key = 42;
    r.id32 = 7;
    r.isn[0] = 1000;
    r.isn[1] = 2000;
    r.flags = CM_F_CLIENT_FIRST | CM_F_CISN;
    r.check = 9;
    r.oc = CM_OC(3u, 5u, 7u);
    assert_int_equal(CM_OC_OUTCOME(r.oc), 3);
    assert_int_equal(CM_OC_CLOSE(r.oc), 5);
    assert_int_equal(CM_OC_GEN(r.oc), 3); /* saturated */
    cm_remember(m, &r, 10 * SEC);
    got = cm_recall(m, 42, 9, NULL);
    assert_non_null(got);
    assert_memory_equal(got, &r, sizeof(r));
    assert_null(cm_recall(m, 43, 9, NULL));
    assert_null(cm_recall(m, 42, 10, NULL)); /* the other 16 bits differ */
    /* The same connection again: replaced in place. */
    r.isn[0] = 1001;
    cm_remember(m, &r, 11 * SEC);
    got = cm_recall(m, 42, 9, NULL);
    assert_int_equal(got->isn[0], 1001);
    assert_null(cm_recall(m, 42, 9, got));
    /* Another connection with a colliding key: both are kept. */
    r.id32 = 8;
    cm_remember(m, &r, 12 * SEC);
    got = cm_recall(m, 42, 9, NULL);
    assert_non_null(got);
    got = cm_recall(m, 42, 9, got);
    assert_non_null(got);
    assert_null(cm_recall(m, 42, 9, got));
    assert_int_equal(cm_stats(m)->remembered, 3);
    assert_int_equal(cm_window_ns(m), 3 * SEC);
    cm_free(m);
}

/* 100,000 fingerprints a second for 10 s: every one of the last 3 s is
 * recalled, nothing was dropped early, and older ones are gone. */
static void test_window_at_rate(void **state)
{
    struct conn_memory *m = cm_new(32 * MIB, SEC);
    uint32_t n, total = 1000000, rate = 100000, missing = 0;
    (void)state;
    for (n = 0; n < total; n++)
        put(m, n, 100 * SEC + (uint64_t)n * (SEC / rate));
    for (n = total - 3 * rate; n < total; n++)
        missing += !has(m, n);
    assert_int_equal(missing, 0);
    assert_int_equal(cm_stats(m)->forgotten_early, 0);
    assert_false(has(m, 0));
    assert_false(has(m, total - 6 * rate));
    /* About 1.6 x 100,000 slots a generation, not the whole arena. */
    assert_true(cm_stats(m)->bytes_touched < 16 * MIB);
    assert_true(cm_stats(m)->bytes_touched <= cm_stats(m)->cap_bytes);
    cm_free(m);
}

/* A slow trickle is remembered far longer than the window. */
static void test_low_rate_remembers_long(void **state)
{
    struct conn_memory *m = cm_new(32 * MIB, SEC);
    uint32_t n;
    (void)state;
    for (n = 0; n < 500; n++)
        put(m, n, (uint64_t)n * 2 * SEC);
    for (n = 0; n < 500; n++)
        assert_true(has(m, n));
    assert_int_equal(cm_stats(m)->rotations, 0);
    /* Only the first generation's smallest table was touched. */
    assert_int_equal(cm_stats(m)->bytes_touched, CM_MIN_SLOTS * sizeof(struct cm_rec));
    cm_free(m);
}

/* A cap too small for the rate: the window shrinks and the fingerprints
 * dropped early are counted. */
static void test_cap_counts_forgotten(void **state)
{
    struct conn_memory *m = cm_new(1 * MIB, SEC); /* 52,428 fingerprints */
    uint32_t n;
    (void)state;
    for (n = 0; n < 400000; n++)
        put(m, n, (uint64_t)n * 10000u); /* 100,000 a second */
    assert_true(cm_stats(m)->forgotten_early > 0);
    assert_true(cm_stats(m)->bytes_touched <= cm_stats(m)->cap_bytes);
    assert_true(cm_stats(m)->cap_bytes <= 1 * MIB);
    assert_true(has(m, 399999));
    cm_free(m);
}

/* The false-positive rate of the key (docs/STATES.md): 600,000
 * fingerprints, 1,000,000 other tuples: a hit needs all 48 bits to
 * collide, expected 600,000 / 2^48 = 2e-9 of lookups; with the 32-bit key
 * alone it would be 600,000 / 2^32 = 0.014 %. */
static void test_false_positive_rate(void **state)
{
    struct conn_memory *m = cm_new(32 * MIB, SEC);
    uint32_t n, hits = 0;
    (void)state;
    for (n = 0; n < 600000; n++)
        put(m, n, (uint64_t)n * 5000u); /* 200,000 a second for 3 s */
    assert_int_equal(cm_stats(m)->forgotten_early, 0);
    for (n = 0; n < 600000; n += 997)
        assert_true(has(m, n));
    for (n = 1000000; n < 2000000; n++)
        hits += cm_recall(m, key_n(n), check_n(n), NULL) != NULL;
    assert_int_equal(hits, 0);
    cm_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recall),
        cmocka_unit_test(test_window_at_rate),
        cmocka_unit_test(test_low_rate_remembers_long),
        cmocka_unit_test(test_cap_counts_forgotten),
        cmocka_unit_test(test_false_positive_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
