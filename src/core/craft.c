/* craft.c: builds link header + IPv4/IPv6 + TCP (+ options, payload) frames
 * with correct checksums into a caller's buffer, through the bounded write
 * cursor only. Pure: no allocation, no OS calls. */
#include "craft.h"

#include <string.h>

#include "csum.h"
#include "tcp_wire.h"
#include "wr.h"

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define IPPROTO_TCP_NUM 6u
#define IPV4_HDR_LEN 20u
#define IPV6_HDR_LEN 40u
#define IPV4_DF 0x4000u
#define IP_MAX_LEN 65535u
#define TTL_DEFAULT 64u

#define ETH_HDR_LEN 14u
#define SLL_HDR_LEN 16u
#define SLL2_HDR_LEN 20u
#define AF_HDR_LEN 4u

#define ARPHRD_ETHER_NUM 1u        /* <linux/if_arp.h> ARPHRD_ETHER */
#define ARPHRD_LOOPBACK_NUM 772u   /* <linux/if_arp.h> ARPHRD_LOOPBACK */
#define IFINDEX_LO 1u              /* lo is always ifindex 1 on Linux */
#define IFINDEX_OTHER 2u           /* typically the first NIC */

/* Address families in DLT_NULL / DLT_LOOP headers. AF_INET is 2 everywhere;
 * AF_INET6 is not: 30 on macOS/iOS (what `tcpdump -i lo0` writes there), 28
 * on FreeBSD/DragonFly, 24 on OpenBSD/NetBSD (and DLT_LOOP is OpenBSD's
 * type), 10 on Linux. libpcap's DLT_NULL readers accept all of them. */
#define BSD_AF_INET 2u
#define BSD_AF_INET6_MACOS 30u
#define BSD_AF_INET6_OPENBSD 24u

static const char *const craft_errors[] = {
    "ok",
    "source and destination address families differ or are unknown",
    "buffer too small for the frame",
    "TCP options do not fit in 40 bytes",
    "link type not supported for building",
    "segment too long for the IP length field",
};

const char *craft_strerror(int err)
{
    if (err > 0 || err < CRAFT_ERR_LENGTH)
        return "unknown craft error";
    return craft_errors[-err];
}

/* The byte pattern the synthetic Ethernet and cooked headers use as a host's
 * MAC address: locally administered 02:00 followed by the low 32 bits of the
 * IP address, so that each host keeps one MAC in both directions. */
static void mac_for(const struct ip_addr *a, uint8_t mac[6])
{
    const uint8_t *low = a->family == IPADDR_V6 ? a->bytes + 12 : a->bytes;
    mac[0] = 0x02;
    mac[1] = 0x00;
    memcpy(mac + 2, low, 4);
}

/* Bytes of link header for `lt` carrying `family`, or -1 if not buildable. */
static int link_hdr_len(enum link_type lt, uint8_t family)
{
    switch (lt) {
    case LINK_RAW:
        return 0;
    case LINK_IPV4:
        return family == IPADDR_V4 ? 0 : -1;
    case LINK_IPV6:
        return family == IPADDR_V6 ? 0 : -1;
    case LINK_ETHERNET:
        return ETH_HDR_LEN;
    case LINK_LINUX_SLL:
        return SLL_HDR_LEN;
    case LINK_LINUX_SLL2:
        return SLL2_HDR_LEN;
    case LINK_NULL_BSD:
    case LINK_LOOP:
        return AF_HDR_LEN;
    case LINK_UNKNOWN:
    case LINK__COUNT:
    default:
        return -1;
    }
}

/* Ethernet II (IEEE 802.3 / RFC 894):
 * +-------------------+-------------------+-----------+
 * | destination MAC 6 |   source MAC 6    | ethertype |
 * +-------------------+-------------------+-----------+ */
static void put_ethernet(struct wr *w, const struct craft_spec *s, uint16_t ethertype)
{
    uint8_t mac[6];
    mac_for(&s->dst, mac);
    wr_bytes(w, mac, sizeof(mac));
    mac_for(&s->src, mac);
    wr_bytes(w, mac, sizeof(mac));
    wr_be16(w, ethertype);
}

/* The sender's link-layer address as a cooked header carries it: zeros on
 * lo (ARPHRD_LOOPBACK, as Linux reports it), else the synthetic MAC. */
static uint16_t cooked_addr(const struct craft_spec *s, uint8_t addr[8])
{
    memset(addr, 0, 8);
    if (ipaddr_is_loopback(&s->src))
        return ARPHRD_LOOPBACK_NUM;
    mac_for(&s->src, addr);
    return ARPHRD_ETHER_NUM;
}

/* LINUX_SLL (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html), 16 bytes:
 * +-------------+-------------+-------------+----------------+-----------+
 * | packet type | ARPHRD type | addr length | address (8, 0- | protocol  |
 * |     (2)     |     (2)     |     (2)     |  padded)       |    (2)    |
 * +-------------+-------------+-------------+----------------+-----------+ */
static void put_sll(struct wr *w, const struct craft_spec *s, uint16_t ethertype)
{
    uint8_t addr[8];
    uint16_t hatype = cooked_addr(s, addr);
    wr_be16(w, s->pkttype);
    wr_be16(w, hatype);
    wr_be16(w, 6);
    wr_bytes(w, addr, sizeof(addr));
    wr_be16(w, ethertype);
}

/* LINUX_SLL2 (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html), 20 bytes,
 * what `tcpdump -i any` writes since libpcap 1.10:
 * +-----------+----------+-----------------+-------------+------+------+
 * | protocol  | reserved | interface index | ARPHRD type | pkt  | addr |
 * |    (2)    |  (2) MBZ |       (4)       |     (2)     | type | len  |
 * +-----------+----------+-----------------+-------------+------+------+
 * |                 link-layer address (8, zero-padded)                |
 * +--------------------------------------------------------------------+ */
static void put_sll2(struct wr *w, const struct craft_spec *s, uint16_t ethertype)
{
    uint8_t addr[8];
    uint16_t hatype = cooked_addr(s, addr);
    uint32_t ifindex = s->ifindex;
    if (ifindex == 0)
        ifindex = hatype == ARPHRD_LOOPBACK_NUM ? IFINDEX_LO : IFINDEX_OTHER;
    wr_be16(w, ethertype);
    wr_be16(w, 0);
    wr_be32(w, ifindex);
    wr_be16(w, hatype);
    wr_u8(w, s->pkttype);
    wr_u8(w, 6);
    wr_bytes(w, addr, sizeof(addr));
}

/* DLT_NULL: a 4-byte address family in the *writer's* byte order (the pcap
 * file header's magic tells readers which). We are the writer, so the value
 * is stored in this host's order, via memcpy of a native uint32_t. */
static void put_null_bsd(struct wr *w, uint8_t family)
{
    uint32_t af = family == IPADDR_V6 ? BSD_AF_INET6_MACOS : BSD_AF_INET;
    uint8_t b[4];
    memcpy(b, &af, sizeof(b));
    wr_bytes(w, b, sizeof(b));
}

/* DLT_LOOP (OpenBSD lo): the same family word, always big-endian. */
static void put_loop(struct wr *w, uint8_t family)
{
    wr_be32(w, family == IPADDR_V6 ? BSD_AF_INET6_OPENBSD : BSD_AF_INET);
}

static void put_link(struct wr *w, enum link_type lt, const struct craft_spec *s)
{
    uint16_t et = s->src.family == IPADDR_V6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    switch (lt) {
    case LINK_ETHERNET:
        put_ethernet(w, s, et);
        break;
    case LINK_LINUX_SLL:
        put_sll(w, s, et);
        break;
    case LINK_LINUX_SLL2:
        put_sll2(w, s, et);
        break;
    case LINK_NULL_BSD:
        put_null_bsd(w, s->src.family);
        break;
    case LINK_LOOP:
        put_loop(w, s->src.family);
        break;
    default: /* RAW, IPV4, IPV6: no link header */
        break;
    }
}

/* IPv4 header, RFC 791 section 3.1 (IHL 5, no options):
 *  0                   1                   2                   3
 * +-------+-------+---------------+-------------------------------+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-------+-------+---------------+-----+-------------------------+
 * |         Identification        |Flags|     Fragment Offset     |
 * +---------------+---------------+-----+-------------------------+
 * |  Time to Live |    Protocol   |        Header Checksum        |
 * +---------------+---------------+-------------------------------+
 * |                        Source Address                         |
 * +---------------------------------------------------------------+
 * |                     Destination Address                       |
 * +---------------------------------------------------------------+ */
static void put_ipv4(struct wr *w, const struct craft_spec *s, size_t seg_len)
{
    size_t off = w->len;
    wr_u8(w, 0x45);
    wr_u8(w, s->tos);
    wr_be16(w, (uint16_t)(IPV4_HDR_LEN + seg_len));
    wr_be16(w, s->ip_id);
    wr_be16(w, s->dont_fragment ? IPV4_DF : 0);
    wr_u8(w, s->ttl ? s->ttl : TTL_DEFAULT);
    wr_u8(w, IPPROTO_TCP_NUM);
    wr_be16(w, 0); /* checksum, below */
    wr_bytes(w, s->src.bytes, 4);
    wr_bytes(w, s->dst.bytes, 4);
    if (!w->overflow)
        wr_put_be16_at(w, off + 10, csum_ipv4_header(w->buf + off, IPV4_HDR_LEN));
}

/* IPv6 header, RFC 8200 section 3 (no extension headers):
 * +-------+---------------+---------------------------------------+
 * |Version| Traffic Class |              Flow Label (0)           |
 * +-------+---------------+-------+---------------+---------------+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-------------------------------+---------------+---------------+
 * |                    Source Address (16 bytes)                  |
 * +---------------------------------------------------------------+
 * |                 Destination Address (16 bytes)                |
 * +---------------------------------------------------------------+ */
static void put_ipv6(struct wr *w, const struct craft_spec *s, size_t seg_len)
{
    wr_be32(w, (uint32_t)6 << 28 | (uint32_t)s->tos << 20);
    wr_be16(w, (uint16_t)seg_len);
    wr_u8(w, IPPROTO_TCP_NUM);
    wr_u8(w, s->ttl ? s->ttl : TTL_DEFAULT);
    wr_bytes(w, s->src.bytes, 16);
    wr_bytes(w, s->dst.bytes, 16);
}

/* TCP header, RFC 9293 section 3.1 (AE bit: RFC 9768 section 3.1):
 *  0                   1                   2                   3
 * +-------------------------------+-------------------------------+
 * |          Source Port          |       Destination Port        |
 * +-------------------------------+-------------------------------+
 * |                        Sequence Number                        |
 * +---------------------------------------------------------------+
 * |                    Acknowledgment Number                      |
 * +-------+-----+-+-+-+-+-+-+-+-+-+-------------------------------+
 * |  Data |     |A|C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrv|E|W|C|R|C|S|S|Y|I|            Window             |
 * |       |     | |R|E|G|K|H|T|N|N|                               |
 * +-------+-----+-+-+-+-+-+-+-+-+-+-------------------------------+
 * |           Checksum            |         Urgent Pointer        |
 * +-------------------------------+-------------------------------+
 * |                 Options (0..40)               |    Payload    |
 * +-----------------------------------------------+---------------+ */
static void put_tcp(struct wr *w, const struct craft_spec *s, const uint8_t *opts, size_t olen)
{
    size_t doff_words = (TCP_HDR_MIN + olen) / 4;
    uint32_t i;
    wr_be16(w, s->sport);
    wr_be16(w, s->dport);
    wr_be32(w, s->seq);
    wr_be32(w, s->ack);
    wr_u8(w, (uint8_t)(doff_words << 4 | ((s->flags & TH_AE) ? 1u : 0u)));
    wr_u8(w, (uint8_t)(s->flags & 0xffu));
    wr_be16(w, s->win);
    wr_be16(w, 0); /* checksum, set by the caller */
    wr_be16(w, s->urp);
    wr_bytes(w, opts, olen);
    if (s->payload) {
        wr_bytes(w, s->payload, s->payload_len);
    } else {
        for (i = 0; i < s->payload_len; i++)
            wr_u8(w, 0);
    }
}

int craft_frame(enum link_type lt, const struct craft_spec *s, uint8_t *buf, size_t cap,
                size_t *len)
{
    uint8_t opts[TCP_OPT_SPACE];
    struct wr ow = wr_init(opts, sizeof(opts));
    struct wr w;
    int link_len, olen;
    size_t seg_len, ip_hdr, need, tcp_off;
    uint16_t sum;
    bool v6;

    *len = 0;
    if (s->src.family != s->dst.family ||
        (s->src.family != IPADDR_V4 && s->src.family != IPADDR_V6))
        return CRAFT_ERR_FAMILY;
    v6 = s->src.family == IPADDR_V6;
    link_len = link_hdr_len(lt, s->src.family);
    if (link_len < 0)
        return CRAFT_ERR_LINK;

    /* Options go to a scratch area first, so that "too long for TCP" and
     * "too long for the caller's buffer" stay distinct. */
    olen = tcpopt_write(&ow, &s->opt);
    if (olen < 0 || ow.overflow || (size_t)olen != ow.len || olen % 4 != 0)
        return CRAFT_ERR_OPTIONS;

    seg_len = TCP_HDR_MIN + (size_t)olen + s->payload_len;
    ip_hdr = v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
    /* IPv4 Total Length counts the header; IPv6 Payload Length does not
     * (and jumbograms, RFC 2675, are out of scope). */
    if ((v6 ? seg_len : ip_hdr + seg_len) > IP_MAX_LEN)
        return CRAFT_ERR_LENGTH;
    need = (size_t)link_len + ip_hdr + seg_len;
    if (need > cap) {
        *len = need;
        return CRAFT_ERR_SPACE;
    }

    w = wr_init(buf, cap);
    put_link(&w, lt, s);
    if (v6)
        put_ipv6(&w, s, seg_len);
    else
        put_ipv4(&w, s, seg_len);
    tcp_off = w.len;
    put_tcp(&w, s, opts, (size_t)olen);
    if (w.overflow || w.len != need)
        return CRAFT_ERR_SPACE; /* unreachable: `need` was checked */

    sum = csum_tcp(&s->src, &s->dst, buf + tcp_off, seg_len);
    if (s->bad_tcp_csum)
        sum ^= 0xffffu;
    wr_put_be16_at(&w, tcp_off + 16, sum);
    *len = w.len;
    return 0;
}
