/* decode_tunnel.c: encapsulations between an outer IP header and the inner
 * one: IP-in-IP (RFC 2003, RFC 4213 section 3.5, RFC 2473), GRE (RFC 2784,
 * RFC 2890), and over UDP VXLAN (RFC 7348), GENEVE (RFC 8926) and Teredo
 * (RFC 4380). Each one walked is recorded in pkt.tunnel[]; at most
 * CFG_MAX_TUNNELS of them, so the recursion IP -> tunnel -> IP is bounded.
 * Every byte is read through the bounded cursor (rd.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode_int.h"
#include "rd.h"

/* IANA "Assigned Internet Protocol Numbers". */
#define IPPROTO_NUM_IPIP 4u  /* RFC 2003 */
#define IPPROTO_NUM_UDP 17u
#define IPPROTO_NUM_IPV6 41u /* RFC 4213 section 3.5, RFC 2473 */
#define IPPROTO_NUM_GRE 47u  /* RFC 2784 */

/* IANA "Service Name and Transport Protocol Port Number Registry". */
#define PORT_VXLAN 4789u  /* RFC 7348 section 5 */
#define PORT_GENEVE 6081u /* RFC 8926 section 3.3 */
#define PORT_TEREDO 3544u /* RFC 4380 section 4 */

#define ETHERTYPE_TEB 0x6558u /* transparent Ethernet bridging (GRE, GENEVE) */

bool decode__is_tunnel(uint8_t proto)
{
    return proto == IPPROTO_NUM_IPIP || proto == IPPROTO_NUM_IPV6 ||
           proto == IPPROTO_NUM_GRE || proto == IPPROTO_NUM_UDP;
}

/* Record one encapsulation; false if the chain is already as deep as we
 * walk (the frame is then unsupported). */
static bool push(struct decode__ctx *c, enum pkt_tunnel_kind kind, bool have_id, uint32_t id)
{
    struct pkt *p = c->out;
    if (p->ntunnels >= CFG_MAX_TUNNELS)
        return false;
    p->tunnel[p->ntunnels].kind = (uint8_t)kind;
    p->tunnel[p->ntunnels].have_id = have_id;
    p->tunnel[p->ntunnels].id = id;
    p->ntunnels++;
    return true;
}

static enum decode_status inner_ip(struct rd *r, struct decode__ctx *c, enum decode__net net)
{
    return net == DECODE__NET_IPV6 ? decode__ipv6(r, c) : decode__ipv4(r, c);
}

/* A link-layer result (inner Ethernet or an EtherType), then the IP. The
 * frame is IP whatever the tunnel carries: a payload that is not IP is
 * not-tcp, as the tunnel was before it was decoded. */
static enum decode_status inner_link(enum decode_status st, struct rd *r, struct decode__ctx *c,
                                     const enum decode__net *net)
{
    if (st == DECODE_NOT_IP)
        return DECODE_NOT_TCP; /* an IP packet all the same (ARP in GRE, ...) */
    return st == DECODE_OK ? inner_ip(r, c, *net) : st;
}

/* GRE (RFC 2784 section 2.1 with RFC 2890 section 2's Key and Sequence):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C|R|K|S|s|Recur|  Reserved0    | Ver |         Protocol Type   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Checksum (optional, C)   |       Reserved1 (optional, C) |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Key (optional, K)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Sequence Number (optional, S)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RFC 2784 section 2.3: a receiver not implementing RFC 1701 discards a
 * packet with R, s or Recur set (malformed here); Ver 0 only (Ver 1 is
 * PPTP's enhanced GRE, RFC 2637: unsupported; others malformed). The
 * protocol type is an EtherType; 0x6558 carries an Ethernet frame. */
static enum decode_status decode_gre(struct rd *r, struct decode__ctx *c)
{
    uint16_t fl, proto;
    uint32_t key = 0;
    unsigned ver;
    enum decode__net net = DECODE__NET_IPV4;
    enum decode_status st;

    c->out->layer = DECODE_L_GRE;
    fl = rd_be16(r);
    proto = rd_be16(r);
    if (r->trunc)
        return DECODE_TRUNCATED;
    ver = fl & 0x7u;
    if (ver == 1)
        return DECODE_UNSUPPORTED;
    if (ver != 0 || (fl & 0x4000u) || (fl & 0x0F00u))
        return DECODE_MALFORMED; /* R, s, Recur; or an unknown version */
    if ((fl & 0x8000u) && !rd_skip(r, 4)) /* checksum, reserved1 */
        return DECODE_TRUNCATED;
    if (fl & 0x2000u)
        key = rd_be32(r);
    if ((fl & 0x1000u) && !rd_skip(r, 4)) /* sequence number */
        return DECODE_TRUNCATED;
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (!push(c, PKT_TUN_GRE, (fl & 0x2000u) != 0, key))
        return DECODE_UNSUPPORTED;
    if (proto == ETHERTYPE_TEB)
        st = decode__ether_inner(r, c, &net);
    else
        st = decode__ethertype(proto, r, c, &net);
    return inner_link(st, r, c, &net);
}

/* VXLAN (RFC 7348 section 5), 8 bytes, an Ethernet frame follows:
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The I flag "MUST be set to 1 for a valid VXLAN Network ID": without it,
 * malformed. */
static enum decode_status decode_vxlan(struct rd *r, struct decode__ctx *c)
{
    uint8_t flags;
    uint32_t vni;
    enum decode__net net = DECODE__NET_IPV4;
    enum decode_status st;

    c->out->layer = DECODE_L_VXLAN;
    flags = rd_u8(r);
    (void)rd_skip(r, 3);
    vni = rd_be32(r) >> 8;
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (!(flags & 0x08u))
        return DECODE_MALFORMED;
    if (!push(c, PKT_TUN_VXLAN, true, vni))
        return DECODE_UNSUPPORTED;
    st = decode__ether_inner(r, c, &net);
    return inner_link(st, r, c, &net);
}

/* GENEVE (RFC 8926 section 3.4), 8 bytes and Opt Len * 4 bytes of options:
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Virtual Network Identifier (VNI)       |    Reserved   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Variable-Length Options                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Section 3.4: a packet of an unknown version is dropped (unsupported).
 * The protocol type is an EtherType; 0x6558 carries an Ethernet frame. */
static enum decode_status decode_geneve(struct rd *r, struct decode__ctx *c)
{
    uint8_t vo;
    uint16_t proto;
    uint32_t vni;
    enum decode__net net = DECODE__NET_IPV4;
    enum decode_status st;

    c->out->layer = DECODE_L_GENEVE;
    vo = rd_u8(r);
    (void)rd_u8(r); /* O, C, reserved */
    proto = rd_be16(r);
    vni = rd_be32(r) >> 8;
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (vo >> 6 != 0)
        return DECODE_UNSUPPORTED;
    if (!rd_skip(r, (size_t)(vo & 0x3Fu) * 4u))
        return DECODE_TRUNCATED;
    if (!push(c, PKT_TUN_GENEVE, true, vni))
        return DECODE_UNSUPPORTED;
    if (proto == ETHERTYPE_TEB)
        st = decode__ether_inner(r, c, &net);
    else
        st = decode__ethertype(proto, r, c, &net);
    return inner_link(st, r, c, &net);
}

/* Teredo (RFC 4380 section 5.1.1): an IPv6 packet in UDP, optionally
 * preceded by an authentication indicator, then an origin indication:
 *
 * auth:   | 0x0001 | ID-len (1) | AU-len (1) | client id | auth value |
 *         | nonce (8) | confirmation (1) |
 * origin: | 0x0000 | obfuscated port (2) | obfuscated IPv4 (4) |
 *
 * Anything on the port that is not IPv6 after them is not Teredo data
 * (qualification traffic, another protocol): not TCP, as before. */
static enum decode_status decode_teredo(struct rd *r, struct decode__ctx *c)
{
    struct rd t;
    uint8_t b0, b1;

    c->out->layer = DECODE_L_TEREDO;
    t = *r;
    b0 = rd_u8(&t);
    b1 = rd_u8(&t);
    if (!t.trunc && b0 == 0 && b1 == 1) {
        uint8_t idlen = rd_u8(&t), aulen = rd_u8(&t);
        if (!rd_skip(&t, (size_t)idlen + aulen + 8u + 1u))
            return DECODE_TRUNCATED;
        *r = t;
        b0 = rd_u8(&t);
        b1 = rd_u8(&t);
    }
    if (!t.trunc && b0 == 0 && b1 == 0) {
        if (!rd_skip(r, 8))
            return DECODE_TRUNCATED;
        t = *r;
        b0 = rd_u8(&t);
    }
    if (t.trunc)
        return DECODE_TRUNCATED;
    if (b0 >> 4 != 6)
        return DECODE_NOT_TCP;
    if (!push(c, PKT_TUN_TEREDO, false, 0))
        return DECODE_UNSUPPORTED;
    return decode__ipv6(r, c);
}

/* UDP (RFC 768): only the tunnel ports are looked into; other UDP, and a
 * header too cut to show its ports, is not TCP as before. */
static enum decode_status decode_udp(struct rd *r, struct decode__ctx *c, size_t claim, bool frag)
{
    uint16_t sport, dport, ulen;

    if (rd_left(r) < 4)
        return DECODE_NOT_TCP;
    sport = rd_be16(r);
    dport = rd_be16(r);
    if (dport != PORT_VXLAN && dport != PORT_GENEVE && dport != PORT_TEREDO &&
        sport != PORT_TEREDO)
        return DECODE_NOT_TCP;
    if (frag) /* a first fragment: the ports are there, the tunnel is not */
        return DECODE_FRAGMENT;
    c->out->layer = DECODE_L_UDP;
    ulen = rd_be16(r);
    (void)rd_be16(r); /* checksum */
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (ulen < 8 || ulen > claim)
        return DECODE_MALFORMED;
    (void)decode__limit(c, r, (size_t)ulen - 8u);
    if (dport == PORT_VXLAN)
        return decode_vxlan(r, c);
    if (dport == PORT_GENEVE)
        return decode_geneve(r, c);
    return decode_teredo(r, c);
}

enum decode_status decode__tunnel(struct rd *r, struct decode__ctx *c, unsigned outer_ver,
                                  uint8_t proto, size_t claim, bool frag)
{
    enum pkt_tunnel_kind k;

    switch (proto) {
    case IPPROTO_NUM_UDP:
        return decode_udp(r, c, claim, frag);
    case IPPROTO_NUM_GRE:
        if (frag)
            return DECODE_FRAGMENT;
        return decode_gre(r, c);
    case IPPROTO_NUM_IPIP:
    case IPPROTO_NUM_IPV6:
        if (frag)
            return DECODE_FRAGMENT;
        if (proto == IPPROTO_NUM_IPIP)
            k = outer_ver == 4 ? PKT_TUN_IP4IN4 : PKT_TUN_IP4IN6;
        else
            k = outer_ver == 4 ? PKT_TUN_IP6IN4 : PKT_TUN_IP6IN6;
        if (!push(c, k, false, 0))
            return DECODE_UNSUPPORTED;
        return proto == IPPROTO_NUM_IPIP ? decode__ipv4(r, c) : decode__ipv6(r, c);
    default:
        return DECODE_NOT_TCP;
    }
}
