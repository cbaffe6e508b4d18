/* demo_lo.c: the demo's live capture on lo (libpcap, immediate mode, "tcp port P"). */
/* libpcap directly rather than capture.h: the demo needs the selectable fd
 * to wait on the capture and a socket at once, in one thread. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "demo_int.h"

#define LO_DEVICE "lo"
/* Handshake, data and close segments are small; 64 KiB covers lo's MTU. */
#define LO_SNAPLEN 65535
/* Plenty for one connection's segments. */
#define LO_BUFFER_BYTES (2 * 1024 * 1024)

struct demo_lo {
    pcap_t *pc;
    int fd;
    int dlt;
};

static void lo_handler(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct demo *d = (struct demo *)user;
    struct frame f;
    struct demo_seg s;

    f.data = bytes;
    f.caplen = h->caplen;
    f.wirelen = h->len;
    /* Nanosecond precision was requested: tv_usec holds nanoseconds. */
    f.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
    demo__parse(bytes, h->caplen, &s);
    demo__report_frame(d, &f, d->lo->dlt, &s);
}

int demo__lo_open(struct demo *d)
{
    char perr[PCAP_ERRBUF_SIZE], filter[32];
    struct bpf_program prog;
    struct demo_lo *lo;
    int r;

    lo = calloc(1, sizeof(*lo));
    if (!lo)
        return demo__fail(d, DEMO_ERR_CAPTURE, ENOMEM, "out of memory");
    lo->fd = -1;
    d->lo = lo;
    perr[0] = '\0';
    lo->pc = pcap_create(LO_DEVICE, perr);
    if (!lo->pc)
        return demo__fail(d, DEMO_ERR_CAPTURE, 0, "capture on %s: %s", LO_DEVICE, perr);
    pcap_set_snaplen(lo->pc, LO_SNAPLEN);
    pcap_set_buffer_size(lo->pc, LO_BUFFER_BYTES);
    /* Each segment as soon as it is seen: the report interleaves segments
     * with system calls, so batching would reorder the story. */
    pcap_set_immediate_mode(lo->pc, 1);
    pcap_set_tstamp_precision(lo->pc, PCAP_TSTAMP_PRECISION_NANO);
    r = pcap_activate(lo->pc);
    if (r < 0) {
        const char *why = r == PCAP_ERROR ? pcap_geterr(lo->pc) : pcap_statustostr(r);
        if (r == PCAP_ERROR_PERM_DENIED)
            return demo__fail(d, DEMO_ERR_PRIV, EPERM,
                              "needs root or CAP_NET_RAW+CAP_NET_ADMIN: capture on %s: %s",
                              LO_DEVICE, why);
        return demo__fail(d, DEMO_ERR_CAPTURE, 0, "capture on %s: %s", LO_DEVICE, why);
    }
    /* r > 0 is a warning (e.g. no nanosecond stamps): carry on. */
    snprintf(filter, sizeof(filter), "tcp port %u", d->port);
    if (pcap_compile(lo->pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
        return demo__fail(d, DEMO_ERR_CAPTURE, 0, "capture filter \"%s\": %s", filter,
                          pcap_geterr(lo->pc));
    r = pcap_setfilter(lo->pc, &prog);
    pcap_freecode(&prog);
    if (r < 0)
        return demo__fail(d, DEMO_ERR_CAPTURE, 0, "capture filter \"%s\": %s", filter,
                          pcap_geterr(lo->pc));
    if (pcap_setnonblock(lo->pc, 1, perr) < 0)
        return demo__fail(d, DEMO_ERR_CAPTURE, 0, "capture on %s: %s", LO_DEVICE, perr);
    lo->fd = pcap_get_selectable_fd(lo->pc);
    if (lo->fd < 0)
        return demo__fail(d, DEMO_ERR_CAPTURE, 0, "capture on %s: no selectable fd", LO_DEVICE);
    lo->dlt = pcap_datalink(lo->pc);
    demo__say(d, "capture opened on %s, filter \"%s\", immediate mode", LO_DEVICE, filter);
    return 0;
}

void demo__lo_close(struct demo *d)
{
    if (!d->lo)
        return;
    if (d->lo->pc)
        pcap_close(d->lo->pc);
    free(d->lo);
    d->lo = NULL;
}

bool demo__lo_pending(const struct demo *d)
{
    struct pollfd p = {.fd = d->lo->fd, .events = POLLIN};
    int r = poll(&p, 1, 0);
    return r != 0;
}

int demo__lo_pump(struct demo *d, int fd, short events, int timeout_ms, bool *ready)
{
    struct pollfd p[2];
    int n = 0, got, pr;

    *ready = false;
    if (d->lo) {
        p[n].fd = d->lo->fd;
        p[n].events = POLLIN;
        p[n++].revents = 0;
    }
    if (fd >= 0) {
        p[n].fd = fd;
        p[n].events = events;
        p[n++].revents = 0;
    }
    pr = poll(p, (nfds_t)n, timeout_ms);
    if (pr < 0 && errno != EINTR)
        return demo__fail(d, DEMO_ERR_CAPTURE, errno, "poll: %s", strerror(errno));
    if (!d->lo)
        got = 0;
    else {
        /* Always read what is there, even if only fd woke us: the segments
         * that made fd ready are in the ring already (AF_PACKET sees them
         * before TCP does), and they come first in the story. */
        int i, r;
        got = 0;
        /* One call reads one ring block; a few blocks at most per pump. */
        for (i = 0; i < 16; i++) {
            r = pcap_dispatch(d->lo->pc, -1, lo_handler, (u_char *)d);
            if (r < 0)
                return demo__fail(d, DEMO_ERR_CAPTURE, 0, "capture on %s: %s", LO_DEVICE,
                                  pcap_geterr(d->lo->pc));
            if (r == 0)
                break;
            got += r;
        }
    }
    if (fd >= 0) {
        struct pollfd q = {.fd = fd, .events = events};
        *ready = poll(&q, 1, 0) > 0 && (q.revents & (events | POLLERR | POLLHUP));
    }
    return got;
}
