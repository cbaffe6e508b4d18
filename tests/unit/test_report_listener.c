/* test_report_listener.c: the kernel's word in the reports (issue 16): the
 * "listener" record in NDJSON and text, conn.unanswered_reason and
 * conn.syn_cookie (only when watch looked), the --outcome filter holding a
 * listener record with its connection, and tracker_kernel_note(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pktfix.h"
#include "report_fixture.h"

static struct rpt_listener fx_listener(void)
{
    struct rpt_listener r;
    memset(&r, 0, sizeof(r));
    r.ts_ns = FX_T0;
    r.conn = 3;
    r.event = KL_EVENT_SYN_RETRANSMITTED;
    r.reason = KL_REASON_ACCEPT_QUEUE_FULL;
    fx_addr(&r.caddr, "127.0.0.1");
    fx_addr(&r.saddr, "127.0.0.1");
    r.cport = 37892;
    r.sport = 8080;
    r.l.found = true;
    r.l.addr = r.saddr;
    r.l.port = 8080;
    r.l.queue = 2;
    r.l.backlog = 1;
    r.delta.have = (1u << KL_LISTEN_OVERFLOWS) | (1u << KL_LISTEN_DROPS);
    r.delta.v[KL_LISTEN_OVERFLOWS] = 1;
    r.delta.v[KL_LISTEN_DROPS] = 1;
    return r;
}

static void test_json_listener(void **state)
{
    struct fx_out o;
    struct reporter *r;
    struct rpt_listener l = fx_listener();
    (void)state;
    fx_out_open(&o);
    r = report_json_new(o.f, 0);
    reporter_listener(r, &l);
    l.l.found = false;
    l.conn = 0;
    l.step = 4;
    l.event = KL_EVENT_SYN_COOKIE;
    l.reason = KL_REASON_NONE;
    l.delta.have = 0;
    reporter_listener(r, &l);
    assert_string_equal(
        fx_out_text(&o),
        "{\"type\":\"listener\",\"ts\":1704067200.000123,\"conn\":3,\"step\":null,"
        "\"event\":\"syn-retransmitted\",\"reason\":\"accept-queue-full\","
        "\"client\":\"127.0.0.1:37892\",\"server\":\"127.0.0.1:8080\","
        "\"listener\":\"127.0.0.1:8080\",\"accept_queue\":2,\"backlog\":1,"
        "\"counters\":{\"ListenOverflows\":1,\"ListenDrops\":1}}\n"
        "{\"type\":\"listener\",\"ts\":1704067200.000123,\"conn\":null,\"step\":4,"
        "\"event\":\"syn-cookie\",\"reason\":null,"
        "\"client\":\"127.0.0.1:37892\",\"server\":\"127.0.0.1:8080\","
        "\"listener\":null,\"accept_queue\":null,\"backlog\":null,\"counters\":{}}\n");
    reporter_destroy(r);
    fx_out_close(&o);
    /* -q: records and the summary only. */
    fx_out_open(&o);
    r = report_json_new(o.f, RPT_QUIET);
    reporter_listener(r, &l);
    assert_string_equal(fx_out_text(&o), "");
    reporter_destroy(r);
    fx_out_close(&o);
}

static void test_text_listener(void **state)
{
    struct fx_out o;
    struct reporter *r;
    struct rpt_listener l = fx_listener();
    (void)state;
    fx_out_open(&o);
    r = report_text_new(o.f, 0);
    reporter_listener(r, &l);
    assert_non_null(strstr(fx_out_text(&o),
                           "#3    127.0.0.1:37892 > 127.0.0.1:8080   kernel   # the kernel "
                           "dropped this SYN: the accept queue of 127.0.0.1:8080 is full (2 "
                           "waiting, backlog 1; ListenOverflows +1)\n"));
    reporter_destroy(r);
    fx_out_close(&o);
}

static void test_conn_kernel_fields(void **state)
{
    struct fx_out o;
    struct reporter *r;
    struct conn c = fx_conn_unanswered_v6(), d = fx_conn_complete();
    (void)state;
    fx_out_open(&o);
    r = report_json_new(o.f, 0);
    /* Not looked at: no keys (read of a file, a remote server). */
    r->ops->conn_end(r, &c, TRK_END_END_OF_INPUT, FX_T0);
    assert_null(strstr(fx_out_text(&o), "unanswered_reason"));
    c.k_seen = 1;
    c.k_reason = KL_REASON_ACCEPT_QUEUE_FULL;
    r->ops->conn_end(r, &c, TRK_END_END_OF_INPUT, FX_T0);
    assert_non_null(strstr(fx_out_text(&o),
                           "\"unanswered_reason\":\"accept-queue-full\",\"syn_cookie\":null,"));
    d.k_seen = 1;
    d.k_cookie = KL_COOKIE_YES;
    d.k_reason = KL_REASON_ACCEPT_QUEUE_FULL; /* answered: no reason shown */
    r->ops->conn_end(r, &d, TRK_END_END_OF_INPUT, FX_T0);
    assert_non_null(strstr(fx_out_text(&o), "\"unanswered_reason\":null,\"syn_cookie\":true,"));
    reporter_destroy(r);
    fx_out_close(&o);

    fx_out_open(&o);
    r = report_text_new(o.f, 0);
    c.k_reason = KL_REASON_NONE; /* looked, nothing known: "unknown" */
    r->ops->conn_end(r, &c, TRK_END_END_OF_INPUT, FX_T0);
    r->ops->conn_end(r, &d, TRK_END_END_OF_INPUT, FX_T0);
    assert_non_null(strstr(fx_out_text(&o), "  kernel unknown\n"));
    assert_non_null(strstr(fx_out_text(&o), "  syn-cookie\n"));
    reporter_destroy(r);
    fx_out_close(&o);
}

/* --outcome unanswered: a listener record waits with its connection's
 * lines and goes out with them; another connection's is dropped with them. */
static void test_filter_holds_listener(void **state)
{
    struct fx_out o;
    struct reporter *r;
    struct conn c = fx_conn_unanswered_v6(), d = fx_conn_complete();
    struct rpt_listener l = fx_listener();
    struct trk_change ch = {TRK_CLIENT, TS_CLOSED, TS_SYN_SENT, false};
    (void)state;
    fx_out_open(&o);
    r = report_filter_new(report_json_new(o.f, 0), 1u << HS_UNANSWERED, -1);
    c.outcome = HS_PENDING;
    r->ops->timer_change(r, &c, &ch, FX_T0); /* gives c a held slot */
    l.conn = c.id;
    reporter_listener(r, &l);
    assert_string_equal(fx_out_text(&o), "");
    d.outcome = HS_PENDING;
    r->ops->timer_change(r, &d, &ch, FX_T0);
    l.conn = d.id;
    reporter_listener(r, &l);
    c.outcome = HS_UNANSWERED;
    r->ops->conn_end(r, &c, TRK_END_END_OF_INPUT, FX_T0);
    d.outcome = HS_COMPLETE;
    r->ops->conn_end(r, &d, TRK_END_END_OF_INPUT, FX_T0);
    assert_int_equal(fx_count_lines(fx_out_text(&o)), 3); /* state, listener, conn of c */
    assert_non_null(strstr(fx_out_text(&o), "\"type\":\"listener\",\"ts\":1704067200.000123,"
                                            "\"conn\":7,"));
    assert_null(strstr(fx_out_text(&o), "\"conn\":1,"));
    reporter_destroy(r);
    fx_out_close(&o);
}

static void test_tracker_kernel_note(void **state)
{
    struct tracker *t = tracker_new(NULL);
    struct trk_sink sink = {NULL, NULL, NULL};
    struct trk_verdict v;
    struct ip_addr a, b;
    struct pkt p = pkt_make(1, "127.0.0.1", 40000, "127.0.0.2", 80, TH_SYN, 1000, 0);
    (void)state;
    assert_non_null(t);
    fx_addr(&a, "127.0.0.1");
    fx_addr(&b, "127.0.0.2");
    /* Nothing tracked: nothing to note. */
    assert_false(tracker_kernel_note(t, &a, 40000, &b, 80, 1, KL_REASON_UNKNOWN, KL_COOKIE_NO));
    tracker_feed(t, &p, &v, &sink);
    assert_non_null(v.conn);
    assert_int_equal(v.conn->k_seen, 0);
    /* Either direction finds it; another id does not. */
    assert_false(tracker_kernel_note(t, &a, 40000, &b, 80, v.conn->id + 1, 1, 1));
    assert_true(tracker_kernel_note(t, &b, 80, &a, 40000, v.conn->id, 0, 0));
    assert_int_equal(v.conn->k_seen, 1);
    assert_int_equal(v.conn->k_reason, KL_REASON_NONE);
    assert_true(tracker_kernel_note(t, &a, 40000, &b, 80, v.conn->id,
                                    KL_REASON_SYN_QUEUE_FULL, KL_COOKIE_NO));
    assert_int_equal(v.conn->k_reason, KL_REASON_SYN_QUEUE_FULL);
    assert_int_equal(v.conn->k_cookie, KL_COOKIE_NO);
    /* 0 leaves what is known. */
    assert_true(tracker_kernel_note(t, &a, 40000, &b, 80, v.conn->id, 0, 0));
    assert_int_equal(v.conn->k_reason, KL_REASON_SYN_QUEUE_FULL);
    tracker_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_listener),
        cmocka_unit_test(test_text_listener),
        cmocka_unit_test(test_conn_kernel_fields),
        cmocka_unit_test(test_filter_holds_listener),
        cmocka_unit_test(test_tracker_kernel_note),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
