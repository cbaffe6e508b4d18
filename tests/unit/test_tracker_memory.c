/* test_tracker_memory.c: connections the table forgot (issue 15;
 * docs/STATES.md "Connections the table forgot"). A late FIN after a
 * timeout keeps its roles and its connection; a SYN retransmitted after its
 * handshake was evicted is a retransmission, not a new connection; a
 * segment that does not fit the remembered sequence spaces, or a SYN with a
 * new ISN, starts anew; each case against the tracker without the memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "pktfix.h"
#include "tcp_wire.h"
#include "tracker.h"

#define C "10.0.0.1"
#define S "10.0.0.2"
#define CP 40000
#define SP 80
#define SA (TH_SYN | TH_ACK)
#define FA (TH_FIN | TH_ACK)
#define ISN_C 1000u
#define ISN_S 5000u

static struct evlog lg;

static struct tracker *mk(size_t max_conns, bool memory_off)
{
    struct tracker_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_conns = max_conns;
    cfg.memory_off = memory_off;
    memset(&lg, 0, sizeof(lg));
    return tracker_new(&cfg);
}

static uint16_t feed_p(struct tracker *t, const struct pkt *p, struct trk_verdict *v)
{
    struct trk_sink sink = evlog_sink(&lg);
    tracker_expire(t, p->ts_ns, &sink);
    tracker_feed(t, p, v, &sink);
    if ((v->notes & TRK_NOTE_ENDED) && v->conn)
        tracker_emit(t, v->conn, p->ts_ns);
    return v->notes;
}

static uint16_t cs(struct tracker *t, uint64_t ms, uint16_t flags, uint32_t seq, uint32_t ack,
                   struct trk_verdict *v)
{
    struct pkt p = pkt_make(ms, C, CP, S, SP, flags, seq, ack);
    return feed_p(t, &p, v);
}

static uint16_t sc(struct tracker *t, uint64_t ms, uint16_t flags, uint32_t seq, uint32_t ack,
                   struct trk_verdict *v)
{
    struct pkt p = pkt_make(ms, S, SP, C, CP, flags, seq, ack);
    return feed_p(t, &p, v);
}

/* Handshake, then the client closes at 38 s and the server ACKs its FIN:
 * client FIN_WAIT_2, server CLOSE_WAIT (60 s timeout). */
static void half_closed(struct tracker *t)
{
    struct trk_verdict v;
    cs(t, 0, TH_SYN, ISN_C, 0, &v);
    sc(t, 20, SA, ISN_S, ISN_C + 1, &v);
    cs(t, 40, TH_ACK, ISN_C + 1, ISN_S + 1, &v);
    cs(t, 38000, FA, ISN_C + 1, ISN_S + 1, &v);
    sc(t, 38020, TH_ACK, ISN_S + 1, ISN_C + 2, &v);
}

static void test_late_fin_keeps_roles(void **state)
{
    struct tracker *t = mk(0, false);
    struct trk_verdict v;
    uint16_t n;
    (void)state;
    half_closed(t);
    /* The server's FIN at 273 s: the connection timed out at 98 s. */
    n = sc(t, 273000, FA, ISN_S + 1, ISN_C + 2, &v);
    assert_string_equal(evlog_join(&lg),
                        "c1 end timeout complete timeout");
    assert_true(n & TRK_NOTE_AFTER_END);
    assert_false(n & TRK_NOTE_NEW);
    assert_int_equal(v.conn->id, 1);
    assert_false(v.from_client); /* the server stays the server */
    assert_false(v.conn->roles_guessed);
    assert_int_equal(v.nchanges, 0);
    /* The client's RST answering it: the same returned entry. */
    n = cs(t, 273020, TH_RST, ISN_C + 2, 0, &v);
    assert_true(n & TRK_NOTE_AFTER_END);
    assert_int_equal(v.conn->id, 1);
    assert_true(v.from_client);
    assert_int_equal(tracker_stats(t)->connections, 1);
    assert_int_equal(tracker_stats(t)->returned, 1);
    assert_int_equal(tracker_stats(t)->returned_segments, 2);
    assert_int_equal(tracker_stats(t)->returned_syn_retransmits, 0);
    tracker_finish(t, 300000, NULL);
    assert_int_equal(tracker_stats(t)->outcomes[HS_COMPLETE], 1);
    assert_int_equal(tracker_stats(t)->outcomes[HS_MIDSTREAM], 0);
    tracker_free(t);
}

/* Without the memory: the late FIN starts a mid-stream connection whose
 * guessed client is the server (what issue 15 reported). */
static void test_late_fin_without_memory(void **state)
{
    struct tracker *t = mk(0, true);
    struct trk_verdict v;
    uint16_t n;
    (void)state;
    half_closed(t);
    n = sc(t, 273000, FA, ISN_S + 1, ISN_C + 2, &v);
    assert_true(n & TRK_NOTE_NEW);
    assert_int_equal(v.conn->id, 2);
    assert_true(v.conn->roles_guessed);
    assert_true(v.from_client);
    assert_int_equal(v.conn->ep[TRK_CLIENT].port, SP);
    assert_int_equal(tracker_stats(t)->connections, 2);
    assert_int_equal(tracker_stats(t)->returned, 0);
    tracker_free(t);
}

/* A segment outside the remembered sequence spaces is not a straggler. */
static void test_straggler_must_fit(void **state)
{
    struct tracker *t = mk(0, false);
    struct trk_verdict v;
    uint16_t n;
    (void)state;
    half_closed(t);
    n = sc(t, 273000, FA, ISN_S - 100000u, ISN_C + 2, &v);
    assert_true(n & TRK_NOTE_NEW);
    assert_true(v.conn->roles_guessed);
    assert_int_equal(tracker_stats(t)->connections, 2);
    assert_int_equal(tracker_stats(t)->returned, 0);
    tracker_free(t);
}

/* 17 SYNs in a table of 16: the first is evicted; its retransmission is a
 * retransmission of connection 1, not connection 18. A SYN with a new ISN
 * on the tuple is the next generation. */
static void test_evicted_syn_retransmit(void **state)
{
    struct tracker *t = mk(16, false);
    struct trk_verdict v;
    uint16_t port, n;
    (void)state;
    for (port = 1; port <= 17; port++) {
        struct pkt p = pkt_make(port, C, port, S, SP, TH_SYN, port * 1000u, 0);
        feed_p(t, &p, &v);
    }
    assert_int_equal(tracker_stats(t)->evicted, 1);
    {
        struct pkt p = pkt_make(1000, C, 1, S, SP, TH_SYN, 1000u, 0);
        n = feed_p(t, &p, &v);
    }
    assert_int_equal(n, TRK_NOTE_RETRANSMIT | TRK_NOTE_AFTER_END);
    assert_int_equal(v.conn->id, 1);
    assert_true(v.from_client);
    assert_int_equal(v.conn->syn_retransmits, 1);
    assert_int_equal(tracker_stats(t)->connections, 17);
    assert_int_equal(tracker_stats(t)->retransmits, 1);
    assert_int_equal(tracker_stats(t)->returned_syn_retransmits, 1);
    /* Again, while it is back in the table. */
    {
        struct pkt p = pkt_make(3000, C, 1, S, SP, TH_SYN, 1000u, 0);
        n = feed_p(t, &p, &v);
    }
    assert_int_equal(n, TRK_NOTE_RETRANSMIT | TRK_NOTE_AFTER_END);
    assert_int_equal(v.conn->id, 1);
    assert_int_equal(tracker_stats(t)->retransmits, 2);
    assert_int_equal(tracker_stats(t)->connections, 17);
    /* A new ISN: a new connection, the tuple's next generation. */
    {
        struct pkt p = pkt_make(4000, C, 1, S, SP, TH_SYN, 777777u, 0);
        n = feed_p(t, &p, &v);
    }
    assert_true(n & TRK_NOTE_NEW);
    assert_int_equal(v.conn->id, 18);
    assert_int_equal(v.conn->generation, 1);
    assert_int_equal(tracker_stats(t)->connections, 18);
    tracker_free(t);
}

/* A scaled flood: n SYNs 10 us apart, each sent again 1 s and 3 s later,
 * against a table of cap: the connections are n with the memory; without
 * it, most retransmissions become new connections. */
static void flood(struct tracker *t, uint32_t n)
{
    static const uint64_t off_ns[3] = { 0, 1000000000ull, 3000000000ull };
    uint32_t next[3] = { 0, 0, 0 };
    struct trk_verdict v;
    for (;;) {
        int k, best = -1;
        uint64_t tb = 0;
        char src[32];
        struct pkt p;
        uint32_t i;
        for (k = 0; k < 3; k++) {
            uint64_t tk = (uint64_t)next[k] * 10000u + off_ns[k];
            if (next[k] < n && (best < 0 || tk < tb)) {
                best = k;
                tb = tk;
            }
        }
        if (best < 0)
            break;
        i = next[best]++;
        snprintf(src, sizeof(src), "10.%u.%u.%u", (i >> 16) & 255u, (i >> 8) & 255u, i & 255u);
        p = pkt_make(0, src, (uint16_t)(1024u + i % 60000u), S, SP, TH_SYN, i * 2654435761u, 0);
        p.ts_ns = PKTFIX_EPOCH_NS + tb;
        feed_p(t, &p, &v);
    }
}

static void test_flood_with_retransmissions(void **state)
{
    struct tracker *t = mk(1000, false);
    const struct tracker_stats *st;
    (void)state;
    flood(t, 20000);
    st = tracker_stats(t);
    assert_int_equal(st->connections, 20000);
    assert_int_equal(st->retransmits, 40000);
    assert_true(st->returned_syn_retransmits > 30000);
    assert_int_equal(st->forgotten_early, 0);
    assert_true(st->memory_bytes > 0 && st->memory_bytes <= st->memory_cap_bytes);
    assert_int_equal(st->memory_window_ns, 3000000000ull);
    tracker_free(t);

    t = mk(1000, true);
    flood(t, 20000);
    st = tracker_stats(t);
    assert_true(st->connections > 50000); /* the inflation the memory removes */
    assert_int_equal(st->returned, 0);
    assert_int_equal(st->memory_cap_bytes, 0);
    tracker_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_late_fin_keeps_roles),
        cmocka_unit_test(test_late_fin_without_memory),
        cmocka_unit_test(test_straggler_must_fit),
        cmocka_unit_test(test_evicted_syn_retransmit),
        cmocka_unit_test(test_flood_with_retransmissions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
