/* report_filter.c: --outcome and --slower-than (issue 12). A reporter in
 * front of the others that passes on only the connections asked for: their
 * segment lines, state records and records, in every view (text, ladder,
 * NDJSON, SVG). A connection's outcome is known only after some of its
 * segments (the SYN comes before the answer), so its events are held until
 * it is: bounded per connection and in all (config.h CFG_FILTER_*); what a
 * bound drops is counted in the summary (run_stats.filter_*). The summary
 * still counts everything. Pure: packet time only, no OS calls. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "report.h"
#include "tracker.h"

enum ev_kind { EV_SEGMENT, EV_TIMER, EV_LISTENER };

/* One held event, with a copy of the connection as it was then: a view
 * drawn later must show the states of that moment. */
struct held_ev {
    struct held_ev *next;
    enum ev_kind kind;
    struct pkt p;
    struct trk_verdict v;
    struct trk_change ch;
    uint64_t ts_ns;
    struct conn c;
    struct rpt_listener l;   /* EV_LISTENER */
};

/* Per connection (by id): undecided, kept or dropped. */
enum decision { UNDECIDED = 0, KEEP, DROP };

struct held_conn {
    uint64_t id;               /* 0 = free slot */
    enum decision d;
    uint32_t n;
    struct held_ev *head, *tail;
};

struct filter_rep {
    struct reporter base;
    struct reporter *inner;
    unsigned outcomes;         /* bit per enum hs_outcome */
    int64_t slower_than_us;    /* -1: not asked */
    struct held_conn *slots;   /* open addressing by id, CFG_FILTER_CONNS */
    size_t held_total;
    bool epoch_sent;
    uint64_t dropped_lines;    /* held events dropped by a bound */
};

static struct held_conn *slot_for(struct filter_rep *f, uint64_t id, bool create)
{
    size_t mask = CFG_FILTER_CONNS - 1, i = (size_t)(id * 0x9e3779b97f4a7c15ULL >> 40) & mask;
    size_t probes;
    for (probes = 0; probes < CFG_FILTER_CONNS; probes++, i = (i + 1) & mask) {
        if (f->slots[i].id == id)
            return &f->slots[i];
        if (f->slots[i].id == 0) {
            if (!create)
                return NULL;
            memset(&f->slots[i], 0, sizeof(f->slots[i]));
            f->slots[i].id = id;
            return &f->slots[i];
        }
    }
    return NULL; /* full: the caller decides without holding */
}

/* Free a slot; backward-shift keeps the probe chains whole (as conntab.c). */
static void slot_free(struct filter_rep *f, struct held_conn *h)
{
    size_t mask = CFG_FILTER_CONNS - 1, i = (size_t)(h - f->slots), j = i;
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (f->slots[j].id == 0)
            break;
        home = (size_t)(f->slots[j].id * 0x9e3779b97f4a7c15ULL >> 40) & mask;
        if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
            f->slots[i] = f->slots[j];
            i = j;
        }
    }
    f->slots[i].id = 0;
}

/* Does a connection whose outcome is known pass? */
static bool wanted(const struct filter_rep *f, const struct conn *c)
{
    if (f->outcomes && !(f->outcomes & (1u << c->outcome)))
        return false;
    if (f->slower_than_us >= 0) {
        /* The handshake time is SYN to the ACK that completed it
         * (docs/VIEWS.md); without one there is none, and no pass. */
        int64_t a = conn_rtt_syn_synack_us(c), b = conn_rtt_synack_ack_us(c);
        if (c->outcome != HS_COMPLETE || a < 0 || b < 0 || a + b <= f->slower_than_us)
            return false;
    }
    return true;
}

static void epoch(struct filter_rep *f, uint64_t ts_ns)
{
    if (!f->epoch_sent) {
        f->epoch_sent = true;
        reporter_epoch(f->inner, ts_ns);
    }
}

static void replay(struct filter_rep *f, struct held_ev *e)
{
    struct reporter *in = f->inner;
    if (e->kind == EV_SEGMENT) {
        e->v.conn = &e->c;
        if (in->ops->segment)
            in->ops->segment(in, &e->p, &e->v);
    } else if (e->kind == EV_LISTENER) {
        reporter_listener(in, &e->l);
    } else if (in->ops->timer_change) {
        in->ops->timer_change(in, &e->c, &e->ch, e->ts_ns);
    }
}

static void release(struct filter_rep *f, struct held_conn *h, bool show)
{
    struct held_ev *e = h->head, *next;
    for (; e; e = next) {
        next = e->next;
        if (show)
            replay(f, e);
        free(e);
        f->held_total--;
    }
    h->head = h->tail = NULL;
    h->n = 0;
}

/* Decide as soon as the outcome is known; until then hold. */
static void decide(struct filter_rep *f, struct held_conn *h, const struct conn *c)
{
    if (h->d != UNDECIDED || c->outcome == HS_PENDING)
        return;
    /* A complete handshake is known slow or not once it completed. */
    h->d = wanted(f, c) ? KEEP : DROP;
    release(f, h, h->d == KEEP);
}

/* A new event at the end of h's list, or NULL (a bound: counted). */
static struct held_ev *hold_new(struct filter_rep *f, struct held_conn *h)
{
    struct held_ev *e;
    if (h->n >= CFG_FILTER_HELD_PER_CONN || f->held_total >= CFG_FILTER_HELD_TOTAL ||
        !(e = calloc(1, sizeof(*e)))) {
        f->dropped_lines++;
        return NULL;
    }
    if (h->tail)
        h->tail->next = e;
    else
        h->head = e;
    h->tail = e;
    h->n++;
    f->held_total++;
    return e;
}

static void f_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct filter_rep *f = (struct filter_rep *)r;
    struct held_conn *h;
    epoch(f, p->ts_ns);
    if (!v->conn)
        return; /* untracked: no connection to choose by */
    h = slot_for(f, v->conn->id, true);
    if (!h) { /* the hold table is full: decide now or drop */
        if (v->conn->outcome != HS_PENDING && wanted(f, v->conn) && f->inner->ops->segment)
            f->inner->ops->segment(f->inner, p, v);
        else
            f->dropped_lines++;
        return;
    }
    if (h->d == UNDECIDED) {
        struct held_ev *e = hold_new(f, h);
        if (e) {
            e->kind = EV_SEGMENT;
            e->p = *p;
            e->v = *v;
            e->c = *v->conn;
        }
        decide(f, h, v->conn);
        return;
    }
    if (h->d == KEEP && f->inner->ops->segment)
        f->inner->ops->segment(f->inner, p, v);
}

static void f_undecoded(struct reporter *r, const struct pkt *p, enum decode_status st)
{
    struct filter_rep *f = (struct filter_rep *)r;
    (void)st;
    epoch(f, p->ts_ns); /* not a connection: never shown under a filter */
}

static void f_timer(struct reporter *r, const struct conn *c, const struct trk_change *ch,
                    uint64_t ts_ns)
{
    struct filter_rep *f = (struct filter_rep *)r;
    struct held_conn *h = slot_for(f, c->id, true);
    epoch(f, ts_ns);
    if (h && h->d == UNDECIDED) {
        struct held_ev *e = hold_new(f, h);
        if (e) {
            e->kind = EV_TIMER;
            e->ch = *ch;
            e->ts_ns = ts_ns;
            e->c = *c;
        }
        decide(f, h, c);
        return;
    }
    if ((h ? h->d == KEEP : (c->outcome != HS_PENDING && wanted(f, c))) &&
        f->inner->ops->timer_change)
        f->inner->ops->timer_change(f->inner, c, ch, ts_ns);
}

static void f_conn_end(struct reporter *r, const struct conn *c, enum trk_end why,
                       uint64_t ts_ns)
{
    struct filter_rep *f = (struct filter_rep *)r;
    struct held_conn *h = slot_for(f, c->id, false);
    bool keep;
    epoch(f, ts_ns);
    /* The record's outcome is final: whatever was held goes or stays. */
    keep = wanted(f, c);
    if (h) {
        if (h->d == UNDECIDED)
            release(f, h, keep);
        else
            keep = h->d == KEEP && keep;
        slot_free(f, h);
    }
    if (keep && f->inner->ops->conn_end)
        f->inner->ops->conn_end(f->inner, c, why, ts_ns);
}

/* A listener record goes with its connection: held, kept or dropped as
 * its lines are (one without a connection passes). */
static void f_listener(struct reporter *r, const struct rpt_listener *l)
{
    struct filter_rep *f = (struct filter_rep *)r;
    struct held_conn *h = l->conn ? slot_for(f, l->conn, false) : NULL;
    epoch(f, l->ts_ns);
    if (h && h->d == UNDECIDED) {
        struct held_ev *e = hold_new(f, h);
        if (e) {
            e->kind = EV_LISTENER;
            e->l = *l;
        }
        return;
    }
    if (!l->conn || (h && h->d == KEEP))
        reporter_listener(f->inner, l);
}

static void f_finish(struct reporter *r, const struct run_stats *rs,
                     const struct tracker_stats *ts)
{
    struct filter_rep *f = (struct filter_rep *)r;
    struct run_stats copy = *rs;
    copy.filter_active = true;
    copy.filter_dropped_lines = f->dropped_lines;
    if (f->inner->ops->finish)
        f->inner->ops->finish(f->inner, &copy, ts);
}

static void f_destroy(struct reporter *r)
{
    struct filter_rep *f = (struct filter_rep *)r;
    size_t i;
    for (i = 0; i < CFG_FILTER_CONNS; i++)
        if (f->slots[i].id)
            release(f, &f->slots[i], false);
    reporter_destroy(f->inner);
    free(f->slots);
    free(f);
}

static void f_epoch(struct reporter *r, uint64_t ts_ns)
{
    epoch((struct filter_rep *)r, ts_ns);
}

static const struct reporter_ops filter_ops = {
    .segment = f_segment,
    .undecoded = f_undecoded,
    .timer_change = f_timer,
    .conn_end = f_conn_end,
    .finish = f_finish,
    .destroy = f_destroy,
    .epoch = f_epoch,
    .listener = f_listener,
};

struct reporter *report_filter_new(struct reporter *inner, unsigned outcomes,
                                   int64_t slower_than_ns)
{
    struct filter_rep *f;
    if (!inner)
        return NULL;
    f = calloc(1, sizeof(*f));
    if (f)
        f->slots = calloc(CFG_FILTER_CONNS, sizeof(*f->slots));
    if (!f || !f->slots) {
        free(f);
        reporter_destroy(inner);
        return NULL;
    }
    f->base.ops = &filter_ops;
    f->base.out = inner->out;
    f->base.flags = inner->flags;
    f->inner = inner;
    f->outcomes = outcomes;
    f->slower_than_us = slower_than_ns < 0 ? -1 : slower_than_ns / 1000;
    return &f->base;
}
