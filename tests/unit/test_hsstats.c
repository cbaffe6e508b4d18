/* test_hsstats.c: the summary's bounded statistics: histogram buckets
 * cover every value once, percentiles stay within the documented error of
 * the exact nearest-rank value (checked against a sort of the same data),
 * min and max are exact, refused ports rank by count then port. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hsstats.h"
#include "tracker.h"
#include "views_fixture.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Exact nearest-rank percentile of sorted v[0..n). */
static uint64_t exact(const uint64_t *v, size_t n, unsigned permille)
{
    size_t rank = (size_t)(((uint64_t)n * permille + 999u) / 1000u);
    if (rank == 0)
        rank = 1;
    return v[rank - 1];
}

static void test_buckets_partition(void **state)
{
    uint64_t v;
    size_t prev = 0;
    (void)state;
    /* Buckets are monotonic and every bucket's high bound maps back to it. */
    for (v = 0; v < 200000; v++) {
        size_t b = hist_bucket(v);
        assert_true(b >= prev);
        assert_true(b <= prev + 1);
        assert_true(hist_bucket_high(b) >= v);
        assert_int_equal(hist_bucket(hist_bucket_high(b)), b);
        prev = b;
    }
    /* Exact below 64, then 32 buckets per power of two. */
    assert_int_equal(hist_bucket(63), 63);
    assert_int_equal(hist_bucket(64), 64);
    assert_int_equal(hist_bucket(65), 64);
    assert_int_equal(hist_bucket(66), 65);
    assert_int_equal(hist_bucket(128), 96);
    assert_int_equal(hist_bucket_high(64), 65);
    /* Everything above the range lands in the last bucket. */
    assert_int_equal(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
    assert_int_equal(hist_bucket(HIST_VALUE_MAX), HIST_BUCKETS - 1);
    assert_int_equal(hist_bucket_high(HIST_BUCKETS - 1), HIST_VALUE_MAX);
}

static void test_empty_and_single(void **state)
{
    struct hist *h = calloc(1, sizeof(*h));
    (void)state;
    assert_int_equal(hist_percentile(h, 500), 0);
    hist_add(h, 20000);
    assert_int_equal(h->count, 1);
    /* One sample: every percentile is that sample, exactly (clamped). */
    assert_int_equal(hist_percentile(h, 500), 20000);
    assert_int_equal(hist_percentile(h, 990), 20000);
    assert_int_equal(hist_percentile(h, 1000), 20000);
    free(h);
}

/* Pseudo-random data spread over many octaves (xorshift: deterministic). */
static void check_against_sort(uint64_t seed, size_t n, unsigned spread_bits)
{
    struct hist *h = calloc(1, sizeof(*h));
    uint64_t *v = malloc(n * sizeof(*v)), x = seed;
    static const unsigned pm[] = { 1, 100, 500, 900, 990, 999, 1000 };
    size_t i, k;
    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[i] = (x >> 11) % ((uint64_t)1 << (x % spread_bits));
        hist_add(h, v[i]);
    }
    qsort(v, n, sizeof(*v), cmp_u64);
    assert_int_equal(h->min, v[0]);
    assert_int_equal(h->max, v[n - 1]);
    for (k = 0; k < sizeof(pm) / sizeof(pm[0]); k++) {
        uint64_t want = exact(v, n, pm[k]), got = hist_percentile(h, pm[k]);
        /* Never below the true value, at most 1/32 above it; exact for
         * small values, and for few samples. */
        assert_true(got >= want);
        assert_true(got - want <= want / 32u);
        if (want < HIST_EXACT || n <= HIST_KEEP)
            assert_int_equal(got, want);
    }
    free(v);
    free(h);
}

static void test_percentiles_within_bound(void **state)
{
    (void)state;
    check_against_sort(0x9E3779B97F4A7C15u, 1000, 30);
    check_against_sort(12345, 7, 20);
    check_against_sort(777, 100000, 24);
    check_against_sort(42, 2, 40);
}

static void test_median_of_two_clusters(void **state)
{
    struct hist *h = calloc(1, sizeof(*h));
    int i;
    (void)state;
    /* 100 samples: past HIST_KEEP, so the buckets answer. */
    for (i = 0; i < 90; i++)
        hist_add(h, 20); /* loopback: exact */
    for (i = 0; i < 10; i++)
        hist_add(h, 1000000); /* one second: 2^19 <= v < 2^20, and the max */
    assert_int_equal(hist_percentile(h, 500), 20);
    assert_int_equal(hist_percentile(h, 900), 20);
    assert_int_equal(hist_percentile(h, 910), 1000000);
    assert_int_equal(hist_percentile(h, 1000), 1000000);
    /* A bucket's high bound shows when it is not the maximum. */
    hist_add(h, 2000000);
    assert_int_equal(hist_percentile(h, 950), hist_bucket_high(hist_bucket(1000000)));
    assert_true(hist_percentile(h, 950) > 1000000);
    assert_true(hist_percentile(h, 950) - 1000000 <= 1000000 / 32);
    free(h);
}

static void test_few_samples_exact(void **state)
{
    struct hist *h = calloc(1, sizeof(*h));
    uint64_t i;
    (void)state;
    /* 40000 shares a bucket with 40959: only the kept samples make it exact. */
    hist_add(h, 60000);
    hist_add(h, 40000);
    hist_add(h, 20000);
    assert_int_equal(hist_percentile(h, 500), 40000);
    assert_int_equal(hist_percentile(h, 900), 60000);
    assert_int_equal(hist_percentile(h, 1), 20000);
    for (i = 3; i < HIST_KEEP; i++)
        hist_add(h, 40000);
    assert_int_equal(h->count, HIST_KEEP);
    assert_int_equal(hist_percentile(h, 500), 40000);
    hist_add(h, 40000); /* one more: the histogram answers, within its bound */
    assert_int_equal(hist_percentile(h, 500), hist_bucket_high(hist_bucket(40000)));
    free(h);
}

static struct conn refused_to(uint16_t port)
{
    struct conn c;
    memset(&c, 0, sizeof(c));
    c.outcome = HS_REFUSED;
    c.ep[TRK_SERVER].port = port;
    c.client_syn_seen = true;
    return c;
}

static void test_conn_counts(void **state)
{
    struct hs_summary *s = calloc(1, sizeof(*s));
    struct hs_port_count top[HS_TOP_PORTS];
    struct conn c;
    size_t n;
    int i;
    (void)state;
    /* 25 x3, 8080 x3, 443 x1, 22 x5, 80 x2, 9 x2: ties keep the lower port. */
    for (i = 0; i < 3; i++) {
        c = refused_to(25);
        hsstats_add_conn(s, &c);
        c = refused_to(8080);
        hsstats_add_conn(s, &c);
    }
    c = refused_to(443);
    hsstats_add_conn(s, &c);
    for (i = 0; i < 5; i++) {
        c = refused_to(22);
        hsstats_add_conn(s, &c);
    }
    for (i = 0; i < 2; i++) {
        c = refused_to(80);
        hsstats_add_conn(s, &c);
        c = refused_to(9);
        hsstats_add_conn(s, &c);
    }
    n = hsstats_top_refused(s, top, HS_TOP_PORTS);
    assert_int_equal(n, 5);
    assert_int_equal(top[0].port, 22);
    assert_int_equal(top[0].count, 5);
    assert_int_equal(top[1].port, 25);
    assert_int_equal(top[2].port, 8080);
    assert_int_equal(top[3].port, 9);
    assert_int_equal(top[4].port, 80);
    assert_int_equal(s->refused, 16);

    /* Handshake halves and retransmissions come from the record. */
    memset(&c, 0, sizeof(c));
    c.outcome = HS_COMPLETE;
    c.client_syn_seen = c.synack_seen = true;
    c.t_syn_ns = c.t_syn_last_ns = 1000000000u;
    c.t_synack_ns = c.t_synack_last_ns = 1000000000u + 20000000u;
    c.t_ack_ns = c.t_synack_ns + 60000u;
    c.syn_retransmits = 2;
    hsstats_add_conn(s, &c);
    assert_int_equal(s->syn_synack.count, 1);
    assert_int_equal(s->syn_synack.max, 20000);
    assert_int_equal(s->synack_ack.max, 60);
    assert_int_equal(s->syn_retransmits, 2);
    assert_int_equal(s->syn_retransmit_conns, 1);
    assert_int_equal(s->synack_retransmit_conns, 0);
    /* No refused connection at all: nothing to rank. */
    memset(s, 0, sizeof(*s));
    assert_int_equal(hsstats_top_refused(s, top, HS_TOP_PORTS), 0);
    free(s);
}

/* Three handshakes (SYN->SYN+ACK 20, 40 and 60 ms; SYN+ACK->ACK 1 ms) and
 * two refusals of port 25, through the text and JSON summaries. */
static const char *run_summary(struct vf *f, struct reporter *r)
{
    vf_start(f, r);
    vf_feed(f, pkt_make(0, VF_C, 40001, VF_S, 80, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(20, VF_S, 80, VF_C, 40001, TH_SYN | TH_ACK, 5000, 1001));
    vf_feed(f, pkt_make(21, VF_C, 40001, VF_S, 80, TH_ACK, 1001, 5001));
    vf_feed(f, pkt_make(100, VF_C, 40002, VF_S, 80, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(140, VF_S, 80, VF_C, 40002, TH_SYN | TH_ACK, 5000, 1001));
    vf_feed(f, pkt_make(141, VF_C, 40002, VF_S, 80, TH_ACK, 1001, 5001));
    vf_feed(f, pkt_make(200, VF_C, 40003, VF_S, 80, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(1200, VF_C, 40003, VF_S, 80, TH_SYN, 1000, 0)); /* retransmitted */
    vf_feed(f, pkt_make(1260, VF_S, 80, VF_C, 40003, TH_SYN | TH_ACK, 5000, 1001));
    vf_feed(f, pkt_make(1261, VF_C, 40003, VF_S, 80, TH_ACK, 1001, 5001));
    vf_feed(f, pkt_make(300, VF_C, 40004, VF_S, 25, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(301, VF_S, 25, VF_C, 40004, TH_RST | TH_ACK, 0, 1001));
    vf_feed(f, pkt_make(400, VF_C, 40005, VF_S, 25, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(401, VF_S, 25, VF_C, 40005, TH_RST | TH_ACK, 0, 1001));
    return vf_finish(f);
}

static void test_summaries(void **state)
{
    struct vf f;
    const char *t;
    (void)state;
    vf_open(&f);
    t = run_summary(&f, report_text_new(f.out, 0));
    /* The existing lines stay, the table follows them. */
    assert_non_null(strstr(t, "connections  5: complete 3, refused 2,"));
    assert_non_null(strstr(t, "\nhandshake    half (ms)           n       p50       p90       p99"
                              "       max\n"));
    /* Nearest rank of {20, 40, 60} ms: p50 40, p90 = p99 = max 60. */
    assert_non_null(strstr(t, "\n             SYN->SYN+ACK        3    40.000    60.000    60.000"
                              "    60.000\n"));
    assert_non_null(strstr(t, "\n             SYN+ACK->ACK        3     1.000     1.000     1.000"
                              "     1.000\n"));
    assert_non_null(strstr(t, "\nsyn retrans  SYN 1 in 1 connection, SYN+ACK 0 in 0 connections\n"));
    assert_non_null(strstr(t, "\nrefused      port 25 x2\n"));
    vf_close(&f);

    vf_open(&f);
    t = run_summary(&f, report_json_new(f.out, 0));
    assert_non_null(strstr(t, "\"handshake_us\":{\"syn_synack\":{\"count\":3,\"p50\":40000,"
                              "\"p90\":60000,\"p99\":60000,\"max\":60000},\"synack_ack\":"
                              "{\"count\":3,\"p50\":1000,"));
    assert_non_null(strstr(t, "\"syn_retransmits\":1,\"syn_retransmit_conns\":1,"));
    assert_non_null(strstr(t, "\"top_refused_ports\":[{\"port\":25,\"count\":2}]"));
    vf_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets_partition),
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_percentiles_within_bound),
        cmocka_unit_test(test_median_of_two_clusters),
        cmocka_unit_test(test_few_samples_exact),
        cmocka_unit_test(test_conn_counts),
        cmocka_unit_test(test_summaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
