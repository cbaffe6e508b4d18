/* craft_hs.c: hand-driven TCP handshake and close for `craft handshake`
 * (client) and `craft listen` (server), as pure state machines (RFC 9293
 * 3.5, 3.6, 3.10; RFC 5961 challenge ACKs; RFC 7323 timestamps). */
#include "craft_hs.h"

#include <string.h>

#include "decode.h"
#include "seq.h"
#include "tcp_wire.h"

/* Where the machine is. The synchronized states (ESTABLISHED, FIN_WAIT_*,
 * CLOSE_WAIT, CLOSING, LAST_ACK) share PH_SYNC and are told apart by the
 * fin_* flags, as RFC 9293 3.6 describes them: who sent a FIN, whether it was
 * acknowledged, who closed first. */
enum hs_phase {
    PH_INIT,      /* client: nothing sent yet */
    PH_LISTEN,    /* server: waiting for a SYN */
    PH_SYN_SENT,  /* client: SYN sent, waiting for the SYN+ACK */
    PH_HOLD,      /* client: SYN+ACK seen and deliberately not ACKed */
    PH_SYN_RCVD,  /* server: SYN+ACK sent, waiting for the ACK */
    PH_SYNC,      /* synchronized (RFC 9293 3.3.2) */
    PH_TIME_WAIT, /* active close finished; answer a re-sent FIN */
    PH_END,
};

#define SEQ_WINDOW 65535u /* receive window we check RSTs against (RFC 5961 3.2) */
#define MAX_RTO_NS 60000000000ull /* RFC 6298 2.5: an upper bound of at least 60 s */
#define NEVER UINT64_MAX          /* a timer that is not armed */

/* now + d, saturating below NEVER. */
static uint64_t later(uint64_t now, uint64_t d)
{
    return d >= NEVER - 1u - now ? NEVER - 1u : now + d;
}

static const char *const hs_end_names[] = {
#define X(n, s) s,
    HS_END_MAP(X)
#undef X
};

const char *hs_end_name(enum hs_end e)
{
    return (unsigned)e < HS_END__COUNT ? hs_end_names[e] : "?";
}

bool hs_end_ok(enum hs_end e)
{
    return e == HS_END_CLOSED || e == HS_END_OPEN || e == HS_END_RESET_SENT ||
           e == HS_END_HELD || e == HS_END_PEER_OPEN;
}

void hs_opts_default(struct hs_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->win = HS_DEFAULT_WIN;
    o->mss = HS_DEFAULT_MSS;
    o->wscale_on = true;
    o->wscale = HS_DEFAULT_WSCALE;
    o->sackok = true;
    o->ts_on = true;
    o->ts_val = 1;
    o->close = HS_CLOSE_FIN;
    o->rto_ns = HS_DEFAULT_RTO_NS;
    o->max_retries = HS_DEFAULT_RETRIES;
    o->hold_ns = HS_DEFAULT_HOLD_NS;
    o->peer_close_ns = HS_DEFAULT_PEER_CLOSE_NS;
    o->listen_ns = HS_DEFAULT_LISTEN_NS;
    o->idle_ns = HS_DEFAULT_IDLE_NS;
    o->time_wait_ns = HS_DEFAULT_TIME_WAIT_NS;
}

/* Clamp what would break the machine; zero timers get their defaults. */
static void hs_sanitize(struct hs_opts *o)
{
    if (!o->win)
        o->win = HS_DEFAULT_WIN;
    if (o->wscale > 14)
        o->wscale = 14; /* RFC 7323 2.3 */
    if (o->tfo_len > TCPOPT_MAX_TFO_COOKIE)
        o->tfo_len = TCPOPT_MAX_TFO_COOKIE;
    if (!o->data)
        o->data_len = 0;
    if (o->data_len > HS_MAX_DATA)
        o->data_len = HS_MAX_DATA;
    if (!o->rto_ns)
        o->rto_ns = HS_DEFAULT_RTO_NS;
    if (o->rto_ns > MAX_RTO_NS)
        o->rto_ns = MAX_RTO_NS;
    if (!o->hold_ns)
        o->hold_ns = HS_DEFAULT_HOLD_NS;
    if (!o->peer_close_ns)
        o->peer_close_ns = HS_DEFAULT_PEER_CLOSE_NS;
    if (!o->listen_ns)
        o->listen_ns = HS_DEFAULT_LISTEN_NS;
    if (!o->idle_ns)
        o->idle_ns = HS_DEFAULT_IDLE_NS;
    if (!o->time_wait_ns)
        o->time_wait_ns = HS_DEFAULT_TIME_WAIT_NS;
}

static void hs_init_common(struct craft_hs *h, enum hs_role role, const struct hs_opts *o,
                           const struct ip_addr *local, uint16_t lport)
{
    memset(h, 0, sizeof(*h));
    h->role = role;
    h->o = *o;
    hs_sanitize(&h->o);
    h->local = *local;
    h->lport = lport;
    h->iss = h->o.seq;
    h->snd_una = h->iss;
    h->snd_nxt = h->iss;
    h->data_base = h->iss + 1u;
    h->rto = h->o.rto_ns;
    h->rtx_at = NEVER;
    h->phase_at = NEVER;
    h->phase = role == HS_ROLE_CLIENT ? PH_INIT : PH_LISTEN;
}

void hs_client_init(struct craft_hs *h, const struct hs_opts *o, const struct ip_addr *local,
                    uint16_t lport, const struct ip_addr *remote, uint16_t rport)
{
    hs_init_common(h, HS_ROLE_CLIENT, o, local, lport);
    h->remote = *remote;
    h->rport = rport;
    h->peer_known = true;
}

void hs_server_init(struct craft_hs *h, const struct hs_opts *o, const struct ip_addr *local,
                    uint16_t lport, const struct ip_addr *peer, uint16_t peer_port)
{
    hs_init_common(h, HS_ROLE_SERVER, o, local, lport);
    if (peer)
        h->remote = *peer;
    h->rport = peer_port;
    h->peer_known = false;
}

/* ---- small helpers ---------------------------------------------------- */

static void note(struct craft_hs *h, const char *s)
{
    if (h->nlen < HS_NOTES) {
        h->notes[(h->nhead + h->nlen) % HS_NOTES] = s;
        h->nlen++;
    }
}

const char *hs_take_note(struct craft_hs *h)
{
    const char *s;
    if (!h->nlen)
        return NULL;
    s = h->notes[h->nhead];
    h->nhead = (uint8_t)((h->nhead + 1) % HS_NOTES);
    h->nlen--;
    return s;
}

static void finish(struct craft_hs *h, enum hs_end e)
{
    if (h->phase == PH_END)
        return;
    h->phase = PH_END;
    h->end = e;
    h->rtx_at = NEVER;
    h->phase_at = NEVER;
}

/* in: src -> dst matches peer -> us. */
static bool from_peer(const struct craft_hs *h, const struct pkt *in)
{
    return h->peer_known && in->sport == h->rport && in->dport == h->lport &&
           ipaddr_eq(&in->src, &h->remote) && ipaddr_eq(&in->dst, &h->local);
}

static bool from_us(const struct craft_hs *h, const struct pkt *in)
{
    return h->peer_known && in->sport == h->lport && in->dport == h->rport &&
           ipaddr_eq(&in->src, &h->local) && ipaddr_eq(&in->dst, &h->remote);
}

static uint32_t ts_now(const struct craft_hs *h, uint64_t now)
{
    /* RFC 7323 5.4: a clock of about 1 ms per tick. */
    return h->o.ts_val + (uint32_t)((now > h->t0 ? now - h->t0 : 0) / 1000000u);
}

/* craft_frame() writes options from the present bits and values only. */
static void opt_set(struct tcp_opts *t, uint16_t bit)
{
    t->present |= bit;
}

/* Queue one segment from us to the peer (or to dst:dport if given). Every
 * segment except a RST carries TS once both SYNs carried it (RFC 7323 3.2).
 * Returns the queued spec, or NULL if the queue is full (cannot happen: no
 * step queues more than three). */
static struct craft_spec *enqueue_to(struct craft_hs *h, const struct ip_addr *dst,
                                     uint16_t dport, uint16_t flags, uint32_t seq,
                                     uint32_t ack, uint64_t now)
{
    struct craft_spec *s;
    if (h->qlen >= HS_QUEUE)
        return NULL;
    s = &h->q[(h->qhead + h->qlen) % HS_QUEUE];
    h->qlen++;
    memset(s, 0, sizeof(*s));
    s->src = h->local;
    s->dst = *dst;
    s->sport = h->lport;
    s->dport = dport;
    s->flags = flags;
    s->seq = seq;
    s->ack = (flags & TH_ACK) ? ack : 0;
    s->win = (flags & TH_RST) ? 0 : h->o.win;
    s->ttl = h->o.ttl;
    s->dont_fragment = true;
    if (h->ts_ok && !(flags & (TH_RST | TH_SYN))) {
        opt_set(&s->opt, TCPOPT_P_TS);
        s->opt.ts_val = ts_now(h, now);
        s->opt.ts_ecr = h->ts_recent;
    }
    if (flags & TH_ACK)
        h->need_ack = false; /* every ACK-bearing segment carries rcv_nxt */
    return s;
}

static struct craft_spec *enqueue(struct craft_hs *h, uint16_t flags, uint32_t seq,
                                  uint32_t ack, uint64_t now)
{
    return enqueue_to(h, &h->remote, h->rport, flags, seq, ack, now);
}

static void queue_ack(struct craft_hs *h, uint64_t now)
{
    enqueue(h, TH_ACK, h->snd_nxt, h->rcv_nxt, now);
}

/* RFC 9293 3.10.7.3 / 3.10.7.4: an unacceptable ACK in SYN-SENT or
 * SYN-RECEIVED is answered with <SEQ=SEG.ACK><CTL=RST>. */
static void queue_rst_for(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    enqueue_to(h, &in->src, in->sport, TH_RST, in->ack, 0, now);
}

static void arm_rtx(struct craft_hs *h, uint64_t now)
{
    if (h->rtx_at == NEVER)
        h->rtx_at = later(now, h->rto);
}

static void reset_rtx(struct craft_hs *h)
{
    h->rtx_at = NEVER;
    h->rtx_count = 0;
    h->rto = h->o.rto_ns;
}

/* Back off (RFC 6298 5.5) and say whether another try is allowed. */
static bool backoff(struct craft_hs *h, uint64_t now)
{
    if (h->rtx_count >= h->o.max_retries)
        return false;
    h->rtx_count++;
    h->rto = h->rto * 2 > MAX_RTO_NS ? MAX_RTO_NS : h->rto * 2;
    h->rtx_at = later(now, h->rto);
    return true;
}

/* ---- handshake segments ----------------------------------------------- */

/* The client's SYN: options as configured (RFC 9293 3.7.1 MSS, RFC 7323 2.2
 * and 3.2, RFC 2018 2, RFC 7413 4.1), ECE+CWR for ECN (RFC 3168 6.1.1), and
 * data only with a TFO cookie (RFC 7413 4.2.1). */
static void queue_syn(struct craft_hs *h, uint64_t now)
{
    uint16_t flags = TH_SYN | (h->o.ecn ? TH_ECE | TH_CWR : 0);
    struct craft_spec *s = enqueue(h, flags, h->iss, 0, now);
    if (!s)
        return;
    if (h->o.mss) {
        opt_set(&s->opt, TCPOPT_P_MSS);
        s->opt.mss = h->o.mss;
    }
    if (h->o.sackok)
        opt_set(&s->opt, TCPOPT_P_SACK_OK);
    if (h->o.ts_on) {
        opt_set(&s->opt, TCPOPT_P_TS);
        s->opt.ts_val = ts_now(h, now);
        s->opt.ts_ecr = h->o.ts_ecr;
    }
    if (h->o.wscale_on) {
        opt_set(&s->opt, TCPOPT_P_WSCALE);
        s->opt.wscale = h->o.wscale;
    }
    if (h->o.tfo_on) {
        opt_set(&s->opt, TCPOPT_P_TFO);
        s->opt.tfo_len = h->o.tfo_len;
        memcpy(s->opt.tfo_cookie, h->o.tfo_cookie, h->o.tfo_len);
    }
    if (h->syn_data) {
        s->payload = h->o.data;
        s->payload_len = h->o.data_len;
    }
    h->syn_tx++;
}

/* The server's SYN+ACK: an option is echoed only if the SYN carried it
 * (RFC 7323 2.2 and 3.2, RFC 2018 2); MSS is always sent; a TFO cookie
 * answers a cookie request (RFC 7413 4.1.2); ECE answers an ECN-setup SYN
 * (RFC 3168 6.1.1). Data in the SYN is not accepted (no cookie check). */
static void queue_synack(struct craft_hs *h, uint64_t now)
{
    const struct tcp_opts *p = &h->peer_syn_opt;
    bool ecn = h->o.ecn && (h->peer_syn_flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR);
    struct craft_spec *s =
        enqueue(h, TH_SYN | TH_ACK | (ecn ? TH_ECE : 0), h->iss, h->rcv_nxt, now);
    if (!s)
        return;
    if (h->o.mss) {
        opt_set(&s->opt, TCPOPT_P_MSS);
        s->opt.mss = h->o.mss;
    }
    if (h->o.sackok && (p->present & TCPOPT_P_SACK_OK))
        opt_set(&s->opt, TCPOPT_P_SACK_OK);
    if (h->ts_ok) {
        opt_set(&s->opt, TCPOPT_P_TS);
        s->opt.ts_val = ts_now(h, now);
        s->opt.ts_ecr = h->ts_recent;
    }
    if (h->o.wscale_on && (p->present & TCPOPT_P_WSCALE)) {
        opt_set(&s->opt, TCPOPT_P_WSCALE);
        s->opt.wscale = h->o.wscale;
    }
    if (h->o.tfo_on && h->o.tfo_len && (p->present & TCPOPT_P_TFO) && p->tfo_len == 0) {
        opt_set(&s->opt, TCPOPT_P_TFO);
        s->opt.tfo_len = h->o.tfo_len;
        memcpy(s->opt.tfo_cookie, h->o.tfo_cookie, h->o.tfo_len);
    }
    h->syn_tx++;
}

/* ---- synchronized states ---------------------------------------------- */

static uint32_t data_end(const struct craft_hs *h) { return h->data_base + h->o.data_len; }

static bool fin_on_wire(const struct craft_hs *h)
{
    return h->fin_wanted && seq_gt(h->snd_nxt, data_end(h));
}

/* We decide to end the connection (RFC 9293 3.10.4 CLOSE, or ABORT). */
static void initiate_close(struct craft_hs *h, uint64_t now)
{
    switch (h->o.close) {
    case HS_CLOSE_FIN:
        h->fin_wanted = true;
        h->phase_at = NEVER;
        note(h, "closing: FIN sent (FIN_WAIT_1); the peer moves to CLOSE_WAIT");
        break;
    case HS_CLOSE_RST:
        enqueue(h, TH_RST | TH_ACK, h->snd_nxt, h->rcv_nxt, now);
        note(h, "closing with RST: the peer drops the connection at once, no TIME_WAIT");
        finish(h, HS_END_RESET_SENT);
        break;
    case HS_CLOSE_NONE:
        note(h, "stopping with the connection open: the peer stays ESTABLISHED");
        finish(h, HS_END_OPEN);
        break;
    }
}

/* Queue what is due: data, then our FIN, then a bare ACK if one is owed. */
static void sync_output(struct craft_hs *h, uint64_t now)
{
    uint32_t end = data_end(h);
    if (h->phase != PH_SYNC && h->phase != PH_TIME_WAIT)
        return;
    if (h->phase == PH_SYNC && seq_lt(h->snd_nxt, end)) {
        uint32_t off = h->snd_nxt - h->data_base;
        struct craft_spec *s = enqueue(h, TH_PSH | TH_ACK, h->snd_nxt, h->rcv_nxt, now);
        if (s) {
            s->payload = h->o.data + off;
            s->payload_len = end - h->snd_nxt;
            h->snd_nxt = end;
            arm_rtx(h, now);
        }
    }
    if (h->phase == PH_SYNC && h->fin_wanted && h->snd_nxt == end) {
        if (enqueue(h, TH_FIN | TH_ACK, h->snd_nxt, h->rcv_nxt, now)) {
            h->snd_nxt = end + 1u;
            arm_rtx(h, now);
        }
    }
    if (h->need_ack)
        queue_ack(h, now);
}

/* After input or a timer: move between the close states (RFC 9293 3.6). */
static void sync_progress(struct craft_hs *h, uint64_t now)
{
    if (h->phase != PH_SYNC)
        return;
    if (h->fin_acked && h->fin_rcvd) {
        if (h->passive_close) {
            note(h, "our FIN is acknowledged: LAST_ACK -> CLOSED, the connection is closed");
            finish(h, HS_END_CLOSED);
        } else {
            note(h, "both FINs acknowledged: TIME_WAIT (kept briefly to answer a re-sent FIN)");
            h->phase = PH_TIME_WAIT;
            h->phase_at = later(now, h->o.time_wait_ns);
            h->rtx_at = NEVER;
        }
        return;
    }
    if (h->fin_acked && !h->fin_rcvd && h->phase_at == NEVER)
        h->phase_at = later(now, h->o.peer_close_ns); /* FIN_WAIT_2: wait for the peer */
    /* Time to close? (client: linger over; server: idle too long). Data
     * first: close once everything sent was acknowledged. */
    if (!h->fin_wanted && !h->fin_rcvd && now >= h->phase_at) {
        h->close_due = true;
        h->phase_at = NEVER;
        if (h->role == HS_ROLE_SERVER)
            note(h, "the client stayed idle: the crafted server closes");
    }
    if (h->close_due && !h->fin_wanted && !h->fin_rcvd && !seq_lt(h->snd_nxt, data_end(h)) &&
        h->snd_una == h->snd_nxt) {
        h->close_due = false;
        initiate_close(h, now);
    }
}

/* One segment from the peer in a synchronized state (RFC 9293 3.10.7.4). */
static void sync_input(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    uint32_t len = in->payload_len;
    uint32_t rcv_before = h->rcv_nxt;
    bool fin_was_acked = h->fin_acked; /* before this segment's ACK */
    if (h->role == HS_ROLE_SERVER && h->phase == PH_SYNC && !h->fin_wanted && !h->close_due)
        h->phase_at = later(now, h->o.idle_ns); /* activity: restart the idle timer */
    if (in->flags & TH_RST) {
        /* RFC 5961 3.2: reset only at exactly RCV.NXT; in window: challenge ACK. */
        if (h->phase == PH_TIME_WAIT) {
            note(h, "RST in TIME_WAIT: ignored (RFC 1337)");
        } else if (in->seq == h->rcv_nxt) {
            note(h, "acceptable RST from the peer: the connection is reset (RFC 9293 3.10.7.4)");
            finish(h, HS_END_RESET);
        } else if (in->seq - h->rcv_nxt < SEQ_WINDOW) {
            note(h, "RST in the window but not at RCV.NXT: challenge ACK (RFC 5961 3.2)");
            h->need_ack = true;
        } else {
            note(h, "RST outside the window: ignored (RFC 9293 3.10.7.4)");
        }
        return;
    }
    if (in->flags & TH_SYN) {
        if (h->role == HS_ROLE_CLIENT && (in->flags & TH_ACK) && in->seq == h->irs)
            note(h, "SYN+ACK sent again by the server (it did not get our ACK): ACK again");
        else
            note(h, "SYN in a synchronized state: challenge ACK (RFC 5961 4.2)");
        h->need_ack = true;
        return;
    }
    if (!(in->flags & TH_ACK))
        return; /* RFC 9293 3.10.7.4, fifth check: no ACK bit, drop */
    if (seq_gt(in->ack, h->snd_una) && seq_leq(in->ack, h->snd_nxt)) {
        h->snd_una = in->ack;
        reset_rtx(h);
        if (h->snd_una != h->snd_nxt)
            arm_rtx(h, now);
        if (fin_on_wire(h) && h->snd_una == h->snd_nxt && !h->fin_acked) {
            h->fin_acked = true;
            /* A FIN+ACK that acknowledges ours takes FIN_WAIT_1 straight to
             * TIME_WAIT (sync_progress says so): no FIN_WAIT_2 to announce,
             * or this voice would contradict the tracker's (issue 14). */
            if (!h->fin_rcvd && !(in->flags & TH_FIN))
                note(h, "our FIN is acknowledged: FIN_WAIT_2, waiting for the peer's FIN");
        }
    } else if (seq_gt(in->ack, h->snd_nxt)) {
        note(h, "ACK of something not yet sent: ACK and drop (RFC 9293 3.10.7.4)");
        h->need_ack = true;
        return;
    }
    if (len) {
        if (seq_leq(in->seq, h->rcv_nxt) && seq_gt(in->seq + len, h->rcv_nxt)) {
            h->rcv_nxt = in->seq + len;
            note(h, "data from the peer: ACKed");
        } else {
            note(h, "data out of order or already received: duplicate ACK");
        }
        h->need_ack = true;
    }
    /* RFC 7323 4.3: TS.Recent from a segment that covers RCV.NXT. */
    if (h->ts_ok && (in->opt.present & TCPOPT_P_TS) && seq_leq(in->seq, rcv_before))
        h->ts_recent = in->opt.ts_val;
    if (in->flags & TH_FIN) {
        uint32_t fseq = in->seq + len;
        if (!h->fin_rcvd && fseq == h->rcv_nxt) {
            h->rcv_nxt++;
            h->fin_rcvd = true;
            if (!h->fin_wanted) {
                /* Passive close: ACK its FIN, then send ours (CLOSE_WAIT,
                 * LAST_ACK). Two segments, as a kernel whose application
                 * closes after reading EOF sends them. */
                note(h, "FIN from the peer: ACK it (CLOSE_WAIT), then FIN (LAST_ACK)");
                h->passive_close = true;
                queue_ack(h, now);
                h->fin_wanted = true;
                h->phase_at = NEVER;
            } else if (!h->fin_acked) {
                note(h, "FIN from the peer while ours is unacknowledged: ACK (CLOSING)");
                h->need_ack = true;
            } else if (!fin_was_acked) {
                note(h, "FIN+ACK from the peer acknowledges our FIN and closes its side: ACK "
                        "it (FIN_WAIT_1 -> TIME_WAIT)");
                h->need_ack = true;
            } else {
                note(h, "FIN from the peer: ACK it (FIN_WAIT_2 -> TIME_WAIT)");
                h->need_ack = true;
            }
        } else if (h->fin_rcvd && fseq + 1u == h->rcv_nxt) {
            note(h, "the peer sent its FIN again (no ACK reached it): ACK again");
            h->need_ack = true;
        } else {
            h->need_ack = true;
        }
    }
}

/* ---- per-phase input -------------------------------------------------- */

static void client_synack(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    h->irs = in->seq;
    h->rcv_nxt = in->seq + 1u;
    h->snd_una = in->ack;
    h->peer_syn_opt = in->opt;
    h->peer_syn_flags = in->flags;
    h->ts_ok = h->o.ts_on && (in->opt.present & TCPOPT_P_TS);
    if (h->ts_ok)
        h->ts_recent = in->opt.ts_val;
    reset_rtx(h);
    if (h->syn_data && seq_lt(h->snd_una, h->snd_nxt)) {
        note(h, "the SYN+ACK does not cover the data sent in the SYN (TFO): resent after "
                "the handshake");
        h->snd_nxt = h->snd_una;
    }
    if (h->o.hold) {
        note(h, "hold: the SYN+ACK is not ACKed; the server stays in SYN_RECV and re-sends "
                "its SYN+ACK");
        h->phase = PH_HOLD;
        h->phase_at = later(now, h->o.hold_ns);
        return;
    }
    note(h, "the SYN+ACK acknowledges ISN+1: handshake ACK sent, the client is ESTABLISHED");
    h->established = true;
    h->phase = PH_SYNC;
    queue_ack(h, now);
    h->phase_at = later(now, h->o.linger_ns);
}

static void client_input(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    switch (h->phase) {
    case PH_SYN_SENT:
        if (in->flags & TH_RST) {
            /* RFC 9293 3.10.7.3: a RST is acceptable if it ACKs our SYN. */
            if ((in->flags & TH_ACK) && seq_gt(in->ack, h->iss) &&
                seq_leq(in->ack, h->snd_nxt)) {
                note(h, "RST+ACK acknowledges the SYN: nothing listens there (refused)");
                finish(h, HS_END_REFUSED);
            } else {
                note(h, "RST without an acceptable ACK: ignored (RFC 9293 3.10.7.3)");
            }
            return;
        }
        if ((in->flags & TH_ACK) &&
            (seq_leq(in->ack, h->iss) || seq_gt(in->ack, h->snd_nxt))) {
            note(h, "SYN+ACK or ACK with an unacceptable ack: RST <SEQ=SEG.ACK> "
                    "(RFC 9293 3.10.7.3)");
            queue_rst_for(h, in, now);
            return;
        }
        if ((in->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
            client_synack(h, in, now);
            return;
        }
        if (in->flags & TH_SYN)
            note(h, "bare SYN from the peer (simultaneous open): not supported, ignored");
        return;
    case PH_HOLD:
        if (in->flags & TH_RST) {
            note(h, "the server reset the half-open connection");
            finish(h, HS_END_RESET);
        } else if ((in->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
            note(h, "the server re-sent its SYN+ACK (still SYN_RECV): held, not answered");
        }
        return;
    case PH_SYNC:
    case PH_TIME_WAIT:
        sync_input(h, in, now);
        return;
    default:
        return;
    }
}

static bool server_accepts_syn(const struct craft_hs *h, const struct pkt *in)
{
    if (in->dport != h->lport || !ipaddr_eq(&in->dst, &h->local))
        return false;
    if (h->remote.family && !ipaddr_eq(&in->src, &h->remote))
        return false;
    return !h->rport || in->sport == h->rport;
}

/* A bare SYN to our port from someone other than the peer we serve. */
static bool other_client_syn(const struct craft_hs *h, const struct pkt *in)
{
    return in->dport == h->lport && ipaddr_eq(&in->dst, &h->local) &&
           (in->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN && !from_peer(h, in);
}

static void server_listen_input(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    if (!server_accepts_syn(h, in))
        return;
    if (in->flags & TH_RST)
        return; /* RFC 9293 3.10.7.2: a RST to LISTEN is ignored */
    if (in->flags & TH_ACK) {
        note(h, "an ACK to the port in LISTEN: RST <SEQ=SEG.ACK> (RFC 9293 3.10.7.2)");
        queue_rst_for(h, in, now);
        return;
    }
    if (!(in->flags & TH_SYN))
        return;
    h->remote = in->src;
    h->rport = in->sport;
    h->peer_known = true;
    h->irs = in->seq;
    h->rcv_nxt = in->seq + 1u;
    h->peer_syn_opt = in->opt;
    h->peer_syn_flags = in->flags;
    h->ts_ok = h->o.ts_on && (in->opt.present & TCPOPT_P_TS);
    if (h->ts_ok)
        h->ts_recent = in->opt.ts_val;
    h->snd_nxt = h->iss + 1u;
    h->phase = PH_SYN_RCVD;
    h->phase_at = NEVER;
    note(h, "SYN for the crafted port: SYN+ACK sent (ack = client ISN+1), SYN_RECEIVED");
    if (in->payload_len)
        note(h, "the SYN carries data (TFO): not accepted, the client sends it again");
    queue_synack(h, now);
    reset_rtx(h);
    arm_rtx(h, now);
}

static void server_input(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    switch (h->phase) {
    case PH_LISTEN:
        server_listen_input(h, in, now);
        return;
    case PH_SYN_RCVD:
        if (!from_peer(h, in)) {
            if (other_client_syn(h, in))
                note(h, "a SYN from another client: ignored (one connection at a time)");
            return;
        }
        if (in->flags & TH_RST) {
            if (in->seq - h->rcv_nxt < SEQ_WINDOW) {
                note(h, "the client reset the connection during the handshake");
                finish(h, HS_END_RESET);
            }
            return;
        }
        if (in->flags & TH_SYN) {
            if (!(in->flags & TH_ACK) && in->seq == h->irs) {
                note(h, "the client re-sent its SYN: SYN+ACK sent again");
                queue_synack(h, now);
            }
            return;
        }
        if (!(in->flags & TH_ACK))
            return;
        if (!seq_gt(in->ack, h->snd_una) || seq_gt(in->ack, h->snd_nxt)) {
            note(h, "ACK that does not acknowledge our SYN+ACK: RST <SEQ=SEG.ACK> "
                    "(RFC 9293 3.10.7.4)");
            queue_rst_for(h, in, now);
            return;
        }
        note(h, "the ACK of our SYN+ACK arrived: both sides ESTABLISHED (the client's "
                "connect() has returned)");
        h->established = true;
        h->phase = PH_SYNC;
        h->snd_una = h->iss + 1u;
        reset_rtx(h);
        h->phase_at = later(now, h->o.idle_ns);
        sync_input(h, in, now); /* the same segment may carry data or a FIN */
        return;
    case PH_SYNC:
    case PH_TIME_WAIT:
        if (from_peer(h, in))
            sync_input(h, in, now);
        else if (other_client_syn(h, in))
            note(h, "a SYN from another client: ignored (one connection at a time)");
        return;
    default:
        return;
    }
}

/* ---- timers ----------------------------------------------------------- */

static void run_timers(struct craft_hs *h, uint64_t now)
{
    bool rtx_due = now >= h->rtx_at;
    bool phase_due = now >= h->phase_at;
    switch (h->phase) {
    case PH_SYN_SENT:
        if (!rtx_due)
            return;
        if (!backoff(h, now)) {
            note(h, "no answer to the SYN after every retransmission: giving up");
            finish(h, HS_END_UNANSWERED);
            return;
        }
        note(h, "no SYN+ACK yet: SYN retransmitted, timeout doubled (RFC 6298 5.5)");
        queue_syn(h, now);
        return;
    case PH_HOLD:
        if (!phase_due)
            return;
        if (h->o.close == HS_CLOSE_RST) {
            note(h, "hold over: RST sent, the server drops its half-open connection");
            enqueue(h, TH_RST, h->snd_nxt, 0, now);
        } else {
            note(h, "hold over, no RST: the server keeps its half-open connection until a "
                    "re-sent SYN+ACK is answered or its retries run out");
        }
        finish(h, HS_END_HELD);
        return;
    case PH_LISTEN:
        if (phase_due) {
            note(h, "no SYN arrived in time");
            finish(h, HS_END_NO_CLIENT);
        }
        return;
    case PH_SYN_RCVD:
        if (!rtx_due)
            return;
        if (!backoff(h, now)) {
            note(h, "our SYN+ACK was never ACKed: giving up (half-open)");
            finish(h, HS_END_HALF_OPEN);
            return;
        }
        note(h, "no ACK yet: SYN+ACK retransmitted, timeout doubled");
        queue_synack(h, now);
        return;
    case PH_SYNC:
        if (rtx_due) {
            if (!backoff(h, now)) {
                note(h, "our data or FIN was never ACKed: RST sent, giving up");
                enqueue(h, TH_RST | TH_ACK, h->snd_una, h->rcv_nxt, now);
                finish(h, HS_END_TIMEOUT);
                return;
            }
            note(h, "no ACK yet: retransmitting from SND.UNA, timeout doubled");
            h->snd_nxt = h->snd_una; /* go back: sync_output() resends data and FIN */
        }
        if (phase_due && h->fin_acked && !h->fin_rcvd) {
            note(h, "the peer never sent its FIN: RST sent");
            enqueue(h, TH_RST | TH_ACK, h->snd_nxt, h->rcv_nxt, now);
            finish(h, HS_END_PEER_OPEN);
        }
        return; /* the close timer is handled by sync_progress() */
    case PH_TIME_WAIT:
        if (phase_due) {
            note(h, "TIME_WAIT over: closed");
            finish(h, HS_END_CLOSED);
        }
        return;
    default:
        return;
    }
}

/* ---- own segments ----------------------------------------------------- */

static void log_sent(struct craft_hs *h, const struct craft_spec *s)
{
    unsigned i = h->nsent % HS_SENT_LOG;
    h->sent[i].seq = s->seq;
    h->sent[i].ack = s->ack;
    h->sent[i].flags = s->flags;
    h->nsent++;
}

static bool we_sent(const struct craft_hs *h, const struct pkt *in)
{
    unsigned i, n = h->nsent < HS_SENT_LOG ? h->nsent : HS_SENT_LOG;
    for (i = 0; i < n; i++)
        if (h->sent[i].seq == in->seq && h->sent[i].flags == in->flags &&
            h->sent[i].ack == ((in->flags & TH_ACK) ? in->ack : 0))
            return true;
    return false;
}

/* The capture shows what we send; anything else from our address and port
 * came from this host's kernel. */
static void own_segment(struct craft_hs *h, const struct pkt *in)
{
    if (we_sent(h, in))
        return;
    if (in->flags & TH_RST) {
        h->kernel_rst = true;
        note(h, "a RST left our side that the crafter did not send: this host's kernel has "
                "no socket for the 4-tuple and answered (RFC 9293 3.10.7.1)");
    } else {
        note(h, "a segment left our side that the crafter did not send (a kernel socket "
                "on the same port?)");
    }
}

/* ---- the step --------------------------------------------------------- */

static enum hs_action end_action(const struct craft_hs *h)
{
    return hs_end_ok(h->end) ? HS_ACT_DONE : HS_ACT_FAILED;
}

static enum hs_action pop(struct craft_hs *h, struct craft_spec *out)
{
    if (h->qlen) {
        *out = h->q[h->qhead];
        h->qhead = (uint8_t)((h->qhead + 1) % HS_QUEUE);
        h->qlen--;
        log_sent(h, out);
        return HS_ACT_SEND;
    }
    return h->phase == PH_END ? end_action(h) : HS_ACT_WAIT;
}

static void start(struct craft_hs *h, uint64_t now)
{
    h->started = true;
    h->t0 = now;
    if (h->role == HS_ROLE_CLIENT) {
        if (h->o.tfo_on && h->o.tfo_len && h->o.data_len)
            h->syn_data = true; /* RFC 7413 4.2.1: data in the SYN with a cookie */
        h->snd_una = h->iss;
        h->snd_nxt = h->iss + 1u + (h->syn_data ? h->o.data_len : 0u);
        h->phase = PH_SYN_SENT;
        note(h, "SYN sent from a raw socket: no kernel socket owns this 4-tuple");
        queue_syn(h, now);
        arm_rtx(h, now);
    } else {
        h->phase = PH_LISTEN;
        h->phase_at = later(now, h->o.listen_ns);
    }
}

static enum hs_action step(struct craft_hs *h, enum hs_role role, const struct pkt *in,
                           uint64_t now, struct craft_spec *out)
{
    memset(out, 0, sizeof(*out));
    if (h->role != role)
        return HS_ACT_FAILED;
    if (!h->started)
        start(h, now);
    if (in && h->phase != PH_END) {
        if (from_us(h, in))
            own_segment(h, in);
        else if (role == HS_ROLE_CLIENT ? from_peer(h, in) : true)
            (role == HS_ROLE_CLIENT ? client_input : server_input)(h, in, now);
    }
    if (h->phase != PH_END)
        run_timers(h, now);
    sync_progress(h, now);
    if (h->phase != PH_END)
        sync_output(h, now);
    return pop(h, out);
}

enum hs_action hs_client_next(struct craft_hs *h, const struct pkt *in, uint64_t now_ns,
                              struct craft_spec *out)
{
    return step(h, HS_ROLE_CLIENT, in, now_ns, out);
}

enum hs_action hs_server_next(struct craft_hs *h, const struct pkt *in, uint64_t now_ns,
                              struct craft_spec *out)
{
    return step(h, HS_ROLE_SERVER, in, now_ns, out);
}

enum hs_action hs_next(struct craft_hs *h, const struct pkt *in, uint64_t now_ns,
                       struct craft_spec *out)
{
    return step(h, h->role, in, now_ns, out);
}

enum hs_action hs_abort(struct craft_hs *h, uint64_t now_ns, struct craft_spec *out)
{
    memset(out, 0, sizeof(*out));
    if (h->phase != PH_END) {
        switch (h->phase) {
        case PH_HOLD:
            enqueue(h, TH_RST, h->snd_nxt, 0, now_ns);
            break;
        case PH_SYN_RCVD:
        case PH_SYNC:
            enqueue(h, TH_RST | TH_ACK, h->snd_nxt, h->rcv_nxt, now_ns);
            break;
        default:
            break; /* nothing on the peer to clean up (or TIME_WAIT: done) */
        }
        note(h, "stopped early: RST sent if the peer holds state for the connection");
        finish(h, h->phase == PH_TIME_WAIT ? HS_END_CLOSED : HS_END_ABORTED);
    }
    return pop(h, out);
}

uint64_t hs_deadline(const struct craft_hs *h)
{
    if (h->phase == PH_END)
        return NEVER;
    return h->rtx_at < h->phase_at ? h->rtx_at : h->phase_at;
}

enum hs_end hs_end(const struct craft_hs *h) { return h->end; }
bool hs_established(const struct craft_hs *h) { return h->established; }
bool hs_kernel_rst(const struct craft_hs *h) { return h->kernel_rst; }

bool hs_peer(const struct craft_hs *h, struct ip_addr *addr, uint16_t *port)
{
    if (!h->peer_known)
        return false;
    if (addr)
        *addr = h->remote;
    if (port)
        *port = h->rport;
    return true;
}

const char *hs_state_name(const struct craft_hs *h)
{
    switch (h->phase) {
    case PH_INIT:
    case PH_END:
        return "CLOSED";
    case PH_LISTEN:
        return "LISTEN";
    case PH_SYN_SENT:
    case PH_HOLD:
        return "SYN_SENT";
    case PH_SYN_RCVD:
        return "SYN_RECV";
    case PH_TIME_WAIT:
        return "TIME_WAIT";
    default:
        break;
    }
    if (!h->fin_wanted)
        return h->fin_rcvd ? "CLOSE_WAIT" : "ESTABLISHED";
    if (h->passive_close)
        return "LAST_ACK";
    if (!h->fin_rcvd)
        return h->fin_acked ? "FIN_WAIT_2" : "FIN_WAIT_1";
    return "CLOSING";
}
