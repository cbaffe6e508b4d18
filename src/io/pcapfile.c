/* pcapfile.c: the project's pcap writer: libpcap's pcap_open_dead + pcap_dump
 * with nanosecond timestamps (magic a1b23c4d), errors as one line naming the file. */
#include "pcapfile.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outfile.h"
#include "pcapng_enc.h"

/* File-format numbers (tcpdump.org/linktypes.html). Most equal the DLT_
 * values; LINKTYPE_RAW does not: DLT_RAW is 12 on Linux (14 on OpenBSD), and
 * libpcap maps it to 101 when it writes a file. */
#define LINKTYPE_NULL_NUM 0
#define LINKTYPE_ETHERNET_NUM 1
#define LINKTYPE_RAW_NUM 101
#define LINKTYPE_LOOP_NUM 108
#define LINKTYPE_LINUX_SLL_NUM 113
#define LINKTYPE_IPV4_NUM 228
#define LINKTYPE_IPV6_NUM 229
#define LINKTYPE_LINUX_SLL2_NUM 276

#define NS_PER_S 1000000000ull
#define PATH_SHOWN 256

struct pcapfile {
    bool ng;               /* pcapng (file name ends in .pcapng), written by hand */
    uint8_t *blk;          /* pcapng: one block being built */
    size_t blkcap;
    pcap_t *dead;          /* only carries link type, snaplen and precision */
    pcap_dumper_t *dump;   /* owns the FILE */
    FILE *fp;
    uint32_t snaplen;
    int write_errno;       /* first write error, reported by pcapfile_close */
    char path[PATH_SHOWN]; /* for messages; "stdout" for "-" */
};

static void set_err(char *errbuf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(char *errbuf, const char *fmt, ...)
{
    va_list ap;
    char *nl;
    if (!errbuf)
        return;
    va_start(ap, fmt);
    vsnprintf(errbuf, ERRBUF_SIZE, fmt, ap);
    va_end(ap);
    /* One line, whatever libpcap's text holds. */
    while ((nl = strchr(errbuf, '\n')) != NULL)
        *nl = ' ';
}

int pcapfile_dlt_for(enum link_type lt)
{
    switch (lt) {
    case LINK_ETHERNET:
        return LINKTYPE_ETHERNET_NUM;
    case LINK_LINUX_SLL:
        return LINKTYPE_LINUX_SLL_NUM;
    case LINK_LINUX_SLL2:
        return LINKTYPE_LINUX_SLL2_NUM;
    case LINK_NULL_BSD:
        return LINKTYPE_NULL_NUM;
    case LINK_LOOP:
        return LINKTYPE_LOOP_NUM;
    case LINK_RAW:
        return LINKTYPE_RAW_NUM;
    case LINK_IPV4:
        return LINKTYPE_IPV4_NUM;
    case LINK_IPV6:
        return LINKTYPE_IPV6_NUM;
    case LINK_UNKNOWN:
    case LINK__COUNT:
    default:
        return -1;
    }
}

struct pcapfile *pcapfile_create(const char *path, enum link_type lt, int snaplen,
                                 char errbuf[ERRBUF_SIZE])
{
    int dlt = pcapfile_dlt_for(lt);
    if (dlt < 0) {
        set_err(errbuf, "cannot write %s: link type %s has no pcap link-layer type",
                path ? path : "(null)", link_type_name(lt));
        return NULL;
    }
    return pcapfile_create_dlt(path, dlt, snaplen, errbuf);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int ng_put(struct pcapfile *w, size_t len)
{
    if (len == 0 || fwrite(w->blk, 1, len, w->fp) != len) {
        if (!w->write_errno)
            w->write_errno = len == 0 ? EOVERFLOW : (errno ? errno : EIO);
        return -1;
    }
    return 0;
}

/* pcapng: section header and one interface, written by hand (libpcap 1.10
 * writes only pcap). */
static struct pcapfile *ng_create(const char *path, int dlt, int snaplen, const char *if_name,
                                  char errbuf[ERRBUF_SIZE])
{
    struct pcapfile *w = calloc(1, sizeof(*w));
    /* pcapng stores LINKTYPE_ values: DLT_RAW (12 on Linux) is LINKTYPE_RAW. */
    uint16_t linktype = (uint16_t)(dlt == DLT_RAW ? LINKTYPE_RAW_NUM : dlt);
    if (!w) {
        set_err(errbuf, "cannot write %s: out of memory", path);
        return NULL;
    }
    w->ng = true;
    w->snaplen = (uint32_t)snaplen;
    w->blkcap = pcapng_enc_epb_size(w->snaplen, 1024) + 64;
    w->blk = malloc(w->blkcap);
    snprintf(w->path, sizeof(w->path), "%s", path);
    w->fp = w->blk ? outfile_fopen(path, errbuf) : NULL;
    if (!w->fp) {
        if (!w->blk)
            set_err(errbuf, "cannot write %s: out of memory", path);
        free(w->blk);
        free(w);
        return NULL;
    }
    if (ng_put(w, pcapng_enc_shb(w->blk, w->blkcap, "tcpshake " TCPSHAKE_VERSION)) != 0 ||
        ng_put(w, pcapng_enc_idb(w->blk, w->blkcap, linktype, w->snaplen, if_name)) != 0) {
        set_err(errbuf, "cannot write %s: %s", path, strerror(w->write_errno));
        fclose(w->fp);
        remove(path);
        free(w->blk);
        free(w);
        return NULL;
    }
    return w;
}

struct pcapfile *pcapfile_create_dlt(const char *path, int dlt, int snaplen,
                                     char errbuf[ERRBUF_SIZE])
{
    return pcapfile_create_iface(path, dlt, snaplen, NULL, errbuf);
}

struct pcapfile *pcapfile_create_iface(const char *path, int dlt, int snaplen,
                                       const char *if_name, char errbuf[ERRBUF_SIZE])
{
    struct pcapfile *w;
    bool to_stdout;
    int fd;

    if (!path || !*path) {
        set_err(errbuf, "cannot write a capture: empty file name");
        return NULL;
    }
    to_stdout = strcmp(path, "-") == 0;
    if (snaplen < 0 || (unsigned)snaplen > CFG_MAX_FRAME) {
        set_err(errbuf, "cannot write %s: snaplen %d out of range 0..%u", path, snaplen,
                CFG_MAX_FRAME);
        return NULL;
    }
    if (snaplen == 0)
        snaplen = (int)CFG_MAX_FRAME;
    if (!to_stdout && ends_with(path, ".pcapng"))
        return ng_create(path, dlt, snaplen, if_name, errbuf);
    /* A LINKTYPE_ number passed for RAW: libpcap wants the DLT_ value. */
    if (dlt == LINKTYPE_RAW_NUM)
        dlt = DLT_RAW;

    w = calloc(1, sizeof(*w));
    if (!w) {
        set_err(errbuf, "cannot write %s: out of memory", path);
        return NULL;
    }
    snprintf(w->path, sizeof(w->path), "%s", to_stdout ? "stdout" : path);
    w->snaplen = (uint32_t)snaplen;

    w->dead = pcap_open_dead_with_tstamp_precision(dlt, snaplen, PCAP_TSTAMP_PRECISION_NANO);
    if (!w->dead) {
        set_err(errbuf, "cannot write %s: pcap_open_dead failed", w->path);
        free(w);
        return NULL;
    }
    if (to_stdout) {
        /* Write to a duplicate, so that closing the dumper leaves stdout open. */
        fd = dup(STDOUT_FILENO);
        w->fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (!w->fp && fd >= 0)
            close(fd);
    } else {
        w->fp = outfile_fopen(path, errbuf);
    }
    if (!w->fp) {
        if (to_stdout)
            set_err(errbuf, "cannot write %s: %s", w->path, strerror(errno));
        pcap_close(w->dead);
        free(w);
        return NULL;
    }
    w->dump = pcap_dump_fopen(w->dead, w->fp); /* writes the file header */
    if (!w->dump) {
        /* e.g. "link-layer type 14 isn't supported in savefiles" */
        set_err(errbuf, "cannot write %s: %s", w->path, pcap_geterr(w->dead));
        fclose(w->fp);
        if (!to_stdout)
            remove(path);
        pcap_close(w->dead);
        free(w);
        return NULL;
    }
    return w;
}

/* The record keeps min(caplen, snaplen) bytes, as a capture with that snaplen
 * would, and an original length of at least that much. */
int pcapfile_write(struct pcapfile *w, const struct frame *f)
{
    return pcapfile_write_comment(w, f, NULL);
}

bool pcapfile_is_pcapng(const struct pcapfile *w)
{
    return w && w->ng;
}

int pcapfile_write_comment(struct pcapfile *w, const struct frame *f, const char *comment)
{
    struct pcap_pkthdr h;
    uint32_t caplen;
    if (!w || !f || (f->caplen && !f->data))
        return -1;
    if (w->write_errno)
        return -1;
    if (w->ng) {
        char cut[1024];
        caplen = f->caplen < w->snaplen ? f->caplen : w->snaplen;
        if (comment && strlen(comment) >= sizeof(cut)) {
            memcpy(cut, comment, sizeof(cut) - 1); /* bounded by blkcap */
            cut[sizeof(cut) - 1] = '\0';
            comment = cut;
        }
        return ng_put(w, pcapng_enc_epb(w->blk, w->blkcap, 0, f->ts_ns, f->data, caplen,
                                        f->wirelen > caplen ? f->wirelen : caplen, comment));
    }
    if (f->ts_ns / NS_PER_S > UINT32_MAX)
        return -1; /* the record's seconds field is 32 bits */
    caplen = f->caplen < w->snaplen ? f->caplen : w->snaplen;
    memset(&h, 0, sizeof(h));
    h.ts.tv_sec = (time_t)(f->ts_ns / NS_PER_S);
    h.ts.tv_usec = (suseconds_t)(f->ts_ns % NS_PER_S); /* nanoseconds: NANO dumper */
    h.caplen = caplen;
    h.len = f->wirelen > caplen ? f->wirelen : caplen;
    pcap_dump((u_char *)w->dump, &h, f->data);
    if (ferror(w->fp)) {
        w->write_errno = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

int pcapfile_flush(struct pcapfile *w)
{
    if (!w || w->write_errno)
        return -1;
    if (fflush(w->fp) != 0) {
        w->write_errno = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

long long pcapfile_bytes(const struct pcapfile *w)
{
    off_t pos = w ? ftello(w->fp) : -1;
    return (long long)pos;
}

int pcapfile_close(struct pcapfile *w, char errbuf[ERRBUF_SIZE])
{
    int rc = 0;
    if (!w)
        return 0;
    errno = 0;
    if (w->ng) {
        if (fclose(w->fp) != 0 && !w->write_errno)
            w->write_errno = errno ? errno : EIO;
        if (w->write_errno) {
            set_err(errbuf, "error writing %s: %s", w->path, strerror(w->write_errno));
            rc = -1;
        }
        free(w->blk);
        free(w);
        return rc;
    }
    if (!w->write_errno && (pcap_dump_flush(w->dump) != 0 || ferror(w->fp)))
        w->write_errno = errno ? errno : EIO;
    if (w->write_errno) {
        set_err(errbuf, "error writing %s: %s", w->path, strerror(w->write_errno));
        rc = -1;
    }
    pcap_dump_close(w->dump); /* fclose()s w->fp */
    pcap_close(w->dead);
    free(w);
    return rc;
}
