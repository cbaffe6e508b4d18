/* tracker_int.h (private): what tracker.c shares with tracker_revise.c, the
 * rules by which later segments revise or complete an earlier verdict
 * (docs/STATES.md "Verdicts later segments revise"). */
#ifndef TCPSHAKE_TRACKER_INT_H
#define TCPSHAKE_TRACKER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "seq.h"
#include "tcp_wire.h"
#include "tracker.h"

/* conn.pending bits. */
#define TRK_P_RST_HELD 0x01u        /* a doubtful RST ended it; the record waits */
#define TRK_P_RST_FROM_SERVER 0x02u /* ... and it came from the server side */
#define TRK_P_SYNACK_UNACKED 0x04u  /* an endpoint left SYN_RECV with a FIN before
                                       its SYN was acknowledged (<< side) */

/* The window of X's sequence numbers we accept: from its ISN to 2^30 past
 * what it has sent (RFC 9293 3.10.7.4 first check, widened: the receive
 * window is not on the wire). */
#define TRK_SEQ_SLACK (1u << 30)

static inline bool trk__synchronized(uint8_t s)
{
    return s == TS_ESTABLISHED || s == TS_FIN_WAIT_1 || s == TS_FIN_WAIT_2 ||
           s == TS_CLOSING || s == TS_TIME_WAIT || s == TS_CLOSE_WAIT || s == TS_LAST_ACK;
}

/* RFC 9293 3.10.7.3: in SYN-SENT an ACK is acceptable iff
 * ISS < SEG.ACK =< SND.NXT (SND.NXT covers data sent on the SYN, TFO). */
static inline bool trk__acks_syn(const struct endpoint *Y, uint32_t ack)
{
    return Y->isn_known && seq_gt(ack, Y->isn) && seq_leq(ack, Y->snd_nxt);
}

static inline bool trk__seq_in_window(const struct endpoint *X, uint32_t seq)
{
    if (!X->isn_known)
        return true;
    return seq_geq(seq, X->isn) && seq_leq(seq, X->snd_nxt + TRK_SEQ_SLACK);
}

/* The segment carries TCP-AO (RFC 5925, kind 29; parsed as an unknown
 * option, kept in the layout). */
static inline bool trk__opt_ao(const struct tcp_opts *o)
{
    unsigned i;
    for (i = 0; i < o->nlayout && i < TCPOPT_MAX_LAYOUT; i++)
        if (o->layout[i] == TCPOPT_AO)
            return true;
    return false;
}

/* tracker.c */
void trk__change(struct trk_verdict *v, struct conn *c, int side, enum tcp_state to,
                 bool presumed);
void trk__check_complete(struct conn *c, struct trk_verdict *v);

/* tracker_memory.c: connections the table forgot (conn_memory.h). */
struct conn_memory;
/* Store c's fingerprint (c leaves the table at packet time now_ns). */
void trk__remember(struct conn_memory *m, const struct conn *c, uint64_t now_ns);
/* p's 4-tuple is not in the table: if the memory holds a connection p
 * belongs to, fill *out with it as an ended, emitted entry (returned; the
 * caller inserts it) and *a_is_ep0 with p's direction. next_id: the
 * tracker's last id (ids are rebuilt from their low 32 bits). */
bool trk__recall(const struct conn_memory *m, const struct pkt *p, uint64_t next_id,
                 struct conn *out, int *a_is_ep0);
/* A segment on a returned entry: attributed as a straggler (after-end; a
 * SYN with the remembered ISN also retransmit) and true, or false for a
 * SYN with a new ISN, which starts the next generation as usual. */
bool trk__returned_segment(struct conn *c, int a_is_ep0, const struct pkt *p,
                           struct trk_verdict *v);

/* tracker_revise.c */
/* One-sided and filtered captures: an acknowledgment of what the peer can
 * only have sent after the final ACK proves the handshake (issues 15, 21). */
void trk__infer_handshake(struct conn *c, int s, const struct pkt *p, struct trk_verdict *v);
/* An acceptable RST from side s that its receiver had reason to drop
 * (RFC 7323 3.2 and 5.3, RFC 2385, RFC 5925). */
bool trk__rst_doubtful(const struct conn *c, int s, const struct pkt *p);
/* Remember the states and outcome a held RST is about to change. */
void trk__rst_hold(struct conn *c, int s);
/* A segment on a connection a held RST ended: if it fits the sequence
 * space as it was before the RST, the RST was ignored; restore and return
 * true (the caller then processes the segment as usual). */
bool trk__rst_revise(struct conn *c, int s, const struct pkt *p, struct trk_verdict *v);
/* A socket connected to itself: one TCB sees its own FIN and ACK. */
void trk__self_fin_ack(struct conn *c, const struct pkt *p, struct trk_verdict *v);

#endif
