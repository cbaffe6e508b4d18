/* test_tcpopt.c: TCP option parsing, writing and formatting (tcpopt.h).
 * Every option area is copied to a malloc'ed buffer of exactly its size so
 * ASan reports any read past it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rd.h"
#include "tcp_wire.h"
#include "tcpopt.h"
#include "wr.h"

static void parse_bytes(const uint8_t *b, size_t n, bool cut, struct tcp_opts *o)
{
    uint8_t *p = malloc(n ? n : 1);
    struct rd r;
    assert_non_null(p);
    if (n)
        memcpy(p, b, n);
    r = rd_init(p, n);
    memset(o, 0xA5, sizeof(*o)); /* the parser must clear everything */
    tcpopt_parse(&r, cut, o);
    free(p);
}

#define PARSE(o, ...)                                                  \
    do {                                                               \
        static const uint8_t area_[] = { __VA_ARGS__ };                \
        parse_bytes(area_, sizeof(area_), false, (o));                 \
    } while (0)

static const char *fmt(const struct tcp_opts *o)
{
    static char buf[256];
    int n = tcpopt_format(o, buf, (int)sizeof(buf));
    assert_int_equal((size_t)n, strlen(buf));
    return buf;
}

static void assert_layout(const struct tcp_opts *o, const uint8_t *kinds, size_t n)
{
    assert_int_equal(o->nlayout, n);
    if (n)
        assert_memory_equal(o->layout, kinds, n);
}
#define LAYOUT(o, ...)                                                 \
    do {                                                               \
        static const uint8_t k_[] = { __VA_ARGS__ };                   \
        assert_layout((o), k_, sizeof(k_));                            \
    } while (0)

/* ---- parsing: real option areas ----------------------------------------- */

/* Linux loopback SYN (s_tcp-fastopen-05 frame 2 without TFO):
 * mss 65495,sackOK,TS val 14463342 ecr 0,nop,wscale 10 */
static void test_parse_linux_syn(void **state)
{
    struct tcp_opts o;
    (void)state;
    PARSE(&o, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0x00, 0xdc, 0xb1, 0x6e,
          0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a);
    assert_int_equal(o.present, TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE);
    assert_int_equal(o.anomalies, 0);
    assert_int_equal(o.mss, 65495);
    assert_int_equal(o.ts_val, 14463342u);
    assert_int_equal(o.ts_ecr, 0);
    assert_int_equal(o.wscale, 10);
    LAYOUT(&o, 2, 4, 8, 1, 3);
    assert_int_equal(o.layout_len[0], 4);
    assert_int_equal(o.layout_len[2], 10);
    assert_int_equal(o.layout_len[3], 1);
    assert_string_equal(fmt(&o), "mss 65495,sackOK,TS val 14463342 ecr 0,nop,wscale 10");
}

/* macOS-style SYN with trailing EOL (z_tcp-http-with-padding frame 1),
 * printed by tcpdump as below. */
static void test_parse_eol_terminated(void **state)
{
    struct tcp_opts o;
    (void)state;
    PARSE(&o, 0x02, 0x04, 0x05, 0xac, 0x01, 0x03, 0x03, 0x06, 0x01, 0x01, 0x08, 0x0a,
          0xbb, 0xfd, 0xf4, 0x32, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00);
    assert_int_equal(o.anomalies, 0);
    assert_int_equal(o.present, TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE);
    assert_int_equal(o.ts_val, 3153982514u);
    LAYOUT(&o, 2, 1, 3, 1, 1, 8, 4, 0);
    assert_string_equal(fmt(&o),
                        "mss 1452,nop,wscale 6,nop,nop,TS val 3153982514 ecr 0,sackOK,eol");
}

/* Windows SYN (s_bug-6733 frame 1): mss 1460,nop,wscale 8,nop,nop,sackOK */
static void test_parse_windows_syn(void **state)
{
    struct tcp_opts o;
    (void)state;
    PARSE(&o, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x08, 0x01, 0x01, 0x04, 0x02);
    assert_int_equal(o.anomalies, 0);
    assert_int_equal(o.present, TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_WSCALE);
    assert_int_equal(o.wscale, 8);
    assert_string_equal(fmt(&o), "mss 1460,nop,wscale 8,nop,nop,sackOK");
}

static void test_parse_empty_and_nops(void **state)
{
    struct tcp_opts o;
    (void)state;
    parse_bytes(NULL, 0, false, &o);
    assert_int_equal(o.present, 0);
    assert_int_equal(o.anomalies, 0);
    assert_int_equal(o.nlayout, 0);
    assert_string_equal(fmt(&o), "");
    PARSE(&o, 1, 1, 1, 1);
    assert_int_equal(o.present, 0);
    assert_int_equal(o.anomalies, 0);
    LAYOUT(&o, 1, 1, 1, 1);
    assert_string_equal(fmt(&o), "nop,nop,nop,nop");
}

/* ---- parsing: each kind --------------------------------------------------- */

static void test_parse_mss(void **state)
{
    struct tcp_opts o;
    (void)state;
    PARSE(&o, 2, 4, 0x80, 0x01);
    assert_int_equal(o.present, TCPOPT_P_MSS);
    assert_int_equal(o.mss, 0x8001);
    assert_int_equal(o.anomalies, 0);
    assert_string_equal(fmt(&o), "mss 32769");
}

static void test_parse_wscale(void **state)
{
    struct tcp_opts o;
    (void)state;
    PARSE(&o, 3, 3, 14);
    assert_int_equal(o.present, TCPOPT_P_WSCALE);
    assert_int_equal(o.wscale, 14);
    assert_int_equal(o.anomalies, 0);
    PARSE(&o, 3, 3, 15);
    assert_int_equal(o.present, TCPOPT_P_WSCALE);
    assert_int_equal(o.wscale, 15); /* kept as sent */
    assert_int_equal(o.anomalies, TCPOPT_A_WSCALE_BIG);
    PARSE(&o, 3, 3, 255);
    assert_int_equal(o.wscale, 255);
    assert_int_equal(o.anomalies, TCPOPT_A_WSCALE_BIG);
    assert_string_equal(fmt(&o), "wscale 255");
}

static void test_parse_sack_ok_and_ts(void **state)
{
    struct tcp_opts o;
    (void)state;
    PARSE(&o, 4, 2);
    assert_int_equal(o.present, TCPOPT_P_SACK_OK);
    assert_int_equal(o.anomalies, 0);
    PARSE(&o, 8, 10, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 1);
    assert_int_equal(o.present, TCPOPT_P_TS);
    assert_int_equal(o.ts_val, 0xFFFFFFFFu);
    assert_int_equal(o.ts_ecr, 0x80000001u);
    assert_string_equal(fmt(&o), "TS val 4294967295 ecr 2147483649");
}

static void test_parse_sack_blocks(void **state)
{
    uint8_t area[2 + 8 * TCPOPT_MAX_SACK];
    struct tcp_opts o;
    unsigned n, i;
    (void)state;
    for (n = 1; n <= TCPOPT_MAX_SACK; n++) {
        area[0] = TCPOPT_SACK;
        area[1] = (uint8_t)(2 + 8 * n);
        for (i = 0; i < n; i++) {
            uint32_t l = 1000u * (i + 1), r = l + 100u + i;
            area[2 + 8 * i] = (uint8_t)(l >> 24);
            area[3 + 8 * i] = (uint8_t)(l >> 16);
            area[4 + 8 * i] = (uint8_t)(l >> 8);
            area[5 + 8 * i] = (uint8_t)l;
            area[6 + 8 * i] = (uint8_t)(r >> 24);
            area[7 + 8 * i] = (uint8_t)(r >> 16);
            area[8 + 8 * i] = (uint8_t)(r >> 8);
            area[9 + 8 * i] = (uint8_t)r;
        }
        parse_bytes(area, 2 + 8 * n, false, &o);
        assert_int_equal(o.present, TCPOPT_P_SACK);
        assert_int_equal(o.anomalies, 0);
        assert_int_equal(o.nsack, n);
        for (i = 0; i < n; i++) {
            assert_int_equal(o.sack[i].left, 1000u * (i + 1));
            assert_int_equal(o.sack[i].right, 1000u * (i + 1) + 100u + i);
        }
    }
    assert_string_equal(fmt(&o), "sack 4 {1000:1100}{2000:2101}{3000:3102}{4000:4103}");
    PARSE(&o, 1, 1, 5, 10, 0, 0, 0, 100, 0, 0, 0, 200);
    assert_string_equal(fmt(&o), "nop,nop,sack 1 {100:200}");
}

static void test_parse_md5_mptcp(void **state)
{
    struct tcp_opts o;
    (void)state;
    PARSE(&o, 19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    assert_int_equal(o.present, TCPOPT_P_MD5);
    assert_int_equal(o.anomalies, 0);
    assert_string_equal(fmt(&o), "md5");
    /* MP_CAPABLE v1 in a SYN: subtype 0, version 1, flags 0x81. */
    PARSE(&o, 30, 4, 0x01, 0x81);
    assert_int_equal(o.present, TCPOPT_P_MPTCP);
    assert_int_equal(o.anomalies, 0);
    PARSE(&o, 30, 3, 0x50); /* MP_PRIO, the shortest */
    assert_int_equal(o.present, TCPOPT_P_MPTCP);
    assert_int_equal(o.anomalies, 0);
    assert_string_equal(fmt(&o), "mptcp");
}

static void test_parse_tfo(void **state)
{
    struct tcp_opts o;
    static const uint8_t c8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    (void)state;
    PARSE(&o, 34, 2);
    assert_int_equal(o.present, TCPOPT_P_TFO);
    assert_int_equal(o.tfo_len, 0);
    assert_false(o.tfo_exp);
    assert_int_equal(o.anomalies, 0);
    assert_string_equal(fmt(&o), "tfo cookiereq");

    PARSE(&o, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8);
    assert_int_equal(o.present, TCPOPT_P_TFO);
    assert_int_equal(o.tfo_len, 8);
    assert_memory_equal(o.tfo_cookie, c8, 8);
    assert_string_equal(fmt(&o), "tfo cookie 0102030405060708");

    PARSE(&o, 34, 6, 0xab, 0x8a, 0x6c, 0xdb);
    assert_int_equal(o.tfo_len, 4);
    assert_int_equal(o.anomalies, 0);
    assert_string_equal(fmt(&o), "tfo cookie ab8a6cdb");

    PARSE(&o, 34, 18, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff);
    assert_int_equal(o.tfo_len, 16);
    assert_int_equal(o.tfo_cookie[15], 0xff);
    assert_int_equal(o.anomalies, 0);
}

static void test_parse_tfo_experimental(void **state)
{
    struct tcp_opts o;
    (void)state;
    /* Linux before kind 34: RFC 6994 kind 254, ExID 0xF989
     * (z_tcp_tcp-fast-open frame 1, s_tcp-fastopen-05 frame 1). */
    PARSE(&o, 0xfe, 0x04, 0xf9, 0x89);
    assert_int_equal(o.present, TCPOPT_P_TFO);
    assert_true(o.tfo_exp);
    assert_int_equal(o.tfo_len, 0);
    assert_int_equal(o.anomalies, 0);
    LAYOUT(&o, 254);
    assert_string_equal(fmt(&o), "exp-tfo cookiereq");

    PARSE(&o, 0xfe, 0x0c, 0xf9, 0x89, 0xa4, 0x6f, 0xd5, 0x4e, 0x09, 0x05, 0x78, 0x4a);
    assert_int_equal(o.present, TCPOPT_P_TFO);
    assert_true(o.tfo_exp);
    assert_int_equal(o.tfo_len, 8);
    assert_int_equal(o.tfo_cookie[0], 0xa4);
    assert_int_equal(o.tfo_cookie[7], 0x4a);
    assert_string_equal(fmt(&o), "exp-tfo cookie a46fd54e0905784a");

    /* Magic right, cookie length wrong (2 bytes): bad. */
    PARSE(&o, 0xfe, 0x06, 0xf9, 0x89, 1, 2);
    assert_int_equal(o.present, 0);
    assert_int_equal(o.anomalies, TCPOPT_A_BAD_LEN);
    assert_string_equal(fmt(&o), "[bad opt]");

    /* Another experiment's ExID: kept as unknown. */
    PARSE(&o, 0xfe, 0x06, 0x12, 0x34, 1, 2);
    assert_int_equal(o.present, TCPOPT_P_UNKNOWN);
    assert_int_equal(o.anomalies, 0);
    assert_string_equal(fmt(&o), "opt-254:6");

    /* Too short to hold an ExID: unknown as well, not TFO. */
    PARSE(&o, 0xfe, 0x02, 0xfd, 0x03, 0xf9);
    assert_int_equal(o.present, TCPOPT_P_UNKNOWN);
    assert_int_equal(o.anomalies, 0);
    LAYOUT(&o, 254, 253);
    assert_string_equal(fmt(&o), "opt-254:2,opt-253:3");
}

static void test_parse_unknown(void **state)
{
    struct tcp_opts o;
    (void)state;
    /* UTO (RFC 5482), kind 28 len 4: not one we decode, kept in the layout. */
    PARSE(&o, 2, 4, 5, 0xb4, 28, 4, 0x80, 0x3c, 1, 1);
    assert_int_equal(o.present, TCPOPT_P_MSS | TCPOPT_P_UNKNOWN);
    assert_int_equal(o.anomalies, 0);
    LAYOUT(&o, 2, 28, 1, 1);
    assert_int_equal(o.layout_len[1], 4);
    assert_string_equal(fmt(&o), "mss 1460,opt-28:4,nop,nop");
    PARSE(&o, 99, 2);
    assert_int_equal(o.present, TCPOPT_P_UNKNOWN);
    assert_string_equal(fmt(&o), "opt-99:2");
}

/* ---- parsing: bad lengths ------------------------------------------------- */

/* Lengths each kind allows, from the RFCs (not from the parser). */
static bool spec_len_ok(uint8_t kind, unsigned len)
{
    switch (kind) {
    case 2: return len == 4;                                    /* RFC 9293 3.2 */
    case 3: return len == 3;                                    /* RFC 7323 2.2 */
    case 4: return len == 2;                                    /* RFC 2018 2 */
    case 5: return len == 10 || len == 18 || len == 26 || len == 34; /* RFC 2018 3 */
    case 8: return len == 10;                                   /* RFC 7323 3.2 */
    case 19: return len == 18;                                  /* RFC 2385 3.0 */
    case 30: return len >= 3;                                   /* RFC 8684 3 */
    case 34: return len == 2 || (len >= 6 && len <= 18);        /* RFC 7413 4.1.1 */
    default: return len >= 2;
    }
}

static uint16_t spec_bit(uint8_t kind)
{
    switch (kind) {
    case 2: return TCPOPT_P_MSS;
    case 3: return TCPOPT_P_WSCALE;
    case 4: return TCPOPT_P_SACK_OK;
    case 5: return TCPOPT_P_SACK;
    case 8: return TCPOPT_P_TS;
    case 19: return TCPOPT_P_MD5;
    case 30: return TCPOPT_P_MPTCP;
    case 34: return TCPOPT_P_TFO;
    default: return TCPOPT_P_UNKNOWN;
    }
}

static void test_parse_every_length_every_kind(void **state)
{
    static const uint8_t kinds[] = { 2, 3, 4, 5, 8, 19, 30, 34, 28, 99, 253 };
    uint8_t area[40];
    struct tcp_opts o;
    size_t k;
    unsigned len;
    (void)state;
    for (k = 0; k < sizeof(kinds); k++) {
        for (len = 0; len <= 40; len++) {
            size_t n = len < 2 ? 2 : len; /* the area holds exactly the option */
            memset(area, 0, sizeof(area));
            area[0] = kinds[k];
            area[1] = (uint8_t)len;
            parse_bytes(area, n, false, &o);
            assert_int_equal(o.nlayout, 1);
            assert_int_equal(o.layout[0], kinds[k]);
            assert_int_equal(o.layout_len[0], len);
            if (len < 2 || !spec_len_ok(kinds[k], len)) {
                assert_int_equal(o.anomalies, TCPOPT_A_BAD_LEN);
                assert_int_equal(o.present, 0);
                assert_string_equal(fmt(&o), "[bad opt]");
            } else {
                assert_int_equal(o.anomalies, 0);
                assert_int_equal(o.present, spec_bit(kinds[k]));
            }
        }
    }
}

static void test_parse_past_end(void **state)
{
    static const uint8_t kinds[] = { 2, 3, 4, 5, 8, 19, 30, 34, 28, 254 };
    uint8_t area[40];
    struct tcp_opts o;
    size_t k;
    unsigned len;
    (void)state;
    for (k = 0; k < sizeof(kinds); k++) {
        /* The length says one byte more than the area holds. */
        for (len = 3; len <= 40; len++) {
            memset(area, 0, sizeof(area));
            area[0] = kinds[k];
            area[1] = (uint8_t)len;
            parse_bytes(area, len - 1, false, &o);
            assert_int_equal(o.anomalies, TCPOPT_A_PAST_END);
            assert_int_equal(o.present, 0);
            assert_int_equal(o.nlayout, 1);
        }
        /* A kind in the last byte has no room for its length. */
        area[0] = 1;
        area[1] = kinds[k];
        parse_bytes(area, 2, false, &o);
        assert_int_equal(o.anomalies, TCPOPT_A_PAST_END);
        assert_int_equal(o.nlayout, 2);
        assert_int_equal(o.layout[1], kinds[k]);
        assert_string_equal(fmt(&o), "nop,[bad opt]");
    }
}

static void test_parse_bad_stops(void **state)
{
    struct tcp_opts o;
    (void)state;
    /* Length 0 would loop forever in a naive parser; length 1 too. */
    PARSE(&o, 2, 4, 5, 0xb4, 8, 0, 4, 2);
    assert_int_equal(o.anomalies, TCPOPT_A_BAD_LEN);
    assert_int_equal(o.present, TCPOPT_P_MSS); /* the sackOK after it is not parsed */
    LAYOUT(&o, 2, 8);
    assert_string_equal(fmt(&o), "mss 1460,[bad opt]");
    PARSE(&o, 1, 99, 1, 4, 2);
    assert_int_equal(o.anomalies, TCPOPT_A_BAD_LEN);
    assert_int_equal(o.present, 0);
    LAYOUT(&o, 1, 99);
    /* MSS of length 5: wrong for the kind. */
    PARSE(&o, 2, 5, 5, 0xb4, 0, 4, 2, 0);
    assert_int_equal(o.anomalies, TCPOPT_A_BAD_LEN);
    assert_int_equal(o.present, 0);
}

/* ---- parsing: EOL, duplicates, truncation --------------------------------- */

static void test_parse_eol(void **state)
{
    struct tcp_opts o;
    (void)state;
    PARSE(&o, 2, 4, 5, 0xb4, 0, 0, 0, 0);
    assert_int_equal(o.anomalies, 0);
    LAYOUT(&o, 2, 0);
    assert_string_equal(fmt(&o), "mss 1460,eol");
    /* Non-zero bytes after EOL: flagged, and not parsed as options. */
    PARSE(&o, 0, 0, 4, 2);
    assert_int_equal(o.anomalies, TCPOPT_A_AFTER_EOL);
    assert_int_equal(o.present, 0);
    LAYOUT(&o, 0);
    PARSE(&o, 0, 0, 0, 1);
    assert_int_equal(o.anomalies, TCPOPT_A_AFTER_EOL);
    PARSE(&o, 0);
    assert_int_equal(o.anomalies, 0);
    LAYOUT(&o, 0);
}

static void test_parse_duplicates(void **state)
{
    struct tcp_opts o;
    (void)state;
    /* The last value wins, as in Linux's tcp_parse_options(). */
    PARSE(&o, 2, 4, 5, 0xb4, 2, 4, 2, 0x18);
    assert_int_equal(o.anomalies, TCPOPT_A_DUPLICATE);
    assert_int_equal(o.present, TCPOPT_P_MSS);
    assert_int_equal(o.mss, 536);
    LAYOUT(&o, 2, 2);
    PARSE(&o, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 8, 10, 0, 0, 0, 3, 0, 0, 0, 4);
    assert_int_equal(o.anomalies, TCPOPT_A_DUPLICATE);
    assert_int_equal(o.ts_val, 3);
    assert_int_equal(o.ts_ecr, 4);
    PARSE(&o, 4, 2, 4, 2);
    assert_int_equal(o.anomalies, TCPOPT_A_DUPLICATE);
    PARSE(&o, 28, 2, 28, 2);
    assert_int_equal(o.anomalies, TCPOPT_A_DUPLICATE);
    /* Two unknown kinds that differ are not duplicates. */
    PARSE(&o, 28, 2, 29, 2);
    assert_int_equal(o.anomalies, 0);
    /* TFO in both forms is the same option twice. */
    PARSE(&o, 34, 2, 0xfe, 4, 0xf9, 0x89);
    assert_int_equal(o.anomalies, TCPOPT_A_DUPLICATE);
    assert_int_equal(o.present, TCPOPT_P_TFO);
    /* Two RFC 6994 experiments share a kind legitimately. */
    PARSE(&o, 0xfe, 4, 0x12, 0x34, 0xfe, 4, 0x56, 0x78);
    assert_int_equal(o.anomalies, 0);
    /* NOPs never count as duplicates. */
    PARSE(&o, 1, 1, 1, 1, 2, 4, 5, 0xb4);
    assert_int_equal(o.anomalies, 0);
}

static void test_parse_cut(void **state)
{
    static const uint8_t syn[] = { 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a,
                                   0x00, 0xdc, 0xb1, 0x6e, 0x00, 0x00, 0x00, 0x00,
                                   0x01, 0x03, 0x03, 0x0a };
    struct tcp_opts o;
    size_t n;
    (void)state;
    /* Cut at every length: never more than what is captured, always flagged. */
    for (n = 0; n <= sizeof(syn); n++) {
        parse_bytes(syn, n, true, &o);
        assert_true(o.anomalies & TCPOPT_A_TRUNCATED);
        assert_int_equal(o.anomalies & ~TCPOPT_A_TRUNCATED, 0);
        assert_int_equal((o.present & TCPOPT_P_MSS) != 0, n >= 4);
        assert_int_equal((o.present & TCPOPT_P_SACK_OK) != 0, n >= 6);
        assert_int_equal((o.present & TCPOPT_P_TS) != 0, n >= 16);
        assert_int_equal((o.present & TCPOPT_P_WSCALE) != 0, n >= 20);
        /* An option cut in half is not in the layout. */
        if (n == 3)
            assert_int_equal(o.nlayout, 0);
        if (n == 17)
            LAYOUT(&o, 2, 4, 8, 1);
    }
    parse_bytes(syn, 5, true, &o);
    assert_string_equal(fmt(&o), "mss 65495,[|tcp]");
    parse_bytes(syn, 1, true, &o);
    assert_string_equal(fmt(&o), "[|tcp]");
    /* The same bytes complete: no truncation. */
    parse_bytes(syn, sizeof(syn), false, &o);
    assert_int_equal(o.anomalies, 0);
}

/* ---- writing -------------------------------------------------------------- */

static int write_opts(const struct tcp_opts *o, uint8_t *buf, size_t cap)
{
    struct wr w = wr_init(buf, cap);
    int n = tcpopt_write(&w, o);
    if (n >= 0) {
        assert_int_equal((size_t)n, w.len);
        assert_false(w.overflow);
    }
    return n;
}

#define WRITE_EXPECT(o, ...)                                           \
    do {                                                               \
        static const uint8_t want_[] = { __VA_ARGS__ };                \
        uint8_t got_[64];                                              \
        int n_ = write_opts((o), got_, sizeof(got_));                  \
        assert_int_equal(n_, (int)sizeof(want_));                      \
        assert_memory_equal(got_, want_, sizeof(want_));               \
    } while (0)

/* `mss 65495,sackOK,TS val X ecr Y,nop,wscale 7`: what Linux puts in a
 * loopback SYN, 20 bytes. */
static void test_write_linux_loopback_syn(void **state)
{
    struct tcp_opts o;
    (void)state;
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE;
    o.mss = 65495;
    o.ts_val = 0x8badf00du;
    o.ts_ecr = 0;
    o.wscale = 7;
    WRITE_EXPECT(&o, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0x8b, 0xad, 0xf0, 0x0d,
                 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07);
    assert_string_equal(fmt(&o), "mss 65495,sackOK,TS val 2343432205 ecr 0,nop,wscale 7");
}

/* Real Linux SYNs from the conformance captures, rebuilt byte for byte. */
static void test_write_matches_real_linux_syns(void **state)
{
    struct tcp_opts o;
    static const uint8_t cookie[8] = { 0xa4, 0x6f, 0xd5, 0x4e, 0x09, 0x05, 0x78, 0x4a };
    (void)state;
    /* z_tcp_tcp-fast-open frame 1: ...,nop,wscale 7,exp-tfo cookiereq */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE | TCPOPT_P_TFO;
    o.mss = 1460;
    o.ts_val = 14248099;
    o.wscale = 7;
    o.tfo_exp = true;
    WRITE_EXPECT(&o, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0xd9, 0x68, 0xa3,
                 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07, 0xfe, 0x04, 0xf9, 0x89);
    /* s_tcp-fastopen-05 frame 1: exp-tfo with an 8-byte cookie, 32 bytes. */
    o.mss = 65495;
    o.ts_val = 14463342;
    o.wscale = 10;
    o.tfo_len = 8;
    memcpy(o.tfo_cookie, cookie, 8);
    WRITE_EXPECT(&o, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0x00, 0xdc, 0xb1, 0x6e,
                 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a, 0xfe, 0x0c, 0xf9, 0x89,
                 0xa4, 0x6f, 0xd5, 0x4e, 0x09, 0x05, 0x78, 0x4a);
    /* s_tcp-fastopen-10 frame 2 (SYN+ACK): kind 34, 4-byte cookie, NOP NOP. */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE | TCPOPT_P_TFO;
    o.mss = 1452;
    o.ts_val = 2041148357u;
    o.ts_ecr = 2767361900u;
    o.wscale = 8;
    o.tfo_len = 4;
    o.tfo_cookie[0] = 0xab;
    o.tfo_cookie[1] = 0x8a;
    o.tfo_cookie[2] = 0x6c;
    o.tfo_cookie[3] = 0xdb;
    WRITE_EXPECT(&o, 0x02, 0x04, 0x05, 0xac, 0x04, 0x02, 0x08, 0x0a, 0x79, 0xa9, 0x73, 0xc5,
                 0xa4, 0xf2, 0x97, 0x6c, 0x01, 0x03, 0x03, 0x08, 0x22, 0x06, 0xab, 0x8a,
                 0x6c, 0xdb, 0x01, 0x01);
}

static void test_write_linux_layouts(void **state)
{
    struct tcp_opts o;
    (void)state;
    /* TS without sackOK: NOP NOP TS (every Linux ACK). */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_TS;
    o.ts_val = 1;
    o.ts_ecr = 2;
    WRITE_EXPECT(&o, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2);
    /* sackOK without TS: mss,nop,nop,sackOK,nop,wscale */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_WSCALE;
    o.mss = 1460;
    o.wscale = 7;
    WRITE_EXPECT(&o, 2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7);
    assert_string_equal(fmt(&o), "mss 1460,nop,nop,sackOK,nop,wscale 7");
    /* An ACK with TS and two SACK blocks. */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_TS | TCPOPT_P_SACK;
    o.ts_val = 5;
    o.ts_ecr = 6;
    o.nsack = 2;
    o.sack[0].left = 100;
    o.sack[0].right = 200;
    o.sack[1].left = 0x80000000u;
    o.sack[1].right = 0xFFFFFFFFu;
    WRITE_EXPECT(&o, 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6, 1, 1, 5, 18, 0, 0, 0, 100, 0, 0, 0,
                 200, 0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff);
    /* TFO cookie request after the SYN options: 34 2 NOP NOP. */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_MSS | TCPOPT_P_TFO;
    o.mss = 1460;
    WRITE_EXPECT(&o, 2, 4, 5, 0xb4, 34, 2, 1, 1);
    /* TFO padding stays with TFO when SACK blocks follow. */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_TFO | TCPOPT_P_SACK;
    o.nsack = 1;
    o.sack[0].left = 1;
    o.sack[0].right = 2;
    WRITE_EXPECT(&o, 34, 2, 1, 1, 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2);
    o.tfo_exp = true;
    o.tfo_len = 6;
    WRITE_EXPECT(&o, 254, 10, 0xf9, 0x89, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 5, 10, 0, 0, 0, 1,
                 0, 0, 0, 2);
    /* MSS alone; nothing at all. */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_MSS;
    o.mss = 536;
    WRITE_EXPECT(&o, 2, 4, 2, 0x18);
    memset(&o, 0, sizeof(o));
    {
        uint8_t buf[4];
        assert_int_equal(write_opts(&o, buf, sizeof(buf)), 0);
    }
    /* What cannot be written (no value kept) is left out. */
    o.present = TCPOPT_P_MD5 | TCPOPT_P_MPTCP | TCPOPT_P_UNKNOWN | TCPOPT_P_MSS;
    o.mss = 1;
    WRITE_EXPECT(&o, 2, 4, 0, 1);
}

static void test_write_limits(void **state)
{
    struct tcp_opts o;
    uint8_t buf[64];
    struct wr w;
    (void)state;
    /* Exactly 40 bytes: the SYN set (20) + a 16-byte TFO cookie (18 + 2). */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE | TCPOPT_P_TFO;
    o.tfo_len = 16;
    assert_int_equal(write_opts(&o, buf, sizeof(buf)), 40);
    /* One SACK block more: 52 bytes, refused, nothing written. */
    o.present |= TCPOPT_P_SACK;
    o.nsack = 1;
    w = wr_init(buf, sizeof(buf));
    assert_int_equal(tcpopt_write(&w, &o), -1);
    assert_int_equal(w.len, 0);
    /* TS + 4 SACK blocks: 12 + 36 = 48 > 40. */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_TS | TCPOPT_P_SACK;
    o.nsack = 4;
    assert_int_equal(write_opts(&o, buf, sizeof(buf)), -1);
    /* 3 blocks fit: 12 + 28 = 40. */
    o.nsack = 3;
    assert_int_equal(write_opts(&o, buf, sizeof(buf)), 40);
    /* Invalid values. */
    o.nsack = 0;
    assert_int_equal(write_opts(&o, buf, sizeof(buf)), -1);
    o.nsack = TCPOPT_MAX_SACK + 1;
    assert_int_equal(write_opts(&o, buf, sizeof(buf)), -1);
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_TFO;
    o.tfo_len = 3;
    assert_int_equal(write_opts(&o, buf, sizeof(buf)), -1);
    o.tfo_len = TCPOPT_MAX_TFO_COOKIE + 1;
    assert_int_equal(write_opts(&o, buf, sizeof(buf)), -1);
    /* Fits in 40 but not in the caller's buffer. */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_MSS | TCPOPT_P_TS;
    w = wr_init(buf, 15);
    assert_int_equal(tcpopt_write(&w, &o), -1);
    assert_true(w.overflow);
    w = wr_init(buf, 16);
    assert_int_equal(tcpopt_write(&w, &o), 16);
    /* Appends after what the cursor already holds. */
    w = wr_init(buf, sizeof(buf));
    wr_u8(&w, 0xAA);
    assert_int_equal(tcpopt_write(&w, &o), 16);
    assert_int_equal(w.len, 17);
    assert_int_equal(buf[0], 0xAA);
    assert_int_equal(buf[1], TCPOPT_MSS);
}

/* Every combination of writable options: write, parse back, compare. */
static void test_write_parse_round_trips(void **state)
{
    static const uint16_t bits[] = { TCPOPT_P_MSS, TCPOPT_P_SACK_OK, TCPOPT_P_TS,
                                     TCPOPT_P_WSCALE, TCPOPT_P_TFO, TCPOPT_P_SACK };
    static const uint8_t cookie_lens[] = { 0, 4, 6, 8, 16 };
    unsigned mask, ci, ns, e, i, checked = 0, refused = 0;
    (void)state;
    for (mask = 0; mask < 64; mask++)
        for (ci = 0; ci < sizeof(cookie_lens); ci++)
            for (ns = 1; ns <= TCPOPT_MAX_SACK; ns++)
                for (e = 0; e < 2; e++) {
                    struct tcp_opts o, back;
                    uint8_t buf[TCP_OPT_SPACE];
                    struct rd r;
                    size_t expect = 0;
                    int n;
                    memset(&o, 0, sizeof(o));
                    for (i = 0; i < 6; i++)
                        if (mask & (1u << i))
                            o.present |= bits[i];
                    o.mss = (uint16_t)(1000 + mask);
                    o.wscale = (uint8_t)(mask % 15);
                    o.ts_val = 0xF0000000u + mask;
                    o.ts_ecr = ci * 7u + ns;
                    o.tfo_len = cookie_lens[ci];
                    o.tfo_exp = e != 0;
                    for (i = 0; i < o.tfo_len; i++)
                        o.tfo_cookie[i] = (uint8_t)(0x11 * (i + 1));
                    o.nsack = (uint8_t)ns;
                    for (i = 0; i < ns; i++) {
                        o.sack[i].left = 1000u * i + mask;
                        o.sack[i].right = 1000u * i + mask + 500u;
                    }
                    /* Sizes from the layouts documented in tcpopt.h. */
                    if (o.present & TCPOPT_P_MSS)
                        expect += 4;
                    if (o.present & TCPOPT_P_TS)
                        expect += 12;
                    else if (o.present & TCPOPT_P_SACK_OK)
                        expect += 4;
                    if (o.present & TCPOPT_P_WSCALE)
                        expect += 4;
                    if (o.present & TCPOPT_P_TFO)
                        expect += ((e ? 4u : 2u) + o.tfo_len + 3u) / 4u * 4u;
                    if (o.present & TCPOPT_P_SACK)
                        expect += 4 + 8u * ns;

                    n = write_opts(&o, buf, sizeof(buf));
                    if (expect > TCP_OPT_SPACE) {
                        assert_int_equal(n, -1);
                        refused++;
                        continue;
                    }
                    assert_int_equal(n, (int)expect);
                    assert_int_equal(n % 4, 0);
                    r = rd_init(buf, (size_t)n);
                    tcpopt_parse(&r, false, &back);
                    assert_int_equal(back.anomalies, 0);
                    assert_int_equal(back.present, o.present);
                    if (o.present & TCPOPT_P_MSS)
                        assert_int_equal(back.mss, o.mss);
                    if (o.present & TCPOPT_P_WSCALE)
                        assert_int_equal(back.wscale, o.wscale);
                    if (o.present & TCPOPT_P_TS) {
                        assert_int_equal(back.ts_val, o.ts_val);
                        assert_int_equal(back.ts_ecr, o.ts_ecr);
                    }
                    if (o.present & TCPOPT_P_TFO) {
                        assert_int_equal(back.tfo_len, o.tfo_len);
                        assert_int_equal(back.tfo_exp, o.tfo_exp);
                        assert_memory_equal(back.tfo_cookie, o.tfo_cookie,
                                            TCPOPT_MAX_TFO_COOKIE);
                    }
                    if (o.present & TCPOPT_P_SACK) {
                        assert_int_equal(back.nsack, o.nsack);
                        assert_memory_equal(back.sack, o.sack, ns * sizeof(o.sack[0]));
                    }
                    /* Writing what was parsed gives the same bytes again. */
                    {
                        uint8_t again[TCP_OPT_SPACE];
                        assert_int_equal(write_opts(&back, again, sizeof(again)), n);
                        assert_memory_equal(again, buf, (size_t)n);
                    }
                    checked++;
                }
    assert_true(checked > 1000);
    assert_true(refused > 100);
}

/* ---- formatting ----------------------------------------------------------- */

static void test_format_strings(void **state)
{
    struct tcp_opts o;
    (void)state;
    PARSE(&o, 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7);
    assert_string_equal(fmt(&o), "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7");
    PARSE(&o, 1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4);
    assert_string_equal(fmt(&o), "nop,nop,sack 2 {1:2}{3:4}");
    /* A hand-built set (the crafter's) prints as it would be sent. */
    memset(&o, 0, sizeof(o));
    o.present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS | TCPOPT_P_WSCALE;
    o.mss = 1460;
    o.ts_val = 5;
    o.ts_ecr = 6;
    o.wscale = 7;
    assert_string_equal(fmt(&o), "mss 1460,sackOK,TS val 5 ecr 6,nop,wscale 7");
    /* Anomalies other than a stop do not change the wording. */
    PARSE(&o, 3, 3, 20, 3, 3, 1);
    assert_int_equal(o.anomalies, TCPOPT_A_WSCALE_BIG | TCPOPT_A_DUPLICATE);
    assert_string_equal(fmt(&o), "wscale 1,wscale 1");
}

static void test_format_bounded(void **state)
{
    struct tcp_opts o;
    char buf[8];
    (void)state;
    PARSE(&o, 2, 4, 5, 0xb4, 4, 2);
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(tcpopt_format(&o, buf, 5), 4);
    assert_string_equal(buf, "mss ");
    assert_int_equal(buf[5], 'x'); /* nothing past cap */
    assert_int_equal(tcpopt_format(&o, buf, 1), 0);
    assert_string_equal(buf, "");
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(tcpopt_format(&o, buf, 0), 0);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(tcpopt_format(&o, buf, -3), 0);
    assert_int_equal(tcpopt_format(&o, buf, (int)sizeof(buf)), 7);
    assert_string_equal(buf, "mss 146");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_linux_syn),
        cmocka_unit_test(test_parse_eol_terminated),
        cmocka_unit_test(test_parse_windows_syn),
        cmocka_unit_test(test_parse_empty_and_nops),
        cmocka_unit_test(test_parse_mss),
        cmocka_unit_test(test_parse_wscale),
        cmocka_unit_test(test_parse_sack_ok_and_ts),
        cmocka_unit_test(test_parse_sack_blocks),
        cmocka_unit_test(test_parse_md5_mptcp),
        cmocka_unit_test(test_parse_tfo),
        cmocka_unit_test(test_parse_tfo_experimental),
        cmocka_unit_test(test_parse_unknown),
        cmocka_unit_test(test_parse_every_length_every_kind),
        cmocka_unit_test(test_parse_past_end),
        cmocka_unit_test(test_parse_bad_stops),
        cmocka_unit_test(test_parse_eol),
        cmocka_unit_test(test_parse_duplicates),
        cmocka_unit_test(test_parse_cut),
        cmocka_unit_test(test_write_linux_loopback_syn),
        cmocka_unit_test(test_write_matches_real_linux_syns),
        cmocka_unit_test(test_write_linux_layouts),
        cmocka_unit_test(test_write_limits),
        cmocka_unit_test(test_write_parse_round_trips),
        cmocka_unit_test(test_format_strings),
        cmocka_unit_test(test_format_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
