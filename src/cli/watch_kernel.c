/* watch_kernel.c: the kernel's reason beside the wire (issue 16). For a SYN
 * to one of this namespace's addresses, watch asks the kernel what became
 * of it: the counters of /proc/net/netstat and /proc/net/snmp (deltas
 * since the previous sample) and the listener's accept queue (sock_diag).
 * Cheap and bounded: a sample is taken when a SYN to a local address is
 * retransmitted, when a local listener's SYN+ACK is seen (at most every
 * WK_SAMPLE_NS; one put off is taken at the next frame or idle tick) and
 * at the end; the judging is klisten.h's, the reading klread.h's.
 * docs/NDJSON.md, "listener", has the rules and their limits. */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cli.h"
#include "ioclock.h"
#include "decode.h"
#include "klisten.h"
#include "klread.h"
#include "pipeline.h"
#include "report.h"
#include "tcp_wire.h"
#include "watch_kernel.h"

#define WK_SAMPLE_NS 100000000u /* at most one sample per 100 ms, events aside */
#define WK_ADDRS_MAX 256        /* this namespace's addresses, beyond loopback */
#define WK_CANDS_MAX 256        /* unanswered SYNs remembered; the oldest goes */
#define WK_LISTENERS_MAX 1024

/* A connection waiting for the kernel's word. */
struct wk_cand {
    uint64_t id;                /* 0 = free */
    struct ip_addr c, s;
    uint16_t cp, sp;
    bool said;                  /* a record already said why */
};

struct wkernel {
    struct klread *rd;
    struct ip_addr addrs[WK_ADDRS_MAX];
    size_t naddrs;
    struct kl_counters last;    /* at the previous sample */
    uint64_t last_mono_ns;
    bool pending;               /* a sample was put off */
    struct wk_cand syn[WK_CANDS_MAX];   /* SYNs to local addresses, no answer yet */
    unsigned syn_next;
    struct wk_cand synack[WK_CANDS_MAX]; /* local SYN+ACKs since the previous sample */
    size_t nsynack;
    uint32_t nsynack_all;       /* including those the table could not hold */
    struct kl_listener listeners[WK_LISTENERS_MAX];
    size_t nlisteners;
    bool have_listeners;
};

/* This namespace's addresses, once (an address added later is remote to
 * watch: docs/NDJSON.md says so). */
static void learn_addrs(struct wkernel *w)
{
    struct ifaddrs *ifa, *i;
    if (getifaddrs(&ifa) != 0)
        return;
    for (i = ifa; i && w->naddrs < WK_ADDRS_MAX; i = i->ifa_next) {
        struct ip_addr *a = &w->addrs[w->naddrs];
        if (!i->ifa_addr)
            continue;
        memset(a, 0, sizeof(*a));
        if (i->ifa_addr->sa_family == AF_INET) {
            a->family = IPADDR_V4;
            memcpy(a->bytes, &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr,
                   4);
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            a->family = IPADDR_V6;
            memcpy(a->bytes,
                   &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr, 16);
        } else {
            continue;
        }
        w->naddrs++;
    }
    freeifaddrs(ifa);
}

static bool is_local(const struct wkernel *w, const struct ip_addr *a)
{
    size_t i;
    if (ipaddr_is_loopback(a))
        return true;
    for (i = 0; i < w->naddrs; i++)
        if (ipaddr_eq(&w->addrs[i], a))
            return true;
    return false;
}

struct wkernel *wkernel_open(void)
{
    char err[ERRBUF_SIZE];
    struct wkernel *w = calloc(1, sizeof(*w));
    if (!w) {
        cli_error("note: no kernel view (out of memory)");
        return NULL;
    }
    w->rd = klread_open(err);
    if (!w->rd || klread_counters(w->rd, &w->last, err) < 0) {
        cli_error("note: no kernel view: %s; unanswered SYNs get no reason (--no-kernel "
                  "silences this)",
                  err);
        klread_close(w->rd);
        free(w);
        return NULL;
    }
    w->last_mono_ns = io_mono_ns();
    learn_addrs(w);
    return w;
}

void wkernel_close(struct wkernel *w)
{
    if (!w)
        return;
    klread_close(w->rd);
    free(w);
}

static void cand_fill(struct wk_cand *k, const struct conn *c)
{
    memset(k, 0, sizeof(*k));
    k->id = c->id;
    k->c = c->ep[TRK_CLIENT].addr;
    k->s = c->ep[TRK_SERVER].addr;
    k->cp = c->ep[TRK_CLIENT].port;
    k->sp = c->ep[TRK_SERVER].port;
}

static struct wk_cand *syn_find(struct wkernel *w, uint64_t id)
{
    size_t i;
    for (i = 0; i < WK_CANDS_MAX; i++)
        if (w->syn[i].id == id)
            return &w->syn[i];
    return NULL;
}

static struct wk_cand *syn_add(struct wkernel *w, const struct conn *c)
{
    struct wk_cand *k = syn_find(w, c->id);
    if (k)
        return k;
    k = &w->syn[w->syn_next++ % WK_CANDS_MAX]; /* full: the oldest goes */
    cand_fill(k, c);
    return k;
}

static bool note(struct pipeline *pl, const struct wk_cand *k, unsigned reason, unsigned cookie)
{
    return pipeline_kernel_note(pl, &k->c, k->cp, &k->s, k->sp, k->id, reason, cookie);
}

static void emit(struct wkernel *w, struct reporter *rep, const struct wk_cand *k,
                 uint64_t ts_ns, enum kl_event ev, enum kl_reason reason,
                 const struct kl_counters *delta)
{
    struct rpt_listener r;
    const struct kl_listener *l = kl_find_listener(w->listeners, w->nlisteners, &k->s, k->sp);
    memset(&r, 0, sizeof(r));
    r.ts_ns = ts_ns;
    r.conn = k->id;
    r.event = (uint8_t)ev;
    r.reason = (uint8_t)reason;
    r.caddr = k->c;
    r.saddr = k->s;
    r.cport = k->cp;
    r.sport = k->sp;
    if (l) {
        r.l = *l;
    } else { /* nothing listens: the sentence names the SYN's destination */
        r.l.addr = k->s;
        r.l.port = k->sp;
    }
    r.delta = *delta;
    reporter_listener(rep, &r);
}

/* Read the counters (delta since the previous sample) and the listeners;
 * settle the SYN+ACKs of the interval. false if the counters could not be
 * read (the interval goes on). */
static bool sample(struct wkernel *w, struct pipeline *pl, struct reporter *rep, uint64_t ts_ns,
                   struct kl_counters *delta)
{
    struct kl_counters now;
    char err[ERRBUF_SIZE];
    enum kl_cookie rule;
    size_t i;
    int n;

    if (klread_counters(w->rd, &now, err) < 0)
        return false;
    kl_delta(&w->last, &now, delta);
    w->last = now;
    w->last_mono_ns = io_mono_ns();
    w->pending = false;
    n = klread_listeners(w->rd, w->listeners, WK_LISTENERS_MAX, err);
    w->nlisteners = n > 0 ? (size_t)n : 0;
    w->have_listeners = n >= 0;

    rule = kl_cookie_rule(delta->v[KL_COOKIES_SENT], w->nsynack_all);
    for (i = 0; i < w->nsynack; i++) {
        const struct wk_cand *k = &w->synack[i];
        if (note(pl, k, 0, rule) && rule == KL_COOKIE_YES)
            emit(w, rep, k, ts_ns, KL_EVENT_SYN_COOKIE, KL_REASON_NONE, delta);
    }
    w->nsynack = 0;
    w->nsynack_all = 0;
    return true;
}

/* The reason for k's SYN; "unknown" stays unsaid when the queues could not
 * be read (no listener would be a guess). */
static enum kl_reason reason_for(const struct wkernel *w, const struct wk_cand *k,
                                 const struct kl_counters *delta)
{
    const struct kl_listener *l = kl_find_listener(w->listeners, w->nlisteners, &k->s, k->sp);
    if (!w->have_listeners) {
        struct kl_listener unknown;
        memset(&unknown, 0, sizeof(unknown));
        unknown.found = true; /* no queue to judge by: counters alone */
        return kl_reason(delta, &unknown);
    }
    return kl_reason(delta, l);
}

/* A sample put off is taken once WK_SAMPLE_NS have passed since the last. */
static void maybe_sample(struct wkernel *w, struct pipeline *pl, struct reporter *rep,
                         uint64_t ts_ns)
{
    struct kl_counters delta;
    if (w->pending && io_mono_ns() - w->last_mono_ns >= WK_SAMPLE_NS)
        (void)sample(w, pl, rep, ts_ns, &delta);
}

void wkernel_frame(struct wkernel *w, struct pipeline *pl, struct reporter *rep)
{
    const struct trk_verdict *v;
    const struct pkt *p;
    const struct conn *c;
    uint16_t f;

    if (!w)
        return;
    v = pipeline_last_verdict(pl);
    p = pipeline_last_pkt(pl);
    c = v->conn;
    if (c) {
        f = p->flags & (TH_SYN | TH_ACK | TH_RST);
        if (f == TH_SYN && is_local(w, &p->dst) && v->from_client) {
            struct wk_cand *k = syn_add(w, c);
            note(pl, k, 0, 0);
            if (v->notes & TRK_NOTE_RETRANSMIT) {
                /* An event: the kernel's word on the SYN before this copy. */
                struct kl_counters delta;
                if (sample(w, pl, rep, p->ts_ns, &delta)) {
                    enum kl_reason r = reason_for(w, k, &delta);
                    note(pl, k, r, 0);
                    emit(w, rep, k, p->ts_ns, KL_EVENT_SYN_RETRANSMITTED, r, &delta);
                    k->said = true;
                }
            }
        } else if (f == (TH_SYN | TH_ACK) && is_local(w, &p->src) && !v->from_client) {
            struct wk_cand *k = syn_find(w, c->id), one;
            if (k)
                k->id = 0; /* answered */
            cand_fill(&one, c);
            if (v->notes & TRK_NOTE_RETRANSMIT) {
                note(pl, &one, 0, KL_COOKIE_NO); /* a cookie keeps nothing to resend */
            } else {
                note(pl, &one, 0, 0);
                if (w->nsynack < WK_CANDS_MAX)
                    w->synack[w->nsynack++] = one;
                w->nsynack_all++;
                w->pending = true;
            }
        } else if ((f & TH_RST) && !v->from_client) {
            struct wk_cand *k = syn_find(w, c->id);
            if (k)
                k->id = 0; /* refused: the kernel answered */
        }
    }
    maybe_sample(w, pl, rep, p->ts_ns);
}

void wkernel_tick(struct wkernel *w, struct pipeline *pl, struct reporter *rep)
{
    if (w)
        maybe_sample(w, pl, rep, io_real_ns());
}

void wkernel_finish(struct wkernel *w, struct pipeline *pl, struct reporter *rep)
{
    struct kl_counters delta;
    uint64_t ts = io_real_ns();
    size_t i;
    if (!w || !sample(w, pl, rep, ts, &delta))
        return;
    /* Every SYN still unanswered, in connection order: its reason now,
     * said once. One already said keeps the reason its retransmission got. */
    for (;;) {
        struct wk_cand *k = NULL;
        enum kl_reason r;
        for (i = 0; i < WK_CANDS_MAX; i++)
            if (w->syn[i].id && !w->syn[i].said && (!k || w->syn[i].id < k->id))
                k = &w->syn[i];
        if (!k)
            break;
        k->said = true;
        r = reason_for(w, k, &delta);
        if (note(pl, k, r, 0))
            emit(w, rep, k, ts, KL_EVENT_SYN_UNANSWERED, r, &delta);
    }
}
