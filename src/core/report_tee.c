/* report_tee.c: one reporter that feeds two (e.g. the terminal view and
 * --svg), so the pipeline keeps a single reporter. */
#include <stdlib.h>

#include "report.h"

struct tee_rep {
    struct reporter base;
    struct reporter *a, *b;
};

static void tee_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct tee_rep *t = (struct tee_rep *)r;
    if (t->a->ops->segment)
        t->a->ops->segment(t->a, p, v);
    if (t->b->ops->segment)
        t->b->ops->segment(t->b, p, v);
}

static void tee_undecoded(struct reporter *r, const struct pkt *p, enum decode_status st)
{
    struct tee_rep *t = (struct tee_rep *)r;
    if (t->a->ops->undecoded)
        t->a->ops->undecoded(t->a, p, st);
    if (t->b->ops->undecoded)
        t->b->ops->undecoded(t->b, p, st);
}

static void tee_timer(struct reporter *r, const struct conn *c, const struct trk_change *ch,
                      uint64_t ts_ns)
{
    struct tee_rep *t = (struct tee_rep *)r;
    if (t->a->ops->timer_change)
        t->a->ops->timer_change(t->a, c, ch, ts_ns);
    if (t->b->ops->timer_change)
        t->b->ops->timer_change(t->b, c, ch, ts_ns);
}

static void tee_conn_end(struct reporter *r, const struct conn *c, enum trk_end why,
                         uint64_t ts_ns)
{
    struct tee_rep *t = (struct tee_rep *)r;
    if (t->a->ops->conn_end)
        t->a->ops->conn_end(t->a, c, why, ts_ns);
    if (t->b->ops->conn_end)
        t->b->ops->conn_end(t->b, c, why, ts_ns);
}

static void tee_finish(struct reporter *r, const struct run_stats *rs,
                       const struct tracker_stats *ts)
{
    struct tee_rep *t = (struct tee_rep *)r;
    if (t->a->ops->finish)
        t->a->ops->finish(t->a, rs, ts);
    if (t->b->ops->finish)
        t->b->ops->finish(t->b, rs, ts);
}

static void tee_epoch(struct reporter *r, uint64_t ts_ns)
{
    struct tee_rep *t = (struct tee_rep *)r;
    reporter_epoch(t->a, ts_ns);
    reporter_epoch(t->b, ts_ns);
}

static void tee_listener(struct reporter *r, const struct rpt_listener *l)
{
    struct tee_rep *t = (struct tee_rep *)r;
    reporter_listener(t->a, l);
    reporter_listener(t->b, l);
}

/* The demo's records go to both as well (reporter_syscall() and friends
 * skip a reporter without the op). */
static void tee_syscall(struct reporter *r, uint64_t ts_ns, const char *text)
{
    struct tee_rep *t = (struct tee_rep *)r;
    reporter_syscall(t->a, ts_ns, text);
    reporter_syscall(t->b, ts_ns, text);
}

static void tee_kernel(struct reporter *r, const struct rpt_kernel *k)
{
    struct tee_rep *t = (struct tee_rep *)r;
    reporter_kernel(t->a, k);
    reporter_kernel(t->b, k);
}

static void tee_agree(struct reporter *r, const struct rpt_agree *a)
{
    struct tee_rep *t = (struct tee_rep *)r;
    reporter_agree(t->a, a);
    reporter_agree(t->b, a);
}

static void tee_held_copy(struct reporter *r, const struct rpt_held_copy *h)
{
    struct tee_rep *t = (struct tee_rep *)r;
    reporter_held_copy(t->a, h);
    reporter_held_copy(t->b, h);
}

static void tee_destroy(struct reporter *r)
{
    struct tee_rep *t = (struct tee_rep *)r;
    reporter_destroy(t->a);
    reporter_destroy(t->b);
    free(t);
}

static const struct reporter_ops tee_ops = {
    .segment = tee_segment,
    .undecoded = tee_undecoded,
    .timer_change = tee_timer,
    .conn_end = tee_conn_end,
    .finish = tee_finish,
    .destroy = tee_destroy,
    .epoch = tee_epoch,
    .listener = tee_listener,
    .syscall = tee_syscall,
    .kernel = tee_kernel,
    .agree = tee_agree,
    .held_copy = tee_held_copy,
};

struct reporter *report_tee_new(struct reporter *a, struct reporter *b)
{
    struct tee_rep *t;
    if (!a || !b)
        return a;
    t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->base.ops = &tee_ops;
    t->base.out = a->out;
    t->base.flags = a->flags;
    t->a = a;
    t->b = b;
    return &t->base;
}
