/* watch_kernel.h: watch's look at the kernel of a local listener (issue
 * 16): the listener's queue and the TCP counters, read when a SYN to a
 * local address is retransmitted, when a local SYN+ACK may carry a
 * cookie, and at the end; the reasons go on the connections and out as
 * "listener" records. Private to src/cli. */
#ifndef TCPSHAKE_WATCH_KERNEL_H
#define TCPSHAKE_WATCH_KERNEL_H

struct wkernel;
struct pipeline;
struct reporter;

/* Open what the kernel view reads (klread.h) and learn this namespace's
 * addresses. Call it before giving up root. NULL when it cannot read the
 * counters: then it has printed one note on stderr and watch goes on
 * without it. */
struct wkernel *wkernel_open(void);
void wkernel_close(struct wkernel *w);

/* After each pipeline_feed(): look at the segment just tracked. */
void wkernel_frame(struct wkernel *w, struct pipeline *pl, struct reporter *rep);
/* On an idle capture: a sample that was put off (at most every 100 ms). */
void wkernel_tick(struct wkernel *w, struct pipeline *pl, struct reporter *rep);
/* Before pipeline_finish(): a last sample; every SYN still unanswered
 * gets its reason. */
void wkernel_finish(struct wkernel *w, struct pipeline *pl, struct reporter *rep);

#endif
