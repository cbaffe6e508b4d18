/* hsstats.h: bounded handshake statistics for the end-of-run summary:
 * handshake-time percentiles (a log-linear histogram with a known error),
 * SYN and SYN+ACK retransmissions, refused connections per server port.
 * Pure; no allocation (the caller owns the struct; it is ~270 KiB, so
 * allocate it rather than putting it on the stack).
 *
 * Histogram: values are microseconds. 0..63 each have a bucket (exact).
 * Above, every power of two [2^e, 2^(e+1)) is cut into 32 equal buckets
 * (HdrHistogram's idea with 5 significant bits), up to 2^41 - 1 us (25
 * days); larger values land in the top bucket. A percentile is the upper
 * bound of the bucket holding the nearest-rank sample, clamped to the exact
 * minimum and maximum, so it is never below the true nearest-rank value
 * and at most 1/32 (3.125 %) above it. count, min and max are exact. The
 * first HIST_KEEP samples are also kept as they are: while there are no
 * more than that (a lesson, a debug session), percentiles are exact. */
#ifndef TCPSHAKE_HSSTATS_H
#define TCPSHAKE_HSSTATS_H

#include <stddef.h>
#include <stdint.h>

struct conn;

#define HIST_SUB_BITS 5u                       /* 32 buckets per power of two */
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_EXACT (2u * HIST_SUB)             /* values below 64 are exact */
#define HIST_MAX_EXP 40u                       /* top octave: [2^40, 2^41) */
#define HIST_BUCKETS (HIST_EXACT + (HIST_MAX_EXP - HIST_SUB_BITS) * HIST_SUB)
#define HIST_VALUE_MAX ((UINT64_C(1) << (HIST_MAX_EXP + 1)) - 1u)
#define HIST_KEEP 64u                          /* samples kept exactly */

struct hist {
    uint64_t count;
    uint64_t min, max;                         /* exact; valid when count > 0 */
    uint64_t kept[HIST_KEEP];                  /* the first HIST_KEEP samples */
    uint64_t bucket[HIST_BUCKETS];
};

/* Bucket of a value, and the largest value that bucket holds. */
size_t hist_bucket(uint64_t v);
uint64_t hist_bucket_high(size_t b);
void hist_add(struct hist *h, uint64_t v);
/* Nearest-rank percentile for permille p (500 = p50, 990 = p99, 1000 =
 * max): exact up to HIST_KEEP samples, then within the bound above. 0 when
 * the histogram is empty. */
uint64_t hist_percentile(const struct hist *h, unsigned permille);

#define HS_PORTS 65536u
#define HS_TOP_PORTS 5u                        /* refused ports in the summary */

struct hs_port_count {
    uint16_t port;
    uint64_t count;
};

struct hs_summary {
    struct hist syn_synack;                    /* us, last SYN -> first SYN+ACK */
    struct hist synack_ack;                    /* us, last SYN+ACK -> handshake ACK */
    uint64_t syn_retransmits, syn_retransmit_conns;
    uint64_t synack_retransmits, synack_retransmit_conns;
    uint64_t refused;
    uint32_t refused_port[HS_PORTS];           /* exact per port; saturates at 2^32-1 */
};

/* Count one connection record (call once per record). Cannot fail. */
void hsstats_add_conn(struct hs_summary *s, const struct conn *c);
/* The n most refused server ports, most first, ties by lower port number.
 * Returns how many were written (ports with a count only). */
size_t hsstats_top_refused(const struct hs_summary *s, struct hs_port_count *out, size_t n);

#endif
