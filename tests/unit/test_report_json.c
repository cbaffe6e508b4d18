/* test_report_json.c: the NDJSON reporter, line by line: the "conn", "state",
 * "segment", "undecoded", "summary" and the demo's "syscall", "kernel" and
 * "agree" contracts, key order, escaping, IPv6 brackets, null RTTs, quiet
 * and all modes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "report_fixture.h"

static const char *run_conn(struct fx_out *o, const struct conn *c, enum trk_end why,
                            uint64_t ts, unsigned flags)
{
    struct reporter *r = report_json_new(o->f, flags);
    assert_non_null(r);
    r->ops->conn_end(r, c, why, ts);
    reporter_destroy(r);
    return fx_out_text(o);
}

static void test_conn_complete_exact(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    (void)state;
    fx_out_open(&o);
    run_conn(&o, &c, TRK_END_END_OF_INPUT, FX_T0 + 500 * FX_US, 0);
    assert_string_equal(
        fx_out_text(&o),
        "{\"type\":\"conn\",\"id\":1,\"generation\":0,\"client\":\"10.0.0.1:40000\","
        "\"server\":\"10.0.0.2:80\",\"first_ts\":1704067200.000123,"
        "\"last_ts\":1704067200.000323,\"end_ts\":1704067200.000623,"
        "\"outcome\":\"complete\",\"simultaneous\":false,\"roles_guessed\":false,"
        "\"client_state\":\"ESTABLISHED\",\"server_state\":\"ESTABLISHED\","
        "\"client_presumed\":false,\"server_presumed\":false,"
        "\"syn_retransmits\":0,\"synack_retransmits\":0,"
        "\"rtt_syn_synack_us\":120,\"rtt_synack_ack_us\":80,\"rtt_first_syn_synack_us\":120,"
        "\"close\":\"open_at_end\",\"ecn\":\"off\",\"end_reason\":\"end_of_input\","
        "\"packets\":3,\"client_packets\":2,\"server_packets\":1,"
        "\"client_bytes\":0,\"server_bytes\":0,"
        "\"client_options\":{\"mss\":1460,\"wscale\":7,\"sack_ok\":true,\"ts\":true,"
        "\"tfo\":false,\"ecn\":false},"
        "\"server_options\":{\"mss\":65495,\"wscale\":null,\"sack_ok\":false,\"ts\":false,"
        "\"tfo\":false,\"ecn\":false},"
        "\"anomalies\":[]}\n");
    fx_out_close(&o);
}

static void test_conn_v6_nulls(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_unanswered_v6();
    const char *t;
    (void)state;
    c.simultaneous = true;
    c.anomalies = CONN_ANOM_WRONG_ACK | CONN_ANOM_SELF_CONNECT;
    fx_out_open(&o);
    t = run_conn(&o, &c, TRK_END_TIMEOUT, FX_T0 + 120000000 * FX_US, 0);
    assert_int_equal(fx_count_lines(t), 1);
    assert_non_null(strstr(t, "{\"type\":\"conn\",\"id\":7,\"generation\":2,"
                              "\"client\":\"[2001:db8::1]:40002\","
                              "\"server\":\"[2001:db8::2]:443\","));
    assert_non_null(strstr(t, "\"end_ts\":1704067320.000123,"));
    assert_non_null(strstr(t, "\"outcome\":\"unanswered\",\"simultaneous\":true,"));
    assert_non_null(strstr(t, "\"client_state\":\"SYN_SENT\",\"server_state\":\"LISTEN\","
                              "\"client_presumed\":false,\"server_presumed\":true,"));
    assert_non_null(strstr(t, "\"syn_retransmits\":1,\"synack_retransmits\":0,"
                              "\"rtt_syn_synack_us\":null,\"rtt_synack_ack_us\":null,"));
    assert_non_null(strstr(t, "\"end_reason\":\"timeout\""));
    /* The server never sent a SYN+ACK: its options are unknown, not empty. */
    assert_non_null(strstr(t, "\"server_options\":null,"));
    assert_non_null(strstr(t, "\"anomalies\":[\"wrong-ack\",\"self-connect\"]}\n"));
    fx_out_close(&o);
}

static void test_conn_every_outcome_name(void **state)
{
    static const char *const names[] = { "complete", "refused", "unanswered",
                                         "half-open", "aborted", "mid-stream" };
    int k;
    (void)state;
    for (k = HS_COMPLETE; k < HS__COUNT; k++) {
        struct fx_out o;
        struct conn c = fx_conn_complete();
        char want[64];
        c.outcome = (uint8_t)k;
        fx_out_open(&o);
        run_conn(&o, &c, TRK_END_FINISHED, FX_T0, 0);
        snprintf(want, sizeof(want), "\"outcome\":\"%s\"", names[k - HS_COMPLETE]);
        assert_non_null(strstr(fx_out_text(&o), want));
        fx_out_close(&o);
    }
}

static void test_state_lines_from_segment(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct trk_verdict v;
    struct pkt p;
    struct reporter *r;
    char line[512];
    (void)state;
    c.ep[TRK_SERVER].state = TS_SYN_RECV;
    p = fx_pkt(&c, TRK_SERVER, TH_SYN | TH_ACK, 5000, 1001, FX_T0 + 120 * FX_US);
    memset(&v, 0, sizeof(v));
    v.conn = &c;
    v.from_client = false;
    fx_change(&v, TRK_SERVER, TS_LISTEN, TS_SYN_RECV, false);
    fx_change(&v, TRK_CLIENT, TS_SYN_SENT, TS_ESTABLISHED, false);

    fx_out_open(&o);
    r = report_json_new(o.f, 0);
    r->ops->segment(r, &p, &v);
    reporter_destroy(r);
    assert_int_equal(fx_count_lines(fx_out_text(&o)), 2);
    fx_line(fx_out_text(&o), 0, line, sizeof(line));
    assert_string_equal(line, "{\"type\":\"state\",\"ts\":1704067200.000243,\"conn\":1,"
                              "\"endpoint\":\"server\",\"from\":\"LISTEN\",\"to\":\"SYN_RECV\","
                              "\"cause\":\"SYN+ACK\",\"presumed\":false}");
    fx_line(fx_out_text(&o), 1, line, sizeof(line));
    assert_string_equal(line, "{\"type\":\"state\",\"ts\":1704067200.000243,\"conn\":1,"
                              "\"endpoint\":\"client\",\"from\":\"SYN_SENT\","
                              "\"to\":\"ESTABLISHED\",\"cause\":\"SYN+ACK\",\"presumed\":false}");
    fx_out_close(&o);
}

static void test_presumed_state_and_rst_cause(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct trk_verdict v;
    struct pkt p;
    struct reporter *r;
    (void)state;
    p = fx_pkt(&c, TRK_CLIENT, TH_SYN, 1000, 0, FX_T0);
    memset(&v, 0, sizeof(v));
    v.conn = &c;
    v.from_client = true;
    fx_change(&v, TRK_SERVER, TS_CLOSED, TS_LISTEN, true);
    fx_out_open(&o);
    r = report_json_new(o.f, 0);
    r->ops->segment(r, &p, &v);
    p.flags = TH_RST | TH_ACK;
    v.changes[0].presumed = false;
    r->ops->segment(r, &p, &v);
    reporter_destroy(r);
    assert_non_null(strstr(fx_out_text(&o), "\"cause\":\"SYN\",\"presumed\":true}\n"));
    assert_non_null(strstr(fx_out_text(&o), "\"cause\":\"RST+ACK\",\"presumed\":false}\n"));
    fx_out_close(&o);
}

static void test_segment_only_with_all(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct trk_verdict v;
    struct pkt p;
    struct reporter *r;
    char line[1024];
    (void)state;
    p = fx_pkt(&c, TRK_CLIENT, TH_ACK | TH_PSH, 1001, 5001, FX_T0 + 300 * FX_US);
    p.payload_len = 18;
    p.anomalies = PKT_ANOM_IP_OPTIONS | PKT_ANOM_ZERO_PORT;
    memset(&v, 0, sizeof(v));
    v.conn = &c;
    v.from_client = true;
    v.notes = TRK_NOTE_DUPLICATE;

    fx_out_open(&o);
    r = report_json_new(o.f, 0);
    r->ops->segment(r, &p, &v);
    reporter_destroy(r);
    assert_string_equal(fx_out_text(&o), ""); /* no state change, no --all: nothing */
    fx_out_close(&o);

    fx_out_open(&o);
    r = report_json_new(o.f, RPT_ALL);
    r->ops->segment(r, &p, &v);
    reporter_destroy(r);
    fx_line(fx_out_text(&o), 0, line, sizeof(line));
    assert_string_equal(line,
                        "{\"type\":\"segment\",\"ts\":1704067200.000423,\"conn\":1,"
                        "\"sender\":\"client\",\"src\":\"10.0.0.1:40000\",\"dst\":\"10.0.0.2:80\","
                        "\"flags\":\"PSH+ACK\",\"seq\":1001,\"ack\":5001,\"rel_seq\":1,"
                        "\"rel_ack\":1,\"len\":18,\"win\":65535,\"ttl\":64,\"options\":\"\","
                        "\"notes\":[\"duplicate\"],\"anomalies\":[\"ip-options\",\"zero-port\"]}");
    fx_out_close(&o);
}

static void test_untracked_segment(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct trk_verdict v;
    struct pkt p;
    struct reporter *r;
    (void)state;
    p = fx_pkt(&c, TRK_CLIENT, TH_SYN | TH_FIN, 1, 0, FX_T0);
    memset(&v, 0, sizeof(v));
    v.notes = TRK_NOTE_INVALID;
    fx_out_open(&o);
    r = report_json_new(o.f, RPT_ALL);
    r->ops->segment(r, &p, &v);
    reporter_destroy(r);
    assert_int_equal(fx_count_lines(fx_out_text(&o)), 1);
    assert_non_null(strstr(fx_out_text(&o), "\"conn\":null,\"sender\":null,"));
    assert_non_null(strstr(fx_out_text(&o), "\"flags\":\"SYN+FIN\",\"seq\":1,\"ack\":0,"
                                            "\"rel_seq\":null,\"rel_ack\":null,"));
    assert_non_null(strstr(fx_out_text(&o), "\"notes\":[\"invalid\"]"));
    fx_out_close(&o);
}

static void test_quiet_keeps_conn_and_summary(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct trk_verdict v;
    struct pkt p;
    struct reporter *r;
    struct run_stats rs;
    struct tracker_stats ts;
    (void)state;
    p = fx_pkt(&c, TRK_CLIENT, TH_SYN, 1000, 0, FX_T0);
    memset(&v, 0, sizeof(v));
    v.conn = &c;
    v.from_client = true;
    fx_change(&v, TRK_CLIENT, TS_CLOSED, TS_SYN_SENT, false);
    memset(&rs, 0, sizeof(rs));
    memset(&ts, 0, sizeof(ts));
    fx_out_open(&o);
    r = report_json_new(o.f, RPT_QUIET);
    r->ops->segment(r, &p, &v);
    r->ops->timer_change(r, &c, &v.changes[0], FX_T0);
    r->ops->undecoded(r, &p, DECODE_TRUNCATED);
    r->ops->conn_end(r, &c, TRK_END_FINISHED, FX_T0);
    r->ops->finish(r, &rs, &ts);
    reporter_destroy(r);
    assert_int_equal(fx_count_lines(fx_out_text(&o)), 2);
    assert_true(strncmp(fx_out_text(&o), "{\"type\":\"conn\",", 15) == 0);
    assert_non_null(strstr(fx_out_text(&o), "\n{\"type\":\"summary\","));
    fx_out_close(&o);
}

static void test_timer_change_cause_timeout(void **state)
{
    struct fx_out o;
    struct conn c = fx_conn_complete();
    struct trk_change ch = { TRK_CLIENT, TS_TIME_WAIT, TS_CLOSED, false };
    struct reporter *r;
    (void)state;
    fx_out_open(&o);
    r = report_json_new(o.f, 0);
    r->ops->timer_change(r, &c, &ch, FX_T0 + 2 * FX_US);
    reporter_destroy(r);
    assert_string_equal(fx_out_text(&o),
                        "{\"type\":\"state\",\"ts\":1704067200.000125,\"conn\":1,"
                        "\"endpoint\":\"client\",\"from\":\"TIME_WAIT\",\"to\":\"CLOSED\","
                        "\"cause\":\"timeout\",\"presumed\":false}\n");
    fx_out_close(&o);
}

static void test_undecoded_only_with_all(void **state)
{
    struct fx_out o;
    struct pkt p;
    struct reporter *r;
    (void)state;
    memset(&p, 0, sizeof(p));
    p.ts_ns = FX_T0;
    p.caplen = 30;
    p.wirelen = 60;
    p.layer = DECODE_L_IPV4;
    fx_out_open(&o);
    r = report_json_new(o.f, 0);
    r->ops->undecoded(r, &p, DECODE_TRUNCATED);
    reporter_destroy(r);
    assert_string_equal(fx_out_text(&o), "");
    fx_out_close(&o);

    fx_out_open(&o);
    r = report_json_new(o.f, RPT_ALL);
    r->ops->undecoded(r, &p, DECODE_TRUNCATED);
    reporter_destroy(r);
    assert_string_equal(fx_out_text(&o),
                        "{\"type\":\"undecoded\",\"ts\":1704067200.000123,\"status\":\"truncated\","
                        "\"layer\":\"ipv4\",\"caplen\":30,\"wirelen\":60,\"anomalies\":[]}\n");
    fx_out_close(&o);
}

static void fill_stats(struct run_stats *rs, struct tracker_stats *ts)
{
    memset(rs, 0, sizeof(*rs));
    memset(ts, 0, sizeof(*ts));
    rs->packets = 12;
    rs->tcp_packets = 9;
    rs->bytes = 746;
    rs->first_ts_ns = FX_T0;
    rs->last_ts_ns = FX_T0 + 1500000 * FX_US;
    rs->decode[DECODE_OK] = 9;
    rs->decode[DECODE_TRUNCATED] = 1;
    rs->decode[DECODE_NOT_IP] = 2;
    rs->anomalies[5] = 4; /* bit 0x20: bad-flags */
    ts->connections = 3;
    ts->outcomes[HS_COMPLETE] = 1;
    ts->outcomes[HS_REFUSED] = 1;
    ts->outcomes[HS_MIDSTREAM] = 1;
    ts->closes[CLOSE_CLOSED] = 2;
    ts->evicted = 5;
    ts->retransmits = 1;
    ts->peak_active = 2;
    ts->capacity = 16;
}

static void test_summary_exact(void **state)
{
    struct fx_out o;
    struct run_stats rs;
    struct tracker_stats ts;
    struct reporter *r;
    (void)state;
    fill_stats(&rs, &ts);
    fx_out_open(&o);
    r = report_json_new(o.f, 0);
    r->ops->finish(r, &rs, &ts);
    reporter_destroy(r);
    assert_string_equal(
        fx_out_text(&o),
        "{\"type\":\"summary\",\"schema_version\":4,\"packets\":12,\"tcp_packets\":9,\"bytes\":746,"
        "\"first_ts\":1704067200.000123,\"last_ts\":1704067201.500123,\"connections\":3,"
        "\"outcomes\":{\"complete\":1,\"refused\":1,\"unanswered\":0,\"half-open\":0,"
        "\"aborted\":0,\"mid-stream\":1},"
        "\"closes\":{\"open_at_end\":0,\"closed\":2,\"reset_by_client\":0,"
        "\"reset_by_server\":0,\"timeout\":0,\"evicted\":0,\"never_opened\":0},"
        "\"evicted\":5,\"timed_out\":0,\"retransmits\":1,\"strays\":0,\"invalid\":0,"
        "\"untracked\":0,\"peak_active\":2,\"capacity\":16,"
        "\"decode\":{\"truncated\":1,\"malformed\":0,\"unsupported\":0,\"not-ip\":2,"
        "\"not-tcp\":0,\"fragment\":0},"
        "\"anomalies\":{\"ip-options\":0,\"ip-fragment\":0,\"link-padding\":0,"
        "\"ip-len-cut\":0,\"tcp-option\":0,\"bad-flags\":4,\"fin-no-ack\":0,"
        "\"reserved-bits\":0,\"payload-cut\":0,\"zero-port\":0,\"time-jump\":0,\"link-len-short\":0}}\n");
    fx_out_close(&o);
}

static void test_summary_empty_error_and_capture(void **state)
{
    struct fx_out o;
    struct run_stats rs;
    struct tracker_stats ts;
    struct reporter *r;
    const char *t;
    (void)state;
    memset(&rs, 0, sizeof(rs));
    memset(&ts, 0, sizeof(ts));
    rs.have_capture_stats = true;
    rs.cap_received = 10;
    rs.cap_dropped = 1;
    rs.cap_ifdropped = 2;
    rs.input_error = "x\"y\\z\n\x01\xff: truncated dump file";
    fx_out_open(&o);
    r = report_json_new(o.f, 0);
    r->ops->finish(r, &rs, &ts);
    reporter_destroy(r);
    t = fx_out_text(&o);
    assert_int_equal(fx_count_lines(t), 1);
    assert_non_null(strstr(t, "\"first_ts\":null,\"last_ts\":null,\"connections\":0,"));
    assert_non_null(strstr(t, "\"outcomes\":{\"complete\":0,\"refused\":0,\"unanswered\":0,"
                              "\"half-open\":0,\"aborted\":0,\"mid-stream\":0},"));
    assert_non_null(strstr(t, "\"capture\":{\"received\":10,\"dropped\":1,\"ifdropped\":2},"
                              "\"error\":\"x\\\"y\\\\z\\n\\u0001\\ufffd: truncated dump file\"}\n"));
    fx_out_close(&o);
}

static void test_demo_records_exact(void **state)
{
    struct fx_out o;
    struct reporter *r;
    struct rpt_kernel k = fx_kernel();
    struct rpt_agree a = fx_agree();
    char line[1024];
    (void)state;
    fx_out_open(&o);
    r = report_json_new(o.f, RPT_ALL);
    assert_non_null(r);
    reporter_syscall(r, FX_T0, "recv() returned 12 bytes on server: \"hello\"");
    reporter_kernel(r, &k);
    reporter_agree(r, &a);
    a.ok = true;
    a.wire[TRK_SERVER] = TS_SYN_RECV;
    a.on_wire = NULL;
    reporter_agree(r, &a);
    reporter_destroy(r);
    fx_out_text(&o);
    assert_int_equal(fx_count_lines(o.buf), 6);
    fx_line(o.buf, 0, line, sizeof(line));
    assert_string_equal(line, "{\"type\":\"syscall\",\"ts\":1704067200.000123,"
                              "\"text\":\"recv() returned 12 bytes on server: \\\"hello\\\"\"}");
    fx_line(o.buf, 1, line, sizeof(line));
    assert_string_equal(line, "{\"type\":\"kernel\",\"ts\":1704067200.001123,\"step\":4,"
                              "\"why\":\"SYN+ACK crossed server -> client\",\"socket\":\"client\","
                              "\"present\":true,\"state\":\"ESTABLISHED\","
                              "\"kernel_state\":\"ESTABLISHED\",\"request\":false,"
                              "\"source\":\"tcp_info\",\"local\":\"10.0.0.1:40000\","
                              "\"remote\":\"10.0.0.2:80\",\"timer_ms\":null}");
    fx_line(o.buf, 2, line, sizeof(line));
    assert_string_equal(line, "{\"type\":\"kernel\",\"ts\":1704067200.001123,\"step\":4,"
                              "\"why\":\"SYN+ACK crossed server -> client\",\"socket\":\"server\","
                              "\"present\":true,\"state\":\"SYN_RECV\","
                              "\"kernel_state\":\"SYN_RECV\",\"request\":true,"
                              "\"source\":\"sock_diag\",\"local\":\"10.0.0.2:80\","
                              "\"remote\":\"10.0.0.1:40000\",\"timer_ms\":996}");
    fx_line(o.buf, 3, line, sizeof(line));
    assert_string_equal(line, "{\"type\":\"kernel\",\"ts\":1704067200.001123,\"step\":4,"
                              "\"why\":\"SYN+ACK crossed server -> client\","
                              "\"socket\":\"listener\",\"present\":false,\"state\":null,"
                              "\"kernel_state\":null,\"request\":false,\"source\":null,"
                              "\"local\":null,\"remote\":null,\"timer_ms\":null}");
    fx_line(o.buf, 4, line, sizeof(line));
    assert_string_equal(line, "{\"type\":\"agree\",\"ts\":1704067200.001123,\"step\":4,"
                              "\"ok\":false,\"wire_client\":\"ESTABLISHED\","
                              "\"kernel_client\":\"ESTABLISHED\",\"wire_server\":\"ESTABLISHED\","
                              "\"kernel_server\":\"SYN_RECV\","
                              "\"on_wire\":\"ACK client -> server\"}");
    fx_line(o.buf, 5, line, sizeof(line));
    assert_string_equal(line, "{\"type\":\"agree\",\"ts\":1704067200.001123,\"step\":4,"
                              "\"ok\":true,\"wire_client\":\"ESTABLISHED\","
                              "\"kernel_client\":\"ESTABLISHED\",\"wire_server\":\"SYN_RECV\","
                              "\"kernel_server\":\"SYN_RECV\",\"on_wire\":null}");
    fx_out_close(&o);
}

static void test_demo_records_quiet_and_missing_ops(void **state)
{
    static const struct reporter_ops bare = { .destroy = NULL };
    struct reporter plain = { .ops = &bare, .out = NULL, .flags = 0 };
    struct fx_out o;
    struct reporter *r;
    struct rpt_kernel k = fx_kernel();
    struct rpt_agree a = fx_agree();
    (void)state;
    fx_out_open(&o);
    r = report_json_new(o.f, RPT_QUIET);
    reporter_syscall(r, FX_T0, "connect()");
    reporter_kernel(r, &k);
    reporter_agree(r, &a);
    reporter_destroy(r);
    assert_string_equal(fx_out_text(&o), "");
    fx_out_close(&o);
    /* A reporter without the demo's ops ignores them. */
    reporter_syscall(&plain, FX_T0, "connect()");
    reporter_kernel(&plain, &k);
    reporter_agree(&plain, &a);
    reporter_syscall(NULL, FX_T0, "connect()");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conn_complete_exact),
        cmocka_unit_test(test_conn_v6_nulls),
        cmocka_unit_test(test_conn_every_outcome_name),
        cmocka_unit_test(test_state_lines_from_segment),
        cmocka_unit_test(test_presumed_state_and_rst_cause),
        cmocka_unit_test(test_segment_only_with_all),
        cmocka_unit_test(test_untracked_segment),
        cmocka_unit_test(test_quiet_keeps_conn_and_summary),
        cmocka_unit_test(test_timer_change_cause_timeout),
        cmocka_unit_test(test_undecoded_only_with_all),
        cmocka_unit_test(test_summary_exact),
        cmocka_unit_test(test_summary_empty_error_and_capture),
        cmocka_unit_test(test_demo_records_exact),
        cmocka_unit_test(test_demo_records_quiet_and_missing_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
