/* test_csum.c: the Internet checksum against RFC 1071's example, real IPv4
 * headers and real TCP segments (IPv4 and IPv6, odd length) from captures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "csum.h"

/* A plain reference: 64-bit accumulator, no folding until the end. */
static uint16_t ref_csum(const uint8_t *p, size_t len)
{
    uint64_t sum = 0;
    size_t i;
    for (i = 0; i + 1 < len; i += 2)
        sum += (uint64_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint64_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static struct ip_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct ip_addr x;
    memset(&x, 0, sizeof(x));
    x.family = IPADDR_V4;
    x.bytes[0] = a;
    x.bytes[1] = b;
    x.bytes[2] = c;
    x.bytes[3] = d;
    return x;
}

/* RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (after the
 * end-around carries), so the checksum is its complement 220d. */
static void test_rfc1071_example(void **state)
{
    static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    uint32_t sum;
    (void)state;
    sum = csum_add(0, data, sizeof(data));
    assert_int_equal(csum_fold(sum), (uint16_t)~0xddf2u);
    /* The sum is byte-order independent (RFC 1071 1.2.B): swapped input
     * gives the swapped result. */
    {
        uint8_t sw[sizeof(data)];
        size_t i;
        uint16_t a, b;
        for (i = 0; i < sizeof(data); i += 2) {
            sw[i] = data[i + 1];
            sw[i + 1] = data[i];
        }
        a = csum_fold(csum_add(0, data, sizeof(data)));
        b = csum_fold(csum_add(0, sw, sizeof(sw)));
        assert_int_equal(a, (uint16_t)(b << 8 | b >> 8));
    }
}

/* The IPv4 header of the SYN in s_bug-6733_syn-only.pcap
 * (147.183.77.73 -> 155.166.235.43, tcpdump: checksum 0x07ad correct). */
static const uint8_t real_ipv4_hdr[20] = {
    0x45, 0x00, 0x00, 0x34, 0x91, 0x44, 0x40, 0x00, 0x7a, 0x06,
    0x07, 0xad, 0x93, 0xb7, 0x4d, 0x49, 0x9b, 0xa6, 0xeb, 0x2b,
};

static void test_ipv4_header_real(void **state)
{
    uint8_t hdr[20];
    (void)state;
    /* Verifying a correct header gives 0. */
    assert_int_equal(csum_ipv4_header(real_ipv4_hdr, sizeof(real_ipv4_hdr)), 0);
    /* Computing with the field zeroed gives the stored value. */
    memcpy(hdr, real_ipv4_hdr, sizeof(hdr));
    hdr[10] = hdr[11] = 0;
    assert_int_equal(csum_ipv4_header(hdr, sizeof(hdr)), 0x07ad);
    /* Any single-bit change is detected. */
    hdr[10] = 0x07;
    hdr[11] = 0xad;
    hdr[8] ^= 0x01;
    assert_int_not_equal(csum_ipv4_header(hdr, sizeof(hdr)), 0);
}

/* The TCP SYN of the same packet (with options; checksum 0x754d). */
static const uint8_t real_tcp_syn[32] = {
    0x95, 0x44, 0x00, 0x19, 0x95, 0x54, 0x6c, 0x4d, 0x00, 0x00, 0x00, 0x00, 0x80, 0x02, 0xfa, 0xf0,
    0x75, 0x4d, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x08, 0x01, 0x01, 0x04, 0x02,
};

static void test_tcp_ipv4_real(void **state)
{
    struct ip_addr src = v4(147, 183, 77, 73), dst = v4(155, 166, 235, 43);
    uint8_t seg[sizeof(real_tcp_syn)];
    (void)state;
    assert_int_equal(csum_tcp(&src, &dst, real_tcp_syn, sizeof(real_tcp_syn)), 0);
    memcpy(seg, real_tcp_syn, sizeof(seg));
    seg[16] = seg[17] = 0;
    assert_int_equal(csum_tcp(&src, &dst, seg, sizeof(seg)), 0x754d);
    /* The pseudo-header matters: another destination gives another sum. */
    dst.bytes[3] ^= 1;
    assert_int_not_equal(csum_tcp(&src, &dst, real_tcp_syn, sizeof(real_tcp_syn)), 0);
}

/* Frame 9 of z_ftp_ipv6.pcap: "PASS test\r\n", 11 payload bytes, so the
 * segment (43 bytes) has an odd length; checksum 0x4dd0. */
static const uint8_t real_tcp6_seg[43] = {
    0xc0, 0x21, 0x00, 0x15, 0x26, 0x8a, 0x7e, 0x70, 0x06, 0x72, 0xf8, 0x93, 0x80, 0x18, 0x80,
    0x4c, 0x4d, 0xd0, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x3a, 0x01, 0xf9, 0xab, 0x00, 0x00,
    0x00, 0x04, 0x50, 0x41, 0x53, 0x53, 0x20, 0x74, 0x65, 0x73, 0x74, 0x0d, 0x0a,
};

static void test_tcp_ipv6_real_odd(void **state)
{
    static const uint8_t s6[16] = { 0x20, 0x01, 0x04, 0x70, 0x1f, 0x11, 0x08, 0x1f,
                                    0xc9, 0x99, 0x0d, 0x94, 0xaa, 0x7c, 0x2e, 0x3e };
    static const uint8_t d6[16] = { 0x20, 0x01, 0x04, 0x70, 0x48, 0x67, 0x00, 0x99,
                                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21 };
    struct ip_addr src, dst;
    uint8_t seg[sizeof(real_tcp6_seg)];
    (void)state;
    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    src.family = dst.family = IPADDR_V6;
    memcpy(src.bytes, s6, 16);
    memcpy(dst.bytes, d6, 16);
    assert_int_equal(csum_tcp(&src, &dst, real_tcp6_seg, sizeof(real_tcp6_seg)), 0);
    memcpy(seg, real_tcp6_seg, sizeof(seg));
    seg[16] = seg[17] = 0;
    assert_int_equal(csum_tcp(&src, &dst, seg, sizeof(seg)), 0x4dd0);
}

/* Summing in even-sized chunks equals summing at once; large inputs do not
 * overflow the 32-bit accumulator. */
static void test_chunks_and_large(void **state)
{
    static uint8_t big[65536 * 4];
    size_t i;
    uint32_t sum = 0;
    (void)state;
    for (i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(0xff - (i * 7 % 3));
    assert_int_equal(csum_fold(csum_add(0, big, sizeof(big))), ref_csum(big, sizeof(big)));
    for (i = 0; i < sizeof(big); i += 1000)
        sum = csum_add(sum, big + i, sizeof(big) - i < 1000 ? sizeof(big) - i : 1000);
    assert_int_equal(csum_fold(sum), ref_csum(big, sizeof(big)));
    /* All-ones data: the one's-complement sum is ffff, checksum 0. */
    memset(big, 0xff, sizeof(big));
    assert_int_equal(csum_fold(csum_add(0, big, sizeof(big))), 0);
    /* Odd lengths pad with a zero byte on the right. */
    for (i = 1; i < 64; i += 2)
        assert_int_equal(csum_fold(csum_add(0, big + 3, i)), ref_csum(big + 3, i));
    /* Empty input: complement of zero. */
    assert_int_equal(csum_fold(csum_add(0, big, 0)), 0xffff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_example),
        cmocka_unit_test(test_ipv4_header_real),
        cmocka_unit_test(test_tcp_ipv4_real),
        cmocka_unit_test(test_tcp_ipv6_real_odd),
        cmocka_unit_test(test_chunks_and_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
