/* capture_readahead.c: offline input read ahead by a second thread. It runs
 * libpcap's loop (pcap_dispatch: file reads, record parsing, the BPF filter)
 * and copies the frames into a few large batches that capture_next() hands
 * out in order, so decoding, tracking and reporting run beside libpcap
 * (issue 8, docs/PERFORMANCE.md); a stream (pipe, FIFO) publishes partial
 * batches frame by frame (issue 12). See capture_pcap.c's head comment. */
#include "capture_int.h"
#include "pcapng_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    rec.ts_ns = cap__ts_of(c, h);
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
        int t = cap__take_over(c, &e, msg);
        if (t == 0)
            cap__read_error(c, &e, msg);
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
bool cap__ra_start(struct capture *c)
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

void cap__ra_stop(struct capture *c)
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

void cap__idle_call(struct capture *c)
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
            cap__idle_call(c);
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
int cap__ra_next(struct capture *c, struct frame *out, enum capture_err *err, char *errbuf)
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
