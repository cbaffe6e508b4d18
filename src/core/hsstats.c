/* hsstats.c: handshake statistics for the summary: log-linear histograms
 * of the two handshake halves, retransmission counts, refused ports. */
#include "hsstats.h"

#include "tracker.h"

/* Index of the highest set bit of v (v > 0). */
static unsigned top_bit(uint64_t v)
{
    unsigned e = 0;
    while (v >>= 1)
        e++;
    return e;
}

size_t hist_bucket(uint64_t v)
{
    unsigned e, shift;
    uint64_t sub;
    if (v < HIST_EXACT)
        return (size_t)v;
    if (v > HIST_VALUE_MAX)
        v = HIST_VALUE_MAX;
    e = top_bit(v);                    /* 6 .. HIST_MAX_EXP */
    shift = e - HIST_SUB_BITS;
    sub = (v >> shift) - HIST_SUB;     /* 0 .. 31: the 5 bits below the top one */
    return HIST_EXACT + (size_t)(e - HIST_SUB_BITS - 1u) * HIST_SUB + (size_t)sub;
}

uint64_t hist_bucket_high(size_t b)
{
    size_t octave, sub;
    unsigned shift;
    if (b < HIST_EXACT)
        return (uint64_t)b;
    if (b >= HIST_BUCKETS)
        b = HIST_BUCKETS - 1;
    octave = (b - HIST_EXACT) / HIST_SUB;  /* 0 for [64, 128) */
    sub = (b - HIST_EXACT) % HIST_SUB;
    shift = (unsigned)octave + 1u;         /* bucket width 2^shift */
    return (((uint64_t)HIST_SUB + sub + 1u) << shift) - 1u;
}

void hist_add(struct hist *h, uint64_t v)
{
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (h->count == 0 || v > h->max)
        h->max = v;
    if (h->count < HIST_KEEP)
        h->kept[h->count] = v;
    h->count++;
    h->bucket[hist_bucket(v)]++;
}

/* The rank-th smallest (1-based) of the kept samples: insertion sort of a
 * copy, at most HIST_KEEP values. */
static uint64_t kept_rank(const struct hist *h, uint64_t rank)
{
    uint64_t v[HIST_KEEP];
    size_t n = (size_t)h->count, i, j;
    for (i = 0; i < n; i++) {
        uint64_t x = h->kept[i];
        for (j = i; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    return v[rank - 1];
}

uint64_t hist_percentile(const struct hist *h, unsigned permille)
{
    uint64_t rank, seen = 0, v;
    size_t b;
    if (h->count == 0)
        return 0;
    if (permille >= 1000)
        return h->max;
    /* Nearest rank: the smallest sample with at least p of them at or below
     * it; rank = ceil(count * p / 1000), at least 1. */
    rank = (h->count / 1000u) * permille + ((h->count % 1000u) * permille + 999u) / 1000u;
    if (rank == 0)
        rank = 1;
    if (h->count <= HIST_KEEP)
        return kept_rank(h, rank);
    for (b = 0; b < HIST_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= rank)
            break;
    }
    v = hist_bucket_high(b < HIST_BUCKETS ? b : HIST_BUCKETS - 1);
    if (v > h->max)
        v = h->max;
    if (v < h->min)
        v = h->min;
    return v;
}

void hsstats_add_conn(struct hs_summary *s, const struct conn *c)
{
    int64_t a = conn_rtt_syn_synack_us(c), b = conn_rtt_synack_ack_us(c);
    if (a >= 0)
        hist_add(&s->syn_synack, (uint64_t)a);
    if (b >= 0)
        hist_add(&s->synack_ack, (uint64_t)b);
    if (c->syn_retransmits) {
        s->syn_retransmits += c->syn_retransmits;
        s->syn_retransmit_conns++;
    }
    if (c->synack_retransmits) {
        s->synack_retransmits += c->synack_retransmits;
        s->synack_retransmit_conns++;
    }
    if (c->outcome == HS_REFUSED) {
        uint32_t *n = &s->refused_port[c->ep[TRK_SERVER].port];
        s->refused++;
        if (*n != UINT32_MAX)
            (*n)++;
    }
}

size_t hsstats_top_refused(const struct hs_summary *s, struct hs_port_count *out, size_t n)
{
    size_t k = 0, i;
    uint32_t p;
    if (s->refused == 0)
        return 0;
    /* One pass with a small insertion-sorted list: O(65536 * n). */
    for (p = 0; p < HS_PORTS; p++) {
        uint64_t cnt = s->refused_port[p];
        if (cnt == 0)
            continue;
        if (k == n && (n == 0 || cnt <= out[n - 1].count))
            continue; /* ties keep the lower port, seen first */
        i = k < n ? k++ : n - 1;
        while (i > 0 && out[i - 1].count < cnt) {
            out[i] = out[i - 1];
            i--;
        }
        out[i].port = (uint16_t)p;
        out[i].count = cnt;
    }
    return k;
}
