/* test_decode.c: decode_frame() on real frames from the conformance captures
 * (bytes copied from tcpdump -xx), every truncation of each, and crafted
 * malformed, fragmented, padded, not-IP, not-TCP and unsupported frames.
 * Every frame is decoded from a malloc'ed copy of exactly caplen bytes so
 * ASan reports any read past the capture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "decode.h"
#include "netaddr.h"
#include "tcp_wire.h"
#include "tcpopt.h"
#include "wr.h"

#define TS_NS 1234567890123456789ull

static enum decode_status dec(enum link_type lt, const uint8_t *b, size_t caplen,
                              size_t wirelen, struct pkt *p)
{
    uint8_t *copy = malloc(caplen ? caplen : 1);
    struct frame f;
    enum decode_status st;
    assert_non_null(copy);
    if (caplen)
        memcpy(copy, b, caplen);
    f.data = copy;
    f.caplen = (uint32_t)caplen;
    f.wirelen = (uint32_t)wirelen;
    f.ts_ns = TS_NS + caplen;
    memset(p, 0x5A, sizeof(*p)); /* decode_frame must overwrite everything */
    st = decode_frame(lt, &f, p);
    free(copy);
    /* Always filled, whatever the outcome. */
    assert_int_equal(p->ts_ns, TS_NS + caplen);
    assert_int_equal(p->caplen, caplen);
    assert_int_equal(p->wirelen, wirelen);
    assert_true((unsigned)p->layer < DECODE_L__COUNT);
    assert_true((unsigned)st < DECODE__COUNT);
    return st;
}

static enum decode_status dec_all(enum link_type lt, const uint8_t *b, size_t len, struct pkt *p)
{
    return dec(lt, b, len, len, p);
}

static const char *addr(const struct ip_addr *a)
{
    static char buf[2][IPADDR_STRLEN];
    static int i;
    i ^= 1;
    ipaddr_format(a, buf[i]);
    return buf[i];
}

static const char *opts(const struct pkt *p)
{
    static char buf[256];
    tcpopt_format(&p->opt, buf, (int)sizeof(buf));
    return buf;
}

/* Every field of a decoded TCP segment. */
struct want {
    enum decode_layer layer;
    uint8_t ip_ver, ttl, tos, vlan_depth;
    uint16_t vlan_id;
    const char *src, *dst;
    uint16_t sport, dport, flags, win, urp, csum;
    uint32_t seq, ack;
    uint8_t doff;
    const char *opts;
    uint32_t payload_len, payload_caplen, anomalies;
};

static void assert_pkt(const struct pkt *p, const struct want *w)
{
    assert_int_equal(p->layer, w->layer);
    assert_int_equal(p->ip_ver, w->ip_ver);
    assert_int_equal(p->src.family, w->ip_ver);
    assert_int_equal(p->dst.family, w->ip_ver);
    assert_int_equal(p->ttl, w->ttl);
    assert_int_equal(p->tos, w->tos);
    assert_int_equal(p->vlan_depth, w->vlan_depth);
    assert_int_equal(p->vlan_id, w->vlan_id);
    assert_string_equal(addr(&p->src), w->src);
    assert_string_equal(addr(&p->dst), w->dst);
    assert_int_equal(p->sport, w->sport);
    assert_int_equal(p->dport, w->dport);
    assert_int_equal(p->flags, w->flags);
    assert_int_equal(p->win, w->win);
    assert_int_equal(p->urp, w->urp);
    assert_int_equal(p->csum, w->csum);
    assert_int_equal(p->seq, w->seq);
    assert_int_equal(p->ack, w->ack);
    assert_int_equal(p->doff, w->doff);
    assert_string_equal(opts(p), w->opts);
    assert_int_equal(p->payload_len, w->payload_len);
    assert_int_equal(p->payload_caplen, w->payload_caplen);
    assert_int_equal(p->anomalies, w->anomalies);
    if (!(w->anomalies & PKT_ANOM_TCP_OPT))
        assert_int_equal(p->opt.anomalies, 0);
}

/* ---- real frames ---------------------------------------------------------- */

/* z_tcp-http-with-padding.pcap frame 1: Ethernet, IPv4 total length 64 in an
 * 80-byte frame (2 bytes of trailer), SYN with an EOL-terminated list. */
static const uint8_t eth_v4_syn_padded[] = {
    0x4c, 0xd9, 0x8f, 0x8b, 0x40, 0x75, 0x18, 0x2a, 0xd3, 0x2f, 0x15, 0xf0,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x00, 0x32, 0x06,
    0x09, 0x17, 0xa7, 0xdd, 0x1e, 0xb5, 0xd9, 0xcf, 0x9f, 0x3f, 0xe8, 0x0e,
    0x6a, 0x88, 0x53, 0x23, 0xca, 0x3d, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02,
    0xff, 0xff, 0xd7, 0x39, 0x00, 0x00, 0x02, 0x04, 0x05, 0xac, 0x01, 0x03,
    0x03, 0x06, 0x01, 0x01, 0x08, 0x0a, 0xbb, 0xfd, 0xf4, 0x32, 0x00, 0x00,
    0x00, 0x00, 0x04, 0x02, 0x00, 0x00, 0xff, 0xff,
};

/* s_bug-4376_syn-retransmit.pcap frame 1: 802.1Q VLAN 3136, IPv4 SYN, and a
 * 4-byte trailer (the FCS) after the IP datagram. */
static const uint8_t eth_vlan_v4_syn[] = {
    0x00, 0x50, 0x56, 0x01, 0x12, 0x76, 0x00, 0x50, 0x56, 0x01, 0x12, 0x70,
    0x81, 0x00, 0x0c, 0x40, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0xd7, 0x3a,
    0x40, 0x00, 0x40, 0x06, 0x58, 0x0f, 0x0a, 0x26, 0xfb, 0x92, 0x0a, 0x26,
    0xfb, 0x93, 0x82, 0x5c, 0x00, 0x50, 0x9c, 0x9d, 0xe9, 0x48, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0x72, 0x10, 0x7e, 0x47, 0x00, 0x00, 0x02, 0x04,
    0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x05, 0x31, 0x3e, 0x72, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x03, 0x03, 0x07, 0xda, 0xb7, 0xec, 0x04,
};

/* z_ftp_ipv6.pcap frame 1: Ethernet, IPv6 SYN. */
static const uint8_t eth_v6_syn[] = {
    0xd8, 0x30, 0x62, 0x48, 0xc5, 0xb5, 0xc4, 0x2c, 0x03, 0x3b, 0x6c, 0xaa,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x06, 0x40, 0x20, 0x01,
    0x04, 0x70, 0x1f, 0x11, 0x08, 0x1f, 0xc9, 0x99, 0x0d, 0x94, 0xaa, 0x7c,
    0x2e, 0x3e, 0x20, 0x01, 0x04, 0x70, 0x48, 0x67, 0x00, 0x99, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0xc0, 0x21, 0x00, 0x15, 0x26, 0x8a,
    0x7e, 0x5f, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02, 0xff, 0xff, 0x44, 0x89,
    0x00, 0x00, 0x02, 0x04, 0x05, 0xa0, 0x01, 0x03, 0x03, 0x01, 0x01, 0x01,
    0x08, 0x0a, 0x3a, 0x01, 0xea, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02,
    0x00, 0x00,
};

/* s_tcp-fastopen-05_sll-loopback.pcap frame 1: Linux cooked v1, loopback
 * SYN with an experimental TFO cookie and 3 bytes of data ("Hi!"). */
static const uint8_t sll_v4_tfo_syn[] = {
    0x00, 0x00, 0x03, 0x04, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x4b, 0x6d, 0x4f, 0x40, 0x00,
    0x40, 0x06, 0xcf, 0x5b, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
    0xa7, 0x68, 0x30, 0x39, 0x94, 0x0e, 0xdc, 0x21, 0x00, 0x00, 0x00, 0x00,
    0xd0, 0x02, 0xaa, 0xaa, 0xfe, 0x3f, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7,
    0x04, 0x02, 0x08, 0x0a, 0x00, 0xdc, 0xb1, 0x6e, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x0a, 0xfe, 0x0c, 0xf9, 0x89, 0xa4, 0x6f, 0xd5, 0x4e,
    0x09, 0x05, 0x78, 0x4a, 0x48, 0x69, 0x21,
};

/* s_decode-sll2-01.pcap frame 1: Linux cooked v2, IPv4 SYN. */
static const uint8_t sll2_v4_syn[] = {
    0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x04, 0x06,
    0xaa, 0x76, 0x30, 0x71, 0xb0, 0xe7, 0x00, 0x00, 0x45, 0x00, 0x00, 0x3c,
    0x45, 0xa9, 0x40, 0x00, 0x40, 0x06, 0x70, 0xb0, 0xc0, 0xa8, 0x01, 0xfd,
    0xc0, 0xa8, 0x01, 0x15, 0xdc, 0x9e, 0x00, 0x50, 0x8b, 0x0b, 0x43, 0x93,
    0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xd7, 0x0c, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xc5, 0xbe, 0x80, 0x53,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* z_tls_pop3-starttls.pcap frame 1: BSD NULL, AF_INET = 2 little-endian. */
static const uint8_t null_le_v4_syn[] = {
    0x02, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x40, 0x2d, 0xfd, 0x40, 0x00,
    0x40, 0x06, 0x00, 0x00, 0xc0, 0xa8, 0x04, 0x95, 0xc0, 0xa8, 0x04, 0x95,
    0xd5, 0xf7, 0x00, 0x6e, 0xcf, 0x45, 0xd9, 0x0f, 0x00, 0x00, 0x00, 0x00,
    0xb0, 0x02, 0xff, 0xff, 0x8a, 0xad, 0x00, 0x00, 0x02, 0x04, 0x3f, 0xd8,
    0x01, 0x03, 0x03, 0x04, 0x01, 0x01, 0x08, 0x0a, 0x3d, 0xe8, 0xab, 0xee,
    0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00,
};

/* z_http_connect-with-header.pcap frame 1: BSD NULL, AF_INET6 = 30 (macOS)
 * little-endian, ::1 SYN. */
static const uint8_t null_le_v6_syn[] = {
    0x1e, 0x00, 0x00, 0x00, 0x60, 0x00, 0xd0, 0x8d, 0x00, 0x2c, 0x06, 0x40,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xcd, 0x2a, 0x00, 0x50,
    0x4e, 0xc8, 0x52, 0xbd, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02, 0xff, 0xff,
    0x00, 0x34, 0x00, 0x00, 0x02, 0x04, 0x3f, 0xc4, 0x01, 0x03, 0x03, 0x05,
    0x01, 0x01, 0x08, 0x0a, 0x49, 0xb8, 0x86, 0x85, 0x00, 0x00, 0x00, 0x00,
    0x04, 0x02, 0x00, 0x00,
};

/* s_tcp-fastopen-10-syn-data-ignore.pcap frame 2: LINKTYPE_RAW, SYN+ACK
 * with a 4-byte TFO cookie (kind 34). */
static const uint8_t raw_v4_synack_tfo[] = {
    0x45, 0x00, 0x00, 0x44, 0x00, 0x00, 0x40, 0x00, 0x3b, 0x06, 0xdc, 0xd7,
    0x11, 0xfd, 0x90, 0x0a, 0xc0, 0xa8, 0x00, 0x2d, 0x01, 0xbb, 0xc9, 0x9f,
    0xbf, 0x74, 0x02, 0x06, 0x9c, 0xfe, 0xa3, 0xa2, 0xc0, 0x12, 0xfd, 0xd4,
    0x94, 0x8b, 0x00, 0x00, 0x02, 0x04, 0x05, 0xac, 0x04, 0x02, 0x08, 0x0a,
    0x79, 0xa9, 0x73, 0xc5, 0xa4, 0xf2, 0x97, 0x6c, 0x01, 0x03, 0x03, 0x08,
    0x22, 0x06, 0xab, 0x8a, 0x6c, 0xdb, 0x01, 0x01,
};

/* z_http_261_variant-03-cl_negative.pcap frame 1: LINKTYPE_IPV4, a bare
 * 40-byte SYN without options. */
static const uint8_t ipv4_syn_bare[] = {
    0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0xf6, 0x52,
    0xc0, 0xa8, 0x01, 0x64, 0xc0, 0xa8, 0x01, 0xc8, 0x9c, 0x43, 0x00, 0x50,
    0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x20, 0x00,
    0x6a, 0xea, 0x00, 0x00,
};

/* z_mixed-vlan-mpls.pcap frame 1: Ethernet, one MPLS label (29, TC 6, S,
 * TTL 255), IPv4 SYN with mss 536. */
static const uint8_t eth_mpls_v4_syn[] = {
    0x00, 0x30, 0x96, 0xe6, 0xfc, 0x39, 0x00, 0x30, 0x96, 0x05, 0x28, 0x38,
    0x88, 0x47, 0x00, 0x01, 0xdd, 0xff, 0x45, 0xc0, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0xff, 0x06, 0xa4, 0xe7, 0x0a, 0x01, 0x02, 0x01, 0x0a, 0x22,
    0x00, 0x01, 0x2a, 0xf9, 0x00, 0x17, 0x98, 0x32, 0x0f, 0xfb, 0x00, 0x00,
    0x00, 0x00, 0x60, 0x02, 0x10, 0x20, 0xa2, 0x40, 0x00, 0x00, 0x02, 0x04,
    0x02, 0x18,
};

/* z_mixed-vlan-mpls.pcap frame 2: the ACK, padded to the 60-byte minimum. */
static const uint8_t eth_mpls_v4_ack_padded[] = {
    0x00, 0x30, 0x96, 0xe6, 0xfc, 0x39, 0x00, 0x30, 0x96, 0x05, 0x28, 0x38,
    0x88, 0x47, 0x00, 0x01, 0xdd, 0xff, 0x45, 0xc0, 0x00, 0x28, 0x00, 0x01,
    0x00, 0x00, 0xff, 0x06, 0xa4, 0xea, 0x0a, 0x01, 0x02, 0x01, 0x0a, 0x22,
    0x00, 0x01, 0x2a, 0xf9, 0x00, 0x17, 0x98, 0x32, 0x0f, 0xfc, 0x8d, 0xd5,
    0x8e, 0xa5, 0x50, 0x10, 0x10, 0x20, 0x99, 0xd6, 0x00, 0x00, 0x00, 0x00,
};

/* z_tcp_tcp-fast-open.pcap frame 1: Ethernet, Linux SYN asking for a TFO
 * cookie with the experimental option. */
static const uint8_t eth_v4_syn_tfo_req[] = {
    0x00, 0x0c, 0x29, 0x6d, 0xb6, 0x7a, 0x00, 0x50, 0x56, 0xc0, 0x00, 0x01,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x40, 0xf2, 0xe6, 0x40, 0x00, 0x40, 0x06,
    0x6c, 0xdd, 0x0a, 0x63, 0x63, 0x01, 0x0a, 0x63, 0x63, 0x2d, 0xd8, 0xed,
    0x00, 0x50, 0x60, 0x96, 0x9a, 0x45, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02,
    0x72, 0x10, 0xb5, 0xd2, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0x00, 0xd9, 0x68, 0xa3, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
    0x03, 0x07, 0xfe, 0x04, 0xf9, 0x89,
};

static void test_real_eth_v4_syn_padded(void **state)
{
    struct pkt p;
    const struct want w = {
        DECODE_L_TCP, 4, 50, 0, 0, 0, "167.221.30.181", "217.207.159.63", 59406, 27272,
        TH_SYN, 65535, 0, 0xd739, 1394854461u, 0, 44,
        "mss 1452,nop,wscale 6,nop,nop,TS val 3153982514 ecr 0,sackOK,eol", 0, 0,
        PKT_ANOM_IP_PADDING,
    };
    (void)state;
    assert_int_equal(dec_all(LINK_ETHERNET, eth_v4_syn_padded, sizeof(eth_v4_syn_padded), &p),
                     DECODE_OK);
    assert_pkt(&p, &w);
    assert_int_equal(p.opt.present,
                     TCPOPT_P_MSS | TCPOPT_P_WSCALE | TCPOPT_P_TS | TCPOPT_P_SACK_OK);
    assert_int_equal(p.opt.mss, 1452);
    assert_int_equal(p.opt.wscale, 6);
}

static void test_real_eth_vlan(void **state)
{
    struct pkt p;
    const struct want w = {
        DECODE_L_TCP, 4, 64, 0, 1, 3136, "10.38.251.146", "10.38.251.147", 33372, 80,
        TH_SYN, 29200, 0, 0x7e47, 2627594568u, 0, 40,
        "mss 1460,sackOK,TS val 87113330 ecr 0,nop,wscale 7", 0, 0,
        PKT_ANOM_IP_PADDING, /* the FCS is trimmed like padding */
    };
    (void)state;
    assert_int_equal(dec_all(LINK_ETHERNET, eth_vlan_v4_syn, sizeof(eth_vlan_v4_syn), &p),
                     DECODE_OK);
    assert_pkt(&p, &w);
}

static void test_real_eth_v6(void **state)
{
    struct pkt p;
    const struct want w = {
        DECODE_L_TCP, 6, 64, 0, 0, 0, "2001:470:1f11:81f:c999:d94:aa7c:2e3e",
        "2001:470:4867:99::21", 49185, 21, TH_SYN, 65535, 0, 0x4489, 646610527u, 0, 44,
        "mss 1440,nop,wscale 1,nop,nop,TS val 973204046 ecr 0,sackOK,eol", 0, 0, 0,
    };
    (void)state;
    assert_int_equal(dec_all(LINK_ETHERNET, eth_v6_syn, sizeof(eth_v6_syn), &p), DECODE_OK);
    assert_pkt(&p, &w);
}

static void test_real_sll(void **state)
{
    struct pkt p;
    static const uint8_t cookie[8] = { 0xa4, 0x6f, 0xd5, 0x4e, 0x09, 0x05, 0x78, 0x4a };
    const struct want w = {
        DECODE_L_TCP, 4, 64, 0, 0, 0, "127.0.0.1", "127.0.0.1", 42856, 12345, TH_SYN,
        43690, 0, 0xfe3f, 2484001825u, 0, 52,
        "mss 65495,sackOK,TS val 14463342 ecr 0,nop,wscale 10,exp-tfo cookie a46fd54e0905784a",
        3, 3, 0,
    };
    (void)state;
    assert_int_equal(dec_all(LINK_LINUX_SLL, sll_v4_tfo_syn, sizeof(sll_v4_tfo_syn), &p),
                     DECODE_OK);
    assert_pkt(&p, &w);
    assert_true(p.opt.present & TCPOPT_P_TFO);
    assert_true(p.opt.tfo_exp);
    assert_int_equal(p.opt.tfo_len, 8);
    assert_memory_equal(p.opt.tfo_cookie, cookie, 8);
}

static void test_real_sll2(void **state)
{
    struct pkt p;
    const struct want w = {
        DECODE_L_TCP, 4, 64, 0, 0, 0, "192.168.1.253", "192.168.1.21", 56478, 80, TH_SYN,
        64240, 0, 0xd70c, 2332771219u, 0, 40,
        "mss 1460,sackOK,TS val 3317596243 ecr 0,nop,wscale 7", 0, 0, 0,
    };
    (void)state;
    assert_int_equal(dec_all(LINK_LINUX_SLL2, sll2_v4_syn, sizeof(sll2_v4_syn), &p), DECODE_OK);
    assert_pkt(&p, &w);
}

static const struct want null_v4_want = {
    DECODE_L_TCP, 4, 64, 0, 0, 0, "192.168.4.149", "192.168.4.149", 54775, 110, TH_SYN,
    65535, 0, 0x8aad, 3477461263u, 0, 44,
    "mss 16344,nop,wscale 4,nop,nop,TS val 1038658542 ecr 0,sackOK,eol", 0, 0, 0,
};

static const struct want null_v6_want = {
    DECODE_L_TCP, 6, 64, 0, 0, 0, "::1", "::1", 52522, 80, TH_SYN, 65535, 0, 0x0034,
    1321751229u, 0, 44, "mss 16324,nop,wscale 5,nop,nop,TS val 1236829829 ecr 0,sackOK,eol",
    0, 0, 0,
};

/* BSD NULL in both byte orders, every IPv6 family value, and LOOP. */
static void test_real_null_and_loop(void **state)
{
    static const uint32_t v6_afs[] = { 10, 24, 28, 30 };
    uint8_t v4[sizeof(null_le_v4_syn)], v6[sizeof(null_le_v6_syn)];
    struct pkt p;
    size_t i;
    (void)state;
    assert_int_equal(dec_all(LINK_NULL_BSD, null_le_v4_syn, sizeof(v4), &p), DECODE_OK);
    assert_pkt(&p, &null_v4_want);
    assert_int_equal(dec_all(LINK_NULL_BSD, null_le_v6_syn, sizeof(v6), &p), DECODE_OK);
    assert_pkt(&p, &null_v6_want);

    /* The same frames written by a big-endian machine. */
    memcpy(v4, null_le_v4_syn, sizeof(v4));
    v4[0] = 0;
    v4[3] = 2;
    assert_int_equal(dec_all(LINK_NULL_BSD, v4, sizeof(v4), &p), DECODE_OK);
    assert_pkt(&p, &null_v4_want);
    /* LOOP is always network order... */
    assert_int_equal(dec_all(LINK_LOOP, v4, sizeof(v4), &p), DECODE_OK);
    assert_pkt(&p, &null_v4_want);
    /* ...so the little-endian header is not an address family it knows. */
    assert_int_equal(dec_all(LINK_LOOP, null_le_v4_syn, sizeof(v4), &p), DECODE_NOT_IP);
    assert_int_equal(p.layer, DECODE_L_LINK);

    memcpy(v6, null_le_v6_syn, sizeof(v6));
    for (i = 0; i < sizeof(v6_afs) / sizeof(v6_afs[0]); i++) {
        memset(v6, 0, 4);
        v6[0] = (uint8_t)v6_afs[i]; /* little-endian */
        assert_int_equal(dec_all(LINK_NULL_BSD, v6, sizeof(v6), &p), DECODE_OK);
        assert_pkt(&p, &null_v6_want);
        memset(v6, 0, 4);
        v6[3] = (uint8_t)v6_afs[i]; /* big-endian */
        assert_int_equal(dec_all(LINK_NULL_BSD, v6, sizeof(v6), &p), DECODE_OK);
        assert_pkt(&p, &null_v6_want);
        assert_int_equal(dec_all(LINK_LOOP, v6, sizeof(v6), &p), DECODE_OK);
        assert_pkt(&p, &null_v6_want);
    }
    /* Families that are not IP (7 = AF_OSI/ISO, 0 = unspecified). */
    memset(v6, 0, 4);
    v6[0] = 7;
    assert_int_equal(dec_all(LINK_NULL_BSD, v6, sizeof(v6), &p), DECODE_NOT_IP);
    v6[0] = 0;
    assert_int_equal(dec_all(LINK_NULL_BSD, v6, sizeof(v6), &p), DECODE_NOT_IP);
    assert_int_equal(p.layer, DECODE_L_LINK);
}

static void test_real_raw_and_ip_links(void **state)
{
    struct pkt p;
    const struct want tfo = {
        DECODE_L_TCP, 4, 59, 0, 0, 0, "17.253.144.10", "192.168.0.45", 443, 51615,
        TH_SYN | TH_ACK, 64980, 0, 0x948b, 3212050950u, 2633933730u, 48,
        "mss 1452,sackOK,TS val 2041148357 ecr 2767361900,nop,wscale 8,tfo cookie ab8a6cdb,"
        "nop,nop",
        0, 0, 0,
    };
    const struct want bare = {
        DECODE_L_TCP, 4, 64, 0, 0, 0, "192.168.1.100", "192.168.1.200", 40003, 80, TH_SYN,
        8192, 0, 0x6aea, 1000, 0, 20, "", 0, 0, 0,
    };
    (void)state;
    assert_int_equal(dec_all(LINK_RAW, raw_v4_synack_tfo, sizeof(raw_v4_synack_tfo), &p),
                     DECODE_OK);
    assert_pkt(&p, &tfo);
    assert_false(p.opt.tfo_exp);
    assert_int_equal(dec_all(LINK_IPV4, raw_v4_synack_tfo, sizeof(raw_v4_synack_tfo), &p),
                     DECODE_OK);
    assert_pkt(&p, &tfo);
    assert_int_equal(dec_all(LINK_IPV4, ipv4_syn_bare, sizeof(ipv4_syn_bare), &p), DECODE_OK);
    assert_pkt(&p, &bare);
    assert_int_equal(p.opt.nlayout, 0);
    assert_int_equal(dec_all(LINK_RAW, ipv4_syn_bare, sizeof(ipv4_syn_bare), &p), DECODE_OK);
    assert_pkt(&p, &bare);
    /* IPv6 on RAW (version nibble) and on LINKTYPE_IPV6: the NULL frame's IP part. */
    assert_int_equal(dec_all(LINK_RAW, null_le_v6_syn + 4, sizeof(null_le_v6_syn) - 4, &p),
                     DECODE_OK);
    assert_pkt(&p, &null_v6_want);
    assert_int_equal(dec_all(LINK_IPV6, null_le_v6_syn + 4, sizeof(null_le_v6_syn) - 4, &p),
                     DECODE_OK);
    assert_pkt(&p, &null_v6_want);
    /* The link type says IPv6, the header says 4: malformed. */
    assert_int_equal(dec_all(LINK_IPV6, ipv4_syn_bare, sizeof(ipv4_syn_bare), &p),
                     DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV6);
    assert_int_equal(dec_all(LINK_IPV4, null_le_v6_syn + 4, sizeof(null_le_v6_syn) - 4, &p),
                     DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV4);
}

static void test_real_mpls(void **state)
{
    struct pkt p;
    const struct want syn = {
        DECODE_L_TCP, 4, 255, 0xc0, 0, 0, "10.1.2.1", "10.34.0.1", 11001, 23, TH_SYN, 4128,
        0, 0xa240, 2553417723u, 0, 24, "mss 536", 0, 0, 0,
    };
    const struct want ack = {
        DECODE_L_TCP, 4, 255, 0xc0, 0, 0, "10.1.2.1", "10.34.0.1", 11001, 23, TH_ACK, 4128,
        0, 0x99d6, 2553417724u, 2379583141u, 20, "", 0, 0, PKT_ANOM_IP_PADDING,
    };
    (void)state;
    assert_int_equal(dec_all(LINK_ETHERNET, eth_mpls_v4_syn, sizeof(eth_mpls_v4_syn), &p),
                     DECODE_OK);
    assert_pkt(&p, &syn);
    /* Padding: 58 bytes of frame content in a 60-byte frame. */
    assert_int_equal(dec_all(LINK_ETHERNET, eth_mpls_v4_ack_padded,
                             sizeof(eth_mpls_v4_ack_padded), &p),
                     DECODE_OK);
    assert_pkt(&p, &ack);
}

static void test_real_tfo_request(void **state)
{
    struct pkt p;
    const struct want w = {
        DECODE_L_TCP, 4, 64, 0, 0, 0, "10.99.99.1", "10.99.99.45", 55533, 80, TH_SYN, 29200,
        0, 0xb5d2, 1620482629u, 0, 44,
        "mss 1460,sackOK,TS val 14248099 ecr 0,nop,wscale 7,exp-tfo cookiereq", 0, 0, 0,
    };
    (void)state;
    assert_int_equal(dec_all(LINK_ETHERNET, eth_v4_syn_tfo_req, sizeof(eth_v4_syn_tfo_req), &p),
                     DECODE_OK);
    assert_pkt(&p, &w);
    assert_true(p.opt.tfo_exp);
    assert_int_equal(p.opt.tfo_len, 0);
}

/* ---- frame builder for crafted cases -------------------------------------- */

struct fb {
    uint8_t b[512];
    struct wr w;
};

static void fb_init(struct fb *f)
{
    memset(f->b, 0, sizeof(f->b));
    f->w = wr_init(f->b, sizeof(f->b));
}

static void fb_eth(struct fb *f, uint16_t type)
{
    static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
    wr_bytes(&f->w, macs, sizeof(macs));
    wr_be16(&f->w, type);
}

/* IPv4 header: 10.0.0.1 -> 10.0.0.2, TTL 64, TOS 0x02 (ECT(0)). */
static void fb_ipv4(struct fb *f, uint8_t proto, size_t payload, uint16_t frag)
{
    wr_u8(&f->w, 0x45);
    wr_u8(&f->w, 0x02);
    wr_be16(&f->w, (uint16_t)(20 + payload));
    wr_be16(&f->w, 0x1234);
    wr_be16(&f->w, frag);
    wr_u8(&f->w, 64);
    wr_u8(&f->w, proto);
    wr_be16(&f->w, 0);
    wr_be32(&f->w, 0x0a000001u);
    wr_be32(&f->w, 0x0a000002u);
}

/* IPv6 header: 2001:db8::1 -> 2001:db8::2, hop limit 55, traffic class 0xb8. */
static void fb_ipv6(struct fb *f, uint8_t nh, size_t payload)
{
    static const uint8_t a1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    static const uint8_t a2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
    wr_be32(&f->w, 0x6b812345u); /* version 6, TC 0xb8, flow 0x12345 */
    wr_be16(&f->w, (uint16_t)payload);
    wr_u8(&f->w, nh);
    wr_u8(&f->w, 55);
    wr_bytes(&f->w, a1, 16);
    wr_bytes(&f->w, a2, 16);
}

/* TCP header 40000 -> 443, seq 0x01020304, ack 0x0a0b0c0d, window 512. */
static void fb_tcp(struct fb *f, uint8_t b12, uint8_t b13, const uint8_t *opt, size_t optlen)
{
    wr_be16(&f->w, 40000);
    wr_be16(&f->w, 443);
    wr_be32(&f->w, 0x01020304u);
    wr_be32(&f->w, 0x0a0b0c0du);
    wr_u8(&f->w, b12);
    wr_u8(&f->w, b13);
    wr_be16(&f->w, 512);
    wr_be16(&f->w, 0xbeef);
    wr_be16(&f->w, 7);
    wr_bytes(&f->w, opt, optlen);
}

static void fb_tcp_plain(struct fb *f, uint8_t flags)
{
    fb_tcp(f, 0x50, flags, NULL, 0);
}

static void fb_pad(struct fb *f, size_t n, uint8_t v)
{
    size_t i;
    for (i = 0; i < n; i++)
        wr_u8(&f->w, v);
}

static enum decode_status fb_dec(struct fb *f, enum link_type lt, struct pkt *p)
{
    assert_false(f->w.overflow);
    return dec_all(lt, f->b, f->w.len, p);
}

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define PROTO_TCP 6u
#define PROTO_UDP 17u

/* ---- truncation at every byte --------------------------------------------- */

struct fixture {
    const char *name;
    enum link_type lt;
    const uint8_t *data;
    size_t len;
    size_t l3, l4; /* offsets of the IP and the TCP header */
};

static void check_truncations(const struct fixture *fx)
{
    struct pkt full, p;
    size_t n, hdr_end, opt_end, ip_end, ip_fixed;
    enum decode_status st;

    st = dec_all(fx->lt, fx->data, fx->len, &full);
    if (st != DECODE_OK)
        fail_msg("%s: full frame gives %s", fx->name, decode_status_name(st));
    assert_int_equal(full.opt.anomalies, 0);
    hdr_end = fx->l4 + TCP_HDR_MIN;
    opt_end = fx->l4 + full.doff;
    ip_end = opt_end + full.payload_len;
    ip_fixed = full.ip_ver == 4 ? 20 : 40;

    for (n = 0; n < fx->len; n++) {
        uint32_t want;
        /* Cut by the snap length: the wire frame was whole. */
        st = dec(fx->lt, fx->data, n, fx->len, &p);
        if (n < hdr_end) {
            if (st != DECODE_TRUNCATED)
                fail_msg("%s cut at %zu: %s, want truncated", fx->name, n,
                         decode_status_name(st));
            bool link = p.layer == DECODE_L_LINK || p.layer == DECODE_L_VLAN ||
                        p.layer == DECODE_L_MPLS;
            bool ip = p.layer == DECODE_L_IPV4 || p.layer == DECODE_L_IPV6 ||
                      p.layer == DECODE_L_IPV6_EXT;
            /* At exactly l3, RAW and MPLS stop at the link layer: they need
             * the version nibble to know what follows. */
            if ((n < fx->l3 && !link) || (n == fx->l3 && !link && !ip) ||
                (n > fx->l3 && n < fx->l4 && !ip) || (n >= fx->l4 && p.layer != DECODE_L_TCP))
                fail_msg("%s cut at %zu: stopped at layer %s", fx->name, n,
                         decode_layer_name(p.layer));
        } else {
            if (st != DECODE_OK)
                fail_msg("%s cut at %zu: %s, want ok", fx->name, n, decode_status_name(st));
            assert_int_equal(p.layer, DECODE_L_TCP);
            assert_true(ipaddr_eq(&p.src, &full.src));
            assert_true(ipaddr_eq(&p.dst, &full.dst));
            assert_int_equal(p.sport, full.sport);
            assert_int_equal(p.dport, full.dport);
            assert_int_equal(p.seq, full.seq);
            assert_int_equal(p.ack, full.ack);
            assert_int_equal(p.flags, full.flags);
            assert_int_equal(p.win, full.win);
            assert_int_equal(p.doff, full.doff);
            assert_int_equal(p.vlan_depth, full.vlan_depth);
            assert_int_equal(p.vlan_id, full.vlan_id);
            assert_int_equal(p.payload_len, full.payload_len);
            want = full.anomalies & ~(uint32_t)PKT_ANOM_IP_PADDING;
            if (n < ip_end)
                want |= PKT_ANOM_IP_CAPLEN_SHORT;
            else if (n > ip_end)
                want |= PKT_ANOM_IP_PADDING;
            if (n < opt_end) {
                /* Options cut: what is there is parsed, the cut is flagged. */
                want |= PKT_ANOM_TCP_OPT;
                assert_int_equal(p.opt.anomalies, TCPOPT_A_TRUNCATED);
                assert_int_equal(p.opt.present & ~full.opt.present, 0);
                assert_true(p.opt.nlayout <= full.opt.nlayout);
                if (p.opt.nlayout)
                    assert_memory_equal(p.opt.layout, full.opt.layout, p.opt.nlayout);
                assert_int_equal(p.payload_caplen, 0);
            } else {
                assert_memory_equal(&p.opt, &full.opt, sizeof(p.opt));
                assert_int_equal(p.payload_caplen, n - opt_end < full.payload_len
                                                       ? n - opt_end
                                                       : full.payload_len);
            }
            if (n < ip_end && full.payload_len > 0)
                want |= PKT_ANOM_PAYLOAD_CUT;
            assert_int_equal(p.anomalies, want);
        }

        /* The same bytes as the whole wire frame: the IP length lies. */
        st = dec(fx->lt, fx->data, n, n, &p);
        if (n < fx->l3 + ip_fixed) {
            assert_int_equal(st, DECODE_TRUNCATED);
        } else if (n < ip_end) {
            if (st != DECODE_MALFORMED)
                fail_msg("%s short wire %zu: %s, want malformed", fx->name, n,
                         decode_status_name(st));
            assert_int_equal(p.layer, full.ip_ver == 4 ? DECODE_L_IPV4 : DECODE_L_IPV6);
        } else {
            assert_int_equal(st, DECODE_OK);
        }
    }
}

static void test_truncate_every_offset(void **state)
{
    static uint8_t pppoe[64], qinq[86], v6ext[160], sll_vlan[96], mpls2[128];
    struct fixture fx[] = {
        { "eth-v4-padded", LINK_ETHERNET, eth_v4_syn_padded, sizeof(eth_v4_syn_padded), 14,
          34 },
        { "eth-vlan", LINK_ETHERNET, eth_vlan_v4_syn, sizeof(eth_vlan_v4_syn), 18, 38 },
        { "eth-v6", LINK_ETHERNET, eth_v6_syn, sizeof(eth_v6_syn), 14, 54 },
        { "sll", LINK_LINUX_SLL, sll_v4_tfo_syn, sizeof(sll_v4_tfo_syn), 16, 36 },
        { "sll2", LINK_LINUX_SLL2, sll2_v4_syn, sizeof(sll2_v4_syn), 20, 40 },
        { "null-v4", LINK_NULL_BSD, null_le_v4_syn, sizeof(null_le_v4_syn), 4, 24 },
        { "null-v6", LINK_NULL_BSD, null_le_v6_syn, sizeof(null_le_v6_syn), 4, 44 },
        { "raw", LINK_RAW, raw_v4_synack_tfo, sizeof(raw_v4_synack_tfo), 0, 20 },
        { "ipv4", LINK_IPV4, ipv4_syn_bare, sizeof(ipv4_syn_bare), 0, 20 },
        { "mpls", LINK_ETHERNET, eth_mpls_v4_syn, sizeof(eth_mpls_v4_syn), 18, 38 },
        { "mpls-padded", LINK_ETHERNET, eth_mpls_v4_ack_padded,
          sizeof(eth_mpls_v4_ack_padded), 18, 38 },
        { "tfo-req", LINK_ETHERNET, eth_v4_syn_tfo_req, sizeof(eth_v4_syn_tfo_req), 14, 34 },
        { "pppoe", LINK_ETHERNET, pppoe, 0, 22, 42 },
        { "qinq", LINK_ETHERNET, qinq, sizeof(qinq), 22, 42 },
        { "v6-ext", LINK_ETHERNET, v6ext, 0, 14, 0 },
        { "sll-vlan", LINK_LINUX_SLL, sll_vlan, 0, 20, 40 },
        { "mpls2-v6", LINK_ETHERNET, mpls2, 0, 22, 62 },
    };
    struct wr w;
    size_t i;
    (void)state;

    /* PPPoE session: Ethernet, PPPoE header, PPP IPv4, the bare SYN. */
    w = wr_init(pppoe, sizeof(pppoe));
    wr_bytes(&w, eth_v4_syn_padded, 12);
    wr_be16(&w, 0x8864);
    wr_u8(&w, 0x11);
    wr_u8(&w, 0);
    wr_be16(&w, 0x0042);
    wr_be16(&w, 2 + sizeof(ipv4_syn_bare));
    wr_be16(&w, 0x0021);
    wr_bytes(&w, ipv4_syn_bare, sizeof(ipv4_syn_bare));
    fx[12].len = w.len;

    /* 802.1ad outer tag 100 around the 802.1Q frame. */
    w = wr_init(qinq, sizeof(qinq));
    wr_bytes(&w, eth_vlan_v4_syn, 12);
    wr_be16(&w, 0x88a8);
    wr_be16(&w, 0x2064); /* PCP 1, VID 100 */
    wr_bytes(&w, eth_vlan_v4_syn + 12, sizeof(eth_vlan_v4_syn) - 12);
    assert_int_equal(w.len, sizeof(qinq));

    /* IPv6 with Hop-by-Hop (8), Destination Options (16), Routing (8),
     * atomic Fragment (8) and AH (16) before a SYN with data. */
    {
        struct fb f;
        static const uint8_t syn_opts[4] = { 2, 4, 5, 0xa0 };
        fb_init(&f);
        fb_eth(&f, ETHERTYPE_IPV6);
        fb_ipv6(&f, 0, 8 + 16 + 8 + 8 + 16 + 24 + 5);
        wr_u8(&f.w, 60); wr_u8(&f.w, 0); fb_pad(&f, 6, 1);    /* HBH: PadN-ish */
        wr_u8(&f.w, 43); wr_u8(&f.w, 1); fb_pad(&f, 14, 0);   /* DST, 16 bytes */
        wr_u8(&f.w, 44); wr_u8(&f.w, 0); fb_pad(&f, 6, 0);    /* Routing, 8 */
        wr_u8(&f.w, 51); wr_u8(&f.w, 0); wr_be16(&f.w, 0);    /* Fragment: 0, M=0 */
        wr_be32(&f.w, 0xabcdef01u);
        wr_u8(&f.w, 6); wr_u8(&f.w, 2); fb_pad(&f, 14, 0xaa); /* AH, (2+2)*4 = 16 */
        fb_tcp(&f, 0x60, TH_SYN, syn_opts, sizeof(syn_opts));
        fb_pad(&f, 5, 'x');
        memcpy(v6ext, f.b, f.w.len);
        fx[14].len = f.w.len;
        fx[14].l4 = 14 + 40 + 56;
    }

    /* SLL with a re-inserted 802.1Q tag: protocol 0x8100, TCI, 0x0800. */
    w = wr_init(sll_vlan, sizeof(sll_vlan));
    wr_be16(&w, 0);      /* to us */
    wr_be16(&w, 1);      /* ARPHRD_ETHER */
    wr_be16(&w, 6);
    wr_bytes(&w, eth_v4_syn_padded, 8);
    wr_be16(&w, 0x8100);
    wr_be16(&w, 0x0005); /* VID 5 */
    wr_be16(&w, 0x0800);
    wr_bytes(&w, sll2_v4_syn + 20, sizeof(sll2_v4_syn) - 20);
    fx[15].len = w.len;

    /* Two MPLS labels (the first without S), then IPv6. */
    w = wr_init(mpls2, sizeof(mpls2));
    wr_bytes(&w, eth_mpls_v4_syn, 12);
    wr_be16(&w, 0x8848);
    wr_be32(&w, 0x00064040u); /* label 100, no S */
    wr_be32(&w, 0x000c81ffu); /* label 200, S */
    wr_bytes(&w, null_le_v6_syn + 4, sizeof(null_le_v6_syn) - 4);
    fx[16].len = w.len;

    for (i = 0; i < sizeof(fx) / sizeof(fx[0]); i++)
        check_truncations(&fx[i]);
}

/* ---- link layer ----------------------------------------------------------- */

static void test_vlan_stacks(void **state)
{
    struct fb f;
    struct pkt p;
    unsigned tags, i;
    static const uint16_t tpids[] = { 0x88a8, 0x8100, 0x9100, 0x8100, 0x8100 };
    (void)state;
    for (tags = 1; tags <= CFG_MAX_VLAN_TAGS + 1; tags++) {
        fb_init(&f);
        wr_bytes(&f.w, eth_v4_syn_padded, 12);
        for (i = 0; i < tags; i++) {
            wr_be16(&f.w, tpids[i % 5]);
            wr_be16(&f.w, (uint16_t)(0xe000u | (10 + i))); /* PCP 7, VID 10+i */
        }
        wr_be16(&f.w, ETHERTYPE_IPV4);
        fb_ipv4(&f, PROTO_TCP, 20, 0);
        fb_tcp_plain(&f, TH_SYN);
        if (tags <= CFG_MAX_VLAN_TAGS) {
            assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_OK);
            assert_int_equal(p.vlan_depth, tags);
            assert_int_equal(p.vlan_id, 10); /* the outermost */
            assert_int_equal(p.layer, DECODE_L_TCP);
        } else {
            assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_UNSUPPORTED);
            assert_int_equal(p.layer, DECODE_L_VLAN);
            assert_int_equal(p.vlan_depth, CFG_MAX_VLAN_TAGS);
        }
    }
    /* VLAN 4095 and priority-tagged VID 0 are recorded as they are. */
    fb_init(&f);
    fb_eth(&f, 0x8100);
    wr_be16(&f.w, 0xffff);
    wr_be16(&f.w, ETHERTYPE_IPV4);
    fb_ipv4(&f, PROTO_TCP, 20, 0);
    fb_tcp_plain(&f, TH_SYN);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_OK);
    assert_int_equal(p.vlan_id, 4095);
}

static void test_mpls_stacks(void **state)
{
    struct fb f;
    struct pkt p;
    unsigned labels, i;
    (void)state;
    for (labels = 1; labels <= CFG_MAX_MPLS_LABELS + 1; labels++) {
        fb_init(&f);
        fb_eth(&f, 0x8847);
        for (i = 0; i < labels; i++)
            wr_be32(&f.w, (uint32_t)(16 + i) << 12 | (i + 1 == labels ? 0x100u : 0) | 64u);
        fb_ipv6(&f, PROTO_TCP, 20);
        fb_tcp_plain(&f, TH_SYN | TH_ACK);
        if (labels <= CFG_MAX_MPLS_LABELS) {
            assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_OK);
            assert_int_equal(p.ip_ver, 6);
            assert_int_equal(p.flags, TH_SYN | TH_ACK);
        } else {
            assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_UNSUPPORTED);
            assert_int_equal(p.layer, DECODE_L_MPLS);
        }
    }
    /* Ethernet pseudowire: control word 0x0000... after the label. */
    fb_init(&f);
    fb_eth(&f, 0x8847);
    wr_be32(&f.w, 0x00011140u);
    wr_be32(&f.w, 0);
    fb_pad(&f, 30, 0x11);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_NOT_IP);
    assert_int_equal(p.layer, DECODE_L_MPLS);
    /* VLAN, then MPLS. */
    fb_init(&f);
    fb_eth(&f, 0x8100);
    wr_be16(&f.w, 42);
    wr_be16(&f.w, 0x8847);
    wr_be32(&f.w, 0x00011140u);
    fb_ipv4(&f, PROTO_TCP, 20, 0);
    fb_tcp_plain(&f, TH_RST);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_OK);
    assert_int_equal(p.vlan_depth, 1);
    assert_int_equal(p.vlan_id, 42);
    assert_int_equal(p.flags, TH_RST);
}

static void test_pppoe(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;
    /* PPPoE IPv6, padded to 60 bytes after a short PPPoE length. */
    fb_init(&f);
    fb_eth(&f, 0x8864);
    wr_u8(&f.w, 0x11);
    wr_u8(&f.w, 0);
    wr_be16(&f.w, 1);
    wr_be16(&f.w, 2 + 40 + 20);
    wr_be16(&f.w, 0x0057);
    fb_ipv6(&f, PROTO_TCP, 20);
    fb_tcp_plain(&f, TH_SYN);
    fb_pad(&f, 8, 0xee);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_OK);
    assert_int_equal(p.ip_ver, 6);
    assert_int_equal(p.payload_len, 0);
    /* The PPPoE length already trimmed the trailer: IPv6 sees no padding. */
    assert_int_equal(p.anomalies, 0);

    /* LCP (0xc021) is not IP; neither is PPPoE discovery (0x8863). */
    fb_init(&f);
    fb_eth(&f, 0x8864);
    wr_u8(&f.w, 0x11);
    wr_u8(&f.w, 0);
    wr_be16(&f.w, 1);
    wr_be16(&f.w, 6);
    wr_be16(&f.w, 0xc021);
    fb_pad(&f, 40, 0);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_NOT_IP);
    fb_init(&f);
    fb_eth(&f, 0x8863);
    fb_pad(&f, 46, 0);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_NOT_IP);

    /* Wrong version/type, non-zero code, length < 2: malformed. */
    fb_init(&f);
    fb_eth(&f, 0x8864);
    wr_u8(&f.w, 0x12);
    wr_u8(&f.w, 0);
    wr_be16(&f.w, 1);
    wr_be16(&f.w, 42);
    wr_be16(&f.w, 0x0021);
    fb_ipv4(&f, PROTO_TCP, 20, 0);
    fb_tcp_plain(&f, TH_SYN);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_LINK);
    f.b[14] = 0x11;
    f.b[15] = 0x09; /* PADI */
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_MALFORMED);
    f.b[15] = 0;
    f.b[19] = 1; /* length 1 */
    f.b[18] = 0;
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_MALFORMED);
    f.b[19] = 42;
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_OK);

    /* A PPPoE length shorter than the IPv4 total length: decoded by the
     * IP length, as tshark does, with anomaly link-len-short (here the IP
     * length then trims 2 bytes of the padding)... */
    fb_init(&f);
    fb_eth(&f, 0x8864);
    wr_u8(&f.w, 0x11);
    wr_u8(&f.w, 0);
    wr_be16(&f.w, 1);
    wr_be16(&f.w, 2 + 40);
    wr_be16(&f.w, 0x0021);
    fb_ipv4(&f, PROTO_TCP, 28, 0);
    fb_tcp_plain(&f, TH_ACK);
    fb_pad(&f, 10, 0);
    assert_int_equal(dec(LINK_ETHERNET, f.b, f.w.len, f.w.len + 20, &p), DECODE_OK);
    assert_int_equal(p.anomalies, PKT_ANOM_LINK_LEN_SHORT | PKT_ANOM_IP_PADDING);
    assert_int_equal(p.payload_len, 8);
    assert_int_equal(p.payload_caplen, 8);
    assert_string_equal(pkt_anomaly_name(PKT_ANOM_LINK_LEN_SHORT), "link-len-short");
    /* ...cut inside the PPPoE payload: a short capture... */
    assert_int_equal(dec(LINK_ETHERNET, f.b, 22 + 30, f.w.len + 20, &p), DECODE_TRUNCATED);
    assert_int_equal(p.anomalies, PKT_ANOM_LINK_LEN_SHORT | PKT_ANOM_IP_CAPLEN_SHORT);
    /* ...and an IP length the wire frame cannot hold is still malformed. */
    assert_int_equal(dec(LINK_ETHERNET, f.b, f.w.len, f.w.len, &p), DECODE_OK);
    f.b[22 + 3] = 90;
    assert_int_equal(dec(LINK_ETHERNET, f.b, f.w.len, f.w.len, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV4);
    assert_true(p.anomalies & PKT_ANOM_LINK_LEN_SHORT);
    /* IPv6: a payload length beyond the PPPoE length, the same rule. */
    {
        struct fb g;
        fb_init(&g);
        fb_eth(&g, 0x8864);
        wr_u8(&g.w, 0x11);
        wr_u8(&g.w, 0);
        wr_be16(&g.w, 1);
        wr_be16(&g.w, 2 + 40);
        wr_be16(&g.w, 0x0057);
        fb_ipv6(&g, PROTO_TCP, 20);
        fb_tcp_plain(&g, TH_SYN);
        assert_int_equal(fb_dec(&g, LINK_ETHERNET, &p), DECODE_OK);
        assert_int_equal(p.anomalies, PKT_ANOM_LINK_LEN_SHORT);
        assert_int_equal(p.flags, TH_SYN);
    }
    /* With a consistent IPv4 length, the same cut is only a short capture. */
    f.b[22 + 3] = 40;
    assert_int_equal(dec(LINK_ETHERNET, f.b, 22 + 30, f.w.len + 20, &p), DECODE_TRUNCATED);
    assert_int_equal(p.layer, DECODE_L_TCP);
    assert_int_equal(p.anomalies, PKT_ANOM_IP_CAPLEN_SHORT);
    assert_int_equal(dec(LINK_ETHERNET, f.b, f.w.len, f.w.len + 20, &p), DECODE_OK);
    assert_int_equal(p.anomalies, 0); /* PPPoE already trimmed the trailer */
}

static void test_not_ip(void **state)
{
    /* An ARP request (who-has 10.0.0.2 tell 10.0.0.1), 42 bytes. */
    static const uint8_t arp[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00,
        0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
    };
    struct fb f;
    struct pkt p;
    (void)state;
    assert_int_equal(dec_all(LINK_ETHERNET, arp, sizeof(arp), &p), DECODE_NOT_IP);
    assert_int_equal(p.layer, DECODE_L_LINK);
    assert_int_equal(p.ip_ver, 0);

    /* ARP inside a VLAN: not IP, found at the VLAN layer. */
    fb_init(&f);
    fb_eth(&f, 0x8100);
    wr_be16(&f.w, 7);
    wr_be16(&f.w, 0x0806);
    wr_bytes(&f.w, arp + 14, sizeof(arp) - 14);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_NOT_IP);
    assert_int_equal(p.layer, DECODE_L_VLAN);
    assert_int_equal(p.vlan_depth, 1);
    assert_int_equal(p.vlan_id, 7);

    /* 802.3 length field (LLC/STP follows). */
    fb_init(&f);
    fb_eth(&f, 38);
    fb_pad(&f, 46, 0x42);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_NOT_IP);

    /* SLL carrying ARP; SLL on a netlink socket (ARPHRD_NETLINK 824). */
    fb_init(&f);
    wr_be16(&f.w, 0);
    wr_be16(&f.w, 1);
    wr_be16(&f.w, 6);
    fb_pad(&f, 8, 0);
    wr_be16(&f.w, 0x0806);
    wr_bytes(&f.w, arp + 14, sizeof(arp) - 14);
    assert_int_equal(fb_dec(&f, LINK_LINUX_SLL, &p), DECODE_NOT_IP);
    fb_init(&f);
    wr_be16(&f.w, 4);
    wr_be16(&f.w, 824);
    wr_be16(&f.w, 0);
    fb_pad(&f, 8, 0);
    wr_be16(&f.w, 0x0800); /* NETLINK_ROUTE would be 0; a lying value is still netlink */
    fb_ipv4(&f, PROTO_TCP, 20, 0);
    fb_tcp_plain(&f, TH_SYN);
    assert_int_equal(fb_dec(&f, LINK_LINUX_SLL, &p), DECODE_NOT_IP);
    fb_init(&f);
    wr_be16(&f.w, 0x0800);
    wr_be16(&f.w, 0);
    wr_be32(&f.w, 3);
    wr_be16(&f.w, 824);
    fb_pad(&f, 10, 0);
    fb_ipv4(&f, PROTO_TCP, 20, 0);
    fb_tcp_plain(&f, TH_SYN);
    assert_int_equal(fb_dec(&f, LINK_LINUX_SLL2, &p), DECODE_NOT_IP);
    f.b[9] = 1; /* ARPHRD_ETHER: the same bytes are IP */
    f.b[8] = 0;
    assert_int_equal(fb_dec(&f, LINK_LINUX_SLL2, &p), DECODE_OK);
}

static void test_unsupported_link(void **state)
{
    struct pkt p;
    (void)state;
    assert_int_equal(dec_all(LINK_UNKNOWN, ipv4_syn_bare, sizeof(ipv4_syn_bare), &p),
                     DECODE_UNSUPPORTED);
    assert_int_equal(p.layer, DECODE_L_LINK);
    assert_int_equal(dec_all(LINK__COUNT, ipv4_syn_bare, sizeof(ipv4_syn_bare), &p),
                     DECODE_UNSUPPORTED);
    assert_int_equal(dec_all((enum link_type)77, ipv4_syn_bare, sizeof(ipv4_syn_bare), &p),
                     DECODE_UNSUPPORTED);
    /* RAW promises IP: another version nibble contradicts it. */
    {
        uint8_t b[sizeof(ipv4_syn_bare)];
        memcpy(b, ipv4_syn_bare, sizeof(b));
        b[0] = 0x55;
        assert_int_equal(dec_all(LINK_RAW, b, sizeof(b), &p), DECODE_MALFORMED);
        assert_int_equal(p.layer, DECODE_L_LINK);
    }
    /* Empty frames: truncated at the link layer, whatever the type. */
    assert_int_equal(dec(LINK_RAW, ipv4_syn_bare, 0, 0, &p), DECODE_TRUNCATED);
    assert_int_equal(dec(LINK_IPV6, ipv4_syn_bare, 0, 60, &p), DECODE_TRUNCATED);
    assert_int_equal(p.layer, DECODE_L_IPV6);
    assert_int_equal(dec(LINK_UNKNOWN, ipv4_syn_bare, 0, 0, &p), DECODE_UNSUPPORTED);
}

static void test_null_data_pointer(void **state)
{
    struct frame f = { NULL, 40, 40, 99 };
    struct pkt p;
    (void)state;
    /* A frame without data decodes as an empty one, never dereferenced. */
    assert_int_equal(decode_frame(LINK_IPV4, &f, &p), DECODE_TRUNCATED);
    assert_int_equal(p.ts_ns, 99);
    assert_int_equal(p.caplen, 40);
}

/* ---- IPv4 ----------------------------------------------------------------- */

static void test_ipv4_malformed(void **state)
{
    uint8_t b[sizeof(ipv4_syn_bare)];
    struct pkt p;
    (void)state;
#define RESET() memcpy(b, ipv4_syn_bare, sizeof(b))
    RESET();
    b[0] = 0x44; /* IHL 4 */
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV4);
    b[0] = 0x40; /* IHL 0 */
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    RESET();
    b[0] = 0x65; /* version 6 in an IPv4 link */
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    RESET();
    b[3] = 19; /* total length < header */
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV4);
    b[3] = 0;
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    RESET();
    b[0] = 0x46; /* IHL 6, total length 40 > 24: fine, but TCP gets 16 bytes */
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_TCP);
    RESET();
    b[3] = 39; /* TCP header does not fit in the IP payload */
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_TCP);
    RESET();
    b[3] = 41; /* longer than the wire frame */
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV4);
    /* ...but if the wire held it, only the capture was short. */
    assert_int_equal(dec(LINK_IPV4, b, sizeof(b), 41, &p), DECODE_OK);
    assert_int_equal(p.payload_len, 1);
    assert_int_equal(p.payload_caplen, 0);
    assert_int_equal(p.anomalies, PKT_ANOM_IP_CAPLEN_SHORT | PKT_ANOM_PAYLOAD_CUT);
    RESET();
    b[2] = 0xff; /* 65320 bytes: far more than the wire */
    assert_int_equal(dec(LINK_IPV4, b, sizeof(b), 1500, &p), DECODE_MALFORMED);
#undef RESET
}

static void test_ipv4_options(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;
    fb_init(&f);
    fb_eth(&f, ETHERTYPE_IPV4);
    wr_u8(&f.w, 0x47); /* IHL 7: 8 bytes of options */
    wr_u8(&f.w, 0);
    wr_be16(&f.w, 28 + 20);
    wr_be32(&f.w, 0x00014000u);
    wr_u8(&f.w, 1);
    wr_u8(&f.w, PROTO_TCP);
    wr_be16(&f.w, 0);
    wr_be32(&f.w, 0xc0000201u);
    wr_be32(&f.w, 0xc0000202u);
    wr_be32(&f.w, 0x94040000u); /* Router Alert */
    wr_be32(&f.w, 0x01010100u); /* NOP NOP NOP EOL */
    fb_tcp_plain(&f, TH_SYN);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_OK);
    assert_int_equal(p.anomalies, PKT_ANOM_IP_OPTIONS);
    assert_int_equal(p.sport, 40000);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.seq, 0x01020304u);
    assert_int_equal(p.ttl, 1);
    assert_string_equal(addr(&p.src), "192.0.2.1");
    /* Options cut by the capture: truncated at the IPv4 layer, with the
     * fixed header's fields filled. */
    assert_int_equal(dec(LINK_ETHERNET, f.b, 14 + 24, f.w.len, &p), DECODE_TRUNCATED);
    assert_int_equal(p.layer, DECODE_L_IPV4);
    assert_int_equal(p.ip_ver, 4);
    assert_string_equal(addr(&p.dst), "192.0.2.2");
    /* Cut inside the addresses: the source is known, the destination not. */
    assert_int_equal(dec(LINK_ETHERNET, f.b, 14 + 18, f.w.len, &p), DECODE_TRUNCATED);
    assert_int_equal(p.src.family, IPADDR_V4);
    assert_string_equal(addr(&p.src), "192.0.2.1");
    assert_int_equal(p.dst.family, 0);
    assert_int_equal(p.ip_ver, 0); /* the header was not checked */
    assert_int_equal(p.ttl, 1);
}

static void test_ipv4_padding_and_payload(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;
    /* One byte of data in a minimum-size frame: 5 bytes of padding that
     * must not count as payload. */
    fb_init(&f);
    fb_eth(&f, ETHERTYPE_IPV4);
    fb_ipv4(&f, PROTO_TCP, 21, 0x4000);
    fb_tcp_plain(&f, TH_PSH | TH_ACK);
    wr_u8(&f.w, 'A');
    fb_pad(&f, 5, 0);
    assert_int_equal(f.w.len, 60);
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_OK);
    assert_int_equal(p.payload_len, 1);
    assert_int_equal(p.payload_caplen, 1);
    assert_int_equal(p.anomalies, PKT_ANOM_IP_PADDING);
    assert_int_equal(p.tos, 0x02);
    /* Without the padding: no anomaly at all. */
    assert_int_equal(dec(LINK_ETHERNET, f.b, 55, 55, &p), DECODE_OK);
    assert_int_equal(p.anomalies, 0);
    /* Payload cut by the snap length. */
    fb_init(&f);
    fb_eth(&f, ETHERTYPE_IPV4);
    fb_ipv4(&f, PROTO_TCP, 20 + 1000, 0);
    fb_tcp_plain(&f, TH_ACK);
    fb_pad(&f, 100, 'z');
    assert_int_equal(dec(LINK_ETHERNET, f.b, f.w.len, 14 + 20 + 20 + 1000, &p), DECODE_OK);
    assert_int_equal(p.payload_len, 1000);
    assert_int_equal(p.payload_caplen, 100);
    assert_int_equal(p.anomalies, PKT_ANOM_IP_CAPLEN_SHORT | PKT_ANOM_PAYLOAD_CUT);
}

static void test_ipv4_fragments(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;
    /* First fragment (MF, offset 0): decoded, flagged. */
    fb_init(&f);
    fb_ipv4(&f, PROTO_TCP, 20 + 8, 0x2000);
    fb_tcp_plain(&f, TH_ACK);
    fb_pad(&f, 8, 'd');
    assert_int_equal(fb_dec(&f, LINK_RAW, &p), DECODE_OK);
    assert_int_equal(p.anomalies, PKT_ANOM_IP_FRAG_FIRST);
    assert_int_equal(p.payload_len, 8); /* this fragment's share only */
    /* Later fragment (offset 185 * 8): no TCP header here. */
    f.b[6] = 0x20;
    f.b[7] = 185;
    assert_int_equal(fb_dec(&f, LINK_RAW, &p), DECODE_FRAGMENT);
    assert_int_equal(p.layer, DECODE_L_IPV4);
    assert_string_equal(addr(&p.src), "10.0.0.1");
    assert_int_equal(p.ttl, 64);
    f.b[6] = 0x00; /* offset 1 (8 bytes), MF */
    f.b[7] = 0x01;
    assert_int_equal(fb_dec(&f, LINK_RAW, &p), DECODE_FRAGMENT);
    f.b[6] = 0x10; /* offset 4096 (the 13th bit), MF clear */
    f.b[7] = 0x00;
    assert_int_equal(fb_dec(&f, LINK_RAW, &p), DECODE_FRAGMENT);
    f.b[6] = 0x20;
    f.b[7] = 185;
    f.b[6] = 0; /* last fragment: MF clear, offset != 0 */
    assert_int_equal(fb_dec(&f, LINK_RAW, &p), DECODE_FRAGMENT);
    f.b[7] = 0; /* DF/MF clear, offset 0: an ordinary datagram */
    assert_int_equal(fb_dec(&f, LINK_RAW, &p), DECODE_OK);
    assert_int_equal(p.anomalies, 0);
    f.b[6] = 0x40; /* DF */
    assert_int_equal(fb_dec(&f, LINK_RAW, &p), DECODE_OK);
    assert_int_equal(p.anomalies, 0);
    /* A later fragment of a UDP datagram is simply not TCP. */
    f.b[6] = 0x00;
    f.b[7] = 3;
    f.b[9] = PROTO_UDP;
    assert_int_equal(fb_dec(&f, LINK_RAW, &p), DECODE_NOT_TCP);
}

static void test_ipv4_not_tcp(void **state)
{
    struct fb f;
    struct pkt p;
    /* (GRE, 47, is decoded now: test_decode_tunnel.c) */
    static const uint8_t protos[] = { 1, 17, 50, 132 };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(protos); i++) {
        fb_init(&f);
        fb_eth(&f, ETHERTYPE_IPV4);
        fb_ipv4(&f, protos[i], 8, 0);
        fb_pad(&f, 8, 0);
        fb_pad(&f, 18, 0); /* Ethernet padding */
        assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_NOT_TCP);
        assert_int_equal(p.layer, DECODE_L_IPV4);
        assert_int_equal(p.ip_ver, 4);
        assert_string_equal(addr(&p.src), "10.0.0.1");
        assert_string_equal(addr(&p.dst), "10.0.0.2");
        assert_int_equal(p.anomalies, PKT_ANOM_IP_PADDING);
    }
}

/* ---- IPv6 ----------------------------------------------------------------- */

static void test_ipv6_fields_and_padding(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;
    fb_init(&f);
    fb_eth(&f, ETHERTYPE_IPV6);
    fb_ipv6(&f, PROTO_TCP, 20 + 2);
    fb_tcp(&f, 0x51, TH_SYN | TH_ECE | TH_CWR, NULL, 0); /* AE set too */
    wr_u8(&f.w, 1);
    wr_u8(&f.w, 2);
    fb_pad(&f, 6, 0x99); /* trailer */
    assert_int_equal(fb_dec(&f, LINK_ETHERNET, &p), DECODE_OK);
    assert_int_equal(p.ip_ver, 6);
    assert_int_equal(p.ttl, 55);
    assert_int_equal(p.tos, 0xb8);
    assert_string_equal(addr(&p.src), "2001:db8::1");
    assert_string_equal(addr(&p.dst), "2001:db8::2");
    assert_int_equal(p.flags, TH_SYN | TH_ECE | TH_CWR | TH_AE);
    assert_int_equal(p.urp, 7);
    assert_int_equal(p.csum, 0xbeef);
    assert_int_equal(p.win, 512);
    assert_int_equal(p.payload_len, 2);
    assert_int_equal(p.payload_caplen, 2);
    assert_int_equal(p.anomalies, PKT_ANOM_IP_PADDING);
}

static void test_ipv6_malformed(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;
    fb_init(&f);
    fb_ipv6(&f, PROTO_TCP, 20);
    fb_tcp_plain(&f, TH_SYN);
    f.b[0] = 0x4b; /* version 4 on an IPv6 link */
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV6);
    f.b[0] = 0x6b;
    f.b[5] = 21; /* payload length past the wire frame */
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_MALFORMED);
    f.b[5] = 0; /* jumbogram-style 0: no room for TCP */
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_TCP);
    f.b[5] = 19;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_MALFORMED);
    f.b[5] = 20;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_OK);
}

/* n Destination Options headers of 8 bytes, then TCP. */
static void build_v6_dst_chain(struct fb *f, unsigned n)
{
    unsigned i;
    fb_init(f);
    fb_ipv6(f, n ? 60 : PROTO_TCP, 8u * n + 20u);
    for (i = 0; i < n; i++) {
        wr_u8(&f->w, i + 1 == n ? PROTO_TCP : 60);
        wr_u8(&f->w, 0);
        fb_pad(f, 6, 0);
    }
    fb_tcp_plain(f, TH_SYN);
}

static void test_ipv6_ext_chain(void **state)
{
    struct fb f;
    struct pkt p;
    unsigned n;
    (void)state;
    for (n = 0; n <= CFG_MAX_IPV6_EXT; n++) {
        build_v6_dst_chain(&f, n);
        assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_OK);
        assert_int_equal(p.payload_len, 0);
        assert_int_equal(p.sport, 40000);
    }
    build_v6_dst_chain(&f, CFG_MAX_IPV6_EXT + 1);
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV6_EXT);

    /* An extension header longer than the payload length. */
    build_v6_dst_chain(&f, 1);
    f.b[41] = 3; /* (3+1)*8 = 32 bytes > 28 */
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV6_EXT);
    /* Within the payload length, but the capture stops inside it. */
    f.b[41] = 0;
    assert_int_equal(dec(LINK_IPV6, f.b, 44, f.w.len, &p), DECODE_TRUNCATED);
    assert_int_equal(p.layer, DECODE_L_IPV6_EXT);
    /* A payload length too short for even the two-byte ext header start. */
    build_v6_dst_chain(&f, 1);
    f.b[5] = 1;
    assert_int_equal(dec(LINK_IPV6, f.b, 41, 41, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV6_EXT);

    /* Hop-by-Hop anywhere but first (RFC 8200 4.3). */
    build_v6_dst_chain(&f, 2);
    f.b[40] = 0;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_MALFORMED);
    /* Hop-by-Hop first is fine. */
    build_v6_dst_chain(&f, 2);
    f.b[6] = 0;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_OK);
}

static void test_ipv6_ext_endings(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;
    /* No Next Header (59): nothing follows. */
    build_v6_dst_chain(&f, 1);
    f.b[40] = 59;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_NOT_TCP);
    assert_int_equal(p.layer, DECODE_L_IPV6_EXT);
    f.b[6] = 59;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_NOT_TCP);
    assert_int_equal(p.layer, DECODE_L_IPV6);
    /* ESP: encrypted, out of reach. */
    f.b[6] = 50;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_UNSUPPORTED);
    /* UDP, ICMPv6 after an extension header. */
    build_v6_dst_chain(&f, 1);
    f.b[40] = PROTO_UDP;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_NOT_TCP);
    f.b[40] = 58;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_NOT_TCP);
    assert_string_equal(addr(&p.src), "2001:db8::1");
}

static void test_ipv6_fragment_and_ah(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;
    /* Fragment header, first fragment (offset 0, M). */
    fb_init(&f);
    fb_ipv6(&f, 44, 8 + 20 + 4);
    wr_u8(&f.w, PROTO_TCP);
    wr_u8(&f.w, 0);
    wr_be16(&f.w, 0x0001); /* offset 0, M */
    wr_be32(&f.w, 0x11223344u);
    fb_tcp_plain(&f, TH_ACK);
    fb_pad(&f, 4, 'p');
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_OK);
    assert_int_equal(p.anomalies, PKT_ANOM_IP_FRAG_FIRST);
    assert_int_equal(p.payload_len, 4);
    /* A later fragment. */
    f.b[42] = 0x00;
    f.b[43] = 0xb8; /* offset 23 (x8), M clear */
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_FRAGMENT);
    assert_int_equal(p.layer, DECODE_L_IPV6_EXT);
    assert_int_equal(p.ttl, 55);
    f.b[42] = 0x00;
    f.b[43] = 0x08; /* offset 1 (x8), M clear: the smallest later fragment */
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_FRAGMENT);
    f.b[42] = 0x80; /* offset 4096 (x8), M set */
    f.b[43] = 0x01;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_FRAGMENT);
    f.b[40] = 60; /* ...whose fragmentable part starts with an ext header */
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_FRAGMENT);
    f.b[40] = PROTO_UDP;
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_NOT_TCP);
    /* Fragment header cut by the capture. */
    assert_int_equal(dec(LINK_IPV6, f.b, 45, f.w.len, &p), DECODE_TRUNCATED);
    assert_int_equal(p.layer, DECODE_L_IPV6_EXT);

    /* AH: length in 4-byte units minus 2 (RFC 4302), here (4+2)*4 = 24. */
    fb_init(&f);
    fb_ipv6(&f, 51, 24 + 20);
    wr_u8(&f.w, PROTO_TCP);
    wr_u8(&f.w, 4);
    wr_be16(&f.w, 0);
    fb_pad(&f, 20, 0x77);
    fb_tcp_plain(&f, TH_FIN | TH_ACK);
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_OK);
    assert_int_equal(p.flags, TH_FIN | TH_ACK);
    assert_int_equal(p.seq, 0x01020304u);
    assert_int_equal(p.anomalies, 0);
    /* Read with the 8-byte unit of the other headers it would overrun. */
    f.b[41] = 5; /* (5+2)*4 = 28 = 8 bytes into TCP: doff/flags garbage */
    assert_int_equal(fb_dec(&f, LINK_IPV6, &p), DECODE_MALFORMED);
}

/* ---- TCP ------------------------------------------------------------------ */

static void test_tcp_malformed(void **state)
{
    uint8_t b[sizeof(ipv4_syn_bare)];
    struct pkt p;
    (void)state;
    memcpy(b, ipv4_syn_bare, sizeof(b));
    b[32] = 0x40; /* data offset 4 */
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_TCP);
    assert_int_equal(p.doff, 16);
    assert_int_equal(p.sport, 40003); /* filled as far as decoding got */
    b[32] = 0x00;
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    b[32] = 0x60; /* data offset 6: past the 20-byte IP payload */
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    assert_int_equal(p.doff, 24);
    b[32] = 0xf0;
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_MALFORMED);
    /* Even when the wire frame is longer (padding or not). */
    b[32] = 0x60;
    assert_int_equal(dec(LINK_IPV4, b, sizeof(b), 200, &p), DECODE_MALFORMED);
}

static void test_tcp_flags(void **state)
{
    static const struct {
        uint8_t b12, b13;
        uint16_t flags;
        uint32_t anomalies;
    } cases[] = {
        { 0x50, TH_SYN, TH_SYN, 0 },
        { 0x50, TH_SYN | TH_ACK, TH_SYN | TH_ACK, 0 },
        { 0x50, TH_ACK, TH_ACK, 0 },
        { 0x50, TH_RST, TH_RST, 0 },
        { 0x50, TH_RST | TH_ACK, TH_RST | TH_ACK, 0 },
        { 0x50, TH_FIN | TH_ACK, TH_FIN | TH_ACK, 0 },
        { 0x50, TH_FIN | TH_PSH | TH_ACK, TH_FIN | TH_PSH | TH_ACK, 0 },
        { 0x50, TH_SYN | TH_ECE | TH_CWR, TH_SYN | TH_ECE | TH_CWR, 0 },
        { 0x51, TH_SYN | TH_ECE | TH_CWR, TH_SYN | TH_ECE | TH_CWR | TH_AE, 0 },
        { 0x50, TH_SYN | TH_FIN, TH_SYN | TH_FIN,
          PKT_ANOM_FLAGS_INVALID | PKT_ANOM_FIN_NO_ACK },
        { 0x50, TH_SYN | TH_FIN | TH_ACK, TH_SYN | TH_FIN | TH_ACK, PKT_ANOM_FLAGS_INVALID },
        { 0x50, TH_SYN | TH_RST, TH_SYN | TH_RST, PKT_ANOM_FLAGS_INVALID },
        { 0x50, TH_SYN | TH_RST | TH_ACK, TH_SYN | TH_RST | TH_ACK, PKT_ANOM_FLAGS_INVALID },
        { 0x50, 0, 0, PKT_ANOM_FLAGS_INVALID },               /* null scan */
        { 0x50, TH_PSH, TH_PSH, PKT_ANOM_FLAGS_INVALID },
        { 0x50, TH_URG | TH_PSH, TH_URG | TH_PSH, PKT_ANOM_FLAGS_INVALID },
        { 0x51, 0, TH_AE, PKT_ANOM_FLAGS_INVALID },
        { 0x50, TH_FIN, TH_FIN, PKT_ANOM_FIN_NO_ACK },
        /* "Xmas" scan: FIN, PSH, URG. */
        { 0x50, TH_FIN | TH_PSH | TH_URG, TH_FIN | TH_PSH | TH_URG, PKT_ANOM_FIN_NO_ACK },
        { 0x50, 0xff, 0xff, PKT_ANOM_FLAGS_INVALID },
        { 0x52, TH_ACK, TH_ACK, PKT_ANOM_RESERVED_BITS },
        { 0x58, TH_ACK, TH_ACK, PKT_ANOM_RESERVED_BITS },
        { 0x5f, TH_ACK, TH_ACK | TH_AE, PKT_ANOM_RESERVED_BITS },
    };
    struct fb f;
    struct pkt p;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fb_init(&f);
        fb_ipv4(&f, PROTO_TCP, 20, 0);
        fb_tcp(&f, cases[i].b12, cases[i].b13, NULL, 0);
        assert_int_equal(fb_dec(&f, LINK_IPV4, &p), DECODE_OK);
        assert_int_equal(p.flags, cases[i].flags);
        if (p.anomalies != cases[i].anomalies)
            fail_msg("case %zu: anomalies 0x%x, want 0x%x", i, (unsigned)p.anomalies,
                     (unsigned)cases[i].anomalies);
    }
}

static void test_tcp_zero_port(void **state)
{
    uint8_t b[sizeof(ipv4_syn_bare)];
    struct pkt p;
    (void)state;
    memcpy(b, ipv4_syn_bare, sizeof(b));
    b[20] = 0;
    b[21] = 0;
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_OK);
    assert_int_equal(p.sport, 0);
    assert_int_equal(p.anomalies, PKT_ANOM_ZERO_PORT);
    memcpy(b, ipv4_syn_bare, sizeof(b));
    b[22] = 0;
    b[23] = 0;
    assert_int_equal(dec_all(LINK_IPV4, b, sizeof(b), &p), DECODE_OK);
    assert_int_equal(p.dport, 0);
    assert_int_equal(p.anomalies, PKT_ANOM_ZERO_PORT);
}

static void test_tcp_option_anomalies(void **state)
{
    struct fb f;
    struct pkt p;
    static const uint8_t bad_len[4] = { 2, 0, 1, 1 };
    static const uint8_t past_end[8] = { 1, 1, 8, 10, 0, 0, 0, 0 };
    (void)state;
    /* A bad option is data, not a failure. */
    fb_init(&f);
    fb_ipv4(&f, PROTO_TCP, 24, 0);
    fb_tcp(&f, 0x60, TH_SYN, bad_len, sizeof(bad_len));
    assert_int_equal(fb_dec(&f, LINK_IPV4, &p), DECODE_OK);
    assert_int_equal(p.opt.anomalies, TCPOPT_A_BAD_LEN);
    assert_int_equal(p.anomalies, PKT_ANOM_TCP_OPT);
    assert_string_equal(opts(&p), "[bad opt]");

    /* TS claims 10 bytes where the data offset leaves 6: past the end... */
    fb_init(&f);
    fb_ipv4(&f, PROTO_TCP, 28 + 6, 0);
    fb_tcp(&f, 0x70, TH_SYN, past_end, sizeof(past_end));
    fb_pad(&f, 6, 'q');
    assert_int_equal(fb_dec(&f, LINK_IPV4, &p), DECODE_OK);
    assert_int_equal(p.opt.anomalies, TCPOPT_A_PAST_END);
    assert_int_equal(p.anomalies, PKT_ANOM_TCP_OPT);
    assert_int_equal(p.doff, 28);
    assert_int_equal(p.payload_len, 6);
    assert_int_equal(p.payload_caplen, 6);
    assert_string_equal(opts(&p), "nop,nop,[bad opt]");
    /* ...and still past the end, not "truncated", when the capture stops
     * right after the length byte: the data offset is known. */
    assert_int_equal(dec(LINK_IPV4, f.b, 20 + 20 + 4, f.w.len, &p), DECODE_OK);
    assert_int_equal(p.opt.anomalies, TCPOPT_A_PAST_END);
    assert_int_equal(p.anomalies,
                     PKT_ANOM_TCP_OPT | PKT_ANOM_IP_CAPLEN_SHORT | PKT_ANOM_PAYLOAD_CUT);
    assert_int_equal(p.payload_caplen, 0);
    /* Cut before the length byte: only then is it a truncation. */
    assert_int_equal(dec(LINK_IPV4, f.b, 20 + 20 + 3, f.w.len, &p), DECODE_OK);
    assert_int_equal(p.opt.anomalies, TCPOPT_A_TRUNCATED);
    assert_string_equal(opts(&p), "nop,nop,[|tcp]");
}

/* Arbitrary bytes never crash the decoder and always give a known status. */
static void test_garbage_frames(void **state)
{
    uint8_t b[128];
    struct pkt p;
    uint32_t x = 0x12345678u;
    unsigned i, j;
    (void)state;
    for (i = 0; i < 4000; i++) {
        size_t n;
        for (j = 0; j < sizeof(b); j++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b[j] = (uint8_t)x;
        }
        /* Bias towards headers that get far: IPv4/IPv6 version nibbles. */
        if (i & 1)
            b[0] = (uint8_t)(0x45 + (b[0] & 0x03));
        else if (i & 2)
            b[0] = 0x60;
        n = x % sizeof(b);
        (void)dec(LINK_RAW, b, n, n + (x >> 28), &p);
        (void)dec((enum link_type)(i % LINK__COUNT), b, n, n, &p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_eth_v4_syn_padded),
        cmocka_unit_test(test_real_eth_vlan),
        cmocka_unit_test(test_real_eth_v6),
        cmocka_unit_test(test_real_sll),
        cmocka_unit_test(test_real_sll2),
        cmocka_unit_test(test_real_null_and_loop),
        cmocka_unit_test(test_real_raw_and_ip_links),
        cmocka_unit_test(test_real_mpls),
        cmocka_unit_test(test_real_tfo_request),
        cmocka_unit_test(test_truncate_every_offset),
        cmocka_unit_test(test_vlan_stacks),
        cmocka_unit_test(test_mpls_stacks),
        cmocka_unit_test(test_pppoe),
        cmocka_unit_test(test_not_ip),
        cmocka_unit_test(test_unsupported_link),
        cmocka_unit_test(test_null_data_pointer),
        cmocka_unit_test(test_ipv4_malformed),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv4_padding_and_payload),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_ipv4_not_tcp),
        cmocka_unit_test(test_ipv6_fields_and_padding),
        cmocka_unit_test(test_ipv6_malformed),
        cmocka_unit_test(test_ipv6_ext_chain),
        cmocka_unit_test(test_ipv6_ext_endings),
        cmocka_unit_test(test_ipv6_fragment_and_ah),
        cmocka_unit_test(test_tcp_malformed),
        cmocka_unit_test(test_tcp_flags),
        cmocka_unit_test(test_tcp_zero_port),
        cmocka_unit_test(test_tcp_option_anomalies),
        cmocka_unit_test(test_garbage_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
