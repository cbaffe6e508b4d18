/* test_pagestats.c: the --report page's bounded aggregates (pagestats.h).
 * Coarse histogram: buckets partition the values, percentiles are never
 * below the exact nearest-rank value and at most 1/8 above it, merging
 * equals adding. Time buckets: merging pairwise keeps every count in the
 * bucket its time falls in at the final width (checked against a direct
 * computation for random times), the width doubles, memory stays at
 * PS_BUCKETS, times before t0 land in bucket 0, alive is a max and a last
 * value, combining bins adds. Heavy hitters: exact while keys fit, bounded
 * over- counting beyond, the heavy keys are kept, lookups survive deletions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pagestats.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_chist_buckets(void **state)
{
    uint64_t v;
    size_t prev = 0;
    (void)state;
    for (v = 0; v < 100000; v++) {
        size_t b = chist_bucket(v);
        assert_true(b == prev || b == prev + 1);
        assert_true(chist_bucket_high(b) >= v);
        assert_int_equal(chist_bucket(chist_bucket_high(b)), b);
        prev = b;
    }
    assert_int_equal(chist_bucket(15), 15);
    assert_int_equal(chist_bucket(16), 16);
    assert_int_equal(chist_bucket(17), 16); /* [16, 18) */
    assert_int_equal(chist_bucket(UINT64_MAX), CH_BUCKETS - 1);
}

static void test_chist_percentile_bound(void **state)
{
    static const unsigned pms[] = { 1, 500, 900, 990, 999, 1000 };
    struct chist *h = calloc(1, sizeof(*h));
    uint64_t *v = calloc(5000, sizeof(*v));
    size_t n, i, k;
    (void)state;
    for (n = 1; n <= 5000; n = n * 3 + 1) {
        memset(h, 0, sizeof(*h));
        for (i = 0; i < n; i++) {
            v[i] = xorshift() % (i % 2 ? 2000000u : 300u); /* two scales */
            chist_add(h, v[i]);
        }
        qsort(v, n, sizeof(*v), cmp_u64);
        for (k = 0; k < sizeof(pms) / sizeof(pms[0]); k++) {
            size_t rank = (size_t)(((uint64_t)n * pms[k] + 999u) / 1000u);
            uint64_t exact = v[(rank ? rank : 1) - 1], got = chist_percentile(h, pms[k]);
            assert_true(got >= exact);
            assert_true(got <= exact + exact / 8);
        }
        assert_int_equal(h->min, v[0]);
        assert_int_equal(h->max, v[n - 1]);
    }
    memset(h, 0, sizeof(*h));
    assert_int_equal(chist_percentile(h, 500), 0);
    free(v);
    free(h);
}

static void test_chist_merge(void **state)
{
    struct chist *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b)), *all = calloc(1, sizeof(*all));
    size_t i;
    (void)state;
    for (i = 0; i < 3000; i++) {
        uint64_t x = xorshift() % 100000u;
        chist_add(i % 3 ? a : b, x);
        chist_add(all, x);
    }
    chist_merge(a, b);
    assert_memory_equal(a, all, sizeof(*a));
    /* An empty source changes nothing, an empty destination takes min/max. */
    memset(b, 0, sizeof(*b));
    chist_merge(a, b);
    assert_memory_equal(a, all, sizeof(*a));
    chist_merge(b, all);
    assert_memory_equal(b, all, sizeof(*b));
    free(a);
    free(b);
    free(all);
}

/* A connection that began at t and ended (record) at end. */
static void fake_conn(struct conn *c, uint64_t t, uint64_t end, unsigned outcome)
{
    memset(c, 0, sizeof(*c));
    c->t_first_ns = c->t_syn_ns = c->t_syn_last_ns = t;
    c->client_syn_seen = true;
    c->synack_seen = true;
    c->t_synack_ns = c->t_synack_last_ns = t + 1000000u; /* 1 ms */
    c->t_ack_ns = t + 1500000u;
    c->outcome = (uint8_t)outcome;
    (void)end;
}

static void test_buckets_merge_exact(void **state)
{
    enum { N = 20000 };
    struct pagestats s;
    uint64_t *t = calloc(N, sizeof(*t)), t0 = UINT64_C(1700000000000000000), maxoff = 0;
    uint64_t *ref = calloc(PS_BUCKETS, sizeof(*ref)), total = 0;
    struct conn c;
    size_t i;
    (void)state;
    assert_int_equal(pagestats_init(&s), 0);
    pagestats_epoch(&s, t0);
    assert_int_equal(s.width_ns, PS_BASE_NS);
    /* Increasing times over ~3 hours, with jitter: many merges. */
    for (i = 0; i < N; i++) {
        uint64_t off = (uint64_t)i * 500000000u + xorshift() % 400000000u;
        t[i] = t0 + off;
        if (off > maxoff)
            maxoff = off;
        fake_conn(&c, t[i], t[i], HS_COMPLETE + (unsigned)(i % 6));
        pagestats_conn_begin(&s, t[i]);
        pagestats_conn_end(&s, &c, TRK_END_FINISHED, t[i] + 2000000u);
    }
    assert_true(s.merges > 0);
    assert_int_equal(s.width_ns, (uint64_t)PS_BASE_NS << s.merges);
    assert_true((maxoff + 2000000u) / s.width_ns < PS_BUCKETS);
    assert_true((maxoff + 2000000u) / (s.width_ns / 2) >= PS_BUCKETS); /* no wider than needed */
    /* Each connection sits in the bucket of its start at the final width. */
    for (i = 0; i < N; i++)
        ref[(t[i] - t0) / s.width_ns]++;
    for (i = 0; i < PS_BUCKETS; i++) {
        uint64_t got = 0;
        unsigned o;
        for (o = 0; o < HS__COUNT; o++)
            got += s.b[i].started[o];
        assert_int_equal(got, ref[i]);
        assert_int_equal(s.b[i].half[PS_SYN_SYNACK].count, ref[i]);
        if (ref[i])
            assert_int_equal(chist_percentile(&s.b[i].half[PS_SYN_SYNACK], 500), 1000);
        total += got;
    }
    assert_int_equal(total, N);
    assert_int_equal(s.alive, 0);
    assert_true(s.used <= PS_BUCKETS);
    assert_int_equal(s.used, (maxoff + 2000000u) / s.width_ns + 1);
    pagestats_free(&s);
    free(t);
    free(ref);
}

static void test_before_t0_and_alive(void **state)
{
    struct pagestats s;
    struct conn c;
    struct ps_bucket m;
    uint64_t t0 = UINT64_C(1000000000000);
    (void)state;
    assert_int_equal(pagestats_init(&s), 0);
    pagestats_epoch(&s, t0);
    pagestats_epoch(&s, t0 + 5); /* ignored */
    assert_int_equal(s.t0_ns, t0);
    /* A time before t0 (a capture stepping back) counts in bucket 0. */
    assert_int_equal(pagestats_slot(&s, t0 - 1000000u), 0);
    /* Alive: 3 begin in bucket 0, two end in bucket 5, one in bucket 9. */
    pagestats_conn_begin(&s, t0);
    pagestats_conn_begin(&s, t0 + 100);
    pagestats_conn_begin(&s, t0 + 200);
    assert_int_equal(s.b[0].alive_max, 3);
    assert_int_equal(s.b[0].alive_last, 3);
    fake_conn(&c, t0, 0, HS_REFUSED);
    pagestats_conn_end(&s, &c, TRK_END_FINISHED, t0 + 5 * PS_BASE_NS);
    pagestats_conn_end(&s, &c, TRK_END_EVICTED, t0 + 5 * PS_BASE_NS + 1);
    c.outcome = HS_UNANSWERED;
    pagestats_conn_end(&s, &c, TRK_END_TIMEOUT, t0 + 9 * PS_BASE_NS);
    assert_int_equal(s.b[5].alive_max, 2);
    assert_int_equal(s.b[5].alive_last, 1);
    assert_int_equal(s.b[5].evicted, 1);
    assert_int_equal(s.b[9].timed_out, 1);
    assert_int_equal(s.b[9].alive_last, 0);
    assert_false(s.b[7].touched);
    assert_int_equal(s.b[0].started[HS_REFUSED], 2);
    assert_int_equal(s.b[0].started[HS_UNANSWERED], 1);
    /* Combining bins adds counts, keeps the largest max and the last value. */
    pagestats_combine(&s, 0, 8, &m);
    assert_int_equal(m.alive_max, 3);
    assert_int_equal(m.alive_last, 1);
    assert_int_equal(m.evicted, 1);
    assert_int_equal(m.timed_out, 0);
    assert_int_equal(m.half[PS_SYNACK_ACK].count, 3);
    assert_int_equal(s.used, 10);
    /* A far time merges, and alive survives the merge. */
    pagestats_slot(&s, t0 + 4 * PS_BUCKETS * PS_BASE_NS); /* three doublings */
    assert_int_equal(s.width_ns, 8 * PS_BASE_NS);
    assert_int_equal(s.b[0].alive_max, 3);  /* buckets 0..7 */
    assert_int_equal(s.b[1].alive_last, 0); /* buckets 8..15 */
    assert_int_equal(s.b[0].evicted, 1);
    assert_int_equal(s.b[1].timed_out, 1);
    /* The widest time there is fits: the width never overflows. */
    pagestats_slot(&s, UINT64_MAX);
    assert_true(s.used <= PS_BUCKETS);
    assert_int_equal(s.b[0].started[HS_REFUSED], 2);
    pagestats_free(&s);
}

static void key_of(struct topk_key *k, uint32_t n)
{
    memset(k, 0, sizeof(*k));
    k->addr.family = IPADDR_V4;
    k->addr.bytes[0] = 10;
    k->addr.bytes[1] = (uint8_t)(n >> 16);
    k->addr.bytes[2] = (uint8_t)(n >> 8);
    k->addr.bytes[3] = (uint8_t)n;
    k->port = 80;
}

static void test_topk_exact(void **state)
{
    struct topk *t = calloc(1, sizeof(*t));
    struct topk_key k;
    size_t idx[PS_TOPK], n, i;
    bool fresh;
    uint32_t key;
    (void)state;
    topk_init(t);
    /* Key i is counted i + 1 times: PS_TOPK keys, all fit, all exact. */
    for (key = 0; key < PS_TOPK; key++) {
        for (i = 0; i <= key; i++) {
            key_of(&k, key);
            topk_add(t, &k, &fresh);
            assert_true(fresh == (i == 0));
        }
    }
    n = topk_sorted(t, idx, PS_TOPK);
    assert_int_equal(n, PS_TOPK);
    for (i = 0; i < n; i++) {
        key_of(&k, (uint32_t)(PS_TOPK - 1 - i));
        assert_int_equal(t->e[idx[i]].count, PS_TOPK - i);
        assert_int_equal(t->e[idx[i]].err, 0);
        assert_memory_equal(&t->e[idx[i]].key, &k, sizeof(k));
    }
    /* Ties by key: two keys counted once each, the lower first. */
    topk_init(t);
    key_of(&k, 9);
    topk_add(t, &k, &fresh);
    key_of(&k, 3);
    topk_add(t, &k, &fresh);
    assert_int_equal(topk_sorted(t, idx, 1), 1);
    assert_int_equal(t->e[idx[0]].key.addr.bytes[3], 3);
    free(t);
}

static void test_topk_heavy_kept(void **state)
{
    enum { KEYS = 5000, ROUNDS = 60000 };
    struct topk *t = calloc(1, sizeof(*t));
    uint64_t *truth = calloc(KEYS, sizeof(*truth));
    struct topk_key k;
    size_t idx[10], n, i;
    bool fresh;
    (void)state;
    topk_init(t);
    for (i = 0; i < ROUNDS; i++) {
        /* Keys 0..4 are heavy (1/3 of the stream); the rest are a long tail. */
        uint32_t key = i % 3 == 0 ? (uint32_t)(xorshift() % 5) : (uint32_t)(xorshift() % KEYS);
        size_t e;
        key_of(&k, key);
        e = topk_add(t, &k, &fresh);
        truth[key]++;
        assert_memory_equal(&t->e[e].key, &k, sizeof(k));
    }
    assert_int_equal(t->total, ROUNDS);
    assert_int_equal(t->n, PS_TOPK);
    /* Every entry's count bounds the truth from above, within its error. */
    for (i = 0; i < t->n; i++) {
        const struct topk_entry *e = &t->e[i];
        uint32_t key = ((uint32_t)e->key.addr.bytes[1] << 16) |
                       ((uint32_t)e->key.addr.bytes[2] << 8) | e->key.addr.bytes[3];
        assert_true(e->count >= truth[key]);
        assert_true(e->count - e->err <= truth[key]);
    }
    /* The five heavy keys come first. */
    n = topk_sorted(t, idx, 5);
    assert_int_equal(n, 5);
    for (i = 0; i < n; i++)
        assert_true(t->e[idx[i]].key.addr.bytes[3] < 5 && t->e[idx[i]].key.addr.bytes[2] == 0);
    /* Every held key is found again (hash deletions kept the chains). */
    for (i = 0; i < t->n; i++) {
        struct topk_key again = t->e[i].key;
        uint64_t before = t->e[i].count;
        assert_int_equal(topk_add(t, &again, &fresh), i);
        assert_false(fresh);
        assert_int_equal(t->e[i].count, before + 1);
    }
    free(truth);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chist_buckets),
        cmocka_unit_test(test_chist_percentile_bound),
        cmocka_unit_test(test_chist_merge),
        cmocka_unit_test(test_buckets_merge_exact),
        cmocka_unit_test(test_before_t0_and_alive),
        cmocka_unit_test(test_topk_exact),
        cmocka_unit_test(test_topk_heavy_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
