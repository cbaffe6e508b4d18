/* report_fixture.h: hand-built connections, segments and verdicts for the
 * reporter tests, and an open_memstream() capture of reporter output.
 * Header-only (static), included by test_report_text.c and test_report_json.c. */
#ifndef TCPSHAKE_TEST_REPORT_FIXTURE_H
#define TCPSHAKE_TEST_REPORT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "netaddr.h"
#include "report.h"
#include "tcp_wire.h"
#include "tracker.h"

/* 2024-01-01T00:00:00.000123Z */
#define FX_T0 1704067200000123000ull
#define FX_US 1000ull

struct fx_out {
    char *buf;
    size_t len;
    FILE *f;
};

static inline void fx_out_open(struct fx_out *o)
{
    o->buf = NULL;
    o->len = 0;
    o->f = open_memstream(&o->buf, &o->len);
}

/* Flush and return everything written so far (still open). */
static inline const char *fx_out_text(struct fx_out *o)
{
    fflush(o->f);
    return o->buf ? o->buf : "";
}

static inline void fx_out_close(struct fx_out *o)
{
    fclose(o->f);
    free(o->buf);
}

/* Line n (0-based) of text into out; "" past the end. */
static inline void fx_line(const char *text, int n, char *out, size_t cap)
{
    const char *p = text, *e;
    size_t len;
    while (n-- > 0) {
        p = strchr(p, '\n');
        if (!p) {
            out[0] = '\0';
            return;
        }
        p++;
    }
    e = strchr(p, '\n');
    len = e ? (size_t)(e - p) : strlen(p);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, p, len);
    out[len] = '\0';
}

static inline int fx_count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        if (*text == '\n')
            n++;
    return n;
}

static inline void fx_addr(struct ip_addr *a, const char *s)
{
    if (ipaddr_parse(s, a) != 0)
        abort();
}

/* A complete IPv4 handshake 10.0.0.1:40000 -> 10.0.0.2:80, both ESTABLISHED:
 * SYN at T0 (ISN 1000), SYN+ACK at T0+120us (ISN 5000), ACK at T0+200us. */
static inline struct conn fx_conn_complete(void)
{
    struct conn c;
    memset(&c, 0, sizeof(c));
    c.id = 1;
    fx_addr(&c.ep[TRK_CLIENT].addr, "10.0.0.1");
    c.ep[TRK_CLIENT].port = 40000;
    fx_addr(&c.ep[TRK_SERVER].addr, "10.0.0.2");
    c.ep[TRK_SERVER].port = 80;
    c.ep[TRK_CLIENT].state = TS_ESTABLISHED;
    c.ep[TRK_SERVER].state = TS_ESTABLISHED;
    c.ep[TRK_CLIENT].isn_known = true;
    c.ep[TRK_CLIENT].isn = 1000;
    c.ep[TRK_CLIENT].syn_tx = 1;
    c.ep[TRK_CLIENT].sent_any = true;
    c.ep[TRK_CLIENT].pkts = 2;
    c.ep[TRK_CLIENT].opts.present = 0x0001u | 0x0002u | 0x0004u | 0x0010u; /* MSS WS SACK_OK TS */
    c.ep[TRK_CLIENT].opts.mss = 1460;
    c.ep[TRK_CLIENT].opts.wscale = 7;
    c.ep[TRK_SERVER].isn_known = true;
    c.ep[TRK_SERVER].isn = 5000;
    c.ep[TRK_SERVER].syn_tx = 1;
    c.ep[TRK_SERVER].sent_any = true;
    c.ep[TRK_SERVER].pkts = 1;
    c.ep[TRK_SERVER].opts.present = 0x0001u;
    c.ep[TRK_SERVER].opts.mss = 65495;
    c.outcome = HS_COMPLETE;
    c.close = CLOSE_OPEN_AT_END;
    c.synack_seen = true;
    c.client_syn_seen = true;
    c.t_first_ns = FX_T0;
    c.t_syn_ns = c.t_syn_last_ns = FX_T0;
    c.t_synack_ns = c.t_synack_last_ns = FX_T0 + 120 * FX_US;
    c.t_ack_ns = FX_T0 + 200 * FX_US;
    c.t_last_ns = FX_T0 + 200 * FX_US;
    c.pkts = 3;
    return c;
}

/* An unanswered IPv6 SYN (sent twice, same ISN): [2001:db8::1]:40002 -> [2001:db8::2]:443. */
static inline struct conn fx_conn_unanswered_v6(void)
{
    struct conn c;
    memset(&c, 0, sizeof(c));
    c.id = 7;
    c.generation = 2;
    fx_addr(&c.ep[TRK_CLIENT].addr, "2001:db8::1");
    c.ep[TRK_CLIENT].port = 40002;
    fx_addr(&c.ep[TRK_SERVER].addr, "2001:db8::2");
    c.ep[TRK_SERVER].port = 443;
    c.ep[TRK_CLIENT].state = TS_SYN_SENT;
    c.ep[TRK_SERVER].state = TS_LISTEN;
    c.ep[TRK_SERVER].presumed = true;
    c.ep[TRK_CLIENT].isn_known = true;
    c.ep[TRK_CLIENT].isn = 9000;
    c.ep[TRK_CLIENT].syn_tx = 2;
    c.ep[TRK_CLIENT].pkts = 2;
    c.outcome = HS_UNANSWERED;
    c.close = CLOSE_OPEN_AT_END;
    c.syn_retransmits = 1;
    c.client_syn_seen = true;
    c.t_first_ns = FX_T0;
    c.t_syn_ns = FX_T0;
    c.t_syn_last_ns = FX_T0 + 1000000 * FX_US;
    c.t_last_ns = FX_T0 + 1000000 * FX_US;
    c.pkts = 2;
    return c;
}

/* A segment of conn c sent by `side`. */
static inline struct pkt fx_pkt(const struct conn *c, int side, uint16_t flags, uint32_t seq,
                                uint32_t ack, uint64_t ts_ns)
{
    struct pkt p;
    memset(&p, 0, sizeof(p));
    p.ts_ns = ts_ns;
    p.caplen = p.wirelen = 54;
    p.layer = DECODE_L_TCP;
    p.ip_ver = c->ep[side].addr.family == IPADDR_V6 ? 6 : 4;
    p.ttl = 64;
    p.src = c->ep[side].addr;
    p.dst = c->ep[1 - side].addr;
    p.sport = c->ep[side].port;
    p.dport = c->ep[1 - side].port;
    p.flags = flags;
    p.seq = seq;
    p.ack = ack;
    p.win = 65535;
    p.doff = 20;
    return p;
}

static inline void fx_change(struct trk_verdict *v, int side, int from, int to, bool presumed)
{
    struct trk_change *ch = &v->changes[v->nchanges++];
    ch->side = (uint8_t)side;
    ch->from = (uint8_t)from;
    ch->to = (uint8_t)to;
    ch->presumed = presumed;
}

/* A demo kernel snapshot (step 4, FX_T0 + 1 ms): the client ESTABLISHED
 * (TCP_INFO), the server end a request socket in SYN_RECV (sock_diag,
 * SYN+ACK timer 996 ms), no listener. */
static inline struct rpt_kernel fx_kernel(void)
{
    struct rpt_kernel k;
    memset(&k, 0, sizeof(k));
    k.ts_ns = FX_T0 + 1000 * FX_US;
    k.step = 4;
    k.why = "SYN+ACK crossed server -> client";
    k.n = 3;
    k.sock[0].socket = "client";
    k.sock[0].present = true;
    k.sock[0].state = TS_ESTABLISHED;
    k.sock[0].kernel_state = "ESTABLISHED";
    k.sock[0].source = "tcp_info";
    fx_addr(&k.sock[0].laddr, "10.0.0.1");
    fx_addr(&k.sock[0].raddr, "10.0.0.2");
    k.sock[0].lport = 40000;
    k.sock[0].rport = 80;
    k.sock[1].socket = "server";
    k.sock[1].present = true;
    k.sock[1].state = TS_SYN_RECV;
    k.sock[1].kernel_state = "SYN_RECV";
    k.sock[1].request = true;
    k.sock[1].source = "sock_diag";
    fx_addr(&k.sock[1].laddr, "10.0.0.2");
    fx_addr(&k.sock[1].raddr, "10.0.0.1");
    k.sock[1].lport = 80;
    k.sock[1].rport = 40000;
    k.sock[1].timer_ms = 996;
    k.sock[2].socket = "listener";
    return k;
}

/* Its comparison: the client agrees; the server, seen as ESTABLISHED by
 * the wire, does not (ok false), with the ACK held on the wire. */
static inline struct rpt_agree fx_agree(void)
{
    struct rpt_agree a;
    memset(&a, 0, sizeof(a));
    a.ts_ns = FX_T0 + 1000 * FX_US;
    a.step = 4;
    a.ok = false;
    a.wire[TRK_CLIENT] = TS_ESTABLISHED;
    a.kernel[TRK_CLIENT] = TS_ESTABLISHED;
    a.wire[TRK_SERVER] = TS_ESTABLISHED;
    a.kernel[TRK_SERVER] = TS_SYN_RECV;
    a.on_wire = "ACK client -> server";
    return a;
}

#endif
