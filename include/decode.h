/* decode.h: one frame's bytes -> one struct pkt of copied values. Pure.
 *
 * Every byte is read through the bounded cursor (rd.h). Each layer narrows
 * the cursor to its own length field, so TCP never sees Ethernet padding.
 * Truncated (the capture stops early), malformed (length fields contradict
 * each other or the protocol), unsupported (a link type or protocol we don't
 * decode) and not-tcp are distinct outcomes; none aborts the run. */
#ifndef TCPSHAKE_DECODE_H
#define TCPSHAKE_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "frame.h"
#include "linktype.h"
#include "netaddr.h"
#include "tcpopt.h"

#define DECODE_STATUS_MAP(X)           \
    X(OK, "ok")                        \
    X(TRUNCATED, "truncated")          \
    X(MALFORMED, "malformed")          \
    X(UNSUPPORTED, "unsupported")      \
    X(NOT_IP, "not-ip")                \
    X(NOT_TCP, "not-tcp")              \
    X(FRAGMENT, "fragment")

enum decode_status {
#define X(n, s) DECODE_##n,
    DECODE_STATUS_MAP(X)
#undef X
    DECODE__COUNT
};

/* Where decoding stopped (for a problem) or the last layer decoded. */
#define DECODE_LAYER_MAP(X) \
    X(LINK, "link")         \
    X(VLAN, "vlan")         \
    X(MPLS, "mpls")         \
    X(IPV4, "ipv4")         \
    X(IPV6, "ipv6")         \
    X(IPV6_EXT, "ipv6-ext") \
    X(TCP, "tcp")           \
    X(LLC, "llc")           \
    X(GRE, "gre")           \
    X(UDP, "udp")           \
    X(VXLAN, "vxlan")       \
    X(GENEVE, "geneve")     \
    X(TEREDO, "teredo")

enum decode_layer {
#define X(n, s) DECODE_L_##n,
    DECODE_LAYER_MAP(X)
#undef X
    DECODE_L__COUNT
};

/* Packet anomalies (bits of pkt.anomalies): parseable oddities. */
#define PKT_ANOMALY_MAP(X)                                                   \
    X(IP_OPTIONS, 0x0001u, "ip-options")      /* IPv4 IHL > 5 */             \
    X(IP_FRAG_FIRST, 0x0002u, "ip-fragment")  /* first fragment, MF set */   \
    X(IP_PADDING, 0x0004u, "link-padding")    /* bytes past IP total length */ \
    X(IP_CAPLEN_SHORT, 0x0008u, "ip-len-cut") /* IP length > captured bytes */ \
    X(TCP_OPT, 0x0010u, "tcp-option")         /* see opt.anomalies */         \
    X(FLAGS_INVALID, 0x0020u, "bad-flags")    /* SYN+FIN, SYN+RST, none: conntrack INVALID */ \
    X(FIN_NO_ACK, 0x0040u, "fin-no-ack")                                      \
    X(RESERVED_BITS, 0x0080u, "reserved-bits") /* TCP reserved bits set */    \
    X(PAYLOAD_CUT, 0x0100u, "payload-cut")    /* payload not fully captured */ \
    X(ZERO_PORT, 0x0200u, "zero-port")                                        \
    X(TIME_JUMP, 0x0400u, "time-jump") /* stamped far ahead, contradicted by the next frame \
                                          (pipeline.c; counted there, not by the decoder) */ \
    X(LINK_LEN_SHORT, 0x0800u, "link-len-short") /* PPPoE length < the IP length: \
                                          decoded by the IP length, as tshark */

enum pkt_anomaly {
#define X(n, v, s) PKT_ANOM_##n = v,
    PKT_ANOMALY_MAP(X)
#undef X
};
#define PKT_ANOM__COUNT 12

/* Encapsulations walked to reach the inner IP header, outermost first
 * (docs/CONFORMANCE.md, "Tunnels"). */
#define PKT_TUNNEL_MAP(X)   \
    X(IP4IN4, "4in4")       \
    X(IP6IN4, "6in4")       \
    X(IP4IN6, "4in6")       \
    X(IP6IN6, "6in6")       \
    X(GRE, "gre")           \
    X(VXLAN, "vxlan")       \
    X(GENEVE, "geneve")     \
    X(TEREDO, "teredo")

enum pkt_tunnel_kind {
#define X(n, s) PKT_TUN_##n,
    PKT_TUNNEL_MAP(X)
#undef X
    PKT_TUN__COUNT
};

struct pkt_tunnel {
    uint8_t kind;              /* enum pkt_tunnel_kind */
    bool have_id;              /* GRE key (RFC 2890), VXLAN/GENEVE VNI */
    uint32_t id;
};

struct pkt {
    uint64_t ts_ns;
    uint32_t caplen, wirelen;
    uint32_t anomalies;        /* PKT_ANOM_* */
    enum decode_layer layer;   /* last layer reached (problem layer if not OK) */
    uint8_t ip_ver;            /* 4 or 6 */
    uint8_t ttl;               /* TTL or hop limit */
    uint8_t tos;               /* IPv4 TOS / IPv6 traffic class (ECN in low 2 bits) */
    uint8_t vlan_depth;        /* 802.1Q/802.1ad tags walked */
    uint16_t vlan_id;          /* outermost VLAN id, if any */
    bool have_mac;             /* Ethernet: the two MAC addresses below (-e) */
    uint8_t mac_src[6], mac_dst[6];
    struct ip_addr src, dst;
    uint16_t sport, dport;
    uint16_t flags;            /* TH_* */
    uint16_t win;              /* raw window field (unscaled) */
    uint16_t urp;
    uint16_t csum;             /* TCP checksum as found (not verified) */
    uint32_t seq, ack;
    uint8_t doff;              /* TCP header length in bytes */
    struct tcp_opts opt;
    uint32_t payload_len;      /* what the IP length fields claim */
    uint32_t payload_caplen;   /* how much of it was captured */
    uint8_t ntunnels;          /* entries of tunnel[] used (<= CFG_MAX_TUNNELS) */
    struct pkt_tunnel tunnel[CFG_MAX_TUNNELS];
};

/* Decode one frame. `out` is always filled as far as decoding got (ts_ns,
 * caplen, wirelen and layer at least). Returns DECODE_OK only when the fixed
 * TCP header (20 bytes) was present and consistent; options cut by the
 * capture set TCPOPT_A_TRUNCATED but still return OK. Pure; cannot crash on
 * any input. */
enum decode_status decode_frame(enum link_type lt, const struct frame *f, struct pkt *out);

const char *decode_status_name(enum decode_status s);
const char *decode_layer_name(enum decode_layer l);
const char *pkt_tunnel_name(unsigned kind);
/* Name of one anomaly bit, NULL if unknown. */
const char *pkt_anomaly_name(uint32_t bit);

#endif
