/* conntab.h (private): the tracker's fixed-capacity connection table.
 *
 * A slab of `cap` struct conn allocated once (its pages are touched only as
 * slots are first used); an open-addressing index (linear probing,
 * backward-shift deletion) keyed by the canonical, direction-free 4-tuple;
 * and LRU lists, one per (eviction class, timeout kind). The class orders
 * eviction: ended entries are recycled first, then unfinished handshakes (and entries
 * only one endpoint has spoken on), then connections both ends use
 * (docs/SEMANTICS.md 2, docs/STATES.md "Bounded memory").
 * The kind groups entries that share one timeout, so within a list last-seen
 * order is also deadline order and an expiry sweep stops at the first entry
 * that has not expired. A touch stamp orders entries across the lists of a
 * class: the least recently seen entry of a class is the smallest stamp. */
#ifndef TCPSHAKE_CONNTAB_H
#define TCPSHAKE_CONNTAB_H

#include <stdint.h>

#include "tracker.h"

#define CONNTAB_NIL UINT32_MAX

/* Eviction classes, lowest evicted first. */
enum conntab_class {
    CT_ENDED = 0,      /* record emitted, lingering for stragglers */
    CT_HANDSHAKE = 1,  /* handshake not finished, or one endpoint silent */
    CT_OPEN = 2,       /* established, mid-stream or closing, both ends heard */
    CT__COUNT
};

/* Timeout kinds (the tracker maps states to them); lists per class. */
#define CT_NKIND 8u

struct conntab;

/* The canonical (direction-free) hash of a 4-tuple, as the index keys it. */
uint32_t conntab_hash(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b, uint16_t bp);
/* 16 more bits of the same 64-bit hash (bits 32-47), direction-free: with
 * conntab_hash() 48 bits that tell 4-tuples apart. */
uint16_t conntab_hash_check(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b,
                            uint16_t bp);
/* An order of the two ends that does not depend on the direction: 1 when
 * (a, ap) comes first (or both ends are the same). */
int conntab_first(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b, uint16_t bp);

struct conntab *conntab_new(uint32_t cap);
void conntab_free(struct conntab *ct);
uint32_t conntab_capacity(const struct conntab *ct);
uint32_t conntab_count(const struct conntab *ct);

/* Find the entry for the 4-tuple in either direction. *a_is_ep0 tells
 * whether (a, ap) is ep[0] of the entry. NULL if none. */
struct conn *conntab_find(struct conntab *ct, const struct ip_addr *a, uint16_t ap,
                          const struct ip_addr *b, uint16_t bp, int *a_is_ep0);
/* A zeroed free entry, or NULL when the table is full. The caller fills
 * ep[0], ep[1] and then calls conntab_insert(). */
struct conn *conntab_alloc(struct conntab *ct);
void conntab_insert(struct conntab *ct, struct conn *c, enum conntab_class cls, unsigned kind);
/* Unlink from the index and its list and return the entry to the free list. */
void conntab_release(struct conntab *ct, struct conn *c);
/* Mark as just seen: move to the head (most recent) of list (cls, kind). */
void conntab_touch(struct conntab *ct, struct conn *c, enum conntab_class cls, unsigned kind);
/* Least recently seen entry of the lowest non-empty class; NULL if empty. */
struct conn *conntab_victim(struct conntab *ct);
/* Walk list (cls, kind) from least to most recently seen. */
struct conn *conntab_oldest(struct conntab *ct, enum conntab_class cls, unsigned kind);
struct conn *conntab_newer(struct conntab *ct, const struct conn *c);
/* Every live entry, any order: slot i in [0, conntab_slots_used()), NULL if
 * free. Slots at or past conntab_slots_used() have never held an entry. */
struct conn *conntab_slot(struct conntab *ct, uint32_t i);
uint32_t conntab_slots_used(const struct conntab *ct);

#endif
