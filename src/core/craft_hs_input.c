/* craft_hs_input.c: what the handshake machine of craft_hs.c does with a
 * segment from the peer, phase by phase: the client's SYN_SENT and hold, the
 * server's LISTEN and SYN_RCVD, and the synchronized states with their
 * close (RFC 9293 3.5, 3.6, 3.10.7; RFC 5961 3.2 for RSTs and challenge
 * ACKs). Pure. */
#include "craft_hs_int.h"

#include <string.h>

#include "seq.h"
#include "tcp_wire.h"

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
        hs__note(h, "closing: FIN sent (FIN_WAIT_1); the peer moves to CLOSE_WAIT");
        break;
    case HS_CLOSE_RST:
        hs__enqueue(h, TH_RST | TH_ACK, h->snd_nxt, h->rcv_nxt, now);
        hs__note(h, "closing with RST: the peer drops the connection at once, no TIME_WAIT");
        hs__finish(h, HS_END_RESET_SENT);
        break;
    case HS_CLOSE_NONE:
        hs__note(h, "stopping with the connection open: the peer stays ESTABLISHED");
        hs__finish(h, HS_END_OPEN);
        break;
    }
}

/* Queue what is due: data, then our FIN, then a bare ACK if one is owed. */
void hs__sync_output(struct craft_hs *h, uint64_t now)
{
    uint32_t end = data_end(h);
    if (h->phase != PH_SYNC && h->phase != PH_TIME_WAIT)
        return;
    if (h->phase == PH_SYNC && seq_lt(h->snd_nxt, end)) {
        uint32_t off = h->snd_nxt - h->data_base;
        struct craft_spec *s = hs__enqueue(h, TH_PSH | TH_ACK, h->snd_nxt, h->rcv_nxt, now);
        if (s) {
            s->payload = h->o.data + off;
            s->payload_len = end - h->snd_nxt;
            h->snd_nxt = end;
            hs__arm_rtx(h, now);
        }
    }
    if (h->phase == PH_SYNC && h->fin_wanted && h->snd_nxt == end) {
        if (hs__enqueue(h, TH_FIN | TH_ACK, h->snd_nxt, h->rcv_nxt, now)) {
            h->snd_nxt = end + 1u;
            hs__arm_rtx(h, now);
        }
    }
    if (h->need_ack)
        hs__queue_ack(h, now);
}

/* After input or a timer: move between the close states (RFC 9293 3.6). */
void hs__sync_progress(struct craft_hs *h, uint64_t now)
{
    if (h->phase != PH_SYNC)
        return;
    if (h->fin_acked && h->fin_rcvd) {
        if (h->passive_close) {
            hs__note(h, "our FIN is acknowledged: LAST_ACK -> CLOSED, the connection is closed");
            hs__finish(h, HS_END_CLOSED);
        } else {
            hs__note(h, "both FINs acknowledged: TIME_WAIT (kept briefly to answer a re-sent FIN)");
            h->phase = PH_TIME_WAIT;
            h->phase_at = hs__later(now, h->o.time_wait_ns);
            h->rtx_at = NEVER;
        }
        return;
    }
    if (h->fin_acked && !h->fin_rcvd && h->phase_at == NEVER)
        h->phase_at = hs__later(now, h->o.peer_close_ns); /* FIN_WAIT_2: wait for the peer */
    /* Time to close? (client: linger over; server: idle too long). Data
     * first: close once everything sent was acknowledged. */
    if (!h->fin_wanted && !h->fin_rcvd && now >= h->phase_at) {
        h->close_due = true;
        h->phase_at = NEVER;
        if (h->role == HS_ROLE_SERVER)
            hs__note(h, "the client stayed idle: the crafted server closes");
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
        h->phase_at = hs__later(now, h->o.idle_ns); /* activity: restart the idle timer */
    if (in->flags & TH_RST) {
        /* RFC 5961 3.2: reset only at exactly RCV.NXT; in window: challenge ACK. */
        if (h->phase == PH_TIME_WAIT) {
            hs__note(h, "RST in TIME_WAIT: ignored (RFC 1337)");
        } else if (in->seq == h->rcv_nxt) {
            hs__note(h, "acceptable RST from the peer: the connection is reset (RFC 9293 3.10.7.4)");
            hs__finish(h, HS_END_RESET);
        } else if (in->seq - h->rcv_nxt < SEQ_WINDOW) {
            hs__note(h, "RST in the window but not at RCV.NXT: challenge ACK (RFC 5961 3.2)");
            h->need_ack = true;
        } else {
            hs__note(h, "RST outside the window: ignored (RFC 9293 3.10.7.4)");
        }
        return;
    }
    if (in->flags & TH_SYN) {
        if (h->role == HS_ROLE_CLIENT && (in->flags & TH_ACK) && in->seq == h->irs)
            hs__note(h, "SYN+ACK sent again by the server (it did not get our ACK): ACK again");
        else
            hs__note(h, "SYN in a synchronized state: challenge ACK (RFC 5961 4.2)");
        h->need_ack = true;
        return;
    }
    if (!(in->flags & TH_ACK))
        return; /* RFC 9293 3.10.7.4, fifth check: no ACK bit, drop */
    if (seq_gt(in->ack, h->snd_una) && seq_leq(in->ack, h->snd_nxt)) {
        h->snd_una = in->ack;
        hs__reset_rtx(h);
        if (h->snd_una != h->snd_nxt)
            hs__arm_rtx(h, now);
        if (fin_on_wire(h) && h->snd_una == h->snd_nxt && !h->fin_acked) {
            h->fin_acked = true;
            /* A FIN+ACK that acknowledges ours takes FIN_WAIT_1 straight to
             * TIME_WAIT (sync_progress says so): no FIN_WAIT_2 to announce,
             * or this voice would contradict the tracker's (issue 14). */
            if (!h->fin_rcvd && !(in->flags & TH_FIN))
                hs__note(h, "our FIN is acknowledged: FIN_WAIT_2, waiting for the peer's FIN");
        }
    } else if (seq_gt(in->ack, h->snd_nxt)) {
        hs__note(h, "ACK of something not yet sent: ACK and drop (RFC 9293 3.10.7.4)");
        h->need_ack = true;
        return;
    }
    if (len) {
        if (seq_leq(in->seq, h->rcv_nxt) && seq_gt(in->seq + len, h->rcv_nxt)) {
            h->rcv_nxt = in->seq + len;
            hs__note(h, "data from the peer: ACKed");
        } else {
            hs__note(h, "data out of order or already received: duplicate ACK");
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
                hs__note(h, "FIN from the peer: ACK it (CLOSE_WAIT), then FIN (LAST_ACK)");
                h->passive_close = true;
                hs__queue_ack(h, now);
                h->fin_wanted = true;
                h->phase_at = NEVER;
            } else if (!h->fin_acked) {
                hs__note(h, "FIN from the peer while ours is unacknowledged: ACK (CLOSING)");
                h->need_ack = true;
            } else if (!fin_was_acked) {
                hs__note(h, "FIN+ACK from the peer acknowledges our FIN and closes its side: ACK "
                        "it (FIN_WAIT_1 -> TIME_WAIT)");
                h->need_ack = true;
            } else {
                hs__note(h, "FIN from the peer: ACK it (FIN_WAIT_2 -> TIME_WAIT)");
                h->need_ack = true;
            }
        } else if (h->fin_rcvd && fseq + 1u == h->rcv_nxt) {
            hs__note(h, "the peer sent its FIN again (no ACK reached it): ACK again");
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
    hs__reset_rtx(h);
    if (h->syn_data && seq_lt(h->snd_una, h->snd_nxt)) {
        hs__note(h, "the SYN+ACK does not cover the data sent in the SYN (TFO): resent after "
                "the handshake");
        h->snd_nxt = h->snd_una;
    }
    if (h->o.hold) {
        hs__note(h, "hold: the SYN+ACK is not ACKed; the server stays in SYN_RECV and re-sends "
                "its SYN+ACK");
        h->phase = PH_HOLD;
        h->phase_at = hs__later(now, h->o.hold_ns);
        return;
    }
    hs__note(h, "the SYN+ACK acknowledges ISN+1: handshake ACK sent, the client is ESTABLISHED");
    h->established = true;
    h->phase = PH_SYNC;
    hs__queue_ack(h, now);
    h->phase_at = hs__later(now, h->o.linger_ns);
}

void hs__client_input(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    switch (h->phase) {
    case PH_SYN_SENT:
        if (in->flags & TH_RST) {
            /* RFC 9293 3.10.7.3: a RST is acceptable if it ACKs our SYN. */
            if ((in->flags & TH_ACK) && seq_gt(in->ack, h->iss) &&
                seq_leq(in->ack, h->snd_nxt)) {
                hs__note(h, "RST+ACK acknowledges the SYN: nothing listens there (refused)");
                hs__finish(h, HS_END_REFUSED);
            } else {
                hs__note(h, "RST without an acceptable ACK: ignored (RFC 9293 3.10.7.3)");
            }
            return;
        }
        if ((in->flags & TH_ACK) &&
            (seq_leq(in->ack, h->iss) || seq_gt(in->ack, h->snd_nxt))) {
            hs__note(h, "SYN+ACK or ACK with an unacceptable ack: RST <SEQ=SEG.ACK> "
                    "(RFC 9293 3.10.7.3)");
            hs__queue_rst_for(h, in, now);
            return;
        }
        if ((in->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
            client_synack(h, in, now);
            return;
        }
        if (in->flags & TH_SYN)
            hs__note(h, "bare SYN from the peer (simultaneous open): not supported, ignored");
        return;
    case PH_HOLD:
        if (in->flags & TH_RST) {
            hs__note(h, "the server reset the half-open connection");
            hs__finish(h, HS_END_RESET);
        } else if ((in->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
            hs__note(h, "the server re-sent its SYN+ACK (still SYN_RECV): held, not answered");
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
           (in->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN && !hs__from_peer(h, in);
}

static void server_listen_input(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    if (!server_accepts_syn(h, in))
        return;
    if (in->flags & TH_RST)
        return; /* RFC 9293 3.10.7.2: a RST to LISTEN is ignored */
    if (in->flags & TH_ACK) {
        hs__note(h, "an ACK to the port in LISTEN: RST <SEQ=SEG.ACK> (RFC 9293 3.10.7.2)");
        hs__queue_rst_for(h, in, now);
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
    hs__note(h, "SYN for the crafted port: SYN+ACK sent (ack = client ISN+1), SYN_RECEIVED");
    if (in->payload_len)
        hs__note(h, "the SYN carries data (TFO): not accepted, the client sends it again");
    hs__queue_synack(h, now);
    hs__reset_rtx(h);
    hs__arm_rtx(h, now);
}

void hs__server_input(struct craft_hs *h, const struct pkt *in, uint64_t now)
{
    switch (h->phase) {
    case PH_LISTEN:
        server_listen_input(h, in, now);
        return;
    case PH_SYN_RCVD:
        if (!hs__from_peer(h, in)) {
            if (other_client_syn(h, in))
                hs__note(h, "a SYN from another client: ignored (one connection at a time)");
            return;
        }
        if (in->flags & TH_RST) {
            if (in->seq - h->rcv_nxt < SEQ_WINDOW) {
                hs__note(h, "the client reset the connection during the handshake");
                hs__finish(h, HS_END_RESET);
            }
            return;
        }
        if (in->flags & TH_SYN) {
            if (!(in->flags & TH_ACK) && in->seq == h->irs) {
                hs__note(h, "the client re-sent its SYN: SYN+ACK sent again");
                hs__queue_synack(h, now);
            }
            return;
        }
        if (!(in->flags & TH_ACK))
            return;
        if (!seq_gt(in->ack, h->snd_una) || seq_gt(in->ack, h->snd_nxt)) {
            hs__note(h, "ACK that does not acknowledge our SYN+ACK: RST <SEQ=SEG.ACK> "
                    "(RFC 9293 3.10.7.4)");
            hs__queue_rst_for(h, in, now);
            return;
        }
        hs__note(h, "the ACK of our SYN+ACK arrived: both sides ESTABLISHED (the client's "
                "connect() has returned)");
        h->established = true;
        h->phase = PH_SYNC;
        h->snd_una = h->iss + 1u;
        hs__reset_rtx(h);
        h->phase_at = hs__later(now, h->o.idle_ns);
        sync_input(h, in, now); /* the same segment may carry data or a FIN */
        return;
    case PH_SYNC:
    case PH_TIME_WAIT:
        if (hs__from_peer(h, in))
            sync_input(h, in, now);
        else if (other_client_syn(h, in))
            hs__note(h, "a SYN from another client: ignored (one connection at a time)");
        return;
    default:
        return;
    }
}
