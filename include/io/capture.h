/* capture.h: live and offline capture through libpcap (the I/O shell).
 * The only module besides pcapfile.c that includes <pcap/pcap.h>. */
#ifndef TCPSHAKE_CAPTURE_H
#define TCPSHAKE_CAPTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "config.h"
#include "frame.h"
#include "linktype.h"

/* Kinds of failure; the CLI maps each to an exit status (exitcode.h). */
#define CAPTURE_ERR_MAP(X)          \
    X(NONE, "ok")                   \
    X(NOFILE, "no such file or unreadable") \
    X(NOTCAPTURE, "not a capture file") \
    X(TRUNCATED, "truncated capture") \
    X(LINKTYPE, "unsupported link type") \
    X(BPF, "bad filter expression") \
    X(PERM, "permission denied")    \
    X(DEVICE, "capture device error") \
    X(READ, "read error")

enum capture_err {
#define X(n, s) CAPTURE_ERR_##n,
    CAPTURE_ERR_MAP(X)
#undef X
};

struct capture_cfg {
    const char *path;     /* offline file ("-" = stdin), or NULL for live */
    const char *device;   /* live interface (default "lo") */
    const char *bpf;      /* filter expression or NULL */
    int snaplen;          /* 0 = CFG_LIVE_SNAPLEN */
    int timeout_ms;       /* 0 = CFG_LIVE_TIMEOUT_MS */
    int buffer_mb;        /* 0 = CFG_LIVE_BUFFER_MB */
    bool immediate;       /* live: immediate mode */
};

struct capture;

/* Open. On failure returns NULL, sets *err and writes a one-line message to
 * errbuf (e.g. "needs root or CAP_NET_RAW+CAP_NET_ADMIN: lo: ..."). */
struct capture *capture_open(const struct capture_cfg *cfg, enum capture_err *err,
                             char errbuf[ERRBUF_SIZE]);
enum link_type capture_link_type(const struct capture *c);
/* The link type of the frame capture_next() handed out last: its pcapng
 * interface's, which may differ from capture_link_type() (the first
 * interface's) in a file libpcap refused and pcapng_read.c reads (issue 15). */
enum link_type capture_frame_link_type(const struct capture *c);
int capture_dlt(const struct capture *c);
int capture_snaplen(const struct capture *c);

#define CAPTURE_FRAME 1
#define CAPTURE_TIMEOUT 0  /* live: no packet before the timeout */
#define CAPTURE_EOF (-2)   /* end of file, or capture_breakloop() */
#define CAPTURE_ERROR (-1) /* see *err and errbuf */

/* Next frame; data is valid until the next call. Offline files are read
 * ahead by a second thread (same frames, same order, same end). Offline:
 * CAPTURE_EOF at the
 * end, CAPTURE_ERROR for a cut (TRUNCATED), damaged (READ) or mixed-link-type
 * pcapng (LINKTYPE) file after every good frame before it. Live: waits at
 * most timeout_ms (the handle is non-blocking and waits in poll(), because
 * libpcap's read timeout never fires on an idle Linux interface), then
 * CAPTURE_TIMEOUT. After capture_breakloop(): CAPTURE_EOF. */
int capture_next(struct capture *c, struct frame *out, enum capture_err *err,
                 char errbuf[ERRBUF_SIZE]);
/* Signal-handler safe. */
void capture_breakloop(struct capture *c);
/* Called just before capture_next() would wait for input (a live capture
 * with nothing buffered; an offline pipe, FIFO or terminal whose reader has
 * handed out every frame it has): the caller flushes its output there, so
 * what a segment produced is seen before tcpshake blocks (issue 12). Never
 * called while input keeps coming, nor for a regular file. */
void capture_set_idle(struct capture *c, void (*idle)(void *user), void *user);
/* Print the interfaces a live capture can use, numbered, as tcpdump -D
 * prints them (name, description, flags). 0, or -1 with errbuf. */
int capture_list_interfaces(FILE *out, char errbuf[ERRBUF_SIZE]);
/* True when the offline input is a stream (pipe, FIFO, terminal, socket). */
bool capture_is_stream(const struct capture *c);
/* Live counters (pcap_stats); 0 or -1. */
int capture_stats(struct capture *c, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped);
/* Bytes of the file consumed so far (offline progress; libpcap reads a few
 * MiB ahead of the frames handed out), or -1. */
long long capture_file_offset(struct capture *c);
void capture_close(struct capture *c);

/* DLT / LINKTYPE number -> link type (LINK_UNKNOWN if not decodable). */
enum link_type capture_map_dlt(int dlt);
const char *capture_err_name(enum capture_err e);

#endif
