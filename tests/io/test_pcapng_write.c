/* test_pcapng_write.c: pcapfile writes pcapng for a .pcapng name; real
 * libpcap reads it back (link type, lengths, nanosecond timestamps), and
 * tshark, when installed, shows the packet comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapfile.h"

static void test_roundtrip_through_libpcap(void **state)
{
    char path[] = "/tmp/tcpshake-test-XXXXXX.pcapng";
    char errbuf[ERRBUF_SIZE], pe[PCAP_ERRBUF_SIZE];
    uint8_t d1[60], d2[3] = { 9, 8, 7 };
    struct frame f1 = { d1, 60, 60, 1704067200123456789ULL };
    struct frame f2 = { d2, 3, 1500, 1704067201000000001ULL };
    struct pcap_pkthdr *h;
    const u_char *data;
    struct pcapfile *w;
    pcap_t *p;
    int fd = mkstemps(path, 7);
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    memset(d1, 0x42, sizeof(d1));
    w = pcapfile_create_iface(path, DLT_EN10MB, 0, "lo", errbuf);
    assert_non_null(w);
    assert_true(pcapfile_is_pcapng(w));
    assert_int_equal(pcapfile_write_comment(w, &f1, "tcpshake #1: client CLOSED->SYN_SENT"), 0);
    assert_int_equal(pcapfile_write(w, &f2), 0);
    assert_int_equal(pcapfile_close(w, errbuf), 0);

    p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, pe);
    assert_non_null(p);
    assert_int_equal(pcap_datalink(p), DLT_EN10MB);
    assert_int_equal(pcap_next_ex(p, &h, &data), 1);
    assert_int_equal(h->caplen, 60);
    assert_int_equal(h->ts.tv_sec, 1704067200);
    assert_int_equal(h->ts.tv_usec, 123456789); /* nanoseconds */
    assert_memory_equal(data, d1, 60);
    assert_int_equal(pcap_next_ex(p, &h, &data), 1);
    assert_int_equal(h->caplen, 3);
    assert_int_equal(h->len, 1500);
    assert_int_equal(pcap_next_ex(p, &h, &data), -2);
    pcap_close(p);

    if (system("command -v tshark >/dev/null 2>&1") == 0) {
        char cmd[512], line[256] = "";
        FILE *t;
        snprintf(cmd, sizeof(cmd), "tshark -r %s -T fields -e frame.comment 2>/dev/null", path);
        t = popen(cmd, "r");
        assert_non_null(t);
        assert_non_null(fgets(line, sizeof(line), t));
        pclose(t);
        assert_non_null(strstr(line, "tcpshake #1: client CLOSED->SYN_SENT"));
    }
    unlink(path);
}

static void test_pcap_name_still_writes_pcap(void **state)
{
    char path[] = "/tmp/tcpshake-test-XXXXXX.pcap";
    char errbuf[ERRBUF_SIZE];
    struct pcapfile *w;
    int fd = mkstemps(path, 5);
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    w = pcapfile_create_iface(path, DLT_EN10MB, 0, "lo", errbuf);
    assert_non_null(w);
    assert_false(pcapfile_is_pcapng(w));
    assert_int_equal(pcapfile_close(w, errbuf), 0);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_through_libpcap),
        cmocka_unit_test(test_pcap_name_still_writes_pcap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
