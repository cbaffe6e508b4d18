/* decode_ip.c: IPv4 (RFC 791) and IPv6 (RFC 8200) headers, the bounded IPv6
 * extension header walk, then hand-off to TCP. Each header narrows the
 * cursor to its own length field so link-layer padding never reaches TCP. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode_int.h"
#include "rd.h"

/* IANA "Assigned Internet Protocol Numbers" used here. */
#define IPPROTO_NUM_HOPOPTS 0u   /* RFC 8200 section 4.3 */
#define IPPROTO_NUM_TCP 6u
#define IPPROTO_NUM_ROUTING 43u  /* RFC 8200 section 4.4 */
#define IPPROTO_NUM_FRAGMENT 44u /* RFC 8200 section 4.5 */
#define IPPROTO_NUM_ESP 50u      /* RFC 4303 */
#define IPPROTO_NUM_AH 51u       /* RFC 4302 */
#define IPPROTO_NUM_NONE 59u     /* RFC 8200 section 4.7 */
#define IPPROTO_NUM_DSTOPTS 60u  /* RFC 8200 section 4.6 */

#define IPV4_HDR_MIN 20u
#define IPV6_HDR_LEN 40u

/* Compare the length an IP header claims (from its first byte on) with
 * what the cursor holds: trim link padding, note a snap-length cut, or
 * reject a length the wire frame itself cannot hold. `avail` is rd_left()
 * at the start of the header and `hdr` the bytes read since. */
static enum decode_status ip_length(struct rd *r, struct decode__ctx *c, size_t avail, size_t hdr,
                                    size_t claim)
{
    if (claim < avail) {
        if (decode__limit(c, r, claim - hdr))
            c->out->anomalies |= PKT_ANOM_IP_PADDING;
    } else if (claim > avail) {
        if (claim - avail > c->wire_extra)
            return DECODE_MALFORMED; /* longer than the frame on the wire */
        c->out->anomalies |= PKT_ANOM_IP_CAPLEN_SHORT;
    }
    return DECODE_OK;
}

/* IPv4 header (RFC 791 section 3.1):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: bit 0 reserved, bit 1 DF, bit 2 MF. IHL counts 32-bit words and
 * must be >= 5; Total Length counts the whole datagram (header included).
 * The header checksum is not verified (offloading makes it unreliable in
 * captures). */
enum decode_status decode__ipv4(struct rd *r, struct decode__ctx *c)
{
    struct pkt *p = c->out;
    size_t avail = rd_left(r);
    uint8_t vihl, proto;
    uint16_t tot, frag;
    size_t ihl;
    enum decode_status st;

    p->layer = DECODE_L_IPV4;
    vihl = rd_u8(r);
    p->tos = rd_u8(r);
    tot = rd_be16(r);
    (void)rd_be16(r); /* identification */
    frag = rd_be16(r);
    p->ttl = rd_u8(r);
    proto = rd_u8(r);
    (void)rd_be16(r); /* header checksum */
    if (rd_copy(r, p->src.bytes, 4))
        p->src.family = IPADDR_V4;
    if (rd_copy(r, p->dst.bytes, 4))
        p->dst.family = IPADDR_V4;
    if (r->trunc)
        return DECODE_TRUNCATED;

    if (vihl >> 4 != 4)
        return DECODE_MALFORMED;
    p->ip_ver = 4;
    ihl = (size_t)(vihl & 0x0Fu) * 4u;
    if (ihl < IPV4_HDR_MIN)
        return DECODE_MALFORMED; /* RFC 791: minimum IHL is 5 */
    if (tot < ihl)
        return DECODE_MALFORMED; /* total length cannot hold the header */
    st = ip_length(r, c, avail, IPV4_HDR_MIN, tot);
    if (st != DECODE_OK)
        return st;
    if (ihl > IPV4_HDR_MIN) {
        p->anomalies |= PKT_ANOM_IP_OPTIONS;
        if (!rd_skip(r, ihl - IPV4_HDR_MIN))
            return DECODE_TRUNCATED;
    }

    /* A tunnel's first fragment holds its header but not all of the inner
     * datagram; later fragments of anything but TCP stay not-tcp. */
    if (decode__is_tunnel(proto) && (frag & 0x1FFFu) == 0)
        return decode__tunnel(r, c, 4, proto, (size_t)tot - ihl, (frag & 0x2000u) != 0);
    if (proto != IPPROTO_NUM_TCP)
        return DECODE_NOT_TCP;
    /* RFC 791: only the first fragment (offset 0) carries the TCP header;
     * later ones cannot be decoded without reassembly. */
    if ((frag & 0x1FFFu) != 0)
        return DECODE_FRAGMENT;
    if (frag & 0x2000u) /* MF: this is the first of several fragments */
        p->anomalies |= PKT_ANOM_IP_FRAG_FIRST;
    return decode__tcp(r, c, (size_t)tot - ihl);
}

static bool ipv6_is_ext(uint8_t nh)
{
    return nh == IPPROTO_NUM_HOPOPTS || nh == IPPROTO_NUM_ROUTING ||
           nh == IPPROTO_NUM_FRAGMENT || nh == IPPROTO_NUM_DSTOPTS || nh == IPPROTO_NUM_AH ||
           nh == IPPROTO_NUM_ESP;
}

/* IPv6 header (RFC 8200 section 3):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                     Source Address (16 bytes)                 +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                  Destination Address (16 bytes)               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Payload Length counts everything after these 40 bytes, extension headers
 * included. Jumbograms (RFC 2675, payload length 0) are not supported: they
 * come out malformed, as the TCP header cannot fit.
 *
 * Extension headers (RFC 8200 section 4) are walked, at most
 * CFG_MAX_IPV6_EXT of them. Hop-by-Hop, Routing and Destination Options
 * share one shape (sections 4.3, 4.4, 4.6):
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |  Hdr Ext Len  |  (Hdr Ext Len + 1) * 8 - 2    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Fragment (section 4.5), 8 bytes:
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Identification                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Authentication Header (RFC 4302 section 2): Payload Len counts 4-byte
 * units minus 2:
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Header   |  Payload Len  |          RESERVED             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    SPI, Sequence Number, ICV: (Payload Len + 2) * 4 - 4 bytes ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
enum decode_status decode__ipv6(struct rd *r, struct decode__ctx *c)
{
    struct pkt *p = c->out;
    size_t avail = rd_left(r);
    uint32_t vtcfl;
    uint16_t plen;
    uint8_t nh;
    size_t claim; /* payload bytes the length fields still account for */
    unsigned next_count = 0;
    bool frag_first = false;
    enum decode_status st;

    p->layer = DECODE_L_IPV6;
    vtcfl = rd_be32(r);
    plen = rd_be16(r);
    nh = rd_u8(r);
    p->ttl = rd_u8(r);
    p->tos = (uint8_t)(vtcfl >> 20);
    if (rd_copy(r, p->src.bytes, 16))
        p->src.family = IPADDR_V6;
    if (rd_copy(r, p->dst.bytes, 16))
        p->dst.family = IPADDR_V6;
    if (r->trunc)
        return DECODE_TRUNCATED;

    if (vtcfl >> 28 != 6)
        return DECODE_MALFORMED;
    p->ip_ver = 6;
    st = ip_length(r, c, avail, IPV6_HDR_LEN, IPV6_HDR_LEN + (size_t)plen);
    if (st != DECODE_OK)
        return st;
    claim = plen;

    for (;;) {
        uint8_t next, hlen8;
        uint16_t offm;
        size_t hlen;

        if (decode__is_tunnel(nh))
            return decode__tunnel(r, c, 6, nh, claim, frag_first);
        switch (nh) {
        case IPPROTO_NUM_TCP:
            return decode__tcp(r, c, claim);
        case IPPROTO_NUM_NONE:
            return DECODE_NOT_TCP; /* RFC 8200 section 4.7 */
        case IPPROTO_NUM_ESP:
            return DECODE_UNSUPPORTED; /* encrypted: TCP is out of reach */
        case IPPROTO_NUM_HOPOPTS:
        case IPPROTO_NUM_ROUTING:
        case IPPROTO_NUM_DSTOPTS:
        case IPPROTO_NUM_FRAGMENT:
        case IPPROTO_NUM_AH:
            break;
        default:
            return DECODE_NOT_TCP; /* UDP, ICMPv6, mobility, ... */
        }

        p->layer = DECODE_L_IPV6_EXT;
        if (next_count == CFG_MAX_IPV6_EXT)
            return DECODE_MALFORMED; /* chain longer than any sane packet's */
        /* RFC 8200 section 4.3: Hop-by-Hop must immediately follow the
         * IPv6 header. */
        if (nh == IPPROTO_NUM_HOPOPTS && next_count != 0)
            return DECODE_MALFORMED;
        next_count++;
        if (claim < 2)
            return DECODE_MALFORMED;
        next = rd_u8(r);
        hlen8 = rd_u8(r);
        if (r->trunc)
            return DECODE_TRUNCATED;
        if (nh == IPPROTO_NUM_FRAGMENT)
            hlen = 8;
        else if (nh == IPPROTO_NUM_AH)
            hlen = ((size_t)hlen8 + 2u) * 4u;
        else
            hlen = ((size_t)hlen8 + 1u) * 8u;
        if (hlen > claim)
            return DECODE_MALFORMED; /* runs past the payload length */

        if (nh == IPPROTO_NUM_FRAGMENT) {
            offm = rd_be16(r);
            (void)rd_be32(r); /* identification */
            if (r->trunc)
                return DECODE_TRUNCATED;
            if ((offm >> 3) != 0) {
                /* Not the first fragment: whatever follows is mid-datagram. */
                if (next == IPPROTO_NUM_TCP || ipv6_is_ext(next))
                    return DECODE_FRAGMENT;
                return DECODE_NOT_TCP;
            }
            if (offm & 1u) { /* M: more fragments follow */
                p->anomalies |= PKT_ANOM_IP_FRAG_FIRST;
                frag_first = true;
            }
            /* offset 0 and M clear: an atomic fragment (RFC 6946), whole. */
        } else if (!rd_skip(r, hlen - 2)) {
            return DECODE_TRUNCATED;
        }
        claim -= hlen;
        nh = next;
    }
}
