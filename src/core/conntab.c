/* conntab.c: fixed-capacity connection table (slab + linear-probing index +
 * per-class LRU lists). No allocation after conntab_new(). */
#include "conntab.h"

#include <stdlib.h>
#include <string.h>

struct lru {
    uint32_t head, tail; /* head = most recent */
};

struct conntab {
    struct conn *slab;
    uint8_t *used;       /* slot in use */
    uint32_t cap, count;
    uint32_t *index;     /* slot + 1, 0 = empty */
    uint32_t mask;
    uint32_t free_head;  /* released slots, threaded through lru_next */
    uint32_t fresh;      /* slots [fresh, cap) have never been used */
    struct lru lru[CT__COUNT];
};

/* A fixed-key mixing hash: deterministic (replays are byte-identical), and
 * symmetric because the caller orders the two endpoints first. */
static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_ep(uint64_t h, const struct ip_addr *a, uint16_t port)
{
    uint64_t w0 = 0, w1 = 0;
    int i;
    for (i = 0; i < 8; i++) {
        w0 = w0 << 8 | a->bytes[i];
        w1 = w1 << 8 | a->bytes[8 + i];
    }
    h = mix64(h ^ w0);
    h = mix64(h ^ w1 ^ ((uint64_t)port << 8 | a->family));
    return h;
}

static int ep_cmp(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b, uint16_t bp)
{
    int c = ipaddr_cmp(a, b);
    if (c)
        return c;
    return ap < bp ? -1 : ap > bp ? 1 : 0;
}

static uint32_t tuple_hash(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b,
                           uint16_t bp)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    if (ep_cmp(a, ap, b, bp) <= 0) {
        h = hash_ep(h, a, ap);
        h = hash_ep(h, b, bp);
    } else {
        h = hash_ep(h, b, bp);
        h = hash_ep(h, a, ap);
    }
    return (uint32_t)(h ^ h >> 32);
}

static uint32_t slot_of(const struct conntab *ct, const struct conn *c)
{
    return (uint32_t)(c - ct->slab);
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
    ct->slab = calloc(cap, sizeof(*ct->slab));
    ct->used = calloc(cap, 1);
    ct->index = calloc(isz, sizeof(*ct->index));
    if (!ct->slab || !ct->used || !ct->index) {
        conntab_free(ct);
        return NULL;
    }
    /* Slots never used are handed out in order (ct->fresh) rather than
     * threaded on the free list here: writing a link into every entry
     * would touch every page of the slab, and the default table would be
     * resident (~60 MiB) however few connections the capture holds. */
    ct->free_head = CONNTAB_NIL;
    ct->fresh = 0;
    for (i = 0; i < CT__COUNT; i++)
        ct->lru[i].head = ct->lru[i].tail = CONNTAB_NIL;
    return ct;
}

void conntab_free(struct conntab *ct)
{
    if (!ct)
        return;
    free(ct->slab);
    free(ct->used);
    free(ct->index);
    free(ct);
}

uint32_t conntab_capacity(const struct conntab *ct) { return ct->cap; }
uint32_t conntab_count(const struct conntab *ct) { return ct->count; }

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
            if (c->ep[0].port == ap && c->ep[1].port == bp && ipaddr_eq(&c->ep[0].addr, a) &&
                ipaddr_eq(&c->ep[1].addr, b)) {
                *a_is_ep0 = 1;
                return c;
            }
            if (c->ep[1].port == ap && c->ep[0].port == bp && ipaddr_eq(&c->ep[1].addr, a) &&
                ipaddr_eq(&c->ep[0].addr, b)) {
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

static void lru_push_head(struct conntab *ct, struct conn *c, enum conntab_class cls)
{
    struct lru *l = &ct->lru[cls];
    uint32_t s = slot_of(ct, c);
    c->lru_list = (uint8_t)cls;
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
        s = ct->fresh++;
        c = &ct->slab[s];
    } else {
        return NULL;
    }
    memset(c, 0, sizeof(*c));
    c->lru_prev = c->lru_next = CONNTAB_NIL;
    return c;
}

void conntab_insert(struct conntab *ct, struct conn *c, enum conntab_class cls)
{
    uint32_t s = slot_of(ct, c);
    uint32_t i;
    c->hash = tuple_hash(&c->ep[0].addr, c->ep[0].port, &c->ep[1].addr, c->ep[1].port);
    i = c->hash & ct->mask;
    while (ct->index[i] != 0)
        i = (i + 1) & ct->mask;
    ct->index[i] = s + 1;
    ct->used[s] = 1;
    ct->count++;
    lru_push_head(ct, c, cls);
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
    ct->used[s] = 0;
    ct->count--;
    c->lru_next = ct->free_head;
    ct->free_head = s;
}

void conntab_touch(struct conntab *ct, struct conn *c, enum conntab_class cls)
{
    if (c->lru_list == cls && ct->lru[cls].head == slot_of(ct, c))
        return;
    lru_unlink(ct, c);
    lru_push_head(ct, c, cls);
}

struct conn *conntab_victim(struct conntab *ct)
{
    int cls;
    for (cls = 0; cls < CT__COUNT; cls++)
        if (ct->lru[cls].tail != CONNTAB_NIL)
            return &ct->slab[ct->lru[cls].tail];
    return NULL;
}

struct conn *conntab_oldest(struct conntab *ct, enum conntab_class cls)
{
    uint32_t s = ct->lru[cls].tail;
    return s == CONNTAB_NIL ? NULL : &ct->slab[s];
}

struct conn *conntab_newer(struct conntab *ct, const struct conn *c)
{
    return c->lru_prev == CONNTAB_NIL ? NULL : &ct->slab[c->lru_prev];
}

struct conn *conntab_slot(struct conntab *ct, uint32_t i)
{
    return (i < ct->cap && ct->used[i]) ? &ct->slab[i] : NULL;
}
