/* test_pipeline.c: frame -> decode -> tracker -> reporter, seen through a
 * recording reporter: call order, records for ended connections right after
 * their segment, records at end of input, run counters, packet-time clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline.h"
#include "tcp_wire.h"

#define MAX_EVENTS 64

struct rec {
    struct reporter base;
    int n;
    char ev[MAX_EVENTS][96];
    struct run_stats rs;   /* copies at finish */
    struct tracker_stats ts;
    int finishes;
};

static void logf_(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct rec *r, const char *fmt, ...)
{
    va_list ap;
    if (r->n >= MAX_EVENTS)
        return;
    va_start(ap, fmt);
    vsnprintf(r->ev[r->n++], sizeof(r->ev[0]), fmt, ap);
    va_end(ap);
}

static void rec_segment(struct reporter *rp, const struct pkt *p, const struct trk_verdict *v)
{
    char words[48];
    logf_((struct rec *)rp, "segment #%u %s%s", v->conn ? (unsigned)v->conn->id : 0u,
          tcp_flags_words(p->flags, words), (v->notes & TRK_NOTE_ENDED) ? " ended" : "");
}

static void rec_undecoded(struct reporter *rp, const struct pkt *p, enum decode_status st)
{
    (void)p;
    logf_((struct rec *)rp, "undecoded %s", decode_status_name(st));
}

static void rec_timer(struct reporter *rp, const struct conn *c, const struct trk_change *ch,
                      uint64_t ts)
{
    (void)ch;
    (void)ts;
    logf_((struct rec *)rp, "timer #%u", (unsigned)c->id);
}

static void rec_conn_end(struct reporter *rp, const struct conn *c, enum trk_end why, uint64_t ts)
{
    (void)ts;
    logf_((struct rec *)rp, "conn_end #%u %s %s", (unsigned)c->id, trk_end_name(why),
          hs_outcome_name((enum hs_outcome)c->outcome));
}

static void rec_finish(struct reporter *rp, const struct run_stats *rs,
                       const struct tracker_stats *ts)
{
    struct rec *r = (struct rec *)rp;
    r->rs = *rs;
    r->ts = *ts;
    r->finishes++;
    logf_(r, "finish");
}

static void rec_destroy(struct reporter *rp)
{
    (void)rp;
}

static const struct reporter_ops rec_ops = {
    .segment = rec_segment,
    .undecoded = rec_undecoded,
    .timer_change = rec_timer,
    .conn_end = rec_conn_end,
    .finish = rec_finish,
    .destroy = rec_destroy,
};

/* IPv4 + TCP (no options), 40 bytes: 10.0.0.1 <-> 10.0.0.2. */
static size_t v4(uint8_t *b, int from_client, uint16_t cport, uint8_t flags, uint32_t seq,
                 uint32_t ack)
{
    static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
    uint16_t sport = from_client ? cport : 80, dport = from_client ? 80 : cport;
    memset(b, 0, 40);
    b[0] = 0x45;
    b[3] = 40;
    b[6] = 0x40; /* DF */
    b[8] = 64;
    b[9] = 6;
    memcpy(b + 12, from_client ? cli : srv, 4);
    memcpy(b + 16, from_client ? srv : cli, 4);
    b[20] = (uint8_t)(sport >> 8);
    b[21] = (uint8_t)sport;
    b[22] = (uint8_t)(dport >> 8);
    b[23] = (uint8_t)dport;
    b[24] = (uint8_t)(seq >> 24);
    b[25] = (uint8_t)(seq >> 16);
    b[26] = (uint8_t)(seq >> 8);
    b[27] = (uint8_t)seq;
    b[28] = (uint8_t)(ack >> 24);
    b[29] = (uint8_t)(ack >> 16);
    b[30] = (uint8_t)(ack >> 8);
    b[31] = (uint8_t)ack;
    b[32] = 0x50;
    b[33] = flags;
    b[34] = 0xff;
    b[35] = 0xff;
    return 40;
}

static enum decode_status feed(struct pipeline *pl, const uint8_t *d, size_t n, uint64_t ts)
{
    struct frame f;
    f.data = d;
    f.caplen = (uint32_t)n;
    f.wirelen = (uint32_t)n;
    f.ts_ns = ts;
    return pipeline_feed(pl, &f);
}

#define SEC 1000000000ull
#define T0 (1704067200ull * SEC)

static void test_refused_then_unanswered(void **state)
{
    struct rec r;
    struct pipeline *pl;
    uint8_t b[64];
    size_t n;
    const struct run_stats *rs;
    (void)state;
    memset(&r, 0, sizeof(r));
    r.base.ops = &rec_ops;
    pl = pipeline_new(LINK_RAW, NULL, &r.base);
    assert_non_null(pl);

    n = v4(b, 1, 40001, TH_SYN, 7000, 0);
    assert_int_equal(feed(pl, b, n, T0), DECODE_OK);
    n = v4(b, 0, 40001, TH_RST | TH_ACK, 0, 7001);
    assert_int_equal(feed(pl, b, n, T0 + 100000), DECODE_OK);
    assert_int_equal(pipeline_conns_ended(pl), 1);
    n = v4(b, 1, 40002, TH_SYN, 9000, 0);
    assert_int_equal(feed(pl, b, n, T0 + SEC), DECODE_OK);
    /* Packet time going back does not move the clock back. */
    n = v4(b, 1, 40002, TH_SYN, 9000, 0);
    assert_int_equal(feed(pl, b, n, T0 + SEC / 2), DECODE_OK);

    pipeline_finish(pl);
    pipeline_finish(pl); /* once only */
    assert_int_equal(pipeline_conns_ended(pl), 2);

    assert_int_equal(r.n, 7);
    assert_string_equal(r.ev[0], "segment #1 SYN");
    assert_string_equal(r.ev[1], "segment #1 RST+ACK ended");
    /* The record follows its segment at once. */
    assert_string_equal(r.ev[2], "conn_end #1 finished refused");
    assert_string_equal(r.ev[3], "segment #2 SYN");
    assert_string_equal(r.ev[4], "segment #2 SYN");
    assert_string_equal(r.ev[5], "conn_end #2 end_of_input unanswered");
    assert_string_equal(r.ev[6], "finish");

    assert_int_equal(r.finishes, 1);
    rs = pipeline_run_stats(pl);
    assert_true(rs->packets == 4 && rs->tcp_packets == 4 && rs->bytes == 160);
    assert_true(rs->decode[DECODE_OK] == 4);
    assert_true(rs->first_ts_ns == T0);
    assert_true(rs->last_ts_ns == T0 + SEC);
    assert_true(r.ts.connections == 2);
    assert_true(r.ts.outcomes[HS_REFUSED] == 1);
    assert_true(r.ts.outcomes[HS_UNANSWERED] == 1);
    assert_true(pipeline_tracker_stats(pl)->connections == 2);
    pipeline_free(pl);
}

static void test_undecodable_frames_are_counted(void **state)
{
    struct rec r;
    struct pipeline *pl;
    struct tracker_cfg cfg;
    uint8_t b[64];
    (void)state;
    memset(&r, 0, sizeof(r));
    r.base.ops = &rec_ops;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_conns = 16;
    pl = pipeline_new(LINK_ETHERNET, &cfg, &r.base);
    assert_non_null(pl);
    memset(b, 0, sizeof(b));
    assert_int_equal(feed(pl, b, 0, T0 + 5), DECODE_TRUNCATED);
    assert_int_equal(feed(pl, b, 6, T0 + 7), DECODE_TRUNCATED);
    pipeline_run_stats(pl)->input_error = "x: truncated capture file";
    pipeline_finish(pl);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.ev[0], "undecoded truncated");
    assert_string_equal(r.ev[2], "finish");
    assert_true(r.rs.packets == 2 && r.rs.tcp_packets == 0);
    assert_true(r.rs.decode[DECODE_TRUNCATED] == 2);
    assert_true(r.rs.first_ts_ns == T0 + 5 && r.rs.last_ts_ns == T0 + 7);
    assert_string_equal(r.rs.input_error, "x: truncated capture file");
    assert_true(r.ts.connections == 0);
    pipeline_free(pl);
}

static void test_unknown_link_is_unsupported(void **state)
{
    struct rec r;
    struct pipeline *pl;
    uint8_t b[64];
    size_t n;
    (void)state;
    memset(&r, 0, sizeof(r));
    r.base.ops = &rec_ops;
    pl = pipeline_new(LINK_UNKNOWN, NULL, &r.base);
    assert_non_null(pl);
    n = v4(b, 1, 40001, TH_SYN, 1, 0);
    assert_int_equal(feed(pl, b, n, T0), DECODE_UNSUPPORTED);
    pipeline_finish(pl);
    assert_true(r.rs.decode[DECODE_UNSUPPORTED] == 1);
    pipeline_free(pl);
}

static void test_empty_run(void **state)
{
    struct rec r;
    struct pipeline *pl;
    (void)state;
    memset(&r, 0, sizeof(r));
    r.base.ops = &rec_ops;
    pl = pipeline_new(LINK_RAW, NULL, &r.base);
    assert_non_null(pl);
    pipeline_tick(pl, T0);
    pipeline_finish(pl);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0], "finish");
    assert_true(r.rs.packets == 0);
    assert_int_equal(pipeline_conns_ended(pl), 0);
    pipeline_free(pl);
    pipeline_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_then_unanswered),
        cmocka_unit_test(test_undecodable_frames_are_counted),
        cmocka_unit_test(test_unknown_link_is_unsupported),
        cmocka_unit_test(test_empty_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
