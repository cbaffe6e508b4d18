/* gen.h: internals of tcpshake-gen, the deterministic capture generator:
 * the segment emitter shared by the scenario tables and the bench/flood modes. */
#ifndef TCPSHAKE_GEN_H
#define TCPSHAKE_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "craft.h"
#include "linktype.h"
#include "netaddr.h"

/* Every capture starts at 2024-01-01T00:00:00Z (packet time). */
#define GEN_T0_NS (1704067200ull * 1000000000ull)
#define GEN_NS_PER_US 1000ull
#define GEN_NS_PER_MS 1000000ull
#define GEN_NS_PER_S 1000000000ull

/* Segment direction: from the connection's client (the side that sent, or
 * for mid-stream would have sent, the first SYN) or from its server. */
enum gen_dir { GEN_C2S = 0, GEN_S2C = 1 };

/* Option sets, as Linux 6.x sends them (tcp_syn_options/tcp_established_options). */
enum gen_opt {
    GEN_O_NONE,       /* RSTs, and stacks without timestamps */
    GEN_O_SYN,        /* mss, sackOK, TS, nop, wscale 7 */
    GEN_O_TS,         /* nop, nop, TS: every later segment */
    GEN_O_TFO_REQ,    /* SYN set + TFO cookie request (kind 34, len 2) */
    GEN_O_TFO_COOKIE, /* SYN set + TFO with an 8-byte cookie */
    GEN_O_SYN_NOTS,   /* mss, nop, nop, sackOK, nop, wscale 7: net.ipv4.tcp_timestamps=0 */
    GEN_O_TS_FORGED,  /* nop, nop, TS with an injector's values: a TSval of its own and a
                         TSecr that echoes nothing the peer sent (RST injection) */
};

/* One TCP connection: fixed facts plus the little running state the emitter
 * needs for realistic fields (TS echo, IP ids). Index [GEN_C2S] = client. */
struct gen_conn {
    struct ip_addr addr[2];
    uint16_t port[2];
    uint32_t isn[2];
    uint32_t ts_base[2]; /* TSval at packet time GEN_T0_NS, 1 kHz clock */
    uint32_t ts_last[2]; /* last TSval sent, echoed by the peer */
    uint16_t ip_id[2];   /* next IPv4 id per sender */
    bool lo;             /* loopback: lo's MSS and windows */
};

/* Derive ts_base (from the addresses) and ip_id (from the ISNs), set `lo`. */
void gen_conn_init(struct gen_conn *c);

struct gen_out;

/* Open `path` for link type `lt` (snaplen 0 = the maximum). NULL + errbuf. */
struct gen_out *gen_out_open(const char *path, enum link_type lt, int snaplen,
                             char errbuf[ERRBUF_SIZE]);
/* Build and write one segment at absolute packet time t_ns; seq and ack are
 * absolute. 0, or -1 with errbuf. */
int gen_emit(struct gen_out *o, struct gen_conn *c, enum gen_dir dir, uint64_t t_ns,
             uint16_t flags, uint32_t seq, uint32_t ack, enum gen_opt opt,
             const uint8_t *data, uint32_t len, char errbuf[ERRBUF_SIZE]);
uint64_t gen_out_frames(const struct gen_out *o);
/* Flush and close; 0 or -1 with errbuf. Safe on NULL. */
int gen_out_close(struct gen_out *o, char errbuf[ERRBUF_SIZE]);

/* The scenario table (gen_scenarios.c). */
struct gen_scenario_info {
    const char *name;   /* file name without .pcap */
    const char *shows;  /* one line */
    const char *expect; /* expected outcome(s) */
};
size_t gen_scenario_count(void);
const struct gen_scenario_info *gen_scenario_info(size_t i);
/* Write scenario `name` to `path`. 0, 1 if unknown, -1 with errbuf. */
int gen_scenario_write(const char *name, const char *path, char errbuf[ERRBUF_SIZE]);

/* Bench and flood modes (gen_bench.c). Both also write PATH.truth.json. */
struct gen_bench_cfg {
    uint64_t connections;
    uint64_t seed;
    uint32_t rate;        /* new connections per second of packet time */
};
int gen_bench_write(const struct gen_bench_cfg *cfg, const char *path, char errbuf[ERRBUF_SIZE]);
int gen_synflood_write(uint64_t count, uint64_t seed, const char *path, char errbuf[ERRBUF_SIZE]);
/* The same, each SYN sent again `rtx` times, 1 s, 3 s, 7 s, ... after the
 * first (Linux's backoff), all in time order. */
int gen_synflood_rtx_write(uint64_t count, uint64_t seed, unsigned rtx, const char *path,
                           char errbuf[ERRBUF_SIZE]);

/* splitmix64: small, seedable, good enough for traffic mixes. */
static inline uint64_t gen_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static inline uint64_t gen_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
    return lo + gen_rand(s) % (hi - lo + 1);
}

#endif
