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
 * presumed state (docs/SEMANTICS.md 2.2), and a presumed first state is shown
 * alone ("LISTEN?", not "CLOSED->LISTEN?").
 *
 * RPT_EXPLAIN puts the explain.h sentence on an indented line under each
 * segment, timeout and record; RPT_COLOR colours a segment line by its
 * sender (client cyan, server magenta), RSTs red, retransmissions dim. The
 * summary ends with the handshake table (hsstats.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "hsstats.h"
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
    enum rpt_time time_mode;
    int32_t tz_offset_s;
    int time_w;       /* width of the time column, 0 with -t */
    bool have_prev;
    uint64_t prev_ns; /* the previous line's time (-ttt) */
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

/* Write the line without trailing spaces; with a colour (ANSI SGR code,
 * NULL for none), wrapped in it. */
static void lemit_sgr(struct line *l, FILE *out, const char *sgr)
{
    while (l->n > 0 && l->buf[l->n - 1] == ' ')
        l->n--;
    if (sgr) {
        l->buf[l->n] = '\0';
        fprintf(out, "\033[%sm%s\033[0m\n", sgr, l->buf);
    } else {
        l->buf[l->n++] = '\n'; /* one write per line: no printf on the hot path */
        fwrite(l->buf, 1, l->n, out);
    }
}

static void lemit(struct line *l, FILE *out)
{
    lemit_sgr(l, out, NULL);
}

/* Colours (RPT_COLOR): one per endpoint, red for RST, dim for repeats. */
#define SGR_CLIENT "36"
#define SGR_SERVER "35"
#define SGR_RST "1;31"
#define SGR_CLIENT_DIM "36;2"
#define SGR_SERVER_DIM "35;2"

static const char *segment_sgr(const struct reporter *r, const struct pkt *p,
                               const struct trk_verdict *v)
{
    if (!(r->flags & RPT_COLOR))
        return NULL;
    if (p->flags & TH_RST)
        return SGR_RST;
    if (!v->conn)
        return NULL; /* untracked: no endpoint to colour it by */
    if (v->notes & (TRK_NOTE_RETRANSMIT | TRK_NOTE_DUPLICATE))
        return v->from_client ? SGR_CLIENT_DIM : SGR_SERVER_DIM;
    return v->from_client ? SGR_CLIENT : SGR_SERVER;
}

/* Columns the time takes with its separating space (none with -t). */
static int time_cols(const struct text_rep *t)
{
    return t->time_w ? t->time_w + 1 : 0;
}

/* --explain: the sentence on its own line, under the segment's endpoints. */
static void put_explain(const struct text_rep *t, FILE *out, const char *sentence)
{
    if (sentence[0])
        fprintf(out, "%*s%s\n", time_cols(t) + COL_ID, "", sentence);
}

static void note_time(struct text_rep *t, uint64_t ts_ns)
{
    if (!t->have_t0) {
        t->have_t0 = true;
        t->t0_ns = ts_ns;
    }
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian): H. Hinnant's
 * civil_from_days, pure arithmetic (no time zone database in the core). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    yoe = z - era * 146097;
    yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
    doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* The time column of one line, as tcpdump's -t family prints it. */
static void time_text(struct text_rep *t, uint64_t ts_ns, char out[40])
{
    uint64_t us = ts_ns / 1000u;
    switch (t->time_mode) {
    case RPT_TIME_NONE:
        out[0] = '\0';
        break;
    case RPT_TIME_EPOCH:
        snprintf(out, 40, "%" PRIu64 ".%06" PRIu64, us / 1000000u, us % 1000000u);
        break;
    case RPT_TIME_DELTA:
        report__rel_time(ts_ns, t->have_prev ? t->prev_ns : ts_ns, out);
        break;
    case RPT_TIME_DATE: {
        int64_t secs = (int64_t)(us / 1000000u) + t->tz_offset_s;
        int64_t days = (secs >= 0 ? secs : secs - 86399) / 86400, y;
        int64_t sod = secs - days * 86400;
        unsigned mo, d;
        civil_from_days(days, &y, &mo, &d);
        snprintf(out, 40, "%04" PRId64 "-%02u-%02u %02u:%02u:%02u.%06" PRIu64, y, mo, d,
                 (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60), (unsigned)(sod % 60),
                 us % 1000000u);
        break;
    }
    default:
        report__rel_time(ts_ns, t->t0_ns, out);
        break;
    }
    t->have_prev = true;
    t->prev_ns = ts_ns;
}

/* Time and id columns. id 0 = no connection. */
static void put_head(struct text_rep *t, struct line *l, uint64_t ts_ns, uint64_t id)
{
    char rel[40];
    note_time(t, ts_ns);
    time_text(t, ts_ns, rel);
    if (t->time_w) {
        lput_w(l, rel, t->time_w, false);
        lput_n(l, " #", 2);
    } else {
        lput_n(l, "#", 1);
    }
    if (id)
        lput_u64(l, id);
    else
        lput_n(l, "-", 1);
    lpad(l, time_cols(t) + COL_ID, 1);
}

/* -e: the link-layer header as tcpdump -e shows it, before the addresses:
 * "02:00:00:00:00:0a > 02:00:00:00:00:50, vlan 7, " (no MACs: nothing). */
static void put_link(struct line *l, const struct pkt *p)
{
    const uint8_t *s = p->mac_src, *d = p->mac_dst;
    if (!p->have_mac)
        return;
    lp(l, "%02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x, ", s[0], s[1], s[2],
       s[3], s[4], s[5], d[0], d[1], d[2], d[3], d[4], d[5]);
    if (p->vlan_depth)
        lp(l, "vlan %u, ", (unsigned)p->vlan_id);
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
    if (!(r->flags & RPT_ALL) && !report__segment_relevant(p, v))
        return;

    put_head(t, &l, p->ts_ns, c ? c->id : 0);
    if (r->flags & RPT_LINK)
        put_link(&l, p);
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
        for (i = 0; i < p->ntunnels && i < CFG_MAX_TUNNELS; i++) {
            lp(&l, "[%s", pkt_tunnel_name(p->tunnel[i].kind));
            if (p->tunnel[i].have_id)
                lp(&l, " %" PRIu32, p->tunnel[i].id);
            lput_n(&l, "] ", 2);
        }
        lp(&l, "ttl %u win %u", p->ttl, p->win);
        put_anomalies(&l, p->anomalies);
    }
    lemit_sgr(&l, r->out, segment_sgr(r, p, v));
    if (c && (r->flags & RPT_EXPLAIN)) {
        char sentence[EXPLAIN_MAX];
        explain_segment(p, v, r->flags, sentence, sizeof(sentence));
        put_explain((const struct text_rep *)r, r->out, sentence);
    }
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
    lemit_sgr(&l, r->out, (r->flags & RPT_COLOR) ? "2" : NULL);
    if (r->flags & RPT_EXPLAIN) {
        char sentence[EXPLAIN_MAX];
        explain_timer(c, ch, ts_ns, sentence, sizeof(sentence));
        put_explain((const struct text_rep *)r, r->out, sentence);
    }
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
    /* Why the record came out, unless the close already says it
     * ("timeout", not "timeout (timeout)"). */
    if (why != TRK_END_FINISHED &&
        strcmp(trk_end_name(why), close_outcome_name((enum close_outcome)c->close)) != 0) {
        lput_n(&l, " (", 2);
        lput(&l, trk_end_name(why));
        lput_n(&l, ")", 1);
    }
    /* The kernel's word, when watch asked it (issue 16). */
    if (c->k_seen && c->outcome == HS_UNANSWERED)
        lp(&l, "  kernel %s", kl_reason_name(c->k_reason) ? kl_reason_name(c->k_reason) : "unknown");
    if (c->k_seen && c->k_cookie == KL_COOKIE_YES)
        lput(&l, "  syn-cookie");
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
    lemit_sgr(&l, r->out, (r->flags & RPT_COLOR) ? "1" : NULL);
    if (r->flags & RPT_EXPLAIN) {
        char sentence[EXPLAIN_MAX];
        explain_outcome(c, why, sentence, sizeof(sentence));
        put_explain((const struct text_rep *)r, r->out, sentence);
    }
}

/* One handshake half: count and percentiles in ms (hsstats.h: exact up to
 * 64 samples, then at most 3.125 % above the true nearest-rank value). */
static void put_half(FILE *o, const char *name, const struct hist *h)
{
    static const unsigned pm[4] = { 500, 900, 990, 1000 };
    char ms[32];
    unsigned i;
    fprintf(o, "             %-14s %6" PRIu64, name, h->count);
    for (i = 0; i < 4; i++) {
        if (h->count == 0) {
            fprintf(o, " %9s", "-");
            continue;
        }
        report__ms((int64_t)hist_percentile(h, pm[i]), ms);
        fprintf(o, " %9s", ms);
    }
    fputc('\n', o);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The handshake table: times per half, retransmissions, refused ports. */
static void put_handshakes(FILE *o, const struct hs_summary *hs)
{
    struct hs_port_count top[HS_TOP_PORTS];
    size_t i, n;
    fprintf(o, "handshake    %-14s %6s %9s %9s %9s %9s\n", "half (ms)", "n", "p50", "p90", "p99",
            "max");
    put_half(o, "SYN->SYN+ACK", &hs->syn_synack);
    put_half(o, "SYN+ACK->ACK", &hs->synack_ack);
    fprintf(o, "syn retrans  SYN %" PRIu64 " in %" PRIu64 " %s, SYN+ACK %" PRIu64 " in %" PRIu64
               " %s\n",
            hs->syn_retransmits, hs->syn_retransmit_conns,
            plural(hs->syn_retransmit_conns, "connection", "connections"), hs->synack_retransmits,
            hs->synack_retransmit_conns,
            plural(hs->synack_retransmit_conns, "connection", "connections"));
    n = hsstats_top_refused(hs, top, HS_TOP_PORTS);
    fprintf(o, "refused      ");
    if (n == 0)
        fprintf(o, "none");
    for (i = 0; i < n; i++)
        fprintf(o, "%sport %u x%" PRIu64, i ? ", " : "", (unsigned)top[i].port, top[i].count);
    fputc('\n', o);
}

static void text_finish(struct reporter *r, const struct run_stats *rs,
                        const struct tracker_stats *ts)
{
    report__text_summary(r->out, rs, ts);
}

void report__text_summary(FILE *o, const struct run_stats *rs, const struct tracker_stats *ts)
{
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
    if (rs->hs)
        put_handshakes(o, rs->hs);
    if (rs->have_capture_stats)
        fprintf(o, "capture      received %" PRIu64 ", dropped %" PRIu64
                   ", dropped by interface %" PRIu64 "\n",
                rs->cap_received, rs->cap_dropped, rs->cap_ifdropped);
    if (rs->filter_active && rs->filter_dropped_lines)
        fprintf(o, "filter       %" PRIu64 " line(s) of chosen connections not shown: held "
                   "too long before their outcome was known (bounded)\n",
                rs->filter_dropped_lines);
    if (rs->interrupted) {
        fprintf(o, "interrupted  after %" PRIu64 " packets", rs->packets);
        if (rs->input_percent >= 0)
            fprintf(o, " (%.1f %% of the file)", rs->input_percent);
        fputc('\n', o);
    }
    if (rs->have_held)
        fprintf(o, "held back    %" PRIu64 " kernel retransmission(s) while segments were held: "
                   "client %" PRIu64 ", server %" PRIu64 "\n",
                rs->held_retransmits[0] + rs->held_retransmits[1], rs->held_retransmits[0],
                rs->held_retransmits[1]);
    if (ts->returned || ts->forgotten_early)
        fprintf(o, "returned     %" PRIu64 " forgotten connection(s) came back: %" PRIu64
                   " segment(s) after-end, %" PRIu64 " of them SYN retransmissions; memory: %"
                   PRIu64 " remembered, %" PRIu64 " dropped younger than %" PRIu64
                   " ms, %.1f of %.1f MiB used\n",
                ts->returned, ts->returned_segments, ts->returned_syn_retransmits, ts->remembered,
                ts->forgotten_early, ts->memory_window_ns / 1000000u,
                (double)ts->memory_bytes / 1048576.0, (double)ts->memory_cap_bytes / 1048576.0);
    if (rs->input_error)
        fprintf(o, "error        %s\n", rs->input_error);
}

/* --- the demo's records ---------------------------------------------------
 *
 *   TIME       call   connect() to 127.0.0.1:41234 called
 *   TIME       kernel after connect()       client ESTABLISHED  server ESTABLISHED  listener LISTEN
 *   TIME       agree  wire = kernel: client ESTABLISHED, server ESTABLISHED
 *
 * Kernel states keep the kernel's spelling (FIN_WAIT1, CLOSE); the agree
 * line uses ours, as the segment lines do. */
#define COL_TAG 7         /* "kernel", "DIFFER" */
#define COL_WHY 46        /* "PSH+ACK 12 bytes on the wire client -> server" */
/* Socket columns: "client ESTABLISHED", "server SYN_RECV (request)". */
static const size_t col_ksock[RPT_KSOCK_MAX] = { 20, 27, 0 };

static void put_tag(struct text_rep *t, struct line *l, uint64_t ts_ns, const char *tag)
{
    char rel[40];
    note_time(t, ts_ns);
    time_text(t, ts_ns, rel);
    if (t->time_w)
        lp(l, "%*s %s", t->time_w, rel, tag);
    else
        lp(l, "%s", tag);
    lpad(l, time_cols(t) + COL_TAG, 1);
}

static void text_syscall(struct reporter *r, uint64_t ts_ns, const char *text)
{
    struct text_rep *t = (struct text_rep *)r;
    struct line l = { .n = 0 };
    if (r->flags & RPT_QUIET)
        return;
    put_tag(t, &l, ts_ns, "call");
    lp(&l, "%s", text ? text : "");
    lemit(&l, r->out);
}

static void text_kernel(struct reporter *r, const struct rpt_kernel *k)
{
    struct text_rep *t = (struct text_rep *)r;
    struct line l = { .n = 0 };
    size_t i, start;
    if (r->flags & RPT_QUIET)
        return;
    put_tag(t, &l, k->ts_ns, "kernel");
    start = l.n;
    lp(&l, "%s", k->why ? k->why : "");
    lpad(&l, start + COL_WHY, 2);
    for (i = 0; i < k->n && i < RPT_KSOCK_MAX; i++) {
        const struct rpt_ksock *s = &k->sock[i];
        start = l.n;
        lp(&l, "%s %s%s", s->socket ? s->socket : "?",
           s->present && s->kernel_state ? s->kernel_state : "-",
           s->present && s->request ? " (request)" : "");
        /* The accept queue when it is at its limit (issue 16). */
        if (s->present && s->listening && s->backlog && s->accept_queue >= s->backlog)
            lp(&l, " (%u waiting, backlog %u)", (unsigned)s->accept_queue, (unsigned)s->backlog);
        if (i + 1 < k->n)
            lpad(&l, start + col_ksock[i], 2);
    }
    lemit(&l, r->out);
}

static void text_agree(struct reporter *r, const struct rpt_agree *a)
{
    struct text_rep *t = (struct text_rep *)r;
    struct line l = { .n = 0 };
    unsigned side;
    if (r->flags & RPT_QUIET)
        return;
    put_tag(t, &l, a->ts_ns, a->ok ? "agree" : "DIFFER");
    lp(&l, "%s", a->note ? "wire and kernel differ as expected:"
                 : a->ok ? "wire = kernel:" : "wire != kernel:");
    for (side = 0; side < 2; side++) {
        lp(&l, "%s %s ", side ? "," : "", report__side_name(side));
        if (a->wire[side] == a->kernel[side])
            put_state(&l, a->wire[side], false);
        else {
            lp(&l, "wire ");
            put_state(&l, a->wire[side], false);
            lp(&l, " kernel ");
            put_state(&l, a->kernel[side], false);
        }
    }
    if (a->on_wire)
        lp(&l, " (%s on the wire: sent, not yet received)", a->on_wire);
    if (a->note)
        lp(&l, "; %s", a->note);
    lemit(&l, r->out);
}

static void text_epoch(struct reporter *r, uint64_t ts_ns)
{
    note_time((struct text_rep *)r, ts_ns);
}

/* "# the client's kernel retransmitted the SYN after 1.0 s (its RTO); the
 * wire kept the copy back" (docs/DEMO.md, "Slow motion"). */
static void text_held_copy(struct reporter *r, const struct rpt_held_copy *h)
{
    struct text_rep *t = (struct text_rep *)r;
    struct line l = { .n = 0 };
    if (r->flags & RPT_QUIET)
        return;
    put_tag(t, &l, h->ts_ns, "wire");
    lp(&l, "# the %s's kernel retransmitted the %s after %.1f s (its RTO); the wire kept the "
           "copy back",
       report__side_name(h->side), h->segment, (double)h->after_ns / 1e9);
    if (h->count > 1)
        lp(&l, " (%u copies so far)", h->count);
    lemit(&l, r->out);
}

/* What a local listener's kernel did with a SYN (issue 16): watch puts it
 * beside the connection's lines, the demo beside its snapshot:
 *   TIME #3    127.0.0.1:46406 > 127.0.0.1:8080   kernel   # the kernel dropped this SYN: ...
 *   TIME       kernel # the kernel dropped this SYN: ...          (demo) */
static void text_listener(struct reporter *r, const struct rpt_listener *k)
{
    struct text_rep *t = (struct text_rep *)r;
    struct line l = { .n = 0 };
    char sentence[320];
    size_t start;
    if (r->flags & RPT_QUIET)
        return;
    kl_describe((enum kl_event)k->event, (enum kl_reason)k->reason, &k->l, &k->delta, sentence,
                sizeof(sentence));
    if (k->step) {
        put_tag(t, &l, k->ts_ns, "kernel");
    } else {
        put_head(t, &l, k->ts_ns, k->conn);
        put_endpoints(t, &l, &k->caddr, k->cport, &k->saddr, k->sport);
        start = l.n;
        lput(&l, "kernel");
        lpad(&l, start + COL_FLAGS, 1);
    }
    lp(&l, "# %s", sentence);
    lemit(&l, r->out);
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
    .syscall = text_syscall,
    .kernel = text_kernel,
    .agree = text_agree,
    .held_copy = text_held_copy,
    .epoch = text_epoch,
    .listener = text_listener,
};

void report_text_set_time(struct reporter *r, enum rpt_time mode, int32_t tz_offset_s)
{
    struct text_rep *t = (struct text_rep *)r;
    if (!r || r->ops != &text_ops)
        return;
    t->time_mode = mode;
    t->tz_offset_s = tz_offset_s;
    /* Widths that keep the columns aligned: "1704067200.000000" (17),
     * "2024-01-01 00:00:00.000000" (26). */
    t->time_w = mode == RPT_TIME_NONE    ? 0
                : mode == RPT_TIME_EPOCH ? 17
                : mode == RPT_TIME_DATE  ? 26
                                         : COL_TIME;
}

struct reporter *report_text_new(FILE *out, unsigned flags)
{
    struct text_rep *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->base.ops = &text_ops;
    t->base.out = out;
    t->base.flags = flags;
    t->time_w = COL_TIME;
    return &t->base;
}
