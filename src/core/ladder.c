/* ladder.c: ladder rows from tracker verdicts (layout in ladder.h): each
 * segment or timeout as a row with both endpoints' states, the connection's
 * head and foot; their terminal drawing is ladder_draw.c. */
#include "ladder.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "decode.h"
#include "report.h"
#include "tcp_wire.h"
#include "tcpopt.h"

/* ---- rows ---------------------------------------------------------------- */

static int64_t since_us(uint64_t ts_ns, uint64_t t0_ns)
{
    /* Captures can go back in time (merged files): keep the sign. */
    return ts_ns >= t0_ns ? (int64_t)((ts_ns - t0_ns) / 1000u)
                          : -(int64_t)((t0_ns - ts_ns) / 1000u);
}

__attribute__((format(printf, 3, 4))) static void cat(char *out, size_t cap, const char *fmt,
                                                      ...)
{
    size_t n = strlen(out);
    va_list ap;
    if (n + 1 >= cap)
        return;
    va_start(ap, fmt);
    vsnprintf(out + n, cap - n, fmt, ap);
    va_end(ap);
}

/* Key options of a SYN or SYN+ACK: "mss 1460, ws 7, sackOK, TS". */
static void key_opts(const struct pkt *p, char *out, size_t cap)
{
    const struct tcp_opts *o = &p->opt;
    const char *sep = "";
    out[0] = '\0';
    if (o->present & TCPOPT_P_MSS) {
        cat(out, cap, "%smss %u", sep, (unsigned)o->mss);
        sep = ", ";
    }
    if (o->present & TCPOPT_P_WSCALE) {
        cat(out, cap, "%sws %u", sep, (unsigned)o->wscale);
        sep = ", ";
    }
    if (o->present & TCPOPT_P_SACK_OK) {
        cat(out, cap, "%ssackOK", sep);
        sep = ", ";
    }
    if (o->present & TCPOPT_P_TS) {
        cat(out, cap, "%sTS", sep);
        sep = ", ";
    }
    if (o->present & TCPOPT_P_TFO) {
        if (o->tfo_len == 0)
            cat(out, cap, "%sTFO cookie request", sep);
        else
            cat(out, cap, "%sTFO cookie %u B", sep, (unsigned)o->tfo_len);
        sep = ", ";
    }
    /* RFC 3168 6.1.1: an ECN-setup SYN has ECE and CWR, its SYN+ACK ECE only. */
    if ((p->flags & TH_ACK) ? (p->flags & (TH_ECE | TH_CWR)) == TH_ECE
                            : (p->flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR)) {
        cat(out, cap, "%sECN", sep);
        sep = ", ";
    }
    if (o->present & TCPOPT_P_MD5) {
        cat(out, cap, "%smd5", sep);
        sep = ", ";
    }
    if (o->present & TCPOPT_P_MPTCP)
        cat(out, cap, "%smptcp", sep);
}

/* Fill changed/before from the verdict's changes for one side. */
static void side_changes(struct ladder_row *r, const struct trk_verdict *v, int side)
{
    unsigned i, n = v->nchanges > TRK_MAX_CHANGES ? TRK_MAX_CHANGES : v->nchanges;
    bool first = true;
    for (i = 0; i < n; i++) {
        const struct trk_change *ch = &v->changes[i];
        if (ch->side != side)
            continue;
        if (first) {
            /* A presumed first state (the server's LISTEN at the first SYN) is
             * where the endpoint already was, not a move. */
            if (ch->presumed && ch->from == TS_CLOSED) {
                r->before[side] = ch->to;
                r->before_presumed[side] = true;
            } else {
                r->before[side] = ch->from;
                r->before_presumed[side] = false;
                r->changed[side] = true;
            }
            first = false;
        } else {
            r->changed[side] = true;
        }
        /* The row says what the state records say: a state the segment
         * inferred stays presumed although the same segment confirmed the
         * sender's state afterwards (tracker_revise.c, server-only
         * captures; docs/STATES.md). */
        if (ch->to == r->state[side])
            r->presumed[side] = ch->presumed;
    }
    if (first) {
        r->before[side] = r->state[side];
        r->before_presumed[side] = r->presumed[side];
    }
}

void ladder_row_segment(struct ladder_row *r, const struct pkt *p, const struct trk_verdict *v,
                        unsigned flags)
{
    const struct conn *c = v->conn;
    int i, me = v->from_client ? TRK_CLIENT : TRK_SERVER;

    memset(r, 0, sizeof(*r));
    r->kind = LADDER_SEGMENT;
    r->from_client = v->from_client;
    r->tcp_flags = p->flags;
    r->notes = v->notes;
    r->seq = p->seq;
    r->ack = p->ack;
    r->len = p->payload_len;
    if (!c)
        return;
    r->conn_id = c->id;
    r->t_us = since_us(p->ts_ns, c->t_first_ns);
    r->outcome = c->outcome;
    if (!(flags & RPT_ABS_SEQ)) {
        r->seq = conn_rel_seq(c, me, p->seq);
        r->ack = conn_rel_seq(c, 1 - me, p->ack);
    }
    for (i = 0; i < 2; i++) {
        r->state[i] = c->ep[i].state;
        r->presumed[i] = c->ep[i].presumed;
        side_changes(r, v, i);
    }
    r->crossed = me == TRK_SERVER && (p->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
                 r->changed[TRK_CLIENT] && r->before[TRK_CLIENT] == TS_SYN_SENT &&
                 r->state[TRK_CLIENT] == TS_SYN_RECV;
    if (p->flags & TH_SYN)
        key_opts(p, r->opts, sizeof(r->opts));
    if (flags & RPT_EXPLAIN)
        explain_segment(p, v, flags, r->explain, sizeof(r->explain));
}

void ladder_row_timer(struct ladder_row *r, const struct conn *c, const struct trk_change *ch,
                      uint64_t ts_ns, unsigned flags)
{
    int i;
    memset(r, 0, sizeof(*r));
    r->kind = LADDER_TIMER;
    r->conn_id = c->id;
    r->t_us = since_us(ts_ns, c->t_first_ns);
    r->from_client = ch->side == TRK_CLIENT;
    r->count = ts_ns > c->t_last_ns ? ts_ns - c->t_last_ns : 0;
    for (i = 0; i < 2; i++) {
        r->state[i] = c->ep[i].state;
        r->presumed[i] = c->ep[i].presumed;
        r->before[i] = r->state[i];
        r->before_presumed[i] = r->presumed[i];
    }
    r->before[ch->side] = ch->from;
    r->before_presumed[ch->side] = false;
    r->changed[ch->side] = true;
    if (flags & RPT_EXPLAIN)
        explain_timer(c, ch, ts_ns, r->explain, sizeof(r->explain));
}

void ladder_conn_begin(struct ladder_conn *h, const struct conn *c)
{
    memset(h, 0, sizeof(*h));
    h->id = c->id;
    endpoint_format(&c->ep[TRK_CLIENT].addr, c->ep[TRK_CLIENT].port, h->ep[TRK_CLIENT]);
    endpoint_format(&c->ep[TRK_SERVER].addr, c->ep[TRK_SERVER].port, h->ep[TRK_SERVER]);
    h->roles_guessed = c->roles_guessed;
    h->rtt_syn_synack_us = h->rtt_synack_ack_us = -1;
}

void ladder_conn_end(struct ladder_conn *h, const struct conn *c, enum trk_end why,
                     unsigned flags)
{
    if (h->id != c->id)
        ladder_conn_begin(h, c);
    h->roles_guessed = c->roles_guessed;
    h->ended = true;
    h->outcome = c->outcome;
    h->close = c->close;
    h->why = (uint8_t)why;
    h->simultaneous = c->simultaneous;
    h->rtt_syn_synack_us = conn_rtt_syn_synack_us(c);
    h->rtt_synack_ack_us = conn_rtt_synack_ack_us(c);
    h->syn_retransmits = c->syn_retransmits;
    h->synack_retransmits = c->synack_retransmits;
    h->pkts = c->pkts;
    h->explain[0] = '\0';
    if (flags & RPT_EXPLAIN)
        explain_outcome(c, why, h->explain, sizeof(h->explain));
}

char *ladder_notes_text(const struct ladder_row *r, char *out, size_t cap)
{
    const char *sep = "";
    out[0] = '\0';
#define NOTE(cond, ...)                        \
    do {                                       \
        if (cond) {                            \
            cat(out, cap, "%s", sep);          \
            cat(out, cap, __VA_ARGS__);        \
            sep = ", ";                        \
        }                                      \
    } while (0)
    NOTE(r->notes & TRK_NOTE_REUSE, "new ISN: a new connection");
    NOTE(r->crossed, "simultaneous open: the SYNs cross");
    NOTE(r->notes & TRK_NOTE_RETRANSMIT, "retransmission");
    NOTE(r->notes & TRK_NOTE_DUPLICATE, "duplicate");
    NOTE(r->notes & TRK_NOTE_SYN_DATA, "%" PRIu32 " bytes on the SYN (Fast Open)", r->len);
    NOTE(r->notes & TRK_NOTE_STRAY, "stray: does not fit, ignored");
    NOTE(r->notes & TRK_NOTE_INVALID, "invalid flags: ignored");
    NOTE(r->notes & TRK_NOTE_AFTER_END, "after the end");
    NOTE(r->notes & TRK_NOTE_IGNORED_RST, "goes on: the RST was ignored");
    NOTE((r->notes & TRK_NOTE_OUTCOME) && r->outcome == HS_COMPLETE, "handshake complete");
    NOTE((r->notes & TRK_NOTE_OUTCOME) && r->outcome == HS_REFUSED, "connection refused");
    NOTE((r->notes & TRK_NOTE_OUTCOME) && r->outcome == HS_ABORTED, "handshake aborted");
#undef NOTE
    return out;
}

char *ladder_label(const struct ladder_row *r, char *out, size_t cap)
{
    char words[48];
    out[0] = '\0';
    cat(out, cap, "%s seq %" PRIu32, tcp_flags_words(r->tcp_flags, words), r->seq);
    if (r->tcp_flags & TH_ACK)
        cat(out, cap, " ack %" PRIu32, r->ack);
    if (r->len)
        cat(out, cap, " len %" PRIu32, r->len);
    return out;
}

size_t ladder_wrap(const char *text, size_t width, struct wrap_line *lines, size_t max)
{
    size_t n = 0, i = 0, len = strlen(text);
    if (width == 0)
        width = 1;
    while (i < len && n < max) {
        size_t end, brk;
        while (i < len && text[i] == ' ')
            i++;
        if (i >= len)
            break;
        if (len - i <= width) {
            lines[n].start = i;
            lines[n++].len = len - i;
            break;
        }
        /* The last space within width + 1 columns ends the line. */
        end = i + width;
        brk = end;
        while (brk > i && text[brk] != ' ')
            brk--;
        if (brk == i)
            brk = end; /* one long word: split it */
        lines[n].start = i;
        lines[n++].len = brk - i;
        i = brk;
    }
    return n;
}
