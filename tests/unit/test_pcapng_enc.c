/* test_pcapng_enc.c: the pcapng block encoder: block framing, lengths,
 * padding, options, and refusal when a block does not fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "pcapng_enc.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Every block: type, total length at both ends, a multiple of 4. */
static void assert_framed(const uint8_t *b, size_t len, uint32_t type)
{
    assert_int_equal(len % 4, 0);
    assert_int_equal(le32(b), type);
    assert_int_equal(le32(b + 4), len);
    assert_int_equal(le32(b + len - 4), len);
}

static void test_shb(void **state)
{
    uint8_t b[128];
    size_t n = pcapng_enc_shb(b, sizeof(b), "tcpshake");
    (void)state;
    assert_framed(b, n, 0x0A0D0D0Au);
    assert_int_equal(le32(b + 8), 0x1A2B3C4Du);
    assert_int_equal(b[12], 1); /* major 1 */
    /* shb_userappl: code 4, length 8, "tcpshake", then opt_endofopt */
    assert_int_equal(b[24], 4);
    assert_int_equal(b[26], 8);
    assert_memory_equal(b + 28, "tcpshake", 8);
    assert_int_equal(n, 28 + 8 + 4 + 4);
}

static void test_idb_has_name_and_nanosecond_resolution(void **state)
{
    uint8_t b[128];
    size_t n = pcapng_enc_idb(b, sizeof(b), 1, 262144, "lo");
    (void)state;
    assert_framed(b, n, 1);
    assert_int_equal(b[8], 1);                  /* LINKTYPE_ETHERNET */
    assert_int_equal(le32(b + 12), 262144);     /* snaplen */
    assert_int_equal(b[16], 2);                 /* if_name */
    assert_int_equal(b[18], 2);
    assert_memory_equal(b + 20, "lo", 2);       /* padded to 4 */
    assert_int_equal(b[24], 9);                 /* if_tsresol */
    assert_int_equal(b[28], 9);                 /* 10^-9 */
}

static void test_epb_data_padding_and_comment(void **state)
{
    uint8_t b[256], data[5] = { 1, 2, 3, 4, 5 };
    uint64_t ts = 1704067200123456789ULL;
    size_t n = pcapng_enc_epb(b, sizeof(b), 0, ts, data, 5, 60, "hi");
    (void)state;
    assert_framed(b, n, 6);
    assert_int_equal(le32(b + 12), (uint32_t)(ts >> 32));
    assert_int_equal(le32(b + 16), (uint32_t)ts);
    assert_int_equal(le32(b + 20), 5);          /* captured */
    assert_int_equal(le32(b + 24), 60);         /* original */
    assert_memory_equal(b + 28, data, 5);
    assert_int_equal(b[33] | b[34] | b[35], 0); /* padding */
    assert_int_equal(b[36], 1);                 /* opt_comment */
    assert_int_equal(b[38], 2);
    assert_memory_equal(b + 40, "hi", 2);
    assert_int_equal(n, pcapng_enc_epb_size(5, 2));
    /* no comment: no options at all */
    n = pcapng_enc_epb(b, sizeof(b), 0, ts, data, 5, 5, NULL);
    assert_int_equal(n, 28 + 8 + 4);
}

static void test_refuses_what_does_not_fit(void **state)
{
    uint8_t b[64], data[100];
    (void)state;
    memset(data, 7, sizeof(data));
    assert_int_equal(pcapng_enc_epb(b, sizeof(b), 0, 0, data, 100, 100, NULL), 0);
    assert_int_equal(pcapng_enc_shb(b, 8, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shb),
        cmocka_unit_test(test_idb_has_name_and_nanosecond_resolution),
        cmocka_unit_test(test_epb_data_padding_and_comment),
        cmocka_unit_test(test_refuses_what_does_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
