/* klisten.c: the kernel's word on a listener's SYNs: /proc counter text,
 * deltas, the reason for an unanswered SYN, the SYN cookie rule, and the
 * sentence (klisten.h; issue 16). Pure. */
#include "klisten.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *prefix, *name;
} counters[KL__COUNT] = {
#define X(n, pre, nm) {pre, nm},
    KL_COUNTER_MAP(X)
#undef X
};

static const char *const reasons[KL_REASON__COUNT] = {
#define X(n, s) s,
    KL_REASON_MAP(X)
#undef X
};

static const char *const events[KL_EVENT__COUNT] = {
#define X(n, s) s,
    KL_EVENT_MAP(X)
#undef X
};

const char *kl_counter_name(unsigned k)
{
    return k < KL__COUNT ? counters[k].name : NULL;
}

const char *kl_reason_name(unsigned r)
{
    return r < KL_REASON__COUNT ? reasons[r] : NULL;
}

const char *kl_event_name(unsigned e)
{
    return e < KL_EVENT__COUNT ? events[e] : NULL;
}

/* --- parsing ------------------------------------------------------------ */

/* A bounded cursor over one line: [p, end). */
struct span {
    const char *p, *end;
};

/* The next line of text[*off, len), without its '\n'. */
static bool next_line(const char *text, size_t len, size_t *off, struct span *line)
{
    size_t i = *off;
    if (i >= len)
        return false;
    line->p = text + i;
    while (i < len && text[i] != '\n')
        i++;
    line->end = text + i;
    *off = i < len ? i + 1 : i;
    return true;
}

/* The next space-separated word of s; false at the end. */
static bool next_word(struct span *s, struct span *w)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
    if (s->p >= s->end)
        return false;
    w->p = s->p;
    while (s->p < s->end && *s->p != ' ' && *s->p != '\t' && *s->p != '\r')
        s->p++;
    w->end = s->p;
    return true;
}

static bool word_is(const struct span *w, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(w->end - w->p) == n && memcmp(w->p, s, n) == 0;
}

/* A decimal value, optionally negative; *neg says so. False if the word
 * is not a number or overflows 64 bits. */
static bool word_number(const struct span *w, uint64_t *v, bool *neg)
{
    const char *p = w->p;
    uint64_t x = 0;
    *neg = false;
    if (p < w->end && *p == '-') {
        *neg = true;
        p++;
    }
    if (p >= w->end)
        return false;
    for (; p < w->end; p++) {
        unsigned d;
        if (*p < '0' || *p > '9')
            return false;
        d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10u)
            return false;
        x = x * 10u + d;
    }
    *v = x;
    return true;
}

/* Which of our counters is `prefix` (with its ':') + `name`? -1 if none. */
static int counter_index(const struct span *prefix, const struct span *name)
{
    size_t plen = (size_t)(prefix->end - prefix->p);
    unsigned k;
    if (plen < 2 || prefix->p[plen - 1] != ':')
        return -1;
    for (k = 0; k < KL__COUNT; k++) {
        size_t n = strlen(counters[k].prefix);
        if (n == plen - 1 && memcmp(prefix->p, counters[k].prefix, n) == 0 &&
            word_is(name, counters[k].name))
            return (int)k;
    }
    return -1;
}

int kl_parse(const char *text, size_t len, struct kl_counters *c)
{
    size_t off = 0;
    int stored = 0;
    struct span names, values;

    if (!text)
        return -1;
    while (next_line(text, len, &off, &names)) {
        struct span np, vp, nw, vw;
        if (names.p == names.end)
            continue; /* a blank line */
        if (!next_line(text, len, &off, &values))
            return -1; /* a name line without its values */
        if (!next_word(&names, &np) || !next_word(&values, &vp) ||
            (size_t)(np.end - np.p) != (size_t)(vp.end - vp.p) ||
            memcmp(np.p, vp.p, (size_t)(np.end - np.p)) != 0)
            return -1;
        while (next_word(&names, &nw)) {
            uint64_t v;
            bool neg;
            int k;
            if (!next_word(&values, &vw) || !word_number(&vw, &v, &neg))
                return -1;
            k = counter_index(&np, &nw);
            if (k < 0 || neg)
                continue;
            c->v[k] = v;
            c->have |= 1u << k;
            stored++;
        }
    }
    return stored;
}

void kl_delta(const struct kl_counters *before, const struct kl_counters *now,
              struct kl_counters *d)
{
    unsigned k;
    memset(d, 0, sizeof(*d));
    d->have = before->have & now->have;
    for (k = 0; k < KL__COUNT; k++)
        if ((d->have & (1u << k)) && now->v[k] > before->v[k])
            d->v[k] = now->v[k] - before->v[k];
}

/* --- listeners and reasons ---------------------------------------------- */

static bool is_wildcard(const struct ip_addr *a)
{
    static const uint8_t zero[16];
    return memcmp(a->bytes, zero, a->family == IPADDR_V6 ? 16 : 4) == 0;
}

const struct kl_listener *kl_find_listener(const struct kl_listener *rows, size_t n,
                                           const struct ip_addr *addr, uint16_t port)
{
    const struct kl_listener *wild = NULL, *wild6 = NULL;
    size_t i;
    for (i = 0; i < n; i++) {
        const struct kl_listener *l = &rows[i];
        if (!l->found || l->port != port)
            continue;
        if (l->addr.family == addr->family && ipaddr_eq(&l->addr, addr))
            return l;
        if (l->addr.family == addr->family && is_wildcard(&l->addr) && !wild)
            wild = l;
        else if (addr->family == IPADDR_V4 && l->addr.family == IPADDR_V6 &&
                 is_wildcard(&l->addr) && !wild6)
            wild6 = l;
    }
    return wild ? wild : wild6;
}

static uint64_t dv(const struct kl_counters *d, enum kl_counter k)
{
    return d ? d->v[k] : 0;
}

enum kl_reason kl_reason(const struct kl_counters *d, const struct kl_listener *l)
{
    if (!l || !l->found)
        return KL_REASON_NO_LISTENER;
    if (dv(d, KL_LISTEN_OVERFLOWS))
        return KL_REASON_ACCEPT_QUEUE_FULL;
    if (dv(d, KL_REQQ_FULL_DROP))
        return KL_REASON_SYN_QUEUE_FULL;
    if (dv(d, KL_BACKLOG_DROP))
        return KL_REASON_SOCKET_BACKLOG_FULL;
    if (dv(d, KL_LISTEN_DROPS))
        return KL_REASON_LISTEN_DROP;
    /* sk_acceptq_is_full(): more than backlog connections waiting. */
    if (l->queue > l->backlog)
        return KL_REASON_ACCEPT_QUEUE_FULL;
    return KL_REASON_UNKNOWN;
}

enum kl_cookie kl_cookie_rule(uint64_t sent, uint32_t candidates)
{
    if (candidates == 0)
        return KL_COOKIE_UNKNOWN;
    if (sent == 0)
        return KL_COOKIE_NO;
    if (candidates == 1 || sent == candidates)
        return KL_COOKIE_YES;
    return KL_COOKIE_UNKNOWN;
}

/* --- the sentence ------------------------------------------------------- */

struct out {
    char *p;
    size_t cap, n;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = vsnprintf(o->n < o->cap ? o->p + o->n : NULL, o->n < o->cap ? o->cap - o->n : 0, fmt,
                  ap);
    va_end(ap);
    if (r > 0)
        o->n += (size_t)r;
}

/* "ListenOverflows +1" for each counter in `which` that rose, the first
 * after `lead`; true if any was put. */
static bool put_counters(struct out *o, const struct kl_counters *d, const enum kl_counter *which,
                         size_t n, const char *lead)
{
    size_t i;
    bool first = true;
    for (i = 0; i < n; i++) {
        if (!dv(d, which[i]))
            continue;
        put(o, "%s%s +%llu", first ? lead : ", ", counters[which[i]].name,
            (unsigned long long)d->v[which[i]]);
        first = false;
    }
    return !first;
}

/* " (A +1, B +2)", or nothing when none rose. */
static void put_paren(struct out *o, const struct kl_counters *d, const enum kl_counter *which,
                      size_t n)
{
    if (put_counters(o, d, which, n, " ("))
        put(o, ")");
}

static void put_queue(struct out *o, const struct kl_listener *l)
{
    put(o, "%u waiting, backlog %u", (unsigned)l->queue, (unsigned)l->backlog);
}

size_t kl_describe(enum kl_event ev, enum kl_reason r, const struct kl_listener *l,
                   const struct kl_counters *d, char *out, size_t cap)
{
    static const enum kl_counter overflow[] = {KL_LISTEN_OVERFLOWS};
    static const enum kl_counter reqq[] = {KL_REQQ_FULL_DROP};
    static const enum kl_counter backlog[] = {KL_BACKLOG_DROP};
    static const enum kl_counter drops[] = {KL_LISTEN_DROPS};
    static const enum kl_counter cookie[] = {KL_COOKIES_SENT, KL_REQQ_FULL_COOKIES};
    char ep[ENDPOINT_STRLEN] = "?";
    struct out o = {out, cap, 0};

    if (cap)
        out[0] = '\0';
    if (l)
        endpoint_format(&l->addr, l->port, ep);
    if (ev == KL_EVENT_SYN_COOKIE) {
        put(&o, "answered with a SYN cookie");
        put_paren(&o, d, cookie, 2);
        put(&o, ": the server keeps no state until the ACK");
        return o.n;
    }
    switch (r) {
    case KL_REASON_ACCEPT_QUEUE_FULL:
        put(&o, "the kernel dropped this SYN: the accept queue of %s %s (", ep,
            l && l->queue > l->backlog ? "is full" : "was full, now");
        if (l)
            put_queue(&o, l);
        (void)put_counters(&o, d, overflow, 1, l ? "; " : "");
        put(&o, ")");
        break;
    case KL_REASON_SYN_QUEUE_FULL:
        put(&o, "the kernel dropped this SYN: the SYN queue of %s is full and SYN cookies are off",
            ep);
        put_paren(&o, d, reqq, 1);
        break;
    case KL_REASON_SOCKET_BACKLOG_FULL:
        put(&o, "the kernel dropped this SYN: the listener %s was busy and its socket backlog full",
            ep);
        put_paren(&o, d, backlog, 1);
        break;
    case KL_REASON_LISTEN_DROP:
        put(&o, "the kernel dropped this SYN at the listener %s", ep);
        put_paren(&o, d, drops, 1);
        put(&o, ", and no queue was full");
        break;
    case KL_REASON_NO_LISTENER:
        put(&o, "no socket listens on %s here: the kernel would answer RST; the SYN or the RST "
                "was dropped before TCP",
            ep);
        break;
    case KL_REASON_UNKNOWN:
    case KL_REASON_NONE:
    case KL_REASON__COUNT:
    default:
        put(&o, "the kernel's counters do not show this SYN dropped (%s listening, ", ep);
        if (l)
            put_queue(&o, l);
        put(&o, "): it was lost or filtered before TCP saw it");
        break;
    }
    return o.n;
}
