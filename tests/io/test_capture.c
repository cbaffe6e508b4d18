/* test_capture.c: offline capture through real libpcap: files written with
 * pcap_open_dead + pcap_dump (and hand-made pcapng bytes) in a temporary
 * directory, read back with capture_open/capture_next; every failure kind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "capture.h"

static char tmpdir[256];

/* Ethernet + IPv4 + TCP SYN 10.0.0.1:40000 -> 10.0.0.2:80 (checksums 0). */
static const uint8_t syn_frame[54] = {
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
    10, 0, 0, 1, 10, 0, 0, 2,
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
    0x50, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
};
/* Ethernet + ARP request (not TCP). */
static const uint8_t arp_frame[42] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
};

struct tframe {
    const uint8_t *data;
    uint32_t caplen, wirelen;
    long sec, frac; /* frac in the file's precision */
};

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmpdir, name);
}

/* Write a pcap file through libpcap's own writer. */
static void write_pcap(const char *path, int dlt, int precision, const struct tframe *f, int n)
{
    pcap_t *p = pcap_open_dead_with_tstamp_precision(dlt, 65535, (u_int)precision);
    pcap_dumper_t *d;
    int i;
    assert_non_null(p);
    d = pcap_dump_open(p, path);
    assert_non_null(d);
    for (i = 0; i < n; i++) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        h.ts.tv_sec = f[i].sec;
        h.ts.tv_usec = f[i].frac;
        h.caplen = f[i].caplen;
        h.len = f[i].wirelen;
        pcap_dump((u_char *)d, &h, f[i].data);
    }
    pcap_dump_close(d);
    pcap_close(p);
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static long file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return (long)sb.st_size;
}

static struct capture *open_ok(const char *path, const char *bpf)
{
    struct capture_cfg cfg;
    enum capture_err err = CAPTURE_ERR_READ;
    char errbuf[ERRBUF_SIZE];
    struct capture *c;
    memset(&cfg, 0, sizeof(cfg));
    cfg.path = path;
    cfg.bpf = bpf;
    c = capture_open(&cfg, &err, errbuf);
    if (!c)
        fail_msg("capture_open(%s): %s", path, errbuf);
    assert_int_equal(err, CAPTURE_ERR_NONE);
    return c;
}

static enum capture_err open_fails(const char *path, const char *bpf, char *errbuf)
{
    struct capture_cfg cfg;
    enum capture_err err = CAPTURE_ERR_NONE;
    memset(&cfg, 0, sizeof(cfg));
    cfg.path = path;
    cfg.bpf = bpf;
    assert_null(capture_open(&cfg, &err, errbuf));
    assert_int_not_equal(err, CAPTURE_ERR_NONE);
    /* One line, no trailing newline. */
    assert_true(errbuf[0] != '\0');
    assert_null(strchr(errbuf, '\n'));
    return err;
}

static void expect_frame(struct capture *c, const uint8_t *data, uint32_t caplen,
                         uint32_t wirelen, uint64_t ts_ns)
{
    struct frame f;
    enum capture_err err;
    char errbuf[ERRBUF_SIZE];
    assert_int_equal(capture_next(c, &f, &err, errbuf), CAPTURE_FRAME);
    assert_int_equal(f.caplen, caplen);
    assert_int_equal(f.wirelen, wirelen);
    assert_memory_equal(f.data, data, caplen);
    assert_true(f.ts_ns == ts_ns);
}

static void expect_eof(struct capture *c)
{
    struct frame f;
    enum capture_err err;
    char errbuf[ERRBUF_SIZE];
    assert_int_equal(capture_next(c, &f, &err, errbuf), CAPTURE_EOF);
    assert_int_equal(err, CAPTURE_ERR_NONE);
}

static void test_pcap_nano_roundtrip(void **state)
{
    char path[512];
    struct capture *c;
    const struct tframe fr[3] = {
        { syn_frame, sizeof(syn_frame), sizeof(syn_frame), 1704067200, 123456789 },
        { arp_frame, sizeof(arp_frame), 60, 1704067200, 999999999 },
        { syn_frame, 20, sizeof(syn_frame), 1704067201, 1 },
    };
    (void)state;
    path_of(path, sizeof(path), "nano.pcap");
    write_pcap(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_NANO, fr, 3);
    c = open_ok(path, NULL);
    assert_int_equal(capture_link_type(c), LINK_ETHERNET);
    assert_int_equal(capture_dlt(c), DLT_EN10MB);
    assert_int_equal(capture_snaplen(c), 65535);
    assert_int_equal(capture_file_offset(c), 24); /* the file header */
    expect_frame(c, syn_frame, 54, 54, 1704067200123456789ull);
    assert_int_equal(capture_file_offset(c), 24 + 16 + 54);
    expect_frame(c, arp_frame, 42, 60, 1704067200999999999ull);
    expect_frame(c, syn_frame, 20, 54, 1704067201000000001ull);
    expect_eof(c);
    expect_eof(c); /* stays at the end */
    capture_close(c);
}

static void test_pcap_micro_raw(void **state)
{
    char path[512];
    struct capture *c;
    uint64_t rx, dr, ifdr;
    const struct tframe fr[1] = { { syn_frame + 14, 40, 40, 1704067200, 123 } };
    (void)state;
    path_of(path, sizeof(path), "micro-raw.pcap");
    /* libpcap writes LINKTYPE_RAW (101) for DLT_RAW and maps it back. */
    write_pcap(path, DLT_RAW, PCAP_TSTAMP_PRECISION_MICRO, fr, 1);
    c = open_ok(path, NULL);
    assert_int_equal(capture_link_type(c), LINK_RAW);
    expect_frame(c, syn_frame + 14, 40, 40, 1704067200000123000ull);
    expect_eof(c);
    assert_int_equal(capture_stats(c, &rx, &dr, &ifdr), -1); /* offline: no counters */
    capture_close(c);
}

static void test_link_types_in_files(void **state)
{
    static const struct {
        int dlt;
        enum link_type lt;
    } cases[] = {
        { DLT_NULL, LINK_NULL_BSD }, { DLT_EN10MB, LINK_ETHERNET },
        { DLT_LINUX_SLL, LINK_LINUX_SLL }, { 276, LINK_LINUX_SLL2 },
        { 108, LINK_LOOP }, { DLT_RAW, LINK_RAW }, { 228, LINK_IPV4 }, { 229, LINK_IPV6 },
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[512], name[32];
        struct capture *c;
        const struct tframe fr[1] = { { syn_frame, 20, 20, 1, 0 } };
        snprintf(name, sizeof(name), "lt%d.pcap", cases[i].dlt);
        path_of(path, sizeof(path), name);
        write_pcap(path, cases[i].dlt, PCAP_TSTAMP_PRECISION_MICRO, fr, 1);
        c = open_ok(path, NULL);
        assert_int_equal(capture_link_type(c), cases[i].lt);
        capture_close(c);
    }
}

static void test_map_dlt(void **state)
{
    (void)state;
    assert_int_equal(capture_map_dlt(1), LINK_ETHERNET);
    assert_int_equal(capture_map_dlt(113), LINK_LINUX_SLL);
    assert_int_equal(capture_map_dlt(276), LINK_LINUX_SLL2);
    assert_int_equal(capture_map_dlt(0), LINK_NULL_BSD);
    assert_int_equal(capture_map_dlt(108), LINK_LOOP);
    assert_int_equal(capture_map_dlt(DLT_LOOP), LINK_LOOP);
    assert_int_equal(capture_map_dlt(DLT_RAW), LINK_RAW);
    assert_int_equal(capture_map_dlt(14), LINK_RAW);
    assert_int_equal(capture_map_dlt(101), LINK_RAW);
    assert_int_equal(capture_map_dlt(228), LINK_IPV4);
    assert_int_equal(capture_map_dlt(229), LINK_IPV6);
    assert_int_equal(capture_map_dlt(147), LINK_UNKNOWN);
    assert_int_equal(capture_map_dlt(105), LINK_UNKNOWN); /* 802.11 */
    assert_int_equal(capture_map_dlt(-1), LINK_UNKNOWN);
#if DLT_RAW == 12
    assert_int_equal(capture_map_dlt(12), LINK_RAW);
#endif
}

static void test_err_names(void **state)
{
    (void)state;
    assert_string_equal(capture_err_name(CAPTURE_ERR_NONE), "ok");
    assert_string_equal(capture_err_name(CAPTURE_ERR_TRUNCATED), "truncated capture");
    assert_string_equal(capture_err_name(CAPTURE_ERR_READ), "read error");
    assert_string_equal(capture_err_name((enum capture_err)99), "?");
}

/* Cut `cut` bytes off the end: the good frames come first, then TRUNCATED. */
static void truncated_case(const char *name, long cut)
{
    char path[512], errbuf[ERRBUF_SIZE];
    struct capture *c;
    struct frame f;
    enum capture_err err = CAPTURE_ERR_NONE;
    const struct tframe fr[3] = {
        { syn_frame, 54, 54, 100, 1 },
        { arp_frame, 42, 42, 100, 2 },
        { syn_frame, 54, 54, 100, 3 },
    };
    path_of(path, sizeof(path), name);
    write_pcap(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, fr, 3);
    assert_int_equal(truncate(path, file_size(path) - cut), 0);
    c = open_ok(path, NULL);
    expect_frame(c, syn_frame, 54, 54, 100000001000ull);
    expect_frame(c, arp_frame, 42, 42, 100000002000ull);
    errbuf[0] = '\0';
    assert_int_equal(capture_next(c, &f, &err, errbuf), CAPTURE_ERROR);
    assert_int_equal(err, CAPTURE_ERR_TRUNCATED);
    assert_non_null(strstr(errbuf, "truncated"));
    assert_non_null(strstr(errbuf, name));
    assert_null(strchr(errbuf, '\n'));
    capture_close(c);
}

static void test_truncated_in_data(void **state)
{
    (void)state;
    truncated_case("cut-data.pcap", 10); /* 44 of 54 data bytes left */
}

static void test_truncated_in_record_header(void **state)
{
    (void)state;
    truncated_case("cut-hdr.pcap", 54 + 8); /* 8 of 16 header bytes left */
}

/* A record claiming more bytes than the snapshot length: damaged, not cut. */
static void test_damaged_record(void **state)
{
    char path[512], errbuf[ERRBUF_SIZE];
    struct capture *c;
    struct frame f;
    enum capture_err err = CAPTURE_ERR_NONE;
    static const uint8_t huge[8] = { 0xe0, 0x93, 0x04, 0x00, 0xe0, 0x93, 0x04, 0x00 };
    const struct tframe fr[2] = { { syn_frame, 54, 54, 1, 0 }, { syn_frame, 54, 54, 2, 0 } };
    FILE *fp;
    (void)state;
    path_of(path, sizeof(path), "damaged.pcap");
    write_pcap(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, fr, 2);
    fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 24 + 16 + 54 + 8, SEEK_SET), 0); /* 2nd caplen, len */
    assert_int_equal(fwrite(huge, 1, 8, fp), 8);                /* 300000 */
    fclose(fp);
    c = open_ok(path, NULL);
    expect_frame(c, syn_frame, 54, 54, 1000000000ull);
    assert_int_equal(capture_next(c, &f, &err, errbuf), CAPTURE_ERROR);
    assert_int_equal(err, CAPTURE_ERR_READ);
    assert_non_null(strstr(errbuf, "damaged capture file"));
    capture_close(c);
}

static void test_truncated_file_header(void **state)
{
    char path[512], errbuf[ERRBUF_SIZE];
    static const uint8_t head[10] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0 };
    (void)state;
    path_of(path, sizeof(path), "cut-filehdr.pcap");
    write_bytes(path, head, sizeof(head));
    assert_int_equal(open_fails(path, NULL, errbuf), CAPTURE_ERR_TRUNCATED);
    assert_non_null(strstr(errbuf, "truncated"));
}

static void test_not_a_capture(void **state)
{
    char path[512], errbuf[ERRBUF_SIZE], want[600];
    (void)state;
    path_of(path, sizeof(path), "text.pcap");
    write_bytes(path, "hello, world\n", 13);
    assert_int_equal(open_fails(path, NULL, errbuf), CAPTURE_ERR_NOTCAPTURE);
    snprintf(want, sizeof(want), "%s: not a pcap or pcapng capture file", path);
    assert_string_equal(errbuf, want);

    path_of(path, sizeof(path), "short.pcap");
    write_bytes(path, "\xd4\xc3", 2);
    assert_int_equal(open_fails(path, NULL, errbuf), CAPTURE_ERR_NOTCAPTURE);

    path_of(path, sizeof(path), "empty.pcap");
    write_bytes(path, "", 0);
    assert_int_equal(open_fails(path, NULL, errbuf), CAPTURE_ERR_NOTCAPTURE);
    assert_non_null(strstr(errbuf, "not a pcap or pcapng capture file"));
}

static void test_missing_and_directory(void **state)
{
    char path[512], errbuf[ERRBUF_SIZE], want[600];
    (void)state;
    path_of(path, sizeof(path), "no-such-file.pcap");
    assert_int_equal(open_fails(path, NULL, errbuf), CAPTURE_ERR_NOFILE);
    snprintf(want, sizeof(want), "%s: No such file or directory", path);
    assert_string_equal(errbuf, want);

    assert_int_equal(open_fails(tmpdir, NULL, errbuf), CAPTURE_ERR_NOFILE);
    assert_non_null(strstr(errbuf, "directory"));
}

static void test_unknown_link_type(void **state)
{
    char path[512], errbuf[ERRBUF_SIZE];
    const struct tframe fr[1] = { { syn_frame, 20, 20, 1, 0 } };
    (void)state;
    path_of(path, sizeof(path), "user0.pcap");
    write_pcap(path, 147, PCAP_TSTAMP_PRECISION_MICRO, fr, 1);
    assert_int_equal(open_fails(path, NULL, errbuf), CAPTURE_ERR_LINKTYPE);
    assert_non_null(strstr(errbuf, "unsupported link type 147"));
}

static void test_bpf(void **state)
{
    char path[512], errbuf[ERRBUF_SIZE];
    struct capture *c;
    const struct tframe fr[3] = {
        { arp_frame, 42, 42, 1, 0 },
        { syn_frame, 54, 54, 2, 0 },
        { arp_frame, 42, 42, 3, 0 },
    };
    (void)state;
    path_of(path, sizeof(path), "bpf.pcap");
    write_pcap(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, fr, 3);

    assert_int_equal(open_fails(path, "tcp prt 80", errbuf), CAPTURE_ERR_BPF);
    assert_non_null(strstr(errbuf, "tcp prt 80"));
    assert_non_null(strstr(errbuf, "syntax error"));

    c = open_ok(path, "tcp port 80");
    expect_frame(c, syn_frame, 54, 54, 2000000000ull);
    expect_eof(c);
    capture_close(c);

    c = open_ok(path, "tcp port 81");
    expect_eof(c);
    capture_close(c);

    c = open_ok(path, ""); /* empty expression: no filter */
    expect_frame(c, arp_frame, 42, 42, 1000000000ull);
    capture_close(c);
}

static void test_breakloop(void **state)
{
    char path[512];
    struct capture *c;
    const struct tframe fr[2] = { { syn_frame, 54, 54, 1, 0 }, { syn_frame, 54, 54, 2, 0 } };
    (void)state;
    path_of(path, sizeof(path), "break.pcap");
    write_pcap(path, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, fr, 2);
    c = open_ok(path, NULL);
    expect_frame(c, syn_frame, 54, 54, 1000000000ull);
    capture_breakloop(c);
    expect_eof(c);
    capture_close(c);
}

/* pcapng blocks, little-endian. */
static size_t put32(uint8_t *b, size_t at, uint32_t v)
{
    b[at] = (uint8_t)v;
    b[at + 1] = (uint8_t)(v >> 8);
    b[at + 2] = (uint8_t)(v >> 16);
    b[at + 3] = (uint8_t)(v >> 24);
    return at + 4;
}

static size_t shb(uint8_t *b, size_t at)
{
    at = put32(b, at, 0x0a0d0d0a);
    at = put32(b, at, 28);
    at = put32(b, at, 0x1a2b3c4d);
    at = put32(b, at, 1);          /* major 1, minor 0 */
    at = put32(b, at, 0xffffffff); /* section length unknown */
    at = put32(b, at, 0xffffffff);
    return put32(b, at, 28);
}

/* Interface Description Block with if_tsresol = 9 (nanoseconds). */
static size_t idb(uint8_t *b, size_t at, uint16_t linktype)
{
    at = put32(b, at, 1);
    at = put32(b, at, 32);
    at = put32(b, at, linktype);   /* linktype, reserved 0 */
    at = put32(b, at, 65535);      /* snaplen */
    at = put32(b, at, 0x00010009); /* option 9 (if_tsresol), length 1 */
    at = put32(b, at, 9);          /* 10^-9, padded */
    at = put32(b, at, 0);          /* opt_endofopt */
    return put32(b, at, 32);
}

static size_t epb(uint8_t *b, size_t at, uint32_t ifid, uint64_t ts, const uint8_t *d,
                  uint32_t len)
{
    uint32_t padded = (len + 3u) & ~3u, total = 32 + padded;
    at = put32(b, at, 6);
    at = put32(b, at, total);
    at = put32(b, at, ifid);
    at = put32(b, at, (uint32_t)(ts >> 32));
    at = put32(b, at, (uint32_t)ts);
    at = put32(b, at, len);
    at = put32(b, at, len);
    memset(b + at, 0, padded);
    memcpy(b + at, d, len);
    at += padded;
    return put32(b, at, total);
}

static void test_pcapng(void **state)
{
    uint8_t buf[512];
    size_t n = 0;
    char path[512];
    struct capture *c;
    (void)state;
    n = shb(buf, n);
    n = idb(buf, n, 1);
    n = epb(buf, n, 0, 1704067200123456789ull, syn_frame, 54);
    n = epb(buf, n, 0, 1704067200123457000ull, arp_frame, 42);
    path_of(path, sizeof(path), "two.pcapng");
    write_bytes(path, buf, n);
    c = open_ok(path, "tcp");
    assert_int_equal(capture_link_type(c), LINK_ETHERNET);
    expect_frame(c, syn_frame, 54, 54, 1704067200123456789ull);
    expect_eof(c);
    capture_close(c);
}

/* Interfaces of different link types (issue 15): libpcap 1.10 stops at the
 * second IDB; pcapng_read.c reads on from there, each frame with its own
 * interface's link type, through the filter compiled for that link type. */
static void test_pcapng_mixed_link_types(void **state)
{
    uint8_t buf[512];
    size_t n = 0;
    char path[512];
    struct capture *c;
    (void)state;
    n = shb(buf, n);
    n = idb(buf, n, 1);
    n = epb(buf, n, 0, 1000, syn_frame, 54);
    n = idb(buf, n, 101);
    n = epb(buf, n, 1, 2000, syn_frame + 14, 40);
    n = epb(buf, n, 1, 2500, arp_frame, 42); /* not IP: the filter drops it */
    n = epb(buf, n, 0, 3000, syn_frame, 54);
    path_of(path, sizeof(path), "mixed.pcapng");
    write_bytes(path, buf, n);
    c = open_ok(path, "tcp");
    assert_int_equal(capture_link_type(c), LINK_ETHERNET); /* the first interface's */
    expect_frame(c, syn_frame, 54, 54, 1000);
    assert_int_equal(capture_frame_link_type(c), LINK_ETHERNET);
    expect_frame(c, syn_frame + 14, 40, 40, 2000);
    assert_int_equal(capture_frame_link_type(c), LINK_RAW);
    expect_frame(c, syn_frame, 54, 54, 3000);
    assert_int_equal(capture_frame_link_type(c), LINK_ETHERNET);
    expect_eof(c);
    assert_int_equal(capture_file_offset(c), (long long)n);
    capture_close(c);
}

/* Interface Description Block without options, of a given snap length. */
static size_t idb_snap(uint8_t *b, size_t at, uint32_t snaplen)
{
    at = put32(b, at, 1);
    at = put32(b, at, 20);
    at = put32(b, at, 1);
    at = put32(b, at, snaplen);
    return put32(b, at, 20);
}

/* Two Ethernet interfaces of different snap lengths, as dumpcap writes
 * them: every frame, each cut to its own interface's snap length. */
static void test_pcapng_snaplens(void **state)
{
    uint8_t buf[512];
    size_t n = 0;
    char path[512];
    struct capture *c;
    (void)state;
    n = shb(buf, n);
    n = idb_snap(buf, n, 65535);
    n = idb_snap(buf, n, 48);
    n = epb(buf, n, 0, 1000, syn_frame, 54);
    n = epb(buf, n, 1, 2000, syn_frame, 54);
    path_of(path, sizeof(path), "snaplens.pcapng");
    write_bytes(path, buf, n);
    c = open_ok(path, NULL);
    expect_frame(c, syn_frame, 54, 54, 1000000);   /* microseconds by default */
    expect_frame(c, syn_frame, 48, 54, 2000000);
    expect_eof(c);
    capture_close(c);
}

/* A section header and nothing else: an empty capture, as an empty pcap. */
static void test_pcapng_no_interface(void **state)
{
    uint8_t buf[64];
    char path[512];
    struct capture *c;
    (void)state;
    path_of(path, sizeof(path), "empty.pcapng");
    write_bytes(path, buf, shb(buf, 0));
    c = open_ok(path, "tcp");
    expect_eof(c);
    capture_close(c);
}

static int setup(void **state)
{
    const char *base = getenv("TMPDIR");
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "%s/tcpshake-capture-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[512];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_nano_roundtrip),
        cmocka_unit_test(test_pcap_micro_raw),
        cmocka_unit_test(test_link_types_in_files),
        cmocka_unit_test(test_map_dlt),
        cmocka_unit_test(test_err_names),
        cmocka_unit_test(test_truncated_in_data),
        cmocka_unit_test(test_truncated_in_record_header),
        cmocka_unit_test(test_truncated_file_header),
        cmocka_unit_test(test_damaged_record),
        cmocka_unit_test(test_not_a_capture),
        cmocka_unit_test(test_missing_and_directory),
        cmocka_unit_test(test_unknown_link_type),
        cmocka_unit_test(test_bpf),
        cmocka_unit_test(test_breakloop),
        cmocka_unit_test(test_pcapng),
        cmocka_unit_test(test_pcapng_mixed_link_types),
        cmocka_unit_test(test_pcapng_snaplens),
        cmocka_unit_test(test_pcapng_no_interface),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
