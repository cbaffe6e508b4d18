/* pipeline.h: frame -> decode -> tracker -> reporter. Owns no OS resource:
 * the I/O shell hands it frames and finishes it. */
#ifndef TCPSHAKE_PIPELINE_H
#define TCPSHAKE_PIPELINE_H

#include "decode.h"
#include "frame.h"
#include "linktype.h"
#include "report.h"
#include "tracker.h"

struct pipeline;

/* Takes ownership of nothing: `rep` must outlive the pipeline. NULL on ENOMEM. */
struct pipeline *pipeline_new(enum link_type lt, const struct tracker_cfg *tcfg,
                              struct reporter *rep);
void pipeline_free(struct pipeline *pl);
/* Decode the frames fed from now on as `lt` (a pcapng file's interfaces
 * may differ in link type, issue 15). */
void pipeline_set_link_type(struct pipeline *pl, enum link_type lt);

/* Decode, track and report one frame. Returns the decode status. */
enum decode_status pipeline_feed(struct pipeline *pl, const struct frame *f);
/* Let packet time advance without a frame (live capture on an idle link). */
void pipeline_tick(struct pipeline *pl, uint64_t now_ns);
/* Decide what is pending, emit every remaining record, print the summary. */
void pipeline_finish(struct pipeline *pl);

/* Mutable, so the shell can add capture counters and the input error. */
struct run_stats *pipeline_run_stats(struct pipeline *pl);
const struct tracker_stats *pipeline_tracker_stats(const struct pipeline *pl);
/* What the last frame fed did (no conn and no changes if it did not decode);
 * valid until the next pipeline call. */
const struct trk_verdict *pipeline_last_verdict(const struct pipeline *pl);
/* The last frame fed, decoded (valid until the next pipeline call; its
 * layer says how far decoding got). */
const struct pkt *pipeline_last_pkt(const struct pipeline *pl);
/* The kernel's word on a connection: tracker_kernel_note(). */
bool pipeline_kernel_note(struct pipeline *pl, const struct ip_addr *a, uint16_t ap,
                          const struct ip_addr *b, uint16_t bp, uint64_t id, unsigned reason,
                          unsigned cookie);
/* Records emitted so far (watch -c N). */
uint64_t pipeline_conns_ended(const struct pipeline *pl);

#endif
