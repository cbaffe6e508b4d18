/* demo.c: the demo engine: scenarios as ordered system calls, bounded waits that keep frames moving, and kernel snapshots. */
#include "demo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
/* Listen backlog: small, nothing else connects. */
#define DEMO_BACKLOG 8
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

uint64_t demo__mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t demo__active_ms(const struct demo *d)
{
    uint64_t spent = demo__mono_ns() - d->start_ns;
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
static const char *errno_text(int e, char *buf, size_t cap)
{
    const char *name = strerrorname_np(e);
    snprintf(buf, cap, "%s (%s)", name ? name : "?", strerror(e));
    return buf;
}

static void fmt_ep(const struct ip_addr *a, uint16_t port, char out[ENDPOINT_STRLEN])
{
    endpoint_format(a, port, out);
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

static const struct kview_sock *find_row(const struct kview_sock *rows, size_t n,
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
    } else if (d->cport && (k = find_row(rows, n, &d->cip, d->cport, &d->sip, d->port))) {
        kv.client.present = true;
        kv.client.k = *k;
    }
    /* The server end of the current client's connection: the accepted fd
     * if it is that one (the overload scenarios accept another first). */
    if (d->sfd >= 0 && d->sfd_peer == d->cport) {
        if (from_fd(d, d->sfd, &kv.server) < 0)
            return -1;
    } else if (d->cport && (k = find_row(rows, n, &d->sip, d->port, &d->cip, d->cport))) {
        kv.server.present = true;
        kv.server.k = *k;
    }
    if (d->lfd >= 0) {
        if (from_fd(d, d->lfd, &kv.listener) < 0)
            return -1;
    } else if ((k = find_row(rows, n, NULL, d->port, NULL, 0)) && k->kstate == KSTATE_LISTEN) {
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

static int pump(struct demo *d, int fd, short events, int timeout_ms, bool *ready)
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
        if (pump(d, fd, events, slice, &ready) < 0)
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
        got = pump(d, -1, 0, slice, &ready);
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
static int settle(struct demo *d)
{
    return d->cfg->mode == DEMO_MODE_LOOPBACK ? demo__drain(d) : 0;
}

/* --- sockets ------------------------------------------------------------ */

static socklen_t make_sa(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == IPADDR_V6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, a->bytes, 16);
        s6->sin6_port = htons(port);
        return sizeof(*s6);
    }
    {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, a->bytes, 4);
        s4->sin_port = htons(port);
        return sizeof(*s4);
    }
}

static uint16_t sa_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static int tcp_socket(struct demo *d, bool server_side, bool nonblock)
{
    int type = SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0);
    int fd;
    if (d->cfg->mode == DEMO_MODE_WIRE)
        return demo__wire_socket(d, server_side, type);
    fd = socket(d->family, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "socket(): %s", strerror(errno));
    return fd;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* A server socket bound to sip:port (port 0: the kernel picks); listen()s
 * (backlog d->backlog, else DEMO_BACKLOG) unless `holder`. Stores the port. */
int demo__server_bind(struct demo *d, bool holder)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    char ep[ENDPOINT_STRLEN];
    int one = 1, fd, backlog = d->backlog ? d->backlog : DEMO_BACKLOG;

    fd = tcp_socket(d, true, true);
    if (fd < 0)
        return -1;
    *(holder ? &d->hfd : &d->lfd) = fd;
    /* A previous run's TIME_WAIT on this port must not block bind(). */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sl = make_sa(&d->sip, d->port, &ss);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
        int e = errno;
        fmt_ep(&d->sip, d->port, ep);
        return demo__fail(d, DEMO_ERR_SOCKET, e, "bind() on %s: %s", ep, strerror(e));
    }
    if (!holder && listen(fd, backlog) < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "listen(): %s", strerror(errno));
    sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "getsockname(): %s", strerror(errno));
    d->port = sa_port(&ss);
    d->res->port = d->port;
    fmt_ep(&d->sip, d->port, ep);
    if (holder)
        demo__say(d, "socket() + bind() on %s, no listen(): the port is taken but accepts nothing",
                  ep);
    else
        demo__say(d, "socket() + bind() + listen() on %s (backlog %d)", ep, backlog);
    return 0;
}

/* connect() from the client; expect success or ECONNREFUSED. */
int demo__client_connect(struct demo *d, bool expect_ok)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    char ep[ENDPOINT_STRLEN], et[96];
    bool wire = d->cfg->mode == DEMO_MODE_WIRE;
    int r, e, soerr = 0;

    /* A previous client (the overload scenarios make several) stays open;
     * the snapshots follow the newest. */
    if (d->cfd >= 0) {
        if (d->nxfd >= DEMO_EXTRA_FDS)
            return demo__fail(d, DEMO_ERR_CONFIG, EMFILE, "demo: too many clients");
        d->xfd[d->nxfd++] = d->cfd;
        d->cfd = -1;
        d->cport = 0;
    }
    /* On the wire connect() must not block: the engine is the wire and has
     * to keep moving frames while the client connects. On lo the kernel
     * does the whole handshake inside the call; SO_SNDTIMEO bounds it. */
    d->cfd = tcp_socket(d, false, wire);
    if (d->cfd < 0)
        return -1;
    if (!wire) {
        struct timeval tv = {.tv_sec = d->wait_ms / 1000,
                             .tv_usec = (suseconds_t)(d->wait_ms % 1000) * 1000};
        setsockopt(d->cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    fmt_ep(&d->sip, d->port, ep);
    demo__say(d, "connect() to %s called%s", ep, wire ? " (non-blocking)" : "");
    sl = make_sa(&d->sip, d->port, &ss);
    r = connect(d->cfd, (struct sockaddr *)&ss, sl);
    e = r < 0 ? errno : 0;
    {
        struct sockaddr_storage me;
        socklen_t ml = sizeof(me);
        if (getsockname(d->cfd, (struct sockaddr *)&me, &ml) == 0 && sa_port(&me)) {
            d->cport = sa_port(&me);
            d->res->client_port = d->cport;
        }
    }
    if (wire) {
        if (r == 0) {
            demo__say(d, "connect() returned 0");
        } else {
            demo__say(d, "connect() returned -1 %s", errno_text(e, et, sizeof(et)));
            if (e != EINPROGRESS)
                soerr = e;
        }
        if (demo__snapshot(d, "after connect()") < 0)
            return -1;
        if (r < 0 && e == EINPROGRESS) {
            if (demo__wait_for(d, d->cfd, POLLOUT, "connect()") < 0)
                return -1;
            sl = sizeof(soerr);
            if (getsockopt(d->cfd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
                return demo__fail(d, DEMO_ERR_SOCKET, errno, "getsockopt(SO_ERROR): %s",
                                  strerror(errno));
            if (soerr == 0)
                demo__say(d, "connect() completed: poll() says writable, SO_ERROR 0");
            else
                demo__say(d, "connect() failed: SO_ERROR %s", errno_text(soerr, et, sizeof(et)));
            if (demo__snapshot(d, "connect() %s", soerr ? "failed" : "completed") < 0)
                return -1;
        }
    } else {
        if (settle(d) < 0)
            return -1;
        soerr = e;
        if (r == 0)
            demo__say(d, "connect() returned 0");
        else
            demo__say(d, "connect() returned -1 %s", errno_text(e, et, sizeof(et)));
        if (demo__snapshot(d, "after connect()") < 0)
            return -1;
    }
    if (expect_ok && soerr)
        /* A blocking connect() cut short by SO_SNDTIMEO fails with
         * EINPROGRESS (socket(7)). */
        return demo__fail(d, soerr == ETIMEDOUT || soerr == EAGAIN || soerr == EINPROGRESS
                                 ? DEMO_ERR_TIMEOUT
                                 : DEMO_ERR_UNEXPECTED,
                          soerr, "connect() to %s: %s", ep, strerror(soerr));
    if (!expect_ok && soerr != ECONNREFUSED)
        return demo__fail(d, DEMO_ERR_UNEXPECTED, soerr,
                          "connect() to %s: expected ECONNREFUSED, got %s", ep,
                          soerr ? strerror(soerr) : "success");
    return 0;
}

int demo__server_accept(struct demo *d)
{
    struct sockaddr_storage peer;
    socklen_t pl = sizeof(peer);
    struct ip_addr pa;
    char ep[ENDPOINT_STRLEN];

    if (demo__wait_for(d, d->lfd, POLLIN, "accept()") < 0)
        return -1;
    if (d->sfd >= 0) { /* keep an earlier accepted socket open */
        if (d->nxfd >= DEMO_EXTRA_FDS)
            return demo__fail(d, DEMO_ERR_CONFIG, EMFILE, "demo: too many sockets");
        d->xfd[d->nxfd++] = d->sfd;
    }
    d->sfd = accept4(d->lfd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (d->sfd < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "accept(): %s", strerror(errno));
    memset(&pa, 0, sizeof(pa));
    pa.family = d->cip.family;
    memcpy(pa.bytes,
           peer.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&peer)->sin6_addr
                                      : (const void *)&((struct sockaddr_in *)&peer)->sin_addr,
           peer.ss_family == AF_INET6 ? 16 : 4);
    d->sfd_peer = sa_port(&peer);
    fmt_ep(&pa, d->sfd_peer, ep);
    demo__say(d, "accept() returned fd %d from %s", d->sfd, ep);
    if (settle(d) < 0)
        return -1;
    return demo__snapshot(d, "after accept()");
}

/* send() on one end, wait, recv() on the other. */
static int exchange(struct demo *d, int from, int to, const char *msg, const char *fname,
                    const char *tname)
{
    size_t len = strlen(msg);
    char buf[64], et[96];
    ssize_t n;

    n = send(from, msg, len, MSG_NOSIGNAL);
    if (n != (ssize_t)len)
        return demo__fail(d, DEMO_ERR_SOCKET, n < 0 ? errno : EIO, "send() on %s: %s", fname,
                          n < 0 ? strerror(errno) : "short write");
    demo__say(d, "send() %zu bytes on %s", len, fname);
    if (settle(d) < 0 || demo__snapshot(d, "after send() on %s", fname) < 0)
        return -1;
    if (demo__wait_for(d, to, POLLIN, "recv()") < 0)
        return -1;
    n = recv(to, buf, sizeof(buf) - 1, 0);
    if (n < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "recv() on %s: %s", tname,
                          errno_text(errno, et, sizeof(et)));
    buf[n] = '\0';
    demo__say(d, "recv() returned %zd bytes on %s: \"%s\"", n, tname, buf);
    if (settle(d) < 0)
        return -1;
    return demo__snapshot(d, "after recv() on %s", tname);
}

/* The client socket's kernel state from sock_diag (its fd is closed), or
 * 0 if it is gone. -1 on failure. */
static int client_kstate(struct demo *d)
{
    struct kview_sock rows[16];
    char err[ERRBUF_SIZE];
    const struct kview_sock *k;
    /* WIRE: the client's namespace; LOOPBACK: the only one. */
    int fd = d->diag[1] >= 0 ? d->diag[1] : d->diag[0];
    int n = kview_dump_fd(fd, d->family, d->port, rows, 16, err);
    if (n < 0)
        return demo__fail(d, DEMO_ERR_KVIEW, errno, "%s", err);
    k = find_row(rows, (size_t)n < 16 ? (size_t)n : 16, &d->cip, d->cport, &d->sip, d->port);
    return k ? k->kstate : 0;
}

/* Keep frames moving until the client has left FIN_WAIT1, i.e. the
 * server's ACK of the FIN has crossed. Linux delays that ACK (~40 ms: a
 * socket in CLOSE_WAIT expects its application to answer); a server that
 * closed at once would send one FIN+ACK carrying both, and the client
 * would go FIN_WAIT1 -> TIME_WAIT with no FIN_WAIT2. Waiting shows each
 * state; it is bounded, and if the ACK never comes alone we go on. */
static int wait_fin_acked(struct demo *d)
{
    uint64_t deadline = demo__active_ms(d) + d->wait_ms;
    while (demo__active_ms(d) < deadline) {
        bool ready;
        int ks = client_kstate(d);
        if (ks < 0)
            return -1;
        if (ks != KSTATE_FIN_WAIT1)
            return 0;
        if (pump(d, -1, 0, 10, &ready) < 0)
            return -1;
    }
    return 0;
}

/* Client closes first; the server reads EOF, lets its delayed ACK of the
 * FIN go out (so the client's FIN_WAIT2 shows), then closes. */
static int close_graceful(struct demo *d)
{
    char buf[16], et[96];
    ssize_t n;

    demo__say(d, "close() client");
    close_fd(&d->cfd);
    if (settle(d) < 0 || demo__snapshot(d, "after close() client") < 0)
        return -1;
    if (demo__wait_for(d, d->sfd, POLLIN, "recv() of end of stream") < 0)
        return -1;
    n = recv(d->sfd, buf, sizeof(buf), 0);
    if (n != 0)
        return demo__fail(d, DEMO_ERR_UNEXPECTED, n < 0 ? errno : 0,
                          "recv() on server: expected end of stream, got %s",
                          n < 0 ? errno_text(errno, et, sizeof(et)) : "data");
    demo__say(d, "recv() returned 0 on server: end of stream (the client's FIN)");
    if (wait_fin_acked(d) < 0 || demo__drain(d) < 0 ||
        demo__snapshot(d, "after recv() of end of stream") < 0)
        return -1;
    demo__say(d, "close() server");
    close_fd(&d->sfd);
    if (settle(d) < 0)
        return -1;
    return demo__snapshot(d, "after close() server");
}

/* The server aborts: SO_LINGER {1, 0} makes close() send RST and drop the
 * connection at once (no FIN, no TIME_WAIT). */
static int close_reset(struct demo *d)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    char buf[16], et[96];
    ssize_t n;
    int e;

    if (setsockopt(d->sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "setsockopt(SO_LINGER): %s",
                          strerror(errno));
    demo__say(d, "setsockopt(SO_LINGER, {l_onoff 1, l_linger 0}) on server");
    demo__say(d, "close() server: abort, the kernel sends RST");
    close_fd(&d->sfd);
    if (settle(d) < 0 || demo__snapshot(d, "after close() server") < 0)
        return -1;
    if (demo__wait_for(d, d->cfd, POLLIN, "recv() on client") < 0)
        return -1;
    n = recv(d->cfd, buf, sizeof(buf), 0);
    e = n < 0 ? errno : 0;
    if (n < 0)
        demo__say(d, "recv() returned -1 %s on client", errno_text(e, et, sizeof(et)));
    else
        demo__say(d, "recv() returned %zd on client", n);
    if (e != ECONNRESET)
        return demo__fail(d, DEMO_ERR_UNEXPECTED, e, "recv() on client: expected ECONNRESET");
    if (settle(d) < 0)
        return -1;
    return demo__snapshot(d, "after recv() on client");
}

/* Let the last segments cross (the final ACK), close what is left, and
 * take the last snapshot: TIME_WAIT stays, everything else is gone. */
int demo__finish(struct demo *d)
{
    if (demo__drain(d) < 0)
        return -1;
    if (d->cfd >= 0) {
        demo__say(d, "close() client");
        close_fd(&d->cfd);
    }
    if (d->hfd >= 0) {
        demo__say(d, "close() the bound socket");
        close_fd(&d->hfd);
    }
    if (d->nxfd) {
        demo__say(d, "close() the %u other socket%s", d->nxfd, d->nxfd == 1 ? "" : "s");
        while (d->nxfd)
            close_fd(&d->xfd[--d->nxfd]);
    }
    if (d->lfd >= 0) {
        demo__say(d, "close() listener");
        close_fd(&d->lfd);
    }
    if (settle(d) < 0)
        return -1;
    return demo__snapshot(d, "end");
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
            exchange(d, d->cfd, d->sfd, MSG_TO_SERVER, "client", "server") < 0 ||
            exchange(d, d->sfd, d->cfd, MSG_TO_CLIENT, "server", "client") < 0 ||
            close_graceful(d) < 0)
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
            demo__server_accept(d) < 0 || close_reset(d) < 0)
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
    d.start_ns = demo__mono_ns();
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
    close_fd(&d.cfd);
    close_fd(&d.sfd);
    while (d.nxfd)
        close_fd(&d.xfd[--d.nxfd]);
    close_fd(&d.hfd);
    close_fd(&d.lfd);
    if (d.lo)
        demo__lo_close(&d);
    if (d.wire)
        demo__wire_close(&d);
    close_fd(&d.diag[0]);
    close_fd(&d.diag[1]);
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
