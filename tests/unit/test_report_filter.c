/* test_report_filter.c: the --outcome/--slower-than reporter (report_filter.c):
 * held until the outcome is known, released or dropped as a whole, bounded
 * with a count, and the summary passed on with the count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "report.h"
#include "tracker.h"

struct spy {
    struct reporter base;
    int segments, records, finishes;
    uint64_t epoch, last_seq;
    uint8_t seen_outcome; /* the conn copy's outcome as the view saw it */
    uint64_t dropped;
};

static void spy_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct spy *s = (struct spy *)r;
    s->segments++;
    s->last_seq = p->seq;
    s->seen_outcome = v->conn->outcome;
}

static void spy_conn_end(struct reporter *r, const struct conn *c, enum trk_end why, uint64_t ts)
{
    (void)c;
    (void)why;
    (void)ts;
    ((struct spy *)r)->records++;
}

static void spy_finish(struct reporter *r, const struct run_stats *rs, const struct tracker_stats *t)
{
    struct spy *s = (struct spy *)r;
    (void)t;
    s->finishes++;
    s->dropped = rs->filter_dropped_lines;
    assert_true(rs->filter_active);
}

static void spy_epoch(struct reporter *r, uint64_t ts)
{
    ((struct spy *)r)->epoch = ts;
}

static void spy_destroy(struct reporter *r)
{
    (void)r;
}

static const struct reporter_ops spy_ops = {
    .segment = spy_segment,
    .conn_end = spy_conn_end,
    .finish = spy_finish,
    .destroy = spy_destroy,
    .epoch = spy_epoch,
};

static void feed(struct reporter *f, struct conn *c, uint32_t seq)
{
    struct pkt p;
    struct trk_verdict v;
    memset(&p, 0, sizeof(p));
    memset(&v, 0, sizeof(v));
    p.ts_ns = 1000 + seq;
    p.seq = seq;
    v.conn = c;
    f->ops->segment(f, &p, &v);
}

static void test_held_until_known_then_released(void **state)
{
    struct spy spy;
    struct conn c;
    struct run_stats rs;
    struct tracker_stats ts;
    struct reporter *f;
    (void)state;
    memset(&spy, 0, sizeof(spy));
    spy.base.ops = &spy_ops;
    memset(&c, 0, sizeof(c));
    c.id = 1;
    c.outcome = HS_PENDING;
    f = report_filter_new(&spy.base, 1u << HS_REFUSED, -1);
    assert_non_null(f);
    feed(f, &c, 1);
    assert_int_equal(spy.segments, 0);          /* held: outcome unknown */
    assert_true(spy.epoch == 1001);             /* times stay relative to the first frame */
    c.outcome = HS_REFUSED;
    feed(f, &c, 2);
    assert_int_equal(spy.segments, 2);          /* both, in order */
    assert_true(spy.last_seq == 2);
    feed(f, &c, 3);
    assert_int_equal(spy.segments, 3);          /* decided: passes at once */
    f->ops->conn_end(f, &c, TRK_END_FINISHED, 2000);
    assert_int_equal(spy.records, 1);
    memset(&rs, 0, sizeof(rs));
    memset(&ts, 0, sizeof(ts));
    f->ops->finish(f, &rs, &ts);
    assert_int_equal(spy.finishes, 1);
    assert_true(spy.dropped == 0);
    reporter_destroy(f);
}

static void test_not_chosen_dropped_whole(void **state)
{
    struct spy spy;
    struct conn c;
    struct reporter *f;
    (void)state;
    memset(&spy, 0, sizeof(spy));
    spy.base.ops = &spy_ops;
    memset(&c, 0, sizeof(c));
    c.id = 7;
    c.outcome = HS_PENDING;
    f = report_filter_new(&spy.base, 1u << HS_REFUSED, -1);
    feed(f, &c, 1);
    c.outcome = HS_COMPLETE;
    feed(f, &c, 2);
    feed(f, &c, 3);
    f->ops->conn_end(f, &c, TRK_END_FINISHED, 2000);
    assert_int_equal(spy.segments, 0);
    assert_int_equal(spy.records, 0);
    reporter_destroy(f);
}

static void test_bounded_and_counted(void **state)
{
    struct spy spy;
    struct conn c;
    struct run_stats rs;
    struct tracker_stats ts;
    struct reporter *f;
    uint32_t i;
    (void)state;
    memset(&spy, 0, sizeof(spy));
    spy.base.ops = &spy_ops;
    memset(&c, 0, sizeof(c));
    c.id = 3;
    c.outcome = HS_PENDING;
    f = report_filter_new(&spy.base, 1u << HS_COMPLETE, -1);
    for (i = 0; i < CFG_FILTER_HELD_PER_CONN + 6; i++)
        feed(f, &c, i);
    assert_int_equal(spy.segments, 0);
    c.outcome = HS_COMPLETE;
    feed(f, &c, 999); /* beyond the bound too: counted, not held */
    assert_int_equal(spy.segments, CFG_FILTER_HELD_PER_CONN);
    memset(&rs, 0, sizeof(rs));
    memset(&ts, 0, sizeof(ts));
    f->ops->finish(f, &rs, &ts);
    assert_true(spy.dropped == 7);
    reporter_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_until_known_then_released),
        cmocka_unit_test(test_not_chosen_dropped_whole),
        cmocka_unit_test(test_bounded_and_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
