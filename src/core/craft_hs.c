/* craft_hs.c: hand-driven TCP handshake and close for `craft handshake`
 * (client) and `craft listen` (server), as pure state machines (RFC 9293
 * 3.5, 3.6, 3.10; RFC 5961 challenge ACKs; RFC 7323 timestamps): set-up,
 * the segments we build, timers and the step; the input of each phase is in
 * craft_hs_input.c. */
#include "craft_hs.h"
#include "craft_hs_int.h"

#include <string.h>

#include "decode.h"
#include "seq.h"
#include "tcp_wire.h"


/* now + d, saturating below NEVER. */
uint64_t hs__later(uint64_t now, uint64_t d)
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

void hs__note(struct craft_hs *h, const char *s)
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

void hs__finish(struct craft_hs *h, enum hs_end e)
{
    if (h->phase == PH_END)
        return;
    h->phase = PH_END;
    h->end = e;
    h->rtx_at = NEVER;
    h->phase_at = NEVER;
}

/* in: src -> dst matches peer -> us. */
bool hs__from_peer(const struct craft_hs *h, const struct pkt *in)
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

struct craft_spec *hs__enqueue(struct craft_hs *h, uint16_t flags, uint32_t seq, uint32_t ack,
                               uint64_t now)
{
    return enqueue_to(h, &h->remote, h->rport, flags, seq, ack, now);
}

void hs__queue_ack(struct craft_hs *h, uint64_t now)
{
    hs__enqueue(h, TH_ACK, h->snd_nxt, h->rcv_nxt, now);
}

/* RFC 9293 3.10.7.3 / 3.10.7.4: an unacceptable ACK in SYN-SENT or
 * SYN-RECEIVED is answered with <SEQ=SEG.ACK><CTL=RST>. */
void hs__queue_rst_for(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    enqueue_to(h, &in->src, in->sport, TH_RST, in->ack, 0, now);
}

void hs__arm_rtx(struct craft_hs *h, uint64_t now)
{
    if (h->rtx_at == NEVER)
        h->rtx_at = hs__later(now, h->rto);
}

void hs__reset_rtx(struct craft_hs *h)
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
    h->rtx_at = hs__later(now, h->rto);
    return true;
}

/* ---- handshake segments ----------------------------------------------- */

/* The client's SYN: options as configured (RFC 9293 3.7.1 MSS, RFC 7323 2.2
 * and 3.2, RFC 2018 2, RFC 7413 4.1), ECE+CWR for ECN (RFC 3168 6.1.1), and
 * data only with a TFO cookie (RFC 7413 4.2.1). */
static void queue_syn(struct craft_hs *h, uint64_t now)
{
    uint16_t flags = TH_SYN | (h->o.ecn ? TH_ECE | TH_CWR : 0);
    struct craft_spec *s = hs__enqueue(h, flags, h->iss, 0, now);
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
void hs__queue_synack(struct craft_hs *h, uint64_t now)
{
    const struct tcp_opts *p = &h->peer_syn_opt;
    bool ecn = h->o.ecn && (h->peer_syn_flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR);
    struct craft_spec *s =
        hs__enqueue(h, TH_SYN | TH_ACK | (ecn ? TH_ECE : 0), h->iss, h->rcv_nxt, now);
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
            hs__note(h, "no answer to the SYN after every retransmission: giving up");
            hs__finish(h, HS_END_UNANSWERED);
            return;
        }
        hs__note(h, "no SYN+ACK yet: SYN retransmitted, timeout doubled (RFC 6298 5.5)");
        queue_syn(h, now);
        return;
    case PH_HOLD:
        if (!phase_due)
            return;
        if (h->o.close == HS_CLOSE_RST) {
            hs__note(h, "hold over: RST sent, the server drops its half-open connection");
            hs__enqueue(h, TH_RST, h->snd_nxt, 0, now);
        } else {
            hs__note(h, "hold over, no RST: the server keeps its half-open connection until a "
                    "re-sent SYN+ACK is answered or its retries run out");
        }
        hs__finish(h, HS_END_HELD);
        return;
    case PH_LISTEN:
        if (phase_due) {
            hs__note(h, "no SYN arrived in time");
            hs__finish(h, HS_END_NO_CLIENT);
        }
        return;
    case PH_SYN_RCVD:
        if (!rtx_due)
            return;
        if (!backoff(h, now)) {
            hs__note(h, "our SYN+ACK was never ACKed: giving up (half-open)");
            hs__finish(h, HS_END_HALF_OPEN);
            return;
        }
        hs__note(h, "no ACK yet: SYN+ACK retransmitted, timeout doubled");
        hs__queue_synack(h, now);
        return;
    case PH_SYNC:
        if (rtx_due) {
            if (!backoff(h, now)) {
                hs__note(h, "our data or FIN was never ACKed: RST sent, giving up");
                hs__enqueue(h, TH_RST | TH_ACK, h->snd_una, h->rcv_nxt, now);
                hs__finish(h, HS_END_TIMEOUT);
                return;
            }
            hs__note(h, "no ACK yet: retransmitting from SND.UNA, timeout doubled");
            h->snd_nxt = h->snd_una; /* go back: hs__sync_output() resends data and FIN */
        }
        if (phase_due && h->fin_acked && !h->fin_rcvd) {
            hs__note(h, "the peer never sent its FIN: RST sent");
            hs__enqueue(h, TH_RST | TH_ACK, h->snd_nxt, h->rcv_nxt, now);
            hs__finish(h, HS_END_PEER_OPEN);
        }
        return; /* the close timer is handled by hs__sync_progress() */
    case PH_TIME_WAIT:
        if (phase_due) {
            hs__note(h, "TIME_WAIT over: closed");
            hs__finish(h, HS_END_CLOSED);
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
        hs__note(h, "a RST left our side that the crafter did not send: this host's kernel has "
                "no socket for the 4-tuple and answered (RFC 9293 3.10.7.1)");
    } else {
        hs__note(h, "a segment left our side that the crafter did not send (a kernel socket "
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
        hs__note(h, "SYN sent from a raw socket: no kernel socket owns this 4-tuple");
        queue_syn(h, now);
        hs__arm_rtx(h, now);
    } else {
        h->phase = PH_LISTEN;
        h->phase_at = hs__later(now, h->o.listen_ns);
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
        else if (role == HS_ROLE_CLIENT ? hs__from_peer(h, in) : true)
            (role == HS_ROLE_CLIENT ? hs__client_input : hs__server_input)(h, in, now);
    }
    if (h->phase != PH_END)
        run_timers(h, now);
    hs__sync_progress(h, now);
    if (h->phase != PH_END)
        hs__sync_output(h, now);
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
            hs__enqueue(h, TH_RST, h->snd_nxt, 0, now_ns);
            break;
        case PH_SYN_RCVD:
        case PH_SYNC:
            hs__enqueue(h, TH_RST | TH_ACK, h->snd_nxt, h->rcv_nxt, now_ns);
            break;
        default:
            break; /* nothing on the peer to clean up (or TIME_WAIT: done) */
        }
        hs__note(h, "stopped early: RST sent if the peer holds state for the connection");
        hs__finish(h, h->phase == PH_TIME_WAIT ? HS_END_CLOSED : HS_END_ABORTED);
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

