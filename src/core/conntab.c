/* conntab.c: fixed-capacity connection table (slab + linear-probing index +
 * LRU lists per eviction class and timeout kind). No allocation after
 * conntab_new(); slab pages are touched only when a slot is first used. */
#include "conntab.h"

#include <stdlib.h>
#include <string.h>

/* The footprint budget (issue 8): at most 256 bytes per tracked connection
 * with its index share (8 bytes at the default capacity) and the
 * end-of-input sort slot (4). docs/PERFORMANCE.md shows the sum. */
_Static_assert(sizeof(struct conn) <= 256 - 8 - 4, "struct conn outgrew its budget");

#define NLISTS (CT__COUNT * CT_NKIND)
#define LIST_FREE 0xffu /* conn.lru_list of a slot on the free list */

struct lru {
    uint32_t head, tail; /* head = most recent */
};

struct conntab {
    struct conn *slab;
    uint32_t cap, count;
    uint32_t fresh;      /* slots [fresh, cap) have never been used */
    uint32_t *index;     /* slot + 1, 0 = empty */
    uint32_t mask;
    uint32_t free_head;  /* released slots, threaded through lru_next */
    uint64_t clock;      /* touch stamps */
    struct lru lru[NLISTS];
};

/* fmix64 of MurmurHash3: a fixed-key mixing finaliser, deterministic, so
 * replays are byte-identical. */
static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* One endpoint's contribution; the two are added, so the hash does not
 * depend on the direction of the segment and needs no comparison. */
static inline uint64_t ep_key(const struct ip_addr *a, uint16_t port)
{
    uint64_t w0 = load64(a->bytes), w1 = load64(a->bytes + 8);
    return mix64(w0 * 0x9e3779b97f4a7c15ULL + (w1 ^ 0xc2b2ae3d27d4eb4fULL) * 0x165667b19e3779f9ULL +
                 ((uint64_t)port << 8 | a->family));
}

static inline uint32_t tuple_hash(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b,
                                  uint16_t bp)
{
    uint64_t h = mix64(ep_key(a, ap) + ep_key(b, bp));
    return (uint32_t)(h ^ h >> 32);
}

/* Family and address bytes are contiguous (17 bytes): compare as words. */
static inline int addr_eq(const struct ip_addr *x, const struct ip_addr *y)
{
    const uint8_t *p = &x->family, *q = &y->family;
    return load64(p) == load64(q) && load64(p + 8) == load64(q + 8) && p[16] == q[16];
}

uint32_t conntab_hash(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b, uint16_t bp)
{
    return tuple_hash(a, ap, b, bp);
}

uint16_t conntab_hash_check(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b,
                            uint16_t bp)
{
    return (uint16_t)(mix64(ep_key(a, ap) + ep_key(b, bp)) >> 32);
}

int conntab_first(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b, uint16_t bp)
{
    return ep_key(a, ap) <= ep_key(b, bp);
}

static inline uint32_t slot_of(const struct conntab *ct, const struct conn *c)
{
    return (uint32_t)(c - ct->slab);
}

static inline unsigned list_id(enum conntab_class cls, unsigned kind)
{
    return (unsigned)cls * CT_NKIND + (kind < CT_NKIND ? kind : CT_NKIND - 1);
}

struct conntab *conntab_new(uint32_t cap)
{
    struct conntab *ct = calloc(1, sizeof(*ct));
    uint32_t isz = 16, i;
    if (!ct)
        return NULL;
    while (isz < cap * 2u && isz < (1u << 31))
        isz <<= 1;
    ct->cap = cap;
    ct->mask = isz - 1;
    /* calloc: the zero pages are mapped lazily, so the slab costs memory
     * only for slots in use (new slots are handed out in order). */
    ct->slab = calloc(cap, sizeof(*ct->slab));
    ct->index = calloc(isz, sizeof(*ct->index));
    if (!ct->slab || !ct->index) {
        conntab_free(ct);
        return NULL;
    }
    ct->free_head = CONNTAB_NIL;
    for (i = 0; i < NLISTS; i++)
        ct->lru[i].head = ct->lru[i].tail = CONNTAB_NIL;
    return ct;
}

void conntab_free(struct conntab *ct)
{
    if (!ct)
        return;
    free(ct->slab);
    free(ct->index);
    free(ct);
}

uint32_t conntab_capacity(const struct conntab *ct) { return ct->cap; }
uint32_t conntab_count(const struct conntab *ct) { return ct->count; }
uint32_t conntab_slots_used(const struct conntab *ct) { return ct->fresh; }

struct conn *conntab_find(struct conntab *ct, const struct ip_addr *a, uint16_t ap,
                          const struct ip_addr *b, uint16_t bp, int *a_is_ep0)
{
    uint32_t h = tuple_hash(a, ap, b, bp);
    uint32_t i = h & ct->mask;
    for (;;) {
        uint32_t v = ct->index[i];
        struct conn *c;
        if (v == 0)
            return NULL;
        c = &ct->slab[v - 1];
        if (c->hash == h) {
            if (c->ep[0].port == ap && c->ep[1].port == bp && addr_eq(&c->ep[0].addr, a) &&
                addr_eq(&c->ep[1].addr, b)) {
                *a_is_ep0 = 1;
                return c;
            }
            if (c->ep[1].port == ap && c->ep[0].port == bp && addr_eq(&c->ep[1].addr, a) &&
                addr_eq(&c->ep[0].addr, b)) {
                *a_is_ep0 = 0;
                return c;
            }
        }
        i = (i + 1) & ct->mask;
    }
}

static void lru_unlink(struct conntab *ct, struct conn *c)
{
    struct lru *l = &ct->lru[c->lru_list];
    uint32_t s = slot_of(ct, c);
    if (c->lru_prev != CONNTAB_NIL)
        ct->slab[c->lru_prev].lru_next = c->lru_next;
    else if (l->head == s)
        l->head = c->lru_next;
    if (c->lru_next != CONNTAB_NIL)
        ct->slab[c->lru_next].lru_prev = c->lru_prev;
    else if (l->tail == s)
        l->tail = c->lru_prev;
    c->lru_prev = c->lru_next = CONNTAB_NIL;
}

static void lru_push_head(struct conntab *ct, struct conn *c, unsigned id)
{
    struct lru *l = &ct->lru[id];
    uint32_t s = slot_of(ct, c);
    c->lru_list = (uint8_t)id;
    c->lru_stamp = ++ct->clock;
    c->lru_prev = CONNTAB_NIL;
    c->lru_next = l->head;
    if (l->head != CONNTAB_NIL)
        ct->slab[l->head].lru_prev = s;
    l->head = s;
    if (l->tail == CONNTAB_NIL)
        l->tail = s;
}

struct conn *conntab_alloc(struct conntab *ct)
{
    uint32_t s = ct->free_head;
    struct conn *c;
    if (s != CONNTAB_NIL) {
        c = &ct->slab[s];
        ct->free_head = c->lru_next;
    } else if (ct->fresh < ct->cap) {
        c = &ct->slab[ct->fresh++];
    } else {
        return NULL;
    }
    memset(c, 0, sizeof(*c));
    c->lru_prev = c->lru_next = CONNTAB_NIL;
    c->lru_list = LIST_FREE;
    return c;
}

void conntab_insert(struct conntab *ct, struct conn *c, enum conntab_class cls, unsigned kind)
{
    uint32_t s = slot_of(ct, c);
    uint32_t i;
    c->hash = tuple_hash(&c->ep[0].addr, c->ep[0].port, &c->ep[1].addr, c->ep[1].port);
    i = c->hash & ct->mask;
    while (ct->index[i] != 0)
        i = (i + 1) & ct->mask;
    ct->index[i] = s + 1;
    ct->count++;
    lru_push_head(ct, c, list_id(cls, kind));
}

/* Backward-shift deletion keeps linear probing correct without tombstones. */
static void index_delete(struct conntab *ct, uint32_t pos)
{
    uint32_t i = pos, j = pos;
    for (;;) {
        uint32_t home, v;
        j = (j + 1) & ct->mask;
        v = ct->index[j];
        if (v == 0)
            break;
        home = ct->slab[v - 1].hash & ct->mask;
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
            ct->index[i] = v;
            i = j;
        }
    }
    ct->index[i] = 0;
}

void conntab_release(struct conntab *ct, struct conn *c)
{
    uint32_t s = slot_of(ct, c);
    uint32_t i = c->hash & ct->mask;
    while (ct->index[i] != s + 1)
        i = (i + 1) & ct->mask;
    index_delete(ct, i);
    lru_unlink(ct, c);
    ct->count--;
    c->lru_list = LIST_FREE;
    c->lru_next = ct->free_head;
    ct->free_head = s;
}

void conntab_touch(struct conntab *ct, struct conn *c, enum conntab_class cls, unsigned kind)
{
    unsigned id = list_id(cls, kind);
    if (c->lru_list == id && ct->lru[id].head == slot_of(ct, c)) {
        c->lru_stamp = ++ct->clock; /* already the most recent of its list */
        return;
    }
    lru_unlink(ct, c);
    lru_push_head(ct, c, id);
}

struct conn *conntab_victim(struct conntab *ct)
{
    unsigned cls, k;
    for (cls = 0; cls < CT__COUNT; cls++) {
        struct conn *best = NULL;
        for (k = 0; k < CT_NKIND; k++) {
            uint32_t s = ct->lru[cls * CT_NKIND + k].tail;
            if (s != CONNTAB_NIL && (!best || ct->slab[s].lru_stamp < best->lru_stamp))
                best = &ct->slab[s];
        }
        if (best)
            return best;
    }
    return NULL;
}

struct conn *conntab_oldest(struct conntab *ct, enum conntab_class cls, unsigned kind)
{
    uint32_t s = ct->lru[list_id(cls, kind)].tail;
    return s == CONNTAB_NIL ? NULL : &ct->slab[s];
}

struct conn *conntab_newer(struct conntab *ct, const struct conn *c)
{
    return c->lru_prev == CONNTAB_NIL ? NULL : &ct->slab[c->lru_prev];
}

struct conn *conntab_slot(struct conntab *ct, uint32_t i)
{
    return (i < ct->fresh && ct->slab[i].lru_list != LIST_FREE) ? &ct->slab[i] : NULL;
}
