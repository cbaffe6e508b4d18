/* pcaprotate.h: watch -w with tcpdump's rotation (-C SIZE, -G SECONDS,
 * -W COUNT) and packet-buffered writing (-U), over pcapfile.h (issue 12).
 * File names as tcpdump makes them (tcpdump(8), -C, -G, -W). */
#ifndef TCPSHAKE_PCAPROTATE_H
#define TCPSHAKE_PCAPROTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "frame.h"

struct rotate_cfg {
    const char *pattern;     /* -w: a name, strftime(3) conversions with -G */
    uint64_t size_bytes;     /* -C: millions of bytes; 0 = no size rotation */
    unsigned seconds;        /* -G: 0 = no time rotation */
    unsigned count;          /* -W: with -C a ring of COUNT files; with -G alone,
                                stop after COUNT files; 0 = unbounded */
    bool packet_buffered;    /* -U */
    int dlt, snaplen;
    const char *if_name;
};

struct rotator;

/* Open the first file (now: its -G time). NULL with errbuf on failure. */
struct rotator *rotator_open(const struct rotate_cfg *cfg, time_t now, char errbuf[ERRBUF_SIZE]);
/* Write one frame (comment: pcapng only), rotating first when -G's time or
 * -C's size says so. 0; 1 when -G -W's last file is done (stop capturing,
 * as tcpdump does); -1 with errbuf on a write or open error. */
int rotator_write(struct rotator *r, const struct frame *f, const char *comment, time_t now,
                  char errbuf[ERRBUF_SIZE]);
/* The file being written (for messages). */
const char *rotator_current(const struct rotator *r);
/* Close the current file; 0 or -1 with errbuf. Safe on NULL. */
int rotator_close(struct rotator *r, char errbuf[ERRBUF_SIZE]);

#endif
