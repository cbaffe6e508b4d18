/* pcaprotate.c: tcpdump's savefile rotation for watch -w (issue 12).
 * Names follow tcpdump's MakeFilename(): with -G the pattern goes through
 * strftime(3) at each rotation (local time); with -C the first file has the
 * plain name and the next ones the name followed by 1, 2, ...; with -C and
 * -W the files are a ring named with a number from 0 to COUNT-1, padded to
 * COUNT's digits. Every file is created through pcapfile.h, so through
 * outfile_open() (symlink-safe when privileged: docs/HARDENING.md). */
#include "pcaprotate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapfile.h"

#define NAME_MAX_LEN 4096

struct rotator {
    struct rotate_cfg cfg;
    struct pcapfile *w;
    unsigned cnt;        /* -C: number of the current file */
    unsigned files;      /* files opened so far (-G -W) */
    time_t opened_at;    /* -G: when the current file started */
    char name[NAME_MAX_LEN + 16]; /* the base name and a -C number */
};

static unsigned digits(unsigned n)
{
    unsigned d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* tcpdump's MakeFilename: strftime with -G, then the -C number. */
static int make_name(struct rotator *r, time_t now, char errbuf[ERRBUF_SIZE])
{
    char base[NAME_MAX_LEN];
    const struct rotate_cfg *c = &r->cfg;
    if (c->seconds) {
        struct tm tm;
        size_t n = 0;
        /* The pattern is the user's -w argument by design (tcpdump -G). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        if (localtime_r(&now, &tm))
            n = strftime(base, sizeof(base), c->pattern, &tm);
#pragma GCC diagnostic pop
        if (n == 0) {
            snprintf(errbuf, ERRBUF_SIZE, "-w %s: the -G file name is empty or too long",
                     c->pattern);
            return -1;
        }
    } else {
        snprintf(base, sizeof(base), "%s", c->pattern);
    }
    if (c->size_bytes && c->count)
        snprintf(r->name, sizeof(r->name), "%s%0*u", base, (int)digits(c->count), r->cnt);
    else if (c->size_bytes && r->cnt)
        snprintf(r->name, sizeof(r->name), "%s%u", base, r->cnt);
    else
        snprintf(r->name, sizeof(r->name), "%s", base);
    return 0;
}

static int open_current(struct rotator *r, time_t now, char errbuf[ERRBUF_SIZE])
{
    if (make_name(r, now, errbuf) != 0)
        return -1;
    r->w = pcapfile_create_iface(r->name, r->cfg.dlt, r->cfg.snaplen, r->cfg.if_name, errbuf);
    if (!r->w)
        return -1;
    r->opened_at = now;
    r->files++;
    return 0;
}

struct rotator *rotator_open(const struct rotate_cfg *cfg, time_t now, char errbuf[ERRBUF_SIZE])
{
    struct rotator *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(errbuf, ERRBUF_SIZE, "out of memory");
        return NULL;
    }
    r->cfg = *cfg;
    if (open_current(r, now, errbuf) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

/* Close the current file and open the next. */
static int rotate(struct rotator *r, time_t now, bool by_time, char errbuf[ERRBUF_SIZE])
{
    if (pcapfile_close(r->w, errbuf) != 0) {
        r->w = NULL;
        return -1;
    }
    r->w = NULL;
    if (by_time) {
        r->cnt = 0; /* a new -G period starts the -C numbering again */
    } else {
        r->cnt++;
        if (r->cfg.count && r->cnt >= r->cfg.count)
            r->cnt = 0; /* -C -W: a ring */
    }
    return open_current(r, now, errbuf);
}

int rotator_write(struct rotator *r, const struct frame *f, const char *comment, time_t now,
                  char errbuf[ERRBUF_SIZE])
{
    if (!r->w) {
        snprintf(errbuf, ERRBUF_SIZE, "no capture file open");
        return -1;
    }
    if (r->cfg.seconds && now - r->opened_at >= (time_t)r->cfg.seconds) {
        /* -G -W without -C: stop once COUNT files are done (tcpdump). */
        if (r->cfg.count && !r->cfg.size_bytes && r->files >= r->cfg.count)
            return 1;
        if (rotate(r, now, true, errbuf) != 0)
            return -1;
    }
    if (r->cfg.size_bytes && pcapfile_bytes(r->w) > (long long)r->cfg.size_bytes &&
        rotate(r, now, false, errbuf) != 0)
        return -1;
    if (pcapfile_write_comment(r->w, f, comment) != 0 ||
        (r->cfg.packet_buffered && pcapfile_flush(r->w) != 0)) {
        int e = errno ? errno : EIO;
        snprintf(errbuf, ERRBUF_SIZE, "error writing %.400s: %s", r->name, strerror(e));
        return -1;
    }
    return 0;
}

const char *rotator_current(const struct rotator *r)
{
    return r ? r->name : "";
}

int rotator_close(struct rotator *r, char errbuf[ERRBUF_SIZE])
{
    int rc;
    if (!r)
        return 0;
    rc = pcapfile_close(r->w, errbuf);
    free(r);
    return rc;
}
