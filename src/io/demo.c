/* demo.c: the demo engine: scenarios as ordered system calls, bounded waits that keep frames moving, and kernel snapshots. */
#include "demo.h"
#include "ioclock.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "demo_int.h"
#include "klread.h"
#include "netns.h"

/* The messages of the GRACEFUL exchange: 12 bytes each. */
static const char MSG_TO_SERVER[] = "hello server";
static const char MSG_TO_CLIENT[] = "hello client";
/* Longest single poll, so demo_stop() is noticed quickly. */
#define DEMO_SLICE_MS 50

static volatile sig_atomic_t demo_stop_flag;

void demo_stop(void)
{
    demo_stop_flag = 1;
}

void demo_stop_clear(void)
{
    demo_stop_flag = 0;
}

bool demo__stopping(void)
{
    return demo_stop_flag != 0;
}

const char *demo_mode_name(enum demo_mode m)
{
    switch (m) {
#define X(n, s)          \
    case DEMO_MODE_##n: \
        return s;
        DEMO_MODE_MAP(X)
#undef X
    default:
        return "?";
    }
}

const char *demo_scenario_name(enum demo_scenario s)
{
    switch (s) {
#define X(n, str)            \
    case DEMO_SCENARIO_##n: \
        return str;
        DEMO_SCENARIO_MAP(X)
#undef X
    default:
        return "?";
    }
}

const char *demo_err_name(enum demo_err e)
{
    switch (e) {
#define X(n, s)         \
    case DEMO_ERR_##n: \
        return s;
        DEMO_ERR_MAP(X)
#undef X
    default:
        return "?";
    }
}

int demo_scenario_parse(const char *s, enum demo_scenario *out)
{
#define X(n, str)                      \
    if (s && strcmp(s, str) == 0) {    \
        *out = DEMO_SCENARIO_##n;      \
        return 0;                      \
    }
    DEMO_SCENARIO_MAP(X)
#undef X
    return -1;
}

/* --- time, errors, reporting -------------------------------------------- */

uint64_t demo__active_ms(const struct demo *d)
{
    uint64_t spent = io_mono_ns() - d->start_ns;
    spent = spent > d->res->held_ns ? spent - d->res->held_ns : 0;
    return spent / 1000000u;
}

int demo__fail(struct demo *d, enum demo_err err, int sys_errno, const char *fmt, ...)
{
    va_list ap;
    if (d->res->err != DEMO_ERR_NONE)
        return -1; /* keep the first, root cause */
    d->res->err = err;
    d->res->sys_errno = sys_errno;
    if (d->errbuf) {
        va_start(ap, fmt);
        vsnprintf(d->errbuf, ERRBUF_SIZE, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void demo__say(struct demo *d, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    if (!d->cb->on_syscall)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    d->cb->on_syscall(d->cb->user, text);
}

void demo__report_frame(struct demo *d, const struct frame *f, int dlt, const struct demo_seg *s)
{
    /* A refused connect() releases its port before we can ask for it; the
     * SYN still says which one it used. */
    if (d->cport == 0 && s->tcp && s->dport == d->port && (s->flags & DEMO_TH_SYN) &&
        !(s->flags & DEMO_TH_ACK)) {
        d->cport = s->sport;
        d->res->client_port = s->sport;
    }
    d->last_ts = f->ts_ns;
    d->res->frames++;
    if (d->cb->on_frame)
        d->cb->on_frame(d->cb->user, f, dlt);
}

/* "ECONNREFUSED (Connection refused)" */
const char *demo__errno_text(int e, char *buf, size_t cap)
{
    const char *name = strerrorname_np(e);
    snprintf(buf, cap, "%s (%s)", name ? name : "?", strerror(e));
    return buf;
}

/* --- frames ------------------------------------------------------------- */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

void demo__parse(const uint8_t *p, uint32_t len, struct demo_seg *s)
{
    uint32_t off = 14, iplen, ihl;
    uint16_t et;

    memset(s, 0, sizeof(*s));
    if (len < 14)
        return;
    et = be16(p + 12);
    if (et == 0x8100 && len >= 18) { /* one 802.1Q tag; veths add none */
        et = be16(p + 16);
        off = 18;
    }
    s->l3off = off;
    if (et == 0x0800) {
        if (len < off + 20 || (p[off] >> 4) != 4)
            return;
        ihl = (uint32_t)(p[off] & 0x0f) * 4u;
        iplen = be16(p + off + 2);
        if (ihl < 20 || iplen < ihl || len < off + iplen || p[off + 9] != 6)
            return;
        if (be16(p + off + 6) & 0x3fff) /* MF or a fragment offset */
            return;
        s->l4off = off + ihl;
        s->l4len = iplen - ihl;
    } else if (et == 0x86dd) {
        if (len < off + 40 || (p[off] >> 4) != 6 || p[off + 6] != 6)
            return;
        iplen = be16(p + off + 4);
        if (len < off + 40 + iplen)
            return;
        s->v6 = true;
        s->l4off = off + 40;
        s->l4len = iplen;
    } else {
        return;
    }
    if (s->l4len < 20)
        return;
    {
        const uint8_t *t = p + s->l4off;
        uint32_t doff = (uint32_t)(t[12] >> 4) * 4u;
        if (doff < 20 || doff > s->l4len)
            return;
        s->sport = be16(t);
        s->dport = be16(t + 2);
        s->seq = (uint32_t)be16(t + 4) << 16 | be16(t + 6);
        s->ack = (uint32_t)be16(t + 8) << 16 | be16(t + 10);
        s->flags = t[13];
        s->payload = s->l4len - doff;
        s->tcp = true;
    }
}

void demo__seg_name(const struct demo_seg *s, char *out, size_t cap)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {{DEMO_TH_SYN, "SYN"}, {DEMO_TH_FIN, "FIN"}, {DEMO_TH_RST, "RST"},
                 {DEMO_TH_PSH, "PSH"}, {DEMO_TH_ACK, "ACK"}, {0x20, "URG"},
                 {0x40, "ECE"}, {0x80, "CWR"}};
    size_t i, n = 0;
    out[0] = '\0';
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(s->flags & names[i].bit))
            continue;
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "+" : "", names[i].name);
        if (n >= cap)
            return;
    }
    if (n == 0)
        n += (size_t)snprintf(out, cap, "(no flags)");
    if (s->payload && n < cap)
        snprintf(out + n, cap - n, " %u bytes", s->payload);
}

/* --- kernel snapshots --------------------------------------------------- */

const struct kview_sock *demo__find_row(const struct kview_sock *rows, size_t n,
                                         const struct ip_addr *la, uint16_t lp,
                                         const struct ip_addr *ra, uint16_t rp)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const struct kview_sock *k = &rows[i];
        if (k->lport != lp || k->rport != rp)
            continue;
        if (la && !ipaddr_eq(&k->laddr, la))
            continue;
        if (ra && !ipaddr_eq(&k->raddr, ra))
            continue;
        return k;
    }
    return NULL;
}

static int from_fd(struct demo *d, int fd, struct demo_ksock *out)
{
    char err[ERRBUF_SIZE];
    if (kview_from_fd(fd, &out->k, err) < 0)
        return demo__fail(d, DEMO_ERR_KVIEW, errno, "%s", err);
    out->present = true;
    return 0;
}

int demo__snapshot(struct demo *d, const char *fmt, ...)
{
    struct demo_kernel_view kv;
    struct kview_sock rows[32];
    size_t n = 0, i;
    char err[ERRBUF_SIZE];
    const struct kview_sock *k;
    va_list ap;

    memset(&kv, 0, sizeof(kv));
    va_start(ap, fmt);
    vsnprintf(kv.why, sizeof(kv.why), fmt, ap);
    va_end(ap);
    kv.seq = ++d->kv_seq;

    /* sock_diag first: it sees what no fd reaches (request sockets,
     * orphans after close(), TIME_WAIT). */
    for (i = 0; i < 2; i++) {
        int m;
        if (d->diag[i] < 0)
            continue;
        m = kview_dump_fd(d->diag[i], d->family, d->port, rows + n, 32 - n, err);
        if (m < 0)
            return demo__fail(d, DEMO_ERR_KVIEW, errno, "%s", err);
        n += (size_t)m < 32 - n ? (size_t)m : 32 - n;
    }

    if (d->cfd >= 0) {
        if (from_fd(d, d->cfd, &kv.client) < 0)
            return -1;
    } else if (d->cport && (k = demo__find_row(rows, n, &d->cip, d->cport, &d->sip, d->port))) {
        kv.client.present = true;
        kv.client.k = *k;
    }
    /* The server end of the current client's connection: the accepted fd
     * if it is that one (the overload scenarios accept another first). */
    if (d->sfd >= 0 && d->sfd_peer == d->cport) {
        if (from_fd(d, d->sfd, &kv.server) < 0)
            return -1;
    } else if (d->cport && (k = demo__find_row(rows, n, &d->sip, d->port, &d->cip, d->cport))) {
        kv.server.present = true;
        kv.server.k = *k;
    }
    if (d->lfd >= 0) {
        if (from_fd(d, d->lfd, &kv.listener) < 0)
            return -1;
    } else if ((k = demo__find_row(rows, n, NULL, d->port, NULL, 0)) && k->kstate == KSTATE_LISTEN) {
        kv.listener.present = true;
        kv.listener.k = *k;
    }
    for (i = 0; i < n && i < DEMO_DIAG_MAX; i++)
        kv.diag[i] = rows[i];
    kv.ndiag = i;
    kv.cport = d->cport;
    /* WIRE: the server namespace's TCP counters, risen since the last
     * snapshot (issue 16: drops and cookies). */
    if (d->kl) {
        struct kl_counters now;
        if (klread_counters(d->kl, &now, err) == 0) {
            kl_delta(&d->kl_last, &now, &kv.delta);
            d->kl_last = now;
            kv.have_counters = true;
        }
    }
    /* After the sockets were read: a frame sent before that is waiting by
     * now (lo and veth deliver to packet sockets in the sender's softirq),
     * so "nothing in flight" means the wire side has seen all of it. */
    kv.held = d->holding;
    if (d->wire)
        kv.in_flight = demo__wire_pending(d);
    else if (d->lo)
        kv.in_flight = demo__lo_pending(d);

    d->res->snapshots++;
    if (d->cb->on_kernel)
        d->cb->on_kernel(d->cb->user, d->last_ts, &kv);
    return 0;
}

/* --- waiting while frames move ------------------------------------------ */

int demo__pump(struct demo *d, int fd, short events, int timeout_ms, bool *ready)
{
    *ready = false;
    if (demo__stopping())
        return demo__fail(d, DEMO_ERR_STOPPED, 0, "demo stopped");
    if (demo__active_ms(d) > d->total_ms)
        return demo__fail(d, DEMO_ERR_TIMEOUT, ETIMEDOUT,
                          "demo: time limit of %u ms for the whole run reached", d->total_ms);
    if (d->cfg->mode == DEMO_MODE_WIRE)
        return demo__wire_pump(d, fd, events, timeout_ms, ready);
    return demo__lo_pump(d, fd, events, timeout_ms, ready);
}

/* Until fd is ready for `events`, at most wait_ms of active time. */
int demo__wait_for(struct demo *d, int fd, short events, const char *what)
{
    uint64_t deadline = demo__active_ms(d) + d->wait_ms;
    for (;;) {
        bool ready;
        uint64_t now = demo__active_ms(d);
        int slice;
        if (now >= deadline)
            return demo__fail(d, DEMO_ERR_TIMEOUT, ETIMEDOUT, "%s: nothing within %u ms", what,
                              d->wait_ms);
        slice = (int)(deadline - now < DEMO_SLICE_MS ? deadline - now : DEMO_SLICE_MS);
        if (demo__pump(d, fd, events, slice, &ready) < 0)
            return -1;
        if (ready)
            return 0;
    }
}

/* Move and report frames until none came for quiet_ms (at most wait_ms). */
int demo__drain(struct demo *d)
{
    uint64_t start = demo__active_ms(d), last = start;
    for (;;) {
        bool ready;
        uint64_t now = demo__active_ms(d);
        int got, slice;
        if (now - last >= d->quiet_ms || now - start >= d->wait_ms)
            return 0;
        slice = (int)(d->quiet_ms - (now - last));
        if (slice > DEMO_SLICE_MS)
            slice = DEMO_SLICE_MS;
        got = demo__pump(d, -1, 0, slice, &ready);
        if (got < 0)
            return -1;
        if (got > 0)
            last = demo__active_ms(d);
    }
}

/* After a system call: on lo the kernel has already sent everything it
 * will send for it, so collect those frames before the snapshot. On the
 * wire nothing moves until the engine moves it: the snapshot shows the
 * caller's side changed and the other side not yet. */
int demo__settle(struct demo *d)
{
    return d->cfg->mode == DEMO_MODE_LOOPBACK ? demo__drain(d) : 0;
}

static int run_scenario(struct demo *d)
{
    switch (d->cfg->scenario) {
    case DEMO_SCENARIO_GRACEFUL:
        if (demo__server_bind(d, false) < 0)
            break;
        if (d->cfg->mode == DEMO_MODE_LOOPBACK && demo__lo_open(d) < 0)
            break;
        if (demo__snapshot(d, "after listen()") < 0 || demo__client_connect(d, true) < 0 ||
            demo__server_accept(d) < 0 ||
            demo__exchange(d, d->cfd, d->sfd, MSG_TO_SERVER, "client", "server") < 0 ||
            demo__exchange(d, d->sfd, d->cfd, MSG_TO_CLIENT, "server", "client") < 0 ||
            demo__close_graceful(d) < 0)
            break;
        return demo__finish(d);
    case DEMO_SCENARIO_REFUSED:
        if (demo__server_bind(d, true) < 0)
            break;
        if (d->cfg->mode == DEMO_MODE_LOOPBACK && demo__lo_open(d) < 0)
            break;
        if (demo__snapshot(d, "after bind()") < 0 || demo__client_connect(d, false) < 0)
            break;
        return demo__finish(d);
    case DEMO_SCENARIO_RESET:
        if (demo__server_bind(d, false) < 0)
            break;
        if (d->cfg->mode == DEMO_MODE_LOOPBACK && demo__lo_open(d) < 0)
            break;
        if (demo__snapshot(d, "after listen()") < 0 || demo__client_connect(d, true) < 0 ||
            demo__server_accept(d) < 0 || demo__close_reset(d) < 0)
            break;
        return demo__finish(d);
    case DEMO_SCENARIO_BACKLOG_FULL:
        return demo__backlog_full(d);
    case DEMO_SCENARIO_SYN_COOKIES:
        return demo__syn_cookies(d);
    default:
        return demo__fail(d, DEMO_ERR_CONFIG, EINVAL, "unknown demo scenario %d",
                          (int)d->cfg->scenario);
    }
    return -1;
}

static const struct demo_cb no_callbacks;

int demo_run(const struct demo_cfg *cfg, const struct demo_cb *cb, struct demo_result *res,
             char errbuf[ERRBUF_SIZE])
{
    struct demo d;
    int r = -1;

    memset(res, 0, sizeof(*res));
    memset(&d, 0, sizeof(d));
    d.cfg = cfg;
    d.cb = cb ? cb : &no_callbacks;
    d.res = res;
    d.errbuf = errbuf;
    d.lfd = d.hfd = d.cfd = d.sfd = -1;
    d.diag[0] = d.diag[1] = -1;
    d.start_ns = io_mono_ns();
    d.wait_ms = cfg->wait_ms ? cfg->wait_ms : DEMO_WAIT_MS_DEFAULT;
    d.total_ms = cfg->total_ms ? cfg->total_ms : DEMO_TOTAL_MS_DEFAULT;
    d.quiet_ms = cfg->quiet_ms ? cfg->quiet_ms : DEMO_QUIET_MS_DEFAULT;
    d.family = cfg->ipv6 ? AF_INET6 : AF_INET;
    d.port = cfg->port;

    if (cfg->mode != DEMO_MODE_LOOPBACK && cfg->mode != DEMO_MODE_WIRE)
        return demo__fail(&d, DEMO_ERR_CONFIG, EINVAL, "unknown demo mode %d", (int)cfg->mode);
    if (cfg->mode == DEMO_MODE_LOOPBACK && (cfg->scenario == DEMO_SCENARIO_BACKLOG_FULL ||
                                            cfg->scenario == DEMO_SCENARIO_SYN_COOKIES))
        return demo__fail(&d, DEMO_ERR_CONFIG, EINVAL,
                          "the %s demo needs the wire mode (the wire decides when each "
                          "segment arrives)",
                          demo_scenario_name(cfg->scenario));
    if (cfg->mode == DEMO_MODE_LOOPBACK && (cfg->slow_ns || cfg->step))
        return demo__fail(&d, DEMO_ERR_CONFIG, EINVAL,
                          "slow motion needs the wire mode (the kernel runs a loopback "
                          "handshake inside connect())");
    if (cfg->mode == DEMO_MODE_LOOPBACK) {
        ipaddr_parse(cfg->ipv6 ? "::1" : "127.0.0.1", &d.cip);
        d.sip = d.cip;
        d.diag[0] = kview_diag_open(errbuf);
        if (d.diag[0] < 0)
            return demo__fail(&d, DEMO_ERR_KVIEW, errno, "%s", errbuf);
    } else {
        ipaddr_parse(cfg->ipv6 ? DEMO_WIRE_CLIENT6 : DEMO_WIRE_CLIENT4, &d.cip);
        ipaddr_parse(cfg->ipv6 ? DEMO_WIRE_SERVER6 : DEMO_WIRE_SERVER4, &d.sip);
    }
    res->client_addr = d.cip;
    res->server_addr = d.sip;

    if (cfg->mode == DEMO_MODE_LOOPBACK || demo__wire_open(&d) == 0)
        r = run_scenario(&d);

    /* Every path ends here: sockets, capture, diag sockets, namespaces. */
    demo__close_fd(&d.cfd);
    demo__close_fd(&d.sfd);
    while (d.nxfd)
        demo__close_fd(&d.xfd[--d.nxfd]);
    demo__close_fd(&d.hfd);
    demo__close_fd(&d.lfd);
    if (d.lo)
        demo__lo_close(&d);
    if (d.wire)
        demo__wire_close(&d);
    demo__close_fd(&d.diag[0]);
    demo__close_fd(&d.diag[1]);
    if (r < 0 && res->err == DEMO_ERR_NONE)
        demo__fail(&d, DEMO_ERR_SOCKET, 0, "demo failed");
    return r < 0 ? -1 : 0;
}

int demo_probe(enum demo_mode mode, char errbuf[ERRBUF_SIZE])
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(errbuf, ERRBUF_SIZE, "needs root or CAP_NET_RAW+CAP_NET_ADMIN: packet socket: %s",
                 strerror(errno));
        return -1;
    }
    close(fd);
    if (mode == DEMO_MODE_WIRE && netns_probe(errbuf) < 0) {
        static const char pre[] = "needs root or CAP_NET_RAW+CAP_NET_ADMIN: ";
        char inner[ERRBUF_SIZE - sizeof(pre)];
        const char *p = strstr(errbuf, ": ");
        /* netns says "needs root or CAP_SYS_ADMIN+...: detail"; keep the detail. */
        snprintf(inner, sizeof(inner), "%s",
                 p && strncmp(errbuf, "needs root", 10) == 0 ? p + 2 : errbuf);
        snprintf(errbuf, ERRBUF_SIZE, "%s%s", pre, inner);
        return -1;
    }
    return 0;
}
