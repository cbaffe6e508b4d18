/* gen_bench.c: large seeded captures for benchmarks and hardening: many
 * interleaved connections with a known mix of outcomes (bench) and a SYN
 * flood from distinct spoofed sources (synflood). Both stream: memory is
 * O(connections alive at once), and both write PATH.truth.json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "tcp_wire.h"

/* Ground-truth categories, in the tracker's outcome spelling (docs/SEMANTICS.md
 * 2.5). `simultaneous` is a flag on connections that are also `complete`. */
#define OUTCOME_MAP(X)            \
    X(COMPLETE, "complete")       \
    X(REFUSED, "refused")         \
    X(UNANSWERED, "unanswered")   \
    X(HALF_OPEN, "half-open")     \
    X(ABORTED, "aborted")         \
    X(MIDSTREAM, "mid-stream")

enum outcome {
#define X(n, s) OC_##n,
    OUTCOME_MAP(X)
#undef X
    OC__COUNT
};

static const char *const outcome_names[] = {
#define X(n, s) s,
    OUTCOME_MAP(X)
#undef X
};

struct truth {
    uint64_t connections, segments, ipv4, ipv6, simultaneous;
    uint64_t peak_concurrent; /* connections with segments still to come, at most */
    uint64_t outcome[OC__COUNT];
    uint64_t first_ns, last_ns;
};

/* The mix, per mille of connections (simultaneous opens are complete too). */
#define MIX_COMPLETE 700
#define MIX_REFUSED 80
#define MIX_UNANSWERED 50
#define MIX_HALF_OPEN 30
#define MIX_ABORTED 60
#define MIX_MIDSTREAM 60
#define MIX_SIMULTANEOUS 20
#define IPV6_PER_MILLE 300

/* Linux's ephemeral port range, 32768..60999 (ip_local_port_range). */
#define EPH_LO 32768u
#define EPH_N 28232u
#define NSERVERS 64u

#define MAX_BSEGS 24

struct bseg {
    uint64_t t_ns;
    uint32_t seq, ack; /* absolute */
    uint16_t flags;
    uint16_t len;
    uint8_t dir, opt;
};

struct bconn {
    uint64_t id;
    struct gen_conn c;
    uint8_t n, next;
    struct bseg seg[MAX_BSEGS];
};

/* Payload bytes: printable filler, sliced to each segment's length. */
static uint8_t filler[1460];

static void filler_init(void)
{
    static const char pat[] = "tcpshake bench payload 0123456789 abcdefghijklmnopqrstuvwxyz\r\n";
    size_t i;
    for (i = 0; i < sizeof(filler); i++)
        filler[i] = (uint8_t)pat[i % (sizeof(pat) - 1)];
}

/* --- one connection's script ------------------------------------------- */

struct script {
    struct bconn *b;
    uint32_t rel[2]; /* next relative seq per side (1 after the SYN) */
};

static void add(struct script *s, uint64_t t, int dir, uint16_t flags, uint16_t len, int opt)
{
    struct bconn *b = s->b;
    struct bseg *g;
    if (b->n == MAX_BSEGS)
        return; /* scripts below stay under the bound; see build_script */
    g = &b->seg[b->n++];
    g->t_ns = t;
    g->dir = (uint8_t)dir;
    g->flags = flags;
    g->len = len;
    g->opt = (uint8_t)opt;
    g->seq = b->c.isn[dir] + s->rel[dir];
    g->ack = b->c.isn[1 - dir] + s->rel[1 - dir];
    s->rel[dir] += len + ((flags & TH_SYN) ? 1u : 0u) + ((flags & TH_FIN) ? 1u : 0u);
}

static void set_addr(struct ip_addr *a, bool v6, uint32_t net_hi, uint32_t host)
{
    memset(a, 0, sizeof(*a));
    if (v6) {
        /* 2001:db8:NET::host (RFC 3849) */
        a->family = IPADDR_V6;
        a->bytes[0] = 0x20;
        a->bytes[1] = 0x01;
        a->bytes[2] = 0x0d;
        a->bytes[3] = 0xb8;
        a->bytes[4] = (uint8_t)(net_hi >> 8);
        a->bytes[5] = (uint8_t)net_hi;
        a->bytes[12] = (uint8_t)(host >> 24);
        a->bytes[13] = (uint8_t)(host >> 16);
        a->bytes[14] = (uint8_t)(host >> 8);
        a->bytes[15] = (uint8_t)host;
    } else {
        a->family = IPADDR_V4;
        a->bytes[0] = (uint8_t)(net_hi >> 8);
        a->bytes[1] = (uint8_t)(net_hi | (host >> 16));
        a->bytes[2] = (uint8_t)(host >> 8);
        a->bytes[3] = (uint8_t)host;
    }
}

/* Connection i gets a 4-tuple no other connection uses: the client address
 * and port are a function of i (clients in 10.0.0.0/8 or 2001:db8:c::/48,
 * servers in 198.18.0.0/15, RFC 2544, or 2001:db8:5::/48). */
static void make_tuple(struct gen_conn *c, uint64_t i, bool v6, uint64_t *rng)
{
    static const uint16_t ports[] = { 80, 443, 443, 443, 8080, 22, 25, 5432 };
    uint32_t host = (uint32_t)(1 + i / EPH_N);
    uint32_t srv = (uint32_t)gen_range(rng, 1, NSERVERS);
    memset(c, 0, sizeof(*c));
    if (v6) {
        set_addr(&c->addr[GEN_C2S], true, 0x000c, host);
        set_addr(&c->addr[GEN_S2C], true, 0x0005, srv);
    } else {
        set_addr(&c->addr[GEN_C2S], false, 0x0a00, host & 0xffffffu); /* 10.x.y.z */
        set_addr(&c->addr[GEN_S2C], false, 0xc612, srv);              /* 198.18.0.srv */
    }
    c->port[GEN_C2S] = (uint16_t)(EPH_LO + i % EPH_N);
    c->port[GEN_S2C] = ports[gen_rand(rng) % (sizeof(ports) / sizeof(ports[0]))];
    c->isn[0] = (uint32_t)gen_rand(rng);
    c->isn[1] = (uint32_t)gen_rand(rng);
}

static uint16_t rand_len(uint64_t *rng)
{
    /* Mostly small requests/responses, some full segments. */
    return (uint16_t)(gen_range(rng, 0, 3) ? gen_range(rng, 1, 600) : gen_range(rng, 601, 1400));
}

/* A few data rounds over `dur` ns, then a close (or an abortive RST, which
 * changes states, not the `complete` outcome). At most 3 + 4*3 + 3 segments. */
static void data_and_close(struct script *s, uint64_t t, uint64_t rtt, uint64_t *rng)
{
    uint64_t dur = gen_range(rng, GEN_NS_PER_S, 30 * GEN_NS_PER_S);
    unsigned k, rounds = (unsigned)gen_range(rng, 1, 4);
    uint64_t gap = dur / rounds, small = gen_range(rng, 20, 200) * GEN_NS_PER_US;
    unsigned how = (unsigned)gen_range(rng, 0, 9);
    for (k = 0; k < rounds; k++) {
        t += gen_range(rng, gap / 2, gap);
        add(s, t, GEN_C2S, TH_PSH | TH_ACK, rand_len(rng), GEN_O_TS);
        t += rtt;
        add(s, t, GEN_S2C, TH_PSH | TH_ACK, rand_len(rng), GEN_O_TS);
        t += small;
        add(s, t, GEN_C2S, TH_ACK, 0, GEN_O_TS);
    }
    t += gen_range(rng, 1, 1000) * GEN_NS_PER_MS;
    if (how < 8) { /* client closes first */
        add(s, t, GEN_C2S, TH_FIN | TH_ACK, 0, GEN_O_TS);
        add(s, t + rtt, GEN_S2C, TH_FIN | TH_ACK, 0, GEN_O_TS);
        add(s, t + rtt + small, GEN_C2S, TH_ACK, 0, GEN_O_TS);
    } else if (how < 9) { /* server closes first */
        add(s, t, GEN_S2C, TH_FIN | TH_ACK, 0, GEN_O_TS);
        add(s, t + small, GEN_C2S, TH_FIN | TH_ACK, 0, GEN_O_TS);
        add(s, t + small + rtt, GEN_S2C, TH_ACK, 0, GEN_O_TS);
    } else { /* client aborts: close() with SO_LINGER {1, 0} */
        add(s, t, GEN_C2S, TH_RST | TH_ACK, 0, GEN_O_NONE);
    }
}

static enum outcome build_script(struct bconn *b, uint64_t i, uint64_t t, uint64_t *rng,
                                 bool *simul)
{
    struct script s;
    unsigned pick = (unsigned)gen_range(rng, 0, 999), r, k;
    bool v6 = gen_range(rng, 0, 999) < IPV6_PER_MILLE;
    uint64_t rtt = gen_range(rng, 400, 80000) * GEN_NS_PER_US;
    uint64_t owd = rtt / 2, small = gen_range(rng, 20, 100) * GEN_NS_PER_US;
    enum outcome oc;

    b->id = i;
    b->n = b->next = 0;
    make_tuple(&b->c, i, v6, rng);
    gen_conn_init(&b->c);
    s.b = b;
    s.rel[0] = s.rel[1] = 0;
    *simul = false;

    if (pick < MIX_COMPLETE) {
        add(&s, t, GEN_C2S, TH_SYN, 0, GEN_O_SYN);
        add(&s, t + rtt, GEN_S2C, TH_SYN | TH_ACK, 0, GEN_O_SYN);
        add(&s, t + rtt + small, GEN_C2S, TH_ACK, 0, GEN_O_TS);
        data_and_close(&s, t + rtt + small, rtt, rng);
        return OC_COMPLETE;
    }
    pick -= MIX_COMPLETE;
    if (pick < MIX_REFUSED) {
        add(&s, t, GEN_C2S, TH_SYN, 0, GEN_O_SYN);
        add(&s, t + rtt, GEN_S2C, TH_RST | TH_ACK, 0, GEN_O_NONE);
        b->seg[1].seq = 0; /* <SEQ=0><ACK=ISN+1><CTL=RST,ACK> */
        return OC_REFUSED;
    }
    pick -= MIX_REFUSED;
    if (pick < MIX_UNANSWERED) {
        static const uint64_t retx_s[] = { 1, 3, 7 };
        add(&s, t, GEN_C2S, TH_SYN, 0, GEN_O_SYN);
        r = (unsigned)gen_range(rng, 0, 3);
        for (k = 0; k < r; k++) {
            s.rel[GEN_C2S] = 0; /* same ISN */
            add(&s, t + retx_s[k] * GEN_NS_PER_S, GEN_C2S, TH_SYN, 0, GEN_O_SYN);
        }
        return OC_UNANSWERED;
    }
    pick -= MIX_UNANSWERED;
    if (pick < MIX_HALF_OPEN) {
        static const uint64_t retx_s[] = { 1, 3 };
        add(&s, t, GEN_C2S, TH_SYN, 0, GEN_O_SYN);
        add(&s, t + rtt, GEN_S2C, TH_SYN | TH_ACK, 0, GEN_O_SYN);
        r = (unsigned)gen_range(rng, 0, 2);
        for (k = 0; k < r; k++) {
            s.rel[GEN_S2C] = 0;
            add(&s, t + rtt + retx_s[k] * GEN_NS_PER_S, GEN_S2C, TH_SYN | TH_ACK, 0, GEN_O_SYN);
        }
        return OC_HALF_OPEN;
    }
    pick -= MIX_HALF_OPEN;
    if (pick < MIX_ABORTED) {
        /* docs/SEMANTICS.md 2.5: client RST after its SYN; client RST after the
         * SYN+ACK (the kernel RST of a raw-socket client); server RST after
         * its SYN+ACK. Each RST carries the sender's SND.NXT. */
        add(&s, t, GEN_C2S, TH_SYN, 0, GEN_O_SYN);
        switch (pick % 3) {
        case 0:
            add(&s, t + gen_range(rng, 1, 3000) * GEN_NS_PER_MS, GEN_C2S, TH_RST, 0, GEN_O_NONE);
            break;
        case 1:
            add(&s, t + rtt, GEN_S2C, TH_SYN | TH_ACK, 0, GEN_O_SYN);
            add(&s, t + rtt + small, GEN_C2S, TH_RST, 0, GEN_O_NONE);
            break;
        default:
            add(&s, t + rtt, GEN_S2C, TH_SYN | TH_ACK, 0, GEN_O_SYN);
            add(&s, t + rtt + gen_range(rng, 1, 1000) * GEN_NS_PER_MS, GEN_S2C, TH_RST, 0,
                GEN_O_NONE);
            break;
        }
        return OC_ABORTED;
    }
    pick -= MIX_ABORTED;
    if (pick < MIX_MIDSTREAM) {
        /* Picked up inside a connection: no SYN seen (ISNs unknown to a
         * reader; relative 0 here is just "somewhere"). */
        add(&s, t, GEN_C2S, TH_PSH | TH_ACK, rand_len(rng), GEN_O_TS);
        add(&s, t + rtt, GEN_S2C, TH_PSH | TH_ACK, rand_len(rng), GEN_O_TS);
        add(&s, t + rtt + small, GEN_C2S, TH_ACK, 0, GEN_O_TS);
        t += rtt + gen_range(rng, 1, 2000) * GEN_NS_PER_MS;
        add(&s, t, GEN_C2S, TH_FIN | TH_ACK, 0, GEN_O_TS);
        add(&s, t + rtt, GEN_S2C, TH_FIN | TH_ACK, 0, GEN_O_TS);
        add(&s, t + rtt + small, GEN_C2S, TH_ACK, 0, GEN_O_TS);
        return OC_MIDSTREAM;
    }
    /* Simultaneous open (RFC 9293 Figure 7), captured at the "client": the
     * peer's SYN leaves it eps after ours and arrives one owd later; each
     * side answers the other's SYN with a SYN+ACK; both ACK. With
     * rtt >= 400 us, eps + 50 us < owd keeps the SYNs crossing. */
    {
        uint64_t eps = gen_range(rng, 0, owd / 2), t_peer_syn = t + owd + eps;
        oc = OC_COMPLETE;
        *simul = true;
        add(&s, t, GEN_C2S, TH_SYN, 0, GEN_O_SYN);
        add(&s, t_peer_syn, GEN_S2C, TH_SYN, 0, GEN_O_SYN);
        s.rel[GEN_C2S] = 0; /* our SYN+ACK repeats our ISN */
        add(&s, t_peer_syn + 50 * GEN_NS_PER_US, GEN_C2S, TH_SYN | TH_ACK, 0, GEN_O_SYN);
        s.rel[GEN_S2C] = 0;
        add(&s, t + 2 * owd, GEN_S2C, TH_SYN | TH_ACK, 0, GEN_O_SYN);
        add(&s, t + 2 * owd + small, GEN_C2S, TH_ACK, 0, GEN_O_TS);
        add(&s, t_peer_syn + 50 * GEN_NS_PER_US + 2 * owd, GEN_S2C, TH_ACK, 0, GEN_O_TS);
        data_and_close(&s, t_peer_syn + 50 * GEN_NS_PER_US + 2 * owd, rtt, rng);
        return oc;
    }
}

/* --- the stream: a binary heap of live connections by next segment time -- */

struct heap {
    struct bconn **v;
    size_t n, cap;
};

static bool before(const struct bconn *a, const struct bconn *b)
{
    uint64_t ta = a->seg[a->next].t_ns, tb = b->seg[b->next].t_ns;
    return ta != tb ? ta < tb : a->id < b->id;
}

static void sift_down(struct heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        struct bconn *tmp;
        if (l < h->n && before(h->v[l], h->v[m]))
            m = l;
        if (r < h->n && before(h->v[r], h->v[m]))
            m = r;
        if (m == i)
            return;
        tmp = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = tmp;
        i = m;
    }
}

static int heap_push(struct heap *h, struct bconn *b)
{
    size_t i;
    if (h->n == h->cap) {
        size_t nc = h->cap ? 2 * h->cap : 1024;
        struct bconn **nv = realloc(h->v, nc * sizeof(*nv));
        if (!nv)
            return -1;
        h->v = nv;
        h->cap = nc;
    }
    i = h->n++;
    h->v[i] = b;
    while (i > 0 && before(h->v[i], h->v[(i - 1) / 2])) {
        struct bconn *tmp = h->v[i];
        h->v[i] = h->v[(i - 1) / 2];
        h->v[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
    return 0;
}

/* Finished connections are kept on a free list and reused. */
struct pool {
    struct bconn **free;
    size_t nfree, cap;
    size_t allocated, peak_live;
};

static struct bconn *pool_get(struct pool *p)
{
    if (p->nfree)
        return p->free[--p->nfree];
    p->allocated++;
    return malloc(sizeof(struct bconn));
}

static int pool_put(struct pool *p, struct bconn *b)
{
    if (p->nfree == p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 1024;
        struct bconn **nv = realloc(p->free, nc * sizeof(*nv));
        if (!nv) {
            free(b);
            p->allocated--;
            return 0;
        }
        p->free = nv;
        p->cap = nc;
    }
    p->free[p->nfree++] = b;
    return 0;
}

static void pool_destroy(struct pool *p)
{
    size_t i;
    for (i = 0; i < p->nfree; i++)
        free(p->free[i]);
    free(p->free);
}

/* --- ground truth -------------------------------------------------------- */

static int write_truth(const char *path, const char *mode, uint64_t seed, uint32_t rate,
                       const struct truth *t, char errbuf[ERRBUF_SIZE])
{
    char name[4096];
    FILE *f;
    int i, bad;
    if (snprintf(name, sizeof(name), "%s.truth.json", path) >= (int)sizeof(name)) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot write %s.truth.json: name too long", path);
        return -1;
    }
    f = fopen(name, "w");
    if (!f) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot write %.400s: %s", name, strerror(errno));
        return -1;
    }
    fprintf(f, "{\"generator\":\"tcpshake-gen %s\",\"seed\":%llu,\"rate\":%u,", mode,
            (unsigned long long)seed, rate);
    fprintf(f, "\"connections\":%llu,\"segments\":%llu,\"ipv4\":%llu,\"ipv6\":%llu,",
            (unsigned long long)t->connections, (unsigned long long)t->segments,
            (unsigned long long)t->ipv4, (unsigned long long)t->ipv6);
    fprintf(f, "\"first_ts_ns\":%llu,\"last_ts_ns\":%llu,\"outcomes\":{",
            (unsigned long long)t->first_ns, (unsigned long long)t->last_ns);
    for (i = 0; i < OC__COUNT; i++)
        fprintf(f, "%s\"%s\":%llu", i ? "," : "", outcome_names[i],
                (unsigned long long)t->outcome[i]);
    fprintf(f, "},\"simultaneous\":%llu,\"peak_concurrent\":%llu}\n",
            (unsigned long long)t->simultaneous, (unsigned long long)t->peak_concurrent);
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(errbuf, ERRBUF_SIZE, "error writing %.400s: %s", name, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

int gen_bench_write(const struct gen_bench_cfg *cfg, const char *path, char errbuf[ERRBUF_SIZE])
{
    struct heap h = { NULL, 0, 0 };
    struct pool pool = { NULL, 0, 0, 0, 0 };
    struct truth tr;
    struct gen_out *out;
    uint64_t rng = cfg->seed, started = 0, next_arrival = GEN_T0_NS;
    uint64_t mean_gap = GEN_NS_PER_S / (cfg->rate ? cfg->rate : 1);
    int rc = 0;

    filler_init();
    memset(&tr, 0, sizeof(tr));
    out = gen_out_open(path, LINK_ETHERNET, 0, errbuf);
    if (!out)
        return -1;

    while (rc == 0 && (started < cfg->connections || h.n > 0)) {
        if (started < cfg->connections &&
            (h.n == 0 || next_arrival <= h.v[0]->seg[h.v[0]->next].t_ns)) {
            struct bconn *b = pool_get(&pool);
            bool simul;
            enum outcome oc;
            if (!b) {
                snprintf(errbuf, ERRBUF_SIZE, "out of memory");
                rc = -1;
                break;
            }
            oc = build_script(b, started, next_arrival, &rng, &simul);
            tr.outcome[oc]++;
            tr.simultaneous += simul;
            if (b->c.addr[0].family == IPADDR_V6)
                tr.ipv6++;
            else
                tr.ipv4++;
            if (heap_push(&h, b) != 0) {
                free(b);
                snprintf(errbuf, ERRBUF_SIZE, "out of memory");
                rc = -1;
                break;
            }
            if (h.n > pool.peak_live)
                pool.peak_live = h.n;
            started++;
            /* Uniform gaps in [0, 2*mean]: the requested rate on average. */
            next_arrival += gen_range(&rng, 0, 2 * mean_gap);
        } else {
            struct bconn *b = h.v[0];
            const struct bseg *g = &b->seg[b->next];
            uint32_t len = g->len;
            rc = gen_emit(out, &b->c, (enum gen_dir)g->dir, g->t_ns, g->flags, g->seq, g->ack,
                          (enum gen_opt)g->opt, len ? filler : NULL, len, errbuf);
            if (tr.segments == 0)
                tr.first_ns = g->t_ns;
            tr.last_ns = g->t_ns;
            tr.segments++;
            if (++b->next == b->n) {
                h.v[0] = h.v[--h.n];
                pool_put(&pool, b);
            }
            if (h.n)
                sift_down(&h, 0);
        }
    }
    tr.connections = started;
    tr.peak_concurrent = pool.peak_live;

    while (h.n)
        free(h.v[--h.n]);
    free(h.v);
    pool_destroy(&pool);
    if (rc != 0) {
        gen_out_close(out, NULL);
        return -1;
    }
    if (gen_out_close(out, errbuf) != 0)
        return -1;
    return write_truth(path, "bench", cfg->seed, cfg->rate, &tr, errbuf);
}

/* --- synflood ------------------------------------------------------------ */

/* A bijection on 32 bits (xorshift-multiply steps are invertible), so
 * distinct inputs give distinct addresses. */
static uint32_t perm32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* Not a plausible unicast source: 0/8, 127/8, 224/4 (multicast), 240/4. */
static bool bogus_source(uint32_t a)
{
    uint32_t top = a >> 24;
    return top == 0 || top == 127 || top >= 224;
}

#define FLOOD_GAP_NS 10000ull /* 100,000 SYNs per second */
#define FLOOD_MAX 100000000ull
#define FLOOD_MAX_WITH_RTX 10000000ull /* 12 bytes each are held */
#define FLOOD_MAX_RTX 6u              /* Linux's tcp_syn_retries default */

/* One flood SYN: its spoofed source and ISN. */
struct flood_syn {
    uint32_t addr, isn;
    uint16_t port;
};

/* With retransmissions (Linux's SYN backoff: 1 s, then 2 s, 4 s, ... after
 * the previous one, RFC 6298 5.5 and 2.1's 1 s initial RTO): the SYNs are
 * made first, then every transmission is written in time order, merging
 * the K+1 streams (original, first retransmission, ...). */
static int flood_rtx(struct gen_out *out, struct gen_conn *c, const struct flood_syn *f,
                     uint64_t n, unsigned rtx, struct truth *tr, char errbuf[ERRBUF_SIZE])
{
    uint64_t next[FLOOD_MAX_RTX + 1] = { 0 }, off[FLOOD_MAX_RTX + 1];
    unsigned k;
    for (k = 0; k <= rtx; k++)
        off[k] = ((1ull << k) - 1) * GEN_NS_PER_S;
    for (;;) {
        unsigned best = rtx + 1;
        uint64_t t = 0, i;
        for (k = 0; k <= rtx; k++)
            if (next[k] < n) {
                uint64_t tk = GEN_T0_NS + next[k] * FLOOD_GAP_NS + off[k];
                if (best > rtx || tk < t) {
                    best = k;
                    t = tk;
                }
            }
        if (best > rtx)
            return 0;
        i = next[best]++;
        c->addr[GEN_C2S].bytes[0] = (uint8_t)(f[i].addr >> 24);
        c->addr[GEN_C2S].bytes[1] = (uint8_t)(f[i].addr >> 16);
        c->addr[GEN_C2S].bytes[2] = (uint8_t)(f[i].addr >> 8);
        c->addr[GEN_C2S].bytes[3] = (uint8_t)f[i].addr;
        c->port[GEN_C2S] = f[i].port;
        c->isn[GEN_C2S] = f[i].isn;
        gen_conn_init(c);
        if (gen_emit(out, c, GEN_C2S, t, TH_SYN, f[i].isn, 0, GEN_O_NONE, NULL, 0, errbuf) != 0)
            return -1;
        if (tr->segments++ == 0)
            tr->first_ns = t;
        tr->last_ns = t;
    }
}

int gen_synflood_write(uint64_t count, uint64_t seed, const char *path, char errbuf[ERRBUF_SIZE])
{
    return gen_synflood_rtx_write(count, seed, 0, path, errbuf);
}

int gen_synflood_rtx_write(uint64_t count, uint64_t seed, unsigned rtx, const char *path,
                           char errbuf[ERRBUF_SIZE])
{
    struct flood_syn *f = NULL;
    struct gen_out *out;
    struct gen_conn c;
    struct truth tr;
    uint64_t rng = seed, n = 0;
    uint32_t j = (uint32_t)seed, target;
    int rc = 0;

    if (count > (rtx ? FLOOD_MAX_WITH_RTX : FLOOD_MAX) || rtx > FLOOD_MAX_RTX) {
        snprintf(errbuf, ERRBUF_SIZE, "--count %llu is more than %llu, or --retransmits %u more than %u",
                 (unsigned long long)count, rtx ? FLOOD_MAX_WITH_RTX : FLOOD_MAX, rtx,
                 FLOOD_MAX_RTX);
        return -1;
    }
    if (rtx && !(f = calloc(count ? count : 1, sizeof(*f)))) {
        snprintf(errbuf, ERRBUF_SIZE, "out of memory for %llu SYNs", (unsigned long long)count);
        return -1;
    }
    memset(&tr, 0, sizeof(tr));
    out = gen_out_open(path, LINK_ETHERNET, 0, errbuf);
    if (!out) {
        free(f);
        return -1;
    }
    memset(&c, 0, sizeof(c));
    set_addr(&c.addr[GEN_S2C], false, 0xc612, 80); /* 198.18.0.80:80 */
    c.port[GEN_S2C] = 80;
    target = 0xc6120050u;
    while (rc == 0 && n < count) {
        uint32_t a = perm32(j++);
        uint64_t t = GEN_T0_NS + n * FLOOD_GAP_NS;
        if (bogus_source(a) || a == target)
            continue;
        c.addr[GEN_C2S].family = IPADDR_V4;
        c.addr[GEN_C2S].bytes[0] = (uint8_t)(a >> 24);
        c.addr[GEN_C2S].bytes[1] = (uint8_t)(a >> 16);
        c.addr[GEN_C2S].bytes[2] = (uint8_t)(a >> 8);
        c.addr[GEN_C2S].bytes[3] = (uint8_t)a;
        c.port[GEN_C2S] = (uint16_t)gen_range(&rng, 1024, 65535);
        c.isn[GEN_C2S] = (uint32_t)gen_rand(&rng);
        if (f) { /* written below, with the retransmissions */
            f[n].addr = a;
            f[n].port = c.port[GEN_C2S];
            f[n].isn = c.isn[GEN_C2S];
            n++;
            continue;
        }
        gen_conn_init(&c);
        /* Flood tools send bare SYNs: no options. */
        rc = gen_emit(out, &c, GEN_C2S, t, TH_SYN, c.isn[GEN_C2S], 0, GEN_O_NONE, NULL, 0, errbuf);
        if (n == 0)
            tr.first_ns = t;
        tr.last_ns = t;
        n++;
    }
    if (f) {
        c.addr[GEN_C2S].family = IPADDR_V4;
        rc = flood_rtx(out, &c, f, n, rtx, &tr, errbuf);
        free(f);
    } else {
        tr.segments = n;
    }
    if (rc != 0) {
        gen_out_close(out, NULL);
        return -1;
    }
    if (gen_out_close(out, errbuf) != 0)
        return -1;
    tr.connections = tr.ipv4 = n;
    tr.outcome[OC_UNANSWERED] = n;
    return write_truth(path, "synflood", seed, (uint32_t)(GEN_NS_PER_S / FLOOD_GAP_NS), &tr, errbuf);
}
