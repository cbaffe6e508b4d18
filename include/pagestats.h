/* pagestats.h: the bounded aggregates behind the --report page (issue 18):
 * what happened over time, in a fixed number of time buckets, and who was
 * involved, in a fixed number of heavy-hitter entries. Pure: packet time is
 * the only clock; one allocation at init, none afterwards.
 *
 * Time buckets: PS_BUCKETS buckets of equal width from the first packet's
 * time (t0). The first width is PS_BASE_NS; when an event falls beyond the
 * last bucket, adjacent buckets are merged pairwise (the width doubles)
 * until it fits, so memory is fixed and a bucket's numbers are always exact
 * sums (counts) or exact maxima (alive) of what fell into it. Percentiles
 * per bucket come from a coarse log histogram (struct chist): 8 buckets per
 * power of two, so a percentile is at most 1/8 (12.5 %) above the exact
 * nearest-rank value and never below it (hsstats.h uses the same idea with
 * 32 buckets for the whole-capture numbers). An event before t0 (a capture
 * whose times step back) counts in the first bucket.
 *
 * Heavy hitters (struct topk): the Space-Saving algorithm (Metwally,
 * Agrawal, El Abbadi, "Efficient computation of frequent and top-k elements
 * in data streams", ICDT 2005) with PS_TOPK entries: exact while there are
 * no more distinct keys than entries; beyond, a key's count is at most `err`
 * too high and every key counted more than total / PS_TOPK times is held. */
#ifndef TCPSHAKE_PAGESTATS_H
#define TCPSHAKE_PAGESTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "tracker.h"

/* ---- coarse histogram (microseconds) -------------------------------------- */

#define CH_SUB_BITS 3u                         /* 8 buckets per power of two */
#define CH_SUB (1u << CH_SUB_BITS)
#define CH_EXACT (2u * CH_SUB)                 /* values below 16 are exact */
#define CH_MAX_EXP 40u                         /* top octave [2^40, 2^41): 25 days */
#define CH_BUCKETS (CH_EXACT + (CH_MAX_EXP - CH_SUB_BITS) * CH_SUB)

struct chist {
    uint32_t count;                            /* saturates at UINT32_MAX */
    uint64_t min, max;                         /* exact; valid when count > 0 */
    uint32_t n[CH_BUCKETS];
};

size_t chist_bucket(uint64_t v);
/* The largest value bucket b holds. */
uint64_t chist_bucket_high(size_t b);
void chist_add(struct chist *h, uint64_t v);
/* dst += src (counts saturate). */
void chist_merge(struct chist *dst, const struct chist *src);
/* Nearest-rank percentile for permille p (1000 = max); 0 when empty. */
uint64_t chist_percentile(const struct chist *h, unsigned permille);

/* ---- time buckets ---------------------------------------------------------- */

#define PS_BUCKETS 256u           /* buckets kept (a power of two): the bins the
                                     page shows (PAGE_BINS_MAX), ~0.7 MiB */
#define PS_BASE_NS 1000u          /* the first width: 1 us, doubled at each merge */

/* Halves of the handshake (hsstats.h): SYN -> SYN+ACK, SYN+ACK -> ACK. */
enum ps_half { PS_SYN_SYNACK = 0, PS_SYNACK_ACK = 1 };

struct ps_bucket {
    uint64_t started[HS__COUNT];  /* connections that began here, by final outcome */
    uint64_t syn_rtx, synack_rtx; /* retransmissions, at their connection's last copy */
    uint64_t evicted, timed_out;  /* records emitted here for these reasons */
    uint64_t alive_max;           /* most connections alive at once in the bucket */
    uint64_t alive_last;          /* alive after the bucket's last change */
    bool touched;                 /* alive changed in the bucket */
    struct chist half[2];         /* handshake times (us) of connections begun here */
};

struct pagestats {
    bool have_t0;
    uint64_t t0_ns;               /* the first packet's time */
    uint64_t width_ns;            /* bucket width now */
    size_t used;                  /* buckets 0 .. used-1 hold the capture so far */
    uint64_t alive;               /* connections begun and not yet recorded */
    unsigned merges;              /* how often the width doubled */
    struct ps_bucket *b;          /* PS_BUCKETS entries */
};

/* 0, or -1 out of memory. */
int pagestats_init(struct pagestats *s);
void pagestats_free(struct pagestats *s);
/* The first packet's time (later calls are ignored). */
void pagestats_epoch(struct pagestats *s, uint64_t ts_ns);
/* The bucket of time ts_ns, merging buckets first if it lies beyond the
 * last one. Sets t0 when it is not set yet. */
size_t pagestats_slot(struct pagestats *s, uint64_t ts_ns);
/* A connection began (its first segment). */
void pagestats_conn_begin(struct pagestats *s, uint64_t ts_ns);
/* A connection's record: its outcome and handshake times are counted at
 * its first segment's time, retransmissions at their last copy's time, an
 * eviction or timeout at ts_ns (when the record was emitted). */
void pagestats_conn_end(struct pagestats *s, const struct conn *c, enum trk_end why,
                        uint64_t ts_ns);
/* Merge the buckets of [from, from + k) into *out (which it zeroes first):
 * counts add, alive_max is the largest, alive_last the latest. */
void pagestats_combine(const struct pagestats *s, size_t from, size_t k, struct ps_bucket *out);

/* ---- heavy hitters ---------------------------------------------------------- */

#define PS_TOPK 1024u             /* entries per table (~1.3 MiB for servers) */

struct topk_key {
    struct ip_addr addr;
    uint16_t port;                /* 0 when the key is an address alone */
};

struct topk_entry {
    struct topk_key key;
    uint64_t count;               /* estimated: at most err above the truth */
    uint64_t err;                 /* the count the entry inherited (0: exact) */
};

struct topk {
    size_t n;                     /* entries in use */
    uint64_t total;               /* every add */
    uint64_t replaced;            /* entries taken over by another key */
    struct topk_entry e[PS_TOPK];
    uint16_t heap[PS_TOPK];       /* entry indices, a min-heap by count */
    uint16_t pos[PS_TOPK];        /* heap position of each entry */
    int16_t slot[4 * PS_TOPK];    /* open addressing: entry index + 1, 0 empty */
};

void topk_init(struct topk *t);
/* Count `key` once. Returns its entry's index; *fresh is true when the
 * entry was (re)assigned to this key now, so the caller resets whatever it
 * keeps beside the entry (the entry inherits the evicted one's count). */
size_t topk_add(struct topk *t, const struct topk_key *key, bool *fresh);
/* Up to n entry indices, by count (most first), ties by key. */
size_t topk_sorted(const struct topk *t, size_t *idx, size_t n);

#endif
