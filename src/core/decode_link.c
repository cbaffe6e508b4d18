/* decode_link.c: link layers -> IP. Ethernet (stacked 802.1Q/802.1ad tags,
 * MPLS label stacks, PPPoE sessions, 802.3 LLC/SNAP), Linux cooked SLL and SLL2, BSD
 * NULL/LOOP, and the raw-IP link types. Every byte is read through the
 * bounded cursor (rd.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode_int.h"
#include "rd.h"

/* EtherType values (IEEE Registration Authority; RFC 7042 appendix B). */
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86DDu
#define ETHERTYPE_VLAN 0x8100u       /* IEEE 802.1Q C-tag */
#define ETHERTYPE_QINQ 0x88A8u       /* IEEE 802.1ad S-tag */
#define ETHERTYPE_QINQ_OLD 0x9100u   /* pre-802.1ad vendor double tagging */
#define ETHERTYPE_MPLS_UC 0x8847u    /* RFC 3032 section 5 */
#define ETHERTYPE_MPLS_MC 0x8848u
#define ETHERTYPE_PPPOE_SESS 0x8864u /* RFC 2516 section 4 */

/* IEEE 802.3 clause 3.2.6: a length/type field <= 1500 is a length (an
 * IEEE 802.2 LLC header follows), >= 1536 (0x0600) an EtherType. */
#define ETH_MAX_LENGTH 1500u
/* SLL/SLL2 protocol 0x0004 (LINUX_SLL_P_802_2): an 802.2 LLC frame. */
#define SLL_P_802_2 0x0004u

/* IEEE 802.2 LLC and the SNAP extension (IEEE 802-2014 clause 10;
 * RFC 1042 for IP; 802.1H bridge tunnel OUI 00-00-F8). */
#define LLC_SAP_SNAP 0xAAu
#define LLC_CTRL_UI 0x03u
#define LLC_SNAP_LEN 8u
#define SNAP_OUI_RFC1042 0x000000u
#define SNAP_OUI_8021H 0x0000F8u

/* PPP protocol numbers (RFC 1332, RFC 5072). */
#define PPP_IPV4 0x0021u
#define PPP_IPV6 0x0057u

/* ARPHRD_NETLINK: an SLL/SLL2 "protocol" is then a netlink family. */
#define ARPHRD_NETLINK 824u

/* Address families seen in DLT_NULL / DLT_LOOP headers. IPv6 differs per OS:
 * 24 NetBSD/OpenBSD/BSD/OS, 28 FreeBSD/DragonFly, 30 macOS/iOS, 10 Linux. */
#define BSD_AF_INET 2u
#define BSD_AF_INET6_LINUX 10u
#define BSD_AF_INET6_BSD 24u
#define BSD_AF_INET6_FREEBSD 28u
#define BSD_AF_INET6_DARWIN 30u

/* The IP version nibble of the next byte, without consuming it.
 * Returns -1 (and marks truncation) if no byte is left. */
static int peek_ip_version(struct rd *r)
{
    uint8_t b = rd_peek8(r, 0);

    return r->trunc ? -1 : b >> 4;
}

/* MPLS label stack (RFC 3032 section 2.1), one 4-byte entry per label:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Label                  | TC  |S|       TTL     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * S (bottom of stack) marks the last entry. MPLS has no payload type: as
 * RFC 3032 section 2.2 leaves it to the label, we look at the IP version
 * nibble (what every analyser does). Anything else (a pseudowire control
 * word, Ethernet over MPLS) is not IP. */
static enum decode_status decode_mpls(struct rd *r, struct decode__ctx *c,
                                      enum decode__net *net)
{
    unsigned i;
    int ver;

    c->out->layer = DECODE_L_MPLS;
    for (i = 0;; i++) {
        uint32_t entry;
        if (i == CFG_MAX_MPLS_LABELS)
            return DECODE_UNSUPPORTED; /* deeper than we walk */
        entry = rd_be32(r);
        if (r->trunc)
            return DECODE_TRUNCATED;
        if (entry & 0x00000100u) /* S bit */
            break;
    }
    ver = peek_ip_version(r);
    if (ver < 0)
        return DECODE_TRUNCATED;
    if (ver == 4) {
        *net = DECODE__NET_IPV4;
        return DECODE_OK;
    }
    if (ver == 6) {
        *net = DECODE__NET_IPV6;
        return DECODE_OK;
    }
    return DECODE_NOT_IP;
}

/* The length an IP header at r claims (header included), without
 * consuming anything; 0 if the length field is not captured. */
static size_t ip_claim(const struct rd *r, enum decode__net net)
{
    struct rd t = *r;
    size_t v;

    (void)rd_skip(&t, net == DECODE__NET_IPV4 ? 2 : 4);
    v = rd_be16(&t);
    if (t.trunc)
        return 0;
    return net == DECODE__NET_IPV4 ? v : 40u + v;
}

/* PPPoE session stage (RFC 2516 section 4), then the PPP protocol field
 * (RFC 1661 section 2):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  VER  | TYPE  |      CODE     |          SESSION_ID           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            LENGTH             |         PPP protocol          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * VER = TYPE = 1 and CODE = 0 for session data; LENGTH counts the PPP
 * payload (protocol field included) and trims Ethernet padding. */
static enum decode_status decode_pppoe(struct rd *r, struct decode__ctx *c,
                                       enum decode__net *net)
{
    uint8_t vt, code;
    uint16_t len, proto;

    vt = rd_u8(r);
    code = rd_u8(r);
    (void)rd_be16(r); /* session id */
    len = rd_be16(r);
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (vt != 0x11u || code != 0 || len < 2)
        return DECODE_MALFORMED;
    proto = rd_be16(r);
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (proto == PPP_IPV4)
        *net = DECODE__NET_IPV4;
    else if (proto == PPP_IPV6)
        *net = DECODE__NET_IPV6;
    else
        return DECODE_NOT_IP;
    /* A LENGTH shorter than the IP datagram's own length: some access
     * concentrators get it wrong. tshark decodes by the IP length with a
     * warning; so do we, with anomaly link-len-short (IP then checks its
     * length against the frame as usual). Otherwise LENGTH trims the
     * Ethernet padding. */
    if (ip_claim(r, *net) > (size_t)len - 2u)
        c->out->anomalies |= PKT_ANOM_LINK_LEN_SHORT;
    else
        (void)decode__limit(c, r, (size_t)len - 2u);
    return DECODE_OK;
}

static enum decode_status decode_ethertype(uint16_t type, struct rd *r, struct decode__ctx *c,
                                           enum decode__net *net);

/* IEEE 802.2 LLC with SNAP (RFC 1042 section 3), after an 802.3 length
 * field (or SLL protocol 0x0004, len = SIZE_MAX: no length):
 *
 * +--------+--------+--------+--------------------------+---------------+
 * | DSAP   | SSAP   | control| OUI (3)                  | EtherType (2) |
 * | 0xAA   | 0xAA   | 0x03 UI| 00-00-00 or 00-00-F8     |               |
 * +--------+--------+--------+--------------------------+---------------+
 *
 * Only SNAP with the RFC 1042 or 802.1H OUI carries an EtherType; other
 * SAPs (spanning tree 0x42, NetBIOS 0xF0, IPX 0xE0) and other OUIs (CDP,
 * VTP) are not IP. The length field trims the Ethernet padding; a length
 * too short for the 8 bytes of LLC/SNAP contradicts the header: malformed. */
static enum decode_status decode_llc(size_t len, struct rd *r, struct decode__ctx *c,
                                     enum decode__net *net)
{
    uint8_t dsap, ssap, ctrl;
    uint32_t oui;
    uint16_t type;

    c->out->layer = DECODE_L_LLC;
    (void)decode__limit(c, r, len);
    dsap = rd_u8(r);
    ssap = rd_u8(r);
    if (r->trunc)
        return len < 2 ? DECODE_NOT_IP : DECODE_TRUNCATED;
    if (dsap != LLC_SAP_SNAP || ssap != LLC_SAP_SNAP)
        return DECODE_NOT_IP;
    if (len < LLC_SNAP_LEN)
        return DECODE_MALFORMED;
    ctrl = rd_u8(r);
    oui = (uint32_t)rd_u8(r) << 16;
    oui |= rd_be16(r);
    type = rd_be16(r);
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (ctrl != LLC_CTRL_UI || (oui != SNAP_OUI_RFC1042 && oui != SNAP_OUI_8021H))
        return DECODE_NOT_IP;
    return decode_ethertype(type, r, c, net);
}

/* Dispatch on an EtherType, walking stacked VLAN tags first. Each tag
 * (IEEE 802.1Q-2018 section 9.6) sits where the EtherType was and is
 * followed by the next EtherType:
 *
 * +-------------------+---------------------------+-------------------+
 * | TPID 0x8100/88a8  | PCP(3) DEI(1) VID(12)     | next EtherType    |
 * | (already read)    | 2 bytes                   | 2 bytes           |
 * +-------------------+---------------------------+-------------------+
 *
 * Shared by Ethernet, SLL and SLL2 (libpcap re-inserts stripped tags). */
static enum decode_status decode_ethertype(uint16_t type, struct rd *r, struct decode__ctx *c,
                                           enum decode__net *net)
{
    struct pkt *p = c->out;
    unsigned tags = 0;

    for (;;) {
        uint16_t tci;
        switch (type) {
        case ETHERTYPE_IPV4:
            *net = DECODE__NET_IPV4;
            return DECODE_OK;
        case ETHERTYPE_IPV6:
            *net = DECODE__NET_IPV6;
            return DECODE_OK;
        case ETHERTYPE_VLAN:
        case ETHERTYPE_QINQ:
        case ETHERTYPE_QINQ_OLD:
            p->layer = DECODE_L_VLAN;
            if (tags == CFG_MAX_VLAN_TAGS)
                return DECODE_UNSUPPORTED; /* deeper than we walk */
            tci = rd_be16(r);
            type = rd_be16(r);
            if (r->trunc)
                return DECODE_TRUNCATED;
            if (tags == 0)
                p->vlan_id = (uint16_t)(tci & 0x0FFFu);
            tags++;
            p->vlan_depth = (uint8_t)tags;
            break;
        case ETHERTYPE_MPLS_UC:
        case ETHERTYPE_MPLS_MC:
            return decode_mpls(r, c, net);
        case ETHERTYPE_PPPOE_SESS:
            return decode_pppoe(r, c, net);
        default:
            /* ARP, LLDP, PPPoE discovery, an undefined 1501..1535, ... */
            return DECODE_NOT_IP;
        }
    }
}

/* Ethernet II (IEEE 802.3 clause 3.2.6 type interpretation):
 *
 * +-----------------------+-----------------------+-----------+--------
 * | destination MAC (6)   | source MAC (6)        | type (2)  | payload
 * +-----------------------+-----------------------+-----------+--------
 *
 * No FCS is expected; if a capture keeps it, the IP length trims it like
 * any other padding. */
static enum decode_status decode_ethernet(struct rd *r, struct decode__ctx *c,
                                          enum decode__net *net)
{
    uint16_t type;

    /* Kept for -e, through the same bounded cursor. */
    if (rd_copy(r, c->out->mac_dst, 6) && rd_copy(r, c->out->mac_src, 6))
        c->out->have_mac = true;
    type = rd_be16(r);
    if (r->trunc) {
        c->out->have_mac = false;
        return DECODE_TRUNCATED;
    }
    if (type <= ETH_MAX_LENGTH)
        return decode_llc(type, r, c, net);
    return decode_ethertype(type, r, c, net);
}

/* An Ethernet frame inside a tunnel (VXLAN, GENEVE, GRE 0x6558): the
 * outer link's MACs and VLAN tags stay what -e shows. */
enum decode_status decode__ether_inner(struct rd *r, struct decode__ctx *c,
                                       enum decode__net *net)
{
    struct pkt *p = c->out;
    uint8_t depth = p->vlan_depth;
    uint16_t vid = p->vlan_id;
    uint16_t type;
    enum decode_status st;

    p->layer = DECODE_L_LINK;
    (void)rd_skip(r, 12); /* destination and source MAC */
    type = rd_be16(r);
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (type <= ETH_MAX_LENGTH)
        st = decode_llc(type, r, c, net);
    else
        st = decode_ethertype(type, r, c, net);
    p->vlan_depth = depth;
    p->vlan_id = vid;
    return st;
}

/* A tunnel's protocol type field is an EtherType (GRE, GENEVE). */
enum decode_status decode__ethertype(uint16_t type, struct rd *r, struct decode__ctx *c,
                                     enum decode__net *net)
{
    struct pkt *p = c->out;
    uint8_t depth = p->vlan_depth;
    uint16_t vid = p->vlan_id;
    enum decode_status st = decode_ethertype(type, r, c, net);

    p->vlan_depth = depth;
    p->vlan_id = vid;
    return st;
}

/* Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16 bytes):
 *
 * +---------------------------+---------------------------+
 * | packet type (2)           | ARPHRD type (2)           |
 * +---------------------------+---------------------------+
 * | link-layer address length (2)                         |
 * +-------------------------------------------------------+
 * | link-layer address (8, zero padded)                   |
 * +---------------------------+---------------------------+
 * | protocol type (2)         |  payload ...
 * +---------------------------+
 */
static enum decode_status decode_sll(struct rd *r, struct decode__ctx *c, enum decode__net *net)
{
    uint16_t hatype, proto;

    (void)rd_be16(r); /* packet type */
    hatype = rd_be16(r);
    (void)rd_skip(r, 10); /* address length, address */
    proto = rd_be16(r);
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (hatype == ARPHRD_NETLINK)
        return DECODE_NOT_IP;
    if (proto == SLL_P_802_2)
        return decode_llc(SIZE_MAX, r, c, net);
    return decode_ethertype(proto, r, c, net);
}

/* Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 20 bytes):
 *
 * +---------------------------+---------------------------+
 * | protocol type (2)         | reserved (2)              |
 * +---------------------------+---------------------------+
 * | interface index (4)                                   |
 * +---------------------------+-------------+-------------+
 * | ARPHRD type (2)           | pkt type (1)| addr len (1)|
 * +---------------------------+-------------+-------------+
 * | link-layer address (8, zero padded)                   |
 * +-------------------------------------------------------+
 */
static enum decode_status decode_sll2(struct rd *r, struct decode__ctx *c,
                                      enum decode__net *net)
{
    uint16_t hatype, proto;

    proto = rd_be16(r);
    (void)rd_skip(r, 6); /* reserved, interface index */
    hatype = rd_be16(r);
    (void)rd_skip(r, 10); /* packet type, address length, address */
    if (r->trunc)
        return DECODE_TRUNCATED;
    if (hatype == ARPHRD_NETLINK)
        return DECODE_NOT_IP;
    if (proto == SLL_P_802_2)
        return decode_llc(SIZE_MAX, r, c, net);
    return decode_ethertype(proto, r, c, net);
}

static enum decode_status af_to_net(uint32_t af, enum decode__net *net)
{
    switch (af) {
    case BSD_AF_INET:
        *net = DECODE__NET_IPV4;
        return DECODE_OK;
    case BSD_AF_INET6_LINUX:
    case BSD_AF_INET6_BSD:
    case BSD_AF_INET6_FREEBSD:
    case BSD_AF_INET6_DARWIN:
        *net = DECODE__NET_IPV6;
        return DECODE_OK;
    default:
        return DECODE_NOT_IP;
    }
}

/* BSD loopback (LINKTYPE_NULL): a 4-byte address family in the byte order
 * of the machine that wrote the capture; LINKTYPE_LOOP (OpenBSD) always in
 * network order.
 *
 * +-------------------------------+--------
 * | address family (4)            | IP ...
 * +-------------------------------+--------
 *
 * Families are small numbers, so a value with any of its upper 16 bits set
 * must be the other byte order (tcpdump print-null.c does the same). */
static enum decode_status decode_null(struct rd *r, bool any_order, enum decode__net *net)
{
    uint32_t af = rd_be32(r);

    if (r->trunc)
        return DECODE_TRUNCATED;
    if (any_order && (af & 0xFFFF0000u) != 0)
        af = (af >> 24) | ((af >> 8) & 0xFF00u) | ((af << 8) & 0xFF0000u) | (af << 24);
    return af_to_net(af, net);
}

/* LINKTYPE_RAW: the frame starts with an IPv4 or IPv6 header, told apart by
 * the version nibble. The link type promises IP, so another version
 * contradicts it: malformed. */
static enum decode_status decode_raw(struct rd *r, enum decode__net *net)
{
    int ver = peek_ip_version(r);

    if (ver < 0)
        return DECODE_TRUNCATED;
    if (ver == 4) {
        *net = DECODE__NET_IPV4;
        return DECODE_OK;
    }
    if (ver == 6) {
        *net = DECODE__NET_IPV6;
        return DECODE_OK;
    }
    return DECODE_MALFORMED;
}

enum decode_status decode__link(enum link_type lt, struct rd *r, struct decode__ctx *c,
                                enum decode__net *net)
{
    c->out->layer = DECODE_L_LINK;
    switch (lt) {
    case LINK_ETHERNET:
        return decode_ethernet(r, c, net);
    case LINK_LINUX_SLL:
        return decode_sll(r, c, net);
    case LINK_LINUX_SLL2:
        return decode_sll2(r, c, net);
    case LINK_NULL_BSD:
        return decode_null(r, true, net);
    case LINK_LOOP:
        return decode_null(r, false, net);
    case LINK_RAW:
        return decode_raw(r, net);
    case LINK_IPV4:
        *net = DECODE__NET_IPV4;
        return DECODE_OK;
    case LINK_IPV6:
        *net = DECODE__NET_IPV6;
        return DECODE_OK;
    case LINK_UNKNOWN:
    case LINK__COUNT:
    default:
        return DECODE_UNSUPPORTED;
    }
}
