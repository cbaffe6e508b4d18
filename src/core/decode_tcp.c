/* decode_tcp.c: the TCP header (RFC 9293 section 3.1), flag sanity and
 * payload accounting, and decode_frame(), the decoder's entry point. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "decode_int.h"
#include "rd.h"
#include "tcp_wire.h"

bool decode__limit(struct decode__ctx *c, struct rd *r, size_t n)
{
    size_t left = rd_left(r);

    if (n < left) {
        rd_limit(r, n);
        c->wire_extra = 0; /* everything still in reach is captured */
        return true;
    }
    if (n - left < c->wire_extra)
        c->wire_extra = n - left; /* the wire may hold no more than n */
    return false;
}

/* Flag combinations no TCP in any state accepts (Linux conntrack's
 * tcp_valid_flags table marks them INVALID; RFC 9293 section 3.10.7.4
 * drops a segment with neither SYN nor RST nor ACK). */
static uint32_t flag_anomalies(uint16_t flags)
{
    uint32_t a = 0;

    if ((flags & TH_SYN) && (flags & (TH_FIN | TH_RST)))
        a |= PKT_ANOM_FLAGS_INVALID;
    if ((flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == 0)
        a |= PKT_ANOM_FLAGS_INVALID; /* "no flags": null scan, PSH or URG alone */
    if ((flags & TH_FIN) && !(flags & TH_ACK))
        a |= PKT_ANOM_FIN_NO_ACK;
    return a;
}

/* TCP header (RFC 9293 section 3.1; AE bit: RFC 3540 as NS, AccECN draft):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |     |A|C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsv |E|W|C|R|C|S|S|Y|I|            Window             |
 * |       |     | |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Data Offset counts 32-bit words, >= 5. The options area (Data Offset * 4
 * - 20 bytes) must fit in the IP payload; when the capture cuts it, what
 * is captured is parsed (TCPOPT_A_TRUNCATED) and the segment still counts. */
enum decode_status decode__tcp(struct rd *r, struct decode__ctx *c, size_t ip_claim)
{
    struct pkt *p = c->out;
    uint8_t b12, b13;
    size_t doff, optlen, rest;
    struct rd opts;

    p->layer = DECODE_L_TCP;
    if (ip_claim < TCP_HDR_MIN)
        return DECODE_MALFORMED; /* the IP payload cannot hold a TCP header */
    p->sport = rd_be16(r);
    p->dport = rd_be16(r);
    p->seq = rd_be32(r);
    p->ack = rd_be32(r);
    b12 = rd_u8(r);
    b13 = rd_u8(r);
    p->win = rd_be16(r);
    p->csum = rd_be16(r);
    p->urp = rd_be16(r);
    if (r->trunc)
        return DECODE_TRUNCATED;

    doff = (size_t)(b12 >> 4) * 4u;
    p->doff = (uint8_t)doff;
    p->flags = (uint16_t)(b13 | (uint16_t)((b12 & 0x01u) << 8));
    if (doff < TCP_HDR_MIN || doff > ip_claim)
        return DECODE_MALFORMED;

    if (b12 & 0x0Eu)
        p->anomalies |= PKT_ANOM_RESERVED_BITS;
    p->anomalies |= flag_anomalies(p->flags);
    if (p->sport == 0 || p->dport == 0)
        p->anomalies |= PKT_ANOM_ZERO_PORT;

    /* Options: a child cursor over what is captured of the area; rd_sub
     * marks the parent truncated if the capture holds less. */
    optlen = doff - TCP_HDR_MIN;
    opts = rd_sub(r, optlen);
    decode__tcpopt_parse(&opts, optlen, &p->opt);
    if (p->opt.anomalies)
        p->anomalies |= PKT_ANOM_TCP_OPT;

    p->payload_len = (uint32_t)(ip_claim - doff);
    rest = rd_left(r);
    p->payload_caplen = rest < p->payload_len ? (uint32_t)rest : p->payload_len;
    if (p->payload_caplen < p->payload_len)
        p->anomalies |= PKT_ANOM_PAYLOAD_CUT;
    return DECODE_OK;
}

enum decode_status decode_frame(enum link_type lt, const struct frame *f, struct pkt *out)
{
    struct decode__ctx c;
    struct rd r;
    enum decode__net net = DECODE__NET_IPV4;
    enum decode_status st;

    memset(out, 0, sizeof(*out));
    out->ts_ns = f->ts_ns;
    out->caplen = f->caplen;
    out->wirelen = f->wirelen;
    out->layer = DECODE_L_LINK;
    r = rd_init(f->data, f->data ? f->caplen : 0);
    c.out = out;
    c.wire_extra = f->wirelen > rd_left(&r) ? f->wirelen - rd_left(&r) : 0;

    st = decode__link(lt, &r, &c, &net);
    if (st != DECODE_OK)
        return st;
    if (net == DECODE__NET_IPV6)
        return decode__ipv6(&r, &c);
    return decode__ipv4(&r, &c);
}
