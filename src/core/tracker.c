/* tracker.c: passive inference of each endpoint's RFC 9293 state and of each
 * connection's handshake outcome, from captured segments and packet time
 * alone. The rules, with their RFC sections, are in docs/STATES.md; the
 * comments below name the rule each branch implements. */
#include "tracker.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conn_memory.h"
#include "conntab.h"
#include "decode.h"
#include "seq.h"
#include "tcp_wire.h"
#include "tracker_int.h"

#define NS_PER_S 1000000000ULL

/* Timeout kinds: the states that share one timeout (conntab lists). */
enum to_kind {
    TK_SYN_SENT,
    TK_SYN_RECV,
    TK_ESTABLISHED,
    TK_FIN_WAIT,
    TK_CLOSE_WAIT,
    TK_LAST_ACK,
    TK_TIME_WAIT,
    TK_CLOSE,
    TK__COUNT
};
_Static_assert(TK__COUNT == CT_NKIND, "one conntab list per timeout kind");

struct tracker {
    struct tracker_cfg cfg;
    struct conntab *ct;
    struct conn_memory *mem; /* forgotten connections; NULL when off */
    uint32_t *order;        /* scratch (slots) for tracker_finish(), capacity entries */
    uint64_t next_id;
    uint64_t next_sweep_ns;
    uint64_t kind_ns[TK__COUNT]; /* timeout of each kind */
    uint64_t max_ts_ns;     /* newest segment time fed */
    uint64_t back_ns;       /* largest step back in segment time seen */
    struct tracker_stats st;
};

/* ---- names ------------------------------------------------------------ */

const char *tcp_state_name(enum tcp_state s)
{
    static const char *const names[] = {
#define X(n, str) str,
        TCP_STATE_MAP(X)
#undef X
    };
    return (unsigned)s < TS__COUNT ? names[s] : "?";
}

const char *hs_outcome_name(enum hs_outcome o)
{
    static const char *const names[] = {
#define X(n, str) str,
        HS_OUTCOME_MAP(X)
#undef X
    };
    return (unsigned)o < HS__COUNT ? names[o] : "?";
}

const char *close_outcome_name(enum close_outcome c)
{
    static const char *const names[] = {
#define X(n, str) str,
        CLOSE_OUTCOME_MAP(X)
#undef X
    };
    return (unsigned)c < CLOSE__COUNT ? names[c] : "?";
}

const char *trk_end_name(enum trk_end e)
{
    static const char *const names[] = {
#define X(n, str) str,
        TRK_END_MAP(X)
#undef X
    };
    return (unsigned)e < TRK_END__COUNT ? names[e] : "?";
}

const char *trk_note_name(uint32_t bit)
{
    switch (bit) {
#define X(n, v, s) case v: return s;
        TRK_NOTE_MAP(X)
#undef X
    default:
        return NULL;
    }
}

/* ---- set-up ----------------------------------------------------------- */

static uint64_t pick(uint64_t v, unsigned dflt_s) { return v ? v : (uint64_t)dflt_s * NS_PER_S; }

struct tracker *tracker_new(const struct tracker_cfg *cfg)
{
    struct tracker *t = calloc(1, sizeof(*t));
    struct tracker_cfg c = { 0 };
    size_t cap;
    if (!t)
        return NULL;
    if (cfg)
        c = *cfg;
    cap = c.max_conns ? c.max_conns : CFG_MAX_CONNS_DEFAULT;
    if (cap < CFG_MAX_CONNS_MIN)
        cap = CFG_MAX_CONNS_MIN;
    if (cap > CFG_MAX_CONNS_MAX)
        cap = CFG_MAX_CONNS_MAX;
    c.max_conns = cap;
    c.to_syn_sent_ns = pick(c.to_syn_sent_ns, CFG_TO_SYN_SENT_S);
    c.to_syn_recv_ns = pick(c.to_syn_recv_ns, CFG_TO_SYN_RECV_S);
    c.to_established_ns = pick(c.to_established_ns, CFG_TO_ESTABLISHED_S);
    c.to_fin_wait_ns = pick(c.to_fin_wait_ns, CFG_TO_FIN_WAIT_S);
    c.to_close_wait_ns = pick(c.to_close_wait_ns, CFG_TO_CLOSE_WAIT_S);
    c.to_last_ack_ns = pick(c.to_last_ack_ns, CFG_TO_LAST_ACK_S);
    c.to_time_wait_ns = pick(c.to_time_wait_ns, CFG_TO_TIME_WAIT_S);
    c.to_close_ns = pick(c.to_close_ns, CFG_TO_CLOSE_S);
    t->cfg = c;
    t->kind_ns[TK_SYN_SENT] = c.to_syn_sent_ns;
    t->kind_ns[TK_SYN_RECV] = c.to_syn_recv_ns;
    t->kind_ns[TK_ESTABLISHED] = c.to_established_ns;
    t->kind_ns[TK_FIN_WAIT] = c.to_fin_wait_ns;
    t->kind_ns[TK_CLOSE_WAIT] = c.to_close_wait_ns;
    t->kind_ns[TK_LAST_ACK] = c.to_last_ack_ns;
    t->kind_ns[TK_TIME_WAIT] = c.to_time_wait_ns;
    t->kind_ns[TK_CLOSE] = c.to_close_ns;
    t->ct = conntab_new((uint32_t)cap);
    t->order = calloc(cap, sizeof(*t->order));
    if (!c.memory_off)
        t->mem = cm_new(c.memory_bytes ? c.memory_bytes
                                       : (size_t)CFG_MEMORY_MB_DEFAULT * 1024u * 1024u,
                        c.memory_span_ns ? c.memory_span_ns
                                         : (uint64_t)CFG_MEMORY_SPAN_MS * 1000000u);
    if (!t->ct || !t->order || (!c.memory_off && !t->mem)) {
        tracker_free(t);
        return NULL;
    }
    t->st.capacity = cap;
    return t;
}

void tracker_free(struct tracker *t)
{
    if (!t)
        return;
    conntab_free(t->ct);
    cm_free(t->mem);
    free(t->order);
    free(t);
}

bool tracker_kernel_note(struct tracker *t, const struct ip_addr *a, uint16_t ap,
                         const struct ip_addr *b, uint16_t bp, uint64_t id, unsigned reason,
                         unsigned cookie)
{
    int a_is_ep0;
    struct conn *c = conntab_find(t->ct, a, ap, b, bp, &a_is_ep0);
    if (!c || c->id != id)
        return false;
    c->k_seen = 1;
    if (reason)
        c->k_reason = (uint8_t)(reason & 0x0fu);
    if (cookie)
        c->k_cookie = (uint8_t)(cookie & 0x03u);
    return true;
}

const struct tracker_stats *tracker_stats(const struct tracker *t)
{
    struct tracker_stats *st = (struct tracker_stats *)&t->st;
    st->active = conntab_count(t->ct);
    if (t->mem) {
        const struct cm_stats *ms = cm_stats(t->mem);
        st->remembered = ms->remembered;
        st->forgotten_early = ms->forgotten_early;
        st->memory_bytes = ms->bytes_touched;
        st->memory_cap_bytes = ms->cap_bytes;
        st->memory_window_ns = cm_window_ns(t->mem);
    }
    return st;
}

/* ---- helpers ---------------------------------------------------------- */

/* Record one endpoint's change in the verdict (sender first by call order). */
void trk__change(struct trk_verdict *v, struct conn *c, int side, enum tcp_state to,
                 bool presumed)
{
    struct endpoint *e = &c->ep[side];
    if (e->state == to) {
        e->presumed = e->presumed && presumed;
        return;
    }
    if (v && v->nchanges < TRK_MAX_CHANGES) {
        struct trk_change *ch = &v->changes[v->nchanges++];
        ch->side = (uint8_t)side;
        ch->from = e->state;
        ch->to = (uint8_t)to;
        ch->presumed = presumed;
    }
    e->state = (uint8_t)to;
    e->presumed = presumed;
}

static enum conntab_class class_of(const struct conn *c)
{
    if (c->ended)
        return CT_ENDED;
    if (c->outcome == HS_PENDING && (c->client_syn_seen || c->synack_seen))
        return CT_HANDSHAKE;
    /* An entry only one endpoint has spoken on (a stray or spoofed ACK:
     * mid-stream, nobody answered) costs an attacker no more than a SYN:
     * recycle it with the handshakes, before connections both ends use. */
    if (c->ep[TRK_CLIENT].pkts == 0 || c->ep[TRK_SERVER].pkts == 0)
        return CT_HANDSHAKE;
    return CT_OPEN;
}

/* The timeout kind of one endpoint state (docs/SEMANTICS.md 3). */
static enum to_kind state_kind(uint8_t s)
{
    switch (s) {
    case TS_SYN_SENT:
        return TK_SYN_SENT;
    case TS_SYN_RECV:
        return TK_SYN_RECV;
    case TS_FIN_WAIT_1:
    case TS_FIN_WAIT_2:
    case TS_CLOSING:
        return TK_FIN_WAIT;
    case TS_CLOSE_WAIT:
        return TK_CLOSE_WAIT;
    case TS_LAST_ACK:
        return TK_LAST_ACK;
    case TS_TIME_WAIT:
        return TK_TIME_WAIT;
    case TS_CLOSED:
        return TK_CLOSE;
    case TS_ESTABLISHED:
    case TS_LISTEN:
    default:
        return TK_ESTABLISHED;
    }
}

/* The connection's timeout: an ended entry lingers (TIME_WAIT or CLOSE);
 * a live one gets the shortest timeout of its two endpoints' states, as
 * conntrack's single state would. */
static enum to_kind conn_kind(const struct tracker *t, const struct conn *c)
{
    enum to_kind a, b;
    if (c->ended)
        return (c->ep[0].state == TS_TIME_WAIT || c->ep[1].state == TS_TIME_WAIT) ? TK_TIME_WAIT
                                                                                  : TK_CLOSE;
    a = state_kind(c->ep[0].state);
    b = state_kind(c->ep[1].state);
    return t->kind_ns[b] < t->kind_ns[a] ? b : a;
}

/* The segment just fed was seen on c: last-seen order and timeout list. */
static void touch(struct tracker *t, struct conn *c)
{
    conntab_touch(t->ct, c, class_of(c), conn_kind(t, c));
}

static void copy_opts(struct endpoint *e, const struct pkt *p)
{
    e->opts.present = p->opt.present;
    e->opts.mss = p->opt.mss;
    e->opts.wscale = p->opt.wscale;
    e->opts.tfo_len = p->opt.tfo_len;
    e->ao = trk__opt_ao(&p->opt);
    /* RFC 3168 6.1.1: ECN-setup SYN has ECE and CWR; ECN-setup SYN+ACK has
     * ECE without CWR. */
    if (p->flags & TH_ACK)
        e->opts.ecn = (p->flags & (TH_ECE | TH_CWR)) == TH_ECE;
    else
        e->opts.ecn = (p->flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR);
}

/* Decide a pending outcome when the connection's record is due
 * (docs/SEMANTICS.md 2.5). */
static void decide_outcome(struct conn *c)
{
    if (c->outcome != HS_PENDING)
        return;
    if ((c->pending & TRK_P_RST_HELD) && c->rst_prev[3] != HS_PENDING)
        c->outcome = c->rst_prev[3]; /* the held RST stands */
    else if (!c->client_syn_seen)
        c->outcome = HS_MIDSTREAM;
    else if (c->synack_seen)
        c->outcome = HS_HALF_OPEN;
    else
        c->outcome = HS_UNANSWERED;
}

static void finalize(struct conn *c, enum trk_end why)
{
    decide_outcome(c);
    if (c->ended && why == TRK_END_FINISHED)
        return; /* close already set by the FIN or RST that ended it */
    switch (why) {
    case TRK_END_TIMEOUT:
        c->close = CLOSE_TIMEOUT;
        break;
    case TRK_END_EVICTED:
        c->close = CLOSE_EVICTED;
        break;
    default:
        if (!c->ended)
            c->close = (c->outcome == HS_UNANSWERED) ? CLOSE_NEVER_OPENED : CLOSE_OPEN_AT_END;
        break;
    }
}

static void count_emitted(struct tracker *t, struct conn *c, uint64_t ts_ns)
{
    c->emitted = true;
    c->t_end_ns = ts_ns;
    t->st.outcomes[c->outcome]++;
    t->st.closes[c->close]++;
}

/* Emit a record that no segment is about to report. */
static void emit_record(struct tracker *t, struct conn *c, enum trk_end why, uint64_t ts_ns,
                        const struct trk_sink *sink)
{
    if (c->emitted)
        return;
    if (c->pending & TRK_P_RST_HELD)
        why = TRK_END_FINISHED; /* a held RST ended it; nothing revised it */
    finalize(c, why);
    count_emitted(t, c, ts_ns);
    if (sink && sink->conn_end)
        sink->conn_end(sink->user, c, why, ts_ns);
}

void tracker_emit(struct tracker *t, const struct conn *cc, uint64_t ts_ns)
{
    struct conn *c = (struct conn *)cc;
    if (c->emitted)
        return;
    finalize(c, TRK_END_FINISHED);
    count_emitted(t, c, ts_ns);
}

/* ---- new connections --------------------------------------------------- */

/* A connection leaves the table (evicted, timed out, or its lingering after
 * the end is over): its fingerprint goes to the memory, so that a straggler
 * or a retransmitted SYN is recognised (tracker_memory.c). */
static void remember(struct tracker *t, const struct conn *c, uint64_t now_ns)
{
    if (t->mem)
        trk__remember(t->mem, c, now_ns);
}

static struct conn *alloc_conn(struct tracker *t, uint64_t ts_ns, const struct trk_sink *sink)
{
    struct conn *c = conntab_alloc(t->ct);
    if (c)
        return c;
    /* Full: recycle the least recently seen entry of the lowest class
     * (ended, then unfinished handshakes, then open connections). */
    c = conntab_victim(t->ct);
    if (!c)
        return NULL;
    if (!c->emitted) {
        t->st.evicted++;
        emit_record(t, c, TRK_END_EVICTED, ts_ns, sink);
    }
    remember(t, c, ts_ns);
    conntab_release(t->ct, c);
    return conntab_alloc(t->ct);
}

/* Roles (docs/SEMANTICS.md 2.4): the client sent the first bare SYN; a leading
 * SYN+ACK's sender is the server; otherwise the first sender is
 * provisionally the client (roles_guessed). */
static struct conn *new_conn(struct tracker *t, const struct pkt *p, uint32_t generation,
                             struct trk_verdict *v, const struct trk_sink *sink)
{
    bool syn = p->flags & TH_SYN, ack = p->flags & TH_ACK;
    bool sender_is_server = syn && ack;
    struct conn *c = alloc_conn(t, p->ts_ns, sink);
    struct endpoint *cli, *srv;
    if (!c)
        return NULL;
    cli = &c->ep[TRK_CLIENT];
    srv = &c->ep[TRK_SERVER];
    cli->addr = sender_is_server ? p->dst : p->src;
    cli->port = sender_is_server ? p->dport : p->sport;
    srv->addr = sender_is_server ? p->src : p->dst;
    srv->port = sender_is_server ? p->sport : p->dport;
    c->id = ++t->next_id;
    c->generation = generation;
    c->t_first_ns = c->t_last_ns = p->ts_ns;
    if (syn && !ack) {
        cli->state = TS_CLOSED;
        srv->state = TS_LISTEN; /* presumed: the observer cannot know */
        srv->presumed = true;
    } else if (syn && ack) {
        cli->state = TS_SYN_SENT;
        cli->presumed = true;
        srv->state = TS_LISTEN;
        srv->presumed = true;
    } else {
        c->roles_guessed = true;
        cli->state = srv->state = TS_ESTABLISHED;
        cli->presumed = srv->presumed = true;
    }
    if (ipaddr_eq(&cli->addr, &srv->addr) && cli->port == srv->port) {
        c->anomalies |= CONN_ANOM_SELF_CONNECT;
        c->simultaneous = true;
    }
    conntab_insert(t->ct, c, CT_HANDSHAKE, conn_kind(t, c));
    t->st.connections++;
    if (conntab_count(t->ct) > t->st.peak_active)
        t->st.peak_active = conntab_count(t->ct);
    v->notes |= TRK_NOTE_NEW;
    return c;
}

/* ---- segment rules ----------------------------------------------------- */

static void outcome_set(struct conn *c, enum hs_outcome o, struct trk_verdict *v)
{
    if (c->outcome == HS_PENDING) {
        c->outcome = (uint8_t)o;
        v->notes |= TRK_NOTE_OUTCOME;
    }
}

/* Both endpoints synchronized after a captured SYN: complete
 * (docs/SEMANTICS.md 2.5; conntrack and tshark need the final ACK). */
void trk__check_complete(struct conn *c, struct trk_verdict *v)
{
    if (c->client_syn_seen && trk__synchronized(c->ep[0].state) &&
        trk__synchronized(c->ep[1].state))
        outcome_set(c, HS_COMPLETE, v);
}

/* Bare SYN from side s. RFC 9293 3.10.7.2 (LISTEN), 3.10.7.3 (SYN-SENT:
 * simultaneous open, Figure 7). */
static void on_syn(struct conn *c, int s, const struct pkt *p, struct trk_verdict *v,
                   struct tracker *t)
{
    struct endpoint *X = &c->ep[s], *Y = &c->ep[!s];
    if (X->sent_syn) {
        /* Same ISN again: a retransmission (all oracles agree). */
        X->syn_tx++;
        t->st.retransmits++;
        v->notes |= TRK_NOTE_RETRANSMIT;
        if (s == TRK_CLIENT) {
            c->syn_retransmits++;
            if (p->opt.present & TCPOPT_P_TS)
                c->syn_tsval_last = p->opt.ts_val;
            if (!c->synack_seen)
                c->t_syn_last_ns = p->ts_ns;
        }
        return;
    }
    X->sent_syn = true;
    X->isn_known = true;
    X->isn = p->seq;
    X->syn_tx = 1;
    copy_opts(X, p);
    if (s == TRK_CLIENT) {
        c->client_syn_seen = true;
        /* What a SYN_SENT client accepts as a TSecr (RFC 7323 3.2). */
        c->syn_tsval_first = c->syn_tsval_last = p->opt.ts_val;
        c->t_syn_ns = c->t_syn_last_ns = p->ts_ns;
        if (X->state == TS_CLOSED)
            trk__change(v, c, s, TS_SYN_SENT, false);
        /* else: a SYN captured after its SYN+ACK (reordered capture); the
         * client's state already moved on. */
        return;
    }
    /* The server side sends a bare SYN while the client waits in SYN_SENT:
     * simultaneous open (or the split handshake S, S, SA, A). */
    c->simultaneous = true;
    trk__change(v, c, s, TS_SYN_SENT, false);
    if (Y->state == TS_SYN_SENT)
        trk__change(v, c, !s, TS_SYN_RECV, false);
}

/* SYN+ACK from side s (docs/SEMANTICS.md 2.2): sender LISTEN/SYN_SENT ->
 * SYN_RECV; receiver SYN_SENT/SYN_RECV -> ESTABLISHED if it acks ISN+1. */
static void on_synack(struct conn *c, int s, const struct pkt *p, struct trk_verdict *v,
                      struct tracker *t)
{
    struct endpoint *X = &c->ep[s], *Y = &c->ep[!s];
    if (X->sent_synack) {
        if (p->seq == X->isn) {
            X->syn_tx++;
            t->st.retransmits++;
            v->notes |= TRK_NOTE_RETRANSMIT;
            if (s == TRK_SERVER)
                c->synack_retransmits++;
            if (c->t_ack_ns == 0)
                c->t_synack_last_ns = p->ts_ns;
        } else {
            v->notes |= TRK_NOTE_STRAY;
        }
        return;
    }
    if ((Y->isn_known && !trk__acks_syn(Y, p->ack)) || (X->sent_syn && p->seq != X->isn)) {
        /* RFC 9293 3.10.7.3: an unacceptable ACK in SYN-SENT draws a RST
         * and changes nothing. */
        c->anomalies |= CONN_ANOM_WRONG_ACK;
        v->notes |= TRK_NOTE_STRAY;
        return;
    }
    if (!Y->isn_known) { /* leading SYN+ACK: the client's ISN is implied */
        Y->isn_known = true;
        Y->isn = p->ack - 1;
        Y->snd_nxt = p->ack;
    }
    if (Y->sent_syn && p->ack == Y->isn + 1 && seq_gt(Y->snd_nxt, Y->isn + 1))
        v->notes |= TRK_NOTE_SYN_DATA_IGNORED; /* TFO data not accepted */
    X->sent_synack = true;
    X->isn_known = true;
    X->isn = p->seq;
    X->syn_tx++;
    copy_opts(X, p);
    c->synack_seen = true;
    c->t_synack_ns = c->t_synack_last_ns = p->ts_ns;
    if (X->state == TS_LISTEN || X->state == TS_SYN_SENT || X->state == TS_CLOSED)
        trk__change(v, c, s, TS_SYN_RECV, false);
    if (Y->state == TS_SYN_SENT || Y->state == TS_SYN_RECV)
        trk__change(v, c, !s, TS_ESTABLISHED, Y->presumed);
    trk__check_complete(c, v);
}

/* The acknowledgment part of a segment without SYN or RST. */
static void on_ack_handshake(struct conn *c, int s, const struct pkt *p, struct trk_verdict *v)
{
    struct endpoint *X = &c->ep[s], *Y = &c->ep[!s];
    uint8_t unacked = (uint8_t)(TRK_P_SYNACK_UNACKED << !s);
    /* RFC 9293 3.10.7.4: SYN-RECEIVED and SND.UNA < SEG.ACK =< SND.NXT ->
     * ESTABLISHED. Our SND.NXT of a SYN_RECV endpoint is its ISN+1 (plus
     * any data it sent, e.g. TFO). An endpoint that closed from SYN_RECV
     * (a TFO server's reply and FIN before the client's third ACK) still
     * needs this ACK of its SYN in FIN_WAIT_1: it is the handshake ACK
     * (issue 21 #1). */
    if ((Y->state == TS_SYN_RECV || (c->pending & unacked)) && Y->isn_known &&
        seq_geq(p->ack, Y->isn + 1) && seq_leq(p->ack, Y->snd_nxt)) {
        c->pending &= (uint8_t)~unacked;
        if (X->state == TS_SYN_SENT || X->state == TS_SYN_RECV)
            trk__change(v, c, s, TS_ESTABLISHED, false);
        if (Y->state == TS_SYN_RECV)
            trk__change(v, c, !s, TS_ESTABLISHED, false);
        v->notes |= TRK_NOTE_HANDSHAKE_ACK;
        c->t_ack_ns = p->ts_ns;
        trk__check_complete(c, v);
        return;
    }
    /* One-sided capture: the client ACKs a SYN+ACK the capture never saw.
     * RFC 9293 3.10.7.3: a SYN-SENT client only sends an ACK after an
     * acceptable SYN+ACK, so the server answered; infer it (presumed). */
    if (s == TRK_CLIENT && X->state == TS_SYN_SENT && X->sent_syn && !c->synack_seen &&
        Y->state == TS_LISTEN && seq_geq(p->seq, X->isn + 1)) {
        Y->isn_known = true;
        Y->isn = p->ack - 1;
        Y->snd_nxt = p->ack;
        trk__change(v, c, s, TS_ESTABLISHED, false);
        trk__change(v, c, !s, TS_ESTABLISHED, true);
        v->notes |= TRK_NOTE_HANDSHAKE_ACK;
        c->t_ack_ns = p->ts_ns;
        trk__check_complete(c, v);
    }
}

/* ACK of the receiver's FIN (RFC 9293 3.10.7.4, fifth check: FIN-WAIT-1 ->
 * FIN-WAIT-2, CLOSING -> TIME-WAIT, LAST-ACK -> CLOSED). */
static void on_ack_fin(struct conn *c, int s, struct trk_verdict *v)
{
    struct endpoint *Y = &c->ep[!s];
    if (Y->state == TS_FIN_WAIT_1)
        trk__change(v, c, !s, TS_FIN_WAIT_2, false);
    else if (Y->state == TS_CLOSING)
        trk__change(v, c, !s, TS_TIME_WAIT, false);
    else if (Y->state == TS_LAST_ACK)
        trk__change(v, c, !s, TS_CLOSED, false);
}

/* FIN from side s: the sender's change (RFC 9293 3.10.4 CLOSE). A FIN
 * from CLOSE_WAIT that does not acknowledge the peer's FIN was sent before
 * the peer's FIN arrived: a simultaneous close (Figure 13), so the sender is
 * in CLOSING, not LAST_ACK. */
static bool on_fin_sender(struct conn *c, int s, const struct pkt *p, struct trk_verdict *v)
{
    struct endpoint *X = &c->ep[s], *Y = &c->ep[!s];
    uint32_t fin_seq = p->seq + p->payload_len;
    bool acks_peer_fin = (p->flags & TH_ACK) && Y->fin_sent && seq_geq(p->ack, Y->fin_seq + 1);
    if (X->fin_sent && fin_seq == X->fin_seq)
        return false; /* retransmitted FIN */
    if (X->sent_any && !trk__seq_in_window(X, p->seq)) {
        /* Out of window: conntrack's tcp_in_window() would call it INVALID. */
        v->notes |= TRK_NOTE_STRAY;
        return false;
    }
    X->fin_sent = true;
    X->fin_seq = fin_seq;
    switch (X->state) {
    case TS_SYN_RECV:
        /* RFC 9293 3.10.4: CLOSE in SYN-RECEIVED sends a FIN; the ACK of the
         * SYN is still to come (on_ack_handshake). */
        if (X->sent_synack)
            c->pending |= (uint8_t)(TRK_P_SYNACK_UNACKED << s);
        trk__change(v, c, s, TS_FIN_WAIT_1, false);
        break;
    case TS_ESTABLISHED:
        trk__change(v, c, s, TS_FIN_WAIT_1, false);
        break;
    case TS_CLOSE_WAIT:
        trk__change(v, c, s, ((p->flags & TH_ACK) && !acks_peer_fin) ? TS_CLOSING : TS_LAST_ACK, false);
        break;
    default:
        break;
    }
    return true;
}

/* FIN arriving at the other side (RFC 9293 3.10.7.4, eighth check):
 * ESTABLISHED -> CLOSE_WAIT; FIN_WAIT_1 -> TIME_WAIT if the FIN also
 * acknowledges its own FIN, else CLOSING; FIN_WAIT_2 -> TIME_WAIT. */
static void on_fin_receiver(struct conn *c, int s, bool acks_its_fin, struct trk_verdict *v)
{
    struct endpoint *Y = &c->ep[!s];
    switch (Y->state) {
    case TS_ESTABLISHED:
    case TS_SYN_RECV:
        trk__change(v, c, !s, TS_CLOSE_WAIT, false);
        break;
    case TS_FIN_WAIT_1:
        trk__change(v, c, !s, acks_its_fin ? TS_TIME_WAIT : TS_CLOSING, false);
        break;
    case TS_FIN_WAIT_2:
        trk__change(v, c, !s, TS_TIME_WAIT, false);
        break;
    default:
        if (acks_its_fin)
            on_ack_fin(c, s, v);
        break;
    }
}

/* Is a RST from X acceptable to Y? RFC 9293 3.10.7.3 (SYN-SENT: only if it
 * acknowledges the SYN) and 3.10.7.4 (in the window; we accept from the
 * sender's ISN up to a generous window past what it has sent). */
static bool rst_acceptable(const struct conn *c, int s, const struct pkt *p)
{
    const struct endpoint *X = &c->ep[s], *Y = &c->ep[!s];
    if (Y->state == TS_SYN_SENT)
        return (p->flags & TH_ACK) && trk__acks_syn(Y, p->ack);
    /* From a SYN_SENT endpoint, only a RST carrying its own SND.NXT (or
     * ISN) withdraws its SYN; any other is its <SEQ=SEG.ACK><CTL=RST> reply
     * to an unacceptable SYN+ACK (3.10.7.3), after which it stays in
     * SYN_SENT. */
    if (X->state == TS_SYN_SENT && X->isn_known)
        return p->seq == X->isn || p->seq == X->isn + 1;
    return trk__seq_in_window(X, p->seq);
}

static void on_rst(struct conn *c, int s, const struct pkt *p, struct trk_verdict *v)
{
    struct endpoint *Y = &c->ep[!s];
    uint8_t y_before = Y->state;
    bool hold;
    if (!rst_acceptable(c, s, p)) {
        c->anomalies |= CONN_ANOM_STRAY_RST;
        v->notes |= TRK_NOTE_STRAY;
        return;
    }
    /* A RST its receiver had reason to drop is taken, but its record waits:
     * later segments that fit may revise it (tracker_revise.c). */
    hold = trk__rst_doubtful(c, s, p);
    if (hold)
        trk__rst_hold(c, s);
    if (s == TRK_SERVER && c->ep[s].state == TS_LISTEN && c->ep[s].presumed &&
        y_before == TS_SYN_SENT && !c->synack_seen) {
        /* Refused: the LISTEN was only presumed, and this RST shows nothing
         * listened. The server was CLOSED all along (RFC 9293 3.10.7.1): no
         * LISTEN->CLOSED transition, the presumption is corrected (issue 14;
         * docs/STATES.md). */
        c->ep[s].state = TS_CLOSED;
        c->ep[s].presumed = false;
        v->notes |= TRK_NOTE_NOT_LISTENING;
    } else {
        trk__change(v, c, s, TS_CLOSED, false);
    }
    if (y_before == TS_SYN_RECV && s == TRK_CLIENT && !Y->sent_syn)
        trk__change(v, c, !s, TS_LISTEN, false); /* passive open returns to LISTEN (3.10.7.4) */
    else if (y_before != TS_LISTEN)
        trk__change(v, c, !s, TS_CLOSED, false); /* LISTEN ignores a RST (3.10.7.2) */
    if (c->outcome == HS_PENDING) {
        enum hs_outcome o = HS_PENDING;
        if (s == TRK_SERVER && y_before == TS_SYN_SENT && !c->synack_seen)
            o = HS_REFUSED; /* RST+ACK acking ISN+1, no SYN+ACK */
        else if (c->client_syn_seen)
            o = HS_ABORTED;
        /* A held RST's outcome waits with its record (--outcome decides on it). */
        if (hold)
            c->rst_prev[3] = (uint8_t)o;
        else if (o != HS_PENDING)
            outcome_set(c, o, v);
    }
    c->close = (s == TRK_CLIENT) ? CLOSE_RESET_BY_CLIENT : CLOSE_RESET_BY_SERVER;
    c->ended = true;
    if (!hold)
        v->notes |= TRK_NOTE_ENDED;
}

static bool closed_or_time_wait(uint8_t s) { return s == TS_CLOSED || s == TS_TIME_WAIT; }

/* ---- feed -------------------------------------------------------------- */

void tracker_feed(struct tracker *t, const struct pkt *p, struct trk_verdict *v,
                  const struct trk_sink *sink)
{
    bool syn = p->flags & TH_SYN, ack = p->flags & TH_ACK, rst = p->flags & TH_RST,
         fin = p->flags & TH_FIN;
    int a_is_ep0 = 1, s;
    struct conn *c;
    struct endpoint *X;
    uint32_t seglen;

    memset(v, 0, sizeof(*v));
    /* Expiry relies on how far segment time ever steps back (see sweep). */
    if (p->ts_ns >= t->max_ts_ns)
        t->max_ts_ns = p->ts_ns;
    else if (t->max_ts_ns - p->ts_ns > t->back_ns)
        t->back_ns = t->max_ts_ns - p->ts_ns;
    c = conntab_find(t->ct, &p->src, p->sport, &p->dst, p->dport, &a_is_ep0);

    /* conntrack treats SYN+FIN, SYN+RST and flagless segments as INVALID:
     * they never create or move state. */
    if (p->anomalies & PKT_ANOM_FLAGS_INVALID) {
        t->st.invalid++;
        v->notes |= TRK_NOTE_INVALID;
        if (!c) {
            t->st.untracked++;
            return;
        }
        c->anomalies |= CONN_ANOM_INVALID_FLAGS;
        c->pkts++;
        c->t_last_ns = p->ts_ns;
        touch(t, c); /* seen: its timeout counts from this segment */
        v->conn = c;
        v->from_client = a_is_ep0;
        return;
    }

    /* A RST held because its receiver had reason to drop it: a segment that
     * fits the connection as it was before the RST revises it away. */
    if (c && c->ended && (c->pending & TRK_P_RST_HELD)) {
        int side = (c->anomalies & CONN_ANOM_SELF_CONNECT)
                       ? ((syn && ack) ? TRK_SERVER : TRK_CLIENT)
                       : (a_is_ep0 ? TRK_CLIENT : TRK_SERVER);
        trk__rst_revise(c, side, p, v);
    }

    /* Not in the table: a connection the memory remembers comes back as an
     * ended entry (the only extra work on the common path is this miss). */
    if (!c && t->mem) {
        struct conn back;
        if (trk__recall(t->mem, p, t->next_id, &back, &a_is_ep0)) {
            c = alloc_conn(t, p->ts_ns, sink);
            if (!c) {
                t->st.untracked++;
                return;
            }
            *c = back;
            conntab_insert(t->ct, c, CT_ENDED, TK_CLOSE);
            if (conntab_count(t->ct) > t->st.peak_active)
                t->st.peak_active = conntab_count(t->ct);
            t->st.returned++;
        }
    }
    if (c && c->returned && trk__returned_segment(c, a_is_ep0, p, v)) {
        if (v->notes & TRK_NOTE_RETRANSMIT) {
            t->st.retransmits++;
            t->st.returned_syn_retransmits++;
        }
        t->st.returned_segments++;
        touch(t, c);
        return;
    }

    if (c && syn && !ack) {
        bool self = c->anomalies & CONN_ANOM_SELF_CONNECT;
        int side = self ? TRK_CLIENT : (a_is_ep0 ? TRK_CLIENT : TRK_SERVER);
        const struct endpoint *S = &c->ep[side];
        bool late_syn = side == TRK_CLIENT && !S->sent_syn && c->synack_seen &&
                        S->isn_known && p->seq == S->isn;
        bool simultaneous = side == TRK_SERVER && !S->sent_syn &&
                            c->ep[TRK_CLIENT].state == TS_SYN_SENT;
        bool retransmit = S->sent_syn && p->seq == S->isn;
        if (c->ended || !(late_syn || simultaneous || retransmit)) {
            /* A SYN after the end, or with a new ISN on a live tuple,
             * starts a new connection (docs/SEMANTICS.md 2.4). */
            uint32_t gen = c->generation + 1;
            if (!c->ended) {
                c->anomalies |= CONN_ANOM_ISN_CHANGE;
                v->notes |= TRK_NOTE_REUSE;
            }
            emit_record(t, c, TRK_END_REPLACED, p->ts_ns, sink);
            conntab_release(t->ct, c);
            c = new_conn(t, p, gen, v, sink);
            if (!c) {
                t->st.untracked++;
                return;
            }
            a_is_ep0 = 1;
        }
    } else if (c && c->ended) {
        /* A straggler after a RST or a full close: attributed, not acted on. */
        c->pkts++;
        c->t_last_ns = p->ts_ns;
        c->ep[a_is_ep0 ? 0 : 1].pkts++;
        touch(t, c);
        v->conn = c;
        v->from_client = a_is_ep0;
        v->notes |= TRK_NOTE_AFTER_END;
        return;
    } else if (!c) {
        c = new_conn(t, p, 0, v, sink);
        if (!c) {
            t->st.untracked++;
            return;
        }
        a_is_ep0 = ipaddr_eq(&c->ep[0].addr, &p->src) && c->ep[0].port == p->sport;
    }

    if (c->anomalies & CONN_ANOM_SELF_CONNECT)
        s = (syn && ack) ? TRK_SERVER : TRK_CLIENT; /* one socket at both ends */
    else
        s = a_is_ep0 ? TRK_CLIENT : TRK_SERVER;
    X = &c->ep[s];
    v->conn = c;
    v->from_client = (s == TRK_CLIENT);
    c->pkts++;
    c->t_last_ns = p->ts_ns;
    X->pkts++;
    X->bytes += p->payload_len;
    if (syn && p->payload_len)
        v->notes |= TRK_NOTE_SYN_DATA;

    if (ack && !syn)
        trk__infer_handshake(c, s, p, v);
    if (rst) {
        on_rst(c, s, p, v);
    } else if (syn && !ack) {
        on_syn(c, s, p, v, t);
    } else if (syn) {
        on_synack(c, s, p, v, t);
    } else if (c->anomalies & CONN_ANOM_SELF_CONNECT) {
        if (ack)
            on_ack_handshake(c, s, p, v);
        trk__self_fin_ack(c, p, v);
    } else {
        struct endpoint *Y = &c->ep[!s];
        bool new_fin = false, acks_y_fin;
        if (ack)
            on_ack_handshake(c, s, p, v);
        acks_y_fin = ack && Y->fin_sent && seq_geq(p->ack, Y->fin_seq + 1);
        if (fin)
            new_fin = on_fin_sender(c, s, p, v);
        if (new_fin)
            on_fin_receiver(c, s, acks_y_fin, v);
        else if (acks_y_fin)
            on_ack_fin(c, s, v);
    }

    /* What X has sent so far (RFC 9293 3.4: SYN and FIN take one number). */
    seglen = p->payload_len + (syn ? 1u : 0u) + (fin ? 1u : 0u);
    /* A held RST's sequence number may be an injector's: it moves nothing. */
    if (!(v->notes & TRK_NOTE_STRAY) && !(rst && (c->pending & TRK_P_RST_HELD))) {
        struct endpoint *Y = &c->ep[!s];
        /* A RST from an endpoint with no ISN yet (a closed port's RST+ACK,
         * <SEQ=0>) has nothing to be relative to: it is shown as sent. */
        if (!rst || X->isn_known || X->seq_base) {
            if (!X->isn_known && !X->seq_base)
                X->isn = p->seq - 1; /* base for relative numbers (mid-stream) */
            X->seq_base = true;
        }
        if (ack && !rst && !Y->isn_known && !Y->seq_base) {
            Y->isn = p->ack - 1; /* the peer's next byte is relative 1 */
            Y->seq_base = true;
        }
        if (!X->sent_any || seq_gt(p->seq + seglen, X->snd_nxt))
            X->snd_nxt = p->seq + seglen;
        X->sent_any = true;
        if (!rst)
            X->presumed = X->presumed && c->roles_guessed;
    }

    if (!c->ended && X->fin_sent && c->ep[!s].fin_sent &&
        closed_or_time_wait(c->ep[0].state) && closed_or_time_wait(c->ep[1].state)) {
        c->close = CLOSE_CLOSED;
        c->ended = true;
        v->notes |= TRK_NOTE_ENDED;
    }
    if (v->notes & TRK_NOTE_STRAY)
        t->st.strays++;
    if (c->ended && !(c->pending & TRK_P_RST_HELD))
        finalize(c, TRK_END_FINISHED);
    touch(t, c);
}

/* ---- time ---------------------------------------------------------------- */

static void expire_one(struct tracker *t, struct conn *c, uint64_t now_ns,
                       const struct trk_sink *sink)
{
    if (!c->emitted && (c->pending & TRK_P_RST_HELD)) {
        emit_record(t, c, TRK_END_FINISHED, now_ns, sink); /* the RST stands */
    } else if (!c->emitted) {
        /* The handshake gave up: Linux drops a SYN_SENT socket after
         * tcp_syn_retries and a request socket after tcp_synack_retries. */
        int side;
        for (side = 0; side < 2; side++) {
            uint8_t st = c->ep[side].state;
            if (st == TS_SYN_SENT || st == TS_SYN_RECV) {
                struct trk_change ch = { (uint8_t)side, st, TS_CLOSED, false };
                c->ep[side].state = TS_CLOSED;
                if (sink && sink->timer_change)
                    sink->timer_change(sink->user, c, &ch, now_ns);
            }
        }
        t->st.timed_out++;
        emit_record(t, c, TRK_END_TIMEOUT, now_ns, sink);
    }
    remember(t, c, now_ns);
    conntab_release(t->ct, c);
}

/* The next entry of list (cls, k), from c on, whose timeout has passed at
 * now_ns; NULL when no later entry of the list can have expired. A list is
 * in last-seen order and its entries share one timeout, so with segment
 * times that never step back the first live entry ends the walk. If they
 * step back by at most back_ns, an entry seen after c has t_last at least
 * c's t_last - back_ns, so the walk ends at the first entry whose t_last is
 * more than back_ns too new. */
static struct conn *next_expired(struct tracker *t, struct conn *c, enum to_kind k,
                                 uint64_t now_ns)
{
    uint64_t to = t->kind_ns[k];
    for (; c; c = conntab_newer(t->ct, c)) {
        if (c->t_last_ns + to <= now_ns)
            return c;
        if (c->t_last_ns + to > now_ns + t->back_ns)
            return NULL;
    }
    return NULL;
}

/* Every entry whose timeout has passed expires, class by class (ended
 * entries, handshakes, open connections) and within a class in last-seen
 * order: the lists of the class are merged by touch stamp. The work is
 * proportional to the entries that expire, not to the table. */
size_t tracker_expire(struct tracker *t, uint64_t now_ns, const struct trk_sink *sink)
{
    size_t emitted = 0;
    int cls;
    if (now_ns < t->next_sweep_ns)
        return 0;
    t->next_sweep_ns = now_ns + (uint64_t)CFG_EXPIRE_SWEEP_S * NS_PER_S;
    for (cls = 0; cls < CT__COUNT; cls++) {
        struct conn *cur[TK__COUNT];
        unsigned k;
        for (k = 0; k < TK__COUNT; k++)
            cur[k] = next_expired(t, conntab_oldest(t->ct, (enum conntab_class)cls, k),
                                  (enum to_kind)k, now_ns);
        for (;;) {
            unsigned best = TK__COUNT;
            struct conn *c;
            for (k = 0; k < TK__COUNT; k++)
                if (cur[k] && (best == TK__COUNT || cur[k]->lru_stamp < cur[best]->lru_stamp))
                    best = k;
            if (best == TK__COUNT)
                break;
            c = cur[best];
            /* Step past c before it is released. */
            cur[best] = next_expired(t, conntab_newer(t->ct, c), (enum to_kind)best, now_ns);
            if (!c->emitted)
                emitted++;
            expire_one(t, c, now_ns, sink);
        }
    }
    return emitted;
}

/* In-place heapsort of slots by connection id: no scratch beyond the slot
 * array, no recursion, no comparison callback. */
static void sift(struct conntab *ct, uint32_t *a, uint32_t i, uint32_t n)
{
    for (;;) {
        uint32_t l = 2 * i + 1, m = i, tmp;
        if (l < n && conntab_slot(ct, a[l])->id > conntab_slot(ct, a[m])->id)
            m = l;
        if (l + 1 < n && conntab_slot(ct, a[l + 1])->id > conntab_slot(ct, a[m])->id)
            m = l + 1;
        if (m == i)
            return;
        tmp = a[i];
        a[i] = a[m];
        a[m] = tmp;
        i = m;
    }
}

static void sort_by_id(struct conntab *ct, uint32_t *a, uint32_t n)
{
    uint32_t i, tmp;
    for (i = n / 2; i-- > 0;)
        sift(ct, a, i, n);
    for (i = n; i-- > 1;) {
        tmp = a[0];
        a[0] = a[i];
        a[i] = tmp;
        sift(ct, a, 0, i);
    }
}

void tracker_finish(struct tracker *t, uint64_t now_ns, const struct trk_sink *sink)
{
    uint32_t used = conntab_slots_used(t->ct), i, n = 0;
    for (i = 0; i < used; i++) {
        struct conn *c = conntab_slot(t->ct, i);
        if (c && !c->emitted)
            t->order[n++] = i;
    }
    /* Records come out in id (first-seen) order, so output is stable. */
    sort_by_id(t->ct, t->order, n);
    for (i = 0; i < n; i++)
        emit_record(t, conntab_slot(t->ct, t->order[i]), TRK_END_END_OF_INPUT, now_ns, sink);
}

/* ---- derived values ------------------------------------------------------- */

const char *conn_ecn(const struct conn *c)
{
    if (!c->ep[TRK_CLIENT].opts.ecn)
        return "off";
    return c->ep[TRK_SERVER].opts.ecn ? "negotiated" : "declined";
}

int64_t conn_rtt_syn_synack_us(const struct conn *c)
{
    if (!c->client_syn_seen || !c->synack_seen || c->t_synack_ns < c->t_syn_last_ns)
        return -1;
    return (int64_t)((c->t_synack_ns - c->t_syn_last_ns) / 1000u);
}

int64_t conn_rtt_first_syn_synack_us(const struct conn *c)
{
    if (!c->client_syn_seen || !c->synack_seen || c->t_synack_ns < c->t_syn_ns)
        return -1;
    return (int64_t)((c->t_synack_ns - c->t_syn_ns) / 1000u);
}

int64_t conn_rtt_synack_ack_us(const struct conn *c)
{
    if (!c->synack_seen || !c->t_ack_ns || c->t_ack_ns < c->t_synack_last_ns)
        return -1;
    return (int64_t)((c->t_ack_ns - c->t_synack_last_ns) / 1000u);
}
