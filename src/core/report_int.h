/* report_int.h: helpers shared by the text and NDJSON reporters (private). */
#ifndef TCPSHAKE_REPORT_INT_H
#define TCPSHAKE_REPORT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "report.h"

/* "client" / "server" (enum trk_side). */
const char *report__side_name(unsigned side);
/* Signed seconds with 6 decimals of a - b: "0.000123", "-1.500000". */
void report__rel_time(uint64_t a_ns, uint64_t b_ns, char out[32]);
/* Milliseconds with 3 decimals from microseconds: "0.120". */
void report__ms(int64_t us, char out[32]);
/* True when the endpoint has sent a SYN or SYN+ACK (its options are known). */
bool report__opts_known(const struct endpoint *e);
/* Whether a note bit is worth printing as a word (not NEW/ENDED/OUTCOME). */
bool report__note_shown(uint32_t bit);
/* Name of one CONN_ANOM_* bit, NULL if unknown. */
const char *report__conn_anom_name(uint32_t bit);
/* The segments the text and ladder views show without --all: SYN,
 * SYN+ACK, RST, FIN, the handshake-completing ACK, and any segment that
 * moved an endpoint. */
bool report__segment_relevant(const struct pkt *p, const struct trk_verdict *v);
/* The text summary block ("-- summary" ...), shared by text and ladder. */
void report__text_summary(FILE *o, const struct run_stats *rs, const struct tracker_stats *ts);

#endif
