/* kview_linux.c: kernel TCP states from TCP_INFO and NETLINK_SOCK_DIAG (Linux). */
/* <netinet/tcp.h> gives glibc's struct tcp_info; <linux/tcp.h> would clash
 * with it (both define struct tcphdr), so this file never includes it. The
 * sock_diag headers below pull in only <linux/types.h>. */
#include "kview.h"
#include "ioclock.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <libmnl/libmnl.h>

/* Whole-dump time limit: a dump is finite, but a wedged netlink socket must
 * not hang the demo. */
#define KVIEW_DUMP_LIMIT_MS 5000
#define KVIEW_RECV_BUF 32768

static void kv_err(char *errbuf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void kv_err(char *errbuf, const char *fmt, ...)
{
    va_list ap;
    if (!errbuf)
        return;
    va_start(ap, fmt);
    vsnprintf(errbuf, ERRBUF_SIZE, fmt, ap);
    va_end(ap);
}

const char *kview_kstate_name(unsigned kstate)
{
    switch (kstate) {
#define X(num, name, text, ts) \
    case num:                  \
        return text;
        KVIEW_KSTATE_MAP(X)
#undef X
    default:
        return "UNKNOWN";
    }
}

enum tcp_state kview_map_state(unsigned kstate)
{
    switch (kstate) {
#define X(num, name, text, ts) \
    case num:                  \
        return ts;
        KVIEW_KSTATE_MAP(X)
#undef X
    default:
        return TS_CLOSED;
    }
}

static void addr_from_sa(const struct sockaddr_storage *ss, struct ip_addr *a, uint16_t *port)
{
    memset(a, 0, sizeof(*a));
    *port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        a->family = IPADDR_V4;
        memcpy(a->bytes, &s4->sin_addr, 4);
        *port = ntohs(s4->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        a->family = IPADDR_V6;
        memcpy(a->bytes, &s6->sin6_addr, 16);
        *port = ntohs(s6->sin6_port);
    }
}

int kview_from_fd(int fd, struct kview_sock *out, char errbuf[ERRBUF_SIZE])
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    struct sockaddr_storage ss;
    socklen_t sl;

    memset(out, 0, sizeof(*out));
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
        kv_err(errbuf, "getsockopt(TCP_INFO) on fd %d: %s", fd, strerror(errno));
        return -1;
    }
    out->src = KVIEW_SRC_TCP_INFO;
    out->kstate = ti.tcpi_state;
    out->state = (uint8_t)kview_map_state(ti.tcpi_state);
    out->retrans = ti.tcpi_retransmits;
    out->rtt_us = ti.tcpi_rtt;
    if (ti.tcpi_state == KSTATE_LISTEN) { /* tcp_get_info(): the accept queue */
        out->rqueue = ti.tcpi_unacked;
        out->wqueue = ti.tcpi_sacked;
    }

    sl = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        addr_from_sa(&ss, &out->laddr, &out->lport);
    sl = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    /* ENOTCONN for listeners and closed sockets: no peer, raddr stays zero. */
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
        addr_from_sa(&ss, &out->raddr, &out->rport);
    return 0;
}

int kview_diag_open(char errbuf[ERRBUF_SIZE])
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        kv_err(errbuf, "socket(NETLINK_SOCK_DIAG): %s", strerror(errno));
        return -1;
    }
    return fd;
}

static void row_from_diag(const struct inet_diag_msg *m, struct kview_sock *k)
{
    memset(k, 0, sizeof(*k));
    k->src = KVIEW_SRC_SOCK_DIAG;
    k->laddr.family = k->raddr.family = m->idiag_family == AF_INET6 ? IPADDR_V6 : IPADDR_V4;
    memcpy(k->laddr.bytes, m->id.idiag_src, k->laddr.family == IPADDR_V6 ? 16 : 4);
    memcpy(k->raddr.bytes, m->id.idiag_dst, k->raddr.family == IPADDR_V6 ? 16 : 4);
    k->lport = ntohs(m->id.idiag_sport);
    k->rport = ntohs(m->id.idiag_dport);
    if (k->rport == 0) /* a listener or bound socket has no peer */
        memset(&k->raddr, 0, sizeof(k->raddr));
    k->kstate = m->idiag_state;
    k->state = (uint8_t)kview_map_state(m->idiag_state);
    k->inode = m->idiag_inode;
    k->retrans = m->idiag_retrans;
    k->timer_ms = m->idiag_timer ? m->idiag_expires : 0;
    k->rqueue = m->idiag_rqueue;
    k->wqueue = m->idiag_wqueue;
    /* inet_req_diag_fill() reports a request socket (TCP_NEW_SYN_RECV) as
     * SYN_RECV with inode 0; a full SYN_RECV socket (simultaneous open,
     * Fast Open child) has an inode or is reported with its real state. */
    k->request = m->idiag_state == KSTATE_NEW_SYN_RECV ||
                 (m->idiag_state == KSTATE_SYN_RECV && m->idiag_inode == 0);
}

/* Where one dump's rows go (the libmnl callback's data). */
struct dump_ctx {
    uint16_t port;
    struct kview_sock *out;
    size_t cap, *stored, *matched;
};

static int on_diag_row(const struct nlmsghdr *h, void *data)
{
    struct dump_ctx *c = data;
    struct kview_sock k;
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        mnl_nlmsg_get_payload_len(h) < sizeof(struct inet_diag_msg))
        return MNL_CB_OK;
    row_from_diag(mnl_nlmsg_get_payload(h), &k);
    if (c->port != 0 && k.lport != c->port && k.rport != c->port)
        return MNL_CB_OK;
    if (*c->stored < c->cap)
        c->out[(*c->stored)++] = k;
    (*c->matched)++;
    return MNL_CB_OK;
}

/* One dump for one address family; appends matches to out[*stored...].
 * The request is built and the replies walked with libmnl
 * (docs/ARCHITECTURE.md, "Netlink"); the deadline is ours. */
static int dump_family(int fd, int family, uint32_t states, uint16_t port,
                       struct kview_sock *out, size_t cap, size_t *stored, size_t *matched,
                       char *errbuf)
{
    _Alignas(struct nlmsghdr) char req[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_req_v2))];
    _Alignas(struct nlmsghdr) uint8_t buf[KVIEW_RECV_BUF];
    uint64_t deadline = io_mono_ms() + KVIEW_DUMP_LIMIT_MS;
    struct sockaddr_nl nladdr;
    uint32_t seq = (uint32_t)io_mono_ms();
    struct dump_ctx ctx = { port, out, cap, stored, matched };
    struct nlmsghdr *nlh;
    struct inet_diag_req_v2 *r;

    memset(req, 0, sizeof(req));
    nlh = mnl_nlmsg_put_header(req);
    nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = seq;
    r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
    r->sdiag_family = (uint8_t)family;
    r->sdiag_protocol = IPPROTO_TCP;
    /* Every state bit, so request sockets (NEW_SYN_RECV, 12), TIME_WAIT and
     * bound-inactive sockets (13) are included; unknown bits are ignored.
     * The id's ports stay 0: the kernel would AND them (local and remote),
     * and we want "local or remote", filtered in on_diag_row(). (kview_dump_fd
     * asks for every state, kview_listeners_fd for LISTEN alone.) */
    r->idiag_states = states;

    memset(&nladdr, 0, sizeof(nladdr));
    nladdr.nl_family = AF_NETLINK;
    if (sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&nladdr, sizeof(nladdr)) < 0) {
        kv_err(errbuf, "sock_diag request: %s", strerror(errno));
        return -1;
    }
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        uint64_t now = io_mono_ms();
        ssize_t got;
        int pr, rc;

        if (now >= deadline) {
            kv_err(errbuf, "sock_diag dump: no end after %d ms", KVIEW_DUMP_LIMIT_MS);
            return -1;
        }
        pr = poll(&pfd, 1, (int)(deadline - now));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            kv_err(errbuf, "sock_diag poll: %s", strerror(errno));
            return -1;
        }
        if (pr == 0)
            continue; /* the deadline check above ends it */
        got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0) {
            kv_err(errbuf, "sock_diag receive: %s", strerror(errno));
            return -1;
        }
        if (got == 0) {
            kv_err(errbuf, "sock_diag receive: unexpected end of stream");
            return -1;
        }
        /* NLMSG_DONE ends the dump (MNL_CB_STOP); NLMSG_ERROR comes back as
         * -1 with errno. ESRCH: a stale reply to an earlier, abandoned dump
         * on this socket (another sequence number): skipped. */
        rc = mnl_cb_run(buf, (size_t)got, seq, 0, on_diag_row, &ctx);
        if (rc == MNL_CB_STOP)
            return 0;
        if (rc < 0 && errno == ESRCH)
            continue;
        if (rc < 0) {
            kv_err(errbuf, "sock_diag (family %s): %s", family == AF_INET6 ? "inet6" : "inet",
                   strerror(errno));
            return -1;
        }
    }
}

int kview_dump_fd(int diag_fd, int family, uint16_t port, struct kview_sock *out,
                  size_t cap, char errbuf[ERRBUF_SIZE])
{
    size_t stored = 0, matched = 0;

    if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) {
        kv_err(errbuf, "kview_dump: family %d is neither AF_INET nor AF_INET6", family);
        return -1;
    }
    if (family != AF_INET6 &&
        dump_family(diag_fd, AF_INET, ~0u, port, out, cap, &stored, &matched, errbuf) < 0)
        return -1;
    if (family != AF_INET &&
        dump_family(diag_fd, AF_INET6, ~0u, port, out, cap, &stored, &matched, errbuf) < 0)
        return -1;
    return matched > (size_t)INT32_MAX ? INT32_MAX : (int)matched;
}

int kview_listeners_fd(int diag_fd, struct kview_sock *out, size_t cap, char errbuf[ERRBUF_SIZE])
{
    size_t stored = 0, matched = 0;
    uint32_t listen = 1u << KSTATE_LISTEN;
    if (dump_family(diag_fd, AF_INET, listen, 0, out, cap, &stored, &matched, errbuf) < 0 ||
        dump_family(diag_fd, AF_INET6, listen, 0, out, cap, &stored, &matched, errbuf) < 0)
        return -1;
    return matched > (size_t)INT32_MAX ? INT32_MAX : (int)matched;
}

int kview_dump(int family, uint16_t port, struct kview_sock *out, size_t cap,
               char errbuf[ERRBUF_SIZE])
{
    int fd = kview_diag_open(errbuf);
    int r;
    if (fd < 0)
        return -1;
    r = kview_dump_fd(fd, family, port, out, cap, errbuf);
    close(fd);
    return r;
}

void kview_format(const struct kview_sock *k, char out[KVIEW_STRLEN])
{
    char l[ENDPOINT_STRLEN], r[ENDPOINT_STRLEN];
    endpoint_format(&k->laddr, k->lport, l);
    if (k->raddr.family)
        endpoint_format(&k->raddr, k->rport, r);
    else
        snprintf(r, sizeof(r), "*");
    snprintf(out, KVIEW_STRLEN, "%s %s -> %s%s", kview_kstate_name(k->kstate), l, r,
             k->request ? " (request)" : "");
}
