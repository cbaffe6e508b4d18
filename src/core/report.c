/* report.c: what every reporter shares: dispatch, relative sequence numbers,
 * time and side formatting. */
#include <inttypes.h>
#include <stdio.h>

#include "report.h"
#include "report_int.h"
#include "tcp_wire.h"

void reporter_destroy(struct reporter *r)
{
    if (r && r->ops && r->ops->destroy)
        r->ops->destroy(r);
}

void reporter_syscall(struct reporter *r, uint64_t ts_ns, const char *text)
{
    if (r && r->ops && r->ops->syscall)
        r->ops->syscall(r, ts_ns, text);
}

void reporter_kernel(struct reporter *r, const struct rpt_kernel *k)
{
    if (r && r->ops && r->ops->kernel)
        r->ops->kernel(r, k);
}

void reporter_held_copy(struct reporter *r, const struct rpt_held_copy *h)
{
    if (r && r->ops && r->ops->held_copy)
        r->ops->held_copy(r, h);
}

void reporter_epoch(struct reporter *r, uint64_t ts_ns)
{
    if (r && r->ops && r->ops->epoch)
        r->ops->epoch(r, ts_ns);
}

void reporter_listener(struct reporter *r, const struct rpt_listener *l)
{
    if (r && r->ops && r->ops->listener)
        r->ops->listener(r, l);
}

void reporter_agree(struct reporter *r, const struct rpt_agree *a)
{
    if (r && r->ops && r->ops->agree)
        r->ops->agree(r, a);
}

uint32_t conn_rel_seq(const struct conn *c, int side, uint32_t seq)
{
    const struct endpoint *e;
    if (!c || side < 0 || side > 1)
        return seq;
    e = &c->ep[side];
    /* Modulo 2^32, so numbers stay right across the wrap (RFC 9293 3.4). */
    return (e->isn_known || e->seq_base) ? seq - e->isn : seq;
}

static void fixed_point(char *out, bool neg, uint64_t whole, uint64_t frac, int digits);

/* Same text as "%" PRIu64 ".%06" PRIu64, without printf: the reporters
 * format several times per connection record. */
void ts_format(uint64_t ts_ns, char out[32])
{
    fixed_point(out, false, ts_ns / 1000000000u, (ts_ns % 1000000000u) / 1000u, 6);
}

const char *report__side_name(unsigned side)
{
    static const char *const names[2] = { "client", "server" };
    return side < 2 ? names[side] : "?";
}

/* "[-]INT.FRAC" with `digits` decimals of frac: "%s%" PRIu64 ".%0*" PRIu64. */
static void fixed_point(char *out, bool neg, uint64_t whole, uint64_t frac, int digits)
{
    char d[20];
    size_t i = sizeof(d), n = 0;
    int k;
    if (neg)
        out[n++] = '-';
    do {
        d[--i] = (char)('0' + whole % 10u);
        whole /= 10u;
    } while (whole);
    while (i < sizeof(d))
        out[n++] = d[i++];
    out[n++] = '.';
    for (k = digits - 1; k >= 0; k--) {
        out[n + (size_t)k] = (char)('0' + frac % 10u);
        frac /= 10u;
    }
    out[n + (size_t)digits] = '\0';
}

void report__rel_time(uint64_t a_ns, uint64_t b_ns, char out[32])
{
    /* Captures can go back in time (merged files, clock steps): keep the sign. */
    bool neg = a_ns < b_ns;
    uint64_t d = neg ? b_ns - a_ns : a_ns - b_ns;
    fixed_point(out, neg, d / 1000000000u, (d % 1000000000u) / 1000u, 6);
}

void report__ms(int64_t us, char out[32])
{
    bool neg = us < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    fixed_point(out, neg, u / 1000u, u % 1000u, 3);
}

bool report__opts_known(const struct endpoint *e)
{
    return e->syn_tx > 0 || e->opts.present != 0;
}

bool report__note_shown(uint32_t bit)
{
    return bit != TRK_NOTE_NEW && bit != TRK_NOTE_ENDED && bit != TRK_NOTE_OUTCOME;
}

const char *report__conn_anom_name(uint32_t bit)
{
    switch (bit) {
    case CONN_ANOM_WRONG_ACK: return "wrong-ack";
    case CONN_ANOM_STRAY_RST: return "stray-rst";
    case CONN_ANOM_ISN_CHANGE: return "isn-change";
    case CONN_ANOM_SELF_CONNECT: return "self-connect";
    case CONN_ANOM_INVALID_FLAGS: return "invalid-flags";
    case CONN_ANOM_IGNORED_RST: return "ignored-rst";
    default: return NULL;
    }
}

size_t trk_verdict_describe(const struct trk_verdict *v, char *out, size_t cap)
{
    size_t n = 0;
    int i;
    if (cap)
        out[0] = '\0';
    if (!v->conn || (v->nchanges == 0 && !(v->notes & (TRK_NOTE_OUTCOME | TRK_NOTE_STRAY))))
        return 0;
    n += (size_t)snprintf(out + n, cap > n ? cap - n : 0, "tcpshake #%llu:",
                          (unsigned long long)v->conn->id);
    for (i = 0; i < v->nchanges; i++) {
        const struct trk_change *ch = &v->changes[i];
        n += (size_t)snprintf(out + n, cap > n ? cap - n : 0, "%s %s %s->%s%s",
                              i ? "," : "", ch->side == TRK_CLIENT ? "client" : "server",
                              tcp_state_name((enum tcp_state)ch->from),
                              tcp_state_name((enum tcp_state)ch->to), ch->presumed ? "?" : "");
    }
    if (v->notes & TRK_NOTE_OUTCOME)
        n += (size_t)snprintf(out + n, cap > n ? cap - n : 0, "%s outcome %s",
                              v->nchanges ? ";" : "",
                              hs_outcome_name((enum hs_outcome)v->conn->outcome));
    if (v->notes & TRK_NOTE_STRAY)
        n += (size_t)snprintf(out + n, cap > n ? cap - n : 0, " (stray: changes nothing)");
    return n < cap ? n : (cap ? cap - 1 : 0);
}

bool report__segment_relevant(const struct pkt *p, const struct trk_verdict *v)
{
    if (p->flags & (TH_SYN | TH_RST | TH_FIN))
        return true;
    if (v->notes & TRK_NOTE_HANDSHAKE_ACK)
        return true;
    return v->nchanges > 0; /* e.g. the ACK of a FIN, a mid-stream pickup */
}
