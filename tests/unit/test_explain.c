/* test_explain.c: --explain sentences from real tracker verdicts: the
 * handshake with its sequence arithmetic (relative and absolute), refusal,
 * retransmission counts, simultaneous open, a SYN+ACK that does not fit,
 * the FIN close, aborts, timeouts, outcomes; silence for plain data; no
 * overflow of a small buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "explain.h"
#include "views_fixture.h"

static char g_s[EXPLAIN_MAX];

/* Feed p and explain it with flags. */
static const char *say(struct vf *f, struct pkt p, unsigned flags)
{
    const struct trk_verdict *v = vf_feed(f, p);
    explain_segment(&p, v, flags, g_s, sizeof(g_s));
    return g_s;
}

static void assert_has(const char *s, const char *part)
{
    if (!strstr(s, part))
        fail_msg("\"%s\" lacks \"%s\"", s, part);
}

static void test_handshake_relative(void **state)
{
    struct vf f;
    (void)state;
    vf_open(&f);
    assert_string_equal(
        say(&f, pkt_make(0, VF_C, 40000, VF_S, 80, TH_SYN, 1000, 0), 0),
        "The client opens: its SYN carries its initial sequence number (ISN 0) and moves it "
        "from CLOSED to SYN_SENT; the server is presumed in LISTEN, since no segment from it "
        "has been seen yet.");
    /* The contract's example: ack = client ISN + 1, then SYN_RECV. */
    assert_string_equal(
        say(&f, pkt_make(20, VF_S, 80, VF_C, 40000, TH_SYN | TH_ACK, 5000, 1001), 0),
        "The server answers with SYN+ACK: it acknowledges 1 = client ISN + 1, because a SYN "
        "takes one sequence number, and sends its own ISN 0; it now waits in SYN_RECV for the "
        "final ACK, while the client, on receiving it, is ESTABLISHED.");
    say(&f, pkt_make(21, VF_C, 40000, VF_S, 80, TH_ACK, 1001, 5001), 0);
    assert_has(g_s, "acknowledges 1 = server ISN + 1");
    assert_has(g_s, "from SYN_RECV to ESTABLISHED");
    assert_has(g_s, "three-way handshake is complete");
    /* Data changes nothing: no sentence. */
    {
        struct pkt p = pkt_data(22, VF_C, 40000, VF_S, 80, TH_ACK | TH_PSH, 1001, 5001, 100);
        const struct trk_verdict *v = vf_feed(&f, p);
        assert_int_equal(explain_segment(&p, v, 0, g_s, sizeof(g_s)), 0);
        assert_string_equal(g_s, "");
    }
    vf_close(&f);
}

static void test_handshake_absolute(void **state)
{
    struct vf f;
    (void)state;
    vf_open(&f);
    say(&f, pkt_make(0, VF_C, 40000, VF_S, 80, TH_SYN, 1000, 0), RPT_ABS_SEQ);
    assert_has(g_s, "(ISN 1000)");
    say(&f, pkt_make(20, VF_S, 80, VF_C, 40000, TH_SYN | TH_ACK, 5000, 1001), RPT_ABS_SEQ);
    assert_has(g_s, "acknowledges 1001 = client ISN 1000 + 1");
    assert_has(g_s, "its own ISN 5000");
    say(&f, pkt_make(21, VF_C, 40000, VF_S, 80, TH_ACK, 1001, 5001), RPT_ABS_SEQ);
    assert_has(g_s, "acknowledges 5001 = server ISN 5000 + 1");
    vf_close(&f);
}

static void test_refused(void **state)
{
    struct vf f;
    (void)state;
    vf_open(&f);
    say(&f, pkt_make(0, VF_C, 40000, VF_S, 8080, TH_SYN, 77, 0), 0);
    say(&f, pkt_make(1, VF_S, 8080, VF_C, 40000, TH_RST | TH_ACK, 0, 78), 0);
    assert_string_equal(g_s, "The server answers the SYN with RST+ACK, acknowledging 1 = client "
                             "ISN + 1: nothing listens on port 8080, so the connection is "
                             "refused and the client goes from SYN_SENT to CLOSED "
                             "(RFC 9293 3.10.7.1). The server was presumed in LISTEN; it was "
                             "CLOSED all along.");
    vf_close(&f);
}

static void test_retransmissions_counted(void **state)
{
    struct vf f;
    (void)state;
    vf_open(&f);
    say(&f, pkt_make(0, VF_C, 40000, VF_S, 80, TH_SYN, 1000, 0), 0);
    say(&f, pkt_make(1000, VF_C, 40000, VF_S, 80, TH_SYN, 1000, 0), 0);
    assert_has(g_s, "again with the same ISN (retransmission 1)");
    assert_has(g_s, "still in SYN_SENT");
    say(&f, pkt_make(3000, VF_C, 40000, VF_S, 80, TH_SYN, 1000, 0), 0);
    assert_has(g_s, "(retransmission 2)");
    say(&f, pkt_make(3020, VF_S, 80, VF_C, 40000, TH_SYN | TH_ACK, 5000, 1001), 0);
    /* A copy of the SYN captured after the answer: no longer "still in SYN_SENT". */
    say(&f, pkt_make(3021, VF_C, 40000, VF_S, 80, TH_SYN, 1000, 0), 0);
    assert_has(g_s, "(retransmission 3) although it is already ESTABLISHED");
    say(&f, pkt_make(4020, VF_S, 80, VF_C, 40000, TH_SYN | TH_ACK, 5000, 1001), 0);
    assert_has(g_s, "sends its SYN+ACK again with the same ISN (retransmission 1)");
    assert_has(g_s, "stays in SYN_RECV");
    vf_close(&f);
}

static void test_simultaneous_open(void **state)
{
    struct vf f;
    (void)state;
    vf_open(&f);
    say(&f, pkt_make(0, VF_C, 50000, VF_S, 50001, TH_SYN, 1000, 0), 0);
    say(&f, pkt_make(10, VF_S, 50001, VF_C, 50000, TH_SYN, 5000, 0), 0);
    assert_has(g_s, "the two SYNs cross (simultaneous open, RFC 9293 Figure 7)");
    assert_has(g_s, "from SYN_SENT to SYN_RECV");
    say(&f, pkt_make(11, VF_C, 50000, VF_S, 50001, TH_SYN | TH_ACK, 1000, 5001), 0);
    assert_has(g_s, "repeats its own ISN 0; the server, on receiving it, is ESTABLISHED.");
    say(&f, pkt_make(20, VF_S, 50001, VF_C, 50000, TH_SYN | TH_ACK, 5000, 1001), 0);
    assert_has(g_s, "the handshake is complete (a simultaneous open needs no separate final ACK)");
    vf_close(&f);
}

static void test_wrong_ack(void **state)
{
    struct vf f;
    (void)state;
    vf_open(&f);
    say(&f, pkt_make(0, VF_C, 40000, VF_S, 80, TH_SYN, 1000, 0), 0);
    say(&f, pkt_make(20, VF_S, 80, VF_C, 40000, TH_SYN | TH_ACK, 5000, 1234), 0);
    /* 1234 - 1000 = 234 relative to the client's ISN. */
    assert_has(g_s, "acknowledges 234, but the client's SYN needs client ISN + 1");
    assert_has(g_s, "RST (RFC 9293 3.10.7.3) and no state changes");
    vf_close(&f);
}

static void test_close(void **state)
{
    struct vf f;
    (void)state;
    vf_open(&f);
    vf_handshake(&f, 0, 40000);
    say(&f, pkt_make(100, VF_C, 40000, VF_S, 80, TH_FIN | TH_ACK, 1001, 5001), 0);
    assert_has(g_s, "its FIN has sequence number 1 and takes one, so it is acknowledged with 2");
    assert_has(g_s, "the client goes from ESTABLISHED to FIN_WAIT_1 and the server from "
                    "ESTABLISHED to CLOSE_WAIT");
    say(&f, pkt_make(120, VF_S, 80, VF_C, 40000, TH_FIN | TH_ACK, 5001, 1002), 0);
    assert_has(g_s, "also acknowledges 2 = client FIN 1 + 1");
    assert_has(g_s, "the client from FIN_WAIT_1 to TIME_WAIT (it lingers for 2 MSL");
    say(&f, pkt_make(121, VF_C, 40000, VF_S, 80, TH_ACK, 1002, 5002), 0);
    assert_string_equal(g_s, "The client acknowledges 2 = server FIN 1 + 1: the server goes "
                             "from LAST_ACK to CLOSED, and the connection is fully closed.");
    vf_close(&f);
}

static void test_aborts(void **state)
{
    struct vf f;
    (void)state;
    vf_open(&f);
    say(&f, pkt_make(0, VF_C, 40001, VF_S, 80, TH_SYN, 1000, 0), 0);
    say(&f, pkt_make(5, VF_C, 40001, VF_S, 80, TH_RST, 1001, 0), 0);
    assert_has(g_s, "gives up before any answer");
    /* The kernel RST of a raw-socket client: bare RST, seq = the SYN+ACK's ack. */
    say(&f, pkt_make(10, VF_C, 40002, VF_S, 80, TH_SYN, 1000, 0), 0);
    say(&f, pkt_make(30, VF_S, 80, VF_C, 40002, TH_SYN | TH_ACK, 5000, 1001), 0);
    say(&f, pkt_make(31, VF_C, 40002, VF_S, 80, TH_RST, 1001, 0), 0);
    assert_has(g_s, "bare RST (seq 1 = the SYN+ACK's ack)");
    assert_has(g_s, "returns from SYN_RECV to LISTEN");
    /* A reset of an established connection. */
    vf_handshake(&f, 100, 40003);
    say(&f, pkt_make(200, VF_S, 80, VF_C, 40003, TH_RST | TH_ACK, 5001, 1001), 0);
    assert_has(g_s, "The server resets the connection (RST seq 1, inside the window)");
    assert_has(g_s, "without a FIN exchange");
    vf_close(&f);
}

static void test_timer_and_outcomes(void **state)
{
    struct vf f;
    const struct trk_verdict *v;
    struct pkt p;
    struct trk_change ch = { TRK_CLIENT, TS_SYN_SENT, TS_CLOSED, false };
    (void)state;
    vf_open(&f);
    p = pkt_make(0, VF_C, 40000, VF_S, 80, TH_SYN, 1000, 0);
    v = vf_feed(&f, p);
    explain_timer(v->conn, &ch, v->conn->t_last_ns + 120000000000ull, g_s, sizeof(g_s));
    assert_string_equal(g_s, "No segment for 120.000 s of packet time: the client's SYN_SENT "
                             "timeout has passed, so it is taken to be CLOSED (Linux gives up "
                             "on a SYN after tcp_syn_retries).");
    {
        struct conn c = *v->conn;
        c.outcome = HS_UNANSWERED;
        c.syn_retransmits = 3;
        explain_outcome(&c, TRK_END_END_OF_INPUT, g_s, sizeof(g_s));
        assert_has(g_s, "Outcome unanswered: the SYN was sent 4 times");
        c.syn_retransmits = 0;
        explain_outcome(&c, TRK_END_TIMEOUT, g_s, sizeof(g_s));
        assert_has(g_s, "the SYN was sent once and nothing came back before the SYN_SENT timeout");
        c.outcome = HS_REFUSED;
        explain_outcome(&c, TRK_END_EVICTED, g_s, sizeof(g_s));
        assert_has(g_s, "on port 80");
        assert_has(g_s, "(reported early: the connection table was full).");
    }
    vf_close(&f);
}

static void test_small_buffer(void **state)
{
    struct vf f;
    struct pkt p = pkt_make(0, VF_C, 40000, VF_S, 80, TH_SYN, 1000, 0);
    const struct trk_verdict *v;
    char small[16];
    size_t n;
    (void)state;
    vf_open(&f);
    v = vf_feed(&f, p);
    memset(small, 'x', sizeof(small));
    n = explain_segment(&p, v, 0, small, sizeof(small));
    assert_int_equal(n, sizeof(small) - 1);
    assert_int_equal(small[sizeof(small) - 1], '\0');
    assert_string_equal(small, "The client open");
    /* Every sentence of the scenarios above fits EXPLAIN_MAX with room. */
    n = explain_segment(&p, v, RPT_ABS_SEQ, g_s, sizeof(g_s));
    assert_true(n < EXPLAIN_MAX - 64);
    vf_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_relative),
        cmocka_unit_test(test_handshake_absolute),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_retransmissions_counted),
        cmocka_unit_test(test_simultaneous_open),
        cmocka_unit_test(test_wrong_ack),
        cmocka_unit_test(test_close),
        cmocka_unit_test(test_aborts),
        cmocka_unit_test(test_timer_and_outcomes),
        cmocka_unit_test(test_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
