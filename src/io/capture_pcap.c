/* capture_pcap.c: offline (pcap, pcapng, stdin) and live capture through
 * libpcap; maps DLT numbers to link types once and libpcap's failures to
 * capture_err kinds with a one-line message.
 *
 * Offline files are read ahead by a second thread (capture_readahead.c): it runs libpcap's loop
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
#include "capture_int.h"
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
         * that keeps the interface blocks, for cap__take_over(). */
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
void cap__read_error(struct capture *c, enum capture_err *err, char *errbuf)
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
int cap__take_over(struct capture *c, enum capture_err *err, char *errbuf)
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

uint64_t cap__ts_of(const struct capture *c, const struct pcap_pkthdr *h)
{
    uint64_t sec = h->ts.tv_sec < 0 ? 0 : (uint64_t)h->ts.tv_sec;
    uint64_t frac = h->ts.tv_usec < 0 ? 0 : (uint64_t)h->ts.tv_usec;
    return sec * 1000000000u + (c->nano ? frac : frac * 1000u);
}

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
    if (c->offline && !c->ra && !c->ra_failed && !c->ng && !cap__ra_start(c))
        c->ra_failed = true;
    if (c->ra)
        return cap__ra_next(c, out, err, errbuf);
    if (c->ng)
        return own_next(c, out, err, errbuf);
    rc = pcap_next_ex(c->p, &h, &data);
    if (rc == 0 && !c->offline) {
        /* Nothing buffered: wait up to the timeout (a signal ends it early). */
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN, .revents = 0 };
        cap__idle_call(c);
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
        out->ts_ns = cap__ts_of(c, h);
        c->frame_lt = c->lt;
        return CAPTURE_FRAME;
    }
    if (rc == 0)
        return CAPTURE_TIMEOUT;
    if (rc == PCAP_ERROR_BREAK)
        return CAPTURE_EOF;
    if (c->offline) {
        enum capture_err e = CAPTURE_ERR_NONE;
        int t = cap__take_over(c, &e, errbuf);
        if (t > 0)
            return own_next(c, out, err, errbuf);
        if (t < 0) {
            if (err)
                *err = e;
            return CAPTURE_ERROR;
        }
    }
    cap__read_error(c, err, errbuf);
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
    cap__ra_stop(c);
    ngread_close(c->ng);
    if (c->p)
        pcap_close(c->p);
    ngwatch_free(c->watch); /* after libpcap's FILE over it is closed */
    free(c->path);
    free(c->bpf);
    free(c);
}
