/* explain.c: --explain sentences. Each one says what a segment did to the
 * two endpoints and why, citing the RFC 9293 rule (docs/STATES.md has the
 * same rules as a table) and doing the sequence arithmetic in the numbers
 * the view shows (relative or absolute). */
#include "explain.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "report.h"
#include "tcp_wire.h"
#include "tcpopt.h"

struct sb {
    char *p;
    size_t cap, n;
};

__attribute__((format(printf, 2, 3))) static void sbf(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (b->cap == 0 || b->n >= b->cap - 1)
        return;
    va_start(ap, fmt);
    k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->n += (size_t)k;
    if (b->n > b->cap - 1)
        b->n = b->cap - 1;
}

static size_t sb_done(struct sb *b)
{
    if (b->cap == 0)
        return 0;
    b->p[b->n] = '\0';
    return b->n;
}

static const char *who(int side)
{
    return side == TRK_CLIENT ? "client" : "server";
}

static const char *st(unsigned s)
{
    return tcp_state_name((enum tcp_state)s);
}

/* A sequence number of `side` as the views show it. */
static uint32_t shown(const struct conn *c, int side, uint32_t v, unsigned flags)
{
    return (flags & RPT_ABS_SEQ) ? v : conn_rel_seq(c, side, v);
}

/* "client ISN + 1" (relative) or "client ISN 123456 + 1" (absolute). */
static void isn_plus(struct sb *b, const struct conn *c, int side, uint32_t plus, unsigned flags)
{
    if (flags & RPT_ABS_SEQ)
        sbf(b, "%s ISN %" PRIu32 " + %" PRIu32, who(side), c->ep[side].isn, plus);
    else
        sbf(b, "%s ISN + %" PRIu32, who(side), plus);
}

/* The real change of `side` in the verdict (a presumed first state, such as
 * the server's LISTEN at the first SYN, is not a move). NULL if none. */
static const struct trk_change *moved(const struct trk_verdict *v, int side)
{
    unsigned i, n = v->nchanges > TRK_MAX_CHANGES ? TRK_MAX_CHANGES : v->nchanges;
    for (i = 0; i < n; i++) {
        const struct trk_change *ch = &v->changes[i];
        if (ch->side == side && !(ch->presumed && ch->from == TS_CLOSED))
            return ch;
    }
    return NULL;
}

/* Last state `side` reached in the verdict (chains: A->B->C gives C). */
static unsigned moved_to(const struct trk_verdict *v, int side)
{
    unsigned i, n = v->nchanges > TRK_MAX_CHANGES ? TRK_MAX_CHANGES : v->nchanges;
    unsigned to = TS__COUNT;
    for (i = 0; i < n; i++)
        if (v->changes[i].side == side)
            to = v->changes[i].to;
    return to;
}

/* Why an endpoint is where it went, for the closing states. */
static const char *why_state(unsigned to)
{
    switch (to) {
    case TS_CLOSE_WAIT: return " (it may still send until its application closes)";
    case TS_LAST_ACK: return " (it waits for the ACK of its FIN)";
    case TS_FIN_WAIT_2: return " (its FIN is acknowledged; it waits for the peer's FIN)";
    case TS_TIME_WAIT: return " (it lingers for 2 MSL so that late segments die out)";
    case TS_CLOSING: return " (the FINs crossed: a simultaneous close, RFC 9293 Figure 13)";
    default: return "";
    }
}

/* "the client goes from A to B[ why] and the server from C to D[ why]". */
static void transitions(struct sb *b, const struct trk_verdict *v, bool reasons)
{
    int order[2], k, n = 0;
    const struct trk_change *first = v->nchanges ? &v->changes[0] : NULL;
    order[0] = first ? first->side : TRK_CLIENT;
    order[1] = !order[0];
    for (k = 0; k < 2; k++) {
        int side = order[k];
        const struct trk_change *ch = moved(v, side);
        unsigned to;
        if (!ch)
            continue;
        to = moved_to(v, side);
        if (n == 0)
            sbf(b, "the %s goes from %s to %s", who(side), st(ch->from), st(to));
        else
            sbf(b, " and the %s from %s to %s", who(side), st(ch->from), st(to));
        if (reasons)
            sbf(b, "%s", why_state(to));
        n++;
    }
}

static bool has_moves(const struct trk_verdict *v)
{
    return moved(v, TRK_CLIENT) || moved(v, TRK_SERVER);
}

static void flags_words(struct sb *b, uint16_t flags)
{
    char w[48];
    sbf(b, "%s", tcp_flags_words(flags, w));
}

/* ---- RST ---------------------------------------------------------------- */

static void rst_sentence(struct sb *b, const struct pkt *p, const struct trk_verdict *v,
                         unsigned flags)
{
    const struct conn *c = v->conn;
    int s = v->from_client ? TRK_CLIENT : TRK_SERVER, o = !s;
    const struct trk_change *xs = moved(v, s), *ys = moved(v, o);
    uint32_t seq = shown(c, s, p->seq, flags);

    if (v->notes & TRK_NOTE_STRAY) {
        if (c->ep[o].state == TS_SYN_SENT) {
            sbf(b, "A RST resets a SYN_SENT %s only if it acknowledges the SYN (ack = ",
                who(o));
            isn_plus(b, c, o, 1, flags);
            if (p->flags & TH_ACK)
                sbf(b, "); this one acknowledges %" PRIu32, shown(c, o, p->ack, flags));
            else
                sbf(b, "); this one has no ACK bit");
            sbf(b, ", so the %s ignores it (RFC 9293 3.10.7.3).", who(o));
        } else if (c->ep[o].state == TS_LISTEN && c->ep[s].state == TS_SYN_SENT &&
                   !(p->flags & TH_ACK)) {
            /* The answer SYN_SENT gives a segment that acknowledges
             * something it never sent: <SEQ=SEG.ACK><CTL=RST>. */
            sbf(b, "The %s refuses that segment with <SEQ=SEG.ACK><CTL=RST>: a RST whose "
                   "sequence number %" PRIu32 " is the acknowledgment number it refuses "
                   "(RFC 9293 3.10.7.3), and stays in SYN_SENT; a %s in LISTEN ignores any "
                   "RST (RFC 9293 3.10.7.2).", who(s), seq, who(o));
        } else if (c->ep[o].state == TS_LISTEN) {
            sbf(b, "A %s in LISTEN ignores any RST: it cannot answer anything this "
                   "connection sent (RFC 9293 3.10.7.2).", who(o));
        } else {
            sbf(b, "The RST's sequence number %" PRIu32 " is outside what the %s has sent, "
                   "so the %s ignores it (RFC 9293 3.10.7.4).", seq, who(s), who(o));
        }
        return;
    }
    if (!(v->notes & TRK_NOTE_ENDED)) {
        /* Taken but held (docs/STATES.md, "RSTs the receiver ignored"). */
        sbf(b, "The %s sends a RST (seq %" PRIu32 ") whose timestamp, MD5 or AO option does "
               "not fit this connection, so its receiver may drop it (RFC 7323, 2385, "
               "5925). Taken for now: ", who(s), seq);
        transitions(b, v, false);
        sbf(b, "; what follows decides.");
        return;
    }
    if (c->outcome == HS_REFUSED && (v->notes & TRK_NOTE_OUTCOME)) {
        sbf(b, "The server answers the SYN with %s, acknowledging %" PRIu32 " = ",
            (p->flags & TH_ACK) ? "RST+ACK" : "RST", shown(c, o, p->ack, flags));
        isn_plus(b, c, o, 1, flags);
        sbf(b, ": nothing listens on port %u, so the connection is refused and the client "
               "goes from SYN_SENT to CLOSED (RFC 9293 3.10.7.1).",
            (unsigned)c->ep[TRK_SERVER].port);
        if (v->notes & TRK_NOTE_NOT_LISTENING)
            sbf(b, " The server was presumed in LISTEN; it was CLOSED all along.");
        return;
    }
    if (s == TRK_CLIENT && ys && ys->from == TS_SYN_RECV && ys->to == TS_LISTEN) {
        if (!(p->flags & TH_ACK) && c->synack_seen && c->ep[TRK_CLIENT].isn_known &&
            p->seq == c->ep[TRK_CLIENT].isn + 1u)
            sbf(b, "The client answers the SYN+ACK with a bare RST (seq %" PRIu32 " = the "
                   "SYN+ACK's ack), which is what a kernel sends when no socket owns the "
                   "port, as for a raw-socket client (RFC 9293 3.10.7.1): the server drops "
                   "the half-open connection and returns from SYN_RECV to LISTEN, so the "
                   "handshake is aborted.", seq);
        else
            sbf(b, "The client resets the handshake (RST seq %" PRIu32 "): the server drops "
                   "the half-open connection and returns from SYN_RECV to LISTEN "
                   "(RFC 9293 3.10.7.4), so the handshake is aborted.", seq);
        return;
    }
    if (s == TRK_CLIENT && xs && xs->from == TS_SYN_SENT && !ys) {
        sbf(b, "The client gives up before any answer and sends RST (seq %" PRIu32 "): it "
               "goes from SYN_SENT to CLOSED, and a listening server ignores a RST "
               "(RFC 9293 3.10.7.2), so the handshake is aborted.", seq);
        return;
    }
    if (xs && xs->from == TS_SYN_RECV && c->outcome == HS_ABORTED) {
        sbf(b, "The %s resets its half-open connection (RST seq %" PRIu32 "): ", who(s), seq);
        transitions(b, v, false);
        sbf(b, ", so the handshake is aborted.");
        return;
    }
    sbf(b, "The %s resets the connection (RST seq %" PRIu32 ", inside the window): ", who(s),
        seq);
    if (has_moves(v))
        transitions(b, v, false);
    else
        sbf(b, "nothing was left to close");
    if ((v->notes & TRK_NOTE_OUTCOME) && c->outcome == HS_ABORTED)
        sbf(b, ", so the handshake is aborted.");
    else
        sbf(b, " at once, without a FIN exchange (RFC 9293 3.10.7.4).");
}

/* ---- SYN ---------------------------------------------------------------- */

static void syn_sentence(struct sb *b, const struct pkt *p, const struct trk_verdict *v,
                         unsigned flags)
{
    const struct conn *c = v->conn;
    int s = v->from_client ? TRK_CLIENT : TRK_SERVER, o = !s;
    const struct trk_change *xs = moved(v, s), *ys = moved(v, o);
    uint32_t isn = shown(c, s, p->seq, flags);

    if (v->notes & TRK_NOTE_RETRANSMIT) {
        unsigned n = (unsigned)(c->ep[s].syn_tx > 1 ? c->ep[s].syn_tx - 1 : 1);
        if (c->ep[s].state == TS_SYN_SENT)
            sbf(b, "The %s sends its SYN again with the same ISN (retransmission %u): no "
                   "answer came before its retransmission timer fired, so it is still in "
                   "SYN_SENT.", who(s), n);
        else
            sbf(b, "The %s sends its SYN again with the same ISN (retransmission %u) although "
                   "it is already %s: this copy left before the answer reached it, so it "
                   "changes nothing.", who(s), n, st(c->ep[s].state));
        return;
    }
    if (s == TRK_SERVER && c->simultaneous && ys && ys->from == TS_SYN_SENT) {
        sbf(b, "The server also sends a bare SYN (ISN %" PRIu32 ") while the client waits in "
               "SYN_SENT: the two SYNs cross (simultaneous open, RFC 9293 Figure 7), so the "
               "client goes from SYN_SENT to SYN_RECV and must answer with SYN+ACK.", isn);
        return;
    }
    if (xs && xs->from == TS_CLOSED && xs->to == TS_SYN_SENT) {
        if (v->notes & TRK_NOTE_REUSE)
            sbf(b, "A SYN with a new ISN on a 4-tuple still in use starts a new connection: ");
        sbf(b, "%s %s opens: its SYN carries its initial sequence number (ISN %" PRIu32 ") "
               "and moves it from CLOSED to SYN_SENT",
            (v->notes & TRK_NOTE_REUSE) ? "the" : "The", who(s), isn);
        if (v->notes & TRK_NOTE_SYN_DATA)
            sbf(b, "; it already carries %" PRIu32 " bytes of data with a Fast Open cookie "
                   "(RFC 7413), numbered %" PRIu32 " to %" PRIu32,
                p->payload_len, isn + 1, isn + p->payload_len);
        else if ((p->opt.present & TCPOPT_P_TFO) && p->opt.tfo_len == 0)
            sbf(b, "; it asks for a Fast Open cookie (RFC 7413)");
        if (c->ep[o].presumed && c->ep[o].state == TS_LISTEN)
            sbf(b, "; the %s is presumed in LISTEN, since no segment from it has been seen yet",
                who(o));
        sbf(b, ".");
        return;
    }
    if (!has_moves(v) && s == TRK_CLIENT && c->synack_seen) {
        sbf(b, "The client's SYN shows up after the server's SYN+ACK (the capture reordered "
               "them): it matches the acknowledged ISN, so nothing moves back.");
        return;
    }
    sbf(b, "The %s sends a SYN (ISN %" PRIu32 ")", who(s), isn);
    if (has_moves(v)) {
        sbf(b, ": ");
        transitions(b, v, false);
    }
    sbf(b, ".");
}

/* ---- SYN+ACK ------------------------------------------------------------ */

static void synack_sentence(struct sb *b, const struct pkt *p, const struct trk_verdict *v,
                            unsigned flags)
{
    const struct conn *c = v->conn;
    int s = v->from_client ? TRK_CLIENT : TRK_SERVER, o = !s;
    const struct trk_change *xs = moved(v, s), *ys = moved(v, o);
    uint32_t ack = shown(c, o, p->ack, flags), isn = shown(c, s, p->seq, flags);
    uint32_t data = p->ack - c->ep[o].isn - 1u; /* SYN data acknowledged (TFO) */

    if (v->notes & TRK_NOTE_STRAY) {
        if (c->ep[s].sent_synack && p->seq != c->ep[s].isn) {
            sbf(b, "The %s sends a SYN+ACK with another ISN than its first one: it does not "
                   "fit this connection, so no state changes.", who(s));
        } else {
            sbf(b, "The SYN+ACK acknowledges %" PRIu32 ", but the %s's SYN needs ", ack, who(o));
            isn_plus(b, c, o, 1, flags);
            sbf(b, ": it does not fit, so the %s would answer with a RST (RFC 9293 3.10.7.3) "
                   "and no state changes.", who(o));
        }
        return;
    }
    if (v->notes & TRK_NOTE_RETRANSMIT) {
        sbf(b, "The %s sends its SYN+ACK again with the same ISN (retransmission %u): the "
               "final ACK has not arrived, so it stays in %s and retries.",
            who(s), (unsigned)(c->ep[s].syn_tx > 1 ? c->ep[s].syn_tx - 1 : 1),
            st(c->ep[s].state));
        return;
    }
    if (v->notes & TRK_NOTE_NEW)
        sbf(b, "The capture starts at the SYN+ACK (the client's SYN was not seen), so the "
               "client's ISN is taken as its ack - 1; ");
    sbf(b, "%s %s answers with SYN+ACK: it acknowledges %" PRIu32 " = ",
        (v->notes & TRK_NOTE_NEW) ? "the" : "The", who(s), ack);
    isn_plus(b, c, o, 1, flags);
    if (data > 0 && data < 65536u)
        sbf(b, " + %" PRIu32 " bytes of SYN data (Fast Open)", data);
    sbf(b, ", because a SYN takes one sequence number, and %s its own ISN %" PRIu32,
        c->ep[s].sent_syn ? "repeats" : "sends", isn);
    if (xs && xs->to == TS_SYN_RECV)
        sbf(b, "; it now waits in SYN_RECV for the final ACK");
    if (ys && ys->to == TS_ESTABLISHED)
        sbf(b, "%s the %s, on receiving it, %s ESTABLISHED", xs ? ", while" : ";", who(o),
            ys->from == TS_SYN_RECV ? "goes from SYN_RECV to" : "is");
    if ((v->notes & TRK_NOTE_OUTCOME) && c->outcome == HS_COMPLETE)
        sbf(b, ", so both ends are synchronized and the handshake is complete%s",
            c->simultaneous ? " (a simultaneous open needs no separate final ACK)" : "");
    sbf(b, ".");
}

/* ---- ACK, FIN, data ----------------------------------------------------- */

static void other_sentence(struct sb *b, const struct pkt *p, const struct trk_verdict *v,
                           unsigned flags)
{
    const struct conn *c = v->conn;
    int s = v->from_client ? TRK_CLIENT : TRK_SERVER, o = !s;
    const struct trk_change *ys = moved(v, o);
    uint32_t ack = shown(c, o, p->ack, flags);
    const struct endpoint *Y = &c->ep[o];
    bool acks_fin = (p->flags & TH_ACK) && Y->fin_sent && p->ack == Y->fin_seq + 1u;

    if (v->notes & TRK_NOTE_HANDSHAKE_ACK) {
        if (ys && ys->presumed) {
            sbf(b, "The %s acknowledges %" PRIu32 " although no SYN+ACK was captured: a "
                   "SYN_SENT client sends this ACK only after an acceptable SYN+ACK "
                   "(RFC 9293 3.10.7.3), so the %s must have answered; both are now "
                   "ESTABLISHED (the %s presumed).", who(s), ack, who(o), who(o));
            return;
        }
        sbf(b, "The %s acknowledges %" PRIu32 " = ", who(s), ack);
        isn_plus(b, c, o, 1, flags);
        sbf(b, ", confirming the %s's SYN: the %s goes from SYN_RECV to ESTABLISHED", who(o),
            who(o));
        if ((v->notes & TRK_NOTE_OUTCOME) && c->outcome == HS_COMPLETE)
            sbf(b, " and the three-way handshake is complete");
        sbf(b, " (RFC 9293 3.10.7.4).");
        return;
    }
    if (p->flags & TH_FIN) {
        uint32_t fs = shown(c, s, p->seq + p->payload_len, flags);
        if (!has_moves(v)) {
            sbf(b, "The %s sends its FIN again (seq %" PRIu32 "): it has not been "
                   "acknowledged yet.", who(s), fs);
            return;
        }
        if (p->payload_len) /* the FIN comes after the data it carries */
            sbf(b, "The %s closes its side: after its %" PRIu32 " bytes from sequence number "
                   "%" PRIu32 ", its FIN is number %" PRIu32 " and takes one, so it is "
                   "acknowledged with %" PRIu32, who(s), p->payload_len,
                shown(c, s, p->seq, flags), fs, fs + 1u);
        else
            sbf(b, "The %s closes its side: its FIN has sequence number %" PRIu32 " and takes "
                   "one, so it is acknowledged with %" PRIu32, who(s), fs, fs + 1u);
        if (acks_fin)
            sbf(b, "; the segment also acknowledges %" PRIu32 " = %s FIN %" PRIu32 " + 1", ack,
                who(o), shown(c, o, Y->fin_seq, flags));
        sbf(b, "; ");
        transitions(b, v, true);
        sbf(b, ".");
        return;
    }
    if (ys && acks_fin) {
        sbf(b, "The %s acknowledges %" PRIu32 " = %s FIN %" PRIu32 " + 1: the %s goes from %s "
               "to %s", who(s), ack, who(o), shown(c, o, Y->fin_seq, flags), who(o),
            st(ys->from), st(moved_to(v, o)));
        if (moved_to(v, o) == TS_CLOSED)
            sbf(b, ", and the connection is fully closed.");
        else
            sbf(b, "%s.", why_state(moved_to(v, o)));
        return;
    }
    if ((v->notes & TRK_NOTE_NEW) && c->roles_guessed) {
        sbf(b, "The capture starts in the middle of this connection (no SYN seen), so both "
               "endpoints are presumed ESTABLISHED and sequence numbers count from here.");
        return;
    }
    if (!has_moves(v))
        return;
    sbf(b, "The %s sends ", who(s));
    flags_words(b, p->flags);
    sbf(b, ": ");
    transitions(b, v, true);
    sbf(b, ".");
}

size_t explain_segment(const struct pkt *p, const struct trk_verdict *v, unsigned flags,
                       char *out, size_t cap)
{
    struct sb b = { out, cap, 0 };
    const struct conn *c = v->conn;
    int s = v->from_client ? TRK_CLIENT : TRK_SERVER;

    if (cap > 0)
        out[0] = '\0';
    if (!c)
        return 0;
    if (v->notes & TRK_NOTE_INVALID) {
        sbf(&b, "The %s sends ", who(s));
        flags_words(&b, p->flags);
        sbf(&b, ", a flag combination Linux conntrack treats as invalid, so no state changes.");
    } else if (v->notes & TRK_NOTE_AFTER_END) {
        sbf(&b, "The %s sends ", who(s));
        flags_words(&b, p->flags);
        sbf(&b, " after the connection has ended: a straggler, so no state changes.");
    } else if (p->flags & TH_RST) {
        rst_sentence(&b, p, v, flags);
    } else if ((p->flags & (TH_SYN | TH_ACK)) == TH_SYN) {
        syn_sentence(&b, p, v, flags);
    } else if (p->flags & TH_SYN) {
        synack_sentence(&b, p, v, flags);
    } else {
        other_sentence(&b, p, v, flags);
    }
    if (v->notes & TRK_NOTE_IGNORED_RST)
        sbf(&b, "%sThe connection goes on, so the earlier RST was dropped by its receiver "
                "(RFC 7323, 2385, 5925): ignored-rst.",
            b.n ? " " : "");
    if (v->notes & TRK_NOTE_HANDSHAKE_INFERRED)
        sbf(&b, "%sIt acknowledges %" PRIu32 ", more than the %s was seen sending after its SYN, "
                "so the handshake completed although its final ACK was not captured: the "
                "server was ESTABLISHED (inferred).",
            b.n ? " " : "", shown(c, !s, p->ack, flags), who(!s));
    return sb_done(&b);
}

/* Seconds with 3 decimals of a duration in ns. */
static void secs(struct sb *b, uint64_t ns)
{
    sbf(b, "%" PRIu64 ".%03" PRIu64 " s", ns / 1000000000u, (ns % 1000000000u) / 1000000u);
}

size_t explain_timer(const struct conn *c, const struct trk_change *ch, uint64_t ts_ns,
                     char *out, size_t cap)
{
    struct sb b = { out, cap, 0 };
    uint64_t idle = ts_ns > c->t_last_ns ? ts_ns - c->t_last_ns : 0;
    if (cap > 0)
        out[0] = '\0';
    sbf(&b, "No segment for ");
    secs(&b, idle);
    sbf(&b, " of packet time: the %s's %s timeout has passed, so it is taken to be %s", who(ch->side),
        st(ch->from), st(ch->to));
    if (ch->from == TS_SYN_SENT)
        sbf(&b, " (Linux gives up on a SYN after tcp_syn_retries)");
    else if (ch->from == TS_SYN_RECV)
        sbf(&b, " (Linux gives up on a SYN+ACK after tcp_synack_retries)");
    else if (ch->from == TS_TIME_WAIT)
        sbf(&b, " (TIME_WAIT lasts 2 MSL)");
    sbf(&b, ".");
    return sb_done(&b);
}

size_t explain_outcome(const struct conn *c, enum trk_end why, char *out, size_t cap)
{
    struct sb b = { out, cap, 0 };
    if (cap > 0)
        out[0] = '\0';
    switch ((enum hs_outcome)c->outcome) {
    case HS_COMPLETE:
        if (c->simultaneous)
            sbf(&b, "Outcome complete: both sides sent a SYN and a SYN+ACK (simultaneous "
                    "open), so both endpoints reached ESTABLISHED");
        else if (c->hs_inferred)
            sbf(&b, "Outcome complete (inferred): SYN and SYN+ACK were seen, and a later "
                    "segment acknowledged what could only come after the final ACK, which "
                    "the capture does not hold");
        else
            sbf(&b, "Outcome complete: SYN, SYN+ACK and ACK were all seen, so both endpoints "
                    "reached ESTABLISHED");
        break;
    case HS_REFUSED:
        sbf(&b, "Outcome refused: the first answer to the SYN was a RST acknowledging it, so "
                "nothing accepted connections on port %u", (unsigned)c->ep[TRK_SERVER].port);
        break;
    case HS_UNANSWERED:
        if (c->syn_retransmits)
            sbf(&b, "Outcome unanswered: the SYN was sent %u times", (unsigned)c->syn_retransmits + 1u);
        else
            sbf(&b, "Outcome unanswered: the SYN was sent once");
        sbf(&b, " and nothing came back%s, as when a firewall drops it or the host is down",
            why == TRK_END_TIMEOUT ? " before the SYN_SENT timeout" : "");
        break;
    case HS_HALF_OPEN:
        sbf(&b, "Outcome half-open: the server answered with SYN+ACK but the final ACK never "
                "came, so the server stays in SYN_RECV (a SYN flood leaves many of these)");
        break;
    case HS_ABORTED:
        sbf(&b, "Outcome aborted: a RST ended the handshake before it completed");
        break;
    case HS_MIDSTREAM:
        sbf(&b, "Outcome mid-stream: the capture never saw the client's SYN, so the states "
                "are inferred from the first segment seen");
        break;
    default:
        sbf(&b, "Outcome pending");
        break;
    }
    if (why == TRK_END_EVICTED)
        sbf(&b, " (reported early: the connection table was full)");
    sbf(&b, ".");
    return sb_done(&b);
}
