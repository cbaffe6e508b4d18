/* test_tracker.c: tracker scenarios (docs/SEMANTICS.md 2 and ARCHITECTURE.md 5):
 * every outcome, retransmission vs reuse, simultaneous open, split
 * handshake, self-connect, mid-stream, closes, eviction and expiry. Each test
 * asserts the whole sequence of changes and records, not only the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "pktfix.h"
#include "tcp_wire.h"
#include "tracker.h"

#define C "10.0.0.1"
#define S "10.0.0.2"
#define CP 40000
#define SP 80
#define SA (TH_SYN | TH_ACK)
#define RA (TH_RST | TH_ACK)
#define FA (TH_FIN | TH_ACK)

struct fx {
    struct tracker *t;
    struct evlog log;
};

static int setup(void **state)
{
    static struct fx f;
    memset(&f, 0, sizeof(f));
    f.t = tracker_new(NULL);
    *state = &f;
    return f.t ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tracker_free(f->t);
    return 0;
}

static uint16_t cs(struct fx *f, uint64_t ms, uint16_t flags, uint32_t seq, uint32_t ack)
{
    struct pkt p = pkt_make(ms, C, CP, S, SP, flags, seq, ack);
    return evlog_feed(&f->log, f->t, &p);
}

static uint16_t sc(struct fx *f, uint64_t ms, uint16_t flags, uint32_t seq, uint32_t ack)
{
    struct pkt p = pkt_make(ms, S, SP, C, CP, flags, seq, ack);
    return evlog_feed(&f->log, f->t, &p);
}

static void finish(struct fx *f, uint64_t ms)
{
    struct trk_sink sink = evlog_sink(&f->log);
    tracker_finish(f->t, PKTFIX_EPOCH_NS + ms * 1000000ULL, &sink);
}

static const struct conn *last_conn;
static void grab(void *u, const struct conn *c, enum trk_end why, uint64_t ts)
{
    (void)u;
    (void)why;
    (void)ts;
    last_conn = c;
}

static void test_three_way_handshake_and_close(void **state)
{
    struct fx *f = *state;
    const struct tracker_stats *st;
    assert_true(cs(f, 0, TH_SYN, 1000, 0) & TRK_NOTE_NEW);
    sc(f, 1, SA, 5000, 1001);
    assert_true(cs(f, 2, TH_ACK, 1001, 5001) & TRK_NOTE_HANDSHAKE_ACK);
    cs(f, 10, FA, 1001, 5001);
    sc(f, 11, TH_ACK, 5001, 1002);
    sc(f, 12, FA, 5001, 1002);
    assert_true(cs(f, 13, TH_ACK, 1002, 5002) & TRK_NOTE_ENDED);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED; "
                        "c1 server SYN_RECV>ESTABLISHED; "
                        "c1 client ESTABLISHED>FIN_WAIT_1; c1 server ESTABLISHED>CLOSE_WAIT; "
                        "c1 client FIN_WAIT_1>FIN_WAIT_2; "
                        "c1 server CLOSE_WAIT>LAST_ACK; c1 client FIN_WAIT_2>TIME_WAIT; "
                        "c1 server LAST_ACK>CLOSED; "
                        "c1 end finished complete closed");
    st = tracker_stats(f->t);
    assert_int_equal(st->connections, 1);
    assert_int_equal(st->outcomes[HS_COMPLETE], 1);
    evlog_clear(&f->log);
    finish(f, 20);
    assert_int_equal(f->log.n, 0); /* already emitted */
}

static void test_rtt_and_options(void **state)
{
    struct fx *f = *state;
    struct pkt syn = pkt_make(0, C, CP, S, SP, TH_SYN | TH_ECE | TH_CWR, 1000, 0);
    struct pkt synack = pkt_make(3, S, SP, C, CP, SA | TH_ECE, 5000, 1001);
    struct trk_verdict v;
    struct trk_sink sink = { grab, NULL, NULL };
    syn.opt.present = 0x1 | 0x2;
    syn.opt.mss = 1460;
    syn.opt.wscale = 7;
    tracker_feed(f->t, &syn, &v, &sink);
    tracker_feed(f->t, &synack, &v, &sink);
    {
        struct pkt a = pkt_make(10, C, CP, S, SP, TH_ACK, 1001, 5001);
        tracker_feed(f->t, &a, &v, &sink);
    }
    assert_int_equal(v.conn->outcome, HS_COMPLETE);
    assert_int_equal(conn_rtt_syn_synack_us(v.conn), 3000);
    assert_int_equal(conn_rtt_synack_ack_us(v.conn), 7000);
    assert_int_equal(v.conn->ep[TRK_CLIENT].opts.mss, 1460);
    assert_int_equal(v.conn->ep[TRK_CLIENT].opts.wscale, 7);
    assert_true(v.conn->ep[TRK_CLIENT].opts.ecn);
    assert_true(v.conn->ep[TRK_SERVER].opts.ecn);
}

static void test_syn_retransmit_same_isn(void **state)
{
    struct fx *f = *state;
    struct trk_verdict v;
    assert_true(cs(f, 0, TH_SYN, 1000, 0) & TRK_NOTE_NEW);
    assert_true(cs(f, 1000, TH_SYN, 1000, 0) & TRK_NOTE_RETRANSMIT);
    assert_true(cs(f, 3000, TH_SYN, 1000, 0) & TRK_NOTE_RETRANSMIT);
    sc(f, 3001, SA, 7000, 1001);
    cs(f, 3002, TH_ACK, 1001, 7001);
    {
        struct pkt p = pkt_make(3003, C, CP, S, SP, TH_ACK, 1001, 7001);
        tracker_feed(f->t, &p, &v, NULL);
    }
    assert_int_equal(v.conn->syn_retransmits, 2);
    assert_int_equal(v.conn->id, 1);
    /* The network RTT is measured from the last SYN; the wait the
     * application saw, from the first. */
    assert_int_equal(conn_rtt_syn_synack_us(v.conn), 1000);
    assert_int_equal(conn_rtt_first_syn_synack_us(v.conn), 3001000);
    assert_int_equal(tracker_stats(f->t)->connections, 1);
}

/* A SYN/FIN/RST-only capture (issue 15 #1): no final ACK, but the client's
 * FIN acknowledges server data, so the handshake completed (inferred). */
static void test_handshake_inferred_from_ack_of_data(void **state)
{
    struct fx *f = *state;
    uint16_t notes;
    cs(f, 0, TH_SYN, 100, 0);
    sc(f, 1, SA, 500, 101);
    notes = cs(f, 3, FA, 138, 541); /* acks 40 server bytes never captured */
    assert_true(notes & TRK_NOTE_HANDSHAKE_INFERRED);
    assert_true(notes & TRK_NOTE_OUTCOME);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; c1 server LISTEN>SYN_RECV; "
                        "c1 client SYN_SENT>ESTABLISHED; c1 server SYN_RECV>ESTABLISHED?; "
                        "c1 client ESTABLISHED>FIN_WAIT_1; c1 server ESTABLISHED>CLOSE_WAIT");
}

/* A FIN from the server alone proves nothing: SYN-RECEIVED may close with a
 * FIN (RFC 9293 3.10.4); no inference, the handshake stays pending. */
static void test_server_fin_alone_infers_nothing(void **state)
{
    struct fx *f = *state;
    uint16_t notes;
    cs(f, 0, TH_SYN, 100, 0);
    sc(f, 1, SA, 500, 101);
    notes = sc(f, 2, FA, 501, 101);
    assert_false(notes & TRK_NOTE_HANDSHAKE_INFERRED);
    assert_false(notes & TRK_NOTE_OUTCOME);
}

static void test_refused(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 100, 0);
    /* The server was presumed in LISTEN; the RST shows it was CLOSED all
     * along: no LISTEN>CLOSED transition, a note instead (issue 14). */
    uint16_t notes;
    notes = sc(f, 1, RA, 0, 101);
    assert_true(notes & TRK_NOTE_ENDED);
    assert_true(notes & TRK_NOTE_NOT_LISTENING);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 client SYN_SENT>CLOSED; c1 end finished refused reset_by_server");
}

static void test_refused_retry_same_isn_is_new_connection(void **state)
{
    struct fx *f = *state;
    /* z_pop3: SYN, RST+ACK three times with the same ISN: three records. */
    int i;
    for (i = 0; i < 3; i++) {
        uint16_t n = cs(f, (uint64_t)i * 500, TH_SYN, 100, 0);
        assert_true(n & TRK_NOTE_NEW);
        sc(f, (uint64_t)i * 500 + 1, RA, 0, 101);
    }
    assert_int_equal(tracker_stats(f->t)->connections, 3);
    assert_int_equal(tracker_stats(f->t)->outcomes[HS_REFUSED], 3);
    assert_string_equal(f->log.e[f->log.n - 1].text, "c3 end finished refused reset_by_server");
}

static void test_bare_rst_in_syn_sent_is_stray(void **state)
{
    struct fx *f = *state;
    /* RFC 9293 3.10.7.3: a RST without an acceptable ACK is dropped. */
    assert_true(sc(f, 1, TH_RST, 0, 0) & TRK_NOTE_NEW); /* no SYN yet: own entry */
    evlog_clear(&f->log);
    cs(f, 100, TH_SYN, 100, 0); /* after the end: a new connection */
    assert_true(sc(f, 101, TH_RST, 0, 0) & TRK_NOTE_STRAY);
    assert_true(sc(f, 102, RA, 0, 555) & TRK_NOTE_STRAY); /* wrong ack */
    finish(f, 200);
    assert_string_equal(evlog_join(&f->log),
                        "c2 client CLOSED>SYN_SENT; c2 end end_of_input unanswered never_opened");
}

static void test_unanswered_at_end(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1, 0);
    cs(f, 1000, TH_SYN, 1, 0);
    finish(f, 1000);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; c1 end end_of_input unanswered never_opened");
}

static void test_unanswered_by_timeout(void **state)
{
    struct fx *f = *state;
    struct pkt other = pkt_make(121000, "10.9.9.9", 1, "10.9.9.8", 2, TH_SYN, 1, 0);
    cs(f, 0, TH_SYN, 1, 0);
    evlog_feed(&f->log, f->t, &other);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; c1 timer client SYN_SENT>CLOSED; "
                        "c1 end timeout unanswered timeout; c2 client CLOSED>SYN_SENT");
    assert_int_equal(tracker_stats(f->t)->timed_out, 1);
    assert_int_equal(tracker_stats(f->t)->active, 1);
}

static void test_half_open_with_synack_retransmits(void **state)
{
    struct fx *f = *state;
    struct trk_verdict v;
    cs(f, 0, TH_SYN, 1, 0);
    sc(f, 1, SA, 900, 2);
    assert_true(sc(f, 1001, SA, 900, 2) & TRK_NOTE_RETRANSMIT);
    assert_true(sc(f, 3001, SA, 900, 2) & TRK_NOTE_RETRANSMIT);
    {
        struct pkt p = pkt_make(3002, S, SP, C, CP, SA, 900, 2);
        tracker_feed(f->t, &p, &v, NULL);
    }
    assert_int_equal(v.conn->synack_retransmits, 3);
    assert_int_equal(v.conn->ep[TRK_SERVER].state, TS_SYN_RECV);
    assert_int_equal(v.conn->ep[TRK_CLIENT].state, TS_ESTABLISHED);
    finish(f, 4000);
    assert_string_equal(f->log.e[f->log.n - 1].text, "c1 end end_of_input half-open open_at_end");
}

static void test_half_open_by_timeout(void **state)
{
    struct fx *f = *state;
    struct pkt other = pkt_make(62000, "10.9.9.9", 1, "10.9.9.8", 2, TH_ACK, 1, 1);
    cs(f, 0, TH_SYN, 1, 0);
    sc(f, 1, SA, 900, 2);
    evlog_clear(&f->log);
    evlog_feed(&f->log, f->t, &other);
    assert_string_equal(evlog_join(&f->log),
                        "c1 timer server SYN_RECV>CLOSED; c1 end timeout half-open timeout");
}

static void test_aborted_by_client_after_synack(void **state)
{
    struct fx *f = *state;
    /* The raw-socket crafter case (docs/SEMANTICS.md 6): the client's kernel RSTs
     * the SYN+ACK; the passive server returns to LISTEN. */
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    assert_true(cs(f, 2, TH_RST, 1001, 0) & TRK_NOTE_ENDED);
    assert_true(cs(f, 3, TH_ACK, 1001, 5001) & TRK_NOTE_AFTER_END);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED; "
                        "c1 client ESTABLISHED>CLOSED; c1 server SYN_RECV>LISTEN; "
                        "c1 end finished aborted reset_by_client");
}

static void test_aborted_before_reply(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    cs(f, 5, TH_RST, 1001, 0);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; c1 client SYN_SENT>CLOSED; "
                        "c1 end finished aborted reset_by_client");
}

static void test_aborted_by_server_after_synack(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    sc(f, 2, TH_RST, 5001, 0);
    assert_string_equal(f->log.e[f->log.n - 1].text, "c1 end finished aborted reset_by_server");
}

static void test_simultaneous_open(void **state)
{
    struct fx *f = *state;
    struct trk_verdict v;
    /* RFC 9293 Figure 7. */
    cs(f, 0, TH_SYN, 100, 0);
    sc(f, 1, TH_SYN, 300, 0);
    cs(f, 2, SA, 100, 301);
    assert_false(sc(f, 3, SA, 300, 101) & TRK_NOTE_RETRANSMIT); /* not a retransmission */
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 server LISTEN>SYN_SENT; c1 client SYN_SENT>SYN_RECV; "
                        "c1 server SYN_SENT>ESTABLISHED; "
                        "c1 client SYN_RECV>ESTABLISHED");
    {
        struct pkt p = pkt_make(4, C, CP, S, SP, TH_ACK, 101, 301);
        tracker_feed(f->t, &p, &v, NULL);
    }
    assert_true(v.conn->simultaneous);
    assert_int_equal(v.conn->outcome, HS_COMPLETE);
    assert_int_equal(v.conn->synack_retransmits, 0);
}

static void test_split_handshake(void **state)
{
    struct fx *f = *state;
    /* S, S, SA, A (legal under RFC 9293 3.10.7.3). */
    cs(f, 0, TH_SYN, 100, 0);
    sc(f, 1, TH_SYN, 300, 0);
    cs(f, 2, SA, 100, 301);
    assert_true(sc(f, 3, TH_ACK, 301, 101) & TRK_NOTE_HANDSHAKE_ACK);
    finish(f, 10);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 server LISTEN>SYN_SENT; c1 client SYN_SENT>SYN_RECV; "
                        "c1 server SYN_SENT>ESTABLISHED; "
                        "c1 client SYN_RECV>ESTABLISHED; "
                        "c1 end end_of_input complete open_at_end");
}

static void test_self_connect(void **state)
{
    struct fx *f = *state;
    struct trk_verdict v;
    struct pkt p1 = pkt_make(0, "127.0.0.1", 5555, "127.0.0.1", 5555, TH_SYN, 77, 0);
    struct pkt p2 = pkt_make(1, "127.0.0.1", 5555, "127.0.0.1", 5555, SA, 77, 78);
    struct pkt p3 = pkt_make(2, "127.0.0.1", 5555, "127.0.0.1", 5555, TH_ACK, 78, 78);
    evlog_feed(&f->log, f->t, &p1);
    evlog_feed(&f->log, f->t, &p2);
    tracker_feed(f->t, &p3, &v, NULL);
    assert_true(v.conn->anomalies & CONN_ANOM_SELF_CONNECT);
    assert_true(v.conn->simultaneous);
    assert_int_equal(v.conn->outcome, HS_COMPLETE);
    assert_int_equal(tracker_stats(f->t)->connections, 1);
}

static void test_midstream(void **state)
{
    struct fx *f = *state;
    struct trk_verdict v;
    struct pkt p = pkt_data(0, C, CP, S, SP, TH_ACK | TH_PSH, 5000, 9000, 100);
    tracker_feed(f->t, &p, &v, NULL);
    assert_true(v.conn->roles_guessed);
    assert_int_equal(v.nchanges, 0);
    assert_int_equal(v.conn->ep[TRK_CLIENT].state, TS_ESTABLISHED);
    sc(f, 1, TH_ACK, 9000, 5100);
    finish(f, 2);
    assert_string_equal(evlog_join(&f->log), "c1 end end_of_input mid-stream open_at_end");
}

static void test_leading_synack_then_reordered_syn(void **state)
{
    struct fx *f = *state;
    struct trk_verdict v;
    /* z_tcp_handshake-reorder: the SYN+ACK is captured before its SYN. */
    sc(f, 0, SA, 500, 101);
    cs(f, 1, TH_SYN, 100, 0);
    cs(f, 2, TH_ACK, 101, 501);
    {
        struct pkt p = pkt_make(3, C, CP, S, SP, TH_ACK, 101, 501);
        tracker_feed(f->t, &p, &v, NULL);
    }
    assert_string_equal(evlog_join(&f->log),
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED?; "
                        "c1 server SYN_RECV>ESTABLISHED");
    assert_false(v.conn->roles_guessed);
    assert_int_equal(v.conn->outcome, HS_COMPLETE);
    assert_int_equal(tracker_stats(f->t)->connections, 1);
}

static void test_leading_synack_alone_is_midstream(void **state)
{
    struct fx *f = *state;
    sc(f, 0, SA, 500, 101);
    cs(f, 1, TH_ACK, 101, 501);
    finish(f, 2);
    assert_string_equal(f->log.e[f->log.n - 1].text, "c1 end end_of_input mid-stream open_at_end");
}

static void test_port_reuse_after_close(void **state)
{
    struct fx *f = *state;
    struct trk_verdict v;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    cs(f, 2, TH_ACK, 1001, 5001);
    cs(f, 3, FA, 1001, 5001);
    sc(f, 4, FA, 5001, 1002);
    cs(f, 5, TH_ACK, 1002, 5002);
    evlog_clear(&f->log);
    assert_true(cs(f, 1000, TH_SYN, 777777, 0) & TRK_NOTE_NEW);
    {
        struct pkt p = pkt_make(1001, S, SP, C, CP, SA, 1, 777778);
        tracker_feed(f->t, &p, &v, NULL);
    }
    assert_int_equal(v.conn->id, 2);
    assert_int_equal(v.conn->generation, 1);
    assert_string_equal(evlog_join(&f->log), "c2 client CLOSED>SYN_SENT");
}

static void test_new_isn_on_live_tuple_is_reuse(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    cs(f, 2, TH_ACK, 1001, 5001);
    evlog_clear(&f->log);
    assert_true(cs(f, 50, TH_SYN, 424242, 0) & TRK_NOTE_REUSE);
    assert_string_equal(evlog_join(&f->log),
                        "c1 end replaced complete open_at_end; c2 client CLOSED>SYN_SENT");
}

static void test_wrong_ack_synack_is_stray(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    assert_true(sc(f, 1, SA, 5000, 4242) & TRK_NOTE_STRAY);
    assert_int_equal(f->log.n, 1);
    sc(f, 2, SA, 6000, 1001);
    assert_true(cs(f, 3, TH_ACK, 1001, 6001) & TRK_NOTE_HANDSHAKE_ACK);
}

static void test_tfo_synack_acks_syn_data(void **state)
{
    struct fx *f = *state;
    struct pkt syn = pkt_data(0, C, CP, S, SP, TH_SYN, 1000, 0, 37);
    evlog_feed(&f->log, f->t, &syn);
    /* RFC 7413: the SYN+ACK acknowledges the data carried on the SYN. */
    assert_false(sc(f, 1, SA, 5000, 1038) & TRK_NOTE_STRAY);
    assert_true(cs(f, 2, TH_ACK, 1038, 5001) & TRK_NOTE_HANDSHAKE_ACK);
    /* ...or only the SYN, when the server ignores the data. */
    evlog_clear(&f->log);
    {
        struct pkt syn2 = pkt_data(100, C, 41000, S, SP, TH_SYN, 7000, 0, 10);
        struct pkt sa2 = pkt_make(101, S, SP, C, 41000, SA, 9000, 7001);
        assert_true(evlog_feed(&f->log, f->t, &syn2) & TRK_NOTE_SYN_DATA);
        assert_false(evlog_feed(&f->log, f->t, &sa2) & TRK_NOTE_STRAY);
    }
    /* Beyond SND.NXT is unacceptable. */
    {
        struct pkt syn3 = pkt_data(200, C, 42000, S, SP, TH_SYN, 100, 0, 5);
        struct pkt bad = pkt_make(201, S, SP, C, 42000, SA, 1, 107);
        evlog_feed(&f->log, f->t, &syn3);
        assert_true(evlog_feed(&f->log, f->t, &bad) & TRK_NOTE_STRAY);
    }
}

static void test_client_rst_reply_to_stray_synack_keeps_syn_sent(void **state)
{
    struct fx *f = *state;
    /* RFC 9293 3.10.7.3: an unacceptable SYN+ACK draws <SEQ=SEG.ACK><CTL=RST>
     * and the client stays in SYN_SENT; the real SYN+ACK then completes. */
    cs(f, 0, TH_SYN, 1000, 0);
    assert_true(sc(f, 1, SA, 7777, 424242) & TRK_NOTE_STRAY);
    assert_true(cs(f, 2, TH_RST, 424242, 0) & TRK_NOTE_STRAY);
    sc(f, 3, SA, 5000, 1001);
    assert_true(cs(f, 4, TH_ACK, 1001, 5001) & TRK_NOTE_HANDSHAKE_ACK);
    assert_int_equal(tracker_stats(f->t)->strays, 2);
    assert_int_equal(tracker_stats(f->t)->connections, 1);
}

static void test_out_of_window_fin_moves_nothing(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    cs(f, 2, TH_ACK, 1001, 5001);
    evlog_clear(&f->log);
    assert_true(cs(f, 3, FA, 1000 + 0x80000000u, 5001) & TRK_NOTE_STRAY);
    assert_int_equal(f->log.n, 0);
    cs(f, 4, FA, 1001, 5001); /* the real FIN still works */
    assert_string_equal(evlog_join(&f->log),
                        "c1 client ESTABLISHED>FIN_WAIT_1; c1 server ESTABLISHED>CLOSE_WAIT");
}

static void test_tfo_data_ignored_and_ecn(void **state)
{
    struct fx *f = *state;
    struct trk_verdict v;
    struct pkt syn = pkt_data(0, C, CP, S, SP, TH_SYN | TH_ECE | TH_CWR, 1000, 0, 20);
    struct pkt sa = pkt_make(1, S, SP, C, CP, SA, 5000, 1001); /* no ECE: declined */
    tracker_feed(f->t, &syn, &v, NULL);
    tracker_feed(f->t, &sa, &v, NULL);
    assert_true(v.notes & TRK_NOTE_SYN_DATA_IGNORED);
    assert_string_equal(conn_ecn(v.conn), "declined");
    {
        struct pkt syn2 = pkt_make(10, C, 41000, S, SP, TH_SYN | TH_ECE | TH_CWR, 1, 0);
        struct pkt sa2 = pkt_make(11, S, SP, C, 41000, SA | TH_ECE, 9, 2);
        tracker_feed(f->t, &syn2, &v, NULL);
        tracker_feed(f->t, &sa2, &v, NULL);
        assert_false(v.notes & TRK_NOTE_SYN_DATA_IGNORED);
        assert_string_equal(conn_ecn(v.conn), "negotiated");
    }
    {
        struct pkt syn3 = pkt_make(20, C, 42000, S, SP, TH_SYN, 1, 0);
        tracker_feed(f->t, &syn3, &v, NULL);
        assert_string_equal(conn_ecn(v.conn), "off");
    }
}

static void test_invalid_flags_untracked(void **state)
{
    struct fx *f = *state;
    assert_true(cs(f, 0, TH_SYN | TH_FIN, 1, 0) & TRK_NOTE_INVALID);
    assert_int_equal(tracker_stats(f->t)->connections, 0);
    assert_int_equal(tracker_stats(f->t)->untracked, 1);
    assert_int_equal(tracker_stats(f->t)->invalid, 1);
}

static void test_one_sided_client_capture(void **state)
{
    struct fx *f = *state;
    /* Only client->server captured: the client's ACK proves a SYN+ACK. */
    cs(f, 0, TH_SYN, 1000, 0);
    assert_true(cs(f, 5, TH_ACK, 1001, 7001) & TRK_NOTE_HANDSHAKE_ACK);
    finish(f, 6);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; c1 client SYN_SENT>ESTABLISHED; "
                        "c1 server LISTEN>ESTABLISHED?; c1 end end_of_input complete open_at_end");
}

static void test_sequence_wrap(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 0xffffffffu, 0);
    sc(f, 1, SA, 0xfffffff0u, 0);
    assert_true(cs(f, 2, TH_ACK, 0, 0xfffffff1u) & TRK_NOTE_HANDSHAKE_ACK);
    cs(f, 3, FA, 0, 0xfffffff1u);
    sc(f, 4, FA, 0xfffffff1u, 1);
    assert_true(cs(f, 5, TH_ACK, 1, 0xfffffff2u) & TRK_NOTE_ENDED);
}

static void test_server_closes_first_fin_wait_1_to_time_wait(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    cs(f, 2, TH_ACK, 1001, 5001);
    evlog_clear(&f->log);
    sc(f, 3, FA, 5001, 1001);
    cs(f, 4, FA, 1001, 5002); /* FIN that also acks the server's FIN */
    sc(f, 5, TH_ACK, 5002, 1002);
    assert_string_equal(evlog_join(&f->log),
                        "c1 server ESTABLISHED>FIN_WAIT_1; c1 client ESTABLISHED>CLOSE_WAIT; "
                        "c1 client CLOSE_WAIT>LAST_ACK; c1 server FIN_WAIT_1>TIME_WAIT; "
                        "c1 client LAST_ACK>CLOSED; c1 end finished complete closed");
}

static void test_simultaneous_close(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    cs(f, 2, TH_ACK, 1001, 5001);
    evlog_clear(&f->log);
    /* RFC 9293 Figure 13: the FINs cross. */
    cs(f, 3, FA, 1001, 5001);
    sc(f, 3, FA, 5001, 1001);
    cs(f, 4, TH_ACK, 1002, 5002);
    sc(f, 4, TH_ACK, 5002, 1002);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client ESTABLISHED>FIN_WAIT_1; c1 server ESTABLISHED>CLOSE_WAIT; "
                        "c1 server CLOSE_WAIT>CLOSING; c1 client FIN_WAIT_1>CLOSING; "
                        "c1 server CLOSING>TIME_WAIT; c1 client CLOSING>TIME_WAIT; "
                        "c1 end finished complete closed");
}

static void test_eviction_at_capacity(void **state)
{
    struct fx *f = *state;
    struct tracker_cfg cfg = { .max_conns = 16 };
    struct tracker *t = tracker_new(&cfg);
    struct evlog log;
    uint16_t port;
    memset(&log, 0, sizeof(log));
    (void)f;
    for (port = 1; port <= 17; port++) {
        struct pkt p = pkt_make(port, C, port, S, SP, TH_SYN, port, 0);
        evlog_feed(&log, t, &p);
    }
    assert_int_equal(tracker_stats(t)->evicted, 1);
    assert_int_equal(tracker_stats(t)->active, 16);
    assert_string_equal(log.e[16].text, "c1 end evicted unanswered evicted");
    tracker_free(t);
}

static void test_eviction_prefers_ended_entries(void **state)
{
    struct fx *f = *state;
    struct tracker_cfg cfg = { .max_conns = 16 };
    struct tracker *t = tracker_new(&cfg);
    struct evlog log;
    uint16_t port;
    memset(&log, 0, sizeof(log));
    (void)f;
    for (port = 1; port <= 16; port++) {
        struct pkt p = pkt_make(port, C, port, S, SP, TH_SYN, port, 0);
        evlog_feed(&log, t, &p);
    }
    {   /* the newest connection is refused: ended, lingering */
        struct pkt r = pkt_make(20, S, SP, C, 16, RA, 0, 17);
        evlog_feed(&log, t, &r);
    }
    evlog_clear(&log);
    {
        struct pkt p = pkt_make(30, C, 999, S, SP, TH_SYN, 1, 0);
        evlog_feed(&log, t, &p);
    }
    assert_int_equal(tracker_stats(t)->evicted, 0); /* the ended entry was recycled */
    assert_string_equal(evlog_join(&log), "c17 client CLOSED>SYN_SENT");
    tracker_free(t);
}

static void test_finish_emits_in_id_order(void **state)
{
    struct fx *f = *state;
    uint16_t port;
    for (port = 10; port > 0; port--) {
        struct pkt p = pkt_make(11 - port, C, (uint16_t)(port * 7), S, SP, TH_SYN, port, 0);
        evlog_feed(&f->log, f->t, &p);
    }
    evlog_clear(&f->log);
    finish(f, 100);
    assert_int_equal(f->log.n, 10);
    assert_string_equal(f->log.e[0].text, "c1 end end_of_input unanswered never_opened");
    assert_string_equal(f->log.e[9].text, "c10 end end_of_input unanswered never_opened");
    {
        const struct tracker_stats *st = tracker_stats(f->t);
        uint64_t sum = 0;
        int i;
        for (i = 0; i < HS__COUNT; i++)
            sum += st->outcomes[i];
        assert_int_equal(sum, st->connections);
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(tcp_state_name(TS_SYN_RECV), "SYN_RECV");
    assert_string_equal(tcp_state_name(TS_FIN_WAIT_1), "FIN_WAIT_1");
    assert_string_equal(hs_outcome_name(HS_HALF_OPEN), "half-open");
    assert_string_equal(hs_outcome_name(HS_MIDSTREAM), "mid-stream");
    assert_string_equal(close_outcome_name(CLOSE_RESET_BY_CLIENT), "reset_by_client");
    assert_string_equal(trk_note_name(TRK_NOTE_HANDSHAKE_ACK), "handshake-ack");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_three_way_handshake_and_close),
        T(test_rtt_and_options),
        T(test_syn_retransmit_same_isn),
        T(test_handshake_inferred_from_ack_of_data),
        T(test_server_fin_alone_infers_nothing),
        T(test_refused),
        T(test_refused_retry_same_isn_is_new_connection),
        T(test_bare_rst_in_syn_sent_is_stray),
        T(test_unanswered_at_end),
        T(test_unanswered_by_timeout),
        T(test_half_open_with_synack_retransmits),
        T(test_half_open_by_timeout),
        T(test_aborted_by_client_after_synack),
        T(test_aborted_before_reply),
        T(test_aborted_by_server_after_synack),
        T(test_simultaneous_open),
        T(test_split_handshake),
        T(test_self_connect),
        T(test_midstream),
        T(test_leading_synack_then_reordered_syn),
        T(test_leading_synack_alone_is_midstream),
        T(test_port_reuse_after_close),
        T(test_new_isn_on_live_tuple_is_reuse),
        T(test_wrong_ack_synack_is_stray),
        T(test_tfo_synack_acks_syn_data),
        T(test_client_rst_reply_to_stray_synack_keeps_syn_sent),
        T(test_out_of_window_fin_moves_nothing),
        T(test_tfo_data_ignored_and_ecn),
        T(test_invalid_flags_untracked),
        T(test_one_sided_client_capture),
        T(test_sequence_wrap),
        T(test_server_closes_first_fin_wait_1_to_time_wait),
        T(test_simultaneous_close),
        T(test_eviction_at_capacity),
        T(test_eviction_prefers_ended_entries),
        T(test_finish_emits_in_id_order),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
