/* test_decode_tunnel.c: decode_frame() through 802.3 LLC/SNAP and the
 * tunnels (IP-in-IP, GRE, VXLAN, GENEVE, Teredo): hand-built frames, each
 * decoded from a malloc'ed copy of exactly caplen bytes (ASan sees any read
 * past it), every truncation of each, and the malformed and unsupported
 * variants (docs/CONFORMANCE.md, "Tunnels"). */
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
#include "wr.h"

#define ETH_IPV4 0x0800u
#define ETH_IPV6 0x86ddu
#define ETH_TEB 0x6558u /* transparent Ethernet bridging */
#define P_IPIP 4u
#define P_TCP 6u
#define P_UDP 17u
#define P_IPV6 41u
#define P_GRE 47u

static enum decode_status dec(const uint8_t *b, size_t caplen, size_t wirelen, struct pkt *p)
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
    f.ts_ns = 1000;
    memset(p, 0x5A, sizeof(*p));
    st = decode_frame(LINK_ETHERNET, &f, p);
    free(copy);
    assert_true((unsigned)p->layer < DECODE_L__COUNT);
    assert_true(p->ntunnels <= CFG_MAX_TUNNELS);
    return st;
}

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

/* IPv4 header 10.0.0.<a> -> 10.0.0.<b>. */
static void fb_ipv4(struct fb *f, uint8_t proto, size_t payload, uint8_t a, uint8_t b)
{
    wr_u8(&f->w, 0x45);
    wr_u8(&f->w, 0);
    wr_be16(&f->w, (uint16_t)(20 + payload));
    wr_be16(&f->w, 0x1234);
    wr_be16(&f->w, 0x4000); /* DF */
    wr_u8(&f->w, 64);
    wr_u8(&f->w, proto);
    wr_be16(&f->w, 0);
    wr_be32(&f->w, 0x0a000000u | a);
    wr_be32(&f->w, 0x0a000000u | b);
}

/* IPv6 header 2001:db8::<a> -> 2001:db8::<b>. */
static void fb_ipv6(struct fb *f, uint8_t nh, size_t payload, uint8_t a, uint8_t b)
{
    uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8 }, d[16] = { 0x20, 0x01, 0x0d, 0xb8 };
    s[15] = a;
    d[15] = b;
    wr_be32(&f->w, 0x60000000u);
    wr_be16(&f->w, (uint16_t)payload);
    wr_u8(&f->w, nh);
    wr_u8(&f->w, 55);
    wr_bytes(&f->w, s, 16);
    wr_bytes(&f->w, d, 16);
}

static void fb_udp(struct fb *f, uint16_t sport, uint16_t dport, size_t payload)
{
    wr_be16(&f->w, sport);
    wr_be16(&f->w, dport);
    wr_be16(&f->w, (uint16_t)(8 + payload));
    wr_be16(&f->w, 0);
}

/* A bare SYN 40000 -> 443. */
static void fb_syn(struct fb *f)
{
    wr_be16(&f->w, 40000);
    wr_be16(&f->w, 443);
    wr_be32(&f->w, 0x01020304u);
    wr_be32(&f->w, 0);
    wr_u8(&f->w, 0x50);
    wr_u8(&f->w, TH_SYN);
    wr_be16(&f->w, 512);
    wr_be16(&f->w, 0);
    wr_be16(&f->w, 0);
}

static void fb_pad(struct fb *f, size_t n, uint8_t v)
{
    size_t i;
    for (i = 0; i < n; i++)
        wr_u8(&f->w, v);
}

static enum decode_status fb_dec(struct fb *f, struct pkt *p)
{
    assert_false(f->w.overflow);
    return dec(f->b, f->w.len, f->w.len, p);
}

static const char *addr(const struct ip_addr *a)
{
    static char buf[2][IPADDR_STRLEN];
    static int i;
    i ^= 1;
    ipaddr_format(a, buf[i]);
    return buf[i];
}

/* Every prefix of a frame whose inner TCP header ends at `tcp_end`, with
 * the whole frame on the wire: never OK before tcp_end, truncated from
 * `sure` on (where the encapsulation is known), OK after. */
static void check_cuts(const char *name, const struct fb *f, size_t sure, size_t tcp_end)
{
    size_t n;
    struct pkt p;
    for (n = 0; n <= f->w.len; n++) {
        enum decode_status st = dec(f->b, n, f->w.len, &p);
        if (n >= tcp_end) {
            if (st != DECODE_OK)
                fail_msg("%s cut %zu: %s", name, n, decode_status_name(st));
        } else if (n >= sure) {
            if (st != DECODE_TRUNCATED)
                fail_msg("%s cut %zu: %s, want truncated", name, n, decode_status_name(st));
        } else {
            assert_int_not_equal(st, DECODE_OK);
        }
    }
}

/* ---- 802.3 LLC/SNAP -------------------------------------------------------- */

static void fb_llc_snap(struct fb *f, size_t payload, uint32_t oui, uint16_t type)
{
    fb_eth(f, (uint16_t)(8 + payload)); /* 802.3 length */
    wr_u8(&f->w, 0xaa);
    wr_u8(&f->w, 0xaa);
    wr_u8(&f->w, 0x03);
    wr_u8(&f->w, (uint8_t)(oui >> 16));
    wr_be16(&f->w, (uint16_t)oui);
    wr_be16(&f->w, type);
}

static void test_llc_snap(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;

    /* RFC 1042: IPv4 in SNAP, padded past the 802.3 length. */
    fb_init(&f);
    fb_llc_snap(&f, 40, 0, ETH_IPV4);
    fb_ipv4(&f, P_TCP, 20, 1, 2);
    fb_syn(&f);
    fb_pad(&f, 6, 0xee);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_string_equal(addr(&p.src), "10.0.0.1");
    assert_int_equal(p.flags, TH_SYN);
    assert_int_equal(p.ntunnels, 0);
    assert_int_equal(p.anomalies, 0); /* the 802.3 length trimmed the padding */
    assert_true(p.have_mac);
    check_cuts("llc-snap", &f, 14, 14 + 8 + 40);

    /* 802.1H bridge tunnel OUI, IPv6. */
    fb_init(&f);
    fb_llc_snap(&f, 60, 0xf8, ETH_IPV6);
    fb_ipv6(&f, P_TCP, 20, 1, 2);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.ip_ver, 6);

    /* SNAP with a vendor OUI (Cisco CDP 0x2000): not IP. */
    fb_init(&f);
    fb_llc_snap(&f, 40, 0x00000c, 0x2000);
    fb_pad(&f, 40, 0);
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_IP);
    assert_int_equal(p.layer, DECODE_L_LLC);

    /* Spanning tree (DSAP/SSAP 0x42): not IP, as before. */
    fb_init(&f);
    fb_eth(&f, 38);
    wr_u8(&f.w, 0x42);
    wr_u8(&f.w, 0x42);
    wr_u8(&f.w, 0x03);
    fb_pad(&f, 35, 0);
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_IP);

    /* SNAP but not UI: not IP. */
    fb_init(&f);
    fb_llc_snap(&f, 40, 0, ETH_IPV4);
    fb_ipv4(&f, P_TCP, 20, 1, 2);
    fb_syn(&f);
    f.b[16] = 0x13;
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_IP);

    /* A length too short for LLC+SNAP: malformed; one too short for the
     * IP datagram: the IP length is then longer than the frame. */
    fb_init(&f);
    fb_llc_snap(&f, 40, 0, ETH_IPV4);
    fb_ipv4(&f, P_TCP, 20, 1, 2);
    fb_syn(&f);
    f.b[13] = 5;
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_LLC);
    f.b[13] = 8 + 30;
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV4);

    /* 1501..1535 is neither a length nor a type: not IP, as before. */
    fb_init(&f);
    fb_eth(&f, 1501);
    fb_pad(&f, 46, 0xaa);
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_IP);
}


/* ---- IP-in-IP ---------------------------------------------------------- */

static void test_ip_in_ip(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;

    /* 4in4 (RFC 2003): the inner addresses are the connection's. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_IPIP, 40, 1, 2);
    fb_ipv4(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_string_equal(addr(&p.src), "10.0.0.7");
    assert_string_equal(addr(&p.dst), "10.0.0.8");
    assert_int_equal(p.ntunnels, 1);
    assert_int_equal(p.tunnel[0].kind, PKT_TUN_IP4IN4);
    assert_false(p.tunnel[0].have_id);
    assert_string_equal(pkt_tunnel_name(p.tunnel[0].kind), "4in4");
    check_cuts("4in4", &f, 34, 34 + 40);

    /* 6in4 (RFC 4213 section 3.5). */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_IPV6, 60, 1, 2);
    fb_ipv6(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.ip_ver, 6);
    assert_string_equal(addr(&p.src), "2001:db8::7");
    assert_int_equal(p.tunnel[0].kind, PKT_TUN_IP6IN4);
    check_cuts("6in4", &f, 34, 34 + 60);

    /* 4in6 and 6in6 (RFC 2473). */
    fb_init(&f);
    fb_eth(&f, ETH_IPV6);
    fb_ipv6(&f, P_IPIP, 40, 1, 2);
    fb_ipv4(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.ip_ver, 4);
    assert_int_equal(p.tunnel[0].kind, PKT_TUN_IP4IN6);
    check_cuts("4in6", &f, 54, 54 + 40);
    fb_init(&f);
    fb_eth(&f, ETH_IPV6);
    fb_ipv6(&f, P_IPV6, 60, 1, 2);
    fb_ipv6(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.tunnel[0].kind, PKT_TUN_IP6IN6);

    /* Protocol 4 carrying an IPv6 header: malformed at the inner IPv4. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_IPIP, 60, 1, 2);
    fb_ipv6(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_IPV4);

    /* The inner IP length longer than the outer payload: malformed. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_IPIP, 40, 1, 2);
    fb_ipv4(&f, P_TCP, 30, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);

    /* Three deep (4in4 in 4in4 in 4in4): beyond CFG_MAX_TUNNELS = 2. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_IPIP, 80, 1, 2);
    fb_ipv4(&f, P_IPIP, 60, 3, 4);
    fb_ipv4(&f, P_IPIP, 40, 5, 6);
    fb_ipv4(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_UNSUPPORTED);
    assert_int_equal(p.ntunnels, 2);
    /* Two deep is walked. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_IPIP, 60, 1, 2);
    fb_ipv4(&f, P_IPIP, 40, 3, 4);
    fb_ipv4(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.ntunnels, 2);
    assert_string_equal(addr(&p.src), "10.0.0.7");

    /* A first fragment of a tunnel packet: fragment; a later one: not-tcp. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_IPIP, 40, 1, 2);
    fb_ipv4(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    f.b[14 + 6] = 0x20; /* MF */
    assert_int_equal(fb_dec(&f, &p), DECODE_FRAGMENT);
    f.b[14 + 6] = 0x00;
    f.b[14 + 7] = 0x10; /* offset 16 */
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_TCP);
}

/* ---- GRE ---------------------------------------------------------------- */

static void test_gre(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;

    /* Plain GRE (RFC 2784), IPv4 inside. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_GRE, 4 + 40, 1, 2);
    wr_be16(&f.w, 0);
    wr_be16(&f.w, ETH_IPV4);
    fb_ipv4(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_string_equal(addr(&p.src), "10.0.0.7");
    assert_int_equal(p.ntunnels, 1);
    assert_int_equal(p.tunnel[0].kind, PKT_TUN_GRE);
    assert_false(p.tunnel[0].have_id);
    check_cuts("gre", &f, 34, 34 + 4 + 40);

    /* C, K and S (RFC 2890): 12 more bytes; the key is shown. IPv6 inside. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_GRE, 16 + 60, 1, 2);
    wr_be16(&f.w, 0xb000);
    wr_be16(&f.w, ETH_IPV6);
    wr_be32(&f.w, 0xdead0000u); /* checksum, reserved1 */
    wr_be32(&f.w, 77);          /* key */
    wr_be32(&f.w, 5);           /* sequence */
    fb_ipv6(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    { enum decode_status st_ = fb_dec(&f, &p); if (st_ != DECODE_OK) fail_msg("st %s layer %s", decode_status_name(st_), decode_layer_name(p.layer)); }
    assert_int_equal(p.ip_ver, 6);
    assert_true(p.tunnel[0].have_id);
    assert_int_equal(p.tunnel[0].id, 77);
    check_cuts("gre-cks", &f, 34, 34 + 16 + 60);

    /* 0x6558: transparent Ethernet bridging, over IPv6; the -e MACs stay
     * the outer ones. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV6);
    fb_ipv6(&f, P_GRE, 4 + 14 + 40, 1, 2);
    wr_be16(&f.w, 0);
    wr_be16(&f.w, ETH_TEB);
    wr_be32(&f.w, 0x02aaaaaau);
    wr_be32(&f.w, 0xaaaa02bbu);
    wr_be32(&f.w, 0xbbbbbbbbu);
    wr_be16(&f.w, ETH_IPV4);
    fb_ipv4(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.mac_src[5], 2);
    assert_string_equal(addr(&p.dst), "10.0.0.8");
    check_cuts("gre-teb", &f, 54, 54 + 4 + 14 + 40);

    /* ARP inside: not IP. PPTP's version 1: unsupported. Version 2, R,
     * Recur: malformed (RFC 2784 section 2.3). */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_GRE, 4 + 28, 1, 2);
    wr_be16(&f.w, 0);
    wr_be16(&f.w, 0x0806);
    fb_pad(&f, 28, 0);
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_TCP);
    f.b[35] = 1;
    assert_int_equal(fb_dec(&f, &p), DECODE_UNSUPPORTED);
    assert_int_equal(p.layer, DECODE_L_GRE);
    f.b[35] = 2;
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);
    f.b[35] = 0;
    f.b[34] = 0x40;
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);
    f.b[34] = 0x01;
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);
    f.b[34] = 0x00;
    f.b[35] = 0x08; /* reserved0 bits 6-12 are ignored */
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_TCP);
}

/* ---- VXLAN, GENEVE, Teredo ------------------------------------------------ */

static void fb_inner_eth_v4_syn(struct fb *f)
{
    fb_eth(f, ETH_IPV4);
    fb_ipv4(f, P_TCP, 20, 7, 8);
    fb_syn(f);
}

static void test_vxlan(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;

    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_UDP, 8 + 8 + 54, 1, 2);
    fb_udp(&f, 51000, 4789, 8 + 54);
    wr_be32(&f.w, 0x08000000u);
    wr_be32(&f.w, 42u << 8);
    fb_inner_eth_v4_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_string_equal(addr(&p.src), "10.0.0.7");
    assert_int_equal(p.ntunnels, 1);
    assert_int_equal(p.tunnel[0].kind, PKT_TUN_VXLAN);
    assert_true(p.tunnel[0].have_id);
    assert_int_equal(p.tunnel[0].id, 42);
    assert_int_equal(p.mac_src[5], 2);
    check_cuts("vxlan", &f, 34 + 4, 34 + 8 + 8 + 54);

    /* The I flag clear: malformed. */
    f.b[42] = 0;
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_VXLAN);
    f.b[42] = 0x08;
    /* A UDP length below 8 or beyond the IP payload: malformed. */
    f.b[38] = 0;
    f.b[39] = 7;
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);
    assert_int_equal(p.layer, DECODE_L_UDP);
    f.b[39] = 200;
    assert_int_equal(fb_dec(&f, &p), DECODE_MALFORMED);
    /* Another port: UDP, not TCP, as before. */
    f.b[39] = 8 + 8 + 54;
    f.b[37] = 0x36;
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_TCP);
    /* A first fragment to the VXLAN port: fragment. */
    f.b[37] = 0xb5;
    f.b[14 + 6] = 0x20;
    assert_int_equal(fb_dec(&f, &p), DECODE_FRAGMENT);
}

static void test_geneve(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;

    /* Ethernet inside, 8 bytes of options (Opt Len 2). */
    fb_init(&f);
    fb_eth(&f, ETH_IPV6);
    fb_ipv6(&f, P_UDP, 8 + 16 + 54, 1, 2);
    fb_udp(&f, 51000, 6081, 16 + 54);
    wr_u8(&f.w, 0x02);
    wr_u8(&f.w, 0);
    wr_be16(&f.w, ETH_TEB);
    wr_be32(&f.w, 0x123456u << 8);
    wr_be32(&f.w, 0x01020301u); /* an option: class 0x0102, type 3, len 1 */
    wr_be32(&f.w, 0xcafef00du);
    fb_inner_eth_v4_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.tunnel[0].kind, PKT_TUN_GENEVE);
    assert_int_equal(p.tunnel[0].id, 0x123456);
    assert_string_equal(addr(&p.src), "10.0.0.7");
    check_cuts("geneve", &f, 54 + 4, 54 + 8 + 16 + 54);

    /* Options longer than the UDP payload: truncated there. */
    f.b[62] = 0x3f;
    assert_int_equal(fb_dec(&f, &p), DECODE_TRUNCATED);
    assert_int_equal(p.layer, DECODE_L_GENEVE);
    /* Version 1: unsupported (RFC 8926 section 3.4). */
    f.b[62] = 0x42;
    assert_int_equal(fb_dec(&f, &p), DECODE_UNSUPPORTED);

    /* IPv4 directly (protocol type 0x0800), no options. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_UDP, 8 + 8 + 40, 1, 2);
    fb_udp(&f, 51000, 6081, 8 + 40);
    wr_be16(&f.w, 0);
    wr_be16(&f.w, ETH_IPV4);
    wr_be32(&f.w, 9u << 8);
    fb_ipv4(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.tunnel[0].id, 9);
}

static void test_teredo(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;

    /* Plain: IPv6 right after UDP, from the Teredo port. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_UDP, 8 + 60, 1, 2);
    fb_udp(&f, 3544, 40001, 60);
    fb_ipv6(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.tunnel[0].kind, PKT_TUN_TEREDO);
    assert_string_equal(addr(&p.src), "2001:db8::7");
    check_cuts("teredo", &f, 34 + 4, 34 + 8 + 60);

    /* Authentication (id 2, auth 3) and origin indications first. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_UDP, 8 + 18 + 8 + 60, 1, 2);
    fb_udp(&f, 40001, 3544, 18 + 8 + 60);
    wr_be16(&f.w, 0x0001);
    wr_u8(&f.w, 2);
    wr_u8(&f.w, 3);
    fb_pad(&f, 5 + 8 + 1, 0x11);
    wr_be16(&f.w, 0x0000);
    fb_pad(&f, 6, 0x22);
    fb_ipv6(&f, P_TCP, 20, 7, 8);
    fb_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_string_equal(addr(&p.dst), "2001:db8::8");
    check_cuts("teredo-ind", &f, 34 + 4, 34 + 8 + 18 + 8 + 60);

    /* Not IPv6 after the indications: not a Teredo packet, not TCP. */
    f.b[34 + 8 + 18 + 8] = 0x45;
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_TCP);
    /* A bubble (no next header): not TCP. */
    f.b[34 + 8 + 18 + 8] = 0x60;
    f.b[34 + 8 + 18 + 8 + 6] = 59;
    assert_int_equal(fb_dec(&f, &p), DECODE_NOT_TCP);
}

/* Tunnels nest up to CFG_MAX_TUNNELS: VXLAN inside GRE; a third is
 * unsupported. */
static void test_nesting(void **state)
{
    struct fb f;
    struct pkt p;
    (void)state;

    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_GRE, 8 + 20 + 8 + 8 + 54, 1, 2);
    wr_be16(&f.w, 0x2000);
    wr_be16(&f.w, ETH_IPV4);
    wr_be32(&f.w, 5);
    fb_ipv4(&f, P_UDP, 8 + 8 + 54, 3, 4);
    fb_udp(&f, 50000, 4789, 8 + 54);
    wr_be32(&f.w, 0x08000000u);
    wr_be32(&f.w, 42u << 8);
    fb_inner_eth_v4_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_OK);
    assert_int_equal(p.ntunnels, 2);
    assert_int_equal(p.tunnel[0].kind, PKT_TUN_GRE);
    assert_int_equal(p.tunnel[0].id, 5);
    assert_int_equal(p.tunnel[1].kind, PKT_TUN_VXLAN);
    assert_int_equal(p.tunnel[1].id, 42);
    assert_string_equal(addr(&p.src), "10.0.0.7");

    /* 4in4 around the same: three deep. */
    fb_init(&f);
    fb_eth(&f, ETH_IPV4);
    fb_ipv4(&f, P_IPIP, 20 + 8 + 20 + 8 + 8 + 54, 1, 2);
    fb_ipv4(&f, P_GRE, 8 + 20 + 8 + 8 + 54, 1, 2);
    wr_be16(&f.w, 0x2000);
    wr_be16(&f.w, ETH_IPV4);
    wr_be32(&f.w, 5);
    fb_ipv4(&f, P_UDP, 8 + 8 + 54, 3, 4);
    fb_udp(&f, 50000, 4789, 8 + 54);
    wr_be32(&f.w, 0x08000000u);
    wr_be32(&f.w, 42u << 8);
    fb_inner_eth_v4_syn(&f);
    assert_int_equal(fb_dec(&f, &p), DECODE_UNSUPPORTED);
    assert_int_equal(p.layer, DECODE_L_VXLAN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llc_snap),
        cmocka_unit_test(test_ip_in_ip),
        cmocka_unit_test(test_gre),
        cmocka_unit_test(test_vxlan),
        cmocka_unit_test(test_geneve),
        cmocka_unit_test(test_teredo),
        cmocka_unit_test(test_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
