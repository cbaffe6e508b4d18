/* pktfix.h: test fixtures: struct pkt values without bytes, and an event
 * log that records every tracker verdict, change and record. */
#ifndef TCPSHAKE_PKTFIX_H
#define TCPSHAKE_PKTFIX_H

#include <stdint.h>

#include "decode.h"
#include "tracker.h"

/* A decoded segment at t_ms milliseconds (after a fixed epoch). Addresses
 * are text ("10.0.0.1", "::1"). Flags are TH_*; invalid combinations get
 * PKT_ANOM_FLAGS_INVALID as the decoder would set it. */
struct pkt pkt_make(uint64_t t_ms, const char *src, uint16_t sport, const char *dst,
                    uint16_t dport, uint16_t flags, uint32_t seq, uint32_t ack);
struct pkt pkt_data(uint64_t t_ms, const char *src, uint16_t sport, const char *dst,
                    uint16_t dport, uint16_t flags, uint32_t seq, uint32_t ack,
                    uint32_t payload_len);

#define PKTFIX_EPOCH_NS 1704067200000000000ULL /* 2024-01-01T00:00:00Z */
#define EVLOG_MAX 256

struct evlog_entry {
    char text[96];
};

/* Every event as a line of text, e.g. "c1 client CLOSED>SYN_SENT",
 * "c1 end finished complete closed", "c1 timer server SYN_RECV>CLOSED". */
struct evlog {
    struct evlog_entry e[EVLOG_MAX];
    int n;
};

struct trk_sink evlog_sink(struct evlog *log);
/* Feed p; log its changes; emit the record if the segment ended it. Returns
 * the verdict's notes. */
uint16_t evlog_feed(struct evlog *log, struct tracker *t, const struct pkt *p);
/* The log joined with "; " (static buffer). */
const char *evlog_join(const struct evlog *log);
void evlog_clear(struct evlog *log);

#endif
