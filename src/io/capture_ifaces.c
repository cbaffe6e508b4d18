/* capture_ifaces.c: `tcpshake -D`, the interfaces libpcap can capture on,
 * printed as tcpdump -D prints them (issue 12). */
#include <stdbool.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "capture.h"

/* tcpdump's format (tcpdump.c, show_devices_and_exit): "N.name
 * (description) [Up, Running, Loopback, Wireless, and the connection
 * status]", "[none]" when only a status that does not apply is set. */
int capture_list_interfaces(FILE *out, char errbuf[ERRBUF_SIZE])
{
    static const struct {
        bpf_u_int32 bit;
        const char *name;
    } status_flags[] = {
        { PCAP_IF_UP, "Up" },
        { PCAP_IF_RUNNING, "Running" },
        { PCAP_IF_LOOPBACK, "Loopback" },
        { PCAP_IF_WIRELESS, "Wireless" },
    };
    static const struct {
        bpf_u_int32 status;
        bool wireless;
        const char *words;
    } status_words[] = {
        { PCAP_IF_CONNECTION_STATUS_UNKNOWN, true, "Association status unknown" },
        { PCAP_IF_CONNECTION_STATUS_CONNECTED, true, "Associated" },
        { PCAP_IF_CONNECTION_STATUS_DISCONNECTED, true, "Not associated" },
        { PCAP_IF_CONNECTION_STATUS_UNKNOWN, false, "Connection status unknown" },
        { PCAP_IF_CONNECTION_STATUS_CONNECTED, false, "Connected" },
        { PCAP_IF_CONNECTION_STATUS_DISCONNECTED, false, "Disconnected" },
    };
    char pe[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL, *d;
    int n = 0;
    pe[0] = '\0';
    if (pcap_findalldevs(&all, pe) != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot list interfaces: %s", pe);
        return -1;
    }
    for (d = all; d; d = d->next) {
        fprintf(out, "%d.%s", ++n, d->name);
        if (d->description)
            fprintf(out, " (%s)", d->description);
        if (d->flags) {
            bool any = false;
            size_t i;
            bpf_u_int32 st = d->flags & PCAP_IF_CONNECTION_STATUS;
            fputs(" [", out);
            for (i = 0; i < sizeof(status_flags) / sizeof(status_flags[0]); i++) {
                if (d->flags & status_flags[i].bit) {
                    fprintf(out, "%s%s", any ? ", " : "", status_flags[i].name);
                    any = true;
                }
            }
            if (!any)
                fputs("none", out);
            /* The connection status, in words that depend on the kind
             * of link; "not applicable" says nothing. */
            for (i = 0; i < sizeof(status_words) / sizeof(status_words[0]); i++)
                if (status_words[i].status == st &&
                    status_words[i].wireless == ((d->flags & PCAP_IF_WIRELESS) != 0))
                    fprintf(out, ", %s", status_words[i].words);
            fputc(']', out);
        }
        fputc('\n', out);
    }
    pcap_freealldevs(all);
    if (n == 0) {
        snprintf(errbuf, ERRBUF_SIZE, "no interfaces found (a capture may need root or "
                                      "CAP_NET_RAW to see them)");
        return -1;
    }
    return 0;
}

