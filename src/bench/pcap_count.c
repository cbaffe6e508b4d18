/* pcap_count.c: tcpshake-pcapcount, the benchmark's floor: a bare libpcap
 * loop (pcap_dispatch) over a capture file that only counts packets and
 * bytes. What tcpshake reads faster than this it cannot read; scripts/bench
 * quotes every tool's packet rate as a ratio to it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

struct counts {
    uint64_t packets, bytes;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct counts *c = (struct counts *)user;
    (void)data;
    c->packets++;
    c->bytes += h->caplen;
}

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct counts c = { 0, 0 };
    pcap_t *p;
    int rc;

    if (argc != 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc == 2 ? stdout : stderr,
                "usage: tcpshake-pcapcount FILE\n"
                "Counts the packets of a pcap/pcapng file with a bare pcap_dispatch loop\n"
                "(the benchmark baseline); prints \"PACKETS BYTES\".\n");
        return argc == 2 ? 0 : 2;
    }
    errbuf[0] = '\0';
    /* The same open call as tcpshake read, so both pay the same per-packet
     * timestamp handling. */
    p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        fprintf(stderr, "tcpshake-pcapcount: %s\n", errbuf);
        return 1;
    }
    do
        rc = pcap_dispatch(p, -1, on_packet, (u_char *)&c);
    while (rc > 0);
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "tcpshake-pcapcount: %s\n", pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("%llu %llu\n", (unsigned long long)c.packets, (unsigned long long)c.bytes);
    return 0;
}
