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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llc_snap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
