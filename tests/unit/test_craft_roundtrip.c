/* test_craft_roundtrip.c: craft_frame() -> decode_frame() -> every field back
 * (masscan's "parse it as if received from the wire"), over all link types,
 * IPv4/IPv6, flag and option sets, payloads; then the decoder's view of
 * crafted oddities: cut captures, Ethernet padding, invalid flags. Needs the
 * decoder (decode.h, tcpopt.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "craft.h"
#include "decode.h"
#include "rd.h"
#include "tcp_wire.h"
#include "tcpopt.h"
#include "wr.h"

#define TS_NS 1704067200123456789ull

static const enum link_type links[] = {
    LINK_RAW, LINK_ETHERNET, LINK_LINUX_SLL, LINK_LINUX_SLL2,
    LINK_NULL_BSD, LINK_LOOP, LINK_IPV4, LINK_IPV6,
};

static const char *const addrs[][2] = {
    { "192.0.2.10", "198.51.100.80" },
    { "127.0.0.1", "127.0.0.1" },
    { "2001:db8::10", "2001:db8:ffff::80" },
    { "::1", "::1" },
};

/* Valid combinations only: none of these is an anomaly. */
static const uint16_t flag_sets[] = {
    TH_SYN, TH_SYN | TH_ACK, TH_ACK, TH_PSH | TH_ACK, TH_FIN | TH_ACK, TH_RST, TH_RST | TH_ACK,
    TH_SYN | TH_ECE | TH_CWR, TH_SYN | TH_ACK | TH_ECE, TH_SYN | TH_ACK | TH_AE,
    TH_URG | TH_ACK | TH_PSH, TH_FIN | TH_PSH | TH_ACK,
};

static const uint8_t payload[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok!";

static size_t link_len(enum link_type lt)
{
    switch (lt) {
    case LINK_ETHERNET: return 14;
    case LINK_LINUX_SLL: return 16;
    case LINK_LINUX_SLL2: return 20;
    case LINK_NULL_BSD:
    case LINK_LOOP: return 4;
    default: return 0;
    }
}

static bool carries(enum link_type lt, uint8_t family)
{
    return !((lt == LINK_IPV4 && family != IPADDR_V4) || (lt == LINK_IPV6 && family != IPADDR_V6));
}

static void set_opts(struct tcp_opts *o, int which)
{
    memset(o, 0, sizeof(*o));
    switch (which) {
    case 0:
        break;
    case 1: /* Linux SYN */
        o->present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE;
        o->mss = 1460;
        o->wscale = 7;
        o->ts_val = 0xdeadbeefu;
        break;
    case 2: /* later segments */
        o->present = TCPOPT_P_TS;
        o->ts_val = 1;
        o->ts_ecr = 0xfffffffeu;
        break;
    case 3: /* TFO cookie request */
        o->present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE | TCPOPT_P_TFO;
        o->mss = 65495;
        o->wscale = 14;
        o->ts_val = 7;
        break;
    case 4: /* TFO cookie */
        o->present = TCPOPT_P_MSS | TCPOPT_P_WSCALE | TCPOPT_P_TFO;
        o->mss = 1440;
        o->wscale = 0;
        o->tfo_len = 8;
        memcpy(o->tfo_cookie, "\x01\x02\x03\x04\xfc\xfd\xfe\xff", 8);
        break;
    case 5: /* SACK blocks */
        o->present = TCPOPT_P_TS | TCPOPT_P_SACK;
        o->ts_val = 100;
        o->ts_ecr = 200;
        o->nsack = 2;
        o->sack[0].left = 1000;
        o->sack[0].right = 2000;
        o->sack[1].left = 0xffffff00u;
        o->sack[1].right = 0x100;
        break;
    default: /* sackOK alone, MSS alone */
        o->present = TCPOPT_P_SACK_OK | TCPOPT_P_MSS;
        o->mss = 536;
        break;
    }
}
#define NOPTS 7

/* The option kinds tcpopt_write lays out, in wire order (NOPs included). */
static size_t layout_of(const struct tcp_opts *o, uint8_t kinds[40])
{
    uint8_t buf[40];
    struct wr w = wr_init(buf, sizeof(buf));
    int n = tcpopt_write(&w, o);
    size_t i = 0, k = 0;
    assert_true(n >= 0);
    while (i < (size_t)n) {
        kinds[k++] = buf[i];
        if (buf[i] == TCPOPT_EOL)
            break;
        i += (buf[i] == TCPOPT_NOP) ? 1 : buf[i + 1];
    }
    return k;
}

static void expect_opts(const struct tcp_opts *want, const struct tcp_opts *got)
{
    uint8_t kinds[40];
    size_t n = layout_of(want, kinds), i;
    assert_int_equal(got->present, want->present);
    assert_int_equal(got->anomalies, 0);
    assert_int_equal(got->nlayout, n);
    if (n)
        assert_memory_equal(got->layout, kinds, n);
    if (want->present & TCPOPT_P_MSS)
        assert_int_equal(got->mss, want->mss);
    if (want->present & TCPOPT_P_WSCALE)
        assert_int_equal(got->wscale, want->wscale);
    if (want->present & TCPOPT_P_TS) {
        assert_int_equal(got->ts_val, want->ts_val);
        assert_int_equal(got->ts_ecr, want->ts_ecr);
    }
    if (want->present & TCPOPT_P_SACK) {
        assert_int_equal(got->nsack, want->nsack);
        for (i = 0; i < want->nsack; i++) {
            assert_int_equal(got->sack[i].left, want->sack[i].left);
            assert_int_equal(got->sack[i].right, want->sack[i].right);
        }
    }
    if (want->present & TCPOPT_P_TFO) {
        assert_int_equal(got->tfo_len, want->tfo_len);
        if (want->tfo_len)
            assert_memory_equal(got->tfo_cookie, want->tfo_cookie, want->tfo_len);
    }
}

static struct craft_spec spec(const char *src, const char *dst)
{
    struct craft_spec s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(ipaddr_parse(src, &s.src), 0);
    assert_int_equal(ipaddr_parse(dst, &s.dst), 0);
    s.sport = 43512;
    s.dport = 443;
    s.seq = 0x89abcdefu;
    s.ack = 0x01234567u;
    s.win = 65160;
    s.ip_id = 4242;
    s.dont_fragment = true;
    return s;
}

static enum decode_status decode(enum link_type lt, const uint8_t *buf, size_t caplen,
                                 size_t wirelen, struct pkt *p)
{
    struct frame f;
    f.data = buf;
    f.caplen = (uint32_t)caplen;
    f.wirelen = (uint32_t)wirelen;
    f.ts_ns = TS_NS;
    memset(p, 0xcc, sizeof(*p)); /* nothing may be left over */
    return decode_frame(lt, &f, p);
}

static void expect_pkt(enum link_type lt, const struct craft_spec *s, const uint8_t *buf,
                       size_t len, const struct pkt *p)
{
    bool v6 = s->src.family == IPADDR_V6;
    size_t tcp_off = link_len(lt) + (v6 ? 40 : 20);
    uint8_t obuf[40];
    struct wr w = wr_init(obuf, sizeof(obuf));
    int olen = tcpopt_write(&w, &s->opt);
    assert_int_equal(p->ts_ns, TS_NS);
    assert_int_equal(p->caplen, len);
    assert_int_equal(p->wirelen, len);
    assert_int_equal(p->layer, DECODE_L_TCP);
    assert_int_equal(p->anomalies, 0);
    assert_int_equal(p->ip_ver, v6 ? 6 : 4);
    assert_int_equal(p->ttl, s->ttl ? s->ttl : 64);
    assert_int_equal(p->tos, s->tos);
    assert_int_equal(p->vlan_depth, 0);
    assert_true(ipaddr_eq(&p->src, &s->src));
    assert_true(ipaddr_eq(&p->dst, &s->dst));
    assert_int_equal(p->sport, s->sport);
    assert_int_equal(p->dport, s->dport);
    assert_int_equal(p->flags, s->flags);
    assert_int_equal(p->win, s->win);
    assert_int_equal(p->urp, s->urp);
    assert_int_equal(p->csum, (uint16_t)(buf[tcp_off + 16] << 8 | buf[tcp_off + 17]));
    assert_int_equal(p->seq, s->seq);
    assert_int_equal(p->ack, s->ack);
    assert_true(olen >= 0);
    assert_int_equal(p->doff, 20 + olen);
    expect_opts(&s->opt, &p->opt);
    assert_int_equal(p->payload_len, s->payload_len);
    assert_int_equal(p->payload_caplen, s->payload_len);
}

static void test_roundtrip_matrix(void **state)
{
    static uint8_t buf[4096];
    size_t l, a, o, f, len, n = 0;
    (void)state;
    for (l = 0; l < sizeof(links) / sizeof(links[0]); l++)
        for (a = 0; a < sizeof(addrs) / sizeof(addrs[0]); a++)
            for (o = 0; o < NOPTS; o++)
                for (f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++) {
                    struct craft_spec s = spec(addrs[a][0], addrs[a][1]);
                    struct pkt p;
                    if (!carries(links[l], s.src.family))
                        continue;
                    s.flags = flag_sets[f];
                    set_opts(&s.opt, (int)o);
                    s.ttl = (uint8_t)(f * 23);
                    s.tos = (uint8_t)(o * 0x21 + f);
                    s.urp = (s.flags & TH_URG) ? 9 : 0;
                    s.pkttype = (uint8_t)((f & 1) ? 4 : 0);
                    s.bad_tcp_csum = (f == 3); /* the decoder reports, never verifies */
                    if (f % 3 != 0) {
                        s.payload = payload;
                        s.payload_len = (uint32_t)(sizeof(payload) - 1 - f);
                    }
                    assert_int_equal(craft_frame(links[l], &s, buf, sizeof(buf), &len), 0);
                    assert_int_equal(decode(links[l], buf, len, len, &p), DECODE_OK);
                    expect_pkt(links[l], &s, buf, len, &p);
                    n++;
                }
    assert_true(n > 1000);
}

/* A capture cut by its snaplen: the fixed header decodes, options and
 * payload report what is missing (decode.h: options cut -> still OK). */
static void test_cut_captures(void **state)
{
    uint8_t buf[512];
    size_t len;
    struct pkt p;
    struct craft_spec s = spec("192.0.2.10", "192.0.2.80");
    (void)state;
    s.flags = TH_SYN;
    set_opts(&s.opt, 1); /* 20 bytes of options */
    s.payload = payload;
    s.payload_len = 10;
    assert_int_equal(craft_frame(LINK_ETHERNET, &s, buf, sizeof(buf), &len), 0);
    assert_int_equal(len, 14 + 20 + 40 + 10);

    /* snaplen 54: the fixed TCP header only (truncated-snaplen.pcap). */
    assert_int_equal(decode(LINK_ETHERNET, buf, 54, len, &p), DECODE_OK);
    assert_int_equal(p.caplen, 54);
    assert_int_equal(p.wirelen, len);
    assert_int_equal(p.seq, s.seq);
    assert_int_equal(p.flags, TH_SYN);
    assert_int_equal(p.doff, 40);
    assert_true(p.opt.anomalies & TCPOPT_A_TRUNCATED);
    assert_true(p.anomalies & PKT_ANOM_IP_CAPLEN_SHORT);
    assert_true(p.anomalies & PKT_ANOM_PAYLOAD_CUT);
    assert_int_equal(p.payload_len, 10);
    assert_int_equal(p.payload_caplen, 0);

    /* Cut after the first option: MSS parsed, the rest missing. */
    assert_int_equal(decode(LINK_ETHERNET, buf, 54 + 6, len, &p), DECODE_OK);
    assert_true(p.opt.present & TCPOPT_P_MSS);
    assert_int_equal(p.opt.mss, 1460);
    assert_true(p.opt.anomalies & TCPOPT_A_TRUNCATED);

    /* Options whole, payload cut by 4 bytes. */
    assert_int_equal(decode(LINK_ETHERNET, buf, len - 4, len, &p), DECODE_OK);
    expect_opts(&s.opt, &p.opt);
    assert_int_equal(p.payload_len, 10);
    assert_int_equal(p.payload_caplen, 6);
    assert_true(p.anomalies & PKT_ANOM_PAYLOAD_CUT);

    /* Inside the fixed TCP header: truncated at the TCP layer. */
    assert_int_equal(decode(LINK_ETHERNET, buf, 14 + 20 + 10, len, &p), DECODE_TRUNCATED);
    assert_int_equal(p.layer, DECODE_L_TCP);
}

/* A 54-byte RST padded to Ethernet's 60-byte minimum: the padding is not
 * payload (each layer narrows to its length field). */
static void test_ethernet_padding(void **state)
{
    uint8_t buf[64];
    size_t len;
    struct pkt p;
    struct craft_spec s = spec("192.0.2.80", "192.0.2.10");
    (void)state;
    s.flags = TH_RST | TH_ACK;
    s.seq = 0;
    s.win = 0;
    assert_int_equal(craft_frame(LINK_ETHERNET, &s, buf, sizeof(buf), &len), 0);
    assert_int_equal(len, 54);
    memset(buf + 54, 0, 6);
    assert_int_equal(decode(LINK_ETHERNET, buf, 60, 60, &p), DECODE_OK);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.payload_caplen, 0);
    assert_true(p.anomalies & PKT_ANOM_IP_PADDING);
    assert_int_equal(p.flags, TH_RST | TH_ACK);
}

/* Oddities the crafter can produce on purpose show up as anomaly bits on a
 * still-decoded packet (decode.h: conntrack's INVALID combinations). */
static void test_crafted_anomalies(void **state)
{
    static const struct { uint16_t flags; uint16_t sport; uint32_t bit; } cases[] = {
        { TH_SYN | TH_FIN, 1000, PKT_ANOM_FLAGS_INVALID },
        { TH_SYN | TH_RST, 1000, PKT_ANOM_FLAGS_INVALID },
        { 0, 1000, PKT_ANOM_FLAGS_INVALID },
        { TH_FIN, 1000, PKT_ANOM_FIN_NO_ACK },
        { TH_SYN, 0, PKT_ANOM_ZERO_PORT },
    };
    uint8_t buf[128];
    size_t i, len;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct craft_spec s = spec("2001:db8::1", "2001:db8::2");
        struct pkt p;
        s.flags = cases[i].flags;
        s.sport = cases[i].sport;
        assert_int_equal(craft_frame(LINK_LINUX_SLL2, &s, buf, sizeof(buf), &len), 0);
        assert_int_equal(decode(LINK_LINUX_SLL2, buf, len, len, &p), DECODE_OK);
        assert_true(p.anomalies & cases[i].bit);
        assert_int_equal(p.flags, cases[i].flags);
        assert_int_equal(p.sport, cases[i].sport);
    }
}

/* Every one of the 512 flag values (byte 13 and the AE bit), IPv4 and IPv6,
 * bare IP and Ethernet: the decoder gives back the flags and every other
 * field; the only anomalies allowed are the flag ones (conntrack's INVALID
 * combinations, FIN without ACK). */
static void test_roundtrip_every_flag_value(void **state)
{
    static const char *const pairs[][2] = { { "127.0.0.1", "127.0.0.2" }, { "::1", "2001:db8::2" } };
    static const enum link_type lts[] = { LINK_RAW, LINK_ETHERNET };
    const uint32_t allowed = PKT_ANOM_FLAGS_INVALID | PKT_ANOM_FIN_NO_ACK;
    uint8_t buf[256];
    size_t a, l, len, n = 0;
    uint16_t f;
    (void)state;
    for (a = 0; a < 2; a++)
        for (l = 0; l < 2; l++)
            for (f = 0; f < 0x200; f++) {
                struct craft_spec s = spec(pairs[a][0], pairs[a][1]);
                struct pkt p;
                s.flags = f;
                s.urp = (f & TH_URG) ? 1 : 0;
                set_opts(&s.opt, (f & TH_SYN) ? 1 : 2);
                s.payload = payload;
                s.payload_len = f % 7;
                assert_int_equal(craft_frame(lts[l], &s, buf, sizeof(buf), &len), 0);
                assert_int_equal(decode(lts[l], buf, len, len, &p), DECODE_OK);
                assert_int_equal(p.flags, f);
                assert_int_equal(p.anomalies & ~allowed, 0);
                assert_true(ipaddr_eq(&p.src, &s.src));
                assert_true(ipaddr_eq(&p.dst, &s.dst));
                assert_int_equal(p.sport, s.sport);
                assert_int_equal(p.dport, s.dport);
                assert_int_equal(p.seq, s.seq);
                assert_int_equal(p.ack, s.ack);
                assert_int_equal(p.win, s.win);
                assert_int_equal(p.urp, s.urp);
                assert_int_equal(p.payload_len, s.payload_len);
                expect_opts(&s.opt, &p.opt);
                n++;
            }
    assert_int_equal(n, 4 * 0x200);
}

/* Bytes an option set needs at the least, without alignment NOPs or
 * padding (RFC 9293 3.2, RFC 7323, RFC 2018, RFC 7413). */
static size_t opts_min_len(const struct tcp_opts *o)
{
    size_t n = 0;
    if (o->present & TCPOPT_P_MSS)
        n += 4;
    if (o->present & TCPOPT_P_WSCALE)
        n += 3;
    if (o->present & TCPOPT_P_SACK_OK)
        n += 2;
    if (o->present & TCPOPT_P_TS)
        n += 10;
    if (o->present & TCPOPT_P_TFO)
        n += (o->tfo_exp ? 4u : 2u) + o->tfo_len;
    if (o->present & TCPOPT_P_SACK)
        n += 2u + 8u * o->nsack;
    return n;
}

/* Every subset of the options the crafter writes (MSS, window scale,
 * SACK-permitted, timestamps, TFO, SACK blocks), with TFO as a request, a
 * 4-byte and a 16-byte cookie, in kind 34 and the experimental kind 254, and
 * 1 to 4 SACK blocks: what fits round-trips value by value and in layout;
 * what cannot fit in 40 bytes is refused. */
static void test_roundtrip_every_option_set(void **state)
{
    static const uint8_t tfo_lens[] = { 0, 4, 16 };
    static const char *const pairs[][2] = { { "192.0.2.1", "192.0.2.2" }, { "2001:db8::1", "::1" } };
    uint8_t buf[256];
    unsigned mask, t, e, k, a;
    size_t len, fits = 0, refused = 0;
    (void)state;
    for (a = 0; a < 2; a++)
        for (mask = 0; mask < 64; mask++)
            for (t = 0; t < 3; t++)
                for (e = 0; e < 2; e++)
                    for (k = 1; k <= TCPOPT_MAX_SACK; k++) {
                        struct craft_spec s = spec(pairs[a][0], pairs[a][1]);
                        struct tcp_opts *o = &s.opt;
                        struct pkt p;
                        size_t need;
                        int rc;
                        /* skip repeats of variants that do not apply */
                        if ((!(mask & 16) && (t || e)) || (!(mask & 32) && k > 1))
                            continue;
                        s.flags = (mask & 32) ? TH_ACK : TH_SYN;
                        if (mask & 1) {
                            o->present |= TCPOPT_P_MSS;
                            o->mss = (uint16_t)(536 + mask);
                        }
                        if (mask & 2) {
                            o->present |= TCPOPT_P_WSCALE;
                            o->wscale = (uint8_t)(mask % 15);
                        }
                        if (mask & 4)
                            o->present |= TCPOPT_P_SACK_OK;
                        if (mask & 8) {
                            o->present |= TCPOPT_P_TS;
                            o->ts_val = 0x80000000u + mask;
                            o->ts_ecr = mask * 7u;
                        }
                        if (mask & 16) {
                            o->present |= TCPOPT_P_TFO;
                            o->tfo_len = tfo_lens[t];
                            o->tfo_exp = e == 1;
                            memset(o->tfo_cookie, 0xa5, o->tfo_len);
                            o->tfo_cookie[0] = (uint8_t)mask;
                        }
                        if (mask & 32) {
                            unsigned i;
                            o->present |= TCPOPT_P_SACK;
                            o->nsack = (uint8_t)k;
                            for (i = 0; i < k; i++) {
                                o->sack[i].left = 1000u * (i + 1);
                                o->sack[i].right = 1000u * (i + 1) + 500u;
                            }
                        }
                        need = opts_min_len(o);
                        rc = craft_frame(LINK_RAW, &s, buf, sizeof(buf), &len);
                        if (need > TCP_OPT_SPACE) {
                            assert_int_equal(rc, CRAFT_ERR_OPTIONS);
                            refused++;
                            continue;
                        }
                        if (need <= TCP_OPT_SPACE - 8) /* room for any alignment NOPs */
                            assert_int_equal(rc, 0);
                        if (rc != 0) {
                            assert_int_equal(rc, CRAFT_ERR_OPTIONS);
                            refused++;
                            continue;
                        }
                        assert_int_equal(decode(LINK_RAW, buf, len, len, &p), DECODE_OK);
                        assert_int_equal(p.anomalies, 0);
                        assert_int_equal(p.flags, s.flags);
                        assert_true(p.doff >= 20 + need && p.doff <= 60);
                        expect_opts(o, &p.opt);
                        assert_int_equal(p.opt.tfo_exp, (mask & 16) ? e == 1 : false);
                        fits++;
                    }
    assert_true(fits > 150);
    assert_true(refused > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_matrix),
        cmocka_unit_test(test_cut_captures),
        cmocka_unit_test(test_ethernet_padding),
        cmocka_unit_test(test_crafted_anomalies),
        cmocka_unit_test(test_roundtrip_every_flag_value),
        cmocka_unit_test(test_roundtrip_every_option_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
