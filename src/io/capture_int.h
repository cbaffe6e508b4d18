/* capture_int.h: the capture handle and its read-ahead, shared by
 * capture_pcap.c (opening, libpcap, the public calls) and
 * capture_readahead.c (the second thread that reads offline input ahead).
 * Private to src/io. */
#ifndef TCPSHAKE_CAPTURE_INT_H
#define TCPSHAKE_CAPTURE_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "config.h"

/* Read-ahead batches: each holds whole frames (a record header, then the
 * bytes, 8-byte aligned); one frame always fits (snaplen <= CFG_MAX_FRAME). */
#define RA_NBATCH 6u
#define RA_BATCH (512u * 1024u)
_Static_assert(RA_BATCH >= CFG_MAX_FRAME + 64u, "a batch holds the largest frame");

struct ra_rec {
    uint64_t ts_ns;
    int64_t offset;          /* file offset after this frame (capture_file_offset) */
    uint32_t caplen, wirelen;
    uint32_t lt;             /* enum link_type of the frame's interface */
};

struct ra_batch {
    uint8_t *buf;
    size_t used;
    atomic_size_t pub;       /* bytes of whole frames the consumer may read */
    int end;                 /* 0, or CAPTURE_EOF / CAPTURE_ERROR after the frames */
    int64_t end_offset;      /* file offset at the end */
    enum capture_err err;
    char msg[ERRBUF_SIZE];
};

struct readahead {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ra_batch b[RA_NBATCH];
    unsigned head, tail, nfull; /* ring of full batches: consumer head, producer tail */
    atomic_bool quit;           /* capture_close(): the producer stops */
    struct ra_batch *fill;      /* producer: batch being filled */
    struct ra_batch *cur;       /* consumer: batch being read */
    bool cur_full;              /* consumer: cur was published (else: being filled) */
    size_t off;                 /* consumer: next record in cur */
    bool stream;                /* input is a pipe, FIFO...: read partial batches */
    int64_t offset;             /* consumer: file offset after the last frame handed out */
    int64_t pos;                /* producer: file offset after the last frame read */
    int64_t rec_hdr;            /* producer: pcap record header size, 0 = ask ftello */
};

struct capture {
    pcap_t *p;
    int dlt;
    enum link_type lt;
    int snaplen;
    bool offline;
    bool nano;                      /* timestamps are nanoseconds */
    int fd;                         /* live: selectable fd, -1 if none */
    int timeout_ms;                 /* live: longest wait in capture_next() */
    volatile sig_atomic_t stop;     /* capture_breakloop() */
    char name[256];                 /* path or device, for messages */
    struct readahead *ra;           /* offline: the read-ahead thread, once started */
    bool ra_failed;                 /* could not start it: read in this thread */
    bool stream;                    /* offline input is not a regular file */
    void (*idle)(void *user);       /* capture_set_idle() */
    void *idle_user;
    bool handed;                    /* frames handed out since the last idle call */
    bool empty;                     /* pcapng without interfaces: no frames */
    uint8_t bare[24];               /* empty: the header its handle reads */
    char *path;                     /* offline: the path, for pcapng_read.c */
    char *bpf;                      /* offline: the filter, for pcapng_read.c */
    struct ngread *ng;              /* own pcapng reader, once libpcap gave up */
    struct ngwatch *watch;          /* stdin pipe: what libpcap read of it */
    enum link_type frame_lt;        /* link type of the last frame handed out */
};

/* capture_pcap.c */
void cap__read_error(struct capture *c, enum capture_err *err, char *errbuf);
int cap__take_over(struct capture *c, enum capture_err *err, char *errbuf);
uint64_t cap__ts_of(const struct capture *c, const struct pcap_pkthdr *h);

/* capture_readahead.c: start the thread (false: read in this thread),
 * stop and free it, hand out its next frame (as capture_next()), and call
 * the idle hook when frames were handed out since the last call. */
bool cap__ra_start(struct capture *c);
void cap__ra_stop(struct capture *c);
void cap__idle_call(struct capture *c);
int cap__ra_next(struct capture *c, struct frame *out, enum capture_err *err, char *errbuf);

#endif
