/* test_tracker_revise.c: verdicts that later segments revise (issue 21;
 * docs/STATES.md "Verdicts later segments revise"): a TFO server's FIN from
 * SYN_RECV before the handshake ACK, RSTs the receiver ignored (wrong
 * timestamp echo, timestamps never negotiated, TCP-MD5, TCP-AO), server-only
 * captures, and the close of a socket connected to itself. Each test asserts
 * the whole sequence of changes and records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "pktfix.h"
#include "tcp_wire.h"
#include "tcpopt.h"
#include "tracker.h"

#define C "10.0.0.1"
#define S "10.0.0.2"
#define CP 40000
#define SP 80
#define SA (TH_SYN | TH_ACK)
#define RA (TH_RST | TH_ACK)
#define FA (TH_FIN | TH_ACK)
#define PA (TH_PSH | TH_ACK)

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

/* Option sets for the fixtures. */
enum opt { O_NONE, O_TS, O_MD5, O_AO, O_TS_MD5 };

static void set_opts(struct pkt *p, enum opt o, uint32_t tsval, uint32_t tsecr)
{
    if (o == O_TS || o == O_TS_MD5) {
        p->opt.present |= TCPOPT_P_TS;
        p->opt.ts_val = tsval;
        p->opt.ts_ecr = tsecr;
        p->opt.layout[p->opt.nlayout++] = TCPOPT_TS;
    }
    if (o == O_MD5 || o == O_TS_MD5) {
        p->opt.present |= TCPOPT_P_MD5;
        p->opt.layout[p->opt.nlayout++] = TCPOPT_MD5;
    }
    if (o == O_AO) {
        p->opt.present |= TCPOPT_P_UNKNOWN;
        p->opt.layout[p->opt.nlayout++] = TCPOPT_AO;
    }
}

/* Feed a segment from the client (dir 0) or the server (dir 1). */
static uint16_t seg(struct fx *f, int dir, uint64_t ms, uint16_t flags, uint32_t seq, uint32_t ack,
                    uint32_t len, enum opt o, uint32_t tsval, uint32_t tsecr)
{
    struct pkt p = dir ? pkt_data(ms, S, SP, C, CP, flags, seq, ack, len)
                       : pkt_data(ms, C, CP, S, SP, flags, seq, ack, len);
    set_opts(&p, o, tsval, tsecr);
    return evlog_feed(&f->log, f->t, &p);
}

static uint16_t cs(struct fx *f, uint64_t ms, uint16_t flags, uint32_t seq, uint32_t ack)
{
    return seg(f, 0, ms, flags, seq, ack, 0, O_NONE, 0, 0);
}

static uint16_t sc(struct fx *f, uint64_t ms, uint16_t flags, uint32_t seq, uint32_t ack)
{
    return seg(f, 1, ms, flags, seq, ack, 0, O_NONE, 0, 0);
}

static void finish(struct fx *f, uint64_t ms)
{
    struct trk_sink sink = evlog_sink(&f->log);
    tracker_finish(f->t, PKTFIX_EPOCH_NS + ms * 1000000ULL, &sink);
}

/* The only connection of the fixture. */
static const struct conn *conn1(struct fx *f)
{
    struct trk_verdict v;
    struct pkt p = pkt_make(0, C, CP, S, SP, TH_ACK | TH_SYN | TH_FIN, 0, 0); /* invalid: moves nothing */
    tracker_feed(f->t, &p, &v, NULL);
    return v.conn;
}

/* ---- 1: a server FIN sent from SYN_RECV (TFO) ------------------------------ */

static void test_tfo_server_fin_from_syn_recv_then_handshake_ack(void **state)
{
    struct fx *f = *state;
    seg(f, 0, 0, TH_SYN, 1000, 0, 37, O_NONE, 0, 0); /* SYN with data (TFO) */
    sc(f, 1, SA, 5000, 1038);
    seg(f, 1, 2, PA | TH_FIN, 5001, 1038, 40, O_NONE, 0, 0); /* reply and FIN from SYN_RECV */
    /* The client's ACK of the SYN+ACK arrives after the FIN was sent. */
    assert_true(cs(f, 3, TH_ACK, 1038, 5001) & TRK_NOTE_HANDSHAKE_ACK);
    cs(f, 4, TH_ACK, 1038, 5042);
    cs(f, 5, FA, 1038, 5042);
    sc(f, 6, TH_ACK, 5042, 1039);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED; "
                        "c1 server SYN_RECV>FIN_WAIT_1; c1 client ESTABLISHED>CLOSE_WAIT; "
                        "c1 server FIN_WAIT_1>FIN_WAIT_2; "
                        "c1 client CLOSE_WAIT>LAST_ACK; c1 server FIN_WAIT_2>TIME_WAIT; "
                        "c1 client LAST_ACK>CLOSED; "
                        "c1 end finished complete closed");
}

static void test_tfo_server_fin_ack_covering_fin_completes(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    sc(f, 2, FA, 5001, 1001);
    /* One ACK covers the SYN and the FIN. */
    assert_true(cs(f, 3, FA, 1001, 5002) & TRK_NOTE_HANDSHAKE_ACK);
    sc(f, 4, TH_ACK, 5002, 1002);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED; "
                        "c1 server SYN_RECV>FIN_WAIT_1; c1 client ESTABLISHED>CLOSE_WAIT; "
                        "c1 client CLOSE_WAIT>LAST_ACK; c1 server FIN_WAIT_1>TIME_WAIT; "
                        "c1 client LAST_ACK>CLOSED; "
                        "c1 end finished complete closed");
}

static void test_server_fin_from_syn_recv_then_rst_is_aborted(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    sc(f, 2, FA, 5001, 1001);
    cs(f, 3, TH_RST, 1001, 0); /* no ACK of the SYN ever came */
    assert_string_equal(f->log.e[f->log.n - 1].text, "c1 end finished aborted reset_by_client");
}

/* ---- 2: RSTs the receiver ignored ------------------------------------------ */

/* An injected RST+ACK in SYN_SENT whose TSecr echoes no TSval of the SYN
 * (RFC 7323 3.2): the client drops it, the real SYN+ACK follows. */
static void test_rst_wrong_ts_echo_in_syn_sent_is_revised(void **state)
{
    struct fx *f = *state;
    uint16_t n;
    seg(f, 0, 0, TH_SYN, 1000, 0, 0, O_TS, 700, 0);
    n = seg(f, 1, 1, RA, 0, 1001, 0, O_TS, 123, 99999);
    assert_false(n & TRK_NOTE_ENDED);   /* the record waits ... */
    assert_false(n & TRK_NOTE_OUTCOME); /* ... and so does its outcome (--outcome) */
    assert_int_equal(conn1(f)->outcome, HS_PENDING);
    n = seg(f, 1, 2, SA, 5000, 1001, 0, O_TS, 300, 700);
    assert_true(n & TRK_NOTE_IGNORED_RST);
    assert_true(seg(f, 0, 3, TH_ACK, 1001, 5001, 0, O_TS, 703, 300) & TRK_NOTE_HANDSHAKE_ACK);
    seg(f, 0, 4, PA, 1001, 5001, 10, O_TS, 704, 300);
    seg(f, 1, 5, PA, 5001, 1011, 20, O_TS, 305, 704);
    seg(f, 0, 6, FA, 1011, 5021, 0, O_TS, 706, 305);
    seg(f, 1, 7, FA, 5021, 1012, 0, O_TS, 307, 706);
    seg(f, 0, 8, TH_ACK, 1012, 5022, 0, O_TS, 708, 307);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 client SYN_SENT>CLOSED; "                  /* the RST, as taken */
                        "c1 client CLOSED>SYN_SENT; "                  /* ... revised away */
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED; "
                        "c1 server SYN_RECV>ESTABLISHED; "
                        "c1 client ESTABLISHED>FIN_WAIT_1; c1 server ESTABLISHED>CLOSE_WAIT; "
                        "c1 server CLOSE_WAIT>LAST_ACK; c1 client FIN_WAIT_1>TIME_WAIT; "
                        "c1 server LAST_ACK>CLOSED; "
                        "c1 end finished complete closed");
    assert_true(conn1(f)->anomalies & CONN_ANOM_IGNORED_RST);
    assert_int_equal(tracker_stats(f->t)->connections, 1);
}

/* The same RST+ACK echoing the SYN's TSval is a refusal, ended at once. */
static void test_rst_right_ts_echo_is_refused_at_once(void **state)
{
    struct fx *f = *state;
    seg(f, 0, 0, TH_SYN, 1000, 0, 0, O_TS, 700, 0);
    assert_true(seg(f, 1, 1, RA, 0, 1001, 0, O_TS, 123, 700) & TRK_NOTE_ENDED);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; c1 client SYN_SENT>CLOSED; "
                        "c1 end finished refused reset_by_server");
}

/* A held RST that nothing revises stands: its record comes out at the end
 * of input, or when the CLOSE linger passes, as the reset it was. */
static void test_held_rst_unrevised_at_end(void **state)
{
    struct fx *f = *state;
    seg(f, 0, 0, TH_SYN, 1000, 0, 0, O_TS, 700, 0);
    seg(f, 1, 1, RA, 0, 1001, 0, O_TS, 123, 99999);
    cs(f, 2, TH_RST, 1001, 0); /* a RST is never evidence: a straggler */
    finish(f, 3);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; c1 client SYN_SENT>CLOSED; "
                        "c1 end finished refused reset_by_server");
    assert_false(conn1(f)->anomalies & CONN_ANOM_IGNORED_RST);
}

static void test_held_rst_unrevised_by_linger(void **state)
{
    struct fx *f = *state;
    struct pkt other = pkt_make(11000, "10.9.9.9", 1, "10.9.9.8", 2, TH_SYN, 1, 0);
    seg(f, 0, 0, TH_SYN, 1000, 0, 0, O_TS, 700, 0);
    seg(f, 1, 1, RA, 0, 1001, 0, O_TS, 123, 99999);
    evlog_feed(&f->log, f->t, &other);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; c1 client SYN_SENT>CLOSED; "
                        "c1 end finished refused reset_by_server; c2 client CLOSED>SYN_SENT");
    assert_int_equal(tracker_stats(f->t)->timed_out, 0);
}

/* The client's SYN retransmitted with the same ISN after a held RST: it
 * still waits in SYN_SENT, so it dropped the RST. */
static void test_syn_retransmit_revises_held_rst(void **state)
{
    struct fx *f = *state;
    seg(f, 0, 0, TH_SYN, 1000, 0, 0, O_TS, 700, 0);
    seg(f, 1, 1, RA, 0, 1001, 0, O_TS, 123, 99999);
    assert_true(seg(f, 0, 1000, TH_SYN, 1000, 0, 0, O_TS, 1700, 0) &
                (TRK_NOTE_IGNORED_RST | TRK_NOTE_RETRANSMIT));
    seg(f, 1, 1001, SA, 5000, 1001, 0, O_TS, 300, 1700);
    cs(f, 1002, TH_ACK, 1001, 5001);
    finish(f, 1003);
    assert_string_equal(f->log.e[f->log.n - 1].text, "c1 end end_of_input complete open_at_end");
    assert_int_equal(conn1(f)->syn_retransmits, 1);
    assert_int_equal(tracker_stats(f->t)->connections, 1);
}

/* A timestamp on a RST of a connection that never negotiated them: both
 * ends go on exchanging data. */
static void test_rst_with_unnegotiated_ts_in_established(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    cs(f, 2, TH_ACK, 1001, 5001);
    seg(f, 0, 3, PA, 1001, 5001, 10, O_NONE, 0, 0);
    assert_false(seg(f, 1, 4, TH_RST, 5001, 0, 0, O_TS, 42, 0) & TRK_NOTE_ENDED);
    assert_true(seg(f, 1, 5, PA, 5001, 1011, 20, O_NONE, 0, 0) & TRK_NOTE_IGNORED_RST);
    cs(f, 6, FA, 1011, 5021);
    sc(f, 7, FA, 5021, 1012);
    cs(f, 8, TH_ACK, 1012, 5022);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED; "
                        "c1 server SYN_RECV>ESTABLISHED; "
                        "c1 server ESTABLISHED>CLOSED; c1 client ESTABLISHED>CLOSED; "
                        "c1 server CLOSED>ESTABLISHED; c1 client CLOSED>ESTABLISHED; "
                        "c1 client ESTABLISHED>FIN_WAIT_1; c1 server ESTABLISHED>CLOSE_WAIT; "
                        "c1 server CLOSE_WAIT>LAST_ACK; c1 client FIN_WAIT_1>TIME_WAIT; "
                        "c1 server LAST_ACK>CLOSED; "
                        "c1 end finished complete closed");
}

/* With timestamps negotiated, a RST carrying one is ordinary: ended at once. */
static void test_rst_with_negotiated_ts_is_not_held(void **state)
{
    struct fx *f = *state;
    seg(f, 0, 0, TH_SYN, 1000, 0, 0, O_TS, 700, 0);
    seg(f, 1, 1, SA, 5000, 1001, 0, O_TS, 300, 700);
    seg(f, 0, 2, TH_ACK, 1001, 5001, 0, O_TS, 702, 300);
    assert_true(seg(f, 1, 3, TH_RST, 5001, 0, 0, O_TS, 303, 702) & TRK_NOTE_ENDED);
}

/* RFC 2385: a RST carrying TCP-MD5 on a connection without it, and one
 * without it on a connection that uses it. */
static void test_rst_md5_mismatch_is_held_and_revised(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    cs(f, 2, TH_ACK, 1001, 5001);
    assert_false(seg(f, 0, 3, TH_RST, 1001, 0, 0, O_MD5, 0, 0) & TRK_NOTE_ENDED);
    assert_true(sc(f, 4, TH_ACK, 5001, 1001) & TRK_NOTE_IGNORED_RST);
    finish(f, 5);
    assert_string_equal(f->log.e[f->log.n - 1].text, "c1 end end_of_input complete open_at_end");
}

static void test_rst_without_md5_on_md5_connection_is_held(void **state)
{
    struct fx *f = *state;
    seg(f, 0, 0, TH_SYN, 1000, 0, 0, O_MD5, 0, 0);
    seg(f, 1, 1, SA, 5000, 1001, 0, O_MD5, 0, 0);
    seg(f, 0, 2, TH_ACK, 1001, 5001, 0, O_MD5, 0, 0);
    assert_false(sc(f, 3, TH_RST, 5001, 0) & TRK_NOTE_ENDED);
    /* With MD5 on the RST, it is the connection's own: ended at once. */
    evlog_clear(&f->log);
    assert_true(seg(f, 1, 4, TH_RST, 5001, 0, 0, O_MD5, 0, 0) & TRK_NOTE_AFTER_END);
    finish(f, 5);
    assert_string_equal(evlog_join(&f->log), "c1 end finished complete reset_by_server");
}

/* RFC 5925: TCP-AO (kind 29) protects the connection; a RST without it is
 * dropped, and the SYN_SENT client goes on to complete. */
static void test_rst_without_ao_in_syn_sent_is_revised(void **state)
{
    struct fx *f = *state;
    seg(f, 0, 0, TH_SYN, 1000, 0, 0, O_AO, 0, 0);
    assert_false(sc(f, 1, RA, 0, 1001) & TRK_NOTE_ENDED);
    assert_true(seg(f, 1, 2, SA, 5000, 1001, 0, O_AO, 0, 0) & TRK_NOTE_IGNORED_RST);
    seg(f, 0, 3, TH_ACK, 1001, 5001, 0, O_AO, 0, 0);
    finish(f, 4);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; c1 client SYN_SENT>CLOSED; "
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED; "
                        "c1 server SYN_RECV>ESTABLISHED; "
                        "c1 end end_of_input complete open_at_end");
}

/* What does not fit the sequence space revises nothing. */
static void test_segment_outside_window_does_not_revise(void **state)
{
    struct fx *f = *state;
    cs(f, 0, TH_SYN, 1000, 0);
    sc(f, 1, SA, 5000, 1001);
    cs(f, 2, TH_ACK, 1001, 5001);
    seg(f, 0, 3, TH_RST, 1001, 0, 0, O_MD5, 0, 0);
    assert_true(sc(f, 4, TH_ACK, 5001, 1001 + 0x80000000u) & TRK_NOTE_AFTER_END);
    finish(f, 5);
    assert_string_equal(f->log.e[f->log.n - 1].text, "c1 end finished complete reset_by_client");
}

/* ---- 3: server-only captures -------------------------------------------- */

static void test_server_only_capture_infers_established(void **state)
{
    struct fx *f = *state;
    struct pkt later;
    uint16_t n;
    sc(f, 0, SA, 5000, 1001);
    sc(f, 1, TH_ACK, 5001, 1001);  /* acks nothing new: proves nothing */
    n = seg(f, 1, 20, PA, 5001, 1101, 1000, O_NONE, 0, 0); /* acks 100 client bytes */
    assert_true(n & TRK_NOTE_HANDSHAKE_INFERRED);
    /* An idle minute: ESTABLISHED waits, SYN_RECV would have expired. */
    later = pkt_data(80000, S, SP, C, CP, PA, 6001, 1201, 1000);
    evlog_feed(&f->log, f->t, &later);
    finish(f, 80001);
    assert_string_equal(evlog_join(&f->log),
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED?; "
                        "c1 server SYN_RECV>ESTABLISHED?; "
                        "c1 end end_of_input mid-stream open_at_end");
    assert_int_equal(tracker_stats(f->t)->connections, 1);
    assert_false(conn1(f)->hs_inferred); /* mid-stream: not a complete outcome */
}

/* ---- 4: a socket connected to itself, then closed -------------------------- */

static void test_self_connect_close(void **state)
{
    struct fx *f = *state;
    const char *lo = "127.0.0.1";
    struct pkt p[5] = {
        pkt_make(0, lo, 5555, lo, 5555, TH_SYN, 77, 0),
        pkt_make(1, lo, 5555, lo, 5555, SA, 77, 78),
        pkt_make(2, lo, 5555, lo, 5555, TH_ACK, 78, 78),
        pkt_make(3, lo, 5555, lo, 5555, FA, 78, 78),
        pkt_make(4, lo, 5555, lo, 5555, TH_ACK, 79, 79),
    };
    int i;
    for (i = 0; i < 5; i++)
        evlog_feed(&f->log, f->t, &p[i]);
    assert_string_equal(evlog_join(&f->log),
                        "c1 client CLOSED>SYN_SENT; "
                        "c1 server LISTEN>SYN_RECV; c1 client SYN_SENT>ESTABLISHED; "
                        "c1 server SYN_RECV>ESTABLISHED; "
                        "c1 client ESTABLISHED>FIN_WAIT_1; c1 server ESTABLISHED>FIN_WAIT_1; "
                        "c1 client FIN_WAIT_1>CLOSING; c1 server FIN_WAIT_1>CLOSING; "
                        "c1 client CLOSING>TIME_WAIT; c1 server CLOSING>TIME_WAIT; "
                        "c1 end finished complete closed");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_tfo_server_fin_from_syn_recv_then_handshake_ack),
        T(test_tfo_server_fin_ack_covering_fin_completes),
        T(test_server_fin_from_syn_recv_then_rst_is_aborted),
        T(test_rst_wrong_ts_echo_in_syn_sent_is_revised),
        T(test_rst_right_ts_echo_is_refused_at_once),
        T(test_held_rst_unrevised_at_end),
        T(test_held_rst_unrevised_by_linger),
        T(test_syn_retransmit_revises_held_rst),
        T(test_rst_with_unnegotiated_ts_in_established),
        T(test_rst_with_negotiated_ts_is_not_held),
        T(test_rst_md5_mismatch_is_held_and_revised),
        T(test_rst_without_md5_on_md5_connection_is_held),
        T(test_rst_without_ao_in_syn_sent_is_revised),
        T(test_segment_outside_window_does_not_revise),
        T(test_server_only_capture_infers_established),
        T(test_self_connect_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
