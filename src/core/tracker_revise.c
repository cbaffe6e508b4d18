/* tracker_revise.c: verdicts that later segments complete or revise
 * (docs/STATES.md "Verdicts later segments revise", issues 15 and 21):
 * - a handshake whose final ACK was not captured, proved by an
 *   acknowledgment of what could only be sent after it (filtered and
 *   one-sided captures);
 * - a RST its receiver had reason to drop (a wrong timestamp echo, a
 *   timestamp never negotiated, a TCP-MD5 or TCP-AO option that does not
 *   match the connection's), revised away when the connection visibly goes
 *   on: anomaly ignored-rst;
 * - the close of a socket connected to itself: one TCB sees its own FIN.
 * Pure, like tracker.c: packet time is the only clock. */
#include "tracker_int.h"

#include "tcpopt.h"

/* ---- handshakes proved by a later acknowledgment ------------------------ */

/* A capture that kept only SYN, FIN and RST segments (tcpdump
 * 'tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0', how handshakes are
 * watched on a busy link) never shows the final ACK, and neither does a
 * capture of the server's direction alone. A segment that acknowledges more
 * than the other side was seen sending after its SYN proves the handshake
 * completed: the server acknowledging client bytes beyond ISN+1, or the
 * client acknowledging the server's data or FIN. RFC 9293 3.10.7.4: a
 * SYN-RECEIVED endpoint only accepts data once an acceptable ACK moved it to
 * ESTABLISHED. The server's state is then inferred (presumed); with the
 * client's SYN captured the outcome is complete, marked inferred. A capture
 * that starts at the SYN+ACK (the client's ISN implied by its ack) stays
 * mid-stream, but its server no longer waits in SYN_RECV (issue 21 #3). A
 * FIN from the server alone proves nothing: SYN-RECEIVED may close with a
 * FIN (RFC 9293 3.10.4). */
void trk__infer_handshake(struct conn *c, int s, const struct pkt *p, struct trk_verdict *v)
{
    struct endpoint *Y = &c->ep[!s], *srv = &c->ep[TRK_SERVER];
    /* Server-only capture: nothing from the client, its ISN from the SYN+ACK. */
    bool implied = !c->client_syn_seen && s == TRK_SERVER && !Y->sent_any;
    if (c->outcome != HS_PENDING || !c->synack_seen || c->simultaneous || !Y->isn_known ||
        !(Y->sent_any || implied) || !seq_gt(p->ack, Y->snd_nxt) ||
        seq_gt(p->ack, Y->snd_nxt + TRK_SEQ_SLACK)) /* a wild ack proves nothing */
        return;
    if (srv->state != TS_SYN_RECV || c->ep[TRK_CLIENT].state != TS_ESTABLISHED)
        return;
    trk__change(v, c, TRK_SERVER, TS_ESTABLISHED, true);
    if (c->client_syn_seen)
        c->hs_inferred = true; /* conn.handshake_inferred qualifies a complete outcome */
    v->notes |= TRK_NOTE_HANDSHAKE_INFERRED;
    trk__check_complete(c, v);
}

/* ---- RSTs the receiver ignored ------------------------------------------ */

#define PREV_PRESUMED 0x80u
#define PREV_STATE 0x7fu

/* Options of an endpoint are known once its SYN or SYN+ACK was captured. */
static bool opts_known(const struct endpoint *e) { return e->syn_tx > 0; }

bool trk__rst_doubtful(const struct conn *c, int s, const struct pkt *p)
{
    const struct endpoint *X = &c->ep[s], *Y = &c->ep[!s];
    const struct tcp_opts *o = &p->opt;
    bool xk = opts_known(X), yk = opts_known(Y);
    bool ts = o->present & TCPOPT_P_TS;
    /* RFC 7323 3.2 and Linux's tcp_rcv_synsent_state_process(): in SYN-SENT
     * a segment with an ACK whose TSecr is not one of the TSvals the SYNs
     * carried is dropped before its RST bit is looked at. */
    if (Y->state == TS_SYN_SENT && s == TRK_SERVER && Y->sent_syn &&
        (Y->opts.present & TCPOPT_P_TS) && ts && (p->flags & TH_ACK) && o->ts_ecr != 0 &&
        !(seq_geq(o->ts_ecr, c->syn_tsval_first) && seq_leq(o->ts_ecr, c->syn_tsval_last)))
        return true;
    /* A timestamp on a connection whose SYN or SYN+ACK offered none: not
     * from the stack that negotiated the connection (RFC 7323 3.2). */
    if (ts && ((xk && !(X->opts.present & TCPOPT_P_TS)) || (yk && !(Y->opts.present & TCPOPT_P_TS))))
        return true;
    if (xk || yk) {
        /* RFC 2385 2.0 and RFC 5925 7.3: once MD5 or AO protects a
         * connection every segment carries it, and a receiver without the
         * key drops a segment that does. */
        bool md5 = (xk && (X->opts.present & TCPOPT_P_MD5)) || (yk && (Y->opts.present & TCPOPT_P_MD5));
        bool ao = (xk && X->ao) || (yk && Y->ao);
        if (md5 != ((o->present & TCPOPT_P_MD5) != 0) || ao != trk__opt_ao(o))
            return true;
    }
    return false;
}

void trk__rst_hold(struct conn *c, int s)
{
    int i;
    for (i = 0; i < 2; i++)
        c->rst_prev[i] = (uint8_t)(c->ep[i].state | (c->ep[i].presumed ? PREV_PRESUMED : 0u));
    c->rst_prev[2] = c->outcome;
    c->rst_prev[3] = HS_PENDING;
    c->pending |= TRK_P_RST_HELD;
    if (s == TRK_SERVER)
        c->pending |= TRK_P_RST_FROM_SERVER;
    else
        c->pending &= (uint8_t)~TRK_P_RST_FROM_SERVER;
}

/* Does a segment from side z fit the connection as it was before the held
 * RST? Only what a TCB that never took the RST would send: its SYN again,
 * the SYN+ACK answering a SYN_SENT peer, or a segment with an ACK whose
 * sequence number lies in z's space and whose ack in the peer's. */
static bool fits(const struct conn *c, int z, const struct pkt *p)
{
    const struct endpoint *Z = &c->ep[z], *W = &c->ep[!z];
    uint8_t zst = c->rst_prev[z] & PREV_STATE, wst = c->rst_prev[!z] & PREV_STATE;
    bool syn = p->flags & TH_SYN, ack = p->flags & TH_ACK;
    if (p->flags & TH_RST)
        return false;
    if (syn && !ack)
        return zst == TS_SYN_SENT && Z->sent_syn && p->seq == Z->isn;
    if (!ack)
        return false;
    if (syn)
        return wst == TS_SYN_SENT && trk__acks_syn(W, p->ack) &&
               (!Z->sent_synack || p->seq == Z->isn);
    if (!(trk__synchronized(zst) || zst == TS_SYN_RECV || zst == TS_SYN_SENT))
        return false;
    if (Z->isn_known && !(seq_gt(p->seq, Z->isn) && seq_leq(p->seq, Z->snd_nxt + TRK_SEQ_SLACK)))
        return false;
    if (W->isn_known && !(seq_gt(p->ack, W->isn) && seq_leq(p->ack, W->snd_nxt + TRK_SEQ_SLACK)))
        return false;
    return true;
}

bool trk__rst_revise(struct conn *c, int s, const struct pkt *p, struct trk_verdict *v)
{
    int k;
    if (!(c->pending & TRK_P_RST_HELD) || c->emitted || !fits(c, s, p))
        return false;
    /* The segment's sender first, as every verdict orders its changes. */
    for (k = 0; k < 2; k++) {
        int side = k ? !s : s;
        struct endpoint *e = &c->ep[side];
        uint8_t st = c->rst_prev[side] & PREV_STATE;
        bool presumed = c->rst_prev[side] & PREV_PRESUMED;
        if (st == TS_LISTEN && presumed) {
            /* The refused pattern corrected a presumption without a
             * transition (not-listening); undo it the same way. */
            e->state = st;
            e->presumed = true;
            continue;
        }
        trk__change(v, c, side, (enum tcp_state)st, presumed);
        e->presumed = presumed;
    }
    c->outcome = c->rst_prev[2]; /* what follows decides it */
    c->close = CLOSE_OPEN_AT_END;
    c->ended = false;
    c->pending &= (uint8_t)~(TRK_P_RST_HELD | TRK_P_RST_FROM_SERVER);
    c->anomalies |= CONN_ANOM_IGNORED_RST;
    v->notes |= TRK_NOTE_IGNORED_RST;
    return true;
}

/* ---- a socket connected to itself ---------------------------------------- */

/* bind(P); connect(P): one TCB at both ends, the client and server halves
 * of the record (docs/STATES.md "Connections and roles"). Once the
 * handshake is done both halves are that TCB, so they move together: its
 * FIN takes it to FIN_WAIT_1 (RFC 9293 3.10.4) and, arriving back,
 * to CLOSING, since the FIN's own ACK field cannot cover the FIN (3.10.7.4,
 * eighth check); the ACK of the FIN then takes it to TIME_WAIT (fifth
 * check). Issue 21 #4: Linux's socket ends in TIME_WAIT. */
void trk__self_fin_ack(struct conn *c, const struct pkt *p, struct trk_verdict *v)
{
    const struct endpoint *E = &c->ep[TRK_CLIENT]; /* every non-SYN+ACK segment is its */
    uint32_t fin_seq = p->seq + p->payload_len;
    bool acked = (p->flags & TH_ACK) && E->fin_sent && seq_geq(p->ack, E->fin_seq + 1);
    int i;
    if ((p->flags & TH_FIN) && !(E->fin_sent && fin_seq == E->fin_seq)) {
        if (E->sent_any && !trk__seq_in_window(E, p->seq)) {
            v->notes |= TRK_NOTE_STRAY;
            return;
        }
        for (i = 0; i < 2; i++) {
            uint8_t st = c->ep[i].state;
            c->ep[i].fin_sent = true;
            c->ep[i].fin_seq = fin_seq;
            if (st == TS_ESTABLISHED || st == TS_SYN_RECV)
                trk__change(v, c, i, TS_FIN_WAIT_1, false);
            else if (st == TS_CLOSE_WAIT)
                trk__change(v, c, i, TS_LAST_ACK, false);
        }
        for (i = 0; i < 2; i++)
            if (c->ep[i].state == TS_FIN_WAIT_1)
                trk__change(v, c, i, TS_CLOSING, false);
        return;
    }
    if (!acked)
        return;
    for (i = 0; i < 2; i++) {
        uint8_t st = c->ep[i].state;
        if (st == TS_FIN_WAIT_1)
            trk__change(v, c, i, TS_FIN_WAIT_2, false);
        else if (st == TS_CLOSING)
            trk__change(v, c, i, TS_TIME_WAIT, false);
        else if (st == TS_LAST_ACK)
            trk__change(v, c, i, TS_CLOSED, false);
    }
}
