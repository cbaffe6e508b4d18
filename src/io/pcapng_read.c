/* pcapng_read.c: tcpshake's own pcapng file reader (include/io/pcapng_read.h),
 * for the valid files libpcap 1.10 refuses (issue 15, docs/CONFORMANCE.md).
 * Blocks are read whole (header, then the rest, at most PNG_MAX_BLOCK) and
 * parsed by the pure src/core/pcapng_dec.c; the BPF filter is libpcap's,
 * compiled once per link type (filter_for) and run on each frame with
 * pcap_offline_filter(), as libpcap filters its own reads. */
#include "pcapng_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "pcapng_dec.h"

#define NG_MAX_FILTERS 16 /* distinct link types filtered in one file */

struct ng_filter {
    uint16_t linktype;
    bool swapped;
    struct bpf_program prog;
};

struct ngread {
    FILE *f;
    bool borrowed;          /* f belongs to libpcap (ngread_resume) */
    char name[256];
    struct png_dec dec;
    uint8_t *buf;
    size_t cap;
    long long off;          /* bytes consumed */
    const char *bpf;        /* the caller's expression, or NULL */
    struct ng_filter filt[NG_MAX_FILTERS];
    unsigned nfilt;
};

bool ngread_can_take_over(const char *msg)
{
    /* libpcap 1.10 sf-pcapng.c, on a second Interface Description Block. */
    return msg && (strstr(msg, "different from the type of the first interface") ||
                   strstr(msg, "different from the snapshot length of the first interface"));
}

static int damaged(struct ngread *r, const char *why, enum capture_err *err, char *errbuf)
{
    snprintf(errbuf, ERRBUF_SIZE, "%s: damaged capture file (%s)", r->name, why);
    *err = CAPTURE_ERR_READ;
    return CAPTURE_ERROR;
}

/* Read n bytes at r->buf + at: 1, 0 at a clean end (nothing read at a block
 * start), CAPTURE_ERROR if cut or unreadable. */
static int read_exact(struct ngread *r, size_t at, size_t n, bool block_start,
                      enum capture_err *err, char *errbuf)
{
    size_t got = fread(r->buf + at, 1, n, r->f);
    if (got == n)
        return 1;
    if (ferror(r->f)) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: %s", r->name, strerror(errno));
        *err = CAPTURE_ERR_READ;
        return CAPTURE_ERROR;
    }
    if (got == 0 && block_start)
        return 0;
    snprintf(errbuf, ERRBUF_SIZE,
             "%s: truncated capture file: tried to read %zu bytes of a pcapng block, only got %zu",
             r->name, n, got);
    *err = CAPTURE_ERR_TRUNCATED;
    return CAPTURE_ERROR;
}

/* The next block into r->buf: its length, 0 at the end, or CAPTURE_ERROR. */
static long next_block(struct ngread *r, enum capture_err *err, char *errbuf)
{
    uint32_t total;
    int rc = read_exact(r, 0, 12, true, err, errbuf);
    if (rc <= 0)
        return rc;
    total = png_block_len(&r->dec, r->buf, 12);
    if (total == 0)
        return damaged(r, r->dec.error, err, errbuf);
    if (total > r->cap) {
        uint8_t *nb = realloc(r->buf, total);
        if (!nb)
            return damaged(r, "out of memory for a block", err, errbuf);
        r->buf = nb;
        r->cap = total;
    }
    if (total > 12 && (rc = read_exact(r, 12, total - 12, false, err, errbuf)) <= 0)
        return CAPTURE_ERROR;
    r->off += total;
    return (long)total;
}

/* n bytes of v, big-endian if `be`, else little-endian. */
static void put(uint8_t *p, uint32_t v, unsigned n, bool be)
{
    unsigned i;
    for (i = 0; i < n; i++)
        p[be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

pcap_t *ngread_bare_handle(uint8_t hdr[24], uint16_t linktype, bool big_endian,
                           char pe[PCAP_ERRBUF_SIZE])
{
    FILE *mf;
    pcap_t *p;
    put(hdr, 0xA1B2C3D4u, 4, big_endian);
    put(hdr + 4, 2, 2, big_endian); /* version 2.4 */
    put(hdr + 6, 4, 2, big_endian);
    put(hdr + 8, 0, 4, big_endian);
    put(hdr + 12, 0, 4, big_endian);
    put(hdr + 16, CFG_MAX_FRAME, 4, big_endian);
    put(hdr + 20, linktype, 4, big_endian);
    pe[0] = '\0';
    if (!(mf = fmemopen(hdr, 24, "rb"))) {
        snprintf(pe, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
        return NULL;
    }
    p = pcap_fopen_offline_with_tstamp_precision(mf, PCAP_TSTAMP_PRECISION_NANO, pe);
    if (!p)
        fclose(mf); /* pcap_fopen_offline() leaves it to the caller */
    return p;
}

/* The compiled filter for a link type in a section of a byte order; NULL
 * with *err when it cannot be compiled there (as libpcap would refuse it
 * at open). It is compiled on a handle reading a bare classic pcap header
 * of that link type and byte order, so libpcap generates the code it
 * generates for a saved file (e.g. DLT_NULL: every BSD AF_INET6 value, in
 * the file's byte order), not the live one a dead handle would get. */
static const struct bpf_program *filter_for(struct ngread *r, uint16_t linktype, bool swapped,
                                            enum capture_err *err, char *errbuf)
{
    uint8_t hdr[24];
    char pe[PCAP_ERRBUF_SIZE];
    unsigned i;
    pcap_t *p;
    int rc;
    for (i = 0; i < r->nfilt; i++)
        if (r->filt[i].linktype == linktype && r->filt[i].swapped == swapped)
            return &r->filt[i].prog;
    if (r->nfilt == NG_MAX_FILTERS) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: cannot filter more than %d link types", r->name,
                 NG_MAX_FILTERS);
        *err = CAPTURE_ERR_BPF;
        return NULL;
    }
    if (!(p = ngread_bare_handle(hdr, linktype, swapped, pe))) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: cannot compile the filter for link type %u: %.200s",
                 r->name, linktype, pe);
        *err = CAPTURE_ERR_BPF;
        return NULL;
    }
    rc = pcap_compile(p, &r->filt[r->nfilt].prog, r->bpf, 1, PCAP_NETMASK_UNKNOWN);
    if (rc != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "bad filter expression '%s' for link type %u in %s: %s",
                 r->bpf, linktype, r->name, pcap_geterr(p));
        *err = CAPTURE_ERR_BPF;
        pcap_close(p);
        return NULL;
    }
    pcap_close(p);
    r->filt[r->nfilt].linktype = linktype;
    r->filt[r->nfilt].swapped = swapped;
    return &r->filt[r->nfilt++].prog;
}

struct ngread *ngread_open(int fd, const char *name, long long from, const char *bpf,
                           enum capture_err *err, char errbuf[ERRBUF_SIZE])
{
    struct ngread *r = calloc(1, sizeof(*r));
    struct png_pkt pkt;
    if (!r) {
        if (fd >= 0)
            close(fd);
        snprintf(errbuf, ERRBUF_SIZE, "out of memory");
        *err = CAPTURE_ERR_READ;
        return NULL;
    }
    snprintf(r->name, sizeof(r->name), "%s", name);
    png_init(&r->dec);
    r->bpf = bpf && bpf[0] ? bpf : NULL;
    r->f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!r->f || fseeko(r->f, 0, SEEK_SET) != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "%s: cannot read the file again: %s", name,
                 strerror(errno));
        *err = CAPTURE_ERR_READ;
        if (!r->f && fd >= 0)
            close(fd);
        ngread_close(r);
        return NULL;
    }
    r->cap = 65536;
    if (!(r->buf = malloc(r->cap))) {
        snprintf(errbuf, ERRBUF_SIZE, "out of memory");
        *err = CAPTURE_ERR_READ;
        ngread_close(r);
        return NULL;
    }
    /* Up to where libpcap stopped: the interfaces, not the packets. */
    while (r->off < from) {
        long n = next_block(r, err, errbuf);
        if (n == 0)
            damaged(r, "the file ends before where libpcap stopped", err, errbuf);
        else if (n > 0 && png_block(&r->dec, r->buf, (size_t)n, CFG_MAX_FRAME, &pkt) == PNG_ERROR)
            damaged(r, r->dec.error, err, errbuf);
        else if (n > 0)
            continue;
        ngread_close(r);
        return NULL;
    }
    if (r->off != from) {
        damaged(r, "libpcap stopped inside a block", err, errbuf);
        ngread_close(r);
        return NULL;
    }
    return r;
}

int ngread_next(struct ngread *r, struct frame *out, enum link_type *lt, enum capture_err *err,
                char errbuf[ERRBUF_SIZE])
{
    for (;;) {
        struct png_pkt pkt;
        long n = next_block(r, err, errbuf);
        enum png_rc rc;
        if (n == 0)
            return CAPTURE_EOF;
        if (n < 0)
            return CAPTURE_ERROR;
        rc = png_block(&r->dec, r->buf, (size_t)n, CFG_MAX_FRAME, &pkt);
        if (rc == PNG_ERROR)
            return damaged(r, r->dec.error, err, errbuf);
        if (rc != PNG_PACKET)
            continue;
        if (r->bpf) {
            struct pcap_pkthdr h;
            const struct bpf_program *prog = filter_for(r, pkt.linktype, r->dec.swapped, err, errbuf);
            if (!prog)
                return CAPTURE_ERROR;
            memset(&h, 0, sizeof(h));
            h.caplen = pkt.caplen;
            h.len = pkt.wirelen;
            if (!pcap_offline_filter(prog, &h, pkt.data))
                continue;
        }
        out->data = pkt.data;
        out->caplen = pkt.caplen;
        out->wirelen = pkt.wirelen;
        out->ts_ns = pkt.ts_ns;
        *lt = capture_map_dlt(pkt.linktype); /* LINKTYPE_ numbers: mapped too */
        return CAPTURE_FRAME;
    }
}

long long ngread_offset(const struct ngread *r)
{
    return r->off;
}

void ngread_close(struct ngread *r)
{
    unsigned i;
    if (!r)
        return;
    for (i = 0; i < r->nfilt; i++)
        pcap_freecode(&r->filt[i].prog);
    if (r->f && !r->borrowed)
        fclose(r->f);
    png_free(&r->dec);
    free(r->buf);
    free(r);
}

/* ---- pipes: watch what libpcap reads ------------------------------------ */

struct ngwatch {
    int fd;
    long long pos;          /* bytes read from fd */
    bool active;            /* a pcapng stream, framed as expected so far */
    struct png_dec scan;    /* for block lengths and the byte order only */
    uint8_t hdr[12];        /* the current block's header, as it comes */
    size_t hlen;
    uint32_t need;          /* bytes of the current block still to come */
    bool keep;              /* the current block is an SHB or IDB: kept */
    uint8_t *kept;          /* kept blocks: 8-byte end offset, then the block */
    size_t nkept;
};

static bool keep_bytes(struct ngwatch *w, const void *p, size_t n)
{
    if (!w->kept && !(w->kept = malloc(NGWATCH_MAX_KEPT)))
        return false;
    if (n > NGWATCH_MAX_KEPT - w->nkept)
        return false;
    memcpy(w->kept + w->nkept, p, n);
    w->nkept += n;
    return true;
}

/* Follow the block framing over bytes as they are read. */
static void watch_feed(struct ngwatch *w, const uint8_t *p, size_t n)
{
    while (n > 0 && w->active) {
        size_t take;
        if (w->hlen < 12) {
            uint32_t total, type;
            take = 12 - w->hlen < n ? 12 - w->hlen : n;
            memcpy(w->hdr + w->hlen, p, take);
            w->hlen += take;
            p += take;
            n -= take;
            if (w->hlen < 12)
                return;
            if (!(total = png_block_len(&w->scan, w->hdr, 12))) {
                w->active = false; /* libpcap will say what is wrong */
                return;
            }
            type = png_block_type(&w->scan, w->hdr);
            if (type == PNG_SHB)
                w->scan.in_section = true;
            w->keep = type == PNG_SHB || type == PNG_IDB;
            if (w->keep) {
                /* pos counts what was read: this block ends total - 12
                 * bytes after the header, which ended at pos - n. */
                int64_t end = (int64_t)(w->pos - (long long)n) + (int64_t)(total - 12u);
                if (!keep_bytes(w, &end, sizeof(end)) || !keep_bytes(w, w->hdr, 12)) {
                    w->active = false;
                    return;
                }
            }
            w->need = total - 12u;
        }
        take = w->need < n ? w->need : n;
        if (w->keep && take && !keep_bytes(w, p, take)) {
            w->active = false;
            return;
        }
        p += take;
        n -= take;
        w->need -= (uint32_t)take;
        if (w->need == 0)
            w->hlen = 0; /* next block */
    }
}

static ssize_t watch_read(void *cookie, char *buf, size_t size)
{
    struct ngwatch *w = cookie;
    ssize_t n = read(w->fd, buf, size);
    if (n > 0) {
        w->pos += n;
        watch_feed(w, (const uint8_t *)buf, (size_t)n);
    }
    return n;
}

/* Only the position query ftello() makes: a pipe does not seek. */
static int watch_seek(void *cookie, off64_t *off, int whence)
{
    struct ngwatch *w = cookie;
    if (whence == SEEK_CUR && *off == 0) {
        *off = w->pos;
        return 0;
    }
    errno = ESPIPE;
    return -1;
}

static int watch_close(void *cookie)
{
    (void)cookie; /* the fd (standard input) stays open */
    return 0;
}

struct ngwatch *ngwatch_new(int fd)
{
    struct ngwatch *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->fd = fd;
    w->active = true;
    png_init(&w->scan);
    return w;
}

FILE *ngwatch_file(struct ngwatch *w)
{
    cookie_io_functions_t io = { watch_read, NULL, watch_seek, watch_close };
    return fopencookie(w, "rb", io);
}

void ngwatch_free(struct ngwatch *w)
{
    if (!w)
        return;
    png_free(&w->scan);
    free(w->kept);
    free(w);
}

struct ngread *ngread_resume(FILE *f, const struct ngwatch *w, const char *name, long long from,
                             const char *bpf)
{
    struct ngread *r;
    size_t at = 0;
    long long end = 0;
    if (!w->active || from <= 0 || !(r = calloc(1, sizeof(*r))))
        return NULL;
    snprintf(r->name, sizeof(r->name), "%s", name);
    png_init(&r->dec);
    r->bpf = bpf && bpf[0] ? bpf : NULL;
    r->f = f;
    r->borrowed = true;
    r->off = from;
    r->cap = 65536;
    if (!(r->buf = malloc(r->cap))) {
        ngread_close(r);
        return NULL;
    }
    /* The kept blocks that end by `from`: the interfaces libpcap saw. */
    while (at + 8 + 12 <= w->nkept) {
        int64_t e;
        struct png_pkt pkt;
        uint32_t total;
        memcpy(&e, w->kept + at, sizeof(e));
        if (e > from)
            break;
        total = png_block_len(&r->dec, w->kept + at + 8, w->nkept - at - 8);
        if (total == 0 || total > w->nkept - at - 8 ||
            png_block(&r->dec, w->kept + at + 8, total, CFG_MAX_FRAME, &pkt) == PNG_ERROR)
            break;
        end = e;
        at += 8 + total;
    }
    if (end != from) { /* the refused IDB is the last block libpcap read */
        ngread_close(r);
        return NULL;
    }
    return r;
}

