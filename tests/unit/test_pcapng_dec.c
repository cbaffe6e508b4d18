/* test_pcapng_dec.c: the pure pcapng block decoder (issue 15): interfaces
 * of different link types and snap lengths, both byte orders, time
 * resolutions and offsets, SPB and the obsolete PB, sections, and every
 * length check (a cut or lying block is an error, never a read past it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng_dec.h"

#define MAXCAP 262144u

struct buf {
    uint8_t b[4096];
    size_t n;
    int be; /* write big-endian */
};

static void p32(struct buf *w, uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++)
        w->b[w->n + (size_t)(w->be ? 3 - i : i)] = (uint8_t)(v >> (8 * i));
    w->n += 4;
}

static void p16(struct buf *w, uint16_t v)
{
    w->b[w->n + (w->be ? 1u : 0u)] = (uint8_t)v;
    w->b[w->n + (w->be ? 0u : 1u)] = (uint8_t)(v >> 8);
    w->n += 2;
}

static void pbytes(struct buf *w, const void *d, size_t len)
{
    memcpy(w->b + w->n, d, len);
    w->n += len;
    while (w->n % 4)
        w->b[w->n++] = 0;
}

/* Open a block (type, length to patch); close_block writes both lengths. */
static size_t open_block(struct buf *w, uint32_t type)
{
    size_t at = w->n;
    p32(w, type);
    p32(w, 0);
    return at;
}

static void close_block(struct buf *w, size_t at)
{
    size_t save = w->n;
    uint32_t total = (uint32_t)(w->n - at + 4);
    p32(w, total);
    w->n = at + 4;
    p32(w, total);
    w->n = save + 4;
}

static void shb(struct buf *w, uint16_t major)
{
    size_t at = open_block(w, PNG_SHB);
    p32(w, PNG_BOM);
    p16(w, major);
    p16(w, 0);
    p32(w, 0xFFFFFFFFu);
    p32(w, 0xFFFFFFFFu);
    close_block(w, at);
}

/* tsresol < 0: no option; tsoffset 0: no option. */
static void idb(struct buf *w, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    size_t at = open_block(w, PNG_IDB);
    p16(w, linktype);
    p16(w, 0);
    p32(w, snaplen);
    if (tsresol >= 0) {
        uint8_t v = (uint8_t)tsresol;
        p16(w, 9);
        p16(w, 1);
        pbytes(w, &v, 1);
    }
    if (tsoffset) {
        p16(w, 14);
        p16(w, 8);
        p32(w, w->be ? (uint32_t)((uint64_t)tsoffset >> 32) : (uint32_t)tsoffset);
        p32(w, w->be ? (uint32_t)tsoffset : (uint32_t)((uint64_t)tsoffset >> 32));
    }
    p16(w, 0);
    p16(w, 0);
    close_block(w, at);
}

static void epb(struct buf *w, uint32_t ifid, uint64_t ts, const void *d, uint32_t caplen,
                uint32_t wirelen)
{
    size_t at = open_block(w, PNG_EPB);
    p32(w, ifid);
    p32(w, (uint32_t)(ts >> 32));
    p32(w, (uint32_t)ts);
    p32(w, caplen);
    p32(w, wirelen);
    pbytes(w, d, caplen);
    close_block(w, at);
}

static const uint8_t frame[60] = { 0x45, 0x00, 0x00, 0x28, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

/* Decode w with png_next: the packets into out[], the return of the call
 * that ended it. */
static int decode_all(const struct buf *w, struct png_dec *d, struct png_pkt *out, int max,
                      int *count)
{
    const uint8_t *p = w->b;
    size_t left = w->n;
    int rc;
    *count = 0;
    png_init(d);
    while ((rc = png_next(d, &p, &left, MAXCAP, &out[*count])) == 1)
        if (++*count == max)
            break;
    return rc;
}

static void test_two_link_types(void **state)
{
    struct buf w = { .n = 0, .be = 0 };
    struct png_dec d;
    struct png_pkt pk[4];
    int n;
    (void)state;
    shb(&w, 1);
    idb(&w, 1, 65535, -1, 0);   /* Ethernet, microseconds */
    epb(&w, 0, 1000001, frame, 54, 54);
    idb(&w, 0, 262144, 9, 0);   /* NULL, nanoseconds: libpcap 1.10 stops here */
    epb(&w, 1, 2000000123, frame, 44, 60);
    assert_int_equal(decode_all(&w, &d, pk, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(pk[0].linktype, 1);
    assert_int_equal(pk[0].ifid, 0);
    assert_true(pk[0].ts_ns == 1000001000u);
    assert_int_equal(pk[0].caplen, 54);
    assert_ptr_equal(pk[0].data, w.b + 28 + 24 + 8 + 20); /* SHB, IDB, EPB header */
    assert_int_equal(pk[1].linktype, 0);
    assert_int_equal(pk[1].ifid, 1);
    assert_true(pk[1].ts_ns == 2000000123u);
    assert_int_equal(pk[1].caplen, 44);
    assert_int_equal(pk[1].wirelen, 60);
    assert_memory_equal(pk[1].data, frame, 44);
    assert_int_equal(d.nif, 2);
    png_free(&d);
}

static void test_big_endian(void **state)
{
    struct buf w = { .n = 0, .be = 1 };
    struct png_dec d;
    struct png_pkt pk[2];
    int n;
    (void)state;
    shb(&w, 1);
    idb(&w, 101, 0, 3, 0); /* raw IP, milliseconds, no snap length */
    epb(&w, 0, 1500, frame, 40, 40);
    assert_int_equal(decode_all(&w, &d, pk, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_true(d.swapped);
    assert_int_equal(pk[0].linktype, 101);
    assert_true(pk[0].ts_ns == 1500000000u);
    assert_int_equal(pk[0].caplen, 40);
    png_free(&d);
}

static void test_snaplen_cuts(void **state)
{
    struct buf w = { .n = 0, .be = 0 };
    struct png_dec d;
    struct png_pkt pk[3];
    int n;
    (void)state;
    shb(&w, 1);
    idb(&w, 1, 65535, -1, 0);
    idb(&w, 1, 20, -1, 0); /* another snap length: libpcap 1.10 refuses */
    epb(&w, 0, 0, frame, 54, 54);
    epb(&w, 1, 0, frame, 54, 54);
    assert_int_equal(decode_all(&w, &d, pk, 3, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(pk[0].caplen, 54);
    assert_int_equal(pk[1].caplen, 20); /* cut to its interface's snap length */
    assert_int_equal(pk[1].wirelen, 54);
    png_free(&d);
}

static void test_time_options(void **state)
{
    struct buf w = { .n = 0, .be = 0 };
    struct png_dec d;
    struct png_pkt pk[3];
    int n;
    (void)state;
    shb(&w, 1);
    idb(&w, 1, 0, 0x80 | 10, 0);    /* 2^-10 s */
    idb(&w, 1, 0, 12, 100);         /* picoseconds, 100 s offset */
    idb(&w, 1, 0, 0x80 | 63, 0);    /* finest binary */
    epb(&w, 0, 3u * 1024u + 512u, frame, 40, 40);
    epb(&w, 1, 1500000000000ull, frame, 40, 40);
    epb(&w, 2, (uint64_t)1 << 62, frame, 40, 40);
    assert_int_equal(decode_all(&w, &d, pk, 3, &n), 1);
    assert_int_equal(n, 3);
    assert_true(pk[0].ts_ns == 3500000000u);
    assert_true(pk[1].ts_ns == 101500000000u);
    assert_true(pk[2].ts_ns == 500000000u);
    png_free(&d);
}

static void test_spb_pb_and_skipped(void **state)
{
    struct buf w = { .n = 0, .be = 0 };
    struct png_dec d;
    struct png_pkt pk[3];
    size_t at;
    int n;
    (void)state;
    shb(&w, 1);
    idb(&w, 1, 48, -1, 0);
    at = open_block(&w, 5); /* Interface Statistics: skipped */
    p32(&w, 0);
    close_block(&w, at);
    at = open_block(&w, PNG_SPB);
    p32(&w, 54); /* original length; 54 bytes stored, snap length 48 */
    pbytes(&w, frame, 54);
    close_block(&w, at);
    at = open_block(&w, PNG_PB);
    p16(&w, 0);
    p16(&w, 0);
    p32(&w, 0);
    p32(&w, 7);
    p32(&w, 30);
    p32(&w, 40);
    pbytes(&w, frame, 30);
    close_block(&w, at);
    assert_int_equal(decode_all(&w, &d, pk, 3, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(pk[0].caplen, 48);
    assert_int_equal(pk[0].wirelen, 54);
    assert_true(pk[0].ts_ns == 0);
    assert_int_equal(pk[1].caplen, 30);
    assert_true(pk[1].ts_ns == 7000);
    png_free(&d);
}

static void test_sections(void **state)
{
    struct buf w = { .n = 0, .be = 0 };
    struct png_dec d;
    struct png_pkt pk[2];
    int n;
    (void)state;
    shb(&w, 1); /* a section with no interface: nothing, no error */
    assert_int_equal(decode_all(&w, &d, pk, 2, &n), 0);
    assert_int_equal(n, 0);
    png_free(&d);
    idb(&w, 1, 0, -1, 0);
    idb(&w, 1, 0, -1, 0);
    w.be = 1;
    shb(&w, 1); /* a new section, other byte order: interfaces start again */
    idb(&w, 0, 0, -1, 0);
    epb(&w, 0, 0, frame, 40, 40);
    assert_int_equal(decode_all(&w, &d, pk, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(pk[0].linktype, 0);
    assert_int_equal(d.nif, 1);
    png_free(&d);
    epb(&w, 1, 0, frame, 40, 40); /* interface 1 was the old section's */
    assert_int_equal(decode_all(&w, &d, pk, 2, &n), -1);
    assert_non_null(strstr(d.error, "interface"));
    png_free(&d);
}

/* One bad stream: png_next fails with an error text containing `why`. */
static void expect_error(const struct buf *w, const char *why)
{
    struct png_dec d;
    struct png_pkt pk[4];
    int n;
    assert_int_equal(decode_all(w, &d, pk, 4, &n), -1);
    assert_non_null(d.error);
    if (!strstr(d.error, why))
        fail_msg("error '%s', expected '%s'", d.error, why);
    png_free(&d);
}

static void test_errors(void **state)
{
    struct buf w = { .n = 0, .be = 0 }, ok;
    size_t at;
    (void)state;
    shb(&w, 1);
    idb(&w, 1, 0, -1, 0);
    ok = w;

    w = ok; /* not a section header first */
    memmove(w.b, w.b + 28, w.n - 28);
    w.n -= 28;
    expect_error(&w, "not a Section Header");
    w = ok;
    w.b[8] = 0x11; /* byte-order magic */
    expect_error(&w, "byte-order");
    w.n = 0;
    shb(&w, 2);
    expect_error(&w, "version");
    w = ok;
    epb(&w, 1, 0, frame, 40, 40);
    expect_error(&w, "interface");
    w = ok;
    epb(&w, 0, 0, frame, 40, 40);
    w.b[ok.n + 20] = 200; /* caplen past the block */
    expect_error(&w, "longer than its block");
    w = ok;
    at = open_block(&w, PNG_EPB);
    p32(&w, 0);
    p32(&w, 0);
    p32(&w, 0);
    p32(&w, MAXCAP + 1); /* claimed, not there */
    p32(&w, 0);
    close_block(&w, at);
    expect_error(&w, "longer than its block");
    w = ok;
    epb(&w, 0, 0, frame, 40, 40);
    {
        struct png_dec d;
        struct png_pkt pk;
        const uint8_t *p = w.b;
        size_t left = w.n;
        png_init(&d);
        assert_int_equal(png_next(&d, &p, &left, 39, &pk), -1); /* longer than any snap length */
        assert_non_null(strstr(d.error, "snap length"));
        png_free(&d);
    }
    w.b[w.n - 4] ^= 4; /* trailer */
    expect_error(&w, "trailer");
    w = ok;
    epb(&w, 0, 0, frame, 40, 40);
    w.b[ok.n + 4] = 13; /* not a multiple of 4 */
    expect_error(&w, "multiple of 4");
    w.b[ok.n + 4] = 8; /* below 12 */
    expect_error(&w, "below 12");
    w.b[ok.n + 4] = 0;
    w.b[ok.n + 7] = 0x10; /* 256 MiB */
    expect_error(&w, "16 MiB");
    w = ok;
    epb(&w, 0, 0, frame, 40, 40);
    w.n -= 4; /* cut */
    expect_error(&w, "cut short");
    w = ok;
    w.n -= 3;
    expect_error(&w, "cut short");
    w.n = 0;
    shb(&w, 1);
    at = open_block(&w, PNG_IDB);
    p32(&w, 1);
    p32(&w, 0);
    p16(&w, 9);
    p16(&w, 40); /* option longer than the block */
    close_block(&w, at);
    expect_error(&w, "option");
    w.n = 0;
    shb(&w, 1);
    idb(&w, 1, 0, 20, 0); /* 10^-20: more than 64 bits count */
    expect_error(&w, "if_tsresol");
    w.n = 0;
    shb(&w, 1);
    at = open_block(&w, PNG_SPB);
    p32(&w, 4);
    p32(&w, 0);
    close_block(&w, at);
    expect_error(&w, "interface");
}

/* Every prefix of a good stream and every single-byte change: an error or
 * packets inside the input, never a read past it (ASan in CI). */
static void test_prefixes_and_flips(void **state)
{
    struct buf w = { .n = 0, .be = 0 };
    size_t cut, i;
    (void)state;
    shb(&w, 1);
    idb(&w, 1, 65535, 9, 5);
    idb(&w, 0, 32, 0x80 | 20, 0);
    epb(&w, 0, 1, frame, 54, 54);
    epb(&w, 1, 2, frame, 44, 60);
    for (cut = 0; cut <= w.n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        const uint8_t *p = copy;
        size_t left = cut;
        struct png_dec d;
        struct png_pkt pk;
        memcpy(copy, w.b, cut);
        png_init(&d);
        while (png_next(&d, &p, &left, MAXCAP, &pk) == 1)
            assert_true(pk.data >= copy && pk.data + pk.caplen <= copy + cut);
        png_free(&d);
        free(copy);
    }
    for (i = 0; i < w.n; i++) {
        struct buf v = w;
        const uint8_t *p = v.b;
        size_t left = v.n;
        struct png_dec d;
        struct png_pkt pk;
        v.b[i] ^= 0xA5;
        png_init(&d);
        while (png_next(&d, &p, &left, MAXCAP, &pk) == 1)
            assert_true(pk.data >= v.b && pk.data + pk.caplen <= v.b + v.n);
        png_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_link_types),
        cmocka_unit_test(test_big_endian),
        cmocka_unit_test(test_snaplen_cuts),
        cmocka_unit_test(test_time_options),
        cmocka_unit_test(test_spb_pb_and_skipped),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_prefixes_and_flips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
