/* pagestats.c: the --report page's bounded aggregates (pagestats.h): a
 * coarse log histogram, time buckets merged pairwise as the capture grows,
 * and Space-Saving heavy hitters. */
#include <stdlib.h>
#include <string.h>

#include "pagestats.h"

/* ---- coarse histogram -------------------------------------------------------- */

static unsigned top_bit(uint64_t v)
{
    unsigned e = 0;
    while (v >>= 1)
        e++;
    return e;
}

size_t chist_bucket(uint64_t v)
{
    unsigned e, shift;
    uint64_t vmax = (UINT64_C(1) << (CH_MAX_EXP + 1)) - 1u;
    if (v < CH_EXACT)
        return (size_t)v;
    if (v > vmax)
        v = vmax;
    e = top_bit(v); /* CH_SUB_BITS + 1 .. CH_MAX_EXP */
    shift = e - CH_SUB_BITS;
    return CH_EXACT + (size_t)(e - CH_SUB_BITS - 1u) * CH_SUB +
           (size_t)((v >> shift) - CH_SUB);
}

uint64_t chist_bucket_high(size_t b)
{
    size_t octave, sub;
    if (b < CH_EXACT)
        return (uint64_t)b;
    if (b >= CH_BUCKETS)
        b = CH_BUCKETS - 1;
    octave = (b - CH_EXACT) / CH_SUB;
    sub = (b - CH_EXACT) % CH_SUB;
    return (((uint64_t)CH_SUB + sub + 1u) << (octave + 1u)) - 1u;
}

static uint32_t sat_add32(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

void chist_add(struct chist *h, uint64_t v)
{
    size_t b = chist_bucket(v);
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (h->count == 0 || v > h->max)
        h->max = v;
    h->count = sat_add32(h->count, 1);
    h->n[b] = sat_add32(h->n[b], 1);
}

void chist_merge(struct chist *dst, const struct chist *src)
{
    size_t b;
    if (src->count == 0)
        return;
    if (dst->count == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->count == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->count = sat_add32(dst->count, src->count);
    for (b = 0; b < CH_BUCKETS; b++)
        dst->n[b] = sat_add32(dst->n[b], src->n[b]);
}

uint64_t chist_percentile(const struct chist *h, unsigned permille)
{
    uint64_t rank, seen = 0, v;
    size_t b;
    if (h->count == 0)
        return 0;
    if (permille >= 1000)
        return h->max;
    /* Nearest rank, as hist_percentile(): ceil(count * p / 1000), >= 1. The
     * counts of a saturated histogram may sum to less than count: the walk
     * then ends at the top bucket, clamped to max. */
    rank = ((uint64_t)h->count * permille + 999u) / 1000u;
    if (rank == 0)
        rank = 1;
    for (b = 0; b < CH_BUCKETS; b++) {
        seen += h->n[b];
        if (seen >= rank)
            break;
    }
    v = chist_bucket_high(b < CH_BUCKETS ? b : CH_BUCKETS - 1);
    if (v > h->max)
        v = h->max;
    if (v < h->min)
        v = h->min;
    return v;
}

/* ---- time buckets --------------------------------------------------------------- */

int pagestats_init(struct pagestats *s)
{
    memset(s, 0, sizeof(*s));
    s->width_ns = PS_BASE_NS;
    s->b = calloc(PS_BUCKETS, sizeof(*s->b));
    return s->b ? 0 : -1;
}

void pagestats_free(struct pagestats *s)
{
    free(s->b);
    s->b = NULL;
}

void pagestats_epoch(struct pagestats *s, uint64_t ts_ns)
{
    if (!s->have_t0) {
        s->have_t0 = true;
        s->t0_ns = ts_ns;
    }
}

/* dst (zeroed or holding the earlier bucket) += src, the later one. */
static void bucket_add(struct ps_bucket *dst, const struct ps_bucket *src)
{
    size_t i;
    for (i = 0; i < HS__COUNT; i++)
        dst->started[i] += src->started[i];
    dst->syn_rtx += src->syn_rtx;
    dst->synack_rtx += src->synack_rtx;
    dst->evicted += src->evicted;
    dst->timed_out += src->timed_out;
    if (src->alive_max > dst->alive_max)
        dst->alive_max = src->alive_max;
    if (src->touched) {
        dst->alive_last = src->alive_last;
        dst->touched = true;
    }
    chist_merge(&dst->half[0], &src->half[0]);
    chist_merge(&dst->half[1], &src->half[1]);
}

/* Double the width: bucket i becomes buckets 2i and 2i+1. Buckets from
 * `used` on are all zero, so only the used ones are touched: a far time
 * that needs many doublings at once costs little while few are used. */
static void merge_pairs(struct pagestats *s)
{
    size_t i, n = (s->used + 1) / 2;
    for (i = 0; i < n; i++) {
        struct ps_bucket m;
        memset(&m, 0, sizeof(m));
        bucket_add(&m, &s->b[2 * i]);
        bucket_add(&m, &s->b[2 * i + 1]);
        s->b[i] = m;
    }
    if (s->used > n)
        memset(&s->b[n], 0, (s->used - n) * sizeof(*s->b));
    s->used = n;
    s->width_ns *= 2;
    s->merges++;
}

size_t pagestats_slot(struct pagestats *s, uint64_t ts_ns)
{
    uint64_t off;
    size_t i;
    pagestats_epoch(s, ts_ns);
    if (ts_ns <= s->t0_ns)
        off = 0;
    else
        off = ts_ns - s->t0_ns;
    /* 2^64 ns is 584 years: the width cannot overflow before every time
     * fits (PS_BUCKETS * width >= 2^64 after at most 54 merges). */
    while (off / s->width_ns >= PS_BUCKETS)
        merge_pairs(s);
    i = (size_t)(off / s->width_ns);
    if (i + 1 > s->used)
        s->used = i + 1;
    return i;
}

static void alive_mark(struct pagestats *s, size_t i)
{
    struct ps_bucket *b = &s->b[i];
    if (s->alive > b->alive_max)
        b->alive_max = s->alive;
    b->alive_last = s->alive;
    b->touched = true;
}

void pagestats_conn_begin(struct pagestats *s, uint64_t ts_ns)
{
    size_t i = pagestats_slot(s, ts_ns);
    s->alive++;
    alive_mark(s, i);
}

void pagestats_conn_end(struct pagestats *s, const struct conn *c, enum trk_end why,
                        uint64_t ts_ns)
{
    size_t i;
    int64_t a = conn_rtt_syn_synack_us(c), b = conn_rtt_synack_ack_us(c);
    struct ps_bucket *k;

    /* The end first: a later time may merge buckets, and the indices of
     * earlier times are taken after it. */
    i = pagestats_slot(s, ts_ns);
    if (s->alive)
        s->alive--;
    alive_mark(s, i);
    if (why == TRK_END_EVICTED)
        s->b[i].evicted++;
    else if (why == TRK_END_TIMEOUT)
        s->b[i].timed_out++;

    k = &s->b[pagestats_slot(s, c->t_first_ns)];
    if (c->outcome < HS__COUNT)
        k->started[c->outcome]++;
    if (a >= 0)
        chist_add(&k->half[PS_SYN_SYNACK], (uint64_t)a);
    if (b >= 0)
        chist_add(&k->half[PS_SYNACK_ACK], (uint64_t)b);
    if (c->syn_retransmits)
        s->b[pagestats_slot(s, c->t_syn_last_ns)].syn_rtx += c->syn_retransmits;
    if (c->synack_retransmits)
        s->b[pagestats_slot(s, c->t_synack_last_ns)].synack_rtx += c->synack_retransmits;
}

void pagestats_combine(const struct pagestats *s, size_t from, size_t k, struct ps_bucket *out)
{
    size_t i;
    memset(out, 0, sizeof(*out));
    for (i = from; i < from + k && i < PS_BUCKETS; i++)
        bucket_add(out, &s->b[i]);
}

/* ---- heavy hitters ------------------------------------------------------------------ */

#define SLOTS (4u * PS_TOPK)

void topk_init(struct topk *t)
{
    memset(t, 0, sizeof(*t));
}

/* FNV-1a over the key's bytes. Captures are hostile, but the table is tiny:
 * a probe walks at most SLOTS entries, whatever the keys. */
static uint32_t key_hash(const struct topk_key *k)
{
    uint32_t h = 2166136261u;
    size_t i;
    h = (h ^ k->addr.family) * 16777619u;
    for (i = 0; i < sizeof(k->addr.bytes); i++)
        h = (h ^ k->addr.bytes[i]) * 16777619u;
    h = (h ^ (k->port & 0xFFu)) * 16777619u;
    h = (h ^ (k->port >> 8)) * 16777619u;
    return h;
}

static bool key_eq(const struct topk_key *a, const struct topk_key *b)
{
    return a->port == b->port && ipaddr_eq(&a->addr, &b->addr);
}

static int key_cmp(const struct topk_key *a, const struct topk_key *b)
{
    int c = ipaddr_cmp(&a->addr, &b->addr);
    if (c)
        return c;
    return a->port < b->port ? -1 : a->port > b->port;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct topk *t, const struct topk_key *k)
{
    size_t i = key_hash(k) & (SLOTS - 1), n;
    for (n = 0; n < SLOTS; n++, i = (i + 1) & (SLOTS - 1)) {
        int16_t v = t->slot[i];
        if (v == 0 || key_eq(&t->e[v - 1].key, k))
            return i;
    }
    return SLOTS; /* cannot happen: at most PS_TOPK of SLOTS are used */
}

/* Linear probing deletion by backward shift (Knuth, TAOCP 6.4, algorithm R). */
static void slot_delete(struct topk *t, size_t i)
{
    size_t j = i;
    t->slot[i] = 0;
    for (;;) {
        size_t home;
        j = (j + 1) & (SLOTS - 1);
        if (t->slot[j] == 0)
            return;
        home = key_hash(&t->e[t->slot[j] - 1].key) & (SLOTS - 1);
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        if ((i <= j) ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        t->slot[i] = t->slot[j];
        t->slot[j] = 0;
        i = j;
    }
}

static void heap_swap(struct topk *t, size_t a, size_t b)
{
    uint16_t x = t->heap[a];
    t->heap[a] = t->heap[b];
    t->heap[b] = x;
    t->pos[t->heap[a]] = (uint16_t)a;
    t->pos[t->heap[b]] = (uint16_t)b;
}

static void heap_up(struct topk *t, size_t p)
{
    while (p > 0 && t->e[t->heap[(p - 1) / 2]].count > t->e[t->heap[p]].count) {
        heap_swap(t, p, (p - 1) / 2);
        p = (p - 1) / 2;
    }
}

/* A count only grows: restore the heap below position p. */
static void heap_down(struct topk *t, size_t p)
{
    for (;;) {
        size_t l = 2 * p + 1, r = l + 1, m = p;
        if (l < t->n && t->e[t->heap[l]].count < t->e[t->heap[m]].count)
            m = l;
        if (r < t->n && t->e[t->heap[r]].count < t->e[t->heap[m]].count)
            m = r;
        if (m == p)
            return;
        heap_swap(t, p, m);
        p = m;
    }
}

size_t topk_add(struct topk *t, const struct topk_key *key, bool *fresh)
{
    size_t s = find_slot(t, key), e;
    t->total++;
    *fresh = false;
    if (s < SLOTS && t->slot[s] != 0) {
        e = (size_t)(t->slot[s] - 1);
        t->e[e].count++;
        heap_down(t, t->pos[e]);
        return e;
    }
    *fresh = true;
    if (t->n < PS_TOPK) {
        e = t->n++;
        t->e[e].key = *key;
        t->e[e].count = 1;
        t->e[e].err = 0;
        t->heap[e] = (uint16_t)e;
        t->pos[e] = (uint16_t)e;
        heap_up(t, e); /* the last leaf, count 1: a new minimum */
        t->slot[s] = (int16_t)(e + 1);
        return e;
    }
    /* Full: the least counted entry takes the key over (Space-Saving). */
    e = t->heap[0];
    t->replaced++;
    slot_delete(t, find_slot(t, &t->e[e].key));
    t->e[e].key = *key;
    t->e[e].err = t->e[e].count;
    t->e[e].count++;
    heap_down(t, 0);
    t->slot[find_slot(t, key)] = (int16_t)(e + 1);
    return e;
}

size_t topk_sorted(const struct topk *t, size_t *idx, size_t n)
{
    size_t k = 0, i, j;
    for (i = 0; i < t->n; i++) {
        const struct topk_entry *x = &t->e[i];
        if (k == n && (n == 0 || x->count < t->e[idx[n - 1]].count ||
                       (x->count == t->e[idx[n - 1]].count &&
                        key_cmp(&x->key, &t->e[idx[n - 1]].key) > 0)))
            continue;
        j = k < n ? k++ : n - 1;
        while (j > 0 && (t->e[idx[j - 1]].count < x->count ||
                         (t->e[idx[j - 1]].count == x->count &&
                          key_cmp(&t->e[idx[j - 1]].key, &x->key) > 0))) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    return k;
}
