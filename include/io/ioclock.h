/* ioclock.h: the I/O shell's one clock (ioclock.c). The core never reads a
 * clock (packet time is its only clock, docs/ARCHITECTURE.md); the shell
 * needs two: CLOCK_MONOTONIC for deadlines and waits, CLOCK_REALTIME to stamp
 * what it captures or writes itself (demo, craft, live counters). */
#ifndef TCPSHAKE_IOCLOCK_H
#define TCPSHAKE_IOCLOCK_H

#include <stdint.h>

/* Nanoseconds of CLOCK_MONOTONIC: deadlines, waits, rates. */
uint64_t io_mono_ns(void);
/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t io_mono_ms(void);
/* Nanoseconds since 1970 (CLOCK_REALTIME): timestamps of frames tcpshake
 * makes or stamps itself. */
uint64_t io_real_ns(void);

#endif
