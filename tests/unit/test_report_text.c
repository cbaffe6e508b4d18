/* test_report_text.c: the text reporter: exact lines for a handshake, a
 * refusal, presumed states, chained changes, relative and absolute numbers,
 * IPv6, --all, -q, -v, connection records, the summary, and the demo's
 * system call, kernel and comparison lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "report_fixture.h"
#include "tcpopt.h"

/* Feed one segment with its changes. */
static void seg(struct reporter *r, struct conn *c, int side, uint16_t flags, uint32_t seq,
                uint32_t ack, uint64_t ts, uint16_t notes, const struct trk_change *ch, int nch)
{
    struct trk_verdict v;
    struct pkt p = fx_pkt(c, side, flags, seq, ack, ts);
    int i;
    memset(&v, 0, sizeof(v));
    v.conn = c;
    v.from_client = side == TRK_CLIENT;
    v.notes = notes;
    for (i = 0; i < nch; i++) {
        v.changes[v.nchanges++] = ch[i];
        c->ep[ch[i].side].state = ch[i].to; /* the conn shows the state after */
        c->ep[ch[i].side].presumed = ch[i].presumed;
    }
    r->ops->segment(r, &p, &v);
}

/* The handshake of fx_conn_complete(), replayed from the start. */
static void handshake(struct reporter *r, struct conn *c)
{
    const struct trk_change syn[] = { { TRK_CLIENT, TS_CLOSED, TS_SYN_SENT, false },
                                      { TRK_SERVER, TS_CLOSED, TS_LISTEN, true } };
    const struct trk_change synack[] = { { TRK_SERVER, TS_LISTEN, TS_SYN_RECV, false },
                                         { TRK_CLIENT, TS_SYN_SENT, TS_ESTABLISHED, false } };
    const struct trk_change ack[] = { { TRK_SERVER, TS_SYN_RECV, TS_ESTABLISHED, false } };
    c->ep[TRK_CLIENT].state = TS_CLOSED;
    c->ep[TRK_SERVER].state = TS_CLOSED;
    seg(r, c, TRK_CLIENT, TH_SYN, 1000, 0, FX_T0, TRK_NOTE_NEW, syn, 2);
    seg(r, c, TRK_SERVER, TH_SYN | TH_ACK, 5000, 1001, FX_T0 + 120 * FX_US, 0, synack, 2);
    seg(r, c, TRK_CLIENT, TH_ACK, 1001, 5001, FX_T0 + 200 * FX_US,
        TRK_NOTE_HANDSHAKE_ACK | TRK_NOTE_OUTCOME, ack, 1);
}

static void expect_line(const char *text, int n, const char *want)
{
    char line[1024];
    fx_line(text, n, line, sizeof(line));
    assert_string_equal(line, want);
}

static void test_handshake_lines(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct reporter *r;
    const char *t;
    (void)state;
    fx_out_open(&o);
    r = report_text_new(o.f, 0);
    handshake(r, &c);
    reporter_destroy(r);
    t = fx_out_text(&o);
    assert_int_equal(fx_count_lines(t), 3);
    expect_line(t, 0, "  0.000000 #1    10.0.0.1:40000 > 10.0.0.2:80     SYN      seq 0    "
                      "           client CLOSED->SYN_SENT       server LISTEN?");
    expect_line(t, 1, "  0.000120 #1       10.0.0.2:80 > 10.0.0.1:40000  SYN+ACK  seq 0 ack 1"
                      "         client SYN_SENT->ESTABLISHED  server LISTEN->SYN_RECV");
    expect_line(t, 2, "  0.000200 #1    10.0.0.1:40000 > 10.0.0.2:80     ACK      seq 1 ack 1"
                      "         client ESTABLISHED            server SYN_RECV->ESTABLISHED  "
                      "handshake-ack outcome complete");
    fx_out_close(&o);
}

static void test_absolute_seq(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct reporter *r;
    (void)state;
    fx_out_open(&o);
    r = report_text_new(o.f, RPT_ABS_SEQ);
    handshake(r, &c);
    reporter_destroy(r);
    expect_line(fx_out_text(&o), 1,
                "  0.000120 #1       10.0.0.2:80 > 10.0.0.1:40000  SYN+ACK  seq 5000 ack 1001"
                "                   client SYN_SENT->ESTABLISHED  server LISTEN->SYN_RECV");
    fx_out_close(&o);
}

static void test_plain_ack_hidden_unless_all(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct reporter *r;
    const char *t;
    (void)state;
    fx_out_open(&o);
    r = report_text_new(o.f, 0);
    seg(r, &c, TRK_CLIENT, TH_ACK | TH_PSH, 1001, 5001, FX_T0, 0, NULL, 0);
    reporter_destroy(r);
    assert_string_equal(fx_out_text(&o), "");
    fx_out_close(&o);

    fx_out_open(&o);
    r = report_text_new(o.f, RPT_ALL);
    seg(r, &c, TRK_CLIENT, TH_ACK | TH_PSH, 1001, 5001, FX_T0, 0, NULL, 0);
    reporter_destroy(r);
    t = fx_out_text(&o);
    /* Unmoved endpoints show their current state, without an arrow. */
    expect_line(t, 0, "  0.000000 #1    10.0.0.1:40000 > 10.0.0.2:80     PSH+ACK  seq 1 ack 1"
                      "         client ESTABLISHED            server ESTABLISHED");
    fx_out_close(&o);
}

static void test_payload_notes_and_chain(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct reporter *r;
    const struct trk_change fin[] = { { TRK_SERVER, TS_ESTABLISHED, TS_FIN_WAIT_1, false },
                                      { TRK_CLIENT, TS_FIN_WAIT_1, TS_FIN_WAIT_2, false },
                                      { TRK_CLIENT, TS_FIN_WAIT_2, TS_TIME_WAIT, false } };
    (void)state;
    fx_out_open(&o);
    r = report_text_new(o.f, 0);
    seg(r, &c, TRK_SERVER, TH_FIN | TH_PSH | TH_ACK, 5001, 1020, FX_T0 + 1100 * FX_US,
        TRK_NOTE_RETRANSMIT | TRK_NOTE_STRAY | TRK_NOTE_ENDED, fin, 3);
    reporter_destroy(r);
    /* FIN+PSH+ACK overflows its column by design; NEW/ENDED are not printed. */
    expect_line(fx_out_text(&o), 0,
                "  0.000000 #1       10.0.0.2:80 > 10.0.0.1:40000  FIN+PSH+ACK seq 1 ack 20 "
                "       client FIN_WAIT_1->FIN_WAIT_2->TIME_WAIT  server "
                "ESTABLISHED->FIN_WAIT_1  retransmit stray");
    fx_out_close(&o);
}

static void test_payload_len_and_time_base(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct reporter *r;
    struct pkt p;
    const char *t;
    (void)state;
    fx_out_open(&o);
    r = report_text_new(o.f, RPT_ALL);
    /* The first frame of the file sets time 0, even if it did not decode. */
    memset(&p, 0, sizeof(p));
    p.ts_ns = FX_T0 - 500000 * FX_US;
    p.caplen = 42;
    p.layer = DECODE_L_LINK;
    r->ops->undecoded(r, &p, DECODE_NOT_IP);
    seg(r, &c, TRK_CLIENT, TH_ACK, 1001, 5001, FX_T0, 0, NULL, 0);
    reporter_destroy(r);
    t = fx_out_text(&o);
    expect_line(t, 0, "  0.000000 #-    frame of 42 bytes not decoded: not-ip at link");
    expect_line(t, 1, "  0.500000 #1    10.0.0.1:40000 > 10.0.0.2:80     ACK      seq 1 ack 1"
                      "         client ESTABLISHED            server ESTABLISHED");
    fx_out_close(&o);
}

static void test_options_and_verbose(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct reporter *r;
    struct trk_verdict v;
    struct pkt p;
    char opts[256], want[512];
    (void)state;
    p = fx_pkt(&c, TRK_CLIENT, TH_SYN, 1000, 0, FX_T0);
    p.payload_len = 5;
    p.opt.present = TCPOPT_P_MSS;
    p.opt.mss = 1460;
    p.opt.nlayout = 1;
    p.opt.layout[0] = 2;
    p.anomalies = PKT_ANOM_RESERVED_BITS | PKT_ANOM_IP_OPTIONS;
    memset(&v, 0, sizeof(v));
    v.conn = &c;
    v.from_client = true;
    v.notes = TRK_NOTE_SYN_DATA;
    tcpopt_format(&p.opt, opts, (int)sizeof(opts));
    assert_true(opts[0] != '\0');
    fx_out_open(&o);
    r = report_text_new(o.f, RPT_VERBOSE);
    r->ops->segment(r, &p, &v);
    reporter_destroy(r);
    snprintf(want, sizeof(want),
             "  0.000000 #1    10.0.0.1:40000 > 10.0.0.2:80     SYN      seq 0 len 5         "
             "client ESTABLISHED            server ESTABLISHED            [%s] syn-data "
             "ttl 64 win 65535 anomalies ip-options,reserved-bits",
             opts);
    expect_line(fx_out_text(&o), 0, want);
    fx_out_close(&o);
}

static void test_ipv6_and_untracked(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_unanswered_v6();
    struct reporter *r;
    struct trk_verdict v;
    struct pkt p;
    const struct trk_change syn[] = { { TRK_CLIENT, TS_CLOSED, TS_SYN_SENT, false },
                                      { TRK_SERVER, TS_CLOSED, TS_LISTEN, true } };
    (void)state;
    fx_out_open(&o);
    r = report_text_new(o.f, RPT_ALL);
    seg(r, &c, TRK_CLIENT, TH_SYN, 9000, 0, FX_T0, TRK_NOTE_NEW, syn, 2);
    p = fx_pkt(&c, TRK_CLIENT, TH_SYN | TH_RST, 1, 0, FX_T0 + 1 * FX_US);
    memset(&v, 0, sizeof(v));
    v.notes = TRK_NOTE_INVALID;
    r->ops->segment(r, &p, &v);
    reporter_destroy(r);
    expect_line(fx_out_text(&o), 0,
                "  0.000000 #7    [2001:db8::1]:40002 > [2001:db8::2]:443    SYN      seq 0     "
                "          client CLOSED->SYN_SENT       server LISTEN?");
    /* Not tracked: no id, raw numbers, no states. */
    expect_line(fx_out_text(&o), 1,
                "  0.000001 #-    [2001:db8::1]:40002 > [2001:db8::2]:443    SYN+RST  seq 1     "
                "          invalid");
    fx_out_close(&o);
}

static void test_conn_records(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete(), u = fx_conn_unanswered_v6();
    struct reporter *r;
    const char *t;
    (void)state;
    u.roles_guessed = true;
    u.simultaneous = true;
    fx_out_open(&o);
    r = report_text_new(o.f, 0);
    r->ops->conn_end(r, &c, TRK_END_FINISHED, FX_T0 + 200 * FX_US);
    r->ops->conn_end(r, &u, TRK_END_END_OF_INPUT, FX_T0 + 1000000 * FX_US);
    reporter_destroy(r);
    t = fx_out_text(&o);
    expect_line(t, 0, "  0.000000 #1    10.0.0.1:40000 > 10.0.0.2:80     conn     complete  "
                      "client ESTABLISHED  server ESTABLISHED  rtt 0.120/0.080 ms  "
                      "retransmits 0/0  3 pkts  open_at_end");
    expect_line(t, 1, "  0.999800 #7    [2001:db8::1]:40002 > [2001:db8::2]:443    conn     "
                      "unanswered simultaneous roles-guessed  client SYN_SENT  server LISTEN?  "
                      "rtt -/- ms  retransmits 1/0  2 pkts  open_at_end (end_of_input)");
    fx_out_close(&o);
}

static void test_quiet_only_records_and_summary(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct reporter *r;
    struct run_stats rs;
    struct tracker_stats ts;
    struct trk_change ch = { TRK_CLIENT, TS_TIME_WAIT, TS_CLOSED, false };
    const char *t;
    (void)state;
    memset(&rs, 0, sizeof(rs));
    memset(&ts, 0, sizeof(ts));
    fx_out_open(&o);
    r = report_text_new(o.f, RPT_QUIET);
    handshake(r, &c);
    r->ops->timer_change(r, &c, &ch, FX_T0);
    r->ops->conn_end(r, &c, TRK_END_FINISHED, FX_T0 + 200 * FX_US);
    r->ops->finish(r, &rs, &ts);
    reporter_destroy(r);
    t = fx_out_text(&o);
    assert_true(strncmp(t, "  0.000200 #1    10.0.0.1:40000 > 10.0.0.2:80     conn     complete",
                        66) == 0);
    expect_line(t, 1, "-- summary");
    fx_out_close(&o);
}

static void test_timer_line(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct reporter *r;
    struct trk_change ch = { TRK_SERVER, TS_SYN_RECV, TS_CLOSED, false };
    (void)state;
    fx_out_open(&o);
    r = report_text_new(o.f, 0);
    r->ops->timer_change(r, &c, &ch, FX_T0);
    reporter_destroy(r);
    expect_line(fx_out_text(&o), 0,
                "  0.000000 #1    10.0.0.1:40000 > 10.0.0.2:80     timeout                      "
                "client ESTABLISHED            server SYN_RECV->CLOSED");
    fx_out_close(&o);
}

static void test_summary(void **state)
{
    struct fx_out o;
    struct reporter *r;
    struct run_stats rs;
    struct tracker_stats ts;
    (void)state;
    memset(&rs, 0, sizeof(rs));
    memset(&ts, 0, sizeof(ts));
    rs.packets = 12;
    rs.tcp_packets = 9;
    rs.bytes = 746;
    rs.first_ts_ns = FX_T0;
    rs.last_ts_ns = FX_T0 + 1500000 * FX_US;
    rs.decode[DECODE_OK] = 9;
    rs.decode[DECODE_TRUNCATED] = 1;
    rs.decode[DECODE_FRAGMENT] = 2;
    rs.anomalies[5] = 4; /* bad-flags */
    rs.anomalies[0] = 1; /* ip-options */
    rs.input_error = "x.pcap: truncated capture file (truncated dump file)";
    rs.have_capture_stats = true;
    rs.cap_received = 20;
    rs.cap_dropped = 1;
    ts.connections = 3;
    ts.outcomes[HS_COMPLETE] = 2;
    ts.outcomes[HS_HALF_OPEN] = 1;
    ts.retransmits = 1;
    ts.evicted = 5;
    ts.timed_out = 1;
    ts.peak_active = 2;
    ts.capacity = 16;
    fx_out_open(&o);
    r = report_text_new(o.f, 0);
    r->ops->finish(r, &rs, &ts);
    reporter_destroy(r);
    assert_string_equal(
        fx_out_text(&o),
        "-- summary\n"
        "packets      12 (9 tcp, 3 not decoded), 746 bytes, 1.500000 s\n"
        "connections  3: complete 2, refused 0, unanswered 0, half-open 1, aborted 0, "
        "mid-stream 0\n"
        "decode       truncated 1, malformed 0, unsupported 0, not-ip 0, not-tcp 0, fragment 2\n"
        "anomalies    ip-options 1, bad-flags 4\n"
        "tracker      retransmits 1, strays 0, invalid 0, untracked 0, evicted 5, "
        "timed out 1, peak 2 of 16\n"
        "capture      received 20, dropped 1, dropped by interface 0\n"
        "error        x.pcap: truncated capture file (truncated dump file)\n");
    fx_out_close(&o);
}

static void test_summary_empty(void **state)
{
    struct fx_out o;
    struct reporter *r;
    struct run_stats rs;
    struct tracker_stats ts;
    (void)state;
    memset(&rs, 0, sizeof(rs));
    memset(&ts, 0, sizeof(ts));
    fx_out_open(&o);
    r = report_text_new(o.f, 0);
    r->ops->finish(r, &rs, &ts);
    reporter_destroy(r);
    expect_line(fx_out_text(&o), 1, "packets      0 (0 tcp, 0 not decoded), 0 bytes, 0.000000 s");
    expect_line(fx_out_text(&o), 4, "anomalies    none");
    fx_out_close(&o);
}

static void test_demo_lines(void **state)
{
    struct fx_out o;
    struct reporter *r;
    struct rpt_kernel k = fx_kernel();
    struct rpt_agree a = fx_agree();
    char line[512];
    (void)state;
    fx_out_open(&o);
    r = report_text_new(o.f, RPT_ALL);
    assert_non_null(r);
    reporter_syscall(r, FX_T0, "connect() to 10.0.0.2:80 called");
    reporter_kernel(r, &k);
    reporter_agree(r, &a);
    a.ok = true;
    a.wire[TRK_SERVER] = TS_SYN_RECV;
    a.on_wire = NULL;
    reporter_agree(r, &a);
    reporter_destroy(r);
    fx_out_text(&o);
    assert_int_equal(fx_count_lines(o.buf), 4);
    /* Times from the first record; the kernel's spelling on kernel lines. */
    fx_line(o.buf, 0, line, sizeof(line));
    assert_string_equal(line, "  0.000000 call   connect() to 10.0.0.2:80 called");
    fx_line(o.buf, 1, line, sizeof(line));
    assert_string_equal(line, "  0.001000 kernel SYN+ACK crossed server -> client"
                              "              client ESTABLISHED  server SYN_RECV (request)"
                              "  listener -");
    fx_line(o.buf, 2, line, sizeof(line));
    assert_string_equal(line, "  0.001000 DIFFER wire != kernel: client ESTABLISHED, server wire "
                              "ESTABLISHED kernel SYN_RECV (ACK client -> server on the wire: "
                              "sent, not yet received)");
    fx_line(o.buf, 3, line, sizeof(line));
    assert_string_equal(line, "  0.001000 agree  wire = kernel: client ESTABLISHED, server "
                              "SYN_RECV");
    fx_out_close(&o);

    /* -q: records and the summary only. */
    fx_out_open(&o);
    r = report_text_new(o.f, RPT_QUIET);
    reporter_syscall(r, FX_T0, "connect()");
    reporter_kernel(r, &k);
    reporter_agree(r, &a);
    reporter_destroy(r);
    assert_string_equal(fx_out_text(&o), "");
    fx_out_close(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_lines),
        cmocka_unit_test(test_absolute_seq),
        cmocka_unit_test(test_plain_ack_hidden_unless_all),
        cmocka_unit_test(test_payload_notes_and_chain),
        cmocka_unit_test(test_payload_len_and_time_base),
        cmocka_unit_test(test_options_and_verbose),
        cmocka_unit_test(test_ipv6_and_untracked),
        cmocka_unit_test(test_conn_records),
        cmocka_unit_test(test_quiet_only_records_and_summary),
        cmocka_unit_test(test_timer_line),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_summary_empty),
        cmocka_unit_test(test_demo_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
