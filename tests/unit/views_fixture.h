/* views_fixture.h: drive a real tracker and a reporter the way the pipeline
 * does (segment, then the record of a connection the segment ended; records
 * at the end), with segments from pktfix. Header-only (static), for the
 * teaching-view tests (ladder, SVG, explanations). */
#ifndef TCPSHAKE_TEST_VIEWS_FIXTURE_H
#define TCPSHAKE_TEST_VIEWS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsstats.h"
#include "pktfix.h"
#include "report.h"
#include "tcp_wire.h"
#include "tracker.h"

struct vf {
    struct tracker *t;
    struct reporter *r;      /* may be NULL: tracker only */
    struct trk_sink sink;
    struct run_stats rs;
    struct hs_summary *hs;
    struct trk_verdict v;    /* the last verdict */
    uint64_t now_ns;
    char *buf;               /* open_memstream output */
    size_t len;
    FILE *out;
};

static void vf_sink_end(void *user, const struct conn *c, enum trk_end why, uint64_t ts)
{
    struct vf *f = user;
    hsstats_add_conn(f->hs, c);
    if (f->r && f->r->ops->conn_end)
        f->r->ops->conn_end(f->r, c, why, ts);
}

static void vf_sink_timer(void *user, const struct conn *c, const struct trk_change *ch,
                          uint64_t ts)
{
    struct vf *f = user;
    if (f->r && f->r->ops->timer_change)
        f->r->ops->timer_change(f->r, c, ch, ts);
}

/* Open the output stream; call vf_start() with the reporter built on f->out. */
static inline void vf_open(struct vf *f)
{
    struct tracker_cfg cfg;
    memset(f, 0, sizeof(*f));
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_conns = 1024;
    f->t = tracker_new(&cfg);
    f->hs = calloc(1, sizeof(*f->hs));
    f->out = open_memstream(&f->buf, &f->len);
    if (!f->t || !f->hs || !f->out)
        abort();
    f->sink.conn_end = vf_sink_end;
    f->sink.timer_change = vf_sink_timer;
    f->sink.user = f;
    f->rs.hs = f->hs;
}

static inline void vf_start(struct vf *f, struct reporter *r)
{
    if (!r)
        abort();
    f->r = r;
}

/* Feed one segment; returns the verdict (its conn valid until the next call). */
static inline const struct trk_verdict *vf_feed(struct vf *f, struct pkt p)
{
    if (f->rs.packets == 0)
        f->rs.first_ts_ns = p.ts_ns;
    f->rs.packets++;
    f->rs.tcp_packets++;
    f->rs.last_ts_ns = p.ts_ns;
    if (p.ts_ns > f->now_ns)
        f->now_ns = p.ts_ns;
    tracker_expire(f->t, f->now_ns, &f->sink);
    tracker_feed(f->t, &p, &f->v, &f->sink);
    if (f->r && f->r->ops->segment)
        f->r->ops->segment(f->r, &p, &f->v);
    if ((f->v.notes & TRK_NOTE_ENDED) && f->v.conn) {
        hsstats_add_conn(f->hs, f->v.conn);
        if (f->r && f->r->ops->conn_end)
            f->r->ops->conn_end(f->r, f->v.conn, TRK_END_FINISHED, p.ts_ns);
        tracker_emit(f->t, f->v.conn, p.ts_ns);
    }
    return &f->v;
}

/* Packet time passes without a segment. */
static inline void vf_tick(struct vf *f, uint64_t t_ms)
{
    f->now_ns = PKTFIX_EPOCH_NS + t_ms * 1000000ULL;
    tracker_expire(f->t, f->now_ns, &f->sink);
}

/* End of input: records, summary. Returns the whole output. */
static inline const char *vf_finish(struct vf *f)
{
    tracker_finish(f->t, f->now_ns, &f->sink);
    if (f->r && f->r->ops->finish)
        f->r->ops->finish(f->r, &f->rs, tracker_stats(f->t));
    fflush(f->out);
    return f->buf ? f->buf : "";
}

static inline const char *vf_text(struct vf *f)
{
    fflush(f->out);
    return f->buf ? f->buf : "";
}

static inline void vf_close(struct vf *f)
{
    reporter_destroy(f->r);
    tracker_free(f->t);
    free(f->hs);
    fclose(f->out);
    free(f->buf);
}

/* A complete handshake and FIN close 10.0.0.1:port -> 10.0.0.2:80 from
 * t_ms (client ISN 1000, server ISN 5000), `data` request bytes. */
#define VF_C "10.0.0.1"
#define VF_S "10.0.0.2"
static inline void vf_handshake(struct vf *f, uint64_t t, uint16_t port)
{
    vf_feed(f, pkt_make(t, VF_C, port, VF_S, 80, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(t + 20, VF_S, 80, VF_C, port, TH_SYN | TH_ACK, 5000, 1001));
    vf_feed(f, pkt_make(t + 21, VF_C, port, VF_S, 80, TH_ACK, 1001, 5001));
}

static inline void vf_close_fin(struct vf *f, uint64_t t, uint16_t port)
{
    vf_feed(f, pkt_make(t, VF_C, port, VF_S, 80, TH_FIN | TH_ACK, 1001, 5001));
    vf_feed(f, pkt_make(t + 20, VF_S, 80, VF_C, port, TH_FIN | TH_ACK, 5001, 1002));
    vf_feed(f, pkt_make(t + 21, VF_C, port, VF_S, 80, TH_ACK, 1002, 5002));
}

/* Occurrences of `needle` in `hay`. */
static inline int vf_count(const char *hay, const char *needle)
{
    int n = 0;
    size_t k = strlen(needle);
    for (hay = strstr(hay, needle); hay; hay = strstr(hay + k, needle))
        n++;
    return n;
}

#endif
