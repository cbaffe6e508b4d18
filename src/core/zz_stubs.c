/* zz_stubs.c: TEMPORARY stand-ins for the decoder and tracker so the cli
 * branch links and runs before those land. Deleted before the final commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "tcp_wire.h"
#include "tcpopt.h"
#include "tracker.h"

/* ---- decoder (Ethernet/SLL/NULL/RAW -> IPv4/IPv6 -> TCP, no VLAN) ---- */
static uint16_t be16(const uint8_t *p) { return (uint16_t)((uint16_t)p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void stub_opts(const uint8_t *o, size_t n, struct tcp_opts *out)
{
    size_t i = 0;
    while (i < n) {
        uint8_t k = o[i], l;
        if (out->nlayout < TCPOPT_MAX_LAYOUT)
            out->layout[out->nlayout++] = k;
        if (k == 0)
            break;
        if (k == 1) {
            i++;
            continue;
        }
        if (i + 1 >= n || (l = o[i + 1]) < 2 || i + l > n)
            break;
        if (k == 2 && l == 4) { out->present |= TCPOPT_P_MSS; out->mss = be16(o + i + 2); }
        if (k == 3 && l == 3) { out->present |= TCPOPT_P_WSCALE; out->wscale = o[i + 2]; }
        if (k == 4) out->present |= TCPOPT_P_SACK_OK;
        if (k == 8 && l == 10) {
            out->present |= TCPOPT_P_TS;
            out->ts_val = be32(o + i + 2);
            out->ts_ecr = be32(o + i + 6);
        }
        i += l;
    }
}

enum decode_status decode_frame(enum link_type lt, const struct frame *f, struct pkt *out)
{
    const uint8_t *d = f->data;
    size_t n = f->caplen, off = 0, ipl, thl;
    int ver;
    uint8_t proto;
    memset(out, 0, sizeof(*out));
    out->ts_ns = f->ts_ns;
    out->caplen = f->caplen;
    out->wirelen = f->wirelen;
    out->layer = DECODE_L_LINK;
    switch (lt) {
    case LINK_ETHERNET:
        if (n < 14) return DECODE_TRUNCATED;
        if (be16(d + 12) != 0x0800 && be16(d + 12) != 0x86dd) return DECODE_NOT_IP;
        off = 14; break;
    case LINK_LINUX_SLL: off = 16; break;
    case LINK_NULL_BSD: case LINK_LOOP: off = 4; break;
    case LINK_RAW: case LINK_IPV4: case LINK_IPV6: off = 0; break;
    default: return DECODE_UNSUPPORTED;
    }
    if (n < off + 1) return DECODE_TRUNCATED;
    ver = d[off] >> 4;
    if (ver == 4) {
        out->layer = DECODE_L_IPV4;
        if (n < off + 20) return DECODE_TRUNCATED;
        ipl = (size_t)(d[off] & 15) * 4;
        proto = d[off + 9];
        out->ip_ver = 4;
        out->ttl = d[off + 8];
        out->src.family = out->dst.family = IPADDR_V4;
        memcpy(out->src.bytes, d + off + 12, 4);
        memcpy(out->dst.bytes, d + off + 16, 4);
        if (be16(d + off + 2) < ipl) return DECODE_MALFORMED;
        thl = be16(d + off + 2) - ipl; /* TCP length claimed */
    } else if (ver == 6) {
        out->layer = DECODE_L_IPV6;
        if (n < off + 40) return DECODE_TRUNCATED;
        ipl = 40;
        proto = d[off + 6];
        out->ip_ver = 6;
        out->ttl = d[off + 7];
        out->src.family = out->dst.family = IPADDR_V6;
        memcpy(out->src.bytes, d + off + 8, 16);
        memcpy(out->dst.bytes, d + off + 24, 16);
        thl = be16(d + off + 4);
    } else {
        return DECODE_NOT_IP;
    }
    if (proto != 6) return DECODE_NOT_TCP;
    off += ipl;
    out->layer = DECODE_L_TCP;
    if (n < off + 20) return DECODE_TRUNCATED;
    out->sport = be16(d + off);
    out->dport = be16(d + off + 2);
    out->seq = be32(d + off + 4);
    out->ack = be32(d + off + 8);
    out->doff = (uint8_t)((d[off + 12] >> 4) * 4);
    out->flags = (uint16_t)(d[off + 13] | ((d[off + 12] & 1) << 8));
    out->win = be16(d + off + 14);
    if (out->doff < 20 || out->doff > thl) return DECODE_MALFORMED;
    if (n >= off + out->doff)
        stub_opts(d + off + 20, out->doff - 20u, &out->opt);
    out->payload_len = (uint32_t)(thl - out->doff);
    out->payload_caplen = n > off + out->doff ? (uint32_t)(n - off - out->doff) : 0;
    return DECODE_OK;
}

int tcpopt_format(const struct tcp_opts *o, char *out, int cap)
{
    int n = 0;
    size_t i;
    out[0] = '\0';
    for (i = 0; i < o->nlayout && n < cap; i++) {
        const char *sep = i ? "," : "";
        switch (o->layout[i]) {
        case 1: n += snprintf(out + n, (size_t)(cap - n), "%snop", sep); break;
        case 2: n += snprintf(out + n, (size_t)(cap - n), "%smss %u", sep, o->mss); break;
        case 3: n += snprintf(out + n, (size_t)(cap - n), "%swscale %u", sep, o->wscale); break;
        case 4: n += snprintf(out + n, (size_t)(cap - n), "%ssackOK", sep); break;
        case 8: n += snprintf(out + n, (size_t)(cap - n), "%sTS val %u ecr %u", sep,
                             (unsigned)o->ts_val, (unsigned)o->ts_ecr); break;
        default: n += snprintf(out + n, (size_t)(cap - n), "%sopt-%u", sep, o->layout[i]); break;
        }
    }
    return n < cap ? n : cap - 1;
}

/* ---- names ---- */
const char *tcp_state_name(enum tcp_state s)
{
    static const char *const n[] = {
#define X(a, b) b,
        TCP_STATE_MAP(X)
#undef X
    };
    return (unsigned)s < TS__COUNT ? n[s] : "?";
}
const char *hs_outcome_name(enum hs_outcome o)
{
    static const char *const n[] = {
#define X(a, b) b,
        HS_OUTCOME_MAP(X)
#undef X
    };
    return (unsigned)o < HS__COUNT ? n[o] : "?";
}
const char *close_outcome_name(enum close_outcome c)
{
    static const char *const n[] = {
#define X(a, b) b,
        CLOSE_OUTCOME_MAP(X)
#undef X
    };
    return (unsigned)c < CLOSE__COUNT ? n[c] : "?";
}
const char *trk_end_name(enum trk_end e)
{
    static const char *const n[] = {
#define X(a, b) b,
        TRK_END_MAP(X)
#undef X
    };
    return (unsigned)e < TRK_END__COUNT ? n[e] : "?";
}
const char *trk_note_name(uint32_t bit)
{
    switch (bit) {
#define X(a, v, s) case v: return s;
        TRK_NOTE_MAP(X)
#undef X
    default: return NULL;
    }
}
int64_t conn_rtt_syn_synack_us(const struct conn *c)
{
    if (!c->t_synack_ns || !c->t_syn_last_ns || c->t_synack_ns < c->t_syn_last_ns) return -1;
    return (int64_t)((c->t_synack_ns - c->t_syn_last_ns) / 1000u);
}
int64_t conn_rtt_synack_ack_us(const struct conn *c)
{
    if (!c->t_ack_ns || !c->t_synack_last_ns || c->t_ack_ns < c->t_synack_last_ns) return -1;
    return (int64_t)((c->t_ack_ns - c->t_synack_last_ns) / 1000u);
}

/* ---- tracker (linear table; enough to exercise the reporters) ---- */
struct tracker {
    struct conn *c;
    size_t cap, n;
    uint64_t next_id;
    struct tracker_stats st;
};

struct tracker *tracker_new(const struct tracker_cfg *cfg)
{
    struct tracker *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->cap = cfg && cfg->max_conns ? cfg->max_conns : 1024;
    if (t->cap > 4096) t->cap = 4096;
    t->c = calloc(t->cap, sizeof(*t->c));
    if (!t->c) { free(t); return NULL; }
    t->next_id = 1;
    t->st.capacity = t->cap;
    return t;
}
void tracker_free(struct tracker *t) { if (t) { free(t->c); free(t); } }
const struct tracker_stats *tracker_stats(const struct tracker *t) { return &t->st; }

static void chg(struct trk_verdict *v, struct conn *c, int side, int to, bool presumed)
{
    struct endpoint *e = &c->ep[side];
    if (e->state == to && e->presumed == presumed) return;
    if (v->nchanges < TRK_MAX_CHANGES) {
        struct trk_change *ch = &v->changes[v->nchanges++];
        ch->side = (uint8_t)side; ch->from = e->state; ch->to = (uint8_t)to; ch->presumed = presumed;
    }
    e->state = (uint8_t)to;
    e->presumed = presumed;
}

static void decide(struct tracker *t, struct conn *c)
{
    if (c->outcome == HS_PENDING)
        c->outcome = c->synack_seen ? HS_HALF_OPEN : HS_UNANSWERED;
    (void)t;
}

void tracker_emit(struct tracker *t, const struct conn *cc, uint64_t ts_ns)
{
    struct conn *c = (struct conn *)cc;
    if (c->ended) return;
    decide(t, c);
    c->ended = true;
    c->t_end_ns = ts_ns;
    t->st.outcomes[c->outcome]++;
    t->st.closes[c->close]++;
    if (t->st.active) t->st.active--;
}

void tracker_feed(struct tracker *t, const struct pkt *p, struct trk_verdict *v,
                  const struct trk_sink *sink)
{
    struct conn *c = NULL;
    size_t i;
    int me, peer;
    uint16_t f = p->flags;
    (void)sink;
    memset(v, 0, sizeof(*v));
    for (i = t->n; i-- > 0;) {
        struct conn *x = &t->c[i];
        for (me = 0; me < 2; me++) {
            if (ipaddr_eq(&x->ep[me].addr, &p->src) && x->ep[me].port == p->sport &&
                ipaddr_eq(&x->ep[1 - me].addr, &p->dst) && x->ep[1 - me].port == p->dport) {
                c = x;
                break;
            }
        }
        if (c) break;
    }
    if (c && c->ended) {
        if ((f & (TH_SYN | TH_ACK)) == TH_SYN) c = NULL; /* new connection */
        else { v->conn = c; v->from_client = me == 0; v->notes = TRK_NOTE_AFTER_END; return; }
    }
    if (!c) {
        if (t->n == t->cap) { t->st.untracked++; return; }
        c = &t->c[t->n++];
        memset(c, 0, sizeof(*c));
        c->id = t->next_id++;
        c->t_first_ns = p->ts_ns;
        t->st.connections++;
        t->st.active++;
        if (t->st.active > t->st.peak_active) t->st.peak_active = t->st.active;
        me = ((f & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) ? 1 : 0;
        c->ep[me].addr = p->src; c->ep[me].port = p->sport;
        c->ep[1 - me].addr = p->dst; c->ep[1 - me].port = p->dport;
        v->notes |= TRK_NOTE_NEW;
        if ((f & (TH_SYN | TH_ACK)) != TH_SYN) {
            c->roles_guessed = me == 0;
            c->outcome = HS_MIDSTREAM;
            chg(v, c, me, TS_ESTABLISHED, true);
            chg(v, c, 1 - me, TS_ESTABLISHED, true);
        }
    }
    peer = 1 - me;
    v->conn = c;
    v->from_client = me == TRK_CLIENT;
    c->pkts++;
    c->t_last_ns = p->ts_ns;
    c->ep[me].pkts++;
    c->ep[me].bytes += p->payload_len;
    if ((f & (TH_SYN | TH_ACK)) == TH_SYN && me == TRK_CLIENT) {
        if (c->ep[me].isn_known && c->ep[me].isn == p->seq) {
            v->notes |= TRK_NOTE_RETRANSMIT; c->syn_retransmits++; t->st.retransmits++;
        } else {
            c->ep[me].isn = p->seq; c->ep[me].isn_known = true; c->t_syn_ns = p->ts_ns;
            c->ep[me].opts.present = p->opt.present; c->ep[me].opts.mss = p->opt.mss;
            c->ep[me].opts.wscale = p->opt.wscale;
            chg(v, c, me, TS_SYN_SENT, false);
            chg(v, c, peer, TS_LISTEN, true);
        }
        c->ep[me].syn_tx++;
        c->t_syn_last_ns = p->ts_ns;
    } else if ((f & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        if (c->ep[me].isn_known && c->ep[me].isn == p->seq) {
            v->notes |= TRK_NOTE_RETRANSMIT; c->synack_retransmits++; t->st.retransmits++;
        } else if (c->ep[peer].isn_known && p->ack != c->ep[peer].isn + 1) {
            v->notes |= TRK_NOTE_STRAY; c->anomalies |= CONN_ANOM_WRONG_ACK; t->st.strays++;
        } else {
            c->ep[me].isn = p->seq; c->ep[me].isn_known = true;
            c->ep[me].opts.present = p->opt.present; c->ep[me].opts.mss = p->opt.mss;
            c->ep[me].opts.wscale = p->opt.wscale;
            c->synack_seen = true; c->t_synack_ns = p->ts_ns;
            if (c->outcome != HS_MIDSTREAM) {
                chg(v, c, me, TS_SYN_RECV, false);
                chg(v, c, peer, TS_ESTABLISHED, false);
            }
        }
        c->ep[me].syn_tx++;
        c->t_synack_last_ns = p->ts_ns;
    } else if (f & TH_RST) {
        if (c->outcome == HS_PENDING) {
            if (me == TRK_SERVER && !c->synack_seen && (f & TH_ACK) && c->ep[peer].isn_known &&
                p->ack == c->ep[peer].isn + 1)
                c->outcome = HS_REFUSED;
            else
                c->outcome = HS_ABORTED;
            v->notes |= TRK_NOTE_OUTCOME;
        }
        chg(v, c, me, TS_CLOSED, false);
        chg(v, c, peer, TS_CLOSED, false);
        c->close = me == TRK_CLIENT ? CLOSE_RESET_BY_CLIENT : CLOSE_RESET_BY_SERVER;
        if (c->outcome == HS_REFUSED) c->close = CLOSE_NEVER_OPENED;
        v->notes |= TRK_NOTE_ENDED;
    } else {
        if ((f & TH_ACK) && me == TRK_CLIENT && c->ep[peer].state == TS_SYN_RECV &&
            p->ack == c->ep[peer].isn + 1) {
            chg(v, c, peer, TS_ESTABLISHED, false);
            c->t_ack_ns = p->ts_ns;
            c->outcome = HS_COMPLETE;
            v->notes |= TRK_NOTE_HANDSHAKE_ACK | TRK_NOTE_OUTCOME;
        }
        if ((f & TH_ACK) && c->ep[peer].fin_sent && p->ack == c->ep[peer].fin_seq + 1) {
            if (c->ep[peer].state == TS_FIN_WAIT_1) chg(v, c, peer, TS_FIN_WAIT_2, false);
            else if (c->ep[peer].state == TS_LAST_ACK) chg(v, c, peer, TS_CLOSED, false);
            else if (c->ep[peer].state == TS_CLOSING) chg(v, c, peer, TS_TIME_WAIT, false);
        }
        if (f & TH_FIN) {
            c->ep[me].fin_sent = true;
            c->ep[me].fin_seq = p->seq + p->payload_len;
            if (c->ep[me].state == TS_CLOSE_WAIT) chg(v, c, me, TS_LAST_ACK, false);
            else chg(v, c, me, TS_FIN_WAIT_1, false);
            if (c->ep[peer].state == TS_FIN_WAIT_2) chg(v, c, peer, TS_TIME_WAIT, false);
            else if (c->ep[peer].state == TS_FIN_WAIT_1) chg(v, c, peer, TS_CLOSING, false);
            else chg(v, c, peer, TS_CLOSE_WAIT, false);
        }
        if ((c->ep[0].state == TS_CLOSED || c->ep[0].state == TS_TIME_WAIT) &&
            (c->ep[1].state == TS_CLOSED || c->ep[1].state == TS_TIME_WAIT)) {
            c->close = CLOSE_CLOSED;
            v->notes |= TRK_NOTE_ENDED;
        }
    }
}

size_t tracker_expire(struct tracker *t, uint64_t now_ns, const struct trk_sink *sink)
{
    (void)t; (void)now_ns; (void)sink;
    return 0;
}

void tracker_finish(struct tracker *t, uint64_t now_ns, const struct trk_sink *sink)
{
    size_t i;
    for (i = 0; i < t->n; i++) {
        struct conn *c = &t->c[i];
        if (c->ended) continue;
        decide(t, c);
        if (sink && sink->conn_end) sink->conn_end(sink->user, c, TRK_END_END_OF_INPUT, now_ns);
        tracker_emit(t, c, now_ns);
    }
}
