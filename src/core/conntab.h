/* conntab.h (private): the tracker's fixed-capacity connection table.
 *
 * A slab of `cap` struct conn allocated once; an open-addressing index
 * (linear probing, backward-shift deletion) keyed by the canonical,
 * direction-free 4-tuple; and one LRU list per eviction class, so that
 * ended entries are recycled first, then unfinished handshakes (and entries
 * only one endpoint has spoken on), then connections both ends use
 * (SEMANTICS.md 2, docs/STATES.md "Bounded memory"). */
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

struct conntab;

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
void conntab_insert(struct conntab *ct, struct conn *c, enum conntab_class cls);
/* Unlink from the index and its list and return the entry to the free list. */
void conntab_release(struct conntab *ct, struct conn *c);
/* Move to the head (most recent) of class cls. */
void conntab_touch(struct conntab *ct, struct conn *c, enum conntab_class cls);
/* Least recently seen entry of the lowest non-empty class; NULL if empty. */
struct conn *conntab_victim(struct conntab *ct);
/* Walk a class from least to most recent. */
struct conn *conntab_oldest(struct conntab *ct, enum conntab_class cls);
struct conn *conntab_newer(struct conntab *ct, const struct conn *c);
/* Every live entry, any order: slot i in [0, capacity), NULL if free. */
struct conn *conntab_slot(struct conntab *ct, uint32_t i);

#endif
