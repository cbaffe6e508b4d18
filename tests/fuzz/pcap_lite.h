/* pcap_lite.h: a minimal pure reader of pcap and pcapng byte streams for the
 * pipeline harness (fuzzers link only the core, no libpcap). It follows
 * libpcap where that matters to the core: records longer than
 * CFG_MAX_FRAME, bad block lengths and a second link type end the stream
 * with an error; records are handed over as stored (caplen may exceed the
 * snap length and wirelen may be smaller than caplen: the core must cope). */
#ifndef TCPSHAKE_PCAP_LITE_H
#define TCPSHAKE_PCAP_LITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define PCAP_LITE_MAX_IF 8

struct pcap_lite {
    const uint8_t *p;
    size_t left;
    bool ng;              /* pcapng */
    bool swapped;         /* other byte order than little-endian */
    bool nano;            /* pcap: nanosecond timestamps */
    int linktype;         /* LINKTYPE_ number of the (first) interface, -1 none yet */
    uint32_t nif;
    uint8_t tsresol[PCAP_LITE_MAX_IF]; /* pcapng if_tsresol per interface */
    const char *error;    /* why the stream ended early, NULL at a clean end */
};

/* 0, or -1 if the bytes do not start with a pcap or pcapng header. */
int pcap_lite_open(struct pcap_lite *r, const uint8_t *data, size_t size);
/* 1 with a frame (data points into the input), 0 at the end, -1 on a
 * damaged or cut stream (r->error says why). */
int pcap_lite_next(struct pcap_lite *r, struct frame *out);

#endif
