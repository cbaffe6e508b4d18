/* tracker_memory.c: connections the table forgot (issue 15; docs/STATES.md
 * "Connections the table forgot"). When an entry leaves the table (evicted,
 * timed out, or done lingering after its end) a 20-byte fingerprint of it
 * goes to the memory (conn_memory.c): 48 bits of its 4-tuple hash, which end is the
 * client, each end's ISN (or relative base), and the id, outcome and close of
 * the record already emitted. A later segment on that 4-tuple that fits the
 * remembered sequence spaces brings the connection back as an ended entry:
 * it keeps its id and roles and is reported after-end, and a SYN with the
 * remembered ISN of a handshake the table gave up on is a retransmission,
 * not a new connection. Pure: packet time is the only clock. */
#include <string.h>

#include "conn_memory.h"
#include "conntab.h"
#include "tracker_int.h"

static uint32_t key_of(uint32_t hash) { return hash ? hash : 1u; }

/* An end's reference: its ISN, or the base of its relative numbers. */
static bool seq_ref(const struct endpoint *e, uint32_t *ref)
{
    if (e->isn_known || e->seq_base) {
        *ref = e->isn;
        return true;
    }
    return false;
}

void trk__remember(struct conn_memory *m, const struct conn *c, uint64_t now_ns)
{
    const struct endpoint *cl = &c->ep[TRK_CLIENT], *sv = &c->ep[TRK_SERVER];
    struct cm_rec r;
    if (c->anomalies & CONN_ANOM_SELF_CONNECT)
        return; /* one end: nothing to tell roles by */
    if (c->returned) {
        /* Brought back, and leaving again: its fingerprint stays as it was
         * while the memory still holds it (no churn in a flood of
         * retransmissions: one fingerprint per forgotten connection). */
        const struct cm_rec *old = NULL;
        uint16_t check = conntab_hash_check(&cl->addr, cl->port, &sv->addr, sv->port);
        while ((old = cm_recall(m, key_of(c->hash), check, old)) != NULL)
            if (old->id32 == (uint32_t)c->id)
                return;
    }
    memset(&r, 0, sizeof(r));
    r.key = key_of(c->hash);
    r.check = conntab_hash_check(&cl->addr, cl->port, &sv->addr, sv->port);
    r.id32 = (uint32_t)c->id;
    if (conntab_first(&cl->addr, cl->port, &sv->addr, sv->port))
        r.flags |= CM_F_CLIENT_FIRST;
    /* A handshake the table gave up on while the client still waited for
     * an answer: the client may send its SYN again (RFC 9293 3.8.1, RFC 6298
     * 5.7): remember the SYN's ISN itself. */
    if (seq_ref(cl, &r.isn[0])) {
        r.flags |= CM_F_CISN;
        if (c->client_syn_seen && cl->isn_known &&
            (c->outcome == HS_UNANSWERED || c->outcome == HS_HALF_OPEN) &&
            (c->close == CLOSE_EVICTED || c->close == CLOSE_TIMEOUT))
            r.flags |= CM_F_CLIENT_SYN;
    }
    if (seq_ref(sv, &r.isn[1]))
        r.flags |= CM_F_SISN;
    if (cl->isn_known)
        r.flags |= CM_F_CISN_KNOWN;
    if (sv->isn_known)
        r.flags |= CM_F_SISN_KNOWN;
    r.oc = CM_OC(c->outcome, c->close, c->generation);
    cm_remember(m, &r, now_ns);
}

/* In the sequence space that starts at ref: at most 2^31 - 1 past it
 * (RFC 9293 3.4; a connection that moved more than 2 GiB one way is not
 * recognised and starts anew, as without the memory). */
static bool near(uint32_t v, uint32_t ref) { return seq_geq(v, ref); }

/* Does segment p from side s belong to the remembered connection r? */
static bool fits(const struct cm_rec *r, int s, const struct pkt *p)
{
    bool syn = p->flags & TH_SYN, ack = p->flags & TH_ACK;
    uint8_t known_s = s == TRK_CLIENT ? CM_F_CISN : CM_F_SISN;
    uint8_t known_y = s == TRK_CLIENT ? CM_F_SISN : CM_F_CISN;
    bool checked = false;
    if (syn && !ack) /* only the same SYN again; a new ISN is a new connection */
        return s == TRK_CLIENT && (r->flags & CM_F_CLIENT_SYN) && p->seq == r->isn[0];
    if (syn) /* the server's SYN+ACK again, or one answering the remembered SYN */
        return s == TRK_SERVER && (((r->flags & CM_F_SISN) && p->seq == r->isn[1]) ||
                                   ((r->flags & CM_F_CLIENT_SYN) && p->ack == r->isn[0] + 1));
    if (r->flags & known_s) {
        if (!near(p->seq, r->isn[s]))
            return false;
        checked = true;
    }
    if (ack && (r->flags & known_y)) {
        if (!near(p->ack, r->isn[!s]))
            return false;
        checked = true;
    }
    return checked;
}

bool trk__recall(const struct conn_memory *m, const struct pkt *p, uint64_t next_id,
                 struct conn *out, int *a_is_ep0)
{
    uint32_t key = key_of(conntab_hash(&p->src, p->sport, &p->dst, p->dport));
    uint16_t check = conntab_hash_check(&p->src, p->sport, &p->dst, p->dport);
    const struct cm_rec *r = NULL;
    struct endpoint *cl, *sv;
    bool src_first = false, first = true;
    int s = TRK_CLIENT;
    /* The newest remembered connection on this key that p fits. */
    while ((r = cm_recall(m, key, check, r)) != NULL) {
        if (first)
            src_first = conntab_first(&p->src, p->sport, &p->dst, p->dport);
        first = false;
        s = (src_first == ((r->flags & CM_F_CLIENT_FIRST) != 0)) ? TRK_CLIENT : TRK_SERVER;
        if (fits(r, s, p))
            break;
    }
    if (!r)
        return false;
    memset(out, 0, sizeof(*out));
    cl = &out->ep[TRK_CLIENT];
    sv = &out->ep[TRK_SERVER];
    cl->addr = s == TRK_CLIENT ? p->src : p->dst;
    cl->port = s == TRK_CLIENT ? p->sport : p->dport;
    sv->addr = s == TRK_CLIENT ? p->dst : p->src;
    sv->port = s == TRK_CLIENT ? p->dport : p->sport;
    /* The id was given out at most 2^32 connections ago. */
    out->id = next_id - (uint32_t)((uint32_t)next_id - r->id32);
    out->generation = CM_OC_GEN(r->oc);
    out->t_first_ns = out->t_last_ns = p->ts_ns;
    cl->state = sv->state = TS_CLOSED; /* forgotten: no state is known any more */
    /* Relative numbers as before it was forgotten. */
    cl->seq_base = (r->flags & CM_F_CISN) != 0;
    cl->isn = r->isn[0];
    sv->seq_base = (r->flags & CM_F_SISN) != 0;
    sv->isn = r->isn[1];
    cl->isn_known = (r->flags & CM_F_CISN_KNOWN) != 0;
    sv->isn_known = (r->flags & CM_F_SISN_KNOWN) != 0;
    if (r->flags & CM_F_CLIENT_SYN) {
        out->client_syn_seen = true;
        cl->sent_syn = cl->isn_known = true;
    }
    out->outcome = (uint8_t)CM_OC_OUTCOME(r->oc);
    out->close = (uint8_t)CM_OC_CLOSE(r->oc);
    out->ended = out->emitted = out->returned = true;
    out->lru_prev = out->lru_next = CONNTAB_NIL;
    *a_is_ep0 = s == TRK_CLIENT;
    return true;
}

bool trk__returned_segment(struct conn *c, int a_is_ep0, const struct pkt *p,
                           struct trk_verdict *v)
{
    int s = a_is_ep0 ? TRK_CLIENT : TRK_SERVER;
    bool syn = p->flags & TH_SYN, ack = p->flags & TH_ACK;
    if (syn && !ack) {
        const struct endpoint *cl = &c->ep[TRK_CLIENT];
        if (s != TRK_CLIENT || !cl->sent_syn || p->seq != cl->isn)
            return false;
        c->syn_retransmits++;
        c->ep[s].syn_tx++;
        v->notes |= TRK_NOTE_RETRANSMIT;
    }
    c->pkts++;
    c->t_last_ns = p->ts_ns;
    c->ep[s].pkts++;
    c->ep[s].bytes += p->payload_len;
    v->conn = c;
    v->from_client = s == TRK_CLIENT;
    v->notes |= TRK_NOTE_AFTER_END;
    return true;
}
