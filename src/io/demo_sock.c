/* demo_sock.c: the demo's sockets and system calls: bind and listen,
 * connect, accept, the message exchange and the two ways of closing
 * (graceful and reset), each step reported and each wait bounded
 * (docs/DEMO.md). Part of the demo engine (demo.c). */
#include "demo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "demo_int.h"
#include "netns.h"

/* Listen backlog: small, nothing else connects. */
#define DEMO_BACKLOG 8

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

void demo__close_fd(int *fd)
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
        endpoint_format(&d->sip, d->port, ep);
        return demo__fail(d, DEMO_ERR_SOCKET, e, "bind() on %s: %s", ep, strerror(e));
    }
    if (!holder && listen(fd, backlog) < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "listen(): %s", strerror(errno));
    sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "getsockname(): %s", strerror(errno));
    d->port = sa_port(&ss);
    d->res->port = d->port;
    endpoint_format(&d->sip, d->port, ep);
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
    endpoint_format(&d->sip, d->port, ep);
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
            demo__say(d, "connect() returned -1 %s", demo__errno_text(e, et, sizeof(et)));
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
                demo__say(d, "connect() failed: SO_ERROR %s", demo__errno_text(soerr, et, sizeof(et)));
            if (demo__snapshot(d, "connect() %s", soerr ? "failed" : "completed") < 0)
                return -1;
        }
    } else {
        if (demo__settle(d) < 0)
            return -1;
        soerr = e;
        if (r == 0)
            demo__say(d, "connect() returned 0");
        else
            demo__say(d, "connect() returned -1 %s", demo__errno_text(e, et, sizeof(et)));
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
    endpoint_format(&pa, d->sfd_peer, ep);
    demo__say(d, "accept() returned fd %d from %s", d->sfd, ep);
    if (demo__settle(d) < 0)
        return -1;
    return demo__snapshot(d, "after accept()");
}

/* send() on one end, wait, recv() on the other. */
int demo__exchange(struct demo *d, int from, int to, const char *msg, const char *fname,
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
    if (demo__settle(d) < 0 || demo__snapshot(d, "after send() on %s", fname) < 0)
        return -1;
    if (demo__wait_for(d, to, POLLIN, "recv()") < 0)
        return -1;
    n = recv(to, buf, sizeof(buf) - 1, 0);
    if (n < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "recv() on %s: %s", tname,
                          demo__errno_text(errno, et, sizeof(et)));
    buf[n] = '\0';
    demo__say(d, "recv() returned %zd bytes on %s: \"%s\"", n, tname, buf);
    if (demo__settle(d) < 0)
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
    k = demo__find_row(rows, (size_t)n < 16 ? (size_t)n : 16, &d->cip, d->cport, &d->sip, d->port);
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
        if (demo__pump(d, -1, 0, 10, &ready) < 0)
            return -1;
    }
    return 0;
}

/* Client closes first; the server reads EOF, lets its delayed ACK of the
 * FIN go out (so the client's FIN_WAIT2 shows), then closes. */
int demo__close_graceful(struct demo *d)
{
    char buf[16], et[96];
    ssize_t n;

    demo__say(d, "close() client");
    demo__close_fd(&d->cfd);
    if (demo__settle(d) < 0 || demo__snapshot(d, "after close() client") < 0)
        return -1;
    if (demo__wait_for(d, d->sfd, POLLIN, "recv() of end of stream") < 0)
        return -1;
    n = recv(d->sfd, buf, sizeof(buf), 0);
    if (n != 0)
        return demo__fail(d, DEMO_ERR_UNEXPECTED, n < 0 ? errno : 0,
                          "recv() on server: expected end of stream, got %s",
                          n < 0 ? demo__errno_text(errno, et, sizeof(et)) : "data");
    demo__say(d, "recv() returned 0 on server: end of stream (the client's FIN)");
    if (wait_fin_acked(d) < 0 || demo__drain(d) < 0 ||
        demo__snapshot(d, "after recv() of end of stream") < 0)
        return -1;
    demo__say(d, "close() server");
    demo__close_fd(&d->sfd);
    if (demo__settle(d) < 0)
        return -1;
    return demo__snapshot(d, "after close() server");
}

/* The server aborts: SO_LINGER {1, 0} makes close() send RST and drop the
 * connection at once (no FIN, no TIME_WAIT). */
int demo__close_reset(struct demo *d)
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
    demo__close_fd(&d->sfd);
    if (demo__settle(d) < 0 || demo__snapshot(d, "after close() server") < 0)
        return -1;
    if (demo__wait_for(d, d->cfd, POLLIN, "recv() on client") < 0)
        return -1;
    n = recv(d->cfd, buf, sizeof(buf), 0);
    e = n < 0 ? errno : 0;
    if (n < 0)
        demo__say(d, "recv() returned -1 %s on client", demo__errno_text(e, et, sizeof(et)));
    else
        demo__say(d, "recv() returned %zd on client", n);
    if (e != ECONNRESET)
        return demo__fail(d, DEMO_ERR_UNEXPECTED, e, "recv() on client: expected ECONNRESET");
    if (demo__settle(d) < 0)
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
        demo__close_fd(&d->cfd);
    }
    if (d->hfd >= 0) {
        demo__say(d, "close() the bound socket");
        demo__close_fd(&d->hfd);
    }
    if (d->nxfd) {
        demo__say(d, "close() the %u other socket%s", d->nxfd, d->nxfd == 1 ? "" : "s");
        while (d->nxfd)
            demo__close_fd(&d->xfd[--d->nxfd]);
    }
    if (d->lfd >= 0) {
        demo__say(d, "close() listener");
        demo__close_fd(&d->lfd);
    }
    if (demo__settle(d) < 0)
        return -1;
    return demo__snapshot(d, "end");
}
