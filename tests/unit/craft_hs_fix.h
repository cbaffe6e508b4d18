/* craft_hs_fix.h: what the crafted client's and server's tests share
 * (test_craft_hs.c, test_craft_hs_server.c): addresses, numbers, fabricated
 * segments, and a step driver over a fake clock. Header-only (static inline). */
#ifndef TCPSHAKE_CRAFT_HS_FIX_H
#define TCPSHAKE_CRAFT_HS_FIX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "craft_hs.h"
#include "decode.h"
#include "pktfix.h"
#include "tcp_wire.h"

#define C "127.0.0.1"
#define S "127.0.0.2"
#define CP 40000
#define SP 8080
#define ISN 1000u
#define IRS 5000u
#define MS 1000000ull
#define T0 (10 * 1000 * MS) /* a monotonic clock that does not start at 0 */
#define SA (TH_SYN | TH_ACK)
#define FA (TH_FIN | TH_ACK)
#define RA (TH_RST | TH_ACK)

/* Everything one step sent, and how the step ended. */
struct out {
    int n;
    struct craft_spec s[8];
    enum hs_action act;
};

static inline enum hs_action drive(struct craft_hs *h, const struct pkt *in, uint64_t now,
                            struct out *o)
{
    struct craft_spec spec;
    enum hs_action act = hs_next(h, in, now, &spec);
    int guard = 0;
    o->n = 0;
    while (act == HS_ACT_SEND) {
        assert_true(o->n < 8);
        o->s[o->n++] = spec;
        act = hs_next(h, NULL, now, &spec);
        assert_true(++guard < 16);
    }
    o->act = act;
    /* Waiting always has a future deadline: a caller never spins. */
    if (act == HS_ACT_WAIT)
        assert_true(hs_deadline(h) > now);
    return act;
}

/* Drop every note (they are static strings; check they exist). */
static inline int drain_notes(struct craft_hs *h)
{
    int n = 0;
    const char *s;
    while ((s = hs_take_note(h))) {
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        n++;
    }
    return n;
}

/* A segment server -> client. */
static inline struct pkt sc(uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    return pkt_data(0, S, SP, C, CP, flags, seq, ack, len);
}

/* A segment client -> server. */
static inline struct pkt cs(uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    return pkt_data(0, C, CP, S, SP, flags, seq, ack, len);
}

static inline void with_ts(struct pkt *p, uint32_t val, uint32_t ecr)
{
    p->opt.present |= TCPOPT_P_TS;
    p->opt.ts_val = val;
    p->opt.ts_ecr = ecr;
}

static inline struct hs_opts opts(void)
{
    struct hs_opts o;
    hs_opts_default(&o);
    o.seq = ISN;
    return o;
}

static inline void client(struct craft_hs *h, const struct hs_opts *o)
{
    struct ip_addr c, s;
    assert_int_equal(ipaddr_parse(C, &c), 0);
    assert_int_equal(ipaddr_parse(S, &s), 0);
    hs_client_init(h, o, &c, CP, &s, SP);
}

static inline void server(struct craft_hs *h, const struct hs_opts *o)
{
    struct ip_addr s;
    assert_int_equal(ipaddr_parse(S, &s), 0);
    hs_server_init(h, o, &s, SP, NULL, 0);
}

static inline void assert_seg(const struct craft_spec *s, uint16_t flags, uint32_t seq,
                              uint32_t ack)
{
    assert_int_equal(s->flags, flags);
    assert_int_equal(s->seq, seq);
    assert_int_equal(s->ack, ack);
}

/* Client up to ESTABLISHED: SYN, then the SYN+ACK (with TS). */
static inline void client_to_established(struct craft_hs *h, struct out *o, uint64_t now)
{
    struct pkt p;
    assert_int_equal(drive(h, NULL, now, o), HS_ACT_WAIT);
    assert_int_equal(o->n, 1);
    p = sc(SA, IRS, ISN + 1, 0);
    with_ts(&p, 777, o->s[0].opt.ts_val);
    drive(h, &p, now + 1 * MS, o);
}

static inline struct pkt linux_syn(void)
{
    struct pkt p = cs(TH_SYN, IRS, 0, 0);
    p.opt.present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE;
    p.opt.mss = 65495;
    p.opt.wscale = 7;
    p.opt.ts_val = 4242;
    return p;
}

/* A kernel client: SYN, our SYN+ACK, its ACK (connect() returns), its FIN
 * (close()), our ACK and FIN, its ACK. */

#endif
