/* conn_memory.c: generations of fingerprints of forgotten connections
 * (conn_memory.h). One calloc'ed arena, CM_GENS regions; a generation uses
 * the first n slots of its region, n chosen from the rate seen, so pages
 * beyond what the rate needs are never touched. */
#include "conn_memory.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct cm_rec) == 20, "a fingerprint is 20 bytes");

struct cm_gen {
    uint32_t n;      /* slots in use of the region */
    uint32_t used;   /* fingerprints in it */
    uint64_t t_first_ns, t_last_ns; /* packet time of its first and last insert */
};

struct conn_memory {
    struct cm_rec *arena;
    uint32_t region;    /* slots per generation */
    uint32_t cur;       /* the newest generation */
    uint64_t span_ns;
    uint32_t touched[CM_GENS]; /* largest n each region has used */
    struct cm_gen gen[CM_GENS];
    struct cm_stats st;
};

struct conn_memory *cm_new(size_t cap_bytes, uint64_t span_ns)
{
    struct conn_memory *m = calloc(1, sizeof(*m));
    size_t slots = cap_bytes / sizeof(struct cm_rec);
    unsigned g;
    if (!m)
        return NULL;
    if (slots < (size_t)CM_GENS * CM_MIN_SLOTS)
        slots = (size_t)CM_GENS * CM_MIN_SLOTS;
    if (slots > (size_t)CM_GENS * (UINT32_MAX / 2))
        slots = (size_t)CM_GENS * (UINT32_MAX / 2);
    m->region = (uint32_t)(slots / CM_GENS);
    m->span_ns = span_ns ? span_ns : 1;
    m->arena = calloc((size_t)m->region * CM_GENS, sizeof(struct cm_rec));
    if (!m->arena) {
        free(m);
        return NULL;
    }
    for (g = 0; g < CM_GENS; g++)
        m->gen[g].n = CM_MIN_SLOTS;
    m->touched[0] = CM_MIN_SLOTS;
    m->st.cap_bytes = (size_t)m->region * CM_GENS * sizeof(struct cm_rec);
    m->st.bytes_touched = (size_t)CM_MIN_SLOTS * sizeof(struct cm_rec);
    return m;
}

void cm_free(struct conn_memory *m)
{
    if (!m)
        return;
    free(m->arena);
    free(m);
}

const struct cm_stats *cm_stats(const struct conn_memory *m) { return &m->st; }

static inline struct cm_rec *slots_of(const struct conn_memory *m, uint32_t g)
{
    return m->arena + (size_t)g * m->region;
}

/* The key is already a mixed hash (conntab.c): scale it onto [0, n). */
static inline uint32_t home(uint32_t key, uint32_t n)
{
    return (uint32_t)(((uint64_t)key * n) >> 32);
}

/* Slots for a generation that must last span_ns at the rate of the one
 * that just filled: 1.6 x its fingerprints per span, so that it is 3/4 full
 * only after 1.2 spans; within the region. */
static uint32_t size_next(const struct conn_memory *m, const struct cm_gen *g)
{
    uint64_t dt = g->t_last_ns > g->t_first_ns ? g->t_last_ns - g->t_first_ns : 0;
    double want;
    if (dt < 1000000u)
        dt = 1000000u; /* a burst in one millisecond: as if spread over it */
    want = (double)g->used * ((double)m->span_ns / (double)dt) * 1.6;
    if (want < CM_MIN_SLOTS)
        return CM_MIN_SLOTS < m->region ? CM_MIN_SLOTS : m->region;
    if (want > m->region)
        return m->region;
    return (uint32_t)want;
}

/* The newest generation is full: the oldest one is cleared and becomes the
 * newest, sized from the rate of the one that filled. */
static void rotate(struct conn_memory *m, uint64_t now_ns)
{
    uint32_t next = (m->cur + 1) % CM_GENS;
    struct cm_gen *old = &m->gen[next];
    uint64_t window = (uint64_t)(CM_GENS - 1) * m->span_ns;
    uint32_t n = size_next(m, &m->gen[m->cur]);
    if (old->used && old->t_last_ns + window > now_ns)
        m->st.forgotten_early += old->used;
    memset(slots_of(m, next), 0, (size_t)n * sizeof(struct cm_rec));
    if (n > m->touched[next]) {
        m->st.bytes_touched += (size_t)(n - m->touched[next]) * sizeof(struct cm_rec);
        m->touched[next] = n;
    }
    old->n = n;
    old->used = 0;
    old->t_first_ns = old->t_last_ns = now_ns;
    m->cur = next;
    m->st.rotations++;
}

void cm_remember(struct conn_memory *m, const struct cm_rec *r, uint64_t now_ns)
{
    struct cm_gen *g = &m->gen[m->cur];
    struct cm_rec *s;
    uint32_t i;
    if ((uint64_t)(g->used + 1) * 4 > (uint64_t)g->n * 3) {
        rotate(m, now_ns);
        g = &m->gen[m->cur];
    }
    if (g->used == 0)
        g->t_first_ns = now_ns;
    if (now_ns > g->t_last_ns)
        g->t_last_ns = now_ns;
    s = slots_of(m, m->cur);
    /* Another connection whose key collides keeps its own slot. */
    for (i = home(r->key, g->n); s[i].key != 0 && !(s[i].key == r->key && s[i].check == r->check && s[i].id32 == r->id32);
         i = (i + 1 == g->n) ? 0 : i + 1)
        ;
    if (s[i].key == 0)
        g->used++;
    s[i] = *r;
    m->st.remembered++;
}

const struct cm_rec *cm_recall(const struct conn_memory *m, uint32_t key, uint16_t check,
                              const struct cm_rec *after)
{
    unsigned k = 0;
    uint32_t i = 0;
    bool resume = after != NULL;
    if (resume) { /* continue the walk just past `after` */
        size_t at = (size_t)(after - m->arena);
        uint32_t gi = (uint32_t)(at / m->region);
        k = (m->cur + CM_GENS - gi) % CM_GENS;
        i = (uint32_t)(at % m->region);
    }
    for (; k < CM_GENS; k++) {
        uint32_t gi = (m->cur + CM_GENS - k) % CM_GENS;
        const struct cm_gen *g = &m->gen[gi];
        const struct cm_rec *s = slots_of(m, gi);
        if (g->used == 0) {
            resume = false;
            continue;
        }
        if (resume) {
            i = (i + 1 == g->n) ? 0 : i + 1;
            resume = false;
        } else {
            i = home(key, g->n);
        }
        for (; s[i].key != 0; i = (i + 1 == g->n) ? 0 : i + 1)
            if (s[i].key == key && s[i].check == check)
                return &s[i];
    }
    return NULL;
}

uint64_t cm_window_ns(const struct conn_memory *m) { return (uint64_t)(CM_GENS - 1) * m->span_ns; }
