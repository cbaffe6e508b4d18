/* demo_hold.c: slow motion on the demo's wire (demo_wire.c): holding each
 * segment, the kernels' patience while it is held, and the retransmitted
 * copies a hold provokes (docs/DEMO.md, "Slow motion"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "demo_int.h"
#include "ioclock.h"
#include "netns.h"

#define HOLD_SLICE_NS 50000000u /* hold in 50 ms slices to notice demo_stop() */

void demo__sleep_ns(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                          .tv_nsec = (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !demo__stopping())
        ;
}

bool demo__holding(const struct demo *d)
{
    return d->cfg->step || d->cfg->slow_ns;
}

/* Counted in res->held_ns so time limits ignore it. */
int demo__hold(struct demo *d, const char *what)
{
    uint64_t t0 = io_mono_ns();
    int r = 0;

    if (d->cfg->step) {
        r = d->cfg->step(d->cfg->step_user, what);
    } else if (d->cfg->slow_ns) {
        uint64_t left = d->cfg->slow_ns;
        while (left && !demo__stopping()) {
            uint64_t slice = left < HOLD_SLICE_NS ? left : HOLD_SLICE_NS;
            demo__sleep_ns(slice);
            left -= slice;
        }
    }
    d->res->held_ns += io_mono_ns() - t0;
    if (r != 0 || demo__stopping())
        return demo__fail(d, DEMO_ERR_STOPPED, 0, "demo stopped while %s was on the wire", what);
    return 0;
}

/* Slow motion holds segments for as long as a person reads (minutes with
 * --step). The kernels must not give up meanwhile: their retry limits are
 * raised in the client's and the server's namespace (the kernel's
 * ip-sysctl.rst). There is no knob for the 1 s initial RTO (RFC 6298 2.1), so
 * copies are still sent: the wire keeps them back (demo__keep_back()).
 * TIME_WAIT's 60 s cannot be tuned (docs/DEMO.md). */
static const struct {
    const char *path, *value;
} patient_limits[] = {
    {"/proc/sys/net/ipv4/tcp_syn_retries", "127"},    /* the maximum: hours */
    {"/proc/sys/net/ipv4/tcp_synack_retries", "127"}, /* default 5: about 63 s */
    {"/proc/sys/net/ipv4/tcp_retries2", "127"},       /* data and FIN */
    {"/proc/sys/net/ipv4/tcp_orphan_retries", "127"}, /* FIN after close() */
    {"/proc/sys/net/ipv4/tcp_fin_timeout", "3600"},   /* orphaned FIN_WAIT_2: 60 s */
};

int demo__sysctl(struct demo *d, const struct netns *ns, const char *const *path,
                 const char *const *value, size_t n)
{
    char err[ERRBUF_SIZE];
    size_t i;
    int r = 0, saved = netns_enter(ns, err);
    if (saved < 0) {
        demo__say(d, "note: %s", err);
        return -1;
    }
    /* /proc/sys/net is the namespace of whoever opens it. */
    for (i = 0; i < n; i++) {
        FILE *f = fopen(path[i], "we");
        bool ok = f && fputs(value[i], f) >= 0;
        if (f && fclose(f) != 0)
            ok = false;
        if (!ok) {
            demo__say(d, "note: cannot set %s: %s", path[i], strerror(errno));
            r = -1;
        }
    }
    if (netns_restore(saved, err) < 0) {
        demo__say(d, "note: %s", err);
        r = -1;
    }
    return r;
}

void demo__be_patient(struct demo *d, const struct netns *ns)
{
    const char *path[sizeof(patient_limits) / sizeof(patient_limits[0])];
    const char *value[sizeof(patient_limits) / sizeof(patient_limits[0])];
    size_t i;
    for (i = 0; i < sizeof(patient_limits) / sizeof(patient_limits[0]); i++) {
        path[i] = patient_limits[i].path;
        value[i] = patient_limits[i].value;
    }
    (void)demo__sysctl(d, ns, path, value, i);
}

static struct demo_taken *find_taken(struct demo_held *h, int side, const struct demo_seg *s)
{
    unsigned i;
    for (i = 0; i < DEMO_TAKEN_MAX; i++) {
        struct demo_taken *t = &h->taken[side][i];
        if (t->valid && t->seq == s->seq && t->ack == s->ack && t->flags == s->flags &&
            t->payload == s->payload)
            return t;
    }
    return NULL;
}

struct demo_taken *demo__taken(struct demo_held *h, int side, const struct demo_seg *s,
                               uint64_t ts)
{
    struct demo_taken *t = find_taken(h, side, s);
    unsigned i;
    if (t)
        return t;
    t = &h->taken[side][h->next[side]++ % DEMO_TAKEN_MAX];
    memset(t, 0, sizeof(*t));
    t->valid = true;
    t->seq = s->seq;
    t->ack = s->ack;
    t->payload = s->payload;
    t->flags = s->flags;
    t->first_ts = ts;
    /* A new segment from this side answers what the other side sent. */
    for (i = 0; i < DEMO_TAKEN_MAX; i++)
        if (h->taken[1 - side][i].fwd_ns)
            h->taken[1 - side][i].answered = true;
    return t;
}

/* Slow motion holds each segment for seconds, far beyond the kernels'
 * retransmission timeouts (RFC 6298: 1 s initially; a SYN, a SYN+ACK, data
 * or a FIN is sent again until its answer arrives). On this wire nothing is
 * lost, so such a copy only retells what is being held: a copy sent while
 * its original was held, or after the receiver had answered the original
 * (its answer is what the wire holds now), is kept back and said in one
 * line. Any other repeat crosses as the real retransmission it is. Only
 * what occupies sequence space is retransmitted (RFC 9293 3.8.1): a pure ACK
 * that repeats one is a duplicate ACK, and crosses. */
bool demo__keep_back(struct demo *d, struct demo_held *h, int side, const struct demo_seg *s,
                     uint64_t ts)
{
    bool seq_space = (s->flags & (DEMO_TH_SYN | DEMO_TH_FIN)) || s->payload;
    struct demo_taken *t = demo__holding(d) && seq_space ? find_taken(h, side, s) : NULL;
    struct demo_held_copy hc;
    char seg[48];

    if (!t || !t->fwd_ns || !(ts < t->fwd_ns || t->answered))
        return false;
    t->kept++;
    d->res->held_retransmits[side]++;
    demo__seg_name(s, seg, sizeof(seg));
    hc.side = side;
    hc.segment = seg;
    hc.after_ns = ts > t->first_ts ? ts - t->first_ts : 0;
    hc.count = t->kept;
    if (d->cb->on_held_copy)
        d->cb->on_held_copy(d->cb->user, io_real_ns(), &hc);
    return true;
}
