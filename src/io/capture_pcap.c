/* capture_pcap.c: offline (pcap, pcapng, stdin) and live capture through
 * libpcap; maps DLT numbers to link types once and libpcap's failures to
 * capture_err kinds with a one-line message.
 *
 * Offline files are read ahead by a second thread: it runs libpcap's loop
 * (pcap_dispatch: file reads, record parsing, the BPF filter) and copies the
 * frames into a few large batches that capture_next() hands out in order, so
 * on a multi-core machine decoding, tracking and reporting run beside
 * libpcap instead of after it (issue 8, docs/PERFORMANCE.md). Frames, their
 * order and the end of input (EOF, or the error after the last good frame)
 * are exactly what libpcap gives.
 *
 * A stream (pipe, FIFO: `tcpdump -U -w - | tcpshake read -`) cannot wait for
 * a batch to fill: the reader publishes how far each batch is filled after
 * every frame (one release store), and the consumer, once it has handed out
 * everything published, calls the idle hook (the CLI flushes stdout) and
 * takes frames from the batch being filled as they come (issue 12).
 *
 * A pcapng file whose later interface libpcap 1.10 refuses (another link
 * type or snap length: valid, dumpcap writes them) is read on from that
 * block by tcpshake's own reader, pcapng_read.c, and each frame carries its
 * interface's link type (capture_frame_link_type); a pcapng file with no
 * interface at all is an empty capture, as an empty pcap is (issue 15). */
#include "capture.h"
#include "pcapng_read.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

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

static const char *const capture_err_names[] = {
#define X(n, s) s,
    CAPTURE_ERR_MAP(X)
#undef X
};

const char *capture_err_name(enum capture_err e)
{
    return (unsigned)e < sizeof(capture_err_names) / sizeof(capture_err_names[0])
               ? capture_err_names[e]
               : "?";
}

/* DLT (and file LINKTYPE) numbers; first match wins. DLT_RAW is 12 on most
 * systems and 14 on OpenBSD, where DLT_LOOP is 12 (pcap/dlt.h); files carry
 * LINKTYPE_RAW 101 and LINKTYPE_LOOP 108, which libpcap maps back to DLTs. */
static const struct {
    int dlt;
    enum link_type lt;
} dlt_map[] = {
    { DLT_EN10MB, LINK_ETHERNET },
    { DLT_LINUX_SLL, LINK_LINUX_SLL },
    { 276, LINK_LINUX_SLL2 },  /* DLT_LINUX_SLL2 (libpcap >= 1.9) */
    { DLT_NULL, LINK_NULL_BSD },
    { DLT_LOOP, LINK_LOOP },   /* 108, or 12 on OpenBSD */
    { 108, LINK_LOOP },        /* LINKTYPE_LOOP in files */
    { DLT_RAW, LINK_RAW },     /* 12, or 14 on OpenBSD */
    { 12, LINK_RAW },
    { 14, LINK_RAW },
    { 101, LINK_RAW },         /* LINKTYPE_RAW */
    { 228, LINK_IPV4 },        /* DLT_IPV4 / LINKTYPE_IPV4 */
    { 229, LINK_IPV6 },        /* DLT_IPV6 / LINKTYPE_IPV6 */
};

enum link_type capture_map_dlt(int dlt)
{
    size_t i;
    for (i = 0; i < sizeof(dlt_map) / sizeof(dlt_map[0]); i++)
        if (dlt_map[i].dlt == dlt)
            return dlt_map[i].lt;
    return LINK_UNKNOWN;
}

static void *fail(enum capture_err *err, enum capture_err e)
{
    if (err)
        *err = e;
    return NULL;
}

/* pcap (both byte orders, micro and nano) and pcapng magic numbers. */
static bool capture_magic(const unsigned char m[4])
{
    static const unsigned char magics[][4] = {
        { 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 }, /* pcap, us */
        { 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d }, /* pcap, ns */
        { 0x34, 0xcd, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xcd, 0x34 }, /* Kuznetzov's modified pcap */
        { 0x0a, 0x0d, 0x0d, 0x0a },                             /* pcapng section header */
    };
    size_t i;
    for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (memcmp(m, magics[i], 4) == 0)
            return true;
    return false;
}

/* Check a path before libpcap sees it, for a clean NOFILE/NOTCAPTURE. */
static bool precheck_file(const char *path, enum capture_err *err, char *errbuf)
{
    struct stat sb;
    unsigned char magic[4];
    size_t got;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: %s", path, strerror(errno));
        *err = CAPTURE_ERR_NOFILE;
        return false;
    }
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        snprintf(errbuf, ERRBUF_SIZE, "%s: %s", path, strerror(EISDIR));
        *err = CAPTURE_ERR_NOFILE;
        return false;
    }
    got = fread(magic, 1, sizeof(magic), f);
    if (got != sizeof(magic) && ferror(f)) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: %s", path, strerror(errno));
        fclose(f);
        *err = CAPTURE_ERR_NOFILE;
        return false;
    }
    fclose(f);
    if (got == 0) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: not a pcap or pcapng capture file (empty file)", path);
        *err = CAPTURE_ERR_NOTCAPTURE;
        return false;
    }
    if (got < sizeof(magic) || !capture_magic(magic)) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: not a pcap or pcapng capture file", path);
        *err = CAPTURE_ERR_NOTCAPTURE;
        return false;
    }
    return true;
}

/* Classify a libpcap read/open error text. */
static enum capture_err classify(const char *msg)
{
    if (strstr(msg, "truncated dump file") || strstr(msg, "truncated pcapng dump file"))
        return CAPTURE_ERR_TRUNCATED;
    if (strstr(msg, "unknown file format"))
        return CAPTURE_ERR_NOTCAPTURE;
    if (strstr(msg, "different from the type of the first interface"))
        return CAPTURE_ERR_LINKTYPE;
    return CAPTURE_ERR_READ;
}

/* One line for a libpcap error on `name`. */
static void describe(const char *name, enum capture_err e, const char *msg, char *errbuf)
{
    switch (e) {
    case CAPTURE_ERR_TRUNCATED: {
        /* libpcap says "truncated dump file; tried to read ...": keep the
         * detail, not the repetition (issue 12). */
        static const char *const said[] = { "truncated pcapng dump file; ",
                                            "truncated dump file; ", "truncated pcapng dump file",
                                            "truncated dump file" };
        const char *detail = msg;
        size_t i;
        for (i = 0; i < sizeof(said) / sizeof(said[0]); i++) {
            if (strncmp(msg, said[i], strlen(said[i])) == 0) {
                detail = msg + strlen(said[i]);
                break;
            }
        }
        if (*detail)
            snprintf(errbuf, ERRBUF_SIZE, "%s: truncated capture file: %s", name, detail);
        else
            snprintf(errbuf, ERRBUF_SIZE, "%s: truncated capture file", name);
        break;
    }
    case CAPTURE_ERR_NOTCAPTURE:
        snprintf(errbuf, ERRBUF_SIZE, "%s: not a pcap or pcapng capture file (%s)", name, msg);
        break;
    case CAPTURE_ERR_LINKTYPE:
        snprintf(errbuf, ERRBUF_SIZE,
                 "%s: pcapng interfaces with different link types are not supported by "
                 "libpcap (%s)",
                 name, msg);
        break;
    default:
        snprintf(errbuf, ERRBUF_SIZE, "%s: %s", name, msg);
        break;
    }
}

static struct capture *open_offline(const struct capture_cfg *cfg, struct capture *c,
                                    enum capture_err *err, char *errbuf)
{
    char pe[PCAP_ERRBUF_SIZE];
    const char *path = cfg->path;
    bool is_stdin = strcmp(path, "-") == 0;
    snprintf(c->name, sizeof(c->name), "%s", is_stdin ? "(stdin)" : path);
    if (!is_stdin && !precheck_file(path, err, errbuf))
        return NULL;
    pe[0] = '\0';
    if (is_stdin) {
        /* A pipe cannot be read again: libpcap reads it through a watch
         * that keeps the interface blocks, for take_over(). */
        struct stat sb;
        FILE *wf;
        if (fstat(STDIN_FILENO, &sb) == 0 && !S_ISREG(sb.st_mode) &&
            (c->watch = ngwatch_new(STDIN_FILENO))) {
            if ((wf = ngwatch_file(c->watch))) {
                c->p = pcap_fopen_offline_with_tstamp_precision(wf, PCAP_TSTAMP_PRECISION_NANO,
                                                                pe);
                if (!c->p)
                    fclose(wf);
            } else {
                ngwatch_free(c->watch); /* libpcap reads stdin itself */
                c->watch = NULL;
            }
        }
    }
    if (!c->p && !c->watch)
        c->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, pe);
    if (!c->p && strstr(pe, "has no Interface Description Blocks")) {
        /* libpcap read the sections to their clean end and found no
         * interface, hence no packet: an empty capture (issue 15). */
        c->p = ngread_bare_handle(c->bare, 1 /* LINKTYPE_ETHERNET */, false, pe);
        c->empty = c->p != NULL;
    }
    if (!c->p) {
        /* A header shorter than the magic on stdin: not a capture at all. */
        enum capture_err e = classify(pe);
        bool bare = e == CAPTURE_ERR_NOTCAPTURE;
        if (e == CAPTURE_ERR_TRUNCATED && strstr(pe, "tried to read 4 file header bytes")) {
            e = CAPTURE_ERR_NOTCAPTURE; /* not even a magic number (stdin) */
            bare = true;
        }
        /* Anything else wrong with the file header (bad version, bad
         * pcapng section) also means we cannot read it as a capture. */
        if (e == CAPTURE_ERR_READ)
            e = CAPTURE_ERR_NOTCAPTURE;
        if (bare)
            snprintf(errbuf, ERRBUF_SIZE, "%s: not a pcap or pcapng capture file", c->name);
        else
            describe(c->name, e, pe, errbuf);
        *err = e;
        return NULL;
    }
    c->offline = true;
    c->nano = pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO;
    c->path = strdup(path);
    if (cfg->bpf && cfg->bpf[0])
        c->bpf = strdup(cfg->bpf);
    if (!c->path || (cfg->bpf && cfg->bpf[0] && !c->bpf)) {
        snprintf(errbuf, ERRBUF_SIZE, "out of memory");
        *err = CAPTURE_ERR_READ;
        return NULL;
    }
    {
        FILE *f = pcap_file(c->p);
        struct stat sb;
        c->stream = c->watch || (f && fstat(fileno(f), &sb) == 0 && !S_ISREG(sb.st_mode));
    }
    return c;
}

static struct capture *open_live(const struct capture_cfg *cfg, struct capture *c,
                                 enum capture_err *err, char *errbuf)
{
    char pe[PCAP_ERRBUF_SIZE];
    const char *dev = cfg->device ? cfg->device : "lo";
    int rc;
    snprintf(c->name, sizeof(c->name), "%s", dev);
    pe[0] = '\0';
    c->p = pcap_create(dev, pe);
    if (!c->p) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: %s", dev, pe);
        *err = CAPTURE_ERR_DEVICE;
        return NULL;
    }
    pcap_set_snaplen(c->p, cfg->snaplen > 0 ? cfg->snaplen : CFG_LIVE_SNAPLEN);
    pcap_set_timeout(c->p, cfg->timeout_ms > 0 ? cfg->timeout_ms : CFG_LIVE_TIMEOUT_MS);
    pcap_set_buffer_size(c->p, (cfg->buffer_mb > 0 ? cfg->buffer_mb : CFG_LIVE_BUFFER_MB) *
                                   1024 * 1024);
    if (cfg->immediate)
        pcap_set_immediate_mode(c->p, 1);
    /* Nanoseconds if the platform offers them; otherwise microseconds. */
    (void)pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO);
    rc = pcap_activate(c->p);
    if (rc < 0) {
        const char *why = pcap_geterr(c->p);
        if (!why || !*why)
            why = pcap_statustostr(rc);
        if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED) {
            snprintf(errbuf, ERRBUF_SIZE, "needs root or CAP_NET_RAW+CAP_NET_ADMIN: %s: %s", dev,
                     why);
            *err = CAPTURE_ERR_PERM;
        } else {
            snprintf(errbuf, ERRBUF_SIZE, "%s: %s", dev, why);
            *err = CAPTURE_ERR_DEVICE;
        }
        return NULL;
    }
    /* rc > 0 is a warning (e.g. PCAP_WARNING_TSTAMP_TYPE_NOTSUP): carry on. */
    /* libpcap's read timeout does not make a read return on an idle Linux
     * interface (pcap(3PCAP): "the timer doesn't start until at least one
     * packet arrives"), so read non-blocking and wait with poll() here. */
    if (pcap_setnonblock(c->p, 1, pe) != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: %s", dev, pe);
        *err = CAPTURE_ERR_DEVICE;
        return NULL;
    }
    c->fd = pcap_get_selectable_fd(c->p);
    c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : CFG_LIVE_TIMEOUT_MS;
    c->offline = false;
    c->nano = pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO;
    return c;
}

static bool set_filter(struct capture *c, const char *expr, enum capture_err *err, char *errbuf)
{
    struct bpf_program prog;
    if (pcap_compile(c->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "bad filter expression '%s': %s", expr, pcap_geterr(c->p));
        *err = CAPTURE_ERR_BPF;
        return false;
    }
    if (pcap_setfilter(c->p, &prog) != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot set filter '%s': %s", expr, pcap_geterr(c->p));
        pcap_freecode(&prog);
        *err = CAPTURE_ERR_BPF;
        return false;
    }
    pcap_freecode(&prog);
    return true;
}

struct capture *capture_open(const struct capture_cfg *cfg, enum capture_err *err,
                             char errbuf[ERRBUF_SIZE])
{
    struct capture *c;
    enum capture_err e = CAPTURE_ERR_NONE;
    errbuf[0] = '\0';
    if (err)
        *err = CAPTURE_ERR_NONE;
    c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(errbuf, ERRBUF_SIZE, "out of memory");
        return fail(err, CAPTURE_ERR_READ);
    }
    c->fd = -1;
    if (!(cfg->path ? open_offline(cfg, c, &e, errbuf) : open_live(cfg, c, &e, errbuf)))
        goto bad;

    c->dlt = pcap_datalink(c->p);
    c->lt = capture_map_dlt(c->dlt);
    c->snaplen = pcap_snapshot(c->p);
    c->frame_lt = c->lt;
    if (c->lt == LINK_UNKNOWN) {
        const char *nm = pcap_datalink_val_to_name(c->dlt);
        const char *desc = pcap_datalink_val_to_description(c->dlt);
        snprintf(errbuf, ERRBUF_SIZE, "%s: unsupported link type %d (%s%s%s)", c->name, c->dlt,
                 nm ? nm : "unknown", desc ? ": " : "", desc ? desc : "");
        e = CAPTURE_ERR_LINKTYPE;
        goto bad;
    }
    if (cfg->bpf && cfg->bpf[0] && !set_filter(c, cfg->bpf, &e, errbuf))
        goto bad;
    return c;

bad:
    capture_close(c);
    return fail(err, e);
}

enum link_type capture_link_type(const struct capture *c)
{
    return c->lt;
}

enum link_type capture_frame_link_type(const struct capture *c)
{
    return c->frame_lt;
}

int capture_dlt(const struct capture *c)
{
    return c->dlt;
}

int capture_snaplen(const struct capture *c)
{
    return c->snaplen;
}

/* libpcap's read error after the last good frame, as a kind and a line. */
static void read_error(struct capture *c, enum capture_err *err, char *errbuf)
{
    const char *msg = pcap_geterr(c->p);
    enum capture_err e = classify(msg ? msg : "");
    if (e == CAPTURE_ERR_NOTCAPTURE)
        e = CAPTURE_ERR_READ; /* the header was fine; a later block is bad */
    if (!c->offline)
        e = CAPTURE_ERR_DEVICE;
    if (c->offline && e == CAPTURE_ERR_READ)
        snprintf(errbuf, ERRBUF_SIZE, "%s: damaged capture file (%s)", c->name,
                 msg ? msg : "read error");
    else
        describe(c->name, e, msg ? msg : "read error", errbuf);
    if (err)
        *err = e;
}

/* libpcap stopped at an interface it refuses and pcapng_read.c accepts
 * (issue 15): read on from that block with our own reader. 1 when it took
 * over, 0 when it cannot (another error; a FIFO named as a path; a pipe
 * whose interface blocks were not all kept), -1 with *err and errbuf when
 * reading the file again failed. */
static int take_over(struct capture *c, enum capture_err *err, char *errbuf)
{
    FILE *f = pcap_file(c->p);
    int fd;
    if (!f || !c->path || !ngread_can_take_over(pcap_geterr(c->p)))
        return 0;
    if (c->watch) /* a pipe: from the blocks kept as libpcap read them */
        return (c->ng = ngread_resume(f, c->watch, c->name, (long long)ftello(f), c->bpf)) ? 1 : 0;
    if (c->stream)
        return 0;
    /* A regular file on standard input: the same file, from its start. */
    fd = strcmp(c->path, "-") == 0 ? dup(fileno(f)) : open(c->path, O_RDONLY | O_CLOEXEC);
    c->ng = ngread_open(fd, c->name, (long long)ftello(f), c->bpf, err, errbuf);
    return c->ng ? 1 : -1;
}

static uint64_t ts_of(const struct capture *c, const struct pcap_pkthdr *h)
{
    uint64_t sec = h->ts.tv_sec < 0 ? 0 : (uint64_t)h->ts.tv_sec;
    uint64_t frac = h->ts.tv_usec < 0 ? 0 : (uint64_t)h->ts.tv_usec;
    return sec * 1000000000u + (c->nano ? frac : frac * 1000u);
}

/* ---- read-ahead (offline) ------------------------------------------------ */

static size_t ra_align(size_t n) { return (n + 7u) & ~(size_t)7u; }

static int64_t file_pos(struct capture *c)
{
    FILE *f = pcap_file(c->p);
    return f ? (int64_t)ftello(f) : -1;
}

/* Producer: publish the batch being filled and take the next free one
 * (NULL when capture_close() asked the thread to stop). */
static struct ra_batch *ra_publish(struct readahead *ra)
{
    struct ra_batch *b = NULL;
    pthread_mutex_lock(&ra->mu);
    ra->tail = (ra->tail + 1) % RA_NBATCH;
    ra->nfull++;
    pthread_cond_broadcast(&ra->cv);
    while (ra->nfull == RA_NBATCH && !atomic_load(&ra->quit))
        pthread_cond_wait(&ra->cv, &ra->mu);
    if (!atomic_load(&ra->quit)) {
        b = &ra->b[ra->tail];
        b->used = 0;
        b->end = 0;
        atomic_store_explicit(&b->pub, 0, memory_order_relaxed);
    }
    pthread_mutex_unlock(&ra->mu);
    ra->fill = b;
    return b;
}

/* Producer: copy one frame into the batch being filled; false when the
 * capture is closing. */
static bool ra_push(struct readahead *ra, const struct ra_rec *rec, const uint8_t *data)
{
    struct ra_batch *b = ra->fill;
    size_t need = sizeof(*rec) + ra_align(rec->caplen);
    if (!b || atomic_load_explicit(&ra->quit, memory_order_relaxed))
        return false;
    if (RA_BATCH - b->used < need && !(b = ra_publish(ra)))
        return false;
    memcpy(b->buf + b->used, rec, sizeof(*rec));
    memcpy(b->buf + b->used + sizeof(*rec), data, rec->caplen);
    b->used += need;
    atomic_store_explicit(&b->pub, b->used, memory_order_release);
    return true;
}

static void ra_on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct capture *c = (struct capture *)user;
    struct readahead *ra = c->ra;
    struct ra_rec rec;
    if (!ra->fill)
        return;
    if (atomic_load_explicit(&ra->quit, memory_order_relaxed) || h->caplen > CFG_MAX_FRAME) {
        pcap_breakloop(c->p);
        return;
    }
    rec.ts_ns = ts_of(c, h);
    /* Where the frame ends in the file, without a syscall per frame: a
     * classic pcap record is a fixed header and the captured bytes, unless
     * libpcap cut the record to the snapshot length; ftello otherwise. */
    if (ra->rec_hdr > 0 && h->caplen < (bpf_u_int32)c->snaplen) {
        ra->pos += ra->rec_hdr + (int64_t)h->caplen;
    } else {
        int64_t prev = ra->pos;
        ra->pos = file_pos(c);
        if (ra->rec_hdr == 0 && pcap_major_version(c->p) == 2 && prev >= 0 &&
            (ra->pos - prev - (int64_t)h->caplen == 16 || ra->pos - prev - (int64_t)h->caplen == 24))
            ra->rec_hdr = ra->pos - prev - (int64_t)h->caplen;
        else if (ra->rec_hdr == 0)
            ra->rec_hdr = -1; /* pcapng: blocks vary; ask every time */
    }
    rec.offset = ra->pos;
    rec.caplen = h->caplen;
    rec.wirelen = h->len;
    rec.lt = (uint32_t)c->lt;
    if (!ra_push(ra, &rec, data))
        pcap_breakloop(c->p);
}

/* Producer, once pcapng_read.c took over: its frames, then its end. */
static int ra_own(struct capture *c, enum capture_err *e, char *msg)
{
    struct frame f;
    enum link_type lt;
    int rc = CAPTURE_EOF;
    while (!c->stop && (rc = ngread_next(c->ng, &f, &lt, e, msg)) == CAPTURE_FRAME) {
        struct ra_rec rec = { f.ts_ns, ngread_offset(c->ng), f.caplen, f.wirelen, (uint32_t)lt };
        if (!ra_push(c->ra, &rec, f.data))
            return CAPTURE_EOF; /* closing */
    }
    return c->stop ? CAPTURE_EOF : rc;
}

static void *ra_main(void *arg)
{
    struct capture *c = arg;
    struct readahead *ra = c->ra;
    enum capture_err e = CAPTURE_ERR_NONE;
    char msg[ERRBUF_SIZE];
    int rc, end = CAPTURE_EOF; /* end of file, or capture_breakloop() */
    do
        rc = pcap_dispatch(c->p, -1, ra_on_packet, (u_char *)c);
    while (rc > 0 && ra->fill);
    if (ra->fill && rc == PCAP_ERROR) {
        int t = take_over(c, &e, msg);
        if (t == 0)
            read_error(c, &e, msg);
        end = t > 0 ? ra_own(c, &e, msg) : CAPTURE_ERROR;
    }
    if (!ra->fill)
        return NULL; /* closing */
    ra->fill->end_offset = c->ng ? ngread_offset(c->ng) : file_pos(c);
    ra->fill->end = end;
    if (end == CAPTURE_ERROR) {
        ra->fill->err = e;
        snprintf(ra->fill->msg, sizeof(ra->fill->msg), "%s", msg);
    }
    pthread_mutex_lock(&ra->mu);
    ra->tail = (ra->tail + 1) % RA_NBATCH;
    ra->nfull++;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
    return NULL;
}

static void ra_free(struct readahead *ra)
{
    unsigned i;
    for (i = 0; i < RA_NBATCH; i++)
        free(ra->b[i].buf);
    pthread_cond_destroy(&ra->cv);
    pthread_mutex_destroy(&ra->mu);
    free(ra);
}

/* Start the thread; false (and reading goes on in this thread) if it
 * cannot be had. Signals stay with the main thread. */
static bool ra_start(struct capture *c)
{
    struct readahead *ra = calloc(1, sizeof(*ra));
    sigset_t all, old;
    unsigned i;
    int rc;
    if (!ra)
        return false;
    pthread_mutex_init(&ra->mu, NULL);
    pthread_cond_init(&ra->cv, NULL);
    atomic_init(&ra->quit, false);
    for (i = 0; i < RA_NBATCH; i++)
        if (!(ra->b[i].buf = malloc(RA_BATCH))) {
            ra_free(ra);
            return false;
        }
    ra->fill = &ra->b[0];
    ra->stream = c->stream;
    ra->offset = ra->pos = file_pos(c);
    c->ra = ra;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&ra->thread, NULL, ra_main, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        c->ra = NULL;
        ra_free(ra);
        return false;
    }
    return true;
}

/* CLOCK_REALTIME (pthread_cond_timedwait's clock) ms from now. */
static struct timespec deadline_after_ms(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += ms * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static void ra_stop(struct capture *c)
{
    struct readahead *ra = c->ra;
    if (!ra)
        return;
    pthread_mutex_lock(&ra->mu);
    atomic_store(&ra->quit, true);
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
    if (ra->stream) {
        /* The reader may be blocked in read() on a pipe whose writer is
         * silent (an interrupted `read -`): give it a moment, then cancel
         * it (read(2) is a cancellation point). */
        struct timespec until = deadline_after_ms(200);
        if (pthread_timedjoin_np(ra->thread, NULL, &until) != 0) {
            pthread_cancel(ra->thread);
            pthread_join(ra->thread, NULL);
        }
    } else {
        pthread_join(ra->thread, NULL);
    }
    c->ra = NULL;
    ra_free(ra);
}

static void idle_call(struct capture *c)
{
    if (c->idle && c->handed)
        c->idle(c->idle_user);
    c->handed = false;
}

/* Consumer, with the mutex held and nothing published: wait for a batch.
 * A stream instead returns as soon as the batch being filled has frames
 * beyond what was read of it (1), flushing output before it waits; 0 when a
 * batch was published, or the capture is stopping. */
static int ra_wait(struct capture *c, struct readahead *ra)
{
    while (ra->nfull == 0) {
        struct ra_batch *f = &ra->b[ra->head];
        size_t from = ra->cur == f ? ra->off : 0;
        struct timespec until;
        if (!ra->stream) {
            pthread_cond_wait(&ra->cv, &ra->mu);
            continue;
        }
        if (atomic_load_explicit(&f->pub, memory_order_acquire) > from) {
            if (ra->cur != f)
                ra->off = 0;
            ra->cur = f;
            ra->cur_full = false;
            return 1;
        }
        if (c->stop)
            return 0;
        if (c->handed) { /* about to wait: what was produced goes out first */
            pthread_mutex_unlock(&ra->mu);
            idle_call(c);
            pthread_mutex_lock(&ra->mu);
            continue;
        }
        /* The reader signals only whole batches; frames trickling into
         * the one being filled are picked up within 20 ms. */
        until = deadline_after_ms(20);
        pthread_cond_timedwait(&ra->cv, &ra->mu, &until);
    }
    return 0;
}

/* Consumer: the next frame; its bytes stay put until the next call, which
 * hands the batch back once every frame in it has been read. */
static int ra_next(struct capture *c, struct frame *out, enum capture_err *err, char *errbuf)
{
    struct readahead *ra = c->ra;
    for (;;) {
        struct ra_batch *b = ra->cur;
        size_t limit = 0;
        if (b)
            limit = ra->cur_full ? b->used : atomic_load_explicit(&b->pub, memory_order_acquire);
        if (b && ra->off < limit) {
            struct ra_rec rec;
            memcpy(&rec, b->buf + ra->off, sizeof(rec));
            out->data = b->buf + ra->off + sizeof(rec);
            out->caplen = rec.caplen;
            out->wirelen = rec.wirelen;
            out->ts_ns = rec.ts_ns;
            c->frame_lt = (enum link_type)rec.lt;
            ra->offset = rec.offset;
            ra->off += sizeof(rec) + ra_align(rec.caplen);
            c->handed = true;
            return CAPTURE_FRAME;
        }
        if (b && ra->cur_full && b->end) {
            ra->offset = b->end_offset;
            if (b->end == CAPTURE_ERROR) {
                snprintf(errbuf, ERRBUF_SIZE, "%s", b->msg);
                if (err)
                    *err = b->err;
            }
            return b->end;
        }
        if (c->stop)
            return CAPTURE_EOF;
        pthread_mutex_lock(&ra->mu);
        if (b && ra->cur_full) { /* done with it: back to the producer */
            ra->head = (ra->head + 1) % RA_NBATCH;
            ra->nfull--;
            pthread_cond_broadcast(&ra->cv);
            ra->cur = NULL;
            ra->off = 0;
        }
        if (ra_wait(c, ra) == 0 && ra->nfull > 0) {
            struct ra_batch *f = &ra->b[ra->head];
            if (ra->cur != f)
                ra->off = 0; /* else: go on where the partial reading stopped */
            ra->cur = f;
            ra->cur_full = true;
        }
        pthread_mutex_unlock(&ra->mu);
    }
}

/* Without the read-ahead thread, once pcapng_read.c took over. */
static int own_next(struct capture *c, struct frame *out, enum capture_err *err, char *errbuf)
{
    enum capture_err e = CAPTURE_ERR_NONE;
    int rc = c->stop ? CAPTURE_EOF : ngread_next(c->ng, out, &c->frame_lt, &e, errbuf);
    if (rc == CAPTURE_FRAME)
        c->handed = true;
    if (err)
        *err = e;
    return rc;
}

int capture_next(struct capture *c, struct frame *out, enum capture_err *err,
                 char errbuf[ERRBUF_SIZE])
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    if (err)
        *err = CAPTURE_ERR_NONE;
    if (c->stop || c->empty)
        return CAPTURE_EOF;
    if (c->offline && !c->ra && !c->ra_failed && !c->ng && !ra_start(c))
        c->ra_failed = true;
    if (c->ra)
        return ra_next(c, out, err, errbuf);
    if (c->ng)
        return own_next(c, out, err, errbuf);
    rc = pcap_next_ex(c->p, &h, &data);
    if (rc == 0 && !c->offline) {
        /* Nothing buffered: wait up to the timeout (a signal ends it early). */
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN, .revents = 0 };
        idle_call(c);
        if (c->fd >= 0 && poll(&pfd, 1, c->timeout_ms) < 0 && errno != EINTR) {
            snprintf(errbuf, ERRBUF_SIZE, "%s: poll: %s", c->name, strerror(errno));
            if (err)
                *err = CAPTURE_ERR_DEVICE;
            return CAPTURE_ERROR;
        }
        if (c->stop)
            return CAPTURE_EOF;
        rc = pcap_next_ex(c->p, &h, &data);
    }
    if (rc == 1) {
        c->handed = true;
        out->data = data;
        out->caplen = h->caplen;
        out->wirelen = h->len;
        out->ts_ns = ts_of(c, h);
        c->frame_lt = c->lt;
        return CAPTURE_FRAME;
    }
    if (rc == 0)
        return CAPTURE_TIMEOUT;
    if (rc == PCAP_ERROR_BREAK)
        return CAPTURE_EOF;
    if (c->offline) {
        enum capture_err e = CAPTURE_ERR_NONE;
        int t = take_over(c, &e, errbuf);
        if (t > 0)
            return own_next(c, out, err, errbuf);
        if (t < 0) {
            if (err)
                *err = e;
            return CAPTURE_ERROR;
        }
    }
    read_error(c, err, errbuf);
    return CAPTURE_ERROR;
}

void capture_set_idle(struct capture *c, void (*idle)(void *user), void *user)
{
    c->idle = idle;
    c->idle_user = user;
}

bool capture_is_stream(const struct capture *c)
{
    return c->stream;
}

void capture_breakloop(struct capture *c)
{
    c->stop = 1;
    pcap_breakloop(c->p);
}

int capture_stats(struct capture *c, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped)
{
    struct pcap_stat ps;
    if (c->offline)
        return -1;
    memset(&ps, 0, sizeof(ps));
    if (pcap_stats(c->p, &ps) != 0)
        return -1;
    *received = ps.ps_recv;
    *dropped = ps.ps_drop;
    *ifdropped = ps.ps_ifdrop;
    return 0;
}

long long capture_file_offset(struct capture *c)
{
    FILE *f;
    if (!c->offline || c->empty)
        return -1;
    if (c->ra)
        return (long long)c->ra->offset; /* the reader thread is further on */
    if (c->ng)
        return ngread_offset(c->ng);
    f = pcap_file(c->p);
    if (!f)
        return -1;
    return (long long)ftello(f);
}

void capture_close(struct capture *c)
{
    if (!c)
        return;
    ra_stop(c);
    ngread_close(c->ng);
    if (c->p)
        pcap_close(c->p);
    ngwatch_free(c->watch); /* after libpcap's FILE over it is closed */
    free(c->path);
    free(c->bpf);
    free(c);
}
