/* ioclock.c: the I/O shell's clock (ioclock.h), one place instead of a
 * private helper per module (issue 13 #4). */
#include "ioclock.h"

#include <time.h>

static uint64_t read_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t io_mono_ns(void) { return read_ns(CLOCK_MONOTONIC); }
uint64_t io_mono_ms(void) { return read_ns(CLOCK_MONOTONIC) / 1000000u; }
uint64_t io_real_ns(void) { return read_ns(CLOCK_REALTIME); }
