/* report_text.c: the human-readable reporter: one aligned line per
 * handshake-relevant segment with the states of both endpoints, one line per
 * connection record, and a summary block.
 *
 * Segment line (columns aligned; trailing parts only when present):
 *
 *   TIME       #ID  SRC > DST  FLAGS    seq S ack A len N  client STATES  server STATES  [OPTIONS] NOTES
 *     0.000000 #1   10.0.0.1:40000 > 10.0.0.2:80  SYN  seq 0  client CLOSED->SYN_SENT  server LISTEN?
 *
 * TIME is seconds since the first frame seen. STATES shows an endpoint's
 * change as FROM->TO (chained when one segment moves it twice) or, when the
 * segment did not move it, its current state; a trailing '?' marks a
 * presumed state (SEMANTICS.md 2.2), and a presumed first state is shown
 * alone ("LISTEN?", not "CLOSED->LISTEN?"). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_int.h"
#include "tcp_wire.h"
#include "tcpopt.h"

#define TEXT_LINE_MAX 1024
#define COL_TIME 10       /* "%10s": up to 99999.999999 s aligned */
#define COL_ID 6          /* "#12345" */
#define EP_MIN_W 9        /* narrowest "a.b.c.d:p" worth aligning to */
#define COL_FLAGS 9       /* "SYN+ACK" and two spaces */
#define COL_SEQ_REL 20    /* "seq 1 ack 1 len 1448" */
#define COL_SEQ_ABS 36    /* "seq 4294967295 ack 4294967295 len N" */
#define COL_SIDE 30       /* "client ESTABLISHED->FIN_WAIT_1" */

struct text_rep {
    struct reporter base;
    bool have_t0;
    uint64_t t0_ns;   /* first frame seen: time 0 */
    int ep_w;         /* widest endpoint printed so far (columns only grow) */
};

struct line {
    char buf[TEXT_LINE_MAX];
    size_t n;
};

__attribute__((format(printf, 2, 3))) static void lp(struct line *l, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (l->n >= sizeof(l->buf) - 1)
        return;
    va_start(ap, fmt);
    k = vsnprintf(l->buf + l->n, sizeof(l->buf) - l->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->n += (size_t)k;
    if (l->n > sizeof(l->buf) - 1)
        l->n = sizeof(l->buf) - 1;
}

/* Printf-free appends for the per-segment path (same text as lp()). */
static void lput_n(struct line *l, const char *s, size_t n)
{
    if (n > sizeof(l->buf) - 1 - l->n)
        n = sizeof(l->buf) - 1 - l->n;
    memcpy(l->buf + l->n, s, n);
    l->n += n;
    l->buf[l->n] = '\0';
}

static void lput(struct line *l, const char *s)
{
    lput_n(l, s, strlen(s));
}

static void lput_u64(struct line *l, uint64_t v)
{
    char d[20];
    size_t i = sizeof(d);
    do {
        d[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    lput_n(l, d + i, sizeof(d) - i);
}

/* s right-aligned in a field of `w` ("%*s"), or left-aligned ("%-*s"). */
static void lput_w(struct line *l, const char *s, int w, bool left)
{
    size_t n = strlen(s), pad = (size_t)(w > 0 && (size_t)w > n ? (size_t)w - n : 0);
    if (left)
        lput_n(l, s, n);
    while (pad-- > 0 && l->n < sizeof(l->buf) - 1)
        l->buf[l->n++] = ' ';
    l->buf[l->n] = '\0';
    if (!left)
        lput_n(l, s, n);
}

/* Pad with spaces to column `col`, but always leave at least `gap` spaces. */
static void lpad(struct line *l, size_t col, size_t gap)
{
    size_t target = l->n + gap > col ? l->n + gap : col;
    if (target > sizeof(l->buf) - 1)
        target = sizeof(l->buf) - 1;
    while (l->n < target)
        l->buf[l->n++] = ' ';
    l->buf[l->n] = '\0';
}

static void lemit(struct line *l, FILE *out)
{
    while (l->n > 0 && l->buf[l->n - 1] == ' ')
        l->n--;
    l->buf[l->n++] = '\n';
    fwrite(l->buf, 1, l->n, out);
}

static void note_time(struct text_rep *t, uint64_t ts_ns)
{
    if (!t->have_t0) {
        t->have_t0 = true;
        t->t0_ns = ts_ns;
    }
}

/* Time and id columns. id 0 = no connection. */
static void put_head(struct text_rep *t, struct line *l, uint64_t ts_ns, uint64_t id)
{
    char rel[32];
    note_time(t, ts_ns);
    report__rel_time(ts_ns, t->t0_ns, rel);
    lput_w(l, rel, COL_TIME, false);
    lput_n(l, " #", 2);
    if (id)
        lput_u64(l, id);
    else
        lput_n(l, "-", 1);
    lpad(l, COL_TIME + 1 + COL_ID, 1);
}

/* "SRC > DST", the '>' aligned across lines. */
static void put_endpoints(struct text_rep *t, struct line *l, const struct ip_addr *sa,
                          uint16_t sp, const struct ip_addr *da, uint16_t dp)
{
    char s[ENDPOINT_STRLEN], d[ENDPOINT_STRLEN];
    int sw, dw;
    endpoint_format(sa, sp, s);
    endpoint_format(da, dp, d);
    sw = (int)strlen(s);
    dw = (int)strlen(d);
    if (sw > t->ep_w)
        t->ep_w = sw;
    if (dw > t->ep_w)
        t->ep_w = dw;
    if (t->ep_w < EP_MIN_W)
        t->ep_w = EP_MIN_W;
    lput_w(l, s, t->ep_w, false);
    lput_n(l, " > ", 3);
    lput_w(l, d, t->ep_w, true);
    lput_n(l, "  ", 2);
}

static void put_state(struct line *l, unsigned st, bool presumed)
{
    lput(l, tcp_state_name((enum tcp_state)st));
    if (presumed)
        lput_n(l, "?", 1);
}

/* One endpoint's column: its changes, or its state when it did not move. */
static void put_side(struct line *l, const struct conn *c, unsigned side,
                     const struct trk_change *ch, unsigned nch)
{
    unsigned i, shown = 0;
    int last_to = -1;
    lput(l, report__side_name(side));
    lput_n(l, " ", 1);
    for (i = 0; i < nch; i++) {
        if (ch[i].side != side)
            continue;
        if (shown > 0 && (int)ch[i].from == last_to) {
            lput_n(l, "->", 2);     /* chain: A->B->C */
        } else {
            if (shown > 0)
                lput_n(l, ",", 1);
            if (!(ch[i].presumed && ch[i].from == TS_CLOSED)) {
                put_state(l, ch[i].from, false);
                lput_n(l, "->", 2);
            }
        }
        put_state(l, ch[i].to, ch[i].presumed);
        last_to = ch[i].to;
        shown++;
    }
    if (shown == 0)
        put_state(l, c->ep[side].state, c->ep[side].presumed);
}

static void put_sides(struct line *l, const struct conn *c, const struct trk_change *ch,
                      unsigned nch)
{
    size_t start = l->n;
    put_side(l, c, TRK_CLIENT, ch, nch);
    lpad(l, start + COL_SIDE, 2);
    start = l->n;
    put_side(l, c, TRK_SERVER, ch, nch);
    lpad(l, start + COL_SIDE, 2);
}

static void put_anomalies(struct line *l, uint32_t anomalies)
{
    uint32_t bit;
    bool first = true;
    if (!anomalies)
        return;
    lp(l, " anomalies ");
    for (bit = 1; bit != 0 && bit <= anomalies; bit <<= 1) {
        const char *name;
        if (!(anomalies & bit))
            continue;
        name = pkt_anomaly_name(bit);
        if (name) {
            lp(l, "%s%s", first ? "" : ",", name);
            first = false;
        }
    }
}

static bool segment_relevant(const struct pkt *p, const struct trk_verdict *v)
{
    if (p->flags & (TH_SYN | TH_RST | TH_FIN))
        return true;
    if (v->notes & TRK_NOTE_HANDSHAKE_ACK)
        return true;
    return v->nchanges > 0; /* e.g. the ACK of a FIN, a mid-stream pickup */
}

static void text_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct text_rep *t = (struct text_rep *)r;
    const struct conn *c = v->conn;
    struct line l = { .n = 0 };
    char words[48], opts[256];
    size_t seq_start;
    uint32_t seq = p->seq, ack = p->ack;
    unsigned i;

    note_time(t, p->ts_ns);
    if (r->flags & RPT_QUIET)
        return;
    if (!(r->flags & RPT_ALL) && !segment_relevant(p, v))
        return;

    put_head(t, &l, p->ts_ns, c ? c->id : 0);
    put_endpoints(t, &l, &p->src, p->sport, &p->dst, p->dport);
    lput(&l, tcp_flags_words(p->flags, words));
    lpad(&l, l.n - strlen(words) + COL_FLAGS, 1);

    if (c && !(r->flags & RPT_ABS_SEQ)) {
        int me = v->from_client ? TRK_CLIENT : TRK_SERVER;
        seq = conn_rel_seq(c, me, p->seq);
        ack = conn_rel_seq(c, 1 - me, p->ack);
    }
    seq_start = l.n;
    lput_n(&l, "seq ", 4);
    lput_u64(&l, seq);
    if (p->flags & TH_ACK) {
        lput_n(&l, " ack ", 5);
        lput_u64(&l, ack);
    }
    if (p->payload_len) {
        lput_n(&l, " len ", 5);
        lput_u64(&l, p->payload_len);
    }
    lpad(&l, seq_start + ((r->flags & RPT_ABS_SEQ) ? COL_SEQ_ABS : COL_SEQ_REL), 2);

    if (c)
        put_sides(&l, c, v->changes, v->nchanges > TRK_MAX_CHANGES ? TRK_MAX_CHANGES : v->nchanges);

    if (p->opt.nlayout > 0 || p->opt.present) {
        opts[0] = '\0';
        tcpopt_format(&p->opt, opts, (int)sizeof(opts));
        if (opts[0]) {
            lput_n(&l, "[", 1);
            lput(&l, opts);
            lput_n(&l, "] ", 2);
        }
    }
    for (i = 0; i < 16; i++) {
        uint32_t bit = 1u << i;
        if ((v->notes & bit) && report__note_shown(bit) && trk_note_name(bit)) {
            lput(&l, trk_note_name(bit));
            lput_n(&l, " ", 1);
        }
    }
    if (c && (v->notes & TRK_NOTE_OUTCOME)) {
        lput_n(&l, "outcome ", 8);
        lput(&l, hs_outcome_name((enum hs_outcome)c->outcome));
        lput_n(&l, " ", 1);
    }
    if (r->flags & RPT_VERBOSE) {
        lp(&l, "ttl %u win %u", p->ttl, p->win);
        put_anomalies(&l, p->anomalies);
    }
    lemit(&l, r->out);
}

static void text_undecoded(struct reporter *r, const struct pkt *p, enum decode_status st)
{
    struct text_rep *t = (struct text_rep *)r;
    struct line l = { .n = 0 };
    note_time(t, p->ts_ns);
    if (!(r->flags & RPT_ALL) || (r->flags & RPT_QUIET))
        return;
    put_head(t, &l, p->ts_ns, 0);
    lp(&l, "frame of %" PRIu32 " bytes not decoded: %s at %s", p->caplen,
       decode_status_name(st), decode_layer_name(p->layer));
    if (r->flags & RPT_VERBOSE)
        put_anomalies(&l, p->anomalies);
    lemit(&l, r->out);
}

static void text_timer_change(struct reporter *r, const struct conn *c,
                              const struct trk_change *ch, uint64_t ts_ns)
{
    struct text_rep *t = (struct text_rep *)r;
    struct line l = { .n = 0 };
    size_t start;
    note_time(t, ts_ns);
    if (r->flags & RPT_QUIET)
        return;
    put_head(t, &l, ts_ns, c->id);
    put_endpoints(t, &l, &c->ep[TRK_CLIENT].addr, c->ep[TRK_CLIENT].port,
                  &c->ep[TRK_SERVER].addr, c->ep[TRK_SERVER].port);
    start = l.n;
    lp(&l, "timeout");
    lpad(&l, start + COL_FLAGS, 1);
    lpad(&l, l.n + ((r->flags & RPT_ABS_SEQ) ? COL_SEQ_ABS : COL_SEQ_REL), 0);
    put_sides(&l, c, ch, 1);
    lemit(&l, r->out);
}

static void put_rtt(struct line *l, int64_t us)
{
    char ms[32];
    if (us < 0) {
        lput_n(l, "-", 1);
        return;
    }
    report__ms(us, ms);
    lput(l, ms);
}

static void text_conn_end(struct reporter *r, const struct conn *c, enum trk_end why,
                          uint64_t ts_ns)
{
    struct text_rep *t = (struct text_rep *)r;
    struct line l = { .n = 0 };
    size_t start;
    uint32_t bit;

    put_head(t, &l, ts_ns, c->id);
    put_endpoints(t, &l, &c->ep[TRK_CLIENT].addr, c->ep[TRK_CLIENT].port,
                  &c->ep[TRK_SERVER].addr, c->ep[TRK_SERVER].port);
    start = l.n;
    lput_n(&l, "conn", 4);
    lpad(&l, start + COL_FLAGS, 1);
    lput(&l, hs_outcome_name((enum hs_outcome)c->outcome));
    if (c->simultaneous)
        lput(&l, " simultaneous");
    if (c->roles_guessed)
        lput(&l, " roles-guessed");
    lput(&l, "  client ");
    put_state(&l, c->ep[TRK_CLIENT].state, c->ep[TRK_CLIENT].presumed);
    lput(&l, "  server ");
    put_state(&l, c->ep[TRK_SERVER].state, c->ep[TRK_SERVER].presumed);
    lput(&l, "  rtt ");
    put_rtt(&l, conn_rtt_syn_synack_us(c));
    lput_n(&l, "/", 1);
    put_rtt(&l, conn_rtt_synack_ack_us(c));
    lput(&l, " ms  retransmits ");
    lput_u64(&l, c->syn_retransmits);
    lput_n(&l, "/", 1);
    lput_u64(&l, c->synack_retransmits);
    lput_n(&l, "  ", 2);
    lput_u64(&l, c->pkts);
    lput(&l, " pkts  ");
    lput(&l, close_outcome_name((enum close_outcome)c->close));
    if (why != TRK_END_FINISHED) {
        lput_n(&l, " (", 2);
        lput(&l, trk_end_name(why));
        lput_n(&l, ")", 1);
    }
    if ((r->flags & RPT_VERBOSE) && c->anomalies) {
        bool first = true;
        lp(&l, "  anomalies ");
        for (bit = 1; bit <= 0x80u; bit <<= 1) {
            const char *name = (c->anomalies & bit) ? report__conn_anom_name(bit) : NULL;
            if (name) {
                lp(&l, "%s%s", first ? "" : ",", name);
                first = false;
            }
        }
    }
    lemit(&l, r->out);
}

static void text_finish(struct reporter *r, const struct run_stats *rs,
                        const struct tracker_stats *ts)
{
    FILE *o = r->out;
    uint64_t undecoded = rs->packets - rs->tcp_packets, any = 0;
    char dur[32];
    unsigned i;
    int k;

    report__rel_time(rs->last_ts_ns, rs->first_ts_ns, dur);
    fprintf(o, "-- summary\n");
    fprintf(o, "packets      %" PRIu64 " (%" PRIu64 " tcp, %" PRIu64 " not decoded), %" PRIu64
               " bytes, %s s\n",
            rs->packets, rs->tcp_packets, undecoded, rs->bytes, rs->packets ? dur : "0.000000");
    fprintf(o, "connections  %" PRIu64 ":", ts->connections);
    for (k = HS_PENDING + 1; k < HS__COUNT; k++)
        fprintf(o, "%s %s %" PRIu64, k == HS_PENDING + 1 ? "" : ",",
                hs_outcome_name((enum hs_outcome)k), ts->outcomes[k]);
    fprintf(o, "\ndecode       ");
    for (k = DECODE_OK + 1; k < DECODE__COUNT; k++)
        fprintf(o, "%s%s %" PRIu64, k == DECODE_OK + 1 ? "" : ", ",
                decode_status_name((enum decode_status)k), rs->decode[k]);
    fprintf(o, "\nanomalies    ");
    for (i = 0; i < PKT_ANOM__COUNT; i++) {
        const char *name = pkt_anomaly_name(1u << i);
        if (!rs->anomalies[i] || !name)
            continue;
        fprintf(o, "%s%s %" PRIu64, any ? ", " : "", name, rs->anomalies[i]);
        any++;
    }
    if (!any)
        fprintf(o, "none");
    fprintf(o, "\ntracker      retransmits %" PRIu64 ", strays %" PRIu64 ", invalid %" PRIu64
               ", untracked %" PRIu64 ", evicted %" PRIu64 ", timed out %" PRIu64
               ", peak %zu of %zu\n",
            ts->retransmits, ts->strays, ts->invalid, ts->untracked, ts->evicted, ts->timed_out,
            ts->peak_active, ts->capacity);
    if (rs->have_capture_stats)
        fprintf(o, "capture      received %" PRIu64 ", dropped %" PRIu64
                   ", dropped by interface %" PRIu64 "\n",
                rs->cap_received, rs->cap_dropped, rs->cap_ifdropped);
    if (rs->input_error)
        fprintf(o, "error        %s\n", rs->input_error);
}

static void text_destroy(struct reporter *r)
{
    free(r);
}

static const struct reporter_ops text_ops = {
    .segment = text_segment,
    .undecoded = text_undecoded,
    .timer_change = text_timer_change,
    .conn_end = text_conn_end,
    .finish = text_finish,
    .destroy = text_destroy,
};

struct reporter *report_text_new(FILE *out, unsigned flags)
{
    struct text_rep *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->base.ops = &text_ops;
    t->base.out = out;
    t->base.flags = flags;
    return &t->base;
}
