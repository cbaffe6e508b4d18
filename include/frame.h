/* frame.h: the capture -> decode hand-off. data is valid only until the next
 * capture_next(); the decoder copies what it keeps. */
#ifndef TCPSHAKE_FRAME_H
#define TCPSHAKE_FRAME_H

#include <stdint.h>

struct frame {
    const uint8_t *data;
    uint32_t caplen;  /* bytes present in data */
    uint32_t wirelen; /* bytes on the wire */
    uint64_t ts_ns;   /* packet time, nanoseconds since the epoch */
};

#endif
