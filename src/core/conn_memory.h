/* conn_memory.h (private to the tracker): a bounded memory of connections
 * that left the table (timed out, evicted, or ended and lingered), so that a
 * straggler or a SYN retransmission that arrives after its connection was
 * forgotten is recognised instead of starting a new connection (issue 15;
 * docs/STATES.md "Connections the table forgot").
 *
 * Shape: CM_GENS generations, each an open-addressing table (linear
 * probing) of fingerprints in its own region of one arena allocated once
 * (calloc: pages are touched only as they are used). New fingerprints go
 * into the newest generation; when it is 3/4 full the oldest generation is
 * cleared and becomes the newest. Each generation is sized when it becomes
 * the newest from the rate of the previous one, so that it lasts at least
 * span_ns of packet time: the memory covers at least (CM_GENS - 1) x span_ns
 * at the arrival rate seen, within the arena (the MB cap), and longer when
 * the rate is low. Fingerprints dropped younger than that window are
 * counted (forgotten_early). Pure: packet time is the only clock. */
#ifndef TCPSHAKE_CONN_MEMORY_H
#define TCPSHAKE_CONN_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#define CM_GENS 4u
#define CM_MIN_SLOTS 1024u /* a generation's smallest table */

/* cm_rec.flags */
#define CM_F_CLIENT_FIRST 0x01u /* the client is the tuple's first end (conntab_first) */
#define CM_F_CISN 0x02u         /* isn[0] holds the client's ISN (or sequence base) */
#define CM_F_SISN 0x04u         /* isn[1] holds the server's */
#define CM_F_CLIENT_SYN 0x08u   /* isn[0] is the ISN of a captured bare SYN */
#define CM_F_CISN_KNOWN 0x10u   /* isn[0] is the client's ISN, not a relative base */
#define CM_F_SISN_KNOWN 0x20u   /* isn[1] is the server's ISN */

/* One fingerprint: 20 bytes. key 0 marks an empty slot. key and check
 * together are 48 bits of the 4-tuple's hash (conntab_hash64). */
struct cm_rec {
    uint32_t key;    /* canonical 4-tuple hash (conntab_hash), never 0 */
    uint32_t id32;   /* low 32 bits of the connection id */
    uint32_t isn[2]; /* [TRK_CLIENT], [TRK_SERVER]: ISN or sequence base */
    uint16_t check;  /* 16 more bits of the 4-tuple's hash */
    uint8_t flags;   /* CM_F_* */
    uint8_t oc;      /* CM_OC(): the record's outcome, close, generation */
};

/* Outcome (enum hs_outcome) and close (enum close_outcome) of the emitted
 * record, 3 bits each, and its generation saturated at 3. */
#define CM_OC(outcome, close, gen) \
    ((uint8_t)(((outcome) & 7u) | (((close) & 7u) << 3) | (((gen) > 3u ? 3u : (gen)) << 6)))
#define CM_OC_OUTCOME(oc) ((oc) & 7u)
#define CM_OC_CLOSE(oc) (((oc) >> 3) & 7u)
#define CM_OC_GEN(oc) ((oc) >> 6)

struct cm_stats {
    uint64_t remembered;      /* fingerprints stored (a refresh counts again) */
    uint64_t forgotten_early; /* dropped before the window had passed */
    uint64_t rotations;
    size_t bytes_touched;     /* arena bytes ever used (resident at most) */
    size_t cap_bytes;         /* the arena */
};

struct conn_memory;

/* An arena of cap_bytes (at least CM_GENS x CM_MIN_SLOTS fingerprints);
 * span_ns: how long a generation should last at the rate seen. NULL on
 * out-of-memory. No allocation later. */
struct conn_memory *cm_new(size_t cap_bytes, uint64_t span_ns);
void cm_free(struct conn_memory *m);

/* Store r (r->key != 0) at packet time now_ns; a fingerprint of the same key
 * and id32 in the newest generation is replaced. */
void cm_remember(struct conn_memory *m, const struct cm_rec *r, uint64_t now_ns);

/* Fingerprints with this key and check, newest generation first: after = NULL for
 * the first, then the previous result for the next (keys of different
 * connections can collide); NULL when there is no more. Valid until the
 * next cm_remember(). */
const struct cm_rec *cm_recall(const struct conn_memory *m, uint32_t key, uint16_t check,
                              const struct cm_rec *after);

const struct cm_stats *cm_stats(const struct conn_memory *m);
/* The window covered at the rate of the newest full generation, ns. */
uint64_t cm_window_ns(const struct conn_memory *m);

#endif
