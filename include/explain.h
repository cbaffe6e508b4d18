/* explain.h: one plain sentence per transition, for --explain: what a
 * segment did and why, with the sequence arithmetic when it matters ("the
 * server acknowledges 1 = client ISN + 1, because a SYN takes one sequence
 * number; it now waits in SYN_RECV for the final ACK"). Pure: it reads the
 * tracker's verdict and the connection after the segment, nothing else.
 *
 * Numbers are written the way the views show them: relative to each ISN,
 * or absolute with RPT_ABS_SEQ in `flags` (report.h). Sentences are plain
 * ASCII and end with a full stop; they name states as the tracker does. */
#ifndef TCPSHAKE_EXPLAIN_H
#define TCPSHAKE_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "tracker.h"

struct pkt;

/* Longest sentence any function below writes, terminator included. */
#define EXPLAIN_MAX 384

/* The sentence for one tracked segment (v->conn != NULL), written into
 * out (always terminated when cap > 0). Returns its length, or 0 when the
 * segment changed nothing worth a sentence (e.g. a plain data segment).
 * A sentence that would not fit in cap is cut; EXPLAIN_MAX always fits. */
size_t explain_segment(const struct pkt *p, const struct trk_verdict *v, unsigned flags,
                       char *out, size_t cap);
/* A state change caused by packet time passing (tracker timeout). */
size_t explain_timer(const struct conn *c, const struct trk_change *ch, uint64_t ts_ns,
                     char *out, size_t cap);
/* The handshake outcome of a connection record. */
size_t explain_outcome(const struct conn *c, enum trk_end why, char *out, size_t cap);

#endif
