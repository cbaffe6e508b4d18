/* test_pcapfile.c: the pcap writer: frames written, then read back with
 * libpcap at nanosecond precision (bytes, lengths, timestamps, link type);
 * snaplen cuts; stdout; errors name the file on one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "craft.h"
#include "pcapfile.h"
#include "tcp_wire.h"

struct tmpfile {
    char path[64];
};

static void tmp_make(struct tmpfile *t)
{
    int fd;
    snprintf(t->path, sizeof(t->path), "/tmp/tcpshake-test-XXXXXX");
    fd = mkstemp(t->path);
    assert_true(fd >= 0);
    close(fd);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long sz;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)sz + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return b;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A handful of frames with distinct contents and awkward timestamps. */
#define NFRAMES 5
static const uint64_t stamps[NFRAMES] = {
    1704067200000000000ull,            /* 2024-01-01T00:00:00Z exactly */
    1704067200000000001ull,            /* +1 ns */
    1704067200999999999ull,            /* last ns of the second */
    1704067201123456789ull,
    2147483647999999999ull,            /* the last ns the format holds: libpcap reads
                                        * the 32-bit seconds field as signed */
};

static size_t make_frame(enum link_type lt, int i, uint8_t *buf, size_t cap)
{
    struct craft_spec s;
    size_t len = 0;
    static const uint8_t data[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    memset(&s, 0, sizeof(s));
    if (lt == LINK_IPV6 || i % 2) {
        assert_int_equal(ipaddr_parse("2001:db8::1", &s.src), 0);
        assert_int_equal(ipaddr_parse("2001:db8::2", &s.dst), 0);
    } else {
        assert_int_equal(ipaddr_parse("192.0.2.1", &s.src), 0);
        assert_int_equal(ipaddr_parse("192.0.2.2", &s.dst), 0);
    }
    if (lt == LINK_IPV4) {
        assert_int_equal(ipaddr_parse("192.0.2.1", &s.src), 0);
        assert_int_equal(ipaddr_parse("192.0.2.2", &s.dst), 0);
    }
    s.sport = (uint16_t)(1000 + i);
    s.dport = 80;
    s.flags = TH_ACK | TH_PSH;
    s.seq = (uint32_t)i * 1000u;
    s.payload = data;
    s.payload_len = (uint32_t)i * 7u;
    assert_int_equal(craft_frame(lt, &s, buf, cap, &len), 0);
    return len;
}

static void write_and_check(enum link_type lt, int snaplen, int expect_dlt)
{
    struct tmpfile t;
    char errbuf[ERRBUF_SIZE];
    char perr[PCAP_ERRBUF_SIZE];
    uint8_t frames[NFRAMES][256];
    size_t lens[NFRAMES];
    struct pcapfile *w;
    pcap_t *r;
    struct pcap_pkthdr *h;
    const u_char *data;
    int i;
    uint32_t eff_snap = snaplen ? (uint32_t)snaplen : 262144u;

    tmp_make(&t);
    w = pcapfile_create(t.path, lt, snaplen, errbuf);
    assert_non_null(w);
    for (i = 0; i < NFRAMES; i++) {
        struct frame f;
        lens[i] = make_frame(lt, i, frames[i], sizeof(frames[i]));
        f.data = frames[i];
        f.caplen = (uint32_t)lens[i];
        f.wirelen = (uint32_t)lens[i] + (i == 3 ? 1000u : 0u); /* a frame cut upstream */
        f.ts_ns = stamps[i];
        assert_int_equal(pcapfile_write(w, &f), 0);
    }
    assert_int_equal(pcapfile_close(w, errbuf), 0);

    r = pcap_open_offline_with_tstamp_precision(t.path, PCAP_TSTAMP_PRECISION_NANO, perr);
    assert_non_null(r);
    assert_int_equal(pcap_datalink(r), expect_dlt);
    assert_int_equal(pcap_snapshot(r), (int)eff_snap);
    for (i = 0; i < NFRAMES; i++) {
        uint32_t cap;
        assert_int_equal(pcap_next_ex(r, &h, &data), 1);
        cap = lens[i] < eff_snap ? (uint32_t)lens[i] : eff_snap;
        assert_int_equal(h->caplen, cap);
        assert_int_equal(h->len, lens[i] + (i == 3 ? 1000u : 0u));
        assert_memory_equal(data, frames[i], cap);
        assert_int_equal((uint64_t)h->ts.tv_sec, stamps[i] / 1000000000ull);
        assert_int_equal((uint64_t)h->ts.tv_usec, stamps[i] % 1000000000ull);
    }
    assert_int_equal(pcap_next_ex(r, &h, &data), PCAP_ERROR_BREAK); /* -2: end of file */
    pcap_close(r);

    /* The file header itself: nanosecond magic, and the LINKTYPE_ number. */
    {
        size_t n;
        uint8_t *b = slurp(t.path, &n);
        assert_true(n >= 24);
        assert_int_equal(le32(b), 0xa1b23c4du);
        assert_int_equal(le32(b + 16), eff_snap);
        assert_int_equal((int)le32(b + 20), pcapfile_dlt_for(lt));
        free(b);
    }
    unlink(t.path);
}

static void test_roundtrip_all_links(void **state)
{
    (void)state;
    write_and_check(LINK_ETHERNET, 0, DLT_EN10MB);
    write_and_check(LINK_LINUX_SLL, 0, DLT_LINUX_SLL);
    write_and_check(LINK_LINUX_SLL2, 0, DLT_LINUX_SLL2);
    write_and_check(LINK_NULL_BSD, 0, DLT_NULL);
    write_and_check(LINK_LOOP, 0, DLT_LOOP);
    write_and_check(LINK_RAW, 0, DLT_RAW); /* 12 here, 101 in the file */
    write_and_check(LINK_IPV4, 0, DLT_IPV4);
    write_and_check(LINK_IPV6, 0, DLT_IPV6);
}

static void test_snaplen_cut(void **state)
{
    (void)state;
    write_and_check(LINK_ETHERNET, 54, DLT_EN10MB);
    write_and_check(LINK_RAW, 40, DLT_RAW);
    write_and_check(LINK_LINUX_SLL2, 65535, DLT_LINUX_SLL2);
}

static void test_dlt_numbers(void **state)
{
    (void)state;
    assert_int_equal(pcapfile_dlt_for(LINK_RAW), 101);
    assert_int_equal(pcapfile_dlt_for(LINK_ETHERNET), 1);
    assert_int_equal(pcapfile_dlt_for(LINK_LINUX_SLL), 113);
    assert_int_equal(pcapfile_dlt_for(LINK_LINUX_SLL2), 276);
    assert_int_equal(pcapfile_dlt_for(LINK_NULL_BSD), 0);
    assert_int_equal(pcapfile_dlt_for(LINK_LOOP), 108);
    assert_int_equal(pcapfile_dlt_for(LINK_IPV4), 228);
    assert_int_equal(pcapfile_dlt_for(LINK_IPV6), 229);
    assert_int_equal(pcapfile_dlt_for(LINK_UNKNOWN), -1);
    assert_int_equal(pcapfile_dlt_for(LINK__COUNT), -1);
}

/* create_dlt takes what pcap_datalink() returns (watch -w): DLT_RAW and the
 * LINKTYPE_RAW number both give a LINKTYPE_RAW file. */
static void test_create_dlt(void **state)
{
    struct tmpfile t;
    char errbuf[ERRBUF_SIZE];
    struct pcapfile *w;
    size_t n;
    uint8_t *b;
    int dlts[2] = { DLT_RAW, 101 }, i;
    (void)state;
    for (i = 0; i < 2; i++) {
        tmp_make(&t);
        w = pcapfile_create_dlt(t.path, dlts[i], 0, errbuf);
        assert_non_null(w);
        assert_int_equal(pcapfile_close(w, errbuf), 0);
        b = slurp(t.path, &n);
        assert_int_equal(n, 24); /* header only */
        assert_int_equal(le32(b + 20), 101);
        free(b);
        unlink(t.path);
    }
}

static void assert_one_line_naming(const char *errbuf, const char *name)
{
    assert_non_null(strstr(errbuf, name));
    assert_null(strchr(errbuf, '\n'));
    assert_true(strlen(errbuf) > strlen(name));
}

static void test_errors(void **state)
{
    char errbuf[ERRBUF_SIZE];
    struct tmpfile t;
    (void)state;

    errbuf[0] = '\0';
    assert_null(pcapfile_create("/nonexistent-dir-tcpshake/x.pcap", LINK_ETHERNET, 0, errbuf));
    assert_one_line_naming(errbuf, "/nonexistent-dir-tcpshake/x.pcap");

    errbuf[0] = '\0';
    assert_null(pcapfile_create("/tmp", LINK_ETHERNET, 0, errbuf)); /* a directory */
    assert_one_line_naming(errbuf, "/tmp");

    errbuf[0] = '\0';
    assert_null(pcapfile_create("/tmp/tcpshake-never.pcap", LINK_UNKNOWN, 0, errbuf));
    assert_one_line_naming(errbuf, "/tmp/tcpshake-never.pcap");
    assert_int_not_equal(access("/tmp/tcpshake-never.pcap", F_OK), 0);

    errbuf[0] = '\0';
    assert_null(pcapfile_create("/tmp/tcpshake-never.pcap", LINK_ETHERNET, -1, errbuf));
    assert_one_line_naming(errbuf, "/tmp/tcpshake-never.pcap");
    assert_null(pcapfile_create("/tmp/tcpshake-never.pcap", LINK_ETHERNET, 262145, errbuf));

    /* A DLT with no savefile type: refused, and no file left behind. */
    tmp_make(&t);
    unlink(t.path);
    errbuf[0] = '\0';
    assert_null(pcapfile_create_dlt(t.path, 14 /* OpenBSD's DLT_RAW */, 0, errbuf));
    assert_one_line_naming(errbuf, t.path);
    assert_int_not_equal(access(t.path, F_OK), 0);

    assert_int_equal(pcapfile_close(NULL, errbuf), 0);
    assert_int_equal(pcapfile_write(NULL, NULL), -1);
}

/* A full disk shows up at the latest when closing, naming the file. */
static void test_write_error_dev_full(void **state)
{
    char errbuf[ERRBUF_SIZE];
    struct pcapfile *w;
    uint8_t buf[256];
    struct frame f;
    int i, failed = 0;
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    w = pcapfile_create("/dev/full", LINK_RAW, 0, errbuf);
    assert_non_null(w);
    f.data = buf;
    f.caplen = f.wirelen = (uint32_t)make_frame(LINK_RAW, 4, buf, sizeof(buf));
    f.ts_ns = stamps[0];
    for (i = 0; i < 1000; i++)
        if (pcapfile_write(w, &f) != 0)
            failed = 1;
    errbuf[0] = '\0';
    assert_int_equal(pcapfile_close(w, errbuf), -1);
    assert_one_line_naming(errbuf, "/dev/full");
    (void)failed; /* a write may or may not see the error before close */
}

/* "-" writes to stdout through a duplicate: stdout stays usable after close. */
static void test_stdout(void **state)
{
    struct tmpfile t;
    char errbuf[ERRBUF_SIZE];
    struct pcapfile *w;
    uint8_t buf[256], *b;
    struct frame f;
    size_t n;
    int saved, fd;
    (void)state;
    tmp_make(&t);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    fd = open(t.path, O_WRONLY | O_TRUNC);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);

    w = pcapfile_create("-", LINK_ETHERNET, 0, errbuf);
    assert_non_null(w);
    f.data = buf;
    f.caplen = f.wirelen = (uint32_t)make_frame(LINK_ETHERNET, 2, buf, sizeof(buf));
    f.ts_ns = stamps[1];
    assert_int_equal(pcapfile_write(w, &f), 0);
    assert_int_equal(pcapfile_close(w, errbuf), 0);
    /* stdout (fd 1) is still open and appends after the capture. */
    assert_int_equal(write(STDOUT_FILENO, "END", 3), 3);

    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    b = slurp(t.path, &n);
    assert_int_equal(n, 24 + 16 + f.caplen + 3);
    assert_int_equal(le32(b), 0xa1b23c4du);
    assert_memory_equal(b + 40, buf, f.caplen);
    assert_memory_equal(b + n - 3, "END", 3);
    free(b);
    unlink(t.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_links),
        cmocka_unit_test(test_snaplen_cut),
        cmocka_unit_test(test_dlt_numbers),
        cmocka_unit_test(test_create_dlt),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_write_error_dev_full),
        cmocka_unit_test(test_stdout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
