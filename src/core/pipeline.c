/* pipeline.c: frame -> decode -> tracker -> reporter, with the run counters.
 * Packet time is the only clock: the newest frame time drives expiry. */
#include "pipeline.h"

#include "config.h"

#include "hsstats.h"

#include <stdlib.h>
#include <string.h>

struct pipeline {
    enum link_type lt;
    struct tracker *trk;
    struct reporter *rep;
    struct trk_sink sink;
    struct run_stats rs;
    uint64_t now_ns;       /* newest packet time believed (never goes back) */
    bool jump_pending;     /* the last frame jumped ahead: not believed yet */
    uint64_t jump_ts_ns;
    uint64_t conns_ended;
    bool have_time;
    bool finished;
    struct pkt pkt;        /* scratch: no per-packet allocation */
    struct trk_verdict last; /* what the last frame did (pipeline_last_verdict) */
    struct hs_summary *hs; /* summary statistics of every record */
};

static void sink_conn_end(void *user, const struct conn *c, enum trk_end why, uint64_t ts_ns)
{
    struct pipeline *pl = user;
    pl->conns_ended++;
    hsstats_add_conn(pl->hs, c);
    if (pl->rep->ops->conn_end)
        pl->rep->ops->conn_end(pl->rep, c, why, ts_ns);
}

static void sink_timer_change(void *user, const struct conn *c, const struct trk_change *ch,
                              uint64_t ts_ns)
{
    struct pipeline *pl = user;
    if (pl->rep->ops->timer_change)
        pl->rep->ops->timer_change(pl->rep, c, ch, ts_ns);
}

struct pipeline *pipeline_new(enum link_type lt, const struct tracker_cfg *tcfg,
                              struct reporter *rep)
{
    struct tracker_cfg defaults;
    struct pipeline *pl = calloc(1, sizeof(*pl));
    if (!pl)
        return NULL;
    if (!tcfg) {
        memset(&defaults, 0, sizeof(defaults));
        tcfg = &defaults;
    }
    pl->trk = tracker_new(tcfg);
    pl->hs = calloc(1, sizeof(*pl->hs));
    if (!pl->trk || !pl->hs) {
        tracker_free(pl->trk);
        free(pl->hs);
        free(pl);
        return NULL;
    }
    pl->rs.hs = pl->hs;
    pl->lt = lt;
    pl->rep = rep;
    pl->sink.conn_end = sink_conn_end;
    pl->sink.timer_change = sink_timer_change;
    pl->sink.user = pl;
    return pl;
}

void pipeline_free(struct pipeline *pl)
{
    if (!pl)
        return;
    tracker_free(pl->trk);
    free(pl->hs);
    free(pl);
}

/* Packet time is the only clock, but one frame stamped decades ahead (a
 * pcapng sample has a SYN+ACK of 2061) must not expire every pending
 * connection. A jump of more than CFG_TIME_JUMP_NS moves the clock only once
 * the next frame agrees with it; if the next frame is back near the clock,
 * the jump was isolated: it is counted (anomaly time-jump) and the clock,
 * the timeouts and the summary's duration ignore it. Issue 15 #2;
 * docs/STATES.md, "Clock". */
static int pkt_anomaly_index(uint32_t bit)
{
    int i = 0;
    while (bit > 1u) {
        bit >>= 1;
        i++;
    }
    return i;
}

static void advance_clock(struct pipeline *pl, uint64_t ts_ns)
{
    if (pl->have_time && ts_ns > pl->now_ns + CFG_TIME_JUMP_NS) {
        if (!(pl->jump_pending && ts_ns + CFG_TIME_JUMP_NS >= pl->jump_ts_ns)) {
            pl->jump_pending = true; /* held: one frame is not believed */
            pl->jump_ts_ns = ts_ns;
            return;
        }
        /* Two frames agree: a real gap in the capture. What timed out
         * by the first of them is stamped with its time. */
        pl->jump_pending = false;
        pl->now_ns = pl->jump_ts_ns;
        tracker_expire(pl->trk, pl->now_ns, &pl->sink);
    } else if (pl->jump_pending) {
        pl->rs.anomalies[pkt_anomaly_index(PKT_ANOM_TIME_JUMP)]++;
    }
    pl->jump_pending = false;
    if (!pl->have_time || ts_ns > pl->now_ns)
        pl->now_ns = ts_ns;
    pl->have_time = true;
    tracker_expire(pl->trk, pl->now_ns, &pl->sink);
}

static void count_anomalies(struct run_stats *rs, uint32_t anomalies)
{
    unsigned i;
    for (i = 0; i < PKT_ANOM__COUNT && anomalies; i++)
        if (anomalies & (1u << i))
            rs->anomalies[i]++;
}

void pipeline_set_link_type(struct pipeline *pl, enum link_type lt)
{
    pl->lt = lt;
}

enum decode_status pipeline_feed(struct pipeline *pl, const struct frame *f)
{
    struct run_stats *rs = &pl->rs;
    struct pkt *p = &pl->pkt;
    struct trk_verdict *v = &pl->last;
    enum decode_status st;

    st = decode_frame(pl->lt, f, p); /* fills *p from zero */
    if ((unsigned)st >= DECODE__COUNT)
        st = DECODE_MALFORMED; /* defensive: a status we cannot name */

    if (rs->packets == 0)
        rs->first_ts_ns = f->ts_ns;
    rs->packets++;
    rs->bytes += f->wirelen;
    rs->decode[st]++;
    count_anomalies(rs, p->anomalies);
    advance_clock(pl, f->ts_ns);
    rs->last_ts_ns = pl->now_ns;

    memset(v, 0, sizeof(*v));
    if (st != DECODE_OK) {
        if (pl->rep->ops->undecoded)
            pl->rep->ops->undecoded(pl->rep, p, st);
        return st;
    }
    rs->tcp_packets++;
    tracker_feed(pl->trk, p, v, &pl->sink);
    if (pl->rep->ops->segment)
        pl->rep->ops->segment(pl->rep, p, v);
    if ((v->notes & TRK_NOTE_ENDED) && v->conn) {
        pl->conns_ended++;
        hsstats_add_conn(pl->hs, v->conn); /* outcome and close are final here */
        if (pl->rep->ops->conn_end)
            pl->rep->ops->conn_end(pl->rep, v->conn, TRK_END_FINISHED, p->ts_ns);
        tracker_emit(pl->trk, v->conn, p->ts_ns);
    }
    return st;
}

const struct trk_verdict *pipeline_last_verdict(const struct pipeline *pl)
{
    return &pl->last;
}

const struct pkt *pipeline_last_pkt(const struct pipeline *pl)
{
    return &pl->pkt;
}

bool pipeline_kernel_note(struct pipeline *pl, const struct ip_addr *a, uint16_t ap,
                          const struct ip_addr *b, uint16_t bp, uint64_t id, unsigned reason,
                          unsigned cookie)
{
    return tracker_kernel_note(pl->trk, a, ap, b, bp, id, reason, cookie);
}

void pipeline_tick(struct pipeline *pl, uint64_t now_ns)
{
    if (pl->finished)
        return;
    advance_clock(pl, now_ns);
}

void pipeline_finish(struct pipeline *pl)
{
    if (pl->finished)
        return;
    pl->finished = true;
    if (pl->jump_pending) {
        /* The last frame jumped and nothing contradicts it: believe it. */
        pl->jump_pending = false;
        pl->now_ns = pl->jump_ts_ns;
        tracker_expire(pl->trk, pl->now_ns, &pl->sink);
    }
    pl->rs.last_ts_ns = pl->now_ns;
    tracker_finish(pl->trk, pl->now_ns, &pl->sink);
    if (pl->rep->ops->finish)
        pl->rep->ops->finish(pl->rep, &pl->rs, tracker_stats(pl->trk));
}

struct run_stats *pipeline_run_stats(struct pipeline *pl)
{
    return &pl->rs;
}

const struct tracker_stats *pipeline_tracker_stats(const struct pipeline *pl)
{
    return tracker_stats(pl->trk);
}

uint64_t pipeline_conns_ended(const struct pipeline *pl)
{
    return pl->conns_ended;
}
