/* gen_emit.c: turns (connection, direction, flags, seq, ack, option set,
 * payload, time) into a Linux-like segment via craft_frame and pcapfile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "pcapfile.h"
#include "tcp_wire.h"

struct gen_out {
    struct pcapfile *pf;
    enum link_type lt;
    uint64_t frames;
    uint8_t buf[CFG_MAX_FRAME];
};

/* The TFO cookie the "server" hands out (RFC 7413 4.1.1: 4..16 bytes; Linux
 * uses 8). Any fixed value will do; the bytes spell nothing. */
static const uint8_t tfo_cookie[8] = { 0x3c, 0x91, 0x5e, 0x07, 0xa2, 0xd4, 0x68, 0x1b };

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* A hash of (source, destination) addresses. */
static uint32_t pair_hash(const struct ip_addr *src, const struct ip_addr *dst)
{
    uint32_t h = 0x5453u;
    int i;
    for (i = 0; i < 16; i += 4) {
        h = mix32(h ^ ((uint32_t)src->bytes[i] << 24 | (uint32_t)src->bytes[i + 1] << 16 |
                       (uint32_t)src->bytes[i + 2] << 8 | src->bytes[i + 3]));
        h = mix32(h ^ ((uint32_t)dst->bytes[i] << 24 | (uint32_t)dst->bytes[i + 1] << 16 |
                       (uint32_t)dst->bytes[i + 2] << 8 | dst->bytes[i + 3]));
    }
    return h;
}

void gen_conn_init(struct gen_conn *c)
{
    int d;
    for (d = 0; d < 2; d++) {
        /* Linux offsets its 1 kHz timestamp clock per address pair
         * (secure_tcp_ts_off), so a reused 4-tuple keeps counting up. */
        c->ts_base[d] = pair_hash(&c->addr[d], &c->addr[1 - d]);
        /* As if the peer had been sending for a while: what a mid-stream
         * capture's first segment echoes. Handshakes never echo it (a
         * SYN's TSecr is 0, a SYN+ACK echoes the SYN). */
        c->ts_last[d] = c->ts_base[d] - 1000u;
        c->ip_id[d] = (uint16_t)mix32(c->isn[d] ^ 0x4944u);
    }
    c->lo = ipaddr_is_loopback(&c->addr[GEN_C2S]);
}

/* Linux's advertised MSS: MTU minus IP and TCP headers. lo's MTU is 65536,
 * so 65495 for IPv4 as Linux reports it (65476 for IPv6); Ethernet 1500. */
static uint16_t mss_for(const struct gen_conn *c)
{
    bool v6 = c->addr[0].family == IPADDR_V6;
    if (c->lo)
        return v6 ? 65476 : 65495;
    return v6 ? 1440 : 1460;
}

/* Windows as a Linux 6.x host with default buffers sends them: the SYN's
 * and SYN+ACK's are unscaled (RFC 7323 2.2), later ones are >> 7. RSTs in
 * reply to a closed port carry 0. */
static uint16_t window_for(const struct gen_conn *c, uint16_t flags)
{
    bool v6 = c->addr[0].family == IPADDR_V6;
    if (flags & TH_RST)
        return 0;
    if ((flags & (TH_SYN | TH_ACK)) == TH_SYN)
        return c->lo ? (v6 ? 65476 : 65495) : (v6 ? 64800 : 64240);
    if (flags & TH_SYN)
        return c->lo ? (v6 ? 65464 : 65483) : (v6 ? 64260 : 65160);
    return c->lo ? 512 : 502;
}

static void fill_opts(struct gen_conn *c, enum gen_dir dir, uint64_t t_ns, uint16_t flags,
                      enum gen_opt opt, struct tcp_opts *o)
{
    uint32_t ms = (uint32_t)((t_ns - GEN_T0_NS) / GEN_NS_PER_MS);
    memset(o, 0, sizeof(*o));
    if (opt == GEN_O_NONE)
        return;
    if (opt == GEN_O_SYN_NOTS) {
        o->present = TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_WSCALE;
        o->mss = mss_for(c);
        o->wscale = 7;
        return;
    }
    o->present = TCPOPT_P_TS;
    if (opt == GEN_O_TS_FORGED) {
        /* Not the sender's stack: its clock is not the endpoint's, and its
         * echo is 100 s ahead of anything the peer sent. Nobody echoes it. */
        o->ts_val = c->ts_base[dir] ^ 0x2a2a2a2au;
        o->ts_ecr = c->ts_last[1 - dir] + 100000u;
        return;
    }
    o->ts_val = c->ts_base[dir] + ms;
    /* RFC 7323 3.2: TSecr is meaningful only with ACK; Linux sends 0. */
    o->ts_ecr = (flags & TH_ACK) ? c->ts_last[1 - dir] : 0;
    c->ts_last[dir] = o->ts_val;
    if (opt == GEN_O_TS)
        return;
    o->present |= TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_WSCALE;
    o->mss = mss_for(c);
    o->wscale = 7;
    if (opt == GEN_O_TFO_REQ) {
        o->present |= TCPOPT_P_TFO;
        o->tfo_len = 0;
    } else if (opt == GEN_O_TFO_COOKIE) {
        o->present |= TCPOPT_P_TFO;
        o->tfo_len = sizeof(tfo_cookie);
        memcpy(o->tfo_cookie, tfo_cookie, sizeof(tfo_cookie));
    }
}

struct gen_out *gen_out_open(const char *path, enum link_type lt, int snaplen,
                             char errbuf[ERRBUF_SIZE])
{
    struct gen_out *o = malloc(sizeof(*o));
    if (!o) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot write %s: out of memory", path);
        return NULL;
    }
    o->pf = pcapfile_create(path, lt, snaplen, errbuf);
    if (!o->pf) {
        free(o);
        return NULL;
    }
    o->lt = lt;
    o->frames = 0;
    return o;
}

int gen_emit(struct gen_out *o, struct gen_conn *c, enum gen_dir dir, uint64_t t_ns,
             uint16_t flags, uint32_t seq, uint32_t ack, enum gen_opt opt,
             const uint8_t *data, uint32_t len, char errbuf[ERRBUF_SIZE])
{
    struct craft_spec s;
    struct frame f;
    size_t n;
    int rc;

    memset(&s, 0, sizeof(s));
    s.src = c->addr[dir];
    s.dst = c->addr[1 - dir];
    s.sport = c->port[dir];
    s.dport = c->port[1 - dir];
    s.flags = flags;
    s.seq = seq;
    s.ack = (flags & TH_ACK) ? ack : 0;
    s.win = window_for(c, flags);
    s.ttl = 64;
    s.dont_fragment = true;
    s.ip_id = c->ip_id[dir]++;
    s.payload = data;
    s.payload_len = len;
    /* What `tcpdump -i any` keeps on lo: the incoming copy (PACKET_HOST). */
    s.pkttype = 0;
    fill_opts(c, dir, t_ns, flags, opt, &s.opt);

    rc = craft_frame(o->lt, &s, o->buf, sizeof(o->buf), &n);
    if (rc != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot build segment %llu: %s",
                 (unsigned long long)o->frames + 1, craft_strerror(rc));
        return -1;
    }
    f.data = o->buf;
    f.caplen = (uint32_t)n;
    f.wirelen = (uint32_t)n;
    f.ts_ns = t_ns;
    if (pcapfile_write(o->pf, &f) != 0) {
        /* The file's own error text comes from pcapfile_close. */
        pcapfile_close(o->pf, errbuf);
        o->pf = NULL;
        return -1;
    }
    o->frames++;
    return 0;
}

uint64_t gen_out_frames(const struct gen_out *o)
{
    return o->frames;
}

int gen_out_close(struct gen_out *o, char errbuf[ERRBUF_SIZE])
{
    int rc;
    if (!o)
        return 0;
    rc = pcapfile_close(o->pf, errbuf);
    free(o);
    return rc;
}
